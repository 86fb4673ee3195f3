/* The Linux backend (<exbpf/linux.h>) against the running kernel: loads, runs, rejections,
 * tail calls, global data, BTF preparation. Every test that needs bpf() prints a SKIP notice
 * and returns when the kernel does not answer (not root, no BPF). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <exbpf/exbpf.h>
#include <exbpf/linux.h>

#include "linux/linux_priv.h"
#include "testlib.h"

static bool kernel_here(const char *test)
{
	char why[256];

	if (exbpf_linux__available(why, sizeof(why)))
		return true;
	printf("SKIP unit:%s: %s\n", test, why);
	return false;
}

static struct exbpf_object *open_prog(const char *name)
{
	char path[512];
	struct exbpf_object *obj;

	snprintf(path, sizeof(path), "%s/%s.bpf.o", test_progs_dir(), name);
	obj = exbpf_object__open_file(path, NULL);
	if (!obj)
		test_fail(__FILE__, __LINE__, "cannot open %s", path);
	return obj;
}

/* Loads and runs prog on 64 zero bytes; the kernel's retval, or UINT64_MAX on failure. */
static uint64_t kernel_retval(struct exbpf_object *obj, const char *prog)
{
	char log[4096] = "";
	EXBPF_OPTS(exbpf_linux_opts, o, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_linux_prog *lp;
	uint8_t data[64] = {0};
	uint64_t ret = UINT64_MAX;
	int err = exbpf_linux__load(obj, prog, &o, &lp);

	if (err) {
		test_fail(__FILE__, __LINE__, "%s: load: %d: %s", prog, err, log);
		return ret;
	}
	err = exbpf_linux__run(lp, data, sizeof(data), NULL, 0, 1, &ret, NULL, log, sizeof(log));
	if (err)
		test_fail(__FILE__, __LINE__, "%s: run: %d: %s", prog, err, log);
	exbpf_linux__free(lp);
	return ret;
}

TEST(linux_available_says_why)
{
	char why[256] = "";
	bool ok = exbpf_linux__available(why, sizeof(why));

	CHECK(ok || strstr(why, "bpf() is unavailable") != NULL);
}

/* Linux's own exception semantics, on exbpf's linking and callback placement. */
TEST(linux_exceptions_rt)
{
	struct exbpf_object *obj;

	if (!kernel_here("linux_exceptions_rt") || !(obj = open_prog("exceptions_rt")))
		return;
	CHECK_EQ(kernel_retval(obj, "throw_default"), 17);
	CHECK_EQ(kernel_retval(obj, "throw_deep"), 166);
	CHECK_EQ(kernel_retval(obj, "no_throw"), 5);
	CHECK_EQ(kernel_retval(obj, "cookie_truncated"), 5);
	/* The target throws 16, its caller's caller adds 8 (Linux's exception_tail_call). */
	CHECK_EQ(kernel_retval(obj, "throw_in_tail_target"), 24);
	exbpf_object__close(obj);
}

TEST(linux_rejection_gives_linux_error_first)
{
	struct exbpf_object *obj;
	char log[1 << 16] = "";
	EXBPF_OPTS(exbpf_linux_opts, o, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_linux_prog *lp = NULL;

	if (!kernel_here("linux_rejection_gives_linux_error_first") ||
	    !(obj = open_prog("exceptions_rt")))
		return;
	CHECK_EQ(exbpf_linux__load(obj, "throw_in_loop", &o, &lp), -EACCES);
	CHECK(lp == NULL);
	CHECK(!strncmp(log, "throw_in_loop: rejected by Linux: ", 34));
	CHECK(strstr(log, "cannot be called from callback subprog") < strchr(log, '\n'));
	/* The verifier log follows the first line. */
	CHECK_CONTAINS(log, "processed ");
	exbpf_object__close(obj);
}

TEST(linux_refuses_raw_and_unknown)
{
	struct exbpf_object *obj = open_prog("loader_multi");
	char log[256] = "";
	EXBPF_OPTS(exbpf_linux_opts, o, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_linux_prog *lp = NULL;

	if (!obj)
		return;
	/* Both are refused before any bpf() call: no kernel needed. */
	CHECK_EQ(exbpf_linux__load(obj, "prog_raw", &o, &lp), -EOPNOTSUPP);
	CHECK_CONTAINS(log, "raw program type has no Linux equivalent");
	CHECK_EQ(exbpf_linux__load(obj, "no_such_prog", &o, &lp), -ENOENT);
	CHECK(lp == NULL);
	exbpf_object__close(obj);
}

/* Every runnable type of loader_multi, with and without a context, repeated. */
TEST(linux_program_types)
{
	struct exbpf_object *obj;
	uint8_t ctx[64] = {0};
	char log[1024] = "";
	struct exbpf_linux_prog *lp;
	uint64_t ret = 0, ns = 0;

	if (!kernel_here("linux_program_types") || !(obj = open_prog("loader_multi")))
		return;
	CHECK_EQ(kernel_retval(obj, "prog_tc"), 226);
	CHECK_EQ((uint32_t)kernel_retval(obj, "prog_xdp"), (uint32_t)-3);
	CHECK_EQ(kernel_retval(obj, "prog_socket"), 56); /* skb->len 50: past the Ethernet header */
	CHECK_EQ(exbpf_linux__load(obj, "prog_rawtp", NULL, &lp), 0);
	if (lp) {
		CHECK(!exbpf_linux__takes_packet(lp));
		CHECK(exbpf_linux__prog_fd(lp) >= 0);
		/* raw_tp takes no repeat in Linux: the backend loops itself. */
		CHECK_EQ(
		    exbpf_linux__run(lp, NULL, 0, ctx, sizeof(ctx), 3, &ret, &ns, log, sizeof(log)),
		    0);
		CHECK_EQ(ret, 90);
		exbpf_linux__free(lp);
	}
	/* syscall programs load sleepable, as libbpf loads them. */
	CHECK_EQ(exbpf_linux__load(obj, "prog_syscall", NULL, &lp), 0);
	if (lp) {
		CHECK_EQ(exbpf_linux__run(lp, NULL, 0, ctx, sizeof(ctx), 1, &ret, NULL, NULL, 0),
			 0);
		CHECK_EQ(ret, 184);
		exbpf_linux__free(lp);
	}
	exbpf_object__close(obj);
}

/* A verifier log with source lines proves Linux took exbpf's func_info and line_info. */
TEST(linux_line_info_reaches_the_log)
{
	struct exbpf_object *obj;
	static char log[1 << 20];
	EXBPF_OPTS(exbpf_linux_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 2);
	struct exbpf_linux_prog *lp = NULL;

	if (!kernel_here("linux_line_info_reaches_the_log") || !(obj = open_prog("exceptions_rt")))
		return;
	log[0] = '\0';
	CHECK_EQ(exbpf_linux__load(obj, "throw_deep", &o, &lp), 0);
	CHECK_CONTAINS(log, "; return depth1(skb->len); @ exceptions_rt.bpf.c:48");
	CHECK_CONTAINS(log, "if (x > 10) @ exceptions_rt.bpf.c:29");
	exbpf_linux__free(lp);
	exbpf_object__close(obj);
}

/* --tail: another program of the object into a prog array, loaded on demand. */
TEST(linux_set_tail)
{
	struct exbpf_object *obj;
	char log[4096] = "";
	struct exbpf_linux_prog *lp = NULL;
	uint8_t data[64] = {0};
	uint64_t ret = 0;

	if (!kernel_here("linux_set_tail") || !(obj = open_prog("exceptions_rt")))
		return;
	CHECK_EQ(exbpf_linux__load(obj, "throw_in_tail_target", NULL, &lp), 0);
	if (lp) {
		/* throw_default returns 17 (its cookie); the subprogram's caller adds 8. */
		CHECK_EQ(
		    exbpf_linux__set_tail(lp, "jmp_table", 0, "throw_default", log, sizeof(log)),
		    0);
		CHECK_EQ(exbpf_linux__run(lp, data, sizeof(data), NULL, 0, 1, &ret, NULL, NULL, 0),
			 0);
		CHECK_EQ(ret, 25);
		CHECK_EQ(
		    exbpf_linux__set_tail(lp, "no_such_map", 0, "throw_default", log, sizeof(log)),
		    -ENOENT);
		CHECK_EQ(
		    exbpf_linux__set_tail(lp, "jmp_table", 0, "throw_in_loop", log, sizeof(log)),
		    -EACCES);
		exbpf_linux__free(lp);
	}
	exbpf_object__close(obj);
}

/* Global data: the kernel's .bss after a run equals the interpreter's, and maps carry
 * libbpf's names. */
TEST(linux_global_data_matches_interpreter)
{
	struct exbpf_object *obj;
	struct exbpf_linux_prog *lp = NULL;
	struct exbpf_env *env = NULL;
	struct exbpf_instance *inst = NULL;
	uint8_t data[64] = {0}, *kbss = NULL, *ibss = NULL;
	uint32_t zero = 0;
	uint64_t ret = 1;
	size_t bss_size;
	int fd;

	if (!kernel_here("linux_global_data_matches_interpreter") || !(obj = open_prog("core_skb")))
		return;
	CHECK(exbpf_object__find_map_by_name(obj, ".bss") != NULL);
	if (!exbpf_object__find_map_by_name(obj, ".bss"))
		goto out;
	bss_size = exbpf_map_spec__def(exbpf_object__find_map_by_name(obj, ".bss"))->value_size;
	kbss = calloc(1, bss_size);
	ibss = calloc(1, bss_size);
	if (!kbss || !ibss)
		goto out;
	CHECK_EQ(exbpf_linux__load(obj, "core_types", NULL, &lp), 0);
	if (!lp)
		goto out;
	CHECK_EQ(exbpf_linux__run(lp, data, sizeof(data), NULL, 0, 1, &ret, NULL, NULL, 0), 0);
	CHECK_EQ(ret, 0);
	fd = exbpf_linux__map_fd(lp, ".bss");
	CHECK(fd >= 0);
	if (fd >= 0) {
		union bpf_attr a;
		struct bpf_map_info info;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uint64_t)(uintptr_t)&zero;
		a.value = (uint64_t)(uintptr_t)kbss;
		CHECK_EQ(lx_sys_bpf(BPF_MAP_LOOKUP_ELEM, &a), 0);
		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		CHECK_EQ(lx_sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		CHECK_STR(info.name, "core_skb.bss");
	}
	{
		EXBPF_OPTS(exbpf_load_opts, lo, .only_program = "core_types", .unverified = true);
		struct exbpf_program *p;
		struct exbpf_map *m;

		env = exbpf_env__new(NULL);
		CHECK_EQ(exbpf_instance__load(env, obj, &lo, &inst), 0);
		p = inst ? exbpf_instance__find_program(inst, "core_types") : NULL;
		m = inst ? exbpf_instance__find_map(inst, ".bss") : NULL;
		CHECK(p && m);
		if (p && m) {
			EXBPF_OPTS(exbpf_run_opts, ro, .data_in = data,
				   .data_size_in = sizeof(data));

			CHECK_EQ(exbpf_map__value_buf_size(m), bss_size);
			CHECK_EQ(exbpf_program__run(p, &ro), 0);
			if (exbpf_map__value_buf_size(m) == bss_size)
				CHECK_EQ(exbpf_map__lookup_elem(m, &zero, ibss, 0), 0);
		}
	}
	/* All of .bss (core_types fills out[3..15]; out[15] is bpf_core_type_id_kernel, resolved
	 * against exbpf's UAPI types and not vmlinux, in both engines alike). */
	{
		bool written = false;

		for (size_t i = 0; i < bss_size; i++)
			written |= kbss[i] != 0;
		CHECK(written);
	}
	for (size_t i = 0; i < bss_size; i++)
		if (kbss[i] != ibss[i]) {
			test_fail(__FILE__, __LINE__, ".bss byte %zu: kernel 0x%x, exbpf 0x%x", i,
				  kbss[i], ibss[i]);
			break;
		}
out:
	free(kbss);
	free(ibss);
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_linux__free(lp);
	exbpf_object__close(obj);
}

TEST(linux_map_names_follow_libbpf)
{
	struct exbpf_object *obj = open_prog("exceptions_rt");
	char name[BPF_OBJ_NAME_LEN];
	struct exbpf_map_def d = {.name = ".rodata", .global_data = true};

	if (!obj)
		return;
	lx_map_name(obj, &d, name);
	CHECK_STR(name, "exceptio.rodata");
	d.name = ".data.custom"; /* a second '.': no prefix */
	lx_map_name(obj, &d, name);
	CHECK_STR(name, ".data.custom");
	d.name = ".bss";
	lx_map_name(obj, &d, name);
	CHECK_STR(name, "exceptio.bss");
	d = (struct exbpf_map_def){.name = "a_rather_long_map_name-x"};
	lx_map_name(obj, &d, name);
	CHECK_STR(name, "a_rather_long_m");
	exbpf_object__close(obj);
}

/* The object's BTF as clang emits it has extern FUNCs Linux refuses ("Invalid func
 * linkage"); libbpf's fix-ups make it loadable, and the sanitized form still loads. */
TEST(linux_btf_fixups)
{
	struct exbpf_object *obj = open_prog("exceptions_rt");
	const void *raw;
	void *fixed = NULL;
	size_t size, fsize = 0;
	int fd;

	if (!obj)
		return;
	raw = exbpf_btf__raw_data(exbpf_object__btf(obj), &size);
	CHECK_EQ(lx_btf_fix_externs(raw, size, &fixed, &fsize), 0);
	CHECK(fsize > size);
	{
		/* Ids and strings of the original stay where they were. */
		struct exbpf_btf *b = NULL;
		uint32_t off = lx_btf_str_off(raw, size, "bpf_throw");

		CHECK(off > 0);
		CHECK_EQ(exbpf_btf__parse(fixed, fsize, &b, NULL, 0), 0);
		if (b) {
			CHECK_STR(exbpf_btf__name_by_offset(b, off), "bpf_throw");
			CHECK_EQ(exbpf_btf__find_by_name_kind(b, "bpf_throw", BTF_KIND_FUNC),
				 exbpf_btf__find_by_name_kind(exbpf_object__btf(obj), "bpf_throw",
							      BTF_KIND_FUNC));
			CHECK(exbpf_btf__find_by_name_kind(b, "dummy_ksym", BTF_KIND_VAR) > 0);
			exbpf_btf__free(b);
		}
		CHECK_EQ(lx_btf_str_off(raw, size, "no such string in BTF"), 0);
	}
	if (kernel_here("linux_btf_fixups")) {
		fd = lx_btf_load(raw, size, NULL, 0);
		CHECK(fd == -EINVAL); /* "Invalid func linkage" */
		if (fd >= 0)
			close(fd);
		fd = lx_btf_load(fixed, fsize, NULL, 0);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK(lx_btf_sanitize(fixed, fsize) > 0);
		fd = lx_btf_load(fixed, fsize, NULL, 0);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	free(fixed);
	exbpf_object__close(obj);
}

/* Kfunc externs resolve against the kernel's BTF; bpf_throw is in vmlinux. */
TEST(linux_vmlinux_btf)
{
	struct exbpf_btf *v = NULL;
	char log[256] = "";

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		printf("SKIP unit:linux_vmlinux_btf: no /sys/kernel/btf/vmlinux\n");
		return;
	}
	CHECK_EQ(lx_vmlinux_btf(&v, log, sizeof(log)), 0);
	if (v) {
		CHECK(exbpf_btf__find_by_name_kind(v, "bpf_throw", BTF_KIND_FUNC) > 0);
		CHECK(exbpf_btf__find_by_name_kind(v, "bpf_exbpf_no_such_kfunc", BTF_KIND_FUNC) <
		      0);
		exbpf_btf__free(v);
	}
}

TEST(linux_unknown_kfunc_is_named)
{
	struct exbpf_object *obj;
	char log[1024] = "";
	EXBPF_OPTS(exbpf_linux_opts, o, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_linux_prog *lp = NULL;

	if (!kernel_here("linux_unknown_kfunc_is_named") ||
	    !(obj = open_prog("loader_kfunc_unknown")))
		return;
	CHECK_EQ(exbpf_linux__load(obj, "unknown_kfunc_user", &o, &lp), -ENOENT);
	CHECK_CONTAINS(log, "kfunc 'bpf_exbpf_no_such_kfunc' is not in the running kernel's BTF");
	exbpf_object__close(obj);
}
