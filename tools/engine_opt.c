#include "engine_opt.h"

#include <string.h>

#include "cli.h"
#include "jit/jit.h"

int cli_parse_engine(const char *cmd, const char *name, unsigned allowed)
{
	static const char *const names[] = {"interp", "jit", "kernel"};

	for (int e = 0; e < 3; e++) {
		if (strcmp(name, names[e]) != 0)
			continue;
		if (allowed & (1u << e))
			return e;
		/* The JIT serves `conformance` so far (issue 8); the Linux backend `run` and
		 * `test`. */
		if (e == CLI_ENGINE_KERNEL || (e == CLI_ENGINE_JIT && jit_supported()))
			cli_error("%s: engine '%s' is not available for this command", cmd, name);
		else
			cli_error("%s: engine '%s' is not available in this build", cmd, name);
		return -1;
	}
	cli_error("%s: unknown engine '%s' (expected interp, jit or kernel)", cmd, name);
	return -1;
}
