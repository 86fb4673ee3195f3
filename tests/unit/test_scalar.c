/* The scalar domain: randomized soundness (fixed seed) and Linux's known precision.
 *
 * Soundness: pick random abstract scalars, random concrete members of them, run the
 * concrete instruction as the interpreter does, and check the result is a member of the
 * abstract result; for jumps, check a pair that takes an edge is in that edge's refined
 * operands and that ALWAYS / NEVER are never wrong. */
#include "testlib.h"

#include "verifier/scalar.h"

#include <stdio.h>

static int reported;
#define SOUND(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond) && reported++ < 8) {                                                   \
			char m_[512];                                                              \
			snprintf(m_, sizeof(m_), __VA_ARGS__);                                     \
			test_fail(__FILE__, __LINE__, "%s: %s", #cond, m_);                        \
		}                                                                                  \
	} while (0)

/* --- Randomness: xorshift64*, fixed seed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

/* A value with the shapes that break bounds logic: near 0, the sign boundaries and the
 * 32-bit boundaries, powers of two, sign-extended 32-bit values, or anything. */
static uint64_t rnd_value(void)
{
	static const uint64_t anchors[] = {
	    0,
	    1ull << 7,
	    1ull << 15,
	    1ull << 31,
	    1ull << 32,
	    1ull << 63,
	    0xffffffffull,
	    0xffffffff00000000ull,
	    0xffffffff80000000ull,
	    0x7fffffffull,
	    0x7fffffffffffffffull,
	    0x100000000ull,
	};
	uint64_t small = rnd_below(300) - 150;

	switch (rnd_below(8)) {
	case 0:
		return small;
	case 1:
		return anchors[rnd_below(sizeof(anchors) / sizeof(anchors[0]))] + small;
	case 2:
		return (UINT64_C(1) << rnd_below(64)) + small;
	case 3:
		return (uint64_t)(int64_t)(int32_t)rnd();
	case 4:
		return (uint32_t)rnd();
	case 5:
		return rnd() >> rnd_below(64);
	default:
		return rnd();
	}
}

/* A distance to stretch a range by. */
static uint64_t rnd_span(void)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd_below(16);
	case 1:
		return rnd_below(1000);
	case 2:
		return rnd() >> rnd_below(64);
	default:
		return rnd() >> (32 + rnd_below(32));
	}
}

static uint64_t sat_sub(uint64_t a, uint64_t d) { return a >= d ? a - d : 0; }

static uint64_t sat_add(uint64_t a, uint64_t d) { return a + d >= a ? a + d : UINT64_MAX; }

static int64_t ssat_add(int64_t a, uint64_t d)
{
	int64_t r;

	if (d > INT64_MAX || __builtin_add_overflow(a, (int64_t)d, &r))
		return INT64_MAX;
	return r;
}

static int64_t ssat_sub(int64_t a, uint64_t d)
{
	int64_t r;

	if (d > INT64_MAX || __builtin_sub_overflow(a, (int64_t)d, &r))
		return INT64_MIN;
	return r;
}

static struct scalar intersect(const struct scalar *a, const struct scalar *b)
{
	struct scalar s = *a;

	s.var_off = tnum_intersect(a->var_off, b->var_off);
	s.umin = a->umin > b->umin ? a->umin : b->umin;
	s.umax = a->umax < b->umax ? a->umax : b->umax;
	s.smin = a->smin > b->smin ? a->smin : b->smin;
	s.smax = a->smax < b->smax ? a->smax : b->smax;
	s.u32_min = a->u32_min > b->u32_min ? a->u32_min : b->u32_min;
	s.u32_max = a->u32_max < b->u32_max ? a->u32_max : b->u32_max;
	s.s32_min = a->s32_min > b->s32_min ? a->s32_min : b->s32_min;
	s.s32_max = a->s32_max < b->s32_max ? a->s32_max : b->s32_max;
	scalar_sync(&s);
	return s;
}

static struct scalar rnd_scalar_depth(uint64_t *x0, int depth, bool keep);

/* A random synced scalar that holds *x0; it may replace *x0 by the result of an operation
 * (then the scalar is that operation's abstract result). */
static struct scalar rnd_scalar(uint64_t *x0) { return rnd_scalar_depth(x0, 0, false); }

static uint64_t conc_alu(uint64_t x, uint64_t y, unsigned int op, bool alu32);
static const unsigned int alu_ops[] = {SCALAR_ADD,  SCALAR_SUB,	 SCALAR_MUL, SCALAR_DIV, SCALAR_OR,
				       SCALAR_AND,  SCALAR_LSH,	 SCALAR_RSH, SCALAR_MOD, SCALAR_XOR,
				       SCALAR_ARSH, SCALAR_SDIV, SCALAR_SMOD};
#define N_ALU (sizeof(alu_ops) / sizeof(alu_ops[0]))

static struct scalar rnd_scalar_depth(uint64_t *x0p, int depth, bool keep)
{
	struct scalar s = scalar_unknown();
	uint64_t m, x0 = *x0p;

	switch (rnd_below(depth < 2 ? (keep ? 7 : 10) : 6)) {
	case 0:
		return scalar_const(x0);
	case 1:
		return s;
	case 2:
		return scalar_urange(sat_sub(x0, rnd_span()), sat_add(x0, rnd_span()));
	case 3:
		return scalar_srange(ssat_sub((int64_t)x0, rnd_span()),
				     ssat_add((int64_t)x0, rnd_span()));
	case 4:
		m = rnd() & rnd();
		if (rnd_below(2))
			m >>= rnd_below(64);
		return scalar_from_tnum(TNUM(x0 & ~m, m));
	case 5: {
		/* 32-bit views only, around the low half. */
		uint32_t lo = (uint32_t)x0, d1 = (uint32_t)rnd_span(), d2 = (uint32_t)rnd_span();

		s.u32_min = lo >= d1 ? lo - d1 : 0;
		s.u32_max = lo + d2 >= lo ? lo + d2 : UINT32_MAX;
		if (rnd_below(2)) {
			int32_t sl = (int32_t)lo;

			s.s32_min = (int64_t)sl - (int32_t)(d1 & 0xffff) < INT32_MIN
					? INT32_MIN
					: sl - (int32_t)(d1 & 0xffff);
			s.s32_max = (int64_t)sl + (int32_t)(d2 & 0xffff) > INT32_MAX
					? INT32_MAX
					: sl + (int32_t)(d2 & 0xffff);
		}
		scalar_sync(&s);
		return s;
	}
	case 6: {
		struct scalar a = rnd_scalar_depth(x0p, depth + 1, keep);
		struct scalar b = rnd_scalar_depth(x0p, depth + 1, true);

		return intersect(&a, &b);
	}
	case 7:
		/* A zero-extended 32-bit value, when x0 is one. */
		if (x0 >> 32)
			return scalar_urange(sat_sub(x0, rnd_span()), sat_add(x0, rnd_span()));
		{
			uint32_t d1 = (uint32_t)rnd_span() & 0xffff,
				 d2 = (uint32_t)rnd_span() & 0xffff;
			uint32_t lo = (uint32_t)x0 >= d1 ? (uint32_t)x0 - d1 : 0;
			uint32_t hi =
			    (uint32_t)x0 + d2 < (uint32_t)x0 ? UINT32_MAX : (uint32_t)x0 + d2;

			return scalar_u32range(lo, hi);
		}
	default: {
		/* The result of an operation, with x0 replaced by the concrete result. */
		unsigned int op = alu_ops[rnd_below(N_ALU)];
		bool alu32 = rnd_below(2);
		uint64_t y = rnd_value();
		struct scalar a = rnd_scalar_depth(x0p, depth + 1, false), b;

		if (op == SCALAR_LSH || op == SCALAR_RSH || op == SCALAR_ARSH)
			y = rnd_below(alu32 ? 32 : 64);
		b = rnd_below(2) ? scalar_const(y) : rnd_scalar_depth(&y, depth + 1, false);
		s = scalar_alu(a, b, op, alu32);
		*x0p = conc_alu(*x0p, y, op, alu32);
		SOUND(scalar_contains(&s, *x0p), "generator %s", "op");
		return s;
	}
	}
}

/* A random member of s, or x0. */
static uint64_t rnd_member(const struct scalar *s, uint64_t x0)
{
	for (int i = 0; i < 12; i++) {
		uint64_t x;

		switch (rnd_below(9)) {
		case 0:
			x = x0 + rnd_below(9) - 4;
			break;
		case 1:
			x = s->var_off.value | (rnd() & s->var_off.mask);
			break;
		case 2:
			x = s->umin + rnd_below(4);
			break;
		case 3:
			x = s->umax - rnd_below(4);
			break;
		case 4:
			x = (uint64_t)s->smin + rnd_below(4);
			break;
		case 5:
			x = (uint64_t)s->smax - rnd_below(4);
			break;
		case 6:
			x = s->umin +
			    rnd_below(s->umax - s->umin + 1 ? s->umax - s->umin + 1 : UINT64_MAX);
			break;
		case 7:
			x = (x0 & ~(uint64_t)UINT32_MAX) |
			    (uint32_t)(s->u32_min +
				       rnd_below((uint64_t)s->u32_max - s->u32_min + 1));
			break;
		default:
			x = (uint64_t)s->smin +
			    rnd_below((uint64_t)s->smax - (uint64_t)s->smin + 1
					  ? (uint64_t)s->smax - (uint64_t)s->smin + 1
					  : UINT64_MAX);
			break;
		}
		if (scalar_contains(s, x))
			return x;
	}
	return x0;
}

/* --- Concrete semantics, as src/vm/interp_loop.inc computes them. */
static uint64_t conc_alu(uint64_t x, uint64_t y, unsigned int op, bool alu32)
{
	if (alu32) {
		uint32_t a = (uint32_t)x, b = (uint32_t)y;
		int32_t sa = (int32_t)a, sb = (int32_t)b;

		switch (op) {
		case SCALAR_ADD:
			return (uint32_t)(a + b);
		case SCALAR_SUB:
			return (uint32_t)(a - b);
		case SCALAR_MUL:
			return (uint32_t)(a * b);
		case SCALAR_DIV:
			return b ? a / b : 0;
		case SCALAR_MOD:
			return b ? a % b : a;
		case SCALAR_OR:
			return a | b;
		case SCALAR_AND:
			return a & b;
		case SCALAR_XOR:
			return a ^ b;
		case SCALAR_LSH:
			return (uint32_t)(a << (b & 31));
		case SCALAR_RSH:
			return a >> (b & 31);
		case SCALAR_ARSH:
			return (uint32_t)(sa >> (b & 31));
		case SCALAR_SDIV:
			if (!sb)
				return 0;
			if (sa == INT32_MIN && sb == -1)
				return (uint32_t)INT32_MIN;
			return (uint32_t)(sa / sb);
		case SCALAR_SMOD:
			if (!sb)
				return a;
			if (sb == -1)
				return 0;
			return (uint32_t)(sa % sb);
		}
		return 0;
	}
	switch (op) {
	case SCALAR_ADD:
		return x + y;
	case SCALAR_SUB:
		return x - y;
	case SCALAR_MUL:
		return x * y;
	case SCALAR_DIV:
		return y ? x / y : 0;
	case SCALAR_MOD:
		return y ? x % y : x;
	case SCALAR_OR:
		return x | y;
	case SCALAR_AND:
		return x & y;
	case SCALAR_XOR:
		return x ^ y;
	case SCALAR_LSH:
		return x << (y & 63);
	case SCALAR_RSH:
		return x >> (y & 63);
	case SCALAR_ARSH:
		return (uint64_t)((int64_t)x >> (y & 63));
	case SCALAR_SDIV:
		if (!y)
			return 0;
		if ((int64_t)x == INT64_MIN && (int64_t)y == -1)
			return x;
		return (uint64_t)((int64_t)x / (int64_t)y);
	case SCALAR_SMOD:
		if (!y)
			return x;
		if ((int64_t)y == -1)
			return 0;
		return (uint64_t)((int64_t)x % (int64_t)y);
	}
	return 0;
}

static bool conc_jmp(uint64_t x, uint64_t y, unsigned int op, bool jmp32)
{
	uint64_t a = jmp32 ? (uint32_t)x : x, b = jmp32 ? (uint32_t)y : y;
	int64_t sa = jmp32 ? (int32_t)(uint32_t)x : (int64_t)x;
	int64_t sb = jmp32 ? (int32_t)(uint32_t)y : (int64_t)y;

	switch (op) {
	case SCALAR_JEQ:
		return a == b;
	case SCALAR_JNE:
		return a != b;
	case SCALAR_JSET:
		return a & b;
	case SCALAR_JGT:
		return a > b;
	case SCALAR_JGE:
		return a >= b;
	case SCALAR_JLT:
		return a < b;
	case SCALAR_JLE:
		return a <= b;
	case SCALAR_JSGT:
		return sa > sb;
	case SCALAR_JSGE:
		return sa >= sb;
	case SCALAR_JSLT:
		return sa < sb;
	default:
		return sa <= sb;
	}
}

static const char *fmt(char *buf, size_t size, const struct scalar *s)
{
	int n = snprintf(
	    buf, size,
	    "[u %#" PRIx64 ",%#" PRIx64 " s %" PRId64 ",%" PRId64 " u32 %#x,%#x s32 %d,%d t ",
	    s->umin, s->umax, s->smin, s->smax, s->u32_min, s->u32_max, s->s32_min, s->s32_max);

	if (n > 0 && (size_t)n < size)
		tnum_snprint(buf + n, size - (size_t)n, s->var_off);
	return buf;
}

/* What Linux's reg_bounds_sanity_check() demands of a non-empty result. */
static bool well_formed(const struct scalar *s)
{
	if (s->var_off.value & s->var_off.mask)
		return false;
	if (s->umin > s->umax || s->smin > s->smax || s->u32_min > s->u32_max ||
	    s->s32_min > s->s32_max)
		return false;
	if (tnum_is_const(s->var_off) &&
	    (s->umin != s->var_off.value || s->umax != s->var_off.value ||
	     s->smin != (int64_t)s->var_off.value || s->smax != (int64_t)s->var_off.value))
		return false;
	if (tnum_subreg_is_const(s->var_off)) {
		uint32_t v = (uint32_t)s->var_off.value;

		if (s->u32_min != v || s->u32_max != v || s->s32_min != (int32_t)v ||
		    s->s32_max != (int32_t)v)
			return false;
	}
	return true;
}

static const char *op_name(unsigned int op)
{
	switch (op) {
	case SCALAR_ADD:
		return "add";
	case SCALAR_SUB:
		return "sub";
	case SCALAR_MUL:
		return "mul";
	case SCALAR_DIV:
		return "div";
	case SCALAR_OR:
		return "or";
	case SCALAR_AND:
		return "and";
	case SCALAR_LSH:
		return "lsh";
	case SCALAR_RSH:
		return "rsh";
	case SCALAR_MOD:
		return "mod";
	case SCALAR_XOR:
		return "xor";
	case SCALAR_ARSH:
		return "arsh";
	case SCALAR_SDIV:
		return "sdiv";
	case SCALAR_SMOD:
		return "smod";
	default:
		return "?";
	}
}

#define ITERS 12000
#define PAIRS 4

TEST(scalar_sync_sound_random)
{
	char b1[256], b2[256];

	reported = 0;
	rng_state = 0x5eed0001;
	for (int it = 0; it < 8 * ITERS; it++) {
		uint64_t x0 = rnd_value();
		struct scalar s = scalar_unknown(), raw;
		uint64_t m = rnd() & rnd() & rnd();

		/* Views that each hold x0 but know nothing of each other. */
		if (rnd_below(2)) {
			s.umin = sat_sub(x0, rnd_span());
			s.umax = sat_add(x0, rnd_span());
		}
		if (rnd_below(2)) {
			s.smin = ssat_sub((int64_t)x0, rnd_span());
			s.smax = ssat_add((int64_t)x0, rnd_span());
		}
		if (rnd_below(2)) {
			uint32_t l = (uint32_t)x0, d1 = (uint32_t)rnd_span(),
				 d2 = (uint32_t)rnd_span();

			s.u32_min = l >= d1 ? l - d1 : 0;
			s.u32_max = l + d2 >= l ? l + d2 : UINT32_MAX;
		}
		if (rnd_below(2)) {
			int64_t l = (int32_t)(uint32_t)x0, d1 = (int64_t)(rnd_span() & 0x7fffffff),
				d2 = (int64_t)(rnd_span() & 0x7fffffff);

			s.s32_min = l - d1 < INT32_MIN ? INT32_MIN : (int32_t)(l - d1);
			s.s32_max = l + d2 > INT32_MAX ? INT32_MAX : (int32_t)(l + d2);
		}
		if (rnd_below(2))
			s.var_off = TNUM(x0 & ~m, m);
		raw = s;
		scalar_sync(&s);
		SOUND(scalar_contains(&s, x0) && well_formed(&s), "x0=%#" PRIx64 " %s -> %s", x0,
		      fmt(b1, sizeof(b1), &raw), fmt(b2, sizeof(b2), &s));
		for (int k = 0; k < PAIRS; k++) {
			uint64_t x = rnd_member(&raw, x0);

			SOUND(scalar_contains(&s, x), "x=%#" PRIx64 " %s -> %s", x,
			      fmt(b1, sizeof(b1), &raw), fmt(b2, sizeof(b2), &s));
		}
		/* A synced scalar is a fixed point of the sync for its members (it may still
		 * tighten, never lose one). */
		raw = s;
		scalar_sync(&s);
		SOUND(scalar_contains(&s, x0), "resync %s", fmt(b1, sizeof(b1), &raw));
	}
}

TEST(scalar_alu_sound_random)
{
	char b1[256], b2[256], b3[256];

	reported = 0;
	rng_state = 0x5eed0002;
	for (int it = 0; it < ITERS; it++) {
		uint64_t x0 = rnd_value(), y0 = rnd_value();
		struct scalar d = rnd_scalar(&x0), s;

		for (size_t i = 0; i < N_ALU; i++) {
			for (int alu32 = 0; alu32 < 2; alu32++) {
				unsigned int op = alu_ops[i];
				uint64_t y1 = y0;
				struct scalar r;

				if ((op == SCALAR_LSH || op == SCALAR_RSH || op == SCALAR_ARSH) &&
				    rnd_below(4))
					y1 = rnd_below(alu32 ? 40 : 70);
				if ((op & 0x30) == 0x30 && rnd_below(3) == 0) /* div / mod */
					y1 = rnd_below(3) ? rnd_below(20)
							  : (uint64_t) - (int64_t)rnd_below(3);
				s = rnd_below(3) ? rnd_scalar(&y1) : scalar_const(y1);
				r = scalar_alu(d, s, op, alu32);
				SOUND(well_formed(&r), "%s%s %s %s -> %s", op_name(op),
				      alu32 ? "32" : "", fmt(b1, sizeof(b1), &d),
				      fmt(b2, sizeof(b2), &s), fmt(b3, sizeof(b3), &r));
				for (int k = 0; k < PAIRS; k++) {
					uint64_t x = k ? rnd_member(&d, x0) : x0;
					uint64_t y = k ? rnd_member(&s, y1) : y1;
					uint64_t z = conc_alu(x, y, op, alu32);

					if (!scalar_contains(&d, x) || !scalar_contains(&s, y))
						continue;
					SOUND(scalar_contains(&r, z),
					      "%s%s x=%#" PRIx64 " y=%#" PRIx64 " z=%#" PRIx64
					      " %s %s -> %s",
					      op_name(op), alu32 ? "32" : "", x, y, z,
					      fmt(b1, sizeof(b1), &d), fmt(b2, sizeof(b2), &s),
					      fmt(b3, sizeof(b3), &r));
				}
			}
		}
	}
}

TEST(scalar_unary_sound_random)
{
	static const unsigned int movs[][2] = {{0, 0}, {8, 0}, {16, 0}, {32, 0},
					       {0, 1}, {8, 1}, {16, 1}};
	char b1[256], b2[256];

	reported = 0;
	rng_state = 0x5eed0003;
	for (int it = 0; it < 3 * ITERS; it++) {
		uint64_t x0 = rnd_value();
		struct scalar d = rnd_scalar(&x0), r;

		for (int k = 0; k < PAIRS; k++) {
			uint64_t x = k ? rnd_member(&d, x0) : x0, z;

			for (int alu32 = 0; alu32 < 2; alu32++) {
				r = scalar_neg(d, alu32);
				z = alu32 ? (uint32_t) - (uint32_t)x : -x;
				SOUND(scalar_contains(&r, z) && well_formed(&r),
				      "neg%s x=%#" PRIx64 " %s -> %s", alu32 ? "32" : "", x,
				      fmt(b1, sizeof(b1), &d), fmt(b2, sizeof(b2), &r));
			}
			for (size_t m = 0; m < sizeof(movs) / sizeof(movs[0]); m++) {
				unsigned int bits = movs[m][0];
				bool alu32 = movs[m][1];

				r = scalar_mov(d, bits, alu32);
				if (alu32)
					z = bits == 8	 ? (uint32_t)(int32_t)(int8_t)x
					    : bits == 16 ? (uint32_t)(int32_t)(int16_t)x
							 : (uint32_t)x;
				else
					z = bits == 8	 ? (uint64_t)(int64_t)(int8_t)x
					    : bits == 16 ? (uint64_t)(int64_t)(int16_t)x
					    : bits == 32 ? (uint64_t)(int64_t)(int32_t)x
							 : x;
				SOUND(scalar_contains(&r, z) && well_formed(&r),
				      "mov bits=%u alu32=%d x=%#" PRIx64 " %s -> %s", bits, alu32,
				      x, fmt(b1, sizeof(b1), &d), fmt(b2, sizeof(b2), &r));
			}
			for (unsigned int size = 1; size <= 8; size *= 2) {
				uint64_t zx = size == 8 ? x : x & ((UINT64_C(1) << (size * 8)) - 1);
				uint64_t sx = size == 1	  ? (uint64_t)(int64_t)(int8_t)x
					      : size == 2 ? (uint64_t)(int64_t)(int16_t)x
					      : size == 4 ? (uint64_t)(int64_t)(int32_t)x
							  : x;

				r = scalar_zext(d, size);
				SOUND(scalar_contains(&r, zx) && well_formed(&r),
				      "zext%u x=%#" PRIx64 " %s -> %s", size, x,
				      fmt(b1, sizeof(b1), &d), fmt(b2, sizeof(b2), &r));
				r = scalar_sext(d, size);
				SOUND(scalar_contains(&r, sx) && well_formed(&r),
				      "sext%u x=%#" PRIx64 " %s -> %s", size, x,
				      fmt(b1, sizeof(b1), &d), fmt(b2, sizeof(b2), &r));
			}
			for (unsigned int bits = 16; bits <= 64; bits *= 2) {
				uint64_t le = bits == 16   ? (uint16_t)x
					      : bits == 32 ? (uint32_t)x
							   : x;
				uint64_t sw = bits == 16   ? __builtin_bswap16((uint16_t)x)
					      : bits == 32 ? __builtin_bswap32((uint32_t)x)
							   : __builtin_bswap64(x);

				r = scalar_end(d, SCALAR_TO_LE, bits);
				SOUND(scalar_contains(&r, le), "le%u x=%#" PRIx64, bits, x);
				r = scalar_end(d, SCALAR_TO_BE, bits);
				SOUND(scalar_contains(&r, sw), "be%u x=%#" PRIx64, bits, x);
				r = scalar_end(d, SCALAR_BSWAP, bits);
				SOUND(scalar_contains(&r, sw), "bswap%u x=%#" PRIx64, bits, x);
			}
		}
		/* The union holds both sides. */
		{
			uint64_t y0 = rnd_value();
			struct scalar e = rnd_scalar(&y0), u = scalar_union(&d, &e);

			SOUND(scalar_contains(&u, x0) && scalar_contains(&u, y0) &&
				  scalar_in(&u, &u),
			      "union %s", fmt(b1, sizeof(b1), &u));
		}
	}
}

static const unsigned int jmp_ops[] = {SCALAR_JEQ,  SCALAR_JNE,	 SCALAR_JSET, SCALAR_JGT,
				       SCALAR_JGE,  SCALAR_JLT,	 SCALAR_JLE,  SCALAR_JSGT,
				       SCALAR_JSGE, SCALAR_JSLT, SCALAR_JSLE};
#define N_JMP (sizeof(jmp_ops) / sizeof(jmp_ops[0]))

TEST(scalar_branch_sound_random)
{
	char b1[256], b2[256], b3[256], b4[256];
	long edges[2] = {0, 0}, decided = 0;

	reported = 0;
	rng_state = 0x5eed0004;
	for (int it = 0; it < ITERS; it++) {
		uint64_t x0 = rnd_value(), y0;
		struct scalar a = rnd_scalar(&x0), b;

		/* The other operand: often a constant, often near x0 so both edges happen. */
		switch (rnd_below(4)) {
		case 0:
			y0 = x0 + rnd_below(5) - 2;
			break;
		case 1:
			y0 = rnd_member(&a, x0);
			break;
		default:
			y0 = rnd_value();
			break;
		}
		b = rnd_below(2) ? scalar_const(y0) : rnd_scalar(&y0);
		for (size_t i = 0; i < N_JMP; i++) {
			for (int jmp32 = 0; jmp32 < 2; jmp32++) {
				unsigned int op = jmp_ops[i];
				struct scalar_branch br;
				enum scalar_taken lt = scalar_branch_taken(&a, &b, op, jmp32);

				scalar_branch(&a, &b, op, jmp32, &br);
				SOUND(lt == SCALAR_MAYBE || br.taken == lt, "op %#x", op);
				decided += br.taken != SCALAR_MAYBE;
				for (int k = 0; k < PAIRS; k++) {
					uint64_t x = k ? rnd_member(&a, x0) : x0;
					uint64_t y = k ? rnd_member(&b, y0) : y0;
					bool c;

					if (k == 3 && scalar_contains(&b, x))
						y = x; /* equal operands */
					if (!scalar_contains(&a, x) || !scalar_contains(&b, y))
						continue;
					c = conc_jmp(x, y, op, jmp32);
					edges[c]++;
					SOUND(br.taken != (c ? SCALAR_NEVER : SCALAR_ALWAYS),
					      "op %#x%s x=%#" PRIx64 " y=%#" PRIx64 " %s %s", op,
					      jmp32 ? "/32" : "", x, y, fmt(b1, sizeof(b1), &a),
					      fmt(b2, sizeof(b2), &b));
					SOUND(scalar_contains(c ? &br.a_true : &br.a_false, x) &&
						  scalar_contains(c ? &br.b_true : &br.b_false, y),
					      "op %#x%s taken=%d x=%#" PRIx64 " y=%#" PRIx64
					      " %s %s -> %s %s",
					      op, jmp32 ? "/32" : "", c, x, y,
					      fmt(b1, sizeof(b1), &a), fmt(b2, sizeof(b2), &b),
					      fmt(b3, sizeof(b3), c ? &br.a_true : &br.a_false),
					      fmt(b4, sizeof(b4), c ? &br.b_true : &br.b_false));
				}
				if (br.taken == SCALAR_MAYBE)
					SOUND(well_formed(&br.a_true) && well_formed(&br.b_true) &&
						  well_formed(&br.a_false) &&
						  well_formed(&br.b_false),
					      "op %#x", op);
			}
		}
	}
	/* The generator must exercise both edges and decided branches. */
	CHECK(edges[0] > 10000 && edges[1] > 10000 && decided > 10000);
}

/* --- Precision: what Linux's verifier prints for well-known sequences. */

static const char *str(const struct scalar *s)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	scalar_snprint(buf[i], sizeof(buf[i]), s);
	return buf[i];
}

static struct scalar alu_k(struct scalar d, unsigned int op, int32_t imm, bool alu32)
{
	return scalar_alu(d, scalar_const((uint64_t)(int64_t)imm), op, alu32);
}

static struct scalar_branch jmp_k(struct scalar d, unsigned int op, int32_t imm, bool jmp32)
{
	struct scalar k = scalar_const((uint64_t)(int64_t)imm);
	struct scalar_branch br;

	scalar_branch(&d, &k, op, jmp32, &br);
	return br;
}

TEST(scalar_print_linux_form)
{
	struct scalar u = scalar_unknown(), r;

	CHECK_STR(str(&u), "scalar()");
	r = scalar_const(5);
	CHECK_STR(str(&r), "5");
	r = scalar_const((uint64_t)-1);
	CHECK_STR(str(&r), "-1");
	r = scalar_const(0x10000);
	CHECK_STR(str(&r), "0x10000");
	r = scalar_const(0xffff0000);
	CHECK_STR(str(&r), "0xffff0000");
	r = scalar_const((uint64_t)-40000);
	CHECK_STR(str(&r), "0xffffffffffff63c0");
	/* r &= 0xff */
	r = alu_k(u, SCALAR_AND, 0xff, false);
	CHECK_STR(str(&r), "scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))");
	/* r &= 0xf; r |= 128 */
	r = alu_k(alu_k(u, SCALAR_AND, 0xf, false), SCALAR_OR, 128, false);
	CHECK_STR(str(&r), "scalar(smin=umin=smin32=umin32=128,smax=umax=smax32=umax32=143,"
			   "var_off=(0x80; 0xf))");
	/* w7 = (s8)w3 of that: the result of Linux's fixed sign-extending move */
	{
		struct scalar w7 = scalar_mov(r, 8, true), r7 = scalar_mov(r, 8, false);

		CHECK_STR(str(&w7),
			  "scalar(smin=umin=umin32=0xffffff80,smax=umax=umax32=0xffffff8f,"
			  "smin32=-128,smax32=-113,var_off=(0xffffff80; 0xf))");
		CHECK_STR(str(&r7),
			  "scalar(smin=smin32=-128,smax=smax32=-113,umin=0xffffffffffffff80,"
			  "umax=0xffffffffffffff8f,umin32=0xffffff80,umax32=0xffffff8f,"
			  "var_off=(0xffffffffffffff80; 0xf))");
	}
	/* w1 = w1 of an unknown 64-bit value zero-extends */
	r = scalar_mov(u, 0, true);
	CHECK_STR(str(&r), "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))");
	/* negative signed bounds print in decimal and never merge with unsigned ones */
	r = scalar_srange(-3, 5);
	CHECK_STR(str(&r), "scalar(smin=smin32=-3,smax=smax32=5)");
}

TEST(scalar_linux_precision)
{
	struct scalar u = scalar_unknown(), r, k;
	struct scalar_branch br;

	/* if r1 < 10 on unknown: the jump edge has umax=9, the other umin=10 */
	br = jmp_k(u, SCALAR_JLT, 10, false);
	CHECK_EQ(br.taken, SCALAR_MAYBE);
	CHECK_EQ(br.a_true.umax, 9);
	CHECK_EQ(br.a_true.umin, 0);
	CHECK(tnum_equal(br.a_true.var_off, TNUM(0, 0xf)));
	CHECK_STR(str(&br.a_true),
		  "scalar(smin=smin32=0,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))");
	CHECK_EQ(br.a_false.umin, 10);
	CHECK_EQ(br.a_false.umax, UINT64_MAX);
	/* the same test again on the jump edge is decided */
	br = jmp_k(br.a_true, SCALAR_JLT, 10, false);
	CHECK_EQ(br.taken, SCALAR_ALWAYS);
	/* if w1 < 10: the low half learns, and the 64-bit umax from it */
	br = jmp_k(u, SCALAR_JLT, 10, true);
	CHECK_EQ(br.a_true.u32_max, 9);
	CHECK_EQ(br.a_true.umax, 0xffffffff00000009);
	CHECK(tnum_equal(br.a_true.var_off, TNUM(0, 0xffffffff0000000f)));
	/* if r1 s> 5 / if r1 s<= -1 */
	br = jmp_k(u, SCALAR_JSGT, 5, false);
	CHECK_EQ(br.a_true.smin, 6);
	CHECK_EQ(br.a_true.umin, 6);
	CHECK_EQ(br.a_true.umax, INT64_MAX);
	CHECK_EQ(br.a_false.smax, 5);
	br = jmp_k(u, SCALAR_JSLE, -1, false);
	CHECK_EQ(br.a_true.umin, 1ull << 63);
	CHECK_EQ(br.a_true.var_off.value, 1ull << 63);
	/* if r1 == 7: the jump edge is the constant */
	br = jmp_k(u, SCALAR_JEQ, 7, false);
	CHECK(scalar_is_const(&br.a_true) && br.a_true.var_off.value == 7);
	/* if r1 != 0 on [0, 10]: fall-through is 0, jump edge starts at 1 */
	r = scalar_urange(0, 10);
	br = jmp_k(r, SCALAR_JNE, 0, false);
	CHECK_EQ(br.a_true.umin, 1);
	CHECK(scalar_is_const(&br.a_false) && br.a_false.var_off.value == 0);
	/* if r1 & 8 / !(r1 & 8) */
	br = jmp_k(u, SCALAR_JSET, 8, false);
	CHECK(tnum_equal(br.a_true.var_off, TNUM(8, ~(uint64_t)8)));
	CHECK(tnum_equal(br.a_false.var_off, TNUM(0, ~(uint64_t)8)));
	/* JSET decided by known bits */
	r = alu_k(u, SCALAR_OR, 4, false);
	CHECK_EQ(jmp_k(r, SCALAR_JSET, 6, false).taken, SCALAR_ALWAYS);
	r = alu_k(u, SCALAR_AND, 0xf0, false);
	CHECK_EQ(jmp_k(r, SCALAR_JSET, 0xf, false).taken, SCALAR_NEVER);
	/* two registers: r1 in [0, 100], r2 in [50, 60]; if r1 > r2 */
	{
		struct scalar a = scalar_urange(0, 100), b = scalar_urange(50, 60);

		scalar_branch(&a, &b, SCALAR_JGT, false, &br);
		CHECK_EQ(br.a_true.umin, 51);
		CHECK_EQ(br.b_true.umax, 60);
		CHECK_EQ(br.a_false.umax, 60);
		scalar_branch(&a, &b, SCALAR_JEQ, false, &br);
		CHECK_EQ(br.a_true.umin, 50);
		CHECK_EQ(br.a_true.umax, 60);
	}
	/* JEQ decided by bits: an even register is never 7 */
	r = alu_k(u, SCALAR_LSH, 1, false);
	CHECK_EQ(jmp_k(r, SCALAR_JEQ, 7, false).taken, SCALAR_NEVER);
	CHECK_EQ(jmp_k(r, SCALAR_JNE, 7, false).taken, SCALAR_ALWAYS);
	/* a dead edge found by refinement: [5, 5] in the low half cannot be != 5 there */
	r = scalar_u32range(0, 5);
	br = jmp_k(r, SCALAR_JLE, 5, true);
	CHECK_EQ(br.taken, SCALAR_ALWAYS);

	/* constants fold */
	r = alu_k(scalar_const(3), SCALAR_ADD, 4, false);
	CHECK(scalar_is_const(&r) && r.var_off.value == 7);
	r = scalar_alu(scalar_const(6), scalar_const(7), SCALAR_MUL, false);
	CHECK(scalar_is_const(&r) && r.var_off.value == 42);
	r = alu_k(scalar_const(0xffffffff), SCALAR_ADD, 1, true);
	CHECK(scalar_is_const(&r) && r.var_off.value == 0);
	r = alu_k(scalar_const((uint64_t)-8), SCALAR_ARSH, 2, false);
	CHECK(scalar_is_const(&r) && r.var_off.value == (uint64_t)-2);
	r = alu_k(scalar_const(100), SCALAR_DIV, 7, false);
	CHECK(scalar_is_const(&r) && r.var_off.value == 14);
	r = alu_k(scalar_const(100), SCALAR_SMOD, -7, false);
	CHECK(scalar_is_const(&r) && r.var_off.value == 2);
	r = scalar_neg(scalar_const(5), false);
	CHECK(scalar_is_const(&r) && r.var_off.value == (uint64_t)-5);
	r = scalar_end(scalar_const(0x1234), SCALAR_TO_BE, 16);
	CHECK(scalar_is_const(&r) && r.var_off.value == 0x3412);

	/* ranges through arithmetic */
	r = alu_k(scalar_urange(0, 10), SCALAR_ADD, 5, false);
	CHECK(r.umin == 5 && r.umax == 15 && r.smin == 5 && r.smax == 15);
	r = scalar_alu(scalar_urange(0, 10), scalar_urange(1, 3), SCALAR_MUL, false);
	CHECK(r.umin == 0 && r.umax == 30);
	r = alu_k(scalar_urange(0, 10), SCALAR_SUB, 20, false);
	CHECK(r.smin == -20 && r.smax == -10);
	r = alu_k(scalar_urange(16, 31), SCALAR_LSH, 2, false);
	CHECK(r.umin == 64 && r.umax == 124 && tnum_equal(r.var_off, TNUM(0x40, 0x3c)));
	r = alu_k(u, SCALAR_RSH, 60, false);
	CHECK(r.umax == 15 && r.smin == 0);
	r = alu_k(u, SCALAR_ARSH, 60, false);
	CHECK(r.smin == -8 && r.smax == 7);
	/* variable shift amounts are not tracked, as in Linux */
	r = scalar_alu(scalar_urange(0, 3), scalar_urange(0, 3), SCALAR_LSH, false);
	CHECK(tnum_is_unknown(r.var_off));
	/* but a 32-bit result is zero-extended whatever it is */
	r = scalar_alu(u, u, SCALAR_LSH, true);
	CHECK_EQ(r.umax, 0xffffffff);
	/* the <<32 s>>32 sign-extension idiom keeps an s32 range */
	r = scalar_srange(-5, 5);
	r = alu_k(alu_k(r, SCALAR_LSH, 32, false), SCALAR_ARSH, 32, false);
	CHECK(r.smin == -5 && r.smax == 5);
	/* 32 -> 64: [0x1'00000000, 0x3'80000000] with s32 > 0 */
	r = scalar_urange(0x100000000, 0x380000000);
	br = jmp_k(r, SCALAR_JSGT, 0, true);
	CHECK_EQ(br.a_true.umin, 0x100000001);
	CHECK_EQ(br.a_true.umax, 0x37fffffff);
	/* an s64 [-1, 1] is an s32 [-1, 1] */
	r = scalar_srange(-1, 1);
	CHECK(r.s32_min == -1 && r.s32_max == 1);
	/* a sign-extended s32, range-checked as a non-negative s32, is that s32 */
	r = scalar_mov(u, 32, false);
	br = jmp_k(r, SCALAR_JSGE, 0, true);
	CHECK(br.a_true.smin == 0 && br.a_true.smax == INT32_MAX && br.a_true.umax == INT32_MAX);
	/* division and modulo */
	r = alu_k(scalar_urange(0, 100), SCALAR_DIV, 10, false);
	CHECK(r.umin == 0 && r.umax == 10);
	r = alu_k(u, SCALAR_MOD, 16, false);
	CHECK(tnum_equal(r.var_off, TNUM(0, 0xf)));
	r = alu_k(scalar_urange(3, 9), SCALAR_MOD, 10, false);
	CHECK(r.umin == 3 && r.umax == 9);
	k = scalar_urange(0, 1);
	r = scalar_alu(scalar_urange(50, 60), k, SCALAR_DIV, false);
	CHECK(r.umin == 0 && r.umax == 60);
	r = scalar_alu(scalar_urange(50, 60), k, SCALAR_MOD, false);
	CHECK(r.umax == 60);
	r = alu_k(scalar_srange(-100, 50), SCALAR_SDIV, 10, false);
	CHECK(r.smin == -10 && r.smax == 5);
	r = alu_k(scalar_srange(-100, 50), SCALAR_SMOD, 7, false);
	CHECK(r.smin == -6 && r.smax == 6);
	r = alu_k(scalar_srange(-100, 50), SCALAR_SDIV, 10, true);
	CHECK(r.s32_min == -10 && r.s32_max == 5 && r.umax == 0xffffffff);
	/* extensions and byte order */
	r = scalar_zext(scalar_urange(0x1000, 0x10ff), 1);
	CHECK(r.umin == 0 && r.umax == 0xff);
	r = scalar_zext(scalar_urange(0x1010, 0x1020), 1);
	CHECK(r.umin == 0x10 && r.umax == 0x20);
	r = scalar_sext(scalar_urange(0xf0, 0x110), 1);
	CHECK(r.smin == -16 && r.smax == 16);
	r = scalar_end(scalar_urange(0, 0xff), SCALAR_TO_BE, 16);
	CHECK(tnum_equal(r.var_off, TNUM(0, 0xff00)));
	r = scalar_end(u, SCALAR_TO_LE, 32);
	CHECK_EQ(r.umax, 0xffffffff);
	/* neg */
	r = scalar_neg(scalar_urange(1, 10), false);
	CHECK(r.smin == -10 && r.smax == -1);
	/* pruning helpers */
	r = scalar_urange(0, 10);
	k = scalar_urange(2, 5);
	CHECK(scalar_in(&r, &k) && !scalar_in(&k, &r) && scalar_in(&u, &r));
	u = scalar_const(20);
	r = scalar_union(&k, &u);
	CHECK(r.umin == 2 && r.umax == 20);
}
