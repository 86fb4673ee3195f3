/* Run-time workloads of bench/bench_progs.c, measured on exbpf's interpreter, exbpf's JIT and
 * Linux's JIT (BPF_PROG_TEST_RUN) from the same object. Each is a tc program on the test run's
 * packet (64 zero bytes under `make test`, which checks the return values; 1 KiB in the
 * bench). Loops carry an empty asm barrier on their variable so that clang keeps them
 * (clarifications §9). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define barrier_on(v) asm volatile("" : "+r"(v))

/* 1 + 2 + ... + 1000 */
SEC("tc") __success __retval(500500)
int wl_sum_1000(struct __sk_buff *skb)
{
	__u32 sum = 0;

	for (__u32 i = 1; i <= 1000; i++) {
		barrier_on(i);
		sum += i;
	}
	return sum;
}

/* FNV-1a over the packet, at most 1 KiB: the low 32 bits of the hash. */
SEC("tc") __success __retval(0x46fd0825)
int wl_fnv_packet(struct __sk_buff *skb)
{
	__u8 *p = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u64 h = 0xcbf29ce484222325ull;

	for (__u32 i = 0; i < 1024; i++) {
		barrier_on(i);
		if (p + i + 1 > end)
			break;
		h = (h ^ p[i]) * 0x100000001b3ull;
	}
	return (__u32)h;
}

/* 64 calls of a 4-deep chain of static functions, each adding one. */
static __noinline __u64 chain4(__u64 x)
{
	barrier_on(x);
	return x + 1;
}
static __noinline __u64 chain3(__u64 x)
{
	return chain4(x) + 1;
}
static __noinline __u64 chain2(__u64 x)
{
	return chain3(x) + 1;
}
static __noinline __u64 chain1(__u64 x)
{
	return chain2(x) + 1;
}

SEC("tc") __success __retval(2272)
int wl_chain4_x64(struct __sk_buff *skb)
{
	__u64 acc = 0;

	for (__u32 i = 0; i < 64; i++) {
		barrier_on(i);
		acc += chain1(i);
	}
	return acc;
}

/* 64 helper calls (a cheap one in both worlds). */
SEC("tc") __success __retval(64)
int wl_helper_x64(struct __sk_buff *skb)
{
	__u32 n = 0;

	for (__u32 i = 0; i < 64; i++) {
		barrier_on(i);
		n += bpf_get_smp_processor_id() < 0x10000;
	}
	return n;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} wl_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} wl_hash SEC(".maps");

/* 64 array lookups (every one hits: an array's elements always exist). */
SEC("tc") __success __retval(64)
int wl_array_x64(struct __sk_buff *skb)
{
	__u32 hits = 0;

	for (__u32 i = 0; i < 64; i++) {
		__u32 k = i;

		barrier_on(i);
		hits += bpf_map_lookup_elem(&wl_array, &k) != NULL;
	}
	return hits;
}

/* 64 hash lookups; the first run inserts the keys, so later runs hit (the bench repeats). */
SEC("tc") __success __retval(64)
int wl_hash_x64(struct __sk_buff *skb)
{
	__u32 hits = 0;

	for (__u32 i = 0; i < 64; i++) {
		__u32 k = i;
		__u64 one = 1;

		barrier_on(i);
		if (bpf_map_lookup_elem(&wl_hash, &k))
			hits++;
		else if (!bpf_map_update_elem(&wl_hash, &k, &one, BPF_ANY))
			hits++;
	}
	return hits;
}

/* Throws from depth 0..7 against returns from the same depth: main calls d1, which calls d2,
 * ... down to the depth, which throws 7 or returns 7. */
#define LEAF(name, throws)                                                                       \
	static __noinline int name(int x)                                                        \
	{                                                                                        \
		barrier_on(x);                                                                   \
		if (throws)                                                                      \
			bpf_throw(7);                                                            \
		return 7;                                                                        \
	}
#define STEP(name, next)                                                                         \
	static __noinline int name(int x)                                                        \
	{                                                                                        \
		int r = next(x);                                                                 \
		barrier_on(r);                                                                   \
		return r;                                                                        \
	}
#define DEPTH_PROGS(t, throws)                                                                   \
	LEAF(t##7, throws)                                                                       \
	STEP(t##6, t##7) STEP(t##5, t##6) STEP(t##4, t##5) STEP(t##3, t##4) STEP(t##2, t##3)    \
	STEP(t##1, t##2)                                                                         \
	SEC("tc") __success __retval(7) int wl_##t##_0(struct __sk_buff *s)                     \
	{                                                                                        \
		int x = s->len;                                                                  \
		barrier_on(x);                                                                   \
		if (throws)                                                                      \
			bpf_throw(7);                                                            \
		return 7;                                                                        \
	}                                                                                        \
	SEC("tc") __success __retval(7) int wl_##t##_1(struct __sk_buff *s) { return t##7(s->len); } \
	SEC("tc") __success __retval(7) int wl_##t##_4(struct __sk_buff *s) { return t##4(s->len); } \
	SEC("tc") __success __retval(7) int wl_##t##_7(struct __sk_buff *s) { return t##1(s->len); }

DEPTH_PROGS(ret, 0)
DEPTH_PROGS(throw, 1)

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

struct wl_obj {
	__u64 a, b;
};

/* A throw while holding a bpf_obj_new object (exbpf drops it while unwinding; Linux refuses
 * the program), against the same throw with nothing held. (An object rather than a ring-buffer
 * sample: discarded samples keep their space until a consumer passes them, so a bench
 * repeating the run would soon find the ring full.) */
SEC("tc") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(9)
int wl_throw_holding(struct __sk_buff *skb)
{
	struct wl_obj *o = bpf_obj_new_impl(bpf_core_type_id_local(struct wl_obj), NULL);

	if (!o)
		return 1;
	o->a = skb->len;
	if (o->a)
		bpf_throw(9);
	bpf_obj_drop_impl(o, NULL);
	return 0;
}

SEC("tc") __success __retval(9)
int wl_throw_nothing_held(struct __sk_buff *skb)
{
	__u64 v = skb->len;

	barrier_on(v);
	if (v)
		bpf_throw(9);
	return 0;
}

/* A packet parser with assertions: Ethernet, IPv4 (header length from ihl), UDP; every check
 * an assertion whose cookie names the problem. On the test run's 64 zero bytes the EtherType
 * is 0: the first assertion throws 1. On the bench's packet it parses to the UDP ports. */
SEC("tc") __success __retval(1)
int wl_parse_asserts(struct __sk_buff *skb)
{
	__u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *ip, *udp;
	__u64 ihl;

	bpf_assert_with(data + 34 <= end, 2);
	bpf_assert_with(data[12] == 0x08 && data[13] == 0x00, 1);
	ip = data + 14;
	bpf_assert_with((ip[0] >> 4) == 4, 3);
	ihl = ip[0] & 0xf;
	bpf_assert_range_with(ihl, 5, 15, 4);
	bpf_assert_with(ip[9] == 17, 5);
	udp = ip + ihl * 4;
	bpf_assert_with(udp + 8 <= end, 2);
	return ((__u32)udp[0] << 8 | udp[1]) ^ ((__u32)udp[2] << 8 | udp[3]);
}

SEC("tc") __success __retval(0)
int wl_empty(struct __sk_buff *skb)
{
	return 0;
}
