/* Loader test: exception callbacks that link. main_a and main_b both name the global
 * callback my_cb (__exception_cb), which calls the static cb_helper; each main program must
 * get its own copy of my_cb and cb_helper appended after its own code and callees. main_a
 * also calls the static main_helper (never reached from my_cb). main_c has no callback.
 * tests/unit/test_object.c relies on the MARK_CB_BODY line comment. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

static __noinline int cb_helper(__u64 cookie)
{
	return (int)(cookie & 0xff) + 100;
}

__noinline int my_cb(__u64 cookie)
{
	return cb_helper(cookie) * 2; /* MARK_CB_BODY */
}

static __noinline int main_helper(int x)
{
	if (x > 5)
		bpf_throw(x);
	return x + 1;
}

SEC("tc") __success __retval(328)
__exception_cb(my_cb)
int main_a(struct __sk_buff *skb)
{
	return main_helper(skb->len);
}

SEC("tc") __success __retval(206)
__exception_cb(my_cb)
int main_b(struct __sk_buff *skb)
{
	if (skb->len > 9)
		bpf_throw(3);
	return 0;
}

SEC("tc") __success __retval(1)
int main_c(struct __sk_buff *skb)
{
	return main_helper(skb->mark);
}
