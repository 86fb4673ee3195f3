/* bpf_spin_lock: a lock lives in a map value (described by BTF), is taken at most once at a
 * time, must be released on every path before exit, cannot be touched by loads and stores, and
 * no function may be called while it is held. Each pair: the correct use, then the rule broken.
 * Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct locked {
	struct bpf_spin_lock lock;
	__u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} hlocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nolock SEC(".maps");

/* Lock, update, unlock: fine. Return without unlocking: refused. */
SEC("tc") __success __retval(1)
int lock_unlock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);
	__u32 n;

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	n = ++l->n;
	bpf_spin_unlock(&l->lock);
	return n > 0;
}

SEC("tc") __failure __msg("BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region")
int lock_no_unlock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	l->n++;
	return 0;
}

/* Unlocked on one path only. */
SEC("tc") __failure __msg("BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region")
int unlock_one_path(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	if (skb->len > 10) {
		bpf_spin_unlock(&l->lock);
		return 1;
	}
	return 0;
}

/* Unlock without lock. */
SEC("tc") __failure __msg("bpf_spin_unlock without taking a lock")
int unlock_without_lock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_unlock(&l->lock);
	return 0;
}

/* Two locks at once (even of different maps). Linux 6.18 refuses the second bpf_spin_lock call
 * as a call inside the region, before its "Locking two bpf_spin_locks" check. */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
int lock_two(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *a = bpf_map_lookup_elem(&locks, &k);
	struct locked *b = bpf_map_lookup_elem(&hlocks, &k);

	if (!a || !b)
		return 0;
	bpf_spin_lock(&a->lock);
	bpf_spin_lock(&b->lock);
	bpf_spin_unlock(&b->lock);
	bpf_spin_unlock(&a->lock);
	return 0;
}

/* One after the other is fine; a hash map value holds a lock as well as an array's. */
SEC("tc") __success __retval(0)
int lock_in_sequence(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *a = bpf_map_lookup_elem(&locks, &k);
	struct locked *b = bpf_map_lookup_elem(&hlocks, &k);

	if (!a || !b)
		return 0;
	bpf_spin_lock(&a->lock);
	a->n++;
	bpf_spin_unlock(&a->lock);
	bpf_spin_lock(&b->lock);
	b->n++;
	bpf_spin_unlock(&b->lock);
	return 0;
}

/* No helper call inside the locked region. */
SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
int call_while_locked(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	l->n = bpf_get_prandom_u32();
	bpf_spin_unlock(&l->lock);
	return 0;
}

SEC("tc") __success __retval(0)
int call_before_lock(struct __sk_buff *skb)
{
	__u32 k = 0, r = bpf_get_prandom_u32();
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_lock(&l->lock);
	l->n = r;
	bpf_spin_unlock(&l->lock);
	return 0;
}

/* A map value without a bpf_spin_lock cannot be locked. */
SEC("tc") __failure __msg("map 'nolock' has no valid bpf_spin_lock")
int lock_without_lock_field(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct bpf_spin_lock *l = bpf_map_lookup_elem(&nolock, &k);

	if (!l)
		return 0;
	bpf_spin_lock(l);
	bpf_spin_unlock(l);
	return 0;
}

/* The lock word is not data: loads and stores of it are refused; the next field is data. */
SEC("tc") __failure __msg("bpf_spin_lock cannot be accessed directly by load/store")
int read_lock_word(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	return *(volatile __u32 *)&l->lock;
}

SEC("tc") __success __retval(0)
int read_next_field(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	return *(volatile __u32 *)&l->n & 0;
}

/* The lock argument must point exactly at the lock, not at another offset. */
SEC("tc") __failure __msg("off 4 doesn't point to 'struct bpf_spin_lock' that is at 0")
int lock_wrong_offset(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)&l->n);
	bpf_spin_unlock((struct bpf_spin_lock *)&l->n);
	return 0;
}

/* The lock is the one of the value the pointer came from: two lookups may find two elements,
 * so unlocking through the other lookup's pointer is refused (it would leave the first lock
 * held), while a copy of the locking pointer unlocks. */
SEC("tc") __failure __msg("bpf_spin_unlock of different lock")
__naked void unlock_other_lookup(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r1 = 1;\n"
		     "*(u32 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[hlocks] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[hlocks] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r7 = r0;\n"
		     "r1 = r6;\n"
		     "call %[bpf_spin_lock];\n"
		     "r1 = r7;\n"
		     "call %[bpf_spin_unlock];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_map_lookup_elem), __imm(bpf_spin_lock), __imm(bpf_spin_unlock),
		        __imm_addr(hlocks) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void unlock_copy_of_locking_pointer(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[hlocks] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "r7 = r0;\n"
		     "r1 = r6;\n"
		     "call %[bpf_spin_lock];\n"
		     "r1 = r7;\n"
		     "call %[bpf_spin_unlock];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_map_lookup_elem), __imm(bpf_spin_lock), __imm(bpf_spin_unlock),
		        __imm_addr(hlocks) : __clobber_all);
}

/* Socket filters and tracing programs may not name a map whose values hold a lock at all (an
 * lddw of it, before the walk); tc may. */
SEC("socket") __failure __msg("socket filter progs cannot use bpf_spin_lock yet")
__naked void socket_filter_names_lock_map(void)
{
	asm volatile("r1 = %[locks] ll;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(locks) : __clobber_all);
}

SEC("raw_tp") __failure __msg("tracing progs cannot use bpf_spin_lock yet")
__naked void raw_tp_names_lock_map(void)
{
	asm volatile("r1 = %[locks] ll;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(locks) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void tc_names_lock_map(void)
{
	asm volatile("r1 = %[locks] ll;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(locks) : __clobber_all);
}
