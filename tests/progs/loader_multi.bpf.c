/* Loader test: several main programs in different sections (tc, xdp, socket, raw_tp, a
 * non-autoloaded ?syscall, exbpf's raw) sharing static and global subprograms in .text:
 * g_top -> g_mid -> st_leaf is a transitive chain, g_xdp_only is reached by one program only,
 * g_orphan by none, and loop_cb is a bpf_loop callback referenced by ld_imm64 (BPF_PSEUDO_FUNC).
 * prog_raw carries `__success __retval(3)` to check that annotations lose "comment:".
 * tests/unit/test_object.c relies on the call graph below and on the MARK_* line comments. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

static __noinline int st_add(int a, int b)
{
	return a + b * 3; /* MARK_ST_ADD */
}

static __noinline int st_leaf(int x)
{
	return x ^ 0x5a; /* MARK_ST_LEAF */
}

__noinline int g_mid(int x)
{
	return st_leaf(x) + 1;
}

__noinline int g_top(int x)
{
	return g_mid(x) * 2;
}

__noinline int g_xdp_only(int x)
{
	return x - 7;
}

__noinline int g_orphan(int x)
{
	return x * 11;
}

static int loop_cb(__u32 idx, void *ctx)
{
	*(int *)ctx += idx;
	return 0;
}

SEC("tc") __success __retval(226)
int prog_tc(struct __sk_buff *skb)
{
	return st_add(skb->len, g_top(skb->len));
}

SEC("xdp") __success __retval(-3)
int prog_xdp(struct xdp_md *ctx)
{
	return st_add(g_xdp_only(ctx->ingress_ifindex), 1);
}

SEC("socket") __success __retval(56)
int prog_socket(struct __sk_buff *skb)
{
	int acc = skb->len;

	bpf_loop(4, loop_cb, &acc, 0);
	return acc;
}

SEC("raw_tp/sys_enter") __success __retval(90)
int prog_rawtp(void *ctx)
{
	return g_mid(3);
}

SEC("?syscall") __success __retval(184)
int prog_syscall(void *ctx)
{
	return g_top(1);
}

SEC("raw")
__success __retval(3)
int prog_raw(void *data, __u64 len)
{
	return st_leaf(0x59);
}
