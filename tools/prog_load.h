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
	char *log; /* the load's log (the verifier's), owned */
	size_t log_size;
};

/* How programs are verified at load. */
struct cli_load_mode {
	uint32_t log_level; /* the verifier log: 0, 1 or 2 */
	bool kernel_strict;
	bool unpriv;
	uint32_t engine;		/* enum exbpf_engine */
	const char *const *also;	/* more programs to load (tail-call targets), NULL-ended */
};

/* 0, or the negative errno of the load with the reason in l->log: -EACCES is a verifier
 * rejection (its verdict is the last line), anything else a load error (first line). mode
 * may be NULL (default mode, no log). */
int cli_load_prog(const struct exbpf_object *obj, const char *name, struct cli_loaded *l);
int cli_load_prog_mode(const struct exbpf_object *obj, const char *name,
		       const struct cli_load_mode *mode, struct cli_loaded *l);
void cli_unload(struct cli_loaded *l);

/* The object's "license" section (libbpf passes it to the kernel); "GPL" when it has none. */
void cli_read_license(const char *path, char *out, size_t size);

/* The last line of a log (a verifier rejection's verdict), without its newline (in place). */
const char *cli_last_line(char *log);

/* The first line of a log, without its newline (in place). */
const char *cli_first_line(char *log);

#endif
