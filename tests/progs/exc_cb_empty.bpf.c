/* Loader error case (libbpf bpf_prog_assign_exc_cb): the main program's tag is
 * "exception_callback:" with an empty value. Expected: "prog 'main_prog':
 * exception_callback:<value> decl tag contains empty value", -EINVAL. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int my_cb(__u64 cookie)
{
	return 1;
}

SEC("tc") __failure __msg("prog 'main_prog': exception_callback:<value> decl tag contains empty value")
__attribute__((btf_decl_tag("exception_callback:")))
int main_prog(struct __sk_buff *skb)
{
	return 0;
}
