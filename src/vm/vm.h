/* The interpreter's interface to the rest of exbpf. A vm_prog is built once from validated
 * instructions and never changes; all per-run state lives in the vm_exec() call, so any
 * number of threads may run one vm_prog at once and runs may nest (a helper may run another
 * program). */
#ifndef EXBPF_VM_VM_H
#define EXBPF_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/vm.h>

#include "common/log.h"

struct vm_prog;
struct vm_insn;
struct vm_state;

struct vm_helper {
	uint32_t id;
	const char *name;
	exbpf_helper_fn fn;
};

struct vm_helper_table {
	const struct vm_helper *helpers;
	size_t cnt;
};

/* Memory a checked run may touch besides its own stack. */
struct vm_region {
	uintptr_t start;
	size_t size;
	bool writable;
};

/* One run: inputs, then what vm_exec() reports. Lives with the caller; the registers, frames
 * and stacks live on vm_exec()'s own C stack, so runs share nothing but the vm_prog. */
struct vm_exec {
	/* in */
	uint64_t args[5];   /* r1-r5 at entry */
	bool checked;	    /* validate every access and count instructions */
	uint64_t budget;    /* instructions a checked run may execute (each counts, jumps too);
			     * ignored by unchecked runs, which only verified programs get */
	const struct vm_region *regions; /* besides the stack; checked runs only */
	size_t nregions;
	struct log *log;    /* why the run failed; may be NULL */
	void *user;	    /* for helpers, through exbpf_run */
	/* out */
	uint64_t r0;
	int64_t err_insn;   /* instruction index of a run-time error, else -1 */
};

/* The invocation a helper receives as its sixth argument; valid only during that call. Through
 * exec a helper reaches the run's inputs (user, regions, log), and later stages the state
 * they need to run callbacks or unwind. */
struct exbpf_run {
	struct vm_exec *exec;
	const struct vm_prog *prog;
	/* the interpreter's, for the functions below */
	const struct vm_state *st;
	const struct vm_insn *pc; /* the call instruction */
	int depth;		  /* of the calling frame, 0 = main */
	bool checked;
	int err;		  /* set by vm_run_fail() */
};

/* For helpers handed a pointer by the program: whether [addr, addr + size) lies in the memory
 * the run may touch (its active stack frames, its regions; writable ones if `write`). Always
 * true in an unchecked run, whose program a verifier has vouched for. */
bool vm_run_access_ok(const struct exbpf_run *run, uint64_t addr, size_t size, bool write);

/* Ends the run once the helper returns: vm_exec() returns err (negative) with err_insn the call
 * and "insn N: <message>" (no newline in fmt) in the log. Returns err, for `return vm_run_fail(...)`. */
int vm_run_fail(struct exbpf_run *run, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Builds a runnable program from instructions isa_validate() accepted. Helper calls resolve
 * against `helpers` here: an unknown id is -ENOENT ("insn N: unknown helper ID"). Forms whose
 * meaning a later stage supplies (map references, kfunc calls, legacy packet loads) are
 * -EOPNOTSUPP naming the instruction. `helpers` must outlive the program. */
int vm_prog_new(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct vm_prog **out);
void vm_prog_free(struct vm_prog *prog);

/* Runs from instruction 0. Returns 0 with x->r0 set, or a negative errno with x->err_insn and
 * "insn N: ..." in x->log: -EFAULT an access outside the run's memory, to a read-only region
 * or a misaligned atomic (checked runs), -E2BIG the budget (checked runs) or the 8-frame call
 * depth exceeded, -EINVAL callx to an id no helper has. Stack: 512 bytes per frame, r10 at
 * the top of the frame's slice; a checked run may touch the slices of the active frames
 * (a callee may use its caller's stack through a pointer), each zeroed when its frame starts.
 * Thread-safe on a shared prog; a helper may call vm_exec() again (nested run). */
int vm_exec(const struct vm_prog *prog, struct vm_exec *x);

#endif
