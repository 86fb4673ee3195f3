/* The interpreter: builds a vm_prog from validated instructions and runs it. The loop itself
 * is interp_loop.inc, compiled twice (fast and checked) from one text. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_priv.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the interpreter's le/be instructions assume a little-endian host");
_Static_assert(sizeof(struct vm_insn) == 16, "vm_insn is meant to be 16 bytes");
_Static_assert(ISA_OP_COUNT <= 256, "vm_insn stores the op id in a byte");

/* Signed division per RFC 9669: x / 0 = 0, x % 0 = x, INT_MIN / -1 = INT_MIN, x % -1 = 0.
 * Done on unsigned values where C's signed operators would overflow. */
static inline uint64_t vm_sdiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
	if ((int64_t)b == -1)
		return 0 - a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t vm_smod64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint32_t vm_sdiv32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return 0;
	if ((int32_t)b == -1)
		return 0 - a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline uint32_t vm_smod32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return a;
	if ((int32_t)b == -1)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

/* Lowest stack byte the current frame may touch: the bottom of its 512-byte slice. */
static inline uint64_t reg_fp_low(const struct vm_state *st, int depth)
{
	return (uint64_t)(uintptr_t)st->stack + sizeof(st->stack) -
	       (uint64_t)(depth + 1) * BPF_STACK_SIZE;
}

static inline bool in_range(uint64_t addr, size_t size, uint64_t start, uint64_t len)
{
	return addr >= start && size <= len && addr - start <= len - size;
}

/* Why a checked access failed, for the message; 0 when it may proceed. */
enum vm_fault {
	VM_OK,
	VM_HOOKED, /* not a fault: a hooked region's access() performs the access */
	VM_FAULT_OUTSIDE,
	VM_FAULT_READONLY,
	VM_FAULT_MISALIGNED,
	VM_FAULT_HOOK_ATOMIC,
};

static const char *const vm_fault_why[] = {
	[VM_FAULT_OUTSIDE] = "outside the run's memory",
	[VM_FAULT_READONLY] = "the region is read-only",
	[VM_FAULT_MISALIGNED] = "an atomic access must be aligned to its size",
	[VM_FAULT_HOOK_ATOMIC] = "atomics cannot target a hooked (context) region",
};

/* The caller's regions, then the dynamic ones (newest first: a program mostly works on the
 * value it just looked up). A read-only match does not end the search: another region may
 * allow the write. */
static enum vm_fault vm_access_regions(const struct vm_state *st, uint64_t addr, size_t size,
				       bool write, const struct vm_region **hooked)
{
	const struct vm_exec *x = st->x;
	enum vm_fault f = VM_FAULT_OUTSIDE;

	for (size_t i = 0; i < x->nregions; i++) {
		const struct vm_region *r = &x->regions[i];
		if (!in_range(addr, size, r->start, r->size))
			continue;
		if (write && !r->writable) {
			f = VM_FAULT_READONLY;
			continue;
		}
		if (r->access) {
			*hooked = r;
			return VM_HOOKED;
		}
		return VM_OK;
	}
	for (size_t i = st->ndyn; i-- > 0;) {
		const struct vm_dyn_region *d = &st->dyn[i];
		if (!in_range(addr, size, d->start, d->size))
			continue;
		if (write && !d->writable) {
			f = VM_FAULT_READONLY;
			continue;
		}
		return VM_OK;
	}
	return f;
}

/* The stack comes first: it is where most accesses of a typical program go. */
static inline enum vm_fault vm_access_ok(const struct vm_state *st, uint64_t stack_lo,
					 uint64_t stack_hi, uint64_t addr, size_t size, bool write,
					 const struct vm_region **hooked)
{
	if (in_range(addr, size, stack_lo, stack_hi - stack_lo))
		return VM_OK;
	return vm_access_regions(st, addr, size, write, hooked);
}

/* Runs a callback for vm_run_call() (struct exbpf_run.engine_call). */
static int vm_interp_call(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			  uint64_t *r0);

#define VM_CHECKED 0
#define VM_RUN_NAME vm_run_fast
#include "vm/interp_loop.inc"
#undef VM_CHECKED
#undef VM_RUN_NAME

#define VM_CHECKED 1
#define VM_RUN_NAME vm_run_checked
#include "vm/interp_loop.inc"
#undef VM_CHECKED
#undef VM_RUN_NAME

exbpf_helper_fn vm_helper_find(const struct vm_helper_table *t, uint32_t id)
{
	for (size_t i = 0; t && i < t->cnt; i++) {
		if (t->helpers[i].id == id)
			return t->helpers[i].fn;
	}
	return NULL;
}

/* Index of helper `fn` in the program's table, adding it if new. */
static int helper_slot(struct vm_prog *p, exbpf_helper_fn fn, uint32_t *out)
{
	for (size_t i = 0; i < p->nhelper_fns; i++) {
		if (p->helper_fns[i] == fn) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	exbpf_helper_fn *n = realloc(p->helper_fns, (p->nhelper_fns + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->helper_fns = n;
	n[p->nhelper_fns] = fn;
	*out = (uint32_t)p->nhelper_fns++;
	return 0;
}

static int unsupported(struct log *log, size_t i, const struct isa_insn *in)
{
	log_printf(log, "insn %zu: this lddw form needs the loader to resolve it (%s)\n", i,
		   isa_descs[in->op].name);
	return -EOPNOTSUPP;
}

static void mark_entry(struct vm_prog *p, int64_t i)
{
	p->entries[i / 8] |= (uint8_t)(1u << (i % 8));
}

int vm_prog_new_opts(const struct bpf_insn *insns, size_t cnt, const struct vm_prog_opts *opts,
		     struct log *log, struct vm_prog **out)
{
	static const struct vm_prog_opts no_opts;
	if (!opts)
		opts = &no_opts;
	const struct vm_helper_table *helpers = opts->helpers;
	int err = isa_validate(insns, cnt, log);
	if (err)
		return err;

	struct vm_prog *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->insns = calloc(cnt, sizeof(*p->insns));
	p->entries = calloc((cnt + 7) / 8, 1);
	p->cnt = cnt;
	p->helpers = helpers;
	if (!p->insns || !p->entries) {
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cnt;) {
		struct isa_insn in;
		int n = isa_decode(insns, cnt, i, &in, NULL);
		struct vm_insn *v = &p->insns[i];

		v->op = (uint8_t)in.op;
		v->dst = in.dst;
		v->src = in.src;
		v->off = in.off;
		v->imm = in.imm;
		switch (in.op) {
		case ISA_OP_CALL_HELPER: {
			exbpf_helper_fn fn = vm_helper_find(helpers, (uint32_t)in.imm);
			if (!fn) {
				log_printf(log, "insn %zu: unknown helper ID %" PRIu32 "\n", i,
					   (uint32_t)in.imm);
				err = -ENOENT;
				goto fail;
			}
			err = helper_slot(p, fn, &v->aux);
			if (err)
				goto fail;
			break;
		}
		case ISA_OP_CALL_KFUNC: {
			exbpf_helper_fn fn = vm_helper_find(opts->kfuncs, (uint32_t)in.imm);
			if (!fn) {
				log_printf(log, "insn %zu: unknown kfunc #%" PRIu32 "\n", i,
					   (uint32_t)in.imm);
				err = -ENOENT;
				goto fail;
			}
			err = helper_slot(p, fn, &v->aux);
			if (err)
				goto fail;
			break;
		}
		case ISA_OP_CALL_LOCAL:
			v->aux = (uint32_t)isa_branch_target(&in, i);
			mark_entry(p, v->aux);
			break;
		case ISA_OP_LDDW:
			p->insns[i + 1].imm = in.imm2;
			break;
		case ISA_OP_LDDW_FUNC: {
			/* The handle is the target's absolute index (isa_validate() has checked it
			 * lands on an instruction); the loop loads it like a plain lddw. */
			int64_t t = isa_branch_target(&in, i);
			v->imm = (int32_t)t;
			p->insns[i + 1].imm = 0;
			mark_entry(p, t);
			break;
		}
		default:
			if (isa_descs[in.op].flags & ISA_F_WIDE) {
				err = unsupported(log, i, &in);
				goto fail;
			}
			break;
		}
		i += (size_t)n;
	}
	*out = p;
	return 0;
fail:
	vm_prog_free(p);
	return err;
}


int vm_prog_new(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct vm_prog **out)
{
	struct vm_prog_opts opts = {.helpers = helpers};
	return vm_prog_new_opts(insns, cnt, &opts, log, out);
}

void vm_prog_free(struct vm_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	free(prog->helper_fns);
	free(prog->entries);
	free(prog);
}

int vm_exec(const struct vm_prog *prog, struct vm_exec *x)
{
	struct vm_state st;
	int err;

	x->err_insn = -1;
	x->r0 = 0;
	x->hook_why[0] = '\0';
	st.prog = prog;
	st.x = x;
	st.budget = x->budget;
	st.dyn = st.dyn_inline;
	st.ndyn = 0;
	st.dyn_cap = VM_DYN_INLINE;
	memset(st.reg, 0, sizeof(st.reg));
	for (int i = 0; i < 5; i++)
		st.reg[i + 1] = x->args[i];
	x->nthrow = 0;
	if (x->entry >= prog->cnt && x->entry) {
		log_printf(x->log, "entry %zu is not an instruction of the program\n", x->entry);
		return -EINVAL;
	}
	err = x->checked ? vm_run_checked(&st, st.reg, x->entry, 0)
			 : vm_run_fast(&st, st.reg, x->entry, 0);
	if (!err)
		x->r0 = st.reg[0];
	x->budget_left = x->checked ? st.budget : x->budget;
	if (st.dyn != st.dyn_inline)
		free(st.dyn);
	return err;
}

int vm_exec_why(struct vm_exec *x, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->hook_why, sizeof(x->hook_why), fmt, ap);
	va_end(ap);
	return err;
}

bool vm_run_access_ok(const struct exbpf_run *run, uint64_t addr, size_t size, bool write)
{
	const struct vm_region *hooked;

	if (!run->checked)
		return true;
	uint64_t top = (uint64_t)(uintptr_t)run->st->stack + sizeof(run->st->stack);
	return vm_access_ok(run->st, reg_fp_low(run->st, run->depth), top, addr, size, write,
			    &hooked) == VM_OK;
}

int vm_run_add_region(struct exbpf_run *run, uint64_t start, size_t size, bool writable)
{
	struct vm_state *st = run->st;

	if (!run->checked || size == 0)
		return 0;
	if (start + size < start)
		return -EINVAL;
	for (size_t i = 0; i < st->ndyn; i++) {
		const struct vm_dyn_region *d = &st->dyn[i];
		if (d->start == start && d->size == size && d->writable == writable)
			return 0;
	}
	if (st->ndyn >= VM_MAX_DYN_REGIONS)
		return -E2BIG;
	if (st->ndyn == st->dyn_cap) {
		size_t cap = st->dyn_cap * 4 < VM_MAX_DYN_REGIONS ? st->dyn_cap * 4
								  : VM_MAX_DYN_REGIONS;
		struct vm_dyn_region *n;
		if (st->dyn == st->dyn_inline) {
			n = malloc(cap * sizeof(*n));
			if (n)
				memcpy(n, st->dyn, st->ndyn * sizeof(*n));
		} else {
			n = realloc(st->dyn, cap * sizeof(*n));
		}
		if (!n)
			return -ENOMEM;
		st->dyn = n;
		st->dyn_cap = cap;
	}
	st->dyn[st->ndyn++] = (struct vm_dyn_region){start, size, writable};
	return 0;
}

void vm_run_drop_region(struct exbpf_run *run, uint64_t start)
{
	struct vm_state *st = run->st;

	if (!run->checked)
		return;
	for (size_t i = 0; i < st->ndyn;) {
		if (st->dyn[i].start == start) {
			memmove(&st->dyn[i], &st->dyn[i + 1], (st->ndyn - i - 1) * sizeof(st->dyn[i]));
			st->ndyn--;
		} else {
			i++;
		}
	}
}

/* The callback's registers live here; the calling frame's stay in its own loop's array. */
static int vm_interp_call(struct exbpf_run *run, size_t entry, const uint64_t args[5],
			  uint64_t *r0)
{
	uint64_t reg[BPF_REG_COUNT] = {0};
	int err;

	memcpy(&reg[1], args, 5 * sizeof(reg[1]));
	err = run->checked ? vm_run_checked(run->st, reg, entry, run->depth + 1)
			   : vm_run_fast(run->st, reg, entry, run->depth + 1);
	if (!err)
		*r0 = reg[0];
	return err;
}

/* The checks and the run's bookkeeping are the same for every engine; running the frame is
 * the engine's (run->engine_call). */
int vm_run_call(struct exbpf_run *run, uint64_t handle, const uint64_t args[5], uint64_t *r0)
{
	static const uint64_t no_args[5];
	uint64_t res = 0;
	int err;

	if (run->err)
		return run->err;
	if (!vm_prog_is_entry(run->prog, handle))
		return vm_run_fail(run, -EINVAL, "invalid callback handle 0x%" PRIx64
				   " (not the start of a function the program names)", handle);
	if (run->depth + 1 >= BPF_MAX_CALL_FRAMES)
		return vm_run_fail(run, -E2BIG,
				   "the call stack of %d frames is too deep (callback)",
				   run->depth + 2);
	if (!run->engine_call)
		return vm_run_fail(run, -ENOTSUP, "this run cannot call back into the program");
	err = run->engine_call(run, (size_t)handle, args ? args : no_args, &res);
	if (err == VM_THROWN) {
		run->thrown = true;
		return VM_THROWN;
	}
	if (err) {
		/* the callback's frame has logged it and set err_insn */
		run->err = err < 0 ? err : -EINVAL;
		return run->err;
	}
	if (r0)
		*r0 = res;
	return 0;
}

bool vm_prog_is_callback(const struct vm_prog *prog, uint64_t handle)
{
	return vm_prog_is_entry(prog, handle);
}

size_t vm_run_insn(const struct exbpf_run *run)
{
	return (size_t)(run->pc - run->prog->insns);
}

uint64_t vm_run_budget(const struct exbpf_run *run)
{
	return run->checked ? run->st->budget : UINT64_MAX;
}

void vm_run_charge(struct exbpf_run *run, uint64_t n)
{
	struct vm_state *st = run->st;

	if (run->checked)
		st->budget = n < st->budget ? st->budget - n : 0;
}

int vm_run_fail(struct exbpf_run *run, int err, const char *fmt, ...)
{
	va_list ap;

	log_printf(run->exec->log, "insn %td: ", run->pc - run->prog->insns);
	va_start(ap, fmt);
	log_vprintf(run->exec->log, fmt, ap);
	va_end(ap);
	log_printf(run->exec->log, "\n");
	run->err = err < 0 ? err : -EINVAL;
	return run->err;
}
