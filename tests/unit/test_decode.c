/* The decoder and the structural validator: every row of ISA_OPS decodes to itself, every
 * reserved field and bad register is refused, and the validator names the right instruction.
 * Expected opcode bytes and reasons are written from RFC 9669 and Linux, not from opcodes.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/isa.h>

#include "common/limits.h"
#include "isa/isa.h"
#include "testlib.h"

#define INSN(c, d, s, o, i)                                                                     \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* Every opcode byte RFC 9669 (plus Linux's callx-free, v4 extensions) defines, by hand. */
static const uint8_t valid_codes[] = {
	/* ALU64: K then X (no NEG X 0x8f, no END X 0xdf) */
	0x07, 0x17, 0x27, 0x37, 0x47, 0x57, 0x67, 0x77, 0x87, 0x97, 0xa7, 0xb7, 0xc7, 0xd7,
	0x0f, 0x1f, 0x2f, 0x3f, 0x4f, 0x5f, 0x6f, 0x7f, 0x9f, 0xaf, 0xbf, 0xcf,
	/* ALU: K then X (le is 0xd4, be 0xdc) */
	0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0xa4, 0xb4, 0xc4, 0xd4,
	0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, 0xbc, 0xcc, 0xdc,
	/* JMP: ja, conditions K/X, call, callx, exit, Linux's may_goto (BPF_JCOND) */
	0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d,
	0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0x85, 0x8d, 0x95, 0xe5,
	/* JMP32: gotol, conditions K/X; no call or exit */
	0x06, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e, 0x76, 0x7e,
	0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
	/* LD: lddw, abs w/h/b, ind w/h/b */
	0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
	/* LDX: mem w/h/b/dw, memsx w/h/b */
	0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
	/* ST, STX, atomic w/dw, then Linux's b/h (load-acquire and store-release only) */
	0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0xcb, 0xd3,
};

static bool is_valid_code(uint8_t code)
{
	for (size_t i = 0; i < sizeof(valid_codes); i++)
		if (valid_codes[i] == code)
			return true;
	return false;
}

/* A well-formed instance of row op: its opcode and variant, registers its flags allow (r1 as
 * dst, r2 as src), and nonzero operands where the row has them so that the decoder's copy of
 * each field is checked too. Returns the slot count. */
static int row_insn(int op, struct bpf_insn insn[2])
{
	const struct isa_desc *d = &isa_descs[op];

	memset(insn, 0, 2 * sizeof(*insn));
	insn[0].code = d->code;
	if (d->flags & (ISA_F_DST_R | ISA_F_DST_W))
		insn[0].dst_reg = 1;
	if (d->flags & ISA_F_SRC)
		insn[0].src_reg = 2;
	if (d->flags & (ISA_F_OFF_MEM | ISA_F_OFF_JMP | ISA_F_OFF_ANY))
		insn[0].off = -8;
	if (d->flags & (ISA_F_IMM | ISA_F_IMM_JMP | ISA_F_IMM_CALL))
		insn[0].imm = 3;
	switch (d->variant) {
	case ISA_VAR_OFF:
		insn[0].off = (int16_t)d->variant_value;
		break;
	case ISA_VAR_IMM:
		insn[0].imm = d->variant_value;
		break;
	case ISA_VAR_SRC:
		insn[0].src_reg = (uint8_t)d->variant_value;
		break;
	}
	if (d->flags & ISA_F_WIDE) {
		/* Maps by fd or index reserve the high word. */
		if (op != ISA_OP_LDDW_MAP_FD && op != ISA_OP_LDDW_MAP_IDX)
			insn[1].imm = 0x1234;
		return 2;
	}
	return 1;
}

TEST(decode_every_row)
{
	struct bpf_insn insn[2];
	struct isa_insn in;
	const char *why;

	for (int op = 0; op < ISA_OP_COUNT; op++) {
		int slots = row_insn(op, insn);
		why = NULL;
		int n = isa_decode(insn, 2, 0, &in, &why);
		if (n != slots || in.op != op) {
			test_fail(__FILE__, __LINE__, "row %s: decode returned %d op %d (%s)",
				  isa_descs[op].name, n, n > 0 ? in.op : -1, why ? why : "");
			continue;
		}
		CHECK_EQ(in.dst, insn[0].dst_reg);
		CHECK_EQ(in.src, insn[0].src_reg);
		CHECK_EQ(in.off, insn[0].off);
		CHECK_EQ(in.imm, insn[0].imm);
		/* A wide row cannot decode without its second slot. */
		if (slots == 2) {
			CHECK_EQ(isa_decode(insn, 1, 0, &in, &why), -EINVAL);
		}
	}
}

/* The table covers exactly the opcode bytes listed above: a byte without a row fails whatever
 * the other fields hold, and every listed byte has at least one row. */
TEST(decode_all_256_codes)
{
	static const struct bpf_insn fills[] = {
		INSN(0, 0, 0, 0, 0), INSN(0, 1, 2, 3, 4), INSN(0, 0, 1, 0, 0x10),
		INSN(0, 0, 0, 1, 16), INSN(0, 1, 0, 0, 0), INSN(0, 0, 0, 8, 0xf1),
	};
	struct isa_insn in;
	const char *why;

	for (int code = 0; code < 256; code++) {
		bool has_row = false;
		for (int op = 0; op < ISA_OP_COUNT; op++)
			has_row |= isa_descs[op].code == code;
		if (has_row != is_valid_code((uint8_t)code))
			test_fail(__FILE__, __LINE__, "opcode 0x%02x: row %s, RFC says %s", code,
				  has_row ? "present" : "absent",
				  is_valid_code((uint8_t)code) ? "valid" : "invalid");
		if (is_valid_code((uint8_t)code))
			continue;
		for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
			struct bpf_insn insn[2] = {fills[f], INSN(0, 0, 0, 0, 0)};
			insn[0].code = (uint8_t)code;
			why = NULL;
			if (isa_decode(insn, 2, 0, &in, &why) != -EINVAL)
				test_fail(__FILE__, __LINE__, "opcode 0x%02x fill %zu decoded", code, f);
			else
				CHECK_CONTAINS(why, "unknown opcode");
		}
	}
}

/* Encodings that select a variant, with the row each must land on, from the RFC's tables. */
TEST(decode_variants_by_hand)
{
	static const struct {
		struct bpf_insn insn;
		uint16_t op;
	} cases[] = {
		{INSN(0x3f, 1, 2, 0, 0), ISA_OP_ALU64_DIV_X},
		{INSN(0x3f, 1, 2, 1, 0), ISA_OP_ALU64_SDIV_X},
		{INSN(0x37, 1, 0, 1, 7), ISA_OP_ALU64_SDIV_K},
		{INSN(0x94, 1, 0, 1, 7), ISA_OP_ALU_SMOD_K},
		{INSN(0x9c, 1, 2, 0, 0), ISA_OP_ALU_MOD_X},
		{INSN(0xbf, 1, 2, 0, 0), ISA_OP_ALU64_MOV_X},
		{INSN(0xbf, 1, 2, 8, 0), ISA_OP_ALU64_MOVSX8},
		{INSN(0xbf, 1, 2, 16, 0), ISA_OP_ALU64_MOVSX16},
		{INSN(0xbf, 1, 2, 32, 0), ISA_OP_ALU64_MOVSX32},
		{INSN(0xbc, 1, 2, 8, 0), ISA_OP_ALU_MOVSX8},
		{INSN(0xbc, 1, 2, 16, 0), ISA_OP_ALU_MOVSX16},
		{INSN(0xd4, 1, 0, 0, 16), ISA_OP_LE16},
		{INSN(0xd4, 1, 0, 0, 64), ISA_OP_LE64},
		{INSN(0xdc, 1, 0, 0, 32), ISA_OP_BE32},
		{INSN(0xd7, 1, 0, 0, 16), ISA_OP_BSWAP16},
		{INSN(0xd7, 1, 0, 0, 64), ISA_OP_BSWAP64},
		{INSN(0x85, 0, 0, 0, 1), ISA_OP_CALL_HELPER},
		{INSN(0x85, 0, 1, 0, -1), ISA_OP_CALL_LOCAL},
		{INSN(0x85, 0, 2, 0, 1000), ISA_OP_CALL_KFUNC},
		{INSN(0x85, 0, 2, 3, 1000), ISA_OP_CALL_KFUNC}, /* off is the BTF fd index */
		{INSN(0x8d, 3, 0, 0, 0), ISA_OP_CALLX},
		{INSN(0x06, 0, 0, 0, -2), ISA_OP_JA32},
		{INSN(0xc3, 1, 2, 0, 0x00), ISA_OP_ATOMIC_W_ADD},
		{INSN(0xdb, 1, 2, 0, 0x41), ISA_OP_ATOMIC_DW_FETCH_OR},
		{INSN(0xdb, 1, 2, 0, 0xe1), ISA_OP_ATOMIC_DW_XCHG},
		{INSN(0xc3, 1, 2, 0, 0xf1), ISA_OP_ATOMIC_W_CMPXCHG},
		{INSN(0xdb, 1, 10, 0, 0xf1), ISA_OP_ATOMIC_DW_CMPXCHG}, /* writes r0, not src */
		{INSN(0x7b, 10, 1, -8, 0), ISA_OP_STX_DW},		 /* r10 as a base is fine */
		{INSN(0x72, 10, 0, -1, 5), ISA_OP_ST_B},
		{INSN(0x1d, 10, 10, 0, 0), ISA_OP_JMP_JEQ_X},	/* comparisons only read */
		{INSN(0x79, 0, 10, -8, 0), ISA_OP_LDX_DW},
		{INSN(0x91, 0, 1, 0, 0), ISA_OP_LDXS_B},
		{INSN(0x50, 0, 3, 0, 4), ISA_OP_LD_IND_B},
		{INSN(0x20, 0, 0, 0, 4), ISA_OP_LD_ABS_W},
	};
	struct isa_insn in;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = isa_decode(&cases[i].insn, 1, 0, &in, &why);
		if (n != 1 || in.op != cases[i].op)
			test_fail(__FILE__, __LINE__, "case %zu (code 0x%02x): got %d op %s (%s)", i,
				  cases[i].insn.code, n, n > 0 ? isa_descs[in.op].name : "-",
				  n < 0 ? why : "");
	}

	/* Each lddw pseudo kind, by src. */
	static const uint16_t lddw_ops[] = {
		ISA_OP_LDDW, ISA_OP_LDDW_MAP_FD, ISA_OP_LDDW_MAP_VALUE, ISA_OP_LDDW_BTF_ID,
		ISA_OP_LDDW_FUNC, ISA_OP_LDDW_MAP_IDX, ISA_OP_LDDW_MAP_IDX_VALUE,
	};
	for (uint8_t src = 0; src < 7; src++) {
		int32_t hi = src == ISA_PSEUDO_MAP_FD || src == ISA_PSEUDO_MAP_IDX ? 0 : 0x11223344;
		struct bpf_insn p[2] = {INSN(0x18, 1, src, 0, 0x55667788), INSN(0, 0, 0, 0, hi)};
		int n = isa_decode(p, 2, 0, &in, &why);
		CHECK_EQ(n, 2);
		CHECK_EQ(in.op, lddw_ops[src]);
		CHECK_EQ(in.imm64, ((uint64_t)(uint32_t)hi << 32) | 0x55667788u);
		CHECK_EQ(in.imm2, hi);
	}
	/* The low word is not sign-extended into the high one. */
	struct bpf_insn p[2] = {INSN(0x18, 1, 0, 0, -1), INSN(0, 0, 0, 0, 0)};
	CHECK_EQ(isa_decode(p, 2, 0, &in, &why), 2);
	CHECK_EQ(in.imm64, 0xffffffffull);
	/* Other instructions sign-extend imm. */
	struct bpf_insn k = INSN(0xb7, 1, 0, 0, -2);
	CHECK_EQ(isa_decode(&k, 1, 0, &in, &why), 1);
	CHECK_EQ(in.imm64, (uint64_t)-2);
}

struct bad_case {
	int line;
	struct bpf_insn insn[2];
	size_t cnt;
	const char *why;
};

#define BAD(insn0, reason) {__LINE__, {insn0, INSN(0, 0, 0, 0, 0)}, 1, reason}
#define BAD2(insn0, insn1, reason) {__LINE__, {insn0, insn1}, 2, reason}

TEST(decode_rejects)
{
	static const struct bad_case cases[] = {
		/* Reserved fields. */
		BAD(INSN(0x07, 1, 1, 0, 1), "reserved src_reg"),     /* add K with a src */
		BAD(INSN(0x0f, 1, 2, 0, 1), "reserved imm"),	     /* add X with an imm */
		BAD(INSN(0x07, 1, 0, 1, 1), "reserved off"),	     /* add with an off */
		BAD(INSN(0x04, 1, 0, -1, 1), "reserved off"),
		BAD(INSN(0xcf, 1, 2, 1, 0), "reserved off"),	     /* arsh X */
		BAD(INSN(0x95, 0, 0, 0, 1), "reserved imm"),	     /* exit */
		BAD(INSN(0x95, 1, 0, 0, 0), "reserved dst_reg"),
		BAD(INSN(0x95, 0, 1, 0, 0), "reserved src_reg"),
		BAD(INSN(0x95, 0, 0, 1, 0), "reserved off"),
		BAD(INSN(0x05, 1, 0, 0, 0), "reserved dst_reg"),     /* ja */
		BAD(INSN(0x05, 0, 1, 0, 0), "reserved src_reg"),
		BAD(INSN(0x05, 0, 0, 0, 1), "reserved imm"),
		BAD(INSN(0x06, 0, 0, 1, 0), "reserved off"),	     /* gotol */
		BAD(INSN(0x06, 1, 0, 0, 0), "reserved dst_reg"),
		BAD(INSN(0x87, 1, 0, 0, 1), "reserved imm"),	     /* neg */
		BAD(INSN(0x84, 1, 1, 0, 0), "reserved src_reg"),
		BAD(INSN(0x87, 1, 0, 1, 0), "reserved off"),
		BAD(INSN(0xb7, 1, 0, 8, 1), "reserved off"),	     /* movsx is X only */
		BAD(INSN(0xb4, 1, 1, 0, 1), "reserved src_reg"),
		BAD(INSN(0xbf, 1, 2, 0, 1), "reserved imm"),
		BAD(INSN(0xbc, 1, 2, 32, 0), "invalid off"),	     /* no 32-bit movsx32 */
		BAD(INSN(0xbf, 1, 2, 7, 0), "invalid off"),
		BAD(INSN(0x37, 1, 0, 2, 1), "invalid off"),	     /* div: off 0 or 1 */
		BAD(INSN(0x9c, 1, 2, -1, 0), "invalid off"),
		BAD(INSN(0xd4, 1, 0, 0, 8), "invalid imm"),	     /* le8 does not exist */
		BAD(INSN(0xd7, 1, 0, 0, 0), "invalid imm"),
		BAD(INSN(0xdc, 1, 0, 1, 16), "reserved off"),
		BAD(INSN(0xd4, 1, 1, 0, 16), "reserved src_reg"),
		BAD(INSN(0x15, 1, 1, 0, 0), "reserved src_reg"),     /* jeq K */
		BAD(INSN(0x1d, 1, 2, 0, 1), "reserved imm"),	     /* jeq X */
		BAD(INSN(0x16, 1, 1, 0, 0), "reserved src_reg"),
		BAD(INSN(0x85, 0, 0, 1, 1), "reserved off"),	     /* helper call */
		BAD(INSN(0x85, 1, 0, 0, 1), "reserved dst_reg"),
		BAD(INSN(0x85, 0, 1, 1, 1), "reserved off"),	     /* local call */
		BAD(INSN(0x85, 0, 3, 0, 1), "invalid src_reg"),      /* no pseudo kind 3 */
		BAD(INSN(0x8d, 1, 1, 0, 0), "reserved src_reg"),     /* callx */
		BAD(INSN(0x8d, 1, 0, 0, 1), "reserved imm"),
		BAD(INSN(0x61, 1, 2, 0, 1), "reserved imm"),	     /* ldx */
		BAD(INSN(0x81, 1, 2, 0, 1), "reserved imm"),	     /* ldxs */
		BAD(INSN(0x62, 1, 1, 0, 1), "reserved src_reg"),     /* st */
		BAD(INSN(0x63, 1, 2, 0, 1), "reserved imm"),	     /* stx mem: not atomic */
		BAD(INSN(0xdb, 1, 2, 0, 0x02), "invalid imm"),	     /* no atomic op 2 */
		BAD(INSN(0xc3, 1, 2, 0, 0xe0), "invalid imm"),	     /* xchg needs FETCH */
		BAD(INSN(0x30, 1, 0, 0, 1), "reserved dst_reg"),     /* ld_abs */
		BAD(INSN(0x30, 0, 1, 0, 1), "reserved src_reg"),
		BAD(INSN(0x30, 0, 0, 1, 1), "reserved off"),
		BAD(INSN(0x40, 1, 2, 0, 1), "reserved dst_reg"),     /* ld_ind */
		BAD(INSN(0x40, 0, 2, 1, 1), "reserved off"),
		BAD2(INSN(0x18, 1, 0, 1, 1), INSN(0, 0, 0, 0, 0), "reserved off"), /* lddw */
		BAD2(INSN(0x18, 1, 7, 0, 1), INSN(0, 0, 0, 0, 0), "invalid src_reg"),
		/* Registers: r10 is read only, r11-r15 do not exist. */
		BAD(INSN(0x07, 10, 0, 0, 1), "r10 is read only"),
		BAD(INSN(0xbf, 10, 1, 0, 0), "r10 is read only"),
		BAD(INSN(0xb4, 10, 0, 0, 0), "r10 is read only"),
		BAD(INSN(0x87, 10, 0, 0, 0), "r10 is read only"),
		BAD(INSN(0xd7, 10, 0, 0, 16), "r10 is read only"),
		BAD(INSN(0x79, 10, 1, 0, 0), "r10 is read only"),
		BAD2(INSN(0x18, 10, 0, 0, 1), INSN(0, 0, 0, 0, 0), "r10 is read only"),
		BAD(INSN(0xdb, 1, 10, 0, 0x01), "r10 is read only"), /* fetch writes src */
		BAD(INSN(0xc3, 1, 10, 0, 0xe1), "r10 is read only"),
		BAD(INSN(0x07, 11, 0, 0, 1), "invalid dst register"),
		BAD(INSN(0x0f, 1, 11, 0, 0), "invalid src register"),
		BAD(INSN(0x15, 11, 0, 0, 0), "invalid dst register"),
		BAD(INSN(0x7b, 15, 1, 0, 0), "invalid dst register"),
		BAD(INSN(0x7b, 1, 12, 0, 0), "invalid src register"),
		BAD(INSN(0x8d, 11, 0, 0, 0), "invalid dst register"),
		BAD(INSN(0x48, 0, 11, 0, 0), "invalid src register"),
		/* The second slot of lddw: all zero but imm, and present. */
		BAD2(INSN(0x18, 1, 0, 0, 1), INSN(0x18, 0, 0, 0, 0), "invalid second slot"),
		BAD2(INSN(0x18, 1, 0, 0, 1), INSN(0, 1, 0, 0, 0), "invalid second slot"),
		BAD2(INSN(0x18, 1, 0, 0, 1), INSN(0, 0, 1, 0, 0), "invalid second slot"),
		BAD2(INSN(0x18, 1, 0, 0, 1), INSN(0, 0, 0, 1, 0), "invalid second slot"),
		BAD(INSN(0x18, 1, 0, 0, 1), "missing its second slot"),
		/* Map by fd or index: the second imm is reserved (a map value's is the offset). */
		BAD2(INSN(0x18, 1, 1, 0, 1), INSN(0, 0, 0, 0, 4), "reserved imm of lddw's second"),
		BAD2(INSN(0x18, 1, 5, 0, 1), INSN(0, 0, 0, 0, -1), "reserved imm of lddw's second"),
	};
	struct isa_insn in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int n = isa_decode(cases[i].insn, cases[i].cnt, 0, &in, &why);
		if (n != -EINVAL)
			test_fail(__FILE__, cases[i].line, "decoded (%d) but should fail with \"%s\"",
				  n, cases[i].why);
		else if (!why || !strstr(why, cases[i].why))
			test_fail(__FILE__, cases[i].line, "reason \"%s\", want \"%s\"",
				  why ? why : "(null)", cases[i].why);
	}

	/* Index past the end; a NULL reason pointer is allowed. */
	struct bpf_insn exit_insn = INSN(0x95, 0, 0, 0, 0);
	const char *why = NULL;
	CHECK_EQ(isa_decode(&exit_insn, 1, 1, &in, &why), -EINVAL);
	CHECK(why != NULL);
	CHECK_EQ(isa_decode(&exit_insn, 0, 0, &in, NULL), -EINVAL);
	CHECK_EQ(isa_decode(&exit_insn, 1, 0, &in, NULL), 1);
}

/* A deterministic stream of junk: decode and disassembly agree and never misbehave. */
TEST(decode_random_junk)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct isa_insn in;
	char text[128];

	for (int i = 0; i < 200000; i++) {
		struct bpf_insn insn[2];
		for (int s = 0; s < 2; s++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(&insn[s], &x, sizeof(insn[s]));
		}
		/* Bias towards small fields so that most rows are reached, not just rejects. */
		if (i & 1) {
			insn[0].dst_reg &= 7;
			insn[0].src_reg &= 3;
			insn[0].off = (int16_t)(insn[0].off & 1);
			insn[0].imm &= 0x1;
			insn[1] = INSN(0, 0, 0, 0, insn[1].imm);
		}
		const char *why = NULL;
		int n = isa_decode(insn, 2, 0, &in, &why);
		memset(text, 'X', sizeof(text));
		int m = exbpf_insn__disasm(insn, 2, 0, text, sizeof(text), NULL);
		if (n != m || !memchr(text, '\0', sizeof(text))) {
			test_fail(__FILE__, __LINE__, "insn %016" PRIx64 ": decode %d disasm %d", x, n,
				  m);
			return;
		}
		if (n < 0 && (!why || strncmp(text, "<invalid: ", 10) != 0))
			test_fail(__FILE__, __LINE__, "bad reject text \"%s\"", text);
		if (n > 0 && (strchr(text, '?') || text[0] == '<'))
			test_fail(__FILE__, __LINE__, "bad text \"%s\"", text);
	}
}

/* Every row renders: no directive left unexpanded, and the register names it prints exist. */
TEST(disasm_every_row)
{
	struct bpf_insn insn[2];
	char text[128];

	for (int op = 0; op < ISA_OP_COUNT; op++) {
		int slots = row_insn(op, insn);
		int n = exbpf_insn__disasm(insn, 2, 0, text, sizeof(text), NULL);
		if (n != slots || !text[0] || strchr(text, '?') || strstr(text, "%d") ||
		    strstr(text, "%s") || strstr(text, "%i"))
			test_fail(__FILE__, __LINE__, "row %s: %d \"%s\"", isa_descs[op].name, n, text);
		/* 32-bit rows print w registers for their operands, 64-bit rows never do. */
		bool w32 = isa_descs[op].flags & ISA_F_W32;
		if (!w32 && strstr(text, "w1"))
			test_fail(__FILE__, __LINE__, "row %s: \"%s\" has w1", isa_descs[op].name, text);
		if (w32 && (isa_descs[op].flags & ISA_F_DST_W) && strncmp(text, "w1 ", 3) != 0)
			test_fail(__FILE__, __LINE__, "row %s: \"%s\"", isa_descs[op].name, text);
	}
}

/* ------------------------------------------------------------------ validation */

static int validate(const struct bpf_insn *insns, size_t cnt, char *log, size_t size)
{
	return exbpf_insns__validate(insns, cnt, log, size);
}

#define EXIT_I INSN(0x95, 0, 0, 0, 0)
#define MOV0 INSN(0xb7, 0, 0, 0, 0)
#define JA(o) INSN(0x05, 0, 0, (o), 0)
#define LDDW1(i) INSN(0x18, 1, 0, 0, (i))
#define LDDW2(i) INSN(0, 0, 0, 0, (i))

struct vcase {
	int line;
	struct bpf_insn insns[6];
	size_t cnt;
	const char *prefix; /* "insn N:" the log must start with */
	const char *what;   /* and contain */
};

#define V(prefix, what, cnt, ...) {__LINE__, {__VA_ARGS__}, cnt, prefix, what}

TEST(validate_rejects)
{
	static const struct vcase cases[] = {
		/* Jumps out of range, forward (target == cnt is already out) and backward. */
		V("insn 1:", "jump out of range", 3, MOV0, JA(1), EXIT_I),
		V("insn 1:", "jump out of range", 3, MOV0, JA(5), EXIT_I),
		V("insn 2:", "jump out of range", 4, MOV0, MOV0, JA(-4), EXIT_I),
		V("insn 0:", "jump out of range", 2, JA(-2), EXIT_I),
		V("insn 3:", "jump out of range", 5, MOV0, MOV0, MOV0,
		  INSN(0x15, 0, 0, 1, 0), EXIT_I),		/* jeq +1 from the one before last */
		V("insn 1:", "jump out of range", 3, MOV0, INSN(0x2e, 1, 2, -3, 0), EXIT_I),
		V("insn 0:", "jump out of range", 2, INSN(0x06, 0, 0, 0, 1), EXIT_I), /* gotol */
		V("insn 1:", "jump out of range", 2, MOV0, INSN(0x06, 0, 0, 0, -3)),
		/* Into the second slot of lddw. */
		V("insn 0:", "middle of lddw at insn 1", 4, JA(1), LDDW1(1), LDDW2(2), EXIT_I),
		V("insn 4:", "middle of lddw at insn 1", 5, MOV0, LDDW1(1), LDDW2(2), EXIT_I,
		  INSN(0x05, 0, 0, -3, 0)),
		V("insn 0:", "call into the middle of lddw at insn 2", 5,
		  INSN(0x85, 0, 1, 0, 2), EXIT_I, LDDW1(1), LDDW2(2), EXIT_I),
		/* Local calls and function pointers out of range. */
		V("insn 1:", "call out of range", 3, MOV0, INSN(0x85, 0, 1, 0, 1), EXIT_I),
		V("insn 1:", "call out of range", 3, MOV0, INSN(0x85, 0, 1, 0, -3), EXIT_I),
		V("insn 0:", "call out of range", 3, INSN(0x18, 1, 4, 0, 2), LDDW2(0), EXIT_I),
		V("insn 0:", "call out of range", 3, INSN(0x18, 1, 4, 0, -2), LDDW2(0), EXIT_I),
		V("insn 0:", "call into the middle of lddw at insn 0", 3, INSN(0x18, 1, 4, 0, 0),
		  LDDW2(0), EXIT_I),
		/* lddw without, or with a bad, second slot. */
		V("insn 1:", "missing its second slot", 2, MOV0, LDDW1(1)),
		V("insn 1:", "invalid second slot", 4, MOV0, LDDW1(1), EXIT_I, EXIT_I),
		V("insn 0:", "invalid second slot", 3, LDDW1(1), INSN(0, 0, 0, 0x10, 0), EXIT_I),
		/* Falling off the end. */
		V("insn 0:", "last insn is not an exit or jmp", 1, MOV0),
		V("insn 1:", "last insn is not an exit or jmp", 3, MOV0, LDDW1(1), LDDW2(0)),
		V("insn 1:", "last insn is not an exit or jmp", 2, MOV0, INSN(0x85, 0, 0, 0, 1)),
		V("insn 2:", "last insn is not an exit or jmp", 3, MOV0, JA(0),
		  INSN(0x15, 0, 0, -1, 0)),
		/* A decode error anywhere names that instruction. */
		V("insn 2:", "unknown opcode", 4, MOV0, MOV0, INSN(0xff, 0, 0, 0, 0), EXIT_I),
		V("insn 3:", "reserved imm", 4, MOV0, LDDW1(1), LDDW2(2), INSN(0x95, 0, 0, 0, 7)),
	};
	char log[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = validate(cases[i].insns, cases[i].cnt, log, sizeof(log));
		if (err != -EINVAL)
			test_fail(__FILE__, cases[i].line, "validate returned %d, log \"%s\"", err, log);
		else if (strncmp(log, cases[i].prefix, strlen(cases[i].prefix)) != 0 ||
			 !strstr(log, cases[i].what))
			test_fail(__FILE__, cases[i].line, "log \"%s\", want \"%s ... %s\"", log,
				  cases[i].prefix, cases[i].what);
	}
}

TEST(validate_accepts)
{
	static const struct vcase cases[] = {
		V("", "", 1, EXIT_I),
		V("", "", 1, JA(-1)),				/* an infinite loop is structural */
		V("", "", 2, MOV0, INSN(0x06, 0, 0, 0, -2)),	/* ends in gotol */
		V("", "", 3, MOV0, JA(0), EXIT_I),
		V("", "", 4, JA(2), LDDW1(1), LDDW2(2), EXIT_I), /* over lddw to its end */
		V("", "", 4, LDDW1(1), LDDW2(2), JA(-3), EXIT_I), /* back onto lddw's first slot */
		V("", "", 3, INSN(0x85, 0, 1, 0, 1), EXIT_I, EXIT_I),
		V("", "", 4, INSN(0x18, 1, 4, 0, 1), LDDW2(0), EXIT_I, EXIT_I),
		V("", "", 3, INSN(0x1d, 1, 2, 1, 0), MOV0, EXIT_I),
		V("", "", 3, LDDW1(-1), LDDW2(-1), EXIT_I),
	};
	char log[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(log, "junk");
		int err = validate(cases[i].insns, cases[i].cnt, log, sizeof(log));
		if (err != 0 || log[0])
			test_fail(__FILE__, cases[i].line, "validate returned %d, log \"%s\"", err, log);
	}
}

TEST(validate_edges)
{
	struct bpf_insn prog[2] = {MOV0, EXIT_I};
	char log[256];

	CHECK_EQ(validate(prog, 0, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "no instructions");
	CHECK_EQ(validate(NULL, 5, log, sizeof(log)), -EINVAL);
	CHECK_CONTAINS(log, "no instructions");
	/* No log buffer, or a tiny one, is fine. */
	CHECK_EQ(validate(prog, 1, NULL, 0), -EINVAL);
	CHECK_EQ(validate(prog, 2, NULL, 0), 0);
	char tiny[4] = "abc";
	CHECK_EQ(validate(prog, 1, tiny, sizeof(tiny)), -EINVAL);
	CHECK_STR(tiny, "ins");

	/* One past Linux's limit is refused before anything is read. */
	size_t big = (size_t)BPF_MAX_INSNS + 1;
	struct bpf_insn *many = calloc(big, sizeof(*many));
	CHECK(many != NULL);
	if (!many)
		return;
	for (size_t i = 0; i < big; i++)
		many[i] = EXIT_I;
	CHECK_EQ(validate(many, big, log, sizeof(log)), -E2BIG);
	CHECK_EQ(validate(many, big - 1, log, sizeof(log)), 0);
	free(many);
}

TEST(decode_branch_target)
{
	struct isa_insn in;
	struct bpf_insn ja = JA(-3), gotol = INSN(0x06, 0, 0, 0, 7), call = INSN(0x85, 0, 1, 0, -5);

	CHECK_EQ(isa_decode(&ja, 1, 0, &in, NULL), 1);
	CHECK_EQ(isa_branch_target(&in, 10), 8);
	CHECK_EQ(isa_decode(&gotol, 1, 0, &in, NULL), 1);
	CHECK_EQ(isa_branch_target(&in, 10), 18);
	CHECK_EQ(isa_decode(&call, 1, 0, &in, NULL), 1);
	CHECK_EQ(isa_branch_target(&in, 10), 6);
	/* A function pointer counts from the first slot through imm, as a local call does. */
	struct bpf_insn func[2] = {INSN(0x18, 1, 4, 0, 4), LDDW2(0)};
	CHECK_EQ(isa_decode(func, 2, 0, &in, NULL), 2);
	CHECK_EQ(isa_branch_target(&in, 10), 15);
}
