/* CO-RE relocations, the pure part: given the object's BTF (local), a target BTF and one
 * struct bpf_core_relo, compute what the relocated instruction must hold, and patch it. This
 * follows libbpf's relo_core.c (candidates by essential name, field matching through
 * anonymous members and arrays, bitfields, the "unexpected insn" validation, memory size
 * adjustment, poisoning), with one strictness more: an instruction that cannot carry a
 * relocation is refused even when the relocation would poison it. core.c's
 * ld_core_relocate() is the object plumbing around it. Apart from core_target_btf() nothing
 * here allocates; every walk is bounded, so hostile BTF and records are safe. */
#ifndef EXBPF_LOADER_CORE_H
#define EXBPF_LOADER_CORE_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>

#include "common/log.h"

/* libbpf's `call 0xbad2310`: "bad relo". */
#define CORE_POISON_IMM 0xbad2310

/* Longest access string (accessors) a relocation may carry, as libbpf. */
#define CORE_SPEC_MAX 64

/* What one relocation resolves to. */
struct core_res {
	uint64_t orig_val; /* the value the compiler put in the instruction (local BTF) */
	uint64_t new_val;  /* the value for the target */
	bool poison;	   /* unresolvable: the instruction becomes `call 0xbad2310` */
	bool validate;	   /* check the instruction holds orig_val before patching */
	bool fail_memsz;   /* a load/store would need a size change that is unsafe */
	uint32_t orig_sz;  /* field (element) size for loads/stores: local, target */
	uint32_t new_sz;
	uint32_t orig_type_id; /* type of that field: local, target */
	uint32_t new_type_id;
	char what[160]; /* the relocated entity in C syntax: "struct __sk_buff.cb[2]" */
	char why[224];	/* set when poison: why it could not be resolved */
};

/* Computes the result of relocation `rec` of the local BTF against `targ` (NULL: a target
 * that has no types). `sec` (may be NULL) and `idx` name the relocation in log lines.
 * Returns 0 (res filled; res->poison when the instruction must be poisoned, res->why saying
 * why), -EINVAL for a malformed record or an ambiguous or impossible relocation (one log
 * line), -EOPNOTSUPP for a relocation of an anonymous type (libbpf refuses those too). */
int core_calc(const struct exbpf_btf *local, const struct exbpf_btf *targ,
	      const struct bpf_core_relo *rec, const char *sec, uint32_t idx, struct core_res *res,
	      struct log *log);

/* Applies `res` to instruction insns[insn] (insns has cnt slots). Checks first that the
 * instruction can carry a CO-RE relocation (ALU/ALU64 with an immediate, LDX/ST/STX, or a
 * plain two-slot LD_IMM64). Returns 0 (patched), 1 (poisoned; res->why filled when the
 * decision was made here) or -EINVAL/-ERANGE with a log line. */
int core_patch(struct bpf_insn *insns, size_t cnt, size_t insn, const char *sec, uint32_t idx,
	       struct core_res *res, struct log *log);

/* core_calc() then core_patch() for a record whose insn_off is a byte offset into insns
 * (cnt slots). Returns 0, 1 when poisoned (msg then holds "CO-RE relocation: <what>: <why>"),
 * or a negative errno with a log line. msg may be NULL. */
int core_apply(const struct exbpf_btf *local, const struct exbpf_btf *targ,
	       const struct bpf_core_relo *rec, const char *sec, uint32_t idx,
	       struct bpf_insn *insns, size_t cnt, char *msg, size_t msg_size, struct log *log);

/* Parses exbpf's built-in target BTF (core_target_btf.h). The caller frees it. */
int core_target_btf(struct exbpf_btf **out, struct log *log);

/* libbpf's bpf_core_essential_name_len(): the length of `name` without a "___flavor" suffix
 * (the text from the last "X___Y" separator on, X and Y not underscores). */
size_t core_essential_len(const char *name);

#endif
