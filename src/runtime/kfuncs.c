#include "runtime/kfuncs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/opcodes.h"
#include "runtime/helpers.h"

#define H(name) static RT_HELPER(name)
#define UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run


H(rt_throw)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	vm_run_throw(run, r1);
	return 0;
}

/* Sections the verifier tracks; at run time an RCU read section or disabled preemption asks
 * nothing of a userspace thread. */
H(rt_nop)
{
	UNUSED5;
	return 0;
}

H(rt_irq_save)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!rt_arg_mem(run, r1, 8, true, "bpf_local_irq_save flags"))
		return 0;
	*(uint64_t *)(uintptr_t)r1 = 1;
	return 0;
}

H(rt_irq_restore)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!rt_arg_mem(run, r1, 8, true, "bpf_local_irq_restore flags"))
		return 0;
	return 0;
}

/* bpf_obj_new_impl(local_type_id, meta): a zeroed object of a program type. */
H(rt_obj_new)
{
	const struct exbpf_object *obj = rt_run_of(run)->prog->inst->obj;
	const struct exbpf_btf *btf = exbpf_object__btf(obj);
	int64_t size = btf ? exbpf_btf__resolve_size(btf, (uint32_t)r1) : -EINVAL;
	struct rt_obj *o;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 > UINT32_MAX || size <= 0 || size > RT_OBJ_MAX)
		return 0;
	o = calloc(1, sizeof(*o) + (size_t)size);
	if (!o)
		return 0;
	o->magic = RT_OBJ_MAGIC;
	o->size = (uint64_t)size;
	if (!rt_hold(run, o->data, RT_HELD_OBJ)) {
		free(o);
		return 0;
	}
	if (vm_run_add_region(run, (uintptr_t)o->data, (size_t)size, true)) {
		rt_unhold(run, (uintptr_t)o->data, RT_HELD_OBJ, "bpf_obj_new");
		free(o);
		vm_run_fail(run, -E2BIG, "too many distinct regions in one run");
		return 0;
	}
	return (uintptr_t)o->data;
}

void rt_obj_free(void *data)
{
	struct rt_obj *o = (struct rt_obj *)((uint8_t *)data - offsetof(struct rt_obj, data));

	o->magic = 0;
	free(o);
}

/* bpf_obj_drop_impl(p, meta). */
H(rt_obj_drop)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!r1 || !rt_unhold(run, r1, RT_HELD_OBJ, "bpf_obj_drop"))
		return 0;
	rt_obj_free((void *)(uintptr_t)r1);
	return 0;
}

/* bpf_kptr_xchg(field, obj): the map value's kptr field takes obj (or NULL), the program
 * takes what it held. Verified programs only: an unverified one could plant any number in
 * a field that a later exchange would hand out, and a drop would then free it. */
uint64_t rt_kptr_xchg(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	uint64_t old;

	(void)r3, (void)r4, (void)r5;
	if (run->checked) {
		exbpf_run__fail(run, -EOPNOTSUPP, "bpf_kptr_xchg runs in verified programs only");
		return 0;
	}
	if (r2 && !rt_unhold(run, r2, RT_HELD_OBJ, "bpf_kptr_xchg"))
		return 0;
	old = __atomic_exchange_n((uint64_t *)(uintptr_t)r1, r2, __ATOMIC_ACQ_REL);
	/* Past the run's limit of held resources the run fails; the object stays allocated
	 * (a leak, not a fault). */
	if (old && !rt_hold(run, (void *)(uintptr_t)old, RT_HELD_OBJ))
		return 0;
	return old;
}

/* The numeric iterator (Linux's bpf_iter_num_*): 8 bytes on the program's stack, the value
 * last returned and the end. Linux's layout and results, so that a program sees the same
 * values: new() with start > end or more than BPF_MAX_LOOPS values leaves an empty iterator
 * and fails. Nothing is held at run time: a throw leaves nothing to release. */
struct rt_iter_num {
	int32_t cur, end;
};

H(rt_iter_num_new)
{
	struct rt_iter_num *it = (struct rt_iter_num *)(uintptr_t)r1;
	int32_t start = (int32_t)r2, end = (int32_t)r3;

	(void)r4, (void)r5;
	if (!rt_arg_mem(run, r1, sizeof(*it), true, "bpf_iter_num_new iterator"))
		return 0;
	if (start > end || (int64_t)end - start > ISA_MAX_LOOPS) {
		it->cur = it->end = 0;
		return (uint64_t)(int64_t)(start > end ? -EINVAL : -E2BIG);
	}
	/* next() steps first; start - 1 may wrap, as in Linux */
	it->cur = (int32_t)((uint32_t)start - 1);
	it->end = end;
	return 0;
}

H(rt_iter_num_next)
{
	struct rt_iter_num *it = (struct rt_iter_num *)(uintptr_t)r1;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!rt_arg_mem(run, r1, sizeof(*it), true, "bpf_iter_num_next iterator"))
		return 0;
	int32_t next = (int32_t)((uint32_t)it->cur + 1);

	if (next >= it->end) {
		it->cur = it->end = 0;
		return 0;
	}
	it->cur = next;
	return (uintptr_t)&it->cur;
}

H(rt_iter_num_destroy)
{
	struct rt_iter_num *it = (struct rt_iter_num *)(uintptr_t)r1;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!rt_arg_mem(run, r1, sizeof(*it), true, "bpf_iter_num_destroy iterator"))
		return 0;
	it->cur = it->end = 0;
	return 0;
}

#define A(k) EXBPF_ARG_##k
#define P(RET, F, ...) {.ret = EXBPF_RET_##RET, .flags = (F), .args = {__VA_ARGS__}}

static const struct rt_kfunc kfuncs[] = {
	{"bpf_throw", rt_throw, P(VOID, EXBPF_FN_NO_RETURN, A(SCALAR))},
	{"bpf_rcu_read_lock", rt_nop, P(VOID, EXBPF_FN_NEVER_STOPS)},
	{"bpf_rcu_read_unlock", rt_nop, P(VOID, EXBPF_FN_NEVER_STOPS)},
	{"bpf_preempt_disable", rt_nop, P(VOID, EXBPF_FN_NEVER_STOPS)},
	{"bpf_preempt_enable", rt_nop, P(VOID, EXBPF_FN_NEVER_STOPS)},
	{"bpf_local_irq_save", rt_irq_save, P(VOID, EXBPF_FN_NEVER_STOPS, A(PTR_TO_UNINIT_MEM))},
	{"bpf_local_irq_restore", rt_irq_restore, P(VOID, EXBPF_FN_NEVER_STOPS, A(PTR_TO_MEM))},
	{"bpf_iter_num_new", rt_iter_num_new,
	 {.flags = EXBPF_FN_ITER_NEW | EXBPF_FN_NEVER_STOPS, .args = {A(PTR_TO_ITER), A(SCALAR), A(SCALAR)},
	  .iter_size = 8}},
	{"bpf_iter_num_next", rt_iter_num_next,
	 {.ret = EXBPF_RET_MEM_OR_NULL, .ret_size = 4, .flags = EXBPF_FN_ITER_NEXT | EXBPF_FN_NEVER_STOPS,
	  .args = {A(PTR_TO_ITER)}, .iter_size = 8}},
	{"bpf_iter_num_destroy", rt_iter_num_destroy,
	 {.ret = EXBPF_RET_VOID, .flags = EXBPF_FN_ITER_DESTROY | EXBPF_FN_NEVER_STOPS,
	  .args = {A(PTR_TO_ITER)}, .iter_size = 8}},
	{"bpf_obj_new_impl", rt_obj_new,
	 {.ret = EXBPF_RET_OBJ_OR_NULL, .flags = EXBPF_FN_ACQUIRE,
	  .args = {A(SCALAR), A(ANYTHING)}, .release_fn = "bpf_obj_drop_impl"}},
	{"bpf_obj_drop_impl", rt_obj_drop,
	 {.ret = EXBPF_RET_VOID, .flags = EXBPF_FN_RELEASE, .args = {A(PTR_TO_OBJ), A(ANYTHING)},
	  .release_arg = 0}},
};

static int register_table(struct exbpf_env *env, const struct rt_kfunc *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = exbpf_env__register_kfunc(env, t[i].name, t[i].fn, &t[i].proto);

		if (err)
			return err;
	}
	return 0;
}

int rt_register_kfuncs(struct exbpf_env *env)
{
	int err = register_table(env, kfuncs, sizeof(kfuncs) / sizeof(kfuncs[0]));

	if (!err)
		err = register_table(env, rt_dynptr_kfuncs, rt_dynptr_nkfuncs);
	if (!err)
		err = register_table(env, rt_iter_bits_kfuncs, rt_iter_bits_nkfuncs);
	return err ? err : register_table(env, rt_graph_kfuncs, rt_graph_nkfuncs);
}
