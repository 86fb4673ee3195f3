/* Return value ranges: program types whose return value Linux interprets check R0 at exit
 * (cgroup_skb ingress: [0, 1]; egress: [0, 3], bit 1 being congestion notification); others
 * (socket, tc, xdp) take any value. Each pair: the highest value allowed,
 * then the next one. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup_skb/ingress") __success __retval(1)
__naked void ingress_returns_1(void)
{
	asm volatile("r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]")
__naked void ingress_returns_2(void)
{
	asm volatile("r0 = 2;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]")
__naked void ingress_returns_minus_1(void)
{
	asm volatile("r0 = -1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* An unknown value must be narrowed first: & 1 does it. */
SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]")
__naked void ingress_returns_u32(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "w0 = w0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("cgroup_skb/ingress") __success
__naked void ingress_returns_masked(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 1;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A comparison narrows it as well, on the path that exits. */
SEC("cgroup_skb/ingress") __success
__naked void ingress_returns_compared(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "if r0 > 1 goto l0_%=;\n"
		     "exit;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=0 smax=2 should have been in [0, 1]")
__naked void ingress_returns_compared_off_by_one(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "if r0 > 2 goto l0_%=;\n"
		     "exit;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* Egress allows 0-3. */
SEC("cgroup_skb/egress") __success __retval(3)
__naked void egress_returns_3(void)
{
	asm volatile("r0 = 3;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/egress") __failure
__msg("At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]")
__naked void egress_returns_4(void)
{
	asm volatile("r0 = 4;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The check is on the whole 64-bit register: a value whose low half is 1 is still refused. */
SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=4294967297 smax=4294967297 should have been in [0, 1]")
__naked void ingress_returns_high_bits(void)
{
	asm volatile("r0 = 0x100000001 ll;\n"
		     "exit;\n" ::: __clobber_all);
}

/* socket, tc and xdp take anything, e.g. -1 or 2^32 + 5. */
SEC("socket") __success __retval(-1)
__naked void socket_returns_minus_1(void)
{
	asm volatile("r0 = -1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("tc") __success __retval(5)
__naked void tc_returns_wide(void)
{
	asm volatile("r0 = 0x100000005 ll;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("xdp") __success __retval(1000)
__naked void xdp_returns_1000(void)
{
	asm volatile("r0 = 1000;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The return value must still be a scalar: a pointer is refused. */
SEC("cgroup_skb/ingress") __failure __msg("At program exit the register R0 is not a known value (ctx)")
__naked void ingress_returns_pointer(void)
{
	asm volatile("r0 = r1;\n"
		     "exit;\n" ::: __clobber_all);
}
