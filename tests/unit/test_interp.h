/* Shared by the interpreter's unit tests: a tiny instruction encoder (raw struct bpf_insn, so
 * the tests do not depend on the assembler) and runners over the internal vm API. */
#ifndef EXBPF_TEST_INTERP_H
#define EXBPF_TEST_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/isa.h>

#include "vm/vm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define INSN(c, d, s, o, i)                                                                     \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define ALU64_K(op, d, imm) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, imm)
#define ALU64_X(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_K(op, d, imm) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, imm)
#define MOV64_K(d, imm) ALU64_K(BPF_MOV, d, imm)
#define MOV64_X(d, s) ALU64_X(BPF_MOV, d, s)
#define LDDW(d, v)                                                                              \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),             \
		INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define JA(off) INSN(BPF_JMP | BPF_JA, 0, 0, off, 0)
#define JMP_K(op, d, imm, off) INSN(BPF_JMP | (op) | BPF_K, d, 0, off, imm)
#define JMP_X(op, d, s, off) INSN(BPF_JMP | (op) | BPF_X, d, s, off, 0)
#define LDX(sz, d, s, off) INSN(BPF_LDX | BPF_MEM | (sz), d, s, off, 0)
#define LDXS(sz, d, s, off) INSN(BPF_LDX | 0x80 | (sz), d, s, off, 0)
#define ST(sz, d, off, imm) INSN(BPF_ST | BPF_MEM | (sz), d, 0, off, imm)
#define STX(sz, d, s, off) INSN(BPF_STX | BPF_MEM | (sz), d, s, off, 0)
#define ATOMIC(sz, d, s, off, op) INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, off, op)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(off) INSN(BPF_JMP | BPF_CALL, 0, 1, 0, off)
#define CALLX(d) INSN(BPF_JMP | BPF_CALL | BPF_X, d, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define PROG(...)                                                                               \
	(const struct bpf_insn[]){__VA_ARGS__},                                                 \
		sizeof((const struct bpf_insn[]){__VA_ARGS__}) / sizeof(struct bpf_insn)

/* Helpers of test_helpers: 1 returns r1 + 2 r2 + 3 r3 + 4 r4 + 5 r5; 2 returns
 * vm_run_access_ok(r1, r2, write = r3 != 0); 3 fails the run with -EPERM "denied <r1>"; 7 runs
 * the vm_prog in exec->user on r1 (a nested run) and returns its r0, or -1 if it fails. */
extern const struct vm_helper_table test_helpers;
uint64_t helper_weighted(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct exbpf_run *run);

struct ti_opts {
	void *mem; /* r1 (unless r1 is set) and the one writable region */
	size_t mem_len;
	uint64_t r1;
	bool read_only;
	bool checked;
	uint64_t budget; /* 0: a million */
	const struct vm_region *regions; /* instead of mem's region */
	size_t nregions;
	void *user;
};

struct ti_result {
	int load_err, err;
	uint64_t r0;
	int64_t err_insn;
	char log[256];
};

/* Loads against test_helpers and runs once; returns load_err or err. */
int ti_run(struct ti_result *res, const struct ti_opts *o, const struct bpf_insn *insns,
	   size_t cnt);

/* Runs fast then checked, records a failure if either fails or they disagree; returns r0. */
uint64_t ti_run_both(int line, void *mem, size_t len, const struct bpf_insn *insns, size_t cnt);

#define RUN(...) ti_run_both(__LINE__, NULL, 0, PROG(__VA_ARGS__))
#define RUN_MEM(mem, len, ...) ti_run_both(__LINE__, mem, len, PROG(__VA_ARGS__))

#endif
