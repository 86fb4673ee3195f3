/* Helpers that move or resize the packet (Linux's net/core/filter.c, on the frame test_run
 * builds: XDP_PACKET_HEADROOM before the packet, of which an xdp_frame's size is kept, and
 * skb_shared_info's tailroom at the end of a page). exbpf's packets are linear: pulling skb
 * data moves nothing. */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "runtime/helpers.h"

#define H(name) RT_HELPER(name)
#define XDP_META_MAX 255 /* Linux's xdp_metalen_invalid() (6.18): whole words, < 256 bytes */

/* The run's packet; NULL (the run failed) when ctx is not the run's context, which only an
 * unverified program can pass. */
static struct run_ctx *pkt_of(struct exbpf_run *run, uint64_t ctx, const char *what)
{
	struct run_ctx *rc = rt_run_of(run)->rc;

	if (rc && rc->data && ctx == rc->args[0])
		return rc;
	vm_run_fail(run, -EINVAL, "%s: argument 0 is not the run's context", what);
	return NULL;
}

/* bpf_xdp_adjust_head(xdp, delta): the packet starts delta bytes later (earlier when
 * negative), its metadata moving with it. */
H(rt_xdp_adjust_head)
{
	struct run_ctx *rc = pkt_of(run, r1, "bpf_xdp_adjust_head");
	int64_t delta = (int32_t)r2;
	size_t metalen;
	uint8_t *meta;
	int err;

	(void)r3, (void)r4, (void)r5;
	if (!rc)
		return 0;
	metalen = (size_t)(rc->data - rc->data_meta);
	meta = rc->data_meta;
	if ((err = rt_move_packet(run, rc->data + delta, rc->data_end, rc->data_meta + delta)))
		return (uint64_t)(int64_t)err;
	if (metalen)
		memmove(rc->data_meta, meta, metalen);
	return 0;
}

/* bpf_xdp_adjust_meta(xdp, delta): the metadata starts delta bytes later. */
H(rt_xdp_adjust_meta)
{
	struct run_ctx *rc = pkt_of(run, r1, "bpf_xdp_adjust_meta");
	uint8_t *meta;
	intptr_t len;

	(void)r3, (void)r4, (void)r5;
	if (!rc)
		return 0;
	meta = rc->data_meta + (int32_t)r2;
	len = rc->data - meta;
	if (meta < rc->pkt + XDP_FRAME_SIZE || len < 0)
		return (uint64_t)-EINVAL;
	if (len > XDP_META_MAX || len % 4)
		return (uint64_t)-EACCES;
	return (uint64_t)(int64_t)rt_move_packet(run, rc->data, rc->data_end, meta);
}

/* bpf_xdp_adjust_tail(xdp, delta): the packet ends delta bytes later; grown bytes are zero. */
H(rt_xdp_adjust_tail)
{
	struct run_ctx *rc = pkt_of(run, r1, "bpf_xdp_adjust_tail");
	uint8_t *end;
	int err;

	(void)r3, (void)r4, (void)r5;
	if (!rc)
		return 0;
	end = rc->data_end;
	if ((err = rt_move_packet(run, rc->data, rc->data_end + (int32_t)r2, rc->data_meta)))
		return (uint64_t)(int64_t)err;
	if ((int32_t)r2 > 0)
		memset(end, 0, (size_t)(int32_t)r2);
	return 0;
}

/* bpf_skb_pull_data(skb, len): the first len bytes (all: 0) must be there; they always are in
 * the linear part. */
H(rt_skb_pull_data)
{
	struct run_ctx *rc = pkt_of(run, r1, "bpf_skb_pull_data");

	(void)r3, (void)r4, (void)r5;
	if (!rc)
		return 0;
	return (uint32_t)r2 > (size_t)(rc->data_end - rc->data) ? (uint64_t)-ENOMEM : 0;
}

/* bpf_redirect(ifindex, flags): the action that sends the packet to ifindex (tc: with
 * BPF_F_INGRESS to its ingress), or the one that drops it for flags Linux does not know. A
 * run has no device to send to: the program's return value is the whole outcome, as in
 * Linux's test runs. */
H(rt_redirect)
{
	(void)r1, (void)r3, (void)r4, (void)r5;
	if (rt_run_of(run)->prog->pt->type == BPF_PROG_TYPE_XDP)
		return r2 ? XDP_ABORTED : XDP_REDIRECT;
	return r2 & ~(uint64_t)BPF_F_INGRESS ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}

/* bpf_xdp_get_buff_len(xdp): the packet's length (exbpf's xdp packets have no fragments). */
H(rt_xdp_get_buff_len)
{
	struct run_ctx *rc = pkt_of(run, r1, "bpf_xdp_get_buff_len");

	(void)r2, (void)r3, (void)r4, (void)r5;
	return rc ? (uint64_t)(rc->data_end - rc->data) : 0;
}
