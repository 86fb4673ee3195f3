/* Loader error case (libbpf bpf_prog_assign_exc_cb): the exception_callback: decl tag sits on
 * a static function, not on a global FUNC (a main program). Expected, while processing
 * main_prog: "prog 'main_prog': exception_callback:<value> decl tag not applied to the main
 * program", -EINVAL. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int my_cb(__u64 cookie)
{
	return 1;
}

__exception_cb(my_cb)
static __noinline int tagged_static(int x)
{
	return x + 2;
}

SEC("tc") __failure __msg("prog 'main_prog': exception_callback:<value> decl tag not applied to the main program")
int main_prog(struct __sk_buff *skb)
{
	return tagged_static(skb->len);
}
