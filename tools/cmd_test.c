/* `exbpf test`: checks each program of each object against its annotations, each program
 * loaded alone as Linux's test loader does. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/linux.h>

#include "annotations.h"
#include "cli.h"
#include "engine_opt.h"
#include "jit/jit.h"
#include "prog_load.h"

#define TEST_DATA_LEN 64
/* The kernel engine's log buffer: 16 MiB, grown for a program whose log does
 * not fit; the backend itself retries with a bigger kernel buffer when Linux says ENOSPC. */
#define KERNEL_LOG_SIZE ((size_t)16 << 20)
#define KERNEL_LOG_MAX ((size_t)128 << 20) /* Linux refuses 1 GiB */

struct totals {
	int pass, fail, skip;
	const char *engine; /* " [kernel]" after the program's name, or "" */
};

/* What --engine kernel needs for every program: bpf() availability (once), the object's
 * license, the log buffer. */
struct kernel_ctx {
	const char *unavailable; /* why bpf() cannot be used, or NULL */
	char why[256];
	char license[128];
	char *log;
	size_t size;
};

static int usage(void)
{
	printf("usage: exbpf test OBJ... [FLAGS]\n"
	       "  Checks every program against its selftest-style annotations (comment:test_*,\n"
	       "  or exbpf's comment:exbpf_* in default mode), each program loaded alone. One\n"
	       "  PASS/FAIL/SKIP line per program; the last line counts them. Exit 1 on a FAIL.\n"
	       "  A program calling a helper exbpf's runtime lacks is judged on the verifier's\n"
	       "  verdict alone, and SKIPped when it has a __retval to check.\n"
	       "  --prog NAME        check only this program\n"
	       "  --engine interp|jit|all  the engine(s) programs load for and __retval programs\n"
	       "                     run on (default: the runtime's: the JIT on x86-64);\n"
	       "                     all: a line per program and engine\n"
	       "  --engine kernel    check the Linux tags against the running kernel instead:\n"
	       "                     each program loaded alone through bpf() (root), its verdict\n"
	       "                     and whole verifier log (level 1, or its __log_level)\n"
	       "                     matched, __retval run with BPF_PROG_TEST_RUN on 64 zero\n"
	       "                     bytes; exbpf_* tags are ignored; lines end in [kernel]; SKIP\n"
	       "                     where bpf() or the program type is unavailable\n"
	       "  --kernel-strict    read Linux's tags even where exbpf's own tags are present\n"
	       "  --unpriv           the unprivileged runs, as Linux's test loader makes them:\n"
	       "                     programs with a *_unpriv tag (__failure_unpriv,\n"
	       "                     __msg_unpriv, __retval_unpriv, ...) are verified with the\n"
	       "                     rules for loaders without CAP_BPF, expecting what the\n"
	       "                     *_unpriv tags say and, where they say nothing, what the\n"
	       "                     privileged tags say; the others are SKIPped\n");
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
		printf("PASS %s:%s%s\n", obj, prog, t->engine);
		return;
	}
	verdict == 'F' ? t->fail++ : t->skip++;
	printf("%s %s:%s%s: ", verdict == 'F' ? "FAIL" : "SKIP", obj, prog, t->engine);
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

/* Why a program has no run in this mode (Linux's test loader makes none). */
static const char *no_run(bool unpriv)
{
	return unpriv ? "no unprivileged run: the program has no *_unpriv tag"
		      : "no privileged run: the program has only *_unpriv tags";
}

/* A program's expectations for this run, or false when there is nothing to check: an
 * auxiliary program (silently), a malformed tag (FAIL), no run in this mode (SKIP). */
static bool read_expectations(struct totals *t, const char *objname, const struct exbpf_prog *p,
			      bool strict, bool unpriv, struct expectations *e)
{
	const char *name = exbpf_prog__name(p);

	expectations_read(p, strict, unpriv, e);
	if (e->auxiliary)
		return false;
	if (e->bad[0]) {
		report(t, objname, name, 'F', "%s", e->bad);
		return false;
	}
	if (!e->runs) {
		report(t, objname, name, 'S', "%s", no_run(unpriv));
		return false;
	}
	return true;
}

/* The verdict alone, for a program exbpf cannot run because its runtime lacks a helper the
 * verifier knows (Linux's prototypes): 0 accepted, -EACCES rejected (the walk's log in l),
 * else the load's error with *why set. */
static int verify_only(const struct exbpf_object *obj, const char *name,
		       const struct cli_load_mode *mode, struct cli_loaded *l, const char **why)
{
	struct exbpf_verify_opts o = {.sz = sizeof(o), .log_buf = l->log, .log_size = l->log_size,
				      .log_level = mode->log_level,
				      .kernel_strict = mode->kernel_strict, .unpriv = mode->unpriv};
	struct exbpf_verify_info info;
	int err;

	*why = "exbpf's runtime does not implement a helper the program calls";
	l->log[0] = '\0';
	err = exbpf_env__verify(l->env, obj, name, &o, &info);
	if (err)
		return err == -ENOENT ? -EOPNOTSUPP : err;
	*why = NULL;
	return info.accepted ? 0 : -EACCES;
}

static void test_prog(struct totals *t, const char *objname, const struct exbpf_object *obj,
		      const struct exbpf_prog *p, bool strict, bool unpriv, uint32_t engine)
{
	const char *name = exbpf_prog__name(p), *missing = NULL;
	struct expectations e;
	struct cli_loaded l;
	struct cli_load_mode mode = {0};
	bool walk_only;
	int err;

	if (!read_expectations(t, objname, p, strict, unpriv, &e))
		return;
	if (e.skip) {
		report(t, objname, name, 'S', "%s", e.skip);
		return;
	}
	/* Messages are looked for in the walk's log: Linux's test loader asks for level 1 or
	 * more for an accepted program, and libbpf reloads a rejected one at level 1 for its
	 * log. */
	mode.log_level = e.log_level ? e.log_level : (e.nmsgs ? 1 : 0);
	if (mode.log_level > 7) /* Linux's levels: 1, 2 and the statistics bit 4 */
		mode.log_level = 2 | (mode.log_level & 4);
	mode.kernel_strict = strict;
	mode.unpriv = unpriv;
	mode.engine = engine;
	err = cli_load_prog_mode(obj, name, &mode, &l);
	walk_only = err == -ENOENT && strstr(l.log, "does not implement helper") &&
		    (e.failure || !e.has_retval);
	if (walk_only)
		err = verify_only(obj, name, &mode, &l, &missing);
	if (err == -EOPNOTSUPP || (err == -ENOENT && strstr(l.log, "does not implement helper"))) {
		/* Linux's verdict may not depend on it, but exbpf cannot run it. */
		report(t, objname, name, 'S', "%s", missing ? missing : cli_last_line(l.log));
	} else if (e.failure) {
		/* A level-1 log too long for the buffer lost its end (Linux's log keeps the end):
		 * the messages are then looked for in the error alone. */
		if (err && !e.log_level && mode.log_level && !walk_only &&
		    !expectations_match_log(&e, l.log, &missing)) {
			cli_unload(&l);
			mode.log_level = 0;
			err = cli_load_prog_mode(obj, name, &mode, &l);
		}
		if (!err)
			report(t, objname, name, 'F', "expected a rejection, but it was accepted");
		else if (!expectations_match_log(&e, l.log, &missing))
			report(t, objname, name, 'F', "message '%s' not in the log: %s", missing,
			       err == -EACCES ? cli_last_line(l.log) : cli_first_line(l.log));
		else
			report(t, objname, name, 'P', "%s", "");
	} else if (err) {
		report(t, objname, name, 'F', "load failed: %s",
		       err == -EACCES ? cli_last_line(l.log) : cli_first_line(l.log));
	} else if (e.nmsgs && !expectations_match_log(&e, l.log, &missing)) {
		report(t, objname, name, 'F', "message '%s' not in the log", missing);
	} else if (e.has_retval) {
		check_run(t, objname, name, &l, &e);
	} else {
		report(t, objname, name, 'P', "%s", "");
	}
	cli_unload(&l);
}

/* The kernel's verifier log in what exbpf_linux__load left: after its own first line (the
 * program's name and Linux's error line) on a rejection, all of it on success. */
static const char *kernel_log(const char *log, bool rejected)
{
	const char *nl = rejected ? strchr(log, '\n') : NULL;

	return rejected ? (nl ? nl + 1 : "") : log;
}

/* The run half of a test in the kernel: BPF_PROG_TEST_RUN on 64 zero bytes (packet types) or
 * no input at all (the others); a type Linux cannot test-run is a SKIP. */
static void check_run_kernel(struct totals *t, const char *obj, const char *name,
			     struct exbpf_linux_prog *lp, const struct expectations *e)
{
	uint8_t data[TEST_DATA_LEN] = {0};
	char log[512] = "";
	bool packet = exbpf_linux__takes_packet(lp);
	uint64_t retval = 0;
	int err = exbpf_linux__run(lp, packet ? data : NULL, packet ? sizeof(data) : 0, NULL, 0, 1,
				   &retval, NULL, log, sizeof(log));

	if (err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */ || (err == -EINVAL && !packet))
		report(t, obj, name, 'S', "Linux cannot test-run this program type: %s",
		       cli_first_line(log));
	else if (err)
		report(t, obj, name, 'F', "run failed in the kernel: %s", cli_first_line(log));
	else if ((uint32_t)retval != (uint32_t)e->retval)
		report(t, obj, name, 'F',
		       "Linux returns %" PRId64 " (0x%" PRIx64 "), expected %" PRId64,
		       (int64_t)(int32_t)retval, retval, e->retval);
	else
		report(t, obj, name, 'P', "%s", "");
}

/* --engine kernel: the program's Linux tags against the running kernel's verdict and log. */
static void test_prog_kernel(struct totals *t, const char *objname,
			     const struct exbpf_object *obj, const struct exbpf_prog *p,
			     struct kernel_ctx *k, bool unpriv)
{
	const char *name = exbpf_prog__name(p), *missing = NULL, *klog;
	struct exbpf_linux_prog *lp = NULL;
	const struct bpf_insn *insns;
	struct expectations e;
	size_t ninsns;
	int err;

	/* Linux's tags only: exbpf_* tags are exbpf's verdict */
	if (!read_expectations(t, objname, p, true, unpriv, &e))
		return;
	if (unpriv) {
		/* Linux's loader drops CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON and CAP_BPF
		 * for it, and skips it where unprivileged BPF is disabled. */
		report(t, objname, name, 'S', "unprivileged loads into the kernel are not made "
		       "(they need kernel.unprivileged_bpf_disabled=0 and dropped capabilities)");
		return;
	}
	if (k->unavailable) {
		report(t, objname, name, 'S', "%s", k->unavailable);
		return;
	}
	if (e.skip) {
		report(t, objname, name, 'S', "%s", e.skip);
		return;
	}
	if (exbpf_prog__insns(p, &insns, &ninsns)) {
		/* The object does not link (as libbpf would refuse it): Linux never sees it. */
		const char *why = exbpf_prog__link_error(p);

		if (!e.failure)
			report(t, objname, name, 'F', "linking failed: %s", why);
		else if (!expectations_match_log(&e, why, &missing))
			report(t, objname, name, 'F', "message '%s' not in the link error: %s",
			       missing, why);
		else
			report(t, objname, name, 'P', "%s", "");
		return;
	}
	for (;;) {
		/* Level 1 at least, so that a rejection's whole log is there to match. */
		EXBPF_OPTS(exbpf_linux_opts, lo, .log_buf = k->log, .log_size = k->size,
			   .log_level = e.log_level ? e.log_level : 1, .license = k->license);
		char *bigger;

		k->log[0] = '\0';
		err = exbpf_linux__load(obj, name, &lo, &lp);
		/* A log that filled the buffer was cut (a 1M-instruction walk at level 1 logs some
		 * 60 MB, its error at the end): once more with a bigger one. */
		if (strlen(k->log) + 1 < k->size || k->size >= KERNEL_LOG_MAX ||
		    !(bigger = realloc(k->log, k->size * 8)))
			break;
		exbpf_linux__free(lp);
		lp = NULL;
		k->log = bigger;
		k->size *= 8;
	}
	klog = kernel_log(k->log, err == -EACCES);
	if (err == -EACCES && !klog[0]) {
		/* Refused before the verifier ran (no log): not a verdict on the program. */
		report(t, objname, name, 'S', "Linux cannot load it: %s", cli_first_line(k->log));
	} else if (err == -EACCES) {
		if (!e.failure)
			report(t, objname, name, 'F', "Linux rejects it: %s",
			       cli_first_line(k->log));
		else if (!expectations_match_log(&e, klog, &missing))
			report(t, objname, name, 'F', "message '%s' not in Linux's log: %s",
			       missing, cli_first_line(k->log));
		else
			report(t, objname, name, 'P', "%s", "");
	} else if (err == -EOPNOTSUPP || err == -ENOENT || err == -EPERM || err == -ENOSYS) {
		report(t, objname, name, 'S', "Linux cannot load it: %s", cli_first_line(k->log));
	} else if (err) {
		report(t, objname, name, 'F', "loading into Linux failed: %s",
		       cli_first_line(k->log));
	} else if (e.failure) {
		report(t, objname, name, 'F', "Linux accepts it");
	} else if (!expectations_match_log(&e, klog, &missing)) {
		report(t, objname, name, 'F', "message '%s' not in Linux's log (log level %u)",
		       missing, e.log_level ? e.log_level : 1);
	} else if (e.has_retval) {
		check_run_kernel(t, objname, name, lp, &e);
	} else {
		report(t, objname, name, 'P', "%s", "");
	}
	exbpf_linux__free(lp);
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
	struct totals t = {.engine = ""};
	struct kernel_ctx k = {0};
	const char *only = NULL;
	/* The engines __retval programs run on; with more than one, a line per engine. */
	uint32_t engines[2] = {EXBPF_ENGINE_DEFAULT};
	int nengines = 1;
	bool strict = false, kernel = false, unpriv = false;
	int nobjs = 0, rc = CLI_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help"))
			return usage();
		if (!strcmp(argv[i], "--engine") || !strcmp(argv[i], "--prog")) {
			if (i + 1 >= argc)
				return cli_error("test: %s needs a value", argv[i]);
			int engine = 0;

			if (argv[i][2] == 'p') {
				only = argv[i + 1];
			} else if (!strcmp(argv[i + 1], "all")) {
				nengines = jit_supported() ? 2 : 1;
				engines[0] = EXBPF_ENGINE_INTERP;
				engines[1] = EXBPF_ENGINE_JIT;
			} else if ((engine = cli_parse_engine("test", argv[i + 1],
							      1u << CLI_ENGINE_INTERP |
								  1u << CLI_ENGINE_JIT |
								  1u << CLI_ENGINE_KERNEL)) < 0) {
				return CLI_BAD_INPUT;
			} else {
				kernel = engine == CLI_ENGINE_KERNEL;
				nengines = 1;
				engines[0] = engine == CLI_ENGINE_JIT ? EXBPF_ENGINE_JIT
								      : EXBPF_ENGINE_INTERP;
			}
			argv[i++] = NULL;
			argv[i] = NULL;
		} else if (!strcmp(argv[i], "--kernel-strict")) {
			strict = true;
			argv[i] = NULL;
		} else if (!strcmp(argv[i], "--unpriv")) {
			unpriv = true;
			argv[i] = NULL;
		} else if (!strncmp(argv[i], "--", 2)) {
			return cli_error("test: unknown flag '%s'", argv[i]);
		} else {
			nobjs++;
		}
	}
	if (!nobjs)
		return cli_error("test: no object given");
	if (kernel) {
		t.engine = " [kernel]";
		if (!exbpf_linux__available(k.why, sizeof(k.why)))
			k.unavailable = k.why;
		else if (!(k.log = malloc(k.size = KERNEL_LOG_SIZE)))
			return cli_error("test: out of memory");
	}
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
		if (kernel)
			cli_read_license(argv[i], k.license, sizeof(k.license));
		exbpf_object__for_each_program(p, obj)
		{
			if (only && strcmp(exbpf_prog__name(p), only))
				continue;
			if (kernel)
				test_prog_kernel(&t, base(argv[i], name, sizeof(name)), obj, p, &k,
						 unpriv);
			else
				for (int e = 0; e < nengines; e++) {
					if (nengines > 1)
						t.engine = engines[e] == EXBPF_ENGINE_JIT ? " [jit]"
											  : " [interp]";
					test_prog(&t, base(argv[i], name, sizeof(name)), obj, p,
						  strict, unpriv, engines[e]);
				}
		}
		exbpf_object__close(obj);
	}
	free(k.log);
	if (t.skip)
		printf("%d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip);
	else
		printf("%d passed, %d failed\n", t.pass, t.fail);
	if (rc != CLI_OK)
		return rc;
	return t.fail ? CLI_FAIL : CLI_OK;
}
