/* An embedder's kfunc that runs a BPF callback twice (tests/unit/test_runtime.c registers
 * exbpf_test_twice): a throw inside the callback comes back to the kfunc as a status, the
 * kfunc returns, and the program unwinds to its exception callback. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

extern __u64 exbpf_test_twice(int (*cb)(__u64 x), __u64 arg) __ksym;

static int cb_double(__u64 x)
{
	if (x > 100)
		bpf_throw(x);
	return (int)x * 2;
}

__noinline int plus_one(__u64 cookie)
{
	return (int)cookie + 1;
}

SEC("raw")
__exception_cb(plus_one)
int host_cb(void *data, __u64 len)
{
	return (int)exbpf_test_twice(cb_double, len);
}
