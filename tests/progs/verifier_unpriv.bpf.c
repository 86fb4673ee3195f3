/* The unprivileged rules (a loader without CAP_BPF / CAP_PERFMON): no pointer may leak into
 * a map, the context, a helper's scalar argument or the return value; pointers are not
 * compared, negated or partly copied; uninitialized stack is not read; pointer arithmetic
 * stays inside the stack or the map value, with an offset of known sign, and every path
 * through it agrees (Spectre v1 masking); helpers that need CAP_BPF/CAP_PERFMON and program
 * types other than socket filters and cgroup skb programs are refused. Each rule on both sides
 * of its boundary. The privileged tags are checked against Linux by `exbpf test --engine
 * kernel`; the unprivileged ones (`exbpf test --unpriv`) state Linux 6.18's verdicts and
 * messages from its source and selftests (unprivileged BPF is disabled on the test machines). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

#define LOOKUP                                                                                   \
	"r1 = 0;\n"                                                                              \
	"*(u32 *)(r10 - 4) = r1;\n"                                                              \
	"r2 = r10;\n"                                                                            \
	"r2 += -4;\n"                                                                            \
	"r1 = %[arr] ll;\n"                                                                      \
	"call %[bpf_map_lookup_elem];\n"

/* ---- Leaks: the return value. */

SEC("socket") __success __failure_unpriv __msg_unpriv("R0 leaks addr as return value")
__naked void ret_pointer(void)
{
	asm volatile("r0 = r10;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void ret_scalar(void)
{
	asm volatile("r0 = r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A cgroup skb program returning a pointer: the leak is found before the return range. */
SEC("cgroup_skb/ingress") __failure __msg("At program exit the register R0 ")
__failure_unpriv __msg_unpriv("R0 leaks addr as return value")
__naked void cg_ret_pointer(void)
{
	asm volatile("r0 = r1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __success __success_unpriv __retval(1)
__naked void cg_ret_one(void)
{
	asm volatile("r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ---- Leaks: stores. */

SEC("socket") __success __failure_unpriv __msg_unpriv("R0 leaks addr into map")
__naked void ptr_into_map(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "*(u64 *)(r0 + 0) = r0;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void scalar_into_map(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = 42;\n"
		     "*(u64 *)(r0 + 0) = r1;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("invalid bpf_context access")
__failure_unpriv __msg_unpriv("R1 leaks addr into ctx")
__naked void ptr_into_ctx(void)
{
	asm volatile("*(u64 *)(r1 + 0) = r1;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The stack is the one place a pointer may go. */
SEC("socket") __success __success_unpriv __retval(0)
__naked void ptr_spill_fill(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r1;\n"
		     "r1 = *(u64 *)(r10 - 8);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv __msg_unpriv("attempt to corrupt spilled pointer on stack")
__naked void corrupt_spilled_ptr(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r10;\n"
		     "r0 = 0;\n"
		     "*(u32 *)(r10 - 8) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void overwrite_spilled_ptr_whole(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r10;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r10 - 8) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ---- Leaks: helper arguments. */

SEC("socket") __success __failure_unpriv __msg_unpriv("R4 leaks addr into helper function")
__naked void ptr_to_helper_scalar_arg(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "*(u32 *)(r10 - 12) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -12;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = r2;\n"
		     "r1 = %[arr] ll;\n"
		     "call %[bpf_map_update_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_update_elem) : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void scalar_to_helper_scalar_arg(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "*(u32 *)(r10 - 12) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -12;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 0;\n"
		     "r1 = %[arr] ll;\n"
		     "call %[bpf_map_update_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_update_elem) : __clobber_all);
}

/* A helper reading a spilled pointer's bytes as its key. */
SEC("socket") __success __failure_unpriv __msg_unpriv("invalid read from stack R2 off -8+0 size 4")
__naked void spilled_ptr_as_key(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r10;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[arr] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ---- Uninitialized stack. */

SEC("socket") __success __failure_unpriv __msg_unpriv("invalid read from stack off -8+0 size 8")
__naked void uninit_stack_read(void)
{
	asm volatile("r0 = *(u64 *)(r10 - 8);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void init_stack_read(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 8) = r0;\n"
		     "r0 = *(u64 *)(r10 - 8);\n"
		     "exit;\n" ::: __clobber_all);
}

/* ---- Pointer operations that leak bits. */

SEC("socket") __success __failure_unpriv __msg_unpriv("R1 pointer comparison prohibited")
__naked void cmp_ctx_with_zero(void)
{
	asm volatile("if r1 == 0 goto l0_%=;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv __msg_unpriv("R10 pointer comparison prohibited")
__naked void cmp_ctx_with_fp(void)
{
	asm volatile("if r1 == r10 goto l0_%=;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A null check of a lookup result is not a comparison of addresses. */
SEC("socket") __success __success_unpriv __retval(0)
__naked void null_check_lookup(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __failure_unpriv __msg_unpriv("R1 pointer arithmetic prohibited")
__naked void neg_pointer(void)
{
	asm volatile("r1 = -r1;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv __msg_unpriv("R10 partial copy of pointer")
__naked void partial_copy_of_pointer(void)
{
	asm volatile("w1 = w10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void full_copy_of_pointer(void)
{
	asm volatile("r1 = r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Both modes: pointer - pointer is a scalar for root only. */
SEC("socket") __success __failure_unpriv __msg_unpriv("R1 pointer -= pointer prohibited")
__naked void ptr_sub_ptr(void)
{
	asm volatile("r1 -= r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ---- Pointer arithmetic (sanitize_check_bounds, sanitize_ptr_alu). */

SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 stack pointer arithmetic goes out of range, prohibited for !root; off=8")
__naked void fp_plus_8(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += 8;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void fp_minus_8(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 stack pointer arithmetic goes out of range, prohibited for !root; off=-520")
__naked void fp_below_stack(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -520;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void fp_stack_bottom(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -512;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 variable stack access prohibited for !root, var_off=(0x0; 0x7) off=-16")
__naked void fp_variable_offset(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);\n"
		     "r2 &= 7;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A known offset in a register is fine. */
SEC("socket") __success __success_unpriv __retval(0)
__naked void fp_register_constant(void)
{
	asm volatile("r2 = 8;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r2;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv
__msg_unpriv("R0 pointer arithmetic of map value goes out of range, prohibited for !root")
__naked void map_value_past_end(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 += 8;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void map_value_last_byte(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 += 7;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* An offset that may be negative or positive cannot be masked. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root")
__naked void map_value_mixed_sign_offset(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r1 &= 7;\n"
		     "r1 -= 4;\n"
		     "r0 += r1;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void map_value_unsigned_offset(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r1 &= 7;\n"
		     "r0 += r1;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* The context's address cannot be masked: no register offsets for it. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root")
__naked void ctx_register_offset(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);\n"
		     "r2 &= 7;\n"
		     "r1 += r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Two paths through one addition with different offsets need different masks. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R0 tried to add from different maps, paths or scalars, pointer arithmetic with it prohibited for !root")
__naked void map_value_offsets_differ_by_path(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     LOOKUP
		     "if r0 == 0 goto l1_%=;\n"
		     "r1 = 4;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = 2;\n"
		     "l0_%=:\n"
		     "r0 += r1;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void map_value_offsets_same_on_paths(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     LOOKUP
		     "if r0 == 0 goto l1_%=;\n"
		     "r1 = 4;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = 4;\n"
		     "l0_%=:\n"
		     "r0 += r1;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ---- Helpers that need CAP_PERFMON / CAP_BPF. */

SEC("socket") __success
__failure_unpriv __msg_unpriv("program of this type cannot use helper bpf_trace_printk#6")
__naked void trace_printk_needs_perfmon(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 8;\n"
		     "call %[bpf_trace_printk];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_trace_printk) : __clobber_all);
}

SEC("socket") __success __success_unpriv
__naked void prandom_for_everyone(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* ---- Program types and context fields. */

/* Linux refuses the load itself (EPERM, no verifier log): Linux's tags can state only the
 * failure; exbpf's own tags name its message. */
SEC("tc") __success __failure_unpriv
__exbpf_success __exbpf_failure_unpriv
__exbpf_msg_unpriv("without CAP_BPF only socket filter and cgroup skb programs can be loaded")
__naked void tc_needs_cap_bpf(void)
{
	asm volatile("r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __success __failure_unpriv __msg_unpriv("invalid bpf_context access off=76 size=4")
__naked void cg_skb_data_needs_cap_bpf(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 76);\n"
		     "r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __success __success_unpriv __retval(1)
__naked void cg_skb_len_for_everyone(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 0);\n"
		     "r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ---- More of the same rules. */

/* One addition that moves a pointer on one path and adds scalars on the other. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R1 tried to add from different maps, paths or scalars, pointer arithmetic with it prohibited for !root")
__naked void add_pointer_or_scalar_by_path(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     "r2 = 8;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = 0;\n"
		     "l0_%=:\n"
		     "r1 += r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void add_scalar_on_both_paths(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     "r2 = 8;\n"
		     "r1 = 1;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = 0;\n"
		     "l0_%=:\n"
		     "r1 += r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* cmpxchg compares R0 with memory: R0 must not be an address. */
SEC("socket") __success __failure_unpriv __msg_unpriv("R0 leaks addr into mem")
__naked void cmpxchg_pointer_in_r0(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r1 = 1;\n"
		     "r0 = r10;\n"
		     "r0 = cmpxchg_64(r10 - 8, r0, r1);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(0)
__naked void cmpxchg_scalar_in_r0(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r1 = 1;\n"
		     "r0 = 0;\n"
		     "r0 = cmpxchg_64(r10 - 8, r0, r1);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __failure_unpriv __msg_unpriv("R10 sign-extension part of pointer")
__naked void movsx_of_pointer(void)
{
	asm volatile("r1 = (s8)r10;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} arr32 SEC(".maps");

/* Values of two maps of different sizes: the same move needs the same mask. */
SEC("socket") __success __success_unpriv __retval(0)
__naked void same_move_in_two_maps(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     "r1 = 0;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[arr] ll;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = %[arr32] ll;\n"
		     "l0_%=:\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l1_%=;\n"
		     "r1 = 4;\n"
		     "r0 += r1;\n"
		     "r0 = *(u8 *)(r0 + 0);\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm_addr(arr32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* Moving before the value's start: check_map_access's reason, then the verdict. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R0 min value is outside of the allowed memory range")
__msg_unpriv("R0 pointer arithmetic of map value goes out of range, prohibited for !root")
__naked void map_value_before_start(void)
{
	asm volatile(LOOKUP
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = 4;\n"
		     "r0 -= r1;\n"
		     "r0 += r1;\n"
		     "r0 = *(u8 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* The second path's offset range lies inside the first's, but its mask differs: once a
 * pointer was moved by an unknown register, states are not pruned on range inclusion. */
SEC("socket") __success __failure_unpriv
__msg_unpriv("R0 tried to add from different maps, paths or scalars, pointer arithmetic with it prohibited for !root")
__naked void narrower_offset_on_second_path(void)
{
	asm volatile("r6 = *(u32 *)(r1 + 0);\n"
		     LOOKUP
		     "if r0 == 0 goto l1_%=;\n"
		     "r1 = r6;\n"
		     "r1 &= 1;\n"
		     "if r6 > 10 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r1 &= 3;\n"
		     "l0_%=:\n"
		     "r0 += r1;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(arr), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* `scalar -= pointer`: root is told it is a subtraction of a pointer from a scalar; without
 * CAP_BPF the Spectre masking comes first, and it has no limit for a context pointer. */
SEC("socket") __failure __msg("R0 tried to subtract pointer from scalar")
__failure_unpriv __msg_unpriv("R1 has pointer with unsupported alu operation")
__naked void scalar_minus_ctx(void)
{
	asm volatile("r0 = 0;\n"
		     "r0 -= r1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* One bpf_tail_call instruction reached with two different prog arrays: Linux cannot bound
 * the index by one array's size against speculation, so an unprivileged load is refused
 * after the walk; the same array on every path is fine. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 4);
} jumps_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, 4);
	__uint(value_size, 4);
} jumps_b SEC(".maps");

SEC("socket") __success __failure_unpriv __msg_unpriv("tail_call abusing map_ptr") __retval(7)
__naked void tail_call_two_arrays(void)
{
	asm volatile("r6 = *(u32 *)(r1 + %[len]);\n"
		     "r2 = %[jumps_a] ll;\n"
		     "if r6 > 10 goto 1f;\n"
		     "r2 = %[jumps_b] ll;\n"
		     "1:\n"
		     "r3 = 1;\n"
		     "call %[bpf_tail_call];\n"
		     "r0 = 7;\n"
		     "exit;\n"
		     :: __imm_addr(jumps_a), __imm_addr(jumps_b), __imm(bpf_tail_call),
			__imm_const(len, offsetof(struct __sk_buff, len))
		     : __clobber_all);
}

SEC("socket") __success __success_unpriv __retval(7)
__naked void tail_call_one_array(void)
{
	asm volatile("r6 = *(u32 *)(r1 + %[len]);\n"
		     "r2 = %[jumps_a] ll;\n"
		     "if r6 > 10 goto 1f;\n"
		     "r2 = %[jumps_a] ll;\n"
		     "1:\n"
		     "r3 = 1;\n"
		     "call %[bpf_tail_call];\n"
		     "r0 = 7;\n"
		     "exit;\n"
		     :: __imm_addr(jumps_a), __imm(bpf_tail_call),
			__imm_const(len, offsetof(struct __sk_buff, len))
		     : __clobber_all);
}
