/* Dynamic pointers: struct bpf_dynptr as exbpf lays out its 16 bytes (the memory, its size
 * and kind, an offset into it), and the helpers over local dynptrs (a map value), ring-buffer
 * ones (a reserved sample) and packet ones (an skb's data or metadata, an xdp buffer). A failed
 * constructor leaves a null dynptr, which every other helper refuses, as in Linux. */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include "runtime/helpers.h"
#include "runtime/kfuncs.h"
#include "runtime/map.h"
#include "runtime/prog_type.h"

#define H(name) RT_HELPER(name)

#define DYNPTR_MAX_SIZE ((1u << 24) - 1) /* Linux's DYNPTR_MAX_SIZE */
#define DYNPTR_SIZE_MASK DYNPTR_MAX_SIZE
#define DYNPTR_KIND_SHIFT 28
#define DYNPTR_RDONLY (1u << 31)

enum { DYNPTR_LOCAL = 1, DYNPTR_RINGBUF, DYNPTR_SKB, DYNPTR_XDP, DYNPTR_SKB_META };

/* A packet dynptr's data is the context it was made over; its offset counts from the start
 * of the packet (or of the metadata) as it is at each access, as Linux's do. */
struct rt_dynptr {
	uint8_t *data;
	uint32_t size; /* bytes in the low 24 bits, the kind from bit 28, read-only in bit 31 */
	uint32_t offset;
};

_Static_assert(sizeof(struct rt_dynptr) == 16, "struct bpf_dynptr is 16 bytes");

/* The dynptr argument (verified programs: a dynptr the verifier tracked; unverified ones:
 * 16 bytes of the program's memory, whatever they hold). */
static struct rt_dynptr *dynptr_arg(struct exbpf_run *run, uint64_t addr, bool write)
{
	if (!rt_arg_mem(run, addr, sizeof(struct rt_dynptr), write, "dynptr"))
		return NULL;
	return (struct rt_dynptr *)(uintptr_t)addr;
}

static void set(struct rt_dynptr *p, void *data, uint32_t size, uint32_t kind)
{
	p->data = data;
	p->size = data ? size | kind << DYNPTR_KIND_SHIFT : 0;
	p->offset = 0;
}

static uint32_t size_of(const struct rt_dynptr *p) { return p->size & DYNPTR_SIZE_MASK; }

static uint32_t kind_of(const struct rt_dynptr *p) { return p->size >> DYNPTR_KIND_SHIFT & 7; }

static bool rdonly(const struct rt_dynptr *p) { return p->data && (p->size & DYNPTR_RDONLY); }

static bool is_pkt(const struct rt_dynptr *p)
{
	uint32_t k = kind_of(p);

	return k == DYNPTR_SKB || k == DYNPTR_XDP || k == DYNPTR_SKB_META;
}

/* [offset, offset + len) inside the dynptr: 0 or -E2BIG (Linux's bpf_dynptr_check_off_len). */
static int check_off_len(const struct rt_dynptr *p, uint64_t offset, uint64_t len)
{
	uint32_t size = size_of(p);

	return len > size || offset > size - len ? -E2BIG : 0;
}

/* The packet bytes a packet dynptr covers now: its kind's part of the run's packet. NULL (the
 * run failed) when the dynptr is not over the run's context, which only a forged one of an
 * unverified program can be. */
static uint8_t *pkt_span(struct exbpf_run *run, const struct rt_dynptr *p, size_t *avail)
{
	const struct run_ctx *rc = rt_run_of(run)->rc;

	if (!rc || !rc->data || (uintptr_t)p->data != rc->args[0]) {
		vm_run_fail(run, -EINVAL, "packet dynptr over something other than the run's context");
		return NULL;
	}
	if (kind_of(p) == DYNPTR_SKB_META) {
		*avail = (size_t)(rc->data - rc->data_meta);
		return rc->data_meta;
	}
	*avail = (size_t)(rc->data_end - rc->data);
	return rc->data;
}

/* The bytes [offset, offset + len) of the dynptr's memory, inside its size: 0 with *at, -EFAULT
 * when a packet no longer holds them, 1 when the run failed (unverified runs check every
 * byte: a forged dynptr points anywhere). */
static int bytes(struct exbpf_run *run, const struct rt_dynptr *p, uint64_t offset, uint64_t len,
		 bool write, uint8_t **at)
{
	uint8_t *base = p->data;
	uint64_t from = (uint64_t)p->offset + offset;

	if (is_pkt(p)) {
		size_t avail;

		if (!(base = pkt_span(run, p, &avail)))
			return 1;
		if (from > avail || len > avail - from)
			return -EFAULT;
	}
	*at = base + from;
	return rt_arg_mem(run, (uintptr_t)*at, len, write, "dynptr memory") ? 0 : 1;
}

/* Writes len bytes through the dynptr (Linux's __bpf_dynptr_write): skb ones take
 * bpf_skb_store_bytes' flags, which a linear packet without checksum offload ignores. */
static int write_bytes(struct exbpf_run *run, const struct rt_dynptr *p, uint64_t offset,
		       const void *src, uint64_t len, uint64_t flags)
{
	uint64_t ok_flags = kind_of(p) == DYNPTR_SKB ? BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH : 0;
	uint8_t *dst;
	int err;

	if (!p->data || rdonly(p))
		return -EINVAL;
	if ((err = check_off_len(p, offset, len)))
		return err;
	if (flags & ~ok_flags)
		return -EINVAL;
	if ((err = bytes(run, p, offset, len, true, &dst)))
		return err == 1 ? 0 : err; /* 1: the run failed, its result unused */
	memmove(dst, src, len);
	return 0;
}

/* Reads len bytes (Linux's __bpf_dynptr_read). */
static int read_bytes(struct exbpf_run *run, const struct rt_dynptr *p, uint64_t offset, void *dst,
		      uint64_t len, uint64_t flags)
{
	uint8_t *src;
	int err;

	if (!p->data || flags)
		return -EINVAL;
	if ((err = check_off_len(p, offset, len)))
		return err;
	if ((err = bytes(run, p, offset, len, false, &src)))
		return err == 1 ? 0 : err;
	memmove(dst, src, len);
	return 0;
}

/* A slice: the bytes in place, or NULL when they are not all there (exbpf's packets are
 * linear, so a buffer is never needed) or, writable, when the dynptr is read-only. */
static uint64_t slice(struct exbpf_run *run, uint64_t ptr, uint64_t offset, uint64_t len, bool write)
{
	struct rt_dynptr *p = dynptr_arg(run, ptr, false);
	uint8_t *at;

	if (!p || !p->data || (write && rdonly(p)) || check_off_len(p, offset, len) ||
	    bytes(run, p, offset, len, write, &at))
		return 0;
	return (uintptr_t)at;
}

H(rt_dynptr_from_mem)
{
	struct rt_dynptr *p = dynptr_arg(run, r4, true);

	(void)r5;
	if (!p)
		return 0;
	if (r2 > DYNPTR_MAX_SIZE || r3) {
		set(p, NULL, 0, 0);
		return r2 > DYNPTR_MAX_SIZE ? (uint64_t)-E2BIG : (uint64_t)-EINVAL;
	}
	if (!rt_arg_mem(run, r1, r2, true, "dynptr_from_mem data"))
		return 0;
	set(p, (void *)(uintptr_t)r1, (uint32_t)r2, DYNPTR_LOCAL);
	return 0;
}

H(rt_ringbuf_reserve_dynptr)
{
	struct rt_dynptr *p = dynptr_arg(run, r4, true);
	void *s;

	(void)r5;
	if (!p)
		return 0;
	set(p, NULL, 0, 0);
	if (r3)
		return (uint64_t)-EINVAL;
	if (r2 > DYNPTR_MAX_SIZE)
		return (uint64_t)-E2BIG;
	s = rt_ringbuf_reserve_held(run, r1, r2, 0, "ringbuf_reserve_dynptr");
	if (!s)
		return (uint64_t)-EINVAL;
	set(p, s, (uint32_t)r2, DYNPTR_RINGBUF);
	return 0;
}

static void release(struct exbpf_run *run, uint64_t ptr, uint64_t flags, bool submit)
{
	struct rt_dynptr *p = dynptr_arg(run, ptr, true);

	if (!p || !p->data)
		return;
	if (kind_of(p) != DYNPTR_RINGBUF) {
		vm_run_fail(run, -EINVAL, "ringbuf submit/discard of a dynptr that is not a ring buffer's");
		return;
	}
	if (!rt_unhold(run, (uintptr_t)p->data, RT_HELD_RINGBUF,
		       submit ? "ringbuf_submit_dynptr" : "ringbuf_discard_dynptr"))
		return;
	if (submit)
		ringbuf_submit(p->data, flags);
	else
		ringbuf_discard(p->data, flags);
	set(p, NULL, 0, 0);
}

H(rt_ringbuf_submit_dynptr)
{
	(void)r3, (void)r4, (void)r5;
	release(run, r1, r2, true);
	return 0;
}

H(rt_ringbuf_discard_dynptr)
{
	(void)r3, (void)r4, (void)r5;
	release(run, r1, r2, false);
	return 0;
}

H(rt_dynptr_read)
{
	struct rt_dynptr *p = dynptr_arg(run, r3, false);
	int err;

	if (!p)
		return 0;
	if (r2 && !rt_arg_mem(run, r1, r2, true, "dynptr_read destination"))
		return 0;
	err = read_bytes(run, p, r4, (void *)(uintptr_t)r1, r2, r5);
	return (uint64_t)(int64_t)err;
}

H(rt_dynptr_write)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);
	int err;

	if (!p)
		return 0;
	if (r4 && !rt_arg_mem(run, r3, r4, false, "dynptr_write source"))
		return 0;
	err = write_bytes(run, p, r2, (const void *)(uintptr_t)r3, r4, r5);
	return (uint64_t)(int64_t)err;
}

/* Packet dynptrs give no direct pointer (Linux: use bpf_dynptr_slice). */
H(rt_dynptr_data)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r4, (void)r5;
	return !p || is_pkt(p) ? 0 : slice(run, r1, r2, r3, true);
}

/* ---- The dynptr kfuncs (registered by name, like every kfunc). */

#undef H
#define H(name) static RT_HELPER(name)

H(rt_dynptr_size)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!p)
		return 0;
	return p->data ? size_of(p) : (uint64_t)-EINVAL;
}

H(rt_dynptr_is_null)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r2, (void)r3, (void)r4, (void)r5;
	return p && !p->data;
}

H(rt_dynptr_is_rdonly)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r2, (void)r3, (void)r4, (void)r5;
	return p && rdonly(p);
}

/* [start, end) of the dynptr becomes the dynptr: -ERANGE past its end, -EINVAL reversed. */
H(rt_dynptr_adjust)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, true);
	uint32_t start = (uint32_t)r2, end = (uint32_t)r3, size;

	(void)r4, (void)r5;
	if (!p)
		return 0;
	if (!p->data)
		return (uint64_t)-EINVAL;
	size = size_of(p);
	if (start > size || end > size)
		return (uint64_t)-ERANGE;
	if (start > end)
		return (uint64_t)-EINVAL;
	p->offset += start;
	p->size = (end - start) | (p->size & ~DYNPTR_SIZE_MASK);
	return 0;
}

H(rt_dynptr_clone)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false), *c = dynptr_arg(run, r2, true);

	(void)r3, (void)r4, (void)r5;
	if (!p || !c)
		return 0;
	if (!p->data) {
		set(c, NULL, 0, 0);
		return (uint64_t)-EINVAL;
	}
	*c = *p;
	return 0;
}

H(rt_dynptr_slice)
{
	(void)r3, (void)r5;
	return slice(run, r1, r2, (uint32_t)r4, false);
}

H(rt_dynptr_slice_rdwr)
{
	(void)r3, (void)r5;
	return slice(run, r1, r2, (uint32_t)r4, true);
}

/* bpf_dynptr_copy(dst, dst_off, src, src_off, size): overlapping ranges of one memory are
 * copied as memmove would. */
H(rt_dynptr_copy)
{
	struct rt_dynptr *dst = dynptr_arg(run, r1, false), *src = dynptr_arg(run, r3, false);
	uint32_t off = (uint32_t)r2, soff = (uint32_t)r4, size = (uint32_t)r5;
	uint8_t *from;
	int err;

	if (!dst || !src)
		return 0;
	if ((err = check_off_len(dst, off, size)) || (err = check_off_len(src, soff, size)))
		return (uint64_t)(int64_t)err;
	if (!src->data)
		return (uint64_t)-EINVAL;
	if ((err = bytes(run, src, soff, size, false, &from)))
		return err == 1 ? 0 : (uint64_t)(int64_t)err;
	err = write_bytes(run, dst, off, from, size, 0);
	return (uint64_t)(int64_t)err;
}

/* bpf_dynptr_memset(p, offset, size, val). */
H(rt_dynptr_memset)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);
	uint32_t off = (uint32_t)r2, size = (uint32_t)r3;
	uint8_t *at;
	int err;

	(void)r5;
	if (!p)
		return 0;
	if (rdonly(p))
		return (uint64_t)-EINVAL;
	if ((err = check_off_len(p, off, size)))
		return (uint64_t)(int64_t)err;
	if (!p->data)
		return (uint64_t)-EINVAL;
	if ((err = bytes(run, p, off, size, true, &at)))
		return err == 1 ? 0 : (uint64_t)(int64_t)err;
	memset(at, (uint8_t)r4, size);
	return 0;
}

/* bpf_probe_read_{kernel,user}{,_str}_dynptr(p, offset, size, unsafe): a probe read into
 * the dynptr (rt_read_nofault); the string forms return the bytes written, the NUL included. */
static uint64_t probe_into(struct exbpf_run *run, uint64_t ptr, uint32_t off, uint32_t size,
			   uint64_t unsafe, bool str)
{
	struct rt_dynptr *p = dynptr_arg(run, ptr, false);
	uint8_t *at;
	int err;

	if (!p)
		return 0;
	if ((err = check_off_len(p, off, size)))
		return (uint64_t)(int64_t)err;
	if (!p->data || rdonly(p))
		return (uint64_t)-EINVAL;
	if ((err = bytes(run, p, off, size, true, &at)))
		return err == 1 ? 0 : (uint64_t)(int64_t)err;
	err = str ? rt_read_str_nofault(run, (char *)at, unsafe, size) : rt_read_nofault(run, at, unsafe, size);
	return (uint64_t)(int64_t)err;
}

H(rt_probe_read_dynptr)
{
	(void)r5;
	return probe_into(run, r1, (uint32_t)r2, (uint32_t)r3, r4, false);
}

H(rt_probe_read_str_dynptr)
{
	(void)r5;
	return probe_into(run, r1, (uint32_t)r2, (uint32_t)r3, r4, true);
}

/* bpf_dynptr_from_skb / _from_skb_meta / _from_xdp over the run's context: the packet's (or
 * metadata's) length now is the dynptr's size. Read-only where the program type may not
 * write its packet, as Linux makes it. */
static uint64_t from_pkt(struct exbpf_run *run, uint64_t ctx, uint64_t flags, uint64_t ptr,
			 uint32_t kind, const char *name)
{
	struct rt_run *rr = rt_run_of(run);
	struct rt_dynptr *p = dynptr_arg(run, ptr, true);
	uint32_t type = rr->prog->pt->type;
	bool tc = type == BPF_PROG_TYPE_SCHED_CLS || type == BPF_PROG_TYPE_SCHED_ACT;
	bool serves = kind == DYNPTR_XDP	? type == BPF_PROG_TYPE_XDP
		      : kind == DYNPTR_SKB_META ? tc
						: tc || type == BPF_PROG_TYPE_SOCKET_FILTER ||
							  type == BPF_PROG_TYPE_CGROUP_SKB;
	size_t avail;

	if (!p)
		return 0;
	if (!serves || !rr->rc || ctx != rr->rc->args[0]) {
		vm_run_fail(run, -EINVAL, "%s: argument 0 is not the context of a program type it serves",
			    name);
		return 0;
	}
	set(p, NULL, 0, 0);
	if (flags)
		return (uint64_t)-EINVAL;
	set(p, (void *)(uintptr_t)ctx, 0, kind);
	if (!pkt_span(run, p, &avail))
		return 0;
	set(p, (void *)(uintptr_t)ctx, (uint32_t)avail, kind);
	if (type == BPF_PROG_TYPE_SOCKET_FILTER || type == BPF_PROG_TYPE_CGROUP_SKB)
		p->size |= DYNPTR_RDONLY;
	return 0;
}

H(rt_dynptr_from_skb)
{
	(void)r4, (void)r5;
	return from_pkt(run, r1, r2, r3, DYNPTR_SKB, "bpf_dynptr_from_skb");
}

H(rt_dynptr_from_skb_meta)
{
	(void)r4, (void)r5;
	return from_pkt(run, r1, r2, r3, DYNPTR_SKB_META, "bpf_dynptr_from_skb_meta");
}

H(rt_dynptr_from_xdp)
{
	(void)r4, (void)r5;
	return from_pkt(run, r1, r2, r3, DYNPTR_XDP, "bpf_dynptr_from_xdp");
}

#define A(k) EXBPF_ARG_##k
#define NS EXBPF_FN_NEVER_STOPS
#define P(RET, ...) {.ret = EXBPF_RET_##RET, .flags = NS, .args = {__VA_ARGS__}}
#define PROBE P(INTEGER, A(PTR_TO_DYNPTR), A(SCALAR), A(SCALAR), A(ANYTHING))

const struct rt_kfunc rt_dynptr_kfuncs[] = {
	{"bpf_dynptr_size", rt_dynptr_size, P(INTEGER, A(PTR_TO_DYNPTR))},
	{"bpf_dynptr_is_null", rt_dynptr_is_null, P(INTEGER, A(PTR_TO_DYNPTR))},
	{"bpf_dynptr_is_rdonly", rt_dynptr_is_rdonly, P(INTEGER, A(PTR_TO_DYNPTR))},
	{"bpf_dynptr_adjust", rt_dynptr_adjust, P(INTEGER, A(PTR_TO_DYNPTR), A(SCALAR), A(SCALAR))},
	{"bpf_dynptr_clone", rt_dynptr_clone, P(INTEGER, A(PTR_TO_DYNPTR), A(PTR_TO_UNINIT_DYNPTR_CLONE))},
	{"bpf_dynptr_slice", rt_dynptr_slice,
	 P(DYNPTR_RDONLY_MEM_OR_NULL, A(PTR_TO_DYNPTR), A(SCALAR), A(PTR_TO_MEM_OR_NULL),
	   A(CONST_SIZE_K))},
	{"bpf_dynptr_slice_rdwr", rt_dynptr_slice_rdwr,
	 P(DYNPTR_MEM_OR_NULL, A(PTR_TO_DYNPTR), A(SCALAR), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_K))},
	{"bpf_dynptr_copy", rt_dynptr_copy,
	 P(INTEGER, A(PTR_TO_DYNPTR), A(SCALAR), A(PTR_TO_DYNPTR), A(SCALAR), A(SCALAR))},
	{"bpf_dynptr_memset", rt_dynptr_memset,
	 P(INTEGER, A(PTR_TO_DYNPTR), A(SCALAR), A(SCALAR), A(SCALAR))},
	{"bpf_probe_read_kernel_dynptr", rt_probe_read_dynptr, PROBE},
	{"bpf_probe_read_user_dynptr", rt_probe_read_dynptr, PROBE},
	{"bpf_probe_read_kernel_str_dynptr", rt_probe_read_str_dynptr, PROBE},
	{"bpf_probe_read_user_str_dynptr", rt_probe_read_str_dynptr, PROBE},
	{"bpf_dynptr_from_skb", rt_dynptr_from_skb,
	 P(INTEGER, A(PTR_TO_CTX), A(SCALAR), A(PTR_TO_UNINIT_DYNPTR_SKB))},
	{"bpf_dynptr_from_skb_meta", rt_dynptr_from_skb_meta,
	 P(INTEGER, A(PTR_TO_CTX), A(SCALAR), A(PTR_TO_UNINIT_DYNPTR_SKB_META))},
	{"bpf_dynptr_from_xdp", rt_dynptr_from_xdp,
	 P(INTEGER, A(PTR_TO_CTX), A(SCALAR), A(PTR_TO_UNINIT_DYNPTR_XDP))},
};

const size_t rt_dynptr_nkfuncs = sizeof(rt_dynptr_kfuncs) / sizeof(rt_dynptr_kfuncs[0]);
