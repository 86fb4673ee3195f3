/* Linux's BPF-allocated objects and their collections for BPF programs: bpf_obj_new /
 * bpf_obj_drop, linked lists (struct bpf_list_head of struct bpf_list_node) and red-black
 * trees (struct bpf_rb_root of struct bpf_rb_node), with the names and signatures of Linux's
 * kfuncs and of the macros in its selftests header bpf_experimental.h, so that programs written
 * for Linux build unchanged against exbpf. Include after <bpf/bpf_helpers.h> and
 * <bpf/bpf_core_read.h>. This is exbpf's own text.
 *
 * A head or root lives in a map value or in global data next to a struct bpf_spin_lock that
 * the program holds around every call below; its declaration names the type it holds and
 * that type's node member:
 *
 *	struct foo { long key; struct bpf_rb_node node; };
 *	private(A) struct bpf_spin_lock lock;
 *	private(A) struct bpf_rb_root root __contains(foo, node);
 *
 * Pushing or adding gives the object to the collection; popping or removing gives it back to
 * the program, which must push it again or drop it. */
#ifndef EXBPF_BPF_GRAPH_H
#define EXBPF_BPF_GRAPH_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h>
#include <linux/types.h>
#include <linux/version.h>
#include <stdbool.h>
/* UAPI headers older than Linux 6.2 lack the opaque structs: Linux 6.18's sizes. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
struct bpf_list_head {
	__u64 __opaque[2];
} __attribute__((aligned(8)));
struct bpf_list_node {
	__u64 __opaque[3];
} __attribute__((aligned(8)));
struct bpf_rb_root {
	__u64 __opaque[2];
} __attribute__((aligned(8)));
struct bpf_rb_node {
	__u64 __opaque[4];
} __attribute__((aligned(8)));
#endif
#endif

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

/* The type and node member a bpf_list_head / bpf_rb_root holds. */
#ifndef __contains
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#endif

/* Global data in a section of its own, as Linux's selftests put a lock and what it guards. */
#ifndef private
#define private(name) SEC(".bss." #name) __attribute__((visibility("hidden"), aligned(8)))
#endif

/* A zeroed object of a program-local struct type, or NULL; the program owns it. */
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
/* Frees an object the program owns. */
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

/* Lists. push: the node of an object the program owns goes first (last); returns 0. pop:
 * takes the first (last) node out, or NULL when the list is empty. front/back: the first
 * (last) node, left in the list, or NULL. */
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta, __u64 off) __ksym;
#define bpf_list_push_front(head, node) bpf_list_push_front_impl(head, node, NULL, 0)
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				   void *meta, __u64 off) __ksym;
#define bpf_list_push_back(head, node) bpf_list_push_back_impl(head, node, NULL, 0)
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_back(struct bpf_list_head *head) __ksym;

/* Red-black trees ordered by the program's less(a, b) (a before b); equal keys go after the
 * nodes already there. add: returns 0. first: the leftmost node; root: the top one;
 * left/right: a child of a node in the tree. remove: takes a node out of the tree, or NULL
 * when it is not in this tree. */
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool (*less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
#define bpf_rbtree_add(root, node, less) bpf_rbtree_add_impl(root, node, less, NULL, 0)
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_root(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
					     struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_left(struct bpf_rb_root *root,
					   struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_right(struct bpf_rb_root *root,
					    struct bpf_rb_node *node) __ksym;

#ifndef container_of
#define container_of(ptr, type, member)                                                         \
	({                                                                                      \
		void *__mptr = (void *)(ptr);                                                   \
		((type *)(__mptr - __builtin_offsetof(type, member)));                          \
	})
#endif

#endif
