/* Loader error case (libbpf bpf_prog_assign_exc_cb): the tag names a function that does not
 * exist. Expected: "prog 'main_prog': cannot find exception callback 'no_such_cb'", -ENOENT. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int my_cb(__u64 cookie)
{
	return 1;
}

SEC("tc") __failure __msg("prog 'main_prog': cannot find exception callback 'no_such_cb'")
__exception_cb(no_such_cb)
int main_prog(struct __sk_buff *skb)
{
	return 0;
}
