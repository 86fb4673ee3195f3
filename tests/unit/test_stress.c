/* Stress: one prepared program set run from 8 threads at once (on any core count), throwing
 * and not, holding a ring-buffer sample or a spin lock at the throw. Every result and cookie
 * must be exact, every lock free afterwards, every counter exact, the ring never stuck.
 * EXBPF_STRESS_OPS sets the invocations per thread (default 20,000; issue 10 asks 10^6 in
 * long runs). */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "runtime/map.h"
#include "test_progs.h"
#include "testlib.h"

#define THREADS 8

struct stress {
	struct exbpf_program *throw_byte, *hold_throw, *lock_throw, *no_throw;
	struct exbpf_map *rb;
	long ops;
};

struct worker {
	struct stress *s;
	unsigned seed;
	long bad, locks, full;
};

/* The first few failures are printed, so that a red run says which program failed and how. */
static void note_bad(struct worker *w, const char *prog, int err, const struct exbpf_run_opts *o)
{
	if (w->bad++ < 4)
		fprintf(stderr, "  stress: %s: err %d, retval %llu, thrown %d, cookie %llu: %s\n", prog,
			err, (unsigned long long)o->retval, (int)o->exception.thrown,
			(unsigned long long)o->exception.cookie, o->log_buf ? o->log_buf : "");
}

static int drop(void *ctx, const void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

static void *work(void *p)
{
	static const uint8_t zeros[64];
	struct worker *w = p;
	struct stress *s = w->s;
	char log[256];

	for (long i = 0; i < s->ops; i++) {
		uint8_t byte = (uint8_t)(rand_r(&w->seed) | 1);
		int pick = rand_r(&w->seed) % 4;
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = zeros, .data_size_in = sizeof(zeros),
			   .log_buf = log, .log_size = sizeof(log));
		int err;

		log[0] = 0;
		switch (pick) {
		case 0:
			o.data_in = &byte;
			o.data_size_in = 1;
			err = exbpf_program__run(s->throw_byte, &o);
			if (err || o.retval != byte || o.exception.cookie != byte)
				note_bad(w, "throw_first_byte", err, &o);
			break;
		case 1:
			err = exbpf_program__run(s->hold_throw, &o);
			/* The ring may be full: a producer preempted between its reservation and
			 * the throw holds every later record back from the consumer, as in Linux.
			 * The program then returns 1 without throwing. */
			if (!err && o.retval == 1 && !o.exception.thrown)
				w->full++;
			else if (err || o.retval != 5 || !o.exception.thrown)
				note_bad(w, "hold_and_throw", err, &o);
			err = exbpf_ringbuf__consume(s->rb, drop, NULL);
			if (err < 0)
				note_bad(w, "ringbuf consume", err, &o);
			break;
		case 2:
			err = exbpf_program__run(s->lock_throw, &o);
			if (err || o.retval != 6)
				note_bad(w, "lock_and_throw", err, &o);
			w->locks++;
			break;
		default:
			err = exbpf_program__run(s->no_throw, &o);
			if (err || o.retval != 5 || o.exception.thrown)
				note_bad(w, "no_throw", err, &o);
			break;
		}
	}
	return NULL;
}

static struct exbpf_program *prog(struct exbpf_instance *i, const char *name)
{
	struct exbpf_program *p = exbpf_instance__find_program(i, name);

	if (!p)
		test_fail(__FILE__, __LINE__, "no program %s", name);
	return p;
}

/* One object's programs in one instance, for the engine under test: unverified (checked
 * interpreter), or verified for the interpreter's fast loop or the JIT. */
struct stress_load {
	struct exbpf_env *env;
	struct exbpf_object *obj;
	struct exbpf_instance *inst;
};

static bool stress_load(struct stress_load *l, const char *file, const char *first,
			const char *second, int engine)
{
	const char *also[] = {second, NULL};
	char path[512], log[1024] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .only_program = first, .also_programs = also, .unverified = engine < 0,
		   .engine = engine < 0 ? 0 : (uint32_t)engine);

	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), "%s/%s.bpf.o", test_progs_dir(), file);
	l->env = exbpf_env__new(NULL);
	l->obj = exbpf_object__open_file(path, NULL);
	if (!l->env || !l->obj || exbpf_instance__load(l->env, l->obj, &lo, &l->inst)) {
		test_fail(__FILE__, __LINE__, "load %s: %s", file, log);
		return false;
	}
	return true;
}

static void stress_unload(struct stress_load *l)
{
	exbpf_instance__free(l->inst);
	exbpf_object__close(l->obj);
	exbpf_env__free(l->env);
}

/* engine: -1 unverified (checked interpreter), else an enum exbpf_engine. */
static void stress_engine(int engine)
{
	struct stress_load le, lr;
	bool ok_e = stress_load(&le, "exceptions_rt", "throw_first_byte", "no_throw", engine);
	bool ok = stress_load(&lr, "runtime_release", "hold_and_throw", "lock_and_throw", engine) &&
		  ok_e;
	struct exbpf_instance *exc = le.inst, *rel = lr.inst;
	const char *ops = getenv("EXBPF_STRESS_OPS");
	struct stress s = {.ops = ops ? atol(ops) : 20000};
	struct worker w[THREADS];
	pthread_t t[THREADS];
	long bad = 0, locks = 0, full = 0;
	uint32_t k = 0;
	struct {
		uint32_t lock, n;
	} *v;

	if (!ok)
		goto out;
	s.throw_byte = prog(exc, "throw_first_byte");
	s.no_throw = prog(exc, "no_throw");
	s.hold_throw = prog(rel, "hold_and_throw");
	s.lock_throw = prog(rel, "lock_and_throw");
	s.rb = exbpf_instance__find_map(rel, "rb");
	if (!s.throw_byte || !s.no_throw || !s.hold_throw || !s.lock_throw || !s.rb)
		goto out;
	CHECK_STR(exbpf_program__engine(s.hold_throw),
		  engine < 0 ? "checked" : engine == EXBPF_ENGINE_JIT ? "jit" : "interp");
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){&s, (unsigned)i + 1, 0, 0, 0};
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
		locks += w[i].locks;
		full += w[i].full;
	}
	CHECK_EQ(bad, 0);
	/* Full rings are allowed, a stuck one is not: with every producer done, the discarded
	 * samples drain, the ring is empty and takes a record again. */
	if (full)
		fprintf(stderr, "  stress: the ring was full for %ld of the reservations\n", full);
	CHECK(exbpf_ringbuf__consume(s.rb, drop, NULL) >= 0);
	CHECK_EQ(ringbuf_query(s.rb, BPF_RB_AVAIL_DATA), 0);
	CHECK_EQ(ringbuf_output(s.rb, &k, sizeof(k), 0), 0);
	v = map_lookup_elem(exbpf_instance__find_map(rel, "locks"), &k);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ(v->lock, 0);		  /* released at every throw */
		CHECK_EQ(v->n, (uint32_t)locks); /* every increment under the lock kept */
	}
out:
	stress_unload(&le);
	stress_unload(&lr);
}

TEST(stress_threads_throws_and_resources)
{
	stress_engine(-1);
}

TEST(stress_threads_throws_and_resources_verified_interp)
{
	stress_engine(EXBPF_ENGINE_INTERP);
}

TEST(stress_threads_throws_and_resources_jit)
{
	stress_engine(EXBPF_ENGINE_JIT);
}
