/* bpf_timer: timers in map values whose callbacks run later, each as a new invocation on the
 * runtime's timer thread (one per process, started at the first timer, joined once no timer
 * is left when an instance or environment is freed). A timer's state lives in a table keyed
 * by the address of its struct bpf_timer, never in the 16 bytes a program can overwrite. */
#ifndef EXBPF_RUNTIME_TIMER_H
#define EXBPF_RUNTIME_TIMER_H

#include "runtime/helpers.h"

RT_HELPER(rt_timer_init);
RT_HELPER(rt_timer_set_callback);
RT_HELPER(rt_timer_start);
RT_HELPER(rt_timer_cancel);

/* Cancels and frees every timer of the instance (in its maps, or calling back into its
 * programs), waiting for callbacks that are running; then stops the timer thread if no timer
 * is left. Before the instance frees its programs. */
void rt_timers_instance_gone(struct exbpf_instance *inst);

/* Stops the timer thread if no timer is left (exbpf_env__free). */
void rt_timers_idle(void);

#endif
