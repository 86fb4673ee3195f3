/* What linking asks of BTF.ext, by ELF section name. */
#include <string.h>

#include "loader/loader.h"

static void records(const struct btf_ext_info *info, const char *sec, const uint8_t **recs,
		    size_t *cnt, size_t *rec_size)
{
	const struct btf_ext_sec *s = btf_ext_find(info, sec);

	*recs = s ? s->recs : NULL;
	*cnt = s ? s->cnt : 0;
	*rec_size = s ? s->rec_size : 0;
}

uint32_t btf_ext_func_type(const struct btf_ext *ext, const char *sec, uint64_t byte_off)
{
	const uint8_t *recs;
	size_t n, rsz;

	if (!ext)
		return 0;
	records(&ext->func_info, sec, &recs, &n, &rsz);
	for (size_t i = 0; i < n; i++) {
		struct bpf_func_info fi;

		memcpy(&fi, recs + i * rsz, sizeof(fi));
		if (fi.insn_off == byte_off)
			return fi.type_id;
	}
	return 0;
}

void btf_ext_lines(const struct btf_ext *ext, const char *sec, const uint8_t **recs,
		   size_t *cnt, size_t *rec_size)
{
	records(ext ? &ext->line_info : NULL, sec, recs, cnt, rec_size);
}

void btf_ext_core_relos(const struct btf_ext *ext, const char *sec, const uint8_t **recs,
			size_t *cnt, size_t *rec_size)
{
	records(ext ? &ext->core_relo : NULL, sec, recs, cnt, rec_size);
}
