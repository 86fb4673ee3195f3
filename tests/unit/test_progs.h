/* What the runtime's C tests share: a compiled tests/progs object loaded, every program of it,
 * unverified (the checked interpreter), into an environment. */
#ifndef EXBPF_TEST_PROGS_H
#define EXBPF_TEST_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/exbpf.h>

struct test_loaded {
	struct exbpf_object *obj;
	struct exbpf_env *env;
	struct exbpf_instance *inst;
};

/* Opens <progs dir>/name.bpf.o and loads it into env, which *l then owns (NULL: a new default
 * environment). On failure records a test failure naming `line` and returns false; *l can
 * always be passed to test_unload(). */
bool test_load_at(struct test_loaded *l, const char *name, struct exbpf_env *env, int line);
#define TEST_LOAD(l, name, env) test_load_at((l), (name), (env), __LINE__)
void test_unload(struct test_loaded *l);

/* Runs program `name` on 64 zero bytes of packet: its return value, *err the run's result,
 * *thrown whether it threw, the run's log in log. */
uint64_t test_run_prog(struct test_loaded *l, const char *name, bool *thrown, char *log,
		       size_t log_size, int *err);
/* A run that must succeed with `want`; one that must fail with err and a log containing msg. */
void test_run_is(struct test_loaded *l, const char *name, uint64_t want, const char *file,
		 int line);
void test_run_fails(struct test_loaded *l, const char *name, int err, const char *msg,
		    const char *file, int line);
#define RUN(l, name, want) test_run_is((l), (name), (uint64_t)(want), __FILE__, __LINE__)
#define FAILS(l, name, err, msg) test_run_fails((l), (name), (err), (msg), __FILE__, __LINE__)

#endif
