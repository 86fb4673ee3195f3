/* BPF_MAP_TYPE_RINGBUF with Linux's layout: page-aligned metadata, then the data pages mapped
 * twice in a row, so that a record wrapping past the end is still contiguous in memory. Each
 * record starts with an 8-byte header: 32-bit length (bit 31 BUSY, bit 30 DISCARD) and the
 * offset in pages from the ring's start (Linux finds the ring from a sample that way; here
 * committing needs only the header, as nobody sleeps on the ring to be woken).
 *
 * Producers reserve under a per-ring lock and commit by clearing BUSY with release order; the
 * consumer reads in position order and stops at the first record still BUSY. */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/map_impl.h"

#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)

struct ringbuf {
	struct exbpf_map map;
	uint64_t mask;
	size_t meta_size, region_size;
	unsigned page_shift;
	uint32_t lock;
	pthread_mutex_t consume_lock; /* one consumer at a time, as libbpf assumes */
	/* Producer and consumer positions on lines of their own: they are hit by different
	 * threads. __atomic, only ever growing. */
	char pad0[64];
	uint64_t consumer_pos;
	char pad1[64];
	uint64_t producer_pos;
	uint64_t pending_pos; /* under lock: oldest record possibly still BUSY */
	char pad2[64];
};

struct ringbuf_hdr {
	uint32_t len; /* __atomic */
	uint32_t pg_off;
};

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

static struct ringbuf *to_rb(struct exbpf_map *map) { return (struct ringbuf *)map; }

static unsigned char *rb_data(struct ringbuf *rb) { return (unsigned char *)rb + rb->meta_size; }

static int ringbuf_alloc_check(const struct exbpf_map_attr *a, char *why, size_t why_size)
{
	size_t page = page_size();

	if (a->map_flags & ~(uint32_t)BPF_F_NUMA_NODE)
		return map_why(why, why_size, -EINVAL,
			       "map_flags 0x%x has flags ring buffers do not take", a->map_flags);
	if (a->key_size || a->value_size)
		return map_why(why, why_size, -EINVAL,
			       "key_size and value_size must be 0 for ring buffers");
	if (!a->max_entries || (a->max_entries & (a->max_entries - 1)) || a->max_entries % page)
		return map_why(
		    why, why_size, -EINVAL,
		    "max_entries %u must be a power of 2 and a multiple of the page size %zu",
		    a->max_entries, page);
	return 0;
}

static struct exbpf_map *ringbuf_alloc(const struct exbpf_map_attr *a)
{
	size_t page = page_size(), size = a->max_entries;
	size_t meta = (sizeof(struct ringbuf) + page - 1) & ~(page - 1);
	size_t region = meta + 2 * size;
	unsigned char *base;
	struct ringbuf *rb;
	int fd;

	fd = memfd_create("exbpf-ringbuf", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail_fd;
	/* Reserve the whole span first so that the three fixed mappings cannot land on
	 * anything else. */
	base = mmap(NULL, region, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		goto fail_fd;
	if (mmap(base, meta, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0) == MAP_FAILED ||
	    mmap(base + meta, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0) ==
		MAP_FAILED ||
	    mmap(base + meta + size, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, fd, 0) ==
		MAP_FAILED) {
		munmap(base, region);
		goto fail_fd;
	}
	close(fd);
	rb = (struct ringbuf *)base;
	memset(rb, 0, sizeof(*rb));
	map_init_common(&rb->map, a);
	rb->mask = size - 1;
	rb->meta_size = meta;
	rb->region_size = region;
	rb->page_shift = (unsigned)__builtin_ctzl(page);
	pthread_mutex_init(&rb->consume_lock, NULL);
	return &rb->map;
fail_fd:
	close(fd);
	return NULL;
}

static void ringbuf_free(struct exbpf_map *map)
{
	struct ringbuf *rb = to_rb(map);

	pthread_mutex_destroy(&rb->consume_lock);
	munmap(rb, rb->region_size);
}

static uint32_t rec_size(uint32_t len)
{
	len &= ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return map_round8(len + BPF_RINGBUF_HDR_SZ);
}

static void *reserve(struct ringbuf *rb, uint64_t size)
{
	uint64_t cons, prod, pend, new_prod, len;
	struct ringbuf_hdr *hdr;

	if (size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	if (len > rb->mask + 1)
		return NULL;
	cons = __atomic_load_n(&rb->consumer_pos, __ATOMIC_ACQUIRE);
	map_lock(&rb->lock);
	prod = rb->producer_pos;
	new_prod = prod + len;
	/* Committed records behind the oldest BUSY one no longer hold space back. */
	pend = rb->pending_pos;
	while (pend < prod) {
		uint32_t l = __atomic_load_n((uint32_t *)(rb_data(rb) + (pend & rb->mask)),
					     __ATOMIC_ACQUIRE);
		if (l & BPF_RINGBUF_BUSY_BIT)
			break;
		pend += rec_size(l);
	}
	rb->pending_pos = pend;
	/* Neither the consumer nor the oldest uncommitted record may be lapped. */
	if (new_prod - cons > rb->mask || new_prod - pend > rb->mask) {
		map_unlock(&rb->lock);
		return NULL;
	}
	hdr = (struct ringbuf_hdr *)(rb_data(rb) + (prod & rb->mask));
	__atomic_store_n(&hdr->len, (uint32_t)size | BPF_RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
	hdr->pg_off = (uint32_t)(((unsigned char *)hdr - (unsigned char *)rb) >> rb->page_shift);
	/* Pairs with the consumer's acquire: it sees the BUSY header before the position. */
	__atomic_store_n(&rb->producer_pos, new_prod, __ATOMIC_RELEASE);
	map_unlock(&rb->lock);
	return hdr + 1;
}

void *ringbuf_reserve(struct exbpf_map *map, uint64_t size, uint64_t flags)
{
	if (map->attr.type != BPF_MAP_TYPE_RINGBUF || flags)
		return NULL;
	return reserve(to_rb(map), size);
}

static void commit(void *sample, bool discard)
{
	struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)sample - 1;
	uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);
	uint32_t new_len = len & ~(uint32_t)BPF_RINGBUF_BUSY_BIT;

	if (discard)
		new_len |= BPF_RINGBUF_DISCARD_BIT;
	/* Release: the consumer that sees BUSY clear sees the record's bytes. Nobody waits on
	 * the ring, so the wakeup flags have nothing to do. */
	__atomic_store_n(&hdr->len, new_len, __ATOMIC_RELEASE);
}

void ringbuf_submit(void *sample, uint64_t flags) { commit(sample, false); }

void ringbuf_discard(void *sample, uint64_t flags) { commit(sample, true); }

long ringbuf_output(struct exbpf_map *map, const void *data, uint64_t size, uint64_t flags)
{
	void *rec;

	if (map->attr.type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	rec = reserve(to_rb(map), size);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	commit(rec, false);
	return 0;
}

uint64_t ringbuf_query(struct exbpf_map *map, uint64_t flags)
{
	struct ringbuf *rb = to_rb(map);

	if (map->attr.type != BPF_MAP_TYPE_RINGBUF)
		return 0;
	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return __atomic_load_n(&rb->producer_pos, __ATOMIC_ACQUIRE) -
		       __atomic_load_n(&rb->consumer_pos, __ATOMIC_ACQUIRE);
	case BPF_RB_RING_SIZE:
		return rb->mask + 1;
	case BPF_RB_CONS_POS:
		return __atomic_load_n(&rb->consumer_pos, __ATOMIC_ACQUIRE);
	case BPF_RB_PROD_POS:
		return __atomic_load_n(&rb->producer_pos, __ATOMIC_ACQUIRE);
	default:
		return 0;
	}
}

EXBPF_API int exbpf_ringbuf__consume(struct exbpf_map *map, exbpf_ringbuf_fn fn, void *ctx)
{
	struct ringbuf *rb;
	uint64_t cons, prod;
	int n = 0, err = 0;

	if (!map || !fn || map->attr.type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rb = to_rb(map);
	pthread_mutex_lock(&rb->consume_lock);
	cons = __atomic_load_n(&rb->consumer_pos, __ATOMIC_RELAXED);
	for (;;) {
		prod = __atomic_load_n(&rb->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		while (cons < prod) {
			unsigned char *rec = rb_data(rb) + (cons & rb->mask);
			uint32_t len = __atomic_load_n((uint32_t *)rec, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out;
			cons += rec_size(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = fn(ctx, rec + BPF_RINGBUF_HDR_SZ,
					 len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT);
				if (err < 0) {
					/* Like libbpf, the record the callback refused is consumed.
					 */
					__atomic_store_n(&rb->consumer_pos, cons, __ATOMIC_RELEASE);
					goto out;
				}
				if (n < INT32_MAX)
					n++;
			}
			/* Release: producers reuse the space only after we are done with it. */
			__atomic_store_n(&rb->consumer_pos, cons, __ATOMIC_RELEASE);
		}
	}
out:
	pthread_mutex_unlock(&rb->consume_lock);
	return err < 0 ? err : n;
}

/* The generic calls do not apply to ring buffers (Linux: -ENOTSUPP). */

static void *ringbuf_lookup(struct exbpf_map *map, const void *key) { return NULL; }

static long ringbuf_update(struct exbpf_map *map, const void *key, const void *value,
			   uint64_t flags)
{
	return -EOPNOTSUPP;
}

static long ringbuf_delete(struct exbpf_map *map, const void *key) { return -EOPNOTSUPP; }

static int ringbuf_lookup_copy(struct exbpf_map *map, const void *key, void *value, uint64_t flags)
{
	return -EOPNOTSUPP;
}

static int ringbuf_update_copy(struct exbpf_map *map, const void *key, const void *value,
			       uint64_t flags)
{
	return -EOPNOTSUPP;
}

static int ringbuf_get_next_key(struct exbpf_map *map, const void *key, void *next_key)
{
	return -EOPNOTSUPP;
}

const struct map_ops ringbuf_map_ops = {
    .alloc_check = ringbuf_alloc_check,
    .alloc = ringbuf_alloc,
    .free = ringbuf_free,
    .lookup = ringbuf_lookup,
    .update = ringbuf_update,
    .delete = ringbuf_delete,
    .lookup_copy = ringbuf_lookup_copy,
    .update_copy = ringbuf_update_copy,
    .get_next_key = ringbuf_get_next_key,
};
