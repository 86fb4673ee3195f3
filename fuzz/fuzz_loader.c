/* libFuzzer target: arbitrary bytes as a BPF ELF object. Opening must fail with a message or
 * give an object whose every program, function, line, annotation, map and extern can be read
 * and disassembled: never a crash, a hang, a leak or a sanitizer report. Seeds: the compiled
 * tests/progs objects (fuzz/corpus/fuzz_loader). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exbpf/exbpf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_prog(const struct exbpf_prog *prog)
{
	const struct bpf_insn *insns;
	struct exbpf_func_info f;
	struct exbpf_line_info li;
	size_t cnt;
	char text[256];

	(void)exbpf_prog__name(prog);
	(void)exbpf_prog__exception_cb(prog);
	for (size_t i = 0; i < exbpf_prog__annotation_count(prog); i++)
		(void)strlen(exbpf_prog__annotation(prog, i));
	if (exbpf_prog__insns(prog, &insns, &cnt)) {
		(void)strlen(exbpf_prog__link_error(prog));
		return;
	}
	for (size_t i = 0; !exbpf_prog__func(prog, i, &f); i++)
		if (f.insn_off + f.insn_cnt > cnt)
			__builtin_trap();
	for (size_t i = 0; i < cnt; i++) {
		if (!exbpf_prog__line(prog, i, &li))
			(void)(strlen(li.file) + strlen(li.text));
		(void)exbpf_insn__disasm(insns, cnt, i, text, sizeof(text), NULL);
	}
	(void)exbpf_insns__validate(insns, cnt, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char log[512];
	EXBPF_OPTS(exbpf_open_opts, opts, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_object *obj = exbpf_object__open_mem(data, size, &opts);
	struct exbpf_prog *prog;
	struct exbpf_map_spec *map;
	struct exbpf_extern_info e;

	if (!obj) {
		if (!log[0])
			__builtin_trap(); /* every failure must say why */
		return 0;
	}
	exbpf_object__for_each_program(prog, obj)
		walk_prog(prog);
	exbpf_object__for_each_map(map, obj) {
		const struct exbpf_map_def *d = exbpf_map_spec__def(map);
		volatile uint8_t sum = 0;

		for (size_t i = 0; d->initial_value && i < d->initial_size; i++)
			sum += ((const uint8_t *)d->initial_value)[i];
		(void)strlen(d->name);
	}
	for (size_t i = 0; !exbpf_object__extern(obj, i, &e); i++)
		(void)strlen(e.name);
	exbpf_object__close(obj);
	return 0;
}
