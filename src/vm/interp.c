/* The interpreter: builds a vm_prog from validated instructions and runs it. The loop itself
 * is interp_loop.inc, compiled twice (fast and checked) from one text. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
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
	VM_FAULT_OUTSIDE,
	VM_FAULT_READONLY,
	VM_FAULT_MISALIGNED,
};

static const char *const vm_fault_why[] = {
	[VM_FAULT_OUTSIDE] = "outside the run's memory",
	[VM_FAULT_READONLY] = "the region is read-only",
	[VM_FAULT_MISALIGNED] = "an atomic access must be aligned to its size",
};

/* The stack comes first: it is where most accesses of a typical program go. */
static inline enum vm_fault vm_access_ok(const struct vm_exec *x, uint64_t stack_lo,
					 uint64_t stack_hi, uint64_t addr, size_t size, bool write)
{
	if (in_range(addr, size, stack_lo, stack_hi - stack_lo))
		return VM_OK;
	for (size_t i = 0; i < x->nregions; i++) {
		const struct vm_region *r = &x->regions[i];
		if (in_range(addr, size, r->start, r->size))
			return !write || r->writable ? VM_OK : VM_FAULT_READONLY;
	}
	return VM_FAULT_OUTSIDE;
}

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
	const char *what;

	switch (in->op) {
	case ISA_OP_CALL_KFUNC:
		what = "a kfunc call needs the runtime's kfunc registry";
		break;
	case ISA_OP_LD_ABS_B:
	case ISA_OP_LD_ABS_H:
	case ISA_OP_LD_ABS_W:
	case ISA_OP_LD_IND_B:
	case ISA_OP_LD_IND_H:
	case ISA_OP_LD_IND_W:
		what = "legacy packet loads need a socket-filter context";
		break;
	default:
		what = "this lddw form needs the loader to resolve it";
		break;
	}
	log_printf(log, "insn %zu: %s (%s)\n", i, what, isa_descs[in->op].name);
	return -EOPNOTSUPP;
}

int vm_prog_new(const struct bpf_insn *insns, size_t cnt, const struct vm_helper_table *helpers,
		struct log *log, struct vm_prog **out)
{
	int err = isa_validate(insns, cnt, log);
	if (err)
		return err;

	struct vm_prog *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->insns = calloc(cnt, sizeof(*p->insns));
	p->cnt = cnt;
	p->helpers = helpers;
	if (!p->insns) {
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
		case ISA_OP_CALL_LOCAL:
			v->aux = (uint32_t)isa_branch_target(&in, i);
			break;
		case ISA_OP_LDDW:
			p->insns[i + 1].imm = in.imm2;
			break;
		default:
			if (isa_descs[in.op].flags & ISA_F_LEGACY || in.op == ISA_OP_CALL_KFUNC ||
			    (isa_descs[in.op].flags & ISA_F_WIDE)) {
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

void vm_prog_free(struct vm_prog *prog)
{
	if (!prog)
		return;
	free(prog->insns);
	free(prog->helper_fns);
	free(prog);
}

int vm_exec(const struct vm_prog *prog, struct vm_exec *x)
{
	struct vm_state st;

	x->err_insn = -1;
	x->r0 = 0;
	return x->checked ? vm_run_checked(prog, x, &st) : vm_run_fast(prog, x, &st);
}

bool vm_run_access_ok(const struct exbpf_run *run, uint64_t addr, size_t size, bool write)
{
	if (!run->checked)
		return true;
	uint64_t top = (uint64_t)(uintptr_t)run->st->stack + sizeof(run->st->stack);
	return vm_access_ok(run->exec, reg_fp_low(run->st, run->depth), top, addr, size,
			    write) == VM_OK;
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
