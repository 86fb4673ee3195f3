#include "test_progs.h"

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
