/* The built-in kfuncs: bpf_throw, the numeric iterator, RCU / preemption / irq sections (tracked by the verifier,
 * nearly free at run time) and bpf_obj_new / bpf_obj_drop, the acquire/release pair. */
#ifndef EXBPF_RUNTIME_KFUNCS_H
#define EXBPF_RUNTIME_KFUNCS_H

#include "runtime/runtime.h"

int rt_register_kfuncs(struct exbpf_env *env);
/* Frees an object bpf_obj_new returned (release on throw). */
void rt_obj_free(void *data);

#endif
