/* Helpers that touch no map: time, randomness, CPU and process ids, trace_printk, packet
 * bytes and checksums. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime/helpers.h"

#define H(name) RT_HELPER(name)
#define UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run

H(rt_ktime_get_ns)
{
	struct timespec ts;

	UNUSED5;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift128+ per thread, seeded from the kernel: Linux's is not cryptographic either. */
H(rt_get_prandom_u32)
{
	static _Thread_local uint64_t s[2];
	uint64_t a, b;

	UNUSED5;
	if (!s[0] && !s[1]) {
		if (getrandom(s, sizeof(s), 0) != sizeof(s) || (!s[0] && !s[1]))
			s[0] = (uint64_t)time(NULL) | 1;
	}
	a = s[0];
	b = s[1];
	s[0] = b;
	a ^= a << 23;
	s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return (uint32_t)((s[1] + b) >> 32);
}

H(rt_get_smp_processor_id)
{
	UNUSED5;
	return map_this_cpu();
}

H(rt_get_current_pid_tgid)
{
	UNUSED5;
	return ((uint64_t)(uint32_t)getpid() << 32) | (uint32_t)gettid();
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The cookie Linux gives the calling thread's network namespace (what its programs get for a
 * packet of that namespace), asked once per thread through a socket; 0 where the kernel has no
 * such cookie (before 5.14). */
H(rt_get_netns_cookie)
{
	static _Thread_local uint64_t cookie;
	static _Thread_local bool asked;

	UNUSED5;
	if (!asked) {
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		socklen_t len = sizeof(cookie);

		if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) || len != sizeof(cookie))
			cookie = 0;
		if (fd >= 0)
			close(fd);
		asked = true;
	}
	return cookie;
}

/* A string argument of %s, copied from program memory byte by byte (each byte checked). */
static void copy_str(struct exbpf_run *run, uint64_t addr, char *out, size_t size)
{
	size_t i = 0;

	for (; i + 1 < size; i++) {
		if (!vm_run_access_ok(run, addr + i, 1, false)) {
			snprintf(out, size, "(fault)");
			return;
		}
		out[i] = *(const char *)(uintptr_t)(addr + i);
		if (!out[i])
			return;
	}
	out[i] = '\0';
}

/* Formats like the kernel's bpf_trace_printk: %d %i %u %x %X %c %s %p with l/ll, flags and
 * width; at most 3 arguments. Returns the length, or -EINVAL for a format Linux rejects. */
static int format(struct exbpf_run *run, const char *fmt, const uint64_t *args, char *out,
		  size_t size)
{
	size_t len = 0, argi = 0;

	out[0] = '\0';
	for (const char *p = fmt; *p; p++) {
		char spec[32], piece[256];
		size_t sl = 0;
		int longs = 0, n;

		if (*p != '%') {
			if (len + 1 < size)
				out[len++] = *p, out[len] = '\0';
			continue;
		}
		if (p[1] == '%') {
			if (len + 1 < size)
				out[len++] = '%', out[len] = '\0';
			p++;
			continue;
		}
		spec[sl++] = '%';
		for (p++; *p && strchr("-+ #0", *p) && sl < 8; p++)
			spec[sl++] = *p;
		for (; *p >= '0' && *p <= '9' && sl < 12; p++)
			spec[sl++] = *p;
		for (; *p == 'l' && longs < 2; p++)
			longs++;
		if (!*p || !strchr("diuxXcsp", *p) || argi == 3)
			return -EINVAL;
		if (*p == 's') {
			char str[128];

			copy_str(run, args[argi++], str, sizeof(str));
			spec[sl++] = 's', spec[sl] = '\0';
			n = snprintf(piece, sizeof(piece), spec, str);
		} else if (*p == 'p') {
			spec[sl++] = 'p', spec[sl] = '\0';
			n = snprintf(piece, sizeof(piece), spec, (void *)(uintptr_t)args[argi++]);
		} else if (*p == 'c') {
			spec[sl++] = 'c', spec[sl] = '\0';
			n = snprintf(piece, sizeof(piece), spec, (int)(char)args[argi++]);
		} else {
			bool sign = *p == 'd' || *p == 'i';
			uint64_t v = args[argi++];

			spec[sl++] = 'l', spec[sl++] = 'l', spec[sl++] = *p, spec[sl] = '\0';
			if (longs == 0)
				v = sign ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
			n = sign ? snprintf(piece, sizeof(piece), spec, (long long)v)
				 : snprintf(piece, sizeof(piece), spec, (unsigned long long)v);
		}
		for (int i = 0; i < n && i < (int)sizeof(piece) - 1 && len + 1 < size; i++)
			out[len++] = piece[i], out[len] = '\0';
	}
	return (int)len;
}

H(rt_trace_printk)
{
	struct rt_run *rr = rt_run_of(run);
	struct exbpf_env *env = rr->prog->inst->env;
	uint64_t args[3] = {r3, r4, r5};
	char fmt[256], msg[512];
	int n;

	if (!r2 || r2 > sizeof(fmt) || !rt_arg_mem(run, r1, r2, false, "trace_printk format"))
		return (uint64_t)-EINVAL;
	memcpy(fmt, (const void *)(uintptr_t)r1, r2);
	if (fmt[r2 - 1] != '\0')
		return (uint64_t)-EINVAL;
	n = format(run, fmt, args, msg, sizeof(msg));
	if (n < 0)
		return (uint64_t)-EINVAL;
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (env->trace)
		env->trace(env->trace_ctx, rr->prog->name, msg);
	else
		fprintf(stderr, "%s: %s\n", rr->prog->name, msg);
	return (uint64_t)n;
}

/* Packet bytes [off, off + len) of the run's skb: NULL when out of range or when the first
 * argument is not the run's context. */
static uint8_t *skb_bytes(struct exbpf_run *run, uint64_t skb, uint64_t off, uint64_t len)
{
	struct run_ctx *rc = rt_run_of(run)->rc;
	size_t avail = (size_t)(rc->data_end - rc->data);

	if (skb != rc->args[0] || !rc->data || off > avail || len > avail - off)
		return NULL;
	return rc->data + off;
}

H(rt_skb_load_bytes)
{
	uint8_t *src;

	(void)r5;
	if (!r4 || !rt_arg_mem(run, r3, r4, true, "skb_load_bytes buffer"))
		return (uint64_t)-EINVAL;
	src = skb_bytes(run, r1, r2, r4);
	if (!src) {
		memset((void *)(uintptr_t)r3, 0, r4);
		return (uint64_t)-EFAULT;
	}
	memcpy((void *)(uintptr_t)r3, src, r4);
	return 0;
}

H(rt_skb_store_bytes)
{
	uint8_t *dst;

	if (r5 & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return (uint64_t)-EINVAL;
	if (!r4 || !rt_arg_mem(run, r3, r4, false, "skb_store_bytes data"))
		return (uint64_t)-EINVAL;
	dst = skb_bytes(run, r1, r2, r4);
	if (!dst)
		return (uint64_t)-EFAULT;
	memmove(dst, (const void *)(uintptr_t)r3, r4);
	return 0;
}

/* csum_partial() of x86-64: little-endian 32-bit words, then a trailing 16-bit word and byte,
 * added to the seed with end-around carry; a 32-bit partial sum. */
static uint32_t csum_partial(const uint8_t *p, uint64_t size, uint32_t seed)
{
	uint64_t acc = seed, i = 0;

	for (; i + 4 <= size; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		acc += w;
	}
	if (size - i >= 2) {
		uint16_t h;

		memcpy(&h, p + i, 2);
		acc += h;
		i += 2;
	}
	if (i < size)
		acc += p[i];
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

static uint32_t csum_sub(uint32_t a, uint32_t b)
{
	uint32_t r = a + ~b;

	return r + (r < ~b);
}

/* Linux's csum_from32to16(): the 32-bit sum folded to 16 bits. */
static uint16_t csum_fold16(uint32_t sum)
{
	sum += (sum >> 16) | (sum << 16);
	return (uint16_t)(sum >> 16);
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < b);
}

/* Linux's csum_fold(): the one's complement of the folded sum. */
static uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~csum_fold16(sum);
}

static uint16_t csum16_add(uint16_t a, uint16_t b)
{
	uint16_t r = (uint16_t)(a + b);

	return (uint16_t)(r + (r < b));
}

/* The 16-bit checksum field at offset of the run's skb: NULL after -EFAULT in *err (an odd or
 * too large offset, or one past the packet, as Linux's bpf_try_make_writable()). */
static uint8_t *csum_field(struct exbpf_run *run, uint64_t skb, uint64_t off, int *err)
{
	uint8_t *p = off > 0xffff || off % 2 ? NULL : skb_bytes(run, skb, off, 2);

	*err = p ? 0 : -EFAULT;
	return p;
}

/* Linux's csum_replace_by_diff / csum_replace4 on *f: the checksum of data whose 32-bit sum
 * grew by diff, or in which from became to. */
static void replace_diff(uint8_t *f, uint32_t diff)
{
	uint16_t s;

	memcpy(&s, f, 2);
	s = csum_fold(csum_add(diff, ~(uint32_t)s));
	memcpy(f, &s, 2);
}

static void replace4(uint8_t *f, uint32_t from, uint32_t to)
{
	uint16_t s;

	memcpy(&s, f, 2);
	s = csum_fold(csum_add(csum_sub(~(uint32_t)s, from), to));
	memcpy(f, &s, 2);
}

/* The checksum field f after from became to (flags' low bits: the size of what changed, 2 or
 * 4 bytes; 0: `to` is the sum's difference and from must be 0). An L3 header's 2-byte change
 * is summed in 16 bits (Linux's csum_replace2()), an L4 one in 32 (inet_proto_csum_replace2()
 * widens it). 0 or -EINVAL. */
static int csum_replace(uint8_t *f, uint64_t from, uint64_t to, uint64_t flags, bool l4)
{
	uint16_t s;

	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return -EINVAL;
		replace_diff(f, (uint32_t)to);
		return 0;
	case 2:
		if (l4) {
			replace4(f, (uint16_t)from, (uint16_t)to);
			return 0;
		}
		memcpy(&s, f, 2);
		s = (uint16_t)~csum16_add(csum16_add((uint16_t)~s, (uint16_t)~(uint16_t)from), (uint16_t)to);
		memcpy(f, &s, 2);
		return 0;
	case 4:
		replace4(f, (uint32_t)from, (uint32_t)to);
		return 0;
	default:
		return -EINVAL;
	}
}

/* bpf_l3_csum_replace(skb, offset, from, to, flags). */
H(rt_l3_csum_replace)
{
	uint8_t *f;
	int err;

	if (r5 & ~(uint64_t)BPF_F_HDR_FIELD_MASK)
		return (uint64_t)-EINVAL;
	if (!(f = csum_field(run, r1, r2, &err)))
		return (uint64_t)(int64_t)err;
	return (uint64_t)(int64_t)csum_replace(f, r3, r4, r5, false);
}

/* bpf_l4_csum_replace: the same for a TCP/UDP checksum, with Linux's flags: a zero checksum
 * (UDP's "none") left as it is with BPF_F_MARK_MANGLED_0 unless BPF_F_MARK_ENFORCE, and a
 * result of zero written as 0xffff then. exbpf's skbs carry no device checksum, so the
 * pseudo-header and IPv6 flags change nothing else (Linux's CHECKSUM_NONE). */
H(rt_l4_csum_replace)
{
	bool mangled0 = r5 & BPF_F_MARK_MANGLED_0, enforce = r5 & BPF_F_MARK_ENFORCE;
	uint8_t *f;
	uint16_t s;
	int err;

	if (r5 & ~(uint64_t)(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
			     BPF_F_HDR_FIELD_MASK | BPF_F_IPV6))
		return (uint64_t)-EINVAL;
	if (!(f = csum_field(run, r1, r2, &err)))
		return (uint64_t)(int64_t)err;
	memcpy(&s, f, 2);
	if (mangled0 && !enforce && !s)
		return 0;
	if ((err = csum_replace(f, r3, r4, r5, true)))
		return (uint64_t)(int64_t)err;
	memcpy(&s, f, 2);
	if (mangled0 && !s) {
		s = 0xffff; /* CSUM_MANGLED_0 */
		memcpy(f, &s, 2);
	}
	return 0;
}

/* Linux 6.13+ (net/core/filter.c): pushing (to only), pulling (from only) or diffing, folded
 * to 16 bits; any sizes the verifier accepts. */
H(rt_csum_diff)
{
	const uint8_t *from = (const uint8_t *)(uintptr_t)r1, *to = (const uint8_t *)(uintptr_t)r3;
	uint32_t ret = (uint32_t)r5;

	if ((r2 && !rt_arg_mem(run, r1, r2, false, "csum_diff from")) ||
	    (r4 && !rt_arg_mem(run, r3, r4, false, "csum_diff to")))
		return (uint64_t)-EINVAL;
	if (r2 && r4)
		ret = csum_sub(csum_partial(to, r4, ret), csum_partial(from, r2, 0));
	else if (r4)
		ret = csum_partial(to, r4, ret);
	else if (r2)
		ret = ~csum_partial(from, r2, ~ret);
	return csum_fold16(ret);
}

/* exbpf's skbs carry no checksum the device computed (Linux's CHECKSUM_NONE, what test runs
 * give too): nothing to update. */
H(rt_csum_update)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return (uint64_t)-524; /* -ENOTSUPP, which userspace's errno.h lacks */
}

/* libbpf's marker for an instruction a CO-RE relocation could not resolve: loading such a
 * program is fine, reaching the instruction is an error naming the relocation. */
H(rt_poisoned)
{
	struct exbpf_program *prog = rt_run_of(run)->prog;
	const char *why = exbpf_prog__insn_poison(prog->spec, vm_run_insn(run));

	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	vm_run_fail(run, -EINVAL, "reached a poisoned instruction: %s",
		    why ? why : "unresolved CO-RE relocation");
	return 0;
}
