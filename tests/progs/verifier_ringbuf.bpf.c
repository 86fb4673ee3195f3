/* Ring-buffer references: bpf_ringbuf_reserve returns a possibly-NULL reference that every
 * path must release exactly once (submit or discard) before exit; the sample is only its
 * reserved size; after release no copy of the pointer is usable. Each pair: the balanced
 * program, then the one that breaks the rule. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

/* r0 = bpf_ringbuf_reserve(&rb, 8, 0) at insns 0-4 (the call is insn 4) */
#define RESERVE8                                                                                 \
	"r1 = %[rb] ll;\n"                                                                       \
	"r2 = 8;\n"                                                                              \
	"r3 = 0;\n"                                                                              \
	"call %[bpf_ringbuf_reserve];\n"

/* Reserve, check, submit: balanced. Without the release the reference leaks. */
SEC("socket") __success __retval(0)
__naked void reserve_submit(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

SEC("socket") __failure __msg("Unreleased reference id=2 alloc_insn=4")
__naked void reserve_leak(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve) : __clobber_all);
}

/* Discard releases as submit does. */
SEC("socket") __success __retval(0)
__naked void reserve_discard(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_discard];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_discard)
		     : __clobber_all);
}

/* Released on one branch only: the other path leaks. */
SEC("socket") __failure __msg("Unreleased reference id=2 alloc_insn=4")
__naked void release_on_one_branch(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r6 = r0;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "if r0 > 10 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit),
			__imm(bpf_get_prandom_u32)
		     : __clobber_all);
}

/* Submit needs the null check first. */
SEC("socket") __failure __msg("R1 type=ringbuf_mem_or_null expected=ringbuf_mem")
__naked void submit_unchecked(void)
{
	asm volatile(RESERVE8
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

/* Releasing twice: after the first release the copy in r6 is no longer a reference. */
SEC("socket") __failure __msg("R1 type=scalar expected=ringbuf_mem")
__naked void submit_twice(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r6 = r0;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

/* Writing after submit through a saved copy is refused. */
SEC("socket") __failure __msg("R6 invalid mem access 'scalar'")
__naked void write_after_submit(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r6 = r0;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "r1 = 1;\n"
		     "*(u64 *)(r6 + 0) = r1;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

/* The sample is 8 bytes: a write at offset 4 of 4 bytes fits, at offset 8 it does not. */
SEC("socket") __success __retval(0)
__naked void write_last_word(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = 1;\n"
		     "*(u32 *)(r0 + 4) = r1;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

SEC("socket") __failure __msg("invalid access to memory, mem_size=8 off=8 size=4")
__naked void write_past_sample(void)
{
	asm volatile(RESERVE8
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = 1;\n"
		     "*(u32 *)(r0 + 8) = r1;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

/* The size of a reservation must be a known constant. */
SEC("socket") __failure __msg("R2 is not a known constant'")
__naked void reserve_variable_size(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r2 = r0;\n"
		     "r2 &= 8;\n"
		     "r1 = %[rb] ll;\n"
		     "r3 = 0;\n"
		     "call %[bpf_ringbuf_reserve];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_discard];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_discard),
			__imm(bpf_get_prandom_u32)
		     : __clobber_all);
}

/* Two reservations, both released: fine; the second one leaked: its own id and insn. */
SEC("socket") __success __retval(0)
__naked void two_reservations(void)
{
	asm volatile(RESERVE8
		     "r6 = r0;\n"
		     RESERVE8
		     "r7 = r0;\n"
		     "if r6 == 0 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "if r7 == 0 goto l1_%=;\n"
		     "r1 = r7;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

SEC("socket") __failure __msg("Unreleased reference id=4 alloc_insn=10")
__naked void second_reservation_leaks(void)
{
	asm volatile(RESERVE8
		     "r6 = r0;\n"
		     RESERVE8
		     "r7 = r0;\n"
		     "if r6 == 0 goto l0_%=;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l0_%=:\n"
		     "if r7 == 0 goto l1_%=;\n"
		     "l1_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit)
		     : __clobber_all);
}

/* bpf_ringbuf_output copies from the stack: no reference at all. */
SEC("socket") __success __retval(0)
__naked void output_from_stack(void)
{
	asm volatile("r1 = 5;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r1 = %[rb] ll;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r3 = 8;\n"
		     "r4 = 0;\n"
		     "call %[bpf_ringbuf_output];\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_output) : __clobber_all);
}
