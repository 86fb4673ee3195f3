/* libFuzzer target: arbitrary bytes as a BPF object that is loaded into a runtime and whose
 * programs all run, unverified, in the checked interpreter on a small packet and context.
 * Helpers, kfuncs, maps, contexts and throws then see hostile arguments: every run must end
 * with a result or an error, never a crash, a hang (small budget) or a sanitizer report.
 * Seeds: the compiled tests/progs objects, whose mutations keep most of their structure. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exbpf/exbpf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, const char *prog, const char *msg)
{
	(void)ctx, (void)prog, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pkt[64] = {0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 8, 0, 0x45};
	static const uint8_t ctx[96];
	EXBPF_OPTS(exbpf_env_opts, eo, .trace_printk = quiet);
	EXBPF_OPTS(exbpf_load_opts, lo, .unverified = true, .all_programs = true,
		   .insn_budget = 20000);
	struct exbpf_object *obj = exbpf_object__open_mem(data, size, NULL);
	struct exbpf_env *env;
	struct exbpf_instance *inst = NULL;
	struct exbpf_prog *p;

	if (!obj)
		return 0;
	env = exbpf_env__new(&eo);
	if (env && !exbpf_instance__load(env, obj, &lo, &inst)) {
		exbpf_object__for_each_program(p, obj) {
			struct exbpf_program *prog =
				exbpf_instance__find_program(inst, exbpf_prog__name(p));
			char log[256];
			uint8_t out[64];
			EXBPF_OPTS(exbpf_run_opts, o, .log_buf = log, .log_size = sizeof(log),
				   .data_out = out, .data_size_out = sizeof(out));

			if (!prog)
				continue;
			if (exbpf_program__takes_packet(prog)) {
				o.data_in = pkt;
				o.data_size_in = sizeof(pkt);
			} else {
				o.ctx_in = ctx;
				o.ctx_size_in = sizeof(ctx);
			}
			(void)exbpf_program__run(prog, &o);
		}
	}
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
	return 0;
}
