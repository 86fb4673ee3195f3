/* Stack accesses through r10 (and copies of it): 512 bytes below the frame pointer, none at or
 * above it, aligned to the access size, variable offsets only within bounds; reading a slot no
 * one wrote is allowed for root (it reads as an unknown value). Each pair: the last byte inside
 * the rule, then one outside. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* The lowest slot is r10-512; r10-520 is below the stack. */
SEC("socket") __success __retval(0)
__naked void write_lowest_slot(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 512) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("invalid write to stack R10 off=-520 size=8")
__naked void write_below_stack(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 520) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A 4-byte access at r10-4 ends at the frame pointer; one at r10+0 is above it. */
SEC("socket") __success __retval(0)
__naked void write_top_slot(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u32 *)(r10 - 4) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("invalid write to stack R10 off=0 size=1")
__naked void write_at_frame_pointer(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u8 *)(r10 + 0) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("invalid read from stack R10 off=0 size=4")
__naked void read_at_frame_pointer(void)
{
	asm volatile("r0 = *(u32 *)(r10 + 0);\n"
		     "exit;\n" ::: __clobber_all);
}

/* Stack accesses must be aligned to their size, even for root. */
SEC("socket") __success __retval(0)
__naked void aligned_u32(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u32 *)(r10 - 12) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("misaligned stack access off 0+0+-10 size 4")
__naked void misaligned_u32(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u32 *)(r10 - 10) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("misaligned stack access off 0+0+-12 size 8")
__naked void misaligned_u64(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 12) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Root may read stack bytes no instruction wrote. */
SEC("socket") __success __retval(0)
__naked void read_uninit_slot(void)
{
	asm volatile("r0 = *(u64 *)(r10 - 16);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A spilled constant comes back with its value. */
SEC("socket") __success __retval(42)
__naked void spill_fill_constant(void)
{
	asm volatile("r1 = 42;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r0 = *(u64 *)(r10 - 8);\n"
		     "exit;\n" ::: __clobber_all);
}

/* A spilled pointer comes back as a pointer: the context through the stack. */
SEC("tc") __success __retval(64)
__naked void spill_fill_ctx(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;\n"
		     "r2 = *(u64 *)(r10 - 8);\n"
		     "r0 = *(u32 *)(r2 + %[len]);\n"
		     "exit;\n"
		     :: __imm_const(len, offsetof(struct __sk_buff, len)) : __clobber_all);
}

/* Overwriting part of a spilled pointer turns the slot into scalar bytes. */
SEC("tc") __failure __msg("R2 invalid mem access 'scalar'")
__naked void partial_overwrite_spill(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;\n"
		     "r0 = 0;\n"
		     "*(u8 *)(r10 - 8) = r0;\n"
		     "r2 = *(u64 *)(r10 - 8);\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "exit;\n" ::: __clobber_all);
}

/* A variable offset within [-16, -8] keeps an 8-byte write inside the stack ... */
SEC("socket") __success __retval(0)
__naked void var_off_write_in_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 8;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r0;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* ... [-8, 0] reaches the frame pointer. */
SEC("socket") __failure __msg("invalid variable-offset write to stack R1")
__naked void var_off_write_out_of_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 8;\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "r1 += r0;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A variable-offset read is allowed when every byte it may touch is readable. */
SEC("socket") __success __retval(0)
__naked void var_off_read_in_bounds(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 8) = r0;\n"
		     "*(u64 *)(r10 - 16) = r0;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r0 &= 8;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r0;\n"
		     "r0 = *(u64 *)(r1 + 0);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("socket") __failure __msg("invalid variable-offset read from stack R1")
__naked void var_off_read_out_of_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 16;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r0;\n"
		     "r0 = *(u64 *)(r1 + 0);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* An unbounded offset may not even be added to the frame pointer. */
SEC("socket") __failure
__msg("math between fp pointer and register with unbounded min value is not allowed")
__naked void var_off_unbounded(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r1 = r10;\n"
		     "r1 += r0;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A stack pointer moved to the limit and used there; one byte further is out. */
SEC("socket") __success __retval(0)
__naked void moved_pointer_in_bounds(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -511;\n"
		     "r0 = 0;\n"
		     "*(u8 *)(r1 - 1) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("invalid write to stack R1 off=-513 size=1")
__naked void moved_pointer_out_of_bounds(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -512;\n"
		     "r0 = 0;\n"
		     "*(u8 *)(r1 - 1) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The statistics (log level 4) name the deepest byte a variable-offset store may reach. */
SEC("socket") __success __log_level(4) __msg("stack depth 24")
__naked void stack_depth_of_variable_store(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 16;\n"
		     "r0 += -24;\n"
		     "r0 += r10;\n"
		     "r1 = 0;\n"
		     "*(u64 *)(r0 + 0) = r1;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[16]);
} bytes16 SEC(".maps");

/* A scalar spilled to a slot's start stays linked to its register (the value fits the store):
 * a bound learned on the register afterwards holds for what is filled back, whole or narrow. */
#define SPILL_THEN_BOUND(store, fill)                                                            \
	asm volatile("call %[bpf_get_prandom_u32];\n"                                          \
		     "r6 = r0;\n"                                                                 \
		     "r6 &= 0xff;\n"                                                              \
		     store "\n"                                                                   \
		     "if r6 > 15 goto 1f;\n"                                                      \
		     fill "\n"                                                                    \
		     "*(u32 *)(r10 - 32) = 0;\n"                                                  \
		     "r2 = r10;\n"                                                                \
		     "r2 += -32;\n"                                                               \
		     "r1 = %[bytes16] ll;\n"                                                      \
		     "call %[bpf_map_lookup_elem];\n"                                             \
		     "if r0 == 0 goto 1f;\n"                                                      \
		     "r0 += r6;\n"                                                                \
		     "r0 = *(u8 *)(r0 + 0);\n"                                                    \
		     "1:\n"                                                                       \
		     "r0 = 0;\n"                                                                  \
		     "exit;\n"                                                                    \
		     :: __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem), __imm_addr(bytes16) \
		     : __clobber_all)

SEC("socket") __success __retval(0)
__naked void spill_linked_u64(void)
{
	SPILL_THEN_BOUND("*(u64 *)(r10 - 8) = r6;", "r6 = *(u64 *)(r10 - 8);");
}

SEC("socket") __success __retval(0)
__naked void spill_linked_u8(void)
{
	SPILL_THEN_BOUND("*(u8 *)(r10 - 8) = r6;", "r6 = *(u8 *)(r10 - 8);");
}

/* The value does not fit a 1-byte store once shifted up: no link, the fill keeps only the
 * low byte's bits (up to 240). */
SEC("socket") __failure __msg("invalid access to map value, value_size=16 off=240 size=1")
__naked void spill_unlinked_narrowing(void)
{
	SPILL_THEN_BOUND("r7 = r6;\nr7 <<= 4;\n*(u8 *)(r10 - 8) = r7;\nr6 = r7;\nr6 >>= 4;",
			 "r6 = *(u8 *)(r10 - 8);");
}

/* A variable offset must keep every access aligned: fp-16 + {0, 8} is, fp-16 + {0, 4} is not
 * for 8 bytes. */
SEC("socket") __success __retval(0)
__naked void var_off_aligned(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r2 = r0;\n"
		     "r2 &= 8;\n"
		     "r2 += -16;\n"
		     "r2 += r10;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r2 + 0) = r0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("socket") __failure __msg("misaligned stack access off (0xfffffffffffffff0; 0x4)+0+0 size 8")
__naked void var_off_misaligned(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r2 = r0;\n"
		     "r2 &= 4;\n"
		     "r2 += -16;\n"
		     "r2 += r10;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r2 + 0) = r0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A helper's zero-sized stack argument still starts inside the stack: fp-8 is fine, fp+0 is
 * not (its first byte would be above the frame). */
#define CSUM_DIFF_AT(from)                                                                       \
	asm volatile("r1 = r10;\n"                                                              \
		     "r1 += " #from ";\n"                                                       \
		     "r2 = 0;\n"                                                                \
		     "r3 = 0;\n"                                                                \
		     "r4 = 0;\n"                                                                \
		     "r5 = 0;\n"                                                                \
		     "call %[bpf_csum_diff];\n"                                                 \
		     "r0 = 0;\n"                                                                \
		     "exit;\n" :: __imm(bpf_csum_diff) : __clobber_all)

SEC("tc") __success __retval(0)
__naked void zero_sized_arg_in_stack(void)
{
	CSUM_DIFF_AT(-8);
}

SEC("tc") __failure __msg("invalid read from stack R1 off=0 size=0")
__naked void zero_sized_arg_at_fp(void)
{
	CSUM_DIFF_AT(0);
}

/* A pointer spilled on one path only, and dead after the join: the other path's state at the
 * join is covered by the first one's (whatever is in the slot now is a scalar, which nothing
 * after the join reads), so the walk stops there as Linux's does. */
SEC("socket") __success __log_level(1) __msg("processed 11 insns")
__naked void dead_spilled_pointer_prunes(void)
{
	asm volatile("r6 = r1;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r10 - 16) = r6;\n"
		     "r6 = *(u64 *)(r10 - 16);\n"
		     "1:\n"
		     "if r0 != 0 goto 2f;\n"
		     "2:\n"
		     "if r0 != 0 goto 3f;\n"
		     "3:\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}
