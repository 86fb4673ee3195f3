/* Helpers that move the packet: bpf_xdp_adjust_head / _meta / _tail and bpf_skb_pull_data,
 * on Linux's test-run frame (256 bytes of headroom of which an xdp_frame's 40 stay, 320 of
 * tailroom at the end of a 4096-byte page). The test run's packet is 64 zero bytes. Every
 * result checked against Linux with `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

static long len(struct xdp_md *xdp)
{
	return (long)xdp->data_end - (long)xdp->data;
}

/* Room for an outer Ethernet header: 78 bytes, the new 14 zero, writable. */
SEC("xdp") __success __retval(78)
int head_grow(struct xdp_md *xdp)
{
	__u8 *d, *end;

	if (bpf_xdp_adjust_head(xdp, -14))
		return 1;
	d = (void *)(long)xdp->data;
	end = (void *)(long)xdp->data_end;
	if (d + 14 > end)
		return 2;
	d[0] = 0xaa;
	return d[13] == 0 ? len(xdp) : 3;
}

/* Decapsulation: 20 bytes fewer. */
SEC("xdp") __success __retval(44)
int head_shrink(struct xdp_md *xdp)
{
	return bpf_xdp_adjust_head(xdp, 20) ? 1 : len(xdp);
}

/* Into the xdp_frame's 40 bytes: refused. 216 is all the headroom there is. */
SEC("xdp") __success __retval(280)
int head_limits(struct xdp_md *xdp)
{
	if (bpf_xdp_adjust_head(xdp, -217) != -22)
		return 1;
	if (bpf_xdp_adjust_head(xdp, -216))
		return 2;
	return len(xdp);
}

/* Fewer than 14 bytes left: refused. */
SEC("xdp") __success __retval(-22)
int head_too_far(struct xdp_md *xdp)
{
	return bpf_xdp_adjust_head(xdp, 51);
}

/* The tail grows with zeroes up to the tailroom, and shrinks down to 14 bytes. */
SEC("xdp") __success __retval(164)
int tail_grow(struct xdp_md *xdp)
{
	__u8 *d, *end;

	if (bpf_xdp_adjust_tail(xdp, 100))
		return 1;
	d = (void *)(long)xdp->data;
	end = (void *)(long)xdp->data_end;
	if (d + 164 > end)
		return 2;
	return d[163] == 0 ? len(xdp) : 3;
}

SEC("xdp") __success __retval(14)
int tail_shrink(struct xdp_md *xdp)
{
	if (bpf_xdp_adjust_tail(xdp, -51) != -22)
		return 1;
	if (bpf_xdp_adjust_tail(xdp, -50))
		return 2;
	return len(xdp);
}

SEC("xdp") __success __retval(-22)
int tail_past_frame(struct xdp_md *xdp)
{
	/* 256 + 64 + 3457 > 4096 - 320 */
	if (bpf_xdp_adjust_tail(xdp, 3456))
		return 1;
	return bpf_xdp_adjust_tail(xdp, 1);
}

/* Metadata: whole words, within the headroom, readable and writable before the packet, and it
 * moves with the packet's head. */
SEC("xdp") __success __retval(0x5a)
int meta_moves_with_head(struct xdp_md *xdp)
{
	__u8 *m, *d;

	if (bpf_xdp_adjust_meta(xdp, -6) != -13)
		return 1;
	if (bpf_xdp_adjust_meta(xdp, -220) != -22)
		return 2;
	if (bpf_xdp_adjust_meta(xdp, -8))
		return 3;
	m = (void *)(long)xdp->data_meta;
	d = (void *)(long)xdp->data;
	if (m + 8 > d)
		return 4;
	m[7] = 0x5a;
	if (bpf_xdp_adjust_head(xdp, -4))
		return 5;
	m = (void *)(long)xdp->data_meta;
	d = (void *)(long)xdp->data;
	if (m + 8 > d)
		return 6;
	return m[7];
}

SEC("xdp") __success __retval(-22)
int meta_past_data(struct xdp_md *xdp)
{
	return bpf_xdp_adjust_meta(xdp, 4);
}

/* A pull of up to the packet's length succeeds; more is -ENOMEM. */
SEC("tc") __success __retval(-12)
int pull(struct __sk_buff *skb)
{
	if (bpf_skb_pull_data(skb, 0) || bpf_skb_pull_data(skb, skb->len))
		return 1;
	return bpf_skb_pull_data(skb, skb->len + 1);
}

/* bpf_redirect's action: XDP_REDIRECT, or XDP_ABORTED for any flag. */
SEC("xdp") __success __retval(4)
int xdp_redirect(struct xdp_md *xdp)
{
	if (bpf_redirect(1, 1) != XDP_ABORTED)
		return 1;
	return bpf_redirect(1, 0);
}

/* tc: TC_ACT_REDIRECT, to the ingress too; TC_ACT_SHOT for unknown flags. */
SEC("tc") __success __retval(7)
int tc_redirect(struct __sk_buff *skb)
{
	if (bpf_redirect(1, 2) != 2)
		return 1;
	if (bpf_redirect(1, BPF_F_INGRESS) != 7)
		return 2;
	return bpf_redirect(1, 0);
}

SEC("xdp") __success __retval(164)
int buff_len(struct xdp_md *xdp)
{
	if (bpf_xdp_get_buff_len(xdp) != 64 || bpf_xdp_adjust_tail(xdp, 100))
		return 1;
	return bpf_xdp_get_buff_len(xdp);
}
