/* .BTF.ext: for each ELF code section, the func_info, line_info and CO-RE relocation records
 * clang emits, checked against the object's BTF (which must outlive the btf_ext). The layout
 * is libbpf's: a header, then per kind of record a record size followed by sections of
 * (section name offset, record count, records). */
#ifndef EXBPF_LOADER_BTF_EXT_H
#define EXBPF_LOADER_BTF_EXT_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>

#include "common/log.h"

/* The records of one kind for one ELF section. Records lie rec_size bytes apart; rec_size is
 * a multiple of 4 and at least the UAPI struct (bpf_func_info 8, bpf_line_info 16,
 * bpf_core_relo 16), whose leading fields they hold (newer compilers may append fields).
 * insn_off is a byte offset within the section, a multiple of 8. */
struct btf_ext_sec {
	const char *name; /* ELF section name, from the BTF string section */
	uint32_t name_off;
	uint32_t rec_size;
	uint32_t cnt; /* > 0 */
	const uint8_t *recs;
};

struct btf_ext_info {
	uint32_t rec_size; /* 0 when there are no sections */
	size_t nsecs;
	struct btf_ext_sec *secs; /* in file order */
};

/* What parsing guarantees, beyond the layout above:
 *   func_info: type_id is a FUNC;
 *   line_info: file_name_off and line_off are offsets into the BTF string section;
 *   core_relo: type_id < type count, access_str_off is a string offset, kind <= 12
 *              (BPF_CORE_TYPE_MATCHES). */
struct btf_ext {
	struct btf_ext_info func_info;
	struct btf_ext_info line_info;
	struct btf_ext_info core_relo; /* empty when the header predates CO-RE */
	uint8_t *data;		       /* owned copy of the section: records point into it */
	size_t size;
};

/* Copies and validates a .BTF.ext section. Returns 0 and *out, or -EINVAL (malformed, with
 * one line in log naming the problem) or -ENOMEM. */
int btf_ext_parse(const void *data, size_t size, const struct exbpf_btf *btf,
		  struct btf_ext **out, struct log *log);
void btf_ext_free(struct btf_ext *ext);

/* The first section of `info` named `sec_name`, or NULL (also for a NULL info). */
const struct btf_ext_sec *btf_ext_find(const struct btf_ext_info *info, const char *sec_name);

/* Record i of a section. */
static inline const uint8_t *btf_ext_rec(const struct btf_ext_sec *sec, uint32_t i)
{
	return sec->recs + (size_t)i * sec->rec_size;
}

#endif
