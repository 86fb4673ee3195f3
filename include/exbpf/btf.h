/* BTF, the type format of BPF objects: a validated, read-only view of one .BTF blob.
 * Types use Linux's layout (<linux/btf.h>); ids run from 1 to exbpf_btf__type_cnt() - 1, id 0
 * is void. A blob that exbpf_btf__parse() accepted is safe to walk with the accessors below:
 * every type id it holds is in range, every name offset points into the string section, and
 * sizes resolve without cycles. */
#ifndef EXBPF_BTF_H
#define EXBPF_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/btf.h>

#include <exbpf/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_btf;

/* Copies and validates a .BTF section (host byte order; a foreign-endian blob is rejected).
 * Returns 0 and *out, or -EINVAL (malformed: the log names the type id and the problem),
 * -E2BIG (over the size or type-count limits) or -ENOMEM. */
EXBPF_API int exbpf_btf__parse(const void *data, size_t size, struct exbpf_btf **out,
			       char *log_buf, size_t log_size);
EXBPF_API void exbpf_btf__free(struct exbpf_btf *btf);

/* Number of type ids including void: valid ids are [0, type_cnt). */
EXBPF_API uint32_t exbpf_btf__type_cnt(const struct exbpf_btf *btf);
/* NULL for id 0 (void) and for ids out of range. */
EXBPF_API const struct btf_type *exbpf_btf__type_by_id(const struct exbpf_btf *btf, uint32_t id);
/* "" for offset 0, NULL for an offset outside the string section. */
EXBPF_API const char *exbpf_btf__name_by_offset(const struct exbpf_btf *btf, uint32_t off);
EXBPF_API const char *exbpf_btf__type_name(const struct exbpf_btf *btf, uint32_t id);
/* First type with this name and kind, or -ENOENT. */
EXBPF_API int32_t exbpf_btf__find_by_name_kind(const struct exbpf_btf *btf, const char *name,
					       uint32_t kind);
/* Follows typedef, const, volatile, restrict and type_tag; returns the type reached (NULL for
 * void) and its id in *res_id when res_id is not NULL. */
EXBPF_API const struct btf_type *exbpf_btf__skip_mods(const struct exbpf_btf *btf, uint32_t id,
						      uint32_t *res_id);
/* Size in bytes of a sized type (int, enum, struct, union, ptr, array, float, datasec, and
 * modifiers/typedefs/vars of those), or -EINVAL for void, func, func_proto, fwd. */
EXBPF_API int64_t exbpf_btf__resolve_size(const struct exbpf_btf *btf, uint32_t id);
/* Natural alignment of a sized type (1, 2, 4 or 8), or -EINVAL. */
EXBPF_API int exbpf_btf__align(const struct exbpf_btf *btf, uint32_t id);
/* The raw blob as parsed (header, types, strings). */
EXBPF_API const void *exbpf_btf__raw_data(const struct exbpf_btf *btf, size_t *size);

/* Accessors for the records that follow a struct btf_type (libbpf's naming). */
static inline uint16_t exbpf_btf_kind(const struct btf_type *t)
{
	return (uint16_t)BTF_INFO_KIND(t->info);
}
static inline uint16_t exbpf_btf_vlen(const struct btf_type *t)
{
	return (uint16_t)BTF_INFO_VLEN(t->info);
}
static inline bool exbpf_btf_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}
static inline const struct btf_member *exbpf_btf_members(const struct btf_type *t)
{
	return (const struct btf_member *)(t + 1);
}
/* Bit offset of member i (kind_flag structs keep a bitfield size in the top 8 bits). */
static inline uint32_t exbpf_btf_member_bit_offset(const struct btf_type *t, uint32_t i)
{
	uint32_t off = exbpf_btf_members(t)[i].offset;
	return exbpf_btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(off) : off;
}
static inline uint32_t exbpf_btf_member_bitfield_size(const struct btf_type *t, uint32_t i)
{
	uint32_t off = exbpf_btf_members(t)[i].offset;
	return exbpf_btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(off) : 0;
}
static inline const struct btf_param *exbpf_btf_params(const struct btf_type *t)
{
	return (const struct btf_param *)(t + 1);
}
static inline const struct btf_enum *exbpf_btf_enum(const struct btf_type *t)
{
	return (const struct btf_enum *)(t + 1);
}
static inline const struct btf_enum64 *exbpf_btf_enum64(const struct btf_type *t)
{
	return (const struct btf_enum64 *)(t + 1);
}
static inline const struct btf_array *exbpf_btf_array(const struct btf_type *t)
{
	return (const struct btf_array *)(t + 1);
}
static inline const struct btf_var *exbpf_btf_var(const struct btf_type *t)
{
	return (const struct btf_var *)(t + 1);
}
static inline const struct btf_var_secinfo *exbpf_btf_var_secinfos(const struct btf_type *t)
{
	return (const struct btf_var_secinfo *)(t + 1);
}
static inline const struct btf_decl_tag *exbpf_btf_decl_tag(const struct btf_type *t)
{
	return (const struct btf_decl_tag *)(t + 1);
}
/* The INT encoding word of a BTF_KIND_INT. */
static inline uint32_t exbpf_btf_int_info(const struct btf_type *t)
{
	return *(const uint32_t *)(t + 1);
}

#ifdef __cplusplus
}
#endif

#endif
