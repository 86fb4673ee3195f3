/* may_goto (can_loop, cond_break): a jump taken once the frame's hidden loop budget is spent.
 * The verifier explores both edges and needs no other bound on a loop that has one: a state at
 * the may_goto that lies within an earlier one there, still being explored, is pruned (the
 * budget ends the loop), while a state equal to one at another instruction is still an
 * infinite loop. The budget: 8M may_gotos per function invocation in exbpf (Linux's
 * BPF_MAX_LOOPS; Linux's x86-64 JIT counts time instead, so the programs that spend it state
 * exbpf's result only). Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_loops.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_LOOPS (8 * 1024 * 1024)

/* Counters start from a value the verifier does not know, as in Linux's selftests: a counter
 * with a known value is kept exact (a decided comparison makes it precise) and every round
 * is a new state, so the walk never converges. */
volatile __u64 zero;

/* A loop bounded by its condition as well: the budget is never reached. */
SEC("socket") __success __retval(499500)
int bounded_and_can_loop(void *ctx)
{
	__u32 i, sum = 0;

	for (i = 0; i < 1000 && can_loop; i++)
		sum += i;
	return sum;
}

/* A loop bounded by the budget alone: it converges although the counter grows. */
SEC("socket") __success __retval(0)
int budget_only(void *ctx)
{
	__u64 n = zero;

	while (can_loop)
		n++;
	return n == 0;
}

/* The same loop from a known start: each round's counter is a new value, never within an
 * earlier one, and the walk runs out of instructions (as in Linux). */
SEC("socket") __failure __msg("BPF program is too large")
int budget_only_exact(void *ctx)
{
	__u64 n = 0;

	while (can_loop)
		n++;
	return n == 0;
}

/* The budget runs out after exactly 8M may_gotos (exbpf; Linux's x86-64 JIT: time). */
SEC("socket") __success __exbpf_success __exbpf_retval(1)
int budget_is_8m(void *ctx)
{
	__u64 n = zero;

	while (can_loop)
		n++;
	return n == MAX_LOOPS;
}

/* cond_break leaves the loop it is in. */
SEC("socket") __success __retval(1)
int cond_break_leaves(void *ctx)
{
	__u64 n = 0;

	for (;;) {
		cond_break;
		n++;
		if (n == 100)
			break;
	}
	return n == 100;
}

/* Each invocation of a function has its own budget: two calls each spend a whole one. */
static __noinline __u64 spend(void)
{
	__u64 n = zero;

	while (can_loop)
		n++;
	return n;
}

SEC("socket") __success __exbpf_success __exbpf_retval(1)
int budget_per_call(void *ctx)
{
	__u64 a = spend(), b = spend();

	return a == MAX_LOOPS && b == MAX_LOOPS;
}

/* The budget bounds the loop, not the values in it: an index that grows on every round
 * walks past the end of the array. */
SEC("socket") __failure __msg("invalid write to stack R1 off=0 size=8")
__naked void index_past_end(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -32;\n"
		     "l0_%=:\n"
		     "may_goto l1_%=;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "r1 += 8;\n"
		     "goto l0_%=;\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The same loop with the index masked (and starting anywhere): every round is safe, and the
 * rounds converge. */
SEC("socket") __success __retval(0)
__naked void index_masked(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     "l0_%=:\n"
		     "may_goto l1_%=;\n"
		     "r1 = r6;\n"
		     "r1 &= 24;\n"
		     "r2 = r10;\n"
		     "r2 += -32;\n"
		     "r2 += r1;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r2 + 0) = r0;\n"
		     "r6 += 8;\n"
		     "goto l0_%=;\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A loop without may_goto that returns to the same state is still an infinite loop, even
 * behind one that has it. */
SEC("socket") __failure __msg("infinite loop detected at insn 2")
__naked void plain_loop_after_may_goto(void)
{
	asm volatile("r0 = 0;\n"
		     "may_goto l1_%=;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "goto l0_%=;\n"
		     "l1_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* The budget-spent edge is explored too: it must be safe on its own (here r0 is unset). */
SEC("socket") __failure __msg("R0 !read_ok")
__naked void spent_edge_checked(void)
{
	asm volatile("may_goto l1_%=;\n"
		     "r0 = 0;\n"
		     "l1_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* may_goto +0 goes on either way. */
SEC("socket") __success __retval(1)
__naked void may_goto_zero(void)
{
	asm volatile("may_goto l1_%=;\n"
		     "l1_%=:\n"
		     "r0 = 1;\n"
		     "may_goto l2_%=;\n"
		     "l2_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* Linux's x86-64 JIT keeps the budget in 16 hidden bytes of the function's stack, counted in
 * the stack depth it reports (after the 512-byte check). */
SEC("socket") __success __log_level(4) __msg("stack depth 24")
int stack_depth_counts_budget(void *ctx)
{
	volatile __u64 n = 0;

	while (can_loop)
		n++;
	return 0;
}

/* A callback's every run has a budget of its own (Linux: the callback's own hidden slot, set
 * by its prologue). */
static int spend_in_callback(__u32 i, void *ctx)
{
	__u64 n = zero;

	while (can_loop)
		n++;
	*(__u64 *)ctx += n == MAX_LOOPS;
	return 0;
}

SEC("tc") __success __exbpf_success __exbpf_retval(3)
int budget_per_callback_run(struct __sk_buff *skb)
{
	__u64 total = 0;

	bpf_loop(3, spend_in_callback, &total, 0);
	return total;
}
