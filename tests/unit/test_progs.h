/* What the runtime's C tests share: a compiled tests/progs object loaded, every program of it,
 * unverified (the checked interpreter), into an environment. */
#ifndef EXBPF_TEST_PROGS_H
#define EXBPF_TEST_PROGS_H

#include <stdbool.h>

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

#endif
