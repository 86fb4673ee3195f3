/* The exbpf command line: one file per subcommand, this header shared between them.
 * Contract: ../shared/spec/cli.md (exit 0 ok, 1 rejected/failed, 2 bad input). */
#ifndef EXBPF_TOOLS_CLI_H
#define EXBPF_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_BAD_INPUT = 2 };

/* Prints "exbpf: MESSAGE" to stderr (one line) and returns CLI_BAD_INPUT. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file; NUL-terminates the copy (not counted in *out_len). NULL on failure with
 * the error already printed. */
char *cli_read_file(const char *path, size_t *out_len);

/* Prints "  IDX: TEXT" per instruction. */
struct bpf_insn;
void cli_print_insns(const struct bpf_insn *insns, size_t cnt);

int cmd_conformance(int argc, char **argv);
int cmd_conformance_plugin(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
