/* The built-in kfuncs: bpf_throw, the numeric iterator, the dynptr kfuncs, RCU / preemption /
 * irq sections (tracked by the verifier, nearly free at run time), bpf_obj_new /
 * bpf_obj_drop, the acquire/release pair, and the list and rbtree kfuncs over such objects. */
#ifndef EXBPF_RUNTIME_KFUNCS_H
#define EXBPF_RUNTIME_KFUNCS_H

#include "runtime/runtime.h"

/* A built-in kfunc: registered by name, like an embedder's. */
struct rt_kfunc {
	const char *name;
	exbpf_helper_fn fn;
	struct exbpf_func_proto proto;
};

/* Objects from bpf_obj_new start with this header so that a drop can check what it frees. */
struct rt_obj {
	uint64_t magic;
	uint64_t size;
	uint64_t data[];
};

#define RT_OBJ_MAGIC 0x6578627066306f62ull
#define RT_OBJ_MAX (1u << 20)

/* The dynptr kfuncs (helpers_dynptr.c). */
extern const struct rt_kfunc rt_dynptr_kfuncs[];
extern const size_t rt_dynptr_nkfuncs;
/* The bits iterator (kfuncs_iter_bits.c), and how a throw frees the copy it holds. */
extern const struct rt_kfunc rt_iter_bits_kfuncs[];
extern const size_t rt_iter_bits_nkfuncs;
void rt_iter_bits_free(void *words);
/* The list and rbtree kfuncs (kfuncs_graph.c). */
extern const struct rt_kfunc rt_graph_kfuncs[];
extern const size_t rt_graph_nkfuncs;

/* Unverified runs, at bpf_spin_unlock: the non-owning nodes the run was lent stop being
 * readable (kfuncs_graph.c). */
void rt_graph_unlock(struct exbpf_run *run);

/* Every built-in kfunc. */
int rt_register_kfuncs(struct exbpf_env *env);
/* The bpf_kptr_xchg helper (a helper by Linux's numbering, on objects like the kfuncs'). */
uint64_t rt_kptr_xchg(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run);
/* Frees an object bpf_obj_new returned (release on throw). */
void rt_obj_free(void *data);

#endif
