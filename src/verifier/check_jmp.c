/* Conditional jumps: decided outcomes follow one edge; otherwise both edges are explored, each
 * with what it teaches: scalar bounds (shared by linked copies), null checks, packet ranges
 * (Linux's check_cond_jmp_op). */
#include <string.h>

#include "verifier/vpriv.h"

void mark_ptr_or_null(const struct venv *e, struct vstate *st, uint32_t id, bool is_null)
{
	uint32_t ref = 0;

	if (!id)
		return;
	for_each_reg(st, r, {
		if (r->id == id && (r->flags & REG_MAYBE_NULL)) {
			if (is_null) {
				/* Only a pointer that is the reference itself takes it along
				 * (a dynptr's slice is not its sample's reference). */
				if (r->ref_obj_id && r->ref_obj_id == r->id)
					ref = r->ref_obj_id;
				reg_mark_const(r, 0);
			} else {
				r->flags &= (uint8_t)~REG_MAYBE_NULL;
				/* The id has served (Linux drops it too, and prints none): only a
				 * map value with a spin lock keeps it, the lock's identity. */
				if (!map_value_has_lock(e, r))
					r->id = 0;
			}
		}
	});
	/* A null pointer holds nothing: its reference is gone. */
	if (ref)
		for (uint32_t i = 0; i < st->nrefs; i++)
			if (st->refs[i].id == ref) {
				st->refs[i] = st->refs[--st->nrefs];
				break;
			}
}

static void sync_linked(struct vstate *st, const struct reg *src)
{
	if (src->type != SCALAR_VALUE || !src->id)
		return;
	for_each_reg(st, r, {
		if (r != src && r->type == SCALAR_VALUE && r->id == src->id)
			r->var = r->off == src->off
				     ? src->var
				     : scalar_alu(src->var, scalar_const((uint64_t)((int64_t)r->off - src->off)),
						  SCALAR_ADD, false);
	});
}

/* open: the edge learned `ptr < end`, one byte more than `ptr <= end` (Linux's
 * find_good_pkt_pointers() with range_right_open; from the start itself it learns nothing). */
static void set_pkt_range(struct vstate *st, const struct reg *ptr, bool open)
{
	uint32_t range;

	if (ptr->off < 0 || (ptr->off == 0 && open) || ptr->var.umax > V_MAX_PACKET_OFF ||
	    ptr->var.umax + (uint64_t)ptr->off > V_MAX_PACKET_OFF)
		return;
	range = (uint32_t)ptr->off + (open ? 1 : 0);
	for_each_reg(st, r, {
		if (r->type == ptr->type && r->id == ptr->id && r->range < range)
			r->range = range;
	});
}

/* Packet comparisons: which edge learns that `ptr <= end` (0: the fall-through, 1: the jump,
 * -1: none). */
static int pkt_edge(uint8_t op, bool ptr_is_dst)
{
	switch (op) {
	case BPF_JGT: return ptr_is_dst ? 0 : 1;
	case BPF_JLT: return ptr_is_dst ? 1 : 0;
	case BPF_JGE: return ptr_is_dst ? 0 : 1;
	case BPF_JLE: return ptr_is_dst ? 1 : 0;
	default: return -1;
	}
}

/* The comparisons that bound a packet pointer: against the packet's end, or (a metadata
 * pointer) against the packet's start itself, as the context gave it (Linux's
 * reg_is_init_pkt_pointer()): data + 8 or data + var says nothing about the metadata. */
static bool is_pkt_pair(const struct reg *a, const struct reg *b)
{
	return (a->type == PTR_TO_PACKET && b->type == PTR_TO_PACKET_END) ||
	       (a->type == PTR_TO_PACKET_META && b->type == PTR_TO_PACKET && b->off == 0 &&
		scalar_is_const(&b->var) && b->var.var_off.value == 0);
}

static bool not_null(const struct reg *r)
{
	return reg_is_pointer(r) && !(r->flags & REG_MAYBE_NULL);
}

/* Linux's reg_not_null(): the kinds it decides a comparison with 0 for. Unprivileged, a
 * comparison of any other pointer (the context, the stack) is prohibited. */
static bool linux_not_null(const struct reg *r)
{
	return not_null(r) && (r->type == PTR_TO_MAP_VALUE || r->type == PTR_TO_MAP_KEY ||
			       r->type == PTR_TO_MEM || r->type == PTR_TO_OBJ ||
			       r->type == CONST_PTR_TO_MAP);
}

int check_cond_jmp(struct venv *e, const struct bpf_insn *insn)
{
	struct vstate *st = e->cur;
	uint32_t idx = st->insn_idx;
	bool jmp32 = BPF_CLASS(insn->code) == ISA_JMP32;
	uint8_t op = BPF_OP(insn->code);
	uint32_t target = (uint32_t)((int64_t)idx + insn->off + 1);
	struct reg *d = vreg(st, insn->dst_reg), src, *s = NULL;
	struct vstate *other;
	int err;

	if ((err = check_reg_init(e, insn->dst_reg)))
		return err;
	if (BPF_SRC(insn->code) == ISA_X) {
		if ((err = check_reg_init(e, insn->src_reg)))
			return err;
		s = vreg(st, insn->src_reg);
		src = *s;
	} else {
		reg_mark_const(&src, jmp32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
	}
	if (d->type == SCALAR_VALUE && src.type == SCALAR_VALUE) {
		struct scalar_branch br;

		scalar_branch(&d->var, &src.var, op, jmp32, &br);
		if (br.taken == SCALAR_ALWAYS) {
			st->insn_idx = target;
			return 0;
		}
		if (br.taken == SCALAR_NEVER) {
			st->insn_idx = idx + 1;
			return 0;
		}
		other = push_branch(e, target);
		if (!other)
			return e->failed ? e->res->err : -ENOMEM;
		vreg(other, insn->dst_reg)->var = br.a_true;
		sync_linked(other, vreg(other, insn->dst_reg));
		if (s) {
			vreg(other, insn->src_reg)->var = br.b_true;
			sync_linked(other, vreg(other, insn->src_reg));
			s->var = br.b_false;
		}
		d->var = br.a_false;
		sync_linked(st, d);
		if (s)
			sync_linked(st, s);
		st->insn_idx = idx + 1;
		return 0;
	}
	/* Unprivileged: a pointer operand is never compared, except packet pointers with each
	 * other (Linux checks the source register first). */
	if (!e->allow_ptr_leaks && s && reg_is_pointer(s) && !(is_pkt_pair(d, s) || is_pkt_pair(s, d)))
		return verr(e, -EACCES, "R%d pointer comparison prohibited", insn->src_reg);
	/* A pointer against 0: a null check, or decided for a pointer that cannot be null. */
	if ((op == BPF_JEQ || op == BPF_JNE) && !jmp32 &&
	    ((reg_is_pointer(d) && reg_is_const(&src, 0)) || (s && reg_is_pointer(s) && reg_is_const(d, 0))) &&
	    (e->allow_ptr_leaks || !not_null(reg_is_pointer(d) ? d : s) ||
	     linux_not_null(reg_is_pointer(d) ? d : s))) {
		struct reg *p = reg_is_pointer(d) ? d : s;

		if (linux_not_null(p)) {
			st->insn_idx = op == BPF_JNE ? target : idx + 1;
			return 0;
		}
		/* Any other pointer that cannot be null (the context, the stack, a packet): Linux
		 * walks both ways and learns nothing. */
		if (not_null(p)) {
			if (!push_branch(e, target))
				return e->failed ? e->res->err : -ENOMEM;
			st->insn_idx = idx + 1;
			return 0;
		}
		uint32_t id = p->id;

		other = push_branch(e, target);
		if (!other)
			return e->failed ? e->res->err : -ENOMEM;
		mark_ptr_or_null(e, other, id, op == BPF_JEQ);
		mark_ptr_or_null(e, st, id, op != BPF_JEQ);
		st->insn_idx = idx + 1;
		return 0;
	}
	if (!e->allow_ptr_leaks && (reg_is_pointer(d) || reg_is_pointer(&src)) &&
	    !(s && (is_pkt_pair(d, s) || is_pkt_pair(s, d))))
		return verr(e, -EACCES, "R%d pointer comparison prohibited",
			    reg_is_pointer(d) ? insn->dst_reg : insn->src_reg);
	other = push_branch(e, target);
	if (!other)
		return e->failed ? e->res->err : -ENOMEM;
	if (s && !jmp32 && (is_pkt_pair(d, s) || is_pkt_pair(s, d))) {
		bool ptr_is_dst = is_pkt_pair(d, s);
		int edge = pkt_edge(op, ptr_is_dst);
		int regno = ptr_is_dst ? insn->dst_reg : insn->src_reg;
		/* The edges that learn the strict `ptr < end`: end > ptr and ptr < end taken,
		 * ptr >= end and end <= ptr falling through. */
		bool open = (op == BPF_JGT && !ptr_is_dst) || (op == BPF_JLT && ptr_is_dst) ||
			    (op == BPF_JGE && ptr_is_dst) || (op == BPF_JLE && !ptr_is_dst);

		if (edge == 1)
			set_pkt_range(other, vreg(other, regno), open);
		else if (edge == 0)
			set_pkt_range(st, vreg(st, regno), open);
	}
	st->insn_idx = idx + 1;
	return 0;
}
