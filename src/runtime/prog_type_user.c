/* Program types an embedder registers: a context of caller bytes with its own field table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

#define USER_CTX_MAX 65536u

static int check_desc(const struct exbpf_prog_type_desc *d)
{
	if (d->type < EXBPF_PROG_TYPE_USER || !d->name || d->ctx_size > USER_CTX_MAX ||
	    (d->nfields && !d->fields))
		return -EINVAL;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct exbpf_ctx_field *f = &d->fields[i];

		if (!f->size || f->off > d->ctx_size || f->size > d->ctx_size - f->off ||
		    f->access & ~(uint32_t)(EXBPF_CTX_READ | EXBPF_CTX_WRITE | EXBPF_CTX_NARROW))
			return -EINVAL;
		for (size_t k = 0; k < i; k++) {
			const struct exbpf_ctx_field *g = &d->fields[k];

			if (f->off < g->off + g->size && g->off < f->off + f->size)
				return -EINVAL;
		}
	}
	return 0;
}

static struct ctx_field *copy_fields(const struct exbpf_prog_type_desc *d)
{
	struct ctx_field *out = calloc(d->nfields ? d->nfields : 1, sizeof(*out));

	for (size_t i = 0; out && i < d->nfields; i++) {
		const struct exbpf_ctx_field *f = &d->fields[i];

		out[i] = (struct ctx_field){
			.off = (uint16_t)f->off,
			.size = (uint16_t)f->size,
			.flags = (uint8_t)((f->access & EXBPF_CTX_READ ? CTX_READ : 0) |
					   (f->access & EXBPF_CTX_WRITE ? CTX_WRITE : 0) |
					   (f->access & EXBPF_CTX_NARROW ? CTX_NARROW : 0)),
			.kind = CTX_PLAIN,
			.real_off = (uint16_t)f->off,
			.real_size = (uint8_t)(f->size > 255 ? 255 : f->size),
		};
	}
	return out;
}

int exbpf_env__register_prog_type(struct exbpf_env *env, const struct exbpf_prog_type_desc *desc)
{
	struct prog_type *grown, *pt;
	struct ctx_field *fields;

	if (!env || !desc || check_desc(desc))
		return -EINVAL;
	if (atomic_load(&env->sealed))
		return -EBUSY;
	if (rt_prog_type(env, desc->type))
		return -EEXIST;
	grown = realloc(env->types, (env->ntypes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	env->types = grown;
	fields = desc->fields ? copy_fields(desc) : NULL;
	if (desc->fields && !fields)
		return -ENOMEM;
	pt = &env->types[env->ntypes];
	*pt = (struct prog_type){
		.type = desc->type,
		.name = strdup(desc->name),
		.uapi_ctx_size = desc->ctx_size,
		.ctx_size = desc->ctx_size,
		.fields = fields,
		.nfields = desc->nfields,
		.retval_u32 = false,
		.ret_min = desc->ret_min,
		.ret_max = desc->ret_max,
		.build = prog_type_build_bytes,
	};
	if (!pt->name) {
		free(fields);
		return -ENOMEM;
	}
	env->ntypes++;
	return 0;
}

const struct prog_type *rt_prog_type(const struct exbpf_env *env, uint32_t type)
{
	for (size_t i = 0; i < env->ntypes; i++)
		if (env->types[i].type == type)
			return &env->types[i];
	return prog_type_find(type);
}

void rt_free_prog_types(struct exbpf_env *env)
{
	for (size_t i = 0; i < env->ntypes; i++) {
		free((void *)env->types[i].name);
		free((void *)env->types[i].fields);
	}
	free(env->types);
}
