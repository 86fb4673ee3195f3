/* BTF parsing (include/exbpf/btf.h): blobs built by hand here, one accepted case per kind and
 * one rejected case per validation rule, then the .BTF clang-19 wrote for btf_sample.c.txt
 * checked against that source's layout, then byte flips of it that must never crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/btf.h>

#include "btf_sample.h"
#include "testlib.h"

/* ---------------------------------------------------------------------------------------
 * A tiny BTF writer: types and strings appended in order, ids counted from 1. */

struct bb {
	uint32_t w[4096]; /* the type section, in words */
	size_t nw;
	char s[4096];
	size_t ns;
	uint32_t ntypes;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->ns = 1;
}

static uint32_t bb_str(struct bb *b, const char *str)
{
	if (!str || !*str)
		return 0;
	uint32_t off = (uint32_t)b->ns;
	memcpy(b->s + b->ns, str, strlen(str) + 1);
	b->ns += strlen(str) + 1;
	return off;
}

static void bb_word(struct bb *b, uint32_t v)
{
	b->w[b->nw++] = v;
}

static uint32_t bb_type(struct bb *b, const char *name, uint32_t kind, uint32_t vlen, bool kflag,
			uint32_t size_or_type)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, (kflag ? 1u << 31 : 0) | kind << 24 | vlen);
	bb_word(b, size_or_type);
	return ++b->ntypes;
}

static uint32_t bb_int(struct bb *b, const char *name, uint32_t size, uint32_t bits, uint32_t enc)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, false, size);
	bb_word(b, enc << 24 | bits);
	return id;
}

/* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG */
static uint32_t bb_ref(struct bb *b, uint32_t kind, const char *name, uint32_t type)
{
	return bb_type(b, name, kind, 0, false, type);
}

static uint32_t bb_array(struct bb *b, uint32_t elem, uint32_t index, uint32_t n)
{
	uint32_t id = bb_type(b, NULL, BTF_KIND_ARRAY, 0, false, 0);
	bb_word(b, elem);
	bb_word(b, index);
	bb_word(b, n);
	return id;
}

/* STRUCT or UNION; follow with vlen bb_member() */
static uint32_t bb_comp(struct bb *b, uint32_t kind, const char *name, uint32_t size,
			uint32_t vlen, bool kflag)
{
	return bb_type(b, name, kind, vlen, kflag, size);
}

static void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t bit_off)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, type);
	bb_word(b, bit_off);
}

static uint32_t bb_func(struct bb *b, const char *name, uint32_t proto, uint32_t linkage)
{
	return bb_type(b, name, BTF_KIND_FUNC, linkage, false, proto);
}

/* follow with vlen bb_param() */
static uint32_t bb_proto(struct bb *b, uint32_t ret, uint32_t vlen)
{
	return bb_type(b, NULL, BTF_KIND_FUNC_PROTO, vlen, false, ret);
}

static void bb_param(struct bb *b, const char *name, uint32_t type)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, type);
}

static uint32_t bb_var(struct bb *b, const char *name, uint32_t type, uint32_t linkage)
{
	uint32_t id = bb_type(b, name, BTF_KIND_VAR, 0, false, type);
	bb_word(b, linkage);
	return id;
}

/* follow with vlen bb_secinfo() */
static uint32_t bb_datasec(struct bb *b, const char *name, uint32_t size, uint32_t vlen)
{
	return bb_type(b, name, BTF_KIND_DATASEC, vlen, false, size);
}

static void bb_secinfo(struct bb *b, uint32_t type, uint32_t off, uint32_t size)
{
	bb_word(b, type);
	bb_word(b, off);
	bb_word(b, size);
}

static uint32_t bb_decl_tag(struct bb *b, const char *value, uint32_t type, int32_t idx)
{
	uint32_t id = bb_type(b, value, BTF_KIND_DECL_TAG, 0, false, type);
	bb_word(b, (uint32_t)idx);
	return id;
}

/* ENUM (follow with vlen bb_enumval()) or ENUM64 (bb_enum64val()) */
static uint32_t bb_enum(struct bb *b, uint32_t kind, const char *name, uint32_t size,
			uint32_t vlen)
{
	return bb_type(b, name, kind, vlen, false, size);
}

static void bb_enumval(struct bb *b, const char *name, int32_t val)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, (uint32_t)val);
}

static void bb_enum64val(struct bb *b, const char *name, uint64_t val)
{
	bb_word(b, bb_str(b, name));
	bb_word(b, (uint32_t)val);
	bb_word(b, (uint32_t)(val >> 32));
}

static _Alignas(8) uint8_t blob[1 << 16];
static char logbuf[1024];

static size_t bb_blob(const struct bb *b)
{
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(h),
		.type_len = (uint32_t)(b->nw * 4),
		.str_off = (uint32_t)(b->nw * 4),
		.str_len = (uint32_t)b->ns,
	};
	memcpy(blob, &h, sizeof(h));
	memcpy(blob + sizeof(h), b->w, b->nw * 4);
	memcpy(blob + sizeof(h) + b->nw * 4, b->s, b->ns);
	return sizeof(h) + b->nw * 4 + b->ns;
}

static struct btf_header *hdr(void)
{
	return (struct btf_header *)blob;
}

static int parse_raw(size_t size, struct exbpf_btf **out)
{
	memset(logbuf, 0x5a, sizeof(logbuf));
	return exbpf_btf__parse(blob, size, out, logbuf, sizeof(logbuf));
}

static struct exbpf_btf *must_parse_at(const struct bb *b, int line)
{
	struct exbpf_btf *btf = NULL;
	int err = parse_raw(bb_blob(b), &btf);
	if (err || !btf)
		test_fail(__FILE__, line, "parse failed (%d): %s", err, logbuf);
	return btf;
}

#define MUST_PARSE(b) must_parse_at((b), __LINE__)

static void reject_raw_at(size_t size, int err, const char *needle, int line)
{
	struct exbpf_btf *btf = (struct exbpf_btf *)&btf;
	int got = parse_raw(size, &btf);
	if (got != err || btf)
		test_fail(__FILE__, line, "parse returned %d (want %d): %s", got, err,
			  got ? logbuf : "(accepted)");
	if (!got)
		exbpf_btf__free(btf);
	if (!memchr(logbuf, '\0', sizeof(logbuf)) || !strstr(logbuf, needle))
		test_fail(__FILE__, line, "log \"%.200s\" lacks \"%s\"", logbuf, needle);
}

#define REJECT_RAW(size, err, needle) reject_raw_at((size), (err), (needle), __LINE__)
#define REJECT(b, needle) reject_raw_at(bb_blob(b), -EINVAL, (needle), __LINE__)

/* Most cases start from an int; ids in comments below are what bb_*() return. */
static uint32_t bb_start(struct bb *b)
{
	bb_init(b);
	return bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
}

/* ---------------------------------------------------------------------------------------
 * Accepted blobs */

TEST(btf_every_kind)
{
	struct bb b;
	uint32_t i = bb_start(&b);					      /* 1 */
	uint32_t ptr = bb_ref(&b, BTF_KIND_PTR, NULL, i);		      /* 2 */
	uint32_t arr = bb_array(&b, i, i, 4);				      /* 3 */
	uint32_t st = bb_comp(&b, BTF_KIND_STRUCT, "s", 32, 3, false);	      /* 4 */
	bb_member(&b, "a", i, 0);
	bb_member(&b, "p", ptr, 64);
	bb_member(&b, "arr", arr, 128);
	uint32_t un = bb_comp(&b, BTF_KIND_UNION, "u", 8, 2, false); /* 5 */
	bb_member(&b, "i", i, 0);
	bb_member(&b, "p", ptr, 0);
	uint32_t en = bb_enum(&b, BTF_KIND_ENUM, "e", 4, 2); /* 6 */
	bb_enumval(&b, "A", 0);
	bb_enumval(&b, "B", -1);
	uint32_t fwd = bb_type(&b, "f", BTF_KIND_FWD, 0, true, 0);	/* 7 */
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "t", st);		/* 8 */
	uint32_t vol = bb_ref(&b, BTF_KIND_VOLATILE, NULL, i);		/* 9 */
	uint32_t cst = bb_ref(&b, BTF_KIND_CONST, NULL, vol);		/* 10 */
	uint32_t res = bb_ref(&b, BTF_KIND_RESTRICT, NULL, ptr);	/* 11 */
	uint32_t proto = bb_proto(&b, i, 2);				/* 12 */
	bb_param(&b, "a", i);
	bb_param(&b, "b", res);
	uint32_t fn = bb_func(&b, "fn", proto, BTF_FUNC_GLOBAL);	/* 13 */
	uint32_t var = bb_var(&b, "v", td, BTF_VAR_GLOBAL_ALLOCATED);	/* 14 */
	uint32_t ds = bb_datasec(&b, ".data", 32, 1);			/* 15 */
	bb_secinfo(&b, var, 0, 32);
	uint32_t fl = bb_type(&b, "double", BTF_KIND_FLOAT, 0, false, 8); /* 16 */
	uint32_t dt = bb_decl_tag(&b, "tag", st, 1);			/* 17 */
	uint32_t tt = bb_ref(&b, BTF_KIND_TYPE_TAG, "user", i);		/* 18 */
	uint32_t e64 = bb_enum(&b, BTF_KIND_ENUM64, "e64", 8, 1);	/* 19 */
	bb_enum64val(&b, "BIG", 1ull << 40);

	struct exbpf_btf *btf = MUST_PARSE(&b);
	if (!btf)
		return;
	CHECK_EQ(exbpf_btf__type_cnt(btf), 20);
	static const uint32_t kinds[20] = {
		0, BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT, BTF_KIND_UNION,
		BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST,
		BTF_KIND_RESTRICT, BTF_KIND_FUNC_PROTO, BTF_KIND_FUNC, BTF_KIND_VAR,
		BTF_KIND_DATASEC, BTF_KIND_FLOAT, BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG,
		BTF_KIND_ENUM64,
	};
	for (uint32_t id = 1; id < 20; id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		CHECK(t != NULL);
		if (t)
			CHECK_EQ(exbpf_btf_kind(t), kinds[id]);
	}
	CHECK_STR(exbpf_btf__type_name(btf, st), "s");
	CHECK_STR(exbpf_btf__type_name(btf, ptr), "");
	CHECK_STR(exbpf_btf__type_name(btf, ds), ".data");
	CHECK_STR(exbpf_btf__type_name(btf, dt), "tag");
	CHECK_STR(exbpf_btf__type_name(btf, tt), "user");
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "fn", BTF_KIND_FUNC), fn);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "f", BTF_KIND_FWD), fwd);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "e", BTF_KIND_ENUM), en);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "double", BTF_KIND_FLOAT), fl);
	CHECK_EQ(exbpf_btf__resolve_size(btf, arr), 16);
	CHECK_EQ(exbpf_btf__resolve_size(btf, var), 32);
	CHECK_EQ(exbpf_btf__resolve_size(btf, un), 8);
	CHECK_EQ(exbpf_btf__resolve_size(btf, cst), 4);
	CHECK_EQ(exbpf_btf__resolve_size(btf, e64), 8);
	CHECK_EQ(exbpf_btf__resolve_size(btf, ds), 32);
	CHECK_EQ(exbpf_btf__resolve_size(btf, fl), 8);
	CHECK_EQ(exbpf_btf__align(btf, st), 8);
	CHECK_EQ(exbpf_btf__align(btf, arr), 4);
	uint32_t res_id = 0;
	const struct btf_type *t = exbpf_btf__skip_mods(btf, cst, &res_id);
	CHECK_EQ(res_id, i);
	CHECK(t && exbpf_btf_kind(t) == BTF_KIND_INT);
	t = exbpf_btf__type_by_id(btf, e64);
	CHECK(t && exbpf_btf_enum64(t)[0].val_hi32 == 0x100);
	CHECK(t && exbpf_btf_enum64(t)[0].val_lo32 == 0);
	t = exbpf_btf__type_by_id(btf, en);
	CHECK(t && exbpf_btf_enum(t)[1].val == -1);
	exbpf_btf__free(btf);
}

TEST(btf_accessors_edges)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "tv", 0); /* typedef void tv */
	uint32_t fwd = bb_type(&b, "f", BTF_KIND_FWD, 0, false, 0);
	uint32_t proto = bb_proto(&b, 0, 0);
	uint32_t fn = bb_func(&b, "fn", proto, BTF_FUNC_STATIC);
	uint32_t arr0 = bb_array(&b, i, i, 0);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	if (!btf)
		return;
	CHECK(exbpf_btf__type_by_id(btf, 0) == NULL);
	CHECK(exbpf_btf__type_by_id(btf, 7) == NULL);
	CHECK(exbpf_btf__type_by_id(btf, UINT32_MAX) == NULL);
	CHECK_STR(exbpf_btf__name_by_offset(btf, 0), "");
	CHECK_STR(exbpf_btf__name_by_offset(btf, 1), "int");
	CHECK(exbpf_btf__name_by_offset(btf, (uint32_t)b.ns) == NULL);
	CHECK_STR(exbpf_btf__type_name(btf, 0), "");
	CHECK(exbpf_btf__type_name(btf, 99) == NULL);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "void", BTF_KIND_UNKN), 0);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "int", BTF_KIND_INT), i);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "int", BTF_KIND_TYPEDEF), -ENOENT);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "nope", BTF_KIND_INT), -ENOENT);
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, NULL, BTF_KIND_INT), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 0), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, td), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, fwd), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, proto), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, fn), -EINVAL);
	CHECK_EQ(exbpf_btf__resolve_size(btf, arr0), 0);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 99), -EINVAL);
	CHECK_EQ(exbpf_btf__align(btf, 0), -EINVAL);
	CHECK_EQ(exbpf_btf__align(btf, fn), -EINVAL);
	CHECK_EQ(exbpf_btf__align(btf, td), -EINVAL);
	CHECK_EQ(exbpf_btf__align(btf, 99), -EINVAL);
	uint32_t res_id = 77;
	CHECK(exbpf_btf__skip_mods(btf, td, &res_id) == NULL);
	CHECK_EQ(res_id, 0);
	CHECK(exbpf_btf__skip_mods(btf, 0, NULL) == NULL);
	CHECK(exbpf_btf__skip_mods(btf, i, NULL) == exbpf_btf__type_by_id(btf, i));
	size_t size = 0;
	const void *raw = exbpf_btf__raw_data(btf, &size);
	CHECK_EQ(size, bb_blob(&b));
	CHECK(raw && !memcmp(raw, blob, size));
	exbpf_btf__free(btf);
	exbpf_btf__free(NULL);
	CHECK_EQ(exbpf_btf__type_cnt(NULL), 0);
	CHECK(exbpf_btf__type_by_id(NULL, 1) == NULL);
}

/* The blob is copied: the caller's buffer may change or go away after parsing. */
TEST(btf_parse_copies)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x", 1, 0);
	size_t n = bb_blob(&b);
	uint8_t *buf = malloc(n);
	memcpy(buf, blob, n);
	struct exbpf_btf *btf = NULL;
	CHECK_EQ(exbpf_btf__parse(buf, n, &btf, NULL, 0), 0);
	memset(buf, 0xff, n);
	free(buf);
	if (!btf)
		return;
	CHECK_EQ(exbpf_btf__find_by_name_kind(btf, "s", BTF_KIND_STRUCT), 2);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 2), 4);
	exbpf_btf__free(btf);
}

TEST(btf_empty_and_long_header)
{
	struct bb b;
	bb_init(&b);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__type_cnt(btf), 1);
	exbpf_btf__free(btf);

	/* a header longer than this version's: the extra bytes are skipped */
	bb_start(&b);
	size_t n = bb_blob(&b);
	memmove(blob + 32, blob + 24, n - 24);
	memset(blob + 24, 0, 8);
	hdr()->hdr_len = 32;
	btf = NULL;
	CHECK_EQ(parse_raw(n + 8, &btf), 0);
	CHECK_EQ(exbpf_btf__type_cnt(btf), 2);
	exbpf_btf__free(btf);
}

TEST(btf_bitfields)
{
	struct bb b;
	uint32_t u = bb_start(&b);
	uint32_t en = bb_enum(&b, BTF_KIND_ENUM, "e", 4, 1); /* 2 */
	bb_enumval(&b, "X", 1);
	uint32_t kf = bb_comp(&b, BTF_KIND_STRUCT, "kf", 8, 4, true); /* 3: kind_flag bitfields */
	bb_member(&b, "a", u, 1u << 24 | 0);
	bb_member(&b, "b", u, 3u << 24 | 1);
	bb_member(&b, "c", en, 2u << 24 | 4);
	bb_member(&b, "d", u, 32);
	uint32_t bits3 = bb_int(&b, "int", 4, 3, 0); /* 4: the older int-bits encoding */
	uint32_t old = bb_comp(&b, BTF_KIND_STRUCT, "old", 4, 2, false);
	bb_member(&b, "x", bits3, 0);
	bb_member(&b, "y", bits3, 3);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	if (!btf)
		return;
	const struct btf_type *t = exbpf_btf__type_by_id(btf, kf);
	CHECK_EQ(exbpf_btf_member_bitfield_size(t, 1), 3);
	CHECK_EQ(exbpf_btf_member_bit_offset(t, 1), 1);
	CHECK_EQ(exbpf_btf_member_bit_offset(t, 3), 32);
	CHECK_EQ(exbpf_btf__align(btf, kf), 4);
	CHECK_EQ(exbpf_btf__align(btf, old), 4); /* bitfields never mean packed */
	exbpf_btf__free(btf);
}

TEST(btf_varargs_and_anonymous)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t proto = bb_proto(&b, i, 2);
	bb_param(&b, "fmt", i);
	bb_param(&b, NULL, 0);
	uint32_t ptr = bb_ref(&b, BTF_KIND_PTR, NULL, proto);
	uint32_t anon = bb_comp(&b, BTF_KIND_STRUCT, NULL, 16, 2, false);
	bb_member(&b, NULL, i, 0); /* anonymous members are legal */
	bb_member(&b, "cb", ptr, 64);
	uint32_t proto0 = bb_proto(&b, 0, 1); /* void f(...) */
	bb_param(&b, NULL, 0);
	bb_ref(&b, BTF_KIND_TYPEDEF, "fn_t", proto0); /* typedef of a prototype */
	bb_ref(&b, BTF_KIND_PTR, NULL, 0);	      /* void * */
	bb_ref(&b, BTF_KIND_CONST, NULL, 0);	      /* const void */
	bb_enum(&b, BTF_KIND_ENUM, NULL, 4, 0);	      /* empty anonymous enum */
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, anon), 16);
	CHECK_EQ(exbpf_btf__align(btf, anon), 8);
	exbpf_btf__free(btf);
}

/* A struct may reach itself through a pointer, directly or via a typedef. */
TEST(btf_self_reference_through_pointer)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t node = bb_comp(&b, BTF_KIND_STRUCT, "node", 16, 2, false); /* 2 */
	bb_member(&b, "v", i, 0);
	bb_member(&b, "next", 4, 64);
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "node_t", node); /* 3 */
	bb_ref(&b, BTF_KIND_PTR, NULL, td);			     /* 4 */
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, td), 16);
	exbpf_btf__free(btf);
}

TEST(btf_alignment)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t c = bb_int(&b, "char", 1, 8, BTF_INT_CHAR);	  /* 2 */
	uint32_t l = bb_int(&b, "long", 8, 64, BTF_INT_SIGNED); /* 3 */
	uint32_t w = bb_int(&b, "__int128", 16, 128, 0);	  /* 4 */
	uint32_t packed = bb_comp(&b, BTF_KIND_STRUCT, "p", 9, 2, false);
	bb_member(&b, "c", c, 0);
	bb_member(&b, "l", l, 8);
	uint32_t odd = bb_comp(&b, BTF_KIND_STRUCT, "o", 6, 1, false); /* size not a multiple */
	bb_member(&b, "i", i, 0);
	uint32_t arr = bb_array(&b, l, i, 3);
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "lt", arr);
	uint32_t var = bb_var(&b, "v", td, 0);
	uint32_t ds = bb_datasec(&b, ".data", 24, 1);
	bb_secinfo(&b, var, 0, 24);
	uint32_t f12 = bb_type(&b, "long double", BTF_KIND_FLOAT, 0, false, 12);
	uint32_t e1 = bb_enum(&b, BTF_KIND_ENUM, "e1", 1, 0);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__align(btf, c), 1);
	CHECK_EQ(exbpf_btf__align(btf, w), 8);
	CHECK_EQ(exbpf_btf__align(btf, packed), 1);
	CHECK_EQ(exbpf_btf__align(btf, odd), 1);
	CHECK_EQ(exbpf_btf__align(btf, arr), 8);
	CHECK_EQ(exbpf_btf__align(btf, var), 8);
	CHECK_EQ(exbpf_btf__align(btf, ds), -EINVAL);
	CHECK_EQ(exbpf_btf__align(btf, f12), 8);
	CHECK_EQ(exbpf_btf__align(btf, e1), 1);
	CHECK_EQ(exbpf_btf__resolve_size(btf, var), 24);
	exbpf_btf__free(btf);
}

TEST(btf_nested_arrays)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t s = bb_comp(&b, BTF_KIND_STRUCT, "s", 12, 1, false);
	bb_member(&b, "x", i, 0);
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "s_t", s);
	uint32_t inner = bb_array(&b, td, i, 3);
	uint32_t outer = bb_array(&b, inner, i, 2);
	uint32_t big0 = bb_array(&b, bb_array(&b, i, i, 0x10000), i, 0); /* [0][65536] */
	uint32_t huge = bb_array(&b, bb_array(&b, i, i, 0x10000), i, 0x10000);
	(void)huge;
	struct exbpf_btf *btf = NULL;
	int err = parse_raw(bb_blob(&b), &btf);
	CHECK_EQ(err, -EINVAL); /* 65536 * 65536 * 4 bytes overflow */
	CHECK_CONTAINS(logbuf, "overflow 4 GiB");
	/* the same blob without the last array */
	b.nw -= 2 * 6;
	b.ntypes -= 2;
	btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, inner), 36);
	CHECK_EQ(exbpf_btf__resolve_size(btf, outer), 72);
	CHECK_EQ(exbpf_btf__resolve_size(btf, big0), 0);
	CHECK_EQ(exbpf_btf__align(btf, outer), 4);
	exbpf_btf__free(btf);
}

/* Chains of 32 links pass in either id order; 33 are refused in either (as in Linux). */
static void build_chain(struct bb *b, int n, bool forward)
{
	bb_init(b);
	if (forward) {
		/* typedef 1 -> typedef 2 -> ... -> typedef n -> int */
		for (int k = 1; k <= n; k++)
			bb_ref(b, BTF_KIND_TYPEDEF, "t", (uint32_t)k + 1);
		bb_int(b, "int", 4, 32, 0);
	} else {
		bb_int(b, "int", 4, 32, 0);
		for (int k = 1; k <= n; k++)
			bb_ref(b, BTF_KIND_TYPEDEF, "t", (uint32_t)k);
	}
}

TEST(btf_chain_depth)
{
	struct bb b;
	struct exbpf_btf *btf;

	build_chain(&b, 32, true);
	btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 1), 4);
	CHECK(exbpf_btf__skip_mods(btf, 1, NULL) == exbpf_btf__type_by_id(btf, 33));
	exbpf_btf__free(btf);
	build_chain(&b, 32, false);
	btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 33), 4);
	CHECK_EQ(exbpf_btf__align(btf, 33), 4);
	exbpf_btf__free(btf);

	build_chain(&b, 33, true);
	REJECT(&b, "nest deeper than 32");
	build_chain(&b, 33, false);
	REJECT(&b, "longer than 32");
}

/* ---------------------------------------------------------------------------------------
 * The header and sections */

TEST(btf_reject_header)
{
	struct bb b;
	bb_start(&b);
	size_t n = bb_blob(&b);

	hdr()->magic = 0x1234;
	REJECT_RAW(n, -EINVAL, "bad magic 0x1234");
	hdr()->magic = 0x9feb;
	REJECT_RAW(n, -EINVAL, "foreign byte order");
	n = bb_blob(&b);
	hdr()->version = 2;
	REJECT_RAW(n, -EINVAL, "unsupported version 2");
	n = bb_blob(&b);
	hdr()->flags = 1;
	REJECT_RAW(n, -EINVAL, "unsupported flags");
	n = bb_blob(&b);
	REJECT_RAW(sizeof(struct btf_header) - 1, -EINVAL, "shorter than the 24-byte header");
	REJECT_RAW(0, -EINVAL, "shorter");
	hdr()->hdr_len = 20;
	REJECT_RAW(n, -EINVAL, "header length 20");
	hdr()->hdr_len = (uint32_t)n + 4;
	REJECT_RAW(n, -EINVAL, "header length");

	struct exbpf_btf *btf = (struct exbpf_btf *)1;
	CHECK_EQ(exbpf_btf__parse(NULL, 100, &btf, NULL, 0), -EINVAL);
	CHECK(btf == NULL);
	CHECK_EQ(exbpf_btf__parse(blob, n, NULL, NULL, 0), -EINVAL);
}

TEST(btf_reject_sections)
{
	struct bb b;
	bb_start(&b);
	size_t n = bb_blob(&b);

	hdr()->type_len += 8;
	REJECT_RAW(n, -EINVAL, "type section (offset 0, 24 bytes) past the end");
	n = bb_blob(&b);
	hdr()->str_len += 1;
	REJECT_RAW(n, -EINVAL, "string section");
	n = bb_blob(&b);
	hdr()->type_off = 0xfffffffc; /* off + len wraps in 32 bits */
	hdr()->type_len = 8;
	REJECT_RAW(n, -EINVAL, "past the end");
	n = bb_blob(&b);
	hdr()->str_off = 0xffffffff;
	REJECT_RAW(n, -EINVAL, "string section");
	n = bb_blob(&b);
	hdr()->type_off = 2;
	hdr()->type_len = 4;
	REJECT_RAW(n, -EINVAL, "not 4-byte aligned");
	n = bb_blob(&b);
	hdr()->str_off = 8; /* inside the types */
	hdr()->str_len = 4;
	REJECT_RAW(n, -EINVAL, "overlap");
}

TEST(btf_reject_strings)
{
	struct bb b;
	bb_start(&b);
	size_t n = bb_blob(&b);

	blob[n - 1] = 'x';
	REJECT_RAW(n, -EINVAL, "start and end with a NUL");
	n = bb_blob(&b);
	blob[24 + hdr()->str_off] = 'x';
	REJECT_RAW(n, -EINVAL, "start and end with a NUL");
	n = bb_blob(&b);
	hdr()->str_len = 0;
	REJECT_RAW(n, -EINVAL, "start and end with a NUL");
}

TEST(btf_reject_oversize)
{
	size_t n = (16u << 20) + 1;
	uint8_t *big = calloc(1, n);
	struct exbpf_btf *btf = NULL;
	if (!big)
		return;
	memcpy(big, blob, 24);
	CHECK_EQ(exbpf_btf__parse(big, n, &btf, logbuf, sizeof(logbuf)), -E2BIG);
	CHECK_CONTAINS(logbuf, "16 MiB");
	free(big);
}

/* 0xfffff types is the most an id can name; one more is refused. */
TEST(btf_reject_too_many_types)
{
	uint32_t cnt = BTF_MAX_TYPE + 1;
	size_t types = (size_t)cnt * 12, n = 24 + types + 1;
	uint32_t *w = calloc(1, n + 4);
	struct exbpf_btf *btf = NULL;
	if (!w)
		return;
	struct btf_header h = {BTF_MAGIC, 1, 0, 24, 0, (uint32_t)types, (uint32_t)types, 1};
	memcpy(w, &h, sizeof(h));
	for (uint32_t k = 0; k < cnt; k++)
		w[6 + 3 * k + 1] = BTF_KIND_PTR << 24; /* void * */
	CHECK_EQ(exbpf_btf__parse(w, n, &btf, logbuf, sizeof(logbuf)), -E2BIG);
	CHECK_CONTAINS(logbuf, "more than 1048575 types");
	/* one fewer is fine */
	h.type_len -= 12;
	h.str_off -= 12;
	memcpy(w, &h, sizeof(h));
	CHECK_EQ(exbpf_btf__parse(w, n - 12, &btf, logbuf, sizeof(logbuf)), 0);
	CHECK_EQ(exbpf_btf__type_cnt(btf), BTF_MAX_TYPE + 1);
	exbpf_btf__free(btf);
	free(w);
}

/* ---------------------------------------------------------------------------------------
 * Each type's own fields */

TEST(btf_reject_truncated_type)
{
	struct bb b;
	bb_start(&b);
	bb_word(&b, 0); /* 8 stray bytes: not a whole btf_type */
	bb_word(&b, 0);
	REJECT(&b, "BTF type [2]: truncated: 8 bytes left");

	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 2, false);
	bb_member(&b, "a", 1, 0); /* vlen says 2 */
	REJECT(&b, "BTF type [2]: STRUCT with vlen 2 needs 36 bytes, 24 left");

	bb_start(&b);
	bb_type(&b, "int", BTF_KIND_INT, 0, false, 4); /* no encoding word */
	REJECT(&b, "BTF type [2]: INT with vlen 0 needs 16 bytes, 12 left");
}

TEST(btf_reject_unknown_kind)
{
	struct bb b;
	bb_start(&b);
	bb_type(&b, NULL, 20, 0, false, 0);
	REJECT(&b, "BTF type [2]: unknown kind 20");
	bb_start(&b);
	bb_type(&b, NULL, 0, 0, false, 0);
	REJECT(&b, "BTF type [2]: unknown kind 0");
	bb_start(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, false, 1);
	b.w[b.nw - 2] |= 1u << 16; /* an unused info bit */
	REJECT(&b, "reserved info bits");
}

TEST(btf_reject_name_offset)
{
	struct bb b;
	bb_start(&b);
	b.w[0] = 4000;
	REJECT(&b, "BTF type [1]: name offset 4000 out of range");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x", 1, 0);
	b.w[b.nw - 3] = (uint32_t)b.ns; /* one past the end */
	REJECT(&b, "member 0 name offset");
	bb_start(&b);
	bb_enum(&b, BTF_KIND_ENUM, "e", 4, 1);
	bb_enumval(&b, "A", 0);
	b.w[b.nw - 2] = 9999;
	REJECT(&b, "enumerator 0 name offset 9999 out of range");
	bb_start(&b);
	bb_proto(&b, 1, 1);
	bb_param(&b, "a", 1);
	b.w[b.nw - 2] = 9999;
	REJECT(&b, "param 0 name offset 9999");
}

TEST(btf_reject_bad_names)
{
	struct bb b;
	bb_start(&b);
	bb_ref(&b, BTF_KIND_TYPEDEF, "1abc", 1);
	REJECT(&b, "invalid name '1abc'");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "a-b", 4, 0, false);
	REJECT(&b, "invalid name 'a-b'");
	/* Linux allows dots in identifiers: clang names a static local "func.var". */
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "parse.____fmt", 4, 0, false);
	exbpf_btf__free(MUST_PARSE(&b));
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x y", 1, 0);
	REJECT(&b, "member 0 has an invalid name 'x y'");
	/* Section names may hold any printable character, but nothing else. */
	bb_start(&b);
	bb_datasec(&b, "a b", 0, 0);
	exbpf_btf__free(MUST_PARSE(&b));
	bb_start(&b);
	bb_datasec(&b, "a\x01b", 0, 0);
	REJECT(&b, "invalid name");
	bb_start(&b);
	bb_int(&b, "tab\tint", 4, 32, 0);
	REJECT(&b, "invalid name");
	bb_start(&b);
	bb_proto(&b, 1, 1);
	bb_param(&b, "a+", 1);
	REJECT(&b, "param 0 has an invalid name 'a+'");

	char long_name[600];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	bb_start(&b);
	bb_ref(&b, BTF_KIND_TYPEDEF, long_name, 1);
	REJECT(&b, "invalid name 'aaaa");
}

TEST(btf_reject_missing_names)
{
	static const uint32_t named[] = {BTF_KIND_TYPEDEF, BTF_KIND_FWD, BTF_KIND_TYPE_TAG};
	struct bb b;
	char want[64];

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		bb_start(&b);
		bb_ref(&b, named[k], NULL, 1);
		if (named[k] == BTF_KIND_FWD)
			b.w[b.nw - 1] = 0;
		snprintf(want, sizeof(want), "%s without a name",
			 named[k] == BTF_KIND_TYPEDEF ? "TYPEDEF"
			 : named[k] == BTF_KIND_FWD   ? "FWD"
						      : "TYPE_TAG");
		REJECT(&b, want);
	}
	bb_start(&b);
	bb_func(&b, NULL, bb_proto(&b, 0, 0), 0);
	REJECT(&b, "FUNC without a name");
	bb_start(&b);
	bb_var(&b, NULL, 1, 0);
	REJECT(&b, "VAR without a name");
	bb_init(&b);
	bb_int(&b, NULL, 4, 32, 0);
	REJECT(&b, "INT without a name");
	bb_start(&b);
	bb_type(&b, NULL, BTF_KIND_FLOAT, 0, false, 8);
	REJECT(&b, "FLOAT without a name");
	bb_start(&b);
	bb_decl_tag(&b, NULL, 1, -1);
	REJECT(&b, "DECL_TAG without a name");
	bb_start(&b);
	bb_datasec(&b, NULL, 0, 0);
	REJECT(&b, "DATASEC without a name");
	bb_start(&b);
	bb_enum(&b, BTF_KIND_ENUM, "e", 4, 1);
	bb_enumval(&b, NULL, 0);
	REJECT(&b, "enumerator 0 without a name");
}

TEST(btf_reject_unexpected_names)
{
	static const uint32_t anon[] = {BTF_KIND_PTR, BTF_KIND_VOLATILE, BTF_KIND_CONST,
					BTF_KIND_RESTRICT};
	struct bb b;
	for (size_t k = 0; k < sizeof(anon) / sizeof(anon[0]); k++) {
		bb_start(&b);
		bb_ref(&b, anon[k], "n", 1);
		REJECT(&b, "has a name");
	}
	bb_start(&b);
	bb_array(&b, 1, 1, 1);
	b.w[b.nw - 6] = 1;
	REJECT(&b, "ARRAY has a name");
	bb_start(&b);
	bb_proto(&b, 0, 0);
	b.w[b.nw - 3] = 1;
	REJECT(&b, "FUNC_PROTO has a name");
}

TEST(btf_reject_vlen_kflag)
{
	struct bb b;
	bb_start(&b);
	bb_type(&b, "int", BTF_KIND_INT, 1, false, 4);
	bb_word(&b, 32);
	bb_word(&b, 0); /* room for the vlen entry it does not have */
	REJECT(&b, "vlen 1 on a INT");
	bb_start(&b);
	bb_type(&b, "int", BTF_KIND_INT, 0, true, 4);
	bb_word(&b, 32);
	REJECT(&b, "kind_flag set on a INT");
	bb_start(&b);
	bb_type(&b, NULL, BTF_KIND_PTR, 0, true, 1);
	REJECT(&b, "kind_flag set on a PTR");
	bb_start(&b);
	bb_type(&b, "t", BTF_KIND_TYPEDEF, 2, false, 1);
	REJECT(&b, "vlen 2 on a TYPEDEF");
}

TEST(btf_reject_int_encoding)
{
	struct bb b;
	bb_init(&b);
	bb_int(&b, "i", 16, 129, 0);
	REJECT(&b, "int of 129 bits");
	bb_init(&b);
	bb_int(&b, "i", 4, 32 | 1u << 16, 0); /* bit offset 1 + 32 bits > 32 */
	REJECT(&b, "int of 32 bits at bit offset 1 does not fit in 4 bytes");
	bb_init(&b);
	bb_int(&b, "i", 3, 24, 0);
	REJECT(&b, "int size 3");
	bb_init(&b);
	bb_int(&b, "i", 4, 32, 3);
	REJECT(&b, "int encoding 0x3");
	bb_init(&b);
	bb_int(&b, "i", 4, 32, 0x10);
	REJECT(&b, "reserved int encoding bits");
}

TEST(btf_reject_enum_float_sizes)
{
	struct bb b;
	bb_start(&b);
	bb_enum(&b, BTF_KIND_ENUM, "e", 3, 0);
	REJECT(&b, "enum size 3");
	bb_start(&b);
	bb_enum(&b, BTF_KIND_ENUM64, "e", 16, 0);
	REJECT(&b, "enum size 16");
	bb_start(&b);
	bb_type(&b, "f", BTF_KIND_FLOAT, 0, false, 3);
	REJECT(&b, "float size 3");
}

/* ---------------------------------------------------------------------------------------
 * References */

TEST(btf_reject_type_id_out_of_range)
{
	struct bb b;
	bb_start(&b);
	bb_ref(&b, BTF_KIND_PTR, NULL, 99);
	REJECT(&b, "BTF type [2]: referenced type id 99 out of range");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x", 99, 0);
	REJECT(&b, "BTF type [2]: member 'x' type id 99 out of range");
	bb_start(&b);
	bb_array(&b, 1, 3, 1);
	REJECT(&b, "index type id 3 out of range");
	bb_start(&b);
	bb_array(&b, 3, 1, 1);
	REJECT(&b, "element type id 3 out of range");
	bb_start(&b);
	bb_proto(&b, 7, 0);
	REJECT(&b, "return type id 7 out of range");
	bb_start(&b);
	bb_proto(&b, 1, 1);
	bb_param(&b, "a", 7);
	REJECT(&b, "param 0 type id 7 out of range");
	bb_start(&b);
	bb_datasec(&b, ".data", 0, 1);
	bb_secinfo(&b, 7, 0, 4);
	REJECT(&b, "entry 0 type id 7 out of range");
	bb_start(&b);
	bb_decl_tag(&b, "t", 7, -1);
	REJECT(&b, "tagged type id 7 out of range");
}

TEST(btf_reject_void_refs)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x", 0, 0);
	REJECT(&b, "member 'x' type is void");
	bb_start(&b);
	bb_func(&b, "f", 0, 0);
	REJECT(&b, "prototype type is void");
	bb_start(&b);
	bb_var(&b, "v", 0, 0);
	REJECT(&b, "variable type is void");
	bb_start(&b);
	bb_array(&b, 1, 0, 1);
	REJECT(&b, "index type is void");
	bb_start(&b);
	bb_decl_tag(&b, "t", 0, -1);
	REJECT(&b, "tagged type is void");
}

/* ---------------------------------------------------------------------------------------
 * Loops and what each kind may refer to */

TEST(btf_reject_typedef_const_loop)
{
	struct bb b;
	bb_start(&b);
	bb_ref(&b, BTF_KIND_TYPEDEF, "t", 3); /* 2 */
	bb_ref(&b, BTF_KIND_CONST, NULL, 2);  /* 3 */
	REJECT(&b, "BTF type [3]: type loop: refers back to [2]");
}

TEST(btf_reject_array_of_itself)
{
	struct bb b;
	bb_start(&b);
	bb_array(&b, 2, 1, 4);
	REJECT(&b, "BTF type [2]: type loop: refers back to [2]");
}

TEST(btf_reject_struct_holding_itself)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 2, false); /* 2 */
	bb_member(&b, "x", 1, 0);
	bb_member(&b, "self", 3, 32);
	bb_ref(&b, BTF_KIND_VOLATILE, NULL, 2); /* 3 */
	REJECT(&b, "type loop");
}

TEST(btf_reject_pointer_loop)
{
	struct bb b;
	bb_start(&b);
	bb_ref(&b, BTF_KIND_PTR, NULL, 3);   /* 2 */
	bb_ref(&b, BTF_KIND_CONST, NULL, 2); /* 3: a const pointer to itself */
	REJECT(&b, "type loop");
	bb_start(&b);
	bb_var(&b, "v", 2, 0); /* a var of itself */
	REJECT(&b, "type loop");
}

TEST(btf_reject_bad_targets)
{
	struct bb b;
	uint32_t i = bb_start(&b);
	uint32_t fn = bb_func(&b, "f", bb_proto(&b, i, 0), 0); /* 3 */
	bb_ref(&b, BTF_KIND_CONST, NULL, fn);
	REJECT(&b, "CONST refers to [3], a FUNC");
	bb_start(&b);
	bb_var(&b, "v", 1, 0);
	bb_ref(&b, BTF_KIND_PTR, NULL, 2);
	REJECT(&b, "PTR refers to [2], a VAR");
	bb_start(&b);
	bb_datasec(&b, ".data", 0, 0);
	bb_ref(&b, BTF_KIND_TYPEDEF, "t", 2);
	REJECT(&b, "TYPEDEF refers to [2], a DATASEC");
	bb_start(&b);
	bb_decl_tag(&b, "x", bb_ref(&b, BTF_KIND_TYPEDEF, "td", 1), -1); /* 3 */
	bb_ref(&b, BTF_KIND_TYPE_TAG, "tt", 3);
	REJECT(&b, "TYPE_TAG refers to [3], a DECL_TAG");
}

TEST(btf_reject_func_not_proto)
{
	struct bb b;
	bb_start(&b);
	bb_func(&b, "f", 1, 0);
	REJECT(&b, "BTF type [2]: prototype [1] is a INT, not a FUNC_PROTO");
	bb_start(&b);
	bb_func(&b, "f", bb_proto(&b, 0, 0), 3);
	REJECT(&b, "func linkage 3");
}

TEST(btf_reject_proto_params)
{
	struct bb b;
	bb_start(&b);
	bb_proto(&b, 1, 2);
	bb_param(&b, NULL, 0);
	bb_param(&b, "b", 1);
	REJECT(&b, "param 0 is void but not the last");
	bb_start(&b);
	bb_proto(&b, 1, 2);
	bb_param(&b, "a", 1);
	bb_param(&b, "rest", 0);
	REJECT(&b, "varargs param 1 has a name");
	bb_start(&b);
	uint32_t inner = bb_proto(&b, 1, 0); /* 2 */
	bb_proto(&b, 1, 1);
	bb_param(&b, "cb", inner); /* a prototype, not a pointer to one */
	REJECT(&b, "param 0 type [2] (FUNC_PROTO) has no size");
	bb_start(&b);
	bb_proto(&b, bb_type(&b, "f", BTF_KIND_FWD, 0, false, 0), 0);
	REJECT(&b, "return type [2] (FWD) has no size");
}

TEST(btf_reject_var)
{
	struct bb b;
	bb_start(&b);
	bb_var(&b, "v", 1, 3);
	REJECT(&b, "var linkage 3");
	bb_start(&b);
	bb_var(&b, "v", bb_proto(&b, 1, 0), 0);
	REJECT(&b, "variable type [2] (FUNC_PROTO) has no size");
	bb_start(&b);
	bb_var(&b, "v", bb_var(&b, "w", 1, 0), 0);
	REJECT(&b, "variable type [2] (VAR) has no size");
}

TEST(btf_reject_datasec)
{
	struct bb b;
	bb_start(&b);
	bb_datasec(&b, ".data", 4, 1);
	bb_secinfo(&b, 1, 0, 4);
	REJECT(&b, "entry 0 refers to [1], a INT, not a VAR or FUNC");
	bb_start(&b);
	uint32_t v = bb_var(&b, "v", 1, 0);
	bb_datasec(&b, ".data", 0, 1);
	bb_secinfo(&b, v, 0xfffffffe, 4);
	REJECT(&b, "entry 0: offset 4294967294 + size 4 overflows");
	/* clang leaves sizes and offsets to the loader: a size 0 section is fine */
	bb_start(&b);
	v = bb_var(&b, "v", 1, 0);
	uint32_t ds = bb_datasec(&b, ".data.x", 0, 1);
	bb_secinfo(&b, v, 64, 4);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, ds), 0);
	exbpf_btf__free(btf);
}

TEST(btf_reject_decl_tag)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 2, false); /* 2 */
	bb_member(&b, "a", 1, 0);
	bb_member(&b, "b", 1, 32);
	bb_decl_tag(&b, "t", 2, 2);
	REJECT(&b, "component_idx 2 out of range: [2] has 2 members or params");
	b.w[b.nw - 1] = (uint32_t)-2;
	REJECT(&b, "component_idx -2 below -1");
	b.w[b.nw - 1] = 1; /* fine: member b */
	struct exbpf_btf *btf = MUST_PARSE(&b);
	exbpf_btf__free(btf);

	bb_start(&b);
	uint32_t proto = bb_proto(&b, 1, 1); /* 2 */
	bb_param(&b, "a", 1);
	uint32_t fn = bb_func(&b, "f", proto, 0); /* 3 */
	bb_decl_tag(&b, "t", fn, 1);
	REJECT(&b, "component_idx 1 out of range: [3] has 1 members");
	bb_start(&b);
	bb_decl_tag(&b, "t", bb_var(&b, "v", 1, 0), 0);
	REJECT(&b, "component_idx 0 out of range");
	bb_start(&b);
	bb_decl_tag(&b, "t", 1, -1);
	REJECT(&b, "decl tag on [1], a INT");
	bb_start(&b);
	/* typedefs may be tagged */
	bb_decl_tag(&b, "t", bb_ref(&b, BTF_KIND_TYPEDEF, "td", 1), -1);
	btf = MUST_PARSE(&b);
	exbpf_btf__free(btf);
}

TEST(btf_reject_array)
{
	struct bb b;
	bb_start(&b);
	bb_array(&b, 1, bb_ref(&b, BTF_KIND_PTR, NULL, 1), 4);
	REJECT(&b, "index type [2] is a PTR, not an int");
	bb_start(&b);
	bb_array(&b, bb_proto(&b, 1, 0), 1, 4);
	REJECT(&b, "element type [2] (FUNC_PROTO) has no size");
	bb_start(&b);
	bb_array(&b, bb_type(&b, "f", BTF_KIND_FWD, 0, false, 0), 1, 4);
	REJECT(&b, "element type [2] (FWD) has no size");
	bb_start(&b);
	bb_array(&b, 1, 1, 0x40000000); /* 4 GiB of ints */
	REJECT(&b, "1073741824 elements of 4 bytes overflow 4 GiB");
	bb_start(&b);
	bb_array(&b, 1, 1, 0x3fffffff);
	struct exbpf_btf *btf = MUST_PARSE(&b);
	CHECK_EQ(exbpf_btf__resolve_size(btf, 2), 0xfffffffcu);
	exbpf_btf__free(btf);
	bb_start(&b);
	bb_array(&b, 1, 1, 1);
	b.w[b.nw - 4] = 8; /* size field */
	REJECT(&b, "array with size field 8");
}

TEST(btf_reject_members)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "x", 1, 32);
	REJECT(&b, "BTF type [2]: member 'x' ends at bit 64, past the 4 bytes");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_UNION, "u", 8, 1, false);
	bb_member(&b, "x", 1, 32);
	REJECT(&b, "union member 'x' at bit offset 32, not 0");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 2, false);
	bb_member(&b, "x", 1, 32);
	bb_member(&b, "y", 1, 0);
	REJECT(&b, "member 'y' at bit offset 0, before the previous one");
	bb_start(&b);
	uint32_t ptr = bb_ref(&b, BTF_KIND_PTR, NULL, 1);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 16, 1, false);
	bb_member(&b, "p", ptr, 4);
	REJECT(&b, "member 'p' at bit offset 4 is not byte aligned");
	bb_start(&b);
	uint32_t fwd = bb_type(&b, "fw", BTF_KIND_FWD, 0, false, 0);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "f", fwd, 0);
	REJECT(&b, "member 'f' type [2] (FWD) has no size");
	bb_start(&b);
	uint32_t proto = bb_proto(&b, 0, 0);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, false);
	bb_member(&b, "f", proto, 0);
	REJECT(&b, "member 'f' type [2] (FUNC_PROTO) has no size");
}

TEST(btf_reject_bitfields)
{
	struct bb b;
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 32, 1, true);
	bb_member(&b, "x", 1, 129u << 24);
	REJECT(&b, "member 'x' bitfield of 129 bits, over 128");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 1, true);
	bb_member(&b, "x", 1, 33u << 24);
	REJECT(&b, "bitfield member 'x' of 33 bits wider than its type");
	bb_start(&b);
	uint32_t ptr = bb_ref(&b, BTF_KIND_PTR, NULL, 1);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 8, 1, true);
	bb_member(&b, "p", ptr, 3u << 24);
	REJECT(&b, "bitfield member 'p' is a PTR, not an int or enum");
	bb_start(&b);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 4, 1, true);
	bb_member(&b, "b", 1, 5u << 24 | 30); /* bits 30..34 of a 32-bit struct */
	REJECT(&b, "ends at bit 35");
	bb_start(&b);
	uint32_t bits3 = bb_int(&b, "u3", 4, 3, 0);
	bb_comp(&b, BTF_KIND_STRUCT, "s", 1, 1, false);
	bb_member(&b, "x", bits3, 6); /* older encoding: bits 6..8 of a 1-byte struct */
	REJECT(&b, "member 'x' ends at bit 9, past the 1 bytes");
}

/* ---------------------------------------------------------------------------------------
 * The log */

TEST(btf_log_buffers)
{
	struct bb b;
	bb_start(&b);
	bb_ref(&b, BTF_KIND_PTR, NULL, 99);
	size_t n = bb_blob(&b);
	struct exbpf_btf *btf = NULL;
	char small[8];
	memset(small, 'x', sizeof(small));
	CHECK_EQ(exbpf_btf__parse(blob, n, &btf, small, sizeof(small)), -EINVAL);
	CHECK_STR(small, "BTF typ"); /* truncated, still terminated */
	CHECK_EQ(exbpf_btf__parse(blob, n, &btf, NULL, 0), -EINVAL);
	CHECK_EQ(exbpf_btf__parse(blob, n, &btf, small, 0), -EINVAL);
	CHECK_EQ(exbpf_btf__parse(blob, n, &btf, logbuf, sizeof(logbuf)), -EINVAL);
	/* one line, ending in a newline */
	CHECK(strchr(logbuf, '\n') == logbuf + strlen(logbuf) - 1);
}

/* ---------------------------------------------------------------------------------------
 * The .BTF of btf_sample.c.txt, as clang-19 wrote it */

static struct exbpf_btf *sample_btf(void)
{
	struct exbpf_btf *btf = NULL;
	int err = exbpf_btf__parse(btf_sample_btf, sizeof(btf_sample_btf), &btf, logbuf,
				   sizeof(logbuf));
	if (err)
		test_fail(__FILE__, __LINE__, "sample rejected (%d): %s", err, logbuf);
	return btf;
}

static int32_t find(const struct exbpf_btf *btf, const char *name, uint32_t kind)
{
	int32_t id = exbpf_btf__find_by_name_kind(btf, name, kind);
	if (id <= 0)
		test_fail(__FILE__, __LINE__, "no '%s' of kind %u in the sample", name, kind);
	return id;
}

TEST(btf_sample_struct_layout)
{
	static const struct {
		const char *name;
		uint32_t bit_off, bitfield;
	} want[] = {
		{"a", 0, 0},	  {"flag", 32, 1}, {"mode", 33, 3}, {"in", 48, 0},
		{"cv", 128, 0},	  {"arr", 192, 0}, {"fwd", 320, 0}, {"uptr", 384, 0},
		{"col", 448, 0},  {"big", 512, 0}, {"d", 576, 0},   {"un", 640, 0},
		{"tagged", 672, 0}, {"cb", 704, 0}, {"wide", 768, 0},
	};
	struct exbpf_btf *btf = sample_btf();
	if (!btf)
		return;
	int32_t id = find(btf, "sample", BTF_KIND_STRUCT);
	const struct btf_type *t = exbpf_btf__type_by_id(btf, (uint32_t)id);
	CHECK_EQ(exbpf_btf__resolve_size(btf, (uint32_t)id), 112);
	CHECK_EQ(exbpf_btf__align(btf, (uint32_t)id), 8); /* __int128 aligns to 8 in BTF */
	CHECK(exbpf_btf_kflag(t)); /* clang marks structs with bitfields */
	CHECK_EQ(exbpf_btf_vlen(t), 15);
	for (uint32_t i = 0; t && i < exbpf_btf_vlen(t) && i < 15; i++) {
		CHECK_STR(exbpf_btf__name_by_offset(btf, exbpf_btf_members(t)[i].name_off),
			  want[i].name);
		CHECK_EQ(exbpf_btf_member_bit_offset(t, i), want[i].bit_off);
		CHECK_EQ(exbpf_btf_member_bitfield_size(t, i), want[i].bitfield);
	}
	const struct btf_member *m = exbpf_btf_members(t);
	CHECK_EQ(exbpf_btf__resolve_size(btf, m[3].type), 4);  /* struct inner */
	CHECK_EQ(exbpf_btf__resolve_size(btf, m[4].type), 8);  /* const volatile u64 */
	CHECK_EQ(exbpf_btf__resolve_size(btf, m[5].type), 16); /* int[4] */
	CHECK_EQ(exbpf_btf__resolve_size(btf, m[11].type), 4); /* the union */
	CHECK_EQ(exbpf_btf__resolve_size(btf, m[14].type), 16);
	const struct btf_type *base = exbpf_btf__skip_mods(btf, m[4].type, NULL);
	CHECK_STR(base ? exbpf_btf__name_by_offset(btf, base->name_off) : NULL,
		  "unsigned long long");
	/* int TTAG("user") *uptr: a pointer to a type tag on int */
	const struct btf_type *p = exbpf_btf__type_by_id(btf, m[7].type);
	const struct btf_type *tag = p ? exbpf_btf__type_by_id(btf, p->type) : NULL;
	CHECK(tag && exbpf_btf_kind(tag) == BTF_KIND_TYPE_TAG);
	CHECK_STR(tag ? exbpf_btf__name_by_offset(btf, tag->name_off) : NULL, "user");
	/* int (*cb)(int, ...): varargs */
	p = exbpf_btf__type_by_id(btf, m[13].type);
	const struct btf_type *proto = p ? exbpf_btf__type_by_id(btf, p->type) : NULL;
	CHECK(proto && exbpf_btf_kind(proto) == BTF_KIND_FUNC_PROTO && exbpf_btf_vlen(proto) == 2);
	CHECK(proto && exbpf_btf_params(proto)[1].type == 0);
	/* struct fwd_only *fwd */
	p = exbpf_btf__type_by_id(btf, m[6].type);
	CHECK(p && p->type == (uint32_t)find(btf, "fwd_only", BTF_KIND_FWD));
	exbpf_btf__free(btf);
}

TEST(btf_sample_enums)
{
	struct exbpf_btf *btf = sample_btf();
	if (!btf)
		return;
	const struct btf_type *t =
		exbpf_btf__type_by_id(btf, (uint32_t)find(btf, "color", BTF_KIND_ENUM));
	CHECK(t && exbpf_btf_vlen(t) == 3 && t->size == 4);
	CHECK(t && exbpf_btf_enum(t)[1].val == 5);
	CHECK_STR(t ? exbpf_btf__name_by_offset(btf, exbpf_btf_enum(t)[2].name_off) : NULL, "BLUE");
	t = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, "big", BTF_KIND_ENUM64));
	CHECK(t && exbpf_btf_vlen(t) == 2 && t->size == 8);
	CHECK(t && exbpf_btf_enum64(t)[1].val_hi32 == 1 && exbpf_btf_enum64(t)[1].val_lo32 == 0);
	exbpf_btf__free(btf);
}

TEST(btf_sample_decl_tags)
{
	struct exbpf_btf *btf = sample_btf();
	if (!btf)
		return;
	/* int tagged TAG("member_tag"): member 12 of struct sample */
	const struct btf_type *t =
		exbpf_btf__type_by_id(btf, (uint32_t)find(btf, "member_tag", BTF_KIND_DECL_TAG));
	CHECK(t && t->type == (uint32_t)find(btf, "sample", BTF_KIND_STRUCT));
	CHECK(t && exbpf_btf_decl_tag(t)->component_idx == 12);
	/* int TAG("param_tag") x: param 1 of helper */
	t = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, "param_tag", BTF_KIND_DECL_TAG));
	int32_t helper = find(btf, "helper", BTF_KIND_FUNC);
	CHECK(t && t->type == (uint32_t)helper && exbpf_btf_decl_tag(t)->component_idx == 1);
	const struct btf_type *fn = exbpf_btf__type_by_id(btf, (uint32_t)helper);
	CHECK(fn && exbpf_btf_vlen(fn) == BTF_FUNC_STATIC);
	const struct btf_type *proto = fn ? exbpf_btf__type_by_id(btf, fn->type) : NULL;
	CHECK_STR(proto ? exbpf_btf__name_by_offset(btf, exbpf_btf_params(proto)[1].name_off)
			: NULL,
		  "x");
	/* s is `struct sample *restrict` */
	const struct btf_type *s =
		proto ? exbpf_btf__type_by_id(btf, exbpf_btf_params(proto)[0].type) : NULL;
	CHECK(s && exbpf_btf_kind(s) == BTF_KIND_RESTRICT);
	/* TAG("func_tag") on prog */
	t = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, "func_tag", BTF_KIND_DECL_TAG));
	CHECK(t && t->type == (uint32_t)find(btf, "prog", BTF_KIND_FUNC));
	CHECK(t && exbpf_btf_decl_tag(t)->component_idx == -1);
	exbpf_btf__free(btf);
}

TEST(btf_sample_datasecs)
{
	struct exbpf_btf *btf = sample_btf();
	if (!btf)
		return;
	const struct btf_type *ds =
		exbpf_btf__type_by_id(btf, (uint32_t)find(btf, ".data.sample", BTF_KIND_DATASEC));
	CHECK(ds && exbpf_btf_vlen(ds) == 1);
	CHECK(ds && ds->size == 0); /* clang leaves section sizes to the loader */
	const struct btf_var_secinfo *vs = ds ? exbpf_btf_var_secinfos(ds) : NULL;
	CHECK(vs && vs[0].size == 112 && vs[0].offset == 0);
	const struct btf_type *var = vs ? exbpf_btf__type_by_id(btf, vs[0].type) : NULL;
	CHECK_STR(var ? exbpf_btf__name_by_offset(btf, var->name_off) : NULL, "g_sample");
	CHECK(var && exbpf_btf_var(var)->linkage == BTF_VAR_GLOBAL_ALLOCATED);
	CHECK(var && var->type == (uint32_t)find(btf, "sample", BTF_KIND_STRUCT));
	CHECK_EQ(exbpf_btf__resolve_size(btf, vs ? vs[0].type : 0), 112);
	/* const int g_limit in .rodata */
	ds = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, ".rodata", BTF_KIND_DATASEC));
	vs = ds ? exbpf_btf_var_secinfos(ds) : NULL;
	var = vs ? exbpf_btf__type_by_id(btf, vs[0].type) : NULL;
	CHECK(var && exbpf_btf_kind(exbpf_btf__type_by_id(btf, var->type)) == BTF_KIND_CONST);
	/* extern int ext_func(...) in .ksyms: a FUNC entry of size 0 */
	ds = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, ".ksyms", BTF_KIND_DATASEC));
	vs = ds ? exbpf_btf_var_secinfos(ds) : NULL;
	const struct btf_type *fn = vs ? exbpf_btf__type_by_id(btf, vs[0].type) : NULL;
	CHECK(fn && exbpf_btf_kind(fn) == BTF_KIND_FUNC && exbpf_btf_vlen(fn) == BTF_FUNC_EXTERN);
	CHECK_STR(fn ? exbpf_btf__name_by_offset(btf, fn->name_off) : NULL, "ext_func");
	/* the map: __uint(max_entries, 16) is a pointer to int[16] */
	ds = exbpf_btf__type_by_id(btf, (uint32_t)find(btf, ".maps", BTF_KIND_DATASEC));
	vs = ds ? exbpf_btf_var_secinfos(ds) : NULL;
	var = vs ? exbpf_btf__type_by_id(btf, vs[0].type) : NULL;
	const struct btf_type *st = var ? exbpf_btf__skip_mods(btf, var->type, NULL) : NULL;
	CHECK(st && exbpf_btf_kind(st) == BTF_KIND_STRUCT && exbpf_btf_vlen(st) == 4);
	const struct btf_type *pt =
		st ? exbpf_btf__type_by_id(btf, exbpf_btf_members(st)[1].type) : NULL;
	const struct btf_type *arr = pt ? exbpf_btf__type_by_id(btf, pt->type) : NULL;
	CHECK(arr && exbpf_btf_kind(arr) == BTF_KIND_ARRAY && exbpf_btf_array(arr)->nelems == 16);
	exbpf_btf__free(btf);
}

/* Every kind appears in the sample, and every id resolves without surprises. */
TEST(btf_sample_every_kind)
{
	struct exbpf_btf *btf = sample_btf();
	uint32_t seen = 0;
	if (!btf)
		return;
	CHECK_EQ(exbpf_btf__type_cnt(btf), 59);
	for (uint32_t id = 1; id < exbpf_btf__type_cnt(btf); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		seen |= 1u << exbpf_btf_kind(t);
		int64_t size = exbpf_btf__resolve_size(btf, id);
		int align = exbpf_btf__align(btf, id);
		const struct btf_type *base = exbpf_btf__skip_mods(btf, id, NULL);
		uint16_t k = base ? exbpf_btf_kind(base) : BTF_KIND_UNKN;
		bool sized = k != BTF_KIND_FUNC && k != BTF_KIND_FUNC_PROTO && k != BTF_KIND_FWD &&
			     k != BTF_KIND_DECL_TAG && k != BTF_KIND_UNKN;
		CHECK(sized ? size >= 0 : size == -EINVAL);
		if (k != BTF_KIND_DATASEC)
			CHECK(sized ? align > 0 : align == -EINVAL);
	}
	CHECK_EQ(seen, ((1u << NR_BTF_KINDS) - 1) & ~1u);
	exbpf_btf__free(btf);
}

/* ---------------------------------------------------------------------------------------
 * Hostile variants of the sample: whatever parses must be safe to walk. */

static void walk_everything(const struct exbpf_btf *btf)
{
	for (uint32_t id = 0; id <= exbpf_btf__type_cnt(btf); id++) {
		uint32_t res;
		(void)exbpf_btf__resolve_size(btf, id);
		(void)exbpf_btf__align(btf, id);
		(void)exbpf_btf__skip_mods(btf, id, &res);
		(void)exbpf_btf__type_name(btf, id);
	}
}

static void parse_and_walk(const uint8_t *data, size_t size)
{
	struct exbpf_btf *btf = NULL;
	if (exbpf_btf__parse(data, size, &btf, logbuf, sizeof(logbuf)) == 0) {
		walk_everything(btf);
		exbpf_btf__free(btf);
	}
}

TEST(btf_sample_mutations)
{
	size_t n = sizeof(btf_sample_btf);
	uint8_t *buf = malloc(n);
	static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x1f, 0x3b, 0x80, 0xff};
	if (!buf)
		return;
	for (size_t len = 0; len <= n; len += (len < 64 ? 1 : 7))
		parse_and_walk(btf_sample_btf, len);
	for (size_t i = 0; i < n; i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			memcpy(buf, btf_sample_btf, n);
			buf[i] = vals[v];
			parse_and_walk(buf, n);
			buf[i] = btf_sample_btf[i] ^ (uint8_t)(1u << v);
			parse_and_walk(buf, n);
		}
	}
	free(buf);
}
