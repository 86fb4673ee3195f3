/* The fuzzers' BPF world and program generator (fuzz_verifier, fuzz_jit_diff): see
 * vworld.h. */
#include "vworld.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define WORLD_ASAN 1
#endif
#endif

#include "isa/isa.h"
/* A stand-in object (its BTF only) for the runtime's bpf_obj_new, which reads the program's
 * types through its instance: the fuzzers have programs, not ELF objects. */
#include "loader/loader.h"
#include "runtime/helpers.h"
#include "runtime/runtime.h"
#include "vm/vm_priv.h"

/* ------------------------------------------------------------------------------------------
 * The world a run sees: context, packet, four maps. */

uint8_t arr_store[ARR_ENTRIES * STRIDE], hash_store[HASH_ENTRIES * STRIDE],
    lock_store[LOCK_ENTRIES * STRIDE];
struct world W = {.maps = {{.kind = 0, .vals = arr_store},
			   {.kind = 1, .vals = hash_store},
			   {.kind = 2, .vals = lock_store},
			   {.kind = 3}}};

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
	for (int i = 0; i < MAP_RB; i++)
		if (r1 == (uintptr_t)&W.maps[i])
			return &W.maps[i];
	helper_bug(run, "r1 = 0x%llx is not a map with values", (unsigned long long)r1);
	return NULL;
}

static uint32_t vsize(const struct fmap *m)
{
	return m->kind == 1 ? HASH_VSIZE : m->kind == 2 ? LOCK_VSIZE : ARR_VSIZE;
}

static uint32_t entries(const struct fmap *m)
{
	return m->kind == 2 ? LOCK_ENTRIES : ARR_ENTRIES;
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
	if (m->kind != 1) {
		if (key < entries(m))
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
	} else if (m->kind != 1) {
		/* a value's lock word is never copied (Linux's copy_map_value) */
		uint32_t skip = m->kind == 2 ? 4 : 0;

		if (key >= entries(m))
			ret = -E2BIG;
		else if (r4 == 1)
			ret = -EEXIST;
		else
			memmove(m->vals + key * STRIDE + skip, (void *)(uintptr_t)(r3 + skip),
				vsize(m) - skip);
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

/* --- Resources: the runtime's own helpers and kfuncs, wrapped only to clobber r1-r5 as the
 * world's helpers do, to stand the current ring buffer in for the map reference, and to count
 * what the program asked for (submits, sections, objects) for world_run_end(). */

/* The ring buffer's map reference is &W.maps[MAP_RB], resolved once per program; each run has
 * a ring of its own behind it. */
static uint64_t rb_arg(uint64_t r1)
{
	return r1 == (uintptr_t)&W.maps[MAP_RB] && W.rb ? (uintptr_t)W.rb : r1;
}

HELPER(h_rb_reserve)
{
	uint64_t v = rt_ringbuf_reserve(rb_arg(r1), r2, r3, r4, r5, run);

	clobber(run);
	return v;
}

HELPER(h_rb_submit)
{
	rt_ringbuf_submit(r1, r2, r3, r4, r5, run);
	W.submitted += !run->err;
	clobber(run);
	return 0;
}

HELPER(h_rb_discard)
{
	rt_ringbuf_discard(r1, r2, r3, r4, r5, run);
	clobber(run);
	return 0;
}

HELPER(h_spin_lock)
{
	rt_spin_lock(r1, r2, r3, r4, r5, run);
	clobber(run);
	return 0;
}

HELPER(h_spin_unlock)
{
	rt_spin_unlock(r1, r2, r3, r4, r5, run);
	clobber(run);
	return 0;
}

/* bpf_loop: the callback runs as a frame of the run on the same engine, and may throw. No
 * clobber: the register file is the callback's until the run resumes here. */
HELPER(h_loop)
{
	return rt_loop(r1, r2, r3, r4, r5, run);
}

static struct vm_helper vm_helpers[] = {
    {.id = 1, .name = "bpf_map_lookup_elem", .fn = h_lookup},
    {.id = 2, .name = "bpf_map_update_elem", .fn = h_update},
    {.id = 3, .name = "bpf_map_delete_elem", .fn = h_delete},
    {.id = 5, .name = "bpf_ktime_get_ns", .fn = h_ktime},
    {.id = 7, .name = "bpf_get_prandom_u32", .fn = h_prandom},
    {.id = BPF_FUNC_spin_lock, .name = "bpf_spin_lock", .fn = h_spin_lock},
    {.id = BPF_FUNC_spin_unlock, .name = "bpf_spin_unlock", .fn = h_spin_unlock},
    {.id = BPF_FUNC_ringbuf_reserve, .name = "bpf_ringbuf_reserve", .fn = h_rb_reserve},
    {.id = BPF_FUNC_ringbuf_submit, .name = "bpf_ringbuf_submit", .fn = h_rb_submit},
    {.id = BPF_FUNC_ringbuf_discard, .name = "bpf_ringbuf_discard", .fn = h_rb_discard},
    {.id = BPF_FUNC_loop, .name = "bpf_loop", .fn = h_loop},
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

/* The kfuncs: the runtime registry's functions and prototypes (world_init() finds them by
 * name in a fresh environment). */
static const char *const kfunc_names[NKFUNCS] = {
    [K_THROW] = "bpf_throw",
    [K_OBJ_NEW] = "bpf_obj_new_impl",
    [K_OBJ_DROP] = "bpf_obj_drop_impl",
    [K_RCU_LOCK] = "bpf_rcu_read_lock",
    [K_RCU_UNLOCK] = "bpf_rcu_read_unlock",
    [K_PREEMPT_OFF] = "bpf_preempt_disable",
    [K_PREEMPT_ON] = "bpf_preempt_enable",
    [K_IRQ_SAVE] = "bpf_local_irq_save",
    [K_IRQ_RESTORE] = "bpf_local_irq_restore",
};
static exbpf_helper_fn kfunc_impl[NKFUNCS];
static struct verifier_func kfunc_protos[NKFUNCS];

#define KFUNC(k, name, count)                                                                   \
	HELPER(name)                                                                             \
	{                                                                                        \
		uint64_t v = kfunc_impl[k](r1, r2, r3, r4, r5, run);                             \
                                                                                                 \
		count;                                                                           \
		if ((k) != K_THROW)                                                              \
			clobber(run);                                                            \
		return v;                                                                        \
	}

static void note_obj(uint64_t p)
{
	if (!p)
		return;
	if (W.nobjs < MAX_OBJS)
		W.objs[W.nobjs++] = (void *)(uintptr_t)p;
	else
		W.objs_lost++;
}

KFUNC(K_THROW, k_throw, (void)0)
KFUNC(K_OBJ_NEW, k_obj_new, note_obj(v))
KFUNC(K_OBJ_DROP, k_obj_drop, (void)0)
KFUNC(K_RCU_LOCK, k_rcu_lock, W.rcu++)
KFUNC(K_RCU_UNLOCK, k_rcu_unlock, W.rcu--)
KFUNC(K_PREEMPT_OFF, k_preempt_off, W.preempt++)
KFUNC(K_PREEMPT_ON, k_preempt_on, W.preempt--)
KFUNC(K_IRQ_SAVE, k_irq_save, W.irq++)
KFUNC(K_IRQ_RESTORE, k_irq_restore, W.irq--)

static struct vm_helper vm_kfunc_rows[NKFUNCS] = {
    {.id = K_THROW, .fn = k_throw},
    {.id = K_OBJ_NEW, .fn = k_obj_new},
    {.id = K_OBJ_DROP, .fn = k_obj_drop},
    {.id = K_RCU_LOCK, .fn = k_rcu_lock},
    {.id = K_RCU_UNLOCK, .fn = k_rcu_unlock},
    {.id = K_PREEMPT_OFF, .fn = k_preempt_off},
    {.id = K_PREEMPT_ON, .fn = k_preempt_on},
    {.id = K_IRQ_SAVE, .fn = k_irq_save},
    {.id = K_IRQ_RESTORE, .fn = k_irq_restore},
};
const struct vm_helper_table vm_kfuncs = {vm_kfunc_rows, NKFUNCS};

static const struct verifier_func *vkfunc(void *c, int32_t idx)
{
	(void)c;
	return idx >= 0 && idx < NKFUNCS ? &kfunc_protos[idx] : NULL;
}

const struct verifier_map vmaps[NMAPS] = {
    {.name = "arr", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = ARR_VSIZE,
     .max_entries = ARR_ENTRIES, .spin_lock_off = -1, .timer_off = -1},
    {.name = "hash", .type = BPF_MAP_TYPE_HASH, .key_size = HASH_KSIZE, .value_size = HASH_VSIZE,
     .max_entries = HASH_ENTRIES, .spin_lock_off = -1, .timer_off = -1},
    {.name = "locks", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = LOCK_VSIZE,
     .max_entries = LOCK_ENTRIES, .spin_lock_off = 0, .timer_off = -1},
    {.name = "rb", .type = BPF_MAP_TYPE_RINGBUF, .max_entries = RB_SIZE, .spin_lock_off = -1,
     .timer_off = -1},
};

/* struct node { u64 a, b; } as BTF: [1] INT u64, [2] STRUCT node. */
static const uint8_t world_btf_blob[] = {
    0x9f, 0xeb, 1, 0, 24, 0, 0, 0, /* magic, version, flags, hdr_len */
    0, 0, 0, 0, 52, 0, 0, 0,	   /* type_off, type_len */
    52, 0, 0, 0, 14, 0, 0, 0,	   /* str_off, str_len */
    /* [1] u64: name 1, INT, size 8, 64 bits */
    1, 0, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 64, 0, 0, 0,
    /* [2] node: name 5, STRUCT with 2 members, size 16; a (name 10) at 0, b (name 12) at 64 */
    5, 0, 0, 0, 2, 0, 0, 4, 16, 0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 1,
    0, 0, 0, 64, 0, 0, 0,
    /* strings */
    0, 'u', '6', '4', 0, 'n', 'o', 'd', 'e', 0, 'a', 0, 'b', 0};

/* The run's rt_run reaches the program's instance (maps, for checked runs' map arguments) and
 * object (BTF, for bpf_obj_new) through a stand-in program. */
static struct exbpf_object fobj;
static struct exbpf_map *finst_maps[NMAPS];
static struct exbpf_instance finst = {.obj = &fobj, .maps = finst_maps, .nmaps = NMAPS};
static struct exbpf_program fprog = {.inst = &finst, .name = "fuzz"};
static struct rt_run rrun;

const struct exbpf_btf *world_btf(void)
{
	return fobj.btf;
}

/* Once: the BTF, and the registry's kfuncs and never_stops flags, from a fresh environment. */
static void world_init(void)
{
	static bool done;
	static struct exbpf_env *env; /* kept: its names are the kfuncs' */

	if (done)
		return;
	done = true;
	if (exbpf_btf__parse(world_btf_blob, sizeof(world_btf_blob), &fobj.btf, NULL, 0))
		abort();
	env = exbpf_env__new(NULL);
	if (!env)
		abort();
	for (int k = 0; k < NKFUNCS; k++) {
		size_t i = 0;

		while (i < env->nkfuncs && strcmp(env->kfuncs[i].name, kfunc_names[k]))
			i++;
		if (i == env->nkfuncs)
			abort(); /* the registry lost a kfunc the world relies on */
		kfunc_impl[k] = env->kfuncs[i].fn;
		kfunc_protos[k] = (struct verifier_func){.name = kfunc_names[k],
							 .proto = env->kfuncs[i].proto};
		vm_kfunc_rows[k].name = kfunc_names[k];
		vm_kfunc_rows[k].never_stops = env->kfuncs[i].proto.flags & EXBPF_FN_NEVER_STOPS;
	}
	/* The JIT compiles the calls the runtime marks never_stops into plain calls: so here. */
	for (size_t h = 0; h < sizeof(vm_helpers) / sizeof(vm_helpers[0]); h++)
		for (size_t i = 0; i < env->nhelpers; i++)
			if (env->helpers[i].id == vm_helpers[h].id && vm_helpers[h].id >= 93)
				vm_helpers[h].never_stops =
				    env->helpers[i].proto.flags & EXBPF_FN_NEVER_STOPS;
}

void world_run_begin(struct vm_exec *x)
{
	rt_run_init(&rrun, &fprog, NULL, NULL, NULL);
	x->user = &rrun;
	W.submitted = 0;
	W.rcu = W.preempt = W.irq = 0;
	W.nobjs = 0;
	W.objs_lost = 0;
	W.held_at_throw = 0;
	W.rb_records = 0;
	W.rb_digest = 0;
	W.rb = NULL;
	if (W.uses_rb) {
		struct exbpf_map_attr a = {.sz = sizeof(a), .name = "rb",
					   .type = BPF_MAP_TYPE_RINGBUF, .max_entries = RB_SIZE};

		if (exbpf_map__create(&a, &W.rb, NULL, 0))
			W.rb = NULL; /* out of memory: reservations fail, as with a full ring */
	}
	finst_maps[MAP_RB] = W.rb;
}

static int drain(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	W.rb_records++;
	W.rb_digest = (W.rb_digest ^ fnv(data, size) ^ size) * 0x100000001b3ull;
	return 0;
}

int world_run_end(int err, char *why, size_t why_size)
{
	size_t held = rrun.nheld;
	int bad = 0;

#define BAD(...) (bad = bad ? bad : (snprintf(why, why_size, __VA_ARGS__), -1))
	why[0] = '\0';
	/* What rt_exec() does with a throw (and with a failure): release, innermost first. */
	if (err) {
		W.held_at_throw = err == VM_THROWN ? (uint32_t)held : 0;
		rt_release_held(&rrun);
	} else if (held) {
		BAD("the program returned holding %zu resource(s)", held);
		rt_release_held(&rrun);
	}
	if (rrun.nheld)
		BAD("%zu resource(s) still held after the release", rrun.nheld);
	for (uint32_t i = 0; i < LOCK_ENTRIES; i++) {
		uint32_t word;

		memcpy(&word, lock_store + i * STRIDE, 4);
		if (word) {
			BAD("the spin lock of value %u is still taken (0x%x)", i, word);
			memset(lock_store + i * STRIDE, 0, 4);
		}
	}
#ifdef WORLD_ASAN
	for (size_t i = 0; i < W.nobjs; i++)
		if (!__asan_address_is_poisoned(W.objs[i]))
			BAD("object %p from bpf_obj_new is still allocated", W.objs[i]);
#endif
	if (!err && (W.rcu || W.preempt || W.irq))
		BAD("the program returned inside a section (rcu %d, preempt %d, irq %d)", W.rcu,
		    W.preempt, W.irq);
	if (W.rcu < 0 || W.preempt < 0 || W.irq < 0)
		BAD("a section ended more often than it began (rcu %d, preempt %d, irq %d)", W.rcu,
		    W.preempt, W.irq);
	if (W.rb) {
		if (exbpf_ringbuf__consume(W.rb, drain, NULL) < 0)
			BAD("consuming the ring buffer failed");
		else if (ringbuf_query(W.rb, BPF_RB_AVAIL_DATA))
			BAD("the ring buffer keeps %llu bytes behind an outstanding reservation",
			    (unsigned long long)ringbuf_query(W.rb, BPF_RB_AVAIL_DATA));
		/* what a throw held is discarded, never submitted */
		if ((!err || err == VM_THROWN) && W.rb_records != W.submitted)
			BAD("the consumer read %u records, the program submitted %u", W.rb_records,
			    W.submitted);
		exbpf_map__put(W.rb);
		W.rb = NULL;
		finst_maps[MAP_RB] = NULL;
	}
#undef BAD
	return bad;
}

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
	if (b == 255 && g->evil && !g->no_leaks)
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
static void gen_resource(struct gen *g);

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

/* A call of a subprogram generate() appends: 0 masks its argument and throws when it is 0x7f
 * (a throw from depth 1); 1 takes a resource of its own (sub_kind) and throws holding it when
 * the argument's low two bits are 0, else gives it back. Under a spin lock only 0 (1 calls
 * helpers). Linux allows calls only with CAP_BPF. */
static void gen_local_call(struct gen *g)
{
	int r = pick_scalar(g);
	int sub = !g->locked && byte(g) % 2;

	if (g->unpriv || g->ncalls == sizeof(g->calls) / sizeof(g->calls[0]))
		return;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, r, 0, 0);
	g->call_sub[g->ncalls] = (uint8_t)sub;
	g->calls[g->ncalls++] = emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_CALL, 0, 0);
	after_call(g);
}

/* bpf_loop(1 + (scalar & 3), callback, 0, 0): the callback (subprogram 2, appended) throws 4
 * at index 2, through the helper's C frame: a throw from a synchronous callback, which
 * exbpf's default mode allows. */
static void gen_bpf_loop(struct gen *g)
{
	int r = pick_scalar(g);

	/* Not inside a loop: each iteration would walk the callback again, and a few such
	 * nests reach the verifier's 1M-instruction limit (seconds under ASan). */
	if (g->unpriv || g->locked || g->in_loop ||
	    g->ncalls == sizeof(g->calls) / sizeof(g->calls[0]))
		return;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, r, 0, 0);
	emit(g, BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 3);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1);
	g->call_sub[g->ncalls] = 2;
	g->calls[g->ncalls++] = emit(g, BPF_LD | BPF_IMM | BPF_DW, 2, ISA_PSEUDO_FUNC, 0, 0);
	emit(g, 0, 0, 0, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop);
	after_call(g);
}

static void kfunc_call(struct gen *g, int k)
{
	emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, k);
	after_call(g);
}

static void ld_map(struct gen *g, int reg, int map)
{
	emit(g, BPF_LD | BPF_IMM | BPF_DW, reg, ISA_PSEUDO_MAP_IDX, 0, map);
	emit(g, 0, 0, 0, 0, 0);
}

/* Where a held pointer lives while the region runs: a callee-saved register the rest of the
 * program leaves alone (marked busy), or, when none is free or the input says so, a stack slot
 * below IRQ_SLOT (a spilled reference). Returns the register, or -1 with *slot set. */
static int hold_in(struct gen *g, int16_t *slot)
{
	unsigned b = byte(g);

	*slot = (int16_t)(IRQ_SLOT - 8 * (1 + g->held));
	if (b % 4 || g->held >= 6)
		for (int t = 0; t < 3; t++) {
			int r = 7 + (int)((b + (unsigned)t) % 3);

			if (!((g->busy | g->live) >> r & 1)) {
				g->busy |= (uint16_t)(1u << r);
				return r;
			}
		}
	return g->held < 6 ? -1 : -2;
}

static void hold_ptr(struct gen *g, int r, int16_t slot)
{
	/* a pointer now, and after the release a freed one's address: never a scalar to use */
	if (r >= 0) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0);
		set_ptr(g, r);
	} else {
		emit(g, BPF_STX | BPF_MEM | BPF_DW, 10, 0, slot, 0);
	}
	g->held++;
}

/* The held pointer into r1 (for the release), and the register free again. */
static void unhold_ptr(struct gen *g, int r, int16_t slot)
{
	if (r >= 0) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, r, 0, 0);
		g->busy &= (uint16_t)~(1u << r);
	} else {
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, 1, 10, slot, 0);
	}
	g->held--;
}

/* An access to a held object or sample of `size` bytes: a store of a scalar, a load, or a
 * mistake the verifier must catch. */
static void held_access(struct gen *g, int r, int16_t slot, uint32_t first, uint32_t size)
{
	unsigned b = byte(g);
	int p = r;
	uint16_t live0 = g->live;
	int16_t off = (int16_t)(first + 8 * (b % ((size - first) / 8)));

	if (r < 0) {
		p = pick_dst(g);
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, p, 10, slot, 0);
		set_ptr(g, p);
	}
	if (g->evil && b >= 248)
		off = (int16_t)size; /* one past the end */
	g->live |= (uint16_t)(1u << p);
	if ((b >> 3) & 1) {
		int d = pick_dst(g);

		if (d != p) {
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, d, p, off, 0);
			set_init(g, d);
		}
	} else {
		emit(g, BPF_STX | BPF_MEM | BPF_DW, p, pick_scalar(g), off, 0);
	}
	g->live = live0;
}

/* What runs while something is held: a few blocks, often an assertion or a call of a
 * subprogram that throws, so that a throw finds it held. Under a spin lock: no calls but those
 * (ALU, stack and context accesses, the locked value's counter). */
static void gen_held_body(struct gen *g, int lock_reg, int16_t lock_slot)
{
	int n = 1 + (int)(byte(g) % 3);

	g->depth++;
	for (int i = 0; i < n && room(g, 40); i++) {
		unsigned c = byte(g) % 8;

		if (c < 2)
			gen_throw(g);
		else if (c == 2 && !g->locked && byte(g) % 3 == 0)
			gen_bpf_loop(g);
		else if (c == 2)
			gen_local_call(g);
		else if (!g->locked)
			gen_block(g);
		else if (c == 3)
			held_access(g, lock_reg, lock_slot, LOCK_N_OFF, LOCK_VSIZE);
		else if (c == 4)
			gen_stack_store(g);
		else if (c == 5)
			gen_ctx(g);
		else
			gen_alu(g);
	}
	g->depth--;
}

/* A ring-buffer sample, submitted or discarded at the end. */
static void gen_hold_ringbuf(struct gen *g)
{
	uint32_t size = byte(g) % 2 ? 16 : 8;
	int16_t slot;
	int r = hold_in(g, &slot);
	uint16_t init0;
	uint8_t stk0;
	size_t skip;

	if (r == -2)
		return;
	ld_map(g, 1, MAP_RB);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)size);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve);
	after_call(g);
	set_ptr(g, 0);
	init0 = g->init;
	stk0 = g->stk;
	skip = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	hold_ptr(g, r, slot);
	held_access(g, r, slot, 0, size);
	gen_held_body(g, -1, 0);
	if (byte(g) % 2)
		held_access(g, r, slot, 0, size);
	unhold_ptr(g, r, slot);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0,
	     byte(g) % 3 ? BPF_FUNC_ringbuf_submit : BPF_FUNC_ringbuf_discard);
	after_call(g);
	patch_to_here(g, skip);
	if (g->evil && byte(g) < 8)
		g->ins[skip].off = 0; /* no null check: must be rejected */
	g->init &= init0;
	g->stk &= stk0;
}

/* An object from bpf_obj_new_impl (struct node), dropped at the end. */
static void gen_hold_obj(struct gen *g)
{
	int16_t slot;
	int r = hold_in(g, &slot);
	uint16_t init0;
	uint8_t stk0;
	size_t skip;

	if (r == -2)
		return;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, OBJ_TYPE_ID);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
	kfunc_call(g, K_OBJ_NEW);
	set_ptr(g, 0);
	init0 = g->init;
	stk0 = g->stk;
	skip = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	hold_ptr(g, r, slot);
	held_access(g, r, slot, 0, OBJ_SIZE);
	gen_held_body(g, -1, 0);
	if (!(g->evil && byte(g) < 6)) { /* sometimes a leak the verifier must catch */
		unhold_ptr(g, r, slot);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
		kfunc_call(g, K_OBJ_DROP);
	} else if (r >= 0) {
		g->busy &= (uint16_t)~(1u << r);
		g->held--;
	} else {
		g->held--;
	}
	patch_to_here(g, skip);
	g->init &= init0;
	g->stk &= stk0;
}

/* A locked array value: lookup, null check, bpf_spin_lock, a body without calls (but throws),
 * bpf_spin_unlock. */
static void gen_hold_lock(struct gen *g)
{
	int16_t slot;
	int r = hold_in(g, &slot);
	uint16_t init0;
	uint8_t stk0;
	size_t skip;

	if (r == -2)
		return;
	emit(g, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (int32_t)(byte(g) % (LOCK_ENTRIES + 1)));
	g->stk &= (uint8_t)~1u;
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	ld_map(g, 1, MAP_LOCK);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	after_call(g);
	set_ptr(g, 0);
	init0 = g->init;
	stk0 = g->stk;
	skip = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	hold_ptr(g, r, slot);
	if (r >= 0)
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, r, 0, 0);
	else
		emit(g, BPF_LDX | BPF_MEM | BPF_DW, 1, 10, slot, 0);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_lock);
	after_call(g);
	g->init &= (uint16_t)~1u; /* void */
	g->locked = true;
	/* the counter under the lock: n += 1 */
	{
		int p = r, c = pick_dst(g);

		if (r < 0) {
			p = c == 9 ? 8 : 9;
			if ((g->busy | g->live) >> p & 1)
				p = 0;
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, p, 10, slot, 0);
			set_ptr(g, p);
		}
		if (c != p) {
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, c, p, LOCK_N_OFF, 0);
			emit(g, BPF_ALU64 | BPF_ADD | BPF_K, c, 0, 0, 1);
			emit(g, BPF_STX | BPF_MEM | BPF_DW, p, c, LOCK_N_OFF, 0);
			set_init(g, c);
		}
	}
	gen_held_body(g, r, slot);
	g->locked = false;
	unhold_ptr(g, r, slot);
	emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_unlock);
	after_call(g);
	patch_to_here(g, skip);
	g->init &= init0;
	g->stk &= stk0;
}

/* An RCU read section, disabled preemption or saved irqs (flags at IRQ_SLOT). */
static void gen_section(struct gen *g, unsigned kind)
{
	static const int ks[3][2] = {{K_RCU_LOCK, K_RCU_UNLOCK},
				     {K_PREEMPT_OFF, K_PREEMPT_ON},
				     {K_IRQ_SAVE, K_IRQ_RESTORE}};
	uint16_t init0;
	uint8_t stk0;
	bool irq = kind == 2;

	if (irq && g->in_irq)
		irq = false, kind = 0;
	if (irq) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, IRQ_SLOT);
		g->in_irq = true;
	}
	kfunc_call(g, ks[kind][0]);
	g->init &= (uint16_t)~1u;
	init0 = g->init;
	stk0 = g->stk;
	gen_held_body(g, -1, 0);
	g->init &= init0;
	g->stk &= stk0;
	if (g->evil && byte(g) < 6)
		return; /* never ended: the verifier must catch it */
	if (irq) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, IRQ_SLOT);
		g->in_irq = false;
	}
	kfunc_call(g, ks[kind][1]);
	g->init &= (uint16_t)~1u;
}

/* A region that holds a resource and may throw while it does (privileged programs: Linux
 * allows kfuncs and these helpers with CAP_BPF only). exbpf's default mode releases what a
 * throw finds held; the fuzzers check that it did. */
static void gen_resource(struct gen *g)
{
	unsigned b = byte(g);

	/* Inside a loop only now and then, and not nested: a region's null check and assertions
	 * double the paths of every iteration, and a few such loops make the verifier walk for
	 * seconds (under ASan) or reach its 1M-instruction limit. */
	if (g->unpriv || g->locked || g->depth > 3 || !room(g, 80) ||
	    (g->in_loop && (b % 8 || g->held))) {
		gen_alu(g);
		return;
	}
	switch (b % 7) {
	case 0:
	case 1:
		gen_hold_ringbuf(g);
		break;
	case 2:
		gen_hold_obj(g);
		break;
	case 3:
	case 4:
		gen_hold_lock(g);
		break;
	default:
		gen_section(g, (b >> 3) % 3);
		break;
	}
}

/* Subprogram 1 (see gen_local_call): r6 = the argument; take the resource; if the argument's
 * low bits are 0 throw 3 holding it; else give it back; return 0. */
static void gen_sub_hold(struct gen *g)
{
	size_t skip = 0, keep;
	bool ptr = g->sub_kind < 2;

	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	if (g->sub_kind == 0) {
		ld_map(g, 1, MAP_RB);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve);
	} else if (g->sub_kind == 1) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, OBJ_TYPE_ID);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
		emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_OBJ_NEW);
	} else {
		emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_RCU_LOCK);
	}
	if (ptr) {
		skip = emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
		emit(g, BPF_STX | BPF_MEM | BPF_DW, 7, 6, 0, 0);
	}
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 0, 6, 0, 0);
	emit(g, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 3);
	keep = emit(g, BPF_JMP | BPF_JNE | BPF_K, 0, 0, 0, 0);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 3);
	emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_THROW);
	patch_to_here(g, keep);
	if (g->sub_kind == 0) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
		emit(g, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_submit);
	} else if (g->sub_kind == 1) {
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
		emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_OBJ_DROP);
	} else {
		emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_RCU_UNLOCK);
	}
	if (ptr)
		patch_to_here(g, skip);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
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
	case 6:
		if (!g->unpriv && byte(g) % 2)
			gen_resource(g);
		else
			gen_call(g);
		break;
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
		switch (byte(g) % 5) {
		case 0: gen_throw(g); break;
		case 1: gen_local_call(g); break;
		case 2: gen_bpf_loop(g); break;
		default: gen_resource(g); break;
		}
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
	g->locked = false;
	g->in_irq = false;
	g->held = 0;
	g->sub_kind = (unsigned)(fnv(g->d, g->n) % 3);
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
	if (g->ncalls && g->cnt + 6 + 24 + 5 <= MAX_INSNS) {
		size_t sub[3] = {0, 0, 0};
		bool used[3] = {false, false, false};

		/* each only if called: Linux rejects unreachable code */
		for (size_t i = 0; i < g->ncalls; i++)
			used[g->call_sub[i]] = true;
		if (used[0]) {
			sub[0] = g->cnt;
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0);
			emit(g, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0xff);
			emit(g, BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0x7f);
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1);
			emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_THROW);
			emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		}
		if (used[1]) {
			sub[1] = g->cnt;
			gen_sub_hold(g);
		}
		if (used[2]) {
			sub[2] = g->cnt;
			emit(g, BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 2);
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 4);
			emit(g, BPF_JMP | BPF_CALL, 0, ISA_PSEUDO_KFUNC_CALL, 0, K_THROW);
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
			emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		}
		for (size_t i = 0; i < g->ncalls; i++)
			g->ins[g->calls[i]].imm =
			    (int32_t)((int64_t)sub[g->call_sub[i]] - (int64_t)g->calls[i] - 1);
	} else if (g->ncalls) {
		/* no room for the subprograms: the calls become no-ops (a callback's lddw loads
		 * 0, and bpf_loop's call then fails the program's verification) */
		for (size_t i = 0; i < g->ncalls; i++)
			if (g->call_sub[i] == 2)
				g->ins[g->calls[i]].src_reg = 0;
			else
				g->ins[g->calls[i]] =
				    (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K};
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
	world_init();
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
	in->nmaps = NMAPS;
	in->btf = fobj.btf;
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
	memcpy(s->lock, lock_store, sizeof(lock_store));
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
	memcpy(lock_store, s->lock, sizeof(lock_store));
	memcpy(W.maps[1].keys, s->keys, sizeof(s->keys));
	memcpy(W.maps[1].used, s->used, sizeof(s->used));
	memcpy(W.pkt, s->pkt, W.pkt_len);
}


int world_resolve_maps(struct bpf_insn *vi, size_t cnt, char *why, size_t why_size)
{
	W.uses_rb = false;
	for (size_t i = 0; i + 1 < cnt; i++) {
		if (vi[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (vi[i].src_reg == ISA_PSEUDO_MAP_IDX || vi[i].src_reg == ISA_PSEUDO_MAP_IDX_VALUE) {
			uint32_t idx = (uint32_t)vi[i].imm;
			uint64_t v;

			if (idx >= NMAPS) {
				snprintf(why, why_size, "insn %zu: lddw of map index %u (%d maps)", i,
					 idx, NMAPS);
				return -EINVAL;
			}
			W.uses_rb |= idx == MAP_RB;
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
	for (size_t i = 0; i < sizeof(lock_store); i++)
		lock_store[i] = i % STRIDE < 4 ? 0 : (uint8_t)xs(s); /* locks start free */
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
