/* The interpreter's semantics, beyond the conformance suite: every case runs in both loops
 * (fast and checked) and they must agree. Expected values are worked out from RFC 9669 by
 * hand, not from the interpreter. Programs are raw instructions: this file must not depend on
 * the assembler. Faults, limits, calls and concurrency are in test_interp_run.c. */
#include <errno.h>
#include <stdio.h>

#include "common/log.h"
#include "test_interp.h"
#include "testlib.h"

uint64_t helper_weighted(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct exbpf_run *run)
{
	return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5;
}

/* Runs another program (exec->user) on r1 from inside this run. */
static uint64_t helper_nested(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct exbpf_run *run)
{
	struct vm_exec x = {
		.args = {r1},
		.checked = run->exec->checked,
		.budget = 1000,
	};
	if (vm_exec(run->exec->user, &x))
		return (uint64_t)-1;
	return x.r0;
}

static uint64_t helper_may_access(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				  struct exbpf_run *run)
{
	return vm_run_access_ok(run, r1, r2, r3 != 0);
}

static uint64_t helper_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct exbpf_run *run)
{
	return (uint64_t)vm_run_fail(run, -EPERM, "denied %d", (int)r1);
}

static const struct vm_helper helper_rows[] = {
	{.id = 1, .name = "weighted", .fn = helper_weighted},
	{.id = 2, .name = "may_access", .fn = helper_may_access},
	{.id = 3, .name = "fail", .fn = helper_fail},
	{.id = 7, .name = "nested", .fn = helper_nested},
};
const struct vm_helper_table test_helpers = {helper_rows, ARRAY_LEN(helper_rows)};

int ti_run(struct ti_result *res, const struct ti_opts *o, const struct bpf_insn *insns,
	   size_t cnt)
{
	struct vm_prog *prog;
	struct log log;

	memset(res, 0, sizeof(*res));
	log_init(&log, res->log, sizeof(res->log));
	res->load_err = vm_prog_new(insns, cnt, &test_helpers, &log, &prog);
	if (res->load_err)
		return res->load_err;
	struct vm_region region = {
		.start = (uintptr_t)o->mem, .size = o->mem_len, .writable = !o->read_only};
	struct vm_exec x = {
		.args = {o->r1 ? o->r1 : (uint64_t)(uintptr_t)o->mem, o->mem_len},
		.checked = o->checked,
		.budget = o->budget ? o->budget : 1000000,
		.regions = o->regions ? o->regions : &region,
		.nregions = o->regions ? o->nregions : (o->mem ? 1 : 0),
		.log = &log,
		.user = o->user,
	};
	res->err = vm_exec(prog, &x);
	res->r0 = x.r0;
	res->err_insn = x.err_insn;
	vm_prog_free(prog);
	return res->err;
}

uint64_t ti_run_both(int line, void *mem, size_t len, const struct bpf_insn *insns, size_t cnt)
{
	uint64_t r0[2] = {0, 0};

	for (int checked = 0; checked < 2; checked++) {
		struct ti_result res;
		struct ti_opts o = {.mem = mem, .mem_len = len, .checked = checked};
		if (ti_run(&res, &o, insns, cnt)) {
			test_fail(__FILE__, line, "%s run failed: %d %d %s",
				  checked ? "checked" : "fast", res.load_err, res.err, res.log);
			return 0xbad;
		}
		r0[checked] = res.r0;
	}
	if (r0[0] != r0[1])
		test_fail(__FILE__, line, "fast 0x%" PRIx64 " != checked 0x%" PRIx64, r0[0], r0[1]);
	return r0[1];
}

/* One ALU instruction on r0 (= a) with r1 (= b) as source. */
struct alu_case {
	struct bpf_insn op;
	uint64_t a, b, want;
};

#define A32K(op, imm) INSN(BPF_ALU | (op) | BPF_K, 0, 0, 0, imm)
#define A32X(op) INSN(BPF_ALU | (op) | BPF_X, 0, 1, 0, 0)
#define A64K(op, imm) INSN(BPF_ALU64 | (op) | BPF_K, 0, 0, 0, imm)
#define A64X(op) INSN(BPF_ALU64 | (op) | BPF_X, 0, 1, 0, 0)
#define S32K(op, imm) INSN(BPF_ALU | (op) | BPF_K, 0, 0, 1, imm)
#define S32X(op) INSN(BPF_ALU | (op) | BPF_X, 0, 1, 1, 0)
#define S64K(op, imm) INSN(BPF_ALU64 | (op) | BPF_K, 0, 0, 1, imm)
#define S64X(op) INSN(BPF_ALU64 | (op) | BPF_X, 0, 1, 1, 0)
#define MOVSX(cls, bits) INSN((cls) | BPF_MOV | BPF_X, 0, 1, bits, 0)
#define ENDIAN(cls, src, bits) INSN((cls) | BPF_END | (src), 0, 0, 0, bits)

#define HI 0xdeadbeef00000000ull /* garbage a 32-bit op must drop */
#define MIN64 0x8000000000000000ull

static void run_alu_cases(const struct alu_case *c, size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn p[] = {LDDW(0, c[i].a), LDDW(1, c[i].b), c[i].op, EXIT()};
		uint64_t got = ti_run_both(line, NULL, 0, p, ARRAY_LEN(p));
		if (got != c[i].want)
			test_fail(__FILE__, line,
				  "case %zu (code 0x%02x off %d imm %d): 0x%" PRIx64
				  " op 0x%" PRIx64 " = 0x%" PRIx64 ", want 0x%" PRIx64,
				  i, c[i].op.code, c[i].op.off, c[i].op.imm, c[i].a, c[i].b, got,
				  c[i].want);
	}
}

/* Every ALU32 operation writes a zero-extended result, whatever dst held above bit 31. */
TEST(interp_alu32_zero_extends)
{
	static const struct alu_case c[] = {
		{A32X(BPF_ADD), HI | 0xffffffff, 1, 0},
		{A32K(BPF_ADD, -1), HI | 2, 0, 1},
		{A32X(BPF_SUB), HI, 1, 0xffffffff},
		{A32K(BPF_SUB, 1), HI | 5, 0, 4},
		{A32X(BPF_MUL), HI | 0x10000, 0x10000, 0},
		{A32K(BPF_MUL, 2), HI | 0xffffffff, 0, 0xfffffffe},
		{A32X(BPF_DIV), HI | 16, HI | 4, 4},
		{A32K(BPF_DIV, 3), HI | 10, 0, 3},
		{A32X(BPF_MOD), HI | 17, HI | 5, 2},
		{A32K(BPF_MOD, 5), HI | 17, 0, 2},
		{S32X(BPF_DIV), HI | (uint32_t)-8, HI | 2, (uint32_t)-4},
		{S32K(BPF_DIV, -2), HI | 8, 0, (uint32_t)-4},
		{S32X(BPF_MOD), HI | (uint32_t)-7, 2, (uint32_t)-1},
		{S32K(BPF_MOD, 2), HI | (uint32_t)-7, 0, (uint32_t)-1},
		{A32X(BPF_OR), HI | 0xf0, 0xffffffff0000000full, 0xff},
		{A32K(BPF_OR, 1), HI, 0, 1},
		{A32X(BPF_AND), HI | 0xff, HI | 0x0f, 0x0f},
		{A32K(BPF_AND, -1), HI | 0x12345678, 0, 0x12345678},
		{A32X(BPF_XOR), HI | 0xff, HI | 0x0f, 0xf0},
		{A32K(BPF_XOR, -1), HI, 0, 0xffffffff},
		{A32X(BPF_LSH), HI | 1, 4, 0x10},
		{A32K(BPF_LSH, 31), HI | 3, 0, 0x80000000},
		{A32X(BPF_RSH), HI | 0x80000000, 31, 1},
		{A32K(BPF_RSH, 4), HI | 0x100, 0, 0x10},
		{A32X(BPF_ARSH), HI | 0x80000000, 4, 0xf8000000},
		{A32K(BPF_ARSH, 31), HI | 0x80000000, 0, 0xffffffff},
		{A32X(BPF_MOV), 7, HI | 0xffffffff, 0xffffffff},
		{A32K(BPF_MOV, -1), 7, 0, 0xffffffff},
		{INSN(BPF_ALU | BPF_NEG, 0, 0, 0, 0), HI | 1, 0, 0xffffffff},
		{MOVSX(BPF_ALU, 8), 0, HI | 0x80, 0xffffff80},
		{MOVSX(BPF_ALU, 8), 0, HI | 0x7f, 0x7f},
		{MOVSX(BPF_ALU, 16), 0, HI | 0x8000, 0xffff8000},
		{MOVSX(BPF_ALU, 16), 0, HI | 0x12347fff, 0x7fff},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

/* Shift counts are masked to the operand width (RFC 9669 4.1), in both K and X forms. */
TEST(interp_shift_masking)
{
	static const struct alu_case c[] = {
		{A64X(BPF_LSH), 1, 65, 2},
		{A64X(BPF_LSH), 1, 64, 1},
		{A64X(BPF_LSH), 1, 0xffffffffffffff3full, MIN64},
		{A64K(BPF_LSH, 63), 1, 0, MIN64},
		{A64X(BPF_RSH), MIN64, 127, 1},
		{A64K(BPF_RSH, 1), MIN64, 0, 0x4000000000000000ull},
		{A64X(BPF_ARSH), MIN64, 67, 0xf000000000000000ull},
		{A64K(BPF_ARSH, 63), MIN64, 0, ~0ull},
		{A64X(BPF_ARSH), 0x4000000000000000ull, 62, 1},
		{A32X(BPF_LSH), 1, 33, 2},
		{A32X(BPF_LSH), 1, 32, 1},
		{A32X(BPF_RSH), HI | 0x80000000, 35, 0x10000000},
		{A32X(BPF_ARSH), 0x80000000, 36, 0xf8000000},
		{A32X(BPF_ARSH), HI | 0x40000000, 0x100000001eull, 1},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

/* Division by zero gives 0, modulo by zero leaves dst (its low half for 32-bit forms). */
TEST(interp_div_mod_by_zero)
{
	static const struct alu_case c[] = {
		{A64X(BPF_DIV), 1234, 0, 0},
		{A64K(BPF_DIV, 0), 1234, 0, 0},
		{A64X(BPF_MOD), HI | 1234, 0, HI | 1234},
		{A64K(BPF_MOD, 0), HI | 1234, 0, HI | 1234},
		{S64X(BPF_DIV), (uint64_t)-1234, 0, 0},
		{S64K(BPF_DIV, 0), (uint64_t)-1234, 0, 0},
		{S64X(BPF_MOD), (uint64_t)-1234, 0, (uint64_t)-1234},
		{S64K(BPF_MOD, 0), (uint64_t)-1234, 0, (uint64_t)-1234},
		/* only the low half of src counts as the divisor */
		{A32X(BPF_DIV), HI | 1234, 0x100000000ull, 0},
		{A32K(BPF_DIV, 0), HI | 1234, 0, 0},
		{A32X(BPF_MOD), HI | 1234, 0x100000000ull, 1234},
		{A32K(BPF_MOD, 0), HI | 1234, 0, 1234},
		{S32X(BPF_DIV), HI | (uint32_t)-1234, 0x100000000ull, 0},
		{S32K(BPF_DIV, 0), HI | (uint32_t)-1234, 0, 0},
		{S32X(BPF_MOD), HI | (uint32_t)-1234, 0x100000000ull, (uint32_t)-1234},
		{S32K(BPF_MOD, 0), HI | (uint32_t)-1234, 0, (uint32_t)-1234},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

/* Signed division truncates toward zero; INT_MIN / -1 wraps to INT_MIN, INT_MIN % -1 is 0. */
TEST(interp_signed_div_mod)
{
	static const struct alu_case c[] = {
		{S64X(BPF_DIV), MIN64, (uint64_t)-1, MIN64},
		{S64K(BPF_DIV, -1), MIN64, 0, MIN64},
		{S64X(BPF_MOD), MIN64, (uint64_t)-1, 0},
		{S64K(BPF_MOD, -1), MIN64, 0, 0},
		{S32X(BPF_DIV), HI | 0x80000000, (uint64_t)-1, 0x80000000},
		{S32K(BPF_DIV, -1), HI | 0x80000000, 0, 0x80000000},
		{S32X(BPF_MOD), HI | 0x80000000, 0xffffffff, 0},
		{S32K(BPF_MOD, -1), HI | 0x80000000, 0, 0},
		{S64X(BPF_DIV), (uint64_t)-7, 2, (uint64_t)-3},
		{S64X(BPF_DIV), 7, (uint64_t)-2, (uint64_t)-3},
		{S64X(BPF_MOD), (uint64_t)-7, 2, (uint64_t)-1},
		{S64X(BPF_MOD), 7, (uint64_t)-2, 1},
		{S64K(BPF_MOD, -3), (uint64_t)-7, 0, (uint64_t)-1},
		{S32X(BPF_DIV), (uint32_t)-7, 2, (uint32_t)-3},
		{S32X(BPF_MOD), 7, (uint32_t)-2, 1},
		/* the unsigned forms read the same bits as huge numbers */
		{A64X(BPF_DIV), MIN64, (uint64_t)-1, 0},
		{A64K(BPF_DIV, -1), ~0ull, 0, 1},
		{A64K(BPF_MOD, -1), 5, 0, 5},
		{A32K(BPF_DIV, -1), 0xffffffff, 0, 1},
		{A32X(BPF_MOD), 0x80000001, 0xffffffff, 0x80000001},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

TEST(interp_alu64_immediates_sign_extend)
{
	static const struct alu_case c[] = {
		{A64K(BPF_ADD, -1), 10, 0, 9},
		{A64K(BPF_OR, -1), 0, 0, ~0ull},
		{A64K(BPF_AND, (int32_t)0xffff0000), ~0ull, 0, 0xffffffffffff0000ull},
		{A64K(BPF_XOR, (int32_t)0x80000000), 0, 0, 0xffffffff80000000ull},
		{A64K(BPF_MOV, -2), 0, 0, (uint64_t)-2},
		{A64K(BPF_SUB, -1), ~0ull, 0, 0},
		{A64K(BPF_MUL, -1), 3, 0, (uint64_t)-3},
		{A64X(BPF_MUL), 0x100000000ull, 0x100000000ull, 0},
		{INSN(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0), 1, 0, ~0ull},
		{INSN(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0), MIN64, 0, MIN64},
		{A64X(BPF_MOV), 0, HI | 5, HI | 5},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

TEST(interp_movsx)
{
	static const struct alu_case c[] = {
		{MOVSX(BPF_ALU64, 8), 0, HI | 0x80, 0xffffffffffffff80ull},
		{MOVSX(BPF_ALU64, 8), 0, HI | 0x17f, 0x7f},
		{MOVSX(BPF_ALU64, 16), 0, 0x12348000, 0xffffffffffff8000ull},
		{MOVSX(BPF_ALU64, 16), 0, HI | 0x7fff, 0x7fff},
		{MOVSX(BPF_ALU64, 32), 0, HI | 0x80000000, 0xffffffff80000000ull},
		{MOVSX(BPF_ALU64, 32), 0, HI | 0x7fffffff, 0x7fffffff},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

/* le truncates on a little-endian machine; be and bswap swap; all zero-extend. */
TEST(interp_byte_order)
{
	const uint64_t v = 0x1122334455667788ull;
	const struct alu_case c[] = {
		{ENDIAN(BPF_ALU, BPF_TO_LE, 16), v, 0, 0x7788},
		{ENDIAN(BPF_ALU, BPF_TO_LE, 32), v, 0, 0x55667788},
		{ENDIAN(BPF_ALU, BPF_TO_LE, 64), v, 0, v},
		{ENDIAN(BPF_ALU, BPF_TO_BE, 16), v, 0, 0x8877},
		{ENDIAN(BPF_ALU, BPF_TO_BE, 32), v, 0, 0x88776655},
		{ENDIAN(BPF_ALU, BPF_TO_BE, 64), v, 0, 0x8877665544332211ull},
		{ENDIAN(BPF_ALU64, BPF_TO_LE, 16), v, 0, 0x8877},
		{ENDIAN(BPF_ALU64, BPF_TO_LE, 32), v, 0, 0x88776655},
		{ENDIAN(BPF_ALU64, BPF_TO_LE, 64), v, 0, 0x8877665544332211ull},
	};
	run_alu_cases(c, ARRAY_LEN(c), __LINE__);
}

/* r1 = a, r2 = b, then the jump; r0 says whether it was taken. */
struct jmp_case {
	struct bpf_insn op;
	uint64_t a, b;
	bool taken;
};

#define J64X(op) INSN(BPF_JMP | (op) | BPF_X, 1, 2, 2, 0)
#define J64K(op, imm) INSN(BPF_JMP | (op) | BPF_K, 1, 0, 2, imm)
#define J32X(op) INSN(BPF_JMP32 | (op) | BPF_X, 1, 2, 2, 0)
#define J32K(op, imm) INSN(BPF_JMP32 | (op) | BPF_K, 1, 0, 2, imm)

static void run_jmp_cases(const struct jmp_case *c, size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn p[] = {
			LDDW(1, c[i].a), LDDW(2, c[i].b), c[i].op,
			MOV64_K(0, 0),	 EXIT(),	  MOV64_K(0, 1),
			EXIT(),
		};
		uint64_t got = ti_run_both(line, NULL, 0, p, ARRAY_LEN(p));
		if (got != c[i].taken)
			test_fail(__FILE__, line,
				  "case %zu (code 0x%02x imm %d): a 0x%" PRIx64 " b 0x%" PRIx64
				  ": taken %" PRIu64 ", want %d",
				  i, c[i].op.code, c[i].op.imm, c[i].a, c[i].b, got, c[i].taken);
	}
}

TEST(interp_jumps_64)
{
	static const struct jmp_case c[] = {
		{J64X(BPF_JEQ), 5, 5, true},
		{J64X(BPF_JEQ), 5, HI | 5, false},
		{J64X(BPF_JNE), 5, HI | 5, true},
		{J64X(BPF_JNE), 0, 0, false},
		{J64X(BPF_JGT), MIN64, 1, true},
		{J64X(BPF_JSGT), MIN64, 1, false},
		{J64X(BPF_JGT), 1, 1, false},
		{J64X(BPF_JGE), 1, 1, true},
		{J64X(BPF_JSGE), MIN64, MIN64 - 1, false},
		{J64X(BPF_JGE), MIN64, MIN64 - 1, true},
		{J64X(BPF_JLT), 0, ~0ull, true},
		{J64X(BPF_JSLT), 0, ~0ull, false},
		{J64X(BPF_JSLT), ~0ull, 0, true},
		{J64X(BPF_JLE), 2, 2, true},
		{J64X(BPF_JLE), 3, 2, false},
		{J64X(BPF_JSLE), MIN64, MIN64 - 1, true},
		{J64X(BPF_JSGT), 0, MIN64, true},
		{J64X(BPF_JSET), 0x100000000ull, 0x100000001ull, true},
		{J64X(BPF_JSET), 0x100000000ull, 1, false},
		/* K: imm is sign-extended to 64 bits */
		{J64K(BPF_JEQ, -1), ~0ull, 0, true},
		{J64K(BPF_JEQ, -1), 0xffffffff, 0, false},
		{J64K(BPF_JGT, -1), ~0ull - 1, 0, false},
		{J64K(BPF_JSGT, -1), 0, 0, true},
		{J64K(BPF_JSLT, 0), MIN64, 0, true},
		{J64K(BPF_JLT, (int32_t)0x80000000), 0xffffffff, 0, true},
		{J64K(BPF_JSET, (int32_t)0x80000000), 0x8000000000000000ull, 0, true},
		{J64K(BPF_JGE, 7), 7, 0, true},
		{J64K(BPF_JLE, 7), 8, 0, false},
		{J64K(BPF_JSGE, -7), (uint64_t)-7, 0, true},
		{J64K(BPF_JSLE, -7), (uint64_t)-6, 0, false},
		{J64K(BPF_JNE, 0), HI, 0, true},
	};
	run_jmp_cases(c, ARRAY_LEN(c), __LINE__);
}

/* JMP32 compares the low halves only, whatever the high halves hold. */
TEST(interp_jumps_32)
{
	static const struct jmp_case c[] = {
		{J32X(BPF_JEQ), 0x100000005ull, 0x200000005ull, true},
		{J32X(BPF_JNE), 0x100000005ull, 0x200000005ull, false},
		{J32K(BPF_JEQ, -1), 0x12345678ffffffffull, 0, true},
		{J32X(BPF_JGT), 0x180000000ull, 0, true},
		{J32X(BPF_JSGT), 0x180000000ull, 0, false},
		{J32X(BPF_JSLT), 0xffffffff, 0x100000000ull, true},
		{J32X(BPF_JLT), 0xffffffff, 0x100000000ull, false},
		{J32X(BPF_JGE), 0x00000001, 0xff00000001ull, true},
		{J32X(BPF_JSGE), 0x7fffffff, 0x80000000, true},
		{J32X(BPF_JLE), 0x7fffffff, 0x80000000, true},
		{J32X(BPF_JSLE), 0x7fffffff, 0x80000000, false},
		{J32X(BPF_JSET), 0x100000000ull, 0x100000000ull, false},
		{J32K(BPF_JSET, 1), 0xff00000001ull, 0, true},
		{J32K(BPF_JSGT, -2), HI | 0xffffffff, 0, true},
		{J32K(BPF_JGT, -2), HI | 0xffffffff, 0, true},
		{J32K(BPF_JLT, 1), HI, 0, true},
		{J32K(BPF_JSLT, 0), 0x80000000, 0, true},
		{J32K(BPF_JSLE, 0), 0x100000000ull, 0, true},
		{J32K(BPF_JGE, 1), 0x100000000ull, 0, false},
		{J32K(BPF_JLE, 0), 0x100000000ull, 0, true},
		{J32K(BPF_JSGE, 0), 0x7fffffff, 0, true},
		{J32K(BPF_JNE, 0), 0x100000000ull, 0, false},
	};
	run_jmp_cases(c, ARRAY_LEN(c), __LINE__);
}

TEST(interp_ja_forms)
{
	/* gotol over a trap, then a backward ja loop: r0 counts to 3 */
	CHECK_EQ(RUN(MOV64_K(0, 0), INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV64_K(0, 99),
		     ALU64_K(BPF_ADD, 0, 1), JMP_K(BPF_JGE, 0, 3, 1), JA(-3), EXIT()),
		 3);
	/* gotol backward */
	CHECK_EQ(RUN(MOV64_K(0, 0), ALU64_K(BPF_ADD, 0, 1), JMP_K(BPF_JEQ, 0, 5, 1),
		     INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, -3), EXIT()),
		 5);
}

TEST(interp_lddw)
{
	CHECK_EQ(RUN(LDDW(0, 0x8000000000000001ull), EXIT()), 0x8000000000000001ull);
	CHECK_EQ(RUN(LDDW(0, 0xffffffffull), EXIT()), 0xffffffffull);
	CHECK_EQ(RUN(LDDW(0, 0xffffffff00000000ull), EXIT()), 0xffffffff00000000ull);
}

/* Loads zero-extend (ldx) or sign-extend (ldxs); stores write exactly their width, little
 * endian, at any alignment. */
TEST(interp_loads_stores)
{
	uint8_t buf[24];

	for (int i = 0; i < 24; i++)
		buf[i] = (uint8_t)(0xf0 + i);
	CHECK_EQ(RUN_MEM(buf, 24, LDX(BPF_B, 0, 1, 1), EXIT()), 0xf1);
	CHECK_EQ(RUN_MEM(buf, 24, LDX(BPF_H, 0, 1, 1), EXIT()), 0xf2f1);
	CHECK_EQ(RUN_MEM(buf, 24, LDX(BPF_W, 0, 1, 3), EXIT()), 0xf6f5f4f3);
	CHECK_EQ(RUN_MEM(buf, 24, LDX(BPF_DW, 0, 1, 5), EXIT()), 0xfcfbfaf9f8f7f6f5ull);
	CHECK_EQ(RUN_MEM(buf, 24, LDXS(BPF_B, 0, 1, 1), EXIT()), 0xfffffffffffffff1ull);
	CHECK_EQ(RUN_MEM(buf, 24, LDXS(BPF_H, 0, 1, 1), EXIT()), 0xfffffffffffff2f1ull);
	CHECK_EQ(RUN_MEM(buf, 24, LDXS(BPF_W, 0, 1, 3), EXIT()), 0xfffffffff6f5f4f3ull);
	buf[0] = 0x7f;
	buf[1] = 0x7f;
	CHECK_EQ(RUN_MEM(buf, 24, LDXS(BPF_H, 0, 1, 0), EXIT()), 0x7f7f);
	/* negative displacement from the end of the buffer */
	CHECK_EQ(RUN_MEM(buf, 24, MOV64_X(2, 1), ALU64_K(BPF_ADD, 2, 24), LDX(BPF_B, 0, 2, -1),
			 EXIT()),
		 (uint8_t)(0xf0 + 23));

	/* stores: width, unaligned, st (imm, sign-extended to the width) and stx */
	memset(buf, 0xaa, sizeof(buf));
	RUN_MEM(buf, 24, LDDW(2, 0x1122334455667788ull), STX(BPF_B, 1, 2, 1), STX(BPF_H, 1, 2, 3),
		STX(BPF_W, 1, 2, 6), STX(BPF_DW, 1, 2, 11), ST(BPF_W, 1, 20, -2), MOV64_K(0, 0),
		EXIT());
	static const uint8_t want[24] = {
		0xaa, 0x88, 0xaa, 0x88, 0x77, 0xaa, 0x88, 0x77, 0x66, 0x55, 0xaa, 0x88,
		0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xaa, 0xfe, 0xff, 0xff, 0xff,
	};
	CHECK(memcmp(buf, want, 24) == 0);
	memset(buf, 0, sizeof(buf));
	RUN_MEM(buf, 24, ST(BPF_B, 1, 0, 0x1ff), ST(BPF_H, 1, 2, -1), ST(BPF_W, 1, 4, -1),
		MOV64_K(0, 0), EXIT());
	static const uint8_t want2[9] = {0xff, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
	CHECK(memcmp(buf, want2, 9) == 0);
	CHECK_EQ(RUN_MEM(buf, 24, ST(BPF_DW, 1, 8, -2), LDX(BPF_DW, 0, 1, 8), EXIT()),
		 0xfffffffffffffffeull);

	/* the stack: r10 - 512 .. r10 - 1 is usable */
	CHECK_EQ(RUN(ST(BPF_DW, 10, -512, 3), ST(BPF_DW, 10, -8, 4), LDX(BPF_DW, 0, 10, -512),
		     LDX(BPF_DW, 1, 10, -8), ALU64_X(BPF_ADD, 0, 1), EXIT()),
		 7);
}

/* After the atomic on [r10 - 8] (which held m) with r0 = r0v and r1 = s: the memory, r1, r0. */
struct atomic_case {
	uint8_t size;
	int32_t op;
	uint64_t m, r0v, s;
	uint64_t want_mem, want_src, want_r0;
};

static void run_atomic_cases(const struct atomic_case *c, size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t out[3] = {0};
		struct bpf_insn p[] = {
			MOV64_X(6, 1),
			LDDW(3, c[i].m),
			STX(BPF_DW, 10, 3, -8),
			LDDW(0, c[i].r0v),
			LDDW(1, c[i].s),
			INSN(BPF_STX | BPF_ATOMIC | c[i].size, 10, 1, -8, c[i].op),
			LDX(BPF_DW, 4, 10, -8),
			STX(BPF_DW, 6, 4, 0),
			STX(BPF_DW, 6, 1, 8),
			STX(BPF_DW, 6, 0, 16),
			MOV64_K(0, 0),
			EXIT(),
		};
		ti_run_both(line, out, sizeof(out), p, ARRAY_LEN(p));
		if (out[0] != c[i].want_mem || out[1] != c[i].want_src || out[2] != c[i].want_r0)
			test_fail(__FILE__, line,
				  "case %zu (size 0x%02x op 0x%02x): mem 0x%" PRIx64
				  " src 0x%" PRIx64 " r0 0x%" PRIx64 ", want 0x%" PRIx64
				  " 0x%" PRIx64 " 0x%" PRIx64,
				  i, c[i].size, c[i].op, out[0], out[1], out[2], c[i].want_mem,
				  c[i].want_src, c[i].want_r0);
	}
}

TEST(interp_atomics)
{
	const uint64_t m = 0xaaaaaaaa0000000cull; /* the high half must survive 32-bit forms */
	const uint64_t s = 0x123456780000000aull;
	const uint64_t r0 = 0x5555;
	static const uint8_t F = BPF_FETCH;
	const struct atomic_case c[] = {
		{BPF_DW, BPF_ADD, m, r0, s, m + s, s, r0},
		{BPF_DW, BPF_ADD | F, m, r0, s, m + s, m, r0},
		{BPF_DW, BPF_OR, m, r0, s, m | s, s, r0},
		{BPF_DW, BPF_OR | F, m, r0, s, m | s, m, r0},
		{BPF_DW, BPF_AND, m, r0, s, m & s, s, r0},
		{BPF_DW, BPF_AND | F, m, r0, s, m & s, m, r0},
		{BPF_DW, BPF_XOR, m, r0, s, m ^ s, s, r0},
		{BPF_DW, BPF_XOR | F, m, r0, s, m ^ s, m, r0},
		{BPF_DW, BPF_XCHG, m, r0, s, s, m, r0},
		{BPF_DW, BPF_CMPXCHG, m, m, s, s, s, m},		/* equal: stores */
		{BPF_DW, BPF_CMPXCHG, m, m + 1, s, m, s, m},	/* differs: keeps */
		{BPF_W, BPF_ADD, m, r0, s, 0xaaaaaaaa00000016ull, s, r0},
		{BPF_W, BPF_ADD, 0xaaaaaaaaffffffffull, r0, 1, 0xaaaaaaaa00000000ull, 1, r0},
		{BPF_W, BPF_ADD | F, 0xaaaaaaaaffffffffull, r0, 1, 0xaaaaaaaa00000000ull,
		 0xffffffff, r0},
		{BPF_W, BPF_OR, m, r0, s, 0xaaaaaaaa0000000eull, s, r0},
		{BPF_W, BPF_OR | F, m, r0, s, 0xaaaaaaaa0000000eull, 0xc, r0},
		{BPF_W, BPF_AND, m, r0, s, 0xaaaaaaaa00000008ull, s, r0},
		{BPF_W, BPF_AND | F, m, r0, s, 0xaaaaaaaa00000008ull, 0xc, r0},
		{BPF_W, BPF_XOR, m, r0, s, 0xaaaaaaaa00000006ull, s, r0},
		{BPF_W, BPF_XOR | F, m, r0, s, 0xaaaaaaaa00000006ull, 0xc, r0},
		{BPF_W, BPF_XCHG, m, r0, s, 0xaaaaaaaa0000000aull, 0xc, r0},
		/* 32-bit cmpxchg compares the low halves; r0 gets the old value zero-extended */
		{BPF_W, BPF_CMPXCHG, m, HI | 0xc, s, 0xaaaaaaaa0000000aull, s, 0xc},
		{BPF_W, BPF_CMPXCHG, m, 0xd, s, m, s, 0xc},
	};
	run_atomic_cases(c, ARRAY_LEN(c), __LINE__);
}

/* A fetch whose src is also the base register: the address is taken before src changes. */
TEST(interp_atomic_src_is_dst)
{
	for (int checked = 0; checked < 2; checked++) {
		uint64_t cell = 40;
		struct ti_result res;
		struct ti_opts o = {.mem = &cell, .mem_len = 8, .checked = checked};
		struct bpf_insn p[] = {
			MOV64_X(2, 1),
			INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 2, 2, 0, BPF_ADD | BPF_FETCH),
			MOV64_X(0, 2),
			EXIT(),
		};
		CHECK_EQ(ti_run(&res, &o, p, ARRAY_LEN(p)), 0);
		CHECK_EQ(res.r0, 40);
		CHECK_EQ(cell, 40 + (uint64_t)(uintptr_t)&cell);
	}
}
