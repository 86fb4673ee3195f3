/* Scalar bounds arithmetic: ranges learned from and, shifts, multiplication, addition, or,
 * subtraction, division, modulo and comparisons, used as the offset of a 1-byte read from a
 * 16-byte map value. Each pair: an operation whose range ends at 15 (the last byte), then the
 * same operation reaching 16. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[16]);
} array SEC(".maps");

/* r6 = random; OPS; r0 = &value; r0 += r6; r0 = *(u8 *)r0 */
#define READ_AT(ops)                                                                             \
	asm volatile("call %[bpf_get_prandom_u32];\n"                                          \
		     "r6 = r0;\n"                                                                 \
		     "r6 <<= 32;\n"                                                               \
		     "r6 |= r0;\n"                                                                \
		     ops "\n"                                                                     \
		     "*(u32 *)(r10 - 4) = 0;\n"                                                   \
		     "r2 = r10;\n"                                                                \
		     "r2 += -4;\n"                                                                \
		     "r1 = %[array] ll;\n"                                                        \
		     "call %[bpf_map_lookup_elem];\n"                                             \
		     "if r0 == 0 goto l0_%=;\n"                                                   \
		     "r0 += r6;\n"                                                                \
		     "r0 = *(u8 *)(r0 + 0);\n"                                                    \
		     "l0_%=:\n"                                                                   \
		     "r0 = 0;\n"                                                                  \
		     "exit;\n"                                                                    \
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem) \
		     : __clobber_all)

/* And with 15 bounds to [0, 15]; with 16 to {0, 16}. */
SEC("socket") __success __retval(0)
__naked void and_15(void)
{
	READ_AT("r6 &= 15;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void and_16(void)
{
	READ_AT("r6 &= 16;");
}

/* A right shift of a u32 by 28 bounds to [0, 15]; by 27 to [0, 31]. */
SEC("socket") __success __retval(0)
__naked void rsh_28(void)
{
	READ_AT("w6 = w6;\n"
		     "r6 >>= 28;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void rsh_27(void)
{
	READ_AT("w6 = w6;\n"
		     "r6 >>= 27;");
}

/* Multiplication of [0, 3] by 5 gives [0, 15]; by 6 [0, 18]. */
SEC("socket") __success __retval(0)
__naked void mul_5(void)
{
	READ_AT("r6 &= 3;\n"
		     "r6 *= 5;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void mul_6(void)
{
	READ_AT("r6 &= 3;\n"
		     "r6 *= 6;");
}

/* A left shift of [0, 7] by 1 gives [0, 14]; by 2 [0, 28]. */
SEC("socket") __success __retval(0)
__naked void lsh_1(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 <<= 1;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void lsh_2(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 <<= 2;");
}

/* Addition: [0, 7] + 8 = [8, 15]; + 9 = [9, 16]. */
SEC("socket") __success __retval(0)
__naked void add_8(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 += 8;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void add_9(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 += 9;");
}

/* Or: [0, 7] | 8 stays below 16; | 16 does not. */
SEC("socket") __success __retval(0)
__naked void or_8(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 |= 8;");
}

SEC("socket") __failure __msg("invalid access to map value, value_size=16 off=16 size=1")
__naked void or_16(void)
{
	READ_AT("r6 &= 7;\n"
		     "r6 |= 16;");
}

/* Subtraction from a constant: 15 - [0, 15] = [0, 15]; 16 - [0, 15] = [1, 16]. */
SEC("socket") __success __retval(0)
__naked void sub_from_15(void)
{
	READ_AT("r6 &= 15;\n"
		     "r1 = 15;\n"
		     "r1 -= r6;\n"
		     "r6 = r1;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void sub_from_16(void)
{
	READ_AT("r6 &= 15;\n"
		     "r1 = 16;\n"
		     "r1 -= r6;\n"
		     "r6 = r1;");
}

/* Linux 6.18 learns nothing from division or modulo by a constant: [0, 255] / 16 is unknown
 * (a mask afterwards restores a range). */
SEC("socket") __success __retval(0)
__naked void div_then_mask(void)
{
	READ_AT("r6 &= 255;\n"
		"r6 /= 16;\n"
		"r6 &= 15;");
}

/* exbpf tracks division and modulo bounds (src/verifier/README.md): safe, accepted. */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__exbpf_success __exbpf_retval(0)
__naked void div_16(void)
{
	READ_AT("r6 &= 255;\n"
		"r6 /= 16;");
}

SEC("socket") __success __retval(0)
__naked void mod_then_mask(void)
{
	READ_AT("r6 %%= 16;\n"
		"r6 &= 15;");
}

/* exbpf tracks division and modulo bounds (src/verifier/README.md): safe, accepted. */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__exbpf_success __exbpf_retval(0)
__naked void mod_16(void)
{
	READ_AT("r6 %%= 16;");
}

/* A comparison bounds the register on each path: > 15 leaves [0, 15]; > 16 leaves [0, 16]. */
SEC("socket") __success __retval(0)
__naked void jgt_15(void)
{
	READ_AT("if r6 > 15 goto l0_%=;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void jgt_16(void)
{
	READ_AT("if r6 > 16 goto l0_%=;");
}

/* A bound learned on a copy holds for the original (same id). */
SEC("socket") __success __retval(0)
__naked void copy_bounded(void)
{
	READ_AT("r7 = r6;\n"
		     "if r7 > 15 goto l0_%=;");
}

/* A copy plus a constant stays linked (Linux 6.10+): r7 = r6 + 1 <= 16 bounds r6 to [0, 15];
 * <= 17 to [0, 16]. */
SEC("socket") __success __retval(0)
__naked void copy_plus_const_bounded(void)
{
	READ_AT("r6 &= 255;\n"
		"r7 = r6;\n"
		"r7 += 1;\n"
		"if r7 > 16 goto l0_%=;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void copy_plus_const_off_by_one(void)
{
	READ_AT("r6 &= 255;\n"
		"r7 = r6;\n"
		"r7 += 1;\n"
		"if r7 > 17 goto l0_%=;");
}

/* A copy scaled by a multiplication is no longer linked: its bound says nothing of r6. */
SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void copy_scaled_unlinked(void)
{
	READ_AT("r6 &= 255;\n"
		"r7 = r6;\n"
		"r7 *= 1;\n"
		"if r7 > 15 goto l0_%=;");
}

/* A signed comparison against a non-negative register: s< 16 and s>= 0 bound it; s< 17 does not. */
SEC("socket") __success __retval(0)
__naked void jslt_16(void)
{
	READ_AT("if r6 s< 0 goto l0_%=;\n"
		     "if r6 s>= 16 goto l0_%=;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void jslt_17(void)
{
	READ_AT("if r6 s< 0 goto l0_%=;\n"
		     "if r6 s>= 17 goto l0_%=;");
}

/* Arithmetic shift right of a 64-bit value sign-extended from 8 bits, then masked. */
SEC("socket") __success __retval(0)
__naked void arsh_masked(void)
{
	READ_AT("r6 <<= 56;\n"
		     "r6 s>>= 60;\n"
		     "r6 &= 15;");
}

SEC("socket") __failure __msg("R0 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked void arsh_unmasked(void)
{
	READ_AT("r6 <<= 56;\n"
		     "r6 s>>= 60;");
}

/* A set-bits test of a register against itself is not judged from the bits: r0 is -1 or 1
 * (never 0), yet the fall-through is still walked, and its write to r10 refused. */
SEC("socket") __failure __msg("frame pointer is read only")
__naked void jset_not_judged_without_constant(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 2;\n"
		     "r0 -= 1;\n"
		     "if r0 & r0 goto 1f;\n"
		     "r10 = 0;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* Against a constant it is: bit 0 is known set, the fall-through is dead, and the write to
 * r10 there is never checked (nor run). */
SEC("socket") __success __retval(0)
__naked void jset_judged_with_constant(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 2;\n"
		     "r0 -= 1;\n"
		     "if r0 & 1 goto 1f;\n"
		     "r10 = 0;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* Log level 2: the state after an instruction starts in the column Linux aligns it to (38,
 * or the next multiple of 8 less 2 past a long instruction). */
SEC("socket") __success __log_level(2)
__msg("0: (85) call bpf_get_smp_processor_id#8       ; R0=scalar(")
__msg("1: (b7) r0 = 0                        ; R0=0")
__naked void state_column(void)
{
	asm volatile("call %[bpf_get_smp_processor_id];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_smp_processor_id) : __clobber_all);
}

/* A 32-bit division learns nothing in Linux, not even that the upper half is zero; exbpf
 * bounds it (the zero extension, the quotient). */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__exbpf_success __exbpf_retval(0)
__naked void div32_then_signed_check(void)
{
	READ_AT("w6 /= 3;\n"
		"if r6 s> 15 goto l0_%=;");
}

/* Likewise a shift by an amount that is not a known constant. */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__exbpf_success __exbpf_retval(0)
__naked void shift32_by_variable(void)
{
	READ_AT("r7 = r6;\n"
		"r7 &= 7;\n"
		"w6 >>= w7;\n"
		"if r6 s> 15 goto l0_%=;");
}

/* The fall-through of a set-bits test keeps only the bits: the earlier range is forgotten, as
 * Linux forgets it (-100 <= r6 < 65436 no longer bounds it from below). */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked void jset_false_forgets_range(void)
{
	READ_AT("r6 &= 0xffff;\n"
		"r6 -= 100;\n"
		"if w6 & -16 goto l0_%=;");
}

/* The taken edge learns a bit only when the tested constant is one bit: r6 & 3 on r6 in
 * {0, 1} says nothing, so the r6 == 0 side is still walked. */
SEC("socket") __failure __msg("frame pointer is read only")
__naked void jset_true_needs_single_bit(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 1;\n"
		     "if r0 & 3 goto 1f;\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     "1:\n"
		     "if r0 != 0 goto 2f;\n"
		     "r10 = 0;\n"
		     "2:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}
