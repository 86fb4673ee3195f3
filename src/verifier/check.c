/* The path walk: every path of every root function (main, each global function, the exception
 * callback) is followed in depth-first order, state by state, with pruning at the CFG's prune
 * points. Linux's do_check() / is_state_visited(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/vpriv.h"

int verr(struct venv *e, int err, const char *fmt, ...)
{
	struct verifier_result *res = e->res;
	va_list ap;
	size_t n;

	if (e->failed)
		return err;
	e->failed = true;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	n = strlen(res->error);
	if (n && res->error[n - 1] == '\n')
		res->error[n - 1] = '\0';
	res->err = err;
	res->error_insn = e->cur ? (int64_t)e->cur->insn_idx : -1;
	if (!vtrace(e) && e->cur)
		vlog_insn(e, e->cur->insn_idx);
	if (e->mid_line) {
		log_printf(e->in->log, "\n");
		e->mid_line = false;
	}
	log_printf(e->in->log, "%s\n", res->error);
	return err;
}

struct vstate *push_branch(struct venv *e, uint32_t insn)
{
	struct vstate *c;

	if (e->nstack == e->capstack) {
		size_t cap = e->capstack ? e->capstack * 2 : 64;
		struct vstate **s = realloc(e->stack, cap * sizeof(*s));

		if (!s)
			return NULL;
		e->stack = s;
		e->capstack = cap;
	}
	if (e->nstack > 8192) {
		verr(e, -E2BIG, "The sequence of %zu jumps is too complex.", e->nstack);
		return NULL;
	}
	c = vstate_copy(e->cur);
	if (!c)
		return NULL;
	c->insn_idx = insn;
	c->prev_insn = e->cur->insn_idx;
	c->log_pos = e->in->log ? e->in->log->len : 0;
	if (c->parent)
		c->parent->branches++;
	e->stack[e->nstack++] = c;
	return c;
}

static void free_nodes(struct vnode *n)
{
	for (struct vnode *next; n; n = next) {
		next = n->next;
		vstate_free(n->st);
		free(n);
	}
}

/* Every checkpoint and zombie, once a root's walk is over. */
static void drop_states(struct venv *e)
{
	free_nodes(e->zombies);
	e->zombies = NULL;
	e->nzombies = 0;
	for (size_t i = 0; e->explored && i < e->cnt; i++) {
		free_nodes(e->explored[i]);
		e->explored[i] = NULL;
	}
	e->nstates = 0;
}

static void free_explored(struct venv *e)
{
	drop_states(e);
	free(e->explored);
}

/* Zombies (evicted checkpoints that paths still descended from) whose paths have all ended
 * are freed: swept whenever their number doubles, so the sweeps cost O(1) per eviction and at
 * most half the zombies are dead. */
static void sweep_zombies(struct venv *e)
{
	struct vnode **pp = &e->zombies, *n;

	while ((n = *pp)) {
		if (n->st->branches) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		vstate_free(n->st);
		free(n);
		e->nzombies--;
	}
	e->zombie_sweep_at = 2 * e->nzombies + 64;
}

/* A path ended: its checkpoints lose one unfinished descendant. */
static void path_done(struct vstate *st)
{
	for (struct vstate *p = st->parent; p; p = p->parent)
		if (--p->branches)
			break;
}

/* Linux's convergence rule for loops whose rounds something outside the abstract state bounds:
 * at a may_goto, the budget (a state one may_goto deeper than a checkpoint still being
 * explored there); at an iterator's next() call, the iterator (its state active: the call
 * returns NULL some time). Such a state that lies within that checkpoint adds nothing: it is
 * pruned although the checkpoint's exploration is unfinished. Whether the rule applies to
 * this pair. */
static bool bounded_loop_hit(const struct venv *e, uint32_t idx, const struct vstate *old,
			    const struct vstate *cur)
{
	const struct bpf_insn *insn = &e->insns[idx];

	if (insn_is_may_goto(insn))
		return old->may_goto_depth != cur->may_goto_depth;
	if (e->cfg.flags[idx] & CFG_ITER_NEXT)
		return iter_next_active(e, cur);
	return false;
}

/* 1: the current state is covered (the path ends), 0: go on, <0: error. */
static int state_visited(struct venv *e, uint32_t idx)
{
	struct vstate *cur = e->cur;
	struct vnode **pp = &e->explored[idx], *n;
	uint16_t live[V_MAX_FRAMES], prec[V_MAX_FRAMES];
	uint64_t sprec[V_MAX_FRAMES];

	/* Each frame goes on at its own next instruction: the current one here, a caller after
	 * its call (a callback's caller at the helper call, which may run it again). */
	for (uint32_t fi = 0; fi <= cur->curframe; fi++) {
		uint32_t at = idx;

		if (fi < cur->curframe) {
			const struct vframe *callee = cur->frames[fi + 1];

			at = (uint32_t)callee->callsite + (callee->in_callback ? 0 : 1);
		}
		live[fi] = e->live[at];
		prec[fi] = e->prec[at];
		/* Only the current frame's own slots are tracked; unprivileged reads of unwritten
		 * bytes are errors, so there every byte's state matters. */
		sprec[fi] = fi == cur->curframe && e->allow_uninit_stack ? e->sprec[at] : ~0ull;
		if (fi < cur->curframe) {
			/* The call clobbers R0-R5 (a callback's helper call reads its args). */
			if (!cur->frames[fi + 1]->in_callback) {
				live[fi] &= 0x7c0;
				prec[fi] &= 0x7c0;
			}
			live[fi] |= 1u << BPF_REG_10;
		}
	}
	bool loop_head = e->cfg.flags[idx] & CFG_LOOP_HEAD, hashed = false;
	int cover = e->explore_alu_limits ? VCOVER_SCALARS_EQUAL : VCOVER;
	uint64_t hash = 0;

	while ((n = *pp)) {
		if (n->st->branches) {
			/* A bounded loop's next round, inside a round still being explored. */
			if (bounded_loop_hit(e, idx, n->st, cur) &&
			    vstate_covers(n->st, cur, live, prec, sprec, cover)) {
				n->hit++;
				return 1;
			}
			/* Linux looks for no infinite loop at a next() call. */
			if (e->cfg.flags[idx] & CFG_ITER_NEXT)
				goto miss;
			/* A callback's next run: the helper bounds the runs, so a covering state
			 * still being explored is enough (Linux does the same). */
			if ((e->cfg.flags[idx] & CFG_CALLS_CALLBACK) &&
			    vstate_covers(n->st, cur, live, prec, sprec, cover)) {
				n->hit++;
				return 1;
			}
			/* Still being explored: a loop. The same state again makes no progress,
			 * unless a callback's next run (one that ends in a throw, say, and so never
			 * meets the helper call's check above) reached it. */
			if (!hashed) {
				hash = vstate_hash(cur);
				hashed = true;
			}
			if (n->hash == hash && n->st->may_goto_depth == cur->may_goto_depth &&
			    n->st->cb_runs == cur->cb_runs &&
			    vstate_covers(n->st, cur, live, prec, sprec, VCOVER_EXACT)) {
				verr(e, -EINVAL, "infinite loop detected at insn %u", idx);
				if (e->in->log_level) {
					log_printf(e->in->log, "cur state:");
					vlog_state(e, cur, true);
					log_printf(e->in->log, "old state:");
					vlog_state(e, n->st, true);
				}
				return -EINVAL;
			}
		} else if (vstate_covers(n->st, cur, live, prec, sprec, cover)) {
			n->hit++;
			return 1;
		}
miss:
		if (++n->miss > n->hit * 3 + 3 + 32 * !!loop_head) {
			/* Rarely useful: out of the list (Linux's heuristic, kinder to loop heads).
			 * A state paths still descend from stays alive until the end. */
			*pp = n->next;
			if (n->st->branches) {
				n->next = e->zombies;
				e->zombies = n;
				if (++e->nzombies >= e->zombie_sweep_at)
					sweep_zombies(e);
			} else {
				vstate_free(n->st);
				free(n);
			}
			e->nstates--;
			continue;
		}
		pp = &n->next;
	}
	/* Checkpoint sparingly, as Linux does (at least 2 jumps and 8 instructions since the
	 * last): states cost memory and time, and a loop would leave one per iteration. */
	if (!(e->cfg.flags[idx] & CFG_FORCE_CHECKPOINT) &&
	    (e->processed - e->last_checkpoint < (loop_head ? 64u : 8u) ||
	     e->jmps - e->last_checkpoint_jmps < 2))
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->st = vstate_copy(cur);
	if (!n->st) {
		free(n);
		return -ENOMEM;
	}
	n->hash = hashed ? hash : vstate_hash(cur);
	n->st->branches = 1;
	n->st->parent = cur->parent;
	cur->parent = n->st;
	n->next = e->explored[idx];
	e->explored[idx] = n;
	e->last_checkpoint = e->processed;
	e->last_checkpoint_jmps = e->jmps;
	e->total_states++;
	{
		uint32_t k = 0;

		for (struct vnode *v = e->explored[idx]; v; v = v->next)
			k++;
		if (k > e->max_states_per_insn)
			e->max_states_per_insn = k;
	}
	if (++e->nstates > e->peak_states)
		e->peak_states = e->nstates;
	return 0;
}

static int next_path(struct venv *e)
{
	path_done(e->cur);
	vstate_free(e->cur);
	e->cur = NULL;
	if (!e->nstack)
		return 0;
	e->cur = e->stack[--e->nstack];
	if (e->in->log_level == 1) {
		/* Level 1 keeps one path: what was printed since the branch was pushed goes. */
		struct log *l = e->in->log;

		log_truncate(l, e->cur->log_pos);
		/* Linux joins the resumed state to the truncated jump line with a blank. */
		if (l && l->buf && l->len && l->len <= l->size && l->buf[l->len - 1] != '\n')
			log_printf(l, " ");
	}
	/* The walk prints where it resumed (vlog_resume()) once it knows whether the state is
	 * pruned at once. */
	e->resumed = VLOG_RESUMED_POP;
	e->resumed_from = e->cur->prev_insn;
	return 1;
}

/* A register field names one of r0-r10 (Linux's check_reg_arg, source first): the 4-bit fields
 * can name 11-15, which no state has. */
static int check_reg_fields(struct venv *e, const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);
	bool src_reg = cls == ISA_LDX || cls == ISA_STX ||
		       (cls == ISA_LD && BPF_MODE(insn->code) == BPF_IND) ||
		       ((cls == ISA_ALU || cls == ISA_ALU64 || cls == ISA_JMP || cls == ISA_JMP32) &&
			BPF_SRC(insn->code) == BPF_X);

	if (src_reg && insn->src_reg > BPF_REG_10)
		return verr(e, -EINVAL, "R%d is invalid", insn->src_reg);
	if (insn->dst_reg > BPF_REG_10)
		return verr(e, -EINVAL, "R%d is invalid", insn->dst_reg);
	return 0;
}

/* The previous round's checkpoint at instruction idx of a loop st is in: the nearest ancestor
 * at idx (after st's own checkpoint there) in the same frames (Linux's find_prev_entry()). */
static const struct vstate *prev_round(const struct vstate *st, uint32_t idx)
{
	const struct vstate *p = st->parent;

	if (p && p->insn_idx == idx)
		p = p->parent;
	for (; p; p = p->parent) {
		if (p->insn_idx != idx || p->curframe != st->curframe)
			continue;
		bool same = true;

		for (uint32_t f = 1; f <= st->curframe && same; f++)
			same = p->frames[f]->callsite == st->frames[f]->callsite;
		if (same)
			return p;
	}
	return NULL;
}

static void widen_scalar(const struct reg *old, struct reg *r, bool keep_const)
{
	if (old->type != SCALAR_VALUE || r->type != SCALAR_VALUE ||
	    (keep_const && scalar_is_const(&old->var) && scalar_is_const(&r->var)) ||
	    (scalar_equal(&old->var, &r->var) && old->id == r->id && old->off == r->off))
		return;
	reg_mark_unknown(r);
}

/* The next round of a loop that may_goto or an iterator bounds (Linux's
 * widen_imprecise_scalars()): a scalar that changed since the previous round becomes unknown,
 * so that the rounds converge instead of stepping through every value. Linux keeps the
 * scalars its backtracking marked precise; exbpf keeps the constants (in both rounds) whose
 * value may still reach a jump, a call or the exit (e->lprec: where Linux's marks come from,
 * a decided comparison of a counter above all) and widens the rest. */
void widen_loop_round(struct venv *e, uint32_t idx, struct vstate *q)
{
	const struct vstate *prev = prev_round(e->cur, idx);

	if (!prev)
		return;
	for (uint32_t fi = 0; fi <= q->curframe; fi++) {
		const struct vframe *of = prev->frames[fi];
		struct vframe *f = q->frames[fi];
		/* Callers' frames: every constant kept. */
		bool cur = fi == q->curframe;
		uint16_t keep = cur ? e->lprec[q->insn_idx] : 0xffff;
		uint64_t skeep = cur ? e->lsprec[q->insn_idx] : ~0ull;

		for (int i = 0; i < BPF_REG_10; i++)
			widen_scalar(&of->regs[i], &f->regs[i], keep >> i & 1);
		for (uint32_t sl = 0; sl < f->nslots && sl < of->nslots; sl++)
			if (f->slots[sl].type[0] == STACK_SPILL && of->slots[sl].type[0] == STACK_SPILL)
				widen_scalar(&of->slots[sl].spill, &f->slots[sl].spill,
					     sl >= 64 || (skeep >> sl & 1));
	}
}

/* Linux explores the jump (the budget spent) first and queues the fall-through (the loop goes
 * on) one may_goto deeper. */
static int check_may_goto(struct venv *e, const struct bpf_insn *insn)
{
	uint32_t idx = e->cur->insn_idx;
	struct vstate *q;

	if (insn->src_reg || insn->dst_reg || insn->imm)
		return verr(e, -EINVAL, "invalid may_goto imm %d", insn->imm);
	q = push_branch(e, idx + 1);
	if (!q)
		return e->failed ? e->res->err : -ENOMEM;
	q->may_goto_depth++;
	widen_loop_round(e, idx, q);
	e->cur->insn_idx = (uint32_t)((int64_t)idx + insn->off + 1);
	return 0;
}

static int do_step(struct venv *e, bool *path_end)
{
	struct vstate *st = e->cur;
	uint32_t idx = st->insn_idx;
	const struct bpf_insn *insn = &e->insns[idx];
	uint8_t cls = BPF_CLASS(insn->code);
	int err = 0;

	*path_end = false;
	if ((err = check_reg_fields(e, insn)))
		return err;
	switch (cls) {
	case ISA_ALU:
	case ISA_ALU64:
		err = check_alu(e, insn);
		st->insn_idx++;
		break;
	case ISA_LDX:
		err = check_ldx(e, insn);
		st->insn_idx++;
		break;
	case ISA_ST:
	case ISA_STX:
		if (cls == ISA_STX && BPF_MODE(insn->code) == ISA_ATOMIC)
			err = check_atomic(e, insn);
		else
			err = check_store(e, insn);
		st->insn_idx++;
		break;
	case ISA_LD:
		if (BPF_MODE(insn->code) == ISA_IMM) {
			err = check_ld_imm64(e, insn);
			st->insn_idx += 2;
		} else {
			err = check_ld_abs(e, insn); /* moves on itself: it may return */
		}
		break;
	case ISA_JMP:
	case ISA_JMP32: {
		uint8_t op = BPF_OP(insn->code);

		e->jmps++;

		if (op == BPF_JA) {
			int32_t d = cls == ISA_JMP32 ? insn->imm : insn->off;

			if (insn->src_reg || insn->dst_reg || (cls == ISA_JMP ? insn->imm : insn->off))
				return verr(e, -EINVAL, "BPF_JA uses reserved fields");
			st->insn_idx = (uint32_t)((int64_t)idx + d + 1);
		} else if (op == BPF_CALL && cls == ISA_JMP) {
			/* Fields no kind of call uses (a kfunc's off names its BTF's fd). */
			if ((insn->src_reg != ISA_PSEUDO_KFUNC_CALL && insn->off) ||
			    (insn->src_reg && insn->src_reg != ISA_PSEUDO_CALL &&
			     insn->src_reg != ISA_PSEUDO_KFUNC_CALL) ||
			    insn->dst_reg)
				return verr(e, -EINVAL, "BPF_CALL uses reserved fields");
			err = check_call(e, insn, path_end);
		} else if (op == BPF_EXIT && cls == ISA_JMP) {
			if (insn->imm || insn->src_reg || insn->dst_reg)
				return verr(e, -EINVAL, "BPF_EXIT uses reserved fields");
			err = check_exit(e, path_end);
		} else if (insn_is_may_goto(insn)) {
			err = check_may_goto(e, insn);
		} else {
			err = check_cond_jmp(e, insn);
		}
		break;
	}
	default:
		return verr(e, -EINVAL, "unknown insn class %d", cls);
	}
	return err;
}

static int walk(struct venv *e)
{
	for (;;) {
		struct vstate *st = e->cur;
		uint32_t idx = st->insn_idx;
		bool end = false;
		int err;

		if (idx >= e->cnt)
			return verr(e, -EFAULT, "invalid insn idx %u insn_cnt %zu", idx, e->cnt);
		if (++e->processed > VERIFIER_MAX_INSNS_PROCESSED)
			return verr(e, -E2BIG,
				    "BPF program is too large. Processed %llu insn",
				    (unsigned long long)e->processed);
		if (e->cfg.flags[idx] & (CFG_PRUNE_POINT | CFG_LOOP_HEAD)) {
			err = state_visited(e, idx);
			if (err < 0)
				return err;
			if (err == 1) {
				if (vtrace(e) && e->resumed)
					log_printf(e->in->log, "\nfrom %u to %u: safe\n", e->resumed_from,
						   idx);
				else if (vtrace(e))
					log_printf(e->in->log, "%u: safe\n", idx);
				e->resumed = VLOG_RESUMED_NO;
				if (!next_path(e))
					return 0;
				continue;
			}
		}
		e->res->insn_seen[idx] = 1;
		if (vtrace(e) && e->resumed)
			vlog_resume(e);
		e->resumed = VLOG_RESUMED_NO;
		if (vtrace(e))
			vlog_step_begin(e, idx);
		err = do_step(e, &end);
		if (vtrace(e) && !e->failed)
			vlog_step_end(e, end);
		if (err)
			return err;
		if (e->failed)
			return e->res->err ? e->res->err : -EINVAL;
		if (end && !next_path(e))
			return 0;
	}
}

/* The entry state of a root function: main gets the context, a global function its
 * arguments from BTF (check_call.c). */
int global_func_entry(struct venv *e, uint32_t sub, struct vframe *f);

/* log_pos: where the function's log began (level 1 drops it when it passes). */
static int verify_root(struct venv *e, uint32_t sub, size_t log_pos)
{
	struct vstate *st = vstate_new();
	struct vframe *f;
	int err;

	if (!st)
		return -ENOMEM;
	f = vframe_new(0, -1, sub);
	if (!f) {
		free(st);
		return -ENOMEM;
	}
	st->frames[0] = f;
	st->insn_idx = e->cfg.subs[sub].start;
	e->cur = st;
	e->cur_global = sub;
	reg_mark_not_init(&f->regs[BPF_REG_10]);
	f->regs[BPF_REG_10].type = PTR_TO_STACK;
	f->regs[BPF_REG_10].var = scalar_const(0);
	if (sub == 0 || (int)sub == e->cfg.exception_cb) {
		struct reg *r1 = &f->regs[BPF_REG_1];

		if (sub != 0) {
			/* The exception callback gets the cookie. */
			reg_mark_unknown(r1);
		} else if (e->in->raw_args) {
			reg_mark_not_init(r1);
			r1->type = PTR_TO_MEM;
			r1->var = scalar_const(0);
			r1->aux = 0;
			reg_mark_unknown(&f->regs[BPF_REG_2]);
		} else {
			reg_mark_not_init(r1);
			r1->type = PTR_TO_CTX;
			r1->var = scalar_const(0);
		}
	} else {
		err = global_func_entry(e, sub, f);
		if (err) {
			vstate_free(st);
			e->cur = NULL;
			return err;
		}
	}
	const char *name = vsub_name(e, sub);

	e->resumed = VLOG_RESUMED_NO;
	if (vtrace(e)) {
		log_printf(e->in->log, "%u:", st->insn_idx);
		vlog_state(e, st, true);
	}
	err = walk(e);
	if (err) {
		vstate_free(e->cur);
		e->cur = NULL;
		while (e->nstack)
			vstate_free(e->stack[--e->nstack]);
	} else {
		/* Level 1 is the failing path's log: a function that passed leaves none. */
		if (e->in->log_level == 1)
			log_truncate(e->in->log, log_pos);
		if (sub && e->in->log_level)
			log_printf(e->in->log,
				   "Func#%u ('%s') is safe for any args that match its prototype\n", sub,
				   name);
	}
	/* The next root starts from other frames: nothing of this walk can prune it. */
	drop_states(e);
	return err;
}

/* Linux's check_max_stack_depth(): along every chain of static calls, the frames' stacks
 * (each rounded up to 16 bytes, as for JITed programs) fit in 512 bytes. */
static uint32_t round16(uint32_t d) { return (d + 15) & ~15u; }

static int chain_depth(struct venv *e, uint32_t sub, uint32_t frames, uint32_t depth)
{
	const struct cfg_subprog *s = &e->cfg.subs[sub];
	uint32_t end = sub + 1 < e->cfg.nsubs ? e->cfg.subs[sub + 1].start : (uint32_t)e->cnt;

	/* Every call site counts, reached or not: a function calling itself (however the
	 * walk bounded it) makes a chain too long (Linux's check_max_stack_depth_subprog(),
	 * whose frame numbers start at 0 for the root). */
	if (frames - 1 >= V_MAX_FRAMES)
		return verr(e, -E2BIG, "the call stack of %u frames is too deep !", frames - 1);
	depth += round16(e->stack_depth[sub]);
	if (depth > V_STACK_SIZE)
		return verr(e, -EACCES, "combined stack size of %u calls is %u. Too large", frames, depth);
	for (uint32_t i = s->start; i < end; i++) {
		const struct bpf_insn *in = &e->insns[i];
		int callee;

		if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != ISA_PSEUDO_CALL)
			continue;
		callee = cfg_find_subprog(&e->cfg, (uint32_t)((int64_t)i + in->imm + 1));
		if (callee > 0 && !e->cfg.subs[callee].global) {
			int err = chain_depth(e, (uint32_t)callee, frames + 1, depth);

			if (err)
				return err;
		}
	}
	return 0;
}

/* Which calls can end in a throw: a throw site, a call of a function that can throw, a helper
 * that runs a callback that can throw. The engines check for an exception after these
 * calls only (clarifications §4). */
/* Spreads a per-subprogram property from callees to their callers through static and global
 * calls (callbacks do not count), until nothing changes. */
static void spread_to_callers(struct venv *e, uint8_t *flag)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < e->cnt; i++) {
			const struct bpf_insn *in = &e->insns[i];
			int callee;

			if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != ISA_PSEUDO_CALL ||
			    flag[e->cfg.insn_sub[i]])
				continue;
			callee = cfg_find_subprog(&e->cfg, (uint32_t)((int64_t)i + in->imm + 1));
			if (callee >= 0 && flag[callee]) {
				flag[e->cfg.insn_sub[i]] = 1;
				changed = true;
			}
		}
	}
}

/* Before the walk: which subprograms contain a bpf_throw call, directly or through static or
 * global calls (callbacks do not count: a throw there is refused on its own), and which a
 * call of a helper that changes packet data (Linux's might_throw and changes_pkt_data: a
 * global function's callers must know both without walking it). */
static int compute_sub_effects(struct venv *e)
{
	size_t n = e->cfg.nsubs ? e->cfg.nsubs : 1;

	e->sub_might_throw = calloc(n, 1);
	e->sub_changes_pkt = calloc(n, 1);
	if (!e->sub_might_throw || !e->sub_changes_pkt)
		return -ENOMEM;
	for (size_t i = 0; i < e->cnt; i++) {
		const struct bpf_insn *in = &e->insns[i];

		if (e->cfg.flags[i] & CFG_THROW)
			e->sub_might_throw[e->cfg.insn_sub[i]] = 1;
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 &&
		    helper_changes_pkt_data(in->imm))
			e->sub_changes_pkt[e->cfg.insn_sub[i]] = 1;
	}
	spread_to_callers(e, e->sub_might_throw);
	spread_to_callers(e, e->sub_changes_pkt);
	return 0;
}

static int mark_throwing_calls(struct venv *e)
{
	uint8_t *throws = calloc(e->cfg.nsubs, 1); /* per subprogram: can throw */
	bool changed = true, cb_throws = false;

	if (!throws)
		return -ENOMEM;
	for (size_t i = 0; i < e->cnt; i++)
		if (e->res->insn_may_throw[i])
			throws[e->cfg.insn_sub[i]] = 1;
	while (changed) {
		changed = false;
		for (size_t s = 0; s < e->cfg.nsubs; s++)
			cb_throws |= throws[s] && e->cfg.subs[s].is_callback_target;
		for (size_t i = 0; i < e->cnt; i++) {
			const struct bpf_insn *in = &e->insns[i];
			bool t = false;

			if (e->res->insn_may_throw[i] || in->code != (BPF_JMP | BPF_CALL))
				continue;
			if (in->src_reg == ISA_PSEUDO_CALL) {
				int callee = cfg_find_subprog(&e->cfg, (uint32_t)((int64_t)i + in->imm + 1));

				t = callee >= 0 && throws[callee];
			} else {
				t = cb_throws && (e->cfg.flags[i] & CFG_CALLS_CALLBACK);
			}
			if (t) {
				e->res->insn_may_throw[i] = 1;
				throws[e->cfg.insn_sub[i]] = 1;
				changed = true;
			}
		}
	}
	free(throws);
	return 0;
}

/* Linux gives each function with may_goto a hidden stack slot for its budget after the stack
 * check (so it does not count against the 512 bytes): 16 bytes on x86-64, whose JIT keeps a
 * count and a timestamp. The depths exbpf reports are Linux's. */
static void add_may_goto_stack(struct venv *e)
{
	for (size_t i = 0; i < e->cnt; i++) {
		uint32_t s = e->cfg.insn_sub[i];

		if (insn_is_may_goto(&e->insns[i]) && e->insns[i].off && e->res->insn_seen[i]) {
			e->stack_depth[s] += 16;
			/* once per function */
			while (i + 1 < e->cnt && e->cfg.insn_sub[i + 1] == s)
				i++;
		}
	}
}

static enum cfg_call_kind call_kind(const struct bpf_insn *insn, void *ctx)
{
	struct verifier_func f;

	if (!call_func(ctx, insn, &f))
		return CFG_CALL_PLAIN;
	if (f.proto.flags & EXBPF_FN_NO_RETURN)
		return CFG_CALL_THROW;
	if (f.proto.flags & EXBPF_FN_CALLBACK)
		return CFG_CALL_SYNC_CB;
	if (f.proto.flags & EXBPF_FN_ASYNC_CALLBACK)
		return CFG_CALL_ASYNC_CB;
	if (f.proto.flags & EXBPF_FN_ITER_NEXT)
		return CFG_CALL_ITER_NEXT;
	return CFG_CALL_PLAIN;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* What bpf(BPF_PROG_LOAD) refuses without CAP_BPF before the verifier runs (no log there):
 * program types other than socket filters and cgroup skb programs (EPERM), programs longer
 * than BPF_MAXINSNS (E2BIG). */
static int unpriv_load_check(struct venv *e)
{
	const struct verifier_input *in = e->in;

	if (in->prog_type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    in->prog_type != BPF_PROG_TYPE_CGROUP_SKB)
		return verr(e, -EPERM,
			    "exbpf: without CAP_BPF only socket filter and cgroup skb programs can be "
			    "loaded (program type %u; Linux: EPERM)",
			    in->prog_type);
	if (in->cnt > 4096)
		return verr(e, -E2BIG,
			    "exbpf: a program of %zu instructions is longer than 4096, the limit "
			    "without CAP_BPF (Linux: E2BIG)",
			    in->cnt);
	return 0;
}

/* Maps whose values hold a lock or a timer cannot be used by every program type (Linux's
 * check_map_prog_compatibility(), when an lddw names the map, reachable or not). */
static int check_map_prog_compat(struct venv *e)
{
	uint32_t t = e->in->prog_type;
	bool tracing = t == BPF_PROG_TYPE_KPROBE || t == BPF_PROG_TYPE_TRACEPOINT ||
		       t == BPF_PROG_TYPE_PERF_EVENT || t == BPF_PROG_TYPE_RAW_TRACEPOINT ||
		       t == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;

	for (size_t i = 0; i + 1 < e->cnt; i++) {
		const struct bpf_insn *insn = &e->insns[i];
		const struct verifier_map *m;

		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		i++;
		if ((insn->src_reg != ISA_PSEUDO_MAP_IDX && insn->src_reg != ISA_PSEUDO_MAP_IDX_VALUE) ||
		    (uint32_t)insn->imm >= e->in->nmaps)
			continue;
		m = &e->in->maps[insn->imm];
		if (m->ngraph && tracing)
			return verr(e, -EINVAL, "tracing progs cannot use bpf_{list_head,rb_root} yet");
		if (m->spin_lock_off >= 0 && t == BPF_PROG_TYPE_SOCKET_FILTER)
			return verr(e, -EINVAL, "socket filter progs cannot use bpf_spin_lock yet");
		if (m->spin_lock_off >= 0 && tracing)
			return verr(e, -EINVAL, "tracing progs cannot use bpf_spin_lock yet");
		if (m->timer_off >= 0 && tracing)
			return verr(e, -EINVAL, "tracing progs cannot use bpf_timer yet");
	}
	return 0;
}

int verifier_check(const struct verifier_input *in, struct verifier_result *res)
{
	struct venv e = {.in = in, .res = res, .insns = in->insns, .cnt = in->cnt};
	struct cfg_opts co = {.unpriv = in->unpriv, .call_kind = call_kind, .ctx = &e};
	uint64_t t0 = now_ns();
	size_t log_start = in->log ? in->log->len : 0;
	int err;

	memset(res, 0, sizeof(*res));
	res->error_insn = -1;
	e.allow_ptr_leaks = !in->unpriv;
	e.allow_uninit_stack = !in->unpriv;
	e.cb_throw_insn = -1;
	e.sanitize = in->unpriv;
	if (in->unpriv && (err = unpriv_load_check(&e))) {
		res->verify_ns = now_ns() - t0;
		return err;
	}
	if ((err = check_map_prog_compat(&e))) {
		res->verify_ns = now_ns() - t0;
		return err;
	}
	if (in->exception_cb_tags > 1) {
		verr(&e, -EINVAL, "multiple exception callback tags for main subprog");
		res->verify_ns = now_ns() - t0;
		return -EINVAL;
	}
	err = cfg_build(in->insns, in->cnt, in->funcs, in->nfuncs, &co, in->log, &e.cfg);
	if (err) {
		/* cfg_build logged Linux's message; keep its last line as the error. */
		const char *buf = in->log && in->log->buf ? in->log->buf : "";
		size_t n = strlen(buf);

		while (n && buf[n - 1] == '\n')
			n--;
		size_t s = n;
		while (s && buf[s - 1] != '\n')
			s--;
		snprintf(res->error, sizeof(res->error), "%.*s", (int)(n - s), buf + s);
		res->err = err;
		res->verify_ns = now_ns() - t0;
		return err;
	}
	if (e.sanitize) {
		e.alu_state = calloc(in->cnt ? in->cnt : 1, sizeof(*e.alu_state));
		e.alu_limit = calloc(in->cnt ? in->cnt : 1, sizeof(*e.alu_limit));
		e.tail_call_map = calloc(in->cnt ? in->cnt : 1, sizeof(*e.tail_call_map));
		if (!e.alu_state || !e.alu_limit || !e.tail_call_map) {
			err = -ENOMEM;
			goto out;
		}
	}
	e.explored = calloc(in->cnt, sizeof(*e.explored));
	e.stack_depth = calloc(e.cfg.nsubs, sizeof(*e.stack_depth));
	e.global_done = calloc(e.cfg.nsubs, 1);
	e.global_called = calloc(e.cfg.nsubs, 1);
	res->insn_may_throw = calloc(in->cnt ? in->cnt : 1, 1);
	res->insn_mem = calloc(in->cnt ? in->cnt : 1, 1);
	res->insn_seen = calloc(in->cnt ? in->cnt : 1, 1);
	if (!e.explored || !e.stack_depth || !e.global_done || !e.global_called ||
	    !res->insn_may_throw || !res->insn_mem || !res->insn_seen) {
		err = -ENOMEM;
		goto out;
	}
	if (in->log_level >= 2)
		for (size_t s = 0; s < e.cfg.nsubs; s++)
			log_printf(in->log, "func#%zu @%u\n", s, e.cfg.subs[s].start);
	err = compute_liveness(&e);
	if (!err && in->log_level >= 2)
		err = vlog_live_regs(&e);
	if (!err)
		err = compute_sub_effects(&e);
	if (!err) {
		size_t pos = in->log ? in->log->len : 0;

		vlog_main_signature(&e);
		err = verify_root(&e, 0, pos);
	}
	/* Then each global function something called (which may call more), and the exception
	 * callback, called or not: each once, against its signature. */
	for (bool more = true; !err && more;) {
		more = false;
		for (size_t s = 1; !err && s < e.cfg.nsubs; s++) {
			bool excb = (int)s == e.cfg.exception_cb;

			if (e.global_done[s] || !(excb || (e.cfg.subs[s].global && e.global_called[s])))
				continue;
			e.global_done[s] = 1;
			more = true;
			size_t pos = in->log ? in->log->len : 0;

			if (in->log_level)
				log_printf(in->log, "Validating %s() func#%zu...\n",
					   vsub_name(&e, (uint32_t)s), s);
			err = check_func_signature(&e, (uint32_t)s);
			if (!err)
				err = verify_root(&e, (uint32_t)s, pos);
		}
	}
	if (!err && e.cb_throw_insn >= 0)
		err = verr(&e, -EINVAL, "bpf_throw kfunc (insn %lld) cannot be called from callback subprog %u",
			   (long long)e.cb_throw_insn, e.cb_throw_sub);
	for (size_t s = 0; !err && s < e.cfg.nsubs; s++)
		if (s == 0 || e.global_done[s])
			err = chain_depth(&e, (uint32_t)s, 1, 0);
	if (!err)
		err = mark_throwing_calls(&e);
	if (!err)
		add_may_goto_stack(&e);
	/* Linux's fixups bound an unprivileged tail call's index by its one prog array, against
	 * speculation: a call reached with two arrays cannot be bounded. */
	for (size_t i = 0; !err && e.tail_call_map && i < in->cnt; i++)
		if (e.tail_call_map[i] < 0)
			err = verr(&e, -EINVAL, "tail_call abusing map_ptr");
out:
	if (err && !e.failed && err != -ENOMEM)
		verr(&e, err, "internal error %d", err);
	res->accepted = !err;
	res->err = err;
	res->insns_processed = e.processed;
	res->states_total = e.total_states;
	res->states_peak = e.peak_states;
	for (size_t s = 0; s < e.cfg.nsubs && e.stack_depth; s++)
		if (e.stack_depth[s] > res->max_stack_depth)
			res->max_stack_depth = e.stack_depth[s];
	res->verify_ns = now_ns() - t0;
	/* Linux's level 1 is the log of the failing path: an accepted program's is empty. */
	if (in->log_level == 1 && !err)
		log_truncate(in->log, log_start);
	/* BPF_LOG_STATS (level bit 4): Linux's time and per-subprogram stack depths, joined by '+'. */
	if (in->log_level & 4) {
		log_printf(in->log, "verification time %llu usec\n",
			   (unsigned long long)(res->verify_ns / 1000));
		log_printf(in->log, "stack depth ");
		for (size_t s = 0; s < e.cfg.nsubs; s++)
			log_printf(in->log, "%s%u", s ? "+" : "", e.stack_depth ? e.stack_depth[s] : 0);
		log_printf(in->log, "\n");
	}
	if (in->log_level)
		log_printf(in->log,
			   "processed %llu insns (limit %d) max_states_per_insn %u total_states %u "
			   "peak_states %u mark_read 0\n",
			   (unsigned long long)e.processed, VERIFIER_MAX_INSNS_PROCESSED,
			   e.max_states_per_insn, e.total_states, e.peak_states);
	free_explored(&e);
	free(e.stack);
	free(e.live);
	free(e.lprec);
	free(e.lsprec);
	free(e.prec);
	free(e.sprec);
	free(e.stack_depth);
	free(e.alu_state);
	free(e.alu_limit);
	free(e.tail_call_map);
	free(e.global_done);
	free(e.global_called);
	free(e.sub_might_throw);
	free(e.sub_changes_pkt);
	cfg_free(&e.cfg);
	return err;
}

void verifier_result_free(struct verifier_result *res)
{
	free(res->insn_may_throw);
	free(res->insn_mem);
	free(res->insn_seen);
	res->insn_may_throw = NULL;
	res->insn_mem = NULL;
	res->insn_seen = NULL;
}
