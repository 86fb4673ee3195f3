/* Dynamic pointers (struct bpf_dynptr): local ones over a map value (bpf_dynptr_from_mem)
 * and ring-buffer ones (bpf_ringbuf_reserve_dynptr, released by submit or discard), read and
 * written through bpf_dynptr_read/write or a slice (bpf_dynptr_data). The dynptr's 16 stack
 * bytes belong to the verifier: a program may not read them, may overwrite a local dynptr
 * (which ends it and its slices) but not a ring-buffer one, and a helper may not write them.
 * Every verdict and message checked against Linux (`exbpf test --engine kernel`). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_dynptr.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} vals SEC(".maps");

static __u64 *value(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&vals, &key);
}

/* Write through the dynptr, read back through it. */
SEC("tc") __success __retval(7)
int local_roundtrip(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *buf = value(), in = 0x1122334455667788ull, out = 0;

	if (!buf)
		return 0;
	bpf_dynptr_from_mem(buf, 16, 0, &ptr);
	bpf_dynptr_write(&ptr, 8, &in, sizeof(in), 0);
	bpf_dynptr_read(&out, sizeof(out), &ptr, 8, 0);
	return out == in ? 7 : 1;
}

/* A read past the end fails at run time with -E2BIG, and a flag other than 0 with -EINVAL. */
SEC("tc") __success __retval(0)
int local_bounds(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *buf = value(), out;

	if (!buf)
		return 0;
	bpf_dynptr_from_mem(buf, 16, 0, &ptr);
	if (bpf_dynptr_read(&out, sizeof(out), &ptr, 9, 0) != -7)
		return 1;
	if (bpf_dynptr_read(&out, sizeof(out), &ptr, 8, 1) != -22)
		return 2;
	if (bpf_dynptr_write(&ptr, 16, &out, 1, 0) != -7)
		return 3;
	return 0;
}

/* A slice of a map value: writes through it land in the map. */
SEC("tc") __success __retval(42)
int local_slice(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key), *p;

	if (!v)
		return 1;
	bpf_dynptr_from_mem(v, 32, 0, &ptr);
	p = bpf_dynptr_data(&ptr, 16, 8);
	if (!p)
		return 2;
	*p = 42;
	return v[2];
}

/* A slice that does not fit is NULL. */
SEC("tc") __success __retval(0)
int local_slice_too_far(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *buf = value();

	if (!buf)
		return 0;
	bpf_dynptr_from_mem(buf, 16, 0, &ptr);
	return bpf_dynptr_data(&ptr, 12, 8) != 0;
}

/* A ring-buffer sample, written through a slice and submitted. */
SEC("tc") __success __retval(0)
int ringbuf_submit(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *p;
	int err = bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &ptr);

	p = bpf_dynptr_data(&ptr, 0, 8);
	if (p)
		*p = 0xfeed;
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	return err;
}

/* A failed reservation still has to be released; it reads as an error. */
SEC("tc") __success __retval(-22)
int ringbuf_too_big(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 out;
	int err = bpf_ringbuf_reserve_dynptr(&rb, 8192, 0, &ptr);

	if (bpf_dynptr_read(&out, sizeof(out), &ptr, 0, 0) != -22)
		err = 1;
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	return err;
}

/* A local dynptr may be made again over itself. */
SEC("tc") __success __retval(0)
int local_twice(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *v = value(), a = 0;

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &ptr);
	bpf_dynptr_from_mem(v + 1, 8, 0, &ptr);
	return bpf_dynptr_write(&ptr, 0, &a, sizeof(a), 0);
}

/* Throwing while a sample is held: Linux refuses it; exbpf discards the sample. */
SEC("tc") __failure __msg("Unreleased reference id=2 alloc_insn=")
__exbpf_success __exbpf_retval(9)
int ringbuf_throw(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	bpf_throw(9);
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	return 0;
}

SEC("tc") __failure __msg("Unreleased reference id=2 alloc_insn=")
int ringbuf_leak(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	return 0;
}

SEC("tc") __failure __msg("Expected an initialized dynptr as arg #2")
int read_uninit(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 out;

	return bpf_dynptr_read(&out, sizeof(out), &ptr, 0, 0);
}

SEC("tc") __failure __msg("arg 1 is an unacquired reference")
int submit_local(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &ptr);
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	return 0;
}

SEC("tc") __failure __msg("arg 1 is an unacquired reference")
int submit_twice(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	bpf_ringbuf_submit_dynptr(&ptr, 0);
	return 0;
}

SEC("tc") __failure __msg("cannot overwrite referenced dynptr")
int reserve_over_reserved(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &ptr);
	bpf_ringbuf_discard_dynptr(&ptr, 0);
	return 0;
}

SEC("tc") __failure __msg("cannot overwrite referenced dynptr")
__naked void store_over_reserved(void)
{
	asm volatile("r1 = %[rb] ll;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_ringbuf_reserve_dynptr];\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r10 - 8) = r0;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_discard_dynptr];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve_dynptr),
		        __imm(bpf_ringbuf_discard_dynptr) : __clobber_all);
}

/* Overwriting a local dynptr ends it: it cannot be used afterwards ... */
SEC("tc") __failure __msg("Expected an initialized dynptr as arg #2")
__naked void store_over_local(void)
{
	asm volatile("*(u32 *)(r10 - 24) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -24;\n"
		     "r1 = %[vals] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 2f;\n"
		     "r1 = r0;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_dynptr_from_mem];\n"
		     "r0 = 0;\n"
		     "*(u32 *)(r10 - 12) = r0;\n"
		     "r1 = r10;\n"
		     "r1 += -32;\n"
		     "r2 = 8;\n"
		     "r3 = r10;\n"
		     "r3 += -16;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_dynptr_read];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     "2: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(vals), __imm(bpf_map_lookup_elem), __imm(bpf_dynptr_from_mem), __imm(bpf_dynptr_read) : __clobber_all);
}

/* ... nor can its slices. */
SEC("tc") __failure __msg("R6 invalid mem access 'scalar'")
__naked void slice_after_overwrite(void)
{
	asm volatile("*(u32 *)(r10 - 24) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -24;\n"
		     "r1 = %[vals] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 2f;\n"
		     "r1 = r0;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_dynptr_from_mem];\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r2 = 0;\n"
		     "r3 = 8;\n"
		     "call %[bpf_dynptr_data];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "r0 = 0;\n"
		     "*(u64 *)(r10 - 16) = r0;\n"
		     "r0 = *(u64 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     "2: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(vals), __imm(bpf_map_lookup_elem), __imm(bpf_dynptr_from_mem), __imm(bpf_dynptr_data) : __clobber_all);
}

/* A slice of a sample ends with the sample. */
SEC("tc") __failure __msg("R6 invalid mem access 'scalar'")
__naked void slice_after_submit(void)
{
	asm volatile("r1 = %[rb] ll;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_ringbuf_reserve_dynptr];\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r2 = 0;\n"
		     "r3 = 8;\n"
		     "call %[bpf_dynptr_data];\n"
		     "r6 = r0;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit_dynptr];\n"
		     "if r6 == 0 goto 1f;\n"
		     "r0 = *(u64 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm(bpf_ringbuf_reserve_dynptr), __imm(bpf_dynptr_data),
		        __imm(bpf_ringbuf_submit_dynptr) : __clobber_all);
}

SEC("tc") __failure __msg("invalid read from stack off -16+0 size 8")
__naked void read_dynptr_bytes(void)
{
	asm volatile("*(u32 *)(r10 - 24) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -24;\n"
		     "r1 = %[vals] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 2f;\n"
		     "r1 = r0;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_dynptr_from_mem];\n"
		     "r0 = *(u64 *)(r10 - 16);\n"
		     "exit;\n"
		     "2: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(vals), __imm(bpf_map_lookup_elem), __imm(bpf_dynptr_from_mem) : __clobber_all);
}

SEC("tc") __failure __msg("invalid access to memory, mem_size=8 off=8 size=1")
int slice_past_end(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 *buf = value();
	char *p;

	if (!buf)
		return 0;
	bpf_dynptr_from_mem(buf, 16, 0, &ptr);
	p = bpf_dynptr_data(&ptr, 0, 8);
	if (!p)
		return 0;
	return p[8];
}

SEC("tc") __failure __msg("cannot pass in dynptr at an offset=-12")
__naked void unaligned_dynptr(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -32;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -12;\n"
		     "call %[bpf_dynptr_from_mem];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_dynptr_from_mem) : __clobber_all);
}

SEC("tc") __failure __msg("Unsupported reg type fp for bpf_dynptr_from_mem data")
int local_over_stack(struct __sk_buff *skb)
{
	struct bpf_dynptr ptr;
	__u64 buf = 0;

	return bpf_dynptr_from_mem(&buf, sizeof(buf), 0, &ptr);
}

SEC("tc") __failure __msg("potential write to dynptr at off=-16 disallowed")
__naked void helper_writes_dynptr(void)
{
	asm volatile("*(u32 *)(r10 - 24) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -24;\n"
		     "r1 = %[vals] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 2f;\n"
		     "r1 = r0;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = r10;\n"
		     "r4 += -16;\n"
		     "call %[bpf_dynptr_from_mem];\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r2 = 8;\n"
		     "r3 = r10;\n"
		     "r3 += -16;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_dynptr_read];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     "2: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(vals), __imm(bpf_map_lookup_elem), __imm(bpf_dynptr_from_mem), __imm(bpf_dynptr_read) : __clobber_all);
}

SEC("tc") __failure __msg("R3 type=scalar expected=fp, dynptr_ptr")
__naked void scalar_as_dynptr(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_dynptr_read];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_dynptr_read) : __clobber_all);
}

SEC("tc") __failure __msg("R1 type=map_value expected=fp, dynptr_ptr")
int map_value_as_dynptr(struct __sk_buff *skb)
{
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_ringbuf_submit_dynptr((struct bpf_dynptr *)v, 0);
	return 0;
}

SEC("tc") __success __retval(32)
int size_local(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value();
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	return bpf_dynptr_size(&p);
}
SEC("tc") __success __retval(8)
int adjust_local(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value();
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	if (bpf_dynptr_adjust(&p, 8, 16)) return 1;
	if (bpf_dynptr_adjust(&p, 4, 2) != -22) return 2;
	if (bpf_dynptr_adjust(&p, 0, 9) != -34) return 3;
	return bpf_dynptr_size(&p);
}
SEC("tc") __success __retval(-22)
int null_rdonly(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	int r = bpf_ringbuf_reserve_dynptr(&rb, 100000, 0, &p);

	if (!bpf_dynptr_is_null(&p) || bpf_dynptr_is_rdonly(&p))
		r = 1;
	bpf_ringbuf_discard_dynptr(&p, 0);
	return r;
}
SEC("tc") __success __retval(42)
int slice_rdwr_local(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value(), *s;
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	s = bpf_dynptr_slice_rdwr(&p, 8, NULL, 8);
	if (!s) return 1;
	*s = 42;
	return v[1];
}
SEC("tc") __failure __msg("R0 cannot write into rdonly_mem")
int slice_ro_write(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value(), *s;
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	s = bpf_dynptr_slice(&p, 8, NULL, 8);
	if (!s) return 1;
	*s = 42;
	return 0;
}
SEC("tc") __success __retval(0)
int slice_too_far(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value(); char buf[8];
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	return bpf_dynptr_slice(&p, 28, buf, 8) != 0;
}
SEC("tc") __success __retval(5)
int clone_ringbuf(struct __sk_buff *skb)
{
	struct bpf_dynptr p, c; __u64 *s;
	if (bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &p)) { bpf_ringbuf_discard_dynptr(&p, 0); return 0; }
	bpf_dynptr_clone(&p, &c);
	bpf_dynptr_adjust(&c, 8, 16);
	s = bpf_dynptr_slice_rdwr(&c, 0, NULL, 8);
	if (s) *s = 5;
	bpf_ringbuf_submit_dynptr(&p, 0);
	return 5;
}
SEC("tc") __failure __msg("arg 1 is an unacquired reference")
int clone_after_release(struct __sk_buff *skb)
{
	struct bpf_dynptr p, c;
	bpf_ringbuf_reserve_dynptr(&rb, 16, 0, &p);
	bpf_dynptr_clone(&p, &c);
	bpf_ringbuf_submit_dynptr(&p, 0);
	bpf_ringbuf_discard_dynptr(&c, 0);
	return 0;
}
SEC("tc") __failure __msg("R4 must be a known constant")
int slice_var_size(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value(); char buf[16];
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	return bpf_dynptr_slice(&p, 0, buf, skb->len & 15) != 0;
}
SEC("tc") __failure __msg("invalid access to memory, mem_size=4 off=4 size=1")
int slice_past(struct __sk_buff *skb)
{
	struct bpf_dynptr p; __u64 *v = value(); char *s;
	if (!v) return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	s = bpf_dynptr_slice(&p, 0, NULL, 4);
	if (!s) return 0;
	return s[4];
}

SEC("tc") __failure __msg("arg#0 expected pointer to stack or const struct bpf_dynptr")
int size_of_map_value(struct __sk_buff *skb)
{
	__u64 *v = value();

	if (!v)
		return 0;
	return bpf_dynptr_size((struct bpf_dynptr *)v);
}

/* ---- Found by running Linux's dynptr_fail.c / dynptr_success.c (docs/verifier.md). */

static int nop_cb(__u32 i, void *ctx)
{
	return 0;
}

/* A dynptr outlives a callback that does not touch it: released after bpf_loop. */
SEC("tc") __success __retval(0)
int ringbuf_across_loop(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &p);
	bpf_loop(2, nop_cb, NULL, 0);
	bpf_ringbuf_discard_dynptr(&p, 0);
	return 0;
}

static int add_index_cb(__u32 i, void *ctx)
{
	__u32 *n = bpf_dynptr_data(ctx, 0, sizeof(*n));

	if (n)
		*n += i;
	return 0;
}

/* The callback reaches the caller's dynptr through its context (a pointer into the caller's
 * stack); the caller's slice stays valid after the loop. */
SEC("tc") __success __retval(10)
int ringbuf_in_callback(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u32 *n, r = 0;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &p);
	n = bpf_dynptr_data(&p, 0, sizeof(*n));
	if (n) {
		*n = 0;
		bpf_loop(5, add_index_cb, &p, 0);
		r = *n;
	}
	bpf_ringbuf_discard_dynptr(&p, 0);
	return r;
}

/* After the loop the dynptr's bytes are still the verifier's. */
SEC("tc") __failure __msg("invalid read from stack off -16+0 size 8")
int read_after_loop(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	bpf_loop(2, nop_cb, NULL, 0);
	return *(volatile __u64 *)&p != 0;
}

/* Ending a dynptr ends its slices, also one not yet checked against NULL. */
SEC("tc") __failure __msg("R1 type=scalar expected=ringbuf_mem")
int slice_or_null_ended(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value(), *s;

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	s = bpf_dynptr_data(&p, 0, 8);
	*(volatile __u8 *)&p = 0;
	bpf_ringbuf_submit(s, 0);
	return 0;
}

/* The dynptr kfuncs are in Linux's common set: every program type may call them. */
SEC("socket") __success __retval(24)
int kfuncs_in_socket_filter(struct __sk_buff *skb)
{
	struct bpf_dynptr p, c;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	if (bpf_dynptr_adjust(&p, 8, 32) || bpf_dynptr_is_null(&p) || bpf_dynptr_is_rdonly(&p))
		return 1;
	if (bpf_dynptr_clone(&p, &c))
		return 2;
	return bpf_dynptr_size(&c);
}

/* ---- A global function's struct bpf_dynptr argument: the caller passes an initialized dynptr
 * of its stack; the function gets a dynptr_ptr it may read, write, slice and clone but not
 * release, remake, read as bytes or pass at an offset. */

__noinline int g_read(const struct bpf_dynptr *d)
{
	__u64 x = 0;

	if (bpf_dynptr_read(&x, sizeof(x), (struct bpf_dynptr *)d, 0, 0))
		return -1;
	return x;
}

SEC("tc") __success __retval(9)
int global_reads(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	*v = 9;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	return g_read(&p);
}

__noinline int g_slice(const struct bpf_dynptr *d)
{
	__u32 *s = bpf_dynptr_data((struct bpf_dynptr *)d, 0, 4);

	if (!s)
		return -1;
	*s = 3;
	return bpf_dynptr_size(d);
}

/* The caller's ring-buffer dynptr and its slices outlive the call. */
SEC("tc") __success __retval(11)
int global_slices(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u32 *s;
	int r;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &p);
	r = g_slice(&p);
	s = bpf_dynptr_data(&p, 0, 4);
	if (s)
		r += *s;
	bpf_ringbuf_discard_dynptr(&p, 0);
	return r;
}

__noinline int g_clone(const struct bpf_dynptr *d)
{
	struct bpf_dynptr c;

	bpf_dynptr_clone(d, &c);
	return bpf_dynptr_size(&c);
}

SEC("tc") __success __retval(8)
int global_clones(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	return g_clone(&p);
}

__noinline int g_release(struct bpf_dynptr *d)
{
	bpf_ringbuf_discard_dynptr(d, 0);
	return 0;
}

SEC("tc") __failure __msg("cannot release unowned const bpf_dynptr")
int global_releases(struct __sk_buff *skb)
{
	struct bpf_dynptr p;

	bpf_ringbuf_reserve_dynptr(&rb, 8, 0, &p);
	g_release(&p);
	bpf_ringbuf_discard_dynptr(&p, 0);
	return 0;
}

__noinline int g_remake(struct bpf_dynptr *d)
{
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, d);
	return 0;
}

SEC("tc") __failure __msg("Dynptr has to be an uninitialized dynptr")
int global_remakes(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	return g_remake(&p);
}

__noinline int g_peek(struct bpf_dynptr *d)
{
	return *(int *)d;
}

SEC("tc") __failure __msg("R1 invalid mem access 'dynptr_ptr'")
int global_peeks(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	return g_peek(&p);
}

__noinline int g_moved(struct bpf_dynptr *d)
{
	return bpf_dynptr_size((void *)d + 8);
}

SEC("tc") __failure __msg("dereference of modified dynptr_ptr ptr R1 off=8 disallowed")
int global_moves(struct __sk_buff *skb)
{
	struct bpf_dynptr p;
	__u64 *v = value();

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 8, 0, &p);
	return g_moved(&p);
}

SEC("tc") __failure __msg("Expected an initialized dynptr as arg #0")
__msg("Caller passes invalid args into func#")
int global_gets_uninit(struct __sk_buff *skb)
{
	struct bpf_dynptr p = {};

	return g_read(&p);
}

SEC("tc") __failure __msg("arg#0 expected pointer to stack or const struct bpf_dynptr")
int global_gets_map_value(struct __sk_buff *skb)
{
	__u64 *v = value();

	if (!v)
		return 0;
	return g_read((struct bpf_dynptr *)v);
}
