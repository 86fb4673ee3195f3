/* struct bpf_dynptr on the stack: two slots the verifier owns (STACK_DYNPTR), made by a
 * constructor helper, read by the others, released (a ring-buffer one) by submit or discard.
 * The program may not read those bytes; a store into them ends a local dynptr and its slices
 * and is refused for a ring-buffer one (its sample would leak); a helper may not write them.
 * Linux's process_dynptr_func() and friends, with its messages. */

#include "verifier/vpriv.h"

#define DYNPTR_SLOTS 2

static struct vslot *slot_at(struct vframe *f, int64_t i)
{
	return i >= 0 && (uint32_t)i < f->nslots ? &f->slots[i] : NULL;
}

static bool is_dynptr(const struct vslot *s)
{
	if (!s)
		return false;
	for (int b = 0; b < V_REG_SIZE; b++)
		if (s->type[b] != STACK_DYNPTR)
			return false;
	return true;
}

/* A PTR_TO_MEM slice of the dynptr `id` stops being memory. */
static void end_slices(struct venv *e, uint32_t id)
{
	for_each_reg(e->cur, r, {
		if (r->type == PTR_TO_MEM && r->dynptr_id == id) {
			if (e->allow_ptr_leaks)
				reg_mark_unknown(r);
			else
				reg_mark_not_init(r);
		}
	});
}

static void clear_dynptr(struct vframe *f, int64_t first)
{
	for (int64_t i = first - 1; i <= first; i++) {
		for (int b = 0; b < V_REG_SIZE; b++)
			f->slots[i].type[b] = STACK_INVALID;
		reg_mark_not_init(&f->slots[i].spill);
	}
}

int dynptr_overwrite(struct venv *e, struct vframe *f, int64_t slot)
{
	struct vslot *s = slot_at(f, slot);
	int64_t first;

	if (!s || s->type[0] != STACK_DYNPTR)
		return 0;
	first = (s->spill.flags & REG_DYNPTR_FIRST) ? slot : slot + 1;
	s = slot_at(f, first);
	if (!s)
		return 0;
	if (s->spill.ref_obj_id)
		return verr(e, -EINVAL, "cannot overwrite referenced dynptr");
	end_slices(e, s->spill.id);
	clear_dynptr(f, first);
	return 0;
}

int dynptr_helper_write(struct venv *e, struct vframe *f, int64_t min_off, int64_t max_off)
{
	for (int64_t o = min_off; o < max_off; o++) {
		struct vslot *s = slot_at(f, (-o - 1) / V_REG_SIZE);

		if (s && s->type[V_REG_SIZE - 1 - (-o - 1) % V_REG_SIZE] == STACK_DYNPTR)
			return verr(e, -EACCES, "potential write to dynptr at off=%lld disallowed", (long long)o);
	}
	return 0;
}

const char *dynptr_kind_name(uint32_t kind)
{
	static const char *const names[] = {
	    [DYNPTR_LOCAL] = "local", [DYNPTR_RINGBUF] = "ringbuf", [DYNPTR_SKB] = "skb",
	    [DYNPTR_XDP] = "xdp",     [DYNPTR_SKB_META] = "skb_meta",
	};

	return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "?";
}

bool dynptr_is_pkt(uint32_t kind)
{
	return kind == DYNPTR_SKB || kind == DYNPTR_XDP || kind == DYNPTR_SKB_META;
}

/* The dynptr kind an UNINIT argument kind makes (0: not a constructor's), and the program
 * types whose context it can be made over (Linux registers the skb, skb_meta and xdp
 * constructors for these only). */
static uint32_t made_kind(enum exbpf_arg_kind k, uint32_t *prog_types)
{
	*prog_types = ~0u;
	switch (k) {
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_LOCAL:
		return DYNPTR_LOCAL;
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_RINGBUF:
		return DYNPTR_RINGBUF;
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB:
		*prog_types = VPT_SOCKET_FILTER | VPT_SCHED_CLS | VPT_SCHED_ACT | VPT_CGROUP_SKB;
		return DYNPTR_SKB;
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB_META:
		*prog_types = VPT_SCHED_CLS | VPT_SCHED_ACT;
		return DYNPTR_SKB_META;
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_XDP:
		*prog_types = VPT_XDP;
		return DYNPTR_XDP;
	default:
		return 0;
	}
}

int check_dynptr_ctor(struct venv *e, const struct verifier_func *fn)
{
	for (int i = 0; i < 5; i++) {
		uint32_t types;

		if (made_kind(fn->proto.args[i], &types) &&
		    !(verifier_prog_type_bit(e->in->prog_type) & types))
			return verr(e, -EACCES, "calling kernel function %s is not allowed", fn->name);
	}
	return 0;
}

/* A ring-buffer dynptr released: it and every clone (same reference), in every frame. */
static void release_clones(struct venv *e, uint32_t ref_obj_id)
{
	for (uint32_t fr = 0; fr <= e->cur->curframe; fr++) {
		struct vframe *f = e->cur->frames[fr];

		for (uint32_t i = 1; i < f->nslots; i++)
			if (is_dynptr(&f->slots[i]) && (f->slots[i].spill.flags & REG_DYNPTR_FIRST) &&
			    f->slots[i].spill.ref_obj_id == ref_obj_id) {
				end_slices(e, f->slots[i].spill.id);
				clear_dynptr(f, i);
			}
	}
}

/* A global function's dynptr argument (CONST_PTR_TO_DYNPTR): its caller's dynptr lives on
 * while the function runs, so the function may read, write and slice it, clone it, but neither
 * release nor remake it. */
static int const_dynptr_arg(struct venv *e, int regno, enum exbpf_arg_kind k, struct dynptr_meta *m)
{
	const struct reg *r = vreg(e->cur, regno);
	int err;

	if ((err = check_ptr_unmodified(e, regno, r)))
		return err;
	if (k == EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF)
		return verr(e, -EINVAL, "cannot release unowned const bpf_dynptr");
	if (k != EXBPF_ARG_PTR_TO_DYNPTR)
		return verr(e, -EINVAL, "Dynptr has to be an uninitialized dynptr");
	m->id = r->id;
	m->ref_obj_id = r->ref_obj_id;
	m->kind = (uint8_t)r->aux;
	m->global_arg = true;
	return 0;
}

int check_dynptr_arg(struct venv *e, int regno, enum exbpf_arg_kind k, bool kfunc,
		     struct dynptr_meta *m)
{
	struct reg *r = vreg(e->cur, regno);
	struct vframe *f;
	char why[64] = "", t[32];
	int64_t first;
	int err;

	if (r->type == CONST_PTR_TO_DYNPTR)
		return const_dynptr_arg(e, regno, k, m);
	if (r->type != PTR_TO_STACK && kfunc)
		return verr(e, -EINVAL, "arg#%d expected pointer to stack or const struct bpf_dynptr",
			    regno - 1);
	if (r->type != PTR_TO_STACK)
		return verr(e, -EACCES, "R%d type=%s expected=fp, dynptr_ptr", regno,
			    reg_type_str(r, t, sizeof(t)));
	f = e->cur->frames[r->frameno];
	first = stack_obj_slot(e, r, "dynptr", DYNPTR_SLOTS, why, sizeof(why));
	if (first == -EINVAL)
		vlog_note(e, "%s\n", why);
	uint32_t types, made = made_kind(k, &types);

	if (made || k == EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_CLONE) {
		struct reg d = {.type = NOT_INIT};

		if (first == -EINVAL)
			return verr(e, -EINVAL, "Dynptr has to be an uninitialized dynptr");
		/* Linux writes the 16 bytes as two stores first (which ends a local dynptr there,
		 * and refuses to overwrite a referenced one). */
		for (int64_t o = 0; o < DYNPTR_SLOTS * V_REG_SIZE; o += V_REG_SIZE)
			if ((err = stack_write_unknown(e, regno, o, V_REG_SIZE)))
				return err;
		first = stack_obj_slot(e, r, "dynptr", DYNPTR_SLOTS, why, sizeof(why));
		if (first < 0)
			return verr(e, -EFAULT, "verifier bug: dynptr slots not allocated");
		if ((err = dynptr_overwrite(e, f, first)) || (err = dynptr_overwrite(e, f, first - 1)))
			return err;
		d.aux = made ? made : m->kind;
		d.id = vnew_id(e);
		/* A clone shares its original's reference: releasing either ends both. */
		if (k == EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_CLONE)
			d.ref_obj_id = m->ref_obj_id;
		else if (d.aux == DYNPTR_RINGBUF && (err = acquire_ref(e, REF_PTR, &d.ref_obj_id)))
			return err;
		for (int64_t i = first - 1; i <= first; i++) {
			for (int b = 0; b < V_REG_SIZE; b++)
				f->slots[i].type[b] = STACK_DYNPTR;
			f->slots[i].spill = d;
			if (i == first)
				f->slots[i].spill.flags = REG_DYNPTR_FIRST;
		}
		return 0;
	}
	if (k == EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF && (first < 0 || !f->slots[first].spill.ref_obj_id))
		return verr(e, -EINVAL, "arg %d is an unacquired reference", regno);
	if (first < 0 || !(f->slots[first].spill.flags & REG_DYNPTR_FIRST) ||
	    !is_dynptr(&f->slots[first]) || !is_dynptr(&f->slots[first - 1]))
		return verr(e, -EINVAL, "Expected an initialized dynptr as arg #%d", regno - 1);
	if (k == EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF && f->slots[first].spill.aux != DYNPTR_RINGBUF)
		return verr(e, -EINVAL, "Expected a dynptr of type %s as arg #%d",
			    dynptr_kind_name(DYNPTR_RINGBUF), regno - 1);
	m->id = f->slots[first].spill.id;
	m->ref_obj_id = f->slots[first].spill.ref_obj_id;
	m->kind = (uint8_t)f->slots[first].spill.aux;
	/* Released: its slots and its clones' are free again (the reference goes with the
	 * call). */
	if (k == EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF)
		release_clones(e, m->ref_obj_id);
	return 0;
}
