/* Program types the runtime runs: their UAPI context layout, the access rules of each field
 * and where each field really lives, and how BPF_PROG_TEST_RUN-style inputs become a context.
 * One table per type: the checked interpreter applies it at run time now, and the verifier
 * will consult the same table to check and rewrite context accesses statically. */
#ifndef EXBPF_RUNTIME_PROG_TYPE_H
#define EXBPF_RUNTIME_PROG_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

enum ctx_field_flags {
	CTX_READ = 1u << 0,
	CTX_WRITE = 1u << 1,
	CTX_NARROW = 1u << 2, /* loads narrower than the field are allowed */
};

enum ctx_field_kind {
	CTX_PLAIN,     /* same offset and size in the runtime's context */
	CTX_PKT_DATA,  /* 32-bit in UAPI: the runtime's 64-bit packet start */
	CTX_PKT_END,   /* ... packet end */
	CTX_PKT_META,  /* ... metadata start */
};

struct ctx_field {
	uint16_t off;  /* UAPI offset */
	uint16_t size; /* UAPI size; an array (cb[5]) is one field of its whole size */
	uint8_t flags;
	uint8_t kind;
	uint16_t real_off; /* offset in the runtime's context */
	uint8_t real_size;
};

struct run_input {
	const void *data;
	size_t data_size;
	const void *ctx;
	size_t ctx_size;
};

/* The runtime's side of one context: the bytes the program sees through the table, and the
 * packet the run owns. */
struct run_ctx {
	void *ctx;	 /* runtime context (kernel-side layout) */
	size_t ctx_size;
	uint8_t *pkt;	 /* packet buffer (headroom + data), or NULL */
	size_t pkt_size;
	uint8_t *data, *data_end, *data_meta;
	uint8_t *pkt_mac; /* the Ethernet header (skb types), for SKF_LL_OFF loads */
	uint64_t args[2]; /* r1, r2 at entry */
};

struct prog_type {
	uint32_t type; /* enum bpf_prog_type or EXBPF_PROG_TYPE_RAW */
	const char *name;
	uint32_t uapi_ctx_size; /* 0: no context struct (raw) */
	uint32_t ctx_size;	/* runtime context size */
	const struct ctx_field *fields;
	size_t nfields;
	bool packet;	    /* takes data_in */
	uint32_t min_data;  /* shortest packet Linux accepts */
	uint32_t max_data;
	bool retval_u32;    /* test_run reports the low 32 bits */
	int64_t ret_min, ret_max; /* allowed return range (verifier); min > max: any */
	/* Builds the context for one run; rc is zeroed by the caller. */
	int (*build)(const struct prog_type *pt, const struct run_input *in, struct run_ctx *rc,
		     struct log *log);
};

/* A syscall program's context is the caller's buffer, of at most U16_MAX bytes (Linux); the
 * runtime's copy of it always spans them all, so that no verified access leaves it whatever
 * buffer a run (or a tail call into another syscall program) was given. */
#define RT_SYSCALL_CTX_MAX 65535u

/* Contexts that are plain caller bytes (raw_tp arguments, syscall buffers, embedder types). */
int prog_type_build_bytes(const struct prog_type *pt, const struct run_input *in,
			  struct run_ctx *rc, struct log *log);

/* The table of a type, or NULL when the runtime cannot run it. */
const struct prog_type *prog_type_find(uint32_t type);

/* The field covering [off, off + size) of the UAPI context, or NULL. */
const struct ctx_field *ctx_field_find(const struct prog_type *pt, uint32_t off, uint32_t size);

/* Applies the table to one access of the UAPI context (checked runs): 0 with *val read or
 * written, or -EACCES with the reason in *why. */
int ctx_access(const struct prog_type *pt, struct run_ctx *rc, uint32_t off, uint32_t size,
	       bool write, uint64_t *val, const char **why);

#define XDP_FRAME_SIZE 40 /* sizeof(struct xdp_frame), which an xdp packet's headroom keeps */

/* xdp: the packet now lies at [data, data_end), metadata before it from data_meta, all inside
 * the run's frame, which keeps Linux's xdp_frame headroom and skb_shared_info tailroom, and
 * the packet an Ethernet header's length (else -EINVAL, nothing changed). The context's
 * pointers follow. */
int prog_type_move_packet(const struct prog_type *pt, struct run_ctx *rc, uint8_t *data,
			  uint8_t *data_end, uint8_t *data_meta);

void run_ctx_free(struct run_ctx *rc);

#endif
