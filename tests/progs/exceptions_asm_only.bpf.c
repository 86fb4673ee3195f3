/* An object whose only calls of bpf_throw come from the assertion macros' inline assembly:
 * clang emits no BTF for the extern then (libbpf refuses the object: "failed to find BTF for
 * extern 'bpf_throw'"); exbpf resolves the kfunc by name, and its Linux backend loads it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* 64-byte packets: the length is outside [0, 10], so the assertion throws it. */
SEC("tc") __success __retval(64)
int range_throws_len(struct __sk_buff *skb)
{
	__u64 len = skb->len;

	bpf_assert_range_with(len, 0, 10, len);
	return 0;
}

SEC("tc") __success __retval(1)
int range_holds(struct __sk_buff *skb)
{
	__u64 len = skb->len;

	bpf_assert_range(len, 60, 70);
	return 1;
}
