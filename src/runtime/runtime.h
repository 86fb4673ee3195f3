/* The runtime's private model: environments (registries), instances (an object's maps and
 * prepared programs) and runs. Public API: <exbpf/runtime.h>. */
#ifndef EXBPF_RUNTIME_RUNTIME_H
#define EXBPF_RUNTIME_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/runtime.h>

#include "common/log.h"
#include "runtime/map.h"
#include "runtime/prog_type.h"
#include "vm/vm.h"

/* A helper or kfunc of an environment. */
struct rt_func {
	uint32_t id; /* helper id; for kfuncs, the registration order */
	char *name;
	exbpf_helper_fn fn;
	struct exbpf_func_proto proto;
};

struct exbpf_env {
	struct rt_func *helpers;
	size_t nhelpers;
	struct rt_func *kfuncs;
	size_t nkfuncs;
	struct prog_type *types; /* the embedder's program types */
	size_t ntypes;
	struct vm_helper *vm_helpers; /* built at the first load */
	struct vm_helper_table helper_table;
	atomic_bool sealed;
	exbpf_print_fn trace;
	void *trace_ctx;
};

struct exbpf_program {
	struct exbpf_instance *inst;
	const struct exbpf_prog *spec;
	const char *name;
	const struct prog_type *pt;
	struct bpf_insn *insns; /* prepared: map references and kfunc calls resolved */
	size_t cnt;
	struct vm_prog *vm;
	struct jit_prog *jit; /* the engine of a verified program loaded for the JIT */
	struct vm_region *regions; /* global data the program reaches directly */
	size_t nregions;
	bool loaded;
	/* Runs in the checked interpreter: loaded unverified, or of exbpf's raw type. Verified
	 * programs run unchecked, their context accesses rewritten (rt_prepare()). */
	bool checked;
	/* Per instruction, where it comes from, for throw reports: built at load so that a
	 * throw costs a lookup per frame, not a search. */
	struct rt_insn_src *src;
	/* A syscall program's furthest context byte (+1): runs need that much context. */
	uint32_t max_ctx_off;
};

struct rt_insn_src {
	const char *func, *file, *text; /* file: the base name; "" when unknown */
	uint32_t line;
};

struct exbpf_instance {
	struct exbpf_env *env;
	const struct exbpf_object *obj;
	struct exbpf_map **maps; /* by the object's map index */
	size_t nmaps;
	struct exbpf_program *progs; /* by the object's program index */
	size_t nprogs;
	struct vm_helper *kfuncs; /* by the object's extern index */
	struct vm_helper_table kfunc_table;
	uint64_t budget;
};

/* Resources a run holds: released (a sample discarded, an object dropped) if the run ends
 * by a throw while holding them. */
#define RT_MAX_HELD 64

enum rt_held_kind {
	RT_HELD_RINGBUF,
	RT_HELD_OBJ,
	RT_HELD_SPIN_LOCK,
	/* Unverified runs: a node of a list / an rbtree the program reached under the
	 * collection's lock (a non-owning reference), its object readable until the program
	 * unlocks; releasing it is a no-op. */
	RT_HELD_BORROW_LIST,
	RT_HELD_BORROW_RB,
	RT_HELD_ITER_BITS, /* a bits iterator's copy of its words */
};

struct rt_held {
	void *ptr;
	uint8_t kind;
};

/* One invocation; vm_exec.user points here. */
struct rt_run {
	struct exbpf_program *prog;
	struct run_ctx *rc;
	struct log *log;
	int tail_calls; /* taken so far in this invocation (Linux: at most 33) */
	uint64_t budget; /* checked runs: instructions left for the invocation */
	struct rt_held held[RT_MAX_HELD];
	size_t nheld;
	struct exbpf_exception *exc; /* the first throw of the invocation is reported here */
	/* Unverified runs: inside bpf_rbtree_add's less callback, where the tree must not
	 * change (kfuncs_graph.c). */
	uint8_t in_graph_cb;
};

/* A new invocation's state; held[] is left as it is (nheld = 0 says it is empty). */
static inline void rt_run_init(struct rt_run *rr, struct exbpf_program *prog, struct run_ctx *rc,
			       struct log *log, struct exbpf_exception *exc)
{
	rr->prog = prog;
	rr->rc = rc;
	rr->log = log;
	rr->tail_calls = 0;
	rr->budget = 0;
	rr->nheld = 0;
	rr->exc = exc;
	rr->in_graph_cb = 0;
}

/* run.c: what the run holds (a throw or a failure ended it), released innermost first, each
 * once: samples discarded, objects dropped, locks unlocked. */
void rt_release_held(struct rt_run *rr);

/* verify.c: offset of the member struct named `name` (bpf_spin_lock, bpf_timer) in the value
 * type value_id, or -1. */
int32_t rt_btf_member_off(const struct exbpf_btf *btf, uint32_t value_id, const char *name);

/* verify.c: runs exbpf's verifier on a program of an instance (before rt_prepare). */
struct verifier_result;
struct rt_verify_opts {
	uint32_t log_level;
	bool kernel_strict, unpriv;
};
int rt_verify(struct exbpf_program *prog, const struct rt_verify_opts *o,
	      struct verifier_result *res, struct log *log);

/* prog_type_user.c: the program type `type` in env, the embedder's or a built-in one. */
const struct prog_type *rt_prog_type(const struct exbpf_env *env, uint32_t type);
void rt_free_prog_types(struct exbpf_env *env);

/* helpers.c: registers the built-in helpers and kfuncs of a new environment. */
int rt_register_builtins(struct exbpf_env *env);
/* The map a program passed, checked against the instance in unverified runs (NULL: the run
 * has failed). */
struct exbpf_map *rt_arg_map(struct exbpf_run *run, uint64_t arg);

/* prepare.c: the object's kfunc externs against the registry (instance-wide); */
int rt_resolve_externs(struct exbpf_instance *inst, struct log *log);
/* prog->pt from the program's section, or -EOPNOTSUPP naming the section; */
int rt_set_prog_type(struct exbpf_program *prog, struct log *log);
/* exbpf_instance__load() for exbpf_env__verify(): maps and program types, no engines. */
int rt_instance_load_unprepared(struct exbpf_env *env, const struct exbpf_object *obj,
				const struct exbpf_load_opts *opts, struct exbpf_instance **out);
/* resolves a program's maps and kfuncs and builds its engine form: unchecked with its context
 * accesses rewritten when `vr` is the verifier's acceptance (on the JIT when `engine`, an
 * enum exbpf_engine, says so), checked when vr is NULL. */
int rt_prepare(struct exbpf_program *prog, const struct verifier_result *vr, uint32_t engine,
	       struct log *log);
void rt_unprepare(struct exbpf_program *prog);

/* run.c: runs a prepared program on its engine (the JIT or the interpreter), x as vm_exec()
 * takes it. */
int rt_engine_exec(const struct exbpf_program *prog, struct vm_exec *x);
/* run.c: runs prog on the invocation's context; `caller` is the run making a tail call (its
 * budget is shared), NULL for the first program of an invocation. */
int rt_exec(struct exbpf_program *prog, struct rt_run *rr, struct exbpf_run *caller,
	    uint64_t *r0, int64_t *err_insn);

static inline struct rt_run *rt_run_of(struct exbpf_run *run)
{
	return run->exec->user;
}

/* helpers_map.c: the slow paths of the two below. */
bool rt_hold_full(struct exbpf_run *run);
bool rt_unhold_slow(struct exbpf_run *run, uint64_t ptr, enum rt_held_kind kind,
		    const char *what);

/* Records a resource the run now holds (false: the run failed). This and rt_unhold are
 * what every acquire/release pair pays so that a throw can release what is held: inline,
 * and the common case (release the newest) is a compare and a decrement. */
static inline bool rt_hold(struct exbpf_run *run, void *ptr, enum rt_held_kind kind)
{
	struct rt_run *rr = rt_run_of(run);

	if (__builtin_expect(rr->nheld == RT_MAX_HELD, 0))
		return rt_hold_full(run);
	rr->held[rr->nheld++] = (struct rt_held){ptr, (uint8_t)kind};
	return true;
}

/* xdp helpers that move the packet (bpf_xdp_adjust_head/_meta/_tail): see
 * prog_type_move_packet(); an unverified run's packet region follows. */
int rt_move_packet(struct exbpf_run *run, uint8_t *data, uint8_t *data_end, uint8_t *data_meta);

/* Whether the run holds ptr as a resource of this kind. */
bool rt_holds(struct exbpf_run *run, const void *ptr, enum rt_held_kind kind);

/* Forgets a resource given back (false in a checked run when it was never held: the run
 * failed). */
static inline bool rt_unhold(struct exbpf_run *run, uint64_t ptr, enum rt_held_kind kind,
			     const char *what)
{
	struct rt_run *rr = rt_run_of(run);
	struct rt_held *top = rr->nheld ? &rr->held[rr->nheld - 1] : NULL;

	if (__builtin_expect(top && (uintptr_t)top->ptr == ptr && top->kind == kind &&
				     !run->checked,
			     1)) {
		rr->nheld--;
		return true;
	}
	return rt_unhold_slow(run, ptr, kind, what);
}

#endif
