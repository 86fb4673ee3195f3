/* Loader test: a strong (non-weak) kfunc that no runtime provides. Opening may succeed (the
 * runtime resolves kfuncs at load), but whoever resolves it must name
 * bpf_exbpf_no_such_kfunc in its error. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpf_exbpf_no_such_kfunc(int x) __ksym;

SEC("tc") __failure __msg("extern (func ksym) 'bpf_exbpf_no_such_kfunc': not found")
int unknown_kfunc_user(struct __sk_buff *skb)
{
	return bpf_exbpf_no_such_kfunc(skb->len);
}
