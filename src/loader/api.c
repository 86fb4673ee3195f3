/* The public getters of include/exbpf/object.h, and closing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "loader/loader.h"

void exbpf_object__close(struct exbpf_object *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->nprogs; i++) {
		struct exbpf_prog *p = &obj->progs[i];

		free(p->insns);
		free(p->link_msg);
		free(p->funcs);
		free(p->lines);
		free(p->annots);
		free(p->poisons);
	}
	for (size_t i = 0; i < obj->ncodes; i++) {
		free(obj->codes[i].relos);
		free(obj->codes[i].insns);
	}
	for (size_t i = 0; i < obj->npoisons; i++)
		free(obj->poisons[i].msg);
	free(obj->poisons);
	for (size_t i = 0; i < obj->nmaps; i++)
		free(obj->maps[i].init);
	free(obj->progs);
	free(obj->codes);
	free(obj->funcs);
	free(obj->maps);
	free(obj->externs);
	btf_ext_free(obj->btf_ext);
	exbpf_btf__free(obj->btf);
	elf_file_close(&obj->elf);
	free(obj);
}

const char *exbpf_object__name(const struct exbpf_object *obj)
{
	return obj->name;
}

const struct exbpf_btf *exbpf_object__btf(const struct exbpf_object *obj)
{
	return obj->btf;
}

struct exbpf_prog *exbpf_object__next_program(const struct exbpf_object *obj,
					      const struct exbpf_prog *prev)
{
	size_t next = prev ? prev->index + 1 : 0;

	return next < obj->nprogs ? &obj->progs[next] : NULL;
}

struct exbpf_prog *exbpf_object__find_program_by_name(const struct exbpf_object *obj,
						      const char *name)
{
	for (size_t i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->funcs[obj->progs[i].func].name, name))
			return &obj->progs[i];
	return NULL;
}

const char *exbpf_prog__name(const struct exbpf_prog *prog)
{
	return prog->obj->funcs[prog->func].name;
}

const char *exbpf_prog__section_name(const struct exbpf_prog *prog)
{
	return prog->sec_name;
}

size_t exbpf_prog__index(const struct exbpf_prog *prog)
{
	return prog->index;
}

uint32_t exbpf_prog__type(const struct exbpf_prog *prog)
{
	return prog->type;
}

uint32_t exbpf_prog__expected_attach_type(const struct exbpf_prog *prog)
{
	return prog->attach_type;
}

bool exbpf_prog__autoload(const struct exbpf_prog *prog)
{
	return prog->autoload;
}

const struct exbpf_object *exbpf_prog__object(const struct exbpf_prog *prog)
{
	return prog->obj;
}

int exbpf_prog__insns(const struct exbpf_prog *prog, const struct bpf_insn **out_insns,
		      size_t *out_cnt)
{
	if (prog->link_err) {
		*out_insns = NULL;
		*out_cnt = 0;
		return prog->link_err;
	}
	*out_insns = prog->insns;
	*out_cnt = prog->cnt;
	return 0;
}

const char *exbpf_prog__link_error(const struct exbpf_prog *prog)
{
	return prog->link_err ? prog->link_msg : NULL;
}

const char *exbpf_prog__exception_cb(const struct exbpf_prog *prog)
{
	return prog->exc_cb;
}

int64_t exbpf_prog__exception_cb_insn(const struct exbpf_prog *prog)
{
	return prog->exc_cb_insn;
}

size_t exbpf_prog__func_count(const struct exbpf_prog *prog)
{
	return prog->nfuncs;
}

int exbpf_prog__func(const struct exbpf_prog *prog, size_t i, struct exbpf_func_info *out)
{
	if (i >= prog->nfuncs)
		return -ENOENT;
	*out = prog->funcs[i];
	return 0;
}

int exbpf_prog__line(const struct exbpf_prog *prog, size_t insn_idx, struct exbpf_line_info *out)
{
	const struct ld_line *best = NULL;
	size_t lo = 0, hi = prog->nlines;

	if (insn_idx >= prog->cnt)
		return -ENOENT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prog->lines[mid].insn <= insn_idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		best = &prog->lines[lo - 1];
	for (size_t i = 0; best && i < prog->nfuncs; i++) {
		const struct exbpf_func_info *f = &prog->funcs[i];

		/* A line record never describes code of another function. */
		if (insn_idx >= f->insn_off && insn_idx < f->insn_off + f->insn_cnt &&
		    best->insn < f->insn_off)
			best = NULL;
	}
	if (!best)
		return -ENOENT;
	*out = (struct exbpf_line_info){
		.file = best->file ? best->file : "",
		.line = best->line,
		.col = best->col,
		.text = best->text ? best->text : "",
	};
	return 0;
}

const char *exbpf_prog__insn_poison(const struct exbpf_prog *prog, size_t insn_idx)
{
	for (size_t i = 0; i < prog->npoisons; i++)
		if (prog->poisons[i].insn == insn_idx)
			return prog->poisons[i].text;
	return NULL;
}

#define ANNOT_PREFIX "comment:"

static int collect_annots(struct exbpf_prog *prog)
{
	const struct exbpf_btf *btf = prog->obj->btf;
	uint32_t fid = prog->obj->funcs[prog->func].btf_id;
	size_t cap = 0;

	for (uint32_t id = 1; btf && fid && id < exbpf_btf__type_cnt(btf); id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(btf, id);
		const char *v = exbpf_btf__name_by_offset(btf, t->name_off);

		if (exbpf_btf_kind(t) != BTF_KIND_DECL_TAG || t->type != fid ||
		    exbpf_btf_decl_tag(t)->component_idx != -1 || !v ||
		    strncmp(v, ANNOT_PREFIX, strlen(ANNOT_PREFIX)))
			continue;
		if (ARRAY_RESERVE(prog->annots, cap, prog->nannots + 1))
			return -ENOMEM;
		prog->annots[prog->nannots++] = v + strlen(ANNOT_PREFIX);
	}
	return 0;
}

size_t exbpf_prog__annotation_count(const struct exbpf_prog *prog)
{
	return prog->nannots;
}

const char *exbpf_prog__annotation(const struct exbpf_prog *prog, size_t i)
{
	return i < prog->nannots ? prog->annots[i] : NULL;
}

int ld_prog_annotations(struct exbpf_prog *prog)
{
	return collect_annots(prog);
}

struct exbpf_map_spec *exbpf_object__next_map(const struct exbpf_object *obj,
					 const struct exbpf_map_spec *prev)
{
	size_t next = prev ? prev->index + 1 : 0;

	return next < obj->nmaps ? &obj->maps[next] : NULL;
}

struct exbpf_map_spec *exbpf_object__find_map_by_name(const struct exbpf_object *obj,
						 const char *name)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		if (!strcmp(obj->maps[i].def.name, name))
			return &obj->maps[i];
	return NULL;
}

const struct exbpf_map_def *exbpf_map_spec__def(const struct exbpf_map_spec *map)
{
	return &map->def;
}

size_t exbpf_map_spec__index(const struct exbpf_map_spec *map)
{
	return map->index;
}

size_t exbpf_object__extern_count(const struct exbpf_object *obj)
{
	return obj->nexterns;
}

int exbpf_object__extern(const struct exbpf_object *obj, size_t i, struct exbpf_extern_info *out)
{
	const struct ld_extern *e;

	if (i >= obj->nexterns)
		return -ENOENT;
	e = &obj->externs[i];
	*out = (struct exbpf_extern_info){
		.name = e->name,
		.btf_func_proto_id = e->proto_id,
		.weak = e->weak,
		.is_func = e->is_func,
	};
	return 0;
}
