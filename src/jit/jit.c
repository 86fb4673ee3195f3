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
 * Every BPF function (entry 0, each local-call and `lddw func` target) is an x86 function:
 * push rbp; mov rbp, rsp; 512 bytes of stack (zeroed, as a checked interpreter run does);
 * push rbx, r13-r15. `exit` pops them and returns, so r6-r9 and r10 are per frame, and rbp
 * chains the frames: [rbp] is the caller's rbp, [rbp + 8] the return address into the
 * caller's code, which a throw maps back to the call instruction (and only a throw: calls
 * record nothing). The stub at offset 0 saves the host's callee-saved registers, records rsp
 * in the context (a run-wide stop restores it and returns through the stub) and calls the
 * entry function. A callback (vm_run_call()) enters through the same stub with a context of
 * its own, so each stretch of BPF frames between two C frames unwinds on its own. */
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
 * jit_engine_call(). The depth of the executing frame is run.depth (0 = main), maintained by
 * the code around local calls. */
struct jit_ctx {
	struct exbpf_run run; /* first: r9 = the context is the helper's run */
	uint64_t entry_rsp;   /* rsp in the stub, for unwinding this context's frames at once */
	uint64_t r0;
	uint64_t callx_val; /* callx's register, for the resolver and the message */
	uint32_t fail_insn;
	int depth0; /* depth of the entry frame */
	const struct jit_prog *jp;
};

/* Why the stub returned early (its return value); 0 is a normal exit. */
enum { JIT_OK, JIT_FAIL_DEPTH, JIT_FAIL_CALLX, JIT_FAIL_HELPER, JIT_FAIL_THROW };

typedef int (*jit_entry_fn)(struct jit_ctx *ctx, const uint64_t *args, const void *target);

/* A local call: where its callee returns to, and the call instruction. */
struct jit_site {
	uint32_t ret_off;
	uint32_t insn;
};

struct jit_prog {
	struct vm_prog *vm;
	uint8_t *code;
	size_t code_size, map_size;
	uint32_t *func_off; /* per insn: offset of its function prologue, or UINT32_MAX */
	size_t cnt;
	struct jit_site *sites; /* by ret_off, for naming the frames of a throw */
	size_t nsites;
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
enum { L_FAIL_COMMON, L_FAIL_HELPER, L_FAIL_THROW, L_STOP, L_COUNT };

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

/* [prefixes] [REX] opcode (oplen bytes, most significant first) modrm [sib] [disp32].
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
	b1(e, (uint8_t)(0x80 | (reg & 7) << 3 | (rm & 7)));
	if ((rm & 7) == RSP)
		b1(e, 0x24);
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

static void emit_epilogue(struct em *e)
{
	pop(e, R15);
	pop(e, R14);
	pop(e, R13);
	pop(e, RBX);
	b1(e, 0xc9); /* leave */
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

static void emit_prologue(struct em *e, bool zero_stack)
{
	push(e, RBP);
	mov_rr(e, true, RBP, RSP);
	rr(e, EF_W, 0x81, 1, 5, RSP); /* sub rsp, 512 */
	b4(e, BPF_STACK_SIZE);
	if (zero_stack)
		emit_zero_frame(e);
	push(e, RBX);
	push(e, R13);
	push(e, R14);
	push(e, R15);
}

/* ---- C functions the code calls (all on paths that pay for what they do) */

static void throw_add(struct vm_exec *x, size_t insn)
{
	if (x->nthrow < BPF_MAX_CALL_FRAMES)
		x->throw_insns[x->nthrow++] = (uint32_t)insn;
}

/* The call instruction a return offset follows (every local call records one). */
static size_t site_insn(const struct jit_prog *jp, uint64_t ret_off)
{
	size_t lo = 0, hi = jp->nsites;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (jp->sites[mid].ret_off < ret_off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < jp->nsites && jp->sites[lo].ret_off == ret_off ? jp->sites[lo].insn : 0;
}

/* Called by the throw path while the frames are still there (fp = the throwing frame's rbp):
 * records the call that threw, then each enclosing call site of this context, innermost first,
 * as the interpreter's unwinding does. A callback's context records its own frames; the
 * helper's call site and the frames below it follow when the calling context unwinds. */
static void jit_record_throw(struct jit_ctx *ctx, const uint64_t *fp)
{
	struct vm_exec *x = ctx->run.exec;
	uintptr_t code = (uintptr_t)ctx->jp->code;

	throw_add(x, vm_run_insn(&ctx->run));
	for (int d = ctx->run.depth; d > ctx->depth0; d--) {
		throw_add(x, site_insn(ctx->jp, fp[1] - code));
		fp = (const uint64_t *)(uintptr_t)fp[0];
	}
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

/* The stub: int stub(struct jit_ctx *ctx, const uint64_t args[5], const void *fn). */
static void emit_stub(struct em *e)
{
	push(e, RBP);
	push(e, RBX);
	push(e, R12);
	push(e, R13);
	push(e, R14);
	push(e, R15);
	rr(e, EF_W, 0x83, 1, 5, RSP); /* sub rsp, 8: 16-byte alignment for the calls below */
	b1(e, 8);
	mov_rr(e, true, CTX, RDI);
	mem(e, EF_W, 0x89, 1, RSP, CTX, CTX_OFF(entry_rsp));
	mov_rr(e, true, R11, RDX);
	mov_rr(e, true, RAX, RSI);
	mem(e, EF_W, 0x8b, 1, RDI, RAX, 0);
	mem(e, EF_W, 0x8b, 1, RSI, RAX, 8);
	mem(e, EF_W, 0x8b, 1, RDX, RAX, 16);
	mem(e, EF_W, 0x8b, 1, RCX, RAX, 24);
	mem(e, EF_W, 0x8b, 1, R8, RAX, 32);
	static const int zeroed[] = {RAX, RBX, R13, R14, R15};
	for (size_t i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++)
		rr(e, 0, 0x31, 1, zeroed[i], zeroed[i]);
	rr(e, 0, 0xff, 1, 2, R11); /* call r11 */
	mem(e, EF_W, 0x89, 1, RAX, CTX, CTX_OFF(r0));
	rr(e, 0, 0x31, 1, RAX, RAX);
	size_t out = e->len;
	rr(e, EF_W, 0x83, 1, 0, RSP); /* add rsp, 8 */
	b1(e, 8);
	pop(e, R15);
	pop(e, R14);
	pop(e, R13);
	pop(e, R12);
	pop(e, RBX);
	pop(e, RBP);
	b1(e, 0xc3);
	/* fail_common: edi = why, esi = insn */
	e->labels[L_FAIL_COMMON] = e->len;
	mem(e, EF_W, 0x8b, 1, RSP, CTX, CTX_OFF(entry_rsp));
	mem(e, 0, 0x89, 1, RSI, CTX, CTX_OFF(fail_insn));
	mov_rr(e, false, RAX, RDI);
	b1(e, 0xe9);
	b4(e, (uint32_t)(out - (e->len + 4)));
	e->labels[L_FAIL_HELPER] = e->len;
	b1(e, 0xbf); /* mov edi, imm32 */
	b4(e, JIT_FAIL_HELPER);
	jmp_label(e, L_FAIL_COMMON);
	/* Reached from the frame that threw (rbp intact): name the frames, then unwind. */
	e->labels[L_FAIL_THROW] = e->len;
	mov_rr(e, true, RDI, CTX);
	mov_rr(e, true, RSI, RBP);
	emit_call_abs(e, (const void *)(uintptr_t)jit_record_throw);
	b1(e, 0xbf);
	b4(e, JIT_FAIL_THROW);
	jmp_label(e, L_FAIL_COMMON);
	/* A helper that may stop the run did: fail, throw, or vm_run_return() from the calling
	 * frame (every frame has the same layout, so one epilogue serves all). */
	e->labels[L_STOP] = e->len;
	mem(e, 0, 0x83, 1, 7, CTX, CTX_OFF(run.err)); /* cmp dword [err], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_FAIL_HELPER);
	mem(e, 0, 0x80, 1, 7, CTX, CTX_OFF(run.thrown)); /* cmp byte [thrown], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_FAIL_THROW);
	mem(e, 0, 0xc6, 1, 0, CTX, CTX_OFF(run.ret)); /* mov byte [ret], 0 */
	b1(e, 0);
	mem(e, EF_W, 0x8b, 1, RAX, CTX, CTX_OFF(run.ret_r0));
	emit_epilogue(e);
}

/* mov esi, insn; mov edi, why; jmp fail_common */
static void emit_fail(struct em *e, size_t insn, int why)
{
	b1(e, 0xbe);
	b4(e, (uint32_t)insn);
	b1(e, 0xbf);
	b4(e, (uint32_t)why);
	jmp_label(e, L_FAIL_COMMON);
}

_Static_assert(offsetof(struct exbpf_run, thrown) == offsetof(struct exbpf_run, ret) + 1,
	       "one 16-bit compare tests ret and thrown");

/* A helper or kfunc call (fn, or r11 when fn is NULL) with r9 = &ctx->run. One that cannot
 * stop the run is a plain call. One that may also records its instruction for the run's
 * services (vm_run_insn(), vm_run_fail()) and, after it, leaves for L_STOP if the helper
 * asked for anything. */
static void emit_helper_call(struct em *e, const void *fn, const struct vm_insn *pc,
			     bool may_stop)
{
	_Static_assert(offsetof(struct jit_ctx, run) == 0, "r9 = ctx is &ctx->run");
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
	mem(e, 0, 0x83, 1, 7, CTX, CTX_OFF(run.err)); /* cmp dword [err], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_STOP);
	mem(e, EF_66, 0x83, 1, 7, CTX, CTX_OFF(run.ret)); /* cmp word [ret and thrown], 0 */
	b1(e, 0);
	jcc_label(e, CC_NE, L_STOP);
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
			 call_may_stop(o, i, row));
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
		rr(e, w, 0x81, 1, DIGIT, dst);                                                  \
		b4(e, (uint32_t)in->imm);                                                       \
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
	case ISA_OP_EXIT:
		emit_epilogue(e);
		return 0;
	case ISA_OP_CALL_LOCAL: {
		mem(e, 0, 0x83, 1, 0, CTX, CTX_OFF(run.depth)); /* add dword [depth], 1 */
		b1(e, 1);
		mem(e, 0, 0x83, 1, 7, CTX, CTX_OFF(run.depth)); /* cmp dword [depth], 8 */
		b1(e, BPF_MAX_CALL_FRAMES);
		size_t ok = jcc8(e, CC_L);
		emit_fail(e, i, JIT_FAIL_DEPTH);
		patch8(e, ok);
		b1(e, 0xe8);
		add_fixup(e, (uint32_t)isa_branch_target(in, i), FX_FUNC);
		add_site(e, i);
		mem(e, 0, 0x83, 1, 5, CTX, CTX_OFF(run.depth)); /* sub dword [depth], 1 */
		b1(e, 1);
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
		size_t ok = jcc8(e, CC_NE);
		emit_fail(e, i, JIT_FAIL_CALLX);
		patch8(e, ok);
		mov_rr(e, true, R11, RAX);
		emit_helper_call(e, NULL, &jp->vm->insns[i], call_may_stop(o, i, NULL));
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

	default:
		break;
	}
	if (d->flags & ISA_F_JUMP) { /* conditional jumps */
		bool jset = (code & 0xf0) == 0x40;
		if (k) {
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

static int emit_program(struct em *e, struct jit_prog *jp, const struct bpf_insn *insns,
			size_t cnt, const struct jit_opts *o, const uint8_t *funcs, uint32_t *body,
			struct log *log)
{
	emit_stub(e);
	for (size_t i = 0; i < cnt; i++)
		jp->func_off[i] = UINT32_MAX;
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);

		if (marked(funcs, i)) {
			if (i) { /* falling into a function skips its prologue */
				b1(e, 0xe9);
				add_fixup(e, (uint32_t)i, FX_BODY);
			}
			jp->func_off[i] = (uint32_t)e->len;
			emit_prologue(e, !o->no_stack_zeroing);
		}
		body[i] = (uint32_t)e->len;
		int err = emit_insn(e, jp, &in, i, o, log);
		if (err)
			return err;
		i += (size_t)n;
	}
	for (size_t k = 0; k < o->nentries; k++) {
		if (jp->func_off[o->entries[k]] == UINT32_MAX) { /* an lddw's second slot */
			log_printf(log, "entry %zu is not an instruction of the program\n",
				   o->entries[k]);
			return -EINVAL;
		}
	}
	return e->oom || e->len > INT32_MAX ? -ENOMEM : 0;
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
	jp->sites = e.sites;
	jp->nsites = e.nsites;
	e.sites = NULL;
out:
	free(e.p);
	free(e.fx);
	free(e.abs);
	free(e.sites);
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
	memset(ctx, 0, sizeof(*ctx));
	ctx->run.exec = x;
	ctx->run.prog = p->vm;
	ctx->run.engine_call = jit_engine_call;
	ctx->run.checked = false;
	ctx->run.pc = p->vm->insns;
	ctx->run.depth = depth;
	ctx->depth0 = depth;
	ctx->jp = p;
}

/* Runs the function at `entry` in this context until it returns or the context stops: 0 with
 * *r0, a negative errno (logged, x->err_insn set) or VM_THROWN (its frames recorded).
 * UBSan's -fsanitize=function (clang) reads a signature word just before the target of an
 * indirect call; generated code has none, and the word before the stub lies outside the
 * mapping. */
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
static int jit_enter(struct jit_ctx *ctx, size_t entry, const uint64_t args[5], uint64_t *r0)
{
	const struct jit_prog *p = ctx->jp;
	struct vm_exec *x = ctx->run.exec;

	if (entry >= p->cnt || p->func_off[entry] == UINT32_MAX) {
		log_printf(x->log, "entry %zu is not the start of a function of the program\n",
			   entry);
		return -EINVAL;
	}
	jit_entry_fn stub = (jit_entry_fn)(uintptr_t)p->code;
	int why = stub(ctx, args, p->code + p->func_off[entry]);
	switch (why) {
	case JIT_OK:
		*r0 = ctx->r0;
		return 0;
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

/* vm_run_call() in a JIT run (struct exbpf_run.engine_call): the callback gets a context of
 * its own one frame deeper, entered through the stub like a run. */
static int jit_engine_call(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			   uint64_t *r0)
{
	const struct jit_ctx *caller = (const struct jit_ctx *)(void *)run;
	struct jit_ctx ctx;

	ctx_init(&ctx, caller->jp, run->exec, run->depth + 1);
	return jit_enter(&ctx, entry, args, r0);
}

int jit_exec(const struct jit_prog *p, struct vm_exec *x)
{
	struct jit_ctx ctx;

	x->err_insn = -1;
	x->r0 = 0;
	x->nthrow = 0;
	x->hook_why[0] = '\0';
	x->budget_left = x->budget;
	ctx_init(&ctx, p, x, 0);
	return jit_enter(&ctx, x->entry, x->args, &x->r0);
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
