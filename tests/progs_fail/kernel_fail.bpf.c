/* Deliberately wrong Linux annotations for `exbpf test --engine kernel` (tests/cli/
 * kernel_test.sh): each wrong expectation must be a FAIL against the running kernel, the right
 * ones PASS, and exbpf's own tags are ignored by that engine. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* Rejected by Linux (R0 !read_ok), but the message expected is not in its log. */
SEC("socket") __failure __msg("this message is never printed")
__naked void wrong_kmsg(void)
{
	asm volatile("exit;\n" ::: __clobber_all);
}

/* The same rejection with the right message, second of two in order. */
SEC("socket") __failure __msg("0: (95) exit") __msg("R0 !read_ok")
__naked void right_kmsg(void)
{
	asm volatile("exit;\n" ::: __clobber_all);
}

/* The messages in the wrong order. */
SEC("socket") __failure __msg("R0 !read_ok") __msg("0: (95) exit")
__naked void wrong_order(void)
{
	asm volatile("exit;\n" ::: __clobber_all);
}

/* Accepted by Linux, expected to be rejected. */
SEC("socket") __failure
__naked void wrong_accepted(void)
{
	asm volatile("r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Rejected by Linux, expected to load. */
SEC("socket") __success
__naked void wrong_rejected(void)
{
	asm volatile("exit;\n" ::: __clobber_all);
}

/* Returns 2, expected 3. */
SEC("tc") __success __retval(3)
__naked void wrong_kretval(void)
{
	asm volatile("r0 = 2;\n"
		     "exit;\n" ::: __clobber_all);
}

/* exbpf's own tags (here: a rejection) are not the kernel's: ignored by --engine kernel. */
SEC("tc") __success __retval(4) __exbpf_failure __exbpf_msg("exbpf only")
__naked void exbpf_tags_ignored(void)
{
	asm volatile("r0 = 4;\n"
		     "exit;\n" ::: __clobber_all);
}
