/* The bpf_conformance assembler: gcc/binutils-style BPF text (`mov32 %r0, 1`,
 * `ldxw %r0, [%r1+4]`, `jne %r0, 7, fail`) to instructions. Two passes: labels, then code.
 * Every mnemonic names rows of ISA_OPS, and the encoding (opcode byte, and the off, imm or src
 * that selects a variant) is read from isa_descs[], so the assembler cannot disagree with the
 * decoder. Quirk kept from upstream: `exit` names the first exit instruction unless a label
 * says otherwise. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "isa/isa.h"

#define ASM_MAX_OPERANDS 3
#define ASM_MAX_TOKEN 64
#define ASM_MAX_LINE 512

struct asm_label {
	char name[ASM_MAX_TOKEN];
	size_t insn;
};

struct asm_ctx {
	struct log *log;
	size_t line;
	struct asm_label *labels;
	size_t nlabels, labels_cap;
	struct bpf_insn *out;
	size_t cnt, cap;
	int64_t first_exit; /* index of the first exit, for the implicit label */
};

/* One source line split into a mnemonic (words joined by one space) and its operands. */
struct asm_line {
	char mnem[ASM_MAX_TOKEN];
	char ops[ASM_MAX_OPERANDS][ASM_MAX_TOKEN];
	int nops;
};

/* How a mnemonic's operands look. */
enum asm_form {
	FORM_ALU,	 /* %dst, %src|imm */
	FORM_NEG,	 /* %dst */
	FORM_MOVSX,	 /* %dst, %src */
	FORM_ENDIAN,	 /* %dst */
	FORM_LDX,	 /* %dst, [%src+off] */
	FORM_ST,	 /* [%dst+off], imm */
	FORM_STX,	 /* [%dst+off], %src (also atomics) */
	FORM_JCOND,	 /* %dst, %src|imm, +off|label */
	FORM_JA,	 /* +off|label */
	FORM_JA32,	 /* +imm|label */
	FORM_CALL,	 /* helper id or %reg */
	FORM_CALL_LOCAL, /* +imm|label */
	FORM_EXIT,
	FORM_LDDW, /* %dst, imm64 */
};

/* A mnemonic and its rows: [0] 64-bit immediate form, [1] 64-bit register form, [2] and [3]
 * the same for the `32` suffix. Forms without a source choice use [0] (and [2]). */
struct asm_mnem {
	const char *name;
	uint8_t form;
	bool has32; /* takes a `32` suffix selecting [2]/[3] */
	uint16_t op[4];
};

#define OP(ID) ISA_OP_##ID
#define M_ALU(NAME, ID)                                                                         \
	{NAME, FORM_ALU, true,                                                                  \
	 {OP(ALU64_##ID##_K), OP(ALU64_##ID##_X), OP(ALU_##ID##_K), OP(ALU_##ID##_X)}}
#define M_JMP(NAME, ID)                                                                         \
	{NAME, FORM_JCOND, true,                                                                \
	 {OP(JMP_##ID##_K), OP(JMP_##ID##_X), OP(JMP32_##ID##_K), OP(JMP32_##ID##_X)}}
#define M_ATOMIC(NAME, ID)                                                                      \
	{NAME, FORM_STX, true, {OP(ATOMIC_DW_##ID), 0, OP(ATOMIC_W_##ID), 0}}
#define M_ONE(NAME, FORM, ID) {NAME, FORM, false, {OP(ID), 0, 0, 0}}
#define M_MEM(SZ, NAME_SZ)                                                                      \
	M_ONE("ldx" NAME_SZ, FORM_LDX, LDX_##SZ), M_ONE("st" NAME_SZ, FORM_ST, ST_##SZ),        \
		M_ONE("stx" NAME_SZ, FORM_STX, STX_##SZ)

static const struct asm_mnem mnems[] = {
	M_ALU("add", ADD),
	M_ALU("sub", SUB),
	M_ALU("mul", MUL),
	M_ALU("div", DIV),
	M_ALU("sdiv", SDIV),
	M_ALU("mod", MOD),
	M_ALU("smod", SMOD),
	M_ALU("or", OR),
	M_ALU("and", AND),
	M_ALU("lsh", LSH),
	M_ALU("rsh", RSH),
	M_ALU("arsh", ARSH),
	M_ALU("xor", XOR),
	M_ALU("mov", MOV),
	{"neg", FORM_NEG, true, {OP(ALU64_NEG), 0, OP(ALU_NEG), 0}},
	/* movsx<from><register width> */
	M_ONE("movsx832", FORM_MOVSX, ALU_MOVSX8),
	M_ONE("movsx1632", FORM_MOVSX, ALU_MOVSX16),
	M_ONE("movsx864", FORM_MOVSX, ALU64_MOVSX8),
	M_ONE("movsx1664", FORM_MOVSX, ALU64_MOVSX16),
	M_ONE("movsx3264", FORM_MOVSX, ALU64_MOVSX32),
	M_ONE("le16", FORM_ENDIAN, LE16),
	M_ONE("le32", FORM_ENDIAN, LE32),
	M_ONE("le64", FORM_ENDIAN, LE64),
	M_ONE("be16", FORM_ENDIAN, BE16),
	M_ONE("be32", FORM_ENDIAN, BE32),
	M_ONE("be64", FORM_ENDIAN, BE64),
	M_ONE("bswap16", FORM_ENDIAN, BSWAP16),
	M_ONE("bswap32", FORM_ENDIAN, BSWAP32),
	M_ONE("bswap64", FORM_ENDIAN, BSWAP64),
	M_ONE("swap16", FORM_ENDIAN, BSWAP16),
	M_ONE("swap32", FORM_ENDIAN, BSWAP32),
	M_ONE("swap64", FORM_ENDIAN, BSWAP64),
	M_MEM(B, "b"),
	M_MEM(H, "h"),
	M_MEM(W, "w"),
	M_MEM(DW, "dw"),
	M_ONE("ldxsb", FORM_LDX, LDXS_B),
	M_ONE("ldxsh", FORM_LDX, LDXS_H),
	M_ONE("ldxsw", FORM_LDX, LDXS_W),
	M_ONE("lddw", FORM_LDDW, LDDW),
	M_ATOMIC("lock add", ADD),
	M_ATOMIC("lock or", OR),
	M_ATOMIC("lock and", AND),
	M_ATOMIC("lock xor", XOR),
	M_ATOMIC("lock fetch add", FETCH_ADD),
	M_ATOMIC("lock fetch or", FETCH_OR),
	M_ATOMIC("lock fetch and", FETCH_AND),
	M_ATOMIC("lock fetch xor", FETCH_XOR),
	M_ATOMIC("lock xchg", XCHG),
	M_ATOMIC("lock cmpxchg", CMPXCHG),
	M_ONE("ja", FORM_JA, JA),
	M_ONE("ja32", FORM_JA32, JA32),
	M_ONE("may_goto", FORM_JA, MAY_GOTO),
	M_JMP("jeq", JEQ),
	M_JMP("jne", JNE),
	M_JMP("jgt", JGT),
	M_JMP("jge", JGE),
	M_JMP("jlt", JLT),
	M_JMP("jle", JLE),
	M_JMP("jset", JSET),
	M_JMP("jsgt", JSGT),
	M_JMP("jsge", JSGE),
	M_JMP("jslt", JSLT),
	M_JMP("jsle", JSLE),
	{"call", FORM_CALL, false, {OP(CALL_HELPER), OP(CALLX), 0, 0}},
	M_ONE("call local", FORM_CALL_LOCAL, CALL_LOCAL),
	M_ONE("exit", FORM_EXIT, EXIT),
};

static int asm_err(struct asm_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int asm_err(struct asm_ctx *c, const char *fmt, ...)
{
	va_list ap;

	log_printf(c->log, "line %zu: ", c->line);
	va_start(ap, fmt);
	log_vprintf(c->log, fmt, ap);
	va_end(ap);
	log_printf(c->log, "\n");
	return -EINVAL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const struct asm_mnem *find_mnem(const char *name, bool *is32)
{
	char base[ASM_MAX_TOKEN];
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(mnems) / sizeof(mnems[0]); i++) {
		if (!strcmp(name, mnems[i].name)) {
			*is32 = false;
			return &mnems[i];
		}
	}
	/* Exact names come first: le32, ja32 and movsx832 are not suffixed forms. */
	if (n <= 2 || n >= sizeof(base) || strcmp(name + n - 2, "32"))
		return NULL;
	memcpy(base, name, n - 2);
	base[n - 2] = '\0';
	for (size_t i = 0; i < sizeof(mnems) / sizeof(mnems[0]); i++) {
		if (mnems[i].has32 && !strcmp(base, mnems[i].name)) {
			*is32 = true;
			return &mnems[i];
		}
	}
	return NULL;
}

/* Length of the word at p (up to blank or comma). */
static size_t word_len(const char *p)
{
	size_t n = 0;

	while (p[n] && !isspace((unsigned char)p[n]) && p[n] != ',')
		n++;
	return n;
}

static const char *skip_blanks(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Appends the word [w, w+n) to the mnemonic, joining words with one space. */
static int mnem_append(struct asm_ctx *c, struct asm_line *l, const char *w, size_t n)
{
	size_t len = strlen(l->mnem), sep = len ? 1 : 0;

	if (len + sep + n >= sizeof(l->mnem))
		return asm_err(c, "mnemonic too long: '%.*s'", (int)n, w);
	if (sep)
		l->mnem[len++] = ' ';
	memcpy(l->mnem + len, w, n);
	l->mnem[len + n] = '\0';
	return 0;
}

/* Reads the mnemonic: one word, except that `lock` takes every following alphanumeric word
 * (`lock fetch add32`) and `call` takes a following `local`. Returns the rest of the line. */
static const char *split_mnem(struct asm_ctx *c, const char *p, struct asm_line *l)
{
	size_t n = word_len(p);

	if (mnem_append(c, l, p, n))
		return NULL;
	bool lock = !strcmp(l->mnem, "lock"), call = !strcmp(l->mnem, "call");
	p += n;
	while (lock || call) {
		const char *w = skip_blanks(p);
		size_t wn = word_len(w);
		bool alnum = wn > 0;
		for (size_t i = 0; i < wn; i++)
			alnum = alnum && isalnum((unsigned char)w[i]);
		if (!alnum || (call && (wn != 5 || strncmp(w, "local", 5))))
			break;
		if (mnem_append(c, l, w, wn))
			return NULL;
		p = w + wn;
		call = false;
	}
	return p;
}

/* Splits "lock fetch add32 [%r10-8], %r1" into mnemonic and comma-separated operands. */
static int split_line(struct asm_ctx *c, const char *text, struct asm_line *l)
{
	memset(l, 0, sizeof(*l));
	const char *p = split_mnem(c, text, l);
	if (!p)
		return -EINVAL;
	p = skip_blanks(p);
	while (*p) {
		if (l->nops == ASM_MAX_OPERANDS)
			return asm_err(c, "too many operands for '%s'", l->mnem);
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char tmp[ASM_MAX_TOKEN];
		if (len >= sizeof(tmp))
			return asm_err(c, "operand too long: '%.40s...'", p);
		memcpy(tmp, p, len);
		tmp[len] = '\0';
		char *op = trim(tmp);
		if (!*op)
			return asm_err(c, "empty operand in '%s'", l->mnem);
		strcpy(l->ops[l->nops++], op);
		p = end ? end + 1 : p + len;
		if (end && !*skip_blanks(p))
			return asm_err(c, "trailing comma in '%s'", l->mnem);
	}
	return 0;
}

static int parse_reg(struct asm_ctx *c, const char *s, uint8_t *out)
{
	size_t n = strlen(s);

	if (n < 3 || s[0] != '%' || s[1] != 'r')
		return asm_err(c, "expected a register %%r0..%%r10, got '%s'", s);
	unsigned v = 0;
	for (size_t i = 2; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || n > 4)
			return asm_err(c, "invalid register '%s'", s);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	/* %r01 is not a register name either. */
	if (v > 10 || (n == 4 && s[2] == '0'))
		return asm_err(c, "invalid register '%s'", s);
	*out = (uint8_t)v;
	return 0;
}

/* Decimal or 0x hex, optionally signed, as sign and magnitude. A leading 0 does not mean octal:
 * the files write decimal. */
static int parse_num(struct asm_ctx *c, const char *s, bool *neg, uint64_t *mag)
{
	const char *p = s;
	unsigned base = 10;
	uint64_t v = 0;

	*neg = false;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return asm_err(c, "expected a number, got '%s'", s);
	for (; isxdigit((unsigned char)*p); p++) {
		unsigned d = isdigit((unsigned char)*p) ? (unsigned)(*p - '0')
							: (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return asm_err(c, "number '%s' is out of range for 64 bits", s);
		v = v * base + d;
	}
	if (*p)
		return asm_err(c, "trailing characters after the number in '%s'", s);
	*mag = v;
	return 0;
}

/* A value of a signed `bits`-wide field. With `wrap`, an unsigned one up to 2^bits - 1 is
 * taken as its bit pattern too: an immediate 0xffffffff is -1. */
static int parse_ranged(struct asm_ctx *c, const char *s, int bits, bool wrap, const char *what,
			int64_t *out)
{
	uint64_t half = (uint64_t)1 << (bits - 1);
	bool neg;
	uint64_t mag;

	if (parse_num(c, s, &neg, &mag))
		return -EINVAL;
	if (neg && mag <= half) {
		*out = mag ? -(int64_t)(mag - 1) - 1 : 0;
		return 0;
	}
	if (!neg && mag < half) {
		*out = (int64_t)mag;
		return 0;
	}
	if (!neg && wrap && mag < 2 * half) {
		*out = (int64_t)mag - (int64_t)(2 * half);
		return 0;
	}
	return asm_err(c, "%s '%s' is out of range for %d bits", what, s, bits);
}

static int parse_imm32(struct asm_ctx *c, const char *s, int32_t *out)
{
	int64_t v = 0;

	if (parse_ranged(c, s, 32, true, "immediate", &v))
		return -EINVAL;
	*out = (int32_t)v;
	return 0;
}

/* lddw: any 64-bit pattern, or a negative number down to INT64_MIN. */
static int parse_imm64(struct asm_ctx *c, const char *s, uint64_t *out)
{
	bool neg;
	uint64_t mag;

	if (parse_num(c, s, &neg, &mag))
		return -EINVAL;
	if (neg && mag > (uint64_t)INT64_MAX + 1)
		return asm_err(c, "immediate '%s' is out of range for 64 bits", s);
	*out = neg ? 0 - mag : mag;
	return 0;
}

/* "[%r10-8]", "[%r1+0x2]", "[%r1]", blanks allowed inside. */
static int parse_mem(struct asm_ctx *c, const char *s, uint8_t *reg, int16_t *off)
{
	size_t n = strlen(s);
	char buf[ASM_MAX_TOKEN];
	int64_t v = 0;

	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return asm_err(c, "expected a memory operand [%%rN+off], got '%s'", s);
	memcpy(buf, s + 1, n - 2);
	buf[n - 2] = '\0';
	char *sign = strpbrk(buf, "+-");
	if (sign) {
		char off_text[ASM_MAX_TOKEN];
		size_t k = 0;
		/* "- 0x8" -> "-0x8": the sign may stand apart from its digits. */
		for (const char *q = sign; *q; q++)
			if (!isspace((unsigned char)*q) || q == sign)
				off_text[k++] = *q;
		off_text[k] = '\0';
		*sign = '\0';
		if (parse_ranged(c, trim(off_text), 16, false, "memory offset", &v))
			return -EINVAL;
	}
	if (parse_reg(c, trim(buf), reg))
		return -EINVAL;
	*off = (int16_t)v;
	return 0;
}

static int find_label(struct asm_ctx *c, const char *name, size_t *out)
{
	for (size_t i = 0; i < c->nlabels; i++) {
		if (!strcmp(c->labels[i].name, name)) {
			*out = c->labels[i].insn;
			return 0;
		}
	}
	if (!strcmp(name, "exit") && c->first_exit >= 0) {
		*out = (size_t)c->first_exit;
		return 0;
	}
	return asm_err(c, "undefined label '%s'", name);
}

/* A jump or call target, "+3", "-2" or a label, as an offset from the next instruction that
 * must fit in `bits` (16 or 32) signed bits. */
static int parse_target(struct asm_ctx *c, const char *s, int bits, int64_t *out)
{
	int64_t lim = bits == 16 ? INT16_MAX : INT32_MAX, rel;
	bool neg;
	uint64_t mag;

	if (s[0] == '+' || s[0] == '-' || isdigit((unsigned char)s[0])) {
		if (parse_num(c, s, &neg, &mag))
			return -EINVAL;
		if (mag > (uint64_t)lim + neg)
			return asm_err(c, "jump offset '%s' is out of range for %d bits", s, bits);
		rel = neg ? -(int64_t)mag : (int64_t)mag;
	} else {
		size_t target = 0;
		if (find_label(c, s, &target))
			return -EINVAL;
		rel = (int64_t)target - (int64_t)c->cnt - 1;
		if (rel < -lim - 1 || rel > lim)
			return asm_err(c, "jump offset %" PRId64 " to '%s' is out of range for %d bits",
				       rel, s, bits);
	}
	*out = rel;
	return 0;
}

/* Appends row op with the given fields, plus the field that selects the row's variant. */
static int emit(struct asm_ctx *c, uint16_t op, uint8_t dst, uint8_t src, int16_t off,
		int32_t imm)
{
	const struct isa_desc *d = &isa_descs[op];

	switch (d->variant) {
	case ISA_VAR_OFF:
		off = (int16_t)d->variant_value;
		break;
	case ISA_VAR_IMM:
		imm = d->variant_value;
		break;
	case ISA_VAR_SRC:
		src = (uint8_t)d->variant_value;
		break;
	default:
		break;
	}
	if (ARRAY_RESERVE(c->out, c->cap, c->cnt + 1))
		return -ENOMEM;
	c->out[c->cnt++] = (struct bpf_insn){
		.code = d->code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return 0;
}

static int want_ops(struct asm_ctx *c, const struct asm_line *l, int n)
{
	if (l->nops != n)
		return asm_err(c, "'%s' takes %d operand%s, got %d", l->mnem, n, n == 1 ? "" : "s",
			       l->nops);
	return 0;
}

static bool is_reg(const char *s)
{
	return s[0] == '%';
}

/* %dst, %src|imm: picks the K or X row. */
static int asm_alu(struct asm_ctx *c, const struct asm_line *l, const uint16_t *ops)
{
	uint8_t dst, src;
	int32_t imm;

	if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst))
		return -EINVAL;
	if (is_reg(l->ops[1])) {
		if (parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		return emit(c, ops[1], dst, src, 0, 0);
	}
	if (parse_imm32(c, l->ops[1], &imm))
		return -EINVAL;
	return emit(c, ops[0], dst, 0, 0, imm);
}

static int asm_jcond(struct asm_ctx *c, const struct asm_line *l, const uint16_t *ops)
{
	uint8_t dst, src = 0;
	int32_t imm = 0;
	int64_t off;

	if (want_ops(c, l, 3) || parse_reg(c, l->ops[0], &dst))
		return -EINVAL;
	bool x = is_reg(l->ops[1]);
	if (x ? parse_reg(c, l->ops[1], &src) : parse_imm32(c, l->ops[1], &imm))
		return -EINVAL;
	if (parse_target(c, l->ops[2], 16, &off))
		return -EINVAL;
	return emit(c, ops[x], dst, src, (int16_t)off, imm);
}

static int asm_call(struct asm_ctx *c, const struct asm_line *l, const uint16_t *ops)
{
	uint8_t reg;
	int32_t id;

	if (want_ops(c, l, 1))
		return -EINVAL;
	/* callx names its register in dst, as Linux and LLVM encode it. */
	if (is_reg(l->ops[0])) {
		if (parse_reg(c, l->ops[0], &reg))
			return -EINVAL;
		return emit(c, ops[1], reg, 0, 0, 0);
	}
	if (parse_imm32(c, l->ops[0], &id))
		return -EINVAL;
	return emit(c, ops[0], 0, 0, 0, id);
}

static int asm_lddw(struct asm_ctx *c, const struct asm_line *l, uint16_t op)
{
	uint8_t dst;
	uint64_t v = 0;

	if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) || parse_imm64(c, l->ops[1], &v))
		return -EINVAL;
	if (emit(c, op, dst, 0, 0, (int32_t)(uint32_t)v))
		return -ENOMEM;
	/* The second slot is all zero but for the high word. */
	if (ARRAY_RESERVE(c->out, c->cap, c->cnt + 1))
		return -ENOMEM;
	c->out[c->cnt++] = (struct bpf_insn){.imm = (int32_t)(uint32_t)(v >> 32)};
	return 0;
}

/* Forms with a single register and/or memory operand. */
static int asm_simple(struct asm_ctx *c, const struct asm_line *l, int form, uint16_t op)
{
	uint8_t dst = 0, src = 0;
	int16_t off = 0;
	int32_t imm = 0;
	int64_t rel;

	switch (form) {
	case FORM_NEG:
	case FORM_ENDIAN:
		if (want_ops(c, l, 1) || parse_reg(c, l->ops[0], &dst))
			return -EINVAL;
		break;
	case FORM_MOVSX:
		if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
		    parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		break;
	case FORM_LDX:
		if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
		    parse_mem(c, l->ops[1], &src, &off))
			return -EINVAL;
		break;
	case FORM_ST:
		if (want_ops(c, l, 2) || parse_mem(c, l->ops[0], &dst, &off) ||
		    parse_imm32(c, l->ops[1], &imm))
			return -EINVAL;
		break;
	case FORM_STX:
		if (want_ops(c, l, 2) || parse_mem(c, l->ops[0], &dst, &off) ||
		    parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		break;
	case FORM_JA:
		if (want_ops(c, l, 1) || parse_target(c, l->ops[0], 16, &rel))
			return -EINVAL;
		off = (int16_t)rel;
		break;
	case FORM_JA32:
	case FORM_CALL_LOCAL:
		if (want_ops(c, l, 1) || parse_target(c, l->ops[0], 32, &rel))
			return -EINVAL;
		imm = (int32_t)rel;
		break;
	default: /* FORM_EXIT */
		if (want_ops(c, l, 0))
			return -EINVAL;
		break;
	}
	return emit(c, op, dst, src, off, imm);
}

static int asm_insn(struct asm_ctx *c, const struct asm_line *l)
{
	bool is32;
	const struct asm_mnem *m = find_mnem(l->mnem, &is32);

	if (!m) {
		if (!strncmp(l->mnem, "lock", 4) && (!l->mnem[4] || l->mnem[4] == ' '))
			return asm_err(c, "unknown atomic instruction '%s'", l->mnem);
		return asm_err(c, "unknown instruction '%s'", l->mnem);
	}
	const uint16_t *ops = &m->op[is32 ? 2 : 0];
	switch (m->form) {
	case FORM_ALU:
		return asm_alu(c, l, ops);
	case FORM_JCOND:
		return asm_jcond(c, l, ops);
	case FORM_CALL:
		return asm_call(c, l, ops);
	case FORM_LDDW:
		return asm_lddw(c, l, ops[0]);
	default:
		return asm_simple(c, l, m->form, ops[0]);
	}
}

/* Slots an instruction line occupies, for the label pass. */
static size_t line_slots(const char *text)
{
	return !strncmp(text, "lddw", 4) && isspace((unsigned char)text[4]) ? 2 : 1;
}

static bool is_label(const char *text, size_t *name_len)
{
	size_t n = strlen(text);

	if (n < 2 || text[n - 1] != ':')
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (!isalnum((unsigned char)text[i]) && text[i] != '_' && text[i] != '.')
			return false;
	}
	*name_len = n - 1;
	return true;
}

/* Calls fn on every non-empty line with comments removed; stops at the first error. */
static int for_each_line(struct asm_ctx *c, const char *text,
			 int (*fn)(struct asm_ctx *c, char *line, size_t *slot), size_t *slot)
{
	const char *p = text;

	c->line = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char buf[ASM_MAX_LINE];

		c->line++;
		if (len >= sizeof(buf))
			return asm_err(c, "line too long (over %d characters)", ASM_MAX_LINE - 1);
		memcpy(buf, p, len);
		buf[len] = '\0';
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *line = trim(buf);
		if (*line) {
			int err = fn(c, line, slot);
			if (err)
				return err;
		}
		p = eol ? eol + 1 : p + len;
	}
	return 0;
}

static int pass_labels(struct asm_ctx *c, char *line, size_t *slot)
{
	size_t n;

	if (is_label(line, &n)) {
		if (n >= ASM_MAX_TOKEN)
			return asm_err(c, "label too long: '%.40s...'", line);
		line[n] = '\0';
		for (size_t i = 0; i < c->nlabels; i++) {
			if (!strcmp(c->labels[i].name, line))
				return asm_err(c, "duplicate label '%s'", line);
		}
		if (ARRAY_RESERVE(c->labels, c->labels_cap, c->nlabels + 1))
			return -ENOMEM;
		struct asm_label *lab = &c->labels[c->nlabels++];
		strcpy(lab->name, line);
		lab->insn = *slot;
		return 0;
	}
	if (!strcmp(line, "exit") && c->first_exit < 0)
		c->first_exit = (int64_t)*slot;
	*slot += line_slots(line);
	return 0;
}

static int pass_code(struct asm_ctx *c, char *line, size_t *slot)
{
	size_t n;
	struct asm_line l;

	(void)slot;
	if (is_label(line, &n))
		return 0;
	if (split_line(c, line, &l))
		return -EINVAL;
	return asm_insn(c, &l);
}

int exbpf_asm__parse(const char *text, struct bpf_insn **out_insns, size_t *out_cnt,
		     char *log_buf, size_t log_size)
{
	struct log log;
	struct asm_ctx c = {.log = &log, .first_exit = -1};
	size_t slots = 0;

	log_init(&log, log_buf, log_size);
	if (!text || !out_insns || !out_cnt) {
		log_printf(&log, "no text or no output\n");
		return -EINVAL;
	}
	int err = for_each_line(&c, text, pass_labels, &slots);
	if (!err)
		err = for_each_line(&c, text, pass_code, &slots);
	if (!err && c.cnt == 0) {
		log_printf(&log, "no instructions\n");
		err = -EINVAL;
	}
	free(c.labels);
	if (err) {
		free(c.out);
		return err;
	}
	*out_insns = c.out;
	*out_cnt = c.cnt;
	return 0;
}
