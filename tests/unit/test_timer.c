/* bpf_timer through the public API on tests/progs/runtime_helpers.bpf.o: a run arms a timer,
 * its callback runs later on the runtime's thread and writes the map, which the host polls;
 * a callback cancelling its own timer gets -EDEADLK; deleting the element, or freeing the
 * instance, cancels. Also: trace_printk output reaches the host's sink, and a socket filter's
 * legacy loads read a real frame. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <exbpf/exbpf.h>

#include "test_progs.h"
#include "testlib.h"

struct tval {
	uint64_t t[2];
	uint64_t fired;
	int64_t cancel_ret;
	uint64_t key_seen;
};

static bool load_env(struct test_loaded *l, const struct exbpf_env_opts *eo)
{
	return TEST_LOAD(l, "runtime_helpers", exbpf_env__new(eo));
}

static bool load(struct test_loaded *l)
{
	return load_env(l, NULL);
}

static int64_t run_data(struct test_loaded *l, const char *name, const void *data, size_t size)
{
	struct exbpf_program *p = exbpf_instance__find_program(l->inst, name);
	char log[512] = "";
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = data, .data_size_in = size, .log_buf = log,
		   .log_size = sizeof(log));
	int err;

	if (!p) {
		test_fail(__FILE__, __LINE__, "no program %s", name);
		return -1000;
	}
	err = exbpf_program__run(p, &o);
	if (err) {
		test_fail(__FILE__, __LINE__, "run %s: %d %s", name, err, log);
		return -1000;
	}
	return (int32_t)o.retval;
}

static int64_t run(struct test_loaded *l, const char *name)
{
	static const uint8_t zeros[64];

	return run_data(l, name, zeros, sizeof(zeros));
}

static struct tval get(struct test_loaded *l, const char *map, uint32_t key, int *err)
{
	struct tval v = {0};

	*err = exbpf_map__lookup_elem(exbpf_instance__find_map(l->inst, map), &key, &v, 0);
	return v;
}

/* timer_fires in .bss, after the int tail_count: at offset 8. */
static uint64_t timer_fires(struct test_loaded *l)
{
	struct exbpf_map *bss = exbpf_instance__find_map(l->inst, ".bss");
	uint8_t buf[64] = {0};
	uint32_t zero = 0;
	uint64_t n = ~0ull;

	if (!bss || exbpf_map__value_size(bss) != 16 || exbpf_map__lookup_elem(bss, &zero, buf, 0))
		test_fail(__FILE__, __LINE__, "no 16-byte .bss");
	else
		memcpy(&n, buf + 8, sizeof(n));
	return n;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Polls up to a second for the element's callback to have run. */
static struct tval wait_fired(struct test_loaded *l, const char *map, uint32_t key)
{
	struct tval v = {0};
	int err;

	for (int i = 0; i < 1000; i++) {
		v = get(l, map, key, &err);
		if (!err && v.fired)
			break;
		sleep_ms(1);
	}
	/* the callback may still be finishing its run: read again once it surely has */
	sleep_ms(10);
	struct tval again = get(l, map, key, &err);

	return err ? v : again;
}

TEST(timer_fires_and_runs_callback)
{
	struct test_loaded l;
	struct tval v;

	if (!load(&l))
		goto out;
	CHECK_EQ(run(&l, "timer_arm_array"), 0);
	v = wait_fired(&l, "tarr", 1);
	CHECK_EQ(v.fired, 1);
	CHECK_EQ(v.key_seen, 1); /* r2 = the key, r3 = the value */
	CHECK_EQ(timer_fires(&l), 1); /* global data is the callback's memory too */
	/* fires once: no periodic restart */
	sleep_ms(20);
	v = wait_fired(&l, "tarr", 1);
	CHECK_EQ(v.fired, 1);
	/* a second run re-arms the same timer (-EBUSY from init is expected there) */
	CHECK_EQ(run(&l, "timer_arm_array"), 0);
	for (int i = 0; i < 1000 && v.fired < 2; i++) {
		int err;

		sleep_ms(1);
		v = get(&l, "tarr", 1, &err);
	}
	CHECK_EQ(v.fired, 2);
out:
	test_unload(&l);
}

TEST(timer_cancel_codes)
{
	struct test_loaded l;
	struct tval v;
	int err;

	if (!load(&l))
		goto out;
	/* 14 steps: init / set_callback / start / cancel with Linux's return codes */
	CHECK_EQ(run(&l, "timer_codes"), 14);
	/* the 10 s timer it armed then cancelled never fires */
	sleep_ms(20);
	v = get(&l, "tarr", 0, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(v.fired, 0);
out:
	test_unload(&l);
}

TEST(timer_cancel_from_own_callback)
{
	struct test_loaded l;
	struct tval v;

	if (!load(&l))
		goto out;
	CHECK_EQ(run(&l, "timer_arm_self_cancel"), 0);
	v = wait_fired(&l, "tarr", 2);
	CHECK_EQ(v.fired, 1);
	CHECK_EQ(v.cancel_ret, -EDEADLK);
out:
	test_unload(&l);
}

TEST(timer_delete_element_cancels)
{
	struct test_loaded l;
	struct exbpf_map *h;
	uint32_t k = 7;
	struct tval v;
	int err;

	if (!load(&l))
		goto out;
	h = exbpf_instance__find_map(l.inst, "thash");
	/* armed for 50 ms, deleted at once */
	CHECK_EQ(run(&l, "timer_arm_hash"), 0);
	CHECK_EQ(exbpf_map__delete_elem(h, &k), 0);
	sleep_ms(120);
	v = get(&l, "thash", 7, &err);
	CHECK_EQ(err, -ENOENT);
	CHECK_EQ(timer_fires(&l), 0); /* no callback ran */
	/* the element comes back without a timer; arming it again works, and fires */
	CHECK_EQ(run(&l, "timer_arm_hash"), 0);
	v = wait_fired(&l, "thash", 7);
	CHECK_EQ(v.fired, 1);
out:
	test_unload(&l);
}

TEST(timer_update_cancels)
{
	struct test_loaded l;
	struct exbpf_map *h;
	uint32_t k = 7;
	struct tval zero = {0}, v;
	int err;

	if (!load(&l))
		goto out;
	h = exbpf_instance__find_map(l.inst, "thash");
	/* Linux replaces an updated hash element: its timer goes with the old one */
	CHECK_EQ(run(&l, "timer_arm_hash"), 0);
	CHECK_EQ(exbpf_map__update_elem(h, &k, &zero, BPF_ANY), 0);
	sleep_ms(120);
	v = get(&l, "thash", 7, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(v.fired, 0);
out:
	test_unload(&l);
}

/* Freeing the instance with timers armed (and one about to fire) cancels them: no callback
 * runs on freed programs (ASan would see it). */
TEST(timer_instance_free_cancels)
{
	for (int i = 0; i < 20; i++) {
		struct test_loaded l;

		if (!load(&l)) {
			test_unload(&l);
			break;
		}
		CHECK_EQ(run(&l, "timer_arm_hash"), 0);
		CHECK_EQ(run(&l, "timer_arm_self_cancel"), 0);
		sleep_ms(i % 3);
		test_unload(&l);
	}
}

struct sink {
	char msg[128];
	char prog[64];
	int n;
};

static void sink_fn(void *ctx, const char *prog, const char *msg)
{
	struct sink *s = ctx;

	snprintf(s->msg, sizeof(s->msg), "%s", msg);
	snprintf(s->prog, sizeof(s->prog), "%s", prog);
	s->n++;
}

TEST(trace_printk_reaches_host_sink)
{
	struct sink s = {0};
	EXBPF_OPTS(exbpf_env_opts, eo, .trace_printk = sink_fn, .trace_ctx = &s);
	struct test_loaded l;

	if (!load_env(&l, &eo))
		goto out;
	CHECK_EQ(run(&l, "trace_printk_len"), 9);
	CHECK_EQ(s.n, 1);
	CHECK_STR(s.msg, "hello 42"); /* the newline is the sink's business */
	CHECK_STR(s.prog, "trace_printk_len");
out:
	test_unload(&l);
}

/* An IPv4 frame: the socket filter reads the Ethernet type through SKF_LL_OFF. */
TEST(ld_abs_socket_reads_frame)
{
	uint8_t frame[64] = {0};
	struct test_loaded l;

	frame[12] = 0x08; /* ETH_P_IP */
	frame[13] = 0x00;
	frame[14 + 49] = 0x7f; /* the last byte */
	if (!load(&l))
		goto out;
	CHECK_EQ(run_data(&l, "ld_abs_eth_type", frame, sizeof(frame)), 0x900);
	CHECK_EQ(run_data(&l, "ld_abs_last_byte", frame, sizeof(frame)), 0x300 + 2 * 0x7f);
	CHECK_EQ(run_data(&l, "ld_abs_out_of_range", frame, sizeof(frame)), 0);
out:
	test_unload(&l);
}
