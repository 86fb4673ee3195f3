/* Calls and exits: helpers and kfuncs against their prototypes, static subprograms in the
 * caller's context, global functions against their BTF signature, callbacks in frames of their
 * own, references and held sections, the exit checks (Linux's check_helper_call,
 * check_kfunc_call, check_func_call, prepare_func_exit, check_return_code). */
#include <stdio.h>
#include <string.h>

#include "verifier/vpriv.h"

int acquire_ref(struct venv *e, uint8_t kind, uint32_t *id)
{
	struct vstate *st = e->cur;

	if (st->nrefs == V_MAX_REFS)
		return verr(e, -EINVAL, "too many references held");
	*id = vnew_id(e);
	st->refs[st->nrefs++] = (struct vref){.id = *id, .insn = st->insn_idx, .kind = kind};
	return 0;
}

void release_ref_regs(struct venv *e, uint32_t ref_obj_id)
{
	for_each_reg(e->cur, r, {
		if (r->ref_obj_id == ref_obj_id) {
			if (e->allow_ptr_leaks)
				reg_mark_unknown(r);
			else
				reg_mark_not_init(r);
		}
	});
}

int release_ref(struct venv *e, uint32_t ref_obj_id)
{
	struct vstate *st = e->cur;

	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].id == ref_obj_id && st->refs[i].kind == REF_PTR) {
			st->refs[i] = st->refs[--st->nrefs];
			release_ref_regs(e, ref_obj_id);
			return 0;
		}
	return verr(e, -EINVAL, "release kernel function called with unreleased reference");
}

static bool holds(const struct vstate *st, uint8_t kind)
{
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].kind == kind)
			return true;
	return false;
}

/* check_resource_leak(): what must not be held where a program ends (prefix names the
 * place: "BPF_EXIT instruction in main prog", "bpf_throw"). */
static int resource_leak(struct venv *e, const char *prefix, bool check_refs)
{
	struct vstate *st = e->cur;

	if (holds(st, REF_LOCK))
		return verr(e, -EINVAL, "%s cannot be used inside bpf_spin_lock-ed region", prefix);
	if (check_refs)
		for (uint32_t i = 0; i < st->nrefs; i++)
			if (st->refs[i].kind == REF_PTR)
				return verr(e, -EINVAL, "Unreleased reference id=%u alloc_insn=%u",
					    st->refs[i].id, st->refs[i].insn);
	if (holds(st, REF_IRQ))
		return verr(e, -EINVAL, "%s cannot be used inside bpf_local_irq_save-ed region", prefix);
	if (st->rcu_depth)
		return verr(e, -EINVAL, "%s cannot be used inside bpf_rcu_read_lock-ed region", prefix);
	if (st->preempt_depth)
		return verr(e, -EINVAL, "%s cannot be used inside bpf_preempt_disable-ed region", prefix);
	return 0;
}

static void clobber_caller_regs(struct vframe *f)
{
	for (int r = BPF_REG_0; r <= BPF_REG_5; r++)
		reg_mark_not_init(&f->regs[r]);
}

/* ---- Arguments. */

struct call_meta {
	int map; /* map index of a CONST_MAP_PTR argument, -1 */
	int mem_regno;
	int64_t alloc_size;
	uint32_t release_id;
	int callback_sub;
	int cb_ctx_regno;
	int timer_map; /* the map whose value holds the bpf_timer argument, -1 */
	uint64_t msize_max; /* the largest size a size argument allowed */
	struct dynptr_meta dynptr;
	bool kfunc;
	const struct graph_field *graph; /* the collection of a list head / rbtree root argument */
	const struct kptr_field *kptr;	 /* the field of a PTR_TO_KPTR argument */
	uint32_t node_ref; /* the owned node a push or add hands to it */
};

static int check_size_arg(struct venv *e, int regno, bool zero_ok, struct call_meta *m, bool uninit)
{
	struct reg *r = vreg(e->cur, regno);

	if (r->type != SCALAR_VALUE) {
		char t[32];

		return verr(e, -EACCES, "R%d type=%s expected=scalar", regno, reg_type_str(r, t, sizeof(t)));
	}
	m->msize_max = r->var.umax;
	if (r->var.smin < 0)
		return verr(e, -EACCES, "R%d min value is negative, either use unsigned or 'var &= const'",
			    regno);
	if (r->var.umin == 0 && !zero_ok)
		return verr(e, -EACCES, "R%d invalid zero-sized read: u64=[%llu,%llu]", regno,
			    (unsigned long long)r->var.umin, (unsigned long long)r->var.umax);
	if (r->var.umax >= (uint64_t)V_MAX_VAR_SIZ)
		return verr(e, -EACCES, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'",
			    regno);
	if (m->mem_regno < 0)
		return 0;
	/* A null memory argument goes with a size that can only be zero (Linux's zero-byte
	 * read from NULL); with any other it is a scalar where memory was expected. */
	if (reg_is_const(vreg(e->cur, m->mem_regno), 0)) {
		if (zero_ok && r->var.umax == 0)
			return 0;
		return verr(e, -EACCES, "R%d type=scalar expected=fp", m->mem_regno);
	}
	return check_helper_mem(e, m->mem_regno, (int64_t)r->var.umax, uninit, r->var.umin == 0, uninit);
}

static int expect(struct venv *e, int regno, const char *what)
{
	char t[32];

	return verr(e, -EACCES, "R%d type=%s expected=%s", regno, reg_type_str(vreg(e->cur, regno), t, sizeof(t)),
		    what);
}

static int check_arg(struct venv *e, const struct verifier_func *fn, int i, struct call_meta *m,
		     bool *uninit_mem)
{
	int regno = i + 1;
	struct reg *r = vreg(e->cur, regno);
	enum exbpf_arg_kind k = fn->proto.args[i];
	int err;

	if (k == EXBPF_ARG_NONE)
		return 0;
	if ((err = check_reg_init(e, regno)))
		return err;
	/* Linux asks before the argument's type: most helpers cannot take packet memory. */
	if (k != EXBPF_ARG_ANYTHING && fn->no_pkt &&
	    (r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META))
		return verr(e, -EACCES, "helper access to the packet is not allowed");
	switch (k) {
	case EXBPF_ARG_ANYTHING:
		if (reg_is_pointer(r) && !e->allow_ptr_leaks)
			return verr(e, -EACCES, "R%d leaks addr into helper function", regno);
		return 0;
	case EXBPF_ARG_SCALAR: /* a kfunc's integer argument: Linux's wording for those */
		return r->type == SCALAR_VALUE ? 0 : verr(e, -EINVAL, "R%d is not a scalar", regno);
	case EXBPF_ARG_CONST_MAP_PTR:
		if (r->type != CONST_PTR_TO_MAP)
			return expect(e, regno, "map_ptr");
		m->map = (int)r->aux;
		return 0;
	case EXBPF_ARG_PTR_TO_MAP_KEY:
	case EXBPF_ARG_PTR_TO_MAP_VALUE:
	case EXBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
	case EXBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL: {
		const struct verifier_map *mp;

		if (k == EXBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL && reg_is_const(r, 0))
			return 0;
		if (m->map < 0)
			return verr(e, -EACCES, "invalid map_ptr to access map->%s",
				    k == EXBPF_ARG_PTR_TO_MAP_KEY ? "key" : "value");
		mp = &e->in->maps[m->map];
		return check_helper_mem(e, regno, k == EXBPF_ARG_PTR_TO_MAP_KEY ? mp->key_size : mp->value_size,
					k == EXBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, false,
					k == EXBPF_ARG_PTR_TO_UNINIT_MAP_VALUE);
	}
	case EXBPF_ARG_PTR_TO_MEM_OR_NULL:
		if (reg_is_const(r, 0)) {
			m->mem_regno = regno;
			return 0;
		}
		/* fallthrough */
	case EXBPF_ARG_PTR_TO_MEM:
	case EXBPF_ARG_PTR_TO_UNINIT_MEM:
		if (!reg_is_pointer(r) || r->type == PTR_TO_CTX || r->type == CONST_PTR_TO_MAP ||
		    r->type == PTR_TO_PACKET_END || r->type == PTR_TO_FUNC ||
		    r->type == CONST_PTR_TO_DYNPTR || (r->flags & REG_MAYBE_NULL))
			return expect(e, regno, "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, "
						"trusted_ptr_");
		m->mem_regno = regno;
		*uninit_mem = k == EXBPF_ARG_PTR_TO_UNINIT_MEM;
		return 0;
	case EXBPF_ARG_CONST_SIZE:
	case EXBPF_ARG_CONST_SIZE_OR_ZERO:
		err = check_size_arg(e, regno, k == EXBPF_ARG_CONST_SIZE_OR_ZERO, m, *uninit_mem);
		m->mem_regno = -1;
		return err;
	case EXBPF_ARG_CONST_SIZE_K: {
		int mem = m->mem_regno;

		/* Linux checks a given buffer against the size's bounds first (read, then
		 * write), then asks for a constant. */
		if (mem >= 0 && !reg_is_const(vreg(e->cur, mem), 0)) {
			err = r->type == SCALAR_VALUE ? check_size_arg(e, regno, true, m, false) : 0;
			if (!err && r->type == SCALAR_VALUE)
				err = check_helper_mem(e, mem, (int64_t)r->var.umax, true, true, true);
			if (err) {
				log_printf(e->in->log, "arg#%d arg#%d memory, len pair leads to invalid memory access\n",
					   i - 1, i);
				return err;
			}
		}
		m->mem_regno = -1;
		if (r->type != SCALAR_VALUE || !scalar_is_const(&r->var))
			return verr(e, -EINVAL, "R%d must be a known constant", regno);
		m->alloc_size = (int64_t)r->var.var_off.value;
		return 0;
	}
	case EXBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO:
		if (r->type != SCALAR_VALUE || !scalar_is_const(&r->var))
			return verr(e, -EACCES, "R%d is not a known constant'", regno);
		m->alloc_size = (int64_t)r->var.var_off.value;
		return 0;
	case EXBPF_ARG_PTR_TO_CTX:
		if (r->type != PTR_TO_CTX && m->kfunc) {
			char t[32];

			return verr(e, -EINVAL, "arg#%d expected pointer to ctx, but got %s", i,
				    reg_type_str(r, t, sizeof(t)));
		}
		if (r->type != PTR_TO_CTX)
			return expect(e, regno, "ctx");
		return check_ptr_unmodified(e, regno, r);
	case EXBPF_ARG_PTR_TO_FUNC:
		if (r->type != PTR_TO_FUNC)
			return expect(e, regno, "func");
		m->callback_sub = (int)r->aux;
		return 0;
	case EXBPF_ARG_PTR_TO_STACK_OR_NULL:
		if (reg_is_const(r, 0) || r->type == PTR_TO_STACK) {
			m->cb_ctx_regno = regno;
			return 0;
		}
		return expect(e, regno, "fp");
	case EXBPF_ARG_PTR_TO_STACK:
		return r->type == PTR_TO_STACK ? 0 : expect(e, regno, "fp");
	case EXBPF_ARG_PTR_TO_SPIN_LOCK:
	case EXBPF_ARG_PTR_TO_TIMER: {
		bool lock = k == EXBPF_ARG_PTR_TO_SPIN_LOCK;
		const struct verifier_map *mp;
		int32_t at;

		if (lock && r->type == PTR_TO_OBJ && !(r->flags & REG_MAYBE_NULL))
			return graph_obj_lock(e, regno);
		if (r->type != PTR_TO_MAP_VALUE || (r->flags & REG_MAYBE_NULL))
			return expect(e, regno, lock ? "map_value, ptr_" : "map_value");
		if (lock && in_rbtree_cb(e->cur))
			return verr(e, -EACCES, "can't spin_{lock,unlock} in rbtree cb");
		mp = &e->in->maps[r->aux];
		at = lock ? mp->spin_lock_off : mp->timer_off;
		if (!scalar_is_const(&r->var))
			return verr(e, -EINVAL, "R%d doesn't have constant offset. %s has to be at the constant "
						"offset",
				    regno, lock ? "bpf_spin_lock" : "bpf_timer");
		if (at < 0)
			return verr(e, -EINVAL, "map '%s' has no valid %s", mp->name ? mp->name : "",
				    lock ? "bpf_spin_lock" : "bpf_timer");
		if ((int64_t)r->var.var_off.value + r->off != at)
			return verr(e, -EINVAL, "off %lld doesn't point to 'struct %s' that is at %d",
				    (long long)r->var.var_off.value + r->off, lock ? "bpf_spin_lock" : "bpf_timer",
				    at);
		if (!lock)
			m->timer_map = (int)r->aux;
		return 0;
	}
	case EXBPF_ARG_PTR_TO_ALLOC_MEM:
		if (r->type != PTR_TO_MEM || !(r->flags & REG_RINGBUF) || (r->flags & REG_MAYBE_NULL))
			return expect(e, regno, "ringbuf_mem");
		if (r->off || !scalar_is_const(&r->var) || r->var.var_off.value)
			return verr(e, -EACCES, "R%d must have zero offset when passed to release func", regno);
		if (!r->ref_obj_id)
			return verr(e, -EINVAL, "R%d must be referenced when passed to release function", regno);
		m->release_id = r->ref_obj_id;
		return 0;
	case EXBPF_ARG_PTR_TO_OBJ:
		if (r->type == PTR_TO_OBJ && (r->flags & REG_NON_OWN))
			return verr(e, -EINVAL, "arg#%d expected pointer to allocated object", i);
		if (r->type != PTR_TO_OBJ || (r->flags & REG_MAYBE_NULL))
			return expect(e, regno, "ptr_");
		if (r->ref_obj_id)
			m->release_id = r->ref_obj_id;
		/* A release must be given the object itself, not a member (Linux:
		 * check_func_arg_reg_off). */
		if ((fn->proto.flags & EXBPF_FN_RELEASE) && fn->proto.release_arg == i &&
		    (r->off || !scalar_is_const(&r->var) || r->var.var_off.value))
			return verr(e, -EACCES, "R%d must have zero offset when passed to release func or trusted arg to kfunc",
				    regno);
		return 0;
	case EXBPF_ARG_PTR_TO_LONG:
	case EXBPF_ARG_PTR_TO_INT: {
		int size = k == EXBPF_ARG_PTR_TO_LONG ? 8 : 4;
		int merr = check_helper_mem(e, regno, size, true, false, true);

		return merr ? merr : check_strict_alignment(e, regno, 0, size);
	}
	case EXBPF_ARG_PTR_TO_DYNPTR:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_LOCAL:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_RINGBUF:
	case EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_CLONE:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB_META:
	case EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_XDP:
		err = check_dynptr_arg(e, regno, k, m->kfunc, &m->dynptr);
		if (!err && k == EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF)
			m->release_id = m->dynptr.ref_obj_id;
		return err;
	case EXBPF_ARG_PTR_TO_ITER:
		return check_iter_arg(e, fn, regno, &m->release_id);
	case EXBPF_ARG_PTR_TO_KPTR:
		return check_kptr_arg(e, regno, &m->kptr);
	case EXBPF_ARG_PTR_TO_OBJ_OR_NULL:
		if (reg_is_const(r, 0))
			return 0;
		if ((err = check_kptr_obj(e, regno, m->kptr)))
			return err;
		m->release_id = r->ref_obj_id;
		return 0;
	case EXBPF_ARG_PTR_TO_LIST_HEAD:
	case EXBPF_ARG_PTR_TO_RB_ROOT:
		return check_graph_root(e, regno, k == EXBPF_ARG_PTR_TO_LIST_HEAD ? GRAPH_LIST : GRAPH_RBTREE,
					&m->graph);
	case EXBPF_ARG_PTR_TO_LIST_NODE:
	case EXBPF_ARG_PTR_TO_RB_NODE:
	case EXBPF_ARG_PTR_TO_RB_NODE_REF:
		return check_graph_node(e, fn->name, regno, k, m->graph, &m->node_ref);
	case EXBPF_ARG_PTR_TO_CONST_STR:
		if (r->type != PTR_TO_MAP_VALUE)
			return expect(e, regno, "map_value");
		if (!(e->in->maps[r->aux].map_flags & BPF_F_RDONLY_PROG))
			return verr(e, -EACCES, "R%d does not point to a readonly map'", regno);
		return 0;
	default:
		return verr(e, -EINVAL, "exbpf: argument kind %d of %s is not supported by the verifier", k,
			    fn->name);
	}
}

/* ---- Callbacks and subprograms. */

static int enter_frame(struct venv *e, uint32_t sub, int32_t callsite, struct vstate *st)
{
	struct vframe *caller = vcur(st), *f;

	if (st->curframe + 1 >= V_MAX_FRAMES)
		return verr(e, -E2BIG, "the call stack of %u frames is too deep !", st->curframe + 2);
	f = vframe_new(st->curframe + 1, callsite, sub);
	if (!f)
		return -ENOMEM;
	f->regs[BPF_REG_10].type = PTR_TO_STACK;
	f->regs[BPF_REG_10].frameno = (uint8_t)f->frameno;
	f->regs[BPF_REG_10].var = scalar_const(0);
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		f->regs[r] = caller->regs[r];
	st->frames[++st->curframe] = f;
	st->insn_idx = e->cfg.subs[sub].start;
	return 0;
}

/* Runs of a callback followed without widening along a path. */
#define CB_EXACT_RUNS 32

/* The callback's first run is explored as a branch; the current path goes on after the call
 * as if the helper never called it (Linux's push_callback_call). */
static int push_callback(struct venv *e, const struct verifier_func *fn, const struct call_meta *m,
			 uint32_t idx)
{
	struct vstate *cb;
	struct vframe *caller = vcur(e->cur), *f;
	int err;

	if (m->callback_sub < 0)
		return 0;
	/* bpf_loop runs its callback at most nr_loops times: with that many runs on this path,
	 * only the return is left. */
	if (!strcmp(fn->name, "bpf_loop") &&
	    caller->callback_depth >= caller->regs[BPF_REG_1].var.umax) {
		caller->callback_depth = 0;
		if (e->in->log_level >= 2)
			vlog_note(e, "frame%u bpf_loop iteration limit reached\n", e->cur->curframe);
		return 0;
	}
	/* Linux follows every run while the values its precision marks keep differ; exbpf,
	 * whose values that matter are decided statically, follows the first runs exactly and
	 * then widens each run against the previous one, as a bounded loop's rounds, so that a
	 * counter nothing compares cannot keep the runs apart forever. */
	if (caller->callback_depth >= CB_EXACT_RUNS)
		widen_loop_round(e, idx, e->cur);
	cb = push_branch(e, idx);
	if (!cb)
		return e->failed ? e->res->err : -ENOMEM;
	err = enter_frame(e, (uint32_t)m->callback_sub, (int32_t)idx, cb);
	if (err)
		return err;
	cb->cb_runs++;
	cb->frames[cb->curframe - 1]->callback_depth++;
	vcur(e->cur)->callback_depth = 0;
	f = vcur(cb);
	f->in_callback = true;
	f->cb_ret_min = 0;
	f->cb_ret_max = 1;
	f->cb_helper_insn = (int32_t)idx;
	if (fn->proto.flags & EXBPF_FN_ASYNC_CALLBACK) {
		f->in_async_callback = true;
		f->cb_ret_max = 0;
	}
	if (m->map >= 0 && !strcmp(fn->name, "bpf_for_each_map_elem")) {
		f->regs[BPF_REG_1].type = CONST_PTR_TO_MAP;
		f->regs[BPF_REG_1].aux = (uint32_t)m->map;
		f->regs[BPF_REG_1].var = scalar_const(0);
		f->regs[BPF_REG_2].type = PTR_TO_MAP_KEY;
		f->regs[BPF_REG_2].aux = (uint32_t)m->map;
		f->regs[BPF_REG_2].var = scalar_const(0);
		f->regs[BPF_REG_3].type = PTR_TO_MAP_VALUE;
		f->regs[BPF_REG_3].aux = (uint32_t)m->map;
		f->regs[BPF_REG_3].var = scalar_const(0);
		f->regs[BPF_REG_4] = caller->regs[m->cb_ctx_regno > 0 ? m->cb_ctx_regno : BPF_REG_3];
		reg_mark_not_init(&f->regs[BPF_REG_5]);
	} else if (!strcmp(fn->name, "bpf_loop")) {
		reg_mark_unknown(&f->regs[BPF_REG_1]);
		f->regs[BPF_REG_1].var = scalar_u32range(0, UINT32_MAX);
		f->regs[BPF_REG_2] = caller->regs[BPF_REG_3];
		/* Only (index, ctx): what the caller had in r3-r5 is not the callback's. */
		for (int r = BPF_REG_3; r <= BPF_REG_5; r++)
			reg_mark_not_init(&f->regs[r]);
	} else if ((fn->proto.flags & EXBPF_FN_ASYNC_CALLBACK) && m->timer_map >= 0) {
		/* bpf_timer callback(map, key, value) of the timer's element */
		static const uint8_t t[] = {CONST_PTR_TO_MAP, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE};

		for (int i = 0; i < 3; i++) {
			struct reg *r = &f->regs[BPF_REG_1 + i];

			reg_mark_not_init(r);
			r->type = t[i];
			r->aux = (uint32_t)m->timer_map;
			r->var = scalar_const(0);
		}
		reg_mark_not_init(&f->regs[BPF_REG_4]);
		reg_mark_not_init(&f->regs[BPF_REG_5]);
	} else if (m->graph && fn->proto.args[0] == EXBPF_ARG_PTR_TO_RB_ROOT) {
		/* bpf_rbtree_add's less(a, b): two nodes of the tree, under its lock. */
		graph_node_reg(&f->regs[BPF_REG_1], m->graph, true);
		graph_node_reg(&f->regs[BPF_REG_2], m->graph, true);
		for (int r = BPF_REG_3; r <= BPF_REG_5; r++)
			reg_mark_not_init(&f->regs[r]);
		f->in_rbtree_cb = true;
	} else {
		for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
			reg_mark_unknown(&f->regs[r]);
	}
	return 0;
}

/* ---- Global functions: their arguments from BTF. */

/* The BTF FUNC of subprogram `sub`, or 0. */
static uint32_t func_id_of(struct venv *e, uint32_t sub)
{
	const struct verifier_input *in = e->in;

	if (!in->btf || !in->func_btf_ids)
		return 0;
	for (size_t i = 0; i < in->nfuncs; i++)
		if (in->funcs[i].start == e->cfg.subs[sub].start) {
			const struct btf_type *fn = exbpf_btf__type_by_id(in->btf, in->func_btf_ids[i]);

			return fn && exbpf_btf_kind(fn) == BTF_KIND_FUNC ? in->func_btf_ids[i] : 0;
		}
	return 0;
}

static const struct btf_type *func_proto_of(struct venv *e, uint32_t sub)
{
	uint32_t id = func_id_of(e, sub);
	const struct btf_type *fn = id ? exbpf_btf__type_by_id(e->in->btf, id) : NULL;

	fn = fn ? exbpf_btf__type_by_id(e->in->btf, fn->type) : NULL;
	return fn && exbpf_btf_kind(fn) == BTF_KIND_FUNC_PROTO ? fn : NULL;
}

/* Whether argument `arg` of subprogram `sub` carries the decl tag "arg:<tag>" (libbpf's
 * __arg_ctx, __arg_nonnull, ...). */
static bool arg_tagged(struct venv *e, uint32_t sub, int arg, const char *tag)
{
	uint32_t fid = func_id_of(e, sub), n = e->in->btf ? exbpf_btf__type_cnt(e->in->btf) : 0;

	for (uint32_t id = 1; fid && id < n; id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(e->in->btf, id);
		const char *v;

		if (!t || exbpf_btf_kind(t) != BTF_KIND_DECL_TAG || t->type != fid ||
		    exbpf_btf_decl_tag(t)->component_idx != arg)
			continue;
		v = exbpf_btf__name_by_offset(e->in->btf, t->name_off);
		if (v && !strncmp(v, "arg:", 4) && !strcmp(v + 4, tag))
			return true;
	}
	return false;
}

enum garg { GARG_SCALAR, GARG_CTX, GARG_MEM, GARG_MEM_NONNULL, GARG_DYNPTR, GARG_BAD };

/* Linux's btf_type_str(): the kind's name, "UNKNOWN" for void. */
static const char *btf_kind_str(const struct btf_type *t)
{
	static const char *const names[] = {
	    "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF",
	    "VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT",
	    "DECL_TAG", "TYPE_TAG", "ENUM64"};
	unsigned k = t ? exbpf_btf_kind(t) : 0;

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "UNKNOWN";
}

static enum garg global_arg(struct venv *e, uint32_t sub, const struct btf_type *proto, int i,
			    uint32_t *size)
{
	const struct btf_param *p = (const struct btf_param *)(proto + 1);
	uint32_t id;
	const struct btf_type *t = exbpf_btf__skip_mods(e->in->btf, p[i].type, &id), *pt;
	const char *name;
	int64_t sz;

	if (!t || exbpf_btf_kind(t) != BTF_KIND_PTR)
		return GARG_SCALAR;
	if (arg_tagged(e, sub, i, "ctx"))
		return GARG_CTX;
	pt = exbpf_btf__skip_mods(e->in->btf, t->type, &id);
	name = pt ? exbpf_btf__name_by_offset(e->in->btf, pt->name_off) : NULL;
	if (pt && exbpf_btf_kind(pt) == BTF_KIND_STRUCT && name &&
	    (!strcmp(name, "__sk_buff") || !strcmp(name, "xdp_md") || !strcmp(name, "bpf_raw_tracepoint_args")))
		return GARG_CTX;
	/* A dynptr of the caller's, which the function may use but not end. */
	if (pt && exbpf_btf_kind(pt) == BTF_KIND_STRUCT && name && !strcmp(name, "bpf_dynptr"))
		return GARG_DYNPTR;
	/* Memory whose size the pointee's type gives: void and incomplete types give none. */
	sz = pt && id ? exbpf_btf__resolve_size(e->in->btf, id) : -1;
	if (sz < 0)
		return GARG_BAD;
	*size = (uint32_t)sz;
	return arg_tagged(e, sub, i, "nonnull") ? GARG_MEM_NONNULL : GARG_MEM;
}

int global_func_entry(struct venv *e, uint32_t sub, struct vframe *f);
int global_func_entry(struct venv *e, uint32_t sub, struct vframe *f)
{
	const struct btf_type *proto = func_proto_of(e, sub);
	int n = proto ? exbpf_btf_vlen(proto) : 5;

	for (int i = 0; i < n && i < 5; i++) {
		struct reg *r = &f->regs[BPF_REG_1 + i];
		uint32_t size = 0;
		enum garg k = proto ? global_arg(e, sub, proto, i, &size) : GARG_SCALAR;

		reg_mark_not_init(r);
		r->var = scalar_const(0);
		if (k == GARG_CTX) {
			r->type = PTR_TO_CTX;
		} else if (k == GARG_DYNPTR) {
			/* Linux sees a local dynptr, whatever the caller's. */
			r->type = CONST_PTR_TO_DYNPTR;
			r->aux = DYNPTR_LOCAL;
			r->id = vnew_id(e);
		} else if (k == GARG_MEM || k == GARG_MEM_NONNULL) {
			/* Memory of the pointee's size, NULL unless the argument is __arg_nonnull. */
			r->type = PTR_TO_MEM;
			r->flags = k == GARG_MEM ? REG_MAYBE_NULL : 0;
			r->aux = size;
			r->id = k == GARG_MEM ? vnew_id(e) : 0;
		} else {
			reg_mark_unknown(r);
		}
	}
	return 0;
}

static bool is_int_type(const struct exbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = id ? exbpf_btf__skip_mods(btf, id, NULL) : NULL;
	uint16_t k = t ? exbpf_btf_kind(t) : 0;

	return k == BTF_KIND_INT || k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64;
}

bool sub_returns_int(struct venv *e, uint32_t sub)
{
	const struct btf_type *proto = func_proto_of(e, sub);

	return !proto || is_int_type(e->in->btf, proto->type);
}

static const char *func_name(const struct venv *e, uint32_t sub)
{
	const char *n = vsub_name(e, sub);

	return n[0] ? n : "?";
}

void vlog_main_signature(struct venv *e)
{
	const struct btf_type *proto = func_proto_of(e, 0);

	/* Linux reads the main program's BTF signature as a global function's, and remarks in
	 * the log (only) that a __naked void one could not be one. */
	if (e->in->log_level && proto && !is_int_type(e->in->btf, proto->type))
		log_printf(e->in->log,
			   "Global function %s() doesn't return scalar. Only those are supported.\n",
			   func_name(e, 0));
}

/* What Linux 6.18 takes of a global function's (and the exception callback's) signature. */
int check_func_signature(struct venv *e, uint32_t sub)
{
	const struct btf_type *proto = func_proto_of(e, sub);

	if (!proto)
		return 0;
	if (!is_int_type(e->in->btf, proto->type))
		return verr(e, -EINVAL,
			    "Global function %s() doesn't return scalar. Only those are supported.",
			    func_name(e, sub));
	if ((int)sub == e->cfg.exception_cb &&
	    (exbpf_btf_vlen(proto) != 1 ||
	     !is_int_type(e->in->btf, ((const struct btf_param *)(proto + 1))->type)))
		return verr(e, -EINVAL, "exception cb only supports single integer argument");
	return 0;
}

/* Linux's exceptional exit (strict mode): a throw here would leave every reference of every
 * frame and every RCU / preempt / irq region behind, and Linux releases nothing. */
static int exception_exit_leaks(struct venv *e)
{
	struct vstate *st = e->cur;

	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].kind == REF_PTR)
			log_printf(e->in->log, "Unreleased reference id=%u alloc_insn=%u\n",
				   st->refs[i].id, st->refs[i].insn);
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].kind == REF_PTR)
			return verr(e, -EINVAL, "bpf_throw would lead to reference leak");
	return resource_leak(e, "bpf_throw", false);
}

/* Helpers after which earlier packet pointers are stale (Linux's
 * bpf_helper_changes_pkt_data). */
bool helper_changes_pkt_data(int32_t id)
{
	switch (id) {
	case BPF_FUNC_skb_store_bytes:
	case BPF_FUNC_l3_csum_replace:
	case BPF_FUNC_l4_csum_replace:
	case BPF_FUNC_skb_vlan_push:
	case BPF_FUNC_skb_vlan_pop:
	case BPF_FUNC_skb_change_proto:
	case BPF_FUNC_skb_change_type:
	case BPF_FUNC_skb_change_tail:
	case BPF_FUNC_skb_change_head:
	case BPF_FUNC_skb_pull_data:
	case BPF_FUNC_skb_adjust_room:
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
	case BPF_FUNC_msg_pull_data:
	case BPF_FUNC_msg_push_data:
	case BPF_FUNC_msg_pop_data:
	case BPF_FUNC_lwt_push_encap:
	case BPF_FUNC_lwt_seg6_store_bytes:
	case BPF_FUNC_lwt_seg6_adjust_srh:
	case BPF_FUNC_lwt_seg6_action:
	case BPF_FUNC_clone_redirect:
	case BPF_FUNC_store_hdr_opt:
		return true;
	default:
		return false;
	}
}

/* Packet data moved: every packet pointer of every frame, spilled or not, is stale. */
static void forget_pkt_pointers(struct venv *e)
{
	for_each_reg(e->cur, r, {
		if (r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META ||
		    r->type == PTR_TO_PACKET_END)
			reg_mark_unknown(r);
		/* Slices of packet dynptrs end too (Linux: as unknown scalars for root). */
		else if (r->type == PTR_TO_MEM && (r->flags & REG_PKT_SLICE)) {
			if (e->allow_ptr_leaks)
				reg_mark_unknown(r);
			else
				reg_mark_not_init(r);
		}
	});
}

/* Argument i of a call of global function `sub` against its BTF signature (Linux's
 * btf_check_func_arg_match()). */
static int check_global_arg(struct venv *e, uint32_t sub, const struct btf_type *proto, int i)
{
	int regno = BPF_REG_1 + i, err;
	struct reg *r = vreg(e->cur, regno);
	uint32_t size = 0;
	enum garg k = global_arg(e, sub, proto, i, &size);
	char t[32];

	if (k == GARG_BAD) {
		const struct btf_param *p = (const struct btf_param *)(proto + 1);
		const struct btf_type *pt = exbpf_btf__skip_mods(e->in->btf, p[i].type, NULL);
		uint32_t ref = pt ? pt->type : 0;
		const struct btf_type *rt = ref ? exbpf_btf__skip_mods(e->in->btf, ref, NULL) : NULL;
		const char *rn = rt ? exbpf_btf__name_by_offset(e->in->btf, rt->name_off) : NULL;

		return verr(e, -EINVAL, "arg#%d reference type('%s %s') size cannot be determined: %d",
			    i, btf_kind_str(rt), rn ? rn : "", -EINVAL);
	}
	if ((err = check_reg_init(e, regno)))
		return err;
	if (k == GARG_CTX && r->type != PTR_TO_CTX)
		return verr(e, -EINVAL, "arg#%d expects pointer to ctx", i);
	if (k == GARG_SCALAR && r->type != SCALAR_VALUE)
		return verr(e, -EINVAL, "R%d is not a scalar", regno);
	if (k == GARG_DYNPTR) {
		struct dynptr_meta m = {0};

		return check_dynptr_arg(e, regno, EXBPF_ARG_PTR_TO_DYNPTR, true, &m);
	}
	if (k != GARG_MEM && k != GARG_MEM_NONNULL)
		return 0;
	if (reg_is_const(r, 0))
		return 0;
	if (r->type != PTR_TO_STACK && r->type != PTR_TO_MAP_VALUE && r->type != PTR_TO_MAP_KEY &&
	    r->type != PTR_TO_MEM && r->type != PTR_TO_OBJ && r->type != PTR_TO_PACKET &&
	    r->type != PTR_TO_PACKET_META)
		return verr(e, -EACCES, "R%d type=%s expected=fp", regno, reg_type_str(r, t, sizeof(t)));
	/* The callee's memory argument would outlive the packet data it points to. */
	if ((r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META ||
	     (r->type == PTR_TO_MEM && (r->flags & REG_PKT_SLICE))) &&
	    e->sub_changes_pkt[sub])
		return verr(e, -EINVAL, "arg#%d is a packet pointer, but func#%u may change packet data",
			    i, sub);
	if (k == GARG_MEM_NONNULL && (r->flags & REG_MAYBE_NULL))
		return verr(e, -EINVAL, "arg#%d is expected to be non-NULL", i);
	/* The callee may read and write the memory: what the caller had there (a spilled
	 * pointer, say) is some bytes afterwards. */
	if ((err = check_helper_mem(e, regno, size, false, true, false)) ||
	    (err = check_helper_mem(e, regno, size, true, true, false)))
		return err;
	return 0;
}

static int call_global(struct venv *e, uint32_t sub)
{
	const struct btf_type *proto = func_proto_of(e, sub);
	int n = proto ? exbpf_btf_vlen(proto) : 0;
	struct vframe *f = vcur(e->cur);
	int err = check_func_signature(e, sub);

	if (err)
		return err;
	/* Verified on its own once the caller's walk is done (Linux verifies only the
	 * global functions something calls). */
	e->global_called[sub] = 1;

	for (int i = 0; i < n && i < 5; i++)
		if ((err = check_global_arg(e, sub, proto, i))) {
			/* Linux ends with the call, after the argument's own message. */
			log_printf(e->in->log, "Caller passes invalid args into func#%u ('%s')\n", sub,
				   vsub_name(e, sub));
			return err;
		}
	/* A global function that may throw is verified apart, so its throw is checked here, as
	 * an exceptional exit of the caller (Linux: might_throw). exbpf releases instead. */
	if (e->in->kernel_strict && e->sub_might_throw[sub] && (err = exception_exit_leaks(e)))
		return err;
	clobber_caller_regs(f);
	if (e->sub_changes_pkt[sub])
		forget_pkt_pointers(e);
	reg_mark_unknown(&f->regs[BPF_REG_0]);
	vlog_note(e, "Func#%u ('%s') is global and assumed valid.\n", sub, vsub_name(e, sub));
	return 0;
}

static int check_ret_range(struct venv *e, int regno, const char *where, int64_t min, int64_t max);

/* ---- Kfunc specifics the prototype cannot say. */

/* bpf_local_irq_save(&flags) / bpf_local_irq_restore(&flags): the flags live in a stack slot
 * of their own, saved and restored in LIFO order (Linux's irq flag slots). The slot is the
 * reference's identity: frame in lock_map, offset in lock_off. */
static int irq_flag(struct venv *e, bool save)
{
	struct vstate *st = e->cur;
	const struct reg *r = &vcur(st)->regs[BPF_REG_1];
	int32_t off = r->off + (int32_t)r->var.var_off.value;
	int found = -1, last = -1;

	if (r->type != PTR_TO_STACK || !scalar_is_const(&r->var))
		return verr(e, -EINVAL, "arg#0 doesn't point to an irq flag on stack");
	for (uint32_t i = 0; i < st->nrefs; i++) {
		if (st->refs[i].kind != REF_IRQ)
			continue;
		if (st->refs[i].lock_map == r->frameno && st->refs[i].lock_off == off)
			found = (int)i;
		if (last < 0 || st->refs[i].id > st->refs[last].id)
			last = (int)i;
	}
	if (save) {
		if (found >= 0)
			return verr(e, -EINVAL, "expected uninitialized irq flag as arg#0");
		if (st->nrefs == V_MAX_REFS)
			return verr(e, -EINVAL, "too many references held");
		st->refs[st->nrefs++] = (struct vref){.id = vnew_id(e), .insn = st->insn_idx,
						      .kind = REF_IRQ, .lock_map = r->frameno,
						      .lock_off = off};
		return 0;
	}
	if (found < 0)
		return verr(e, -EINVAL, "expected an initialized irq flag as arg#0");
	if (found != last)
		return verr(e, -EINVAL,
			    "cannot restore irq state out of order, expected id=%u acquired at insn_idx=%u",
			    st->refs[last].id, st->refs[last].insn);
	memmove(&st->refs[found], &st->refs[found + 1],
		(st->nrefs - (uint32_t)found - 1) * sizeof(st->refs[0]));
	st->nrefs--;
	return 0;
}

static int kfunc_sections(struct venv *e, const char *name)
{
	struct vstate *st = e->cur;

	if (!strcmp(name, "bpf_rcu_read_lock"))
		st->rcu_depth++;
	else if (!strcmp(name, "bpf_rcu_read_unlock")) {
		if (!st->rcu_depth)
			return verr(e, -EINVAL, "unmatched rcu read unlock (kernel function %s)", name);
		st->rcu_depth--;
	} else if (!strcmp(name, "bpf_preempt_disable"))
		st->preempt_depth++;
	else if (!strcmp(name, "bpf_preempt_enable")) {
		if (!st->preempt_depth)
			return verr(e, -EINVAL, "unmatched attempt to enable preemption (kernel function %s)",
				    name);
		st->preempt_depth--;
	} else if (!strcmp(name, "bpf_local_irq_save") || !strcmp(name, "bpf_local_irq_restore")) {
		return irq_flag(e, !strcmp(name, "bpf_local_irq_save"));
	}
	return 0;
}

/* Linux registers its kfuncs per program type: the common set (RCU, preemption and irq
 * sections, the dynptr kfuncs, numeric iterators) for every type, the packet dynptr
 * constructors for the types check_dynptr_ctor() names, the generic set (bpf_throw,
 * bpf_obj_new, ...) for tc, xdp, cgroup_skb, syscall and tracing programs only; socket
 * filters, tc actions and raw tracepoints
 * get "calling kernel function NAME is not allowed". exbpf's default mode lets every type call
 * every kfunc of its registry; strict mode keeps Linux's split. */
static bool kfunc_allowed(uint32_t prog_type, const char *name)
{
	static const char *const common[] = {
	    "bpf_rcu_read_lock",   "bpf_rcu_read_unlock", "bpf_preempt_disable",
	    "bpf_preempt_enable",  "bpf_local_irq_save",  "bpf_local_irq_restore",
	    "bpf_dynptr_slice",    "bpf_dynptr_slice_rdwr", "bpf_dynptr_adjust",
	    "bpf_dynptr_is_null",  "bpf_dynptr_is_rdonly", "bpf_dynptr_size",
	    "bpf_dynptr_clone",    "bpf_dynptr_copy",     "bpf_dynptr_memset",
	    "bpf_iter_num_new",    "bpf_iter_num_next",   "bpf_iter_num_destroy",
	    "bpf_iter_bits_new",   "bpf_iter_bits_next",  "bpf_iter_bits_destroy",
	    /* Their own program types: check_dynptr_ctor(). */
	    "bpf_dynptr_from_skb", "bpf_dynptr_from_skb_meta", "bpf_dynptr_from_xdp",
	};
	uint32_t generic = VPT_SCHED_CLS | VPT_XDP | VPT_CGROUP_SKB | VPT_SYSCALL | VPT_TRACING |
			   VPT_EXBPF;

	if (verifier_prog_type_bit(prog_type) & generic)
		return true;
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcmp(name, common[i]))
			return true;
	return false;
}

bool call_func(const struct venv *e, const struct bpf_insn *insn, struct verifier_func *out)
{
	const struct verifier_func *f = NULL;
	const struct verifier_helper *h;

	if (insn->src_reg == ISA_PSEUDO_CALL)
		return false;
	if (insn->src_reg == ISA_PSEUDO_KFUNC_CALL) {
		f = e->in->kfunc ? e->in->kfunc(e->in->ctx, insn->imm) : NULL;
	} else if ((h = verifier_helper_proto(insn->imm))) {
		*out = (struct verifier_func){.name = h->name, .proto = h->proto,
					      .no_pkt = !verifier_helper_pkt_access(insn->imm)};
		return true;
	} else if (e->in->helper) {
		f = e->in->helper(e->in->ctx, insn->imm);
	}
	if (f)
		*out = *f;
	return f != NULL;
}

static bool returns_copied_size(int32_t id)
{
	return id == BPF_FUNC_get_stack || id == BPF_FUNC_get_task_stack ||
	       id == BPF_FUNC_probe_read_str || id == BPF_FUNC_probe_read_kernel_str ||
	       id == BPF_FUNC_probe_read_user_str;
}

/* The map argument of a Linux helper, after the arguments (Linux's record_func_map,
 * record_func_key and check_map_func_compatibility, in that order). */
static int check_map_func(struct venv *e, int32_t id, int map)
{
	const struct verifier_helper *h = verifier_helper_proto(id);
	const struct verifier_map *mp;

	if (!h)
		return 0;
	if (map < 0)
		return id == BPF_FUNC_tail_call
			       ? verr(e, -EINVAL, "expected prog array map for tail call") : 0;
	mp = &e->in->maps[map];
	if ((mp->map_flags & BPF_F_RDONLY_PROG) &&
	    (id == BPF_FUNC_map_update_elem || id == BPF_FUNC_map_delete_elem ||
	     id == BPF_FUNC_map_push_elem || id == BPF_FUNC_map_pop_elem))
		return verr(e, -EACCES, "write into map forbidden");
	if (id == BPF_FUNC_tail_call && mp->type != BPF_MAP_TYPE_PROG_ARRAY)
		return verr(e, -EINVAL, "expected prog array map for tail call");
	if (!verifier_map_func_compatible(mp->type, id))
		return verr(e, -EINVAL, "cannot pass map_type %u into func %s#%d", mp->type, h->name,
			    id);
	return 0;
}

/* R0 of a call that may return NULL: an id for the null check and, for an acquiring call,
 * the reference, which replaces it (Linux numbers them in this order: messages name the
 * same ids). */
static int ret_or_null_ids(struct venv *e, struct reg *r0, bool acquire)
{
	uint32_t id = 0;
	int err;

	r0->id = vnew_id(e);
	if (!acquire)
		return 0;
	if ((err = acquire_ref(e, REF_PTR, &id)))
		return err;
	r0->ref_obj_id = r0->id = id;
	return 0;
}

int check_call(struct venv *e, const struct bpf_insn *insn, bool *path_end)
{
	struct vstate *st = e->cur;
	uint32_t idx = st->insn_idx;
	struct verifier_func fnv;
	const struct verifier_func *fn = &fnv;
	bool kfunc = insn->src_reg == ISA_PSEUDO_KFUNC_CALL, uninit = false;
	struct call_meta m = {.map = -1, .mem_regno = -1, .callback_sub = -1, .cb_ctx_regno = -1,
			      .timer_map = -1, .kfunc = kfunc};
	struct vframe *f;
	int err;

	if (insn->src_reg == ISA_PSEUDO_CALL) {
		int sub = cfg_find_subprog(&e->cfg, (uint32_t)((int64_t)idx + insn->imm + 1));

		if (sub < 0)
			return verr(e, -EFAULT, "verifier bug. No program starts at insn %lld",
				    (long long)idx + insn->imm + 1);
		if (e->cfg.subs[sub].global) {
			if (holds(st, REF_LOCK))
				return verr(e, -EINVAL, "global function calls are not allowed while holding a lock,\n"
							"use static function instead");
			err = call_global(e, (uint32_t)sub);
			st->insn_idx = idx + 1;
			return err;
		}
		return enter_frame(e, (uint32_t)sub, (int32_t)idx, st);
	}
	if (kfunc) {
		if (!call_func(e, insn, &fnv))
			return verr(e, -EINVAL, "invalid kernel function call not eliminated in verifier pass");
		if (e->in->kernel_strict && !kfunc_allowed(e->in->prog_type, fnv.name))
			return verr(e, -EACCES, "calling kernel function %s is not allowed", fnv.name);
		if ((err = check_dynptr_ctor(e, fn)))
			return err;
	} else {
		const struct verifier_helper *h = verifier_helper_proto(insn->imm);
		uint32_t bit = verifier_prog_type_bit(e->in->prog_type);

		if (!call_func(e, insn, &fnv))
			return verr(e, -EINVAL, "invalid func unknown#%d", insn->imm);
		if (h && (!(h->prog_types & bit) ||
			  (e->in->unpriv && verifier_helper_needs_caps(insn->imm))))
			return verr(e, -EINVAL, "program of this type cannot use helper %s#%d", h->name,
				    insn->imm);
		if (h && h->unsupported)
			return verr(e, -EOPNOTSUPP, "exbpf: helper %s#%d is not supported by the verifier yet",
				    h->name, insn->imm);
	}
	if (fn->proto.flags & EXBPF_FN_NO_RETURN) {
		/* bpf_throw: the path ends here. In default mode exbpf's runtime releases what
		 * is held and callbacks may throw; strict mode applies Linux's rules. */
		/* Linux refuses any call under a lock before it looks at the arguments. */
		if (e->in->kernel_strict && holds(st, REF_LOCK))
			return verr(e, -EINVAL, "function calls are not allowed while holding a lock");
		for (int i = 0; i < 5; i++)
			if ((err = check_arg(e, fn, i, &m, &uninit)))
				return err;
		/* Nothing can unwind a timer callback's caller (it has none) or the exception
		 * callback: rejected in every mode. */
		for (uint32_t fi = 0; fi <= st->curframe; fi++) {
			const struct vframe *cb = st->frames[fi];

			/* Linux first sees the throw as the async callback's exit with the cookie. */
			if (cb->in_async_callback &&
			    (err = check_ret_range(e, BPF_REG_1, "At async callback return", cb->cb_ret_min,
						   cb->cb_ret_max)))
				return err;
			if (cb->in_async_callback || (int)cb->subprog == e->cfg.exception_cb)
				return verr(e, -EINVAL,
					    "bpf_throw kfunc (insn %u) cannot be called from callback subprog %u",
					    idx, cb->subprog);
		}
		if (e->in->kernel_strict) {
			/* Linux finds a throw in a callback after the walk (with the stack depths), so
			 * the walk's own errors, leaks at this throw included, come first. */
			for (uint32_t fi = 1; fi <= st->curframe && e->cb_throw_insn < 0; fi++)
				if (st->frames[fi]->in_callback) {
					e->cb_throw_insn = idx;
					e->cb_throw_sub = st->frames[fi]->subprog;
				}
			if ((err = exception_exit_leaks(e)))
				return err;
		}
		/* Without an exception callback the cookie is the program's return value. */
		if (e->cfg.exception_cb < 0 &&
		    (err = check_ret_range(e, BPF_REG_1, "At program exit", e->in->ret_min, e->in->ret_max)))
			return err;
		e->res->insn_may_throw[idx] = 1;
		*path_end = true;
		return 0;
	}
	/* Under a lock: the unlock, and the kfuncs of the collections it guards and of numeric
	 * iterators (Linux's kfunc_spin_allowed). */
	if (holds(st, REF_LOCK) &&
	    !(kfunc ? graph_kfunc(fn) || (fn->proto.flags & (EXBPF_FN_ITER_NEW | EXBPF_FN_ITER_NEXT |
							     EXBPF_FN_ITER_DESTROY))
		    : insn->imm == BPF_FUNC_spin_unlock))
		return verr(e, -EINVAL, "function calls are not allowed while holding a lock");
	for (int i = 0; i < 5; i++)
		if ((err = check_arg(e, fn, i, &m, &uninit)))
			return err;
	if (!kfunc && (err = check_map_func(e, insn->imm, m.map)))
		return err;
	/* A writable slice: Linux asks the program type for packet writes whatever the dynptr;
	 * exbpf's default mode only for a packet dynptr (its run gives no writable slice of a
	 * read-only dynptr anyway). */
	if (kfunc && fn->proto.ret == EXBPF_RET_DYNPTR_MEM_OR_NULL &&
	    (e->in->kernel_strict || dynptr_is_pkt(m.dynptr.kind)) && !may_write_packet(e->in->prog_type))
		return verr(e, -EINVAL, "the prog does not allow writes to packet data");
	/* Linux lets a local dynptr cover a map value only (checked after the arguments). */
	if (fn->proto.args[3] == EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_LOCAL &&
	    vreg(st, BPF_REG_1)->type != PTR_TO_MAP_VALUE) {
		char t[32];

		return verr(e, -EACCES, "Unsupported reg type %s for bpf_dynptr_from_mem data",
			    reg_type_str(vreg(st, BPF_REG_1), t, sizeof(t)));
	}
	if (!kfunc && insn->imm == BPF_FUNC_tail_call && e->tail_call_map && m.map >= 0) {
		int32_t *seen = &e->tail_call_map[idx];

		*seen = !*seen || *seen == m.map + 1 ? m.map + 1 : -1;
	}
	if (!kfunc && insn->imm == BPF_FUNC_tail_call)
		for (uint32_t fi = 0; fi <= st->curframe; fi++)
			if ((int)st->frames[fi]->subprog == e->cfg.exception_cb)
				return verr(e, -EINVAL, "cannot tail call within exception cb");
	f = vcur(st);
	/* An array lookup with a constant key in range cannot fail (Linux 6.18 knows it too). */
	bool never_null = false;

	if (!kfunc && insn->imm == BPF_FUNC_map_lookup_elem && m.map >= 0) {
		const struct verifier_map *mp = &e->in->maps[m.map];
		uint64_t key;

		never_null = (mp->type == BPF_MAP_TYPE_ARRAY || mp->type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
			     mp->key_size == 4 && stack_const(e, BPF_REG_2, 4, &key) && key < mp->max_entries;
	}
	/* Locks. */
	if (!kfunc && (insn->imm == BPF_FUNC_spin_lock || insn->imm == BPF_FUNC_spin_unlock)) {
		struct reg *r = &f->regs[BPF_REG_1];
		uint32_t map = r->aux;
		int32_t off = r->off + (int32_t)r->var.var_off.value;

		if (insn->imm == BPF_FUNC_spin_lock) {
			if (holds(st, REF_LOCK))
				return verr(e, -EINVAL, "Locking two bpf_spin_locks are not allowed");
			if (st->nrefs == V_MAX_REFS)
				return verr(e, -EINVAL, "too many references held");
			st->refs[st->nrefs++] = (struct vref){.id = r->id, .insn = idx,
							      .kind = REF_LOCK, .lock_map = map, .lock_off = off,
							      .lock_noid = !r->id};
		} else {
			uint32_t i;

			for (i = 0; i < st->nrefs && st->refs[i].kind != REF_LOCK; i++)
				;
			if (i == st->nrefs)
				return verr(e, -EINVAL, "bpf_spin_unlock without taking a lock");
			/* The lock of the value the locking pointer came from, not any value of the
			 * same map. */
			if (!lock_of_value(&st->refs[i], r) || st->refs[i].lock_off != off)
				return verr(e, -EINVAL, "bpf_spin_unlock of different lock");
			st->refs[i] = st->refs[--st->nrefs];
			graph_unlock(e);
		}
	}
	if (kfunc && (err = kfunc_sections(e, fn->name)))
		return err;
	if (m.callback_sub >= 0 && (err = push_callback(e, fn, &m, idx)))
		return err;
	f = vcur(e->cur);
	if (kfunc && (fn->proto.flags & EXBPF_FN_RELEASE) && !m.release_id &&
	    fn->proto.args[fn->proto.release_arg] == EXBPF_ARG_PTR_TO_OBJ)
		return verr(e, -EINVAL, "release kernel function %s expects refcounted PTR_TO_BTF_ID",
			    fn->name);
	if ((fn->proto.flags & (EXBPF_FN_RELEASE | EXBPF_FN_ITER_DESTROY)) && m.release_id &&
	    (err = release_ref(e, m.release_id)))
		return err;
	if (m.node_ref && (err = graph_take_node(e, m.node_ref)))
		return err;
	struct reg iter_arg = f->regs[BPF_REG_1];
	/* bpf_obj_new_impl(local type id, meta): an object of that program type. */
	int64_t obj_size = fn->proto.ret_size;
	uint32_t obj_btf_id = 0;

	if (fn->proto.ret == EXBPF_RET_OBJ_OR_NULL && e->in->btf && f->regs[BPF_REG_1].type == SCALAR_VALUE &&
	    scalar_is_const(&f->regs[BPF_REG_1].var)) {
		uint64_t id = f->regs[BPF_REG_1].var.var_off.value;
		uint32_t tid = (uint32_t)id;
		const struct btf_type *t = exbpf_btf__type_by_id(e->in->btf, tid);
		int64_t sz = exbpf_btf__resolve_size(e->in->btf, tid);

		if (id != tid)
			return verr(e, -EINVAL, "local type ID argument must be in range [0, U32_MAX]");
		if (!t || exbpf_btf_kind(t) != BTF_KIND_STRUCT)
			return verr(e, -EINVAL,
				    "bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct");
		if (sz > 0)
			obj_size = sz;
		obj_btf_id = tid;
	}
	clobber_caller_regs(f);
	/* A write through an skb dynptr may move the packet as bpf_skb_store_bytes does; one
	 * into the skb's metadata leaves the packet where it is (Linux after 6.18; 6.18, and so
	 * strict mode, ends packet pointers after either). */
	if (!kfunc && (helper_changes_pkt_data(insn->imm) ||
		       (insn->imm == BPF_FUNC_dynptr_write &&
			(m.dynptr.kind == DYNPTR_SKB ||
			 (m.dynptr.kind == DYNPTR_SKB_META && e->in->kernel_strict)))))
		forget_pkt_pointers(e);
	struct reg *r0 = &f->regs[BPF_REG_0];

	switch (fn->proto.ret) {
	case EXBPF_RET_VOID:
		break;
	case EXBPF_RET_MAP_VALUE_OR_NULL:
		if (m.map < 0)
			return verr(e, -EINVAL, "kernel subsystem misconfigured verifier");
		reg_mark_not_init(r0);
		r0->type = PTR_TO_MAP_VALUE;
		r0->flags = never_null ? 0 : REG_MAYBE_NULL;
		r0->aux = (uint32_t)m.map;
		r0->var = scalar_const(0);
		/* An id for the null check, and for a value with a lock, the lock's identity. */
		r0->id = !never_null || map_value_has_lock(e, r0) ? vnew_id(e) : 0;
		break;
	case EXBPF_RET_MEM_OR_NULL:
	case EXBPF_RET_OBJ_OR_NULL: {
		int64_t size = fn->proto.ret == EXBPF_RET_MEM_OR_NULL ? m.alloc_size : (int64_t)fn->proto.ret_size;

		if (fn->proto.ret == EXBPF_RET_OBJ_OR_NULL)
			size = obj_size;
		if (fn->proto.flags & EXBPF_FN_ITER_NEXT)
			size = fn->proto.ret_size;
		reg_mark_not_init(r0);
		r0->type = fn->proto.ret == EXBPF_RET_MEM_OR_NULL ? PTR_TO_MEM : PTR_TO_OBJ;
		r0->flags = REG_MAYBE_NULL | (fn->proto.ret == EXBPF_RET_MEM_OR_NULL && !kfunc ? REG_RINGBUF : 0) |
			    (fn->proto.flags & EXBPF_FN_ITER_NEXT ? REG_RDONLY : 0);
		r0->aux = size > 0 ? (uint32_t)size : 0;
		if (fn->proto.ret == EXBPF_RET_OBJ_OR_NULL)
			r0->btf_id = obj_btf_id;
		r0->var = scalar_const(0);
		if ((err = ret_or_null_ids(e, r0, fn->proto.flags & EXBPF_FN_ACQUIRE)))
			return err;
		break;
	}
	case EXBPF_RET_GRAPH_NODE_OR_NULL: {
		bool owned = fn->proto.flags & EXBPF_FN_ACQUIRE;

		if (!m.graph)
			return verr(e, -EFAULT, "verifier bug: %s returns a node of no collection", fn->name);
		graph_node_reg(r0, m.graph, !owned);
		r0->flags |= REG_MAYBE_NULL;
		if ((err = ret_or_null_ids(e, r0, owned)))
			return err;
		break;
	}
	case EXBPF_RET_KPTR_OR_NULL:
		if (!m.kptr)
			return verr(e, -EFAULT, "verifier bug: %s returns a kptr of no field", fn->name);
		reg_mark_not_init(r0);
		r0->type = PTR_TO_OBJ;
		r0->flags = REG_MAYBE_NULL;
		r0->aux = m.kptr->size;
		r0->btf_id = m.kptr->type_id;
		r0->var = scalar_const(0);
		if ((err = ret_or_null_ids(e, r0, true)))
			return err;
		break;
	case EXBPF_RET_DYNPTR_MEM_OR_NULL:
	case EXBPF_RET_DYNPTR_RDONLY_MEM_OR_NULL:
		/* A slice: it ends with the dynptr (and with the dynptr's sample). */
		reg_mark_not_init(r0);
		r0->type = PTR_TO_MEM;
		r0->flags = REG_MAYBE_NULL |
			    (fn->proto.ret == EXBPF_RET_DYNPTR_RDONLY_MEM_OR_NULL ? REG_RDONLY : 0);
		r0->aux = m.alloc_size > 0 ? (uint32_t)m.alloc_size : 0;
		r0->var = scalar_const(0);
		r0->id = vnew_id(e);
		r0->dynptr_id = m.dynptr.id;
		r0->ref_obj_id = m.dynptr.ref_obj_id;
		/* Packet memory: a global function's dynptr may be a packet one, whatever the
		 * caller's. */
		if (dynptr_is_pkt(m.dynptr.kind) || m.dynptr.global_arg)
			r0->flags |= REG_PKT_SLICE;
		break;
	case EXBPF_RET_OTHER:
		return verr(e, -EOPNOTSUPP, "exbpf: %s returns a pointer the verifier does not model", fn->name);
	default:
		reg_mark_unknown(r0);
		if (!kfunc && insn->imm == BPF_FUNC_get_smp_processor_id && e->in->nr_cpus)
			r0->var = scalar_urange(0, e->in->nr_cpus - 1);
		/* Helpers that copy at most the size they were given return that many bytes or an
		 * errno (Linux's do_refine_retval_range). */
		else if (!kfunc && returns_copied_size(insn->imm))
			r0->var = scalar_srange(-V_MAX_ERRNO, (int64_t)m.msize_max);
		break;
	}
	st->insn_idx = idx + 1;
	if (fn->proto.flags & EXBPF_FN_ITER_NEXT)
		return iter_next(e, fn, idx, &iter_arg);
	return 0;
}

static int check_ret_range(struct venv *e, int regno, const char *where, int64_t min, int64_t max)
{
	struct reg *r0 = vreg(e->cur, regno);
	char t[32], buf[96];
	int n = 0;

	if (min > max)
		return 0;
	if (r0->type != SCALAR_VALUE)
		return verr(e, -EINVAL, "%s the register R%d is not a known value (%s)", where, regno,
			    reg_type_str(r0, t, sizeof(t)));
	if (r0->var.smin >= min && r0->var.smax <= max)
		return 0;
	buf[0] = 0;
	if (r0->var.smin > INT64_MIN)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " smin=%lld", (long long)r0->var.smin);
	if (r0->var.smax < INT64_MAX)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " smax=%lld", (long long)r0->var.smax);
	if (!n)
		snprintf(buf, sizeof(buf), " unknown scalar value");
	return verr(e, -EINVAL, "%s the register R%d has%s should have been in [%lld, %lld]", where,
		    regno, buf, (long long)min, (long long)max);
}

int check_exit(struct venv *e, bool *path_end)
{
	struct vstate *st = e->cur;
	struct vframe *callee = vcur(st), *caller;
	int err;

	/* A static subprogram may leave R0 unset (clang drops the return value of a function
	 * whose callers ignore it): the caller's R0 is then uninitialized, as in Linux, and only
	 * reading it is an error. */
	if ((st->curframe == 0 || callee->in_callback) && (err = check_reg_init(e, BPF_REG_0)))
		return err;
	if (st->curframe == 0) {
		bool excb = (int)callee->subprog == e->cfg.exception_cb;

		if ((err = resource_leak(e, "BPF_EXIT instruction in main prog", true)))
			return err;
		/* check_return_code(): a leak first, then the range or the subprogram's type. */
		if (!e->allow_ptr_leaks && reg_is_pointer(vreg(st, BPF_REG_0)))
			return verr(e, -EACCES, "R0 leaks addr as return value");
		if (callee->subprog == 0 || excb) {
			if ((err = check_ret_range(e, BPF_REG_0, "At program exit", e->in->ret_min,
						   e->in->ret_max)))
				return err;
		} else if (vreg(st, BPF_REG_0)->type != SCALAR_VALUE) {
			return verr(e, -EINVAL, "At subprogram exit the register R0 is not a scalar value (%s)",
				    reg_type_str(vreg(st, BPF_REG_0), (char[32]){0}, 32));
		}
		*path_end = true;
		return 0;
	}
	caller = st->frames[st->curframe - 1];
	if (callee->in_callback) {
		uint32_t helper_insn = (uint32_t)callee->cb_helper_insn;

		if ((err = check_ret_range(e, BPF_REG_0, callee->in_async_callback ? "At async callback return"
									: "At callback return",
					   callee->cb_ret_min, callee->cb_ret_max)))
			return err;
		if (callee->in_async_callback) {
			/* Runs later, as an invocation of its own: nothing returns to the caller. */
			*path_end = true;
			return 0;
		}
		vlog_return(e, st, helper_insn);
		e->resumed = VLOG_RESUMED_RETURN;
		e->resumed_from = st->insn_idx;
		st->frames[st->curframe--] = NULL;
		vframe_free(callee);
		/* Back to the helper call: it may run the callback again, or return. Its state
		 * there is compared with the earlier runs' (Linux: calls_callback), where the
		 * values that matter decide whether another run can still differ. */
		st->insn_idx = helper_insn;
		return 0;
	}
	if (vreg(st, BPF_REG_0)->type == PTR_TO_STACK && vreg(st, BPF_REG_0)->frameno == st->curframe)
		return verr(e, -EINVAL, "cannot return stack pointer to the caller");
	caller->regs[BPF_REG_0] = callee->regs[BPF_REG_0];
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		reg_mark_not_init(&caller->regs[r]);
	vlog_return(e, st, (uint32_t)callee->callsite + 1);
	e->resumed = VLOG_RESUMED_RETURN;
	e->resumed_from = st->insn_idx;
	st->insn_idx = (uint32_t)callee->callsite + 1;
	st->curframe--;
	st->frames[st->curframe + 1] = NULL;
	vframe_free(callee);
	return 0;
}
