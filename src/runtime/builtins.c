/* The helpers and kfuncs every environment starts with, with Linux's ids and prototypes. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "runtime/helpers.h"
#include "runtime/kfuncs.h"
#include "runtime/timer.h"

#define A(k) EXBPF_ARG_##k
/* Helpers that never stop a verified program's run (the JIT calls them plainly). */
#define NS EXBPF_FN_NEVER_STOPS
#define P(RET, F, ...) {.ret = EXBPF_RET_##RET, .flags = (F), .args = {__VA_ARGS__}}
/* Linux's probe reads: dst, its size, an address the verifier does not type. */
#define PROBE P(INTEGER, NS, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))

struct builtin {
	uint32_t id;
	const char *name;
	exbpf_helper_fn fn;
	struct exbpf_func_proto proto;
};

static const struct builtin helpers[] = {
	{BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", rt_map_lookup_elem,
	 P(MAP_VALUE_OR_NULL, NS, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))},
	{BPF_FUNC_map_update_elem, "bpf_map_update_elem", rt_map_update_elem,
	 P(INTEGER, NS, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING))},
	{BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", rt_map_delete_elem,
	 P(INTEGER, NS, A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))},
	{BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", rt_ktime_get_ns, P(INTEGER, NS)},
	{BPF_FUNC_probe_read, "bpf_probe_read", rt_probe_read, PROBE},
	{BPF_FUNC_probe_read_str, "bpf_probe_read_str", rt_probe_read_str, PROBE},
	{BPF_FUNC_probe_read_user, "bpf_probe_read_user", rt_probe_read, PROBE},
	{BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel", rt_probe_read, PROBE},
	{BPF_FUNC_probe_read_user_str, "bpf_probe_read_user_str", rt_probe_read_str, PROBE},
	{BPF_FUNC_probe_read_kernel_str, "bpf_probe_read_kernel_str", rt_probe_read_str, PROBE},
	{BPF_FUNC_trace_printk, "bpf_trace_printk", rt_trace_printk,
	 P(INTEGER, NS, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING), A(ANYTHING))},
	{BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", rt_get_prandom_u32, P(INTEGER, NS)},
	{BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", rt_get_smp_processor_id,
	 P(INTEGER, NS)},
	{BPF_FUNC_skb_store_bytes, "bpf_skb_store_bytes", rt_skb_store_bytes,
	 P(INTEGER, NS, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING))},
	{BPF_FUNC_tail_call, "bpf_tail_call", rt_tail_call,
	 P(VOID, 0, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING))},
	{BPF_FUNC_get_current_pid_tgid, "bpf_get_current_pid_tgid", rt_get_current_pid_tgid,
	 P(INTEGER, NS)},
	{BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", rt_skb_load_bytes,
	 P(INTEGER, NS, A(PTR_TO_CTX), A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))},
	{BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", rt_xdp_adjust_head, P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))},
	{BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta", rt_xdp_adjust_meta, P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))},
	{BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail", rt_xdp_adjust_tail, P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))},
	{BPF_FUNC_redirect, "bpf_redirect", rt_redirect, P(INTEGER, NS, A(ANYTHING), A(ANYTHING))},
	{BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", rt_xdp_get_buff_len, P(INTEGER, 0, A(PTR_TO_CTX))},
	{BPF_FUNC_skb_pull_data, "bpf_skb_pull_data", rt_skb_pull_data, P(INTEGER, 0, A(PTR_TO_CTX), A(ANYTHING))},
	{BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie", rt_get_netns_cookie, P(INTEGER, NS, A(PTR_TO_CTX))},
	{BPF_FUNC_l3_csum_replace, "bpf_l3_csum_replace", rt_l3_csum_replace,
	 P(INTEGER, NS, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING))},
	{BPF_FUNC_l4_csum_replace, "bpf_l4_csum_replace", rt_l4_csum_replace,
	 P(INTEGER, NS, A(PTR_TO_CTX), A(ANYTHING), A(ANYTHING), A(ANYTHING), A(ANYTHING))},
	{BPF_FUNC_csum_update, "bpf_csum_update", rt_csum_update, P(INTEGER, NS, A(PTR_TO_CTX), A(ANYTHING))},
	{BPF_FUNC_strtol, "bpf_strtol", rt_strtol,
	 P(INTEGER, NS, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG))},
	{BPF_FUNC_strtoul, "bpf_strtoul", rt_strtoul,
	 P(INTEGER, NS, A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(PTR_TO_LONG))},
	{BPF_FUNC_csum_diff, "bpf_csum_diff", rt_csum_diff,
	 P(INTEGER, NS, A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM),
	   A(CONST_SIZE_OR_ZERO), A(ANYTHING))},
	{BPF_FUNC_spin_lock, "bpf_spin_lock", rt_spin_lock, P(VOID, 0, A(PTR_TO_SPIN_LOCK))},
	{BPF_FUNC_spin_unlock, "bpf_spin_unlock", rt_spin_unlock, P(VOID, NS, A(PTR_TO_SPIN_LOCK))},
	{BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", rt_ringbuf_output,
	 P(INTEGER, NS, A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))},
	{BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", rt_ringbuf_reserve,
	 P(MEM_OR_NULL, EXBPF_FN_ACQUIRE, A(CONST_MAP_PTR), A(CONST_SIZE), A(ANYTHING))},
	{BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", rt_ringbuf_submit,
	 P(VOID, EXBPF_FN_RELEASE | NS, A(PTR_TO_ALLOC_MEM), A(ANYTHING))},
	{BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", rt_ringbuf_discard,
	 P(VOID, EXBPF_FN_RELEASE | NS, A(PTR_TO_ALLOC_MEM), A(ANYTHING))},
	{BPF_FUNC_dynptr_from_mem, "bpf_dynptr_from_mem", rt_dynptr_from_mem,
	 P(INTEGER, NS, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING),
	   A(PTR_TO_UNINIT_DYNPTR_LOCAL))},
	{BPF_FUNC_ringbuf_reserve_dynptr, "bpf_ringbuf_reserve_dynptr", rt_ringbuf_reserve_dynptr,
	 P(INTEGER, NS, A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING), A(PTR_TO_UNINIT_DYNPTR_RINGBUF))},
	{BPF_FUNC_ringbuf_submit_dynptr, "bpf_ringbuf_submit_dynptr", rt_ringbuf_submit_dynptr,
	 P(VOID, EXBPF_FN_RELEASE | NS, A(PTR_TO_DYNPTR_RINGBUF), A(ANYTHING))},
	{BPF_FUNC_ringbuf_discard_dynptr, "bpf_ringbuf_discard_dynptr", rt_ringbuf_discard_dynptr,
	 P(VOID, EXBPF_FN_RELEASE | NS, A(PTR_TO_DYNPTR_RINGBUF), A(ANYTHING))},
	{BPF_FUNC_dynptr_read, "bpf_dynptr_read", rt_dynptr_read,
	 P(INTEGER, NS, A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_DYNPTR), A(ANYTHING),
	   A(ANYTHING))},
	{BPF_FUNC_dynptr_write, "bpf_dynptr_write", rt_dynptr_write,
	 P(INTEGER, NS, A(PTR_TO_DYNPTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO),
	   A(ANYTHING))},
	{BPF_FUNC_dynptr_data, "bpf_dynptr_data", rt_dynptr_data,
	 P(DYNPTR_MEM_OR_NULL, NS, A(PTR_TO_DYNPTR), A(ANYTHING), A(CONST_ALLOC_SIZE_OR_ZERO))},
	{BPF_FUNC_ringbuf_query, "bpf_ringbuf_query", rt_ringbuf_query,
	 P(INTEGER, NS, A(CONST_MAP_PTR), A(ANYTHING))},
	{BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem", rt_for_each_map_elem,
	 P(INTEGER, EXBPF_FN_CALLBACK, A(CONST_MAP_PTR), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL),
	   A(ANYTHING))},
	{RT_POISON_ID, "poisoned_core_relocation", rt_poisoned, P(VOID, EXBPF_FN_NO_RETURN)},
	{BPF_FUNC_kptr_xchg, "bpf_kptr_xchg", rt_kptr_xchg,
	 {.ret = EXBPF_RET_KPTR_OR_NULL, .flags = EXBPF_FN_ACQUIRE | EXBPF_FN_RELEASE,
	  .release_fn = "bpf_obj_drop_impl", .release_arg = 1,
	  .args = {A(PTR_TO_KPTR), A(PTR_TO_OBJ_OR_NULL)}}},
	{BPF_FUNC_loop, "bpf_loop", rt_loop,
	 P(INTEGER, EXBPF_FN_CALLBACK, A(ANYTHING), A(PTR_TO_FUNC), A(PTR_TO_STACK_OR_NULL),
	   A(ANYTHING))},
	{BPF_FUNC_timer_init, "bpf_timer_init", rt_timer_init,
	 P(INTEGER, 0, A(PTR_TO_TIMER), A(CONST_MAP_PTR), A(ANYTHING))},
	{BPF_FUNC_timer_set_callback, "bpf_timer_set_callback", rt_timer_set_callback,
	 P(INTEGER, EXBPF_FN_ASYNC_CALLBACK, A(PTR_TO_TIMER), A(PTR_TO_FUNC))},
	{BPF_FUNC_timer_start, "bpf_timer_start", rt_timer_start,
	 P(INTEGER, 0, A(PTR_TO_TIMER), A(ANYTHING), A(ANYTHING))},
	{BPF_FUNC_timer_cancel, "bpf_timer_cancel", rt_timer_cancel,
	 P(INTEGER, 0, A(PTR_TO_TIMER))},
};

int rt_register_builtins(struct exbpf_env *env)
{
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		const struct builtin *b = &helpers[i];
		int err = exbpf_env__register_helper(env, b->id, b->name, b->fn, &b->proto);

		if (err)
			return err;
	}
	return rt_register_kfuncs(env);
}
