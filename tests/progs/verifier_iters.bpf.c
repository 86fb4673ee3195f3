/* Open-coded numeric iterators (bpf_iter_num_new/next/destroy, bpf_for, bpf_repeat,
 * bpf_for_each): the iterator lives in stack slots the verifier tracks (started by new(),
 * active until next() returns NULL, then drained; destroy() on every path), next() returns an
 * int * or NULL, and a loop whose next() finds an active iterator in a state within an earlier
 * round's converges. Each pair: the rule kept, then broken. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/bpf_loops.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* ---- Values and results. */

/* bpf_for yields start .. end - 1. */
SEC("socket") __success __retval(45)
int for_sum(void *ctx)
{
	int i, sum = 0;

	bpf_for(i, 0, 10)
		sum += i;
	return sum;
}

/* Negative bounds. */
SEC("socket") __success __retval(-15)
int for_negative(void *ctx)
{
	int i, sum = 0;

	bpf_for(i, -5, 0)
		sum += i;
	return sum;
}

/* bpf_repeat runs its body n times. */
SEC("socket") __success __retval(7)
int repeat_count(void *ctx)
{
	int n = 0;

	bpf_repeat(7)
		n++;
	return n;
}

/* bpf_for_each(num, ...) hands out a pointer to each value. */
SEC("socket") __success __retval(12)
int for_each_num(void *ctx)
{
	int *v, sum = 0;

	bpf_for_each(num, v, 3, 6)
		sum += *v;
	return sum;
}

/* An empty range: no value; start > end fails with -EINVAL (and yields nothing). */
SEC("socket") __success __retval(0)
int empty_ranges(void *ctx)
{
	struct bpf_iter_num it;
	int *v, n = 0, err;

	bpf_for_each(num, v, 5, 5)
		n++;
	err = bpf_iter_num_new(&it, 3, 2);
	if (bpf_iter_num_next(&it))
		n++;
	bpf_iter_num_destroy(&it);
	return n + (err != -22);
}

/* More than 8M values: -E2BIG. */
SEC("socket") __success __retval(-7)
int too_many_values(void *ctx)
{
	struct bpf_iter_num it;
	int err;

	err = bpf_iter_num_new(&it, 0, (8 << 20) + 1);
	bpf_iter_num_destroy(&it);
	return err;
}

/* next() after NULL keeps returning NULL. */
SEC("socket") __success __retval(1)
int drained_stays_drained(void *ctx)
{
	struct bpf_iter_num it;
	int n = 0;

	bpf_iter_num_new(&it, 0, 1);
	while (bpf_iter_num_next(&it))
		n++;
	if (!bpf_iter_num_next(&it))
		n += 0;
	else
		n += 100;
	bpf_iter_num_destroy(&it);
	return n;
}

/* Nested iterators, each in its own slots. */
SEC("socket") __success __retval(12)
int nested(void *ctx)
{
	int i, j, n = 0;

	bpf_for(i, 0, 3)
		bpf_for(j, 0, 4)
			n++;
	return n;
}

/* A loop bounded by the iterator alone converges although its counter grows. */
volatile int zero;

SEC("socket") __success __retval(100)
int counter_converges(void *ctx)
{
	int n = zero;

	bpf_repeat(100)
		n++;
	return n;
}

/* The value from bpf_for is within [start, end): an array index needs no other check. */
SEC("socket") __success __retval(28)
int index_from_for(void *ctx)
{
	int arr[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	int i, sum = 0;

	bpf_for(i, 0, 8)
		sum += arr[i];
	return sum;
}

/* The raw value from next() is any int: used as an index without a check it is refused. */
SEC("socket") __failure __msg("math between fp pointer and register with unbounded min value is not allowed")
int index_unchecked(void *ctx)
{
	int arr[8] = {};
	int *v, sum = 0;

	bpf_for_each(num, v, 0, 8)
		sum += arr[*v];
	return sum;
}

/* ---- The pointer next() returns. */

/* It may be NULL: dereferenced unchecked it is refused (on the drained path, which Linux
 * explores first: there it is the constant 0). */
SEC("socket") __failure __msg("R0 invalid mem access 'scalar'")
__naked void next_unchecked(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "r6 = *(u32 *)(r0 + 0);\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* It is read-only. */
SEC("socket") __failure __msg("cannot write into rdonly_mem")
__naked void next_write(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = 5;\n"
		     "*(u32 *)(r0 + 0) = r1;\n"
		     "l0_%=:\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* It points at 4 bytes. */
SEC("socket") __failure __msg("invalid access to memory, mem_size=4 off=4 size=4")
__naked void next_past_end(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = *(u32 *)(r0 + 4);\n"
		     "l0_%=:\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* ---- The iterator's slots. */

/* next() on slots new() never started. */
SEC("socket") __failure __msg("expected an initialized iter_num as arg #0")
__naked void next_uninit(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_next)
		     : __clobber_all);
}

/* destroy() twice: the second finds no iterator. */
SEC("socket") __failure __msg("expected an initialized iter_num as arg #0")
__naked void destroy_twice(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* new() twice on the same slots. */
SEC("socket") __failure __msg("expected uninitialized iter_num as arg #0")
__naked void new_twice(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* new() again after destroy() is fine. */
SEC("socket") __success __retval(0)
__naked void new_after_destroy(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* An iterator not destroyed is a leak. */
SEC("socket") __failure __msg("Unreleased reference id=1 alloc_insn=4")
__naked void not_destroyed(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new)
		     : __clobber_all);
}

/* The iterator must be on the stack. */
SEC("socket") __failure __msg("arg#0 expected pointer to an iterator on stack")
__naked void iter_not_on_stack(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new)
		     : __clobber_all);
}

/* Its slots cannot be read as data ... */
SEC("socket") __failure __msg("invalid read from stack off -8+0 size 8")
__naked void read_iter_slot(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r6 = *(u64 *)(r10 - 8);\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* ... nor overwritten. */
SEC("socket") __failure __msg("expected an initialized iter_num as arg #0")
__naked void write_iter_slot(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r6 = 0;\n"
		     "*(u64 *)(r10 - 8) = r6;\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* ---- Loops. */

/* A loop that goes on after next() returned NULL never ends: each round's drained state is
 * one iterator round deeper, so no two are the same, and the walk runs out. */
SEC("socket") __failure __msg("BPF program is too large")
__naked void loop_past_null(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "l0_%=:\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "if r0 != 12345 goto l0_%=;\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* Each round's body is checked: an access that is out of bounds from the second round on. */
SEC("socket") __failure __msg("invalid write to stack R1 off=0 size=8")
__naked void round_two_unsafe(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r6 = r10;\n"
		     "r6 += -16;\n"
		     "l0_%=:\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_next];\n"
		     "if r0 == 0 goto l1_%=;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "*(u64 *)(r1 + 0) = r2;\n"
		     "r6 += 16;\n"
		     "goto l0_%=;\n"
		     "l1_%=:\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "call %[bpf_iter_num_destroy];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_new), __imm(bpf_iter_num_next), __imm(bpf_iter_num_destroy)
		     : __clobber_all);
}

/* ---- Throws. Linux counts a live iterator as a leak at a throw; exbpf's default mode
 * releases what is held at a throw (a numeric iterator holds nothing at run time). */
SEC("tc") __failure __msg("Unreleased reference id=1 alloc_insn=6")
__exbpf_success __exbpf_retval(7)
int throw_in_loop(struct __sk_buff *skb)
{
	int i, n = 0;

	bpf_for(i, 0, 10) {
		n++;
		if (i == 3)
			bpf_throw(7);
	}
	return n;
}

/* The same from a static function two frames down: the throw unwinds both frames. */
static __noinline int sum_until_throw(int n)
{
	int i, s = 0;

	bpf_for(i, 0, n) {
		s += i;
		if (i == 5)
			bpf_throw(99);
	}
	return s;
}

SEC("tc") __failure __msg("Unreleased reference id=1 alloc_insn=10")
__exbpf_success __exbpf_retval(99)
int throw_in_subprog_loop(struct __sk_buff *skb)
{
	return sum_until_throw(10);
}

/* ... and the path that does not throw destroys the iterator: fine in both. */
SEC("tc") __success __retval(10)
int subprog_loop_no_throw(struct __sk_buff *skb)
{
	return sum_until_throw(5);
}

/* The iterator's slots must be found: a variable or misaligned offset is refused, Linux
 * saying why first. */
SEC("socket") __failure __msg("iter has to be at a constant offset")
__msg("expected uninitialized iter_num as arg #0")
__naked void iter_var_off(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 &= 8;\n"
		     "r1 = r10;\n"
		     "r1 += -16;\n"
		     "r1 += r0;\n"
		     "r2 = 0;\n"
		     "r3 = 10;\n"
		     "call %[bpf_iter_num_new];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_get_prandom_u32), __imm(bpf_iter_num_new)
		     : __clobber_all);
}

SEC("socket") __failure __msg("cannot pass in iter at an offset=-12")
__msg("expected an initialized iter_num as arg #0")
__naked void iter_misaligned(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -12;\n"
		     "call %[bpf_iter_num_next];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :
		     : __imm(bpf_iter_num_next)
		     : __clobber_all);
}
