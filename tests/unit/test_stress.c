/* Stress: one prepared program set run from 8 threads at once (on any core count), throwing
 * and not, holding a ring-buffer sample or a spin lock at the throw. Every result and cookie
 * must be exact, every lock free afterwards, every counter exact, the ring never stuck.
 * EXBPF_STRESS_OPS sets the invocations per thread (default 20,000; issue 10 asks 10^6 in
 * long runs). */
#include <errno.h>
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
	long bad, locks;
};

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

	for (long i = 0; i < s->ops; i++) {
		uint8_t byte = (uint8_t)(rand_r(&w->seed) | 1);
		int pick = rand_r(&w->seed) % 4;
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = zeros, .data_size_in = sizeof(zeros));
		int err;

		switch (pick) {
		case 0:
			o.data_in = &byte;
			o.data_size_in = 1;
			err = exbpf_program__run(s->throw_byte, &o);
			w->bad += err || o.retval != byte || o.exception.cookie != byte;
			break;
		case 1:
			err = exbpf_program__run(s->hold_throw, &o);
			w->bad += err || o.retval != 5 || !o.exception.thrown;
			if (exbpf_ringbuf__consume(s->rb, drop, NULL) < 0)
				w->bad++;
			break;
		case 2:
			err = exbpf_program__run(s->lock_throw, &o);
			w->bad += err || o.retval != 6;
			w->locks++;
			break;
		default:
			err = exbpf_program__run(s->no_throw, &o);
			w->bad += err || o.retval != 5 || o.exception.thrown;
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

TEST(stress_threads_throws_and_resources)
{
	struct test_loaded le, lr;
	bool ok_exc = TEST_LOAD(&le, "exceptions_rt", NULL);
	bool ok = TEST_LOAD(&lr, "runtime_release", NULL) && ok_exc;
	struct exbpf_instance *exc = le.inst, *rel = lr.inst;
	const char *ops = getenv("EXBPF_STRESS_OPS");
	struct stress s = {.ops = ops ? atol(ops) : 20000};
	struct worker w[THREADS];
	pthread_t t[THREADS];
	long bad = 0, locks = 0;
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
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){&s, (unsigned)i + 1, 0, 0};
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
		locks += w[i].locks;
	}
	CHECK_EQ(bad, 0);
	v = map_lookup_elem(exbpf_instance__find_map(rel, "locks"), &k);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ(v->lock, 0);		  /* released at every throw */
		CHECK_EQ(v->n, (uint32_t)locks); /* every increment under the lock kept */
	}
out:
	test_unload(&le);
	test_unload(&lr);
}
