/* Exceptions at run time: default callbacks (the cookie), callbacks, throws from deep frames,
 * assertions, throws inside bpf_loop and for_each_map_elem callbacks (an exbpf extension:
 * Linux rejects them, which the Linux tags record), and a throw in a tail-call target, which
 * ends only that program (Linux's exception_tail_call: 16 thrown, 8 added, 24). Run on 64
 * zero bytes: skb->len is 64. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* No callback: the program returns the cookie (truncated to 32 bits by test_run). */
SEC("tc") __success __retval(17)
int throw_default(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(17);
	return 1;
}

__noinline int add_100(__u64 cookie)
{
	return (int)cookie + 100;
}

static __noinline int depth3(int x)
{
	if (x > 10)
		bpf_throw(x);
	return x;
}

static __noinline int depth2(int x)
{
	return depth3(x + 1) + 1;
}

static __noinline int depth1(int x)
{
	return depth2(x + 1) + 1;
}

/* 64 -> 65 -> 66 thrown from three frames down; the callback adds 100. */
SEC("tc") __exception_cb(add_100) __success __retval(166)
int throw_deep(struct __sk_buff *skb)
{
	return depth1(skb->len);
}

/* The non-throwing path is untouched by the callback: 1 -> depth3(3) = 3, +1, +1. */
SEC("tc") __exception_cb(add_100) __success __retval(5)
int no_throw(struct __sk_buff *skb)
{
	return depth1(1);
}

/* bpf_assert throws 0 when the condition is false; bpf_assert_with throws its value. */
SEC("tc") __success __retval(0)
int assert_fails(struct __sk_buff *skb)
{
	bpf_assert(skb->len == 1);
	return 5;
}

SEC("tc") __success __retval(77)
int assert_with_fails(struct __sk_buff *skb)
{
	bpf_assert_with(skb->len < 10, 77);
	return 5;
}

SEC("tc") __success __retval(64)
int assert_holds(struct __sk_buff *skb)
{
	bpf_assert(skb->len == 64);
	return skb->len;
}

static int loop_throws(__u32 i, void *ctx)
{
	if (i == 5)
		bpf_throw(500 + i);
	(*(int *)ctx)++;
	return 0;
}

/* A throw inside a bpf_loop callback unwinds the callback, bpf_loop and the program. */
SEC("tc") __exception_cb(add_100)
__failure __msg("cannot be called from callback subprog")
__exbpf_success __exbpf_retval(605)
int throw_in_loop(struct __sk_buff *skb)
{
	int n = 0;

	bpf_loop(10, loop_throws, &n, 0);
	return n;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

static long each_throws(void *map, __u32 *key, __u64 *val, void *ctx)
{
	if (*key == 2)
		bpf_throw(9);
	return 0;
}

SEC("tc") __failure __msg("cannot be called from callback subprog")
__exbpf_success __exbpf_retval(9)
int throw_in_for_each(struct __sk_buff *skb)
{
	bpf_for_each_map_elem(&arr, each_throws, NULL, 0);
	return 1;
}

/* Tail calls: the target's throw ends the target only. */
SEC("tc") __success __retval(16)
int tail_target_throws(struct __sk_buff *skb)
{
	bpf_throw(16);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} jmp_table SEC(".maps") = {
	.values = { [0] = (void *)&tail_target_throws },
};

static __noinline int tail_from_subprog(struct __sk_buff *skb)
{
	volatile int ret = 10;

	bpf_tail_call_static(skb, &jmp_table, 0);
	return ret;
}

SEC("tc") __success __retval(24)
int throw_in_tail_target(struct __sk_buff *skb)
{
	volatile int ret = 0;

	ret = tail_from_subprog(skb);
	return ret + 8;
}

/* The return value is truncated as the program type's is: tc reports 32 bits. */
SEC("tc") __success __retval(5)
int cookie_truncated(struct __sk_buff *skb)
{
	bpf_throw(0x100000005ULL);
	return 0;
}

/* Main plus 7 nested calls: Linux's deepest chain, unwound in one step. */
static __noinline int n7(int x)
{
	if (x == 70)
		bpf_throw(x);
	return x;
}
static __noinline int n6(int x) { return n7(x + 1) + 1; }
static __noinline int n5(int x) { return n6(x + 1) + 1; }
static __noinline int n4(int x) { return n5(x + 1) + 1; }
static __noinline int n3(int x) { return n4(x + 1) + 1; }
static __noinline int n2(int x) { return n3(x + 1) + 1; }
static __noinline int n1(int x) { return n2(x + 1) + 1; }

SEC("tc") __success __retval(70)
int deep_chain(struct __sk_buff *skb)
{
	return n1(skb->len); /* n1 gets 64, n7 gets 70 */
}

/* A global subprogram (verified on its own in Linux) throws. */
__noinline int global_thrower(int x)
{
	if (x > 0)
		bpf_throw(x * 2);
	return x;
}

SEC("tc") __exception_cb(add_100) __success __retval(228)
int global_throws(struct __sk_buff *skb)
{
	return global_thrower(skb->len) + 1; /* 128 thrown, the callback adds 100 */
}

/* Writes before the throw persist: the callback sees them. */
__u64 before_throw;

__noinline int read_back(__u64 cookie)
{
	return (int)(before_throw + cookie);
}

SEC("tc") __exception_cb(read_back) __success __retval(42)
int writes_persist(struct __sk_buff *skb)
{
	before_throw = 40;
	bpf_throw(2);
	before_throw = 1000;
	return 0;
}

/* For the C tests: a raw program that throws its first argument byte. */
SEC("raw") __success __retval(0)
int throw_first_byte(void *data, __u64 len)
{
	if (len)
		bpf_throw(*(__u8 *)data);
	return 7;
}
