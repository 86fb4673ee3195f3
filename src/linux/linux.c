/* The Linux backend: the linked program of an exbpf object, loaded into the running kernel
 * through bpf() and run with BPF_PROG_TEST_RUN. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <exbpf/linux.h>

#include "common/log.h"
#include "linux/linux_priv.h"

/* libbpf's poison for a call of an unresolved __weak kfunc: the verifier rejects it only if
 * it is reachable. */
#define POISON_CALL_KFUNC_BASE 2002000000

#define KLOG_MIN (1u << 20)
#define KLOG_MAX (64u << 20)

struct exbpf_linux_prog {
	const struct exbpf_object *obj;
	const struct exbpf_prog *main;
	int btf_fd;
	const void *str_raw; /* the object's BTF: line_info string offsets */
	size_t str_size;
	void *btf_copy; /* what the kernel was given */
	int *map_fds;
	size_t nmaps;
	int *prog_fds; /* by exbpf_prog__index; -1 not loaded */
	size_t nprogs;
	struct exbpf_btf *vmlinux;
	const char *license;
	uint32_t log_level;
};

static size_t count_progs(const struct exbpf_object *obj)
{
	size_t n = 0;
	struct exbpf_prog *p;

	exbpf_object__for_each_program(p, obj) n++;
	return n;
}

static const struct exbpf_prog *prog_by_index(const struct exbpf_object *obj, size_t idx)
{
	struct exbpf_prog *p;

	exbpf_object__for_each_program(p, obj) if (exbpf_prog__index(p) == idx) return p;
	return NULL;
}

static bool unavailable_errno(int err) { return err == EPERM || err == ENOSYS; }

/* Kernel object names: at most 15 characters of [A-Za-z0-9_.]. */
static void kernel_name(char out[BPF_OBJ_NAME_LEN], const char *pfx, size_t pfx_len,
			const char *name)
{
	snprintf(out, BPF_OBJ_NAME_LEN, "%.*s%s", (int)pfx_len, pfx, name);
	for (char *c = out; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.')
			*c = '_';
}

/* libbpf's internal_map_name(): up to 8 characters of the object name (cut at its first '.')
 * before a section name like ".rodata"; none when the section name has a second '.'. */
void lx_map_name(const struct exbpf_object *obj, const struct exbpf_map_def *d,
		 char out[BPF_OBJ_NAME_LEN])
{
	const char *oname = exbpf_object__name(obj), *slash = strrchr(oname, '/');
	size_t olen, sfx = strlen(d->name);
	long pfx;

	if (!d->global_data) {
		kernel_name(out, "", 0, d->name);
		return;
	}
	if (slash)
		oname = slash + 1;
	olen = strcspn(oname, ".");
	if (sfx < 7)
		sfx = 7;
	pfx = strchr(d->name + 1, '.') ? 0 : (long)BPF_OBJ_NAME_LEN - (long)sfx - 1;
	if (pfx < 0)
		pfx = 0;
	if ((size_t)pfx > olen)
		pfx = (long)olen;
	kernel_name(out, oname, (size_t)pfx, d->name);
}

static int create_maps(struct exbpf_linux_prog *lp, struct log *log)
{
	struct exbpf_map_spec *m;
	size_t n = 0;

	exbpf_object__for_each_map(m, lp->obj) n++;
	lp->map_fds = malloc((n ? n : 1) * sizeof(int));
	if (!lp->map_fds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		lp->map_fds[i] = -1;
	lp->nmaps = n;
	exbpf_object__for_each_map(m, lp->obj)
	{
		const struct exbpf_map_def *d = exbpf_map_spec__def(m);
		union bpf_attr a;
		int fd, err;
		uint32_t zero = 0;

		memset(&a, 0, sizeof(a));
		a.map_type = d->type;
		a.key_size = d->key_size;
		a.value_size = d->value_size;
		a.max_entries = d->max_entries;
		a.map_flags = d->map_flags;
		lx_map_name(lp->obj, d, a.map_name);
		if (lp->btf_fd >= 0 && (d->btf_key_type_id || d->btf_value_type_id)) {
			a.btf_fd = (uint32_t)lp->btf_fd;
			a.btf_key_type_id = d->btf_key_type_id;
			a.btf_value_type_id = d->btf_value_type_id;
		}
		fd = lx_sys_bpf(BPF_MAP_CREATE, &a);
		if (fd < 0 && a.btf_fd && !unavailable_errno(errno)) {
			/* libbpf too retries without BTF: some map types take none. */
			a.btf_fd = a.btf_key_type_id = a.btf_value_type_id = 0;
			fd = lx_sys_bpf(BPF_MAP_CREATE, &a);
		}
		if (fd < 0) {
			err = -errno;
			log_printf(log, "map '%s': BPF_MAP_CREATE: %s", d->name, strerror(-err));
			return err;
		}
		if (exbpf_map_spec__index(m) >= n) {
			close(fd);
			return -EINVAL;
		}
		lp->map_fds[exbpf_map_spec__index(m)] = fd;
		if (d->global_data && d->initial_value) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)fd;
			a.key = (uint64_t)(uintptr_t)&zero;
			a.value = (uint64_t)(uintptr_t)d->initial_value;
			if (lx_sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
				err = -errno;
				log_printf(log, "map '%s': setting its initial value: %s", d->name,
					   strerror(-err));
				return err;
			}
		}
		if (d->global_data && (d->map_flags & BPF_F_RDONLY_PROG)) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)fd;
			if (lx_sys_bpf(BPF_MAP_FREEZE, &a)) {
				err = -errno;
				log_printf(log, "map '%s': BPF_MAP_FREEZE: %s", d->name,
					   strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

/* The object's BTF with libbpf's extern fix-ups; sanitized when the kernel refuses it; else
 * none (then no func_info or line_info either). */
static int load_btf(struct exbpf_linux_prog *lp, struct log *log)
{
	const struct exbpf_btf *btf = exbpf_object__btf(lp->obj);
	size_t size;
	int fd, err;

	lp->btf_fd = -1;
	if (!btf)
		return 0;
	lp->str_raw = exbpf_btf__raw_data(btf, &lp->str_size);
	err = lx_btf_fix_externs(lp->str_raw, lp->str_size, &lp->btf_copy, &size);
	if (err) {
		log_printf(log, "BTF: preparing it for Linux: %s", strerror(-err));
		return err;
	}
	fd = lx_btf_load(lp->btf_copy, size, NULL, 0);
	if (fd == -EPERM || fd == -ENOSYS) {
		log_printf(log, "bpf(): %s", strerror(-fd));
		return fd;
	}
	if (fd < 0 && lx_btf_sanitize(lp->btf_copy, size) > 0)
		fd = lx_btf_load(lp->btf_copy, size, NULL, 0);
	if (fd >= 0)
		lp->btf_fd = fd;
	return 0;
}

/* The running kernel's BTF, parsed on first use during a load. */
static int ensure_vmlinux(struct exbpf_linux_prog *lp, const char *what, struct log *log)
{
	char sub[256] = "";
	int err;

	if (lp->vmlinux)
		return 0;
	err = lx_vmlinux_btf(&lp->vmlinux, sub, sizeof(sub));
	if (err)
		log_printf(log, "%s: cannot read the kernel's BTF: %s", what, sub);
	return err;
}

static int kfunc_btf_id(struct exbpf_linux_prog *lp, const char *name, struct log *log)
{
	int err = ensure_vmlinux(lp, name, log);

	return err ? err : exbpf_btf__find_by_name_kind(lp->vmlinux, name, BTF_KIND_FUNC);
}

/* Map references and kfunc calls, from the loader's form to the kernel's. */
static int patch_insns(struct exbpf_linux_prog *lp, const struct exbpf_prog *prog,
		       struct bpf_insn *in, size_t cnt, struct log *log)
{
	for (size_t i = 0; i < cnt; i++) {
		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			uint8_t src = in[i].src_reg;

			if (src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE) {
				if (in[i].imm < 0 || (size_t)in[i].imm >= lp->nmaps) {
					log_printf(log, "insn %zu: map index %d out of range", i,
						   in[i].imm);
					return -EINVAL;
				}
				in[i].imm = lp->map_fds[in[i].imm];
				in[i].src_reg = src == BPF_PSEUDO_MAP_IDX ? BPF_PSEUDO_MAP_FD
									  : BPF_PSEUDO_MAP_VALUE;
			}
			i++;
			continue;
		}
		if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_KFUNC_CALL) {
			struct exbpf_extern_info ei;
			uint32_t idx = (uint32_t)in[i].imm;
			int id;

			if (exbpf_object__extern(lp->obj, idx, &ei)) {
				log_printf(log, "insn %zu: extern index %u out of range", i, idx);
				return -EINVAL;
			}
			id = kfunc_btf_id(lp, ei.name, log);
			if (id > 0) {
				in[i].imm = id;
				in[i].off = 0;
			} else if (id == -ENOENT && ei.weak) {
				in[i].src_reg = 0;
				in[i].off = 0;
				in[i].imm = POISON_CALL_KFUNC_BASE + (int32_t)idx;
			} else if (id == -ENOENT) {
				log_printf(log, "%s: kfunc '%s' is not in the running kernel's BTF",
					   exbpf_prog__name(prog), ei.name);
				return -ENOENT;
			} else {
				return id;
			}
		}
	}
	return 0;
}

/* func_info from the loader's functions; NULL when one lacks a BTF id. */
static struct bpf_func_info *func_info(const struct exbpf_prog *prog, uint32_t *cnt)
{
	size_t n = exbpf_prog__func_count(prog);
	struct bpf_func_info *fi = n ? calloc(n, sizeof(*fi)) : NULL;

	for (size_t i = 0; fi && i < n; i++) {
		struct exbpf_func_info f;

		if (exbpf_prog__func(prog, i, &f) || !f.btf_id) {
			free(fi);
			return NULL;
		}
		fi[i].insn_off = (uint32_t)f.insn_off;
		fi[i].type_id = f.btf_id;
	}
	*cnt = (uint32_t)n;
	return fi;
}

/* line_info: an entry at each function's first instruction and wherever the source position
 * changes (never on the second half of an lddw). NULL when a function has no line info: the
 * kernel wants one at every function start. */
static struct bpf_line_info *line_info(const struct exbpf_linux_prog *lp,
				       const struct exbpf_prog *prog, const struct bpf_insn *in,
				       size_t cnt, uint32_t *out_cnt)
{
	size_t nf = exbpf_prog__func_count(prog), n = 0;
	struct bpf_line_info *li = calloc(cnt ? cnt : 1, sizeof(*li));
	struct exbpf_line_info prev = {0};
	const char *last_file = NULL;
	uint32_t last_file_off = 0;
	bool have_prev = false;

	if (!li)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		struct exbpf_line_info cur;
		bool start = false, lddw = in[i].code == (BPF_LD | BPF_IMM | BPF_DW);

		for (size_t f = 0; f < nf; f++) {
			struct exbpf_func_info fi;

			if (!exbpf_prog__func(prog, f, &fi) && fi.insn_off == i)
				start = true;
		}
		if (exbpf_prog__line(prog, i, &cur)) {
			if (start)
				goto none;
		} else if (start || !have_prev || cur.file != prev.file || cur.text != prev.text ||
			   cur.line != prev.line || cur.col != prev.col) {
			if (cur.file != last_file) {
				last_file = cur.file;
				last_file_off = lx_btf_str_off(lp->str_raw, lp->str_size, cur.file);
			}
			li[n].insn_off = (uint32_t)i;
			li[n].file_name_off = last_file_off;
			li[n].line_off = lx_btf_str_off(lp->str_raw, lp->str_size, cur.text);
			li[n].line_col = (cur.line << 10) | (cur.col & 0x3ff);
			n++;
			prev = cur;
			have_prev = true;
		}
		if (lddw)
			i++; /* the second half of an lddw never has an entry */
	}
	*out_cnt = (uint32_t)n;
	return li;
none:
	free(li);
	return NULL;
}

static bool starts(const char *l, const char *p) { return !strncmp(l, p, strlen(p)); }

/* Statistics and notes that are not the error. */
static bool log_noise(const char *l)
{
	return starts(l, "processed ") || starts(l, "verification time") ||
	       starts(l, "stack depth") || starts(l, "max_states_per_insn") ||
	       strstr(l, " is global and assumed valid.") != NULL ||
	       strstr(l, " is safe for any args that match its prototype") != NULL ||
	       starts(l, "Validating ");
}

/* An instruction or state line of the trace: "12: ...", "; source", "from 3 to 7: ...". */
static bool log_trace(const char *l)
{
	const char *d = l;

	while (*d >= '0' && *d <= '9')
		d++;
	return (d > l && *d == ':') || starts(l, "; ") || starts(l, "from ") ||
	       starts(l, "mark_precise") || starts(l, "last_idx") || starts(l, "regs=") ||
	       starts(l, "parent ") || starts(l, "func#");
}

/* Linux's error in a failed load's log: the lines after the last trace line, statistics left
 * out, joined with "; " (Linux often explains in two lines: "Unreleased reference id=2 ...",
 * then "bpf_throw would lead to reference leak"). */
static void error_line(const char *klog, char *out, size_t size)
{
	struct log o;
	const char *block = klog;
	bool first = true;

	for (const char *l = klog; *l;) {
		const char *e = strchr(l, '\n');

		e = e ? e : l + strlen(l);
		if (log_trace(l))
			block = *e ? e + 1 : e;
		l = *e ? e + 1 : e;
	}
	log_init(&o, out, size);
	out[0] = '\0';
	for (const char *l = block; *l;) {
		const char *e = strchr(l, '\n');

		e = e ? e : l + strlen(l);
		if (e > l && !log_noise(l)) {
			log_printf(&o, "%s%.*s", first ? "" : "; ", (int)(e - l), l);
			first = false;
		}
		l = *e ? e + 1 : e;
	}
	if (first)
		snprintf(out, size, "no verifier log");
}

static bool sleepable(const struct exbpf_prog *prog)
{
	const char *s = exbpf_prog__section_name(prog);
	const char *slash = strchr(s, '/');
	size_t head = slash ? (size_t)(slash - s) : strlen(s);

	return exbpf_prog__type(prog) == BPF_PROG_TYPE_SYSCALL ||
	       (head > 2 && !strncmp(s + head - 2, ".s", 2));
}

/* The target of a tracing program, from its section name (fentry/NAME, tp_btf/NAME, ...). */
static int attach_btf_id(struct exbpf_linux_prog *lp, const struct exbpf_prog *prog, uint32_t *out,
			 struct log *log)
{
	const char *sec = exbpf_prog__section_name(prog), *slash = strchr(sec, '/');
	char name[160];
	int id;

	*out = 0;
	if (exbpf_prog__type(prog) != BPF_PROG_TYPE_TRACING || !slash)
		return 0;
	if (exbpf_prog__expected_attach_type(prog) == BPF_TRACE_RAW_TP)
		snprintf(name, sizeof(name), "btf_trace_%s", slash + 1);
	else
		snprintf(name, sizeof(name), "%s", slash + 1);
	id = ensure_vmlinux(lp, exbpf_prog__name(prog), log);
	if (id)
		return id;
	id = exbpf_btf__find_by_name_kind(lp->vmlinux, name,
					  exbpf_prog__expected_attach_type(prog) == BPF_TRACE_RAW_TP
					      ? BTF_KIND_TYPEDEF
					      : BTF_KIND_FUNC);
	if (id <= 0) {
		log_printf(log, "%s: attach target '%s' is not in the kernel's BTF",
			   exbpf_prog__name(prog), name);
		return -ENOENT;
	}
	*out = (uint32_t)id;
	return 0;
}

static int load_prog(struct exbpf_linux_prog *lp, const struct exbpf_prog *prog, struct log *log,
		     char *user_log, size_t user_log_size)
{
	const struct bpf_insn *src;
	struct bpf_insn *in = NULL;
	struct bpf_func_info *fi = NULL;
	struct bpf_line_info *li = NULL;
	uint32_t nfi = 0, nli = 0, target = 0, level = lp->log_level;
	size_t cnt, ksize = user_log_size > KLOG_MIN ? user_log_size : KLOG_MIN;
	char *klog = NULL;
	union bpf_attr a;
	int err, fd = -1;

	if (exbpf_prog__type(prog) == EXBPF_PROG_TYPE_RAW) {
		log_printf(log, "%s: exbpf's raw program type has no Linux equivalent",
			   exbpf_prog__name(prog));
		return -EOPNOTSUPP;
	}
	err = exbpf_prog__insns(prog, &src, &cnt);
	if (err) {
		log_printf(log, "%s: %s", exbpf_prog__name(prog), exbpf_prog__link_error(prog));
		return err;
	}
	in = malloc(cnt * sizeof(*in));
	if (!in)
		return -ENOMEM;
	memcpy(in, src, cnt * sizeof(*in));
	err = patch_insns(lp, prog, in, cnt, log);
	if (!err)
		err = attach_btf_id(lp, prog, &target, log);
	if (err)
		goto out;
	if (lp->btf_fd >= 0 && (fi = func_info(prog, &nfi)))
		li = line_info(lp, prog, in, cnt, &nli);

	for (int attempt = 0; attempt < 8; attempt++) {
		if (level && !klog && !(klog = malloc(ksize))) {
			err = -ENOMEM;
			goto out;
		}
		memset(&a, 0, sizeof(a));
		a.prog_type = exbpf_prog__type(prog);
		a.expected_attach_type = exbpf_prog__expected_attach_type(prog);
		a.insns = (uint64_t)(uintptr_t)in;
		a.insn_cnt = (uint32_t)cnt;
		a.license = (uint64_t)(uintptr_t)lp->license;
		kernel_name(a.prog_name, "", 0, exbpf_prog__name(prog));
		a.attach_btf_id = target;
		if (sleepable(prog))
			a.prog_flags |= BPF_F_SLEEPABLE;
		if (!strncmp(exbpf_prog__section_name(prog), "xdp.frags", 9))
			a.prog_flags |= BPF_F_XDP_HAS_FRAGS;
		if (lp->btf_fd >= 0) {
			a.prog_btf_fd = (uint32_t)lp->btf_fd;
			if (fi) {
				a.func_info = (uint64_t)(uintptr_t)fi;
				a.func_info_cnt = nfi;
				a.func_info_rec_size = sizeof(*fi);
			}
			if (li) {
				a.line_info = (uint64_t)(uintptr_t)li;
				a.line_info_cnt = nli;
				a.line_info_rec_size = sizeof(*li);
			}
		}
		if (level) {
			klog[0] = '\0';
			a.log_level = level;
			a.log_buf = (uint64_t)(uintptr_t)klog;
			a.log_size = (uint32_t)ksize;
		}
		fd = lx_sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0)
			break;
		err = -errno;
		if (err == -ENOSPC && level && ksize < KLOG_MAX) {
			/* The log did not fit: Linux fails the load for it. */
			free(klog);
			klog = NULL;
			ksize *= 8;
			continue;
		}
		if (!level) {
			level = 1; /* once more, for Linux's reason */
			continue;
		}
		break;
	}
	if (fd < 0) {
		char line[512];

		if (unavailable_errno(-err) && !exbpf_linux__available(line, sizeof(line))) {
			log_printf(log, "%s", line);
			goto out;
		}
		error_line(klog ? klog : "", line, sizeof(line));
		log_printf(log, "%s: rejected by Linux: %s (%s)\n%s", exbpf_prog__name(prog), line,
			   strerror(-err), klog ? klog : "");
		err = -EACCES;
		goto out;
	}
	err = 0;
	lp->prog_fds[exbpf_prog__index(prog)] = fd;
	if (lp->log_level && klog && prog == lp->main && user_log && user_log_size)
		snprintf(user_log, user_log_size, "%s", klog);
out:
	free(klog);
	free(li);
	free(fi);
	free(in);
	return err;
}

static int ensure_loaded(struct exbpf_linux_prog *lp, const struct exbpf_prog *prog,
			 struct log *log)
{
	if (lp->prog_fds[exbpf_prog__index(prog)] >= 0)
		return 0;
	return load_prog(lp, prog, log, NULL, 0);
}

static int set_slot(struct exbpf_linux_prog *lp, size_t map, uint32_t key, int prog_fd,
		    struct log *log)
{
	union bpf_attr a;
	uint32_t v = (uint32_t)prog_fd;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)lp->map_fds[map];
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&v;
	if (lx_sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		int err = -errno;

		log_printf(log, "prog array slot %u: %s", key, strerror(-err));
		return err;
	}
	return 0;
}

/* Prog arrays filled declaratively (`.values = {...}`): load their programs, fill them. */
static int fill_prog_arrays(struct exbpf_linux_prog *lp, struct log *log)
{
	struct exbpf_map_spec *m;

	exbpf_object__for_each_map(m, lp->obj)
	{
		const struct exbpf_map_def *d = exbpf_map_spec__def(m);
		const uint32_t *slots = d->initial_value;

		if (d->type != BPF_MAP_TYPE_PROG_ARRAY || !slots)
			continue;
		for (uint32_t k = 0; k < d->initial_size / 4; k++) {
			const struct exbpf_prog *t;
			int err;

			if (slots[k] == UINT32_MAX)
				continue;
			t = prog_by_index(lp->obj, slots[k]);
			if (!t) {
				log_printf(log,
					   "map '%s': slot %u names program %u, which is absent",
					   d->name, k, slots[k]);
				return -EINVAL;
			}
			err = ensure_loaded(lp, t, log);
			if (!err)
				err = set_slot(lp, exbpf_map_spec__index(m), k,
					       lp->prog_fds[exbpf_prog__index(t)], log);
			if (err) {
				if (err == -EACCES)
					log_printf(log, " (tail-call target of map '%s')", d->name);
				return err;
			}
		}
	}
	return 0;
}

void exbpf_linux__free(struct exbpf_linux_prog *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nprogs; i++)
		if (p->prog_fds && p->prog_fds[i] >= 0)
			close(p->prog_fds[i]);
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->map_fds[i] >= 0)
			close(p->map_fds[i]);
	if (p->btf_fd >= 0)
		close(p->btf_fd);
	exbpf_btf__free(p->vmlinux);
	free(p->btf_copy);
	free(p->map_fds);
	free(p->prog_fds);
	free(p);
}

int exbpf_linux__load(const struct exbpf_object *obj, const char *prog_name,
		      const struct exbpf_linux_opts *opts, struct exbpf_linux_prog **out)
{
	struct exbpf_linux_prog *lp;
	const struct exbpf_prog *prog;
	char *user_log = NULL;
	size_t user_size = 0;
	struct log log;
	int err;

	if (opts && opts->sz >= offsetof(struct exbpf_linux_opts, log_size) + sizeof(size_t)) {
		user_log = opts->log_buf;
		user_size = opts->log_buf ? opts->log_size : 0;
	}
	log_init(&log, user_log, user_size);
	*out = NULL;
	if (!obj || !prog_name)
		return -EINVAL;
	prog = exbpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		log_printf(&log, "no program named '%s'", prog_name);
		return -ENOENT;
	}
	if (exbpf_prog__type(prog) == EXBPF_PROG_TYPE_RAW) {
		log_printf(&log, "%s: exbpf's raw program type has no Linux equivalent", prog_name);
		return -EOPNOTSUPP;
	}
	lp = calloc(1, sizeof(*lp));
	if (!lp)
		return -ENOMEM;
	lp->obj = obj;
	lp->main = prog;
	lp->btf_fd = -1;
	lp->license = "GPL";
	if (opts && opts->sz >= offsetof(struct exbpf_linux_opts, license) + sizeof(char *)) {
		lp->log_level = opts->log_level;
		if (opts->license)
			lp->license = opts->license;
	}
	lp->nprogs = count_progs(obj);
	lp->prog_fds = malloc((lp->nprogs ? lp->nprogs : 1) * sizeof(int));
	if (!lp->prog_fds) {
		free(lp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < lp->nprogs; i++)
		lp->prog_fds[i] = -1;
	err = load_btf(lp, &log);
	if (!err)
		err = create_maps(lp, &log);
	if (err && unavailable_errno(-err)) {
		char why[256];

		if (!exbpf_linux__available(why, sizeof(why))) {
			log_init(&log, user_log, user_size);
			log_printf(&log, "%s", why);
		}
	}
	if (!err)
		err = load_prog(lp, prog, &log, user_log, user_size);
	if (!err)
		err = fill_prog_arrays(lp, &log);
	/* The kernel's BTF is large: keep it only while loading. */
	exbpf_btf__free(lp->vmlinux);
	lp->vmlinux = NULL;
	if (err) {
		exbpf_linux__free(lp);
		return err;
	}
	*out = lp;
	return 0;
}

int exbpf_linux__set_tail(struct exbpf_linux_prog *p, const char *map_name, uint32_t key,
			  const char *prog_name, char *log_buf, size_t log_size)
{
	const struct exbpf_map_spec *m = exbpf_object__find_map_by_name(p->obj, map_name);
	const struct exbpf_prog *t = exbpf_object__find_program_by_name(p->obj, prog_name);
	struct log log;
	int err;

	log_init(&log, log_buf, log_size);
	if (!m || exbpf_map_spec__def(m)->type != BPF_MAP_TYPE_PROG_ARRAY) {
		log_printf(&log, "no prog array named '%s'", map_name);
		return -ENOENT;
	}
	if (!t) {
		log_printf(&log, "no program named '%s'", prog_name);
		return -ENOENT;
	}
	err = ensure_loaded(p, t, &log);
	exbpf_btf__free(p->vmlinux);
	p->vmlinux = NULL;
	if (!err)
		err = set_slot(p, exbpf_map_spec__index(m), key, p->prog_fds[exbpf_prog__index(t)],
			       &log);
	return err;
}

bool exbpf_linux__takes_packet(const struct exbpf_linux_prog *p)
{
	switch (exbpf_prog__type(p->main)) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return true;
	default:
		return false;
	}
}

int exbpf_linux__prog_fd(const struct exbpf_linux_prog *p)
{
	return p->prog_fds[exbpf_prog__index(p->main)];
}

int exbpf_linux__map_fd(const struct exbpf_linux_prog *p, const char *name)
{
	const struct exbpf_map_spec *m = exbpf_object__find_map_by_name(p->obj, name);

	return m && exbpf_map_spec__index(m) < p->nmaps ? p->map_fds[exbpf_map_spec__index(m)]
							: -ENOENT;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int exbpf_linux__run(struct exbpf_linux_prog *p, const void *data, size_t size, const void *ctx,
		     size_t ctx_size, uint32_t repeat, uint64_t *retval, uint64_t *duration_ns,
		     char *log_buf, size_t log_size)
{
	bool packet = exbpf_linux__takes_packet(p);
	/* raw_tp, syscall and others take neither repeat nor duration: loop here. */
	uint32_t loops = packet ? 1 : (repeat ? repeat : 1);
	uint64_t t0 = now_ns(), dur = 0;
	union bpf_attr a;
	struct log log;

	log_init(&log, log_buf, log_size);
	for (uint32_t i = 0; i < loops; i++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)exbpf_linux__prog_fd(p);
		if (packet) {
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = (uint32_t)size;
			a.test.repeat = repeat;
		}
		if (ctx && ctx_size) {
			a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
			a.test.ctx_size_in = (uint32_t)ctx_size;
		}
		if (lx_sys_bpf(BPF_PROG_TEST_RUN, &a)) {
			int err = -errno;

			log_printf(&log, "BPF_PROG_TEST_RUN: %s", strerror(-err));
			return err;
		}
	}
	dur = packet ? a.test.duration : (now_ns() - t0) / loops;
	if (retval)
		*retval = a.test.retval;
	if (duration_ns)
		*duration_ns = dur;
	return 0;
}

bool exbpf_linux__available(char *why, size_t size)
{
	struct bpf_insn prog[2] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = lx_sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (why && size) {
		int e = errno;

		snprintf(why, size, "bpf() is unavailable: %s%s", strerror(e),
			 e == EPERM    ? " (needs root: CAP_BPF and CAP_SYS_ADMIN)"
			 : e == ENOSYS ? " (not a Linux kernel with BPF)"
				       : "");
	}
	return false;
}
