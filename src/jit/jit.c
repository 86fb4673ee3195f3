/* The x86-64 JIT. One pass over the decoded program emits machine code into a growing buffer,
 * jumps and calls as fixups patched at the end; the buffer is then copied into an anonymous
 * mapping placed near this library's text where possible (so calls to C are `call rel32`),
 * and the mapping is made read+execute.
 *
 * Registers follow Linux's x86 JIT (arch/x86/net/bpf_jit_comp.c): r0 rax, r1 rdi, r2 rsi,
 * r3 rdx, r4 rcx, r5 r8 (the SysV argument registers, so a helper call passes r1-r5 in
 * place), r6 rbx, r7 r13, r8 r14, r9 r15 (callee-saved: a local call preserves them for free),
 * r10 rbp. r10/r11 are scratch, r12 holds the run's context (struct jit_ctx) and r9 carries
 * the sixth helper argument (struct exbpf_run *).
 *
 * Every BPF function (entry 0, each local-call and `lddw func` target) is an x86 function with
 * the frame it needs (emit_prologue(): rbp and the 512-byte stack only if it reads r10, the
 * r6-r9 it writes saved, none at all for a leaf that calls nothing). `exit` is its own
 * epilogue, so r6-r9 and r10 are per frame. When anything needs depths (a depth check, a
 * helper that may call back, a throw) every frame is JIT_FRAME bytes and depths come from
 * rsp: no counter, and calls record nothing; a throw reads each frame's return address and
 * maps it back to the call instruction. The stub at offset 0 saves the host registers the
 * program uses, records rsp in the context (a run-wide stop restores it and returns through
 * the stub) and calls the entry function. A callback (vm_run_call()) enters through the same
 * stub with a context of its own, so each stretch of BPF frames between two C frames unwinds
 * on its own. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "isa/isa.h"
#include "jit/jit.h"
/* The JIT builds the interpreter's vm_prog for the same load checks and messages (helper
 * resolution, rejected lddw forms, callback handles), and so that exbpf_run.pc can point at
 * vm_prog's instructions: vm_run_fail() and vm_run_insn() then name the right instruction. */
#include "vm/vm_priv.h"

#if defined(__x86_64__)

/* What the generated code shares with C, per entry through the stub (the run, and each
 * callback vm_run_call() runs); lives on the C stack of jit_exec() or of the callback's
 * jit_engine_call(). run.depth is stored (from rsp) before each call of a helper that may
 * call back or stop the run; jit_exec() fills none of it for code that calls no C and checks
 * no depth (such code never reads r12). */
struct jit_ctx {
	struct exbpf_run run; /* first: r9 = the context is the helper's run */
	uint64_t entry_rsp;   /* rsp in the stub, for unwinding this context's frames at once */
	/* Set by ctx_init() as offsets from entry_rsp, made absolute by the stub: */
	uint64_t limit;	     /* a local call from a body whose rsp <= limit is one frame too deep */
	uint64_t depth_base; /* (depth_base - rsp) / JIT_FRAME = depth of the frame at rsp */
	uint64_t callx_val;  /* callx's register, for the resolver and the message */
	uint32_t fail_insn;
	int depth0; /* depth of the entry frame */
	const struct jit_prog *jp;
};

/* Why the stub returned early; 0 is a normal exit. */
enum { JIT_OK, JIT_FAIL_DEPTH, JIT_FAIL_CALLX, JIT_FAIL_HELPER, JIT_FAIL_THROW };

/* The stub returns why it stopped, and on a normal exit stores r0 at *r0. */
typedef int (*jit_entry_fn)(struct jit_ctx *ctx, const uint64_t *args, const void *target,
			    uint64_t *r0);

/* Every frame of a function that has one takes exactly JIT_FRAME bytes of the C stack, return
 * address included, whatever it saves: so the frame at depth d (relative to the context's
 * entry) has its body's rsp at entry_rsp - (d + 1) * JIT_FRAME, which is all the depth check,
 * the depth a helper sees and the throw's frame walk need. 8 (return address) + 8 (rbp) + the
 * 512-byte BPF stack + 4 saved registers + the may_goto counter (and its alignment). */
#define JIT_MAY_GOTO_ROOM 16
/* A function with may_goto keeps its budget just below its BPF stack (Linux: in a hidden slot
 * under the function's stack), set by its prologue. */
#define JIT_MAY_GOTO_OFF (-(int32_t)BPF_STACK_SIZE - 8)
#define JIT_FRAME (16 + BPF_STACK_SIZE + 32 + JIT_MAY_GOTO_ROOM)
_Static_assert(JIT_FRAME % 16 == 0, "frame bodies stay 16-byte aligned");
/* (x * JIT_DIV_MUL) >> 32 == x / JIT_FRAME for the multiples of JIT_FRAME a context spans */
#define JIT_DIV_MUL ((UINT64_C(1) << 32) / JIT_FRAME + 1)

/* How one BPF function's frame looks (see emit_prologue()). */
struct jit_fn {
	size_t start, end; /* its instructions: [start, end) */
	bool frame;	   /* it calls something (a leaf without r10 needs no frame) */
	bool fp;	   /* it reads r10 or has may_goto: rbp is saved and set */
	bool may_goto;	   /* it has may_goto: its budget is at rbp + JIT_MAY_GOTO_OFF */
	uint8_t nsaved;	   /* callee-saved registers it writes (of rbx, r13-r15), saved */
	uint8_t saved[4];
	bool check;	   /* its local calls check the depth (it may run as frame 7) */
	uint8_t maxdepth;  /* the deepest frame it may run as (8: unbounded) */
	bool calls_back;   /* it calls a helper that may run a callback (vm_run_call()) */
	bool stops;	   /* it has a call that may stop the run (a throw walks the frames) */
	/* Every frame of the program takes JIT_FRAME bytes: needed when anything computes a
	 * depth from rsp (a depth check, a helper that may call back, a throw). Otherwise a
	 * frame is as small as the 16-byte alignment of its calls allows. */
	bool stride;
	/* Nothing in the program calls C (no helper, kfunc, callx, packet load): frames need not
	 * keep rsp 16-byte aligned either. */
	bool unaligned;
	/* The old uniform layout (a function falls or jumps into another): a frame's code may
	 * belong to another function than the one called, so no static chains. */
	bool uniform;
	const struct jit_chain *chain; /* its frames' calls, for a throw (NULL: read them) */
};

/* A local call: where its callee returns to, and the call instruction. */
struct jit_site {
	uint32_t ret_off;
	uint32_t insn;
};

struct jit_prog {
	struct vm_prog *vm;
	bool needs_ctx; /* the code reads the context (r12): jit_exec() must fill it */
	uint8_t *code;
	const uint8_t *main; /* entry 0's prologue: jit_exec() enters there without a lookup */
	size_t code_size, map_size;
	uint32_t *func_off; /* per insn: offset of its function prologue, or UINT32_MAX */
	size_t cnt;
	/* Every local call's instruction + 1 by its return offset / 4 (0: none), for naming the
	 * frames of a throw with one load each. A call is 5 bytes, so two return offsets are at
	 * least 5 apart and never share a slot; code_size / 4 + 1 slots. */
	uint32_t *sites;
	/* The same frames known statically: per function, the call instructions of the frames
	 * above its own, as far as each function on the way has exactly one local call site
	 * (see plan_chains()). NULL when nothing can throw. */
	struct jit_chain *chains;
};

/* A function's callers while they are unique: insns[k] is the call that made the frame k
 * levels above the function's own (insns[0] calls the function); len of them (0..8). */
struct jit_chain {
	uint32_t len;
	uint32_t insns[BPF_MAX_CALL_FRAMES];
};

/* x86 register numbers. */
enum {
	RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
	R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
};
#define CTX R12

static const uint8_t reg_map[BPF_REG_COUNT] = {RAX, RDI, RSI, RDX, RCX, R8,
					       RBX, R13, R14, R15, RBP};

/* Condition codes (the low nibble of jcc). */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7, CC_NS = 9,
       CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf };

/* FX_ABS: a 6-byte call slot (pos is its start), target an index into em.abs. */
enum fixup_kind { FX_BODY, FX_FUNC, FX_LABEL, FX_ABS };
/* Out-of-line code at the end of the current function: its stop block (why JIT_COLD_STOP) or a
 * failure (mov esi, insn; mov edi, why; jmp fail_common). */
#define JIT_COLD_STOP (-1)
struct cold {
	size_t pos; /* of the rel32 to patch */
	uint32_t insn;
	int why;
};
enum { L_FAIL_COMMON, L_FAIL_HELPER, L_FAIL_THROW, L_COUNT };

struct fixup {
	size_t pos; /* of the rel32 */
	uint32_t target;
	uint8_t kind;
};

#define CALL_SLOT 6 /* nop; call rel32, or call [rip + pool slot] */

struct em {
	uint8_t *p;
	size_t len, cap;
	bool oom;
	struct fixup *fx;
	size_t nfx, fx_cap;
	size_t labels[L_COUNT];
	const void **abs; /* distinct C functions the code calls; one pool slot each */
	size_t nabs, abs_cap;
	struct jit_site *sites;
	size_t nsites, sites_cap;
	const struct jit_fn *fn; /* the function being emitted */
	struct cold *cold;
	size_t ncold, cold_cap;
};

static void b1(struct em *e, uint8_t v)
{
	if (e->len == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4096;
		uint8_t *n = realloc(e->p, cap);
		if (!n) {
			e->oom = true;
			e->len = 0; /* keep writing somewhere harmless */
			return;
		}
		e->p = n;
		e->cap = cap;
	}
	e->p[e->len++] = v;
}

static void b2(struct em *e, uint16_t v)
{
	b1(e, (uint8_t)v);
	b1(e, (uint8_t)(v >> 8));
}

static void b4(struct em *e, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b1(e, (uint8_t)(v >> (8 * i)));
}

static void b8(struct em *e, uint64_t v)
{
	b4(e, (uint32_t)v);
	b4(e, (uint32_t)(v >> 32));
}

static void record_fixup(struct em *e, uint32_t target, uint8_t kind)
{
	if (e->nfx == e->fx_cap) {
		size_t cap = e->fx_cap ? e->fx_cap * 2 : 64;
		struct fixup *n = realloc(e->fx, cap * sizeof(*n));
		if (!n) {
			e->oom = true;
			return;
		}
		e->fx = n;
		e->fx_cap = cap;
	}
	e->fx[e->nfx++] = (struct fixup){e->len, target, kind};
}

static void add_fixup(struct em *e, uint32_t target, uint8_t kind)
{
	record_fixup(e, target, kind);
	b4(e, 0);
}

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* A call to C code at a fixed address. Whether `call rel32` reaches it is known only once the
 * code is mapped, so the slot is patched then (link_calls()). */
static void emit_call_abs(struct em *e, const void *fn)
{
	size_t k = 0;

	while (k < e->nabs && e->abs[k] != fn)
		k++;
	if (k == e->nabs) {
		if (!grow((void **)&e->abs, &e->abs_cap, e->nabs, sizeof(*e->abs))) {
			e->oom = true;
			return;
		}
		e->abs[e->nabs++] = fn;
	}
	record_fixup(e, (uint32_t)k, FX_ABS);
	for (int i = 0; i < CALL_SLOT; i++)
		b1(e, 0);
}

/* Records that the code just emitted ends a local call at insn i (the callee returns here). */
static void add_site(struct em *e, size_t i)
{
	if (!grow((void **)&e->sites, &e->sites_cap, e->nsites, sizeof(*e->sites))) {
		e->oom = true;
		return;
	}
	e->sites[e->nsites++] = (struct jit_site){(uint32_t)e->len, (uint32_t)i};
}

/* Instruction flags for emit_op. */
enum {
	EF_W = 1,    /* REX.W: 64-bit operand */
	EF_RB = 2,   /* always emit REX (byte registers sil/dil) */
	EF_66 = 4,   /* operand-size prefix: 16-bit operand */
	EF_LOCK = 8, /* lock prefix */
};

/* [prefixes] [REX] opcode (oplen bytes, most significant first) modrm [sib] [disp8|disp32].
 * reg is a register or a /digit; rm a register, or with mem a base: [rm + disp]. */
static void emit_op(struct em *e, unsigned fl, uint32_t opc, int oplen, int reg, int rm,
		    bool mem, int32_t disp)
{
	if (fl & EF_LOCK)
		b1(e, 0xf0);
	if (fl & EF_66)
		b1(e, 0x66);
	uint8_t rex = 0x40 | ((fl & EF_W) ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
	if (rex != 0x40 || (fl & EF_RB))
		b1(e, rex);
	for (int i = oplen - 1; i >= 0; i--)
		b1(e, (uint8_t)(opc >> (8 * i)));
	if (!mem) {
		b1(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
		return;
	}
	/* disp8 where it fits: shorter code, the same instruction */
	bool d8 = disp >= -128 && disp <= 127;
	b1(e, (uint8_t)((d8 ? 0x40 : 0x80) | (reg & 7) << 3 | (rm & 7)));
	if ((rm & 7) == RSP)
		b1(e, 0x24);
	if (d8)
		b1(e, (uint8_t)disp);
	else
		b4(e, (uint32_t)disp);
}

static void rr(struct em *e, unsigned fl, uint32_t opc, int oplen, int reg, int rm)
{
	emit_op(e, fl, opc, oplen, reg, rm, false, 0);
}

static void mem(struct em *e, unsigned fl, uint32_t opc, int oplen, int reg, int base,
		int32_t disp)
{
	emit_op(e, fl, opc, oplen, reg, base, true, disp);
}

/* mov dst, src (64 or 32 bits; 32 zero-extends) */
static void mov_rr(struct em *e, bool w64, int dst, int src)
{
	rr(e, w64 ? EF_W : 0, 0x89, 1, src, dst);
}

static void mov_imm64(struct em *e, int dst, uint64_t v)
{
	if (v <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
		if (dst & 8)
			b1(e, 0x41);
		b1(e, (uint8_t)(0xb8 + (dst & 7)));
		b4(e, (uint32_t)v);
	} else if ((int64_t)v == (int32_t)v) {
		rr(e, EF_W, 0xc7, 1, 0, dst);
		b4(e, (uint32_t)v);
	} else {
		b1(e, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
		b1(e, (uint8_t)(0xb8 + (dst & 7)));
		b8(e, v);
	}
}

static void push(struct em *e, int r)
{
	if (r & 8)
		b1(e, 0x41);
	b1(e, (uint8_t)(0x50 + (r & 7)));
}

static void pop(struct em *e, int r)
{
	if (r & 8)
		b1(e, 0x41);
	b1(e, (uint8_t)(0x58 + (r & 7)));
}

static void jmp_label(struct em *e, int label)
{
	b1(e, 0xe9);
	add_fixup(e, (uint32_t)label, FX_LABEL);
}

static void jcc_label(struct em *e, int cc, int label)
{
	b1(e, 0x0f);
	b1(e, (uint8_t)(0x80 + cc));
	add_fixup(e, (uint32_t)label, FX_LABEL);
}

/* Short forward jump: returns where to patch with patch8(). */
static size_t jcc8(struct em *e, int cc)
{
	b1(e, (uint8_t)(0x70 + cc));
	b1(e, 0);
	return e->len - 1;
}

static size_t jmp8(struct em *e)
{
	b1(e, 0xeb);
	b1(e, 0);
	return e->len - 1;
}

static void patch8(struct em *e, size_t at)
{
	if (!e->oom)
		e->p[at] = (uint8_t)(int8_t)(e->len - (at + 1));
}

#define CTX_OFF(field) ((int32_t)offsetof(struct jit_ctx, field))

/* sub rsp, v (v < 0: add) */
static void sub_rsp(struct em *e, int32_t v)
{
	int digit = v < 0 ? 0 : 5;
	uint32_t a = (uint32_t)(v < 0 ? -v : v);

	if (!a)
		return;
	if (a < 128) {
		rr(e, EF_W, 0x83, 1, digit, RSP);
		b1(e, (uint8_t)a);
	} else {
		rr(e, EF_W, 0x81, 1, digit, RSP);
		b4(e, a);
	}
}

/* What a framed function subtracts from rsp besides its pushes (and rbp's). */
static int32_t frame_pad(const struct jit_fn *f)
{
	if (f->stride)
		return JIT_FRAME - 8 - (f->fp ? 8 : 0) - 8 * f->nsaved;
	int32_t body = (f->fp ? BPF_STACK_SIZE : 0) + (f->may_goto ? JIT_MAY_GOTO_ROOM : 0);
	if (f->unaligned)
		return body;
	/* the return address, rbp (if any), the stack (if rbp) and the pushes, 16-byte aligned */
	int32_t used = 8 + (f->fp ? 8 : 0) + body + 8 * f->nsaved;
	return body + (used % 16 ? 8 : 0);
}

static void emit_epilogue(struct em *e)
{
	const struct jit_fn *f = e->fn;

	for (int k = f->nsaved - 1; k >= 0; k--)
		pop(e, f->saved[k]);
	if (f->fp)
		b1(e, 0xc9); /* leave */
	else if (f->frame)
		sub_rsp(e, -frame_pad(f));
	b1(e, 0xc3); /* ret */
}

/* Clears the frame's 512 bytes at [rsp, rsp + 512) (r11 and xmm0 are scratch): pxor xmm0,
 * xmm0; mov r11d, 512; 1: sub r11, 16; movdqu [rsp + r11], xmm0; jnz 1b */
static void emit_zero_frame(struct em *e)
{
	static const uint8_t zero[] = {0x66, 0x0f, 0xef, 0xc0, 0x41, 0xbb, 0x00, 0x02, 0x00,
				       0x00, 0x49, 0x83, 0xeb, 0x10, 0xf3, 0x42, 0x0f, 0x7f,
				       0x04, 0x1c, 0x75, 0xf4};
	_Static_assert(BPF_STACK_SIZE == 0x200, "the zeroing loop assumes 512-byte frames");
	for (size_t i = 0; i < sizeof(zero); i++)
		b1(e, zero[i]);
}

/* A function's frame: [return address] [rbp, if it reads r10] [512-byte BPF stack below rbp,
 * zeroed unless no_stack_zeroing] [padding] [the callee-saved registers it writes] <- rsp,
 * JIT_FRAME bytes in all. A leaf that does not read r10 (it calls nothing: no helper, no local
 * call, no packet load) has no frame, only the pushes of what it writes. */
static void emit_prologue(struct em *e, bool zero_stack)
{
	const struct jit_fn *f = e->fn;
	int32_t pad = frame_pad(f);

	if (f->fp) {
		push(e, RBP);
		mov_rr(e, true, RBP, RSP);
		if (zero_stack) {
			sub_rsp(e, BPF_STACK_SIZE);
			emit_zero_frame(e);
			pad -= BPF_STACK_SIZE;
		}
	}
	if (f->frame)
		sub_rsp(e, pad);
	for (int k = 0; k < f->nsaved; k++)
		push(e, f->saved[k]);
	if (f->may_goto) { /* mov qword [rbp + JIT_MAY_GOTO_OFF], ISA_MAX_LOOPS */
		mem(e, EF_W, 0xc7, 1, 0, RBP, JIT_MAY_GOTO_OFF);
		b4(e, ISA_MAX_LOOPS);
	}
}

/* ---- C functions the code calls (all on paths that pay for what they do) */

/* Builds jp's site table from the emitter's list. */
static int index_sites(struct jit_prog *jp, const struct jit_site *list, size_t n)
{
	if (!n)
		return 0;
	jp->sites = calloc(jp->code_size / 4 + 1, sizeof(*jp->sites));
	if (!jp->sites)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		jp->sites[list[k].ret_off / 4] = list[k].insn + 1;
	return 0;
}

/* Called by the throw path while the frames are still there: records the call that threw
 * (run.pc and run.depth were stored before it), then each enclosing call site of this context,
 * innermost first, as the interpreter's unwinding does: frame d's return address is at
 * entry_rsp - 8 - d * JIT_FRAME (every frame that calls has that size). A callback's context
 * records its own frames; the helper's call site and the frames below it follow when the
 * calling context unwinds. */
static void jit_record_throw(struct jit_ctx *ctx, const struct jit_chain *c)
{
	struct vm_exec *x = ctx->run.exec;
	uint32_t n = x->nthrow;

	if (n >= BPF_MAX_CALL_FRAMES)
		return;
	uint32_t pc = (uint32_t)(ctx->run.pc - ctx->run.prog->insns);
	x->throw_insns[n++] = pc;
	int d = ctx->run.depth - ctx->depth0;
	if (d > BPF_MAX_CALL_FRAMES - (int)n)
		d = BPF_MAX_CALL_FRAMES - (int)n;
	/* Where every function on the way has a single call site, the frames are known without
	 * reading them: the first record of a run copies them at once (room for all 7). */
	if (c && n == 1 && (uint32_t)d <= c->len) {
		memcpy(&x->throw_insns[1], c->insns, (BPF_MAX_CALL_FRAMES - 1) * sizeof(uint32_t));
		x->nthrow = 1 + (uint32_t)d;
		return;
	}
	/* d > 0: this context made local calls, so the site table exists; every return address
	 * in its frames follows one of them (one load each, no checks) */
	const uint32_t *sites = ctx->jp->sites;
	uintptr_t code = (uintptr_t)ctx->jp->code;
	const uint8_t *ret = (const uint8_t *)(uintptr_t)(ctx->entry_rsp - 8) - (size_t)d * JIT_FRAME;
	for (; d > 0; d--, ret += JIT_FRAME) {
		uint64_t r;
		memcpy(&r, ret, 8);
		x->throw_insns[n++] = sites[(r - code) / 4] - 1;
	}
	x->nthrow = n;
}

/* A legacy packet load: the big-endian value, or -1 when [k, k + size) is not in the packet
 * (the frame then returns 0). */
static int64_t jit_pkt_load(const struct vm_exec *x, int32_t k, uint32_t size)
{
	const uint8_t *p = vm_pkt_ptr(x, k, size);

	if (!p)
		return -1;
	if (size == 1)
		return p[0];
	if (size == 2)
		return (int64_t)((uint32_t)p[0] << 8 | p[1]);
	return (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static exbpf_helper_fn jit_callx_resolve(struct jit_ctx *ctx, uint64_t id)
{
	return id <= UINT32_MAX ? vm_helper_find(ctx->run.prog->helpers, (uint32_t)id) : NULL;
}

/* The stub: int stub(struct jit_ctx *ctx, const uint64_t args[5], const void *fn, uint64_t *r0).
 * It saves and zeroes the callee-saved registers the program uses (r6-r9 start at 0, as in the
 * interpreter; each function saves what it writes again, so a frame's r6-r9 survive its calls),
 * and saves r12 if the code needs the context and rbp if a function sets it (a stop cuts
 * through the frames without their epilogues, so the stub restores all of them); then it
 * makes the context's limit and depth_base absolute, loads the r1-r5 the program may read and
 * calls the entry function. A normal exit stores r0 and returns 0, a stop returns why. */
static void emit_stub(struct em *e, const uint8_t *regs, int nregs, bool ctx, bool fp,
		      unsigned args)
{
	int pushed = 1 + nregs + (ctx ? 1 : 0) + (fp ? 1 : 0);
	/* code without a context calls no C: its frames need no 16-byte alignment */
	bool pad = ctx && !(pushed & 1);
	/* r3 is rdx, the target's register: the target moves to r11 if r3 is loaded */
	int target = args >> 3 & 1 ? R11 : RDX;
	static const int arg_regs[] = {RDI, RSI, RDX, RCX, R8};

	push(e, RCX);
	if (fp)
		push(e, RBP);
	if (ctx)
		push(e, R12);
	for (int k = 0; k < nregs; k++)
		push(e, regs[k]);
	if (pad)
		sub_rsp(e, 8); /* 16-byte alignment at the call */
	if (ctx) {
		mov_rr(e, true, CTX, RDI);
		mem(e, EF_W, 0x89, 1, RSP, CTX, CTX_OFF(entry_rsp));
		mov_rr(e, true, RAX, RSP);
		mem(e, EF_W, 0x2b, 1, RAX, CTX, CTX_OFF(limit)); /* sub rax, [limit] */
		mem(e, EF_W, 0x89, 1, RAX, CTX, CTX_OFF(limit));
		mov_rr(e, true, RAX, RSP);
		mem(e, EF_W, 0x03, 1, RAX, CTX, CTX_OFF(depth_base)); /* add rax, [depth_base] */
		mem(e, EF_W, 0x89, 1, RAX, CTX, CTX_OFF(depth_base));
	}
	if (target == R11)
		mov_rr(e, true, R11, RDX);
	if (args)
		mov_rr(e, true, RAX, RSI);
	for (int a = 0; a < 5; a++) {
		if (args >> (a + 1) & 1)
			mem(e, EF_W, 0x8b, 1, arg_regs[a], RAX, 8 * a);
	}
	rr(e, 0, 0x31, 1, RAX, RAX);
	for (int k = 0; k < nregs; k++)
		rr(e, 0, 0x31, 1, regs[k], regs[k]);
	rr(e, 0, 0xff, 1, 2, target); /* call r11 / rdx */
	for (int stopped = 0; stopped < 2; stopped++) {
		/* the second copy is the exit of fail_common */
		if (stopped)
			e->labels[L_FAIL_COMMON] = e->len;
		if (stopped) { /* edi = why, esi = insn */
			mem(e, EF_W, 0x8b, 1, RSP, CTX, CTX_OFF(entry_rsp));
			mem(e, 0, 0x89, 1, RSI, CTX, CTX_OFF(fail_insn));
			mov_rr(e, false, RAX, RDI);
		}
		if (pad)
			sub_rsp(e, -8);
		for (int k = nregs - 1; k >= 0; k--)
			pop(e, regs[k]);
		if (ctx)
			pop(e, R12);
		if (fp)
			pop(e, RBP);
		pop(e, RCX);
		if (!stopped) {
			mem(e, EF_W, 0x89, 1, RAX, RCX, 0); /* mov [rcx], rax */
			rr(e, 0, 0x31, 1, RAX, RAX);
			b1(e, 0xc3);
		} else {
			/* pop r11; jmp r11: the return-stack predictor still holds the
			 * cut-through frames' returns, so a `ret` here would be mispredicted
			 * (the indirect jump is predicted by its target) */
			pop(e, R11);
			rr(e, 0, 0xff, 1, 4, R11);
		}
	}
	e->labels[L_FAIL_HELPER] = e->len;
	b1(e, 0xbf); /* mov edi, imm32 */
	b4(e, JIT_FAIL_HELPER);
	jmp_label(e, L_FAIL_COMMON);
	/* Reached from the frame that threw (its body's rsp, 16-byte aligned): name the frames,
	 * then unwind. */
	e->labels[L_FAIL_THROW] = e->len;
	mov_rr(e, true, RDI, CTX);
	emit_call_abs(e, (const void *)(uintptr_t)jit_record_throw);
	b1(e, 0xbf);
	b4(e, JIT_FAIL_THROW);
	jmp_label(e, L_FAIL_COMMON);
}

/* A helper that may stop the run did: fail, throw, or vm_run_return() from the calling frame.
 * One block per function that has such calls, at its end, with its epilogue. */
static void emit_stop_block(struct em *e)
{
	mem(e, 0, 0x83, 1, 7, CTX, CTX_OFF(run.err)); /* cmp dword [err], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_FAIL_HELPER);
	/* rsi = the function's static chain for jit_record_throw() (r2 is scratch after a
	 * call, and the other stops do not read it) */
	if (e->fn->chain)
		mov_imm64(e, RSI, (uint64_t)(uintptr_t)e->fn->chain);
	else
		rr(e, 0, 0x31, 1, RSI, RSI);
	mem(e, 0, 0x80, 1, 7, CTX, CTX_OFF(run.thrown)); /* cmp byte [thrown], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_FAIL_THROW);
	mem(e, 0, 0xc6, 1, 0, CTX, CTX_OFF(run.ret)); /* mov byte [ret], 0 */
	b1(e, 0);
	mem(e, EF_W, 0x8b, 1, RAX, CTX, CTX_OFF(run.ret_r0));
	emit_epilogue(e);
}

/* A jcc (cc) to out-of-line code at the end of the function: the stop block, or a failure
 * (why) at insn. */
static void jcc_cold(struct em *e, int cc, size_t insn, int why)
{
	b1(e, 0x0f);
	b1(e, (uint8_t)(0x80 + cc));
	if (!grow((void **)&e->cold, &e->cold_cap, e->ncold, sizeof(*e->cold))) {
		e->oom = true;
		return;
	}
	e->cold[e->ncold++] = (struct cold){e->len, (uint32_t)insn, why};
	b4(e, 0);
}

static void patch32(struct em *e, size_t pos)
{
	int32_t rel = (int32_t)((int64_t)e->len - (int64_t)(pos + 4));

	if (!e->oom)
		memcpy(e->p + pos, &rel, 4);
}

/* Emits the current function's out-of-line code: its failures, then its stop block. */
static void emit_fn_tail(struct em *e)
{
	bool stop = false;

	for (size_t c = 0; c < e->ncold; c++) {
		const struct cold *k = &e->cold[c];
		if (k->why == JIT_COLD_STOP) {
			stop = true;
			continue;
		}
		patch32(e, k->pos);
		b1(e, 0xbe); /* mov esi, insn */
		b4(e, k->insn);
		b1(e, 0xbf); /* mov edi, why */
		b4(e, (uint32_t)k->why);
		jmp_label(e, L_FAIL_COMMON);
	}
	if (stop) {
		for (size_t c = 0; c < e->ncold; c++) {
			if (e->cold[c].why == JIT_COLD_STOP)
				patch32(e, e->cold[c].pos);
		}
		emit_stop_block(e);
	}
	e->ncold = 0;
}


/* A helper or kfunc call (fn, or r11 when fn is NULL) with r9 = &ctx->run. A never_stops
 * helper gets a plain call. Any other may call vm_run_call(), which reads run.depth: the
 * frame's depth is stored first (from rsp, see JIT_FRAME). One that may stop the run also
 * records its instruction for the run's services (vm_run_insn(), vm_run_fail()) and, after it,
 * leaves for the function's stop block if the helper asked for anything. */
static void emit_helper_call(struct em *e, const void *fn, const struct vm_insn *pc,
			     bool may_stop, bool never_stops)
{
	_Static_assert(offsetof(struct jit_ctx, run) == 0, "r9 = ctx is &ctx->run");
	if (!never_stops) {
		/* mov r10, [depth_base]; sub r10, rsp; imul r10, r10, M; shr r10, 32 */
		mem(e, EF_W, 0x8b, 1, R10, CTX, CTX_OFF(depth_base));
		rr(e, EF_W, 0x29, 1, RSP, R10);
		rr(e, EF_W, 0x69, 1, R10, R10);
		b4(e, (uint32_t)JIT_DIV_MUL);
		rr(e, EF_W, 0xc1, 1, 5, R10);
		b1(e, 32);
		mem(e, 0, 0x89, 1, R10, CTX, CTX_OFF(run.depth));
	}
	if (may_stop) {
		mov_imm64(e, R10, (uint64_t)(uintptr_t)pc);
		mem(e, EF_W, 0x89, 1, R10, CTX, CTX_OFF(run.pc));
	}
	mov_rr(e, true, R9, CTX);
	if (fn)
		emit_call_abs(e, fn);
	else
		rr(e, 0, 0xff, 1, 2, R11); /* call r11 */
	if (!may_stop)
		return;
	/* movzx r10d, byte [ret]; or r10b, [thrown]; or r10d, [err]; jnz stop: each load has
	 * the size of the store that sets its field (vm_run_throw() and vm_run_return() store
	 * a byte), so a stop does not wait for a failed store-to-load forwarding */
	mem(e, 0, 0x0fb6, 2, R10, CTX, CTX_OFF(run.ret));
	mem(e, 0, 0x0a, 1, R10, CTX, CTX_OFF(run.thrown));
	mem(e, 0, 0x0b, 1, R10, CTX, CTX_OFF(run.err));
	jcc_cold(e, CC_NE, 0, JIT_COLD_STOP);
}

/* LD_ABS / LD_IND: r0 = jit_pkt_load(exec, offset, size); r1-r5 read 0 afterwards; outside
 * the packet the frame returns 0. */
static void emit_ld_pkt(struct em *e, const struct isa_insn *in, int src, uint32_t size,
			bool ind)
{
	if (ind) {
		mov_rr(e, false, RSI, src);
		rr(e, 0, 0x81, 1, 0, RSI); /* add esi, imm32 */
	} else {
		b1(e, 0xbe); /* mov esi, imm32 */
	}
	b4(e, (uint32_t)in->imm);
	mem(e, EF_W, 0x8b, 1, RDI, CTX, CTX_OFF(run.exec));
	b1(e, 0xba); /* mov edx, imm32 */
	b4(e, size);
	emit_call_abs(e, (const void *)(uintptr_t)jit_pkt_load);
	static const int args[] = {RDI, RSI, RDX, RCX, R8};
	for (size_t a = 0; a < sizeof(args) / sizeof(args[0]); a++)
		rr(e, 0, 0x31, 1, args[a], args[a]);
	rr(e, EF_W, 0x85, 1, RAX, RAX);
	size_t ok = jcc8(e, CC_NS);
	rr(e, 0, 0x31, 1, RAX, RAX);
	emit_epilogue(e);
	patch8(e, ok);
}

/* Division and modulo, unsigned and signed, with RFC 9669's results for a zero divisor and for
 * INT_MIN / -1. rax and rdx (r0, r3) are saved around the x86 division. */
static void emit_div(struct em *e, bool w64, bool is_signed, bool is_mod, bool k, int dst,
		     int src, int32_t imm)
{
	unsigned w = w64 ? EF_W : 0;

	if (k) {
		if (w64) {
			rr(e, EF_W, 0xc7, 1, 0, R11);
			b4(e, (uint32_t)imm);
		} else {
			mov_imm64(e, R11, (uint32_t)imm);
		}
	} else {
		mov_rr(e, true, R11, src);
	}
	push(e, RAX);
	push(e, RDX);
	if (dst != RAX)
		mov_rr(e, true, RAX, dst);
	size_t done1 = 0, done2;
	if (is_signed) {
		rr(e, w, 0x83, 1, 7, R11); /* cmp r11, -1 */
		b1(e, 0xff);
		size_t not_neg1 = jcc8(e, CC_NE);
		if (is_mod)
			rr(e, 0, 0x31, 1, RAX, RAX);
		else
			rr(e, w, 0xf7, 1, 3, RAX); /* neg */
		done1 = jmp8(e);
		patch8(e, not_neg1);
	}
	rr(e, w, 0x85, 1, R11, R11);
	size_t nonzero = jcc8(e, CC_NE);
	if (is_mod)
		mov_rr(e, w64, RAX, RAX); /* dst stays (truncated in the 32-bit forms) */
	else
		rr(e, 0, 0x31, 1, RAX, RAX);
	done2 = jmp8(e);
	patch8(e, nonzero);
	if (is_signed) {
		if (w64)
			b1(e, 0x48);
		b1(e, 0x99); /* cqo / cdq */
	} else {
		rr(e, 0, 0x31, 1, RDX, RDX);
	}
	rr(e, w, 0xf7, 1, is_signed ? 7 : 6, R11);
	if (is_mod)
		mov_rr(e, w64, RAX, RDX);
	if (is_signed)
		patch8(e, done1);
	patch8(e, done2);
	mov_rr(e, w64, R11, RAX);
	pop(e, RDX);
	pop(e, RAX);
	mov_rr(e, true, dst, R11);
}

/* Shift by a register: x86 takes the count in cl, and rcx is r4. */
static void emit_shift_x(struct em *e, bool w64, int digit, int dst, int src)
{
	unsigned w = w64 ? EF_W : 0;

	if (src == RCX) {
		rr(e, w, 0xd3, 1, digit, dst);
	} else {
		mov_rr(e, true, R11, RCX);
		mov_rr(e, true, RCX, src);
		if (dst == RCX) {
			rr(e, w, 0xd3, 1, digit, R11);
			mov_rr(e, true, RCX, R11);
		} else {
			rr(e, w, 0xd3, 1, digit, dst);
			mov_rr(e, true, RCX, R11);
		}
	}
	if (!w64)
		mov_rr(e, false, dst, dst); /* a count of 0 must still zero-extend */
}

/* lock or/and/xor with the old value fetched: a cmpxchg loop on rax (r0, saved in r10). */
static void emit_fetch_logic(struct em *e, bool w64, uint8_t opc, int dst, int src, int16_t off)
{
	unsigned w = w64 ? EF_W : 0;
	int base = dst == RAX ? R10 : dst;
	int opnd = src == RAX ? R10 : src;

	mov_rr(e, true, R10, RAX);
	mem(e, w, 0x8b, 1, RAX, base, off);
	size_t loop = e->len;
	mov_rr(e, w64, R11, RAX);
	rr(e, w, opc, 1, opnd, R11);
	mem(e, w | EF_LOCK, 0x0fb1, 2, R11, base, off);
	b1(e, 0x75); /* jne loop */
	b1(e, (uint8_t)(int8_t)(loop - (e->len + 1)));
	mov_rr(e, w64, R11, RAX);
	mov_rr(e, true, RAX, R10);
	mov_rr(e, true, src, R11);
}

/* op dst, imm (add, or, and, sub, xor by /digit), in the imm8 form when imm fits */
static void emit_alu_k(struct em *e, unsigned w, int digit, int dst, int32_t imm)
{
	if (imm == (int8_t)imm) {
		rr(e, w, 0x83, 1, digit, dst);
		b1(e, (uint8_t)imm);
	} else {
		rr(e, w, 0x81, 1, digit, dst);
		b4(e, (uint32_t)imm);
	}
}

/* Pads with long NOPs to an `to`-byte boundary: functions to 16 as C compilers do, loop heads
 * to 32, so that a loop of up to 32 bytes sits in one 32-byte fetch block and one 64-byte line
 * of the op cache (on Zen 3, `add; add; cmp; jbe` running across a 64-byte line took twice the
 * cycles per iteration). */
static void align_to(struct em *e, size_t to)
{
	static const uint8_t nops[][9] = {
		{0x90},
		{0x66, 0x90},
		{0x0f, 0x1f, 0x00},
		{0x0f, 0x1f, 0x40, 0x00},
		{0x0f, 0x1f, 0x44, 0x00, 0x00},
		{0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
		{0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
		{0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
		{0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	};
	size_t pad = (to - (e->len & (to - 1))) & (to - 1);

	while (pad) {
		size_t n = pad > 9 ? 9 : pad;
		for (size_t k = 0; k < n; k++)
			b1(e, nops[n - 1][k]);
		pad -= n;
	}
}

static int jit_cc(unsigned code)
{
	switch (code & 0xf0) {
	case 0x10: return CC_E;
	case 0x20: return CC_A;
	case 0x30: return CC_AE;
	case 0x40: return CC_NE; /* jset: test */
	case 0x50: return CC_NE;
	case 0x60: return CC_G;
	case 0x70: return CC_GE;
	case 0xa0: return CC_B;
	case 0xb0: return CC_BE;
	case 0xc0: return CC_L;
	default: return CC_LE; /* 0xd0 */
	}
}

static const struct vm_helper *helper_row(const struct vm_helper_table *t, uint32_t id)
{
	for (size_t i = 0; t && i < t->cnt; i++) {
		if (t->helpers[i].id == id)
			return &t->helpers[i];
	}
	return NULL;
}

/* Whether the call at insn i may stop the run (see struct jit_opts); row NULL for callx. */
static bool call_may_stop(const struct jit_opts *o, size_t i, const struct vm_helper *row)
{
	if (row && row->never_stops)
		return false;
	return !o->may_stop || o->may_stop[i];
}

/* A helper or kfunc call by id; vm_prog_new_opts() has resolved every id already. */
static void emit_call_id(struct em *e, const struct jit_prog *jp, const struct jit_opts *o,
			 const struct vm_helper_table *t, const struct isa_insn *in, size_t i)
{
	const struct vm_helper *row = helper_row(t, (uint32_t)in->imm);

	emit_helper_call(e, (const void *)(uintptr_t)row->fn, &jp->vm->insns[i],
			 call_may_stop(o, i, row), row->never_stops);
}

/* Emits one instruction. Returns 0, or -EOPNOTSUPP for what the JIT does not compile. */
static int emit_insn(struct em *e, const struct jit_prog *jp, const struct isa_insn *in,
		     size_t i, const struct jit_opts *o, struct log *log)
{
	const struct isa_desc *d = isa_desc_of(in);
	int dst = reg_map[in->dst], src = reg_map[in->src];
	uint8_t code = d->code;
	uint8_t cls = code & 7;
	bool w64 = cls == ISA_ALU64 || cls == ISA_JMP;
	unsigned w = w64 ? EF_W : 0;
	bool k = (code & ISA_X) == 0;

	switch (in->op) {
	/* --- ALU */
#define BINOP_(NAME, OPX, DIGIT)                                                                \
	case ISA_OP_ALU64_##NAME##_K:                                                           \
	case ISA_OP_ALU_##NAME##_K:                                                             \
		emit_alu_k(e, w, DIGIT, dst, in->imm);                                          \
		return 0;                                                                       \
	case ISA_OP_ALU64_##NAME##_X:                                                           \
	case ISA_OP_ALU_##NAME##_X:                                                             \
		rr(e, w, OPX, 1, src, dst);                                                     \
		return 0;
		BINOP_(ADD, 0x01, 0)
		BINOP_(OR, 0x09, 1)
		BINOP_(AND, 0x21, 4)
		BINOP_(SUB, 0x29, 5)
		BINOP_(XOR, 0x31, 6)
#undef BINOP_
	case ISA_OP_ALU64_MUL_K:
	case ISA_OP_ALU_MUL_K:
		rr(e, w, 0x69, 1, dst, dst);
		b4(e, (uint32_t)in->imm);
		return 0;
	case ISA_OP_ALU64_MUL_X:
	case ISA_OP_ALU_MUL_X:
		rr(e, w, 0x0faf, 2, dst, src);
		return 0;
#define SHIFT_(NAME, DIGIT)                                                                     \
	case ISA_OP_ALU64_##NAME##_K:                                                           \
	case ISA_OP_ALU_##NAME##_K: {                                                           \
		unsigned n = (unsigned)in->imm & (w64 ? 63 : 31);                               \
		if (n) {                                                                        \
			rr(e, w, 0xc1, 1, DIGIT, dst);                                          \
			b1(e, (uint8_t)n);                                                      \
		} else if (!w64) {                                                              \
			mov_rr(e, false, dst, dst);                                             \
		}                                                                               \
		return 0;                                                                       \
	}                                                                                       \
	case ISA_OP_ALU64_##NAME##_X:                                                           \
	case ISA_OP_ALU_##NAME##_X:                                                             \
		emit_shift_x(e, w64, DIGIT, dst, src);                                          \
		return 0;
		SHIFT_(LSH, 4)
		SHIFT_(RSH, 5)
		SHIFT_(ARSH, 7)
#undef SHIFT_
	case ISA_OP_ALU64_DIV_K: case ISA_OP_ALU64_DIV_X: case ISA_OP_ALU64_SDIV_K:
	case ISA_OP_ALU64_SDIV_X: case ISA_OP_ALU64_MOD_K: case ISA_OP_ALU64_MOD_X:
	case ISA_OP_ALU64_SMOD_K: case ISA_OP_ALU64_SMOD_X: case ISA_OP_ALU_DIV_K:
	case ISA_OP_ALU_DIV_X: case ISA_OP_ALU_SDIV_K: case ISA_OP_ALU_SDIV_X:
	case ISA_OP_ALU_MOD_K: case ISA_OP_ALU_MOD_X: case ISA_OP_ALU_SMOD_K:
	case ISA_OP_ALU_SMOD_X:
		emit_div(e, w64, in->off == 1, (code & 0xf0) == 0x90, k, dst, src, in->imm);
		return 0;
	case ISA_OP_ALU64_MOV_K:
		if (in->imm == 0) /* no flags live between BPF instructions */
			rr(e, 0, 0x31, 1, dst, dst);
		else
			mov_imm64(e, dst, (uint64_t)(int64_t)in->imm);
		return 0;
	case ISA_OP_ALU_MOV_K:
		mov_imm64(e, dst, (uint32_t)in->imm);
		return 0;
	case ISA_OP_ALU64_MOV_X:
	case ISA_OP_ALU_MOV_X:
		mov_rr(e, w64, dst, src);
		return 0;
	case ISA_OP_ALU64_MOVSX8:
	case ISA_OP_ALU_MOVSX8:
		rr(e, w | EF_RB, 0x0fbe, 2, dst, src);
		return 0;
	case ISA_OP_ALU64_MOVSX16:
	case ISA_OP_ALU_MOVSX16:
		rr(e, w, 0x0fbf, 2, dst, src);
		return 0;
	case ISA_OP_ALU64_MOVSX32:
		rr(e, EF_W, 0x63, 1, dst, src);
		return 0;
	case ISA_OP_ALU64_NEG:
	case ISA_OP_ALU_NEG:
		rr(e, w, 0xf7, 1, 3, dst);
		return 0;
	case ISA_OP_LE16:
		rr(e, 0, 0x0fb7, 2, dst, dst);
		return 0;
	case ISA_OP_LE32:
		mov_rr(e, false, dst, dst);
		return 0;
	case ISA_OP_LE64:
		return 0;
	case ISA_OP_BE16:
	case ISA_OP_BSWAP16:
		rr(e, EF_66, 0xc1, 1, 0, dst); /* rol r16, 8 */
		b1(e, 8);
		rr(e, 0, 0x0fb7, 2, dst, dst);
		return 0;
	case ISA_OP_BE32:
	case ISA_OP_BSWAP32:
	case ISA_OP_BE64:
	case ISA_OP_BSWAP64: {
		bool q = in->op == ISA_OP_BE64 || in->op == ISA_OP_BSWAP64;
		uint8_t rex = (uint8_t)(0x40 | (q ? 8 : 0) | ((dst & 8) ? 1 : 0));
		if (rex != 0x40)
			b1(e, rex);
		b1(e, 0x0f);
		b1(e, (uint8_t)(0xc8 + (dst & 7)));
		return 0;
	}

	/* --- Jumps */
	case ISA_OP_JA:
	case ISA_OP_JA32:
		b1(e, 0xe9);
		add_fixup(e, (uint32_t)isa_branch_target(in, i), FX_BODY);
		return 0;
	case ISA_OP_MAY_GOTO:
		/* dec qword [rbp + JIT_MAY_GOTO_OFF]; js target: the budget's first N uses fall
		 * through, every later one jumps (the count never gets near wrapping) */
		mem(e, EF_W, 0xff, 1, 1, RBP, JIT_MAY_GOTO_OFF);
		b1(e, 0x0f);
		b1(e, (uint8_t)(0x80 + 8)); /* js */
		add_fixup(e, (uint32_t)isa_branch_target(in, i), FX_BODY);
		return 0;
	case ISA_OP_EXIT:
		emit_epilogue(e);
		return 0;
	case ISA_OP_CALL_LOCAL: {
		/* cmp rsp, [limit]; jbe too_deep (where the depth may reach 8: see
		 * plan_depth_checks()); call f: nothing else, before or after */
		if (e->fn->check) {
			mem(e, EF_W, 0x3b, 1, RSP, CTX, CTX_OFF(limit));
			jcc_cold(e, CC_BE, i, JIT_FAIL_DEPTH);
		}
		b1(e, 0xe8);
		add_fixup(e, (uint32_t)isa_branch_target(in, i), FX_FUNC);
		add_site(e, i);
		return 0;
	}
	case ISA_OP_CALL_HELPER:
		emit_call_id(e, jp, o, o->helpers, in, i);
		return 0;
	case ISA_OP_CALL_KFUNC:
		emit_call_id(e, jp, o, o->kfuncs, in, i);
		return 0;
	case ISA_OP_CALLX: {
		mem(e, EF_W, 0x89, 1, dst, CTX, CTX_OFF(callx_val));
		static const int saved[] = {RDI, RSI, RDX, RCX, R8};
		for (int s = 0; s < 5; s++)
			push(e, saved[s]);
		rr(e, EF_W, 0x83, 1, 5, RSP);
		b1(e, 8);
		mov_rr(e, true, RDI, CTX);
		mem(e, EF_W, 0x8b, 1, RSI, CTX, CTX_OFF(callx_val));
		emit_call_abs(e, (const void *)(uintptr_t)jit_callx_resolve);
		rr(e, EF_W, 0x83, 1, 0, RSP);
		b1(e, 8);
		for (int s = 4; s >= 0; s--)
			pop(e, saved[s]);
		rr(e, EF_W, 0x85, 1, RAX, RAX);
		jcc_cold(e, CC_E, i, JIT_FAIL_CALLX);
		mov_rr(e, true, R11, RAX);
		emit_helper_call(e, NULL, &jp->vm->insns[i], call_may_stop(o, i, NULL), false);
		return 0;
	}
	case ISA_OP_LDDW:
		mov_imm64(e, dst, in->imm64);
		return 0;
	case ISA_OP_LDDW_FUNC:
		mov_imm64(e, dst, (uint64_t)isa_branch_target(in, i));
		return 0;
	case ISA_OP_LD_ABS_B: emit_ld_pkt(e, in, src, 1, false); return 0;
	case ISA_OP_LD_ABS_H: emit_ld_pkt(e, in, src, 2, false); return 0;
	case ISA_OP_LD_ABS_W: emit_ld_pkt(e, in, src, 4, false); return 0;
	case ISA_OP_LD_IND_B: emit_ld_pkt(e, in, src, 1, true); return 0;
	case ISA_OP_LD_IND_H: emit_ld_pkt(e, in, src, 2, true); return 0;
	case ISA_OP_LD_IND_W: emit_ld_pkt(e, in, src, 4, true); return 0;

	/* --- Memory */
	case ISA_OP_LDX_B:
		mem(e, 0, 0x0fb6, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LDX_H:
		mem(e, 0, 0x0fb7, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LDX_W:
		mem(e, 0, 0x8b, 1, dst, src, in->off);
		return 0;
	case ISA_OP_LDX_DW:
		mem(e, EF_W, 0x8b, 1, dst, src, in->off);
		return 0;
	case ISA_OP_LDXS_B:
		mem(e, EF_W, 0x0fbe, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LDXS_H:
		mem(e, EF_W, 0x0fbf, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LDXS_W:
		mem(e, EF_W, 0x63, 1, dst, src, in->off);
		return 0;
	case ISA_OP_ST_B:
		mem(e, 0, 0xc6, 1, 0, dst, in->off);
		b1(e, (uint8_t)in->imm);
		return 0;
	case ISA_OP_ST_H:
		mem(e, EF_66, 0xc7, 1, 0, dst, in->off);
		b2(e, (uint16_t)in->imm);
		return 0;
	case ISA_OP_ST_W:
	case ISA_OP_ST_DW:
		mem(e, in->op == ISA_OP_ST_DW ? EF_W : 0, 0xc7, 1, 0, dst, in->off);
		b4(e, (uint32_t)in->imm);
		return 0;
	case ISA_OP_STX_B:
		mem(e, EF_RB, 0x88, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STX_H:
		mem(e, EF_66, 0x89, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STX_W:
		mem(e, 0, 0x89, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STX_DW:
		mem(e, EF_W, 0x89, 1, src, dst, in->off);
		return 0;

	/* --- Atomics */
#define ATOMIC_(SZ, WF, W64)                                                                    \
	case ISA_OP_ATOMIC_##SZ##_ADD:                                                          \
		mem(e, WF | EF_LOCK, 0x01, 1, src, dst, in->off);                                \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_OR:                                                           \
		mem(e, WF | EF_LOCK, 0x09, 1, src, dst, in->off);                                \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_AND:                                                          \
		mem(e, WF | EF_LOCK, 0x21, 1, src, dst, in->off);                                \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_XOR:                                                          \
		mem(e, WF | EF_LOCK, 0x31, 1, src, dst, in->off);                                \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_FETCH_ADD:                                                    \
		mem(e, WF | EF_LOCK, 0x0fc1, 2, src, dst, in->off);                              \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_FETCH_OR:                                                     \
		emit_fetch_logic(e, W64, 0x09, dst, src, in->off);                              \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_FETCH_AND:                                                    \
		emit_fetch_logic(e, W64, 0x21, dst, src, in->off);                              \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_FETCH_XOR:                                                    \
		emit_fetch_logic(e, W64, 0x31, dst, src, in->off);                              \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_XCHG:                                                         \
		mem(e, WF, 0x87, 1, src, dst, in->off);                                         \
		return 0;                                                                       \
	case ISA_OP_ATOMIC_##SZ##_CMPXCHG:                                                      \
		mem(e, WF | EF_LOCK, 0x0fb1, 2, src, dst, in->off);                              \
		if (!(W64))                                                                     \
			mov_rr(e, false, RAX, RAX);                                             \
		return 0;
		ATOMIC_(W, 0, false)
		ATOMIC_(DW, EF_W, true)
#undef ATOMIC_

	/* x86-64 orders plain loads and stores as acquire and release need (TSO). */
	case ISA_OP_LOAD_ACQ_B:
		mem(e, 0, 0x0fb6, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LOAD_ACQ_H:
		mem(e, 0, 0x0fb7, 2, dst, src, in->off);
		return 0;
	case ISA_OP_LOAD_ACQ_W:
		mem(e, 0, 0x8b, 1, dst, src, in->off);
		return 0;
	case ISA_OP_LOAD_ACQ_DW:
		mem(e, EF_W, 0x8b, 1, dst, src, in->off);
		return 0;
	case ISA_OP_STORE_REL_B:
		mem(e, EF_RB, 0x88, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STORE_REL_H:
		mem(e, EF_66, 0x89, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STORE_REL_W:
		mem(e, 0, 0x89, 1, src, dst, in->off);
		return 0;
	case ISA_OP_STORE_REL_DW:
		mem(e, EF_W, 0x89, 1, src, dst, in->off);
		return 0;

	default:
		break;
	}
	if (d->flags & ISA_F_JUMP) { /* conditional jumps */
		bool jset = (code & 0xf0) == 0x40;
		if (k && !jset && in->imm == 0) {
			rr(e, w, 0x85, 1, dst, dst); /* test: the flags of cmp dst, 0 */
		} else if (k && !jset && in->imm == (int8_t)in->imm) {
			rr(e, w, 0x83, 1, 7, dst);
			b1(e, (uint8_t)in->imm);
		} else if (k) {
			rr(e, w, jset ? 0xf7 : 0x81, 1, jset ? 0 : 7, dst);
			b4(e, (uint32_t)in->imm);
		} else {
			rr(e, w, jset ? 0x85 : 0x39, 1, src, dst);
		}
		b1(e, 0x0f);
		b1(e, (uint8_t)(0x80 + jit_cc(code)));
		add_fixup(e, (uint32_t)isa_branch_target(in, i), FX_BODY);
		return 0;
	}
	log_printf(log, "insn %zu: %s is not supported by the JIT\n", i, d->name);
	return -EOPNOTSUPP;
}

int jit_supported(void)
{
	return 1;
}

static void mark(uint8_t *bits, uint64_t i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool marked(const uint8_t *bits, uint64_t i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

/* Where the next code mapping is tried: below this library's text, so that `call rel32`
 * reaches the library's functions (and helpers linked with it). Each mapping takes the next
 * addresses down; past JIT_NEAR_SPAN the cursor starts over at the top, and a hint that is
 * taken (a live program, anything else) is skipped. Hints only: a mapping anywhere works, its
 * calls then go through the pool. */
static uintptr_t jit_hint_used;

#define JIT_NEAR_SPAN ((uintptr_t)1 << 30) /* how far below the text mappings go */
#define JIT_NEAR_GAP ((uintptr_t)1 << 24)  /* left free just below the text */

static void *map_code(size_t size)
{
	uintptr_t text = (uintptr_t)&jit_exec & ~(uintptr_t)0xfffff;
	void *m;

	for (int tries = 0; text > 2 * JIT_NEAR_SPAN && tries < 8; tries++) {
		uintptr_t used = __atomic_add_fetch(&jit_hint_used, size, __ATOMIC_RELAXED);
		if (used > JIT_NEAR_SPAN) {
			__atomic_store_n(&jit_hint_used, 0, __ATOMIC_RELAXED);
			continue;
		}
		uintptr_t hint = text - JIT_NEAR_GAP - used;
		m = mmap((void *)hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		if ((uintptr_t)m == hint)
			return m;
		munmap(m, size);
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

/* Fills the call slots once the code's address is known: `nop; call rel32` when the target
 * is within reach, else `call [rip + slot]` through the pool after the code. */
static void link_calls(const struct em *e, uint8_t *m, size_t pool_off)
{
	for (size_t k = 0; k < e->nabs; k++) {
		uint64_t a = (uint64_t)(uintptr_t)e->abs[k];
		memcpy(m + pool_off + 8 * k, &a, 8);
	}
	for (size_t f = 0; f < e->nfx; f++) {
		const struct fixup *x = &e->fx[f];
		if (x->kind != FX_ABS)
			continue;
		uint8_t *slot = m + x->pos;
		int64_t rel = (int64_t)((uintptr_t)e->abs[x->target] - (uintptr_t)(slot + CALL_SLOT));
		int32_t r32;
		if (rel == (int32_t)rel) {
			slot[0] = 0x90;
			slot[1] = 0xe8;
			r32 = (int32_t)rel;
		} else {
			slot[0] = 0xff; /* call [rip + disp32] */
			slot[1] = 0x15;
			r32 = (int32_t)(pool_off + 8 * x->target - (x->pos + CALL_SLOT));
		}
		memcpy(slot + 2, &r32, 4);
	}
}

/* Patches the jumps and local calls (relative within the code). */
static void link_jumps(struct em *e, const struct jit_prog *jp, const uint32_t *body)
{
	for (size_t f = 0; f < e->nfx; f++) {
		const struct fixup *x = &e->fx[f];
		if (x->kind == FX_ABS)
			continue;
		size_t to = x->kind == FX_LABEL ? e->labels[x->target]
			    : x->kind == FX_FUNC ? jp->func_off[x->target]
						 : body[x->target];
		int32_t rel = (int32_t)((int64_t)to - (int64_t)(x->pos + 4));
		memcpy(e->p + x->pos, &rel, 4);
	}
}

/* Copies the code into its mapping, links the calls and makes it read+execute. */
static int install(struct em *e, struct jit_prog *jp, struct log *log)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pool_off = (e->len + 7) & ~(size_t)7;
	size_t total = pool_off + 8 * e->nabs;

	jp->code_size = e->len;
	jp->map_size = (total + (size_t)page - 1) / (size_t)page * (size_t)page;
	uint8_t *m = map_code(jp->map_size);
	if (!m)
		return -ENOMEM;
	memcpy(m, e->p, e->len);
	memset(m + e->len, 0xcc, pool_off - e->len);
	link_calls(e, m, pool_off);
	if (mprotect(m, jp->map_size, PROT_READ | PROT_EXEC)) {
		int err = -errno;
		munmap(m, jp->map_size);
		log_printf(log, "cannot make the JIT's code executable\n");
		return err;
	}
	jp->code = m;
	jp->main = m + jp->func_off[0];
	return 0;
}

/* Function starts: 0, every local-call and `lddw func` target, and the extra entries. */
static int mark_functions(const struct bpf_insn *insns, size_t cnt, const struct jit_opts *o,
			  uint8_t *funcs, struct log *log)
{
	mark(funcs, 0);
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);
		if (in.op == ISA_OP_CALL_LOCAL || in.op == ISA_OP_LDDW_FUNC)
			mark(funcs, (uint64_t)isa_branch_target(&in, i));
		i += (size_t)n;
	}
	for (size_t k = 0; k < o->nentries; k++) {
		if (o->entries[k] >= cnt) {
			log_printf(log, "entry %zu is not an instruction of the program\n",
				   o->entries[k]);
			return -EINVAL;
		}
		mark(funcs, o->entries[k]);
	}
	return 0;
}

/* The program's functions and their frames (struct jit_fn), the callee-saved registers the
 * whole program uses (the stub saves and zeroes those), and whether the code needs the context.
 * A function saves the r6-r9 it writes and has a frame only if it calls something or reads
 * r10. That needs every function to be entered through its prologue and left by its own
 * epilogues: if one falls into the next or jumps into another (unverified code only), every
 * function gets the full frame (rbp, all four registers), as they are then interchangeable. */
static size_t fn_of(const struct jit_fn *fns, size_t nfns, size_t insn)
{
	size_t lo = 0, hi = nfns;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (fns[mid].start <= insn)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Which functions' local calls need the run-time depth check: those that may run as frame 7
 * (the callee would be the ninth). The deepest frame each function may run as, over the call
 * graph: any function may be entered at depth 0 (jit_exec()), a local call's target runs one
 * deeper than its caller, and a callback (a `lddw func` target) one deeper than any function
 * that calls a helper that may call back (vm_run_call() refuses frame 8 itself). Recursion
 * makes it unbounded. A verified program's calls never need the check (the verifier bounds
 * the depth too); conformance and fuzzing programs keep it where it matters. */
static void plan_depth_checks(const struct bpf_insn *insns, size_t cnt,
			      const struct jit_opts *o, struct jit_fn *fns, size_t nfns)
{
	for (size_t k = 0; k < nfns; k++) {
		fns[k].maxdepth = 0;
		for (size_t i = fns[k].start; i < fns[k].end;) {
			struct isa_insn in;
			int n = isa_decode(insns, cnt, i, &in, NULL);
			const struct vm_helper *row = NULL;
			if (in.op == ISA_OP_CALL_HELPER)
				row = helper_row(o->helpers, (uint32_t)in.imm);
			else if (in.op == ISA_OP_CALL_KFUNC)
				row = helper_row(o->kfuncs, (uint32_t)in.imm);
			if ((row && !row->never_stops) || in.op == ISA_OP_CALLX)
				fns[k].calls_back = true;
			if ((row || in.op == ISA_OP_CALLX) && call_may_stop(o, i, row))
				fns[k].stops = true;
			if (in.op == ISA_OP_CALL_LOCAL)
				fns[k].check = true; /* for now: it has local calls */
			i += (size_t)n;
		}
	}
	for (bool changed = true; changed;) {
		changed = false;
		int cb = -1;
		for (size_t k = 0; k < nfns; k++) {
			if (fns[k].calls_back && fns[k].maxdepth + 1 > cb)
				cb = fns[k].maxdepth + 1;
		}
		if (cb > BPF_MAX_CALL_FRAMES - 1)
			cb = BPF_MAX_CALL_FRAMES - 1;
		for (size_t k = 0; k < nfns; k++) {
			for (size_t i = fns[k].start; i < fns[k].end;) {
				struct isa_insn in;
				int n = isa_decode(insns, cnt, i, &in, NULL);
				int d = -1;
				if (in.op == ISA_OP_CALL_LOCAL) {
					d = fns[k].maxdepth + 1;
					if (d > BPF_MAX_CALL_FRAMES)
						d = BPF_MAX_CALL_FRAMES;
				} else if (in.op == ISA_OP_LDDW_FUNC) {
					d = cb;
				}
				if (d >= 0) {
					struct jit_fn *g =
						&fns[fn_of(fns, nfns, (size_t)isa_branch_target(&in, i))];
					if (d > g->maxdepth) {
						g->maxdepth = (uint8_t)d;
						changed = true;
					}
				}
				i += (size_t)n;
			}
		}
	}
	bool stride = false;
	for (size_t k = 0; k < nfns; k++) {
		fns[k].check &= fns[k].maxdepth >= BPF_MAX_CALL_FRAMES - 1;
		stride |= fns[k].check || fns[k].calls_back || fns[k].stops;
	}
	for (size_t k = 0; k < nfns; k++)
		fns[k].stride = stride;
}

static int plan_functions(const struct bpf_insn *insns, size_t cnt, const uint8_t *funcs,
			  const struct jit_opts *o, struct jit_fn **out, uint8_t *regs, int *nregs,
			  bool *needs_ctx, bool *any_fp, unsigned *args)
{
	size_t nfns = 0;
	bool uniform = false;
	unsigned all = 0;

	for (size_t i = 0; i < cnt; i++)
		nfns += marked(funcs, i);
	struct jit_fn *fns = calloc(nfns, sizeof(*fns));
	if (!fns)
		return -ENOMEM;
	for (size_t i = 0, k = 0; i < cnt; i++) {
		if (!marked(funcs, i))
			continue;
		if (k)
			fns[k - 1].end = i;
		fns[k++].start = i;
	}
	fns[nfns - 1].end = cnt;
	*needs_ctx = *any_fp = false;
	for (size_t k = 0; k < nfns; k++) {
		struct jit_fn *f = &fns[k];
		unsigned used = 0;
		bool falls = false;
		for (size_t i = f->start; i < f->end;) {
			struct isa_insn in;
			int n = isa_decode(insns, cnt, i, &in, NULL);
			uint32_t fl = isa_desc_of(&in)->flags;
			if (fl & (ISA_F_DST_R | ISA_F_DST_W))
				used |= 1u << in.dst;
			if (fl & ISA_F_SRC)
				used |= 1u << in.src;
			if (fl & (ISA_F_CALL | ISA_F_LEGACY))
				f->frame = true;
			if (in.op == ISA_OP_MAY_GOTO)
				f->may_goto = true;
			if ((fl & (ISA_F_CALL | ISA_F_LEGACY)) && in.op != ISA_OP_CALL_LOCAL)
				*needs_ctx = true; /* r9 = ctx, the stop paths, jit_pkt_load() */
			if ((fl & ISA_F_JUMP) && in.op != ISA_OP_EXIT) {
				int64_t t = isa_branch_target(&in, i);
				if (t < (int64_t)f->start || t >= (int64_t)f->end)
					uniform = true;
			}
			falls = in.op != ISA_OP_EXIT && in.op != ISA_OP_JA && in.op != ISA_OP_JA32;
			i += (size_t)n;
		}
		if (falls && f->end < cnt)
			uniform = true;
		f->fp = (used >> BPF_REG_10 & 1) || f->may_goto;
		f->frame |= f->fp;
		*any_fp |= f->fp;
		for (int r = BPF_REG_6; r <= BPF_REG_9; r++) {
			if (used >> r & 1)
				f->saved[f->nsaved++] = reg_map[r];
		}
		all |= used;
	}
	if (uniform) {
		for (size_t k = 0; k < nfns; k++) {
			fns[k].frame = fns[k].fp = fns[k].uniform = true;
			fns[k].nsaved = 4;
			for (int r = BPF_REG_6; r <= BPF_REG_9; r++)
				fns[k].saved[r - BPF_REG_6] = reg_map[r];
		}
		all = ~0u;
		*needs_ctx = *any_fp = true;
	}
	plan_depth_checks(insns, cnt, o, fns, nfns);
	if (uniform) {
		for (size_t k = 0; k < nfns; k++)
			fns[k].check = fns[k].stride = true;
	}
	bool c_calls = *needs_ctx; /* so far: helpers, kfuncs, callx, packet loads */
	for (size_t k = 0; k < nfns; k++) {
		*needs_ctx |= fns[k].check; /* cmp rsp, [limit] */
		fns[k].unaligned = !c_calls && !fns[k].stride;
	}
	/* r1-r5 the program may read: all of them if it calls anything (helpers read them) */
	*args = (*needs_ctx ? ~0u : all) & 0x3e;
	*nregs = 0;
	for (int r = BPF_REG_6; r <= BPF_REG_9; r++) {
		if (all >> r & 1)
			regs[(*nregs)++] = reg_map[r];
	}
	*out = fns;
	return 0;
}

/* The static frame chains of jit_record_throw(): a frame above a function's own was made by
 * a local call of that function, so when the function has one call site in the whole program,
 * that site is the frame's call and the function containing it runs there; and so on up while
 * the call sites stay unique (recursion included: a function whose only site is in itself
 * repeats). Only for programs with a call that may stop the run (a throw), and not in the
 * uniform layout, where a frame may run another function's code. */
static int plan_chains(const struct bpf_insn *insns, size_t cnt, struct jit_fn *fns,
		       size_t nfns, struct jit_prog *jp)
{
	bool stops = false;

	for (size_t k = 0; k < nfns; k++)
		stops |= fns[k].stops && !fns[k].uniform;
	if (!stops)
		return 0;
	uint32_t *nsites = calloc(nfns, sizeof(*nsites));
	uint32_t *site = calloc(nfns, sizeof(*site));
	jp->chains = calloc(nfns, sizeof(*jp->chains));
	if (!nsites || !site || !jp->chains) {
		free(nsites);
		free(site);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);
		if (in.op == ISA_OP_CALL_LOCAL) {
			size_t g = fn_of(fns, nfns, (size_t)isa_branch_target(&in, i));
			nsites[g]++;
			site[g] = (uint32_t)i;
		}
		i += (size_t)n;
	}
	for (size_t k = 0; k < nfns; k++) {
		struct jit_chain *c = &jp->chains[k];
		size_t g = k;
		while (c->len < BPF_MAX_CALL_FRAMES && nsites[g] == 1) {
			c->insns[c->len++] = site[g];
			g = fn_of(fns, nfns, site[g]);
		}
		if (!fns[k].uniform)
			fns[k].chain = c;
	}
	free(nsites);
	free(site);
	return 0;
}

static int emit_program(struct em *e, struct jit_prog *jp, const struct bpf_insn *insns,
			size_t cnt, const struct jit_opts *o, const uint8_t *funcs, uint32_t *body,
			struct log *log)
{
	struct jit_fn *fns;
	uint8_t regs[4];
	int nregs;
	size_t fi = 0;
	bool any_fp;
	unsigned args;
	int err = plan_functions(insns, cnt, funcs, o, &fns, regs, &nregs, &jp->needs_ctx,
				 &any_fp, &args);
	size_t nfns = 0;

	if (err)
		return err;
	for (size_t i = 0; i < cnt; i++)
		nfns += marked(funcs, i);
	err = plan_chains(insns, cnt, fns, nfns, jp);
	if (err) {
		free(fns);
		return err;
	}
	/* loop heads: targets of backward jumps */
	uint8_t *heads = calloc((cnt + 7) / 8, 1);
	if (!heads) {
		free(fns);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);
		if ((isa_desc_of(&in)->flags & ISA_F_JUMP) && in.op != ISA_OP_EXIT) {
			int64_t t = isa_branch_target(&in, i);
			if (t <= (int64_t)i)
				mark(heads, (uint64_t)t);
		}
		i += (size_t)n;
	}
	emit_stub(e, regs, nregs, jp->needs_ctx, any_fp, args);
	for (size_t i = 0; i < cnt; i++)
		jp->func_off[i] = UINT32_MAX;
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);

		if (marked(funcs, i)) {
			if (i) { /* falling into a function skips its prologue */
				b1(e, 0xe9);
				add_fixup(e, (uint32_t)i, FX_BODY);
				emit_fn_tail(e);
				fi++;
			}
			e->fn = &fns[fi];
			align_to(e, 16);
			jp->func_off[i] = (uint32_t)e->len;
			emit_prologue(e, !o->no_stack_zeroing);
		}
		if (marked(heads, i))
			align_to(e, 32);
		body[i] = (uint32_t)e->len;
		err = emit_insn(e, jp, &in, i, o, log);
		if (err)
			goto out;
		i += (size_t)n;
	}
	emit_fn_tail(e);
	for (size_t k = 0; k < o->nentries; k++) {
		if (jp->func_off[o->entries[k]] == UINT32_MAX) { /* an lddw's second slot */
			log_printf(log, "entry %zu is not an instruction of the program\n",
				   o->entries[k]);
			err = -EINVAL;
			goto out;
		}
	}
	err = e->oom || e->len > INT32_MAX ? -ENOMEM : 0;
out:
	e->fn = NULL;
	free(fns);
	free(heads);
	return err;
}

int jit_compile_opts(const struct bpf_insn *insns, size_t cnt, const struct jit_opts *opts,
		     struct log *log, struct jit_prog **out)
{
	static const struct jit_opts no_opts;
	struct jit_prog *jp = calloc(1, sizeof(*jp));
	struct em e = {0};
	uint8_t *funcs = NULL;
	uint32_t *body = NULL;
	int err;

	if (!opts)
		opts = &no_opts;
	if (!jp)
		return -ENOMEM;
	struct vm_prog_opts vo = {.helpers = opts->helpers, .kfuncs = opts->kfuncs};
	err = vm_prog_new_opts(insns, cnt, &vo, log, &jp->vm);
	if (err) {
		free(jp);
		return err;
	}
	jp->cnt = cnt;
	funcs = calloc((cnt + 7) / 8, 1);
	body = malloc((cnt + 1) * sizeof(*body));
	jp->func_off = malloc(cnt * sizeof(*jp->func_off));
	if (!funcs || !body || !jp->func_off) {
		err = -ENOMEM;
		goto out;
	}
	err = mark_functions(insns, cnt, opts, funcs, log);
	if (!err)
		err = emit_program(&e, jp, insns, cnt, opts, funcs, body, log);
	if (err)
		goto out;
	link_jumps(&e, jp, body);
	err = install(&e, jp, log);
	if (err)
		goto out;
	err = index_sites(jp, e.sites, e.nsites);
out:
	free(e.p);
	free(e.fx);
	free(e.abs);
	free(e.sites);
	free(e.cold);
	free(funcs);
	free(body);
	if (err) {
		jit_free(jp);
		return err;
	}
	*out = jp;
	return 0;
}

int jit_compile(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct jit_prog **out)
{
	struct jit_opts opts = {.helpers = helpers};
	return jit_compile_opts(insns, cnt, &opts, log, out);
}

static int jit_engine_call(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			   uint64_t *r0);

static void ctx_init(struct jit_ctx *ctx, const struct jit_prog *p, struct vm_exec *x, int depth)
{
	ctx->run = (struct exbpf_run){.exec = x,
				      .prog = p->vm,
				      .engine_call = jit_engine_call,
				      .pc = p->vm->insns,
				      .depth = depth};
	ctx->limit = (uint64_t)(BPF_MAX_CALL_FRAMES - depth) * JIT_FRAME;
	ctx->depth_base = (uint64_t)(int64_t)(depth - 1) * JIT_FRAME;
	ctx->depth0 = depth;
	ctx->jp = p;
}

/* Why the stub stopped early: a negative errno (logged, x->err_insn set) or VM_THROWN. */
__attribute__((noinline, cold)) static int jit_stopped(struct jit_ctx *ctx, int why)
{
	struct vm_exec *x = ctx->run.exec;

	switch (why) {
	case JIT_FAIL_DEPTH:
		log_printf(x->log, "insn %" PRIu32 ": the call stack of %d frames is too deep\n",
			   ctx->fail_insn, BPF_MAX_CALL_FRAMES + 1);
		x->err_insn = ctx->fail_insn;
		return -E2BIG;
	case JIT_FAIL_CALLX:
		log_printf(x->log, "insn %" PRIu32 ": callx to unknown helper %" PRIu64 "\n",
			   ctx->fail_insn, ctx->callx_val);
		x->err_insn = ctx->fail_insn;
		return -EINVAL;
	case JIT_FAIL_THROW:
		return VM_THROWN;
	default: /* JIT_FAIL_HELPER; a failure inside a callback has named its own insn */
		if (x->err_insn < 0)
			x->err_insn = (int64_t)vm_run_insn(&ctx->run);
		return ctx->run.err;
	}
}

__attribute__((noinline, cold)) static int jit_bad_entry(struct vm_exec *x, size_t entry)
{
	log_printf(x->log, "entry %zu is not the start of a function of the program\n", entry);
	return -EINVAL;
}

/* Runs the code at `target` in this context until it returns or the context stops: 0 with
 * *r0, a negative errno (logged, x->err_insn set) or VM_THROWN (its frames recorded).
 * UBSan's -fsanitize=function (clang) reads a signature word just before the target of an
 * indirect call; generated code has none, and the word before the stub lies outside the
 * mapping. */
#if defined(__clang__)
#define JIT_NO_SAN_FUNCTION __attribute__((no_sanitize("function")))
#else
#define JIT_NO_SAN_FUNCTION
#endif
JIT_NO_SAN_FUNCTION static inline int jit_run(struct jit_ctx *ctx, const uint8_t *target,
					      const uint64_t args[5], uint64_t *r0)
{
	jit_entry_fn stub = (jit_entry_fn)(uintptr_t)ctx->jp->code;
	int why = stub(ctx, args, target, r0);
	if (__builtin_expect(why == JIT_OK, 1))
		return 0;
	return why == JIT_FAIL_THROW ? VM_THROWN : jit_stopped(ctx, why);
}

/* vm_run_call() in a JIT run (struct exbpf_run.engine_call): the callback gets a context of
 * its own one frame deeper, entered through the stub like a run. */
static int jit_engine_call(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			   uint64_t *r0)
{
	const struct jit_ctx *caller = (const struct jit_ctx *)(void *)run;
	const struct jit_prog *p = caller->jp;
	struct jit_ctx ctx;

	if (__builtin_expect(entry >= p->cnt || p->func_off[entry] == UINT32_MAX, 0))
		return jit_bad_entry(run->exec, entry);
	ctx_init(&ctx, p, run->exec, run->depth + 1);
	return jit_run(&ctx, p->code + p->func_off[entry], args, r0);
}

/* A run of code that reads the context (it calls C or checks depths): the context lives in
 * this frame, which code that needs none does not pay for. */
__attribute__((noinline)) static int jit_exec_ctx(const struct jit_prog *p, struct vm_exec *x,
						  const uint8_t *target)
{
	struct jit_ctx ctx;

	x->r0 = 0; /* what a run that stops reports */
	ctx_init(&ctx, p, x, 0);
	return jit_run(&ctx, target, x->args, &x->r0);
}

/* The outputs the contract names (x->hook_why is the checked loop's scratch: untouched), the
 * entry (0 needs no lookup), and the stub. */
JIT_NO_SAN_FUNCTION int jit_exec(const struct jit_prog *p, struct vm_exec *x)
{
	const uint8_t *target = p->main;

	x->err_insn = -1;
	x->nthrow = 0;
	x->budget_left = x->budget;
	if (__builtin_expect(x->entry != 0, 0)) {
		if (x->entry >= p->cnt || p->func_off[x->entry] == UINT32_MAX)
			return jit_bad_entry(x, x->entry);
		target = p->code + p->func_off[x->entry];
	}
	if (p->needs_ctx)
		return jit_exec_ctx(p, x, target);
	/* Code that calls nothing and checks no depth cannot stop: the stub returns 0, having
	 * stored r0, and never reads its context. */
	return ((jit_entry_fn)(uintptr_t)p->code)(NULL, x->args, target, &x->r0);
}

void jit_free(struct jit_prog *p)
{
	if (!p)
		return;
	if (p->code)
		munmap(p->code, p->map_size);
	vm_prog_free(p->vm);
	free(p->func_off);
	free(p->sites);
	free(p->chains);
	free(p);
}

const void *jit_code(const struct jit_prog *p)
{
	return p->code;
}

size_t jit_code_size(const struct jit_prog *p)
{
	return p->code_size;
}

#else /* !__x86_64__ */

int jit_supported(void)
{
	return 0;
}

int jit_compile_opts(const struct bpf_insn *insns, size_t cnt, const struct jit_opts *opts,
		     struct log *log, struct jit_prog **out)
{
	log_printf(log, "the JIT supports x86-64 hosts only\n");
	return -ENOTSUP;
}

int jit_compile(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct jit_prog **out)
{
	log_printf(log, "the JIT supports x86-64 hosts only\n");
	return -ENOTSUP;
}

int jit_exec(const struct jit_prog *p, struct vm_exec *x)
{
	return -ENOTSUP;
}

void jit_free(struct jit_prog *p)
{
}

const void *jit_code(const struct jit_prog *p)
{
	return NULL;
}

size_t jit_code_size(const struct jit_prog *p)
{
	return 0;
}

#endif
