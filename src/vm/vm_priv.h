/* The interpreter's private layout: pre-decoded instructions and per-run state. */
#ifndef EXBPF_VM_VM_PRIV_H
#define EXBPF_VM_VM_PRIV_H

#include "common/limits.h"
#include "isa/isa.h"
#include "vm/vm.h"

/* One entry per instruction slot, 16 bytes. The second slot of lddw holds the high word in
 * imm, so the value is rebuilt from two adjacent entries without a wider entry. */
struct vm_insn {
	uint8_t op; /* enum isa_op */
	uint8_t dst;
	uint8_t src;
	uint8_t pad;
	int16_t off;
	uint16_t pad2;
	int32_t imm;
	uint32_t aux; /* helper and kfunc calls: index into prog->helper_fns; local calls: target
		       * index */
};

struct vm_prog {
	struct vm_insn *insns;
	size_t cnt;
	exbpf_helper_fn *helper_fns; /* one per distinct helper the program calls */
	size_t nhelper_fns;
	const struct vm_helper_table *helpers; /* for callx, resolved at run time */
	uint8_t *entries; /* bit i: insn i starts a function a local call or `lddw func` names,
			   * i.e. i is a valid callback handle */
};

static inline bool vm_prog_is_entry(const struct vm_prog *p, uint64_t i)
{
	return i < p->cnt && (p->entries[i / 8] >> (i % 8) & 1);
}

struct vm_frame {
	const struct vm_insn *ret; /* where the caller continues */
	uint64_t saved[4];	   /* caller's r6-r9 */
	uint64_t fp;		   /* caller's r10 */
};

/* A dynamic region (vm_run_add_region()). */
struct vm_dyn_region {
	uint64_t start;
	uint64_t size;
	bool writable;
};

#define VM_DYN_INLINE 8 /* dynamic regions kept in the state before going to the heap */

/* All per-run state: registers of the main frame, the frame chain, the stacks of all frames,
 * and what the main frame and its callbacks (vm_run_call()) share. Lives on vm_exec()'s C
 * stack; a callback gets its own register file on vm_run_call()'s C stack. */
struct vm_state {
	uint64_t reg[BPF_REG_COUNT];
	struct vm_frame frames[BPF_MAX_CALL_FRAMES];
	uint64_t stack[BPF_MAX_CALL_FRAMES * BPF_STACK_SIZE / 8];
	/* Each frame's may_goto budget, set when the frame starts (Linux keeps it in a hidden
	 * slot of the frame's stack, initialized by the function's prologue). */
	uint64_t may_goto[BPF_MAX_CALL_FRAMES];
	const struct vm_prog *prog;
	struct vm_exec *x;
	uint64_t budget; /* checked runs: what is left; the loops keep it in a local and store it
			  * here around helper calls and when they return */
	struct vm_dyn_region *dyn; /* dyn_inline, or a heap array past VM_DYN_INLINE */
	size_t ndyn, dyn_cap;
	struct vm_dyn_region dyn_inline[VM_DYN_INLINE];
};

/* Linux's special offsets of legacy packet loads (SKF_NET_OFF, SKF_LL_OFF). */
#define VM_SKF_NET_OFF (-0x100000)
#define VM_SKF_LL_OFF (-0x200000)
#define VM_ETH_HLEN 14

/* Where a legacy packet load of `size` bytes at offset k reads, or NULL when it lies outside
 * the packet (Linux's bpf_skb_load_helper_* and bpf_internal_load_pointer_neg_helper):
 * k >= 0 from the skb's data, [SKF_NET_OFF, 0) from the network header, [SKF_LL_OFF,
 * SKF_NET_OFF) from the link-layer header, each up to the end of the packet. The network
 * header is the data, except where the data starts at the link-layer header (tc's skb in
 * test_run): then it follows the Ethernet header. Shared by the interpreter and the JIT. */
static inline const uint8_t *vm_pkt_ptr(const struct vm_exec *x, int32_t k, size_t size)
{
	const uint8_t *base;
	uint64_t off;

	if (!x->pkt)
		return NULL;
	if (k >= 0) {
		base = x->pkt;
		off = (uint64_t)k;
	} else if (k >= VM_SKF_NET_OFF) {
		base = x->pkt_mac == x->pkt ? x->pkt + VM_ETH_HLEN : x->pkt;
		off = (uint64_t)((int64_t)k - VM_SKF_NET_OFF);
	} else if (k >= VM_SKF_LL_OFF && x->pkt_mac) {
		base = x->pkt_mac;
		off = (uint64_t)((int64_t)k - VM_SKF_LL_OFF);
	} else {
		return NULL;
	}
	if (base > x->pkt_end || off > (uint64_t)(x->pkt_end - base) ||
	    size > (uint64_t)(x->pkt_end - base) - off)
		return NULL;
	return base + off;
}

/* Run the function at insn `start` as frame `depth0` with registers `reg` (r1-r5 set by the
 * caller, the rest zero; r10 is set here) until it exits from that frame: 0 with reg[0] the
 * result, or a negative errno with st->x->err_insn and the log set. */
int vm_run_fast(struct vm_state *st, uint64_t *reg, size_t start, int depth0);
int vm_run_checked(struct vm_state *st, uint64_t *reg, size_t start, int depth0);

/* Helper lookup by id for callx; NULL if absent. */
exbpf_helper_fn vm_helper_find(const struct vm_helper_table *t, uint32_t id);

#endif
