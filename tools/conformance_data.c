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

/* Whitespace-separated numbers in `text`, each strtoull-parsed in `base`, into a new array. */
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
		char *end;
		errno = 0;
		unsigned long long x = strtoull(p, &end, base);
		if (end == p || errno || x > max || (*end && !isspace((unsigned char)*end))) {
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
		p = end;
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
		/* A raw word is the instruction's 8 bytes read as a little-endian u64. */
		for (size_t i = 0; i < d->nraw; i++)
			memcpy(&insns[i], &d->raw[i], sizeof(insns[i]));
		*out = insns;
		*out_cnt = d->nraw;
		return 0;
	}
	return exbpf_asm__parse(d->asm_text, out, out_cnt, log, log_size);
}
