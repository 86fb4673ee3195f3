/* What `run` and `test` share: opening an object and loading one program of it alone (as
 * Linux's test loader does), into a fresh environment. */
#ifndef EXBPF_TOOLS_PROG_LOAD_H
#define EXBPF_TOOLS_PROG_LOAD_H

#include <stdbool.h>

#include <exbpf/exbpf.h>
#include <exbpf/runtime.h>

struct cli_loaded {
	struct exbpf_env *env;
	struct exbpf_instance *inst;
	struct exbpf_program *prog;
	char log[4096];
};

/* 0, or the negative errno of the load with the reason in l->log (first line). */
int cli_load_prog(const struct exbpf_object *obj, const char *name, struct cli_loaded *l);
void cli_unload(struct cli_loaded *l);

/* Prints the unverified-run warning once per process. */
void cli_warn_unverified(void);

/* The first line of a log, without its newline (in place). */
const char *cli_first_line(char *log);

#endif
