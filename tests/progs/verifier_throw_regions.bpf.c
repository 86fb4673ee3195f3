/* bpf_throw inside an RCU read section, a preempt-disabled region and a local-irq-saved region.
 * Linux refuses each (its unwinding releases nothing); exbpf's default mode accepts them and
 * ends the region while unwinding, so the tags differ by mode. The regions themselves follow
 * Linux's rules in both modes: every exit balanced, every unlock matched. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void bpf_preempt_disable(void) __ksym;
extern void bpf_preempt_enable(void) __ksym;
extern void bpf_local_irq_save(unsigned long *flags) __ksym;
extern void bpf_local_irq_restore(unsigned long *flags) __ksym;

SEC("tc") __success __retval(64)
int rcu_balanced(struct __sk_buff *skb)
{
	int n;

	bpf_rcu_read_lock();
	n = skb->len;
	bpf_rcu_read_unlock();
	return n;
}

SEC("tc") __failure __msg("BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region")
int rcu_unbalanced_exit(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	return 0;
}

SEC("tc") __failure __msg("bpf_throw cannot be used inside bpf_rcu_read_lock-ed region")
__exbpf_success __exbpf_retval(21)
int rcu_throw(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	if (skb->len == 64)
		bpf_throw(21);
	bpf_rcu_read_unlock();
	return 0;
}

SEC("tc") __success __retval(64)
int preempt_balanced(struct __sk_buff *skb)
{
	int n;

	bpf_preempt_disable();
	n = skb->len;
	bpf_preempt_enable();
	return n;
}

SEC("tc") __failure __msg("BPF_EXIT instruction in main prog cannot be used inside bpf_preempt_disable-ed region")
int preempt_unbalanced_exit(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	return 0;
}

SEC("tc") __failure __msg("bpf_throw cannot be used inside bpf_preempt_disable-ed region")
__exbpf_success __exbpf_retval(22)
int preempt_throw(struct __sk_buff *skb)
{
	bpf_preempt_disable();
	if (skb->len == 64)
		bpf_throw(22);
	bpf_preempt_enable();
	return 0;
}

SEC("tc") __success __retval(64)
int irq_balanced(struct __sk_buff *skb)
{
	unsigned long flags;
	int n;

	bpf_local_irq_save(&flags);
	n = skb->len;
	bpf_local_irq_restore(&flags);
	return n;
}

SEC("tc") __failure __msg("BPF_EXIT instruction in main prog cannot be used inside bpf_local_irq_save-ed region")
int irq_unbalanced_exit(struct __sk_buff *skb)
{
	unsigned long flags;

	bpf_local_irq_save(&flags);
	return 0;
}

SEC("tc") __failure __msg("bpf_throw cannot be used inside bpf_local_irq_save-ed region")
__exbpf_success __exbpf_retval(23)
int irq_throw(struct __sk_buff *skb)
{
	unsigned long flags;

	bpf_local_irq_save(&flags);
	if (skb->len == 64)
		bpf_throw(23);
	bpf_local_irq_restore(&flags);
	return 0;
}

/* Nested regions: the throw ends both, innermost first. */
SEC("tc") __failure __msg("bpf_throw cannot be used inside bpf_rcu_read_lock-ed region")
__exbpf_success __exbpf_retval(24)
int rcu_preempt_throw(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	bpf_preempt_disable();
	if (skb->len == 64)
		bpf_throw(24);
	bpf_preempt_enable();
	bpf_rcu_read_unlock();
	return 0;
}

/* Irq flags are restored in the reverse order of their saves, from the slot a save wrote. */
SEC("tc") __success __retval(0)
int irq_nested_lifo(struct __sk_buff *skb)
{
	unsigned long a, b;

	bpf_local_irq_save(&a);
	bpf_local_irq_save(&b);
	bpf_local_irq_restore(&b);
	bpf_local_irq_restore(&a);
	return 0;
}

SEC("tc") __failure __msg("cannot restore irq state out of order, expected id={{[0-9]+}} acquired at insn_idx={{[0-9]+}}")
int irq_out_of_order(struct __sk_buff *skb)
{
	unsigned long a, b;

	bpf_local_irq_save(&a);
	bpf_local_irq_save(&b);
	bpf_local_irq_restore(&a);
	bpf_local_irq_restore(&b);
	return 0;
}

SEC("tc") __failure __msg("expected an initialized irq flag as arg#0")
int irq_restore_unsaved(struct __sk_buff *skb)
{
	unsigned long a = 0;

	bpf_local_irq_restore(&a);
	return 0;
}

SEC("tc") __failure __msg("expected uninitialized irq flag as arg#0")
int irq_save_twice(struct __sk_buff *skb)
{
	unsigned long a;

	bpf_local_irq_save(&a);
	bpf_local_irq_save(&a);
	bpf_local_irq_restore(&a);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, unsigned long);
} flags_map SEC(".maps");

SEC("tc") __failure __msg("arg#0 doesn't point to an irq flag on stack")
int irq_flags_in_map(struct __sk_buff *skb)
{
	__u32 k = 0;
	unsigned long *f = bpf_map_lookup_elem(&flags_map, &k);

	if (!f)
		return 0;
	bpf_local_irq_save(f);
	bpf_local_irq_restore(f);
	return 0;
}
