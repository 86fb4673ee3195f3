#include "verifier/tnum.h"

#include <inttypes.h>
#include <stdio.h>

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t diff = min ^ max, low;

	/* Every bit below the highest one where min and max differ takes both values somewhere
	 * in [min, max]; the bits above it are common to the whole range. */
	if (!diff)
		return tnum_const(min);
	if (diff >> 63)
		return TNUM_UNKNOWN;
	low = (UINT64_C(1) << (64 - __builtin_clzll(diff))) - 1;
	return TNUM(min & ~low, low);
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	/* The sums of the smallest members and of the largest members bound every carry
	 * chain: a bit whose value differs between the two sums, or that is unknown in
	 * either operand, is unknown in the result. */
	uint64_t lo = a.value + b.value;
	uint64_t hi = lo + a.mask + b.mask;
	uint64_t unknown = (lo ^ hi) | a.mask | b.mask;

	return TNUM(lo & ~unknown, unknown);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	/* Same idea with the borrow chains: the largest difference adds a's unknown bits, the
	 * smallest subtracts b's. */
	uint64_t d = a.value - b.value;
	uint64_t hi = d + a.mask, lo = d - b.mask;
	uint64_t unknown = (hi ^ lo) | a.mask | b.mask;

	return TNUM(d & ~unknown, unknown);
}

struct tnum tnum_neg(struct tnum a) { return tnum_sub(tnum_const(0), a); }

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	/* Known 1 where both are known 1; possibly 1 where both may be 1. */
	uint64_t one = a.value & b.value;
	uint64_t maybe = (a.value | a.mask) & (b.value | b.mask);

	return TNUM(one, maybe & ~one);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t one = a.value | b.value;

	return TNUM(one, (a.mask | b.mask) & ~one);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t unknown = a.mask | b.mask;

	return TNUM((a.value ^ b.value) & ~unknown, unknown);
}

struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	/* Schoolbook multiplication over a's bits, low to high, with b shifted along: a known 1
	 * adds b to the accumulator, a known 0 adds nothing, and an unknown bit may do either,
	 * so the accumulator becomes the union of both outcomes. */
	struct tnum acc = tnum_const(0);

	while (a.value | a.mask) {
		if (a.value & 1)
			acc = tnum_add(acc, b);
		else if (a.mask & 1)
			acc = tnum_union(acc, tnum_add(acc, b));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return acc;
}

struct tnum tnum_lshift(struct tnum a, unsigned int shift)
{
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, unsigned int shift)
{
	return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, unsigned int shift, unsigned int bits)
{
	/* Shifting value and mask arithmetically copies the sign bit's state into the vacated
	 * bits: known 0, known 1 (value), or unknown (mask). */
	if (bits == 32)
		return TNUM((uint32_t)((int32_t)(uint32_t)a.value >> shift),
			    (uint32_t)((int32_t)(uint32_t)a.mask >> shift));
	return TNUM((uint64_t)((int64_t)a.value >> shift), (uint64_t)((int64_t)a.mask >> shift));
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	/* A bit known in either is known in the intersection. */
	uint64_t unknown = a.mask & b.mask;

	return TNUM((a.value | b.value) & ~unknown, unknown);
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	uint64_t unknown = a.mask | b.mask | (a.value ^ b.value);

	return TNUM(a.value & b.value & ~unknown, unknown);
}

bool tnum_overlap(struct tnum a, struct tnum b)
{
	uint64_t known = ~a.mask & ~b.mask;

	return !((a.value ^ b.value) & known);
}

struct tnum tnum_cast(struct tnum a, unsigned int size)
{
	uint64_t keep = size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;

	return TNUM(a.value & keep, a.mask & keep);
}

struct tnum tnum_scast(struct tnum a, unsigned int size)
{
	unsigned int up = 64 - size * 8;

	if (size >= 8)
		return a;
	/* Moving the narrow sign bit to bit 63 and back copies its state upwards. */
	return TNUM((uint64_t)((int64_t)(a.value << up) >> up),
		    (uint64_t)((int64_t)(a.mask << up) >> up));
}

struct tnum tnum_bswap16(struct tnum a)
{
	return TNUM(__builtin_bswap16((uint16_t)a.value), __builtin_bswap16((uint16_t)a.mask));
}

struct tnum tnum_bswap32(struct tnum a)
{
	return TNUM(__builtin_bswap32((uint32_t)a.value), __builtin_bswap32((uint32_t)a.mask));
}

struct tnum tnum_bswap64(struct tnum a)
{
	return TNUM(__builtin_bswap64(a.value), __builtin_bswap64(a.mask));
}

bool tnum_is_aligned(struct tnum a, uint64_t size)
{
	if (!size)
		return true;
	return !((a.value | a.mask) & (size - 1));
}

bool tnum_in(struct tnum a, struct tnum b)
{
	/* b is in a when b is unknown only where a is, and agrees with a elsewhere. */
	if (b.mask & ~a.mask)
		return false;
	return (b.value & ~a.mask) == a.value;
}

int tnum_snprint(char *buf, size_t size, struct tnum a)
{
	return snprintf(buf, size, "(0x%" PRIx64 "; 0x%" PRIx64 ")", a.value, a.mask);
}

void tnum_sbin(char *buf, size_t size, struct tnum a)
{
	if (size < 65) {
		if (size)
			buf[0] = 0;
		return;
	}
	for (int i = 63; i >= 0; i--) {
		uint64_t bit = UINT64_C(1) << i;

		*buf++ = (a.mask & bit) ? 'x' : (a.value & bit) ? '1' : '0';
	}
	*buf = 0;
}
