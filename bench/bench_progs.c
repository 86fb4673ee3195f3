/* exbpf's engines against Linux's JIT on the same compiled programs
 * (tests/progs/bench_workloads.bpf.o, and the parser of tests/progs/bench_verify_parser.bpf.o):
 * each program runs the way BPF_PROG_TEST_RUN runs it (one context, `repeat` runs on it, the
 * mean per run), on exbpf's interpreter, on exbpf's JIT and, when bpf() answers (root, Linux),
 * in the kernel through the Linux backend. Every figure is the median of REPS repetitions, the
 * three engines taking turns in each. The return values must agree (the bench stops if not).
 *
 * The kernel's figure includes its test-run loop (a few ns per run); exbpf's includes the
 * runtime's per-run work (the invocation's bookkeeping, the exception callback's dispatch).
 * Both are what a caller of the program pays. Prints ns/run and the ratios exbpf/Linux. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <exbpf/exbpf.h>

#include "bench_stats.h"
#include <exbpf/linux.h>

#define REPS 7
#define PKT 1024

enum { E_INTERP, E_JIT, E_LINUX, E_NATIVE, E_CNT };

static uint8_t packet[PKT];

/* --- The same computations in C (gcc -O2, the loop variable behind an empty asm barrier as
 * in the BPF versions), where C has an equivalent: the native column. */
#define barrier_on(v) __asm__ volatile("" : "+r"(v))

__attribute__((noinline)) static uint64_t c_sum_1000(void)
{
	uint32_t sum = 0;

	for (uint32_t i = 1; i <= 1000; i++) {
		barrier_on(i);
		sum += i;
	}
	return sum;
}

__attribute__((noinline)) static uint64_t c_fnv_packet(void)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < sizeof(packet); i++) {
		barrier_on(i);
		h = (h ^ packet[i]) * 0x100000001b3ull;
	}
	return (uint32_t)h;
}

__attribute__((noinline)) static uint64_t c_chain4(uint64_t x)
{
	barrier_on(x);
	return x + 1;
}
__attribute__((noinline)) static uint64_t c_chain3(uint64_t x) { return c_chain4(x) + 1; }
__attribute__((noinline)) static uint64_t c_chain2(uint64_t x) { return c_chain3(x) + 1; }
__attribute__((noinline)) static uint64_t c_chain1(uint64_t x) { return c_chain2(x) + 1; }

__attribute__((noinline)) static uint64_t c_chain4_x64(void)
{
	uint64_t acc = 0;

	for (uint32_t i = 0; i < 64; i++) {
		barrier_on(i);
		acc += c_chain1(i);
	}
	return (uint32_t)acc;
}

__attribute__((noinline)) static uint64_t c_empty(void)
{
	uint64_t r = 0;

	barrier_on(r);
	return r;
}

struct workload {
	const char *obj, *prog, *label;
	uint32_t repeat;
	uint64_t (*native)(void);
	double verify_us[2]; /* exbpf's verifier, Linux's (BPF_LOG_STATS); < 0: none */
	struct exbpf_program *p[2];
	struct exbpf_linux_prog *lp;
	uint64_t retval[E_CNT];
	double ns[E_CNT][REPS];
};

static double median(double *v)
{
	return bench_median(v, REPS);
}

struct loaded {
	struct exbpf_object *obj;
	struct exbpf_env *env;
	struct exbpf_instance *inst[2];
};

static int load(struct loaded *l, const char *path)
{
	char log[4096] = "";

	l->obj = exbpf_object__open_file(path, NULL);
	l->env = exbpf_env__new(NULL);
	if (!l->obj || !l->env) {
		fprintf(stderr, "bench_progs: cannot open %s\n", path);
		return -1;
	}
	for (int e = 0; e < 2; e++) {
		EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
			   .all_programs = true,
			   .engine = e == E_JIT ? EXBPF_ENGINE_JIT : EXBPF_ENGINE_INTERP);

		if (exbpf_instance__load(l->env, l->obj, &lo, &l->inst[e])) {
			fprintf(stderr, "bench_progs: %s: %s\n", path, log);
			return -1;
		}
	}
	return 0;
}

/* exbpf's verification of the program alone, in microseconds (the median of a few: the
 * figure is small and the machine noisy). */
static double verify_us(const struct loaded *l, const char *prog)
{
	double t[5];

	for (int k = 0; k < 5; k++) {
		EXBPF_OPTS(exbpf_verify_opts, vo);
		struct exbpf_verify_info info;

		if (exbpf_env__verify(l->env, l->obj, prog, &vo, &info) || !info.accepted)
			return -1;
		t[k] = (double)info.verify_ns / 1000.0;
	}
	return bench_median(t, 5);
}

static int run_once(struct workload *w, int e, double *ns, uint64_t *retval)
{
	char log[512] = "";

	if (e == E_NATIVE) {
		double t0 = bench_now_ns();
		uint64_t r = 0;

		for (uint32_t i = 0; i < w->repeat; i++)
			r = w->native();
		*ns = (bench_now_ns() - t0) / w->repeat;
		*retval = r;
		return 0;
	}

	if (e == E_LINUX) {
		uint64_t d = 0;
		int err = exbpf_linux__run(w->lp, packet, sizeof(packet), NULL, 0, w->repeat, retval,
					   &d, log, sizeof(log));

		*ns = (double)d;
		if (err)
			fprintf(stderr, "bench_progs: %s on Linux: %s\n", w->prog, log);
		return err;
	}
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = packet, .data_size_in = sizeof(packet),
		   .repeat = w->repeat, .log_buf = log, .log_size = sizeof(log));
	int err = exbpf_program__run(w->p[e], &o);

	*ns = (double)o.duration_ns;
	*retval = (uint32_t)o.retval;
	if (err)
		fprintf(stderr, "bench_progs: %s: %s\n", w->prog, log);
	return err;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *obj, *prog, *label;
		uint32_t repeat;
		uint64_t (*native)(void);
	} rows[] = {
		{"bench_workloads", "wl_sum_1000", "sum 1..1000", 2000, c_sum_1000},
		{"bench_workloads", "wl_fnv_packet", "fnv1a 1 KiB packet", 2000, c_fnv_packet},
		{"bench_workloads", "wl_chain4_x64", "4-deep chain x64", 20000, c_chain4_x64},
		{"bench_workloads", "wl_helper_x64", "64 helper calls", 20000, NULL},
		{"bench_workloads", "wl_array_x64", "64 array lookups", 20000, NULL},
		{"bench_workloads", "wl_hash_x64", "64 hash lookups", 20000, NULL},
		{"bench_workloads", "wl_parse_asserts", "parser, assertions", 200000, NULL},
		{"bench_verify_parser", "bench_verify_parser", "parser, 200 branches", 200000, NULL},
		{"bench_workloads", "wl_ret_0", "return, depth 0", 200000, NULL},
		{"bench_workloads", "wl_throw_0", "throw, depth 0", 200000, NULL},
		{"bench_workloads", "wl_ret_1", "return, depth 1", 200000, NULL},
		{"bench_workloads", "wl_throw_1", "throw, depth 1", 200000, NULL},
		{"bench_workloads", "wl_ret_4", "return, depth 4", 200000, NULL},
		{"bench_workloads", "wl_throw_4", "throw, depth 4", 200000, NULL},
		{"bench_workloads", "wl_ret_7", "return, depth 7", 200000, NULL},
		{"bench_workloads", "wl_throw_7", "throw, depth 7", 200000, NULL},
		{"bench_workloads", "wl_throw_nothing_held", "throw, nothing held", 200000, NULL},
		{"bench_workloads", "wl_throw_holding", "throw, object held", 200000, NULL},
		{"bench_workloads", "wl_empty", "empty", 200000, c_empty},
	};
	enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
	struct workload w[NROWS];
	struct loaded objs[2] = {0};
	const char *names[2] = {"bench_workloads", "bench_verify_parser"};
	const char *dir = argc > 1 ? argv[1] : "build/progs";
	char why[256] = "";
	bool linux = exbpf_linux__available(why, sizeof(why));

	for (int i = 0; i < 2; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s.bpf.o", dir, names[i]);
		if (load(&objs[i], path))
			return 1;
	}
	/* 1 KiB of bytes that an IPv4/UDP parser walks some way into. */
	for (size_t i = 0; i < sizeof(packet); i++)
		packet[i] = (uint8_t)(i * 131 + 7);
	packet[12] = 0x08, packet[13] = 0x00, packet[14] = 0x45, packet[23] = 17;
	if (!linux)
		printf("bench_progs: no Linux column: %s\n", why);
	for (int i = 0; i < NROWS; i++) {
		struct loaded *l = &objs[strcmp(rows[i].obj, names[0]) ? 1 : 0];

		memset(&w[i], 0, sizeof(w[i]));
		w[i].obj = rows[i].obj;
		w[i].prog = rows[i].prog;
		w[i].label = rows[i].label;
		w[i].repeat = rows[i].repeat;
		w[i].native = rows[i].native;
		for (int e = 0; e < 2; e++) {
			w[i].p[e] = exbpf_instance__find_program(l->inst[e], rows[i].prog);
			if (!w[i].p[e]) {
				fprintf(stderr, "bench_progs: no program %s\n", rows[i].prog);
				return 1;
			}
		}
		w[i].verify_us[0] = verify_us(l, rows[i].prog);
		w[i].verify_us[1] = -1;
		if (linux) {
			char log[4096] = "";
			/* BPF_LOG_STATS: the verification time, no text log. */
			EXBPF_OPTS(exbpf_linux_opts, ko, .log_buf = log, .log_size = sizeof(log),
				   .log_level = 4);
			const char *t;

			/* Linux refuses some (a throw holding an object): no kernel figure then. */
			if (exbpf_linux__load(l->obj, rows[i].prog, &ko, &w[i].lp))
				w[i].lp = NULL;
			else if ((t = strstr(log, "verification time ")))
				w[i].verify_us[1] = atof(t + strlen("verification time "));
		}
	}
	for (int r = 0; r < REPS; r++) {
		for (int i = 0; i < NROWS; i++) {
			for (int e = 0; e < E_CNT; e++) {
				uint64_t ret = 0;

				if ((e == E_LINUX && !w[i].lp) || (e == E_NATIVE && !w[i].native))
					continue;
				if (run_once(&w[i], e, &w[i].ns[e][r], &ret))
					return 1;
				if (r == 0)
					w[i].retval[e] = ret;
				if (ret != w[i].retval[E_INTERP]) {
					fprintf(stderr,
						"bench_progs: %s: engine %d returned %llu, the "
						"interpreter %llu\n",
						w[i].prog, e, (unsigned long long)ret,
						(unsigned long long)w[i].retval[E_INTERP]);
					return 1;
				}
			}
		}
	}
	printf("exbpf against Linux's JIT on the same objects: median of %d repetitions, ns per "
	       "run (BPF_PROG_TEST_RUN style)\n",
	       REPS);
	printf("%-22s %10s %10s %10s %10s %9s %9s %9s %10s %10s\n", "workload", "interp", "jit",
	       "linux", "native", "interp/lx", "jit/lx", "jit/nat", "verify us", "lx us");
	for (int i = 0; i < NROWS; i++) {
		double m[E_CNT] = {0};
		char lx[16] = "refused", ilx[16] = "-", jlx[16] = "-", nat[16] = "-", jn[16] = "-";

		for (int e = 0; e < E_CNT; e++)
			if ((e != E_LINUX || w[i].lp) && (e != E_NATIVE || w[i].native))
				m[e] = median(w[i].ns[e]);
		if (w[i].lp) {
			snprintf(lx, sizeof(lx), "%.1f", m[E_LINUX]);
			snprintf(ilx, sizeof(ilx), "%.2f", m[E_INTERP] / m[E_LINUX]);
			snprintf(jlx, sizeof(jlx), "%.2f", m[E_JIT] / m[E_LINUX]);
		}
		if (w[i].native) {
			snprintf(nat, sizeof(nat), "%.1f", m[E_NATIVE]);
			snprintf(jn, sizeof(jn), "%.2f", m[E_JIT] / m[E_NATIVE]);
		}
		char vx[16] = "-", vl[16] = "-";

		if (w[i].verify_us[0] >= 0)
			snprintf(vx, sizeof(vx), "%.1f", w[i].verify_us[0]);
		if (w[i].verify_us[1] >= 0)
			snprintf(vl, sizeof(vl), "%.0f", w[i].verify_us[1]);
		printf("%-22s %10.1f %10.1f %10s %10s %9s %9s %9s %10s %10s\n", w[i].label,
		       m[E_INTERP], m[E_JIT], lx, nat, ilx, jlx, jn, vx, vl);
		exbpf_linux__free(w[i].lp);
	}
	for (int i = 0; i < 2; i++) {
		exbpf_instance__free(objs[i].inst[0]);
		exbpf_instance__free(objs[i].inst[1]);
		exbpf_env__free(objs[i].env);
		exbpf_object__close(objs[i].obj);
	}
	return 0;
}
