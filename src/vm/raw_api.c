/* The public raw-interpreter API (include/exbpf/vm.h): unverified programs, always checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_priv.h"

struct exbpf_vm {
	struct vm_helper *helpers;
	size_t nhelpers;
	struct vm_helper_table table;
	struct vm_prog *prog;
	uint64_t budget;
};

struct exbpf_vm *exbpf_vm__new(const struct exbpf_vm_opts *opts)
{
	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	struct exbpf_vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		errno = ENOMEM;
		return NULL;
	}
	vm->budget = EXBPF_VM_DEFAULT_BUDGET;
	if (opts && opts->sz >= offsetof(struct exbpf_vm_opts, insn_budget) + sizeof(uint64_t) &&
	    opts->insn_budget)
		vm->budget = opts->insn_budget;
	return vm;
}

void exbpf_vm__free(struct exbpf_vm *vm)
{
	if (!vm)
		return;
	vm_prog_free(vm->prog);
	free(vm->helpers);
	free(vm);
}

int exbpf_vm__register_helper(struct exbpf_vm *vm, uint32_t id, const char *name,
			      exbpf_helper_fn fn)
{
	if (!vm || !fn)
		return -EINVAL;
	if (vm->prog)
		return -EBUSY;
	if (vm_helper_find(&vm->table, id))
		return -EEXIST;
	struct vm_helper *h = realloc(vm->helpers, (vm->nhelpers + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	h[vm->nhelpers++] = (struct vm_helper){.id = id, .name = name, .fn = fn};
	vm->helpers = h;
	vm->table = (struct vm_helper_table){.helpers = h, .cnt = vm->nhelpers};
	return 0;
}

int exbpf_vm__load(struct exbpf_vm *vm, const struct bpf_insn *insns, size_t cnt, char *log_buf,
		   size_t log_size)
{
	struct log log;

	log_init(&log, log_buf, log_size);
	if (!vm)
		return -EINVAL;
	if (vm->prog) {
		log_printf(&log, "a program is already loaded\n");
		return -EBUSY;
	}
	/* The raw API registers helpers only: a kfunc call is "unknown kfunc #ID". */
	struct vm_prog_opts opts = {.helpers = &vm->table};
	return vm_prog_new_opts(insns, cnt, &opts, &log, &vm->prog);
}

int exbpf_vm__exec(const struct exbpf_vm *vm, void *mem, size_t mem_len, uint64_t *out_r0,
		   char *log_buf, size_t log_size)
{
	struct log log;

	log_init(&log, log_buf, log_size);
	if (!vm || !vm->prog) {
		log_printf(&log, "no program loaded\n");
		return -EINVAL;
	}
	struct vm_region region = {
		.start = (uintptr_t)mem,
		.size = mem ? mem_len : 0,
		.writable = true,
	};
	struct vm_exec x = {
		.args = {(uint64_t)(uintptr_t)mem, mem_len},
		.checked = true,
		.budget = vm->budget,
		.regions = &region,
		.nregions = mem ? 1 : 0,
		.log = &log,
	};
	int err = vm_exec(vm->prog, &x);
	if (out_r0)
		*out_r0 = x.r0;
	return err;
}
