/* The verifier log in Linux's notation: instructions as the disassembler writes them, source
 * lines from BTF, register state as `R1=ctx() R2=scalar(smin=...) R10=fp0`. */
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "verifier/vpriv.h"

int vlog_reg(char *buf, size_t size, const struct reg *r, const struct verifier_map *maps,
	     size_t nmaps)
{
	char t[32], ranges[256];
	int n;

	if (r->type == SCALAR_VALUE) {
		if (scalar_is_const(&r->var) && !r->id)
			return scalar_snprint(buf, size, &r->var);
		scalar_snprint_ranges(ranges, sizeof(ranges), &r->var);
		if (r->id)
			return snprintf(buf, size, "scalar(id=%u%s%s)", r->id, ranges[0] ? "," : "", ranges);
		return snprintf(buf, size, "scalar(%s)", ranges);
	}
	if (r->type == PTR_TO_STACK && scalar_is_const(&r->var))
		return snprintf(buf, size, "fp%lld", (long long)r->off + (long long)r->var.var_off.value);
	reg_type_str(r, t, sizeof(t));
	n = snprintf(buf, size, "%s(", t);
	if (r->id && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "id=%u,", r->id);
	if (r->ref_obj_id && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "ref_obj_id=%u,", r->ref_obj_id);
	if ((r->type == PTR_TO_MAP_VALUE || r->type == CONST_PTR_TO_MAP || r->type == PTR_TO_MAP_KEY) &&
	    (size_t)n < size && maps && r->aux < nmaps)
		n += snprintf(buf + n, size - (size_t)n, "map=%s,ks=%u,vs=%u,",
			      maps[r->aux].name ? maps[r->aux].name : "", maps[r->aux].key_size,
			      maps[r->aux].value_size);
	if (r->off && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "off=%d,", r->off);
	if ((r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META) && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "r=%u,", r->range);
	if ((r->type == PTR_TO_MEM || r->type == PTR_TO_OBJ) && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "sz=%u,", r->aux);
	if (!scalar_is_const(&r->var) && (size_t)n < size) {
		scalar_snprint_ranges(ranges, sizeof(ranges), &r->var);
		n += snprintf(buf + n, size - (size_t)n, "%s,", ranges);
	}
	if ((size_t)n < size && buf[n - 1] == ',')
		n--;
	if ((size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ")");
	return n;
}

void vlog_state(struct venv *e, const struct vstate *st, bool all)
{
	char b[384];

	(void)all;
	for (uint32_t fi = 0; fi <= st->curframe; fi++) {
		const struct vframe *f = st->frames[fi];

		if (st->curframe)
			log_printf(e->in->log, "%sframe%u:", fi ? " " : "", fi);
		for (int r = 0; r < V_NREGS; r++) {
			if (f->regs[r].type == NOT_INIT)
				continue;
			vlog_reg(b, sizeof(b), &f->regs[r], e->in->maps, e->in->nmaps);
			log_printf(e->in->log, " R%d=%s", r, b);
		}
		for (uint32_t i = 0; i < f->nslots; i++) {
			const struct vslot *s = &f->slots[i];
			char types[V_REG_SIZE + 1];
			bool any = false;

			if (s->type[0] == STACK_SPILL) {
				vlog_reg(b, sizeof(b), &s->spill, e->in->maps, e->in->nmaps);
				log_printf(e->in->log, " fp%d=%s", -(int)(i + 1) * V_REG_SIZE, b);
				continue;
			}
			for (int k = 0; k < V_REG_SIZE; k++) {
				static const char c[] = {'?', 'r', 'm', '0'};

				types[V_REG_SIZE - 1 - k] = c[s->type[k] & 3];
				any |= s->type[k] != STACK_INVALID;
			}
			types[V_REG_SIZE] = 0;
			if (any)
				log_printf(e->in->log, " fp%d=%s", -(int)(i + 1) * V_REG_SIZE, types);
		}
	}
	log_printf(e->in->log, "\n");
}

static const char *kfunc_name(void *ctx, int32_t idx)
{
	const struct venv *e = ctx;
	const struct verifier_func *f = e->in->kfunc ? e->in->kfunc(e->in->ctx, idx) : NULL;

	return f ? f->name : NULL;
}

/* The source line when it changes, then the instruction (without a newline when the walk
 * will append what it changed). */
static void insn_text(struct venv *e, uint32_t idx, bool newline)
{
	const char *file = NULL, *text = NULL;
	uint32_t line = 0;
	char dis[128];

	if (e->in->line && e->in->line(e->in->ctx, idx, &file, &line, &text) && text &&
	    (line != e->last_line || text != e->last_text)) {
		log_printf(e->in->log, "; %s @ %s:%u\n", text, file ? file : "", line);
		e->last_line = line;
		e->last_text = text;
	}
	struct exbpf_disasm_opts o = {.sz = sizeof(o), .kfunc_name = kfunc_name, .ctx = e};

	isa_disasm(e->insns, e->cnt, idx, dis, sizeof(dis), &o);
	log_printf(e->in->log, "%u: (%02x) %s%s", idx, e->insns[idx].code, dis, newline ? "\n" : "");
	e->col = (uint32_t)snprintf(NULL, 0, "%u: (%02x) %s", idx, e->insns[idx].code, dis);
}

void vlog_insn(struct venv *e, uint32_t idx) { insn_text(e, idx, true); }

void vlog_step_begin(struct venv *e, uint32_t idx)
{
	const struct vframe *f = vcur(e->cur);

	insn_text(e, idx, false);
	e->mid_line = true;
	e->before_frame = e->cur->curframe;
	memcpy(e->before, f->regs, sizeof(e->before));
}

/* Linux's level-1 layout: "N: (op) insn   ; R0=... R1=..." with the registers it wrote. */
void vlog_step_end(struct venv *e, bool path_end)
{
	const struct vframe *f;
	char b[384];
	bool any = false;

	e->mid_line = false;
	if (path_end || !e->cur || e->cur->curframe != e->before_frame) {
		log_printf(e->in->log, "\n");
		return;
	}
	f = vcur(e->cur);
	for (int r = 0; r < V_NREGS; r++) {
		if (!memcmp(&f->regs[r], &e->before[r], sizeof(f->regs[r])) || f->regs[r].type == NOT_INIT)
			continue;
		if (!any) {
			/* Linux's bpf_vlog_alignment(): the ';' in the column before a multiple of
			 * 8, at least 38 and 4 past the instruction's newline. */
			int col = (int)e->col, end = col + 5 > 40 ? col + 5 : 40;

			log_printf(e->in->log, "%*s; ", ((end + 7) & ~7) - col - 2, "");
		}
		vlog_reg(b, sizeof(b), &f->regs[r], e->in->maps, e->in->nmaps);
		log_printf(e->in->log, "%sR%d=%s", any ? " " : "", r, b);
		any = true;
	}
	log_printf(e->in->log, "\n");
}
