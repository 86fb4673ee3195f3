/* The caller-provided log: messages append to a fixed buffer, always NUL-terminated, silently
 * truncated when full. A log with no buffer swallows everything. Never printed by the library. */
#ifndef EXBPF_COMMON_LOG_H
#define EXBPF_COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct log {
	char *buf;
	size_t size;
	size_t len; /* bytes that were asked for, even past size: len >= size means truncated */
};

/* buf may be NULL (size 0): the log then records nothing. */
void log_init(struct log *log, char *buf, size_t size);
void log_printf(struct log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(struct log *log, const char *fmt, va_list ap);
/* Forgets everything after the first len bytes (a len at or past the end: nothing). */
void log_truncate(struct log *log, size_t len);

#endif
