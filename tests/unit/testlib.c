#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static struct test_case cases[1024];
static size_t ncases;
static int current_failures;
static const char *conformance_dir = "tests/conformance";
static const char *progs_dir = "build/progs";

void test_register(const char *name, void (*fn)(void))
{
	if (ncases == sizeof(cases) / sizeof(cases[0])) {
		fprintf(stderr, "testlib: too many tests\n");
		exit(2);
	}
	cases[ncases++] = (struct test_case){name, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failures++;
}

const char *test_conformance_dir(void)
{
	return conformance_dir;
}

const char *test_progs_dir(void)
{
	return progs_dir;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--conformance") && i + 1 < argc)
			conformance_dir = argv[++i];
		else if (!strcmp(argv[i], "--progs") && i + 1 < argc)
			progs_dir = argv[++i];
		else
			only = argv[i];
	}
	if (getenv("EXBPF_CONFORMANCE_DIR"))
		conformance_dir = getenv("EXBPF_CONFORMANCE_DIR");
	for (size_t i = 0; i < ncases; i++) {
		if (only && !strstr(cases[i].name, only))
			continue;
		current_failures = 0;
		cases[i].fn();
		if (current_failures) {
			printf("FAIL unit:%s\n", cases[i].name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
