/* Open-coded iterators (Linux's bpf_iter_<type>_new/next/destroy kfuncs, EXBPF_FN_ITER_*):
 * the iterator's stack slots and the next() call's two outcomes (Linux's process_iter_arg()
 * and process_iter_next_call()).
 *
 * An iterator occupies iter_size / 8 whole slots of its frame's stack, every byte
 * STACK_ITER. The first slot's `spill` carries what the verifier knows: ref_obj_id, the
 * reference new() acquired (a leak at an exit is Linux's "Unreleased reference"), aux, the
 * state (active: next() may still return a value; drained: it returned NULL), range, the
 * depth (next() calls that returned a value on this path), var, the type as a constant (its
 * index in venv.iter_types, which keeps the names for the log). A store into the slots overwrites the iterator as any data; a load from
 * them is refused (check_mem.c). */
#include <stdio.h>
#include <string.h>

#include "verifier/vpriv.h"

/* "bpf_iter_num_next" -> "num" (len 3). */
static void iter_type(const char *fn, const char **name, int *len)
{
	const char *p = strncmp(fn, "bpf_iter_", 9) ? fn : fn + 9;
	const char *u = strrchr(p, '_');

	*name = p;
	*len = u ? (int)(u - p) : (int)strlen(p);
}

/* The type's index in e->iter_types (added if new), or -1 when the table is full. */
static int type_key(struct venv *e, const char *name, int len)
{
	for (uint32_t i = 0; i < e->niter_types; i++)
		if (e->iter_types[i].len == len && !strncmp(e->iter_types[i].name, name, (size_t)len))
			return (int)i;
	if (e->niter_types == V_MAX_ITER_TYPES)
		return -1;
	e->iter_types[e->niter_types] = (struct viter_type){name, len};
	return (int)e->niter_types++;
}

/* The first slot of the iterator R1 points at, or NULL: not the stack, not a constant
 * offset, not within the frame's slots. */
static struct vslot *iter_slot(const struct vstate *st, const struct reg *r, uint32_t nslots,
			       int64_t *off)
{
	const struct vframe *f;
	int64_t o;

	if (r->type != PTR_TO_STACK || !scalar_is_const(&r->var) || r->frameno > st->curframe)
		return NULL;
	o = r->off + (int64_t)r->var.var_off.value;
	*off = o;
	f = st->frames[r->frameno];
	if (o % V_REG_SIZE || o >= 0 || o < -V_STACK_SIZE || (uint32_t)(-o / V_REG_SIZE) < nslots ||
	    (uint32_t)(-o / V_REG_SIZE) > f->nslots)
		return NULL;
	return &f->slots[-o / V_REG_SIZE - 1];
}

/* Slot i of the iterator whose first (highest) slot is s: the others lie above it in
 * memory, below it in the array. */
static struct vslot *iter_part(struct vslot *s, uint32_t i) { return s - i; }

static bool is_iter(const struct vslot *s, int key, uint32_t nslots)
{
	for (uint32_t i = 0; i < nslots; i++)
		for (int b = 0; b < V_REG_SIZE; b++)
			if (iter_part((struct vslot *)s, i)->type[b] != STACK_ITER)
				return false;
	return scalar_is_const(&s->spill.var) && s->spill.var.var_off.value == (uint64_t)key;
}

static bool touches_iter(const struct vslot *s, uint32_t nslots)
{
	for (uint32_t i = 0; i < nslots; i++)
		for (int b = 0; b < V_REG_SIZE; b++)
			if (iter_part((struct vslot *)s, i)->type[b] == STACK_ITER)
				return true;
	return false;
}

bool iter_next_active(const struct venv *e, const struct vstate *st)
{
	const struct reg *r = &vcur(st)->regs[BPF_REG_1];
	const struct vslot *s;
	int64_t off;

	(void)e;
	s = iter_slot(st, r, 1, &off);
	return s && s->type[0] == STACK_ITER && s->spill.aux == ITER_ACTIVE;
}

int check_iter_arg(struct venv *e, const struct verifier_func *fn, int regno, uint32_t *release_id)
{
	struct vstate *st = e->cur;
	struct reg *r = vreg(st, regno);
	uint32_t flags = fn->proto.flags, nslots = fn->proto.iter_size / V_REG_SIZE;
	const char *tname;
	char why[64];
	int tlen, err;
	int64_t off = 0;
	struct vslot *s;
	int key;

	if (r->type != PTR_TO_STACK)
		return verr(e, -EINVAL, "arg#%d expected pointer to an iterator on stack", regno - 1);
	iter_type(fn->name, &tname, &tlen);
	key = type_key(e, tname, tlen);
	if (key < 0)
		return verr(e, -E2BIG, "exbpf: more than %d iterator types", V_MAX_ITER_TYPES);
	if (!nslots)
		return verr(e, -EINVAL, "exbpf: iterator function %s has no iter_size", fn->name);
	/* Linux says why it cannot find the slots, then that it found no iterator there. */
	if (stack_obj_slot(e, r, "iter", nslots, why, sizeof(why)) == -EINVAL) {
		vlog_note(e, "%s\n", why);
		return verr(e, -EINVAL, "expected %s iter_%.*s as arg #%d",
			    flags & EXBPF_FN_ITER_NEW ? "uninitialized" : "an initialized", tlen, tname,
			    regno - 1);
	}
	if (flags & EXBPF_FN_ITER_NEW) {
		/* new(): slots that hold no iterator; they become one (written, as Linux checks
		 * a store of each slot first). */
		s = iter_slot(st, r, nslots, &off);
		if (s && touches_iter(s, nslots))
			return verr(e, -EINVAL, "expected uninitialized iter_%.*s as arg #%d", tlen, tname,
				    regno - 1);
		if ((err = check_helper_mem(e, regno, fn->proto.iter_size, true, false, true)))
			return err;
		s = iter_slot(st, r, nslots, &off);
		if (!s)
			return verr(e, -EFAULT, "exbpf: iterator slots out of the frame");
		uint32_t id;

		if ((err = acquire_ref(e, REF_PTR, &id)))
			return err;
		for (uint32_t i = 0; i < nslots; i++) {
			struct vslot *p = iter_part(s, i);

			memset(p->type, STACK_ITER, sizeof(p->type));
			reg_mark_not_init(&p->spill);
		}
		s->spill.ref_obj_id = id;
		s->spill.aux = ITER_ACTIVE;
		s->spill.range = 0;
		s->spill.var = scalar_const((uint64_t)key);
		return 0;
	}
	s = iter_slot(st, r, nslots, &off);
	if (!s || !is_iter(s, key, nslots))
		return verr(e, -EINVAL, "expected an initialized iter_%.*s as arg #%d", tlen, tname,
			    regno - 1);
	if (flags & EXBPF_FN_ITER_DESTROY) {
		*release_id = s->spill.ref_obj_id;
		for (uint32_t i = 0; i < nslots; i++) {
			struct vslot *p = iter_part(s, i);

			memset(p->type, STACK_INVALID, sizeof(p->type));
			reg_mark_not_init(&p->spill);
		}
	}
	return 0;
}

/* After next()'s call (R0 set up as its int * or NULL): an active iterator forks. The path
 * goes on with the iterator drained and R0 = 0 (Linux explores that first); the next round,
 * with the iterator active one round deeper and R0 not NULL, is queued. A drained one only
 * returns NULL. */
int iter_next(struct venv *e, const struct verifier_func *fn, uint32_t idx, const struct reg *arg)
{
	struct vstate *st = e->cur;
	uint32_t nslots = fn->proto.iter_size / V_REG_SIZE;
	struct vslot *s;
	int64_t off;

	s = iter_slot(st, arg, nslots, &off);
	if (!s)
		return verr(e, -EFAULT, "verifier bug: iterator vanished");
	if (s->spill.aux == ITER_ACTIVE) {
		struct vstate *q = push_branch(e, idx + 1);
		struct vslot *qs;

		if (!q)
			return e->failed ? e->res->err : -ENOMEM;
		q->insn_idx = idx + 1;
		qs = iter_slot(q, arg, nslots, &off);
		qs->spill.range++;
		widen_loop_round(e, idx, q);
		vreg(q, BPF_REG_0)->flags &= (uint8_t)~REG_MAYBE_NULL;
	}
	s->spill.aux = ITER_DRAINED;
	reg_mark_const(vreg(st, BPF_REG_0), 0);
	return 0;
}
