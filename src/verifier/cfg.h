/* The verifier's first pass: subprograms and the control-flow graph.
 *
 * This is Linux's add_subprog_and_kfunc() + check_subprogs() + check_cfg() (and the
 * exception-callback checks of check_btf_info() that need no types), with Linux's messages
 * and Linux's order of checks, so that the first message is the kernel's:
 *
 *   1. subprogram starts: insn 0, every local call (src BPF_PSEUDO_CALL) target, every lddw
 *      BPF_PSEUDO_FUNC target, the exception callback's start
 *        "call to invalid destination", "too many subprograms",
 *        "multiple exception callback tags for main subprog",
 *        "exception callback '%s' must have global linkage",
 *        "invalid exception callback insn_off in func_info: 0";
 *      unprivileged: "loading/calling other bpf or kernel functions are allowed for CAP_BPF
 *      and CAP_SYS_ADMIN";
 *   2. the function hints against that layout (Linux's func_info checks; the first two are
 *      made before step 1, as Linux's check_btf_func_early() does)
 *        "nonzero insn_off %u for the first func info record",
 *        "same or smaller insn offset (%u) than previous func info record (%u)",
 *        "number of funcs in func_info doesn't match number of subprogs",
 *        "func_info BTF section doesn't match subprog layout in BPF program";
 *   3. every jump stays in its subprogram, every subprogram ends in exit or ja
 *        "jump out of range from insn %d to %d", "last insn is not an exit or jmp";
 *   4. a depth-first walk from insn 0, through calls and callback references, then from the
 *      exception callback
 *        "back-edge from insn %d to %d" (unprivileged only; privileged loops are flagged),
 *        "unreachable insn %d", "jump into the middle of ldimm64 insn %d";
 *   5. "insn %d cannot call exception cb directly" (Linux checks it in
 *      check_max_stack_depth(), after do_check(); it depends only on the call graph).
 *
 * A bpf_throw call keeps its fall-through edge, as in Linux (the kernel accepts
 * `r1 = 0; call bpf_throw; exit`, so the exit is reachable): it is flagged CFG_THROW for the
 * path walk, which ends the path there. Every message ends with '\n' except three that Linux
 * prints without one (the two func_info order messages and the exception-callback call). The input
 * need not have been through isa_validate(): everything this pass reads is checked here. */
#ifndef EXBPF_VERIFIER_CFG_H
#define EXBPF_VERIFIER_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/isa.h>

#include "common/log.h"

#define CFG_MAX_SUBPROGS 256 /* BPF_MAX_SUBPROGS, the main program included */

/* Per-instruction flags (struct cfg.flags). Linux's names in brackets. */
enum cfg_insn_flag {
	CFG_JMP_TARGET = 1u << 0,	/* [jmp_point] a jump or call lands here, or a call returns
					   here: the jump history records the edge */
	CFG_PRUNE_POINT = 1u << 1,	/* [prune_point] is_state_visited() runs here: jump targets,
					   conditional jumps, call sites of subprograms, after calls */
	CFG_FORCE_CHECKPOINT = 1u << 2, /* [force_checkpoint] always store a state: calls of
					   callback-calling helpers, iterator next() */
	CFG_LDDW_HI = 1u << 3,		/* second slot of an lddw */
	CFG_BACK_EDGE = 1u << 4,	/* this jump or call has an edge back to an instruction on
					   the walk's current path (a loop or a recursion) */
	CFG_LOOP_HEAD = 1u << 5,	/* the target of such an edge */
	CFG_CALLS_CALLBACK = 1u << 6,	/* [calls_callback] a call that runs a callback
					   synchronously (bpf_loop, ...) */
	CFG_THROW = 1u << 7,		/* a bpf_throw call: the path ends here */
	CFG_CALLBACK_REF = 1u << 8,	/* an lddw BPF_PSEUDO_FUNC: its target is a callback */
	CFG_ITER_NEXT = 1u << 9,	/* an open-coded iterator's next() call */
};

/* What the caller knows about a helper or kfunc call (opts->call_kind). */
enum cfg_call_kind {
	CFG_CALL_PLAIN,
	CFG_CALL_SYNC_CB, /* calls a callback before returning (bpf_loop, for_each_map_elem, ...) */
	CFG_CALL_ASYNC_CB,  /* registers a callback for later (bpf_timer_set_callback, ...) */
	CFG_CALL_ITER_NEXT, /* an open-coded iterator's next() kfunc */
	CFG_CALL_THROW,	    /* bpf_throw */
};

struct cfg_opts {
	bool unpriv; /* no CAP_BPF: back-edges and calls of any function other than a helper are
			errors */
	/* Classifies a helper (src 0) or kfunc (src BPF_PSEUDO_KFUNC_CALL) call; NULL: every
	 * call is plain. */
	enum cfg_call_kind (*call_kind)(const struct bpf_insn *insn, void *ctx);
	void *ctx;
};

/* A function of the linked program (exbpf_prog__func()): Linux's func_info record. */
struct cfg_func_hint {
	const char *name; /* may be NULL; only printed */
	uint32_t start;
	bool global;
	bool exception_cb;
};

struct cfg_subprog {
	uint32_t start, end; /* [start, end) */
	bool global;	     /* from the hints */
	bool exception_cb;
	bool is_callback_target; /* named by an lddw BPF_PSEUDO_FUNC */
	bool has_tail_call;	 /* calls bpf_tail_call */
	bool has_ld_abs;	 /* uses LD_ABS / LD_IND */
};

struct cfg {
	struct cfg_subprog *subs; /* sorted by start; subs[0] is the main program */
	size_t nsubs;
	int exception_cb;   /* index in subs, or -1 */
	size_t cnt;	    /* instructions */
	uint32_t *insn_sub; /* subprogram of each instruction */
	uint16_t *flags;    /* enum cfg_insn_flag of each instruction */
};

/* Builds *out. funcs may be empty (no function information: subprograms come from calls
 * only); otherwise they must describe exactly the subprograms, as Linux's func_info.
 * opts may be NULL (privileged, every call plain). Returns 0, or -EINVAL (-E2BIG for too many
 * subprograms, -EPERM for an unprivileged call, -ENOMEM) with Linux's message in log; on
 * error *out is zeroed and owns nothing. */
int cfg_build(const struct bpf_insn *insns, size_t cnt, const struct cfg_func_hint *funcs,
	      size_t nfuncs, const struct cfg_opts *opts, struct log *log, struct cfg *out);
void cfg_free(struct cfg *cfg);

/* Index of the subprogram starting at insn, or -1. */
int cfg_find_subprog(const struct cfg *cfg, uint32_t insn);

/* scc.c. The instructions control may go to from insn idx, in Linux's order (the
 * fall-through first, then the jump target; a call goes on to its next instruction, not into
 * the callee). Returns how many (0, 1 or 2). */
int cfg_successors(const struct bpf_insn *insns, size_t cnt, size_t idx, size_t succ[2]);

/* Loop numbers per instruction, as Linux's log prints them: the strongly connected components
 * of the instruction graph with more than one instruction or a self-edge, numbered in the
 * order a depth-first walk from each instruction in turn (index order, successors in
 * cfg_successors() order) completes them; 0 for an instruction on no loop. -ENOMEM or 0. */
int cfg_scc(const struct bpf_insn *insns, size_t cnt, uint32_t *scc);

#endif
