/* `exbpf run`: run programs of an object like BPF_PROG_TEST_RUN and print what they return. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/linux.h>

#include "cli.h"
#include "engine_opt.h"
#include "prog_load.h"

struct run_args {
	const char *path, *prog, *data_path, *ctx_path;
	size_t data_size;
	bool data_size_set, json, kernel_strict;
	int engine;
	unsigned long repeat;
	char license[128]; /* the object's "license" section, for the kernel engine */
	char **tails;
	int ntails;
	char **tail_progs; /* the PROG of each --tail, NULL-ended: loaded with the program */
};

static int usage(void)
{
	printf("usage: exbpf run OBJ [FLAGS]\n"
	       "  Runs each program of OBJ like BPF_PROG_TEST_RUN (each loaded alone) and prints\n"
	       "  `retval: N`, and for a throw the cookie, the throw site and the unwound frames.\n"
	       "  --prog NAME             run only this program\n"
	       "  --engine interp|jit|kernel  verified, then run on the interpreter or the x86-64\n"
	       "                          JIT (default: the runtime's: the JIT on x86-64), or\n"
	       "                          in the running Linux (root; a throw shows only in the\n"
	       "                          return value: \"thrown\" is false in --json)\n"
	       "  --data FILE             packet bytes for packet programs (default 64 zeros)\n"
	       "  --data-size N           N zero bytes of packet instead\n"
	       "  --ctx FILE              context bytes for other programs (raw_tp args, syscall)\n"
	       "  --tail MAP:KEY:PROG     put program PROG at KEY of prog array MAP first\n"
	       "  --repeat N              run N times; also print the mean ns/run\n"
	       "  --kernel-strict         verify with Linux's verdicts (no exbpf extensions): a\n"
	       "                          program Linux would reject is not run\n"
	       "  --json                  one JSON object per program (../shared/spec/cli.md)\n");
	return CLI_OK;
}

static int parse_num(const char *flag, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || *out > max)
		return cli_error("run: %s: '%s' is not a number from 0 to %lu", flag, s, max);
	return CLI_OK;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	unsigned long v;

	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(f, "--prog") || !strcmp(f, "--engine") || !strcmp(f, "--data") ||
			     !strcmp(f, "--data-size") || !strcmp(f, "--ctx") || !strcmp(f, "--tail") ||
			     !strcmp(f, "--repeat");

		if (takes && !val)
			return cli_error("run: %s needs a value", f);
		if (!strcmp(f, "--prog"))
			a->prog = val;
		else if (!strcmp(f, "--engine")) {
			a->engine = cli_parse_engine("run", val,
						     1u << CLI_ENGINE_INTERP | 1u << CLI_ENGINE_JIT |
							 1u << CLI_ENGINE_KERNEL);
			if (a->engine < 0)
				return CLI_BAD_INPUT;
		} else if (!strcmp(f, "--data"))
			a->data_path = val;
		else if (!strcmp(f, "--data-size")) {
			if (parse_num(f, val, 1u << 30, &v))
				return CLI_BAD_INPUT;
			a->data_size = v;
			a->data_size_set = true;
		} else if (!strcmp(f, "--ctx"))
			a->ctx_path = val;
		else if (!strcmp(f, "--tail")) {
			const char *prog = strrchr(argv[i + 1], ':');

			a->tail_progs[a->ntails] = (char *)(prog ? prog + 1 : argv[i + 1]);
			a->tails[a->ntails++] = argv[i + 1];
		}
		else if (!strcmp(f, "--repeat")) {
			if (parse_num(f, val, 100000000, &a->repeat) || !a->repeat)
				return a->repeat ? CLI_BAD_INPUT
						 : cli_error("run: --repeat must be at least 1");
		} else if (!strcmp(f, "--json"))
			a->json = true;
		else if (!strcmp(f, "--kernel-strict"))
			a->kernel_strict = true;
		else if (!strncmp(f, "--", 2))
			return cli_error("run: unknown flag '%s'", f);
		else if (a->path)
			return cli_error("run: more than one object given");
		else
			a->path = f;
		i += takes;
	}
	if (!a->path)
		return cli_error("run: no object given");
	if (a->data_path && a->data_size_set)
		return cli_error("run: --data and --data-size exclude each other");
	return CLI_OK;
}

/* --tail MAP:KEY:PROG, with PROG loaded into the same instance. */
static int apply_tail(struct cli_loaded *l, const struct exbpf_object *obj, const char *spec,
		      const char *path)
{
	char map[128], prog[128];
	unsigned long key;
	struct exbpf_map *m;
	struct exbpf_program *p;

	if (sscanf(spec, "%127[^:]:%lu:%127s", map, &key, prog) != 3)
		return cli_error("run: --tail '%s': expected MAP:KEY:PROG", spec);
	m = exbpf_instance__find_map(l->inst, map);
	p = exbpf_instance__find_program(l->inst, prog);
	if (!m)
		return cli_error("%s: --tail: no map named '%s'", path, map);
	if (!p)
		return cli_error("%s: --tail: program '%s' is not loaded (%s)", path, prog,
				 exbpf_object__find_program_by_name(obj, prog) ? "load it with the others"
									      : "no such program");
	if (exbpf_program__set_tail(m, (uint32_t)key, p))
		return cli_error("%s: --tail: cannot put '%s' at %s[%lu]", path, prog, map, key);
	return CLI_OK;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_result(const char *name, const struct exbpf_run_opts *o, bool json,
			 unsigned long repeat, bool many)
{
	const struct exbpf_exception *e = &o->exception;

	if (json) {
		printf("{\"program\":");
		json_str(name);
		printf(",\"retval\":%" PRIu64 ",\"thrown\":%s,", o->retval,
		       e->thrown ? "true" : "false");
		if (e->thrown)
			printf("\"cookie\":%" PRIu64 ",\"cookie_hex\":\"0x%" PRIx64 "\","
			       "\"throw_insn\":%u,",
			       e->cookie, e->cookie, e->frames[0].insn);
		else
			printf("\"cookie\":null,\"cookie_hex\":null,\"throw_insn\":null,");
		if (e->thrown && e->frames[0].line)
			printf("\"throw_line\":\"%s:%u\",", e->frames[0].file, e->frames[0].line);
		else
			printf("\"throw_line\":null,");
		printf("\"frames\":[");
		for (uint32_t i = 0; i < e->nframes; i++) {
			const struct exbpf_frame *f = &e->frames[i];

			printf("%s{\"func\":", i ? "," : "");
			json_str(f->func);
			printf(",\"insn\":%u,", f->insn);
			if (f->line)
				printf("\"line\":\"%s:%u\"}", f->file, f->line);
			else
				printf("\"line\":null}");
		}
		printf("],\"ns_per_run\":");
		if (repeat > 1)
			printf("%" PRIu64 "}\n", o->duration_ns);
		else
			printf("null}\n");
		return;
	}
	if (many)
		printf("%s:\n", name);
	printf("retval: %" PRIu64 "\n", o->retval);
	if (e->thrown) {
		printf("exception: cookie=%" PRIu64 " at insn %u", e->cookie, e->frames[0].insn);
		if (e->frames[0].line)
			printf(" (%s:%u)", e->frames[0].file, e->frames[0].line);
		printf("\n");
		for (uint32_t i = 0; i < e->nframes; i++) {
			const struct exbpf_frame *f = &e->frames[i];

			printf("  #%u %s insn %u", i, f->func, f->insn);
			if (f->line)
				printf(" (%s:%u)", f->file, f->line);
			printf("\n");
			if (f->text[0])
				printf("        %s\n", skip_blanks(f->text));
		}
	}
	if (repeat > 1)
		printf("ns/run: %" PRIu64 "\n", o->duration_ns);
}

static int run_one(const struct exbpf_object *obj, const char *name, const struct run_args *a,
		   const void *data, size_t data_size, const void *ctx, size_t ctx_size, bool many)
{
	struct cli_loaded l;
	char log[1024] = "";
	struct cli_load_mode mode = {
		.also = (const char *const *)a->tail_progs,
		.kernel_strict = a->kernel_strict,
		.engine = a->engine == CLI_ENGINE_JIT	   ? EXBPF_ENGINE_JIT
			  : a->engine == CLI_ENGINE_INTERP ? EXBPF_ENGINE_INTERP
							   : EXBPF_ENGINE_DEFAULT,
	};
	int err = cli_load_prog_mode(obj, name, &mode, &l), rc = CLI_OK;

	if (err == -EACCES) {
		/* The verifier said no: a verdict (exit 1), not bad input. */
		fprintf(stderr, "exbpf: %s: %s: %s\n", a->path, name, cli_last_line(l.log));
		cli_unload(&l);
		return CLI_FAIL;
	}
	if (err) {
		rc = cli_error("%s: %s: %s", a->path, name, l.log ? cli_first_line(l.log) : strerror(-err));
		cli_unload(&l);
		return rc;
	}
	for (int i = 0; i < a->ntails && rc == CLI_OK; i++)
		rc = apply_tail(&l, obj, a->tails[i], a->path);
	if (rc == CLI_OK) {
		bool packet = exbpf_program__takes_packet(l.prog);
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = packet ? data : NULL,
			   .data_size_in = packet ? data_size : 0,
			   .ctx_in = ctx, .ctx_size_in = ctx_size, .repeat = (uint32_t)a->repeat,
			   .log_buf = log, .log_size = sizeof(log));

		err = exbpf_program__run(l.prog, &o);
		if (err == -EINVAL)
			rc = cli_error("%s: %s: %s", a->path, name, cli_first_line(log));
		else if (err)
			rc = cli_error("%s: %s: run failed: %s", a->path, name, cli_first_line(log));
		else
			print_result(name, &o, a->json, a->repeat, many);
	}
	cli_unload(&l);
	return rc;
}

/* --engine kernel: load into the running Linux, run with BPF_PROG_TEST_RUN. Linux reports only
 * the return value: a throw is not visible, so the result never says "thrown". */
static int run_one_kernel(const struct exbpf_object *obj, const char *name,
			  const struct run_args *a, const void *data, size_t data_size,
			  const void *ctx, size_t ctx_size, bool many)
{
	static char log[1 << 16];
	EXBPF_OPTS(exbpf_linux_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .license = a->license);
	struct exbpf_linux_prog *lp;
	EXBPF_OPTS(exbpf_run_opts, o);
	int err = exbpf_linux__load(obj, name, &lo, &lp), rc = CLI_OK;

	if (err == -EACCES) {
		fprintf(stderr, "exbpf: %s: %s\n", a->path, cli_first_line(log));
		return CLI_FAIL;
	}
	if (err) {
		const char *msg = cli_first_line(log);
		size_t n = strlen(name);

		if (!strncmp(msg, name, n) && !strncmp(msg + n, ": ", 2))
			return cli_error("%s: %s", a->path, msg); /* already names the program */
		return cli_error("%s: %s: %s", a->path, name, msg);
	}
	for (int i = 0; i < a->ntails && rc == CLI_OK; i++) {
		char map[128], prog[128];
		unsigned long key;

		if (sscanf(a->tails[i], "%127[^:]:%lu:%127s", map, &key, prog) != 3)
			rc = cli_error("run: --tail '%s': expected MAP:KEY:PROG", a->tails[i]);
		else if ((err = exbpf_linux__set_tail(lp, map, (uint32_t)key, prog, log,
						      sizeof(log))))
			rc = err == -EACCES ? (fprintf(stderr, "exbpf: %s: --tail: %s\n", a->path,
						       cli_first_line(log)),
					       CLI_FAIL)
					    : cli_error("%s: --tail: %s", a->path, cli_first_line(log));
	}
	if (rc == CLI_OK) {
		bool packet = exbpf_linux__takes_packet(lp);

		err = exbpf_linux__run(lp, packet ? data : NULL, packet ? data_size : 0, ctx,
				       ctx_size, (uint32_t)a->repeat, &o.retval, &o.duration_ns, log,
				       sizeof(log));
		if (err)
			rc = cli_error("%s: %s: run failed in the kernel: %s", a->path, name,
				       cli_first_line(log));
		else
			print_result(name, &o, a->json, a->repeat, many);
	}
	exbpf_linux__free(lp);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {.repeat = 1, .engine = -1}; /* -1: the runtime's default */
	char log[1024] = "";
	struct exbpf_object *obj;
	struct exbpf_prog *p;
	char *data = NULL, *ctx = NULL;
	size_t data_size = 64, ctx_size = 0;
	int rc = CLI_OK, nprogs = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help"))
			return usage();
	a.tails = calloc((size_t)argc, sizeof(*a.tails));
	a.tail_progs = calloc((size_t)argc + 1, sizeof(*a.tail_progs));
	if (!a.tails || !a.tail_progs) {
		free(a.tails);
		free(a.tail_progs);
		return cli_error("run: out of memory");
	}
	rc = parse_args(argc, argv, &a);
	if (rc == CLI_OK && a.data_path && !(data = cli_read_file(a.data_path, &data_size)))
		rc = CLI_BAD_INPUT;
	if (rc == CLI_OK && a.ctx_path && !(ctx = cli_read_file(a.ctx_path, &ctx_size)))
		rc = CLI_BAD_INPUT;
	if (rc == CLI_OK && !a.data_path) {
		data_size = a.data_size_set ? a.data_size : 64;
		data = calloc(1, data_size ? data_size : 1);
	}
	if (rc != CLI_OK)
		goto out;
	{
		EXBPF_OPTS(exbpf_open_opts, oo, .log_buf = log, .log_size = sizeof(log));

		obj = exbpf_object__open_file(a.path, &oo);
	}
	if (!obj) {
		rc = cli_error("%s: %s", a.path, cli_first_line(log));
		goto out;
	}
	if (a.engine == CLI_ENGINE_KERNEL) {
		char why[256];

		if (!exbpf_linux__available(why, sizeof(why))) {
			rc = cli_error("run: --engine kernel: %s", why);
			goto close;
		}
		cli_read_license(a.path, a.license, sizeof(a.license));
	}
	if (a.prog && !exbpf_object__find_program_by_name(obj, a.prog)) {
		rc = cli_error("%s: no program named '%s'", a.path, a.prog);
	} else {
		exbpf_object__for_each_program(p, obj)
			nprogs++;
		exbpf_object__for_each_program(p, obj) {
			const char *name = exbpf_prog__name(p);
			int r;

			if (a.prog && strcmp(name, a.prog))
				continue;
			if (a.engine == CLI_ENGINE_KERNEL)
				r = run_one_kernel(obj, name, &a, data, data_size, ctx, ctx_size,
						   !a.prog && nprogs > 1);
			else
				r = run_one(obj, name, &a, data, data_size, ctx, ctx_size,
					    !a.prog && nprogs > 1);
			if (r != CLI_OK)
				rc = r;
		}
	}
close:
	exbpf_object__close(obj);
out:
	free(data);
	free(ctx);
	free(a.tails);
	free(a.tail_progs);
	return rc;
}
