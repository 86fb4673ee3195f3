/* Referenced kptrs: a map value's `struct T __kptr *` field stashes a bpf_obj_new object
 * between runs. Only bpf_kptr_xchg touches the field: it gives the field an object the
 * program owns (or NULL) and hands back, owned, what the field held. Each rule: the correct
 * use, then the rule broken, with Linux's message. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/bpf_graph.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define __kptr __attribute__((btf_type_tag("kptr")))

struct item {
	long key;
	long data;
};

struct other {
	long key;
};

struct slot {
	long n;
	struct item __kptr *p;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, long);
} plain SEC(".maps");

static struct slot *slot0(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&slots, &k);
}

/* Stash an object, then take it back out: it comes back owned, as it was written. */
SEC("tc") __success __retval(5)
int stash_and_take(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct item *it, *old;
	long key;

	if (!s)
		return 0;
	it = bpf_obj_new(typeof(*it));
	if (!it)
		return 0;
	it->key = 5;
	old = bpf_kptr_xchg(&s->p, it);
	if (old)
		bpf_obj_drop(old);
	old = bpf_kptr_xchg(&s->p, NULL);
	if (!old)
		return 0;
	key = old->key;
	bpf_obj_drop(old);
	return key;
}

/* What comes out is the program's to drop or stash again. */
SEC("tc") __failure __msg("Unreleased reference id=2 alloc_insn=")
int take_and_leak(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct item *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->p, NULL);
	return old != 0;
}

/* An object stashed is not the program's any more. */
SEC("tc") __failure __msg("R1 invalid mem access 'scalar'")
int use_after_stash(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct item *it, *old;

	if (!s)
		return 0;
	it = bpf_obj_new(typeof(*it));
	if (!it)
		return 0;
	old = bpf_kptr_xchg(&s->p, it);
	if (old)
		bpf_obj_drop(old);
	asm volatile("r1 = %[it]; r0 = *(u64 *)(r1 + 0);" ::[it] "r"(it) : "r0", "r1");
	return 0;
}

SEC("tc") __failure __msg("store to referenced kptr disallowed")
int store_to_kptr(struct __sk_buff *skb)
{
	struct slot *s = slot0();

	if (!s)
		return 0;
	*(volatile long *)&s->p = 0;
	return 0;
}

SEC("tc") __failure __msg("off=0 doesn't point to kptr")
int xchg_not_a_kptr(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct item *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->n, NULL);
	if (old)
		bpf_obj_drop(old);
	return 0;
}

SEC("tc") __failure __msg("R1 has no valid kptr")
int xchg_no_kptr_map(struct __sk_buff *skb)
{
	__u32 k = 0;
	long *v = bpf_map_lookup_elem(&plain, &k);
	struct item *old;

	if (!v)
		return 0;
	old = bpf_kptr_xchg(v, NULL);
	if (old)
		bpf_obj_drop(old);
	return 0;
}

SEC("tc") __failure __msg("invalid kptr access, R2 type=ptr_other expected=ptr_item")
int xchg_wrong_type(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct other *o;
	struct item *old;

	if (!s)
		return 0;
	o = bpf_obj_new(typeof(*o));
	if (!o)
		return 0;
	old = bpf_kptr_xchg(&s->p, (struct item *)o);
	if (old)
		bpf_obj_drop(old);
	return 0;
}

/* A throw while owning what came out: Linux refuses it; exbpf drops the object while
 * unwinding. */
SEC("tc") __failure __msg("Unreleased reference id=2 alloc_insn=")
__exbpf_success __exbpf_retval(0)
int throw_holding_kptr(struct __sk_buff *skb)
{
	struct slot *s = slot0();
	struct item *old;

	if (!s)
		return 0;
	old = bpf_kptr_xchg(&s->p, NULL);
	if (old)
		bpf_throw(0);
	return 0;
}

/* An object left in the field at exit stays there for the next run, and goes with the map. */
SEC("tc") __success __retval(1)
int stash_and_leave(struct __sk_buff *skb)
{
	__u32 k = 1;
	struct slot *s = bpf_map_lookup_elem(&slots, &k);
	struct item *it, *old;

	if (!s)
		return 0;
	it = bpf_obj_new(typeof(*it));
	if (!it)
		return 0;
	old = bpf_kptr_xchg(&s->p, it);
	if (old)
		bpf_obj_drop(old);
	return 1;
}
