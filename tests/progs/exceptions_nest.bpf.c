/* Nested invocations: nest_outer calls a host kfunc that runs nest_inner, which throws; the
 * inner throw ends only the inner invocation. The kfunc exists only where
 * tests/unit/test_exceptions.c registers it, so plain `exbpf test` sees Linux's verdict for
 * an unknown kfunc. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

extern __u64 exbpf_test_host_run(__u64 cookie) __ksym;

__noinline int times_ten(__u64 cookie)
{
	return (int)cookie * 10;
}

SEC("raw") __failure __msg("extern (func ksym) 'exbpf_test_host_run': not found")
__exception_cb(times_ten)
int nest_outer(void *data, __u64 len)
{
	__u64 r = exbpf_test_host_run(9);

	bpf_throw(r + 1);
	return 0;
}

SEC("raw") __failure __msg("extern (func ksym) 'exbpf_test_host_run': not found")
int nest_inner(void *data, __u64 len)
{
	if (len)
		bpf_throw(*(__u8 *)data);
	return 7;
}
