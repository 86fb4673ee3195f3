/* Maps whose values hold referenced kptrs: copies never carry the object pointers (a host
 * reads zeros, a new value starts empty), and the object a field holds is dropped with its
 * value: deleted, replaced, an array element updated, the map freed (ASan sees a leak
 * otherwise). The layout checks of map_set_kptrs. */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kfuncs.h"
#include "runtime/map.h"
#include "testlib.h"

struct kval {
	uint64_t n;
	uint64_t p; /* struct item __kptr * */
	uint64_t m;
};

static void *kobj(void)
{
	struct rt_obj *o = calloc(1, sizeof(*o) + 16);

	o->magic = RT_OBJ_MAGIC;
	o->size = 16;
	return o->data;
}

static struct exbpf_map *kmap(uint32_t type)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "k", .type = type, .key_size = 4,
		   .value_size = sizeof(struct kval), .max_entries = 4);
	const uint32_t off = offsetof(struct kval, p);
	struct exbpf_map *m = NULL;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	if (m)
		CHECK_EQ(map_set_kptrs(m, &off, 1), 0);
	return m;
}

/* What bpf_kptr_xchg leaves behind: an object in the field of key's value. */
static void stash(struct exbpf_map *m, uint32_t key)
{
	struct kval *v = map_lookup_elem(m, &key);

	CHECK(v != NULL);
	if (v)
		v->p = (uint64_t)(uintptr_t)kobj();
}

TEST(kptr_map_frees)
{
	struct exbpf_map *h = kmap(BPF_MAP_TYPE_HASH), *arr = kmap(BPF_MAP_TYPE_ARRAY);
	struct kval in = {.n = 5, .p = 0xdeadbeef, .m = 6}, out;
	uint32_t k0 = 0, k1 = 1, k2 = 2;
	struct kval *v;

	if (!h || !arr)
		return;
	CHECK_EQ(exbpf_map__update_elem(h, &k0, &in, BPF_ANY), 0);
	CHECK_EQ(exbpf_map__update_elem(h, &k1, &in, BPF_ANY), 0);
	CHECK_EQ(map_update_elem(h, &k2, &in, BPF_ANY), 0);
	v = map_lookup_elem(h, &k2);
	CHECK(v && !v->p && v->n == 5 && v->m == 6); /* never the caller's pointer */
	stash(h, k0);
	stash(h, k1);
	stash(h, k2);
	memset(&out, 0xff, sizeof(out));
	CHECK_EQ(exbpf_map__lookup_elem(h, &k0, &out, 0), 0);
	CHECK(!out.p && out.n == 5 && out.m == 6); /* a host never sees the object */
	CHECK_EQ(exbpf_map__delete_elem(h, &k0), 0);
	CHECK_EQ(exbpf_map__update_elem(h, &k1, &in, BPF_EXIST), 0);
	v = map_lookup_elem(h, &k1);
	CHECK(v && !v->p);
	stash(arr, k0);
	stash(arr, k1);
	CHECK_EQ(map_update_elem(arr, &k0, &in, BPF_ANY), 0);
	v = map_lookup_elem(arr, &k0);
	CHECK(v && !v->p && v->n == 5);
	/* hash k2 and array k1 still hold theirs: dropped with the maps */
	exbpf_map__put(h);
	exbpf_map__put(arr);
}

TEST(kptr_map_set_errors)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "k", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
		   .value_size = 24, .max_entries = 1, .has_spin_lock = true, .spin_lock_off = 8);
	EXBPF_OPTS(exbpf_map_attr, r, .name = "r", .type = BPF_MAP_TYPE_RINGBUF,
		   .max_entries = 4096);
	struct exbpf_map *m = NULL, *rb = NULL;
	const uint32_t misaligned = 4, over_lock = 8, past_end = 24, ok = 16;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	CHECK_EQ(exbpf_map__create(&r, &rb, NULL, 0), 0);
	if (!m || !rb)
		return;
	CHECK_EQ(map_set_kptrs(m, &misaligned, 1), -EINVAL);
	CHECK_EQ(map_set_kptrs(m, &over_lock, 1), -EINVAL);
	CHECK_EQ(map_set_kptrs(m, &past_end, 1), -EINVAL);
	CHECK_EQ(map_set_kptrs(rb, &ok, 1), -EINVAL);
	CHECK_EQ(map_set_kptrs(m, &ok, 1), 0);
	CHECK_EQ(map_set_kptrs(m, &ok, 1), -EINVAL); /* once */
	exbpf_map__put(m);
	exbpf_map__put(rb);
}
