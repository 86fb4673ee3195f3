/* The x86-64 JIT: compiles a validated program into machine code with the interpreter's
 * semantics. Runs verified code only: nothing is checked at run time but the 8-frame call
 * depth and callx targets (see README.md). */
#ifndef EXBPF_JIT_JIT_H
#define EXBPF_JIT_JIT_H

#include <stddef.h>

#include <exbpf/isa.h>

#include "common/log.h"
#include "vm/vm.h"

struct jit_prog;

/* Whether this build can JIT (x86-64 hosts only). */
int jit_supported(void);

/* Compiles instructions that isa_validate() accepts (it is called here, as vm_prog_new()
 * does). Helper calls resolve against `helpers` (may be NULL; must outlive the program): an
 * unknown id is -ENOENT "insn N: unknown helper ID". Map and BTF-id lddw are -EOPNOTSUPP, as
 * in the interpreter; legacy packet loads (LD_ABS / LD_IND) and kfunc calls are -EOPNOTSUPP
 * ("insn N: ... not supported by the JIT"). -ENOTSUP off x86-64. The code lives in a region
 * mapped read+execute once written (never writable and executable at once). */
int jit_compile(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct jit_prog **out);

/* Runs from x->entry (0, or the start of a function a local call or `lddw func` names) with
 * r1-r5 = x->args; 0 with x->r0 set, or a negative errno with x->err_insn and "insn N: ..." in
 * x->log: -E2BIG past 8 frames, -EINVAL callx to an unknown helper, a helper's vm_run_fail().
 * VM_THROWN when a helper called vm_run_throw() (x->cookie; throw_insns holds the call
 * instruction only). x->checked, budget and regions are ignored: a JIT run is an unchecked
 * run (budget_left = budget). Thread-safe: all run state is on jit_exec()'s C stack. */
int jit_exec(const struct jit_prog *p, struct vm_exec *x);

void jit_free(struct jit_prog *p);

/* The generated machine code and its size, for tests and statistics. */
const void *jit_code(const struct jit_prog *p);
size_t jit_code_size(const struct jit_prog *p);

#endif
