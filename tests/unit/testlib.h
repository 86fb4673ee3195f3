/* A minimal unit-test harness: TEST() registers a case, CHECK*() record failures without
 * stopping the case. The runner prints one line per failed check, `PASS name` / `FAIL name`,
 * then `N passed, N failed`. */
#ifndef EXBPF_TESTLIB_H
#define EXBPF_TESTLIB_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void test_register(const char *name, void (*fn)(void));
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name)                                                                              \
	static void name(void);                                                                 \
	__attribute__((constructor)) static void test_reg_##name(void)                          \
	{                                                                                       \
		test_register(#name, name);                                                     \
	}                                                                                       \
	static void name(void)

#define CHECK(cond)                                                                             \
	do {                                                                                    \
		if (!(cond))                                                                    \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                      \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                \
		if (a_ != b_)                                                                   \
			test_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, #a,  \
				  #b, a_, b_);                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                         \
	do {                                                                                    \
		const char *a_ = (a), *b_ = (b);                                                \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                          \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,     \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                             \
	do {                                                                                    \
		const char *h_ = (hay), *n_ = (needle);                                         \
		if (!h_ || !strstr(h_, n_))                                                     \
			test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"",         \
				  h_ ? h_ : "(null)", n_);                                      \
	} while (0)

/* Directory of the conformance .data files, set by the runner (argv or EXBPF_CONFORMANCE_DIR). */
const char *test_conformance_dir(void);
/* Directory of the compiled tests/progs objects (argv --progs; default build/progs). */
const char *test_progs_dir(void);

#endif
