/* A tc program that counts packets: per L3 protocol in an array (IPv4, IPv6, ARP, other) and
 * per IPv4 protocol number in a hash map (packets and bytes), the way a host reads them in
 * examples/counters/host.c. Every packet passes (TC_ACT_OK). An IPv4 frame too short for its
 * IP header throws; the exception callback counts it as truncated and passes it too. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

/* Indices of l3_packets. */
enum { L3_IPV4, L3_IPV6, L3_ARP, L3_OTHER, L3_TRUNCATED, L3_NCLASSES };

struct proto_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, L3_NCLASSES);
	__type(key, __u32);
	__type(value, __u64);
} l3_packets SEC(".maps");

/* Key: the IPv4 protocol number (1 ICMP, 6 TCP, 17 UDP, ...). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct proto_stats);
} ipv4_protos SEC(".maps");

static void count_l3(__u32 class)
{
	__u64 *n = bpf_map_lookup_elem(&l3_packets, &class);

	if (n)
		__sync_fetch_and_add(n, 1);
}

__noinline int truncated(__u64 cookie)
{
	count_l3(L3_TRUNCATED);
	return TC_ACT_OK;
}

static __noinline void count_ipv4(__u32 proto, __u32 len)
{
	struct proto_stats *st = bpf_map_lookup_elem(&ipv4_protos, &proto);

	if (!st) {
		struct proto_stats first = {};

		/* Another CPU may have added it meanwhile: BPF_NOEXIST fails then, and the
		 * lookup below finds its element. */
		bpf_map_update_elem(&ipv4_protos, &proto, &first, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&ipv4_protos, &proto);
		if (!st)
			return; /* the map is full */
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, len);
}

SEC("tc")
__exception_cb(truncated)
int count(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK; /* test runs always have 14 bytes; a real device might not */
	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		ip = (void *)(eth + 1);
		bpf_assert((void *)(ip + 1) <= end);
		count_l3(L3_IPV4);
		count_ipv4(ip->protocol, skb->len);
		break;
	case bpf_htons(ETH_P_IPV6):
		count_l3(L3_IPV6);
		break;
	case bpf_htons(ETH_P_ARP):
		count_l3(L3_ARP);
		break;
	default:
		count_l3(L3_OTHER);
	}
	return TC_ACT_OK;
}
