/* Linux's collections of allocated objects (bpf_list_head / bpf_rb_root in a map value, of
 * bpf_obj_new objects through their bpf_list_node / bpf_rb_node member): the root must be a
 * known field whose value's lock the program holds; a node handed over must be the right
 * member of an object the program owns; what the program keeps of it afterwards, and what
 * first()/front() return, are non-owning references that end when it unlocks (Linux's
 * __process_kf_arg_ptr_to_graph_root/_node, ref_convert_owning_non_owning,
 * invalidate_non_owning_refs). */
#include <string.h>

#include "verifier/vpriv.h"

static const char *root_name(enum graph_kind k)
{
	return k == GRAPH_LIST ? "bpf_list_head" : "bpf_rb_root";
}

static const char *node_name(enum graph_kind k)
{
	return k == GRAPH_LIST ? "bpf_list_node" : "bpf_rb_node";
}

bool graph_kfunc(const struct verifier_func *fn)
{
	return fn->proto.args[0] == EXBPF_ARG_PTR_TO_LIST_HEAD ||
	       fn->proto.args[0] == EXBPF_ARG_PTR_TO_RB_ROOT;
}

/* Linux's check_reg_allocation_locked(): the lock held is the one of the value r points
 * into. */
static int root_locked(const struct vstate *st, const struct reg *r, bool *other)
{
	*other = false;
	for (uint32_t i = 0; i < st->nrefs; i++) {
		if (st->refs[i].kind != REF_LOCK)
			continue;
		if (lock_of_value(&st->refs[i], r))
			return 1;
		*other = true;
	}
	return 0;
}

/* The byte offset of struct obj's member of the struct type `type` (the one at byte `at`
 * when at >= 0), or -1. */
static int64_t member_off(const struct exbpf_btf *btf, uint32_t obj, const char *type, int64_t at)
{
	const struct btf_type *t = btf && obj ? exbpf_btf__skip_mods(btf, obj, NULL) : NULL;

	for (uint16_t i = 0; t && exbpf_btf_kind(t) == BTF_KIND_STRUCT && i < exbpf_btf_vlen(t); i++) {
		const struct btf_type *m = exbpf_btf__skip_mods(btf, exbpf_btf_members(t)[i].type, NULL);
		const char *n = m ? exbpf_btf__name_by_offset(btf, m->name_off) : NULL;
		int64_t off = exbpf_btf_member_bit_offset(t, i) / 8;

		if (n && !strcmp(n, type) && (at < 0 || off == at))
			return off;
	}
	return -1;
}

/* Linux's check_func_arg_reg_off() for a pointer to an allocated object, before it looks at
 * what the argument is for: a fixed offset (a member) is fine, a variable one is not. */
static int obj_arg_off(struct venv *e, const struct reg *r)
{
	char tn[48], t[32];

	if (r->type != PTR_TO_OBJ || (scalar_is_const(&r->var) && !r->var.var_off.value))
		return 0;
	tnum_snprint(tn, sizeof(tn), r->var.var_off);
	return verr(e, -EACCES, "variable %s access var_off=%s disallowed", reg_type_str(r, t, sizeof(t)),
		    tn);
}

int check_graph_root(struct venv *e, int regno, enum graph_kind kind, const struct graph_field **out)
{
	const struct reg *r = vreg(e->cur, regno);
	const struct verifier_map *mp;
	int64_t off;
	bool other;
	int err;

	if (reg_is_pointer(r) && (r->flags & REG_MAYBE_NULL))
		return verr(e, -EACCES, "Possibly NULL pointer passed to trusted arg%d", regno - 1);
	if ((err = obj_arg_off(e, r)))
		return err;
	if (r->type == PTR_TO_OBJ && !(r->flags & REG_NON_OWN)) {
		/* A root inside an allocated object: Linux's checks as far as exbpf can follow. */
		if (!r->ref_obj_id)
			return verr(e, -EINVAL, "allocated object must be referenced");
		off = r->off + (int64_t)r->var.var_off.value;
		if (member_off(e->in->btf, r->btf_id, root_name(kind), off) < 0)
			return verr(e, -EINVAL, "%s not found at offset=%u", root_name(kind), (uint32_t)off);
		return verr(e, -EOPNOTSUPP, "exbpf: a %s in an allocated object is not supported",
			    root_name(kind));
	}
	if (r->type != PTR_TO_MAP_VALUE)
		return verr(e, -EINVAL, "arg#%d expected pointer to map value or allocated object",
			    regno - 1);
	if (!scalar_is_const(&r->var))
		return verr(e, -EINVAL, "R%d doesn't have constant offset. %s has to be at the constant offset",
			    regno, root_name(kind));
	mp = &e->in->maps[r->aux];
	off = r->off + (int64_t)r->var.var_off.value;
	*out = NULL;
	for (uint32_t i = 0; i < mp->ngraph; i++)
		if (mp->graph[i].off == off && mp->graph[i].kind == (uint32_t)kind)
			*out = &mp->graph[i];
	if (!*out)
		return verr(e, -EINVAL, "%s not found at offset=%u", root_name(kind), (uint32_t)off);
	if (!root_locked(e->cur, r, &other)) {
		/* Linux says why the lock held does not do, then which one must be held. */
		return verr(e, -EINVAL, "%sbpf_spin_lock at off=%d must be held for %s",
			    other ? "held lock and object are not in the same allocation\n" : "",
			    mp->spin_lock_off, root_name(kind));
	}
	return 0;
}

int check_graph_node(struct venv *e, const char *fname, int regno, enum exbpf_arg_kind k,
		     const struct graph_field *root, uint32_t *node_ref)
{
	const struct reg *r = vreg(e->cur, regno);
	enum graph_kind kind = k == EXBPF_ARG_PTR_TO_LIST_NODE ? GRAPH_LIST : GRAPH_RBTREE;
	const char *node = node_name(kind);
	int64_t off;
	int err;

	if (reg_is_pointer(r) && (r->flags & REG_MAYBE_NULL))
		return verr(e, -EACCES, "Possibly NULL pointer passed to trusted arg%d", regno - 1);
	if ((err = obj_arg_off(e, r)))
		return err;
	if (k == EXBPF_ARG_PTR_TO_RB_NODE_REF) {
		const char *short_name = strncmp(fname, "bpf_", 4) ? fname : fname + 4;

		if (r->type != PTR_TO_OBJ || (!(r->flags & REG_NON_OWN) && !r->ref_obj_id))
			return verr(e, -EINVAL, "%s can only take non-owning or refcounted bpf_rb_node pointer",
				    fname);
		if (in_rbtree_cb(e->cur))
			return verr(e, -EINVAL, "%s not allowed in rbtree cb", short_name);
	} else {
		if (r->type != PTR_TO_OBJ || (r->flags & REG_NON_OWN))
			return verr(e, -EINVAL, "arg#%d expected pointer to allocated object", regno - 1);
		if (!r->ref_obj_id)
			return verr(e, -EINVAL, "allocated object must be referenced");
		*node_ref = r->ref_obj_id;
	}
	if (!scalar_is_const(&r->var))
		return verr(e, -EINVAL, "R%d doesn't have constant offset. %s has to be at the constant offset",
			    regno, node);
	off = r->off + (int64_t)r->var.var_off.value;
	if (member_off(e->in->btf, r->btf_id, node, off) < 0)
		return verr(e, -EINVAL, "%s not found at offset=%u", node, (uint32_t)off);
	if (!root)
		return 0;
	/* Linux names the struct first, then (the struct right) the member. */
	if (r->btf_id != root->obj_type_id) {
		const char *tn = exbpf_btf__type_name(e->in->btf, r->btf_id);

		return verr(e, -EINVAL,
			    "operation on %s expects arg#1 %s at offset=%u in struct %s, but arg is at "
			    "offset=%u in struct %s",
			    root_name(kind), node, root->node_off, root->obj_name, (uint32_t)off, tn ? tn : "");
	}
	if (off != root->node_off)
		return verr(e, -EINVAL, "arg#1 offset=%u, but expected %s at offset=%u in struct %s",
			    (uint32_t)off, node, root->node_off, root->obj_name);
	return 0;
}

/* The object a push or add handed over: the collection owns it; the program's pointers to
 * it become non-owning references (Linux's ref_convert_owning_non_owning + release). */
int graph_take_node(struct venv *e, uint32_t ref_obj_id)
{
	struct vstate *st = e->cur;

	for_each_reg(st, r, {
		if (r->ref_obj_id == ref_obj_id) {
			r->ref_obj_id = 0;
			r->flags |= REG_NON_OWN;
		}
	});
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i].id == ref_obj_id && st->refs[i].kind == REF_PTR) {
			st->refs[i] = st->refs[--st->nrefs];
			return 0;
		}
	return verr(e, -EFAULT, "verifier bug: a node handed over holds no reference");
}

void graph_node_reg(struct reg *r, const struct graph_field *g, bool non_own)
{
	reg_mark_not_init(r);
	r->type = PTR_TO_OBJ;
	r->off = (int32_t)g->node_off;
	r->aux = g->obj_size;
	r->btf_id = g->obj_type_id;
	r->var = scalar_const(0);
	r->flags = non_own ? REG_NON_OWN : 0;
}

/* Unlocking ends every non-owning reference (Linux's invalidate_non_owning_refs). */
void graph_unlock(struct venv *e)
{
	for_each_reg(e->cur, r, {
		if (r->type == PTR_TO_OBJ && (r->flags & REG_NON_OWN)) {
			if (e->allow_ptr_leaks)
				reg_mark_unknown(r);
			else
				reg_mark_not_init(r);
		}
	});
}

int graph_obj_lock(struct venv *e, int regno)
{
	const struct reg *r = vreg(e->cur, regno);
	int64_t off = r->off + (int64_t)r->var.var_off.value;
	int64_t at = member_off(e->in->btf, r->btf_id, "bpf_spin_lock", -1);
	int err;

	if ((err = obj_arg_off(e, r)))
		return err;
	if (at < 0)
		return verr(e, -EINVAL, "local 'kptr' has no valid bpf_spin_lock");
	if (off != at)
		return verr(e, -EINVAL, "off %lld doesn't point to 'struct bpf_spin_lock' that is at %lld",
			    (long long)off, (long long)at);
	return verr(e, -EOPNOTSUPP, "exbpf: a bpf_spin_lock in an allocated object is not supported");
}

bool graph_obj_refcounted(const struct exbpf_btf *btf, uint32_t obj)
{
	return member_off(btf, obj, "bpf_refcount", -1) >= 0;
}

/* Loads and stores may not touch the special members of an allocated object (the nodes a
 * collection links through). */
int graph_obj_access(struct venv *e, const struct reg *r, int64_t off, int size)
{
	const struct exbpf_btf *btf = e->in->btf;
	const struct btf_type *t = btf && r->btf_id ? exbpf_btf__skip_mods(btf, r->btf_id, NULL) : NULL;

	for (uint16_t i = 0; t && exbpf_btf_kind(t) == BTF_KIND_STRUCT && i < exbpf_btf_vlen(t); i++) {
		uint32_t mid = exbpf_btf_members(t)[i].type;
		const struct btf_type *m = exbpf_btf__skip_mods(btf, mid, NULL);
		const char *n = m ? exbpf_btf__name_by_offset(btf, m->name_off) : NULL;
		int64_t moff = exbpf_btf_member_bit_offset(t, i) / 8;
		int64_t msz = exbpf_btf__resolve_size(btf, mid);

		if (!n || (strcmp(n, "bpf_list_node") && strcmp(n, "bpf_rb_node") &&
			   strcmp(n, "bpf_list_head") && strcmp(n, "bpf_rb_root") &&
			   strcmp(n, "bpf_spin_lock") && strcmp(n, "bpf_refcount")))
			continue;
		if (off < moff + msz && moff < off + size)
			return verr(e, -EACCES, "direct access to %s is disallowed", n);
	}
	return 0;
}

/* bpf_kptr_xchg's field: a referenced kptr of a map value at a constant offset (Linux's
 * process_kptr_func). */
int check_kptr_arg(struct venv *e, int regno, const struct kptr_field **out)
{
	const struct reg *r = vreg(e->cur, regno);
	const struct verifier_map *mp;
	int64_t off;
	char t[32];

	if (r->type != PTR_TO_MAP_VALUE || (r->flags & REG_MAYBE_NULL))
		return verr(e, -EACCES, "R%d type=%s expected=map_value", regno, reg_type_str(r, t, sizeof(t)));
	if (!scalar_is_const(&r->var))
		return verr(e, -EINVAL, "R%d doesn't have constant offset. kptr has to be at the constant offset",
			    regno);
	mp = &e->in->maps[r->aux];
	if (!mp->nkptrs)
		return verr(e, -EINVAL, "R%d has no valid kptr", regno);
	off = r->off + (int64_t)r->var.var_off.value;
	for (uint32_t i = 0; i < mp->nkptrs; i++)
		if (mp->kptrs[i].off == off) {
			*out = &mp->kptrs[i];
			return 0;
		}
	return verr(e, -EACCES, "off=%lld doesn't point to kptr", (long long)off);
}

/* What is stored into the field: an owned object of the field's type, itself (Linux's
 * map_kptr_match_type and the release argument's checks). */
int check_kptr_obj(struct venv *e, int regno, const struct kptr_field *k)
{
	const struct reg *r = vreg(e->cur, regno);
	char t[32];

	if (!k)
		return verr(e, -EFAULT, "verifier bug: a kptr object without its field");
	if (r->type != PTR_TO_OBJ || (r->flags & REG_MAYBE_NULL) || r->btf_id != k->type_id) {
		const char *tn = r->type == PTR_TO_OBJ && r->btf_id ? exbpf_btf__type_name(e->in->btf, r->btf_id)
								     : "";

		return verr(e, -EACCES, "invalid kptr access, R%d type=%s%s expected=ptr_%s", regno,
			    reg_type_str(r, t, sizeof(t)), tn ? tn : "", k->name ? k->name : "");
	}
	if (r->off || !scalar_is_const(&r->var) || r->var.var_off.value)
		return verr(e, -EACCES, "R%d must have zero offset when passed to release func or trusted arg to kfunc",
			    regno);
	if (!r->ref_obj_id)
		return verr(e, -EINVAL, "R%d must be referenced when passed to release function", regno);
	return 0;
}

/* Loads and stores that touch a kptr field: stores never (only bpf_kptr_xchg exchanges it);
 * loads are refused too, unlike Linux, which reads it as an RCU-protected pointer: the
 * runtime frees an object when it is dropped, so a reader racing with a bpf_kptr_xchg and a
 * drop elsewhere would read freed memory. */
int check_kptr_access(struct venv *e, const struct verifier_map *m, int64_t off, int64_t size, bool write)
{
	for (uint32_t i = 0; m && i < m->nkptrs; i++) {
		if (!(off < (int64_t)m->kptrs[i].off + 8 && (int64_t)m->kptrs[i].off < off + size))
			continue;
		if (write)
			return verr(e, -EACCES, "store to referenced kptr disallowed");
		return verr(e, -EACCES,
			    "exbpf: kptr at off=%u is read only through bpf_kptr_xchg (a direct load could "
			    "race with its object's release)",
			    m->kptrs[i].off);
	}
	return 0;
}
