/* The verifier's first pass (src/verifier/cfg.c): subprograms and the control-flow graph.
 * One accepted and one rejected program per rule. Every expected message, and every verdict
 * marked "kernel:", was confirmed by loading the same instructions with bpf(BPF_PROG_LOAD)
 * (SOCKET_FILTER, or SCHED_CLS for kfunc calls and BTF func_info; license GPL, log level 1) on
 * Linux 6.18.44; "kernel: CFG ok" means the kernel got past check_cfg() (its log went on to
 * do_check()). The unprivileged messages could not be confirmed there
 * (kernel.unprivileged_bpf_disabled = 2): they are from kernel/bpf/verifier.c. */
#include "testlib.h"
#include "verifier/cfg.h"

#include <errno.h>
#include <stdio.h>

#define I(c, d, s, o, i)                                                                           \
	{                                                                                          \
		.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)                \
	}
#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVX(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD(d, i) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define JA32(i) I(BPF_JMP32 | BPF_JA, 0, 0, 0, i)
#define JEQ(d, i, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JLT(d, i, o) I(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define CALL(i) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, i)
#define HCALL(i) I(BPF_JMP | BPF_CALL, 0, 0, 0, i)
#define KCALL(i) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, i)
#define LDDW(d, s, i) I(BPF_LD | BPF_IMM | BPF_DW, d, s, 0, i), I(0, 0, 0, 0, 0)

#define THROW_ID 65912 /* bpf_throw's BTF id on the kernel the messages were checked on */
#define LOOP_ID 181    /* BPF_FUNC_loop */

static enum cfg_call_kind kind_of(const struct bpf_insn *in, void *ctx)
{
	(void)ctx;
	if (in->src_reg == BPF_PSEUDO_KFUNC_CALL && in->imm == THROW_ID)
		return CFG_CALL_THROW;
	if (in->src_reg == 0 && in->imm == LOOP_ID)
		return CFG_CALL_SYNC_CB;
	return CFG_CALL_PLAIN;
}

static char logbuf[4096];

static int build_h(const struct bpf_insn *p, size_t n, const struct cfg_func_hint *h, size_t nh,
		   bool unpriv, struct cfg *out)
{
	struct log log;
	struct cfg_opts opts = {.unpriv = unpriv, .call_kind = kind_of};

	log_init(&log, logbuf, sizeof(logbuf));
	return cfg_build(p, n, h, nh, &opts, &log, out);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define BUILD(p, out) build_h(p, N(p), NULL, 0, false, out)

/* The program is rejected with exactly msg (and errno err). */
#define REJECT(p, err, msg)                                                                        \
	do {                                                                                       \
		struct cfg c_;                                                                     \
		CHECK_EQ(BUILD(p, &c_), (err));                                                    \
		CHECK_STR(logbuf, msg);                                                            \
		CHECK(c_.subs == NULL && c_.flags == NULL);                                        \
	} while (0)

/* --- subprogram starts ------------------------------------------------------------------- */

TEST(cfg_call_accept) /* kernel: accepted */
{
	struct bpf_insn p[] = {MOV(0, 0), CALL(1), EXIT, MOV(0, 1), EXIT};
	struct cfg c;

	CHECK_EQ(BUILD(p, &c), 0);
	CHECK_STR(logbuf, "");
	CHECK_EQ(c.nsubs, 2);
	CHECK_EQ(c.subs[0].start, 0);
	CHECK_EQ(c.subs[0].end, 3);
	CHECK_EQ(c.subs[1].start, 3);
	CHECK_EQ(c.subs[1].end, 5);
	CHECK_EQ(c.exception_cb, -1);
	CHECK_EQ(c.insn_sub[2], 0);
	CHECK_EQ(c.insn_sub[3], 1);
	CHECK_EQ(cfg_find_subprog(&c, 3), 1);
	CHECK_EQ(cfg_find_subprog(&c, 2), -1);
	/* Linux's marks: the call site, the return point, the callee's entry */
	CHECK_EQ(c.flags[0], 0);
	CHECK_EQ(c.flags[1], CFG_PRUNE_POINT);
	CHECK_EQ(c.flags[2], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	CHECK_EQ(c.flags[3], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
}

TEST(cfg_call_invalid_destination) /* kernel: same message for each */
{
	struct bpf_insn fwd[] = {MOV(0, 0), CALL(5), EXIT};
	struct bpf_insn back[] = {MOV(0, 0), CALL(-3), EXIT};
	struct bpf_insn func[] = {LDDW(1, BPF_PSEUDO_FUNC, 7), MOV(0, 0), EXIT};

	REJECT(fwd, -EINVAL, "call to invalid destination\n");
	REJECT(back, -EINVAL, "call to invalid destination\n");
	REJECT(func, -EINVAL, "call to invalid destination\n");
}

TEST(cfg_call_self) /* kernel: the call makes insn 1 a start, so main ends in mov */
{
	struct bpf_insn p[] = {MOV(0, 0), CALL(-1), EXIT};

	REJECT(p, -EINVAL, "last insn is not an exit or jmp\n");
}

TEST(cfg_callback_accept) /* kernel: CFG ok (then "missing btf func_info") */
{
	struct bpf_insn p[] = {MOV(1, 1),
			       LDDW(2, BPF_PSEUDO_FUNC, 6),
			       MOV(3, 0),
			       MOV(4, 0),
			       HCALL(LOOP_ID),
			       MOV(0, 0),
			       EXIT,
			       MOV(0, 0),
			       EXIT};
	struct cfg c;

	CHECK_EQ(BUILD(p, &c), 0);
	CHECK_EQ(c.nsubs, 2);
	CHECK_EQ(c.subs[1].start, 8);
	CHECK(c.subs[1].is_callback_target);
	CHECK(!c.subs[0].is_callback_target);
	CHECK_EQ(c.flags[1], CFG_PRUNE_POINT | CFG_CALLBACK_REF);
	CHECK_EQ(c.flags[2], CFG_LDDW_HI);
	CHECK_EQ(c.flags[3], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	CHECK_EQ(c.flags[5],
		 CFG_CALLS_CALLBACK | CFG_FORCE_CHECKPOINT | CFG_PRUNE_POINT | CFG_JMP_TARGET);
	CHECK_EQ(c.flags[6], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	CHECK_EQ(c.flags[8], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
}

/* main calls subprograms 1..subs-1 in turn, each `r0 = 0; exit` */
static size_t many_subprogs(struct bpf_insn *p, int subs)
{
	size_t n = 0;
	struct bpf_insn call = CALL(0), mov = MOV(0, 0), ex = EXIT;

	for (int s = 1; s < subs; s++)
		p[n++] = call;
	p[n++] = mov;
	p[n++] = ex;
	for (int s = 1; s < subs; s++) {
		p[s - 1].imm = (int32_t)(n - (size_t)s);
		p[n++] = mov;
		p[n++] = ex;
	}
	return n;
}

TEST(cfg_too_many_subprograms) /* kernel: 256 accepted, 257 "too many subprograms" */
{
	static struct bpf_insn p[1024];
	struct cfg c;
	size_t n = many_subprogs(p, 256);

	CHECK_EQ(build_h(p, n, NULL, 0, false, &c), 0);
	CHECK_EQ(c.nsubs, 256);
	cfg_free(&c);
	n = many_subprogs(p, 257);
	CHECK_EQ(build_h(p, n, NULL, 0, false, &c), -E2BIG);
	CHECK_STR(logbuf, "too many subprograms\n");
}

/* --- jumps stay in their subprogram ------------------------------------------------------- */

TEST(cfg_jump_in_range_accept) /* kernel: accepted */
{
	struct bpf_insn p[] = {MOV(0, 0), JA(1), ADD(0, 1), JLT(0, 10, -2), EXIT};
	struct cfg c;

	CHECK_EQ(BUILD(p, &c), 0);
	/* the walk goes 0 1 3 4, then 2, whose fall-through closes the loop at 3 */
	CHECK_EQ(c.flags[1], 0);
	CHECK_EQ(c.flags[2], CFG_PRUNE_POINT | CFG_JMP_TARGET | CFG_BACK_EDGE);
	CHECK_EQ(c.flags[3], CFG_PRUNE_POINT | CFG_JMP_TARGET | CFG_LOOP_HEAD);
	CHECK_EQ(c.flags[4], 0);
	cfg_free(&c);
}

TEST(cfg_jump_out_of_range) /* kernel: each message */
{
	struct bpf_insn into_sub[] = {MOV(0, 0), JEQ(0, 0, 2), CALL(1), EXIT, MOV(0, 1), EXIT};
	struct bpf_insn out_of_sub[] = {MOV(0, 0), CALL(1), EXIT, JEQ(0, 0, -2), MOV(0, 1), EXIT};
	struct bpf_insn ja_fwd[] = {MOV(0, 0), CALL(2), JA(2), EXIT, MOV(0, 1), EXIT};
	struct bpf_insn ja32[] = {MOV(0, 0), CALL(1), EXIT, JA32(-3), MOV(0, 1), EXIT};
	struct bpf_insn past_end[] = {MOV(0, 0), JEQ(0, 0, 5), EXIT};
	struct bpf_insn before_start[] = {MOV(0, 0), JEQ(0, 0, -5), EXIT};

	REJECT(into_sub, -EINVAL, "jump out of range from insn 1 to 4\n");
	REJECT(out_of_sub, -EINVAL, "jump out of range from insn 3 to 2\n");
	REJECT(ja_fwd, -EINVAL, "jump out of range from insn 2 to 5\n");
	REJECT(ja32, -EINVAL, "jump out of range from insn 3 to 1\n");
	REJECT(past_end, -EINVAL, "jump out of range from insn 1 to 7\n");
	REJECT(before_start, -EINVAL, "jump out of range from insn 1 to -3\n");
}

/* --- every subprogram ends in exit or ja -------------------------------------------------- */

TEST(cfg_last_insn_accept) /* kernel: accepted, both */
{
	struct bpf_insn ja[] = {MOV(0, 0), CALL(1), EXIT, MOV(0, 1), JEQ(0, 1, 1), EXIT, JA(-2)};
	struct bpf_insn ja32[] = {MOV(0, 0),	CALL(1), EXIT,	  MOV(0, 1),
				  JEQ(0, 1, 1), EXIT,	 JA32(-2)};
	struct cfg c;

	CHECK_EQ(BUILD(ja, &c), 0);
	CHECK_EQ(c.subs[1].end, 7);
	CHECK_EQ(c.flags[5], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
	CHECK_EQ(BUILD(ja32, &c), 0);
	CHECK_EQ(c.flags[5], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
}

TEST(cfg_last_insn_not_exit) /* kernel: the same message for each */
{
	struct bpf_insn main_falls[] = {MOV(0, 0), CALL(1), MOV(0, 1), MOV(0, 1), EXIT};
	struct bpf_insn end_falls[] = {MOV(0, 0), EXIT, MOV(0, 0)};
	struct bpf_insn cond[] = {MOV(0, 0), CALL(1), EXIT, MOV(0, 1), JEQ(0, 0, -2)};
	struct bpf_insn lddw[] = {MOV(0, 0), CALL(1), EXIT, LDDW(0, 0, 1)};
	/* TC program; a trailing bpf_throw is not a terminator either */
	struct bpf_insn throw[] = {MOV(0, 0), JEQ(0, 0, 1), EXIT, MOV(1, 0), KCALL(THROW_ID)};

	REJECT(main_falls, -EINVAL, "last insn is not an exit or jmp\n");
	REJECT(end_falls, -EINVAL, "last insn is not an exit or jmp\n");
	REJECT(cond, -EINVAL, "last insn is not an exit or jmp\n");
	REJECT(lddw, -EINVAL, "last insn is not an exit or jmp\n");
	REJECT(throw, -EINVAL, "last insn is not an exit or jmp\n");
}

/* --- reachability ------------------------------------------------------------------------- */

TEST(cfg_reachable_accept) /* kernel: accepted */
{
	struct bpf_insn p[] = {LDDW(0, 0, 1), EXIT};
	struct cfg c;

	CHECK_EQ(BUILD(p, &c), 0);
	CHECK_EQ(c.flags[0], 0);
	CHECK_EQ(c.flags[1], CFG_LDDW_HI);
	CHECK_EQ(c.flags[2], 0);
	cfg_free(&c);
}

TEST(cfg_unreachable) /* kernel: each message */
{
	struct bpf_insn after_exit[] = {MOV(0, 0), EXIT, MOV(0, 1), EXIT};
	struct bpf_insn in_sub[] = {MOV(0, 0), CALL(1), EXIT, MOV(0, 1), EXIT, MOV(0, 2), EXIT};
	struct bpf_insn after_ja[] = {MOV(0, 0), JA(1), MOV(0, 1), EXIT};
	struct bpf_insn after_loop[] = {MOV(0, 0), JA(-1), EXIT};
	struct bpf_insn skipped_lddw[] = {MOV(0, 0), JA(1), LDDW(0, 0, 1), EXIT};

	REJECT(after_exit, -EINVAL, "unreachable insn 2\n");
	REJECT(in_sub, -EINVAL, "unreachable insn 5\n");
	REJECT(after_ja, -EINVAL, "unreachable insn 2\n");
	REJECT(after_loop, -EINVAL, "unreachable insn 2\n");
	REJECT(skipped_lddw, -EINVAL, "unreachable insn 2\n");
}

TEST(cfg_ldimm64_middle) /* kernel: the message */
{
	struct bpf_insn p[] = {MOV(0, 0), JEQ(0, 0, 1), LDDW(0, 0, 1), EXIT};

	REJECT(p, -EINVAL, "jump into the middle of ldimm64 insn 2\n");
}

/* --- loops -------------------------------------------------------------------------------- */

TEST(cfg_back_edge) /* kernel: the privileged program is accepted (a bounded loop) */
{
	struct bpf_insn p[] = {MOV(0, 0), ADD(0, 1), JLT(0, 10, -2), EXIT};
	struct cfg c;

	CHECK_EQ(build_h(p, N(p), NULL, 0, false, &c), 0);
	CHECK_EQ(c.flags[1], CFG_PRUNE_POINT | CFG_JMP_TARGET | CFG_LOOP_HEAD);
	CHECK_EQ(c.flags[2], CFG_PRUNE_POINT | CFG_BACK_EDGE);
	cfg_free(&c);

	/* not confirmed on the kernel: unprivileged loads are disabled there */
	CHECK_EQ(build_h(p, N(p), NULL, 0, true, &c), -EINVAL);
	CHECK_STR(logbuf, "back-edge from insn 2 to 1\n");

	/* a forward-only program is fine unprivileged */
	struct bpf_insn fwd[] = {MOV(0, 0), JEQ(0, 1, 1), MOV(0, 1), EXIT};
	CHECK_EQ(build_h(fwd, N(fwd), NULL, 0, true, &c), 0);
	CHECK_EQ(c.flags[1], CFG_PRUNE_POINT);
	CHECK_EQ(c.flags[3], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
}

TEST(cfg_unpriv_call) /* not confirmed on the kernel (see above) */
{
	struct bpf_insn p[] = {MOV(0, 0), CALL(1), EXIT, MOV(0, 1), EXIT};
	struct cfg c;

	CHECK_EQ(build_h(p, N(p), NULL, 0, true, &c), -EPERM);
	CHECK_STR(logbuf, "loading/calling other bpf or kernel functions are allowed for CAP_BPF "
			  "and CAP_SYS_ADMIN\n");
}

/* --- bpf_throw ---------------------------------------------------------------------------- */

TEST(cfg_throw) /* kernel (TC): accepted: Linux keeps the fall-through edge after bpf_throw */
{
	struct bpf_insn p[] = {MOV(1, 0), KCALL(THROW_ID), EXIT};
	struct bpf_insn in_sub[] = {MOV(0, 0),	     CALL(1),	EXIT, MOV(1, 0),
				    KCALL(THROW_ID), MOV(0, 0), EXIT};
	struct cfg c;

	CHECK_EQ(BUILD(p, &c), 0);
	CHECK_EQ(c.flags[1], CFG_THROW);
	CHECK_EQ(c.flags[2], CFG_PRUNE_POINT | CFG_JMP_TARGET);
	cfg_free(&c);
	CHECK_EQ(BUILD(in_sub, &c), 0);
	CHECK_EQ(c.flags[4], CFG_THROW);
	cfg_free(&c);
}

/* --- function hints (BTF func_info) and the exception callback ---------------------------- */

TEST(cfg_hints_accept) /* kernel (TC, BTF): accepted */
{
	struct bpf_insn p[] = {MOV(1, 0), CALL(1), EXIT, MOVX(0, 1), EXIT};
	struct cfg_func_hint h[] = {{.name = "m", .start = 0},
				    {.name = "f", .start = 3, .global = true}};
	struct cfg c;

	CHECK_EQ(build_h(p, N(p), h, N(h), false, &c), 0);
	CHECK_EQ(c.nsubs, 2);
	CHECK(!c.subs[0].global);
	CHECK(c.subs[1].global);
	cfg_free(&c);
}

TEST(cfg_hints_reject) /* kernel (TC, BTF): each message */
{
	struct bpf_insn p[] = {MOV(1, 0), CALL(1), EXIT, MOVX(0, 1), EXIT};
	struct bpf_insn uncalled[] = {MOV(0, 0), EXIT, MOVX(0, 1), EXIT};
	struct cfg_func_hint layout[] = {{.start = 0}, {.start = 4}};
	struct cfg_func_hint first[] = {{.start = 1}, {.start = 4}};
	struct cfg_func_hint order[] = {{.start = 0}, {.start = 0}};
	struct cfg_func_hint count[] = {{.start = 0}, {.start = 2}};
	struct cfg c;

	CHECK_EQ(build_h(p, N(p), layout, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "func_info BTF section doesn't match subprog layout in BPF program\n");
	/* Linux prints these two without a newline */
	CHECK_EQ(build_h(p, N(p), first, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "nonzero insn_off 1 for the first func info record");
	CHECK_EQ(build_h(p, N(p), order, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "same or smaller insn offset (0) than previous func info record (0)");
	CHECK_EQ(build_h(uncalled, N(uncalled), count, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "number of funcs in func_info doesn't match number of subprogs\n");
}

TEST(cfg_exception_cb_accept) /* kernel (TC, BTF decl tag exception_callback:cb): accepted */
{
	struct bpf_insn p[] = {MOV(0, 0), EXIT, MOVX(0, 1), EXIT};
	struct cfg_func_hint h[] = {
	    {.name = "m", .start = 0},
	    {.name = "cb", .start = 2, .global = true, .exception_cb = true}};
	struct cfg c;

	CHECK_EQ(build_h(p, N(p), h, N(h), false, &c), 0);
	CHECK_EQ(c.nsubs, 2);
	CHECK_EQ(c.exception_cb, 1);
	CHECK(c.subs[1].exception_cb);
	CHECK(c.subs[1].global);
	CHECK_EQ(c.insn_sub[3], 1);
	CHECK_EQ(c.flags[2], 0); /* a root, not a call target */
	cfg_free(&c);
}

TEST(cfg_exception_cb_reject) /* kernel (TC, BTF): each message */
{
	struct bpf_insn direct[] = {MOV(1, 5), CALL(1), EXIT, MOVX(0, 1), EXIT};
	struct cfg_func_hint h_direct[] = {
	    {.name = "m", .start = 0},
	    {.name = "cb", .start = 3, .global = true, .exception_cb = true}};
	struct bpf_insn p[] = {MOV(0, 0), EXIT, MOVX(0, 1), EXIT};
	struct bpf_insn unreach[] = {MOV(0, 0), EXIT, MOVX(0, 1), EXIT, EXIT};
	struct cfg_func_hint h_static[] = {{.name = "m", .start = 0},
					   {.name = "cb", .start = 2, .exception_cb = true}};
	struct cfg_func_hint h_main[] = {
	    {.name = "m", .start = 0, .global = true, .exception_cb = true}};
	struct cfg_func_hint h_far[] = {
	    {.name = "m", .start = 0},
	    {.name = "cb", .start = 7, .global = true, .exception_cb = true}};
	struct cfg_func_hint h_ok[] = {
	    {.name = "m", .start = 0},
	    {.name = "cb", .start = 2, .global = true, .exception_cb = true}};
	struct bpf_insn bad_call[] = {MOV(0, 0), CALL(9), EXIT, MOVX(0, 1), EXIT};
	struct cfg c;

	/* Linux prints this one without a newline */
	CHECK_EQ(build_h(direct, N(direct), h_direct, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "insn 1 cannot call exception cb directly");
	CHECK_EQ(build_h(p, N(p), h_static, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "exception callback 'cb' must have global linkage\n");
	CHECK_EQ(build_h(p, 2, h_main, 1, false, &c), -EINVAL);
	CHECK_STR(logbuf, "invalid exception callback insn_off in func_info: 0\n");
	CHECK_EQ(build_h(p, N(p), h_far, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "call to invalid destination\n");
	/* the callback is a second root of the walk */
	CHECK_EQ(build_h(unreach, N(unreach), h_ok, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "unreachable insn 4\n");
	/* calls are checked before the callback */
	CHECK_EQ(build_h(bad_call, N(bad_call), h_direct, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "call to invalid destination\n");

	/* not confirmed on the kernel: libbpf never sends two tags */
	struct cfg_func_hint h_two[] = {{.start = 0, .exception_cb = true, .global = true},
					{.start = 2, .global = true, .exception_cb = true}};
	CHECK_EQ(build_h(p, N(p), h_two, 2, false, &c), -EINVAL);
	CHECK_STR(logbuf, "multiple exception callback tags for main subprog\n");
}

TEST(cfg_empty) /* not a kernel message: bpf() rejects an empty program before verifying */
{
	struct cfg c;

	CHECK_EQ(cfg_build(NULL, 0, NULL, 0, NULL, NULL, &c), -EINVAL);
	CHECK(c.subs == NULL);
	cfg_free(&c);
}

/* Loop numbers as Linux's level-2 log prints them (compute_scc): loops are numbered in the
 * order the depth-first walk completes them, so the later of two loops in sequence is 1. */
TEST(cfg_scc_numbering) /* kernel: the same numbers in its "Live regs before insn" block */
{
	struct bpf_insn seq[] = {MOV(6, 10), ADD(6, -1), I(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -2, 0),
				 MOV(6, 5),  ADD(6, -1), I(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -2, 0),
				 MOV(0, 0),  EXIT};
	uint32_t want_seq[] = {0, 2, 2, 0, 1, 1, 0, 0}, scc[16];

	CHECK_EQ(cfg_scc(seq, N(seq), scc), 0);
	for (size_t i = 0; i < N(seq); i++)
		CHECK_EQ(scc[i], want_seq[i]);

	/* a jump to itself is a loop; an instruction alone is not */
	struct bpf_insn self[] = {MOV(0, 0), JEQ(0, 0, -1), EXIT};
	CHECK_EQ(cfg_scc(self, N(self), scc), 0);
	CHECK_EQ(scc[0], 0);
	CHECK_EQ(scc[1], 1);
	CHECK_EQ(scc[2], 0);

	/* nested loops are one component; an lddw's second slot is on none */
	struct bpf_insn nest[] = {MOV(1, 0),	  LDDW(2, 0, 0),   ADD(2, 1), JLT(2, 3, -2),
				  ADD(1, 1),	  JLT(1, 3, -6),   EXIT};
	uint32_t want_nest[] = {0, 1, 0, 1, 1, 1, 1, 0};

	CHECK_EQ(cfg_scc(nest, N(nest), scc), 0);
	for (size_t i = 0; i < N(nest); i++)
		CHECK_EQ(scc[i], want_nest[i]);

	/* successors in Linux's order: the fall-through, then the target (once) */
	size_t succ[2];
	struct bpf_insn j0[] = {JEQ(0, 0, 0), EXIT};
	CHECK_EQ(cfg_successors(j0, N(j0), 0, succ), 1);
	CHECK_EQ(succ[0], 1);
	CHECK_EQ(cfg_successors(seq, N(seq), 2, succ), 2);
	CHECK_EQ(succ[0], 3);
	CHECK_EQ(succ[1], 1);
	CHECK_EQ(cfg_successors(seq, N(seq), 7, succ), 0);
}
