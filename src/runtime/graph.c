/* The collections behind Linux's list and rbtree kfuncs (layouts in graph.h): doubly linked
 * lists whose empty head is all zeros, and red-black trees with parent pointers, the color
 * and an "in a tree" bit packed into the parent word. Insert and erase are O(log n). */
#include "runtime/graph.h"

#include <stddef.h>
#include <string.h>

/* ---- lists ---- */

void graph_list_push(struct graph_list_head *h, struct graph_list_node *n, void *obj, bool back)
{
	n->obj = obj;
	if (back) {
		n->next = NULL;
		n->prev = h->last;
		if (h->last)
			h->last->next = n;
		else
			h->first = n;
		h->last = n;
	} else {
		n->prev = NULL;
		n->next = h->first;
		if (h->first)
			h->first->prev = n;
		else
			h->last = n;
		h->first = n;
	}
}

struct graph_list_node *graph_list_pop(struct graph_list_head *h, bool back, void **obj)
{
	struct graph_list_node *n = back ? h->last : h->first;

	if (!n)
		return NULL;
	*obj = n->obj;
	if (n->prev)
		n->prev->next = n->next;
	else
		h->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		h->last = n->prev;
	memset(n, 0, sizeof(*n));
	return n;
}

/* ---- red-black trees ---- */

static struct graph_rb_node **kid(struct graph_rb_node *n, bool right)
{
	return right ? &n->right : &n->left;
}

static bool is_black(const struct graph_rb_node *n) { return !n || (n->parent & GRAPH_RB_BLACK); }

static void set_black(struct graph_rb_node *n) { n->parent |= GRAPH_RB_BLACK; }

static void set_red(struct graph_rb_node *n) { n->parent &= ~(uintptr_t)GRAPH_RB_BLACK; }

static void set_parent(struct graph_rb_node *n, struct graph_rb_node *p)
{
	n->parent = (uintptr_t)p | (n->parent & 3);
}

/* Replaces old by new as the child of parent (or as the top). */
static void replace_child(struct graph_rb_root *r, struct graph_rb_node *parent,
			  struct graph_rb_node *old, struct graph_rb_node *new)
{
	if (!parent)
		r->top = new;
	else
		*kid(parent, parent->right == old) = new;
}

/* Rotates x down to the left (its right child comes up), or to the right. */
static void rotate(struct graph_rb_root *r, struct graph_rb_node *x, bool left)
{
	struct graph_rb_node *y = *kid(x, left), *moved = *kid(y, !left);

	*kid(x, left) = moved;
	if (moved)
		set_parent(moved, x);
	set_parent(y, graph_rb_parent(x));
	replace_child(r, graph_rb_parent(x), x, y);
	*kid(y, !left) = x;
	set_parent(x, y);
}

static void insert_fixup(struct graph_rb_root *r, struct graph_rb_node *n)
{
	struct graph_rb_node *p, *g, *u;

	/* A red parent is never the top, so g exists. */
	while ((p = graph_rb_parent(n)) && !is_black(p)) {
		bool pr;

		g = graph_rb_parent(p);
		pr = g->right == p;
		u = *kid(g, !pr);
		if (!is_black(u)) {
			set_black(p);
			set_black(u);
			set_red(g);
			n = g;
			continue;
		}
		if (*kid(p, !pr) == n) {
			rotate(r, p, !pr);
			n = p;
			p = graph_rb_parent(n);
		}
		set_black(p);
		set_red(g);
		rotate(r, g, pr);
	}
	set_black(r->top);
}

void graph_rb_link(struct graph_rb_root *r, struct graph_rb_node *parent, bool right,
		   struct graph_rb_node *n, void *obj)
{
	n->left = n->right = NULL;
	n->parent = (uintptr_t)parent | GRAPH_RB_LINKED; /* red */
	n->obj = obj;
	if (parent)
		*kid(parent, right) = n;
	else
		r->top = n;
	insert_fixup(r, n);
}

/* x (possibly NULL) under xp lost one black on its way up: restore the black heights. */
static void erase_fixup(struct graph_rb_root *r, struct graph_rb_node *x, struct graph_rb_node *xp)
{
	while (x != r->top && is_black(x)) {
		/* When x is NULL its sibling is not (it has a black on its side), so the NULL
		 * child of xp is x's side. */
		bool xr = xp->right == x;
		struct graph_rb_node *w = *kid(xp, !xr);

		if (!is_black(w)) {
			set_black(w);
			set_red(xp);
			rotate(r, xp, !xr);
			w = *kid(xp, !xr);
		}
		if (is_black(w->left) && is_black(w->right)) {
			set_red(w);
			x = xp;
			xp = graph_rb_parent(x);
			continue;
		}
		if (is_black(*kid(w, !xr))) {
			set_black(*kid(w, xr));
			set_red(w);
			rotate(r, w, xr);
			w = *kid(xp, !xr);
		}
		w->parent =
		    (w->parent & ~(uintptr_t)GRAPH_RB_BLACK) | (xp->parent & GRAPH_RB_BLACK);
		set_black(xp);
		set_black(*kid(w, !xr));
		rotate(r, xp, !xr);
		x = r->top;
	}
	if (x)
		set_black(x);
}

void graph_rb_erase(struct graph_rb_root *r, struct graph_rb_node *z)
{
	struct graph_rb_node *y = z, *x, *xp;
	bool removed_black;

	/* y: the node that leaves its place, z itself or its successor (no left child). */
	if (z->left && z->right)
		for (y = z->right; y->left; y = y->left)
			;
	x = y->left ? y->left : y->right;
	xp = graph_rb_parent(y);
	removed_black = is_black(y);
	if (x)
		set_parent(x, xp);
	replace_child(r, xp, y, x);
	if (y != z) {
		/* The successor takes z's place, links and color. */
		if (xp == z)
			xp = y;
		y->left = z->left;
		y->right = z->right;
		y->parent = z->parent;
		if (y->left)
			set_parent(y->left, y);
		if (y->right)
			set_parent(y->right, y);
		replace_child(r, graph_rb_parent(z), z, y);
	}
	if (removed_black)
		erase_fixup(r, x, xp);
	memset(z, 0, sizeof(*z));
}

bool graph_rb_in(const struct graph_rb_root *r, const struct graph_rb_node *n)
{
	if (!graph_rb_linked(n))
		return false;
	while (graph_rb_parent(n))
		n = graph_rb_parent(n);
	return n == r->top;
}

struct graph_rb_node *graph_rb_first(const struct graph_rb_root *r)
{
	struct graph_rb_node *n = r->top;

	while (n && n->left)
		n = n->left;
	return n;
}

struct graph_rb_node *graph_rb_next(const struct graph_rb_node *n)
{
	const struct graph_rb_node *p;

	if (n->right) {
		for (n = n->right; n->left; n = n->left)
			;
		return (struct graph_rb_node *)n;
	}
	while ((p = graph_rb_parent(n)) && p->right == n)
		n = p;
	return (struct graph_rb_node *)p;
}

/* ---- freeing ---- */

void graph_root_free(uint32_t kind, void *root, void (*obj_free)(void *obj))
{
	if (kind == GRAPH_LIST) {
		struct graph_list_node *n = ((struct graph_list_head *)root)->first, *next;

		for (; n; n = next) {
			next = n->next;
			obj_free(n->obj);
		}
		return;
	}
	/* Post-order without a stack: go down to a leaf, free it, cut it from its parent. */
	struct graph_rb_node *n = ((struct graph_rb_root *)root)->top, *p;

	while (n) {
		if (n->left) {
			n = n->left;
			continue;
		}
		if (n->right) {
			n = n->right;
			continue;
		}
		p = graph_rb_parent(n);
		if (p)
			*kid(p, p->right == n) = NULL;
		obj_free(n->obj);
		n = p;
	}
}
