/* CO-RE relocations (src/loader/core.c). Two parts:
 *   - the pure calculation, core_calc()/core_patch()/core_apply(), on small local and target
 *     BTFs built by hand here, for every relocation kind, flavors, anonymous members, arrays,
 *     flexible arrays, bitfields, enums (32/64-bit), memory size changes, ambiguity and
 *     malformed records. Expected values are worked out from the layouts written next to
 *     each builder, following libbpf's relo_core.c rules;
 *   - tests/progs/core_*.bpf.o opened through the loader: each CO-RE record's instruction
 *     is checked against offsetof()/sizeof() of the real <linux/bpf.h> structs compiled into
 *     this file, and the poisoned ones against `call 0xbad2310` and their messages. */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/btf.h>
#include <exbpf/object.h>

#include "loader/btf_ext.h"
#include "loader/core.h"
#include "loader/loader.h"
#include "testlib.h"

/* ---------------------------------------------------------------------------------------
 * A tiny BTF writer: types are appended in id order, strings are deduplicated. */

struct bb {
	uint32_t words[1024];
	size_t nwords;
	char strs[2048];
	size_t slen;
	uint32_t next_id;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->slen = 1; /* strs[0] = "" */
	b->next_id = 1;
}

static uint32_t bb_str(struct bb *b, const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	for (size_t off = 1; off < b->slen; off += strlen(b->strs + off) + 1)
		if (!strcmp(b->strs + off, s))
			return (uint32_t)off;
	n = strlen(s) + 1;
	if (b->slen + n > sizeof(b->strs)) {
		test_fail(__FILE__, __LINE__, "bb: string section full");
		return 0;
	}
	memcpy(b->strs + b->slen, s, n);
	b->slen += n;
	return (uint32_t)(b->slen - n);
}

static void bb_w(struct bb *b, uint32_t w)
{
	if (b->nwords == sizeof(b->words) / sizeof(b->words[0])) {
		test_fail(__FILE__, __LINE__, "bb: type section full");
		return;
	}
	b->words[b->nwords++] = w;
}

static uint32_t bb_type(struct bb *b, const char *name, uint32_t kind, uint32_t vlen, bool kflag,
			uint32_t size_type)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, (kflag ? 1u << 31 : 0) | kind << 24 | vlen);
	bb_w(b, size_type);
	return b->next_id++;
}

static uint32_t bb_int(struct bb *b, const char *name, uint32_t size, bool is_signed)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, false, size);
	bb_w(b, (is_signed ? BTF_INT_SIGNED : 0) << 24 | size * 8);
	return id;
}

static uint32_t bb_ptr(struct bb *b, uint32_t to)
{
	return bb_type(b, NULL, BTF_KIND_PTR, 0, false, to);
}

static uint32_t bb_array(struct bb *b, uint32_t elem, uint32_t index, uint32_t n)
{
	uint32_t id = bb_type(b, NULL, BTF_KIND_ARRAY, 0, false, 0);
	bb_w(b, elem);
	bb_w(b, index);
	bb_w(b, n);
	return id;
}

/* Members follow with bb_member(); kflag structs give bitfield sizes. */
static uint32_t bb_struct(struct bb *b, const char *name, uint32_t vlen, bool kflag,
			  uint32_t size)
{
	return bb_type(b, name, BTF_KIND_STRUCT, vlen, kflag, size);
}

static uint32_t bb_union(struct bb *b, const char *name, uint32_t vlen, uint32_t size)
{
	return bb_type(b, name, BTF_KIND_UNION, vlen, false, size);
}

static void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t bit_off,
		      uint32_t bits)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, type);
	bb_w(b, bits << 24 | bit_off);
}

static uint32_t bb_enum(struct bb *b, const char *name, uint32_t vlen, bool is_signed,
			uint32_t size)
{
	return bb_type(b, name, BTF_KIND_ENUM, vlen, is_signed, size);
}

static void bb_enumval(struct bb *b, const char *name, int32_t val)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, (uint32_t)val);
}

static uint32_t bb_enum64(struct bb *b, const char *name, uint32_t vlen, uint32_t size)
{
	return bb_type(b, name, BTF_KIND_ENUM64, vlen, false, size);
}

static void bb_enum64val(struct bb *b, const char *name, uint64_t val)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, (uint32_t)val);
	bb_w(b, (uint32_t)(val >> 32));
}

static uint32_t bb_typedef(struct bb *b, const char *name, uint32_t to)
{
	return bb_type(b, name, BTF_KIND_TYPEDEF, 0, false, to);
}

static struct exbpf_btf *bb_parse(struct bb *b)
{
	size_t tlen = b->nwords * 4, size = sizeof(struct btf_header) + tlen + b->slen;
	uint8_t *blob = calloc(1, size);
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(struct btf_header),
		.type_off = 0,
		.type_len = (uint32_t)tlen,
		.str_off = (uint32_t)tlen,
		.str_len = (uint32_t)b->slen,
	};
	struct exbpf_btf *btf = NULL;
	char log[512] = "";

	if (!blob)
		return NULL;
	memcpy(blob, &h, sizeof(h));
	memcpy(blob + sizeof(h), b->words, tlen);
	memcpy(blob + sizeof(h) + tlen, b->strs, b->slen);
	if (exbpf_btf__parse(blob, size, &btf, log, sizeof(log)))
		test_fail(__FILE__, __LINE__, "hand-built BTF does not parse: %s", log);
	free(blob);
	return btf;
}

/* ---------------------------------------------------------------------------------------
 * The main pair of BTFs.
 *
 * Target (exbpf's side):
 *   struct sample {                 size 56
 *       int a;                      @0
 *       __u32 arr[4];               @4
 *       union {                     @24
 *           struct { int x; int y; };
 *           unsigned long long z;
 *       };
 *       struct sample *next;        @32
 *       unsigned int bf1:3;         bit 320
 *       unsigned int bf2:5;         bit 323
 *       unsigned int u;             @44
 *       int s;                      @48
 *       int flex[];                 @52
 *   };
 *   enum color { RED = 0, GREEN = 5, NEG = -2 };   signed
 *   enum64 big { BIG = 0x100000000 };
 *   struct other { int q; };  typedef struct other other_t;
 *   struct mismatch { int q; };
 *   struct far { int f @40000; } (size 40004)
 *
 * Local (the program's side), same types with flavors and other layouts:
 *   struct sample___local {         size 80
 *       struct sample___local *next;  @0        member 0
 *       union { struct { int x; int y; }; unsigned long long z; };  @8   member 1
 *       unsigned int bf2:5;           bit 128   member 2
 *       unsigned int bf1:3;           bit 133   member 3
 *       unsigned int arr[8];          @20       member 4
 *       int a;                        @52       member 5
 *       int missing;                  @56       member 6
 *       unsigned long long u;         @64       member 7
 *       unsigned long long s;         @72       member 8
 *       int flex[];                   @80       member 9
 *   };
 *   enum color___l { RED = 10, GREEN___x = 11, MISSING = 12, NEG = 3 };  signed
 *   enum big (32-bit) { BIG = 7 };
 *   struct other { int q; };  typedef struct other other_t;
 *   struct mismatch { unsigned long long q; };
 *   struct nothere { int q; };  an anonymous struct { int q; };
 *   struct far___l { int f; };
 */

enum {
	/* local ids */
	L_INT = 1,
	L_UINT,
	L_U64,
	L_ARR8,
	L_ANON_S,
	L_ANON_U,
	L_PTR,
	L_SAMPLE,
	L_FLEX,
	L_COLOR,
	L_BIG,
	L_OTHER,
	L_OTHER_T,
	L_MISMATCH,
	L_NOTHERE,
	L_ANON,
	L_FAR,
	/* target ids */
	T_INT = 1,
	T_UINT,
	T_U64,
	T_U32,
	T_ARR4,
	T_ANON_S,
	T_ANON_U,
	T_PTR,
	T_SAMPLE,
	T_FLEX,
	T_COLOR,
	T_BIG,
	T_OTHER,
	T_OTHER_T,
	T_MISMATCH,
	T_FAR,
};

static const char *const access_strs[] = {
	"0",	 "1",	   "2",	   "3",	    "0:0",   "0:1:0:0", "0:1:0:1", "0:1:1", "0:2",
	"0:3",	 "0:4",	   "0:4:2", "0:4:5", "0:4:8", "0:5",     "0:6",     "0:7",   "0:8",
	"0:9:3", "1:5",	   "0:5:1", "0:42",  "",     "0:",      ":0",      "a",     "0::1",
	"99999999999",     "2147483647:5",   "0:0:0",
};

struct fx {
	struct bb lb, tb;
	struct exbpf_btf *local, *targ;
	char log[2048];
	struct log lg;
};

static void build_local(struct bb *b)
{
	bb_init(b);
	bb_int(b, "int", 4, true);		       /* 1 */
	bb_int(b, "unsigned int", 4, false);	       /* 2 */
	bb_int(b, "long long unsigned int", 8, false); /* 3 */
	bb_array(b, L_UINT, L_INT, 8);		       /* 4 */
	bb_struct(b, NULL, 2, false, 8);	       /* 5 */
	bb_member(b, "x", L_INT, 0, 0);
	bb_member(b, "y", L_INT, 32, 0);
	bb_union(b, NULL, 2, 8); /* 6 */
	bb_member(b, NULL, L_ANON_S, 0, 0);
	bb_member(b, "z", L_U64, 0, 0);
	bb_ptr(b, L_SAMPLE);				 /* 7 */
	bb_struct(b, "sample___local", 10, true, 80); /* 8 */
	bb_member(b, "next", L_PTR, 0, 0);
	bb_member(b, NULL, L_ANON_U, 64, 0);
	bb_member(b, "bf2", L_UINT, 128, 5);
	bb_member(b, "bf1", L_UINT, 133, 3);
	bb_member(b, "arr", L_ARR8, 160, 0);
	bb_member(b, "a", L_INT, 416, 0);
	bb_member(b, "missing", L_INT, 448, 0);
	bb_member(b, "u", L_U64, 512, 0);
	bb_member(b, "s", L_U64, 576, 0);
	bb_member(b, "flex", L_FLEX, 640, 0);
	bb_array(b, L_INT, L_INT, 0);		 /* 9 */
	bb_enum(b, "color___l", 4, true, 4); /* 10 */
	bb_enumval(b, "RED", 10);
	bb_enumval(b, "GREEN___x", 11);
	bb_enumval(b, "MISSING", 12);
	bb_enumval(b, "NEG", 3);
	bb_enum(b, "big", 1, false, 4); /* 11 */
	bb_enumval(b, "BIG", 7);
	bb_struct(b, "other", 1, false, 4); /* 12 */
	bb_member(b, "q", L_INT, 0, 0);
	bb_typedef(b, "other_t", L_OTHER);     /* 13 */
	bb_struct(b, "mismatch", 1, false, 8); /* 14 */
	bb_member(b, "q", L_U64, 0, 0);
	bb_struct(b, "nothere", 1, false, 4); /* 15 */
	bb_member(b, "q", L_INT, 0, 0);
	bb_struct(b, NULL, 1, false, 4); /* 16 */
	bb_member(b, "q", L_INT, 0, 0);
	bb_struct(b, "far___l", 1, false, 4); /* 17 */
	bb_member(b, "f", L_INT, 0, 0);
	for (size_t i = 0; i < sizeof(access_strs) / sizeof(access_strs[0]); i++)
		bb_str(b, access_strs[i]);
}

static void build_target(struct bb *b)
{
	bb_init(b);
	bb_int(b, "int", 4, true);		       /* 1 */
	bb_int(b, "unsigned int", 4, false);	       /* 2 */
	bb_int(b, "long long unsigned int", 8, false); /* 3 */
	bb_typedef(b, "__u32", T_UINT);		       /* 4 */
	bb_array(b, T_U32, T_INT, 4);		       /* 5 */
	bb_struct(b, NULL, 2, false, 8);	       /* 6 */
	bb_member(b, "x", T_INT, 0, 0);
	bb_member(b, "y", T_INT, 32, 0);
	bb_union(b, NULL, 2, 8); /* 7 */
	bb_member(b, NULL, T_ANON_S, 0, 0);
	bb_member(b, "z", T_U64, 0, 0);
	bb_ptr(b, T_SAMPLE);			  /* 8 */
	bb_struct(b, "sample", 9, true, 56); /* 9 */
	bb_member(b, "a", T_INT, 0, 0);
	bb_member(b, "arr", T_ARR4, 32, 0);
	bb_member(b, NULL, T_ANON_U, 192, 0);
	bb_member(b, "next", T_PTR, 256, 0);
	bb_member(b, "bf1", T_UINT, 320, 3);
	bb_member(b, "bf2", T_UINT, 323, 5);
	bb_member(b, "u", T_UINT, 352, 0);
	bb_member(b, "s", T_INT, 384, 0);
	bb_member(b, "flex", T_FLEX, 416, 0);
	bb_array(b, T_INT, T_INT, 0);	  /* 10 */
	bb_enum(b, "color", 3, true, 4); /* 11 */
	bb_enumval(b, "RED", 0);
	bb_enumval(b, "GREEN", 5);
	bb_enumval(b, "NEG", -2);
	bb_enum64(b, "big", 1, 8); /* 12 */
	bb_enum64val(b, "BIG", 0x100000000ull);
	bb_struct(b, "other", 1, false, 4); /* 13 */
	bb_member(b, "q", T_INT, 0, 0);
	bb_typedef(b, "other_t", T_OTHER);     /* 14 */
	bb_struct(b, "mismatch", 1, false, 4); /* 15 */
	bb_member(b, "q", T_INT, 0, 0);
	bb_struct(b, "far", 1, false, 40004); /* 16 */
	bb_member(b, "f", T_INT, 320000, 0);
}

static bool fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	build_local(&f->lb);
	build_target(&f->tb);
	f->local = bb_parse(&f->lb);
	f->targ = bb_parse(&f->tb);
	log_init(&f->lg, f->log, sizeof(f->log));
	return f->local && f->targ;
}

static void fx_free(struct fx *f)
{
	exbpf_btf__free(f->local);
	exbpf_btf__free(f->targ);
}

/* Offset of an access string in the local BTF. */
static uint32_t acc_off(struct fx *f, const char *s)
{
	uint32_t off = bb_str(&f->lb, s);

	if (!off && *s)
		test_fail(__FILE__, __LINE__, "access string '%s' not prebuilt", s);
	return off;
}

static struct bpf_core_relo relo(struct fx *f, uint32_t type_id, const char *acc, uint32_t kind)
{
	return (struct bpf_core_relo){
		.insn_off = 0,
		.type_id = type_id,
		.access_str_off = acc_off(f, acc),
		.kind = (enum bpf_core_relo_kind)kind,
	};
}

/* core_calc() of one record; CHECKs success and returns the result. */
static struct core_res calc(struct fx *f, uint32_t type_id, const char *acc, uint32_t kind)
{
	struct bpf_core_relo r = relo(f, type_id, acc, kind);
	struct core_res res;
	int err = core_calc(f->local, f->targ, &r, "test", 0, &res, &f->lg);

	if (err)
		test_fail(__FILE__, __LINE__, "core_calc([%u] + \"%s\", kind %u) = %d: %s",
			  type_id, acc, kind, err, f->log);
	return res;
}

static int calc_err(struct fx *f, uint32_t type_id, const char *acc, uint32_t kind)
{
	struct bpf_core_relo r = relo(f, type_id, acc, kind);
	struct core_res res;

	f->log[0] = '\0';
	log_init(&f->lg, f->log, sizeof(f->log));
	return core_calc(f->local, f->targ, &r, "test", 0, &res, &f->lg);
}

#define INSN(c, d, s, o, i)                                                                     \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV_K(imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, (imm))
#define LDX(sz, off) INSN(BPF_LDX | BPF_MEM | (sz), 0, 1, (off), 0)
#define POISONED(in) ((in).code == (BPF_JMP | BPF_CALL) && (in).imm == CORE_POISON_IMM && \
		      !(in).dst_reg && !(in).src_reg && !(in).off)

/* core_apply() on insns; returns its result, message in f->msg. */
static int apply(struct fx *f, uint32_t type_id, const char *acc, uint32_t kind,
		 struct bpf_insn *insns, size_t cnt, char *msg)
{
	struct bpf_core_relo r = relo(f, type_id, acc, kind);

	f->log[0] = '\0';
	log_init(&f->lg, f->log, sizeof(f->log));
	if (msg)
		msg[0] = '\0';
	return core_apply(f->local, f->targ, &r, "test", 0, insns, cnt, msg, msg ? 256 : 0,
			  &f->lg);
}

static void ldimm64(struct bpf_insn in[2], uint64_t v)
{
	in[0] = INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, (int32_t)(uint32_t)v);
	in[1] = INSN(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static uint64_t imm64(const struct bpf_insn in[2])
{
	return (uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
}

/* ---------------------------------------------------------------------------------------
 * The pure calculation. */

TEST(core_essential_name)
{
	CHECK_EQ(core_essential_len("sample"), 6);
	CHECK_EQ(core_essential_len("sample___flavor"), 6);
	CHECK_EQ(core_essential_len("sample___a___b"), 10);	/* the last separator */
	CHECK_EQ(core_essential_len("sample____x"), 11);	/* "____": Y is '_' */
	CHECK_EQ(core_essential_len("___x"), 4);		/* no X */
	CHECK_EQ(core_essential_len("a___"), 4);		/* no Y */
	CHECK_EQ(core_essential_len("__sk_buff___flavor"), 9);
	CHECK_EQ(core_essential_len(""), 0);
	CHECK_EQ(core_essential_len("a___b"), 1);
}

TEST(core_field_byte_offset)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	/* a: local @52, target @0 (target found through the "sample" flavor) */
	r = calc(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 52);
	CHECK_EQ(r.new_val, 0);
	CHECK(r.validate && !r.poison && !r.fail_memsz);
	CHECK_EQ(r.orig_sz, 4);
	CHECK_EQ(r.new_sz, 4);
	CHECK_STR(r.what, "struct sample___local.a");
	/* arr[2]: element 4 bytes; local 20 + 8, target 4 + 8 */
	r = calc(&f, L_SAMPLE, "0:4:2", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 28);
	CHECK_EQ(r.new_val, 12);
	CHECK_EQ(r.orig_sz, 4);
	CHECK_EQ(r.new_sz, 4);
	CHECK_STR(r.what, "struct sample___local.arr[2]");
	/* x, y, z through anonymous members: local union @8, target union @24 */
	r = calc(&f, L_SAMPLE, "0:1:0:0", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 8);
	CHECK_EQ(r.new_val, 24);
	CHECK_STR(r.what, "struct sample___local.x");
	r = calc(&f, L_SAMPLE, "0:1:0:1", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 12);
	CHECK_EQ(r.new_val, 28);
	r = calc(&f, L_SAMPLE, "0:1:1", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 8);
	CHECK_EQ(r.new_val, 24);
	CHECK_EQ(r.orig_sz, 8);
	/* a pointer */
	r = calc(&f, L_SAMPLE, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 0);
	CHECK_EQ(r.new_val, 32);
	CHECK_EQ(r.new_sz, 8);
	/* the pointer used as an array: sample[1].a */
	r = calc(&f, L_SAMPLE, "1:5", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 80 + 52);
	CHECK_EQ(r.new_val, 56 + 0);
	CHECK_STR(r.what, "struct sample___local[1].a");
	/* a flexible array element past its (zero) bound */
	r = calc(&f, L_SAMPLE, "0:9:3", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 80 + 12);
	CHECK_EQ(r.new_val, 52 + 12);
	/* the root itself */
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 0);
	CHECK_EQ(r.new_val, 0);
	CHECK_EQ(r.orig_sz, 80);
	CHECK_EQ(r.new_sz, 56);
out:
	fx_free(&f);
}

TEST(core_field_size_signed_exists)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	r = calc(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_SIZE);
	CHECK_EQ(r.orig_val, 4);
	CHECK_EQ(r.new_val, 4);
	r = calc(&f, L_SAMPLE, "0:4", BPF_CORE_FIELD_BYTE_SIZE); /* the whole array */
	CHECK_EQ(r.orig_val, 32);
	CHECK_EQ(r.new_val, 16);
	r = calc(&f, L_SAMPLE, "0:4:2", BPF_CORE_FIELD_BYTE_SIZE); /* one element */
	CHECK_EQ(r.orig_val, 4);
	CHECK_EQ(r.new_val, 4);
	r = calc(&f, L_SAMPLE, "0:7", BPF_CORE_FIELD_BYTE_SIZE);
	CHECK_EQ(r.orig_val, 8);
	CHECK_EQ(r.new_val, 4);
	r = calc(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_SIGNED);
	CHECK_EQ(r.orig_val, 1);
	CHECK_EQ(r.new_val, 1);
	CHECK(r.validate);
	r = calc(&f, L_SAMPLE, "0:8", BPF_CORE_FIELD_SIGNED); /* u64 locally, int in target */
	CHECK_EQ(r.orig_val, 0);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_EXISTS);
	CHECK_EQ(r.orig_val, 1);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_SAMPLE, "0:6", BPF_CORE_FIELD_EXISTS);
	CHECK_EQ(r.orig_val, 1);
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_NOTHERE, "0:0", BPF_CORE_FIELD_EXISTS); /* no such type at all */
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	/* index 5 of a local arr[8]: the target's arr[4] has no element 5 */
	r = calc(&f, L_SAMPLE, "0:4:5", BPF_CORE_FIELD_EXISTS);
	CHECK_EQ(r.new_val, 0);
out:
	fx_free(&f);
}

TEST(core_field_bitfields)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	/* bf1: local bits 133..135 in a 4-byte unit at 16; target bits 320..322, unit at 40 */
	r = calc(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 16);
	CHECK_EQ(r.new_val, 40);
	CHECK(!r.validate); /* compilers lay bitfield loads out their own way */
	CHECK_EQ(r.orig_sz, 0);
	r = calc(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_BYTE_SIZE);
	CHECK_EQ(r.orig_val, 4);
	CHECK_EQ(r.new_val, 4);
	r = calc(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_LSHIFT_U64);
	CHECK_EQ(r.orig_val, 64 - (133 + 3 - 128));
	CHECK_EQ(r.new_val, 64 - (320 + 3 - 320));
	CHECK(!r.validate);
	r = calc(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_RSHIFT_U64);
	CHECK_EQ(r.orig_val, 61);
	CHECK_EQ(r.new_val, 61);
	CHECK(r.validate);
	r = calc(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_SIGNED);
	CHECK_EQ(r.new_val, 0);
	CHECK(r.validate);
	/* bf2: local bits 128..132; target 323..327 */
	r = calc(&f, L_SAMPLE, "0:2", BPF_CORE_FIELD_LSHIFT_U64);
	CHECK_EQ(r.orig_val, 64 - 5);
	CHECK_EQ(r.new_val, 64 - (323 + 5 - 320));
	r = calc(&f, L_SAMPLE, "0:2", BPF_CORE_FIELD_RSHIFT_U64);
	CHECK_EQ(r.orig_val, 59);
	CHECK_EQ(r.new_val, 59);
	r = calc(&f, L_SAMPLE, "0:2", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(r.orig_val, 16);
	CHECK_EQ(r.new_val, 40);
out:
	fx_free(&f);
}

TEST(core_field_poison)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	r = calc(&f, L_SAMPLE, "0:6", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK(r.poison);
	CHECK_STR(r.what, "struct sample___local.missing");
	CHECK_STR(r.why, "exbpf's struct sample has no field 'missing'");
	r = calc(&f, L_SAMPLE, "0:4:5", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK(r.poison);
	CHECK_STR(r.why, "index 5 is past exbpf's array of 4");
	r = calc(&f, L_NOTHERE, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK(r.poison);
	CHECK_STR(r.what, "struct nothere.q");
	CHECK_STR(r.why, "exbpf provides no type 'nothere'");
	for (uint32_t k = BPF_CORE_FIELD_BYTE_SIZE; k <= BPF_CORE_FIELD_RSHIFT_U64; k++) {
		if (k == BPF_CORE_FIELD_EXISTS)
			continue;
		r = calc(&f, L_NOTHERE, "0:0", k);
		CHECK(r.poison);
	}
	/* mismatch.q is a u64 locally, an int in the target: integers are compatible whatever
	 * their size, so the field resolves; only a load/store of it would be poisoned */
	r = calc(&f, L_MISMATCH, "0:0", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK(!r.poison);
	CHECK(r.fail_memsz); /* 8 -> 4 bytes, target int is signed */
out:
	fx_free(&f);
}

TEST(core_type_kinds)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	r = calc(&f, L_OTHER, "0", BPF_CORE_TYPE_EXISTS);
	CHECK_EQ(r.orig_val, 1);
	CHECK_EQ(r.new_val, 1);
	CHECK_STR(r.what, "struct other");
	r = calc(&f, L_NOTHERE, "0", BPF_CORE_TYPE_EXISTS);
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_TYPE_SIZE);
	CHECK_EQ(r.orig_val, 80);
	CHECK_EQ(r.new_val, 56);
	r = calc(&f, L_NOTHERE, "0", BPF_CORE_TYPE_SIZE); /* libbpf: 0, not poisoned */
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_TYPE_ID_TARGET);
	CHECK_EQ(r.new_val, T_SAMPLE);
	CHECK(!r.validate);
	r = calc(&f, L_OTHER_T, "0", BPF_CORE_TYPE_ID_TARGET); /* a typedef finds the typedef */
	CHECK_EQ(r.new_val, T_OTHER_T);
	r = calc(&f, L_NOTHERE, "0", BPF_CORE_TYPE_ID_TARGET);
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_TYPE_ID_LOCAL);
	CHECK_EQ(r.orig_val, L_SAMPLE);
	CHECK_EQ(r.new_val, L_SAMPLE);
	CHECK(!r.validate);
	r = calc(&f, L_NOTHERE, "0", BPF_CORE_TYPE_ID_LOCAL); /* never looks at the target */
	CHECK_EQ(r.new_val, L_NOTHERE);
	r = calc(&f, L_ANON, "0", BPF_CORE_TYPE_ID_LOCAL); /* anonymous is fine locally */
	CHECK_EQ(r.new_val, L_ANON);
	/* matches: other { int q } == other { int q }; mismatch { u64 q } != { int q }, though
	 * it exists and is compatible (compatibility ignores members) */
	r = calc(&f, L_OTHER, "0", BPF_CORE_TYPE_MATCHES);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_OTHER_T, "0", BPF_CORE_TYPE_MATCHES);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_MISMATCH, "0", BPF_CORE_TYPE_MATCHES);
	CHECK_EQ(r.orig_val, 1);
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_MISMATCH, "0", BPF_CORE_TYPE_EXISTS);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_NOTHERE, "0", BPF_CORE_TYPE_MATCHES);
	CHECK_EQ(r.new_val, 0);
	/* the flavored sample___local does not match sample: its members differ */
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_TYPE_MATCHES);
	CHECK_EQ(r.new_val, 0);
	r = calc(&f, L_SAMPLE, "0", BPF_CORE_TYPE_EXISTS);
	CHECK_EQ(r.new_val, 1);
out:
	fx_free(&f);
}

TEST(core_enum_kinds)
{
	struct fx f;
	struct core_res r;

	if (!fx_init(&f))
		goto out;
	r = calc(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE); /* GREEN___x -> GREEN */
	CHECK_EQ(r.orig_val, 11);
	CHECK_EQ(r.new_val, 5);
	CHECK_STR(r.what, "enum color___l::GREEN___x");
	r = calc(&f, L_COLOR, "3", BPF_CORE_ENUMVAL_VALUE); /* a negative value, sign-extended */
	CHECK_EQ(r.orig_val, 3);
	CHECK_EQ(r.new_val, (uint64_t)-2);
	r = calc(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_EXISTS);
	CHECK_EQ(r.new_val, 1);
	r = calc(&f, L_COLOR, "2", BPF_CORE_ENUMVAL_EXISTS);
	CHECK_EQ(r.new_val, 0);
	CHECK(!r.poison);
	r = calc(&f, L_COLOR, "2", BPF_CORE_ENUMVAL_VALUE);
	CHECK(r.poison);
	CHECK_STR(r.why, "exbpf's enum color has no value 'MISSING'");
	/* a 32-bit local enum against a 64-bit target enum */
	r = calc(&f, L_BIG, "0", BPF_CORE_ENUMVAL_VALUE);
	CHECK_EQ(r.orig_val, 7);
	CHECK_EQ(r.new_val, 0x100000000ull);
out:
	fx_free(&f);
}

TEST(core_patch_instructions)
{
	struct fx f;
	struct bpf_insn in[3];
	char msg[256];

	if (!fx_init(&f))
		goto out;
	/* LDX: offset moves, size stays */
	in[0] = LDX(BPF_W, 52);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].off, 0);
	CHECK_EQ(in[0].code, BPF_LDX | BPF_MEM | BPF_W);
	/* LDX of an unsigned u64 that is a u32 in the target: DW -> W */
	in[0] = LDX(BPF_DW, 64);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:7", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].off, 44);
	CHECK_EQ(in[0].code, BPF_LDX | BPF_MEM | BPF_W);
	/* STX and ST too */
	in[0] = INSN(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 64, 0);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:7", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].code, BPF_STX | BPF_MEM | BPF_W);
	CHECK_EQ(in[0].off, 44);
	in[0] = INSN(BPF_ST | BPF_MEM | BPF_W, 1, 0, 28, 9);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:4:2", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].off, 12);
	CHECK_EQ(in[0].imm, 9);
	/* a size change of a signed field poisons */
	in[0] = LDX(BPF_DW, 72);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:8", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 1);
	CHECK(POISONED(in[0]));
	CHECK_STR(msg, "CO-RE relocation: struct sample___local.s: the field is 4 bytes in exbpf, "
		       "not 8, and only pointers and unsigned integers may change size");
	/* ... but an ALU use of the same offset is fine */
	in[0] = MOV_K(72);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:8", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, 48);
	/* ALU imm, 32-bit ALU too */
	in[0] = MOV_K(80);
	CHECK_EQ(apply(&f, L_SAMPLE, "0", BPF_CORE_TYPE_SIZE, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, 56);
	in[0] = INSN(BPF_ALU | BPF_ADD | BPF_K, 1, 0, 0, 52);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, 0);
	/* ld_imm64: 64-bit values, the high word too */
	ldimm64(in, 7);
	CHECK_EQ(apply(&f, L_BIG, "0", BPF_CORE_ENUMVAL_VALUE, in, 2, msg), 0);
	CHECK_EQ(imm64(in), 0x100000000ull);
	CHECK_EQ(in[0].code, BPF_LD | BPF_IMM | BPF_DW);
	CHECK_EQ(in[1].code, 0);
	ldimm64(in, 3);
	CHECK_EQ(apply(&f, L_COLOR, "3", BPF_CORE_ENUMVAL_VALUE, in, 2, msg), 0);
	CHECK_EQ(imm64(in), (uint64_t)-2);
	/* type ids are not validated: any value is replaced */
	ldimm64(in, 12345);
	CHECK_EQ(apply(&f, L_SAMPLE, "0", BPF_CORE_TYPE_ID_TARGET, in, 2, msg), 0);
	CHECK_EQ(imm64(in), T_SAMPLE);
	in[0] = MOV_K(999);
	CHECK_EQ(apply(&f, L_SAMPLE, "0", BPF_CORE_TYPE_ID_LOCAL, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, L_SAMPLE);
	/* bitfield values are not validated either (except the right shift and signedness) */
	in[0] = MOV_K(4);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, 40);
	in[0] = MOV_K(60);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:3", BPF_CORE_FIELD_RSHIFT_U64, in, 1, msg), -EINVAL);
	CHECK_CONTAINS(f.log, "unexpected insn value");
	/* existence: 1 -> 0 without poisoning */
	in[0] = MOV_K(1);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:6", BPF_CORE_FIELD_EXISTS, in, 1, msg), 0);
	CHECK_EQ(in[0].imm, 0);
	CHECK_STR(msg, "");
out:
	fx_free(&f);
}

TEST(core_poison_instructions)
{
	struct fx f;
	struct bpf_insn in[3];
	char msg[256];

	if (!fx_init(&f))
		goto out;
	in[0] = LDX(BPF_W, 56);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:6", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 1);
	CHECK(POISONED(in[0]));
	CHECK_STR(msg, "CO-RE relocation: struct sample___local.missing: exbpf's struct sample "
		       "has no field 'missing'");
	in[0] = LDX(BPF_W, 0);
	CHECK_EQ(apply(&f, L_NOTHERE, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, msg), 1);
	CHECK(POISONED(in[0]));
	CHECK_STR(msg, "CO-RE relocation: struct nothere.q: exbpf provides no type 'nothere'");
	/* both slots of an ld_imm64 */
	ldimm64(in, 12);
	in[2] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	CHECK_EQ(apply(&f, L_COLOR, "2", BPF_CORE_ENUMVAL_VALUE, in, 3, msg), 1);
	CHECK(POISONED(in[0]));
	CHECK(POISONED(in[1]));
	CHECK_EQ(in[2].code, BPF_JMP | BPF_EXIT);
	CHECK_STR(msg, "CO-RE relocation: enum color___l::MISSING: exbpf's enum color has no "
		       "value 'MISSING'");
	/* the instruction value is not checked when poisoning */
	in[0] = MOV_K(12345);
	CHECK_EQ(apply(&f, L_NOTHERE, "0:0", BPF_CORE_FIELD_BYTE_SIZE, in, 1, msg), 1);
	CHECK(POISONED(in[0]));
out:
	fx_free(&f);
}

TEST(core_flavors_and_ambiguity)
{
	struct bb lb, tb;
	struct exbpf_btf *local = NULL, *targ = NULL;
	struct bpf_core_relo r = {.kind = BPF_CORE_FIELD_BYTE_OFFSET};
	struct core_res res;
	char buf[1024];
	struct log log;
	uint32_t acc0;

	/* local: struct s___mine { int a; int b; } */
	bb_init(&lb);
	bb_int(&lb, "int", 4, true);
	bb_struct(&lb, "s___mine", 2, false, 8);
	bb_member(&lb, "a", 1, 0, 0);
	bb_member(&lb, "b", 1, 32, 0);
	bb_str(&lb, "0");
	acc0 = bb_str(&lb, "0:0");
	bb_str(&lb, "0:1");
	local = bb_parse(&lb);

	/* target: s { int a; }  s___v2 { int b; int a; }: a is at 0 in one, 4 in the other */
	bb_init(&tb);
	bb_int(&tb, "int", 4, true);
	bb_struct(&tb, "s", 1, false, 4);
	bb_member(&tb, "a", 1, 0, 0);
	bb_struct(&tb, "s___v2", 2, false, 8);
	bb_member(&tb, "b", 1, 0, 0);
	bb_member(&tb, "a", 1, 32, 0);
	targ = bb_parse(&tb);
	if (!local || !targ)
		goto out;

	r.type_id = 2;
	r.access_str_off = acc0;
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(core_calc(local, targ, &r, "sec", 3, &res, &log), -EINVAL);
	CHECK_CONTAINS(buf, "ambiguous");
	CHECK_CONTAINS(buf, "sec 'sec': CO-RE relocation #3");
	/* b exists only in s___v2: one candidate matches, no ambiguity */
	r.access_str_off = bb_str(&lb, "0:1");
	CHECK_EQ(core_calc(local, targ, &r, "sec", 3, &res, &log), 0);
	CHECK_EQ(res.new_val, 0);
	/* as in libbpf, the bit offsets must agree whatever the kind, existence included */
	r.kind = BPF_CORE_FIELD_EXISTS;
	r.access_str_off = acc0;
	CHECK_EQ(core_calc(local, targ, &r, "sec", 3, &res, &log), -EINVAL);
	r.kind = BPF_CORE_TYPE_SIZE; /* 4 and 8: ambiguous */
	r.access_str_off = bb_str(&lb, "0");
	CHECK_EQ(core_calc(local, targ, &r, "sec", 3, &res, &log), -EINVAL);
	exbpf_btf__free(targ);

	/* target: s { int a; }  s___v2 { int a; int b; }: a agrees, no ambiguity */
	bb_init(&tb);
	bb_int(&tb, "int", 4, true);
	bb_struct(&tb, "s", 1, false, 4);
	bb_member(&tb, "a", 1, 0, 0);
	bb_struct(&tb, "s___v2", 2, false, 8);
	bb_member(&tb, "a", 1, 0, 0);
	bb_member(&tb, "b", 1, 32, 0);
	bb_struct(&tb, "s_other", 1, false, 4); /* not a flavor of s: ignored */
	bb_member(&tb, "a", 1, 0, 0);
	targ = bb_parse(&tb);
	if (!targ)
		goto out;
	r.kind = BPF_CORE_FIELD_BYTE_OFFSET;
	r.access_str_off = acc0;
	CHECK_EQ(core_calc(local, targ, &r, "sec", 3, &res, &log), 0);
	CHECK_EQ(res.new_val, 0);
	CHECK(!res.poison);
out:
	exbpf_btf__free(local);
	exbpf_btf__free(targ);
}

TEST(core_field_type_compat)
{
	struct bb lb, tb;
	struct exbpf_btf *local = NULL, *targ = NULL;
	struct bpf_core_relo r = {.type_id = 4, .kind = BPF_CORE_FIELD_BYTE_OFFSET};
	struct core_res res;
	char buf[1024];
	struct log log;

	/* local: struct t { int p; struct inner q; int *r; }   target: struct t { int *p;
	 * int q; int *r; }: p and q change kind (poisoned), r stays a pointer */
	bb_init(&lb);
	bb_int(&lb, "int", 4, true);		/* 1 */
	bb_struct(&lb, "inner", 1, false, 4); /* 2 */
	bb_member(&lb, "v", 1, 0, 0);
	bb_ptr(&lb, 1);			    /* 3 */
	bb_struct(&lb, "t", 3, false, 16); /* 4 */
	bb_member(&lb, "p", 1, 0, 0);
	bb_member(&lb, "q", 2, 32, 0);
	bb_member(&lb, "r", 3, 64, 0);
	bb_str(&lb, "0:0");
	bb_str(&lb, "0:1");
	bb_str(&lb, "0:2");
	local = bb_parse(&lb);
	bb_init(&tb);
	bb_int(&tb, "int", 4, true);	    /* 1 */
	bb_ptr(&tb, 1);			    /* 2 */
	bb_struct(&tb, "t", 3, false, 24); /* 3 */
	bb_member(&tb, "p", 2, 0, 0);
	bb_member(&tb, "q", 1, 64, 0);
	bb_member(&tb, "r", 2, 128, 0);
	targ = bb_parse(&tb);
	if (!local || !targ)
		goto out;
	log_init(&log, buf, sizeof(buf));
	r.access_str_off = bb_str(&lb, "0:0");
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), 0);
	CHECK(res.poison);
	CHECK_STR(res.why, "field 'p' of exbpf's struct t has an incompatible type");
	r.access_str_off = bb_str(&lb, "0:1");
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), 0);
	CHECK(res.poison);
	r.access_str_off = bb_str(&lb, "0:2");
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), 0);
	CHECK(!res.poison);
	CHECK_EQ(res.new_val, 16);
out:
	exbpf_btf__free(local);
	exbpf_btf__free(targ);
}

/* bpf_core_types_match() rules, one struct per rule. */
TEST(core_type_matches_rules)
{
	struct bb lb, tb;
	struct exbpf_btf *local = NULL, *targ = NULL;
	struct core_res res;
	char buf[1024];
	struct log log;
	uint32_t ids[8], n = 0;
	uint32_t fp;

	/* local */
	bb_init(&lb);
	bb_int(&lb, "int", 4, true);		  /* 1 */
	bb_int(&lb, "unsigned int", 4, false);	  /* 2 */
	bb_struct(&lb, "inner", 1, false, 4);	  /* 3: a full struct here */
	bb_member(&lb, "v", 1, 0, 0);
	bb_ptr(&lb, 3);				  /* 4 */
	ids[n++] = bb_struct(&lb, "m1", 1, false, 8); /* 5: match (pointer to fwd) */
	bb_member(&lb, "p", 4, 0, 0);
	bb_enum(&lb, "e2", 2, false, 4);	  /* 6 */
	bb_enumval(&lb, "A", 0);
	bb_enumval(&lb, "B", 1);
	ids[n++] = bb_struct(&lb, "m2", 1, false, 4); /* 7: match (enum names subset) */
	bb_member(&lb, "v", 6, 0, 0);
	bb_array(&lb, 1, 1, 2);			  /* 8 */
	ids[n++] = bb_struct(&lb, "m4", 1, false, 8); /* 9: no (array length) */
	bb_member(&lb, "a", 8, 0, 0);
	ids[n++] = bb_struct(&lb, "m5", 1, false, 4); /* 10: no (signedness) */
	bb_member(&lb, "a", 2, 0, 0);
	fp = bb_type(&lb, NULL, BTF_KIND_FUNC_PROTO, 1, false, 1); /* 11: int (*)(int) */
	bb_w(&lb, 0);
	bb_w(&lb, 1);
	bb_ptr(&lb, fp);			  /* 12 */
	ids[n++] = bb_struct(&lb, "m6", 1, false, 8); /* 13: no (parameter count) */
	bb_member(&lb, "f", 12, 0, 0);
	ids[n++] = bb_struct(&lb, "m7", 1, false, 4); /* 14: no (member name) */
	bb_member(&lb, "renamed", 1, 0, 0);
	bb_str(&lb, "0");
	local = bb_parse(&lb);

	/* target */
	bb_init(&tb);
	bb_int(&tb, "int", 4, true);		/* 1 */
	bb_type(&tb, "inner", BTF_KIND_FWD, 0, false, 0); /* 2 */
	bb_ptr(&tb, 2);				/* 3 */
	bb_struct(&tb, "m1", 1, false, 8);	/* 4 */
	bb_member(&tb, "p", 3, 0, 0);
	bb_enum(&tb, "e2", 3, false, 4);	/* 5 */
	bb_enumval(&tb, "B", 7);
	bb_enumval(&tb, "A", 8);
	bb_enumval(&tb, "C", 9);
	bb_struct(&tb, "m2", 1, false, 4);	/* 6 */
	bb_member(&tb, "v", 5, 0, 0);
	bb_array(&tb, 1, 1, 3);			/* 7 */
	bb_struct(&tb, "m4", 1, false, 12);	/* 8 */
	bb_member(&tb, "a", 7, 0, 0);
	bb_struct(&tb, "m5", 1, false, 4);	/* 9 */
	bb_member(&tb, "a", 1, 0, 0);
	fp = bb_type(&tb, NULL, BTF_KIND_FUNC_PROTO, 2, false, 1); /* 10: int (*)(int, int) */
	bb_w(&tb, 0);
	bb_w(&tb, 1);
	bb_w(&tb, 0);
	bb_w(&tb, 1);
	bb_ptr(&tb, fp);			/* 11 */
	bb_struct(&tb, "m6", 1, false, 8);	/* 12 */
	bb_member(&tb, "f", 11, 0, 0);
	bb_struct(&tb, "m7", 1, false, 4);	/* 13 */
	bb_member(&tb, "a", 1, 0, 0);
	targ = bb_parse(&tb);
	if (!local || !targ)
		goto out;

	log_init(&log, buf, sizeof(buf));
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_core_relo r = {.type_id = ids[i], .access_str_off = bb_str(&lb, "0"),
					  .kind = BPF_CORE_TYPE_MATCHES};
		uint64_t want = i < 2;

		CHECK_EQ(core_calc(local, targ, &r, "s", i, &res, &log), 0);
		if (res.new_val != want)
			test_fail(__FILE__, __LINE__, "TYPE_MATCHES of %s: %" PRIu64 ", expected %" PRIu64,
				  exbpf_btf__type_name(local, ids[i]), res.new_val, want);
		/* every one of them exists, and is compatible for TYPE_EXISTS */
		r.kind = BPF_CORE_TYPE_EXISTS;
		CHECK_EQ(core_calc(local, targ, &r, "s", i, &res, &log), 0);
		CHECK_EQ(res.new_val, 1);
	}
	CHECK_STR(buf, "");
out:
	exbpf_btf__free(local);
	exbpf_btf__free(targ);
}

TEST(core_malformed_records)
{
	struct fx f;
	struct bpf_core_relo r;
	struct core_res res;
	struct bpf_insn in[2];
	static const char *const bad_access[] = {"", "0:", ":0", "a", "0::1", "99999999999"};

	if (!fx_init(&f))
		goto out;
	/* type ids: void and out of range */
	CHECK_EQ(calc_err(&f, 0, "0:0", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	CHECK_CONTAINS(f.log, "type id 0");
	CHECK_EQ(calc_err(&f, 1000, "0:0", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	/* kind */
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:0", 13), -EINVAL);
	CHECK_CONTAINS(f.log, "unknown relocation kind 13");
	/* access strings */
	for (size_t i = 0; i < sizeof(bad_access) / sizeof(bad_access[0]); i++) {
		CHECK_EQ(calc_err(&f, L_SAMPLE, bad_access[i], BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
		CHECK(f.log[0] != '\0');
	}
	r = relo(&f, L_SAMPLE, "0", BPF_CORE_FIELD_BYTE_OFFSET);
	r.access_str_off = 1u << 20; /* outside the string section */
	f.log[0] = '\0';
	CHECK_EQ(core_calc(f.local, f.targ, &r, "t", 0, &res, &f.lg), -EINVAL);
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:0", BPF_CORE_TYPE_EXISTS), -EINVAL); /* needs "0" */
	CHECK_CONTAINS(f.log, "access string \"0\"");
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:42", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	CHECK_CONTAINS(f.log, "no member 42");
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:4:8", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:5:1", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	CHECK_CONTAINS(f.log, "neither struct, union nor array");
	CHECK_EQ(calc_err(&f, L_SAMPLE, "2147483647:5", BPF_CORE_FIELD_BYTE_OFFSET), -EINVAL);
	CHECK_CONTAINS(f.log, "overflows");
	/* enum values: index past the enum, more than one index, not an enum */
	CHECK_EQ(calc_err(&f, L_COLOR, "99999999999", BPF_CORE_ENUMVAL_VALUE), -EINVAL);
	CHECK_EQ(calc_err(&f, L_BIG, "1", BPF_CORE_ENUMVAL_VALUE), -EINVAL);
	CHECK_EQ(calc_err(&f, L_COLOR, "0:0", BPF_CORE_ENUMVAL_VALUE), -EINVAL);
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0", BPF_CORE_ENUMVAL_VALUE), -EINVAL);
	/* field kinds that do not apply to an array element */
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:4:2", BPF_CORE_FIELD_SIGNED), -EINVAL);
	CHECK_EQ(calc_err(&f, L_SAMPLE, "0:4:2", BPF_CORE_FIELD_LSHIFT_U64), -EINVAL);
	/* anonymous types cannot be looked up in the target */
	CHECK_EQ(calc_err(&f, L_ANON, "0", BPF_CORE_TYPE_EXISTS), -EOPNOTSUPP);
	/* instruction positions and kinds */
	in[0] = LDX(BPF_W, 52);
	r = relo(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET);
	r.insn_off = 4;
	CHECK_EQ(core_apply(f.local, f.targ, &r, "t", 0, in, 1, NULL, 0, &f.lg), -EINVAL);
	r.insn_off = 8;
	CHECK_EQ(core_apply(f.local, f.targ, &r, "t", 0, in, 1, NULL, 0, &f.lg), -EINVAL);
	r.insn_off = 0;
	in[0] = INSN(BPF_JMP | BPF_JA, 0, 0, 52, 0);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -EINVAL);
	CHECK_CONTAINS(f.log, "cannot carry a relocation");
	in[0] = INSN(BPF_ALU64 | BPF_ADD | BPF_X, 1, 2, 0, 52);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -EINVAL);
	/* even when the relocation would poison */
	in[0] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	CHECK_EQ(apply(&f, L_NOTHERE, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -EINVAL);
	/* an ld_imm64 cut off by the section end, or not a plain one */
	ldimm64(in, 11);
	CHECK_EQ(apply(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE, in, 1, NULL), -EINVAL);
	CHECK_CONTAINS(f.log, "ld_imm64");
	ldimm64(in, 11);
	in[0].src_reg = BPF_PSEUDO_MAP_FD;
	CHECK_EQ(apply(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE, in, 2, NULL), -EINVAL);
	ldimm64(in, 11);
	in[1].code = 0x18;
	CHECK_EQ(apply(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE, in, 2, NULL), -EINVAL);
	in[0] = INSN(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0);
	CHECK_EQ(apply(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE, in, 1, NULL), -EINVAL);
	/* the instruction does not hold the local value */
	in[0] = LDX(BPF_W, 50);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -EINVAL);
	CHECK_CONTAINS(f.log, "unexpected insn value: off 50, expected 52");
	CHECK_EQ(in[0].off, 50);
	in[0] = MOV_K(1);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_SIZE, in, 1, NULL), -EINVAL);
	ldimm64(in, 12);
	CHECK_EQ(apply(&f, L_COLOR, "1", BPF_CORE_ENUMVAL_VALUE, in, 2, NULL), -EINVAL);
	/* a size change the instruction does not fit: local u64 read with a 4-byte load */
	in[0] = LDX(BPF_W, 64);
	CHECK_EQ(apply(&f, L_SAMPLE, "0:7", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -EINVAL);
	CHECK_CONTAINS(f.log, "memory size");
out:
	fx_free(&f);
}

TEST(core_offset_out_of_range)
{
	struct fx f;
	struct bpf_insn in[1];

	if (!fx_init(&f))
		goto out;
	/* far.f is at byte 40000 in the target: no 16-bit offset holds it, an ALU imm does */
	in[0] = LDX(BPF_W, 0);
	CHECK_EQ(apply(&f, L_FAR, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), -ERANGE);
	CHECK_CONTAINS(f.log, "does not fit in 16 bits");
	in[0] = MOV_K(0);
	CHECK_EQ(apply(&f, L_FAR, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, in, 1, NULL), 0);
	CHECK_EQ(in[0].imm, 40000);
out:
	fx_free(&f);
}

TEST(core_no_target)
{
	struct fx f;
	struct core_res res;
	struct bpf_core_relo r;

	if (!fx_init(&f))
		goto out;
	/* a NULL target has no candidates: existence 0, offsets poisoned */
	r = relo(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_BYTE_OFFSET);
	CHECK_EQ(core_calc(f.local, NULL, &r, "t", 0, &res, &f.lg), 0);
	CHECK(res.poison);
	CHECK_STR(res.why, "exbpf provides no type 'sample'");
	r = relo(&f, L_SAMPLE, "0:5", BPF_CORE_FIELD_EXISTS);
	CHECK_EQ(core_calc(f.local, NULL, &r, "t", 0, &res, &f.lg), 0);
	CHECK_EQ(res.new_val, 0);
	CHECK(!res.poison);
out:
	fx_free(&f);
}

/* Deeply nested arrays and a hostile access string: bounded, never a crash. */
TEST(core_hostile_nesting)
{
	struct bb lb, tb;
	struct exbpf_btf *local = NULL, *targ = NULL;
	struct bpf_core_relo r = {.kind = BPF_CORE_FIELD_BYTE_OFFSET};
	struct core_res res;
	char acc[512], buf[1024];
	struct log log;
	uint32_t id;

	/* local: struct deep { int a[1][1]...[1] (20 dims) }; target: same name, same shape */
	for (int side = 0; side < 2; side++) {
		struct bb *b = side ? &tb : &lb;

		bb_init(b);
		id = bb_int(b, "int", 4, true);
		for (int i = 0; i < 20; i++)
			id = bb_array(b, id, 1, 1);
		bb_struct(b, "deep", 1, false, 4);
		bb_member(b, "a", id, 0, 0);
	}
	strcpy(acc, "0:0");
	for (int i = 0; i < 20; i++)
		strcat(acc, ":0");
	r.type_id = id + 1;
	r.access_str_off = bb_str(&lb, acc);
	strcat(acc, ":0"); /* one index too many: reaches the int */
	bb_str(&lb, acc);
	{
		/* 65 indices: over the limit */
		char many[256] = "0";
		for (int i = 0; i < 64; i++)
			strcat(many, ":0");
		bb_str(&lb, many);
	}
	local = bb_parse(&lb);
	targ = bb_parse(&tb);
	if (!local || !targ)
		goto out;
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), 0);
	CHECK_EQ(res.new_val, 0);
	CHECK(!res.poison);
	r.access_str_off = bb_str(&lb, acc);
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), -EINVAL);
	{
		char many[256] = "0";
		for (int i = 0; i < 64; i++)
			strcat(many, ":0");
		r.access_str_off = bb_str(&lb, many);
	}
	CHECK_EQ(core_calc(local, targ, &r, "s", 0, &res, &log), -EINVAL);
	CHECK_CONTAINS(buf, "malformed access string");
out:
	exbpf_btf__free(local);
	exbpf_btf__free(targ);
}

/* ---------------------------------------------------------------------------------------
 * exbpf's target BTF against the headers this test is compiled with. */

static int64_t targ_size(const struct exbpf_btf *btf, const char *name, uint32_t kind)
{
	int32_t id = exbpf_btf__find_by_name_kind(btf, name, kind);

	if (id <= 0) {
		test_fail(__FILE__, __LINE__, "target BTF has no %s", name);
		return -1;
	}
	return exbpf_btf__resolve_size(btf, (uint32_t)id);
}

static int64_t targ_member_off(const struct exbpf_btf *btf, const char *sname, const char *m)
{
	int32_t id = exbpf_btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? exbpf_btf__type_by_id(btf, (uint32_t)id) : NULL;

	for (uint16_t i = 0; t && i < exbpf_btf_vlen(t); i++) {
		const char *n = exbpf_btf__name_by_offset(btf, exbpf_btf_members(t)[i].name_off);
		if (n && !strcmp(n, m))
			return exbpf_btf_member_bit_offset(t, i) / 8;
	}
	test_fail(__FILE__, __LINE__, "target BTF has no %s.%s", sname, m);
	return -1;
}

TEST(core_target_btf_types)
{
	struct exbpf_btf *btf = NULL;
	char buf[512];
	struct log log;

	log_init(&log, buf, sizeof(buf));
	if (core_target_btf(&btf, &log)) {
		test_fail(__FILE__, __LINE__, "target BTF: %s", buf);
		return;
	}
#define SZ(name) CHECK_EQ(targ_size(btf, #name, BTF_KIND_STRUCT), sizeof(struct name))
	SZ(__sk_buff);
	SZ(xdp_md);
	SZ(bpf_sock);
	SZ(bpf_tcp_sock);
	SZ(bpf_sock_tuple);
	SZ(bpf_flow_keys);
	SZ(sk_msg_md);
	SZ(sk_reuseport_md);
	SZ(bpf_sock_ops);
	SZ(bpf_sock_addr);
	SZ(bpf_sysctl);
	SZ(bpf_sockopt);
	SZ(bpf_sk_lookup);
	SZ(bpf_raw_tracepoint_args);
	SZ(bpf_fib_lookup);
	SZ(bpf_tunnel_key);
	SZ(bpf_spin_lock);
	SZ(bpf_timer);
	SZ(bpf_dynptr);
	SZ(bpf_insn);
#undef SZ
	CHECK_EQ(targ_member_off(btf, "__sk_buff", "len"), offsetof(struct __sk_buff, len));
	CHECK_EQ(targ_member_off(btf, "__sk_buff", "cb"), offsetof(struct __sk_buff, cb));
	CHECK_EQ(targ_member_off(btf, "__sk_buff", "tstamp"), offsetof(struct __sk_buff, tstamp));
	CHECK_EQ(targ_member_off(btf, "xdp_md", "data_end"), offsetof(struct xdp_md, data_end));
	CHECK_EQ(targ_member_off(btf, "bpf_sock_ops", "op"), offsetof(struct bpf_sock_ops, op));
	CHECK(exbpf_btf__find_by_name_kind(btf, "bpf_map_type", BTF_KIND_ENUM) > 0);
	CHECK(exbpf_btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM) > 0);
	CHECK(exbpf_btf__find_by_name_kind(btf, "xdp_action", BTF_KIND_ENUM) > 0);
	CHECK(exbpf_btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) < 0);
	exbpf_btf__free(btf);
}

/* ---------------------------------------------------------------------------------------
 * Compiled programs through the loader. */

/* What the CO-RE record on (local type name, access string, kind) must resolve to. */
struct expect {
	const char *type;
	const char *access;
	uint32_t kind;
	uint64_t val;	/* off, imm or imm64 after patching */
	int size;	/* LDX/STX/ST: expected memory size in bytes; 0: unchanged */
	const char *poison; /* substring of the poison message, or NULL */
	bool seen;
};

static struct exbpf_object *open_prog(const char *name, char *log, size_t log_size)
{
	char path[512];
	struct exbpf_open_opts opts = {.sz = sizeof(opts), .log_buf = log, .log_size = log_size};
	struct exbpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", test_progs_dir(), name);
	obj = exbpf_object__open_file(path, &opts);
	if (!obj)
		test_fail(__FILE__, __LINE__, "open %s: errno %d: %s", path, errno, log);
	return obj;
}

static int insn_size(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_DW:
		return 8;
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

static const struct ld_poison *find_poison(const struct exbpf_object *obj, uint32_t code,
					   uint32_t insn)
{
	for (size_t i = 0; i < obj->npoisons; i++)
		if (obj->poisons[i].code == code && obj->poisons[i].insn == insn)
			return &obj->poisons[i];
	return NULL;
}

/* Checks every CO-RE record of section `sec` against `exp`; every entry must be used. */
static void check_records(const struct exbpf_object *obj, const char *sec, struct expect *exp,
			  size_t nexp)
{
	const struct btf_ext_sec *s = btf_ext_find(&obj->btf_ext->core_relo, sec);
	const struct ld_code *code = NULL;
	uint32_t ci = 0;

	for (; ci < obj->ncodes; ci++)
		if (!strcmp(obj->elf.secs[obj->codes[ci].sec].name, sec)) {
			code = &obj->codes[ci];
			break;
		}
	if (!s || !code) {
		test_fail(__FILE__, __LINE__, "no CO-RE records or code for section %s", sec);
		return;
	}
	for (uint32_t i = 0; i < s->cnt; i++) {
		struct bpf_core_relo rec;
		const char *tname, *acc;
		const struct bpf_insn *in;
		struct expect *e = NULL;
		uint32_t idx;

		memcpy(&rec, btf_ext_rec(s, i), sizeof(rec));
		tname = exbpf_btf__type_name(obj->btf, rec.type_id);
		acc = exbpf_btf__name_by_offset(obj->btf, rec.access_str_off);
		idx = rec.insn_off / 8;
		for (size_t j = 0; j < nexp; j++)
			if (!strcmp(exp[j].type, tname) && !strcmp(exp[j].access, acc) &&
			    exp[j].kind == rec.kind && !exp[j].seen) {
				e = &exp[j];
				break;
			}
		if (!e) {
			test_fail(__FILE__, __LINE__, "unexpected CO-RE record %s + \"%s\" kind %u",
				  tname, acc, rec.kind);
			continue;
		}
		e->seen = true;
		in = &code->insns[idx];
		if (e->poison) {
			const struct ld_poison *p = find_poison(obj, ci, idx);

			if (!POISONED(*in))
				test_fail(__FILE__, __LINE__, "%s + \"%s\": insn %u not poisoned",
					  tname, acc, idx);
			if (!p)
				test_fail(__FILE__, __LINE__, "%s + \"%s\": no poison record", tname,
					  acc);
			else
				CHECK_CONTAINS(p->msg, e->poison);
			if (in->code == (BPF_LD | BPF_IMM | BPF_DW) ||
			    (idx + 1 < code->cnt && POISONED(code->insns[idx + 1]) &&
			     rec.kind == BPF_CORE_ENUMVAL_VALUE))
				CHECK(POISONED(code->insns[idx + 1]));
			continue;
		}
		switch (BPF_CLASS(in->code)) {
		case BPF_LDX:
		case BPF_ST:
		case BPF_STX:
			if ((uint64_t)(int64_t)in->off != e->val)
				test_fail(__FILE__, __LINE__, "%s + \"%s\": off %d, expected %" PRIu64,
					  tname, acc, in->off, e->val);
			if (e->size && insn_size(in->code) != e->size)
				test_fail(__FILE__, __LINE__, "%s + \"%s\": size %d, expected %d",
					  tname, acc, insn_size(in->code), e->size);
			break;
		case BPF_LD:
			if (imm64(in) != e->val)
				test_fail(__FILE__, __LINE__,
					  "%s + \"%s\": imm64 %" PRIu64 ", expected %" PRIu64, tname,
					  acc, imm64(in), e->val);
			break;
		default:
			if ((uint64_t)(int64_t)in->imm != e->val)
				test_fail(__FILE__, __LINE__, "%s + \"%s\": imm %d, expected %" PRIu64,
					  tname, acc, in->imm, e->val);
			break;
		}
	}
	for (size_t j = 0; j < nexp; j++)
		if (!exp[j].seen)
			test_fail(__FILE__, __LINE__, "no CO-RE record %s + \"%s\" kind %u",
				  exp[j].type, exp[j].access, exp[j].kind);
}

TEST(core_prog_skb)
{
	char log[4096] = "";
	struct exbpf_object *obj = open_prog("core_skb", log, sizeof(log));
	struct exbpf_btf *targ = NULL;
	struct log lg;
	int32_t spin_lock_id = 0, local_flavor_id;
	const struct exbpf_prog *prog;
	const struct bpf_insn *insns;
	size_t cnt;

	if (!obj)
		return;
	log_init(&lg, log, sizeof(log));
	if (!core_target_btf(&targ, &lg))
		spin_lock_id = exbpf_btf__find_by_name_kind(targ, "bpf_spin_lock", BTF_KIND_STRUCT);
	exbpf_btf__free(targ);
	local_flavor_id =
		exbpf_btf__find_by_name_kind(obj->btf, "__sk_buff___flavor", BTF_KIND_STRUCT);
	CHECK(spin_lock_id > 0);
	CHECK(local_flavor_id > 0);

	{
		/* member indices of struct __sk_buff___flavor: mark 0, cb 1, len 2, protocol 3,
		 * priority 4, ifindex 5, exbpf_missing_field 6, flow_keys 7. Both programs are
		 * in section "tc". */
		struct expect exp[] = {
			/* core_skb */
			{"__sk_buff___flavor", "0:2", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, len), 4, NULL, false},
			{"__sk_buff___flavor", "0:3", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, protocol), 4, NULL, false},
			{"__sk_buff___flavor", "0:0", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, mark), 4, NULL, false},
			{"__sk_buff___flavor", "0:1:2", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, cb[2]), 4, NULL, false},
			{"__sk_buff___flavor", "0:5", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, ifindex), 4, NULL, false},
			{"__sk_buff___flavor", "0:4", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, priority), 4, NULL, false},
			{"__sk_buff___flavor", "0:6", BPF_CORE_FIELD_EXISTS, 0, 0, NULL, false},
			{"__sk_buff___flavor", "0:6", BPF_CORE_FIELD_BYTE_OFFSET, 0, 0,
			 "CO-RE relocation: struct __sk_buff___flavor.exbpf_missing_field: exbpf's "
			 "struct __sk_buff has no field 'exbpf_missing_field'",
			 false},
			{"__sk_buff___flavor", "0:7", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct __sk_buff, flow_keys), 8, NULL, false},
			{"__sk_buff___flavor", "0:2", BPF_CORE_FIELD_BYTE_SIZE,
			 sizeof(((struct __sk_buff *)0)->len), 0, NULL, false},
			{"__sk_buff___flavor", "0:4", BPF_CORE_FIELD_SIGNED, 0, 0, NULL, false},
			{"__sk_buff___flavor", "0:0", BPF_CORE_FIELD_EXISTS, 1, 0, NULL, false},
			/* core_types */
			{"exbpf_no_such_type", "0", BPF_CORE_TYPE_EXISTS, 0, 0, NULL, false},
			{"__sk_buff___flavor", "0", BPF_CORE_TYPE_SIZE, sizeof(struct __sk_buff), 0,
			 NULL, false},
			{"bpf_spin_lock___flavor", "0", BPF_CORE_TYPE_MATCHES, 1, 0, NULL, false},
			{"__sk_buff___flavor", "0", BPF_CORE_TYPE_ID_LOCAL, (uint64_t)local_flavor_id,
			 0, NULL, false},
			{"bpf_spin_lock___flavor", "0", BPF_CORE_TYPE_EXISTS, 1, 0, NULL, false},
			{"bpf_spin_lock___flavor", "0", BPF_CORE_TYPE_ID_TARGET,
			 (uint64_t)spin_lock_id, 0, NULL, false},
			{"bpf_map_type", "2", BPF_CORE_ENUMVAL_VALUE, BPF_MAP_TYPE_ARRAY, 0, NULL,
			 false},
			{"bpf_map_type___flavor", "0", BPF_CORE_ENUMVAL_VALUE, BPF_MAP_TYPE_RINGBUF,
			 0, NULL, false},
			{"bpf_map_type___flavor", "1", BPF_CORE_ENUMVAL_EXISTS, 0, 0, NULL, false},
			{"bpf_func_id___flavor", "0", BPF_CORE_ENUMVAL_VALUE,
			 BPF_FUNC_map_lookup_elem, 0, NULL, false},
			/* tuple_g.ipv4.dport: through the anonymous union (local member 1) */
			{"bpf_sock_tuple___flavor", "0:1:0:3", BPF_CORE_FIELD_BYTE_OFFSET,
			 offsetof(struct bpf_sock_tuple, ipv4.dport), 2, NULL, false},
			/* BPF_CORE_READ_BITFIELD(&insn_g, dst_reg) then src_reg: dst_reg is local
			 * member 2, src_reg member 1; in struct bpf_insn they are bits 8..11 and
			 * 12..15 */
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_BYTE_OFFSET, 1, 0, NULL, false},
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_BYTE_SIZE, 1, 0, NULL, false},
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_LSHIFT_U64, 64 - (8 + 4 - 8), 0,
			 NULL, false},
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_SIGNED, 0, 0, NULL, false},
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_RSHIFT_U64, 60, 0, NULL, false}, /* s>>= */
			{"bpf_insn___flavor", "0:2", BPF_CORE_FIELD_RSHIFT_U64, 60, 0, NULL, false}, /* >>= */
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_BYTE_OFFSET, 1, 0, NULL, false},
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_BYTE_SIZE, 1, 0, NULL, false},
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_LSHIFT_U64, 64 - (12 + 4 - 8), 0,
			 NULL, false},
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_SIGNED, 0, 0, NULL, false},
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_RSHIFT_U64, 60, 0, NULL, false}, /* s>>= */
			{"bpf_insn___flavor", "0:1", BPF_CORE_FIELD_RSHIFT_U64, 60, 0, NULL, false}, /* >>= */
		};
		check_records(obj, "tc", exp, sizeof(exp) / sizeof(exp[0]));
	}
	CHECK_EQ(obj->npoisons, 1);

	/* The linked program carries the patched instructions. */
	prog = exbpf_object__find_program_by_name(obj, "core_skb");
	CHECK(prog != NULL);
	if (prog && !exbpf_prog__insns(prog, &insns, &cnt)) {
		CHECK(cnt > 0);
		CHECK_EQ(insns[0].off, offsetof(struct __sk_buff, len));
		CHECK_EQ(insns[0].code, BPF_LDX | BPF_MEM | BPF_W);
	}
	exbpf_object__close(obj);
}

TEST(core_prog_poison)
{
	char log[4096] = "";
	struct exbpf_object *obj = open_prog("core_poison", log, sizeof(log));
	/* struct __sk_buff___poison: exbpf_missing_field 0, ifindex 1 */
	struct expect exp[] = {
		{"bpf_map_type___poison", "0", BPF_CORE_ENUMVAL_VALUE, 0, 0,
		 "CO-RE relocation: enum bpf_map_type___poison::BPF_MAP_TYPE_EXBPF_NOPE___poison: "
		 "exbpf's enum bpf_map_type has no value 'BPF_MAP_TYPE_EXBPF_NOPE___poison'",
		 false},
		{"bpf_func_id___poison", "0", BPF_CORE_ENUMVAL_VALUE, 0, 0,
		 "exbpf's enum bpf_func_id has no value 'BPF_FUNC_exbpf_nope___poison'", false},
		{"__sk_buff___poison", "0:1", BPF_CORE_FIELD_BYTE_OFFSET, 0, 0,
		 "CO-RE relocation: struct __sk_buff___poison.ifindex: the field is 4 bytes in "
		 "exbpf, not 8",
		 false},
		{"task_struct", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, 0, 0,
		 "CO-RE relocation: struct task_struct.pid: exbpf provides no type 'task_struct'",
		 false},
		{"__sk_buff___poison", "0:0", BPF_CORE_FIELD_BYTE_OFFSET, 0, 0,
		 "struct __sk_buff___poison.exbpf_missing_field: exbpf's struct __sk_buff has no "
		 "field 'exbpf_missing_field'",
		 false},
	};
	const struct exbpf_prog *prog;
	const struct bpf_insn *insns;
	size_t cnt, npoisoned = 0;

	if (!obj)
		return;
	check_records(obj, "tc", exp, sizeof(exp) / sizeof(exp[0]));
	CHECK_EQ(obj->npoisons, 5);
	/* the linked program: 5 poisoned relocations, two of them ld_imm64 (two slots each) */
	prog = exbpf_object__find_program_by_name(obj, "core_poison");
	if (prog && !exbpf_prog__insns(prog, &insns, &cnt))
		for (size_t i = 0; i < cnt; i++)
			npoisoned += POISONED(insns[i]);
	CHECK_EQ(npoisoned, 7);
	exbpf_object__close(obj);
}
