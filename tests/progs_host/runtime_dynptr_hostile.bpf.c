/* Unverified programs that forge packet dynptrs (tests/unit/test_dynptr.c loads them
 * unverified): every access must stay inside the run's packet or fail the run with a reason.
 * exbpf's struct bpf_dynptr: the memory (for a packet dynptr, the context it was made over),
 * then the size in the low 24 bits with the kind at bit 28 (skb 3, xdp 4, skb_meta 5) and
 * read-only at bit 31, then the offset. No verifier would accept them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_dynptr.h>

char LICENSE[] SEC("license") = "GPL";

struct fake {
	__u64 data;
	__u32 size;
	__u32 offset;
};

#define KIND(k) ((__u32)(k) << 28)

/* An skb dynptr over something other than the run's context. */
SEC("tc")
int forge_ctx(struct __sk_buff *skb)
{
	struct fake f = {.data = (__u64)(long)&f, .size = 64 | KIND(3)};
	__u8 b;

	return bpf_dynptr_read(&b, 1, (void *)&f, 0, 0);
}

/* A real one with its offset pushed past the packet: -EFAULT, nothing read. */
SEC("tc")
int forge_offset(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 b;

	bpf_dynptr_from_skb(skb, 0, &p);
	((struct fake *)&p)->offset = 1u << 20;
	return bpf_dynptr_read(&b, 1, &p, 0, 0);
}

/* ... or its size grown past the packet. */
SEC("tc")
int forge_size(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 b;

	bpf_dynptr_from_skb(skb, 0, &p);
	((struct fake *)&p)->size = 4000 | KIND(3);
	return bpf_dynptr_read(&b, 1, &p, 100, 0);
}

/* A slice past the packet is NULL; a write there is -EFAULT. */
SEC("tc")
int forge_slice(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_skb(skb, 0, &p);
	((struct fake *)&p)->size = 4000 | KIND(3);
	if (bpf_dynptr_slice_rdwr(&p, 1000, NULL, 8))
		return 1;
	return bpf_dynptr_memset(&p, 1000, 8, 0);
}

/* Read-only set by hand: writes refused. */
SEC("tc")
int forge_rdonly(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 b = 1;

	bpf_dynptr_from_skb(skb, 0, &p);
	((struct fake *)&p)->size |= 1u << 31;
	return bpf_dynptr_write(&p, 0, &b, 1, 0);
}

/* The skb constructor in an xdp program. */
SEC("xdp")
int skb_in_xdp(struct xdp_md *xdp)
{
	struct bpf_dynptr p;

	return bpf_dynptr_from_skb((void *)xdp, 0, &p);
}

/* A local dynptr pointing anywhere. */
SEC("tc")
int forge_local(struct __sk_buff *skb)
{
	struct fake f = {.data = 0x1000, .size = 64 | KIND(1)};
	__u8 b;

	return bpf_dynptr_read(&b, 1, (void *)&f, 0, 0);
}
