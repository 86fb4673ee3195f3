/* Verification-time workload (bench/bench_verifier.c): an XDP packet parser of about 200
 * conditional branches in C. Ethernet with up to two VLAN tags; IPv4 (variable header length,
 * fragments, TTL) and IPv6 (up to three extension headers); TCP (flag sanity, port classes),
 * UDP (DNS, DHCP, NTP, VXLAN with its inner Ethernet header) and ICMP/ICMPv6 (type dispatch);
 * ARP. Every header is read after a bounds check against data_end. On the test run's 64 zero
 * bytes the EtherType is 0: XDP_PASS. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct eth {
	__u8 dst[6], src[6];
	__u16 proto;
};
struct vlan {
	__u16 tci, proto;
};
struct ip4 {
	__u8 vihl, tos;
	__u16 len, id, frag;
	__u8 ttl, proto;
	__u16 csum;
	__u32 saddr, daddr;
};
struct ip6 {
	__u32 vtcfl;
	__u16 plen;
	__u8 nexthdr, hlim;
	__u8 saddr[16], daddr[16];
};
struct ext6 {
	__u8 nexthdr, hdrlen, pad[6];
};
struct tcp {
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 doff, flags;
	__u16 win, csum, urg;
};
struct udp {
	__u16 sport, dport, len, csum;
};
struct icmp {
	__u8 type, code;
	__u16 csum;
	__u32 rest;
};
struct dns {
	__u16 id, flags, qd, an, ns, ar;
};

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20

/* 0: unknown, 1: web, 2: mail, 3: remote shell, 4: database, 5: infrastructure */
static __always_inline int port_class(__u16 port)
{
	switch (port) {
	case 80: case 443: case 8080: return 1;
	case 25: case 587: case 993: return 2;
	case 22: case 3389: return 3;
	case 3306: case 5432: case 6379: return 4;
	case 53: case 123: case 179: return 5;
	default: return 0;
	}
}

static __always_inline int parse_tcp(void *l4, void *end)
{
	struct tcp *t = l4;
	int c;

	if ((void *)(t + 1) > end)
		return XDP_DROP;
	if ((t->doff >> 4) < 5)
		return XDP_DROP;
	if (!(t->flags & 0x3f))
		return XDP_DROP; /* NULL scan */
	if ((t->flags & (F_FIN | F_PSH | F_URG)) == (F_FIN | F_PSH | F_URG))
		return XDP_DROP; /* XMAS scan */
	if ((t->flags & (F_SYN | F_FIN)) == (F_SYN | F_FIN))
		return XDP_DROP;
	if ((t->flags & (F_SYN | F_RST)) == (F_SYN | F_RST))
		return XDP_DROP;
	if (!t->sport || !t->dport)
		return XDP_DROP;
	c = port_class(bpf_ntohs(t->dport));
	if (!c)
		c = port_class(bpf_ntohs(t->sport));
	if (c == 3 && (t->flags & F_SYN) && !(t->flags & F_ACK))
		return XDP_TX;
	if (c == 4)
		return XDP_ABORTED;
	return c ? XDP_PASS : XDP_REDIRECT;
}

static __always_inline int parse_inner_eth(void *p, void *end)
{
	struct eth *e = p;

	if ((void *)(e + 1) > end)
		return XDP_DROP;
	if (e->proto == bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (e->proto == bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	if (e->proto == bpf_htons(ETH_P_ARP))
		return XDP_TX;
	return XDP_DROP;
}

static __always_inline int parse_udp(void *l4, void *end)
{
	struct udp *u = l4;
	__u16 dport, sport;

	if ((void *)(u + 1) > end)
		return XDP_DROP;
	dport = bpf_ntohs(u->dport);
	sport = bpf_ntohs(u->sport);
	if (bpf_ntohs(u->len) < sizeof(*u))
		return XDP_DROP;
	if (dport == 53 || sport == 53) {
		struct dns *d = (void *)(u + 1);

		if ((void *)(d + 1) > end)
			return XDP_DROP;
		if (bpf_ntohs(d->flags) & 0x8000) /* a response */
			return sport == 53 ? XDP_PASS : XDP_DROP;
		if ((bpf_ntohs(d->flags) >> 11) & 0xf) /* not a standard query */
			return XDP_DROP;
		if (bpf_ntohs(d->qd) != 1)
			return XDP_DROP;
		return XDP_PASS;
	}
	if (dport == 67 || dport == 68) {
		__u8 *op = (void *)(u + 1);

		if ((void *)(op + 1) > end)
			return XDP_DROP;
		return *op == 1 || *op == 2 ? XDP_PASS : XDP_DROP;
	}
	if (dport == 123) {
		__u8 *ntp = (void *)(u + 1);

		if ((void *)(ntp + 48) > end)
			return XDP_DROP;
		if ((ntp[0] & 7) == 7) /* mode 7: monlist */
			return XDP_DROP;
		return XDP_PASS;
	}
	if (dport == 4789) {
		__u8 *vx = (void *)(u + 1);

		if ((void *)(vx + 8) > end)
			return XDP_DROP;
		if (!(vx[0] & 0x08))
			return XDP_DROP;
		return parse_inner_eth(vx + 8, end);
	}
	if (dport < 1024)
		return XDP_DROP;
	return XDP_PASS;
}

static __always_inline int parse_icmp(void *l4, void *end, int v6)
{
	struct icmp *ic = l4;

	if ((void *)(ic + 1) > end)
		return XDP_DROP;
	if (!v6) {
		switch (ic->type) {
		case 0: case 8: return ic->code ? XDP_DROP : XDP_PASS;
		case 3: return ic->code <= 15 ? XDP_PASS : XDP_DROP;
		case 11: return ic->code <= 1 ? XDP_PASS : XDP_DROP;
		case 5: case 9: case 10: return XDP_DROP;
		default: return XDP_ABORTED;
		}
	}
	switch (ic->type) {
	case 128: case 129: return ic->code ? XDP_DROP : XDP_PASS;
	case 1: case 2: case 3: case 4: return XDP_PASS;
	case 133: case 134: case 135: case 136: return XDP_TX;
	case 137: return XDP_DROP;
	default: return XDP_ABORTED;
	}
}

static __always_inline int parse_l4(__u8 proto, void *l4, void *end, int v6)
{
	if (proto == IPPROTO_TCP)
		return parse_tcp(l4, end);
	if (proto == IPPROTO_UDP)
		return parse_udp(l4, end);
	if ((!v6 && proto == IPPROTO_ICMP) || (v6 && proto == 58 /* ICMPv6 */))
		return parse_icmp(l4, end, v6);
	if (proto == IPPROTO_GRE || proto == IPPROTO_ESP)
		return XDP_PASS;
	return XDP_DROP;
}

static __always_inline int parse_ip4(void *p, void *end)
{
	struct ip4 *ip = p;
	__u32 ihl;

	if ((void *)(ip + 1) > end)
		return XDP_DROP;
	if ((ip->vihl >> 4) != 4)
		return XDP_DROP;
	ihl = ip->vihl & 0xf;
	if (ihl < 5)
		return XDP_DROP;
	if (bpf_ntohs(ip->frag) & 0x1fff) /* a later fragment: no L4 header */
		return XDP_PASS;
	if (ip->ttl <= 1)
		return XDP_DROP;
	if ((ip->saddr & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000))
		return XDP_DROP; /* 127/8 from outside */
	if ((ip->daddr & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000))
		return XDP_PASS; /* multicast */
	return parse_l4(ip->proto, p + ihl * 4, end, 0);
}

static __always_inline int parse_ip6(void *p, void *end)
{
	struct ip6 *ip = p;
	__u8 nh;

	if ((void *)(ip + 1) > end)
		return XDP_DROP;
	if ((ip->vtcfl & bpf_htonl(0xf0000000)) != bpf_htonl(0x60000000))
		return XDP_DROP;
	if (ip->hlim <= 1)
		return XDP_DROP;
	if (ip->daddr[0] == 0xff)
		return XDP_PASS; /* multicast */
	nh = ip->nexthdr;
	p = ip + 1;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		struct ext6 *x = p;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if ((void *)(x + 1) > end)
			return XDP_DROP;
		if (nh == 44) {
			if (bpf_ntohs(*(__u16 *)&x->pad[0]) & 0xfff8)
				return XDP_PASS; /* a later fragment */
			nh = x->nexthdr;
			p = x + 1;
			continue;
		}
		nh = x->nexthdr;
		p += (x->hdrlen + 1) * 8;
	}
	return parse_l4(nh, p, end, 1);
}

SEC("xdp") __success __retval(2)
int bench_verify_parser(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct eth *e = data;
	void *p = e + 1;
	__u16 proto;

	if (p > end)
		return XDP_DROP;
	proto = e->proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan *v = p;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return XDP_DROP;
		if ((bpf_ntohs(v->tci) & 0xfff) == 0xfff)
			return XDP_DROP;
		proto = v->proto;
		p = v + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ip4(p, end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ip6(p, end);
	if (proto == bpf_htons(ETH_P_ARP)) {
		__u8 *arp = p;

		if ((void *)(arp + 8) > end)
			return XDP_DROP;
		return arp[7] == 1 || arp[7] == 2 ? XDP_PASS : XDP_DROP;
	}
	return XDP_PASS;
}
