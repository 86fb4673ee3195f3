/* clang leaves DATASEC sizes and variable offsets at 0 in .BTF; the ELF symbol table has the
 * real values. Like libbpf (btf_fixup_datasec), the loader writes them in before anything
 * reads the BTF: the patched blob is parsed and validated again from scratch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

/* Value of the data symbol `name` defined in section `sec`, or -1. */
static int64_t sym_value(const struct elf_file *ef, uint32_t sec, const char *name)
{
	for (size_t i = 1; i < ef->nsyms; i++) {
		const GElf_Sym *s = &ef->syms[i];

		if (s->st_shndx == sec && GELF_ST_TYPE(s->st_info) == STT_OBJECT &&
		    !strcmp(elf_sym_name(ef, s), name))
			return (int64_t)s->st_value;
	}
	return -1;
}

static int fix_datasec(struct exbpf_object *obj, uint32_t id, struct btf_type *t,
		       struct log *log)
{
	const struct exbpf_btf *btf = obj->btf;
	const char *name = exbpf_btf__name_by_offset(btf, t->name_off);
	struct btf_var_secinfo *vi = (struct btf_var_secinfo *)(t + 1);
	uint32_t sec;

	if (!strcmp(name, ".ksyms") || !strcmp(name, ".kconfig"))
		return 0;
	sec = elf_find_sec(&obj->elf, name);
	if (!sec) {
		log_printf(log, "BTF DATASEC [%u] '%s': no ELF section of that name\n", id, name);
		return -ENOENT;
	}
	if (obj->elf.secs[sec].size > UINT32_MAX) {
		log_printf(log, "BTF DATASEC [%u] '%s': section too large\n", id, name);
		return -E2BIG;
	}
	t->size = (uint32_t)obj->elf.secs[sec].size;
	for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
		const char *var = exbpf_btf__type_name(btf, vi[i].type);
		int64_t off = var ? sym_value(&obj->elf, sec, var) : -1;

		if (off < 0 || (uint64_t)off > t->size || vi[i].size > t->size - (uint64_t)off) {
			log_printf(log, "failed to find symbol for variable '%s' in section '%s'\n",
				   var ? var : "?", name);
			return -ENOENT;
		}
		vi[i].offset = (uint32_t)off;
	}
	return 0;
}

int ld_fixup_btf(struct exbpf_object *obj, struct log *log)
{
	size_t size;
	const uint8_t *raw = exbpf_btf__raw_data(obj->btf, &size);
	uint8_t *copy;
	struct exbpf_btf *fixed;
	bool changed = false;
	int err = 0;

	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, raw, size);
	for (uint32_t id = 1; id < exbpf_btf__type_cnt(obj->btf) && !err; id++) {
		const struct btf_type *t = exbpf_btf__type_by_id(obj->btf, id);

		if (exbpf_btf_kind(t) != BTF_KIND_DATASEC)
			continue;
		err = fix_datasec(obj, id, (struct btf_type *)(copy + ((const uint8_t *)t - raw)), log);
		changed = true;
	}
	if (!err && changed) {
		char sub[512];

		err = exbpf_btf__parse(copy, size, &fixed, sub, sizeof(sub));
		if (err) {
			log_printf(log, ".BTF after DATASEC fix-up: %s\n", sub);
		} else {
			exbpf_btf__free(obj->btf);
			obj->btf = fixed;
		}
	}
	free(copy);
	return err;
}
