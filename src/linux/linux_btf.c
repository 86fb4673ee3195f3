/* What the Linux backend needs of BTF: BPF_BTF_LOAD, sanitizing for kernels that refuse
 * newer kinds, string offsets for line_info, and the running kernel's own BTF. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/linux_priv.h"

/* libbpf's encoders (not in the UAPI header). */
#define BTF_INFO_ENC(kind, kflag, vlen)                                                            \
	((uint32_t)(!!(kflag)) << 31 | (uint32_t)(kind) << 24 | ((uint32_t)(vlen)&0xffff))
#define BTF_INT_ENC(encoding, bits_offset, nr_bits)                                                \
	((uint32_t)(encoding) << 24 | (uint32_t)(bits_offset) << 16 | (uint32_t)(nr_bits))

int lx_sys_bpf(int cmd, union bpf_attr *attr)
{
#ifdef __NR_bpf
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
#else
	(void)cmd;
	(void)attr;
	errno = ENOSYS;
	return -1;
#endif
}

int lx_btf_load(const void *raw, size_t size, char *log_buf, size_t log_size)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)raw;
	a.btf_size = (uint32_t)size;
	if (log_buf && log_size >= 128) {
		log_buf[0] = '\0';
		a.btf_log_buf = (uint64_t)(uintptr_t)log_buf;
		a.btf_log_size = (uint32_t)(log_size > (1u << 24) ? 1u << 24 : log_size);
		a.btf_log_level = 1;
	}
	fd = lx_sys_bpf(BPF_BTF_LOAD, &a);
	return fd < 0 ? -errno : fd;
}

/* Bytes that follow a struct btf_type of this kind (the blob was validated by exbpf). */
static size_t extra_size(const struct btf_type *t)
{
	uint16_t vlen = exbpf_btf_vlen(t);

	switch (exbpf_btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return (size_t)vlen * 12;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return (size_t)vlen * 8;
	default:
		return 0;
	}
}

int lx_btf_sanitize(void *raw, size_t size)
{
	struct btf_header *h = raw;
	uint8_t *p, *end;
	int changed = 0;

	if (size < sizeof(*h) || h->hdr_len > size || h->type_off > size - h->hdr_len ||
	    h->type_len > size - h->hdr_len - h->type_off)
		return -EINVAL;
	p = (uint8_t *)raw + h->hdr_len + h->type_off;
	end = p + h->type_len;
	while (p + sizeof(struct btf_type) <= end) {
		struct btf_type *t = (struct btf_type *)p;
		size_t len = sizeof(*t) + extra_size(t);

		if ((size_t)(end - p) < len)
			return -EINVAL;
		switch (exbpf_btf_kind(t)) {
		case BTF_KIND_DECL_TAG:
			/* The 4-byte component index becomes the INT encoding: u8. */
			t->name_off = 0;
			t->info = BTF_INFO_ENC(BTF_KIND_INT, 0, 0);
			t->size = 1;
			*(uint32_t *)(t + 1) = BTF_INT_ENC(0, 0, 8);
			changed++;
			break;
		case BTF_KIND_TYPE_TAG:
			t->name_off = 0;
			t->info = BTF_INFO_ENC(BTF_KIND_CONST, 0, 0);
			changed++;
			break;
		case BTF_KIND_FLOAT:
			t->name_off = 0;
			t->info = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 0);
			changed++;
			break;
		case BTF_KIND_FUNC:
			if (exbpf_btf_vlen(t) == BTF_FUNC_GLOBAL) {
				t->info = BTF_INFO_ENC(BTF_KIND_FUNC, 0, BTF_FUNC_STATIC);
				changed++;
			}
			break;
		case BTF_KIND_ENUM:
			if (exbpf_btf_kflag(t)) {
				t->info = BTF_INFO_ENC(BTF_KIND_ENUM, 0, exbpf_btf_vlen(t));
				changed++;
			}
			break;
		default:
			break;
		}
		p += len;
	}
	return changed;
}

/* Appends to a copy of the blob: types after the type section, strings after the string
 * section (the header's offsets say where each lies). */
struct btf_buf {
	struct btf_header hdr;
	uint8_t *types;
	size_t types_len;
	char *strs;
	size_t strs_len;
};

static int bb_add_type(struct btf_buf *b, const void *rec, size_t len)
{
	uint8_t *n = realloc(b->types, b->types_len + len);

	if (!n)
		return -ENOMEM;
	memcpy(n + b->types_len, rec, len);
	b->types = n;
	b->types_len += len;
	return 0;
}

static int64_t bb_add_str(struct btf_buf *b, const char *s)
{
	size_t len = strlen(s) + 1;
	char *n = realloc(b->strs, b->strs_len + len);

	if (!n)
		return -ENOMEM;
	memcpy(n + b->strs_len, s, len);
	b->strs = n;
	b->strs_len += len;
	return (int64_t)(b->strs_len - len);
}

int lx_btf_fix_externs(const void *raw, size_t size, void **out, size_t *out_size)
{
	const struct btf_header *h = raw;
	struct btf_buf b = {0};
	uint32_t nids = 1, int_id = 0, var_id;
	int64_t name;
	uint8_t *p, *end, *blob;
	int err = -ENOMEM;
	struct {
		struct btf_type t;
		uint32_t extra;
	} rec;

	*out = NULL;
	if (size < sizeof(*h) || h->hdr_len > size || h->type_off > size - h->hdr_len ||
	    h->type_len > size - h->hdr_len - h->type_off || h->str_off > size - h->hdr_len ||
	    h->str_len > size - h->hdr_len - h->str_off)
		return -EINVAL;
	memcpy(&b.hdr, h, sizeof(b.hdr));
	b.hdr.hdr_len = sizeof(b.hdr);
	b.types = malloc(h->type_len ? h->type_len : 1);
	b.strs = malloc(h->str_len ? h->str_len : 1);
	if (!b.types || !b.strs)
		goto out;
	memcpy(b.types, (const uint8_t *)raw + h->hdr_len + h->type_off, h->type_len);
	memcpy(b.strs, (const char *)raw + h->hdr_len + h->str_off, h->str_len);
	b.types_len = h->type_len;
	b.strs_len = h->str_len;
	/* Count the types and find a 4-byte signed int for the placeholder variable. */
	p = b.types;
	end = p + b.types_len;
	while (p + sizeof(struct btf_type) <= end) {
		struct btf_type *t = (struct btf_type *)p;

		if (exbpf_btf_kind(t) == BTF_KIND_INT && t->size == 4 && !int_id &&
		    BTF_INT_ENCODING(exbpf_btf_int_info(t)) == BTF_INT_SIGNED)
			int_id = nids;
		p += sizeof(*t) + extra_size(t);
		nids++;
	}
	if (p != end) {
		err = -EINVAL;
		goto out;
	}
	if (!int_id) {
		if ((name = bb_add_str(&b, "int")) < 0)
			goto out;
		rec.t = (struct btf_type){.name_off = (uint32_t)name,
					  .info = BTF_INFO_ENC(BTF_KIND_INT, 0, 0),
					  .size = 4};
		rec.extra = BTF_INT_ENC(BTF_INT_SIGNED, 0, 32);
		if (bb_add_type(&b, &rec, sizeof(rec)))
			goto out;
		int_id = nids++;
	}
	/* libbpf's placeholder for extern functions in .ksyms. */
	if ((name = bb_add_str(&b, "dummy_ksym")) < 0)
		goto out;
	rec.t = (struct btf_type){
	    .name_off = (uint32_t)name, .info = BTF_INFO_ENC(BTF_KIND_VAR, 0, 0), .type = int_id};
	rec.extra = BTF_VAR_GLOBAL_ALLOCATED;
	if (bb_add_type(&b, &rec, sizeof(rec)))
		goto out;
	var_id = nids++;

	/* Extern FUNCs become global with named parameters, extern VARs allocated ints, and
	 * data sections listing them placeholders of 4 bytes each. */
	{
		uint8_t **at = calloc(nids, sizeof(*at));
		uint32_t id = 1;

		if (!at)
			goto out;
		for (p = b.types; p < b.types + b.types_len; id++) {
			at[id] = p;
			p += sizeof(struct btf_type) + extra_size((struct btf_type *)p);
		}
		for (id = 1; id < nids; id++) {
			struct btf_type *t = (struct btf_type *)at[id];

			if (exbpf_btf_kind(t) == BTF_KIND_FUNC &&
			    exbpf_btf_vlen(t) == BTF_FUNC_EXTERN) {
				struct btf_type *proto =
				    t->type < nids ? (struct btf_type *)at[t->type] : NULL;

				t->info = BTF_INFO_ENC(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL);
				if (proto && exbpf_btf_kind(proto) == BTF_KIND_FUNC_PROTO) {
					struct btf_param *pa = (struct btf_param *)(proto + 1);

					for (uint16_t i = 0; i < exbpf_btf_vlen(proto); i++)
						if (pa[i].type && !pa[i].name_off)
							pa[i].name_off = rec.t.name_off;
				}
			} else if (exbpf_btf_kind(t) == BTF_KIND_VAR &&
				   ((struct btf_var *)(t + 1))->linkage == BTF_VAR_GLOBAL_EXTERN) {
				((struct btf_var *)(t + 1))->linkage = BTF_VAR_GLOBAL_ALLOCATED;
				t->type = int_id;
			}
		}
		for (id = 1; id < nids; id++) {
			struct btf_type *t = (struct btf_type *)at[id];
			struct btf_var_secinfo *vs = (struct btf_var_secinfo *)(t + 1);
			bool externs = false;

			if (exbpf_btf_kind(t) != BTF_KIND_DATASEC)
				continue;
			for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++)
				if (vs[i].type < nids &&
				    exbpf_btf_kind((struct btf_type *)at[vs[i].type]) ==
					BTF_KIND_FUNC)
					externs = true;
			if (!externs)
				continue;
			for (uint16_t i = 0; i < exbpf_btf_vlen(t); i++) {
				if (vs[i].type < nids &&
				    exbpf_btf_kind((struct btf_type *)at[vs[i].type]) ==
					BTF_KIND_FUNC)
					vs[i].type = var_id;
				vs[i].offset = 4u * i;
				vs[i].size = 4;
			}
			t->size = 4u * exbpf_btf_vlen(t);
		}
		free(at);
	}
	b.hdr.type_off = 0;
	b.hdr.type_len = (uint32_t)b.types_len;
	b.hdr.str_off = (uint32_t)b.types_len;
	b.hdr.str_len = (uint32_t)b.strs_len;
	*out_size = sizeof(b.hdr) + b.types_len + b.strs_len;
	blob = malloc(*out_size);
	if (!blob)
		goto out;
	memcpy(blob, &b.hdr, sizeof(b.hdr));
	memcpy(blob + sizeof(b.hdr), b.types, b.types_len);
	memcpy(blob + sizeof(b.hdr) + b.types_len, b.strs, b.strs_len);
	*out = blob;
	err = 0;
out:
	free(b.types);
	free(b.strs);
	return err;
}

uint32_t lx_btf_str_off(const void *raw, size_t size, const char *s)
{
	const struct btf_header *h = raw;
	const char *strs;
	uintptr_t lo, hi, sp = (uintptr_t)s;
	size_t n;

	if (!s || !*s || size < sizeof(*h) || h->hdr_len > size || h->str_off > size - h->hdr_len ||
	    h->str_len > size - h->hdr_len - h->str_off)
		return 0;
	strs = (const char *)raw + h->hdr_len + h->str_off;
	lo = (uintptr_t)strs;
	hi = lo + h->str_len;
	/* The loader hands out pointers into the BTF it parsed; raw is that blob or a copy. */
	if (sp > lo && sp < hi && strs[sp - lo - 1] == '\0' && memchr(s, '\0', hi - sp))
		return (uint32_t)(sp - lo);
	n = strlen(s) + 1;
	for (size_t off = 1; off + n <= h->str_len;) {
		const char *cur = strs + off;
		size_t len = strnlen(cur, h->str_len - off);

		if (len + 1 == n && !memcmp(cur, s, n))
			return (uint32_t)off;
		off += len + 1;
	}
	return 0;
}

int lx_vmlinux_btf(struct exbpf_btf **out, char *log_buf, size_t log_size)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	FILE *f = fopen(path, "rb");
	char *buf = NULL, sub[256] = "";
	size_t len = 0, cap = 0;
	int err;

	*out = NULL;
	if (!f) {
		err = -errno;
		snprintf(log_buf, log_size, "%s: %s", path, strerror(-err));
		return err;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 8u << 20);

			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8u << 20;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!err)
		err = exbpf_btf__parse(buf, len, out, sub, sizeof(sub));
	if (err && log_buf)
		snprintf(log_buf, log_size, "%s: %s", path, sub[0] ? sub : strerror(-err));
	free(buf);
	return err;
}
