/* Decoding and structural validation, driven by the ISA_OPS table. Semantic checks (types,
 * bounds, reachability) are the verifier's; this file only asks "is this an instruction". */
#include "isa/isa.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/limits.h"

const struct isa_desc isa_descs[ISA_OP_COUNT] = {
#define ISA_DESC_(ID, CODE, VAR, VAL, FLAGS, CPU, FMT)                                          \
	[ISA_OP_##ID] = {#ID, (CODE), (VAR), (VAL), (FLAGS), (CPU), FMT},
	ISA_OPS(ISA_DESC_)
#undef ISA_DESC_
};

/* First row of each opcode byte, and the next row with the same opcode: rows that share an
 * opcode (variants selected by off, imm or src) need not be adjacent in ISA_OPS. */
static uint16_t first_row[256];
static uint16_t next_row[ISA_OP_COUNT];
static int rows_ready;

static void build_index(void)
{
	/* Idempotent: concurrent first calls compute and store identical values. */
	uint16_t first[256], next[ISA_OP_COUNT], last[256];

	for (int i = 0; i < 256; i++)
		first[i] = last[i] = ISA_OP_INVALID;
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		uint8_t code = isa_descs[op].code;
		next[op] = ISA_OP_INVALID;
		if (first[code] == ISA_OP_INVALID)
			first[code] = (uint16_t)op;
		else
			next[last[code]] = (uint16_t)op;
		last[code] = (uint16_t)op;
	}
	for (int i = 0; i < 256; i++)
		__atomic_store_n(&first_row[i], first[i], __ATOMIC_RELAXED);
	for (int op = 0; op < ISA_OP_COUNT; op++)
		__atomic_store_n(&next_row[op], next[op], __ATOMIC_RELAXED);
	__atomic_store_n(&rows_ready, 1, __ATOMIC_RELEASE);
}

static int32_t variant_field(const struct bpf_insn *insn, uint8_t variant)
{
	switch (variant) {
	case ISA_VAR_OFF:
		return insn->off;
	case ISA_VAR_IMM:
		return insn->imm;
	case ISA_VAR_SRC:
		return insn->src_reg;
	default:
		return 0;
	}
}

static const char *unknown_variant(uint8_t variant)
{
	switch (variant) {
	case ISA_VAR_OFF:
		return "invalid off for this opcode";
	case ISA_VAR_IMM:
		return "invalid imm for this opcode";
	case ISA_VAR_SRC:
		return "invalid src_reg (pseudo kind) for this opcode";
	default:
		return "unknown opcode";
	}
}

static int decode(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
		  const char **out_why, bool listing);

int isa_decode(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
	       const char **out_why)
{
	return decode(insns, cnt, idx, out, out_why, false);
}

int isa_decode_listing(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
		       const char **out_why)
{
	return decode(insns, cnt, idx, out, out_why, true);
}

static int decode(const struct bpf_insn *insns, size_t cnt, size_t idx, struct isa_insn *out,
		  const char **out_why, bool listing)
{
	const char *why_local;
	const char **why = out_why ? out_why : &why_local;

	if (!__atomic_load_n(&rows_ready, __ATOMIC_ACQUIRE))
		build_index();
	if (idx >= cnt) {
		*why = "instruction index past the end";
		return -EINVAL;
	}
	const struct bpf_insn *insn = &insns[idx];
	uint16_t op = first_row[insn->code];
	if (op == ISA_OP_INVALID) {
		*why = "unknown opcode";
		return -EINVAL;
	}
	const struct isa_desc *d = &isa_descs[op];
	if (d->variant != ISA_VAR_NONE) {
		int32_t v = variant_field(insn, d->variant);
		uint16_t first = op;

		while (op != ISA_OP_INVALID && isa_descs[op].variant_value != v)
			op = next_row[op];
		/* Linux's log shows a call of another kind as a helper call. */
		if (op == ISA_OP_INVALID && listing && insn->code == (ISA_JMP | 0x80))
			op = first;
		if (op == ISA_OP_INVALID) {
			*why = unknown_variant(d->variant);
			return -EINVAL;
		}
		d = &isa_descs[op];
	}

	uint32_t f = d->flags;
	/* A listing shows an instruction as it is (Linux's log shows the one it rejects): a
	 * write to r10, a register number beyond r10, a reserved field set. */
	if (f & ISA_F_DST_W) {
		if (insn->dst_reg > 9 && !listing) {
			*why = insn->dst_reg == 10 ? "frame pointer r10 is read only"
						    : "invalid dst register";
			return -EINVAL;
		}
	} else if (f & ISA_F_DST_R) {
		if (insn->dst_reg > 10 && !listing) {
			*why = "invalid dst register";
			return -EINVAL;
		}
	} else if (insn->dst_reg != 0 && !listing) {
		*why = "reserved dst_reg field is not zero";
		return -EINVAL;
	}
	if (f & ISA_F_SRC) {
		if (insn->src_reg > 10 && !listing) {
			*why = "invalid src register";
			return -EINVAL;
		}
		if ((f & ISA_F_FETCH) && insn->src_reg == 10 && d->variant_value != ISA_CMPXCHG &&
		    !listing) {
			*why = "frame pointer r10 is read only";
			return -EINVAL;
		}
	} else if (d->variant != ISA_VAR_SRC && insn->src_reg != 0 && !listing) {
		*why = "reserved src_reg field is not zero";
		return -EINVAL;
	}
	if (!(f & (ISA_F_OFF_MEM | ISA_F_OFF_JMP | ISA_F_OFF_ANY)) && d->variant != ISA_VAR_OFF &&
	    insn->off != 0 && !listing) {
		*why = "reserved off field is not zero";
		return -EINVAL;
	}
	if (!(f & (ISA_F_IMM | ISA_F_IMM_JMP | ISA_F_IMM_CALL)) && d->variant != ISA_VAR_IMM &&
	    insn->imm != 0 && !listing) {
		*why = "reserved imm field is not zero";
		return -EINVAL;
	}

	out->op = op;
	out->dst = insn->dst_reg;
	out->src = insn->src_reg;
	out->off = insn->off;
	out->imm = insn->imm;
	out->imm2 = 0;
	out->imm64 = (uint64_t)(int64_t)insn->imm;
	if (!(f & ISA_F_WIDE))
		return 1;

	if (idx + 1 >= cnt) {
		*why = "lddw is missing its second slot";
		return -EINVAL;
	}
	const struct bpf_insn *next = &insns[idx + 1];
	if (next->code != 0 || next->dst_reg != 0 || next->src_reg != 0 || next->off != 0) {
		*why = "invalid second slot of lddw";
		return -EINVAL;
	}
	/* A map by fd or index has no use for the high word; Linux refuses it rather than
	 * ignore it ("unrecognized bpf_ld_imm64 insn"). */
	if ((op == ISA_OP_LDDW_MAP_FD || op == ISA_OP_LDDW_MAP_IDX) && next->imm != 0) {
		*why = "reserved imm of lddw's second slot is not zero";
		return -EINVAL;
	}
	out->imm2 = next->imm;
	out->imm64 = (uint64_t)(uint32_t)insn->imm | ((uint64_t)(uint32_t)next->imm << 32);
	return 2;
}

int64_t isa_branch_target(const struct isa_insn *in, size_t idx)
{
	uint32_t f = isa_descs[in->op].flags;

	/* lddw's function pointer is relative through imm as well, like a local call (Linux:
	 * subprog at i + imm + 1); its row has plain ISA_F_IMM since imm is also the operand. */
	if ((f & (ISA_F_IMM_JMP | ISA_F_IMM_CALL)) || in->op == ISA_OP_LDDW_FUNC)
		return (int64_t)idx + 1 + in->imm;
	return (int64_t)idx + 1 + in->off;
}

static bool has_target(const struct isa_insn *in)
{
	uint32_t f = isa_descs[in->op].flags;

	return (f & (ISA_F_OFF_JMP | ISA_F_IMM_JMP)) || in->op == ISA_OP_CALL_LOCAL ||
	       in->op == ISA_OP_LDDW_FUNC;
}

int isa_validate(const struct bpf_insn *insns, size_t cnt, struct log *log)
{
	const char *why;
	struct isa_insn in;
	int err = -EINVAL;

	if (!insns || cnt == 0) {
		log_printf(log, "program has no instructions\n");
		return -EINVAL;
	}
	if (cnt > BPF_MAX_INSNS) {
		log_printf(log, "program has %zu instructions, more than %d\n", cnt, BPF_MAX_INSNS);
		return -E2BIG;
	}

	/* Pass 1: every instruction decodes; remember which indices are second slots of lddw. */
	uint8_t *second = calloc(cnt, 1);
	if (!second)
		return -ENOMEM;
	size_t last = 0;
	for (size_t i = 0; i < cnt;) {
		int n = isa_decode(insns, cnt, i, &in, &why);
		if (n < 0) {
			log_printf(log, "insn %zu: %s (code 0x%02x)\n", i, why, insns[i].code);
			goto out;
		}
		if (n == 2)
			second[i + 1] = 1;
		last = i;
		i += (size_t)n;
	}

	/* Pass 2: every target is the first slot of an instruction inside the program. */
	for (size_t i = 0; i < cnt; i++) {
		if (second[i])
			continue;
		isa_decode(insns, cnt, i, &in, &why);
		if (!has_target(&in))
			continue;
		int64_t t = isa_branch_target(&in, i);
		const char *what = (isa_descs[in.op].flags & ISA_F_CALL) || in.op == ISA_OP_LDDW_FUNC
					   ? "call"
					   : "jump";
		if (t < 0 || t >= (int64_t)cnt) {
			log_printf(log, "insn %zu: %s out of range to %" PRId64 "\n", i, what, t);
			goto out;
		}
		if (second[t]) {
			log_printf(log, "insn %zu: %s into the middle of lddw at insn %" PRId64 "\n", i,
				   what, t - 1);
			goto out;
		}
	}

	/* The last instruction must not fall through past the end. */
	isa_decode(insns, cnt, last, &in, &why);
	if (in.op != ISA_OP_EXIT && in.op != ISA_OP_JA && in.op != ISA_OP_JA32) {
		log_printf(log, "insn %zu: last insn is not an exit or jmp\n", last);
		goto out;
	}
	err = 0;
out:
	free(second);
	return err;
}

const char *isa_helper_name(int32_t id)
{
	static const char *const names[] = {
#define ISA_HELPER_NAME_(x) "bpf_" #x
		__BPF_FUNC_MAPPER(ISA_HELPER_NAME_)
#undef ISA_HELPER_NAME_
	};

	if (id <= 0 || (size_t)id >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[id];
}

int exbpf_insns__validate(const struct bpf_insn *insns, size_t cnt, char *log_buf, size_t log_size)
{
	struct log log;

	log_init(&log, log_buf, log_size);
	return isa_validate(insns, cnt, &log);
}
