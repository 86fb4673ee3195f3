/* The verifier's entry: one linked program, everything it needs to know about its world, and
 * the verdict.
 *
 * The runtime builds a struct verifier_input from the loader's program and its own registries
 * (program types, kfuncs, map specs); the verifier reads nothing else. Instructions are the
 * loader's linked form: map references are `lddw` with src BPF_PSEUDO_MAP_IDX (imm = map
 * index) or BPF_PSEUDO_MAP_IDX_VALUE (imm = map index, next imm = offset), kfunc calls have
 * src BPF_PSEUDO_KFUNC_CALL and imm = the object's extern index, local calls and callback
 * references are pc-relative as in Linux. */
#ifndef EXBPF_VERIFIER_VERIFIER_H
#define EXBPF_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>
#include <exbpf/isa.h>
#include <exbpf/runtime.h>

#include "common/graph_field.h"
#include "common/log.h"
#include "verifier/cfg.h"

#define VERIFIER_MAX_INSNS_PROCESSED 1000000 /* Linux's BPF_COMPLEXITY_LIMIT_INSNS */

/* A map as the verifier sees it: its shape, and for a frozen read-only map its contents. */
struct verifier_map {
	const char *name;
	uint32_t type; /* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries, map_flags;
	int32_t spin_lock_off; /* offset of the struct bpf_spin_lock in the value, or -1 */
	int32_t timer_off;     /* offset of the struct bpf_timer in the value, or -1 */
	/* Its bpf_list_head / bpf_rb_root fields, in offset order. */
	const struct graph_field *graph;
	uint32_t ngraph;
	const struct kptr_field *kptrs; /* its referenced kptr fields, in offset order */
	uint32_t nkptrs;
	/* Contents of a read-only global-data map (.rodata): loads from it are constants. */
	const uint8_t *frozen;
	/* A prog array's inner programs exist at load (for tail calls); other kinds: 0. */
};

/* What an access to the context at [off, off + size) means. */
enum verifier_ctx_kind {
	VCTX_DENY = 0,	 /* not allowed: "invalid bpf_context access" */
	VCTX_SCALAR,	 /* a number */
	VCTX_PKT_DATA,	 /* the packet start (a pointer) */
	VCTX_PKT_END,	 /* one past the packet */
	VCTX_PKT_META,	 /* the metadata start */
};

/* A helper or kfunc as the verifier checks a call of it. */
struct verifier_func {
	const char *name;
	struct exbpf_func_proto proto;
	/* A Linux helper without .pkt_access: no packet pointer as an argument. */
	bool no_pkt;
};

struct verifier_input {
	const struct bpf_insn *insns;
	size_t cnt;
	uint32_t prog_type;  /* enum bpf_prog_type or an exbpf/embedder type */
	const char *prog_name;

	/* The context (r1 at entry). ctx_access() classifies an access; write: a store.
	 * NULL: r1 is not a context (raw type: r1 = data, r2 = length). */
	uint32_t ctx_size;
	enum verifier_ctx_kind (*ctx_access)(void *ctx, uint32_t off, uint32_t size, bool write);
	/* exbpf's raw type: r1 points at r2 readable and writable bytes. */
	bool raw_args;
	int64_t ret_min, ret_max; /* allowed return range of the main program; min > max: any */
	/* bpf_get_smp_processor_id() returns less than this (Linux bounds it by its number of
	 * possible CPUs, and so does the runtime's helper); 0: unbounded. */
	uint32_t nr_cpus;

	const struct verifier_map *maps;
	size_t nmaps;

	/* Helper id -> prototype, or NULL when the program type cannot call it (Linux: "program
	 * of this type cannot use helper %s#%d" / "invalid func unknown#%d"). */
	const struct verifier_func *(*helper)(void *ctx, int32_t id);
	/* Extern index -> kfunc prototype, or NULL (a __weak kfunc that is absent). */
	const struct verifier_func *(*kfunc)(void *ctx, int32_t idx);
	void *ctx;

	/* Function information (BTF func_info): names, global or static, the exception
	 * callback. May be empty. */
	const struct cfg_func_hint *funcs;
	size_t nfuncs;
	const struct exbpf_btf *btf; /* the object's BTF (global function signatures); may be NULL */
	/* BTF func ids of funcs[i] (for global function signatures); may be NULL. */
	const uint32_t *func_btf_ids;

	/* exception_callback: decl tags on the main function: more than one is an error. */
	uint32_t exception_cb_tags;

	/* Source of an instruction for messages: file, line and text; false when unknown. */
	bool (*line)(void *ctx, size_t insn, const char **file, uint32_t *line, const char **text);

	bool unpriv;	    /* Linux's rules without CAP_BPF / CAP_PERFMON */
	bool kernel_strict; /* Linux's verdicts: no exbpf extensions */
	uint32_t log_level; /* 0: the error only; 1: every processed instruction; 2: full states;
			      * bit 4: the statistics (time, stack depths) */
	struct log *log;
};

struct verifier_result {
	bool accepted;
	int err;		/* 0, or the negative errno Linux would give (-EACCES, -EINVAL, ...) */
	int64_t error_insn;	/* the instruction the error is about, or -1 */
	char error[256];	/* the one message that explains the rejection */
	uint64_t insns_processed;
	uint32_t states_total, states_peak;
	uint32_t max_stack_depth; /* deepest stack along any call chain, bytes */
	uint64_t verify_ns;
	/* Per instruction, set by the verifier for the engines: which calls can end in a throw
	 * (bpf_throw itself, a call of a function that can throw, a helper running a callback
	 * that can). Owned by the result; verifier_result_free(). */
	uint8_t *insn_may_throw;
	/* Per instruction, what a load or store's base pointer is on every path that reaches it
	 * (VERIFIER_MEM_*), so that the runtime can rewrite context accesses into its own layout
	 * before an engine runs them unchecked, as Linux's convert_ctx_accesses() does. One
	 * instruction never serves both the context and other memory (Linux's "same insn cannot be
	 * used with different pointers"). Owned by the result. */
	uint8_t *insn_mem;
	/* Per instruction, 1 where some path of the walk reached it. Linux checks a few rules
	 * (a write to r10, say) only on reached instructions and leaves the others to its
	 * dead-code pass; the runtime does the same with this. Owned by the result. */
	uint8_t *insn_seen;
};

enum verifier_mem_kind {
	VERIFIER_MEM_NONE = 0, /* not a load or store, or never reached */
	VERIFIER_MEM_CTX,      /* the context (r1 at entry) */
	VERIFIER_MEM_OTHER,    /* stack, map value, packet, ... */
};

/* 0 when the program is accepted, otherwise the error (also in res->err, res->error and the
 * log). */
int verifier_check(const struct verifier_input *in, struct verifier_result *res);
void verifier_result_free(struct verifier_result *res);

/* --- The helper prototypes Linux offers (helper_proto.c): verdicts never depend on what the
 * runtime implements. */
struct verifier_helper {
	int32_t id;		/* BPF_FUNC_* */
	const char *name;	/* "bpf_map_lookup_elem" */
	struct exbpf_func_proto proto;
	uint32_t prog_types;	/* VPT_* bits: the supported program types that may call it */
	bool gpl_only;
	bool unsupported;	/* exbpf's verifier cannot check it yet: calls are rejected */
};

enum verifier_prog_type_bit {
	VPT_SOCKET_FILTER = 1u << 0,
	VPT_SCHED_CLS = 1u << 1,
	VPT_SCHED_ACT = 1u << 2,
	VPT_XDP = 1u << 3,
	VPT_CGROUP_SKB = 1u << 4,
	VPT_RAW_TP = 1u << 5,
	VPT_TRACING = 1u << 6, /* tp_btf, fentry, ... */
	VPT_SYSCALL = 1u << 7,
	VPT_EXBPF = 1u << 8, /* exbpf's raw and embedder types: the generic helpers */
};

/* The prototype of helper `id`, or NULL when Linux has no such helper. */
const struct verifier_helper *verifier_helper_proto(int32_t id);
/* Whether Linux's helper `id` takes packet pointers as memory arguments (.pkt_access). */
bool verifier_helper_pkt_access(int32_t id);
/* Whether Linux lets a map of type `map_type` be the map argument of helper `func_id`. */
bool verifier_map_func_compatible(uint32_t map_type, int32_t func_id);
/* Whether Linux offers helper `id` only to loaders with CAP_BPF or CAP_PERFMON. */
bool verifier_helper_needs_caps(int32_t id);
/* The VPT_* bit of a program type (enum bpf_prog_type, or an exbpf type: VPT_EXBPF). */
uint32_t verifier_prog_type_bit(uint32_t prog_type);

#endif
