/* The Linux backend: load a program that exbpf's loader linked into the running kernel through
 * the bpf() syscall (no libbpf), and run it with BPF_PROG_TEST_RUN. The kernel is then an
 * oracle for exbpf: same object, same linked instructions, Linux's verifier and run time.
 *
 * Loading creates every map of the object (global data included, .rodata frozen), loads the
 * object's BTF (sanitized, or left out, when the kernel refuses it), resolves kfunc externs
 * against /sys/kernel/btf/vmlinux, and loads the program with its func_info and line_info;
 * programs the object's prog arrays name are loaded too and put into their slots.
 * Needs root (CAP_BPF + CAP_SYS_ADMIN for test runs of most types). Linux only. */
#ifndef EXBPF_LINUX_H
#define EXBPF_LINUX_H

#include <stdbool.h>

#include <exbpf/common.h>
#include <exbpf/object.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_linux_prog;

struct exbpf_linux_opts {
	size_t sz;
	/* On failure: one line naming the problem (for a verifier rejection, Linux's error
	 * line), then Linux's verifier log. On success with log_level > 0: the verifier log. */
	char *log_buf;
	size_t log_size;
	uint32_t log_level; /* BPF_LOG_LEVEL1/2/STATS bits; a rejection is logged at 1 anyway */
	/* The program's license. The loader does not expose the object's "license" section:
	 * NULL means "GPL". */
	const char *license;
};

/* Loads program prog_name of obj (each program alone, as Linux's test loader does).
 * Returns 0 and *out, or a negative errno:
 *   -EPERM / -ENOSYS  bpf() is unavailable (not root, disabled, not Linux);
 *   -EACCES           Linux's verifier rejected the program (or a tail-call target of it);
 *   -EOPNOTSUPP       a program type Linux does not have (EXBPF_PROG_TYPE_RAW);
 *   -ENOENT           no such program, or a kfunc Linux does not have;
 *   other             a map, BTF or syscall failure; the log names it. */
EXBPF_API int exbpf_linux__load(const struct exbpf_object *obj, const char *prog_name,
				const struct exbpf_linux_opts *opts, struct exbpf_linux_prog **out);

/* Puts program prog_name of the same object (loaded now if it is not yet) into prog array
 * map_name at key, as `exbpf run --tail` does. 0 or a negative errno, the reason in log_buf. */
EXBPF_API int exbpf_linux__set_tail(struct exbpf_linux_prog *p, const char *map_name, uint32_t key,
				    const char *prog_name, char *log_buf, size_t log_size);

/* Whether BPF_PROG_TEST_RUN gives the program a packet (tc, xdp, socket, cgroup_skb) or only
 * a context (raw_tp, syscall, ...). */
EXBPF_API bool exbpf_linux__takes_packet(const struct exbpf_linux_prog *p);

/* BPF_PROG_TEST_RUN: data is the packet (packet types), ctx the context (ctx may be NULL for
 * packet types: Linux builds a default one). repeat 0 means 1. *retval is the kernel's 32-bit
 * return value, *duration_ns the mean per run (either pointer may be NULL). A throw is not
 * visible beyond the return value. 0 or a negative errno with the reason in log_buf. */
EXBPF_API int exbpf_linux__run(struct exbpf_linux_prog *p, const void *data, size_t size,
			       const void *ctx, size_t ctx_size, uint32_t repeat, uint64_t *retval,
			       uint64_t *duration_ns, char *log_buf, size_t log_size);

/* The program's fd (owned by p), for callers that attach or inspect it. */
EXBPF_API int exbpf_linux__prog_fd(const struct exbpf_linux_prog *p);

/* The fd of the object's map named name (".bss" etc. for global data; owned by p), or
 * -ENOENT: read what a run left in a map with BPF_MAP_LOOKUP_ELEM. */
EXBPF_API int exbpf_linux__map_fd(const struct exbpf_linux_prog *p, const char *name);

/* Closes every fd (programs, maps, BTF) and frees p; NULL is allowed. */
EXBPF_API void exbpf_linux__free(struct exbpf_linux_prog *p);

/* Whether this process can load and run programs through bpf(); when not, why (one line:
 * "bpf(): Operation not permitted (needs root)", ...). */
EXBPF_API bool exbpf_linux__available(char *why, size_t size);

#ifdef __cplusplus
}
#endif

#endif
