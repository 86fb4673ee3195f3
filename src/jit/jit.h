/* The x86-64 JIT: compiles a validated program into machine code with the interpreter's
 * semantics (its unchecked loop's). Runs verified code only: nothing is checked at run time
 * but the 8-frame call depth and callx targets (see README.md). */
#ifndef EXBPF_JIT_JIT_H
#define EXBPF_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/isa.h>

#include "common/log.h"
#include "vm/vm.h"

struct jit_prog;

/* Whether this build can JIT (x86-64 hosts only). */
int jit_supported(void);

/* How to compile. All of it may be NULL / 0, and whatever it points to must outlive the
 * program. */
struct jit_opts {
	const struct vm_helper_table *helpers; /* `call imm` (src 0) and callx, by id */
	const struct vm_helper_table *kfuncs;  /* `call` with src_reg BPF_PSEUDO_KFUNC_CALL, by
						* imm (its off is not consulted) */
	/* Per instruction (cnt entries): whether the helper, kfunc or callx call there may stop
	 * the run, i.e. call vm_run_fail(), vm_run_throw(), vm_run_return(), or vm_run_call()
	 * with a callback that may fail or throw. NULL: every call may. A call whose byte is 0,
	 * or whose helper is `never_stops`, compiles to a plain call: nothing records its
	 * instruction (vm_run_insn() and vm_run_fail() would name a stale one) and nothing looks
	 * at the run afterwards, so such a call must really never stop the run. Other bytes are
	 * ignored. */
	const uint8_t *may_stop;
	/* Instructions that start a function although no call or `lddw func` names it (the
	 * exception callback), so that jit_exec() may enter there. */
	const size_t *entries;
	size_t nentries;
	/* Frames start with whatever the C stack held, as in the interpreter's fast loop, instead
	 * of zeroed as in its checked loop: for verified programs, which never read a stack slot
	 * they have not written. Saves clearing 512 bytes on every call (most of the cost of a
	 * local call). */
	bool no_stack_zeroing;
};

/* Compiles instructions that isa_validate() accepts (it is called here, as vm_prog_new_opts()
 * does, with the same load checks and messages): an unknown helper is -ENOENT "insn N:
 * unknown helper ID", an unknown kfunc -ENOENT "insn N: unknown kfunc #ID"; map and BTF-id
 * lddw are -EOPNOTSUPP; an entry that is not an instruction -EINVAL. -ENOTSUP off x86-64.
 * The code lives in a region mapped read+execute once written (never writable and
 * executable at once), near the library's text where the address space allows, so that calls
 * to helpers linked with it are direct. opts may be NULL. */
int jit_compile_opts(const struct bpf_insn *insns, size_t cnt, const struct jit_opts *opts,
		     struct log *log, struct jit_prog **out);

/* jit_compile_opts() with helpers only. */
int jit_compile(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct jit_prog **out);

/* Runs from x->entry (0, a function a local call or `lddw func` names, or one of
 * jit_opts.entries) with r1-r5 = x->args, under vm_exec()'s contract for an unchecked run:
 * 0 with x->r0 set, or a negative errno with x->err_insn and "insn N: ..." in x->log (-E2BIG
 * past 8 frames, -EINVAL callx to an unknown helper, a helper's vm_run_fail() or a
 * callback's failure); VM_THROWN when a helper or kfunc called vm_run_throw() (x->cookie,
 * x->throw_insns and x->nthrow as the interpreter reports them). Helpers may call
 * vm_run_call() (the callback runs JITed), vm_run_return() and the other vm_run_*()
 * functions. Legacy packet loads read x->pkt. x->checked, budget and regions are ignored
 * (budget_left = budget), and x->hook_why (the checked loop's scratch) is left as it is.
 * Thread-safe: all run state is on the C stack. */
int jit_exec(const struct jit_prog *p, struct vm_exec *x);

void jit_free(struct jit_prog *p);

/* The generated machine code and its size, for tests and statistics. */
const void *jit_code(const struct jit_prog *p);
size_t jit_code_size(const struct jit_prog *p);

#endif
