/* fentry and fexit programs return 0, as in Linux (its check_return_code()). Not among the
 * kernel-checked verifier_* files: the kernel cannot load them here without an attach target
 * from its BTF (so no program Linux would accept: strict_agree.sh would see it refused). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fexit/bpf_check") __failure
__msg("At program exit the register R0 has smin=1 smax=1 should have been in [0, 0]")
__naked void fexit_returns_1(void)
{
	asm volatile("r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}
