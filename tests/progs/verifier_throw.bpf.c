/* bpf_throw and bpf_assert, as the verifier sees them: a throw ends the program (the default
 * callback returns the cookie), so no reference or lock may be held across it, it may not run
 * inside a bpf_loop callback, and for program types with a return range the cookie is checked
 * against it; an assertion is a conditional throw, so what it asserts bounds the register on
 * the path that continues. Each pair: the rule kept, then broken. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	__u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[16]);
} array SEC(".maps");

/* A throw with no reference held: the program returns the cookie. */
SEC("tc") __success __retval(9)
int throw_plain(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(9);
	return 1;
}

/* A ring-buffer sample held across the throw leaks. */
/* exbpf's runtime discards the sample during unwinding: accepted in default mode. */
SEC("tc") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(9)
int throw_holding_sample(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!s)
		return 1;
	if (skb->len == 64)
		bpf_throw(9);
	bpf_ringbuf_submit(s, 0);
	return 0;
}

/* Released before the throw: fine. */
SEC("tc") __success __retval(9)
int throw_after_release(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&rb, 8, 0);

	if (s)
		bpf_ringbuf_discard(s, 0);
	if (skb->len == 64)
		bpf_throw(9);
	return 1;
}

/* A throw while holding a spin lock is a call inside the locked region (6.18's wording). */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
__exbpf_success __exbpf_retval(9)
int throw_holding_lock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 1;
	bpf_spin_lock(&l->lock);
	if (skb->len == 64)
		bpf_throw(9);
	bpf_spin_unlock(&l->lock);
	return 0;
}

SEC("tc") __success __retval(9)
int throw_after_unlock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 1;
	bpf_spin_lock(&l->lock);
	l->n++;
	bpf_spin_unlock(&l->lock);
	if (skb->len == 64)
		bpf_throw(9);
	return 0;
}

/* A throw in a static subprogram unwinds the caller too; in a bpf_loop callback it is refused. */
static __noinline int thrower(int x)
{
	if (x == 64)
		bpf_throw(11);
	return x;
}

SEC("tc") __success __retval(11)
int throw_from_subprog(struct __sk_buff *skb)
{
	return thrower(skb->len) + 1;
}

static int throwing_cb(__u32 i, void *ctx)
{
	bpf_throw(12);
	return 0;
}

/* exbpf unwinds through bpf_loop: accepted in default mode. */
SEC("tc") __failure __msg("cannot be called from callback subprog")
__exbpf_success __exbpf_retval(12)
int throw_from_loop_callback(struct __sk_buff *skb)
{
	bpf_loop(1, throwing_cb, NULL, 0);
	return 0;
}

/* A global subprogram may throw as well. */
__noinline int global_thrower(int x)
{
	if (x == 64)
		bpf_throw(13);
	return x;
}

SEC("tc") __success __retval(13)
int throw_from_global(struct __sk_buff *skb)
{
	return global_thrower(skb->len);
}

/* An exception callback's result is the program's. */
__noinline int plus_one(__u64 cookie)
{
	return cookie + 1;
}

SEC("tc") __exception_cb(plus_one) __success __retval(15)
int throw_to_callback(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(14);
	return 0;
}

/* cgroup_skb returns [0, 1]: the default callback returns the cookie, which must fit too. */
SEC("cgroup_skb/ingress") __success __retval(1)
int cgroup_throw_1(struct __sk_buff *skb)
{
	if (skb->len > 0)
		bpf_throw(1);
	return 0;
}

SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R1 has smin=2 smax=2 should have been in [0, 1]")
int cgroup_throw_2(struct __sk_buff *skb)
{
	if (skb->len > 0)
		bpf_throw(2);
	return 0;
}

/* bpf_assert bounds the register on the path that continues: an index asserted below 16 reads
 * a 16-byte value; asserted below 17 it may not. */
SEC("tc") __success __retval(0)
int assert_bounds_index(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u8 *v = bpf_map_lookup_elem(&array, &k);
	__u64 i = bpf_get_prandom_u32();

	if (!v)
		return 1;
	bpf_assert(bpf_cmp_unlikely(i, <, 16));
	(void)*(volatile __u8 *)&v[i];
	return 0;
}

SEC("tc") __failure __msg("R{{[0-9]}} max value is outside of the allowed memory range")
int assert_bounds_off_by_one(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u8 *v = bpf_map_lookup_elem(&array, &k);
	__u64 i = bpf_get_prandom_u32();

	if (!v)
		return 1;
	bpf_assert(bpf_cmp_unlikely(i, <, 17));
	(void)*(volatile __u8 *)&v[i];
	return 0;
}

/* An assertion that fails throws 0; bpf_assert_with throws its value. */
SEC("tc") __success __retval(0)
int assert_false(struct __sk_buff *skb)
{
	bpf_assert(skb->len == 0);
	return 1;
}

SEC("tc") __success __retval(21)
int assert_with_false(struct __sk_buff *skb)
{
	bpf_assert_with(skb->len == 0, 21);
	return 1;
}

/* A timer callback runs later, as an invocation of its own: nothing can be unwound into, so a
 * throw there is refused in every mode (Linux first checks the cookie as the callback's return
 * value, which must be 0). */
struct timed {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timed);
} timers SEC(".maps");

static int throwing_timer_cb(void *map, __u32 *key, struct timed *v)
{
	bpf_throw(14);
	return 0;
}

SEC("tc") __failure
__msg("At async callback return the register R1 has smin=14 smax=14 should have been in [0, 0]")
int throw_from_timer_callback(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &k);

	if (!v)
		return 0;
	bpf_timer_init(&v->t, &timers, 1 /* CLOCK_MONOTONIC */);
	bpf_timer_set_callback(&v->t, throwing_timer_cb);
	return 0;
}

/* The exception callback itself may not throw, even when nothing else does. */
__noinline int throwing_exception_cb(__u64 cookie)
{
	bpf_throw(15);
	return 0;
}

SEC("tc") __failure __msg("cannot be called from callback subprog")
__exception_cb(throwing_exception_cb)
int throw_in_exception_cb(struct __sk_buff *skb)
{
	return 1;
}

/* The cookie is a kfunc's integer argument: a pointer is refused in both modes. */
SEC("?tc") __failure __msg("R1 is not a scalar")
int throw_pointer_cookie(struct __sk_buff *skb)
{
	bpf_throw((unsigned long)skb);
	return 0;
}
