/* `exbpf verify`: exbpf's verdict on each program, with the one message that explains a
 * rejection, its instruction and source line, and the log at the chosen level (cli.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>
#include <exbpf/linux.h>
#include <exbpf/runtime.h>

#include "cli.h"
#include "prog_load.h"

#define VERIFY_LOG_SIZE (16u << 20)

static void usage(FILE *f)
{
	fprintf(f, "usage: exbpf verify OBJ [--prog NAME] [--kernel-strict] [--unpriv] "
		   "[--log-level 0|1|2] [--json] [--against-kernel] [--kernel-log]\n"
		   "  Prints `NAME: accepted` or `NAME: rejected: MESSAGE` per program, with the\n"
		   "  source line of the rejected instruction. Exit 1 when a program is rejected.\n"
		   "  --prog NAME        only this program (default: every program, in ELF order)\n"
		   "  --kernel-strict    Linux's verdicts: none of exbpf's extensions\n"
		   "  --unpriv           Linux's rules for programs without CAP_BPF\n"
		   "  --log-level N      Linux's verifier log: 0 none (default); 1 the failing\n"
		   "                     path; 2 every path with full states\n"
		   "  --against-kernel   also load each program into the running Linux (root) and\n"
		   "                     print its verdict; exit 1 when the verdicts disagree\n"
		   "  --kernel-log       with --log-level N: print Linux's log at level N (as it\n"
		   "                     came back from bpf(), first line the loader's verdict)\n"
		   "                     instead of exbpf's; implies --against-kernel\n"
		   "  --json             one JSON object per program\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Linux's verdict on the same program (root, bpf()): 0 with *accepted, error and verify_ns, or
 * a negative errno when Linux cannot be asked (the reason in error). */
struct kernel_verdict {
	bool accepted;
	char error[256];
	uint64_t verify_ns;
};

static int ask_kernel(const struct exbpf_object *obj, const char *name, const char *license,
		      uint32_t level, struct kernel_verdict *k, char *log)
{
	EXBPF_OPTS(exbpf_linux_opts, lo, .log_buf = log, .log_size = VERIFY_LOG_SIZE,
		   .log_level = 4 | level, .license = license);
	struct exbpf_linux_prog *lp = NULL;
	const char *t;
	int err;

	memset(k, 0, sizeof(*k));
	log[0] = 0;
	err = exbpf_linux__load(obj, name, &lo, &lp);
	t = strstr(log, "verification time ");
	if (t)
		k->verify_ns = strtoull(t + strlen("verification time "), NULL, 10) * 1000;
	exbpf_linux__free(lp);
	if (!err) {
		k->accepted = true;
		return 0;
	}
	/* The backend's first line names the problem: "NAME: rejected by Linux: LINE (errno)". */
	const char *line = strstr(log, ": rejected by Linux: ");
	size_t n;

	line = line && line < log + strcspn(log, "\n") ? line + strlen(": rejected by Linux: ") : log;
	n = strcspn(line, "\n");
	if (n && line[n - 1] == ')') {
		const char *paren = line + n;

		while (paren > line && *paren != '(')
			paren--;
		if (paren > line + 1 && paren[-1] == ' ')
			n = (size_t)(paren - 1 - line);
	}
	snprintf(k->error, sizeof(k->error), "%.*s", (int)n, line);
	return err == -EACCES || err == -EINVAL || err == -E2BIG ? 0 : err;
}

static int verify_prog(const char *path, const struct exbpf_object *obj, const struct exbpf_prog *p,
		       const struct exbpf_verify_opts *base, bool json, bool kernel,
		       bool kernel_log, const char *license, char *log)
{
	const char *name = exbpf_prog__name(p);
	struct exbpf_verify_opts o = *base;
	struct exbpf_verify_info info;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_line_info li;
	char where[512] = "";
	int err;

	if (!env)
		return cli_error("%s: out of memory", path);
	o.log_buf = log;
	o.log_size = VERIFY_LOG_SIZE;
	log[0] = 0;
	err = exbpf_env__verify(env, obj, name, &o, &info);
	exbpf_env__free(env);
	if (err) {
		char *nl = strchr(log, '\n');

		if (nl)
			*nl = 0;
		return cli_error("%s: %s: %s", path, name, log[0] ? log : strerror(-err));
	}
	if (!info.accepted && info.error_insn >= 0 &&
	    !exbpf_prog__line(p, (size_t)info.error_insn, &li))
		snprintf(where, sizeof(where), "%s:%u", li.file, li.line);
	/* The exbpf log is printed (level >= 1) before the kernel's is asked for. */
	if (!json && o.log_level && !kernel_log)
		fputs(log, stdout);

	struct kernel_verdict k;
	int kerr = kernel ? ask_kernel(obj, name, license, kernel_log ? o.log_level : 0, &k, log)
			  : 0;

	if (kernel_log && !kerr && !json)
		fputs(log, stdout);

	if (kerr == -EPERM || kerr == -ENOSYS)
		return cli_error("%s: %s: --against-kernel: bpf() is unavailable here (%s)", path, name,
				 strerror(-kerr));
	bool disagree = kernel && !kerr && k.accepted != info.accepted;
	if (json) {
		printf("{\"program\":");
		json_str(name);
		printf(",\"accepted\":%s,\"error\":", info.accepted ? "true" : "false");
		if (info.accepted)
			printf("null");
		else
			json_str(info.error);
		if (info.accepted || info.error_insn < 0)
			printf(",\"error_insn\":null");
		else
			printf(",\"error_insn\":%lld", (long long)info.error_insn);
		printf(",\"error_line\":");
		if (where[0])
			json_str(where);
		else
			printf("null");
		printf(",\"insns_processed\":%llu,\"verify_ns\":%llu,\"log\":",
		       (unsigned long long)info.insns_processed, (unsigned long long)info.verify_ns);
		if (o.log_level)
			json_str(log);
		else
			printf("null");
		if (!kernel || kerr) {
			printf(",\"kernel\":null}\n");
		} else {
			printf(",\"kernel\":{\"accepted\":%s,\"error\":", k.accepted ? "true" : "false");
			if (k.accepted)
				printf("null");
			else
				json_str(k.error);
			printf(",\"verify_ns\":%llu}}\n", (unsigned long long)k.verify_ns);
		}
	} else {
		if (info.accepted)
			printf("%s: accepted\n", name);
		else {
			printf("%s: rejected: %s\n", name, info.error);
			if (info.error_insn >= 0)
				printf("  at insn %lld%s%s%s%s\n", (long long)info.error_insn,
				       where[0] ? " (" : "", where, where[0] ? ") " : "",
				       where[0] && li.text ? li.text : "");
		}
		if (kernel && kerr)
			printf("  kernel: not asked: %s\n", k.error[0] ? k.error : strerror(-kerr));
		else if (kernel)
			printf("  kernel: %s%s%s%s\n", k.accepted ? "accepted" : "rejected: ",
			       k.accepted ? "" : k.error, disagree ? "  (DISAGREES)" : "",
			       "");
	}
	return info.accepted && !disagree ? CLI_OK : CLI_FAIL;
}

int cmd_verify(int argc, char **argv)
{
	struct exbpf_verify_opts o = {.sz = sizeof(o)};
	const char *path = NULL, *only = NULL;
	bool json = false, found = false, kernel = false, kernel_log = false;
	char license[128];
	struct exbpf_object *obj;
	const struct exbpf_prog *p;
	char open_log[1024] = "", *log;
	int rc = CLI_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return CLI_OK;
		} else if (!strcmp(a, "--prog") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(a, "--kernel-strict")) {
			o.kernel_strict = true;
		} else if (!strcmp(a, "--unpriv")) {
			o.unpriv = true;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--log-level") && i + 1 < argc) {
			const char *v = argv[++i];

			if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "2"))
				return cli_error("verify: --log-level takes 0, 1 or 2, not '%s'", v);
			o.log_level = (uint32_t)(v[0] - '0');
		} else if (!strcmp(a, "--against-kernel")) {
			kernel = true;
		} else if (!strcmp(a, "--kernel-log")) {
			kernel_log = true;
		} else if (a[0] == '-') {
			return cli_error("verify: unknown or incomplete option '%s' (see exbpf verify --help)", a);
		} else if (!path) {
			path = a;
		} else {
			return cli_error("verify: one object at a time ('%s')", a);
		}
	}
	if (!path)
		return cli_error("verify: no object given (see exbpf verify --help)");
	{
		EXBPF_OPTS(exbpf_open_opts, oo, .log_buf = open_log, .log_size = sizeof(open_log));

		obj = exbpf_object__open_file(path, &oo);
	}
	if (!obj)
		return cli_error("%s: %s", path, open_log[0] ? strtok(open_log, "\n") : strerror(errno));
	cli_read_license(path, license, sizeof(license));
	log = malloc(VERIFY_LOG_SIZE);
	if (!log) {
		exbpf_object__close(obj);
		return cli_error("%s: out of memory", path);
	}
	exbpf_object__for_each_program(p, obj) {
		int r;

		if (only && strcmp(exbpf_prog__name(p), only))
			continue;
		found = true;
		r = verify_prog(path, obj, p, &o, json, kernel || kernel_log, kernel_log, license, log);
		if (r > rc)
			rc = r;
	}
	free(log);
	exbpf_object__close(obj);
	if (only && !found)
		return cli_error("%s: no program '%s'", path, only);
	return rc;
}
