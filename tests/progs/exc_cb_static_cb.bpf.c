/* Loader error case (libbpf bpf_prog_assign_exc_cb): the named callback is a static function
 * (kept by __used, never called). Expected: "prog 'main_prog': exception callback my_cb must
 * be a global non-hidden function", -EINVAL. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

__attribute__((used)) static __noinline int my_cb(__u64 cookie)
{
	return 1;
}

SEC("tc") __failure __msg("prog 'main_prog': exception callback my_cb must be a global non-hidden function")
__exception_cb(my_cb)
int main_prog(struct __sk_buff *skb)
{
	return 0;
}
