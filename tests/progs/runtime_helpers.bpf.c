/* Helpers at run time, one program per behaviour, with Linux's return values (checked
 * against Linux 6.18 with bpftool prog run). Packet programs run on 64 zero bytes: tc sees
 * skb->len 64, socket filters 50 (test_run pulls the Ethernet header).
 * Timers fire later, so tests/unit/test_timer.c checks them from the host; the programs it
 * uses are here too, with what one run returns. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define EFAULT 14
#define E2BIG 7
#define EAGAIN 11
#define EINVAL 22
#define EBUSY 16
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_BOOTTIME 7

/* Legacy packet loads, as Linux's selftests spell them. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

/* ---- skb_load_bytes / skb_store_bytes ---- */

SEC("tc") __success __retval(7)
int load_bytes_in_range(struct __sk_buff *skb)
{
	__u8 buf[4] = {1, 1, 1, 1};
	long ret = bpf_skb_load_bytes(skb, 60, buf, 4); /* the last 4 of 64 bytes */

	if (ret)
		return ret;
	return 7 + buf[0] + buf[1] + buf[2] + buf[3];
}

/* Past the end: -EFAULT, and the buffer is cleared. */
SEC("tc") __success __retval(-14)
int load_bytes_out_of_range(struct __sk_buff *skb)
{
	__u8 buf[4] = {1, 1, 1, 1};
	long ret = bpf_skb_load_bytes(skb, 61, buf, 4);

	if (buf[0] | buf[1] | buf[2] | buf[3])
		return 99;
	return ret;
}

/* A socket filter's skb starts at the network header: 50 bytes. */
SEC("socket") __success __retval(50)
int socket_len(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("socket") __success __retval(-14)
int socket_load_bytes_end(struct __sk_buff *skb)
{
	__u8 buf[4];

	if (bpf_skb_load_bytes(skb, 46, buf, 4)) /* bytes 46..49: the last ones */
		return 1;
	return bpf_skb_load_bytes(skb, 47, buf, 4);
}

/* Stored bytes read back through direct packet access (the store invalidates the old
 * pointers, so data is read again): 11 22 33 44 little-endian. */
SEC("tc") __success __retval(0x44332211)
int store_bytes_read_back(struct __sk_buff *skb)
{
	__u8 v[4] = {0x11, 0x22, 0x33, 0x44};
	void *data, *end;
	long ret = bpf_skb_store_bytes(skb, 20, v, 4, 0);

	if (ret)
		return ret;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + 24 > end)
		return 1;
	return *(__u32 *)(data + 20);
}

SEC("tc") __success __retval(-14)
int store_bytes_out_of_range(struct __sk_buff *skb)
{
	__u8 v[4] = {1, 2, 3, 4};

	return bpf_skb_store_bytes(skb, 62, v, 4, 0);
}

/* ---- csum_diff ---- */

/* Pushing 00 01 00 02 00 03 00 04 (seed 0). x86's csum_partial adds the words as
 * little-endian u32s: 0x02000100 + 0x04000300 = 0x06000400; Linux (since 6.13) folds it to 16
 * bits with csum_from32to16: 0x06000400 + 0x04000600 = 0x0a000a00, top half 0x0a00 = 2560,
 * i.e. the one's-complement sum 1 + 2 + 3 + 4 = 0x000a in network byte order. */
SEC("tc") __success __retval(2560)
int csum_diff_push(struct __sk_buff *skb)
{
	__be32 to[2] = {bpf_htonl(0x00010002), bpf_htonl(0x00030004)};

	return bpf_csum_diff(NULL, 0, to, sizeof(to), 0);
}

/* Diffing 00 01 00 02 into 00 05 00 06: csum_sub(0x06000500, 0x02000100) = 0x06000500 +
 * 0xfdfffeff = 0x1040003ff, end-around carry 0x04000400, folded 0x0800 = 2048: the 16-bit
 * difference (5 + 6) - (1 + 2) = 8 in network byte order. */
SEC("tc") __success __retval(2048)
int csum_diff_diff(struct __sk_buff *skb)
{
	__be32 from[1] = {bpf_htonl(0x00010002)};
	__be32 to[1] = {bpf_htonl(0x00050006)};

	return bpf_csum_diff(from, sizeof(from), to, sizeof(to), 0);
}

/* ---- misc helpers ---- */

/* Four draws all equal: probability 2^-96. */
SEC("tc") __success __retval(1)
int prandom_differs(struct __sk_buff *skb)
{
	__u32 a = bpf_get_prandom_u32(), b = bpf_get_prandom_u32();
	__u32 c = bpf_get_prandom_u32(), d = bpf_get_prandom_u32();

	return a != b || b != c || c != d;
}

SEC("tc") __success __retval(1)
int ktime_monotonic(struct __sk_buff *skb)
{
	__u64 t1 = bpf_ktime_get_ns(), t2 = bpf_ktime_get_ns(), t3 = bpf_ktime_get_ns();

	return t1 > 0 && t2 >= t1 && t3 >= t2;
}

SEC("tc") __success __retval(1)
int smp_processor_id_small(struct __sk_buff *skb)
{
	return bpf_get_smp_processor_id() < 1024;
}

/* Tracing helpers need a tracing type: raw_tp runs in the caller's task. */
SEC("raw_tp") __success __retval(1)
int pid_tgid_nonzero(void *ctx)
{
	__u64 v = bpf_get_current_pid_tgid();

	return (v >> 32) != 0 && (__u32)v != 0;
}

/* The formatted length, newline included: "hello 42\n" is 9. */
SEC("tc") __success __retval(9)
int trace_printk_len(struct __sk_buff *skb)
{
	char fmt[] = "hello %d\n";

	return bpf_trace_printk(fmt, sizeof(fmt), 42);
}

/* ---- tail calls ---- */

int tail_count;

int tail_self(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} self_table SEC(".maps") = {
	.values = { [0] = (void *)&tail_self },
};

/* Each execution counts itself, then tail-calls itself. Linux allows MAX_TAIL_CALL_CNT = 33
 * tail calls in one invocation, so the program runs 1 + 33 times; the 34th run's tail call
 * fails and it returns the count. */
SEC("tc") __success __retval(34)
int tail_self(struct __sk_buff *skb)
{
	tail_count++;
	bpf_tail_call_static(skb, &self_table, 0);
	return tail_count;
}

/* ---- bpf_loop, ring buffers, for_each_map_elem ---- */

static int nop_cb(__u32 i, void *ctx)
{
	return 0;
}

/* Linux's limit is 1 << 23 iterations. */
SEC("tc") __success __retval(-7)
int loop_too_many(struct __sk_buff *skb)
{
	return bpf_loop((1 << 23) + 1, nop_cb, NULL, 0);
}

static int count_cb(__u32 i, void *ctx)
{
	(*(int *)ctx)++;
	return i == 9; /* stop after the tenth */
}

SEC("tc") __success __retval(1010)
int loop_stops(struct __sk_buff *skb)
{
	int n = 0;
	long r = bpf_loop(100, count_cb, &n, 0);

	return r * 100 + n;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} small_rb SEC(".maps");

struct big {
	char b[4096];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct big);
} bigs SEC(".maps");

/* A 4096-byte record needs 4096 + 8 header bytes: more than the whole ring, -EAGAIN. */
SEC("tc") __success __retval(-11)
int ringbuf_output_too_large(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 small = 1;
	struct big *v = bpf_map_lookup_elem(&bigs, &k);
	long r;

	if (!v)
		return 1;
	r = bpf_ringbuf_output(&small_rb, &small, sizeof(small), 0);
	if (r)
		return 100 + r;
	return bpf_ringbuf_output(&small_rb, v, sizeof(*v), 0);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} four SEC(".maps");

static long each_all(void *map, __u32 *key, __u64 *val, void *ctx)
{
	return 0;
}

static long each_stop_at_1(void *map, __u32 *key, __u64 *val, void *ctx)
{
	return *key == 1;
}

/* Every element: 4; stopping at key 1 still counts that element: 2. */
SEC("tc") __success __retval(42)
int for_each_count(struct __sk_buff *skb)
{
	long all = bpf_for_each_map_elem(&four, each_all, NULL, 0);
	long stop = bpf_for_each_map_elem(&four, each_stop_at_1, NULL, 0);

	return all * 10 + stop;
}

/* ---- legacy packet loads ---- */

/* The Ethernet type through SKF_LL_OFF (0 here); an out-of-range load would have ended the
 * program with 0, so the 0x100 shows the load succeeded. */
SEC("socket") __success __retval(0x100)
int ld_abs_eth_type(struct __sk_buff *skb)
{
	return 0x100 | load_half(skb, SKF_LL_OFF + 12);
}

/* The last byte of the 50, by offset and through SKF_NET_OFF. */
SEC("socket") __success __retval(0x300)
int ld_abs_last_byte(struct __sk_buff *skb)
{
	return 0x100 + load_byte(skb, 49) + 0x100 + load_byte(skb, SKF_NET_OFF + 49) + 0x100;
}

/* A load past the end returns 0 from the program at once. */
SEC("socket") __success __retval(0)
int ld_abs_out_of_range(struct __sk_buff *skb)
{
	return 0x100 | load_word(skb, 47);
}

/* LD_IND: base register + immediate; tc's data starts at the Ethernet header. */
SEC("tc") __success __retval(0x200)
int ld_ind_tc(struct __sk_buff *skb)
{
	__u64 off = skb->len - 4;

	return 0x200 | load_word(skb, off);
}

/* ---- timers (return codes of one run; firing is checked by test_timer.c) ---- */

struct tval {
	struct bpf_timer t;
	__u64 fired;
	__s64 cancel_ret;
	__u64 key_seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct tval);
} tarr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct tval);
} thash SEC(".maps");

__u64 timer_fires;

static int timer_cb(void *map, __u32 *key, struct tval *v)
{
	/* Every write atomic: the host polls the value from another thread while the
	 * callback runs (plain stores would race with its reads, as ThreadSanitizer says). */
	__sync_lock_test_and_set(&v->key_seen, *key);
	__sync_fetch_and_add(&timer_fires, 1);
	__sync_fetch_and_add(&v->fired, 1); /* last: the host polls it */
	return 0;
}

/* cancels itself from its own callback: -EDEADLK */
static int self_cancel_cb(void *map, __u32 *key, struct tval *v)
{
	__sync_lock_test_and_set(&v->cancel_ret, bpf_timer_cancel(&v->t));
	__sync_fetch_and_add(&v->fired, 1);
	return 0;
}

/* Linux's codes, one step at a time; returns how many steps matched (element 0). */
SEC("tc") __success __retval(14)
int timer_codes(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct tval *v = bpf_map_lookup_elem(&tarr, &k);
	int n = 0;

	if (!v)
		return -1;
	n += bpf_timer_start(&v->t, 1000, 0) == -EINVAL;	  /* not initialised */
	n += bpf_timer_set_callback(&v->t, timer_cb) == -EINVAL;
	n += bpf_timer_cancel(&v->t) == -EINVAL;
	n += bpf_timer_init(&v->t, &tarr, CLOCK_PROCESS_CPUTIME_ID) == -EINVAL;
	n += bpf_timer_init(&v->t, &tarr, 1 << 4 | CLOCK_MONOTONIC) == -EINVAL;
	n += bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC) == 0;
	n += bpf_timer_init(&v->t, &tarr, CLOCK_BOOTTIME) == -EBUSY;
	n += bpf_timer_start(&v->t, 1000, 0) == -EINVAL;	  /* no callback yet */
	n += bpf_timer_set_callback(&v->t, timer_cb) == 0;
	n += bpf_timer_start(&v->t, 1000, 4) == -EINVAL;	  /* unknown flag */
	n += bpf_timer_start(&v->t, 10000000000ull, 0) == 0; /* 10 s */
	n += bpf_timer_cancel(&v->t) == 1;			  /* was armed */
	n += bpf_timer_cancel(&v->t) == 0;
	n += bpf_timer_start(&v->t, 1000, 0) == -EINVAL;	  /* cancel dropped the callback */
	return n;
}

/* Arms element 1 of the array to fire after 1 ms. */
SEC("tc") __success __retval(0)
int timer_arm_array(struct __sk_buff *skb)
{
	__u32 k = 1;
	struct tval *v = bpf_map_lookup_elem(&tarr, &k);
	long r;

	if (!v)
		return -1;
	r = bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);
	if (r && r != -EBUSY)
		return 100 - r;
	r = bpf_timer_set_callback(&v->t, timer_cb);
	if (r)
		return 200 - r;
	return bpf_timer_start(&v->t, 1000000, 0);
}

/* Element 2 cancels itself from its callback. */
SEC("tc") __success __retval(0)
int timer_arm_self_cancel(struct __sk_buff *skb)
{
	__u32 k = 2;
	struct tval *v = bpf_map_lookup_elem(&tarr, &k);

	if (!v)
		return -1;
	if (bpf_timer_init(&v->t, &tarr, CLOCK_REALTIME))
		return -2;
	if (bpf_timer_set_callback(&v->t, self_cancel_cb))
		return -3;
	return bpf_timer_start(&v->t, 1000, 0);
}

/* A hash element with a timer 50 ms out: the host deletes the element first. */
SEC("tc") __success __retval(0)
int timer_arm_hash(struct __sk_buff *skb)
{
	__u32 k = 7;
	struct tval zero = {}, *v;

	if (bpf_map_update_elem(&thash, &k, &zero, BPF_ANY))
		return -1;
	v = bpf_map_lookup_elem(&thash, &k);
	if (!v)
		return -2;
	if (bpf_timer_init(&v->t, &thash, CLOCK_MONOTONIC))
		return -3;
	if (bpf_timer_set_callback(&v->t, timer_cb))
		return -4;
	return bpf_timer_start(&v->t, 50000000, 0);
}
