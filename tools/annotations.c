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

	/* `_INT_MIN` is how current bpf_misc.h spells it (its __retval expands macros). */
	if (!strcmp(s, "INT_MIN") || !strcmp(s, "_INT_MIN"))
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

static void add_msg_kind(struct expectations *e, const char *v, bool negated, bool regex)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (e->nmsgs == EXPECT_MAX_MSGS)
		return;
	/* Numbered form `N=TEXT` of current bpf_misc.h (clang merges identical tags). */
	if (end != v && *end == '=')
		e->msgs[e->nmsgs] = (struct expect_msg){n, end + 1, negated, regex};
	else
		e->msgs[e->nmsgs] = (struct expect_msg){1000000 + (long)e->nmsgs, v, negated, regex};
	e->nmsgs++;
}

static void add_msg(struct expectations *e, const char *v, bool negated)
{
	add_msg_kind(e, v, negated, false);
}

static int cmp_msg(const void *a, const void *b)
{
	const struct expect_msg *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

enum { MODE_PRIV = 1, MODE_UNPRIV = 2 };

/* Both runs' expectations as the tags state them, before the unprivileged run inherits what
 * it does not state (Linux's test_loader.c: parse_test_spec()). */
struct parsed {
	struct expectations priv, unpriv;
	bool has_unpriv_result, has_unpriv_retval;
	bool priv_listing, unpriv_listing; /* xlated / jited expectations */
	unsigned mode;			   /* the runs the Linux tags ask for */
	unsigned own_mode;		   /* the runs the exbpf tags ask for */
	const char *skip;		   /* a tag that makes both runs uncheckable */
	/* __arch tags: some seen, one of them x86-64 (Linux's loader runs a test on any
	 * architecture it names) */
	bool arch_tagged, arch_ours;
	unsigned log_level;
	bool auxiliary;
	char bad[160];
};

static void set_retval(struct parsed *p, struct expectations *e, const char *v)
{
	/* Linux's test loader checks no value for POINTER_VALUE: a run returning a pointer.
	 * Current bpf_misc.h expands the macro, to 0xbadcafe. */
	e->has_retval = strcmp(v, "POINTER_VALUE") != 0;
	if (!parse_retval(v, &e->retval))
		snprintf(p->bad, sizeof(p->bad), "bad retval '%s'", v);
	else if (e->retval == 0xbadcafe)
		e->has_retval = false;
}

static void read_linux_tag(const char *t, struct parsed *p)
{
	struct expectations *pr = &p->priv, *un = &p->unpriv;
	const char *v;

	if (!strcmp(t, "test_expect_success") || !strcmp(t, "test_expect_failure")) {
		pr->failure = t[12] == 'f';
		p->mode |= MODE_PRIV;
	} else if (!strcmp(t, "test_expect_success_unpriv") ||
		   !strcmp(t, "test_expect_failure_unpriv")) {
		un->failure = t[12] == 'f';
		p->has_unpriv_result = true;
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_expect_msg=", &v) || starts(t, "test_expect_not_msg=", &v)) {
		add_msg(pr, v, t[12] == 'n');
		p->mode |= MODE_PRIV;
	} else if (starts(t, "test_expect_msg_unpriv=", &v) ||
		   starts(t, "test_expect_not_msg_unpriv=", &v)) {
		add_msg(un, v, t[12] == 'n');
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_expect_regex=", &v)) {
		add_msg_kind(pr, v, false, true);
		p->mode |= MODE_PRIV;
	} else if (starts(t, "test_expect_regex_unpriv=", &v)) {
		add_msg_kind(un, v, false, true);
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_retval=", &v)) {
		set_retval(p, pr, v);
		p->mode |= MODE_PRIV;
	} else if (starts(t, "test_retval_unpriv=", &v)) {
		set_retval(p, un, v);
		p->has_unpriv_retval = true;
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_log_level=", &v)) {
		char *end;
		unsigned long lvl = strtoul(v, &end, 0);

		if (!*v || *end || lvl > 0xffff)
			snprintf(p->bad, sizeof(p->bad), "bad log level '%s'", v);
		else
			p->log_level = (unsigned)lvl;
	} else if (!strcmp(t, "test_auxiliary")) {
		p->auxiliary = true;
		p->mode |= MODE_PRIV;
	} else if (!strcmp(t, "test_auxiliary_unpriv")) {
		p->auxiliary = true;
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_expect_xlated_unpriv=", &v) ||
		   starts(t, "test_jited_unpriv=", &v)) {
		p->unpriv_listing = true;
		p->mode |= MODE_UNPRIV;
	} else if (starts(t, "test_expect_xlated=", &v) || starts(t, "test_jited=", &v)) {
		p->priv_listing = true;
		p->mode |= MODE_PRIV;
	} else if (starts(t, "test_arch=", &v)) {
		p->arch_tagged = true;
		p->arch_ours |= !strcmp(v, "X86_64");
	} else if (starts(t, "test_caps_unpriv=", &v)) {
		un->skip = "capability sets are not modelled";
		p->mode |= MODE_UNPRIV;
	} else if (!strcmp(t, "load_mode=no_jited")) {
		/* Linux's loader runs these only on a kernel without a JIT. */
		p->skip = "the test is for a kernel without a JIT";
	} else if (starts(t, "test_expect_stderr", &v) || starts(t, "test_expect_stdout", &v)) {
		p->skip = "BPF stream (stderr/stdout) expectations are not checked";
	} else if (starts(t, "test_btf_path=", &v)) {
		p->skip = "external BTF files are not supported";
	}
}

/* exbpf's own tags: its default-mode verdict, with `_unpriv` variants for the unprivileged
 * run that inherit as Linux's do. */
static void read_exbpf_tag(const char *t, struct parsed *p)
{
	const char *v;

	if (!strcmp(t, "exbpf_expect_success") || !strcmp(t, "exbpf_expect_failure")) {
		p->priv.failure = t[13] == 'f';
		p->own_mode |= MODE_PRIV;
	} else if (!strcmp(t, "exbpf_expect_success_unpriv") ||
		   !strcmp(t, "exbpf_expect_failure_unpriv")) {
		p->unpriv.failure = t[13] == 'f';
		p->has_unpriv_result = true;
		p->own_mode |= MODE_UNPRIV;
	} else if (starts(t, "exbpf_expect_msg=", &v)) {
		add_msg(&p->priv, v, false);
		p->own_mode |= MODE_PRIV;
	} else if (starts(t, "exbpf_expect_msg_unpriv=", &v)) {
		add_msg(&p->unpriv, v, false);
		p->own_mode |= MODE_UNPRIV;
	} else if (starts(t, "exbpf_retval=", &v)) {
		set_retval(p, &p->priv, v);
		p->own_mode |= MODE_PRIV;
	} else if (starts(t, "exbpf_retval_unpriv=", &v)) {
		set_retval(p, &p->unpriv, v);
		p->has_unpriv_retval = true;
		p->own_mode |= MODE_UNPRIV;
	}
}

void expectations_read(const struct exbpf_prog *prog, bool kernel_strict, bool unpriv,
		       struct expectations *out)
{
	size_t n = exbpf_prog__annotation_count(prog);
	struct parsed *p = calloc(1, sizeof(*p)), *linux_tags = calloc(1, sizeof(*p));
	bool own = false;
	unsigned mode;
	const char *v;

	memset(out, 0, sizeof(*out));
	if (!p || !linux_tags) {
		free(p);
		free(linux_tags);
		snprintf(out->bad, sizeof(out->bad), "out of memory");
		return;
	}
	for (size_t i = 0; i < n && !kernel_strict; i++)
		own |= starts(exbpf_prog__annotation(prog, i), "exbpf_", &v);
	for (size_t i = 0; i < n; i++) {
		const char *t = exbpf_prog__annotation(prog, i);

		/* Where exbpf's tags replace Linux's, the Linux tags still say which runs Linux's
		 * loader makes. */
		if (own)
			read_exbpf_tag(t, p);
		read_linux_tag(t, own ? linux_tags : p);
	}
	if (p->arch_tagged && !p->arch_ours)
		p->skip = "the test is for another architecture";
	/* No tag for either run: a privileged run only. */
	mode = p->mode | p->own_mode | linux_tags->mode;
	free(linux_tags);
	if (!mode)
		mode = MODE_PRIV;
	/* What the unprivileged run does not state, it inherits from the privileged one. */
	if (!p->has_unpriv_result)
		p->unpriv.failure = p->priv.failure;
	if (!p->has_unpriv_retval) {
		p->unpriv.has_retval = p->priv.has_retval;
		p->unpriv.retval = p->priv.retval;
	}
	if (!p->unpriv.nmsgs) {
		memcpy(p->unpriv.msgs, p->priv.msgs, sizeof(p->priv.msgs));
		p->unpriv.nmsgs = p->priv.nmsgs;
	}
	*out = unpriv ? p->unpriv : p->priv;
	out->runs = (mode & (unpriv ? MODE_UNPRIV : MODE_PRIV)) != 0;
	out->auxiliary = p->auxiliary;
	out->log_level = p->log_level;
	memcpy(out->bad, p->bad, sizeof(out->bad));
	if (p->skip)
		out->skip = p->skip;
	else if (p->priv_listing || (unpriv && p->unpriv_listing))
		out->skip = "instruction-listing expectations (xlated/jited) are not checked";
	/* A failing load is not run (Linux's should_do_test_run()). */
	if (out->failure)
		out->has_retval = false;
	free(p);
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
static const char *find(const char *from, const struct expect_msg *msg)
{
	char *re_text = msg->regex ? strdup(msg->text) : to_regex(msg->text);
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
		const char *hit = find(pos, &e->msgs[i]);

		if (e->msgs[i].negated ? hit != NULL : hit == NULL) {
			*missing = e->msgs[i].text;
			return false;
		}
		if (!e->msgs[i].negated)
			pos = hit;
	}
	return true;
}
