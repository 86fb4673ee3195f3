#include "engine_opt.h"

#include <string.h>

#include "cli.h"

int cli_parse_engine(const char *cmd, const char *name, unsigned allowed)
{
	static const char *const names[] = {"interp", "jit", "kernel"};

	for (int e = 0; e < 3; e++) {
		if (strcmp(name, names[e]) != 0)
			continue;
		if ((e == CLI_ENGINE_INTERP || e == CLI_ENGINE_KERNEL) && (allowed & (1u << e)))
			return e;
		/* The JIT arrives with its issue; the Linux backend serves `run` so far. */
		if (e == CLI_ENGINE_KERNEL)
			cli_error("%s: engine 'kernel' is not available for this command", cmd);
		else
			cli_error("%s: engine '%s' is not available in this build", cmd, name);
		return -1;
	}
	cli_error("%s: unknown engine '%s' (expected interp, jit or kernel)", cmd, name);
	return -1;
}
