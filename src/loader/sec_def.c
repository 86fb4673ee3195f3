#include "loader/sec_def.h"

#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>

#include <exbpf/common.h>

/* Linux 6.1's UAPI header lacks the newer types; these are their values in current Linux. */
enum {
	PT_NETFILTER = 32,
	AT_TRACE_KPROBE_MULTI = 42,
	AT_LSM_CGROUP = 43,
	AT_NETFILTER = 45,
	AT_TCX_INGRESS = 46,
	AT_TCX_EGRESS = 47,
	AT_TRACE_UPROBE_MULTI = 48,
	AT_CGROUP_UNIX_CONNECT = 49,
	AT_CGROUP_UNIX_SENDMSG = 50,
	AT_CGROUP_UNIX_RECVMSG = 51,
	AT_CGROUP_UNIX_GETPEERNAME = 52,
	AT_CGROUP_UNIX_GETSOCKNAME = 53,
	AT_NETKIT_PRIMARY = 54,
	AT_NETKIT_PEER = 55,
	AT_TRACE_KPROBE_SESSION = 56,
	AT_TRACE_UPROBE_SESSION = 57,
	AT_TRACE_FSESSION = 58,
	AT_TRACE_FENTRY_MULTI = 59,
	AT_TRACE_FEXIT_MULTI = 60,
	AT_TRACE_FSESSION_MULTI = 61,
};

#define S_ SEC_F_SLEEPABLE
#define B_ SEC_F_ATTACH_BTF
#define F_ SEC_F_XDP_FRAGS
#define T(name) BPF_PROG_TYPE_##name

/* Order matters where one pattern is a prefix of another: the first match wins, as in libbpf. */
static const struct sec_def sec_defs[] = {
	{"socket", T(SOCKET_FILTER), 0, 0},
	{"sk_reuseport/migrate", T(SK_REUSEPORT), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0},
	{"sk_reuseport", T(SK_REUSEPORT), BPF_SK_REUSEPORT_SELECT, 0},
	{"kprobe+", T(KPROBE), 0, 0},
	{"uprobe+", T(KPROBE), 0, 0},
	{"uprobe.s+", T(KPROBE), 0, S_},
	{"kretprobe+", T(KPROBE), 0, 0},
	{"uretprobe+", T(KPROBE), 0, 0},
	{"uretprobe.s+", T(KPROBE), 0, S_},
	{"kprobe.multi+", T(KPROBE), AT_TRACE_KPROBE_MULTI, 0},
	{"kretprobe.multi+", T(KPROBE), AT_TRACE_KPROBE_MULTI, 0},
	{"kprobe.session+", T(KPROBE), AT_TRACE_KPROBE_SESSION, 0},
	{"uprobe.multi+", T(KPROBE), AT_TRACE_UPROBE_MULTI, 0},
	{"uretprobe.multi+", T(KPROBE), AT_TRACE_UPROBE_MULTI, 0},
	{"uprobe.session+", T(KPROBE), AT_TRACE_UPROBE_SESSION, 0},
	{"uprobe.multi.s+", T(KPROBE), AT_TRACE_UPROBE_MULTI, S_},
	{"uretprobe.multi.s+", T(KPROBE), AT_TRACE_UPROBE_MULTI, S_},
	{"uprobe.session.s+", T(KPROBE), AT_TRACE_UPROBE_SESSION, S_},
	{"ksyscall+", T(KPROBE), 0, 0},
	{"kretsyscall+", T(KPROBE), 0, 0},
	{"usdt+", T(KPROBE), 0, 0},
	{"usdt.s+", T(KPROBE), 0, S_},
	{"tc/ingress", T(SCHED_CLS), AT_TCX_INGRESS, 0},
	{"tc/egress", T(SCHED_CLS), AT_TCX_EGRESS, 0},
	{"tcx/ingress", T(SCHED_CLS), AT_TCX_INGRESS, 0},
	{"tcx/egress", T(SCHED_CLS), AT_TCX_EGRESS, 0},
	{"tc", T(SCHED_CLS), 0, 0},
	{"classifier", T(SCHED_CLS), 0, 0},
	{"action", T(SCHED_ACT), 0, 0},
	{"netkit/primary", T(SCHED_CLS), AT_NETKIT_PRIMARY, 0},
	{"netkit/peer", T(SCHED_CLS), AT_NETKIT_PEER, 0},
	{"tracepoint+", T(TRACEPOINT), 0, 0},
	{"tp+", T(TRACEPOINT), 0, 0},
	{"tracepoint.s+", T(TRACEPOINT), 0, S_},
	{"tp.s+", T(TRACEPOINT), 0, S_},
	{"raw_tracepoint+", T(RAW_TRACEPOINT), 0, 0},
	{"raw_tp+", T(RAW_TRACEPOINT), 0, 0},
	{"raw_tracepoint.s+", T(RAW_TRACEPOINT), 0, S_},
	{"raw_tp.s+", T(RAW_TRACEPOINT), 0, S_},
	{"raw_tracepoint.w+", T(RAW_TRACEPOINT_WRITABLE), 0, 0},
	{"raw_tp.w+", T(RAW_TRACEPOINT_WRITABLE), 0, 0},
	{"tp_btf+", T(TRACING), BPF_TRACE_RAW_TP, B_},
	{"tp_btf.s+", T(TRACING), BPF_TRACE_RAW_TP, B_ | S_},
	{"fentry+", T(TRACING), BPF_TRACE_FENTRY, B_},
	{"fmod_ret+", T(TRACING), BPF_MODIFY_RETURN, B_},
	{"fexit+", T(TRACING), BPF_TRACE_FEXIT, B_},
	{"fentry.s+", T(TRACING), BPF_TRACE_FENTRY, B_ | S_},
	{"fmod_ret.s+", T(TRACING), BPF_MODIFY_RETURN, B_ | S_},
	{"fexit.s+", T(TRACING), BPF_TRACE_FEXIT, B_ | S_},
	{"fsession+", T(TRACING), AT_TRACE_FSESSION, B_},
	{"fsession.s+", T(TRACING), AT_TRACE_FSESSION, B_ | S_},
	{"fsession.multi+", T(TRACING), AT_TRACE_FSESSION_MULTI, 0},
	{"fsession.multi.s+", T(TRACING), AT_TRACE_FSESSION_MULTI, S_},
	{"fentry.multi+", T(TRACING), AT_TRACE_FENTRY_MULTI, 0},
	{"fexit.multi+", T(TRACING), AT_TRACE_FEXIT_MULTI, 0},
	{"fentry.multi.s+", T(TRACING), AT_TRACE_FENTRY_MULTI, S_},
	{"fexit.multi.s+", T(TRACING), AT_TRACE_FEXIT_MULTI, S_},
	{"freplace+", T(EXT), 0, B_},
	{"lsm+", T(LSM), BPF_LSM_MAC, B_},
	{"lsm.s+", T(LSM), BPF_LSM_MAC, B_ | S_},
	{"lsm_cgroup+", T(LSM), AT_LSM_CGROUP, B_},
	{"iter+", T(TRACING), BPF_TRACE_ITER, B_},
	{"iter.s+", T(TRACING), BPF_TRACE_ITER, B_ | S_},
	{"syscall", T(SYSCALL), 0, S_},
	{"xdp.frags/devmap", T(XDP), BPF_XDP_DEVMAP, F_},
	{"xdp/devmap", T(XDP), BPF_XDP_DEVMAP, 0},
	{"xdp.frags/cpumap", T(XDP), BPF_XDP_CPUMAP, F_},
	{"xdp/cpumap", T(XDP), BPF_XDP_CPUMAP, 0},
	{"xdp.frags", T(XDP), BPF_XDP, F_},
	{"xdp", T(XDP), BPF_XDP, 0},
	{"perf_event", T(PERF_EVENT), 0, 0},
	{"lwt_in", T(LWT_IN), 0, 0},
	{"lwt_out", T(LWT_OUT), 0, 0},
	{"lwt_xmit", T(LWT_XMIT), 0, 0},
	{"lwt_seg6local", T(LWT_SEG6LOCAL), 0, 0},
	{"sockops", T(SOCK_OPS), BPF_CGROUP_SOCK_OPS, 0},
	{"sk_skb/stream_parser", T(SK_SKB), BPF_SK_SKB_STREAM_PARSER, 0},
	{"sk_skb/stream_verdict", T(SK_SKB), BPF_SK_SKB_STREAM_VERDICT, 0},
	{"sk_skb/verdict", T(SK_SKB), BPF_SK_SKB_VERDICT, 0},
	{"sk_skb", T(SK_SKB), 0, 0},
	{"sk_msg", T(SK_MSG), BPF_SK_MSG_VERDICT, 0},
	{"lirc_mode2", T(LIRC_MODE2), BPF_LIRC_MODE2, 0},
	{"flow_dissector", T(FLOW_DISSECTOR), BPF_FLOW_DISSECTOR, 0},
	{"cgroup_skb/ingress", T(CGROUP_SKB), BPF_CGROUP_INET_INGRESS, 0},
	{"cgroup_skb/egress", T(CGROUP_SKB), BPF_CGROUP_INET_EGRESS, 0},
	{"cgroup/skb", T(CGROUP_SKB), 0, 0},
	{"cgroup/sock_create", T(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_CREATE, 0},
	{"cgroup/sock_release", T(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_RELEASE, 0},
	{"cgroup/sock", T(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_CREATE, 0},
	{"cgroup/post_bind4", T(CGROUP_SOCK), BPF_CGROUP_INET4_POST_BIND, 0},
	{"cgroup/post_bind6", T(CGROUP_SOCK), BPF_CGROUP_INET6_POST_BIND, 0},
	{"cgroup/bind4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_BIND, 0},
	{"cgroup/bind6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_BIND, 0},
	{"cgroup/connect4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_CONNECT, 0},
	{"cgroup/connect6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_CONNECT, 0},
	{"cgroup/connect_unix", T(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_CONNECT, 0},
	{"cgroup/sendmsg4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP4_SENDMSG, 0},
	{"cgroup/sendmsg6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP6_SENDMSG, 0},
	{"cgroup/sendmsg_unix", T(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_SENDMSG, 0},
	{"cgroup/recvmsg4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP4_RECVMSG, 0},
	{"cgroup/recvmsg6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP6_RECVMSG, 0},
	{"cgroup/recvmsg_unix", T(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_RECVMSG, 0},
	{"cgroup/getpeername4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_GETPEERNAME, 0},
	{"cgroup/getpeername6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_GETPEERNAME, 0},
	{"cgroup/getpeername_unix", T(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_GETPEERNAME, 0},
	{"cgroup/getsockname4", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_GETSOCKNAME, 0},
	{"cgroup/getsockname6", T(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_GETSOCKNAME, 0},
	{"cgroup/getsockname_unix", T(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_GETSOCKNAME, 0},
	{"cgroup/sysctl", T(CGROUP_SYSCTL), BPF_CGROUP_SYSCTL, 0},
	{"cgroup/getsockopt", T(CGROUP_SOCKOPT), BPF_CGROUP_GETSOCKOPT, 0},
	{"cgroup/setsockopt", T(CGROUP_SOCKOPT), BPF_CGROUP_SETSOCKOPT, 0},
	{"cgroup/dev", T(CGROUP_DEVICE), BPF_CGROUP_DEVICE, 0},
	{"struct_ops+", T(STRUCT_OPS), 0, 0},
	{"struct_ops.s+", T(STRUCT_OPS), 0, S_},
	{"sk_lookup", T(SK_LOOKUP), BPF_SK_LOOKUP, 0},
	{"netfilter", PT_NETFILTER, AT_NETFILTER, 0},
	/* exbpf's own. */
	{"raw", EXBPF_PROG_TYPE_RAW, 0, 0},
};

static int sec_matches(const char *pattern, const char *sec)
{
	size_t len = strlen(pattern);

	if (pattern[len - 1] == '/')
		return strncmp(sec, pattern, len) == 0;
	if (pattern[len - 1] == '+') {
		len--;
		return strncmp(sec, pattern, len) == 0 && (sec[len] == '\0' || sec[len] == '/');
	}
	return strcmp(sec, pattern) == 0;
}

const struct sec_def *sec_def_find(const char *sec)
{
	for (size_t i = 0; i < sizeof(sec_defs) / sizeof(sec_defs[0]); i++) {
		if (sec_matches(sec_defs[i].pattern, sec))
			return &sec_defs[i];
	}
	return NULL;
}

const char *sec_prog_type_name(uint32_t prog_type)
{
	static const char *const names[] = {
		[BPF_PROG_TYPE_SOCKET_FILTER] = "socket_filter",
		[BPF_PROG_TYPE_KPROBE] = "kprobe",
		[BPF_PROG_TYPE_SCHED_CLS] = "sched_cls",
		[BPF_PROG_TYPE_SCHED_ACT] = "sched_act",
		[BPF_PROG_TYPE_TRACEPOINT] = "tracepoint",
		[BPF_PROG_TYPE_XDP] = "xdp",
		[BPF_PROG_TYPE_PERF_EVENT] = "perf_event",
		[BPF_PROG_TYPE_CGROUP_SKB] = "cgroup_skb",
		[BPF_PROG_TYPE_CGROUP_SOCK] = "cgroup_sock",
		[BPF_PROG_TYPE_LWT_IN] = "lwt_in",
		[BPF_PROG_TYPE_LWT_OUT] = "lwt_out",
		[BPF_PROG_TYPE_LWT_XMIT] = "lwt_xmit",
		[BPF_PROG_TYPE_SOCK_OPS] = "sock_ops",
		[BPF_PROG_TYPE_SK_SKB] = "sk_skb",
		[BPF_PROG_TYPE_CGROUP_DEVICE] = "cgroup_device",
		[BPF_PROG_TYPE_SK_MSG] = "sk_msg",
		[BPF_PROG_TYPE_RAW_TRACEPOINT] = "raw_tracepoint",
		[BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
		[BPF_PROG_TYPE_LWT_SEG6LOCAL] = "lwt_seg6local",
		[BPF_PROG_TYPE_LIRC_MODE2] = "lirc_mode2",
		[BPF_PROG_TYPE_SK_REUSEPORT] = "sk_reuseport",
		[BPF_PROG_TYPE_FLOW_DISSECTOR] = "flow_dissector",
		[BPF_PROG_TYPE_CGROUP_SYSCTL] = "cgroup_sysctl",
		[BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = "raw_tracepoint_writable",
		[BPF_PROG_TYPE_CGROUP_SOCKOPT] = "cgroup_sockopt",
		[BPF_PROG_TYPE_TRACING] = "tracing",
		[BPF_PROG_TYPE_STRUCT_OPS] = "struct_ops",
		[BPF_PROG_TYPE_EXT] = "ext",
		[BPF_PROG_TYPE_LSM] = "lsm",
		[BPF_PROG_TYPE_SK_LOOKUP] = "sk_lookup",
		[BPF_PROG_TYPE_SYSCALL] = "syscall",
		[PT_NETFILTER] = "netfilter",
	};

	if (prog_type == EXBPF_PROG_TYPE_RAW)
		return "raw";
	if (prog_type < sizeof(names) / sizeof(names[0]) && names[prog_type])
		return names[prog_type];
	return "unknown";
}
