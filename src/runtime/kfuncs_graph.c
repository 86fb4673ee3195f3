/* Linux's linked-list and rbtree kfuncs over bpf_obj_new objects (the collections and their
 * layouts: graph.h). The verifier checks that the program holds the lock of the value the
 * head or root is in, that a node pushed is the right member of an object the program owns,
 * and types what comes back.
 *
 * Ownership at run time: an object the program owns is in the run's held list (bpf_obj_new,
 * a pop or a remove put it there; a throw frees it); linking it gives it to the collection
 * (unheld), taking it out gives it back (held). Non-owning results are not the program's:
 * a verified run records nothing for them.
 *
 * Unverified runs (checked interpreter) may pass anything, so here every argument is checked
 * before it is touched: a head or root must be one of a map value's graph roots (never bytes
 * of the program's own, which map value regions leave out, so their pointers cannot be
 * forged) whose lock the run holds; a node to link must lie in an object the run owns; a node
 * reference must be one the run was given under that lock. Non-owning nodes become readable
 * (not writable: their links are the collection's) until the program unlocks. */
#include <errno.h>
#include <stddef.h>

#include "runtime/graph.h"
#include "runtime/helpers.h"
#include "runtime/kfuncs.h"

#define H(name) static RT_HELPER(name)

static uint64_t obj_size(const void *data)
{
	return ((const struct rt_obj *)((const char *)data - offsetof(struct rt_obj, data)))->size;
}

/* The object the run owns that holds [node, node + size), or NULL. */
static void *owned_obj_of(struct exbpf_run *run, uint64_t node, uint64_t size)
{
	struct rt_run *rr = rt_run_of(run);

	for (size_t i = rr->nheld; i-- > 0;) {
		const struct rt_held *h = &rr->held[i];
		uint64_t d = (uintptr_t)h->ptr;

		if (h->kind == RT_HELD_OBJ && node >= d && obj_size(h->ptr) >= size &&
		    node - d <= obj_size(h->ptr) - size)
			return h->ptr;
	}
	return NULL;
}

static const char *kind_name(uint32_t kind)
{
	return kind == GRAPH_LIST ? "bpf_list_head" : "bpf_rb_root";
}

/* Unverified runs: whether root is a graph root of this kind in a value of one of the
 * instance's maps whose lock the run holds, outside a less callback. Fails the run if not. */
static bool root_ok(struct exbpf_run *run, uint64_t root, uint32_t kind, const char *what)
{
	struct rt_run *rr = rt_run_of(run);
	struct exbpf_instance *inst;

	if (!run->checked)
		return true;
	inst = rr->prog->inst;
	if (rr->in_graph_cb) {
		vm_run_fail(run, -EINVAL, "%s: not allowed in bpf_rbtree_add's less callback", what);
		return false;
	}
	for (size_t i = 0; i < inst->nmaps; i++) {
		struct exbpf_map *m = inst->maps[i];
		const void *key;
		uint32_t index;
		char *v = m && m->ngraph ? map_value_at(m, root, 16, &key, &index) : NULL;

		for (uint32_t f = 0; v && f < m->ngraph; f++) {
			if ((uintptr_t)v + m->graph[f].off != root || m->graph[f].kind != kind)
				continue;
			if (rt_holds(run, v + (uint32_t)m->attr.spin_lock_off,
				  RT_HELD_SPIN_LOCK))
				return true;
			vm_run_fail(run, -EINVAL, "%s: the bpf_spin_lock of the value holding the %s "
						  "is not held", what, kind_name(kind));
			return false;
		}
	}
	vm_run_fail(run, -EFAULT, "%s: 0x%llx is not a %s in a map value", what,
		    (unsigned long long)root, kind_name(kind));
	return false;
}

/* The object of a node to link: one the run owns (the verifier's promise in verified runs;
 * checked in unverified ones). NULL: the run failed. */
static void *node_obj(struct exbpf_run *run, uint64_t node, uint32_t kind, const char *what)
{
	void *obj = node % 8 ? NULL : owned_obj_of(run, node, graph_node_size(kind));

	if (!obj)
		vm_run_fail(run, -EFAULT, "%s: 0x%llx is not a %s of an object the program owns",
			    what, (unsigned long long)node,
			    kind == GRAPH_LIST ? "bpf_list_node" : "bpf_rb_node");
	return obj;
}

static enum rt_held_kind borrow_kind(uint32_t kind)
{
	return kind == GRAPH_LIST ? RT_HELD_BORROW_LIST : RT_HELD_BORROW_RB;
}

static void *borrowed_obj(const struct rt_held *h)
{
	return h->kind == RT_HELD_BORROW_LIST ? ((struct graph_list_node *)h->ptr)->obj
					      : ((struct graph_rb_node *)h->ptr)->obj;
}

/* A non-owning node handed to the program: in unverified runs it may read the object until
 * it unlocks. Returns the node, or 0 when the run failed. */
static uint64_t lend(struct exbpf_run *run, void *node, void *obj, uint32_t kind)
{
	if (!run->checked || !node || rt_holds(run, node, borrow_kind(kind)))
		return (uintptr_t)node;
	if (!rt_hold(run, node, borrow_kind(kind)))
		return 0;
	if (vm_run_add_region(run, (uintptr_t)obj, (size_t)obj_size(obj), false)) {
		vm_run_fail(run, -E2BIG, "too many distinct regions in one run");
		return 0;
	}
	return (uintptr_t)node;
}

/* Forgets the loans of node (it leaves its collection). */
static void unlend(struct exbpf_run *run, uint64_t node)
{
	struct rt_run *rr = rt_run_of(run);
	size_t k = 0;

	for (size_t i = 0; i < rr->nheld; i++) {
		const struct rt_held *h = &rr->held[i];

		if ((uintptr_t)h->ptr != node ||
		    (h->kind != RT_HELD_BORROW_LIST && h->kind != RT_HELD_BORROW_RB))
			rr->held[k++] = *h;
	}
	rr->nheld = k;
}

void rt_graph_unlock(struct exbpf_run *run)
{
	struct rt_run *rr = rt_run_of(run);
	size_t k = 0;

	for (size_t i = 0; i < rr->nheld; i++) {
		const struct rt_held *h = &rr->held[i];

		if (h->kind == RT_HELD_BORROW_LIST || h->kind == RT_HELD_BORROW_RB)
			vm_run_drop_region(run, (uintptr_t)borrowed_obj(h));
		else
			rr->held[k++] = *h;
	}
	rr->nheld = k;
}

/* An object taken out of its collection: the program owns it (a throw frees it) and, in an
 * unverified run, may use all of it. */
static uint64_t give(struct exbpf_run *run, void *node, void *obj)
{
	if (run->checked) {
		unlend(run, (uintptr_t)node);
		vm_run_drop_region(run, (uintptr_t)obj);
	}
	rt_hold(run, obj, RT_HELD_OBJ); /* room was checked before the node was taken */
	if (vm_run_add_region(run, (uintptr_t)obj, (size_t)obj_size(obj), true)) {
		vm_run_fail(run, -E2BIG, "too many distinct regions in one run");
		return 0;
	}
	return (uintptr_t)node;
}

/* Taking a node out needs a free slot in the held list first: it must never be out of its
 * collection without an owner. */
static bool room_to_hold(struct exbpf_run *run)
{
	return rt_run_of(run)->nheld < RT_MAX_HELD || rt_hold_full(run);
}

/* ---- lists ---- */

static uint64_t list_push(struct exbpf_run *run, uint64_t head, uint64_t node, bool back,
			  const char *what)
{
	void *obj;

	if (!root_ok(run, head, GRAPH_LIST, what) || !(obj = node_obj(run, node, GRAPH_LIST, what)))
		return 0;
	graph_list_push((struct graph_list_head *)(uintptr_t)head,
			(struct graph_list_node *)(uintptr_t)node, obj, back);
	rt_unhold(run, (uintptr_t)obj, RT_HELD_OBJ, what);
	return 0;
}

H(rt_list_push_front)
{
	(void)r3, (void)r4, (void)r5;
	return list_push(run, r1, r2, false, "bpf_list_push_front");
}

H(rt_list_push_back)
{
	(void)r3, (void)r4, (void)r5;
	return list_push(run, r1, r2, true, "bpf_list_push_back");
}

static uint64_t list_pop(struct exbpf_run *run, uint64_t head, bool back, const char *what)
{
	struct graph_list_node *n;
	void *obj;

	if (!root_ok(run, head, GRAPH_LIST, what) || !room_to_hold(run))
		return 0;
	n = graph_list_pop((struct graph_list_head *)(uintptr_t)head, back, &obj);
	return n ? give(run, n, obj) : 0;
}

H(rt_list_pop_front)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return list_pop(run, r1, false, "bpf_list_pop_front");
}

H(rt_list_pop_back)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return list_pop(run, r1, true, "bpf_list_pop_back");
}

H(rt_list_front)
{
	struct graph_list_node *n;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!root_ok(run, r1, GRAPH_LIST, "bpf_list_front"))
		return 0;
	n = ((struct graph_list_head *)(uintptr_t)r1)->first;
	return n ? lend(run, n, n->obj, GRAPH_LIST) : 0;
}

H(rt_list_back)
{
	struct graph_list_node *n;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!root_ok(run, r1, GRAPH_LIST, "bpf_list_back"))
		return 0;
	n = ((struct graph_list_head *)(uintptr_t)r1)->last;
	return n ? lend(run, n, n->obj, GRAPH_LIST) : 0;
}

/* ---- rbtrees ---- */

/* Unverified runs: a node reference must be one lent to the run (so in a tree and readable:
 * its links were never the program's to write) or a node of an object it owns (in no tree).
 * Returns false after failing the run. */
static bool node_ref_ok(struct exbpf_run *run, uint64_t node, bool *owned, const char *what)
{
	*owned = false;
	if (!run->checked || rt_holds(run, (void *)(uintptr_t)node, RT_HELD_BORROW_RB))
		return true;
	if (node % 8 == 0 && owned_obj_of(run, node, sizeof(struct graph_rb_node))) {
		*owned = true;
		return true;
	}
	vm_run_fail(run, -EFAULT, "%s: 0x%llx is not a bpf_rb_node the program reached in a tree "
				  "nor one of an object it owns", what, (unsigned long long)node);
	return false;
}

/* One comparison of bpf_rbtree_add: less(new, existing) in r0. An unverified run's callback
 * reads the existing node's object (the new one's is the program's already); it must leave
 * the tree and the new object alone (root_ok refuses the kfuncs, bpf_spin_unlock refuses
 * to unlock). Returns 0, or nonzero when the add must stop (a throw, a failure). */
static int compare(struct exbpf_run *run, uint64_t less, struct graph_rb_node *n,
		   struct graph_rb_node *cur, uint64_t *r0)
{
	struct rt_run *rr = rt_run_of(run);
	const uint64_t args[5] = {(uintptr_t)n, (uintptr_t)cur, 0, 0, 0};
	bool lent = false;
	int err;

	if (run->checked) {
		lent = !rt_holds(run, cur, RT_HELD_BORROW_RB);
		if (lent && vm_run_add_region(run, (uintptr_t)cur->obj, (size_t)obj_size(cur->obj),
					      false))
			return vm_run_fail(run, -E2BIG, "too many distinct regions in one run");
		rr->in_graph_cb++;
	}
	err = exbpf_run__callback(run, less, args, r0);
	if (run->checked) {
		rr->in_graph_cb--;
		if (lent)
			vm_run_drop_region(run, (uintptr_t)cur->obj);
	}
	return err;
}

/* bpf_rbtree_add_impl(root, node, less, meta, off): Linux's order, equal keys to the right
 * (less false). A throwing callback leaves the object held, so the unwinding frees it. */
H(rt_rbtree_add)
{
	const char *what = "bpf_rbtree_add";
	struct graph_rb_root *root = (struct graph_rb_root *)(uintptr_t)r1;
	struct graph_rb_node *n = (struct graph_rb_node *)(uintptr_t)r2, *parent = NULL, *cur;
	bool right = false;
	void *obj;

	(void)r4, (void)r5;
	if (!root_ok(run, r1, GRAPH_RBTREE, what) || !(obj = node_obj(run, r2, GRAPH_RBTREE, what)))
		return 0;
	for (cur = root->top; cur; cur = right ? cur->right : cur->left) {
		uint64_t r0;

		if (compare(run, r3, n, cur, &r0))
			return 0;
		parent = cur;
		right = !r0;
	}
	/* An unverified callback may have dropped the object or pushed it elsewhere. */
	if (run->checked && !owned_obj_of(run, r2, sizeof(*n))) {
		vm_run_fail(run, -EINVAL, "%s: the less callback released the node being added", what);
		return 0;
	}
	graph_rb_link(root, parent, right, n, obj);
	rt_unhold(run, (uintptr_t)obj, RT_HELD_OBJ, what);
	return 0;
}

H(rt_rbtree_first)
{
	struct graph_rb_node *n;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!root_ok(run, r1, GRAPH_RBTREE, "bpf_rbtree_first"))
		return 0;
	n = graph_rb_first((struct graph_rb_root *)(uintptr_t)r1);
	return n ? lend(run, n, n->obj, GRAPH_RBTREE) : 0;
}

H(rt_rbtree_root)
{
	struct graph_rb_node *n;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!root_ok(run, r1, GRAPH_RBTREE, "bpf_rbtree_root"))
		return 0;
	n = ((struct graph_rb_root *)(uintptr_t)r1)->top;
	return n ? lend(run, n, n->obj, GRAPH_RBTREE) : 0;
}

/* The node argument of remove/left/right when it is in this tree, else NULL (Linux's answer
 * for a node in another tree or in none). */
static struct graph_rb_node *in_tree(struct exbpf_run *run, uint64_t root, uint64_t node,
				     bool *failed, const char *what)
{
	bool owned;

	*failed = !root_ok(run, root, GRAPH_RBTREE, what) || !node_ref_ok(run, node, &owned, what);
	if (*failed || owned ||
	    !graph_rb_in((struct graph_rb_root *)(uintptr_t)root,
			 (struct graph_rb_node *)(uintptr_t)node))
		return NULL;
	return (struct graph_rb_node *)(uintptr_t)node;
}

H(rt_rbtree_remove)
{
	struct graph_rb_node *n;
	bool failed;
	void *obj;

	(void)r3, (void)r4, (void)r5;
	n = in_tree(run, r1, r2, &failed, "bpf_rbtree_remove");
	if (!n || !room_to_hold(run))
		return 0;
	obj = n->obj;
	graph_rb_erase((struct graph_rb_root *)(uintptr_t)r1, n);
	return give(run, n, obj);
}

static uint64_t rb_step(struct exbpf_run *run, uint64_t root, uint64_t node, bool right,
			const char *what)
{
	bool failed;
	struct graph_rb_node *n = in_tree(run, root, node, &failed, what);

	if (!n || !(n = right ? n->right : n->left))
		return 0;
	return lend(run, n, n->obj, GRAPH_RBTREE);
}

H(rt_rbtree_left)
{
	(void)r3, (void)r4, (void)r5;
	return rb_step(run, r1, r2, false, "bpf_rbtree_left");
}

H(rt_rbtree_right)
{
	(void)r3, (void)r4, (void)r5;
	return rb_step(run, r1, r2, true, "bpf_rbtree_right");
}

#define A(k) EXBPF_ARG_##k
#define OWNED {.ret = EXBPF_RET_GRAPH_NODE_OR_NULL, .flags = EXBPF_FN_ACQUIRE, .release_fn = "bpf_obj_drop_impl"
#define NONOWN {.ret = EXBPF_RET_GRAPH_NODE_OR_NULL

const struct rt_kfunc rt_graph_kfuncs[] = {
	{"bpf_list_push_front_impl", rt_list_push_front,
	 {.args = {A(PTR_TO_LIST_HEAD), A(PTR_TO_LIST_NODE), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_list_push_back_impl", rt_list_push_back,
	 {.args = {A(PTR_TO_LIST_HEAD), A(PTR_TO_LIST_NODE), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_list_pop_front", rt_list_pop_front, OWNED, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_pop_back", rt_list_pop_back, OWNED, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_front", rt_list_front, NONOWN, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_list_back", rt_list_back, NONOWN, .args = {A(PTR_TO_LIST_HEAD)}}},
	{"bpf_rbtree_add_impl", rt_rbtree_add,
	 {.flags = EXBPF_FN_CALLBACK,
	  .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE), A(PTR_TO_FUNC), A(ANYTHING), A(ANYTHING)}}},
	{"bpf_rbtree_first", rt_rbtree_first, NONOWN, .args = {A(PTR_TO_RB_ROOT)}}},
	{"bpf_rbtree_root", rt_rbtree_root, NONOWN, .args = {A(PTR_TO_RB_ROOT)}}},
	{"bpf_rbtree_remove", rt_rbtree_remove, OWNED, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
	{"bpf_rbtree_left", rt_rbtree_left, NONOWN, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
	{"bpf_rbtree_right", rt_rbtree_right, NONOWN, .args = {A(PTR_TO_RB_ROOT), A(PTR_TO_RB_NODE_REF)}}},
};
const size_t rt_graph_nkfuncs = sizeof(rt_graph_kfuncs) / sizeof(rt_graph_kfuncs[0]);
