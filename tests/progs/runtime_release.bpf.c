/* Resources held at a throw are released by exbpf's default mode (Linux rejects such
 * programs, as the Linux tags say): a ring-buffer sample is discarded, a spin lock unlocked,
 * a bpf_obj_new object dropped, each before the exception callback runs.
 * tests/unit/test_runtime.c checks the effects from the host. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

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

struct node {
	__u64 a, b;
};

SEC("tc") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(5)
int hold_and_throw(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!s)
		return 1;
	*s = 0xdead;
	bpf_throw(5);
	bpf_ringbuf_submit(s, 0);
	return 0;
}

SEC("tc") __success __retval(0)
int output_one(struct __sk_buff *skb)
{
	__u64 v = 0x1234;

	return bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
}

SEC("tc") __failure __msg("function calls are not allowed while holding a lock")
__exbpf_success __exbpf_retval(6)
int lock_and_throw(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);

	if (!l)
		return 1;
	bpf_spin_lock(&l->lock);
	l->n++;
	if (skb->len == 64)
		bpf_throw(6);
	bpf_spin_unlock(&l->lock);
	return 0;
}

SEC("tc") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(7)
int obj_and_throw(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);

	if (!n)
		return 1;
	n->a = skb->len;
	if (n->a == 64)
		bpf_throw(7);
	bpf_obj_drop_impl(n, NULL);
	return 0;
}

/* bpf_obj_new allocates structs only: a type id naming an int is refused. */
SEC("?tc") __failure __msg("bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct")
int obj_new_of_int(struct __sk_buff *skb)
{
	int *n = bpf_obj_new_impl(bpf_core_type_id_local(int), NULL);

	if (!n)
		return 1;
	bpf_obj_drop_impl(n, NULL);
	return 0;
}

SEC("?tc") __success __retval(64)
int obj_new_of_struct(struct __sk_buff *skb)
{
	struct node *n = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
	int r;

	if (!n)
		return 1;
	n->b = skb->len;
	r = n->b;
	bpf_obj_drop_impl(n, NULL);
	return r;
}

/* Checked runs enforce the context's field table: tc may not write skb->len. */
SEC("tc") __failure __msg("invalid bpf_context access")
int write_len(struct __sk_buff *skb)
{
	skb->len = 1;
	return 0;
}
