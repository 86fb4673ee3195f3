/* Uninitialized registers: every read of a register that no instruction on the path wrote is
 * rejected (`R%d !read_ok`); helper calls clobber r1-r5, r6-r9 survive them, r10 is read-only.
 * Each pair: the rule broken, then the same program with the register written. Checked against
 * Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* A register never written may not be read; once written it may. */
SEC("socket") __failure __msg("R2 !read_ok")
__naked void read_uninit_r2(void)
{
	asm volatile("r0 = r2;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(3)
__naked void read_init_r2(void)
{
	asm volatile("r2 = 3;\n"
		     "r0 = r2;\n"
		     "exit;\n" ::: __clobber_all);
}

/* exit reads R0: it must have been written. */
SEC("socket") __failure __msg("R0 !read_ok")
__naked void exit_r0_uninit(void)
{
	asm volatile("exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void exit_r0_init(void)
{
	asm volatile("r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A 32-bit read of an uninitialized register is a read too. */
SEC("socket") __failure __msg("R3 !read_ok")
__naked void read_uninit_w3(void)
{
	asm volatile("w0 = w3;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(5)
__naked void read_init_w3(void)
{
	asm volatile("w3 = 5;\n"
		     "w0 = w3;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A helper call leaves r1-r5 uninitialized (r1 was the context before the call). */
SEC("socket") __failure __msg("R1 !read_ok")
__naked void r1_after_call(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 = r1;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("socket") __failure __msg("R5 !read_ok")
__naked void r5_after_call(void)
{
	asm volatile("r5 = 1;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r0 = r5;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* ... while the callee-saved r6-r9 keep their values across it. */
SEC("socket") __success __retval(7)
__naked void r6_after_call(void)
{
	asm volatile("r6 = 7;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r0 = r6;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("socket") __success __retval(9)
__naked void r9_after_call(void)
{
	asm volatile("r9 = 9;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r0 = r9;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* The frame pointer may be read but never written. */
SEC("socket") __failure __msg("frame pointer is read only")
__naked void write_r10(void)
{
	asm volatile("r10 = 0;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void copy_r10(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r1 + 0) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A register written on one branch only is uninitialized on the other path. */
SEC("socket") __failure __msg("R2 !read_ok")
__naked void init_on_one_branch(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "if r0 > 5 goto l0_%=;\n"
		     "r2 = 1;\n"
		     "l0_%=:\n"
		     "r0 = r2;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("socket") __success __retval(1)
__naked void init_on_both_branches(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r2 = 1;\n"
		     "if r0 > 5 goto l0_%=;\n"
		     "r2 = 1;\n"
		     "l0_%=:\n"
		     "r0 = r2;\n"
		     "exit;\n"
		     :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* The value stored and the base address of a load are reads. */
SEC("socket") __failure __msg("R3 !read_ok")
__naked void store_uninit_value(void)
{
	asm volatile("*(u64 *)(r10 - 8) = r3;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R4 !read_ok")
__naked void load_uninit_base(void)
{
	asm volatile("r0 = *(u64 *)(r4 + 0);\n"
		     "exit;\n" ::: __clobber_all);
}

/* A helper argument register must be initialized. */
SEC("tc") __failure __msg("R4 !read_ok")
__naked void helper_arg_uninit(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void helper_arg_init(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "exit;\n"
		     :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

/* A conditional jump reads both operands. */
SEC("socket") __failure __msg("R7 !read_ok")
__naked void jump_on_uninit(void)
{
	asm volatile("r0 = 0;\n"
		     "if r7 == 0 goto l0_%=;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void jump_on_init(void)
{
	asm volatile("r0 = 0;\n"
		     "r7 = 0;\n"
		     "if r7 == 0 goto l0_%=;\n"
		     "r0 = 1;\n"
		     "l0_%=:\n"
		     "exit;\n" ::: __clobber_all);
}

/* A register field names r0-r10 only: `r0 = r15` (encoded by hand, an assembler refuses it)
 * names no register. */
SEC("socket") __failure __msg("R15 is invalid")
__naked void mov_from_r15(void)
{
	asm volatile(".8byte 0x000000000000f0bf;\n"
		     "exit;\n" ::: __clobber_all);
}
