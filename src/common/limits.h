/* Limits of the BPF machine, each with the Linux value it mirrors. One place, read by every
 * stage. */
#ifndef EXBPF_COMMON_LIMITS_H
#define EXBPF_COMMON_LIMITS_H

#define BPF_STACK_SIZE 512		/* MAX_BPF_STACK: bytes of stack per frame */
#define BPF_MAX_CALL_FRAMES 8		/* MAX_CALL_FRAMES: main + 7 nested calls */
#define BPF_MAX_INSNS 1000000		/* BPF_COMPLEXITY_LIMIT_INSNS, also the max program size */
#define BPF_MAX_TAIL_CALLS 33		/* MAX_TAIL_CALL_CNT */
#define BPF_REG_COUNT 11		/* r0-r10 */

#endif
