/* The BPF object loader (include/exbpf/object.h) against the objects of tests/progs/loader_*
 * and exc_cb_*. Every expectation comes from the compiled ELF, never from the loader: function
 * sizes, symbol offsets, section bytes and instruction bytes are read here with libelf; the
 * call graphs, BTF ids, line numbers and initial values were established from the sources
 * with llvm-objdump-19 -dr, llvm-readelf-19 -S -s -r and bpftool btf dump (clang-19, the
 * `make progs` flags) and are written down next to each check. Editing a tests/progs file may
 * move the line numbers and BTF ids quoted here. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <exbpf/object.h>

#include "testlib.h"

#define CODE_CALL (BPF_JMP | BPF_CALL)
#define CODE_LDDW (BPF_LD | BPF_IMM | BPF_DW)

/* ---------------------------------------------------------------------------------------
 * The ELF as the compiler wrote it, read with libelf. */

struct elf_ref {
	uint8_t *buf;
	size_t size;
	Elf *elf;
	size_t shstrndx;
	Elf_Data *syms;
	size_t sym_strndx;
	size_t nsyms;
	char path[512];
};

static bool read_whole(const char *path, uint8_t **out, size_t *out_size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return false;
	for (;;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	*out = buf;
	*out_size = len;
	return buf != NULL;
}

static void obj_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s.bpf.o", test_progs_dir(), name);
}

static bool elf_ref_open(struct elf_ref *e, const char *name)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	memset(e, 0, sizeof(*e));
	obj_path(e->path, sizeof(e->path), name);
	if (!read_whole(e->path, &e->buf, &e->size)) {
		test_fail(__FILE__, __LINE__, "cannot read %s", e->path);
		return false;
	}
	elf_version(EV_CURRENT);
	e->elf = elf_memory((char *)e->buf, e->size);
	if (!e->elf || elf_getshdrstrndx(e->elf, &e->shstrndx)) {
		test_fail(__FILE__, __LINE__, "libelf cannot parse %s", e->path);
		return false;
	}
	while ((scn = elf_nextscn(e->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			e->syms = elf_getdata(scn, NULL);
			e->sym_strndx = sh.sh_link;
			e->nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		}
	}
	if (!e->syms) {
		test_fail(__FILE__, __LINE__, "%s has no symbol table", e->path);
		return false;
	}
	return true;
}

static void elf_ref_close(struct elf_ref *e)
{
	if (e->elf)
		elf_end(e->elf);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static const char *elf_sec_name(struct elf_ref *e, size_t shndx)
{
	Elf_Scn *scn = elf_getscn(e->elf, shndx);
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh))
		return NULL;
	return elf_strptr(e->elf, e->shstrndx, sh.sh_name);
}

/* A named symbol (function or variable) and its section. */
static bool elf_sym(struct elf_ref *e, const char *name, GElf_Sym *out, size_t *out_shndx)
{
	for (size_t i = 0; i < e->nsyms; i++) {
		GElf_Sym s;
		const char *n;

		if (!gelf_getsym(e->syms, (int)i, &s))
			continue;
		n = elf_strptr(e->elf, e->sym_strndx, s.st_name);
		if (!n || strcmp(n, name) != 0)
			continue;
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_OBJECT)
			continue;
		*out = s;
		if (out_shndx)
			*out_shndx = s.st_shndx;
		return true;
	}
	return false;
}

/* Offset of a variable inside its section (st_value), or -1 with a failure. */
static int64_t var_off(struct elf_ref *e, const char *name)
{
	GElf_Sym s;

	if (!elf_sym(e, name, &s, NULL)) {
		test_fail(__FILE__, __LINE__, "symbol %s not in %s", name, e->path);
		return -1;
	}
	return (int64_t)s.st_value;
}

/* A section's bytes (NULL for NOBITS) and size. */
static const uint8_t *elf_sec(struct elf_ref *e, const char *name, size_t *size, uint32_t *type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(e->elf, e->shstrndx, sh.sh_name);
		if (!n || strcmp(n, name) != 0)
			continue;
		*size = sh.sh_size;
		if (type)
			*type = sh.sh_type;
		if (sh.sh_type == SHT_NOBITS)
			return NULL;
		return e->buf + sh.sh_offset;
	}
	*size = 0;
	if (type)
		*type = SHT_NULL;
	return NULL;
}

/* The instructions of function `name` as the compiler wrote them. */
static const struct bpf_insn *elf_func(struct elf_ref *e, const char *name, size_t *cnt,
				       bool *global)
{
	GElf_Sym s;
	size_t shndx, secsize;
	const uint8_t *sec;
	const char *secname;

	*cnt = 0;
	if (!elf_sym(e, name, &s, &shndx) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
		return NULL;
	secname = elf_sec_name(e, shndx);
	sec = secname ? elf_sec(e, secname, &secsize, NULL) : NULL;
	if (!sec || s.st_value + s.st_size > secsize)
		return NULL;
	*cnt = s.st_size / sizeof(struct bpf_insn);
	if (global)
		*global = GELF_ST_BIND(s.st_info) == STB_GLOBAL;
	return (const struct bpf_insn *)(sec + s.st_value);
}

/* ---------------------------------------------------------------------------------------
 * Helpers over the loader's answers. */

static struct exbpf_object *open_obj(const char *name, char *log, size_t log_size)
{
	char path[512];
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = log_size);
	struct exbpf_object *obj;

	obj_path(path, sizeof(path), name);
	if (log && log_size)
		log[0] = '\0';
	obj = exbpf_object__open_file(path, &opts);
	if (!obj)
		test_fail(__FILE__, __LINE__, "open %s: errno %d: %s", path, errno, log ? log : "");
	return obj;
}

static bool get_insns(const struct exbpf_prog *prog, const struct bpf_insn **insns, size_t *cnt)
{
	int err = exbpf_prog__insns(prog, insns, cnt);

	if (err) {
		test_fail(__FILE__, __LINE__, "prog %s: insns failed %d: %s",
			  exbpf_prog__name(prog), err,
			  exbpf_prog__link_error(prog) ? exbpf_prog__link_error(prog) : "");
		return false;
	}
	return true;
}

/* The function of the linked program that starts at insn `off`, or -1. */
static ssize_t func_at(const struct exbpf_prog *prog, size_t off, struct exbpf_func_info *out)
{
	size_t n = exbpf_prog__func_count(prog);

	for (size_t i = 0; i < n; i++) {
		struct exbpf_func_info fi;
		if (exbpf_prog__func(prog, i, &fi) == 0 && fi.insn_off == off) {
			if (out)
				*out = fi;
			return (ssize_t)i;
		}
	}
	return -1;
}

/* The function of the linked program that contains insn `idx`, or -1. */
static ssize_t func_containing(const struct exbpf_prog *prog, size_t idx,
			       struct exbpf_func_info *out)
{
	size_t n = exbpf_prog__func_count(prog);

	for (size_t i = 0; i < n; i++) {
		struct exbpf_func_info fi;
		if (exbpf_prog__func(prog, i, &fi) == 0 && idx >= fi.insn_off &&
		    idx < fi.insn_off + fi.insn_cnt) {
			if (out)
				*out = fi;
			return (ssize_t)i;
		}
	}
	return -1;
}

static bool func_by_name(const struct exbpf_prog *prog, const char *name,
			 struct exbpf_func_info *out)
{
	size_t n = exbpf_prog__func_count(prog);

	for (size_t i = 0; i < n; i++)
		if (exbpf_prog__func(prog, i, out) == 0 && out->name && !strcmp(out->name, name))
			return true;
	return false;
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;

	for (; list && *list; list++)
		n++;
	return n;
}

/* What a linked program must look like. funcs: the main program first, then every subprogram
 * it reaches (any order); edges: caller/callee pairs of BPF-to-BPF calls and ld_imm64 function
 * references; cb_funcs: the exception callback and the callees only it reaches. */
struct expect_prog {
	const char *name;
	const char *const *sec_names; /* accepted section names */
	uint32_t type;
	bool autoload;
	const char *funcs[8];
	const char *edges[8][2];
	const char *cb;
	const char *cb_funcs[4];
	const char *cb_edges[4][2];
};

static void check_edge(const struct expect_prog *x, const char *from, const char *to, bool *seen,
		       bool *cb_seen, size_t at)
{
	for (size_t k = 0; k < 8 && x->edges[k][0]; k++)
		if (!strcmp(x->edges[k][0], from) && !strcmp(x->edges[k][1], to)) {
			seen[k] = true;
			return;
		}
	for (size_t k = 0; k < 4 && x->cb_edges[k][0]; k++)
		if (!strcmp(x->cb_edges[k][0], from) && !strcmp(x->cb_edges[k][1], to)) {
			cb_seen[k] = true;
			return;
		}
	test_fail(__FILE__, __LINE__, "%s: insn %zu: unexpected reference %s -> %s", x->name, at,
		  from, to);
}

/* Linked function code must equal the ELF bytes, except the immediates of relocated
 * instructions (calls and lddw with a pseudo source), which the loader rewrites. */
static void check_func_code(const struct expect_prog *x, const struct bpf_insn *linked,
			    size_t linked_cnt, const struct exbpf_func_info *fi,
			    const struct bpf_insn *elf, size_t elf_cnt)
{
	if (fi->insn_cnt != elf_cnt || fi->insn_off + fi->insn_cnt > linked_cnt) {
		test_fail(__FILE__, __LINE__,
			  "%s: func %s: %zu insns at %zu (program %zu), ELF %zu", x->name, fi->name,
			  fi->insn_cnt, fi->insn_off, linked_cnt, elf_cnt);
		return;
	}
	for (size_t j = 0; j < elf_cnt; j++) {
		const struct bpf_insn *l = &linked[fi->insn_off + j], *w = &elf[j];
		bool same = !memcmp(l, w, sizeof(*l));

		if (w->code == CODE_CALL && w->src_reg == BPF_PSEUDO_CALL) {
			/* clang writes kfunc calls as src 1 too; the loader makes them src 2. */
			same =
			    l->code == w->code && l->dst_reg == w->dst_reg && l->off == w->off &&
			    (l->src_reg == BPF_PSEUDO_CALL || l->src_reg == BPF_PSEUDO_KFUNC_CALL);
		} else if (w->code == CODE_LDDW && j + 1 < elf_cnt) {
			if (l->src_reg != 0)
				same = l->code == w->code && l->dst_reg == w->dst_reg &&
				       l->off == w->off && l[1].code == 0 && l[1].dst_reg == 0 &&
				       l[1].src_reg == 0 && l[1].off == 0;
			else
				same = same && !memcmp(&l[1], &w[1], sizeof(*l));
			j++;
		}
		if (!same)
			test_fail(
			    __FILE__, __LINE__,
			    "%s: func %s insn %zu (linked %zu): code %02x s%u d%u off %d imm %d, "
			    "ELF %02x s%u d%u off %d imm %d",
			    x->name, fi->name, j, fi->insn_off + j, l->code, l->src_reg, l->dst_reg,
			    l->off, l->imm, w->code, w->src_reg, w->dst_reg, w->off, w->imm);
	}
}

static void check_prog(struct exbpf_object *obj, struct elf_ref *e, const struct expect_prog *x)
{
	struct exbpf_prog *prog = exbpf_object__find_program_by_name(obj, x->name);
	const struct bpf_insn *insns;
	size_t cnt, nf, want_nf, total = 0;
	bool seen[8] = {0}, cb_seen[4] = {0};
	bool *covered;
	struct exbpf_func_info fi, cbfi;
	const char *sec;

	if (!prog) {
		test_fail(__FILE__, __LINE__, "program %s not found", x->name);
		return;
	}
	CHECK_STR(exbpf_prog__name(prog), x->name);
	sec = exbpf_prog__section_name(prog);
	if (!sec || !in_list(x->sec_names, sec))
		test_fail(__FILE__, __LINE__, "%s: section name \"%s\", want \"%s\"", x->name,
			  sec ? sec : "(null)", x->sec_names[0]);
	CHECK_EQ(exbpf_prog__type(prog), x->type);
	CHECK_EQ(exbpf_prog__autoload(prog), x->autoload);
	if (!get_insns(prog, &insns, &cnt))
		return;

	nf = exbpf_prog__func_count(prog);
	want_nf = list_len(x->funcs) + list_len(x->cb_funcs);
	if (nf != want_nf)
		test_fail(__FILE__, __LINE__, "%s: %zu functions, want %zu", x->name, nf, want_nf);

	/* The main program is function 0 at insn 0. */
	if (exbpf_prog__func(prog, 0, &fi) == 0) {
		CHECK_STR(fi.name, x->name);
		CHECK_EQ(fi.insn_off, 0);
	} else {
		test_fail(__FILE__, __LINE__, "%s: no function 0", x->name);
	}

	/* Every function: expected, present once, code equal to the ELF's, no gap or overlap. */
	covered = calloc(cnt ? cnt : 1, 1);
	for (size_t i = 0; i < nf; i++) {
		const struct bpf_insn *code;
		size_t code_cnt;
		bool global = false;

		if (exbpf_prog__func(prog, i, &fi) != 0 || !fi.name) {
			test_fail(__FILE__, __LINE__, "%s: func %zu unreadable", x->name, i);
			continue;
		}
		if (!in_list(x->funcs, fi.name) && !in_list(x->cb_funcs, fi.name))
			test_fail(__FILE__, __LINE__, "%s: unexpected function %s", x->name,
				  fi.name);
		for (size_t k = 0; k < i; k++) {
			struct exbpf_func_info o;
			if (exbpf_prog__func(prog, k, &o) == 0 && o.name &&
			    !strcmp(o.name, fi.name))
				test_fail(__FILE__, __LINE__, "%s: function %s present twice",
					  x->name, fi.name);
		}
		code = elf_func(e, fi.name, &code_cnt, &global);
		if (!code) {
			test_fail(__FILE__, __LINE__, "%s: function %s not in the ELF", x->name,
				  fi.name);
			continue;
		}
		check_func_code(x, insns, cnt, &fi, code, code_cnt);
		if (fi.global != global)
			test_fail(__FILE__, __LINE__, "%s: func %s global=%d, ELF binding says %d",
				  x->name, fi.name, fi.global, global);
		if (fi.btf_id == 0)
			test_fail(__FILE__, __LINE__, "%s: func %s has no BTF id", x->name,
				  fi.name);
		if (fi.exception_cb != (x->cb && !strcmp(x->cb, fi.name)))
			test_fail(__FILE__, __LINE__, "%s: func %s exception_cb=%d", x->name,
				  fi.name, fi.exception_cb);
		total += fi.insn_cnt;
		for (size_t j = fi.insn_off; j < fi.insn_off + fi.insn_cnt && j < cnt; j++) {
			if (covered[j])
				test_fail(__FILE__, __LINE__, "%s: insn %zu in two functions",
					  x->name, j);
			covered[j] = 1;
		}
	}
	for (const char *const *f = x->funcs; *f; f++)
		if (!func_by_name(prog, *f, &fi))
			test_fail(__FILE__, __LINE__, "%s: function %s missing", x->name, *f);
	for (const char *const *f = x->cb_funcs; *f; f++)
		if (!func_by_name(prog, *f, &fi))
			test_fail(__FILE__, __LINE__, "%s: function %s missing", x->name, *f);
	if (total != cnt)
		test_fail(__FILE__, __LINE__, "%s: functions cover %zu insns, program has %zu",
			  x->name, total, cnt);
	for (size_t j = 0; j < cnt; j++)
		if (!covered[j]) {
			test_fail(__FILE__, __LINE__, "%s: insn %zu in no function", x->name, j);
			break;
		}
	free(covered);

	/* Calls and ld_imm64 function references land on the first insn of the right function. */
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		bool is_call = in->code == CODE_CALL && in->src_reg == BPF_PSEUDO_CALL;
		bool is_ref = in->code == CODE_LDDW && in->src_reg == BPF_PSEUDO_FUNC;
		struct exbpf_func_info from, to;
		int64_t target;

		if (!is_call && !is_ref) {
			if (in->code == CODE_LDDW)
				i++;
			continue;
		}
		target = (int64_t)i + in->imm + 1;
		if (target < 0 || (size_t)target >= cnt || func_at(prog, (size_t)target, &to) < 0) {
			test_fail(__FILE__, __LINE__,
				  "%s: insn %zu: target %" PRId64 " is no function start", x->name,
				  i, target);
			continue;
		}
		if (func_containing(prog, i, &from) < 0)
			continue;
		if (to.exception_cb)
			test_fail(__FILE__, __LINE__, "%s: insn %zu references the exception cb",
				  x->name, i);
		check_edge(x, from.name, to.name, seen, cb_seen, i);
		if (is_ref)
			i++;
	}
	for (size_t k = 0; k < 8 && x->edges[k][0]; k++)
		if (!seen[k])
			test_fail(__FILE__, __LINE__, "%s: no reference %s -> %s", x->name,
				  x->edges[k][0], x->edges[k][1]);
	for (size_t k = 0; k < 4 && x->cb_edges[k][0]; k++)
		if (!cb_seen[k])
			test_fail(__FILE__, __LINE__, "%s: no reference %s -> %s", x->name,
				  x->cb_edges[k][0], x->cb_edges[k][1]);

	/* The exception callback and its own callees come after everything main reaches. */
	if (!x->cb) {
		if (exbpf_prog__exception_cb(prog))
			test_fail(__FILE__, __LINE__, "%s: unexpected exception cb %s", x->name,
				  exbpf_prog__exception_cb(prog));
		return;
	}
	CHECK_STR(exbpf_prog__exception_cb(prog), x->cb);
	if (!func_by_name(prog, x->cb, &cbfi))
		return;
	CHECK_EQ(exbpf_prog__exception_cb_insn(prog), cbfi.insn_off);
	CHECK(cbfi.exception_cb);
	CHECK(cbfi.global);
	for (const char *const *f = x->funcs; *f; f++)
		if (func_by_name(prog, *f, &fi) && fi.insn_off + fi.insn_cnt > cbfi.insn_off)
			test_fail(__FILE__, __LINE__,
				  "%s: %s (at %zu) is not before the cb (at %zu)", x->name, *f,
				  fi.insn_off, cbfi.insn_off);
	for (const char *const *f = x->cb_funcs; *f; f++)
		if (func_by_name(prog, *f, &fi) && fi.insn_off < cbfi.insn_off)
			test_fail(__FILE__, __LINE__, "%s: %s (at %zu) is before the cb (at %zu)",
				  x->name, *f, fi.insn_off, cbfi.insn_off);
}

/* (map index, offset) of every lddw map reference in a linked program. */
struct map_ref {
	uint8_t src;
	int32_t idx;
	int32_t off;
	size_t insn;
};

static size_t collect_map_refs(const struct bpf_insn *insns, size_t cnt, struct map_ref *out,
			       size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < cnt; i++) {
		if (insns[i].code != CODE_LDDW)
			continue;
		if ((insns[i].src_reg == BPF_PSEUDO_MAP_IDX ||
		     insns[i].src_reg == BPF_PSEUDO_MAP_IDX_VALUE) &&
		    n < max)
			out[n++] =
			    (struct map_ref){insns[i].src_reg, insns[i].imm, insns[i + 1].imm, i};
		if (insns[i].src_reg == BPF_PSEUDO_MAP_FD ||
		    insns[i].src_reg == BPF_PSEUDO_MAP_VALUE)
			test_fail(__FILE__, __LINE__, "insn %zu: fd-based map reference src %u", i,
				  insns[i].src_reg);
		i++;
	}
	return n;
}

static int32_t map_index_of(struct exbpf_object *obj, const char *name)
{
	struct exbpf_map_spec *m = exbpf_object__find_map_by_name(obj, name);

	if (!m) {
		test_fail(__FILE__, __LINE__, "map %s not found", name);
		return -1;
	}
	return (int32_t)exbpf_map_spec__index(m);
}

struct want_ref {
	const char *map;
	int64_t off;
};

/* The program's lddw value references are exactly `want` (as a set). */
static void check_value_refs(struct exbpf_object *obj, const char *prog_name,
			     const struct want_ref *want, size_t nwant)
{
	struct exbpf_prog *prog = exbpf_object__find_program_by_name(obj, prog_name);
	const struct bpf_insn *insns;
	size_t cnt, n;
	struct map_ref refs[32];
	bool used[32] = {0};

	if (!prog || !get_insns(prog, &insns, &cnt)) {
		test_fail(__FILE__, __LINE__, "program %s unusable", prog_name);
		return;
	}
	n = collect_map_refs(insns, cnt, refs, 32);
	for (size_t k = 0; k < nwant; k++) {
		int32_t idx = map_index_of(obj, want[k].map);
		bool found = false;

		for (size_t r = 0; r < n; r++)
			if (refs[r].src == BPF_PSEUDO_MAP_IDX_VALUE && refs[r].idx == idx &&
			    refs[r].off == want[k].off) {
				used[r] = true;
				found = true;
			}
		if (!found)
			test_fail(__FILE__, __LINE__, "%s: no lddw of %s+%" PRId64, prog_name,
				  want[k].map, want[k].off);
	}
	for (size_t r = 0; r < n; r++)
		if (!used[r])
			test_fail(__FILE__, __LINE__,
				  "%s: unexpected lddw at %zu: src %u map %d off %d", prog_name,
				  refs[r].insn, refs[r].src, refs[r].idx, refs[r].off);
}

/* Linked insn index of the lddw referencing map+off, or -1. */
static ssize_t find_value_ref(struct exbpf_object *obj, const struct exbpf_prog *prog,
			      const char *map, int64_t off)
{
	const struct bpf_insn *insns;
	size_t cnt, n;
	struct map_ref refs[32];
	int32_t idx = map_index_of(obj, map);

	if (exbpf_prog__insns(prog, &insns, &cnt))
		return -1;
	n = collect_map_refs(insns, cnt, refs, 32);
	for (size_t r = 0; r < n; r++)
		if (refs[r].src == BPF_PSEUDO_MAP_IDX_VALUE && refs[r].idx == idx &&
		    refs[r].off == off)
			return (ssize_t)refs[r].insn;
	return -1;
}

static void check_line(const struct exbpf_prog *prog, size_t insn, const char *file, uint32_t line,
		       const char *text, int src_line)
{
	struct exbpf_line_info li;
	int err = exbpf_prog__line(prog, insn, &li);

	if (err) {
		test_fail(__FILE__, src_line, "%s: line(%zu) = %d", exbpf_prog__name(prog), insn,
			  err);
		return;
	}
	if (!li.file || !strstr(li.file, file) || li.line != line || !li.text ||
	    !strstr(li.text, text))
		test_fail(__FILE__, src_line,
			  "%s: line(%zu) = %s:%u \"%s\", want %s:%u \"...%s...\"",
			  exbpf_prog__name(prog), insn, li.file ? li.file : "(null)", li.line,
			  li.text ? li.text : "(null)", file, line, text);
}

/* ---------------------------------------------------------------------------------------
 * loader_multi: sections, types, autoload, linking, line info, annotations. */

static const char *const sec_tc[] = {"tc", NULL};
static const char *const sec_xdp[] = {"xdp", NULL};
static const char *const sec_socket[] = {"socket", NULL};
static const char *const sec_rawtp[] = {"raw_tp/sys_enter", NULL};
/* The ELF section is "?syscall"; libbpf drops the '?' from the name it reports. */
static const char *const sec_syscall[] = {"syscall", "?syscall", NULL};
static const char *const sec_raw[] = {"raw", NULL};

/* Call graph (llvm-objdump-19 -dr): prog_tc calls g_top (reloc g_top) and st_add (reloc .text
 * +15 insns); g_top calls g_mid; g_mid calls st_leaf (pc-relative, no relocation); prog_xdp
 * calls g_xdp_only and st_add; prog_socket loads loop_cb (R_BPF_64_64 .text+0x98) for
 * bpf_loop; prog_rawtp calls g_mid; prog_syscall calls g_top; prog_raw calls st_leaf.
 * g_orphan is reached by nobody. */
static const struct expect_prog multi_progs[] = {
    {"prog_tc",
     sec_tc,
     BPF_PROG_TYPE_SCHED_CLS,
     true,
     {"prog_tc", "st_add", "g_top", "g_mid", "st_leaf"},
     {{"prog_tc", "g_top"}, {"prog_tc", "st_add"}, {"g_top", "g_mid"}, {"g_mid", "st_leaf"}},
     NULL,
     {NULL},
     {{NULL}}},
    {"prog_xdp",
     sec_xdp,
     BPF_PROG_TYPE_XDP,
     true,
     {"prog_xdp", "g_xdp_only", "st_add"},
     {{"prog_xdp", "g_xdp_only"}, {"prog_xdp", "st_add"}},
     NULL,
     {NULL},
     {{NULL}}},
    {"prog_socket",
     sec_socket,
     BPF_PROG_TYPE_SOCKET_FILTER,
     true,
     {"prog_socket", "loop_cb"},
     {{"prog_socket", "loop_cb"}},
     NULL,
     {NULL},
     {{NULL}}},
    {"prog_rawtp",
     sec_rawtp,
     BPF_PROG_TYPE_RAW_TRACEPOINT,
     true,
     {"prog_rawtp", "g_mid", "st_leaf"},
     {{"prog_rawtp", "g_mid"}, {"g_mid", "st_leaf"}},
     NULL,
     {NULL},
     {{NULL}}},
    {"prog_syscall",
     sec_syscall,
     BPF_PROG_TYPE_SYSCALL,
     false,
     {"prog_syscall", "g_top", "g_mid", "st_leaf"},
     {{"prog_syscall", "g_top"}, {"g_top", "g_mid"}, {"g_mid", "st_leaf"}},
     NULL,
     {NULL},
     {{NULL}}},
    {"prog_raw",
     sec_raw,
     EXBPF_PROG_TYPE_RAW,
     true,
     {"prog_raw", "st_leaf"},
     {{"prog_raw", "st_leaf"}},
     NULL,
     {NULL},
     {{NULL}}},
};

TEST(object_multi_programs)
{
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj;
	struct exbpf_prog *p;
	size_t i = 0;

	if (!elf_ref_open(&e, "loader_multi"))
		goto out;
	obj = open_obj("loader_multi", log, sizeof(log));
	if (!obj)
		goto out;
	/* ELF order: sections tc, xdp, socket, raw_tp/sys_enter, ?syscall, raw (readelf -S);
	 * .text functions are subprograms, not programs. */
	exbpf_object__for_each_program(p, obj)
	{
		if (i < 6)
			CHECK_STR(exbpf_prog__name(p), multi_progs[i].name);
		i++;
	}
	CHECK_EQ(i, 6);
	CHECK(exbpf_object__find_program_by_name(obj, "g_top") == NULL);
	CHECK(exbpf_object__find_program_by_name(obj, "st_leaf") == NULL);
	CHECK(exbpf_object__find_program_by_name(obj, "no_such_prog") == NULL);
	for (i = 0; i < 6; i++)
		check_prog(obj, &e, &multi_progs[i]);
	/* No maps and no externs in this object. */
	CHECK(exbpf_object__next_map(obj, NULL) == NULL);
	CHECK_EQ(exbpf_object__extern_count(obj), 0);
	exbpf_object__close(obj);
out:
	elf_ref_close(&e);
}

/* The FUNC_PROTO of the BTF FUNC `name`, or 0. */
static uint32_t func_proto_of(const struct exbpf_object *obj, const char *name)
{
	const struct exbpf_btf *btf = exbpf_object__btf(obj);
	int32_t id = btf ? exbpf_btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) : -1;

	return id > 0 ? exbpf_btf__type_by_id(btf, (uint32_t)id)->type : 0;
}

TEST(object_multi_btf_ids)
{
	/* Each function's id comes from BTF.ext func_info; the FUNC of the same name must agree. */
	static const struct {
		const char *prog, *func;
	} want[] = {{"prog_tc", "prog_tc"}, {"prog_tc", "st_add"},   {"prog_tc", "g_top"},
		    {"prog_tc", "g_mid"},   {"prog_tc", "st_leaf"},  {"prog_xdp", "prog_xdp"},
		    {"prog_xdp", "g_xdp_only"}};
	char log[4096];
	struct exbpf_object *obj = open_obj("loader_multi", log, sizeof(log));
	const struct exbpf_btf *btf;

	if (!obj)
		return;
	btf = exbpf_object__btf(obj);
	CHECK(btf != NULL);
	for (size_t i = 0; btf && i < sizeof(want) / sizeof(want[0]); i++) {
		struct exbpf_prog *p = exbpf_object__find_program_by_name(obj, want[i].prog);
		int32_t id = exbpf_btf__find_by_name_kind(btf, want[i].func, BTF_KIND_FUNC);
		const struct bpf_insn *insns;
		size_t cnt;
		struct exbpf_func_info fi;

		if (!p || exbpf_prog__insns(p, &insns, &cnt)) {
			test_fail(__FILE__, __LINE__, "%s unusable", want[i].prog);
			continue;
		}
		if (!func_by_name(p, want[i].func, &fi)) {
			test_fail(__FILE__, __LINE__, "%s: no %s", want[i].prog, want[i].func);
			continue;
		}
		if (id <= 0 || fi.btf_id != (uint32_t)id)
			test_fail(__FILE__, __LINE__, "%s/%s: btf_id %u, want %d", want[i].prog,
				  want[i].func, fi.btf_id, id);
	}
	exbpf_object__close(obj);
}

TEST(object_multi_line_info)
{
	char log[4096];
	struct exbpf_object *obj = open_obj("loader_multi", log, sizeof(log));
	struct exbpf_prog *p;
	const struct bpf_insn *insns;
	size_t cnt;
	struct exbpf_func_info fi;
	struct exbpf_line_info li;
	const char *f = "loader_multi.bpf.c";

	if (!obj)
		return;
	/* BTF.ext line info of .text: st_leaf insn 0 -> line 18 (its signature), insn 1 -> 20;
	 * g_mid insn 0 -> 25; st_add insn 1 -> 15; loop_cb insn 0 -> 45 with no entry for
	 * insns 1 and 2 (the closest entry before applies). prog_socket: insn 1 -> 64, next
	 * entry at insn 4. */
	p = exbpf_object__find_program_by_name(obj, "prog_tc");
	if (p && !exbpf_prog__insns(p, &insns, &cnt)) {
		check_line(p, 0, f, 52, "return st_add(skb->len, g_top(skb->len));", __LINE__);
		if (func_by_name(p, "st_leaf", &fi)) {
			check_line(p, fi.insn_off, f, 18, "static __noinline int st_leaf(int x)",
				   __LINE__);
			check_line(p, fi.insn_off + 1, f, 20, "MARK_ST_LEAF", __LINE__);
		}
		if (func_by_name(p, "g_mid", &fi))
			check_line(p, fi.insn_off, f, 25, "return st_leaf(x) + 1;", __LINE__);
		if (func_by_name(p, "st_add", &fi))
			check_line(p, fi.insn_off + 1, f, 15, "MARK_ST_ADD", __LINE__);
		CHECK(exbpf_prog__line(p, cnt + 100, &li) < 0);
	} else {
		test_fail(__FILE__, __LINE__, "prog_tc unusable");
	}
	p = exbpf_object__find_program_by_name(obj, "prog_socket");
	if (p && !exbpf_prog__insns(p, &insns, &cnt)) {
		check_line(p, 2, f, 64, "int acc = skb->len;", __LINE__);
		check_line(p, 4, f, 66, "bpf_loop(4, loop_cb, &acc, 0);", __LINE__);
		if (func_by_name(p, "loop_cb", &fi)) {
			check_line(p, fi.insn_off, f, 45, "*(int *)ctx += idx;", __LINE__);
			check_line(p, fi.insn_off + 2, f, 45, "*(int *)ctx += idx;", __LINE__);
			check_line(p, fi.insn_off + 3, f, 46, "return 0;", __LINE__);
		}
	} else {
		test_fail(__FILE__, __LINE__, "prog_socket unusable");
	}
	p = exbpf_object__find_program_by_name(obj, "prog_syscall");
	if (p && !exbpf_prog__insns(p, &insns, &cnt)) {
		check_line(p, 1, f, 79, "return g_top(1);", __LINE__);
		if (func_by_name(p, "st_leaf", &fi))
			check_line(p, fi.insn_off + 2, f, 20, "MARK_ST_LEAF", __LINE__);
	} else {
		test_fail(__FILE__, __LINE__, "prog_syscall unusable");
	}
	exbpf_object__close(obj);
}

TEST(object_annotations)
{
	char log[4096];
	struct exbpf_object *obj = open_obj("loader_multi", log, sizeof(log));
	struct exbpf_prog *p;

	if (!obj)
		return;
	/* bpftool: [46] DECL_TAG 'comment:test_expect_success', [47] 'comment:test_retval=3',
	 * both on [45] FUNC prog_raw. */
	p = exbpf_object__find_program_by_name(obj, "prog_raw");
	if (p) {
		CHECK_EQ(exbpf_prog__annotation_count(p), 2);
		CHECK_STR(exbpf_prog__annotation(p, 0), "test_expect_success");
		CHECK_STR(exbpf_prog__annotation(p, 1), "test_retval=3");
	} else {
		test_fail(__FILE__, __LINE__, "prog_raw not found");
	}
	p = exbpf_object__find_program_by_name(obj, "prog_tc");
	if (p) {
		CHECK_EQ(exbpf_prog__annotation_count(p), 2);
		CHECK_STR(exbpf_prog__annotation(p, 1), "test_retval=226");
	}
	exbpf_object__close(obj);

	/* The exception_callback: tag is not an annotation. */
	obj = open_obj("exc_cb_ok", log, sizeof(log));
	if (!obj)
		return;
	p = exbpf_object__find_program_by_name(obj, "main_a");
	if (p) {
		CHECK_EQ(exbpf_prog__annotation_count(p), 2);
		for (size_t i = 0; i < exbpf_prog__annotation_count(p); i++)
			CHECK(strncmp(exbpf_prog__annotation(p, i), "exception_callback", 18) != 0);
	}
	exbpf_object__close(obj);
}

/* ---------------------------------------------------------------------------------------
 * loader_globals: one array per global-data section, initial values, lddw offsets. */

static void check_data_map(struct exbpf_object *obj, struct elf_ref *e, const char *name,
			   bool rdonly)
{
	struct exbpf_map_spec *m = exbpf_object__find_map_by_name(obj, name);
	const struct exbpf_map_def *d;
	size_t size;
	uint32_t type;
	const uint8_t *bytes = elf_sec(e, name, &size, &type);

	if (!m) {
		test_fail(__FILE__, __LINE__, "map %s not found", name);
		return;
	}
	d = exbpf_map_spec__def(m);
	if (!d)
		return;
	CHECK_STR(d->name, name);
	CHECK_EQ(d->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ(d->key_size, 4);
	CHECK_EQ(d->value_size, size);
	CHECK_EQ(d->max_entries, 1);
	CHECK(d->global_data);
	if (!!(d->map_flags & BPF_F_RDONLY_PROG) != rdonly)
		test_fail(__FILE__, __LINE__, "%s: map_flags 0x%x", name, d->map_flags);
	if (type == SHT_NOBITS) {
		/* .bss: no initial value, or zeros. */
		if (d->initial_value) {
			CHECK(d->initial_size <= d->value_size);
			for (size_t i = 0; i < d->initial_size; i++)
				if (((const uint8_t *)d->initial_value)[i]) {
					test_fail(__FILE__, __LINE__, "%s: byte %zu not zero", name,
						  i);
					break;
				}
		}
	} else {
		CHECK(d->initial_value != NULL);
		CHECK_EQ(d->initial_size, size);
		if (d->initial_value && bytes && d->initial_size == size &&
		    memcmp(d->initial_value, bytes, size) != 0)
			test_fail(__FILE__, __LINE__, "%s: initial value differs from the ELF",
				  name);
	}
}

static const void *initial_at(struct exbpf_object *obj, const char *map, int64_t off, size_t len)
{
	struct exbpf_map_spec *m = exbpf_object__find_map_by_name(obj, map);
	const struct exbpf_map_def *d = m ? exbpf_map_spec__def(m) : NULL;

	if (!d || !d->initial_value || off < 0 || (size_t)off + len > d->initial_size) {
		test_fail(__FILE__, __LINE__, "%s: no initial bytes at %" PRId64, map, off);
		return NULL;
	}
	return (const uint8_t *)d->initial_value + off;
}

TEST(object_global_data)
{
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj = NULL;
	struct exbpf_map_spec *m;
	size_t n = 0, strsize;
	const uint8_t *strsec;
	const void *v;
	int32_t i32;
	int64_t i64;
	bool seen_idx[16] = {0};

	if (!elf_ref_open(&e, "loader_globals"))
		goto out;
	obj = open_obj("loader_globals", log, sizeof(log));
	if (!obj)
		goto out;

	/* readelf -S: .data (16 bytes), .rodata (12), .data.custom (4), .bss (NOBITS, 36),
	 * .rodata.str1.1 (14): five maps, nothing else (no .maps section). */
	check_data_map(obj, &e, ".data", false);
	check_data_map(obj, &e, ".rodata", true);
	check_data_map(obj, &e, ".bss", false);
	check_data_map(obj, &e, ".data.custom", false);
	check_data_map(obj, &e, ".rodata.str1.1", true);
	exbpf_object__for_each_map(m, obj)
	{
		size_t idx = exbpf_map_spec__index(m);
		if (idx != n)
			test_fail(__FILE__, __LINE__, "map %zu has index %zu", n, idx);
		if (idx < 16) {
			CHECK(!seen_idx[idx]);
			seen_idx[idx] = true;
		}
		n++;
	}
	CHECK_EQ(n, 5);

	/* The source's initialisers at the symbols' offsets. */
	if ((v = initial_at(obj, ".data", var_off(&e, "data_a"), 4))) {
		memcpy(&i32, v, 4);
		CHECK_EQ(i32, 0x11223344);
	}
	if ((v = initial_at(obj, ".data", var_off(&e, "data_b"), 8))) {
		memcpy(&i64, v, 8);
		CHECK_EQ(i64, -5);
	}
	if ((v = initial_at(obj, ".data", var_off(&e, "st_data"), 4))) {
		memcpy(&i32, v, 4);
		CHECK_EQ(i32, 77);
	}
	if ((v = initial_at(obj, ".rodata", var_off(&e, "ro_limit"), 4))) {
		memcpy(&i32, v, 4);
		CHECK_EQ(i32, 42);
	}
	if ((v = initial_at(obj, ".rodata", var_off(&e, "ro_tag"), 8)))
		CHECK(!memcmp(v, "exbpf\0\0\0", 8));
	if ((v = initial_at(obj, ".data.custom", var_off(&e, "custom_x"), 4))) {
		memcpy(&i32, v, 4);
		CHECK_EQ(i32, 0xabcdef);
	}
	if ((v = initial_at(obj, ".rodata.str1.1", 0, 14)))
		CHECK(!memcmp(v, "loader-string", 14));

	/* lddw references: the symbol's offset (data_b is at 8, ro_tag at 4, bss_counter at
	 * 0x20); st_data is static, so clang relocates against .data with imm 0x10; the string
	 * literal against .rodata.str1.1 at the string's offset. */
	strsec = elf_sec(&e, ".rodata.str1.1", &strsize, NULL);
	{
		const uint8_t *s = strsec ? memmem(strsec, strsize, "loader-string", 14) : NULL;
		struct want_ref w_write[] = {
		    {".data", var_off(&e, "data_a")},
		    {".bss", var_off(&e, "bss_arr")},
		    {".data.custom", var_off(&e, "custom_x")},
		    {".data", var_off(&e, "st_data")},
		};
		struct want_ref w_read[] = {
		    {".data", var_off(&e, "data_b")},	{".rodata", var_off(&e, "ro_limit")},
		    {".rodata", var_off(&e, "ro_tag")}, {".bss", var_off(&e, "bss_counter")},
		    {".data", var_off(&e, "st_data")},	{".rodata.str1.1", s ? s - strsec : -1},
		};
		CHECK_EQ(var_off(&e, "data_b"), 8);
		CHECK_EQ(var_off(&e, "st_data"), 0x10);
		CHECK_EQ(var_off(&e, "ro_tag"), 4);
		CHECK_EQ(var_off(&e, "bss_counter"), 0x20);
		check_value_refs(obj, "globals_write", w_write, 4);
		check_value_refs(obj, "globals_read", w_read, 6);
	}
	{
		static const char *const sec_raw2[] = {"raw", NULL};
		struct expect_prog x1 = {"globals_write",
					 sec_raw2,
					 EXBPF_PROG_TYPE_RAW,
					 true,
					 {"globals_write"},
					 {{NULL}},
					 NULL,
					 {NULL},
					 {{NULL}}};
		struct expect_prog x2 = {"globals_read", sec_raw2,	   EXBPF_PROG_TYPE_RAW,
					 true,		 {"globals_read"}, {{NULL}},
					 NULL,		 {NULL},	   {{NULL}}};
		check_prog(obj, &e, &x1);
		check_prog(obj, &e, &x2);
	}
out:
	if (obj)
		exbpf_object__close(obj);
	elf_ref_close(&e);
}

TEST(object_global_data_line_info)
{
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj = NULL;
	struct exbpf_prog *p;
	ssize_t at;

	if (!elf_ref_open(&e, "loader_globals"))
		goto out;
	obj = open_obj("loader_globals", log, sizeof(log));
	if (!obj)
		goto out;
	/* The lddw of data_a is insn 10 of globals_write, line 25 (MARK_DATA_A); that of
	 * ro_limit is insn 0 of globals_read, line 38 (MARK_RO_LIMIT). */
	p = exbpf_object__find_program_by_name(obj, "globals_write");
	at = p ? find_value_ref(obj, p, ".data", var_off(&e, "data_a")) : -1;
	CHECK_EQ(at, 10);
	if (at >= 0)
		check_line(p, (size_t)at, "loader_globals.bpf.c", 25,
			   "data_a = len; /* MARK_DATA_A */", __LINE__);
	p = exbpf_object__find_program_by_name(obj, "globals_read");
	at = p ? find_value_ref(obj, p, ".rodata", var_off(&e, "ro_limit")) : -1;
	CHECK_EQ(at, 0);
	if (at >= 0)
		check_line(p, (size_t)at, "loader_globals.bpf.c", 38, "MARK_RO_LIMIT", __LINE__);
out:
	if (obj)
		exbpf_object__close(obj);
	elf_ref_close(&e);
}

/* ---------------------------------------------------------------------------------------
 * loader_maps: BTF-defined maps. */

TEST(object_btf_maps)
{
	/* bpftool btf dump: m_hash key is [38] STRUCT 'pair' (8 bytes), value [40] STRUCT 'val'
	 * (16 bytes). Maps sized with __uint(key_size/value_size) have no BTF key/value type. */
	static const struct {
		const char *name;
		uint32_t type, key_size, value_size, max_entries, flags;
		uint32_t key_id, value_id; /* ~0u: any nonzero */
	} want[] = {
	    {"m_array", BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, ~0u, ~0u},
	    {"m_pcpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 8, 0, 0, 0},
	    {"m_hash", BPF_MAP_TYPE_HASH, 8, 16, 128, BPF_F_NO_PREALLOC, ~0u, ~0u},
	    {"m_pcpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 8, 4, 32, 0, ~0u, ~0u},
	    {"m_lru", BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0, ~0u, ~0u},
	    {"m_ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 16384, 0, 0, 0},
	    {"m_progs", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, 0},
	};
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj = NULL;
	struct exbpf_map_spec *m;
	struct exbpf_prog *p;
	const struct bpf_insn *insns;
	size_t n = 0, cnt, nrefs;
	struct map_ref refs[32];
	bool hit[7] = {0};

	if (!elf_ref_open(&e, "loader_maps"))
		goto out;
	obj = open_obj("loader_maps", log, sizeof(log));
	if (!obj)
		goto out;
	exbpf_object__for_each_map(m, obj)
	{
		CHECK_EQ(exbpf_map_spec__index(m), n);
		n++;
	}
	CHECK_EQ(n, 7);
	/* __type(key, struct pair) and __type(value, struct val) name those structs. */
	m = exbpf_object__find_map_by_name(obj, "m_hash");
	if (m) {
		const struct exbpf_btf *btf = exbpf_object__btf(obj);

		CHECK_EQ(exbpf_map_spec__def(m)->btf_key_type_id,
			 exbpf_btf__find_by_name_kind(btf, "pair", BTF_KIND_STRUCT));
		CHECK_EQ(exbpf_map_spec__def(m)->btf_value_type_id,
			 exbpf_btf__find_by_name_kind(btf, "val", BTF_KIND_STRUCT));
	}
	for (size_t i = 0; i < 7; i++) {
		const struct exbpf_map_def *d;

		m = exbpf_object__find_map_by_name(obj, want[i].name);
		if (!m || !(d = exbpf_map_spec__def(m))) {
			test_fail(__FILE__, __LINE__, "map %s not found", want[i].name);
			continue;
		}
		CHECK_STR(d->name, want[i].name);
		if (d->type != want[i].type || d->key_size != want[i].key_size ||
		    d->value_size != want[i].value_size || d->max_entries != want[i].max_entries ||
		    d->map_flags != want[i].flags || d->global_data)
			test_fail(
			    __FILE__, __LINE__,
			    "%s: type %u key %u value %u max %u flags 0x%x global %d, want %u %u "
			    "%u %u 0x%x 0",
			    want[i].name, d->type, d->key_size, d->value_size, d->max_entries,
			    d->map_flags, d->global_data, want[i].type, want[i].key_size,
			    want[i].value_size, want[i].max_entries, want[i].flags);
		if (want[i].key_id == ~0u ? d->btf_key_type_id == 0
					  : d->btf_key_type_id != want[i].key_id)
			test_fail(__FILE__, __LINE__, "%s: btf_key_type_id %u", want[i].name,
				  d->btf_key_type_id);
		if (want[i].value_id == ~0u ? d->btf_value_type_id == 0
					    : d->btf_value_type_id != want[i].value_id)
			test_fail(__FILE__, __LINE__, "%s: btf_value_type_id %u", want[i].name,
				  d->btf_value_type_id);
		if (d->type == BPF_MAP_TYPE_PROG_ARRAY)
			/* .values = { [0] = &tail_target } (.rel.maps: m_progs+0x18 ->
			 * tail_target); the layout of the filled value is the loader's. */
			CHECK(d->initial_value != NULL && d->initial_size > 0);
		else
			CHECK(d->initial_value == NULL);
	}
	CHECK(exbpf_object__find_map_by_name(obj, ".maps") == NULL);

	/* maps_user references all seven maps (readelf -r .reltc), as src 1 with offset 0. */
	p = exbpf_object__find_program_by_name(obj, "maps_user");
	if (p && get_insns(p, &insns, &cnt)) {
		nrefs = collect_map_refs(insns, cnt, refs, 32);
		CHECK_EQ(nrefs, 7);
		for (size_t r = 0; r < nrefs; r++) {
			CHECK_EQ(refs[r].src, BPF_PSEUDO_MAP_IDX);
			CHECK_EQ(refs[r].off, 0);
			for (size_t i = 0; i < 7; i++)
				if (refs[r].idx == map_index_of(obj, want[i].name))
					hit[i] = true;
		}
		for (size_t i = 0; i < 7; i++)
			if (!hit[i])
				test_fail(__FILE__, __LINE__, "maps_user: no lddw of %s",
					  want[i].name);
		/* In source and ELF order: m_array first (insn 11 of maps_user, objdump 13 of
		 * section tc after tail_target's 2), m_progs last (insn 61). */
		if (nrefs == 7) {
			CHECK_EQ(refs[0].insn, 11);
			CHECK_EQ(refs[0].idx, map_index_of(obj, "m_array"));
			CHECK_EQ(refs[6].insn, 61);
			CHECK_EQ(refs[6].idx, map_index_of(obj, "m_progs"));
		}
	}
	{
		struct expect_prog x1 = {"maps_user", sec_tc,	     BPF_PROG_TYPE_SCHED_CLS,
					 true,	      {"maps_user"}, {{NULL}},
					 NULL,	      {NULL},	     {{NULL}}};
		struct expect_prog x2 = {"tail_target", sec_tc,		 BPF_PROG_TYPE_SCHED_CLS,
					 true,		{"tail_target"}, {{NULL}},
					 NULL,		{NULL},		 {{NULL}}};
		check_prog(obj, &e, &x1);
		check_prog(obj, &e, &x2);
	}
out:
	if (obj)
		exbpf_object__close(obj);
	elf_ref_close(&e);
}

/* ---------------------------------------------------------------------------------------
 * Kfunc externs. */

static bool find_extern(struct exbpf_object *obj, const char *name, struct exbpf_extern_info *out,
			size_t *idx)
{
	size_t n = exbpf_object__extern_count(obj);

	for (size_t i = 0; i < n; i++)
		if (exbpf_object__extern(obj, i, out) == 0 && out->name &&
		    !strcmp(out->name, name)) {
			*idx = i;
			return true;
		}
	return false;
}

TEST(object_kfunc_externs)
{
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj = NULL;
	struct exbpf_extern_info ex;
	size_t i_throw = ~(size_t)0, i_absent = ~(size_t)0, cnt;
	struct exbpf_prog *p;
	const struct bpf_insn *insns;

	if (!elf_ref_open(&e, "loader_kfunc"))
		goto out;
	obj = open_obj("loader_kfunc", log, sizeof(log));
	if (!obj)
		goto out;
	/* DATASEC .ksyms holds the extern FUNCs bpf_throw and bpf_exbpf_absent_kfunc; the
	 * symbol of the second is WEAK. Each extern's prototype is its FUNC's type. */
	CHECK_EQ(exbpf_object__extern_count(obj), 2);
	if (find_extern(obj, "bpf_throw", &ex, &i_throw)) {
		CHECK(!ex.weak);
		CHECK(ex.is_func);
		CHECK_EQ(ex.btf_func_proto_id, func_proto_of(obj, "bpf_throw"));
	} else {
		test_fail(__FILE__, __LINE__, "extern bpf_throw missing");
	}
	if (find_extern(obj, "bpf_exbpf_absent_kfunc", &ex, &i_absent)) {
		CHECK(ex.weak);
		CHECK(ex.is_func);
		CHECK_EQ(ex.btf_func_proto_id, func_proto_of(obj, "bpf_exbpf_absent_kfunc"));
	} else {
		test_fail(__FILE__, __LINE__, "extern bpf_exbpf_absent_kfunc missing");
	}
	CHECK(exbpf_object__extern(obj, 2, &ex) < 0);

	/* kfunc_user: call bpf_throw at insn 4, call bpf_exbpf_absent_kfunc at insn 11 (both
	 * written by clang as src 1, imm -1 with a relocation); lddw of use_absent at 6. */
	p = exbpf_object__find_program_by_name(obj, "kfunc_user");
	if (p && get_insns(p, &insns, &cnt) && cnt == 13) {
		CHECK_EQ(insns[4].code, CODE_CALL);
		CHECK_EQ(insns[4].src_reg, BPF_PSEUDO_KFUNC_CALL);
		CHECK_EQ(insns[4].imm, i_throw);
		CHECK_EQ(insns[11].code, CODE_CALL);
		CHECK_EQ(insns[11].src_reg, BPF_PSEUDO_KFUNC_CALL);
		CHECK_EQ(insns[11].imm, i_absent);
	} else {
		test_fail(__FILE__, __LINE__, "kfunc_user: not 13 insns");
	}
	{
		struct want_ref w[] = {{".rodata", var_off(&e, "use_absent")}};
		struct expect_prog x = {"kfunc_user", sec_tc,	      BPF_PROG_TYPE_SCHED_CLS,
					true,	      {"kfunc_user"}, {{NULL}},
					NULL,	      {NULL},	      {{NULL}}};
		check_value_refs(obj, "kfunc_user", w, 1);
		check_prog(obj, &e, &x);
	}
out:
	if (obj)
		exbpf_object__close(obj);
	elf_ref_close(&e);
}

TEST(object_kfunc_unknown)
{
	char path[512], log[4096] = "";
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_object *obj;
	struct exbpf_extern_info ex;
	struct exbpf_prog *p;
	const struct bpf_insn *insns;
	size_t idx, cnt;
	int err;

	obj_path(path, sizeof(path), "loader_kfunc_unknown");
	obj = exbpf_object__open_file(path, &opts);
	if (!obj) {
		/* Resolving at open: the message names the kfunc. */
		CHECK_CONTAINS(log, "bpf_exbpf_no_such_kfunc");
		return;
	}
	/* Resolving at load (the runtime's job): listed, strong. */
	CHECK_EQ(exbpf_object__extern_count(obj), 1);
	if (find_extern(obj, "bpf_exbpf_no_such_kfunc", &ex, &idx)) {
		CHECK(!ex.weak);
		CHECK(ex.is_func);
		CHECK(ex.btf_func_proto_id != 0);
	} else {
		test_fail(__FILE__, __LINE__, "extern bpf_exbpf_no_such_kfunc missing");
	}
	p = exbpf_object__find_program_by_name(obj, "unknown_kfunc_user");
	if (p) {
		err = exbpf_prog__insns(p, &insns, &cnt);
		if (err)
			CHECK_CONTAINS(exbpf_prog__link_error(p), "bpf_exbpf_no_such_kfunc");
		else if (cnt == 3)
			CHECK(insns[1].src_reg == BPF_PSEUDO_KFUNC_CALL && insns[1].imm == 0);
		else
			test_fail(__FILE__, __LINE__, "unknown_kfunc_user: %zu insns, want 3", cnt);
	}
	exbpf_object__close(obj);
}

/* ---------------------------------------------------------------------------------------
 * Exception callbacks. */

TEST(object_exception_cb_ok)
{
	/* exc_cb_ok (objdump): .text = my_cb (0-2, calls cb_helper pc-relative), cb_helper
	 * (3-6), main_helper (7-13, calls bpf_throw); tc = main_a (calls main_helper), main_b
	 * (calls bpf_throw), main_c (calls main_helper). Tags: exception_callback:my_cb on
	 * main_a [22] and main_b [29]. */
	static const struct expect_prog x[] = {
	    {"main_a",
	     sec_tc,
	     BPF_PROG_TYPE_SCHED_CLS,
	     true,
	     {"main_a", "main_helper"},
	     {{"main_a", "main_helper"}},
	     "my_cb",
	     {"my_cb", "cb_helper"},
	     {{"my_cb", "cb_helper"}}},
	    {"main_b",
	     sec_tc,
	     BPF_PROG_TYPE_SCHED_CLS,
	     true,
	     {"main_b"},
	     {{NULL}},
	     "my_cb",
	     {"my_cb", "cb_helper"},
	     {{"my_cb", "cb_helper"}}},
	    {"main_c",
	     sec_tc,
	     BPF_PROG_TYPE_SCHED_CLS,
	     true,
	     {"main_c", "main_helper"},
	     {{"main_c", "main_helper"}},
	     NULL,
	     {NULL},
	     {{NULL}}},
	};
	struct elf_ref e;
	char log[4096];
	struct exbpf_object *obj = NULL;
	struct exbpf_prog *pa, *pb;
	const struct bpf_insn *ia, *ib;
	size_t ca, cb, i_throw = ~(size_t)0;
	struct exbpf_func_info fa, fb;
	struct exbpf_extern_info ex;

	if (!elf_ref_open(&e, "exc_cb_ok"))
		goto out;
	obj = open_obj("exc_cb_ok", log, sizeof(log));
	if (!obj)
		goto out;
	for (size_t i = 0; i < 3; i++)
		check_prog(obj, &e, &x[i]);
	CHECK(find_extern(obj, "bpf_throw", &ex, &i_throw));

	/* Each program has its own copy: main_b's callback starts right after main_b (6 insns),
	 * main_a's after main_a (3) and main_helper (7); line info follows the copies. */
	pa = exbpf_object__find_program_by_name(obj, "main_a");
	pb = exbpf_object__find_program_by_name(obj, "main_b");
	if (pa && pb && get_insns(pa, &ia, &ca) && get_insns(pb, &ib, &cb) &&
	    func_by_name(pa, "my_cb", &fa) && func_by_name(pb, "my_cb", &fb)) {
		CHECK_EQ(fa.insn_off, 10);
		CHECK_EQ(fb.insn_off, 6);
		CHECK_EQ(ca, 10 + 3 + 4);
		CHECK_EQ(cb, 6 + 3 + 4);
		CHECK(ia != ib);
		check_line(pa, fa.insn_off, "exc_cb_ok.bpf.c", 20, "MARK_CB_BODY", __LINE__);
		check_line(pb, fb.insn_off + 2, "exc_cb_ok.bpf.c", 20, "MARK_CB_BODY", __LINE__);
		if (func_by_name(pb, "cb_helper", &fb))
			check_line(pb, fb.insn_off + 1, "exc_cb_ok.bpf.c", 15,
				   "return (int)(cookie & 0xff) + 100;", __LINE__);
		/* bpf_throw in main_b (insn 3) and in main_a's main_helper (insn 3 of it). */
		CHECK_EQ(ib[3].src_reg, BPF_PSEUDO_KFUNC_CALL);
		CHECK_EQ(ib[3].imm, i_throw);
		if (func_by_name(pa, "main_helper", &fa)) {
			CHECK_EQ(ia[fa.insn_off + 3].src_reg, BPF_PSEUDO_KFUNC_CALL);
			CHECK_EQ(ia[fa.insn_off + 3].imm, i_throw);
		}
	} else {
		test_fail(__FILE__, __LINE__, "main_a/main_b unusable");
	}
out:
	if (obj)
		exbpf_object__close(obj);
	elf_ref_close(&e);
}

/* An error of §4: open fails, or the program fails to link, with libbpf's message and errno. */
static void check_exc_error(const char *name, const char *msg, int want_errno, int line)
{
	char path[512], log[4096] = "";
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_object *obj;
	struct exbpf_prog *p;
	const struct bpf_insn *insns;
	size_t cnt;
	int err;

	obj_path(path, sizeof(path), name);
	errno = 0;
	obj = exbpf_object__open_file(path, &opts);
	if (!obj) {
		if (errno != want_errno)
			test_fail(__FILE__, line, "%s: open errno %d, want %d", name, errno,
				  want_errno);
		if (!strstr(log, msg))
			test_fail(__FILE__, line, "%s: log \"%s\" lacks \"%s\"", name, log, msg);
		return;
	}
	p = exbpf_object__find_program_by_name(obj, "main_prog");
	if (!p) {
		test_fail(__FILE__, line, "%s: main_prog not found", name);
	} else {
		const char *why;

		err = exbpf_prog__insns(p, &insns, &cnt);
		why = exbpf_prog__link_error(p);
		if (err != -want_errno)
			test_fail(__FILE__, line, "%s: insns returned %d, want %d", name, err,
				  -want_errno);
		if (!why || !strstr(why, msg))
			test_fail(__FILE__, line, "%s: link error \"%s\" lacks \"%s\"", name,
				  why ? why : "(null)", msg);
	}
	exbpf_object__close(obj);
}

TEST(object_exception_cb_errors)
{
	check_exc_error("exc_cb_not_main",
			"prog 'main_prog': exception_callback:<value> decl tag not applied to the "
			"main program",
			EINVAL, __LINE__);
	check_exc_error(
	    "exc_cb_empty",
	    "prog 'main_prog': exception_callback:<value> decl tag contains empty value", EINVAL,
	    __LINE__);
	check_exc_error("exc_cb_static_cb",
			"prog 'main_prog': exception callback my_cb must be a global non-hidden "
			"function",
			EINVAL, __LINE__);
	check_exc_error("exc_cb_hidden",
			"prog 'main_prog': exception callback my_cb must be a global non-hidden "
			"function",
			EINVAL, __LINE__);
	check_exc_error("exc_cb_missing",
			"prog 'main_prog': cannot find exception callback "
			"'no_such_cb'",
			ENOENT, __LINE__);
}

TEST(object_exception_cb_dup_tags)
{
	/* libbpf appends nothing and leaves it to the verifier; a loader may also reject it
	 * with the verifier's message. Either way no callback is linked in. */
	const char *msg = "multiple exception callback tags for main subprog";
	char path[512], log[4096] = "";
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_object *obj;
	struct exbpf_prog *p;
	const struct bpf_insn *insns;
	size_t cnt;
	struct exbpf_func_info fi;
	int err;

	obj_path(path, sizeof(path), "exc_cb_dup_tags");
	errno = 0;
	obj = exbpf_object__open_file(path, &opts);
	if (!obj) {
		CHECK_EQ(errno, EINVAL);
		CHECK_CONTAINS(log, msg);
		return;
	}
	p = exbpf_object__find_program_by_name(obj, "main_prog");
	if (p) {
		err = exbpf_prog__insns(p, &insns, &cnt);
		if (err) {
			CHECK_EQ(err, -EINVAL);
			CHECK_CONTAINS(exbpf_prog__link_error(p), msg);
		} else {
			CHECK(exbpf_prog__exception_cb(p) == NULL);
			CHECK_EQ(exbpf_prog__func_count(p), 1);
			CHECK(!func_by_name(p, "my_cb", &fi));
			CHECK(!func_by_name(p, "other_cb", &fi));
			CHECK_EQ(cnt, 2);
		}
	} else {
		test_fail(__FILE__, __LINE__, "main_prog not found");
	}
	exbpf_object__close(obj);
}

/* ---------------------------------------------------------------------------------------
 * Robustness. */

static void touch(const char *s)
{
	if (s)
		(void)strlen(s);
}

/* Touches everything an opened object offers. */
static void exercise(struct exbpf_object *obj)
{
	struct exbpf_prog *p;
	struct exbpf_map_spec *m;
	size_t n = exbpf_object__extern_count(obj);

	(void)exbpf_object__name(obj);
	for (size_t i = 0; i < n; i++) {
		struct exbpf_extern_info ex;
		if (exbpf_object__extern(obj, i, &ex) == 0)
			touch(ex.name);
	}
	exbpf_object__for_each_map(m, obj)
	{
		const struct exbpf_map_def *d = exbpf_map_spec__def(m);
		volatile uint8_t sink = 0;
		if (d && d->initial_value)
			for (size_t i = 0; i < d->initial_size; i++)
				sink ^= ((const uint8_t *)d->initial_value)[i];
		(void)sink;
	}
	exbpf_object__for_each_program(p, obj)
	{
		const struct bpf_insn *insns;
		size_t cnt, nf;
		volatile uint8_t sink = 0;

		CHECK(exbpf_prog__name(p) != NULL);
		touch(exbpf_prog__name(p));
		touch(exbpf_prog__section_name(p));
		for (size_t i = 0; i < exbpf_prog__annotation_count(p); i++)
			touch(exbpf_prog__annotation(p, i));
		if (exbpf_prog__insns(p, &insns, &cnt)) {
			CHECK(exbpf_prog__link_error(p) != NULL);
			continue;
		}
		for (size_t i = 0; i < cnt; i++) {
			struct exbpf_line_info li;
			sink ^= insns[i].code;
			if (exbpf_prog__line(p, i, &li) == 0) {
				touch(li.file);
				touch(li.text);
			}
		}
		nf = exbpf_prog__func_count(p);
		for (size_t i = 0; i < nf; i++) {
			struct exbpf_func_info fi;
			if (exbpf_prog__func(p, i, &fi) == 0) {
				CHECK(fi.insn_off + fi.insn_cnt <= cnt);
				touch(fi.name);
			}
		}
		touch(exbpf_prog__exception_cb(p));
		(void)sink;
	}
}

TEST(object_open_mem_name)
{
	uint8_t *buf;
	size_t size;
	char path[512], log[4096] = "";
	struct exbpf_object *obj;

	obj_path(path, sizeof(path), "loader_multi");
	if (!read_whole(path, &buf, &size)) {
		test_fail(__FILE__, __LINE__, "cannot read %s", path);
		return;
	}
	{
		EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
		obj = exbpf_object__open_mem(buf, size, &opts);
		CHECK(obj != NULL);
		if (obj) {
			CHECK_STR(exbpf_object__name(obj), "mem");
			exbpf_object__close(obj);
		}
	}
	{
		EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log),
			   .object_name = "custom");
		obj = exbpf_object__open_mem(buf, size, &opts);
		CHECK(obj != NULL);
		if (obj) {
			CHECK_STR(exbpf_object__name(obj), "custom");
			exbpf_object__close(obj);
		}
	}
	obj = exbpf_object__open_mem(buf, size, NULL);
	CHECK(obj != NULL);
	if (obj)
		exbpf_object__close(obj);
	free(buf);

	errno = 0;
	obj = exbpf_object__open_file("/nonexistent/exbpf/x.bpf.o", NULL);
	CHECK(obj == NULL);
	CHECK(errno != 0);
}

TEST(object_truncated)
{
	static const char *const names[] = {"loader_multi", "exc_cb_ok"};

	for (size_t k = 0; k < 2; k++) {
		uint8_t *buf;
		size_t size;
		char path[512];
		int failures = 0;

		obj_path(path, sizeof(path), names[k]);
		if (!read_whole(path, &buf, &size)) {
			test_fail(__FILE__, __LINE__, "cannot read %s", path);
			continue;
		}
		/* The section header table is the last thing in these files (readelf -h), so every
		 * proper prefix cuts it: no prefix is a valid object. */
		if (size >= 0x40) {
			uint64_t shoff;
			uint16_t shentsize, shnum;

			memcpy(&shoff, buf + 0x28, 8);
			memcpy(&shentsize, buf + 0x3a, 2);
			memcpy(&shnum, buf + 0x3c, 2);
			CHECK_EQ(shoff + (uint64_t)shentsize * shnum, size);
		}
		for (size_t len = 0; len < size && failures < 5; len += 7) {
			char log[1024] = "";
			EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
			/* An exact-size copy, so that a read past the end is caught by ASan. */
			uint8_t *copy = malloc(len ? len : 1);
			struct exbpf_object *obj;

			memcpy(copy, buf, len);
			errno = 0;
			obj = exbpf_object__open_mem(copy, len, &opts);
			if (obj) {
				test_fail(__FILE__, __LINE__, "%s truncated to %zu opened",
					  names[k], len);
				exercise(obj);
				exbpf_object__close(obj);
				failures++;
			} else if (!log[0] || errno == 0) {
				test_fail(__FILE__, __LINE__,
					  "%s truncated to %zu: errno %d, log \"%s\"", names[k],
					  len, errno, log);
				failures++;
			}
			free(copy);
		}
		free(buf);
	}
}

TEST(object_corrupt_section_headers)
{
	static const char *const names[] = {"loader_multi", "exc_cb_ok"};
	static const uint8_t masks[] = {0xff, 0x01, 0x80};

	for (size_t k = 0; k < 2; k++) {
		uint8_t *buf, *copy;
		size_t size;
		char path[512];
		uint64_t shoff;
		uint16_t shentsize, shnum;
		int failures = 0;

		obj_path(path, sizeof(path), names[k]);
		if (!read_whole(path, &buf, &size)) {
			test_fail(__FILE__, __LINE__, "cannot read %s", path);
			continue;
		}
		/* Elf64_Ehdr: e_shoff at 0x28, e_shentsize at 0x3a, e_shnum at 0x3c. */
		memcpy(&shoff, buf + 0x28, 8);
		memcpy(&shentsize, buf + 0x3a, 2);
		memcpy(&shnum, buf + 0x3c, 2);
		CHECK(shoff + (uint64_t)shentsize * shnum <= size);
		copy = malloc(size);
		for (size_t b = 0;
		     b < (size_t)shentsize * shnum && shoff + b < size && failures < 5; b++) {
			for (size_t mk = 0; mk < sizeof(masks); mk++) {
				char log[1024] = "";
				EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log,
					   .log_size = sizeof(log));
				struct exbpf_object *obj;

				memcpy(copy, buf, size);
				copy[shoff + b] ^= masks[mk];
				obj = exbpf_object__open_mem(copy, size, &opts);
				if (obj) {
					exercise(obj);
					exbpf_object__close(obj);
				} else if (!log[0]) {
					test_fail(
					    __FILE__, __LINE__,
					    "%s: shdr byte %zu ^ 0x%02x: failed without a log "
					    "message",
					    names[k], b, masks[mk]);
					failures++;
				}
			}
		}
		free(copy);
		free(buf);
	}
}
