/* Loads, stores and atomics: every access through a typed pointer checked against its region
 * (Linux's check_mem_access and friends), the stack tracked per byte with spilled registers
 * kept whole. */
#include <stdio.h>
#include <string.h>

#include <stddef.h>

#include "verifier/vpriv.h"

enum { ACC_READ, ACC_WRITE, ACC_HELPER };

static const char *extra(int how)
{
	return how == ACC_READ ? " read from" : how == ACC_WRITE ? " write to" : " indirect access to";
}

static uint32_t map_value_size(const struct venv *e, const struct reg *r)
{
	return r->aux < e->in->nmaps ? e->in->maps[r->aux].value_size : 0;
}

/* __check_mem_access(): [off, off + size) inside [0, mem_size). */
static int mem_in(struct venv *e, int regno, const struct reg *r, int64_t off, int64_t size,
		  uint32_t mem_size, bool zero_ok)
{
	if (off >= 0 && (size > 0 || (zero_ok && size == 0)) && (uint64_t)off + (uint64_t)size <= mem_size)
		return 0;
	switch (r->type) {
	case PTR_TO_MAP_KEY:
		return verr(e, -EACCES, "invalid access to map key, key_size=%u off=%lld size=%lld",
			    mem_size, (long long)off, (long long)size);
	case PTR_TO_MAP_VALUE:
		return verr(e, -EACCES, "invalid access to map value, value_size=%u off=%lld size=%lld",
			    mem_size, (long long)off, (long long)size);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
	case PTR_TO_PACKET_END:
		return verr(e, -EACCES, "invalid access to packet, off=%lld size=%lld, R%d(id=%u,off=%lld,r=%u)",
			    (long long)off, (long long)size, regno, r->id, (long long)off, r->range);
	default:
		return verr(e, -EACCES, "invalid access to memory, mem_size=%u off=%lld size=%lld", mem_size,
			    (long long)off, (long long)size);
	}
}

/* check_mem_region_access(): a fixed offset plus the pointer's variable part. */
static int region_access(struct venv *e, int regno, const struct reg *r, int64_t off, int64_t size,
			 uint32_t mem_size, bool zero_ok)
{
	const struct scalar *v = &r->var;

	if (v->smin < 0 && (v->smin == INT64_MIN || off + v->smin != (int32_t)(off + v->smin) ||
			    v->smin + off < 0))
		return verr(e, -EACCES, "R%d min value is negative, either use unsigned index or do a "
					"if (index >=0) check.",
			    regno);
	if (mem_in(e, regno, r, v->smin + off, size, mem_size, zero_ok)) {
		log_printf(e->in->log, "R%d min value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	if (v->umax >= (uint64_t)V_MAX_VAR_OFF)
		return verr(e, -EACCES, "R%d unbounded memory access, make sure to bounds check any "
					"such access",
			    regno);
	if (mem_in(e, regno, r, (int64_t)v->umax + off, size, mem_size, zero_ok)) {
		log_printf(e->in->log, "R%d max value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	return 0;
}

int check_map_value_range(struct venv *e, int regno, const struct reg *r)
{
	return region_access(e, regno, r, r->off, 1, map_value_size(e, r), false);
}

static int packet_access(struct venv *e, int regno, const struct reg *r, int64_t off, int64_t size,
			 bool zero_ok)
{
	if (r->var.smin < 0)
		return verr(e, -EACCES, "R%d min value is negative, either use unsigned index or do a "
					"if (index >=0) check.",
			    regno);
	if (mem_in(e, regno, r, off, size, r->range, zero_ok)) {
		log_printf(e->in->log, "R%d offset is outside of the packet\n", regno);
		return -EACCES;
	}
	return 0;
}

bool may_write_packet(uint32_t prog_type)
{
	return prog_type == BPF_PROG_TYPE_SCHED_CLS || prog_type == BPF_PROG_TYPE_SCHED_ACT ||
	       prog_type == BPF_PROG_TYPE_XDP;
}

/* ---- The stack. */

static struct vframe *stack_frame(struct venv *e, const struct reg *r)
{
	return e->cur->frames[r->frameno];
}

static void note_depth(struct venv *e, const struct vframe *f, int64_t min_off)
{
	uint32_t d = (uint32_t)-min_off;

	if (d > e->stack_depth[f->subprog])
		e->stack_depth[f->subprog] = d;
}

/* check_stack_access_within_bounds(): [min, max) of the access inside the 512 bytes. */
static int stack_bounds(struct venv *e, int regno, const struct reg *r, int64_t off, int64_t size,
			int how, bool zero_ok, int64_t *min_off, int64_t *max_off)
{
	char tn[48];

	if (scalar_is_const(&r->var)) {
		*min_off = (int64_t)r->var.var_off.value + off;
		*max_off = *min_off + size;
	} else {
		if (r->var.smax >= V_MAX_VAR_OFF || r->var.smin <= -V_MAX_VAR_OFF) {
			tnum_snprint(tn, sizeof(tn), r->var.var_off);
			return verr(e, -EACCES, "invalid unbounded variable-offset%s stack R%d", extra(how),
				    regno);
		}
		*min_off = r->var.smin + off;
		*max_off = r->var.smax + off + size;
	}
	/* The first byte must be in the stack even when none is accessed (Linux's
	 * check_stack_slot_within_bounds()): a zero-sized access at fp+0 is out. */
	if (*min_off < -V_STACK_SIZE || *min_off > -1 || *max_off > 0 || size < 0 ||
	    (size == 0 && !zero_ok)) {
		if (scalar_is_const(&r->var))
			return verr(e, -EACCES, "invalid%s stack R%d off=%lld size=%lld", extra(how), regno,
				    (long long)*min_off, (long long)size);
		tnum_snprint(tn, sizeof(tn), r->var.var_off);
		return verr(e, -EACCES, "invalid variable-offset%s stack R%d var_off=%s off=%lld size=%lld",
			    extra(how), regno, tn, (long long)off, (long long)size);
	}
	return 0;
}

static uint8_t *byte_type(struct vframe *f, int64_t byte_off, struct vslot **slot)
{
	int64_t pos = -byte_off - 1; /* bytes below fp, from 0 */
	uint32_t i = (uint32_t)(pos / V_REG_SIZE);

	*slot = &f->slots[i];
	return &f->slots[i].type[V_REG_SIZE - 1 - pos % V_REG_SIZE];
}

/* A write into some bytes of a spilled register's slot leaves scalar bytes in the rest; into
 * an iterator's, it overwrites the iterator (Linux scrubs such a slot: the iterator is gone,
 * its reference stays held). */
static void break_spill(struct vslot *s)
{
	for (int b = 0; b < V_REG_SIZE; b++)
		if (s->type[b] == STACK_ITER)
			s->type[b] = STACK_MISC;
	if (s->type[0] != STACK_SPILL && s->type[V_REG_SIZE - 1] != STACK_SPILL)
		return;
	for (int b = 0; b < V_REG_SIZE; b++)
		if (s->type[b] == STACK_SPILL)
			s->type[b] = STACK_MISC;
}

/* Marks [min, max) as written with unknown (or zero) data. */
static int stack_mark(struct venv *e, struct vframe *f, int64_t min_off, int64_t max_off, uint8_t t)
{
	if (vframe_grow(f, (uint32_t)-min_off))
		return -ENOMEM;
	for (int64_t o = min_off; o < max_off; o++) {
		struct vslot *s;
		uint8_t *bt = byte_type(f, o, &s);

		break_spill(s);
		*bt = t;
	}
	return 0;
}

/* Bits the scalar's unsigned maximum needs (Linux's get_reg_width()). */
static int reg_width(const struct reg *r)
{
	return r->var.umax ? 64 - __builtin_clzll(r->var.umax) : 0;
}

static int stack_write(struct venv *e, int regno, const struct reg *r, int64_t off, int size,
		       const struct reg *val)
{
	struct vframe *f = stack_frame(e, r);
	int64_t min_off, max_off;
	int err = stack_bounds(e, regno, r, off, size, ACC_WRITE, false, &min_off, &max_off);

	if (err)
		return err;
	note_depth(e, f, min_off);
	/* A store into a dynptr's bytes ends it (and is refused for a referenced one). */
	for (int64_t o = min_off; o < max_off; o++)
		if ((o == min_off || !((-o) % V_REG_SIZE)) &&
		    (err = dynptr_overwrite(e, f, (-o - 1) / V_REG_SIZE)))
			return err;
	if (!scalar_is_const(&r->var))
		return stack_mark(e, f, min_off, max_off, STACK_MISC);
	/* Part of a spilled pointer overwritten: its other bytes would leak (Linux:
	 * check_stack_write_fixed_off). */
	if (!e->allow_ptr_leaks && size != V_REG_SIZE &&
	    (uint32_t)-min_off <= f->nslots * V_REG_SIZE) {
		const struct vslot *s = &f->slots[(-min_off - 1) / V_REG_SIZE];

		for (int b = 0; b < V_REG_SIZE; b++)
			if (s->type[b] == STACK_SPILL && s->spill.type != SCALAR_VALUE)
				return verr(e, -EACCES, "attempt to corrupt spilled pointer on stack");
	}
	if (val && reg_is_pointer(val) && size != V_REG_SIZE)
		return verr(e, -EACCES, "invalid size of register spill");
	/* The callee's frame dies at its exit: a pointer to it must not outlive it. Linux keeps
	 * every stack pointer out of a caller's frame, whichever frame it points to. */
	if (val && val->type == PTR_TO_STACK && r->frameno != e->cur->curframe)
		return verr(e, -EINVAL, "cannot spill pointers to stack into stack frame of the caller");
	if (vframe_grow(f, (uint32_t)-min_off))
		return -ENOMEM;
	/* Linux spills narrower scalars (and BPF_ST immediates) at a slot's start only for
	 * privileged programs. */
	if (!(min_off % V_REG_SIZE) && val &&
	    (size == V_REG_SIZE || (val->type == SCALAR_VALUE && e->allow_ptr_leaks))) {
		struct vslot *s = &f->slots[(-min_off) / V_REG_SIZE - 1];

		/* A register spill, or a narrower scalar one at the slot's start (Linux tracks
		 * those too): the rest of the slot holds some bytes. */
		break_spill(s);
		for (int b = 0; b < V_REG_SIZE; b++)
			if (b < size)
				s->type[b] = STACK_SPILL;
			else if (s->type[b] == STACK_SPILL)
				s->type[b] = STACK_MISC;
		s->spill = *val;
		/* A narrower spill keeps the link only when the value fits it. */
		if (size < V_REG_SIZE && reg_width(val) > 8 * size) {
			/* The narrowed value is no longer the register's: no link survives. */
			s->spill.var = scalar_zext(val->var, (unsigned)size);
			s->spill.id = 0;
			s->spill.off = 0;
		}
		return 0;
	}
	return stack_mark(e, f, min_off, max_off,
			  val && reg_is_const(val, 0) ? STACK_ZERO : STACK_MISC);
}

int64_t stack_obj_slot(const struct venv *e, const struct reg *r, const char *kind,
		       uint32_t nslots, char *why, size_t n)
{
	int64_t off, i;

	if (!scalar_is_const(&r->var)) {
		snprintf(why, n, "%s has to be at a constant offset", kind);
		return -EINVAL;
	}
	off = r->off + (int64_t)r->var.var_off.value;
	i = (-off - 1) / V_REG_SIZE;
	if (off % V_REG_SIZE || i + 1 < (int64_t)nslots) {
		snprintf(why, n, "cannot pass in %s at an offset=%lld", kind, (long long)off);
		return -EINVAL;
	}
	if ((uint64_t)i >= e->cur->frames[r->frameno]->nslots)
		return -ERANGE;
	return i;
}

int stack_write_unknown(struct venv *e, int regno, int64_t off, int size)
{
	const struct reg *r = vreg(e->cur, regno);

	return stack_write(e, regno, r, r->off + off, size, NULL);
}

static int stack_read(struct venv *e, int regno, const struct reg *r, int64_t off, int size,
		      struct reg *out, int how)
{
	struct vframe *f = stack_frame(e, r);
	int64_t min_off, max_off;
	bool zero = true;
	int err = stack_bounds(e, regno, r, off, size, how, false, &min_off, &max_off);

	if (err)
		return err;
	note_depth(e, f, min_off);
	if (scalar_is_const(&r->var) && !(min_off % V_REG_SIZE) && (uint32_t)-min_off <= f->nslots * V_REG_SIZE) {
		struct vslot *s = &f->slots[(-min_off) / V_REG_SIZE - 1];
		int spilled = 0;

		while (spilled < V_REG_SIZE && s->type[spilled] == STACK_SPILL)
			spilled++;
		if (spilled && size <= spilled) {
			if (s->spill.type != SCALAR_VALUE && how == ACC_HELPER && !e->allow_ptr_leaks)
				return verr(e, -EACCES, "invalid read from stack R%d off %lld+0 size %d",
					    regno, (long long)min_off, size);
			if (s->spill.type != SCALAR_VALUE) {
				if (size != V_REG_SIZE && out)
					return verr(e, -EACCES, "invalid size of register fill");
				if (out)
					*out = s->spill;
				return 0;
			}
			if (out) {
				*out = s->spill;
				if (size < spilled) {
					out->var = scalar_zext(s->spill.var, (unsigned)size);
					out->id = 0;
				}
			}
			return 0;
		}
	}
	for (int64_t o = min_off; o < max_off; o++) {
		struct vslot *s;
		uint8_t t;

		if ((uint32_t)(-o) > f->nslots * V_REG_SIZE) {
			t = STACK_INVALID;
		} else {
			t = *byte_type(f, o, &s);
			if (t == STACK_SPILL && !(s->spill.type == SCALAR_VALUE && reg_is_const(&s->spill, 0)))
				zero = false;
			/* A helper given a spilled pointer's bytes would read the address. */
			if (t == STACK_SPILL && how == ACC_HELPER && !e->allow_ptr_leaks &&
			    s->spill.type != SCALAR_VALUE)
				return verr(e, -EACCES, "invalid read from stack R%d off %lld+%lld size %d",
					    regno, (long long)min_off, (long long)(o - min_off), size);
		}
		if (t == STACK_ITER) {
			/* An iterator's state is not data (Linux: nor for a helper). */
			if (how == ACC_HELPER)
				return verr(e, -EACCES, "invalid read from stack R%d off %lld+%lld size %d",
					    regno, (long long)min_off, (long long)(o - min_off), size);
			return verr(e, -EACCES, "invalid read from stack off %lld+%lld size %d",
				    (long long)min_off, (long long)(o - min_off), size);
		}
		if (t == STACK_INVALID || t == STACK_DYNPTR) {
			if (!e->allow_uninit_stack || t == STACK_DYNPTR) {
				if (how == ACC_HELPER)
					return verr(e, -EACCES, "invalid read from stack R%d off %lld+%lld size %d",
						    regno, (long long)min_off, (long long)(o - min_off), size);
				return verr(e, -EACCES, "invalid read from stack off %lld+%lld size %d",
					    (long long)min_off, (long long)(o - min_off), size);
			}
			zero = false;
		} else if (t == STACK_MISC) {
			zero = false;
		}
	}
	if (out) {
		if (zero && scalar_is_const(&r->var))
			reg_mark_const(out, 0);
		else {
			reg_mark_unknown(out);
			out->var = scalar_zext(scalar_unknown(), (unsigned)size);
		}
	}
	return 0;
}

/* ---- The context. */

/* A context pointer (or a global function's dynptr) is dereferenced, or passed, only as the
 * program got it: Linux checks a negative fixed offset first, then any other fixed offset,
 * then a variable one (its __check_ptr_off_reg()). */
int check_ptr_unmodified(struct venv *e, int regno, const struct reg *r)
{
	char tn[48], t[32];

	reg_type_str(r, t, sizeof(t));
	if (r->off < 0)
		return verr(e, -EACCES, "negative offset %s ptr R%d off=%d disallowed", t, regno, r->off);
	if (r->off)
		return verr(e, -EACCES, "dereference of modified %s ptr R%d off=%d disallowed", t, regno,
			    r->off);
	if (!scalar_is_const(&r->var) || r->var.var_off.value) {
		tnum_snprint(tn, sizeof(tn), r->var.var_off);
		return verr(e, -EACCES, "variable %s access var_off=%s disallowed", t, tn);
	}
	return 0;
}

static int ctx_access(struct venv *e, int regno, const struct reg *r, int off, int size, bool write,
		      struct reg *out, bool sx)
{
	enum verifier_ctx_kind k;

	int err = check_ptr_unmodified(e, regno, r);

	if (err)
		return err;
	k = off < 0 || !e->in->ctx_access ? VCTX_DENY
					  : e->in->ctx_access(e->in->ctx, (uint32_t)off, (uint32_t)size, write);
	/* cgroup skb programs reach the packet, and write tstamp, only with CAP_BPF
	 * (cg_skb_is_valid_access). */
	if (e->in->unpriv && e->in->prog_type == BPF_PROG_TYPE_CGROUP_SKB &&
	    (k == VCTX_PKT_DATA || k == VCTX_PKT_END ||
	     (write && off < (int)(offsetof(struct __sk_buff, tstamp) + 8) &&
	      off + size > (int)offsetof(struct __sk_buff, tstamp))))
		k = VCTX_DENY;
	/* A pointer field cannot be loaded sign-extended. */
	if (k == VCTX_DENY || (write && k != VCTX_SCALAR) || (sx && k != VCTX_SCALAR))
		return verr(e, -EACCES, "invalid bpf_context access off=%d size=%d", off, size);
	if (!out)
		return 0;
	reg_mark_not_init(out);
	switch (k) {
	case VCTX_PKT_DATA:
		out->type = PTR_TO_PACKET;
		break;
	case VCTX_PKT_END:
		out->type = PTR_TO_PACKET_END;
		break;
	case VCTX_PKT_META:
		out->type = PTR_TO_PACKET_META;
		break;
	default:
		out->type = SCALAR_VALUE;
		out->var = scalar_zext(scalar_unknown(), (unsigned)size);
		return 0;
	}
	out->var = scalar_const(0);
	return 0;
}

/* ---- Map values. */

static bool overlaps(int64_t a, int64_t asz, int64_t b, int64_t bsz)
{
	return a < b + bsz && b < a + asz;
}

static int map_value_access(struct venv *e, int regno, const struct reg *r, int64_t off, int size,
			    bool write, bool zero_ok, struct reg *out)
{
	const struct verifier_map *m = r->aux < e->in->nmaps ? &e->in->maps[r->aux] : NULL;
	uint32_t vs = m ? m->value_size : 0;
	int err;

	if (write && m && (m->map_flags & BPF_F_RDONLY_PROG))
		return verr(e, -EACCES, "write into map forbidden, value_size=%u off=%lld size=%d", vs,
			    (long long)off, size);
	if (!write && m && (m->map_flags & BPF_F_WRONLY_PROG))
		return verr(e, -EACCES, "read from map forbidden, value_size=%u off=%lld size=%d", vs,
			    (long long)off, size);
	err = region_access(e, regno, r, off, size, vs, zero_ok);
	if (err)
		return err;
	if (m && m->spin_lock_off >= 0 &&
	    overlaps(r->var.smin + off, (int64_t)(r->var.umax - (uint64_t)r->var.smin) + size,
		     m->spin_lock_off, 4))
		return verr(e, -EACCES, "bpf_spin_lock cannot be accessed directly by load/store");
	if (m && m->timer_off >= 0 &&
	    overlaps(r->var.smin + off, (int64_t)(r->var.umax - (uint64_t)r->var.smin) + size,
		     m->timer_off, 16))
		return verr(e, -EACCES, "bpf_timer cannot be accessed directly by load/store");
	if ((err = check_kptr_access(e, m, r->var.smin + off,
				     (int64_t)(r->var.umax - (uint64_t)r->var.smin) + size, write)))
		return err;
	for (uint32_t i = 0; m && i < m->ngraph; i++)
		if (overlaps(r->var.smin + off, (int64_t)(r->var.umax - (uint64_t)r->var.smin) + size,
			     m->graph[i].off, 16))
			return verr(e, -EACCES, "%s cannot be accessed directly by load/store",
				    m->graph[i].kind == GRAPH_LIST ? "bpf_list_head" : "bpf_rb_root");
	if (!out)
		return 0;
	reg_mark_unknown(out);
	out->var = scalar_zext(scalar_unknown(), (unsigned)size);
	/* A frozen read-only map's bytes are constants (Linux: bpf_map_direct_read). */
	if (m && m->frozen && (m->map_flags & BPF_F_RDONLY_PROG) && scalar_is_const(&r->var)) {
		int64_t at = (int64_t)r->var.var_off.value + off;
		uint64_t v = 0;

		memcpy(&v, m->frozen + at, (size_t)size);
		reg_mark_const(out, v);
	}
	return 0;
}

/* An allocated object is walked by its BTF, as Linux's check_ptr_to_btf_access(): no
 * negative or variable offset, its special members closed (btf_struct_access), nothing past
 * the struct (btf_struct_walk). */
static int obj_access(struct venv *e, int regno, const struct reg *r, int64_t off, int size)
{
	const char *tn = exbpf_btf__type_name(e->in->btf, r->btf_id);
	char vb[48];
	int err;

	tn = tn ? tn : "";
	if (off < 0)
		return verr(e, -EACCES, "R%d is ptr_%s invalid negative access: off=%lld", regno, tn,
			    (long long)off);
	if (!scalar_is_const(&r->var) || r->var.var_off.value) {
		tnum_snprint(vb, sizeof(vb), r->var.var_off);
		return verr(e, -EACCES, "R%d is ptr_%s invalid variable offset: off=%lld, var_off=%s",
			    regno, tn, (long long)off, vb);
	}
	if ((err = graph_obj_access(e, r, off, size)))
		return err;
	if (off + size > (int64_t)r->aux)
		return verr(e, -EACCES, "access beyond struct %s at off %lld size %d", tn, (long long)off,
			    size);
	return 0;
}

/* A load (out != NULL) or store (val: the stored value, NULL when unknown) of size bytes at
 * regno + off. sx: a sign-extending load. */
static int mem_access(struct venv *e, int regno, int16_t insn_off, int size, bool write,
		      const struct reg *val, int store_src, struct reg *out, bool sx)
{
	struct reg r = *vreg(e->cur, regno);
	int64_t off = (int64_t)r.off + insn_off;
	char t[32];
	int err = 0;
	/* An unprivileged program must not store a pointer anywhere but its stack (Linux's
	 * is_pointer_value() checks in check_mem_access, per region). */
	int leak = write && val && reg_is_pointer(val) && !e->allow_ptr_leaks ? store_src : -1;

	if (r.flags & REG_MAYBE_NULL)
		return verr(e, -EACCES, "R%d invalid mem access '%s'", regno, reg_type_str(&r, t, sizeof(t)));
	switch (r.type) {
	case PTR_TO_STACK: {
		/* Stack accesses are aligned whatever the program's flags, at a variable offset
		 * too (every offset it may take). */
		if ((err = check_strict_alignment(e, regno, insn_off, size)))
			return err;
		err = write ? stack_write(e, regno, &r, off, size, val)
			    : stack_read(e, regno, &r, off, size, out, ACC_READ);
		break;
	}
	case PTR_TO_CTX:
		if (leak >= 0)
			return verr(e, -EACCES, "R%d leaks addr into ctx", leak);
		err = ctx_access(e, regno, &r, (int)off, size, write, out, sx);
		break;
	case PTR_TO_MAP_VALUE:
		if (leak >= 0)
			return verr(e, -EACCES, "R%d leaks addr into map", leak);
		err = map_value_access(e, regno, &r, off, size, write, false, out);
		break;
	case PTR_TO_MAP_KEY:
		if (write)
			return verr(e, -EACCES, "write to change key R%d not allowed", regno);
		err = region_access(e, regno, &r, off, size,
				    r.aux < e->in->nmaps ? e->in->maps[r.aux].key_size : 0, false);
		goto unknown;
	case PTR_TO_MEM:
	case PTR_TO_OBJ:
		if (write && (r.flags & REG_RDONLY))
			return verr(e, -EACCES, "R%d cannot write into %s", regno, reg_type_str(&r, t, sizeof(t)));
		if (leak >= 0)
			return verr(e, -EACCES, "R%d leaks addr into mem", leak);
		/* An object without a type (an iterator's next value) is plain memory. */
		err = r.type == PTR_TO_OBJ && r.btf_id ? obj_access(e, regno, &r, off, size)
						       : region_access(e, regno, &r, off, size, r.aux, false);
		goto unknown;
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (write && !may_write_packet(e->in->prog_type))
			return verr(e, -EACCES, "cannot write into packet");
		if (leak >= 0)
			return verr(e, -EACCES, "R%d leaks addr into packet", leak);
		err = packet_access(e, regno, &r, off, size, false);
		goto unknown;
	default:
		return verr(e, -EACCES, "R%d invalid mem access '%s'", regno, reg_type_str(&r, t, sizeof(t)));
	}
	if (err || !out)
		return err;
	goto extend;
unknown:
	if (err || !out)
		return err;
	reg_mark_unknown(out);
	out->var = scalar_zext(scalar_unknown(), (unsigned)size);
extend:
	if (sx && out->type == SCALAR_VALUE)
		out->var = scalar_sext(out->var, (unsigned)size);
	else if (out->type == SCALAR_VALUE && size < 8)
		out->var = scalar_zext(out->var, (unsigned)size);
	(void)map_value_size;
	return 0;
}

static int size_of(const struct bpf_insn *insn)
{
	switch (BPF_SIZE(insn->code)) {
	case ISA_B: return 1;
	case ISA_H: return 2;
	case ISA_W: return 4;
	default: return 8;
	}
}

/* Records what the base register of this load or store points to; a context access is
 * rewritten for the engines, so the same instruction cannot also reach other memory. */
static int note_mem_kind(struct venv *e, enum reg_type base)
{
	uint8_t k = base == PTR_TO_CTX ? VERIFIER_MEM_CTX : VERIFIER_MEM_OTHER;
	uint8_t *prev = &e->res->insn_mem[vinsn(e)];

	if (*prev != VERIFIER_MEM_NONE && *prev != k)
		return verr(e, -EINVAL, "same insn cannot be used with different pointers");
	*prev = k;
	return 0;
}

int check_ldx(struct venv *e, const struct bpf_insn *insn)
{
	struct reg out;
	enum reg_type base;
	int err;

	if ((err = check_reg_init(e, insn->src_reg)))
		return err;
	if (insn->dst_reg == BPF_REG_10)
		return verr(e, -EACCES, "frame pointer is read only");
	reg_mark_unknown(&out);
	base = vreg(e->cur, insn->src_reg)->type;
	err = mem_access(e, insn->src_reg, insn->off, size_of(insn), false, NULL, -1, &out,
			 BPF_MODE(insn->code) == ISA_MEMSX);
	if (!err)
		err = note_mem_kind(e, base);
	if (!err)
		*vreg(e->cur, insn->dst_reg) = out;
	return err;
}

/* A scalar spilled to the start of a stack slot stays linked to its register, so that a bound
 * learned on either holds for both: Linux gives the register an id first when the value fits
 * the store (assign_scalar_id_before_mov() in check_stack_write_fixed_off()). */
static void link_spill(struct venv *e, const struct bpf_insn *insn, const struct reg *d,
		       struct reg *val)
{
	struct reg *src = vreg(e->cur, insn->src_reg);
	int64_t at;

	if (d->type != PTR_TO_STACK || !scalar_is_const(&d->var) || val->type != SCALAR_VALUE ||
	    !e->allow_ptr_leaks || val->id || scalar_is_const(&val->var))
		return;
	at = (int64_t)d->var.var_off.value + d->off + insn->off;
	if (at % V_REG_SIZE || reg_width(val) > 8 * size_of(insn))
		return;
	src->id = val->id = vnew_id(e);
}

int check_store(struct venv *e, const struct bpf_insn *insn)
{
	struct reg *d = vreg(e->cur, insn->dst_reg), val;
	enum reg_type base;
	int err;

	if ((err = check_reg_init(e, insn->dst_reg)))
		return err;
	if (BPF_CLASS(insn->code) == ISA_ST) {
		reg_mark_const(&val, (uint64_t)(int64_t)insn->imm);
	} else {
		if ((err = check_reg_init(e, insn->src_reg)))
			return err;
		val = *vreg(e->cur, insn->src_reg);
		link_spill(e, insn, d, &val);
	}
	base = d->type;
	err = mem_access(e, insn->dst_reg, insn->off, size_of(insn), true, &val,
			 BPF_CLASS(insn->code) == ISA_ST ? -1 : insn->src_reg, NULL, false);
	return err ? err : note_mem_kind(e, base);
}

/* Memory Linux's atomic loads and stores may not touch: the context and packets, whose
 * accesses are rewritten or bounds-checked per plain load and store (atomic_ptr_type_ok()). */
static int atomic_target_ok(struct venv *e, const struct reg *r, int regno, const char *what)
{
	char t[32];

	if (r->type != PTR_TO_CTX && r->type != PTR_TO_PACKET && r->type != PTR_TO_PACKET_META)
		return 0;
	return verr(e, -EACCES, "BPF_ATOMIC %s R%d %s is not allowed", what, regno,
		    reg_type_str(r, t, sizeof(t)));
}

/* A load-acquire is a load aligned to its size; the pointer's type is judged as it was
 * before the load, which may overwrite it (dst == src). */
static int check_load_acquire(struct venv *e, const struct bpf_insn *insn)
{
	struct reg src, out;
	int err;

	if ((err = check_reg_init(e, insn->src_reg)))
		return err;
	if (insn->dst_reg == BPF_REG_10)
		return verr(e, -EACCES, "frame pointer is read only");
	if ((err = check_strict_alignment(e, insn->src_reg, insn->off, size_of(insn))))
		return err;
	src = *vreg(e->cur, insn->src_reg);
	reg_mark_unknown(&out);
	err = mem_access(e, insn->src_reg, insn->off, size_of(insn), false, NULL, -1, &out, false);
	if (!err)
		err = atomic_target_ok(e, &src, insn->src_reg, "loads from");
	if (!err)
		err = note_mem_kind(e, src.type);
	if (!err)
		*vreg(e->cur, insn->dst_reg) = out;
	return err;
}

/* A store-release is a store aligned to its size. */
static int check_store_release(struct venv *e, const struct bpf_insn *insn)
{
	int err;

	if ((err = check_reg_init(e, insn->dst_reg)))
		return err;
	if ((err = check_strict_alignment(e, insn->dst_reg, insn->off, size_of(insn))))
		return err;
	if ((err = check_store(e, insn)))
		return err;
	return atomic_target_ok(e, vreg(e->cur, insn->dst_reg), insn->dst_reg, "stores into");
}

int check_atomic(struct venv *e, const struct bpf_insn *insn)
{
	int size = size_of(insn);
	struct reg *d, old;
	int err;
	int32_t op = insn->imm;
	bool fetch = op & ISA_FETCH;

	if (op == ISA_LOAD_ACQ)
		return check_load_acquire(e, insn);
	if (op == ISA_STORE_REL)
		return check_store_release(e, insn);
	switch (op & ~ISA_FETCH) {
	case BPF_ADD:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
		break;
	default:
		if (op != ISA_XCHG && op != ISA_CMPXCHG)
			return verr(e, -EINVAL, "BPF_ATOMIC uses invalid atomic opcode %02x", op);
	}
	if (size != 4 && size != 8)
		return verr(e, -EINVAL, "invalid atomic operand size");
	if ((err = check_reg_init(e, insn->src_reg)) || (err = check_reg_init(e, insn->dst_reg)))
		return err;
	if (op == ISA_CMPXCHG && (err = check_reg_init(e, BPF_REG_0)))
		return err;
	if (op == ISA_CMPXCHG && reg_is_pointer(vreg(e->cur, BPF_REG_0)) && !e->allow_ptr_leaks)
		return verr(e, -EACCES, "R0 leaks addr into mem");
	if (reg_is_pointer(vreg(e->cur, insn->src_reg)) && !e->allow_ptr_leaks)
		return verr(e, -EACCES, "R%d leaks addr into mem", insn->src_reg);
	d = vreg(e->cur, insn->dst_reg);
	if ((err = atomic_target_ok(e, d, insn->dst_reg, "stores into")))
		return err;
	/* Atomic accesses are aligned whatever the program's flags. */
	if ((err = check_strict_alignment(e, insn->dst_reg, insn->off, size)))
		return err;
	reg_mark_unknown(&old);
	err = mem_access(e, insn->dst_reg, insn->off, size, false, NULL, -1, &old, false);
	if (!err) {
		struct reg v;

		reg_mark_unknown(&v);
		err = mem_access(e, insn->dst_reg, insn->off, size, true, &v, -1, NULL, false);
	}
	if (err)
		return err;
	if (fetch) {
		struct reg *dst = vreg(e->cur, op == ISA_CMPXCHG ? BPF_REG_0 : insn->src_reg);

		if (reg_is_pointer(&old) && size == 8)
			*dst = old;
		else {
			reg_mark_unknown(dst);
			dst->var = scalar_zext(scalar_unknown(), (unsigned)size);
		}
	}
	return 0;
}

int check_ld_imm64(struct venv *e, const struct bpf_insn *insn)
{
	struct reg *d = vreg(e->cur, insn->dst_reg);
	uint32_t idx = (uint32_t)insn->imm;

	if (insn->dst_reg == BPF_REG_10)
		return verr(e, -EACCES, "frame pointer is read only");
	switch (insn->src_reg) {
	case 0:
		reg_mark_const(d, (uint64_t)(uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32);
		return 0;
	case ISA_PSEUDO_MAP_IDX:
	case ISA_PSEUDO_MAP_IDX_VALUE:
		if (idx >= e->in->nmaps)
			return verr(e, -EINVAL, "fd %d is not pointing to valid bpf_map", insn->imm);
		reg_mark_not_init(d);
		d->aux = idx;
		d->var = scalar_const(0);
		if (insn->src_reg == ISA_PSEUDO_MAP_IDX) {
			d->type = CONST_PTR_TO_MAP;
			return 0;
		}
		if ((uint32_t)insn[1].imm >= e->in->maps[idx].value_size)
			return verr(e, -EINVAL, "invalid access to map value pointer, value_size=%u off=%u",
				    e->in->maps[idx].value_size, (uint32_t)insn[1].imm);
		d->type = PTR_TO_MAP_VALUE;
		d->off = insn[1].imm;
		return 0;
	case ISA_PSEUDO_FUNC: {
		int sub = cfg_find_subprog(&e->cfg, (uint32_t)((int64_t)vinsn(e) + insn->imm + 1));

		if (sub < 0)
			return verr(e, -EINVAL, "missing subprog");
		reg_mark_not_init(d);
		d->type = PTR_TO_FUNC;
		d->aux = (uint32_t)sub;
		d->var = scalar_const(0);
		return 0;
	}
	case ISA_PSEUDO_MAP_FD:
	case ISA_PSEUDO_MAP_VALUE:
		/* The loader turns every relocated map reference into an index: a file
		 * descriptor left in the instruction names no map of this object. */
		return verr(e, -EINVAL, "fd %d is not pointing to valid bpf_map", insn->imm);
	default:
		return verr(e, -EINVAL, "exbpf: lddw with src %d (ksym variables) is not supported",
			    insn->src_reg);
	}
}

int check_ld_abs(struct venv *e, const struct bpf_insn *insn)
{
	uint32_t t = e->in->prog_type;
	struct vframe *f = vcur(e->cur);
	int size = size_of(insn);
	int err;

	if (t != BPF_PROG_TYPE_SOCKET_FILTER && t != BPF_PROG_TYPE_SCHED_CLS &&
	    t != BPF_PROG_TYPE_SCHED_ACT)
		return verr(e, -EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
	/* That hidden exit returns an integer: the function must return one. */
	if (f->subprog && !sub_returns_int(e, f->subprog))
		return verr(e, -EINVAL, "LD_ABS is only allowed in functions that return 'int'");
	if (e->cur->nrefs) {
		for (uint32_t i = 0; i < e->cur->nrefs; i++)
			if (e->cur->refs[i].kind == REF_LOCK)
				return verr(e, -EINVAL, "BPF_LD_[ABS|IND] cannot be used inside "
							"bpf_spin_lock-ed region");
		return verr(e, -EINVAL, "BPF_LD_[ABS|IND] cannot be mixed with socket references");
	}
	if ((err = check_reg_init(e, BPF_REG_6)))
		return err;
	if (BPF_MODE(insn->code) == ISA_IND && (err = check_reg_init(e, insn->src_reg)))
		return err;
	if (f->regs[BPF_REG_6].type != PTR_TO_CTX)
		return verr(e, -EINVAL, "at least one arg reg=6 expected to be ctx");
	for (int r = BPF_REG_1; r <= BPF_REG_5; r++)
		reg_mark_not_init(&f->regs[r]);
	reg_mark_unknown(&f->regs[BPF_REG_0]);
	f->regs[BPF_REG_0].var = scalar_zext(scalar_unknown(), (unsigned)size);
	if (e->cur->curframe == 0) {
		e->cur->insn_idx++;
		return 0;
	}
	/* A load outside the packet returns 0 from the function the instruction is in (the
	 * engines' hidden exit, Linux's too): the load's result goes on as a branch, this
	 * path returns. */
	if (!push_branch(e, e->cur->insn_idx + 1))
		return e->failed ? e->res->err : -ENOMEM;
	reg_mark_const(&f->regs[BPF_REG_0], 0);
	bool end = false;

	return check_exit(e, &end);
}

/* ---- Memory a helper reads or writes (check_helper_mem_access). */
int check_helper_mem(struct venv *e, int regno, int64_t size, bool write, bool zero_ok, bool raw_uninit)
{
	struct reg r = *vreg(e->cur, regno);
	int64_t off = r.off;
	char t[32];

	switch (r.type) {
	case PTR_TO_STACK: {
		struct vframe *f = stack_frame(e, &r);
		int64_t min_off, max_off;
		int err;

		/* A map's zero-sized key (a ring buffer's, say) read from the stack. */
		if (size == 0 && !zero_ok)
			return verr(e, -EACCES, "invalid zero-sized read");
		err = stack_bounds(e, regno, &r, off, size, write || raw_uninit ? ACC_WRITE : ACC_READ,
				   true, &min_off, &max_off);
		if (err)
			return err;
		if (size == 0)
			return 0;
		note_depth(e, f, min_off);
		if ((raw_uninit || write) && (err = dynptr_helper_write(e, f, min_off, max_off)))
			return err;
		if (raw_uninit || write)
			return stack_mark(e, f, min_off, max_off, STACK_MISC);
		return stack_read(e, regno, &r, off, (int)size, NULL, ACC_HELPER);
	}
	case PTR_TO_MAP_VALUE:
		return map_value_access(e, regno, &r, off, (int)size, write, zero_ok, NULL);
	case PTR_TO_MAP_KEY:
		return region_access(e, regno, &r, off, size,
				     r.aux < e->in->nmaps ? e->in->maps[r.aux].key_size : 0, zero_ok);
	case PTR_TO_MEM:
	case PTR_TO_OBJ:
		return region_access(e, regno, &r, off, size, r.aux, zero_ok);
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (write && !may_write_packet(e->in->prog_type))
			return verr(e, -EACCES, "cannot write into packet");
		return packet_access(e, regno, &r, off, size, zero_ok);
	default:
		return verr(e, -EACCES, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem, "
					"ringbuf_mem, buf, trusted_ptr_",
			    regno, reg_type_str(&r, t, sizeof(t)));
	}
}

/* An access Linux requires aligned to its size whatever the program's flags (an atomic
 * operation, the long or int a helper writes): its check_ptr_alignment() in strict mode. */
int check_strict_alignment(struct venv *e, int regno, int off, int size)
{
	const struct reg *r = vreg(e->cur, regno);
	const char *desc = "";
	char tn[48];
	int ip_align = 0;
	uint64_t bits;

	switch (r->type) {
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		ip_align = 2; /* NET_IP_ALIGN */
		break;
	case PTR_TO_MAP_KEY:
		desc = "key ";
		break;
	case PTR_TO_CTX:
		desc = "context ";
		break;
	case PTR_TO_MAP_VALUE:
		desc = "value ";
		break;
	case PTR_TO_STACK:
		desc = "stack ";
		break;
	default:
		break;
	}
	bits = (r->var.var_off.value + (uint64_t)(int64_t)(ip_align + r->off + off)) |
	       r->var.var_off.mask;
	if (size <= 1 || !(bits & (uint64_t)(size - 1)))
		return 0;
	if (scalar_is_const(&r->var))
		snprintf(tn, sizeof(tn), "%lld", (long long)r->var.var_off.value);
	else
		tnum_snprint(tn, sizeof(tn), r->var.var_off);
	if (ip_align)
		return verr(e, -EACCES, "misaligned packet access off %d+%s+%d+%d size %d", ip_align,
			    tn, r->off, off, size);
	return verr(e, -EACCES, "misaligned %saccess off %s+%d+%d size %d", desc, tn, r->off, off,
		    size);
}

/* The constant a helper would read at the stack pointer in regno (a map key): a spilled
 * constant at a slot's start or zeroed bytes. */
bool stack_const(struct venv *e, int regno, int size, uint64_t *val)
{
	const struct reg *r = vreg(e->cur, regno);
	const struct vframe *f;
	int64_t at;

	if (r->type != PTR_TO_STACK || !scalar_is_const(&r->var))
		return false;
	f = e->cur->frames[r->frameno];
	at = (int64_t)r->var.var_off.value + r->off;
	if (at >= 0 || at < -V_STACK_SIZE || (uint64_t)-at > f->nslots * V_REG_SIZE)
		return false;
	const struct vslot *s = &f->slots[(-at - 1) / V_REG_SIZE];
	int first = (int)(V_REG_SIZE - 1 - (-at - 1) % V_REG_SIZE), spilled = 0;
	bool zero = first + size <= V_REG_SIZE;

	/* Zeroed bytes anywhere in the slot; a scalar spill of exactly the key's size at its
	 * start (Linux's get_constant_map_key). */
	for (int b = first; zero && b < first + size; b++)
		zero = s->type[b] == STACK_ZERO;
	if (zero) {
		*val = 0;
		return true;
	}
	while (first == 0 && spilled < V_REG_SIZE && s->type[spilled] == STACK_SPILL)
		spilled++;
	if (spilled == size && s->spill.type == SCALAR_VALUE && scalar_is_const(&s->spill.var)) {
		*val = s->spill.var.var_off.value & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1);
		return true;
	}
	return false;
}
