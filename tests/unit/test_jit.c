/* The x86-64 JIT against the interpreter: every conformance file, then targeted matrices
 * (division and modulo edge cases, shifts, ALU, jumps, atomics) over register choices that
 * hit the x86 special registers (rax = r0 and rdx = r3 for division, rcx = r4 for shifts),
 * calls, helpers, and two threads on one program. The interpreter is the reference; a few
 * values are also written out by hand from RFC 9669. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../tools/conformance_data.h"
#include "common/log.h"
#include "jit/jit.h"
#include "test_interp.h"
#include "testlib.h"

struct run_out {
	int err;
	uint64_t r0;
	int64_t err_insn;
	char log[256];
};

static int run_interp(const struct bpf_insn *insns, size_t cnt,
		      const struct vm_helper_table *h, const uint64_t args[5], void *mem,
		      size_t len, bool checked, struct run_out *o)
{
	struct vm_prog *prog;
	struct log log;

	memset(o, 0, sizeof(*o));
	log_init(&log, o->log, sizeof(o->log));
	int err = vm_prog_new(insns, cnt, h, &log, &prog);
	if (err)
		return o->err = err;
	struct vm_region region = {.start = (uintptr_t)mem, .size = len, .writable = true};
	struct vm_exec x = {.checked = checked, .budget = 1000000, .regions = &region,
			    .nregions = mem ? 1 : 0, .log = &log};
	memcpy(x.args, args, sizeof(x.args));
	o->err = vm_exec(prog, &x);
	o->r0 = x.r0;
	o->err_insn = x.err_insn;
	vm_prog_free(prog);
	return o->err;
}

static int run_jit(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *h,
		   const uint64_t args[5], struct run_out *o)
{
	struct jit_prog *jp;
	struct log log;

	memset(o, 0, sizeof(*o));
	log_init(&log, o->log, sizeof(o->log));
	int err = jit_compile(insns, cnt, h, &log, &jp);
	if (err)
		return o->err = err;
	struct vm_exec x = {.log = &log};
	memcpy(x.args, args, sizeof(x.args));
	o->err = jit_exec(jp, &x);
	o->r0 = x.r0;
	o->err_insn = x.err_insn;
	jit_free(jp);
	return o->err;
}

/* Runs the program on both engines (each on its own copy of mem, r1 = mem, r2 = len) and
 * records a failure if results, errors or memory differ. Returns the JIT's r0. */
static uint64_t both(int line, const void *mem, size_t len, const struct bpf_insn *insns,
		     size_t cnt)
{
	uint8_t a[256] = {0}, b[256] = {0};
	struct run_out oi, oj;

	if (len > sizeof(a))
		len = sizeof(a);
	if (mem) {
		memcpy(a, mem, len);
		memcpy(b, mem, len);
	}
	uint64_t ai[5] = {(uintptr_t)a, len}, aj[5] = {(uintptr_t)b, len};
	run_interp(insns, cnt, &test_helpers, ai, a, len, false, &oi);
	run_jit(insns, cnt, &test_helpers, aj, &oj);
	if (oi.err)
		test_fail(__FILE__, line, "interp failed: %d %s", oi.err, oi.log);
	if (oi.err != oj.err || oi.r0 != oj.r0)
		test_fail(__FILE__, line,
			  "interp err %d r0 0x%" PRIx64 " (%s) != jit err %d r0 0x%" PRIx64 " (%s)",
			  oi.err, oi.r0, oi.log, oj.err, oj.r0, oj.log);
	if (memcmp(a, b, sizeof(a)))
		test_fail(__FILE__, line, "memory differs");
	return oj.r0;
}

/* ---- conformance */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static uint64_t helper_return_r1(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				 struct exbpf_run *run)
{
	return r1;
}

TEST(jit_conformance_files)
{
	static const struct vm_helper rows[] = {{.id = 5, .name = "r1", .fn = helper_return_r1}};
	static const struct vm_helper_table helpers = {rows, 1};
	DIR *dir = opendir(test_conformance_dir());
	struct dirent *de;
	int files = 0, ok = 0;

	CHECK(dir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".data"))
			continue;
		files++;
		char path[1024], err[256] = "";
		snprintf(path, sizeof(path), "%s/%s", test_conformance_dir(), de->d_name);
		char *text = read_text(path);
		struct conformance_data d;
		if (!text || conformance_data_parse(text, &d, err, sizeof(err))) {
			test_fail(__FILE__, __LINE__, "%s: %s", de->d_name, err);
			free(text);
			continue;
		}
		free(text);
		struct bpf_insn *insns = NULL;
		size_t cnt = 0;
		if (conformance_data_program(&d, &insns, &cnt, err, sizeof(err))) {
			test_fail(__FILE__, __LINE__, "%s: %s", de->d_name, err);
			conformance_data_free(&d);
			continue;
		}
		size_t len = d.mem_len;
		uint8_t *mi = calloc(1, len + 1), *mj = calloc(1, len + 1);
		if (d.mem) {
			memcpy(mi, d.mem, len);
			memcpy(mj, d.mem, len);
		}
		uint64_t ai[5] = {d.mem ? (uintptr_t)mi : 0, len};
		uint64_t aj[5] = {d.mem ? (uintptr_t)mj : 0, len};
		struct run_out oi, oj;
		run_interp(insns, cnt, &helpers, ai, d.mem ? mi : NULL, len, true, &oi);
		run_jit(insns, cnt, &helpers, aj, &oj);
		if (oj.err || oj.r0 != d.result)
			test_fail(__FILE__, __LINE__, "%s: jit err %d r0 0x%" PRIx64
				  ", expected 0x%" PRIx64 " (%s)", de->d_name, oj.err, oj.r0,
				  d.result, oj.log);
		else if (oi.err != oj.err || oi.r0 != oj.r0 || memcmp(mi, mj, len))
			test_fail(__FILE__, __LINE__, "%s: interpreter and jit differ", de->d_name);
		else
			ok++;
		free(mi);
		free(mj);
		free(insns);
		conformance_data_free(&d);
	}
	closedir(dir);
	CHECK_EQ(files, 313);
	CHECK_EQ(ok, 313);
}

/* ---- matrices over registers */

#define MAXP 96

struct pb {
	struct bpf_insn p[MAXP];
	size_t n;
};

static void put(struct pb *b, struct bpf_insn in)
{
	if (b->n < MAXP)
		b->p[b->n++] = in;
}

static void put_lddw(struct pb *b, int reg, uint64_t v)
{
	struct bpf_insn two[] = {LDDW(reg, v)};
	put(b, two[0]);
	put(b, two[1]);
}

/* r0-r9 get distinct values with garbage in the high words, so a register clobbered or not
 * zero-extended shows up in the checksum. */
static void put_init(struct pb *b)
{
	for (int r = 0; r <= 9; r++)
		put_lddw(b, r, 0x1234567800000000ull * (uint64_t)(r + 1) + 0x1111u * (uint64_t)r);
}

/* r0 = sum over r0-r9 of r * (2i + 1); then exit. */
static void put_checksum(struct pb *b)
{
	for (int r = 1; r <= 9; r++) {
		put(b, ALU64_K(BPF_MUL, r, 2 * r + 1));
		put(b, ALU64_X(BPF_ADD, 0, r));
	}
	put(b, EXIT());
}

static const uint64_t edge_vals[] = {
	0, 1, 2, 3, 7, (uint64_t)-1, (uint64_t)-2, (uint64_t)-7, 0x80000000u, 0x7fffffffu,
	0xffffffffu, 0x8000000000000000ull, 0x7fffffffffffffffull, 0xdeadbeef80000000ull,
	0x123456789abcdefull, 0xffffffff00000001ull,
};
#define NVALS (sizeof(edge_vals) / sizeof(edge_vals[0]))
static const int edge_regs[][2] = {{1, 2}, {0, 1}, {1, 0}, {3, 1}, {1, 3}, {0, 3},
				   {3, 0}, {4, 1}, {1, 4}, {4, 4}, {6, 9}, {5, 5}};
#define NREGS (sizeof(edge_regs) / sizeof(edge_regs[0]))

/* One ALU op (code with class and source bit, off) on dst = a, src = b (or imm = b). */
static void alu_case(int line, uint8_t code, int16_t off, int dst, int src, uint64_t a,
		     uint64_t b)
{
	struct pb pb = {.n = 0};
	put_init(&pb);
	put_lddw(&pb, dst, a);
	if (code & BPF_X) {
		if (src != dst)
			put_lddw(&pb, src, b);
		put(&pb, INSN(code, dst, src, off, 0));
	} else {
		put(&pb, INSN(code, dst, 0, off, (int32_t)b));
	}
	put_checksum(&pb);
	both(line, NULL, 0, pb.p, pb.n);
}

static void alu_matrix(int line, const uint8_t *ops, size_t nops, int16_t off)
{
	static const uint8_t classes[] = {BPF_ALU64, BPF_ALU};
	for (size_t o = 0; o < nops; o++)
		for (int c = 0; c < 2; c++)
			for (int x = 0; x < 2; x++)
				for (size_t r = 0; r < NREGS; r++)
					for (size_t i = 0; i < NVALS; i++)
						for (size_t j = 0; j < NVALS; j++)
							alu_case(line,
								 classes[c] | ops[o] |
									 (x ? BPF_X : BPF_K),
								 off, edge_regs[r][0],
								 edge_regs[r][1], edge_vals[i],
								 edge_vals[j]);
}

TEST(jit_div_mod_edges)
{
	static const uint8_t ops[] = {BPF_DIV, BPF_MOD};
	alu_matrix(__LINE__, ops, 2, 0); /* unsigned */
	alu_matrix(__LINE__, ops, 2, 1); /* signed */

	/* RFC 9669 by hand: x / 0 = 0, x % 0 = x (32-bit: truncated), INT_MIN / -1 = INT_MIN,
	 * INT_MIN % -1 = 0, and the sign of a signed remainder follows the dividend. */
	CHECK_EQ(both(__LINE__, NULL, 0, PROG(LDDW(0, 42), ALU64_K(BPF_DIV, 0, 0), EXIT())), 0);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0xdeadbeef00000009ull), ALU32_K(BPF_MOD, 0, 0), EXIT())), 9);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0x8000000000000000ull), MOV64_K(1, -1),
			   INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 1, 0), EXIT())),
		 0x8000000000000000ull);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0x80000000u), INSN(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 1, -1),
			   EXIT())),
		 0x80000000u);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0x8000000000000000ull),
			   INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, -1), EXIT())),
		 0);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(0, -7), INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, 2), EXIT())),
		 (uint64_t)-1);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(0, -7), INSN(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, 2), EXIT())),
		 0xffffffffu);
}

TEST(jit_shifts)
{
	static const uint8_t ops[] = {BPF_LSH, BPF_RSH, BPF_ARSH};
	alu_matrix(__LINE__, ops, 3, 0);
	/* by hand: counts are masked; a 32-bit shift by 0 still zero-extends */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0xdeadbeef00000001ull), ALU32_K(BPF_LSH, 0, 32), EXIT())), 1);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0xdeadbeef00000001ull), MOV64_K(4, 0),
			   INSN(BPF_ALU | BPF_LSH | BPF_X, 0, 4, 0, 0), EXIT())),
		 1);
	CHECK_EQ(both(__LINE__, NULL, 0, PROG(MOV64_K(4, 1), ALU64_K(BPF_LSH, 4, 65), EXIT())), 0);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(4, 65), MOV64_K(0, 1), ALU64_X(BPF_LSH, 0, 4), EXIT())), 2);
}

TEST(jit_alu_rest)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR, BPF_MOV};
	alu_matrix(__LINE__, ops, sizeof(ops), 0);
	/* movsx, neg, byte order */
	static const struct {
		uint8_t code;
		int16_t off;
		int32_t imm;
	} un[] = {
		{BPF_ALU64 | BPF_MOV | BPF_X, 8, 0},  {BPF_ALU64 | BPF_MOV | BPF_X, 16, 0},
		{BPF_ALU64 | BPF_MOV | BPF_X, 32, 0}, {BPF_ALU | BPF_MOV | BPF_X, 8, 0},
		{BPF_ALU | BPF_MOV | BPF_X, 16, 0},   {BPF_ALU64 | BPF_NEG, 0, 0},
		{BPF_ALU | BPF_NEG, 0, 0},	      {BPF_ALU | BPF_END | BPF_K, 0, 16},
		{BPF_ALU | BPF_END | BPF_K, 0, 32},   {BPF_ALU | BPF_END | BPF_K, 0, 64},
		{BPF_ALU | BPF_END | BPF_X, 0, 16},   {BPF_ALU | BPF_END | BPF_X, 0, 32},
		{BPF_ALU | BPF_END | BPF_X, 0, 64},   {BPF_ALU64 | BPF_END | BPF_K, 0, 16},
		{BPF_ALU64 | BPF_END | BPF_K, 0, 32}, {BPF_ALU64 | BPF_END | BPF_K, 0, 64},
	};
	for (size_t u = 0; u < sizeof(un) / sizeof(un[0]); u++)
		for (size_t r = 0; r < NREGS; r++)
			for (size_t i = 0; i < NVALS; i++) {
				int dst = edge_regs[r][0], src = edge_regs[r][1];
				bool x = (un[u].code & 0xf0) == BPF_MOV;
				struct pb pb = {.n = 0};
				put_init(&pb);
				put_lddw(&pb, x ? src : dst, edge_vals[i] ^ 0x8080u);
				put(&pb, INSN(un[u].code, dst, x ? src : 0, un[u].off, un[u].imm));
				put_checksum(&pb);
				both(__LINE__, NULL, 0, pb.p, pb.n);
			}
	/* by hand */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(1, 0x1f0), INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 8, 0),
			   EXIT())),
		 (uint64_t)-16);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(0, 0x1122334455667788ull),
			   INSN(BPF_ALU | BPF_END | BPF_X, 0, 0, 0, 16), EXIT())),
		 0x8877);
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(LDDW(1, 0xffffffff), MOV64_K(0, 1), ALU64_X(BPF_MUL, 0, 1),
			   ALU32_K(BPF_ADD, 0, 1), EXIT())),
		 0);
}

TEST(jit_jumps)
{
	static const uint8_t conds[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
					BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
	for (size_t c = 0; c < sizeof(conds); c++)
		for (int cls = 0; cls < 2; cls++)
			for (int x = 0; x < 2; x++)
				for (size_t i = 0; i < NVALS; i++)
					for (size_t j = 0; j < NVALS; j++) {
						uint8_t code = (cls ? BPF_JMP32 : BPF_JMP) | conds[c] |
							       (x ? BPF_X : BPF_K);
						both(__LINE__, NULL, 0,
						     PROG(LDDW(3, edge_vals[i]),
							  LDDW(4, edge_vals[j]), MOV64_K(0, 1),
							  INSN(code, 3, x ? 4 : 0, 1,
							       x ? 0 : (int32_t)edge_vals[j]),
							  MOV64_K(0, 2), EXIT()));
					}
	/* ja, gotol backwards and forwards */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(0, 0), MOV64_K(1, 5), INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 3),
			   ALU64_K(BPF_ADD, 0, 1), ALU64_K(BPF_SUB, 1, 1), JA(1), JA(-4),
			   JMP_K(BPF_JNE, 1, 0, -5), EXIT())),
		 5);
}

/* ---- atomics */

TEST(jit_atomics)
{
	static const int32_t ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
				      BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
				      BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
				      BPF_XCHG, BPF_CMPXCHG};
	/* base and src differ: otherwise the host address would reach memory and registers */
	static const int regs[][2] = {{1, 2}, {1, 0}, {0, 1}, {10, 3}, {4, 5}, {3, 4}};
	static const uint64_t vals[] = {0, 1, 0xf0f0f0f0f0f0f0f0ull, 0xffffffff,
					0x80000000aaaaaaaaull};
#define NV (sizeof(vals) / sizeof(vals[0]))

	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (int dw = 0; dw < 2; dw++)
			for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++)
				for (size_t i = 0; i < NV * NV; i++) {
					int base = regs[r][0], src = regs[r][1];
					uint64_t memv = vals[i / NV], opnd = vals[i % NV];
					bool fetch = (ops[o] & BPF_FETCH) != 0;
					int16_t off = base == 10 ? -16 : 8;
					struct pb pb = {.n = 0};
					uint8_t mem[64];
					for (size_t m = 0; m < sizeof(mem); m++)
						mem[m] = (uint8_t)(m * 37 + 1);
					put(&pb, STX(BPF_DW, 10, 1, -8));
					put_init(&pb);
					put(&pb, LDX(BPF_DW, 6, 10, -8)); /* r6 = mem */
					put_lddw(&pb, 7, memv);
					put(&pb, STX(BPF_DW, 10, 7, -16));
					put(&pb, STX(BPF_DW, 6, 7, 8));
					/* r0: the cmpxchg comparand, equal to the memory or not */
					put_lddw(&pb, 0, i % 2 ? memv : opnd);
					if (src != 0)
						put_lddw(&pb, src, opnd);
					if (base != 10)
						put(&pb, MOV64_X(base, 6));
					put(&pb, ATOMIC(dw ? BPF_DW : BPF_W, base, src, off, ops[o]));
					put(&pb, LDX(BPF_DW, 8, base == 10 ? 10 : 6, off));
					put(&pb, MOV64_K(6, 0));
					if (base != 10 && !(ops[o] == BPF_CMPXCHG && base == 0))
						put(&pb, MOV64_K(base, 0)); /* drop the address */
					(void)fetch;
					put_checksum(&pb);
					both(__LINE__, mem, sizeof(mem), pb.p, pb.n);
				}
#undef NV
	/* by hand: fetch forms return the old value, 32-bit ones zero-extended */
	uint64_t word = 0xffffffff00000005ull;
	CHECK_EQ(both(__LINE__, &word, 8,
		      PROG(LDDW(2, 0xaaaaaaaa00000003ull),
			   ATOMIC(BPF_W, 1, 2, 0, BPF_OR | BPF_FETCH), LDX(BPF_DW, 0, 1, 0),
			   ALU64_X(BPF_ADD, 0, 2), EXIT())),
		 0xffffffff00000007ull + 5);
	CHECK_EQ(both(__LINE__, &word, 8,
		      PROG(LDDW(0, 0x1234500000005ull), MOV64_K(2, 9),
			   ATOMIC(BPF_W, 1, 2, 0, BPF_CMPXCHG), EXIT())),
		 5);
}

/* ---- calls and helpers */

TEST(jit_local_calls)
{
	/* r6-r9 survive a call; r10 is per frame (the callee's stack is its own); r1-r5 pass
	 * arguments; the result comes back in r0. */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(6, 6), MOV64_K(9, 9), MOV64_K(1, 100), ST(BPF_DW, 10, -8, 5),
			   CALL_LOCAL(5), LDX(BPF_DW, 1, 10, -8), ALU64_X(BPF_ADD, 0, 1),
			   ALU64_X(BPF_ADD, 0, 6), ALU64_X(BPF_ADD, 0, 9), EXIT(),
			   /* callee */ MOV64_K(6, 1000), MOV64_K(9, 1000), ST(BPF_DW, 10, -8, 77),
			   MOV64_X(0, 1), ALU64_K(BPF_ADD, 0, 1), EXIT())),
		 101 + 5 + 6 + 9);

	/* a chain: main calls f, f calls itself until r1 = 0: r1 + 2 frames */
	for (int frames = 2; frames <= 9; frames++) {
		struct run_out oi, oj;
		const struct bpf_insn p[] = {
			MOV64_K(1, frames - 2), MOV64_K(6, 0), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6),
			EXIT(),
			/* f(r1): r6 = r1; stack slot = r1; r0 = r1 ? f(r1 - 1) + slot : 0 */
			MOV64_X(6, 1), STX(BPF_DW, 10, 1, -512), MOV64_K(0, 0),
			JMP_K(BPF_JEQ, 1, 0, 4), ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-6),
			LDX(BPF_DW, 2, 10, -512), ALU64_X(BPF_ADD, 0, 2), ALU64_X(BPF_ADD, 0, 6),
			EXIT(),
		};
		uint64_t args[5] = {0};
		run_interp(p, ARRAY_LEN(p), NULL, args, NULL, 0, false, &oi);
		run_jit(p, ARRAY_LEN(p), NULL, args, &oj);
		CHECK_EQ(oj.err, oi.err);
		CHECK_EQ(oj.r0, oi.r0);
		CHECK_EQ(oj.err_insn, oi.err_insn);
		if (frames <= 8) {
			CHECK_EQ(oj.err, 0);
			CHECK_EQ(oj.r0, (uint64_t)(frames - 2) * (frames - 1));
		} else {
			CHECK_EQ(oj.err, -E2BIG);
			CHECK_EQ(oj.err_insn, 10);
			CHECK_CONTAINS(oj.log, "insn 10: the call stack of 9 frames is too deep");
		}
	}
}

/* Chains of distinct functions (no recursion): the JIT checks the depth only in functions
 * that may run as frame 7; the ninth frame still fails where the interpreter fails. */
TEST(jit_local_call_chains)
{
	for (int frames = 6; frames <= 10; frames++) {
		/* main: r1 = 0; call f1; exit. f_k (k < frames - 1): r1 += 1; call f_k+1;
		 * r0 += 1; exit. The last: r0 = r1; exit */
		struct bpf_insn p[64];
		size_t n = 0;
		p[n++] = MOV64_K(1, 0);
		p[n++] = CALL_LOCAL(1);
		p[n++] = EXIT();
		for (int k = 1; k < frames - 1; k++) {
			p[n++] = ALU64_K(BPF_ADD, 1, 1);
			p[n++] = CALL_LOCAL(2);
			p[n++] = ALU64_K(BPF_ADD, 0, 1);
			p[n++] = EXIT();
		}
		p[n++] = MOV64_X(0, 1);
		p[n++] = EXIT();
		struct run_out oi, oj;
		uint64_t args[5] = {0};
		run_interp(p, n, NULL, args, NULL, 0, false, &oi);
		run_jit(p, n, NULL, args, &oj);
		CHECK_EQ(oj.err, oi.err);
		CHECK_EQ(oj.r0, oi.r0);
		CHECK_EQ(oj.err_insn, oi.err_insn);
		if (frames <= 8) {
			CHECK_EQ(oj.err, 0);
			CHECK_EQ(oj.r0, (uint64_t)(2 * (frames - 2)));
		} else {
			CHECK_EQ(oj.err, -E2BIG);
			CHECK_EQ(oj.err_insn, 3 + 4 * 6 + 1);
		}
	}
}

TEST(jit_helpers)
{
	struct run_out o;
	uint64_t args[5] = {0};

	/* five arguments, r6-r9 kept across the call */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(6, 60), MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3),
			   MOV64_K(4, 4), MOV64_K(5, 5), CALL(1), ALU64_X(BPF_ADD, 0, 6), EXIT())),
		 1 + 4 + 9 + 16 + 25 + 60);
	/* unchecked: vm_run_access_ok() is true */
	CHECK_EQ(both(__LINE__, NULL, 0, PROG(MOV64_K(1, 0), MOV64_K(2, 8), CALL(2), EXIT())), 1);
	/* callx */
	CHECK_EQ(both(__LINE__, NULL, 0,
		      PROG(MOV64_K(1, 1), MOV64_K(2, 0), MOV64_K(3, 0), MOV64_K(4, 0),
			   MOV64_K(5, 0), MOV64_K(7, 1), CALLX(7), EXIT())),
		 1);
	run_jit(PROG(MOV64_K(7, 99), CALLX(7), EXIT()), &test_helpers, args, &o);
	CHECK_EQ(o.err, -EINVAL);
	CHECK_EQ(o.err_insn, 1);
	CHECK_CONTAINS(o.log, "insn 1: callx to unknown helper 99");
	/* vm_run_fail() from a helper in a callee ends the whole run */
	run_jit(PROG(CALL_LOCAL(1), EXIT(), MOV64_K(1, 7), MOV64_K(0, 0), CALL(3), EXIT()),
		&test_helpers, args, &o);
	CHECK_EQ(o.err, -EPERM);
	CHECK_EQ(o.err_insn, 4);
	CHECK_CONTAINS(o.log, "insn 4: denied 7");
	/* an unknown helper fails the load, as in the interpreter */
	run_jit(PROG(CALL(1234), EXIT()), &test_helpers, args, &o);
	CHECK_EQ(o.err, -ENOENT);
	CHECK_CONTAINS(o.log, "insn 0: unknown helper ID 1234");
	/* a legacy packet load with no packet: the program returns 0 */
	run_jit(PROG(MOV64_K(0, 5), INSN(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), MOV64_K(0, 9),
		     EXIT()),
		&test_helpers, args, &o);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.r0, 0);
}

static uint64_t helper_ret(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct exbpf_run *run)
{
	vm_run_return(run, r1 * 2);
	return 0;
}

static uint64_t helper_throw(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct exbpf_run *run)
{
	vm_run_throw(run, r1);
	return 0;
}

TEST(jit_helper_return_and_throw)
{
	static const struct vm_helper rows[] = {{.id = 1, .name = "ret", .fn = helper_ret},
						{.id = 2, .name = "throw", .fn = helper_throw}};
	static const struct vm_helper_table h = {rows, 2};
	uint64_t args[5] = {0};
	struct run_out o;

	/* vm_run_return() in a callee returns from the callee only */
	run_jit(PROG(MOV64_K(6, 3), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6), EXIT(),
		     MOV64_K(6, 50), MOV64_K(1, 21), CALL(1), MOV64_K(0, 1), EXIT()),
		&h, args, &o);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.r0, 45);
	struct jit_prog *jp;
	CHECK_EQ(jit_compile(PROG(MOV64_K(1, 77), CALL(2), EXIT()), &h, NULL, &jp), 0);
	struct vm_exec x = {0};
	CHECK_EQ(jit_exec(jp, &x), VM_THROWN);
	CHECK_EQ(x.cookie, 77);
	CHECK_EQ(x.nthrow, 1);
	CHECK_EQ(x.throw_insns[0], 1);
	jit_free(jp);
}

/* ---- threads */

struct th {
	struct jit_prog *jp;
	uint64_t seed;
	int bad;
};

static void *th_main(void *p)
{
	struct th *t = p;
	for (uint64_t i = 0; i < 20000; i++) {
		struct vm_exec x = {.args = {t->seed + i, 3}};
		if (jit_exec(t->jp, &x) || x.r0 != (t->seed + i) * 2 + 3 * 3 + 1)
			t->bad++;
	}
	return NULL;
}

TEST(jit_two_threads)
{
	/* r0 = weighted(r1, 0, r2 ...) through the stack and a local call */
	const struct bpf_insn p[] = {
		STX(BPF_DW, 10, 1, -8), STX(BPF_DW, 10, 2, -16), CALL_LOCAL(2),
		ALU64_K(BPF_ADD, 0, 1), EXIT(),
		/* callee: r0 = weighted(2 r1, 0, r2, 0, 0) = 2 r1 + 3 r2 */
		MOV64_X(3, 2), MOV64_K(2, 0), MOV64_K(4, 0), MOV64_K(5, 0), ALU64_X(BPF_ADD, 1, 1),
		CALL(1), EXIT(),
	};
	struct jit_prog *jp;
	char buf[256];
	struct log log;
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(jit_compile(p, ARRAY_LEN(p), &test_helpers, &log, &jp), 0);
	struct th t[2] = {{jp, 1, 0}, {jp, 1u << 30, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, th_main, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(t[0].bad, 0);
	CHECK_EQ(t[1].bad, 0);
	jit_free(jp);
}

/* ---- the code mapping and entries */

TEST(jit_code_is_never_writable)
{
	struct jit_prog *jp;
	CHECK_EQ(jit_compile(PROG(MOV64_K(0, 1), EXIT()), NULL, NULL, &jp), 0);
	uintptr_t code = (uintptr_t)jit_code(jp);
	CHECK(jit_code_size(jp) > 0);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (code >= lo && code < hi) {
			found++;
			CHECK_STR(perms, "r-xp");
		}
	}
	if (f)
		fclose(f);
	CHECK_EQ(found, 1);
	jit_free(jp);
}

TEST(jit_entry_at_a_function)
{
	/* entry 3 is a function (a local call names it); entry 1 is not */
	struct jit_prog *jp;
	char buf[256];
	struct log log;
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(jit_compile(PROG(MOV64_K(1, 5), CALL_LOCAL(1), EXIT(), MOV64_X(0, 1),
				  ALU64_K(BPF_MUL, 0, 3), EXIT()),
			     NULL, &log, &jp),
		 0);
	struct vm_exec x = {.args = {7}, .entry = 3, .log = &log};
	CHECK_EQ(jit_exec(jp, &x), 0);
	CHECK_EQ(x.r0, 21);
	x.entry = 0;
	CHECK_EQ(jit_exec(jp, &x), 0);
	CHECK_EQ(x.r0, 15);
	x.entry = 1;
	CHECK_EQ(jit_exec(jp, &x), -EINVAL);
	jit_free(jp);
}

/* ---- the runtime's engine: kfuncs, callbacks, throws, packet loads, entries, may_stop.
 * Each program runs on the JIT and on the interpreter's fast loop (vm_prog_new_opts(),
 * vm_exec() unchecked) with the same helpers and kfuncs; everything vm_exec reports must be
 * equal, and most results are also written out by hand. */

#define LDDW_FN(d, rel)                                                                         \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, rel), INSN(0, 0, 0, 0, 0)
#define KCALL(id) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define LD_ABS(sz, k) INSN(BPF_LD | BPF_ABS | (sz), 0, 0, 0, k)
#define LD_IND(sz, s, k) INSN(BPF_LD | BPF_IND | (sz), 0, s, 0, k)

enum { H_ADD = 1, H_ADD_MAY = 2, H_FAIL = 3, H_RET = 4, H_INSN = 5, H_LOOP = 30 };
enum { K_MUL = 100, K_THROW = 101 };

static uint64_t h_add(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	return r1 + r2;
}

static uint64_t h_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	return (uint64_t)vm_run_fail(run, -EPERM, "denied %llu", (unsigned long long)r1);
}

static uint64_t h_ret(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	vm_run_return(run, r1 * 2);
	return 0;
}

static uint64_t h_insn(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	return vm_run_insn(run);
}

/* bpf_loop's contract: callback(i, ctx) r1 times until it returns nonzero; a failing or
 * throwing callback ends the helper at once. */
static uint64_t h_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	uint64_t i, r0 = 0;

	for (i = 0; i < r1; i++) {
		uint64_t a[5] = {i, r3, 0, 0, 0};
		if (vm_run_call(run, r2, a, &r0))
			return 0;
		if (r0)
			return i + 1;
	}
	return i;
}

static uint64_t k_mul(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	return r1 * r2;
}

static uint64_t k_throw(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct exbpf_run *run)
{
	vm_run_throw(run, r1);
	return 0;
}

static const struct vm_helper eng_helper_rows[] = {
	{.id = H_ADD, .name = "add", .fn = h_add, .never_stops = true},
	{.id = H_ADD_MAY, .name = "add_may", .fn = h_add},
	{.id = H_FAIL, .name = "fail", .fn = h_fail},
	{.id = H_RET, .name = "ret", .fn = h_ret},
	{.id = H_INSN, .name = "insn", .fn = h_insn},
	{.id = H_LOOP, .name = "loop", .fn = h_loop},
};
static const struct vm_helper eng_kfunc_rows[] = {
	{.id = K_MUL, .name = "mul", .fn = k_mul, .never_stops = true},
	{.id = K_THROW, .name = "throw", .fn = k_throw},
};
static const struct vm_helper_table eng_helpers = {eng_helper_rows, ARRAY_LEN(eng_helper_rows)};
static const struct vm_helper_table eng_kfuncs = {eng_kfunc_rows, ARRAY_LEN(eng_kfunc_rows)};
static const struct jit_opts eng_opts = {.helpers = &eng_helpers, .kfuncs = &eng_kfuncs};

struct eng {
	int err;
	uint64_t r0, cookie;
	int64_t err_insn;
	uint32_t nthrow, throw_insns[BPF_MAX_CALL_FRAMES];
	char log[512];
};

static void eng_run(bool jit, const struct bpf_insn *p, size_t cnt, const struct jit_opts *o,
		    const struct vm_exec *in, struct eng *out)
{
	struct vm_exec x = *in;
	struct log log;

	memset(out, 0, sizeof(*out));
	log_init(&log, out->log, sizeof(out->log));
	x.log = &log;
	x.checked = false;
	if (jit) {
		struct jit_prog *jp;
		out->err = jit_compile_opts(p, cnt, o, &log, &jp);
		if (out->err)
			return;
		out->err = jit_exec(jp, &x);
		jit_free(jp);
	} else {
		struct vm_prog_opts vo = {.helpers = o->helpers, .kfuncs = o->kfuncs};
		struct vm_prog *prog;
		out->err = vm_prog_new_opts(p, cnt, &vo, &log, &prog);
		if (out->err)
			return;
		out->err = vm_exec(prog, &x);
		vm_prog_free(prog);
	}
	out->r0 = x.r0;
	out->err_insn = x.err_insn;
	if (out->err == VM_THROWN) {
		out->cookie = x.cookie;
		out->nthrow = x.nthrow;
		memcpy(out->throw_insns, x.throw_insns, sizeof(out->throw_insns));
	}
}

/* Runs on both engines and records any difference; *j gets the JIT's report. */
static void eng_both(int line, const struct jit_opts *o, const struct vm_exec *in,
		     struct eng *j, const struct bpf_insn *p, size_t cnt)
{
	struct eng i;

	eng_run(false, p, cnt, o, in, &i);
	eng_run(true, p, cnt, o, in, j);
	if (i.err != j->err || i.r0 != j->r0 || i.err_insn != j->err_insn ||
	    strcmp(i.log, j->log) || i.cookie != j->cookie || i.nthrow != j->nthrow ||
	    memcmp(i.throw_insns, j->throw_insns, i.nthrow * sizeof(i.throw_insns[0])))
		test_fail(__FILE__, line,
			  "interp err %d r0 %" PRIu64 " insn %" PRId64 " cookie %" PRIu64
			  " nthrow %u [%u %u] (%s) != jit err %d r0 %" PRIu64 " insn %" PRId64
			  " cookie %" PRIu64 " nthrow %u [%u %u] (%s)",
			  i.err, i.r0, i.err_insn, i.cookie, i.nthrow, i.throw_insns[0],
			  i.throw_insns[1], i.log, j->err, j->r0, j->err_insn, j->cookie, j->nthrow,
			  j->throw_insns[0], j->throw_insns[1], j->log);
}

#define ENG(x, j, ...) eng_both(__LINE__, &eng_opts, x, j, PROG(__VA_ARGS__))

static void check_throw(int line, const struct eng *j, uint64_t cookie, size_t n,
			const uint32_t *insns)
{
	if (j->err != VM_THROWN || j->cookie != cookie || j->nthrow != n ||
	    memcmp(j->throw_insns, insns, n * sizeof(*insns)))
		test_fail(__FILE__, line, "expected a throw of %" PRIu64 " through %zu frames: "
			  "err %d cookie %" PRIu64 " nthrow %u", cookie, n, j->err, j->cookie,
			  j->nthrow);
}

TEST(jit_kfuncs)
{
	struct vm_exec x = {0};
	struct eng j;

	ENG(&x, &j, MOV64_K(1, 6), MOV64_K(2, 7), KCALL(K_MUL), EXIT());
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 42);
	/* a kfunc that throws, with r6 kept across the plain kfunc call before it */
	ENG(&x, &j, MOV64_K(6, 3), MOV64_K(1, 6), MOV64_K(2, 7), KCALL(K_MUL), MOV64_X(1, 0),
	    ALU64_X(BPF_ADD, 1, 6), KCALL(K_THROW), MOV64_K(0, 1), EXIT());
	check_throw(__LINE__, &j, 45, 1, (const uint32_t[]){6});
	/* an unknown kfunc fails the load as in the interpreter */
	ENG(&x, &j, MOV64_K(0, 0), KCALL(999), EXIT());
	CHECK_EQ(j.err, -ENOENT);
	CHECK_CONTAINS(j.log, "insn 1: unknown kfunc #999");
	/* a helper id is not a kfunc id */
	ENG(&x, &j, KCALL(H_ADD), EXIT());
	CHECK_EQ(j.err, -ENOENT);
}

/* main(D): f(D); f(n) = n ? f(n - 1) : throw 77. The throw happens at depth D + 1. */
TEST(jit_throw_depths)
{
	struct vm_exec x = {0};
	struct eng j;

	ENG(&x, &j, MOV64_K(1, 5), KCALL(K_THROW), EXIT());
	check_throw(__LINE__, &j, 5, 1, (const uint32_t[]){1});
	for (int d = 0; d <= 7; d++) {
		ENG(&x, &j, MOV64_K(1, d), CALL_LOCAL(1), EXIT(),
		    /* f */ JMP_K(BPF_JNE, 1, 0, 3), MOV64_K(1, 77), KCALL(K_THROW), EXIT(),
		    ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-6), EXIT());
		if (d == 7) { /* 9 frames */
			CHECK_EQ(j.err, -E2BIG);
			CHECK_EQ(j.err_insn, 8);
			continue;
		}
		uint32_t want[BPF_MAX_CALL_FRAMES] = {5};
		for (int k = 0; k < d; k++)
			want[1 + k] = 8;
		want[1 + d] = 1;
		check_throw(__LINE__, &j, 77, (size_t)d + 2, want);
	}
}

/* main calls f1, f1 calls f2, ... f_D throws: every function has one call site, so the JIT
 * names the frames from its static chains; with a second call site of f2 (from main, never
 * taken) the chain stops there and the frames above are read from the stack. */
TEST(jit_throw_unique_chains)
{
	struct vm_exec x = {0};
	struct eng j;

	for (int twice = 0; twice < 2; twice++) {
		for (int d = 0; d <= 7; d++) {
			struct bpf_insn p[32];
			size_t n = 0;
			uint32_t want[BPF_MAX_CALL_FRAMES];

			/* main: [if (r1 == 1) call f2;] call f1; exit. f_k: call f_k+1; exit */
			if (twice && d >= 2) {
				p[n++] = JMP_K(BPF_JNE, 1, 1, 1);
				p[n++] = CALL_LOCAL(4); /* f2, after f1 */
			}
			size_t f1 = n + 2;
			if (d) {
				p[n] = CALL_LOCAL((int32_t)(f1 - n - 1));
				n++;
				p[n++] = EXIT();
			}
			for (int k = 1; k < d; k++) {
				p[n] = CALL_LOCAL(1); /* the next function starts after this exit */
				n++;
				p[n++] = EXIT();
			}
			p[n++] = MOV64_K(1, 77);
			p[n++] = KCALL(K_THROW);
			p[n++] = EXIT();
			/* want: the throw, then f_d-1's call of f_d, ..., main's call of f1 */
			want[0] = (uint32_t)(n - 2);
			for (int k = 1; k <= d; k++)
				want[k] = (uint32_t)(f1 + 2 * (d - k) - 2);
			eng_both(__LINE__, &eng_opts, &x, &j, p, n);
			check_throw(__LINE__, &j, 77, (size_t)d + 1, want);
		}
	}
}

/* main: loop(1, g, D); g(i, D): f(D); f as above: the throw at depth D + 2, through the
 * helper's C frame. */
TEST(jit_throw_in_callbacks)
{
	struct vm_exec x = {0};
	struct eng j;

	for (int d = 0; d <= 6; d++) {
		ENG(&x, &j, MOV64_K(1, 1), LDDW_FN(2, 5), MOV64_K(3, d), MOV64_K(4, 0),
		    CALL(H_LOOP), EXIT(),
		    /* g */ MOV64_X(1, 2), CALL_LOCAL(1), EXIT(),
		    /* f */ JMP_K(BPF_JNE, 1, 0, 3), MOV64_K(1, 77), KCALL(K_THROW), EXIT(),
		    ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-6), EXIT());
		if (d == 6) {
			CHECK_EQ(j.err, -E2BIG);
			CHECK_EQ(j.err_insn, 15);
			CHECK_CONTAINS(j.log, "insn 15: the call stack of 9 frames is too deep");
			continue;
		}
		uint32_t want[BPF_MAX_CALL_FRAMES] = {12};
		for (int k = 0; k < d; k++)
			want[1 + k] = 15;
		want[1 + d] = 8;
		want[2 + d] = 5;
		check_throw(__LINE__, &j, 77, (size_t)d + 3, want);
	}
	/* main calls f at 1, f runs loop at 8, the callback g calls h at 12 on its third
	 * iteration, h throws at 15 */
	ENG(&x, &j, MOV64_K(1, 0), CALL_LOCAL(1), EXIT(),
	    /* f */ MOV64_K(1, 3), LDDW_FN(2, 5), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT(),
	    /* g */ MOV64_K(0, 0), JMP_K(BPF_JNE, 1, 2, 1), CALL_LOCAL(1), EXIT(),
	    /* h */ MOV64_K(1, 99), KCALL(K_THROW), EXIT());
	check_throw(__LINE__, &j, 99, 4, (const uint32_t[]){15, 12, 8, 1});
	/* nested callbacks: g runs loop on itself until 8 frames are not enough */
	ENG(&x, &j, MOV64_K(1, 1), LDDW_FN(2, 5), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT(),
	    /* g */ MOV64_K(1, 1), LDDW_FN(2, -2), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT());
	CHECK_EQ(j.err, -E2BIG);
	CHECK_EQ(j.err_insn, 12);
	CHECK_CONTAINS(j.log, "insn 12: the call stack of 9 frames is too deep (callback)");
	/* the same nesting, throwing at 7 callbacks deep: every helper call site is a frame */
	ENG(&x, &j, MOV64_K(1, 1), LDDW_FN(2, 5), MOV64_K(3, 6), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT(),
	    /* g(i, n) */ JMP_K(BPF_JNE, 2, 0, 2), MOV64_K(1, 55), KCALL(K_THROW),
	    MOV64_K(1, 1), ALU64_K(BPF_SUB, 2, 1), MOV64_X(3, 2), LDDW_FN(2, -7), MOV64_K(4, 0),
	    CALL(H_LOOP), EXIT());
	check_throw(__LINE__, &j, 55, 8,
		    (const uint32_t[]){9, 16, 16, 16, 16, 16, 16, 5});
}

TEST(jit_callbacks)
{
	uint64_t n;
	struct vm_exec x = {0};
	struct eng j;

	/* the callback adds i to the caller's stack slot through the pointer it gets, and stops
	 * at i = 5; r6-r9 of the caller survive */
	for (n = 0; n < 9; n++) {
		x.args[0] = n;
		ENG(&x, &j, MOV64_K(6, 1000), MOV64_K(9, 9), ST(BPF_DW, 10, -8, 0), MOV64_X(3, 10),
		    ALU64_K(BPF_ADD, 3, -8), LDDW_FN(2, 9), MOV64_K(4, 0), CALL(H_LOOP),
		    LDX(BPF_DW, 1, 10, -8), ALU64_K(BPF_MUL, 1, 100), ALU64_X(BPF_ADD, 0, 1),
		    ALU64_X(BPF_ADD, 0, 6), ALU64_X(BPF_ADD, 0, 9), EXIT(),
		    /* g(i, p) */ MOV64_K(6, 1), MOV64_K(9, 2), LDX(BPF_DW, 3, 2, 0),
		    ALU64_X(BPF_ADD, 3, 1), STX(BPF_DW, 2, 3, 0), MOV64_K(0, 0),
		    JMP_K(BPF_JNE, 1, 5, 1), MOV64_K(0, 1), EXIT());
		uint64_t iters = n < 6 ? n : 6, sum = iters * (iters - 1) / 2;
		CHECK_EQ(j.err, 0);
		CHECK_EQ(j.r0, iters + 100 * sum + 1009);
	}
	x.args[0] = 0;
	/* a failure inside the callback names the callback's instruction */
	ENG(&x, &j, MOV64_K(1, 3), LDDW_FN(2, 5), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT(),
	    /* g */ MOV64_K(0, 0), JMP_K(BPF_JNE, 1, 1, 2), MOV64_K(1, 42), CALL(H_FAIL), EXIT());
	CHECK_EQ(j.err, -EPERM);
	CHECK_EQ(j.err_insn, 10);
	CHECK_CONTAINS(j.log, "insn 10: denied 42");
	/* vm_run_return() in a callback returns from the callback (nonzero: the loop stops) */
	ENG(&x, &j, MOV64_K(1, 10), LDDW_FN(2, 6), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    ALU64_K(BPF_MUL, 0, 10), EXIT(),
	    /* g */ MOV64_K(0, 0), JMP_K(BPF_JNE, 1, 3, 1), CALL(H_RET), EXIT());
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 40);
	/* an invalid handle */
	ENG(&x, &j, MOV64_K(1, 1), MOV64_K(2, 1), MOV64_K(3, 0), MOV64_K(4, 0), CALL(H_LOOP),
	    EXIT());
	CHECK_EQ(j.err, -EINVAL);
	CHECK_EQ(j.err_insn, 4);
}

TEST(jit_run_return_and_insn)
{
	struct vm_exec x = {.args = {21}};
	struct eng j;

	/* from main: the run ends with the helper's value */
	ENG(&x, &j, CALL(H_RET), MOV64_K(0, 1), EXIT());
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 42);
	/* from a callee: the callee returns it */
	ENG(&x, &j, MOV64_K(6, 3), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6), EXIT(), MOV64_K(6, 50),
	    CALL(H_RET), MOV64_K(0, 1), EXIT());
	CHECK_EQ(j.r0, 45);
	/* a helper that may stop sees its own instruction */
	ENG(&x, &j, MOV64_K(0, 0), CALL(H_INSN), MOV64_X(6, 0), CALL(H_INSN),
	    ALU64_K(BPF_MUL, 0, 10), ALU64_X(BPF_ADD, 0, 6), EXIT());
	CHECK_EQ(j.r0, 31);
}

TEST(jit_never_stops_in_a_loop)
{
	struct vm_exec x = {.args = {1000}};
	struct eng j;

	/* r0 = sum of add(i, r6) for i < 1000, with r6-r9 live across the calls */
	ENG(&x, &j, MOV64_X(7, 1), MOV64_K(6, 3), MOV64_K(8, 0), MOV64_K(9, 0),
	    /* loop */ MOV64_X(1, 9), MOV64_X(2, 6), CALL(H_ADD), ALU64_X(BPF_ADD, 8, 0),
	    MOV64_X(1, 0), MOV64_K(2, 2), KCALL(K_MUL), ALU64_X(BPF_ADD, 8, 0),
	    ALU64_K(BPF_ADD, 9, 1), JMP_X(BPF_JNE, 9, 7, -10), MOV64_X(0, 8), EXIT());
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 3 * (999 * 1000 / 2 + 3 * 1000));
}

static size_t code_size_of(const struct jit_opts *o, const struct bpf_insn *p, size_t cnt)
{
	struct jit_prog *jp;
	size_t n = 0;

	if (jit_compile_opts(p, cnt, o, NULL, &jp) == 0) {
		n = jit_code_size(jp);
		jit_free(jp);
	}
	return n;
}

TEST(jit_plain_calls_carry_nothing)
{
	static const uint8_t none[4];
	struct jit_opts quiet = eng_opts;
	quiet.may_stop = none;
	size_t never = code_size_of(&eng_opts, PROG(MOV64_K(1, 1), CALL(H_ADD), EXIT()));
	size_t kfunc = code_size_of(&eng_opts, PROG(MOV64_K(1, 1), KCALL(K_MUL), EXIT()));
	size_t may = code_size_of(&eng_opts, PROG(MOV64_K(1, 1), CALL(H_ADD_MAY), EXIT()));
	size_t zero = code_size_of(&quiet, PROG(MOV64_K(1, 1), CALL(H_ADD_MAY), EXIT()));
	size_t empty = code_size_of(&eng_opts, PROG(MOV64_K(1, 1), EXIT()));

	CHECK(empty > 0 && never > 0 && may > 0);
	CHECK(never < may);
	CHECK(zero < may);
	CHECK_EQ(kfunc, never);
	/* a call that cannot stop the run but may call back (vm_run_call() reads run.depth):
	 * the frame's depth is stored first (mov r10, [depth_base]; sub r10, rsp; imul; shr;
	 * mov [depth], r10d), nothing after the call; and since depths are computed from rsp,
	 * the frame takes JIT_FRAME bytes (sub/add rsp with imm32 instead of imm8); the context
	 * fields are reached with 8-bit displacements */
	CHECK_EQ(zero - never, 5 + 3 + 7 + 4 + 5 + 2 * 3);

	/* a plain call: mov r9, r12 and the 6-byte call slot, nothing else: ten cost ten times
	 * one */
	struct bpf_insn ten[12];
	ten[0] = MOV64_K(1, 1);
	for (int i = 1; i <= 10; i++)
		ten[i] = CALL(H_ADD);
	ten[11] = EXIT();
	CHECK_EQ(code_size_of(&eng_opts, ten, 12) - never, 9 * (3 + 6));

	/* a per-instruction map: the throwing kfunc may stop, the helper before it may not */
	static const uint8_t marks[] = {0, 0, 0, 0, 1, 0};
	struct jit_opts mixed = eng_opts;
	mixed.may_stop = marks;
	struct vm_exec x = {.args = {4}};
	struct eng j;
	eng_both(__LINE__, &mixed, &x, &j,
		 PROG(MOV64_K(2, 5), CALL(H_ADD_MAY), MOV64_X(1, 0), MOV64_K(0, 1), KCALL(K_THROW),
		      EXIT()));
	check_throw(__LINE__, &j, 9, 1, (const uint32_t[]){4});

	/* the helper is linked with the code: the call is `call rel32` */
	struct jit_prog *jp;
	CHECK_EQ(jit_compile_opts(PROG(CALL(H_ADD), EXIT()), &eng_opts, NULL, &jp), 0);
	const uint8_t *c = jit_code(jp);
	size_t found = 0;
	for (size_t k = 0; k + 5 <= jit_code_size(jp); k++)
		if (c[k] == 0x4d && c[k + 1] == 0x89 && c[k + 2] == 0xe1 && c[k + 3] == 0x90 &&
		    c[k + 4] == 0xe8)
			found++;
	CHECK_EQ(found, 1);
	jit_free(jp);
}

TEST(jit_packet_loads)
{
	uint8_t frame[80];
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 3);
	static const int32_t offs[] = {0, 1, 13, 14, 60, 62, 63, 64, 79, -1, -0x100000,
				       -0x100000 + 2, -0x100000 + 50, -0x100000 + 70,
				       -0x200000, -0x200000 + 9, -0x200000 + 78, -0x200001,
				       0x7fffffff, (int32_t)0x80000000};
	static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W};
	/* the data at the Ethernet header (tc), after it, no link-layer header, no packet */
	const struct {
		const uint8_t *pkt, *end, *mac;
	} layouts[] = {
		{frame, frame + 64, frame},
		{frame + 14, frame + 80, frame},
		{frame + 14, frame + 80, NULL},
		{NULL, NULL, NULL},
	};
	struct eng j;
	int loaded = 0;

	for (size_t l = 0; l < ARRAY_LEN(layouts); l++)
		for (size_t s = 0; s < ARRAY_LEN(sizes); s++)
			for (size_t k = 0; k < ARRAY_LEN(offs); k++) {
				struct vm_exec x = {.pkt = layouts[l].pkt,
						    .pkt_end = layouts[l].end,
						    .pkt_mac = layouts[l].mac,
						    .args = {1, 2, 3, 4, 5}};
				/* r0 + r1..r5 (0 after the load) + 1000: a load outside ends
				 * the program with 0 */
				ENG(&x, &j, MOV64_K(6, 0), LD_ABS(sizes[s], offs[k]),
				    ALU64_X(BPF_ADD, 0, 1), ALU64_X(BPF_ADD, 0, 2),
				    ALU64_X(BPF_ADD, 0, 3), ALU64_X(BPF_ADD, 0, 4),
				    ALU64_X(BPF_ADD, 0, 5), ALU64_K(BPF_ADD, 0, 1000), EXIT());
				loaded += j.r0 != 0;
				/* LD_IND from a subprogram: offset r7 + 1 (32-bit), and a load
				 * outside returns 0 from the subprogram only */
				ENG(&x, &j, MOV64_K(1, offs[k]), CALL_LOCAL(2),
				    ALU64_K(BPF_ADD, 0, 5), EXIT(), MOV64_X(7, 1),
				    ALU64_K(BPF_SUB, 7, 1), MOV64_K(0, 77), LD_IND(sizes[s], 7, 1),
				    ALU64_X(BPF_ADD, 0, 3), ALU64_K(BPF_ADD, 0, 1000), EXIT());
			}
	CHECK(loaded > 20);
	/* by hand: big-endian, SKF_NET_OFF past the Ethernet header when the data starts at it */
	struct vm_exec x = {.pkt = frame, .pkt_end = frame + 64, .pkt_mac = frame};
	ENG(&x, &j, LD_ABS(BPF_H, 1), EXIT());
	CHECK_EQ(j.r0, (uint64_t)frame[1] << 8 | frame[2]);
	ENG(&x, &j, LD_ABS(BPF_W, -0x100000), EXIT());
	CHECK_EQ(j.r0, (uint64_t)frame[14] << 24 | (uint64_t)frame[15] << 16 |
			       (uint64_t)frame[16] << 8 | frame[17]);
	ENG(&x, &j, MOV64_K(2, -1), LD_IND(BPF_B, 2, 4), EXIT());
	CHECK_EQ(j.r0, frame[3]);
}

TEST(jit_extra_entries)
{
	/* insn 2 starts a function that nothing names (an exception callback) */
	const struct bpf_insn p[] = {MOV64_K(0, 1), EXIT(), MOV64_X(0, 1), ALU64_X(BPF_ADD, 0, 2),
				     KCALL(K_MUL), EXIT()};
	size_t entry = 2;
	struct jit_opts o = eng_opts;
	o.entries = &entry;
	o.nentries = 1;
	struct vm_exec x = {.args = {3, 4}, .entry = 2};
	struct eng j;
	eng_both(__LINE__, &o, &x, &j, p, ARRAY_LEN(p));
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 12);
	/* without the entry it is no function start */
	eng_run(true, p, ARRAY_LEN(p), &eng_opts, &x, &j);
	CHECK_EQ(j.err, -EINVAL);
	/* entries must be instructions */
	const struct bpf_insn q[] = {LDDW(0, 5), EXIT()};
	struct jit_prog *jp;
	entry = 1; /* lddw's second slot */
	CHECK_EQ(jit_compile_opts(q, ARRAY_LEN(q), &o, NULL, &jp), -EINVAL);
	entry = 3;
	CHECK_EQ(jit_compile_opts(q, ARRAY_LEN(q), &o, NULL, &jp), -EINVAL);
}

/* ---- several threads on one program with callbacks and throws */

struct eng_th {
	struct jit_prog *jp;
	unsigned seed;
	int bad;
};

static void *eng_th_main(void *arg)
{
	struct eng_th *t = arg;
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t n = (t->seed + i) % 12;
		struct vm_exec x = {.args = {n}};
		int err = jit_exec(t->jp, &x);
		if (n <= 7 ? err || x.r0 != 2 * n
			   : err != VM_THROWN || x.cookie != n || x.nthrow != 2 ||
				     x.throw_insns[0] != 11 || x.throw_insns[1] != 5)
			t->bad++;
	}
	return NULL;
}

TEST(jit_threads_with_callbacks)
{
	/* main(n): loop(n, g, n) + n; g(i, n) throws n at i = 7 */
	const struct bpf_insn p[] = {
		MOV64_X(6, 1), LDDW_FN(2, 6), MOV64_X(3, 6), MOV64_K(4, 0), CALL(H_LOOP),
		ALU64_X(BPF_ADD, 0, 6), EXIT(),
		/* g */ MOV64_K(0, 0), JMP_K(BPF_JNE, 1, 7, 2), MOV64_X(1, 2), KCALL(K_THROW),
		EXIT(),
	};
	struct jit_prog *jp;
	CHECK_EQ(jit_compile_opts(p, ARRAY_LEN(p), &eng_opts, NULL, &jp), 0);
	struct eng_th t[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		t[i] = (struct eng_th){jp, (unsigned)i * 5, 0};
		CHECK_EQ(pthread_create(&th[i], NULL, eng_th_main, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(t[i].bad, 0);
	}
	jit_free(jp);
}

TEST(jit_no_stack_zeroing)
{
	/* a chain of 7 frames, each writing its slot before reading it: the same results; the
	 * code of f, the function that reads r10, is the 22-byte clearing loop and a 4-byte
	 * `sub rsp, 24` shorter (main reads no r10: it has no stack to clear) */
	struct jit_opts o = eng_opts;
	o.no_stack_zeroing = true;
	struct vm_exec x = {0};
	struct eng j;
	const struct bpf_insn p[] = {
		MOV64_K(1, 6), MOV64_K(6, 0), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6), EXIT(),
		/* f(r1) = r1 ? f(r1 - 1) + r1 + r1 : 0, through the stack */
		MOV64_X(6, 1), STX(BPF_DW, 10, 1, -512), MOV64_K(0, 0), JMP_K(BPF_JEQ, 1, 0, 4),
		ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-6), LDX(BPF_DW, 2, 10, -512),
		ALU64_X(BPF_ADD, 0, 2), ALU64_X(BPF_ADD, 0, 6), EXIT(),
	};
	eng_both(__LINE__, &o, &x, &j, p, ARRAY_LEN(p));
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.r0, 42);
	CHECK_EQ(code_size_of(&eng_opts, p, ARRAY_LEN(p)) - code_size_of(&o, p, ARRAY_LEN(p)),
		 22 + 4);
}
