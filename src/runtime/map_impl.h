/* Private to the map implementations (map*.c): the ops table of each type, the lock they all
 * use, and value copies that never tear an aligned word a program may be reading. */
#ifndef EXBPF_RUNTIME_MAP_IMPL_H
#define EXBPF_RUNTIME_MAP_IMPL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/map.h"

/* Linux's limits, as seen from user space on x86-64. */
#define MAP_KMALLOC_MAX_SIZE (4u << 20)	   /* KMALLOC_MAX_SIZE */
#define MAP_PCPU_MIN_UNIT_SIZE (32u << 10) /* PCPU_MIN_UNIT_SIZE: bound of a per-CPU value */
#define MAP_HTAB_ELEM_SIZE 48u		   /* sizeof(struct htab_elem) in Linux */

extern const struct map_ops array_map_ops;
extern const struct map_ops percpu_array_map_ops;
extern const struct map_ops prog_array_map_ops;
extern const struct map_ops htab_map_ops;
extern const struct map_ops percpu_htab_map_ops;
extern const struct map_ops lru_htab_map_ops;
extern const struct map_ops lru_percpu_htab_map_ops;
extern const struct map_ops ringbuf_map_ops;

/* Fills the common head from the (already checked) attributes; alloc calls it first. */
void map_init_common(struct exbpf_map *map, const struct exbpf_map_attr *attr);

/* Writes "why" for alloc_check; returns err so that checks read `return why_err(...)`. */
int map_why(char *why, size_t why_size, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* BPF_F_RDONLY with BPF_F_WRONLY (or the _PROG pair) is contradictory: Linux's access check. */
int map_check_access_flags(const struct exbpf_map_attr *attr, char *why, size_t why_size);

static inline uint32_t map_round8(uint32_t n) { return (n + 7u) & ~7u; }

static inline bool map_has_lock(const struct exbpf_map *map)
{
	return map->attr.spin_lock_off >= 0;
}

/* Internal locks are the same test-and-set lock as bpf_spin_lock: a 32-bit word, 0 = free.
 * Critical sections are a few hundred instructions; the slow path yields under contention. */
void map_lock_slow(uint32_t *lock);

static inline void map_lock(uint32_t *lock)
{
	if (!__atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE))
		return;
	map_lock_slow(lock);
}

static inline void map_unlock(uint32_t *lock) { __atomic_store_n(lock, 0u, __ATOMIC_RELEASE); }

/* Copies bytes [from, to) between map memory (8-byte aligned) and a buffer of any alignment,
 * one relaxed atomic access per aligned word of the map side. */
void map_copy_in(void *map_dst, const void *src, size_t from, size_t to);
void map_copy_out(void *dst, const void *map_src, size_t from, size_t to);
void map_zero(void *map_dst, size_t from, size_t to);

/* A whole value (value_size bytes) into / out of the map, never touching the spin lock word;
 * with locked, under that lock (BPF_F_LOCK). map_value_out zeroes the lock word of dst, as
 * Linux hands user space a value whose lock reads 0. */
void map_value_in(const struct exbpf_map *map, void *map_dst, const void *src, bool locked);
void map_value_out(const struct exbpf_map *map, void *dst, const void *map_src, bool locked);

/* Helpers shared by the per-CPU types. */
uint32_t map_ncpus(void);

#endif
