/* Linux's helper prototypes (src/verifier/helper_proto.c): the table's invariants, a few
 * prototypes, and, against the running kernel, which program types may call which helper
 * and which helpers are GPL-only. The kernel checks load a program that calls the helper
 * (arguments unset: the helper lookup comes first) and look for "program of this type cannot
 * use helper" in the log; they print a SKIP notice when bpf() is unavailable. The full sweep
 * over every helper and program type runs on Linux 6.18 only (the table is 6.18's). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <exbpf/btf.h>
#include <exbpf/linux.h>

#include "linux/linux_priv.h"
#include "testlib.h"
#include "verifier/verifier.h"

#define MAX_ID 211

static bool is_mem(enum exbpf_arg_kind k)
{
	return k == EXBPF_ARG_PTR_TO_MEM || k == EXBPF_ARG_PTR_TO_UNINIT_MEM ||
	       k == EXBPF_ARG_PTR_TO_MEM_OR_NULL;
}

TEST(helper_proto_table_invariants)
{
	for (int32_t id = 1; id <= MAX_ID; id++) {
		const struct verifier_helper *h = verifier_helper_proto(id);

		if (!h) {
			test_fail(__FILE__, __LINE__, "helper %d missing", id);
			continue;
		}
		CHECK_EQ(h->id, id);
		if (!h->name || strncmp(h->name, "bpf_", 4) != 0 || strlen(h->name) < 5)
			test_fail(__FILE__, __LINE__, "helper %d: bad name", id);
		for (int32_t j = 1; j < id; j++) {
			const struct verifier_helper *o = verifier_helper_proto(j);

			if (o && o->name && h->name && strcmp(o->name, h->name) == 0)
				test_fail(__FILE__, __LINE__, "%s: ids %d and %d", h->name, j, id);
		}
		const enum exbpf_arg_kind *a = h->proto.args;
		bool ended = false;

		for (int i = 0; i < 5; i++) {
			if (a[i] == EXBPF_ARG_NONE)
				ended = true;
			else if (ended)
				test_fail(__FILE__, __LINE__, "%s: arg %d after a missing one", h->name,
					  i + 1);
			if ((a[i] == EXBPF_ARG_CONST_SIZE || a[i] == EXBPF_ARG_CONST_SIZE_OR_ZERO) &&
			    (i == 0 || !is_mem(a[i - 1])))
				test_fail(__FILE__, __LINE__, "%s: size arg %d follows no memory",
					  h->name, i + 1);
			/* A memory argument's size is the next one, except for the fixed-size
			 * arguments of unsupported helpers. */
			if (is_mem(a[i]) && !h->unsupported &&
			    (i == 4 || (a[i + 1] != EXBPF_ARG_CONST_SIZE &&
					a[i + 1] != EXBPF_ARG_CONST_SIZE_OR_ZERO)))
				test_fail(__FILE__, __LINE__, "%s: memory arg %d has no size", h->name,
					  i + 1);
		}
		if (h->proto.ret == EXBPF_RET_OTHER)
			CHECK(h->unsupported);
		if (h->proto.flags & EXBPF_FN_ACQUIRE) {
			/* release_fn names a releasing helper, or the kfunc that frees an object
			 * from bpf_obj_new (what bpf_kptr_xchg hands out: the runtime's table) */
			bool found = h->proto.release_fn &&
				     strcmp(h->proto.release_fn, "bpf_obj_drop_impl") == 0;

			for (int32_t j = 1; j <= MAX_ID && h->proto.release_fn; j++) {
				const struct verifier_helper *r = verifier_helper_proto(j);

				found |= r && r->name && strcmp(r->name, h->proto.release_fn) == 0 &&
					 (r->proto.flags & EXBPF_FN_RELEASE);
			}
			if (!found)
				test_fail(__FILE__, __LINE__, "%s: bad release_fn", h->name);
		}
		if (h->proto.flags & EXBPF_FN_RELEASE)
			CHECK(h->proto.release_arg < 5 && a[h->proto.release_arg] != EXBPF_ARG_NONE);
		if (h->proto.flags & (EXBPF_FN_CALLBACK | EXBPF_FN_ASYNC_CALLBACK)) {
			bool fn = false;

			for (int i = 0; i < 5; i++)
				fn |= a[i] == EXBPF_ARG_PTR_TO_FUNC;
			CHECK(fn);
		}
		if (h->prog_types & ~(VPT_SOCKET_FILTER | VPT_SCHED_CLS | VPT_SCHED_ACT | VPT_XDP |
				      VPT_CGROUP_SKB | VPT_RAW_TP | VPT_TRACING | VPT_SYSCALL |
				      VPT_EXBPF))
			test_fail(__FILE__, __LINE__, "%s: unknown prog_types bits", h->name);
	}
	CHECK(verifier_helper_proto(0) == NULL);
	CHECK(verifier_helper_proto(-1) == NULL);
	CHECK(verifier_helper_proto(MAX_ID + 1) == NULL);
	CHECK(verifier_helper_proto(195896080) == NULL); /* libbpf's poisoned call */
}

TEST(helper_proto_samples)
{
	const struct verifier_helper *h = verifier_helper_proto(BPF_FUNC_map_lookup_elem);

	CHECK_STR(h->name, "bpf_map_lookup_elem");
	CHECK_EQ(h->proto.ret, EXBPF_RET_MAP_VALUE_OR_NULL);
	CHECK_EQ(h->proto.args[0], EXBPF_ARG_CONST_MAP_PTR);
	CHECK_EQ(h->proto.args[1], EXBPF_ARG_PTR_TO_MAP_KEY);
	CHECK_EQ(h->proto.args[2], EXBPF_ARG_NONE);
	CHECK(h->prog_types & VPT_EXBPF);
	CHECK(!h->gpl_only && !h->unsupported);

	h = verifier_helper_proto(BPF_FUNC_ringbuf_reserve);
	CHECK_STR(h->name, "bpf_ringbuf_reserve");
	CHECK_EQ(h->proto.ret, EXBPF_RET_MEM_OR_NULL);
	CHECK_EQ(h->proto.flags, EXBPF_FN_ACQUIRE);
	CHECK_EQ(h->proto.args[1], EXBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO);
	h = verifier_helper_proto(BPF_FUNC_ringbuf_discard);
	CHECK_EQ(h->proto.flags, EXBPF_FN_RELEASE);
	CHECK_EQ(h->proto.release_arg, 0);
	CHECK_EQ(h->proto.args[0], EXBPF_ARG_PTR_TO_ALLOC_MEM);
	CHECK_EQ(h->proto.ret, EXBPF_RET_VOID);

	h = verifier_helper_proto(BPF_FUNC_loop);
	CHECK_EQ(h->proto.flags, EXBPF_FN_CALLBACK);
	CHECK_EQ(h->proto.args[1], EXBPF_ARG_PTR_TO_FUNC);
	h = verifier_helper_proto(BPF_FUNC_timer_set_callback);
	CHECK_EQ(h->proto.flags, EXBPF_FN_ASYNC_CALLBACK);
	CHECK(h->gpl_only);
	h = verifier_helper_proto(BPF_FUNC_sk_lookup_tcp);
	CHECK_EQ(h->proto.flags, EXBPF_FN_ACQUIRE);
	CHECK_STR(h->proto.release_fn, "bpf_sk_release");
	CHECK(h->unsupported);
	CHECK_EQ(verifier_helper_proto(BPF_FUNC_sk_release)->proto.flags, EXBPF_FN_RELEASE);

	h = verifier_helper_proto(BPF_FUNC_skb_load_bytes);
	CHECK_EQ(h->prog_types, VPT_SOCKET_FILTER | VPT_SCHED_CLS | VPT_SCHED_ACT |
				    VPT_CGROUP_SKB);
	CHECK_EQ(h->proto.args[2], EXBPF_ARG_PTR_TO_UNINIT_MEM);
	h = verifier_helper_proto(BPF_FUNC_xdp_adjust_head);
	CHECK_EQ(h->prog_types, VPT_XDP);
	h = verifier_helper_proto(BPF_FUNC_sys_bpf);
	CHECK_EQ(h->prog_types, VPT_SYSCALL);
	h = verifier_helper_proto(BPF_FUNC_get_current_task_btf);
	CHECK(h->unsupported && h->gpl_only && !(h->prog_types & VPT_EXBPF));
	h = verifier_helper_proto(211);
	CHECK_STR(h->name, "bpf_cgrp_storage_delete");
	CHECK_STR(verifier_helper_proto(BPF_FUNC_user_ringbuf_drain)->name,
		  "bpf_user_ringbuf_drain");
}

TEST(helper_proto_prog_type_bits)
{
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_SOCKET_FILTER), VPT_SOCKET_FILTER);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_SCHED_CLS), VPT_SCHED_CLS);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_SCHED_ACT), VPT_SCHED_ACT);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_XDP), VPT_XDP);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_CGROUP_SKB), VPT_CGROUP_SKB);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_RAW_TRACEPOINT), VPT_RAW_TP);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_TRACING), VPT_TRACING);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_SYSCALL), VPT_SYSCALL);
	CHECK_EQ(verifier_prog_type_bit(EXBPF_PROG_TYPE_RAW), VPT_EXBPF);
	CHECK_EQ(verifier_prog_type_bit(EXBPF_PROG_TYPE_USER + 5), VPT_EXBPF);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_KPROBE), 0);
	CHECK_EQ(verifier_prog_type_bit(BPF_PROG_TYPE_LSM), 0);
}

/* --- Against the running kernel. */

struct ktype {
	uint32_t bit, type, attach;
	bool sleepable, needs_btf;
};

static const struct ktype ktypes[] = {
    {VPT_SOCKET_FILTER, BPF_PROG_TYPE_SOCKET_FILTER, 0, false, false},
    {VPT_SCHED_CLS, BPF_PROG_TYPE_SCHED_CLS, 0, false, false},
    {VPT_SCHED_ACT, BPF_PROG_TYPE_SCHED_ACT, 0, false, false},
    {VPT_XDP, BPF_PROG_TYPE_XDP, 0, false, false},
    {VPT_CGROUP_SKB, BPF_PROG_TYPE_CGROUP_SKB, 0, false, false},
    {VPT_RAW_TP, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, false, false},
    /* tp_btf: attach to the sched_switch tracepoint */
    {VPT_TRACING, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, false, true},
    /* Linux takes only sleepable syscall programs */
    {VPT_SYSCALL, BPF_PROG_TYPE_SYSCALL, 0, true, false},
};

static int32_t tp_btf_id = -1; /* btf_trace_sched_switch in vmlinux BTF, or < 0 */

static bool kernel_here(const char *test)
{
	char why[256];

	if (!exbpf_linux__available(why, sizeof(why))) {
		printf("SKIP unit:%s: %s\n", test, why);
		return false;
	}
	if (tp_btf_id == -1) {
		struct exbpf_btf *vm = NULL;

		tp_btf_id = -2;
		if (lx_vmlinux_btf(&vm, why, sizeof(why)) == 0) {
			tp_btf_id = exbpf_btf__find_by_name_kind(vm, "btf_trace_sched_switch",
								 BTF_KIND_TYPEDEF);
			exbpf_btf__free(vm);
		}
		if (tp_btf_id < 0)
			tp_btf_id = -2;
	}
	return true;
}

enum verdict { V_CALLABLE, V_CANNOT_USE, V_UNKNOWN, V_GPL, V_OTHER };

static char klog[16384];

/* Loads `call id; r0 = 0; exit` as type t with license lic. */
static enum verdict kernel_verdict(const struct ktype *t, int32_t id, const char *lic)
{
	struct bpf_insn prog[] = {
	    {.code = BPF_JMP | BPF_CALL, .imm = id},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	int fd;

	if (t->needs_btf && tp_btf_id < 0)
		return V_OTHER;
	memset(&a, 0, sizeof(a));
	a.prog_type = t->type;
	a.expected_attach_type = t->attach;
	a.attach_btf_id = t->needs_btf ? (uint32_t)tp_btf_id : 0;
	a.prog_flags = t->sleepable ? BPF_F_SLEEPABLE : 0;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = 3;
	a.license = (uint64_t)(uintptr_t)lic;
	a.log_buf = (uint64_t)(uintptr_t)klog;
	a.log_size = sizeof(klog);
	a.log_level = 1;
	klog[0] = '\0';
	fd = lx_sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		close(fd);
		return V_CALLABLE;
	}
	if (strstr(klog, "program of this type cannot use helper"))
		return V_CANNOT_USE;
	if (strstr(klog, "invalid func unknown#"))
		return V_UNKNOWN;
	if (strstr(klog, "cannot call GPL-restricted function"))
		return V_GPL;
	/* Rejected after the lookup (its arguments are unset): the type may call it. But
	 * a load that never reached the verifier's walk says nothing. */
	return strstr(klog, "call ") ? V_CALLABLE : V_OTHER;
}

/* Checks helper id against every program type; returns how many verdicts were compared. */
static int check_helper(int32_t id)
{
	const struct verifier_helper *h = verifier_helper_proto(id);
	int n = 0;

	for (size_t i = 0; i < sizeof(ktypes) / sizeof(ktypes[0]); i++) {
		enum verdict v = kernel_verdict(&ktypes[i], id, "GPL");
		bool table = h && (h->prog_types & ktypes[i].bit);

		if (v == V_UNKNOWN || v == V_OTHER)
			continue; /* an older kernel, or a type it cannot load */
		n++;
		if ((v == V_CALLABLE) != table)
			test_fail(__FILE__, __LINE__, "%s#%d, type %u: kernel says %s, table %s",
				  h ? h->name : "?", id, ktypes[i].type,
				  v == V_CALLABLE ? "callable" : "cannot use",
				  table ? "callable" : "cannot use");
		/* The name in the kernel's message is the table's. */
		if (v == V_CANNOT_USE && h) {
			char want[96];

			snprintf(want, sizeof(want), "cannot use helper %s#%d", h->name, id);
			CHECK_CONTAINS(klog, want);
		}
	}
	return n;
}

TEST(helper_proto_kernel_prog_types)
{
	/* A few helpers across the kinds of program type. */
	static const int32_t ids[] = {
	    BPF_FUNC_map_lookup_elem, BPF_FUNC_skb_load_bytes, BPF_FUNC_xdp_adjust_head,
	    BPF_FUNC_redirect,	      BPF_FUNC_probe_read,     BPF_FUNC_get_stackid,
	    BPF_FUNC_sk_lookup_tcp,   BPF_FUNC_skb_cgroup_id,  BPF_FUNC_sys_bpf,
	    BPF_FUNC_get_attach_cookie, BPF_FUNC_skb_output,   BPF_FUNC_ktime_get_coarse_ns,
	    BPF_FUNC_get_socket_cookie, BPF_FUNC_csum_diff,    BPF_FUNC_loop,
	};
	int n = 0;

	if (!kernel_here("helper_proto_kernel_prog_types"))
		return;
	if (tp_btf_id < 0)
		printf("SKIP unit:helper_proto_kernel_prog_types: tracing (no vmlinux BTF)\n");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		n += check_helper(ids[i]);
	CHECK(n > 0);
}

TEST(helper_proto_kernel_all)
{
	struct utsname u;
	int n = 0;

	if (!kernel_here("helper_proto_kernel_all"))
		return;
	if (uname(&u) != 0 || strncmp(u.release, "6.18.", 5) != 0) {
		printf("SKIP unit:helper_proto_kernel_all: the table is Linux 6.18's, this is %s\n",
		       u.release);
		return;
	}
	for (int32_t id = 1; id <= MAX_ID; id++)
		n += check_helper(id);
	/* ids past the table are unknown to the kernel too */
	CHECK_EQ(kernel_verdict(&ktypes[0], MAX_ID + 1, "GPL"), V_UNKNOWN);
	CHECK(n > 1000);
}

/* gpl_only: with a non-GPL license, the kernel refuses exactly the GPL-only helpers. */
TEST(helper_proto_kernel_gpl_only)
{
	static const struct {
		int32_t id;
		size_t type; /* index in ktypes */
	} cases[] = {
	    {BPF_FUNC_map_lookup_elem, 0}, {BPF_FUNC_trace_printk, 0},
	    {BPF_FUNC_probe_read_kernel, 0}, {BPF_FUNC_get_current_task, 0},
	    {BPF_FUNC_timer_init, 1},	    {BPF_FUNC_fib_lookup, 1},
	    {BPF_FUNC_skb_load_bytes, 1},   {BPF_FUNC_get_stackid, 5},
	    {BPF_FUNC_probe_read, 5},	    {BPF_FUNC_snprintf, 3},
	    {BPF_FUNC_loop, 3},		    {BPF_FUNC_ringbuf_output, 4},
	    {BPF_FUNC_sys_bpf, 7},	    {BPF_FUNC_check_mtu, 3},
	};

	if (!kernel_here("helper_proto_kernel_gpl_only"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct verifier_helper *h = verifier_helper_proto(cases[i].id);
		enum verdict v = kernel_verdict(&ktypes[cases[i].type], cases[i].id, "Proprietary");

		if (v == V_UNKNOWN || v == V_OTHER || v == V_CANNOT_USE)
			continue;
		if ((v == V_GPL) != h->gpl_only)
			test_fail(__FILE__, __LINE__, "%s: kernel gpl_only %d, table %d", h->name,
				  v == V_GPL, h->gpl_only);
	}
}
