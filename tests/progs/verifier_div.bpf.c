/* Division and modulo by zero: an immediate zero divisor is refused by the verifier; a register
 * that holds zero at run time is allowed, and then x / 0 = 0 and x % 0 = x (32-bit forms
 * zero-extend the result). Signed division (cpu v4) has the same rules, and S64_MIN / -1 =
 * S64_MIN, S64_MIN % -1 = 0. Each pair: the register form, then the immediate form. Checked
 * against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("socket") __success __retval(0)
__naked void div_by_zero_reg(void)
{
	asm volatile("r0 = 7;\n"
		     "r1 = 0;\n"
		     "r0 /= r1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("div by zero")
__naked void div_by_zero_imm(void)
{
	asm volatile("r0 = 7;\n"
		     "r0 /= 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(7)
__naked void mod_by_zero_reg(void)
{
	asm volatile("r0 = 7;\n"
		     "r1 = 0;\n"
		     "r0 %%= r1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("div by zero")
__naked void mod_by_zero_imm(void)
{
	asm volatile("r0 = 7;\n"
		     "r0 %%= 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* 32-bit: w0 / 0 = 0 ... */
SEC("socket") __success __retval(0)
__naked void div32_by_zero_reg(void)
{
	asm volatile("r0 = -1;\n"
		     "w1 = 0;\n"
		     "w0 /= w1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ... w0 % 0 = w0, zero-extended: the high half of r0 is cleared. */
SEC("socket") __success __retval(0)
__naked void mod32_by_zero_zero_extends(void)
{
	asm volatile("r0 = -1;\n"
		     "w1 = 0;\n"
		     "w0 %%= w1;\n"
		     "r0 >>= 32;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(-1)
__naked void mod32_by_zero_keeps_low(void)
{
	asm volatile("r0 = -1;\n"
		     "w1 = 0;\n"
		     "w0 %%= w1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("div by zero")
__naked void div32_by_zero_imm(void)
{
	asm volatile("w0 = 7;\n"
		     "w0 /= 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Signed: the same for sdiv/smod by a zero register or immediate. */
SEC("socket") __success __retval(0)
__naked void sdiv_by_zero_reg(void)
{
	asm volatile("r0 = -7;\n"
		     "r1 = 0;\n"
		     "r0 s/= r1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(-7)
__naked void smod_by_zero_reg(void)
{
	asm volatile("r0 = -7;\n"
		     "r1 = 0;\n"
		     "r0 s%%= r1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("div by zero")
__naked void sdiv_by_zero_imm(void)
{
	asm volatile("r0 = -7;\n"
		     "r0 s/= 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* S64_MIN / -1 overflows to S64_MIN; S64_MIN % -1 = 0. */
SEC("socket") __success __retval(1)
__naked void sdiv_overflow(void)
{
	asm volatile("r0 = 1;\n"
		     "r0 <<= 63;\n"
		     "r1 = -1;\n"
		     "r0 s/= r1;\n"
		     "r0 >>= 63;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void smod_overflow(void)
{
	asm volatile("r0 = 1;\n"
		     "r0 <<= 63;\n"
		     "r0 s%%= -1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Signed division truncates toward zero; unsigned treats -7 as 2^64 - 7. */
SEC("socket") __success __retval(-3)
__naked void sdiv_truncates(void)
{
	asm volatile("r0 = -7;\n"
		     "r0 s/= 2;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(-4)
__naked void udiv_of_negative(void)
{
	asm volatile("r0 = -7;\n"
		     "r0 /= 2;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The divisor register may be unknown: the verifier accepts it (a zero gives zero). */
SEC("socket") __success __retval(0)
__naked void div_by_unknown(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r1 = r0;\n"
		     "r0 = 100;\n"
		     "r0 /= r1;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}
