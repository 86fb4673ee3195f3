/* Linux's linked-list and rbtree kfuncs over bpf_obj_new objects. The verifier checks that
 * the program holds the lock of the value the head or root is in, that a node pushed is
 * the right member of an object the program owns, and types what comes back.
 *
 * Layouts (the opaque sizes of Linux's UAPI structs; all-zero bytes are an empty head/root):
 *   bpf_list_head (16): first node, last node
 *   bpf_list_node (24): next, prev, the object's data (its bpf_obj_new pointer)
 *   bpf_rb_root   (16): the top node, unused
 *   bpf_rb_node   (32): left, right, parent | color (bit 0) | in a tree (bit 1), the object
 * A node pointer is &obj->member: the object is where bpf_obj_new's data starts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/helpers.h"
#include "runtime/kfuncs.h"

#define H(name) static RT_HELPER(name)

H(rt_graph_todo)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	exbpf_run__fail(run, -EOPNOTSUPP, "list and rbtree kfuncs are not implemented yet");
	return 0;
}

#define A(k) EXBPF_ARG_##k
#define OWNED {.ret = EXBPF_RET_GRAPH_NODE_OR_NULL, .flags = EXBPF_FN_ACQUIRE, .release_fn = "bpf_obj_drop_impl"
#define NONOWN {.ret = EXBPF_RET_GRAPH_NODE_OR_NULL

const struct rt_kfunc rt_graph_kfuncs[] = {
	{"bpf_list_push_front_impl", rt_graph_todo,
	 {.args = {A(PTR_TO_LIST_HEAD), A(PTR_TO_LIST_NODE), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_list_push_back_impl", rt_graph_todo,
	 {.args = {A(PTR_TO_LIST_HEAD), A(PTR_TO_LIST_NODE), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_list_pop_front", rt_graph_todo, OWNED, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_pop_back", rt_graph_todo, OWNED, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_front", rt_graph_todo, NONOWN, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_back", rt_graph_todo, NONOWN, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_rbtree_add_impl", rt_graph_todo,
	 {.flags = EXBPF_FN_CALLBACK,
	  .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE), A(PTR_TO_FUNC), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_rbtree_first", rt_graph_todo, NONOWN, .args = {A(PTR_TO_RB_ROOT)}}},
	{"bpf_rbtree_root", rt_graph_todo, NONOWN, .args = {A(PTR_TO_RB_ROOT)}}},
	{"bpf_rbtree_remove", rt_graph_todo, OWNED, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
	{"bpf_rbtree_left", rt_graph_todo, NONOWN, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
	{"bpf_rbtree_right", rt_graph_todo, NONOWN, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
};
const size_t rt_graph_nkfuncs = sizeof(rt_graph_kfuncs) / sizeof(rt_graph_kfuncs[0]);
