/* Embedding exbpf's raw interpreter: run a hand-written program that calls a host helper.
 * Build against an installed exbpf:
 *   cc main.c $(pkg-config --cflags --libs exbpf) -o embed_raw */
#include <stdio.h>

#include <exbpf/exbpf.h>

/* A host helper: BPF passes r1-r5; the return value lands in r0. */
static uint64_t twice(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct exbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1 * 2;
}

int main(void)
{
	/* r1 = first byte of the buffer; r0 = twice(r1); exit */
	const struct bpf_insn prog[] = {
		{.code = 0x71, .dst_reg = 1, .src_reg = 1, .off = 0}, /* r1 = *(u8 *)(r1 + 0) */
		{.code = 0x85, .imm = 1000},			       /* call twice#1000 */
		{.code = 0x95},					       /* exit */
	};
	unsigned char buf[1] = {21};
	char log[256];
	uint64_t r0 = 0;
	int err;

	struct exbpf_vm *vm = exbpf_vm__new(NULL);
	if (!vm)
		return 1;
	err = exbpf_vm__register_helper(vm, 1000, "twice", twice);
	if (!err)
		err = exbpf_vm__load(vm, prog, sizeof(prog) / sizeof(prog[0]), log, sizeof(log));
	if (!err)
		err = exbpf_vm__exec(vm, buf, sizeof(buf), &r0, log, sizeof(log));
	exbpf_vm__free(vm);
	if (err) {
		fprintf(stderr, "embed_raw: %s", log);
		return 1;
	}
	printf("r0 = %llu\n", (unsigned long long)r0);
	return r0 == 42 ? 0 : 1;
}
