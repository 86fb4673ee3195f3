/* Maps of an object: BTF-defined maps in .maps (libbpf's __uint/__type/__array encoding) and
 * one single-entry array per global-data section, in libbpf's order (.maps first). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "loader/loader.h"

#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE (1U << 10)
#endif

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Global data sections: .data, .rodata, .bss and their dotted variants. */
static bool is_data_sec(const struct elf_sec *s, bool *rodata)
{
	if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR) || s->size == 0)
		return false;
	*rodata = !strcmp(s->name, ".rodata") || has_prefix(s->name, ".rodata.");
	if (s->type == SHT_NOBITS)
		return !strcmp(s->name, ".bss") || has_prefix(s->name, ".bss.");
	return s->type == SHT_PROGBITS &&
	       (*rodata || !strcmp(s->name, ".data") || has_prefix(s->name, ".data."));
}

static struct exbpf_map_spec *new_map(struct exbpf_object *obj, size_t *cap)
{
	struct exbpf_map_spec *m;

	if (ARRAY_RESERVE(obj->maps, *cap, obj->nmaps + 1))
		return NULL;
	m = &obj->maps[obj->nmaps];
	*m = (struct exbpf_map_spec){.obj = obj, .index = obj->nmaps};
	obj->nmaps++;
	return m;
}

struct map_parse {
	const struct exbpf_object *obj;
	const char *name;
	struct log *log;
};

/* __uint(name, N) is `int (*name)[N]`. */
static int member_uint(struct map_parse *p, const struct btf_member *m, const char *field,
		       uint32_t *out)
{
	const struct btf_type *t = exbpf_btf__skip_mods(p->obj->btf, m->type, NULL);

	if (t && exbpf_btf_kind(t) == BTF_KIND_PTR)
		t = exbpf_btf__skip_mods(p->obj->btf, t->type, NULL);
	if (!t || exbpf_btf_kind(t) != BTF_KIND_ARRAY) {
		log_printf(p->log, "map '%s': attr '%s': expected __uint() (a pointer to an array)\n",
			   p->name, field);
		return -EINVAL;
	}
	*out = exbpf_btf_array(t)->nelems;
	return 0;
}

/* __type(name, T) is `typeof(T) *name`: the size and id of T. */
static int member_type(struct map_parse *p, const struct btf_member *m, const char *field,
		       uint32_t *size, uint32_t *id)
{
	const struct btf_type *t = exbpf_btf__skip_mods(p->obj->btf, m->type, NULL);
	int64_t sz;

	if (!t || exbpf_btf_kind(t) != BTF_KIND_PTR) {
		log_printf(p->log, "map '%s': %s spec is not PTR\n", p->name, field);
		return -EINVAL;
	}
	sz = exbpf_btf__resolve_size(p->obj->btf, t->type);
	if (sz < 0 || sz > UINT32_MAX) {
		log_printf(p->log, "map '%s': can't determine %s size for type [%u]\n", p->name,
			   field, t->type);
		return -EINVAL;
	}
	if (*size && *size != (uint32_t)sz) {
		log_printf(p->log, "map '%s': conflicting %s size %u != %lld\n", p->name, field,
			   *size, (long long)sz);
		return -EINVAL;
	}
	*size = (uint32_t)sz;
	*id = t->type;
	return 0;
}

static int set_size(struct map_parse *p, const struct btf_member *m, const char *field,
		    uint32_t *size)
{
	uint32_t v;
	int err = member_uint(p, m, field, &v);

	if (err)
		return err;
	if (*size && *size != v) {
		log_printf(p->log, "map '%s': conflicting %s %u != %u\n", p->name, field, *size, v);
		return -EINVAL;
	}
	*size = v;
	return 0;
}

static int parse_member(struct map_parse *p, struct exbpf_map_spec *map, const struct btf_type *st,
			uint16_t i)
{
	const struct btf_member *m = &exbpf_btf_members(st)[i];
	const char *f = exbpf_btf__name_by_offset(p->obj->btf, m->name_off);
	struct exbpf_map_def *d = &map->def;
	uint32_t ignored;

	if (!f || !f[0]) {
		log_printf(p->log, "map '%s': invalid field #%u\n", p->name, i);
		return -EINVAL;
	}
	if (!strcmp(f, "type"))
		return member_uint(p, m, f, &d->type);
	if (!strcmp(f, "max_entries"))
		return member_uint(p, m, f, &d->max_entries);
	if (!strcmp(f, "map_flags"))
		return member_uint(p, m, f, &d->map_flags);
	if (!strcmp(f, "numa_node") || !strcmp(f, "map_extra") || !strcmp(f, "pinning"))
		return member_uint(p, m, f, &ignored);
	if (!strcmp(f, "key_size"))
		return set_size(p, m, f, &d->key_size);
	if (!strcmp(f, "value_size"))
		return set_size(p, m, f, &d->value_size);
	if (!strcmp(f, "key"))
		return member_type(p, m, f, &d->key_size, &d->btf_key_type_id);
	if (!strcmp(f, "value"))
		return member_type(p, m, f, &d->value_size, &d->btf_value_type_id);
	if (!strcmp(f, "values")) {
		map->values_off = exbpf_btf_member_bit_offset(st, i) / 8;
		return 0;
	}
	log_printf(p->log, "map '%s': unknown field '%s'.\n", p->name, f);
	return -ENOTSUP;
}

static int check_btf_map(struct map_parse *p, const struct exbpf_map_spec *map, bool has_values)
{
	uint32_t t = map->def.type;

	if (t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS) {
		log_printf(p->log, "map '%s': maps of maps (inner map definitions) are not "
				   "supported\n",
			   p->name);
		return -EOPNOTSUPP;
	}
	if (has_values && t != BPF_MAP_TYPE_PROG_ARRAY) {
		log_printf(p->log, "map '%s': should be map-in-map or prog-array to have 'values'\n",
			   p->name);
		return -EINVAL;
	}
	if (has_values && (map->def.key_size && map->def.key_size != 4)) {
		log_printf(p->log, "map '%s': prog array keys are 4 bytes\n", p->name);
		return -EINVAL;
	}
	return 0;
}

static int parse_btf_map(struct exbpf_object *obj, const struct btf_var_secinfo *vi,
			 size_t *cap, struct log *log)
{
	const struct btf_type *var = exbpf_btf__type_by_id(obj->btf, vi->type), *st;
	struct map_parse p = {obj, exbpf_btf__type_name(obj->btf, vi->type), log};
	struct exbpf_map_spec *map;
	bool has_values = false;
	int err;

	if (!var || exbpf_btf_kind(var) != BTF_KIND_VAR) {
		log_printf(log, "sec '.maps': entry [%u] is not a variable\n", vi->type);
		return -EINVAL;
	}
	st = exbpf_btf__skip_mods(obj->btf, var->type, NULL);
	if (!st || exbpf_btf_kind(st) != BTF_KIND_STRUCT) {
		log_printf(log, "map '%s': unexpected def kind, a struct is expected\n", p.name);
		return -EINVAL;
	}
	if ((uint64_t)vi->offset + vi->size > obj->elf.secs[obj->maps_sec].size) {
		log_printf(log, "map '%s': offset %u past the end of '.maps'\n", p.name, vi->offset);
		return -EINVAL;
	}
	map = new_map(obj, cap);
	if (!map)
		return -ENOMEM;
	map->def.name = p.name;
	map->sec = obj->maps_sec;
	map->sec_off = vi->offset;
	map->sec_size = vi->size;
	map->btf_var = vi->type;
	for (uint16_t i = 0; i < exbpf_btf_vlen(st); i++) {
		const char *f = exbpf_btf__name_by_offset(obj->btf, exbpf_btf_members(st)[i].name_off);

		has_values |= f && !strcmp(f, "values");
		err = parse_member(&p, map, st, i);
		if (err)
			return err;
	}
	if (has_values && !map->def.value_size)
		map->def.value_size = 4;
	if (has_values && !map->def.key_size)
		map->def.key_size = 4;
	return check_btf_map(&p, map, has_values);
}

static int collect_btf_maps(struct exbpf_object *obj, size_t *cap, struct log *log)
{
	int32_t ds;
	const struct btf_type *t;
	int err;

	obj->maps_sec = elf_find_sec(&obj->elf, ".maps");
	if (!obj->maps_sec)
		return 0;
	if (!obj->btf) {
		log_printf(log, "sec '.maps': BTF is required for BTF-defined maps\n");
		return -EINVAL;
	}
	ds = exbpf_btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
	if (ds <= 0) {
		log_printf(log, "DATASEC '.maps' not found in BTF\n");
		return -EINVAL;
	}
	t = exbpf_btf__type_by_id(obj->btf, (uint32_t)ds);
	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		err = parse_btf_map(obj, &exbpf_btf_var_secinfos(t)[i], cap, log);
		if (err)
			return err;
	}
	return 0;
}

static int add_data_map(struct exbpf_object *obj, uint32_t sec, bool rodata, size_t *cap,
			struct log *log)
{
	const struct elf_sec *s = &obj->elf.secs[sec];
	struct exbpf_map_spec *map;
	int32_t ds;

	if (s->size > UINT32_MAX) {
		log_printf(log, "sec '%s': %zu bytes of global data do not fit a map value\n",
			   s->name, s->size);
		return -E2BIG;
	}
	map = new_map(obj, cap);
	if (!map)
		return -ENOMEM;
	/* .bss has no bytes in the file (and may be large): it starts zeroed, no copy. */
	if (s->data) {
		map->init = malloc(s->size);
		if (!map->init)
			return -ENOMEM;
		memcpy(map->init, s->data, s->size);
	}
	ds = obj->btf ? exbpf_btf__find_by_name_kind(obj->btf, s->name, BTF_KIND_DATASEC) : -1;
	map->sec = sec;
	map->def = (struct exbpf_map_def){
		.name = s->name,
		.type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = (uint32_t)s->size,
		.max_entries = 1,
		.map_flags = (rodata ? BPF_F_RDONLY_PROG : 0) | BPF_F_MMAPABLE,
		.btf_value_type_id = ds > 0 ? (uint32_t)ds : 0,
		.initial_value = map->init,
		.initial_size = map->init ? s->size : 0,
		.global_data = true,
	};
	return 0;
}

int ld_collect_maps(struct exbpf_object *obj, struct log *log)
{
	size_t cap = 0;
	int err = collect_btf_maps(obj, &cap, log);

	for (uint32_t i = 1; i < obj->elf.nsecs && !err; i++) {
		bool rodata;

		if (is_data_sec(&obj->elf.secs[i], &rodata))
			err = add_data_map(obj, i, rodata, &cap, log);
	}
	return err;
}

int ld_data_map(const struct exbpf_object *obj, uint32_t sec)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i].def.global_data && obj->maps[i].sec == sec)
			return (int)i;
	return -1;
}

static int find_map_at(const struct exbpf_object *obj, uint64_t off)
{
	for (size_t i = 0; i < obj->nmaps; i++) {
		const struct exbpf_map_spec *m = &obj->maps[i];

		if (m->btf_var && off >= m->sec_off && off - m->sec_off < m->sec_size)
			return (int)i;
	}
	return -1;
}

static int prog_of_sym(const struct exbpf_object *obj, const GElf_Sym *sym)
{
	for (size_t i = 0; i < obj->nprogs; i++) {
		const struct ld_func *f = &obj->funcs[obj->progs[i].func];

		if (obj->codes[f->code].sec == sym->st_shndx && f->off * LD_INSN_SZ == sym->st_value)
			return (int)i;
	}
	return -1;
}

/* One `.values = { [i] = &prog }` slot of a declaratively filled prog array. */
static int fill_slot(struct exbpf_object *obj, const GElf_Rel *rel, struct log *log)
{
	const GElf_Sym *sym = &obj->elf.syms[GELF_R_SYM(rel->r_info)];
	const char *name = elf_sym_name(&obj->elf, sym);
	int mi = find_map_at(obj, rel->r_offset), pi;
	struct exbpf_map_spec *m;
	uint64_t slot;
	uint32_t *vals;

	if (rel->r_offset >= obj->elf.secs[obj->maps_sec].size)
		mi = -1;
	if (mi < 0) {
		log_printf(log, ".maps relo: no map at offset %llu for '%s'\n",
			   (unsigned long long)rel->r_offset, name);
		return -EINVAL;
	}
	m = &obj->maps[mi];
	if (m->def.type != BPF_MAP_TYPE_PROG_ARRAY || rel->r_offset < m->sec_off + m->values_off ||
	    (rel->r_offset - m->sec_off - m->values_off) % 8) {
		log_printf(log, "map '%s': .maps relo against '%s' is not a prog-array value slot\n",
			   m->def.name, name);
		return -EINVAL;
	}
	slot = (rel->r_offset - m->sec_off - m->values_off) / 8;
	pi = prog_of_sym(obj, sym);
	if (pi < 0 || slot >= m->def.max_entries) {
		log_printf(log, "map '%s': slot %llu: '%s' is not a program of this object, or the "
				"slot is past max_entries %u\n",
			   m->def.name, (unsigned long long)slot, name, m->def.max_entries);
		return -EINVAL;
	}
	if ((slot + 1) * 4 > m->def.initial_size) {
		size_t old = m->def.initial_size / 4;

		vals = realloc(m->init, (slot + 1) * 4);
		if (!vals)
			return -ENOMEM;
		for (size_t k = old; k <= slot; k++)
			vals[k] = UINT32_MAX;
		m->init = vals;
		m->def.initial_value = vals;
		m->def.initial_size = (slot + 1) * 4;
	}
	((uint32_t *)m->init)[slot] = (uint32_t)pi;
	return 0;
}

int ld_fill_prog_arrays(struct exbpf_object *obj, struct log *log)
{
	GElf_Rel *rels;
	size_t n;
	int err;

	if (!obj->maps_sec)
		return 0;
	err = elf_sec_relocs(&obj->elf, obj->maps_sec, &rels, &n, log);
	for (size_t i = 0; i < n && !err; i++)
		err = fill_slot(obj, &rels[i], log);
	free(rels);
	return err;
}
