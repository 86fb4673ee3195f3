/* The interpreter's interface to the rest of exbpf. A vm_prog is built once from validated
 * instructions and never changes; all per-run state lives in the vm_exec of the run, so any
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

struct vm_exec {
	/* in */
	uint64_t args[5];   /* r1-r5 at entry */
	bool checked;	    /* validate every access and count instructions */
	uint64_t budget;    /* instructions a checked run may execute */
	const struct vm_region *regions;
	size_t nregions;
	struct log *log;    /* why the run failed; may be NULL */
	void *user;	    /* for helpers, through exbpf_run */
	/* out */
	uint64_t r0;
	int64_t err_insn;   /* instruction index of a run-time error, else -1 */
};

/* Builds a runnable program from instructions isa_validate() accepted. Helper calls resolve
 * against `helpers` here: an unknown id is -ENOENT ("insn N: unknown helper ID"). Forms whose
 * meaning a later stage supplies (map references, kfunc calls, legacy packet loads) are
 * -EOPNOTSUPP naming the instruction. `helpers` must outlive the program. */
int vm_prog_new(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct vm_prog **out);
void vm_prog_free(struct vm_prog *prog);

/* Runs from instruction 0. Returns 0 with x->r0 set, or a negative errno with x->err_insn and
 * a message: -EFAULT an access outside the run's memory (checked runs), -E2BIG the budget or
 * the call depth exceeded, -EINVAL callx to an unknown helper. */
int vm_exec(const struct vm_prog *prog, struct vm_exec *x);

#endif
