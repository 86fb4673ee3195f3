/* The abstract state of one path: registers, stack slots, frames, references and held
 * sections. Linux's bpf_reg_state / bpf_func_state / bpf_verifier_state, trimmed to what
 * exbpf tracks. */
#ifndef EXBPF_VERIFIER_STATE_H
#define EXBPF_VERIFIER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifier/scalar.h"

#define V_MAX_FRAMES 8	    /* MAX_CALL_FRAMES */
#define V_STACK_SIZE 512    /* MAX_BPF_STACK */
#define V_REG_SIZE 8
#define V_NREGS 11
#define V_MAX_VAR_OFF (1ll << 29) /* BPF_MAX_VAR_OFF */
#define V_MAX_VAR_SIZ (1ll << 29) /* BPF_MAX_VAR_SIZ */
#define V_MAX_ERRNO 4095	    /* MAX_ERRNO: helpers return -errno down to this */
#define V_MAX_PACKET_OFF 0xffff
#define V_MAX_REFS 64

enum reg_type {
	NOT_INIT = 0,
	SCALAR_VALUE,
	PTR_TO_CTX,
	CONST_PTR_TO_MAP,
	PTR_TO_MAP_VALUE,
	PTR_TO_MAP_KEY,
	PTR_TO_STACK,
	PTR_TO_PACKET_META,
	PTR_TO_PACKET,
	PTR_TO_PACKET_END,
	PTR_TO_MEM,   /* helper memory (ringbuf sample, raw type's data) */
	PTR_TO_FUNC,  /* a callback: aux = subprogram index */
	PTR_TO_OBJ,   /* an object from bpf_obj_new: aux = size */
	/* A global function's struct bpf_dynptr argument: a dynptr it may use but not end or
	 * remake; aux = enum dynptr_kind, id = the dynptr's (its slices'). */
	CONST_PTR_TO_DYNPTR,
};

enum reg_flag {
	REG_MAYBE_NULL = 1u << 0,
	REG_RDONLY = 1u << 1,
	REG_RINGBUF = 1u << 2,
	REG_ALLOC = 1u << 3,
	REG_DYNPTR_FIRST = 1u << 4, /* a dynptr slot's spill: the dynptr's lower slot */
	/* PTR_TO_OBJ: an object a lock-held collection owns (Linux's non_own_ref), valid until
	 * the program unlocks. */
	REG_NON_OWN = 1u << 5,
	/* PTR_TO_MEM: a slice of a packet dynptr, ended by whatever ends packet pointers. */
	REG_PKT_SLICE = 1u << 6,
};

/* A dynptr's kind (the aux of its slots' spill). */
enum dynptr_kind {
	DYNPTR_LOCAL = 1,
	DYNPTR_RINGBUF,
	DYNPTR_SKB,
	DYNPTR_XDP,
	DYNPTR_SKB_META,
};

struct reg {
	uint8_t type;	 /* enum reg_type */
	uint8_t flags;	 /* enum reg_flag */
	uint8_t frameno; /* PTR_TO_STACK: the frame whose stack it points into */
	int32_t off;	 /* pointers: the fixed part of the offset */
	/* SCALAR_VALUE: the value. Pointers: the variable part of the offset. */
	struct scalar var;
	uint32_t id;	     /* shared by copies: null checks, packet ranges, scalar bounds */
	uint32_t ref_obj_id; /* the reference this pointer holds (0: none) */
	/* PTR_TO_MAP_VALUE / CONST_PTR_TO_MAP / PTR_TO_MAP_KEY: map index; PTR_TO_MEM /
	 * PTR_TO_OBJ: size in bytes; PTR_TO_FUNC: subprogram index. */
	uint32_t aux;
	uint32_t range; /* packet pointers: bytes known to be in the packet from off */
	uint32_t dynptr_id; /* PTR_TO_MEM: the dynptr this is a slice of (0: none) */
	uint32_t btf_id;    /* PTR_TO_OBJ: its struct type in the program's BTF (0: unknown) */
};

enum slot_type {
	STACK_INVALID = 0, /* never written */
	STACK_SPILL,	   /* part of a spilled register */
	STACK_MISC,	   /* some scalar bytes */
	STACK_ZERO,	   /* known zero bytes */
	STACK_DYNPTR,	   /* part of a struct bpf_dynptr (two slots): the slot's spill says
			      which (aux: enum dynptr_kind, id, ref_obj_id, REG_DYNPTR_FIRST) */
	STACK_ITER,	   /* part of an open-coded iterator (check_iter.c) */
};

/* An iterator's state (its first slot's spill.aux). */
enum iter_state {
	ITER_ACTIVE = 1, /* next() may return a value */
	ITER_DRAINED,	 /* next() returned NULL: it returns nothing else */
};

/* 8 bytes of stack: slot i covers fp-8*(i+1) .. fp-8*i. */
struct vslot {
	uint8_t type[V_REG_SIZE]; /* per byte, from the slot's lowest address */
	struct reg spill;	  /* valid when every byte is STACK_SPILL */
};

struct vframe {
	struct reg regs[V_NREGS];
	int32_t callsite; /* the call instruction in the caller, -1 for the main frame */
	uint32_t subprog;
	uint32_t frameno;
	uint32_t nslots;  /* allocated stack: nslots * 8 bytes */
	struct vslot *slots;
	/* A callback frame: the range R0 must have at its exit, and whether the helper calls
	 * it again (bpf_loop, for_each_map_elem). */
	bool in_callback, in_async_callback;
	bool in_rbtree_cb; /* bpf_rbtree_add's less(): the tree's lock is held, the tree is Linux's */
	int64_t cb_ret_min, cb_ret_max;
	int32_t cb_helper_insn; /* the helper call that runs it */
	/* Runs of a callback this frame's helper call has pushed on the way here since the
	 * helper last returned (Linux's callback_depth): bpf_loop stops at its count. */
	uint32_t callback_depth;
};

enum ref_kind {
	REF_PTR,  /* a ringbuf sample or an object: released by a release helper/kfunc */
	REF_LOCK, /* a bpf_spin_lock held */
	REF_IRQ,  /* bpf_local_irq_save flags */
};

struct vref {
	uint32_t id;
	uint32_t insn; /* where it was acquired */
	uint8_t kind;  /* enum ref_kind */
	uint32_t lock_map; /* REF_LOCK: the map of the lock (its identity with lock_off) */
	int32_t lock_off;
	/* REF_LOCK taken through a map value pointer without an id (global data): id is then
	 * a fresh one, and only such a pointer unlocks it. */
	bool lock_noid;
};

struct vstate {
	struct vframe *frames[V_MAX_FRAMES];
	uint32_t curframe;
	struct vref refs[V_MAX_REFS];
	uint32_t nrefs;
	uint32_t rcu_depth, preempt_depth;
	/* may_goto fall-throughs taken on this path (Linux's may_goto_depth): a loop bounded
	 * only by may_goto converges on states that differ in it (see state_visited()). */
	uint32_t may_goto_depth;
	/* Exploration bookkeeping (not part of the abstract value). */
	struct vstate *parent; /* the checkpoint this path descends from */
	uint32_t branches;     /* unfinished paths below this checkpoint */
	uint32_t insn_idx;
	uint32_t prev_insn;
	/* Callback runs pushed on the way to this state (Linux's callback_unroll_depth): a
	 * callback's next run may meet its previous run's states again, and that is not a loop. */
	uint32_t cb_runs;
	bool speculative;
	size_t log_pos; /* a pending branch: the log's length when it was pushed */
};

/* --- state.c */
void reg_mark_unknown(struct reg *r);
void reg_mark_not_init(struct reg *r);
void reg_mark_const(struct reg *r, uint64_t v);
bool reg_is_pointer(const struct reg *r);
bool reg_is_const(const struct reg *r, uint64_t v);
/* Linux's reg_type_str(): "scalar", "map_value_or_null", "fp", "ringbuf_mem", ... */
const char *reg_type_str(const struct reg *r, char *buf, size_t size);
const char *reg_type_name(uint8_t type, uint8_t flags, char *buf, size_t size);

struct vframe *vframe_new(uint32_t frameno, int32_t callsite, uint32_t subprog);
void vframe_free(struct vframe *f);
/* Grows the frame's stack to hold `bytes` bytes below fp. 0 or -ENOMEM. */
int vframe_grow(struct vframe *f, uint32_t bytes);

struct vstate *vstate_new(void);
void vstate_free(struct vstate *s);
/* A deep copy (bookkeeping included). NULL on ENOMEM. */
struct vstate *vstate_copy(const struct vstate *s);
static inline struct vframe *vcur(const struct vstate *s) { return s->frames[s->curframe]; }
static inline struct reg *vreg(const struct vstate *s, int regno)
{
	return &s->frames[s->curframe]->regs[regno];
}

/* Every register and spilled register of every frame, for id-based updates. */
#define for_each_reg(st, r, body)                                                               \
	do {                                                                                   \
		for (uint32_t fr_ = 0; fr_ <= (st)->curframe; fr_++) {                         \
			struct vframe *f_ = (st)->frames[fr_];                                 \
			for (int rn_ = 0; rn_ < V_NREGS; rn_++) {                              \
				struct reg *r = &f_->regs[rn_];                                \
				body;                                                          \
			}                                                                      \
			for (uint32_t sl_ = 0; sl_ < f_->nslots; sl_++) {                      \
				if (f_->slots[sl_].type[0] != STACK_SPILL)                     \
					continue;                                              \
				struct reg *r = &f_->slots[sl_].spill;                         \
				body;                                                          \
			}                                                                      \
		}                                                                              \
	} while (0)

/* --- Pruning (prune.c). Whether every concrete state of cur is one of old's, so that old's
 * finished exploration covers cur's. Per frame (bit per register): live[f], the registers
 * read before being written from the frame's next instruction on; prec[f], those of them
 * whose scalar value may matter (others are wildcards); sprec[f], the stack slots whose
 * contents may matter (others hold any data unless a pointer is spilled there). exact:
 * equality up to ids
 * (infinite-loop detection). */
enum vcover {
	VCOVER = 0,	      /* subsumption */
	VCOVER_EXACT = 1,     /* equality up to ids */
	VCOVER_SCALARS_EQUAL, /* subsumption with every live scalar equal (Linux's
			       * explore_alu_limits, once an unprivileged pointer moved by a
			       * register: its mask depends on the exact values) */
};
bool vstate_covers(const struct vstate *old, const struct vstate *cur, const uint16_t *live,
		   const uint16_t *prec, const uint64_t *sprec, int how);
/* A hash that equal states (exact, up to ids) share. */
uint64_t vstate_hash(const struct vstate *st);

#endif
