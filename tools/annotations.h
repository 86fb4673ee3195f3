/* A program's expectations, read from its kernel-selftest-style annotations: Linux's
 * `comment:test_*` tags, or exbpf's own `comment:exbpf_*` tags, which replace them in default
 * mode when present (../shared/spec/clarifications.md §2). */
#ifndef EXBPF_TOOLS_ANNOTATIONS_H
#define EXBPF_TOOLS_ANNOTATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/object.h>

#define EXPECT_MAX_MSGS 32

struct expect_msg {
	long order;	  /* N of `=N=TEXT`, or the tag's position */
	const char *text; /* may hold {{regex}} parts */
	bool negated;	  /* test_expect_not_msg */
	bool regex;	  /* test_expect_regex (older bpf_misc.h): the whole text is a regex */
};

struct expectations {
	bool runs;	    /* the program has a run in the mode asked for (Linux's mode_mask) */
	bool failure;	    /* load (verification) must fail */
	bool auxiliary;	    /* not a test: loaded only for others */
	bool has_retval;
	int64_t retval;
	unsigned log_level; /* comment:test_log_level=, 0 when absent */
	struct expect_msg msgs[EXPECT_MAX_MSGS];
	size_t nmsgs;
	const char *skip; /* a tag exbpf cannot check, or NULL */
	char bad[160];	  /* a malformed tag, or "" */
};

/* kernel_strict: read the Linux tags even when exbpf's are present. unpriv: the expectations
 * of the unprivileged run, as Linux's test loader derives them: a program has that run when
 * it carries a `*_unpriv` tag (a privileged run when it carries a privileged tag, or no tag
 * at all), and the run inherits the privileged verdict, retval and messages it does not
 * state itself. */
void expectations_read(const struct exbpf_prog *prog, bool kernel_strict, bool unpriv,
		       struct expectations *out);

/* Whether `log` contains the messages in order (and none of the negated ones); on a mismatch
 * *missing is the message that failed. */
bool expectations_match_log(const struct expectations *e, const char *log,
			    const char **missing);

#endif
