/* A tc packet parser: Ethernet, IPv4 (options skipped through ihl), TCP and UDP ports. Every
 * check is an assertion from <bpf/bpf_exceptions.h>: on the success path it tells Linux's
 * verifier a fact (a packet range, a bound on a header field), on the failure path it throws
 * with a cookie naming the problem. The exception callback turns the cookie into a TC action
 * and counts it, so the parser itself has no error paths. See README.md. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

/* Cookies. 0 is what plain bpf_assert() and bpf_assert_range() throw. */
enum parse_error {
	PARSE_MALFORMED = 0,   /* an L4 header field out of range (bpf_assert, bpf_assert_range) */
	PARSE_TRUNCATED = 1,   /* a header runs past the end of the packet */
	PARSE_BAD_VERSION = 2, /* IPv4 ethertype, version field not 4 */
	PARSE_BAD_IHL = 3,     /* IPv4 header length below 20 bytes */
	PARSE_BAD_LENGTH = 4,  /* IPv4 total length shorter than the header */
	PARSE_FRAGMENT = 5,    /* a non-first fragment: no L4 header to parse */
	PARSE_NCOOKIES
};

/* Throws per cookie, for the host (or bpftool) to read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PARSE_NCOOKIES);
	__type(key, __u32);
	__type(value, __u64);
} parse_errors SEC(".maps");

/* The exception callback: cookie -> TC action. Malformed packets are dropped; a non-first
 * fragment is passed to the stack, which reassembles it. */
__noinline int to_tc_action(__u64 cookie)
{
	__u32 key = cookie < PARSE_NCOOKIES ? (__u32)cookie : PARSE_MALFORMED;
	__u64 *n = bpf_map_lookup_elem(&parse_errors, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	switch (cookie) {
	case PARSE_FRAGMENT:
		return TC_ACT_OK;
	default:
		return TC_ACT_SHOT;
	}
}

/* bpf_trace_printk formats at file scope rather than bpf_printk: clang-19 names bpf_printk's
 * function-local format `parse.____fmt` in BTF, a name exbpf's BTF check still refuses
 * (Linux accepts dots). exbpf prints each message on stderr, after the program's name. */
static const char fmt_ip[] = "ipv4 proto %d, %d header bytes, ttl %d";
static const char fmt_tcp[] = "tcp %d -> %d, %d header bytes";
static const char fmt_udp[] = "udp %d -> %d";

/* TCP or UDP: returns the destination port (host order). */
static __noinline int parse_l4(void *l4, void *end, __u8 proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		bpf_assert_with((void *)(tcp + 1) <= end, PARSE_TRUNCATED);
		/* The data offset is 4 bits; a header shorter than 20 bytes is malformed. After
		 * this the verifier knows doff is in [5, 15], so doff * 4 is in [20, 60]. */
		__u64 doff = tcp->doff;
		bpf_assert_range(doff, 5, 15);
		bpf_assert_with(l4 + doff * 4 <= end, PARSE_TRUNCATED);
		bpf_trace_printk(fmt_tcp, sizeof(fmt_tcp), bpf_ntohs(tcp->source),
			   bpf_ntohs(tcp->dest), (int)doff * 4);
		return bpf_ntohs(tcp->dest);
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		bpf_assert_with((void *)(udp + 1) <= end, PARSE_TRUNCATED);
		bpf_assert(bpf_ntohs(udp->len) >= sizeof(*udp));
		bpf_trace_printk(fmt_udp, sizeof(fmt_udp), bpf_ntohs(udp->source), bpf_ntohs(udp->dest));
		return bpf_ntohs(udp->dest);
	}
	return 0; /* another protocol: no ports */
}

SEC("tc")
__exception_cb(to_tc_action)
int parse(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	bpf_assert_with((void *)(eth + 1) <= end, PARSE_TRUNCATED);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK; /* not ours */

	ip = (void *)(eth + 1);
	bpf_assert_with((void *)(ip + 1) <= end, PARSE_TRUNCATED);
	bpf_assert_with(ip->version == 4, PARSE_BAD_VERSION);
	/* ihl counts 32-bit words: 5 without options, up to 15. The range assertion gives the
	 * verifier both bounds on the register, so ip_len below is a known [20, 60] and
	 * (void *)ip + ip_len a packet pointer with a bounded variable offset. */
	__u64 ihl = ip->ihl;
	bpf_assert_range_with(ihl, 5, 15, PARSE_BAD_IHL);
	__u64 ip_len = ihl * 4;
	bpf_assert_with((void *)ip + ip_len <= end, PARSE_TRUNCATED); /* the options */
	bpf_assert_with(bpf_ntohs(ip->tot_len) >= ip_len, PARSE_BAD_LENGTH);
	if (ip->frag_off & bpf_htons(0x1fff))
		bpf_throw(PARSE_FRAGMENT);
	bpf_trace_printk(fmt_ip, sizeof(fmt_ip), ip->protocol, (int)ip_len, ip->ttl);

	/* Telnet is refused; everything that parsed is accepted. */
	if (parse_l4((void *)ip + ip_len, end, ip->protocol) == 23)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}
