/* Subprograms and the control-flow graph: Linux's add_subprog_and_kfunc(), check_subprogs(),
 * the func_info layout checks of check_btf_info(), and check_cfg() (kernel/bpf/verifier.c),
 * in that order and with the same walk, so that the first error is the kernel's. */
#include "verifier/cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Linux's check_cfg() instruction states. */
enum { DISCOVERED = 0x10, EXPLORED = 0x20, FALLTHROUGH = 1, BRANCH = 2 };
enum { DONE_EXPLORING = 0, KEEP_EXPLORING = 1 };

#define JMP_JCOND 0xe0 /* BPF_JCOND: may_goto (src 0) */

struct builder {
	const struct bpf_insn *insns;
	int64_t cnt;
	const struct cfg_opts *opts;
	struct log *log;
	struct cfg *out;
	uint32_t *starts; /* sorted subprogram starts, nsubs of them */
	size_t nsubs;
	uint8_t *state;
	int32_t *stack;
	int64_t sp;
};

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_pseudo_func(const struct bpf_insn *in)
{
	return is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC;
}

static bool is_call(const struct bpf_insn *in) { return in->code == (BPF_JMP | BPF_CALL); }

static bool is_pseudo_call(const struct bpf_insn *in)
{
	return is_call(in) && in->src_reg == BPF_PSEUDO_CALL;
}

static bool is_kfunc_call(const struct bpf_insn *in)
{
	return is_call(in) && in->src_reg == BPF_PSEUDO_KFUNC_CALL;
}

static bool is_helper_call(const struct bpf_insn *in) { return is_call(in) && in->src_reg == 0; }

static int find_start(const uint32_t *starts, size_t n, uint32_t insn)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (starts[mid] == insn)
			return (int)mid;
		if (starts[mid] < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int cfg_find_subprog(const struct cfg *cfg, uint32_t insn)
{
	size_t lo = 0, hi = cfg->nsubs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cfg->subs[mid].start == insn)
			return (int)mid;
		if (cfg->subs[mid].start < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Linux's add_subprog(): returns the subprogram's index or a negative errno. */
static int add_subprog(struct builder *b, int64_t off)
{
	if (off < 0 || off >= b->cnt) {
		log_printf(b->log, "call to invalid destination\n");
		return -EINVAL;
	}
	int idx = find_start(b->starts, b->nsubs, (uint32_t)off);
	if (idx >= 0)
		return idx;
	if (b->nsubs >= CFG_MAX_SUBPROGS) {
		log_printf(b->log, "too many subprograms\n");
		return -E2BIG;
	}
	size_t pos = b->nsubs;
	while (pos > 0 && b->starts[pos - 1] > (uint32_t)off) {
		b->starts[pos] = b->starts[pos - 1];
		pos--;
	}
	b->starts[pos] = (uint32_t)off;
	b->nsubs++;
	return (int)pos;
}

/* Linux's check_btf_func_early() insn_off checks. */
static int check_hints_early(struct builder *b, const struct cfg_func_hint *funcs, size_t nfuncs)
{
	for (size_t i = 0; i < nfuncs; i++) {
		if (i == 0 && funcs[0].start != 0) {
			log_printf(b->log, "nonzero insn_off %u for the first func info record",
				   funcs[0].start);
			return -EINVAL;
		}
		if (i > 0 && funcs[i].start <= funcs[i - 1].start) {
			log_printf(
			    b->log,
			    "same or smaller insn offset (%u) than previous func info record "
			    "(%u)",
			    funcs[i].start, funcs[i - 1].start);
			return -EINVAL;
		}
	}
	return 0;
}

/* add_subprog_and_kfunc(): the main program, call and callback targets, the exception
 * callback. Returns the exception callback's start (0 for none) or a negative errno. */
static int64_t add_subprogs(struct builder *b, const struct cfg_func_hint *funcs, size_t nfuncs)
{
	int ret = add_subprog(b, 0);

	if (ret < 0)
		return ret;
	for (int64_t i = 0; i < b->cnt; i++) {
		const struct bpf_insn *in = &b->insns[i];

		if (!is_pseudo_func(in) && !is_pseudo_call(in) && !is_kfunc_call(in))
			continue;
		if (b->opts->unpriv) {
			log_printf(b->log,
				   "loading/calling other bpf or kernel functions are allowed "
				   "for CAP_BPF and CAP_SYS_ADMIN\n");
			return -EPERM;
		}
		if (is_kfunc_call(in))
			continue; /* add_kfunc_call(): the runtime's business */
		ret = add_subprog(b, i + (int64_t)in->imm + 1);
		if (ret < 0)
			return ret;
	}

	/* bpf_find_exception_callback_insn_off(), on what the loader resolved */
	int64_t ex_cb = -1;
	const struct cfg_func_hint *cb = NULL;
	for (size_t i = 0; i < nfuncs; i++) {
		if (!funcs[i].exception_cb)
			continue;
		if (cb) {
			log_printf(b->log, "multiple exception callback tags for main subprog\n");
			return -EINVAL;
		}
		cb = &funcs[i];
	}
	if (cb && !cb->global) {
		log_printf(b->log, "exception callback '%s' must have global linkage\n",
			   cb->name ? cb->name : "");
		return -EINVAL;
	}
	if (cb)
		ex_cb = cb->start;
	if (ex_cb == 0) {
		log_printf(b->log, "invalid exception callback insn_off in func_info: 0\n");
		return -EINVAL;
	}
	if (ex_cb > 0) {
		ret = add_subprog(b, ex_cb);
		if (ret < 0)
			return ret;
		return ex_cb;
	}
	return 0;
}

/* check_subprogs(): jumps stay inside their subprogram, no subprogram falls into the next. */
static int check_subprogs(struct builder *b)
{
	struct cfg_subprog *subs = b->out->subs;
	size_t cur = 0;
	int64_t start = subs[0].start, end = subs[0].end;

	for (int64_t i = 0; i < b->cnt; i++) {
		const struct bpf_insn *in = &b->insns[i];
		uint8_t code = in->code;
		int64_t off;

		if (is_helper_call(in) && in->imm == BPF_FUNC_tail_call)
			subs[cur].has_tail_call = true;
		if (BPF_CLASS(code) == BPF_LD &&
		    (BPF_MODE(code) == BPF_ABS || BPF_MODE(code) == BPF_IND))
			subs[cur].has_ld_abs = true;
		if (BPF_CLASS(code) != BPF_JMP && BPF_CLASS(code) != BPF_JMP32)
			goto next;
		if (BPF_OP(code) == BPF_EXIT || BPF_OP(code) == BPF_CALL)
			goto next;
		if (code == (BPF_JMP32 | BPF_JA))
			off = i + (int64_t)in->imm + 1;
		else
			off = i + (int64_t)in->off + 1;
		if (off < start || off >= end) {
			log_printf(b->log, "jump out of range from insn %d to %d\n", (int)i,
				   (int)off);
			return -EINVAL;
		}
	next:
		if (i == end - 1) {
			/* Linux does not accept a trailing bpf_throw call either. */
			if (code != (BPF_JMP | BPF_EXIT) && code != (BPF_JMP32 | BPF_JA) &&
			    code != (BPF_JMP | BPF_JA)) {
				log_printf(b->log, "last insn is not an exit or jmp\n");
				return -EINVAL;
			}
			cur++;
			if (cur < b->nsubs) {
				start = subs[cur].start;
				end = subs[cur].end;
			}
		}
	}
	return 0;
}

/* check_btf_func(): the functions the loader reports are exactly the subprograms. */
static int check_hints_layout(struct builder *b, const struct cfg_func_hint *funcs, size_t nfuncs)
{
	if (nfuncs == 0)
		return 0;
	if (nfuncs != b->nsubs) {
		log_printf(b->log,
			   "number of funcs in func_info doesn't match number of subprogs\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < nfuncs; i++) {
		if (b->out->subs[i].start != funcs[i].start) {
			log_printf(b->log,
				   "func_info BTF section doesn't match subprog layout in BPF "
				   "program\n");
			return -EINVAL;
		}
		b->out->subs[i].global = funcs[i].global;
	}
	return 0;
}

static void mark(struct builder *b, int64_t insn, uint16_t flags)
{
	if (insn >= 0 && insn < b->cnt)
		b->out->flags[insn] |= flags;
}

/* Linux's push_insn(). */
static int push_insn(struct builder *b, int64_t t, int64_t w, int e)
{
	uint8_t *state = b->state;

	if (e == FALLTHROUGH && state[t] >= (DISCOVERED | FALLTHROUGH))
		return DONE_EXPLORING;
	if (e == BRANCH && state[t] >= (DISCOVERED | BRANCH))
		return DONE_EXPLORING;
	if (w < 0 || w >= b->cnt) {
		log_printf(b->log, "jump out of range from insn %d to %d\n", (int)t, (int)w);
		return -EINVAL;
	}
	if (e == BRANCH)
		mark(b, w, CFG_PRUNE_POINT | CFG_JMP_TARGET);

	if (state[w] == 0) {
		/* tree edge */
		state[t] = DISCOVERED | e;
		state[w] = DISCOVERED;
		b->stack[b->sp++] = (int32_t)w;
		return KEEP_EXPLORING;
	}
	if ((state[w] & 0xf0) == DISCOVERED) {
		/* back edge: w is on the current path */
		if (b->opts->unpriv) {
			log_printf(b->log, "back-edge from insn %d to %d\n", (int)t, (int)w);
			return -EINVAL;
		}
		mark(b, t, CFG_BACK_EDGE);
		mark(b, w, CFG_LOOP_HEAD);
		return DONE_EXPLORING;
	}
	/* forward or cross edge (w is EXPLORED) */
	state[t] = DISCOVERED | e;
	return DONE_EXPLORING;
}

/* visit_func_call_insn() */
static int visit_call(struct builder *b, int64_t t, bool visit_callee)
{
	const struct bpf_insn *in = &b->insns[t];
	int64_t sz = is_ldimm64(in) ? 2 : 1;
	int ret = push_insn(b, t, t + sz, FALLTHROUGH);

	if (ret)
		return ret;
	mark(b, t + sz, CFG_PRUNE_POINT | CFG_JMP_TARGET);
	if (visit_callee) {
		mark(b, t, CFG_PRUNE_POINT);
		ret = push_insn(b, t, t + (int64_t)in->imm + 1, BRANCH);
	}
	return ret;
}

/* visit_insn() */
static int visit_insn(struct builder *b, int64_t t)
{
	const struct bpf_insn *in = &b->insns[t];
	uint8_t code = in->code;
	int64_t off;
	int ret;

	if (is_pseudo_func(in)) {
		mark(b, t, CFG_CALLBACK_REF);
		return visit_call(b, t, true);
	}
	if (BPF_CLASS(code) != BPF_JMP && BPF_CLASS(code) != BPF_JMP32)
		return push_insn(b, t, t + (is_ldimm64(in) ? 2 : 1), FALLTHROUGH);

	switch (BPF_OP(code)) {
	case BPF_EXIT:
		return DONE_EXPLORING;
	case BPF_CALL:
		if ((is_helper_call(in) || is_kfunc_call(in)) && b->opts->call_kind) {
			switch (b->opts->call_kind(in, b->opts->ctx)) {
			case CFG_CALL_SYNC_CB:
				mark(b, t,
				     CFG_CALLS_CALLBACK | CFG_FORCE_CHECKPOINT | CFG_PRUNE_POINT |
					 CFG_JMP_TARGET);
				break;
			case CFG_CALL_ASYNC_CB:
				mark(b, t, CFG_PRUNE_POINT);
				break;
			case CFG_CALL_ITER_NEXT:
				mark(b, t, CFG_PRUNE_POINT | CFG_FORCE_CHECKPOINT | CFG_ITER_NEXT);
				break;
			case CFG_CALL_THROW:
				/* Linux keeps the fall-through edge: the code after the call
				 * must be reachable some way, and is here. */
				mark(b, t, CFG_THROW);
				break;
			case CFG_CALL_PLAIN:
				break;
			}
		}
		return visit_call(b, t, in->src_reg == BPF_PSEUDO_CALL);
	case BPF_JA:
		if (BPF_SRC(code) != BPF_K) {
			log_printf(b->log, "invalid BPF_JA insn %d\n", (int)t);
			return -EINVAL;
		}
		off = BPF_CLASS(code) == BPF_JMP ? in->off : in->imm;
		ret = push_insn(b, t, t + off + 1, FALLTHROUGH);
		if (ret)
			return ret;
		mark(b, t + off + 1, CFG_PRUNE_POINT | CFG_JMP_TARGET);
		return ret;
	default:
		/* conditional jump: two edges */
		mark(b, t, CFG_PRUNE_POINT);
		if (code == (BPF_JMP | JMP_JCOND))
			mark(b, t, CFG_FORCE_CHECKPOINT);
		ret = push_insn(b, t, t + 1, FALLTHROUGH);
		if (ret)
			return ret;
		return push_insn(b, t, t + (int64_t)in->off + 1, BRANCH);
	}
}

/* check_cfg(): depth-first from insn 0, then from the exception callback. */
static int check_cfg(struct builder *b, int64_t ex_cb_start)
{
	uint8_t *state = b->state;
	int64_t root = 0;

	state[0] = DISCOVERED;
	b->stack[0] = 0;
	b->sp = 1;
	for (;;) {
		while (b->sp > 0) {
			int64_t t = b->stack[b->sp - 1];
			int ret = visit_insn(b, t);

			if (ret < 0)
				return ret;
			if (ret == DONE_EXPLORING) {
				state[t] = EXPLORED;
				b->sp--;
			}
		}
		if (root == 0 && ex_cb_start > 0 && state[ex_cb_start] != EXPLORED) {
			root = ex_cb_start;
			state[root] = DISCOVERED;
			b->stack[0] = (int32_t)root;
			b->sp = 1;
			continue;
		}
		break;
	}

	for (int64_t i = 0; i < b->cnt; i++) {
		if (state[i] != EXPLORED) {
			log_printf(b->log, "unreachable insn %d\n", (int)i);
			return -EINVAL;
		}
		if (is_ldimm64(&b->insns[i])) {
			if (i + 1 < b->cnt && state[i + 1] != 0) {
				log_printf(b->log, "jump into the middle of ldimm64 insn %d\n",
					   (int)i);
				return -EINVAL;
			}
			mark(b, i + 1, CFG_LDDW_HI);
			i++;
		}
	}
	return 0;
}

/* check_max_stack_depth_subprog()'s check on direct calls of the exception callback. */
static int check_ex_cb_calls(struct builder *b)
{
	const struct cfg *cfg = b->out;

	if (cfg->exception_cb < 0)
		return 0;
	for (int64_t i = 0; i < b->cnt; i++) {
		const struct bpf_insn *in = &b->insns[i];

		if (!is_pseudo_call(in))
			continue;
		if (cfg->subs[cfg->exception_cb].start == (uint32_t)(i + in->imm + 1)) {
			log_printf(b->log, "insn %d cannot call exception cb directly", (int)i);
			return -EINVAL;
		}
	}
	return 0;
}

void cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->subs);
	free(cfg->insn_sub);
	free(cfg->flags);
	memset(cfg, 0, sizeof(*cfg));
	cfg->exception_cb = -1;
}

int cfg_build(const struct bpf_insn *insns, size_t cnt, const struct cfg_func_hint *funcs,
	      size_t nfuncs, const struct cfg_opts *opts, struct log *log, struct cfg *out)
{
	static const struct cfg_opts default_opts;
	struct builder b = {
	    .insns = insns,
	    .cnt = (int64_t)cnt,
	    .opts = opts ? opts : &default_opts,
	    .log = log,
	    .out = out,
	};
	int64_t ex_cb;
	int ret;

	memset(out, 0, sizeof(*out));
	out->exception_cb = -1;
	if (cnt == 0 || cnt > INT32_MAX || (nfuncs && !funcs))
		return -EINVAL;

	b.starts = malloc(sizeof(*b.starts) * CFG_MAX_SUBPROGS);
	b.state = calloc(cnt, sizeof(*b.state));
	b.stack = malloc(sizeof(*b.stack) * cnt);
	out->insn_sub = calloc(cnt, sizeof(*out->insn_sub));
	out->flags = calloc(cnt, sizeof(*out->flags));
	if (!b.starts || !b.state || !b.stack || !out->insn_sub || !out->flags) {
		ret = -ENOMEM;
		goto out;
	}
	out->cnt = cnt;

	ret = check_hints_early(&b, funcs, nfuncs);
	if (ret)
		goto out;
	ex_cb = add_subprogs(&b, funcs, nfuncs);
	if (ex_cb < 0) {
		ret = (int)ex_cb;
		goto out;
	}

	out->subs = calloc(b.nsubs, sizeof(*out->subs));
	if (!out->subs) {
		ret = -ENOMEM;
		goto out;
	}
	out->nsubs = b.nsubs;
	for (size_t i = 0; i < b.nsubs; i++) {
		out->subs[i].start = b.starts[i];
		out->subs[i].end = i + 1 < b.nsubs ? b.starts[i + 1] : (uint32_t)cnt;
		for (uint32_t k = out->subs[i].start; k < out->subs[i].end; k++)
			out->insn_sub[k] = (uint32_t)i;
	}
	if (ex_cb > 0) {
		out->exception_cb = find_start(b.starts, b.nsubs, (uint32_t)ex_cb);
		out->subs[out->exception_cb].exception_cb = true;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (!is_pseudo_func(&insns[i]))
			continue;
		int idx = find_start(b.starts, b.nsubs, (uint32_t)((int64_t)i + insns[i].imm + 1));
		if (idx >= 0)
			out->subs[idx].is_callback_target = true;
	}

	ret = check_subprogs(&b);
	if (ret)
		goto out;
	ret = check_hints_layout(&b, funcs, nfuncs);
	if (ret)
		goto out;
	ret = check_cfg(&b, ex_cb);
	if (ret)
		goto out;
	ret = check_ex_cb_calls(&b);
out:
	free(b.starts);
	free(b.state);
	free(b.stack);
	if (ret)
		cfg_free(out);
	return ret;
}
