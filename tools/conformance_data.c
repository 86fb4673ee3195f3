/* The bpf_conformance .data format (see conformance_data.h). Sections are collected as text
 * first, then each is parsed on its own so an error can name its section. */
#include "conformance_data.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/isa.h>

enum section { SEC_NONE, SEC_ASM, SEC_RAW, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_IGNORED };

static enum section section_of(const char *name)
{
	static const struct {
		const char *name;
		enum section sec;
	} names[] = {{"asm", SEC_ASM},	     {"raw", SEC_RAW},	   {"mem", SEC_MEM},
		     {"result", SEC_RESULT}, {"error", SEC_ERROR}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name))
			return names[i].sec;
	}
	return SEC_IGNORED; /* "-- c", "-- no register offset", ... */
}

/* Appends a line to a growing string. */
static int append(char **s, size_t *len, const char *line, size_t n)
{
	char *p = realloc(*s, *len + n + 2);
	if (!p)
		return -ENOMEM;
	memcpy(p + *len, line, n);
	*len += n;
	p[(*len)++] = '\n';
	p[*len] = '\0';
	*s = p;
	return 0;
}

static int digit_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 99;
}

/* One number at *pp, ending at a blank or the end of text. base 16: hex digits with an
 * optional 0x. base 0: 0x hex, or decimal with an optional '-' taken as two's complement (a
 * leading 0 is not octal, unlike strtoull). */
static int parse_token(const char **pp, int base, uint64_t *out)
{
	const char *p = *pp;
	bool neg = false;
	uint64_t v = 0;

	if (base == 0 && *p == '-') {
		neg = true;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && !neg) {
		base = 16;
		p += 2;
	} else if (base == 0) {
		base = 10;
	}
	const char *start = p;
	for (; *p && !isspace((unsigned char)*p); p++) {
		int d = digit_value(*p);
		if (d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -EINVAL;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (p == start)
		return -EINVAL;
	*out = neg ? 0 - v : v;
	*pp = p;
	return 0;
}

/* Whitespace-separated numbers in `text` (see parse_token()), each at most max, into a new
 * array. */
static int parse_numbers(const char *text, int base, uint64_t max, uint64_t **out, size_t *n)
{
	size_t cap = 16, cnt = 0;
	uint64_t *v = malloc(cap * sizeof(*v));
	const char *p = text;

	if (!v)
		return -ENOMEM;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		uint64_t x;
		if (parse_token(&p, base, &x) || x > max) {
			free(v);
			return -EINVAL;
		}
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = x;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int conformance_data_parse(const char *text, struct conformance_data *out, char *err,
			   size_t errlen)
{
	char *body[SEC_IGNORED + 1] = {0};
	size_t blen[SEC_IGNORED + 1] = {0};
	bool seen[SEC_IGNORED + 1] = {0};
	enum section cur = SEC_NONE;
	const char *p = text;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n >= 2 && p[0] == '-' && p[1] == '-') {
			char name[64];
			size_t k = n - 2;
			const char *s = p + 2;
			while (k && isspace((unsigned char)*s))
				s++, k--;
			while (k && isspace((unsigned char)s[k - 1]))
				k--;
			if (k >= sizeof(name))
				k = sizeof(name) - 1;
			memcpy(name, s, k);
			name[k] = '\0';
			cur = section_of(name);
			seen[cur] = true;
		} else if (cur != SEC_NONE && cur != SEC_IGNORED) {
			/* Everything after '#' is a comment, except in the asm text, where the
			 * assembler strips it itself (line numbers stay right). */
			size_t keep = n;
			const char *hash = memchr(p, '#', n);
			if (hash && cur != SEC_ASM)
				keep = (size_t)(hash - p);
			if (append(&body[cur], &blen[cur], p, keep)) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
		p = eol ? eol + 1 : p + n;
	}

	if (!seen[SEC_ASM] && !seen[SEC_RAW]) {
		snprintf(err, errlen, "no -- asm or -- raw section");
		goto out;
	}
	if (seen[SEC_ASM]) {
		out->asm_text = body[SEC_ASM] ? body[SEC_ASM] : strdup("");
		body[SEC_ASM] = NULL;
	}
	if (seen[SEC_RAW] &&
	    parse_numbers(body[SEC_RAW] ? body[SEC_RAW] : "", 16, UINT64_MAX, &out->raw,
			  &out->nraw)) {
		snprintf(err, errlen, "-- raw: expected 64-bit hex words");
		goto out;
	}
	if (seen[SEC_MEM]) {
		uint64_t *bytes;
		size_t nb;
		if (parse_numbers(body[SEC_MEM] ? body[SEC_MEM] : "", 16, 0xff, &bytes, &nb)) {
			snprintf(err, errlen, "-- mem: expected hex bytes");
			goto out;
		}
		out->mem = malloc(nb ? nb : 1);
		if (!out->mem) {
			free(bytes);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < nb; i++)
			out->mem[i] = (uint8_t)bytes[i];
		out->mem_len = nb;
		free(bytes);
	}
	if (seen[SEC_RESULT]) {
		uint64_t *v = NULL;
		size_t nv = 0;
		if (parse_numbers(body[SEC_RESULT] ? body[SEC_RESULT] : "", 0, UINT64_MAX, &v,
				  &nv) == 0 &&
		    nv != 1) {
			free(v);
			v = NULL;
		}
		if (!v) {
			snprintf(err, errlen, "-- result: expected one number");
			goto out;
		}
		out->result = v[0];
		out->has_result = true;
		free(v);
	}
	if (seen[SEC_ERROR]) {
		out->error = body[SEC_ERROR] ? body[SEC_ERROR] : strdup("");
		body[SEC_ERROR] = NULL;
		out->has_error = true;
	}
	if (!out->has_result && !out->has_error) {
		snprintf(err, errlen, "no -- result or -- error section");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i <= SEC_IGNORED; i++)
		free(body[i]);
	if (rc)
		conformance_data_free(out);
	return rc;
}

void conformance_data_free(struct conformance_data *d)
{
	free(d->asm_text);
	free(d->raw);
	free(d->mem);
	free(d->error);
	memset(d, 0, sizeof(*d));
}

int conformance_data_program(const struct conformance_data *d, struct bpf_insn **out,
			     size_t *out_cnt, char *log, size_t log_size)
{
	if (d->raw) {
		struct bpf_insn *insns = calloc(d->nraw ? d->nraw : 1, sizeof(*insns));
		if (!insns)
			return -ENOMEM;
		/* A raw word is imm:32 off:16 src:4 dst:4 op:8, op in the low byte; taken apart
		 * field by field so the host's byte order does not matter. */
		for (size_t i = 0; i < d->nraw; i++) {
			uint64_t w = d->raw[i];
			insns[i].code = (uint8_t)w;
			insns[i].dst_reg = (uint8_t)((w >> 8) & 0xf);
			insns[i].src_reg = (uint8_t)((w >> 12) & 0xf);
			insns[i].off = (int16_t)(uint16_t)(w >> 16);
			insns[i].imm = (int32_t)(uint32_t)(w >> 32);
		}
		*out = insns;
		*out_cnt = d->nraw;
		return 0;
	}
	return exbpf_asm__parse(d->asm_text, out, out_cnt, log, log_size);
}
