/* The abstract domain of a scalar register: five views of one 64-bit value.
 *
 * A struct scalar stands for every x that lies in all five views at once:
 *   var_off       the bits of x (tnum.h),
 *   umin..umax    x as u64,          smin..smax       x as s64,
 *   u32_min..max  (u32)x,            s32_min..max     (s32)x.
 * The views are kept consistent by scalar_sync() (Linux's reg_bounds_sync: each view is
 * tightened from the others, including 32 <-> 64 deductions), which every transfer function
 * here ends with. A scalar some of whose views is empty (min > max) stands for no value:
 * scalar_is_empty() says so; only branch refinement produces one, for an edge no value takes.
 *
 * Transfer functions are sound: for x in dst and y in src, the concrete result of the
 * instruction (as the interpreter computes it, src/vm/interp_loop.inc) is in the abstract
 * result. Their precision is Linux's (kernel/bpf/verifier.c, 6.x); README.md lists where
 * exbpf is more precise, and why. */
#ifndef EXBPF_VERIFIER_SCALAR_H
#define EXBPF_VERIFIER_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifier/tnum.h"

struct scalar {
	struct tnum var_off;
	uint64_t umin, umax;
	int64_t smin, smax;
	uint32_t u32_min, u32_max;
	int32_t s32_min, s32_max;
};

/* --- Constructors (all return synced scalars). */
struct scalar scalar_const(uint64_t v);
struct scalar scalar_unknown(void);
struct scalar scalar_urange(uint64_t min, uint64_t max);
struct scalar scalar_srange(int64_t min, int64_t max);
struct scalar scalar_from_tnum(struct tnum t);
/* The low 32 bits in [min, max], the upper 32 bits zero (a 32-bit load or ALU32 result). */
struct scalar scalar_u32range(uint32_t min, uint32_t max);

/* --- Queries. */
static inline bool scalar_is_const(const struct scalar *s) { return tnum_is_const(s->var_off); }
/* Whether the low 32 bits are known. */
static inline bool scalar_is_const32(const struct scalar *s)
{
	return tnum_subreg_is_const(s->var_off);
}
bool scalar_contains(const struct scalar *s, uint64_t x);
/* Whether no value is in s (some view has min > max, or tnum and bounds are disjoint). */
bool scalar_is_empty(const struct scalar *s);
/* Every value of b is in a (view by view; exact for synced scalars). For state pruning. */
bool scalar_in(const struct scalar *a, const struct scalar *b);
bool scalar_equal(const struct scalar *a, const struct scalar *b);
/* The smallest scalar holding a and b (view by view), synced. For joins and widening. */
struct scalar scalar_union(const struct scalar *a, const struct scalar *b);

/* --- Normalisation. */
/* Tighten every view from the others (Linux's reg_bounds_sync). Idempotent in practice;
 * never removes a value. */
void scalar_sync(struct scalar *s);
/* The value as it is after a 32-bit operation: (u32)x zero-extended, synced. */
void scalar_zext32(struct scalar *s);

/* --- ALU. `op` is BPF_OP of the instruction (the ISA's 0x00..0xc0 codes); signed division
 * and modulo (off == 1) are op | SCALAR_SIGNED. alu32 is the BPF_ALU class: the operation
 * reads the low 32 bits of both operands and zero-extends its result. The caller turns an
 * immediate into scalar_const((uint64_t)(int64_t)imm), as the interpreter does. */
enum scalar_alu_op {
	SCALAR_ADD = 0x00,
	SCALAR_SUB = 0x10,
	SCALAR_MUL = 0x20,
	SCALAR_DIV = 0x30,
	SCALAR_OR = 0x40,
	SCALAR_AND = 0x50,
	SCALAR_LSH = 0x60,
	SCALAR_RSH = 0x70,
	SCALAR_MOD = 0x90,
	SCALAR_XOR = 0xa0,
	SCALAR_ARSH = 0xc0,
	SCALAR_SIGNED = 0x100,
	SCALAR_SDIV = SCALAR_DIV | SCALAR_SIGNED,
	SCALAR_SMOD = SCALAR_MOD | SCALAR_SIGNED,
};

/* dst = dst OP src. An unknown op gives an unknown result. */
struct scalar scalar_alu(struct scalar dst, struct scalar src, unsigned int op, bool alu32);
/* dst = -dst. */
struct scalar scalar_neg(struct scalar dst, bool alu32);
/* dst = src (alu32: w = w, zero-extending); dst = (s8/s16/s32)src with bits = 8, 16, 32
 * (alu32 allows 8 and 16: the sign extension stops at bit 31, then zero-extends). bits = 0
 * is the plain move. */
struct scalar scalar_mov(struct scalar src, unsigned int bits, bool alu32);

/* Byte order (BPF_END). TO_LE / TO_BE are the ALU class (le16/be16 ...) and convert from
 * the host order, which is little-endian on every host exbpf supports: le truncates, be
 * swaps. BSWAP is the ALU64 class (v4 bswap16/32/64): an unconditional swap. All three
 * zero-extend a 16- or 32-bit result. */
enum scalar_end_op {
	SCALAR_TO_LE,
	SCALAR_TO_BE,
	SCALAR_BSWAP,
};
struct scalar scalar_end(struct scalar dst, enum scalar_end_op op, unsigned int bits);

/* The low `size` bytes (1, 2, 4, 8), zero-extended (a narrow load, Linux's
 * coerce_reg_to_size) or sign-extended (a sign-extending load, coerce_reg_to_size_sx). */
struct scalar scalar_zext(struct scalar s, unsigned int size);
struct scalar scalar_sext(struct scalar s, unsigned int size);

/* --- Conditional jumps. `op` is BPF_OP of the jump; jmp32 is the BPF_JMP32 class, which
 * compares the low 32 bits (as u32 / s32). */
enum scalar_jmp_op {
	SCALAR_JEQ = 0x10,
	SCALAR_JGT = 0x20,
	SCALAR_JGE = 0x30,
	SCALAR_JSET = 0x40,
	SCALAR_JNE = 0x50,
	SCALAR_JSGT = 0x60,
	SCALAR_JSGE = 0x70,
	SCALAR_JLT = 0xa0,
	SCALAR_JLE = 0xb0,
	SCALAR_JSLT = 0xc0,
	SCALAR_JSLE = 0xd0,
};

enum scalar_taken {
	SCALAR_NEVER = 0,
	SCALAR_ALWAYS = 1,
	SCALAR_MAYBE = -1,
};

/* Whether `if a OP b` jumps for every pair (ALWAYS), for none (NEVER), or depends: Linux's
 * is_branch_taken() for two scalars. ALWAYS and NEVER are never wrong. */
enum scalar_taken scalar_branch_taken(const struct scalar *a, const struct scalar *b,
				      unsigned int op, bool jmp32);

/* Both edges of `if a OP b goto`. */
struct scalar_branch {
	/* scalar_branch_taken(), then sharpened: an edge whose refined operands are empty
	 * cannot be taken. */
	enum scalar_taken taken;
	/* The operands on the jump edge (a_true, b_true) and on the fall-through edge
	 * (a_false, b_false): every pair that takes the edge is in them. An edge that
	 * `taken` rules out keeps the unrefined operands. */
	struct scalar a_true, b_true, a_false, b_false;
};

void scalar_branch(const struct scalar *a, const struct scalar *b, unsigned int op, bool jmp32,
		   struct scalar_branch *out);

/* --- Printing, as Linux's verifier log prints a scalar register (log.c print_reg_state).
 * scalar_snprint_ranges() writes the attributes: "smin=-3,smax=umax=5,var_off=(0x0; 0x7)",
 * merging equal bounds ("smin=umin=0") and omitting the trivial ones, and "" for an unknown
 * scalar. scalar_snprint() writes the register: the value of a constant ("5", "-1",
 * "0xffff0000"), otherwise "scalar(" ranges ")". Both return what snprintf() returns. */
int scalar_snprint_ranges(char *buf, size_t size, const struct scalar *s);
int scalar_snprint(char *buf, size_t size, const struct scalar *s);

#endif
