/* Linux's lists and rbtrees of bpf_obj_new objects: the red-black tree and the list alone
 * (graph.c), maps freeing what their values' collections hold (run under ASan to see that
 * nothing leaks), and the kfuncs run by the programs of tests/progs/runtime_graph.bpf.c,
 * loaded unverified (the checked interpreter). */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/graph.h"
#include "runtime/kfuncs.h"
#include "runtime/map.h"
#include "runtime/runtime.h"
#include "test_progs.h"
#include "testlib.h"

/* tests/progs/runtime_graph.bpf.c, where `exbpf test` also checks its tags. */
#define GRAPH_PROGS "runtime_graph"
#include "vm/vm.h"

/* ---- the red-black tree ---- */

struct item {
	long key;
	struct graph_rb_node node;
	bool in;
};

static long key_of(const struct graph_rb_node *n)
{
	return ((const struct item *)((const char *)n - offsetof(struct item, node)))->key;
}

/* Linux's bpf_rbtree_add walk: less(new, cur) goes left, else right (equal keys after). */
static void add(struct graph_rb_root *r, struct item *it)
{
	struct graph_rb_node *parent = NULL, *cur = r->top;
	bool right = false;

	while (cur) {
		parent = cur;
		right = !(it->key < key_of(cur));
		cur = right ? cur->right : cur->left;
	}
	graph_rb_link(r, parent, right, &it->node, it);
	it->in = true;
}

/* Black height of the subtree at n, or -1 when an invariant is broken below it. */
static int check_subtree(const struct graph_rb_node *n, const struct graph_rb_node *parent,
			 size_t *count)
{
	int lh, rh;

	if (!n)
		return 1;
	(*count)++;
	if (graph_rb_parent(n) != parent || !graph_rb_linked(n))
		return -1;
	if (!(n->parent & GRAPH_RB_BLACK) && ((n->left && !(n->left->parent & GRAPH_RB_BLACK)) ||
					      (n->right && !(n->right->parent & GRAPH_RB_BLACK))))
		return -1; /* a red node with a red child */
	if ((n->left && key_of(n->left) > key_of(n)) || (n->right && key_of(n->right) < key_of(n)))
		return -1;
	lh = check_subtree(n->left, n, count);
	rh = check_subtree(n->right, n, count);
	if (lh < 0 || rh < 0 || lh != rh)
		return -1;
	return lh + !!(n->parent & GRAPH_RB_BLACK);
}

static bool valid(const struct graph_rb_root *r, size_t expect)
{
	size_t count = 0, seen = 0;
	long last = -1;

	if (r->top && !(r->top->parent & GRAPH_RB_BLACK))
		return false;
	if (check_subtree(r->top, NULL, &count) < 0 || count != expect)
		return false;
	for (const struct graph_rb_node *n = graph_rb_first(r); n; n = graph_rb_next(n), seen++) {
		if (key_of(n) < last)
			return false;
		last = key_of(n);
	}
	return seen == expect;
}

TEST(graph_rbtree_random)
{
	enum { N = 512, OPS = 20000 };
	static struct item items[N];
	struct graph_rb_root r = {0}, other = {0};
	struct item stranger = {.key = 1};
	size_t in = 0;
	bool ok = true;

	srand(7);
	memset(items, 0, sizeof(items));
	for (int op = 0; op < OPS && ok; op++) {
		struct item *it = &items[rand() % N];

		if (!it->in) {
			it->key = rand() % 200; /* many equal keys */
			add(&r, it);
			in++;
		} else {
			CHECK(graph_rb_in(&r, &it->node));
			graph_rb_erase(&r, &it->node);
			it->in = false;
			in--;
			CHECK(!graph_rb_linked(&it->node));
			CHECK(!graph_rb_in(&r, &it->node));
		}
		if (op % 97 == 0 || op > OPS - 50)
			ok = valid(&r, in);
	}
	CHECK(ok);
	/* Not in this tree: one in no tree, one in another. */
	add(&other, &stranger);
	CHECK(!graph_rb_in(&r, &stranger.node));
	CHECK(graph_rb_in(&other, &stranger.node));
	/* Equal keys keep their insertion order (each new one goes to the right). */
	struct graph_rb_root eq = {0};
	struct item same[5];

	for (int i = 0; i < 5; i++) {
		same[i] = (struct item){.key = 3};
		add(&eq, &same[i]);
	}
	int i = 0;
	for (struct graph_rb_node *n = graph_rb_first(&eq); n; n = graph_rb_next(n), i++)
		CHECK(n == &same[i].node);
	CHECK_EQ(i, 5);
	/* Draining by the first node always leaves a valid tree. */
	while (r.top) {
		struct graph_rb_node *f = graph_rb_first(&r);
		long k = key_of(f);

		graph_rb_erase(&r, f);
		in--;
		if (r.top)
			CHECK(key_of(graph_rb_first(&r)) >= k);
	}
	CHECK_EQ(in, 0);
	CHECK(valid(&r, 0));
}

TEST(graph_list_order)
{
	struct graph_list_head h = {0};
	struct graph_list_node n[4];
	int objs[4];
	void *obj;

	memset(n, 0, sizeof(n));
	graph_list_push(&h, &n[1], &objs[1], true);
	graph_list_push(&h, &n[2], &objs[2], true);
	graph_list_push(&h, &n[0], &objs[0], false);
	graph_list_push(&h, &n[3], &objs[3], true);
	CHECK(h.first == &n[0] && h.last == &n[3]);
	CHECK(graph_list_pop(&h, false, &obj) == &n[0] && obj == &objs[0]);
	CHECK(graph_list_pop(&h, true, &obj) == &n[3] && obj == &objs[3]);
	CHECK(n[3].next == NULL && n[3].prev == NULL && n[3].obj == NULL);
	CHECK(graph_list_pop(&h, false, &obj) == &n[1]);
	CHECK(graph_list_pop(&h, false, &obj) == &n[2]);
	CHECK(graph_list_pop(&h, false, &obj) == NULL);
	CHECK(h.first == NULL && h.last == NULL);
}

/* ---- freeing with the value ---- */

static int frees;

static void count_free(void *obj)
{
	frees++;
	free(obj);
}

TEST(graph_root_free_all)
{
	struct graph_list_head h = {0};
	struct graph_rb_root r = {0};

	for (int i = 0; i < 100; i++) {
		struct graph_list_node *ln = calloc(1, sizeof(*ln));
		struct item *it = calloc(1, sizeof(*it));

		graph_list_push(&h, ln, ln, i % 2);
		it->key = i * 7 % 13;
		add(&r, it);
	}
	frees = 0;
	graph_root_free(GRAPH_LIST, &h, count_free);
	CHECK_EQ(frees, 100);
	frees = 0;
	graph_root_free(GRAPH_RBTREE, &r, count_free);
	CHECK_EQ(frees, 100);
}

/* An object as bpf_obj_new makes them. */
static void *new_obj(uint64_t size)
{
	struct rt_obj *o = calloc(1, sizeof(*o) + size);

	o->magic = RT_OBJ_MAGIC;
	o->size = size;
	return o->data;
}

struct value {
	uint32_t lock, pad;
	uint64_t n;
	struct graph_list_head head;
	struct graph_rb_root root;
};

static struct exbpf_map *graph_map(uint32_t type)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "g", .type = type, .key_size = 4,
		   .value_size = sizeof(struct value), .max_entries = 4, .has_spin_lock = true,
		   .spin_lock_off = 0);
	const struct graph_field f[2] = {
	    {.off = offsetof(struct value, root), .kind = GRAPH_RBTREE, .obj_size = 48},
	    {.off = offsetof(struct value, head), .kind = GRAPH_LIST, .obj_size = 48},
	};
	struct exbpf_map *m = NULL;

	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	if (m)
		CHECK_EQ(map_set_graph(m, f, 2), 0);
	return m;
}

/* Three objects into each collection of the value of key, as a program would link them. */
static void fill(struct exbpf_map *m, uint32_t key)
{
	struct value *v = map_lookup_elem(m, &key);

	CHECK(v != NULL);
	if (!v)
		return;
	for (int i = 0; i < 3; i++) {
		char *a = new_obj(48), *b = new_obj(48);

		graph_list_push(&v->head, (struct graph_list_node *)(a + 8), a, true);
		((struct item *)b)->key = i;
		add(&v->root, (struct item *)b);
	}
}

TEST(graph_map_frees)
{
	struct exbpf_map *arr = graph_map(BPF_MAP_TYPE_ARRAY), *h = graph_map(BPF_MAP_TYPE_HASH);
	struct value in = {.lock = 0, .n = 5}, out;
	uint32_t k0 = 0, k1 = 1, k2 = 2;

	if (!arr || !h)
		return;
	/* The roots of a new value never come from the caller's bytes. */
	memset(&in.head, 0xab, sizeof(in.head) + sizeof(in.root));
	CHECK_EQ(exbpf_map__update_elem(h, &k0, &in, BPF_ANY), 0);
	CHECK_EQ(exbpf_map__update_elem(h, &k1, &in, BPF_ANY), 0);
	CHECK_EQ(map_update_elem(h, &k2, &in, BPF_ANY), 0);
	struct value *v = map_lookup_elem(h, &k2);
	CHECK(v && !v->head.first && !v->root.top && v->n == 5);
	fill(h, k0);
	fill(h, k1);
	fill(h, k2);
	/* Host lookups read the roots as zeros. */
	memset(&out, 0xff, sizeof(out));
	CHECK_EQ(exbpf_map__lookup_elem(h, &k0, &out, 0), 0);
	CHECK(!out.head.first && !out.head.last && !out.root.top && out.n == 5 && !out.lock);
	/* Deleted: freed. Replaced: freed, the roots empty. BPF_F_LOCK: kept. */
	CHECK_EQ(exbpf_map__delete_elem(h, &k0), 0);
	CHECK_EQ(exbpf_map__update_elem(h, &k1, &in, BPF_EXIST), 0);
	v = map_lookup_elem(h, &k1);
	CHECK(v && !v->head.first && !v->root.top);
	CHECK_EQ(exbpf_map__update_elem(h, &k2, &in, BPF_EXIST | BPF_F_LOCK), 0);
	v = map_lookup_elem(h, &k2);
	CHECK(v && v->head.first && v->root.top);
	/* Arrays: an update frees the old collections (Linux frees the special fields). */
	fill(arr, k0);
	fill(arr, k1);
	CHECK_EQ(map_update_elem(arr, &k0, &in, BPF_ANY), 0);
	v = map_lookup_elem(arr, &k0);
	CHECK(v && !v->head.first && !v->root.top && v->n == 5);
	/* What is left (hash k2, array k1) goes with the maps. */
	exbpf_map__put(h);
	exbpf_map__put(arr);
}

TEST(graph_map_set_errors)
{
	EXBPF_OPTS(exbpf_map_attr, a, .name = "g", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
		   .value_size = sizeof(struct value), .max_entries = 1, .spin_lock_off = -1);
	struct graph_field f = {.off = offsetof(struct value, head), .kind = GRAPH_LIST};
	struct exbpf_map *m = NULL;

	/* No lock in the value: no roots. */
	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	CHECK_EQ(map_set_graph(m, &f, 1), -EINVAL);
	exbpf_map__put(m);
	a.has_spin_lock = true;
	a.spin_lock_off = 16;
	CHECK_EQ(exbpf_map__create(&a, &m, NULL, 0), 0);
	/* Over the lock, or misaligned. */
	CHECK_EQ(map_set_graph(m, &f, 1), -EINVAL);
	f.off = 4;
	CHECK_EQ(map_set_graph(m, &f, 1), -EINVAL);
	exbpf_map__put(m);
}

/* ---- the kfuncs, from BPF programs ---- */

TEST(graph_progs_checked)
{
	struct test_loaded l;
	struct exbpf_map *amap, *hmap;
	struct value out;
	uint32_t k0 = 0, k7 = 7, k9 = 9;

	if (!TEST_LOAD(&l, GRAPH_PROGS, NULL))
		goto out;
	for (int i = 0; i < 3; i++) {
		RUN(&l, "list_order", 3120);
		RUN(&l, "list_front_back", 57);
		RUN(&l, "rbtree_order", 13579);
		RUN(&l, "rbtree_walk", 213);
		RUN(&l, "rbtree_remove_other", 1);
		RUN(&l, "list_throw_owning", 3);
	}
	/* The callback's throw unlocks and frees the new object; the tree keeps the 8. */
	RUN(&l, "rbtree_less_throws", 42);
	RUN(&l, "rbtree_less_throws", 8);
	RUN(&l, "rbtree_order", 13579);
	/* Values keep their objects until the host replaces or deletes them. */
	amap = exbpf_instance__find_map(l.inst, "amap");
	hmap = exbpf_instance__find_map(l.inst, "hmap");
	RUN(&l, "array_keep", 2);
	RUN(&l, "array_keep", 4);
	CHECK_EQ(exbpf_map__lookup_elem(amap, &k0, &out, 0), 0);
	CHECK(!out.head.first && !out.head.last);
	memset(&out, 0, sizeof(out));
	CHECK_EQ(exbpf_map__update_elem(amap, &k0, &out, BPF_ANY), 0);
	RUN(&l, "array_keep", 2);
	RUN(&l, "hash_keep", 2);
	CHECK_EQ(exbpf_map__delete_elem(hmap, &k7), 0);
	RUN(&l, "hash_keep", 2);
	RUN(&l, "hash_delete", 0);
	CHECK_EQ(exbpf_map__lookup_elem(hmap, &k9, &out, 0), -ENOENT);
	RUN(&l, "global_keep", 0);
out:
	test_unload(&l);
}

TEST(graph_progs_hostile)
{
	struct test_loaded l;

	if (!TEST_LOAD(&l, "../progs_host/runtime_graph_hostile", NULL))
		goto out;
	FAILS(&l, "forge_head", -EFAULT, "outside the run's memory");
	FAILS(&l, "read_head", -EFAULT, "outside the run's memory");
	FAILS(&l, "stack_head", -EFAULT, "is not a bpf_list_head in a map value");
	FAILS(&l, "no_lock", -EINVAL,
	      "bpf_list_front: the bpf_spin_lock of the value holding the "
	      "bpf_list_head is not held");
	FAILS(&l, "stack_node_push", -EFAULT,
	      "is not a bpf_list_node of an object the program owns");
	FAILS(&l, "stack_node_remove", -EFAULT, "is not a bpf_rb_node the program reached");
	FAILS(&l, "write_after_push", -EFAULT, "outside the run's memory");
	FAILS(&l, "write_lent", -EFAULT, "the region is read-only");
	FAILS(&l, "read_lent_after_unlock", -EFAULT, "outside the run's memory");
	/* The lock was released at each failure; the three objects pushed are there. */
	RUN(&l, "drain", 303);
	RUN(&l, "drain", 0);
	RUN(&l, "tree_seed", 0);
	FAILS(&l, "cb_unlocks", -EINVAL, "bpf_spin_unlock: not allowed in bpf_rbtree_add's less");
	FAILS(&l, "cb_drops", -EINVAL, "the less callback released the node being added");
	FAILS(&l, "cb_removes", -EINVAL, "bpf_rbtree_remove: not allowed in bpf_rbtree_add's less");
	RUN(&l, "tree_drain", 10);
out:
	test_unload(&l);
}

/* ---- the kfuncs as verified programs run them (unchecked, nothing validated) ---- */

/* A run of a verified program, without an engine: the kfuncs see what they would see, and
 * less callbacks are C (a tiny vm_prog only makes the callback handle valid). */
struct fake_run {
	struct rt_run rr;
	struct vm_exec x;
	struct exbpf_run run;
	struct vm_prog *vm;
	struct exbpf_env *env;
	int calls;
};

static int fake_less(struct exbpf_run *run, size_t entry, const uint64_t args[5], uint64_t *r0)
{
	const struct graph_rb_node *a = (void *)(uintptr_t)args[0], *b = (void *)(uintptr_t)args[1];
	struct fake_run *f = (struct fake_run *)((char *)run - offsetof(struct fake_run, run));

	(void)entry;
	f->calls++;
	if (key_of(a) == 42)
		return VM_THROWN;
	*r0 = key_of(a) < key_of(b);
	return 0;
}

#define HANDLE 2 /* the function at insn 2 */

static bool fake_init(struct fake_run *f)
{
	static const struct bpf_insn insns[] = {
	    {.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	memset(f, 0, sizeof(*f));
	f->env = exbpf_env__new(NULL);
	if (!f->env || vm_prog_new(insns, 4, NULL, NULL, &f->vm))
		return false;
	f->x.user = &f->rr;
	f->run = (struct exbpf_run){.exec = &f->x, .prog = f->vm, .engine_call = fake_less};
	return true;
}

static void fake_free(struct fake_run *f)
{
	rt_release_held(&f->rr);
	vm_prog_free(f->vm);
	exbpf_env__free(f->env);
}

static uint64_t kcall(struct fake_run *f, const char *name, uint64_t r1, uint64_t r2, uint64_t r3)
{
	for (size_t i = 0; i < f->env->nkfuncs; i++)
		if (!strcmp(f->env->kfuncs[i].name, name))
			return f->env->kfuncs[i].fn(r1, r2, r3, 0, 0, &f->run);
	test_fail(__FILE__, __LINE__, "no kfunc %s", name);
	return 0;
}

/* A new object the run owns, as bpf_obj_new leaves it. */
static struct item *owned_item(struct fake_run *f, long key)
{
	struct item *it = new_obj(sizeof(*it));

	it->key = key;
	f->rr.held[f->rr.nheld++] = (struct rt_held){it, RT_HELD_OBJ};
	return it;
}

static bool is_held(struct fake_run *f, const void *obj)
{
	for (size_t i = 0; i < f->rr.nheld; i++)
		if (f->rr.held[i].ptr == obj && f->rr.held[i].kind == RT_HELD_OBJ)
			return true;
	return false;
}

#define U(p) ((uint64_t)(uintptr_t)(p))
#define ITEM(n) ((struct item *)((char *)(n)-offsetof(struct item, node)))

TEST(graph_kfuncs_unchecked_rbtree)
{
	struct fake_run f;
	struct graph_rb_root root = {0}, other = {0};
	struct graph_rb_node *n;
	size_t count = 0;

	if (!fake_init(&f)) {
		test_fail(__FILE__, __LINE__, "setup");
		return;
	}
	srand(11);
	for (int i = 0; i < 300; i++) {
		struct item *it = owned_item(&f, rand() % 40); /* 42 throws */

		CHECK_EQ(kcall(&f, "bpf_rbtree_add_impl", U(&root), U(&it->node), HANDLE), 0);
		CHECK(!is_held(&f, it)); /* the tree owns it */
		count++;
		if (i % 3 == 2) {
			/* take the smallest out: the program owns it again */
			n = (void *)(uintptr_t)kcall(&f, "bpf_rbtree_first", U(&root), 0, 0);
			CHECK(n == graph_rb_first(&root));
			CHECK_EQ(kcall(&f, "bpf_rbtree_remove", U(&root), U(n), 0), U(n));
			CHECK(is_held(&f, ITEM(n)) && !graph_rb_linked(n));
			/* a second remove of the same node: not in the tree */
			CHECK_EQ(kcall(&f, "bpf_rbtree_remove", U(&root), U(n), 0), 0);
			rt_unhold(&f.run, U(ITEM(n)), RT_HELD_OBJ, "test");
			rt_obj_free(ITEM(n));
			count--;
		}
		CHECK(!f.run.err);
	}
	CHECK(valid(&root, count));
	CHECK_EQ(f.rr.nheld, 0);
	/* root, left and right walk the tree as it is. */
	n = (void *)(uintptr_t)kcall(&f, "bpf_rbtree_root", U(&root), 0, 0);
	CHECK(n == root.top);
	CHECK_EQ(kcall(&f, "bpf_rbtree_left", U(&root), U(n), 0), U(n->left));
	CHECK_EQ(kcall(&f, "bpf_rbtree_right", U(&root), U(n), 0), U(n->right));
	/* A node of another tree: not removed, no children given. */
	struct item *o = owned_item(&f, 1);
	CHECK_EQ(kcall(&f, "bpf_rbtree_add_impl", U(&other), U(&o->node), HANDLE), 0);
	CHECK_EQ(kcall(&f, "bpf_rbtree_remove", U(&root), U(&o->node), 0), 0);
	CHECK_EQ(kcall(&f, "bpf_rbtree_left", U(&root), U(&o->node), 0), 0);
	CHECK(graph_rb_in(&other, &o->node));
	/* A throwing less: the add stops, the object stays the run's (the unwinding frees it). */
	int calls = f.calls;
	struct item *t = owned_item(&f, 42);
	kcall(&f, "bpf_rbtree_add_impl", U(&root), U(&t->node), HANDLE);
	CHECK_EQ(f.calls, calls + 1);
	CHECK(is_held(&f, t) && !graph_rb_linked(&t->node));
	CHECK(valid(&root, count));
	graph_root_free(GRAPH_RBTREE, &root, rt_obj_free);
	graph_root_free(GRAPH_RBTREE, &other, rt_obj_free);
	fake_free(&f);
}

TEST(graph_kfuncs_unchecked_list)
{
	struct fake_run f;
	struct graph_list_head head = {0};
	struct item *its[4];
	uint64_t n;

	if (!fake_init(&f)) {
		test_fail(__FILE__, __LINE__, "setup");
		return;
	}
	/* struct item's node is 32 bytes: room for a 24-byte list node too */
	for (int i = 0; i < 4; i++) {
		its[i] = owned_item(&f, i);
		CHECK_EQ(kcall(&f, i == 3 ? "bpf_list_push_front_impl" : "bpf_list_push_back_impl",
			       U(&head), U(&its[i]->node), 0),
			 0);
	}
	CHECK_EQ(f.rr.nheld, 0);
	/* 3 0 1 2 */
	CHECK_EQ(kcall(&f, "bpf_list_front", U(&head), 0, 0), U(&its[3]->node));
	CHECK_EQ(kcall(&f, "bpf_list_back", U(&head), 0, 0), U(&its[2]->node));
	n = kcall(&f, "bpf_list_pop_back", U(&head), 0, 0);
	CHECK_EQ(n, U(&its[2]->node));
	CHECK(is_held(&f, its[2]));
	n = kcall(&f, "bpf_list_pop_front", U(&head), 0, 0);
	CHECK_EQ(n, U(&its[3]->node));
	CHECK_EQ(f.rr.nheld, 2);
	/* A node not in an object the run owns fails the run. */
	struct graph_list_node stray = {0};
	kcall(&f, "bpf_list_push_back_impl", U(&head), U(&stray), 0);
	CHECK(f.run.err < 0);
	graph_root_free(GRAPH_LIST, &head, rt_obj_free);
	fake_free(&f); /* frees the two popped objects */
}

/* A value's roots need a lock: the map's creation fails, the load says why. */
TEST(graph_map_needs_lock)
{
	char path[512], log[1024] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log),
		   .unverified = true);
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst = NULL;
	struct exbpf_object *obj;

	snprintf(path, sizeof(path), "%s/../progs_host/runtime_graph_nolock.bpf.o",
		 test_progs_dir());
	obj = exbpf_object__open_file(path, NULL);
	CHECK(obj != NULL);
	if (obj) {
		/* As libbpf, which makes such a map again without BTF: plain bytes. */
		CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), 0);
		CHECK_CONTAINS(
		    log, "map '.bss.B': a bpf_list_head or bpf_rb_root needs a bpf_spin_lock in the "
			 "same value: made without its BTF, as libbpf does");
	}
	exbpf_instance__free(inst);
	exbpf_object__close(obj);
	exbpf_env__free(env);
}

#include <pthread.h>

static void *churn_thread(void *arg)
{
	struct exbpf_program *p = exbpf_instance__find_program(arg, "churn");
	uint8_t pkt[64] = {0};
	long bad = 0;

	if (!p)
		return (void *)1L;
	for (int i = 0; i < 5000; i++) {
		EXBPF_OPTS(exbpf_run_opts, o, .data_in = pkt, .data_size_in = 14 + i % 50);

		bad += exbpf_program__run(p, &o) != 0 || o.retval != 0;
	}
	return (void *)bad;
}

/* Threads share the global list and tree under its lock. */
TEST(graph_progs_threads)
{
	struct test_loaded l;
	pthread_t t[4];
	void *bad;

	if (!TEST_LOAD(&l, GRAPH_PROGS, NULL))
		goto out;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn_thread, l.inst);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		CHECK_EQ((long)bad, 0);
	}
	RUN(&l, "rbtree_order", 13579);
	RUN(&l, "list_order", 3120);
out:
	test_unload(&l);
}
