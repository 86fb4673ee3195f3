/* Unverified programs (tests/unit/test_nofault.c loads them unverified) that forge a bits
 * iterator's state or probe-read host memory: next() and destroy() touch only a copy the run
 * holds, new() and the probe reads read only the run's memory. exbpf's struct bpf_iter_bits: the words (a pointer, or the word itself
 * up to 64 bits), the number of bits, the last bit returned. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_loops.h>

char LICENSE[] SEC("license") = "GPL";

struct fake {
	__u64 words;
	int nr_bits, bit;
};

/* Words that are not a copy the run made. */
SEC("tc")
int forge_words(struct __sk_buff *skb)
{
	__u64 w[2] = {1, 1};
	struct fake it = {.words = (__u64)(long)&w[0], .nr_bits = 128, .bit = -1};

	return bpf_iter_bits_next((void *)&it) != 0;
}

/* ... nor given back by destroy(). */
SEC("tc")
int forge_destroy(struct __sk_buff *skb)
{
	__u64 w[2] = {1, 1};
	struct fake it = {.words = (__u64)(long)&w[0], .nr_bits = 128, .bit = -1};

	bpf_iter_bits_destroy((void *)&it);
	return 0;
}

/* A real copy of two words with a forged bit count: it yields the copy's bits only. */
SEC("tc")
int forge_nr_bits(struct __sk_buff *skb)
{
	__u64 w[2] = {0x3, 0x1};
	struct bpf_iter_bits it;
	int n = 0;

	bpf_iter_bits_new(&it, &w[0], 2);
	((struct fake *)&it)->nr_bits = 1 << 20;
	while (bpf_iter_bits_next(&it) && n < 1000)
		n++;
	((struct fake *)&it)->nr_bits = 128;
	bpf_iter_bits_destroy(&it);
	return n;
}

/* Host memory that is not the run's (the interpreter's stack above the program's). */
SEC("tc")
int outside_run(struct __sk_buff *skb)
{
	struct bpf_iter_bits it;
	__u64 w = 1;
	int err = bpf_iter_bits_new(&it, (void *)((long)&w + 8192), 1);

	bpf_iter_bits_destroy(&it);
	return err;
}

/* A probe read of host memory that is not the run's: -EFAULT, zeroes. */
SEC("tc")
int probe_outside_run(struct __sk_buff *skb)
{
	__u64 w = 1, dst = ~0ull;
	int err = bpf_probe_read_kernel(&dst, sizeof(dst), (void *)((long)&w + 8192));

	return dst ? 1 : err;
}

/* ... and of the run's own stack, which works. */
SEC("tc")
int probe_own_stack(struct __sk_buff *skb)
{
	__u64 w = 42, dst = 0;

	bpf_probe_read_kernel(&dst, sizeof(dst), &w);
	return dst;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[8]);
} strs SEC(".maps");

/* A string in an 8-byte map value, whose memory ends long before its page does: read up to
 * its NUL. */
SEC("tc")
int probe_str_in_value(struct __sk_buff *skb)
{
	__u32 key = 0;
	char dst[16], *v = bpf_map_lookup_elem(&strs, &key);

	if (!v)
		return -2;
	v[0] = 'a', v[1] = 'b', v[2] = 'c', v[3] = 0;
	return bpf_probe_read_kernel_str(dst, sizeof(dst), v);
}
