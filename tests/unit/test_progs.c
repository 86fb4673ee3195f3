#include "test_progs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

bool test_load_at(struct test_loaded *l, const char *name, struct exbpf_env *env, int line)
{
	char path[512], log[1024] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .all_programs = true, .unverified = true);
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), "%s/%s.bpf.o", test_progs_dir(), name);
	l->env = env ? env : exbpf_env__new(NULL);
	l->obj = exbpf_object__open_file(path, NULL);
	if (!l->obj || !l->env) {
		test_fail(__FILE__, line, "cannot open %s", path);
		return false;
	}
	err = exbpf_instance__load(l->env, l->obj, &lo, &l->inst);
	if (err)
		test_fail(__FILE__, line, "load %s: %d %s", name, err, log);
	return !err;
}

void test_unload(struct test_loaded *l)
{
	exbpf_instance__free(l->inst);
	exbpf_env__free(l->env);
	exbpf_object__close(l->obj);
	memset(l, 0, sizeof(*l));
}

uint64_t test_run_prog(struct test_loaded *l, const char *name, bool *thrown, char *log,
		       size_t log_size, int *err)
{
	struct exbpf_program *p = exbpf_instance__find_program(l->inst, name);
	uint8_t pkt[64] = {0};
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .log_buf = log,
		   .log_size = log_size);

	*err = p ? exbpf_program__run(p, &o) : -ENOENT;
	*thrown = o.exception.thrown;
	return o.retval;
}

void test_run_is(struct test_loaded *l, const char *name, uint64_t want, const char *file,
		 int line)
{
	char log[512] = "";
	bool thrown;
	int err;
	uint64_t r = test_run_prog(l, name, &thrown, log, sizeof(log), &err);

	if (err || r != want)
		test_fail(file, line, "%s: err %d retval %lld (want %lld): %s", name, err,
			  (long long)r, (long long)want, log);
}

void test_run_fails(struct test_loaded *l, const char *name, int err, const char *msg,
		    const char *file, int line)
{
	char log[512] = "";
	bool thrown;
	int e;

	test_run_prog(l, name, &thrown, log, sizeof(log), &e);
	if (e != err || !strstr(log, msg))
		test_fail(file, line, "%s: err %d (want %d), log \"%s\" (want \"%s\")", name, e,
			  err, log, msg);
}
