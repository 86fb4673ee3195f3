/* The disassembler's text, written out by hand in llvm-objdump / verifier-log style for every
 * instruction family, plus rejects and truncation. */
#include <errno.h>
#include <stdio.h>

#include <exbpf/isa.h>

#include "testlib.h"

#define INSN(c, d, s, o, i)                                                                     \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

struct dcase {
	int line;
	struct bpf_insn insn;
	const char *text;
};

#define D(c, d, s, o, i, text) {__LINE__, INSN(c, d, s, o, i), text}

static void check_cases(const struct dcase *cases, size_t n)
{
	char buf[128];

	for (size_t i = 0; i < n; i++) {
		memset(buf, 'X', sizeof(buf));
		int ret = exbpf_insn__disasm(&cases[i].insn, 1, 0, buf, sizeof(buf), NULL);
		if (ret != 1 || strcmp(buf, cases[i].text) != 0)
			test_fail(__FILE__, cases[i].line, "got %d \"%.*s\", want \"%s\"", ret,
				  (int)sizeof(buf) - 1, buf, cases[i].text);
	}
}

#define CHECK_CASES(cases) check_cases(cases, sizeof(cases) / sizeof(cases[0]))

TEST(disasm_alu64)
{
	static const struct dcase cases[] = {
		D(0x07, 1, 0, 0, 5, "r1 += 5"),
		D(0x17, 2, 0, 0, -3, "r2 -= -3"),
		D(0x27, 3, 0, 0, 7, "r3 *= 7"),
		D(0x37, 4, 0, 0, 2, "r4 /= 2"),
		D(0x47, 5, 0, 0, 255, "r5 |= 255"),
		D(0x57, 6, 0, 0, 15, "r6 &= 15"),
		D(0x67, 7, 0, 0, 3, "r7 <<= 3"),
		D(0x77, 8, 0, 0, 4, "r8 >>= 4"),
		D(0x97, 9, 0, 0, 10, "r9 %= 10"),
		D(0xa7, 0, 0, 0, -1, "r0 ^= -1"),
		D(0xb7, 0, 0, 0, 42, "r0 = 42"),
		D(0xb7, 9, 0, 0, -2147483647 - 1, "r9 = -2147483648"),
		D(0xc7, 1, 0, 0, 63, "r1 s>>= 63"),
		D(0x0f, 1, 2, 0, 0, "r1 += r2"),
		D(0x1f, 3, 4, 0, 0, "r3 -= r4"),
		D(0x2f, 5, 6, 0, 0, "r5 *= r6"),
		D(0x3f, 7, 8, 0, 0, "r7 /= r8"),
		D(0x4f, 9, 0, 0, 0, "r9 |= r0"),
		D(0x5f, 0, 1, 0, 0, "r0 &= r1"),
		D(0x6f, 1, 2, 0, 0, "r1 <<= r2"),
		D(0x7f, 1, 2, 0, 0, "r1 >>= r2"),
		D(0x9f, 1, 2, 0, 0, "r1 %= r2"),
		D(0xaf, 1, 2, 0, 0, "r1 ^= r2"),
		D(0xbf, 1, 10, 0, 0, "r1 = r10"),
		D(0xcf, 1, 2, 0, 0, "r1 s>>= r2"),
		D(0x87, 3, 0, 0, 0, "r3 = -r3"),
		/* v4: signed division and modulo (off 1), sign-extending moves (off 8/16/32). */
		D(0x37, 1, 0, 1, -7, "r1 s/= -7"),
		D(0x3f, 1, 2, 1, 0, "r1 s/= r2"),
		D(0x97, 1, 0, 1, 3, "r1 s%= 3"),
		D(0x9f, 1, 2, 1, 0, "r1 s%= r2"),
		D(0xbf, 1, 2, 8, 0, "r1 = (s8)r2"),
		D(0xbf, 1, 2, 16, 0, "r1 = (s16)r2"),
		D(0xbf, 1, 2, 32, 0, "r1 = (s32)r2"),
	};

	CHECK_CASES(cases);
}

TEST(disasm_alu32)
{
	static const struct dcase cases[] = {
		D(0x04, 1, 0, 0, 1, "w1 += 1"),
		D(0x14, 1, 0, 0, 2, "w1 -= 2"),
		D(0x24, 1, 0, 0, 3, "w1 *= 3"),
		D(0x34, 1, 0, 0, 4, "w1 /= 4"),
		D(0x44, 1, 0, 0, 5, "w1 |= 5"),
		D(0x54, 1, 0, 0, 6, "w1 &= 6"),
		D(0x64, 1, 0, 0, 7, "w1 <<= 7"),
		D(0x74, 1, 0, 0, 8, "w1 >>= 8"),
		D(0x94, 1, 0, 0, 9, "w1 %= 9"),
		D(0xa4, 1, 0, 0, -10, "w1 ^= -10"),
		D(0xb4, 0, 0, 0, 1, "w0 = 1"),
		D(0xc4, 1, 0, 0, 31, "w1 s>>= 31"),
		D(0x0c, 1, 2, 0, 0, "w1 += w2"),
		D(0x1c, 1, 2, 0, 0, "w1 -= w2"),
		D(0x2c, 1, 2, 0, 0, "w1 *= w2"),
		D(0x3c, 1, 2, 0, 0, "w1 /= w2"),
		D(0x4c, 1, 2, 0, 0, "w1 |= w2"),
		D(0x5c, 1, 2, 0, 0, "w1 &= w2"),
		D(0x6c, 1, 2, 0, 0, "w1 <<= w2"),
		D(0x7c, 1, 2, 0, 0, "w1 >>= w2"),
		D(0x9c, 1, 2, 0, 0, "w1 %= w2"),
		D(0xac, 1, 2, 0, 0, "w1 ^= w2"),
		D(0xbc, 3, 4, 0, 0, "w3 = w4"),
		D(0xcc, 1, 2, 0, 0, "w1 s>>= w2"),
		D(0x84, 3, 0, 0, 0, "w3 = -w3"),
		D(0x34, 1, 0, 1, 3, "w1 s/= 3"),
		D(0x3c, 1, 2, 1, 0, "w1 s/= w2"),
		D(0x94, 1, 0, 1, 3, "w1 s%= 3"),
		D(0x9c, 1, 2, 1, 0, "w1 s%= w2"),
		D(0xbc, 1, 2, 8, 0, "w1 = (s8)w2"),
		D(0xbc, 1, 2, 16, 0, "w1 = (s16)w2"),
	};

	CHECK_CASES(cases);
}

TEST(disasm_byteswap)
{
	static const struct dcase cases[] = {
		D(0xd4, 1, 0, 0, 16, "r1 = le16 r1"),
		D(0xd4, 2, 0, 0, 32, "r2 = le32 r2"),
		D(0xd4, 3, 0, 0, 64, "r3 = le64 r3"),
		D(0xdc, 1, 0, 0, 16, "r1 = be16 r1"),
		D(0xdc, 2, 0, 0, 32, "r2 = be32 r2"),
		D(0xdc, 3, 0, 0, 64, "r3 = be64 r3"),
		D(0xd7, 1, 0, 0, 16, "r1 = bswap16 r1"),
		D(0xd7, 2, 0, 0, 32, "r2 = bswap32 r2"),
		D(0xd7, 3, 0, 0, 64, "r3 = bswap64 r3"),
	};

	CHECK_CASES(cases);
}

/* Every condition, in JMP and JMP32, with K and X. K prints as the 32 bits of imm in hex. */
TEST(disasm_jumps)
{
	static const struct dcase cases[] = {
		D(0x15, 1, 0, 3, 5, "if r1 == 0x5 goto +3"),
		D(0x1d, 1, 2, -1, 0, "if r1 == r2 goto -1"),
		D(0x16, 1, 0, 0, 5, "if w1 == 0x5 goto +0"),
		D(0x1e, 1, 2, 7, 0, "if w1 == w2 goto +7"),
		D(0x25, 2, 0, 1, 0x100, "if r2 > 0x100 goto +1"),
		D(0x2d, 2, 3, 1, 0, "if r2 > r3 goto +1"),
		D(0x26, 2, 0, 1, 0x100, "if w2 > 0x100 goto +1"),
		D(0x2e, 2, 3, 1, 0, "if w2 > w3 goto +1"),
		D(0x35, 3, 0, 2, 9, "if r3 >= 0x9 goto +2"),
		D(0x3d, 3, 4, 2, 0, "if r3 >= r4 goto +2"),
		D(0x36, 3, 0, 2, 9, "if w3 >= 0x9 goto +2"),
		D(0x3e, 3, 4, 2, 0, "if w3 >= w4 goto +2"),
		D(0x45, 4, 0, 4, 0x80, "if r4 & 0x80 goto +4"),
		D(0x4d, 4, 5, 4, 0, "if r4 & r5 goto +4"),
		D(0x46, 4, 0, 4, 0x80, "if w4 & 0x80 goto +4"),
		D(0x4e, 4, 5, 4, 0, "if w4 & w5 goto +4"),
		D(0x55, 5, 0, -2, 0, "if r5 != 0x0 goto -2"),
		D(0x5d, 5, 6, -2, 0, "if r5 != r6 goto -2"),
		D(0x56, 5, 0, -2, 0, "if w5 != 0x0 goto -2"),
		D(0x5e, 5, 6, -2, 0, "if w5 != w6 goto -2"),
		D(0x65, 6, 0, 5, -1, "if r6 s> 0xffffffff goto +5"),
		D(0x6d, 6, 7, 5, 0, "if r6 s> r7 goto +5"),
		D(0x66, 6, 0, 5, -1, "if w6 s> 0xffffffff goto +5"),
		D(0x6e, 6, 7, 5, 0, "if w6 s> w7 goto +5"),
		D(0x75, 7, 0, 6, -16, "if r7 s>= 0xfffffff0 goto +6"),
		D(0x7d, 7, 8, 6, 0, "if r7 s>= r8 goto +6"),
		D(0x76, 7, 0, 6, -16, "if w7 s>= 0xfffffff0 goto +6"),
		D(0x7e, 7, 8, 6, 0, "if w7 s>= w8 goto +6"),
		D(0xa5, 6, 0, 2, 0x60, "if r6 < 0x60 goto +2"),
		D(0xad, 6, 9, 2, 0, "if r6 < r9 goto +2"),
		D(0xa6, 6, 0, 2, 0x60, "if w6 < 0x60 goto +2"),
		D(0xae, 6, 9, 2, 0, "if w6 < w9 goto +2"),
		D(0xb5, 8, 0, 32767, 0xabcdef, "if r8 <= 0xabcdef goto +32767"),
		D(0xbd, 8, 10, 1, 0, "if r8 <= r10 goto +1"),
		D(0xb6, 8, 0, -32768, 1, "if w8 <= 0x1 goto -32768"),
		D(0xbe, 8, 10, 1, 0, "if w8 <= w10 goto +1"),
		D(0xc5, 9, 0, 3, 0x7fffffff, "if r9 s< 0x7fffffff goto +3"),
		D(0xcd, 9, 1, 3, 0, "if r9 s< r1 goto +3"),
		D(0xc6, 9, 0, 3, -2147483647 - 1, "if w9 s< 0x80000000 goto +3"),
		D(0xce, 9, 1, 3, 0, "if w9 s< w1 goto +3"),
		D(0xd5, 10, 0, 1, 2, "if r10 s<= 0x2 goto +1"),
		D(0xdd, 10, 1, 1, 0, "if r10 s<= r1 goto +1"),
		D(0xd6, 10, 0, 1, 2, "if w10 s<= 0x2 goto +1"),
		D(0xde, 10, 1, 1, 0, "if w10 s<= w1 goto +1"),
		/* Unconditional: off (ja) or imm (gotol). */
		D(0x05, 0, 0, 2, 0, "goto +2"),
		D(0x05, 0, 0, -1, 0, "goto -1"),
		D(0x05, 0, 0, 0, 0, "goto +0"),
		D(0xe5, 0, 0, 3, 0, "may_goto +3"),
		D(0xe5, 0, 0, -1, 0, "may_goto -1"),
		D(0x06, 0, 0, 0, -5, "gotol -5"),
		D(0x06, 0, 0, 0, 100000, "gotol +100000"),
		D(0x95, 0, 0, 0, 0, "exit"),
	};

	CHECK_CASES(cases);
}

static const char *name_kfunc(void *ctx, int32_t btf_id)
{
	int *calls = ctx;

	(*calls)++;
	return btf_id == 77 ? "bpf_obj_new_impl" : NULL;
}

TEST(disasm_calls)
{
	static const struct dcase cases[] = {
		D(0x85, 0, 0, 0, 1, "call bpf_map_lookup_elem#1"),
		D(0x85, 0, 0, 0, 2, "call bpf_map_update_elem#2"),
		D(0x85, 0, 0, 0, 6, "call bpf_trace_printk#6"),
		D(0x85, 0, 0, 0, 12, "call bpf_tail_call#12"),
		D(0x85, 0, 0, 0, 1234, "call helper#1234"),
		D(0x85, 0, 0, 0, 0, "call helper#0"), /* 0 is BPF_FUNC_unspec, no helper */
		D(0x85, 0, 0, 0, -1, "call helper#-1"),
		D(0x85, 0, 1, 0, 3, "call pc+3"),
		D(0x85, 0, 1, 0, -4, "call pc-4"),
		D(0x85, 0, 1, 0, 0, "call pc+0"),
		D(0x85, 0, 2, 0, 77, "call kfunc#77"),
		D(0x85, 0, 2, 5, 78, "call kfunc#78"),
		D(0x8d, 2, 0, 0, 0, "callx r2"),
		D(0x8d, 10, 0, 0, 0, "callx r10"),
	};
	char buf[64];
	int calls = 0;

	CHECK_CASES(cases);

	/* kfunc names come from the caller when it can resolve them. */
	EXBPF_OPTS(exbpf_disasm_opts, opts, .kfunc_name = name_kfunc, .ctx = &calls);
	struct bpf_insn k77 = INSN(0x85, 0, 2, 0, 77), k78 = INSN(0x85, 0, 2, 0, 78);
	CHECK_EQ(exbpf_insn__disasm(&k77, 1, 0, buf, sizeof(buf), &opts), 1);
	CHECK_STR(buf, "call bpf_obj_new_impl#77");
	CHECK_EQ(exbpf_insn__disasm(&k78, 1, 0, buf, sizeof(buf), &opts), 1);
	CHECK_STR(buf, "call kfunc#78");
	CHECK_EQ(calls, 2);

	/* Helpers never go through the kfunc resolver. */
	struct bpf_insn h1 = INSN(0x85, 0, 0, 0, 77);
	CHECK_EQ(exbpf_insn__disasm(&h1, 1, 0, buf, sizeof(buf), &opts), 1);
	CHECK_STR(buf, "call bpf_rc_repeat#77"); /* helper 77, not kfunc 77 */
	CHECK_EQ(calls, 2);

	/* An opts from an older caller that stops before kfunc_name: the field is not read. */
	opts.sz = sizeof(size_t);
	CHECK_EQ(exbpf_insn__disasm(&k77, 1, 0, buf, sizeof(buf), &opts), 1);
	CHECK_STR(buf, "call kfunc#77");
	CHECK_EQ(calls, 2);

	/* No resolver at all. */
	opts.sz = sizeof(opts);
	opts.kfunc_name = NULL;
	CHECK_EQ(exbpf_insn__disasm(&k77, 1, 0, buf, sizeof(buf), &opts), 1);
	CHECK_STR(buf, "call kfunc#77");
}

struct wcase {
	int line;
	struct bpf_insn insn[2];
	const char *text;
};

#define W(c, d, s, i, i2, text) {__LINE__, {INSN(c, d, s, 0, i), INSN(0, 0, 0, 0, i2)}, text}

TEST(disasm_lddw)
{
	static const struct wcase cases[] = {
		W(0x18, 1, 0, 0x55667788, 0x11223344, "r1 = 0x1122334455667788 ll"),
		W(0x18, 2, 0, -1, 0, "r2 = 0xffffffff ll"),
		W(0x18, 3, 0, 0, -1, "r3 = 0xffffffff00000000 ll"),
		W(0x18, 9, 0, 0, 0, "r9 = 0x0 ll"),
		W(0x18, 1, 1, 3, 0, "r1 = map[id:3] ll"),
		W(0x18, 2, 2, 3, 16, "r2 = map[id:3][0]+16 ll"),
		W(0x18, 3, 3, 100, 0, "r3 = btf_id[100] ll"),
		W(0x18, 4, 4, 5, 0, "r4 = func +5 ll"),
		W(0x18, 4, 4, -2, 0, "r4 = func -2 ll"),
		W(0x18, 5, 5, 0, 0, "r5 = map[idx:0] ll"),
		W(0x18, 6, 6, 1, 8, "r6 = map[idx:1][0]+8 ll"),
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = exbpf_insn__disasm(cases[i].insn, 2, 0, buf, sizeof(buf), NULL);
		if (ret != 2 || strcmp(buf, cases[i].text) != 0)
			test_fail(__FILE__, cases[i].line, "got %d \"%s\", want \"%s\"", ret, buf,
				  cases[i].text);
	}

	/* Disassembling a program steps over the second slot; idx 2 is the exit after it. */
	struct bpf_insn prog[3] = {INSN(0x18, 0, 0, 0, 1), INSN(0, 0, 0, 0, 2), INSN(0x95, 0, 0, 0, 0)};
	CHECK_EQ(exbpf_insn__disasm(prog, 3, 0, buf, sizeof(buf), NULL), 2);
	CHECK_STR(buf, "r0 = 0x200000001 ll");
	CHECK_EQ(exbpf_insn__disasm(prog, 3, 2, buf, sizeof(buf), NULL), 1);
	CHECK_STR(buf, "exit");
}

TEST(disasm_memory)
{
	static const struct dcase cases[] = {
		/* Legacy packet access always loads r0. */
		D(0x30, 0, 0, 0, 12, "r0 = *(u8 *)skb[12]"),
		D(0x28, 0, 0, 0, 12, "r0 = *(u16 *)skb[12]"),
		D(0x20, 0, 0, 0, 14, "r0 = *(u32 *)skb[14]"),
		D(0x50, 0, 3, 0, 4, "r0 = *(u8 *)skb[r3 + 4]"),
		D(0x48, 0, 3, 0, -4, "r0 = *(u16 *)skb[r3 + -4]"),
		D(0x40, 0, 7, 0, 0, "r0 = *(u32 *)skb[r7 + 0]"),
		/* Loads. */
		D(0x71, 0, 1, 2, 0, "r0 = *(u8 *)(r1 + 2)"),
		D(0x69, 0, 1, -4, 0, "r0 = *(u16 *)(r1 - 4)"),
		D(0x61, 2, 10, -8, 0, "r2 = *(u32 *)(r10 - 8)"),
		D(0x79, 3, 1, 0, 0, "r3 = *(u64 *)(r1 + 0)"),
		D(0x79, 3, 1, -32768, 0, "r3 = *(u64 *)(r1 - 32768)"),
		D(0x79, 3, 1, 32767, 0, "r3 = *(u64 *)(r1 + 32767)"),
		D(0x91, 0, 1, 2, 0, "r0 = *(s8 *)(r1 + 2)"),
		D(0x89, 4, 5, 6, 0, "r4 = *(s16 *)(r5 + 6)"),
		D(0x81, 9, 10, -4, 0, "r9 = *(s32 *)(r10 - 4)"),
		/* Stores of an immediate. */
		D(0x72, 10, 0, -1, 5, "*(u8 *)(r10 - 1) = 5"),
		D(0x6a, 1, 0, 2, -1, "*(u16 *)(r1 + 2) = -1"),
		D(0x62, 2, 0, 4, 100, "*(u32 *)(r2 + 4) = 100"),
		D(0x7a, 10, 0, -16, 7, "*(u64 *)(r10 - 16) = 7"),
		/* Stores of a register. */
		D(0x73, 1, 2, 0, 0, "*(u8 *)(r1 + 0) = r2"),
		D(0x6b, 1, 2, 6, 0, "*(u16 *)(r1 + 6) = r2"),
		D(0x63, 1, 2, -12, 0, "*(u32 *)(r1 - 12) = r2"),
		D(0x7b, 10, 1, -8, 0, "*(u64 *)(r10 - 8) = r1"),
	};

	CHECK_CASES(cases);
}

TEST(disasm_atomics)
{
	static const struct dcase cases[] = {
		D(0xdb, 1, 2, 0, 0x00, "lock *(u64 *)(r1 + 0) += r2"),
		D(0xdb, 1, 2, 8, 0x40, "lock *(u64 *)(r1 + 8) |= r2"),
		D(0xdb, 1, 2, -8, 0x50, "lock *(u64 *)(r1 - 8) &= r2"),
		D(0xdb, 10, 3, -16, 0xa0, "lock *(u64 *)(r10 - 16) ^= r3"),
		D(0xdb, 1, 2, 0, 0x01, "r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)"),
		D(0xdb, 1, 2, 0, 0x41, "r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)"),
		D(0xdb, 1, 2, 0, 0x51, "r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)"),
		D(0xdb, 1, 2, 0, 0xa1, "r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)"),
		D(0xdb, 1, 2, 0, 0xe1, "r2 = xchg((u64 *)(r1 + 0), r2)"),
		D(0xdb, 1, 2, 0, 0xf1, "r0 = cmpxchg((u64 *)(r1 + 0), r0, r2)"),
		D(0xc3, 1, 2, 4, 0x00, "lock *(u32 *)(r1 + 4) += r2"),
		D(0xc3, 1, 2, 4, 0x40, "lock *(u32 *)(r1 + 4) |= r2"),
		D(0xc3, 1, 2, 4, 0x50, "lock *(u32 *)(r1 + 4) &= r2"),
		D(0xc3, 1, 2, 4, 0xa0, "lock *(u32 *)(r1 + 4) ^= r2"),
		D(0xc3, 3, 4, -4, 0x01, "r4 = atomic_fetch_add((u32 *)(r3 - 4), r4)"),
		D(0xc3, 3, 4, -4, 0x41, "r4 = atomic_fetch_or((u32 *)(r3 - 4), r4)"),
		D(0xc3, 3, 4, -4, 0x51, "r4 = atomic_fetch_and((u32 *)(r3 - 4), r4)"),
		D(0xc3, 3, 4, -4, 0xa1, "r4 = atomic_fetch_xor((u32 *)(r3 - 4), r4)"),
		D(0xc3, 3, 4, -4, 0xe1, "r4 = xchg((u32 *)(r3 - 4), r4)"),
		D(0xc3, 10, 5, -4, 0xf1, "r0 = cmpxchg((u32 *)(r10 - 4), r0, r5)"),
		D(0xd3, 2, 10, -1, 0x100, "r2 = load_acquire((u8 *)(r10 - 1))"),
		D(0xcb, 10, 1, -2, 0x110, "store_release((u16 *)(r10 - 2), r1)"),
	};

	CHECK_CASES(cases);
}

TEST(disasm_invalid)
{
	struct bpf_insn bad[] = {
		INSN(0xff, 0, 0, 0, 0),
		INSN(0x95, 0, 0, 0, 1),
		INSN(0x07, 10, 0, 0, 1),
		INSN(0x18, 1, 0, 0, 1), /* lddw as the last instruction */
	};
	char buf[128];

	CHECK_EQ(exbpf_insn__disasm(bad, 4, 0, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_STR(buf, "<invalid: unknown opcode>");
	CHECK_EQ(exbpf_insn__disasm(bad, 4, 1, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_STR(buf, "<invalid: reserved imm field is not zero>");
	CHECK_EQ(exbpf_insn__disasm(bad, 4, 2, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_STR(buf, "<invalid: frame pointer r10 is read only>");
	CHECK_EQ(exbpf_insn__disasm(bad, 4, 3, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_STR(buf, "<invalid: lddw is missing its second slot>");
	CHECK_EQ(exbpf_insn__disasm(bad, 4, 4, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_STR(buf, "<invalid: instruction index past the end>");
	CHECK_EQ(exbpf_insn__disasm(bad, 4, (size_t)-1, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_CONTAINS(buf, "<invalid: ");
	CHECK_EQ(exbpf_insn__disasm(NULL, 4, 0, buf, sizeof(buf), NULL), -EINVAL);
	CHECK_CONTAINS(buf, "<invalid: ");
	/* Nowhere to write: refused, not dereferenced. */
	CHECK_EQ(exbpf_insn__disasm(bad, 4, 1, NULL, 16, NULL), -EINVAL);
}

/* A buffer too small gets a NUL-terminated prefix and nothing past its end; the return value
 * still describes the instruction. */
TEST(disasm_truncates)
{
	struct bpf_insn lddw[2] = {INSN(0x18, 1, 0, 0, 0x55667788), INSN(0, 0, 0, 0, 0x11223344)};
	const char *full = "r1 = 0x1122334455667788 ll";
	char buf[40];

	for (size_t size = 0; size <= strlen(full) + 1; size++) {
		memset(buf, 'X', sizeof(buf));
		CHECK_EQ(exbpf_insn__disasm(lddw, 2, 0, buf, size, NULL), 2);
		if (size) {
			CHECK_EQ(strlen(buf), size - 1);
			CHECK(!strncmp(buf, full, size - 1));
		}
		for (size_t i = size; i < sizeof(buf); i++)
			if (buf[i] != 'X') {
				test_fail(__FILE__, __LINE__, "size %zu: byte %zu written", size, i);
				break;
			}
	}

	/* The directive that crosses the end is cut, not dropped whole or overrun. */
	struct bpf_insn stx = INSN(0x7b, 10, 1, -8, 0);
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(exbpf_insn__disasm(&stx, 1, 0, buf, 15, NULL), 1);
	CHECK_STR(buf, "*(u64 *)(r10 -");
	CHECK_EQ(buf[15], 'X');

	/* Rejects truncate the same way. */
	struct bpf_insn bad = INSN(0xff, 0, 0, 0, 0);
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(exbpf_insn__disasm(&bad, 1, 0, buf, 8, NULL), -EINVAL);
	CHECK_STR(buf, "<invali");
	CHECK_EQ(buf[8], 'X');
	CHECK_EQ(exbpf_insn__disasm(&bad, 1, 0, NULL, 0, NULL), -EINVAL);
	CHECK_EQ(exbpf_insn__disasm(lddw, 2, 0, NULL, 0, NULL), 2);
}

/* Linux's verifier-log notation. Every expected text below is what Linux 6.18 printed in its
 * verifier log for the same instruction (tests/progs/verifier_log.bpf.c and the catalog it was
 * taken from), not what this disassembler produces. */
static void check_linux(const struct bpf_insn *insn, size_t cnt, int line, const char *want)
{
	EXBPF_OPTS(exbpf_disasm_opts, opts, .notation = EXBPF_DISASM_LINUX);
	char buf[128];
	int ret = exbpf_insn__disasm(insn, cnt, 0, buf, sizeof(buf), &opts);

	if (ret < 1 || strcmp(buf, want) != 0)
		test_fail(__FILE__, line, "got %d \"%s\", want \"%s\"", ret, buf, want);
}

TEST(disasm_linux_notation)
{
	static const struct dcase cases[] = {
		/* ALU: the same as llvm's */
		D(0x17, 1, 0, 0, -4, "r1 -= -4"),
		D(0x3f, 1, 2, 1, 0, "r1 s/= r2"),
		D(0x97, 1, 0, 1, 9, "r1 s%= 9"),
		D(0x9c, 1, 2, 1, 0, "w1 s%= w2"),
		D(0x84, 1, 0, 0, 0, "w1 = -w1"),
		D(0xb4, 1, 0, 0, -16, "w1 = -16"),
		D(0xbf, 1, 2, 32, 0, "r1 = (s32)r2"),
		D(0xbc, 1, 2, 8, 0, "w1 = (s8)w2"),
		D(0xd4, 1, 0, 0, 16, "r1 = le16 r1"),
		D(0xdc, 1, 0, 0, 64, "r1 = be64 r1"),
		D(0xd7, 1, 0, 0, 32, "r1 = bswap32 r1"),
		/* memory: "(r10 -8)", "(r3 +0)" */
		D(0x79, 2, 3, 0, 0, "r2 = *(u64 *)(r3 +0)"),
		D(0x61, 2, 3, 4, 0, "r2 = *(u32 *)(r3 +4)"),
		D(0x91, 2, 10, -15, 0, "r2 = *(s8 *)(r10 -15)"),
		D(0x81, 2, 10, -12, 0, "r2 = *(s32 *)(r10 -12)"),
		D(0x7b, 10, 1, -8, 0, "*(u64 *)(r10 -8) = r1"),
		D(0x62, 10, 0, -28, -1, "*(u32 *)(r10 -28) = -1"),
		D(0x72, 10, 0, -31, 3, "*(u8 *)(r10 -31) = 3"),
		D(0x30, 0, 0, 0, 1, "r0 = *(u8 *)skb[1]"),
		D(0x40, 0, 7, 0, 0, "r0 = *(u32 *)skb[r7 + 0]"),
		/* atomics: always rN, named after the kernel's atomic functions */
		D(0xc3, 10, 1, -12, 0x00, "lock *(u32 *)(r10 -12) += r1"),
		D(0xdb, 10, 1, -8, 0xa0, "lock *(u64 *)(r10 -8) ^= r1"),
		D(0xdb, 10, 1, -8, 0x01, "r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)"),
		D(0xc3, 10, 1, -12, 0x41, "r1 = atomic_fetch_or((u32 *)(r10 -12), r1)"),
		D(0xdb, 10, 1, -8, 0x51, "r1 = atomic64_fetch_and((u64 *)(r10 -8), r1)"),
		D(0xc3, 10, 1, -12, 0xa1, "r1 = atomic_fetch_xor((u32 *)(r10 -12), r1)"),
		D(0xdb, 10, 1, -8, 0xe1, "r1 = atomic64_xchg((u64 *)(r10 -8), r1)"),
		D(0xc3, 10, 1, -12, 0xe1, "r1 = atomic_xchg((u32 *)(r10 -12), r1)"),
		D(0xdb, 10, 1, -8, 0xf1, "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)"),
		D(0xc3, 10, 1, -12, 0xf1, "r0 = atomic_cmpxchg((u32 *)(r10 -12), r0, r1)"),
		D(0xdb, 2, 10, -8, 0x100, "r2 = load_acquire((u64 *)(r10 -8))"),
		D(0xc3, 10, 1, -4, 0x110, "store_release((u32 *)(r10 -4), r1)"),
		/* jumps: "pc+N", constants as their 32 bits in hex */
		D(0x15, 1, 0, 0, 1, "if r1 == 0x1 goto pc+0"),
		D(0x75, 1, 0, 0, -7, "if r1 s>= 0xfffffff9 goto pc+0"),
		D(0x1e, 1, 2, 0, 0, "if w1 == w2 goto pc+0"),
		D(0x25, 0, 0, -1, 5, "if r0 > 0x5 goto pc-1"),
		D(0x05, 0, 0, 0, 0, "goto pc+0"),
		D(0x05, 0, 0, -3, 0, "goto pc-3"),
		D(0xe5, 0, 0, 9, 0, "may_goto pc+9"),
		D(0x06, 0, 0, 0, 0, "gotol pc+0"),
		D(0x85, 0, 0, 0, 7, "call bpf_get_prandom_u32#7"),
		D(0x85, 0, 1, 0, 2, "call pc+2"),
		D(0x95, 0, 0, 0, 0, "exit"),
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_linux(&cases[i].insn, 1, cases[i].line, cases[i].text);

	/* lddw: a plain constant; map pointers hidden as 0x0, as Linux prints them to a loader
	 * that may not see kernel addresses (Linux printed 0xffff8881a26c2a00 here). */
	struct bpf_insn c[2] = {INSN(0x18, 1, 0, 0, 0x23456789), INSN(0, 0, 0, 0, 1)};
	struct bpf_insn m1[2] = {INSN(0x18, 2, 0, 0, -1), INSN(0, 0, 0, 0, -1)};
	struct bpf_insn map[2] = {INSN(0x18, 1, 5, 0, 0), INSN(0, 0, 0, 0, 0)};

	check_linux(c, 2, __LINE__, "r1 = 0x123456789");
	check_linux(m1, 2, __LINE__, "r2 = 0xffffffffffffffff");
	check_linux(map, 2, __LINE__, "r1 = 0x0");

	/* The default notation is untouched. */
	char buf[64];
	struct bpf_insn st = INSN(0x7b, 10, 1, -8, 0);

	CHECK_EQ(exbpf_insn__disasm(&st, 1, 0, buf, sizeof(buf), NULL), 1);
	CHECK_STR(buf, "*(u64 *)(r10 - 8) = r1");
}
