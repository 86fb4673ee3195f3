/* A bounds-checked view of one relocatable BPF ELF object, read with libelf. Everything the
 * rest of the loader touches (section bytes, symbols, relocations, names) has been checked to
 * lie inside the image, so later code indexes without re-checking. */
#ifndef EXBPF_LOADER_ELF_H
#define EXBPF_LOADER_ELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

struct elf_sec {
	const char *name;
	uint32_t type;	/* sh_type */
	uint64_t flags; /* sh_flags */
	uint32_t link;
	uint32_t info;
	const uint8_t *data; /* NULL for SHT_NOBITS and empty sections */
	size_t size;	     /* sh_size, also for SHT_NOBITS */
	uint32_t rel_idx;    /* index of the SHT_REL section that applies to this one, or 0 */
};

struct elf_file {
	Elf *elf;
	void *image; /* private copy: libelf reads it in place */
	size_t image_size;
	struct elf_sec *secs; /* indexed by ELF section number; secs[0] is the null section */
	size_t nsecs;
	GElf_Sym *syms; /* converted copy of .symtab */
	size_t nsyms;
	uint32_t strtab_idx; /* string table of the symbols */
};

/* Opens a copy of buf. Checks: ELF64, little-endian, EM_BPF, ET_REL, one symbol table, every
 * section inside the image, names and symbol names resolvable. -EINVAL with a log line. */
int elf_file_open(struct elf_file *ef, const void *buf, size_t size, struct log *log);
void elf_file_close(struct elf_file *ef);

/* Name of a symbol, never NULL (checked at open). */
const char *elf_sym_name(const struct elf_file *ef, const GElf_Sym *sym);

/* Relocations of section `sec_idx`, converted; *out is NULL with cnt 0 when it has none.
 * Offsets are not interpreted here. Returns 0 or -EINVAL/-ENOMEM. */
int elf_sec_relocs(const struct elf_file *ef, uint32_t sec_idx, GElf_Rel **out, size_t *cnt,
		   struct log *log);

/* Index of the section named `name`, or 0. */
uint32_t elf_find_sec(const struct elf_file *ef, const char *name);

#endif
