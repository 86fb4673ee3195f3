#include "loader/elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libelf.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA ELFDATA2LSB
#else
#define HOST_ELFDATA ELFDATA2MSB
#endif

#ifndef EM_BPF
#define EM_BPF 247
#endif

static int elf_fail(struct log *log, const char *what)
{
	log_printf(log, "ELF: %s\n", what);
	return -EINVAL;
}

static int check_header(Elf *elf, struct log *log)
{
	GElf_Ehdr eh;

	if (elf_kind(elf) != ELF_K_ELF)
		return elf_fail(log, "not an ELF file");
	if (!gelf_getehdr(elf, &eh))
		return elf_fail(log, "truncated or unreadable ELF header");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return elf_fail(log, "not a 64-bit object (ELFCLASS64 expected)");
	if (eh.e_ident[EI_DATA] != HOST_ELFDATA)
		return elf_fail(log, "byte order differs from the host's (compile with -target bpf, "
				     "not bpfeb/bpfel of the other order)");
	if (eh.e_machine != EM_BPF) {
		log_printf(log, "ELF: machine %u is not BPF (EM_BPF = %u)\n", eh.e_machine, EM_BPF);
		return -EINVAL;
	}
	if (eh.e_type != ET_REL) {
		log_printf(log, "ELF: type %u is not a relocatable object (ET_REL)\n", eh.e_type);
		return -EINVAL;
	}
	return 0;
}

static int read_section(struct elf_file *ef, Elf_Scn *scn, size_t shstrndx, struct log *log)
{
	size_t idx = elf_ndxscn(scn);
	struct elf_sec *s = &ef->secs[idx];
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh)) {
		log_printf(log, "ELF: section %zu: unreadable header\n", idx);
		return -EINVAL;
	}
	s->name = elf_strptr(ef->elf, shstrndx, sh.sh_name);
	if (!s->name) {
		log_printf(log, "ELF: section %zu: name offset %u outside the section-name table\n",
			   idx, sh.sh_name);
		return -EINVAL;
	}
	s->type = sh.sh_type;
	s->flags = sh.sh_flags;
	s->link = sh.sh_link;
	s->info = sh.sh_info;
	s->size = sh.sh_size;
	if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
		return 0;
	if (sh.sh_offset > ef->image_size || sh.sh_size > ef->image_size - sh.sh_offset) {
		log_printf(log, "ELF: section %zu '%s': offset %llu + size %llu past the end of the "
				"file (%zu bytes)\n",
			   idx, s->name, (unsigned long long)sh.sh_offset,
			   (unsigned long long)sh.sh_size, ef->image_size);
		return -EINVAL;
	}
	s->data = (const uint8_t *)ef->image + sh.sh_offset;
	return 0;
}

static int read_symbols(struct elf_file *ef, uint32_t symtab_idx, struct log *log)
{
	const struct elf_sec *st = &ef->secs[symtab_idx];
	Elf_Data *data = elf_getdata(elf_getscn(ef->elf, symtab_idx), NULL);

	if (st->link == 0 || st->link >= ef->nsecs || ef->secs[st->link].type != SHT_STRTAB)
		return elf_fail(log, "symbol table does not link to a string table");
	ef->strtab_idx = st->link;
	if (!data || data->d_size != st->size || st->size % sizeof(Elf64_Sym))
		return elf_fail(log, "symbol table size is not a multiple of the symbol size");
	ef->nsyms = st->size / sizeof(Elf64_Sym);
	ef->syms = calloc(ef->nsyms ? ef->nsyms : 1, sizeof(*ef->syms));
	if (!ef->syms)
		return -ENOMEM;
	for (size_t i = 0; i < ef->nsyms; i++) {
		GElf_Sym *sym = &ef->syms[i];

		if (!gelf_getsym(data, (int)i, sym))
			return elf_fail(log, "unreadable symbol");
		if (!elf_strptr(ef->elf, ef->strtab_idx, sym->st_name)) {
			log_printf(log, "ELF: symbol %zu: name offset %u outside the string table\n",
				   i, sym->st_name);
			return -EINVAL;
		}
		if (sym->st_shndx != SHN_UNDEF && sym->st_shndx < SHN_LORESERVE &&
		    sym->st_shndx >= ef->nsecs) {
			log_printf(log, "ELF: symbol %zu '%s': section index %u out of range\n", i,
				   elf_sym_name(ef, sym), sym->st_shndx);
			return -EINVAL;
		}
	}
	return 0;
}

static int link_rel_sections(struct elf_file *ef, uint32_t symtab_idx, struct log *log)
{
	for (uint32_t i = 1; i < ef->nsecs; i++) {
		struct elf_sec *s = &ef->secs[i];

		if (s->type == SHT_RELA) {
			log_printf(log, "ELF: section '%s': RELA relocations are not used by BPF "
					"objects\n",
				   s->name);
			return -EINVAL;
		}
		if (s->type != SHT_REL)
			continue;
		if (s->info == 0 || s->info >= ef->nsecs || s->link != symtab_idx) {
			log_printf(log, "ELF: relocation section '%s' names section %u and symbol "
					"table %u, which do not exist\n",
				   s->name, s->info, s->link);
			return -EINVAL;
		}
		if (ef->secs[s->info].rel_idx) {
			log_printf(log, "ELF: section '%s' has two relocation sections\n",
				   ef->secs[s->info].name);
			return -EINVAL;
		}
		ef->secs[s->info].rel_idx = i;
	}
	return 0;
}

static int read_sections(struct elf_file *ef, struct log *log)
{
	size_t n, shstrndx;
	uint32_t symtab_idx = 0;
	int err;

	if (elf_getshdrnum(ef->elf, &n) || elf_getshdrstrndx(ef->elf, &shstrndx))
		return elf_fail(log, "unreadable section header table");
	if (n == 0 || shstrndx == 0 || shstrndx >= n)
		return elf_fail(log, "no section-name string table");
	ef->nsecs = n;
	ef->secs = calloc(n, sizeof(*ef->secs));
	if (!ef->secs)
		return -ENOMEM;
	ef->secs[0].name = "";
	for (Elf_Scn *scn = elf_nextscn(ef->elf, NULL); scn; scn = elf_nextscn(ef->elf, scn)) {
		size_t idx = elf_ndxscn(scn);

		if (idx == 0 || idx >= n)
			return elf_fail(log, "section index out of range");
		err = read_section(ef, scn, shstrndx, log);
		if (err)
			return err;
		if (ef->secs[idx].type == SHT_SYMTAB) {
			if (symtab_idx)
				return elf_fail(log, "more than one symbol table");
			symtab_idx = (uint32_t)idx;
		}
	}
	for (size_t i = 1; i < n; i++)
		if (!ef->secs[i].name)
			return elf_fail(log, "section header table has holes");
	if (!symtab_idx)
		return elf_fail(log, "no symbol table (was the object stripped?)");
	err = read_symbols(ef, symtab_idx, log);
	if (err)
		return err;
	return link_rel_sections(ef, symtab_idx, log);
}

int elf_file_open(struct elf_file *ef, const void *buf, size_t size, struct log *log)
{
	int err;

	memset(ef, 0, sizeof(*ef));
	if (!buf || size == 0)
		return elf_fail(log, "empty file");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(log, "libelf is too old");
	ef->image = malloc(size);
	if (!ef->image)
		return -ENOMEM;
	memcpy(ef->image, buf, size);
	ef->image_size = size;
	ef->elf = elf_memory(ef->image, size);
	if (!ef->elf) {
		log_printf(log, "ELF: %s\n", elf_errmsg(-1));
		err = -EINVAL;
		goto fail;
	}
	err = check_header(ef->elf, log);
	if (!err)
		err = read_sections(ef, log);
	if (!err)
		return 0;
fail:
	elf_file_close(ef);
	return err;
}

void elf_file_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	free(ef->secs);
	free(ef->syms);
	free(ef->image);
	memset(ef, 0, sizeof(*ef));
}

const char *elf_sym_name(const struct elf_file *ef, const GElf_Sym *sym)
{
	const char *name = elf_strptr(ef->elf, ef->strtab_idx, sym->st_name);

	return name ? name : "";
}

int elf_sec_relocs(const struct elf_file *ef, uint32_t sec_idx, GElf_Rel **out, size_t *cnt,
		   struct log *log)
{
	uint32_t ri = ef->secs[sec_idx].rel_idx;
	const struct elf_sec *rs = &ef->secs[ri];
	Elf_Data *data;
	GElf_Rel *rels;
	size_t n;

	*out = NULL;
	*cnt = 0;
	if (!ri)
		return 0;
	data = elf_getdata(elf_getscn(ef->elf, ri), NULL);
	if (!data || data->d_size != rs->size || rs->size % sizeof(Elf64_Rel)) {
		log_printf(log, "ELF: relocation section '%s': size is not a multiple of the "
				"record size\n",
			   rs->name);
		return -EINVAL;
	}
	n = rs->size / sizeof(Elf64_Rel);
	if (!n)
		return 0;
	rels = calloc(n, sizeof(*rels));
	if (!rels)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getrel(data, (int)i, &rels[i]) ||
		    GELF_R_SYM(rels[i].r_info) >= ef->nsyms) {
			log_printf(log, "ELF: relocation section '%s': record %zu names symbol %llu "
					"of %zu\n",
				   rs->name, i, (unsigned long long)GELF_R_SYM(rels[i].r_info),
				   ef->nsyms);
			free(rels);
			return -EINVAL;
		}
	}
	*out = rels;
	*cnt = n;
	return 0;
}

uint32_t elf_find_sec(const struct elf_file *ef, const char *name)
{
	for (uint32_t i = 1; i < ef->nsecs; i++)
		if (!strcmp(ef->secs[i].name, name))
			return i;
	return 0;
}
