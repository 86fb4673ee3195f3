/* Finds the graph roots (bpf_list_head, bpf_rb_root) of a map value from its BTF, with the
 * type each contains as its `contains:<struct>:<member>` decl tag names it. The checks are
 * Linux's at map creation: the named struct exists, its member is the matching node type,
 * and a value with roots has a bpf_spin_lock to guard them. */
#include "runtime/graph_btf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"

static const char *struct_name(const struct exbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = exbpf_btf__skip_mods(btf, id, NULL);

	if (!t || exbpf_btf_kind(t) != BTF_KIND_STRUCT)
		return NULL;
	return exbpf_btf__name_by_offset(btf, t->name_off);
}

/* The `contains:` tag on (target, component), or NULL. */
static const char *contains_tag(const struct exbpf_btf *btf, uint32_t target, int32_t comp)
{
	for (uint32_t id = 1; id < exbpf_btf__type_cnt(btf); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		const char *name;

		if (!t || exbpf_btf_kind(t) != BTF_KIND_DECL_TAG || t->type != target ||
		    exbpf_btf_decl_tag(t)->component_idx != comp)
			continue;
		name = exbpf_btf__name_by_offset(btf, t->name_off);
		if (name && !strncmp(name, "contains:", 9))
			return name + 9;
	}
	return NULL;
}

/* Linux refuses a struct with both a bpf_list_node and a bpf_rb_node unless it has a
 * bpf_refcount: a node pushed to a list (a non-owning reference then) could otherwise be
 * handed to bpf_rbtree_remove through its other member. Several nodes of one kind are fine:
 * only an owned object can be pushed or added, so it is in one collection at a time. */
static bool mixed_nodes(const struct exbpf_btf *btf, const struct btf_type *t)
{
	bool list = false, rb = false;

	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		const char *mt = struct_name(btf, exbpf_btf_members(t)[i].type);

		if (mt && !strcmp(mt, "bpf_refcount"))
			return false;
		list |= mt && !strcmp(mt, "bpf_list_node");
		rb |= mt && !strcmp(mt, "bpf_rb_node");
	}
	return list && rb;
}

static int fail(char *why, size_t n, int err, const char *fmt, const char *a, const char *b)
{
	snprintf(why, n, fmt, a, b);
	return err;
}

/* One root at off of type id (already known to be a root), tagged by (target, comp). */
static int add_root(const struct exbpf_btf *btf, uint32_t id, uint32_t off, uint32_t target,
		    int32_t comp, struct graph_field *out, int *n, char *why, size_t why_size)
{
	const char *root = struct_name(btf, id);
	enum graph_kind kind = !strcmp(root, "bpf_list_head") ? GRAPH_LIST : GRAPH_RBTREE;
	const char *node_type = kind == GRAPH_LIST ? "bpf_list_node" : "bpf_rb_node";
	const char *tag = contains_tag(btf, target, comp), *colon;
	char obj[128], member[128];
	int32_t obj_id;
	const struct btf_type *ot;

	if (!tag || !(colon = strchr(tag, ':')) || colon == tag || !colon[1] ||
	    (size_t)(colon - tag) >= sizeof(obj) || strlen(colon + 1) >= sizeof(member))
		return fail(why, why_size, -EINVAL, "%s without a valid contains:<struct>:<node> tag%s",
			    root, "");
	memcpy(obj, tag, (size_t)(colon - tag));
	obj[colon - tag] = 0;
	strcpy(member, colon + 1);
	obj_id = exbpf_btf__find_by_name_kind(btf, obj, BTF_KIND_STRUCT);
	ot = obj_id > 0 ? exbpf_btf__type_by_id(btf, (uint32_t)obj_id) : NULL;
	if (!ot)
		return fail(why, why_size, -ENOENT, "%s contains struct %s, which is not in the BTF",
			    root, obj);
	if (mixed_nodes(btf, ot))
		return fail(why, why_size, -EINVAL,
			    "struct %s has both a bpf_list_node and a bpf_rb_node and no bpf_refcount%s "
			    "(Linux refuses its BTF)",
			    obj, "");
	if (*n >= GRAPH_MAX_FIELDS)
		return fail(why, why_size, -E2BIG, "more than 8 bpf_list_head/bpf_rb_root fields%s%s",
			    "", "");
	for (uint16_t i = 0; i < exbpf_btf_vlen(ot); i++) {
		const char *mn = exbpf_btf__name_by_offset(btf, exbpf_btf_members(ot)[i].name_off);
		const char *mt = struct_name(btf, exbpf_btf_members(ot)[i].type);

		if (!mn || strcmp(mn, member))
			continue;
		if (!mt || strcmp(mt, node_type))
			return fail(why, why_size, -EINVAL, "contains:%s:%s does not name a node of its kind",
				    obj, member);
		out[*n] = (struct graph_field){
		    .off = off, .kind = kind, .obj_type_id = (uint32_t)obj_id,
		    .obj_size = (uint32_t)exbpf_btf__resolve_size(btf, (uint32_t)obj_id),
		    .node_off = exbpf_btf_member_bit_offset(ot, i) / 8,
		    .obj_name = exbpf_btf__name_by_offset(btf, ot->name_off), .node_name = mn};
		(*n)++;
		return 0;
	}
	return fail(why, why_size, -ENOENT, "struct %s has no member %s", obj, member);
}

static bool is_root(const struct exbpf_btf *btf, uint32_t id)
{
	const char *n = struct_name(btf, id);

	return n && (!strcmp(n, "bpf_list_head") || !strcmp(n, "bpf_rb_root"));
}

/* The roots of a member or variable of type id at off: the root itself, or one per element
 * of an array of roots (Linux repeats a special field over the elements), all under the one
 * `contains:` tag of (target, comp). */
static int typed_roots(const struct exbpf_btf *btf, uint32_t id, uint32_t off, uint32_t target,
		       int32_t comp, struct graph_field *out, int *n, char *why, size_t why_size)
{
	const struct btf_type *t = exbpf_btf__skip_mods(btf, id, &id);
	uint32_t elem = id;
	int64_t esz;

	if (is_root(btf, id))
		return add_root(btf, id, off, target, comp, out, n, why, why_size);
	for (const struct btf_type *e = t; e && exbpf_btf_kind(e) == BTF_KIND_ARRAY;)
		e = exbpf_btf__skip_mods(btf, exbpf_btf_array(e)->type, &elem);
	if (!t || exbpf_btf_kind(t) != BTF_KIND_ARRAY || !is_root(btf, elem))
		return 0;
	esz = exbpf_btf__resolve_size(btf, exbpf_btf_array(t)->type);
	for (uint32_t i = 0; esz > 0 && i < exbpf_btf_array(t)->nelems; i++) {
		int err = typed_roots(btf, exbpf_btf_array(t)->type, off + i * (uint32_t)esz, target, comp,
				      out, n, why, why_size);

		if (err)
			return err;
	}
	return 0;
}

/* Roots among the direct members of struct sid placed at base. */
static int struct_roots(const struct exbpf_btf *btf, uint32_t sid, uint32_t base,
			struct graph_field *out, int *n, char *why, size_t why_size)
{
	const struct btf_type *t = exbpf_btf__skip_mods(btf, sid, &sid);

	for (uint16_t i = 0; t && i < exbpf_btf_vlen(t); i++) {
		int err = typed_roots(btf, exbpf_btf_members(t)[i].type,
				      base + exbpf_btf_member_bit_offset(t, i) / 8, sid, i, out, n, why,
				      why_size);

		if (err)
			return err;
	}
	return 0;
}

int rt_graph_fields(const struct exbpf_btf *btf, uint32_t value_id, struct graph_field *out,
		    char *why, size_t why_size)
{
	const struct btf_type *t = btf && value_id ? exbpf_btf__skip_mods(btf, value_id, NULL) : NULL;
	int n = 0, err = 0;

	if (t && exbpf_btf_kind(t) == BTF_KIND_STRUCT)
		err = struct_roots(btf, value_id, 0, out, &n, why, why_size);
	for (uint16_t i = 0; !err && t && exbpf_btf_kind(t) == BTF_KIND_DATASEC && i < exbpf_btf_vlen(t);
	     i++) {
		const struct btf_var_secinfo *vs = &exbpf_btf_var_secinfos(t)[i];
		const struct btf_type *var = exbpf_btf__type_by_id(btf, vs->type);

		if (!var || exbpf_btf_kind(var) != BTF_KIND_VAR)
			continue;
		if (struct_name(btf, var->type) && !is_root(btf, var->type))
			err = struct_roots(btf, var->type, vs->offset, out, &n, why, why_size);
		else
			err = typed_roots(btf, var->type, vs->offset, vs->type, -1, out, &n, why,
					  why_size);
	}
	if (err)
		return err;
	if (n && rt_btf_member_off(btf, value_id, "bpf_spin_lock") < 0)
		return fail(why, why_size, -EINVAL,
			    "a bpf_list_head or bpf_rb_root needs a bpf_spin_lock in the same value%s%s",
			    "", "");
	return n;
}

/* The struct a `T __kptr *` member points to (0: not a referenced kptr). */
static uint32_t kptr_target(const struct exbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
	bool tagged = false;

	if (!t || exbpf_btf_kind(t) != BTF_KIND_PTR)
		return 0;
	id = t->type;
	while ((t = exbpf_btf__type_by_id(btf, id)) && exbpf_btf_kind(t) == BTF_KIND_TYPE_TAG) {
		const char *n = exbpf_btf__name_by_offset(btf, t->name_off);

		tagged |= n && !strcmp(n, "kptr");
		id = t->type;
	}
	return tagged && struct_name(btf, id) ? id : 0;
}

static void add_kptr(const struct exbpf_btf *btf, uint32_t member_type, uint32_t off,
		     struct kptr_field *out, int *n)
{
	uint32_t target = kptr_target(btf, member_type);
	const struct btf_type *t;

	if (!target)
		return;
	if (*n >= KPTR_MAX_FIELDS) { /* counted, not kept: the caller refuses the map */
		(*n)++;
		return;
	}
	t = exbpf_btf__skip_mods(btf, target, &target);
	out[(*n)++] = (struct kptr_field){.off = off, .type_id = target,
					   .size = (uint32_t)exbpf_btf__resolve_size(btf, target),
					   .name = exbpf_btf__name_by_offset(btf, t->name_off)};
}

int rt_kptr_fields(const struct exbpf_btf *btf, uint32_t value_id, struct kptr_field *out)
{
	const struct btf_type *t = btf && value_id ? exbpf_btf__skip_mods(btf, value_id, NULL) : NULL;
	int n = 0;

	for (uint16_t i = 0; t && exbpf_btf_kind(t) == BTF_KIND_STRUCT && i < exbpf_btf_vlen(t); i++)
		add_kptr(btf, exbpf_btf_members(t)[i].type, exbpf_btf_member_bit_offset(t, i) / 8, out, &n);
	for (uint16_t i = 0; t && exbpf_btf_kind(t) == BTF_KIND_DATASEC && i < exbpf_btf_vlen(t); i++) {
		const struct btf_var_secinfo *vs = &exbpf_btf_var_secinfos(t)[i];
		const struct btf_type *var = exbpf_btf__type_by_id(btf, vs->type);
		const struct btf_type *st;

		if (!var || exbpf_btf_kind(var) != BTF_KIND_VAR)
			continue;
		add_kptr(btf, var->type, vs->offset, out, &n);
		st = exbpf_btf__skip_mods(btf, var->type, NULL);
		for (uint16_t j = 0; st && exbpf_btf_kind(st) == BTF_KIND_STRUCT && j < exbpf_btf_vlen(st); j++)
			add_kptr(btf, exbpf_btf_members(st)[j].type,
				 vs->offset + exbpf_btf_member_bit_offset(st, j) / 8, out, &n);
	}
	return n;
}
