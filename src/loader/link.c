/* Linking one main program the way libbpf does (bpf_object__reloc_code): the main function,
 * then each function it reaches appended in depth-first order of first reference, then the
 * exception callback and its callees; calls and callback references re-pointed, map, data and
 * kfunc references rewritten. The order matters: instruction and subprogram numbers in
 * verifier messages must match Linux's for the same object. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/limits.h"
#include "loader/loader.h"

struct frame {
	uint32_t func;
	size_t next; /* next instruction of the function to scan */
};

struct linker {
	struct exbpf_object *obj;
	struct exbpf_prog *prog;
	struct bpf_insn *insns;
	size_t cnt, cap;
	uint32_t *order; /* functions in linked order */
	size_t norder, order_cap;
	struct frame *stack;
	size_t depth, stack_cap;
	char msg[512];
};

static int link_fail(struct linker *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int link_fail(struct linker *l, int err, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->msg, sizeof(l->msg), "prog '%s': ", l->obj->funcs[l->prog->func].name);

	va_start(ap, fmt);
	vsnprintf(l->msg + n, sizeof(l->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

/* Index of the first relocation at or after instruction `insn`. */
static size_t relo_lower(const struct ld_code *c, size_t insn)
{
	size_t lo = 0, hi = c->nrelos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct ld_relo *find_relo(const struct ld_code *c, size_t insn)
{
	size_t i = relo_lower(c, insn);

	return i < c->nrelos && c->relos[i].insn == insn ? &c->relos[i] : NULL;
}

static int append(struct linker *l, uint32_t fi)
{
	struct ld_func *f = &l->obj->funcs[fi];
	const struct ld_code *c = &l->obj->codes[f->code];

	if (l->cnt + f->cnt > BPF_MAX_INSNS)
		return link_fail(l, -E2BIG, "linked program exceeds %d instructions", BPF_MAX_INSNS);
	if (ARRAY_RESERVE(l->insns, l->cap, l->cnt + f->cnt) ||
	    ARRAY_RESERVE(l->order, l->order_cap, l->norder + 1) ||
	    ARRAY_RESERVE(l->stack, l->stack_cap, l->depth + 1))
		return -ENOMEM;
	memcpy(l->insns + l->cnt, c->insns + f->off, f->cnt * sizeof(*l->insns));
	f->linked_off = (int64_t)l->cnt;
	l->cnt += f->cnt;
	l->order[l->norder++] = fi;
	l->stack[l->depth++] = (struct frame){fi, 0};
	return 0;
}

/* Section-relative index of the function a call or callback reference points to. */
static int ref_target(struct linker *l, const struct ld_func *f, size_t j, int64_t *out)
{
	const struct ld_code *c = &l->obj->codes[f->code];
	const struct bpf_insn *in = &c->insns[f->off + j];
	const struct ld_relo *r = find_relo(c, f->off + j);
	bool is_call = in->code == (BPF_JMP | BPF_CALL);
	int64_t idx;

	if (r && r->kind == RELO_CALL && is_call)
		idx = (int64_t)(r->sym_off / LD_INSN_SZ) + in->imm + 1;
	else if (r && r->kind == RELO_SUBPROG_ADDR && !is_call)
		idx = ((int64_t)r->sym_off + in->imm) / LD_INSN_SZ;
	else if (r)
		return link_fail(l, -EINVAL, "unexpected relo for insn #%zu", f->off + j);
	else if (!is_call)
		return link_fail(l, -EINVAL, "missing subprog addr relo for insn #%zu", f->off + j);
	else if (c->sec != l->obj->text_sec)
		return link_fail(l, -EINVAL, "insn #%zu: call into section '%s', which is not .text",
				 f->off + j, l->obj->elf.secs[c->sec].name);
	else
		idx = (int64_t)(f->off + j) + in->imm + 1;
	*out = idx;
	return 0;
}

/* clang encodes calls of __ksym functions like local calls; their relocation tells. */
static bool is_kfunc_call(struct linker *l, const struct ld_func *f, size_t j)
{
	const struct ld_relo *r = find_relo(&l->obj->codes[f->code], f->off + j);

	return r && r->kind == RELO_EXTERN_CALL;
}

static bool is_func_ref(const struct bpf_insn *in)
{
	return (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) ||
	       (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC);
}

/* Scans the function on top of the stack from where it stopped; returns 1 when it pushed a
 * callee that must be linked first, 0 when the function is done. */
static int scan_top(struct linker *l, int text_code)
{
	struct frame *fr = &l->stack[l->depth - 1];
	const struct ld_func *f = &l->obj->funcs[fr->func];

	for (size_t j = fr->next; j < f->cnt; j++) {
		struct bpf_insn *in = &l->insns[f->linked_off + (int64_t)j];
		int64_t idx = -1, t;
		int err;

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && j + 1 >= f->cnt)
			return link_fail(l, -EINVAL, "ld_imm64 at insn #%zu of '%s' is missing its "
						     "second slot",
					 f->off + j, f->name);
		if (!is_func_ref(in) || is_kfunc_call(l, f, j)) {
			j += in->code == (BPF_LD | BPF_IMM | BPF_DW);
			continue;
		}
		err = ref_target(l, f, j, &idx);
		if (err)
			return err;
		t = text_code < 0 || idx < 0 ? -1 : ld_func_at(l->obj, (uint32_t)text_code, (size_t)idx);
		if (t < 0)
			return link_fail(l, -EINVAL, "insn #%zu of '%s' refers to insn %lld of .text, "
						     "which does not start a function",
					 f->off + j, f->name, (long long)idx);
		if (l->obj->funcs[t].linked_off < 0) {
			fr->next = j;
			err = append(l, (uint32_t)t);
			return err ? err : 1;
		}
		in->imm = (int32_t)(l->obj->funcs[t].linked_off - (f->linked_off + (int64_t)j) - 1);
		j += in->code == (BPF_LD | BPF_IMM | BPF_DW);
	}
	return 0;
}

static int link_from(struct linker *l, uint32_t fi)
{
	int text_code = -1, err;

	for (size_t i = 0; i < l->obj->ncodes; i++)
		if (l->obj->codes[i].sec == l->obj->text_sec && l->obj->text_sec)
			text_code = (int)i;
	err = append(l, fi);
	while (!err && l->depth) {
		err = scan_top(l, text_code);
		if (err == 0)
			l->depth--;
		else if (err == 1)
			err = 0;
	}
	return err;
}

/* Map, global-data and kfunc references of one linked function. */
static void apply_data_relos(struct linker *l, const struct ld_func *f)
{
	const struct ld_code *c = &l->obj->codes[f->code];

	for (size_t i = relo_lower(c, f->off); i < c->nrelos; i++) {
		const struct ld_relo *r = &c->relos[i];
		struct bpf_insn *in;

		if (r->insn >= f->off + f->cnt)
			break;
		in = &l->insns[f->linked_off + (int64_t)(r->insn - f->off)];
		switch (r->kind) {
		case RELO_MAP:
			in[0].src_reg = BPF_PSEUDO_MAP_IDX;
			in[0].imm = (int32_t)r->target;
			break;
		case RELO_DATA:
			in[1].imm = (int32_t)((uint64_t)(uint32_t)in[0].imm + r->sym_off);
			in[0].src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
			in[0].imm = (int32_t)r->target;
			break;
		case RELO_EXTERN_CALL:
			in->src_reg = BPF_PSEUDO_KFUNC_CALL;
			in->off = 0;
			in->imm = (int32_t)r->target;
			break;
		default:
			break;
		}
	}
}

static int build_func_info(struct linker *l)
{
	struct exbpf_prog *p = l->prog;
	const struct exbpf_btf *btf = l->obj->btf;

	p->funcs = calloc(l->norder, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	p->nfuncs = l->norder;
	for (size_t i = 0; i < l->norder; i++) {
		const struct ld_func *f = &l->obj->funcs[l->order[i]];
		const struct btf_type *t = f->btf_id ? exbpf_btf__type_by_id(btf, f->btf_id) : NULL;
		bool global = t ? exbpf_btf_vlen(t) == BTF_FUNC_GLOBAL : f->global;

		p->funcs[i] = (struct exbpf_func_info){
			.name = f->name,
			.insn_off = (size_t)f->linked_off,
			.insn_cnt = f->cnt,
			.btf_id = f->btf_id,
			.global = global && !f->hidden,
			.exception_cb = (int64_t)f->linked_off == p->exc_cb_insn,
		};
	}
	return 0;
}

static int add_lines_of(struct linker *l, const struct ld_func *f, size_t *cap)
{
	const struct exbpf_object *obj = l->obj;
	const char *sec = obj->elf.secs[obj->codes[f->code].sec].name;
	const uint8_t *recs;
	size_t n, rsz;

	btf_ext_lines(obj->btf_ext, sec, &recs, &n, &rsz);
	for (size_t i = 0; i < n; i++) {
		struct bpf_line_info li;
		struct exbpf_prog *p = l->prog;
		size_t insn;

		memcpy(&li, recs + i * rsz, sizeof(li));
		insn = li.insn_off / LD_INSN_SZ;
		if (insn < f->off || insn >= f->off + f->cnt)
			continue;
		if (ARRAY_RESERVE(p->lines, *cap, p->nlines + 1))
			return -ENOMEM;
		p->lines[p->nlines++] = (struct ld_line){
			.insn = (uint32_t)(f->linked_off + (int64_t)(insn - f->off)),
			.line = BPF_LINE_INFO_LINE_NUM(li.line_col),
			.col = BPF_LINE_INFO_LINE_COL(li.line_col),
			.file = exbpf_btf__name_by_offset(obj->btf, li.file_name_off),
			.text = exbpf_btf__name_by_offset(obj->btf, li.line_off),
		};
	}
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct ld_line *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int build_lines(struct linker *l)
{
	size_t cap = 0;

	for (size_t i = 0; i < l->norder; i++) {
		int err = add_lines_of(l, &l->obj->funcs[l->order[i]], &cap);

		if (err)
			return err;
	}
	if (l->prog->nlines)
		qsort(l->prog->lines, l->prog->nlines, sizeof(*l->prog->lines), cmp_line);
	return 0;
}

/* CO-RE relocations the loader could not resolve, at their linked positions. */
static int build_poisons(struct linker *l)
{
	struct exbpf_prog *p = l->prog;
	size_t cap = 0;

	for (size_t i = 0; i < l->norder; i++) {
		const struct ld_func *f = &l->obj->funcs[l->order[i]];

		for (size_t k = 0; k < l->obj->npoisons; k++) {
			const struct ld_poison *po = &l->obj->poisons[k];

			if (po->code != f->code || po->insn < f->off || po->insn >= f->off + f->cnt)
				continue;
			if (ARRAY_RESERVE(p->poisons, cap, p->npoisons + 1))
				return -ENOMEM;
			p->poisons[p->npoisons++] = (struct ld_line){
				.insn = (uint32_t)(f->linked_off + (int64_t)(po->insn - f->off)),
				.text = po->msg,
			};
		}
	}
	if (p->npoisons)
		qsort(p->poisons, p->npoisons, sizeof(*p->poisons), cmp_line);
	return 0;
}

static int link_all(struct linker *l)
{
	struct exbpf_prog *p = l->prog;
	char *cb_msg = NULL;
	int64_t cb;
	int err = link_from(l, p->func);

	if (err)
		return err;
	err = ld_find_exception_cb(l->obj, p, &cb, &cb_msg);
	if (err) {
		snprintf(l->msg, sizeof(l->msg), "%s", cb_msg ? cb_msg : "out of memory");
		free(cb_msg);
		return err;
	}
	if (cb >= 0) {
		p->exc_cb = l->obj->funcs[cb].name;
		if (l->obj->funcs[cb].linked_off < 0) {
			err = link_from(l, (uint32_t)cb);
			if (err)
				return err;
		}
		p->exc_cb_insn = l->obj->funcs[cb].linked_off;
	}
	for (size_t i = 0; i < l->norder; i++)
		apply_data_relos(l, &l->obj->funcs[l->order[i]]);
	err = build_func_info(l);
	if (!err)
		err = build_lines(l);
	if (!err)
		err = build_poisons(l);
	return err;
}

int ld_link_prog(struct exbpf_object *obj, struct exbpf_prog *prog)
{
	struct linker l = {.obj = obj, .prog = prog};
	int err;

	for (size_t i = 0; i < obj->nfuncs; i++)
		obj->funcs[i].linked_off = -1;
	err = link_all(&l);
	free(l.order);
	free(l.stack);
	if (err) {
		free(l.insns);
		prog->link_err = err;
		prog->link_msg = strdup(l.msg[0] ? l.msg : "out of memory");
		prog->exc_cb_insn = -1;
		return err;
	}
	prog->insns = l.insns;
	prog->cnt = l.cnt;
	return 0;
}
