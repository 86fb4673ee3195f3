/* ALU instructions: scalars through the scalar domain, pointer arithmetic where Linux allows
 * it (check_alu_op, adjust_ptr_min_max_vals, check_reg_sane_offset). */
#include <stdio.h>
#include <stdlib.h>

#include "verifier/vpriv.h"

int check_reg_init(struct venv *e, int regno)
{
	if (vreg(e->cur, regno)->type == NOT_INIT)
		return verr(e, -EACCES, "R%d !read_ok", regno);
	return 0;
}

static const char *op_str(uint8_t op)
{
	switch (op) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return "/=";
	case BPF_OR: return "|=";
	case BPF_AND: return "&=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_NEG: return "neg";
	case BPF_MOD: return "%=";
	case BPF_XOR: return "^=";
	case BPF_MOV: return "=";
	case BPF_ARSH: return "s>>=";
	case BPF_END: return "endian";
	default: return "?";
	}
}

/* check_reg_sane_offset(): the parts of a pointer sum stay well inside 32 bits. */
static int sane_offset(struct venv *e, const struct reg *r, uint8_t ptr_type, uint8_t ptr_flags)
{
	char t[32];
	bool known = r->type == SCALAR_VALUE && scalar_is_const(&r->var);
	int64_t val = (int64_t)r->var.var_off.value;

	reg_type_name(ptr_type, ptr_flags, t, sizeof(t));
	if (known && (val >= V_MAX_VAR_OFF || val <= -V_MAX_VAR_OFF))
		return verr(e, -EACCES, "math between %s pointer and %lld is not allowed", t,
			    (long long)val);
	if (r->off >= V_MAX_VAR_OFF || r->off <= -V_MAX_VAR_OFF)
		return verr(e, -EACCES, "%s pointer offset %d is not allowed", t, r->off);
	if (r->var.smin == INT64_MIN)
		return verr(e, -EACCES,
			    "math between %s pointer and register with unbounded min value is not "
			    "allowed",
			    t);
	if (r->var.smin >= V_MAX_VAR_OFF || r->var.smin <= -V_MAX_VAR_OFF)
		return verr(e, -EACCES, "value %lld makes %s pointer be out of bounds",
			    (long long)r->var.smin, t);
	return 0;
}

/* ---- Unprivileged pointer arithmetic (Linux's sanitize_ptr_alu, sanitize_check_bounds): a
 * pointer moved by a register must stay where the runtime can mask the move, and every path
 * through the instruction must agree on the mask. */

enum {
	SAN_BOUNDS = 1, /* the offset's sign is unknown */
	SAN_TYPE,	/* a pointer kind that cannot be masked */
	SAN_PATHS,	/* paths disagree on the mask */
	SAN_LIMIT,	/* the pointer is already outside its object */
};

#define ALU_SANITIZE_SRC 1u
#define ALU_SANITIZE_DST 2u
#define ALU_NEG_VALUE 4u
#define ALU_IMMEDIATE 8u
#define ALU_NON_POINTER 16u

/* retrieve_ptr_limit(): how far the pointer may move towards the object's start (mask_to_left)
 * or its end. */
static int ptr_limit(const struct venv *e, const struct reg *ptr, bool mask_to_left,
		     uint32_t *limit)
{
	uint32_t max, lim;

	switch (ptr->type) {
	case PTR_TO_STACK:
		max = V_STACK_SIZE + mask_to_left;
		lim = (uint32_t)-(ptr->var.var_off.value + (uint64_t)(int64_t)ptr->off);
		break;
	case PTR_TO_MAP_VALUE:
		max = ptr->aux < e->in->nmaps ? e->in->maps[ptr->aux].value_size : 0;
		lim = (uint32_t)((mask_to_left ? (uint64_t)ptr->var.smin : ptr->var.umax) +
				 (uint64_t)(int64_t)ptr->off);
		break;
	default:
		return SAN_TYPE;
	}
	if (lim >= max)
		return SAN_LIMIT;
	*limit = lim;
	return 0;
}

/* sanitize_err(): Linux's message for each reason. */
static int san_err(struct venv *e, const struct bpf_insn *insn, int reason, bool off_is_dst)
{
	static const char why[] = "pointer arithmetic with it prohibited for !root";
	const char *op = BPF_OP(insn->code) == BPF_ADD ? "add" : "sub";

	switch (reason) {
	case SAN_BOUNDS:
		return verr(e, -EACCES, "R%d has unknown scalar with mixed signed bounds, %s",
			    off_is_dst ? insn->dst_reg : insn->src_reg, why);
	case SAN_TYPE:
		return verr(e, -EACCES, "R%d has pointer with unsupported alu operation, %s",
			    off_is_dst ? insn->src_reg : insn->dst_reg, why);
	case SAN_PATHS:
		return verr(e, -EACCES, "R%d tried to %s from different maps, paths or scalars, %s",
			    insn->dst_reg, op, why);
	default:
		return verr(e, -EACCES, "R%d tried to %s beyond pointer bounds, %s", insn->dst_reg,
			    op, why);
	}
}

struct san_info {
	bool mask_to_left;
	uint32_t state, limit;
};

/* Before the operation: the offset's sign known, the pointer inside its object. */
static int sanitize_before(struct venv *e, const struct reg *ptr, const struct reg *off,
			   uint8_t op, bool ptr_is_dst, struct san_info *si)
{
	bool off_is_imm = scalar_is_const(&off->var), off_is_neg = off->var.smin < 0;

	if (!off_is_imm && (off->var.smin < 0) != (off->var.smax < 0))
		return SAN_BOUNDS;
	si->mask_to_left = (op == BPF_ADD && off_is_neg) || (op == BPF_SUB && !off_is_neg);
	/* The mask depends on the offset's exact range: compare such states exactly. */
	if (!off_is_imm)
		e->explore_alu_limits = true;
	si->state = (off_is_neg ? ALU_NEG_VALUE : 0) | (off_is_imm ? ALU_IMMEDIATE : 0) |
		    (ptr_is_dst ? ALU_SANITIZE_SRC : ALU_SANITIZE_DST);
	return ptr_limit(e, ptr, si->mask_to_left, &si->limit);
}

/* After it: the moved pointer still inside, and the same mask as on every earlier path. */
static int sanitize_after(struct venv *e, const struct reg *res, const struct san_info *si)
{
	uint32_t lim, idx = vinsn(e);
	int err = ptr_limit(e, res, si->mask_to_left, &lim);

	if (err)
		return err;
	lim = (uint32_t)abs((int32_t)(si->limit - lim));
	if (e->alu_state[idx] && (e->alu_state[idx] != si->state || e->alu_limit[idx] != lim))
		return SAN_PATHS;
	e->alu_state[idx] = si->state;
	e->alu_limit[idx] = lim;
	return 0;
}

/* sanitize_check_bounds(): an unprivileged pointer sum stays in its stack or map value. */
static int check_bounds_unpriv(struct venv *e, int dst, const struct reg *r)
{
	char tn[48];

	if (r->type == PTR_TO_STACK) {
		int32_t off = (int32_t)((uint64_t)(int64_t)r->off + r->var.var_off.value);

		if (!scalar_is_const(&r->var)) {
			tnum_snprint(tn, sizeof(tn), r->var.var_off);
			return verr(e, -EACCES,
				    "R%d variable stack access prohibited for !root, var_off=%s off=%d",
				    dst, tn, off);
		}
		if (off >= 0 || off < -V_STACK_SIZE)
			return verr(e, -EACCES,
				    "R%d stack pointer arithmetic goes out of range, prohibited for "
				    "!root; off=%d",
				    dst, off);
	} else if (r->type == PTR_TO_MAP_VALUE) {
		/* check_map_access() of one byte logs why; the verdict is the line after it. */
		int err = check_map_value_range(e, dst, r);

		if (err) {
			snprintf(e->res->error, sizeof(e->res->error),
				 "R%d pointer arithmetic of map value goes out of range, prohibited for "
				 "!root",
				 dst);
			log_printf(e->in->log, "%s\n", e->res->error);
			e->res->err = -EACCES;
			return -EACCES;
		}
	}
	return 0;
}

/* dst (a pointer) = dst OP off (a scalar); swapped: the pointer was the source. */
static int ptr_arith(struct venv *e, const struct bpf_insn *insn, const struct reg *ptr,
		     const struct reg *off, bool swapped)
{
	int dst = insn->dst_reg;
	uint8_t op = BPF_OP(insn->code);
	bool alu64 = BPF_CLASS(insn->code) == ISA_ALU64;
	struct reg *d = vreg(e->cur, dst);
	struct reg res = *ptr;
	struct san_info si = {0};
	char t[32];
	bool known = scalar_is_const(&off->var);
	/* Linux masks only register operands (can_skip_alu_sanitation). */
	bool sanitize = e->sanitize && BPF_SRC(insn->code) == ISA_X && (op == BPF_ADD || op == BPF_SUB);
	int64_t val = (int64_t)off->var.var_off.value;
	int err;

	reg_type_str(ptr, t, sizeof(t));
	if (!alu64) {
		if (op == BPF_SUB && e->allow_ptr_leaks) {
			reg_mark_unknown(d);
			scalar_zext32(&d->var);
			return 0;
		}
		return verr(e, -EACCES, "R%d 32-bit pointer arithmetic prohibited", dst);
	}
	if (ptr->flags & REG_MAYBE_NULL)
		return verr(e, -EACCES, "R%d pointer arithmetic on %s prohibited, null-check it first",
			    dst, t);
	switch (ptr->type) {
	case CONST_PTR_TO_MAP:
		if (known && val == 0 && op == BPF_ADD)
			break;
		/* fallthrough */
	case PTR_TO_PACKET_END:
	case PTR_TO_FUNC:
		return verr(e, -EACCES, "R%d pointer arithmetic on %s prohibited", dst, t);
	default:
		break;
	}
	if (op != BPF_ADD && op != BPF_SUB) {
		if (op == BPF_AND || op == BPF_OR || op == BPF_XOR)
			return verr(e, -EACCES, "R%d bitwise operator %s on pointer prohibited", dst,
				    op_str(op));
		return verr(e, -EACCES, "R%d pointer arithmetic with %s operator prohibited", dst,
			    op_str(op));
	}
	err = sane_offset(e, off, ptr->type, ptr->flags);
	if (!err)
		err = sane_offset(e, ptr, ptr->type, ptr->flags);
	if (err)
		return err;
	/* The unprivileged masking is checked before the subtraction's own rules, as Linux
	 * does: `scalar -= ctx` is then about the pointer's type. */
	if (sanitize && (err = sanitize_before(e, ptr, off, op, !swapped, &si)))
		return san_err(e, insn, err, swapped);
	if (op == BPF_SUB && swapped)
		return verr(e, -EACCES, "R%d tried to subtract pointer from scalar", dst);
	/* JITs may not cope with it (Linux's "invalid fp arithmetic"). */
	if (op == BPF_SUB && ptr->type == PTR_TO_STACK)
		return verr(e, -EACCES, "R%d subtraction from stack pointer prohibited", dst);
	if (known) {
		int64_t o = op == BPF_ADD ? (int64_t)ptr->off + val : (int64_t)ptr->off - val;

		if (o != (int32_t)o) {
			reg_mark_unknown(d);
			return 0;
		}
		res.off = (int32_t)o;
	} else {
		res.var = scalar_alu(ptr->var, off->var, op, false);
		if (ptr->type == PTR_TO_PACKET || ptr->type == PTR_TO_PACKET_META) {
			res.id = vnew_id(e);
			res.range = 0;
		}
	}
	*d = res;
	if ((err = sane_offset(e, d, d->type, d->flags)))
		return err;
	if (e->sanitize && (err = check_bounds_unpriv(e, dst, d)))
		return err;
	if (sanitize && (err = sanitize_after(e, d, &si)))
		return san_err(e, insn, err, swapped);
	return 0;
}

/* The operations whose result Linux does not compute at all. */
static bool linux_unknown_result(uint8_t op, const struct scalar *src, bool alu64)
{
	bool known = alu64 ? tnum_is_const(src->var_off) && src->smin == src->smax &&
				     src->umin == src->umax
			   : tnum_subreg_is_const(src->var_off) && src->s32_min == src->s32_max &&
				     src->u32_min == src->u32_max;

	switch (op) {
	case BPF_DIV:
	case BPF_MOD:
		return true;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		/* Linux compares the 64-bit maximum, even for a 32-bit shift. */
		return !known || src->umax >= (alu64 ? 64u : 32u);
	default:
		return false;
	}
}

static int alu_scalar(struct venv *e, const struct bpf_insn *insn, struct reg *d,
		      const struct reg *s, bool alu64)
{
	uint8_t op = BPF_OP(insn->code);
	unsigned int sop = op;

	if ((op == BPF_DIV || op == BPF_MOD) && insn->off == 1)
		sop |= SCALAR_SIGNED;
	/* A copy plus or minus a constant stays linked to its original (Linux 6.10+): off is
	 * the difference, so a bound learned on either holds for both. */
	if (alu64 && d->id && (op == BPF_ADD || op == BPF_SUB) && scalar_is_const(&s->var)) {
		int64_t c = (int64_t)s->var.var_off.value;
		int64_t delta = c > INT32_MIN && c < INT32_MAX ? (op == BPF_ADD ? c : -c) : INT64_MAX;

		if (delta != INT64_MAX && d->off + delta == (int32_t)(d->off + delta)) {
			d->var = scalar_alu(d->var, s->var, sop, false);
			d->off = (int32_t)(d->off + delta);
			return 0;
		}
	}
	if (e->in->kernel_strict && linux_unknown_result(op, &s->var, alu64))
		/* Linux 6.18 learns nothing from division and modulo, nor from a shift by an
		 * amount it does not know (is_safe_to_compute_dst_reg_range()): all 64 bits are
		 * unknown, even after a 32-bit operation. */
		d->var = scalar_unknown();
	else
		d->var = scalar_alu(d->var, s->var, sop, !alu64);
	d->id = 0;
	d->off = 0;
	return 0;
}

static int check_mov(struct venv *e, const struct bpf_insn *insn, bool alu64)
{
	struct vstate *st = e->cur;
	struct reg *d = vreg(st, insn->dst_reg);
	int bits = insn->off; /* movsx: 8, 16, 32 */

	if (BPF_SRC(insn->code) == ISA_K) {
		reg_mark_const(d, alu64 ? (uint64_t)(int64_t)insn->imm : (uint32_t)insn->imm);
		return 0;
	}
	if (check_reg_init(e, insn->src_reg))
		return -EACCES;
	struct reg *s = vreg(st, insn->src_reg);

	if (s->type != SCALAR_VALUE) {
		if (alu64 && !bits) {
			*d = *s;
			return 0;
		}
		if (!e->allow_ptr_leaks && alu64)
			return verr(e, -EACCES, "R%d sign-extension part of pointer", insn->src_reg);
		if (!e->allow_ptr_leaks)
			return verr(e, -EACCES, "R%d partial copy of pointer", insn->src_reg);
		reg_mark_unknown(d);
		d->var = scalar_mov(scalar_unknown(), (unsigned)bits, !alu64);
		return 0;
	}
	if (alu64 && !bits) {
		/* Copies share an id: a bound learned on one holds for the other. */
		if (!s->id && !scalar_is_const(&s->var))
			s->id = vnew_id(e);
		*d = *s;
		return 0;
	}
	struct scalar v = scalar_mov(s->var, (unsigned)bits, !alu64);
	/* The copy keeps the value when it cannot change it (a sign extension of a value whose
	 * sign bit is clear, a 32-bit copy of a value that fits): then, as in Linux, both share
	 * an id and what is learned on one holds for the other. */
	bool same = bits ? s->var.umax < (UINT64_C(1) << (bits - 1)) : s->var.umax <= UINT32_MAX;

	if (same && !s->id && !scalar_is_const(&s->var))
		s->id = vnew_id(e);
	int32_t off = s->off;
	uint32_t id = s->id;

	reg_mark_unknown(d);
	d->var = v;
	if (same) {
		d->id = id;
		d->off = off;
	}
	return 0;
}

int check_alu(struct venv *e, const struct bpf_insn *insn)
{
	struct vstate *st = e->cur;
	bool alu64 = BPF_CLASS(insn->code) == ISA_ALU64;
	uint8_t op = BPF_OP(insn->code);
	struct reg *d = vreg(st, insn->dst_reg);
	struct reg src;
	int err;

	if (insn->dst_reg == BPF_REG_10)
		return verr(e, -EACCES, "frame pointer is read only");
	if (op == BPF_MOV)
		return check_mov(e, insn, alu64);
	if ((err = check_reg_init(e, insn->dst_reg)))
		return err;
	if (op == BPF_NEG || op == BPF_END) {
		if (d->type != SCALAR_VALUE) {
			if (!e->allow_ptr_leaks)
				return verr(e, -EACCES, "R%d pointer arithmetic prohibited",
					    insn->dst_reg);
			reg_mark_unknown(d);
			return 0;
		}
		if (op == BPF_NEG)
			d->var = scalar_neg(d->var, !alu64);
		else
			d->var = scalar_end(d->var,
					    alu64 ? SCALAR_BSWAP
						  : (BPF_SRC(insn->code) ? SCALAR_TO_BE : SCALAR_TO_LE),
					    (unsigned)insn->imm);
		d->id = 0;
		d->off = 0;
		return 0;
	}
	if (BPF_SRC(insn->code) == ISA_X) {
		if ((err = check_reg_init(e, insn->src_reg)))
			return err;
		src = *vreg(st, insn->src_reg);
	} else {
		if ((op == BPF_DIV || op == BPF_MOD) && insn->imm == 0)
			return verr(e, -EINVAL, "div by zero");
		reg_mark_const(&src, (uint64_t)(int64_t)insn->imm);
	}
	if (d->type == SCALAR_VALUE && src.type == SCALAR_VALUE) {
		/* sanitize_val_alu(): an addition that moves a pointer on another path must not
		 * add scalars on this one. */
		if (e->sanitize && BPF_SRC(insn->code) == ISA_X && (op == BPF_ADD || op == BPF_SUB)) {
			uint32_t idx = vinsn(e);

			if (e->alu_state[idx] && (e->alu_state[idx] != ALU_NON_POINTER || e->alu_limit[idx]))
				return san_err(e, insn, SAN_PATHS, false);
			e->alu_state[idx] = ALU_NON_POINTER;
			e->alu_limit[idx] = 0;
		}
		return alu_scalar(e, insn, d, &src, alu64);
	}
	if (reg_is_pointer(d) && reg_is_pointer(&src)) {
		if (op == BPF_SUB && e->allow_ptr_leaks) {
			reg_mark_unknown(d);
			if (!alu64)
				scalar_zext32(&d->var);
			return 0;
		}
		return verr(e, -EACCES, "R%d pointer %s pointer prohibited", insn->dst_reg,
			    op_str(op));
	}
	if (reg_is_pointer(d)) {
		struct reg ptr = *d;

		return ptr_arith(e, insn, &ptr, &src, false);
	}
	/* scalar OP pointer: legal for +=, the pointer being the source. */
	struct reg off = *d;

	return ptr_arith(e, insn, &src, &off, true);
}
