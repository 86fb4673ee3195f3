/* The older bpf_misc.h form __regex (comment:test_expect_regex=): a whole-message regex. One
 * program matches, one does not; `exbpf test` must report each (tests/cli/runner.sh). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("?tc") __failure __regex("^R[0-9] !read_ok$")
__naked void regex_matches(void)
{
	asm volatile("r0 = r2;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("?tc") __failure __regex("^R[0-9]+ is not a pointer$")
__naked void regex_wrong(void)
{
	asm volatile("r0 = r2;\n"
		     "exit;\n" ::: __clobber_all);
}
