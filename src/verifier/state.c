#include "verifier/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reg_mark_not_init(struct reg *r)
{
	memset(r, 0, sizeof(*r));
	r->var = scalar_unknown();
}

void reg_mark_unknown(struct reg *r)
{
	reg_mark_not_init(r);
	r->type = SCALAR_VALUE;
}

void reg_mark_const(struct reg *r, uint64_t v)
{
	reg_mark_not_init(r);
	r->type = SCALAR_VALUE;
	r->var = scalar_const(v);
}

bool reg_is_pointer(const struct reg *r) { return r->type != NOT_INIT && r->type != SCALAR_VALUE; }

bool reg_is_const(const struct reg *r, uint64_t v)
{
	return r->type == SCALAR_VALUE && tnum_equals_const(r->var.var_off, v);
}

const char *reg_type_name(uint8_t type, uint8_t flags, char *buf, size_t size)
{
	static const char *const base[] = {
	    [NOT_INIT] = "?",		  [SCALAR_VALUE] = "scalar",
	    [PTR_TO_CTX] = "ctx",	  [CONST_PTR_TO_MAP] = "map_ptr",
	    [PTR_TO_MAP_VALUE] = "map_value", [PTR_TO_MAP_KEY] = "map_key",
	    [PTR_TO_STACK] = "fp",	  [PTR_TO_PACKET_META] = "pkt_meta",
	    [PTR_TO_PACKET] = "pkt",	  [PTR_TO_PACKET_END] = "pkt_end",
	    [PTR_TO_MEM] = "mem",	  [PTR_TO_FUNC] = "func",
	    [PTR_TO_OBJ] = "ptr_",	  [CONST_PTR_TO_DYNPTR] = "dynptr_ptr",
	};
	const char *prefix = "";

	if (flags & REG_RDONLY)
		prefix = "rdonly_";
	else if (flags & REG_RINGBUF)
		prefix = "ringbuf_";
	/* Linux puts a kernel-typed pointer's null mark before the type's name. */
	if (type == PTR_TO_OBJ)
		snprintf(buf, size, "%sptr_%s", prefix, flags & REG_MAYBE_NULL ? "or_null_" : "");
	else
		snprintf(buf, size, "%s%s%s", prefix,
			 type < sizeof(base) / sizeof(base[0]) ? base[type] : "?",
			 flags & REG_MAYBE_NULL ? "_or_null" : "");
	return buf;
}

const char *reg_type_str(const struct reg *r, char *buf, size_t size)
{
	return reg_type_name(r->type, r->flags, buf, size);
}

struct vframe *vframe_new(uint32_t frameno, int32_t callsite, uint32_t subprog)
{
	struct vframe *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	for (int i = 0; i < V_NREGS; i++)
		reg_mark_not_init(&f->regs[i]);
	f->frameno = frameno;
	f->callsite = callsite;
	f->subprog = subprog;
	f->cb_helper_insn = -1;
	return f;
}

void vframe_free(struct vframe *f)
{
	if (!f)
		return;
	free(f->slots);
	free(f);
}

int vframe_grow(struct vframe *f, uint32_t bytes)
{
	uint32_t n = (bytes + V_REG_SIZE - 1) / V_REG_SIZE;
	struct vslot *s;

	if (n <= f->nslots)
		return 0;
	s = realloc(f->slots, n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + f->nslots, 0, (n - f->nslots) * sizeof(*s));
	f->slots = s;
	f->nslots = n;
	return 0;
}

static struct vframe *vframe_copy(const struct vframe *f)
{
	struct vframe *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *f;
	c->slots = NULL;
	if (f->nslots) {
		c->slots = malloc(f->nslots * sizeof(*c->slots));
		if (!c->slots) {
			free(c);
			return NULL;
		}
		memcpy(c->slots, f->slots, f->nslots * sizeof(*c->slots));
	}
	return c;
}

struct vstate *vstate_new(void) { return calloc(1, sizeof(struct vstate)); }

void vstate_free(struct vstate *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i <= s->curframe && i < V_MAX_FRAMES; i++)
		vframe_free(s->frames[i]);
	free(s);
}

struct vstate *vstate_copy(const struct vstate *s)
{
	struct vstate *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *s;
	memset(c->frames, 0, sizeof(c->frames));
	for (uint32_t i = 0; i <= s->curframe; i++) {
		c->frames[i] = vframe_copy(s->frames[i]);
		if (!c->frames[i]) {
			c->curframe = i ? i - 1 : 0;
			vstate_free(c);
			return NULL;
		}
	}
	return c;
}
