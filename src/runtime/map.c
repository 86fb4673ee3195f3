/* Maps: the public API, dispatch on map_ops, the CPU number, bpf_spin_lock and value copies. */
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "common/log.h"
#include "runtime/graph.h"
#include "runtime/kfuncs.h"
#include "runtime/map_impl.h"

/* ---- CPUs ---- */

EXBPF_API int exbpf_num_possible_cpus(void)
{
	static int cached;
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (n > 0)
		return n;
	n = get_nprocs_conf();
	if (n < 1)
		n = 1;
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}

uint32_t map_ncpus(void) { return (uint32_t)exbpf_num_possible_cpus(); }

/* Threads migrate and outnumber CPUs: the number only spreads load, it never grants
 * exclusive access to a per-CPU value. So each thread asks the system once every 256 calls
 * and keeps the answer: sched_getcpu() costs more than a map lookup. */
uint32_t map_this_cpu(void)
{
	static _Thread_local uint32_t cpu, left;
	int c;

	if (left) {
		left--;
		return cpu;
	}
	c = sched_getcpu();
	cpu = c < 0 ? 0 : (uint32_t)c % map_ncpus();
	left = 255;
	return cpu;
}

/* ---- locks ---- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void map_lock_slow(uint32_t *lock)
{
	unsigned spins = 0;

	for (;;) {
		/* Spin on a plain load so waiters share the line instead of bouncing it. */
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins < 128)
				cpu_relax();
			else
				sched_yield(); /* the holder may be preempted: let it run */
		}
		if (!__atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE))
			return;
	}
}

bool map_spin_trylock(void *lock)
{
	return !__atomic_exchange_n((uint32_t *)lock, 1u, __ATOMIC_ACQUIRE);
}

void map_spin_lock(void *lock) { map_lock(lock); }

void map_spin_unlock(void *lock) { map_unlock(lock); }

/* ---- value copies ---- */

/* The map side is 8-byte aligned; the other side may be anything, hence memcpy there. */
void map_copy_in(void *map_dst, const void *src, size_t from, size_t to)
{
	unsigned char *d = map_dst;
	const unsigned char *s = src;
	size_t i = from;

	while (i < to && (i & 7)) {
		if (!(i & 3) && to - i >= 4) {
			uint32_t w;
			memcpy(&w, s + i, 4);
			__atomic_store_n((uint32_t *)(d + i), w, __ATOMIC_RELAXED);
			i += 4;
		} else {
			__atomic_store_n(d + i, s[i], __ATOMIC_RELAXED);
			i++;
		}
	}
	for (; i + 8 <= to; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		__atomic_store_n((uint64_t *)(d + i), w, __ATOMIC_RELAXED);
	}
	if (i + 4 <= to) {
		uint32_t w;
		memcpy(&w, s + i, 4);
		__atomic_store_n((uint32_t *)(d + i), w, __ATOMIC_RELAXED);
		i += 4;
	}
	for (; i < to; i++)
		__atomic_store_n(d + i, s[i], __ATOMIC_RELAXED);
}

void map_copy_out(void *dst, const void *map_src, size_t from, size_t to)
{
	unsigned char *d = dst;
	const unsigned char *s = map_src;
	size_t i = from;

	while (i < to && (i & 7)) {
		if (!(i & 3) && to - i >= 4) {
			uint32_t w = __atomic_load_n((const uint32_t *)(s + i), __ATOMIC_RELAXED);
			memcpy(d + i, &w, 4);
			i += 4;
		} else {
			d[i] = __atomic_load_n(s + i, __ATOMIC_RELAXED);
			i++;
		}
	}
	for (; i + 8 <= to; i += 8) {
		uint64_t w = __atomic_load_n((const uint64_t *)(s + i), __ATOMIC_RELAXED);
		memcpy(d + i, &w, 8);
	}
	if (i + 4 <= to) {
		uint32_t w = __atomic_load_n((const uint32_t *)(s + i), __ATOMIC_RELAXED);
		memcpy(d + i, &w, 4);
		i += 4;
	}
	for (; i < to; i++)
		d[i] = __atomic_load_n(s + i, __ATOMIC_RELAXED);
}

void map_zero(void *map_dst, size_t from, size_t to)
{
	unsigned char *d = map_dst;
	size_t i = from;

	for (; i < to && (i & 7); i++)
		__atomic_store_n(d + i, 0, __ATOMIC_RELAXED);
	for (; i + 8 <= to; i += 8)
		__atomic_store_n((uint64_t *)(d + i), 0, __ATOMIC_RELAXED);
	for (; i < to; i++)
		__atomic_store_n(d + i, 0, __ATOMIC_RELAXED);
}

static void add_hole(struct map_piece *h, uint32_t *n, uint32_t off, uint32_t size)
{
	uint32_t j = (*n)++;

	for (; j > 0 && h[j - 1].off > off; j--)
		h[j] = h[j - 1];
	h[j] = (struct map_piece){off, size};
}

/* The bytes of a value that copies skip, in offset order: the lock word, the graph roots,
 * the kptr fields. */
static uint32_t value_holes(const struct exbpf_map *map, struct map_piece *h)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < map->ngraph; i++)
		add_hole(h, &n, map->graph[i].off, 16);
	for (uint32_t i = 0; i < map->nkptrs; i++)
		add_hole(h, &n, map->kptrs[i], 8);
	if (map->attr.spin_lock_off >= 0)
		add_hole(h, &n, (uint32_t)map->attr.spin_lock_off, 4);
	return n;
}

/* map_value_in / map_value_out of a value with graph roots: every byte but the holes. */
static void value_copy_holes(const struct exbpf_map *map, void *dst, const void *src, bool in,
			     bool locked)
{
	struct map_piece h[MAP_MAX_PIECES];
	uint32_t n = value_holes(map, h), at = 0;
	char *v = in ? dst : (char *)src;
	void *lock = (char *)v + map->attr.spin_lock_off;

	if (locked)
		map_spin_lock(lock);
	for (uint32_t i = 0; i <= n; i++) {
		uint32_t end = i < n ? h[i].off : map->attr.value_size;

		if (in)
			map_copy_in(dst, src, at, end);
		else
			map_copy_out(dst, src, at, end);
		if (i < n)
			at = h[i].off + h[i].size;
	}
	if (locked)
		map_spin_unlock(lock);
	for (uint32_t i = 0; !in && i < n; i++)
		memset((char *)dst + h[i].off, 0, h[i].size);
}

void map_value_in(const struct exbpf_map *map, void *map_dst, const void *src, bool locked)
{
	size_t n = map->attr.value_size;
	int32_t off = map->attr.spin_lock_off;

	if (map->ngraph || map->nkptrs) {
		value_copy_holes(map, map_dst, src, true, locked);
		return;
	}
	if (off < 0) {
		map_copy_in(map_dst, src, 0, n);
		return;
	}
	if (locked)
		map_spin_lock((char *)map_dst + off);
	map_copy_in(map_dst, src, 0, (size_t)off);
	map_copy_in(map_dst, src, (size_t)off + 4, n);
	if (locked)
		map_spin_unlock((char *)map_dst + off);
}

void map_value_out(const struct exbpf_map *map, void *dst, const void *map_src, bool locked)
{
	size_t n = map->attr.value_size;
	int32_t off = map->attr.spin_lock_off;

	if (map->ngraph || map->nkptrs) {
		value_copy_holes(map, dst, map_src, false, locked);
		return;
	}
	if (off < 0) {
		map_copy_out(dst, map_src, 0, n);
		return;
	}
	if (locked)
		map_spin_lock((char *)map_src + off);
	map_copy_out(dst, map_src, 0, (size_t)off);
	map_copy_out(dst, map_src, (size_t)off + 4, n);
	if (locked)
		map_spin_unlock((char *)map_src + off);
	memset((char *)dst + off, 0, 4);
}

/* ---- creation ---- */

int map_why(char *why, size_t why_size, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

int map_check_access_flags(const struct exbpf_map_attr *attr, char *why, size_t why_size)
{
	uint32_t f = attr->map_flags;

	if ((f & BPF_F_RDONLY) && (f & BPF_F_WRONLY))
		return map_why(why, why_size, -EINVAL,
			       "BPF_F_RDONLY and BPF_F_WRONLY exclude each other");
	if ((f & BPF_F_RDONLY_PROG) && (f & BPF_F_WRONLY_PROG))
		return map_why(why, why_size, -EINVAL,
			       "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other");
	return 0;
}

static const struct map_ops *ops_for(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
		return &array_map_ops;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return &percpu_array_map_ops;
	case BPF_MAP_TYPE_PROG_ARRAY:
		return &prog_array_map_ops;
	case BPF_MAP_TYPE_HASH:
		return &htab_map_ops;
	case BPF_MAP_TYPE_PERCPU_HASH:
		return &percpu_htab_map_ops;
	case BPF_MAP_TYPE_LRU_HASH:
		return &lru_htab_map_ops;
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return &lru_percpu_htab_map_ops;
	case BPF_MAP_TYPE_RINGBUF:
		return &ringbuf_map_ops;
	default:
		return NULL;
	}
}

/* Linux accepts a bpf_spin_lock only in hash and array values (map_check_btf). */
static int check_spin_lock(const struct exbpf_map_attr *a, char *why, size_t why_size)
{
	int32_t off = a->spin_lock_off;

	if (off == -1)
		return 0;
	if (off < -1)
		return map_why(why, why_size, -EINVAL, "spin_lock_off %d is negative", off);
	if (a->type != BPF_MAP_TYPE_HASH && a->type != BPF_MAP_TYPE_ARRAY)
		return map_why(why, why_size, -EOPNOTSUPP,
			       "bpf_spin_lock is only supported in hash and array maps");
	if (off % 4 || (uint64_t)off + 4 > a->value_size)
		return map_why(why, why_size, -EINVAL,
			       "bpf_spin_lock at offset %d does not fit the %u-byte value aligned",
			       off, a->value_size);
	return 0;
}

void map_init_common(struct exbpf_map *map, const struct exbpf_map_attr *attr)
{
	map->attr = *attr;
	if (attr->name)
		snprintf(map->name, sizeof(map->name), "%s", attr->name);
	else
		map->name[0] = 0;
	map->attr.name = map->name;
	map->refcnt = 1;
	map->value_stride = map_round8(attr->value_size);
}

EXBPF_API int exbpf_map__create(const struct exbpf_map_attr *attr, struct exbpf_map **out,
				char *log_buf, size_t log_size)
{
	struct exbpf_map_attr a = {.spin_lock_off = -1};
	const struct map_ops *ops;
	struct exbpf_map *map;
	struct log log;
	char why[160] = "";
	int err;

	log_init(&log, log_buf, log_size);
	if (out)
		*out = NULL;
	if (!attr || !out) {
		log_printf(&log, "exbpf_map__create: attr and out must not be NULL");
		return -EINVAL;
	}
	if (attr->sz < offsetof(struct exbpf_map_attr, map_flags) + sizeof(uint32_t)) {
		log_printf(&log, "exbpf_map__create: attr->sz %zu is too small", attr->sz);
		return -EINVAL;
	}
	memcpy(&a, attr, attr->sz < sizeof(a) ? attr->sz : sizeof(a));
	/* Internally -1 means no lock; a zero-filled attr must not mean a lock at offset 0. */
	if (!a.has_spin_lock)
		a.spin_lock_off = -1;
	for (size_t i = sizeof(a); i < attr->sz; i++) {
		if (((const char *)attr)[i]) {
			log_printf(&log, "exbpf_map__create: unknown nonzero attr bytes past %zu",
				   sizeof(a));
			return -EINVAL;
		}
	}
	a.sz = sizeof(a);
	const char *name = a.name ? a.name : "";

	ops = ops_for(a.type);
	if (!ops) {
		log_printf(&log, "map '%s': map type %u is not supported", name, a.type);
		return -EOPNOTSUPP;
	}
	err = ops->alloc_check(&a, why, sizeof(why));
	if (!err)
		err = map_check_access_flags(&a, why, sizeof(why));
	if (!err)
		err = check_spin_lock(&a, why, sizeof(why));
	if (err) {
		log_printf(&log, "map '%s': %s", name, why[0] ? why : "invalid attributes");
		return err;
	}
	map = ops->alloc(&a);
	if (!map) {
		log_printf(&log, "map '%s': out of memory for %u entries of %u bytes", name,
			   a.max_entries, a.value_size);
		return -ENOMEM;
	}
	map->ops = ops;
	*out = map;
	return 0;
}

int map_set_graph(struct exbpf_map *map, const struct graph_field *fields, uint32_t n)
{
	int32_t lock = map->attr.spin_lock_off;
	struct graph_field *g;

	if (!n)
		return 0;
	if ((map->attr.type != BPF_MAP_TYPE_ARRAY && map->attr.type != BPF_MAP_TYPE_HASH) ||
	    lock < 0 || n > GRAPH_MAX_FIELDS || map->ngraph)
		return -EINVAL;
	g = malloc(n * sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* In offset order, each 8-byte aligned, inside the value, clear of the lock and of
	 * each other. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i;

		for (; j > 0 && g[j - 1].off > fields[i].off; j--)
			g[j] = g[j - 1];
		g[j] = fields[i];
	}
	for (uint32_t i = 0; i < n; i++) {
		if (g[i].off % 8 || (uint64_t)g[i].off + 16 > map->attr.value_size ||
		    (i && g[i - 1].off + 16 > g[i].off) ||
		    ((uint32_t)lock + 4 > g[i].off && (uint32_t)lock < g[i].off + 16)) {
			free(g);
			return -EINVAL;
		}
	}
	map->graph = g;
	map->ngraph = n;
	return 0;
}

int map_set_kptrs(struct exbpf_map *map, const uint32_t *offs, uint32_t n)
{
	struct map_piece h[MAP_MAX_PIECES];
	uint32_t nh;

	if (!n)
		return 0;
	if ((map->attr.type != BPF_MAP_TYPE_ARRAY && map->attr.type != BPF_MAP_TYPE_HASH) ||
	    n > KPTR_MAX_FIELDS || map->nkptrs)
		return -EINVAL;
	map->kptrs = malloc(n * sizeof(*map->kptrs));
	if (!map->kptrs)
		return -ENOMEM;
	memcpy(map->kptrs, offs, n * sizeof(*offs));
	map->nkptrs = n;
	/* Each 8-byte aligned, inside the value, clear of every other special field. */
	nh = value_holes(map, h);
	for (uint32_t i = 0; i < nh; i++)
		if ((i && h[i - 1].off + h[i - 1].size > h[i].off) ||
		    (uint64_t)h[i].off + h[i].size > map->attr.value_size ||
		    (h[i].size == 8 && h[i].off % 8)) {
			free(map->kptrs);
			map->kptrs = NULL;
			map->nkptrs = 0;
			return -EINVAL;
		}
	return 0;
}

uint32_t map_value_pieces(const struct exbpf_map *map, struct map_piece *out)
{
	struct map_piece h[MAP_MAX_PIECES];
	uint32_t n = 0, at = 0, nh = value_holes(map, h);

	for (uint32_t i = 0; i < nh; i++) {
		if (h[i].size == 4) /* the lock word: the program's to pass to bpf_spin_lock */
			continue;
		if (h[i].off > at)
			out[n++] = (struct map_piece){at, h[i].off - at};
		at = h[i].off + h[i].size;
	}
	if (map->attr.value_size > at)
		out[n++] = (struct map_piece){at, map->attr.value_size - at};
	return n;
}

void map_graph_gone(struct exbpf_map *map, void *value, bool lock)
{
	uint64_t roots[GRAPH_MAX_FIELDS][2];
	char *v = value, *l = v + map->attr.spin_lock_off;

	/* Only roots need the lock (they come with one); kptrs are taken out atomically. */
	lock = lock && map->ngraph;
	if (lock)
		map_spin_lock(l);
	for (uint32_t i = 0; i < map->ngraph; i++) {
		memcpy(roots[i], v + map->graph[i].off, 16);
		map_zero(v, map->graph[i].off, map->graph[i].off + 16);
	}
	if (lock)
		map_spin_unlock(l);
	/* Detached: freeing needs no lock, and a host never waits on a program for it. */
	for (uint32_t i = 0; i < map->ngraph; i++)
		if (roots[i][0])
			graph_root_free(map->graph[i].kind, roots[i], rt_obj_free);
	for (uint32_t i = 0; i < map->nkptrs; i++) {
		uint64_t old = __atomic_exchange_n((uint64_t *)(v + map->kptrs[i]), 0, __ATOMIC_ACQ_REL);

		if (old)
			rt_obj_free((void *)(uintptr_t)old);
	}
}

static uint64_t graph_elem_gone(struct exbpf_map *map, const void *key, void *value, void *ctx,
				bool *stop)
{
	(void)key, (void)ctx, (void)stop;
	map_graph_gone(map, value, false);
	return 0;
}

EXBPF_API void exbpf_map__get(struct exbpf_map *map)
{
	if (map)
		__atomic_fetch_add(&map->refcnt, 1, __ATOMIC_RELAXED);
}

EXBPF_API void exbpf_map__put(struct exbpf_map *map)
{
	if (map && __atomic_fetch_sub(&map->refcnt, 1, __ATOMIC_ACQ_REL) == 1) {
		struct graph_field *graph = map->graph;
		uint32_t *kptrs = map->kptrs;

		map_value_gone(map, NULL);
		if (map->ngraph || map->nkptrs)
			map_for_each_elem(map, graph_elem_gone, NULL);
		map->ops->free(map);
		free(graph);
		free(kptrs);
	}
}

EXBPF_API const char *exbpf_map__name(const struct exbpf_map *map) { return map->name; }

EXBPF_API uint32_t exbpf_map__type(const struct exbpf_map *map) { return map->attr.type; }

EXBPF_API uint32_t exbpf_map__key_size(const struct exbpf_map *map) { return map->attr.key_size; }

EXBPF_API uint32_t exbpf_map__value_size(const struct exbpf_map *map)
{
	return map->attr.value_size;
}

EXBPF_API uint32_t exbpf_map__max_entries(const struct exbpf_map *map)
{
	return map->attr.max_entries;
}

static bool is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

EXBPF_API size_t exbpf_map__value_buf_size(const struct exbpf_map *map)
{
	if (is_percpu(map->attr.type))
		return (size_t)map->value_stride * map_ncpus();
	return map->attr.value_size;
}

/* ---- host operations: the checks Linux's syscall layer makes before the map's own ---- */

static int check_lock_flag(struct exbpf_map *map, uint64_t flags)
{
	return (flags & BPF_F_LOCK) && !map_has_lock(map) ? -EINVAL : 0;
}

EXBPF_API int exbpf_map__lookup_elem(struct exbpf_map *map, const void *key, void *value,
				     uint64_t flags)
{
	if (!map || !value || (!key && map->attr.key_size))
		return -EINVAL;
	if (flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if (check_lock_flag(map, flags))
		return -EINVAL;
	if (map->attr.map_flags & BPF_F_WRONLY)
		return -EPERM;
	return map->ops->lookup_copy(map, key, value, flags);
}

EXBPF_API int exbpf_map__update_elem(struct exbpf_map *map, const void *key, const void *value,
				     uint64_t flags)
{
	if (!map || !value || (!key && map->attr.key_size))
		return -EINVAL;
	if (check_lock_flag(map, flags))
		return -EINVAL;
	if (map->attr.map_flags & BPF_F_RDONLY)
		return -EPERM;
	return map->ops->update_copy(map, key, value, flags);
}

EXBPF_API int exbpf_map__delete_elem(struct exbpf_map *map, const void *key)
{
	if (!map || (!key && map->attr.key_size))
		return -EINVAL;
	if (map->attr.map_flags & BPF_F_RDONLY)
		return -EPERM;
	return (int)map->ops->delete (map, key);
}

EXBPF_API int exbpf_map__get_next_key(struct exbpf_map *map, const void *key, void *next_key)
{
	if (!map || !next_key)
		return -EINVAL;
	if (map->attr.map_flags & BPF_F_WRONLY)
		return -EPERM;
	return map->ops->get_next_key(map, key, next_key);
}

/* ---- program side ---- */

void *map_lookup_elem(struct exbpf_map *map, const void *key) { return map->ops->lookup(map, key); }

long map_update_elem(struct exbpf_map *map, const void *key, const void *value, uint64_t flags)
{
	return map->ops->update(map, key, value, flags);
}

long map_delete_elem(struct exbpf_map *map, const void *key) { return map->ops->delete (map, key); }

void *map_value_at(struct exbpf_map *map, uint64_t addr, size_t size, const void **key,
		   uint32_t *index)
{
	return map->ops->value_at ? map->ops->value_at(map, addr, size, key, index) : NULL;
}

long map_for_each_elem(struct exbpf_map *map, map_elem_fn fn, void *ctx)
{
	if (!map->ops->for_each)
		return -EOPNOTSUPP;
	return map->ops->for_each(map, fn, ctx);
}
