/* Maps: creation rules, arrays, per-CPU arrays, prog arrays, bpf_spin_lock, refcounts. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "runtime/map.h"
#include "testlib.h"

static int create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
		  struct exbpf_map **out, char *log, size_t log_size)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "m", .type = type, .key_size = ks, .value_size = vs,
		   .max_entries = max, .map_flags = flags, .spin_lock_off = -1);
	if (log && log_size)
		log[0] = 0;
	return exbpf_map__create(&a, out, log, log_size);
}

static struct exbpf_map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	struct exbpf_map *m = NULL;
	int err = create(type, ks, vs, max, flags, &m, NULL, 0);

	if (err)
		test_fail(__FILE__, __LINE__, "create type %u: %d", type, err);
	return m;
}

static int create_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
		      char *log, size_t log_size)
{
	struct exbpf_map *m = NULL;
	int err = create(type, ks, vs, max, flags, &m, log, log_size);

	if (!err)
		exbpf_map__put(m);
	return err;
}

TEST(map_create_errors)
{
	char log[256];

	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 8, 4, 1, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "key_size must be 4");
	CHECK_CONTAINS(log, "map 'm'");
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "max_entries");
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 0, 1, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "value_size");
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_NO_PREALLOC, log, sizeof(log)),
		 -EINVAL);
	CHECK_CONTAINS(log, "map_flags");
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG, log,
			    sizeof(log)),
		 0);
	CHECK_EQ(create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BPF_F_MMAPABLE, log, sizeof(log)),
		 -EINVAL);
	CHECK_CONTAINS(log, "BPF_F_MMAPABLE");
	CHECK_EQ(
	    create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY, log, sizeof(log)),
	    -EINVAL);
	CHECK_CONTAINS(log, "exclude");
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, log,
			    sizeof(log)),
		 -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0, log, sizeof(log)), -E2BIG);
	CHECK_CONTAINS(log, "value_size");
	CHECK_EQ(create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1, 0, log, sizeof(log)), 0);
	CHECK_EQ(create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1, 0, log, sizeof(log)), -E2BIG);
	/* Prog arrays: 4-byte values, no program access flags. */
	CHECK_EQ(create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "value_size must be 4");
	CHECK_EQ(create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, log, sizeof(log)),
		 -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 4, 0, log, sizeof(log)), -EINVAL);
	/* Hash maps. */
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 0, 4, 4, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "key_size");
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 4, 4, 0, 0, log, sizeof(log)), -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_MMAPABLE, log, sizeof(log)), -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_NO_COMMON_LRU, log, sizeof(log)),
		 -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, log,
			    sizeof(log)),
		 0);
	CHECK_EQ(create_err(BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, BPF_F_NO_PREALLOC, log, sizeof(log)),
		 -EOPNOTSUPP);
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 600, 4, 4, 0, log, sizeof(log)), 0);
	CHECK_EQ(create_err(BPF_MAP_TYPE_HASH, 4, 4u << 20, 4, 0, log, sizeof(log)), -E2BIG);
	CHECK_EQ(create_err(BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4, 0, log, sizeof(log)), -E2BIG);
	CHECK_EQ(create_err(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NUMA_NODE, log, sizeof(log)),
		 -EINVAL);
	/* Ring buffers. */
	CHECK_EQ(create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, log, sizeof(log)), 0);
	CHECK_EQ(create_err(BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "key_size and value_size must be 0");
	CHECK_EQ(create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * 4096, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "power of 2");
	CHECK_EQ(create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 1024, 0, log, sizeof(log)), -EINVAL);
	CHECK_EQ(create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_NO_PREALLOC, log, sizeof(log)),
		 -EINVAL);
	/* Types exbpf lacks. */
	CHECK_EQ(create_err(BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, 0, log, sizeof(log)), -EOPNOTSUPP);
	CHECK_CONTAINS(log, "not supported");
}

TEST(map_create_spin_lock_rules)
{
	EXBPF_OPTS(exbpf_map_attr, a, .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16,
		   .max_entries = 1, .has_spin_lock = true, .spin_lock_off = 6);
	struct exbpf_map *m = NULL;
	char log[256] = "";

	CHECK_EQ(exbpf_map__create(&a, &m, log, sizeof(log)), -EINVAL);
	a.spin_lock_off = 16;
	CHECK_EQ(exbpf_map__create(&a, &m, log, sizeof(log)), -EINVAL);
	a.type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.spin_lock_off = 0;
	CHECK_EQ(exbpf_map__create(&a, &m, log, sizeof(log)), -EOPNOTSUPP);
	CHECK_CONTAINS(log, "bpf_spin_lock");
	a.type = BPF_MAP_TYPE_HASH;
	a.spin_lock_off = 12;
	CHECK_EQ(exbpf_map__create(&a, &m, log, sizeof(log)), 0);
	exbpf_map__put(m);
	/* A zero-filled attr has no lock: a per-CPU map is fine. */
	a.type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.has_spin_lock = false;
	a.spin_lock_off = 0;
	CHECK_EQ(exbpf_map__create(&a, &m, log, sizeof(log)), 0);
	exbpf_map__put(m);
	CHECK_EQ(exbpf_map__create(NULL, &m, log, sizeof(log)), -EINVAL);
}

TEST(map_attrs_and_names)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "a_rather_long_map_name_that_is_cut_short",
		   .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = 12,
		   .max_entries = 3, .spin_lock_off = -1);
	struct exbpf_map *m = NULL;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	if (!m)
		return;
	CHECK_EQ(strlen(exbpf_map__name(m)), 31);
	CHECK_EQ(exbpf_map__type(m), BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK_EQ(exbpf_map__key_size(m), 4);
	CHECK_EQ(exbpf_map__value_size(m), 12);
	CHECK_EQ(exbpf_map__max_entries(m), 3);
	CHECK_EQ(exbpf_map__value_buf_size(m), 16u * (unsigned)exbpf_num_possible_cpus());
	CHECK(exbpf_num_possible_cpus() >= 1);
	CHECK(map_this_cpu() < (uint32_t)exbpf_num_possible_cpus());
	exbpf_map__put(m);
}

TEST(map_array_semantics)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0);
	uint32_t k = 0, next;
	uint8_t v[12], z[12] = {0};

	if (!m)
		return;
	/* Zeroed at creation, host and program sides agree. */
	for (k = 0; k < 4; k++) {
		memset(v, 0xff, sizeof(v));
		CHECK_EQ(exbpf_map__lookup_elem(m, &k, v, 0), 0);
		CHECK(!memcmp(v, z, sizeof(v)));
		void *p = map_lookup_elem(m, &k);
		CHECK(p && ((uintptr_t)p & 7) == 0);
	}
	k = 4;
	CHECK(map_lookup_elem(m, &k) == NULL);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, v, 0), -ENOENT);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, 0), -E2BIG);
	k = 2;
	memset(v, 0x5a, sizeof(v));
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, 4), -EINVAL);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(exbpf_map__update_elem(m, &k, v, BPF_EXIST), 0);
	CHECK(!memcmp(map_lookup_elem(m, &k), v, sizeof(v)));
	v[0] = 7;
	CHECK_EQ(map_update_elem(m, &k, v, BPF_ANY), 0);
	CHECK_EQ(map_update_elem(m, &k, v, BPF_NOEXIST), -EEXIST);
	memset(v, 0, sizeof(v));
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, v, 0), 0);
	CHECK_EQ(v[0], 7);
	CHECK_EQ(v[11], 0x5a);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, v, 1), -EINVAL);
	CHECK_EQ(exbpf_map__delete_elem(m, &k), -EINVAL);
	CHECK_EQ(map_delete_elem(m, &k), -EINVAL);
	/* get_next_key: by index; NULL or out of range gives the first. */
	CHECK_EQ(exbpf_map__get_next_key(m, NULL, &next), 0);
	CHECK_EQ(next, 0);
	k = 100;
	CHECK_EQ(exbpf_map__get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 0);
	k = 1;
	CHECK_EQ(exbpf_map__get_next_key(m, &k, &next), 0);
	CHECK_EQ(next, 2);
	k = 3;
	CHECK_EQ(exbpf_map__get_next_key(m, &k, &next), -ENOENT);
	exbpf_map__put(m);
}

static uint64_t count_cb(struct exbpf_map *map, const void *key, void *value, void *ctx, bool *stop)
{
	uint32_t k;

	memcpy(&k, key, 4);
	(*(uint32_t *)ctx)++;
	return k == 2;
}

TEST(map_array_for_each)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 5, 0);
	uint32_t calls = 0;

	if (!m)
		return;
	CHECK_EQ(map_for_each_elem(m, count_cb, &calls), 3);
	CHECK_EQ(calls, 3);
	exbpf_map__put(m);
}

TEST(map_array_rdonly_wronly)
{
	struct exbpf_map *ro = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY);
	struct exbpf_map *wo = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_WRONLY);
	uint32_t k = 0;
	uint64_t v = 1;

	if (!ro || !wo)
		return;
	CHECK_EQ(exbpf_map__update_elem(ro, &k, &v, 0), -EPERM);
	CHECK_EQ(exbpf_map__lookup_elem(ro, &k, &v, 0), 0);
	CHECK_EQ(exbpf_map__update_elem(wo, &k, &v, 0), 0);
	CHECK_EQ(exbpf_map__lookup_elem(wo, &k, &v, 0), -EPERM);
	exbpf_map__put(ro);
	exbpf_map__put(wo);
}

TEST(map_percpu_array)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 2, 0);
	int ncpus = exbpf_num_possible_cpus();
	size_t sz = 16 * (size_t)ncpus;
	uint8_t *buf = calloc(1, sz), *p;
	uint32_t k = 1;

	if (!m || !buf)
		return;
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), 0);
	for (size_t i = 0; i < sz; i++)
		CHECK_EQ(buf[i], 0);
	/* The host writes every CPU's slot, round_up(value_size, 8) bytes each. */
	for (int c = 0; c < ncpus; c++)
		memset(buf + 16 * c, c + 1, 16);
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_F_LOCK), -EINVAL);
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, BPF_ANY), 0);
	/* The program sees this CPU's. */
	p = map_lookup_elem(m, &k);
	CHECK(p && p[0] >= 1 && p[0] <= ncpus && p[11] == p[0]);
	/* A program update writes this CPU's only. */
	uint8_t v[12];
	memset(v, 0xee, sizeof(v));
	CHECK_EQ(map_update_elem(m, &k, v, BPF_ANY), 0);
	/* The thread may have moved since: find the slot that changed. */
	memset(buf, 0, sz);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), 0);
	int changed = 0;
	for (int c = 0; c < ncpus; c++) {
		if (buf[16 * c] == 0xee) {
			changed++;
			CHECK_EQ(buf[16 * c + 11], 0xee);
			CHECK_EQ(buf[16 * c + 12], c + 1); /* padding untouched by programs */
		} else {
			CHECK_EQ(buf[16 * c], c + 1);
		}
	}
	CHECK_EQ(changed, 1);
	k = 2;
	CHECK_EQ(exbpf_map__update_elem(m, &k, buf, 0), -E2BIG);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, buf, 0), -ENOENT);
	CHECK(map_lookup_elem(m, &k) == NULL);
	exbpf_map__put(m);
	free(buf);
}

TEST(map_prog_array)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 3, 0);
	uint32_t k = 1, v = 5, next;
	int dummy;

	if (!m)
		return;
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, 0), -EOPNOTSUPP);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, &v, 0), -EOPNOTSUPP);
	CHECK_EQ(exbpf_map__delete_elem(m, &k), -EOPNOTSUPP);
	CHECK(map_lookup_elem(m, &k) == NULL);
	CHECK(map_prog_array_get(m, 1) == NULL);
	CHECK_EQ(map_prog_array_set(m, 1, &dummy), 0);
	CHECK(map_prog_array_get(m, 1) == &dummy);
	CHECK(map_prog_array_get(m, 3) == NULL);
	CHECK_EQ(map_prog_array_set(m, 3, &dummy), -E2BIG);
	CHECK_EQ(map_prog_array_set(m, 1, NULL), 0);
	CHECK(map_prog_array_get(m, 1) == NULL);
	CHECK_EQ(exbpf_map__get_next_key(m, NULL, &next), 0);
	CHECK_EQ(next, 0);
	struct exbpf_map *arr = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 3, 0);
	CHECK_EQ(map_prog_array_set(arr, 0, &dummy), -EINVAL);
	CHECK(map_prog_array_get(arr, 0) == NULL);
	exbpf_map__put(arr);
	exbpf_map__put(m);
}

struct locked_val {
	uint64_t a;
	struct bpf_spin_lock lock;
	uint32_t b;
	uint64_t c;
};

TEST(map_spin_lock_copies)
{
	EXBPF_OPTS(exbpf_map_attr, a, .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
		   .value_size = sizeof(struct locked_val), .max_entries = 1,
		   .has_spin_lock = true, .spin_lock_off = offsetof(struct locked_val, lock));
	struct exbpf_map *m = NULL;
	struct locked_val v = {.a = 1, .lock = {0xdead}, .b = 2, .c = 3}, out;
	uint32_t k = 0;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	if (!m)
		return;
	struct locked_val *p = map_lookup_elem(m, &k);
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_F_LOCK), 0);
	CHECK_EQ(p->a, 1);
	CHECK_EQ(p->b, 2);
	CHECK_EQ(p->c, 3);
	CHECK_EQ(p->lock.val, 0); /* the lock word is never copied */
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, BPF_ANY), 0);
	CHECK_EQ(p->lock.val, 0);
	map_spin_lock(&p->lock);
	CHECK(p->lock.val != 0);
	map_spin_unlock(&p->lock);
	CHECK_EQ(p->lock.val, 0);
	memset(&out, 0xff, sizeof(out));
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, &out, BPF_F_LOCK), 0);
	CHECK_EQ(out.a, 1);
	CHECK_EQ(out.b, 2);
	CHECK_EQ(out.c, 3);
	CHECK_EQ(out.lock.val, 0);
	CHECK_EQ(exbpf_map__lookup_elem(m, &k, &out, BPF_F_LOCK | 8), -EINVAL);
	exbpf_map__put(m);
}

TEST(map_refcount)
{
	struct exbpf_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1;
	uint64_t v = 2;

	if (!m)
		return;
	exbpf_map__get(m);
	exbpf_map__get(m);
	CHECK_EQ(m->refcnt, 3);
	exbpf_map__put(m);
	exbpf_map__put(m);
	CHECK_EQ(m->refcnt, 1);
	/* Still alive with one reference. */
	CHECK_EQ(exbpf_map__update_elem(m, &k, &v, 0), 0);
	exbpf_map__put(m); /* freed here: ASan reports a leak or double free otherwise */
	exbpf_map__put(NULL);
}
