/* Linux's lists and rbtrees of bpf_obj_new objects: in global data (one lock, a list head and
 * two rbtree roots in the same section) and in array and hash map values. Each program leaves
 * the collections as it found them (empty), but for the ones named *_keep, whose objects the
 * host frees by deleting or updating the value (tests/unit/test_graph.c). exbpf's default
 * mode releases at a throw what the program held: a popped object is freed, a lock unlocked,
 * also when the throw comes from bpf_rbtree_add's less callback. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/bpf_graph.h>
#include <bpf/exbpf_test.h>

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
private(A) struct bpf_rb_root groot2 __contains(tnode, node);

struct map_value {
	struct bpf_spin_lock lock;
	long n;
	struct bpf_list_head head __contains(elem, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct map_value);
} amap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct map_value);
} hmap SEC(".maps");

static int push(long key, bool back)
{
	struct elem *e = bpf_obj_new(struct elem);

	if (!e)
		return -1;
	e->key = key;
	bpf_spin_lock(&glock);
	if (back)
		bpf_list_push_back(&ghead, &e->node);
	else
		bpf_list_push_front(&ghead, &e->node);
	bpf_spin_unlock(&glock);
	return 0;
}

/* The key of the first (last) element, taken out and dropped; -1 when the list is empty. */
static long pop(bool back)
{
	struct bpf_list_node *n;
	struct elem *e;
	long key;

	bpf_spin_lock(&glock);
	n = back ? bpf_list_pop_back(&ghead) : bpf_list_pop_front(&ghead);
	bpf_spin_unlock(&glock);
	if (!n)
		return -1;
	e = container_of(n, struct elem, node);
	key = e->key;
	bpf_obj_drop(e);
	return key;
}

/* 0 1 2 3 after the pushes; front, back, front, front, then empty. */
SEC("tc") __success __retval(3120)
int list_order(struct __sk_buff *skb)
{
	long a, b, c, d;

	if (push(1, true) || push(2, true) || push(3, true) || push(0, false))
		return -1;
	a = pop(false);
	b = pop(true);
	c = pop(false);
	d = pop(false);
	if (pop(false) != -1)
		return -2;
	return a * 1000 + b * 1000 + c * 100 + d * 10 + a;
}

/* front and back read the ends in place. */
SEC("tc") __success __retval(57)
int list_front_back(struct __sk_buff *skb)
{
	struct bpf_list_node *f, *b;
	long r = 0;

	if (push(5, true) || push(7, true))
		return -1;
	bpf_spin_lock(&glock);
	f = bpf_list_front(&ghead);
	b = bpf_list_back(&ghead);
	if (f && b)
		r = container_of(f, struct elem, node)->key * 10 +
		    container_of(b, struct elem, node)->key;
	bpf_spin_unlock(&glock);
	pop(false);
	pop(false);
	return r;
}

static bool less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct tnode *x = container_of(a, struct tnode, node);
	struct tnode *y = container_of(b, struct tnode, node);

	return x->key < y->key;
}

static int add(struct bpf_rb_root *root, long key)
{
	struct tnode *t = bpf_obj_new(struct tnode);

	if (!t)
		return -1;
	t->key = key;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(root, &t->node, less);
	bpf_spin_unlock(&glock);
	return 0;
}

/* less, but a new key 42 throws. */
static bool less_throws(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct tnode *x = container_of(a, struct tnode, node);
	struct tnode *y = container_of(b, struct tnode, node);

	if (x->key == 42)
		bpf_throw(42);
	return x->key < y->key;
}

/* The smallest key, taken out and dropped; -1 when the tree is empty. */
static long remove_first(struct bpf_rb_root *root)
{
	struct bpf_rb_node *n;
	struct tnode *t;
	long key;

	bpf_spin_lock(&glock);
	n = bpf_rbtree_first(root);
	if (!n) {
		bpf_spin_unlock(&glock);
		return -1;
	}
	n = bpf_rbtree_remove(root, n);
	bpf_spin_unlock(&glock);
	if (!n)
		return -2;
	t = container_of(n, struct tnode, node);
	key = t->key;
	bpf_obj_drop(t);
	return key;
}

/* Keys come out in order. */
SEC("tc") __success __retval(13579)
int rbtree_order(struct __sk_buff *skb)
{
	long r = 0;

	if (add(&groot, 5) || add(&groot, 1) || add(&groot, 9) || add(&groot, 3) ||
	    add(&groot, 7))
		return -1;
	for (int i = 0; i < 5; i++)
		r = r * 10 + remove_first(&groot);
	if (remove_first(&groot) != -1)
		return -2;
	return r;
}

/* The top and its children after three adds: 2 on top of 1 and 3. */
SEC("tc") __success __retval(213)
int rbtree_walk(struct __sk_buff *skb)
{
	struct bpf_rb_node *top, *l, *r;
	long v = 0;

	if (add(&groot, 1) || add(&groot, 2) || add(&groot, 3))
		return -1;
	bpf_spin_lock(&glock);
	top = bpf_rbtree_root(&groot);
	if (top) {
		l = bpf_rbtree_left(&groot, top);
		r = bpf_rbtree_right(&groot, top);
		v = container_of(top, struct tnode, node)->key * 100;
		if (l)
			v += container_of(l, struct tnode, node)->key * 10;
		if (r)
			v += container_of(r, struct tnode, node)->key;
	}
	bpf_spin_unlock(&glock);
	remove_first(&groot);
	remove_first(&groot);
	remove_first(&groot);
	return v;
}

/* A node of one tree is not removed from another: NULL. */
SEC("tc") __success __retval(1)
int rbtree_remove_other(struct __sk_buff *skb)
{
	struct bpf_rb_node *n;
	int r;

	if (add(&groot, 4))
		return -1;
	bpf_spin_lock(&glock);
	n = bpf_rbtree_first(&groot);
	if (!n) {
		bpf_spin_unlock(&glock);
		return -2;
	}
	n = bpf_rbtree_remove(&groot2, n);
	bpf_spin_unlock(&glock);
	r = !n;
	if (n)
		bpf_obj_drop(container_of(n, struct tnode, node));
	remove_first(&groot);
	return r;
}

/* Throwing while owning a popped object frees it; Linux refuses the throw. */
SEC("tc") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(3)
int list_throw_owning(struct __sk_buff *skb)
{
	struct bpf_list_node *n;

	if (push(3, true))
		return -1;
	bpf_spin_lock(&glock);
	n = bpf_list_pop_front(&ghead);
	bpf_spin_unlock(&glock);
	if (!n)
		return -2;
	bpf_throw(3);
	bpf_obj_drop(container_of(n, struct elem, node));
	return 0;
}

/* The less callback throws during an add, under the lock: the lock is unlocked and the new
 * object freed; the tree keeps its one node, which the next run finds. */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
__exbpf_success __exbpf_retval(42)
int rbtree_less_throws(struct __sk_buff *skb)
{
	long first = remove_first(&groot);
	struct tnode *t;

	if (first == 8)
		return 8; /* the second run: the add that threw left the tree as it was */
	if (add(&groot, 8))
		return -1;
	t = bpf_obj_new(struct tnode);
	if (!t)
		return -1;
	t->key = 42;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &t->node, less_throws);
	bpf_spin_unlock(&glock);
	return 0;
}

static struct map_value *value_of(void *map, __u32 key)
{
	return bpf_map_lookup_elem(map, &key);
}

static int push_value(struct map_value *v, long key)
{
	struct elem *e = bpf_obj_new(struct elem);

	if (!e)
		return -1;
	e->key = key;
	bpf_spin_lock(&v->lock);
	bpf_list_push_back(&v->head, &e->node);
	v->n++;
	bpf_spin_unlock(&v->lock);
	return 0;
}

/* Two objects stay in the list of amap[0], for the host to free by an update. */
SEC("tc") __success __retval(2)
int array_keep(struct __sk_buff *skb)
{
	struct map_value *v = value_of(&amap, 0);

	if (!v || push_value(v, 1) || push_value(v, 2))
		return -1;
	return v->n;
}

/* Two objects stay in the list of hmap[7], for the host to free by a delete. */
SEC("tc") __success __retval(2)
int hash_keep(struct __sk_buff *skb)
{
	struct map_value init = {}, *v;
	__u32 key = 7;

	if (bpf_map_update_elem(&hmap, &key, &init, BPF_NOEXIST) && bpf_map_update_elem(&hmap, &key, &init, BPF_EXIST))
		return -3;
	v = value_of(&hmap, 7);
	if (!v || push_value(v, 1) || push_value(v, 2))
		return -1;
	return v->n;
}

/* A program's delete frees what the value's list held. */
SEC("tc") __success __retval(0)
int hash_delete(struct __sk_buff *skb)
{
	struct map_value *v;
	__u32 key = 9;
	struct map_value init = {};

	bpf_map_update_elem(&hmap, &key, &init, BPF_ANY);
	v = value_of(&hmap, 9);
	if (!v || push_value(v, 1))
		return -1;
	return bpf_map_delete_elem(&hmap, &key);
}

/* Objects left in the global list and tree are freed with the instance. */
SEC("tc") __success __retval(0)
int global_keep(struct __sk_buff *skb)
{
	if (push(11, true) || push(12, true) || add(&groot2, 13) || add(&groot2, 14))
		return -1;
	return 0;
}

/* One add and one push, then the smallest key and the first element out: with several
 * threads running it, each takes out some object, maybe another thread's. */
SEC("tc") __success __retval(0)
int churn(struct __sk_buff *skb)
{
	if (add(&groot, skb->len) || push(skb->len, true))
		return -1;
	if (remove_first(&groot) < 0 || pop(false) < 0)
		return -2;
	return 0;
}
