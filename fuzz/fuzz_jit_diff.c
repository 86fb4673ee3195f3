/* libFuzzer target: the JIT against the interpreter's fast loop on verified programs, the way
 * the runtime runs them (unchecked, context accesses rewritten, map references resolved,
 * resources held in the run's struct rt_run and released when it throws).
 *
 * The input becomes a program of the verifier fuzzers' world (lib/vworld.h) through the
 * structured generator, or raw instructions. Programs the verifier accepts run on both
 * engines, several times, on packets, contexts and map contents drawn from the input; before
 * each engine's run the world is restored to the same bytes at the same addresses. The return
 * value or the throw's cookie, the error (and its instruction), the throw's frames (the
 * instruction each unwound frame was at), every byte of the context, packet and maps, and the
 * records a consumer reads from the ring buffer afterwards must be equal, and after every run
 * each resource must have been released exactly once (world_run_end()): any difference or
 * leftover is a JIT, interpreter or runtime bug, reported with the disassembly, and abort().
 *
 * Raw programs are verified with the unprivileged rules, which make the comparison exact by
 * themselves: such a program can neither read memory it did not write (the engines' stacks
 * hold different garbage) nor let a pointer escape into a result or into memory (the engines'
 * stacks live at different addresses). Generated programs are verified privileged when the
 * first byte's bit 3 is set: only then may they throw, call subprograms, loop and hold
 * resources (Linux allows kfuncs, calls and back-edges with CAP_BPF only). The generator then
 * stores no pointer anywhere (gen.no_leaks), and reads of uninitialized stack, which
 * privileged programs may make, are caught by running the interpreter twice with different
 * garbage in its stack: a program whose two runs differ is not compared. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
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

	fprintf(stderr, "\n=== fuzz_jit_diff: the engines disagree on a verified program, or a run left a "
			"resource held\n");
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
	uint32_t nthrow;
	uint32_t throw_insns[BPF_MAX_CALL_FRAMES];
	uint32_t rb_records;
	uint64_t rb_digest;
	struct snap after; /* r0 included */
};

static unsigned long long n_thrown, n_thrown_holding, n_garbage;

/* One run on an engine, as the runtime makes it; the release check's failure is reported at
 * once. poison: what fuzz_poison leaves in the interpreter's stack. */
static void run_engine(const struct vm_prog *vp, const struct jit_prog *jp, uint64_t rng,
		       uint64_t poison, struct outcome *o, const struct bpf_insn *vi, size_t cnt)
{
	char msg[256], why[256], what[400];
	struct log log;
	struct vm_exec x;

	log_init(&log, msg, sizeof(msg));
	W.poison = poison;
	W.rng = rng;
	W.ktime = 1000000;
	W.bug[0] = '\0';
	x = (struct vm_exec){.checked = false, .log = &log};
	W.x = &x;
	x.args[0] = (uintptr_t)W.ctx;
	world_run_begin(&x);
	o->err = jp ? jit_exec(jp, &x) : vm_exec(vp, &x);
	if (world_run_end(o->err, why, sizeof(why))) {
		snprintf(what, sizeof(what), "%s: %s", jp ? "JIT" : "interpreter", why);
		report(vi, cnt, what);
	}
	o->err_insn = o->err < 0 ? x.err_insn : -1;
	memset(o->throw_insns, 0, sizeof(o->throw_insns));
	o->nthrow = o->err == VM_THROWN ? x.nthrow : 0;
	if (o->nthrow <= BPF_MAX_CALL_FRAMES)
		memcpy(o->throw_insns, x.throw_insns, o->nthrow * sizeof(x.throw_insns[0]));
	o->rb_records = W.rb_records;
	o->rb_digest = W.rb_digest;
	/* a throw's cookie stands in for r0 */
	take(&o->after, o->err == VM_THROWN ? x.cookie : o->err ? 0 : x.r0);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->err == b->err && a->err_insn == b->err_insn && a->nthrow == b->nthrow &&
	       !memcmp(a->throw_insns, b->throw_insns, sizeof(a->throw_insns)) &&
	       a->rb_records == b->rb_records && a->rb_digest == b->rb_digest &&
	       !memcmp(&a->after, &b->after, sizeof(a->after));
}

static void compare(const struct bpf_insn *vi, size_t cnt, uint64_t seed, bool priv)
{
	struct vm_prog *vp = NULL;
	struct jit_prog *jp = NULL;
	char msg[256], what[640];
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
		run_engine(vp, NULL, rng, 0, &a, vi, cnt);
		restore(&before);
		if (priv) {
			struct outcome c;

			/* the result must not depend on stack garbage (see the top) */
			run_engine(vp, NULL, rng, ~seed | 1, &c, vi, cnt);
			restore(&before);
			if (!same(&a, &c)) {
				n_garbage++;
				world_free_packet();
				continue;
			}
		}
		run_engine(NULL, jp, rng, 0, &b, vi, cnt);
		n_thrown += a.err == VM_THROWN;
		n_thrown_holding += a.err == VM_THROWN && W.held_at_throw;
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
		if (a.nthrow != b.nthrow ||
		    memcmp(a.throw_insns, b.throw_insns, sizeof(a.throw_insns))) {
			snprintf(what, sizeof(what),
				 "run %d: the throws unwound %u frames (interpreter, innermost at "
				 "insn %u) vs %u (JIT, at insn %u)",
				 run, a.nthrow, a.throw_insns[0], b.nthrow, b.throw_insns[0]);
			report(vi, cnt, what);
		}
		if (a.rb_records != b.rb_records || a.rb_digest != b.rb_digest) {
			snprintf(what, sizeof(what),
				 "run %d: the ring buffer held %u records (interpreter) vs %u (JIT), "
				 "or their bytes differ",
				 run, a.rb_records, b.rb_records);
			report(vi, cnt, what);
		}
		if (memcmp(&a.after, &b.after, sizeof(a.after))) {
			const uint8_t *pa = (const uint8_t *)&a.after, *pb = (const uint8_t *)&b.after;
			size_t at = 0;

			while (pa[at] == pb[at])
				at++;
			snprintf(what, sizeof(what),
				 "run %d: the context, packet or maps differ after the runs (first at "
				 "byte %zu of struct snap: ctx %zu, arr %zu, hash %zu, lock %zu, pkt %zu; "
				 "0x%02x vs 0x%02x)",
				 run, at, offsetof(struct snap, ctx), offsetof(struct snap, arr),
				 offsetof(struct snap, hash), offsetof(struct snap, lock),
				 offsetof(struct snap, pkt), pa[at], pb[at]);
			report(vi, cnt, what);
		}
		world_free_packet();
	}
	jit_free(jp);
	vm_prog_free(vp);
}

static unsigned long long n_total, n_accepted, n_accepted_priv, n_compared;

static void stats(void)
{
	if (getenv("FUZZ_JIT_DIFF_STATS"))
		fprintf(stderr,
			"fuzz_jit_diff: %llu inputs, %llu verified (%llu privileged), %llu compared; "
			"runs compared: %llu threw, %llu of them holding resources; %llu runs "
			"skipped (the result depends on stack garbage)\n",
			n_total, n_accepted, n_accepted_priv, n_compared, n_thrown,
			n_thrown_holding, n_garbage);
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

	bool priv;

	if (size < 2)
		return 0;
	if (!n_total++)
		atexit(stats);
	priv = (data[0] & 7) != 7 && (data[0] & 8);
	g.no_leaks = true;
	cnt = world_program(data, size, !priv, &g, raw, &insns);
	if (!cnt)
		return 0;
	log_init(&log, lbuf, sizeof(lbuf));
	if (isa_validate(insns, cnt, &log))
		return 0;
	fill_input(&in, insns, cnt, !priv);
	log_init(&log, lbuf, sizeof(lbuf));
	in.log = &log;
	if (verifier_check(&in, &res)) {
		verifier_result_free(&res);
		return 0;
	}
	n_accepted++;
	n_accepted_priv += priv;
	memcpy(vi, insns, cnt * sizeof(*vi));
	if (!world_resolve_maps(vi, cnt, why, sizeof(why))) {
		world_rewrite_ctx(vi, cnt, res.insn_mem);
		n_compared++;
		compare(vi, cnt, fnv(data, size), priv);
	}
	verifier_result_free(&res);
	return 0;
}
