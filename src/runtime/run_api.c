/* The invocation services of <exbpf/runtime.h> for embedders' helpers and kfuncs. */
#include <errno.h>

#include "runtime/runtime.h"

_Static_assert(EXBPF_CALLBACK_THROWN == VM_THROWN, "one status for engines and embedders");

bool exbpf_run__access_ok(struct exbpf_run *run, uint64_t addr, size_t size, bool write)
{
	return vm_run_access_ok(run, addr, size, write);
}

int exbpf_run__fail(struct exbpf_run *run, int err, const char *msg)
{
	return vm_run_fail(run, err < 0 ? err : -EINVAL, "%s", msg ? msg : "helper failed");
}

int exbpf_run__callback(struct exbpf_run *run, uint64_t callback, const uint64_t args[5],
			uint64_t *r0)
{
	return vm_run_call(run, callback, args, r0);
}
