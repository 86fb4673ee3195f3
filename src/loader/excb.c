/* Exception-callback discovery with libbpf's rules and messages (bpf_prog_assign_exc_cb):
 * the decl tag "exception_callback:NAME" on a main program's FUNC names a global, non-hidden
 * .text function. Two tags on one program are left for the verifier to reject. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define EXC_CB_TAG "exception_callback:"

static int fail(char **msg, int err, const char *fmt, const char *a, const char *b)
{
	char buf[512];

	snprintf(buf, sizeof(buf), fmt, a, b);
	*msg = strdup(buf);
	return *msg ? err : -ENOMEM;
}

/* The .text function named `name` that qualifies, or a libbpf error. */
static int match_subprog(struct exbpf_object *obj, const char *prog, const char *name,
			 int64_t *func, char **msg)
{
	for (size_t i = 0; i < obj->nfuncs; i++) {
		const struct ld_func *f = &obj->funcs[i];

		if (f->main || strcmp(f->name, name))
			continue;
		if (!f->global || f->hidden)
			return fail(msg, -EINVAL,
				    "prog '%s': exception callback %s must be a global non-hidden "
				    "function",
				    prog, name);
		*func = (int64_t)i;
		return 0;
	}
	return fail(msg, -ENOENT, "prog '%s': cannot find exception callback '%s'", prog, name);
}

int ld_find_exception_cb(struct exbpf_object *obj, struct exbpf_prog *prog, int64_t *func,
			 char **msg)
{
	const char *pname = obj->funcs[prog->func].name;
	const struct exbpf_btf *btf = obj->btf;
	bool seen = false;

	*func = -1;
	*msg = NULL;
	if (!btf)
		return 0;
	for (uint32_t id = 1; id < exbpf_btf__type_cnt(btf); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id), *target;
		const char *value = exbpf_btf__name_by_offset(btf, t->name_off);
		int err;

		if (exbpf_btf_kind(t) != BTF_KIND_DECL_TAG ||
		    exbpf_btf_decl_tag(t)->component_idx != -1 || !value ||
		    strncmp(value, EXC_CB_TAG, strlen(EXC_CB_TAG)))
			continue;
		target = exbpf_btf__type_by_id(btf, t->type);
		if (!target || exbpf_btf_kind(target) != BTF_KIND_FUNC ||
		    exbpf_btf_vlen(target) != BTF_FUNC_GLOBAL)
			return fail(msg, -EINVAL,
				    "prog '%s': exception_callback:<value> decl tag not applied to the "
				    "main program%s",
				    pname, "");
		if (strcmp(pname, exbpf_btf__name_by_offset(btf, target->name_off)))
			continue;
		if (seen) {
			*func = -1;
			return 0;
		}
		seen = true;
		value += strlen(EXC_CB_TAG);
		if (!value[0])
			return fail(msg, -EINVAL,
				    "prog '%s': exception_callback:<value> decl tag contains empty "
				    "value%s",
				    pname, "");
		err = match_subprog(obj, pname, value, func, msg);
		if (err)
			return err;
	}
	return 0;
}
