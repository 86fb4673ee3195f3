#include "prog_load.h"

#include <stdio.h>
#include <string.h>

int cli_load_prog(const struct exbpf_object *obj, const char *name, struct cli_loaded *l)
{
	EXBPF_OPTS(exbpf_load_opts, opts, .log_buf = l->log, .log_size = sizeof(l->log),
		   .only_program = name, .unverified = true);
	int err;

	memset(l, 0, sizeof(*l));
	l->env = exbpf_env__new(NULL);
	if (!l->env)
		return -12;
	err = exbpf_instance__load(l->env, obj, &opts, &l->inst);
	if (err)
		return err;
	l->prog = exbpf_instance__find_program(l->inst, name);
	return l->prog ? 0 : -2;
}

void cli_unload(struct cli_loaded *l)
{
	exbpf_instance__free(l->inst);
	exbpf_env__free(l->env);
	l->inst = NULL;
	l->env = NULL;
}

void cli_warn_unverified(void)
{
	static bool warned;

	if (!warned)
		fprintf(stderr, "exbpf: warning: programs run unverified (the verifier is not built "
				"yet): the checked interpreter validates every access\n");
	warned = true;
}

const char *cli_first_line(char *log)
{
	char *nl = strchr(log, '\n');

	if (nl)
		*nl = '\0';
	return log[0] ? log : "unknown error";
}
