/* Environments: the registries of helpers and kfuncs that loads resolve against. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "runtime/timer.h"

struct exbpf_env *exbpf_env__new(const struct exbpf_env_opts *opts)
{
	struct exbpf_env *env = calloc(1, sizeof(*env));

	if (!env) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts && opts->sz > offsetof(struct exbpf_env_opts, trace_printk)) {
		env->trace = opts->trace_printk;
		env->trace_ctx = opts->trace_ctx;
	}
	if (rt_register_builtins(env)) {
		exbpf_env__free(env);
		errno = ENOMEM;
		return NULL;
	}
	return env;
}

static void free_funcs(struct rt_func *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].name);
	free(f);
}

void exbpf_env__free(struct exbpf_env *env)
{
	if (!env)
		return;
	rt_timers_idle();
	free_funcs(env->helpers, env->nhelpers);
	free_funcs(env->kfuncs, env->nkfuncs);
	free(env->vm_helpers);
	rt_free_prog_types(env);
	free(env);
}

static int add_func(struct rt_func **arr, size_t *n, uint32_t id, const char *name,
		    exbpf_helper_fn fn, const struct exbpf_func_proto *proto)
{
	struct rt_func *grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown)
		return -ENOMEM;
	*arr = grown;
	grown[*n] = (struct rt_func){.id = id, .name = strdup(name), .fn = fn};
	if (!grown[*n].name)
		return -ENOMEM;
	if (proto)
		grown[*n].proto = *proto;
	(*n)++;
	return 0;
}

int exbpf_env__register_helper(struct exbpf_env *env, uint32_t id, const char *name,
			       exbpf_helper_fn fn, const struct exbpf_func_proto *proto)
{
	if (!env || !name || !fn)
		return -EINVAL;
	if (atomic_load(&env->sealed))
		return -EBUSY;
	for (size_t i = 0; i < env->nhelpers; i++)
		if (env->helpers[i].id == id)
			return -EEXIST;
	return add_func(&env->helpers, &env->nhelpers, id, name, fn, proto);
}

int exbpf_env__register_kfunc(struct exbpf_env *env, const char *name, exbpf_helper_fn fn,
			      const struct exbpf_func_proto *proto)
{
	if (!env || !name || !fn)
		return -EINVAL;
	if (atomic_load(&env->sealed))
		return -EBUSY;
	for (size_t i = 0; i < env->nkfuncs; i++)
		if (!strcmp(env->kfuncs[i].name, name))
			return -EEXIST;
	return add_func(&env->kfuncs, &env->nkfuncs, (uint32_t)env->nkfuncs, name, fn, proto);
}
