/* State subsumption: when a path reaches an instruction in a state that a finished exploration
 * there already covers, the path is done. Linux's states_equal(), without precision marks: a
 * scalar is covered when its every view lies within the old one (never a wildcard), which is
 * sound whatever the old path did with it. Ids (null checks, packet ranges, linked scalars,
 * references) must correspond one to one. */
#include <string.h>

#include "verifier/state.h"

#define IDMAP_MAX 128

struct idmap {
	uint32_t old[IDMAP_MAX], cur[IDMAP_MAX];
	uint32_t n;
};

/* Whether old_id and cur_id can stand for each other, recording the pair. */
static bool id_match(struct idmap *m, uint32_t old_id, uint32_t cur_id)
{
	if (!old_id && !cur_id)
		return true;
	if (!old_id || !cur_id)
		return false;
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->old[i] == old_id)
			return m->cur[i] == cur_id;
		if (m->cur[i] == cur_id)
			return false;
	}
	if (m->n == IDMAP_MAX)
		return false;
	m->old[m->n] = old_id;
	m->cur[m->n++] = cur_id;
	return true;
}

static bool reg_exact(const struct reg *o, const struct reg *c, struct idmap *m)
{
	return o->type == c->type && o->flags == c->flags && o->frameno == c->frameno &&
	       o->off == c->off && o->aux == c->aux && o->range == c->range &&
	       (o->type == NOT_INIT || scalar_equal(&o->var, &c->var)) &&
	       id_match(m, o->id, c->id) && id_match(m, o->ref_obj_id, c->ref_obj_id) &&
	       id_match(m, o->dynptr_id, c->dynptr_id) && o->btf_id == c->btf_id;
}

static bool reg_covers(const struct reg *o, const struct reg *c, struct idmap *m, bool exact,
		       bool precise, bool scalars_equal)
{
	if (exact)
		return reg_exact(o, c, m);
	if (o->type == NOT_INIT)
		return true;
	if (scalars_equal && o->type == SCALAR_VALUE)
		return c->type == SCALAR_VALUE && o->off == c->off &&
		       scalar_equal(&o->var, &c->var) && (!o->id || id_match(m, o->id, c->id));
	/* A scalar whose value cannot matter any more (live.c) is any scalar. */
	if (!precise && o->type == SCALAR_VALUE && c->type == SCALAR_VALUE)
		return true;
	if (o->type != c->type || o->flags != c->flags)
		return false;
	switch (o->type) {
	case SCALAR_VALUE:
		/* A scalar linked to others in old must be linked the same way in cur; a
		 * scalar linked in cur only is fine (cur knows more). */
		if (o->id && (!id_match(m, o->id, c->id) || o->off != c->off))
			return false;
		return scalar_in(&o->var, &c->var);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		/* cur must know at least as much of the packet. */
		if (c->range < o->range)
			return false;
		break;
	default:
		break;
	}
	return o->off == c->off && o->aux == c->aux && o->frameno == c->frameno &&
	       o->btf_id == c->btf_id && scalar_in(&o->var, &c->var) && id_match(m, o->id, c->id) &&
	       id_match(m, o->ref_obj_id, c->ref_obj_id) && id_match(m, o->dynptr_id, c->dynptr_id);
}

static uint8_t slot_byte(const struct vframe *f, uint32_t slot, int b)
{
	return slot < f->nslots ? f->slots[slot].type[b] : STACK_INVALID;
}

static bool spill_is_zero(const struct vslot *s)
{
	return s->type[0] == STACK_SPILL && reg_is_const(&s->spill, 0);
}

static bool holds_pointer(const struct vslot *s)
{
	return s && ((s->type[0] == STACK_SPILL && s->spill.type != SCALAR_VALUE) ||
		     s->type[0] == STACK_DYNPTR);
}

static bool holds_iter(const struct vslot *s)
{
	if (!s)
		return false;
	for (int b = 0; b < V_REG_SIZE; b++)
		if (s->type[b] == STACK_ITER)
			return true;
	return false;
}

/* An iterator's first slot: same type and state, the reference in correspondence (Linux
 * compares no depth here; exact, for the infinite-loop check, does). */
static bool iter_covers(const struct vslot *o, const struct vslot *c, struct idmap *m, bool exact)
{
	return c && c->type[0] == STACK_ITER && o->spill.aux == c->spill.aux &&
	       scalar_equal(&o->spill.var, &c->spill.var) && (!exact || o->spill.range == c->spill.range) &&
	       id_match(m, o->spill.ref_obj_id, c->spill.ref_obj_id);
}

/* relevant: the slots whose contents may still matter (live.c); the others hold any data. */
static bool stack_covers(const struct vframe *o, const struct vframe *c, struct idmap *m,
			 bool exact, uint64_t relevant, bool scalars_equal)
{
	uint32_t n = o->nslots > c->nslots ? o->nslots : c->nslots;

	for (uint32_t i = 0; i < n; i++) {
		const struct vslot *os = i < o->nslots ? &o->slots[i] : NULL;
		const struct vslot *cs = i < c->nslots ? &c->slots[i] : NULL;

		if (exact) {
			for (int b = 0; b < V_REG_SIZE; b++)
				if (slot_byte(o, i, b) != slot_byte(c, i, b))
					return false;
			if (os && (os->type[0] == STACK_SPILL || os->type[0] == STACK_DYNPTR) &&
			    !reg_exact(&os->spill, &cs->spill, m))
				return false;
			if (os && os->type[0] == STACK_ITER && !iter_covers(os, cs, m, true))
				return false;
			continue;
		}
		if (!os)
			continue; /* old never wrote there: it read nothing that matters */
		/* An irrelevant slot is any data, unless cur holds a pointer there: a later
		 * operation refused on a pointer (arithmetic, say) may reach it although its value
		 * never matters. A pointer in old only is fine: whatever cur has there is a
		 * scalar, which every operation that accepts a pointer accepts too. */
		if (i < 64 && !(relevant & (1ull << i)) && !holds_pointer(cs) &&
		    os->type[0] != STACK_DYNPTR && !holds_iter(os) && !holds_iter(cs))
			continue;
		if (os->type[0] == STACK_ITER && !iter_covers(os, cs, m, false))
			return false;
		/* A dynptr: the same one (kind, slot, ids), its bytes untouched. */
		if (os->type[0] == STACK_DYNPTR) {
			if (!cs || !reg_exact(&os->spill, &cs->spill, m))
				return false;
			for (int b = 0; b < V_REG_SIZE; b++)
				if (cs->type[b] != STACK_DYNPTR || os->type[b] != STACK_DYNPTR)
					return false;
			continue;
		}
		if (os->type[0] == STACK_SPILL) {
			if (!cs || cs->type[0] != STACK_SPILL ||
			    !reg_covers(&os->spill, &cs->spill, m, false, true, scalars_equal))
				return false;
			for (int b = 0; b < V_REG_SIZE; b++)
				if ((os->type[b] == STACK_SPILL) != (cs->type[b] == STACK_SPILL))
					return false;
		}
		for (int b = 0; b < V_REG_SIZE; b++) {
			uint8_t ot = os->type[b], ct = slot_byte(c, i, b);

			if (ot == STACK_INVALID || ot == STACK_SPILL)
				continue;
			if (ot == STACK_ITER) {
				if (ct == STACK_ITER)
					continue;
				return false;
			}
			if (ot == STACK_MISC) {
				/* Some bytes: cur's zeros and spilled scalars are some bytes too. */
				if (ct == STACK_MISC || ct == STACK_ZERO ||
				    (ct == STACK_SPILL && cs->spill.type == SCALAR_VALUE))
					continue;
				return false;
			}
			if (ot == STACK_ZERO) {
				if (ct == STACK_ZERO || (ct == STACK_SPILL && spill_is_zero(cs)))
					continue;
				return false;
			}
			return false;
		}
	}
	return true;
}

bool vstate_covers(const struct vstate *old, const struct vstate *cur, const uint16_t *live,
		   const uint16_t *prec, const uint64_t *sprec, int how)
{
	bool exact = how == VCOVER_EXACT, scalars_equal = how == VCOVER_SCALARS_EQUAL;
	struct idmap m;

	if (old->curframe != cur->curframe || old->nrefs != cur->nrefs ||
	    old->rcu_depth != cur->rcu_depth || old->preempt_depth != cur->preempt_depth)
		return false;
	m.n = 0;
	for (uint32_t i = 0; i < old->nrefs; i++) {
		const struct vref *a = &old->refs[i], *b = &cur->refs[i];

		if (a->kind != b->kind || a->lock_map != b->lock_map || a->lock_off != b->lock_off ||
		    a->lock_noid != b->lock_noid ||
		    !id_match(&m, a->id, b->id))
			return false;
	}
	for (uint32_t fi = 0; fi <= old->curframe; fi++) {
		const struct vframe *of = old->frames[fi], *cf = cur->frames[fi];
		uint16_t mask = live[fi];

		if (of->callsite != cf->callsite || of->subprog != cf->subprog ||
		    of->in_callback != cf->in_callback || of->in_rbtree_cb != cf->in_rbtree_cb)
			return false;
		for (int r = 0; r < V_NREGS; r++) {
			if (!(mask & (1u << r)) && !exact)
				continue;
			if (!reg_covers(&of->regs[r], &cf->regs[r], &m, exact, prec[fi] & (1u << r),
					scalars_equal))
				return false;
		}
		if (!stack_covers(of, cf, &m, exact, sprec[fi], scalars_equal))
			return false;
	}
	return true;
}

uint64_t vstate_hash(const struct vstate *st)
{
	/* A cheap filter: the current frame's registers (what a loop changes), word by word. */
	const struct vframe *f = st->frames[st->curframe];
	uint64_t h = 0xcbf29ce484222325ull ^ st->curframe ^ (uint64_t)f->nslots << 8;

	for (int r = 0; r < V_NREGS; r++) {
		const struct reg *x = &f->regs[r];

		h = (h ^ (x->type | (uint64_t)(uint32_t)x->off << 8)) * 0x100000001b3ull;
		if (x->type == NOT_INIT)
			continue;
		h = (h ^ x->var.var_off.value) * 0x100000001b3ull;
		h = (h ^ x->var.var_off.mask) * 0x100000001b3ull;
		h = (h ^ x->var.umin ^ (x->var.umax << 1)) * 0x100000001b3ull;
	}
	return h;
}
