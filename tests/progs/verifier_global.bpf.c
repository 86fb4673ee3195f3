/* Global functions and the exception callback: their signatures (Linux 6.18's rules and
 * messages). Each program is loaded alone, so each carries its own global functions. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* A global function returning an int is verified once, on its own. */
__noinline int global_add(int a)
{
	return a + 1;
}

SEC("tc") __success __retval(1)
int calls_int_global(struct __sk_buff *skb)
{
	return global_add(0);
}

/* 6.18 takes no void global function. */
__noinline void global_void(int *p)
{
	if (p)
		*p = 1;
}

SEC("?tc") __failure __msg("Global function global_void() doesn't return scalar. Only those are supported.")
int calls_void_global(struct __sk_buff *skb)
{
	int x = 0;

	global_void(&x);
	return x;
}

/* The exception callback takes exactly one integer. */
__noinline int two_arg_cb(__u64 cookie, __u64 other)
{
	return (int)(cookie + other);
}

SEC("?tc") __failure __msg("exception cb only supports single integer argument")
__exception_cb(two_arg_cb)
int cb_with_two_args(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(1);
	return 0;
}

__noinline int good_cb(__u64 cookie)
{
	return (int)cookie + 100;
}

SEC("?tc") __success __retval(107)
__exception_cb(good_cb)
int cb_with_one_arg(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(7);
	return 0;
}

/* The exception callback may not tail call; it has no context to pass, which is what Linux
 * (and exbpf) report first. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jumps SEC(".maps");

__noinline int tail_calling_cb(__u64 cookie)
{
	bpf_tail_call_static((void *)0, &jumps, 0);
	return 0;
}

SEC("?tc") __failure __msg("R1 type=scalar expected=ctx")
__exception_cb(tail_calling_cb)
int cb_tail_calls(struct __sk_buff *skb)
{
	if (skb->len == 64)
		bpf_throw(1);
	return 0;
}

/* A global function that may throw, called while the caller holds something: Linux checks the
 * throw as an exceptional exit of the caller (its might_throw), and exbpf's default mode
 * releases what is held instead. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} gl_rb SEC(".maps");

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

__noinline int gl_may_throw(int x)
{
	if (x > 10)
		bpf_throw(3);
	return x;
}

__noinline int gl_never_throws(int x)
{
	return x + 1;
}

SEC("?tc") __failure __msg("Unreleased reference id={{[0-9]+}} alloc_insn={{[0-9]+}}")
__msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(3)
int hold_across_throwing_global(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&gl_rb, 8, 0);
	int r;

	if (!s)
		return 1;
	r = gl_may_throw(skb->len);
	*s = r;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

SEC("?tc") __success __retval(0)
int hold_across_quiet_global(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&gl_rb, 8, 0);
	int r;

	if (!s)
		return 1;
	r = gl_never_throws(skb->len);
	*s = r;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

SEC("?tc") __failure __msg("bpf_throw cannot be used inside bpf_rcu_read_lock-ed region")
__exbpf_success __exbpf_retval(3)
int rcu_across_throwing_global(struct __sk_buff *skb)
{
	int r;

	bpf_rcu_read_lock();
	r = gl_may_throw(skb->len);
	bpf_rcu_read_unlock();
	return r;
}

/* Argument tags (libbpf's __arg_ctx, __arg_nonnull): a tagged `void *` is the context, a
 * __arg_nonnull pointer needs no NULL check in the callee and a possibly-NULL one is refused
 * at the call; untagged, the pointer may be NULL, is no context, and must point to a type of
 * known size (not void). */
#define ARG_CTX __attribute__((btf_decl_tag("arg:ctx")))
#define ARG_NONNULL __attribute__((btf_decl_tag("arg:nonnull")))

__noinline int global_ctx_len(void *ctx ARG_CTX)
{
	return ((struct __sk_buff *)ctx)->len;
}

SEC("?tc") __success __retval(64)
int calls_arg_ctx(struct __sk_buff *skb)
{
	return global_ctx_len(skb);
}

__noinline int global_void_ptr(void *p)
{
	return p != 0;
}

SEC("?tc") __failure __msg("arg#0 reference type('UNKNOWN ') size cannot be determined: -22")
__msg("Caller passes invalid args into func#1 ('global_void_ptr')")
int calls_untagged_void_ptr(struct __sk_buff *skb)
{
	return global_void_ptr(skb);
}

__noinline int global_int_ptr(int *p)
{
	return p != 0;
}

SEC("?tc") __failure __msg("R1 type=ctx expected=fp")
__msg("Caller passes invalid args into func#1 ('global_int_ptr')")
int passes_ctx_as_mem(struct __sk_buff *skb)
{
	return global_int_ptr((int *)skb);
}

__noinline int global_deref_nonnull(int *p ARG_NONNULL)
{
	return *p;
}

SEC("?tc") __success __retval(7)
int calls_arg_nonnull(struct __sk_buff *skb)
{
	int v = 7;

	return global_deref_nonnull(&v);
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, int);
} nonnull_vals SEC(".maps");

SEC("?tc") __failure __msg("arg#0 is expected to be non-NULL")
int passes_maybe_null_to_nonnull(struct __sk_buff *skb)
{
	int k = 0;

	return global_deref_nonnull(bpf_map_lookup_elem(&nonnull_vals, &k));
}

__noinline int global_deref_untagged(int *p)
{
	return *p;
}

SEC("?tc") __failure __msg("invalid mem access 'mem_or_null'")
int untagged_pointer_may_be_null(struct __sk_buff *skb)
{
	int v = 7;

	return global_deref_untagged(&v);
}

/* A global function that may change packet data (here through a static callee: the property
 * goes up the call graph) takes no packet pointer as a memory argument, and its callers'
 * packet pointers are stale after the call, as after the helper itself. */
static __noinline int trim_to_head(struct __sk_buff *skb)
{
	return bpf_skb_pull_data(skb, 0);
}

__noinline int global_pulls(struct __sk_buff *skb ARG_CTX, __u32 *word)
{
	if (!word)
		return 0;
	trim_to_head(skb);
	return 1;
}

__noinline int global_reads_word(__u32 *word)
{
	return word ? (int)(*word & 1) : 0;
}

SEC("?tc") __success __retval(0)
int pkt_word_to_global_reader(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (data + 4 > end)
		return 0;
	return global_reads_word(data);
}

SEC("?tc") __failure __msg("arg#1 is a packet pointer, but func#1 may change packet data")
__msg("Caller passes invalid args into func#1 ('global_pulls')")
int pkt_word_to_global_puller(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (data + 4 > end)
		return 0;
	return global_pulls(skb, data);
}

SEC("?tc") __failure __msg("invalid mem access 'scalar'")
__naked int pkt_pointer_after_global_puller(void)
{
	asm volatile("r6 = r1;\n"
		     "r7 = *(u32 *)(r6 + %[data]);\n"
		     "r8 = *(u32 *)(r6 + %[data_end]);\n"
		     "r0 = r7;\n"
		     "r0 += 4;\n"
		     "if r0 > r8 goto 1f;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "call global_pulls;\n"
		     "r0 = *(u32 *)(r7 + 0);\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_const(data, offsetof(struct __sk_buff, data)),
		        __imm_const(data_end, offsetof(struct __sk_buff, data_end))
		     : __clobber_all);
}
