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

#include "common/limits.h"
#include "common/log.h"

struct vm_prog;
struct vm_insn;
struct vm_state;

struct vm_helper {
	uint32_t id;
	const char *name;
	exbpf_helper_fn fn;
	/* The helper never calls vm_run_fail(), vm_run_throw(), vm_run_return() or
	 * vm_run_call(), so an engine need not look at the run after it returns (the JIT then
	 * emits a plain call). Zero, the default of every initializer that omits it, is the safe
	 * answer: the helper may stop the run. */
	bool never_stops;
};

struct vm_helper_table {
	const struct vm_helper *helpers;
	size_t cnt;
};

/* Memory a checked run may touch besides its own stack.
 *
 * A region with an `access` hook is not memory: a checked load or store whose bytes lie in it
 * calls access(hook_ctx, off = addr - start, size, write, val) instead of touching
 * [start, start + size). For a load the hook sets *val (the loop keeps the low `size` bytes,
 * sign-extending for the sign-extending loads); for a store *val holds the value (zero-extended
 * from `size` bytes). The hook returns 0, or a negative errno (any other nonzero value counts
 * as -EINVAL) that ends the run with that errno and
 * "insn N: invalid context access off=OFF size=SIZE", or "insn N: <why>" if the hook put a
 * reason in the run's vm_exec with vm_exec_why(). A store to a hooked region that is not
 * `writable` fails before the hook is called (read-only), and atomics on a hooked region always
 * fail the run. Hooks serve unverified programs the UAPI view of a context (32-bit
 * __sk_buff->data, ...); the fast loop never consults them (it touches memory directly, and
 * verified programs are rewritten statically instead). vm_run_access_ok() is false for hooked
 * bytes: a helper must not dereference them. */
/* A hooked load puts the hook's *val into the register as it is, not truncated to the access
 * size: the hook is the rewrite, so a 32-bit UAPI field (__sk_buff->data) can yield a 64-bit
 * pointer, as Linux's rewritten context loads do. Sign-extending loads still sign-extend. */
struct vm_region {
	uintptr_t start;
	size_t size;
	bool writable;
	int (*access)(void *hook_ctx, uint64_t off, unsigned size, bool write, uint64_t *val);
	void *hook_ctx;
};

/* Most dynamic regions one run (main frame and all its callbacks) may hold; see
 * vm_run_add_region(). */
#define VM_MAX_DYN_REGIONS 4096

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
	size_t entry;	    /* first instruction: 0, or a function's start (exception callback) */
	/* The packet legacy loads (LD_ABS / LD_IND) read: [pkt, pkt_end) is the skb's data,
	 * pkt_mac its link-layer header (SKF_LL_OFF); NULL when the program type has none.
	 * Offsets as in Linux: k >= 0 from pkt; SKF_NET_OFF + k from the network header, which is
	 * pkt, or pkt + 14 when pkt_mac == pkt (the data starts at the Ethernet header, as tc's);
	 * SKF_LL_OFF + k from pkt_mac; every load must end by pkt_end. A load outside (or with
	 * no packet) returns 0 from the executing frame, as Linux's hidden exit does: in the
	 * main frame the program ends with r0 = 0. r1-r5 read 0 afterwards (clobbered). */
	const uint8_t *pkt, *pkt_end, *pkt_mac;
	/* out */
	uint64_t r0;
	int64_t err_insn;   /* instruction index of a run-time error, else -1 */
	uint64_t budget_left; /* checked runs: budget not spent (also after a failure; 0 when
			       * exhausted); unchecked runs: `budget` unchanged */
	/* a throw (vm_exec() returned VM_THROWN): the cookie, and the instruction each unwound
	 * frame was executing, innermost first (the bpf_throw call, then each call site) */
	uint64_t cookie;
	uint32_t throw_insns[BPF_MAX_CALL_FRAMES];
	uint32_t nthrow;
	/* scratch: a failing context hook's reason, see vm_exec_why() */
	char hook_why[96];
};

/* For a context hook (struct vm_region) that is about to fail the run: formats the reason
 * into x->hook_why, so the run's message is "insn N: <reason>" instead of the default
 * "invalid context access ...". Returns err, for `return vm_exec_why(x, -EACCES, ...)`. The
 * hook reaches x through its hook_ctx (the runtime builds both). */
int vm_exec_why(struct vm_exec *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The invocation a helper receives as its sixth argument; valid only during that call, and only
 * on the thread running it. Through exec a helper reaches the run's inputs (user, regions,
 * log); the functions below use the rest. Each frame that calls a helper (the main program
 * or a callback run by vm_run_call()) has its own exbpf_run; they share the run's state. */
struct exbpf_run {
	struct vm_exec *exec;
	const struct vm_prog *prog;
	/* the interpreter's, for the functions below; NULL in a JIT run (unchecked: the
	 * functions below never consult it then) */
	struct vm_state *st;
	/* The engine's way to run a callback (vm_run_call(), after its checks): the function at
	 * `entry` as frame run->depth + 1 with r1-r5 = args. Returns 0 with *r0 its result, a
	 * negative errno with the run's log and exec->err_insn already set by the failing frame,
	 * or VM_THROWN with exec->throw_insns filled for the callback's frames. Set by each
	 * engine on every exbpf_run it hands a helper. */
	int (*engine_call)(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			   uint64_t *r0);
	const struct vm_insn *pc; /* the call instruction (the JIT stores it for calls that may
				   * stop the run only: see struct vm_helper) */
	int depth;		  /* of the calling frame, 0 = main */
	bool checked;
	/* What the helper asked for (the JIT loads each field with the size its setter stores,
	 * so keep them bool and int). */
	int err;		  /* set by vm_run_fail(), or a failed vm_run_call() */
	bool ret;		  /* set by vm_run_return() */
	bool thrown;		  /* set by vm_run_throw(), or a throwing vm_run_call() */
	uint64_t ret_r0;
};

/* For helpers handed a pointer by the program: whether [addr, addr + size) lies in the memory
 * the run may touch (its active stack frames, its regions and dynamic regions; writable ones if
 * `write`; never hooked regions). Always true in an unchecked run, whose program a verifier
 * has vouched for. */
bool vm_run_access_ok(const struct exbpf_run *run, uint64_t addr, size_t size, bool write);

/* Ends the run once the helper returns: vm_exec() returns err (negative) with err_insn the call
 * and "insn N: <message>" (no newline in fmt) in the log. Returns err, for `return vm_run_fail(...)`. */
int vm_run_fail(struct exbpf_run *run, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Dynamic regions, for helpers that hand the program a pointer (a map value from a lookup, a
 * ring-buffer reservation): registers [start, start + size) so the run's later checked loads
 * and stores through it pass (stores only if `writable`). The region belongs to the whole run
 * (main frame and callbacks) until vm_run_drop_region() or the end of vm_exec(); a nested
 * vm_exec() has its own. An identical region (same start, size and writable) is not added
 * twice. Returns 0; -E2BIG past VM_MAX_DYN_REGIONS regions or -ENOMEM, after which the helper
 * should fail the run (vm_run_fail(), e.g. "too many map values handed to the program"). An
 * unchecked run keeps nothing and returns 0. size 0 adds nothing. */
int vm_run_add_region(struct exbpf_run *run, uint64_t start, size_t size, bool writable);

/* Removes every dynamic region that starts at `start` (ring-buffer submit or discard: the
 * memory stops being the program's). No-op in an unchecked run or if there is none. */
void vm_run_drop_region(struct exbpf_run *run, uint64_t start);

/* Callback handles. `lddw rN, func` (src_reg BPF_PSEUDO_FUNC, imm relative like a local call:
 * target = i + imm + 1; the second slot's imm is ignored) loads the handle of the function it
 * names: its absolute instruction index, as a plain 64-bit value. vm_prog_new() records the
 * entry of every function that such an lddw or a local call names; a handle is valid only if
 * it is one of those, so whatever integer a program forges, it can only reach the start of a
 * function of its own program, never an arbitrary pc. */

/* Return of vm_run_call() and vm_exec() when the program threw (bpf_throw): every frame of the
 * run unwinds. A helper that gets it from vm_run_call() must return at once; its own frame then
 * unwinds too. vm_exec() reports the cookie and the frames; the runtime releases what the run
 * held and runs the exception callback. */
#define VM_THROWN 1

/* Whether handle is a valid callback handle of prog (a function a local call or `lddw func`
 * names): what vm_run_call() and a vm_exec() entry for an asynchronous callback (timers)
 * need. */
bool vm_prog_is_callback(const struct vm_prog *prog, uint64_t handle);

/* Index of the call instruction the helper was called from. */
size_t vm_run_insn(const struct exbpf_run *run);

/* Once the kfunc returns, the run unwinds every frame (its callbacks' and the helpers' that
 * ran them included) and vm_exec() returns VM_THROWN with x->cookie = cookie. */
static inline void vm_run_throw(struct exbpf_run *run, uint64_t cookie)
{
	run->thrown = true;
	run->exec->cookie = cookie;
}

/* Runs the function at `handle` (bpf_loop, bpf_for_each_map_elem, timers) as a new frame above
 * the helper's calling frame: depth + 1, its 512-byte stack slice just below the caller's (so
 * the callback may use the caller's stack through a pointer), r1-r5 = args, r10 its own frame
 * pointer; it shares the run's budget, regions, dynamic regions, log and user. The calling
 * frame's registers (r6-r9, r10) are untouched when it resumes. Works in fast, checked and
 * JIT runs (the checks here are shared; the engine runs the frame through run->engine_call)
 * and nests (the callback's helpers may call vm_run_call() again). Returns 0 with *r0 the
 * callback's r0. A negative errno means the run has failed, and the helper must return at once
 * (its return value is ignored): the run's error and err_insn are the callback's (-EFAULT at
 * the callback's faulting insn, ...), or, for errors of the call itself, at the helper's call
 * insn: -EINVAL if handle is not a valid callback handle, -E2BIG past 8 frames. A
 * vm_run_return() inside the callback's helpers returns from the callback. VM_THROWN (> 0) is
 * reserved, see above. */
int vm_run_call(struct exbpf_run *run, uint64_t handle, const uint64_t args[5], uint64_t *r0);

/* Once the helper returns, its calling frame returns r0 to its caller at once, as if it had
 * executed `exit` (main frame: the run ends with r0; a callback: vm_run_call() returns r0).
 * For bpf_tail_call: the runtime runs the target with a nested vm_exec() (budget =
 * vm_run_budget(run), then vm_run_charge() what it spent), then calls this with its r0.
 * vm_run_fail() takes precedence. */
static inline void vm_run_return(struct exbpf_run *run, uint64_t r0)
{
	run->ret = true;
	run->ret_r0 = r0;
}

/* The run's remaining instruction budget (shared by the main frame and its callbacks), as of the
 * helper call; UINT64_MAX in an unchecked run, which has none. */
uint64_t vm_run_budget(const struct exbpf_run *run);

/* Charges n instructions (work done on the run's behalf, e.g. a tail-called program's) to the
 * run's budget; past the remainder the budget is 0 and the run ends with -E2BIG at its next
 * instruction (the calling frame's `exit` after vm_run_return() is not one). No-op in an
 * unchecked run. */
void vm_run_charge(struct exbpf_run *run, uint64_t n);

/* How to build a vm_prog. Both tables may be NULL (empty) and must outlive the program. */
struct vm_prog_opts {
	const struct vm_helper_table *helpers; /* `call id` by imm; `callx` at run time */
	const struct vm_helper_table *kfuncs;  /* `call` with src_reg BPF_PSEUDO_KFUNC_CALL, by
						* imm; its off (module BTF slot) is not consulted */
};

/* Builds a runnable program from instructions isa_validate() accepted. Helper and kfunc calls
 * resolve against opts->helpers and opts->kfuncs here: an unknown id is -ENOENT
 * ("insn N: unknown helper ID", "insn N: unknown kfunc #ID"). Map references
 * (BPF_PSEUDO_MAP_*) must have been rewritten into plain lddw (src_reg 0, the full 64-bit
 * immediate, which the loops load exactly) by the runtime; they and BTF-id lddw are
 * -EOPNOTSUPP naming the instruction. Legacy packet loads (LD_ABS / LD_IND) read the run's
 * vm_exec.pkt (see there). opts may be NULL (no helpers, no kfuncs). */
int vm_prog_new_opts(const struct bpf_insn *insns, size_t cnt, const struct vm_prog_opts *opts,
		     struct log *log, struct vm_prog **out);

/* vm_prog_new_opts() with helpers only (no kfuncs). */
int vm_prog_new(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct vm_prog **out);
void vm_prog_free(struct vm_prog *prog);

/* Runs from instruction 0. Returns 0 with x->r0 set, or a negative errno with x->err_insn and
 * "insn N: ..." in x->log: -EFAULT an access outside the run's memory, to a read-only region,
 * a misaligned atomic or an atomic on a hooked region (checked runs), a hook's errno (checked
 * runs), -E2BIG the budget (checked runs) or the 8-frame call depth exceeded, -EINVAL callx to
 * an id no helper has, or what a helper's vm_run_fail() or a callback's failure says. Stack:
 * 512 bytes per frame, r10 at the top of the frame's slice; a checked run may touch the slices
 * of the active frames (a callee may use its caller's stack through a pointer), each zeroed
 * when its frame starts. Thread-safe on a shared prog; a helper may call vm_exec() again
 * (nested run, with its own state). */
int vm_exec(const struct vm_prog *prog, struct vm_exec *x);

#endif
