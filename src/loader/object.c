/* Opening an object: ELF, BTF, BTF.ext, executable sections and their functions, then maps,
 * relocations and one linked program per main function. The public getters live here too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/array.h"
#include "loader/loader.h"
#include "loader/sec_def.h"

/* Object files above this size are refused before reading: no clang BPF object comes close. */
#define LD_MAX_OBJECT_SIZE (256u << 20)

static int load_btf(struct exbpf_object *obj, struct log *log)
{
	uint32_t bi = elf_find_sec(&obj->elf, ".BTF"), ei = elf_find_sec(&obj->elf, ".BTF.ext");
	const struct elf_sec *s;
	char sub[512];
	int err;

	if (!bi) {
		if (ei) {
			log_printf(log, "object has .BTF.ext but no .BTF\n");
			return -EINVAL;
		}
		return 0;
	}
	s = &obj->elf.secs[bi];
	err = exbpf_btf__parse(s->data, s->data ? s->size : 0, &obj->btf, sub, sizeof(sub));
	if (err) {
		log_printf(log, ".BTF: %s%s", sub, sub[0] && sub[strlen(sub) - 1] == '\n' ? "" : "\n");
		return err;
	}
	err = ld_fixup_btf(obj, log);
	if (err || !ei)
		return err;
	s = &obj->elf.secs[ei];
	return btf_ext_parse(s->data, s->data ? s->size : 0, obj->btf, &obj->btf_ext, log);
}

static int add_code(struct exbpf_object *obj, uint32_t sec, struct log *log)
{
	const struct elf_sec *s = &obj->elf.secs[sec];
	size_t cap = obj->ncodes;
	struct bpf_insn *insns;

	if (s->size % LD_INSN_SZ || (s->size && !s->data)) {
		log_printf(log, "sec '%s': size %zu is not a multiple of the instruction size\n",
			   s->name, s->size);
		return -EINVAL;
	}
	if (ARRAY_RESERVE(obj->codes, cap, obj->ncodes + 1))
		return -ENOMEM;
	insns = malloc(s->size ? s->size : 1);
	if (!insns)
		return -ENOMEM;
	if (s->size)
		memcpy(insns, s->data, s->size);
	obj->codes[obj->ncodes++] = (struct ld_code){
		.sec = sec,
		.insns = insns,
		.cnt = s->size / LD_INSN_SZ,
	};
	return 0;
}

static int find_code(const struct exbpf_object *obj, uint32_t sec)
{
	for (size_t i = 0; i < obj->ncodes; i++)
		if (obj->codes[i].sec == sec)
			return (int)i;
	return -1;
}

static int add_func(struct exbpf_object *obj, const GElf_Sym *sym, int code, size_t *cap,
		    struct log *log)
{
	const struct ld_code *c = &obj->codes[code];
	const char *sec = obj->elf.secs[c->sec].name;
	const char *name = elf_sym_name(&obj->elf, sym);
	unsigned bind = GELF_ST_BIND(sym->st_info), vis = GELF_ST_VISIBILITY(sym->st_other);

	if (sym->st_value % LD_INSN_SZ || sym->st_size % LD_INSN_SZ || sym->st_size == 0) {
		log_printf(log, "sec '%s': function '%s' at offset %llu, size %llu, does not cover "
				"whole instructions\n",
			   sec, name, (unsigned long long)sym->st_value,
			   (unsigned long long)sym->st_size);
		return -EINVAL;
	}
	if (sym->st_value / LD_INSN_SZ > c->cnt || sym->st_size / LD_INSN_SZ > c->cnt - sym->st_value / LD_INSN_SZ) {
		log_printf(log, "sec '%s': program at offset %llu crosses section boundary\n", sec,
			   (unsigned long long)sym->st_value);
		return -EINVAL;
	}
	if (c->sec != obj->text_sec && bind == STB_LOCAL) {
		log_printf(log, "sec '%s': program '%s' is static and not supported\n", sec, name);
		return -ENOTSUP;
	}
	if (!name[0]) {
		log_printf(log, "sec '%s': function at offset %llu has no name\n", sec,
			   (unsigned long long)sym->st_value);
		return -EINVAL;
	}
	if (ARRAY_RESERVE(obj->funcs, *cap, obj->nfuncs + 1))
		return -ENOMEM;
	obj->funcs[obj->nfuncs++] = (struct ld_func){
		.name = name,
		.code = (uint32_t)code,
		.off = sym->st_value / LD_INSN_SZ,
		.cnt = sym->st_size / LD_INSN_SZ,
		.main = c->sec != obj->text_sec,
		.global = bind == STB_GLOBAL || bind == STB_WEAK,
		.hidden = vis == STV_HIDDEN || vis == STV_INTERNAL,
		.linked_off = -1,
	};
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct ld_func *x = a, *y = b;

	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int check_overlaps(const struct exbpf_object *obj, struct log *log)
{
	for (size_t i = 1; i < obj->nfuncs; i++) {
		const struct ld_func *p = &obj->funcs[i - 1], *f = &obj->funcs[i];

		if (p->code == f->code && p->off + p->cnt > f->off) {
			log_printf(log, "sec '%s': functions '%s' and '%s' overlap\n",
				   obj->elf.secs[obj->codes[f->code].sec].name, p->name, f->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Executable sections and the functions in them, sorted by section then offset. */
static int collect_funcs(struct exbpf_object *obj, struct log *log)
{
	const struct elf_file *ef = &obj->elf;
	size_t cap = 0;
	int err;

	for (uint32_t i = 1; i < ef->nsecs; i++) {
		const struct elf_sec *s = &ef->secs[i];

		if (s->type != SHT_PROGBITS || !(s->flags & SHF_EXECINSTR))
			continue;
		if (!strcmp(s->name, ".text"))
			obj->text_sec = i;
		err = add_code(obj, i, log);
		if (err)
			return err;
	}
	for (size_t i = 0; i < ef->nsyms; i++) {
		const GElf_Sym *sym = &ef->syms[i];
		int code;

		if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= SHN_LORESERVE)
			continue;
		code = find_code(obj, sym->st_shndx);
		if (code < 0)
			continue;
		err = add_func(obj, sym, code, &cap, log);
		if (err)
			return err;
	}
	if (obj->nfuncs)
		qsort(obj->funcs, obj->nfuncs, sizeof(*obj->funcs), cmp_func);
	return check_overlaps(obj, log);
}

int64_t ld_func_at(const struct exbpf_object *obj, uint32_t code, size_t insn)
{
	size_t lo = 0, hi = obj->nfuncs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ld_func *f = &obj->funcs[mid];

		if (f->code < code || (f->code == code && f->off < insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < obj->nfuncs && obj->funcs[lo].code == code && obj->funcs[lo].off == insn)
		return (int64_t)lo;
	return -1;
}

/* BTF FUNC type of each function: from BTF.ext func_info when present (exact even for
 * static functions sharing a name), else by name. */
static void assign_btf_ids(struct exbpf_object *obj)
{
	if (!obj->btf)
		return;
	for (size_t i = 0; i < obj->nfuncs; i++) {
		struct ld_func *f = &obj->funcs[i];
		const char *sec = obj->elf.secs[obj->codes[f->code].sec].name;
		uint32_t id = btf_ext_func_type(obj->btf_ext, sec, f->off * LD_INSN_SZ);
		int32_t by_name;

		if (!id) {
			by_name = exbpf_btf__find_by_name_kind(obj->btf, f->name, BTF_KIND_FUNC);
			id = by_name > 0 ? (uint32_t)by_name : 0;
		}
		f->btf_id = id;
	}
}

/* The embedder's type for section `sec`, or UINT32_MAX. */
static uint32_t custom_type(const struct exbpf_object *obj, const char *sec)
{
	for (size_t i = 0; i < obj->nsec_types; i++) {
		const char *name = obj->sec_types[i].sec;
		size_t n = name ? strlen(name) : 0;

		if (n && !strncmp(sec, name, n) && (sec[n] == '\0' || sec[n] == '/'))
			return obj->sec_types[i].prog_type;
	}
	return UINT32_MAX;
}

static int add_progs(struct exbpf_object *obj, struct log *log)
{
	size_t n = 0;

	for (size_t i = 0; i < obj->nfuncs; i++)
		n += obj->funcs[i].main;
	obj->progs = calloc(n ? n : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (size_t i = 0; i < obj->nfuncs; i++) {
		const struct ld_func *f = &obj->funcs[i];
		const char *sec = obj->elf.secs[obj->codes[f->code].sec].name;
		struct exbpf_prog *p;
		const struct sec_def *def;
		uint32_t custom;
		bool autoload = sec[0] != '?';

		if (!f->main)
			continue;
		def = sec_def_find(autoload ? sec : sec + 1);
		custom = custom_type(obj, autoload ? sec : sec + 1);
		if (!def && custom == UINT32_MAX) {
			log_printf(log, "sec '%s': program '%s': unknown section name, cannot tell "
					"the program type\n",
				   sec, f->name);
			return -ESRCH;
		}
		p = &obj->progs[obj->nprogs];
		*p = (struct exbpf_prog){
			.obj = obj,
			.index = obj->nprogs,
			.func = (uint32_t)i,
			.sec_name = sec,
			.type = custom != UINT32_MAX ? custom : def->prog_type,
			.attach_type = custom != UINT32_MAX ? 0 : def->attach_type,
			.autoload = autoload,
			.exc_cb_insn = -1,
		};
		obj->nprogs++;
	}
	return 0;
}

static int check_special_sections(const struct exbpf_object *obj, struct log *log)
{
	for (uint32_t i = 1; i < obj->elf.nsecs; i++) {
		const char *name = obj->elf.secs[i].name;

		if (!strcmp(name, "maps")) {
			log_printf(log, "sec 'maps': legacy map definitions are not supported (libbpf "
					"1.0 dropped them too): use BTF-defined maps in SEC(\".maps\")\n");
			return -EOPNOTSUPP;
		}
		if (!strcmp(name, ".kconfig")) {
			log_printf(log, "sec '.kconfig': __kconfig externs are not supported\n");
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int open_object(struct exbpf_object *obj, const void *buf, size_t size, struct log *log)
{
	int err = elf_file_open(&obj->elf, buf, size, log);

	if (!err)
		err = check_special_sections(obj, log);
	if (!err)
		err = load_btf(obj, log);
	if (!err)
		err = collect_funcs(obj, log);
	if (err)
		return err;
	assign_btf_ids(obj);
	err = add_progs(obj, log);
	if (!err)
		err = ld_collect_maps(obj, log);
	if (!err)
		err = ld_collect_relos(obj, log);
	if (!err)
		err = ld_fill_prog_arrays(obj, log);
	if (!err)
		err = ld_core_relocate(obj, log);
	if (err)
		return err;
	for (size_t i = 0; i < obj->nprogs; i++) {
		err = ld_link_prog(obj, &obj->progs[i]);
		if (err == -ENOMEM)
			return err;
		err = ld_prog_annotations(&obj->progs[i]);
		if (err)
			return err;
	}
	return 0;
}

static struct exbpf_object *open_common(const void *buf, size_t size, const char *name,
					const struct exbpf_open_opts *opts)
{
	struct exbpf_object *obj = calloc(1, sizeof(*obj));
	struct log log;
	int err;

	log_init(&log, opts ? opts->log_buf : NULL, opts ? opts->log_size : 0);
	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(obj->name, sizeof(obj->name), "%s", name);
	if (opts && opts->sz > offsetof(struct exbpf_open_opts, nsec_types)) {
		obj->sec_types = opts->sec_types;
		obj->nsec_types = opts->sec_types ? opts->nsec_types : 0;
	}
	err = open_object(obj, buf, size, &log);
	obj->sec_types = NULL;
	obj->nsec_types = 0;
	if (err && log.len == 0)
		log_printf(&log, "%s: %s\n", name, strerror(-err));
	if (err) {
		exbpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

struct exbpf_object *exbpf_object__open_mem(const void *buf, size_t size,
					    const struct exbpf_open_opts *opts)
{
	const char *name = opts && opts->sz > offsetof(struct exbpf_open_opts, object_name) &&
					   opts->object_name
				   ? opts->object_name
				   : "mem";

	return open_common(buf, size, name, opts);
}

static int read_file(const char *path, void **out, size_t *size, struct log *log)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0) {
		int err = -errno;

		log_printf(log, "%s: %s\n", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > LD_MAX_OBJECT_SIZE) {
		log_printf(log, "%s: not a regular file of at most %u bytes\n", path,
			   LD_MAX_OBJECT_SIZE);
		close(fd);
		return -EINVAL;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			log_printf(log, "%s: read failed\n", path);
			free(buf);
			close(fd);
			return -EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	*size = got;
	return 0;
}

/* The object's name, libbpf-style: the file name without directories and extension. */
static void base_name(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(out, size, "%s", b ? b + 1 : path);
	dot = strchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
}

struct exbpf_object *exbpf_object__open_file(const char *path, const struct exbpf_open_opts *opts)
{
	struct exbpf_object *obj;
	struct log log;
	char name[64];
	void *buf = NULL;
	size_t size = 0;
	int err;

	log_init(&log, opts ? opts->log_buf : NULL, opts ? opts->log_size : 0);
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	err = read_file(path, &buf, &size, &log);
	if (err) {
		errno = -err;
		return NULL;
	}
	base_name(path, name, sizeof(name));
	obj = open_common(buf, size, name, opts);
	err = errno;
	free(buf);
	errno = err;
	return obj;
}
