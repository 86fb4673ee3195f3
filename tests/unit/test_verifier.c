/* The path walk of the verifier (src/verifier/check*.c, prune.c, live.c), through
 * verifier_check() on small programs written in the bpf_conformance assembler syntax, with a
 * context of our own: a socket_filter/tc-like __sk_buff (4-byte scalar fields at 0..16, the
 * field at 8 writable, packet data at 76 and data_end at 80), four maps (an array with 8-byte
 * values and 2 entries, a hash, a ring buffer, an array whose value holds a bpf_spin_lock) and
 * two kfuncs (extern 0: bpf_throw, extern 1: a plain void kfunc).
 *
 * Every rejection is checked for its verdict, its message (res.error) and its instruction
 * (res.error_insn). Pruning soundness is checked with both exploration orders: the verifier
 * explores the fall-through of a conditional jump first, so swapping the two sides of a
 * diamond swaps which state becomes the checkpoint at the join.
 *
 * The assembler has no syntax for the loader's pseudo instructions, so the text goes through
 * a small preprocessor first:
 *   ldmap %rN, IDX            lddw with src BPF_PSEUDO_MAP_IDX (map IDX)
 *   ldmapval %rN, IDX, OFF    lddw with src BPF_PSEUDO_MAP_IDX_VALUE
 *   kcall IDX                 call with src BPF_PSEUDO_KFUNC_CALL, imm = extern index IDX
 *   ldfunc %rN, label         lddw with src BPF_PSEUDO_FUNC (a callback reference)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/isa.h>

#include "common/log.h"
#include "testlib.h"
#include "verifier/verifier.h"

/* ---- The world the programs live in. */

enum { MAP_ARRAY, MAP_HASH, MAP_RINGBUF, MAP_LOCK };

static const struct verifier_map test_maps[] = {
	[MAP_ARRAY] = {.name = "arr", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
		       .max_entries = 2, .spin_lock_off = -1, .timer_off = -1},
	[MAP_HASH] = {.name = "hash", .type = BPF_MAP_TYPE_HASH, .key_size = 8, .value_size = 16,
		      .max_entries = 64, .spin_lock_off = -1, .timer_off = -1},
	[MAP_RINGBUF] = {.name = "rb", .type = BPF_MAP_TYPE_RINGBUF, .key_size = 0, .value_size = 0,
			 .max_entries = 4096, .spin_lock_off = -1, .timer_off = -1},
	[MAP_LOCK] = {.name = "locked", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16,
		      .max_entries = 1, .spin_lock_off = 0, .timer_off = -1},
};

#define CTX_DATA 76
#define CTX_DATA_END 80

static enum verifier_ctx_kind skb_access(void *ctx, uint32_t off, uint32_t size, bool write)
{
	(void)ctx;
	if (size != 4 || off % 4)
		return VCTX_DENY;
	if (off <= 16)
		return write && off != 8 ? VCTX_DENY : VCTX_SCALAR;
	if (write)
		return VCTX_DENY;
	if (off == CTX_DATA)
		return VCTX_PKT_DATA;
	if (off == CTX_DATA_END)
		return VCTX_PKT_END;
	return VCTX_DENY;
}

static const struct verifier_func kf_throw = {
	.name = "bpf_throw",
	.proto = {.ret = EXBPF_RET_VOID, .args = {EXBPF_ARG_ANYTHING}, .flags = EXBPF_FN_NO_RETURN},
};
static const struct verifier_func kf_plain = {
	.name = "test_kfunc_void",
	.proto = {.ret = EXBPF_RET_VOID, .args = {EXBPF_ARG_ANYTHING}},
};

static const struct verifier_func *test_kfunc(void *ctx, int32_t idx)
{
	(void)ctx;
	return idx == 0 ? &kf_throw : idx == 1 ? &kf_plain : NULL;
}

struct vt_opts {
	bool unpriv;
	bool ranged; /* use ret_min..ret_max */
	int64_t ret_min, ret_max;
	uint32_t prog_type; /* 0: socket filter */
};

static const struct vt_opts def_opts;
static const struct vt_opts unpriv_opts = {.unpriv = true};
static const struct vt_opts cls_opts = {.prog_type = BPF_PROG_TYPE_SCHED_CLS};
static const struct vt_opts ret01_opts = {.ranged = true, .ret_min = 0, .ret_max = 1};

/* ---- The preprocessor and the assembler. */

#define MAGIC_MAP 0x4d415000u
#define MAGIC_MAPVAL 0x4d4156u
#define MAGIC_KCALL 0x7e000000
#define MAGIC_FUNC 0x46554e43

static char *preprocess(const char *text)
{
	size_t cap = strlen(text) * 2 + 256, len = 0;
	char *out = malloc(cap);
	const char *p = text;

	if (!out)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[256], lab[128], buf[300];
		unsigned reg, idx, off;
		const char *s;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (sscanf(s, "ldmapval %%r%u, %u, %u", &reg, &idx, &off) == 3)
			snprintf(buf, sizeof(buf), "lddw %%r%u, 0x%06x%02x%08x", reg, MAGIC_MAPVAL, off,
				 idx);
		else if (sscanf(s, "ldmap %%r%u, %u", &reg, &idx) == 2)
			snprintf(buf, sizeof(buf), "lddw %%r%u, 0x%08x%08x", reg, MAGIC_MAP, idx);
		else if (sscanf(s, "kcall %u", &idx) == 1)
			snprintf(buf, sizeof(buf), "call 0x%08x", MAGIC_KCALL + idx);
		else if (sscanf(s, "ldfunc %%r%u, %127s", &reg, lab) == 2)
			snprintf(buf, sizeof(buf), "jeq %%r%u, 0x%08x, %s\nja +0", reg, MAGIC_FUNC, lab);
		else
			snprintf(buf, sizeof(buf), "%s", line);
		size_t bl = strlen(buf);
		if (len + bl + 2 > cap) {
			cap = (len + bl + 2) * 2;
			char *o = realloc(out, cap);
			if (!o) {
				free(out);
				return NULL;
			}
			out = o;
		}
		memcpy(out + len, buf, bl);
		len += bl;
		out[len++] = '\n';
		p = eol ? eol + 1 : p + n;
	}
	out[len] = '\0';
	return out;
}

static void patch(struct bpf_insn *in, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		struct bpf_insn *x = &in[i];

		if (x->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < cnt) {
			uint32_t hi = (uint32_t)in[i + 1].imm;

			if (hi == MAGIC_MAP) {
				x->src_reg = BPF_PSEUDO_MAP_IDX;
				in[i + 1].imm = 0;
			} else if (hi >> 8 == MAGIC_MAPVAL) {
				x->src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
				in[i + 1].imm = (int32_t)(hi & 0xff);
			}
			i++;
		} else if (x->code == (BPF_JMP | BPF_CALL) && x->src_reg == 0 &&
			   (x->imm & 0x7fff0000) == MAGIC_KCALL) {
			x->src_reg = BPF_PSEUDO_KFUNC_CALL;
			x->imm &= 0xffff;
		} else if (x->code == (BPF_JMP | BPF_JEQ | BPF_K) && x->imm == MAGIC_FUNC &&
			   i + 1 < cnt) {
			int16_t rel = x->off;

			*x = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = x->dst_reg,
					       .src_reg = BPF_PSEUDO_FUNC, .imm = rel};
			in[i + 1] = (struct bpf_insn){0};
			i++;
		}
	}
}

static char vlog_buf[1 << 16];

/* Verifies text; false when it does not assemble (a test bug, reported). */
static bool verify_text(int line, const char *text, const struct vt_opts *o,
			struct verifier_result *res)
{
	char *pre = preprocess(text), alog[256] = "";
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	struct log log;
	struct verifier_input in = {0};

	memset(res, 0, sizeof(*res));
	if (!pre || exbpf_asm__parse(pre, &insns, &cnt, alog, sizeof(alog))) {
		test_fail(__FILE__, line, "program does not assemble: %s", alog);
		free(pre);
		return false;
	}
	free(pre);
	patch(insns, cnt);
	log_init(&log, vlog_buf, sizeof(vlog_buf));
	in.insns = insns;
	in.cnt = cnt;
	in.prog_type = o->prog_type ? o->prog_type : BPF_PROG_TYPE_SOCKET_FILTER;
	in.prog_name = "test";
	in.ctx_size = 192;
	in.ctx_access = skb_access;
	in.ret_min = o->ranged ? o->ret_min : 1;
	in.ret_max = o->ranged ? o->ret_max : 0;
	in.maps = test_maps;
	in.nmaps = sizeof(test_maps) / sizeof(test_maps[0]);
	in.kfunc = test_kfunc;
	in.unpriv = o->unpriv;
	in.log = &log;
	verifier_check(&in, res);
	free(insns);
	return true;
}

static void expect_ok(int line, const char *text, const struct vt_opts *o)
{
	struct verifier_result res;

	if (!verify_text(line, text, o, &res))
		return;
	if (!res.accepted)
		test_fail(__FILE__, line, "rejected at insn %lld: \"%s\"", (long long)res.error_insn,
			  res.error);
	verifier_result_free(&res);
}

static void expect_err(int line, const char *text, const struct vt_opts *o, int64_t insn,
		       const char *msg)
{
	struct verifier_result res;

	if (!verify_text(line, text, o, &res))
		return;
	if (res.accepted)
		test_fail(__FILE__, line, "accepted, want \"%s\" at insn %lld", msg, (long long)insn);
	else if (strcmp(res.error, msg) || res.error_insn != insn)
		test_fail(__FILE__, line, "got \"%s\" at insn %lld, want \"%s\" at insn %lld", res.error,
			  (long long)res.error_insn, msg, (long long)insn);
	verifier_result_free(&res);
}

/* The verdict alone (brute-force loops); returns it, -1 when the text does not assemble. */
static int verdict(int line, const char *text, const struct vt_opts *o, struct verifier_result *out)
{
	struct verifier_result res;

	if (!verify_text(line, text, o, &res))
		return -1;
	if (out)
		*out = res;
	verifier_result_free(&res);
	return res.accepted;
}

#define OK(text) expect_ok(__LINE__, text, &def_opts)
#define OK_O(o, text) expect_ok(__LINE__, text, &(o))
#define ERR(insn, msg, text) expect_err(__LINE__, text, &def_opts, insn, msg)
#define ERR_O(o, insn, msg, text) expect_err(__LINE__, text, &(o), insn, msg)

/* r0 = a value of the array map (key 0: cannot fail, Linux 6.18 knows it), insns 0..5;
 * r1..r5 clobbered. */
#define ARR_VALUE                                                                               \
	"stw [%r10-4], 0\n"                                                                     \
	"mov %r2, %r10\n"                                                                       \
	"add %r2, -4\n"                                                                         \
	"ldmap %r1, 0\n"                                                                        \
	"call 1\n"
#define ARR_VALUE_NEXT 6

/* r0 = a maybe-null value of the array map (key 5 is out of range), insns 0..5. */
#define ARR_LOOKUP_NULL                                                                         \
	"stw [%r10-4], 5\n"                                                                     \
	"mov %r2, %r10\n"                                                                       \
	"add %r2, -4\n"                                                                         \
	"ldmap %r1, 0\n"                                                                        \
	"call 1\n"

/* The same for format strings. */
#define ARR_VALUE_F                                                                             \
	"stw [%%r10-4], 0\n"                                                                   \
	"mov %%r2, %%r10\n"                                                                    \
	"add %%r2, -4\n"                                                                       \
	"ldmap %%r1, 0\n"                                                                      \
	"call 1\n"
#define ARR_LOOKUP_NULL_F                                                                       \
	"stw [%%r10-4], 5\n"                                                                   \
	"mov %%r2, %%r10\n"                                                                    \
	"add %%r2, -4\n"                                                                       \
	"ldmap %%r1, 0\n"                                                                      \
	"call 1\n"

/* ================================================================================ */
/* Uninitialized registers                                                          */

TEST(verifier_minimal_accept)
{
	OK("mov %r0, 0\n"
	   "exit\n");
}

TEST(verifier_uninit_r0_at_exit)
{
	ERR(0, "R0 !read_ok", "exit\n");
	ERR(1, "R0 !read_ok", "mov %r1, 0\nexit\n");
}

TEST(verifier_uninit_src_reg)
{
	ERR(0, "R2 !read_ok", "mov %r0, %r2\nexit\n");
	OK("mov %r2, 1\nmov %r0, %r2\nexit\n");
	ERR(1, "R3 !read_ok", "mov %r0, 1\nadd %r0, %r3\nexit\n");
	ERR(0, "R4 !read_ok", "add %r4, 1\nmov %r0, 0\nexit\n");
}

TEST(verifier_uninit_jump_operand)
{
	ERR(0, "R3 !read_ok", "jeq %r3, 0, +0\nmov %r0, 0\nexit\n");
	ERR(1, "R5 !read_ok", "mov %r3, 1\njgt %r3, %r5, +0\nmov %r0, 0\nexit\n");
	OK("mov %r3, 1\nmov %r5, 2\njgt %r3, %r5, +0\nmov %r0, 0\nexit\n");
}

TEST(verifier_uninit_after_helper_call)
{
	/* a call clobbers R1-R5 and keeps R6-R9 */
	ERR(1, "R1 !read_ok", "call 5\nmov %r0, %r1\nexit\n");
	ERR(1, "R5 !read_ok", "call 5\nmov %r0, %r5\nexit\n");
	OK("mov %r6, %r1\ncall 5\nldxw %r0, [%r6+0]\nexit\n");
}

TEST(verifier_uninit_store_operands)
{
	ERR(0, "R2 !read_ok", "stxdw [%r10-8], %r2\nmov %r0, 0\nexit\n");
	ERR(0, "R3 !read_ok", "stdw [%r3+0], 0\nmov %r0, 0\nexit\n");
	ERR(0, "R4 !read_ok", "ldxdw %r0, [%r4+0]\nexit\n");
}

TEST(verifier_frame_pointer_read_only)
{
	ERR(0, "frame pointer is read only", "mov %r10, 0\nmov %r0, 0\nexit\n");
	ERR(0, "frame pointer is read only", "ldxw %r10, [%r1+0]\nmov %r0, 0\nexit\n");
	ERR(0, "frame pointer is read only", "add %r10, -8\nmov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* The stack                                                                        */

TEST(verifier_stack_bounds)
{
	OK("stdw [%r10-512], 0\nmov %r0, 0\nexit\n");
	OK("stb [%r10-1], 0\nmov %r0, 0\nexit\n");
	ERR(0, "invalid write to stack R10 off=-520 size=8", "stdw [%r10-520], 0\nmov %r0, 0\nexit\n");
	ERR(0, "invalid write to stack R10 off=-513 size=1", "stb [%r10-513], 0\nmov %r0, 0\nexit\n");
	ERR(0, "invalid write to stack R10 off=0 size=8", "stdw [%r10+0], 0\nmov %r0, 0\nexit\n");
	ERR(0, "invalid write to stack R10 off=0 size=1", "stb [%r10+0], 0\nmov %r0, 0\nexit\n");
	ERR(1, "invalid read from stack R10 off=-520 size=8",
	    "stdw [%r10-8], 0\nldxdw %r0, [%r10-520]\nexit\n");
	/* through a copy with a constant offset */
	OK("mov %r2, %r10\nadd %r2, -512\nstdw [%r2+0], 0\nmov %r0, 0\nexit\n");
	ERR(2, "invalid write to stack R2 off=-520 size=8",
	    "mov %r2, %r10\nadd %r2, -520\nstdw [%r2+0], 0\nmov %r0, 0\nexit\n");
	/* alignment is checked first */
	ERR(2, "misaligned stack access off 0+-513+0 size 8",
	    "mov %r2, %r10\nadd %r2, -513\nstdw [%r2+0], 0\nmov %r0, 0\nexit\n");
}

TEST(verifier_stack_alignment)
{
	OK("mov %r2, 1\nstxw [%r10-4], %r2\nmov %r0, 0\nexit\n");
	OK("mov %r2, 1\nstxh [%r10-2], %r2\nmov %r0, 0\nexit\n");
	ERR(1, "misaligned stack access off 0+0+-4 size 8",
	    "mov %r2, 1\nstxdw [%r10-4], %r2\nmov %r0, 0\nexit\n");
	ERR(0, "misaligned stack access off 0+0+-3 size 2", "sth [%r10-3], 0\nmov %r0, 0\nexit\n");
}

TEST(verifier_stack_spill_fill_pointer)
{
	/* the ctx pointer survives a spill and fill */
	OK("stxdw [%r10-8], %r1\n"
	   "ldxdw %r2, [%r10-8]\n"
	   "ldxw %r0, [%r2+0]\n"
	   "exit\n");
	/* one byte overwritten: the slot holds plain bytes */
	ERR(3, "R2 invalid mem access 'scalar'",
	    "stxdw [%r10-8], %r1\n"
	    "stb [%r10-8], 0\n"
	    "ldxdw %r2, [%r10-8]\n"
	    "ldxw %r0, [%r2+0]\n"
	    "exit\n");
	/* pointers spill and fill whole */
	ERR(0, "invalid size of register spill", "stxw [%r10-8], %r1\nmov %r0, 0\nexit\n");
	ERR(1, "invalid size of register fill",
	    "stxdw [%r10-8], %r1\nldxw %r2, [%r10-8]\nmov %r0, 0\nexit\n");
}

TEST(verifier_stack_spill_scalar_bounds_boundary)
{
	static const char *fmt = "mov %%r6, %%r1\n" ARR_VALUE_F "ldxw %%r1, [%%r6+0]\n"
				 "and %%r1, %d\n"
				 "stxdw [%%r10-16], %%r1\n"
				 "ldxdw %%r2, [%%r10-16]\n"
				 "add %%r0, %%r2\n"
				 "ldxb %%r0, [%%r0+0]\n"
				 "exit\n";
	char p[1024];

	snprintf(p, sizeof(p), fmt, 7);
	OK(p);
	snprintf(p, sizeof(p), fmt, 15);
	ERR(12, "invalid access to map value, value_size=8 off=15 size=1", p);
}

TEST(verifier_stack_uninit_read)
{
	/* privileged: uninitialized stack reads as an unknown scalar */
	OK("ldxdw %r0, [%r10-8]\nexit\n");
	ERR_O(unpriv_opts, 0, "invalid read from stack off -8+0 size 8", "ldxdw %r0, [%r10-8]\nexit\n");
	/* half written */
	ERR_O(unpriv_opts, 1, "invalid read from stack off -8+4 size 8",
	      "stw [%r10-8], 0\nldxdw %r0, [%r10-8]\nexit\n");
	OK_O(unpriv_opts, "stw [%r10-8], 0\nstw [%r10-4], 0\nldxdw %r0, [%r10-8]\nexit\n");
	/* a helper's uninitialized key */
	OK("mov %r2, %r10\nadd %r2, -4\nldmap %r1, 0\ncall 1\nmov %r0, 0\nexit\n");
	ERR_O(unpriv_opts, 4, "invalid read from stack R2 off -4+0 size 4",
	      "mov %r2, %r10\nadd %r2, -4\nldmap %r1, 0\ncall 1\nmov %r0, 0\nexit\n");
}

TEST(verifier_stack_zero_spill_is_constant)
{
	/* 8 zero bytes written as a constant read back as 0: value + r1 stays in bounds */
	OK(ARR_VALUE
	   "stdw [%r10-16], 0\n"
	   "ldxdw %r1, [%r10-16]\n"
	   "add %r0, %r1\n"
	   "ldxdw %r0, [%r0+0]\n"
	   "exit\n");
	ERR(9, "invalid access to map value, value_size=8 off=1 size=8",
	    ARR_VALUE
	    "stdw [%r10-16], 1\n"
	    "ldxdw %r1, [%r10-16]\n"
	    "add %r0, %r1\n"
	    "ldxdw %r0, [%r0+0]\n"
	    "exit\n");
}

/* A narrowing spill must break the link between the spilled value and its copies (Linux:
 * "Break the relation on a narrowing spill"): bounds learned on the 64-bit register later are
 * not bounds of its low 32 bits. Here r6 in [2^32, 2^32 + 7] makes the verifier believe the
 * 4-byte fill is in [2^32, 2^32 + 7] too, when it is in [0, 7]; after `-= 2^32` the offset
 * is huge at run time. */
TEST(verifier_stack_narrow_spill_breaks_link)
{
	ERR(21, "value -4294967296 makes map_value pointer be out of bounds",
	    ARR_VALUE
	    "mov %r9, %r0\n"           /* 6 */
	    "call 5\n"                 /* 7: r0 = unknown 64-bit */
	    "mov %r6, %r0\n"           /* 8: r0 and r6 linked */
	    "stxw [%r10-16], %r6\n"    /* 9: a 4-byte spill of r6 */
	    "lddw %r8, 0x100000000\n"  /* 10 */
	    "jlt %r6, %r8, out\n"      /* 12 */
	    "lddw %r8, 0x100000007\n"  /* 13 */
	    "jgt %r6, %r8, out\n"      /* 15 */
	    "ldxw %r1, [%r10-16]\n"    /* 16: truly the low 32 bits of r6: [0, 7] */
	    "lddw %r8, 0x100000000\n"  /* 17 */
	    "sub %r1, %r8\n"           /* 19 */
	    "mov %r0, %r9\n"           /* 20 */
	    "add %r0, %r1\n"           /* 21 */
	    "ldxb %r0, [%r0+0]\n"      /* 22 */
	    "exit\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
}

/* The same link, used the other way: the 4-byte fill is linked to the 64-bit register, so
 * learning fill == 0 makes the verifier believe r6 == 0, when r6 may be k * 2^32. */
TEST(verifier_stack_narrow_fill_not_linked)
{
	ERR(12, "math between map_value pointer and register with unbounded min value is not allowed",
	    ARR_VALUE
	    "mov %r9, %r0\n"        /* 6 */
	    "call 5\n"              /* 7: r0 = unknown 64-bit */
	    "mov %r6, %r0\n"        /* 8: r0 and r6 linked */
	    "stxw [%r10-16], %r6\n" /* 9: a 4-byte spill of r6 */
	    "ldxw %r1, [%r10-16]\n" /* 10: the low 32 bits of r6 */
	    "jne %r1, 0, out\n"     /* 11 */
	    "add %r9, %r6\n"        /* 12 */
	    "ldxb %r0, [%r9+0]\n"   /* 13 */
	    "exit\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
}

/* ================================================================================ */
/* The context                                                                      */

TEST(verifier_ctx_read)
{
	OK("ldxw %r0, [%r1+0]\nexit\n");
	OK("ldxw %r0, [%r1+16]\nexit\n");
	ERR(0, "invalid bpf_context access off=20 size=4", "ldxw %r0, [%r1+20]\nexit\n");
	ERR(0, "invalid bpf_context access off=0 size=8", "ldxdw %r0, [%r1+0]\nexit\n");
	ERR(0, "invalid bpf_context access off=2 size=2", "ldxh %r0, [%r1+2]\nexit\n");
	ERR(0, "invalid bpf_context access off=-4 size=4", "ldxw %r0, [%r1-4]\nexit\n");
}

TEST(verifier_ctx_write)
{
	OK("mov %r2, 1\nstxw [%r1+8], %r2\nmov %r0, 0\nexit\n");
	ERR(1, "invalid bpf_context access off=4 size=4",
	    "mov %r2, 1\nstxw [%r1+4], %r2\nmov %r0, 0\nexit\n");
	/* the packet pointers are read-only */
	ERR(1, "invalid bpf_context access off=76 size=4",
	    "mov %r2, 1\nstxw [%r1+76], %r2\nmov %r0, 0\nexit\n");
}

TEST(verifier_ctx_modified_pointer)
{
	ERR(2, "dereference of modified ctx ptr R1 off=4 disallowed",
	    "mov %r0, 0\nadd %r1, 4\nldxw %r0, [%r1+0]\nexit\n");
	ERR(4, "variable ctx access var_off=(0x0; 0x4) disallowed",
	    "ldxw %r2, [%r1+0]\nand %r2, 4\nadd %r1, %r2\nmov %r0, 0\nldxw %r0, [%r1+0]\nexit\n");
}

TEST(verifier_ctx_pointer_loaded_fields)
{
	/* data and data_end load as packet pointers: no arithmetic on data_end */
	ERR(1, "R3 pointer arithmetic on pkt_end prohibited",
	    "ldxw %r3, [%r1+80]\nadd %r3, 1\nmov %r0, 0\nexit\n");
	ERR(1, "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
	    "ldxw %r2, [%r1+76]\nldxb %r0, [%r2+0]\nexit\n");
}

/* ================================================================================ */
/* Map values                                                                       */

TEST(verifier_map_null_check_required)
{
	ERR(6, "R0 invalid mem access 'map_value_or_null'",
	    ARR_LOOKUP_NULL "ldxb %r0, [%r0+0]\nexit\n");
	OK(ARR_LOOKUP_NULL
	   "jeq %r0, 0, +1\n"
	   "ldxb %r0, [%r0+0]\n"
	   "mov %r0, 0\n"
	   "exit\n");
	/* the null branch holds a constant 0 */
	ERR(7, "R0 invalid mem access 'scalar'",
	    ARR_LOOKUP_NULL
	    "jne %r0, 0, +2\n"
	    "ldxb %r0, [%r0+0]\n"
	    "exit\n"
	    "mov %r0, 0\n"
	    "exit\n");
	/* a copy is checked along with the original */
	OK(ARR_LOOKUP_NULL
	   "mov %r6, %r0\n"
	   "jeq %r0, 0, +1\n"
	   "ldxb %r0, [%r6+0]\n"
	   "mov %r0, 0\n"
	   "exit\n");
}

TEST(verifier_map_lookup_const_key)
{
	/* an array lookup with a constant key below max_entries cannot fail */
	OK("mov %r1, 1\nstxw [%r10-8], %r1\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 0\ncall 1\n"
	   "ldxdw %r0, [%r0+0]\nexit\n");
	ERR(7, "R0 invalid mem access 'map_value_or_null'",
	    "mov %r1, 2\nstxw [%r10-8], %r1\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 0\ncall 1\n"
	    "ldxdw %r0, [%r0+0]\nexit\n");
	/* a zero key written as zero bytes */
	OK("stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nldmap %r1, 0\ncall 1\n"
	   "ldxdw %r0, [%r0+0]\nexit\n");
	/* the hash map has no such guarantee */
	ERR(6, "R0 invalid mem access 'map_value_or_null'",
	    "stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 1\ncall 1\n"
	    "ldxdw %r0, [%r0+0]\nexit\n");
}

/* Linux (since 6.3, "track immediate values written to stack by BPF_ST instruction")
 * records `*(u32 *)(r10 - 8) = 1` at a slot's start as a 4-byte spill of the constant 1 for
 * a privileged program, so get_constant_map_key() sees key 1 and the lookup cannot fail. */
TEST(verifier_map_lookup_const_key_st_imm)
{
	OK("stw [%r10-8], 1\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 0\ncall 1\n"
	   "ldxdw %r0, [%r0+0]\nexit\n");
}

TEST(verifier_map_value_const_offsets)
{
	OK(ARR_VALUE "ldxdw %r0, [%r0+0]\nexit\n");
	OK(ARR_VALUE "ldxb %r0, [%r0+7]\nexit\n");
	OK(ARR_VALUE "ldxw %r0, [%r0+4]\nexit\n");
	ERR(6, "invalid access to map value, value_size=8 off=1 size=8",
	    ARR_VALUE "ldxdw %r0, [%r0+1]\nexit\n");
	ERR(6, "invalid access to map value, value_size=8 off=8 size=1",
	    ARR_VALUE "ldxb %r0, [%r0+8]\nexit\n");
	ERR(6, "invalid access to map value, value_size=8 off=-1 size=1",
	    ARR_VALUE "ldxb %r0, [%r0-1]\nexit\n");
	ERR(7, "invalid access to map value, value_size=8 off=5 size=4",
	    ARR_VALUE "add %r0, 5\nstw [%r0+0], 1\nmov %r0, 0\nexit\n");
	/* hash values are 16 bytes */
	OK("stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 1\ncall 1\n"
	   "jeq %r0, 0, +1\nldxdw %r0, [%r0+8]\nmov %r0, 0\nexit\n");
	ERR(7, "invalid access to map value, value_size=16 off=9 size=8",
	    "stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 1\ncall 1\n"
	    "jeq %r0, 0, +1\nldxdw %r0, [%r0+9]\nmov %r0, 0\nexit\n");
}

TEST(verifier_map_value_var_off_mask)
{
	static const char *fmt = "mov %%r6, %%r1\n" ARR_VALUE_F "ldxw %%r1, [%%r6+0]\n"
				 "and %%r1, %d\n"
				 "add %%r0, %%r1\n"
				 "%s %%r0, [%%r0+0]\n"
				 "exit\n";
	char p[1024];

	snprintf(p, sizeof(p), fmt, 7, "ldxdw");
	ERR(10, "invalid access to map value, value_size=8 off=7 size=8", p);
	snprintf(p, sizeof(p), fmt, 0, "ldxdw");
	OK(p);
	snprintf(p, sizeof(p), fmt, 7, "ldxb");
	OK(p);
	snprintf(p, sizeof(p), fmt, 4, "ldxw");
	OK(p);
	snprintf(p, sizeof(p), fmt, 6, "ldxw");
	ERR(10, "invalid access to map value, value_size=8 off=6 size=4", p);
}

TEST(verifier_map_value_var_off_jump_bounds)
{
	static const char *fmt = "mov %%r6, %%r1\n" ARR_VALUE_F "ldxw %%r1, [%%r6+0]\n"
				 "%s %%r1, %d, out\n"
				 "add %%r0, %%r1\n"
				 "ldxw %%r0, [%%r0+0]\n"
				 "exit\n"
				 "out:\n"
				 "mov %%r0, 0\n"
				 "exit\n";
	char p[1024];

	snprintf(p, sizeof(p), fmt, "jgt", 4);
	OK(p);
	snprintf(p, sizeof(p), fmt, "jgt", 5);
	ERR(10, "invalid access to map value, value_size=8 off=5 size=4", p);
	snprintf(p, sizeof(p), fmt, "jge", 5);
	OK(p);
	snprintf(p, sizeof(p), fmt, "jge", 6);
	ERR(10, "invalid access to map value, value_size=8 off=5 size=4", p);
	/* a signed bound alone on a value that is non-negative anyway (a u32 load) */
	snprintf(p, sizeof(p), fmt, "jsgt", 4);
	OK(p);
	/* a 32-bit comparison bounds the 32-bit load just as well */
	snprintf(p, sizeof(p), fmt, "jgt32", 4);
	OK(p);
}

TEST(verifier_map_value_negative_index)
{
	/* r1 in [-4, 3]: the minimum is below the value's start unless off >= 4 */
	ERR(11, "R0 min value is negative, either use unsigned index or do a if (index >=0) check.",
	    "mov %r6, %r1\n" ARR_VALUE
	    "ldxw %r1, [%r6+0]\n"
	    "and %r1, 7\n"
	    "sub %r1, 4\n"
	    "add %r0, %r1\n"
	    "ldxb %r0, [%r0+0]\n"
	    "exit\n");
	/* smin + 4 >= 0, but as u64 the range wraps: unbounded (as Linux) */
	ERR(11, "R0 unbounded memory access, make sure to bounds check any such access",
	    "mov %r6, %r1\n" ARR_VALUE
	    "ldxw %r1, [%r6+0]\n"
	    "and %r1, 7\n"
	    "sub %r1, 4\n"
	    "add %r0, %r1\n"
	    "ldxb %r0, [%r0+4]\n"
	    "exit\n");
}

TEST(verifier_map_value_unbounded_offset)
{
	/* a u32 offset: the pointer is fine, the access is not */
	ERR(9, "R0 unbounded memory access, make sure to bounds check any such access",
	    "mov %r6, %r1\n" ARR_VALUE
	    "ldxw %r1, [%r6+0]\n"
	    "add %r0, %r1\n"
	    "ldxb %r0, [%r0+0]\n"
	    "exit\n");
	/* an unknown 64-bit offset: the arithmetic itself */
	ERR(8, "math between map_value pointer and register with unbounded min value is not allowed",
	    ARR_VALUE
	    "mov %r6, %r0\n"
	    "call 5\n"
	    "add %r6, %r0\n"
	    "mov %r0, 0\n"
	    "exit\n");
	ERR(6, "math between map_value pointer and 536870912 is not allowed",
	    ARR_VALUE "add %r0, 0x20000000\nmov %r0, 0\nexit\n");
}

TEST(verifier_map_value_pseudo_value_pointer)
{
	/* lddw of a map value (global data) at an offset */
	OK("ldmapval %r1, 0, 4\nldxw %r0, [%r1+0]\nexit\n");
	ERR(2, "invalid access to map value, value_size=8 off=5 size=4",
	    "ldmapval %r1, 0, 4\nldxw %r0, [%r1+1]\nexit\n");
	ERR(0, "invalid access to map value pointer, value_size=8 off=8",
	    "ldmapval %r1, 0, 8\nmov %r0, 0\nexit\n");
	ERR(0, "fd 9 is not pointing to valid bpf_map", "ldmap %r1, 9\nmov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* Packets                                                                          */

/* r2 = data, r3 = data_end, r4 = data + 8 (insns 0..3), then the comparison at 4. */
#define PKT_PRE                                                                                 \
	"ldxw %r2, [%r1+76]\n"                                                                  \
	"ldxw %r3, [%r1+80]\n"                                                                  \
	"mov %r4, %r2\n"                                                                        \
	"add %r4, 8\n"

TEST(verifier_packet_range_jgt)
{
	/* if data + 8 > data_end goto out: the fall-through has 8 bytes */
	OK(PKT_PRE "jgt %r4, %r3, out\nldxdw %r0, [%r2+0]\nexit\nout:\nmov %r0, 0\nexit\n");
	ERR(5, "invalid access to packet, off=1 size=8, R2(id=0,off=1,r=8)",
	    PKT_PRE "jgt %r4, %r3, out\nldxdw %r0, [%r2+1]\nexit\nout:\nmov %r0, 0\nexit\n");
	/* the jump edge knows nothing */
	ERR(7, "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
	    PKT_PRE "jgt %r4, %r3, bad\nmov %r0, 0\nexit\nbad:\nldxb %r0, [%r2+0]\nexit\n");
}

TEST(verifier_packet_range_jlt_end_first)
{
	/* if data_end < data + 8 goto out */
	OK(PKT_PRE "jlt %r3, %r4, out\nldxdw %r0, [%r2+0]\nexit\nout:\nmov %r0, 0\nexit\n");
	/* the jump edge (data_end < data + 8) knows nothing */
	ERR(7, "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)",
	    PKT_PRE "jlt %r3, %r4, bad\nmov %r0, 0\nexit\nbad:\nldxdw %r0, [%r2+0]\nexit\n");
	/* if data + 8 < data_end goto ok */
	OK(PKT_PRE "jlt %r4, %r3, ok\nmov %r0, 0\nexit\nok:\nldxdw %r0, [%r2+0]\nexit\n");
}

TEST(verifier_packet_range_jge_end_first)
{
	/* if data_end >= data + 8 goto ok */
	OK(PKT_PRE "jge %r3, %r4, ok\nmov %r0, 0\nexit\nok:\nldxdw %r0, [%r2+0]\nexit\n");
	ERR(5, "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)",
	    PKT_PRE "jge %r3, %r4, ok\nldxdw %r0, [%r2+0]\nexit\nok:\nmov %r0, 0\nexit\n");
}

TEST(verifier_packet_range_jle)
{
	/* if data + 8 <= data_end goto ok */
	OK(PKT_PRE "jle %r4, %r3, ok\nmov %r0, 0\nexit\nok:\nldxdw %r0, [%r2+0]\nexit\n");
	ERR(5, "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)",
	    PKT_PRE "jle %r4, %r3, ok\nldxdw %r0, [%r2+0]\nexit\nok:\nmov %r0, 0\nexit\n");
	/* and with data_end first: if data_end > data + 8 goto ok (ptr < end) */
	OK(PKT_PRE "jgt %r3, %r4, ok\nmov %r0, 0\nexit\nok:\nldxdw %r0, [%r2+0]\nexit\n");
	/* if data + 8 >= data_end goto out: the fall-through has data + 8 < data_end */
	OK(PKT_PRE "jge %r4, %r3, out\nldxdw %r0, [%r2+0]\nexit\nout:\nmov %r0, 0\nexit\n");
	/* if data_end <= data + 8 goto out */
	OK(PKT_PRE "jle %r3, %r4, out\nldxdw %r0, [%r2+0]\nexit\nout:\nmov %r0, 0\nexit\n");
}

TEST(verifier_packet_write_needs_program_type)
{
	static const char *p = PKT_PRE "jgt %r4, %r3, out\nstb [%r2+0], 1\nout:\nmov %r0, 0\nexit\n";

	ERR(5, "cannot write into packet", p);
	OK_O(cls_opts, p);
}

TEST(verifier_packet_helper_invalidates)
{
	/* bpf_skb_pull_data (39) makes earlier packet pointers stale */
	ERR_O(cls_opts, 9, "R2 invalid mem access 'scalar'",
	      PKT_PRE
	      "jgt %r4, %r3, out\n"
	      "mov %r6, %r2\n"
	      "mov %r2, 0\n"
	      "call 39\n"
	      "mov %r2, %r6\n"
	      "ldxb %r0, [%r2+0]\n"
	      "exit\n"
	      "out:\n"
	      "mov %r0, 0\n"
	      "exit\n");
}

/* ================================================================================ */
/* Pointer arithmetic                                                               */

TEST(verifier_ptr_arith_prohibited)
{
	ERR(0, "R1 32-bit pointer arithmetic prohibited", "add32 %r1, 4\nmov %r0, 0\nexit\n");
	ERR(0, "R1 pointer arithmetic with *= operator prohibited", "mul %r1, 2\nmov %r0, 0\nexit\n");
	ERR(0, "R1 bitwise operator &= on pointer prohibited", "and %r1, 7\nmov %r0, 0\nexit\n");
	ERR(0, "R1 pointer += pointer prohibited", "add %r1, %r10\nmov %r0, 0\nexit\n");
	ERR(1, "R2 tried to subtract pointer from scalar", "mov %r2, 5\nsub %r2, %r1\nmov %r0, 0\nexit\n");
	ERR(1, "R2 subtraction from stack pointer prohibited",
	    "mov %r2, %r10\nsub %r2, 8\nmov %r0, 0\nexit\n");
	ERR(6, "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first",
	    ARR_LOOKUP_NULL "add %r0, 1\nmov %r0, 0\nexit\n");
	ERR(2, "R1 pointer arithmetic on map_ptr prohibited",
	    "ldmap %r1, 0\nadd %r1, 8\nmov %r0, 0\nexit\n");
	/* allowed: scalar += pointer, pointer - pointer (privileged) */
	OK("mov %r2, 8\nadd %r2, %r10\nstdw [%r2-16], 0\nmov %r0, 0\nexit\n");
	OK("mov %r2, %r10\nsub %r2, %r1\nmov %r0, 0\nexit\n");
}

TEST(verifier_ptr_unpriv_rules)
{
	ERR_O(unpriv_opts, 1, "R0 leaks addr as return value", "mov %r0, %r1\nexit\n");
	OK("mov %r0, %r1\nexit\n");
	ERR_O(unpriv_opts, 0, "R1 pointer comparison prohibited",
	      "jeq %r1, 5, +0\nmov %r0, 0\nexit\n");
	OK_O(unpriv_opts, "stxdw [%r10-8], %r1\nmov %r0, 0\nexit\n");
	ERR_O(unpriv_opts, 2, "R1 leaks addr into map",
	      "ldmapval %r2, 0, 0\nstxdw [%r2+0], %r1\nmov %r0, 0\nexit\n");
}

static const struct vt_opts unpriv_cls_opts = {.unpriv = true,
						.prog_type = BPF_PROG_TYPE_SCHED_CLS};

TEST(verifier_unpriv_leaks_and_compares)
{
	/* stores: a pointer into the context or a map value leaks; into the stack it is kept */
	ERR_O(unpriv_opts, 0, "R1 leaks addr into ctx", "stxdw [%r1+0], %r1\nmov %r0, 0\nexit\n");
	ERR_O(unpriv_opts, 1, "attempt to corrupt spilled pointer on stack",
	      "stxdw [%r10-8], %r10\nstw [%r10-8], 0\nmov %r0, 0\nexit\n");
	OK("stxdw [%r10-8], %r10\nstw [%r10-8], 0\nmov %r0, 0\nexit\n");
	OK_O(unpriv_opts, "stxdw [%r10-8], %r10\nstdw [%r10-8], 0\nmov %r0, 0\nexit\n");
	/* comparisons: the source register is named first */
	ERR_O(unpriv_opts, 0, "R10 pointer comparison prohibited",
	      "jeq %r1, %r10, +0\nmov %r0, 0\nexit\n");
	OK("jeq %r1, %r10, +0\nmov %r0, 0\nexit\n");
	ERR_O(unpriv_opts, 0, "R1 pointer comparison prohibited", "jeq %r1, 0, +0\nmov %r0, 0\nexit\n");
}

TEST(verifier_unpriv_ptr_arith_bounds)
{
	ERR_O(unpriv_opts, 1, "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=8",
	      "mov %r1, %r10\nadd %r1, 8\nmov %r0, 0\nexit\n");
	OK("mov %r1, %r10\nadd %r1, 8\nmov %r0, 0\nexit\n");
	OK_O(unpriv_opts, "mov %r1, %r10\nadd %r1, -512\nmov %r0, 0\nexit\n");
	ERR_O(unpriv_opts, 2, "R2 pointer arithmetic of map value goes out of range, prohibited for !root",
	      "ldmapval %r2, 0, 0\nadd %r2, 8\nmov %r0, 0\nexit\n");
	OK_O(unpriv_opts, "ldmapval %r2, 0, 0\nadd %r2, 7\nmov %r0, 0\nexit\n");
	/* a register offset into the context cannot be masked */
	ERR_O(unpriv_opts, 3,
	      "R1 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root",
	      "ldxw %r2, [%r1+0]\nand %r2, 7\nmov %r0, 0\nadd %r1, %r2\nexit\n");
	OK("ldxw %r2, [%r1+0]\nand %r2, 7\nmov %r0, 0\nadd %r1, %r2\nexit\n");
	/* nor an offset of unknown sign */
	ERR_O(unpriv_opts, 5,
	      "R3 has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root",
	      "ldxw %r3, [%r1+0]\nand %r3, 7\nsub %r3, 4\nldmapval %r2, 0, 0\nadd %r2, %r3\n"
	      "mov %r0, 0\nexit\n");
}

TEST(verifier_unpriv_helpers_and_types)
{
	const char *printk = "stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 6\n"
			     "mov %r0, 0\nexit\n";

	OK(printk);
	ERR_O(unpriv_opts, 4, "program of this type cannot use helper bpf_trace_printk#6", printk);
	OK_O(unpriv_opts, "call 7\nmov %r0, 0\nexit\n"); /* bpf_get_prandom_u32 */
	ERR_O(unpriv_cls_opts, -1,
	      "exbpf: without CAP_BPF only socket filter and cgroup skb programs can be loaded "
	      "(program type 3; Linux: EPERM)",
	      "mov %r0, 0\nexit\n");
	OK_O(cls_opts, "mov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* Helper arguments                                                                 */

TEST(verifier_helper_arg_types)
{
	ERR(3, "R1 type=scalar expected=map_ptr",
	    "mov %r1, 0\nmov %r2, %r10\nadd %r2, -8\ncall 1\nmov %r0, 0\nexit\n");
	ERR(3, "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, "
	       "trusted_ptr_",
	    "ldmap %r1, 0\nmov %r2, 0\ncall 1\nmov %r0, 0\nexit\n");
	ERR(2, "R1 type=fp expected=ringbuf_mem", "mov %r1, %r10\nmov %r2, 0\ncall 132\nmov %r0, 0\nexit\n");
	ERR(0, "invalid func unknown#999", "call 999\nmov %r0, 0\nexit\n");
	ERR(0, "program of this type cannot use helper bpf_probe_read#4", "call 4\nmov %r0, 0\nexit\n");
}

TEST(verifier_helper_key_bounds)
{
	/* the hash key is 8 bytes: fp-4 has only 4 */
	ERR(5, "invalid read from stack R2 off=-4 size=8",
	    "stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -4\nldmap %r1, 1\ncall 1\nmov %r0, 0\nexit\n");
	OK("stdw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nldmap %r1, 1\ncall 1\nmov %r0, 0\nexit\n");
}

TEST(verifier_helper_size_args)
{
	/* bpf_skb_load_bytes(ctx, off, to, len): len is CONST_SIZE */
	static const char *fmt = "mov %%r2, 0\nmov %%r3, %%r10\nadd %%r3, -8\nmov %%r4, %d\ncall 26\n"
				 "ldxdw %%r0, [%%r10-8]\nexit\n";
	char p[512];

	snprintf(p, sizeof(p), fmt, 8);
	OK_O(unpriv_opts, p); /* the helper initialized the 8 bytes */
	snprintf(p, sizeof(p), fmt, 0);
	ERR(4, "R4 invalid zero-sized read: u64=[0,0]", p);
	snprintf(p, sizeof(p), fmt, -1);
	ERR(4, "R4 min value is negative, either use unsigned or 'var &= const'", p);
	/* Linux (check_stack_access_within_bounds with ACCESS_HELPER): " indirect access to" */
	snprintf(p, sizeof(p), fmt, 16);
	ERR(4, "invalid write to stack R3 off=-8 size=16", p);
	ERR(5, "R4 unbounded memory access, use 'var &= const' or 'if (var < const)'",
	    "ldxw %r4, [%r1+0]\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nor %r4, 1\ncall 26\n"
	    "mov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* Ring buffer references                                                           */

/* r0 = bpf_ringbuf_reserve(&rb, 8, 0) at insn 4 (insns 0..4). */
#define RB_RESERVE                                                                              \
	"ldmap %r1, 2\n"                                                                        \
	"mov %r2, 8\n"                                                                          \
	"mov %r3, 0\n"                                                                          \
	"call 131\n"

TEST(verifier_ringbuf_submit_ok)
{
	OK(RB_RESERVE
	   "jeq %r0, 0, out\n"
	   "stdw [%r0+0], 1\n"
	   "mov %r1, %r0\n"
	   "mov %r2, 0\n"
	   "call 132\n"
	   "out:\n"
	   "mov %r0, 0\n"
	   "exit\n");
	/* discard releases too */
	OK(RB_RESERVE
	   "jeq %r0, 0, out\n"
	   "mov %r1, %r0\n"
	   "mov %r2, 0\n"
	   "call 133\n"
	   "out:\n"
	   "mov %r0, 0\n"
	   "exit\n");
}

TEST(verifier_ringbuf_leak)
{
	ERR(8, "Unreleased reference id=2 alloc_insn=4",
	    RB_RESERVE
	    "jeq %r0, 0, out\n"
	    "stdw [%r0+0], 1\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
	/* leaked on one path only */
	ERR(12, "Unreleased reference id=2 alloc_insn=5",
	    "ldxw %r6, [%r1+0]\n"
	    "ldmap %r1, 2\n"
	    "mov %r2, 8\n"
	    "mov %r3, 0\n"
	    "call 131\n"
	    "jeq %r0, 0, out\n"
	    "jeq %r6, 0, out\n"
	    "mov %r1, %r0\n"
	    "mov %r2, 0\n"
	    "call 132\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
}

TEST(verifier_ringbuf_misuse)
{
	/* no null check */
	ERR(7, "R1 type=ringbuf_mem_or_null expected=ringbuf_mem",
	    RB_RESERVE "mov %r1, %r0\nmov %r2, 0\ncall 132\nmov %r0, 0\nexit\n");
	/* past the reserved size */
	ERR(6, "invalid access to memory, mem_size=8 off=8 size=8",
	    RB_RESERVE "jeq %r0, 0, +1\nstdw [%r0+8], 1\nmov %r0, 0\nexit\n");
	/* use after submit (privileged: the pointer becomes a scalar) */
	ERR(10, "R6 invalid mem access 'scalar'",
	    RB_RESERVE
	    "jeq %r0, 0, out\n"
	    "mov %r6, %r0\n"
	    "mov %r1, %r0\n"
	    "mov %r2, 0\n"
	    "call 132\n"
	    "stdw [%r6+0], 1\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
	/* a modified pointer cannot be released */
	ERR(9, "R1 must have zero offset when passed to release func",
	    RB_RESERVE
	    "jeq %r0, 0, out\n"
	    "mov %r1, %r0\n"
	    "add %r1, 4\n"
	    "mov %r2, 0\n"
	    "call 132\n"
	    "out:\n"
	    "mov %r0, 0\n"
	    "exit\n");
	/* the size must be a known constant */
	ERR(5, "R2 is not a known constant'",
	    "ldxw %r2, [%r1+0]\nldmap %r1, 2\nmov %r3, 0\nand %r2, 8\ncall 131\nmov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* Spin locks                                                                       */

/* r6 = the value of map 3 (key 0, never null), insns 0..6; its lock is at offset 0. Programs
 * with locks are tc programs: socket filters may not use them. */
#define LOCK_VALUE                                                                              \
	"stw [%r10-4], 0\n"                                                                     \
	"mov %r2, %r10\n"                                                                       \
	"add %r2, -4\n"                                                                         \
	"ldmap %r1, 3\n"                                                                        \
	"call 1\n"                                                                              \
	"mov %r6, %r0\n"

/* (tc: Linux refuses maps with a lock to socket filters) */
TEST(verifier_spin_lock_ok)
{
	OK_O(cls_opts, LOCK_VALUE
	   "mov %r1, %r6\n"
	   "call 93\n"
	   "ldxdw %r0, [%r6+8]\n"
	   "mov %r1, %r6\n"
	   "call 94\n"
	   "mov %r0, 0\n"
	   "exit\n");
}

TEST(verifier_spin_lock_rules)
{
	ERR_O(cls_opts, 10, "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region",
	    LOCK_VALUE "mov %r1, %r6\ncall 93\nmov %r0, 0\nexit\n");
	ERR_O(cls_opts, 9, "function calls are not allowed while holding a lock",
	    LOCK_VALUE "mov %r1, %r6\ncall 93\ncall 5\nmov %r1, %r6\ncall 94\nmov %r0, 0\nexit\n");
	ERR_O(cls_opts, 9, "off 4 doesn't point to 'struct bpf_spin_lock' that is at 0",
	    LOCK_VALUE "mov %r1, %r6\nadd %r1, 4\ncall 93\nmov %r0, 0\nexit\n");
	ERR_O(cls_opts, 8, "bpf_spin_unlock without taking a lock", LOCK_VALUE "mov %r1, %r6\ncall 94\nmov %r0, 0\nexit\n");
	ERR_O(cls_opts, 7, "bpf_spin_lock cannot be accessed directly by load/store",
	    LOCK_VALUE "ldxw %r0, [%r6+0]\nexit\n");
	OK_O(cls_opts, LOCK_VALUE "ldxw %r0, [%r6+4]\nexit\n");
	ERR_O(cls_opts, 8, "map 'arr' has no valid bpf_spin_lock",
	    ARR_VALUE "mov %r6, %r0\nmov %r1, %r6\ncall 93\nmov %r0, 0\nexit\n");
	/* Socket filters may not name a map whose values hold a lock, reachable or not. */
	ERR(-1, "socket filter progs cannot use bpf_spin_lock yet",
	    "ja +2\nldmap %r1, 3\nmov %r0, 0\nexit\n");
}

/* ================================================================================ */
/* Loops                                                                            */

TEST(verifier_bounded_loop)
{
	OK("mov %r1, 0\n"
	   "loop:\n"
	   "add %r1, 1\n"
	   "jlt %r1, 10, loop\n"
	   "mov %r0, 0\n"
	   "exit\n");
	/* a loop bounded by an unknown but bounded value */
	OK("ldxw %r2, [%r1+0]\n"
	   "and %r2, 31\n"
	   "mov %r1, 0\n"
	   "loop:\n"
	   "add %r1, 1\n"
	   "jlt %r1, %r2, loop\n"
	   "mov %r0, 0\n"
	   "exit\n");
}

TEST(verifier_unbounded_loop_too_large)
{
	struct verifier_result res;

	if (verdict(__LINE__,
		    "mov %r1, 0\n"
		    "loop:\n"
		    "add %r1, 1\n"
		    "jne %r1, 0, loop\n"
		    "mov %r0, 0\n"
		    "exit\n",
		    &def_opts, &res) < 0)
		return;
	CHECK(!res.accepted);
	CHECK_STR(res.error, "BPF program is too large. Processed 1000001 insn");
	CHECK_EQ(res.error_insn, 2);
	CHECK_EQ(res.err, -E2BIG);
}

TEST(verifier_infinite_loop_detected)
{
	/* an unconditional loop that changes nothing */
	ERR(3, "infinite loop detected at insn 3",
	    "mov %r0, 0\n"
	    "ldxw %r1, [%r1+0]\n"
	    "jeq %r1, 0, out\n"
	    "loop:\n"
	    "mov %r2, 5\n"
	    "ja loop\n"
	    "out:\n"
	    "exit\n");
}

/* The same state again at a loop head, through a conditional jump that is always taken:
 * Linux checks states_maybe_looping() at every prune point that has a state still being
 * explored, so it reports "infinite loop detected" within a few iterations. */
TEST(verifier_infinite_loop_detected_cond_jump)
{
	struct verifier_result res;

	if (verdict(__LINE__,
		    "mov %r1, 0\n"
		    "loop:\n"
		    "mov %r2, 5\n"
		    "jeq %r1, 0, loop\n"
		    "mov %r0, 0\n"
		    "exit\n",
		    &def_opts, &res) < 0)
		return;
	CHECK(!res.accepted);
	CHECK_CONTAINS(res.error, "infinite loop detected at insn ");
	CHECK(res.insns_processed < 1000);
}

TEST(verifier_bpf_loop_callback)
{
	/* bpf_loop(10, cb, NULL, 0): the callback returns 0 or 1 */
	OK("mov %r1, 10\n"
	   "ldfunc %r2, cb\n"
	   "mov %r3, 0\n"
	   "mov %r4, 0\n"
	   "call 181\n"
	   "mov %r0, 0\n"
	   "exit\n"
	   "cb:\n"
	   "mov %r0, 0\n"
	   "exit\n");
	ERR(9, "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
	    "mov %r1, 10\n"
	    "ldfunc %r2, cb\n"
	    "mov %r3, 0\n"
	    "mov %r4, 0\n"
	    "call 181\n"
	    "mov %r0, 0\n"
	    "exit\n"
	    "cb:\n"
	    "mov %r0, 2\n"
	    "exit\n");
}

/* Callback runs are counted per state so that a callback's next run meeting its previous
 * run's state is not a loop (tests/progs/verifier_callback_rerun.bpf.c); a loop inside one run
 * of a callback still is. */
TEST(verifier_infinite_loop_in_callback)
{
	struct verifier_result res;

	if (verdict(__LINE__,
		    "mov %r1, 2\n"
		    "ldfunc %r2, cb\n"
		    "mov %r3, 0\n"
		    "mov %r4, 0\n"
		    "call 181\n"
		    "mov %r0, 0\n"
		    "exit\n"
		    "cb:\n"
		    "mov %r0, 0\n"
		    "loop:\n"
		    "mov %r2, 5\n"
		    "jeq %r0, 0, loop\n"
		    "exit\n",
		    &def_opts, &res) < 0)
		return;
	CHECK(!res.accepted);
	CHECK_CONTAINS(res.error, "infinite loop detected at insn ");
	CHECK(res.insns_processed < 1000);
}

/* ================================================================================ */
/* Static subprograms                                                               */

TEST(verifier_subprog_args_and_return)
{
	/* f(r1) = r1 + 1; the caller's map value access at r0 + f(6) - 6: in bounds for 7 */
	static const char *fmt = ARR_VALUE_F
		"mov %%r6, %%r0\n"      /* 6 */
		"mov %%r1, %d\n"        /* 7 */
		"call local f\n"        /* 8 */
		"add %%r6, %%r0\n"      /* 9 */
		"ldxb %%r0, [%%r6+0]\n" /* 10 */
		"exit\n"
		"f:\n"
		"mov %%r0, %%r1\n"
		"add %%r0, 1\n"
		"exit\n";
	char p[1024];

	snprintf(p, sizeof(p), fmt, 6);
	OK(p);
	snprintf(p, sizeof(p), fmt, 7);
	ERR(10, "invalid access to map value, value_size=8 off=8 size=1", p);
}

TEST(verifier_subprog_clobbers_r1_r5)
{
	ERR(3, "R1 !read_ok", "mov %r1, 1\ncall local f\nmov %r0, 0\nadd %r0, %r1\nexit\nf:\nmov %r0, 0\nexit\n");
	ERR(2, "R5 !read_ok", "mov %r5, 1\ncall local f\nmov %r0, %r5\nexit\nf:\nmov %r0, 0\nexit\n");
	OK("mov %r6, 1\ncall local f\nmov %r0, %r6\nexit\nf:\nmov %r0, 0\nexit\n");
	/* the callee sees only what the caller set */
	ERR(4, "R2 !read_ok", "mov %r1, 1\ncall local f\nexit\nf:\nmov %r0, %r1\nadd %r0, %r2\nexit\n");
	/* the callee's R6 is not the caller's */
	ERR(3, "R6 !read_ok", "mov %r6, 1\ncall local f\nexit\nf:\nmov %r0, %r6\nexit\n");
	/* a stack pointer cannot be returned */
	ERR(4, "cannot return stack pointer to the caller",
	    "call local f\nmov %r0, 0\nexit\nf:\nmov %r0, %r10\nexit\n");
}

TEST(verifier_subprog_stack_pointer_arg)
{
	/* the callee writes through the caller's stack pointer */
	OK("mov %r1, %r10\n"
	   "add %r1, -8\n"
	   "call local f\n"
	   "ldxdw %r0, [%r10-8]\n"
	   "exit\n"
	   "f:\n"
	   "stdw [%r1+0], 7\n"
	   "mov %r0, 0\n"
	   "exit\n");
	ERR(5, "invalid write to stack R1 off=0 size=8",
	    "mov %r1, %r10\n"
	    "add %r1, -8\n"
	    "call local f\n"
	    "ldxdw %r0, [%r10-8]\n"
	    "exit\n"
	    "f:\n"
	    "stdw [%r1+8], 7\n"
	    "mov %r0, 0\n"
	    "exit\n");
}

/* A callee's stack pointer stored into its caller's frame would dangle after the return (and
 * name a frame the walk has dropped). */
TEST(verifier_subprog_no_callee_stack_pointer_in_caller)
{
	ERR(6, "cannot spill pointers to stack into stack frame of the caller",
	    "mov %r1, %r10\n"
	    "add %r1, -8\n"
	    "call local f\n"
	    "ldxdw %r0, [%r10-8]\n"
	    "exit\n"
	    "f:\n"
	    "mov %r2, %r10\n"
	    "stxdw [%r1+0], %r2\n"
	    "mov %r0, 0\n"
	    "exit\n");
	/* Its own frame is fine. */
	OK("call local f\n"
	   "exit\n"
	   "f:\n"
	   "mov %r2, %r10\n"
	   "stxdw [%r10-8], %r2\n"
	   "mov %r0, 0\n"
	   "exit\n");
}

static void chain_prog(char *p, size_t size, int nfuncs)
{
	size_t n = (size_t)snprintf(p, size, "call local f1\nexit\n");

	for (int i = 1; i <= nfuncs; i++) {
		if (i < nfuncs)
			n += (size_t)snprintf(p + n, size - n, "f%d:\ncall local f%d\nexit\n", i, i + 1);
		else
			n += (size_t)snprintf(p + n, size - n, "f%d:\nmov %%r0, 0\nexit\n", i);
	}
}

TEST(verifier_subprog_frame_limit)
{
	char p[2048];

	/* main + 7 functions: 8 frames */
	chain_prog(p, sizeof(p), 7);
	OK(p);
	/* main + 8: the 8th function's frame cannot call the 9th */
	chain_prog(p, sizeof(p), 8);
	ERR(14, "the call stack of 9 frames is too deep !", p);
}

TEST(verifier_return_range)
{
	OK_O(ret01_opts, "mov %r0, 1\nexit\n");
	ERR_O(ret01_opts, 1, "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
	      "mov %r0, 2\nexit\n");
	ERR_O(ret01_opts, 1, "At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]",
	      "mov %r0, -1\nexit\n");
	ERR_O(ret01_opts, 1,
	      "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
	      "ldxw %r0, [%r1+0]\nexit\n");
	OK_O(ret01_opts, "ldxw %r0, [%r1+0]\nand %r0, 1\nexit\n");
	ERR_O(ret01_opts, 1, "At program exit the register R0 is not a known value (ctx)",
	      "mov %r0, %r1\nexit\n");
	/* a subprogram's return value is not checked against the range, the main one's is */
	OK_O(ret01_opts, "call local f\nmov %r0, 0\nexit\nf:\nmov %r0, 9\nexit\n");
	ERR_O(ret01_opts, 1, "At program exit the register R0 has smin=9 smax=9 should have been in [0, 1]",
	      "call local f\nexit\nf:\nmov %r0, 9\nexit\n");
}

/* ================================================================================ */
/* bpf_throw                                                                        */

TEST(verifier_throw_ends_path)
{
	/* the exit after the throw is never reached: its uninitialized R0 does not matter */
	OK("mov %r1, 0\nkcall 0\nexit\n");
	/* a plain kfunc returns: R0 is not set */
	ERR(2, "R0 !read_ok", "mov %r1, 0\nkcall 1\nexit\n");
	/* only the throwing branch may leave R0 unset */
	OK("ldxw %r2, [%r1+0]\n"
	   "mov %r1, 0\n"
	   "jeq %r2, 0, +2\n"
	   "kcall 0\n"
	   "exit\n"
	   "mov %r0, 0\n"
	   "exit\n");
	ERR(5, "R0 !read_ok",
	    "ldxw %r2, [%r1+0]\n"
	    "mov %r1, 0\n"
	    "jeq %r2, 0, +2\n"
	    "kcall 1\n"
	    "mov %r3, 0\n"
	    "exit\n");
	ERR(0, "invalid kernel function call not eliminated in verifier pass",
	    "kcall 5\nmov %r0, 0\nexit\n");
}

TEST(verifier_throw_cookie_is_return_value)
{
	OK_O(ret01_opts, "mov %r1, 1\nkcall 0\nexit\n");
	ERR_O(ret01_opts, 1, "At program exit the register R1 has smin=5 smax=5 should have been in [0, 1]",
	      "mov %r1, 5\nkcall 0\nexit\n");
}

/* ================================================================================ */
/* Pruning soundness: the unsafe state must be explored no matter which side of the
 * diamond the verifier walks first.                                                */

/* r7 = ctx field (unknown), r0 = map value (never null), then a diamond on r7 whose
 * fall-through sets r1 = FT and whose jump target sets r1 = JT; at the join r0 + r1 is
 * dereferenced. Padding makes the join a checkpoint for sure. */
static void diamond_reg(char *p, size_t size, int ft, int jt)
{
	snprintf(p, size,
		 "ldxw %%r7, [%%r1+0]\n" /* 0 */
		 "stw [%%r10-4], 0\n"	 /* 1 */
		 "mov %%r2, %%r10\n"	 /* 2 */
		 "add %%r2, -4\n"	 /* 3 */
		 "ldmap %%r1, 0\n"	 /* 4 */
		 "call 1\n"		 /* 6 */
		 "mov %%r3, 0\n"	 /* 7 */
		 "mov %%r3, 0\n"	 /* 8 */
		 "mov %%r3, 0\n"	 /* 9 */
		 "mov %%r3, 0\n"	 /* 10 */
		 "jeq %%r7, 0, other\n"	 /* 11 */
		 "mov %%r1, %d\n"	 /* 12 */
		 "ja join\n"		 /* 13 */
		 "other:\n"
		 "mov %%r1, %d\n" /* 14 */
		 "join:\n"
		 "add %%r0, %%r1\n"	/* 15 */
		 "ldxb %%r0, [%%r0+0]\n" /* 16 */
		 "exit\n",
		 ft, jt);
}

TEST(verifier_prune_register_both_orders)
{
	char p[2048];

	diamond_reg(p, sizeof(p), 0, 0);
	OK(p);
	diamond_reg(p, sizeof(p), 0, 100); /* the safe side first */
	ERR(16, "invalid access to map value, value_size=8 off=100 size=1", p);
	diamond_reg(p, sizeof(p), 100, 0); /* the unsafe side first */
	ERR(16, "invalid access to map value, value_size=8 off=100 size=1", p);
	diamond_reg(p, sizeof(p), 7, 8);
	ERR(16, "invalid access to map value, value_size=8 off=8 size=1", p);
	diamond_reg(p, sizeof(p), 8, 7);
	ERR(16, "invalid access to map value, value_size=8 off=8 size=1", p);
}

/* The same through a stack slot: each side stores its offset into fp-16 (8-byte constant
 * spills, or 4-byte immediates: narrow constant spills at a slot's start). */
static void diamond_stack(char *p, size_t size, const char *st, const char *ld, int ft, int jt)
{
	snprintf(p, size,
		 "ldxw %%r7, [%%r1+0]\n" /* 0 */
		 "stw [%%r10-4], 0\n"	 /* 1 */
		 "mov %%r2, %%r10\n"	 /* 2 */
		 "add %%r2, -4\n"	 /* 3 */
		 "ldmap %%r1, 0\n"	 /* 4 */
		 "call 1\n"		 /* 6 */
		 "mov %%r3, 0\n"	 /* 7 */
		 "mov %%r3, 0\n"	 /* 8 */
		 "mov %%r3, 0\n"	 /* 9 */
		 "mov %%r3, 0\n"	 /* 10 */
		 "jeq %%r7, 0, other\n"	 /* 11 */
		 "%s [%%r10-16], %d\n"	 /* 12 */
		 "ja join\n"		 /* 13 */
		 "other:\n"
		 "%s [%%r10-16], %d\n" /* 14 */
		 "join:\n"
		 "%s %%r1, [%%r10-16]\n" /* 15 */
		 "add %%r0, %%r1\n"	  /* 16 */
		 "ldxb %%r0, [%%r0+0]\n"  /* 17 */
		 "exit\n",
		 st, ft, st, jt, ld);
}

TEST(verifier_prune_stack_slot_both_orders)
{
	char p[2048];

	diamond_stack(p, sizeof(p), "stdw", "ldxdw", 3, 3);
	OK(p);
	diamond_stack(p, sizeof(p), "stdw", "ldxdw", 0, 100);
	ERR(17, "invalid access to map value, value_size=8 off=100 size=1", p);
	diamond_stack(p, sizeof(p), "stdw", "ldxdw", 100, 0);
	ERR(17, "invalid access to map value, value_size=8 off=100 size=1", p);
	/* 4-byte immediates at a slot's start are narrow constant spills (Linux 6.3+) */
	diamond_stack(p, sizeof(p), "stw", "ldxw", 0, 0);
	OK(p);
	diamond_stack(p, sizeof(p), "stw", "ldxw", 0, 100);
	ERR(17, "invalid access to map value, value_size=8 off=100 size=1", p);
	diamond_stack(p, sizeof(p), "stw", "ldxw", 100, 0);
	ERR(17, "invalid access to map value, value_size=8 off=100 size=1", p);
}

/* Linked scalars: on one side r2 is a 64-bit copy of r7 (linked: the bound learned on r7
 * at the join holds for r2), on the other a 32-bit copy. r7 is a 32-bit load, so the 32-bit
 * copy is the same value and Linux links it too: every order is accepted. */
static void diamond_linked(char *p, size_t size, const char *ft, const char *jt)
{
	snprintf(p, size,
		 "ldxw %%r7, [%%r1+0]\n" /* 0 */
		 "ldxw %%r8, [%%r1+4]\n" /* 1 */
		 "stw [%%r10-4], 0\n"	 /* 2 */
		 "mov %%r2, %%r10\n"	 /* 3 */
		 "add %%r2, -4\n"	 /* 4 */
		 "ldmap %%r1, 0\n"	 /* 5 */
		 "call 1\n"		 /* 7 */
		 "mov %%r3, 0\n"	 /* 8 */
		 "mov %%r3, 0\n"	 /* 9 */
		 "mov %%r3, 0\n"	 /* 10 */
		 "mov %%r3, 0\n"	 /* 11 */
		 "jeq %%r8, 0, other\n"	 /* 12 */
		 "%s %%r2, %%r7\n"	 /* 13 */
		 "ja join\n"		 /* 14 */
		 "other:\n"
		 "%s %%r2, %%r7\n" /* 15 */
		 "join:\n"
		 "jgt %%r7, 7, out\n"	 /* 16 */
		 "add %%r0, %%r2\n"	 /* 17 */
		 "ldxb %%r0, [%%r0+0]\n" /* 18 */
		 "exit\n"
		 "out:\n"
		 "mov %%r0, 0\n"
		 "exit\n",
		 ft, jt);
}

TEST(verifier_prune_linked_scalar_both_orders)
{
	char p[2048];

	diamond_linked(p, sizeof(p), "mov", "mov");
	OK(p);
	diamond_linked(p, sizeof(p), "mov", "mov32");
	OK(p);
	diamond_linked(p, sizeof(p), "mov32", "mov");
	OK(p);
}

/* Linked with an offset (r2 = r7 + 1 stays linked to r7): bounds on r7 bound r2 + ... */
TEST(verifier_linked_scalar_with_offset)
{
	static const char *fmt = "mov %%r6, %%r1\n" ARR_VALUE_F
				 "ldxw %%r7, [%%r6+0]\n" /* 6 */
				 "mov %%r2, %%r7\n"	 /* 7 */
				 "add %%r2, %d\n"	 /* 8 */
				 "jgt %%r7, 4, out\n"	 /* 9 */
				 "add %%r0, %%r2\n"	 /* 10 */
				 "ldxb %%r0, [%%r0+0]\n" /* 11 */
				 "exit\n"
				 "out:\n"
				 "mov %%r0, 0\n"
				 "exit\n";
	char p[1024];

	snprintf(p, sizeof(p), fmt, 3); /* r2 in [3, 7] */
	OK(p);
	snprintf(p, sizeof(p), fmt, 4); /* r2 in [4, 8] */
	ERR(12, "invalid access to map value, value_size=8 off=8 size=1", p);
}

/* Pruning with a packet range: one side checked 8 bytes, the other did not. */
static void diamond_pkt(char *p, size_t size, bool check_first)
{
	const char *chk = "mov %r4, %r2\nadd %r4, 8\njgt %r4, %r3, out\n";
	const char *nochk = "mov %r4, %r2\nmov %r5, 0\nmov %r5, 0\n";

	snprintf(p, size,
		 "ldxw %%r7, [%%r1+0]\n"
		 "ldxw %%r2, [%%r1+76]\n"
		 "ldxw %%r3, [%%r1+80]\n"
		 "mov %%r5, 0\n"
		 "mov %%r5, 0\n"
		 "mov %%r5, 0\n"
		 "mov %%r5, 0\n"
		 "mov %%r5, 0\n"
		 "jeq %%r7, 0, other\n" /* 8 */
		 "%s"		       /* 9..11 */
		 "ja join\n"	       /* 12 */
		 "other:\n"
		 "%s" /* 13..15 */
		 "join:\n"
		 "ldxdw %%r0, [%%r2+0]\n" /* 16 */
		 "exit\n"
		 "out:\n"
		 "mov %%r0, 0\n"
		 "exit\n",
		 check_first ? chk : nochk, check_first ? nochk : chk);
}

TEST(verifier_prune_packet_range_both_orders)
{
	char p[2048];

	diamond_pkt(p, sizeof(p), true);
	ERR(16, "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)", p);
	diamond_pkt(p, sizeof(p), false);
	ERR(16, "invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)", p);
}

/* Pruning with a null check: one side checked the value, the other did not. */
TEST(verifier_prune_null_check_both_orders)
{
	static const char *fmt = "ldxw %%r7, [%%r1+0]\n" ARR_LOOKUP_NULL_F /* 1..6 */
				 "mov %%r3, 0\n"			  /* 7 */
				 "mov %%r3, 0\n"			  /* 8 */
				 "mov %%r3, 0\n"			  /* 9 */
				 "jeq %%r7, 0, other\n"			  /* 10 */
				 "%s"					  /* 11..12 */
				 "ja join\n"				  /* 13 */
				 "other:\n"
				 "%s" /* 14..15 */
				 "join:\n"
				 "ldxb %%r0, [%%r0+0]\n" /* 16 */
				 "exit\n"
				 "out:\n"
				 "mov %%r0, 0\n"
				 "exit\n";
	const char *chk = "jeq %r0, 0, out\nmov %r3, 0\n", *nochk = "mov %r3, 0\nmov %r3, 0\n";
	char p[2048];

	snprintf(p, sizeof(p), fmt, chk, nochk);
	ERR(16, "R0 invalid mem access 'map_value_or_null'", p);
	snprintf(p, sizeof(p), fmt, nochk, chk);
	ERR(16, "R0 invalid mem access 'map_value_or_null'", p);
	snprintf(p, sizeof(p), fmt, chk, chk);
	OK(p);
}

/* Inside a callee: the caller's registers at a checkpoint in the callee count too. */
TEST(verifier_prune_in_callee_keeps_caller_regs)
{
	static const char *fmt = "ldxw %%r7, [%%r1+0]\n" ARR_VALUE_F /* 1..6 */
				 "mov %%r6, %%r0\n"		    /* 7 */
				 "jeq %%r7, 0, other\n"		    /* 8 */
				 "mov %%r8, %d\n"		    /* 9 */
				 "ja call\n"			    /* 10 */
				 "other:\n"
				 "mov %%r8, %d\n" /* 11 */
				 "call:\n"
				 "call local f\n"	 /* 12 */
				 "add %%r6, %%r8\n"	 /* 13 */
				 "ldxb %%r0, [%%r6+0]\n" /* 14 */
				 "exit\n"
				 "f:\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "mov %%r0, 0\n"
				 "exit\n";
	char p[2048];

	snprintf(p, sizeof(p), fmt, 0, 100);
	ERR(14, "invalid access to map value, value_size=8 off=100 size=1", p);
	snprintf(p, sizeof(p), fmt, 100, 0);
	ERR(14, "invalid access to map value, value_size=8 off=100 size=1", p);
	snprintf(p, sizeof(p), fmt, 1, 2);
	OK(p);
}

/* ================================================================================ */
/* Liveness: a dead register that differs does not prevent pruning                   */

static void diamonds(char *p, size_t size, int n, bool use_r2_at_end)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, size - len,
					"ldxw %%r3, [%%r1+0]\n"
					"jeq %%r3, 0, b%d\n"
					"mov %%r2, %d\n"
					"ja j%d\n"
					"b%d:\n"
					"mov %%r2, %d\n"
					"j%d:\n",
					i, i, i, i, 1000 + i, i);
	snprintf(p + len, size - len, use_r2_at_end ? "mov %%r0, %%r2\nexit\n" : "mov %%r0, 0\nexit\n");
}

TEST(verifier_liveness_dead_register_prunes)
{
	static char p[16384];
	struct verifier_result res;

	diamonds(p, sizeof(p), 30, false);
	if (verdict(__LINE__, p, &def_opts, &res) < 0)
		return;
	CHECK(res.accepted);
	if (res.insns_processed >= 2000)
		test_fail(__FILE__, __LINE__, "30 diamonds: %llu insns processed",
			  (unsigned long long)res.insns_processed);
	/* r2 read at the end: only the last join differs, still small */
	diamonds(p, sizeof(p), 30, true);
	if (verdict(__LINE__, p, &def_opts, &res) < 0)
		return;
	CHECK(res.accepted);
	if (res.insns_processed >= 2000)
		test_fail(__FILE__, __LINE__, "30 diamonds, r2 live at the end: %llu insns processed",
			  (unsigned long long)res.insns_processed);
}

/* A dead stack-stored pointer vs scalar difference is not the point here; what is: the
 * liveness pass must treat a register read inside a callee as live at the call site. */
TEST(verifier_liveness_callee_reads_arg)
{
	static const char *fmt = "ldxw %%r7, [%%r1+0]\n" ARR_VALUE_F /* 1..6 */
				 "mov %%r6, %%r0\n"		    /* 7 */
				 "mov %%r3, 0\n"		    /* 8 */
				 "mov %%r3, 0\n"		    /* 9 */
				 "jeq %%r7, 0, other\n"		    /* 10 */
				 "mov %%r2, %d\n"		    /* 11 */
				 "ja join\n"			    /* 12 */
				 "other:\n"
				 "mov %%r2, %d\n" /* 13 */
				 "join:\n"
				 "mov %%r1, %%r6\n"	  /* 14 */
				 "call local f\n"	  /* 15 */
				 "exit\n"		  /* 16 */
				 "f:\n"
				 "add %%r1, %%r2\n"	  /* 17 */
				 "ldxb %%r0, [%%r1+0]\n" /* 18 */
				 "exit\n";
	char p[2048];

	snprintf(p, sizeof(p), fmt, 0, 100);
	ERR(18, "invalid access to map value, value_size=8 off=100 size=1", p);
	snprintf(p, sizeof(p), fmt, 100, 0);
	ERR(18, "invalid access to map value, value_size=8 off=100 size=1", p);
}

/* ================================================================================ */
/* Brute force: verdicts against the ground truth                                    */

TEST(verifier_bruteforce_map_value_const)
{
	static const char *ld[] = {"ldxb", "ldxh", "ldxw", "ldxdw"};
	static const char *st[] = {"stb", "sth", "stw", "stdw"};
	static const int sz[] = {1, 2, 4, 8};
	char p[1024];
	int bad = 0;

	for (int s = 0; s < 4; s++)
		for (int off = -10; off <= 12; off++)
			for (int w = 0; w < 2; w++) {
				bool truth = off >= 0 && off + sz[s] <= 8;
				int v;

				if (w)
					snprintf(p, sizeof(p), ARR_VALUE_F "%s [%%r0%+d], 1\nmov %%r0, 0\nexit\n",
						 st[s], off);
				else
					snprintf(p, sizeof(p), ARR_VALUE_F "%s %%r0, [%%r0%+d]\nexit\n", ld[s],
						 off);
				v = verdict(__LINE__, p, &def_opts, NULL);
				if (v >= 0 && v != truth && bad++ < 5)
					test_fail(__FILE__, __LINE__, "%s size %d off %d: verdict %d, truth %d",
						  w ? "store" : "load", sz[s], off, v, truth);
			}
}

TEST(verifier_bruteforce_map_value_pointer_offset)
{
	/* the constant split between the pointer (add) and the instruction */
	char p[1024];
	int bad = 0;

	for (int padd = -8; padd <= 12; padd++)
		for (int off = -8; off <= 12; off += 3) {
			bool truth = padd + off >= 0 && padd + off + 4 <= 8;
			int v;

			snprintf(p, sizeof(p), ARR_VALUE_F "add %%r0, %d\nldxw %%r0, [%%r0%+d]\nexit\n", padd, off);
			v = verdict(__LINE__, p, &def_opts, NULL);
			if (v >= 0 && v != truth && bad++ < 5)
				test_fail(__FILE__, __LINE__, "add %d, off %d: verdict %d, truth %d", padd, off,
					  v, truth);
		}
}

TEST(verifier_bruteforce_map_value_masked)
{
	static const char *ld[] = {"ldxb", "ldxh", "ldxw", "ldxdw"};
	static const int sz[] = {1, 2, 4, 8};
	char p[1024];
	int bad = 0;

	/* r1 = field & mask: exactly [0, mask] for masks 2^k - 1, a subset otherwise */
	for (int mask = 0; mask <= 16; mask++)
		for (int s = 0; s < 4; s++)
			for (int off = 0; off <= 8; off++) {
				bool truth = (int64_t)mask + off + sz[s] <= 8;
				int v;

				snprintf(p, sizeof(p),
					 "mov %%r6, %%r1\n" ARR_VALUE_F "ldxw %%r1, [%%r6+0]\nand %%r1, %d\n"
					 "add %%r0, %%r1\n%s %%r0, [%%r0+%d]\nexit\n",
					 mask, ld[s], off);
				v = verdict(__LINE__, p, &def_opts, NULL);
				if (v >= 0 && v != truth && bad++ < 5)
					test_fail(__FILE__, __LINE__, "mask %d size %d off %d: verdict %d, truth %d",
						  mask, sz[s], off, v, truth);
			}
}

TEST(verifier_bruteforce_map_value_jump_bound)
{
	static const char *ops[] = {"jgt", "jge", "jgt32", "jsgt"};
	char p[1024];
	int bad = 0;

	/* if r1 OP k goto out: the fall-through has r1 <= k (jgt) or r1 < k (jge) */
	for (int o = 0; o < 4; o++)
		for (int k = 0; k <= 10; k++)
			for (int size = 1; size <= 8; size *= 2) {
				int64_t max = o == 1 ? k - 1 : k;
				bool truth = max + size <= 8;
				const char *ldn = size == 1 ? "ldxb" : size == 2 ? "ldxh" : size == 4 ? "ldxw" : "ldxdw";
				int v;

				if (max < 0)
					continue; /* the fall-through is dead */
				snprintf(p, sizeof(p),
					 "mov %%r6, %%r1\n" ARR_VALUE_F "ldxw %%r1, [%%r6+0]\n%s %%r1, %d, out\n"
					 "add %%r0, %%r1\n%s %%r0, [%%r0+0]\nexit\nout:\nmov %%r0, 0\nexit\n",
					 ops[o], k, ldn);
				v = verdict(__LINE__, p, &def_opts, NULL);
				if (v >= 0 && v != truth && bad++ < 5)
					test_fail(__FILE__, __LINE__, "%s %d size %d: verdict %d, truth %d", ops[o],
						  k, size, v, truth);
			}
}

TEST(verifier_bruteforce_stack)
{
	static const char *st[] = {"stb", "sth", "stw", "stdw"};
	static const int sz[] = {1, 2, 4, 8};
	char p[256];
	int bad = 0;

	for (int s = 0; s < 4; s++)
		for (int off = -530; off <= 8; off++) {
			if (off > -500 && off < -20 && off % 7)
				continue; /* thin out the middle */
			bool truth = off >= -512 && off + sz[s] <= 0 && off % sz[s] == 0;
			int v;

			snprintf(p, sizeof(p), "%s [%%r10%+d], 0\nmov %%r0, 0\nexit\n", st[s], off);
			v = verdict(__LINE__, p, &def_opts, NULL);
			if (v >= 0 && v != truth && bad++ < 5)
				test_fail(__FILE__, __LINE__, "stack store size %d off %d: verdict %d, truth %d",
					  sz[s], off, v, truth);
		}
}

TEST(verifier_bruteforce_packet)
{
	static const char *ld[] = {"ldxb", "ldxh", "ldxw", "ldxdw"};
	static const int sz[] = {1, 2, 4, 8};
	static const char *cmp[] = {"jgt %r4, %r3, out\n", "jlt %r3, %r4, out\n", "jge %r4, %r3, out\n",
				    "jle %r3, %r4, out\n"};
	char p[1024];
	int bad = 0;

	/* n bytes checked (data + n vs data_end, each comparison that leaves the good side
	 * on the fall-through), then a load at data + off. A strict fall-through (c 2 and 3:
	 * data + n < data_end) proves one byte more, as Linux counts it (from data itself,
	 * nothing). */
	for (int c = 0; c < 4; c++)
		for (int n = 0; n <= 12; n += 2)
			for (int s = 0; s < 4; s++)
				for (int off = -2; off <= 12; off++) {
					int proven = c >= 2 && n > 0 ? n + 1 : n;
					bool truth = off >= 0 && off + sz[s] <= proven;
					int v;

					snprintf(p, sizeof(p),
						 "ldxw %%r2, [%%r1+76]\nldxw %%r3, [%%r1+80]\nmov %%r4, %%r2\n"
						 "add %%r4, %d\n%s%s %%r0, [%%r2%+d]\nexit\nout:\nmov %%r0, 0\nexit\n",
						 n, cmp[c], ld[s], off);
					v = verdict(__LINE__, p, &def_opts, NULL);
					if (v >= 0 && v != truth && bad++ < 5)
						test_fail(__FILE__, __LINE__,
							  "cmp %d n %d size %d off %d: verdict %d, truth %d", c, n,
							  sz[s], off, v, truth);
				}
}

TEST(verifier_bruteforce_random_alu_offsets)
{
	/* random chains of constant arithmetic on the offset register: the verifier knows
	 * the constant, so the verdict is the ground truth of the final offset */
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char p[2048];
	int bad = 0;

	for (int t = 0; t < 300; t++) {
		int64_t v = 0;
		size_t len = (size_t)snprintf(p, sizeof(p), ARR_VALUE_F "mov %%r1, 0\n");

		for (int k = 0; k < 4; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			int op = (int)(seed >> 60) % 4, c = (int)((seed >> 40) % 9) - 2;

			switch (op) {
			case 0:
				v += c;
				len += (size_t)snprintf(p + len, sizeof(p) - len, "add %%r1, %d\n", c);
				break;
			case 1:
				v -= c;
				len += (size_t)snprintf(p + len, sizeof(p) - len, "sub %%r1, %d\n", c);
				break;
			case 2:
				v &= c < 0 ? 7 : c;
				len += (size_t)snprintf(p + len, sizeof(p) - len, "and %%r1, %d\n", c < 0 ? 7 : c);
				break;
			default:
				v = v * (c < 0 ? 1 : c);
				len += (size_t)snprintf(p + len, sizeof(p) - len, "mul %%r1, %d\n", c < 0 ? 1 : c);
				break;
			}
		}
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int size = 1 << ((seed >> 50) % 4);
		const char *ldn = size == 1 ? "ldxb" : size == 2 ? "ldxh" : size == 4 ? "ldxw" : "ldxdw";
		bool truth = v >= 0 && v + size <= 8;

		snprintf(p + len, sizeof(p) - len, "add %%r0, %%r1\n%s %%r0, [%%r0+0]\nexit\n", ldn);
		int got = verdict(__LINE__, p, &def_opts, NULL);
		if (got >= 0 && got != truth && bad++ < 5)
			test_fail(__FILE__, __LINE__, "offset %lld size %d: verdict %d, truth %d\n%s",
				  (long long)v, size, got, truth, p);
	}
}

/* n diamonds, each adding 1 or 3 to a counter in r6 (or, spilled, in fp-8): the counter has a
 * different value on most paths. end: what the program does with it at the end. */
static void counter_chain(char *p, size_t size, int n, bool spilled, const char *end)
{
	size_t len = (size_t)snprintf(p, size, "mov %%r6, 0\n%s",
				      spilled ? "stxdw [%r10-8], %r6\n" : "");

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, size - len,
					"ldxw %%r3, [%%r1+0]\n"
					"%s"
					"jeq %%r3, 0, b%d\n"
					"add %%r6, 3\n"
					"ja j%d\n"
					"b%d:\n"
					"add %%r6, 1\n"
					"j%d:\n"
					"%s",
					spilled ? "ldxdw %r6, [%r10-8]\n" : "", i, i, i, i,
					spilled ? "stxdw [%r10-8], %r6\n" : "");
	snprintf(p + len, size - len, "%s", end);
}

static uint64_t chain_cost(int line, const char *p, bool *accepted)
{
	struct verifier_result res;

	*accepted = false;
	if (verdict(line, p, &def_opts, &res) < 0)
		return UINT64_MAX;
	*accepted = res.accepted;
	return res.insns_processed;
}

/* A counter no safety decision reads is a wildcard at joins (static precision): the walk grows
 * linearly with the number of diamonds, in a register or in a stack slot. */
TEST(verifier_precision_counter_prunes)
{
	static char p[32768];
	uint64_t c16, c32;
	bool ok16, ok32;

	for (int spilled = 0; spilled < 2; spilled++) {
		counter_chain(p, sizeof(p), 16, spilled, "mov %r0, %r6\nexit\n");
		c16 = chain_cost(__LINE__, p, &ok16);
		counter_chain(p, sizeof(p), 32, spilled, "mov %r0, %r6\nexit\n");
		c32 = chain_cost(__LINE__, p, &ok32);
		CHECK(ok16 && ok32);
		if (c32 > 3 * c16 || c32 > 2000)
			test_fail(__FILE__, __LINE__, "%s counter: 16 diamonds %llu insns, 32: %llu",
				  spilled ? "spilled" : "register", (unsigned long long)c16,
				  (unsigned long long)c32);
	}
}

/* The same counter used as a map-value offset at the end matters: with 4 diamonds it reaches
 * up to 12, past the 8-byte value, and the verifier must find the path that does. */
TEST(verifier_precision_counter_used_as_offset)
{
	static char p[32768];
	char end[512];

	snprintf(end, sizeof(end),
		 "stw [%%r10-16], 0\nmov %%r2, %%r10\nadd %%r2, -16\nldmap %%r1, 0\ncall 1\n"
		 "jne %%r0, 0, ok\nexit\nok:\nadd %%r0, %%r6\nldxb %%r0, [%%r0+0]\nexit\n");
	for (int spilled = 0; spilled < 2; spilled++) {
		bool ok;

		counter_chain(p, sizeof(p), 4, spilled, end);
		chain_cost(__LINE__, p, &ok);
		CHECK(!ok);
		/* Two diamonds reach at most 6: inside the value. */
		counter_chain(p, sizeof(p), 2, spilled, end);
		chain_cost(__LINE__, p, &ok);
		CHECK(ok);
	}
}

/* The calls that can end in a throw are marked for the engines: the throw, the calls of the
 * function that throws, transitively, and nothing else. */
TEST(verifier_marks_throwing_calls)
{
	static const char *p = "call local f\n"	/* 0: reaches the throw */
			       "call local g\n"	/* 1: does not */
			       "mov %r0, 0\n"
			       "exit\n"
			       "f:\n"
			       "call local h\n"	/* 4 */
			       "exit\n"
			       "g:\n"
			       "mov %r0, 0\n"	/* 6 */
			       "exit\n"
			       "h:\n"
			       "ldxw %r2, [%r1+0]\n" /* 8 */
			       "jne %r2, 0, out\n"
			       "mov %r1, 3\n"
			       "kcall 0\n"	/* 11: bpf_throw */
			       "out:\n"
			       "mov %r0, 0\n"
			       "exit\n";
	struct verifier_result res;

	if (!verify_text(__LINE__, p, &def_opts, &res))
		return;
	CHECK(res.accepted);
	CHECK(res.insn_may_throw != NULL);
	if (res.insn_may_throw) {
		CHECK_EQ(res.insn_may_throw[11], 1);
		CHECK_EQ(res.insn_may_throw[4], 1);
		CHECK_EQ(res.insn_may_throw[0], 1);
		CHECK_EQ(res.insn_may_throw[1], 0);
		CHECK_EQ(res.insn_may_throw[6], 0);
	}
	verifier_result_free(&res);
}
