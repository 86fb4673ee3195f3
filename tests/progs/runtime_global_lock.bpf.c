/* A bpf_spin_lock in global data, as Linux's selftests declare them (a `.bss.NAME` section of
 * its own): the lock's offset comes from the section's BTF (a DATASEC variable), for the
 * verifier and for the runtime's lock. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define private(name) SEC(".bss." #name) __attribute__((visibility("hidden"), aligned(8)))

private(A) struct bpf_spin_lock glock;
private(A) __u64 counter;

SEC("tc") __success __retval(1)
int global_lock_count(struct __sk_buff *skb)
{
	__u64 n;

	bpf_spin_lock(&glock);
	n = ++counter;
	bpf_spin_unlock(&glock);
	return n;
}

/* Linux refuses the throw under the lock; exbpf's default mode unlocks while unwinding, so the
 * lock is free for the next run. */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
__exbpf_success __exbpf_retval(5)
int global_lock_throw(struct __sk_buff *skb)
{
	bpf_spin_lock(&glock);
	counter++;
	if (skb->len == 64)
		bpf_throw(5);
	bpf_spin_unlock(&glock);
	return 0;
}

/* The lock is not a number: no plain access to it. */
SEC("?tc") __failure __msg("bpf_spin_lock cannot be accessed directly by load/store")
int global_lock_peek(struct __sk_buff *skb)
{
	return *(volatile __u32 *)&glock;
}
