/* What entering a program and throwing out of it cost (issue 8's two fixed costs), measured so
 * that a shared machine moves the figures little: many short batches, the 10th percentile of
 * their per-run times (a batch that another process interrupted is slower, never faster).
 *
 * Two paths:
 * - jit: jit_exec() on a vm_exec set up once, as bench_engines runs the JIT (the empty program
 *   `mov r0, 0; exit`; main calling down to depth 7, which returns 7 or calls a helper that
 *   throws 7), against native C calling a function that returns 0;
 * - runtime: exbpf_program__run() with `repeat` on tests/progs/bench_workloads.bpf.o's wl_empty,
 *   wl_ret_7 and wl_throw_7 on the JIT, the path an embedder calls (bench_progs' rows); a
 *   batch is one call with repeat = 1000, so its context build (a 1 KiB packet copied) adds
 *   about 0.3 ns to each run.
 *
 * `bench_entry DIR` prints the table. `bench_entry DIR ROW N` runs one row N times and prints
 * nothing else: run it under `valgrind --tool=callgrind` with N and 2N, and the difference of
 * the two instruction totals divided by N is the row's instructions per run (the machine's
 * performance counters are not available in its VM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <exbpf/exbpf.h>

#include "bench_stats.h"

#include "jit/jit.h"
#include "vm/vm.h"

#define BATCHES 2000
#define HELPER_THROW 2

__attribute__((noinline)) static uint64_t c_empty(void)
{
	uint64_t r = 0;

	__asm__ volatile("" : "+r"(r));
	return r;
}

static uint64_t h_throw(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct exbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	vm_run_throw(run, r1);
	return 0;
}

static const struct vm_helper helpers[] = {
	{.id = HELPER_THROW, .name = "bench_throw", .fn = h_throw}};
static const struct vm_helper_table table = {helpers, 1};

enum kind { K_NATIVE, K_JIT, K_RUNTIME };

struct row {
	const char *name;
	enum kind kind;
	int depth;   /* jit: -1 the empty program, else the depth that returns or throws */
	bool throws;
	const char *prog; /* runtime: the program of bench_workloads.bpf.o */
	unsigned batch;
	struct jit_prog *jp;
	struct exbpf_program *p;
};

/* main calls f1, ... down to f_depth, which returns 7 or throws 7 (bench_engines' programs) */
static struct jit_prog *compile(int depth, bool throws)
{
	const char *leaf = throws ? "mov %r1, 7\ncall 2\nmov %r0, 0\nexit\n" : "mov %r0, 7\nexit\n";
	char text[1024], log[256];
	size_t n = 0, cnt;
	struct bpf_insn *insns;
	struct jit_prog *jp;
	struct jit_opts o = {.helpers = &table, .no_stack_zeroing = true};
	struct log l;

	if (depth < 0)
		snprintf(text, sizeof(text), "mov %%r0, 0\nexit\n");
	else if (depth == 0)
		snprintf(text, sizeof(text), "%s", leaf);
	else {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "call local f1\nexit\n");
		for (int k = 1; k < depth; k++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "f%d:\ncall local f%d\nexit\n", k, k + 1);
		snprintf(text + n, sizeof(text) - n, "f%d:\n%s", depth, leaf);
	}
	log_init(&l, log, sizeof(log));
	if (exbpf_asm__parse(text, &insns, &cnt, log, sizeof(log)) ||
	    jit_compile_opts(insns, cnt, &o, &l, &jp)) {
		fprintf(stderr, "bench_entry: %s\n", log);
		exit(1);
	}
	free(insns);
	return jp;
}

static uint8_t packet[1024];

/* n runs of the row; the per-run ns */
static double run_row(const struct row *r, unsigned n)
{
	uint64_t sink = 0;
	double t0 = bench_now_ns();

	if (r->kind == K_NATIVE) {
		for (unsigned i = 0; i < n; i++)
			sink += c_empty();
	} else if (r->kind == K_JIT) {
		struct vm_exec x = {.budget = UINT64_MAX};

		for (unsigned i = 0; i < n; i++) {
			x.budget = UINT64_MAX;
			sink += (uint64_t)jit_exec(r->jp, &x) + x.r0;
		}
	} else {
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = packet, .data_size_in = sizeof(packet),
			   .repeat = n);

		if (exbpf_program__run(r->p, &o)) {
			fprintf(stderr, "bench_entry: %s failed\n", r->prog);
			exit(1);
		}
		sink += o.retval;
	}
	double t1 = bench_now_ns();
	__asm__ volatile("" : : "r"(sink));
	return (t1 - t0) / n;
}

int main(int argc, char **argv)
{
#define ROW(n, k, d, t, pr, b)                                                                   \
	{.name = n, .kind = k, .depth = d, .throws = t, .prog = pr, .batch = b}
	struct row rows[] = {
		ROW("native: call of a function returning 0", K_NATIVE, 0, false, NULL, 1000),
		ROW("jit: empty", K_JIT, -1, false, NULL, 1000),
		ROW("jit: return, depth 0", K_JIT, 0, false, NULL, 1000),
		ROW("jit: throw, depth 0", K_JIT, 0, true, NULL, 200),
		ROW("jit: return, depth 7", K_JIT, 7, false, NULL, 200),
		ROW("jit: throw, depth 7", K_JIT, 7, true, NULL, 200),
		ROW("runtime: empty", K_RUNTIME, 0, false, "wl_empty", 1000),
		ROW("runtime: return, depth 7", K_RUNTIME, 0, false, "wl_ret_7", 1000),
		ROW("runtime: throw, depth 7", K_RUNTIME, 0, true, "wl_throw_7", 1000),
	};
	enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
	const char *dir = argc > 1 ? argv[1] : "build/progs";
	char path[512], log[4096] = "";
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst;
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .all_programs = true, .engine = EXBPF_ENGINE_JIT);

	if (!jit_supported()) {
		fprintf(stderr, "bench_entry: no JIT on this host\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/bench_workloads.bpf.o", dir);
	obj = exbpf_object__open_file(path, NULL);
	if (!obj || !env || exbpf_instance__load(env, obj, &lo, &inst)) {
		fprintf(stderr, "bench_entry: %s: %s\n", path, log);
		return 1;
	}
	for (int i = 0; i < NROWS; i++) {
		if (rows[i].kind == K_JIT)
			rows[i].jp = compile(rows[i].depth, rows[i].throws);
		if (rows[i].kind == K_RUNTIME &&
		    !(rows[i].p = exbpf_instance__find_program(inst, rows[i].prog))) {
			fprintf(stderr, "bench_entry: no program %s\n", rows[i].prog);
			return 1;
		}
	}
	if (argc > 3) { /* one row, for counting instructions */
		for (int i = 0; i < NROWS; i++) {
			if (!strcmp(rows[i].name, argv[2]))
				run_row(&rows[i], (unsigned)strtoul(argv[3], NULL, 0));
		}
		return 0;
	}
	printf("entry and throw: 10th percentile of %d batches, ns per run\n", BATCHES);
	for (int i = 0; i < NROWS; i++) {
		static double t[BATCHES];

		for (int b = 0; b < BATCHES; b++)
			t[b] = run_row(&rows[i], rows[i].batch);
		qsort(t, BATCHES, sizeof(t[0]), bench_cmp_double);
		printf("%-40s %8.2f\n", rows[i].name, t[BATCHES / 10]);
		jit_free(rows[i].jp);
	}
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
	return 0;
}
