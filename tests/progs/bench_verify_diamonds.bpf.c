/* Verification-time workload (bench/bench_verifier.c): chains of N independent if/else
 * diamonds, N = 8, 16, 32, 64, to show whether verification time grows linearly or
 * exponentially with N. Diamond k tests bit k of a 64-bit seed read from .bss (unknown to both
 * verifiers, 0 at run time), and each side writes a counter r7 that is only returned, masked:
 * nothing needs its precise value (socket filters have no return range).
 *
 *   sum_N:  taken side r7 += 3, other side r7 += 1. After k diamonds r7 holds one of k + 1
 *           values, so paths that agree on the count meet in the same state.
 *   bits_N: r7 = r7 << 1 | bit (a shift register): after k diamonds every one of the 2^k
 *           paths has its own r7.
 *
 * Neither Linux nor exbpf compares r7 at a join (its value never reaches a safety decision:
 * Linux's precision marks, exbpf's static relevance in src/verifier/live.c), so both walk
 * each diamond about twice and the cost grows linearly with N. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

__u64 seed;

/* r6 = seed; r7 = 0 */
#define PROLOGUE                                                                                 \
	"r1 = %[seed] ll;\n"                                                                     \
	"r6 = *(u64 *)(r1 + 0);\n"                                                               \
	"r7 = 0;\n"
#define EPILOGUE                                                                                 \
	"r0 = r7;\n"                                                                             \
	"r0 &= 255;\n"                                                                           \
	"exit;\n"

/* One diamond on the low bit of r6 (then shifted out); p names its labels uniquely. */
#define SUM1(p)                                                                                  \
	"r2 = r6;\n"                                                                             \
	"r2 &= 1;\n"                                                                             \
	"r6 >>= 1;\n"                                                                            \
	"if r2 == 0 goto e" #p "_%=;\n"                                                          \
	"r7 += 3;\n"                                                                             \
	"goto j" #p "_%=;\n"                                                                     \
	"e" #p "_%=:\n"                                                                          \
	"r7 += 1;\n"                                                                             \
	"j" #p "_%=:\n"
#define BITS1(p)                                                                                 \
	"r2 = r6;\n"                                                                             \
	"r2 &= 1;\n"                                                                             \
	"r6 >>= 1;\n"                                                                            \
	"r7 <<= 1;\n"                                                                            \
	"if r2 == 0 goto e" #p "_%=;\n"                                                          \
	"r7 |= 1;\n"                                                                             \
	"goto j" #p "_%=;\n"                                                                     \
	"e" #p "_%=:\n"                                                                          \
	"r7 |= 0;\n"                                                                             \
	"j" #p "_%=:\n"
/* 2^n diamonds, label prefixes p0..., p1... */
#define X2(D, p) D(p##0) D(p##1)
#define X4(D, p) X2(D, p##0) X2(D, p##1)
#define X8(D, p) X4(D, p##0) X4(D, p##1)
#define X16(D, p) X8(D, p##0) X8(D, p##1)
#define X32(D, p) X16(D, p##0) X16(D, p##1)
#define X64(D, p) X32(D, p##0) X32(D, p##1)

#define CHAIN(name, X, D)                                                                        \
	__naked void name(void)                                                                  \
	{                                                                                        \
		asm volatile(PROLOGUE X(D, d) EPILOGUE ::__imm_addr(seed) : __clobber_all);      \
	}

/* At run time seed is 0: every diamond takes its else side. */
SEC("socket") __success __retval(8) CHAIN(diamonds_sum_8, X8, SUM1)
SEC("socket") __success __retval(16) CHAIN(diamonds_sum_16, X16, SUM1)
SEC("socket") __success __retval(32) CHAIN(diamonds_sum_32, X32, SUM1)
SEC("socket") __success __retval(64) CHAIN(diamonds_sum_64, X64, SUM1)
SEC("socket") __success __retval(0) CHAIN(diamonds_bits_8, X8, BITS1)
SEC("socket") __success __retval(0) CHAIN(diamonds_bits_16, X16, BITS1)
SEC("socket") __success __retval(0) CHAIN(diamonds_bits_32, X32, BITS1)
SEC("socket") __success __retval(0) CHAIN(diamonds_bits_64, X64, BITS1)
