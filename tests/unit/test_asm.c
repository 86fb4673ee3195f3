/* The bpf_conformance assembler and the .data parser. Expected encodings are written by hand
 * from RFC 9669 (class | size/mode | op | source bits), never taken from opcodes.h, so a wrong
 * table row shows up here. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/isa.h>

#include "../../tools/conformance_data.h"
#include "testlib.h"

struct enc {
	uint8_t code, dst, src;
	int16_t off;
	int32_t imm;
};

/* Assembles text and compares every slot with want[0..n). */
static void check_asm(int line, const char *text, const struct enc *want, size_t n)
{
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char log[256] = "";
	int err = exbpf_asm__parse(text, &insns, &cnt, log, sizeof(log));

	if (err) {
		test_fail(__FILE__, line, "'%.60s' failed: %d %s", text, err, log);
		return;
	}
	if (cnt != n)
		test_fail(__FILE__, line, "'%.60s': %zu slots, want %zu", text, cnt, n);
	for (size_t i = 0; i < n && i < cnt; i++) {
		const struct bpf_insn *g = &insns[i];
		const struct enc *w = &want[i];
		if (g->code != w->code || g->dst_reg != w->dst || g->src_reg != w->src ||
		    g->off != w->off || g->imm != w->imm)
			test_fail(__FILE__, line,
				  "'%.60s' slot %zu: got %02x d%u s%u off %d imm %d, want %02x d%u s%u "
				  "off %d imm %d",
				  text, i, g->code, g->dst_reg, g->src_reg, g->off, g->imm, w->code,
				  w->dst, w->src, w->off, w->imm);
	}
	free(insns);
}

#define ENC1(text, c, d, s, o, i)                                                               \
	check_asm(__LINE__, text, (const struct enc[]){{c, d, s, o, i}}, 1)

TEST(asm_alu)
{
	ENC1("add %r1, %r2", 0x0f, 1, 2, 0, 0);
	ENC1("add32 %r1, 5", 0x04, 1, 0, 0, 5);
	ENC1("sub %r3, -1", 0x17, 3, 0, 0, -1);
	ENC1("sub32 %r3, %r4", 0x1c, 3, 4, 0, 0);
	ENC1("mul %r1, 0x10", 0x27, 1, 0, 0, 16);
	ENC1("mul32 %r1, %r2", 0x2c, 1, 2, 0, 0);
	ENC1("div %r1, 3", 0x37, 1, 0, 0, 3);
	ENC1("div32 %r1, %r9", 0x3c, 1, 9, 0, 0);
	ENC1("sdiv %r1, %r2", 0x3f, 1, 2, 1, 0);
	ENC1("sdiv32 %r1, -3", 0x34, 1, 0, 1, -3);
	ENC1("mod %r1, %r2", 0x9f, 1, 2, 0, 0);
	ENC1("mod32 %r1, 7", 0x94, 1, 0, 0, 7);
	ENC1("smod %r1, 7", 0x97, 1, 0, 1, 7);
	ENC1("smod32 %r1, %r2", 0x9c, 1, 2, 1, 0);
	ENC1("or %r0, 0x7fffffff", 0x47, 0, 0, 0, 0x7fffffff);
	ENC1("or32 %r0, %r1", 0x4c, 0, 1, 0, 0);
	ENC1("and %r0, %r1", 0x5f, 0, 1, 0, 0);
	ENC1("and32 %r0, %r1", 0x5c, 0, 1, 0, 0);
	ENC1("lsh %r5, 63", 0x67, 5, 0, 0, 63);
	ENC1("lsh32 %r5, %r6", 0x6c, 5, 6, 0, 0);
	ENC1("rsh %r5, %r6", 0x7f, 5, 6, 0, 0);
	ENC1("rsh32 %r5, 31", 0x74, 5, 0, 0, 31);
	ENC1("arsh %r7, 1", 0xc7, 7, 0, 0, 1);
	ENC1("arsh32 %r7, %r8", 0xcc, 7, 8, 0, 0);
	ENC1("xor %r7, %r8", 0xaf, 7, 8, 0, 0);
	ENC1("xor32 %r7, 0xffffffff", 0xa4, 7, 0, 0, -1);
	ENC1("mov %r9, -2147483648", 0xb7, 9, 0, 0, INT32_MIN);
	ENC1("mov %r0, %r10", 0xbf, 0, 10, 0, 0);
	ENC1("mov32 %r0, 0x80000000", 0xb4, 0, 0, 0, INT32_MIN);
	ENC1("mov32 %r0, %r1", 0xbc, 0, 1, 0, 0);
	ENC1("neg %r2", 0x87, 2, 0, 0, 0);
	ENC1("neg32 %r2", 0x84, 2, 0, 0, 0);
	/* Decimal with a leading zero stays decimal (no C octal). */
	ENC1("mov %r0, 010", 0xb7, 0, 0, 0, 10);
	ENC1("  mov\t%r0 ,  1   # comment", 0xb7, 0, 0, 0, 1);
}

TEST(asm_movsx_and_swaps)
{
	ENC1("movsx832 %r0, %r1", 0xbc, 0, 1, 8, 0);
	ENC1("movsx1632 %r0, %r1", 0xbc, 0, 1, 16, 0);
	ENC1("movsx864 %r2, %r3", 0xbf, 2, 3, 8, 0);
	ENC1("movsx1664 %r0, %r1", 0xbf, 0, 1, 16, 0);
	ENC1("movsx3264 %r4, %r5", 0xbf, 4, 5, 32, 0);
	ENC1("le16 %r1", 0xd4, 1, 0, 0, 16);
	ENC1("le32 %r1", 0xd4, 1, 0, 0, 32);
	ENC1("le64 %r1", 0xd4, 1, 0, 0, 64);
	ENC1("be16 %r2", 0xdc, 2, 0, 0, 16);
	ENC1("be32 %r2", 0xdc, 2, 0, 0, 32);
	ENC1("be64 %r2", 0xdc, 2, 0, 0, 64);
	ENC1("bswap16 %r3", 0xd7, 3, 0, 0, 16);
	ENC1("bswap32 %r3", 0xd7, 3, 0, 0, 32);
	ENC1("bswap64 %r3", 0xd7, 3, 0, 0, 64);
	ENC1("swap16 %r3", 0xd7, 3, 0, 0, 16);
	ENC1("swap64 %r3", 0xd7, 3, 0, 0, 64);
}

TEST(asm_memory)
{
	ENC1("ldxb %r0, [%r1+0x2]", 0x71, 0, 1, 2, 0);
	ENC1("ldxh %r0, [%r1-2]", 0x69, 0, 1, -2, 0);
	ENC1("ldxw %r0, [%r1]", 0x61, 0, 1, 0, 0);
	ENC1("ldxdw %r0, [ %r10 - 0x8 ]", 0x79, 0, 10, -8, 0);
	ENC1("ldxsb %r0, [%r1+1]", 0x91, 0, 1, 1, 0);
	ENC1("ldxsh %r0, [%r1+1]", 0x89, 0, 1, 1, 0);
	ENC1("ldxsw %r0, [%r1+1]", 0x81, 0, 1, 1, 0);
	ENC1("stb [%r1+2], 5", 0x72, 1, 0, 2, 5);
	ENC1("sth [%r1+2], -5", 0x6a, 1, 0, 2, -5);
	ENC1("stw [%r1+32767], 0x11223344", 0x62, 1, 0, 32767, 0x11223344);
	ENC1("stdw [%r1-32768], 1", 0x7a, 1, 0, -32768, 1);
	ENC1("stxb [%r10-8], %r1", 0x73, 10, 1, -8, 0);
	ENC1("stxh [%r10-8], %r1", 0x6b, 10, 1, -8, 0);
	ENC1("stxw [%r10-8], %r1", 0x63, 10, 1, -8, 0);
	ENC1("stxdw [%r10-8], %r1", 0x7b, 10, 1, -8, 0);
	check_asm(__LINE__, "lddw %r0, 0x1122334455667788",
		  (const struct enc[]){{0x18, 0, 0, 0, 0x55667788}, {0, 0, 0, 0, 0x11223344}}, 2);
	check_asm(__LINE__, "lddw %r3, -2",
		  (const struct enc[]){{0x18, 3, 0, 0, -2}, {0, 0, 0, 0, -1}}, 2);
	check_asm(__LINE__, "lddw %r3, 0xffffffff",
		  (const struct enc[]){{0x18, 3, 0, 0, -1}, {0, 0, 0, 0, 0}}, 2);
}

TEST(asm_atomics)
{
	/* STX | ATOMIC (0xc0) | DW (0x18) = 0xdb, | W (0x00) = 0xc3; the operation is in imm. */
	ENC1("lock add [%r10-8], %r1", 0xdb, 10, 1, -8, 0x00);
	ENC1("lock add32 [%r10-8], %r1", 0xc3, 10, 1, -8, 0x00);
	ENC1("lock or [%r1+4], %r2", 0xdb, 1, 2, 4, 0x40);
	ENC1("lock or32 [%r1+4], %r2", 0xc3, 1, 2, 4, 0x40);
	ENC1("lock and [%r1], %r2", 0xdb, 1, 2, 0, 0x50);
	ENC1("lock and32 [%r1], %r2", 0xc3, 1, 2, 0, 0x50);
	ENC1("lock xor [%r1], %r2", 0xdb, 1, 2, 0, 0xa0);
	ENC1("lock xor32 [%r1], %r2", 0xc3, 1, 2, 0, 0xa0);
	ENC1("lock fetch add [%r1], %r2", 0xdb, 1, 2, 0, 0x01);
	ENC1("lock fetch add32 [%r1], %r2", 0xc3, 1, 2, 0, 0x01);
	ENC1("lock fetch or [%r1], %r2", 0xdb, 1, 2, 0, 0x41);
	ENC1("lock fetch or32 [%r1], %r2", 0xc3, 1, 2, 0, 0x41);
	ENC1("lock fetch and [%r1], %r2", 0xdb, 1, 2, 0, 0x51);
	ENC1("lock  fetch  and32 [%r1], %r2", 0xc3, 1, 2, 0, 0x51);
	ENC1("lock fetch xor [%r1], %r2", 0xdb, 1, 2, 0, 0xa1);
	ENC1("lock fetch xor32 [%r1], %r2", 0xc3, 1, 2, 0, 0xa1);
	ENC1("lock xchg [%r1-8], %r2", 0xdb, 1, 2, -8, 0xe1);
	ENC1("lock xchg32 [%r1-8], %r2", 0xc3, 1, 2, -8, 0xe1);
	ENC1("lock cmpxchg [%r1-8], %r2", 0xdb, 1, 2, -8, 0xf1);
	ENC1("lock cmpxchg32 [%r1-8], %r2", 0xc3, 1, 2, -8, 0xf1);
}

TEST(asm_jumps)
{
	ENC1("ja +1", 0x05, 0, 0, 1, 0);
	ENC1("ja -1", 0x05, 0, 0, -1, 0);
	ENC1("may_goto +3", 0xe5, 0, 0, 3, 0);
	ENC1("may_goto -2", 0xe5, 0, 0, -2, 0);
	ENC1("jeq %r1, 5, +2", 0x15, 1, 0, 2, 5);
	ENC1("jeq %r1, %r2, +2", 0x1d, 1, 2, 2, 0);
	ENC1("jeq32 %r1, -1, +2", 0x16, 1, 0, 2, -1);
	ENC1("jeq32 %r1, %r2, +2", 0x1e, 1, 2, 2, 0);
	ENC1("jgt %r1, 1, -3", 0x25, 1, 0, -3, 1);
	ENC1("jgt32 %r1, %r2, +0", 0x2e, 1, 2, 0, 0);
	ENC1("jge %r1, %r2, +1", 0x3d, 1, 2, 1, 0);
	ENC1("jge32 %r1, 1, +1", 0x36, 1, 0, 1, 1);
	ENC1("jset %r1, 0x8, +1", 0x45, 1, 0, 1, 8);
	ENC1("jset32 %r1, %r2, +1", 0x4e, 1, 2, 1, 0);
	ENC1("jne %r1, %r2, +1", 0x5d, 1, 2, 1, 0);
	ENC1("jne32 %r1, 3, +1", 0x56, 1, 0, 1, 3);
	ENC1("jsgt %r1, -1, +1", 0x65, 1, 0, 1, -1);
	ENC1("jsgt32 %r1, %r2, +1", 0x6e, 1, 2, 1, 0);
	ENC1("jsge %r1, %r2, +1", 0x7d, 1, 2, 1, 0);
	ENC1("jsge32 %r1, 2, +1", 0x76, 1, 0, 1, 2);
	ENC1("jlt %r1, 2, +1", 0xa5, 1, 0, 1, 2);
	ENC1("jlt32 %r1, %r2, +1", 0xae, 1, 2, 1, 0);
	ENC1("jle %r1, %r2, +1", 0xbd, 1, 2, 1, 0);
	ENC1("jle32 %r1, 2, +1", 0xb6, 1, 0, 1, 2);
	ENC1("jslt %r1, 2, +1", 0xc5, 1, 0, 1, 2);
	ENC1("jslt32 %r1, %r2, +1", 0xce, 1, 2, 1, 0);
	ENC1("jsle %r1, %r2, +1", 0xdd, 1, 2, 1, 0);
	ENC1("jsle32 %r1, 2, +1", 0xd6, 1, 0, 1, 2);
	ENC1("ja32 +5", 0x06, 0, 0, 0, 5);
	ENC1("exit", 0x95, 0, 0, 0, 0);
}

TEST(asm_calls)
{
	ENC1("call 5", 0x85, 0, 0, 0, 5);
	ENC1("call %r2", 0x8d, 2, 0, 0, 0);
	check_asm(__LINE__, "call local f\nexit\nf:\nmov %r0, 1\nexit",
		  (const struct enc[]){{0x85, 0, 1, 0, 1},
				       {0x95, 0, 0, 0, 0},
				       {0xb7, 0, 0, 0, 1},
				       {0x95, 0, 0, 0, 0}},
		  4);
	/* A local call back to an earlier function. */
	check_asm(__LINE__, "ja +2\ng:\nexit\ncall local g\nexit",
		  (const struct enc[]){{0x05, 0, 0, 2, 0},
				       {0x95, 0, 0, 0, 0},
				       {0x85, 0, 1, 0, -2},
				       {0x95, 0, 0, 0, 0}},
		  4);
}

TEST(asm_labels)
{
	/* Forward over an lddw, which counts two slots. */
	check_asm(__LINE__, "ja end\nlddw %r0, 1\nend:\nexit",
		  (const struct enc[]){{0x05, 0, 0, 2, 0},
				       {0x18, 0, 0, 0, 1},
				       {0, 0, 0, 0, 0},
				       {0x95, 0, 0, 0, 0}},
		  4);
	/* Backward, two labels on one spot, comments and blank lines. */
	check_asm(__LINE__, "mov %r0, 0\ntop:\n# c\n\nagain:\nadd %r0, 1\njne %r0, 3, top\n"
			    "jeq %r0, %r0, again\nja32 top\nexit",
		  (const struct enc[]){{0xb7, 0, 0, 0, 0},
				       {0x07, 0, 0, 0, 1},
				       {0x55, 0, 0, -2, 3},
				       {0x1d, 0, 0, -3, 0},
				       {0x06, 0, 0, 0, -4},
				       {0x95, 0, 0, 0, 0}},
		  6);
	/* The implicit label: `exit` is the first exit instruction. */
	check_asm(__LINE__, "jne %r0, 1, exit\nmov %r0, 2\nexit\nmov %r0, 3\nexit",
		  (const struct enc[]){{0x55, 0, 0, 1, 1},
				       {0xb7, 0, 0, 0, 2},
				       {0x95, 0, 0, 0, 0},
				       {0xb7, 0, 0, 0, 3},
				       {0x95, 0, 0, 0, 0}},
		  5);
	/* ... but a declared label named exit wins, even after the first exit. */
	check_asm(__LINE__, "ja exit\nexit\nexit:\nexit",
		  (const struct enc[]){{0x05, 0, 0, 1, 0}, {0x95, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}},
		  3);
}

/* Text of n copies of line, between head and tail. */
static char *repeat(const char *head, const char *line, size_t n, const char *tail)
{
	size_t hl = strlen(head), ll = strlen(line), tl = strlen(tail);
	char *s = malloc(hl + ll * n + tl + 1), *p = s;

	if (!s)
		return NULL;
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ll)
		memcpy(p, line, ll);
	memcpy(p, tail, tl + 1);
	return s;
}

TEST(asm_long_jumps)
{
	/* 32767 slots forward is the farthest a 16-bit offset reaches; ja32 goes further. */
	char *ok = repeat("ja end\n", "mov %r0, 0\n", 32767, "end:\nexit\n");
	char *far = repeat("ja32 end\n", "mov %r0, 0\n", 40000, "end:\nexit\n");
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char log[256] = "";

	CHECK(ok && far);
	if (!ok || !far)
		goto out;
	CHECK_EQ(exbpf_asm__parse(ok, &insns, &cnt, log, sizeof(log)), 0);
	if (insns)
		CHECK_EQ(insns[0].off, 32767);
	free(insns);
	insns = NULL;
	CHECK_EQ(exbpf_asm__parse(far, &insns, &cnt, log, sizeof(log)), 0);
	if (insns) {
		CHECK_EQ(insns[0].imm, 40000);
		CHECK_EQ(insns[0].off, 0);
	}
	free(insns);
out:
	free(ok);
	free(far);
}

/* text must fail with -EINVAL and a log naming line `line` and containing `why`. */
static void check_err(int src_line, const char *text, int line, const char *why)
{
	static struct bpf_insn sentinel[1];
	struct bpf_insn *insns = sentinel; /* must stay untouched on failure */
	size_t cnt = 99;
	char log[256] = "", want[32];
	int err = exbpf_asm__parse(text, &insns, &cnt, log, sizeof(log));

	snprintf(want, sizeof(want), "line %d:", line);
	if (err != -EINVAL)
		test_fail(__FILE__, src_line, "'%.60s': returned %d, want -EINVAL", text, err);
	if (!strstr(log, want) || !strstr(log, why))
		test_fail(__FILE__, src_line, "'%.60s': log \"%s\" lacks \"%s\" / \"%s\"", text, log,
			  want, why);
	if (insns != sentinel || cnt != 99)
		test_fail(__FILE__, src_line, "'%.60s': outputs written on failure", text);
}

#define ERR(text, line, why) check_err(__LINE__, text, line, why)

TEST(asm_errors)
{
	ERR("mov %r0, 1\nfoo %r0, 1\nexit", 2, "unknown instruction 'foo'");
	ERR("mov %r0, 1\nadd64 %r0, 1\nexit", 2, "unknown instruction 'add64'");
	ERR("le17 %r0\nexit", 1, "unknown instruction 'le17'");
	ERR("le16x %r0\nexit", 1, "unknown instruction 'le16x'");
	ERR("movsx3232 %r0, %r1\nexit", 1, "unknown instruction 'movsx3232'");
	ERR("ldxsdw %r0, [%r1]\nexit", 1, "unknown instruction 'ldxsdw'");
	ERR("callx 5\nexit", 1, "unknown instruction 'callx'");
	ERR("lock fetch xchg [%r1], %r2\nexit", 1, "unknown atomic");
	ERR("lock fetch add add [%r1], %r2\nexit", 1, "unknown atomic");
	ERR("lock sub [%r1], %r2\nexit", 1, "unknown atomic");
	ERR("\n\nmov %r11, 1\nexit", 3, "invalid register '%r11'");
	ERR("mov %r0, %r-1\nexit", 1, "register");
	ERR("mov r0, 1\nexit", 1, "expected a register");
	ERR("ldxw %r0, [%r12+1]\nexit", 1, "invalid register '%r12'");
	ERR("mov %r0, 1\nja nowhere\nexit", 2, "undefined label 'nowhere'");
	ERR("call local nowhere\nexit", 1, "undefined label 'nowhere'");
	ERR("mov %r0, 0x100000000\nexit", 1, "out of range");
	ERR("mov %r0, -2147483649\nexit", 1, "out of range");
	ERR("mov %r0, 99999999999999999999999\nexit", 1, "out of range");
	ERR("stw [%r1+32768], 1\nexit", 1, "out of range");
	ERR("stw [%r1+0xffff], 1\nexit", 1, "out of range");
	ERR("ja +32768\nexit", 1, "jump offset");
	ERR("jeq %r0, 0, -32769\nexit", 1, "jump offset");
	ERR("mov %r0, 1 2\nexit", 1, "trailing");
	ERR("mov %r0, 1x\nexit", 1, "trailing");
	ERR("exit foo", 1, "takes 0 operands");
	ERR("mov %r0, 1, 2\nexit", 1, "takes 2 operands");
	ERR("mov %r0,\nexit", 1, "trailing comma");
	ERR("ldxw %r0, %r1\nexit", 1, "memory operand");
	ERR("ldxw %r0, [%r1+]\nexit", 1, "expected a number");
	ERR("mov %r0, abc\nexit", 1, "expected a number");
	ERR("a:\na:\nexit", 2, "duplicate label 'a'");
	/* Long and binary junk must fail cleanly too. */
	char *lng = repeat("mov %r0, ", "1", 600, "\nexit");
	if (lng)
		ERR(lng, 1, "too long");
	free(lng);
	ERR("mov \x01%r0, 1\nexit", 1, "expected a register");
	ERR("m\x01ov %r0, 1\nexit", 1, "unknown instruction");

	/* One that crosses 16 bits by label: 32768 slots forward. */
	char *far = repeat("ja end\n", "mov %r0, 0\n", 32768, "end:\nexit\n");
	if (far)
		ERR(far, 1, "jump offset");
	free(far);
}

TEST(asm_no_instructions)
{
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char log[128] = "";

	CHECK_EQ(exbpf_asm__parse("# nothing\n\n", &insns, &cnt, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "no instructions");
	CHECK_EQ(exbpf_asm__parse(NULL, &insns, &cnt, log, sizeof(log)), -EINVAL);
	/* A NULL log is allowed. */
	CHECK_EQ(exbpf_asm__parse("bogus", &insns, &cnt, NULL, 0), -EINVAL);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int load_data(const char *name, struct conformance_data *d)
{
	char path[1024], err[256] = "";

	snprintf(path, sizeof(path), "%s/%s", test_conformance_dir(), name);
	char *text = read_text(path);
	if (!text) {
		test_fail(__FILE__, __LINE__, "cannot read %s", path);
		return -ENOENT;
	}
	int rc = conformance_data_parse(text, d, err, sizeof(err));
	if (rc)
		test_fail(__FILE__, __LINE__, "%s: %s", name, err);
	free(text);
	return rc;
}

TEST(asm_conformance_files)
{
	DIR *dir = opendir(test_conformance_dir());
	struct dirent *e;
	int files = 0, ok = 0;

	CHECK(dir);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".data"))
			continue;
		files++;
		struct conformance_data d;
		if (load_data(e->d_name, &d))
			continue;
		struct bpf_insn *insns = NULL;
		size_t cnt = 0;
		char log[512] = "";
		/* Assemble the text even where -- raw exists: every file's asm must assemble. */
		int rc = exbpf_asm__parse(d.asm_text, &insns, &cnt, log, sizeof(log));
		if (rc)
			test_fail(__FILE__, __LINE__, "%s: %d %s", e->d_name, rc, log);
		else if (exbpf_insns__validate(insns, cnt, log, sizeof(log)))
			test_fail(__FILE__, __LINE__, "%s: invalid program: %s", e->d_name, log);
		else if (d.has_result && !d.has_error)
			ok++;
		free(insns);
		conformance_data_free(&d);
	}
	closedir(dir);
	CHECK_EQ(files, 313);
	CHECK_EQ(ok, 313);
}

TEST(asm_lddw_matches_raw)
{
	struct conformance_data d;
	struct bpf_insn *a = NULL, *r = NULL;
	size_t na = 0, nr = 0;
	char log[256] = "";

	if (load_data("lddw.data", &d))
		return;
	CHECK(d.raw != NULL);
	CHECK_EQ(d.nraw, 3);
	CHECK_EQ(d.result, 0x1122334455667788ull);
	CHECK_EQ(conformance_data_program(&d, &r, &nr, log, sizeof(log)), 0);
	CHECK_EQ(exbpf_asm__parse(d.asm_text, &a, &na, log, sizeof(log)), 0);
	CHECK_EQ(na, 3);
	CHECK_EQ(nr, 3);
	if (a && r && na == nr)
		CHECK(memcmp(a, r, na * sizeof(*a)) == 0);
	/* The raw words decode field by field: op in the low byte, imm in the high word. */
	if (r && nr == 3) {
		CHECK_EQ(r[0].code, 0x18);
		CHECK_EQ(r[0].imm, 0x55667788);
		CHECK_EQ(r[1].imm, 0x11223344);
		CHECK_EQ(r[2].code, 0x95);
	}
	free(a);
	free(r);
	conformance_data_free(&d);
}

TEST(conformance_data_sections)
{
	static const char text[] = "# header\n"
				   "-- asm\n"
				   "mov %r0, 1 # one\n"
				   "exit\n"
				   "-- c\n"
				   "int main() { return 1; } -- not a section\n"
				   "-- no register offset\n"
				   "-- mem\n"
				   "00 ff 1a\n"
				   "\t7F # comment\n"
				   "-- raw\n"
				   "0xfffffffefff82a6b 0x95\n"
				   "-- result\n"
				   "18446744073709551615\n"
				   "-- error\n"
				   "bad thing\n";
	struct conformance_data d;
	char err[128] = "";

	CHECK_EQ(conformance_data_parse(text, &d, err, sizeof(err)), 0);
	CHECK_CONTAINS(d.asm_text, "mov %r0, 1");
	CHECK(!strstr(d.asm_text ? d.asm_text : "", "int main"));
	CHECK_EQ(d.mem_len, 4);
	if (d.mem && d.mem_len == 4) {
		CHECK_EQ(d.mem[0], 0x00);
		CHECK_EQ(d.mem[1], 0xff);
		CHECK_EQ(d.mem[2], 0x1a);
		CHECK_EQ(d.mem[3], 0x7f);
	}
	CHECK(d.has_result);
	CHECK_EQ(d.result, UINT64_MAX);
	CHECK(d.has_error);
	CHECK_CONTAINS(d.error, "bad thing");

	/* stxh [%r10-8], %r2 with imm -2: every field from its own bits. */
	struct bpf_insn *p = NULL;
	size_t n = 0;
	char log[128] = "";
	CHECK_EQ(conformance_data_program(&d, &p, &n, log, sizeof(log)), 0);
	CHECK_EQ(n, 2);
	if (p && n == 2) {
		CHECK_EQ(p[0].code, 0x6b);
		CHECK_EQ(p[0].dst_reg, 0xa);
		CHECK_EQ(p[0].src_reg, 0x2);
		CHECK_EQ(p[0].off, -8);
		CHECK_EQ(p[0].imm, -2);
		CHECK_EQ(p[1].code, 0x95);
	}
	free(p);
	conformance_data_free(&d);
	CHECK(d.asm_text == NULL && d.mem == NULL && d.raw == NULL);
}

TEST(conformance_data_asm_only)
{
	struct conformance_data d;
	struct bpf_insn *p = NULL;
	size_t n = 0;
	char err[128] = "", log[128] = "";

	CHECK_EQ(conformance_data_parse("-- asm\nmov32 %r0, 7\nexit\n-- result\n0x7\n", &d, err,
					sizeof(err)),
		 0);
	CHECK(d.mem == NULL);
	CHECK_EQ(d.mem_len, 0);
	CHECK(d.raw == NULL);
	CHECK(!d.has_error);
	CHECK_EQ(d.result, 7);
	CHECK_EQ(conformance_data_program(&d, &p, &n, log, sizeof(log)), 0);
	CHECK_EQ(n, 2);
	if (p && n == 2)
		CHECK_EQ(p[0].code, 0xb4);
	free(p);
	conformance_data_free(&d);

	/* An asm error surfaces through conformance_data_program with its line. */
	CHECK_EQ(conformance_data_parse("-- asm\nexit\nbogus\n-- result\n1\n", &d, err,
					sizeof(err)),
		 0);
	CHECK_EQ(conformance_data_program(&d, &p, &n, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "line 2:");
	conformance_data_free(&d);
}

static void check_data_err(int src_line, const char *text, const char *why)
{
	struct conformance_data d;
	char err[128] = "";

	if (conformance_data_parse(text, &d, err, sizeof(err)) != -EINVAL)
		test_fail(__FILE__, src_line, "accepted: %s", text);
	else if (!strstr(err, why))
		test_fail(__FILE__, src_line, "error \"%s\" lacks \"%s\"", err, why);
}

TEST(conformance_data_errors)
{
	check_data_err(__LINE__, "-- result\n1\n", "no -- asm");
	check_data_err(__LINE__, "-- asm\nexit\n", "no -- result");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n1 2\n", "-- result");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\nzz\n", "-- result");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n0x10000000000000000\n", "-- result");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n1\n-- mem\n100\n", "-- mem");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n1\n-- mem\n0g\n", "-- mem");
	check_data_err(__LINE__, "-- raw\n0x95 0x1z\n-- result\n1\n", "-- raw");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n+1\n", "-- result");
	check_data_err(__LINE__, "-- asm\nexit\n-- result\n0x\n", "-- result");
}

/* Results are decimal (a leading 0 is not octal, '-' wraps) or 0x hex, all 64 bits. */
TEST(conformance_data_results)
{
	static const struct {
		const char *text;
		uint64_t want;
	} cases[] = {
		{"010", 10},
		{"-1", UINT64_MAX},
		{"0xFFFFFFFF00000000", 0xffffffff00000000ull},
		{"  0x1 # note", 1},
		{"18446744073709551615", UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128], err[128] = "";
		struct conformance_data d;
		snprintf(text, sizeof(text), "-- asm\nexit\n-- result\n%s\n", cases[i].text);
		CHECK_EQ(conformance_data_parse(text, &d, err, sizeof(err)), 0);
		CHECK_EQ(d.result, cases[i].want);
		conformance_data_free(&d);
	}
}
