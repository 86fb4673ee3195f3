/* CO-RE relocations (BTF.ext core_relo records) against exbpf's target BTF, with libbpf's
 * semantics (relo_core.c, bpf_core_add_cands). For one record:
 *
 *   1. parse the access string against the local type into a "spec": the raw indices, the
 *      high-level accessors (named members and array indices; anonymous members are only
 *      walked through) and the bit offset they reach;
 *   2. candidates are the target types whose name equals the local one once a "___flavor"
 *      suffix is dropped from both, and whose kind is the local kind (any two enums match);
 *   3. each candidate is matched: fields by name through anonymous members, array indices
 *      within bounds, types compatible (bpf_core_fields_are_compat); whole types with the
 *      type-compatibility or type-match rules; enumerators by essential name;
 *   4. every matching candidate must give the same bit offset and value, else the relocation
 *      is ambiguous (an error);
 *   5. no match: FIELD_EXISTS, TYPE_EXISTS, ENUMVAL_EXISTS and TYPE_MATCHES give 0, and so
 *      do TYPE_SIZE and TYPE_ID_TARGET (libbpf, and bpf_core_read.h documents it); the
 *      other kinds poison the instruction (TYPE_ID_LOCAL never looks at the target);
 *   6. the instruction must hold the locally computed value ("unexpected insn" check), then
 *      is patched: ALU imm, LDX/ST/STX off (and memory size when the field size changed:
 *      allowed for pointers and unsigned integers, else the instruction is poisoned),
 *      LD_IMM64 imm.
 *
 * The target BTF is parsed from the embedded blob on each ld_core_relocate() call that has
 * CO-RE records (see there). */
#include "loader/core.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf_priv.h"
#include "common/array.h"
#include "loader/core_target_btf.h"
#include "loader/loader.h"

#define CORE_DEPTH 32		/* type chains and recursion levels, libbpf's bound */
#define CORE_BUDGET (1u << 20) /* matching steps per relocation: a backstop for hostile BTF */
#define CORE_POISONED 1		/* internal: the relocation must poison its instruction */

struct core_acc {
	uint32_t type_id; /* struct/union holding the member, or the array element type */
	uint32_t idx;	  /* member index or array index */
	const char *name; /* member name, NULL for an array index */
};

struct core_spec {
	const struct exbpf_btf *btf;
	uint32_t root_id; /* as in the record, modifiers not skipped */
	int len;	  /* high-level accessors */
	int raw_len;	  /* raw indices */
	uint64_t bit_off;
	struct core_acc acc[CORE_SPEC_MAX];
	uint32_t raw[CORE_SPEC_MAX];
};

struct core_ctx {
	const struct exbpf_btf *local, *targ;
	const struct bpf_core_relo *rec;
	const char *sec;
	uint32_t idx;
	struct log *log;
	uint32_t budget;
	char why[sizeof(((struct core_res *)0)->why)]; /* first reason a candidate failed */
};

/* ---- small helpers ---- */

static const char *kind_str(uint32_t kind)
{
	static const char *const names[] = {
		[BPF_CORE_FIELD_BYTE_OFFSET] = "byte_off",
		[BPF_CORE_FIELD_BYTE_SIZE] = "byte_sz",
		[BPF_CORE_FIELD_EXISTS] = "field_exists",
		[BPF_CORE_FIELD_SIGNED] = "signed",
		[BPF_CORE_FIELD_LSHIFT_U64] = "lshift_u64",
		[BPF_CORE_FIELD_RSHIFT_U64] = "rshift_u64",
		[BPF_CORE_TYPE_ID_LOCAL] = "local_type_id",
		[BPF_CORE_TYPE_ID_TARGET] = "target_type_id",
		[BPF_CORE_TYPE_EXISTS] = "type_exists",
		[BPF_CORE_TYPE_SIZE] = "type_size",
		[BPF_CORE_ENUMVAL_EXISTS] = "enumval_exists",
		[BPF_CORE_ENUMVAL_VALUE] = "enumval_value",
		[BPF_CORE_TYPE_MATCHES] = "type_matches",
	};
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static bool kind_is_field(uint32_t kind)
{
	return kind <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool kind_is_type(uint32_t kind)
{
	return kind == BPF_CORE_TYPE_ID_LOCAL || kind == BPF_CORE_TYPE_ID_TARGET ||
	       kind == BPF_CORE_TYPE_EXISTS || kind == BPF_CORE_TYPE_SIZE ||
	       kind == BPF_CORE_TYPE_MATCHES;
}

static bool kind_is_enumval(uint32_t kind)
{
	return kind == BPF_CORE_ENUMVAL_EXISTS || kind == BPF_CORE_ENUMVAL_VALUE;
}

/* The kind of a type, BTF_KIND_UNKN for void (NULL). */
static uint16_t kind_of(const struct btf_type *t)
{
	return t ? exbpf_btf_kind(t) : BTF_KIND_UNKN;
}

static bool is_enum_kind(uint16_t k)
{
	return k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64;
}

static bool is_composite(const struct btf_type *t)
{
	uint16_t k = kind_of(t);
	return k == BTF_KIND_STRUCT || k == BTF_KIND_UNION;
}

/* libbpf's btf_kind_core_compat(): same kind, or two enums of either width. */
static bool kinds_compat(uint16_t a, uint16_t b)
{
	return a == b || (is_enum_kind(a) && is_enum_kind(b));
}

static uint32_t int_encoding(const struct btf_type *t)
{
	return BTF_INT_ENCODING(exbpf_btf_int_info(t));
}

static uint32_t int_offset(const struct btf_type *t)
{
	return BTF_INT_OFFSET(exbpf_btf_int_info(t));
}

static const char *name_at(const struct exbpf_btf *btf, uint32_t off)
{
	const char *s = exbpf_btf__name_by_offset(btf, off);
	return s ? s : "";
}

static const char *type_name(const struct exbpf_btf *btf, const struct btf_type *t)
{
	return t ? name_at(btf, t->name_off) : "";
}

size_t core_essential_len(const char *name)
{
	size_t n = strlen(name);

	if (n < 5)
		return n;
	/* The last "X___Y" with X and Y not '_': the essential name ends at X. */
	for (size_t i = n - 4; i-- > 0;) {
		const char *s = name + i;
		if (s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_')
			return i + 1;
	}
	return n;
}

static bool essential_eq(const char *a, const char *b)
{
	size_t la = core_essential_len(a), lb = core_essential_len(b);
	return la == lb && strncmp(a, b, la) == 0;
}

/* bits += idx * bytes * 8, refused past 2^32 - 1 bits (libbpf keeps bit offsets in 32 bits). */
static bool add_scaled(uint64_t *bits, uint64_t idx, uint64_t bytes)
{
	uint64_t b;

	if (__builtin_mul_overflow(idx, bytes, &b) || __builtin_mul_overflow(b, 8, &b) ||
	    __builtin_add_overflow(*bits, b, &b) || b > UINT32_MAX)
		return false;
	*bits = b;
	return true;
}

static bool step(struct core_ctx *c)
{
	if (!c->budget)
		return false;
	c->budget--;
	return true;
}

/* ---- messages ---- */

struct sbuf {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *sb, const char *fmt,
							    ...)
{
	va_list ap;
	int n;

	if (!sb->size || sb->len >= sb->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len = sb->len + (size_t)n < sb->size ? sb->len + (size_t)n : sb->size - 1;
}

/* "struct foo", "union foo", "enum foo", "foo" (typedef, int, ...), "<anon struct>". */
static void sb_type(struct sbuf *sb, const struct exbpf_btf *btf, const struct btf_type *t)
{
	const char *name = type_name(btf, t);
	const char *prefix = "";

	switch (kind_of(t)) {
	case BTF_KIND_UNKN:
		sb_printf(sb, "void");
		return;
	case BTF_KIND_STRUCT:
		prefix = "struct";
		break;
	case BTF_KIND_UNION:
		prefix = "union";
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		prefix = "enum";
		break;
	case BTF_KIND_FWD:
		prefix = exbpf_btf_kflag(t) ? "union" : "struct";
		break;
	default:
		break;
	}
	if (!*name)
		sb_printf(sb, "<anon %s>", *prefix ? prefix : btf_kind_name(kind_of(t)));
	else if (*prefix)
		sb_printf(sb, "%s %s", prefix, name);
	else
		sb_printf(sb, "%s", name);
}

/* The relocated entity in C syntax, from the local spec. */
static void describe(const struct core_ctx *c, const struct core_spec *spec, char *buf,
		     size_t size)
{
	struct sbuf sb = {buf, size, 0};

	buf[0] = '\0';
	sb_type(&sb, c->local, exbpf_btf__type_by_id(c->local, c->rec->type_id));
	if (kind_is_enumval(c->rec->kind) && spec->len) {
		sb_printf(&sb, "::%s", spec->acc[0].name ? spec->acc[0].name : "?");
	} else if (kind_is_field(c->rec->kind)) {
		for (int i = 0; i < spec->len; i++) {
			if (spec->acc[i].name)
				sb_printf(&sb, ".%s", spec->acc[i].name);
			else if (i > 0 || spec->acc[i].idx > 0)
				sb_printf(&sb, "[%" PRIu32 "]", spec->acc[i].idx);
		}
	}
}

/* One log line naming the relocation, then the problem. Returns err. */
__attribute__((format(printf, 3, 4))) static int relo_err(const struct core_ctx *c, int err,
							  const char *fmt, ...)
{
	const struct btf_type *t = exbpf_btf__type_by_id(c->local, c->rec->type_id);
	const char *acc = exbpf_btf__name_by_offset(c->local, c->rec->access_str_off);
	char type[96];
	struct sbuf sb = {type, sizeof(type), 0};
	va_list ap;

	type[0] = '\0';
	sb_type(&sb, c->local, t);
	log_printf(c->log,
		   "sec '%.64s': CO-RE relocation #%" PRIu32 " (insn %" PRIu32 ", %s of [%" PRIu32
		   "] %s, access \"%.64s\"): ",
		   c->sec ? c->sec : "?", c->idx, c->rec->insn_off / LD_INSN_SZ,
		   kind_str(c->rec->kind), c->rec->type_id, t ? type : "<invalid>",
		   acc ? acc : "<invalid>");
	va_start(ap, fmt);
	log_vprintf(c->log, fmt, ap);
	va_end(ap);
	log_printf(c->log, "\n");
	return err;
}

/* Records why a candidate did not match; the first reason is kept. */
__attribute__((format(printf, 2, 3))) static void set_why(struct core_ctx *c, const char *fmt,
							  ...)
{
	va_list ap;

	if (c->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

static void targ_desc(const struct core_ctx *c, uint32_t id, char *buf, size_t size)
{
	struct sbuf sb = {buf, size, 0};

	buf[0] = '\0';
	sb_type(&sb, c->targ, exbpf_btf__type_by_id(c->targ, id));
}

/* ---- step 1: the local spec ---- */

static int parse_access(const char *s, uint32_t *raw, int *raw_len)
{
	int n = 0;

	for (;;) {
		uint64_t v = 0;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > INT32_MAX)
				return -EINVAL;
			s++;
		}
		if (n == CORE_SPEC_MAX)
			return -E2BIG;
		raw[n++] = (uint32_t)v;
		if (!*s)
			break;
		if (*s != ':')
			return -EINVAL;
		s++;
	}
	*raw_len = n;
	return 0;
}

/* A zero-length array that is the last member of its struct (acc is the member's accessor). */
static bool is_flex_array(const struct exbpf_btf *btf, const struct core_acc *acc,
			  const struct btf_array *arr)
{
	const struct btf_type *t;

	if (!acc->name || arr->nelems > 0)
		return false;
	t = exbpf_btf__type_by_id(btf, acc->type_id);
	return t && (uint32_t)exbpf_btf_vlen(t) == acc->idx + 1;
}

static int parse_spec(struct core_ctx *c, struct core_spec *spec)
{
	const struct exbpf_btf *btf = c->local;
	const struct bpf_core_relo *rec = c->rec;
	const char *str = exbpf_btf__name_by_offset(btf, rec->access_str_off);
	const struct btf_type *t;
	uint32_t id;
	int64_t sz;
	int err;

	memset(spec, 0, offsetof(struct core_spec, acc));
	spec->btf = btf;
	spec->root_id = rec->type_id;
	if (!str || !*str)
		return relo_err(c, -EINVAL, "empty access string");
	if (kind_is_type(rec->kind)) {
		if (strcmp(str, "0"))
			return relo_err(c, -EINVAL, "a type relocation needs the access string \"0\"");
		return 0;
	}
	err = parse_access(str, spec->raw, &spec->raw_len);
	if (err)
		return relo_err(c, -EINVAL, "malformed access string (at most %d indices up to %d, "
					    "separated by ':')",
				CORE_SPEC_MAX, INT32_MAX);

	t = exbpf_btf__skip_mods(btf, rec->type_id, &id);
	if (!t)
		return relo_err(c, -EINVAL, "the type resolves to void");
	spec->acc[0] = (struct core_acc){id, spec->raw[0], NULL};
	spec->len = 1;

	if (kind_is_enumval(rec->kind)) {
		if (!is_enum_kind(exbpf_btf_kind(t)))
			return relo_err(c, -EINVAL, "an enum value relocation of a %s",
					btf_kind_name(exbpf_btf_kind(t)));
		if (spec->raw_len > 1 || spec->raw[0] >= exbpf_btf_vlen(t))
			return relo_err(c, -EINVAL, "no enumerator %" PRIu32 " (the enum has %u)",
					spec->raw[0], exbpf_btf_vlen(t));
		spec->acc[0].name =
			name_at(btf, exbpf_btf_kind(t) == BTF_KIND_ENUM
					     ? exbpf_btf_enum(t)[spec->raw[0]].name_off
					     : exbpf_btf_enum64(t)[spec->raw[0]].name_off);
		return 0;
	}

	sz = exbpf_btf__resolve_size(btf, id);
	if (sz < 0)
		return relo_err(c, -EINVAL, "type [%" PRIu32 "] has no size", id);
	if (!add_scaled(&spec->bit_off, spec->raw[0], (uint64_t)sz))
		return relo_err(c, -EINVAL, "offset overflows");

	for (int i = 1; i < spec->raw_len; i++) {
		uint32_t ai = spec->raw[i];

		t = exbpf_btf__skip_mods(btf, id, &id);
		if (is_composite(t)) {
			const struct btf_member *m;

			if (ai >= exbpf_btf_vlen(t))
				return relo_err(c, -EINVAL,
						"index %d: no member %" PRIu32 " in [%" PRIu32
						"] (%u members)",
						i, ai, id, exbpf_btf_vlen(t));
			spec->bit_off += exbpf_btf_member_bit_offset(t, ai);
			if (spec->bit_off > UINT32_MAX)
				return relo_err(c, -EINVAL, "offset overflows");
			m = exbpf_btf_members(t) + ai;
			if (m->name_off) {
				const char *name = name_at(btf, m->name_off);
				if (!*name)
					return relo_err(c, -EINVAL, "member %" PRIu32 " of [%" PRIu32
								    "] has an empty name",
							ai, id);
				spec->acc[spec->len++] = (struct core_acc){id, ai, name};
			}
			id = m->type;
		} else if (kind_of(t) == BTF_KIND_ARRAY) {
			const struct btf_array *a = exbpf_btf_array(t);

			if (!exbpf_btf__skip_mods(btf, a->type, &id))
				return relo_err(c, -EINVAL, "array of void");
			if (!is_flex_array(btf, &spec->acc[spec->len - 1], a) && ai >= a->nelems)
				return relo_err(c, -EINVAL,
						"index %d: element %" PRIu32 " of an array of %" PRIu32,
						i, ai, a->nelems);
			spec->acc[spec->len++] = (struct core_acc){id, ai, NULL};
			sz = exbpf_btf__resolve_size(btf, id);
			if (sz < 0)
				return relo_err(c, -EINVAL, "array element [%" PRIu32 "] has no size",
						id);
			if (!add_scaled(&spec->bit_off, ai, (uint64_t)sz))
				return relo_err(c, -EINVAL, "offset overflows");
		} else {
			return relo_err(c, -EINVAL,
					"index %d reaches [%" PRIu32 "], a %s: neither struct, union "
					"nor array",
					i, id, btf_kind_name(kind_of(t)));
		}
	}
	return 0;
}

/* ---- step 3: matching one candidate ---- */

/* bpf_core_fields_are_compat(): 1, 0, or -EINVAL. */
static int fields_compat(struct core_ctx *c, uint32_t lid, uint32_t tid)
{
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *lt = exbpf_btf__skip_mods(c->local, lid, &lid);
		const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
		uint16_t lk = kind_of(lt), tk = kind_of(tt);

		if (is_composite(lt) && is_composite(tt))
			return 1;
		if (!kinds_compat(lk, tk))
			return 0;
		switch (lk) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = type_name(c->local, lt), *tn = type_name(c->targ, tt);
			/* one anonymous, or the same name without flavors */
			return !core_essential_len(ln) || !core_essential_len(tn) ||
			       essential_eq(ln, tn);
		}
		case BTF_KIND_INT:
			return int_offset(lt) == 0 && int_offset(tt) == 0;
		case BTF_KIND_ARRAY:
			lid = exbpf_btf_array(lt)->type;
			tid = exbpf_btf_array(tt)->type;
			continue;
		default: /* void, func_proto, ...: never a field */
			return 0;
		}
	}
	return relo_err(c, -EINVAL, "array types nest deeper than %d", CORE_DEPTH);
}

/* bpf_core_types_are_compat(), for TYPE_* relocations other than TYPE_MATCHES. */
static int types_compat(struct core_ctx *c, uint32_t lid, uint32_t tid, int level)
{
	if (!kinds_compat(kind_of(exbpf_btf__type_by_id(c->local, lid)),
			  kind_of(exbpf_btf__type_by_id(c->targ, tid))))
		return 0;
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *lt = exbpf_btf__skip_mods(c->local, lid, &lid);
		const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
		uint16_t lk = kind_of(lt), tk = kind_of(tt);

		if (!step(c))
			return relo_err(c, -E2BIG, "type comparison too complex");
		if (!kinds_compat(lk, tk))
			return 0;
		switch (lk) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
			return 1;
		case BTF_KIND_INT:
			return int_offset(lt) == 0 && int_offset(tt) == 0;
		case BTF_KIND_PTR:
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = exbpf_btf_array(lt)->type;
			tid = exbpf_btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = exbpf_btf_params(lt), *tp = exbpf_btf_params(tt);
			uint16_t n = exbpf_btf_vlen(lt);

			if (n != exbpf_btf_vlen(tt))
				return 0;
			for (uint16_t i = 0; i < n; i++) {
				uint32_t la, ta;
				int r;

				if (level <= 0)
					return relo_err(c, -EINVAL, "function types nest deeper than %d",
							CORE_DEPTH);
				exbpf_btf__skip_mods(c->local, lp[i].type, &la);
				exbpf_btf__skip_mods(c->targ, tp[i].type, &ta);
				r = types_compat(c, la, ta, level - 1);
				if (r <= 0)
					return r;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return relo_err(c, -EINVAL, "type chains longer than %d", CORE_DEPTH);
}

/* Names equal without flavors; an anonymous target matches only an anonymous local. */
static bool names_match(const struct core_ctx *c, uint32_t local_off, uint32_t targ_off)
{
	const char *ln = name_at(c->local, local_off), *tn = name_at(c->targ, targ_off);

	if (!*tn)
		return !*ln;
	return essential_eq(ln, tn);
}

static int enums_match(struct core_ctx *c, const struct btf_type *lt, const struct btf_type *tt)
{
	uint16_t ln = exbpf_btf_vlen(lt), tn = exbpf_btf_vlen(tt);

	if (lt->size != tt->size || ln > tn)
		return 0;
	for (uint16_t i = 0; i < ln; i++) {
		uint32_t loff = exbpf_btf_kind(lt) == BTF_KIND_ENUM ? exbpf_btf_enum(lt)[i].name_off
								    : exbpf_btf_enum64(lt)[i].name_off;
		bool found = false;

		for (uint16_t j = 0; j < tn && !found; j++) {
			uint32_t toff = exbpf_btf_kind(tt) == BTF_KIND_ENUM
						? exbpf_btf_enum(tt)[j].name_off
						: exbpf_btf_enum64(tt)[j].name_off;
			if (!step(c))
				return relo_err(c, -E2BIG, "type comparison too complex");
			found = names_match(c, loff, toff);
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int types_match(struct core_ctx *c, uint32_t lid, uint32_t tid, bool behind_ptr,
		       int level);

static int composites_match(struct core_ctx *c, const struct btf_type *lt,
			    const struct btf_type *tt, bool behind_ptr, int level)
{
	uint16_t ln = exbpf_btf_vlen(lt), tn = exbpf_btf_vlen(tt);
	const struct btf_member *lm = exbpf_btf_members(lt);

	if (ln > tn)
		return 0;
	for (uint16_t i = 0; i < ln; i++) {
		const struct btf_member *tm = exbpf_btf_members(tt);
		bool found = false;

		for (uint16_t j = 0; j < tn && !found; j++) {
			int r;

			if (!step(c))
				return relo_err(c, -E2BIG, "type comparison too complex");
			if (!names_match(c, lm[i].name_off, tm[j].name_off))
				continue;
			r = types_match(c, lm[i].type, tm[j].type, behind_ptr, level - 1);
			if (r < 0)
				return r;
			found = r > 0;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* bpf_core_types_match(), for TYPE_MATCHES. */
static int types_match(struct core_ctx *c, uint32_t lid, uint32_t tid, bool behind_ptr,
		       int level)
{
	if (level <= 0)
		return relo_err(c, -EINVAL, "types nest deeper than %d", CORE_DEPTH);
	for (int depth = 0; depth < CORE_DEPTH; depth++) {
		const struct btf_type *lt = exbpf_btf__skip_mods(c->local, lid, &lid);
		const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
		uint16_t lk = kind_of(lt), tk = kind_of(tt);

		if (!step(c))
			return relo_err(c, -E2BIG, "type comparison too complex");
		if (!names_match(c, lt ? lt->name_off : 0, tt ? tt->name_off : 0))
			return 0;
		switch (lk) {
		case BTF_KIND_UNKN:
			return tk == BTF_KIND_UNKN;
		case BTF_KIND_FWD: {
			bool lf = exbpf_btf_kflag(lt); /* 1: a union */

			if (tk == BTF_KIND_FWD)
				return lf == exbpf_btf_kflag(tt);
			return behind_ptr && ((tk == BTF_KIND_STRUCT && !lf) ||
					      (tk == BTF_KIND_UNION && lf));
		}
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			if (!is_enum_kind(tk))
				return 0;
			return enums_match(c, lt, tt);
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			if (behind_ptr) {
				if (lk == tk)
					return 1;
				return tk == BTF_KIND_FWD &&
				       (lk == BTF_KIND_UNION) == exbpf_btf_kflag(tt);
			}
			if (lk != tk)
				return 0;
			return composites_match(c, lt, tt, behind_ptr, level);
		case BTF_KIND_INT:
			if (lk != tk)
				return 0;
			return lt->size == tt->size && (int_encoding(lt) & BTF_INT_SIGNED) ==
							       (int_encoding(tt) & BTF_INT_SIGNED);
		case BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = true;
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			if (lk != tk || exbpf_btf_array(lt)->nelems != exbpf_btf_array(tt)->nelems)
				return 0;
			lid = exbpf_btf_array(lt)->type;
			tid = exbpf_btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = exbpf_btf_params(lt), *tp;
			uint16_t n = exbpf_btf_vlen(lt);

			if (lk != tk || n != exbpf_btf_vlen(tt))
				return 0;
			tp = exbpf_btf_params(tt);
			for (uint16_t i = 0; i < n; i++) {
				int r = types_match(c, lp[i].type, tp[i].type, behind_ptr, level - 1);
				if (r <= 0)
					return r;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return relo_err(c, -EINVAL, "type chains longer than %d", CORE_DEPTH);
}

/* Finds the target member named like local accessor `lacc` in target type tid, descending
 * into anonymous members; extends ts (raw indices, bit offset, accessor). 1, 0 or < 0. */
static int match_member(struct core_ctx *c, const struct core_acc *lacc, uint32_t tid,
			struct core_spec *ts, uint32_t *next_id)
{
	const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
	const struct btf_type *lt = exbpf_btf__type_by_id(c->local, lacc->type_id);
	const struct btf_member *lm = exbpf_btf_members(lt) + lacc->idx;
	const char *lname = name_at(c->local, lm->name_off);
	uint16_t n;

	if (!is_composite(tt))
		return 0;
	n = exbpf_btf_vlen(tt);
	for (uint16_t i = 0; i < n; i++) {
		const struct btf_member *tm = exbpf_btf_members(tt) + i;
		const char *tname = name_at(c->targ, tm->name_off);
		uint64_t saved = ts->bit_off;
		int r;

		if (!step(c))
			return relo_err(c, -E2BIG, "field search too complex");
		if (ts->raw_len == CORE_SPEC_MAX)
			return relo_err(c, -E2BIG, "target access deeper than %d", CORE_SPEC_MAX);
		ts->bit_off += exbpf_btf_member_bit_offset(tt, i);
		ts->raw[ts->raw_len++] = i;
		if (!*tname) {
			r = match_member(c, lacc, tm->type, ts, next_id);
			if (r)
				return r;
		} else if (!strcmp(lname, tname)) {
			if (ts->len == CORE_SPEC_MAX)
				return relo_err(c, -E2BIG, "target access deeper than %d",
						CORE_SPEC_MAX);
			ts->acc[ts->len++] = (struct core_acc){tid, i, tname};
			*next_id = tm->type;
			r = fields_compat(c, lm->type, tm->type);
			if (r == 0) {
				char d[96];
				targ_desc(c, tid, d, sizeof(d));
				set_why(c, "field '%s' of exbpf's %s has an incompatible type", lname,
					d);
				ts->len--;
			}
			return r;
		}
		ts->bit_off = saved;
		ts->raw_len--;
	}
	return 0;
}

/* Matches the local spec against candidate tid, filling ts. 1, 0 (c->why says why) or < 0. */
static int spec_match(struct core_ctx *c, const struct core_spec *ls, uint32_t tid,
		      struct core_spec *ts)
{
	uint32_t kind = c->rec->kind;
	char d[96];

	memset(ts, 0, offsetof(struct core_spec, acc));
	ts->btf = c->targ;
	ts->root_id = tid;

	if (kind_is_type(kind)) {
		int r = kind == BPF_CORE_TYPE_MATCHES
				? types_match(c, ls->root_id, tid, false, CORE_DEPTH)
				: types_compat(c, ls->root_id, tid, CORE_DEPTH);
		if (r == 0) {
			targ_desc(c, tid, d, sizeof(d));
			set_why(c, "exbpf's %s %s", d,
				kind == BPF_CORE_TYPE_MATCHES ? "does not match"
							      : "has an incompatible layout");
		}
		return r;
	}

	if (kind_is_enumval(kind)) {
		const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
		const char *lname = ls->acc[0].name;

		targ_desc(c, tid, d, sizeof(d));
		if (!tt || !is_enum_kind(exbpf_btf_kind(tt))) {
			set_why(c, "exbpf's %s is not an enum", d);
			return 0;
		}
		for (uint16_t i = 0; i < exbpf_btf_vlen(tt); i++) {
			uint32_t off = exbpf_btf_kind(tt) == BTF_KIND_ENUM
					       ? exbpf_btf_enum(tt)[i].name_off
					       : exbpf_btf_enum64(tt)[i].name_off;
			const char *tname = name_at(c->targ, off);

			if (essential_eq(lname, tname)) {
				ts->acc[0] = (struct core_acc){tid, i, tname};
				ts->len = 1;
				ts->raw[0] = i;
				ts->raw_len = 1;
				return 1;
			}
		}
		set_why(c, "exbpf's %s has no value '%s'", d, lname);
		return 0;
	}

	for (int i = 0; i < ls->len; i++) {
		const struct core_acc *lacc = &ls->acc[i];
		const struct btf_type *tt = exbpf_btf__skip_mods(c->targ, tid, &tid);
		int64_t sz;

		if (lacc->name) {
			int r;

			targ_desc(c, tid, d, sizeof(d));
			r = match_member(c, lacc, tid, ts, &tid);
			if (r == 0)
				set_why(c, "exbpf's %s has no field '%s'", d, lacc->name);
			if (r <= 0)
				return r;
			continue;
		}
		if (i > 0) {
			const struct btf_array *a;

			if (kind_of(tt) != BTF_KIND_ARRAY) {
				targ_desc(c, tid, d, sizeof(d));
				set_why(c, "exbpf's %s is not an array", d);
				return 0;
			}
			a = exbpf_btf_array(tt);
			if (!is_flex_array(c->targ, &ts->acc[i - 1], a) && lacc->idx >= a->nelems) {
				set_why(c, "index %" PRIu32 " is past exbpf's array of %" PRIu32,
					lacc->idx, a->nelems);
				return 0;
			}
			if (!exbpf_btf__skip_mods(c->targ, a->type, &tid))
				return 0;
		}
		if (ts->raw_len == CORE_SPEC_MAX || ts->len == CORE_SPEC_MAX)
			return relo_err(c, -E2BIG, "target access deeper than %d", CORE_SPEC_MAX);
		ts->acc[ts->len++] = (struct core_acc){tid, lacc->idx, NULL};
		ts->raw[ts->raw_len++] = lacc->idx;
		sz = exbpf_btf__resolve_size(c->targ, tid);
		if (sz < 0)
			return relo_err(c, -EINVAL, "target type [%" PRIu32 "] has no size", tid);
		if (!add_scaled(&ts->bit_off, lacc->idx, (uint64_t)sz))
			return relo_err(c, -EINVAL, "target offset overflows");
	}
	if (ts->bit_off > UINT32_MAX)
		return relo_err(c, -EINVAL, "target offset overflows");
	return 1;
}

/* ---- steps 4-5: values ---- */

/* Size of the element type of a (possibly multi-dimensional) array, or of the type itself. */
static int64_t elem_size(const struct exbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = exbpf_btf__skip_mods(btf, id, &id);

	for (int depth = 0; kind_of(t) == BTF_KIND_ARRAY; depth++) {
		if (depth == CORE_DEPTH)
			return -EINVAL;
		t = exbpf_btf__skip_mods(btf, exbpf_btf_array(t)->type, &id);
	}
	return exbpf_btf__resolve_size(btf, id);
}

/* bpf_core_calc_field_relo(): 0, CORE_POISONED (spec NULL) or < 0. */
static int calc_field(struct core_ctx *c, const struct core_spec *spec, uint64_t *val,
		      uint32_t *fsz, uint32_t *ftype, bool *validate)
{
	uint32_t kind = c->rec->kind;
	const struct core_acc *acc;
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	uint64_t bit_off, bit_sz, byte_off, byte_sz;
	uint32_t ftid;
	bool bitfield;
	int64_t sz;

	*fsz = 0;
	if (kind == BPF_CORE_FIELD_EXISTS) {
		*val = spec != NULL;
		return 0;
	}
	if (!spec)
		return CORE_POISONED;

	acc = &spec->acc[spec->len - 1];
	if (!acc->name) {
		/* the access ends at an array element (or the root itself) */
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			*val = spec->bit_off / 8;
			sz = elem_size(spec->btf, acc->type_id);
			if (sz < 0 || sz > UINT32_MAX)
				return relo_err(c, -EINVAL, "element [%" PRIu32 "] has no usable size",
						acc->type_id);
			*fsz = (uint32_t)sz;
			*ftype = acc->type_id;
		} else if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			sz = exbpf_btf__resolve_size(spec->btf, acc->type_id);
			if (sz < 0)
				return relo_err(c, -EINVAL, "element [%" PRIu32 "] has no size",
						acc->type_id);
			*val = (uint64_t)sz;
		} else {
			return relo_err(c, -EINVAL, "%s cannot apply to an array element",
					kind_str(kind));
		}
		if (validate)
			*validate = true;
		return 0;
	}

	t = exbpf_btf__type_by_id(spec->btf, acc->type_id);
	m = exbpf_btf_members(t) + acc->idx;
	mt = exbpf_btf__skip_mods(spec->btf, m->type, &ftid);
	bit_off = spec->bit_off;
	bit_sz = exbpf_btf_member_bitfield_size(t, acc->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		if (!mt || !mt->size || mt->size > 8)
			return relo_err(c, -EINVAL, "bitfield '%s' of a type that is not an integer "
						    "of 1 to 8 bytes",
					acc->name);
		byte_sz = mt->size;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		/* the smallest load that holds every bit of the field */
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return relo_err(c, -E2BIG,
						"bitfield '%s' cannot be read with one 64-bit load",
						acc->name);
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = exbpf_btf__resolve_size(spec->btf, ftid);
		if (sz < 0)
			return relo_err(c, -EINVAL, "field '%s' has no size", acc->name);
		byte_sz = (uint64_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}

	/* a compiler may lay bitfield loads out differently: only check unambiguous values */
	if (validate)
		*validate = !bitfield;

	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			sz = elem_size(spec->btf, ftid);
			if (sz < 0 || sz > UINT32_MAX)
				return relo_err(c, -EINVAL, "field '%s' has no usable size",
						acc->name);
			*fsz = (uint32_t)sz;
			*ftype = ftid;
		}
		break;
	case BPF_CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case BPF_CORE_FIELD_SIGNED:
		*val = (is_enum_kind(kind_of(mt)) && exbpf_btf_kflag(mt)) ||
		       (kind_of(mt) == BTF_KIND_INT && (int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case BPF_CORE_FIELD_LSHIFT_U64:
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		*val = (8 - byte_sz) * 8 + (bit_off - byte_off * 8);
#else
		*val = 64 - (bit_off + bit_sz - byte_off * 8);
#endif
		break;
	case BPF_CORE_FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	default:
		return relo_err(c, -EINVAL, "not a field relocation");
	}
	return 0;
}

/* bpf_core_calc_type_relo(): no target spec gives 0, for every kind. */
static int calc_type(struct core_ctx *c, const struct core_spec *spec, uint64_t *val,
		     bool *validate)
{
	int64_t sz;

	if (validate)
		*validate = true;
	if (!spec) {
		*val = 0;
		return 0;
	}
	switch (c->rec->kind) {
	case BPF_CORE_TYPE_ID_TARGET:
		*val = spec->root_id;
		/* type ids move when objects are linked: never checked */
		if (validate)
			*validate = false;
		break;
	case BPF_CORE_TYPE_EXISTS:
	case BPF_CORE_TYPE_MATCHES:
		*val = 1;
		break;
	case BPF_CORE_TYPE_SIZE:
		sz = exbpf_btf__resolve_size(spec->btf, spec->root_id);
		if (sz < 0)
			return relo_err(c, -EINVAL, "type [%" PRIu32 "] has no size", spec->root_id);
		*val = (uint64_t)sz;
		break;
	default:
		return relo_err(c, -EINVAL, "not a type relocation");
	}
	return 0;
}

static int calc_enumval(struct core_ctx *c, const struct core_spec *spec, uint64_t *val)
{
	const struct btf_type *t;

	if (c->rec->kind == BPF_CORE_ENUMVAL_EXISTS) {
		*val = spec != NULL;
		return 0;
	}
	if (!spec)
		return CORE_POISONED;
	t = exbpf_btf__type_by_id(spec->btf, spec->acc[0].type_id);
	if (exbpf_btf_kind(t) == BTF_KIND_ENUM) {
		/* sign-extended, as libbpf reads btf_enum.val */
		*val = (uint64_t)(int64_t)exbpf_btf_enum(t)[spec->acc[0].idx].val;
	} else {
		const struct btf_enum64 *e = exbpf_btf_enum64(t) + spec->acc[0].idx;
		*val = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
	}
	return 0;
}

/* bpf_core_calc_relo(): the result for one candidate (ts) or for none (ts NULL). Touches only
 * the value fields of res. */
static int calc_relo(struct core_ctx *c, const struct core_spec *ls, const struct core_spec *ts,
		     struct core_res *res)
{
	uint32_t kind = c->rec->kind;
	int err;

	res->orig_val = res->new_val = 0;
	res->poison = res->fail_memsz = false;
	res->validate = true;
	res->orig_sz = res->new_sz = 0;
	res->orig_type_id = res->new_type_id = 0;

	if (kind_is_field(kind)) {
		err = calc_field(c, ls, &res->orig_val, &res->orig_sz, &res->orig_type_id,
				 &res->validate);
		if (!err)
			err = calc_field(c, ts, &res->new_val, &res->new_sz, &res->new_type_id, NULL);
		if (!err && res->orig_sz != res->new_sz) {
			/* a load/store may change size only where zero extension keeps the value:
			 * pointers and unsigned integers */
			const struct btf_type *ot = exbpf_btf__type_by_id(c->local, res->orig_type_id);
			const struct btf_type *nt = exbpf_btf__type_by_id(c->targ, res->new_type_id);
			bool ok = (kind_of(ot) == BTF_KIND_PTR && kind_of(nt) == BTF_KIND_PTR) ||
				  (kind_of(ot) == BTF_KIND_INT && kind_of(nt) == BTF_KIND_INT &&
				   int_encoding(ot) != BTF_INT_SIGNED &&
				   int_encoding(nt) != BTF_INT_SIGNED);
			res->fail_memsz = !ok;
		}
	} else if (kind_is_type(kind)) {
		err = calc_type(c, ls, &res->orig_val, &res->validate);
		if (!err)
			err = calc_type(c, ts, &res->new_val, NULL);
	} else {
		err = calc_enumval(c, ls, &res->orig_val);
		if (!err)
			err = calc_enumval(c, ts, &res->new_val);
	}
	if (err == CORE_POISONED) {
		res->poison = true;
		err = 0;
	}
	return err;
}

static void copy_vals(struct core_res *dst, const struct core_res *src)
{
	dst->orig_val = src->orig_val;
	dst->new_val = src->new_val;
	dst->poison = src->poison;
	dst->validate = src->validate;
	dst->fail_memsz = src->fail_memsz;
	dst->orig_sz = src->orig_sz;
	dst->new_sz = src->new_sz;
	dst->orig_type_id = src->orig_type_id;
	dst->new_type_id = src->new_type_id;
}

int core_calc(const struct exbpf_btf *local, const struct exbpf_btf *targ,
	      const struct bpf_core_relo *rec, const char *sec, uint32_t idx, struct core_res *res,
	      struct log *log)
{
	struct core_ctx c = {local, targ, rec, sec, idx, log, CORE_BUDGET, {0}};
	struct core_spec ls, cs;
	const struct btf_type *lt;
	const char *lname;
	uint32_t ncands = 0, nmatch = 0, first = 0;
	uint64_t first_bits = 0;
	size_t elen;
	int err;

	memset(res, 0, sizeof(*res));
	if (rec->kind > BPF_CORE_TYPE_MATCHES)
		return relo_err(&c, -EINVAL, "unknown relocation kind %" PRIu32, (uint32_t)rec->kind);
	lt = exbpf_btf__type_by_id(local, rec->type_id);
	if (!lt)
		return relo_err(&c, -EINVAL, "type id %" PRIu32 " is void or out of range (%" PRIu32
					     " types)",
				rec->type_id, exbpf_btf__type_cnt(local));
	err = parse_spec(&c, &ls);
	if (err)
		return err;
	describe(&c, &ls, res->what, sizeof(res->what));

	if (rec->kind == BPF_CORE_TYPE_ID_LOCAL) {
		/* always the local id; ids may change when objects are linked: not checked */
		res->orig_val = res->new_val = rec->type_id;
		res->validate = false;
		return 0;
	}
	lname = type_name(local, lt);
	if (!*lname)
		return relo_err(&c, -EOPNOTSUPP, "relocations of anonymous types are not supported");
	elen = core_essential_len(lname);

	for (uint32_t id = 1; id < exbpf_btf__type_cnt(targ); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(targ, id);
		const char *tname = type_name(targ, t);
		struct core_res cr;

		if (!kinds_compat(kind_of(t), exbpf_btf_kind(lt)) || !*tname ||
		    core_essential_len(tname) != elen || strncmp(lname, tname, elen))
			continue;
		ncands++;
		err = spec_match(&c, &ls, id, &cs);
		if (err < 0)
			return err;
		if (!err)
			continue;
		err = calc_relo(&c, &ls, &cs, &cr);
		if (err)
			return err;
		if (!nmatch) {
			copy_vals(res, &cr);
			first_bits = cs.bit_off;
			first = id;
		} else if (cs.bit_off != first_bits) {
			return relo_err(&c, -EINVAL,
					"ambiguous: candidates [%" PRIu32 "] and [%" PRIu32
					"] put the field at bit %" PRIu64 " and %" PRIu64,
					first, id, first_bits, cs.bit_off);
		} else if (cr.poison != res->poison || cr.new_val != res->new_val) {
			return relo_err(&c, -EINVAL,
					"ambiguous: candidates [%" PRIu32 "] and [%" PRIu32
					"] resolve it to %" PRIu64 " and %" PRIu64,
					first, id, res->new_val, cr.new_val);
		}
		nmatch++;
	}
	if (nmatch)
		return 0;

	err = calc_relo(&c, &ls, NULL, res);
	if (err)
		return err;
	if (res->poison) {
		if (!ncands)
			snprintf(res->why, sizeof(res->why), "exbpf provides no type '%.*s'",
				 (int)(elen < 128 ? elen : 128), lname);
		else
			snprintf(res->why, sizeof(res->why), "%s",
				 c.why[0] ? c.why : "no compatible type in exbpf");
	}
	return 0;
}

/* ---- step 6: the instruction ---- */

__attribute__((format(printf, 5, 6))) static int patch_err(struct log *log, const char *sec,
							   uint32_t idx, size_t insn,
							   const char *fmt, ...)
{
	va_list ap;

	log_printf(log, "sec '%.64s': CO-RE relocation #%" PRIu32 " at insn %zu: ",
		   sec ? sec : "?", idx, insn);
	va_start(ap, fmt);
	log_vprintf(log, fmt, ap);
	va_end(ap);
	log_printf(log, "\n");
	return -EINVAL;
}

static void poison_insn(struct bpf_insn *in)
{
	in->code = BPF_JMP | BPF_CALL;
	in->dst_reg = 0;
	in->src_reg = 0;
	in->off = 0;
	in->imm = CORE_POISON_IMM;
}

static int size_bytes(uint8_t code)
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

static int bytes_size(uint32_t bytes)
{
	switch (bytes) {
	case 8:
		return BPF_DW;
	case 4:
		return BPF_W;
	case 2:
		return BPF_H;
	case 1:
		return BPF_B;
	default:
		return -1;
	}
}

int core_patch(struct bpf_insn *insns, size_t cnt, size_t i, const char *sec, uint32_t idx,
	       struct core_res *res, struct log *log)
{
	struct bpf_insn *in;
	bool wide = false;
	uint64_t imm;
	int sz;

	if (i >= cnt)
		return patch_err(log, sec, idx, i, "past the end of the section (%zu instructions)",
				 cnt);
	in = &insns[i];
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_SRC(in->code) != BPF_K)
			return patch_err(log, sec, idx, i,
					 "ALU instruction 0x%02x with a register operand cannot "
					 "carry a relocation",
					 in->code);
		break;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		break;
	case BPF_LD:
		if (in->code != (BPF_LD | BPF_IMM | BPF_DW) || i + 1 >= cnt || in[0].src_reg ||
		    in[0].off || in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off)
			return patch_err(log, sec, idx, i,
					 "LD instruction 0x%02x is not a plain two-slot ld_imm64",
					 in->code);
		wide = true;
		break;
	default:
		return patch_err(log, sec, idx, i,
				 "instruction 0x%02x cannot carry a relocation (ALU with an "
				 "immediate, LDX, ST, STX or ld_imm64 only)",
				 in->code);
	}

	if (res->poison)
		goto poison;

	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (res->validate && (uint64_t)(int64_t)in->imm != res->orig_val)
			return patch_err(log, sec, idx, i,
					 "unexpected insn value: imm %" PRId32 ", expected %" PRIu64
					 " (-> %" PRIu64 ")",
					 in->imm, res->orig_val, res->new_val);
		in->imm = (int32_t)(uint32_t)res->new_val;
		return 0;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		if (res->validate && (uint64_t)(int64_t)in->off != res->orig_val)
			return patch_err(log, sec, idx, i,
					 "unexpected insn value: off %d, expected %" PRIu64
					 " (-> %" PRIu64 ")",
					 in->off, res->orig_val, res->new_val);
		if (res->new_val > SHRT_MAX) {
			patch_err(log, sec, idx, i, "offset %" PRIu64 " does not fit in 16 bits",
				  res->new_val);
			return -ERANGE;
		}
		if (res->fail_memsz) {
			snprintf(res->why, sizeof(res->why),
				 "the field is %" PRIu32 " bytes in exbpf, not %" PRIu32
				 ", and only pointers and unsigned integers may change size",
				 res->new_sz, res->orig_sz);
			goto poison;
		}
		if (res->new_sz != res->orig_sz) {
			if (size_bytes(in->code) != (int)res->orig_sz)
				return patch_err(log, sec, idx, i,
						 "unexpected memory size %d bytes, expected %" PRIu32,
						 size_bytes(in->code), res->orig_sz);
			sz = bytes_size(res->new_sz);
			if (sz < 0)
				return patch_err(log, sec, idx, i,
						 "no load/store of %" PRIu32 " bytes", res->new_sz);
			in->code = (uint8_t)(BPF_MODE(in->code) | sz | BPF_CLASS(in->code));
		}
		in->off = (int16_t)res->new_val;
		return 0;
	default: /* ld_imm64 */
		imm = (uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
		if (res->validate && imm != res->orig_val)
			return patch_err(log, sec, idx, i,
					 "unexpected insn value: imm64 %" PRIu64 ", expected %" PRIu64
					 " (-> %" PRIu64 ")",
					 imm, res->orig_val, res->new_val);
		in[0].imm = (int32_t)(uint32_t)res->new_val;
		in[1].imm = (int32_t)(uint32_t)(res->new_val >> 32);
		return 0;
	}

poison:
	/* both slots of an ld_imm64, so that no half instruction is left behind */
	if (wide)
		poison_insn(in + 1);
	poison_insn(in);
	res->poison = true;
	return 1;
}

int core_apply(const struct exbpf_btf *local, const struct exbpf_btf *targ,
	       const struct bpf_core_relo *rec, const char *sec, uint32_t idx,
	       struct bpf_insn *insns, size_t cnt, char *msg, size_t msg_size, struct log *log)
{
	struct core_res res;
	int err;

	if (rec->insn_off % LD_INSN_SZ || rec->insn_off / LD_INSN_SZ >= cnt)
		return patch_err(log, sec, idx, rec->insn_off / LD_INSN_SZ,
				 "insn_off %" PRIu32 " is not an instruction of the section (%zu "
				 "instructions)",
				 rec->insn_off, cnt);
	err = core_calc(local, targ, rec, sec, idx, &res, log);
	if (err)
		return err;
	err = core_patch(insns, cnt, rec->insn_off / LD_INSN_SZ, sec, idx, &res, log);
	if (err == 1 && msg && msg_size)
		snprintf(msg, msg_size, "CO-RE relocation: %s: %s", res.what, res.why);
	return err;
}

int core_target_btf(struct exbpf_btf **out, struct log *log)
{
	int err = btf_parse(core_target_btf_data, core_target_btf_data_len, out, log);

	if (err)
		log_printf(log, "CO-RE: exbpf's target BTF does not parse (%d)\n", err);
	return err;
}

/* ---- the object ---- */

static int add_poison(struct exbpf_object *obj, size_t *cap, uint32_t code, uint32_t insn,
		      const char *msg)
{
	char *copy = strdup(msg);

	if (!copy || ARRAY_RESERVE(obj->poisons, *cap, obj->npoisons + 1)) {
		free(copy);
		return -ENOMEM;
	}
	obj->poisons[obj->npoisons++] = (struct ld_poison){code, insn, copy};
	return 0;
}

/* The target BTF is parsed here, once per object that has CO-RE records, rather than cached
 * process-wide with pthread_once: it is a 22 KiB blob that parses in about 90 us (less than
 * the object's own BTF usually takes), and parsing per call keeps the library free of global
 * state: no sticky failure after an ENOMEM, nothing left allocated at exit, nothing to get
 * wrong across fork. */
int ld_core_relocate(struct exbpf_object *obj, struct log *log)
{
	struct exbpf_btf *targ = NULL;
	size_t cap = obj->npoisons;
	int err = 0;

	if (!obj->btf || !obj->btf_ext || !obj->btf_ext->core_relo.nsecs)
		return 0;
	for (size_t ci = 0; ci < obj->ncodes && !err; ci++) {
		struct ld_code *code = &obj->codes[ci];
		const char *sec = obj->elf.secs[code->sec].name;
		const uint8_t *recs = NULL;
		size_t cnt = 0, rec_size = 0;

		btf_ext_core_relos(obj->btf_ext, sec, &recs, &cnt, &rec_size);
		if (!cnt)
			continue;
		if (!recs || rec_size < sizeof(struct bpf_core_relo)) {
			log_printf(log, "sec '%.64s': CO-RE records of %zu bytes, fewer than %zu\n",
				   sec, rec_size, sizeof(struct bpf_core_relo));
			err = -EINVAL;
			break;
		}
		if (!targ) {
			err = core_target_btf(&targ, log);
			if (err)
				break;
		}
		for (size_t r = 0; r < cnt; r++) {
			struct bpf_core_relo rec;
			char msg[512];

			memcpy(&rec, recs + r * rec_size, sizeof(rec));
			err = core_apply(obj->btf, targ, &rec, sec, (uint32_t)r, code->insns,
					 code->cnt, msg, sizeof(msg), log);
			if (err == 1)
				err = add_poison(obj, &cap, (uint32_t)ci,
						 rec.insn_off / LD_INSN_SZ, msg);
			if (err)
				break;
		}
	}
	exbpf_btf__free(targ);
	return err;
}
