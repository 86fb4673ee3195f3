/* Exceptions at run time through the public API: nested invocations, concurrent throws with
 * exact cookies, and repeated throws that must not leak ring space or leave a lock held. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "test_progs.h"
#include "testlib.h"

static struct exbpf_program *inner_prog;
static struct exbpf_exception inner_report;

/* The host kfunc nest_outer calls: runs nest_inner on one byte, returns its result. */
static uint64_t host_run(uint64_t cookie, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			 struct exbpf_run *run)
{
	uint8_t byte = (uint8_t)cookie;
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = &byte, .data_size_in = 1);

	(void)b, (void)c, (void)d, (void)e, (void)run;
	if (exbpf_program__run(inner_prog, &o))
		return UINT64_MAX;
	inner_report = o.exception;
	return o.retval;
}

/* Loads an object, with exbpf_test_host_run registered first when asked. */
static bool load(const char *name, bool with_host_run, struct test_loaded *l)
{
	static const struct exbpf_func_proto proto = {.ret = EXBPF_RET_INTEGER,
						      .args = {EXBPF_ARG_SCALAR}};
	struct exbpf_env *env = exbpf_env__new(NULL);

	if (env && with_host_run)
		CHECK_EQ(exbpf_env__register_kfunc(env, "exbpf_test_host_run", host_run, &proto), 0);
	return TEST_LOAD(l, name, env);
}

TEST(exceptions_nested_invocations)
{
	struct test_loaded l;
	uint8_t byte = 0;
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = &byte, .data_size_in = 1);

	if (!load("exceptions_nest", true, &l))
		goto out;
	inner_prog = exbpf_instance__find_program(l.inst, "nest_inner");
	CHECK_EQ(exbpf_program__run(exbpf_instance__find_program(l.inst, "nest_outer"), &o), 0);
	/* inner: throws 9, no callback, returns 9; outer: throws 10, times_ten gives 100 */
	CHECK(inner_report.thrown);
	CHECK_EQ(inner_report.cookie, 9);
	CHECK_STR(inner_report.frames[0].func, "nest_inner");
	CHECK_EQ(o.retval, 100);
	CHECK(o.exception.thrown);
	CHECK_EQ(o.exception.cookie, 10);
	CHECK_STR(o.exception.frames[0].func, "nest_outer");
	CHECK_EQ(o.exception.nframes, 1);
out:
	test_unload(&l);
}

#define MT_RUNS 1000000

struct mt {
	struct exbpf_program *prog;
	unsigned seed, bad;
};

/* Each run throws its own byte; the result must be that byte, never another thread's. */
static void *mt_throws(void *p)
{
	struct mt *m = p;
	const char *env = getenv("EXBPF_MT_OPS");
	long runs = env ? atol(env) : MT_RUNS;

	for (long i = 0; i < runs; i++) {
		uint8_t byte = (uint8_t)(rand_r(&m->seed) | 1);
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = &byte, .data_size_in = 1);

		if (exbpf_program__run(m->prog, &o) || o.retval != byte || !o.exception.thrown ||
		    o.exception.cookie != byte)
			m->bad++;
	}
	return NULL;
}

TEST(exceptions_concurrent_cookies_exact)
{
	struct test_loaded l;
	struct mt m[2] = {{NULL, 1, 0}, {NULL, 2, 0}};
	pthread_t t[2];

	if (!load("exceptions_rt", false, &l))
		goto out;
	m[0].prog = m[1].prog = exbpf_instance__find_program(l.inst, "throw_first_byte");
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mt_throws, &m[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(m[0].bad, 0);
	CHECK_EQ(m[1].bad, 0);
out:
	test_unload(&l);
}

static int count(void *ctx, const void *data, size_t size)
{
	(void)data, (void)size;
	(*(int *)ctx)++;
	return 0;
}

/* 1,000 throws while holding a sample: each is discarded, so the ring never fills and the
 * consumer never stalls; 1,000 throws while holding a lock: it is free after each. */
TEST(exceptions_repeated_release)
{
	static const uint8_t zeros[64];
	struct test_loaded l;
	struct exbpf_map *rb;
	int records = 0, bad = 0;

	if (!load("runtime_release", false, &l))
		goto out;
	rb = exbpf_instance__find_map(l.inst, "rb");
	for (int i = 0; i < 1000; i++) {
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = zeros, .data_size_in = sizeof(zeros));

		if (exbpf_program__run(exbpf_instance__find_program(l.inst, "hold_and_throw"), &o) ||
		    o.retval != 5)
			bad++;
		if (exbpf_ringbuf__consume(rb, count, &records) != 0)
			bad++;
		if (exbpf_program__run(exbpf_instance__find_program(l.inst, "lock_and_throw"), &o) ||
		    o.retval != 6)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(records, 0);
out:
	test_unload(&l);
}
