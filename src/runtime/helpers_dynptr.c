/* Dynamic pointers: struct bpf_dynptr as exbpf lays out its 16 bytes (the memory, its size
 * and kind, an offset into it), and the helpers over local dynptrs (a map value) and
 * ring-buffer ones (a reserved sample). A failed constructor leaves a null dynptr, which every
 * other helper refuses, as in Linux. */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include "runtime/helpers.h"
#include "runtime/kfuncs.h"
#include "runtime/map.h"

#define H(name) RT_HELPER(name)

#define DYNPTR_MAX_SIZE ((1u << 24) - 1) /* Linux's DYNPTR_MAX_SIZE */
#define DYNPTR_SIZE_MASK DYNPTR_MAX_SIZE
#define DYNPTR_KIND_SHIFT 28

enum { DYNPTR_LOCAL = 1, DYNPTR_RINGBUF = 2 };

struct rt_dynptr {
	uint8_t *data;
	uint32_t size; /* bytes in the low 24 bits, the kind from bit 28 */
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

/* [offset, offset + len) inside the dynptr: 0 or -E2BIG (Linux's bpf_dynptr_check_off_len). */
static int check_off_len(const struct rt_dynptr *p, uint64_t offset, uint64_t len)
{
	uint32_t size = size_of(p);

	return len > size || offset > size - len ? -E2BIG : 0;
}

/* The bytes [offset, offset + len) of the dynptr's memory, checked in unverified runs (a
 * forged dynptr points anywhere). NULL when the run failed. */
static uint8_t *bytes(struct exbpf_run *run, const struct rt_dynptr *p, uint64_t offset,
		      uint64_t len, bool write)
{
	uint8_t *at = p->data + p->offset + offset;

	return rt_arg_mem(run, (uintptr_t)at, len, write, "dynptr memory") ? at : NULL;
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
	uint8_t *src;
	int err;

	if (!p)
		return 0;
	if (!p->data || r5)
		return (uint64_t)-EINVAL;
	if ((err = check_off_len(p, r4, r2)))
		return (uint64_t)(int64_t)err;
	if (!rt_arg_mem(run, r1, r2, true, "dynptr_read destination") || !(src = bytes(run, p, r4, r2, false)))
		return 0;
	memmove((void *)(uintptr_t)r1, src, r2);
	return 0;
}

H(rt_dynptr_write)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);
	uint8_t *dst;
	int err;

	if (!p)
		return 0;
	if (!p->data)
		return (uint64_t)-EINVAL;
	if ((err = check_off_len(p, r2, r4)))
		return (uint64_t)(int64_t)err;
	if (r5)
		return (uint64_t)-EINVAL;
	if (!rt_arg_mem(run, r3, r4, false, "dynptr_write source") || !(dst = bytes(run, p, r2, r4, true)))
		return 0;
	memmove(dst, (const void *)(uintptr_t)r3, r4);
	return 0;
}

H(rt_dynptr_data)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r4, (void)r5;
	if (!p || !p->data || check_off_len(p, r2, r3))
		return 0;
	return (uintptr_t)bytes(run, p, r2, r3, true);
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

/* Local and ring-buffer dynptrs are never read-only. */
H(rt_dynptr_is_rdonly)
{
	(void)dynptr_arg(run, r1, false);
	(void)r2, (void)r3, (void)r4, (void)r5;
	return 0;
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

/* A slice of [offset, offset + len) in place (the buffer serves dynptrs whose memory is not
 * contiguous, which local and ring-buffer ones always are), or NULL when it does not fit. */
H(rt_dynptr_slice)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r3, (void)r5;
	if (!p || !p->data || check_off_len(p, r2, (uint32_t)r4))
		return 0;
	return (uintptr_t)bytes(run, p, r2, (uint32_t)r4, false);
}

H(rt_dynptr_slice_rdwr)
{
	struct rt_dynptr *p = dynptr_arg(run, r1, false);

	(void)r3, (void)r5;
	if (!p || !p->data || check_off_len(p, r2, (uint32_t)r4))
		return 0;
	return (uintptr_t)bytes(run, p, r2, (uint32_t)r4, true);
}

#define A(k) EXBPF_ARG_##k
#define NS EXBPF_FN_NEVER_STOPS
#define P(RET, ...) {.ret = EXBPF_RET_##RET, .flags = NS, .args = {__VA_ARGS__}}

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
};

const size_t rt_dynptr_nkfuncs = sizeof(rt_dynptr_kfuncs) / sizeof(rt_dynptr_kfuncs[0]);
