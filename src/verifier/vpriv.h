/* The verifier's private environment, shared by its passes (check*.c, live.c, vlog.c). */
#ifndef EXBPF_VERIFIER_VPRIV_H
#define EXBPF_VERIFIER_VPRIV_H

#include <errno.h>
#include <linux/bpf.h>

#include "isa/opcodes.h"
#include "verifier/cfg.h"
#include "verifier/state.h"
#include "verifier/verifier.h"

struct vnode {
	struct vstate *st;
	struct vnode *next;
	uint32_t hit, miss;
	uint64_t hash; /* vstate_hash() of st, for the infinite-loop check */
};

/* An iterator type's name ("num" of bpf_iter_num_new), for the log. */
struct viter_type {
	const char *name;
	int len;
};
#define V_MAX_ITER_TYPES 16

struct venv {
	const struct verifier_input *in;
	struct verifier_result *res;
	const struct bpf_insn *insns;
	size_t cnt;
	struct cfg cfg;
	uint16_t *live;		  /* per instruction: registers live before it */
	uint16_t *prec;		  /* per instruction: live registers whose value may matter */
	uint64_t *sprec;	  /* per instruction: own stack slots whose contents may matter */
	/* The same, seeded only where Linux marks scalars precise (jump operands, call
	 * arguments, returned values; not pointer offsets, memory bases or stored values): the
	 * constants a bounded loop's rounds keep exact (widen_loop_round()). Only for programs
	 * with may_goto, an iterator or a callback-calling helper. */
	uint16_t *lprec;
	uint64_t *lsprec;
	struct viter_type iter_types[V_MAX_ITER_TYPES]; /* check_iter.c */
	uint32_t niter_types;
	struct vnode **explored;  /* per instruction: checkpoints */
	struct vnode *zombies;	  /* checkpoints out of the lists that paths still descend from */
	uint32_t nzombies, zombie_sweep_at;
	struct vstate *cur;
	struct vstate **stack;	  /* pending branches */
	size_t nstack, capstack;
	uint32_t id_gen;
	uint64_t processed;
	uint64_t last_checkpoint;
	/* Jump-class instructions walked (calls and exits too), and their count at the last
	 * checkpoint (Linux's jmps_processed / prev_jmps_processed). */
	uint64_t jmps, last_checkpoint_jmps;
	uint32_t nstates, peak_states, total_states, max_states_per_insn;
	uint32_t *stack_depth;	  /* per subprogram: deepest byte below fp used */
	uint8_t *global_done;	  /* per subprogram: a global function verified */
	uint8_t *global_called;	  /* per subprogram: a global function some walk calls */
	uint32_t cur_global;	  /* the subprogram being verified as a root (0: main) */
	bool allow_ptr_leaks, allow_uninit_stack;
	/* strict mode: the first bpf_throw seen inside a synchronous callback, reported once
	 * every walk is over (-1: none) */
	int64_t cb_throw_insn;
	uint32_t cb_throw_sub;
	/* per subprogram: a bpf_throw call in it or in a function it calls (Linux's
	 * might_throw, known before the walk) */
	uint8_t *sub_might_throw;
	/* per subprogram: a call of a helper that changes packet data in it or in a function it
	 * calls (Linux's changes_pkt_data) */
	uint8_t *sub_changes_pkt;
	/* !bypass_spec_v1 (unprivileged): pointer arithmetic is sanitized; per instruction,
	 * the masking state and limit the first path through it fixed (Linux's insn_aux_data
	 * alu_state / alu_limit), which every later path must share. */
	bool sanitize;
	uint32_t *alu_state, *alu_limit;
	/* With sanitize: per instruction, the prog array a bpf_tail_call there was given (map
	 * index + 1; -1 when paths gave different ones: Linux's poisoned map_ptr_state). */
	int32_t *tail_call_map;
	bool explore_alu_limits; /* a pointer moved by an unknown register: prune on equal scalars */
	/* The log's layout state (vlog.c). */
	uint32_t last_line, col, before_frame;
	bool mid_line; /* an instruction is printed, its newline not yet */
	bool line_broken; /* a remark ended the instruction's line before its state */
	const char *last_text;
	/* The walk goes on at a state it did not step into: a popped branch, or the caller
	 * after a subprogram's exit (the log says "from X to Y"). */
	enum { VLOG_RESUMED_NO, VLOG_RESUMED_POP, VLOG_RESUMED_RETURN } resumed;
	uint32_t resumed_from;
	uint32_t scratch_regs;	  /* what the instruction being printed touched */
	uint64_t scratch_slots;
	bool failed;
};

/* The first error of the verification: formats the message, names the instruction and its
 * source line in the log. Returns err. */
int verr(struct venv *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The current instruction of the current path. */
/* The instruction trace is logged at levels 1 and 2; level bit 4 (Linux's BPF_LOG_STATS)
 * alone adds only the closing statistics. */
static inline bool vtrace(const struct venv *e) { return (e->in->log_level & 3) != 0; }
static inline uint32_t vinsn(const struct venv *e) { return e->cur->insn_idx; }

static inline uint32_t vnew_id(struct venv *e) { return ++e->id_gen; }

/* Linux's BPF_JCOND (may_goto): a jump class of its own, with no register operand. */
static inline bool insn_is_may_goto(const struct bpf_insn *insn)
{
	return insn->code == (ISA_JMP | ISA_JCOND);
}

/* check_alu.c */
int check_alu(struct venv *e, const struct bpf_insn *insn);
/* check_mem.c */
int check_ldx(struct venv *e, const struct bpf_insn *insn);
int check_store(struct venv *e, const struct bpf_insn *insn);
int check_atomic(struct venv *e, const struct bpf_insn *insn);
int check_ld_imm64(struct venv *e, const struct bpf_insn *insn);
int check_ld_abs(struct venv *e, const struct bpf_insn *insn);
/* Whether subprogram sub's BTF prototype returns an integer (true without one). */
bool sub_returns_int(struct venv *e, uint32_t sub);
int check_exit(struct venv *e, bool *path_end);
/* Whether size bytes at the pointer in regno (+off) may be read (or written: write) by a
 * helper; zero_ok: size may be 0. Marks written stack bytes as data. */
int check_helper_mem(struct venv *e, int regno, int64_t size, bool write, bool zero_ok,
		     bool raw_uninit);
int check_reg_init(struct venv *e, int regno);
/* A context pointer or a global function's dynptr exactly as the program got it (no offset). */
int check_ptr_unmodified(struct venv *e, int regno, const struct reg *r);
int check_strict_alignment(struct venv *e, int regno, int off, int size);
/* check_map_access() of one byte at a map value pointer (its fixed and variable offset),
 * with Linux's messages. */
int check_map_value_range(struct venv *e, int regno, const struct reg *r);
bool stack_const(struct venv *e, int regno, int size, uint64_t *val);
/* Linux's stack_slot_obj_get_spi(): the index of the highest-numbered (lowest-addressed) of
 * the nslots stack slots an object of `kind` ("dynptr", "iter") at r occupies; -EINVAL with
 * Linux's reason in why (not a constant offset, misaligned, too near fp), or -ERANGE when the
 * frame's stack does not reach that far yet. */
int64_t stack_obj_slot(const struct venv *e, const struct reg *r, const char *kind,
		       uint32_t nslots, char *why, size_t n);
/* A write of size unknown bytes at the stack pointer in regno plus off (an instruction's). */
int stack_write_unknown(struct venv *e, int regno, int64_t off, int size);
/* check_dynptr.c */
struct dynptr_meta {
	uint32_t id, ref_obj_id; /* the dynptr argument's (0: none) */
	uint8_t kind;		 /* its enum dynptr_kind */
	bool global_arg;	 /* a global function's argument: of any kind at run time */
};
/* A dynptr argument of kind k in regno (of a kfunc: Linux words some errors differently):
 * checked, made (UNINIT kinds; a clone of the dynptr m names) or released (DYNPTR_RINGBUF,
 * with every clone); m gets its identity. */
int check_dynptr_arg(struct venv *e, int regno, enum exbpf_arg_kind k, bool kfunc,
		     struct dynptr_meta *m);
/* A kfunc that makes a packet dynptr, called from a program type it cannot serve: Linux's
 * "calling kernel function NAME is not allowed", in every mode. */
int check_dynptr_ctor(struct venv *e, const struct verifier_func *fn);
/* Whether programs of this type may write their packet (Linux's may_access_direct_pkt_data
 * for a write). */
bool may_write_packet(uint32_t prog_type);
/* Linux's name of an enum dynptr_kind ("local", "skb", ...). */
const char *dynptr_kind_name(uint32_t kind);
/* Whether a dynptr of this kind covers packet data (its slices are packet memory). */
bool dynptr_is_pkt(uint32_t kind);
/* A store reaches stack slot `slot` of f: a local dynptr there ends, a referenced one may not
 * be overwritten. */
int dynptr_overwrite(struct venv *e, struct vframe *f, int64_t slot);
/* A helper would write [min_off, max_off) of f's stack: not into a dynptr. */
int dynptr_helper_write(struct venv *e, struct vframe *f, int64_t min_off, int64_t max_off);
/* check_call.c */
/* --- check_graph.c: lists and rbtrees of allocated objects */
bool graph_kfunc(const struct verifier_func *fn);
int check_graph_root(struct venv *e, int regno, enum graph_kind kind, const struct graph_field **out);
int check_graph_node(struct venv *e, const char *fname, int regno, enum exbpf_arg_kind k,
		     const struct graph_field *root, uint32_t *node_ref);
int graph_take_node(struct venv *e, uint32_t ref_obj_id);
void graph_node_reg(struct reg *r, const struct graph_field *g, bool non_own);
void graph_unlock(struct venv *e);
int graph_obj_access(struct venv *e, const struct reg *r, int64_t off, int size);
int check_kptr_arg(struct venv *e, int regno, const struct kptr_field **out);
int check_kptr_obj(struct venv *e, int regno, const struct kptr_field *k);
int check_kptr_access(struct venv *e, const struct verifier_map *m, int64_t off, int64_t size, bool write);
/* Whether struct obj has a bpf_refcount (Linux prints a non-owning reference to it rcu_). */
bool graph_obj_refcounted(const struct exbpf_btf *btf, uint32_t obj);
/* bpf_spin_lock/unlock given an allocated object: Linux's checks, then not supported. */
int graph_obj_lock(struct venv *e, int regno);

int check_call(struct venv *e, const struct bpf_insn *insn, bool *path_end);
int check_func_signature(struct venv *e, uint32_t sub);
/* Level >= 1: Linux's remark on a main program whose BTF signature returns no scalar. */
void vlog_main_signature(struct venv *e);
/* The helper or kfunc a call names (a local call: false): Linux's helper table first, then
 * the runtime's registries. */
bool call_func(const struct venv *e, const struct bpf_insn *insn, struct verifier_func *out);
bool helper_changes_pkt_data(int32_t id);
int check_exit(struct venv *e, bool *path_end);
/* check_jmp.c */
int check_cond_jmp(struct venv *e, const struct bpf_insn *insn);
/* Pushes a copy of the current state to continue at insn later. */
struct vstate *push_branch(struct venv *e, uint32_t insn);
/* Applies a null check's outcome to every register sharing id. */
void mark_ptr_or_null(const struct venv *e, struct vstate *st, uint32_t id, bool is_null);
/* r points into the value of a map whose value holds a bpf_spin_lock. */
static inline bool map_value_has_lock(const struct venv *e, const struct reg *r)
{
	return r->type == PTR_TO_MAP_VALUE && r->aux < e->in->nmaps &&
	       e->in->maps[r->aux].spin_lock_off >= 0;
}
/* A frame of st is bpf_rbtree_add's less() (the tree is mid-insert, its lock held). */
static inline bool in_rbtree_cb(const struct vstate *st)
{
	for (uint32_t fi = 0; fi <= st->curframe; fi++)
		if (st->frames[fi]->in_rbtree_cb)
			return true;
	return false;
}
/* Lock l is the one of the value r points into: the same map, and the same lookup's id
 * (Linux's identity: two lookups may find two elements), or none for either. */
static inline bool lock_of_value(const struct vref *l, const struct reg *r)
{
	return l->lock_map == r->aux && (r->id ? !l->lock_noid && l->id == r->id : l->lock_noid);
}
/* Forgets every pointer holding reference ref_obj_id (after its release). */
void release_ref_regs(struct venv *e, uint32_t ref_obj_id);
int release_ref(struct venv *e, uint32_t ref_obj_id);
int acquire_ref(struct venv *e, uint8_t kind, uint32_t *id);
/* check.c: the state q that goes on to the next round of a loop bounded at instruction idx
 * (may_goto, an iterator's next()), widened against the previous round. */
void widen_loop_round(struct venv *e, uint32_t idx, struct vstate *q);
/* check_iter.c */
/* At an iterator's next() call: the iterator R1 points to is active (Linux's rule for
 * pruning inside a loop the iterator bounds). */
bool iter_next_active(const struct venv *e, const struct vstate *st);
/* An EXBPF_ARG_PTR_TO_ITER argument in regno: new() starts the iterator, next() and destroy()
 * need one (destroy() ends it: *release_id, its reference). */
int check_iter_arg(struct venv *e, const struct verifier_func *fn, int regno, uint32_t *release_id);
/* next()'s outcomes once R0 is set; arg: R1 before the call. */
int iter_next(struct venv *e, const struct verifier_func *fn, uint32_t idx, const struct reg *arg);
/* live.c */
int compute_liveness(struct venv *e);
/* vlog.c */
void vlog_state(struct venv *e, const struct vstate *st, bool all);
int vlog_live_regs(struct venv *e);
void vlog_insn(struct venv *e, uint32_t idx);
/* The one register printer, Linux's text of a register or spilled slot ("ctx()", "5",
 * "scalar(id=1,smin=...)", "fp[0]-8"); frameno: the frame it is printed in. */
int vlog_reg(char *buf, size_t size, const struct reg *r, const struct verifier_map *maps,
	     size_t nmaps, const struct exbpf_btf *btf, uint32_t frameno);
/* Around one step at log level >= 1: the instruction, then the registers it wrote. */
void vlog_step_begin(struct venv *e, uint32_t idx);
void vlog_step_end(struct venv *e, bool path_end);
/* A remark in the middle of an instruction's step (its line ends first; the state the step
 * leaves then prints on a line of its own, "N: R0=..."). Level >= 1 only. */
void vlog_note(struct venv *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A subprogram's name from the function information ("" without). */
const char *vsub_name(const struct venv *e, uint32_t sub);
/* Before the first instruction after a resumption: level 2 "from X to Y: <state>", then (not
 * after a return) "Y: <state>". */
void vlog_resume(struct venv *e);
/* Leaving a subprogram's frame (st still in it) for insn to of its caller: both frames. */
void vlog_return(struct venv *e, const struct vstate *st, uint32_t to);

#endif
