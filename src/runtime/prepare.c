/* Preparing a program for an engine: kfunc externs resolved against the registry, map
 * references turned into the maps' addresses (as Linux turns map fds into map pointers after
 * verification), and the engine's form built. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "jit/jit.h"
#include "runtime/runtime.h"
#include "verifier/verifier.h"


/* Calls of a __weak kfunc the registry lacks: Linux leaves them to dead code. */
static uint64_t absent_kfunc(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct exbpf_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	vm_run_fail(run, -ENOENT, "call of a __weak kfunc that does not exist");
	return 0;
}

static int count_args(const struct exbpf_func_proto *p)
{
	int n = 0;

	while (n < 5 && p->args[n] != EXBPF_ARG_NONE)
		n++;
	return n;
}

static const struct rt_func *find_kfunc(const struct exbpf_env *env, const char *name)
{
	for (size_t i = 0; i < env->nkfuncs; i++)
		if (!strcmp(env->kfuncs[i].name, name))
			return &env->kfuncs[i];
	return NULL;
}

/* Every extern of the object, as libbpf resolves them all at load. */
int rt_resolve_externs(struct exbpf_instance *inst, struct log *log)
{
	const struct exbpf_btf *btf = exbpf_object__btf(inst->obj);
	size_t n = exbpf_object__extern_count(inst->obj);

	inst->kfuncs = calloc(n ? n : 1, sizeof(*inst->kfuncs));
	if (!inst->kfuncs)
		return -ENOMEM;
	inst->kfunc_table = (struct vm_helper_table){inst->kfuncs, n};
	for (size_t i = 0; i < n; i++) {
		struct exbpf_extern_info e;
		const struct rt_func *k;
		const struct btf_type *proto;

		exbpf_object__extern(inst->obj, i, &e);
		k = find_kfunc(inst->env, e.name);
		inst->kfuncs[i] = (struct vm_helper){.id = (uint32_t)i, .name = e.name,
						   .fn = absent_kfunc};
		if (!k && e.weak)
			continue;
		if (!k) {
			log_printf(log, "extern (func ksym) '%s': not found in exbpf's kfunc "
					"registry\n",
				   e.name);
			return -ESRCH;
		}
		proto = btf ? exbpf_btf__type_by_id(btf, e.btf_func_proto_id) : NULL;
		if (proto && exbpf_btf_kind(proto) == BTF_KIND_FUNC_PROTO &&
		    exbpf_btf_vlen(proto) != count_args(&k->proto)) {
			log_printf(log, "extern (func ksym) '%s': func_proto [%u] has %u arguments, "
					"exbpf's has %d\n",
				   e.name, e.btf_func_proto_id, exbpf_btf_vlen(proto),
				   count_args(&k->proto));
			return -EINVAL;
		}
		inst->kfuncs[i].fn = k->fn;
		inst->kfuncs[i].never_stops = k->proto.flags & EXBPF_FN_NEVER_STOPS;
	}
	return 0;
}

static int add_region(struct exbpf_program *prog, void *start, size_t size, bool writable)
{
	struct vm_region *r;

	for (size_t i = 0; i < prog->nregions; i++)
		if (prog->regions[i].start == (uintptr_t)start)
			return 0;
	r = realloc(prog->regions, (prog->nregions + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	prog->regions = r;
	r[prog->nregions++] = (struct vm_region){.start = (uintptr_t)start, .size = size,
						 .writable = writable};
	return 0;
}

static void set_imm64(struct bpf_insn *in, uint64_t v)
{
	in[0].src_reg = 0;
	in[0].imm = (int32_t)(uint32_t)v;
	in[1].imm = (int32_t)(uint32_t)(v >> 32);
}

/* One lddw of a map or of a global-data address. */
static int resolve_map_ref(struct exbpf_program *prog, size_t i, struct log *log)
{
	struct bpf_insn *in = &prog->insns[i];
	struct exbpf_instance *inst = prog->inst;
	struct exbpf_map *map;
	uint32_t zero = 0, off = (uint32_t)in[1].imm;
	uint8_t *value;

	if ((uint32_t)in->imm >= inst->nmaps || !inst->maps[(uint32_t)in->imm]) {
		log_printf(log, "program '%s': insn %zu: map index %d out of range\n", prog->name, i,
			   in->imm);
		return -EINVAL;
	}
	map = inst->maps[(uint32_t)in->imm];
	if (in->src_reg == BPF_PSEUDO_MAP_IDX) {
		set_imm64(in, (uintptr_t)map);
		return 0;
	}
	if (map->attr.type != BPF_MAP_TYPE_ARRAY || map->attr.max_entries != 1 ||
	    off >= map->attr.value_size) {
		log_printf(log, "program '%s': insn %zu: direct value access to map '%s' at offset "
				"%u is not possible\n",
			   prog->name, i, map->name, off);
		return -EINVAL;
	}
	value = map_lookup_elem(map, &zero);
	set_imm64(in, (uintptr_t)value + off);
	/* Graph roots stay out: their pointers are the collections', not the program's. */
	struct map_piece p[MAP_MAX_PIECES];
	uint32_t n = map_value_pieces(map, p);

	for (uint32_t k = 0; k < n; k++) {
		int err = add_region(prog, value + p[k].off, p[k].size,
				     !(map->attr.map_flags & BPF_F_RDONLY_PROG));

		if (err)
			return err;
	}
	return 0;
}

static int resolve_refs(struct exbpf_program *prog, struct log *log)
{
	for (size_t i = 0; i < prog->cnt; i++) {
		struct bpf_insn *in = &prog->insns[i];
		int err = 0;

		if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (i + 1 >= prog->cnt)
			break; /* the validator names it */
		if (in->src_reg == BPF_PSEUDO_MAP_IDX || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
			err = resolve_map_ref(prog, i, log);
		if (err)
			return err;
		i++;
	}
	return 0;
}

/* Every helper the program calls exists in the environment: Linux knows helpers the runtime
 * does not implement (the verifier accepts them), so say which one is missing. */
static int check_helpers(const struct exbpf_program *prog, struct log *log)
{
	const struct exbpf_env *env = prog->inst->env;

	for (size_t i = 0; i < prog->cnt; i++) {
		const struct bpf_insn *in = &prog->insns[i];
		bool found = false;

		if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg)
			continue;
		for (size_t h = 0; h < env->nhelpers && !found; h++)
			found = env->helpers[h].id == (uint32_t)in->imm;
		if (!found) {
			const char *name = isa_helper_name(in->imm);

			log_printf(log, "program '%s': insn %zu: exbpf's runtime does not implement "
					"helper %s#%d\n",
				   prog->name, i, name ? name : "unknown", in->imm);
			return -ENOENT;
		}
	}
	return 0;
}

int rt_set_prog_type(struct exbpf_program *prog, struct log *log)
{
	prog->pt = rt_prog_type(prog->inst->env, exbpf_prog__type(prog->spec));
	if (prog->pt)
		return 0;
	log_printf(log, "program '%s': section '%s' gives a program type the runtime cannot run\n",
		   prog->name, exbpf_prog__section_name(prog->spec));
	return -EOPNOTSUPP;
}

/* Context loads and stores in the runtime's layout (prog_type.h): the UAPI's 32-bit packet
 * fields become 64-bit loads of the real pointers, as Linux's convert_ctx_accesses() turns
 * them into loads of skb->data. The verifier proved which instructions touch the context and
 * that each touches only fields the table allows. */
static void rewrite_ctx(struct exbpf_program *prog, const uint8_t *insn_mem)
{
	const struct prog_type *pt = prog->pt;

	if (!pt->fields)
		return; /* flat contexts: the runtime's bytes are the program's */
	for (size_t i = 0; i < prog->cnt; i++) {
		struct bpf_insn *in = &prog->insns[i];
		static const uint8_t bytes[4] = {4, 2, 1, 8}; /* BPF_W, BPF_H, BPF_B, BPF_DW */
		const struct ctx_field *f;

		if (insn_mem[i] != VERIFIER_MEM_CTX)
			continue;
		f = ctx_field_find(pt, (uint32_t)(uint16_t)in->off, bytes[BPF_SIZE(in->code) >> 3]);
		if (!f)
			continue;
		if (f->kind == CTX_PLAIN) {
			in->off = (int16_t)(f->real_off + ((uint16_t)in->off - f->off));
		} else {
			in->code = BPF_LDX | BPF_MEM | BPF_DW;
			in->off = (int16_t)f->real_off;
		}
	}
}

/* Instructions no path reaches that the engines would refuse (a write to r10): Linux checks
 * those rules only on the instructions its walk reaches and then patches the others out, so
 * each becomes a jump to itself, as Linux's sanitize_dead_code() makes them. Reached code is
 * never touched. */
static void sanitize_dead(struct exbpf_program *prog, const uint8_t *seen)
{
	struct isa_insn d;
	const char *why;

	for (size_t i = 0; i < prog->cnt;) {
		int n = isa_decode(prog->insns, prog->cnt, i, &d, &why);

		if (n < 0 && !seen[i]) {
			prog->insns[i] = (struct bpf_insn){.code = BPF_JMP | BPF_JA, .off = -1};
			n = 1;
		}
		i += n > 0 ? (size_t)n : 1;
	}
}

/* The JIT for a verified program: it runs every instruction the interpreter's fast loop runs,
 * or says which one it cannot, and that fails the load (no silent fallback). */
static bool wants_jit(uint32_t engine)
{
	return engine == EXBPF_ENGINE_JIT || (engine == EXBPF_ENGINE_DEFAULT && jit_supported());
}

/* Calls whose helper or kfunc is marked EXBPF_FN_NEVER_STOPS compile to plain calls; every
 * other one records its site and looks at the run afterwards (a throw, a failure, a tail
 * call's return). Frames are not zeroed: a verified program reads no stack it did not write. */
static int build_jit(struct exbpf_program *prog, struct log *log)
{
	int64_t cb = exbpf_prog__exception_cb_insn(prog->spec);
	size_t entry = cb > 0 ? (size_t)cb : 0;
	struct jit_opts o = {
	    .helpers = &prog->inst->env->helper_table,
	    .kfuncs = &prog->inst->kfunc_table,
	    .entries = cb > 0 ? &entry : NULL,
	    .nentries = cb > 0,
	    .no_stack_zeroing = true,
	};
	int err;

	if (!jit_supported()) {
		log_printf(log, "program '%s': this build has no JIT (x86-64 only)\n", prog->name);
		return -EOPNOTSUPP;
	}
	err = jit_compile_opts(prog->insns, prog->cnt, &o, log, &prog->jit);
	if (err)
		log_printf(log, "program '%s': the JIT cannot compile it\n", prog->name);
	return err;
}

/* Each instruction's function and source line, from BTF func and line info. */
static int build_src(struct exbpf_program *prog)
{
	struct exbpf_func_info fi;

	prog->src = calloc(prog->cnt ? prog->cnt : 1, sizeof(*prog->src));
	if (!prog->src)
		return -ENOMEM;
	for (size_t i = 0; i < prog->cnt; i++)
		prog->src[i] = (struct rt_insn_src){.func = "?", .file = "", .text = ""};
	for (size_t k = 0; !exbpf_prog__func(prog->spec, k, &fi); k++)
		for (size_t i = fi.insn_off; i < fi.insn_off + fi.insn_cnt && i < prog->cnt; i++)
			prog->src[i].func = fi.name;
	for (size_t i = 0; i < prog->cnt; i++) {
		struct exbpf_line_info li;

		if (!exbpf_prog__line(prog->spec, i, &li)) {
			const char *b = strrchr(li.file, '/');

			prog->src[i].file = b ? b + 1 : li.file;
			prog->src[i].line = li.line;
			prog->src[i].text = li.text;
		}
	}
	return 0;
}

int rt_prepare(struct exbpf_program *prog, const struct verifier_result *vr, uint32_t engine,
	       struct log *log)
{
	const struct bpf_insn *insns;
	size_t cnt;
	int err = exbpf_prog__insns(prog->spec, &insns, &cnt);

	if (err) {
		log_printf(log, "program '%s': %s\n", prog->name, exbpf_prog__link_error(prog->spec));
		return err;
	}
	err = rt_set_prog_type(prog, log);
	if (err)
		return err;
	prog->insns = malloc(cnt * sizeof(*insns));
	if (!prog->insns)
		return -ENOMEM;
	memcpy(prog->insns, insns, cnt * sizeof(*insns));
	prog->cnt = cnt;
	err = resolve_refs(prog, log);
	if (!err)
		err = check_helpers(prog, log);
	if (err)
		return err;
	err = build_src(prog);
	if (err)
		return err;
	prog->checked = !vr;
	if (vr) {
		rewrite_ctx(prog, vr->insn_mem);
		if (vr->insn_seen)
			sanitize_dead(prog, vr->insn_seen);
	}
	struct vm_prog_opts vo = {&prog->inst->env->helper_table, &prog->inst->kfunc_table};

	err = vm_prog_new_opts(prog->insns, prog->cnt, &vo, log, &prog->vm);
	if (err) {
		log_printf(log, "program '%s': cannot be prepared\n", prog->name);
		return err;
	}
	if (vr && wants_jit(engine)) {
		err = build_jit(prog, log);
		if (err)
			return err;
	}
	prog->loaded = true;
	return 0;
}

void rt_unprepare(struct exbpf_program *prog)
{
	vm_prog_free(prog->vm);
	jit_free(prog->jit);
	prog->jit = NULL;
	free(prog->insns);
	free(prog->regions);
	free(prog->src);
	prog->src = NULL;
	prog->vm = NULL;
	prog->insns = NULL;
	prog->regions = NULL;
	prog->loaded = false;
}
