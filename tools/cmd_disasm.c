/* `exbpf disasm`: print a program's instructions, one per line, with their indices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "cli.h"
#include "conformance_data.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

void cli_print_insns(const struct bpf_insn *insns, size_t cnt)
{
	char text[256];

	for (size_t i = 0; i < cnt;) {
		int n = exbpf_insn__disasm(insns, cnt, i, text, sizeof(text), NULL);
		printf("%6zu: %s\n", i, text);
		i += n > 0 ? (size_t)n : 1;
	}
}

static int disasm_data_file(const char *path, const char *text)
{
	struct conformance_data d;
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char log[512] = "";

	if (conformance_data_parse(text, &d, log, sizeof(log)) < 0)
		return cli_error("%s: %s", path, log);
	int err = conformance_data_program(&d, &insns, &cnt, log, sizeof(log));
	conformance_data_free(&d);
	if (err < 0)
		return cli_error("%s: %s", path, log);
	cli_print_insns(insns, cnt);
	free(insns);
	return CLI_OK;
}

static const char *extern_name(void *ctx, int32_t idx)
{
	struct exbpf_extern_info e;

	if (idx < 0 || exbpf_object__extern(ctx, (size_t)idx, &e))
		return NULL;
	return e.name;
}

static const char *func_at(const struct exbpf_prog *prog, size_t insn)
{
	struct exbpf_func_info f;

	for (size_t i = 0; !exbpf_prog__func(prog, i, &f); i++)
		if (f.insn_off == insn)
			return f.name;
	return NULL;
}

/* The linked program: function labels, and each new source line as a `; text @ file:line`
 * comment before its first instruction, as llvm-objdump -S and the verifier log show them. */
static void disasm_prog(const struct exbpf_prog *prog)
{
	const struct bpf_insn *insns;
	struct exbpf_line_info li, last = {0};
	struct exbpf_disasm_opts opts = {.sz = sizeof(opts), .kfunc_name = extern_name,
					 .ctx = (void *)exbpf_prog__object(prog)};
	size_t cnt;
	char text[256];
	int err = exbpf_prog__insns(prog, &insns, &cnt);

	printf("%s: sec '%s'%s\n", exbpf_prog__name(prog), exbpf_prog__section_name(prog),
	       exbpf_prog__autoload(prog) ? "" : " (not autoloaded)");
	if (err) {
		printf("  link error: %s\n", exbpf_prog__link_error(prog));
		return;
	}
	for (size_t i = 0; i < cnt;) {
		const char *fn = func_at(prog, i);
		int n;

		if (fn)
			printf("%s%s:\n", i ? "\n" : "", fn);
		if (!exbpf_prog__line(prog, i, &li) &&
		    (li.line != last.line || !last.file || strcmp(li.file, last.file))) {
			const char *base = strrchr(li.file, '/');

			printf("; %s @ %s:%u\n", li.text, base ? base + 1 : li.file, li.line);
			last = li;
		}
		n = exbpf_insn__disasm(insns, cnt, i, text, sizeof(text), &opts);
		printf("%6zu: %s\n", i, text);
		i += n > 0 ? (size_t)n : 1;
	}
}

static int disasm_object(const char *path, const void *buf, size_t len, const char *only)
{
	char log[1024] = "";
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log),
		   .object_name = path);
	struct exbpf_object *obj = exbpf_object__open_mem(buf, len, &opts);
	struct exbpf_prog *prog;
	bool first = true;

	if (!obj)
		return cli_error("%s: %s", path, strtok(log[0] ? log : "cannot open", "\n"));
	if (only && !exbpf_object__find_program_by_name(obj, only)) {
		exbpf_object__close(obj);
		return cli_error("%s: no program named '%s'", path, only);
	}
	exbpf_object__for_each_program(prog, obj) {
		if (only && strcmp(exbpf_prog__name(prog), only))
			continue;
		if (!first)
			printf("\n");
		first = false;
		disasm_prog(prog);
	}
	exbpf_object__close(obj);
	return CLI_OK;
}

int cmd_disasm(int argc, char **argv)
{
	const char *path = NULL, *prog = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: exbpf disasm FILE [--prog NAME]\n"
			       "  FILE.o     a BPF ELF object: each linked program, with source lines\n"
			       "  FILE.data  a bpf_conformance file: its program, assembled\n"
			       "  FILE       raw little-endian 8-byte instructions\n");
			return CLI_OK;
		} else if (!strcmp(argv[i], "--prog")) {
			if (i + 1 >= argc)
				return cli_error("disasm: --prog needs a program name");
			prog = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return cli_error("disasm: unknown flag '%s'", argv[i]);
		} else if (path) {
			return cli_error("disasm: more than one file given");
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return cli_error("disasm: no file given");

	size_t len;
	char *buf = cli_read_file(path, &len);
	if (!buf)
		return CLI_BAD_INPUT;
	int rc;
	if (len >= 4 && !memcmp(buf, "\x7f" "ELF", 4)) {
		rc = disasm_object(path, buf, len, prog);
	} else if (prog) {
		rc = cli_error("disasm: --prog applies to ELF objects only");
	} else if (has_suffix(path, ".data")) {
		rc = disasm_data_file(path, buf);
	} else if (len == 0 || len % sizeof(struct bpf_insn)) {
		rc = cli_error("%s: %zu bytes is not a whole number of 8-byte instructions", path,
			       len);
	} else {
		struct bpf_insn *insns = malloc(len);
		if (!insns) {
			rc = cli_error("%s: out of memory", path);
		} else {
			memcpy(insns, buf, len);
			cli_print_insns(insns, len / sizeof(struct bpf_insn));
			free(insns);
			rc = CLI_OK;
		}
	}
	free(buf);
	return rc;
}
