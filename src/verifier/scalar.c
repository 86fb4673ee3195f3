#include "verifier/scalar.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#define U32_ALL ((uint64_t)UINT32_MAX)

static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline int64_t min_s64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t max_s64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static inline int32_t min_s32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t max_s32(int32_t a, int32_t b) { return a > b ? a : b; }

/* ------------------------------------------------------------------------------------------
 * Resetting and setting views
 */

static void unbound64(struct scalar *s)
{
	s->umin = 0;
	s->umax = UINT64_MAX;
	s->smin = INT64_MIN;
	s->smax = INT64_MAX;
}

static void unbound32(struct scalar *s)
{
	s->u32_min = 0;
	s->u32_max = UINT32_MAX;
	s->s32_min = INT32_MIN;
	s->s32_max = INT32_MAX;
}

static void set_known(struct scalar *s, uint64_t v)
{
	s->var_off = tnum_const(v);
	s->umin = s->umax = v;
	s->smin = s->smax = (int64_t)v;
	s->u32_min = s->u32_max = (uint32_t)v;
	s->s32_min = s->s32_max = (int32_t)(uint32_t)v;
}

/* The low 32 bits are v; the upper bits and 64-bit bounds are left alone. */
static void set_known32(struct scalar *s, uint32_t v)
{
	s->var_off = tnum_const_subreg(s->var_off, v);
	s->u32_min = s->u32_max = v;
	s->s32_min = s->s32_max = (int32_t)v;
}

struct scalar scalar_unknown(void)
{
	struct scalar s = {.var_off = TNUM_UNKNOWN};

	unbound64(&s);
	unbound32(&s);
	return s;
}

struct scalar scalar_const(uint64_t v)
{
	struct scalar s;

	set_known(&s, v);
	return s;
}

struct scalar scalar_urange(uint64_t min, uint64_t max)
{
	struct scalar s = scalar_unknown();

	s.umin = min;
	s.umax = max;
	scalar_sync(&s);
	return s;
}

struct scalar scalar_srange(int64_t min, int64_t max)
{
	struct scalar s = scalar_unknown();

	s.smin = min;
	s.smax = max;
	scalar_sync(&s);
	return s;
}

struct scalar scalar_from_tnum(struct tnum t)
{
	struct scalar s = scalar_unknown();

	s.var_off = t;
	scalar_sync(&s);
	return s;
}

struct scalar scalar_u32range(uint32_t min, uint32_t max)
{
	struct scalar s = scalar_unknown();

	s.u32_min = min;
	s.u32_max = max;
	scalar_zext32(&s);
	return s;
}

/* ------------------------------------------------------------------------------------------
 * Normalisation (Linux's reg_bounds_sync and its helpers, in the same order, so that the
 * bounds printed in the log are the kernel's)
 */

/* Each range view can be no wider than what the known bits allow. The smallest signed
 * member sets an unknown sign bit and clears the other unknown bits; the largest does the
 * opposite. */
static void bounds_from_tnum32(struct scalar *s)
{
	uint32_t v = (uint32_t)s->var_off.value, m = (uint32_t)s->var_off.mask;

	s->s32_min = max_s32(s->s32_min, (int32_t)(v | (m & 0x80000000u)));
	s->s32_max = min_s32(s->s32_max, (int32_t)(v | (m & 0x7fffffffu)));
	s->u32_min = max_u32(s->u32_min, v);
	s->u32_max = min_u32(s->u32_max, v | m);
}

static void bounds_from_tnum64(struct scalar *s)
{
	uint64_t v = s->var_off.value, m = s->var_off.mask;

	s->smin = max_s64(s->smin, (int64_t)(v | (m & (UINT64_C(1) << 63))));
	s->smax = min_s64(s->smax, (int64_t)(v | (m & (UINT64_MAX >> 1))));
	s->umin = max_u64(s->umin, v);
	s->umax = min_u64(s->umax, v | m);
}

static void bounds_from_tnum(struct scalar *s)
{
	bounds_from_tnum32(s);
	bounds_from_tnum64(s);
}

static void narrow_u32(struct scalar *s, uint32_t lo, uint32_t hi)
{
	s->u32_min = max_u32(s->u32_min, lo);
	s->u32_max = min_u32(s->u32_max, hi);
}

static void narrow_s32(struct scalar *s, int32_t lo, int32_t hi)
{
	s->s32_min = max_s32(s->s32_min, lo);
	s->s32_max = min_s32(s->s32_max, hi);
}

/* The 32-bit views from the 64-bit ones, then u32 <-> s32. */
static void deduce32(struct scalar *s)
{
	/* A 64-bit range whose values share their upper 32 bits is, in its low 32 bits, the
	 * range [low(min), low(max)]: a u32 range, and an s32 one if it does not cross the
	 * s32 sign boundary. Holds for the u64 and the s64 view alike. */
	if ((s->umin >> 32) == (s->umax >> 32)) {
		narrow_u32(s, (uint32_t)s->umin, (uint32_t)s->umax);
		if ((int32_t)s->umin <= (int32_t)s->umax)
			narrow_s32(s, (int32_t)s->umin, (int32_t)s->umax);
	}
	if ((s->smin >> 32) == (s->smax >> 32)) {
		if ((uint32_t)s->smin <= (uint32_t)s->smax)
			narrow_u32(s, (uint32_t)s->smin, (uint32_t)s->smax);
		if ((int32_t)s->smin <= (int32_t)s->smax)
			narrow_s32(s, (int32_t)s->smin, (int32_t)s->smax);
	}
	/* When the upper halves are two consecutive numbers and the low halves go from
	 * negative to non-negative, the values are [low(min), 0xffffffff] then [0, low(max)]:
	 * one contiguous s32 range. E.g. s64 [-1, 1]. */
	if ((uint32_t)(s->umin >> 32) + 1 == (uint32_t)(s->umax >> 32) && (int32_t)s->umin < 0 &&
	    (int32_t)s->umax >= 0)
		narrow_s32(s, (int32_t)s->umin, (int32_t)s->umax);
	if ((uint32_t)((uint64_t)s->smin >> 32) + 1 == (uint32_t)((uint64_t)s->smax >> 32) &&
	    (int32_t)s->smin < 0 && (int32_t)s->smax >= 0)
		narrow_s32(s, (int32_t)s->smin, (int32_t)s->smax);
	/* A u32 range that does not cross the sign boundary is the same s32 range, and the
	 * other way round. */
	if ((int32_t)s->u32_min <= (int32_t)s->u32_max)
		narrow_s32(s, (int32_t)s->u32_min, (int32_t)s->u32_max);
	if ((uint32_t)s->s32_min <= (uint32_t)s->s32_max)
		narrow_u32(s, (uint32_t)s->s32_min, (uint32_t)s->s32_max);
}

/* u64 <-> s64. */
static void deduce64(struct scalar *s)
{
	/* Within one half of the u64 space (sign bit fixed) the u64 and s64 orders agree. */
	if ((int64_t)s->umin <= (int64_t)s->umax) {
		s->smin = max_s64(s->smin, (int64_t)s->umin);
		s->smax = min_s64(s->smax, (int64_t)s->umax);
	}
	if ((uint64_t)s->smin <= (uint64_t)s->smax) {
		s->umin = max_u64(s->umin, (uint64_t)s->smin);
		s->umax = min_u64(s->umax, (uint64_t)s->smax);
	} else {
		/* The s64 range crosses zero: as u64 it is [0, smax] plus [smin, U64_MAX]. A u64
		 * range that meets only one of the two pieces is confined to it. */
		if (s->umax < (uint64_t)s->smin) {
			s->smin = (int64_t)s->umin;
			s->umax = min_u64(s->umax, (uint64_t)s->smax);
		} else if ((uint64_t)s->smax < s->umin) {
			s->smax = (int64_t)s->umax;
			s->umin = max_u64(s->umin, (uint64_t)s->smin);
		}
	}
}

/* The 64-bit views from the 32-bit ones. */
static void deduce_mixed(struct scalar *s)
{
	uint64_t nu_min, nu_max;
	int64_t ns_min, ns_max;

	/* Putting the u32 bounds under the upper halves of the 64-bit bounds gives bounds as
	 * good or better: a value with the same upper half as min has its low half >= u32_min,
	 * one with a larger upper half is larger anyway. Same for max, and for the s64 view. */
	nu_min = (s->umin & ~U32_ALL) | s->u32_min;
	nu_max = (s->umax & ~U32_ALL) | s->u32_max;
	s->umin = max_u64(s->umin, nu_min);
	s->umax = min_u64(s->umax, nu_max);
	ns_min = (int64_t)(((uint64_t)s->smin & ~U32_ALL) | s->u32_min);
	ns_max = (int64_t)(((uint64_t)s->smax & ~U32_ALL) | s->u32_max);
	s->smin = max_s64(s->smin, ns_min);
	s->smax = min_s64(s->smax, ns_max);

	/* A value in [S32_MIN, S32_MAX] as s64 is its own sign extension from 32 bits; if the
	 * low half is also non-negative, the upper half is zero and the value is the s32. The
	 * usual shape after a sign-extending load that was then range-checked as s32. */
	if (s->s32_min >= 0 && s->smin >= INT32_MIN && s->smax <= INT32_MAX) {
		s->smin = s->s32_min;
		s->smax = s->s32_max;
		s->umin = (uint64_t)s->s32_min;
		s->umax = (uint64_t)s->s32_max;
		s->var_off =
		    tnum_intersect(s->var_off, tnum_range((uint64_t)s->smin, (uint64_t)s->smax));
	}
}

/* Known bits from the unsigned ranges: every value of [min, max] has the bits above the
 * highest differing bit in common. */
static void tnum_from_bounds(struct scalar *s)
{
	struct tnum t64 = tnum_intersect(s->var_off, tnum_range(s->umin, s->umax));
	struct tnum t32 = tnum_intersect(tnum_subreg(t64), tnum_range(s->u32_min, s->u32_max));

	s->var_off = tnum_or(tnum_clear_subreg(t64), t32);
}

void scalar_sync(struct scalar *s)
{
	bounds_from_tnum(s);
	/* Each pass can enable another (a sign learnt in 32 bits feeds the 64-bit views and
	 * back); Linux runs three, and so do we, to print the same bounds. */
	for (int i = 0; i < 3; i++) {
		deduce32(s);
		deduce64(s);
		deduce_mixed(s);
	}
	tnum_from_bounds(s);
	bounds_from_tnum(s);
}

/* The 64-bit views of a zero-extended subregister, from the 32-bit views. */
static void assign_32_into_64(struct scalar *s)
{
	s->umin = s->u32_min;
	s->umax = s->u32_max;
	if (s->s32_min >= 0 && s->s32_max >= 0) {
		s->smin = s->s32_min;
		s->smax = s->s32_max;
	} else {
		s->smin = 0;
		s->smax = UINT32_MAX;
	}
}

void scalar_zext32(struct scalar *s)
{
	s->var_off = tnum_subreg(s->var_off);
	assign_32_into_64(s);
	scalar_sync(s);
}

/* ------------------------------------------------------------------------------------------
 * Queries
 */

bool scalar_contains(const struct scalar *s, uint64_t x)
{
	return tnum_contains(s->var_off, x) && x >= s->umin && x <= s->umax &&
	       (int64_t)x >= s->smin && (int64_t)x <= s->smax && (uint32_t)x >= s->u32_min &&
	       (uint32_t)x <= s->u32_max && (int32_t)(uint32_t)x >= s->s32_min &&
	       (int32_t)(uint32_t)x <= s->s32_max;
}

bool scalar_is_empty(const struct scalar *s)
{
	if (s->umin > s->umax || s->smin > s->smax || s->u32_min > s->u32_max ||
	    s->s32_min > s->s32_max)
		return true;
	/* The tnum's extreme members must reach into the ranges. */
	if (s->var_off.value > s->umax || (s->var_off.value | s->var_off.mask) < s->umin)
		return true;
	return (uint32_t)s->var_off.value > s->u32_max ||
	       (uint32_t)(s->var_off.value | s->var_off.mask) < s->u32_min;
}

bool scalar_in(const struct scalar *a, const struct scalar *b)
{
	return a->umin <= b->umin && b->umax <= a->umax && a->smin <= b->smin &&
	       b->smax <= a->smax && a->u32_min <= b->u32_min && b->u32_max <= a->u32_max &&
	       a->s32_min <= b->s32_min && b->s32_max <= a->s32_max &&
	       tnum_in(a->var_off, b->var_off);
}

bool scalar_equal(const struct scalar *a, const struct scalar *b)
{
	return tnum_equal(a->var_off, b->var_off) && a->umin == b->umin && a->umax == b->umax &&
	       a->smin == b->smin && a->smax == b->smax && a->u32_min == b->u32_min &&
	       a->u32_max == b->u32_max && a->s32_min == b->s32_min && a->s32_max == b->s32_max;
}

struct scalar scalar_union(const struct scalar *a, const struct scalar *b)
{
	struct scalar s = {
	    .var_off = tnum_union(a->var_off, b->var_off),
	    .umin = min_u64(a->umin, b->umin),
	    .umax = max_u64(a->umax, b->umax),
	    .smin = min_s64(a->smin, b->smin),
	    .smax = max_s64(a->smax, b->smax),
	    .u32_min = min_u32(a->u32_min, b->u32_min),
	    .u32_max = max_u32(a->u32_max, b->u32_max),
	    .s32_min = min_s32(a->s32_min, b->s32_min),
	    .s32_max = max_s32(a->s32_max, b->s32_max),
	};

	scalar_sync(&s);
	return s;
}

/* ------------------------------------------------------------------------------------------
 * ALU: add, sub, mul, and, or, xor keep both widths' bounds (Linux's scalar{32,}_min_max_*),
 * shifts the ones of their width; every function here leaves the sync to scalar_alu().
 */

static void add_bounds(struct scalar *d, const struct scalar *s)
{
	bool lo_wrap, hi_wrap;

	if (__builtin_add_overflow(d->s32_min, s->s32_min, &d->s32_min) ||
	    __builtin_add_overflow(d->s32_max, s->s32_max, &d->s32_max)) {
		d->s32_min = INT32_MIN;
		d->s32_max = INT32_MAX;
	}
	if (__builtin_add_overflow(d->smin, s->smin, &d->smin) ||
	    __builtin_add_overflow(d->smax, s->smax, &d->smax)) {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	}
	/* Unsigned: if the smallest and the largest sum both wrap, every sum wraps and the
	 * wrapped range is still a range; if only the largest does, it is not. */
	lo_wrap = __builtin_add_overflow(d->u32_min, s->u32_min, &d->u32_min);
	hi_wrap = __builtin_add_overflow(d->u32_max, s->u32_max, &d->u32_max);
	if (!lo_wrap && hi_wrap) {
		d->u32_min = 0;
		d->u32_max = UINT32_MAX;
	}
	lo_wrap = __builtin_add_overflow(d->umin, s->umin, &d->umin);
	hi_wrap = __builtin_add_overflow(d->umax, s->umax, &d->umax);
	if (!lo_wrap && hi_wrap) {
		d->umin = 0;
		d->umax = UINT64_MAX;
	}
}

static void sub_bounds(struct scalar *d, const struct scalar *s)
{
	bool lo_wrap, hi_wrap;

	if (__builtin_sub_overflow(d->s32_min, s->s32_max, &d->s32_min) ||
	    __builtin_sub_overflow(d->s32_max, s->s32_min, &d->s32_max)) {
		d->s32_min = INT32_MIN;
		d->s32_max = INT32_MAX;
	}
	if (__builtin_sub_overflow(d->smin, s->smax, &d->smin) ||
	    __builtin_sub_overflow(d->smax, s->smin, &d->smax)) {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	}
	/* As for add: all differences borrowing, or none, keeps a range. */
	lo_wrap = __builtin_sub_overflow(d->u32_min, s->u32_max, &d->u32_min);
	hi_wrap = __builtin_sub_overflow(d->u32_max, s->u32_min, &d->u32_max);
	if (lo_wrap && !hi_wrap) {
		d->u32_min = 0;
		d->u32_max = UINT32_MAX;
	}
	lo_wrap = __builtin_sub_overflow(d->umin, s->umax, &d->umin);
	hi_wrap = __builtin_sub_overflow(d->umax, s->umin, &d->umax);
	if (lo_wrap && !hi_wrap) {
		d->umin = 0;
		d->umax = UINT64_MAX;
	}
}

static void mul_bounds(struct scalar *d, const struct scalar *s)
{
	int64_t p[4];
	int32_t q[4];

	/* Products of the corners bound all products unless one of them overflows. */
	if (__builtin_mul_overflow(d->u32_max, s->u32_max, &d->u32_max) ||
	    __builtin_mul_overflow(d->u32_min, s->u32_min, &d->u32_min)) {
		d->u32_min = 0;
		d->u32_max = UINT32_MAX;
	}
	if (__builtin_mul_overflow(d->umax, s->umax, &d->umax) ||
	    __builtin_mul_overflow(d->umin, s->umin, &d->umin)) {
		d->umin = 0;
		d->umax = UINT64_MAX;
	}
	if (__builtin_mul_overflow(d->s32_min, s->s32_min, &q[0]) ||
	    __builtin_mul_overflow(d->s32_min, s->s32_max, &q[1]) ||
	    __builtin_mul_overflow(d->s32_max, s->s32_min, &q[2]) ||
	    __builtin_mul_overflow(d->s32_max, s->s32_max, &q[3])) {
		d->s32_min = INT32_MIN;
		d->s32_max = INT32_MAX;
	} else {
		d->s32_min = min_s32(min_s32(q[0], q[1]), min_s32(q[2], q[3]));
		d->s32_max = max_s32(max_s32(q[0], q[1]), max_s32(q[2], q[3]));
	}
	if (__builtin_mul_overflow(d->smin, s->smin, &p[0]) ||
	    __builtin_mul_overflow(d->smin, s->smax, &p[1]) ||
	    __builtin_mul_overflow(d->smax, s->smin, &p[2]) ||
	    __builtin_mul_overflow(d->smax, s->smax, &p[3])) {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	} else {
		d->smin = min_s64(min_s64(p[0], p[1]), min_s64(p[2], p[3]));
		d->smax = max_s64(max_s64(p[0], p[1]), max_s64(p[2], p[3]));
	}
}

/* After and/or/xor the unsigned bounds are set; the signed ones follow when the unsigned
 * range stays on one side of the sign boundary. */
static void signed_from_unsigned(struct scalar *d)
{
	if ((int32_t)d->u32_min <= (int32_t)d->u32_max) {
		d->s32_min = (int32_t)d->u32_min;
		d->s32_max = (int32_t)d->u32_max;
	} else {
		d->s32_min = INT32_MIN;
		d->s32_max = INT32_MAX;
	}
	if ((int64_t)d->umin <= (int64_t)d->umax) {
		d->smin = (int64_t)d->umin;
		d->smax = (int64_t)d->umax;
	} else {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	}
}

/* For the bitwise ops d->var_off already holds the result. */
static void bitwise_bounds(struct scalar *d, const struct scalar *s, unsigned int op)
{
	struct tnum t = d->var_off, t32 = tnum_subreg(t);

	if (tnum_is_const(t)) {
		set_known(d, t.value);
		return;
	}
	switch (op) {
	case SCALAR_AND:
		/* No larger than either operand; the known ones are the least. */
		d->u32_min = (uint32_t)t32.value;
		d->u32_max = min_u32(d->u32_max, s->u32_max);
		d->umin = t.value;
		d->umax = min_u64(d->umax, s->umax);
		break;
	case SCALAR_OR:
		/* No smaller than either operand; the possible ones are the most. */
		d->u32_min = max_u32(d->u32_min, s->u32_min);
		d->u32_max = (uint32_t)(t32.value | t32.mask);
		d->umin = max_u64(d->umin, s->umin);
		d->umax = t.value | t.mask;
		break;
	default: /* XOR: only the bits tell. */
		d->u32_min = (uint32_t)t32.value;
		d->u32_max = (uint32_t)(t32.value | t32.mask);
		d->umin = t.value;
		d->umax = t.value | t.mask;
		break;
	}
	signed_from_unsigned(d);
	if (tnum_subreg_is_const(t))
		set_known32(d, (uint32_t)t32.value);
}

/* The 32-bit part of a left shift by k: the u32 range survives if no value loses a bit. */
static void lsh_bounds32(struct scalar *d, unsigned int k)
{
	d->s32_min = INT32_MIN;
	d->s32_max = INT32_MAX;
	if (k > 31 || d->u32_max > (UINT64_C(1) << (31 - k))) {
		d->u32_min = 0;
		d->u32_max = UINT32_MAX;
	} else {
		d->u32_min <<= k;
		d->u32_max <<= k;
	}
}

static void lsh64(struct scalar *d, unsigned int k)
{
	/* x << 32 as s64 is (s32)x * 2^32, monotonic in the s32 view: the first step of the
	 * <<32 s>>32 sign-extension idiom. (Linux keeps this only for a non-negative s32.)
	 * Uses the unshifted 32-bit bounds. */
	if (k == 32) {
		d->smin = (int64_t)d->s32_min * ((int64_t)1 << 32);
		d->smax = (int64_t)d->s32_max * ((int64_t)1 << 32);
	} else {
		d->smin = INT64_MIN;
		d->smax = INT64_MAX;
	}
	if (d->umax > (UINT64_C(1) << (63 - k))) {
		d->umin = 0;
		d->umax = UINT64_MAX;
	} else {
		d->umin <<= k;
		d->umax <<= k;
	}
	lsh_bounds32(d, k);
	d->var_off = tnum_lshift(d->var_off, k);
	bounds_from_tnum(d);
}

static void lsh32(struct scalar *d, unsigned int k)
{
	lsh_bounds32(d, k);
	d->var_off = tnum_subreg(tnum_lshift(tnum_subreg(d->var_off), k));
	unbound64(d);
	bounds_from_tnum32(d);
}

static void rsh64(struct scalar *d, unsigned int k)
{
	/* A logical shift may clear the sign bit or not: the signed bounds come back from the
	 * unsigned ones and the bits. The 32-bit views get bits from above: from the tnum. */
	d->smin = INT64_MIN;
	d->smax = INT64_MAX;
	d->var_off = tnum_rshift(d->var_off, k);
	d->umin >>= k;
	d->umax >>= k;
	unbound32(d);
	bounds_from_tnum(d);
}

static void rsh32(struct scalar *d, unsigned int k)
{
	d->s32_min = INT32_MIN;
	d->s32_max = INT32_MAX;
	d->var_off = tnum_rshift(tnum_subreg(d->var_off), k);
	d->u32_min >>= k;
	d->u32_max >>= k;
	unbound64(d);
	bounds_from_tnum32(d);
}

static void arsh64(struct scalar *d, unsigned int k)
{
	/* Arithmetic shifting is monotonic in the signed order. */
	d->smin >>= k;
	d->smax >>= k;
	d->var_off = tnum_arshift(d->var_off, k, 64);
	d->umin = 0;
	d->umax = UINT64_MAX;
	unbound32(d);
	bounds_from_tnum(d);
}

static void arsh32(struct scalar *d, unsigned int k)
{
	d->s32_min >>= k;
	d->s32_max >>= k;
	d->var_off = tnum_arshift(tnum_subreg(d->var_off), k, 32);
	d->u32_min = 0;
	d->u32_max = UINT32_MAX;
	unbound64(d);
	bounds_from_tnum32(d);
}

/* The result of a 32-bit op given its 32-bit views (tnum in the low half), zero-extended. */
static struct scalar finish32(struct scalar s)
{
	scalar_zext32(&s);
	return s;
}

static struct scalar unknown_result(bool alu32)
{
	struct scalar s = scalar_unknown();

	/* A 32-bit result's upper half is zero whatever it is (Linux forgets this here). */
	return alu32 ? finish32(s) : s;
}

static struct scalar s32range_zext(int64_t lo, int64_t hi)
{
	struct scalar s = scalar_unknown();

	s.s32_min = (int32_t)lo;
	s.s32_max = (int32_t)hi;
	return finish32(s);
}

static struct scalar u32range_zext(uint64_t lo, uint64_t hi)
{
	return scalar_u32range((uint32_t)lo, (uint32_t)hi);
}

static int log2_exact(uint64_t v) { return v && !(v & (v - 1)) ? __builtin_ctzll(v) : -1; }

/* Unsigned division: x / 0 = 0. Linux 6.x forgets everything; division by a
 * known power of two is a shift, otherwise the quotient lies between the corner quotients. */
static struct scalar udiv(struct scalar d, struct scalar s, bool alu32)
{
	uint64_t dmin = alu32 ? d.u32_min : d.umin, dmax = alu32 ? d.u32_max : d.umax;
	uint64_t smin = alu32 ? s.u32_min : s.umin, smax = alu32 ? s.u32_max : s.umax;
	uint64_t lo, hi;
	int k;

	if (smax == 0)
		return scalar_const(0);
	if (smin == smax && (k = log2_exact(smin)) >= 0)
		return scalar_alu(d, scalar_const((uint64_t)k), SCALAR_RSH, alu32);
	/* A zero divisor gives 0; any other gives at most the dividend. */
	lo = smin ? dmin / smax : 0;
	hi = smin ? dmax / smin : dmax;
	return alu32 ? u32range_zext(lo, hi) : scalar_urange(lo, hi);
}

/* Unsigned modulo: x % 0 = x (its low 32 bits in ALU32). */
static struct scalar umod(struct scalar d, struct scalar s, bool alu32)
{
	uint64_t dmax = alu32 ? d.u32_max : d.umax;
	uint64_t smin = alu32 ? s.u32_min : s.umin, smax = alu32 ? s.u32_max : s.umax;
	int k;

	/* Dividing by zero, or by something larger than the dividend, leaves it. */
	if (smax == 0 || (smin && dmax < smin))
		return alu32 ? finish32(d) : d;
	if (smin == smax && (k = log2_exact(smin)) >= 0)
		return scalar_alu(d, scalar_const(smin - 1), SCALAR_AND, alu32);
	/* The remainder is at most the dividend, and below the divisor when that is not 0. */
	dmax = smin ? min_u64(dmax, smax - 1) : dmax;
	return alu32 ? u32range_zext(0, dmax) : scalar_urange(0, dmax);
}

/* The signed views of an operand as int64_t, whatever the width. */
static void sview(const struct scalar *s, bool alu32, int64_t *lo, int64_t *hi)
{
	*lo = alu32 ? s->s32_min : s->smin;
	*hi = alu32 ? s->s32_max : s->smax;
}

/* Truncating x / y for y != 0 at a width whose minimum is `wmin`: the one overflowing
 * quotient, wmin / -1, is taken as the width's maximum (an upper bound of the others) and
 * reported through *wraps, because the machine gives wmin there. */
static int64_t corner_quot(int64_t x, int64_t y, int64_t wmin, bool *wraps)
{
	if (x == wmin && y == -1) {
		*wraps = true;
		return -(wmin + 1);
	}
	return x / y;
}

/* Signed division: x s/ 0 = 0 and wmin s/ -1 = wmin. Over a divisor range of one sign, the
 * quotient is monotonic in each operand, so the corners bound it; a range containing 0 is
 * split around it. */
static struct scalar sdiv(struct scalar d, struct scalar s, bool alu32)
{
	int64_t wmin = alu32 ? INT32_MIN : INT64_MIN;
	int64_t dlo, dhi, slo, shi, lo = INT64_MAX, hi = INT64_MIN;
	int64_t parts[2][2];
	int nparts = 0;
	bool wraps = false;

	sview(&d, alu32, &dlo, &dhi);
	sview(&s, alu32, &slo, &shi);
	if (slo <= -1) {
		parts[nparts][0] = slo;
		parts[nparts++][1] = min_s64(shi, -1);
	}
	if (shi >= 1) {
		parts[nparts][0] = max_s64(slo, 1);
		parts[nparts++][1] = shi;
	}
	if (slo <= 0 && shi >= 0) {
		lo = 0;
		hi = 0;
	}
	for (int i = 0; i < nparts; i++) {
		int64_t q[4] = {
		    corner_quot(dlo, parts[i][0], wmin, &wraps),
		    corner_quot(dlo, parts[i][1], wmin, &wraps),
		    corner_quot(dhi, parts[i][0], wmin, &wraps),
		    corner_quot(dhi, parts[i][1], wmin, &wraps),
		};

		for (int j = 0; j < 4; j++) {
			lo = min_s64(lo, q[j]);
			hi = max_s64(hi, q[j]);
		}
	}
	if (wraps)
		lo = wmin;
	if (lo > hi) /* no divisor at all: an empty input */
		return d;
	return alu32 ? s32range_zext(lo, hi) : scalar_srange(lo, hi);
}

/* |v| as an unsigned number (no overflow for the minimum). */
static uint64_t uabs(int64_t v) { return v < 0 ? -(uint64_t)v : (uint64_t)v; }

/* Signed modulo: x s% 0 = x, x s% -1 = 0; otherwise the remainder has the dividend's sign,
 * is no larger than it in magnitude, and is smaller than the divisor in magnitude. */
static struct scalar smod(struct scalar d, struct scalar s, bool alu32)
{
	int64_t dlo, dhi, slo, shi, lo, hi;

	sview(&d, alu32, &dlo, &dhi);
	sview(&s, alu32, &slo, &shi);
	lo = min_s64(dlo, 0);
	hi = max_s64(dhi, 0);
	if (slo > 0 || shi < 0) {
		uint64_t dmag = max_u64(uabs(dlo), uabs(dhi));
		uint64_t smag_min = slo > 0 ? (uint64_t)slo : uabs(shi);
		uint64_t smag_max = max_u64(uabs(slo), uabs(shi));

		/* A dividend smaller than every divisor is the remainder. */
		if (dmag < smag_min)
			return alu32 ? finish32(d) : d;
		lo = max_s64(lo, -(int64_t)(smag_max - 1));
		hi = min_s64(hi, (int64_t)(smag_max - 1));
	}
	return alu32 ? s32range_zext(lo, hi) : scalar_srange(lo, hi);
}

/* Division and modulo of two known values, as the interpreter computes them. */
static uint64_t divmod_const(uint64_t x, uint64_t y, unsigned int op, bool alu32)
{
	int64_t sx = alu32 ? (int32_t)(uint32_t)x : (int64_t)x;
	int64_t sy = alu32 ? (int32_t)(uint32_t)y : (int64_t)y;
	uint64_t r;

	if (alu32) {
		x = (uint32_t)x;
		y = (uint32_t)y;
	}
	switch (op) {
	case SCALAR_DIV:
		r = y ? x / y : 0;
		break;
	case SCALAR_MOD:
		r = y ? x % y : x;
		break;
	case SCALAR_SDIV:
		/* Only the 64-bit wmin / -1 overflows int64_t; the 32-bit one wraps below. */
		r = !sy ? 0 : (sy == -1 ? -(uint64_t)sx : (uint64_t)(sx / sy));
		break;
	default:
		r = !sy ? (uint64_t)sx : (sy == -1 ? 0 : (uint64_t)(sx % sy));
		break;
	}
	return alu32 ? (uint32_t)r : r;
}

struct scalar scalar_alu(struct scalar dst, struct scalar src, unsigned int op, bool alu32)
{
	unsigned int bits = alu32 ? 32 : 64;
	uint64_t k;

	switch (op) {
	case SCALAR_ADD:
		add_bounds(&dst, &src);
		dst.var_off = tnum_add(dst.var_off, src.var_off);
		break;
	case SCALAR_SUB:
		sub_bounds(&dst, &src);
		dst.var_off = tnum_sub(dst.var_off, src.var_off);
		break;
	case SCALAR_MUL:
		dst.var_off = tnum_mul(dst.var_off, src.var_off);
		mul_bounds(&dst, &src);
		break;
	case SCALAR_AND:
		dst.var_off = tnum_and(dst.var_off, src.var_off);
		bitwise_bounds(&dst, &src, op);
		break;
	case SCALAR_OR:
		dst.var_off = tnum_or(dst.var_off, src.var_off);
		bitwise_bounds(&dst, &src, op);
		break;
	case SCALAR_XOR:
		dst.var_off = tnum_xor(dst.var_off, src.var_off);
		bitwise_bounds(&dst, &src, op);
		break;
	case SCALAR_LSH:
	case SCALAR_RSH:
	case SCALAR_ARSH:
		/* Like Linux, only a known in-range amount is tracked. */
		if (alu32 ? !tnum_subreg_is_const(src.var_off) : !tnum_is_const(src.var_off))
			return unknown_result(alu32);
		k = alu32 ? (uint32_t)src.var_off.value : src.var_off.value;
		if (k >= bits)
			return unknown_result(alu32);
		if (op == SCALAR_LSH)
			alu32 ? lsh32(&dst, (unsigned int)k) : lsh64(&dst, (unsigned int)k);
		else if (op == SCALAR_RSH)
			alu32 ? rsh32(&dst, (unsigned int)k) : rsh64(&dst, (unsigned int)k);
		else
			alu32 ? arsh32(&dst, (unsigned int)k) : arsh64(&dst, (unsigned int)k);
		break;
	case SCALAR_DIV:
	case SCALAR_MOD:
	case SCALAR_SDIV:
	case SCALAR_SMOD:
		if (alu32 ? tnum_subreg_is_const(dst.var_off) && tnum_subreg_is_const(src.var_off)
			  : tnum_is_const(dst.var_off) && tnum_is_const(src.var_off))
			return scalar_const(
			    divmod_const(dst.var_off.value, src.var_off.value, op, alu32));
		if (op == SCALAR_DIV)
			return udiv(dst, src, alu32);
		if (op == SCALAR_MOD)
			return umod(dst, src, alu32);
		if (op == SCALAR_SDIV)
			return sdiv(dst, src, alu32);
		return smod(dst, src, alu32);
	default:
		return unknown_result(alu32);
	}
	if (alu32)
		scalar_zext32(&dst);
	else
		scalar_sync(&dst);
	return dst;
}

struct scalar scalar_neg(struct scalar dst, bool alu32)
{
	struct scalar r = scalar_const(0);

	/* 0 - dst, bounds and bits. */
	sub_bounds(&r, &dst);
	r.var_off = tnum_neg(dst.var_off);
	if (alu32)
		scalar_zext32(&r);
	else
		scalar_sync(&r);
	return r;
}

/* ------------------------------------------------------------------------------------------
 * Moves, extensions, byte order
 */

/* Sign extension of the low n bits maps a range [lo, hi] of some view onto
 * [sext(lo), sext(hi)] when the range's values share the bits above n (one block of 2^n)
 * and do not cross the n-bit sign boundary, or when they span two consecutive blocks going
 * from the negative top of one to the non-negative bottom of the next. */
static int64_t sext_n(uint64_t v, unsigned int n)
{
	unsigned int up = 64 - n;

	return (int64_t)(v << up) >> up;
}

static void sext_candidate(int64_t *lo, int64_t *hi, uint64_t a, uint64_t b, uint64_t blk_a,
			   uint64_t blk_b, unsigned int n)
{
	int64_t sa = sext_n(a, n), sb = sext_n(b, n);

	if ((blk_a == blk_b && sa <= sb) || (blk_a + 1 == blk_b && sa < 0 && sb >= 0)) {
		*lo = max_s64(*lo, sa);
		*hi = min_s64(*hi, sb);
	}
}

/* The value sign-extended from its low n bits (8, 16, 32) to 64. */
static struct scalar sext64(struct scalar s, unsigned int n)
{
	int64_t lo = -((int64_t)1 << (n - 1)), hi = ((int64_t)1 << (n - 1)) - 1;
	struct scalar r = scalar_unknown();

	sext_candidate(&lo, &hi, s.umin, s.umax, s.umin >> n, s.umax >> n, n);
	sext_candidate(&lo, &hi, (uint64_t)s.smin, (uint64_t)s.smax, (uint64_t)(s.smin >> n),
		       (uint64_t)(s.smax >> n), n);
	if (n == 32) {
		lo = max_s64(lo, s.s32_min);
		hi = min_s64(hi, s.s32_max);
	} else {
		sext_candidate(&lo, &hi, s.u32_min, s.u32_max, s.u32_min >> n, s.u32_max >> n, n);
		sext_candidate(&lo, &hi, (uint64_t)(int64_t)s.s32_min, (uint64_t)(int64_t)s.s32_max,
			       (uint64_t)((int64_t)s.s32_min >> n),
			       (uint64_t)((int64_t)s.s32_max >> n), n);
	}
	r.var_off = tnum_scast(s.var_off, n / 8);
	r.smin = lo;
	r.smax = hi;
	/* The result is a sign-extended s32 as well. */
	r.s32_min = (int32_t)lo;
	r.s32_max = (int32_t)hi;
	scalar_sync(&r);
	return r;
}

struct scalar scalar_mov(struct scalar src, unsigned int bits, bool alu32)
{
	if (bits == 8 || bits == 16) {
		src = sext64(src, bits);
	} else if (bits == 32 && !alu32) {
		src = sext64(src, 32);
	}
	if (alu32)
		scalar_zext32(&src);
	return src;
}

static void zext_candidate(uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b, uint64_t blk_a,
			   uint64_t blk_b, uint64_t low)
{
	/* Values sharing the bits above the kept ones keep their order. */
	if (blk_a == blk_b) {
		*lo = max_u64(*lo, a & low);
		*hi = min_u64(*hi, b & low);
	}
}

struct scalar scalar_zext(struct scalar s, unsigned int size)
{
	unsigned int n = size * 8;
	uint64_t low, lo = 0, hi;
	struct scalar r = scalar_unknown();

	if (size >= 8)
		return s;
	if (size == 4) {
		scalar_zext32(&s);
		return s;
	}
	low = (UINT64_C(1) << n) - 1;
	hi = low;
	zext_candidate(&lo, &hi, s.umin, s.umax, s.umin >> n, s.umax >> n, low);
	zext_candidate(&lo, &hi, (uint64_t)s.smin, (uint64_t)s.smax, (uint64_t)(s.smin >> n),
		       (uint64_t)(s.smax >> n), low);
	zext_candidate(&lo, &hi, s.u32_min, s.u32_max, s.u32_min >> n, s.u32_max >> n, low);
	zext_candidate(&lo, &hi, (uint64_t)(int64_t)s.s32_min, (uint64_t)(int64_t)s.s32_max,
		       (uint64_t)((int64_t)s.s32_min >> n), (uint64_t)((int64_t)s.s32_max >> n),
		       low);
	r.var_off = tnum_cast(s.var_off, size);
	r.umin = lo;
	r.umax = hi;
	scalar_sync(&r);
	return r;
}

struct scalar scalar_sext(struct scalar s, unsigned int size)
{
	return size >= 8 ? s : sext64(s, size * 8);
}

struct scalar scalar_end(struct scalar dst, enum scalar_end_op op, unsigned int bits)
{
	struct tnum t;

	if (op == SCALAR_TO_LE) /* host order is little-endian: a truncation */
		return scalar_zext(dst, bits / 8);
	/* A swap moves bytes across the bounds' significance: only the bits carry over. */
	if (bits == 16)
		t = tnum_bswap16(dst.var_off);
	else if (bits == 32)
		t = tnum_bswap32(dst.var_off);
	else
		t = tnum_bswap64(dst.var_off);
	return scalar_from_tnum(t);
}

/* ------------------------------------------------------------------------------------------
 * Conditional jumps (Linux's is_scalar_branch_taken, regs_refine_cond_op, reg_set_min_max)
 */

/* The one value of s in the compared width, if known. */
static bool const_val(const struct scalar *s, bool jmp32, uint64_t *v)
{
	if (jmp32 ? !tnum_subreg_is_const(s->var_off) : !tnum_is_const(s->var_off))
		return false;
	*v = jmp32 ? (uint32_t)s->var_off.value : s->var_off.value;
	return true;
}

/* The views compared: 64-bit, or the 32-bit ones widened (u32 zero-, s32 sign-extended). */
struct cmp_view {
	struct tnum t;
	uint64_t umin, umax;
	int64_t smin, smax;
};

static struct cmp_view view_of(const struct scalar *s, bool jmp32)
{
	if (jmp32)
		return (struct cmp_view){tnum_subreg(s->var_off), s->u32_min, s->u32_max,
					 s->s32_min, s->s32_max};
	return (struct cmp_view){s->var_off, s->umin, s->umax, s->smin, s->smax};
}

/* Whether a and b can be equal, judged from every view. */
static bool may_equal(const struct scalar *a, const struct scalar *b, bool jmp32)
{
	struct cmp_view x = view_of(a, jmp32), y = view_of(b, jmp32);

	if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin ||
	    !tnum_overlap(x.t, y.t))
		return false;
	/* Equal 64-bit values have equal low halves. */
	if (!jmp32 && (a->u32_min > b->u32_max || a->u32_max < b->u32_min ||
		       a->s32_min > b->s32_max || a->s32_max < b->s32_min))
		return false;
	return true;
}

enum scalar_taken scalar_branch_taken(const struct scalar *a, const struct scalar *b,
				      unsigned int op, bool jmp32)
{
	struct cmp_view x = view_of(a, jmp32), y = view_of(b, jmp32);

	switch (op) {
	case SCALAR_JEQ:
	case SCALAR_JNE: {
		bool eq;

		if (tnum_is_const(x.t) && tnum_is_const(y.t))
			eq = x.t.value == y.t.value;
		else if (!may_equal(a, b, jmp32))
			eq = false;
		else
			return SCALAR_MAYBE;
		return (eq == (op == SCALAR_JEQ)) ? SCALAR_ALWAYS : SCALAR_NEVER;
	}
	case SCALAR_JSET:
		/* A bit known set in both, or no bit possibly set in both; Linux judges only
		 * against a constant operand. */
		if (!tnum_is_const(x.t) && !tnum_is_const(y.t))
			return SCALAR_MAYBE;
		if (x.t.value & y.t.value)
			return SCALAR_ALWAYS;
		if (!((x.t.value | x.t.mask) & (y.t.value | y.t.mask)))
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JGT:
		if (x.umin > y.umax)
			return SCALAR_ALWAYS;
		if (x.umax <= y.umin)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JGE:
		if (x.umin >= y.umax)
			return SCALAR_ALWAYS;
		if (x.umax < y.umin)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JLT:
		if (x.umax < y.umin)
			return SCALAR_ALWAYS;
		if (x.umin >= y.umax)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JLE:
		if (x.umax <= y.umin)
			return SCALAR_ALWAYS;
		if (x.umin > y.umax)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JSGT:
		if (x.smin > y.smax)
			return SCALAR_ALWAYS;
		if (x.smax <= y.smin)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JSGE:
		if (x.smin >= y.smax)
			return SCALAR_ALWAYS;
		if (x.smax < y.smin)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JSLT:
		if (x.smax < y.smin)
			return SCALAR_ALWAYS;
		if (x.smin >= y.smax)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	case SCALAR_JSLE:
		if (x.smax <= y.smin)
			return SCALAR_ALWAYS;
		if (x.smin > y.smax)
			return SCALAR_NEVER;
		return SCALAR_MAYBE;
	default:
		return SCALAR_MAYBE;
	}
}

/* The fall-through condition of JSET, `(a & b) == 0`, which has no opcode of its own. */
#define JSET_FALSE 0x41

static unsigned int negate_op(unsigned int op)
{
	switch (op) {
	case SCALAR_JEQ:
		return SCALAR_JNE;
	case SCALAR_JNE:
		return SCALAR_JEQ;
	case SCALAR_JSET:
		return JSET_FALSE;
	case SCALAR_JGT:
		return SCALAR_JLE;
	case SCALAR_JGE:
		return SCALAR_JLT;
	case SCALAR_JLT:
		return SCALAR_JGE;
	case SCALAR_JLE:
		return SCALAR_JGT;
	case SCALAR_JSGT:
		return SCALAR_JSLE;
	case SCALAR_JSGE:
		return SCALAR_JSLT;
	case SCALAR_JSLT:
		return SCALAR_JSGE;
	case SCALAR_JSLE:
		return SCALAR_JSGT;
	default:
		return 0;
	}
}

/* a OP b with the operands swapped: b OP' a. */
static unsigned int swap_op(unsigned int op)
{
	switch (op) {
	case SCALAR_JGT:
		return SCALAR_JLT;
	case SCALAR_JGE:
		return SCALAR_JLE;
	case SCALAR_JLT:
		return SCALAR_JGT;
	case SCALAR_JLE:
		return SCALAR_JGE;
	case SCALAR_JSGT:
		return SCALAR_JSLT;
	case SCALAR_JSGE:
		return SCALAR_JSLE;
	case SCALAR_JSLT:
		return SCALAR_JSGT;
	case SCALAR_JSLE:
		return SCALAR_JSGE;
	default:
		return op;
	}
}

static void swap_ptrs(struct scalar **a, struct scalar **b)
{
	struct scalar *t = *a;

	*a = *b;
	*b = t;
}

/* Narrow a and b to the pairs for which `a OP b` holds; false when none can. The result is
 * not synced. */
static bool refine(struct scalar *a, struct scalar *b, unsigned int op, bool jmp32)
{
	uint64_t val;

	/* The greater-than forms are the less-than forms with the operands swapped. */
	if (op == SCALAR_JGT || op == SCALAR_JGE || op == SCALAR_JSGT || op == SCALAR_JSGE) {
		op = swap_op(op);
		swap_ptrs(&a, &b);
	}
	switch (op) {
	case SCALAR_JEQ: {
		struct tnum t;

		/* Equal values: every view is the intersection of both. 64-bit equality also
		 * equates the 32-bit views (Linux leaves that to the sync). */
		if (!jmp32) {
			if (!tnum_overlap(a->var_off, b->var_off))
				return false;
			a->umin = b->umin = max_u64(a->umin, b->umin);
			a->umax = b->umax = min_u64(a->umax, b->umax);
			a->smin = b->smin = max_s64(a->smin, b->smin);
			a->smax = b->smax = min_s64(a->smax, b->smax);
			a->var_off = b->var_off = tnum_intersect(a->var_off, b->var_off);
		}
		if (!tnum_overlap(tnum_subreg(a->var_off), tnum_subreg(b->var_off)))
			return false;
		a->u32_min = b->u32_min = max_u32(a->u32_min, b->u32_min);
		a->u32_max = b->u32_max = min_u32(a->u32_max, b->u32_max);
		a->s32_min = b->s32_min = max_s32(a->s32_min, b->s32_min);
		a->s32_max = b->s32_max = min_s32(a->s32_max, b->s32_max);
		t = tnum_intersect(tnum_subreg(a->var_off), tnum_subreg(b->var_off));
		a->var_off = tnum_with_subreg(a->var_off, t);
		b->var_off = tnum_with_subreg(b->var_off, t);
		return true;
	}
	case SCALAR_JNE:
		/* Only a constant teaches something: it cannot be a bound of the other. */
		if (!const_val(b, jmp32, &val))
			swap_ptrs(&a, &b);
		if (!const_val(b, jmp32, &val))
			return true;
		/* A bound equal to the constant moves inwards by one; a range that is just the
		 * constant leaves nothing. */
		if (jmp32) {
			uint32_t u = (uint32_t)val;
			int32_t i = (int32_t)u;

			if (a->u32_min == u && a->u32_max == u)
				return false;
			if (a->s32_min == i && a->s32_max == i)
				return false;
			if (a->u32_min == u && u != UINT32_MAX)
				a->u32_min++;
			if (a->u32_max == u && u != 0)
				a->u32_max--;
			if (a->s32_min == i && i != INT32_MAX)
				a->s32_min++;
			if (a->s32_max == i && i != INT32_MIN)
				a->s32_max--;
		} else {
			if (a->umin == val && a->umax == val)
				return false;
			if (a->smin == (int64_t)val && a->smax == (int64_t)val)
				return false;
			if (a->umin == val && val != UINT64_MAX)
				a->umin++;
			if (a->umax == val && val != 0)
				a->umax--;
			if (a->smin == (int64_t)val && (int64_t)val != INT64_MAX)
				a->smin++;
			if (a->smax == (int64_t)val && (int64_t)val != INT64_MIN)
				a->smax--;
		}
		return true;
	case SCALAR_JSET: {
		struct tnum t;
		uint64_t maybe;

		if (!const_val(b, jmp32, &val))
			swap_ptrs(&a, &b);
		if (!const_val(b, jmp32, &val))
			return true;
		/* Some bit of val is set in a: Linux learns it only when val is a single bit. */
		t = jmp32 ? tnum_subreg(a->var_off) : a->var_off;
		maybe = (t.value | t.mask) & val;
		if (!maybe)
			return false;
		if (val & (val - 1))
			return true;
		t = tnum_or(t, tnum_const(maybe));
		a->var_off = jmp32 ? tnum_with_subreg(a->var_off, t) : t;
		return true;
	}
	case JSET_FALSE: {
		struct tnum t;

		if (!const_val(b, jmp32, &val))
			swap_ptrs(&a, &b);
		if (!const_val(b, jmp32, &val))
			return true;
		/* No bit of val is set in a. Linux forgets a's ranges first (so that a dead edge
		 * cannot violate its invariants): only the narrowed bits remain, and the ranges
		 * are what they imply. */
		t = jmp32 ? tnum_subreg(a->var_off) : a->var_off;
		if (t.value & val)
			return false;
		t = tnum_and(t, tnum_const(~val));
		t = jmp32 ? tnum_with_subreg(a->var_off, t) : t;
		*a = scalar_unknown();
		a->var_off = t;
		return true;
	}
	case SCALAR_JLE:
		if (jmp32) {
			a->u32_max = min_u32(a->u32_max, b->u32_max);
			b->u32_min = max_u32(a->u32_min, b->u32_min);
		} else {
			a->umax = min_u64(a->umax, b->umax);
			b->umin = max_u64(a->umin, b->umin);
		}
		return true;
	case SCALAR_JLT:
		if (jmp32) {
			if (b->u32_max == 0 || a->u32_min == UINT32_MAX)
				return false;
			a->u32_max = min_u32(a->u32_max, b->u32_max - 1);
			b->u32_min = max_u32(a->u32_min + 1, b->u32_min);
		} else {
			if (b->umax == 0 || a->umin == UINT64_MAX)
				return false;
			a->umax = min_u64(a->umax, b->umax - 1);
			b->umin = max_u64(a->umin + 1, b->umin);
		}
		return true;
	case SCALAR_JSLE:
		if (jmp32) {
			a->s32_max = min_s32(a->s32_max, b->s32_max);
			b->s32_min = max_s32(a->s32_min, b->s32_min);
		} else {
			a->smax = min_s64(a->smax, b->smax);
			b->smin = max_s64(a->smin, b->smin);
		}
		return true;
	case SCALAR_JSLT:
		if (jmp32) {
			if (b->s32_max == INT32_MIN || a->s32_min == INT32_MAX)
				return false;
			a->s32_max = min_s32(a->s32_max, b->s32_max - 1);
			b->s32_min = max_s32(a->s32_min + 1, b->s32_min);
		} else {
			if (b->smax == INT64_MIN || a->smin == INT64_MAX)
				return false;
			a->smax = min_s64(a->smax, b->smax - 1);
			b->smin = max_s64(a->smin + 1, b->smin);
		}
		return true;
	default:
		return true;
	}
}

/* Refine one edge; false when it cannot be taken. */
static bool refine_edge(struct scalar *a, struct scalar *b, unsigned int op, bool jmp32)
{
	if (!refine(a, b, op, jmp32))
		return false;
	scalar_sync(a);
	scalar_sync(b);
	return !scalar_is_empty(a) && !scalar_is_empty(b);
}

void scalar_branch(const struct scalar *a, const struct scalar *b, unsigned int op, bool jmp32,
		   struct scalar_branch *out)
{
	out->taken = scalar_branch_taken(a, b, op, jmp32);
	out->a_true = out->a_false = *a;
	out->b_true = out->b_false = *b;
	/* Like Linux, a decided branch keeps its operands as they are. */
	if (out->taken != SCALAR_MAYBE)
		return;
	bool t = refine_edge(&out->a_true, &out->b_true, op, jmp32);
	bool f = refine_edge(&out->a_false, &out->b_false, negate_op(op), jmp32);

	if (!t) {
		out->a_true = *a;
		out->b_true = *b;
	}
	if (!f) {
		out->a_false = *a;
		out->b_false = *b;
	}
	if (t != f)
		out->taken = t ? SCALAR_ALWAYS : SCALAR_NEVER;
}

/* ------------------------------------------------------------------------------------------
 * Printing (Linux's log.c: print_scalar_ranges, verbose_snum/unum, tnum_strn)
 */

struct outbuf {
	char *buf;
	size_t size;
	int len;
};

static void out_printf(struct outbuf *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out_printf(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	size_t used = (size_t)o->len < o->size ? (size_t)o->len : o->size;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf ? o->buf + used : NULL, o->buf ? o->size - used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

/* Small numbers in decimal, others in hex (0x...; the two's complement for negatives). */
static void out_snum(struct outbuf *o, int64_t v)
{
	if (v >= INT16_MIN && v <= INT16_MAX)
		out_printf(o, "%" PRId64, v);
	else
		out_printf(o, "0x%" PRIx64, (uint64_t)v);
}

static void out_unum(struct outbuf *o, uint64_t v)
{
	if (v <= UINT16_MAX)
		out_printf(o, "%" PRIu64, v);
	else
		out_printf(o, "0x%" PRIx64, v);
}

static int print_ranges(struct outbuf *o, const struct scalar *s)
{
	/* The 32-bit signed bounds print sign-extended in decimal but as their 32 bits in hex,
	 * so that "smin32=0xfffffffe" reads as a 32-bit number. */
	struct {
		const char *name;
		uint64_t val;
		bool omit;
	} m[] = {
	    {"smin", (uint64_t)s->smin, s->smin == INT64_MIN},
	    {"smax", (uint64_t)s->smax, s->smax == INT64_MAX},
	    {"umin", s->umin, s->umin == 0},
	    {"umax", s->umax, s->umax == UINT64_MAX},
	    {"smin32",
	     s->s32_min >= INT16_MIN && s->s32_min <= INT16_MAX ? (uint64_t)(int64_t)s->s32_min
								: (uint32_t)s->s32_min,
	     s->s32_min == INT32_MIN},
	    {"smax32",
	     s->s32_max >= INT16_MIN && s->s32_max <= INT16_MAX ? (uint64_t)(int64_t)s->s32_max
								: (uint32_t)s->s32_max,
	     s->s32_max == INT32_MAX},
	    {"umin32", s->u32_min, s->u32_min == 0},
	    {"umax32", s->u32_max, s->u32_max == UINT32_MAX},
	};
	const size_t n = sizeof(m) / sizeof(m[0]);
	const char *sep = "";

	for (size_t i = 0; i < n; i++) {
		bool neg;

		if (m[i].omit)
			continue;
		neg = m[i].name[0] == 's' && (int64_t)m[i].val < 0;
		out_printf(o, "%s%s=", sep, m[i].name);
		sep = ",";
		/* Equal bounds of the same kind (the mins, or the maxes) print once, as
		 * "smin=umin=0"; a negative signed one never merges with a positive. */
		for (size_t j = i + 2; j < n; j += 2) {
			if (m[j].omit || m[j].val != m[i].val)
				continue;
			if ((m[j].name[0] == 's' && (int64_t)m[j].val < 0) != neg)
				continue;
			m[j].omit = true;
			out_printf(o, "%s=", m[j].name);
		}
		if (m[i].name[0] == 's')
			out_snum(o, (int64_t)m[i].val);
		else
			out_unum(o, m[i].val);
	}
	if (!tnum_is_unknown(s->var_off))
		out_printf(o, "%svar_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", sep, s->var_off.value,
			   s->var_off.mask);
	return o->len;
}

int scalar_snprint_ranges(char *buf, size_t size, const struct scalar *s)
{
	struct outbuf o = {buf, size, 0};

	if (buf && size)
		buf[0] = 0;
	return print_ranges(&o, s);
}

int scalar_snprint(char *buf, size_t size, const struct scalar *s)
{
	struct outbuf o = {buf, size, 0};

	if (buf && size)
		buf[0] = 0;
	if (scalar_is_const(s)) {
		out_snum(&o, (int64_t)s->var_off.value);
		return o.len;
	}
	out_printf(&o, "scalar(");
	print_ranges(&o, s);
	out_printf(&o, ")");
	return o.len;
}
