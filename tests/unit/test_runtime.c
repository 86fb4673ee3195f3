/* The runtime through its public API, on compiled tests/progs objects: release of held
 * resources on a throw, observed from the host; the exception report; context rules of
 * checked runs; concurrent runs of one program; load errors. */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "runtime/map.h"
#include "test_progs.h"
#include "testlib.h"

static int run(struct test_loaded *l, const char *prog, struct exbpf_run_opts *o)
{
	static const uint8_t zeros[64];
	struct exbpf_program *p = exbpf_instance__find_program(l->inst, prog);

	if (!p) {
		test_fail(__FILE__, __LINE__, "no program %s", prog);
		return -ENOENT;
	}
	o->data_in = zeros;
	o->data_size_in = sizeof(zeros);
	return exbpf_program__run(p, o);
}

static int count_record(void *ctx, const void *data, size_t size)
{
	uint64_t v;

	if (size == sizeof(v)) {
		memcpy(&v, data, sizeof(v));
		*(uint64_t *)ctx = v;
	}
	return 0;
}

TEST(runtime_throw_discards_ringbuf_sample)
{
	struct test_loaded l;
	EXBPF_OPTS(exbpf_run_opts, o);
	uint64_t last = 0;

	if (!TEST_LOAD(&l, "runtime_release", NULL))
		goto out;
	CHECK_EQ(run(&l, "hold_and_throw", &o), 0);
	CHECK_EQ(o.retval, 5);
	CHECK(o.exception.thrown);
	CHECK_EQ(o.exception.cookie, 5);
	CHECK_STR(o.exception.frames[0].func, "hold_and_throw");
	CHECK_STR(o.exception.frames[0].file, "runtime_release.bpf.c");
	CHECK(o.exception.frames[0].line > 0);
	/* The discarded sample is skipped, and does not block the record after it. */
	CHECK_EQ(run(&l, "output_one", &o), 0);
	CHECK(!o.exception.thrown);
	CHECK_EQ(exbpf_ringbuf__consume(exbpf_instance__find_map(l.inst, "rb"), count_record,
					&last),
		 1);
	CHECK_EQ(last, 0x1234);
out:
	test_unload(&l);
}

TEST(runtime_throw_unlocks_spin_lock)
{
	struct test_loaded l;
	EXBPF_OPTS(exbpf_run_opts, o);
	uint32_t k = 0;
	struct {
		uint32_t lock, n;
	} *v;

	if (!TEST_LOAD(&l, "runtime_release", NULL))
		goto out;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(run(&l, "lock_and_throw", &o), 0);
		CHECK_EQ(o.retval, 6);
	}
	v = map_lookup_elem(exbpf_instance__find_map(l.inst, "locks"), &k);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ(v->lock, 0);
		CHECK_EQ(v->n, 3);
	}
out:
	test_unload(&l);
}

TEST(runtime_throw_drops_object)
{
	struct test_loaded l;
	EXBPF_OPTS(exbpf_run_opts, o);

	/* Under SAN=1, LeakSanitizer fails the suite if the object is not freed. */
	if (!TEST_LOAD(&l, "runtime_release", NULL))
		goto out;
	CHECK_EQ(run(&l, "obj_and_throw", &o), 0);
	CHECK_EQ(o.retval, 7);
	CHECK_EQ(o.exception.cookie, 7);
out:
	test_unload(&l);
}

TEST(runtime_checked_ctx_rules)
{
	struct test_loaded l;
	char log[512] = "";
	EXBPF_OPTS(exbpf_run_opts, o, .log_buf = log, .log_size = sizeof(log));

	if (!TEST_LOAD(&l, "runtime_release", NULL))
		goto out;
	CHECK_EQ(run(&l, "write_len", &o), -EACCES);
	CHECK_CONTAINS(log, "invalid bpf_context access off=0 size=4 (the field is read-only)");
out:
	test_unload(&l);
}

TEST(runtime_exception_frames)
{
	struct test_loaded l;
	EXBPF_OPTS(exbpf_run_opts, o);
	static const char *const want[] = {"depth3", "depth2", "depth1", "throw_deep"};

	if (!TEST_LOAD(&l, "exceptions_rt", NULL))
		goto out;
	CHECK_EQ(run(&l, "throw_deep", &o), 0);
	CHECK_EQ(o.retval, 166);
	CHECK_EQ(o.exception.cookie, 66);
	CHECK_EQ(o.exception.nframes, 4);
	for (uint32_t i = 0; i < 4 && i < o.exception.nframes; i++)
		CHECK_STR(o.exception.frames[i].func, want[i]);
	/* A bpf_loop callback's throw: the callback, then the program's call of bpf_loop. */
	CHECK_EQ(run(&l, "throw_in_loop", &o), 0);
	CHECK_EQ(o.retval, 605);
	CHECK_EQ(o.exception.nframes, 2);
	CHECK_STR(o.exception.frames[0].func, "loop_throws");
	CHECK_STR(o.exception.frames[1].func, "throw_in_loop");
out:
	test_unload(&l);
}

struct mt_arg {
	struct test_loaded *l;
	int bad;
};

static void *mt_runs(void *p)
{
	struct mt_arg *a = p;

	for (int i = 0; i < 5000; i++) {
		EXBPF_OPTS(exbpf_run_opts, o);
		const char *prog = i & 1 ? "throw_deep" : "no_throw";

		if (run(a->l, prog, &o) || o.retval != (i & 1 ? 166u : 5u) ||
		    o.exception.thrown != (i & 1))
			a->bad++;
	}
	return NULL;
}

TEST(runtime_concurrent_runs)
{
	struct test_loaded l;
	struct mt_arg a[2] = {{&l, 0}, {&l, 0}};
	pthread_t t[2];

	if (!TEST_LOAD(&l, "exceptions_rt", NULL))
		goto out;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mt_runs, &a[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(a[0].bad + a[1].bad, 0);
out:
	test_unload(&l);
}

static uint64_t late_kfunc(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct exbpf_run *run)
{
	(void)b, (void)c, (void)d, (void)e, (void)run;
	return a;
}

TEST(runtime_load_errors)
{
	char path[512], log[512] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .unverified = true);
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst = NULL;

	snprintf(path, sizeof(path), "%s/loader_kfunc_unknown.bpf.o", test_progs_dir());
	obj = exbpf_object__open_file(path, NULL);
	CHECK(obj != NULL);
	if (obj && env) {
		CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), -ESRCH);
		CHECK_CONTAINS(log, "bpf_exbpf_no_such_kfunc");
		/* A verified load resolves the externs first, too. */
		lo.unverified = false;
		CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), -ESRCH);
		/* Registries are read-only once something was loaded. */
		CHECK_EQ(exbpf_env__register_kfunc(env, "late", late_kfunc, NULL), -EBUSY);
	}
	exbpf_object__close(obj);
	exbpf_env__free(env);
}

/* An embedder's program type: its section name given at open, its context table enforced. */
TEST(runtime_user_prog_type)
{
	static const struct exbpf_sec_type secs[] = {{"exbpf_demo", EXBPF_PROG_TYPE_USER + 1}};
	static const struct exbpf_ctx_field fields[] = {
		{0, 4, EXBPF_CTX_READ}, {4, 4, EXBPF_CTX_READ | EXBPF_CTX_WRITE}, {8, 8, EXBPF_CTX_READ}};
	EXBPF_OPTS(exbpf_prog_type_desc, desc, .type = EXBPF_PROG_TYPE_USER + 1, .name = "demo",
		   .ctx_size = 16, .fields = fields, .nfields = 3, .ret_min = 1, .ret_max = 0);
	char path[512], log[512] = "";
	EXBPF_OPTS(exbpf_open_opts, oo, .sec_types = secs, .nsec_types = 1);
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .all_programs = true, .unverified = true);
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst = NULL;
	struct {
		uint32_t in, out;
		uint64_t ro;
	} ctx = {20, 0, 0};

	snprintf(path, sizeof(path), "%s/../progs_host/user_type.bpf.o", test_progs_dir());
	CHECK(exbpf_object__open_file(path, NULL) == NULL); /* unknown section without the host */
	obj = exbpf_object__open_file(path, &oo);
	CHECK(obj != NULL);
	CHECK_EQ(exbpf_env__register_prog_type(env, &desc), 0);
	CHECK_EQ(exbpf_env__register_prog_type(env, &desc), -EEXIST);
	desc.type = 5;
	CHECK_EQ(exbpf_env__register_prog_type(env, &desc), -EINVAL);
	if (!obj || exbpf_instance__load(env, obj, &lo, &inst)) {
		test_fail(__FILE__, __LINE__, "load: %s", log);
		goto out;
	}
	{
		__typeof__(ctx) after = {0};
		EXBPF_OPTS(exbpf_run_opts, o, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			   .ctx_out = &after, .ctx_size_out = sizeof(after), .log_buf = log,
			   .log_size = sizeof(log));

		CHECK_EQ(exbpf_program__run(exbpf_instance__find_program(inst, "user_double"), &o),
			 0);
		CHECK_EQ(o.retval, 21);
		CHECK_EQ(o.ctx_size_out, sizeof(after));
		CHECK_EQ(after.in, 20);
		CHECK_EQ(after.out, 40);
		CHECK_EQ(exbpf_program__run(exbpf_instance__find_program(inst, "user_writes_ro"),
					    &o),
			 -EACCES);
		CHECK_CONTAINS(log, "read-only");
	}
out:
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
}

static int twice_after_throw; /* the kfunc's code after a thrown callback still ran */

static uint64_t test_twice(uint64_t cb, uint64_t arg, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct exbpf_run *run)
{
	uint64_t args[5] = {arg}, r0 = 0;
	int st;

	(void)r3, (void)r4, (void)r5;
	for (int i = 0; i < 2; i++) {
		st = exbpf_run__callback(run, cb, args, &r0);
		if (st) {
			twice_after_throw += st == EXBPF_CALLBACK_THROWN;
			return 0;
		}
		args[0] = r0;
	}
	return r0;
}

/* The status contract: a callback's throw reaches an embedder's kfunc as a status. */
TEST(runtime_embedder_callback_throws)
{
	static const struct exbpf_func_proto proto = {
		.ret = EXBPF_RET_INTEGER,
		.args = {EXBPF_ARG_PTR_TO_FUNC, EXBPF_ARG_SCALAR},
		.flags = EXBPF_FN_CALLBACK,
	};
	char path[512], log[512] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .unverified = true);
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst = NULL;
	struct exbpf_program *p;
	uint8_t data[60] = {0};

	snprintf(path, sizeof(path), "%s/../progs_host/host_callback.bpf.o", test_progs_dir());
	obj = exbpf_object__open_file(path, NULL);
	CHECK_EQ(exbpf_env__register_kfunc(env, "exbpf_test_twice", test_twice, &proto), 0);
	if (!obj || exbpf_instance__load(env, obj, &lo, &inst)) {
		test_fail(__FILE__, __LINE__, "load: %s", log);
		goto out;
	}
	p = exbpf_instance__find_program(inst, "host_cb");
	{
		/* len 30: 30 -> 60 -> 120, no throw */
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = data, .data_size_in = 30);

		CHECK_EQ(exbpf_program__run(p, &o), 0);
		CHECK_EQ(o.retval, 120);
		CHECK(!o.exception.thrown);
	}
	{
		/* len 60: 60 -> 120, then the callback throws 120; plus_one gives 121 */
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = data, .data_size_in = 60);

		twice_after_throw = 0;
		CHECK_EQ(exbpf_program__run(p, &o), 0);
		CHECK_EQ(o.retval, 121);
		CHECK_EQ(o.exception.cookie, 120);
		CHECK_EQ(twice_after_throw, 1);
		CHECK_STR(o.exception.frames[0].func, "cb_double");
		CHECK_STR(o.exception.frames[o.exception.nframes - 1].func, "host_cb");
	}
out:
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
}

/* A verified program runs unchecked: no instruction budget, its context accesses rewritten
 * (the packet span comes from the runtime's 64-bit pointers); loaded unverified, the same
 * program runs in the checked interpreter and its budget ends it. */
TEST(runtime_verified_runs_unchecked)
{
	static const char *const progs[] = {"bench_verify_loop_1000"};
	static const uint8_t zeros[64];
	char path[512], log[1024] = "";
	struct exbpf_env *env = exbpf_env__new(NULL);

	for (int verified = 0; verified < 2; verified++) {
		EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
			   .only_program = progs[0], .unverified = !verified, .insn_budget = 100);
		EXBPF_OPTS(exbpf_run_opts, o, .log_buf = log, .log_size = sizeof(log),
			   .data_in = zeros, .data_size_in = sizeof(zeros));
		struct exbpf_instance *inst = NULL;
		struct exbpf_object *obj;
		struct exbpf_program *p;

		snprintf(path, sizeof(path), "%s/bench_verify_loop.bpf.o", test_progs_dir());
		obj = exbpf_object__open_file(path, NULL);
		CHECK(obj != NULL);
		if (!obj)
			break;
		CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), 0);
		p = inst ? exbpf_instance__find_program(inst, progs[0]) : NULL;
		CHECK(p != NULL);
		if (p) {
			int err = exbpf_program__run(p, &o);

			if (verified) {
				CHECK_EQ(err, 0);
				CHECK_EQ(o.retval, 500500);
			} else {
				CHECK_EQ(err, -E2BIG);
			}
		}
		exbpf_instance__free(inst);
		exbpf_object__close(obj);
	}
	exbpf_env__free(env);
}

/* The engine option: the same verified programs on the interpreter and on the JIT give the
 * same results; the program says which engine runs it. */
TEST(runtime_engines_agree)
{
	static const char *const progs[] = {"tc_packet_span", "xdp_packet_span", "cgroup_len",
					    "tc_mark_roundtrip", "tc_ifindex_pkt_type"};
	static const uint8_t zeros[64];
	char path[512], log[1024] = "";
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_object *obj;

	snprintf(path, sizeof(path), "%s/runtime_ctx.bpf.o", test_progs_dir());
	obj = exbpf_object__open_file(path, NULL);
	CHECK(obj != NULL);
	for (size_t i = 0; obj && i < sizeof(progs) / sizeof(progs[0]); i++) {
		uint64_t ret[2] = {0, 1};

		for (int e = 0; e < 2; e++) {
			EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
				   .only_program = progs[i],
				   .engine = e ? EXBPF_ENGINE_JIT : EXBPF_ENGINE_INTERP);
			EXBPF_OPTS(exbpf_run_opts, o, .log_buf = log, .log_size = sizeof(log),
				   .data_in = zeros, .data_size_in = sizeof(zeros));
			struct exbpf_instance *inst = NULL;
			struct exbpf_program *p;

			CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), 0);
			p = inst ? exbpf_instance__find_program(inst, progs[i]) : NULL;
			CHECK(p != NULL);
			if (p) {
				CHECK_STR(exbpf_program__engine(p), e ? "jit" : "interp");
				CHECK_EQ(exbpf_program__run(p, &o), 0);
				ret[e] = o.retval;
			}
			exbpf_instance__free(inst);
		}
		CHECK_EQ(ret[0], ret[1]);
	}
	exbpf_object__close(obj);
	exbpf_env__free(env);
}
