/* make demo: a tc program that validates a packet and throws on the first problem. The
 * exception callback counts the drop and turns every throw into TC_ACT_SHOT; the cookie says
 * what was wrong. Without exceptions each check would need its own error path back through
 * every caller. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

enum { TOO_SHORT = 1, NOT_IPV4 = 2, BAD_VERSION = 3, BAD_HEADER_LEN = 4 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

__noinline int on_error(__u64 cookie)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_SHOT;
}

static __noinline int parse_ipv4(struct iphdr *ip, void *end)
{
	if ((void *)(ip + 1) > end)
		bpf_throw(TOO_SHORT);
	if (ip->version != 4)
		bpf_throw(BAD_VERSION);
	if (ip->ihl < 5)
		bpf_throw(BAD_HEADER_LEN);
	return ip->ttl;
}

SEC("tc")
__exception_cb(on_error)
int validate(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		bpf_throw(TOO_SHORT);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		bpf_throw(NOT_IPV4);
	/* A valid packet passes with its TTL as the verdict, to show it was read. */
	return parse_ipv4((void *)(eth + 1), end);
}
