/* Relocations of executable sections, classified once per object the way libbpf classifies
 * them (bpf_program__record_reloc), and the externs they may name. Linking then applies them
 * to each program's private copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "loader/loader.h"

static bool is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static bool is_lddw(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* DATASEC (".ksyms" or ".kconfig") entry naming an extern; 0 when none does. */
static uint32_t extern_btf_type(const struct exbpf_object *obj, const char *datasec,
				const char *name)
{
	int32_t ds = exbpf_btf__find_by_name_kind(obj->btf, datasec, BTF_KIND_DATASEC);
	const struct btf_type *t;

	if (ds <= 0)
		return 0;
	t = exbpf_btf__type_by_id(obj->btf, (uint32_t)ds);
	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		uint32_t id = exbpf_btf_var_secinfos(t)[i].type;
		const char *n = exbpf_btf__type_name(obj->btf, id);

		if (n && !strcmp(n, name))
			return id;
	}
	return 0;
}

static int add_extern(struct exbpf_object *obj, size_t sym_idx, size_t *cap, struct log *log)
{
	const GElf_Sym *sym = &obj->elf.syms[sym_idx];
	const char *name = elf_sym_name(&obj->elf, sym);
	uint32_t id;
	const struct btf_type *t;
	struct ld_extern *e;

	if (!obj->btf) {
		log_printf(log, "extern '%s': the object has no BTF to describe it\n", name);
		return -EINVAL;
	}
	if (extern_btf_type(obj, ".kconfig", name)) {
		log_printf(log, "extern '%s': __kconfig externs are not supported\n", name);
		return -EOPNOTSUPP;
	}
	id = extern_btf_type(obj, ".ksyms", name);
	t = id ? exbpf_btf__type_by_id(obj->btf, id) : NULL;
	if (ARRAY_RESERVE(obj->externs, *cap, obj->nexterns + 1))
		return -ENOMEM;
	e = &obj->externs[obj->nexterns++];
	/* A kfunc called only from inline assembly (the bpf_assert_range() macros' `call
	 * bpf_throw`) gets no BTF from clang: it is taken as a function known by name only, and
	 * the runtime's registry gives its prototype (libbpf refuses such objects: "failed to
	 * find BTF for extern"). A variable without BTF is refused where it is used. */
	*e = (struct ld_extern){
		.name = name,
		.sym = (uint32_t)sym_idx,
		.btf_id = id,
		.weak = GELF_ST_BIND(sym->st_info) == STB_WEAK,
		.is_func = !t || exbpf_btf_kind(t) == BTF_KIND_FUNC,
	};
	if (t && e->is_func)
		e->proto_id = t->type;
	return 0;
}

static int collect_externs(struct exbpf_object *obj, struct log *log)
{
	size_t cap = 0;

	for (size_t i = 1; i < obj->elf.nsyms; i++) {
		const GElf_Sym *sym = &obj->elf.syms[i];
		unsigned bind = GELF_ST_BIND(sym->st_info);
		int err;

		if (sym->st_shndx != SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK) ||
		    !elf_sym_name(&obj->elf, sym)[0])
			continue;
		err = add_extern(obj, i, &cap, log);
		if (err)
			return err;
	}
	return 0;
}

static int find_extern(const struct exbpf_object *obj, size_t sym_idx)
{
	for (size_t i = 0; i < obj->nexterns; i++)
		if (obj->externs[i].sym == sym_idx)
			return (int)i;
	return -1;
}

static int find_btf_map(const struct exbpf_object *obj, uint64_t off)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i].btf_var && obj->maps[i].sec_off == off)
			return (int)i;
	return -1;
}

struct relo_ctx {
	struct exbpf_object *obj;
	const struct ld_code *code;
	const char *sec;
	struct log *log;
};

static int relo_extern(struct relo_ctx *c, const struct bpf_insn *in, size_t sym_idx,
		       struct ld_relo *r)
{
	int e = find_extern(c->obj, sym_idx);
	const char *name = elf_sym_name(&c->obj->elf, &c->obj->elf.syms[sym_idx]);

	if (e < 0) {
		log_printf(c->log, "sec '%s': insn %u: extern relo failed to find extern for '%s'\n",
			   c->sec, r->insn, name);
		return -EINVAL;
	}
	if (!is_call(in) || !c->obj->externs[e].is_func) {
		log_printf(c->log, "sec '%s': insn %u: extern '%s': only calls of __ksym functions "
				   "(kfuncs) are supported\n",
			   c->sec, r->insn, name);
		return -EOPNOTSUPP;
	}
	r->kind = RELO_EXTERN_CALL;
	r->target = (uint32_t)e;
	return 0;
}

static int relo_call(struct relo_ctx *c, const struct bpf_insn *in, const GElf_Sym *sym,
		     const char *name, struct ld_relo *r)
{
	if (in->src_reg != BPF_PSEUDO_CALL) {
		log_printf(c->log, "sec '%s': insn %u: incorrect bpf_call opcode\n", c->sec, r->insn);
		return -EINVAL;
	}
	if (!sym->st_shndx || sym->st_shndx != c->obj->text_sec) {
		log_printf(c->log, "sec '%s': insn %u: bad call relo against '%s' in section '%s'\n",
			   c->sec, r->insn, name,
			   sym->st_shndx < c->obj->elf.nsecs ? c->obj->elf.secs[sym->st_shndx].name
							    : "?");
		return -EINVAL;
	}
	if (sym->st_value % LD_INSN_SZ) {
		log_printf(c->log, "sec '%s': insn %u: bad call relo against '%s' at offset %llu\n",
			   c->sec, r->insn, name, (unsigned long long)sym->st_value);
		return -EINVAL;
	}
	r->kind = RELO_CALL;
	r->sym_off = sym->st_value;
	return 0;
}

static int relo_lddw(struct relo_ctx *c, const struct bpf_insn *in, const GElf_Sym *sym,
		     const char *name, struct ld_relo *r)
{
	const struct exbpf_object *obj = c->obj;
	unsigned type = GELF_ST_TYPE(sym->st_info);
	int map;

	if (r->insn + 1 >= c->code->cnt) {
		log_printf(c->log, "sec '%s': insn %u: ld_imm64 is missing its second slot\n",
			   c->sec, r->insn);
		return -EINVAL;
	}
	if (!sym->st_shndx || sym->st_shndx >= SHN_LORESERVE) {
		log_printf(c->log, "sec '%s': insn %u: invalid relo against '%s' in special section "
				   "0x%x; forgot to initialize global var?..\n",
			   c->sec, r->insn, name, sym->st_shndx);
		return -EINVAL;
	}
	r->sym_off = sym->st_value;
	if (sym->st_shndx == obj->text_sec && (type == STT_FUNC || type == STT_SECTION)) {
		if (sym->st_value % LD_INSN_SZ || in->imm % LD_INSN_SZ) {
			log_printf(c->log, "sec '%s': insn %u: bad subprog addr relo against '%s' at "
					   "offset %llu%+d\n",
				   c->sec, r->insn, name, (unsigned long long)sym->st_value, in->imm);
			return -EINVAL;
		}
		r->kind = RELO_SUBPROG_ADDR;
		return 0;
	}
	if (obj->maps_sec && sym->st_shndx == obj->maps_sec) {
		map = find_btf_map(obj, sym->st_value);
		if (map < 0) {
			log_printf(c->log, "sec '%s': insn %u: map relo failed to find map for section "
					   "'.maps', off %llu\n",
				   c->sec, r->insn, (unsigned long long)sym->st_value);
			return -EINVAL;
		}
		r->kind = RELO_MAP;
		r->target = (uint32_t)map;
		return 0;
	}
	map = ld_data_map(obj, sym->st_shndx);
	if (map < 0) {
		log_printf(c->log, "sec '%s': insn %u: bad data relo against section '%s'\n", c->sec,
			   r->insn, obj->elf.secs[sym->st_shndx].name);
		return -EINVAL;
	}
	r->kind = RELO_DATA;
	r->target = (uint32_t)map;
	return 0;
}

static int classify(struct relo_ctx *c, const GElf_Rel *rel, struct ld_relo *r)
{
	size_t sym_idx = GELF_R_SYM(rel->r_info);
	const GElf_Sym *sym = &c->obj->elf.syms[sym_idx];
	const char *name = elf_sym_name(&c->obj->elf, sym);
	const struct bpf_insn *in;

	if (rel->r_offset % LD_INSN_SZ || rel->r_offset / LD_INSN_SZ >= c->code->cnt) {
		log_printf(c->log, "sec '%s': relocation at offset %llu is not at an instruction of "
				   "the section\n",
			   c->sec, (unsigned long long)rel->r_offset);
		return -EINVAL;
	}
	r->insn = (uint32_t)(rel->r_offset / LD_INSN_SZ);
	in = &c->code->insns[r->insn];
	if (!is_call(in) && !is_lddw(in)) {
		log_printf(c->log, "sec '%s': invalid relo against '%s' for insns[%u].code 0x%x\n",
			   c->sec, name, r->insn, in->code);
		return -EINVAL;
	}
	if (sym->st_shndx == SHN_UNDEF && GELF_ST_BIND(sym->st_info) != STB_LOCAL)
		return relo_extern(c, in, sym_idx, r);
	if (is_call(in))
		return relo_call(c, in, sym, name, r);
	return relo_lddw(c, in, sym, name, r);
}

static int cmp_relo(const void *a, const void *b)
{
	const struct ld_relo *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int collect_code_relos(struct exbpf_object *obj, struct ld_code *code, struct log *log)
{
	struct relo_ctx c = {obj, code, obj->elf.secs[code->sec].name, log};
	GElf_Rel *rels;
	size_t n;
	int err = elf_sec_relocs(&obj->elf, code->sec, &rels, &n, log);

	if (err || !n)
		return err;
	code->relos = calloc(n, sizeof(*code->relos));
	if (!code->relos) {
		free(rels);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = classify(&c, &rels[i], &code->relos[i]);
		/* clang leaves src_reg 0 on function addresses; mark them as libbpf does, so
		 * that linking recognises callback references by their encoding. */
		if (!err && code->relos[i].kind == RELO_SUBPROG_ADDR)
			code->insns[code->relos[i].insn].src_reg = BPF_PSEUDO_FUNC;
	}
	free(rels);
	if (err)
		return err;
	code->nrelos = n;
	qsort(code->relos, n, sizeof(*code->relos), cmp_relo);
	for (size_t i = 1; i < n; i++) {
		if (code->relos[i].insn == code->relos[i - 1].insn) {
			log_printf(log, "sec '%s': two relocations for insn %u\n", c.sec,
				   code->relos[i].insn);
			return -EINVAL;
		}
	}
	return 0;
}

int ld_collect_relos(struct exbpf_object *obj, struct log *log)
{
	int err = collect_externs(obj, log);

	for (size_t i = 0; i < obj->ncodes && !err; i++)
		err = collect_code_relos(obj, &obj->codes[i], log);
	return err;
}
