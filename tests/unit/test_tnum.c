/* tnum soundness by exhaustion: every tnum of a small width, embedded in 64-bit values at
 * several positions, against the brute-force set of its members. Unary operations and the
 * operations with a constant run over all 3^8 tnums of width 8; operations on two unknown
 * operands run over all pairs of width 5 (4^10 member pairs each). */
#include "testlib.h"

#include "verifier/tnum.h"

#include <stdio.h>

/* Report the first few failures of a test; one is enough to fail it. */
static int reported;
#define SOUND(cond, fmt, ...)                                                                      \
	do {                                                                                       \
		if (!(cond) && reported++ < 5)                                                     \
			test_fail(__FILE__, __LINE__, "%s: " fmt, #cond, __VA_ARGS__);             \
	} while (0)

/* The i-th tnum of width w (base-3 digits: known 0, known 1, unknown), shifted left by pos. */
static struct tnum nth_tnum(unsigned int i, unsigned int w, unsigned int pos)
{
	uint64_t v = 0, m = 0;

	for (unsigned int b = 0; b < w; b++, i /= 3) {
		if (i % 3 == 1)
			v |= UINT64_C(1) << b;
		else if (i % 3 == 2)
			m |= UINT64_C(1) << b;
	}
	return TNUM(v << pos, m << pos);
}

static unsigned int pow3(unsigned int w)
{
	unsigned int n = 1;

	while (w--)
		n *= 3;
	return n;
}

/* Iterate the members of t: x = t.value | s for every submask s of t.mask. */
#define FOR_MEMBERS(t, x)                                                                          \
	for (uint64_t s_##x = (t).mask, done_##x = 0, x; !done_##x;                                \
	     done_##x = (s_##x == 0), s_##x = (s_##x - 1) & (t).mask)                              \
		if ((x = (t).value | s_##x), 1)

/* The best tnum of a set, built member by member. */
struct acc {
	bool any;
	struct tnum t;
};

static void acc_add(struct acc *a, uint64_t x)
{
	a->t = a->any ? tnum_union(a->t, tnum_const(x)) : tnum_const(x);
	a->any = true;
}

static bool well_formed(struct tnum t) { return !(t.value & t.mask); }

enum bin { B_ADD, B_SUB, B_MUL, B_AND, B_OR, B_XOR, B_NBIN };
static const char *const bin_name[] = {"add", "sub", "mul", "and", "or", "xor"};

static struct tnum tbin(enum bin op, struct tnum a, struct tnum b)
{
	switch (op) {
	case B_ADD:
		return tnum_add(a, b);
	case B_SUB:
		return tnum_sub(a, b);
	case B_MUL:
		return tnum_mul(a, b);
	case B_AND:
		return tnum_and(a, b);
	case B_OR:
		return tnum_or(a, b);
	default:
		return tnum_xor(a, b);
	}
}

static uint64_t cbin(enum bin op, uint64_t x, uint64_t y)
{
	switch (op) {
	case B_ADD:
		return x + y;
	case B_SUB:
		return x - y;
	case B_MUL:
		return x * y;
	case B_AND:
		return x & y;
	case B_OR:
		return x | y;
	default:
		return x ^ y;
	}
}

/* All pairs of width-5 tnums at bit 0 and straddling bit 63 (carries out of
 * the top). Add, sub and the bitwise ops are also optimal: equal to the best tnum of the
 * result set. */
TEST(tnum_binary_pairs_exhaustive)
{
	const unsigned int positions[] = {0, 60}, widths[] = {5, 5};

	reported = 0;
	for (unsigned int p = 0; p < 2; p++) {
		unsigned int w = widths[p], n = pow3(w);

		for (unsigned int i = 0; i < n; i++) {
			struct tnum a = nth_tnum(i, w, positions[p]);

			for (unsigned int j = 0; j < n; j++) {
				struct tnum b = nth_tnum(j, w, positions[p]);

				for (int op = 0; op < B_NBIN; op++) {
					struct tnum r = tbin(op, a, b);
					struct acc best = {0};

					SOUND(well_formed(r), "%s", bin_name[op]);
					FOR_MEMBERS(a, x)
					FOR_MEMBERS(b, y)
					{
						uint64_t z = cbin(op, x, y);

						SOUND(tnum_contains(r, z),
						      "%s x=%#" PRIx64 " y=%#" PRIx64, bin_name[op],
						      x, y);
						acc_add(&best, z);
					}
					if (op != B_MUL)
						SOUND(tnum_equal(r, best.t), "%s not optimal",
						      bin_name[op]);
				}
			}
		}
	}
}

/* Every width-8 tnum against 8-bit constants (0..15 and a spread up to 255; all 256 would
 * take seconds), at three positions. */
TEST(tnum_binary_const_exhaustive)
{
	const unsigned int w = 8, n = pow3(w);
	const unsigned int positions[] = {0, 28, 56};

	reported = 0;
	for (unsigned int p = 0; p < 3; p++) {
		for (unsigned int i = 0; i < n; i++) {
			struct tnum a = nth_tnum(i, w, positions[p]);

			for (uint64_t c = 0; c < 256; c = c < 16     ? c + 1
							  : c == 244 ? 255
								     : c + 19) {
				uint64_t y = c << positions[p];
				struct tnum b = tnum_const(y);

				for (int op = 0; op < B_NBIN; op++) {
					struct tnum r1 = tbin(op, a, b), r2 = tbin(op, b, a);

					FOR_MEMBERS(a, x)
					{
						SOUND(tnum_contains(r1, cbin(op, x, y)), "%s",
						      bin_name[op]);
						SOUND(tnum_contains(r2, cbin(op, y, x)), "%s",
						      bin_name[op]);
					}
				}
			}
		}
	}
}

TEST(tnum_unary_exhaustive)
{
	const unsigned int w = 8, n = pow3(w);
	const unsigned int positions[] = {0, 4, 12, 24, 28, 56};

	reported = 0;
	for (unsigned int p = 0; p < 6; p++) {
		for (unsigned int i = 0; i < n; i++) {
			struct tnum a = nth_tnum(i, w, positions[p]);
			struct tnum neg = tnum_neg(a), sub = tnum_subreg(a);
			struct tnum clr = tnum_clear_subreg(a);
			struct tnum c1 = tnum_cast(a, 1), c2 = tnum_cast(a, 2),
				    c4 = tnum_cast(a, 4);
			struct tnum x1 = tnum_scast(a, 1), x2 = tnum_scast(a, 2),
				    x4 = tnum_scast(a, 4);
			struct tnum sw16 = tnum_bswap16(a), sw32 = tnum_bswap32(a),
				    sw64 = tnum_bswap64(a);
			struct tnum ws =
			    tnum_with_subreg(TNUM(0xabcd000000000000, 0xff00000000), a);
			struct tnum cs = tnum_const_subreg(a, 0x12345678);
			struct acc best_neg = {0};

			SOUND(well_formed(neg) && well_formed(x1) && well_formed(x2) &&
				  well_formed(x4),
			      "%u", i);
			SOUND(tnum_is_const(a) == !a.mask && tnum_in(a, a) &&
				  tnum_in(TNUM_UNKNOWN, a),
			      "%u", i);
			FOR_MEMBERS(a, x)
			{
				SOUND(tnum_contains(neg, -x), "x=%#" PRIx64, x);
				acc_add(&best_neg, -x);
				SOUND(tnum_contains(sub, (uint32_t)x), "x=%#" PRIx64, x);
				SOUND(tnum_contains(clr, x & ~(uint64_t)UINT32_MAX), "x=%#" PRIx64,
				      x);
				SOUND(tnum_contains(c1, (uint8_t)x) &&
					  tnum_contains(c2, (uint16_t)x) &&
					  tnum_contains(c4, (uint32_t)x),
				      "x=%#" PRIx64, x);
				SOUND(tnum_contains(x1, (uint64_t)(int64_t)(int8_t)x) &&
					  tnum_contains(x2, (uint64_t)(int64_t)(int16_t)x) &&
					  tnum_contains(x4, (uint64_t)(int64_t)(int32_t)x),
				      "x=%#" PRIx64, x);
				SOUND(tnum_contains(sw16, __builtin_bswap16((uint16_t)x)) &&
					  tnum_contains(sw32, __builtin_bswap32((uint32_t)x)) &&
					  tnum_contains(sw64, __builtin_bswap64(x)),
				      "x=%#" PRIx64, x);
				SOUND(
				    tnum_contains(ws, 0xabcd000000000000 | (uint32_t)x) &&
					tnum_contains(cs, (x & ~(uint64_t)UINT32_MAX) | 0x12345678),
				    "x=%#" PRIx64, x);
				for (unsigned int k = 0; k < 64; k++) {
					SOUND(tnum_contains(tnum_lshift(a, k), x << k) &&
						  tnum_contains(tnum_rshift(a, k), x >> k) &&
						  tnum_contains(tnum_arshift(a, k, 64),
								(uint64_t)((int64_t)x >> k)),
					      "x=%#" PRIx64 " k=%u", x, k);
					if (k < 32)
						SOUND(tnum_contains(
							  tnum_arshift(a, k, 32),
							  (uint32_t)((int32_t)(uint32_t)x >> k)),
						      "x=%#" PRIx64 " k=%u", x, k);
				}
				for (uint64_t al = 1; al <= 256; al <<= 1)
					if (tnum_is_aligned(a, al))
						SOUND(!(x & (al - 1)), "x=%#" PRIx64, x);
			}
			SOUND(tnum_equal(neg, best_neg.t), "neg not optimal %u", i);
		}
	}
}

/* Set relations on all pairs of width-5 tnums: in (subset), overlap, intersect, union. */
TEST(tnum_set_ops_exhaustive)
{
	const unsigned int w = 5, n = pow3(w);

	reported = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct tnum a = nth_tnum(i, w, 30);

		for (unsigned int j = 0; j < n; j++) {
			struct tnum b = nth_tnum(j, w, 30);
			struct tnum in = tnum_intersect(a, b), un = tnum_union(a, b);
			bool subset = true, meet = false;
			struct acc best_in = {0}, best_un = {0};

			FOR_MEMBERS(b, y)
			{
				if (!tnum_contains(a, y))
					subset = false;
				else {
					meet = true;
					acc_add(&best_in, y);
				}
				acc_add(&best_un, y);
			}
			FOR_MEMBERS(a, x)
			{
				acc_add(&best_un, x);
			}
			SOUND(tnum_in(a, b) == subset, "%u %u", i, j);
			SOUND(tnum_overlap(a, b) == meet, "%u %u", i, j);
			SOUND(tnum_equal(un, best_un.t), "%u %u", i, j);
			if (meet)
				SOUND(tnum_equal(in, best_in.t), "%u %u", i, j);
		}
	}
}

/* tnum_range is the best tnum of [min, max], for every 8-bit range at two positions. */
TEST(tnum_range_exhaustive)
{
	const unsigned int positions[] = {0, 56};

	reported = 0;
	for (unsigned int p = 0; p < 2; p++) {
		for (uint64_t lo = 0; lo < 256; lo++) {
			for (uint64_t hi = lo; hi < 256; hi++) {
				uint64_t a = lo << positions[p], b = hi << positions[p];
				uint64_t step = UINT64_C(1) << positions[p];
				struct tnum r = tnum_range(a, b);
				struct acc best = {0};

				if (step > 1) {
					/* [lo << 56, hi << 56 | low bits]: every value between */
					b |= step - 1;
					r = tnum_range(a, b);
					SOUND(tnum_contains(r, a) && tnum_contains(r, b) &&
						  tnum_contains(r, a + (b - a) / 3),
					      "[%#" PRIx64 ", %#" PRIx64 "]", a, b);
					/* whole blocks: the 8-bit range's tnum, on top of unknown
					 * low bits */
					SOUND(tnum_equal(r, TNUM(tnum_range(lo, hi).value << 56,
								 tnum_range(lo, hi).mask << 56 |
								     (step - 1))),
					      "[%#" PRIx64 ", %#" PRIx64 "]", a, b);
					continue;
				}
				for (uint64_t v = lo; v <= hi; v++)
					acc_add(&best, v);
				SOUND(tnum_equal(r, best.t), "[%#" PRIx64 ", %#" PRIx64 "]", a, b);
			}
		}
	}
	CHECK(tnum_equal(tnum_range(0, UINT64_MAX), TNUM_UNKNOWN));
	CHECK(tnum_equal(tnum_range(5, 5), tnum_const(5)));
	CHECK(tnum_equal(tnum_range(0, 9), TNUM(0, 0xf)));
	CHECK(tnum_equal(tnum_range(0x100, 0x1ff), TNUM(0x100, 0xff)));
	CHECK(tnum_equal(tnum_range(1ull << 63, UINT64_MAX), TNUM(1ull << 63, UINT64_MAX >> 1)));
}

TEST(tnum_known_results)
{
	char buf[80];

	/* Linux's documented examples and the log form. */
	CHECK(tnum_equal(tnum_and(TNUM_UNKNOWN, tnum_const(0xff)), TNUM(0, 0xff)));
	CHECK(tnum_equal(tnum_add(tnum_const(3), tnum_const(4)), tnum_const(7)));
	/* x1 * 11 = {0011, 1001} -> x0x1: an unknown multiplier bit is a union. */
	CHECK(tnum_equal(tnum_mul(TNUM(1, 2), tnum_const(3)), TNUM(1, 0xa)));
	/* 11 * x1 adds partial products, which is coarser but still sound. */
	CHECK(tnum_in(tnum_mul(tnum_const(3), TNUM(1, 2)), TNUM(1, 0xa)));
	CHECK(tnum_equal(tnum_lshift(TNUM(1, 2), 4), TNUM(0x10, 0x20)));
	CHECK(tnum_equal(tnum_arshift(TNUM(0x80000000, 0x1), 4, 32), TNUM(0xf8000000, 0)));
	CHECK(tnum_equal(tnum_scast(TNUM(0, 0x80), 1), TNUM(0, 0xffffffffffffff80)));
	CHECK(tnum_equal(tnum_scast(TNUM(0x80, 0xf), 1), TNUM(0xffffffffffffff80, 0xf)));
	CHECK(tnum_is_aligned(TNUM(0x10, 0x30), 16) && !tnum_is_aligned(TNUM(0x10, 0x38), 16));
	tnum_snprint(buf, sizeof(buf), TNUM(0, 0xff));
	CHECK_STR(buf, "(0x0; 0xff)");
	tnum_snprint(buf, sizeof(buf), TNUM_UNKNOWN);
	CHECK_STR(buf, "(0x0; 0xffffffffffffffff)");
	tnum_sbin(buf, sizeof(buf), TNUM(0x5, 0x2));
	CHECK_STR(buf + 60, "01x1");
	CHECK_EQ(strlen(buf), 64);
	CHECK(tnum_subreg_is_const(TNUM(0x5, 0xffffffff00000000)));
	CHECK(!tnum_overlap(tnum_const(1), tnum_const(2)) &&
	      tnum_overlap(TNUM(0, 3), tnum_const(2)));
}
