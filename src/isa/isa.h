/* The ISA stage's interface to the rest of exbpf: decode one instruction against the table in
 * opcodes.h, validate a whole program's structure, disassemble. The engines and the verifier
 * trust what isa_validate() accepted and repeat none of its checks. */
#ifndef EXBPF_ISA_ISA_H
#define EXBPF_ISA_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/isa.h>

#include "common/log.h"
#include "isa/opcodes.h"

/* One decoded instruction. For lddw, imm64 is the full 64-bit constant (low word from the
 * first slot, high word from the second) and imm2 the second slot's imm; otherwise imm64 is
 * imm sign-extended. */
struct isa_insn {
	uint16_t op; /* enum isa_op */
	uint8_t dst, src;
	int16_t off;
	int32_t imm;
	int32_t imm2;
	uint64_t imm64;
};

/* Decodes insns[idx] and checks its own fields (opcode, registers, reserved fields, second
 * slot of lddw); jump targets are isa_validate()'s job. Returns the slot count (1 or 2), or
 * -EINVAL with a static reason in *out_why ("unknown opcode 0x8e", ...). */
int isa_decode(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
	       const char **out_why);
/* isa_decode() for listings: a write to r10, a register field past r10, a reserved field set
 * or a call of an unknown kind (a helper call there) is still shown as what it is, as Linux's
 * verifier log shows the instruction it rejects. */
int isa_decode_listing(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
		       const char **out_why);

/* Whole-program structure: every instruction decodes, jump and local-call targets land on the
 * first slot of an instruction inside the program, the last instruction cannot fall through.
 * Returns 0 or -EINVAL with "insn N: why" in log. */
int isa_validate(const struct bpf_insn *insns, size_t cnt, struct log *log);

/* Target index of a jump (off or imm form) or local call at idx; only for rows whose flags say
 * they have one. */
int64_t isa_branch_target(const struct isa_insn *in, size_t idx);

/* Writes instruction idx as text (see exbpf_insn__disasm()). Returns its slot count or
 * -EINVAL, with "<invalid: why>" in buf. */
int isa_disasm(const struct bpf_insn *insns, size_t cnt, size_t idx, char *buf, size_t size,
	       const struct exbpf_disasm_opts *opts);

/* Helper names from Linux's UAPI numbering: "bpf_map_lookup_elem" for 1; NULL if unknown. */
const char *isa_helper_name(int32_t id);

static inline const struct isa_desc *isa_desc_of(const struct isa_insn *in)
{
	return &isa_descs[in->op];
}

#endif
