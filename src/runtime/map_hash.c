/* Hash maps: BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
 *
 * Locking: one spin lock per bucket guards its chain; elements come from several freelists,
 * each with its own lock (a thread takes its CPU's list and steals from the others). Lock
 * order is LRU lock -> bucket lock -> freelist lock, and nothing takes them the other way.
 *
 * Reclamation: programs keep value pointers from lookups without any lock (Linux relies on
 * RCU), so an element is never freed before the map: a deleted element goes back to a
 * freelist and may be reused by a later insert, which is Linux's preallocated semantics. */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "runtime/map_impl.h"

#define HTAB_CREATE_FLAGS                                                                          \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_ZERO_SEED)
#define MAX_FREELISTS 32
#define FOREACH_BATCH 16

struct htab_elem {
	struct htab_elem *next; /* bucket chain (bucket lock) or freelist link (freelist lock) */
	uint32_t hash;		/* __atomic: the LRU sweep reads it without the bucket lock */
	uint8_t linked;		/* __atomic: in a bucket */
	uint8_t ref;		/* __atomic: LRU use count (0-2), raised by program lookups */
	uint16_t pad;
	uint64_t key[]; /* round_up(key_size, 8) bytes, then one value per CPU or one value */
};

struct bucket {
	uint32_t lock;
	struct htab_elem *head;
};

struct freelist {
	_Alignas(64) uint32_t lock;
	struct htab_elem *head;
};

struct chunk {
	struct chunk *next;
	uint64_t n; /* elements; also keeps the elements after it 16-byte aligned */
};

struct htab {
	struct exbpf_map map;
	bool percpu, lru, prealloc;
	uint32_t ncpus, n_buckets, seed, nfl;
	size_t key_stride, elem_size;
	struct bucket *buckets;
	struct freelist *fl;
	char pad0[64]; /* count has a line of its own: every insert and delete writes it */
	/* Elements in the map or held by an insert in flight: the bound that makes a full map
	 * -E2BIG (or, for LRU, evict) without depending on which freelist has what. */
	uint32_t count; /* __atomic */
	char pad1[64];
	/* Preallocated elements (always for LRU: the sweep walks them). */
	unsigned char *elems;
	/* BPF_F_NO_PREALLOC: elements come in chunks, kept until the map is freed. */
	pthread_mutex_t grow_lock;
	uint32_t allocated;
	struct chunk *chunks;
	/* LRU: the GCLOCK hand over elems, moved under lru_lock. */
	uint32_t lru_lock;
	uint64_t hand;
};

static struct htab *to_htab(struct exbpf_map *map) { return (struct htab *)map; }

/* ---- checks and allocation ---- */

static int htab_alloc_check(const struct exbpf_map_attr *a, char *why, size_t why_size)
{
	bool percpu =
	    a->type == BPF_MAP_TYPE_PERCPU_HASH || a->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool lru = a->type == BPF_MAP_TYPE_LRU_HASH || a->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;

	if (a->map_flags & ~(uint32_t)HTAB_CREATE_FLAGS)
		return map_why(why, why_size, -EINVAL,
			       "map_flags 0x%x has flags hash maps do not take", a->map_flags);
	if (!lru && (a->map_flags & BPF_F_NO_COMMON_LRU))
		return map_why(why, why_size, -EINVAL, "BPF_F_NO_COMMON_LRU is only for LRU maps");
	/* Linux says -ENOTSUPP (524), which user space cannot name. */
	if (lru && (a->map_flags & BPF_F_NO_PREALLOC))
		return map_why(why, why_size, -EOPNOTSUPP, "LRU maps are always preallocated");
	if ((a->map_flags & BPF_F_NUMA_NODE) && (percpu || (a->map_flags & BPF_F_NO_COMMON_LRU)))
		return map_why(why, why_size, -EINVAL, "BPF_F_NUMA_NODE is not for per-CPU maps");
	if (a->max_entries == 0)
		return map_why(why, why_size, -EINVAL, "max_entries must not be 0");
	if (a->key_size == 0)
		return map_why(why, why_size, -EINVAL, "key_size must not be 0");
	if (a->value_size == 0)
		return map_why(why, why_size, -EINVAL, "value_size must not be 0");
	if ((uint64_t)a->key_size + a->value_size >= MAP_KMALLOC_MAX_SIZE - MAP_HTAB_ELEM_SIZE)
		return map_why(why, why_size, -E2BIG, "key_size + value_size %llu is too big",
			       (unsigned long long)a->key_size + a->value_size);
	if (percpu && map_round8(a->value_size) > MAP_PCPU_MIN_UNIT_SIZE)
		return map_why(why, why_size, -E2BIG, "per-CPU value_size %u is over %u",
			       a->value_size, MAP_PCPU_MIN_UNIT_SIZE);
	if (a->max_entries > 1u << 31)
		return map_why(why, why_size, -E2BIG, "max_entries %u is over 2^31",
			       a->max_entries);
	return 0;
}

static unsigned char *value_area(const struct htab *h, struct htab_elem *e)
{
	return (unsigned char *)e->key + h->key_stride;
}

static struct htab_elem *prealloc_elem(const struct htab *h, uint32_t i)
{
	return (struct htab_elem *)(h->elems + (size_t)i * h->elem_size);
}

static void fl_push(struct htab *h, struct freelist *fl, struct htab_elem *e)
{
	map_lock(&fl->lock);
	e->next = fl->head;
	__atomic_store_n(&fl->head, e, __ATOMIC_RELAXED); /* fl_pop peeks without the lock */
	map_unlock(&fl->lock);
}

static struct freelist *my_freelist(struct htab *h) { return &h->fl[map_this_cpu() % h->nfl]; }

static struct htab_elem *fl_pop(struct htab *h)
{
	uint32_t start = map_this_cpu() % h->nfl;

	for (uint32_t k = 0; k < h->nfl; k++) {
		struct freelist *fl = &h->fl[(start + k) % h->nfl];
		struct htab_elem *e;

		if (!__atomic_load_n(&fl->head, __ATOMIC_RELAXED))
			continue; /* racy peek: a miss only costs the caller a retry */
		map_lock(&fl->lock);
		e = fl->head;
		if (e)
			__atomic_store_n(&fl->head, e->next, __ATOMIC_RELAXED);
		map_unlock(&fl->lock);
		if (e)
			return e;
	}
	return NULL;
}

static uint32_t next_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static struct exbpf_map *htab_alloc(const struct exbpf_map_attr *attr)
{
	struct exbpf_map_attr a = *attr;
	struct htab *h = calloc(1, sizeof(*h));
	uint32_t stride = map_round8(a.value_size);

	if (!h)
		return NULL;
	h->percpu = a.type == BPF_MAP_TYPE_PERCPU_HASH || a.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	h->lru = a.type == BPF_MAP_TYPE_LRU_HASH || a.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	h->prealloc = !(a.map_flags & BPF_F_NO_PREALLOC);
	h->ncpus = map_ncpus();
	if (a.map_flags & BPF_F_NO_COMMON_LRU) {
		/* Linux gives each CPU's list the same share of max_entries: round to it. */
		uint64_t up = ((uint64_t)a.max_entries + h->ncpus - 1) / h->ncpus * h->ncpus;
		a.max_entries =
		    up <= UINT32_MAX ? (uint32_t)up : a.max_entries / h->ncpus * h->ncpus;
		if (a.max_entries == 0 || a.max_entries > 1u << 31)
			goto fail;
	}
	map_init_common(&h->map, &a);
	h->n_buckets = next_pow2(a.max_entries);
	h->key_stride = map_round8(a.key_size);
	h->elem_size =
	    sizeof(struct htab_elem) + h->key_stride + (size_t)stride * (h->percpu ? h->ncpus : 1);
	h->nfl = h->ncpus < MAX_FREELISTS ? h->ncpus : MAX_FREELISTS;
	if (a.map_flags & BPF_F_ZERO_SEED)
		h->seed = 0;
	else if (getrandom(&h->seed, sizeof(h->seed), GRND_NONBLOCK) != sizeof(h->seed))
		h->seed = (uint32_t)(uintptr_t)h ^ 0x9e3779b9u;
	pthread_mutex_init(&h->grow_lock, NULL);
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	h->fl = aligned_alloc(_Alignof(struct freelist), h->nfl * sizeof(*h->fl));
	if (!h->buckets || !h->fl)
		goto fail;
	memset(h->fl, 0, h->nfl * sizeof(*h->fl));
	if (h->prealloc) {
		uint32_t n = a.max_entries;

		h->elems = calloc(n, h->elem_size);
		if (!h->elems)
			goto fail;
		/* Each freelist gets a contiguous run, pushed backwards so pops go forwards. */
		for (uint32_t f = 0; f < h->nfl; f++) {
			uint32_t lo = (uint32_t)((uint64_t)n * f / h->nfl);
			uint32_t hi = (uint32_t)((uint64_t)n * (f + 1) / h->nfl);

			for (uint32_t i = hi; i > lo; i--)
				fl_push(h, &h->fl[f], prealloc_elem(h, i - 1));
		}
		h->allocated = n;
	}
	return &h->map;
fail:
	if (h) {
		free(h->elems);
		free(h->fl);
		free(h->buckets);
		free(h);
	}
	return NULL;
}

static void htab_free(struct exbpf_map *map)
{
	struct htab *h = to_htab(map);

	for (struct chunk *c = h->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	pthread_mutex_destroy(&h->grow_lock);
	free(h->elems);
	free(h->fl);
	free(h->buckets);
	free(h);
}

/* ---- element supply ---- */

static bool count_reserve(struct htab *h)
{
	uint32_t c = __atomic_load_n(&h->count, __ATOMIC_RELAXED);

	/* A CAS loop rather than add-then-undo: a failed attempt must not make a concurrent
	 * insert see a full map that is not. */
	do {
		if (c >= h->map.attr.max_entries)
			return false;
	} while (!__atomic_compare_exchange_n(&h->count, &c, c + 1, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void count_release(struct htab *h) { __atomic_fetch_sub(&h->count, 1, __ATOMIC_RELAXED); }

/* BPF_F_NO_PREALLOC: a new chunk, growing geometrically up to max_entries. Returns one
 * element and pushes the rest; NULL with *oom when memory ran out, NULL without it when every
 * element already exists (one is then on a freelist, since the caller holds a count). */
static struct htab_elem *grow(struct htab *h, bool *oom)
{
	struct htab_elem *first = NULL;
	uint32_t max = h->map.attr.max_entries, n;
	struct chunk *c;

	pthread_mutex_lock(&h->grow_lock);
	if (h->allocated >= max)
		goto out;
	n = h->allocated < 16 ? 16 : h->allocated;
	if (n > max - h->allocated)
		n = max - h->allocated;
	c = calloc(1, sizeof(*c) + (size_t)n * h->elem_size);
	if (!c) {
		*oom = true;
		goto out;
	}
	c->next = h->chunks;
	c->n = n;
	__atomic_store_n(&h->chunks, c, __ATOMIC_RELEASE);
	h->allocated += n;
	first = (struct htab_elem *)(c + 1);
	for (uint32_t i = n; i > 1; i--)
		fl_push(
		    h, my_freelist(h),
		    (struct htab_elem *)((unsigned char *)first + (size_t)(i - 1) * h->elem_size));
out:
	pthread_mutex_unlock(&h->grow_lock);
	return first;
}

/* An element for a caller holding a count; NULL only when memory ran out. */
static struct htab_elem *elem_get(struct htab *h)
{
	for (;;) {
		struct htab_elem *e = fl_pop(h);
		bool oom = false;

		if (e)
			return e;
		if (!h->prealloc) {
			e = grow(h, &oom);
			if (e || oom)
				return e;
		}
		/* Guaranteed to exist: it is being pushed back, or another list got it first. */
		sched_yield();
	}
}

static void elem_put(struct htab *h, struct htab_elem *e)
{
	fl_push(h, my_freelist(h), e);
	count_release(h);
}

/* ---- buckets ---- */

static uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint32_t key_hash(const struct htab *h, const void *key)
{
	const unsigned char *p = key;
	size_t n = h->map.attr.key_size;
	uint64_t acc = h->seed ^ (n * 0x9e3779b97f4a7c15ull);

	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc = rotl64(acc ^ (w * 0xc2b2ae3d27d4eb4full), 31) * 0x9e3779b97f4a7c15ull;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		acc = rotl64(acc ^ (w * 0xc2b2ae3d27d4eb4full), 31) * 0x9e3779b97f4a7c15ull;
	}
	acc ^= acc >> 33;
	acc *= 0xff51afd7ed558ccdull;
	acc ^= acc >> 33;
	return (uint32_t)acc;
}

static struct bucket *bucket_of(struct htab *h, uint32_t hash)
{
	return &h->buckets[hash & (h->n_buckets - 1)];
}

/* Under the bucket lock. */
static struct htab_elem *find(struct htab *h, struct bucket *b, uint32_t hash, const void *key)
{
	for (struct htab_elem *e = b->head; e; e = e->next)
		if (e->hash == hash && !memcmp(e->key, key, h->map.attr.key_size))
			return e;
	return NULL;
}

/* Under the bucket lock. */
static void unlink_elem(struct bucket *b, struct htab_elem *e)
{
	struct htab_elem **pp = &b->head;

	while (*pp != e)
		pp = &(*pp)->next;
	__atomic_store_n(pp, e->next, __ATOMIC_RELAXED); /* walks peek at heads unlocked */
	__atomic_store_n(&e->linked, 0, __ATOMIC_RELAXED);
}

/* ---- values ---- */

static void *this_cpu_value(struct htab *h, struct htab_elem *e)
{
	unsigned char *v = value_area(h, e);

	return h->percpu ? v + (size_t)map_this_cpu() * h->map.value_stride : v;
}

/* A value written by a program (this CPU's, for per-CPU maps) or by the host (every CPU's). */
static void write_value(struct htab *h, struct htab_elem *e, const void *value, uint64_t flags,
			bool host, bool fresh)
{
	unsigned char *v = value_area(h, e);
	uint32_t stride = h->map.value_stride, cpu;

	if (!h->percpu) {
		map_value_in(&h->map, v, value, !fresh && (flags & BPF_F_LOCK));
		if (fresh) {
			/* A reused element: its lock word and padding are from the last key. */
			if (map_has_lock(&h->map))
				map_zero(v, (size_t)h->map.attr.spin_lock_off,
					 (size_t)h->map.attr.spin_lock_off + 4);
			for (uint32_t i = 0; i < h->map.ngraph; i++)
				map_zero(v, h->map.graph[i].off, h->map.graph[i].off + 16);
			for (uint32_t i = 0; i < h->map.nkptrs; i++)
				map_zero(v, h->map.kptrs[i], h->map.kptrs[i] + 8);
			map_zero(v, h->map.attr.value_size, stride);
		}
		return;
	}
	if (host) {
		for (cpu = 0; cpu < h->ncpus; cpu++)
			map_copy_in(v + (size_t)cpu * stride,
				    (const char *)value + (size_t)cpu * stride, 0, stride);
		return;
	}
	/* From a program: this CPU's value; a new element starts at zero on the others. */
	cpu = map_this_cpu();
	for (uint32_t c = 0; fresh && c < h->ncpus; c++)
		if (c != cpu)
			map_zero(v + (size_t)c * stride, 0, stride);
	map_copy_in(v + (size_t)cpu * stride, value, 0, h->map.attr.value_size);
	if (fresh)
		map_zero(v + (size_t)cpu * stride, h->map.attr.value_size, stride);
}

static void fill_elem(struct htab *h, struct htab_elem *e, uint32_t hash, const void *key,
		      const void *value, uint64_t flags, bool host)
{
	memcpy(e->key, key, h->map.attr.key_size);
	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
	write_value(h, e, value, flags, host, true);
}

/* Under the bucket lock. */
static void link_elem(struct bucket *b, struct htab_elem *e)
{
	e->next = b->head;
	__atomic_store_n(&b->head, e, __ATOMIC_RELAXED);
	__atomic_store_n(&e->linked, 1, __ATOMIC_RELAXED);
}

static int check_update_flags(struct htab *h, uint64_t flags)
{
	if (h->percpu || h->lru)
		return flags > BPF_EXIST ? -EINVAL : 0;
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !map_has_lock(&h->map))
		return -EINVAL;
	return 0;
}

/* ---- LRU ---- */

/* The reference count saturates at 2 so that a sweep can tell a key used once since its last
 * visit from a hot one: with a single bit, a map whose keys were all touched once degrades to
 * FIFO and evicts hot keys. Load then store, not an atomic add: a lost increment only makes
 * the policy a little less exact, and a hot key's lookups then only read the line. */
static void mark_used(struct htab_elem *e)
{
	uint8_t r = __atomic_load_n(&e->ref, __ATOMIC_RELAXED);

	if (r < 2)
		__atomic_store_n(&e->ref, r + 1, __ATOMIC_RELAXED);
}

/* CLOCK with counts (GCLOCK): sweep the elements, decrementing counts, and unlink the first
 * linked element found at zero. Three turns suffice unless every element is held by an insert
 * in flight (NULL). */
static struct htab_elem *lru_evict(struct htab *h)
{
	uint32_t n = h->map.attr.max_entries;
	struct htab_elem *victim = NULL;

	map_lock(&h->lru_lock);
	for (uint64_t step = 0; step <= 3ull * n && !victim; step++) {
		struct htab_elem *e = prealloc_elem(h, (uint32_t)(h->hand++ % n));
		uint32_t hash;
		struct bucket *b;

		if (!__atomic_load_n(&e->linked, __ATOMIC_RELAXED))
			continue;
		uint8_t r = __atomic_load_n(&e->ref, __ATOMIC_RELAXED);
		if (r) {
			__atomic_store_n(&e->ref, r - 1, __ATOMIC_RELAXED);
			continue;
		}
		hash = __atomic_load_n(&e->hash, __ATOMIC_RELAXED);
		b = bucket_of(h, hash);
		map_lock(&b->lock);
		/* The hash only changes while unlinked, so linked + same hash = in this bucket. */
		if (__atomic_load_n(&e->linked, __ATOMIC_RELAXED) &&
		    __atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash) {
			unlink_elem(b, e);
			victim = e;
		}
		map_unlock(&b->lock);
	}
	map_unlock(&h->lru_lock);
	return victim;
}

/* Never fails: a full map gives up its least recently used element. The count taken by a
 * free element, or inherited from the victim, goes with the element. */
static struct htab_elem *lru_get(struct htab *h)
{
	for (;;) {
		struct htab_elem *e;

		if (count_reserve(h))
			return elem_get(h);
		e = lru_evict(h);
		if (e) {
			map_value_gone(&h->map, value_area(h, e));
			return e;
		}
		sched_yield(); /* every element is held by an insert in flight */
	}
}

/* Under the bucket lock: the update of a key already in the map. */
static int update_existing(struct htab *h, struct htab_elem *e, const void *value, uint64_t flags,
			   bool host)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) == BPF_NOEXIST)
		return -EEXIST;
	/* In place, word by word: Linux swaps in a new element instead, but either way a
	 * concurrent reader never sees a torn word. */
	write_value(h, e, value, flags, host, false);
	if (h->lru)
		mark_used(e);
	return 0;
}

static long lru_update(struct htab *h, const void *key, const void *value, uint64_t flags,
		       bool host)
{
	uint32_t hash = key_hash(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem *e, *old;
	int err;

	map_lock(&b->lock);
	old = find(h, b, hash, key);
	if (old || flags == BPF_EXIST) {
		err = old ? update_existing(h, old, value, flags, host) : -ENOENT;
		map_unlock(&b->lock);
		if (old && !err && !h->percpu && !(flags & BPF_F_LOCK))
			map_value_gone(&h->map, value_area(h, old));
		return err;
	}
	/* Eviction takes the LRU lock, which must not nest inside a bucket lock. */
	map_unlock(&b->lock);
	e = lru_get(h);
	fill_elem(h, e, hash, key, value, flags, host);
	map_lock(&b->lock);
	old = find(h, b, hash, key);
	if (!old) {
		link_elem(b, e);
		map_unlock(&b->lock);
		return 0;
	}
	/* Another thread inserted the key meanwhile. */
	err = update_existing(h, old, value, flags, host);
	map_unlock(&b->lock);
	if (!err && !h->percpu && !(flags & BPF_F_LOCK))
		map_value_gone(&h->map, value_area(h, old));
	elem_put(h, e);
	return err;
}

/* ---- operations ---- */

static long htab_update_common(struct htab *h, const void *key, const void *value, uint64_t flags,
			       bool host)
{
	uint32_t hash;
	struct bucket *b;
	struct htab_elem *e;
	unsigned char *replaced = NULL;
	int err = check_update_flags(h, flags);

	if (err)
		return err;
	if (h->lru)
		return lru_update(h, key, value, flags, host);
	hash = key_hash(h, key);
	b = bucket_of(h, hash);
	map_lock(&b->lock);
	e = find(h, b, hash, key);
	if (e) {
		err = update_existing(h, e, value, flags, host);
		/* Linux replaces the element, freeing the old one's timers (not with BPF_F_LOCK,
		 * which updates in place). */
		if (!err && !(flags & BPF_F_LOCK))
			replaced = value_area(h, e);
	} else if ((flags & ~(uint64_t)BPF_F_LOCK) == BPF_EXIST) {
		err = -ENOENT;
	} else if (!count_reserve(h)) {
		err = -E2BIG;
	} else if (!(e = elem_get(h))) {
		count_release(h);
		err = -ENOMEM;
	} else {
		fill_elem(h, e, hash, key, value, flags, host);
		link_elem(b, e);
	}
	map_unlock(&b->lock);
	if (replaced && !h->percpu)
		map_value_gone(&h->map, replaced);
	return err;
}

static long htab_update(struct exbpf_map *map, const void *key, const void *value, uint64_t flags)
{
	return htab_update_common(to_htab(map), key, value, flags, false);
}

static int htab_update_copy(struct exbpf_map *map, const void *key, const void *value,
			    uint64_t flags)
{
	return (int)htab_update_common(to_htab(map), key, value, flags, true);
}

static void *htab_lookup(struct exbpf_map *map, const void *key)
{
	struct htab *h = to_htab(map);
	uint32_t hash = key_hash(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem *e;

	map_lock(&b->lock);
	e = find(h, b, hash, key);
	map_unlock(&b->lock);
	if (!e)
		return NULL;
	if (h->lru)
		mark_used(e);
	return this_cpu_value(h, e);
}

/* Host lookups copy under the bucket lock, so the element cannot be recycled mid-copy. They
 * leave the LRU bit alone, as Linux's syscall lookup does. */
static int htab_lookup_copy(struct exbpf_map *map, const void *key, void *value, uint64_t flags)
{
	struct htab *h = to_htab(map);
	uint32_t hash = key_hash(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem *e;

	map_lock(&b->lock);
	e = find(h, b, hash, key);
	if (e && h->percpu)
		map_copy_out(value, value_area(h, e), 0, (size_t)map->value_stride * h->ncpus);
	else if (e)
		map_value_out(map, value, value_area(h, e), flags & BPF_F_LOCK);
	map_unlock(&b->lock);
	return e ? 0 : -ENOENT;
}

static long htab_delete(struct exbpf_map *map, const void *key)
{
	struct htab *h = to_htab(map);
	uint32_t hash = key_hash(h, key);
	struct bucket *b = bucket_of(h, hash);
	struct htab_elem *e;

	map_lock(&b->lock);
	e = find(h, b, hash, key);
	if (e)
		unlink_elem(b, e);
	map_unlock(&b->lock);
	if (!e)
		return -ENOENT;
	map_value_gone(map, value_area(h, e));
	elem_put(h, e);
	return 0;
}

/* The element whose value holds [addr, addr + size): preallocated elements by index, others
 * by chunk; it must be in the map (linked). */
static void *htab_value_at(struct exbpf_map *map, uint64_t addr, size_t size, const void **key,
			   uint32_t *index)
{
	struct htab *h = to_htab(map);
	uint64_t voff = sizeof(struct htab_elem) + h->key_stride, base = 0, n = 0, in;
	struct htab_elem *e;

	(void)index;
	if (h->percpu || size > map->attr.value_size)
		return NULL;
	if (h->prealloc) {
		base = (uintptr_t)h->elems;
		n = map->attr.max_entries;
	} else {
		for (struct chunk *c = __atomic_load_n(&h->chunks, __ATOMIC_ACQUIRE); c;
		     c = c->next) {
			uint64_t s = (uintptr_t)(c + 1);

			if (addr >= s && addr - s < c->n * h->elem_size) {
				base = s;
				n = c->n;
				break;
			}
		}
	}
	if (!base || addr < base || (addr - base) / h->elem_size >= n)
		return NULL;
	in = (addr - base) % h->elem_size;
	if (in < voff || in - voff > map->attr.value_size - size)
		return NULL;
	e = (struct htab_elem *)(uintptr_t)(base + (addr - base) / h->elem_size * h->elem_size);
	if (!__atomic_load_n(&e->linked, __ATOMIC_ACQUIRE))
		return NULL;
	*key = e->key;
	return value_area(h, e);
}

/* Bucket order, then chain order. A key no longer in the map restarts from the first key. */
static int htab_get_next_key(struct exbpf_map *map, const void *key, void *next_key)
{
	struct htab *h = to_htab(map);
	uint32_t i = 0, ks = map->attr.key_size;

	if (key) {
		uint32_t hash = key_hash(h, key);
		struct bucket *b = bucket_of(h, hash);
		struct htab_elem *e;

		map_lock(&b->lock);
		e = find(h, b, hash, key);
		if (e && e->next) {
			memcpy(next_key, e->next->key, ks);
			map_unlock(&b->lock);
			return 0;
		}
		map_unlock(&b->lock);
		if (e)
			i = (hash & (h->n_buckets - 1)) + 1;
	}
	for (; i < h->n_buckets; i++) {
		struct bucket *b = &h->buckets[i];

		if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
			continue; /* only skips buckets empty at some instant of the walk */
		map_lock(&b->lock);
		if (b->head) {
			memcpy(next_key, b->head->key, ks);
			map_unlock(&b->lock);
			return 0;
		}
		map_unlock(&b->lock);
	}
	return -ENOENT;
}

/* The callback may update or delete in this map, so it runs with no lock held: each bucket
 * is read in batches under its lock, then visited. */
static long htab_for_each(struct exbpf_map *map, map_elem_fn fn, void *ctx)
{
	struct htab *h = to_htab(map);
	long n = 0;

	for (uint32_t i = 0; i < h->n_buckets; i++) {
		struct bucket *b = &h->buckets[i];
		uint32_t skip = 0;
		bool more = true;

		while (more) {
			struct htab_elem *batch[FOREACH_BATCH], *e;
			uint32_t got = 0, k = 0;

			if (!__atomic_load_n(&b->head, __ATOMIC_RELAXED))
				break;
			map_lock(&b->lock);
			for (e = b->head; e && k < skip; e = e->next)
				k++;
			for (; e && got < FOREACH_BATCH; e = e->next)
				batch[got++] = e;
			more = e != NULL;
			map_unlock(&b->lock);
			skip += got;
			for (uint32_t j = 0; j < got; j++) {
				bool stop = false;

				n++;
				if (fn(map, batch[j]->key, this_cpu_value(h, batch[j]), ctx,
				       &stop) ||
				    stop)
					return n;
			}
		}
	}
	return n;
}

#define HTAB_OPS(NAME)                                                                             \
	const struct map_ops NAME = {                                                              \
	    .alloc_check = htab_alloc_check,                                                       \
	    .alloc = htab_alloc,                                                                   \
	    .free = htab_free,                                                                     \
	    .lookup = htab_lookup,                                                                 \
	    .update = htab_update,                                                                 \
	    .delete = htab_delete,                                                                 \
	    .lookup_copy = htab_lookup_copy,                                                       \
	    .update_copy = htab_update_copy,                                                       \
	    .get_next_key = htab_get_next_key,                                                     \
	    .for_each = htab_for_each,                                                             \
	    .value_at = htab_value_at,                                                             \
	}

HTAB_OPS(htab_map_ops);
HTAB_OPS(percpu_htab_map_ops);
HTAB_OPS(lru_htab_map_ops);
HTAB_OPS(lru_percpu_htab_map_ops);
