/* Tristate numbers: what the verifier knows about the individual bits of a 64-bit value.
 *
 * A tnum (value, mask) stands for every x with (x & ~mask) == value: a bit set in mask is
 * unknown, any other bit is known and equal to that bit of value. value & mask == 0 always
 * holds for tnums these functions build (tnum_intersect() of two disjoint tnums is the one
 * exception; see tnum_overlap()). Every operation over-approximates: for any x in a and y in
 * b, x OP y is in tnum_OP(a, b). The bit-level facts follow Linux's kernel/bpf/tnum.c, so
 * the verifier's log matches the kernel's; the code is exbpf's own. */
#ifndef EXBPF_VERIFIER_TNUM_H
#define EXBPF_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM(v, m) ((struct tnum){.value = (v), .mask = (m)})
#define TNUM_UNKNOWN TNUM(0, UINT64_MAX)

static inline struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }

static inline struct tnum tnum_unknown(void) { return TNUM_UNKNOWN; }

/* The smallest tnum holding every value of [min, max] (unsigned); min <= max. */
struct tnum tnum_range(uint64_t min, uint64_t max);

struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_neg(struct tnum a);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);

/* Shifts by a known amount, 0..63 (the caller handles unknown amounts). */
struct tnum tnum_lshift(struct tnum a, unsigned int shift);
struct tnum tnum_rshift(struct tnum a, unsigned int shift);
/* Arithmetic shift of a's low `bits` (32 or 64) bits; a 32-bit result is zero-extended. */
struct tnum tnum_arshift(struct tnum a, unsigned int shift, unsigned int bits);

/* Values in both a and b. If a and b disagree on a known bit there is no such value and the
 * result is meaningless (that bit comes out a known 1, as in Linux): check tnum_overlap(). */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* Values in a or in b (the smallest tnum holding both). */
struct tnum tnum_union(struct tnum a, struct tnum b);
/* Whether some value is in both a and b. */
bool tnum_overlap(struct tnum a, struct tnum b);

/* Keep the low `size` bytes (1, 2, 4 or 8): zero extension of a narrower value. */
struct tnum tnum_cast(struct tnum a, unsigned int size);
/* Sign-extend the low `size` bytes (1, 2, 4 or 8) to 64 bits. */
struct tnum tnum_scast(struct tnum a, unsigned int size);

/* Byte swaps of the low 16, 32 or 64 bits; the result is zero-extended. */
struct tnum tnum_bswap16(struct tnum a);
struct tnum tnum_bswap32(struct tnum a);
struct tnum tnum_bswap64(struct tnum a);

/* Whether every value of a is a multiple of size (a power of two; 0 means any). */
bool tnum_is_aligned(struct tnum a, uint64_t size);
/* Whether b is a subset of a. */
bool tnum_in(struct tnum a, struct tnum b);
/* Whether the concrete x is a member of a. */
static inline bool tnum_contains(struct tnum a, uint64_t x) { return (x & ~a.mask) == a.value; }

static inline bool tnum_is_const(struct tnum a) { return !a.mask; }

static inline bool tnum_equals_const(struct tnum a, uint64_t v) { return !a.mask && a.value == v; }

static inline bool tnum_is_unknown(struct tnum a) { return !~a.mask; }

static inline bool tnum_equal(struct tnum a, struct tnum b)
{
	return a.value == b.value && a.mask == b.mask;
}

/* The 32-bit subregister: the low 32 bits, zero-extended. */
static inline struct tnum tnum_subreg(struct tnum a) { return tnum_cast(a, 4); }

/* a with its low 32 bits known zero. */
static inline struct tnum tnum_clear_subreg(struct tnum a)
{
	return TNUM(a.value & ~(uint64_t)UINT32_MAX, a.mask & ~(uint64_t)UINT32_MAX);
}

/* reg's upper 32 bits with subreg's low 32 bits. */
static inline struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
	return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}

/* reg's upper 32 bits with the known low 32 bits v. */
static inline struct tnum tnum_const_subreg(struct tnum reg, uint32_t v)
{
	return tnum_with_subreg(reg, tnum_const(v));
}

static inline bool tnum_subreg_is_const(struct tnum a) { return !(a.mask & UINT32_MAX); }

/* "(0x1; 0xfe)": Linux's verifier-log form (hex with 0x even for zero). Returns what
 * snprintf() returns. */
int tnum_snprint(char *buf, size_t size, struct tnum a);
/* 64 characters of '0', '1' and 'x', most significant first, NUL-terminated (size >= 65). */
void tnum_sbin(char *buf, size_t size, struct tnum a);

#endif
