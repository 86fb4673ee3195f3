#include "common/log.h"

#include <stdio.h>

void log_init(struct log *log, char *buf, size_t size)
{
	log->buf = size ? buf : NULL;
	log->size = buf ? size : 0;
	log->len = 0;
	if (log->buf)
		log->buf[0] = '\0';
}

void log_vprintf(struct log *log, const char *fmt, va_list ap)
{
	if (!log || !log->buf) {
		return;
	}
	size_t room = log->len < log->size ? log->size - log->len : 0;
	int n = vsnprintf(room ? log->buf + log->len : NULL, room, fmt, ap);
	if (n > 0)
		log->len += (size_t)n;
}

void log_printf(struct log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(log, fmt, ap);
	va_end(ap);
}

void log_truncate(struct log *log, size_t len)
{
	if (!log || !log->buf || len >= log->len)
		return;
	log->len = len;
	if (len < log->size)
		log->buf[len] = '\0';
}
