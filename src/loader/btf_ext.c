#include "loader/btf_ext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf_priv.h"
#include "common/array.h"

/* libbpf's struct btf_ext_header (not in the UAPI headers). The core_relo fields exist when
 * hdr_len covers them. */
struct ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	uint32_t core_relo_off;
	uint32_t core_relo_len;
};

#define EXT_HDR_MIN offsetof(struct ext_header, core_relo_off)
#define EXT_INSN_SZ 8
#define CORE_KIND_MAX 12 /* BPF_CORE_TYPE_MATCHES */

struct ext_parser {
	const struct exbpf_btf *btf;
	struct log *log;
	const char *what; /* "func_info", ... while parsing one of them */
	const struct btf_ext_sec *sec;
};

__attribute__((format(printf, 2, 3))) static int ext_err(struct ext_parser *p, const char *fmt,
							 ...)
{
	va_list ap;

	log_printf(p->log, ".BTF.ext");
	if (p->what)
		log_printf(p->log, " %s", p->what);
	if (p->sec)
		log_printf(p->log, " of section '%.64s'", p->sec->name);
	log_printf(p->log, ": ");
	va_start(ap, fmt);
	log_vprintf(p->log, fmt, ap);
	va_end(ap);
	log_printf(p->log, "\n");
	return -EINVAL;
}

static int check_insn_off(struct ext_parser *p, uint32_t i, uint32_t insn_off)
{
	if (insn_off % EXT_INSN_SZ)
		return ext_err(p, "record %u: insn_off %u is not a multiple of %d", i, insn_off,
			       EXT_INSN_SZ);
	return 0;
}

static int check_str(struct ext_parser *p, uint32_t i, const char *field, uint32_t off)
{
	if (!exbpf_btf__name_by_offset(p->btf, off))
		return ext_err(p, "record %u: %s %u out of the string section", i, field, off);
	return 0;
}

static int check_func(struct ext_parser *p, uint32_t i, const uint8_t *rec)
{
	struct bpf_func_info fi;

	memcpy(&fi, rec, sizeof(fi));
	const struct btf_type *t = exbpf_btf__type_by_id(p->btf, fi.type_id);
	if (!t)
		return ext_err(p, "record %u: type id %u is not a type", i, fi.type_id);
	if (exbpf_btf_kind(t) != BTF_KIND_FUNC)
		return ext_err(p, "record %u: type [%u] is a %s, not a FUNC", i, fi.type_id,
			       btf_kind_name(exbpf_btf_kind(t)));
	return check_insn_off(p, i, fi.insn_off);
}

static int check_line(struct ext_parser *p, uint32_t i, const uint8_t *rec)
{
	struct bpf_line_info li;

	memcpy(&li, rec, sizeof(li));
	int err = check_str(p, i, "file_name_off", li.file_name_off);
	if (!err)
		err = check_str(p, i, "line_off", li.line_off);
	return err ? err : check_insn_off(p, i, li.insn_off);
}

static int check_core(struct ext_parser *p, uint32_t i, const uint8_t *rec)
{
	struct bpf_core_relo cr;

	memcpy(&cr, rec, sizeof(cr));
	if (cr.type_id >= exbpf_btf__type_cnt(p->btf))
		return ext_err(p, "record %u: type id %u out of range", i, cr.type_id);
	if ((uint32_t)cr.kind > CORE_KIND_MAX)
		return ext_err(p, "record %u: unknown relocation kind %u", i, (uint32_t)cr.kind);
	int err = check_str(p, i, "access_str_off", cr.access_str_off);
	return err ? err : check_insn_off(p, i, cr.insn_off);
}

struct ext_kind {
	const char *name;
	uint32_t min_rec_size;
	int (*check)(struct ext_parser *p, uint32_t i, const uint8_t *rec);
};

static const struct ext_kind func_kind = {"func_info", sizeof(struct bpf_func_info), check_func};
static const struct ext_kind line_kind = {"line_info", sizeof(struct bpf_line_info), check_line};
static const struct ext_kind core_kind = {"core_relo", sizeof(struct bpf_core_relo), check_core};

/* Reads one (name, count, records) section at data[*pos] and appends it to info. */
static int parse_sec(struct ext_parser *p, const struct ext_kind *k, const uint8_t *data,
		     uint32_t *pos, uint32_t end, struct btf_ext_info *info, size_t *cap)
{
	uint32_t hdr[2];

	if (end - *pos < sizeof(hdr))
		return ext_err(p, "truncated section header at offset %u", *pos);
	memcpy(hdr, data + *pos, sizeof(hdr));
	const char *name = exbpf_btf__name_by_offset(p->btf, hdr[0]);
	if (!name || !*name)
		return ext_err(p, "section name offset %u is not a name", hdr[0]);
	if (!hdr[1])
		return ext_err(p, "section '%.64s' has no records", name);
	uint64_t bytes = (uint64_t)hdr[1] * info->rec_size;
	if (bytes > end - *pos - sizeof(hdr))
		return ext_err(p, "section '%.64s': %u records of %u bytes past the end", name,
			       hdr[1], info->rec_size);
	if (ARRAY_RESERVE(info->secs, *cap, info->nsecs + 1))
		return -ENOMEM;
	struct btf_ext_sec *sec = &info->secs[info->nsecs++];
	*sec = (struct btf_ext_sec){name, hdr[0], info->rec_size, hdr[1],
				    data + *pos + sizeof(hdr)};
	*pos += (uint32_t)(sizeof(hdr) + bytes);
	p->sec = sec;
	for (uint32_t i = 0; i < sec->cnt; i++) {
		int err = k->check(p, i, btf_ext_rec(sec, i));
		if (err)
			return err;
	}
	p->sec = NULL;
	return 0;
}

/* Parses the `len` bytes at `off` past the header; `body` is what follows the header. */
static int parse_info(struct ext_parser *p, const struct ext_kind *k, const uint8_t *body,
		      uint64_t body_len, uint32_t off, uint32_t len, struct btf_ext_info *info)
{
	size_t cap = 0;
	uint32_t pos = sizeof(uint32_t);

	if (!len)
		return 0;
	p->what = k->name;
	if (off % 4)
		return ext_err(p, "offset %u is not 4-byte aligned", off);
	if (off > body_len || len > body_len - off)
		return ext_err(p, "offset %u + length %u past the end", off, len);
	if (len < sizeof(uint32_t))
		return ext_err(p, "no record size");
	memcpy(&info->rec_size, body + off, sizeof(uint32_t));
	if (info->rec_size < k->min_rec_size || info->rec_size % 4)
		return ext_err(p, "record size %u (must be a multiple of 4, at least %u)",
			       info->rec_size, k->min_rec_size);
	if (len == pos)
		return ext_err(p, "no sections");
	while (pos < len) {
		int err = parse_sec(p, k, body + off, &pos, len, info, &cap);
		if (err)
			return err;
	}
	p->what = NULL;
	return 0;
}

static int parse_header(struct ext_parser *p, const uint8_t *data, size_t size,
			struct ext_header *h)
{
	memset(h, 0, sizeof(*h));
	if (size < EXT_HDR_MIN)
		return ext_err(p, "%zu bytes, shorter than the %zu-byte header", size, EXT_HDR_MIN);
	memcpy(h, data, EXT_HDR_MIN);
	if (h->magic != BTF_MAGIC)
		return ext_err(p, "bad magic 0x%04x%s", h->magic,
			       h->magic == 0x9feb ? " (foreign byte order)" : "");
	if (h->version != BTF_VERSION)
		return ext_err(p, "unsupported version %u", h->version);
	/* flags have no meaning yet; libbpf ignores them too */
	if (h->hdr_len < EXT_HDR_MIN || h->hdr_len > size)
		return ext_err(p, "header length %u outside %zu..%zu", h->hdr_len, EXT_HDR_MIN,
			       size);
	/* records are read in place, as 32-bit words */
	if (h->hdr_len % 4)
		return ext_err(p, "header length %u is not a multiple of 4", h->hdr_len);
	if (h->hdr_len >= sizeof(*h))
		memcpy(h, data, sizeof(*h));
	return 0;
}

static int parse_copy(struct ext_parser *p, struct btf_ext *ext)
{
	struct ext_header h;
	int err = parse_header(p, ext->data, ext->size, &h);
	if (err)
		return err;
	const uint8_t *body = ext->data + h.hdr_len;
	uint64_t body_len = ext->size - h.hdr_len;
	err = parse_info(p, &func_kind, body, body_len, h.func_info_off, h.func_info_len,
			 &ext->func_info);
	if (!err)
		err = parse_info(p, &line_kind, body, body_len, h.line_info_off, h.line_info_len,
				 &ext->line_info);
	if (!err)
		err = parse_info(p, &core_kind, body, body_len, h.core_relo_off, h.core_relo_len,
				 &ext->core_relo);
	return err;
}

int btf_ext_parse(const void *data, size_t size, const struct exbpf_btf *btf,
		  struct btf_ext **out, struct log *log)
{
	struct ext_parser p = {.btf = btf, .log = log};

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!btf)
		return ext_err(&p, "no .BTF to resolve names and types against");
	if (!data)
		size = 0;
	struct btf_ext *ext = calloc(1, sizeof(*ext));
	int err = -ENOMEM;
	if (ext && (ext->data = malloc(size ? size : 1))) {
		if (size)
			memcpy(ext->data, data, size);
		ext->size = size;
		err = parse_copy(&p, ext);
	}
	if (err) {
		if (err == -ENOMEM)
			ext_err(&p, "out of memory");
		btf_ext_free(ext);
		return err;
	}
	*out = ext;
	return 0;
}

void btf_ext_free(struct btf_ext *ext)
{
	if (!ext)
		return;
	free(ext->func_info.secs);
	free(ext->line_info.secs);
	free(ext->core_relo.secs);
	free(ext->data);
	free(ext);
}

const struct btf_ext_sec *btf_ext_find(const struct btf_ext_info *info, const char *sec_name)
{
	if (!info || !sec_name)
		return NULL;
	for (size_t i = 0; i < info->nsecs; i++)
		if (!strcmp(info->secs[i].name, sec_name))
			return &info->secs[i];
	return NULL;
}
