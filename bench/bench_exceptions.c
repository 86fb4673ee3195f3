/* What exceptions cost (issue 5): the bookkeeping that lets a throw release what a program
 * holds, paid on the path that does not throw, per acquire/release pair; and what a throw
 * costs next to a normal return from the same depth. Prints ns figures and ratios; targets
 * are checked by reading them, never by a timed unit test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <exbpf/exbpf.h>

#include "runtime/runtime.h"
#include "bench_stats.h"

/* The runtime's hold/unhold pair, as a verified (unchecked) run pays it. */
static void bench_hold_pair(void)
{
	struct rt_run rr = {0};
	struct vm_exec x = {.user = &rr};
	struct exbpf_run run = {.exec = &x, .checked = false};
	static uint64_t sample[2];
	const long n = 50000000;
	double t0, t1;

	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		rt_hold(&run, sample + (i & 1), RT_HELD_RINGBUF);
		rt_unhold(&run, (uintptr_t)(sample + (i & 1)), RT_HELD_RINGBUF, "bench");
		__asm__ volatile("" ::: "memory");
	}
	t1 = bench_now_ns();
	printf("acquire/release bookkeeping: %.2f ns per pair (target: a few ns)\n", (t1 - t0) / n);
}

static double run_ns(struct exbpf_program *p, uint32_t repeat, uint64_t *retval)
{
	static const uint8_t zeros[64];
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = zeros, .data_size_in = sizeof(zeros),
		   .repeat = repeat);

	if (exbpf_program__run(p, &o)) {
		fprintf(stderr, "bench: run of %s failed\n", exbpf_program__name(p));
		exit(1);
	}
	*retval = o.retval;
	return (double)o.duration_ns;
}

/* A throw from 7 calls deep, unwound and caught, against a return from the same depth. */
static void bench_throw(const char *progs_dir)
{
	char path[512];
	EXBPF_OPTS(exbpf_load_opts, lo, .unverified = true, .all_programs = true);
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst;
	uint64_t r_throw, r_ret;
	double t_throw, t_ret;

	snprintf(path, sizeof(path), "%s/exceptions_rt.bpf.o", progs_dir);
	obj = exbpf_object__open_file(path, NULL);
	if (!obj || !env || exbpf_instance__load(env, obj, &lo, &inst)) {
		fprintf(stderr, "bench: cannot load %s (run `make progs` first)\n", path);
		exit(1);
	}
	t_throw = run_ns(exbpf_instance__find_program(inst, "deep_chain"), 200000, &r_throw);
	t_ret = run_ns(exbpf_instance__find_program(inst, "no_throw"), 200000, &r_ret);
	printf("deep_chain (throw at depth 7, caught): %.0f ns/run, retval %llu\n", t_throw,
	       (unsigned long long)r_throw);
	printf("no_throw (return through 3 frames):    %.0f ns/run, retval %llu\n", t_ret,
	       (unsigned long long)r_ret);
	printf("throw/return ratio (checked interpreter, includes context setup): %.2f\n",
	       t_throw / t_ret);
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
}

int main(int argc, char **argv)
{
	bench_hold_pair();
	bench_throw(argc > 1 ? argv[1] : "build/progs");
	return 0;
}
