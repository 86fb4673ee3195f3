/* Verification-time workload (bench/bench_verifier.c): a 1,000-iteration summing loop in C.
 * The empty asm barrier on the loop variable keeps clang from folding the loop into a
 * formula, so both verifiers walk every iteration (about 5 instructions each). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* 1 + 2 + ... + 1000 = 500500 */
SEC("socket") __success __retval(500500)
int bench_verify_loop_1000(void *ctx)
{
	__u64 sum = 0;

	for (__u32 i = 1; i <= 1000; i++) {
		asm volatile("" : "+r"(i));
		sum += i;
	}
	return sum;
}
