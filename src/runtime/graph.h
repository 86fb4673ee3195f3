/* Linux's collections of bpf_obj_new objects (bpf_list_head, bpf_rb_root) in map values: their
 * memory layouts and the operations on them (graph.c), shared by the kfuncs
 * (kfuncs_graph.c) and the maps that free what a value's collections hold.
 *
 * Layouts (the opaque sizes of Linux's UAPI structs; all-zero bytes are an empty head/root or
 * a node in no collection):
 *   bpf_list_head (16): first node, last node
 *   bpf_list_node (24): next, prev, the object's data (its bpf_obj_new pointer) while linked
 *   bpf_rb_root   (16): the top node, unused
 *   bpf_rb_node   (32): left, right, parent | black (bit 0) | in a tree (bit 1), the object
 * A node is the member &obj->node of an object; the object pointer it keeps is what the maps
 * free when the value holding the collection goes. Callers serialize each collection with the
 * bpf_spin_lock of the value holding it. */
#ifndef EXBPF_RUNTIME_GRAPH_H
#define EXBPF_RUNTIME_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/graph_field.h"

struct graph_list_node {
	struct graph_list_node *next, *prev;
	void *obj;
};

struct graph_list_head {
	struct graph_list_node *first, *last;
};

struct graph_rb_node {
	struct graph_rb_node *left, *right;
	uintptr_t parent; /* | GRAPH_RB_BLACK | GRAPH_RB_LINKED */
	void *obj;
};

struct graph_rb_root {
	struct graph_rb_node *top;
	uint64_t unused;
};

#define GRAPH_RB_BLACK 1u
#define GRAPH_RB_LINKED 2u

_Static_assert(sizeof(struct graph_list_head) == 16, "struct bpf_list_head is 16 bytes");
_Static_assert(sizeof(struct graph_list_node) == 24, "struct bpf_list_node is 24 bytes");
_Static_assert(sizeof(struct graph_rb_root) == 16, "struct bpf_rb_root is 16 bytes");
_Static_assert(sizeof(struct graph_rb_node) == 32, "struct bpf_rb_node is 32 bytes");

/* Size of a root of this kind, and of its nodes. */
static inline uint32_t graph_node_size(uint32_t kind)
{
	return kind == GRAPH_LIST ? sizeof(struct graph_list_node) : sizeof(struct graph_rb_node);
}

/* Lists. */
void graph_list_push(struct graph_list_head *h, struct graph_list_node *n, void *obj, bool back);
/* Unlinks the first (last) node and clears it, *obj its object; NULL when the list is empty. */
struct graph_list_node *graph_list_pop(struct graph_list_head *h, bool back, void **obj);

/* Red-black trees, ordered by the caller: it walks down from the top (graph_rb_child) and
 * links the new node under the last node it compared with, on the side it chose. */
static inline struct graph_rb_node *graph_rb_parent(const struct graph_rb_node *n)
{
	return (struct graph_rb_node *)(n->parent & ~(uintptr_t)3);
}

static inline bool graph_rb_linked(const struct graph_rb_node *n)
{
	return n->parent & GRAPH_RB_LINKED;
}

/* Links n (of object obj) as the left or right child of parent (NULL: the tree is empty),
 * then rebalances. */
void graph_rb_link(struct graph_rb_root *r, struct graph_rb_node *parent, bool right,
		   struct graph_rb_node *n, void *obj);
/* Unlinks n, which is in r, rebalances, and clears n. */
void graph_rb_erase(struct graph_rb_root *r, struct graph_rb_node *n);
/* Whether n is in the tree r (O(height): the way up to its top). */
bool graph_rb_in(const struct graph_rb_root *r, const struct graph_rb_node *n);
/* The leftmost node (Linux's bpf_rbtree_first), and the next one in order; NULL past the end. */
struct graph_rb_node *graph_rb_first(const struct graph_rb_root *r);
struct graph_rb_node *graph_rb_next(const struct graph_rb_node *n);

/* Frees every object in the collection of a root of this kind (a copy the caller detached:
 * no lock is taken) with obj_free. */
void graph_root_free(uint32_t kind, void *root, void (*obj_free)(void *obj));

#endif
