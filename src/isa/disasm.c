/* The disassembler: renders a decoded instruction through its row's format in ISA_OPS, in one
 * of two notations: llvm-objdump's (`r0 = *(u64 *)(r6 + 0)`, `if w6 < 0x60 goto +2`) or Linux's
 * verifier log (`r0 = *(u64 *)(r6 +0)`, `if w6 < 0x60 goto pc+2`). The two share every row's
 * format; Linux's differs in the displacement and jump-target directives, the 64-bit immediate
 * loads and the fetching atomics, which are written out here. */
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

static bool opts_linux(const struct exbpf_disasm_opts *opts)
{
	return opts &&
	       opts->sz >= offsetof(struct exbpf_disasm_opts, notation) + sizeof(opts->notation) &&
	       opts->notation == EXBPF_DISASM_LINUX;
}

static void put_call(struct out *o, const struct isa_insn *in, const struct exbpf_disasm_opts *opts)
{
	const char *name = NULL;
	bool lx = opts_linux(opts);

	switch (in->op) {
	case ISA_OP_CALL_HELPER:
		name = isa_helper_name(in->imm);
		put(o, "%s#%" PRId32, name ? name : lx ? "unknown" : "helper", in->imm);
		break;
	case ISA_OP_CALL_LOCAL:
		/* Relative like the verifier log: the absolute index needs idx, and "pc+N" reads
		 * the same way as a jump's "+N". */
		put(o, "pc%+" PRId32, in->imm);
		break;
	default:
		if (opts_has_kfunc_name(opts))
			name = opts->kfunc_name(opts->ctx, in->imm);
		put(o, "%s#%" PRId32, name ? name : lx ? "kernel-function" : "kfunc", in->imm);
		break;
	}
}

static const char *mem_size(uint8_t code)
{
	static const char *const s[] = {"u32", "u16", "u8", "u64"};

	return s[(code >> 3) & 3];
}

/* The instructions whose Linux text does not follow their row's format: lddw (a plain
 * hex constant, map pointers hidden as Linux hides them from loaders that may not see kernel
 * addresses) and the atomics that write a register (named after the kernel's atomic
 * functions, registers always rN). Returns false for every other instruction. */
static bool linux_special(struct out *o, const struct isa_insn *in)
{
	const struct isa_desc *d = isa_desc_of(in);

	if (d->flags & ISA_F_WIDE) {
		uint64_t v = in->imm64;

		switch (in->src) {
		case ISA_PSEUDO_MAP_FD:
		case ISA_PSEUDO_MAP_VALUE:
		case ISA_PSEUDO_MAP_IDX:
		case ISA_PSEUDO_MAP_IDX_VALUE:
			v = 0;
			break;
		default:
			break;
		}
		put(o, "r%u = 0x%" PRIx64, (unsigned int)in->dst, v);
		return true;
	}
	if (!(d->flags & ISA_F_FETCH))
		return false;

	const char *w = (d->code & 0x18) == ISA_DW ? "64" : "";
	const char *sz = mem_size(d->code);

	if (in->imm == ISA_CMPXCHG) {
		put(o, "r0 = atomic%s_cmpxchg((%s *)(r%u %+d), r0, r%u)", w, sz,
		    (unsigned int)in->dst, in->off, (unsigned int)in->src);
	} else {
		const char *op = in->imm == ISA_XCHG		 ? "xchg"
				 : (in->imm & 0xf0) == 0x00 ? "fetch_add"
				 : (in->imm & 0xf0) == 0x40 ? "fetch_or"
				 : (in->imm & 0xf0) == 0x50 ? "fetch_and"
							     : "fetch_xor";

		put(o, "r%u = atomic%s_%s((%s *)(r%u %+d), r%u)", (unsigned int)in->src, w, op, sz,
		    (unsigned int)in->dst, in->off, (unsigned int)in->src);
	}
	return true;
}

int isa_disasm(const struct bpf_insn *insns, size_t cnt, size_t idx, char *buf, size_t size,
	       const struct exbpf_disasm_opts *opts)
{
	struct out o = {buf, size, 0};
	struct isa_insn in;
	const char *why = "unknown opcode";

	if (size)
		buf[0] = '\0';
	/* Linux's notation is the verifier log's, which shows the r10 write it rejects. */
	int n = !insns		 ? -EINVAL
		: opts_linux(opts) ? isa_decode_listing(insns, cnt, idx, &in, &why)
				   : isa_decode(insns, cnt, idx, &in, &why);
	if (n < 0) {
		if (!insns)
			why = "no instructions";
		put(&o, "<invalid: %s>", why);
		return -EINVAL;
	}
	const struct isa_desc *d = isa_desc_of(&in);
	bool w32 = d->flags & ISA_F_W32;
	bool lx = opts_linux(opts);

	if (lx && linux_special(&o, &in))
		return n;
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
			if (lx) {
				put(&o, " %+d", in.off);
				break;
			}
			put(&o, " %c %d", in.off < 0 ? '-' : '+',
			    in.off < 0 ? -(int)in.off : in.off);
			break;
		case 'j':
			put(&o, "%s%+d", lx ? "pc" : "", in.off);
			break;
		case 'J':
			put(&o, "%s%+" PRId32, lx ? "pc" : "", in.imm);
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
