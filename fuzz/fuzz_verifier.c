/* libFuzzer target: the verifier's soundness. The input becomes a BPF program for a tc-like
 * program type (lib/vworld.h), either through a structured generator (bytes pick ALU ops, stack and context
 * accesses, null-checked map lookups with masked or compared offsets, packet accesses guarded
 * by data_end comparisons, forward branches, bounded loops, helper calls: programs that mostly
 * pass verification) or, less often, as raw instructions. Every program verifier_check()
 * accepts runs several times in the checked interpreter on packets, contexts and map contents
 * drawn from the input, with the context (a hooked region that re-applies the type's access
 * rules), the packet, the stack and the map values as the only memory. A verified program must
 * then always end with a result: an access outside that memory, a context access the type
 * denies, a helper argument of the wrong kind, a runaway loop (budget) or, for unprivileged
 * verification, a result that depends on uninitialized registers or stack (each run is
 * repeated with other garbage in r1-r5 at entry and after calls and in the stack) means the
 * verifier accepted an unsafe program: abort() with the disassembly and the level-2 log. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "isa/isa.h"
#include "verifier/verifier.h"
#include "vm/vm.h"
#include "vm/vm_priv.h"

#include "lib/vworld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------------------------
 * Verification, runs, and the report. */

static __attribute__((noreturn)) void report(const struct bpf_insn *insns, size_t cnt,
					     bool unpriv, const char *what)
{
	char text[160];
	size_t logsz = 8u << 20;
	char *buf = malloc(logsz);
	struct log log;
	struct verifier_input in;
	struct verifier_result res;

	fprintf(stderr, "\n=== fuzz_verifier: the verifier accepted an unsafe program (%s)\n",
		unpriv ? "unprivileged" : "privileged");
	fprintf(stderr, "=== %s\n=== program (%zu insns):\n", what, cnt);
	for (size_t i = 0; i < cnt;) {
		int n = isa_disasm(insns, cnt, i, text, sizeof(text), NULL);
		fprintf(stderr, "%4zu: %s\n", i, text);
		i += n > 0 ? (size_t)n : 1;
	}
	fill_input(&in, insns, cnt, unpriv);
	log_init(&log, buf, buf ? logsz : 0);
	in.log = &log;
	in.log_level = 2;
	verifier_check(&in, &res);
	verifier_result_free(&res);
	fprintf(stderr, "=== verifier log (level 2):\n%s\n", buf ? buf : "");
	abort();
}

/* One checked run with the world's resources: returns vm_exec()'s result, or -EUCLEAN when
 * the run left a resource held (the reason in rwhy). */
static int exec_once(const struct vm_prog *vp, uint64_t poison, uint64_t rng, char *msg,
		     size_t msgsz, struct vm_exec *x, char *rwhy, size_t rwhy_size)
{
	struct vm_region regions[2];
	struct log log;
	size_t nr = 0;

	log_init(&log, msg, msgsz);
	msg[0] = '\0';
	W.poison = poison;
	W.rng = rng;
	W.ktime = 1000000;
	W.bug[0] = '\0';
	*x = (struct vm_exec){.checked = true, .budget = BUDGET, .log = &log};
	W.x = x;
	regions[nr++] = (struct vm_region){.start = (uintptr_t)W.ctx, .size = CTX_SIZE,
					   .writable = true, .access = ctx_hook, .hook_ctx = &W};
	if (W.pkt_len)
		regions[nr++] = (struct vm_region){.start = (uintptr_t)W.pkt, .size = W.pkt_len,
						   .writable = true};
	x->regions = regions;
	x->nregions = nr;
	x->args[0] = (uintptr_t)W.ctx;
	for (int i = 1; i < 5; i++)
		x->args[i] = poison * (uint64_t)(i + 1);
	world_run_begin(x);
	int err = vm_exec(vp, x);
	x->regions = NULL;
	if (world_run_end(err, rwhy, rwhy_size) && err >= 0)
		return -EUCLEAN;
	return err;
}

static unsigned long long n_thrown_holding;

static unsigned long long n_thrown;

static void run_accepted(const struct bpf_insn *insns, size_t cnt, bool unpriv, uint64_t seed)
{
	struct bpf_insn *vi = malloc(cnt * sizeof(*vi));
	struct vm_prog *vp = NULL;
	char msg[512], what[1024];
	struct log log;

	if (!vi)
		return;
	memcpy(vi, insns, cnt * sizeof(*vi));
	if (world_resolve_maps(vi, cnt, what, sizeof(what)))
		report(insns, cnt, unpriv, what);
	log_init(&log, msg, sizeof(msg));
	struct vm_prog_opts o = {.helpers = &vm_table, .kfuncs = &vm_kfuncs};
	if (vm_prog_new_opts(vi, cnt, &o, &log, &vp)) {
		/* a helper the fuzzer does not implement, a direct map value, ... */
		free(vi);
		return;
	}
	bool direct_value = false;
	for (size_t i = 0; i + 1 < cnt; i++)
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    insns[i].src_reg == ISA_PSEUDO_MAP_IDX_VALUE)
			direct_value = true;

	uint64_t s = seed;
	for (int run = 0; run < NRUNS; run++) {
		uint8_t *pkt = world_fill(&s);

		if (!pkt)
			break;
		uint64_t rng = xs(&s);
		struct snap before, after;
		struct vm_exec x;
		uint64_t p1 = xs(&s) | 0x8000000000000001ull, p2 = ~p1 ^ 0x5555;

		take(&before, 0);
		/* A throw (VM_THROWN) is a result too: the program ended, every frame unwound,
		 * what it held released. */
		char rwhy[256];
		int err = exec_once(vp, p1, rng, msg, sizeof(msg), &x, rwhy, sizeof(rwhy));

		n_thrown += err == VM_THROWN;
		n_thrown_holding += err == VM_THROWN && W.held_at_throw;
		if (err == -EUCLEAN) {
			snprintf(what, sizeof(what), "run %d: %s", run, rwhy);
			report(insns, cnt, unpriv, what);
		}
		if (err < 0) {
			snprintf(what, sizeof(what),
				 "run %d (packet %zu bytes) failed with %d at insn %lld: %s%s%s", run,
				 W.pkt_len, err, (long long)x.err_insn, msg,
				 err == -E2BIG ? " (budget or call depth: runaway loop?)" : "",
				 W.bug[0] ? " [helper]" : "");
			report(insns, cnt, unpriv, what);
		}
		take(&after, x.r0);
		/* Again with other garbage where the program must not look: unprivileged
		 * programs may not read it at all, so nothing may change. (Privileged ones may
		 * read uninitialized stack, as Linux allows; they only get the memory checks.) */
		restore(&before);
		err = exec_once(vp, p2, rng, msg, sizeof(msg), &x, rwhy, sizeof(rwhy));
		if (err == -EUCLEAN) {
			snprintf(what, sizeof(what), "run %d (other garbage): %s", run, rwhy);
			report(insns, cnt, unpriv, what);
		}
		if (err < 0) {
			snprintf(what, sizeof(what),
				 "run %d (packet %zu bytes, other garbage) failed with %d at insn "
				 "%lld: %s",
				 run, W.pkt_len, err, (long long)x.err_insn, msg);
			report(insns, cnt, unpriv, what);
		}
		if (unpriv && !direct_value) {
			struct snap again;
			take(&again, x.r0);
			if (memcmp(&again, &after, sizeof(again))) {
				snprintf(what, sizeof(what),
					 "run %d: the result depends on uninitialized registers or "
					 "stack (r0 0x%llx vs 0x%llx%s)",
					 run, (unsigned long long)after.r0,
					 (unsigned long long)again.r0,
					 again.r0 == after.r0 ? ", memory differs" : "");
				report(insns, cnt, unpriv, what);
			}
		}
		world_free_packet();
	}
	vm_prog_free(vp);
	free(vi);
}

static unsigned long long n_total, n_valid, n_accepted, n_gen, n_gen_accepted;

static void stats(void)
{
	if (getenv("FUZZ_VERIFIER_STATS"))
		fprintf(stderr,
			"fuzz_verifier: %llu inputs, %llu valid programs, %llu accepted; generated "
			"%llu, accepted %llu (%.1f%%); %llu runs threw, %llu of them holding "
			"resources\n",
			n_total, n_valid, n_accepted, n_gen, n_gen_accepted,
			n_gen ? 100.0 * (double)n_gen_accepted / (double)n_gen : 0.0, n_thrown,
			n_thrown_holding);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen g;
	static struct bpf_insn raw[MAX_INSNS];
	const struct bpf_insn *insns;
	size_t cnt;
	char lbuf[256];
	struct log log;

	if (size < 2)
		return 0;
	if (!n_total++)
		atexit(stats);
	/* First byte: mode (raw about 1 in 8) and privilege (unprivileged about 1 in 4). */
	bool is_raw = (data[0] & 7) == 7;
	bool unpriv = ((data[0] >> 3) & 3) == 0;
	uint64_t seed = fnv(data, size);

	cnt = world_program(data, size, unpriv, &g, raw, &insns);
	if (!cnt)
		return 0;
	if (!is_raw)
		n_gen++;
	log_init(&log, lbuf, sizeof(lbuf));
	if (isa_validate(insns, cnt, &log))
		return 0;
	n_valid++;

	struct verifier_input in;
	struct verifier_result res;
	fill_input(&in, insns, cnt, unpriv);
	log_init(&log, lbuf, sizeof(lbuf));
	in.log = &log;
	verifier_check(&in, &res);
	verifier_result_free(&res);
	if (getenv("FUZZ_VERIFIER_DEBUG")) {
		fprintf(stderr, "%s: %s (insn %lld)\n", res.accepted ? "accepted" : "rejected",
			res.error, (long long)res.error_insn);
		for (size_t i = 0; *getenv("FUZZ_VERIFIER_DEBUG") == '2' && i < cnt; i++) {
			char text[160];
			isa_disasm(insns, cnt, i, text, sizeof(text), NULL);
			fprintf(stderr, "  %4zu: %s\n", i, text);
		}
	}
	if (!res.accepted)
		return 0;
	n_accepted++;
	if (!is_raw)
		n_gen_accepted++;
	run_accepted(insns, cnt, unpriv, seed);
	return 0;
}
