/* Pointer arithmetic: only 64-bit add/sub of a bounded scalar to a non-null pointer of an
 * arithmetic-capable type; never on a possibly-NULL pointer, a map pointer or data_end, never
 * bitwise, multiplicative or 32-bit; pointer - pointer and pointer comparisons are allowed for
 * root (the results are scalars). Each pair: the permitted form, then the prohibited one next to
 * it. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

#define LOOKUP                                                                                   \
	"r1 = 0;\n"                                                                              \
	"*(u32 *)(r10 - 4) = r1;\n"                                                              \
	"r2 = r10;\n"                                                                            \
	"r2 += -4;\n"                                                                            \
	"r1 = %[hash] ll;\n"                                                                     \
	"call %[bpf_map_lookup_elem];\n"

/* A lookup result takes arithmetic only after its null check. */
SEC("socket") __failure
__msg("R0 pointer arithmetic on map_value_or_null prohibited, null-check it first")
__naked void arith_on_value_or_null(void)
{
	asm volatile(LOOKUP
		     "r0 += 4;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void arith_on_checked_value(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 += 4;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A map pointer is an opaque handle. */
SEC("socket") __failure __msg("R1 pointer arithmetic on map_ptr prohibited")
__naked void arith_on_map_ptr(void)
{
	asm volatile("r1 = %[hash] ll;\n"
		     "r1 += 8;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash) : __clobber_all);
}

/* Only 64-bit arithmetic: a 32-bit add to the frame pointer copy is prohibited. */
SEC("socket") __success __retval(0)
__naked void alu64_add_on_fp(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 32-bit pointer arithmetic prohibited")
__naked void alu32_add_on_fp(void)
{
	asm volatile("r1 = r10;\n"
		     "w1 += -8;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Bitwise and multiplicative operators are prohibited on pointers. */
SEC("socket") __failure __msg("R1 bitwise operator &= on pointer prohibited")
__naked void and_on_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 &= -8;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 pointer arithmetic with *= operator prohibited")
__naked void mul_on_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 *= 2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 pointer arithmetic with <<= operator prohibited")
__naked void shift_on_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 <<= 1;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* pointer + pointer is prohibited; pointer - pointer gives a scalar (root). */
SEC("socket") __failure __msg("R1 pointer += pointer prohibited")
__naked void ptr_plus_ptr(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(8)
__naked void ptr_minus_ptr(void)
{
	asm volatile("r1 = r10;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 -= r2;\n"
		     "r0 = r1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* scalar - pointer is prohibited. */
SEC("socket") __failure __msg("R0 tried to subtract pointer from scalar")
__naked void scalar_minus_ptr(void)
{
	asm volatile("r0 = 0;\n"
		     "r0 -= r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Subtracting a scalar register from a map value pointer is allowed; from a stack pointer it
 * is not (even a constant one: an immediate works, as alu64_add_on_fp shows). */
SEC("socket") __success __retval(0)
__naked void value_ptr_minus_scalar(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 += 4;\n"
		     "r2 = 4;\n"
		     "r0 -= r2;\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("R1 subtraction from stack pointer prohibited")
__naked void stack_ptr_minus_scalar(void)
{
	asm volatile("r1 = r10;\n"
		     "r2 = 16;\n"
		     "r1 -= r2;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A pointer copied by a 32-bit move is an unknown scalar for root; using it is not allowed. */
SEC("socket") __success __retval(0)
__naked void mov32_of_pointer(void)
{
	asm volatile("w1 = w10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 invalid mem access 'scalar'")
__naked void deref_mov32_of_pointer(void)
{
	asm volatile("w1 = w10;\n"
		     "r0 = *(u64 *)(r1 - 8);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Root may compare pointers of different kinds, or a pointer with a scalar. */
SEC("socket") __success __retval(1)
__naked void compare_ctx_and_fp(void)
{
	asm volatile("r0 = 1;\n"
		     "if r1 != r10 goto l0_%=;\n"
		     "r0 = 2;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(1)
__naked void compare_fp_with_zero(void)
{
	asm volatile("r0 = 1;\n"
		     "if r10 != 0 goto l0_%=;\n"
		     "r0 = 2;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* Adding a scalar with unbounded minimum to a map value pointer is refused at the add. */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked void map_value_plus_unbounded(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     "r6 <<= 32;\n"
		     LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem), __imm(bpf_get_prandom_u32)
		     : __clobber_all);
}

/* Negating a pointer is allowed for root: the result is an unknown scalar, which cannot be
 * dereferenced. */
SEC("socket") __success __retval(0)
__naked void neg_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 = -r1;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 invalid mem access 'scalar'")
__naked void deref_neg_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 = -r1;\n"
		     "r0 = *(u64 *)(r1 + 0);\n"
		     "exit;\n" ::: __clobber_all);
}
