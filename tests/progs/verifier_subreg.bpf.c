/* 32-bit subregisters: a 32-bit ALU result is zero-extended (the upper half known zero), so a
 * 32-bit mask or comparison bounds the whole register only when the value went through a 32-bit
 * operation; a 32-bit comparison of a 64-bit unknown bounds only its low half. Offsets index a
 * 16-byte map value by one byte: each pair ends at 15, then reaches past it. Checked against
 * Linux by `exbpf test --engine kernel`. */
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


#define OUTSIDE "R0 max value is outside of the allowed memory range"
/* an offset that may exceed 2^29 */
#define UNBOUNDED "R0 unbounded memory access, make sure to bounds check any such access"

/* A 32-bit mask zero-extends: w6 &= 15 bounds r6 to [0, 15]; & 16 reaches 16. */
SEC("socket") __success __retval(0)
__naked void w_and_15(void)
{
	READ_AT("w6 &= 15;");
}

SEC("socket") __failure __msg(OUTSIDE)
__naked void w_and_16(void)
{
	READ_AT("w6 &= 16;");
}

/* A 32-bit comparison of a zero-extended value bounds all of it ... */
SEC("socket") __success __retval(0)
__naked void w_cmp_after_mov32(void)
{
	READ_AT("w6 = w6;\n"
		"if w6 > 15 goto l0_%=;");
}

SEC("socket") __failure __msg(OUTSIDE)
__naked void w_cmp_after_mov32_16(void)
{
	READ_AT("w6 = w6;\n"
		"if w6 > 16 goto l0_%=;");
}

/* ... of a full 64-bit unknown, only the low half: the upper half is still anything. */
SEC("socket") __failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked void w_cmp_on_64bit(void)
{
	READ_AT("if w6 > 15 goto l0_%=;");
}

/* The 64-bit comparison bounds it. */
SEC("socket") __success __retval(0)
__naked void r_cmp_on_64bit(void)
{
	READ_AT("if r6 > 15 goto l0_%=;");
}

/* A 32-bit add that wraps: [0, 15] - 1 is [0, 14] or 0xffffffff in 32 bits. */
SEC("socket") __success __retval(0)
__naked void w_add_no_wrap(void)
{
	READ_AT("w6 &= 15;\n"
		"if w6 == 0 goto l0_%=;\n"
		"w6 += -1;");
}

SEC("socket") __failure __msg(UNBOUNDED)
__naked void w_add_wraps(void)
{
	READ_AT("w6 &= 15;\n"
		"w6 += -1;");
}

/* The same subtraction in 64 bits wraps to negative values. */
SEC("socket") __failure
__msg("R0 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked void r_add_wraps(void)
{
	READ_AT("r6 &= 15;\n"
		"r6 += -1;");
}

/* A 32-bit signed comparison pair on a zero-extended value: s>= 0 and s< 16. */
SEC("socket") __success __retval(0)
__naked void w_signed_both(void)
{
	READ_AT("w6 = w6;\n"
		"if w6 s< 0 goto l0_%=;\n"
		"if w6 s> 15 goto l0_%=;");
}

/* Only the upper signed bound: negative 32-bit values are large 64-bit ones. */
SEC("socket") __failure __msg(UNBOUNDED)
__naked void w_signed_upper_only(void)
{
	READ_AT("w6 = w6;\n"
		"if w6 s> 15 goto l0_%=;");
}

/* A 32-bit right shift of a zero-extended value: >> 28 gives [0, 15], >> 27 [0, 31]. */
SEC("socket") __success __retval(0)
__naked void w_rsh_28(void)
{
	READ_AT("w6 >>= 28;");
}

SEC("socket") __failure __msg(OUTSIDE)
__naked void w_rsh_27(void)
{
	READ_AT("w6 >>= 27;");
}

/* A 32-bit arithmetic shift keeps the sign in 32 bits: zero-extended, that is up to 2^32 - 1. */
SEC("socket") __failure __msg(UNBOUNDED)
__naked void w_arsh_28(void)
{
	READ_AT("w6 s>>= 28;");
}

/* Shifting a 32-bit value up and back down in 64 bits clears the top: [0, 2^32). */
SEC("socket") __success __retval(0)
__naked void r_shift_pair_then_mask(void)
{
	READ_AT("r6 <<= 32;\n"
		"r6 >>= 60;");
}

/* A 32-bit jump on a 64-bit constant compares the low half only. */
SEC("socket") __success __retval(5)
__naked void jmp32_low_half(void)
{
	asm volatile("r1 = 0x100000005 ll;\n"
		     "r0 = 1;\n"
		     "if w1 != 5 goto l0_%=;\n"
		     "r0 = 5;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(1)
__naked void jmp64_whole(void)
{
	asm volatile("r1 = 0x100000005 ll;\n"
		     "r0 = 1;\n"
		     "if r1 != 5 goto l0_%=;\n"
		     "r0 = 5;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* A 32-bit move clears the upper half at run time too. */
SEC("socket") __success __retval(0)
__naked void mov32_clears_upper(void)
{
	asm volatile("r0 = -1;\n"
		     "w0 = w0;\n"
		     "r0 >>= 32;\n"
		     "exit;\n" ::: __clobber_all);
}
