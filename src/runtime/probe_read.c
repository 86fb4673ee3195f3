/* Reads of memory the verifier does not type (Linux's probe reads of kernel or user memory,
 * and the bits iterator's words): a verified program's run reads the host process's memory
 * without faulting (process_vm_readv on itself: where nothing readable is mapped, -EFAULT);
 * an unverified program's run reads only memory of the run. Userspace has one address space,
 * so the "kernel" and "user" helpers read the same memory. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runtime/helpers.h"

#define H(name) RT_HELPER(name)
#define PAGE 4096u

int rt_read_nofault(struct exbpf_run *run, void *dst, uint64_t addr, size_t size)
{
	struct iovec local = {dst, size}, remote = {(void *)(uintptr_t)addr, size};

	if (!size)
		return 0;
	if (run->checked) {
		if (!exbpf_run__access_ok(run, addr, size, false))
			return -EFAULT;
		memcpy(dst, (const void *)(uintptr_t)addr, size);
		return 0;
	}
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -EFAULT;
}

int rt_read_str_nofault(struct exbpf_run *run, char *dst, uint64_t addr, size_t size)
{
	size_t done = 0;

	if (!size)
		return 0;
	/* A page at a time (a string may end just before memory that cannot be read); a byte at
	 * a time in an unverified run, whose memory may end anywhere in a page. */
	while (done < size - 1) {
		size_t n = run->checked ? 1 : PAGE - (size_t)((addr + done) % PAGE);
		char *nul;

		if (n > size - 1 - done)
			n = size - 1 - done;
		if (rt_read_nofault(run, dst + done, addr + done, n))
			return -EFAULT;
		if ((nul = memchr(dst + done, 0, n)))
			return (int)(nul - dst) + 1;
		done += n;
	}
	dst[size - 1] = 0;
	return (int)size;
}

/* dst [size] from unsafe: 0, or -EFAULT with dst zeroed (Linux's bpf_probe_read_*_common). */
static uint64_t probe_read(struct exbpf_run *run, uint64_t dst, uint64_t size, uint64_t unsafe,
			   bool str, const char *what)
{
	int ret;

	if (!rt_arg_mem(run, dst, size, true, what))
		return 0;
	ret = str ? rt_read_str_nofault(run, (char *)(uintptr_t)dst, unsafe, size)
		  : rt_read_nofault(run, (void *)(uintptr_t)dst, unsafe, size);
	if (ret < 0)
		memset((void *)(uintptr_t)dst, 0, size);
	return (uint64_t)(int64_t)ret;
}

H(rt_probe_read)
{
	(void)r4, (void)r5;
	return probe_read(run, r1, (uint32_t)r2, r3, false, "probe_read destination");
}

H(rt_probe_read_str)
{
	(void)r4, (void)r5;
	return probe_read(run, r1, (uint32_t)r2, r3, true, "probe_read_str destination");
}
