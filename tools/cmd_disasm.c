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

int cmd_disasm(int argc, char **argv)
{
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: exbpf disasm FILE\n"
			       "  FILE.data  a bpf_conformance file: its program, assembled\n"
			       "  FILE       raw little-endian 8-byte instructions\n");
			return CLI_OK;
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
		rc = cli_error("%s: ELF objects are not supported by this build yet", path);
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
