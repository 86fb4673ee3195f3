/* BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY and BPF_MAP_TYPE_PROG_ARRAY: every element
 * exists from creation, zeroed, and never moves, so lookups need no lock at all. */
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/map_impl.h"

#define ARRAY_CREATE_FLAGS                                                                         \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |      \
	 BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP)

struct array_map {
	struct exbpf_map map;
	uint32_t ncpus; /* 1 unless per-CPU */
	/* Per-CPU arrays are CPU-major, so that one CPU's values share no cache line with
	 * another CPU's. */
	unsigned char *values;
};

static struct array_map *to_array(struct exbpf_map *map) { return (struct array_map *)map; }

static int array_alloc_check(const struct exbpf_map_attr *a, char *why, size_t why_size)
{
	bool percpu = a->type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (a->max_entries == 0)
		return map_why(why, why_size, -EINVAL, "max_entries must not be 0");
	if (a->key_size != 4)
		return map_why(why, why_size, -EINVAL, "key_size must be 4 for arrays, not %u",
			       a->key_size);
	if (a->value_size == 0)
		return map_why(why, why_size, -EINVAL, "value_size must not be 0");
	if (a->map_flags & ~(uint32_t)ARRAY_CREATE_FLAGS)
		return map_why(why, why_size, -EINVAL,
			       "map_flags 0x%x has flags arrays do not take", a->map_flags);
	if (percpu && (a->map_flags & BPF_F_NUMA_NODE))
		return map_why(why, why_size, -EINVAL, "BPF_F_NUMA_NODE is not for per-CPU maps");
	if (a->type != BPF_MAP_TYPE_ARRAY && (a->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
		return map_why(
		    why, why_size, -EINVAL,
		    "BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for BPF_MAP_TYPE_ARRAY");
	if (a->map_flags & BPF_F_PRESERVE_ELEMS)
		return map_why(why, why_size, -EINVAL,
			       "BPF_F_PRESERVE_ELEMS is only for perf event arrays");
	if (a->value_size > INT_MAX)
		return map_why(why, why_size, -E2BIG, "value_size %u is over INT_MAX",
			       a->value_size);
	if (percpu && map_round8(a->value_size) > MAP_PCPU_MIN_UNIT_SIZE)
		return map_why(why, why_size, -E2BIG, "per-CPU value_size %u is over %u",
			       a->value_size, MAP_PCPU_MIN_UNIT_SIZE);
	return 0;
}

static struct exbpf_map *array_alloc(const struct exbpf_map_attr *a)
{
	struct array_map *arr = calloc(1, sizeof(*arr));
	uint32_t ncpus = a->type == BPF_MAP_TYPE_PERCPU_ARRAY ? map_ncpus() : 1;
	uint64_t bytes = (uint64_t)a->max_entries * map_round8(a->value_size) * ncpus;

	if (!arr)
		return NULL;
	if (bytes > SIZE_MAX || !(arr->values = calloc(1, (size_t)bytes))) {
		free(arr);
		return NULL;
	}
	map_init_common(&arr->map, a);
	arr->ncpus = ncpus;
	return &arr->map;
}

static void array_free(struct exbpf_map *map)
{
	free(to_array(map)->values);
	free(map);
}

static void *elem(struct array_map *arr, uint32_t index, uint32_t cpu)
{
	return arr->values +
	       ((uint64_t)cpu * arr->map.attr.max_entries + index) * arr->map.value_stride;
}

static void *array_lookup(struct exbpf_map *map, const void *key)
{
	struct array_map *arr = to_array(map);
	uint32_t index;

	memcpy(&index, key, 4);
	if (index >= map->attr.max_entries)
		return NULL;
	return elem(arr, index, arr->ncpus > 1 ? map_this_cpu() : 0);
}

/* Linux's order of checks: flags, then the index, then "every element already exists". */
static long array_update(struct exbpf_map *map, const void *key, const void *value, uint64_t flags)
{
	struct array_map *arr = to_array(map);
	bool percpu = map->attr.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t index;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	memcpy(&index, key, 4);
	if (index >= map->attr.max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST;
	if ((flags & BPF_F_LOCK) && !map_has_lock(map))
		return -EINVAL;
	map_value_in(map, elem(arr, index, percpu ? map_this_cpu() : 0), value, flags & BPF_F_LOCK);
	/* Linux frees the special fields of an updated value: its timers are cancelled. */
	if (!percpu)
		map_value_gone(map, elem(arr, index, 0));
	return 0;
}

static long array_delete(struct exbpf_map *map, const void *key) { return -EINVAL; }

static int array_lookup_copy(struct exbpf_map *map, const void *key, void *value, uint64_t flags)
{
	struct array_map *arr = to_array(map);
	uint32_t index;

	memcpy(&index, key, 4);
	if (index >= map->attr.max_entries)
		return -ENOENT;
	if (arr->ncpus == 1) {
		map_value_out(map, value, elem(arr, index, 0), flags & BPF_F_LOCK);
		return 0;
	}
	/* Whole rounded slots: the padding is zero from creation or came from the host. */
	for (uint32_t cpu = 0; cpu < arr->ncpus; cpu++)
		map_copy_out((char *)value + (size_t)cpu * map->value_stride, elem(arr, index, cpu),
			     0, map->value_stride);
	return 0;
}

static int percpu_update_copy(struct exbpf_map *map, const void *key, const void *value,
			      uint64_t flags)
{
	struct array_map *arr = to_array(map);
	uint32_t index, stride = map->value_stride;

	if (flags > BPF_EXIST)
		return -EINVAL;
	memcpy(&index, key, 4);
	if (index >= map->attr.max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	for (uint32_t cpu = 0; cpu < arr->ncpus; cpu++)
		map_copy_in(elem(arr, index, cpu), (const char *)value + (size_t)cpu * stride, 0,
			    stride);
	return 0;
}

static int array_update_copy(struct exbpf_map *map, const void *key, const void *value,
			     uint64_t flags)
{
	return (int)array_update(map, key, value, flags);
}

static int array_get_next_key(struct exbpf_map *map, const void *key, void *next_key)
{
	uint32_t index = UINT32_MAX, next;

	if (key)
		memcpy(&index, key, 4);
	if (index >= map->attr.max_entries)
		next = 0;
	else if (index == map->attr.max_entries - 1)
		return -ENOENT;
	else
		next = index + 1;
	memcpy(next_key, &next, 4);
	return 0;
}

static long array_for_each(struct exbpf_map *map, map_elem_fn fn, void *ctx)
{
	struct array_map *arr = to_array(map);
	uint32_t cpu = arr->ncpus > 1 ? map_this_cpu() : 0;
	long n = 0;

	for (uint32_t i = 0; i < map->attr.max_entries; i++) {
		bool stop = false;
		uint32_t key = i;

		n++;
		if (fn(map, &key, elem(arr, i, cpu), ctx, &stop) || stop)
			break;
	}
	return n;
}

static void *array_value_at(struct exbpf_map *map, uint64_t addr, size_t size,
			    const void **key, uint32_t *index)
{
	struct array_map *arr = to_array(map);
	uint64_t start = (uintptr_t)arr->values, off, in;

	if (arr->ncpus != 1 || addr < start)
		return NULL;
	off = addr - start;
	if (off / map->value_stride >= map->attr.max_entries)
		return NULL;
	in = off % map->value_stride;
	if (size > map->attr.value_size || in > map->attr.value_size - size)
		return NULL;
	*key = NULL;
	*index = (uint32_t)(off / map->value_stride);
	return elem(arr, *index, 0);
}

const struct map_ops array_map_ops = {
    .alloc_check = array_alloc_check,
    .alloc = array_alloc,
    .free = array_free,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .lookup_copy = array_lookup_copy,
    .update_copy = array_update_copy,
    .get_next_key = array_get_next_key,
    .for_each = array_for_each,
    .value_at = array_value_at,
};

const struct map_ops percpu_array_map_ops = {
    .alloc_check = array_alloc_check,
    .alloc = array_alloc,
    .free = array_free,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .lookup_copy = array_lookup_copy,
    .update_copy = percpu_update_copy,
    .get_next_key = array_get_next_key,
    .for_each = array_for_each,
};

/* Prog arrays: slots of opaque program pointers the runtime fills (map_prog_array_set). The
 * host cannot store programs through the generic calls, which take file descriptors in Linux. */

struct prog_array {
	struct exbpf_map map;
	void **slots; /* __atomic */
};

static int prog_array_alloc_check(const struct exbpf_map_attr *a, char *why, size_t why_size)
{
	if (a->value_size != 4)
		return map_why(why, why_size, -EINVAL,
			       "value_size must be 4 for prog arrays, not %u", a->value_size);
	if (a->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return map_why(why, why_size, -EINVAL,
			       "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are not for prog arrays");
	return array_alloc_check(a, why, why_size);
}

static struct exbpf_map *prog_array_alloc(const struct exbpf_map_attr *a)
{
	struct prog_array *pa = calloc(1, sizeof(*pa));

	if (!pa)
		return NULL;
	if (!(pa->slots = calloc(a->max_entries, sizeof(void *)))) {
		free(pa);
		return NULL;
	}
	map_init_common(&pa->map, a);
	return &pa->map;
}

static void prog_array_free(struct exbpf_map *map)
{
	free(((struct prog_array *)map)->slots);
	free(map);
}

static void *prog_array_lookup(struct exbpf_map *map, const void *key) { return NULL; }

static long prog_array_update(struct exbpf_map *map, const void *key, const void *value,
			      uint64_t flags)
{
	return -EOPNOTSUPP;
}

static long prog_array_delete(struct exbpf_map *map, const void *key) { return -EOPNOTSUPP; }

static int prog_array_lookup_copy(struct exbpf_map *map, const void *key, void *value,
				  uint64_t flags)
{
	return -EOPNOTSUPP;
}

static int prog_array_update_copy(struct exbpf_map *map, const void *key, const void *value,
				  uint64_t flags)
{
	return -EOPNOTSUPP;
}

int map_prog_array_set(struct exbpf_map *map, uint32_t index, void *prog)
{
	struct prog_array *pa = (struct prog_array *)map;

	if (map->attr.type != BPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	if (index >= map->attr.max_entries)
		return -E2BIG;
	/* Release: a tail call that sees the pointer sees the program it points to. */
	__atomic_store_n(&pa->slots[index], prog, __ATOMIC_RELEASE);
	return 0;
}

void *map_prog_array_get(struct exbpf_map *map, uint32_t index)
{
	struct prog_array *pa = (struct prog_array *)map;

	if (map->attr.type != BPF_MAP_TYPE_PROG_ARRAY || index >= map->attr.max_entries)
		return NULL;
	return __atomic_load_n(&pa->slots[index], __ATOMIC_ACQUIRE);
}

const struct map_ops prog_array_map_ops = {
    .alloc_check = prog_array_alloc_check,
    .alloc = prog_array_alloc,
    .free = prog_array_free,
    .lookup = prog_array_lookup,
    .update = prog_array_update,
    .delete = prog_array_delete,
    .lookup_copy = prog_array_lookup_copy,
    .update_copy = prog_array_update_copy,
    .get_next_key = array_get_next_key,
};
