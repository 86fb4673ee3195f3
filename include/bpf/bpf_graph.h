/* Objects a program allocates (bpf_obj_new) and the collections that hold them: linked lists
 * (bpf_list_head of bpf_list_node) and red-black trees (bpf_rb_root of bpf_rb_node), with the
 * names and signatures of Linux's kfuncs and of the macros of its selftests header
 * bpf_experimental.h, so that the same program builds for both. exbpf's own text.
 *
 * A root lives in a map value or in global data next to a bpf_spin_lock, which the program
 * must hold around every operation on it; `__contains(type, member)` on the root says which
 * struct it holds and through which node member. Include after <bpf/bpf_helpers.h>. */
#ifndef EXBPF_BPF_GRAPH_H
#define EXBPF_BPF_GRAPH_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#endif

/* Linux's UAPI has these since 6.2 (Debian's headers are older); opaque, sized as Linux's. */
#if !defined(__VMLINUX_H__) && !defined(EXBPF_HAVE_UAPI_GRAPH)
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

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

#ifndef __contains
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#endif

/* A zeroed object of a struct type of the program, owned by it (NULL if out of memory). */
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

/* The list takes the object whose member node is; 0. */
extern int bpf_list_push_front_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				    void *meta, __u64 off) __ksym;
#define bpf_list_push_front(head, node) bpf_list_push_front_impl(head, node, NULL, 0)
extern int bpf_list_push_back_impl(struct bpf_list_head *head, struct bpf_list_node *node,
				   void *meta, __u64 off) __ksym;
#define bpf_list_push_back(head, node) bpf_list_push_back_impl(head, node, NULL, 0)
/* Take the first (last) object out, owned by the program; NULL when the list is empty. */
extern struct bpf_list_node *bpf_list_pop_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_pop_back(struct bpf_list_head *head) __ksym;
/* Look at the first (last) object without taking it out. */
extern struct bpf_list_node *bpf_list_front(struct bpf_list_head *head) __ksym;
extern struct bpf_list_node *bpf_list_back(struct bpf_list_head *head) __ksym;

/* The tree takes the object; less(a, b) orders it (equal keys go after). 0. */
extern int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			       bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			       void *meta, __u64 off) __ksym;
#define bpf_rbtree_add(root, node, less) bpf_rbtree_add_impl(root, node, less, NULL, 0)
/* Takes node out of the tree, owned by the program; NULL if it is not in this tree. */
extern struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
					     struct bpf_rb_node *node) __ksym;
/* Look without taking out: the smallest, the top, a node's children (NULL: none). */
extern struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_root(struct bpf_rb_root *root) __ksym;
extern struct bpf_rb_node *bpf_rbtree_left(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym;
extern struct bpf_rb_node *bpf_rbtree_right(struct bpf_rb_root *root, struct bpf_rb_node *node) __ksym;

#ifndef container_of
#define container_of(ptr, type, member)                                                         \
	({                                                                                      \
		void *__mptr = (void *)(ptr);                                                   \
		((type *)(__mptr - __builtin_offsetof(type, member)));                          \
	})
#endif

#endif
