/* A prog array the host fills (no declarative .values): `exbpf test` runs the program with the
 * array empty, so the tail call fails and the subprogram returns its 10 (+ 8 = 18);
 * tests/cli/basics.sh puts the target in with `exbpf run --prog tail_caller --tail
 * host_table:0:tail_thrower`, which loads the target too, and the result is Linux's
 * exception_tail_call's: the target throws 16, the caller adds 8 (24). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} host_table SEC(".maps");

SEC("tc") __success __retval(16)
int tail_thrower(struct __sk_buff *skb)
{
	bpf_throw(16);
	return 0;
}

static __noinline int tail_from_subprog(struct __sk_buff *skb)
{
	volatile int ret = 10;

	bpf_tail_call_static(skb, &host_table, 0);
	return ret;
}

SEC("tc") __success __retval(18)
int tail_caller(struct __sk_buff *skb)
{
	volatile int ret = 0;

	ret = tail_from_subprog(skb);
	return ret + 8;
}
