/* The program side of maps, for helpers and engines: values in place, Linux's helper
 * semantics and return codes. Host-side calls are in <exbpf/map.h>. */
#ifndef EXBPF_RUNTIME_MAP_H
#define EXBPF_RUNTIME_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/map.h>

#include "common/graph_field.h"

struct map_ops;

/* Common head of every map type; each type embeds it first. */
struct exbpf_map {
	const struct map_ops *ops;
	struct exbpf_map_attr attr;
	char name[32];
	int refcnt; /* atomic */
	uint32_t value_stride; /* round_up(value_size, 8) */
	uint32_t timers; /* __atomic: set once a bpf_timer was initialised in one of its values */
	/* The value's bpf_list_head / bpf_rb_root fields, in offset order (map_set_graph). */
	struct graph_field *graph;
	uint32_t ngraph;
	/* Its referenced kptr fields (map_set_kptrs): the offsets of the object pointers. */
	uint32_t *kptrs;
	uint32_t nkptrs;
};

/* Callback of bpf_for_each_map_elem: returns 0 to go on, 1 to stop. Its status (a throw
 * propagating from the callback) is the caller's business: map_for_each stops when
 * *stop is set by the callback's runner. */
typedef uint64_t (*map_elem_fn)(struct exbpf_map *map, const void *key, void *value,
				void *ctx, bool *stop);

struct map_ops {
	int (*alloc_check)(const struct exbpf_map_attr *attr, char *why, size_t why_size);
	struct exbpf_map *(*alloc)(const struct exbpf_map_attr *attr);
	void (*free)(struct exbpf_map *map);
	/* Program side. lookup: the value (this CPU's for per-CPU maps), or NULL. */
	void *(*lookup)(struct exbpf_map *map, const void *key);
	long (*update)(struct exbpf_map *map, const void *key, const void *value, uint64_t flags);
	long (*delete)(struct exbpf_map *map, const void *key);
	/* Host side: copy of a value (all CPUs for per-CPU maps) and update from such a copy. */
	int (*lookup_copy)(struct exbpf_map *map, const void *key, void *value, uint64_t flags);
	int (*update_copy)(struct exbpf_map *map, const void *key, const void *value,
			   uint64_t flags);
	int (*get_next_key)(struct exbpf_map *map, const void *key, void *next_key);
	/* Number of elements visited. */
	long (*for_each)(struct exbpf_map *map, map_elem_fn fn, void *ctx);
	/* The value of a live element that holds [addr, addr + size), with its key (*key; for
	 * arrays NULL and *index), or NULL. Only the types that may hold a bpf_timer have it. */
	void *(*value_at)(struct exbpf_map *map, uint64_t addr, size_t size, const void **key,
			  uint32_t *index);
};

/* Program-side entry points (helpers call these; they dispatch on map->ops). */
void *map_lookup_elem(struct exbpf_map *map, const void *key);
long map_update_elem(struct exbpf_map *map, const void *key, const void *value,
		     uint64_t flags);
long map_delete_elem(struct exbpf_map *map, const void *key);
long map_for_each_elem(struct exbpf_map *map, map_elem_fn fn, void *ctx);

/* See map_ops.value_at; NULL for a map type without it. */
void *map_value_at(struct exbpf_map *map, uint64_t addr, size_t size, const void **key,
		   uint32_t *index);

/* A value's bpf_timers go (timer.c): its element is deleted, replaced, evicted, or the map is
 * freed (value NULL: every value). Cancels them and frees them, waiting for a callback that
 * is running unless it is the caller's own. Never call it holding a map lock. */
void timer_value_gone(struct exbpf_map *map, void *value);

/* A value's collections go (its element is deleted or replaced, an array element updated):
 * under the value's lock they are detached, leaving its roots empty, then every object they
 * held is freed, and so is every object its kptr fields held (taken out atomically). lock
 * false: nobody else can reach the value (the map is being freed). */
void map_graph_gone(struct exbpf_map *map, void *value, bool lock);

static inline void map_value_gone(struct exbpf_map *map, void *value)
{
	if (__atomic_load_n(&map->timers, __ATOMIC_ACQUIRE))
		timer_value_gone(map, value);
	if ((map->ngraph || map->nkptrs) && value)
		map_graph_gone(map, value, true);
}

/* The runtime tells a new map which of its value's fields are graph roots (graph_btf.c
 * finds them): copies never touch their bytes (host lookups read them as zeros) and what
 * they hold is freed with the value. Before the map is used. -EINVAL for a map type whose
 * values cannot hold them (Linux: they need a bpf_spin_lock, so only hash and array maps). */
int map_set_graph(struct exbpf_map *map, const struct graph_field *fields, uint32_t n);
/* The same for its referenced kptr fields (8-byte object pointers that bpf_kptr_xchg
 * exchanges): copies skip them, what they hold is dropped with the value. -EINVAL for a map
 * type other than hash and array, or fields that overlap the value's other special ones. */
int map_set_kptrs(struct exbpf_map *map, const uint32_t *offs, uint32_t n);

/* The pieces of a value a program may touch: [0, value_size) without its graph roots and
 * kptr fields (a program must not forge the pointers they hold). Returns how many (at most
 * MAP_MAX_PIECES), each an offset and a size. */
#define MAP_MAX_PIECES (GRAPH_MAX_FIELDS + KPTR_MAX_FIELDS + 2)
struct map_piece {
	uint32_t off, size;
};
uint32_t map_value_pieces(const struct exbpf_map *map, struct map_piece *out);

/* The CPU number the calling thread counts as (per-CPU values, get_smp_processor_id):
 * always < exbpf_num_possible_cpus(). */
uint32_t map_this_cpu(void);

/* Prog arrays hold opaque program pointers for tail calls; the runtime owns their meaning
 * and lifetime. map_prog_array_get is safe against concurrent set. */
int map_prog_array_set(struct exbpf_map *map, uint32_t index, void *prog);
void *map_prog_array_get(struct exbpf_map *map, uint32_t index);

/* Ring buffers (BPF_MAP_TYPE_RINGBUF), Linux's helper semantics. */
void *ringbuf_reserve(struct exbpf_map *map, uint64_t size, uint64_t flags);
void ringbuf_submit(void *sample, uint64_t flags);
void ringbuf_discard(void *sample, uint64_t flags);
long ringbuf_output(struct exbpf_map *map, const void *data, uint64_t size, uint64_t flags);
uint64_t ringbuf_query(struct exbpf_map *map, uint64_t flags);

/* bpf_spin_lock / bpf_spin_unlock on a struct bpf_spin_lock inside a map value. */
void map_spin_lock(void *lock);
/* One attempt: true when the lock was free and is now taken. */
bool map_spin_trylock(void *lock);
void map_spin_unlock(void *lock);

#endif
