/* Loader test: kfunc externs in .ksyms. bpf_throw (from bpf/bpf_exceptions.h) is a strong
 * extern; bpf_exbpf_absent_kfunc is a __weak kfunc that no runtime provides, called only
 * behind a .rodata flag. Both calls must carry imm = the extern's index in the object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpf_exbpf_absent_kfunc(int x) __ksym __weak;

const volatile int use_absent = 0;

SEC("tc") __success __retval(0)
int kfunc_user(struct __sk_buff *skb)
{
	if (skb->len > 1000)
		bpf_throw(7);
	if (use_absent)
		return bpf_exbpf_absent_kfunc(skb->len);
	return 0;
}
