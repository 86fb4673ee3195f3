/* bpf_loop callbacks: the callback is a static function whose return value must be 0 or 1, whose
 * context argument is the pointer the caller passed (a stack pointer is usable within its
 * bounds), and which is verified for every iteration count. bpf_loop itself returns the
 * iterations done, -EINVAL for flags, -E2BIG over 1 << 23 loops. Each pair: the rule kept, then
 * broken. Checked against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

static int count_cb(__u32 i, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

/* Ten iterations, each adding one to the caller's counter. */
SEC("tc") __success __retval(10)
int loop_counts(struct __sk_buff *skb)
{
	__u64 n = 0;

	bpf_loop(10, count_cb, &n, 0);
	return n;
}

/* bpf_loop returns the number of iterations run. */
SEC("tc") __success __retval(7)
int loop_returns_count(struct __sk_buff *skb)
{
	__u64 n = 0;

	return bpf_loop(7, count_cb, &n, 0);
}

static int stop_at_three(__u32 i, void *ctx)
{
	return i == 2; /* 1: stop after this iteration */
}

SEC("tc") __success __retval(3)
int loop_stops_early(struct __sk_buff *skb)
{
	return bpf_loop(100, stop_at_three, NULL, 0);
}

/* Nonzero flags are refused at run time (-EINVAL), too many loops too (-E2BIG). */
SEC("tc") __success __retval(-22)
int loop_bad_flags(struct __sk_buff *skb)
{
	return bpf_loop(1, stop_at_three, NULL, 1);
}

SEC("tc") __success __retval(-7)
int loop_too_many(struct __sk_buff *skb)
{
	return bpf_loop((1 << 23) + 1, stop_at_three, NULL, 0);
}

SEC("tc") __success __retval(0)
int loop_max_count_stops(struct __sk_buff *skb)
{
	return bpf_loop(1 << 23, stop_at_three, NULL, 0) != 3;
}

/* A callback returning 2 breaks the [0, 1] rule. */
__naked __noinline static void cb_returns_2(void)
{
	asm volatile("r0 = 2;\n"
		     "exit;\n" ::: __clobber_all);
}

__naked __noinline static void cb_returns_1(void)
{
	asm volatile("r0 = 1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("tc") __success __retval(1)
__naked void callback_returns_1(void)
{
	asm volatile("r1 = 5;\n"
		     "r2 = %[cb_returns_1] ll;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "call %[bpf_loop];\n"
		     "exit;\n"
		     :: __imm_addr(cb_returns_1), __imm(bpf_loop) : __clobber_all);
}

SEC("tc") __failure __msg("At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]")
__naked void callback_returns_2(void)
{
	asm volatile("r1 = 5;\n"
		     "r2 = %[cb_returns_2] ll;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "call %[bpf_loop];\n"
		     "exit;\n"
		     :: __imm_addr(cb_returns_2), __imm(bpf_loop) : __clobber_all);
}

/* The callback must be a function, not a scalar. */
SEC("tc") __failure __msg("R2 type=scalar expected=func")
__naked void callback_scalar(void)
{
	asm volatile("r1 = 5;\n"
		     "r2 = 0;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "call %[bpf_loop];\n"
		     "exit;\n" :: __imm(bpf_loop) : __clobber_all);
}

/* The callback sees the caller's 8-byte stack slot: reading 8 bytes is fine, 16 is not. */
static int read_ctx8(__u32 i, void *ctx)
{
	return *(volatile __u64 *)ctx & 0;
}

static int read_ctx16(__u32 i, void *ctx)
{
	return ((volatile __u64 *)ctx)[1] & 0;
}

SEC("tc") __success __retval(1)
int callback_reads_ctx(struct __sk_buff *skb)
{
	__u64 v = 3;

	return bpf_loop(1, read_ctx8, &v, 0);
}

SEC("tc") __failure __msg("invalid read from stack R{{[0-9]}} off=0 size=8")
int callback_reads_past_ctx(struct __sk_buff *skb)
{
	__u64 v = 3;

	return bpf_loop(1, read_ctx16, &v, 0);
}

/* The callback's context argument is whatever the caller passed: NULL cannot be read. */
SEC("tc") __failure __msg("R{{[0-9]}} invalid mem access 'scalar'")
int callback_reads_null_ctx(struct __sk_buff *skb)
{
	return bpf_loop(1, read_ctx8, NULL, 0);
}

/* A callback's iteration index is a scalar bounded by nothing the caller says: it must be checked
 * against the buffer (8 bytes at fp-8). (The registers are the compiler's: matched by regex.) */
static int index_as_offset(__u32 i, void *ctx)
{
	__u8 *buf = ctx;

	if (i < 8)
		buf[i] = 1;
	return 0;
}

static int index_unchecked(__u32 i, void *ctx)
{
	__u8 *buf = ctx;

	buf[i & 15] = 1;
	return 0;
}

SEC("tc") __success __retval(8)
int callback_index_checked(struct __sk_buff *skb)
{
	__u64 buf = 0;

	return bpf_loop(8, index_as_offset, &buf, 0);
}

SEC("tc") __failure __msg("invalid variable-offset write to stack R{{[0-9]}} var_off=(0x0; 0xf) off=-8 size=1")
int callback_index_unchecked(struct __sk_buff *skb)
{
	__u64 buf = 0;

	return bpf_loop(8, index_unchecked, &buf, 0);
}

/* A nested bpf_loop inside a callback is allowed. */
static int inner_cb(__u32 i, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

static int outer_cb(__u32 i, void *ctx)
{
	bpf_loop(3, inner_cb, ctx, 0);
	return 0;
}

SEC("tc") __success __retval(12)
int nested_loops(struct __sk_buff *skb)
{
	__u64 n = 0;

	bpf_loop(4, outer_cb, &n, 0);
	return n;
}

/* A callback's runs are followed as Linux follows them: bpf_loop runs it at most nr_loops
 * times, and what it does not change keeps its value after the call, so the caller may still
 * index with either. */
struct tally {
	__u64 runs;
	__u64 pick;
};

static int tally_cb(__u32 i, void *ctx)
{
	((struct tally *)ctx)->runs++;
	return 0;
}

__u8 slots3[3] = {4, 5, 6};

SEC("tc") __success __retval(6)
int loop_count_bounds_runs(struct __sk_buff *skb)
{
	struct tally t = {.runs = 0, .pick = 2};

	bpf_loop(2, tally_cb, &t, 0);
	return slots3[t.runs];
}

SEC("tc") __failure __msg("invalid access to map value, value_size=3 off=3 size=1")
int loop_count_overruns_index(struct __sk_buff *skb)
{
	struct tally t = {.runs = 0, .pick = 2};

	bpf_loop(3, tally_cb, &t, 0);
	return slots3[t.runs];
}

SEC("tc") __success __retval(6)
int loop_untouched_field_kept(struct __sk_buff *skb)
{
	struct tally t = {.runs = 0, .pick = 2};

	bpf_loop(skb->len, tally_cb, &t, 0);
	return slots3[t.pick];
}
