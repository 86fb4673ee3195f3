/* The prototypes of Linux's helpers (the BPF_FUNC_* ids of Linux 6.18: 1..211), and which of
 * the program types exbpf supports may call each.
 *
 * Sources: each helper's struct bpf_func_proto in Linux (kernel/bpf/helpers.c, ringbuf.c,
 * net/core/filter.c, kernel/trace/bpf_trace.c, ...) and the program types' get_func_proto
 * (sk_filter_func_proto, tc_cls_act_func_proto, xdp_func_proto, cg_skb_func_proto,
 * raw_tp_prog_func_proto, tracing_prog_func_proto for tp_btf, syscall_prog_func_proto, all
 * ending in bpf_base_func_proto). The names, the prog_types bits and gpl_only were checked
 * against Linux 6.18.44 with bpf(BPF_PROG_LOAD) as root: a program calling the helper either
 * passes the helper lookup or gets "program of this type cannot use helper"; with license
 * "Proprietary" a gpl_only helper gets "cannot call GPL-restricted function". The argument
 * kinds were checked the same way where exbpf can build the arguments (memory, sizes, maps,
 * the context): the kernel accepts them, and rejects a zero size exactly for CONST_SIZE.
 *
 * Prototype mapping: ARG_PTR_TO_MEM|MEM_RDONLY (and writable ARG_PTR_TO_MEM, which needs
 * initialised memory) -> PTR_TO_MEM; ARG_PTR_TO_UNINIT_MEM and ARG_PTR_TO_MEM|MEM_UNINIT|
 * MEM_WRITE -> PTR_TO_UNINIT_MEM; ...|PTR_MAYBE_NULL -> PTR_TO_MEM_OR_NULL; a fixed-size 8 (4)
 * byte output (ARG_PTR_TO_FIXED_SIZE_MEM|MEM_ALIGNED, formerly ARG_PTR_TO_LONG/INT) ->
 * PTR_TO_LONG (INT); ARG_PTR_TO_BTF_ID_SOCK_COMMON -> PTR_TO_SOCK_COMMON; other BTF object
 * arguments -> PTR_TO_BTF_ID; ARG_PTR_TO_RINGBUF_MEM|OBJ_RELEASE -> PTR_TO_ALLOC_MEM. Helpers
 * that take or return what exbpf's verifier does not model (kernel objects, skb/xdp dynptrs, per-cpu
 * pointers, kptrs, fixed-size memory) are listed with their real arguments and marked
 * unsupported.
 *
 * Where Linux gives different program types different prototypes under one id, the entry is
 * the one of the packet types (noted at the entry). VPT_EXBPF (exbpf's raw and embedder
 * types) gets the generic helpers of bpf_base_func_proto that do not reach into the kernel:
 * maps, time, random numbers, CPU ids, tail calls, spin locks, ring buffers, loops, timers,
 * printing and string helpers, the current pid/uid/comm and dynptrs (local and ring-buffer
 * ones). */
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>

#include "verifier/verifier.h"

#define SF VPT_SOCKET_FILTER
#define CLS VPT_SCHED_CLS
#define ACT VPT_SCHED_ACT
#define XDP VPT_XDP
#define CSKB VPT_CGROUP_SKB
#define RTP VPT_RAW_TP
#define TRC VPT_TRACING
#define SYS VPT_SYSCALL
#define EX VPT_EXBPF
#define LNX (SF | CLS | ACT | XDP | CSKB | RTP | TRC | SYS)

#define GPL true
#define ANYL false
#define UNSUP true
#define OK false

#define CB EXBPF_FN_CALLBACK
#define ACB EXBPF_FN_ASYNC_CALLBACK

#define A(k) EXBPF_ARG_##k
#define P(RET, F, ...) {.ret = EXBPF_RET_##RET, .flags = (F), .args = {__VA_ARGS__}}
#define KPTR_XCHG_PROTO                                                                            \
	{.ret = EXBPF_RET_KPTR_OR_NULL, .flags = EXBPF_FN_ACQUIRE | EXBPF_FN_RELEASE,               \
	 .release_fn = "bpf_obj_drop_impl", .release_arg = 1,                                        \
	 .args = {A(PTR_TO_KPTR), A(PTR_TO_OBJ_OR_NULL)}}
/* Returns a reference that release_fn (or another releasing helper) must release. */
#define ACQ(RET, REL, ...)                                                                         \
	{.ret = EXBPF_RET_##RET, .flags = EXBPF_FN_ACQUIRE, .release_fn = (REL), .args = {__VA_ARGS__}}
/* Releases the reference in argument ARG (0-based). */
#define REL(RET, ARG, ...)                                                                         \
	{.ret = EXBPF_RET_##RET, .flags = EXBPF_FN_RELEASE, .release_arg = (ARG),                  \
	 .args = {__VA_ARGS__}}
#define H(ID, NAME, TYPES, GPL_ONLY, UNSUPPORTED, PROTO)                                           \
	[ID] = {.id = (ID), .name = "bpf_" #NAME, .proto = PROTO, .prog_types = (TYPES),            \
		.gpl_only = (GPL_ONLY), .unsupported = (UNSUPPORTED)}

#define HELPER_MAX_ID 211 /* FUNC_CGRP_STORAGE_DELETE, the last of Linux 6.18 */

static const struct verifier_helper helpers[HELPER_MAX_ID + 1] = {
	H(BPF_FUNC_map_lookup_elem, map_lookup_elem, LNX | EX, ANYL, OK,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))),
	H(BPF_FUNC_map_update_elem, map_update_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING))),
	H(BPF_FUNC_map_delete_elem, map_delete_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))),
	H(BPF_FUNC_probe_read, probe_read, RTP | TRC | SYS, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_ktime_get_ns, ktime_get_ns, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_trace_printk, trace_printk, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_get_prandom_u32, get_prandom_u32, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_get_smp_processor_id, get_smp_processor_id, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_skb_store_bytes, skb_store_bytes, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_l3_csum_replace, l3_csum_replace, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_l4_csum_replace, l4_csum_replace, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_tail_call, tail_call, LNX | EX, ANYL, OK,
	  P(VOID, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_clone_redirect, clone_redirect, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_get_current_pid_tgid, get_current_pid_tgid, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_get_current_uid_gid, get_current_uid_gid, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_get_current_comm, get_current_comm, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_get_cgroup_classid, get_cgroup_classid, LNX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_skb_vlan_push, skb_vlan_push, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_skb_vlan_pop, skb_vlan_pop, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_skb_get_tunnel_key, skb_get_tunnel_key, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_skb_set_tunnel_key, skb_set_tunnel_key, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_perf_event_read, perf_event_read, LNX, GPL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_redirect, redirect, CLS | ACT | XDP, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_get_route_realm, get_route_realm, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_perf_event_output, perf_event_output, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_skb_load_bytes, skb_load_bytes, SF | CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_get_stackid, get_stackid, RTP | TRC | SYS, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))),
	/* NULL is allowed with a zero size */
	H(BPF_FUNC_csum_diff, csum_diff, CLS | ACT | XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_skb_get_tunnel_opt, skb_get_tunnel_opt, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_skb_set_tunnel_opt, skb_set_tunnel_opt, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_skb_change_proto, skb_change_proto, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_skb_change_type, skb_change_type, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_skb_under_cgroup, skb_under_cgroup, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_get_hash_recalc, get_hash_recalc, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_current_task, get_current_task, LNX, GPL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_probe_write_user, probe_write_user, 0, GPL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_current_task_under_cgroup, current_task_under_cgroup, LNX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_skb_change_tail, skb_change_tail, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_skb_pull_data, skb_pull_data, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_csum_update, csum_update, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_set_hash_invalid, set_hash_invalid, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_numa_node_id, get_numa_node_id, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_skb_change_head, skb_change_head, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_xdp_adjust_head, xdp_adjust_head, XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_probe_read_str, probe_read_str, RTP | TRC | SYS, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	/* skb types: the context; tracing/syscall get a variant taking a socket (BTF) pointer */
	H(BPF_FUNC_get_socket_cookie, get_socket_cookie, SF | CLS | ACT | CSKB | TRC | SYS, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_socket_uid, get_socket_uid, SF | CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_set_hash, set_hash, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_setsockopt, setsockopt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_skb_adjust_room, skb_adjust_room, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_redirect_map, redirect_map, XDP, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_sk_redirect_map, sk_redirect_map, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_sock_map_update, sock_map_update, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_xdp_adjust_meta, xdp_adjust_meta, XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_perf_event_read_value, perf_event_read_value, LNX, GPL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_perf_prog_read_value, perf_prog_read_value, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_getsockopt, getsockopt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_override_return, override_return, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_sock_ops_cb_flags_set, sock_ops_cb_flags_set, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_msg_redirect_map, msg_redirect_map, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_msg_apply_bytes, msg_apply_bytes, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_msg_cork_bytes, msg_cork_bytes, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_msg_pull_data, msg_pull_data, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_bind, bind, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_xdp_adjust_tail, xdp_adjust_tail, XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_skb_get_xfrm_state, skb_get_xfrm_state, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_get_stack, get_stack, RTP | TRC | SYS, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_skb_load_bytes_relative, skb_load_bytes_relative, SF | CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE), A(ANYTHING))),
	/* arg 2 is read and written (PTR_TO_MEM without MEM_RDONLY) */
	H(BPF_FUNC_fib_lookup, fib_lookup, CLS | ACT | XDP, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_sock_hash_update, sock_hash_update, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_msg_redirect_hash, msg_redirect_hash, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_sk_redirect_hash, sk_redirect_hash, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_lwt_push_encap, lwt_push_encap, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_lwt_seg6_store_bytes, lwt_seg6_store_bytes, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_lwt_seg6_adjust_srh, lwt_seg6_adjust_srh, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_lwt_seg6_action, lwt_seg6_action, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_rc_repeat, rc_repeat, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_rc_keydown, rc_keydown, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_skb_cgroup_id, skb_cgroup_id, CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_current_cgroup_id, get_current_cgroup_id, LNX, ANYL, OK,
	  P(INTEGER, 0)),
	/* returns a non-NULL map value pointer (RET_PTR_TO_MAP_VALUE) */
	H(BPF_FUNC_get_local_storage, get_local_storage, CSKB, ANYL, UNSUP,
	  P(OTHER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_sk_select_reuseport, sk_select_reuseport, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_skb_ancestor_cgroup_id, skb_ancestor_cgroup_id, CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	/* the tuple size may be 0 since Linux 6.15 */
	H(BPF_FUNC_sk_lookup_tcp, sk_lookup_tcp, CLS | ACT | XDP | CSKB, ANYL, UNSUP,
	  ACQ(OTHER, "bpf_sk_release", A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	/* the tuple size may be 0 since Linux 6.15 */
	H(BPF_FUNC_sk_lookup_udp, sk_lookup_udp, CLS | ACT | XDP | CSKB, ANYL, UNSUP,
	  ACQ(OTHER, "bpf_sk_release", A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	/* releases a socket that bpf_sk_lookup_tcp, _udp or bpf_skc_lookup_tcp returned */
	H(BPF_FUNC_sk_release, sk_release, CLS | ACT | XDP | CSKB, ANYL, UNSUP,
	  REL(INTEGER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_map_push_elem, map_push_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_VALUE), A(ANYTHING))),
	H(BPF_FUNC_map_pop_elem, map_pop_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE))),
	H(BPF_FUNC_map_peek_elem, map_peek_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_UNINIT_MAP_VALUE))),
	H(BPF_FUNC_msg_push_data, msg_push_data, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_msg_pop_data, msg_pop_data, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_rc_pointer_rel, rc_pointer_rel, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_spin_lock, spin_lock, LNX | EX, ANYL, OK,
	  P(VOID, 0, A(PTR_TO_SPIN_LOCK))),
	H(BPF_FUNC_spin_unlock, spin_unlock, LNX | EX, ANYL, OK,
	  P(VOID, 0, A(PTR_TO_SPIN_LOCK))),
	H(BPF_FUNC_sk_fullsock, sk_fullsock, CLS | ACT | CSKB, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_tcp_sock, tcp_sock, CLS | ACT | CSKB, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_skb_ecn_set_ce, skb_ecn_set_ce, CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_listener_sock, get_listener_sock, CLS | ACT | CSKB, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	/* the tuple size may be 0 since Linux 6.15 */
	H(BPF_FUNC_skc_lookup_tcp, skc_lookup_tcp, CLS | ACT | XDP | CSKB, ANYL, UNSUP,
	  ACQ(OTHER, "bpf_sk_release", A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_tcp_check_syncookie, tcp_check_syncookie, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_SOCK_COMMON), A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_sysctl_get_name, sysctl_get_name, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_sysctl_get_current_value, sysctl_get_current_value, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_sysctl_get_new_value, sysctl_get_new_value, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_sysctl_set_new_value, sysctl_set_new_value, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_strtol, strtol, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG))),
	H(BPF_FUNC_strtoul, strtoul, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG))),
	H(BPF_FUNC_sk_storage_get, sk_storage_get, CLS | ACT | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_SOCK_COMMON), A(PTR_TO_MAP_VALUE_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_sk_storage_delete, sk_storage_delete, CLS | ACT | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_send_signal, send_signal, LNX, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING))),
	H(BPF_FUNC_tcp_gen_syncookie, tcp_gen_syncookie, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_SOCK_COMMON), A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_skb_output, skb_output, TRC | SYS, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_probe_read_user, probe_read_user, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_probe_read_kernel, probe_read_kernel, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_probe_read_user_str, probe_read_user_str, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_probe_read_kernel_str, probe_read_kernel_str, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_tcp_send_ack, tcp_send_ack, 0, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(ANYTHING))),
	H(BPF_FUNC_send_signal_thread, send_signal_thread, LNX, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING))),
	H(BPF_FUNC_jiffies64, jiffies64, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_read_branch_records, read_branch_records, 0, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_get_ns_current_pid_tgid, get_ns_current_pid_tgid, LNX, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_xdp_output, xdp_output, TRC | SYS, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	/* skb types: the context; socket-based types get other variants */
	H(BPF_FUNC_get_netns_cookie, get_netns_cookie, SF | CLS | ACT | CSKB, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_current_ancestor_cgroup_id, get_current_ancestor_cgroup_id, LNX, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING))),
	H(BPF_FUNC_sk_assign, sk_assign, CLS | ACT, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_SOCK_COMMON), A(ANYTHING))),
	H(BPF_FUNC_ktime_get_boot_ns, ktime_get_boot_ns, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_seq_printf, seq_printf, 0, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_seq_write, seq_write, 0, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_sk_cgroup_id, sk_cgroup_id, CSKB, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_sk_ancestor_cgroup_id, sk_ancestor_cgroup_id, CSKB, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_SOCK_COMMON), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_output, ringbuf_output, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_reserve, ringbuf_reserve, LNX | EX, ANYL, OK,
	  ACQ(MEM_OR_NULL, "bpf_ringbuf_submit", A(CONST_MAP_PTR), A(CONST_ALLOC_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_submit, ringbuf_submit, LNX | EX, ANYL, OK,
	  REL(VOID, 0, A(PTR_TO_ALLOC_MEM), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_discard, ringbuf_discard, LNX | EX, ANYL, OK,
	  REL(VOID, 0, A(PTR_TO_ALLOC_MEM), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_query, ringbuf_query, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_csum_level, csum_level, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))),
	H(BPF_FUNC_skc_to_tcp6_sock, skc_to_tcp6_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_skc_to_tcp_sock, skc_to_tcp_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_skc_to_tcp_timewait_sock, skc_to_tcp_timewait_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_skc_to_tcp_request_sock, skc_to_tcp_request_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_skc_to_udp6_sock, skc_to_udp6_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_get_task_stack, get_task_stack, LNX, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	/* arg 2 is read and written (PTR_TO_MEM without MEM_RDONLY) */
	H(BPF_FUNC_load_hdr_opt, load_hdr_opt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_store_hdr_opt, store_hdr_opt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_reserve_hdr_opt, reserve_hdr_opt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_inode_storage_get, inode_storage_get, 0, ANYL, UNSUP,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID), A(PTR_TO_MAP_VALUE_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_inode_storage_delete, inode_storage_delete, 0, ANYL, UNSUP,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID))),
	H(BPF_FUNC_d_path, d_path, TRC | SYS, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_copy_from_user, copy_from_user, LNX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_snprintf_btf, snprintf_btf, LNX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))),
	H(BPF_FUNC_seq_printf_btf, seq_printf_btf, 0, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_skb_cgroup_classid, skb_cgroup_classid, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_redirect_neigh, redirect_neigh, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	/* returns a pointer to memory or a BTF object */
	H(BPF_FUNC_per_cpu_ptr, per_cpu_ptr, LNX, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_PERCPU_BTF_ID), A(ANYTHING))),
	/* returns a pointer to memory or a BTF object */
	H(BPF_FUNC_this_cpu_ptr, this_cpu_ptr, LNX, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_PERCPU_BTF_ID))),
	H(BPF_FUNC_redirect_peer, redirect_peer, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_task_storage_get, task_storage_get, LNX, ANYL, UNSUP,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID), A(PTR_TO_MAP_VALUE_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_task_storage_delete, task_storage_delete, LNX, ANYL, UNSUP,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID))),
	H(BPF_FUNC_get_current_task_btf, get_current_task_btf, LNX, GPL, UNSUP,
	  P(OTHER, 0)),
	H(BPF_FUNC_bprm_opts_set, bprm_opts_set, 0, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(ANYTHING))),
	H(BPF_FUNC_ktime_get_coarse_ns, ktime_get_coarse_ns, SF | CLS | ACT | XDP | CSKB, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_ima_inode_hash, ima_inode_hash, 0, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_sock_from_file, sock_from_file, TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_BTF_ID))),
	/* arg 3: a u32 the helper reads and writes */
	H(BPF_FUNC_check_mtu, check_mtu, CLS | ACT | XDP, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_INT), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_for_each_map_elem, for_each_map_elem, LNX | EX, ANYL, OK,
	  P(INTEGER, CB, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_snprintf, snprintf, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_sys_bpf, sys_bpf, SYS, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_btf_find_by_name_kind, btf_find_by_name_kind, SYS, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_sys_close, sys_close, SYS, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING))),
	H(BPF_FUNC_timer_init, timer_init, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_TIMER), A(CONST_MAP_PTR), A(ANYTHING))),
	H(BPF_FUNC_timer_set_callback, timer_set_callback, LNX | EX, GPL, OK,
	  P(INTEGER, ACB, A(PTR_TO_TIMER), A(PTR_TO_FUNC))),
	H(BPF_FUNC_timer_start, timer_start, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_TIMER), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_timer_cancel, timer_cancel, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_TIMER))),
	H(BPF_FUNC_get_func_ip, get_func_ip, RTP | TRC | SYS, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_attach_cookie, get_attach_cookie, RTP | TRC, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_task_pt_regs, task_pt_regs, LNX, GPL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_BTF_ID))),
	H(BPF_FUNC_get_branch_snapshot, get_branch_snapshot, LNX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_trace_vprintk, trace_vprintk, LNX | EX, GPL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO))),
	H(BPF_FUNC_skc_to_unix_sock, skc_to_unix_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_kallsyms_lookup_name, kallsyms_lookup_name, SYS, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(PTR_TO_LONG))),
	H(BPF_FUNC_find_vma, find_vma, LNX, ANYL, UNSUP,
	  P(INTEGER, CB, A(PTR_TO_BTF_ID), A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_loop, loop, LNX | EX, ANYL, OK,
	  P(INTEGER, CB, A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	H(BPF_FUNC_strncmp, strncmp, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(CONST_SIZE), A(PTR_TO_CONST_STR))),
	H(BPF_FUNC_get_func_arg, get_func_arg, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_LONG))),
	H(BPF_FUNC_get_func_ret, get_func_ret, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(PTR_TO_LONG))),
	H(BPF_FUNC_get_func_arg_cnt, get_func_arg_cnt, 0, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_get_retval, get_retval, 0, ANYL, OK,
	  P(INTEGER, 0)),
	H(BPF_FUNC_set_retval, set_retval, 0, ANYL, OK,
	  P(INTEGER, 0, A(ANYTHING))),
	/* xdp: the context; tracing gets a variant taking a struct xdp_buff (BTF) pointer */
	H(BPF_FUNC_xdp_get_buff_len, xdp_get_buff_len, XDP | TRC | SYS, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX))),
	H(BPF_FUNC_xdp_load_bytes, xdp_load_bytes, XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_xdp_store_bytes, xdp_store_bytes, XDP, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE))),
	H(BPF_FUNC_copy_from_user_task, copy_from_user_task, LNX, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING), A(PTR_TO_BTF_ID), A(ANYTHING))),
	H(BPF_FUNC_skb_set_tstamp, skb_set_tstamp, CLS | ACT, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_ima_file_hash, ima_file_hash, 0, ANYL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_BTF_ID), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))),
	/* arg 1: a kptr field in a map value; arg 2: an object of its type or NULL, given away;
	 * returns what the field held, owned. Kernel objects are not modelled: local kptrs only. */
	H(BPF_FUNC_kptr_xchg, kptr_xchg, LNX | EX, ANYL, OK,
	  KPTR_XCHG_PROTO),
	H(BPF_FUNC_map_lookup_percpu_elem, map_lookup_percpu_elem, LNX | EX, ANYL, OK,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(ANYTHING))),
	H(BPF_FUNC_skc_to_mptcp_sock, skc_to_mptcp_sock, SF | CLS | ACT | XDP | CSKB | TRC | SYS, ANYL, UNSUP,
	  P(OTHER, 0, A(PTR_TO_SOCK_COMMON))),
	H(BPF_FUNC_dynptr_from_mem, dynptr_from_mem, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING),
	    A(PTR_TO_UNINIT_DYNPTR_LOCAL))),
	H(BPF_FUNC_ringbuf_reserve_dynptr, ringbuf_reserve_dynptr, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING),
	    A(PTR_TO_UNINIT_DYNPTR_RINGBUF))),
	H(BPF_FUNC_ringbuf_submit_dynptr, ringbuf_submit_dynptr, LNX | EX, ANYL, OK,
	  REL(VOID, 0, A(PTR_TO_DYNPTR_RINGBUF), A(ANYTHING))),
	H(BPF_FUNC_ringbuf_discard_dynptr, ringbuf_discard_dynptr, LNX | EX, ANYL, OK,
	  REL(VOID, 0, A(PTR_TO_DYNPTR_RINGBUF), A(ANYTHING))),
	H(BPF_FUNC_dynptr_read, dynptr_read, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_DYNPTR),
	    A(ANYTHING), A(ANYTHING))),
	H(BPF_FUNC_dynptr_write, dynptr_write, LNX | EX, ANYL, OK,
	  P(INTEGER, 0, A(PTR_TO_DYNPTR), A(ANYTHING), A(PTR_TO_MEM),
	    A(CONST_SIZE_OR_ZERO), A(ANYTHING))),
	H(BPF_FUNC_dynptr_data, dynptr_data, LNX | EX, ANYL, OK,
	  P(DYNPTR_MEM_OR_NULL, 0, A(PTR_TO_DYNPTR), A(ANYTHING),
	    A(CONST_ALLOC_SIZE_OR_ZERO))),
	/* arg 1: a fixed-size (struct iphdr) memory argument, which exbpf does not model */
	H(BPF_FUNC_tcp_raw_gen_syncookie_ipv4, tcp_raw_gen_syncookie_ipv4, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(PTR_TO_MEM), A(CONST_SIZE))),
	/* arg 1: a fixed-size (struct ipv6hdr) memory argument, which exbpf does not model */
	H(BPF_FUNC_tcp_raw_gen_syncookie_ipv6, tcp_raw_gen_syncookie_ipv6, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(PTR_TO_MEM), A(CONST_SIZE))),
	/* args 1-2: fixed-size (iphdr, tcphdr) memory arguments, which exbpf does not model */
	H(BPF_FUNC_tcp_raw_check_syncookie_ipv4, tcp_raw_check_syncookie_ipv4, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(PTR_TO_MEM))),
	/* args 1-2: fixed-size (ipv6hdr, tcphdr) memory arguments, which exbpf does not model */
	H(BPF_FUNC_tcp_raw_check_syncookie_ipv6, tcp_raw_check_syncookie_ipv6, CLS | ACT | XDP, GPL, UNSUP,
	  P(INTEGER, 0, A(PTR_TO_MEM), A(PTR_TO_MEM))),
	H(BPF_FUNC_ktime_get_tai_ns, ktime_get_tai_ns, LNX | EX, ANYL, OK,
	  P(INTEGER, 0)),
	/* the callback receives a dynptr, which exbpf does not model */
	H(BPF_FUNC_user_ringbuf_drain, user_ringbuf_drain, LNX | EX, ANYL, UNSUP,
	  P(INTEGER, CB, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL), A(ANYTHING))),
	/* bpf_cgrp_storage_get (Linux 6.2+) */
	H(210, cgrp_storage_get, LNX, ANYL, UNSUP,
	  P(MAP_VALUE_OR_NULL, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID), A(PTR_TO_MAP_VALUE_OR_NULL), A(ANYTHING))),
	/* bpf_cgrp_storage_delete (Linux 6.2+) */
	H(211, cgrp_storage_delete, LNX, ANYL, UNSUP,
	  P(INTEGER, 0, A(CONST_MAP_PTR), A(PTR_TO_BTF_ID))),
};

const struct verifier_helper *verifier_helper_proto(int32_t id)
{
	if (id <= 0 || id > HELPER_MAX_ID || !helpers[id].name)
		return NULL;
	return &helpers[id];
}

uint32_t verifier_prog_type_bit(uint32_t prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return VPT_SOCKET_FILTER;
	case BPF_PROG_TYPE_SCHED_CLS:
		return VPT_SCHED_CLS;
	case BPF_PROG_TYPE_SCHED_ACT:
		return VPT_SCHED_ACT;
	case BPF_PROG_TYPE_XDP:
		return VPT_XDP;
	case BPF_PROG_TYPE_CGROUP_SKB:
		return VPT_CGROUP_SKB;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return VPT_RAW_TP;
	case BPF_PROG_TYPE_TRACING:
		return VPT_TRACING;
	case BPF_PROG_TYPE_SYSCALL:
		return VPT_SYSCALL;
	case EXBPF_PROG_TYPE_RAW:
		return VPT_EXBPF;
	default:
		return prog_type >= EXBPF_PROG_TYPE_USER ? VPT_EXBPF : 0;
	}
}

/* The helpers bpf_base_func_proto() offers only with CAP_BPF (the first group) or CAP_PERFMON
 * (the second), and the socket casts bpf_sk_base_func_proto() offers only with CAP_PERFMON:
 * without them the program types that have them in Linux 6.18 do not (Linux: "program of
 * this type cannot use helper"). */
/* Linux 6.18's helpers with .pkt_access among those exbpf checks (the socket lookups also have
 * it, but take kernel objects exbpf does not model); every other helper given a packet
 * pointer was checked to be refused by the running kernel. */
bool verifier_helper_pkt_access(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_lookup_percpu_elem:
	case BPF_FUNC_csum_diff:
		return true;
	default:
		return false;
	}
}

/* Newer than the system's UAPI header (Linux 6.2). */
#define MAP_TYPE_CGRP_STORAGE 32
#define FUNC_CGRP_STORAGE_GET 210
#define FUNC_CGRP_STORAGE_DELETE 211

/* The helpers a map of type `map_type` may be given to, when Linux restricts them (its
 * check_map_func_compatibility(), first table). */
static bool map_allows_func(uint32_t map_type, int32_t f)
{
	switch (map_type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
		return f == BPF_FUNC_tail_call;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return f == BPF_FUNC_perf_event_read || f == BPF_FUNC_perf_event_output ||
		       f == BPF_FUNC_perf_event_read_value || f == BPF_FUNC_skb_output ||
		       f == BPF_FUNC_xdp_output;
	case BPF_MAP_TYPE_RINGBUF:
		return f == BPF_FUNC_ringbuf_output || f == BPF_FUNC_ringbuf_reserve ||
		       f == BPF_FUNC_ringbuf_query || f == BPF_FUNC_ringbuf_reserve_dynptr ||
		       f == BPF_FUNC_ringbuf_submit_dynptr || f == BPF_FUNC_ringbuf_discard_dynptr;
	case BPF_MAP_TYPE_USER_RINGBUF:
		return f == BPF_FUNC_user_ringbuf_drain;
	case BPF_MAP_TYPE_STACK_TRACE:
		return f == BPF_FUNC_get_stackid;
	case BPF_MAP_TYPE_CGROUP_ARRAY:
		return f == BPF_FUNC_skb_under_cgroup || f == BPF_FUNC_current_task_under_cgroup;
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return f == BPF_FUNC_get_local_storage;
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_XSKMAP:
		return f == BPF_FUNC_redirect_map || f == BPF_FUNC_map_lookup_elem;
	case BPF_MAP_TYPE_CPUMAP:
		return f == BPF_FUNC_redirect_map;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return f == BPF_FUNC_map_lookup_elem;
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return f == BPF_FUNC_map_peek_elem || f == BPF_FUNC_map_pop_elem ||
		       f == BPF_FUNC_map_push_elem;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return f == BPF_FUNC_map_peek_elem || f == BPF_FUNC_map_push_elem;
	case BPF_MAP_TYPE_SK_STORAGE:
		return f == BPF_FUNC_sk_storage_get || f == BPF_FUNC_sk_storage_delete;
	case BPF_MAP_TYPE_INODE_STORAGE:
		return f == BPF_FUNC_inode_storage_get || f == BPF_FUNC_inode_storage_delete;
	case BPF_MAP_TYPE_TASK_STORAGE:
		return f == BPF_FUNC_task_storage_get || f == BPF_FUNC_task_storage_delete;
	case MAP_TYPE_CGRP_STORAGE:
		return f == FUNC_CGRP_STORAGE_GET || f == FUNC_CGRP_STORAGE_DELETE;
	default:
		return true;
	}
}

/* The map types helper `f` takes, when Linux restricts them (second table). */
static bool func_allows_map(int32_t f, uint32_t t)
{
	switch (f) {
	case BPF_FUNC_tail_call:
		return t == BPF_MAP_TYPE_PROG_ARRAY;
	case BPF_FUNC_perf_event_read:
	case BPF_FUNC_perf_event_output:
	case BPF_FUNC_perf_event_read_value:
	case BPF_FUNC_skb_output:
	case BPF_FUNC_xdp_output:
		return t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_query:
	case BPF_FUNC_ringbuf_reserve_dynptr:
	case BPF_FUNC_ringbuf_submit_dynptr:
	case BPF_FUNC_ringbuf_discard_dynptr:
		return t == BPF_MAP_TYPE_RINGBUF;
	case BPF_FUNC_user_ringbuf_drain:
		return t == BPF_MAP_TYPE_USER_RINGBUF;
	case BPF_FUNC_get_stackid:
		return t == BPF_MAP_TYPE_STACK_TRACE;
	case BPF_FUNC_current_task_under_cgroup:
	case BPF_FUNC_skb_under_cgroup:
		return t == BPF_MAP_TYPE_CGROUP_ARRAY;
	case BPF_FUNC_redirect_map:
		return t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
		       t == BPF_MAP_TYPE_CPUMAP || t == BPF_MAP_TYPE_XSKMAP;
	case BPF_FUNC_sk_redirect_map:
	case BPF_FUNC_msg_redirect_map:
	case BPF_FUNC_sock_map_update:
		return t == BPF_MAP_TYPE_SOCKMAP;
	case BPF_FUNC_sk_redirect_hash:
	case BPF_FUNC_msg_redirect_hash:
	case BPF_FUNC_sock_hash_update:
		return t == BPF_MAP_TYPE_SOCKHASH;
	case BPF_FUNC_get_local_storage:
		return t == BPF_MAP_TYPE_CGROUP_STORAGE || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
	case BPF_FUNC_sk_select_reuseport:
		return t == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY || t == BPF_MAP_TYPE_SOCKMAP ||
		       t == BPF_MAP_TYPE_SOCKHASH;
	case BPF_FUNC_map_pop_elem:
		return t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK;
	case BPF_FUNC_map_peek_elem:
	case BPF_FUNC_map_push_elem:
		return t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK ||
		       t == BPF_MAP_TYPE_BLOOM_FILTER;
	case BPF_FUNC_map_lookup_percpu_elem:
		return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
		       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	case BPF_FUNC_sk_storage_get:
	case BPF_FUNC_sk_storage_delete:
		return t == BPF_MAP_TYPE_SK_STORAGE;
	case BPF_FUNC_inode_storage_get:
	case BPF_FUNC_inode_storage_delete:
		return t == BPF_MAP_TYPE_INODE_STORAGE;
	case BPF_FUNC_task_storage_get:
	case BPF_FUNC_task_storage_delete:
		return t == BPF_MAP_TYPE_TASK_STORAGE;
	case FUNC_CGRP_STORAGE_GET:
	case FUNC_CGRP_STORAGE_DELETE:
		return t == MAP_TYPE_CGRP_STORAGE;
	default:
		return true;
	}
}

bool verifier_map_func_compatible(uint32_t map_type, int32_t func_id)
{
	/* Sockmaps and sockhashes take lookups, updates and deletes under conditions of the
	 * program type that exbpf does not model (it has no such maps). */
	if (map_type == BPF_MAP_TYPE_SOCKMAP || map_type == BPF_MAP_TYPE_SOCKHASH ||
	    map_type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
		return func_allows_map(func_id, map_type);
	return map_allows_func(map_type, func_id) && func_allows_map(func_id, map_type);
}

bool verifier_helper_needs_caps(int32_t id)
{
	static const char *const names[] = {
	    /* CAP_BPF */
	    "bpf_spin_lock", "bpf_spin_unlock", "bpf_jiffies64", "bpf_per_cpu_ptr",
	    "bpf_this_cpu_ptr", "bpf_timer_init", "bpf_timer_set_callback", "bpf_timer_start",
	    "bpf_timer_cancel", "bpf_kptr_xchg", "bpf_for_each_map_elem", "bpf_loop",
	    "bpf_user_ringbuf_drain", "bpf_ringbuf_reserve_dynptr", "bpf_ringbuf_submit_dynptr",
	    "bpf_ringbuf_discard_dynptr", "bpf_dynptr_from_mem", "bpf_dynptr_read",
	    "bpf_dynptr_write", "bpf_dynptr_data", "bpf_cgrp_storage_get",
	    "bpf_cgrp_storage_delete", "bpf_get_current_cgroup_id",
	    "bpf_get_current_ancestor_cgroup_id",
	    /* CAP_PERFMON */
	    "bpf_trace_printk", "bpf_get_current_task", "bpf_get_current_task_btf",
	    "bpf_probe_read_user", "bpf_probe_read_kernel", "bpf_probe_read_user_str",
	    "bpf_probe_read_kernel_str", "bpf_snprintf_btf", "bpf_snprintf", "bpf_task_pt_regs",
	    "bpf_trace_vprintk",
	    /* CAP_PERFMON, socket programs */
	    "bpf_skc_to_tcp6_sock", "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp_timewait_sock",
	    "bpf_skc_to_tcp_request_sock", "bpf_skc_to_udp6_sock", "bpf_skc_to_unix_sock",
	    "bpf_skc_to_mptcp_sock",
	};
	const struct verifier_helper *h = verifier_helper_proto(id);

	for (size_t i = 0; h && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(h->name, names[i]))
			return true;
	return false;
}
