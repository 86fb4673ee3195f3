/* Rules of the exception callback and of where bpf_throw may be called, each with Linux 6.18's
 * verdict and message (the same in both modes: these are safety rules, not exbpf extensions). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* (Linux's "cannot tail call within exception cb" cannot be reached from a valid program:
 * the callback's only argument is a scalar, and bpf_tail_call's context argument is checked
 * first: "R1 type=scalar expected=ctx".) */

/* The callback is entered by a throw only, never by a call. */
__noinline int cb_called(__u64 cookie)
{
	return cookie + 1;
}

SEC("?tc") __exception_cb(cb_called)
__failure __msg("cannot call exception cb directly")
int call_cb_directly(struct __sk_buff *skb)
{
	if (skb->len > 100)
		bpf_throw(1);
	return cb_called(skb->len);
}

/* A callback must give the program's return value: 6.18 rejects a void one through the
 * global-function signature check, before its own "exception cb cannot return void". */
__noinline void cb_void(__u64 cookie)
{
	asm volatile("");
}

SEC("?tc") __exception_cb(cb_void)
__failure __msg("Global function cb_void() doesn't return scalar. Only those are supported.")
int void_cb(struct __sk_buff *skb)
{
	bpf_throw(1);
	return 0;
}

/* The callback is verified as a root of its own even when nothing throws. */
__noinline int cb_bad_ret(__u64 cookie)
{
	return 7;
}

SEC("?cgroup_skb/ingress") __exception_cb(cb_bad_ret)
__failure __msg("At program exit the register R0 has smin=7 smax=7 should have been in [0, 1]")
int cb_out_of_range_never_thrown(struct __sk_buff *skb)
{
	return 1;
}

/* The callback's own return passes the program type's range. */
__noinline int cb_good_ret(__u64 cookie)
{
	return cookie & 1;
}

SEC("?cgroup_skb/ingress") __exception_cb(cb_good_ret)
__success __retval(1)
int cb_in_range(struct __sk_buff *skb)
{
	if (skb->len > 10)
		bpf_throw(3);
	return 0;
}

/* Linux gives socket filters, tc actions and raw tracepoints none of its generic kfuncs,
 * bpf_throw included; exbpf's default mode lets every program type throw. */
SEC("?socket") __failure __msg("calling kernel function bpf_throw is not allowed")
__exbpf_success __exbpf_retval(1)
int socket_throw(struct __sk_buff *skb)
{
	if (skb->len > 10)
		bpf_throw(1);
	return 0;
}

SEC("?action") __failure __msg("calling kernel function bpf_throw is not allowed")
__exbpf_success __exbpf_retval(2)
int action_throw(struct __sk_buff *skb)
{
	if (skb->len > 10)
		bpf_throw(2);
	return 0;
}

/* The common kfuncs are for every type, socket filters too. */
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

SEC("?socket") __success __retval(50)
int socket_rcu(struct __sk_buff *skb)
{
	int n;

	bpf_rcu_read_lock();
	n = skb->len;
	bpf_rcu_read_unlock();
	return n;
}
