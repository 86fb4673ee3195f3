/* Programs whose annotations are deliberately wrong: `exbpf test` must report each as FAIL
 * (tests/cli/runner.sh), proving that the runner checks what the annotations say. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* Returns 7, claims 8. */
SEC("raw") __success __retval(8)
int wrong_retval(void *data, __u64 len)
{
	return 7;
}

/* exbpf's own tags replace Linux's in default mode: passes only if they are read. */
SEC("raw") __retval(1) __exbpf_retval(2)
int own_tags(void *data, __u64 len)
{
	return 2;
}
