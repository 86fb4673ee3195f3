/* Static and global subprograms: a static callee is verified in the caller's context (its r1-r5
 * are the caller's arguments, r6-r9 and r0 start uninitialized, the caller's r6-r9 survive it);
 * a global function is verified once against its BTF prototype, so its callers must pass what
 * the prototype says; call depth is at most 8 frames and the frames' stacks add up to at most
 * 512 bytes; recursion is refused. Each pair: the rule kept, then broken. Checked against Linux
 * by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define __used_naked __naked __noinline __attribute__((used)) static void

__used_naked add_one(void)
{
	asm volatile("r0 = r1;\n"
		     "r0 += 1;\n"
		     "exit;\n" ::: __clobber_all);
}

__used_naked read_r6(void)
{
	asm volatile("r0 = r6;\n"
		     "exit;\n" ::: __clobber_all);
}

__used_naked no_r0(void)
{
	asm volatile("r1 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

__used_naked write_arg(void)
{
	asm volatile("r2 = 5;\n"
		     "*(u64 *)(r1 + 0) = r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

__used_naked clobber_r1(void)
{
	asm volatile("r1 = 0;\n"
		     "r6 = 0;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A static callee receives r1 and returns r0. */
SEC("socket") __success __retval(4)
__naked void static_call_value(void)
{
	asm volatile("r1 = 3;\n"
		     "call add_one;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ... but not the caller's r6: it starts uninitialized in the callee. */
SEC("socket") __failure __msg("R6 !read_ok")
__naked void static_call_reads_r6(void)
{
	asm volatile("r6 = 3;\n"
		     "call read_r6;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A callee may leave r0 unset (Linux checks it only where it is read): the caller reads it at
 * its own exit. */
SEC("socket") __failure __msg("R0 !read_ok")
__naked void static_call_no_r0(void)
{
	asm volatile("call no_r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The caller's r6 survives a call whose callee writes its own r6; r1 does not. */
SEC("socket") __success __retval(8)
__naked void r6_survives_call(void)
{
	asm volatile("r6 = 8;\n"
		     "call clobber_r1;\n"
		     "r0 = r6;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R1 !read_ok")
__naked void r1_dead_after_call(void)
{
	asm volatile("r1 = 8;\n"
		     "call clobber_r1;\n"
		     "r0 = r1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A callee may write through a pointer to the caller's stack, within the caller's frame. */
SEC("socket") __success __retval(5)
__naked void write_callers_stack(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "call write_arg;\n"
		     "r0 = *(u64 *)(r10 - 8);\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("invalid write to stack R1 off=0 size=8")
__naked void write_callers_stack_top(void)
{
	asm volatile("r1 = r10;\n"
		     "call write_arg;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Global functions: verified alone against their prototype. */
__noinline int global_len(struct __sk_buff *skb)
{
	return skb ? skb->len : 0;
}

__noinline int global_deref(int *p)
{
	return *p;
}

__noinline int global_checked(int *p)
{
	return p ? *p : -1;
}

SEC("tc") __success __retval(64)
int call_global_with_ctx(struct __sk_buff *skb)
{
	return global_len(skb);
}

/* A global function's pointer argument may be NULL: it must check it. */
SEC("tc") __failure __msg("R1 invalid mem access 'mem_or_null'")
int call_global_unchecked(struct __sk_buff *skb)
{
	int v = 1;

	return global_deref(&v);
}

SEC("tc") __success __retval(7)
int call_global_checked(struct __sk_buff *skb)
{
	int v = 7;

	return global_checked(&v);
}

/* The caller must pass the context where the prototype says so, not a stack pointer. */
SEC("tc") __failure __msg("arg#0 expects pointer to ctx")
__naked void global_ctx_arg_wrong(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -8;\n"
		     "call global_len;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Recursion is refused: Linux 6.18 finds it by walking the calls until the depth limit. */
__used_naked recurse(void)
{
	asm volatile("call recurse;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("the call stack of 9 frames is too deep")
__naked void recursion(void)
{
	asm volatile("call recurse;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Eight frames (main and seven calls) are allowed; nine are too deep. */
__used_naked d7(void) { asm volatile("r0 = 7; exit;" ::: __clobber_all); }
__used_naked d6(void) { asm volatile("call d7; exit;" ::: __clobber_all); }
__used_naked d5(void) { asm volatile("call d6; exit;" ::: __clobber_all); }
__used_naked d4(void) { asm volatile("call d5; exit;" ::: __clobber_all); }
__used_naked d3(void) { asm volatile("call d4; exit;" ::: __clobber_all); }
__used_naked d2(void) { asm volatile("call d3; exit;" ::: __clobber_all); }
__used_naked d1(void) { asm volatile("call d2; exit;" ::: __clobber_all); }
__used_naked d0(void) { asm volatile("call d1; exit;" ::: __clobber_all); }

SEC("socket") __success __retval(7)
__naked void eight_frames(void)
{
	asm volatile("call d1;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("the call stack of 9 frames is too deep")
__naked void nine_frames(void)
{
	asm volatile("call d0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Stack use adds up over the call chain, each frame rounded up to 16 bytes: 256 + 256 fits,
 * 264 (272) + 256 does not. */
__used_naked uses_256(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 256) = r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void stack_512_total(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 256) = r0;\n"
		     "call uses_256;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("combined stack size of 2 calls is 528. Too large")
__naked void stack_520_total(void)
{
	asm volatile("r0 = 0;\n"
		     "*(u64 *)(r10 - 264) = r0;\n"
		     "call uses_256;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A static subprogram may exit without setting R0 (clang drops the return value of a
 * function whose callers ignore it): only reading the caller's R0 afterwards is an error. */
SEC("tc") __success __retval(7)
__naked void subprog_r0_unset_unused(void)
{
	asm volatile("r1 = 1;\n"
		     "call subprog_no_r0;\n"
		     "r0 = 7;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("tc") __failure __msg("R0 !read_ok")
__naked void subprog_r0_unset_read(void)
{
	asm volatile("r1 = 1;\n"
		     "call subprog_no_r0;\n"
		     "r0 += 1;\n"
		     "exit;\n" ::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void subprog_no_r0(void)
{
	asm volatile("r1 += 1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A function that calls itself is refused after the walk, even when the values bound the
 * recursion: every call site counts toward the eight frames, reached or not. */
__used_naked count_down(void)
{
	asm volatile("r0 = r1;\n"
		     "if r1 == 0 goto 1f;\n"
		     "r1 += -1;\n"
		     "call count_down;\n"
		     "1:\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("the call stack of 8 frames is too deep !")
__naked void self_recursion_bounded_by_values(void)
{
	asm volatile("r1 = 2;\n"
		     "call count_down;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A callee may write scalars through a pointer into its caller's stack, but no stack pointer
 * at all: Linux refuses even one that points into that same caller frame. */
__used_naked store_ptr_through(void)
{
	asm volatile("r2 = r1;\n"
		     "r2 += -8;\n"
		     "*(u64 *)(r1 + 0) = r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

__used_naked store_len_through(void)
{
	asm volatile("r2 = 16;\n"
		     "*(u64 *)(r1 + 0) = r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("tc") __success __retval(16)
__naked void callee_stores_scalar_in_caller_frame(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -16;\n"
		     "call store_len_through;\n"
		     "r0 = *(u64 *)(r10 - 16);\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("tc") __failure __msg("cannot spill pointers to stack into stack frame of the caller")
__naked void callee_stores_caller_stack_ptr_in_caller_frame(void)
{
	asm volatile("r1 = r10;\n"
		     "r1 += -16;\n"
		     "call store_ptr_through;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A legacy packet load outside the packet returns 0 from the function it is in, and its
 * caller goes on with that 0 (the engines' hidden exit, as Linux's): the caller's code after
 * a 0 is verified too, and the function must return an integer. */
static __naked __noinline __attribute__((used)) int byte_at_2000(void)
{
	asm volatile("r6 = r1;\n"
		     "r0 = *(u8 *)skb[2000];\n"
		     "r0 += 5;\n"
		     "exit;\n" ::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void byte_into_void(void)
{
	asm volatile("r6 = r1;\n"
		     "r0 = *(u8 *)skb[0];\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(100)
__naked void far_load_returns_zero_to_caller(void)
{
	asm volatile("call byte_at_2000;\n"
		     "r0 += 100;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("R8 !read_ok")
__naked void far_load_zero_path_checked(void)
{
	asm volatile("call byte_at_2000;\n"
		     "if r0 != 0 goto 1f;\n"
		     "r0 = r8;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("LD_ABS is only allowed in functions that return 'int'")
__naked void far_load_in_void_function(void)
{
	asm volatile("call byte_into_void;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* A call or an exit with a field its kind does not use is refused where the walk meets it
 * (call with src_reg 3; exit with dst_reg 1; encoded by hand). */
SEC("socket") __failure __msg("BPF_CALL uses reserved fields")
__naked void call_with_unknown_src(void)
{
	asm volatile("r0 = 0;\n"
		     ".8byte 0x0000000000003085;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __failure __msg("BPF_EXIT uses reserved fields")
__naked void exit_with_dst(void)
{
	asm volatile("r0 = 0;\n"
		     ".8byte 0x0000000000000195;\n" ::: __clobber_all);
}
