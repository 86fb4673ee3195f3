/* Running a prepared program the way BPF_PROG_TEST_RUN does: a context built from the
 * caller's data, one run (or `repeat` runs), the return value as the program type reports
 * it. Unverified programs run in the checked interpreter, which sees the context through the
 * type's field table and may touch only the packet, the global data it references and what
 * helpers hand it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit/jit.h"
#include "runtime/kfuncs.h"
#include "runtime/runtime.h"

struct hook_ctx {
	const struct prog_type *pt;
	struct run_ctx *rc;
	struct vm_exec *x;
};

static int ctx_hook(void *p, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct hook_ctx *h = p;
	const char *why = "outside the context";
	int err = off > UINT32_MAX ? -EACCES
				   : ctx_access(h->pt, h->rc, (uint32_t)off, size, write, val, &why);

	if (err)
		vm_exec_why(h->x, err, "invalid bpf_context access off=%llu size=%u (%s)",
			    (unsigned long long)off, size, why);
	return err;
}

/* The context region, the packet, and the program's global data. */
static int build_regions(struct exbpf_program *prog, struct run_ctx *rc, struct hook_ctx *h,
			 struct vm_region **out, size_t *n)
{
	struct vm_region *r = calloc(prog->nregions + 2, sizeof(*r));
	size_t k = 0;

	if (!r)
		return -ENOMEM;
	if (rc->ctx && rc->args[0] == (uintptr_t)rc->ctx)
		r[k++] = (struct vm_region){.start = (uintptr_t)rc->ctx,
					    .size = prog->pt->uapi_ctx_size ? prog->pt->uapi_ctx_size
									    : rc->ctx_size,
					    .writable = true,
					    .access = ctx_hook,
					    .hook_ctx = h};
	if (rc->data)
		r[k++] = (struct vm_region){.start = (uintptr_t)rc->data_meta,
					    .size = (size_t)(rc->data_end - rc->data_meta),
					    .writable = true};
	if (prog->nregions)
		memcpy(r + k, prog->regions, prog->nregions * sizeof(*r));
	*out = r;
	*n = k + prog->nregions;
	return 0;
}

/* The throw report: the cookie and each unwound frame's function and source line. */
static void report_throw(struct exbpf_program *prog, const struct vm_exec *x,
			 struct exbpf_exception *e)
{
	e->thrown = true;
	e->cookie = x->cookie;
	e->nframes = x->nthrow < EXBPF_MAX_FRAMES ? x->nthrow : EXBPF_MAX_FRAMES;
	for (uint32_t i = 0; i < e->nframes; i++) {
		struct exbpf_frame *f = &e->frames[i];
		uint32_t insn = x->throw_insns[i];
		const struct rt_insn_src *s = insn < prog->cnt ? &prog->src[insn] : NULL;

		*f = (struct exbpf_frame){.func = s ? s->func : "?", .insn = insn,
					  .file = s ? s->file : "", .line = s ? s->line : 0,
					  .text = s ? s->text : ""};
	}
}

/* What the run held when it threw, released innermost (latest) first, each once: samples
 * discarded, objects dropped, locks unlocked. */
void rt_release_held(struct rt_run *rr)
{
	while (rr->nheld) {
		struct rt_held *h = &rr->held[--rr->nheld];

		if (h->kind == RT_HELD_RINGBUF)
			ringbuf_discard(h->ptr, 0);
		else if (h->kind == RT_HELD_OBJ)
			rt_obj_free(h->ptr);
		else if (h->kind == RT_HELD_SPIN_LOCK)
			map_spin_unlock(h->ptr);
		else if (h->kind == RT_HELD_ITER_BITS)
			rt_iter_bits_free(h->ptr);
	}
}

int rt_move_packet(struct exbpf_run *run, uint8_t *data, uint8_t *data_end, uint8_t *data_meta)
{
	struct rt_run *rr = rt_run_of(run);
	struct run_ctx *rc = rr->rc;
	uintptr_t old = (uintptr_t)rc->data_meta;
	size_t old_size = (size_t)(rc->data_end - rc->data_meta);
	int err = prog_type_move_packet(rr->prog->pt, rc, data, data_end, data_meta);

	/* The checked interpreter's packet region (build_regions) follows. */
	if (!err && run->checked) {
		struct vm_region *r = (struct vm_region *)run->exec->regions;

		for (size_t i = 0; i < run->exec->nregions; i++)
			if (r[i].start == old && r[i].size == old_size && !r[i].access) {
				r[i].start = (uintptr_t)data_meta;
				r[i].size = (size_t)(data_end - data_meta);
			}
	}
	return err;
}

/* A run that failed, or an unverified one that returned still holding something, must not
 * leave a lock taken or a sample reserved for the next run to trip over: release, and in the
 * second case fail (a verified program always releases before it exits). */
static int end_holding(struct exbpf_program *prog, struct rt_run *rr, int err)
{
	size_t n = rr->nheld;

	if (!n || (!err && !prog->checked))
		return err;
	rt_release_held(rr);
	if (err)
		return err;
	log_printf(rr->log, "'%s' returned holding %zu lock(s) or reference(s); released\n",
		   prog->name, n);
	return -EINVAL;
}

/* The inputs of a run of prog's function at `entry` (the engines set every output), and for
 * the checked interpreter its regions, which exec_free() releases; h lives as long as x.
 * Field by field: zeroing the whole struct (throw frames, a message buffer) costs more than a
 * short program. */
static int exec_prepare(struct exbpf_program *prog, struct rt_run *rr, struct exbpf_run *caller,
			size_t entry, const uint64_t *args, struct hook_ctx *h, struct vm_exec *x)
{
	*h = (struct hook_ctx){prog->pt, rr->rc, x};
	x->checked = prog->checked;
	x->log = rr->log;
	x->user = rr;
	x->entry = entry;
	x->regions = NULL;
	x->nregions = 0;
	x->budget = caller ? vm_run_budget(caller) : prog->inst->budget;
	/* Legacy packet loads exist for skb programs only (Linux: may_access_skb). */
	x->pkt = rr->rc->pkt_mac ? rr->rc->data : NULL;
	x->pkt_end = rr->rc->pkt_mac ? rr->rc->data_end : NULL;
	x->pkt_mac = rr->rc->pkt_mac;
	memcpy(x->args, args, sizeof(rr->rc->args));
	x->args[2] = x->args[3] = x->args[4] = 0;
	/* Only the checked interpreter consults regions; verified runs touch memory directly. */
	if (prog->checked)
		return build_regions(prog, rr->rc, h, (struct vm_region **)&x->regions,
				     &x->nregions);
	return 0;
}

static void exec_free(struct vm_exec *x)
{
	free((void *)x->regions);
	x->regions = NULL;
}

/* One run on prepared inputs, as the executing program of the invocation (a tail call
 * nests), its instructions charged to the caller's budget. */
static inline int exec_engine(struct exbpf_program *prog, struct rt_run *rr,
			      struct exbpf_run *caller, struct vm_exec *x)
{
	struct exbpf_program *outer = rr->prog;
	int err;

	rr->prog = prog;
	err = rt_engine_exec(prog, x);
	rr->prog = outer;
	if (caller && x->checked)
		vm_run_charge(caller, x->budget - x->budget_left);
	return err;
}

int rt_engine_exec(const struct exbpf_program *prog, struct vm_exec *x)
{
	return prog->jit ? jit_exec(prog->jit, x) : vm_exec(prog->vm, x);
}

const char *exbpf_program__engine(const struct exbpf_program *prog)
{
	return prog->checked ? "checked" : prog->jit ? "jit" : "interp";
}

/* After the engine: r0 and, unless the run simply returned holding nothing, what a throw or a
 * failure needs. A throw ends the program that is executing (a tail-call target included):
 * what it holds is released, then its exception callback (a run of its own, x is left as it
 * was), or the cookie, gives its return value. */
static int exec_end_slow(struct exbpf_program *prog, struct rt_run *rr,
			 struct exbpf_run *caller, const struct vm_exec *x, int err, uint64_t *r0,
			 int64_t *err_insn)
{
	int64_t cb;

	if (err != VM_THROWN)
		return end_holding(prog, rr, err);
	if (rr->exc && !rr->exc->thrown)
		report_throw(prog, x, rr->exc);
	rt_release_held(rr);
	*r0 = x->cookie;
	cb = exbpf_prog__exception_cb_insn(prog->spec);
	if (cb < 0)
		return 0;

	uint64_t args[2] = {x->cookie, 0};
	struct hook_ctx h;
	struct vm_exec xc;

	err = exec_prepare(prog, rr, caller, (size_t)cb, args, &h, &xc);
	if (err)
		return err;
	err = exec_engine(prog, rr, caller, &xc);
	exec_free(&xc);
	*r0 = xc.r0;
	*err_insn = xc.err_insn;
	if (err == VM_THROWN) {
		rt_release_held(rr);
		log_printf(rr->log, "the exception callback of '%s' threw\n", prog->name);
		return -EINVAL;
	}
	return end_holding(prog, rr, err);
}

static inline int exec_end(struct exbpf_program *prog, struct rt_run *rr,
			   struct exbpf_run *caller, const struct vm_exec *x, int err, uint64_t *r0,
			   int64_t *err_insn)
{
	*r0 = x->r0;
	*err_insn = x->err_insn;
	if (__builtin_expect(!err && !rr->nheld, 1))
		return 0;
	return exec_end_slow(prog, rr, caller, x, err, r0, err_insn);
}

int rt_exec(struct exbpf_program *prog, struct rt_run *rr, struct exbpf_run *caller,
	    uint64_t *r0, int64_t *err_insn)
{
	struct hook_ctx h;
	struct vm_exec x;
	int err = exec_prepare(prog, rr, caller, 0, rr->rc->args, &h, &x);

	*r0 = 0;
	*err_insn = -1;
	if (err)
		return err;
	err = exec_engine(prog, rr, caller, &x);
	exec_free(&x);
	return exec_end(prog, rr, caller, &x, err, r0, err_insn);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What the caller gets back: the packet (data..data_end) and the context after the run. */
static void copy_out(const struct prog_type *pt, const struct run_ctx *rc,
		     struct exbpf_run_opts *o)
{
	const uint8_t *start;
	size_t n;

	if (o->ctx_out && rc->ctx) {
		n = pt->uapi_ctx_size ? pt->uapi_ctx_size : rc->ctx_size;
		if (n > o->ctx_size_out)
			n = o->ctx_size_out;
		memcpy(o->ctx_out, rc->ctx, n);
		o->ctx_size_out = n;
	}

	if (!o->data_out || !rc->data)
		return;
	/* Linux gives an xdp program's metadata back in front of the packet. */
	start = pt->type == BPF_PROG_TYPE_XDP ? rc->data_meta : rc->data;
	n = (size_t)(rc->data_end - start);
	if (n > o->data_size_out)
		n = o->data_size_out;
	memcpy(o->data_out, start, n);
	o->data_size_out = n;
}

int exbpf_program__run(struct exbpf_program *prog, struct exbpf_run_opts *o)
{
	struct run_input in = {o->data_in, o->data_size_in, o->ctx_in, o->ctx_size_in};
	uint32_t repeat = o->repeat ? o->repeat : 1;
	struct run_ctx rc = {0};
	struct log log;
	struct rt_run rr;
	struct hook_ctx h;
	struct vm_exec x;
	uint64_t r0 = 0, t0;
	int64_t err_insn;
	int err = 0;

	x.regions = NULL;
	log_init(&log, o->log_buf, o->log_size);
	memset(&o->exception, 0, sizeof(o->exception));
	if (!prog || !prog->loaded) {
		log_printf(&log, "the program is not loaded\n");
		return -EINVAL;
	}
	if (!prog->pt->packet && o->data_size_in) {
		log_printf(&log, "%s programs take a context, not packet data\n", prog->pt->name);
		return -EINVAL;
	}
	if (prog->pt->type == BPF_PROG_TYPE_SYSCALL && o->ctx_size_in < prog->max_ctx_off) {
		log_printf(&log, "the program reads %u bytes of its context, the run gives %zu "
				 "(Linux: EINVAL)\n", prog->max_ctx_off, o->ctx_size_in);
		return -EINVAL;
	}
	/* As BPF_PROG_TEST_RUN: one context, the program run `repeat` times on it (what a run
	 * writes, the next one sees), only the runs timed. */
	err = prog->pt->build(prog->pt, &in, &rc, &log);
	t0 = now_ns();
	/* The engine's inputs are the same for every run: set up once (timed, as part of the
	 * runs). */
	if (!err) {
		rt_run_init(&rr, prog, &rc, &log, &o->exception);
		err = exec_prepare(prog, &rr, NULL, 0, rc.args, &h, &x);
	}
	for (uint32_t i = 0; i < repeat && !err; i++) {
		/* A new invocation: no tail call taken, nothing held (rt_run_init()'s other
		 * fields stay as they are; a run that threw left x's inputs alone). */
		rr.tail_calls = 0;
		rr.nheld = 0;
		err = exec_engine(prog, &rr, NULL, &x);
		err = exec_end(prog, &rr, NULL, &x, err, &r0, &err_insn);
	}
	o->duration_ns = (now_ns() - t0) / repeat;
	exec_free(&x);
	if (!err) {
		o->retval = prog->pt->retval_u32 ? (uint32_t)r0 : r0;
		copy_out(prog->pt, &rc, o);
	}
	run_ctx_free(&rc);
	return err;
}
