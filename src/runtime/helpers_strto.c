/* bpf_strtol / bpf_strtoul: Linux's parse of at most buf_len bytes (kernel/bpf/helpers.c):
 * leading white space, a '-' (strtol; strtoul refuses it), the base from flags (0, 8, 10 or 16;
 * 0 guesses from a "0x" or "0" prefix, 16 skips a "0x"), then digits up to the first that
 * does not belong, at most 63 bytes after the sign. The result is the number of bytes used;
 * -EINVAL with no digit or bad flags, -ERANGE past 64 bits (or the sign's range); *res is 0
 * on any error. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "runtime/helpers.h"

#define H(name) RT_HELPER(name)
#define STRTOX_BASE_MASK 0x1fu /* Linux's BPF_STRTOX_BASE_MASK */
#define STRTOX_MAX 63	       /* the digits Linux copies into its 64-byte buffer */

/* The kernel's isspace(): its Latin-1 table counts the no-break space (0xa0) too. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (unsigned char)c == 0xa0;
}

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
}

/* Bytes used (> 0) with *val and *neg, or a negative errno. */
static int parse(const char *buf, uint64_t len, uint64_t flags, uint64_t *val, bool *neg)
{
	unsigned base = (unsigned)(flags & STRTOX_BASE_MASK);
	uint64_t at = 0, end, v = 0;
	bool overflow = false;
	char s[STRTOX_MAX + 1];
	size_t n, i = 0, start;

	if (!len || (base != 0 && base != 8 && base != 10 && base != 16) || (flags & ~(uint64_t)STRTOX_BASE_MASK))
		return -EINVAL;
	while (at < len && is_space(buf[at]))
		at++;
	*neg = at < len && buf[at] == '-';
	at += *neg;
	if (at == len)
		return -EINVAL;
	n = len - at < STRTOX_MAX ? (size_t)(len - at) : STRTOX_MAX;
	memcpy(s, buf + at, n);
	s[n] = 0;
	if (base == 0)
		base = s[0] != '0' ? 10 : (s[1] | 0x20) == 'x' && digit(s[2]) < 16 ? 16 : 8;
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		i = 2;
	for (start = i; i < n && digit(s[i]) < (int)base; i++) {
		uint64_t next = v * base + (uint64_t)digit(s[i]);

		if (v > (UINT64_MAX - (uint64_t)digit(s[i])) / base)
			overflow = true;
		v = next;
	}
	if (overflow)
		return -ERANGE;
	if (i == start)
		return -EINVAL;
	end = at + i;
	*val = v;
	return (int)end;
}

/* The result's range: a long's, or an unsigned long's (no sign at all). */
static uint64_t strtox(struct exbpf_run *run, uint64_t buf, uint64_t len, uint64_t flags,
		       uint64_t res_addr, bool is_signed)
{
	uint64_t *res = (uint64_t *)(uintptr_t)res_addr, v;
	bool neg;
	int used;

	if (!rt_arg_mem(run, buf, len, false, "strtol buffer") ||
	    !rt_arg_mem(run, res_addr, 8, true, "strtol result"))
		return 0;
	*res = 0;
	used = parse((const char *)(uintptr_t)buf, len, flags, &v, &neg);
	if (used < 0)
		return (uint64_t)(int64_t)used;
	if (!is_signed && neg)
		return (uint64_t)-EINVAL;
	if (is_signed && (neg ? (int64_t)-v > 0 : (int64_t)v < 0))
		return (uint64_t)-ERANGE;
	*res = neg ? -v : v;
	return (uint64_t)used;
}

H(rt_strtol)
{
	(void)r5;
	return strtox(run, r1, r2, r3, r4, true);
}

H(rt_strtoul)
{
	(void)r5;
	return strtox(run, r1, r2, r3, r4, false);
}
