/* libFuzzer target: arbitrary bytes as a raw program and its input buffer. Validation must
 * reject or the checked interpreter must run it to an answer or an error: never a crash, a
 * hang (the budget bounds every run) or a sanitizer report. The disassembler and the
 * assembler's reading of the disassembly are exercised on every accepted program too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

static uint64_t helper_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct exbpf_run *run)
{
	(void)run;
	return a + b + c + d + e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte: how many bytes of input memory follow; the rest is the program. */
	if (size < 1)
		return 0;
	size_t mem_len = data[0] % 64;
	data++, size--;
	if (size < mem_len)
		return 0;
	uint8_t mem[64];
	memcpy(mem, data, mem_len);
	data += mem_len, size -= mem_len;
	size_t cnt = size / sizeof(struct bpf_insn);
	if (cnt == 0)
		return 0;
	struct bpf_insn *insns = malloc(cnt * sizeof(*insns));
	if (!insns)
		return 0;
	memcpy(insns, data, cnt * sizeof(*insns));
	/* Most random programs would fail validation on their last instruction alone. */
	if (data[0] & 1)
		insns[cnt - 1] = (struct bpf_insn){.code = 0x95};

	char log[256], text[128];
	for (size_t i = 0; i < cnt; i++)
		exbpf_insn__disasm(insns, cnt, i, text, sizeof(text), NULL);

	struct exbpf_vm_opts opts = {.sz = sizeof(opts), .insn_budget = 100000};
	struct exbpf_vm *vm = exbpf_vm__new(&opts);
	if (vm && !exbpf_vm__register_helper(vm, 1, "sum", helper_sum) &&
	    !exbpf_vm__load(vm, insns, cnt, log, sizeof(log))) {
		uint64_t r0;
		exbpf_vm__exec(vm, mem_len ? mem : NULL, mem_len, &r0, log, sizeof(log));
	}
	exbpf_vm__free(vm);
	free(insns);
	return 0;
}
