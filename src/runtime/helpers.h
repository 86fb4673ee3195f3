/* The built-in helpers and kfuncs, and what they share. */
#ifndef EXBPF_RUNTIME_HELPERS_H
#define EXBPF_RUNTIME_HELPERS_H

#include "runtime/runtime.h"

#define RT_HELPER(name)                                                                         \
	uint64_t name(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,          \
		      struct exbpf_run *run)

/* Whether the program may read (write) size bytes at addr; fails the run when not. */
bool rt_arg_mem(struct exbpf_run *run, uint64_t addr, uint64_t size, bool write,
		const char *what);

/* Reads of memory the verifier does not type (probe_read.c): the host's memory without
 * faulting in a verified run, the run's own in an unverified one. 0 or -EFAULT; the string
 * form stops after a NUL or at size - 1 bytes (then NUL-terminated) and returns the bytes
 * written, the NUL included. */
int rt_read_nofault(struct exbpf_run *run, void *dst, uint64_t addr, size_t size);
int rt_read_str_nofault(struct exbpf_run *run, char *dst, uint64_t addr, size_t size);
RT_HELPER(rt_probe_read);
RT_HELPER(rt_probe_read_str);
RT_HELPER(rt_map_lookup_elem);
RT_HELPER(rt_map_update_elem);
RT_HELPER(rt_map_delete_elem);
RT_HELPER(rt_ringbuf_reserve);
RT_HELPER(rt_ringbuf_submit);
RT_HELPER(rt_ringbuf_discard);
RT_HELPER(rt_ringbuf_output);
RT_HELPER(rt_ringbuf_query);
/* A ring-buffer sample the run holds (released by submit or discard, or at a throw), or NULL
 * (no room, or the run failed). */
void *rt_ringbuf_reserve_held(struct exbpf_run *run, uint64_t map_arg, uint64_t size,
			      uint64_t flags, const char *what);
RT_HELPER(rt_dynptr_from_mem);
RT_HELPER(rt_ringbuf_reserve_dynptr);
RT_HELPER(rt_ringbuf_submit_dynptr);
RT_HELPER(rt_ringbuf_discard_dynptr);
RT_HELPER(rt_dynptr_read);
RT_HELPER(rt_dynptr_write);
RT_HELPER(rt_dynptr_data);
RT_HELPER(rt_spin_lock);
RT_HELPER(rt_spin_unlock);
RT_HELPER(rt_loop);
RT_HELPER(rt_for_each_map_elem);
RT_HELPER(rt_tail_call);

RT_HELPER(rt_ktime_get_ns);
RT_HELPER(rt_get_prandom_u32);
RT_HELPER(rt_get_smp_processor_id);
RT_HELPER(rt_get_current_pid_tgid);
RT_HELPER(rt_trace_printk);
RT_HELPER(rt_skb_load_bytes);
RT_HELPER(rt_skb_store_bytes);
RT_HELPER(rt_csum_diff);
RT_HELPER(rt_csum_update);
RT_HELPER(rt_l3_csum_replace);
RT_HELPER(rt_l4_csum_replace);
RT_HELPER(rt_xdp_adjust_head);
RT_HELPER(rt_xdp_adjust_meta);
RT_HELPER(rt_xdp_adjust_tail);
RT_HELPER(rt_skb_pull_data);
RT_HELPER(rt_redirect);
RT_HELPER(rt_xdp_get_buff_len);
RT_HELPER(rt_get_netns_cookie);
RT_HELPER(rt_strtol);
RT_HELPER(rt_strtoul);
RT_HELPER(rt_poisoned);

/* The helper id libbpf writes into instructions CO-RE could not relocate (0xbad2310). */
#define RT_POISON_ID 195896080u

#endif
