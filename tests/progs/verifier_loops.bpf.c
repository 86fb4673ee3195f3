/* Loops (root may jump backwards): the verifier walks every iteration, so a loop is accepted
 * when it ends within 1,000,000 processed instructions (this loop costs 2 per iteration plus
 * 2), refused past it; a loop that revisits an identical state can never end; code no path
 * reaches is refused too. Each pair: the limit reached exactly, then one step past it. Checked
 * against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* A short counted loop. */
SEC("socket") __success __retval(10)
__naked void count_to_10(void)
{
	asm volatile("r0 = 0;\n"
		     "l0_%=:\n"
		     "r0 += 1;\n"
		     "if r0 < 10 goto l0_%=;\n"
		     "exit;\n" ::: __clobber_all);
}

/* 499,999 iterations: 1,000,000 instructions processed, the most allowed ... */
SEC("socket") __success __retval(499999)
__naked void insn_limit_exact(void)
{
	asm volatile("r0 = 0;\n"
		     "l0_%=:\n"
		     "r0 += 1;\n"
		     "if r0 < 499999 goto l0_%=;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ... 500,000 iterations: one too many. */
SEC("socket") __failure __msg("BPF program is too large. Processed 1000001 insn")
__naked void insn_limit_exceeded(void)
{
	asm volatile("r0 = 0;\n"
		     "l0_%=:\n"
		     "r0 += 1;\n"
		     "if r0 < 500000 goto l0_%=;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A loop bound the verifier cannot see (any u32) means 2^32 iterations: too large. */
SEC("socket") __failure __msg("BPF program is too large. Processed 1000001 insn")
__naked void unknown_bound(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r1 = r0;\n"
		     "r0 = 0;\n"
		     "l0_%=:\n"
		     "r0 += 1;\n"
		     "if r0 < r1 goto l0_%=;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* The same bound masked to 255: at most 256 iterations, accepted. */
SEC("socket") __success __retval(1)
__naked void masked_bound(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r1 = r0;\n"
		     "r1 &= 255;\n"
		     "r0 = 0;\n"
		     "l0_%=:\n"
		     "r0 += 1;\n"
		     "if r0 < r1 goto l0_%=;\n"
		     "r0 = 1;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A loop whose state never changes is infinite: found at once. */
SEC("socket") __failure __msg("infinite loop detected at insn 1")
__naked void infinite_loop(void)
{
	asm volatile("r0 = 0;\n"
		     "l0_%=:\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Changing the state each time (r0 counts down to 0) ends it. */
SEC("socket") __success __retval(0)
__naked void count_down(void)
{
	asm volatile("r0 = 5;\n"
		     "l0_%=:\n"
		     "r0 -= 1;\n"
		     "if r0 != 0 goto l0_%=;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A loop that never updates its counter, on an unknown value: infinite on the path where the
 * condition holds. */
SEC("socket") __failure __msg("infinite loop detected at insn 2")
__naked void infinite_unknown(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r1 = 0;\n"
		     "l0_%=:\n"
		     "if r0 > 5 goto l0_%=;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* Instructions after an unconditional exit that nothing jumps to are unreachable. */
SEC("socket") __failure __msg("unreachable insn 2")
__naked void unreachable_code(void)
{
	asm volatile("r0 = 0;\n"
		     "exit;\n"
		     "r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void reachable_by_jump(void)
{
	asm volatile("r0 = 0;\n"
		     "if r0 == 1 goto l0_%=;\n"
		     "exit;\n"
		     "l0_%=:\n"
		     "r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A jump out of the program is refused. */
SEC("socket") __failure __msg("jump out of range from insn 1 to 5")
__naked void jump_out_of_range(void)
{
	asm volatile("r0 = 0;\n"
		     "goto +3;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A loop in C with a constant bound, summing 0..99. */
SEC("socket") __success __retval(4950)
int c_sum_loop(void *ctx)
{
	int s = 0;

	for (int i = 0; i < 100; i++) {
		asm volatile("" : "+r"(i)); /* no folding by the compiler */
		s += i;
	}
	return s;
}
