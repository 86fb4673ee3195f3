/* Maps: the storage programs and their host share, with Linux's semantics (BPF_MAP_TYPE_*,
 * BPF_ANY / BPF_NOEXIST / BPF_EXIST, BPF_F_NO_PREALLOC, per-CPU values). Host calls copy keys
 * and values in and out; programs reach values in place through the helpers. Any number of
 * threads may use one map at once. */
#ifndef EXBPF_MAP_H
#define EXBPF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_map;

struct exbpf_map_attr {
	size_t sz;
	const char *name; /* copied; may be NULL */
	uint32_t type;	  /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	/* A struct bpf_spin_lock in the value (the runtime finds it in the value's BTF): host
	 * updates and lookups with BPF_F_LOCK take it, copies never touch it. spin_lock_off is
	 * read only when has_spin_lock is set. */
	bool has_spin_lock;
	int32_t spin_lock_off;
};

/* Creates an empty map (array maps start zeroed). -EINVAL with a log line for attributes
 * Linux would refuse (wrong key size for the type, zero max_entries, unknown flags, ...),
 * -E2BIG for sizes over Linux's limits, -EOPNOTSUPP for a type exbpf does not implement. */
EXBPF_API int exbpf_map__create(const struct exbpf_map_attr *attr, struct exbpf_map **out,
				char *log_buf, size_t log_size);
/* Maps are reference-counted: programs and prog arrays that use a map hold a reference. */
EXBPF_API void exbpf_map__get(struct exbpf_map *map);
EXBPF_API void exbpf_map__put(struct exbpf_map *map);

EXBPF_API const char *exbpf_map__name(const struct exbpf_map *map);
EXBPF_API uint32_t exbpf_map__type(const struct exbpf_map *map);
EXBPF_API uint32_t exbpf_map__key_size(const struct exbpf_map *map);
EXBPF_API uint32_t exbpf_map__value_size(const struct exbpf_map *map);
EXBPF_API uint32_t exbpf_map__max_entries(const struct exbpf_map *map);

/* Number of CPUs per-CPU maps keep a value for. Host-side values of per-CPU maps are
 * exbpf_num_possible_cpus() slots of round_up(value_size, 8) bytes, as in libbpf. */
EXBPF_API int exbpf_num_possible_cpus(void);
/* Bytes a host-side value of this map occupies (per-CPU maps: all CPUs). */
EXBPF_API size_t exbpf_map__value_buf_size(const struct exbpf_map *map);

/* Host operations, Linux's errors: -ENOENT no such key, -EEXIST with BPF_NOEXIST, -E2BIG map
 * full, -EINVAL bad flags or a delete on an array. flags of update: BPF_ANY, BPF_NOEXIST,
 * BPF_EXIST, optionally | BPF_F_LOCK. In a map an object loads, a value's struct
 * bpf_list_head / bpf_rb_root fields read as zeros and are never written by an update; a
 * delete or an update (an array's, or a hash update without BPF_F_LOCK) frees the objects
 * they held, as in Linux. */
EXBPF_API int exbpf_map__lookup_elem(struct exbpf_map *map, const void *key, void *value,
				     uint64_t flags);
EXBPF_API int exbpf_map__update_elem(struct exbpf_map *map, const void *key, const void *value,
				     uint64_t flags);
EXBPF_API int exbpf_map__delete_elem(struct exbpf_map *map, const void *key);
/* key NULL (or not present, for hash maps) gives the first key; -ENOENT after the last. */
EXBPF_API int exbpf_map__get_next_key(struct exbpf_map *map, const void *key, void *next_key);

/* Ring buffers: calls fn for every submitted record in order (discarded ones are skipped) and
 * returns how many it consumed, or fn's negative return value, which stops early. */
typedef int (*exbpf_ringbuf_fn)(void *ctx, const void *data, size_t size);
EXBPF_API int exbpf_ringbuf__consume(struct exbpf_map *map, exbpf_ringbuf_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
