/* The disassembler: renders a decoded instruction through its row's format in ISA_OPS, in the
 * style of llvm-objdump and Linux's verifier log (`r0 = r1`, `if w6 < 0x60 goto +2`). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"

/* snprintf semantics over several appends: len counts what was asked for, so a caller could
 * size a retry, while nothing past size - 1 is ever written. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;

	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_reg(struct out *o, uint8_t reg, bool w32)
{
	put(o, "%c%u", w32 ? 'w' : 'r', (unsigned int)reg);
}

/* opts grows by appending fields; a caller built against an older header passes a smaller sz,
 * and the fields it does not cover are absent, not garbage. */
static bool opts_has_kfunc_name(const struct exbpf_disasm_opts *opts)
{
	return opts && opts->sz >= offsetof(struct exbpf_disasm_opts, ctx) + sizeof(opts->ctx) &&
	       opts->kfunc_name;
}

static void put_call(struct out *o, const struct isa_insn *in, const struct exbpf_disasm_opts *opts)
{
	const char *name = NULL;

	switch (in->op) {
	case ISA_OP_CALL_HELPER:
		name = isa_helper_name(in->imm);
		put(o, "%s#%" PRId32, name ? name : "helper", in->imm);
		break;
	case ISA_OP_CALL_LOCAL:
		/* Relative like the verifier log: the absolute index needs idx, and "pc+N" reads
		 * the same way as a jump's "+N". */
		put(o, "pc%+" PRId32, in->imm);
		break;
	default:
		if (opts_has_kfunc_name(opts))
			name = opts->kfunc_name(opts->ctx, in->imm);
		put(o, "%s#%" PRId32, name ? name : "kfunc", in->imm);
		break;
	}
}

int isa_disasm(const struct bpf_insn *insns, size_t cnt, size_t idx, char *buf, size_t size,
	       const struct exbpf_disasm_opts *opts)
{
	struct out o = {buf, size, 0};
	struct isa_insn in;
	const char *why = "unknown opcode";

	if (size)
		buf[0] = '\0';
	int n = insns ? isa_decode(insns, cnt, idx, &in, &why) : -EINVAL;
	if (n < 0) {
		if (!insns)
			why = "no instructions";
		put(&o, "<invalid: %s>", why);
		return -EINVAL;
	}
	const struct isa_desc *d = isa_desc_of(&in);
	bool w32 = d->flags & ISA_F_W32;
	for (const char *f = d->fmt; *f; f++) {
		if (*f != '%') {
			size_t lit = strcspn(f, "%");
			put(&o, "%.*s", (int)lit, f);
			f += lit - 1;
			continue;
		}
		switch (*++f) {
		case 'd':
			put_reg(&o, in.dst, w32);
			break;
		case 'D':
			put_reg(&o, in.dst, false);
			break;
		case 's':
			put_reg(&o, in.src, w32);
			break;
		case 'S':
			put_reg(&o, in.src, false);
			break;
		case 'i':
			put(&o, "%" PRId32, in.imm);
			break;
		case 'x':
			/* Linux prints jump constants as the 32 bits the cpu compares: -1 is
			 * 0xffffffff, not -0x1. */
			put(&o, "0x%" PRIx32, (uint32_t)in.imm);
			break;
		case 'o':
			put(&o, " %c %d", in.off < 0 ? '-' : '+',
			    in.off < 0 ? -(int)in.off : in.off);
			break;
		case 'j':
			put(&o, "%+d", in.off);
			break;
		case 'J':
			put(&o, "%+" PRId32, in.imm);
			break;
		case 'c':
			put_call(&o, &in, opts);
			break;
		case 'L':
			put(&o, "0x%" PRIx64, in.imm64);
			break;
		case 'n':
			put(&o, "%" PRId32, in.imm2);
			break;
		case '%':
			put(&o, "%%");
			break;
		case '\0':
			/* A lone '%' ending a format: stop here rather than read past the NUL. */
			return n;
		default: /* a malformed format is a bug in ISA_OPS, not in the input */
			put(&o, "?");
			break;
		}
	}
	return n;
}

int exbpf_insn__disasm(const struct bpf_insn *insns, size_t cnt, size_t idx, char *buf, size_t size,
		       const struct exbpf_disasm_opts *opts)
{
	if (!buf && size)
		return -EINVAL;
	return isa_disasm(insns, cnt, idx, buf, size, opts);
}
