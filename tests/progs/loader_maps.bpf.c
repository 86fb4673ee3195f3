/* Loader test: BTF-defined maps in .maps: array, percpu_array (sizes by __uint(key_size) and
 * __uint(value_size)), hash with a struct key and BPF_F_NO_PREALLOC, percpu_hash, lru_hash,
 * ringbuf, and a prog_array filled declaratively with `.values = { [0] = &tail_target }`.
 * maps_user references every map with lddw (BPF_PSEUDO_MAP_IDX after loading). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct pair {
	__u32 a;
	__u32 b;
};

struct val {
	__u64 x;
	__u32 y;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} m_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, 4);
	__uint(value_size, 24);
} m_pcpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pair);
	__type(value, struct val);
} m_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u64);
	__type(value, __u32);
} m_pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} m_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} m_ringbuf SEC(".maps");

SEC("tc") __success __retval(9)
int tail_target(struct __sk_buff *skb)
{
	return 9;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} m_progs SEC(".maps") = {
	.values = { [0] = (void *)&tail_target },
};

SEC("tc") __success __retval(9)
int maps_user(struct __sk_buff *skb)
{
	__u32 k = skb->len & 3;
	__u64 k64 = k;
	struct pair p = { k, k + 1 };
	long r = 0;
	void *v;

	v = bpf_map_lookup_elem(&m_array, &k);
	if (v)
		r += *(__u64 *)v;
	v = bpf_map_lookup_elem(&m_pcpu_array, &k);
	if (v)
		r += *(__u32 *)v;
	v = bpf_map_lookup_elem(&m_hash, &p);
	if (v)
		r += ((struct val *)v)->y;
	v = bpf_map_lookup_elem(&m_pcpu_hash, &k64);
	if (v)
		r += *(__u32 *)v;
	v = bpf_map_lookup_elem(&m_lru, &k);
	if (v)
		r += *(__u64 *)v;
	v = bpf_ringbuf_reserve(&m_ringbuf, 8, 0);
	if (v) {
		*(long *)v = r;
		bpf_ringbuf_submit(v, 0);
	}
	bpf_tail_call(skb, &m_progs, 0);
	return r;
}
