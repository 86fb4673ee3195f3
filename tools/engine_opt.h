/* The --engine flag shared by the subcommands that run programs. */
#ifndef EXBPF_TOOLS_ENGINE_OPT_H
#define EXBPF_TOOLS_ENGINE_OPT_H

enum cli_engine { CLI_ENGINE_INTERP, CLI_ENGINE_JIT, CLI_ENGINE_KERNEL };

/* Parses NAME for `--engine NAME`; prints the error and returns -1 for an unknown or
 * not-yet-available engine. `allowed` is a mask of (1 << enum cli_engine). */
int cli_parse_engine(const char *cmd, const char *name, unsigned allowed);

#endif
