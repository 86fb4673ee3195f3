/* Global functions and the exception callback: their signatures (Linux 6.18's rules and
 * messages). Each program is loaded alone, so each carries its own global functions. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* A global function returning an int is verified once, on its own. */
__noinline int global_add(int a)
{
	return a + 1;
}

SEC("tc") __success __retval(1)
int calls_int_global(struct __sk_buff *skb)
{
	return global_add(0);
}

/* 6.18 takes no void global function. */
__noinline void global_void(int *p)
{
	if (p)
		*p = 1;
}

SEC("?tc") __failure __msg("Global function global_void() doesn't return scalar. Only those are supported.")
int calls_void_global(struct __sk_buff *skb)
{
	int x = 0;

	global_void(&x);
	return x;
}

/* The exception callback takes exactly one integer. */
__noinline int two_arg_cb(__u64 cookie, __u64 other)
{
	return (int)(cookie + other);
}

SEC("?tc") __failure __msg("exception cb only supports single integer argument")
__exception_cb(two_arg_cb)
int cb_with_two_args(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(1);
	return 0;
}

__noinline int good_cb(__u64 cookie)
{
	return (int)cookie + 100;
}

SEC("?tc") __success __retval(107)
__exception_cb(good_cb)
int cb_with_one_arg(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(7);
	return 0;
}

/* The exception callback may not tail call; it has no context to pass, which is what Linux
 * (and exbpf) report first. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

__noinline int tail_calling_cb(__u64 cookie)
{
	bpf_tail_call_static((void *)0, &jumps, 0);
	return 0;
}

SEC("?tc") __failure __msg("R1 type=scalar expected=ctx")
__exception_cb(tail_calling_cb)
int cb_tail_calls(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(1);
	return 0;
}

/* A global function that may throw, called while the caller holds something: Linux checks the
 * throw as an exceptional exit of the caller (its might_throw), and exbpf's default mode
 * releases what is held instead. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} gl_rb SEC(".maps");

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

__noinline int gl_may_throw(int x)
{
	if (x > 10)
		bpf_throw(3);
	return x;
}

__noinline int gl_never_throws(int x)
{
	return x + 1;
}

SEC("?tc") __failure __msg("Unreleased reference id={{[0-9]+}} alloc_insn={{[0-9]+}}")
__msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(3)
int hold_across_throwing_global(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&gl_rb, 8, 0);
	int r;

	if (!s)
		return 1;
	r = gl_may_throw(skb->len);
	*s = r;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

SEC("?tc") __success __retval(0)
int hold_across_quiet_global(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&gl_rb, 8, 0);
	int r;

	if (!s)
		return 1;
	r = gl_never_throws(skb->len);
	*s = r;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

SEC("?tc") __failure __msg("bpf_throw cannot be used inside bpf_rcu_read_lock-ed region")
__exbpf_success __exbpf_retval(3)
int rcu_across_throwing_global(struct __sk_buff *skb)
{
	int r;

	bpf_rcu_read_lock();
	r = gl_may_throw(skb->len);
	bpf_rcu_read_unlock();
	return r;
}
