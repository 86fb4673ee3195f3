/* The verifier log in Linux's notation: instructions as the disassembler writes them, source
 * lines from BTF, register state as `R1=ctx() R2=scalar(smin=...) R10=fp0`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "verifier/vpriv.h"

int vlog_reg(char *buf, size_t size, const struct reg *r, const struct verifier_map *maps,
	     size_t nmaps, const struct exbpf_btf *btf, uint32_t frameno)
{
	char t[96], ranges[256];
	int n;

	if (r->type == SCALAR_VALUE) {
		/* A constant is its value, whatever it shares an id with (as in Linux). */
		if (scalar_is_const(&r->var))
			return scalar_snprint(buf, size, &r->var);
		scalar_snprint_ranges(ranges, sizeof(ranges), &r->var);
		/* A linked copy plus a constant: "id=2+1" (the constant it differs by). */
		if (r->id && r->off)
			return snprintf(buf, size, "scalar(id=%u%+d%s%s)", r->id, r->off,
					ranges[0] ? "," : "", ranges);
		if (r->id)
			return snprintf(buf, size, "scalar(id=%u%s%s)", r->id, ranges[0] ? "," : "",
					ranges);
		return snprintf(buf, size, "scalar(%s)", ranges);
	}
	/* A pointer into another frame's stack names it: fp[0]-8. */
	if (r->type == PTR_TO_STACK && scalar_is_const(&r->var) && r->frameno != frameno)
		return snprintf(buf, size, "fp[%u]%lld", r->frameno,
				(long long)r->off + (long long)r->var.var_off.value);
	if (r->type == PTR_TO_STACK && scalar_is_const(&r->var))
		return snprintf(buf, size, "fp%lld", (long long)r->off + (long long)r->var.var_off.value);
	/* A non-owning reference to a refcounted object is RCU-protected in Linux (MEM_RCU). */
	if (r->type == PTR_TO_OBJ && (r->flags & REG_NON_OWN) && graph_obj_refcounted(btf, r->btf_id)) {
		strcpy(t, "rcu_");
		reg_type_str(r, t + 4, sizeof(t) - 4);
	} else {
		reg_type_str(r, t, sizeof(t));
	}
	if (r->type == PTR_TO_OBJ && btf && r->btf_id) {
		size_t l = strlen(t);
		const char *tn = exbpf_btf__type_name(btf, r->btf_id);

		snprintf(t + l, sizeof(t) - l, "%s", tn ? tn : "");
	}
	if (r->type == PTR_TO_STACK && r->frameno != frameno)
		n = snprintf(buf, size, "%s[%u](", t, r->frameno);
	else
		n = snprintf(buf, size, "%s(", t);
	if (r->id && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "id=%u,", r->id);
	if (r->ref_obj_id && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "ref_obj_id=%u,", r->ref_obj_id);
	if ((r->flags & REG_NON_OWN) && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "non_own_ref,");
	if ((r->type == PTR_TO_MAP_VALUE || r->type == CONST_PTR_TO_MAP || r->type == PTR_TO_MAP_KEY) &&
	    (size_t)n < size && maps && r->aux < nmaps)
		n += snprintf(buf + n, size - (size_t)n, "map=%s,ks=%u,vs=%u,",
			      maps[r->aux].name ? maps[r->aux].name : "", maps[r->aux].key_size,
			      maps[r->aux].value_size);
	if (r->off && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "off=%d,", r->off);
	if ((r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META) && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "r=%u,", r->range);
	if ((r->type == PTR_TO_MEM || (r->type == PTR_TO_OBJ && !r->btf_id)) && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "sz=%u,", r->aux);
	if (!scalar_is_const(&r->var) && (size_t)n < size) {
		scalar_snprint_ranges(ranges, sizeof(ranges), &r->var);
		n += snprintf(buf + n, size - (size_t)n, "%s,", ranges);
	}
	if ((size_t)n < size && buf[n - 1] == ',')
		n--;
	if ((size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ")");
	return n;
}

/* One slot as Linux prints it: a spilled register as its value, otherwise a byte type per
 * byte from the highest address ('?' invalid, 'm' data, '0' zero). False when never written. */
static bool slot_text(struct venv *e, const struct vslot *s, uint32_t frameno, char *b,
		      size_t size)
{
	char types[V_REG_SIZE + 1];
	bool any = false;

	/* A dynptr prints once, at its lower slot. */
	if (s->type[0] == STACK_DYNPTR) {
		int n;

		if (!(s->spill.flags & REG_DYNPTR_FIRST))
			return false;
		n = snprintf(b, size, "dynptr_%s(id=%u", dynptr_kind_name(s->spill.aux),
			     s->spill.id);
		if (s->spill.ref_obj_id && n > 0 && (size_t)n < size)
			n += snprintf(b + n, size - (size_t)n, ",ref_id=%u", s->spill.ref_obj_id);
		if (n > 0 && (size_t)n < size)
			snprintf(b + n, size - (size_t)n, ")");
		return true;
	}
	if (s->type[0] == STACK_ITER && s->spill.aux) {
		uint64_t t = s->spill.var.var_off.value;
		const struct viter_type *it = t < e->niter_types ? &e->iter_types[t] : NULL;

		snprintf(b, size, "iter_%.*s(ref_id=%u,state=%s,depth=%u)", it ? it->len : 1,
			 it ? it->name : "?", s->spill.ref_obj_id,
			 s->spill.aux == ITER_ACTIVE ? "active" : "drained", s->spill.range);
		return true;
	}
	if (s->type[0] == STACK_SPILL) {
		/* A spill narrower than the slot: the bytes above it first ("????0"). */
		int k = V_REG_SIZE - 1, n = 0;

		for (; k > 0 && s->type[k] != STACK_SPILL; k--)
			n += snprintf(b + n, size - (size_t)n, "%c", "?rm0"[s->type[k] & 3]);
		vlog_reg(b + n, size - (size_t)n, &s->spill, e->in->maps, e->in->nmaps, e->in->btf, frameno);
		return true;
	}
	for (int k = 0; k < V_REG_SIZE; k++) {
		static const char c[] = {'?', 'r', 'm', '0'};

		types[V_REG_SIZE - 1 - k] = c[s->type[k] & 3];
		any |= s->type[k] != STACK_INVALID;
	}
	types[V_REG_SIZE] = 0;
	snprintf(b, size, "%s", types);
	return any;
}

/* Slot i of frame f holds the flags of a bpf_local_irq_save (a reference of st, not a slot
 * type in exbpf; Linux prints its bytes as 'f'). */
static bool irq_slot(const struct vstate *st, const struct vframe *f, uint32_t i)
{
	int32_t lo = -(int32_t)(i + 1) * V_REG_SIZE;

	for (uint32_t k = 0; st && k < st->nrefs; k++)
		if (st->refs[k].kind == REF_IRQ && st->refs[k].lock_map == f->frameno &&
		    st->refs[k].lock_off >= lo && st->refs[k].lock_off < lo + V_REG_SIZE)
			return true;
	return false;
}

/* A frame's registers and stack slots, " frameN:" first outside the main frame: all of
 * them, or the ones in the masks (regs: bit per register, slots: bit per slot). */
static void frame_text(struct venv *e, const struct vstate *st, const struct vframe *f, bool all,
		       uint32_t regs, uint64_t slots)
{
	char b[384];

	if (f->frameno)
		log_printf(e->in->log, " frame%u:", f->frameno);
	for (int r = 0; r < V_NREGS; r++) {
		if (f->regs[r].type == NOT_INIT || (!all && !(regs & (1u << r))))
			continue;
		vlog_reg(b, sizeof(b), &f->regs[r], e->in->maps, e->in->nmaps, e->in->btf, f->frameno);
		log_printf(e->in->log, " R%d=%s", r, b);
	}
	uint32_t nslots = f->nslots;

	for (uint32_t k = 0; st && k < st->nrefs; k++)
		if (st->refs[k].kind == REF_IRQ && st->refs[k].lock_map == f->frameno &&
		    st->refs[k].lock_off < 0 &&
		    (uint32_t)((-st->refs[k].lock_off - 1) / V_REG_SIZE) >= nslots)
			nslots = (uint32_t)((-st->refs[k].lock_off - 1) / V_REG_SIZE) + 1;
	for (uint32_t i = 0; i < nslots; i++) {
		if (!all && (i >= 64 || !(slots & (1ull << i))))
			continue;
		if (i < f->nslots && slot_text(e, &f->slots[i], f->frameno, b, sizeof(b)))
			log_printf(e->in->log, " fp%d=%s", -(int)(i + 1) * V_REG_SIZE, b);
		else if (irq_slot(st, f, i))
			log_printf(e->in->log, " fp%d=ffffffff", -(int)(i + 1) * V_REG_SIZE);
	}
}

/* What Linux appends to a frame's registers: the references held (" refs=2,5", locks and
 * irq flags included, but a lock taken through a pointer without an id, which has none;
 * Linux prints none at all while the first one it holds is such a lock) and the callback
 * marks. */
static void frame_tail(struct venv *e, const struct vstate *st, const struct vframe *f)
{
	bool any = false;

	for (uint32_t i = 0; st->nrefs && st->refs[0].id && i < st->nrefs; i++)
		if (st->refs[i].id) {
			log_printf(e->in->log, "%s%u", any ? "," : " refs=", st->refs[i].id);
			any = true;
		}
	if (f->in_callback && !f->in_async_callback)
		log_printf(e->in->log, " cb");
	if (f->in_async_callback)
		log_printf(e->in->log, " async_cb");
}

static void state_text(struct venv *e, const struct vstate *st, bool all, uint32_t regs,
		       uint64_t slots)
{
	frame_text(e, st, st->frames[st->curframe], all, regs, slots);
	frame_tail(e, st, st->frames[st->curframe]);
}

void vlog_state(struct venv *e, const struct vstate *st, bool all)
{
	state_text(e, st, all, ~0u, ~0ull);
	log_printf(e->in->log, "\n");
}

static const char *kfunc_name(void *ctx, int32_t idx)
{
	const struct venv *e = ctx;
	const struct verifier_func *f = e->in->kfunc ? e->in->kfunc(e->in->ctx, idx) : NULL;

	return f ? f->name : NULL;
}

/* The source line when it changes (`; text @ file.c:N`, leading blanks dropped, the file's
 * base name), then the instruction in Linux's notation (without a newline when the walk will
 * append the state). */
static void insn_text(struct venv *e, uint32_t idx, bool newline)
{
	const char *file = NULL, *text = NULL;
	uint32_t line = 0;
	char dis[160];

	if (e->in->line && e->in->line(e->in->ctx, idx, &file, &line, &text) && text &&
	    (line != e->last_line || text != e->last_text)) {
		const char *base = file ? strrchr(file, '/') : NULL;

		log_printf(e->in->log, "; %s @ %s:%u\n", text + strspn(text, " \t"),
			   base ? base + 1 : file ? file : "", line);
		e->last_line = line;
		e->last_text = text;
	}
	struct exbpf_disasm_opts o = {.sz = sizeof(o), .kfunc_name = kfunc_name, .ctx = e,
				      .notation = EXBPF_DISASM_LINUX};

	isa_disasm(e->insns, e->cnt, idx, dis, sizeof(dis), &o);
	log_printf(e->in->log, "%u: (%02x) %s%s", idx, e->insns[idx].code, dis,
		   newline ? "\n" : "");
	e->col = (uint32_t)snprintf(NULL, 0, "%u: (%02x) %s", idx, e->insns[idx].code, dis);
}

void vlog_insn(struct venv *e, uint32_t idx) { insn_text(e, idx, true); }

/* Level 2 opens with the registers live before each instruction (r0-r9, a digit when live)
 * and, for instructions on a loop, the loop's number, as Linux prints them. */
int vlog_live_regs(struct venv *e)
{
	uint32_t *scc = calloc(e->cnt ? e->cnt : 1, sizeof(*scc));
	struct exbpf_disasm_opts o = {.sz = sizeof(o), .kfunc_name = kfunc_name, .ctx = e,
				      .notation = EXBPF_DISASM_LINUX};

	if (!scc || cfg_scc(e->insns, e->cnt, scc)) {
		free(scc);
		return -ENOMEM;
	}
	log_printf(e->in->log, "Live regs before insn:\n");
	for (size_t i = 0; i < e->cnt; i++) {
		char regs[BPF_REG_10 + 1], dis[160];

		if (e->cfg.flags[i] & CFG_LDDW_HI)
			continue;
		for (int r = BPF_REG_0; r < BPF_REG_10; r++)
			regs[r] = e->live[i] & (1u << r) ? (char)('0' + r) : '.';
		regs[BPF_REG_10] = 0;
		isa_disasm(e->insns, e->cnt, i, dis, sizeof(dis), &o);
		if (scc[i])
			log_printf(e->in->log, "%3u ", scc[i]);
		else
			log_printf(e->in->log, "    ");
		log_printf(e->in->log, "%3zu: %s (%02x) %s\n", i, regs, e->insns[i].code, dis);
	}
	free(scc);
	return 0;
}

/* What Linux calls the registers and stack slots an instruction scratched: every register it
 * reads or writes (r0-r5 for a call, r0 and r6 for a legacy packet load, r0 for cmpxchg),
 * and the stack slot a load or store at a known stack address touches. */
static void scratched(struct venv *e, uint32_t idx, uint32_t *regs, uint64_t *slots)
{
	const struct vframe *f = vcur(e->cur);
	const char *why;
	struct isa_insn in;

	*regs = 0;
	*slots = 0;
	if (isa_decode(e->insns, e->cnt, idx, &in, &why) < 0)
		return;
	uint32_t fl = isa_desc_of(&in)->flags;

	if (fl & (ISA_F_DST_R | ISA_F_DST_W))
		*regs |= 1u << in.dst;
	if (fl & ISA_F_SRC)
		*regs |= 1u << in.src;
	if (fl & ISA_F_CALL) {
		struct verifier_func fn;
		const struct reg *r1 = &f->regs[BPF_REG_1];

		*regs |= 0x3f;
		/* The irq flags' slot and an iterator's (its first), as Linux marks them. */
		if (call_func(e, &e->insns[idx], &fn) && fn.name &&
		    (!strncmp(fn.name, "bpf_local_irq_", 14) || fn.proto.args[0] == EXBPF_ARG_PTR_TO_ITER) &&
		    r1->type == PTR_TO_STACK &&
		    scalar_is_const(&r1->var) && r1->frameno == f->frameno) {
			int64_t off = (int64_t)r1->off + (int64_t)r1->var.var_off.value;

			if (off < 0 && off >= -64 * V_REG_SIZE)
				*slots |= 1ull << ((-off - 1) / V_REG_SIZE);
		}
	}
	if (fl & ISA_F_LEGACY)
		*regs |= 1u << 0 | 1u << 6;
	if ((fl & ISA_F_FETCH) && in.imm == ISA_CMPXCHG)
		*regs |= 1u << 0;
	if (fl & (ISA_F_LOAD | ISA_F_STORE)) {
		const struct reg *b = &f->regs[(fl & ISA_F_STORE) ? in.dst : in.src];

		if (b->type == PTR_TO_STACK && scalar_is_const(&b->var) &&
		    b->frameno == f->frameno) {
			int64_t off = (int64_t)b->off + (int64_t)b->var.var_off.value + in.off;

			if (off < 0 && off >= -64 * V_REG_SIZE)
				*slots |= 1ull << ((-off - 1) / V_REG_SIZE);
		}
	}
}

void vlog_step_begin(struct venv *e, uint32_t idx)
{
	insn_text(e, idx, false);
	e->mid_line = true;
	e->line_broken = false;
	e->before_frame = e->cur->curframe;
	scratched(e, idx, &e->scratch_regs, &e->scratch_slots);
}

/* Linux's alignment of the state after an instruction text of len characters: at least
 * three blanks, the ';' at column 38 for short lines, later ones on the next multiple of 8. */
static int state_pad(uint32_t len)
{
	uint32_t pos = len + 1, at = pos + 4 > 40 ? pos + 4 : 40;

	return (int)(((at + 7) / 8) * 8 - pos - 1);
}

/* Linux's level-1 layout: "N: (op) insn   ; R0=... R1=..." with what the instruction
 * scratched. A call into a subprogram prints both frames instead, and the callee's first
 * state; a return has printed its own lines (vlog_return()). */
void vlog_step_end(struct venv *e, bool path_end)
{
	if (e->line_broken) {
		e->line_broken = false;
		if (!path_end && e->cur && e->cur->curframe == e->before_frame &&
		    (e->scratch_regs | e->scratch_slots)) {
			log_printf(e->in->log, "%u:", e->cur->insn_idx);
			state_text(e, e->cur, false, e->scratch_regs, e->scratch_slots);
			log_printf(e->in->log, "\n");
		}
		return;
	}
	if (!e->mid_line)
		return;
	e->mid_line = false;
	if (!path_end && e->cur && e->cur->curframe == e->before_frame + 1) {
		const struct vstate *st = e->cur;

		/* The caller without r1-r5: Linux clears them before it prints. */
		log_printf(e->in->log, "\ncaller:\n");
		frame_text(e, st, st->frames[st->curframe - 1], false, ~0x3eu, ~0ull);
		frame_tail(e, st, st->frames[st->curframe - 1]);
		log_printf(e->in->log, "\ncallee:\n");
		state_text(e, st, true, 0, 0);
		log_printf(e->in->log, "\n%u:", st->insn_idx);
		state_text(e, st, true, 0, 0);
		log_printf(e->in->log, "\n");
		return;
	}
	if (path_end || !e->cur || e->cur->curframe != e->before_frame ||
	    !(e->scratch_regs | e->scratch_slots)) {
		log_printf(e->in->log, "\n");
		return;
	}
	log_printf(e->in->log, "%*s;", state_pad(e->col), "");
	state_text(e, e->cur, false, e->scratch_regs, e->scratch_slots);
	log_printf(e->in->log, "\n");
}

void vlog_return(struct venv *e, const struct vstate *st, uint32_t to)
{
	if (!e->in->log_level)
		return;
	if (e->mid_line)
		log_printf(e->in->log, "\n");
	e->mid_line = false;
	e->line_broken = false;
	log_printf(e->in->log, "returning from callee:\n");
	state_text(e, st, true, 0, 0);
	log_printf(e->in->log, "\nto caller at %u:\n", to);
	frame_text(e, st, st->frames[st->curframe - 1], true, 0, 0);
	frame_tail(e, st, st->frames[st->curframe - 1]);
	log_printf(e->in->log, "\n");
}

void vlog_resume(struct venv *e)
{
	if (e->in->log_level >= 2) {
		log_printf(e->in->log, "\nfrom %u to %u:", e->resumed_from, e->cur->insn_idx);
		vlog_state(e, e->cur, true);
	}
	if (e->resumed == VLOG_RESUMED_POP) {
		log_printf(e->in->log, "%u:", e->cur->insn_idx);
		vlog_state(e, e->cur, true);
	}
}

void vlog_note(struct venv *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->in->log_level)
		return;
	if (e->mid_line) {
		log_printf(e->in->log, "\n");
		e->mid_line = false;
		e->line_broken = true;
	}
	va_start(ap, fmt);
	log_vprintf(e->in->log, fmt, ap);
	va_end(ap);
}

const char *vsub_name(const struct venv *e, uint32_t sub)
{
	for (size_t i = 0; i < e->in->nfuncs; i++)
		if (e->in->funcs[i].start == e->cfg.subs[sub].start && e->in->funcs[i].name)
			return e->in->funcs[i].name;
	return "";
}
