/* Context tables and test-run context builders, per program type (Linux's *_is_valid_access
 * rules and bpf_prog_test_run_* conventions). */
#include "runtime/prog_type.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/common.h>

#ifndef BPF_PROG_TYPE_SYSCALL
#define BPF_PROG_TYPE_SYSCALL 31
#endif

/* Linux's test_run leaves this much room before the packet (XDP_PACKET_HEADROOM; skbs get
 * NET_SKB_PAD + NET_IP_ALIGN, which is smaller) and accepts at most a page of it. */
#define PKT_HEADROOM 256
#define PKT_FRAME 4096	 /* test_run's xdp frame: a page */
#define PKT_TAILROOM 320 /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 */
#define PKT_MAX (PKT_FRAME - PKT_HEADROOM - PKT_TAILROOM)
#define RAW_TP_ARGS 12 /* MAX_BPF_FUNC_ARGS */

struct rt_skb {
	struct __sk_buff uapi;
	uint64_t data, data_end, data_meta;
};

struct rt_xdp {
	struct xdp_md uapi;
	uint64_t data, data_end, data_meta;
};

#define FLD(S, F, FLAGS) {offsetof(struct S, F), sizeof(((struct S *)0)->F), FLAGS, CTX_PLAIN, \
			  offsetof(struct S, F), sizeof(((struct S *)0)->F)}
#define PKT(S, RT, F, KIND, RF) {offsetof(struct S, F), 4, CTX_READ, KIND, offsetof(struct RT, RF), 8}

#define R (CTX_READ | CTX_NARROW)
#define RW (CTX_READ | CTX_WRITE | CTX_NARROW)

/* __sk_buff for tc (sched_cls / sched_act). */
static const struct ctx_field skb_tc[] = {
	FLD(__sk_buff, len, R),
	FLD(__sk_buff, pkt_type, R),
	FLD(__sk_buff, mark, RW),
	FLD(__sk_buff, queue_mapping, RW),
	FLD(__sk_buff, protocol, R),
	FLD(__sk_buff, vlan_present, R),
	FLD(__sk_buff, vlan_tci, R),
	FLD(__sk_buff, vlan_proto, R),
	FLD(__sk_buff, priority, RW),
	FLD(__sk_buff, ingress_ifindex, R),
	FLD(__sk_buff, ifindex, R),
	FLD(__sk_buff, tc_index, RW),
	FLD(__sk_buff, cb, RW),
	FLD(__sk_buff, hash, R),
	FLD(__sk_buff, tc_classid, RW),
	PKT(__sk_buff, rt_skb, data, CTX_PKT_DATA, data),
	PKT(__sk_buff, rt_skb, data_end, CTX_PKT_END, data_end),
	FLD(__sk_buff, napi_id, R),
	PKT(__sk_buff, rt_skb, data_meta, CTX_PKT_META, data_meta),
	FLD(__sk_buff, tstamp, CTX_READ | CTX_WRITE),
	FLD(__sk_buff, wire_len, R),
	FLD(__sk_buff, gso_segs, R),
	FLD(__sk_buff, gso_size, R),
	FLD(__sk_buff, hwtstamp, CTX_READ),
};

/* cgroup_skb: no tc_index/tc_classid/queue_mapping writes, data but no data_meta. */
static const struct ctx_field skb_cgroup[] = {
	FLD(__sk_buff, len, R),
	FLD(__sk_buff, pkt_type, R),
	FLD(__sk_buff, mark, RW),
	FLD(__sk_buff, queue_mapping, R),
	FLD(__sk_buff, protocol, R),
	FLD(__sk_buff, vlan_present, R),
	FLD(__sk_buff, vlan_tci, R),
	FLD(__sk_buff, vlan_proto, R),
	FLD(__sk_buff, priority, RW),
	FLD(__sk_buff, ingress_ifindex, R),
	FLD(__sk_buff, ifindex, R),
	FLD(__sk_buff, tc_index, R),
	FLD(__sk_buff, cb, RW),
	FLD(__sk_buff, hash, R),
	PKT(__sk_buff, rt_skb, data, CTX_PKT_DATA, data),
	PKT(__sk_buff, rt_skb, data_end, CTX_PKT_END, data_end),
	FLD(__sk_buff, napi_id, R),
	FLD(__sk_buff, family, R),
	FLD(__sk_buff, remote_ip4, R),
	FLD(__sk_buff, local_ip4, R),
	FLD(__sk_buff, remote_ip6, R),
	FLD(__sk_buff, local_ip6, R),
	FLD(__sk_buff, remote_port, R),
	FLD(__sk_buff, local_port, R),
	FLD(__sk_buff, tstamp, CTX_READ | CTX_WRITE),
	FLD(__sk_buff, gso_segs, R),
	FLD(__sk_buff, gso_size, R),
	FLD(__sk_buff, hwtstamp, CTX_READ),
};

/* socket filters: no direct packet access; only cb[] is writable. */
static const struct ctx_field skb_socket[] = {
	FLD(__sk_buff, len, R),
	FLD(__sk_buff, pkt_type, R),
	FLD(__sk_buff, mark, R),
	FLD(__sk_buff, queue_mapping, R),
	FLD(__sk_buff, protocol, R),
	FLD(__sk_buff, vlan_present, R),
	FLD(__sk_buff, vlan_tci, R),
	FLD(__sk_buff, vlan_proto, R),
	FLD(__sk_buff, priority, R),
	FLD(__sk_buff, ingress_ifindex, R),
	FLD(__sk_buff, ifindex, R),
	FLD(__sk_buff, tc_index, R),
	FLD(__sk_buff, cb, RW),
	FLD(__sk_buff, hash, R),
	FLD(__sk_buff, napi_id, R),
	FLD(__sk_buff, gso_segs, R),
	FLD(__sk_buff, gso_size, R),
};

static const struct ctx_field xdp_fields[] = {
	PKT(xdp_md, rt_xdp, data, CTX_PKT_DATA, data),
	PKT(xdp_md, rt_xdp, data_end, CTX_PKT_END, data_end),
	PKT(xdp_md, rt_xdp, data_meta, CTX_PKT_META, data_meta),
	FLD(xdp_md, ingress_ifindex, R),
	FLD(xdp_md, rx_queue_index, R),
	FLD(xdp_md, egress_ifindex, R),
};

#undef R
#undef RW

static int alloc_packet(const struct prog_type *pt, const struct run_input *in,
			struct run_ctx *rc, struct log *log)
{
	if (in->data_size < pt->min_data || in->data_size > pt->max_data) {
		log_printf(log, "%s programs take %u to %u bytes of packet data, not %zu\n",
			   pt->name, pt->min_data, pt->max_data, in->data_size);
		return -EINVAL;
	}
	/* A whole frame at least: bpf_xdp_adjust_tail may grow the packet up to its tailroom. */
	rc->pkt_size = PKT_HEADROOM + in->data_size + PKT_TAILROOM;
	if (rc->pkt_size < PKT_FRAME)
		rc->pkt_size = PKT_FRAME;
	rc->pkt = calloc(1, rc->pkt_size);
	if (!rc->pkt)
		return -ENOMEM;
	if (in->data_size)
		memcpy(rc->pkt + PKT_HEADROOM, in->data, in->data_size);
	rc->data = rc->data_meta = rc->pkt + PKT_HEADROOM;
	rc->data_end = rc->data + in->data_size;
	return 0;
}

/* eth_type_trans() on a device whose address is all zeroes (test_run's loopback); len >=
 * ETH_HLEN bytes at eth. */
static void eth_classify(const uint8_t *eth, size_t len, struct __sk_buff *skb)
{
	static const uint8_t zero[ETH_ALEN];
	uint16_t proto;

	memcpy(&proto, eth + 2 * ETH_ALEN, sizeof(proto));
	/* Below 0x600 the field is an 802.3 length: Novell raw IPX (a 0xFFFF payload start, when
	 * there are two bytes after the header) or 802.2 LLC. */
	if (ntohs(proto) < ETH_P_802_3_MIN)
		proto = htons(len >= ETH_HLEN + 2 && eth[ETH_HLEN] == 0xff && eth[ETH_HLEN + 1] == 0xff
				  ? ETH_P_802_3
				  : ETH_P_802_2);
	skb->protocol = proto; /* network byte order, as Linux stores it */
	if (eth[0] & 1)
		skb->pkt_type = memcmp(eth, "\xff\xff\xff\xff\xff\xff", ETH_ALEN) ? PACKET_MULTICAST
										  : PACKET_BROADCAST;
	else
		skb->pkt_type = memcmp(eth, zero, ETH_ALEN) ? PACKET_OTHERHOST : PACKET_HOST;
}

/* Fields a caller's __sk_buff may set (bpf_ctx_init / convert___skb_to_skb); others must
 * be zero. */
static int skb_ctx_in(const struct run_input *in, struct __sk_buff *skb, struct log *log)
{
	struct __sk_buff u = {0};
	size_t n = in->ctx_size < sizeof(u) ? in->ctx_size : sizeof(u);

	if (!in->ctx_size)
		return 0;
	for (size_t i = sizeof(u); i < in->ctx_size; i++) {
		if (((const uint8_t *)in->ctx)[i]) {
			log_printf(log, "__sk_buff context: nonzero bytes past its end\n");
			return -EINVAL;
		}
	}
	memcpy(&u, in->ctx, n);
	skb->mark = u.mark;
	skb->priority = u.priority;
	skb->ingress_ifindex = u.ingress_ifindex;
	skb->ifindex = u.ifindex ? u.ifindex : skb->ifindex;
	memcpy(skb->cb, u.cb, sizeof(u.cb));
	skb->tstamp = u.tstamp;
	skb->wire_len = u.wire_len;
	skb->gso_segs = u.gso_segs;
	skb->gso_size = u.gso_size;
	skb->hwtstamp = u.hwtstamp;
	u.mark = u.priority = u.ingress_ifindex = u.ifindex = u.wire_len = u.gso_segs = 0;
	u.gso_size = 0;
	u.tstamp = u.hwtstamp = 0;
	memset(u.cb, 0, sizeof(u.cb));
	for (size_t i = 0; i < sizeof(u); i++) {
		if (((const uint8_t *)&u)[i]) {
			log_printf(log, "__sk_buff context: field at offset %zu cannot be set by the "
					"caller\n",
				   i);
			return -EINVAL;
		}
	}
	return 0;
}

static int build_skb(const struct prog_type *pt, const struct run_input *in, struct run_ctx *rc,
		     struct log *log)
{
	/* tc sees the Ethernet header; socket filters and cgroup_skb start at the network
	 * header, as test_run pushes the header back only for the former. */
	bool l2 = pt->type == BPF_PROG_TYPE_SCHED_CLS || pt->type == BPF_PROG_TYPE_SCHED_ACT;
	struct rt_skb *skb;
	int err = alloc_packet(pt, in, rc, log);

	if (err)
		return err;
	skb = calloc(1, sizeof(*skb));
	if (!skb)
		return -ENOMEM;
	rc->ctx = skb;
	rc->ctx_size = sizeof(*skb);
	eth_classify(rc->data, in->data_size, &skb->uapi);
	rc->pkt_mac = rc->data;
	skb->uapi.ifindex = 1;
	if (!l2)
		rc->data += ETH_HLEN;
	rc->data_meta = rc->data;
	skb->uapi.len = (uint32_t)(rc->data_end - rc->data);
	skb->uapi.wire_len = 0;
	skb->uapi.gso_segs = 1;
	err = skb_ctx_in(in, &skb->uapi, log);
	if (err)
		return err;
	skb->data = (uintptr_t)rc->data;
	skb->data_end = (uintptr_t)rc->data_end;
	skb->data_meta = (uintptr_t)rc->data_meta;
	rc->args[0] = (uintptr_t)skb;
	return 0;
}

static int build_xdp(const struct prog_type *pt, const struct run_input *in, struct run_ctx *rc,
		     struct log *log)
{
	struct rt_xdp *x;
	int err = alloc_packet(pt, in, rc, log);

	if (err)
		return err;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	rc->ctx = x;
	rc->ctx_size = sizeof(*x);
	if (in->ctx_size) {
		struct xdp_md u = {0};

		memcpy(&u, in->ctx, in->ctx_size < sizeof(u) ? in->ctx_size : sizeof(u));
		if (u.data || u.data_end || u.data_meta || u.egress_ifindex) {
			log_printf(log, "xdp_md context: only ingress_ifindex and rx_queue_index "
					"may be set\n");
			return -EINVAL;
		}
		x->uapi.ingress_ifindex = u.ingress_ifindex;
		x->uapi.rx_queue_index = u.rx_queue_index;
	} else {
		x->uapi.ingress_ifindex = 1;
	}
	x->data = (uintptr_t)rc->data;
	x->data_end = (uintptr_t)rc->data_end;
	x->data_meta = (uintptr_t)rc->data_meta;
	rc->args[0] = (uintptr_t)x;
	return 0;
}

int prog_type_move_packet(const struct prog_type *pt, struct run_ctx *rc, uint8_t *data,
			  uint8_t *data_end, uint8_t *data_meta)
{
	uint8_t *start = rc->pkt + XDP_FRAME_SIZE, *hard_end = rc->pkt + PKT_FRAME - PKT_TAILROOM;

	if (pt->type != BPF_PROG_TYPE_XDP || !rc->pkt || data_meta < start || data_meta > data || data + ETH_HLEN > data_end ||
	    data_end > hard_end)
		return -EINVAL;
	rc->data = data;
	rc->data_end = data_end;
	rc->data_meta = data_meta;
	struct rt_xdp *x = rc->ctx;

	x->data = (uintptr_t)data;
	x->data_end = (uintptr_t)data_end;
	x->data_meta = (uintptr_t)data_meta;
	return 0;
}

/* Contexts that are plain caller bytes: raw_tp arguments, syscall buffers. */
int prog_type_build_bytes(const struct prog_type *pt, const struct run_input *in,
			  struct run_ctx *rc, struct log *log)
{
	size_t size = pt->uapi_ctx_size ? pt->uapi_ctx_size : in->ctx_size;

	if (in->data_size) {
		log_printf(log, "%s programs take a context (--ctx), not packet data\n", pt->name);
		return -EINVAL;
	}
	if (in->ctx_size > size ||
	    (pt->type == BPF_PROG_TYPE_SYSCALL && in->ctx_size > RT_SYSCALL_CTX_MAX)) {
		log_printf(log, "%s context: %zu bytes, at most %zu\n", pt->name, in->ctx_size,
			   pt->type == BPF_PROG_TYPE_SYSCALL ? (size_t)RT_SYSCALL_CTX_MAX : size);
		return -EINVAL;
	}
	rc->ctx = calloc(1, pt->type == BPF_PROG_TYPE_SYSCALL ? RT_SYSCALL_CTX_MAX + 1
							   : (size ? size : 1));
	if (!rc->ctx)
		return -ENOMEM;
	rc->ctx_size = size;
	if (in->ctx_size)
		memcpy(rc->ctx, in->ctx, in->ctx_size);
	rc->args[0] = size ? (uintptr_t)rc->ctx : 0;
	return 0;
}

/* exbpf's raw type: r1 = the data, r2 = its length. */
static int build_raw(const struct prog_type *pt, const struct run_input *in, struct run_ctx *rc,
		     struct log *log)
{
	(void)pt;
	(void)log;
	rc->pkt_size = in->data_size;
	rc->pkt = calloc(1, in->data_size ? in->data_size : 1);
	if (!rc->pkt)
		return -ENOMEM;
	if (in->data_size)
		memcpy(rc->pkt, in->data, in->data_size);
	rc->data = rc->data_meta = rc->pkt;
	rc->data_end = rc->pkt + in->data_size;
	rc->args[0] = (uintptr_t)rc->pkt;
	rc->args[1] = in->data_size;
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_RET 1, 0

static const struct prog_type types[] = {
	{BPF_PROG_TYPE_SCHED_CLS, "sched_cls", sizeof(struct __sk_buff), sizeof(struct rt_skb),
	 skb_tc, N(skb_tc), true, ETH_HLEN, PKT_MAX, true, ANY_RET, build_skb},
	{BPF_PROG_TYPE_SCHED_ACT, "sched_act", sizeof(struct __sk_buff), sizeof(struct rt_skb),
	 skb_tc, N(skb_tc), true, ETH_HLEN, PKT_MAX, true, ANY_RET, build_skb},
	{BPF_PROG_TYPE_CGROUP_SKB, "cgroup_skb", sizeof(struct __sk_buff), sizeof(struct rt_skb),
	 skb_cgroup, N(skb_cgroup), true, ETH_HLEN, PKT_MAX, true, 0, 1, build_skb},
	{BPF_PROG_TYPE_SOCKET_FILTER, "socket_filter", sizeof(struct __sk_buff),
	 sizeof(struct rt_skb), skb_socket, N(skb_socket), true, ETH_HLEN, PKT_MAX, true, ANY_RET,
	 build_skb},
	{BPF_PROG_TYPE_XDP, "xdp", sizeof(struct xdp_md), sizeof(struct rt_xdp), xdp_fields,
	 N(xdp_fields), true, ETH_HLEN, PKT_MAX, true, ANY_RET, build_xdp},
	{BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint", RAW_TP_ARGS * 8, RAW_TP_ARGS * 8, NULL,
	 0, false, 0, 0, true, ANY_RET, prog_type_build_bytes},
	{BPF_PROG_TYPE_TRACING, "tracing", RAW_TP_ARGS * 8, RAW_TP_ARGS * 8, NULL, 0, false, 0,
	 0, true, ANY_RET, prog_type_build_bytes},
	{BPF_PROG_TYPE_SYSCALL, "syscall", 0, 0, NULL, 0, false, 0, 0, true, ANY_RET,
	 prog_type_build_bytes},
	{EXBPF_PROG_TYPE_RAW, "raw", 0, 0, NULL, 0, true, 0, 1u << 30, false, ANY_RET, build_raw},
};

const struct prog_type *prog_type_find(uint32_t type)
{
	for (size_t i = 0; i < N(types); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

const struct ctx_field *ctx_field_find(const struct prog_type *pt, uint32_t off, uint32_t size)
{
	for (size_t i = 0; i < pt->nfields; i++) {
		const struct ctx_field *f = &pt->fields[i];

		if (off >= f->off && off < f->off + f->size)
			return off + size <= (uint32_t)f->off + f->size ? f : NULL;
	}
	return NULL;
}

/* Contexts without a field table (raw_tp arguments, syscall buffers). */
static int flat_access(const struct prog_type *pt, struct run_ctx *rc, uint32_t off,
		       uint32_t size, bool write, uint64_t *val, const char **why)
{
	if ((uint64_t)off + size > rc->ctx_size || off % size) {
		*why = "outside the context or misaligned";
		return -EACCES;
	}
	if (write && pt->type != BPF_PROG_TYPE_SYSCALL) {
		*why = "the context is read-only";
		return -EACCES;
	}
	if (write) {
		memcpy((uint8_t *)rc->ctx + off, val, size);
	} else {
		*val = 0;
		memcpy(val, (uint8_t *)rc->ctx + off, size);
	}
	return 0;
}

int ctx_access(const struct prog_type *pt, struct run_ctx *rc, uint32_t off, uint32_t size,
	       bool write, uint64_t *val, const char **why)
{
	const struct ctx_field *f;

	*why = NULL;
	if (!pt->fields)
		return flat_access(pt, rc, off, size, write, val, why);
	f = ctx_field_find(pt, off, size);
	if (!f || (off - f->off) % size) {
		*why = "no such field, or a misaligned access";
		return -EACCES;
	}
	if (!(f->flags & (write ? CTX_WRITE : CTX_READ))) {
		*why = write ? "the field is read-only" : "the field cannot be read";
		return -EACCES;
	}
	if (f->kind != CTX_PLAIN) {
		if (size != 4) {
			*why = "packet pointers are read with 32-bit loads";
			return -EACCES;
		}
		memcpy(val, (uint8_t *)rc->ctx + f->real_off, 8);
		return 0;
	}
	if (size != f->size && (write || !(f->flags & CTX_NARROW)) && f->size <= 8) {
		*why = "the field must be accessed whole";
		return -EACCES;
	}
	if (write) {
		memcpy((uint8_t *)rc->ctx + f->real_off + (off - f->off), val, size);
	} else {
		*val = 0;
		memcpy(val, (uint8_t *)rc->ctx + f->real_off + (off - f->off), size);
	}
	return 0;
}

void run_ctx_free(struct run_ctx *rc)
{
	free(rc->ctx);
	free(rc->pkt);
	memset(rc, 0, sizeof(*rc));
}
