/* Lists and rbtrees of allocated objects (bpf_obj_new): a bpf_list_head / bpf_rb_root lives
 * next to a bpf_spin_lock in global data or a map value, says what it holds with
 * __contains(type, member), and may only be used with its lock held. A node handed to it
 * leaves the program a non-owning reference that ends at the unlock; a node taken out is
 * owned again and must be dropped or handed back. Each rule: the correct use, then the rule
 * broken, with Linux's message. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/bpf_graph.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";


struct item {
	long key;
	struct bpf_list_node node;
	long data;
};

struct leaf {
	long key;
	struct bpf_rb_node rb;
	long data;
};

struct other {
	long pad[2];
	struct bpf_list_node node;
};

private(A) struct bpf_spin_lock glock;
private(A) struct bpf_list_head ghead __contains(item, node);
private(A) struct bpf_rb_root groot __contains(leaf, rb);
private(B) struct bpf_spin_lock block;

struct bucket {
	struct bpf_spin_lock lock;
	__u32 count;
	struct bpf_list_head head __contains(item, node);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bucket);
} buckets SEC(".maps");

static bool leaf_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct leaf *x = container_of(a, struct leaf, rb);
	const struct leaf *y = container_of(b, struct leaf, rb);

	return x->key < y->key;
}

static struct item *new_item(long key)
{
	struct item *it = bpf_obj_new(typeof(*it));

	if (it)
		it->key = key;
	return it;
}

/* Push then pop: the object comes back owned, its fields as they were written. */
SEC("tc") __success
int list_push_pop(struct __sk_buff *skb)
{
	struct item *it = new_item(5);
	struct bpf_list_node *n;
	long key;

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_back(&ghead, &it->node);
	n = bpf_list_pop_front(&ghead);
	bpf_spin_unlock(&glock);
	if (!n)
		return 0;
	it = container_of(n, struct item, node);
	key = it->key;
	bpf_obj_drop(it);
	return key;
}

/* Until the unlock the program may still use what it handed over (a non-owning reference). */
SEC("tc") __success
int list_non_owning_write(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, &it->node);
	it->data = 7;
	bpf_spin_unlock(&glock);
	return 0;
}

/* After it, the pointer is gone. */
SEC("tc") __failure __msg("R6 invalid mem access 'scalar'")
int list_non_owning_after_unlock(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, &it->node);
	bpf_spin_unlock(&glock);
	asm volatile("r6 = %[it]; *(u64 *)(r6 + 16) = 7;" ::[it] "r"(it) : "r6", "memory");
	return 0;
}

SEC("tc") __failure __msg("bpf_spin_lock at off=0 must be held for bpf_list_head")
int list_push_unlocked(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_list_push_front(&ghead, &it->node);
	return 0;
}

/* The lock held must be the one of the head's own value (Linux names the one it wants). */
SEC("tc") __failure __msg("held lock and object are not in the same allocation")
__msg("bpf_spin_lock at off=0 must be held for bpf_list_head")
int list_other_lock(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&block);
	bpf_list_push_front(&ghead, &it->node);
	bpf_spin_unlock(&block);
	return 0;
}

/* A list in a hash map's value, under that value's lock. */
SEC("tc") __success
int list_in_map_value(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &k);
	struct item *it;

	if (!b)
		return 0;
	it = new_item(2);
	if (!it)
		return 0;
	bpf_spin_lock(&b->lock);
	bpf_list_push_front(&b->head, &it->node);
	b->count++;
	bpf_spin_unlock(&b->lock);
	return 1;
}

/* ... and only that value's. */
SEC("tc") __failure __msg("held lock and object are not in the same allocation")
int list_in_other_value(struct __sk_buff *skb)
{
	__u32 k = 0, k2 = 1;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &k);
	struct bucket *c = bpf_map_lookup_elem(&buckets, &k2);
	struct item *it;

	if (!b || !c)
		return 0;
	it = new_item(2);
	if (!it)
		return 0;
	bpf_spin_lock(&b->lock);
	bpf_list_push_front(&c->head, &it->node);
	bpf_spin_unlock(&b->lock);
	return 1;
}

SEC("tc") __failure __msg("bpf_list_head cannot be accessed directly by load/store")
int list_head_load(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct bucket *b = bpf_map_lookup_elem(&buckets, &k);

	if (!b)
		return 0;
	return *(long *)&b->head;
}

/* The node must be the head's member of the head's type. */
SEC("tc") __failure
__msg("operation on bpf_list_head expects arg#1 bpf_list_node at offset=8 in struct item, but arg is at offset=16 in struct other")
int list_push_wrong_type(struct __sk_buff *skb)
{
	struct other *o = bpf_obj_new(typeof(*o));

	if (!o)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, &o->node);
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc") __failure __msg("bpf_list_node not found at offset=0")
int list_push_not_a_node(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, (struct bpf_list_node *)it);
	bpf_spin_unlock(&glock);
	return 0;
}

/* Handed over once, the object is not the program's to hand over again. */
SEC("tc") __failure __msg("arg#1 expected pointer to allocated object")
int list_push_twice(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_front(&ghead, &it->node);
	bpf_list_push_back(&ghead, &it->node);
	bpf_spin_unlock(&glock);
	return 0;
}

/* Taken out, it is the program's to drop. */
SEC("tc") __failure __msg("Unreleased reference id=2 alloc_insn=")
int list_pop_leak(struct __sk_buff *skb)
{
	struct bpf_list_node *n;

	bpf_spin_lock(&glock);
	n = bpf_list_pop_front(&ghead);
	bpf_spin_unlock(&glock);
	return n != 0;
}

SEC("tc") __failure __msg("direct access to bpf_list_node is disallowed")
int list_node_load(struct __sk_buff *skb)
{
	struct item *it = new_item(1);
	long v;

	if (!it)
		return 0;
	v = *(volatile long *)&it->node;
	bpf_obj_drop(it);
	return v;
}

/* A look at the front without taking it out. */
SEC("tc") __success
int list_front_peek(struct __sk_buff *skb)
{
	struct bpf_list_node *n;
	long key = -1;

	bpf_spin_lock(&glock);
	n = bpf_list_front(&ghead);
	if (n)
		key = container_of(n, struct item, node)->key;
	bpf_spin_unlock(&glock);
	return key;
}

/* rbtree: add with an order, then take the smallest out. */
SEC("tc") __success
int rbtree_add_first_remove(struct __sk_buff *skb)
{
	struct leaf *l = bpf_obj_new(typeof(*l));
	struct bpf_rb_node *n;
	long key;

	if (!l)
		return 0;
	l->key = 3;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &l->rb, leaf_less);
	n = bpf_rbtree_first(&groot);
	if (!n) {
		bpf_spin_unlock(&glock);
		return 0;
	}
	n = bpf_rbtree_remove(&groot, n);
	bpf_spin_unlock(&glock);
	if (!n)
		return 0;
	l = container_of(n, struct leaf, rb);
	key = l->key;
	bpf_obj_drop(l);
	return key;
}

/* Walking down from the top. */
SEC("tc") __success
int rbtree_walk(struct __sk_buff *skb)
{
	struct bpf_rb_node *n;
	long depth = 0;

	bpf_spin_lock(&glock);
	n = bpf_rbtree_root(&groot);
	if (n) {
		depth++;
		n = bpf_rbtree_left(&groot, n);
		if (n)
			depth++;
	}
	bpf_spin_unlock(&glock);
	return depth;
}

SEC("tc") __failure __msg("bpf_spin_lock at off=0 must be held for bpf_rb_root")
int rbtree_first_unlocked(struct __sk_buff *skb)
{
	return bpf_rbtree_first(&groot) != 0;
}

SEC("tc") __failure __msg("bpf_rbtree_remove can only take non-owning or refcounted bpf_rb_node pointer")
int rbtree_remove_after_unlock(struct __sk_buff *skb)
{
	struct leaf *l = bpf_obj_new(typeof(*l));

	if (!l)
		return 0;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &l->rb, leaf_less);
	bpf_spin_unlock(&glock);
	bpf_spin_lock(&glock);
	bpf_rbtree_remove(&groot, &l->rb);
	bpf_spin_unlock(&glock);
	return 0;
}

/* Only the collections' kfuncs may be called under their lock. */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
int drop_under_lock(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_obj_drop(it);
	bpf_spin_unlock(&glock);
	return 0;
}

SEC("tc") __failure __msg("R1 must have zero offset when passed to release func")
int drop_member(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_obj_drop(&it->node);
	return 0;
}

/* A throw inside the tree's less(): Linux refuses any call under the lock; exbpf's default
 * mode unwinds, releasing the lock and dropping the object that was being added. */
static bool throwing_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	bpf_throw(9);
	return true;
}

SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
__exbpf_success
int rbtree_less_throws(struct __sk_buff *skb)
{
	struct leaf *l = bpf_obj_new(typeof(*l));

	if (!l)
		return 0;
	bpf_spin_lock(&glock);
	bpf_rbtree_add(&groot, &l->rb, throwing_less);
	bpf_spin_unlock(&glock);
	return 0;
}

/* A struct may have several nodes of one kind (one collection at a time holds it: only an
 * owned object is handed over); a list holds it through the member its root names. */
struct pair {
	long key;
	struct bpf_list_node a;
	struct bpf_list_node b;
};

private(C) struct bpf_spin_lock clock;
private(C) struct bpf_list_head chead __contains(pair, b);

SEC("tc") __success
int list_second_node(struct __sk_buff *skb)
{
	struct pair *p = bpf_obj_new(typeof(*p));

	if (!p)
		return 0;
	bpf_spin_lock(&clock);
	bpf_list_push_back(&chead, &p->b);
	bpf_spin_unlock(&clock);
	return 0;
}

/* The right struct through the wrong member: Linux names the member it expects. */
SEC("tc") __failure __msg("arg#1 offset=8, but expected bpf_list_node at offset=32 in struct pair")
int list_first_node_for_second(struct __sk_buff *skb)
{
	struct pair *p = bpf_obj_new(typeof(*p));

	if (!p)
		return 0;
	bpf_spin_lock(&clock);
	bpf_list_push_back(&chead, &p->a);
	bpf_spin_unlock(&clock);
	return 0;
}

/* A pointer into an object handed to a kfunc is at a constant offset. */
SEC("tc") __failure __msg("variable ptr_ access var_off=(0x0; 0x8) disallowed")
int list_node_variable_offset(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	bpf_list_push_back(&ghead, (void *)&it->node + (skb->len & 8));
	bpf_spin_unlock(&glock);
	return 0;
}

/* An object is not a root unless its struct has one there. */
SEC("tc") __failure __msg("bpf_list_head not found at offset=0")
int list_head_not_in_object(struct __sk_buff *skb)
{
	struct item *it = new_item(1);
	struct bpf_list_node *n;

	if (!it)
		return 0;
	bpf_spin_lock(&glock);
	n = bpf_list_pop_front((struct bpf_list_head *)it);
	bpf_spin_unlock(&glock);
	bpf_obj_drop(it);
	if (n)
		bpf_obj_drop(container_of(n, struct item, node));
	return 0;
}

/* bpf_obj_new's type is a 32-bit BTF id. */
SEC("tc") __failure __msg("local type ID argument must be in range [0, U32_MAX]")
int obj_new_id_too_wide(struct __sk_buff *skb)
{
	void *p = bpf_obj_new_impl((1ULL << 32) | bpf_core_type_id_local(struct item), NULL);

	if (p)
		bpf_obj_drop(p);
	return 0;
}

/* An object is read within its struct, at constant offsets. */
SEC("tc") __failure __msg("access beyond struct item at off 40 size 8")
int obj_load_past_end(struct __sk_buff *skb)
{
	struct item *it = new_item(1);
	long v;

	if (!it)
		return 0;
	v = *(long *)((void *)it + sizeof(*it));
	bpf_obj_drop(it);
	return v;
}

SEC("tc") __failure __msg("is ptr_item invalid negative access: off=-8")
int obj_load_before_start(struct __sk_buff *skb)
{
	struct item *it = new_item(1);
	long v;

	if (!it)
		return 0;
	v = *(long *)((void *)it - 8);
	bpf_obj_drop(it);
	return v;
}

SEC("tc") __failure __msg("is ptr_item invalid variable offset: off=0, var_off=(0x0; 0x8)")
int obj_load_variable_offset(struct __sk_buff *skb)
{
	struct item *it = new_item(1);
	long v;

	if (!it)
		return 0;
	v = *(long *)((void *)it + (skb->len & 8));
	bpf_obj_drop(it);
	return v;
}

/* Tracing programs may not use a collection's map at all. */
SEC("raw_tp/sys_enter") __failure __msg("tracing progs cannot use bpf_{list_head,rb_root} yet")
int list_in_tracing(void *ctx)
{
	struct bpf_list_node *n;

	bpf_spin_lock(&glock);
	n = bpf_list_pop_front(&ghead);
	bpf_spin_unlock(&glock);
	if (n)
		bpf_obj_drop(container_of(n, struct item, node));
	return 0;
}

/* Linux's UAPI has it since 6.4 (Debian's headers are older). */
struct bpf_refcount {
	__u32 __opaque[1];
} __attribute__((aligned(4)));

/* A non-owning reference to an object with a bpf_refcount is RCU-protected in Linux and
 * printed so (exbpf has no bpf_refcount_acquire yet: such objects are otherwise plain). */
struct counted {
	struct bpf_refcount ref;
	long key;
	struct bpf_rb_node rb;
};

private(D) struct bpf_spin_lock dlock;
private(D) struct bpf_rb_root droot __contains(counted, rb);

static bool counted_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct counted, rb)->key < container_of(b, struct counted, rb)->key;
}

SEC("tc") __success
int rbtree_add_counted(struct __sk_buff *skb)
{
	struct counted *c = bpf_obj_new(typeof(*c));

	if (!c)
		return 0;
	bpf_spin_lock(&dlock);
	bpf_rbtree_add(&droot, &c->rb, counted_less);
	bpf_spin_unlock(&dlock);
	return 0;
}

#define FIRST_COUNTED "call bpf_rbtree_first{{.+}}; R0{{(_w)?}}=rcu_ptr_or_null_counted(id={{[0-9]+}},non_own_ref"
SEC("tc") __failure __msg(FIRST_COUNTED)
__msg("function calls are not allowed while holding a lock")
int rbtree_first_counted(struct __sk_buff *skb)
{
	struct bpf_rb_node *n;
	long t = 0;

	bpf_spin_lock(&dlock);
	n = bpf_rbtree_first(&droot);
	if (n)
		t = bpf_ktime_get_ns();
	bpf_spin_unlock(&dlock);
	return t;
}

/* A root naming a struct the program's BTF lacks: Linux refuses the value's BTF, libbpf makes
 * the map again without it, and then the value has no lock either. */
private(E) struct bpf_spin_lock elock;
private(E) struct bpf_list_head ehead __contains(absent, node);

SEC("tc") __failure __msg("map '.bss.E' has no valid bpf_spin_lock")
int list_root_of_absent_struct(struct __sk_buff *skb)
{
	bpf_spin_lock(&elock);
	bpf_spin_unlock(&elock);
	return 0;
}

/* An array of roots is a root per element, all holding what the one tag says. */
private(F) struct bpf_spin_lock flock;
private(F) struct bpf_list_head fheads[2] __contains(item, node);

SEC("tc") __success
int list_array_of_heads(struct __sk_buff *skb)
{
	struct item *it = new_item(3);
	struct bpf_list_node *n;

	if (!it)
		return 0;
	bpf_spin_lock(&flock);
	bpf_list_push_back(&fheads[1], &it->node);
	n = bpf_list_pop_front(&fheads[0]);
	bpf_spin_unlock(&flock);
	if (n)
		bpf_obj_drop(container_of(n, struct item, node));
	return 0;
}

/* A lock in an allocated object (exbpf does not take one yet): Linux's checks first. */
struct locked {
	long key;
	struct bpf_spin_lock lock;
};

SEC("tc") __failure __msg("local 'kptr' has no valid bpf_spin_lock")
int obj_lock_without_lock(struct __sk_buff *skb)
{
	struct item *it = new_item(1);

	if (!it)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)it);
	bpf_spin_unlock((struct bpf_spin_lock *)it);
	bpf_obj_drop(it);
	return 0;
}

SEC("tc") __failure __msg("off 0 doesn't point to 'struct bpf_spin_lock' that is at 8")
int obj_lock_wrong_member(struct __sk_buff *skb)
{
	struct locked *l = bpf_obj_new(typeof(*l));

	if (!l)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)&l->key);
	bpf_spin_unlock((struct bpf_spin_lock *)&l->key);
	bpf_obj_drop(l);
	return 0;
}
