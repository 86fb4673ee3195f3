/* The interpreter's services for the runtime's helpers: dynamic regions, context hooks,
 * callbacks (vm_run_call), frame exit (vm_run_return), the run's budget, kfunc tables, and
 * plain 64-bit lddw. Each runs in the fast and the checked loop where both apply. Programs are
 * raw instructions, indices worked out by hand in the comments. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <exbpf/vm.h>

#include "common/log.h"
#include "test_interp.h"
#include "testlib.h"

#define LDDW_FUNC(d, rel)                                                                       \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, rel), INSN(0, 0, 0, 0, 0)
#define KCALL(id) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)

/* --- Helpers. */

static uint64_t h_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	return (uint64_t)vm_run_fail(run, -EPERM, "denied %d", (int)r1);
}

/* Runs the vm_prog in exec->user on r1 with a fresh vm_exec; r0, or -1 if it fails. */
static uint64_t h_nested(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct exbpf_run *run)
{
	struct vm_exec x = {.args = {r1}, .checked = run->exec->checked, .budget = 1000};
	if (vm_exec(run->exec->user, &x))
		return (uint64_t)-1;
	return x.r0;
}

static uint64_t h_add_region(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct exbpf_run *run)
{
	return (uint64_t)(int64_t)vm_run_add_region(run, r1, r2, r3 != 0);
}

static uint64_t h_drop_region(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct exbpf_run *run)
{
	vm_run_drop_region(run, r1);
	return 0;
}

/* r3 = 0: the region [r1, r1 + 8) r2 times; else r2 distinct regions [r1 + i, r1 + i + 1).
 * Fails the run as a helper should when the run holds too many. */
static uint64_t h_add_many(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct exbpf_run *run)
{
	for (uint64_t i = 0; i < r2; i++) {
		int err = r3 ? vm_run_add_region(run, r1 + i, 1, false)
			     : vm_run_add_region(run, r1, 8, false);
		if (err)
			return (uint64_t)vm_run_fail(run, err, "too many regions (%d at #%d)", err,
						     (int)i);
	}
	return 0;
}

static uint64_t h_may_access(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct exbpf_run *run)
{
	return vm_run_access_ok(run, r1, r2, r3 != 0);
}

/* bpf_loop: callback r2 on (i, r3) r1 times, until it returns nonzero; iterations run. */
static uint64_t h_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	uint64_t i, r0;

	for (i = 0; i < r1; i++) {
		uint64_t args[5] = {i, r3, 0, 0, 0};
		if (vm_run_call(run, r2, args, &r0))
			return 0;
		if (r0)
			return i + 1;
	}
	return i;
}

/* Callback r1 on (1, 2, 3, 4, 5); its r0. */
static uint64_t h_call_args(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct exbpf_run *run)
{
	const uint64_t args[5] = {1, 2, 3, 4, 5};
	uint64_t r0 = 0;

	if (vm_run_call(run, r1, args, &r0))
		return 0;
	return r0;
}

static int deepest; /* deepest calling frame h_depth saw (single-threaded tests only) */

static uint64_t h_depth(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct exbpf_run *run)
{
	if (run->depth > deepest)
		deepest = run->depth;
	return 0;
}

static uint64_t h_budget_left(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct exbpf_run *run)
{
	return vm_run_budget(run);
}

static uint64_t h_charge(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct exbpf_run *run)
{
	vm_run_charge(run, r1);
	return 0;
}

static uint64_t h_return(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct exbpf_run *run)
{
	vm_run_return(run, r1);
	return 0;
}

static uint64_t tail_budget; /* the budget h_tail gave its nested run */

/* bpf_tail_call as the runtime does it: exec->user on r1 with what is left of the budget,
 * charged afterwards, then the calling frame returns its r0. */
static uint64_t h_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct exbpf_run *run)
{
	struct vm_exec x = {.args = {r1}, .checked = run->checked,
			    .budget = vm_run_budget(run), .log = run->exec->log};
	tail_budget = x.budget;
	int err = vm_exec(run->exec->user, &x);
	if (err)
		return (uint64_t)vm_run_fail(run, err, "in tail-called program");
	if (run->checked)
		vm_run_charge(run, x.budget - x.budget_left);
	vm_run_return(run, x.r0);
	return 0;
}

static uint64_t h_return_and_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct exbpf_run *run)
{
	vm_run_return(run, 1);
	return (uint64_t)vm_run_fail(run, -EPERM, "both");
}

static const struct vm_helper ext_rows[] = {
	{.id = 1, .name = "weighted", .fn = helper_weighted},
	{.id = 3, .name = "fail", .fn = h_fail},
	{.id = 7, .name = "nested", .fn = h_nested},
	{.id = 20, .name = "add_region", .fn = h_add_region},
	{.id = 21, .name = "drop_region", .fn = h_drop_region},
	{.id = 22, .name = "add_many", .fn = h_add_many},
	{.id = 23, .name = "may_access", .fn = h_may_access},
	{.id = 30, .name = "loop", .fn = h_loop},
	{.id = 31, .name = "call_args", .fn = h_call_args},
	{.id = 32, .name = "depth", .fn = h_depth},
	{.id = 40, .name = "budget_left", .fn = h_budget_left},
	{.id = 41, .name = "charge", .fn = h_charge},
	{.id = 50, .name = "return", .fn = h_return},
	{.id = 51, .name = "tail", .fn = h_tail},
	{.id = 52, .name = "return_and_fail", .fn = h_return_and_fail},
};
static const struct vm_helper_table ext_helpers = {ext_rows, ARRAY_LEN(ext_rows)};

static uint64_t k_mul(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	return r1 * r2;
}

static uint64_t k_sub(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	return r1 - r2;
}

static const struct vm_helper kfunc_rows[] = {
	{.id = 100, .name = "mul", .fn = k_mul},
	{.id = 101, .name = "sub", .fn = k_sub},
};
static const struct vm_helper_table ext_kfuncs = {kfunc_rows, ARRAY_LEN(kfunc_rows)};

/* --- Runner. */

struct xo {
	bool checked;
	uint64_t args[5];
	const struct vm_region *regions;
	size_t nregions;
	void *user;
	uint64_t budget; /* 0: a million */
	struct vm_exec **exec; /* where to publish the vm_exec (for hooks), if set */
};

struct xr {
	int load_err, err;
	uint64_t r0, budget_left;
	int64_t err_insn;
	char log[256];
};

static int xrun(struct xr *res, const struct xo *o, const struct bpf_insn *insns, size_t cnt)
{
	struct vm_prog *prog;
	struct log log;

	memset(res, 0, sizeof(*res));
	log_init(&log, res->log, sizeof(res->log));
	struct vm_prog_opts popts = {.helpers = &ext_helpers, .kfuncs = &ext_kfuncs};
	res->load_err = vm_prog_new_opts(insns, cnt, &popts, &log, &prog);
	if (res->load_err)
		return res->load_err;
	struct vm_exec x = {
		.checked = o->checked,
		.budget = o->budget ? o->budget : 1000000,
		.regions = o->regions,
		.nregions = o->nregions,
		.log = &log,
		.user = o->user,
	};
	memcpy(x.args, o->args, sizeof(x.args));
	if (o->exec)
		*o->exec = &x;
	res->err = vm_exec(prog, &x);
	res->r0 = x.r0;
	res->err_insn = x.err_insn;
	res->budget_left = x.budget_left;
	vm_prog_free(prog);
	return res->err;
}

/* Runs in both loops; both must succeed with r0 == want. */
static void expect_both(int line, uint64_t r1, uint64_t want, const struct bpf_insn *p,
			size_t cnt)
{
	for (int checked = 0; checked < 2; checked++) {
		struct xr res;
		struct xo o = {.checked = checked, .args = {r1}};
		if (xrun(&res, &o, p, cnt) || res.r0 != want)
			test_fail(__FILE__, line,
				  "%s: load %d run %d r0 0x%" PRIx64 " (want 0x%" PRIx64 ") %s",
				  checked ? "checked" : "fast", res.load_err, res.err, res.r0, want,
				  res.log);
	}
}

#define BOTH(r1, want, ...) expect_both(__LINE__, r1, want, PROG(__VA_ARGS__))

/* Runs in the loops selected (bit 0 fast, bit 1 checked); each must fail with err at insn
 * with exactly `log` (one line) in the log. */
static void expect_err(int line, int loops, uint64_t r1, int err, int64_t insn, const char *log,
		       const struct bpf_insn *p, size_t cnt)
{
	for (int checked = 0; checked < 2; checked++) {
		struct xr res;
		struct xo o = {.checked = checked, .args = {r1}};
		if (!(loops & (1 << checked)))
			continue;
		xrun(&res, &o, p, cnt);
		if (res.load_err || res.err != err || res.err_insn != insn ||
		    strcmp(res.log, log) != 0)
			test_fail(__FILE__, line,
				  "%s: load %d run %d at %" PRId64 " \"%s\", want %d at %" PRId64
				  " \"%s\"",
				  checked ? "checked" : "fast", res.load_err, res.err, res.err_insn,
				  res.log, err, insn, log);
	}
}

#define ERR_BOTH(r1, err, insn, log, ...)                                                       \
	expect_err(__LINE__, 3, r1, err, insn, log, PROG(__VA_ARGS__))
#define ERR_CHECKED(r1, err, insn, log, ...)                                                    \
	expect_err(__LINE__, 2, r1, err, insn, log, PROG(__VA_ARGS__))

/* --- Dynamic regions. */

/* 0-3: r6 = r1; r0 = add_region(r6, 16, writable = w) */
#define DYN(w) MOV64_X(6, 1), MOV64_K(2, 16), MOV64_K(3, w), CALL(20)

static void fault_msg(char *buf, size_t size, int insn, const char *what, int len, uint64_t addr,
		      const char *why)
{
	snprintf(buf, size, "insn %d: invalid %s of %d bytes at 0x%" PRIx64 " (%s)\n", insn, what,
		 len, addr, why);
}

#define OUTSIDE "outside the run's memory"

TEST(vm_dyn_region_exact_bytes)
{
	uint8_t buf[32];
	uint64_t r1 = (uint64_t)(uintptr_t)buf;
	char why[128];
	struct xr res;
	struct xo o = {.checked = true, .args = {r1}};

	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	/* before the helper: nothing */
	fault_msg(why, sizeof(why), 0, "read", 1, r1, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 0, why, LDX(BPF_B, 0, 1, 0), EXIT());
	/* inside [buf, buf + 16): both loops agree */
	BOTH(r1, 0x0f0e0d0c0b0a0908ull, DYN(0), LDX(BPF_DW, 0, 6, 8), EXIT());
	BOTH(r1, 15, DYN(0), LDX(BPF_B, 0, 6, 15), EXIT());
	BOTH(r1, 0x0f0e0d0c, DYN(0), LDX(BPF_W, 0, 6, 12), EXIT());
	BOTH(r1, 0, DYN(0), LDX(BPF_B, 0, 6, 0), EXIT());
	/* one byte past either end, or straddling the end */
	fault_msg(why, sizeof(why), 4, "read", 1, r1 + 16, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 4, why, DYN(0), LDX(BPF_B, 0, 6, 16), EXIT());
	fault_msg(why, sizeof(why), 4, "read", 1, r1 - 1, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 4, why, DYN(0), LDX(BPF_B, 0, 6, -1), EXIT());
	fault_msg(why, sizeof(why), 4, "read", 8, r1 + 9, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 4, why, DYN(0), LDX(BPF_DW, 0, 6, 9), EXIT());
	/* read-only unless writable */
	fault_msg(why, sizeof(why), 4, "write", 8, r1, "the region is read-only");
	ERR_CHECKED(r1, -EFAULT, 4, why, DYN(0), ST(BPF_DW, 6, 0, 1), EXIT());
	BOTH(r1, 0x33, DYN(1), ST(BPF_B, 6, 15, 0x33), LDX(BPF_B, 0, 6, 15), EXIT());
	/* a later writable registration of the same bytes allows the write */
	BOTH(r1, 7, DYN(0), MOV64_X(1, 6), MOV64_K(2, 8), MOV64_K(3, 1), CALL(20),
	     ST(BPF_DW, 6, 0, 7), LDX(BPF_DW, 0, 6, 0), EXIT());
	/* what a helper may do with it: vm_run_access_ok() sees exactly its bytes */
	CHECK_EQ(xrun(&res, &o,
		      PROG(DYN(0), MOV64_X(1, 6), MOV64_K(2, 16), MOV64_K(3, 0), CALL(23),
			   ALU64_K(BPF_LSH, 0, 8), MOV64_X(7, 0), MOV64_X(1, 6), MOV64_K(2, 17),
			   MOV64_K(3, 0), CALL(23), ALU64_K(BPF_LSH, 0, 4), ALU64_X(BPF_OR, 7, 0),
			   MOV64_X(1, 6), MOV64_K(2, 16), MOV64_K(3, 1), CALL(23),
			   ALU64_X(BPF_OR, 0, 7), EXIT())),
		 0);
	CHECK_EQ(res.r0, 0x100);
	/* an address range that wraps is refused; size 0 adds nothing */
	CHECK_EQ(xrun(&res, &o, PROG(LDDW(1, 0xfffffffffffffff0ull), MOV64_K(2, 32),
				     MOV64_K(3, 0), CALL(20), EXIT())),
		 0);
	CHECK_EQ(res.r0, (uint64_t)-EINVAL);
	fault_msg(why, sizeof(why), 5, "read", 1, r1, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 5, why, MOV64_X(6, 1), MOV64_K(2, 0), MOV64_K(3, 0), CALL(20),
		    MOV64_X(7, 0), LDX(BPF_B, 0, 6, 0), EXIT());
}

TEST(vm_dyn_region_drop_and_unchecked)
{
	uint8_t buf[16] = {1, 2, 3};
	uint64_t r1 = (uint64_t)(uintptr_t)buf;
	struct xr res;
	struct xo o = {.checked = true, .args = {r1}};
	char why[128];

	/* add, read, drop, read again: the memory stopped being the program's */
	fault_msg(why, sizeof(why), 7, "read", 1, r1 + 2, OUTSIDE);
	ERR_CHECKED(r1, -EFAULT, 7, why, DYN(0), LDX(BPF_B, 7, 6, 2), MOV64_X(1, 6), CALL(21),
		    LDX(BPF_B, 0, 6, 2), EXIT());
	/* dropping another start leaves it */
	CHECK_EQ(xrun(&res, &o, PROG(DYN(0), MOV64_X(1, 6), ALU64_K(BPF_ADD, 1, 1), CALL(21),
				     LDX(BPF_B, 0, 6, 2), EXIT())),
		 0);
	CHECK_EQ(res.r0, 3);
	/* an unchecked run keeps nothing and trusts its program */
	o.checked = false;
	CHECK_EQ(xrun(&res, &o, PROG(DYN(0), MOV64_X(7, 0), MOV64_X(1, 6), CALL(21),
				     LDX(BPF_B, 0, 6, 1), ALU64_X(BPF_ADD, 0, 7), EXIT())),
		 0);
	CHECK_EQ(res.r0, 2);
}

TEST(vm_dyn_region_limit)
{
	uint8_t *big = calloc(VM_MAX_DYN_REGIONS + 1, 1);
	uint64_t r1 = (uint64_t)(uintptr_t)big;

	big[VM_MAX_DYN_REGIONS - 1] = 9;
	for (int checked = 0; checked < 2; checked++) {
		struct xr res;
		struct xo o = {.checked = checked, .args = {r1}};
		/* identical regions count once */
		CHECK_EQ(xrun(&res, &o, PROG(MOV64_X(6, 1), MOV64_K(2, 10000), MOV64_K(3, 0),
					     CALL(22), LDX(BPF_DW, 0, 6, 0), EXIT())),
			 0);
		/* 4096 distinct ones fit, and the last is reachable */
		CHECK_EQ(xrun(&res, &o, PROG(MOV64_X(6, 1), MOV64_K(2, VM_MAX_DYN_REGIONS),
					     MOV64_K(3, 1), CALL(22),
					     LDX(BPF_B, 0, 6, VM_MAX_DYN_REGIONS - 1), EXIT())),
			 0);
		CHECK_EQ(res.r0, 9);
	}
	/* the 4097th is -E2BIG, and the helper fails the run */
	ERR_CHECKED(r1, -E2BIG, 3, "insn 3: too many regions (-7 at #4096)\n", MOV64_X(6, 1),
		    MOV64_K(2, VM_MAX_DYN_REGIONS + 1), MOV64_K(3, 1), CALL(22), EXIT());
	/* an unchecked run has no limit to reach */
	struct xr res;
	struct xo o = {.args = {r1}};
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(2, VM_MAX_DYN_REGIONS + 1), MOV64_K(3, 1), CALL(22),
				     EXIT())),
		 0);
	free(big);
}

/* Regions belong to one run: a nested run does not see the outer run's; callbacks do. */
TEST(vm_dyn_region_scope)
{
	uint8_t buf[16] = {0, 0, 0, 0, 0, 44};
	uint64_t r1 = (uint64_t)(uintptr_t)buf;
	struct vm_prog *inner;
	struct xr res;

	CHECK_EQ(vm_prog_new(PROG(LDX(BPF_B, 0, 1, 5), EXIT()), NULL, NULL, &inner), 0);
	struct xo o = {.checked = true, .args = {r1}, .user = inner};
	/* r7 = nested(buf): -1 in a checked run; then r0 = buf[5] here */
	CHECK_EQ(xrun(&res, &o, PROG(DYN(0), MOV64_X(1, 6), CALL(7), MOV64_X(7, 0),
				     LDX(BPF_B, 0, 6, 5), ALU64_X(BPF_ADD, 0, 7), EXIT())),
		 0);
	CHECK_EQ(res.r0, 43);
	/* a callback reads through the region main added: loop(1, cb, buf) */
	BOTH(r1, 1, DYN(0), MOV64_K(1, 1), LDDW_FUNC(2, 4), MOV64_X(3, 6), CALL(30), EXIT(),
	     /* 10: cb */ LDX(BPF_B, 0, 2, 5), EXIT());
	/* and main reads what a callback added: call_args(cb) with cb adding [buf, buf + 16) */
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_X(6, 1), LDDW_FUNC(1, 4), CALL(31),
				     LDX(BPF_B, 0, 6, 5), EXIT(),
				     /* 6: cb */ LDDW(1, r1), MOV64_K(2, 16), MOV64_K(3, 0), CALL(20),
				     EXIT())),
		 0);
	CHECK_EQ(res.r0, 44);
	vm_prog_free(inner);
}

/* --- Context hooks. */

struct hook_state {
	struct vm_exec *x;
	int calls;
	uint64_t off, val;
	unsigned size;
	bool write;
};

#define HOOK_BASE 0xa1b2c3d4e5f60780ull

/* Loads give HOOK_BASE + off; off >= 24 is refused with the default message, a write at 20 with
 * the hook's own. */
static int ctx_hook(void *hook_ctx, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct hook_state *h = hook_ctx;

	h->calls++;
	h->off = off;
	h->size = size;
	h->write = write;
	h->val = *val;
	if (off >= 24)
		return -EACCES;
	if (write && off == 20)
		return vm_exec_why(h->x, -EPERM, "ctx field at %d is read-only", (int)off);
	if (off == 20) /* a reason left by a call that succeeds must not be used later */
		vm_exec_why(h->x, 0, "stale");
	/* The hook owns the whole register value: it truncates to the access size itself,
	 * except at offset 16, which stands for a 32-bit field holding a 64-bit pointer. */
	if (!write)
		*val = size == 8 || off == 16 ? HOOK_BASE + off
					      : (HOOK_BASE + off) & ((1ull << (size * 8)) - 1);
	return 0;
}

struct hook_run {
	struct xr res;
	struct hook_state h;
};

/* Runs p with r1 = a 32-byte hooked region over real memory (0x5a bytes). */
static int hook_run(struct hook_run *hr, bool checked, bool writable, const struct bpf_insn *p,
		    size_t cnt)
{
	static _Thread_local uint8_t mem[32];
	memset(mem, 0x5a, sizeof(mem));
	memset(&hr->h, 0, sizeof(hr->h));
	struct vm_region r = {.start = (uintptr_t)mem, .size = sizeof(mem), .writable = writable,
			      .access = ctx_hook, .hook_ctx = &hr->h};
	struct xo o = {.checked = checked, .args = {(uintptr_t)mem}, .regions = &r,
		       .nregions = 1, .exec = &hr->h.x};
	return xrun(&hr->res, &o, p, cnt);
}

#define HOOK_RUN(hr, checked, writable, ...) hook_run(hr, checked, writable, PROG(__VA_ARGS__))

TEST(vm_hook_loads_stores)
{
	struct hook_run hr;

	/* checked: the hook answers; fast: memory, the hook never called */
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_W, 0, 1, 4), EXIT()), 0);
	CHECK_EQ(hr.res.r0, (uint32_t)(HOOK_BASE + 4));
	CHECK_EQ(hr.h.calls, 1);
	CHECK_EQ(hr.h.off, 4);
	CHECK_EQ(hr.h.size, 4);
	CHECK_EQ(hr.h.write, false);
	CHECK_EQ(HOOK_RUN(&hr, false, true, LDX(BPF_W, 0, 1, 4), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0x5a5a5a5a);
	CHECK_EQ(hr.h.calls, 0);
	/* a 32-bit load of a field the hook widens (__sk_buff->data) gets all 64 bits */
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_W, 0, 1, 16), EXIT()), 0);
	CHECK_EQ(hr.res.r0, HOOK_BASE + 16);
	/* every width; the sign-extending loads extend the hook's low bytes */
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_DW, 0, 1, 8), EXIT()), 0);
	CHECK_EQ(hr.res.r0, HOOK_BASE + 8);
	CHECK_EQ(hr.h.size, 8);
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_B, 0, 1, 0), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0x80);
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDXS(BPF_B, 0, 1, 0), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0xffffffffffffff80ull);
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDXS(BPF_H, 0, 1, 2), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0x0782);
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDXS(BPF_W, 0, 1, 0), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0xffffffffe5f60780ull);
	CHECK_EQ(hr.h.size, 4);
	/* stores: the value truncated to the access size */
	CHECK_EQ(HOOK_RUN(&hr, true, true, MOV64_K(2, 0x12345), STX(BPF_H, 1, 2, 2),
			  MOV64_K(0, 0), EXIT()),
		 0);
	CHECK_EQ(hr.h.calls, 1);
	CHECK_EQ(hr.h.off, 2);
	CHECK_EQ(hr.h.size, 2);
	CHECK_EQ(hr.h.write, true);
	CHECK_EQ(hr.h.val, 0x2345);
	CHECK_EQ(HOOK_RUN(&hr, true, true, ST(BPF_W, 1, 12, -1), MOV64_K(0, 0), EXIT()), 0);
	CHECK_EQ(hr.h.off, 12);
	CHECK_EQ(hr.h.val, 0xffffffff);
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDDW(2, 0x8877665544332211ull), STX(BPF_DW, 1, 2, 16),
			  MOV64_K(0, 0), EXIT()),
		 0);
	CHECK_EQ(hr.h.val, 0x8877665544332211ull);
	CHECK_EQ(hr.h.size, 8);
	/* a helper may not dereference hooked bytes */
	CHECK_EQ(HOOK_RUN(&hr, true, true, MOV64_K(2, 4), MOV64_K(3, 0), CALL(23), EXIT()), 0);
	CHECK_EQ(hr.res.r0, 0);
}

TEST(vm_hook_errors)
{
	struct hook_run hr;

	/* the hook's errno, the instruction, the default message */
	CHECK_EQ(HOOK_RUN(&hr, true, true, MOV64_K(0, 0), LDX(BPF_W, 0, 1, 24), EXIT()), -EACCES);
	CHECK_EQ(hr.res.err_insn, 1);
	CHECK_STR(hr.res.log, "insn 1: invalid context access off=24 size=4\n");
	/* or the hook's own */
	CHECK_EQ(HOOK_RUN(&hr, true, true, MOV64_K(2, 1), MOV64_K(0, 0), STX(BPF_W, 1, 2, 20),
			  EXIT()),
		 -EPERM);
	CHECK_EQ(hr.res.err_insn, 2);
	CHECK_STR(hr.res.log, "insn 2: ctx field at 20 is read-only\n");
	/* a message from an earlier successful hook call does not leak into a later failure */
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_W, 0, 1, 20), LDX(BPF_W, 0, 1, 28), EXIT()),
		 -EACCES);
	CHECK_STR(hr.res.log, "insn 1: invalid context access off=28 size=4\n");
	/* atomics never reach the hook */
	CHECK_EQ(HOOK_RUN(&hr, true, true, MOV64_K(2, 1), ATOMIC(BPF_DW, 1, 2, 0, BPF_ADD),
			  MOV64_K(0, 0), EXIT()),
		 -EFAULT);
	CHECK_EQ(hr.res.err_insn, 1);
	CHECK_CONTAINS(hr.res.log, "insn 1: invalid atomic access of 8 bytes");
	CHECK_CONTAINS(hr.res.log, "(atomics cannot target a hooked (context) region)");
	CHECK_EQ(hr.h.calls, 0);
	/* a read-only hooked region: loads through the hook, stores refused before it */
	CHECK_EQ(HOOK_RUN(&hr, true, false, LDX(BPF_H, 0, 1, 6), EXIT()), 0);
	CHECK_EQ(hr.res.r0, (uint16_t)(HOOK_BASE + 6));
	CHECK_EQ(HOOK_RUN(&hr, true, false, ST(BPF_B, 1, 0, 1), MOV64_K(0, 0), EXIT()), -EFAULT);
	CHECK_CONTAINS(hr.res.log, "insn 0: invalid write of 1 bytes");
	CHECK_CONTAINS(hr.res.log, "(the region is read-only)");
	CHECK_EQ(hr.h.calls, 0);
	/* an access straddling the region's end is outside it */
	CHECK_EQ(HOOK_RUN(&hr, true, true, LDX(BPF_DW, 0, 1, 28), EXIT()), -EFAULT);
	CHECK_CONTAINS(hr.res.log, "(outside the run's memory)");
	CHECK_EQ(hr.h.calls, 0);
}

/* --- Callbacks. */

/* loop(1000, cb, &counter): the callback increments a counter on main's stack through a
 * pointer and clobbers r6-r9; main gets 1000 (iterations) + 1000 (counter) + 77 (its own
 * r6-r9, intact). */
static const struct bpf_insn loop_prog[] = {
	ST(BPF_DW, 10, -8, 0),
	MOV64_K(6, 70),
	MOV64_K(7, 4),
	MOV64_K(8, 2),
	MOV64_K(9, 1),
	MOV64_K(1, 1000),
	LDDW_FUNC(2, 11), /* 6: -> 18 */
	MOV64_X(3, 10),
	ALU64_K(BPF_ADD, 3, -8),
	CALL(30), /* 10 */
	LDX(BPF_DW, 1, 10, -8),
	ALU64_X(BPF_ADD, 0, 1),
	ALU64_X(BPF_ADD, 0, 6),
	ALU64_X(BPF_ADD, 0, 7),
	ALU64_X(BPF_ADD, 0, 8),
	ALU64_X(BPF_ADD, 0, 9),
	EXIT(),
	/* 18: cb(i, ctx) */
	LDX(BPF_DW, 3, 2, 0),
	ALU64_K(BPF_ADD, 3, 1),
	STX(BPF_DW, 2, 3, 0),
	MOV64_K(6, 0),
	MOV64_K(7, 0),
	MOV64_K(8, 0),
	MOV64_K(9, 0),
	MOV64_K(0, 0),
	EXIT(), /* 26 */
};

TEST(vm_call_loop_counter)
{
	expect_both(__LINE__, 0, 2077, loop_prog, ARRAY_LEN(loop_prog));
	/* the callback's instructions count against the run's budget: 10 before the call, 9 per
	 * iteration, 7 after */
	struct xr res;
	struct xo o = {.checked = true};
	CHECK_EQ(xrun(&res, &o, loop_prog, ARRAY_LEN(loop_prog)), 0);
	CHECK_EQ(res.budget_left, 1000000 - (10 + 9 * 1000 + 7));
	/* ...and exhausting it inside the callback names the callback's instruction: 40 left
	 * after main's 10, 4 iterations, then 18-21 */
	o.budget = 50;
	CHECK_EQ(xrun(&res, &o, loop_prog, ARRAY_LEN(loop_prog)), -E2BIG);
	CHECK_EQ(res.err_insn, 22);
	CHECK_STR(res.log, "insn 22: instruction budget of 50 exhausted\n");
	CHECK_EQ(res.budget_left, 0);
}

TEST(vm_call_args_and_frame)
{
	/* r1-r5 are the helper's args: the callback passes them on to weighted() */
	BOTH(0, 1 + 2 * 2 + 3 * 3 + 4 * 4 + 5 * 5, LDDW_FUNC(1, 3), CALL(31), EXIT(),
	     /* 4: cb */ CALL(1), EXIT());
	/* its frame is the next one down: r10 512 bytes below the caller's */
	BOTH(0, 512, LDDW_FUNC(1, 6), CALL(31), MOV64_X(1, 10), ALU64_X(BPF_SUB, 1, 0),
	     MOV64_X(0, 1), EXIT(),
	     /* 7: cb */ MOV64_X(0, 10), EXIT());
	/* from a callee of main: two frames below main */
	BOTH(0, 1024, MOV64_X(6, 10), CALL_LOCAL(3), ALU64_X(BPF_SUB, 6, 0), MOV64_X(0, 6),
	     EXIT(),
	     /* 5: f */ LDDW_FUNC(1, 3), CALL(31), EXIT(),
	     /* 9: cb */ MOV64_X(0, 10), EXIT());
	/* a checked callback's stack starts zeroed, even where an earlier frame wrote */
	struct xr res;
	struct xo o = {.checked = true};
	CHECK_EQ(xrun(&res, &o, PROG(LDDW_FUNC(6, 6), MOV64_X(1, 6), CALL(31), MOV64_X(1, 6),
				     CALL(31), EXIT(),
				     /* 7: cb */ LDX(BPF_DW, 0, 10, -8), ST(BPF_DW, 10, -8, 5),
				     EXIT())),
		 0);
	CHECK_EQ(res.r0, 0);
}

/* loop(n = r1, cb1, &{m = r2, counter}); cb1 runs loop(m, cb2, ctx); cb2 counts: n * m. */
static const struct bpf_insn nested_prog[] = {
	ST(BPF_DW, 10, -8, 0),
	STX(BPF_DW, 10, 2, -16),
	LDDW_FUNC(2, 6), /* 2: -> 9 */
	MOV64_X(3, 10),
	ALU64_K(BPF_ADD, 3, -16),
	CALL(30),
	LDX(BPF_DW, 0, 10, -8),
	EXIT(),
	/* 9: cb1(i, ctx) */
	MOV64_X(3, 2),
	LDX(BPF_DW, 1, 2, 0),
	LDDW_FUNC(2, 4), /* 11: -> 16 */
	CALL(30),
	MOV64_K(0, 0),
	EXIT(),
	/* 16: cb2(j, ctx) */
	LDX(BPF_DW, 3, 2, 8),
	ALU64_K(BPF_ADD, 3, 1),
	STX(BPF_DW, 2, 3, 8),
	MOV64_K(0, 0),
	EXIT(),
};

TEST(vm_call_nested)
{
	for (int checked = 0; checked < 2; checked++) {
		struct xr res;
		struct xo o = {.checked = checked, .args = {10, 12}};
		CHECK_EQ(xrun(&res, &o, nested_prog, ARRAY_LEN(nested_prog)), 0);
		CHECK_EQ(res.r0, 120);
	}
	/* a callback's callback returning nonzero stops only its own loop */
	BOTH(0, 3 * 10, MOV64_K(1, 3), LDDW_FUNC(2, 4), CALL(30), ALU64_K(BPF_MUL, 0, 10),
	     /* 5 */ EXIT(),
	     /* 6: cb1 */ MOV64_K(1, 5), LDDW_FUNC(2, 4), CALL(30), MOV64_K(0, 0), EXIT(),
	     /* 12: cb2 */ MOV64_K(0, 1), EXIT());
}

TEST(vm_call_depth_limit)
{
	/* cb runs itself through loop(1, cb): frames 1..7 are callbacks, the 8th call fails */
	for (int checked = 0; checked < 2; checked++) {
		struct xr res;
		struct xo o = {.checked = checked};
		deepest = 0;
		CHECK_EQ(xrun(&res, &o, PROG(LDDW_FUNC(2, 4), MOV64_K(1, 1), CALL(30), EXIT(),
					     /* 5: cb */ CALL(32), MOV64_K(1, 1),
					     LDDW_FUNC(2, -3), CALL(30), MOV64_K(0, 0), EXIT())),
			 -E2BIG);
		CHECK_EQ(res.err_insn, 9);
		CHECK_STR(res.log, "insn 9: the call stack of 9 frames is too deep (callback)\n");
		CHECK_EQ(deepest, 7);
	}
	/* local calls and callbacks share the 8 frames: main -> f -> cb -> 5 more local calls */
	ERR_BOTH(0, -E2BIG, 11, "insn 11: the call stack of 9 frames is too deep\n",
		 CALL_LOCAL(1), EXIT(),
		 /* 2: f */ LDDW_FUNC(1, 3), CALL(31), EXIT(),
		 /* 6: cb */ MOV64_K(1, 6), CALL_LOCAL(0),
		 /* 8: g(r1) */ MOV64_K(0, 0), JMP_K(BPF_JEQ, 1, 0, 3), ALU64_K(BPF_SUB, 1, 1),
		 CALL_LOCAL(-4), EXIT(), EXIT(), EXIT());
}

TEST(vm_call_forged_handles)
{
	/* the real handle works; handle + 1 is inside the function, not its start */
	BOTH(0, 1, MOV64_K(1, 1), LDDW_FUNC(2, 4), ALU64_K(BPF_ADD, 2, 0), CALL(30), EXIT(),
	     /* 6: cb */ MOV64_K(0, 0), EXIT());
	ERR_BOTH(0, -EINVAL, 4,
		 "insn 4: invalid callback handle 0x7 (not the start of a function the program "
		 "names)\n",
		 MOV64_K(1, 1), LDDW_FUNC(2, 4), ALU64_K(BPF_ADD, 2, 1), CALL(30), EXIT(),
		 /* 6: cb */ MOV64_K(0, 0), EXIT());
	/* main's start, when nothing names it; a value past the program; a wide value */
	ERR_BOTH(0, -EINVAL, 2,
		 "insn 2: invalid callback handle 0x0 (not the start of a function the program "
		 "names)\n",
		 MOV64_K(1, 1), MOV64_K(2, 0), CALL(30), EXIT());
	ERR_BOTH(0, -EINVAL, 2,
		 "insn 2: invalid callback handle 0x400 (not the start of a function the program "
		 "names)\n",
		 MOV64_K(1, 1), MOV64_K(2, 1024), CALL(30), EXIT());
	ERR_BOTH(0, -EINVAL, 3,
		 "insn 3: invalid callback handle 0x100000005 (not the start of a function the "
		 "program names)\n",
		 MOV64_K(1, 1), LDDW(2, 0x100000005ull), CALL(30), EXIT(),
		 /* 5 */ CALL_LOCAL(-1), EXIT());
	/* a handle is an index: an integer equal to a named function's start reaches only that
	 * start (here a function only a local call names) */
	BOTH(0, 3, MOV64_K(1, 3), MOV64_K(2, 5), CALL(30), EXIT(), CALL_LOCAL(0),
	     /* 5: cb */ MOV64_K(0, 0), EXIT());
	/* lddw func loads the absolute index */
	BOTH(0, 3, LDDW_FUNC(0, 2), EXIT(), /* 3 */ EXIT());
	BOTH(0, 1, JA(1), /* 1 */ EXIT(), LDDW_FUNC(0, -2), EXIT());
}

TEST(vm_call_failure_inside)
{
	/* a fault in the callback ends the whole run at the callback's instruction; the log has
	 * that one line */
	ERR_CHECKED(0, -EFAULT, 6,
		    "insn 6: invalid read of 8 bytes at 0x0 (outside the run's memory)\n",
		    MOV64_K(1, 3), LDDW_FUNC(2, 3), CALL(30), EXIT(),
		    /* 5: cb */ MOV64_K(0, 0), LDX(BPF_DW, 0, 1, 0), EXIT());
	/* a helper failing inside the callback, in both loops */
	ERR_BOTH(0, -EPERM, 6, "insn 6: denied 9\n", MOV64_K(1, 3), LDDW_FUNC(2, 3), CALL(30),
		 EXIT(),
		 /* 5: cb */ MOV64_K(1, 9), CALL(3), EXIT());
	/* two callbacks deep */
	ERR_BOTH(0, -EPERM, 12, "insn 12: denied 4\n", MOV64_K(1, 3), LDDW_FUNC(2, 3), CALL(30),
		 EXIT(),
		 /* 5: cb1 */ MOV64_K(1, 2), LDDW_FUNC(2, 4), CALL(30), MOV64_K(0, 0), EXIT(),
		 /* 11: cb2 */ MOV64_K(1, 4), CALL(3), EXIT());
	/* callx to an unknown helper inside a callback */
	ERR_BOTH(0, -EINVAL, 6, "insn 6: callx to unknown helper 99\n", MOV64_K(1, 3),
		 LDDW_FUNC(2, 3), CALL(30), EXIT(),
		 /* 5: cb */ MOV64_K(8, 99), CALLX(8), EXIT());
}

/* --- vm_run_return, budget. */

TEST(vm_run_return_frames)
{
	/* from main: the run ends with the helper's value */
	BOTH(0, 42, MOV64_K(0, 5), MOV64_K(1, 42), CALL(50), MOV64_K(0, 99), EXIT());
	/* from a subprogram: it returns to main, whose r6 is intact */
	BOTH(0, 47, MOV64_K(6, 7), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6), EXIT(),
	     /* 4: f */ MOV64_K(6, 1000), MOV64_K(1, 40), CALL(50), MOV64_K(0, 1000), EXIT());
	/* from a callback: vm_run_call() gets the value */
	BOTH(0, 3, LDDW_FUNC(1, 3), CALL(31), EXIT(),
	     /* 4: cb */ MOV64_K(1, 3), CALL(50), MOV64_K(0, 1000), EXIT());
	/* a failure takes precedence */
	ERR_BOTH(0, -EPERM, 0, "insn 0: both\n", CALL(52), EXIT());
}

TEST(vm_run_budget_and_tail_call)
{
	struct vm_prog *target;
	struct xr res;

	/* 3 instructions: r0 = r1 * 3 */
	CHECK_EQ(vm_prog_new(PROG(MOV64_X(0, 1), ALU64_K(BPF_MUL, 0, 3), EXIT()), NULL, NULL,
			     &target),
		 0);
	for (int checked = 0; checked < 2; checked++) {
		struct xo o = {.checked = checked, .user = target, .budget = 100};
		CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(1, 14), CALL(51), MOV64_K(0, 1000), EXIT())),
			 0);
		CHECK_EQ(res.r0, 42);
		if (checked) {
			CHECK_EQ(tail_budget, 98);
			CHECK_EQ(res.budget_left, 95);
		} else {
			CHECK_EQ(tail_budget, UINT64_MAX);
			CHECK_EQ(res.budget_left, 100);
		}
	}
	/* a tail call from a subprogram returns to main */
	struct xo o = {.checked = true, .user = target};
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(6, 8), CALL_LOCAL(2), ALU64_X(BPF_ADD, 0, 6), EXIT(),
				     /* 4 */ MOV64_K(1, 10), CALL(51), EXIT())),
		 0);
	CHECK_EQ(res.r0, 38);
	/* the budget a helper sees, and charges */
	o.budget = 100;
	CHECK_EQ(xrun(&res, &o, PROG(CALL(40), EXIT())), 0);
	CHECK_EQ(res.r0, 99);
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(1, 5), CALL(41), CALL(40), EXIT())), 0);
	CHECK_EQ(res.r0, 100 - 2 - 5 - 1);
	CHECK_EQ(res.budget_left, 100 - 2 - 5 - 2);
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(1, 1000), CALL(41), CALL(40), EXIT())), -E2BIG);
	CHECK_EQ(res.err_insn, 2);
	CHECK_EQ(res.budget_left, 0);
	/* unchecked runs have no budget */
	o.checked = false;
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(1, 1000), CALL(41), CALL(40), EXIT())), 0);
	CHECK_EQ(res.r0, UINT64_MAX);
	vm_prog_free(target);
}

/* --- kfuncs, lddw. */

TEST(vm_kfunc_calls)
{
	/* kfunc 100 = r1 * r2, 101 = r1 - r2: (6 * 7) + (50 - 8) */
	BOTH(0, 84, MOV64_K(1, 6), MOV64_K(2, 7), KCALL(100), MOV64_X(6, 0), MOV64_K(1, 50),
	     MOV64_K(2, 8), KCALL(101), ALU64_X(BPF_ADD, 0, 6), EXIT());
	/* helpers and kfuncs are separate tables */
	struct xr res;
	struct xo o = {0};
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(0, 0), KCALL(1), EXIT())), -ENOENT);
	CHECK_STR(res.log, "insn 1: unknown kfunc #1\n");
	CHECK_EQ(xrun(&res, &o, PROG(MOV64_K(0, 0), CALL(100), EXIT())), -ENOENT);
	CHECK_STR(res.log, "insn 1: unknown helper ID 100\n");
	/* no table at all */
	struct vm_prog *prog = NULL;
	char buf[128];
	struct log log;
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(vm_prog_new(PROG(KCALL(100), EXIT()), &ext_helpers, &log, &prog), -ENOENT);
	CHECK_STR(buf, "insn 0: unknown kfunc #100\n");
	log_init(&log, buf, sizeof(buf));
	CHECK_EQ(vm_prog_new_opts(PROG(KCALL(100), EXIT()), NULL, &log, &prog), -ENOENT);
	CHECK_STR(buf, "insn 0: unknown kfunc #100\n");
	CHECK(prog == NULL);
	/* the raw API has no kfuncs */
	struct exbpf_vm *vm = exbpf_vm__new(NULL);
	CHECK_EQ(exbpf_vm__load(vm, PROG(KCALL(100), EXIT()), buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "insn 0: unknown kfunc #100\n");
	exbpf_vm__free(vm);
}

TEST(vm_lddw_full_immediate)
{
	static const uint64_t vals[] = {
		0x8000000180000001ull, 0xffffffff00000000ull, 0x00000000ffffffffull,
		0x0000000080000000ull, 0xffffffffffffffffull, 0x123456789abcdef0ull, 0,
	};
	for (size_t i = 0; i < ARRAY_LEN(vals); i++)
		BOTH(0, vals[i], LDDW(0, vals[i]), EXIT());
	/* what the runtime leaves of a map reference: a host pointer, used as memory */
	uint64_t v = 0x1122334455667788ull;
	BOTH(0, v, LDDW(1, (uint64_t)(uintptr_t)&v), MOV64_K(2, 8), MOV64_K(3, 0), CALL(20),
	     LDDW(1, (uint64_t)(uintptr_t)&v), LDX(BPF_DW, 0, 1, 0), EXIT());
}

/* --- Concurrency. */

struct call_thread {
	const struct vm_prog *prog;
	uint64_t seed;
	int failures;
};

static void *call_thread_main(void *p)
{
	struct call_thread *t = p;

	for (int iter = 0; iter < 2000; iter++) {
		uint64_t n = 1 + (t->seed + (uint64_t)iter) % 13, m = 1 + (uint64_t)iter % 7;
		char buf[128];
		struct log log;
		log_init(&log, buf, sizeof(buf));
		struct vm_exec x = {.args = {n, m}, .checked = iter & 1, .budget = 100000,
				    .log = &log};
		if (vm_exec(t->prog, &x) || x.r0 != n * m)
			t->failures++;
	}
	return NULL;
}

TEST(vm_call_concurrent)
{
	struct vm_prog *prog;

	CHECK_EQ(vm_prog_new(nested_prog, ARRAY_LEN(nested_prog), &ext_helpers, NULL, &prog), 0);
	struct call_thread args[2] = {{prog, 1, 0}, {prog, 5, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, call_thread_main, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(args[0].failures, 0);
	CHECK_EQ(args[1].failures, 0);
	vm_prog_free(prog);
}
