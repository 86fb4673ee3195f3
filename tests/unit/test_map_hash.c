/* Hash maps: HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, with and without preallocation. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "runtime/map.h"
#include "testlib.h"

static struct exbpf_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "h", .type = type, .key_size = ks, .value_size = vs,
		   .max_entries = max, .map_flags = flags, .spin_lock_off = -1);
	struct exbpf_map *m = NULL;
	int err = exbpf_map__create(&a, &m, NULL, 0);

	if (err)
		test_fail(__FILE__, __LINE__, "create type %u: %d", type, err);
	return m;
}

/* Host-side element count through get_next_key, checking every key is seen once. */
static int count_keys(struct exbpf_map *m, uint32_t max_key)
{
	uint8_t *seen = calloc(max_key + 1, 1);
	uint32_t key, next;
	const void *prev = NULL;
	int n = 0;

	while (exbpf_map__get_next_key(m, prev, &next) == 0) {
		if (next > max_key || seen[next]) {
			test_fail(__FILE__, __LINE__, "key %u out of range or seen twice", next);
			break;
		}
		seen[next] = 1;
		n++;
		key = next;
		prev = &key;
	}
	free(seen);
	return n;
}

static void hash_semantics(uint32_t flags)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 12, 3, flags);
	uint32_t k, next;
	uint8_t v[12], out[12];

	if (!m)
		return;
	k = 1;
	memset(v, 1, sizeof(v));
	CHECK(map_lookup_elem(m, &k) == NULL);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, out, 0), -ENOENT);
	CHECK_EQ(exbpf_map__delete_elem(m, &k), -ENOENT);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_EXIST), -ENOENT);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_NOEXIST), 0);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, 3), -EINVAL);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_F_LOCK), -EINVAL);
	v[0] = 9;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_EXIST), 0);
	uint8_t *p = map_lookup_elem(m, &k);
	CHECK(p && ((uintptr_t)p & 7) == 0 && p[0] == 9 && p[11] == 1);
	/* Program-side update shows on the host side. */
	v[0] = 10;
	CHECK_EQ(map_update_elem(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, out, 0), 0);
	CHECK_EQ(out[0], 10);
	CHECK(p[0] == 10); /* in place */
	k = 2;
	CHECK_EQ(map_update_elem(m, &k, v, BPF_ANY), 0);
	k = 3;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_ANY), 0);
	k = 4;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_ANY), -E2BIG);
	CHECK_EQ(map_update_elem(m, &k, v, BPF_NOEXIST), -E2BIG);
	/* A full map still updates existing keys. */
	k = 3;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(count_keys(m, 10), 3);
	/* A missing key gives the first key, as in Linux. */
	k = 77;
	CHECK_EQ(exbpf_map__get_next_key(m, &k, &next), 0);
	uint32_t first;
	CHECK_EQ(exbpf_map__get_next_key(m, NULL, &first), 0);
	CHECK_EQ(next, first);
	k = 2;
	CHECK_EQ(map_delete_elem(m, &k), 0);
	CHECK_EQ(map_delete_elem(m, &k), -ENOENT);
	CHECK_EQ(count_keys(m, 10), 2);
	k = 4;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(count_keys(m, 10), 3);
	exbpf_map__put(m);
}

TEST(map_hash_semantics) { hash_semantics(0); }

TEST(map_hash_semantics_no_prealloc) { hash_semantics(BPF_F_NO_PREALLOC); }

/* Inserting, deleting and iterating many keys with odd key and value sizes. */
static void hash_many(uint32_t flags)
{
	enum { N = 1000 };
	struct exbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 3, N, flags);
	uint8_t v[3];

	if (!m)
		return;
	for (uint32_t k = 0; k < N; k++) {
		memcpy(v, &k, 3);
		CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_NOEXIST), 0);
	}
	uint32_t k = N;
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_ANY), -E2BIG);
	CHECK_EQ(count_keys(m, N), N);
	for (k = 0; k < N; k += 2)
		CHECK_EQ(exbpf_map__delete_elem(m, &k), 0);
	CHECK_EQ(count_keys(m, N), N / 2);
	for (k = 0; k < N; k++) {
		uint8_t *p = map_lookup_elem(m, &k);
		CHECK((p != NULL) == (k % 2 == 1));
		if (p)
			CHECK(!memcmp(p, &k, 3));
	}
	exbpf_map__put(m);
}

TEST(map_hash_many)
{
	hash_many(0);
	hash_many(BPF_F_NO_PREALLOC);
}

TEST(map_hash_big_keys)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_HASH, 37, 8, 16, 0);
	uint8_t k1[37] = {1}, k2[37] = {1};
	uint64_t v = 5, out;

	if (!m)
		return;
	k2[36] = 1; /* differs in the last byte only */
	CHECK_EQ(exbpf_map__update_elem(m, k1, &v, 0), 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, k2, &out, 0), -ENOENT);
	v = 6;
	CHECK_EQ(exbpf_map__update_elem(m, k2, &v, 0), 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, k1, &out, 0), 0);
	CHECK_EQ(out, 5);
	CHECK_EQ(exbpf_map__lookup_elem(m, k2, &out, 0), 0);
	CHECK_EQ(out, 6);
	exbpf_map__put(m);
}

struct locked_val {
	struct bpf_spin_lock lock;
	uint32_t a;
	uint64_t b;
};

TEST(map_hash_spin_lock)
{
	EXBPF_OPTS(exbpf_map_attr, a, .type = BPF_MAP_TYPE_HASH, .key_size = 4,
		   .value_size = sizeof(struct locked_val), .max_entries = 2, .has_spin_lock = true,
		   .spin_lock_off = 0);
	struct exbpf_map *m = NULL;
	struct locked_val v = {.lock = {1}, .a = 2, .b = 3}, out;
	uint32_t k = 1;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	if (!m)
		return;
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_F_LOCK), 0);
	struct locked_val *p = map_lookup_elem(m, &k);
	CHECK(p && p->lock.val == 0 && p->a == 2 && p->b == 3);
	v.b = 4;
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_F_LOCK | BPF_EXIST), 0);
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_F_LOCK | BPF_NOEXIST), -EEXIST);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, &out, BPF_F_LOCK), 0);
	CHECK(out.lock.val == 0 && out.a == 2 && out.b == 4);
	exbpf_map__put(m);
}

static uint64_t sum_cb(struct exbpf_map *map, const void *key, void *value, void *ctx, bool *stop)
{
	uint32_t k;

	memcpy(&k, key, 4);
	*(uint64_t *)ctx += k;
	/* The callback may delete in the map it walks. */
	map_delete_elem(map, key);
	return 0;
}

TEST(map_hash_for_each)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 64, 0);
	uint64_t v = 0, sum = 0;

	if (!m)
		return;
	for (uint32_t k = 1; k <= 50; k++)
		CHECK_EQ(exbpf_map__update_elem(m, &k, &v, 0), 0);
	CHECK_EQ(map_for_each_elem(m, sum_cb, &sum), 50);
	CHECK_EQ(sum, 50 * 51 / 2);
	CHECK_EQ(count_keys(m, 64), 0);
	exbpf_map__put(m);
}

static void percpu_hash(uint32_t type)
{
	struct exbpf_map *m = mk(type, 4, 4, 4, 0);
	int ncpus = exbpf_num_possible_cpus();
	uint8_t *buf = calloc(ncpus, 8);
	uint32_t k = 7, v = 0x11223344;

	if (!m || !buf)
		return;
	CHECK_EQ(exbpf_map__value_buf_size(m), 8u * ncpus);
	for (int c = 0; c < ncpus; c++)
		memset(buf + 8 * c, c + 1, 8);
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_NOEXIST), 0);
	memset(buf, 0, 8u * ncpus);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), 0);
	for (int c = 0; c < ncpus; c++)
		CHECK_EQ(buf[8 * c + 7], c + 1);
	uint8_t *p = map_lookup_elem(m, &k);
	CHECK(p && p[0] >= 1 && p[0] <= ncpus);
	/* A new key from a program: this CPU's value, zero on the others. */
	k = 8;
	CHECK_EQ(map_update_elem(m, &k, &v, BPF_NOEXIST), 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), 0);
	int set = 0;
	for (int c = 0; c < ncpus; c++) {
		uint32_t w;
		memcpy(&w, buf + 8 * c, 4);
		if (w == v)
			set++;
		else
			CHECK_EQ(w, 0);
	}
	CHECK_EQ(set, 1);
	CHECK_EQ(exbpf_map__delete_elem(m, &k), 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), -ENOENT);
	exbpf_map__put(m);
	free(buf);
}

TEST(map_percpu_hash)
{
	percpu_hash(BPF_MAP_TYPE_PERCPU_HASH);
	percpu_hash(BPF_MAP_TYPE_LRU_PERCPU_HASH);
}

/* LRU: never -E2BIG; keys the program keeps looking up survive a stream of new keys. */
static void lru_keeps_hot_keys(uint32_t type, uint32_t flags)
{
	enum { N = 64, HOT = 8 };
	struct exbpf_map *m = mk(type, 4, 8, N, flags);
	uint64_t *buf = calloc(exbpf_num_possible_cpus(), 8);

	if (!m || !buf)
		return;
	CHECK_EQ(exbpf_map__max_entries(m), N);
	for (uint32_t k = 0; k < N; k++)
		CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_NOEXIST), 0);
	for (uint32_t k = N; k < 20 * N; k++) {
		for (uint32_t h = 0; h < HOT; h++)
			CHECK(map_lookup_elem(m, &h) != NULL);
		CHECK_EQ(map_update_elem(m, &k, buf, BPF_NOEXIST), 0);
		CHECK(map_lookup_elem(m, &k) != NULL); /* the newest key is there */
	}
	CHECK_EQ(count_keys(m, 20 * N), N);
	for (uint32_t h = 0; h < HOT; h++)
		CHECK_EQ(exbpf_map__lookup_elem(m, &h, buf, 0), 0);
	/* Flags still apply. */
	uint32_t k = 0;
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_NOEXIST), -EEXIST);
	k = 100000;
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_EXIST), -ENOENT);
	CHECK_EQ(exbpf_map__delete_elem(m, &k), -ENOENT);
	k = 1;
	CHECK_EQ(exbpf_map__delete_elem(m, &k), 0);
	CHECK_EQ(count_keys(m, 20 * N), N - 1);
	exbpf_map__put(m);
	free(buf);
}

TEST(map_lru_hash)
{
	lru_keeps_hot_keys(BPF_MAP_TYPE_LRU_HASH, 0);
	lru_keeps_hot_keys(BPF_MAP_TYPE_LRU_PERCPU_HASH, 0);
}

TEST(map_lru_no_common_lru_rounds)
{
	int ncpus = exbpf_num_possible_cpus();
	struct exbpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 5, BPF_F_NO_COMMON_LRU);

	if (!m)
		return;
	CHECK_EQ(exbpf_map__max_entries(m), (5 + ncpus - 1) / ncpus * ncpus);
	exbpf_map__put(m);
}

TEST(map_lru_tiny)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 1, 0);
	uint64_t v = 0;

	if (!m)
		return;
	for (uint32_t k = 0; k < 100; k++) {
		v = k;
		CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_ANY), 0);
		CHECK_EQ(exbpf_map__lookup_elem(m, &k, &v, 0), 0);
		CHECK_EQ(v, k);
	}
	CHECK_EQ(count_keys(m, 100), 1);
	exbpf_map__put(m);
}
