/* Register liveness, computed once before the walk: for each instruction, the registers that
 * may be read before being written on some path from it within its function. Pruning compares
 * only those (Linux tracks liveness during the walk; a static pass is cheaper and gives the
 * same answers for registers). */
#include <stdlib.h>

#include "verifier/vpriv.h"

#define R(n) (1u << (n))
#define ARGS(n) ((uint16_t)(((1u << ((n) + 1)) - 1) & ~1u)) /* R1..Rn */
#define CALLER_SAVED 0x3f                               /* R0..R5 */
#define JMP_JCOND 0xe0					/* BPF_JCOND: may_goto */

/* Registers a call reads: a local call's five, a prototype's arguments (all five when the
 * callee is unknown: the walk reports it). */
static int call_args(const struct venv *e, const struct bpf_insn *insn)
{
	struct verifier_func f;
	int n = 0;

	if (!call_func(e, insn, &f))
		return 5;
	while (n < 5 && f.proto.args[n] != EXBPF_ARG_NONE)
		n++;
	return n;
}

/* Load-acquire and store-release move data as a plain load or store of their width does:
 * the analyses below see them as one. */
static struct bpf_insn as_plain(const struct bpf_insn *insn)
{
	struct bpf_insn p = *insn;

	if (BPF_CLASS(p.code) == ISA_STX && BPF_MODE(p.code) == ISA_ATOMIC &&
	    (p.imm == ISA_LOAD_ACQ || p.imm == ISA_STORE_REL)) {
		p.code = (uint8_t)((p.imm == ISA_LOAD_ACQ ? ISA_LDX : ISA_STX) | ISA_MEM |
				   BPF_SIZE(p.code));
		p.imm = 0;
	}
	return p;
}

/* use: read before written by the instruction; def: written. */
static void use_def(struct venv *e, const struct bpf_insn *orig, uint16_t *use, uint16_t *def)
{
	const struct bpf_insn plain = as_plain(orig), *insn = &plain;
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == ISA_X;

	*use = R(BPF_REG_10);
	*def = 0;
	switch (cls) {
	case ISA_ALU:
	case ISA_ALU64:
		if (op != BPF_MOV)
			*use |= R(insn->dst_reg);
		if (x && op != BPF_NEG && op != BPF_END)
			*use |= R(insn->src_reg);
		*def = R(insn->dst_reg);
		break;
	case ISA_LDX:
		*use |= R(insn->src_reg);
		*def = R(insn->dst_reg);
		break;
	case ISA_ST:
		*use |= R(insn->dst_reg);
		break;
	case ISA_STX:
		*use |= R(insn->dst_reg) | R(insn->src_reg);
		if (BPF_MODE(insn->code) == ISA_ATOMIC) {
			if (insn->imm == ISA_CMPXCHG)
				*use |= R(BPF_REG_0), *def = R(BPF_REG_0);
			else if (insn->imm & ISA_FETCH)
				*def = R(insn->src_reg);
		}
		break;
	case ISA_LD:
		if (BPF_MODE(insn->code) == ISA_IMM) {
			*def = R(insn->dst_reg);
		} else {
			/* Linux counts every register as read by a legacy packet load (its
			 * log shows r0-r9 live before one): a little conservative for pruning. */
			*use = 0x7ff;
			*def = CALLER_SAVED;
		}
		break;
	default: /* jumps */
		if (op == BPF_CALL) {
			*use |= ARGS(call_args(e, insn));
			*def = CALLER_SAVED;
		} else if (op == BPF_EXIT) {
			*use |= R(BPF_REG_0);
		} else if (op != BPF_JA && !insn_is_may_goto(insn)) {
			*use |= R(insn->dst_reg) | (x ? R(insn->src_reg) : 0);
		}
		break;
	}
}

/* The union of a per-instruction set over the successors of instruction i. */
static uint16_t out_of(const struct venv *e, const uint16_t *set, size_t i)
{
	size_t succ[2];
	int n = cfg_successors(e->insns, e->cnt, i, succ);
	uint16_t out = 0;

	while (n--)
		out |= set[succ[n]];
	return out;
}

static int compute_relevance(struct venv *e, const uint16_t *def);

int compute_liveness(struct venv *e)
{
	size_t n = e->cnt;
	uint16_t *use = malloc(n * sizeof(*use)), *def = malloc(n * sizeof(*def));
	bool changed = true;

	int err;

	e->live = calloc(n ? n : 1, sizeof(*e->live));
	if (!use || !def || !e->live) {
		free(use);
		free(def);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		use_def(e, &e->insns[i], &use[i], &def[i]);
	/* Backward fixpoints; programs are small and the lattice is 11 bits high. */
	while (changed) {
		changed = false;
		for (size_t i = n; i-- > 0;) {
			uint16_t in;

			if (e->cfg.flags[i] & CFG_LDDW_HI)
				continue;
			in = (uint16_t)(use[i] | (out_of(e, e->live, i) & ~def[i]));
			if (in != e->live[i]) {
				e->live[i] = in;
				changed = true;
			}
		}
	}
	err = compute_relevance(e, def);
	free(use);
	free(def);
	return err;
}

/* ---- Stack slots whose contents may matter (the current frame's, privileged programs).
 *
 * First, forward: which registers and slots may hold a pointer into some stack ("taint"),
 * because a load through such a pointer, or a call that gets one, may read any slot. Then,
 * backward like relevance() above: a slot matters when a load from it feeds a relevant
 * register, or when anything may read the stack through a pointer. */

struct taint {
	uint16_t regs;	 /* may point into a stack */
	uint64_t slots;	 /* own slots that may hold a pointer into a stack */
	uint16_t ptrs;	 /* may be any pointer */
	uint64_t pslots; /* own slots that may hold any spilled pointer */
};

#define ALL_SLOTS (~0ull)

/* The slots [off, off + size) of fp touches, or 0 when it is outside the 512 bytes. */
static uint64_t slots_of(int64_t off, int size)
{
	uint64_t m = 0;

	if (off < -V_STACK_SIZE || off + size > 0 || size <= 0)
		return 0;
	for (int64_t b = off; b < off + size; b++)
		m |= 1ull << ((-b - 1) / V_REG_SIZE);
	return m;
}

static int size_bytes(const struct bpf_insn *insn)
{
	static const int sz[] = {4, 2, 1, 8};

	return sz[BPF_SIZE(insn->code) >> 3];
}

/* Whether a call's R0 may be a pointer, from its prototype. */
static bool returns_pointer(const struct venv *e, const struct bpf_insn *insn)
{
	struct verifier_func f;

	return !call_func(e, insn, &f) ||
	       (f.proto.ret != EXBPF_RET_INTEGER && f.proto.ret != EXBPF_RET_VOID);
}

static struct taint taint_step(const struct venv *e, const struct bpf_insn *orig, struct taint t)
{
	const struct bpf_insn plain = as_plain(orig), *insn = &plain;
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == ISA_X;
	uint16_t d = R(insn->dst_reg), s = R(insn->src_reg);

	switch (cls) {
	case ISA_ALU64:
		if (op == BPF_MOV) {
			bool copy = x && !insn->off;

			t.regs = (uint16_t)((t.regs & ~d) | (copy && (t.regs & s) ? d : 0));
			t.ptrs = (uint16_t)((t.ptrs & ~d) | (copy && (t.ptrs & s) ? d : 0));
		} else if (op == BPF_ADD || op == BPF_SUB) {
			uint16_t from = (uint16_t)(d | (x ? s : 0));

			t.regs = (uint16_t)((t.regs & ~d) | (t.regs & from ? d : 0));
			t.ptrs = (uint16_t)((t.ptrs & ~d) | (t.ptrs & from ? d : 0));
		} else {
			t.regs &= (uint16_t)~d;
			t.ptrs &= (uint16_t)~d;
		}
		break;
	case ISA_ALU:
		t.regs &= (uint16_t)~d;
		t.ptrs &= (uint16_t)~d;
		break;
	case ISA_LDX:
		t.regs &= (uint16_t)~d;
		t.ptrs &= (uint16_t)~d;
		if (insn->src_reg == BPF_REG_10) {
			uint64_t c = slots_of(insn->off, 8);

			if (size_bytes(insn) == 8 && (t.slots & c))
				t.regs |= d;
			if (size_bytes(insn) == 8 && (t.pslots & c))
				t.ptrs |= d;
		} else {
			/* Through another pointer: a context field may be a packet pointer, a
			 * caller's slot a spilled pointer. */
			t.ptrs |= d;
			if ((t.regs & s) && t.slots)
				t.regs |= d;
		}
		break;
	case ISA_ST:
	case ISA_STX:
		if (BPF_MODE(insn->code) == ISA_ATOMIC && (insn->imm & ISA_FETCH)) {
			uint16_t f = insn->imm == ISA_CMPXCHG ? R(BPF_REG_0) : s;

			t.regs &= (uint16_t)~f;
			t.ptrs |= f;
		}
		if (insn->dst_reg == BPF_REG_10) {
			uint64_t c = slots_of(insn->off, size_bytes(insn));
			bool spill = cls == ISA_STX && size_bytes(insn) == 8 && !(insn->off % 8);

			t.slots = (t.slots & ~c) | (spill && (t.regs & s) ? c : 0);
			t.pslots = (t.pslots & ~c) | (spill && (t.ptrs & s) ? c : 0);
		} else if (cls == ISA_STX && (t.regs & d)) {
			if (t.regs & s)
				t.slots = ALL_SLOTS;
			if (t.ptrs & s)
				t.pslots = ALL_SLOTS;
		}
		break;
	case ISA_LD:
		if (BPF_MODE(insn->code) == ISA_IMM) {
			t.regs &= (uint16_t)~d;
			t.ptrs = (uint16_t)((t.ptrs & ~d) | (insn->src_reg ? d : 0));
		} else {
			t.regs &= (uint16_t)~CALLER_SAVED;
			t.ptrs &= (uint16_t)~CALLER_SAVED;
		}
		break;
	case ISA_JMP:
		if (op == BPF_CALL) {
			/* A callee may hand back a pointer into its caller's stack. */
			bool r0 = insn->src_reg == ISA_PSEUDO_CALL && (t.regs & ARGS(5));

			t.regs &= (uint16_t)~CALLER_SAVED;
			t.ptrs &= (uint16_t)~CALLER_SAVED;
			t.regs |= r0 ? R(BPF_REG_0) : 0;
			t.ptrs |= returns_pointer(e, insn) ? R(BPF_REG_0) : 0;
		}
		break;
	default:
		break;
	}
	return t;
}

static void taint_to(struct taint *in, size_t t, struct taint v, bool *changed)
{
	struct taint u = {in[t].regs | v.regs, in[t].slots | v.slots, in[t].ptrs | v.ptrs,
			  in[t].pslots | v.pslots};

	if (u.regs != in[t].regs || u.slots != in[t].slots || u.ptrs != in[t].ptrs ||
	    u.pslots != in[t].pslots) {
		in[t] = u;
		*changed = true;
	}
}

static int compute_taint(const struct venv *e, struct taint *in)
{
	bool changed = true;

	for (size_t s = 0; s < e->cfg.nsubs; s++) {
		struct taint *t = &in[e->cfg.subs[s].start];

		t->regs = s ? (uint16_t)(ARGS(5) | R(BPF_REG_10)) : R(BPF_REG_10);
		t->ptrs = (uint16_t)((s ? ARGS(5) : R(BPF_REG_1)) | R(BPF_REG_10));
	}
	while (changed) {
		changed = false;
		for (size_t i = 0; i < e->cnt; i++) {
			struct taint out;
			size_t succ[2];

			if (e->cfg.flags[i] & CFG_LDDW_HI)
				continue;
			out = taint_step(e, &e->insns[i], in[i]);
			out.regs |= R(BPF_REG_10);
			out.ptrs |= R(BPF_REG_10);
			for (int k = cfg_successors(e->insns, e->cnt, i, succ); k--;)
				taint_to(in, succ[k], out, &changed);
		}
	}
	return 0;
}

static uint64_t out_slots(const struct venv *e, const uint64_t *set, size_t i)
{
	size_t succ[2];
	int n = cfg_successors(e->insns, e->cnt, i, succ);
	uint64_t out = 0;

	while (n--)
		out |= set[succ[n]];
	return out;
}

/* Which registers, and which slots of the frame's own stack, may matter for safety from here
 * on: Linux's precision, computed statically and conservatively. A scalar outside this set at
 * a checkpoint is a wildcard when states are compared: nothing the program does with it later
 * can make an access, a call or a decision differ. Unconditionally relevant: jump operands,
 * memory bases, values stored anywhere but the frame's own stack, call arguments, returned
 * values that have a range to meet. A data dependence carries relevance from a result to its
 * operands: ALU, moves, spills and fills at fixed stack offsets. A load through a pointer that
 * may point into a stack, or a call given one, may read any slot. */
static void relevance(const struct venv *e, size_t i, const struct taint *t, uint16_t def,
		      uint16_t rout, uint64_t sout, uint16_t *rin, uint64_t *sin, bool marks)
{
	const struct bpf_insn plain = as_plain(&e->insns[i]), *insn = &plain;
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == ISA_X;
	uint16_t u = R(BPF_REG_10), d = R(insn->dst_reg), s = R(insn->src_reg);
	uint64_t c;

	*sin = sout;
	switch (cls) {
	case ISA_ALU:
	case ISA_ALU64:
		if (rout & d) {
			if (op != BPF_MOV)
				u |= d;
			if (x && op != BPF_NEG && op != BPF_END)
				u |= s;
		}
		/* A pointer's offset bounds its accesses. */
		if (!marks && x && (op == BPF_ADD || op == BPF_SUB) && cls == ISA_ALU64 && (t->ptrs & d))
			u |= s;
		break;
	case ISA_LDX:
		u |= marks ? 0 : s;
		if (!(rout & d))
			break;
		if (insn->src_reg == BPF_REG_10)
			*sin |= slots_of(insn->off, size_bytes(insn));
		else if (t->regs & s)
			*sin = ALL_SLOTS;
		break;
	case ISA_ST:
	case ISA_STX:
		u |= marks ? 0 : d;
		if (insn->dst_reg != BPF_REG_10) {
			if (cls == ISA_STX && !marks)
				u |= s;
			if (BPF_MODE(insn->code) == ISA_ATOMIC && insn->imm == ISA_CMPXCHG)
				u |= R(BPF_REG_0);
			if (BPF_MODE(insn->code) == ISA_ATOMIC && (t->regs & d))
				*sin = ALL_SLOTS;
			break;
		}
		c = slots_of(insn->off, size_bytes(insn));
		if (BPF_MODE(insn->code) == ISA_ATOMIC) {
			/* Read, changed, written: the slot and the operands go together. */
			u |= s | (insn->imm == ISA_CMPXCHG ? R(BPF_REG_0) : 0);
			*sin |= c;
			break;
		}
		if (cls == ISA_STX && (sout & c))
			u |= s;
		if (size_bytes(insn) == 8 && !(insn->off % 8))
			*sin &= ~c; /* overwritten whole */
		break;
	case ISA_LD:
		if (BPF_MODE(insn->code) != ISA_IMM)
			u |= R(BPF_REG_6) | (BPF_MODE(insn->code) == ISA_IND ? s : 0);
		break;
	default:
		if (op == BPF_CALL) {
			uint16_t args = ARGS(call_args(e, insn));

			u |= args;
			/* A callee or helper given a stack pointer may read any slot (Linux marks
			 * none precise for that). */
			if (!marks && (t->regs & (insn->src_reg == ISA_PSEUDO_CALL ? ARGS(5) : args)))
				*sin = ALL_SLOTS;
		} else if (op == BPF_EXIT) {
			/* A static function's caller, a callback's helper or the program's type may
			 * constrain R0; only an unconstrained main program's R0 is free. */
			if (e->cfg.insn_sub[i] != 0 || e->in->ret_min <= e->in->ret_max)
				u |= R(BPF_REG_0);
			*sin = 0;
		} else if (op != BPF_JA && !insn_is_may_goto(insn)) {
			u |= d | (x ? s : 0);
		}
		break;
	}
	*rin = (uint16_t)(u | (rout & ~def));
}

/* The backward fixpoint of relevance(): per instruction, the live registers and own slots whose
 * value may still matter (loop_rounds: the second pass, seeded where Linux marks precision,
 * for bounded loops' widening). */
static void relevance_fixpoint(struct venv *e, const struct taint *t, const uint16_t *def,
			       uint16_t *prec, uint64_t *sprec, bool loop_rounds)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = e->cnt; i-- > 0;) {
			uint16_t rin;
			uint64_t sin;

			if (e->cfg.flags[i] & CFG_LDDW_HI)
				continue;
			relevance(e, i, &t[i], def[i], out_of(e, prec, i), out_slots(e, sprec, i), &rin,
				  &sin, loop_rounds);
			rin &= e->live[i];
			if (rin != prec[i] || sin != sprec[i]) {
				prec[i] = rin;
				sprec[i] = sin;
				changed = true;
			}
		}
	}
}

static int compute_relevance(struct venv *e, const uint16_t *def)
{
	size_t n = e->cnt;
	struct taint *t = calloc(n ? n : 1, sizeof(*t));

	e->prec = calloc(n ? n : 1, sizeof(*e->prec));
	e->sprec = calloc(n ? n : 1, sizeof(*e->sprec));
	if (!t || !e->prec || !e->sprec) {
		free(t);
		return -ENOMEM;
	}
	compute_taint(e, t);
	relevance_fixpoint(e, t, def, e->prec, e->sprec, false);
	/* Only loops that may_goto or an iterator bounds, and callbacks' runs, widen their rounds
	 * (check.c, check_call.c). */
	bool bounded = false;

	for (size_t i = 0; i < n; i++)
		bounded |= insn_is_may_goto(&e->insns[i]) ||
			   (e->cfg.flags[i] & (CFG_ITER_NEXT | CFG_CALLS_CALLBACK));
	if (bounded) {
		e->lprec = calloc(n, sizeof(*e->lprec));
		e->lsprec = calloc(n, sizeof(*e->lsprec));
		if (!e->lprec || !e->lsprec) {
			free(t);
			return -ENOMEM;
		}
	}
	if (bounded)
		relevance_fixpoint(e, t, def, e->lprec, e->lsprec, true);
	free(t);
	return 0;
}
