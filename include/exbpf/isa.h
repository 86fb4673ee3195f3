/* The instruction set as a service: structural validation, disassembly and the
 * bpf_conformance assembler. Instructions use Linux's `struct bpf_insn` layout. */
#ifndef EXBPF_ISA_H
#define EXBPF_ISA_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <exbpf/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Checks every instruction for structural errors: unknown opcode, bad or reserved register,
 * nonzero reserved field, jump or call target outside the program or into the second slot of
 * lddw, lddw without its second slot, a last instruction that can fall off the end.
 * Returns 0 or -EINVAL with "insn N: ..." in log_buf. */
EXBPF_API int exbpf_insns__validate(const struct bpf_insn *insns, size_t cnt, char *log_buf,
				    size_t log_size);

/* The two notations of the disassembler. */
enum exbpf_disasm_notation {
	/* llvm-objdump's: `r0 = *(u64 *)(r6 + 0)`, `goto +2`, `r1 = map[idx:0] ll` (the default,
	 * what `exbpf disasm` prints) */
	EXBPF_DISASM_LLVM = 0,
	/* Linux's verifier log: `r0 = *(u64 *)(r6 +0)`, `goto pc+2`,
	 * `r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)`; lddw of a map pointer prints `0x0`, as
	 * Linux does for a loader that may not see kernel addresses */
	EXBPF_DISASM_LINUX = 1,
};

struct exbpf_disasm_opts {
	size_t sz;
	/* Names a kfunc call's target (BTF id); NULL or a NULL return prints "kfunc#ID"
	 * ("kernel-function#ID" in Linux's notation). */
	const char *(*kfunc_name)(void *ctx, int32_t btf_id);
	void *ctx;
	enum exbpf_disasm_notation notation;
};

/* Writes the text of instruction idx (llvm-objdump style, or Linux's verifier-log notation
 * when opts asks for it; no trailing newline, no opcode) into buf. Returns the number of slots it
 * spans (1, or 2 for lddw), or -EINVAL for an instruction that does not decode (buf then says
 * why). opts may be NULL. */
EXBPF_API int exbpf_insn__disasm(const struct bpf_insn *insns, size_t cnt, size_t idx, char *buf,
				 size_t size, const struct exbpf_disasm_opts *opts);

/* Assembles bpf_conformance-style text (`mov %r0, 1`, labels, `exit`). On success returns 0,
 * *out_insns (free with free()) and *out_cnt; on failure -EINVAL and "line N: ..." in log. */
EXBPF_API int exbpf_asm__parse(const char *text, struct bpf_insn **out_insns, size_t *out_cnt,
			       char *log_buf, size_t log_size);

#ifdef __cplusplus
}
#endif

#endif
