/* The engines side by side: the interpreter's fast loop, its checked loop, the JIT and native
 * C on the same four computations, written once in BPF assembly and once in C (clarifications
 * §9: an empty asm barrier on the C loop variable keeps the compiler from folding the loop).
 *
 * The fast loop and the JIT run only what a verifier vouched for; these programs are the
 * benchmark's own trusted code (as the conformance vectors are for `exbpf conformance`), so
 * they run unverified there. The checked loop gets the budget and the input memory as a
 * region, as the raw API (exbpf_vm__exec) gives them.
 *
 * Every figure is the median of REPS repetitions; each repetition times the four engines one
 * after another, so they see the same machine state. Prints ns/run, the ratios to native and
 * between interpreter and JIT, and ns per BPF instruction executed (counted analytically per
 * workload, and checked against the checked loop's budget accounting). Nothing is asserted
 * but the results: every engine must return native C's r0. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <exbpf/exbpf.h>

#include "bench_stats.h"

#include "jit/jit.h"
#include "vm/vm.h"

#define REPS 11
#define SUM_N 1000000
#define SUM_SMALL 1000
#define CHAIN_CALLS 64
#define HELPER_CALLS 64
#define HELPER_INC 1	/* the benchmark's helper: r1 + 1 */
#define HELPER_THROW 2	/* throws r1 (vm_run_throw) */
#define FNV_LEN 1024
#define CALL_ITERS 10000

/* --- The workloads in C (native baselines) */

__attribute__((noinline)) static uint64_t c_sum(uint64_t n)
{
	uint64_t acc = 0;

	for (uint64_t i = 1; i <= n; i++) {
		__asm__ volatile("" : "+r"(i));
		acc += i;
	}
	return acc;
}

__attribute__((noinline)) static uint64_t c_fnv(const uint8_t *p, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < len; i++) {
		__asm__ volatile("" : "+r"(i));
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* f1 .. f7: each adds one on the way in and one on the way out; with main's frame, 8 frames. */
#define CHAIN_STEP(k, next)                                                                      \
	__attribute__((noinline)) static uint64_t c_f##k(uint64_t x)                             \
	{                                                                                        \
		uint64_t r = c_f##next(x + 1);                                                   \
		__asm__ volatile("" : "+r"(r));                                                  \
		return r + 1;                                                                    \
	}
__attribute__((noinline)) static uint64_t c_f7(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x;
}
CHAIN_STEP(6, 7)
CHAIN_STEP(5, 6)
CHAIN_STEP(4, 5)
CHAIN_STEP(3, 4)
CHAIN_STEP(2, 3)
CHAIN_STEP(1, 2)

__attribute__((noinline)) static uint64_t c_calls(uint64_t iters)
{
	uint64_t acc = 0;

	for (uint64_t i = 0; i < iters; i++) {
		__asm__ volatile("" : "+r"(i));
		acc += c_f1(i);
	}
	return acc;
}

/* 64 calls of a 4-deep chain: g1 calls g2, ... g4; each adds one. */
__attribute__((noinline)) static uint64_t c_g4(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}
#define CHAIN4_STEP(k, next)                                                                     \
	__attribute__((noinline)) static uint64_t c_g##k(uint64_t x)                             \
	{                                                                                        \
		uint64_t r = c_g##next(x);                                                       \
		__asm__ volatile("" : "+r"(r));                                                  \
		return r + 1;                                                                    \
	}
CHAIN4_STEP(3, 4)
CHAIN4_STEP(2, 3)
CHAIN4_STEP(1, 2)

__attribute__((noinline)) static uint64_t c_chain4(void)
{
	uint64_t acc = 0;

	for (uint64_t i = 0; i < CHAIN_CALLS; i++) {
		__asm__ volatile("" : "+r"(i));
		acc += c_g1(i);
	}
	return acc;
}

/* The helper both sides call: a C function with the helper ABI. */
static uint64_t h_inc(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1 + 1;
}

static uint64_t h_throw(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct exbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	vm_run_throw(run, r1);
	return 0;
}

/* bench_inc never stops the run: the JIT calls it with nothing around the call. */
static const struct vm_helper bench_helpers[] = {
	{.id = HELPER_INC, .name = "bench_inc", .fn = h_inc, .never_stops = true},
	{.id = HELPER_THROW, .name = "bench_throw", .fn = h_throw}};
static const struct vm_helper_table bench_table = {bench_helpers, 2};

/* The JIT compiles as the runtime does for verified programs (src/runtime/prepare.c): frames
 * start uncleared. */
static int bench_jit_compile(const struct bpf_insn *insns, size_t cnt, struct log *log,
			     struct jit_prog **out)
{
	struct jit_opts o = {.helpers = &bench_table, .no_stack_zeroing = true};

	return jit_compile_opts(insns, cnt, &o, log, out);
}

__attribute__((noinline)) static uint64_t c_helpers(void)
{
	uint64_t acc = 0;
	uint64_t (*volatile fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
				struct exbpf_run *) = h_inc;
	uint64_t (*f)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct exbpf_run *) = fn;

	for (uint64_t i = 0; i < HELPER_CALLS; i++) {
		__asm__ volatile("" : "+r"(i));
		acc = f(acc, 0, 0, 0, 0, NULL);
	}
	return acc;
}

__attribute__((noinline)) static uint64_t c_empty(void)
{
	uint64_t r = 0;

	__asm__ volatile("" : "+r"(r));
	return r;
}

/* --- The same in BPF assembly (r1 = input memory, r2 = its length) */

#define STR_(x) #x
#define STR(x) STR_(x)

static const char asm_sum[] = "mov %r0, 0\n"
			      "mov %r1, 1\n"
			      "loop:\n"
			      "add %r0, %r1\n"
			      "add %r1, 1\n"
			      "jle %r1, " STR(SUM_N) ", loop\n"
			      "exit\n";

static const char asm_fnv[] = "lddw %r0, 0xcbf29ce484222325\n"
			      "lddw %r3, 0x100000001b3\n"
			      "mov %r4, %r1\n"
			      "add %r4, %r2\n"
			      "loop:\n"
			      "ldxb %r5, [%r1+0]\n"
			      "xor %r0, %r5\n"
			      "mul %r0, %r3\n"
			      "add %r1, 1\n"
			      "jlt %r1, %r4, loop\n"
			      "exit\n";

#define ASM_STEP(k, next)                                                                        \
	"f" #k ":\n"                                                                             \
	"add %r1, 1\n"                                                                           \
	"call local f" #next "\n"                                                                \
	"add %r0, 1\n"                                                                           \
	"exit\n"
static const char asm_calls[] = "mov %r6, 0\n"
				"mov %r7, 0\n"
				"loop:\n"
				"mov %r1, %r6\n"
				"call local f1\n"
				"add %r7, %r0\n"
				"add %r6, 1\n"
				"jlt %r6, " STR(CALL_ITERS) ", loop\n"
				"mov %r0, %r7\n"
				"exit\n" ASM_STEP(1, 2) ASM_STEP(2, 3) ASM_STEP(3, 4) ASM_STEP(4, 5)
					ASM_STEP(5, 6) ASM_STEP(6, 7) "f7:\n"
								      "mov %r0, %r1\n"
								      "exit\n";

static const char asm_empty[] = "mov %r0, 0\n"
				"exit\n";

static const char asm_sum_small[] = "mov %r0, 0\n"
				    "mov %r1, 1\n"
				    "loop:\n"
				    "add %r0, %r1\n"
				    "add %r1, 1\n"
				    "jle %r1, " STR(SUM_SMALL) ", loop\n"
				    "exit\n";

#define ASM_G(k, next)                                                                           \
	"g" #k ":\n"                                                                             \
	"call local g" #next "\n"                                                                \
	"add %r0, 1\n"                                                                           \
	"exit\n"
static const char asm_chain4[] = "mov %r6, 0\n"
				 "mov %r7, 0\n"
				 "loop:\n"
				 "mov %r1, %r6\n"
				 "call local g1\n"
				 "add %r7, %r0\n"
				 "add %r6, 1\n"
				 "jlt %r6, " STR(CHAIN_CALLS) ", loop\n"
				 "mov %r0, %r7\n"
				 "exit\n" ASM_G(1, 2) ASM_G(2, 3) ASM_G(3, 4) "g4:\n"
									 "mov %r0, %r1\n"
									 "add %r0, 1\n"
									 "exit\n";

static const char asm_helpers[] = "mov %r6, 0\n"
				  "mov %r7, 0\n"
				  "loop:\n"
				  "mov %r1, %r7\n"
				  "call " STR(HELPER_INC) "\n"
				  "mov %r7, %r0\n"
				  "add %r6, 1\n"
				  "jlt %r6, " STR(HELPER_CALLS) ", loop\n"
				  "mov %r0, %r7\n"
				  "exit\n";

/* --- Harness */

enum { E_FAST, E_CHECKED, E_JIT, E_NATIVE, E_CNT };

struct workload {
	const char *name;
	const char *text;
	uint64_t insns;	     /* BPF instructions one run executes (lddw counts once) */
	unsigned batch;	     /* runs per timed sample */
	uint64_t (*native)(const uint8_t *mem);
	struct vm_prog *vm;
	struct jit_prog *jit;
	double ns[E_CNT][REPS];
};

static uint8_t input[FNV_LEN];

static uint64_t n_sum(const uint8_t *mem)
{
	(void)mem;
	return c_sum(SUM_N);
}
static uint64_t n_fnv(const uint8_t *mem)
{
	return c_fnv(mem, FNV_LEN);
}
static uint64_t n_calls(const uint8_t *mem)
{
	(void)mem;
	return c_calls(CALL_ITERS);
}
static uint64_t n_empty(const uint8_t *mem)
{
	(void)mem;
	return c_empty();
}
static uint64_t n_sum_small(const uint8_t *mem)
{
	(void)mem;
	return c_sum(SUM_SMALL);
}
static uint64_t n_chain4(const uint8_t *mem)
{
	(void)mem;
	return c_chain4();
}
static uint64_t n_helpers(const uint8_t *mem)
{
	(void)mem;
	return c_helpers();
}

static const struct vm_region region = {.start = (uintptr_t)input, .size = sizeof(input),
					 .writable = true};

/* The run's inputs, as a host that runs a program again and again keeps them: set up once,
 * only the budget reset per run (the engines write every output). */
static void exec_init(struct vm_exec *x, int engine)
{
	*x = (struct vm_exec){
		.args = {(uint64_t)(uintptr_t)input, sizeof(input)},
		.checked = engine == E_CHECKED,
		.budget = UINT64_MAX,
		.regions = &region,
		.nregions = 1,
	};
}

static int run_engine(struct workload *w, int engine, struct vm_exec *x, uint64_t *r0,
		      uint64_t *executed)
{
	int err;

	x->budget = UINT64_MAX;
	switch (engine) {
	case E_FAST:
	case E_CHECKED:
		err = vm_exec(w->vm, x);
		break;
	case E_JIT:
		err = jit_exec(w->jit, x);
		break;
	default:
		*r0 = w->native(input);
		return 0;
	}
	*r0 = x->r0;
	if (executed)
		*executed = UINT64_MAX - x->budget_left;
	return err;
}

static void prepare(struct workload *w)
{
	struct bpf_insn *insns;
	size_t cnt;
	char log[512];
	struct log l;
	uint64_t want = w->native(input), r0, executed;

	log_init(&l, log, sizeof(log));
	if (exbpf_asm__parse(w->text, &insns, &cnt, log, sizeof(log)) ||
	    vm_prog_new(insns, cnt, &bench_table, &l, &w->vm)) {
		fprintf(stderr, "bench: %s: %s\n", w->name, log);
		exit(1);
	}
	int err = bench_jit_compile(insns, cnt, &l, &w->jit);
	free(insns);
	if (err) {
		fprintf(stderr, "bench: %s: jit_compile: %d %s\n", w->name, err, log);
		exit(1);
	}
	for (int e = 0; e < E_CNT; e++) {
		struct vm_exec x;

		exec_init(&x, e);
		if (run_engine(w, e, &x, &r0, e == E_CHECKED ? &executed : NULL) || r0 != want) {
			fprintf(stderr, "bench: %s: engine %d returned %#llx, native %#llx\n",
				w->name, e, (unsigned long long)r0, (unsigned long long)want);
			exit(1);
		}
		if (e == E_CHECKED && executed != w->insns) {
			fprintf(stderr, "bench: %s: %llu instructions executed, %llu expected\n",
				w->name, (unsigned long long)executed,
				(unsigned long long)w->insns);
			exit(1);
		}
	}
}

static double sample(struct workload *w, int engine)
{
	uint64_t r0, sink = 0;
	struct vm_exec x;
	double t0;

	exec_init(&x, engine);
	t0 = bench_now_ns();
	for (unsigned i = 0; i < w->batch; i++) {
		run_engine(w, engine, &x, &r0, NULL);
		sink += r0;
	}
	double t1 = bench_now_ns();
	__asm__ volatile("" : : "r"(sink));
	return (t1 - t0) / w->batch;
}

static double median(double *v)
{
	return bench_median(v, REPS);
}

/* --- Throws from depth 0..7 against normal returns from the same depth: main calls f1, which
 * calls f2, ... down to f_depth, which throws 7 (the benchmark's throwing helper) or returns 7.
 * Both engines report the throw (VM_THROWN, cookie 7) or return 7. */

static void depth_program(char *buf, size_t size, int depth, bool throws)
{
	const char *leaf = throws ? "mov %r1, 7\ncall " STR(HELPER_THROW) "\nmov %r0, 0\nexit\n"
				  : "mov %r0, 7\nexit\n";
	size_t n = 0;

	if (depth == 0) {
		snprintf(buf, size, "%s", leaf);
		return;
	}
	n += (size_t)snprintf(buf + n, size - n, "call local f1\nexit\n");
	for (int k = 1; k < depth; k++)
		n += (size_t)snprintf(buf + n, size - n, "f%d:\ncall local f%d\nexit\n", k, k + 1);
	snprintf(buf + n, size - n, "f%d:\n%s", depth, leaf);
}

static double time_depth(const struct vm_prog *vp, const struct jit_prog *jp, bool throws,
			 unsigned batch)
{
	/* The inputs set up once, as for the workloads above (exec_init()): a zeroed vm_exec
	 * per run would time clearing its 288 bytes (throw frames, a message buffer) as
	 * part of every return and every throw. */
	struct vm_exec x = {.budget = UINT64_MAX};
	double t0 = bench_now_ns();

	for (unsigned i = 0; i < batch; i++) {
		x.budget = UINT64_MAX;
		int err = jp ? jit_exec(jp, &x) : vm_exec(vp, &x);

		if (err != (throws ? VM_THROWN : 0) || (throws ? x.cookie : x.r0) != 7) {
			fprintf(stderr, "bench: depth run: err %d r0 %llu cookie %llu\n", err,
				(unsigned long long)x.r0, (unsigned long long)x.cookie);
			exit(1);
		}
	}
	return (bench_now_ns() - t0) / batch;
}

static void bench_throws(void)
{
	enum { BATCH = 200000 };

	printf("\nthrows: median of %d repetitions, ns per run; main calls down to the depth, "
	       "which throws or returns\n",
	       REPS);
	printf("%-6s %10s %10s %10s %10s %12s %12s\n", "depth", "fast ret", "fast throw",
	       "jit ret", "jit throw", "fast thr-ret", "jit thr-ret");
	for (int d = 0; d <= 7; d++) {
		double ns[2][2][REPS], m[2][2];
		struct vm_prog *vp[2];
		struct jit_prog *jp[2];

		for (int t = 0; t < 2; t++) {
			char text[1024], log[256];
			struct bpf_insn *insns;
			size_t cnt;
			struct log l;

			depth_program(text, sizeof(text), d, t);
			log_init(&l, log, sizeof(log));
			if (exbpf_asm__parse(text, &insns, &cnt, log, sizeof(log)) ||
			    vm_prog_new(insns, cnt, &bench_table, &l, &vp[t]) ||
			    bench_jit_compile(insns, cnt, &l, &jp[t])) {
				fprintf(stderr, "bench: depth %d: %s\n", d, log);
				exit(1);
			}
			free(insns);
		}
		for (int r = 0; r < REPS; r++)
			for (int t = 0; t < 2; t++) {
				ns[0][t][r] = time_depth(vp[t], NULL, t, BATCH);
				ns[1][t][r] = time_depth(NULL, jp[t], t, BATCH);
			}
		for (int e = 0; e < 2; e++)
			for (int t = 0; t < 2; t++)
				m[e][t] = median(ns[e][t]);
		printf("%-6d %10.1f %10.1f %10.1f %10.1f %12.1f %12.1f\n", d, m[0][0], m[0][1],
		       m[1][0], m[1][1], m[0][1] - m[0][0], m[1][1] - m[1][0]);
		for (int t = 0; t < 2; t++) {
			vm_prog_free(vp[t]);
			jit_free(jp[t]);
		}
	}
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct workload ws[] = {
		{.name = "sum 1..10^6", .text = asm_sum, .insns = 3ull * SUM_N + 3, .batch = 5,
		 .native = n_sum},
		{.name = "fnv1a 1 KiB", .text = asm_fnv, .insns = 4 + 5ull * FNV_LEN + 1,
		 .batch = 2000, .native = n_fnv},
		{.name = "8-frame calls x10^4", .text = asm_calls, .insns = 31ull * CALL_ITERS + 4,
		 .batch = 20, .native = n_calls},
		{.name = "sum 1..1000", .text = asm_sum_small, .insns = 3ull * SUM_SMALL + 3,
		 .batch = 2000, .native = n_sum_small},
		{.name = "4-deep chain x64", .text = asm_chain4, .insns = 4 + 64ull * 17,
		 .batch = 20000, .native = n_chain4},
		{.name = "64 helper calls", .text = asm_helpers, .insns = 4 + 64ull * 5,
		 .batch = 20000, .native = n_helpers},
		{.name = "empty", .text = asm_empty, .insns = 2, .batch = 1000000, .native = n_empty},
	};
	size_t nw = sizeof(ws) / sizeof(ws[0]);

	if (!jit_supported()) {
		fprintf(stderr, "bench: no JIT on this host\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)(i * 131 + 7);
	for (size_t i = 0; i < nw; i++)
		prepare(&ws[i]);
	for (int r = 0; r < REPS; r++)
		for (size_t i = 0; i < nw; i++)
			for (int e = 0; e < E_CNT; e++)
				ws[i].ns[e][r] = sample(&ws[i], e);

	printf("engines: median of %d repetitions, ns per run (fast = interpreter fast loop on "
	       "trusted programs, checked = checked loop)\n",
	       REPS);
	printf("%-20s %9s %12s %12s %12s %12s %8s %8s %8s %8s %8s %8s\n", "workload", "insns",
	       "fast", "checked", "jit", "native", "fast/nat", "chk/nat", "jit/nat", "fast/jit",
	       "ns/i fst", "ns/i chk");
	for (size_t i = 0; i < nw; i++) {
		struct workload *w = &ws[i];
		double m[E_CNT];
		for (int e = 0; e < E_CNT; e++)
			m[e] = median(w->ns[e]);
		printf("%-20s %9llu %12.1f %12.1f %12.1f %12.1f %8.1f %8.1f %8.2f %8.1f %8.2f "
		       "%8.2f\n",
		       w->name, (unsigned long long)w->insns, m[E_FAST], m[E_CHECKED], m[E_JIT],
		       m[E_NATIVE], m[E_FAST] / m[E_NATIVE], m[E_CHECKED] / m[E_NATIVE],
		       m[E_JIT] / m[E_NATIVE], m[E_FAST] / m[E_JIT], m[E_FAST] / (double)w->insns,
		       m[E_CHECKED] / (double)w->insns);
		vm_prog_free(w->vm);
		jit_free(w->jit);
	}
	bench_throws();
	return 0;
}
