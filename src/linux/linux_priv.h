/* The Linux backend's private pieces: the bpf() syscall and what it needs of BTF. */
#ifndef EXBPF_LINUX_LINUX_PRIV_H
#define EXBPF_LINUX_LINUX_PRIV_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>
#include <exbpf/object.h>

/* bpf(cmd, attr, sizeof(*attr)): the result, or -1 with errno set. */
int lx_sys_bpf(int cmd, union bpf_attr *attr);

/* BPF_BTF_LOAD of a raw blob: the fd, or a negative errno (the kernel's log in log_buf). */
int lx_btf_load(const void *raw, size_t size, char *log_buf, size_t log_size);

/* A copy of the object's BTF that Linux accepts, as libbpf makes it: extern (__ksym) FUNCs
 * get global linkage and named parameters, extern VARs become allocated ints, and the .ksyms
 * DATASEC lists a placeholder VAR (appended, with "dummy_ksym") for each function. Type ids
 * and string offsets of the original stay valid. 0 and *out (malloc'd) or a negative errno. */
int lx_btf_fix_externs(const void *raw, size_t size, void **out, size_t *out_size);

/* Rewrites in place what old kernels cannot take, as libbpf's bpf_object__sanitize_btf does
 * with size-preserving replacements: DECL_TAG -> INT, TYPE_TAG -> CONST, FLOAT -> empty
 * STRUCT, global FUNC -> static, signed ENUM kflag cleared. Returns how many types changed,
 * or -EINVAL for a malformed blob. ENUM64 (needs a new type) is left alone. */
int lx_btf_sanitize(void *raw, size_t size);

/* Offset of string s in the string section of raw BTF (s may point into it, or be a copy):
 * 0 (the empty string) when it is not there. */
uint32_t lx_btf_str_off(const void *raw, size_t size, const char *s);

/* Parses /sys/kernel/btf/vmlinux: 0 and *out, or a negative errno with the reason in log. */
int lx_vmlinux_btf(struct exbpf_btf **out, char *log_buf, size_t log_size);

/* The kernel name of a map (libbpf's: "OBJNAME" prefix for global data, 15 characters). */
void lx_map_name(const struct exbpf_object *obj, const struct exbpf_map_def *d,
		 char out[BPF_OBJ_NAME_LEN]);

#endif
