/* Helpers around maps: element access, ring buffers, spin locks, iteration callbacks and
 * tail calls. In unverified runs every pointer a program passes is checked first, and every
 * pointer a helper hands back becomes memory the checked interpreter lets it touch. */
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "runtime/helpers.h"
#include "runtime/kfuncs.h"

#define H(name) RT_HELPER(name)

#define UNUSED3 (void)r3, (void)r4, (void)r5
#define BPF_MAX_LOOPS (8u * 1024 * 1024)

/* Unverified runs only: a verified program never calls these while holding a lock. */
static bool rt_holds_lock(struct exbpf_run *run)
{
	const struct rt_run *rr = rt_run_of(run);

	for (size_t i = 0; i < rr->nheld; i++)
		if (rr->held[i].kind == RT_HELD_SPIN_LOCK)
			return true;
	return false;
}

struct exbpf_map *rt_arg_map(struct exbpf_run *run, uint64_t arg)
{
	struct exbpf_instance *inst = rt_run_of(run)->prog->inst;

	if (!run->checked)
		return (struct exbpf_map *)(uintptr_t)arg;
	for (size_t i = 0; i < inst->nmaps; i++)
		if (inst->maps[i] && (uintptr_t)inst->maps[i] == arg)
			return inst->maps[i];
	vm_run_fail(run, -EFAULT, "argument 0x%llx is not a map of this program",
		    (unsigned long long)arg);
	return NULL;
}

/* Unverified runs: a value with graph roots is freed under its lock when it is replaced or
 * deleted, which would deadlock on a lock the run holds (Linux's verifier refuses any call
 * while a lock is held). */
static bool graph_update_ok(struct exbpf_run *run, const struct exbpf_map *map)
{
	if (!run->checked || !map->ngraph || !rt_holds_lock(run))
		return true;
	vm_run_fail(run, -EINVAL, "function calls are not allowed while holding a lock");
	return false;
}

/* Unverified runs: a value becomes memory of the run, but for its graph roots (their
 * pointers are the collections', never the program's to write or read). */
static int add_value_region(struct exbpf_run *run, const struct exbpf_map *map, void *val,
			    bool writable)
{
	struct map_piece p[MAP_MAX_PIECES];
	uint32_t n;

	if (!map->ngraph)
		return vm_run_add_region(run, (uintptr_t)val, map->attr.value_size, writable);
	n = map_value_pieces(map, p);
	for (uint32_t i = 0; i < n; i++) {
		int err = vm_run_add_region(run, (uintptr_t)val + p[i].off, p[i].size, writable);

		if (err)
			return err;
	}
	return 0;
}

bool rt_arg_mem(struct exbpf_run *run, uint64_t addr, uint64_t size, bool write, const char *what)
{
	if (vm_run_access_ok(run, addr, (size_t)size, write))
		return true;
	vm_run_fail(run, -EFAULT, "%s: %llu bytes at 0x%llx are not %s memory of the run", what,
		    (unsigned long long)size, (unsigned long long)addr,
		    write ? "writable" : "readable");
	return false;
}

static bool map_value_writable(const struct exbpf_map *map)
{
	return !(map->attr.map_flags & BPF_F_RDONLY_PROG);
}

H(rt_map_lookup_elem)
{
	struct exbpf_map *map;
	void *val;

	UNUSED3;
	/* A verified program passes a map and a key of its size: the hot path checks nothing. */
	if (!run->checked)
		return (uintptr_t)map_lookup_elem((struct exbpf_map *)(uintptr_t)r1,
						  (const void *)(uintptr_t)r2);
	map = rt_arg_map(run, r1);
	if (!map || !rt_arg_mem(run, r2, map->attr.key_size, false, "map_lookup_elem key"))
		return 0;
	val = map_lookup_elem(map, (const void *)(uintptr_t)r2);
	if (val && add_value_region(run, map, val, map_value_writable(map))) {
		vm_run_fail(run, -E2BIG, "too many distinct map values in one run");
		return 0;
	}
	return (uintptr_t)val;
}

H(rt_map_update_elem)
{
	struct exbpf_map *map = rt_arg_map(run, r1);

	(void)r5;
	if (run->checked && (r4 & BPF_F_LOCK) && rt_holds_lock(run)) {
		vm_run_fail(run, -EINVAL, "function calls are not allowed while holding a lock");
		return 0;
	}
	if (!map || !graph_update_ok(run, map) ||
	    !rt_arg_mem(run, r2, map->attr.key_size, false, "map_update_elem key") ||
	    !rt_arg_mem(run, r3, map->attr.value_size, false, "map_update_elem value"))
		return 0;
	return (uint64_t)map_update_elem(map, (const void *)(uintptr_t)r2,
					 (const void *)(uintptr_t)r3, r4);
}

H(rt_map_delete_elem)
{
	struct exbpf_map *map = rt_arg_map(run, r1);

	UNUSED3;
	if (!map || !graph_update_ok(run, map) ||
	    !rt_arg_mem(run, r2, map->attr.key_size, false, "map_delete_elem key"))
		return 0;
	return (uint64_t)map_delete_elem(map, (const void *)(uintptr_t)r2);
}

bool rt_hold_full(struct exbpf_run *run)
{
	vm_run_fail(run, -E2BIG, "more than %d references held at once", RT_MAX_HELD);
	return false;
}

bool rt_holds(struct exbpf_run *run, const void *ptr, enum rt_held_kind kind)
{
	struct rt_run *rr = rt_run_of(run);

	for (size_t i = 0; i < rr->nheld; i++)
		if (rr->held[i].ptr == ptr && rr->held[i].kind == kind)
			return true;
	return false;
}

bool rt_unhold_slow(struct exbpf_run *run, uint64_t ptr, enum rt_held_kind kind,
		    const char *what)
{
	struct rt_run *rr = rt_run_of(run);

	/* Newest first: releases usually mirror acquisitions. Order is kept (no swap with the
	 * last) so that a throw releases innermost first. */
	for (size_t i = rr->nheld; i-- > 0;) {
		if ((uintptr_t)rr->held[i].ptr == ptr && rr->held[i].kind == kind) {
			if (i + 1 < rr->nheld)
				memmove(&rr->held[i], &rr->held[i + 1],
					(rr->nheld - i - 1) * sizeof(rr->held[0]));
			rr->nheld--;
			/* the memory stops being the program's; a lock stays inside its value */
			if (run->checked && kind != RT_HELD_SPIN_LOCK)
				vm_run_drop_region(run, ptr);
			return true;
		}
	}
	if (!run->checked)
		return true;
	vm_run_fail(run, -EFAULT, "%s: 0x%llx is not a reference this run holds", what,
		    (unsigned long long)ptr);
	return false;
}

void *rt_ringbuf_reserve_held(struct exbpf_run *run, uint64_t map_arg, uint64_t size,
			      uint64_t flags, const char *what)
{
	struct exbpf_map *map = rt_arg_map(run, map_arg);
	void *s;

	if (!map)
		return NULL;
	if (map->attr.type != BPF_MAP_TYPE_RINGBUF) {
		vm_run_fail(run, -EINVAL, "ringbuf_reserve on a map that is not a ring buffer");
		return NULL;
	}
	s = ringbuf_reserve(map, size, flags);
	if (!s)
		return NULL;
	if (!rt_hold(run, s, RT_HELD_RINGBUF)) {
		ringbuf_discard(s, 0);
		return NULL;
	}
	if (vm_run_add_region(run, (uintptr_t)s, (size_t)size, true)) {
		rt_unhold(run, (uintptr_t)s, RT_HELD_RINGBUF, what);
		ringbuf_discard(s, 0);
		vm_run_fail(run, -E2BIG, "too many distinct regions in one run");
		return NULL;
	}
	return s;
}

H(rt_ringbuf_reserve)
{
	(void)r4, (void)r5;
	return (uintptr_t)rt_ringbuf_reserve_held(run, r1, r2, r3, "ringbuf_reserve");
}

H(rt_ringbuf_submit)
{
	UNUSED3;
	if (!rt_unhold(run, r1, RT_HELD_RINGBUF, "ringbuf_submit"))
		return 0;
	ringbuf_submit((void *)(uintptr_t)r1, r2);
	return 0;
}

H(rt_ringbuf_discard)
{
	UNUSED3;
	if (!rt_unhold(run, r1, RT_HELD_RINGBUF, "ringbuf_discard"))
		return 0;
	ringbuf_discard((void *)(uintptr_t)r1, r2);
	return 0;
}

H(rt_ringbuf_output)
{
	struct exbpf_map *map = rt_arg_map(run, r1);

	(void)r5;
	if (!map || !rt_arg_mem(run, r2, r3, false, "ringbuf_output data"))
		return 0;
	if (map->attr.type != BPF_MAP_TYPE_RINGBUF)
		return (uint64_t)-EINVAL;
	return (uint64_t)ringbuf_output(map, (const void *)(uintptr_t)r2, r3, r4);
}

H(rt_ringbuf_query)
{
	struct exbpf_map *map = rt_arg_map(run, r1);

	UNUSED3;
	if (!map || map->attr.type != BPF_MAP_TYPE_RINGBUF)
		return 0;
	return ringbuf_query(map, r2);
}

/* An unverified program may point bpf_spin_lock at anything (stack garbage that looks
 * taken) or deadlock; its run must still end. Wait a bounded time, then fail. */
#define CHECKED_LOCK_WAIT_NS 1000000000ull

static uint64_t checked_lock(struct exbpf_run *run, void *lock)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!map_spin_trylock(lock)) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec -
			    (uint64_t)t0.tv_nsec >
		    CHECKED_LOCK_WAIT_NS) {
			rt_unhold(run, (uintptr_t)lock, RT_HELD_SPIN_LOCK, "spin_lock");
			vm_run_fail(run, -EDEADLK, "bpf_spin_lock: the lock stayed taken for 1 s "
						   "(not a lock, or a deadlock)");
			return 0;
		}
	}
	return 0;
}

H(rt_spin_lock)
{
	(void)r2, UNUSED3;
	if (!rt_arg_mem(run, r1, 4, true, "spin_lock"))
		return 0;
	/* A second lock would deadlock on itself or order locks badly: Linux's rule. */
	if (run->checked && rt_holds_lock(run)) {
		vm_run_fail(run, -EINVAL, "Locking two bpf_spin_locks are not allowed");
		return 0;
	}
	if (run->checked && r1 % 4) {
		vm_run_fail(run, -EINVAL, "bpf_spin_lock: 0x%llx is not 4-byte aligned",
			    (unsigned long long)r1);
		return 0;
	}
	if (!rt_hold(run, (void *)(uintptr_t)r1, RT_HELD_SPIN_LOCK))
		return 0;
	if (run->checked)
		return checked_lock(run, (void *)(uintptr_t)r1);
	map_spin_lock((void *)(uintptr_t)r1);
	return 0;
}

H(rt_spin_unlock)
{
	(void)r2, UNUSED3;
	if (!rt_arg_mem(run, r1, 4, true, "spin_unlock"))
		return 0;
	if (run->checked && rt_run_of(run)->in_graph_cb) {
		vm_run_fail(run, -EINVAL, "bpf_spin_unlock: not allowed in bpf_rbtree_add's less "
					  "callback");
		return 0;
	}
	if (!rt_unhold(run, r1, RT_HELD_SPIN_LOCK, "spin_unlock"))
		return 0;
	if (run->checked)
		rt_graph_unlock(run);
	map_spin_unlock((void *)(uintptr_t)r1);
	return 0;
}

/* bpf_loop: callback(i, ctx) until it returns nonzero. A failed or throwing callback ends
 * the helper at once; the engine then fails or unwinds the run. */
H(rt_loop)
{
	uint64_t i, r0;

	(void)r5;
	if (r4)
		return (uint64_t)-EINVAL;
	if (r1 > BPF_MAX_LOOPS)
		return (uint64_t)-E2BIG;
	for (i = 0; i < r1; i++) {
		uint64_t args[5] = {i, r3, 0, 0, 0};
		int err = vm_run_call(run, r2, args, &r0);

		if (err)
			return 0;
		if (r0)
			return i + 1;
	}
	return i;
}

struct each_ctx {
	struct exbpf_run *run;
	uint64_t cb, cb_ctx;
	int status;
};

static uint64_t each_elem(struct exbpf_map *map, const void *key, void *value, void *ctx,
			  bool *stop)
{
	struct each_ctx *e = ctx;
	uint64_t r0 = 0;
	uint64_t args[5] = {(uintptr_t)map, (uintptr_t)key, (uintptr_t)value, e->cb_ctx, 0};

	if (vm_run_add_region(e->run, (uintptr_t)key, map->attr.key_size, false) ||
	    add_value_region(e->run, map, value, map_value_writable(map))) {
		e->status = vm_run_fail(e->run, -E2BIG, "too many map elements visited in one run");
		*stop = true;
		return 1;
	}
	e->status = vm_run_call(e->run, e->cb, args, &r0);
	if (e->status)
		*stop = true;
	return r0;
}

H(rt_for_each_map_elem)
{
	struct exbpf_map *map = rt_arg_map(run, r1);
	struct each_ctx e = {run, r2, r3, 0};
	long n;

	(void)r5;
	if (!map)
		return 0;
	if (r4)
		return (uint64_t)-EINVAL;
	n = map_for_each_elem(map, each_elem, &e);
	return e.status ? 0 : (uint64_t)n;
}

/* bpf_tail_call: on success the calling frame ends with the target's return value; on
 * failure (empty slot, index out of range, chain too long) the program goes on. */
H(rt_tail_call)
{
	struct rt_run *rr = rt_run_of(run);
	struct exbpf_map *map = rt_arg_map(run, r2);
	struct exbpf_program *target;
	uint64_t r0;
	int64_t err_insn;
	int err;

	(void)r4, (void)r5;
	if (!map)
		return 0;
	if (map->attr.type != BPF_MAP_TYPE_PROG_ARRAY) {
		vm_run_fail(run, -EINVAL, "tail_call on a map that is not a prog array");
		return 0;
	}
	if (r3 >= map->attr.max_entries || rr->tail_calls >= BPF_MAX_TAIL_CALLS)
		return (uint64_t)-ENOENT;
	target = map_prog_array_get(map, (uint32_t)r3);
	if (!target || !target->loaded)
		return (uint64_t)-ENOENT;
	if (run->checked && r1 != rr->rc->args[0]) {
		vm_run_fail(run, -EFAULT, "tail_call: the first argument must be the context");
		return 0;
	}
	rr->tail_calls++;
	err = rt_exec(target, rr, run, &r0, &err_insn);
	if (err) {
		vm_run_fail(run, err, "in tail-called program '%s'", target->name);
		return 0;
	}
	vm_run_return(run, r0);
	return r0;
}
