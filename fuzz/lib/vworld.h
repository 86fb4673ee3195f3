/* The world the verifier fuzzers run programs in, and their program generator.
 *
 * A tc-like program type: an __sk_buff-like context of 4-byte fields with data / data_end at
 * 76 / 80, a packet, an array and a hash map, an array whose values hold a bpf_spin_lock, a
 * ring buffer, and the helpers map_lookup/update/delete, ktime_get_ns, get_prandom_u32,
 * ringbuf_reserve/submit/discard, spin_lock/unlock and the fuzzer's own fuzz_poison (fills the
 * calling frame's stack with garbage); the kfuncs bpf_throw, bpf_obj_new_impl /
 * bpf_obj_drop_impl (the acquire/release pair), RCU, preemption and irq sections. Resources
 * are the runtime's own: its helpers and registry kfuncs hold them in a struct rt_run, and a
 * throw releases them with rt_release_held(), as exbpf_program__run() does. The structured
 * generator turns fuzzer bytes into programs that mostly pass verification: ALU ops, stack and
 * context accesses, null-checked map lookups with masked or compared offsets, packet accesses
 * guarded by data_end comparisons, forward branches, bounded loops, helper calls, assertions
 * that throw, calls of subprograms that throw, and regions that hold a resource while they
 * throw. One global world (W): the fuzzers are single-threaded. */
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
#define LOCK_ENTRIES 2u
#define LOCK_VSIZE 16u /* struct { struct bpf_spin_lock l; u32 pad; u64 n; } */
#define LOCK_N_OFF 8
#define MAP_LOCK 2     /* map index of the locked array */
#define MAP_RB 3       /* map index of the ring buffer */
#define NMAPS 4
#define RB_SIZE 4096u
#define OBJ_TYPE_ID 2  /* BTF id of struct node { u64 a, b; }, what bpf_obj_new allocates */
#define OBJ_SIZE 16
#define IRQ_SLOT (-72) /* the stack slot generated programs keep irq flags in */
#define MAX_OBJS 64
#define STRIDE 64u /* values lie this far apart: an overrun of one never reaches another */
#define POISON_ID 20000 /* the fuzzer's own helper: fills the stack with garbage */
#define NRUNS 4
#define BUDGET (1u << 20)
#define MAX_INSNS 512

struct fmap {
	int kind; /* 0 array, 1 hash, 2 the locked array, 3 the ring buffer (W.rb stands behind) */
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
	struct fmap maps[NMAPS];
	uint64_t rng;	   /* bpf_get_prandom_u32 */
	uint64_t ktime;	   /* bpf_ktime_get_ns */
	uint64_t poison;   /* what r1-r5 and the stack hold where the program must not look */
	struct vm_exec *x;
	char bug[256];	   /* a helper's reason to call the run unsafe */
	/* Resources of the current run (world_run_begin() .. world_run_end()). */
	bool uses_rb;	   /* the program names the ring buffer: each run gets a fresh one */
	struct exbpf_map *rb;
	uint32_t submitted; /* samples the program submitted */
	int32_t rcu, preempt, irq; /* section depths, counted by the kfuncs */
	void *objs[MAX_OBJS]; /* every object bpf_obj_new handed out */
	size_t nobjs;
	uint32_t objs_lost;  /* more than MAX_OBJS: not tracked */
	uint32_t held_at_throw; /* what the runtime still held when the run threw */
	/* What the run left, for comparisons: the records a consumer read, hashed. */
	uint32_t rb_records;
	uint64_t rb_digest;
};

extern uint8_t arr_store[ARR_ENTRIES * STRIDE], hash_store[HASH_ENTRIES * STRIDE],
    lock_store[LOCK_ENTRIES * STRIDE];
extern struct world W;

uint64_t xs(uint64_t *s); /* xorshift */
uint64_t fnv(const uint8_t *d, size_t n);

/* The context's access rules (a verifier_input.ctx_access), and the same rules as a checked
 * run's context hook (hook_ctx = &W). */
enum verifier_ctx_kind fctx_access(void *c, uint32_t off, uint32_t size, bool write);
int ctx_hook(void *p, uint64_t off, unsigned size, bool write, uint64_t *val);

extern const struct vm_helper_table vm_table;
/* extern 0: bpf_throw; 1 bpf_obj_new_impl, 2 bpf_obj_drop_impl, 3 / 4 bpf_rcu_read_lock /
 * unlock, 5 / 6 bpf_preempt_disable / enable, 7 / 8 bpf_local_irq_save / restore */
extern const struct vm_helper_table vm_kfuncs;
enum {
	K_THROW,
	K_OBJ_NEW,
	K_OBJ_DROP,
	K_RCU_LOCK,
	K_RCU_UNLOCK,
	K_PREEMPT_OFF,
	K_PREEMPT_ON,
	K_IRQ_SAVE,
	K_IRQ_RESTORE,
	NKFUNCS
};
extern const struct verifier_map vmaps[NMAPS];
const struct verifier_func *vhelper(void *c, int32_t id);

/* The BTF of the world's program (struct node for bpf_obj_new). */
const struct exbpf_btf *world_btf(void);

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
	/* No pointer into memory or r0 (only scalars are stored): the JIT and the interpreter
	 * put their stacks and ring-buffer samples at different addresses. */
	bool no_leaks;
	bool locked;	/* holding a spin lock: no helper or kfunc calls but bpf_throw */
	bool in_irq;	/* inside an irq section (one flag slot) */
	int held;	/* resources held at this point (spill slots below IRQ_SLOT) */
	size_t calls[16]; /* local calls of the appended subprograms, patched at the end */
	uint8_t call_sub[16]; /* which: 0 throws on 0x7f, 1 holds a resource and throws */
	size_t ncalls;
	unsigned sub_kind; /* subprogram 1's resource: ringbuf, object, RCU section */
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

/* A run's resources: world_run_begin() after filling x (checked or not) makes the runtime's
 * helpers and kfuncs hold what they hand out in the run's struct rt_run (x->user), with a
 * fresh ring buffer when the program names one. world_run_end() takes vm_exec()'s or
 * jit_exec()'s result: on a throw (or a failure) it releases what is held as the runtime's
 * rt_exec() does, then checks that everything was released exactly once: no reference or
 * lock left in the rt_run, every lock word free, every object freed (ASan has poisoned it), the
 * ring without an outstanding reservation and its records those the program submitted; after a
 * normal exit also every RCU / preemption / irq section ended. Returns 0, or -1 with the
 * reason in why. W.rb_records and W.rb_digest then describe what a consumer read. */
void world_run_begin(struct vm_exec *x);
int world_run_end(int err, char *why, size_t why_size);

/* Everything a run may change, and r0, for comparisons with memcmp(). */
struct snap {
	uint32_t ctx[CTX_SIZE / 4];
	uint8_t arr[sizeof(arr_store)], hash[sizeof(hash_store)], lock[sizeof(lock_store)];
	uint32_t keys[HASH_ENTRIES];
	bool used[HASH_ENTRIES];
	uint8_t pkt[256];
	uint64_t r0;
};

void take(struct snap *s, uint64_t r0);
void restore(const struct snap *s);

#endif
