/* The .BTF.ext parser (src/loader/btf_ext.h): the section clang-19 wrote for btf_sample.c.txt,
 * whose records were read independently with a script (layout per libbpf's btf_ext_header)
 * and are written down below; then hand-built sections, one rejected case per rule, against
 * the sample's BTF. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/btf.h>

#include "btf_sample.h"
#include "common/log.h"
#include "loader/btf_ext.h"
#include "testlib.h"

static char logbuf[1024];

static struct exbpf_btf *sample_btf(void)
{
	struct exbpf_btf *btf = NULL;
	if (exbpf_btf__parse(btf_sample_btf, sizeof(btf_sample_btf), &btf, logbuf,
			     sizeof(logbuf)))
		test_fail(__FILE__, __LINE__, "sample BTF rejected: %s", logbuf);
	return btf;
}

static int parse_ext(const void *data, size_t size, const struct exbpf_btf *btf,
		     struct btf_ext **out)
{
	struct log log;

	memset(logbuf, 0x5a, sizeof(logbuf));
	log_init(&log, logbuf, sizeof(logbuf));
	return btf_ext_parse(data, size, btf, out, &log);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = s ? strlen(s) : 0, m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* ---------------------------------------------------------------------------------------
 * The sample: func_info and line_info for sections "raw" (prog) and ".text" (helper), and
 * one CO-RE relocation, t->tgid in prog. */

TEST(btf_ext_sample_func_info)
{
	struct exbpf_btf *btf = sample_btf();
	struct btf_ext *ext = NULL;
	if (!btf)
		return;
	int err = parse_ext(btf_sample_btf_ext, sizeof(btf_sample_btf_ext), btf, &ext);
	CHECK_EQ(err, 0);
	if (err) {
		test_fail(__FILE__, __LINE__, "%s", logbuf);
		exbpf_btf__free(btf);
		return;
	}
	CHECK_EQ(ext->func_info.rec_size, 8);
	CHECK_EQ(ext->func_info.nsecs, 2);
	const struct btf_ext_sec *raw = btf_ext_find(&ext->func_info, "raw");
	const struct btf_ext_sec *text = btf_ext_find(&ext->func_info, ".text");
	CHECK(raw == &ext->func_info.secs[0] && text == &ext->func_info.secs[1]);
	CHECK(btf_ext_find(&ext->func_info, "xdp") == NULL);
	CHECK(btf_ext_find(NULL, "raw") == NULL);
	struct bpf_func_info fi;
	if (raw && text) {
		CHECK_EQ(raw->cnt, 1);
		memcpy(&fi, btf_ext_rec(raw, 0), sizeof(fi));
		CHECK_EQ(fi.insn_off, 0);
		CHECK_EQ(fi.type_id, exbpf_btf__find_by_name_kind(btf, "prog", BTF_KIND_FUNC));
		CHECK_EQ(text->cnt, 1);
		memcpy(&fi, btf_ext_rec(text, 0), sizeof(fi));
		CHECK_EQ(fi.type_id, exbpf_btf__find_by_name_kind(btf, "helper", BTF_KIND_FUNC));
		CHECK_EQ(text->name_off, 456);
	}
	btf_ext_free(ext);
	exbpf_btf__free(btf);
}

TEST(btf_ext_sample_line_info)
{
	static const struct {
		uint32_t insn_off, line, col;
		const char *text;
	} raw_lines[] = {
		{0, 76, 11, "\tg_counter++;"},
		{40, 77, 30, "\treturn helper(&g_sample, t->tgid) + ext_func(0);"},
		{48, 77, 9, NULL},
		{64, 77, 38, NULL},
		{80, 77, 36, NULL},
		{88, 77, 2, NULL},
	};
	struct exbpf_btf *btf = sample_btf();
	struct btf_ext *ext = NULL;
	if (!btf)
		return;
	CHECK_EQ(parse_ext(btf_sample_btf_ext, sizeof(btf_sample_btf_ext), btf, &ext), 0);
	if (!ext) {
		exbpf_btf__free(btf);
		return;
	}
	CHECK_EQ(ext->line_info.rec_size, 16);
	CHECK_EQ(ext->line_info.nsecs, 2);
	const struct btf_ext_sec *raw = btf_ext_find(&ext->line_info, "raw");
	const struct btf_ext_sec *text = btf_ext_find(&ext->line_info, ".text");
	CHECK(raw && raw->cnt == 6);
	CHECK(text && text->cnt == 5);
	for (uint32_t i = 0; raw && i < raw->cnt && i < 6; i++) {
		struct bpf_line_info li;
		memcpy(&li, btf_ext_rec(raw, i), sizeof(li));
		CHECK_EQ(li.insn_off, raw_lines[i].insn_off);
		CHECK_EQ(BPF_LINE_INFO_LINE_NUM(li.line_col), raw_lines[i].line);
		CHECK_EQ(BPF_LINE_INFO_LINE_COL(li.line_col), raw_lines[i].col);
		CHECK(ends_with(exbpf_btf__name_by_offset(btf, li.file_name_off),
				"tests/unit/btf_sample.c.txt"));
		if (raw_lines[i].text)
			CHECK_STR(exbpf_btf__name_by_offset(btf, li.line_off), raw_lines[i].text);
	}
	if (text) {
		struct bpf_line_info li;
		memcpy(&li, btf_ext_rec(text, 1), sizeof(li));
		CHECK_EQ(li.insn_off, 8);
		CHECK_EQ(BPF_LINE_INFO_LINE_NUM(li.line_col), 71);
		CHECK_STR(exbpf_btf__name_by_offset(btf, li.line_off),
			  "\treturn s->a + x + g_limit;");
	}
	btf_ext_free(ext);
	exbpf_btf__free(btf);
}

TEST(btf_ext_sample_core_relo)
{
	struct exbpf_btf *btf = sample_btf();
	struct btf_ext *ext = NULL;
	if (!btf)
		return;
	CHECK_EQ(parse_ext(btf_sample_btf_ext, sizeof(btf_sample_btf_ext), btf, &ext), 0);
	if (!ext) {
		exbpf_btf__free(btf);
		return;
	}
	CHECK_EQ(ext->core_relo.rec_size, 16);
	CHECK_EQ(ext->core_relo.nsecs, 1);
	const struct btf_ext_sec *raw = btf_ext_find(&ext->core_relo, "raw");
	CHECK(raw && raw->cnt == 1);
	if (raw) {
		struct bpf_core_relo cr;
		memcpy(&cr, btf_ext_rec(raw, 0), sizeof(cr));
		CHECK_EQ(cr.insn_off, 40); /* insn 5: r1 = *(u32 *)(r1 + 4) */
		CHECK_EQ(cr.type_id, exbpf_btf__find_by_name_kind(btf, "task", BTF_KIND_STRUCT));
		CHECK_STR(exbpf_btf__name_by_offset(btf, cr.access_str_off), "0:1");
		CHECK_EQ(cr.kind, BPF_CORE_FIELD_BYTE_OFFSET);
	}
	btf_ext_free(ext);
	exbpf_btf__free(btf);
}

/* The caller's buffer may go away: records point into the parser's copy. */
TEST(btf_ext_parse_copies)
{
	struct exbpf_btf *btf = sample_btf();
	struct btf_ext *ext = NULL;
	uint8_t *buf = malloc(sizeof(btf_sample_btf_ext));
	if (!btf || !buf)
		goto out;
	memcpy(buf, btf_sample_btf_ext, sizeof(btf_sample_btf_ext));
	CHECK_EQ(parse_ext(buf, sizeof(btf_sample_btf_ext), btf, &ext), 0);
	memset(buf, 0, sizeof(btf_sample_btf_ext));
	const struct btf_ext_sec *text = ext ? btf_ext_find(&ext->func_info, ".text") : NULL;
	CHECK(text && text->cnt == 1);
	btf_ext_free(ext);
out:
	free(buf);
	exbpf_btf__free(btf);
}

/* ---------------------------------------------------------------------------------------
 * Hand-built sections against the sample's BTF. A blob is a 32-byte header and three word
 * arrays (func_info, line_info, core_relo), each laid out as in the file. */

struct ext_ids {
	uint32_t prog, task;	 /* a FUNC and a STRUCT */
	uint32_t name, str;	 /* string offsets: "raw" and "0:1" */
	uint32_t bad_str, ntypes; /* past the string section; the type count */
};

/* Offset of `want` in the string section, or the section's length. */
static uint32_t str_off(const struct exbpf_btf *btf, const char *want)
{
	const struct btf_header *h = exbpf_btf__raw_data(btf, NULL);
	const char *strs = (const char *)h + h->hdr_len + h->str_off;
	uint32_t off = 0;

	while (off < h->str_len && strcmp(strs + off, want))
		off += (uint32_t)strlen(strs + off) + 1;
	return off;
}

static struct ext_ids ids_of(const struct exbpf_btf *btf)
{
	struct ext_ids ids = {
		.prog = (uint32_t)exbpf_btf__find_by_name_kind(btf, "prog", BTF_KIND_FUNC),
		.task = (uint32_t)exbpf_btf__find_by_name_kind(btf, "task", BTF_KIND_STRUCT),
		.name = str_off(btf, "raw"),
		.str = str_off(btf, "0:1"),
		.bad_str = str_off(btf, "no such string"),
		.ntypes = exbpf_btf__type_cnt(btf),
	};
	return ids;
}

struct ext_blob {
	_Alignas(8) uint8_t bytes[512];
	size_t size;
};

static void append(struct ext_blob *e, const uint32_t *words, size_t n)
{
	if (n)
		memcpy(e->bytes + e->size, words, n * 4);
	e->size += n * 4;
}

static void build(struct ext_blob *e, const uint32_t *f, size_t nf, const uint32_t *l, size_t nl,
		  const uint32_t *c, size_t nc)
{
	uint32_t h[8] = {BTF_MAGIC | 1u << 16, 32, 0, (uint32_t)nf * 4, (uint32_t)nf * 4,
			 (uint32_t)nl * 4, (uint32_t)(nf + nl) * 4, (uint32_t)nc * 4};
	memcpy(e->bytes, h, sizeof(h));
	e->size = sizeof(h);
	append(e, f, nf);
	append(e, l, nl);
	append(e, c, nc);
}

static uint32_t *hdr_word(struct ext_blob *e, int i)
{
	return (uint32_t *)e->bytes + i;
}

enum { H_MAGIC, H_LEN, H_FUNC_OFF, H_FUNC_LEN, H_LINE_OFF, H_LINE_LEN, H_CORE_OFF, H_CORE_LEN };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_reject_at(const struct ext_blob *e, const struct exbpf_btf *btf,
			     const char *needle, int line)
{
	struct btf_ext *ext = (struct btf_ext *)&ext;
	int err = parse_ext(e->bytes, e->size, btf, &ext);
	if (err != -EINVAL || ext)
		test_fail(__FILE__, line, "parse returned %d: %s", err,
			  err ? logbuf : "(accepted)");
	if (!err)
		btf_ext_free(ext);
	if (!memchr(logbuf, '\0', sizeof(logbuf)) || !strstr(logbuf, needle))
		test_fail(__FILE__, line, "log \"%.200s\" lacks \"%s\"", logbuf, needle);
}

#define REJECT(e, needle) expect_reject_at((e), btf, (needle), __LINE__)

static struct btf_ext *must_parse_at(const struct ext_blob *e, const struct exbpf_btf *btf,
				     int line)
{
	struct btf_ext *ext = NULL;
	int err = parse_ext(e->bytes, e->size, btf, &ext);
	if (err)
		test_fail(__FILE__, line, "parse failed (%d): %s", err, logbuf);
	return ext;
}

#define MUST_PARSE(e) must_parse_at((e), btf, __LINE__)

TEST(btf_ext_hand_built_ok)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);
	/* a longer func record (12 bytes) is fine: newer compilers may add fields */
	uint32_t func[] = {12, id.name, 2, 0, id.prog, 0xaaaa, 16, id.prog, 0xbbbb};
	uint32_t line[] = {16, id.name, 1, 8, id.name, id.str, 3 << 10 | 4};
	uint32_t core[] = {16, id.name, 1, 8, id.task, id.str, BPF_CORE_TYPE_MATCHES};
	build(&e, func, N(func), line, N(line), core, N(core));
	struct btf_ext *ext = MUST_PARSE(&e);
	if (ext) {
		const struct btf_ext_sec *s = btf_ext_find(&ext->func_info, "raw");
		CHECK(s && s->cnt == 2 && s->rec_size == 12);
		struct bpf_func_info fi;
		if (s) {
			memcpy(&fi, btf_ext_rec(s, 1), sizeof(fi));
			CHECK_EQ(fi.insn_off, 16);
		}
		CHECK_EQ(ext->line_info.nsecs, 1);
		CHECK_EQ(ext->core_relo.nsecs, 1);
		btf_ext_free(ext);
	}
	/* empty parts, and a header from before CO-RE (24 bytes: no core_relo fields) */
	build(&e, NULL, 0, NULL, 0, NULL, 0);
	ext = MUST_PARSE(&e);
	CHECK(ext && !ext->func_info.nsecs && !ext->line_info.nsecs && !ext->core_relo.nsecs);
	btf_ext_free(ext);
	build(&e, func, N(func), NULL, 0, NULL, 0);
	/* what were the core_relo fields now holds the first func_info words */
	*hdr_word(&e, H_LEN) = 24;
	memmove(e.bytes + 24, e.bytes + 32, e.size - 32);
	e.size -= 8;
	ext = MUST_PARSE(&e);
	CHECK(ext && ext->func_info.nsecs == 1 && ext->core_relo.nsecs == 0);
	btf_ext_free(ext);
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_header)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	build(&e, NULL, 0, NULL, 0, NULL, 0);
	*hdr_word(&e, H_MAGIC) = 0x1234 | 1u << 16;
	REJECT(&e, ".BTF.ext: bad magic 0x1234");
	*hdr_word(&e, H_MAGIC) = 0x9feb | 1u << 16;
	REJECT(&e, "foreign byte order");
	*hdr_word(&e, H_MAGIC) = BTF_MAGIC | 2u << 16;
	REJECT(&e, "unsupported version 2");
	build(&e, NULL, 0, NULL, 0, NULL, 0);
	*hdr_word(&e, H_LEN) = 20;
	REJECT(&e, "header length 20 outside 24..32");
	*hdr_word(&e, H_LEN) = 36;
	REJECT(&e, "header length 36");
	*hdr_word(&e, H_LEN) = 26;
	REJECT(&e, "header length 26 is not a multiple of 4");
	e.size = 23;
	REJECT(&e, "23 bytes, shorter than the 24-byte header");

	struct btf_ext *ext = (struct btf_ext *)&e;
	build(&e, NULL, 0, NULL, 0, NULL, 0);
	CHECK_EQ(parse_ext(e.bytes, e.size, NULL, &ext), -EINVAL);
	CHECK(ext == NULL);
	CHECK_CONTAINS(logbuf, "no .BTF");
	CHECK_EQ(parse_ext(NULL, 0, btf, &ext), -EINVAL);
	CHECK_EQ(parse_ext(e.bytes, e.size, btf, NULL), -EINVAL);
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_layout)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);
	uint32_t func[] = {8, id.name, 1, 0, id.prog};

	build(&e, func, N(func), NULL, 0, NULL, 0);
	*hdr_word(&e, H_FUNC_LEN) += 4;
	REJECT(&e, ".BTF.ext func_info: offset 0 + length 24 past the end");
	build(&e, func, N(func), NULL, 0, NULL, 0);
	*hdr_word(&e, H_FUNC_OFF) = 0xfffffffc; /* off + len wraps in 32 bits */
	REJECT(&e, "past the end");
	build(&e, func, N(func), NULL, 0, NULL, 0);
	*hdr_word(&e, H_FUNC_OFF) = 2;
	REJECT(&e, "func_info: offset 2 is not 4-byte aligned");
	build(&e, func, N(func), NULL, 0, NULL, 0);
	*hdr_word(&e, H_FUNC_LEN) = 2;
	REJECT(&e, "func_info: no record size");
	build(&e, func, 1, NULL, 0, NULL, 0);
	REJECT(&e, "func_info: no sections");
	build(&e, func, 2, NULL, 0, NULL, 0);
	REJECT(&e, "func_info: truncated section header at offset 4");

	uint32_t small[] = {4, id.name, 1, 0};
	build(&e, small, N(small), NULL, 0, NULL, 0);
	REJECT(&e, "func_info: record size 4 (must be a multiple of 4, at least 8)");
	uint32_t odd[] = {10, id.name, 1, 0, id.prog, 0};
	build(&e, odd, N(odd), NULL, 0, NULL, 0);
	REJECT(&e, "record size 10");
	uint32_t line[] = {12, id.name, 1, 0, id.name, id.name};
	build(&e, NULL, 0, line, N(line), NULL, 0);
	REJECT(&e, "line_info: record size 12 (must be a multiple of 4, at least 16)");
	uint32_t core[] = {8, id.name, 1, 0, id.task};
	build(&e, NULL, 0, NULL, 0, core, N(core));
	REJECT(&e, "core_relo: record size 8");
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_sections)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);

	uint32_t bad_name[] = {8, id.bad_str, 1, 0, id.prog};
	build(&e, bad_name, N(bad_name), NULL, 0, NULL, 0);
	REJECT(&e, "func_info: section name offset");
	uint32_t no_name[] = {8, 0, 1, 0, id.prog};
	build(&e, no_name, N(no_name), NULL, 0, NULL, 0);
	REJECT(&e, "func_info: section name offset 0 is not a name");
	uint32_t empty[] = {8, id.name, 0};
	build(&e, empty, N(empty), NULL, 0, NULL, 0);
	REJECT(&e, "func_info: section 'raw' has no records");
	uint32_t short_recs[] = {8, id.name, 3, 0, id.prog};
	build(&e, short_recs, N(short_recs), NULL, 0, NULL, 0);
	REJECT(&e, "section 'raw': 3 records of 8 bytes past the end");
	uint32_t huge[] = {8, id.name, 0x80000000u, 0, id.prog}; /* 16 GiB of records */
	build(&e, huge, N(huge), NULL, 0, NULL, 0);
	REJECT(&e, "past the end");
	/* the second section is where it breaks */
	uint32_t two[] = {8, id.name, 1, 0, id.prog, id.name, 1, 0, id.task};
	build(&e, two, N(two), NULL, 0, NULL, 0);
	REJECT(&e, "func_info of section 'raw': record 0: type [");
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_func_records)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);

	uint32_t unaligned[] = {8, id.name, 1, 12, id.prog};
	build(&e, unaligned, N(unaligned), NULL, 0, NULL, 0);
	REJECT(&e, "func_info of section 'raw': record 0: insn_off 12 is not a multiple of 8");
	uint32_t void_type[] = {8, id.name, 1, 0, 0};
	build(&e, void_type, N(void_type), NULL, 0, NULL, 0);
	REJECT(&e, "record 0: type id 0 is not a type");
	uint32_t out[] = {8, id.name, 1, 0, id.ntypes};
	build(&e, out, N(out), NULL, 0, NULL, 0);
	REJECT(&e, "is not a type");
	uint32_t not_func[] = {8, id.name, 2, 0, id.prog, 8, id.task};
	build(&e, not_func, N(not_func), NULL, 0, NULL, 0);
	char want[96];
	snprintf(want, sizeof(want), "record 1: type [%u] is a STRUCT, not a FUNC", id.task);
	REJECT(&e, want);
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_line_records)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);

	uint32_t file[] = {16, id.name, 1, 0, id.bad_str, id.name, 1 << 10};
	build(&e, NULL, 0, file, N(file), NULL, 0);
	REJECT(&e, "line_info of section 'raw': record 0: file_name_off");
	uint32_t text[] = {16, id.name, 1, 0, id.name, id.bad_str, 1 << 10};
	build(&e, NULL, 0, text, N(text), NULL, 0);
	REJECT(&e, "record 0: line_off");
	uint32_t insn[] = {16, id.name, 1, 4, id.name, id.name, 1 << 10};
	build(&e, NULL, 0, insn, N(insn), NULL, 0);
	REJECT(&e, "record 0: insn_off 4 is not a multiple of 8");
	exbpf_btf__free(btf);
}

TEST(btf_ext_reject_core_records)
{
	struct exbpf_btf *btf = sample_btf();
	struct ext_blob e;
	if (!btf)
		return;
	struct ext_ids id = ids_of(btf);
	char want[96];

	uint32_t type[] = {16, id.name, 1, 8, id.ntypes, id.str, 0};
	build(&e, NULL, 0, NULL, 0, type, N(type));
	snprintf(want, sizeof(want),
		 "core_relo of section 'raw': record 0: type id %u out of range", id.ntypes);
	REJECT(&e, want);
	uint32_t access[] = {16, id.name, 1, 8, id.task, id.bad_str, 0};
	build(&e, NULL, 0, NULL, 0, access, N(access));
	REJECT(&e, "record 0: access_str_off");
	uint32_t kind[] = {16, id.name, 1, 8, id.task, id.str, 13};
	build(&e, NULL, 0, NULL, 0, kind, N(kind));
	REJECT(&e, "record 0: unknown relocation kind 13");
	uint32_t insn[] = {16, id.name, 1, 3, id.task, id.str, 0};
	build(&e, NULL, 0, NULL, 0, insn, N(insn));
	REJECT(&e, "record 0: insn_off 3 is not a multiple of 8");
	exbpf_btf__free(btf);
}

/* Byte flips and truncations of the sample: parsed or refused, never a crash. */
TEST(btf_ext_sample_mutations)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x04, 0x80, 0xff};
	struct exbpf_btf *btf = sample_btf();
	size_t n = sizeof(btf_sample_btf_ext);
	uint8_t *buf = malloc(n);
	if (!btf || !buf)
		goto out;
	for (size_t len = 0; len <= n; len++) {
		struct btf_ext *ext = NULL;
		if (!parse_ext(btf_sample_btf_ext, len, btf, &ext))
			btf_ext_free(ext);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct btf_ext *ext = NULL;
			memcpy(buf, btf_sample_btf_ext, n);
			buf[i] = vals[v];
			if (parse_ext(buf, n, btf, &ext))
				continue;
			for (size_t s = 0; s < ext->line_info.nsecs; s++) {
				const struct btf_ext_sec *sec = &ext->line_info.secs[s];
				struct bpf_line_info li;
				memcpy(&li, btf_ext_rec(sec, sec->cnt - 1), sizeof(li));
				CHECK(exbpf_btf__name_by_offset(btf, li.line_off) != NULL);
			}
			btf_ext_free(ext);
		}
	}
out:
	free(buf);
	exbpf_btf__free(btf);
}
