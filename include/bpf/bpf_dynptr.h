/* The dynptr kfuncs, for BPF programs: Linux's names and signatures (the dynptr helpers,
 * bpf_dynptr_from_mem, bpf_ringbuf_reserve_dynptr, bpf_dynptr_read/write/data, are in libbpf's
 * <bpf/bpf_helpers.h>). Declared __weak: a program that calls one the runtime lacks loads, and
 * the verifier refuses the call. Include after <bpf/bpf_helpers.h>. This is exbpf's own text.
 *
 *	struct bpf_dynptr p;
 *	struct ethhdr *eth;
 *	char buf[sizeof(*eth)];
 *
 *	bpf_dynptr_from_skb(skb, 0, &p);
 *	eth = bpf_dynptr_slice(&p, 0, buf, sizeof(buf));	// NULL past the packet's end
 *
 * A packet dynptr (skb: socket filters, tc, cgroup_skb; skb_meta: tc; xdp) is read-only where
 * the program may not write its packet; its slices end, like packet pointers, at a call that
 * may move the packet. */
#ifndef EXBPF_BPF_DYNPTR_H
#define EXBPF_BPF_DYNPTR_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __bool_true_false_are_defined
#include <stdbool.h>
#endif

struct __sk_buff;
struct xdp_md;
struct bpf_dynptr;

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __weak __ksym;
extern int bpf_dynptr_from_skb_meta(struct __sk_buff *skb, __u64 flags,
				    struct bpf_dynptr *ptr__uninit) __weak __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *xdp, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __weak __ksym;

extern __u32 bpf_dynptr_size(const struct bpf_dynptr *p) __weak __ksym;
extern bool bpf_dynptr_is_null(const struct bpf_dynptr *p) __weak __ksym;
extern bool bpf_dynptr_is_rdonly(const struct bpf_dynptr *p) __weak __ksym;
extern int bpf_dynptr_adjust(const struct bpf_dynptr *p, __u32 start, __u32 end) __weak __ksym;
extern int bpf_dynptr_clone(const struct bpf_dynptr *p,
			    struct bpf_dynptr *clone__uninit) __weak __ksym;
/* buffer__szk bytes at offset: in place, or copied into buffer__opt; NULL when out of range. */
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
			      __u32 buffer__szk) __weak __ksym;
extern void *bpf_dynptr_slice_rdwr(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt,
				   __u32 buffer__szk) __weak __ksym;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst, __u32 dst_off, struct bpf_dynptr *src,
			   __u32 src_off, __u32 size) __weak __ksym;
extern int bpf_dynptr_memset(struct bpf_dynptr *p, __u32 offset, __u32 size, __u8 val) __weak __ksym;

/* size bytes from an address the verifier does not type, into the dynptr at off. */
extern int bpf_probe_read_kernel_dynptr(const struct bpf_dynptr *dptr, __u32 off, __u32 size,
					const void *unsafe_ptr__ign) __weak __ksym;
extern int bpf_probe_read_user_dynptr(const struct bpf_dynptr *dptr, __u32 off, __u32 size,
				      const void *unsafe_ptr__ign) __weak __ksym;
extern int bpf_probe_read_kernel_str_dynptr(const struct bpf_dynptr *dptr, __u32 off,
					    __u32 size, const void *unsafe_ptr__ign) __weak __ksym;
extern int bpf_probe_read_user_str_dynptr(const struct bpf_dynptr *dptr, __u32 off, __u32 size,
					  const void *unsafe_ptr__ign) __weak __ksym;

#endif
