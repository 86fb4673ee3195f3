/* Contexts as BPF_PROG_TEST_RUN builds them, on 64 zero bytes: tc and xdp see the whole
 * frame, socket filters and cgroup_skb start after the Ethernet header (test_run pulls it),
 * and writable fields keep what a program writes. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc") __success __retval(64)
int tc_packet_span(struct __sk_buff *skb)
{
	return (long)skb->data_end - (long)skb->data;
}

SEC("xdp") __success __retval(64)
int xdp_packet_span(struct xdp_md *ctx)
{
	return (long)ctx->data_end - (long)ctx->data;
}

/* cgroup_skb returns 0 or 1; the length and protocol are checked here. A type field below
 * 0x600 is an 802.3 length, so eth_type_trans() reports 802.2 LLC. */
SEC("cgroup_skb/ingress") __success __retval(1)
int cgroup_len(struct __sk_buff *skb)
{
	return skb->len == 50 && skb->protocol == bpf_htons(ETH_P_802_2);
}

SEC("tc") __success __retval(1234)
int tc_mark_roundtrip(struct __sk_buff *skb)
{
	skb->mark = 1234;
	skb->cb[2] = skb->mark;
	return skb->cb[2];
}

/* test_run's loopback device has index 1, and a zero destination MAC is the host's. */
SEC("tc") __success __retval(1)
int tc_ifindex_pkt_type(struct __sk_buff *skb)
{
	return skb->ifindex == 1 && skb->pkt_type == 0;
}
