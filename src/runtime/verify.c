/* The runtime's side of verification: the verifier's view of a program (its context table,
 * maps, helpers and kfuncs, functions and source lines) built from the registries, and the
 * public exbpf_env__verify(). */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "runtime/graph_btf.h"
#include "runtime/helpers.h"
#include "runtime/runtime.h"
#include "verifier/verifier.h"

struct vctx {
	struct exbpf_program *prog;
	struct verifier_func kf;
	struct verifier_func hf;
};

static enum verifier_ctx_kind vctx_access(void *p, uint32_t off, uint32_t size, bool write)
{
	struct exbpf_program *prog = ((struct vctx *)p)->prog;
	const struct prog_type *pt = prog->pt;
	const struct ctx_field *f;

	if (pt->type == BPF_PROG_TYPE_SYSCALL) {
		/* The caller's buffer, of any size up to U16_MAX: every aligned access below it
		 * is allowed, and a run needs a buffer that covers the furthest one (Linux's
		 * max_ctx_offset). */
		if (off >= RT_SYSCALL_CTX_MAX || off % size)
			return VCTX_DENY;
		if (off + size > prog->max_ctx_off)
			prog->max_ctx_off = off + size;
		return VCTX_SCALAR;
	}
	if (!pt->fields) {
		/* Flat contexts: raw_tp arguments, embedder types. */
		if ((uint64_t)off + size > pt->ctx_size || off % size || write)
			return VCTX_DENY;
		return VCTX_SCALAR;
	}
	/* xdp_md.egress_ifindex exists only for programs run from a devmap. */
	if (pt->type == BPF_PROG_TYPE_XDP && off == offsetof(struct xdp_md, egress_ifindex) &&
	    exbpf_prog__expected_attach_type(((struct vctx *)p)->prog->spec) != BPF_XDP_DEVMAP)
		return VCTX_DENY;
	f = ctx_field_find(pt, off, size);
	if (!f || (off - f->off) % size || !(f->flags & (write ? CTX_WRITE : CTX_READ)))
		return VCTX_DENY;
	if (size != f->size && !(f->flags & CTX_NARROW) && f->kind == CTX_PLAIN && f->size <= 8)
		return VCTX_DENY;
	switch (f->kind) {
	case CTX_PKT_DATA: return size == f->size ? VCTX_PKT_DATA : VCTX_DENY;
	case CTX_PKT_END: return size == f->size ? VCTX_PKT_END : VCTX_DENY;
	case CTX_PKT_META: return size == f->size ? VCTX_PKT_META : VCTX_DENY;
	default: return VCTX_SCALAR;
	}
}

static const struct verifier_func *helper(void *p, int32_t id)
{
	struct vctx *v = p;
	const struct exbpf_env *env = v->prog->inst->env;

	/* The call a poisoned CO-RE relocation left is no helper to the verifier. */
	if ((uint32_t)id == RT_POISON_ID)
		return NULL;
	for (size_t i = 0; i < env->nhelpers; i++)
		if (env->helpers[i].id == (uint32_t)id) {
			v->hf.name = env->helpers[i].name;
			v->hf.proto = env->helpers[i].proto;
			return &v->hf;
		}
	return NULL;
}

static const struct verifier_func *kfunc(void *p, int32_t idx)
{
	struct vctx *v = p;
	const struct exbpf_instance *inst = v->prog->inst;
	const char *name;

	if (idx < 0 || (size_t)idx >= inst->kfunc_table.cnt)
		return NULL;
	name = inst->kfuncs[idx].name;
	for (size_t i = 0; i < inst->env->nkfuncs; i++)
		if (!strcmp(inst->env->kfuncs[i].name, name)) {
			v->kf.name = inst->env->kfuncs[i].name;
			v->kf.proto = inst->env->kfuncs[i].proto;
			return &v->kf;
		}
	return NULL;
}

static bool line(void *p, size_t insn, const char **file, uint32_t *ln, const char **text)
{
	struct exbpf_line_info li;

	if (exbpf_prog__line(((struct vctx *)p)->prog->spec, insn, &li))
		return false;
	*file = li.file;
	*ln = li.line;
	*text = li.text;
	return true;
}

/* Offset of the member struct `name` directly in struct type t, or -1. */
static int32_t struct_member_off(const struct exbpf_btf *btf, const struct btf_type *t,
				 const char *name)
{
	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		const struct btf_type *m = exbpf_btf__skip_mods(btf, exbpf_btf_members(t)[i].type, NULL);
		const char *n = m ? exbpf_btf__name_by_offset(btf, m->name_off) : NULL;

		if (m && exbpf_btf_kind(m) == BTF_KIND_STRUCT && n && !strcmp(n, name))
			return (int32_t)(exbpf_btf_member_bit_offset(t, i) / 8);
	}
	return -1;
}

/* A map value's struct member, or in global data (a DATASEC value: `.bss.A`'s
 * `struct bpf_spin_lock lock`, as Linux's selftests declare them) a variable of that struct
 * type, or a member of a struct variable. */
int32_t rt_btf_member_off(const struct exbpf_btf *btf, uint32_t value_id, const char *name)
{
	const struct btf_type *t = btf && value_id ? exbpf_btf__skip_mods(btf, value_id, NULL) : NULL;

	if (t && exbpf_btf_kind(t) == BTF_KIND_STRUCT)
		return struct_member_off(btf, t, name);
	if (!t || exbpf_btf_kind(t) != BTF_KIND_DATASEC)
		return -1;
	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		const struct btf_var_secinfo *vs = &exbpf_btf_var_secinfos(t)[i];
		const struct btf_type *var = exbpf_btf__type_by_id(btf, vs->type);
		const struct btf_type *vt = var && exbpf_btf_kind(var) == BTF_KIND_VAR
						    ? exbpf_btf__skip_mods(btf, var->type, NULL)
						    : NULL;
		const char *n = vt ? exbpf_btf__name_by_offset(btf, vt->name_off) : NULL;
		int32_t inner;

		if (!vt || exbpf_btf_kind(vt) != BTF_KIND_STRUCT)
			continue;
		if (n && !strcmp(n, name))
			return (int32_t)vs->offset;
		if ((inner = struct_member_off(btf, vt, name)) >= 0)
			return (int32_t)vs->offset + inner;
	}
	return -1;
}

/* exception_callback: decl tags on the main function (libbpf leaves several to the verifier). */
static uint32_t exception_cb_tags(const struct exbpf_btf *btf, uint32_t main_id)
{
	uint32_t n = 0;

	for (uint32_t id = 1; btf && main_id && id < exbpf_btf__type_cnt(btf); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		const char *name = t ? exbpf_btf__name_by_offset(btf, t->name_off) : NULL;

		if (t && exbpf_btf_kind(t) == BTF_KIND_DECL_TAG && t->type == main_id && name &&
		    !strncmp(name, "exception_callback:", 19) &&
		    ((const struct btf_decl_tag *)(t + 1))->component_idx == -1)
			n++;
	}
	return n;
}

int rt_verify(struct exbpf_program *prog, const struct rt_verify_opts *o, struct verifier_result *res,
	      struct log *log)
{
	struct exbpf_instance *inst = prog->inst;
	const struct exbpf_btf *btf = exbpf_object__btf(inst->obj);
	struct vctx v = {.prog = prog};
	struct verifier_input in = {0};
	struct verifier_map *maps = calloc(inst->nmaps ? inst->nmaps : 1, sizeof(*maps));
	struct graph_field *graph = calloc((inst->nmaps ? inst->nmaps : 1) * GRAPH_MAX_FIELDS, sizeof(*graph));
	struct kptr_field *kptrs = calloc((inst->nmaps ? inst->nmaps : 1) * KPTR_MAX_FIELDS, sizeof(*kptrs));
	size_t nf = exbpf_prog__func_count(prog->spec);
	struct cfg_func_hint *funcs = calloc(nf ? nf : 1, sizeof(*funcs));
	uint32_t *ids = calloc(nf ? nf : 1, sizeof(*ids));
	const struct exbpf_map_spec *spec;
	int err;

	memset(res, 0, sizeof(*res));
	res->error_insn = -1;
	if (!maps || !funcs || !ids || !graph || !kptrs) {
		err = -ENOMEM;
		goto out;
	}
	err = exbpf_prog__insns(prog->spec, &in.insns, &in.cnt);
	if (err) {
		log_printf(log, "program '%s': %s\n", prog->name, exbpf_prog__link_error(prog->spec));
		goto out;
	}
	exbpf_object__for_each_map(spec, inst->obj) {
		const struct exbpf_map_def *d = exbpf_map_spec__def(spec);
		size_t i = exbpf_map_spec__index(spec);
		struct exbpf_map *m = inst->maps[i];
		uint32_t zero = 0;

		maps[i] = (struct verifier_map){
		    .name = d->name, .type = d->type, .key_size = d->key_size,
		    .value_size = d->value_size, .max_entries = d->max_entries, .map_flags = d->map_flags,
		    .spin_lock_off = rt_btf_member_off(btf, d->btf_value_type_id, "bpf_spin_lock"),
		    .timer_off = rt_btf_member_off(btf, d->btf_value_type_id, "bpf_timer")};
		char why[160];
		int ng = d->btf_value_type_id ? rt_graph_fields(btf, d->btf_value_type_id,
							       &graph[i * GRAPH_MAX_FIELDS], why, sizeof(why))
					      : 0;

		maps[i].graph = &graph[i * GRAPH_MAX_FIELDS];
		maps[i].ngraph = ng > 0 ? (uint32_t)ng : 0;
		int nk = rt_kptr_fields(btf, d->btf_value_type_id, &kptrs[i * KPTR_MAX_FIELDS]);

		maps[i].kptrs = &kptrs[i * KPTR_MAX_FIELDS];
		maps[i].nkptrs = nk < KPTR_MAX_FIELDS ? (uint32_t)nk : KPTR_MAX_FIELDS;
		/* Linux refuses a value whose roots are malformed, and libbpf then makes the map
		 * again without BTF: none of the value's special fields is known to the verifier. */
		if (ng < 0) {
			maps[i].spin_lock_off = maps[i].timer_off = -1;
			maps[i].nkptrs = 0;
		}
		/* .rodata is frozen at load, as libbpf freezes it: its bytes are constants. */
		if (m && d->global_data && (d->map_flags & BPF_F_RDONLY_PROG))
			maps[i].frozen = map_lookup_elem(m, &zero);
	}
	for (size_t i = 0; i < nf; i++) {
		struct exbpf_func_info fi;

		exbpf_prog__func(prog->spec, i, &fi);
		funcs[i] = (struct cfg_func_hint){.name = fi.name, .start = (uint32_t)fi.insn_off,
						  .global = fi.global, .exception_cb = fi.exception_cb};
		ids[i] = fi.btf_id;
	}
	for (size_t i = 0; i < nf; i++)
		if (funcs[i].start == 0)
			in.exception_cb_tags = exception_cb_tags(btf, ids[i]);
	in.prog_type = prog->pt->type;
	in.prog_name = prog->name;
	in.ctx_size = prog->pt->uapi_ctx_size;
	in.ctx_access = vctx_access;
	in.raw_args = prog->pt->type == EXBPF_PROG_TYPE_RAW;
	in.ret_min = prog->pt->ret_min;
	in.ret_max = prog->pt->ret_max;
	in.nr_cpus = (uint32_t)exbpf_num_possible_cpus();
	/* Egress cgroup_skb programs may also ask for congestion notification (bit 1). */
	if (in.prog_type == BPF_PROG_TYPE_CGROUP_SKB &&
	    exbpf_prog__expected_attach_type(prog->spec) == BPF_CGROUP_INET_EGRESS)
		in.ret_max = 3;
	/* fentry and fexit programs return 0 in Linux (its check_return_code()). */
	if (in.prog_type == BPF_PROG_TYPE_TRACING &&
	    (exbpf_prog__expected_attach_type(prog->spec) == BPF_TRACE_FENTRY ||
	     exbpf_prog__expected_attach_type(prog->spec) == BPF_TRACE_FEXIT))
		in.ret_min = in.ret_max = 0;
	in.maps = maps;
	in.nmaps = inst->nmaps;
	in.helper = helper;
	in.kfunc = kfunc;
	in.ctx = &v;
	in.funcs = funcs;
	in.nfuncs = nf;
	in.btf = btf;
	in.func_btf_ids = ids;
	in.line = line;
	in.unpriv = o->unpriv;
	in.kernel_strict = o->kernel_strict;
	in.log_level = o->log_level;
	in.log = log;
	err = verifier_check(&in, res);
out:
	free(maps);
	free(graph);
	free(kptrs);
	free(funcs);
	free(ids);
	return err;
}

int exbpf_env__verify(struct exbpf_env *env, const struct exbpf_object *obj, const char *prog_name,
		      const struct exbpf_verify_opts *opts, struct exbpf_verify_info *info)
{
	struct exbpf_verify_opts none = {.sz = sizeof(none)};
	struct exbpf_load_opts lo = {.sz = sizeof(lo), .log_buf = NULL, .log_size = 0,
				     .only_program = prog_name, .unverified = true};
	struct exbpf_instance *inst;
	struct exbpf_program *prog;
	struct verifier_result res;
	struct log log;
	int err;

	if (!opts)
		opts = &none;
	memset(info, 0, sizeof(*info));
	info->error_insn = -1;
	log_init(&log, opts->log_buf, opts->log_size);
	if (!env || !obj || !prog_name)
		return -EINVAL;
	lo.log_buf = opts->log_buf;
	lo.log_size = opts->log_size;
	err = rt_instance_load_unprepared(env, obj, &lo, &inst);
	if (err)
		return err;
	prog = exbpf_instance__find_program(inst, prog_name);
	if (!prog) {
		log_printf(&log, "no program '%s' in the object\n", prog_name);
		exbpf_instance__free(inst);
		return -ENOENT;
	}
	struct rt_verify_opts vo = {.log_level = opts->log_level, .kernel_strict = opts->kernel_strict,
				    .unpriv = opts->unpriv};

	log_init(&log, opts->log_buf, opts->log_size);
	rt_verify(prog, &vo, &res, &log);
	info->accepted = res.accepted;
	info->err = res.err;
	snprintf(info->error, sizeof(info->error), "%s", res.error);
	info->error_insn = res.error_insn;
	info->insns_processed = res.insns_processed;
	info->verify_ns = res.verify_ns;
	info->states_peak = res.states_peak;
	info->stack_depth = res.max_stack_depth;
	verifier_result_free(&res);
	exbpf_instance__free(inst);
	return 0;
}
