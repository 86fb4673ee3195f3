/* Maps under concurrency: two threads at once, exact results. EXBPF_MT_OPS overrides the
 * number of operations per thread (10^6 by default; lower it under slow tools like helgrind). */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "runtime/map.h"
#include "testlib.h"

static uint32_t mt_ops(void)
{
	const char *s = getenv("EXBPF_MT_OPS");
	long n = s ? strtol(s, NULL, 10) : 0;

	return n > 0 ? (uint32_t)n : 1000000u;
}

static struct exbpf_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "mt", .type = type, .key_size = ks, .value_size = vs,
		   .max_entries = max, .map_flags = flags, .spin_lock_off = -1);
	struct exbpf_map *m = NULL;

	if (exbpf_map__create(&a, &m, NULL, 0))
		test_fail(__FILE__, __LINE__, "create type %u", type);
	return m;
}

static int count_keys(struct exbpf_map *m)
{
	uint32_t key, next;
	const void *prev = NULL;
	int n = 0;

	while (exbpf_map__get_next_key(m, prev, &next) == 0) {
		n++;
		key = next;
		prev = &key;
	}
	return n;
}

struct worker {
	struct exbpf_map *map;
	uint32_t id, ops, keys;
	long ok_insert, ok_delete, errors;
	pthread_t thread;
};

/* Disjoint keys: each thread inserts and deletes its own keys, all of which must land. */
static void *disjoint(void *arg)
{
	struct worker *w = arg;
	uint64_t v;

	for (uint32_t i = 0; i < w->ops; i++) {
		uint32_t k = (i % w->keys) * 2 + w->id;
		v = ((uint64_t)k << 32) | k;
		if ((i / w->keys) % 2 == 0) {
			if (map_update_elem(w->map, &k, &v, BPF_NOEXIST))
				w->errors++;
		} else {
			uint64_t *p = map_lookup_elem(w->map, &k);
			if (!p || __atomic_load_n(p, __ATOMIC_RELAXED) != v)
				w->errors++;
			if (map_delete_elem(w->map, &k))
				w->errors++;
		}
	}
	return NULL;
}

/* Overlapping keys: both threads fight over the same keys; every successful insert is
 * matched by exactly one successful delete or by a key left at the end. */
static void *overlapping(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (w->id + 1);

	for (uint32_t i = 0; i < w->ops; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t k = (uint32_t)(seed >> 33) % w->keys;
		uint64_t v = ((uint64_t)k << 32) | k;

		if ((seed >> 20) & 1) {
			long r = map_update_elem(w->map, &k, &v, BPF_NOEXIST);
			if (r == 0)
				w->ok_insert++;
			else if (r != -EEXIST)
				w->errors++;
		} else {
			uint64_t *p = map_lookup_elem(w->map, &k);
			/* A value is never torn, even if its element was recycled meanwhile. */
			if (p) {
				uint64_t got = __atomic_load_n(p, __ATOMIC_RELAXED);
				if ((got >> 32) != (got & 0xffffffffu))
					w->errors++;
			}
			long r = map_delete_elem(w->map, &k);
			if (r == 0)
				w->ok_delete++;
			else if (r != -ENOENT)
				w->errors++;
		}
	}
	return NULL;
}

static void run2(struct exbpf_map *m, void *(*fn)(void *), uint32_t keys, struct worker w[2])
{
	for (uint32_t t = 0; t < 2; t++) {
		w[t] = (struct worker){.map = m, .id = t, .ops = mt_ops(), .keys = keys};
		pthread_create(&w[t].thread, NULL, fn, &w[t]);
	}
	for (int t = 0; t < 2; t++)
		pthread_join(w[t].thread, NULL);
}

static void hash_threads(uint32_t type, uint32_t flags)
{
	enum { KEYS = 512 };
	struct worker w[2];
	struct exbpf_map *m = mk(type, 4, 8, 2 * KEYS, flags);

	if (!m)
		return;
	/* Disjoint: each thread inserts its KEYS keys, deletes them, and so on. */
	run2(m, disjoint, KEYS, w);
	CHECK_EQ(w[0].errors + w[1].errors, 0);
	uint32_t rest = mt_ops() % KEYS;
	CHECK_EQ(count_keys(m), 2 * ((mt_ops() / KEYS) % 2 ? KEYS - rest : rest));
	exbpf_map__put(m);

	m = mk(type, 4, 8, KEYS, flags);
	if (!m)
		return;
	run2(m, overlapping, KEYS / 4, w);
	CHECK_EQ(w[0].errors + w[1].errors, 0);
	CHECK_EQ(w[0].ok_insert + w[1].ok_insert - w[0].ok_delete - w[1].ok_delete, count_keys(m));
	exbpf_map__put(m);
}

TEST(map_mt_hash) { hash_threads(BPF_MAP_TYPE_HASH, 0); }

TEST(map_mt_hash_no_prealloc) { hash_threads(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC); }

TEST(map_mt_lru_hash) { hash_threads(BPF_MAP_TYPE_LRU_HASH, 0); }

/* A small full LRU map under two inserting threads: no update ever fails. */
static void *lru_churn(void *arg)
{
	struct worker *w = arg;
	uint64_t v = 0;

	for (uint32_t i = 0; i < w->ops; i++) {
		uint32_t k = i * 2 + w->id;
		if (map_update_elem(w->map, &k, &v, BPF_ANY))
			w->errors++;
		if (i % 3 == 0 && map_lookup_elem(w->map, &k) == NULL)
			w->ok_delete++; /* evicted already by the other thread: allowed */
	}
	return NULL;
}

TEST(map_mt_lru_never_fails)
{
	struct worker w[2];
	struct exbpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0);

	if (!m)
		return;
	run2(m, lru_churn, 0, w);
	CHECK_EQ(w[0].errors + w[1].errors, 0);
	CHECK_EQ(count_keys(m), 4);
	exbpf_map__put(m);
}

static void *array_adder(void *arg)
{
	struct worker *w = arg;
	uint32_t k = 3;

	for (uint32_t i = 0; i < w->ops; i++) {
		uint64_t *p = map_lookup_elem(w->map, &k);
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(map_mt_array_atomic_add)
{
	struct worker w[2];
	struct exbpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	uint32_t k = 3;
	uint64_t v = 0;

	if (!m)
		return;
	run2(m, array_adder, 0, w);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, &v, 0), 0);
	CHECK_EQ(v, 2ull * mt_ops());
	exbpf_map__put(m);
}

/* A host writer and a reader of one 16-byte value: no 8-byte word is ever torn. */
static void *array_writer(void *arg)
{
	struct worker *w = arg;
	uint32_t k = 0;

	for (uint32_t i = 0; i < w->ops; i++) {
		uint64_t b = (uint8_t)i * 0x0101010101010101ull;
		uint64_t v[2] = {b, ~b};
		exbpf_map__update_elem(w->map, &k, v, 0);
	}
	return NULL;
}

static void *array_reader(void *arg)
{
	struct worker *w = arg;
	uint32_t k = 0;

	for (uint32_t i = 0; i < w->ops; i++) {
		uint64_t v[2];
		exbpf_map__lookup_elem(w->map, &k, v, 0);
		for (int j = 0; j < 2; j++) {
			uint8_t b = (uint8_t)v[j];
			if (v[j] != b * 0x0101010101010101ull)
				w->errors++;
		}
	}
	return NULL;
}

TEST(map_mt_array_no_torn_words)
{
	struct worker w[2];
	struct exbpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0);

	if (!m)
		return;
	w[0] = (struct worker){.map = m, .ops = mt_ops()};
	w[1] = (struct worker){.map = m, .ops = mt_ops()};
	pthread_create(&w[0].thread, NULL, array_writer, &w[0]);
	pthread_create(&w[1].thread, NULL, array_reader, &w[1]);
	pthread_join(w[0].thread, NULL);
	pthread_join(w[1].thread, NULL);
	CHECK_EQ(w[1].errors, 0);
	exbpf_map__put(m);
}

/* Ring buffer: two producers, one consumer; every record arrives exactly once. */
struct rb_ctx {
	struct exbpf_map *map;
	uint32_t per_producer;
	int producers_done; /* __atomic */
	uint8_t *seen;	    /* [producer][seq] */
	long dup, bad;
};

struct producer {
	struct rb_ctx *ctx;
	uint32_t id;
	pthread_t thread;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct rb_ctx *c = p->ctx;

	for (uint32_t seq = 0, attempt = 0; seq < c->per_producer; attempt++) {
		uint32_t size = 8 + seq % 24;
		uint32_t *r = ringbuf_reserve(c->map, size, 0);

		if (!r) {
			sched_yield(); /* full: wait for the consumer */
			continue;
		}
		r[0] = p->id;
		r[1] = seq;
		if (attempt % 7 == 3) {
			ringbuf_discard(r, 0);
			continue; /* the consumer must skip it; the seq is sent again */
		}
		ringbuf_submit(r, 0);
		seq++;
	}
	__atomic_fetch_add(&c->producers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int consume_one(void *ctx, const void *data, size_t size)
{
	struct rb_ctx *c = ctx;
	uint32_t id, seq;

	memcpy(&id, data, 4);
	memcpy(&seq, (const uint8_t *)data + 4, 4);
	if (id > 1 || seq >= c->per_producer || size != 8 + seq % 24) {
		c->bad++;
		return 0;
	}
	if (c->seen[(size_t)id * c->per_producer + seq]++)
		c->dup++;
	return 0;
}

TEST(map_mt_ringbuf_two_producers)
{
	struct rb_ctx c = {.per_producer = mt_ops() / 2 ? mt_ops() / 2 : 1};
	struct producer p[2];
	long total = 0;

	c.map = NULL;
	EXBPF_OPTS(exbpf_map_attr, a, .type = BPF_MAP_TYPE_RINGBUF, .max_entries = 16384,
		   .spin_lock_off = -1);
	if (exbpf_map__create(&a, &c.map, NULL, 0))
		test_fail(__FILE__, __LINE__, "create");
	c.seen = calloc(2, c.per_producer);
	if (!c.map || !c.seen)
		return;
	for (uint32_t t = 0; t < 2; t++) {
		p[t] = (struct producer){.ctx = &c, .id = t};
		pthread_create(&p[t].thread, NULL, produce, &p[t]);
	}
	for (;;) {
		int done = __atomic_load_n(&c.producers_done, __ATOMIC_ACQUIRE);
		int n = exbpf_ringbuf__consume(c.map, consume_one, &c);

		CHECK(n >= 0);
		total += n;
		if (done == 2 && n == 0)
			break;
		if (n == 0)
			sched_yield();
	}
	for (int t = 0; t < 2; t++)
		pthread_join(p[t].thread, NULL);
	CHECK_EQ(c.bad, 0);
	CHECK_EQ(c.dup, 0);
	CHECK_EQ(total, 2l * c.per_producer);
	CHECK_EQ(ringbuf_query(c.map, BPF_RB_AVAIL_DATA), 0);
	exbpf_map__put(c.map);
	free(c.seen);
}
