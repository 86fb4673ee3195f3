/* Ring buffers: Linux's record layout, reserve/submit/discard/output/query, consumption. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/map.h"
#include "testlib.h"

static struct exbpf_map *mk_ring(uint32_t size)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "rb", .type = BPF_MAP_TYPE_RINGBUF,
		   .max_entries = size, .spin_lock_off = -1);
	struct exbpf_map *m = NULL;

	if (exbpf_map__create(&a, &m, NULL, 0))
		test_fail(__FILE__, __LINE__, "ringbuf create");
	return m;
}

struct seen {
	int n;
	uint32_t sizes[64];
	uint8_t first[64];
};

static int record(void *ctx, const void *data, size_t size)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		s->sizes[s->n] = (uint32_t)size;
		s->first[s->n] = size ? *(const uint8_t *)data : 0;
	}
	s->n++;
	return 0;
}

TEST(map_ringbuf_basics)
{
	long page = sysconf(_SC_PAGESIZE);
	struct exbpf_map *m = mk_ring((uint32_t)page);
	struct seen s = {0};
	uint8_t *a, *b, *c;

	if (!m)
		return;
	CHECK_EQ(ringbuf_query(m, BPF_RB_RING_SIZE), page);
	CHECK_EQ(ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	CHECK_EQ(ringbuf_query(m, 99), 0);
	CHECK(ringbuf_reserve(m, 8, BPF_RB_NO_WAKEUP) == NULL); /* reserve takes no flags */
	a = ringbuf_reserve(m, 5, 0);
	b = ringbuf_reserve(m, 16, 0);
	c = ringbuf_reserve(m, 1, 0);
	CHECK(a && b && c);
	if (!a || !b || !c)
		return;
	CHECK(((uintptr_t)a & 7) == 0);
	/* Header: length with BUSY, then the page offset from the ring's start back to it. */
	uint32_t *hdr = (uint32_t *)(a - 8);
	CHECK_EQ(hdr[0], 5u | BPF_RINGBUF_BUSY_BIT);
	uintptr_t pg = (uintptr_t)hdr & ~(uintptr_t)(page - 1);
	CHECK_EQ(pg - ((uintptr_t)hdr[1] * (uintptr_t)page), (uintptr_t)m);
	CHECK_EQ(b - a, 16); /* 5 + 8 rounded to 8 */
	CHECK_EQ(c - b, 24);
	CHECK_EQ(ringbuf_query(m, BPF_RB_PROD_POS), 16 + 24 + 16);
	CHECK_EQ(ringbuf_query(m, BPF_RB_AVAIL_DATA), 56);
	a[0] = 0xaa;
	b[0] = 0xbb;
	c[0] = 0xcc;
	/* Nothing is consumed while the first record is BUSY, in order. */
	ringbuf_submit(b, 0);
	CHECK_EQ(exbpf_ringbuf__consume(m, record, &s), 0);
	ringbuf_submit(a, BPF_RB_FORCE_WAKEUP);
	CHECK_EQ(exbpf_ringbuf__consume(m, record, &s), 2);
	CHECK_EQ(s.sizes[0], 5);
	CHECK_EQ(s.first[0], 0xaa);
	CHECK_EQ(s.sizes[1], 16);
	CHECK_EQ(s.first[1], 0xbb);
	CHECK_EQ(hdr[0], 5u);
	ringbuf_discard(c, 0);
	CHECK_EQ(hdr[0 + (c - a) / 4], 1u | BPF_RINGBUF_DISCARD_BIT);
	CHECK_EQ(exbpf_ringbuf__consume(m, record, &s), 0); /* discarded: skipped */
	CHECK_EQ(ringbuf_query(m, BPF_RB_CONS_POS), 56);
	CHECK_EQ(ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	/* output = reserve + copy + submit. */
	uint8_t data[3] = {0x33, 1, 2};
	CHECK_EQ(ringbuf_output(m, data, 3, 0), 0);
	CHECK_EQ(ringbuf_output(m, data, 3, 4), -EINVAL);
	CHECK_EQ(ringbuf_output(m, data, 0, BPF_RB_NO_WAKEUP), 0);
	CHECK_EQ(exbpf_ringbuf__consume(m, record, &s), 2);
	CHECK_EQ(s.sizes[2], 3);
	CHECK_EQ(s.first[2], 0x33);
	CHECK_EQ(s.sizes[3], 0);
	/* Generic calls do not apply. */
	CHECK_EQ(exbpf_map__update_elem(m, NULL, data, 0), -EOPNOTSUPP);
	CHECK_EQ(exbpf_map__get_next_key(m, NULL, data), -EOPNOTSUPP);
	CHECK_EQ(exbpf_ringbuf__consume(NULL, record, &s), -EINVAL);
	exbpf_map__put(m);
}

TEST(map_ringbuf_full)
{
	long page = sysconf(_SC_PAGESIZE);
	struct exbpf_map *m = mk_ring((uint32_t)page);
	struct seen s = {0};
	int n = 0;

	if (!m)
		return;
	/* Bigger than the ring, or than what it has left. */
	CHECK(ringbuf_reserve(m, (uint64_t)page, 0) == NULL);
	CHECK(ringbuf_reserve(m, (uint64_t)page - 8, 0) == NULL); /* the ring keeps one byte */
	CHECK(ringbuf_reserve(m, 1ull << 40, 0) == NULL);
	CHECK_EQ(ringbuf_output(m, &n, (uint64_t)page, 0), -EAGAIN);
	void *r;
	while ((r = ringbuf_reserve(m, 120, 0)) != NULL) {
		ringbuf_submit(r, 0);
		n++;
	}
	CHECK_EQ(n, (page - 1) / 128);
	CHECK_EQ(exbpf_ringbuf__consume(m, record, &s), n);
	CHECK(ringbuf_reserve(m, 120, 0) != NULL); /* room again */
	exbpf_map__put(m);
}

/* Records crossing the end of the data area are contiguous (the pages are mapped twice). */
struct wrap_ctx {
	uint32_t next;
	int bad;
};

static int check_seq(void *ctx, const void *data, size_t size)
{
	struct wrap_ctx *w = ctx;
	const uint8_t *p = data;

	for (size_t i = 0; i < size; i++)
		if (p[i] != (uint8_t)(w->next + i))
			w->bad++;
	w->next++;
	return 0;
}

TEST(map_ringbuf_wrap_around)
{
	long page = sysconf(_SC_PAGESIZE);
	struct exbpf_map *m = mk_ring((uint32_t)page);
	struct wrap_ctx w = {0};
	uint32_t made = 0;
	int wrapped = 0;

	if (!m)
		return;
	for (int round = 0; round < 200; round++) {
		uint32_t size = 100 + (uint32_t)round * 7 % 300;
		uint64_t before = ringbuf_query(m, BPF_RB_PROD_POS);
		uint8_t *r = ringbuf_reserve(m, size, 0);

		CHECK(r != NULL);
		if (!r)
			break;
		if ((before & (uint64_t)(page - 1)) + 8 + size > (uint64_t)page)
			wrapped++;
		for (uint32_t i = 0; i < size; i++)
			r[i] = (uint8_t)(made + i);
		made++;
		ringbuf_submit(r, 0);
		CHECK_EQ(exbpf_ringbuf__consume(m, check_seq, &w), 1);
	}
	CHECK(wrapped > 0);
	CHECK_EQ(w.next, made);
	CHECK_EQ(w.bad, 0);
	exbpf_map__put(m);
}

static int stop_at_second(void *ctx, const void *data, size_t size)
{
	return ++*(int *)ctx == 2 ? -42 : 0;
}

TEST(map_ringbuf_callback_error)
{
	struct exbpf_map *m = mk_ring((uint32_t)sysconf(_SC_PAGESIZE));
	int calls = 0, x = 0;

	if (!m)
		return;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(ringbuf_output(m, &x, sizeof(x), 0), 0);
	CHECK_EQ(exbpf_ringbuf__consume(m, stop_at_second, &calls), -42);
	calls = 5;
	/* The refused record counts as consumed, as in libbpf. */
	CHECK_EQ(exbpf_ringbuf__consume(m, stop_at_second, &calls), 1);
	exbpf_map__put(m);
}
