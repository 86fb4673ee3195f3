/* The interpreter's runs as a whole: calls and frames, helpers and callx, what a checked run
 * refuses (and the instruction it names), budgets, load-time rejections, concurrent and
 * nested runs, the public raw API, and a timing printout. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <exbpf/vm.h>

#include "common/log.h"
#include "isa/opcodes.h"
#include "test_interp.h"
#include "testlib.h"

/* Expects a checked run to fail with err at insn, its message containing `why`. */
static void expect_fault(int line, void *mem, size_t len, int err, int64_t insn, const char *why,
			 const struct bpf_insn *p, size_t cnt)
{
	struct ti_result res;
	struct ti_opts o = {.mem = mem, .mem_len = len, .checked = true};

	ti_run(&res, &o, p, cnt);
	if (res.load_err || res.err != err || res.err_insn != insn || !strstr(res.log, why))
		test_fail(__FILE__, line,
			  "got load %d run %d at insn %" PRId64 " \"%s\", want %d at %" PRId64
			  " \"%s\"",
			  res.load_err, res.err, res.err_insn, res.log, err, insn, why);
}

#define FAULT(mem, len, insn, why, ...)                                                         \
	expect_fault(__LINE__, mem, len, -EFAULT, insn, why, PROG(__VA_ARGS__))

/* Expects vm_prog_new to refuse the program. */
static void expect_load_err(int line, int err, const char *why, const struct bpf_insn *p,
			    size_t cnt)
{
	struct ti_result res;
	struct ti_opts o = {0};

	ti_run(&res, &o, p, cnt);
	if (res.load_err != err || !strstr(res.log, why))
		test_fail(__FILE__, line, "load %d \"%s\", want %d \"%s\"", res.load_err, res.log,
			  err, why);
}

#define LOAD_ERR(err, why, ...) expect_load_err(__LINE__, err, why, PROG(__VA_ARGS__))

/* f(r1) = r1 ? f(r1 - 1) + 1 : 0, called from main with r1 = n: n + 2 frames in all. */
#define RECURSE(n)                                                                              \
	MOV64_K(1, n), CALL_LOCAL(1), EXIT(), MOV64_K(0, 0), JMP_K(BPF_JEQ, 1, 0, 3),            \
		ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-4), ALU64_K(BPF_ADD, 0, 1), EXIT()

TEST(interp_call_depth)
{
	CHECK_EQ(RUN(RECURSE(6)), 6); /* 8 frames */
	for (int checked = 0; checked < 2; checked++) {
		struct ti_result res;
		struct ti_opts o = {.checked = checked};
		CHECK_EQ(ti_run(&res, &o, PROG(RECURSE(7))), -E2BIG);
		CHECK_EQ(res.err_insn, 6);
		CHECK_CONTAINS(res.log, "insn 6: the call stack of 9 frames is too deep");
	}
}

/* A local call keeps the caller's r6-r9 and stack; the callee's r10 is 512 bytes lower. */
TEST(interp_call_frames)
{
	CHECK_EQ(RUN(MOV64_K(6, 6), MOV64_K(7, 7), MOV64_K(8, 8), MOV64_K(9, 9),
		     ST(BPF_DW, 10, -8, 0x55), CALL_LOCAL(10), MOV64_X(1, 10),
		     ALU64_X(BPF_SUB, 1, 0), ALU64_K(BPF_MUL, 1, 1000), ALU64_X(BPF_ADD, 1, 6),
		     ALU64_X(BPF_ADD, 1, 7), ALU64_X(BPF_ADD, 1, 8), ALU64_X(BPF_ADD, 1, 9),
		     LDX(BPF_DW, 0, 10, -8), ALU64_X(BPF_ADD, 0, 1), EXIT(),
		     /* callee: clobbers r6-r9 and its own [r10 - 8], returns its r10 */
		     MOV64_K(6, 0), MOV64_K(7, 0), MOV64_K(8, 0), MOV64_K(9, 0),
		     ST(BPF_DW, 10, -8, 0x77), MOV64_X(0, 10), EXIT()),
		 512 * 1000 + 30 + 0x55);
	/* arguments arrive in r1-r5, and a callee may use its caller's stack through a pointer */
	CHECK_EQ(RUN(ST(BPF_DW, 10, -8, 40), MOV64_X(1, 10), ALU64_K(BPF_ADD, 1, -8),
		     MOV64_K(2, 2), CALL_LOCAL(2), LDX(BPF_DW, 0, 10, -8), EXIT(),
		     LDX(BPF_DW, 0, 1, 0), ALU64_X(BPF_ADD, 0, 2), STX(BPF_DW, 1, 0, 0), EXIT()),
		 42);
}

TEST(interp_helpers)
{
	CHECK_EQ(RUN(MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3), MOV64_K(4, 4), MOV64_K(5, 5),
		     MOV64_K(6, 66), CALL(1), ALU64_X(BPF_ADD, 0, 6), EXIT()),
		 55 + 66);
	/* callx: the register holds the helper id (uBPF's semantics) */
	CHECK_EQ(RUN(MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3), MOV64_K(4, 4), MOV64_K(5, 5),
		     MOV64_K(8, 1), CALLX(8), EXIT()),
		 55);
	for (int checked = 0; checked < 2; checked++) {
		struct ti_result res;
		struct ti_opts o = {.checked = checked};
		CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(8, 99), CALLX(8), EXIT())), -EINVAL);
		CHECK_EQ(res.err_insn, 1);
		CHECK_CONTAINS(res.log, "insn 1: callx to unknown helper 99");
		/* a 64-bit value is not truncated to a valid id */
		CHECK_EQ(ti_run(&res, &o, PROG(LDDW(8, 0x100000001ull), CALLX(8), EXIT())),
			 -EINVAL);
		CHECK_EQ(res.err_insn, 2);
	}
}

/* What a helper may check and do about its run. */
TEST(interp_helper_run_access)
{
	uint8_t buf[16];
	struct ti_result res;
	struct ti_opts o = {.mem = buf, .mem_len = 16, .checked = true, .read_only = true};
	/* r0 = may_access(r1 + off, len, write) */
#define MAY(off, len, write)                                                                    \
	PROG(ALU64_K(BPF_ADD, 1, off), MOV64_K(2, len), MOV64_K(3, write), CALL(2), EXIT())

	CHECK_EQ(ti_run(&res, &o, MAY(0, 16, 0)), 0);
	CHECK_EQ(res.r0, 1);
	CHECK_EQ(ti_run(&res, &o, MAY(1, 16, 0)), 0);
	CHECK_EQ(res.r0, 0);
	CHECK_EQ(ti_run(&res, &o, MAY(0, 16, 1)), 0);
	CHECK_EQ(res.r0, 0);
	/* the stack: the calling frame's slice and its callers', not below */
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_X(1, 10), ALU64_K(BPF_ADD, 1, -512),
				       MOV64_K(2, 512), MOV64_K(3, 1), CALL(2), EXIT())),
		 0);
	CHECK_EQ(res.r0, 1);
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_X(1, 10), MOV64_K(2, 1), MOV64_K(3, 0), CALL(2),
				       EXIT())),
		 0);
	CHECK_EQ(res.r0, 0);
	/* from a callee: main's slice (r6) is fine, below the callee's is not */
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_X(6, 10), CALL_LOCAL(1), EXIT(),
				       MOV64_X(1, 6), ALU64_K(BPF_ADD, 1, -8), MOV64_K(2, 8),
				       MOV64_K(3, 1), CALL(2), MOV64_X(7, 0), MOV64_X(1, 10),
				       ALU64_K(BPF_ADD, 1, -513), CALL(2), ALU64_K(BPF_LSH, 7, 1),
				       ALU64_X(BPF_OR, 0, 7), EXIT())),
		 0);
	CHECK_EQ(res.r0, 2);
	/* an unchecked run trusts its (verified) program */
	o.checked = false;
	CHECK_EQ(ti_run(&res, &o, MAY(100, 1, 1)), 0);
	CHECK_EQ(res.r0, 1);
#undef MAY

	for (int checked = 0; checked < 2; checked++) {
		o.checked = checked;
		CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(1, 7), CALL(3), MOV64_K(0, 0), EXIT())),
			 -EPERM);
		CHECK_EQ(res.err_insn, 1);
		CHECK_STR(res.log, "insn 1: denied 7\n");
		/* through callx too */
		CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(1, 8), MOV64_K(4, 3), CALLX(4), EXIT())),
			 -EPERM);
		CHECK_EQ(res.err_insn, 2);
		CHECK_STR(res.log, "insn 2: denied 8\n");
	}
}

TEST(interp_load_rejects)
{
	LOAD_ERR(-ENOENT, "insn 1: unknown helper ID 42", MOV64_K(0, 0), CALL(42), EXIT());
	LOAD_ERR(-EOPNOTSUPP, "insn 0:",
		 INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, 3), INSN(0, 0, 0, 0, 0),
		 MOV64_K(0, 0), EXIT());
	LOAD_ERR(-EOPNOTSUPP, "insn 2:", MOV64_K(0, 0), MOV64_K(0, 0),
		 INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_VALUE, 0, 3),
		 INSN(0, 0, 0, 0, 0), EXIT());
	LOAD_ERR(-ENOENT, "insn 0: unknown kfunc #100",
		 INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 100), EXIT());
	LOAD_ERR(-EINVAL, "insn 0: jump out of range", JA(5), EXIT());
	LOAD_ERR(-EINVAL, "", MOV64_K(0, 0));
}

TEST(interp_checked_stack_bounds)
{
	FAULT(NULL, 0, 1, "invalid read of 8 bytes", MOV64_K(0, 0), LDX(BPF_DW, 0, 10, -520),
	      EXIT());
	FAULT(NULL, 0, 0, "invalid read of 8 bytes", LDX(BPF_DW, 0, 10, -4), EXIT());
	FAULT(NULL, 0, 0, "invalid write of 1 bytes", ST(BPF_B, 10, 0, 1), MOV64_K(0, 0),
	      EXIT());
	FAULT(NULL, 0, 0, "invalid write of 2 bytes", STX(BPF_H, 10, 1, -513), MOV64_K(0, 0),
	      EXIT());
	CHECK_EQ(RUN(ST(BPF_DW, 10, -512, 9), LDX(BPF_DW, 0, 10, -512), EXIT()), 9);
	CHECK_EQ(RUN(ST(BPF_B, 10, -1, 9), LDX(BPF_B, 0, 10, -1), EXIT()), 9);
	/* a callee may not go below its own slice... */
	FAULT(NULL, 0, 3, "invalid read of 1 bytes", CALL_LOCAL(1), EXIT(), MOV64_K(0, 0),
	      LDX(BPF_B, 0, 10, -513), EXIT());
	/* ...and its stack is gone once it returns */
	FAULT(NULL, 0, 1, "invalid read of 8 bytes", CALL_LOCAL(2), LDX(BPF_DW, 0, 0, 0), EXIT(),
	      MOV64_X(0, 10), ALU64_K(BPF_ADD, 0, -8), EXIT());
}

/* A checked run never sees what an earlier run left in the same memory. */
TEST(interp_checked_stack_starts_zeroed)
{
	for (int checked = 0; checked < 2; checked++) {
		struct ti_result res;
		struct ti_opts o = {.checked = checked};
		/* fill all 8 frames' slices with ones */
		CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(1, 6), CALL_LOCAL(1), EXIT(),
					       MOV64_X(2, 10), ALU64_K(BPF_ADD, 2, -512),
					       ST(BPF_DW, 2, 0, -1), ALU64_K(BPF_ADD, 2, 8),
					       JMP_X(BPF_JNE, 2, 10, -3), JMP_K(BPF_JEQ, 1, 0, 2),
					       ALU64_K(BPF_SUB, 1, 1), CALL_LOCAL(-8), EXIT())),
			 0);
		o.checked = true;
		/* main's and a callee's slices read back zero */
		CHECK_EQ(ti_run(&res, &o,
				PROG(LDX(BPF_DW, 0, 10, -512), LDX(BPF_DW, 1, 10, -8),
				     ALU64_X(BPF_OR, 0, 1), CALL_LOCAL(1), EXIT(),
				     LDX(BPF_DW, 1, 10, -512), ALU64_X(BPF_OR, 0, 1),
				     LDX(BPF_DW, 1, 10, -8), ALU64_X(BPF_OR, 0, 1), EXIT())),
			 0);
		CHECK_EQ(res.r0, 0);
	}
}

TEST(interp_checked_buffer_bounds)
{
	uint8_t buf[16] = {0};

	CHECK_EQ(RUN_MEM(buf, 16, LDX(BPF_B, 0, 1, 15), EXIT()), 0);
	FAULT(buf, 16, 0, "invalid read of 1 bytes", LDX(BPF_B, 0, 1, 16), EXIT());
	FAULT(buf, 16, 0, "invalid read of 1 bytes", LDX(BPF_B, 0, 1, -1), EXIT());
	FAULT(buf, 16, 0, "invalid write of 4 bytes", STX(BPF_W, 1, 1, 13), MOV64_K(0, 0),
	      EXIT());
	FAULT(NULL, 0, 1, "invalid read of 4 bytes at 0x0 (outside", MOV64_K(1, 0),
	      LDX(BPF_W, 0, 1, 0), EXIT());
	/* an address that wraps around the top of the address space */
	FAULT(buf, 16, 2, "invalid read", LDDW(2, ~0ull), LDX(BPF_B, 0, 2, 2), EXIT());

	/* a read-only region can be read, not written */
	struct ti_result res;
	struct ti_opts o = {.mem = buf, .mem_len = 16, .checked = true, .read_only = true};
	buf[3] = 33;
	CHECK_EQ(ti_run(&res, &o, PROG(LDX(BPF_B, 0, 1, 3), EXIT())), 0);
	CHECK_EQ(res.r0, 33);
	CHECK_EQ(ti_run(&res, &o, PROG(ST(BPF_B, 1, 3, 1), MOV64_K(0, 0), EXIT())), -EFAULT);
	CHECK_CONTAINS(res.log, "insn 0: invalid write of 1 bytes");
	CHECK_CONTAINS(res.log, "read-only");
	CHECK_EQ(buf[3], 33);

	/* extra regions: each is reachable, the gap between them is not */
	uint64_t cells[6] = {5, 0, 0, 0, 7, 0};
	uint64_t *a = cells, *b = cells + 4; /* cells[2..3] lie between them */
	const struct vm_region regions[] = {
		{.start = (uintptr_t)a, .size = 16, .writable = true},
		{.start = (uintptr_t)b, .size = 16, .writable = false},
	};
	struct ti_opts o2 = {.checked = true, .regions = regions, .nregions = 2,
			     .r1 = (uint64_t)(uintptr_t)a};
	struct bpf_insn sum[] = {LDDW(2, (uintptr_t)b), LDX(BPF_DW, 0, 1, 0),
				 LDX(BPF_DW, 3, 2, 0), ALU64_X(BPF_ADD, 0, 3),
				 STX(BPF_DW, 1, 0, 8), EXIT()};
	CHECK_EQ(ti_run(&res, &o2, sum, ARRAY_LEN(sum)), 0);
	CHECK_EQ(res.r0, 12);
	CHECK_EQ(a[1], 12);
	CHECK_EQ(ti_run(&res, &o2, PROG(LDX(BPF_DW, 0, 1, 16), EXIT())), -EFAULT);
}

TEST(interp_checked_atomics)
{
	uint64_t cell[2] = {0, 0};

	FAULT(NULL, 0, 1, "invalid atomic access of 8 bytes", MOV64_K(1, 1),
	      ATOMIC(BPF_DW, 10, 1, 0, BPF_ADD), MOV64_K(0, 0), EXIT());
	FAULT(NULL, 0, 0, "invalid atomic access of 4 bytes", ATOMIC(BPF_W, 10, 0, -516, BPF_XCHG),
	      EXIT());
	FAULT(cell, 16, 0, "invalid atomic access of 8 bytes", ATOMIC(BPF_DW, 1, 0, 9, BPF_CMPXCHG),
	      EXIT());
	FAULT(cell, 16, 0, "aligned", ATOMIC(BPF_DW, 1, 1, 4, BPF_ADD | BPF_FETCH), EXIT());
	FAULT(cell, 16, 0, "aligned", ATOMIC(BPF_W, 1, 1, 2, BPF_OR), MOV64_K(0, 0), EXIT());
	/* atomics need write access */
	struct ti_result res;
	struct ti_opts o = {.mem = cell, .mem_len = 16, .checked = true, .read_only = true};
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(2, 1), ATOMIC(BPF_DW, 1, 2, 0, BPF_ADD),
				       MOV64_K(0, 0), EXIT())),
		 -EFAULT);
	CHECK_EQ(res.err_insn, 1);
	CHECK_EQ(cell[0], 0);
}

TEST(interp_budget)
{
	struct ti_result res;
	struct ti_opts o = {.checked = true, .budget = 1000};

	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(0, 0), JA(-1), EXIT())), -E2BIG);
	CHECK_EQ(res.err_insn, 1);
	CHECK_CONTAINS(res.log, "insn 1: instruction budget of 1000 exhausted");
	/* a loop through a call exhausts it too */
	CHECK_EQ(ti_run(&res, &o, PROG(CALL_LOCAL(1), JA(-2), EXIT())), -E2BIG);
	/* the budget counts executed instructions: 3 is enough for 3 */
	o.budget = 3;
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(0, 1), MOV64_K(0, 2), EXIT())), 0);
	CHECK_EQ(res.r0, 2);
	o.budget = 2;
	CHECK_EQ(ti_run(&res, &o, PROG(MOV64_K(0, 1), MOV64_K(0, 2), EXIT())), -E2BIG);
	CHECK_EQ(res.err_insn, 2);
}

/* A helper that runs a program from inside a run: each run has its own stack. */
TEST(interp_nested_exec)
{
	struct vm_prog *inner;
	struct bpf_insn in[] = {STX(BPF_DW, 10, 1, -8), ST(BPF_DW, 10, -16, 3),
				LDX(BPF_DW, 0, 10, -8), LDX(BPF_DW, 1, 10, -16),
				ALU64_X(BPF_MUL, 0, 1), EXIT()};
	CHECK_EQ(vm_prog_new(in, ARRAY_LEN(in), NULL, NULL, &inner), 0);
	for (int checked = 0; checked < 2; checked++) {
		struct ti_result res;
		struct ti_opts o = {.checked = checked, .user = inner};
		CHECK_EQ(ti_run(&res, &o, PROG(ST(BPF_DW, 10, -8, 11), ST(BPF_DW, 10, -16, 100),
					       MOV64_K(1, 5), CALL(7), MOV64_X(6, 0),
					       LDX(BPF_DW, 0, 10, -8), LDX(BPF_DW, 1, 10, -16),
					       ALU64_X(BPF_ADD, 0, 1), ALU64_X(BPF_ADD, 0, 6),
					       EXIT())),
			 0);
		CHECK_EQ(res.r0, 11 + 100 + 15);
	}
	vm_prog_free(inner);
}

/* sum(mem[0..r2/8)) * 2 through a local call and the stack. */
static const struct bpf_insn sum_prog[] = {
	ALU64_K(BPF_RSH, 2, 3),		/* r2 = count */
	MOV64_K(0, 0),
	JMP_K(BPF_JEQ, 2, 0, 5),
	LDX(BPF_DW, 3, 1, 0),
	ALU64_X(BPF_ADD, 0, 3),
	ALU64_K(BPF_ADD, 1, 8),
	ALU64_K(BPF_SUB, 2, 1),
	JA(-6),
	STX(BPF_DW, 10, 0, -8),
	MOV64_X(1, 10),
	CALL_LOCAL(2),
	LDX(BPF_DW, 0, 10, -8),
	EXIT(),
	LDX(BPF_DW, 2, 1, -8),		/* callee: doubles the caller's slot */
	ALU64_X(BPF_ADD, 2, 2),
	STX(BPF_DW, 1, 2, -8),
	EXIT(),
};

struct thread_arg {
	const struct vm_prog *prog;
	const struct exbpf_vm *vm; /* the same program through the public API */
	uint64_t base;
	int failures;
};

/* Alternates fast runs of the shared vm_prog and checked runs of the shared exbpf_vm. */
static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	uint64_t mem[32];

	for (int iter = 0; iter < 3000; iter++) {
		uint64_t want = 0, r0 = 0;
		for (int i = 0; i < 32; i++) {
			mem[i] = t->base * (uint64_t)(i + iter);
			want += mem[i];
		}
		if (iter & 1) {
			if (exbpf_vm__exec(t->vm, mem, sizeof(mem), &r0, NULL, 0))
				t->failures++;
		} else {
			struct vm_exec x = {.args = {(uint64_t)(uintptr_t)mem, sizeof(mem)}};
			if (vm_exec(t->prog, &x))
				t->failures++;
			r0 = x.r0;
		}
		if (r0 != 2 * want)
			t->failures++;
	}
	return NULL;
}

TEST(interp_concurrent_exec)
{
	struct vm_prog *prog;
	struct exbpf_vm *vm = exbpf_vm__new(NULL);

	CHECK_EQ(vm_prog_new(sum_prog, ARRAY_LEN(sum_prog), NULL, NULL, &prog), 0);
	CHECK_EQ(exbpf_vm__load(vm, sum_prog, ARRAY_LEN(sum_prog), NULL, 0), 0);
	struct thread_arg args[2] = {{prog, vm, 1, 0}, {prog, vm, 1000003, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(args[0].failures, 0);
	CHECK_EQ(args[1].failures, 0);
	exbpf_vm__free(vm);
	vm_prog_free(prog);
}

TEST(interp_raw_api)
{
	char log[256];
	uint64_t r0 = 0;
	uint8_t buf[4] = {1, 2, 3, 4};
	struct exbpf_vm *vm = exbpf_vm__new(NULL);
	const struct bpf_insn p[] = {LDX(BPF_B, 3, 1, 3), MOV64_X(1, 2), MOV64_X(2, 3),
				     MOV64_K(3, 0), MOV64_K(4, 0), MOV64_K(5, 0), CALL(10), EXIT()};

	CHECK(vm != NULL);
	CHECK_EQ(exbpf_vm__exec(vm, buf, 4, &r0, log, sizeof(log)), -EINVAL);
	CHECK_EQ(exbpf_vm__load(vm, p, ARRAY_LEN(p), log, sizeof(log)), -ENOENT);
	CHECK_CONTAINS(log, "insn 6: unknown helper ID 10");
	CHECK_EQ(exbpf_vm__register_helper(vm, 10, "weighted", helper_weighted), 0);
	CHECK_EQ(exbpf_vm__register_helper(vm, 10, "again", helper_weighted), -EEXIST);
	CHECK_EQ(exbpf_vm__load(vm, p, ARRAY_LEN(p), log, sizeof(log)), 0);
	CHECK_EQ(exbpf_vm__register_helper(vm, 11, "late", helper_weighted), -EBUSY);
	CHECK_EQ(exbpf_vm__load(vm, p, ARRAY_LEN(p), log, sizeof(log)), -EBUSY);
	/* r1 = buf, r2 = its length */
	CHECK_EQ(exbpf_vm__exec(vm, buf, 4, &r0, log, sizeof(log)), 0);
	CHECK_EQ(r0, 4 + 2 * 4);
	/* always checked: no buffer, no access */
	CHECK_EQ(exbpf_vm__exec(vm, NULL, 0, &r0, log, sizeof(log)), -EFAULT);
	CHECK_CONTAINS(log, "insn 0: invalid read of 1 bytes at 0x3");
	CHECK_EQ(exbpf_vm__exec(vm, buf, 3, &r0, log, sizeof(log)), -EFAULT);
	exbpf_vm__free(vm);

	EXBPF_OPTS(exbpf_vm_opts, opts, .insn_budget = 50);
	vm = exbpf_vm__new(&opts);
	const struct bpf_insn loop[] = {MOV64_K(0, 0), ALU64_K(BPF_ADD, 0, 1), JA(-2), EXIT()};
	CHECK_EQ(exbpf_vm__load(vm, loop, ARRAY_LEN(loop), log, sizeof(log)), 0);
	CHECK_EQ(exbpf_vm__exec(vm, NULL, 0, &r0, log, sizeof(log)), -E2BIG);
	CHECK_CONTAINS(log, "instruction budget of 50 exhausted");
	exbpf_vm__free(vm);
}

/* A small deterministic generator, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One random instruction of row `op`, with the fields the row does not use left zero. */
static size_t random_insn(uint64_t *rs, unsigned op, struct bpf_insn *out)
{
	const struct isa_desc *d = &isa_descs[op];
	uint32_t f = d->flags;
	struct bpf_insn in = {.code = d->code};

	if (f & (ISA_F_DST_R | ISA_F_DST_W))
		in.dst_reg = rng_next(rs) % 11;
	if (f & ISA_F_SRC)
		in.src_reg = rng_next(rs) % 11;
	if (f & ISA_F_OFF_JMP)
		in.off = (int16_t)(rng_next(rs) % 9) - 4;
	if (f & ISA_F_OFF_MEM)
		in.off = (int16_t)(rng_next(rs) % 1100) - 600;
	if (f & ISA_F_IMM)
		in.imm = rng_next(rs) & 1 ? (int32_t)rng_next(rs)
					  : (int32_t)(rng_next(rs) % 70) - 6;
	if (f & (ISA_F_IMM_JMP | ISA_F_IMM_CALL))
		in.imm = (int32_t)(rng_next(rs) % 9) - 4;
	if (d->variant == ISA_VAR_OFF)
		in.off = (int16_t)d->variant_value;
	else if (d->variant == ISA_VAR_IMM)
		in.imm = d->variant_value;
	else if (d->variant == ISA_VAR_SRC)
		in.src_reg = (uint8_t)d->variant_value;
	if (op == ISA_OP_CALL_HELPER)
		in.imm = 1;
	out[0] = in;
	if (!(f & ISA_F_WIDE))
		return 1;
	out[1] = (struct bpf_insn){.imm = (int32_t)rng_next(rs)};
	return 2;
}

/* Whatever an unverified program does, a checked run ends with a result or a named error:
 * never a crash (ASan builds watch), a hang (the budget) or an error without an insn. */
TEST(interp_checked_random_programs)
{
	uint64_t rs = 0x9e3779b97f4a7c15ull, mem[8];
	struct bpf_insn p[24];
	struct vm_prog *inner;
	int ran = 0, failed_runs = 0;

	CHECK_EQ(vm_prog_new(PROG(MOV64_K(0, 3), EXIT()), NULL, NULL, &inner), 0);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0, want = 2 + rng_next(&rs) % 20;
		while (n < want)
			n += random_insn(&rs, (unsigned)(rng_next(&rs) % ISA_OP_COUNT), &p[n]);
		p[n++] = EXIT();
		memset(mem, 0x5a, sizeof(mem));
		struct ti_result res;
		struct ti_opts o = {.mem = mem, .mem_len = sizeof(mem), .checked = true,
				    .budget = 5000, .user = inner};
		if (ti_run(&res, &o, p, n) && res.load_err)
			continue;
		ran++;
		if (res.err) {
			failed_runs++;
			CHECK(res.err == -EFAULT || res.err == -E2BIG || res.err == -EINVAL);
			CHECK(res.err_insn >= 0 && (size_t)res.err_insn < n);
			CHECK(strncmp(res.log, "insn ", 5) == 0);
		}
	}
	/* the generator must reach the interpreter, and not only with programs that fail */
	CHECK(ran > 2000);
	CHECK(ran - failed_runs > 500);
	vm_prog_free(inner);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Not an assertion: prints ns per instruction of two loops, for the record. */
TEST(interp_timing)
{
	const int32_t n = 3000000;
	/* ALU and a branch: 3 instructions per iteration */
	const struct bpf_insn alu[] = {MOV64_K(0, 0), MOV64_K(1, n), ALU64_X(BPF_ADD, 0, 1),
				       ALU64_K(BPF_SUB, 1, 1), JMP_K(BPF_JNE, 1, 0, -3), EXIT()};
	/* with stack traffic: 6 per iteration */
	const struct bpf_insn mem[] = {MOV64_K(0, 0), MOV64_K(1, n), ST(BPF_DW, 10, -8, 0),
				       STX(BPF_DW, 10, 1, -16), LDX(BPF_DW, 2, 10, -16),
				       ALU64_X(BPF_ADD, 0, 2), LDX(BPF_DW, 3, 10, -8),
				       ALU64_K(BPF_SUB, 1, 1), JMP_K(BPF_JNE, 1, 0, -6), EXIT()};
	const struct {
		const char *name;
		const struct bpf_insn *p;
		size_t cnt;
		double insns;
	} loops[] = {
		{"alu loop", alu, ARRAY_LEN(alu), 3.0 * n + 3},
		{"stack loop", mem, ARRAY_LEN(mem), 6.0 * n + 4},
	};

	for (size_t l = 0; l < ARRAY_LEN(loops); l++) {
		struct vm_prog *prog;
		double ns[2];
		CHECK_EQ(vm_prog_new(loops[l].p, loops[l].cnt, NULL, NULL, &prog), 0);
		for (int checked = 0; checked < 2; checked++) {
			double best = 1e30;
			for (int rep = 0; rep < 3; rep++) {
				struct vm_exec x = {.checked = checked, .budget = 1ull << 40};
				double t0 = now_ns();
				CHECK_EQ(vm_exec(prog, &x), 0);
				double t = now_ns() - t0;
				CHECK_EQ(x.r0, (uint64_t)n * (n + 1) / 2);
				best = t < best ? t : best;
			}
			ns[checked] = best / loops[l].insns;
		}
		printf("  timing %-10s: fast %.2f ns/insn, checked %.2f ns/insn\n", loops[l].name,
		       ns[0], ns[1]);
		vm_prog_free(prog);
	}
}
