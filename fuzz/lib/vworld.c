/* The fuzzers' BPF world and program generator (fuzz_verifier, fuzz_jit_diff): see
 * vworld.h. */
#include "vworld.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "vm/vm_priv.h"

/* ------------------------------------------------------------------------------------------
 * The world a run sees: context, packet, two maps. */

uint8_t arr_store[ARR_ENTRIES * STRIDE], hash_store[HASH_ENTRIES * STRIDE];
struct world W = {.maps = {{.kind = 0, .vals = arr_store}, {.kind = 1, .vals = hash_store}}};

uint64_t xs(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The context as the verifier sees it: an __sk_buff-like table of 4-byte scalar fields (narrow
 * aligned loads allowed), a few writable ones (mark, priority, tc_index, cb[]), and data /
 * data_end at 76 / 80, read whole as packet pointers. */
enum verifier_ctx_kind fctx_access(void *c, uint32_t off, uint32_t size, bool write)
{
	(void)c;
	if (size == 0 || size > 8 || off >= CTX_SIZE || off + size > CTX_SIZE)
		return VCTX_DENY;
	if (off == OFF_DATA || off == OFF_DATA_END)
		return size == 4 && !write ? (off == OFF_DATA ? VCTX_PKT_DATA : VCTX_PKT_END)
					   : VCTX_DENY;
	if (off + size > OFF_DATA && off < OFF_DATA + 8)
		return VCTX_DENY;
	if (size > 4 || off % size)
		return VCTX_DENY;
	uint32_t field = off & ~3u;
	if (write)
		return size == 4 && (field == 8 || field == 32 || field == 44 ||
				     (field >= 48 && field < 68))
			   ? VCTX_SCALAR
			   : VCTX_DENY;
	return VCTX_SCALAR;
}

/* The context region's hook: the same rules, applied to the access the program really makes. */
int ctx_hook(void *p, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct world *w = p;
	enum verifier_ctx_kind k = off > CTX_SIZE ? VCTX_DENY
				   : fctx_access(NULL, (uint32_t)off, size, write);

	if (k == VCTX_DENY)
		return vm_exec_why(w->x, -EACCES, "context access off=%llu size=%u %s is denied",
				   (unsigned long long)off, size, write ? "write" : "read");
	if (k == VCTX_PKT_DATA) {
		*val = (uintptr_t)w->pkt;
		return 0;
	}
	if (k == VCTX_PKT_END) {
		*val = (uintptr_t)w->pkt + w->pkt_len;
		return 0;
	}
	uint8_t *b = (uint8_t *)w->ctx + off;
	if (write) {
		memcpy(b, val, size);
	} else {
		*val = 0;
		memcpy(val, b, size);
	}
	return 0;
}

/* --- Helpers. Each clobbers r1-r5 with garbage afterwards (the verifier marks them
 * uninitialized), and checks the arguments a verified program must pass. */

#define U __attribute__((unused))
#define HELPER(name)                                                                            \
	static uint64_t name(U uint64_t r1, U uint64_t r2, U uint64_t r3, U uint64_t r4,          \
			     U uint64_t r5, struct exbpf_run *run)

static void clobber(struct exbpf_run *run)
{
	/* No callbacks run here, so the register file is the state's. A JIT run has no
	 * interpreter state: there r1-r5 hold what the helper left. */
	if (!run->st)
		return;
	for (int i = 1; i <= 5; i++)
		run->st->reg[i] = W.poison ^ ((uint64_t)i * 0x0101010101010101ull);
}

static uint64_t helper_bug(struct exbpf_run *run, const char *fmt, unsigned long long a)
{
	snprintf(W.bug, sizeof(W.bug), fmt, a);
	vm_run_fail(run, -EFAULT, "helper argument check: %s", W.bug);
	return 0;
}

static struct fmap *arg_map(struct exbpf_run *run, uint64_t r1)
{
	for (int i = 0; i < 2; i++)
		if (r1 == (uintptr_t)&W.maps[i])
			return &W.maps[i];
	helper_bug(run, "r1 = 0x%llx is not a map", (unsigned long long)r1);
	return NULL;
}

static uint32_t vsize(const struct fmap *m)
{
	return m->kind ? HASH_VSIZE : ARR_VSIZE;
}

static int hash_find(const struct fmap *m, uint32_t key)
{
	for (uint32_t i = 0; i < HASH_ENTRIES; i++)
		if (m->used[i] && m->keys[i] == key)
			return (int)i;
	return -1;
}

HELPER(h_lookup)
{
	struct fmap *m = arg_map(run, r1);
	uint8_t *v = NULL;
	uint32_t key;

	if (!m)
		return 0;
	if (!vm_run_access_ok(run, r2, 4, false))
		return helper_bug(run, "map_lookup_elem key r2 = 0x%llx is not readable memory",
				  (unsigned long long)r2);
	memcpy(&key, (void *)(uintptr_t)r2, 4);
	if (m->kind == 0) {
		if (key < ARR_ENTRIES)
			v = m->vals + key * STRIDE;
	} else {
		int i = hash_find(m, key);
		if (i >= 0)
			v = m->vals + (uint32_t)i * STRIDE;
	}
	clobber(run);
	if (v && vm_run_add_region(run, (uintptr_t)v, vsize(m), true))
		return helper_bug(run, "%llu: too many regions", 0);
	return (uintptr_t)v;
}

HELPER(h_update)
{
	struct fmap *m = arg_map(run, r1);
	uint32_t key;
	int64_t ret = 0;

	if (!m)
		return 0;
	if (!vm_run_access_ok(run, r2, 4, false))
		return helper_bug(run, "map_update_elem key r2 = 0x%llx is not readable memory",
				  (unsigned long long)r2);
	if (!vm_run_access_ok(run, r3, vsize(m), false))
		return helper_bug(run, "map_update_elem value r3 = 0x%llx is not readable memory",
				  (unsigned long long)r3);
	memcpy(&key, (void *)(uintptr_t)r2, 4);
	if (r4 > 2) {
		ret = -EINVAL;
	} else if (m->kind == 0) {
		if (key >= ARR_ENTRIES)
			ret = -E2BIG;
		else if (r4 == 1)
			ret = -EEXIST;
		else
			memmove(m->vals + key * STRIDE, (void *)(uintptr_t)r3, ARR_VSIZE);
	} else {
		int i = hash_find(m, key);
		if (i >= 0 && r4 == 1) {
			ret = -EEXIST;
		} else if (i < 0 && r4 == 2) {
			ret = -ENOENT;
		} else {
			for (uint32_t k = 0; i < 0 && k < HASH_ENTRIES; k++)
				if (!m->used[k])
					i = (int)k;
			if (i < 0) {
				ret = -E2BIG;
			} else {
				m->used[i] = true;
				m->keys[i] = key;
				memmove(m->vals + (uint32_t)i * STRIDE, (void *)(uintptr_t)r3,
					HASH_VSIZE);
			}
		}
	}
	clobber(run);
	return (uint64_t)ret;
}

HELPER(h_delete)
{
	struct fmap *m = arg_map(run, r1);
	uint32_t key;
	int64_t ret = -EINVAL;

	if (!m)
		return 0;
	if (!vm_run_access_ok(run, r2, 4, false))
		return helper_bug(run, "map_delete_elem key r2 = 0x%llx is not readable memory",
				  (unsigned long long)r2);
	memcpy(&key, (void *)(uintptr_t)r2, 4);
	if (m->kind == 1) {
		int i = hash_find(m, key);
		ret = -ENOENT;
		if (i >= 0) {
			m->used[i] = false;
			ret = 0; /* the value's memory stays (Linux: RCU) */
		}
	}
	clobber(run);
	return (uint64_t)ret;
}

HELPER(h_ktime)
{
	clobber(run);
	return W.ktime += 1000;
}

HELPER(h_prandom)
{
	clobber(run);
	return (uint32_t)xs(&W.rng);
}

/* Fills the calling frame's whole stack slice with garbage: a program calls it first, while
 * the verifier still knows nothing of the stack. */
HELPER(h_poison)
{
	if (!run->st) {
		/* A JIT run: its stack is zeroed at entry, and programs verified unprivileged
		 * never read what they did not write. */
		return 0;
	}
	uint8_t *top = (uint8_t *)run->st->stack + sizeof(run->st->stack) -
		       (size_t)run->depth * BPF_STACK_SIZE;
	uint64_t s = W.poison;

	for (size_t i = 0; i < BPF_STACK_SIZE; i += 8) {
		uint64_t v = xs(&s);
		memcpy(top - BPF_STACK_SIZE + i, &v, 8);
	}
	clobber(run);
	return 0;
}

static const struct vm_helper vm_helpers[] = {
    {.id = 1, .name = "bpf_map_lookup_elem", .fn = h_lookup},
    {.id = 2, .name = "bpf_map_update_elem", .fn = h_update},
    {.id = 3, .name = "bpf_map_delete_elem", .fn = h_delete},
    {.id = 5, .name = "bpf_ktime_get_ns", .fn = h_ktime},
    {.id = 7, .name = "bpf_get_prandom_u32", .fn = h_prandom},
    {.id = POISON_ID, .name = "fuzz_poison", .fn = h_poison},
};
const struct vm_helper_table vm_table = {vm_helpers,
						 sizeof(vm_helpers) / sizeof(vm_helpers[0])};

static const struct verifier_func poison_fn = {.name = "fuzz_poison",
					       .proto = {.ret = EXBPF_RET_INTEGER}};

const struct verifier_func *vhelper(void *c, int32_t id)
{
	(void)c;
	return id == POISON_ID ? &poison_fn : NULL;
}

/* The world's one kfunc, extern index 0: bpf_throw. */
HELPER(h_throw)
{
	vm_run_throw(run, r1);
	return 0;
}

static const struct vm_helper vm_kfunc_rows[] = {{.id = 0, .name = "bpf_throw", .fn = h_throw}};
const struct vm_helper_table vm_kfuncs = {vm_kfunc_rows, 1};

static const struct verifier_func throw_fn = {
    .name = "bpf_throw",
    .proto = {.ret = EXBPF_RET_VOID, .flags = EXBPF_FN_NO_RETURN, .args = {EXBPF_ARG_SCALAR}}};

static const struct verifier_func *vkfunc(void *c, int32_t idx)
{
	(void)c;
	return idx == 0 ? &throw_fn : NULL;
}

const struct verifier_map vmaps[2] = {
    {.name = "arr", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = ARR_VSIZE,
     .max_entries = ARR_ENTRIES, .spin_lock_off = -1, .timer_off = -1},
    {.name = "hash", .type = BPF_MAP_TYPE_HASH, .key_size = HASH_KSIZE, .value_size = HASH_VSIZE,
     .max_entries = HASH_ENTRIES, .spin_lock_off = -1, .timer_off = -1},
};

/* ------------------------------------------------------------------------------------------
 * The structured generator. */

static unsigned byte(struct gen *g)
{
	return g->pos < g->n ? g->d[g->pos++] : 0;
}

static bool room(const struct gen *g, size_t k)
{
	return g->cnt + k + 4 < MAX_INSNS;
}

static size_t emit(struct gen *g, uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
	if (g->cnt >= MAX_INSNS)
		return g->cnt - 1;
	g->ins[g->cnt] = (struct bpf_insn){.code = code, .dst_reg = (uint8_t)dst,
					   .src_reg = (uint8_t)src, .off = off, .imm = imm};
	return g->cnt++;
}

static void patch_to_here(struct gen *g, size_t at)
{
	g->ins[at].off = (int16_t)(g->cnt - at - 1);
}

static const int scalar_regs[] = {0, 1, 2, 3, 4, 5, 7, 8, 9};

static int pick_dst(struct gen *g)
{
	for (int t = 0; t < 9; t++) {
		int r = scalar_regs[(byte(g) + (unsigned)t) % 9];
		if (!((g->busy | g->live) >> r & 1))
			return r;
	}
	for (int r = 0; r < 10; r++)
		if (r != 6 && !((g->busy | g->live) >> r & 1))
			return r;
	return 0;
}

static const int32_t small_imms[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, -1, -8,
				     0x7fffffff, (int32_t)0x80000000, 100, 12};

static int32_t pick_imm(struct gen *g)
{
	unsigned b = byte(g);
	if (b < 200)
		return small_imms[b % 20];
	return (int32_t)(int8_t)byte(g);
}

/* A register holding a scalar (set one if none); rarely any register at all. */
static int pick_scalar(struct gen *g)
{
	unsigned b = byte(g);
	if (b == 255 && g->evil)
		return (int)(byte(g) % 10);
	for (int t = 0; t < 9; t++) {
		int r = scalar_regs[(b + (unsigned)t) % 9];
		if ((g->init >> r & 1) && !(g->busy >> r & 1))
			return r;
	}
	int r = pick_dst(g);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, pick_imm(g));
	g->init |= (uint16_t)(1u << r);
	return r;
}

static void set_init(struct gen *g, int r)
{
	g->init |= (uint16_t)(1u << r);
}

static void set_ptr(struct gen *g, int r)
{
	g->init &= (uint16_t)~(1u << r);
}

static void after_call(struct gen *g)
{
	g->init &= (uint16_t)~0x3e;
	set_init(g, 0);
}

static void gen_block(struct gen *g);

static void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH,
				      BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH,
				      BPF_ADD, BPF_AND, BPF_MOV};
	unsigned b = byte(g);
	uint8_t op = ops[b % 16];
	bool alu32 = (b >> 4) % 4 == 0;
	bool reg = (b >> 6) & 1;
	uint8_t cls = alu32 ? BPF_ALU : BPF_ALU64;
	int16_t off = 0;
	int32_t imm = pick_imm(g);
	int dst, src = 0;

	if ((b >> 7) && (byte(g) % 8) == 0) {
		/* byte swaps, sign extension, signed division */
		unsigned k = byte(g) % 4;
		dst = pick_scalar(g);
		if (k == 0) {
			static const int32_t w[] = {16, 32, 64};
			emit(g, BPF_ALU | BPF_END | ((byte(g) & 1) ? BPF_X : BPF_K), dst, 0, 0,
			     w[byte(g) % 3]);
		} else if (k == 1) {
			static const int16_t w[] = {8, 16, 32};
			src = pick_scalar(g);
			emit(g, cls | BPF_MOV | BPF_X, dst, src, w[byte(g) % (alu32 ? 2 : 3)], 0);
		} else {
			src = pick_scalar(g);
			emit(g, cls | (k == 2 ? BPF_DIV : BPF_MOD) | (reg ? BPF_X : BPF_K), dst,
			     reg ? src : 0, 1, reg ? 0 : (imm ? imm : 5));
		}
		set_init(g, dst);
		return;
	}
	if (reg)
		src = pick_scalar(g);
	if (op == BPF_MOV) {
		dst = pick_dst(g);
	} else {
		dst = pick_scalar(g);
	}
	if ((op == BPF_DIV || op == BPF_MOD) && !reg && imm == 0 && !g->evil)
		imm = 3;
	if (op == BPF_NEG) {
		reg = false;
		imm = 0;
	}
	if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && !reg && byte(g) < 240)
		imm &= alu32 ? 31 : 63;
	emit(g, cls | op | (reg ? BPF_X : BPF_K), dst, reg ? src : 0, off, reg ? 0 : imm);
	set_init(g, dst);
}

static const uint8_t sizes[] = {BPF_DW, BPF_W, BPF_H, BPF_B};
static const int size_bytes[] = {8, 4, 2, 1};

static void gen_stack_store(struct gen *g)
{
	unsigned b = byte(g);
	int k = (int)(b % 4), slot = (int)((b >> 2) % 8);
	int sub = size_bytes[k] == 8 ? 0 : (int)(byte(g) % (8 / size_bytes[k])) * size_bytes[k];
	int16_t off = (int16_t)(-8 * (slot + 1) + sub);

	if ((b >> 5) & 1)
		emit(g, BPF_ST | BPF_MEM | sizes[k], 10, 0, off, pick_imm(g));
	else
		emit(g, BPF_STX | BPF_MEM | sizes[k], 10, pick_scalar(g), off, 0);
	if (k == 0)
		g->stk |= (uint8_t)(1u << slot);
}

static void gen_stack_load(struct gen *g)
{
	unsigned b = byte(g);
	int k = (int)(b % 4), slot = -1;

	if (!g->stk || b >= 250) {
		gen_stack_store(g);
		if (!g->stk)
			return;
	}
	for (int t = 0; t < 8 && slot < 0; t++) {
		int s = (int)((byte(g) + (unsigned)t) % 8);
		if (g->stk >> s & 1)
			slot = s;
	}
	if (slot < 0)
		return;
	int sub = size_bytes[k] == 8 ? 0 : (int)(byte(g) % (8 / size_bytes[k])) * size_bytes[k];
	int dst = pick_dst(g);
	bool sx = k != 0 && byte(g) % 8 == 0;
	emit(g, BPF_LDX | (sx ? 0x80 : BPF_MEM) | sizes[k], dst, 10, (int16_t)(-8 * (slot + 1) + sub),
	     0);
	set_init(g, dst);
}

static void gen_ctx(struct gen *g)
{
	unsigned b = byte(g);
	if (b % 4 == 0) {
		static const int16_t wr[] = {8, 32, 44, 48, 52, 56, 60, 64};
		int16_t off = wr[(b >> 2) % 8];
		if (b & 0x80)
			emit(g, BPF_ST | BPF_MEM | BPF_W, 6, 0, off, pick_imm(g));
		else
			emit(g, BPF_STX | BPF_MEM | BPF_W, 6, pick_scalar(g), off, 0);
		return;
	}
	int k = (b >> 2) % 8 < 6 ? 1 : 2 + (int)(byte(g) % 2);
	int field = (int)(byte(g) % 22);
	int off = field < 19 ? field * 4 : 84 + (field - 19) * 4;
	if (off > 92)
		off = 92;
	if (size_bytes[k] < 4)
		off += (int)(byte(g) % (4 / size_bytes[k])) * size_bytes[k];
	int dst = pick_dst(g);
	emit(g, BPF_LDX | BPF_MEM | sizes[k], dst, 6, (int16_t)off, 0);
	set_init(g, dst);
}

static void gen_call(struct gen *g)
{
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, (byte(g) & 1) ? 7 : 5);
	after_call(g);
}

/* A forward conditional jump over a few blocks: what is set on both ways survives. */
static const uint8_t jops[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT,
			       BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};

static void gen_cond(struct gen *g)
{
	unsigned b = byte(g);
	uint8_t cls = (b & 1) ? BPF_JMP32 : BPF_JMP;
	bool reg = (b >> 1) & 1;
	int a = pick_scalar(g);
	int src = reg ? pick_scalar(g) : 0;
	size_t at = emit(g, cls | jops[(b >> 2) % 11] | (reg ? BPF_X : BPF_K), a, src, 0,
			 reg ? 0 : pick_imm(g));
	uint16_t init0 = g->init;
	uint8_t stk0 = g->stk;
	int n = 1 + (int)(byte(g) % 3);

	g->depth++;
	for (int i = 0; i < n && room(g, 40); i++)
		gen_block(g);
	g->depth--;
	patch_to_here(g, at);
	g->init &= init0;
	g->stk &= stk0;
}

/* An offset scalar in a fresh register, bounded by a mask or by branches (which jump to
 * `skips`, patched by the caller). Returns the register, or -1. */
static int bounded_scalar(struct gen *g, unsigned avoid, uint32_t bound, size_t *skips,
			  int *nskips)
{
	int r = -1;
	avoid |= g->busy | g->live | 1u | 1u << 6;
	for (int t = 0; t < 9 && r < 0; t++) {
		int c = scalar_regs[(byte(g) + (unsigned)t) % 9];
		if (!(avoid >> c & 1))
			r = c;
	}
	if (r < 0)
		return -1;
	unsigned b = byte(g);
	unsigned src = b % 4;
	if (src == 0)
		emit(g, BPF_LDX | BPF_MEM | BPF_W, r, 6, (int16_t)(4 * (byte(g) % 19)), 0);
	else if (src == 1 && g->stk)
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, r, 10,
		     (int16_t)(-8 * (1 + __builtin_ctz(g->stk))), 0);
	else
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, r, pick_scalar(g), 0, 0);
	uint32_t slack = g->evil && byte(g) % 8 == 0 ? 1 : 0; /* sometimes one too many */
	bool shift = byte(g) % 16 == 0 && bound >= 4;
	if (shift) /* r <<= 1 afterwards */
		bound = bound / 2;
	switch ((b >> 2) % 6) {
	case 0:
	case 1: {
		uint32_t m = 1;
		while (m * 2 <= bound)
			m *= 2;
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, r, 0, 0, (int32_t)(m - 1 + slack));
		break;
	}
	case 2: /* unsigned compare */
		skips[(*nskips)++] =
		    emit(g, BPF_JMP | BPF_JGT | BPF_K, r, 0, 0, (int32_t)(bound - 1 + slack));
		break;
	case 3: /* 32-bit compare: the upper half stays unknown unless zero-extended */
		if (!g->evil || (byte(g) & 1))
			emit(g, BPF_ALU | BPF_MOV | BPF_X, r, r, 0, 0);
		skips[(*nskips)++] =
		    emit(g, BPF_JMP32 | BPF_JGE | BPF_K, r, 0, 0, (int32_t)(bound + slack));
		break;
	case 4: /* signed compares on both sides */
		skips[(*nskips)++] =
		    emit(g, BPF_JMP | BPF_JSGT | BPF_K, r, 0, 0, (int32_t)(bound - 1 + slack));
		if (!g->evil || byte(g) % 8)
			skips[(*nskips)++] = emit(g, BPF_JMP | BPF_JSLT | BPF_K, r, 0, 0, 0);
		break;
	default: /* a register bound */
	{
		int c = pick_dst(g);
		if (c == r || (avoid >> c & 1))
			c = r == 9 ? 8 : 9;
		if (c == r || (avoid >> c & 1)) {
			emit(g, BPF_ALU64 | BPF_AND | BPF_K, r, 0, 0, 0);
			break;
		}
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, c, 0, 0, (int32_t)(bound + slack));
		set_init(g, c);
		skips[(*nskips)++] = emit(g, BPF_JMP | BPF_JGE | BPF_X, r, c, 0, 0);
		break;
	}
	}
	if (shift)
		emit(g, BPF_ALU64 | BPF_LSH | BPF_K, r, 0, 0, 1);
	return r;
}

/* One access through pointer register p at constant offset off (a load, a store, or an
 * atomic add). */
static void mem_access(struct gen *g, int p, int16_t off, int k, bool atomic_ok)
{
	unsigned b = byte(g);
	if (b % 3 == 0) {
		int dst = pick_dst(g);
		if (dst == p)
			dst = p == 9 ? 8 : 9;
		if (g->busy >> dst & 1)
			return;
		emit(g, BPF_LDX | BPF_MEM | sizes[k], dst, p, off, 0);
		set_init(g, dst);
	} else if (b % 3 == 1 || !atomic_ok || k > 1) {
		if (b & 0x80)
			emit(g, BPF_ST | BPF_MEM | sizes[k], p, 0, off, pick_imm(g));
		else
			emit(g, BPF_STX | BPF_MEM | sizes[k], p, pick_scalar(g), off, 0);
	} else {
		emit(g, BPF_STX | BPF_ATOMIC | sizes[k], p, pick_scalar(g), off, BPF_ADD);
	}
}

static void gen_map(struct gen *g)
{
	unsigned b = byte(g);
	int map = b & 1;
	uint32_t vs = map ? HASH_VSIZE : ARR_VSIZE;
	size_t skips[8];
	int nskips = 0;

	if ((b >> 1) & 1)
		emit(g, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (int32_t)(byte(g) % 6));
	else
		emit(g, BPF_STX | BPF_MEM | BPF_W, 10, pick_scalar(g), -4, 0);
	g->stk &= (uint8_t)~1u;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	emit(g, BPF_LD | BPF_IMM | BPF_DW, 1, ISA_PSEUDO_MAP_IDX, 0, map);
	emit(g, 0, 0, 0, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, 1);
	after_call(g);
	set_ptr(g, 0);
	if (g->evil && byte(g) < 4) /* no null check: must be rejected */
		skips[nskips++] = emit(g, BPF_JA | BPF_JMP, 0, 0, 0, 0);
	else if ((b >> 2) % 4 == 0)
		skips[nskips++] = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	else if ((b >> 2) % 4 == 1) {
		emit(g, BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0);
		skips[nskips++] = emit(g, BPF_JA | BPF_JMP, 0, 0, 0, 0);
	} else {
		skips[nskips++] = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	}
	uint16_t init0 = g->init;
	uint8_t stk0 = g->stk;
	int p = 0;
	if ((b >> 4) & 1) { /* work on a copy, keep r0 */
		p = (b >> 5) & 1 ? 7 : 8;
		if (g->busy >> p & 1)
			p = 0;
		else
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, p, 0, 0, 0);
	}
	set_ptr(g, p);
	uint16_t live0 = g->live;
	g->live |= (uint16_t)(1u << p);
	int n = 1 + (int)(byte(g) % 3);
	for (int i = 0; i < n && room(g, 20) && nskips < 6; i++) {
		unsigned c = byte(g);
		int k = (int)(c % 4);
		int sz = size_bytes[k];
		if (sz > (int)vs)
			k = 1, sz = 4;
		if ((c >> 2) % 3 == 0) {
			/* variable offset: p += bounded scalar, then a constant-offset access */
			/* a fresh copy each time: offsets must not pile up */
			int q = pick_dst(g);
			if (q == p || ((g->busy | g->live) >> q & 1))
				continue;
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, q, p, 0, 0);
			set_ptr(g, q);
			uint16_t live1 = g->live;
			g->live |= (uint16_t)(1u << q);
			int r = bounded_scalar(g, 1u << p | 1u << q, vs - (uint32_t)sz + 1, skips,
					       &nskips);
			if (r < 0) {
				g->live = live1;
				continue;
			}
			emit(g, BPF_ALU64 | BPF_ADD | BPF_X, q, r, 0, 0);
			set_init(g, r);
			mem_access(g, q, 0, k, false);
			g->live = live1;
			set_ptr(g, q);
			continue;
		}
		int off;
		unsigned o = byte(g);
		if (g->evil && o < 8)
			off = (int)vs - sz + 1 + (int)(o % 4); /* past the end */
		else if (g->evil && o < 12)
			off = -sz;
		else
			off = (int)((o % ((vs - (uint32_t)sz) / (uint32_t)sz + 1)) * (uint32_t)sz);
		mem_access(g, p, (int16_t)off, k, true);
		if (p != 0 && !(g->init >> 0 & 1) && byte(g) % 4 == 0) {
			/* spill the value pointer, fill it back */
			emit(g, BPF_STX | BPF_MEM | BPF_DW, 10, p, -16, 0);
			g->stk &= (uint8_t)~2u;
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, p, 10, -16, 0);
		}
	}
	if (byte(g) % 4 == 0 && room(g, 12)) {
		/* update with a value from the stack */
		int um = byte(g) & 1;
		uint32_t uvs = um ? HASH_VSIZE : ARR_VSIZE;
		emit(g, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (int32_t)(byte(g) % 6));
		for (uint32_t o = 0; o < uvs; o += 8)
			emit(g, BPF_ST | BPF_MEM | BPF_DW, 10, 0, (int16_t)(-40 + (int)o), pick_imm(g));
		g->stk |= 0x10 | (uvs > 8 ? 0x08 : 0);
		g->stk &= (uint8_t)~1u;
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -40);
		emit(g, BPF_LD | BPF_IMM | BPF_DW, 1, ISA_PSEUDO_MAP_IDX, 0, um);
		emit(g, 0, 0, 0, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, (int32_t)(byte(g) % 3));
		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, (byte(g) % 4) ? 2 : 3);
		after_call(g);
	}
	for (int i = 0; i < nskips; i++)
		patch_to_here(g, skips[i]);
	g->init &= init0;
	g->stk &= stk0;
	g->live = live0;
	set_ptr(g, 0);
	set_ptr(g, p);
}

static void gen_pkt(struct gen *g)
{
	unsigned b = byte(g);
	int rd = 2, re = 3, rt = 4;
	size_t skips[8];
	int nskips = 0;

	if ((b & 3) == 0 && !(((g->busy | g->live) >> 7 | (g->busy | g->live) >> 8 |
			       (g->busy | g->live) >> 9) & 1))
		rd = 7, re = 8, rt = 9;
	uint16_t live0 = g->live;
	g->live |= (uint16_t)(1u << rd | 1u << re | 1u << rt);
	int r = -1;
	if ((b >> 2) % 4 == 0) /* a variable start: data + a bounded scalar */
		r = bounded_scalar(g, 1u << rd | 1u << re | 1u << rt, 1 + byte(g) % 32, skips,
				   &nskips);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, rd, 6, OFF_DATA, 0);
	emit(g, BPF_LDX | BPF_MEM | BPF_W, re, 6, OFF_DATA_END, 0);
	set_ptr(g, rd);
	set_ptr(g, re);
	set_ptr(g, rt);
	uint32_t n = 1 + byte(g) % 40;
	if (r >= 0)
		emit(g, BPF_ALU64 | BPF_ADD | BPF_X, rd, r, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, rt, rd, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, rt, 0, 0, (int32_t)n);
	switch ((b >> 4) % 5) {
	case 0:
	case 1:
		skips[nskips++] = emit(g, BPF_JMP | BPF_JGT | BPF_X, rt, re, 0, 0);
		break;
	case 2:
		skips[nskips++] = emit(g, BPF_JMP | BPF_JLT | BPF_X, re, rt, 0, 0);
		break;
	case 3:
		emit(g, BPF_JMP | BPF_JLE | BPF_X, rt, re, 1, 0);
		skips[nskips++] = emit(g, BPF_JA | BPF_JMP, 0, 0, 0, 0);
		break;
	default:
		/* >= is one stricter than needed; sometimes the wrong way round (must fail) */
		if (!g->evil || byte(g) % 4)
			skips[nskips++] = emit(g, BPF_JMP | BPF_JGE | BPF_X, rt, re, 0, 0);
		else
			skips[nskips++] = emit(g, BPF_JMP | BPF_JLE | BPF_X, rt, re, 0, 0);
		break;
	}
	uint16_t init0 = g->init;
	uint8_t stk0 = g->stk;
	if (byte(g) % 8 == 0) {
		emit(g, BPF_STX | BPF_MEM | BPF_DW, 10, rd, -24, 0);
		g->stk &= (uint8_t)~4u;
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, rd, 10, -24, 0);
	}
	int cnt = 1 + (int)(byte(g) % 3);
	for (int i = 0; i < cnt && room(g, 8); i++) {
		int k = (int)(byte(g) % 4);
		int sz = size_bytes[k];
		int off;
		unsigned o = byte(g);
		if (g->evil && o < 10)
			off = (int)n - sz + 1; /* one past the checked range */
		else if (g->evil && o < 12)
			off = -1;
		else if ((uint32_t)sz > n)
			k = 3, sz = 1, off = (int)(o % n);
		else
			off = (int)(o % (n - (uint32_t)sz + 1));
		mem_access(g, rd, (int16_t)off, k, false);
		if (g->init & (1u << rd))
			break; /* the pointer was overwritten by a load */
	}
	for (int i = 0; i < nskips; i++)
		patch_to_here(g, skips[i]);
	g->init &= init0;
	g->stk &= stk0;
	g->live = live0;
	set_ptr(g, rd);
	set_ptr(g, re);
	set_ptr(g, rt);
}

/* A bounded loop: a counter in r7-r9 that the body leaves alone, a back-edge on it. */
static void gen_loop(struct gen *g)
{
	int c = -1;
	unsigned b = byte(g);
	for (int t = 0; t < 3 && c < 0; t++) {
		int r = 7 + (int)((b + (unsigned)t) % 3);
		if (!(g->busy >> r & 1))
			c = r;
	}
	if (c < 0 || g->depth > 1 || g->unpriv) {
		gen_alu(g);
		return;
	}
	int32_t lim = 1 + (int32_t)(byte(g) % 10);
	int kind = (int)((b >> 2) % 4);
	if (kind == 0)
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, c, 0, 0, 0);
	else if (kind == 1)
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, c, 0, 0, lim);
	else {
		/* an unknown start, masked */
		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, 7);
		after_call(g);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, c, 0, 0, 0);
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, c, 0, 0, 7);
	}
	set_init(g, c);
	g->busy |= (uint16_t)(1u << c);
	size_t head = g->cnt;
	uint16_t init0 = g->init;
	uint8_t stk0 = g->stk;
	int n = 1 + (int)(byte(g) % 2);
	g->depth++;
	g->in_loop++;
	for (int i = 0; i < n && room(g, 40); i++)
		gen_block(g);
	g->in_loop--;
	g->depth--;
	g->init &= init0;
	g->stk &= stk0;
	if (kind == 1) {
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, c, 0, 0, -1);
		size_t j = emit(g, BPF_JMP | ((b >> 5) & 1 ? BPF_JNE : BPF_JSGT) | BPF_K, c, 0, 0, 0);
		g->ins[j].off = (int16_t)((long)head - (long)j - 1);
	} else {
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, c, 0, 0, 1 + (int32_t)(byte(g) % 2));
		uint8_t op = (b >> 5) & 1 ? BPF_JLT : BPF_JSLT;
		size_t j = emit(g, ((b >> 6) & 1 ? BPF_JMP32 : BPF_JMP) | op | BPF_K, c, 0, 0,
				kind == 0 ? lim : lim + 8);
		g->ins[j].off = (int16_t)((long)head - (long)j - 1);
	}
	g->busy &= (uint16_t) ~(1u << c);
}

/* An assertion: unless a scalar passes a compare, throw it (the cookie is the program's
 * return value: its low bit, as the program's own exits return). Linux allows kfuncs only
 * with CAP_BPF. */
static void gen_throw(struct gen *g)
{
	int r = pick_scalar(g);

	if (g->unpriv)
		return;
	emit(g, BPF_JMP | jops[byte(g) % 10] | BPF_K, r, 0, 2, pick_imm(g));
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, (int32_t)(byte(g) & 1));
	emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, 0);
	g->init &= (uint16_t)~0x2; /* r1 was the cookie on the path that threw only */
}

/* A call of the subprogram generate() appends (it masks its argument, and throws when it is
 * 0x7f: a throw from depth 1). Linux allows calls only with CAP_BPF. */
static void gen_local_call(struct gen *g)
{
	int r = pick_scalar(g);

	if (g->unpriv || g->ncalls == sizeof(g->calls) / sizeof(g->calls[0]))
		return;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, r, 0, 0);
	g->calls[g->ncalls++] = emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_CALL, 0, 0);
	after_call(g);
}

static void gen_block(struct gen *g)
{
	unsigned b = byte(g);
	unsigned k = b % 16;

	if (!room(g, 40))
		return;
	if (k >= 7 && k <= 13 && (g->branchy >= 12 || g->in_loop || g->depth > 3))
		k %= 7;
	if (k >= 7 && k <= 13)
		g->branchy++;
	switch (k) {
	case 0: case 1: case 2: gen_alu(g); break;
	case 3: gen_stack_store(g); break;
	case 4: gen_stack_load(g); break;
	case 5: gen_ctx(g); break;
	case 6: gen_call(g); break;
	case 7: case 8: gen_map(g); break;
	case 9: case 10: gen_pkt(g); break;
	case 11: case 12: gen_cond(g); break;
	case 13: gen_loop(g); break;
	case 14: /* spill the context pointer and use the fill */
	{
		int r = pick_dst(g);
		emit(g, BPF_STX | BPF_MEM | BPF_DW, 10, 6, -32, 0);
		g->stk &= (uint8_t)~8u;
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, r, 10, -32, 0);
		emit(g, BPF_LDX | BPF_MEM | BPF_W, r, r, (int16_t)(4 * (byte(g) % 19)), 0);
		set_init(g, r);
		break;
	}
	case 15:
		if (byte(g) & 1)
			gen_throw(g);
		else
			gen_local_call(g);
		break;
	default: gen_alu(g); break;
	}
}

size_t generate(struct gen *g)
{
	g->cnt = 0;
	g->init = 0;
	g->busy = 0;
	g->live = 0;
	g->stk = 0;
	g->depth = 0;
	g->branchy = 0;
	g->in_loop = 0;
	g->evil = byte(g) % 4 == 0;
	g->ncalls = 0;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	if (byte(g) != 0x5a) {
		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, POISON_ID);
		after_call(g);
	}
	while (g->pos < g->n && room(g, 40))
		gen_block(g);
	if (byte(g) % 4 && (g->init & 1))
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 1);
	else
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (g->ncalls && g->cnt + 6 <= MAX_INSNS) {
		size_t sub = g->cnt;

		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0);
		emit(g, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0xff);
		emit(g, BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0x7f);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1);
		emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, 0);
		emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		for (size_t i = 0; i < g->ncalls; i++)
			g->ins[g->calls[i]].imm = (int32_t)((int64_t)sub - (int64_t)g->calls[i] - 1);
	} else if (g->ncalls) {
		/* no room for the subprogram: the calls become no-ops */
		for (size_t i = 0; i < g->ncalls; i++)
			g->ins[g->calls[i]] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K};
	}
	return g->cnt;
}

uint64_t fnv(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return h;
}

void fill_input(struct verifier_input *in, const struct bpf_insn *insns, size_t cnt,
		       bool unpriv)
{
	memset(in, 0, sizeof(*in));
	in->insns = insns;
	in->cnt = cnt;
	/* Without CAP_BPF Linux loads only socket filters (and cgroup skb programs). */
	in->prog_type = unpriv ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_SCHED_CLS;
	in->prog_name = "fuzz";
	in->ctx_size = CTX_SIZE;
	in->ctx_access = fctx_access;
	in->ret_min = 1;
	in->ret_max = 0;
	in->maps = vmaps;
	in->nmaps = 2;
	in->helper = vhelper;
	in->kfunc = vkfunc;
	in->unpriv = unpriv;
}

void take(struct snap *s, uint64_t r0)
{
	memset(s, 0, sizeof(*s)); /* padding too: snapshots are compared with memcmp() */
	memcpy(s->ctx, W.ctx, sizeof(s->ctx));
	memcpy(s->arr, arr_store, sizeof(arr_store));
	memcpy(s->hash, hash_store, sizeof(hash_store));
	memcpy(s->keys, W.maps[1].keys, sizeof(s->keys));
	memcpy(s->used, W.maps[1].used, sizeof(s->used));
	memcpy(s->pkt, W.pkt, W.pkt_len);
	s->r0 = r0;
}

void restore(const struct snap *s)
{
	memcpy(W.ctx, s->ctx, sizeof(s->ctx));
	memcpy(arr_store, s->arr, sizeof(arr_store));
	memcpy(hash_store, s->hash, sizeof(hash_store));
	memcpy(W.maps[1].keys, s->keys, sizeof(s->keys));
	memcpy(W.maps[1].used, s->used, sizeof(s->used));
	memcpy(W.pkt, s->pkt, W.pkt_len);
}


int world_resolve_maps(struct bpf_insn *vi, size_t cnt, char *why, size_t why_size)
{
	for (size_t i = 0; i + 1 < cnt; i++) {
		if (vi[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (vi[i].src_reg == ISA_PSEUDO_MAP_IDX || vi[i].src_reg == ISA_PSEUDO_MAP_IDX_VALUE) {
			uint32_t idx = (uint32_t)vi[i].imm;
			uint64_t v;

			if (idx >= 2) {
				snprintf(why, why_size, "insn %zu: lddw of map index %u (2 maps)", i, idx);
				return -EINVAL;
			}
			if (vi[i].src_reg == ISA_PSEUDO_MAP_IDX)
				v = (uintptr_t)&W.maps[idx];
			else
				v = (uintptr_t)W.maps[idx].vals + (uint32_t)vi[i + 1].imm;
			vi[i].src_reg = 0;
			vi[i].imm = (int32_t)(uint32_t)v;
			vi[i + 1].imm = (int32_t)(uint32_t)(v >> 32);
		}
		i++;
	}
	return 0;
}

void world_rewrite_ctx(struct bpf_insn *vi, size_t cnt, const uint8_t *insn_mem)
{
	for (size_t i = 0; i < cnt; i++) {
		if (insn_mem[i] != VERIFIER_MEM_CTX || BPF_CLASS(vi[i].code) != BPF_LDX)
			continue;
		if (vi[i].off == OFF_DATA || vi[i].off == OFF_DATA_END) {
			vi[i].code = BPF_LDX | BPF_MEM | BPF_DW;
			vi[i].off = vi[i].off == OFF_DATA ? offsetof(struct world, pkt)
							  : offsetof(struct world, pkt_end);
		}
	}
}

uint8_t *world_fill(uint64_t *s)
{
	static const size_t lens[] = {0, 1, 13, 14, 20, 34, 40, 54, 64, 100, 255};
	size_t len = (xs(s) % 4 == 0) ? xs(s) % 256 : lens[xs(s) % 11];
	/* exactly len bytes at the end of a page-free buffer: ASan sees an overrun too */
	uint8_t *pkt = malloc(len ? len : 1);

	if (!pkt)
		return NULL;
	W.pkt = pkt;
	W.pkt_end = pkt + len;
	W.pkt_len = len;
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)xs(s);
	if (len >= 14 && xs(s) % 2) {
		pkt[12] = 0x08, pkt[13] = 0; /* IPv4 */
	}
	for (size_t i = 0; i < CTX_SIZE / 4; i++)
		W.ctx[i] = xs(s) % 3 ? (uint32_t)(xs(s) % 64) : (uint32_t)xs(s);
	W.ctx[0] = (uint32_t)len;
	for (size_t i = 0; i < sizeof(arr_store); i++)
		arr_store[i] = xs(s) % 2 ? 0 : (uint8_t)xs(s);
	for (size_t i = 0; i < sizeof(hash_store); i++)
		hash_store[i] = (uint8_t)xs(s);
	for (uint32_t i = 0; i < HASH_ENTRIES; i++) {
		W.maps[1].used[i] = xs(s) % 2;
		W.maps[1].keys[i] = (uint32_t)(xs(s) % 6);
	}
	return pkt;
}

void world_free_packet(void)
{
	free(W.pkt);
	W.pkt = W.pkt_end = NULL;
	W.pkt_len = 0;
}

size_t world_program(const uint8_t *data, size_t size, bool unpriv, struct gen *g,
		     struct bpf_insn raw[MAX_INSNS], const struct bpf_insn **insns)
{
	size_t cnt;

	if (size < 2)
		return 0;
	if ((data[0] & 7) != 7) {
		g->d = data + 1;
		g->n = size - 1;
		g->pos = 0;
		g->unpriv = unpriv;
		*insns = g->ins;
		return generate(g);
	}
	cnt = (size - 1) / sizeof(struct bpf_insn);
	if (cnt > MAX_INSNS)
		cnt = MAX_INSNS;
	memcpy(raw, data + 1, cnt * sizeof(*raw));
	if (cnt && (data[0] & 0x80))
		raw[cnt - 1] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	*insns = raw;
	return cnt;
}
