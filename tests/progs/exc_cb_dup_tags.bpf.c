/* Loader case (libbpf bpf_prog_assign_exc_cb): two exception_callback: tags on one program,
 * naming two existing global callbacks. libbpf itself prints nothing: it appends no callback
 * and leaves the rejection to the verifier ("multiple exception callback tags for main
 * subprog", -EINVAL). The unit test accepts either that libbpf behaviour (open and link
 * succeed, no callback) or a loader error with the verifier's message and -EINVAL. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int my_cb(__u64 cookie)
{
	return 1;
}

__noinline int other_cb(__u64 cookie)
{
	return 2;
}

SEC("tc") __failure __msg("multiple exception callback tags for main subprog")
__exception_cb(my_cb)
__exception_cb(other_cb)
int main_prog(struct __sk_buff *skb)
{
	return 0;
}
