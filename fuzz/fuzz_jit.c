/* libFuzzer target: the JIT against the checked interpreter (differential). Same input format
 * as fuzz_vm.c: byte 0 % 64 = input memory length, that many bytes of memory, then the raw
 * program (the last instruction forced to `exit` when the program's first byte is odd).
 *
 * For each input: validate; run the checked interpreter (budget, the input memory as the one
 * writable region and as the packet of legacy loads, r1 = memory, r2 = length, helper 1 =
 * sum, a `never_stops` helper, so the JIT emits plain calls) on copy A; only if it ran to
 * completion, jit_compile() and jit_exec() on a fresh copy B of the same bytes. A program the
 * checked interpreter completed follows the same path in the JIT, so the JIT run touches only
 * memory the interpreter allowed; then r0 and the memory must be equal, and nothing around B
 * may have changed: any difference is a JIT bug (__builtin_trap()).
 *
 * What makes the engines legitimately differ is filtered out, never reported:
 * - Stack addresses. The interpreter's stack is not the JIT's, not even modulo 16 (r10 has
 *   been 8 mod 16 in the interpreter and 0 mod 16 in the JIT), so no shifting of either can
 *   expose every dependence on it. A program may use r10 and its copies (moved by constants)
 *   only as the base of loads and stores: never stored, compared, computed with, passed to
 *   the helper or returned (fp_escapes(), conservative).
 * - Other addresses (the input memory, r1). The interpreter runs twice, the second time with
 *   the memory elsewhere and its C stack deeper, and both runs must agree (r0, memory,
 *   instructions executed); the JIT runs twice the same way, and its runs must agree too.
 *   The first JIT run uses the interpreter's first memory address.
 * - Cross-frame stack addressing. The checked interpreter lets a callee reach its caller's
 *   512 bytes (its slices are contiguous); in the JIT the saved registers and the return
 *   address lie between frames, and only a verifier keeps programs away from them. So a
 *   program with local calls may name r10 only as the base of a load or store inside its own
 *   frame ([r10 - 512, r10)), never as a value.
 * - r1-r5 after a helper call: the JIT leaves what the helper left (README.md), the
 *   interpreter keeps them. The helper here is written in assembly and preserves rdi, rsi,
 *   rdx, rcx and r8, so both engines keep them. It is deterministic (a sum).
 * - Programs the JIT does not compile (-EOPNOTSUPP) or that call kfuncs (there are none here:
 *   the load fails) and runs the interpreter ends with an error (fault, budget, depth, callx)
 *   are skipped. */
#include <alloca.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "jit/jit.h"
#include "vm/vm.h"

/* The interpreter's stack lives in vm_exec()'s C frame. ASan's detection of stack use after
 * return would move that frame to its fake stack, whose slots are reused at the same address
 * run after run, and the address-dependence check below could not move it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=0";
}

#define MEM_MAX 64
#define GUARD 64
#define BUDGET 100000
/* how much deeper the second runs put their C stack: moves addresses by a few pages and a
 * few 16-byte units, so low and middle address bits change */
#define SHIFT (65536 + 4096 + 3 * 16 + 8)

#if defined(__x86_64__)
/* r0 = r1 + r2 + r3 + r4 + r5; touches rax only (flags aside), so r1-r5 survive the call in
 * both engines. */
__attribute__((naked)) static uint64_t helper_sum(uint64_t a, uint64_t b, uint64_t c,
						  uint64_t d, uint64_t e, struct exbpf_run *run)
{
	__asm__ volatile("lea (%rdi,%rsi), %rax\n\t"
			 "add %rdx, %rax\n\t"
			 "add %rcx, %rax\n\t"
			 "add %r8, %rax\n\t"
			 "ret\n\t");
}
#else
static uint64_t helper_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct exbpf_run *run)
{
	(void)run;
	return a + b + c + d + e;
}
#endif

static const struct vm_helper helpers_arr[] = {
	{.id = 1, .name = "sum", .fn = helper_sum, .never_stops = true}};
static const struct vm_helper_table helpers = {.helpers = helpers_arr, .cnt = 1};

static bool has_local_calls(const struct bpf_insn *insns, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL)
			return true;
	return false;
}

static bool in_frame(int16_t off, unsigned size)
{
	return off >= -512 && off + (int)size <= 0;
}

/* Whether a frame-pointer value (r10, or a register copied from it, moved by constants) can
 * be used as anything but the base of a load or store: stored, compared, passed to the helper,
 * returned, or computed with. Flow-insensitive, so conservative: a register that ever holds
 * such a value counts everywhere. In a program with local calls no copy of r10 is allowed at
 * all, and r10 itself only as a base inside its own frame. */
static bool fp_escapes(const struct bpf_insn *insns, size_t cnt, bool calls)
{
	static const unsigned sizes[4] = {4, 2, 1, 8}; /* BPF_W, BPF_H, BPF_B, BPF_DW */
	uint32_t fp = 1u << BPF_REG_10;
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < cnt; i++) {
			const struct bpf_insn *in = &insns[i];
			if (in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->off == 0 &&
			    (fp >> in->src_reg & 1) && !(fp >> in->dst_reg & 1)) {
				if (calls)
					return true;
				fp |= 1u << in->dst_reg;
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		unsigned cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		unsigned size = sizes[BPF_SIZE(in->code) >> 3];
		bool src_fp = fp >> in->src_reg & 1, dst_fp = fp >> in->dst_reg & 1;

		switch (cls) {
		case BPF_LD:
			if (BPF_MODE(in->code) == BPF_IMM) /* lddw: src is a pseudo kind */
				i++;
			else if (src_fp) /* LD_IND: the JIT refuses it anyway */
				return true;
			break;
		case BPF_LDX:
			if (calls && in->src_reg == BPF_REG_10 && !in_frame(in->off, size))
				return true;
			break;
		case BPF_ST:
			if (calls && in->dst_reg == BPF_REG_10 && !in_frame(in->off, size))
				return true;
			break;
		case BPF_STX: /* the value (src) must not be an address; dst is the base */
			if (src_fp || (calls && in->dst_reg == BPF_REG_10 && !in_frame(in->off, size)))
				return true;
			break;
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_JA)
				break;
			if (op == BPF_EXIT) {
				if (fp & 1u << BPF_REG_0)
					return true;
				break;
			}
			if (op == BPF_CALL) {
				if (in->src_reg == BPF_PSEUDO_CALL)
					break; /* with calls, no copy of r10 exists */
				if ((fp & 0x3eu) || (BPF_SRC(in->code) == BPF_X && dst_fp))
					return true; /* the helper gets an address, or callx */
				break;
			}
			if (dst_fp || (BPF_SRC(in->code) == BPF_X && src_fp))
				return true; /* a comparison with an address */
			break;
		default: { /* ALU, ALU64 */
			bool mov = op == BPF_MOV;
			bool copy = in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->off == 0;
			bool offset = cls == BPF_ALU64 && (op == BPF_ADD || op == BPF_SUB) &&
				      BPF_SRC(in->code) == BPF_K;
			if (BPF_SRC(in->code) == BPF_X && op != BPF_END && src_fp && !copy)
				return true;
			if (dst_fp && !mov && !offset)
				return true;
			break;
		}
		}
	}
	return false;
}

struct outcome {
	int err;
	uint64_t r0;
	uint64_t left;
	uint8_t mem[MEM_MAX];
};

/* One checked run on mem (a copy of `init`), its C stack `shift` bytes deeper. */
__attribute__((noinline)) static void run_interp(const struct vm_prog *prog, uint8_t *mem,
						 const uint8_t *init, size_t len, size_t shift,
						 struct outcome *out)
{
	volatile uint8_t *pad = alloca(shift + 1);
	pad[0] = 0;
	memcpy(mem, init, len);
	struct vm_region region = {.start = (uintptr_t)mem, .size = len, .writable = true};
	uint8_t *m = len ? mem : NULL;
	struct vm_exec x = {
		.args = {(uint64_t)(uintptr_t)m, len},
		.checked = true,
		.budget = BUDGET,
		.regions = &region,
		.nregions = m ? 1 : 0,
		.pkt = m,
		.pkt_end = m ? m + len : NULL,
		.pkt_mac = m,
	};
	out->err = vm_exec(prog, &x);
	out->r0 = x.r0;
	out->left = x.budget_left;
	memcpy(out->mem, mem, len);
	pad[0] = 1;
}

/* One JIT run on mem (a copy of `init`), its C stack `shift` bytes deeper. */
__attribute__((noinline)) static int run_jit(const struct jit_prog *jp, uint8_t *mem,
					     const uint8_t *init, size_t len, size_t shift,
					     struct log *log, struct outcome *out)
{
	volatile uint8_t *pad = alloca(shift + 1);
	pad[0] = 0;
	memcpy(mem, init, len);
	uint8_t *m = len ? mem : NULL;
	struct vm_exec x = {
		.args = {(uint64_t)(uintptr_t)m, len},
		.checked = false,
		.budget = BUDGET,
		.log = log,
		.pkt = m,
		.pkt_end = m ? m + len : NULL,
		.pkt_mac = m,
	};
	out->err = jit_exec(jp, &x);
	out->r0 = x.r0;
	out->left = 0;
	memcpy(out->mem, mem, len);
	pad[0] = 1;
	return out->err;
}

static bool same(const struct outcome *a, const struct outcome *b, size_t len)
{
	return a->err == b->err && a->r0 == b->r0 && a->left == b->left &&
	       !memcmp(a->mem, b->mem, len);
}

static void report(const char *what, const struct outcome *want, uint64_t r0, int err,
		   const uint8_t *mem, size_t len, const char *log)
{
	fprintf(stderr, "fuzz_jit: JIT differs from the checked interpreter: %s\n", what);
	fprintf(stderr, "  interpreter: r0 = %#llx; jit: err %d, r0 = %#llx (%s)\n",
		(unsigned long long)want->r0, err, (unsigned long long)r0, log);
	for (size_t i = 0; i < len; i++)
		if (want->mem[i] != mem[i])
			fprintf(stderr, "  mem[%zu]: interpreter %#x, jit %#x\n", i, want->mem[i],
				mem[i]);
	__builtin_trap();
}

/* FUZZ_JIT_STATS=1 in the environment: how far inputs got, printed at exit (to tell a quiet
 * run from one whose inputs never reach the comparison). */
enum { S_INPUTS, S_VALID, S_NO_FP, S_COMPLETED, S_ADDR_INDEP, S_COMPARED, S_CNT };
static unsigned long stats[S_CNT];

static void print_stats(void)
{
	fprintf(stderr,
		"fuzz_jit: %lu inputs, %lu valid, %lu without frame-pointer values, %lu completed "
		"checked, %lu address-independent, %lu compared with the JIT\n",
		stats[S_INPUTS], stats[S_VALID], stats[S_NO_FP], stats[S_COMPLETED],
		stats[S_ADDR_INDEP], stats[S_COMPARED]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (getenv("FUZZ_JIT_STATS"))
		atexit(print_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t mem_len = data[0] % MEM_MAX;
	data++, size--;
	if (size < mem_len)
		return 0;
	uint8_t init[MEM_MAX];
	memcpy(init, data, mem_len);
	data += mem_len, size -= mem_len;
	size_t cnt = size / sizeof(struct bpf_insn);
	if (cnt == 0 || !jit_supported())
		return 0;
	struct bpf_insn *insns = malloc(cnt * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, cnt * sizeof(*insns));
	if (data[0] & 1)
		insns[cnt - 1] = (struct bpf_insn){.code = 0x95};

	/* One buffer: copy A at `base`, the address-shifted copy further on; copy B (the JIT's)
	 * at `base` again, between guard bytes. */
	static uint8_t buf[GUARD + MEM_MAX + 1024 + MEM_MAX + GUARD];
	uint8_t *base = buf + GUARD, *shifted = buf + GUARD + MEM_MAX + 1024 - 24;
	struct vm_prog *prog = NULL;
	struct jit_prog *jp = NULL;
	struct outcome a, a2;
	char logbuf[256];
	struct log log;

	stats[S_INPUTS]++;
	if (exbpf_insns__validate(insns, cnt, NULL, 0) ||
	    vm_prog_new(insns, cnt, &helpers, NULL, &prog))
		goto out;
	stats[S_VALID]++;
	if (fp_escapes(insns, cnt, has_local_calls(insns, cnt)))
		goto out;
	stats[S_NO_FP]++;
	run_interp(prog, base, init, mem_len, 0, &a);
	if (a.err)
		goto out;
	stats[S_COMPLETED]++;
	run_interp(prog, shifted, init, mem_len, SHIFT, &a2);
	if (!same(&a, &a2, mem_len))
		goto out; /* the outcome depends on addresses */
	stats[S_ADDR_INDEP]++;

	log_init(&log, logbuf, sizeof(logbuf));
	int err = jit_compile(insns, cnt, &helpers, &log, &jp);
	if (err == -EOPNOTSUPP || err == -ENOTSUP)
		goto out;
	if (err) {
		fprintf(stderr, "fuzz_jit: jit_compile: %d %s\n", err, logbuf);
		report("the JIT refuses a program the interpreter ran", &a, 0, err, base, 0,
		       logbuf);
	}

	/* Copy B between guard bytes; then a second run, deeper and elsewhere, which must agree
	 * (an address dependence the interpreter's two runs missed). */
	struct outcome b, b2;
	memset(buf, 0xa5, sizeof(buf));
	log_init(&log, logbuf, sizeof(logbuf));
	err = run_jit(jp, base, init, mem_len, 0, &log, &b);
	for (size_t i = 0; i < sizeof(buf); i++)
		if ((buf + i < base || buf + i >= base + mem_len) && buf[i] != 0xa5)
			report("a write outside the input memory", &a, b.r0, err, b.mem, mem_len,
			       logbuf);
	if (err)
		report("the JIT run failed", &a, b.r0, err, b.mem, mem_len, logbuf);
	if (run_jit(jp, shifted, init, mem_len, SHIFT, NULL, &b2) || b2.r0 != b.r0 ||
	    memcmp(b2.mem, b.mem, mem_len))
		goto out; /* the outcome depends on addresses */
	stats[S_COMPARED]++;
	if (b.r0 != a.r0)
		report("r0", &a, b.r0, err, b.mem, mem_len, logbuf);
	if (memcmp(b.mem, a.mem, mem_len))
		report("memory", &a, b.r0, err, b.mem, mem_len, logbuf);
out:
	jit_free(jp);
	vm_prog_free(prog);
	free(insns);
	return 0;
}
