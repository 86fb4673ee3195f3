/* The world the verifier fuzzers run programs in, and their program generator.
 *
 * A tc-like program type: an __sk_buff-like context of 4-byte fields with data / data_end at
 * 76 / 80, a packet, an array and a hash map, and the helpers map_lookup/update/delete,
 * ktime_get_ns, get_prandom_u32 and the fuzzer's own fuzz_poison (fills the calling frame's
 * stack with garbage). The structured generator turns fuzzer bytes into programs that mostly
 * pass verification: ALU ops, stack and context accesses, null-checked map lookups with
 * masked or compared offsets, packet accesses guarded by data_end comparisons, forward
 * branches, bounded loops, helper calls. One global world (W): the fuzzers are
 * single-threaded. */
#ifndef EXBPF_FUZZ_VWORLD_H
#define EXBPF_FUZZ_VWORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/isa.h>

#include "common/log.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

#define CTX_SIZE 96u
#define OFF_DATA 76u
#define OFF_DATA_END 80u
#define ARR_ENTRIES 4u
#define ARR_VSIZE 8u
#define HASH_ENTRIES 4u
#define HASH_KSIZE 4u
#define HASH_VSIZE 16u
#define STRIDE 64u /* values lie this far apart: an overrun of one never reaches another */
#define POISON_ID 20000 /* the fuzzer's own helper: fills the stack with garbage */
#define NRUNS 4
#define BUDGET (1u << 20)
#define MAX_INSNS 512

struct fmap {
	int kind; /* 0 array, 1 hash */
	uint8_t *vals; /* entries * STRIDE bytes, value i at i * STRIDE */
	uint32_t keys[HASH_ENTRIES];
	bool used[HASH_ENTRIES];
};

struct world {
	uint32_t ctx[CTX_SIZE / 4];
	/* Right after the context, as a runtime lays its context out: what verified (unchecked)
	 * runs load for data / data_end once their context accesses are rewritten. */
	uint8_t *pkt;
	uint8_t *pkt_end;
	size_t pkt_len;
	struct fmap maps[2];
	uint64_t rng;	   /* bpf_get_prandom_u32 */
	uint64_t ktime;	   /* bpf_ktime_get_ns */
	uint64_t poison;   /* what r1-r5 and the stack hold where the program must not look */
	struct vm_exec *x;
	char bug[256];	   /* a helper's reason to call the run unsafe */
};

extern uint8_t arr_store[ARR_ENTRIES * STRIDE], hash_store[HASH_ENTRIES * STRIDE];
extern struct world W;

uint64_t xs(uint64_t *s); /* xorshift */
uint64_t fnv(const uint8_t *d, size_t n);

/* The context's access rules (a verifier_input.ctx_access), and the same rules as a checked
 * run's context hook (hook_ctx = &W). */
enum verifier_ctx_kind fctx_access(void *c, uint32_t off, uint32_t size, bool write);
int ctx_hook(void *p, uint64_t off, unsigned size, bool write, uint64_t *val);

extern const struct vm_helper_table vm_table;
extern const struct vm_helper_table vm_kfuncs; /* extern 0: bpf_throw */
extern const struct verifier_map vmaps[2];
const struct verifier_func *vhelper(void *c, int32_t id);

/* A verifier_input for a generated or raw program of the world. */
void fill_input(struct verifier_input *in, const struct bpf_insn *insns, size_t cnt,
		bool unpriv);

struct gen {
	const uint8_t *d;
	size_t n, pos;
	struct bpf_insn ins[MAX_INSNS];
	size_t cnt;
	uint16_t init;	/* registers holding a scalar the program set */
	uint16_t busy;	/* loop counters: not to be changed */
	uint16_t live;	/* pointers a block is using: not to be overwritten */
	uint8_t stk;	/* 8-byte slots -8 .. -64 written whole with a scalar */
	int depth;
	bool evil;	/* make deliberate mistakes the verifier must catch */
	int branchy;	/* blocks with branches so far: paths multiply, keep them few */
	int in_loop;
	bool unpriv;	/* no loops: unprivileged programs may not have back-edges */
	size_t calls[16]; /* local calls of the appended subprogram, patched at the end */
	size_t ncalls;
};

/* Turns g->d[0..n) into a program in g->ins; returns its length. */
size_t generate(struct gen *g);

/* The program a fuzzer input describes: raw instructions after the first byte when its low
 * three bits are all set (bit 7 then forces a final `exit`), else the generator's program from
 * the bytes after it. g and raw are the caller's storage; *insns points into one of them.
 * Returns the instruction count, 0 when there is none. */
size_t world_program(const uint8_t *data, size_t size, bool unpriv, struct gen *g,
		     struct bpf_insn raw[MAX_INSNS], const struct bpf_insn **insns);

/* Map references become the maps' addresses, as the runtime rewrites them: 0, or -EINVAL
 * with the reason. */
int world_resolve_maps(struct bpf_insn *vi, size_t cnt, char *why, size_t why_size);
/* Context loads of data / data_end become 64-bit loads of W.pkt / W.pkt_end (the context
 * is W.ctx, followed by them), for unchecked runs: insn_mem from the verifier's result. */
void world_rewrite_ctx(struct bpf_insn *vi, size_t cnt, const uint8_t *insn_mem);
/* A packet, context and map contents drawn from *s; returns the packet (W.pkt), NULL when out
 * of memory. world_free_packet() releases it. */
uint8_t *world_fill(uint64_t *s);
void world_free_packet(void);

/* Everything a run may change, and r0, for comparisons with memcmp(). */
struct snap {
	uint32_t ctx[CTX_SIZE / 4];
	uint8_t arr[sizeof(arr_store)], hash[sizeof(hash_store)];
	uint32_t keys[HASH_ENTRIES];
	bool used[HASH_ENTRIES];
	uint8_t pkt[256];
	uint64_t r0;
};

void take(struct snap *s, uint64_t r0);
void restore(const struct snap *s);

#endif
