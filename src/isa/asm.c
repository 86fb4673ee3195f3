/* The bpf_conformance assembler: gcc/binutils-style BPF text (`mov32 %r0, 1`,
 * `ldxw %r0, [%r1+4]`, `jne %r0, 7, fail`) to instructions. Two passes: labels, then code.
 * Quirk kept from upstream: `exit` names the first exit instruction unless a label says
 * otherwise. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "isa/isa.h"

#define ASM_MAX_OPERANDS 3
#define ASM_MAX_TOKEN 64

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

/* One source line split into a mnemonic and its comma-separated operands. */
struct asm_line {
	char mnem[ASM_MAX_TOKEN];
	char ops[ASM_MAX_OPERANDS][ASM_MAX_TOKEN];
	int nops;
};

static int asm_err(struct asm_ctx *c, const char *fmt, const char *arg)
{
	log_printf(c->log, "line %zu: ", c->line);
	log_printf(c->log, fmt, arg);
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

static int copy_token(struct asm_ctx *c, char *dst, const char *src, size_t len)
{
	if (len >= ASM_MAX_TOKEN)
		return asm_err(c, "token too long: '%.40s...'", src);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* Splits "lock fetch add32 [%r10-8], %r1" into the mnemonic ("lock fetch add32": atomics and
 * "call local" take several words) and the comma-separated operands. */
static int split_line(struct asm_ctx *c, const char *text, struct asm_line *l)
{
	const char *p = text;

	memset(l, 0, sizeof(*l));
	while (*p && !isspace((unsigned char)*p))
		p++;
	bool lock = (size_t)(p - text) == 4 && !strncmp(text, "lock", 4);
	bool call = (size_t)(p - text) == 4 && !strncmp(text, "call", 4);
	for (;;) {
		const char *q = p;
		while (isspace((unsigned char)*q))
			q++;
		const char *w = q;
		while (*w && !isspace((unsigned char)*w) && *w != ',')
			w++;
		bool local = call && (size_t)(w - q) == 5 && !strncmp(q, "local", 5);
		if (!(lock && isalpha((unsigned char)*q)) && !local)
			break;
		p = w;
		if (local)
			break;
	}
	if (copy_token(c, l->mnem, text, (size_t)(p - text)))
		return -EINVAL;
	/* Fold runs of blanks inside a multi-word mnemonic to one space. */
	char folded[ASM_MAX_TOKEN];
	size_t k = 0;
	for (const char *m = l->mnem; *m; m++) {
		if (isspace((unsigned char)*m)) {
			if (k && folded[k - 1] != ' ')
				folded[k++] = ' ';
		} else {
			folded[k++] = *m;
		}
	}
	folded[k] = '\0';
	strcpy(l->mnem, folded);

	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (l->nops == ASM_MAX_OPERANDS)
			return asm_err(c, "too many operands for '%s'", l->mnem);
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char tmp[ASM_MAX_TOKEN];
		if (copy_token(c, tmp, p, len))
			return -EINVAL;
		strcpy(l->ops[l->nops++], trim(tmp));
		if (!l->ops[l->nops - 1][0])
			return asm_err(c, "empty operand in '%s'", l->mnem);
		p = end ? end + 1 : p + len;
		if (end && !*p)
			return asm_err(c, "trailing comma in '%s'", l->mnem);
	}
	return 0;
}

static int parse_reg(struct asm_ctx *c, const char *s, uint8_t *out)
{
	char *end;

	if (s[0] != '%' || s[1] != 'r' || !isdigit((unsigned char)s[2]))
		return asm_err(c, "expected a register %%r0..%%r10, got '%s'", s);
	unsigned long n = strtoul(s + 2, &end, 10);
	if (*end || n > 10)
		return asm_err(c, "invalid register '%s'", s);
	*out = (uint8_t)n;
	return 0;
}

/* Decimal or 0x hex, optionally signed; the value must fit in [lo, hi]. */
static int parse_int(struct asm_ctx *c, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	char *end;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return asm_err(c, "expected a number, got '%s'", s);
	errno = 0;
	unsigned long long v = strtoull(p, &end, 0);
	if (*end || errno)
		return asm_err(c, "invalid number '%s'", s);
	/* Accept the full unsigned range of the field as well: 0xffffffff is -1 in 32 bits. */
	int64_t value;
	if (neg) {
		if (v > (unsigned long long)INT64_MAX + 1)
			return asm_err(c, "number out of range: '%s'", s);
		value = (int64_t)(0 - v);
	} else {
		value = (int64_t)v;
		if (hi == INT32_MAX && v <= UINT32_MAX)
			value = (int32_t)(uint32_t)v;
		else if (hi == INT16_MAX && v <= UINT16_MAX)
			value = (int16_t)(uint16_t)v;
		else if (hi == INT64_MAX)
			value = (int64_t)v; /* lddw: any 64-bit pattern */
		else if (v > (unsigned long long)hi)
			return asm_err(c, "number out of range: '%s'", s);
	}
	if (value < lo || value > hi)
		return asm_err(c, "number out of range: '%s'", s);
	*out = value;
	return 0;
}

static int parse_imm32(struct asm_ctx *c, const char *s, int32_t *out)
{
	int64_t v;
	int err = parse_int(c, s, INT32_MIN, INT32_MAX, &v);
	*out = (int32_t)v;
	return err;
}

/* "[%r10-8]", "[%r1+0x2]", "[%r1]" */
static int parse_mem(struct asm_ctx *c, const char *s, uint8_t *reg, int16_t *off)
{
	size_t n = strlen(s);
	char buf[ASM_MAX_TOKEN];

	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return asm_err(c, "expected a memory operand [%%rN+off], got '%s'", s);
	memcpy(buf, s + 1, n - 2);
	buf[n - 2] = '\0';
	char *sign = strpbrk(buf + 1, "+-");
	int64_t v = 0;
	if (sign) {
		char off_text[ASM_MAX_TOKEN];
		strcpy(off_text, trim(sign));
		*sign = '\0';
		if (parse_int(c, off_text, INT16_MIN, INT16_MAX, &v))
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

/* A jump or call target: "+3", "-2" (relative) or a label, as an offset from the next insn. */
static int parse_target(struct asm_ctx *c, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (s[0] == '+' || s[0] == '-' || isdigit((unsigned char)s[0]))
		return parse_int(c, s, lo, hi, out);
	size_t target;
	if (find_label(c, s, &target))
		return -EINVAL;
	int64_t rel = (int64_t)target - (int64_t)c->cnt - 1;
	if (rel < lo || rel > hi)
		return asm_err(c, "jump to '%s' is out of range", s);
	*out = rel;
	return 0;
}

static int emit(struct asm_ctx *c, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		int32_t imm)
{
	if (ARRAY_RESERVE(c->out, c->cap, c->cnt + 1))
		return -ENOMEM;
	c->out[c->cnt++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return 0;
}

static int want_ops(struct asm_ctx *c, const struct asm_line *l, int n)
{
	if (l->nops != n) {
		log_printf(c->log, "line %zu: '%s' takes %d operand%s, got %d\n", c->line, l->mnem,
			   n, n == 1 ? "" : "s", l->nops);
		return -EINVAL;
	}
	return 0;
}

struct asm_alu {
	const char *name;
	uint8_t op;
	int16_t off;
};

static const struct asm_alu alu_ops[] = {
	{"add", 0x00, 0}, {"sub", 0x10, 0},  {"mul", 0x20, 0},	{"div", 0x30, 0},
	{"sdiv", 0x30, 1}, {"or", 0x40, 0},  {"and", 0x50, 0},	{"lsh", 0x60, 0},
	{"rsh", 0x70, 0},  {"mod", 0x90, 0}, {"smod", 0x90, 1}, {"xor", 0xa0, 0},
	{"mov", 0xb0, 0},  {"arsh", 0xc0, 0},
};

static const struct asm_alu jmp_ops[] = {
	{"jeq", 0x10, 0},  {"jgt", 0x20, 0},  {"jge", 0x30, 0},	 {"jset", 0x40, 0},
	{"jne", 0x50, 0},  {"jsgt", 0x60, 0}, {"jsge", 0x70, 0}, {"jlt", 0xa0, 0},
	{"jle", 0xb0, 0},  {"jslt", 0xc0, 0}, {"jsle", 0xd0, 0},
};

/* Memory sizes by mnemonic suffix. */
static int size_bits(const char *suffix, uint8_t *out)
{
	static const struct {
		const char *s;
		uint8_t bits;
	} sizes[] = {{"b", ISA_B}, {"h", ISA_H}, {"w", ISA_W}, {"dw", ISA_DW}};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (!strcmp(suffix, sizes[i].s)) {
			*out = sizes[i].bits;
			return 0;
		}
	}
	return -1;
}

/* Strips a "32" suffix; returns true if it was there. */
static bool strip32(const char *mnem, char *base)
{
	size_t n = strlen(mnem);
	strcpy(base, mnem);
	if (n > 2 && !strcmp(mnem + n - 2, "32")) {
		base[n - 2] = '\0';
		return true;
	}
	return false;
}

static int asm_alu(struct asm_ctx *c, const struct asm_line *l, const struct asm_alu *a,
		   bool is32)
{
	uint8_t cls = is32 ? ISA_ALU : ISA_ALU64, dst, src;
	int32_t imm;

	if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst))
		return -EINVAL;
	if (l->ops[1][0] == '%') {
		if (parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		return emit(c, cls | a->op | ISA_X, dst, src, a->off, 0);
	}
	if (parse_imm32(c, l->ops[1], &imm))
		return -EINVAL;
	return emit(c, cls | a->op | ISA_K, dst, 0, a->off, imm);
}

static int asm_jump(struct asm_ctx *c, const struct asm_line *l, const struct asm_alu *j,
		    bool is32)
{
	uint8_t cls = is32 ? ISA_JMP32 : ISA_JMP, dst, src = 0;
	int32_t imm = 0;
	int64_t off;
	uint8_t srcbit = ISA_K;

	if (want_ops(c, l, 3) || parse_reg(c, l->ops[0], &dst))
		return -EINVAL;
	if (l->ops[1][0] == '%') {
		if (parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		srcbit = ISA_X;
	} else if (parse_imm32(c, l->ops[1], &imm)) {
		return -EINVAL;
	}
	if (parse_target(c, l->ops[2], INT16_MIN, INT16_MAX, &off))
		return -EINVAL;
	return emit(c, cls | j->op | srcbit, dst, src, (int16_t)off, imm);
}

static int asm_atomic(struct asm_ctx *c, const struct asm_line *l)
{
	char words[3][ASM_MAX_TOKEN] = {{0}};
	int nwords = sscanf(l->mnem, "%63s %63s %63s", words[0], words[1], words[2]);
	bool fetch = nwords == 3 && !strcmp(words[1], "fetch");
	char base[ASM_MAX_TOKEN];
	bool is32 = strip32(words[nwords - 1], base);
	int32_t imm;

	if (nwords < 2 || (nwords == 3 && !fetch))
		return asm_err(c, "unknown atomic instruction '%s'", l->mnem);
	if (!strcmp(base, "add"))
		imm = 0x00;
	else if (!strcmp(base, "or"))
		imm = 0x40;
	else if (!strcmp(base, "and"))
		imm = 0x50;
	else if (!strcmp(base, "xor"))
		imm = 0xa0;
	else if (!strcmp(base, "xchg") && !fetch)
		imm = ISA_XCHG;
	else if (!strcmp(base, "cmpxchg") && !fetch)
		imm = ISA_CMPXCHG;
	else
		return asm_err(c, "unknown atomic instruction '%s'", l->mnem);
	if (fetch)
		imm |= ISA_FETCH;

	uint8_t dst, src;
	int16_t off;
	if (want_ops(c, l, 2) || parse_mem(c, l->ops[0], &dst, &off) ||
	    parse_reg(c, l->ops[1], &src))
		return -EINVAL;
	return emit(c, ISA_STX | ISA_ATOMIC | (is32 ? ISA_W : ISA_DW), dst, src, off, imm);
}

static int asm_call(struct asm_ctx *c, const struct asm_line *l)
{
	if (!strcmp(l->mnem, "call local")) {
		int64_t rel;
		if (want_ops(c, l, 1) || parse_target(c, l->ops[0], INT32_MIN, INT32_MAX, &rel))
			return -EINVAL;
		return emit(c, ISA_JMP | 0x80, 0, ISA_PSEUDO_CALL, 0, (int32_t)rel);
	}
	if (want_ops(c, l, 1))
		return -EINVAL;
	if (l->ops[0][0] == '%') {
		uint8_t reg;
		if (parse_reg(c, l->ops[0], &reg))
			return -EINVAL;
		return emit(c, ISA_JMP | 0x80 | ISA_X, reg, 0, 0, 0);
	}
	int32_t id;
	if (parse_imm32(c, l->ops[0], &id))
		return -EINVAL;
	return emit(c, ISA_JMP | 0x80, 0, 0, 0, id);
}

/* Byte swaps: le16 / be32 / bswap64 / swap16 (alias of bswap). */
static int asm_endian(struct asm_ctx *c, const struct asm_line *l, uint8_t code, const char *w)
{
	uint8_t dst;
	int32_t width = atoi(w);

	if (width != 16 && width != 32 && width != 64)
		return asm_err(c, "unknown instruction '%s'", l->mnem);
	if (want_ops(c, l, 1) || parse_reg(c, l->ops[0], &dst))
		return -EINVAL;
	return emit(c, code, dst, 0, 0, width);
}

static int asm_insn(struct asm_ctx *c, const struct asm_line *l)
{
	const char *m = l->mnem;
	char base[ASM_MAX_TOKEN];
	uint8_t bits, dst, src;
	int16_t off;
	int32_t imm;

	if (!strncmp(m, "lock", 4))
		return asm_atomic(c, l);
	if (!strncmp(m, "call", 4))
		return asm_call(c, l);
	if (!strcmp(m, "exit")) {
		if (want_ops(c, l, 0))
			return -EINVAL;
		return emit(c, ISA_JMP | 0x90, 0, 0, 0, 0);
	}
	if (!strcmp(m, "ja") || !strcmp(m, "ja32")) {
		int64_t rel;
		bool wide = m[2] == '3';
		if (want_ops(c, l, 1) ||
		    parse_target(c, l->ops[0], wide ? INT32_MIN : INT16_MIN,
				 wide ? INT32_MAX : INT16_MAX, &rel))
			return -EINVAL;
		return wide ? emit(c, ISA_JMP32, 0, 0, 0, (int32_t)rel)
			    : emit(c, ISA_JMP, 0, 0, (int16_t)rel, 0);
	}
	if (!strcmp(m, "lddw")) {
		int64_t v;
		if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
		    parse_int(c, l->ops[1], INT64_MIN, INT64_MAX, &v))
			return -EINVAL;
		if (emit(c, ISA_LD | ISA_IMM | ISA_DW, dst, 0, 0, (int32_t)(uint32_t)v))
			return -ENOMEM;
		return emit(c, 0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)v >> 32));
	}
	if (!strncmp(m, "le", 2) && isdigit((unsigned char)m[2]))
		return asm_endian(c, l, ISA_ALU | 0xd0 | ISA_K, m + 2);
	if (!strncmp(m, "be", 2) && isdigit((unsigned char)m[2]))
		return asm_endian(c, l, ISA_ALU | 0xd0 | ISA_X, m + 2);
	if (!strncmp(m, "bswap", 5))
		return asm_endian(c, l, ISA_ALU64 | 0xd0 | ISA_K, m + 5);
	if (!strncmp(m, "swap", 4))
		return asm_endian(c, l, ISA_ALU64 | 0xd0 | ISA_K, m + 4);
	if (!strncmp(m, "movsx", 5)) {
		/* movsx{8,16,32}{32,64}: source width, then destination width. */
		static const struct {
			const char *suffix;
			uint8_t cls;
			int16_t from;
		} forms[] = {{"832", ISA_ALU, 8},   {"1632", ISA_ALU, 16}, {"864", ISA_ALU64, 8},
			     {"1664", ISA_ALU64, 16}, {"3264", ISA_ALU64, 32}};
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			if (strcmp(m + 5, forms[i].suffix))
				continue;
			if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
			    parse_reg(c, l->ops[1], &src))
				return -EINVAL;
			return emit(c, forms[i].cls | 0xb0 | ISA_X, dst, src, forms[i].from, 0);
		}
		return asm_err(c, "unknown instruction '%s'", m);
	}
	if (!strncmp(m, "ldxs", 4) && !size_bits(m + 4, &bits) && bits != ISA_DW) {
		if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
		    parse_mem(c, l->ops[1], &src, &off))
			return -EINVAL;
		return emit(c, ISA_LDX | ISA_MEMSX | bits, dst, src, off, 0);
	}
	if (!strncmp(m, "ldx", 3) && !size_bits(m + 3, &bits)) {
		if (want_ops(c, l, 2) || parse_reg(c, l->ops[0], &dst) ||
		    parse_mem(c, l->ops[1], &src, &off))
			return -EINVAL;
		return emit(c, ISA_LDX | ISA_MEM | bits, dst, src, off, 0);
	}
	if (!strncmp(m, "stx", 3) && !size_bits(m + 3, &bits)) {
		if (want_ops(c, l, 2) || parse_mem(c, l->ops[0], &dst, &off) ||
		    parse_reg(c, l->ops[1], &src))
			return -EINVAL;
		return emit(c, ISA_STX | ISA_MEM | bits, dst, src, off, 0);
	}
	if (!strncmp(m, "st", 2) && !size_bits(m + 2, &bits)) {
		if (want_ops(c, l, 2) || parse_mem(c, l->ops[0], &dst, &off) ||
		    parse_imm32(c, l->ops[1], &imm))
			return -EINVAL;
		return emit(c, ISA_ST | ISA_MEM | bits, dst, 0, off, imm);
	}

	bool is32 = strip32(m, base);
	if (!strcmp(base, "neg")) {
		if (want_ops(c, l, 1) || parse_reg(c, l->ops[0], &dst))
			return -EINVAL;
		return emit(c, (is32 ? ISA_ALU : ISA_ALU64) | 0x80, dst, 0, 0, 0);
	}
	for (size_t i = 0; i < sizeof(alu_ops) / sizeof(alu_ops[0]); i++) {
		if (!strcmp(base, alu_ops[i].name))
			return asm_alu(c, l, &alu_ops[i], is32);
	}
	for (size_t i = 0; i < sizeof(jmp_ops) / sizeof(jmp_ops[0]); i++) {
		if (!strcmp(base, jmp_ops[i].name))
			return asm_jump(c, l, &jmp_ops[i], is32);
	}
	return asm_err(c, "unknown instruction '%s'", m);
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
		char buf[512];

		c->line++;
		if (len >= sizeof(buf))
			return asm_err(c, "line too long (%s)", "over 511 characters");
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
			return asm_err(c, "label too long: '%s'", line);
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
	if (!text || !out_insns || !out_cnt)
		return -EINVAL;
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
