/* `exbpf test`: checks each program of each object against its annotations, each program
 * loaded alone as Linux's test loader does. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "cli.h"
#include "engine_opt.h"
#include "prog_load.h"

#define TEST_DATA_LEN 64

struct totals {
	int pass, fail, skip;
};

static int usage(void)
{
	printf("usage: exbpf test OBJ... [FLAGS]\n"
	       "  Checks every program against its selftest-style annotations (comment:test_*,\n"
	       "  or exbpf's comment:exbpf_* in default mode), each program loaded alone. One\n"
	       "  PASS/FAIL/SKIP line per program; the last line counts them. Exit 1 on a FAIL.\n"
	       "  --prog NAME        check only this program\n"
	       "  --engine interp|all  the engines to run __retval programs on (interp today)\n"
	       "  --kernel-strict    read Linux's tags even where exbpf's own tags are present\n"
	       "  --unpriv           unprivileged mode (needs the verifier: refused for now)\n");
	return CLI_OK;
}

static void report(struct totals *t, const char *obj, const char *prog, char verdict,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct totals *t, const char *obj, const char *prog, char verdict,
		   const char *fmt, ...)
{
	va_list ap;

	if (verdict == 'P') {
		t->pass++;
		printf("PASS %s:%s\n", obj, prog);
		return;
	}
	verdict == 'F' ? t->fail++ : t->skip++;
	printf("%s %s:%s: ", verdict == 'F' ? "FAIL" : "SKIP", obj, prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The run half of a test: __retval. */
static void check_run(struct totals *t, const char *obj, const char *name, struct cli_loaded *l,
		      const struct expectations *e)
{
	uint8_t data[TEST_DATA_LEN] = {0};
	char log[1024] = "";
	bool packet = exbpf_program__takes_packet(l->prog);
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = packet ? data : NULL,
		   .data_size_in = packet ? sizeof(data) : 0, .log_buf = log,
		   .log_size = sizeof(log));
	int err = exbpf_program__run(l->prog, &o);

	if (err)
		report(t, obj, name, 'F', "run failed: %s", cli_first_line(log));
	else if ((uint32_t)o.retval != (uint32_t)e->retval)
		report(t, obj, name, 'F', "retval %" PRId64 " (0x%" PRIx64 "), expected %" PRId64,
		       (int64_t)(int32_t)o.retval, o.retval, e->retval);
	else
		report(t, obj, name, 'P', "%s", "");
}

static void test_prog(struct totals *t, const char *objname, const struct exbpf_object *obj,
		      const struct exbpf_prog *p, bool strict)
{
	const char *name = exbpf_prog__name(p), *missing = NULL;
	struct expectations e;
	struct cli_loaded l;
	int err;

	expectations_read(p, strict, &e);
	if (e.auxiliary)
		return;
	if (e.bad[0]) {
		report(t, objname, name, 'F', "%s", e.bad);
		return;
	}
	if (e.skip) {
		report(t, objname, name, 'S', "%s", e.skip);
		return;
	}
	err = cli_load_prog(obj, name, &l);
	if (e.failure) {
		if (!err)
			report(t, objname, name, 'S', "checking a rejection needs the verifier, "
						     "which is not built yet");
		else if (!expectations_match_log(&e, l.log, &missing))
			report(t, objname, name, 'F', "message '%s' not in the log: %s", missing,
			       cli_first_line(l.log));
		else
			report(t, objname, name, 'P', "%s", "");
	} else if (err) {
		report(t, objname, name, 'F', "load failed: %s", cli_first_line(l.log));
	} else if (e.nmsgs) {
		report(t, objname, name, 'S', "log messages of an accepted program need the "
					     "verifier, which is not built yet");
	} else if (e.has_retval) {
		cli_warn_unverified();
		check_run(t, objname, name, &l, &e);
	} else {
		report(t, objname, name, 'P', "%s", "");
	}
	cli_unload(&l);
}

static const char *base(const char *path, char *buf, size_t size)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(buf, size, "%s", b ? b + 1 : path);
	dot = strstr(buf, ".bpf.o");
	if (!dot)
		dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
	return buf;
}

int cmd_test(int argc, char **argv)
{
	struct totals t = {0};
	const char *only = NULL;
	bool strict = false;
	int nobjs = 0, rc = CLI_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help"))
			return usage();
		if (!strcmp(argv[i], "--engine") || !strcmp(argv[i], "--prog")) {
			if (i + 1 >= argc)
				return cli_error("test: %s needs a value", argv[i]);
			if (argv[i][2] == 'p')
				only = argv[i + 1];
			else if (strcmp(argv[i + 1], "all") &&
				 cli_parse_engine("test", argv[i + 1], 1u << CLI_ENGINE_INTERP) < 0)
				return CLI_BAD_INPUT;
			argv[i++] = NULL;
			argv[i] = NULL;
		} else if (!strcmp(argv[i], "--kernel-strict")) {
			strict = true;
			argv[i] = NULL;
		} else if (!strcmp(argv[i], "--unpriv")) {
			return cli_error("test: --unpriv needs the verifier, which is not built yet");
		} else if (!strncmp(argv[i], "--", 2)) {
			return cli_error("test: unknown flag '%s'", argv[i]);
		} else {
			nobjs++;
		}
	}
	if (!nobjs)
		return cli_error("test: no object given");
	for (int i = 1; i < argc; i++) {
		char log[1024] = "", name[256];
		EXBPF_OPTS(exbpf_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
		struct exbpf_object *obj;
		struct exbpf_prog *p;

		if (!argv[i])
			continue;
		obj = exbpf_object__open_file(argv[i], &oo);
		if (!obj) {
			rc = cli_error("%s: %s", argv[i], cli_first_line(log));
			continue;
		}
		if (only && !exbpf_object__find_program_by_name(obj, only) && nobjs == 1)
			rc = cli_error("%s: no program named '%s'", argv[i], only);
		exbpf_object__for_each_program(p, obj)
			if (!only || !strcmp(exbpf_prog__name(p), only))
				test_prog(&t, base(argv[i], name, sizeof(name)), obj, p, strict);
		exbpf_object__close(obj);
	}
	if (t.skip)
		printf("%d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip);
	else
		printf("%d passed, %d failed\n", t.pass, t.fail);
	if (rc != CLI_OK)
		return rc;
	return t.fail ? CLI_FAIL : CLI_OK;
}
