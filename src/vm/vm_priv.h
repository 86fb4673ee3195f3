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
	uint32_t aux; /* helper calls: index into prog->helper_fns; local calls: target index */
};

struct vm_prog {
	struct vm_insn *insns;
	size_t cnt;
	exbpf_helper_fn *helper_fns; /* one per distinct helper the program calls */
	size_t nhelper_fns;
	const struct vm_helper_table *helpers; /* for callx, resolved at run time */
};

struct vm_frame {
	const struct vm_insn *ret; /* where the caller continues */
	uint64_t saved[4];	   /* caller's r6-r9 */
	uint64_t fp;		   /* caller's r10 */
};

/* All per-run state: registers, the frame chain and the stacks of all frames. */
struct vm_state {
	uint64_t reg[BPF_REG_COUNT];
	struct vm_frame frames[BPF_MAX_CALL_FRAMES];
	uint64_t stack[BPF_MAX_CALL_FRAMES * BPF_STACK_SIZE / 8];
};

int vm_run_fast(const struct vm_prog *prog, struct vm_exec *x, struct vm_state *st);
int vm_run_checked(const struct vm_prog *prog, struct vm_exec *x, struct vm_state *st);

/* Helper lookup by id for callx; NULL if absent. */
exbpf_helper_fn vm_helper_find(const struct vm_helper_table *t, uint32_t id);

#endif
