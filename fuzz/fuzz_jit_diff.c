/* libFuzzer target: the JIT against the interpreter's fast loop on verified programs, the way
 * the runtime runs them (unchecked, context accesses rewritten, map references resolved).
 *
 * The input becomes a program of the verifier fuzzers' world (lib/vworld.h) through the
 * structured generator, or raw instructions. Programs the verifier accepts with the
 * unprivileged rules run on both engines, several times, on packets, contexts and map contents
 * drawn from the input; before each engine's run the world is restored to the same bytes at
 * the same addresses. The return value, the error (and its instruction), and every byte of the
 * context, packet and maps afterwards must be equal: any difference is a JIT (or interpreter)
 * bug, reported with the disassembly, and abort().
 *
 * Why unprivileged: it is what makes the comparison exact. An unprivileged program can neither
 * read memory it did not write (the engines' stacks hold different garbage) nor let a pointer
 * escape into a result or into memory (the engines' stacks live at different addresses), so
 * its results depend only on the world, which both engines see identically. Loops are left to
 * fuzz_jit, which compares the JIT with the checked interpreter on raw programs. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "isa/isa.h"
#include "jit/jit.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#include "lib/vworld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static __attribute__((noreturn)) void report(const struct bpf_insn *insns, size_t cnt,
					     const char *what)
{
	char text[160];

	fprintf(stderr, "\n=== fuzz_jit_diff: the engines disagree on a verified program\n");
	fprintf(stderr, "=== %s\n=== program as run (%zu insns):\n", what, cnt);
	for (size_t i = 0; i < cnt;) {
		int n = isa_disasm(insns, cnt, i, text, sizeof(text), NULL);

		fprintf(stderr, "%4zu: %s\n", i, text);
		i += n > 0 ? (size_t)n : 1;
	}
	abort();
}

struct outcome {
	int err;
	int64_t err_insn;
	struct snap after; /* r0 included */
};

static void run_engine(const struct vm_prog *vp, const struct jit_prog *jp, uint64_t rng,
		       struct outcome *o)
{
	char msg[256];
	struct log log;
	struct vm_exec x;

	log_init(&log, msg, sizeof(msg));
	W.poison = 0;
	W.rng = rng;
	W.ktime = 1000000;
	W.bug[0] = '\0';
	x = (struct vm_exec){.checked = false, .log = &log};
	W.x = &x;
	x.args[0] = (uintptr_t)W.ctx;
	o->err = jp ? jit_exec(jp, &x) : vm_exec(vp, &x);
	o->err_insn = o->err < 0 ? x.err_insn : -1;
	/* a throw's cookie stands in for r0 */
	take(&o->after, o->err == VM_THROWN ? x.cookie : o->err ? 0 : x.r0);
}

static void compare(const struct bpf_insn *vi, size_t cnt, uint64_t seed)
{
	struct vm_prog *vp = NULL;
	struct jit_prog *jp = NULL;
	char msg[256], what[512];
	struct log log;
	struct vm_prog_opts o = {.helpers = &vm_table, .kfuncs = &vm_kfuncs};
	struct jit_opts jo = {.helpers = &vm_table, .kfuncs = &vm_kfuncs, .no_stack_zeroing = true};
	uint64_t s = seed;

	log_init(&log, msg, sizeof(msg));
	if (vm_prog_new_opts(vi, cnt, &o, &log, &vp))
		return;
	log_init(&log, msg, sizeof(msg));
	if (jit_compile_opts(vi, cnt, &jo, &log, &jp)) {
		/* What this JIT does not compile yet names its instruction; nothing to compare. */
		vm_prog_free(vp);
		return;
	}
	for (int run = 0; run < NRUNS; run++) {
		struct snap before;
		struct outcome a, b;
		uint64_t rng;

		if (!world_fill(&s))
			break;
		rng = xs(&s);
		take(&before, 0);
		run_engine(vp, NULL, rng, &a);
		restore(&before);
		run_engine(NULL, jp, rng, &b);
		if (a.err != b.err || a.err_insn != b.err_insn) {
			snprintf(what, sizeof(what),
				 "run %d: interpreter %d (insn %lld), JIT %d (insn %lld)", run, a.err,
				 (long long)a.err_insn, b.err, (long long)b.err_insn);
			report(vi, cnt, what);
		}
		if (a.after.r0 != b.after.r0) {
			snprintf(what, sizeof(what), "run %d: r0 0x%llx (interpreter) vs 0x%llx (JIT)",
				 run, (unsigned long long)a.after.r0, (unsigned long long)b.after.r0);
			report(vi, cnt, what);
		}
		if (memcmp(&a.after, &b.after, sizeof(a.after))) {
			snprintf(what, sizeof(what),
				 "run %d: the context, packet or maps differ after the runs", run);
			report(vi, cnt, what);
		}
		world_free_packet();
	}
	jit_free(jp);
	vm_prog_free(vp);
}

static unsigned long long n_total, n_accepted, n_compared;

static void stats(void)
{
	if (getenv("FUZZ_JIT_DIFF_STATS"))
		fprintf(stderr, "fuzz_jit_diff: %llu inputs, %llu verified, %llu compared\n",
			n_total, n_accepted, n_compared);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen g;
	static struct bpf_insn raw[MAX_INSNS], vi[MAX_INSNS];
	const struct bpf_insn *insns;
	struct verifier_input in;
	struct verifier_result res;
	char lbuf[256], why[128];
	struct log log;
	size_t cnt;

	if (size < 2)
		return 0;
	if (!n_total++)
		atexit(stats);
	cnt = world_program(data, size, true, &g, raw, &insns);
	if (!cnt)
		return 0;
	log_init(&log, lbuf, sizeof(lbuf));
	if (isa_validate(insns, cnt, &log))
		return 0;
	fill_input(&in, insns, cnt, true);
	log_init(&log, lbuf, sizeof(lbuf));
	in.log = &log;
	if (verifier_check(&in, &res)) {
		verifier_result_free(&res);
		return 0;
	}
	n_accepted++;
	memcpy(vi, insns, cnt * sizeof(*vi));
	if (!world_resolve_maps(vi, cnt, why, sizeof(why))) {
		world_rewrite_ctx(vi, cnt, res.insn_mem);
		n_compared++;
		compare(vi, cnt, fnv(data, size));
	}
	verifier_result_free(&res);
	return 0;
}
