#include "prog_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_load_prog_mode(const struct exbpf_object *obj, const char *name,
		       const struct cli_load_mode *mode, struct cli_loaded *l)
{
	static const struct cli_load_mode none;
	int err;

	if (!mode)
		mode = &none;
	memset(l, 0, sizeof(*l));
	/* A level-1 log of a long walk runs to megabytes. */
	l->log_size = mode->log_level ? 16u << 20 : 64u << 10;
	l->log = calloc(1, l->log_size);
	l->env = exbpf_env__new(NULL);
	if (!l->env || !l->log)
		return -ENOMEM;

	EXBPF_OPTS(exbpf_load_opts, opts, .log_buf = l->log, .log_size = l->log_size,
		   .only_program = name, .log_level = mode->log_level,
		   .kernel_strict = mode->kernel_strict, .unpriv = mode->unpriv,
		   .engine = mode->engine, .also_programs = mode->also);

	err = exbpf_instance__load(l->env, obj, &opts, &l->inst);
	if (err)
		return err;
	l->prog = exbpf_instance__find_program(l->inst, name);
	return l->prog ? 0 : -2;
}

int cli_load_prog(const struct exbpf_object *obj, const char *name, struct cli_loaded *l)
{
	return cli_load_prog_mode(obj, name, NULL, l);
}

void cli_unload(struct cli_loaded *l)
{
	free(l->log);
	l->log = NULL;
	exbpf_instance__free(l->inst);
	exbpf_env__free(l->env);
	l->inst = NULL;
	l->env = NULL;
}

const char *cli_last_line(char *log)
{
	size_t n = strlen(log);

	while (n && log[n - 1] == '\n')
		log[--n] = '\0';
	while (n && log[n - 1] != '\n')
		n--;
	return log[n] ? log + n : "unknown error";
}

const char *cli_first_line(char *log)
{
	char *nl = strchr(log, '\n');

	if (nl)
		*nl = '\0';
	return log[0] ? log : "unknown error";
}

void cli_read_license(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	snprintf(out, size, "GPL");
	if (fd < 0)
		return;
	if (elf_version(EV_CURRENT) != EV_NONE)
		elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name;
			Elf_Data *d;

			if (!gelf_getshdr(scn, &sh) ||
			    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
			    strcmp(name, "license"))
				continue;
			d = elf_getdata(scn, NULL);
			if (d && d->d_buf && d->d_size)
				snprintf(out, size, "%.*s", (int)strnlen(d->d_buf, d->d_size),
					 (const char *)d->d_buf);
			break;
		}
	}
	elf_end(elf);
	close(fd);
}
