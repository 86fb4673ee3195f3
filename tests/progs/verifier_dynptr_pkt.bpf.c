/* Packet dynptrs: bpf_dynptr_from_skb (socket filters, tc, cgroup_skb; read-only where the
 * program may not write its packet), bpf_dynptr_from_skb_meta (tc) and bpf_dynptr_from_xdp.
 * Their slices are packet memory: a call that may move the packet ends them, as it ends
 * packet pointers. The test run's packet is 64 zero bytes (an skb's data starts after the
 * Ethernet header for socket filters and cgroup_skb). Checked against Linux with
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_dynptr.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[8]);
} vals SEC(".maps");

volatile __u32 var_len = 8;

/* A write through the dynptr lands in the packet: read back through skb->data. */
SEC("tc") __success __retval(0x2a)
int skb_write_reaches_packet(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 v = 0x2a, *data, *end;

	if (bpf_dynptr_from_skb(skb, 0, &p))
		return 1;
	if (bpf_dynptr_write(&p, 20, &v, 1, 0))
		return 2;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + 21 > end)
		return 3;
	return data[20];
}

/* The dynptr is as long as the packet: a read one byte past it is -E2BIG. */
SEC("tc") __success __retval(64)
int skb_size_is_len(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 b;

	bpf_dynptr_from_skb(skb, 0, &p);
	if (bpf_dynptr_size(&p) != skb->len)
		return 1;
	if (bpf_dynptr_read(&b, 1, &p, skb->len - 1, 0))
		return 2;
	if (bpf_dynptr_read(&b, 1, &p, skb->len, 0) != -7)
		return 3;
	return bpf_dynptr_size(&p);
}

/* A socket filter's skb dynptr is read-only: writes fail with -EINVAL. */
SEC("socket") __success __retval(50)
int skb_socket_rdonly(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 v = 1;

	bpf_dynptr_from_skb(skb, 0, &p);
	if (!bpf_dynptr_is_rdonly(&p))
		return 1;
	if (bpf_dynptr_write(&p, 0, &v, 1, 0) != -22)
		return 2;
	return bpf_dynptr_size(&p);
}

/* ... and cgroup_skb's too, so no writable slice of it. */
SEC("cgroup_skb/ingress") __failure __msg("the prog does not allow writes to packet data")
int skb_cgroup_slice_rdwr(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &p);
	s = bpf_dynptr_slice_rdwr(&p, 0, NULL, 1);
	return s ? 1 : 0;
}

/* A read-only slice is fine there. */
SEC("cgroup_skb/ingress") __success __retval(1)
int skb_cgroup_slice(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &p);
	s = bpf_dynptr_slice(&p, 0, NULL, 4);
	if (!s)
		return 0;
	return s[3] == 0;
}

/* Flags are refused at run time: the dynptr is null, and so of size -EINVAL. */
SEC("tc") __success __retval(-22)
int skb_bad_flags(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	if (bpf_dynptr_from_skb(skb, 1, &p) != -22)
		return 1;
	if (!bpf_dynptr_is_null(&p) || bpf_dynptr_is_rdonly(&p))
		return 2;
	return bpf_dynptr_read(&p, 0, &p, 0, 0);
}

/* bpf_dynptr_data gives no pointer into a packet (bpf_dynptr_slice does). */
SEC("tc") __success __retval(0)
int skb_data_is_null(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_skb(skb, 0, &p);
	return bpf_dynptr_data(&p, 0, 1) != 0;
}

/* A writable slice writes the packet; after adjust, offsets count from the new start. */
SEC("tc") __success __retval(7)
int skb_slice_rdwr_adjust(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s, *data, *end;

	bpf_dynptr_from_skb(skb, 0, &p);
	if (bpf_dynptr_adjust(&p, 10, 20))
		return 1;
	s = bpf_dynptr_slice_rdwr(&p, 2, NULL, 1);
	if (!s)
		return 2;
	*s = 7;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + 13 > end)
		return 3;
	return data[12];
}

/* A slice past the dynptr's end is NULL. */
SEC("tc") __success __retval(0)
int skb_slice_past_end(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	char buf[4];

	bpf_dynptr_from_skb(skb, 0, &p);
	return bpf_dynptr_slice(&p, 62, buf, sizeof(buf)) != 0;
}

/* The slice's size is the constant given: one byte past it is out of range. */
SEC("tc") __failure __msg("invalid access to memory, mem_size=4 off=4 size=1")
int skb_slice_bounds(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &p);
	s = bpf_dynptr_slice_rdwr(&p, 0, NULL, 4);
	if (!s)
		return 0;
	return s[4];
}

/* A read-only slice cannot be written. */
SEC("tc") __failure __msg("R0 cannot write into rdonly_mem")
int skb_slice_ro_write(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &p);
	s = bpf_dynptr_slice(&p, 0, NULL, 4);
	if (!s)
		return 0;
	*s = 1;
	return 0;
}

/* bpf_skb_pull_data may move the packet: the slice ends with it. */
SEC("tc") __failure __msg("invalid mem access 'scalar'")
int skb_slice_after_pull(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &p);
	s = bpf_dynptr_slice(&p, 0, NULL, 4);
	if (!s)
		return 0;
	bpf_skb_pull_data(skb, 0);
	return *s;
}

/* So does a write through an skb dynptr (it may too), and for a clone's slices as well. */
SEC("tc") __failure __msg("invalid mem access 'scalar'")
int skb_clone_slice_after_write(struct __sk_buff *skb)
{
	struct bpf_dynptr p, c;
	__u8 *s, v = 0;

	bpf_dynptr_from_skb(skb, 0, &p);
	bpf_dynptr_clone(&p, &c);
	s = bpf_dynptr_slice(&c, 0, NULL, 4);
	if (!s)
		return 0;
	bpf_dynptr_write(&p, 0, &v, 1, 0);
	return *s;
}

/* A write through a local dynptr moves no packet: the skb slice stays. */
SEC("tc") __success __retval(0)
int skb_slice_after_local_write(struct __sk_buff *skb)
{
	struct bpf_dynptr p, l;
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	__u8 *s, b = 0;

	if (!v)
		return 1;
	bpf_dynptr_from_skb(skb, 0, &p);
	bpf_dynptr_from_mem(v, 64, 0, &l);
	s = bpf_dynptr_slice(&p, 0, NULL, 4);
	if (!s)
		return 2;
	bpf_dynptr_write(&l, 0, &b, 1, 0);
	return *s;
}

/* The slice's size must be a constant; an unbounded one is refused with the buffer first. */
SEC("tc") __failure __msg("unbounded memory access") __msg("arg#2 arg#3 memory, len pair leads to invalid memory access")
int skb_slice_var_len(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	char buf[8];

	bpf_dynptr_from_skb(skb, 0, &p);
	return bpf_dynptr_slice(&p, 0, buf, var_len) != 0;
}

SEC("tc") __failure __msg("R4 must be a known constant")
int skb_slice_bounded_len(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	char buf[8];
	__u32 n = var_len;

	bpf_dynptr_from_skb(skb, 0, &p);
	if (n > sizeof(buf))
		return 0;
	return bpf_dynptr_slice(&p, 0, buf, n) != 0;
}

/* The buffer must hold the size. */
SEC("tc") __failure __msg("arg#2 arg#3 memory, len pair leads to invalid memory access")
int skb_slice_small_buffer(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	char buf[8];

	bpf_dynptr_from_skb(skb, 0, &p);
	return bpf_dynptr_slice(&p, 0, buf, 9) != 0;
}

/* Only the program types whose context is an skb may make one. */
SEC("raw_tp") __failure __msg("calling kernel function bpf_dynptr_from_skb is not allowed")
int skb_from_raw_tp(void *ctx)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_skb(ctx, 0, &p);
	return 0;
}

SEC("xdp") __failure __msg("calling kernel function bpf_dynptr_from_skb is not allowed")
int skb_from_xdp_prog(struct xdp_md *ctx)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_skb((void *)ctx, 0, &p);
	return 0;
}

SEC("cgroup_skb/ingress") __failure __msg("calling kernel function bpf_dynptr_from_skb_meta is not allowed")
int skb_meta_from_cgroup(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_skb_meta(skb, 0, &p);
	return 1;
}

SEC("tc") __failure __msg("calling kernel function bpf_dynptr_from_xdp is not allowed")
int xdp_from_tc(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_xdp((void *)skb, 0, &p);
	return 0;
}

/* The context itself, not a pointer into the stack. */
SEC("tc") __failure __msg("arg#0 expected pointer to ctx, but got fp")
int skb_from_stack(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	char fake[64] = {};

	bpf_dynptr_from_skb((void *)fake, 0, &p);
	return 0;
}

/* No metadata in a test run: an empty dynptr, whose slices are all NULL. */
SEC("tc") __success __retval(0)
int skb_meta_empty(struct __sk_buff *skb)
{
	struct bpf_dynptr m;

	if (bpf_dynptr_from_skb_meta(skb, 0, &m))
		return 1;
	if (bpf_dynptr_size(&m) || bpf_dynptr_is_rdonly(&m))
		return 2;
	return bpf_dynptr_slice(&m, 0, NULL, 1) != 0;
}

/* A metadata slice ends with whatever may move the packet. */
SEC("tc") __failure __msg("invalid mem access 'scalar'")
int skb_meta_slice_after_pull(struct __sk_buff *skb)
{
	struct bpf_dynptr m;
	__u8 *s;

	bpf_dynptr_from_skb_meta(skb, 0, &m);
	s = bpf_dynptr_slice_rdwr(&m, 0, NULL, 1);
	if (!s)
		return 0;
	bpf_skb_pull_data(skb, 0);
	*s = 1;
	return 0;
}

/* A write into the metadata leaves the packet where it is: data slices stay in exbpf's
 * default mode, as in Linux after 6.18; 6.18, and so strict mode, ends them. */
SEC("tc") __failure __msg("invalid mem access 'scalar'") __exbpf_success __exbpf_retval(0)
int skb_slice_after_meta_write(struct __sk_buff *skb)
{
	struct bpf_dynptr d, m;
	__u8 *s;

	bpf_dynptr_from_skb(skb, 0, &d);
	bpf_dynptr_from_skb_meta(skb, 0, &m);
	s = bpf_dynptr_slice(&d, 0, NULL, 1);
	if (!s)
		return 1;
	bpf_dynptr_write(&m, 0, "x", 1, 0);
	return *s;
}

/* xdp: write through a slice, read through the dynptr and the packet. */
SEC("xdp") __success __retval(0x55)
int xdp_slice_write(struct xdp_md *xdp)
{
	struct bpf_dynptr p;
	__u8 *s, b = 0, *data, *end;

	if (bpf_dynptr_from_xdp(xdp, 0, &p))
		return 1;
	if (bpf_dynptr_size(&p) != 64 || bpf_dynptr_is_rdonly(&p))
		return 2;
	s = bpf_dynptr_slice_rdwr(&p, 63, NULL, 1);
	if (!s)
		return 3;
	*s = 0x55;
	if (bpf_dynptr_read(&b, 1, &p, 63, 0) || b != 0x55)
		return 4;
	data = (void *)(long)xdp->data;
	end = (void *)(long)xdp->data_end;
	if (data + 64 > end)
		return 5;
	return data[63];
}

/* An xdp write takes no flags. */
SEC("xdp") __success __retval(-22)
int xdp_write_flags(struct xdp_md *xdp)
{
	struct bpf_dynptr p;
	__u8 b = 1;

	bpf_dynptr_from_xdp(xdp, 0, &p);
	return bpf_dynptr_write(&p, 0, &b, 1, 1);
}

/* bpf_xdp_adjust_head moves the packet: the slice ends. */
SEC("xdp") __failure __msg("invalid mem access 'scalar'")
int xdp_slice_after_adjust(struct xdp_md *xdp)
{
	struct bpf_dynptr p;
	__u8 *s;

	bpf_dynptr_from_xdp(xdp, 0, &p);
	s = bpf_dynptr_slice_rdwr(&p, 0, NULL, 1);
	if (!s)
		return 0;
	if (bpf_xdp_adjust_head(xdp, -4))
		return 0;
	*s = 1;
	return 0;
}

/* bpf_dynptr_memset and bpf_dynptr_copy between packet and map value. */
SEC("xdp") __success __retval(0x0909)
int xdp_memset_copy(struct xdp_md *xdp)
{
	struct bpf_dynptr p, l;
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	__u16 got = 0;

	if (!v)
		return 1;
	bpf_dynptr_from_xdp(xdp, 0, &p);
	bpf_dynptr_from_mem(v, 64, 0, &l);
	if (bpf_dynptr_memset(&p, 8, 4, 9))
		return 2;
	if (bpf_dynptr_copy(&l, 0, &p, 8, 4))
		return 3;
	if (bpf_dynptr_copy(&l, 0, &p, 62, 4) != -7)
		return 4;
	if (bpf_dynptr_memset(&p, 62, 4, 0) != -7)
		return 5;
	if (bpf_dynptr_read(&got, 2, &l, 2, 0))
		return 6;
	return got;
}

/* A clone keeps the kind: read-only for a socket filter's. */
SEC("socket") __success __retval(1)
int skb_clone_rdonly(struct __sk_buff *skb)
{
	struct bpf_dynptr p, c;

	bpf_dynptr_from_skb(skb, 0, &p);
	bpf_dynptr_clone(&p, &c);
	return bpf_dynptr_is_rdonly(&c) && bpf_dynptr_size(&c) == skb->len;
}

/* Nothing to release: a packet dynptr may be left as it is. */
SEC("xdp") __success __retval(2)
int xdp_no_release(struct xdp_md *xdp)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_xdp(xdp, 0, &p);
	return 2;
}

/* A writable slice of a local dynptr where the packet is read-only: Linux refuses it for the
 * program type; exbpf's default mode only for a packet dynptr. */
SEC("cgroup_skb/ingress") __failure __msg("the prog does not allow writes to packet data")
__exbpf_success __exbpf_retval(1)
int local_slice_rdwr_cgroup(struct __sk_buff *skb)
{
	struct bpf_dynptr l;
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	__u8 *s;

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 64, 0, &l);
	s = bpf_dynptr_slice_rdwr(&l, 0, NULL, 1);
	if (!s)
		return 0;
	*s = 1;
	return 1;
}

/* A global function's dynptr argument may be a packet one: its slices end with the packet
 * pointers, as Linux ends them. */
__noinline int global_slice_across_move(struct xdp_md *xdp, struct bpf_dynptr *p)
{
	__u8 *s = bpf_dynptr_slice(p, 0, NULL, 1);

	if (!s)
		return 0;
	bpf_xdp_adjust_head(xdp, 0);
	return *s + 3;
}

SEC("xdp") __failure __msg("invalid mem access 'scalar'")
int xdp_global_dynptr(struct xdp_md *xdp)
{
	struct bpf_dynptr p;

	bpf_dynptr_from_xdp(xdp, 0, &p);
	return global_slice_across_move(xdp, &p);
}
