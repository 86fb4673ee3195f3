/* BTF parsing and validation. A blob is checked in four passes over an owned copy:
 *   1. the header and section bounds;
 *   2. every type's own fields (kind, lengths, names, encodings), building the id -> offset index;
 *   3. every type id a type refers to is in range;
 *   4. two walks that reject loops and over-deep chains (see walk_edge()), computing each
 *      type's alignment on the way back up; then the checks that need other types resolved.
 * After pass 4 every accessor below is safe on the blob, and each still bounds its own walks so
 * that a validation bug cannot turn into a hang. Rules follow Linux's kernel/bpf/btf.c, except
 * that DATASEC sizes and offsets are not checked against each other: clang leaves them for the
 * loader to fill in. */
#include "btf/btf_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/log.h"

#define BTF_MAX_SIZE (16u << 20) /* Linux's BTF_MAX_SIZE */
#define BTF_MAX_DEPTH 32	 /* Linux's MAX_RESOLVE_DEPTH */
#define BTF_NAME_MAX 512	 /* Linux's KSYM_NAME_LEN: longer names are refused */
#define BTF_INFO_RESERVED 0x60ff0000u
#define BTF_INT_RESERVED 0xf0000000u
#define BTF_PTR_SIZE 8

struct exbpf_btf {
	uint8_t *data; /* the owned copy: header, types, strings */
	size_t size;
	const uint8_t *types;
	const char *strs;
	uint32_t str_len;
	uint32_t type_cnt; /* including void */
	uint32_t *offs;	   /* offs[id]: offset of type id in the type section */
	uint8_t *aligns;   /* natural alignment of each id, 0 for unsized ones */
};

enum name_rule {
	NAME_NONE,	/* must be anonymous */
	NAME_OPT_IDENT, /* anonymous or a C identifier */
	NAME_IDENT,	/* a C identifier */
	NAME_SECTION,	/* an identifier that may contain '.' */
	NAME_TEXT,	/* non-empty printable text: "unsigned int" */
	NAME_VALUE,	/* any non-empty string: tag values */
};

struct kind_info {
	const char *name;
	uint8_t name_rule;
	uint8_t fixed;	  /* bytes after struct btf_type */
	uint8_t per_vlen; /* bytes per vlen entry after those */
	bool kflag;	  /* kind_flag has a meaning for this kind */
};

static const struct kind_info kind_infos[NR_BTF_KINDS] = {
	[BTF_KIND_INT] = {"INT", NAME_TEXT, sizeof(uint32_t), 0, false},
	[BTF_KIND_PTR] = {"PTR", NAME_NONE, 0, 0, false},
	[BTF_KIND_ARRAY] = {"ARRAY", NAME_NONE, sizeof(struct btf_array), 0, false},
	[BTF_KIND_STRUCT] = {"STRUCT", NAME_OPT_IDENT, 0, sizeof(struct btf_member), true},
	[BTF_KIND_UNION] = {"UNION", NAME_OPT_IDENT, 0, sizeof(struct btf_member), true},
	[BTF_KIND_ENUM] = {"ENUM", NAME_OPT_IDENT, 0, sizeof(struct btf_enum), true},
	[BTF_KIND_FWD] = {"FWD", NAME_IDENT, 0, 0, true},
	[BTF_KIND_TYPEDEF] = {"TYPEDEF", NAME_IDENT, 0, 0, false},
	[BTF_KIND_VOLATILE] = {"VOLATILE", NAME_NONE, 0, 0, false},
	[BTF_KIND_CONST] = {"CONST", NAME_NONE, 0, 0, false},
	[BTF_KIND_RESTRICT] = {"RESTRICT", NAME_NONE, 0, 0, false},
	[BTF_KIND_FUNC] = {"FUNC", NAME_IDENT, 0, 0, false},
	[BTF_KIND_FUNC_PROTO] = {"FUNC_PROTO", NAME_NONE, 0, sizeof(struct btf_param), false},
	[BTF_KIND_VAR] = {"VAR", NAME_IDENT, sizeof(struct btf_var), 0, false},
	[BTF_KIND_DATASEC] = {"DATASEC", NAME_SECTION, 0, sizeof(struct btf_var_secinfo), false},
	[BTF_KIND_FLOAT] = {"FLOAT", NAME_TEXT, 0, 0, false},
	/* kind_flag on tags marks an __attribute__ (Linux 6.13+) */
	[BTF_KIND_DECL_TAG] = {"DECL_TAG", NAME_VALUE, sizeof(struct btf_decl_tag), 0, true},
	[BTF_KIND_TYPE_TAG] = {"TYPE_TAG", NAME_VALUE, 0, 0, true},
	[BTF_KIND_ENUM64] = {"ENUM64", NAME_OPT_IDENT, 0, sizeof(struct btf_enum64), true},
};

const char *btf_kind_name(uint32_t kind)
{
	if (kind == BTF_KIND_UNKN || kind > BTF_KIND_MAX)
		return "UNKNOWN";
	return kind_infos[kind].name;
}

/* ---- accessors ---- */

uint32_t exbpf_btf__type_cnt(const struct exbpf_btf *btf)
{
	return btf ? btf->type_cnt : 0;
}

const struct btf_type *exbpf_btf__type_by_id(const struct exbpf_btf *btf, uint32_t id)
{
	if (!btf || id == 0 || id >= btf->type_cnt)
		return NULL;
	return (const struct btf_type *)(btf->types + btf->offs[id]);
}

const char *exbpf_btf__name_by_offset(const struct exbpf_btf *btf, uint32_t off)
{
	if (!btf || off >= btf->str_len)
		return NULL;
	return btf->strs + off;
}

const char *exbpf_btf__type_name(const struct exbpf_btf *btf, uint32_t id)
{
	if (btf && id == 0)
		return "";
	const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
	return t ? exbpf_btf__name_by_offset(btf, t->name_off) : NULL;
}

int32_t exbpf_btf__find_by_name_kind(const struct exbpf_btf *btf, const char *name, uint32_t kind)
{
	if (!btf || !name)
		return -EINVAL;
	if (kind == BTF_KIND_UNKN && !strcmp(name, "void"))
		return 0;
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		if (exbpf_btf_kind(t) == kind && !strcmp(btf->strs + t->name_off, name))
			return (int32_t)id;
	}
	return -ENOENT;
}

static bool is_modifier(uint16_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

const struct btf_type *exbpf_btf__skip_mods(const struct exbpf_btf *btf, uint32_t id,
					    uint32_t *res_id)
{
	const struct btf_type *t = NULL;

	/* Validation caps modifier chains at BTF_MAX_DEPTH; the bound here is a backstop. */
	for (int depth = 0; depth <= BTF_MAX_DEPTH; depth++) {
		t = exbpf_btf__type_by_id(btf, id);
		if (!t || !is_modifier(exbpf_btf_kind(t))) {
			if (res_id)
				*res_id = id;
			return t;
		}
		id = t->type;
	}
	if (res_id)
		*res_id = id;
	return NULL;
}

/* Size of the type at the end of a typedef/modifier/var/array chain, or -EINVAL. */
static int64_t base_size(const struct btf_type *t)
{
	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
	case BTF_KIND_DATASEC:
		return t->size;
	case BTF_KIND_PTR:
		return BTF_PTR_SIZE;
	default:
		return -EINVAL;
	}
}

int64_t exbpf_btf__resolve_size(const struct exbpf_btf *btf, uint32_t id)
{
	uint64_t count = 1;
	bool empty = false, huge = false;

	for (int depth = 0; depth <= BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		if (!t)
			return -EINVAL;
		uint16_t kind = exbpf_btf_kind(t);
		if (kind == BTF_KIND_ARRAY) {
			uint32_t n = exbpf_btf_array(t)->nelems;
			empty |= n == 0;
			count *= n; /* both factors < 2^32 while !huge: no wrap */
			huge |= count > UINT32_MAX;
			if (huge)
				count = 1;
			id = exbpf_btf_array(t)->type;
			continue;
		}
		if (is_modifier(kind) || kind == BTF_KIND_VAR) {
			id = t->type;
			continue;
		}
		int64_t size = base_size(t);
		if (size <= 0 || empty)
			return size < 0 ? size : 0;
		if (huge || count * (uint64_t)size > UINT32_MAX)
			return -E2BIG;
		return (int64_t)(count * (uint64_t)size);
	}
	return -EINVAL;
}

int exbpf_btf__align(const struct exbpf_btf *btf, uint32_t id)
{
	if (!exbpf_btf__type_by_id(btf, id) || !btf->aligns[id])
		return -EINVAL;
	return btf->aligns[id];
}

const void *exbpf_btf__raw_data(const struct exbpf_btf *btf, size_t *size)
{
	if (size)
		*size = btf ? btf->size : 0;
	return btf ? btf->data : NULL;
}

void exbpf_btf__free(struct exbpf_btf *btf)
{
	if (!btf)
		return;
	free(btf->data);
	free(btf->offs);
	free(btf->aligns);
	free(btf);
}

/* ---- parsing ---- */

struct parser {
	struct exbpf_btf *btf;
	struct log *log;
	uint8_t *mark;	/* walk state per id */
	uint8_t *chain; /* typedef/modifier/var/array links below each id */
};

__attribute__((format(printf, 3, 4))) static int type_err(struct parser *p, uint32_t id,
							  const char *fmt, ...)
{
	va_list ap;

	log_printf(p->log, "BTF type [%" PRIu32 "]: ", id);
	va_start(ap, fmt);
	log_vprintf(p->log, fmt, ap);
	va_end(ap);
	log_printf(p->log, "\n");
	return -EINVAL;
}

__attribute__((format(printf, 3, 4))) static int blob_err(struct log *log, int err,
							  const char *fmt, ...)
{
	va_list ap;

	log_printf(log, "BTF: ");
	va_start(ap, fmt);
	log_vprintf(log, fmt, ap);
	va_end(ap);
	log_printf(log, "\n");
	return err;
}

static const struct btf_type *type_at(const struct parser *p, uint32_t id)
{
	return exbpf_btf__type_by_id(p->btf, id);
}

static const char *kind_of(const struct parser *p, uint32_t id)
{
	return id ? btf_kind_name(exbpf_btf_kind(type_at(p, id))) : "void";
}

/* -- pass 1: header -- */

static bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

static int check_sections(const struct btf_header *h, size_t size, struct log *log)
{
	uint64_t body = size - h->hdr_len;

	if (!range_ok(h->type_off, h->type_len, body))
		return blob_err(log, -EINVAL, "type section (offset %u, %u bytes) past the end",
				h->type_off, h->type_len);
	if (!range_ok(h->str_off, h->str_len, body))
		return blob_err(log, -EINVAL, "string section (offset %u, %u bytes) past the end",
				h->str_off, h->str_len);
	if ((h->hdr_len + (uint64_t)h->type_off) % 4)
		return blob_err(log, -EINVAL, "type section not 4-byte aligned");
	if (h->type_len && (uint64_t)h->type_off < (uint64_t)h->str_off + h->str_len &&
	    (uint64_t)h->str_off < (uint64_t)h->type_off + h->type_len)
		return blob_err(log, -EINVAL, "type and string sections overlap");
	return 0;
}

static int check_header(const uint8_t *data, size_t size, struct log *log)
{
	const struct btf_header *h = (const struct btf_header *)data;

	if (h->magic != BTF_MAGIC)
		return blob_err(log, -EINVAL, "bad magic 0x%04x%s", h->magic,
				h->magic == 0x9feb ? " (foreign byte order)" : "");
	if (h->version != BTF_VERSION)
		return blob_err(log, -EINVAL, "unsupported version %u", h->version);
	if (h->flags)
		return blob_err(log, -EINVAL, "unsupported flags 0x%x", h->flags);
	if (h->hdr_len < sizeof(*h) || h->hdr_len > size)
		return blob_err(log, -EINVAL, "header length %u outside %zu..%zu", h->hdr_len,
				sizeof(*h), size);
	int err = check_sections(h, size, log);
	if (err)
		return err;
	const char *strs = (const char *)data + h->hdr_len + h->str_off;
	if (!h->str_len || strs[0] || strs[h->str_len - 1])
		return blob_err(log, -EINVAL,
				"string section must start and end with a NUL byte");
	return 0;
}

/* -- pass 2: each type's own fields -- */

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool name_ok(const char *s, enum name_rule rule)
{
	if (rule == NAME_VALUE)
		return *s != '\0';
	if (rule == NAME_OPT_IDENT && !*s)
		return true;
	/* Linux lets identifiers contain dots anywhere (clang names static locals
	 * "func.var"), and section names any printable character. */
	bool printable = rule == NAME_TEXT || rule == NAME_SECTION;
	for (size_t i = 0;; i++) {
		char c = s[i];
		if (!c)
			return i > 0;
		if (i >= BTF_NAME_MAX)
			return false;
		bool ident = is_ident_start(c) || (i && is_digit(c)) || c == '.';
		if (printable ? c < 0x20 || c >= 0x7f : !ident)
			return false;
	}
}

static int check_name(struct parser *p, uint32_t id, const struct btf_type *t)
{
	enum name_rule rule = kind_infos[exbpf_btf_kind(t)].name_rule;

	if (t->name_off >= p->btf->str_len)
		return type_err(p, id, "name offset %u out of range", t->name_off);
	if (rule == NAME_NONE) {
		if (t->name_off)
			return type_err(p, id, "%s has a name",
					btf_kind_name(exbpf_btf_kind(t)));
		return 0;
	}
	const char *name = p->btf->strs + t->name_off;
	if (!name_ok(name, rule))
		return type_err(p, id, *name ? "invalid name '%.64s'" : "%s without a name",
				*name ? name : btf_kind_name(exbpf_btf_kind(t)));
	return 0;
}

/* A member, parameter or enumerator name: `what` says which, for the message. */
static int check_sub_name(struct parser *p, uint32_t id, const char *what, uint32_t i,
			  uint32_t name_off, enum name_rule rule)
{
	if (name_off >= p->btf->str_len)
		return type_err(p, id, "%s %u name offset %u out of range", what, i, name_off);
	const char *name = p->btf->strs + name_off;
	if (!name_ok(name, rule))
		return type_err(p, id, *name ? "%s %u has an invalid name '%.64s'"
					     : "%s %u without a name%s",
				what, i, name);
	return 0;
}

static int check_int(struct parser *p, uint32_t id, const struct btf_type *t)
{
	uint32_t info = exbpf_btf_int_info(t);
	uint32_t bits = BTF_INT_BITS(info), off = BTF_INT_OFFSET(info);
	uint32_t enc = BTF_INT_ENCODING(info);

	if (info & BTF_INT_RESERVED)
		return type_err(p, id, "reserved int encoding bits set (0x%08x)", info);
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
		return type_err(p, id, "int size %u is not 1, 2, 4, 8 or 16", t->size);
	if (bits > 128 || off + bits > t->size * 8)
		return type_err(p, id, "int of %u bits at bit offset %u does not fit in %u bytes",
				bits, off, t->size);
	if (enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
		return type_err(p, id, "int encoding 0x%x is not signed, char or bool", enc);
	return 0;
}

static int check_members_meta(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_member *m = exbpf_btf_members(t);

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		int err = check_sub_name(p, id, "member", i, m[i].name_off, NAME_OPT_IDENT);
		if (err)
			return err;
		if (exbpf_btf_member_bitfield_size(t, i) > 128)
			return type_err(p, id, "member '%s' bitfield of %u bits, over 128",
					p->btf->strs + m[i].name_off,
					exbpf_btf_member_bitfield_size(t, i));
	}
	return 0;
}

static int check_enum_meta(struct parser *p, uint32_t id, const struct btf_type *t)
{
	/* btf_enum and btf_enum64 both begin with name_off */
	size_t words = exbpf_btf_kind(t) == BTF_KIND_ENUM ? 2 : 3;
	const uint32_t *rec = (const uint32_t *)(t + 1);

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return type_err(p, id, "enum size %u is not 1, 2, 4 or 8", t->size);
	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		int err = check_sub_name(p, id, "enumerator", i, rec[i * words], NAME_IDENT);
		if (err)
			return err;
	}
	return 0;
}

static int check_proto_meta(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_param *params = exbpf_btf_params(t);

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		int err = check_sub_name(p, id, "param", i, params[i].name_off, NAME_OPT_IDENT);
		if (err)
			return err;
	}
	return 0;
}

static int check_kind_meta(struct parser *p, uint32_t id, const struct btf_type *t)
{
	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_INT:
		return check_int(p, id, t);
	case BTF_KIND_ARRAY:
		if (t->size)
			return type_err(p, id, "array with size field %u, not 0", t->size);
		return 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_members_meta(p, id, t);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return check_enum_meta(p, id, t);
	case BTF_KIND_FUNC:
		if (exbpf_btf_vlen(t) > BTF_FUNC_EXTERN)
			return type_err(p, id, "func linkage %u is not static, global or extern",
					exbpf_btf_vlen(t));
		return 0;
	case BTF_KIND_FUNC_PROTO:
		return check_proto_meta(p, id, t);
	case BTF_KIND_VAR:
		if (exbpf_btf_var(t)->linkage > BTF_VAR_GLOBAL_EXTERN)
			return type_err(p, id, "var linkage %u is not static, global or extern",
					exbpf_btf_var(t)->linkage);
		return 0;
	case BTF_KIND_FLOAT:
		if (t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16)
			return type_err(p, id, "float size %u is not 2, 4, 8, 12 or 16", t->size);
		return 0;
	case BTF_KIND_DECL_TAG:
		if (exbpf_btf_decl_tag(t)->component_idx < -1)
			return type_err(p, id, "decl tag component_idx %d below -1",
					exbpf_btf_decl_tag(t)->component_idx);
		return 0;
	default:
		return 0;
	}
}

/* Checks what a type says about itself and returns its length in *len. */
static int check_meta(struct parser *p, uint32_t id, const struct btf_type *t, uint32_t left,
		      uint32_t *len)
{
	uint16_t kind = exbpf_btf_kind(t);

	if (t->info & BTF_INFO_RESERVED)
		return type_err(p, id, "reserved info bits set (0x%08x)", t->info);
	if (kind == BTF_KIND_UNKN || kind > BTF_KIND_MAX)
		return type_err(p, id, "unknown kind %u", kind);
	const struct kind_info *ki = &kind_infos[kind];
	uint64_t need = sizeof(*t) + ki->fixed + (uint64_t)ki->per_vlen * exbpf_btf_vlen(t);
	if (need > left)
		return type_err(p, id, "%s with vlen %u needs %" PRIu64 " bytes, %u left",
				ki->name, exbpf_btf_vlen(t), need, left);
	if (exbpf_btf_vlen(t) && !ki->per_vlen && kind != BTF_KIND_FUNC)
		return type_err(p, id, "vlen %u on a %s", exbpf_btf_vlen(t), ki->name);
	if (exbpf_btf_kflag(t) && !ki->kflag)
		return type_err(p, id, "kind_flag set on a %s", ki->name);
	int err = check_name(p, id, t);
	if (err)
		return err;
	*len = (uint32_t)need;
	return check_kind_meta(p, id, t);
}

static int index_types(struct parser *p, uint32_t type_len)
{
	struct exbpf_btf *btf = p->btf;
	size_t cap = 0;
	uint32_t off = 0;

	if (ARRAY_RESERVE(btf->offs, cap, 1))
		return -ENOMEM;
	btf->offs[0] = 0;
	btf->type_cnt = 1;
	while (off < type_len) {
		uint32_t id = btf->type_cnt, left = type_len - off, len = 0;
		if (id > BTF_MAX_TYPE)
			return blob_err(p->log, -E2BIG, "more than %u types", BTF_MAX_TYPE);
		if (left < sizeof(struct btf_type))
			return type_err(p, id, "truncated: %u bytes left in the type section",
					left);
		const struct btf_type *t = (const struct btf_type *)(btf->types + off);
		int err = check_meta(p, id, t, left, &len);
		if (err)
			return err;
		if (ARRAY_RESERVE(btf->offs, cap, (size_t)id + 1))
			return -ENOMEM;
		btf->offs[id] = off;
		btf->type_cnt++;
		off += len;
	}
	return 0;
}

/* -- pass 3: references -- */

static bool ref_ok(const struct parser *p, uint32_t ref, bool void_ok)
{
	return ref < p->btf->type_cnt && (ref || void_ok);
}

static int ref_err(struct parser *p, uint32_t id, uint32_t ref, const char *role)
{
	if (ref >= p->btf->type_cnt)
		return type_err(p, id, "%s type id %u out of range", role, ref);
	return type_err(p, id, "%s type is void", role);
}

static int check_ref(struct parser *p, uint32_t id, uint32_t ref, bool void_ok, const char *role)
{
	return ref_ok(p, ref, void_ok) ? 0 : ref_err(p, id, ref, role);
}

/* The role strings of members and params are built only for the message. */
static int check_member_refs(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_member *m = exbpf_btf_members(t);
	char role[96];

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		if (ref_ok(p, m[i].type, false))
			continue;
		snprintf(role, sizeof(role), "member '%s'", p->btf->strs + m[i].name_off);
		return ref_err(p, id, m[i].type, role);
	}
	return 0;
}

static int check_proto_refs(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_param *params = exbpf_btf_params(t);
	uint32_t n = exbpf_btf_vlen(t);
	char role[32];

	int err = check_ref(p, id, t->type, true, "return");
	for (uint32_t i = 0; i < n && !err; i++) {
		if (!ref_ok(p, params[i].type, true)) {
			snprintf(role, sizeof(role), "param %u", i);
			return ref_err(p, id, params[i].type, role);
		}
		if (params[i].type)
			continue;
		/* void closes a varargs list: last and unnamed */
		if (i + 1 < n)
			return type_err(p, id, "param %u is void but not the last", i);
		if (params[i].name_off)
			return type_err(p, id, "varargs param %u has a name", i);
	}
	return err;
}

static int check_datasec_refs(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_var_secinfo *vs = exbpf_btf_var_secinfos(t);
	char role[32];

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		if (ref_ok(p, vs[i].type, false))
			continue;
		snprintf(role, sizeof(role), "entry %u", i);
		return ref_err(p, id, vs[i].type, role);
	}
	return 0;
}

static int check_refs(struct parser *p, uint32_t id, const struct btf_type *t)
{
	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return check_ref(p, id, t->type, true, "referenced");
	case BTF_KIND_ARRAY: {
		int err = check_ref(p, id, exbpf_btf_array(t)->type, false, "element");
		return err ? err : check_ref(p, id, exbpf_btf_array(t)->index_type, false, "index");
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_member_refs(p, id, t);
	case BTF_KIND_FUNC:
		return check_ref(p, id, t->type, false, "prototype");
	case BTF_KIND_FUNC_PROTO:
		return check_proto_refs(p, id, t);
	case BTF_KIND_VAR:
		return check_ref(p, id, t->type, false, "variable");
	case BTF_KIND_DATASEC:
		return check_datasec_refs(p, id, t);
	case BTF_KIND_DECL_TAG:
		return check_ref(p, id, t->type, false, "tagged");
	default:
		return 0;
	}
}

/* -- pass 4a: walks -- */

/* Two graphs of references must have no loops. Values: a typedef, modifier, var or array
 * holds its target, a struct or union holds its members, so `struct s { struct s x; }` and
 * `typedef const T T` are loops; a pointer ends a value. Pointers: a pointer and a modifier
 * lead to their target, so `T *` where T is `const T *` is a loop; a struct ends a pointer
 * chain, which is what lets a struct point to itself. Every type reachable by resolve_size(),
 * skip_mods() or align() lies on the value graph. */
enum walk_mode {
	WALK_VALUE,
	WALK_POINTER,
};

enum walk_mark {
	MARK_NEW,
	MARK_ON_PATH,
	MARK_DONE,
};

/* Edge i of t in this graph: true and *to, or false when t has no edge i. */
static bool walk_edge(const struct btf_type *t, enum walk_mode mode, uint32_t i, uint32_t *to)
{
	uint16_t kind = exbpf_btf_kind(t);

	if (is_modifier(kind) || (kind == BTF_KIND_PTR && mode == WALK_POINTER) ||
	    (kind == BTF_KIND_VAR && mode == WALK_VALUE)) {
		*to = t->type;
		return i == 0;
	}
	if (mode != WALK_VALUE)
		return false;
	if (kind == BTF_KIND_ARRAY) {
		*to = exbpf_btf_array(t)->type;
		return i == 0;
	}
	if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) {
		if (i >= exbpf_btf_vlen(t))
			return false;
		*to = exbpf_btf_members(t)[i].type;
		return true;
	}
	return false;
}

/* True for a member that is a bitfield: by kind_flag, or by the older encoding of an int
 * member whose type has fewer bits than its size. */
static bool member_is_bitfield(const struct exbpf_btf *btf, const struct btf_type *t, uint32_t i)
{
	if (exbpf_btf_kflag(t))
		return exbpf_btf_member_bitfield_size(t, i) != 0;
	const struct btf_type *mt = exbpf_btf__skip_mods(btf, exbpf_btf_members(t)[i].type, NULL);
	if (!mt || exbpf_btf_kind(mt) != BTF_KIND_INT)
		return false;
	uint32_t info = exbpf_btf_int_info(mt);
	return BTF_INT_OFFSET(info) || BTF_INT_BITS(info) != mt->size * 8;
}

/* libbpf's rule: the largest member alignment, unless a member or the size shows packing. */
static uint8_t struct_align(const struct exbpf_btf *btf, const struct btf_type *t)
{
	const struct btf_member *m = exbpf_btf_members(t);
	uint8_t max = 1;

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		uint8_t a = btf->aligns[m[i].type];
		if (!a)
			return 0; /* an unsized member: the struct is refused later */
		if (a > max)
			max = a;
		if (!member_is_bitfield(btf, t, i) && exbpf_btf_member_bit_offset(t, i) % (8u * a))
			return 1;
	}
	return t->size % max ? 1 : max;
}

/* Called once every type t holds by value has its alignment. */
static uint8_t natural_align(const struct exbpf_btf *btf, const struct btf_type *t)
{
	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		return (uint8_t)(t->size < BTF_PTR_SIZE ? t->size : BTF_PTR_SIZE);
	case BTF_KIND_PTR:
		return BTF_PTR_SIZE;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		return btf->aligns[t->type];
	case BTF_KIND_ARRAY:
		return btf->aligns[exbpf_btf_array(t)->type];
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return struct_align(btf, t);
	default:
		return 0;
	}
}

/* Post-order step of the value walk. */
static int finish_value(struct parser *p, uint32_t id)
{
	const struct btf_type *t = type_at(p, id);
	uint16_t kind = exbpf_btf_kind(t);

	if (is_modifier(kind) || kind == BTF_KIND_VAR || kind == BTF_KIND_ARRAY) {
		uint32_t next = kind == BTF_KIND_ARRAY ? exbpf_btf_array(t)->type : t->type;
		uint32_t depth = 1u + p->chain[next];
		if (depth > BTF_MAX_DEPTH)
			return type_err(p, id,
					"chain of typedefs, modifiers and arrays longer than %d",
					BTF_MAX_DEPTH);
		p->chain[id] = (uint8_t)depth;
	}
	p->btf->aligns[id] = natural_align(p->btf, t);
	return 0;
}

struct walk_frame {
	uint32_t id;
	uint32_t next_edge;
};

static int walk_from(struct parser *p, uint32_t root, enum walk_mode mode)
{
	struct walk_frame stack[BTF_MAX_DEPTH + 1];
	size_t sp = 0;

	stack[sp++] = (struct walk_frame){root, 0};
	p->mark[root] = MARK_ON_PATH;
	while (sp) {
		struct walk_frame *f = &stack[sp - 1];
		uint32_t to;
		if (walk_edge(type_at(p, f->id), mode, f->next_edge++, &to)) {
			if (!to || p->mark[to] == MARK_DONE)
				continue;
			if (p->mark[to] == MARK_ON_PATH)
				return type_err(p, f->id, "type loop: refers back to [%u]", to);
			if (sp == sizeof(stack) / sizeof(stack[0]))
				return type_err(p, root, "types nest deeper than %d",
						BTF_MAX_DEPTH);
			p->mark[to] = MARK_ON_PATH;
			stack[sp++] = (struct walk_frame){to, 0};
			continue;
		}
		if (mode == WALK_VALUE) {
			int err = finish_value(p, f->id);
			if (err)
				return err;
		}
		p->mark[f->id] = MARK_DONE;
		sp--;
	}
	return 0;
}

static int walk_all(struct parser *p, enum walk_mode mode)
{
	memset(p->mark, MARK_NEW, p->btf->type_cnt);
	for (uint32_t id = 1; id < p->btf->type_cnt; id++) {
		if (p->mark[id] == MARK_DONE)
			continue;
		int err = walk_from(p, id, mode);
		if (err)
			return err;
	}
	return 0;
}

/* -- pass 4b: checks that resolve other types -- */

/* Size of a type that can hold a value (member, element, parameter, variable), or < 0. */
static int64_t value_size(const struct parser *p, uint32_t id)
{
	const struct btf_type *t = type_at(p, id);
	uint16_t kind = t ? exbpf_btf_kind(t) : BTF_KIND_UNKN;

	if (kind == BTF_KIND_VAR || kind == BTF_KIND_DATASEC)
		return -EINVAL;
	return exbpf_btf__resolve_size(p->btf, id);
}

static int check_target(struct parser *p, uint32_t id, const struct btf_type *t)
{
	uint16_t kind = exbpf_btf_kind(t);
	uint16_t target = t->type ? exbpf_btf_kind(type_at(p, t->type)) : BTF_KIND_UNKN;

	/* Linux lets a pointer reach a function; typedefs and modifiers need a type */
	if (target == BTF_KIND_VAR || target == BTF_KIND_DATASEC || target == BTF_KIND_DECL_TAG ||
	    (target == BTF_KIND_FUNC && kind != BTF_KIND_PTR))
		return type_err(p, id, "%s refers to [%u], a %s", btf_kind_name(kind), t->type,
				btf_kind_name(target));
	return 0;
}

static int check_array(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_array *a = exbpf_btf_array(t);
	const struct btf_type *index = exbpf_btf__skip_mods(p->btf, a->index_type, NULL);

	if (!index || exbpf_btf_kind(index) != BTF_KIND_INT ||
	    BTF_INT_OFFSET(exbpf_btf_int_info(index)))
		return type_err(p, id, "index type [%u] is a %s, not an int", a->index_type,
				kind_of(p, a->index_type));
	int64_t elem = value_size(p, a->type);
	if (elem < 0)
		return type_err(p, id, "element type [%u] (%s) has no size", a->type,
				kind_of(p, a->type));
	if ((uint64_t)elem * a->nelems > UINT32_MAX)
		return type_err(p, id, "%u elements of %" PRId64 " bytes overflow 4 GiB", a->nelems,
				elem);
	return 0;
}

/* The bit after the last one member i occupies, by Linux's rules for each member kind. */
static int member_extent(struct parser *p, uint32_t id, const struct btf_type *t, uint32_t i,
			 uint64_t *end)
{
	const struct btf_member *m = &exbpf_btf_members(t)[i];
	const char *name = p->btf->strs + m->name_off;
	uint32_t off = exbpf_btf_member_bit_offset(t, i), bf = exbpf_btf_member_bitfield_size(t, i);
	const struct btf_type *base = exbpf_btf__skip_mods(p->btf, m->type, NULL);
	uint16_t base_kind = base ? exbpf_btf_kind(base) : BTF_KIND_UNKN;

	int64_t size = value_size(p, m->type);
	if (size < 0)
		return type_err(p, id, "member '%s' type [%u] (%s) has no size", name, m->type,
				kind_of(p, m->type));
	if (bf) {
		if (base_kind != BTF_KIND_INT && base_kind != BTF_KIND_ENUM &&
		    base_kind != BTF_KIND_ENUM64)
			return type_err(p, id, "bitfield member '%s' is a %s, not an int or enum",
					name, btf_kind_name(base_kind));
		if (bf > size * 8)
			return type_err(p, id,
					"bitfield member '%s' of %u bits wider than its type", name,
					bf);
		*end = (uint64_t)off + bf;
		return 0;
	}
	if (base_kind == BTF_KIND_INT && !exbpf_btf_kflag(t)) {
		uint32_t info = exbpf_btf_int_info(base);
		*end = (uint64_t)off + BTF_INT_OFFSET(info) + BTF_INT_BITS(info);
		return 0;
	}
	if (off % 8)
		return type_err(p, id, "member '%s' at bit offset %u is not byte aligned", name,
				off);
	*end = (uint64_t)off + (uint64_t)size * 8;
	return 0;
}

static int check_members(struct parser *p, uint32_t id, const struct btf_type *t)
{
	bool is_union = exbpf_btf_kind(t) == BTF_KIND_UNION;
	uint32_t last = 0;

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		const char *name = p->btf->strs + exbpf_btf_members(t)[i].name_off;
		uint32_t off = exbpf_btf_member_bit_offset(t, i);
		uint64_t end = 0;
		if (is_union && off)
			return type_err(p, id, "union member '%s' at bit offset %u, not 0", name,
					off);
		if (off < last)
			return type_err(p, id,
					"member '%s' at bit offset %u, before the previous one",
					name, off);
		last = off;
		int err = member_extent(p, id, t, i, &end);
		if (err)
			return err;
		if (end > (uint64_t)t->size * 8)
			return type_err(p, id,
					"member '%s' ends at bit %" PRIu64 ", past the %u bytes",
					name, end, t->size);
	}
	return 0;
}

static int check_proto(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_param *params = exbpf_btf_params(t);

	if (t->type && value_size(p, t->type) < 0)
		return type_err(p, id, "return type [%u] (%s) has no size", t->type,
				kind_of(p, t->type));
	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		if (params[i].type && value_size(p, params[i].type) < 0)
			return type_err(p, id, "param %u type [%u] (%s) has no size", i,
					params[i].type, kind_of(p, params[i].type));
	}
	return 0;
}

static int check_datasec(struct parser *p, uint32_t id, const struct btf_type *t)
{
	const struct btf_var_secinfo *vs = exbpf_btf_var_secinfos(t);

	for (uint32_t i = 0; i < exbpf_btf_vlen(t); i++) {
		uint16_t kind = exbpf_btf_kind(type_at(p, vs[i].type));
		if (kind != BTF_KIND_VAR && kind != BTF_KIND_FUNC)
			return type_err(p, id, "entry %u refers to [%u], a %s, not a VAR or FUNC",
					i, vs[i].type, btf_kind_name(kind));
		if ((uint64_t)vs[i].offset + vs[i].size > UINT32_MAX)
			return type_err(p, id, "entry %u: offset %u + size %u overflows", i,
					vs[i].offset, vs[i].size);
	}
	return 0;
}

static int check_decl_tag(struct parser *p, uint32_t id, const struct btf_type *t)
{
	int32_t idx = exbpf_btf_decl_tag(t)->component_idx;
	const struct btf_type *target = type_at(p, t->type);
	uint32_t parts;

	switch (exbpf_btf_kind(target)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		parts = exbpf_btf_vlen(target);
		break;
	case BTF_KIND_FUNC: {
		const struct btf_type *proto = type_at(p, target->type);
		if (exbpf_btf_kind(proto) != BTF_KIND_FUNC_PROTO)
			return type_err(p, id, "tagged func [%u] has no prototype", t->type);
		parts = exbpf_btf_vlen(proto);
		break;
	}
	case BTF_KIND_VAR:
	case BTF_KIND_TYPEDEF:
		parts = 0;
		break;
	default:
		return type_err(p, id, "decl tag on [%u], a %s", t->type, kind_of(p, t->type));
	}
	if (idx != -1 && (uint32_t)idx >= parts)
		return type_err(p, id,
				"component_idx %d out of range: [%u] has %u members or params", idx,
				t->type, parts);
	return 0;
}

static int check_resolved(struct parser *p, uint32_t id, const struct btf_type *t)
{
	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return check_target(p, id, t);
	case BTF_KIND_ARRAY:
		return check_array(p, id, t);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_members(p, id, t);
	case BTF_KIND_FUNC:
		if (exbpf_btf_kind(type_at(p, t->type)) != BTF_KIND_FUNC_PROTO)
			return type_err(p, id, "prototype [%u] is a %s, not a FUNC_PROTO", t->type,
					kind_of(p, t->type));
		return 0;
	case BTF_KIND_FUNC_PROTO:
		return check_proto(p, id, t);
	case BTF_KIND_VAR:
		if (value_size(p, t->type) < 0)
			return type_err(p, id, "variable type [%u] (%s) has no size", t->type,
					kind_of(p, t->type));
		return 0;
	case BTF_KIND_DATASEC:
		return check_datasec(p, id, t);
	case BTF_KIND_DECL_TAG:
		return check_decl_tag(p, id, t);
	default:
		return 0;
	}
}

static int check_types(struct parser *p)
{
	struct exbpf_btf *btf = p->btf;
	int err = 0;

	for (uint32_t id = 1; id < btf->type_cnt && !err; id++)
		err = check_refs(p, id, type_at(p, id));
	if (err)
		return err;
	btf->aligns = calloc(btf->type_cnt, 1);
	p->mark = malloc(btf->type_cnt);
	p->chain = calloc(btf->type_cnt, 1);
	if (!btf->aligns || !p->mark || !p->chain)
		return -ENOMEM;
	err = walk_all(p, WALK_VALUE);
	if (!err)
		err = walk_all(p, WALK_POINTER);
	for (uint32_t id = 1; id < btf->type_cnt && !err; id++)
		err = check_resolved(p, id, type_at(p, id));
	return err;
}

static int parse_copy(struct parser *p)
{
	struct exbpf_btf *btf = p->btf;
	int err = check_header(btf->data, btf->size, p->log);
	if (err)
		return err;
	const struct btf_header *h = (const struct btf_header *)btf->data;
	btf->types = btf->data + h->hdr_len + h->type_off;
	btf->strs = (const char *)btf->data + h->hdr_len + h->str_off;
	btf->str_len = h->str_len;
	err = index_types(p, h->type_len);
	return err ? err : check_types(p);
}

int btf_parse(const void *data, size_t size, struct exbpf_btf **out, struct log *log)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!data || size < sizeof(struct btf_header))
		return blob_err(log, -EINVAL, "%zu bytes, shorter than the %zu-byte header", size,
				sizeof(struct btf_header));
	if (size > BTF_MAX_SIZE)
		return blob_err(log, -E2BIG, "%zu bytes, over the %u MiB limit", size,
				BTF_MAX_SIZE >> 20);

	struct exbpf_btf *btf = calloc(1, sizeof(*btf));
	struct parser p = {.btf = btf, .log = log};
	int err = -ENOMEM;
	if (btf && (btf->data = malloc(size))) {
		memcpy(btf->data, data, size);
		btf->size = size;
		err = parse_copy(&p);
	}
	free(p.mark);
	free(p.chain);
	if (err) {
		if (err == -ENOMEM)
			blob_err(log, err, "out of memory");
		exbpf_btf__free(btf);
		return err;
	}
	*out = btf;
	return 0;
}

int exbpf_btf__parse(const void *data, size_t size, struct exbpf_btf **out, char *log_buf,
		     size_t log_size)
{
	struct log log;

	log_init(&log, log_buf, log_size);
	return btf_parse(data, size, out, &log);
}
