/* Loops the verifier bounds by something other than the values in them, for BPF programs:
 * may_goto (can_loop, cond_break, cond_break_label: the names of Linux's selftests header
 * bpf_experimental.h), the open-coded numeric iterator (bpf_iter_num_new/next/destroy and
 * libbpf's bpf_for, bpf_repeat and bpf_for_each(num, ...), which libbpf >= 1.2 has in
 * bpf_helpers.h and Debian's libbpf 1.1 lacks) and the bits iterator. Programs written for Linux build unchanged
 * against exbpf and the other way round. Include after <bpf/bpf_helpers.h>. This is exbpf's own
 * implementation. */
#ifndef EXBPF_BPF_LOOPS_H
#define EXBPF_BPF_LOOPS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <stdbool.h>
#endif

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

/* ---- may_goto: a jump taken once the frame's hidden loop budget (8M may_gotos per function
 * invocation in exbpf) is spent. The verifier needs no other bound on a loop that has one. */

/* The instruction itself, jumping to a C label. clang >= 19 knows the mnemonic; older ones get
 * the encoding (opcode 0xe5, the offset in instructions). */
#ifdef __BPF_FEATURE_MAY_GOTO
#define __exbpf_may_goto(label) asm volatile goto("may_goto %l[" #label "]" :::: label)
#else
#define __exbpf_may_goto(label)                                                                 \
	asm volatile goto("1: .byte 0xe5; .byte 0;"                                             \
			  ".short ((%l[" #label "] - 1b - 8) / 8) & 0xffff; .long 0" :::: label)
#endif

/* `expr` (break, goto somewhere) once the budget is spent. */
#ifndef __cond_break
#define __cond_break(expr)                                                                      \
	({                                                                                      \
		__label__ __exbpf_spent, __exbpf_go_on;                                         \
		__exbpf_may_goto(__exbpf_spent);                                                \
		goto __exbpf_go_on;                                                             \
	__exbpf_spent:                                                                          \
		expr;                                                                           \
	__exbpf_go_on:;                                                                         \
	})
#endif
#ifndef cond_break
#define cond_break __cond_break(break)
#define cond_break_label(label) __cond_break(goto label)
#endif

/* true while the budget lasts: `while (can_loop) ...`, `for (i = 0; i < n && can_loop; i++)`. */
#ifndef can_loop
#define can_loop                                                                                \
	({                                                                                      \
		__label__ __exbpf_spent, __exbpf_go_on;                                         \
		bool __exbpf_more = true;                                                       \
		__exbpf_may_goto(__exbpf_spent);                                                \
		goto __exbpf_go_on;                                                             \
	__exbpf_spent:                                                                          \
		__exbpf_more = false;                                                           \
	__exbpf_go_on:                                                                          \
		__exbpf_more;                                                                   \
	})
#endif

/* ---- The numeric iterator: the values start, start + 1, ..., end - 1 (none when start >=
 * end; new() fails with -EINVAL for start > end and -E2BIG for more than 8M values). The
 * iterator lives on the program's stack, 8 bytes; the verifier tracks it there and requires
 * destroy() on every path. */

/* Linux's UAPI has the type since 6.4 (and vmlinux.h always). */
#if !defined(__VMLINUX_H__) && !defined(BPF_F_BEFORE) && !defined(EXBPF_HAVE_BPF_ITER_NUM)
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));
#endif

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/* ---- The bits iterator: the index of each set bit of nr_words 64-bit words at ptr, lowest
 * first, copied when the iterator starts (at most 511 words: -E2BIG; NULL or no words:
 * -EINVAL; memory that cannot be read: -EFAULT, and the iterator yields nothing).
 * 16 bytes on the stack; `bpf_for_each(bits, bit, ptr, nr_words)`. */
#if !defined(__VMLINUX_H__) && !defined(EXBPF_HAVE_BPF_ITER_BITS)
struct bpf_iter_bits {
	__u64 __opaque[2];
} __attribute__((aligned(8)));
#endif

extern int bpf_iter_bits_new(struct bpf_iter_bits *it, const __u64 *unsafe_ptr__ign,
			     __u32 nr_words) __weak __ksym;
extern int *bpf_iter_bits_next(struct bpf_iter_bits *it) __weak __ksym;
extern void bpf_iter_bits_destroy(struct bpf_iter_bits *it) __weak __ksym;

/* bpf_for_each(type, cur, args...): cur points at each value the iterator of that type
 * yields, the iterator destroyed when the loop is left (the cleanup attribute). The
 * destroy() reference in the initializer makes clang emit its BTF. */
#ifndef bpf_for_each
#define bpf_for_each(type, cur, args...)                                                        \
	for (struct bpf_iter_##type ___it                                                       \
		     __attribute__((aligned(8), cleanup(bpf_iter_##type##_destroy))),           \
	     *___p __attribute__((unused)) =                                                    \
		     (bpf_iter_##type##_new(&___it, ##args), (void)bpf_iter_##type##_destroy,   \
		      (void *)0);                                                               \
	     (((cur) = bpf_iter_##type##_next(&___it)));)
#endif

/* bpf_for(i, start, end): i takes start .. end - 1. The bounds are checked again on each
 * value so that the verifier knows i's range inside the body. */
#ifndef bpf_for
#define bpf_for(i, start, end)                                                                  \
	for (struct bpf_iter_num ___it                                                          \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),                \
	     *___p __attribute__((unused)) =                                                    \
		     (bpf_iter_num_new(&___it, (start), (end)), (void)bpf_iter_num_destroy,     \
		      (void *)0);                                                               \
	     ({                                                                                 \
		     int *___v = bpf_iter_num_next(&___it);                                     \
		     ___v && ((i) = *___v, (i) >= (start) && (i) < (end));                      \
	     });)
#endif

/* bpf_repeat(n): the body n times. */
#ifndef bpf_repeat
#define bpf_repeat(n)                                                                           \
	for (struct bpf_iter_num ___it                                                          \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),                \
	     *___p __attribute__((unused)) =                                                    \
		     (bpf_iter_num_new(&___it, 0, (n)), (void)bpf_iter_num_destroy, (void *)0); \
	     bpf_iter_num_next(&___it);)
#endif

#endif
