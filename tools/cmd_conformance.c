/* `exbpf conformance` and `exbpf conformance-plugin`: run bpf_conformance tests, from .data
 * files or through the upstream runner's plugin protocol. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#include "cli.h"
#include "conformance_data.h"
#include "engine_opt.h"
#include "jit/jit.h"

/* Upstream's plugins register helper 5 as "return r1" (uBPF's unwind helper); the files
 * call_unwind_fail.data and callx.data rely on it returning a non-zero value for r1 = -1. */
static uint64_t helper_return_r1(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				 struct exbpf_run *run)
{
	return r1;
}

static struct exbpf_vm *conformance_vm(const struct bpf_insn *insns, size_t cnt, char *log,
				       size_t log_size)
{
	struct exbpf_vm *vm = exbpf_vm__new(NULL);
	if (!vm) {
		snprintf(log, log_size, "cannot create a vm: %s", strerror(errno));
		return NULL;
	}
	int err = exbpf_vm__register_helper(vm, 5, "conformance_return_r1", helper_return_r1);
	if (!err)
		err = exbpf_vm__load(vm, insns, cnt, log, log_size);
	if (err) {
		exbpf_vm__free(vm);
		return NULL;
	}
	return vm;
}

/* The JIT runs what a verifier has vouched for: nothing is checked at run time. The
 * conformance files are trusted test vectors, which is the only reason it may run them
 * unverified here. */
static const struct vm_helper conformance_helper_rows[] = {
	{.id = 5, .name = "conformance_return_r1", .fn = helper_return_r1},
};
static const struct vm_helper_table conformance_helpers = {conformance_helper_rows, 1};

/* Loads and runs one program on mem with the engine; r1 = mem, r2 = mem_len as in
 * exbpf_vm__exec(). Returns 0, or a negative errno (load or run) with the reason in log. */
static int conformance_exec(int engine, const struct bpf_insn *insns, size_t cnt, void *mem,
			    size_t mem_len, uint64_t *r0, bool *loaded, char *log_buf,
			    size_t log_size)
{
	*loaded = false;
	if (engine == CLI_ENGINE_JIT) {
		struct log log;
		struct jit_prog *jp;
		log_init(&log, log_buf, log_size);
		int err = jit_compile(insns, cnt, &conformance_helpers, &log, &jp);
		if (err)
			return err;
		*loaded = true;
		struct vm_exec x = {.args = {(uint64_t)(uintptr_t)mem, mem_len}, .log = &log};
		err = jit_exec(jp, &x);
		*r0 = x.r0;
		jit_free(jp);
		return err;
	}
	struct exbpf_vm *vm = conformance_vm(insns, cnt, log_buf, log_size);
	if (!vm)
		return -EINVAL;
	*loaded = true;
	int err = exbpf_vm__exec(vm, mem, mem_len, r0, log_buf, log_size);
	exbpf_vm__free(vm);
	return err;
}

/* Runs one file; returns 1 passed, 0 failed (the reason in why), -1 unreadable. */
static int run_file(int engine, const char *path, char *why, size_t why_size)
{
	struct conformance_data d;
	struct bpf_insn *insns = NULL;
	size_t cnt = 0, len;
	char log[512] = "";
	int passed = 0;

	char *text = cli_read_file(path, &len);
	if (!text)
		return -1;
	if (conformance_data_parse(text, &d, log, sizeof(log)) < 0) {
		snprintf(why, why_size, "malformed file: %s", log);
		free(text);
		return 0;
	}
	free(text);
	if (conformance_data_program(&d, &insns, &cnt, log, sizeof(log)) < 0) {
		snprintf(why, why_size, "assembler: %s", log);
		goto out;
	}
	uint64_t r0 = 0;
	bool loaded;
	int err = conformance_exec(engine, insns, cnt, d.mem, d.mem_len, &r0, &loaded, log,
				   sizeof(log));
	if (!loaded) {
		if (d.has_error) {
			passed = 1;
			goto out;
		}
		snprintf(why, why_size, "load: %s", log);
		goto out;
	}
	if (d.has_error) {
		passed = err < 0;
		if (!passed)
			snprintf(why, why_size, "expected an error (%s), got r0 = 0x%" PRIx64,
				 d.error, r0);
	} else if (err < 0) {
		snprintf(why, why_size, "run: %s", log);
	} else if (r0 != d.result) {
		snprintf(why, why_size, "r0 = 0x%" PRIx64 ", expected 0x%" PRIx64, r0, d.result);
	} else {
		passed = 1;
	}
out:
	free(insns);
	conformance_data_free(&d);
	return passed;
}

static void conformance_usage(FILE *out)
{
	fprintf(out, "usage: exbpf conformance [--engine interp|jit] FILE.data...\n"
		     "  --engine NAME   engine to run the programs on (default: interp); the jit\n"
		     "                  checks nothing at run time: it is for trusted test vectors\n"
		     "                  such as these files, never for untrusted programs\n"
		     "Prints one line per failing file, then `N passed, N failed`.\n");
}

int cmd_conformance(int argc, char **argv)
{
	int first_file = argc, passed = 0, failed = 0, engine = CLI_ENGINE_INTERP;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			conformance_usage(stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--engine")) {
			if (i + 1 >= argc)
				return cli_error("conformance: --engine needs a value");
			engine = cli_parse_engine("conformance", argv[++i],
						  1u << CLI_ENGINE_INTERP | 1u << CLI_ENGINE_JIT);
			if (engine < 0)
				return CLI_BAD_INPUT;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return cli_error("conformance: unknown flag '%s'", argv[i]);
		} else {
			first_file = i;
			break;
		}
	}
	if (first_file == argc)
		return cli_error("conformance: no .data files given");

	for (int i = first_file; i < argc; i++) {
		char why[768] = "";
		int r = run_file(engine, argv[i], why, sizeof(why));
		if (r < 0)
			return CLI_BAD_INPUT;
		if (r) {
			passed++;
		} else {
			printf("FAIL %s: %s\n", argv[i], why);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? CLI_FAIL : CLI_OK;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex text (whitespace allowed between bytes) into a new buffer. */
static int parse_hex(const char *s, uint8_t **out, size_t *out_len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (*s) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		int hi = hex_digit(s[0]), lo = s[1] ? hex_digit(s[1]) : -1;
		if (hi < 0 || lo < 0) {
			free(buf);
			return -EINVAL;
		}
		buf[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int cmd_conformance_plugin(int argc, char **argv)
{
	const char *mem_hex = "";
	int engine = CLI_ENGINE_INTERP;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: exbpf conformance-plugin [--engine interp|jit] [MEMHEX]\n"
			       "Reads the program as hex bytes on stdin, runs it on the memory given "
			       "as hex, prints r0 in hex.\n"
			       "--engine jit checks nothing at run time: for trusted test vectors "
			       "only.\n");
			return CLI_OK;
		} else if (!strcmp(argv[i], "--engine")) {
			if (i + 1 >= argc)
				return cli_error("conformance-plugin: --engine needs a value");
			engine = cli_parse_engine("conformance-plugin", argv[++i],
						  1u << CLI_ENGINE_INTERP | 1u << CLI_ENGINE_JIT);
			if (engine < 0)
				return CLI_BAD_INPUT;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			/* The upstream runner passes options such as --elf that we do not take. */
			return cli_error("conformance-plugin: unknown flag '%s'", argv[i]);
		} else {
			mem_hex = argv[i];
		}
	}

	size_t cap = 1 << 16, len = 0;
	char *prog_hex = malloc(cap);
	size_t n;
	while (prog_hex && (n = fread(prog_hex + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(prog_hex, cap *= 2);
			if (!p)
				free(prog_hex);
			prog_hex = p;
		}
	}
	if (!prog_hex)
		return cli_error("conformance-plugin: out of memory");
	prog_hex[len] = '\0';

	uint8_t *code = NULL, *mem = NULL;
	size_t code_len = 0, mem_len = 0;
	int rc = CLI_BAD_INPUT;
	if (parse_hex(prog_hex, &code, &code_len) < 0) {
		cli_error("conformance-plugin: program on stdin is not hex bytes");
		goto out;
	}
	if (code_len == 0 || code_len % sizeof(struct bpf_insn)) {
		cli_error("conformance-plugin: program is %zu bytes, not a multiple of 8", code_len);
		goto out;
	}
	if (parse_hex(mem_hex, &mem, &mem_len) < 0) {
		cli_error("conformance-plugin: memory argument is not hex bytes");
		goto out;
	}
	char log[512] = "";
	uint64_t r0 = 0;
	bool loaded;
	int err = conformance_exec(engine, (const struct bpf_insn *)code,
				   code_len / sizeof(struct bpf_insn), mem, mem_len, &r0, &loaded,
				   log, sizeof(log));
	if (!loaded) {
		cli_error("conformance-plugin: %s", log);
		goto out;
	}
	if (err < 0) {
		cli_error("conformance-plugin: %s", log);
		rc = CLI_FAIL;
		goto out;
	}
	printf("%" PRIx64 "\n", r0);
	rc = CLI_OK;
out:
	free(prog_hex);
	free(code);
	free(mem);
	return rc;
}
