/* Unverified programs that misuse Linux's list and rbtree kfuncs: each run must fail with a
 * reason (tests/unit/test_graph.c loads them unverified), never reach a forged pointer, and
 * leave the collections and locks usable. No verifier would accept them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_graph.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	long key;
	struct bpf_list_node node;
};

struct tnode {
	long key;
	struct bpf_rb_node node;
};

private(A) struct bpf_spin_lock glock;
private(A) struct bpf_list_head ghead __contains(elem, node);
private(A) struct bpf_rb_root groot __contains(tnode, node);

static int push_one(long key)
{
	struct elem *e = bpf_obj_new(struct elem);

	if (!e)
		return -1;
	e->key = key;
	bpf_spin_lock(&glock);
	bpf_list_push_back(&ghead, &e->node);
	bpf_spin_unlock(&glock);
	return 0;
}

/* The list's pointers are not the program's to forge. */
SEC("tc")
int forge_head(struct __sk_buff *skb)
{
	*(volatile long *)&ghead = 0x1000;
	return 0;
}

SEC("tc")
int read_head(struct __sk_buff *skb)
{
	return *(volatile long *)&ghead != 0;
}

/* A head on the stack is not a map value's. */
SEC("tc")
int stack_head(struct __sk_buff *skb)
{
	struct bpf_list_head h = {};

	bpf_spin_lock(&glock);
	bpf_list_pop_front(&h);
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc")
int no_lock(struct __sk_buff *skb)
{
	return bpf_list_front(&ghead) != 0;
}

/* A node on the stack: not an object the program owns, nor one it was lent. */
SEC("tc")
int stack_node_push(struct __sk_buff *skb)
{
	struct bpf_list_node n = {};

	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, &n);
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc")
int stack_node_remove(struct __sk_buff *skb)
{
	long fake[4] = {0x1000, 0x2000, 0x3003, 0x4000};

	bpf_spin_lock(&glock);
	bpf_rbtree_remove(&groot, (struct bpf_rb_node *)fake);
	bpf_spin_unlock(&glock);
	return 0;
}

/* Pushed: the object is the list's, no longer the program's to write. */
SEC("tc")
int write_after_push(struct __sk_buff *skb)
{
	struct elem *e = bpf_obj_new(struct elem);

	if (!e)
		return -1;
	bpf_spin_lock(&glock);
	bpf_list_push_back(&ghead, &e->node);
	bpf_spin_unlock(&glock);
	e->node.__opaque[0] = 0x1000;
	return 0;
}

/* A node lent under the lock is read-only, and gone after the unlock. */
SEC("tc")
int write_lent(struct __sk_buff *skb)
{
	struct bpf_list_node *n;

	if (push_one(1))
		return -1;
	bpf_spin_lock(&glock);
	n = bpf_list_front(&ghead);
	if (n)
		container_of(n, struct elem, node)->key = 5;
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc")
int read_lent_after_unlock(struct __sk_buff *skb)
{
	struct bpf_list_node *n;

	if (push_one(2))
		return -1;
	bpf_spin_lock(&glock);
	n = bpf_list_back(&ghead);
	bpf_spin_unlock(&glock);
	return n ? container_of(n, struct elem, node)->key : 0;
}

/* Owned again after a pop: read, write, drop. The list ends empty. */
SEC("tc")
int drain(struct __sk_buff *skb)
{
	long sum = 0;

	for (int i = 0; i < 16; i++) {
		struct bpf_list_node *n;
		struct elem *e;

		bpf_spin_lock(&glock);
		n = bpf_list_pop_front(&ghead);
		bpf_spin_unlock(&glock);
		if (!n)
			break;
		e = container_of(n, struct elem, node);
		e->key += 100;
		sum += e->key;
		bpf_obj_drop(e);
	}
	return sum;
}

static bool less_unlocks(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_spin_unlock(&glock);
	return true;
}

static bool less_drops(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_obj_drop(container_of(a, struct tnode, node));
	return true;
}

static bool less_removes(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_rbtree_remove(&groot, (struct bpf_rb_node *)b);
	return true;
}

static bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct tnode, node)->key < container_of(b, struct tnode, node)->key;
}

static int add_with(bool (*cmp)(struct bpf_rb_node *, const struct bpf_rb_node *), long key)
{
	struct tnode *t = bpf_obj_new(struct tnode);

	if (!t)
		return -1;
	t->key = key;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &t->node, cmp);
	bpf_spin_unlock(&glock);
	return 0;
}

/* One node in the tree first, so that the callbacks run. */
SEC("tc")
int tree_seed(struct __sk_buff *skb)
{
	return add_with(less, 10);
}

SEC("tc")
int cb_unlocks(struct __sk_buff *skb)
{
	return add_with(less_unlocks, 1);
}

SEC("tc")
int cb_drops(struct __sk_buff *skb)
{
	return add_with(less_drops, 1);
}

SEC("tc")
int cb_removes(struct __sk_buff *skb)
{
	return add_with(less_removes, 1);
}

/* The seed is still there, alone. */
SEC("tc")
int tree_drain(struct __sk_buff *skb)
{
	struct bpf_rb_node *n;
	long key = -1;

	bpf_spin_lock(&glock);
	n = bpf_rbtree_first(&groot);
	if (n)
		n = bpf_rbtree_remove(&groot, n);
	bpf_spin_unlock(&glock);
	if (n) {
		key = container_of(n, struct tnode, node)->key;
		bpf_obj_drop(container_of(n, struct tnode, node));
	}
	bpf_spin_lock(&glock);
	n = bpf_rbtree_first(&groot);
	bpf_spin_unlock(&glock);
	return n ? -1 : key;
}
