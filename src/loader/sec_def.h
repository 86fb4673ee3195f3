/* Section name -> program type, by libbpf's rules, so that objects written for Linux load here
 * with the types libbpf would give them. Which of those types exbpf can verify and run is the
 * runtime's business, not this table's. */
#ifndef EXBPF_LOADER_SEC_DEF_H
#define EXBPF_LOADER_SEC_DEF_H

#include <stdint.h>

enum sec_flag {
	SEC_F_SLEEPABLE = 1u << 0,
	SEC_F_ATTACH_BTF = 1u << 1, /* the part after '/' names a BTF function (fentry/...) */
	SEC_F_XDP_FRAGS = 1u << 2,
};

struct sec_def {
	const char *pattern; /* "xdp": exact; "kprobe+": exact or "kprobe/..."; "x/": prefix */
	uint32_t prog_type;  /* enum bpf_prog_type, or EXBPF_PROG_TYPE_RAW */
	uint32_t attach_type; /* enum bpf_attach_type expected at load (0 when none) */
	uint32_t flags;	      /* enum sec_flag */
};

/* The definition matching section name `sec` (without a leading '?'), or NULL. */
const struct sec_def *sec_def_find(const char *sec);

/* Name of a program type for messages ("sched_cls"); "unknown" for others. */
const char *sec_prog_type_name(uint32_t prog_type);

#endif
