/* Unverified xdp programs that move the packet (tests/unit/test_pkt_move.c loads them
 * unverified): the checked interpreter's packet region follows the packet, so the bytes a
 * helper adds are the program's and the bytes it drops are not. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* The 14 bytes bpf_xdp_adjust_head adds are readable. */
SEC("xdp")
int read_grown_head(struct xdp_md *xdp)
{
	__u8 *d;

	if (bpf_xdp_adjust_head(xdp, -14))
		return 1;
	d = (void *)(long)xdp->data;
	return d[0] + 7;
}

/* The bytes it drops are gone. */
SEC("xdp")
int read_dropped_head(struct xdp_md *xdp)
{
	__u8 *d;

	if (bpf_xdp_adjust_head(xdp, 20))
		return 1;
	d = (void *)(long)xdp->data;
	return *(d - 1);
}

/* ... and so are those a shrunk tail drops. */
SEC("xdp")
int read_dropped_tail(struct xdp_md *xdp)
{
	__u8 *end;

	if (bpf_xdp_adjust_tail(xdp, -20))
		return 1;
	end = (void *)(long)xdp->data_end;
	return *end;
}

/* A forged context. */
SEC("xdp")
int forged_ctx(struct xdp_md *xdp)
{
	__u64 fake[4] = {};

	return bpf_xdp_adjust_head((void *)fake, -14);
}
