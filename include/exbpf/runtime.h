/* The runtime: where an opened object's programs meet maps, helpers, kfuncs and contexts, and
 * run. An environment (struct exbpf_env) holds the registries: the built-in helpers, kfuncs
 * and program types, plus whatever the embedder registers. Loading an object into it creates
 * its maps and prepares its programs; running a program works like Linux's BPF_PROG_TEST_RUN.
 *
 *	struct exbpf_object *obj = exbpf_object__open_file("prog.bpf.o", NULL);
 *	struct exbpf_env *env = exbpf_env__new(NULL);
 *	struct exbpf_instance *inst;
 *	exbpf_instance__load(env, obj, NULL, &inst);
 *	struct exbpf_program *prog = exbpf_instance__find_program(inst, "my_prog");
 *	EXBPF_OPTS(exbpf_run_opts, run, .data_in = pkt, .data_size_in = len);
 *	exbpf_program__run(prog, &run);        // run.retval, run.exception
 *	exbpf_instance__free(inst); exbpf_env__free(env); exbpf_object__close(obj);
 *
 * Registries are set up before the first load and are read-only afterwards; instances and
 * programs may then be used from any number of threads at once. */
#ifndef EXBPF_RUNTIME_H
#define EXBPF_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/common.h>
#include <exbpf/map.h>
#include <exbpf/object.h>
#include <exbpf/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_env;
struct exbpf_instance;
struct exbpf_program;

/* Where bpf_trace_printk output goes: one formatted message per call, without the newline
 * the program may have added. Default: stderr, prefixed with the program name. */
typedef void (*exbpf_print_fn)(void *ctx, const char *prog, const char *msg);

struct exbpf_env_opts {
	size_t sz;
	exbpf_print_fn trace_printk; /* NULL: stderr */
	void *trace_ctx;
};

EXBPF_API struct exbpf_env *exbpf_env__new(const struct exbpf_env_opts *opts);
EXBPF_API void exbpf_env__free(struct exbpf_env *env);

/* Argument kinds a helper or kfunc declares, for the verifier to check at each call. */
enum exbpf_arg_kind {
	EXBPF_ARG_NONE = 0,	    /* unused argument */
	EXBPF_ARG_ANYTHING,	    /* any initialised value */
	EXBPF_ARG_SCALAR,	    /* a number, not a pointer */
	EXBPF_ARG_CONST_MAP_PTR,    /* a map reference (lddw of a map) */
	EXBPF_ARG_PTR_TO_MAP_KEY,   /* key_size readable bytes */
	EXBPF_ARG_PTR_TO_MAP_VALUE, /* value_size readable bytes */
	EXBPF_ARG_PTR_TO_MEM,	    /* readable memory; size in the next argument */
	EXBPF_ARG_PTR_TO_UNINIT_MEM, /* writable memory; size in the next argument */
	EXBPF_ARG_CONST_SIZE,	    /* size of the previous argument, > 0 */
	EXBPF_ARG_CONST_SIZE_OR_ZERO,
	EXBPF_ARG_PTR_TO_CTX,
	EXBPF_ARG_PTR_TO_FUNC,	    /* a callback (lddw of a function), run before the call returns */
	EXBPF_ARG_PTR_TO_STACK_OR_NULL, /* callback context */
	EXBPF_ARG_PTR_TO_SPIN_LOCK,
	EXBPF_ARG_PTR_TO_ALLOC_MEM, /* memory a previous call returned (ringbuf sample) */
	EXBPF_ARG_PTR_TO_OBJ,	    /* an object an acquire kfunc returned */
	EXBPF_ARG_PTR_TO_TIMER,	    /* a struct bpf_timer inside a map value */
	/* Kinds some of Linux's helpers take (the verifier knows them all). */
	EXBPF_ARG_PTR_TO_LONG,	    /* 8 writable bytes (aligned) */
	EXBPF_ARG_PTR_TO_INT,	    /* 4 writable bytes (aligned) */
	EXBPF_ARG_PTR_TO_CONST_STR, /* a NUL-terminated string in a read-only map */
	EXBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* the size of the memory the call returns */
	EXBPF_ARG_PTR_TO_MEM_OR_NULL,	    /* PTR_TO_MEM, or the constant 0 */
	EXBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL,
	EXBPF_ARG_PTR_TO_UNINIT_MAP_VALUE,  /* value_size writable bytes */
	EXBPF_ARG_PTR_TO_STACK,		    /* a pointer to the program's stack */
	EXBPF_ARG_PTR_TO_BTF_ID,	    /* a kernel object (task, sock, ...) */
	EXBPF_ARG_PTR_TO_SOCK_COMMON,
	EXBPF_ARG_PTR_TO_SOCKET,
	EXBPF_ARG_PTR_TO_DYNPTR,
	EXBPF_ARG_PTR_TO_PERCPU_BTF_ID,
	EXBPF_ARG_PTR_TO_KPTR,
	/* struct bpf_dynptr on the program's stack. PTR_TO_DYNPTR: an initialized one of any
	 * kind, only read; the UNINIT kinds make one (local: over a map value; ringbuf: a
	 * reserved sample, a reference); DYNPTR_RINGBUF: an initialized ring-buffer one (with
	 * EXBPF_FN_RELEASE, released). */
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_LOCAL,
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_RINGBUF,
	EXBPF_ARG_PTR_TO_DYNPTR_RINGBUF,
	/* A new dynptr of the kind of the previous PTR_TO_DYNPTR argument, sharing its
	 * reference (bpf_dynptr_clone). */
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_CLONE,
	/* A known constant: the size of the previous PTR_TO_MEM_OR_NULL argument and of the
	 * memory the call returns (a kfunc's __szk). */
	EXBPF_ARG_CONST_SIZE_K,
	/* An open-coded iterator's state on the program's stack (iter_size bytes): the first
	 * argument of an EXBPF_FN_ITER_* function. */
	EXBPF_ARG_PTR_TO_ITER,
	/* Linux's collections of bpf_obj_new objects: a struct bpf_list_head / bpf_rb_root in a
	 * map value or global data, tagged `contains:<struct>:<node member>`, whose value's
	 * bpf_spin_lock the program holds. */
	EXBPF_ARG_PTR_TO_LIST_HEAD,
	EXBPF_ARG_PTR_TO_RB_ROOT,
	/* The node member of an object the program owns, of the type the previous argument
	 * contains: the collection takes the object (the program keeps a non-owning reference
	 * to it until it unlocks). */
	EXBPF_ARG_PTR_TO_LIST_NODE,
	EXBPF_ARG_PTR_TO_RB_NODE,
	/* A node the program reached through the lock-held collection of the previous argument
	 * (a non-owning reference). */
	EXBPF_ARG_PTR_TO_RB_NODE_REF,
	/* An object the program owns (EXBPF_ARG_PTR_TO_OBJ) or NULL; with EXBPF_FN_RELEASE, given
	 * away (bpf_kptr_xchg's second argument: it must be of the kptr's type). */
	EXBPF_ARG_PTR_TO_OBJ_OR_NULL,
	/* A new dynptr over the packet of the context in argument 0 (bpf_dynptr_from_skb,
	 * _from_skb_meta, _from_xdp): its slices are packet memory, which a call that may move
	 * the packet ends. Only the program types whose context is an __sk_buff (skb_meta: tc)
	 * or an xdp_md may make one; read-only where the program may not write the packet. */
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB,
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_SKB_META,
	EXBPF_ARG_PTR_TO_UNINIT_DYNPTR_XDP,
};

enum exbpf_ret_kind {
	EXBPF_RET_INTEGER = 0,
	EXBPF_RET_VOID,
	EXBPF_RET_MAP_VALUE_OR_NULL, /* value of the map in argument 1 */
	EXBPF_RET_MEM_OR_NULL,	     /* ret_size bytes, or the constant of argument 2 */
	EXBPF_RET_OBJ_OR_NULL,	     /* an object to release later */
	EXBPF_RET_OTHER,	     /* a pointer kind exbpf does not model (sockets, tasks, ...) */
	/* A slice of the dynptr in argument 1: the constant of argument 3 bytes, or NULL; it
	 * ends with the dynptr. */
	EXBPF_RET_DYNPTR_MEM_OR_NULL,
	EXBPF_RET_DYNPTR_RDONLY_MEM_OR_NULL, /* the same, read-only */
	/* The node member of an object in the collection of argument 1, or NULL: owned by the
	 * program with EXBPF_FN_ACQUIRE (taken out; bpf_obj_drop or a push releases it), else a
	 * non-owning reference valid until the program unlocks. */
	EXBPF_RET_GRAPH_NODE_OR_NULL,
	/* What the kptr field of argument 1 held (an object the program now owns), or NULL. */
	EXBPF_RET_KPTR_OR_NULL,
};

enum exbpf_func_flags {
	EXBPF_FN_ACQUIRE = 1u << 0, /* returns a reference the program must release */
	EXBPF_FN_RELEASE = 1u << 1, /* releases the reference in its release_arg */
	EXBPF_FN_CALLBACK = 1u << 2, /* runs its EXBPF_ARG_PTR_TO_FUNC argument synchronously */
	EXBPF_FN_NO_RETURN = 1u << 3, /* never returns to the program (bpf_throw) */
	EXBPF_FN_ASYNC_CALLBACK = 1u << 4, /* its EXBPF_ARG_PTR_TO_FUNC argument runs later, as
					    * a new invocation (bpf_timer_set_callback) */
	/* In a verified program's run it never calls exbpf_run__fail() nor runs a callback
	 * (exbpf_run__callback()): the JIT then calls it with nothing around the call (no
	 * record of the call site, no look at the run afterwards). A promise: a helper with
	 * this flag that stops the run anyway is a bug in the helper. */
	EXBPF_FN_NEVER_STOPS = 1u << 5,
	/* An open-coded iterator's functions, Linux's bpf_iter_<type>_new/next/destroy (the
	 * type is the name's middle part): new() starts the iterator in argument 0, next()
	 * returns a pointer to ret_size readable bytes or NULL once the iterator is drained,
	 * destroy() ends it. The verifier tracks the iterator's stack slots: next() and
	 * destroy() need one that new() started, new() one that is not, and every path must
	 * destroy it. */
	EXBPF_FN_ITER_NEW = 1u << 6,
	EXBPF_FN_ITER_NEXT = 1u << 7,
	EXBPF_FN_ITER_DESTROY = 1u << 8,
};

struct exbpf_func_proto {
	enum exbpf_ret_kind ret;
	uint32_t ret_size;
	enum exbpf_arg_kind args[5];
	uint32_t flags;	      /* enum exbpf_func_flags */
	uint8_t release_arg;  /* 0-based argument index, with EXBPF_FN_RELEASE */
	/* For EXBPF_FN_ACQUIRE: the function that releases what this one returns, by name. */
	const char *release_fn;
	/* For EXBPF_FN_ITER_*: the iterator's size in bytes (a multiple of 8). */
	uint32_t iter_size;
};

/* What an embedder's helper or kfunc may do with the invocation it receives (valid only
 * during that call). */

/* Whether the program may read (write) [addr, addr + size): always true for a verified
 * program; checked against the run's memory for an unverified one. A helper must not touch
 * memory the program hands it without this check in unverified runs. */
EXBPF_API bool exbpf_run__access_ok(struct exbpf_run *run, uint64_t addr, size_t size,
				    bool write);
/* Ends the run with err (negative) once the helper returns; msg goes to the run's log. */
EXBPF_API int exbpf_run__fail(struct exbpf_run *run, int err, const char *msg);

/* The status contract for helpers that call back into BPF (like bpf_loop): run the callback
 * the program passed (an EXBPF_ARG_PTR_TO_FUNC argument) with r1-r5 = args. Returns 0 with
 * *r0 its return value; EXBPF_CALLBACK_THROWN when the callback threw: the helper must
 * return at once (its value is ignored) and the engine goes on unwinding the program, then
 * releases what the run held and runs the exception callback; a negative errno when the run
 * failed (return at once too). No engine ever longjmps across the helper's C frame, so its
 * cleanup code runs. */
#define EXBPF_CALLBACK_THROWN 1
EXBPF_API int exbpf_run__callback(struct exbpf_run *run, uint64_t callback,
				  const uint64_t args[5], uint64_t *r0);

/* Registers a helper (`call id`) or a kfunc (`call` of a __ksym extern named `name`).
 * Before the first load. -EEXIST when the id or name is taken, -EBUSY after a load. */
EXBPF_API int exbpf_env__register_helper(struct exbpf_env *env, uint32_t id, const char *name,
					 exbpf_helper_fn fn, const struct exbpf_func_proto *proto);
EXBPF_API int exbpf_env__register_kfunc(struct exbpf_env *env, const char *name,
					exbpf_helper_fn fn, const struct exbpf_func_proto *proto);

/* An embedder's program type: a context of ctx_size bytes that the host passes to each run
 * (exbpf_run_opts.ctx_in), the fields programs may touch and how, and the return range the
 * verifier enforces. Programs get it from their section name: pass the same (name, type) in
 * exbpf_open_opts.sec_types when opening the object. */
#define EXBPF_PROG_TYPE_USER 0x10000u /* embedder types are at or above this */

enum exbpf_ctx_access {
	EXBPF_CTX_READ = 1u << 0,
	EXBPF_CTX_WRITE = 1u << 1,
	EXBPF_CTX_NARROW = 1u << 2, /* loads narrower than the field are allowed */
};

struct exbpf_ctx_field {
	uint32_t off;
	uint32_t size;
	uint32_t access; /* enum exbpf_ctx_access */
};

struct exbpf_prog_type_desc {
	size_t sz;
	uint32_t type; /* >= EXBPF_PROG_TYPE_USER */
	const char *name;
	uint32_t ctx_size; /* at most 65536 */
	const struct exbpf_ctx_field *fields; /* NULL: every byte readable, none writable */
	size_t nfields;
	int64_t ret_min, ret_max; /* ret_min > ret_max: any value */
};

/* Before the first load. -EINVAL for a malformed description (a field outside the context,
 * overlapping fields, a type below EXBPF_PROG_TYPE_USER), -EEXIST for a taken type. */
EXBPF_API int exbpf_env__register_prog_type(struct exbpf_env *env,
					    const struct exbpf_prog_type_desc *desc);

/* Which engine runs verified programs. Unverified ones always run in the checked
 * interpreter. */
enum exbpf_engine {
	EXBPF_ENGINE_DEFAULT = 0, /* the JIT where this build has one (x86-64), else the interpreter */
	EXBPF_ENGINE_INTERP,	  /* the interpreter's fast loop */
	EXBPF_ENGINE_JIT,	  /* the x86-64 JIT; -EOPNOTSUPP where there is none */
};

struct exbpf_load_opts {
	size_t sz;
	char *log_buf; /* why loading failed */
	size_t log_size;
	/* Load only this program (and the programs prog arrays name); NULL: every program
	 * that autoloads, plus `?` programs when all_programs is set. */
	const char *only_program;
	bool all_programs;
	/* Run without verification, in the checked interpreter (every access validated, an
	 * instruction budget). Otherwise every selected program is verified first and a
	 * rejection fails the load with -EACCES, the verifier's log, and a last log line
	 * "program 'NAME': rejected by the verifier at insn N: MESSAGE". */
	bool unverified;
	uint64_t insn_budget; /* per run in unverified mode; 0 = EXBPF_VM_DEFAULT_BUDGET */
	uint32_t log_level;   /* verifier log: 0 the error, 1 every instruction, 2 full states */
	bool kernel_strict;   /* Linux's verdicts: none of exbpf's extensions */
	bool unpriv;	      /* Linux's rules for programs without CAP_BPF */
	/* enum exbpf_engine. A verified program the JIT cannot compile fails the load with the
	 * instruction named; it never falls back to the interpreter. */
	uint32_t engine;
	/* With only_program: more programs to load beside it (tail-call targets the host puts
	 * into a prog array), a NULL-terminated list of names. */
	const char *const *also_programs;
};

/* The engine that runs prog: "jit", "interp" (the fast loop) or "checked" (unverified). */
EXBPF_API const char *exbpf_program__engine(const struct exbpf_program *prog);

struct exbpf_verify_opts {
	size_t sz;
	char *log_buf; /* the verifier log (and load errors) */
	size_t log_size;
	uint32_t log_level;
	bool kernel_strict;
	bool unpriv;
};

struct exbpf_verify_info {
	bool accepted;
	int err;		/* 0 or a negative errno (the rejection's) */
	char error[256];	/* the message that explains a rejection */
	int64_t error_insn;	/* -1 when none */
	uint64_t insns_processed;
	uint64_t verify_ns;
	uint32_t states_peak;
	uint32_t stack_depth;	/* bytes, deepest frame */
};

/* Verifies program prog_name of obj in env, without running anything. Returns 0 when the
 * verifier ran (info says accepted or why not); a negative errno when the object could not be
 * loaded far enough to verify (-ENOENT: no such program; the log says why). */
EXBPF_API int exbpf_env__verify(struct exbpf_env *env, const struct exbpf_object *obj,
				const char *prog_name, const struct exbpf_verify_opts *opts,
				struct exbpf_verify_info *info);

/* Creates the object's maps (global data with its initial contents, prog arrays filled
 * declaratively), resolves its kfunc externs against the registry, and prepares each
 * selected program. Errors: -ESRCH an unknown kfunc (named), -ENOENT an unknown helper,
 * -EOPNOTSUPP a map or program type the runtime lacks, -EINVAL a program that failed to
 * link (exbpf_prog__link_error), each with a log line naming the program. */
EXBPF_API int exbpf_instance__load(struct exbpf_env *env, const struct exbpf_object *obj,
				   const struct exbpf_load_opts *opts, struct exbpf_instance **out);
EXBPF_API void exbpf_instance__free(struct exbpf_instance *inst);

EXBPF_API struct exbpf_program *exbpf_instance__find_program(const struct exbpf_instance *inst,
							     const char *name);
EXBPF_API struct exbpf_map *exbpf_instance__find_map(const struct exbpf_instance *inst,
						     const char *name);
EXBPF_API const char *exbpf_program__name(const struct exbpf_program *prog);
/* Whether runs take packet data (xdp, tc, socket, cgroup_skb, raw) or a context (raw_tp,
 * syscall, ...). */
EXBPF_API bool exbpf_program__takes_packet(const struct exbpf_program *prog);
/* Puts `prog` at `index` of a prog array, as a host writing a prog fd would. */
EXBPF_API int exbpf_program__set_tail(struct exbpf_map *prog_array, uint32_t index,
				      struct exbpf_program *prog);

/* Where a throw happened and the frames it unwound, innermost first. */
struct exbpf_frame {
	const char *func;
	uint32_t insn; /* linked instruction: the call (or the throw) being executed */
	const char *file;
	uint32_t line; /* 0 when unknown */
	const char *text; /* the source line from BTF, "" when unknown */
};

#define EXBPF_MAX_FRAMES 8

struct exbpf_exception {
	bool thrown;
	uint64_t cookie;
	uint32_t nframes;
	struct exbpf_frame frames[EXBPF_MAX_FRAMES]; /* frames[0]: the throw site */
};

struct exbpf_run_opts {
	size_t sz;
	/* Packet programs: the packet (copied; data_out receives the packet afterwards). */
	const void *data_in;
	size_t data_size_in;
	void *data_out;
	size_t data_size_out; /* in: capacity; out: bytes written */
	/* Other programs: their context bytes (raw_tp: u64 arguments; syscall: any buffer). */
	const void *ctx_in;
	size_t ctx_size_in;
	void *ctx_out; /* the context after the run (what the program wrote) */
	size_t ctx_size_out; /* in: capacity; out: bytes written */
	uint32_t repeat;  /* runs; 0 means 1 */
	char *log_buf;	  /* why a run failed */
	size_t log_size;
	/* out */
	uint64_t retval;
	uint64_t duration_ns; /* mean per run */
	struct exbpf_exception exception;
};

/* Runs the program like BPF_PROG_TEST_RUN. Returns 0 when it ran (returning or throwing),
 * or a negative errno: -EINVAL input the program type cannot take (too-short packet, ...),
 * -EFAULT/-E2BIG a run-time fault of an unverified program (log: instruction and reason). */
EXBPF_API int exbpf_program__run(struct exbpf_program *prog, struct exbpf_run_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
