#include "annotations.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);

	if (strncmp(s, p, n))
		return false;
	*rest = s + n;
	return true;
}

/* Linux's retval syntax: decimal, 0x hex, negative, or one of the named constants. */
static bool parse_retval(const char *s, int64_t *out)
{
	char *end;

	if (!strcmp(s, "INT_MIN"))
		return *out = INT32_MIN, true;
	if (!strcmp(s, "POINTER_VALUE"))
		return *out = 0xcafe4all, true;
	if (!strcmp(s, "TEST_DATA_LEN"))
		return *out = 64, true;
	errno = 0;
	*out = strtoll(s, &end, 0);
	if (errno == ERANGE)
		*out = (int64_t)strtoull(s, &end, 0);
	return *s && !*end;
}

static void add_msg(struct expectations *e, const char *v, bool negated)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (e->nmsgs == EXPECT_MAX_MSGS)
		return;
	/* Numbered form `N=TEXT` of current bpf_misc.h (clang merges identical tags). */
	if (end != v && *end == '=')
		e->msgs[e->nmsgs] = (struct expect_msg){n, end + 1, negated};
	else
		e->msgs[e->nmsgs] = (struct expect_msg){1000000 + (long)e->nmsgs, v, negated};
	e->nmsgs++;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct expect_msg *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

static void read_linux_tag(const char *t, struct expectations *e)
{
	const char *v;

	if (!strcmp(t, "test_expect_success"))
		e->failure = false;
	else if (!strcmp(t, "test_expect_failure"))
		e->failure = true;
	else if (starts(t, "test_expect_msg=", &v))
		add_msg(e, v, false);
	else if (starts(t, "test_expect_not_msg=", &v))
		add_msg(e, v, true);
	else if (starts(t, "test_retval=", &v)) {
		e->has_retval = true;
		if (!parse_retval(v, &e->retval))
			snprintf(e->bad, sizeof(e->bad), "bad retval '%s'", v);
	} else if (starts(t, "test_log_level=", &v)) {
		char *end;
		unsigned long lvl = strtoul(v, &end, 0);

		if (!*v || *end || lvl > 0xffff)
			snprintf(e->bad, sizeof(e->bad), "bad log level '%s'", v);
		else
			e->log_level = (unsigned)lvl;
	} else if (!strcmp(t, "test_auxiliary"))
		e->auxiliary = true;
	else if (starts(t, "test_expect_xlated", &v) || starts(t, "test_jited", &v))
		e->skip = "instruction-listing expectations (xlated/jited) are not checked";
	else if (starts(t, "test_arch=", &v) && strcmp(v, "X86_64"))
		e->skip = "the test is for another architecture";
	else if (starts(t, "test_caps_unpriv=", &v))
		e->skip = "capability sets are not modelled";
	else if (starts(t, "test_btf_path=", &v))
		e->skip = "external BTF files are not supported";
}

static void read_exbpf_tag(const char *t, struct expectations *e)
{
	const char *v;

	if (!strcmp(t, "exbpf_expect_success"))
		e->failure = false;
	else if (!strcmp(t, "exbpf_expect_failure"))
		e->failure = true;
	else if (starts(t, "exbpf_expect_msg=", &v))
		add_msg(e, v, false);
	else if (starts(t, "exbpf_retval=", &v)) {
		e->has_retval = true;
		if (!parse_retval(v, &e->retval))
			snprintf(e->bad, sizeof(e->bad), "bad retval '%s'", v);
	}
}

void expectations_read(const struct exbpf_prog *prog, bool kernel_strict,
		       struct expectations *out)
{
	size_t n = exbpf_prog__annotation_count(prog);
	bool own = false;
	const char *v;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n && !kernel_strict; i++)
		own |= starts(exbpf_prog__annotation(prog, i), "exbpf_", &v);
	for (size_t i = 0; i < n; i++) {
		const char *t = exbpf_prog__annotation(prog, i);

		if (own)
			read_exbpf_tag(t, out);
		else
			read_linux_tag(t, out);
	}
	if (out->nmsgs)
		qsort(out->msgs, out->nmsgs, sizeof(out->msgs[0]), cmp_msg);
}

/* A message as an extended regex: literal text escaped, {{...}} parts kept. */
static char *to_regex(const char *msg)
{
	size_t n = strlen(msg);
	char *re = malloc(2 * n + 1), *o = re;

	if (!re)
		return NULL;
	for (const char *p = msg; *p;) {
		const char *close;

		if (!strncmp(p, "{{", 2) && (close = strstr(p + 2, "}}"))) {
			memcpy(o, p + 2, (size_t)(close - p - 2));
			o += close - p - 2;
			p = close + 2;
			continue;
		}
		if (strchr(".[]()*+?{}|^$\\", *p))
			*o++ = '\\';
		*o++ = *p++;
	}
	*o = '\0';
	return re;
}

/* Position just past the match of msg in log at or after from, or NULL. */
static const char *find(const char *from, const char *msg)
{
	char *re_text = to_regex(msg);
	regex_t re;
	regmatch_t m;
	const char *hit = NULL;

	if (!re_text)
		return NULL;
	if (!regcomp(&re, re_text, REG_EXTENDED | REG_NEWLINE)) {
		if (!regexec(&re, from, 1, &m, 0))
			hit = from + m.rm_eo;
		regfree(&re);
	}
	free(re_text);
	return hit;
}

bool expectations_match_log(const struct expectations *e, const char *log,
			    const char **missing)
{
	const char *pos = log;

	for (size_t i = 0; i < e->nmsgs; i++) {
		/* A negated message must not appear after the previous positive match. */
		const char *hit = find(pos, e->msgs[i].text);

		if (e->msgs[i].negated ? hit != NULL : hit == NULL) {
			*missing = e->msgs[i].text;
			return false;
		}
		if (!e->msgs[i].negated)
			pos = hit;
	}
	return true;
}
