/* The raw interpreter API: run instructions that no verifier has seen, safely.
 * Every memory access is checked against the regions of the run (its stack frames and the
 * caller's buffer), and an instruction budget ends runaway loops. A program gets r1 = the
 * buffer and r2 = its length (exbpf's "raw" program type) and returns r0.
 * A prepared vm is immutable after exbpf_vm__load(): any number of threads may exec it. */
#ifndef EXBPF_VM_H
#define EXBPF_VM_H

#include <exbpf/common.h>
#include <exbpf/isa.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_vm;
/* One invocation of a program; valid only during the helper call that receives it. */
struct exbpf_run;

/* A helper receives r1-r5 and the invocation; its return value lands in r0. The sixth
 * argument lets a helper reach its invocation without thread-local state, which keeps nested
 * and concurrent runs apart. */
typedef uint64_t (*exbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct exbpf_run *run);

/* Default instruction budget of one exec (about a tenth of a second of work). */
#define EXBPF_VM_DEFAULT_BUDGET 100000000ull

struct exbpf_vm_opts {
	size_t sz;
	uint64_t insn_budget; /* instructions one exec may run; 0 = EXBPF_VM_DEFAULT_BUDGET */
};

/* NULL with errno set on failure. opts may be NULL. */
EXBPF_API struct exbpf_vm *exbpf_vm__new(const struct exbpf_vm_opts *opts);
EXBPF_API void exbpf_vm__free(struct exbpf_vm *vm);

/* Registers helper `id` (called by `call id`, or by `callx rN` with rN = id). Before load.
 * -EEXIST if the id is taken, -EBUSY after load. */
EXBPF_API int exbpf_vm__register_helper(struct exbpf_vm *vm, uint32_t id, const char *name,
					exbpf_helper_fn fn);

/* Validates and prepares the program (a copy is kept). A call to an unregistered helper is an
 * error here, not at run time. */
EXBPF_API int exbpf_vm__load(struct exbpf_vm *vm, const struct bpf_insn *insns, size_t cnt,
			     char *log_buf, size_t log_size);

/* Runs the program on mem[0..mem_len) and stores r0 in *out_r0. Returns 0, or a negative errno
 * with "insn N: ..." in log_buf: -EFAULT an access outside the run's memory, -E2BIG the budget
 * or the 8-frame call depth exceeded, -EINVAL an instruction the engine cannot run. */
EXBPF_API int exbpf_vm__exec(const struct exbpf_vm *vm, void *mem, size_t mem_len,
			     uint64_t *out_r0, char *log_buf, size_t log_size);

#ifdef __cplusplus
}
#endif

#endif
