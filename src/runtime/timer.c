/* bpf_timer_init / set_callback / start / cancel with Linux's semantics and return codes
 * (kernel/bpf/helpers.c), on one runtime thread that sleeps until the earliest armed timer.
 *
 * Locking: one mutex guards the table, every timer's fields and the thread's state. A callback
 * runs without it, with its timer marked running; whoever must free or cancel a running timer
 * waits on `done` (unless it is the callback itself: then the thread frees it afterwards, as
 * Linux defers the free to a work item). Map code calls timer_value_gone() with no map lock
 * held, so a callback may use any map while someone waits for it. */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/kfuncs.h"
#include "runtime/timer.h"

#define H(name) RT_HELPER(name)

#define TIMER_SIZE 16		/* struct bpf_timer */
#define TIMER_F_ABS 1ull	/* BPF_F_TIMER_ABS */
#define TIMER_F_CPU_PIN 2ull	/* BPF_F_TIMER_CPU_PIN: one thread, nothing to pin */
#define MAX_CLOCKS 16

struct rt_timer {
	struct rt_timer *next;	   /* hash chain */
	struct rt_timer *armed_next, **armed_pprev; /* armed list */
	uint64_t addr;		   /* of the struct bpf_timer */
	struct exbpf_map *map;
	void *value;		   /* the value holding it */
	const void *key;	   /* hash maps: the element's key; arrays: NULL, see index */
	uint32_t index;
	uint32_t clock;		   /* CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME */
	struct exbpf_program *prog; /* the callback's program; NULL: no callback */
	uint64_t cb;		   /* the callback handle */
	uint64_t deadline;	   /* CLOCK_MONOTONIC ns, when armed */
	bool armed, running, dead;
	int waiters;		   /* threads waiting for its callback to end */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the thread: a timer was armed, or stop */
	pthread_cond_t done; /* a callback ended */
	bool started, stop;
	pthread_t thread;
	struct rt_timer **buckets;
	size_t nbuckets, count;
	struct rt_timer *armed;
	/* what the callback running now uses: freeing either waits for it */
	const struct exbpf_program *cur_prog;
	const struct exbpf_map *cur_map;
} svc = {.lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static pthread_once_t svc_once = PTHREAD_ONCE_INIT;

static void svc_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&svc.wake, &a);
	pthread_condattr_destroy(&a);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool on_timer_thread(void)
{
	return svc.started && pthread_equal(svc.thread, pthread_self());
}

/* ---- the table (under svc.lock) ---- */

static size_t bucket(uint64_t addr, size_t n)
{
	return (size_t)((addr >> 3) * 0x9e3779b97f4a7c15ull >> 20) & (n - 1);
}

static struct rt_timer *find(uint64_t addr)
{
	if (!svc.nbuckets)
		return NULL;
	for (struct rt_timer *t = svc.buckets[bucket(addr, svc.nbuckets)]; t; t = t->next)
		if (t->addr == addr)
			return t;
	return NULL;
}

static int insert(struct rt_timer *t)
{
	if (svc.count + 1 > svc.nbuckets * 2) {
		size_t n = svc.nbuckets ? svc.nbuckets * 4 : 64;
		struct rt_timer **b = calloc(n, sizeof(*b));

		if (!b)
			return -ENOMEM;
		for (size_t i = 0; i < svc.nbuckets; i++) {
			for (struct rt_timer *e = svc.buckets[i], *next; e; e = next) {
				next = e->next;
				e->next = b[bucket(e->addr, n)];
				b[bucket(e->addr, n)] = e;
			}
		}
		free(svc.buckets);
		svc.buckets = b;
		svc.nbuckets = n;
	}
	t->next = svc.buckets[bucket(t->addr, svc.nbuckets)];
	svc.buckets[bucket(t->addr, svc.nbuckets)] = t;
	svc.count++;
	return 0;
}

static void disarm(struct rt_timer *t)
{
	if (!t->armed)
		return;
	*t->armed_pprev = t->armed_next;
	if (t->armed_next)
		t->armed_next->armed_pprev = t->armed_pprev;
	t->armed = false;
}

static void arm(struct rt_timer *t, uint64_t deadline)
{
	disarm(t);
	t->deadline = deadline;
	t->armed = true;
	t->armed_next = svc.armed;
	t->armed_pprev = &svc.armed;
	if (svc.armed)
		svc.armed->armed_pprev = &t->armed_next;
	svc.armed = t;
	pthread_cond_signal(&svc.wake);
}

/* Takes t out of the table for good: disarmed, no callback; freed now, or by the last one
 * still using it (the thread after its callback, a waiter). Returns whether it dropped the
 * lock (to wait for the callback). */
static bool destroy(struct rt_timer *t)
{
	bool waited = false;

	struct rt_timer **pp = &svc.buckets[bucket(t->addr, svc.nbuckets)];

	while (*pp != t)
		pp = &(*pp)->next;
	*pp = t->next;
	svc.count--;
	disarm(t);
	t->prog = NULL;
	t->dead = true;
	if (t->running && on_timer_thread())
		return false; /* its own callback: freed when it returns */
	while (t->running) {
		t->waiters++;
		pthread_cond_wait(&svc.done, &svc.lock);
		t->waiters--;
		waited = true;
	}
	if (!t->waiters)
		free(t);
	return waited;
}

/* Waits until the running callback (if any) no longer uses the instance or the map. */
static void wait_unused(const struct exbpf_instance *inst, const struct exbpf_map *map)
{
	if (on_timer_thread())
		return;
	while ((inst && svc.cur_prog && svc.cur_prog->inst == inst) ||
	       (map && svc.cur_map == map))
		pthread_cond_wait(&svc.done, &svc.lock);
}

/* ---- running a callback (on the timer thread, without svc.lock) ---- */

/* A new invocation: r1 = map, r2 = key, r3 = value (Linux's bpf_timer_cb), no context; the
 * key and value are memory of the run, with the program's global data. */
static void fire(struct exbpf_program *prog, uint64_t cb, struct exbpf_map *map, void *value,
		 const void *key, uint32_t index)
{
	struct exbpf_instance *inst = prog->inst;
	struct run_ctx rc = {0};
	char buf[512] = "";
	struct log log;
	struct rt_run rr;
	struct vm_region *regions = calloc(prog->nregions + 2, sizeof(*regions));
	int err;

	rt_run_init(&rr, prog, &rc, &log, NULL);
	if (!regions) {
		fprintf(stderr, "exbpf: timer callback of '%s' skipped: out of memory\n", prog->name);
		return;
	}
	if (!key)
		key = &index;
	log_init(&log, buf, sizeof(buf));
	if (prog->nregions)
		memcpy(regions, prog->regions, prog->nregions * sizeof(*regions));
	regions[prog->nregions] =
	    (struct vm_region){.start = (uintptr_t)key, .size = map->attr.key_size};
	regions[prog->nregions + 1] =
	    (struct vm_region){.start = (uintptr_t)value,
			       .size = map->attr.value_size,
			       .writable = !(map->attr.map_flags & BPF_F_RDONLY_PROG)};
	struct vm_exec x = {
	    .args = {(uintptr_t)map, (uintptr_t)key, (uintptr_t)value},
	    .checked = prog->checked,
	    .budget = inst->budget,
	    .regions = regions,
	    .nregions = prog->nregions + 2,
	    .log = &log,
	    .user = &rr,
	    .entry = (size_t)cb,
	};
	err = rt_engine_exec(prog, &x);
	if (err)
		rt_release_held(&rr);
	if (err < 0)
		fprintf(stderr, "exbpf: timer callback of '%s' failed (%d): %s", prog->name, err, buf);
	free(regions);
}

static struct rt_timer *earliest(void)
{
	struct rt_timer *best = NULL;

	for (struct rt_timer *t = svc.armed; t; t = t->armed_next)
		if (!best || t->deadline < best->deadline)
			best = t;
	return best;
}

static void *timer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&svc.lock);
	while (!svc.stop) {
		struct rt_timer *t = earliest();
		uint64_t now = clock_ns(CLOCK_MONOTONIC);

		if (!t) {
			pthread_cond_wait(&svc.wake, &svc.lock);
			continue;
		}
		if (t->deadline > now) {
			struct timespec ts = {(time_t)(t->deadline / 1000000000ull),
					      (long)(t->deadline % 1000000000ull)};

			pthread_cond_timedwait(&svc.wake, &svc.lock, &ts);
			continue;
		}
		disarm(t);
		if (!t->prog)
			continue;
		struct exbpf_program *prog = t->prog;
		uint64_t cb = t->cb;

		t->running = true;
		svc.cur_prog = prog;
		svc.cur_map = t->map;
		pthread_mutex_unlock(&svc.lock);
		fire(prog, cb, t->map, t->value, t->key, t->index);
		pthread_mutex_lock(&svc.lock);
		t->running = false;
		svc.cur_prog = NULL;
		svc.cur_map = NULL;
		if (t->dead && !t->waiters)
			free(t);
		pthread_cond_broadcast(&svc.done);
	}
	pthread_mutex_unlock(&svc.lock);
	return NULL;
}

/* Under svc.lock. */
static int ensure_thread(void)
{
	if (svc.started)
		return 0;
	svc.stop = false;
	if (pthread_create(&svc.thread, NULL, timer_thread, NULL))
		return -ENOMEM;
	svc.started = true;
	return 0;
}

void rt_timers_idle(void)
{
	pthread_t th;

	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	if (!svc.started || svc.count || on_timer_thread()) {
		pthread_mutex_unlock(&svc.lock);
		return;
	}
	svc.stop = true;
	th = svc.thread;
	pthread_cond_signal(&svc.wake);
	pthread_mutex_unlock(&svc.lock);
	pthread_join(th, NULL);
	pthread_mutex_lock(&svc.lock);
	svc.started = false;
	svc.stop = false;
	if (!svc.count) {
		free(svc.buckets);
		svc.buckets = NULL;
		svc.nbuckets = 0;
	}
	pthread_mutex_unlock(&svc.lock);
}

/* Destroys every timer `pick` selects. destroy() may drop the lock while it waits, so the
 * walk starts over after each one. */
static void destroy_where(bool (*pick)(const struct rt_timer *, const void *), const void *arg)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < svc.nbuckets && !again; i++) {
			for (struct rt_timer *t = svc.buckets[i], *next; t && !again; t = next) {
				next = t->next;
				if (pick(t, arg))
					again = destroy(t);
			}
		}
	}
}

static bool of_map(const struct rt_timer *t, const void *map)
{
	return t->map == map;
}

static bool of_instance(const struct rt_timer *t, const void *inst)
{
	const struct exbpf_instance *in = inst;

	if (t->prog && t->prog->inst == in)
		return true;
	for (size_t i = 0; i < in->nmaps; i++)
		if (in->maps[i] == t->map)
			return true;
	return false;
}

void timer_value_gone(struct exbpf_map *map, void *value)
{
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	if (!value) {
		destroy_where(of_map, map);
		wait_unused(NULL, map);
	} else if (svc.count) {
		for (uint64_t off = 0; off + TIMER_SIZE <= map->attr.value_size; off += 8) {
			struct rt_timer *t = find((uintptr_t)value + off);

			if (t && t->map == map)
				destroy(t);
		}
	}
	pthread_mutex_unlock(&svc.lock);
}

void rt_timers_instance_gone(struct exbpf_instance *inst)
{
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	destroy_where(of_instance, inst);
	wait_unused(inst, NULL);
	for (size_t i = 0; i < inst->nmaps; i++)
		if (inst->maps[i])
			wait_unused(NULL, inst->maps[i]);
	pthread_mutex_unlock(&svc.lock);
	rt_timers_idle();
}

/* ---- the helpers ---- */

/* bpf_timer_init(timer, map, flags): the timer must lie in a value of a hash, LRU hash or
 * array map (Linux's verifier: the map holding it); -EBUSY if it exists already. */
H(rt_timer_init)
{
	struct exbpf_map *map = rt_arg_map(run, r2);
	uint32_t clock = (uint32_t)(r3 & (MAX_CLOCKS - 1)), index = 0;
	const void *key = NULL;
	struct rt_timer *t;
	void *value;
	int err;

	(void)r4, (void)r5;
	if (!map)
		return 0;
	if (r3 >= MAX_CLOCKS ||
	    (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME))
		return (uint64_t)-EINVAL;
	if (map->attr.type != BPF_MAP_TYPE_HASH && map->attr.type != BPF_MAP_TYPE_LRU_HASH &&
	    map->attr.type != BPF_MAP_TYPE_ARRAY) {
		if (run->checked)
			vm_run_fail(run, -EINVAL, "timer_init: bpf_timer is only supported in "
						  "hash, LRU hash and array maps");
		return (uint64_t)-EINVAL;
	}
	if (run->checked && !rt_arg_mem(run, r1, TIMER_SIZE, true, "timer_init timer"))
		return 0;
	value = r1 % 8 ? NULL : map_value_at(map, r1, TIMER_SIZE, &key, &index);
	if (!value) {
		if (run->checked)
			vm_run_fail(run, -EINVAL,
				    "timer_init: 0x%llx is not an aligned bpf_timer in a value of "
				    "map '%s'",
				    (unsigned long long)r1, map->name);
		return (uint64_t)-EINVAL;
	}
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	if (find(r1)) {
		err = -EBUSY;
	} else if (!(t = calloc(1, sizeof(*t)))) {
		err = -ENOMEM;
	} else {
		*t = (struct rt_timer){.addr = r1, .map = map, .value = value, .key = key,
				       .index = index, .clock = clock};
		err = insert(t);
		if (err)
			free(t);
		else
			__atomic_store_n(&map->timers, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&svc.lock);
	return (uint64_t)(int64_t)err;
}

/* bpf_timer_set_callback(timer, cb): cb runs in the calling program (Linux keeps a reference
 * to it); -EINVAL if the timer was not initialised. */
H(rt_timer_set_callback)
{
	struct exbpf_program *prog = rt_run_of(run)->prog;
	struct rt_timer *t;
	int err = 0;

	(void)r3, (void)r4, (void)r5;
	if (!vm_prog_is_callback(prog->vm, r2)) {
		vm_run_fail(run, -EINVAL, "timer_set_callback: 0x%llx is not a callback of '%s'",
			    (unsigned long long)r2, prog->name);
		return 0;
	}
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	t = find(r1);
	if (!t) {
		err = -EINVAL;
	} else {
		t->prog = prog;
		t->cb = r2;
	}
	pthread_mutex_unlock(&svc.lock);
	return (uint64_t)(int64_t)err;
}

/* The CLOCK_MONOTONIC deadline of a start: nsecs from now, or (BPF_F_TIMER_ABS) the time
 * nsecs on the timer's clock. */
static uint64_t deadline_of(const struct rt_timer *t, uint64_t nsecs, uint64_t flags)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC), clk;

	if (!(flags & TIMER_F_ABS))
		return nsecs > UINT64_MAX - now ? UINT64_MAX : now + nsecs;
	clk = t->clock == CLOCK_MONOTONIC ? now : clock_ns((clockid_t)t->clock);
	if (nsecs <= clk)
		return now;
	return nsecs - clk > UINT64_MAX - now ? UINT64_MAX : now + (nsecs - clk);
}

/* bpf_timer_start(timer, nsecs, flags): -EINVAL for unknown flags, a timer not initialised
 * or without a callback. Restarting an armed timer moves it. */
H(rt_timer_start)
{
	struct rt_timer *t;
	int err = 0;

	(void)r4, (void)r5, (void)run;
	if (r3 & ~(TIMER_F_ABS | TIMER_F_CPU_PIN))
		return (uint64_t)-EINVAL;
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	t = find(r1);
	if (!t || !t->prog)
		err = -EINVAL;
	else
		err = ensure_thread();
	if (!err)
		arm(t, deadline_of(t, r2, r3));
	pthread_mutex_unlock(&svc.lock);
	return (uint64_t)(int64_t)err;
}

/* bpf_timer_cancel(timer): drops the callback, as Linux drops its program reference (a new
 * start needs a set_callback first), waits for a running callback, and returns 1 if the timer
 * was armed, 0 if not; -EINVAL if not initialised, -EDEADLK from its own callback. */
H(rt_timer_cancel)
{
	struct rt_timer *t;
	int ret;

	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	pthread_once(&svc_once, svc_init);
	pthread_mutex_lock(&svc.lock);
	t = find(r1);
	if (!t) {
		ret = -EINVAL;
	} else if (t->running && on_timer_thread()) {
		ret = -EDEADLK;
	} else {
		t->prog = NULL;
		while (t->running && !t->dead) {
			t->waiters++;
			pthread_cond_wait(&svc.done, &svc.lock);
			t->waiters--;
		}
		if (t->dead) {
			/* destroyed meanwhile: the last one out frees it */
			if (!t->waiters && !t->running)
				free(t);
			ret = 0;
		} else {
			ret = t->armed;
			disarm(t);
		}
	}
	pthread_mutex_unlock(&svc.lock);
	return (uint64_t)(int64_t)ret;
}
