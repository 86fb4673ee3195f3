/* BPF exceptions for BPF programs: bpf_throw, exception callbacks and assertions, with the
 * names and behaviour of Linux's selftests header bpf_experimental.h, so that programs written
 * for Linux build unchanged against exbpf (and the other way round). Include after
 * <bpf/bpf_helpers.h>. This is exbpf's own implementation. */
#ifndef EXBPF_BPF_EXCEPTIONS_H
#define EXBPF_BPF_EXCEPTIONS_H

/* With vmlinux.h (bpftool's dump of the kernel's BTF) the types are already there, bool and
 * true/false included; the UAPI headers would clash with it. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <stdbool.h>
#endif

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

/* Ends the program at once, unwinding every frame; the exception callback (or, without one,
 * the program itself) returns `cookie`. Not noreturn for the compiler, as in Linux: code after
 * it is compiled but never runs. */
extern void bpf_throw(__u64 cookie) __ksym;

/* On the main program: names its exception callback, a global `int name(__u64 cookie)`. */
#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

/* Keeps the compiler from assuming anything about var's value across this point, so that an
 * assertion tests the very register the following code uses. */
#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* Throws with cookie 0 (or `value`) unless cond holds. */
#define bpf_assert(cond)                                                                        \
	do {                                                                                    \
		if (!(cond))                                                                    \
			bpf_throw(0);                                                           \
	} while (0)
#define bpf_assert_with(cond, value)                                                            \
	do {                                                                                    \
		if (!(cond))                                                                    \
			bpf_throw(value);                                                       \
	} while (0)

/* --- Volatile compares -------------------------------------------------------------------
 * bpf_cmp_unlikely(a, OP, b) is `a OP b` evaluated by exactly one BPF conditional jump on the
 * register that holds a, which the compiler may neither reorder nor fold. The verifier then
 * refines a on both paths, which is what makes assertions useful. The signed jump is chosen
 * when a has a signed type (OP other than ==, != and &). A 64-bit right-hand side goes through
 * a register: an immediate operand is only 32 bits wide. bpf_cmp_likely emits the inverse
 * jump, for conditions expected to hold. */
#define __exbpf_is_signed(T) (((T)(-1)) < (T)1)
#define __exbpf_never_signed(OP)                                                                \
	(__builtin_strcmp(#OP, "==") == 0 || __builtin_strcmp(#OP, "!=") == 0 ||                \
	 __builtin_strcmp(#OP, "&") == 0)

#define __exbpf_cmp_asm(LHS, OPSTR, CONS, RHS, JUMP_MEANS_TRUE)                                 \
	({                                                                                      \
		__label__ l_jump;                                                               \
		bool __r = !(JUMP_MEANS_TRUE);                                                  \
		asm volatile goto("if %[lhs] " OPSTR " %[rhs] goto %l[l_jump]"                  \
				  :                                                             \
				  : [lhs] "r"(LHS), [rhs] CONS(RHS)                             \
				  :                                                             \
				  : l_jump);                                                    \
		if (0) {                                                                        \
		l_jump:                                                                         \
			__r = (JUMP_MEANS_TRUE);                                                \
		}                                                                               \
		__r;                                                                            \
	})

#define __exbpf_cmp(LHS, OP, RHS, JUMP_MEANS_TRUE)                                              \
	({                                                                                      \
		_Static_assert(sizeof(&(LHS)), "1st argument must be an lvalue expression");    \
		typeof(LHS) __l = (LHS);                                                        \
		typeof(RHS) __rr = (RHS);                                                       \
		bool __res;                                                                     \
		(void)(__l OP __rr); /* with -Wsign-compare, flags mixed signedness */          \
		if (__exbpf_never_signed(OP) || !__exbpf_is_signed(typeof(__l))) {              \
			if (sizeof(__rr) == 8)                                                  \
				__res = __exbpf_cmp_asm(__l, #OP, "r", __rr, JUMP_MEANS_TRUE);  \
			else                                                                    \
				__res = __exbpf_cmp_asm(__l, #OP, "ri", __rr, JUMP_MEANS_TRUE); \
		} else {                                                                        \
			if (sizeof(__rr) == 8)                                                  \
				__res = __exbpf_cmp_asm(__l, "s" #OP, "r", __rr, JUMP_MEANS_TRUE); \
			else                                                                    \
				__res = __exbpf_cmp_asm(__l, "s" #OP, "ri", __rr,              \
							JUMP_MEANS_TRUE);                       \
		}                                                                               \
		__res;                                                                          \
	})

#ifndef bpf_cmp_unlikely
#define bpf_cmp_unlikely(LHS, OP, RHS) __exbpf_cmp(LHS, OP, RHS, true)
#endif

/* The inverse operator jumps, so the expected path falls through. */
#ifndef bpf_cmp_likely
#define bpf_cmp_likely(LHS, OP, RHS)                                                            \
	({                                                                                      \
		bool __lk = 0;                                                                  \
		if (__builtin_strcmp(#OP, "==") == 0)                                           \
			__lk = __exbpf_cmp(LHS, !=, RHS, false);                                \
		else if (__builtin_strcmp(#OP, "!=") == 0)                                      \
			__lk = __exbpf_cmp(LHS, ==, RHS, false);                                \
		else if (__builtin_strcmp(#OP, "<=") == 0)                                      \
			__lk = __exbpf_cmp(LHS, >, RHS, false);                                 \
		else if (__builtin_strcmp(#OP, "<") == 0)                                       \
			__lk = __exbpf_cmp(LHS, >=, RHS, false);                                \
		else if (__builtin_strcmp(#OP, ">") == 0)                                       \
			__lk = __exbpf_cmp(LHS, <=, RHS, false);                                \
		else if (__builtin_strcmp(#OP, ">=") == 0)                                      \
			__lk = __exbpf_cmp(LHS, <, RHS, false);                                 \
		else                                                                            \
			asm volatile("r0 " #OP " invalid compare");                             \
		__lk;                                                                           \
	})
#endif

/* --- Range assertions ----------------------------------------------------------------------
 * bpf_assert_range(x, beg, end) throws (cookie 0, or `value`) unless beg <= x <= end, as two
 * compares on x's register: `if x >= beg goto +2; r1 = value; call bpf_throw`, then the same
 * for <= end. x must be an 8-byte integer lvalue; beg and end constants. */
#define __exbpf_assert_jump(LHS, OPSTR, CONS, RHS, VALUE)                                       \
	asm volatile("if %[lhs] " OPSTR " %[rhs] goto +2; r1 = %[value]; call bpf_throw"        \
		     :                                                                          \
		     : [lhs] "r"(LHS), [rhs] CONS(RHS), [value] "ri"(VALUE)                     \
		     : "r0", "r1", "r2", "r3", "r4", "r5")

#define __exbpf_assert_op(LHS, OP, RHS, VALUE)                                                  \
	do {                                                                                    \
		_Static_assert(sizeof(&(LHS)), "1st argument must be an lvalue expression");    \
		_Static_assert(sizeof(LHS) == 8, "Only 8-byte integers are supported\n");       \
		_Static_assert(__builtin_constant_p((RHS)),                                     \
			       "2nd argument must be a constant expression");                   \
		(void)bpf_throw;                                                                \
		if (sizeof(RHS) == 8) {                                                         \
			const typeof(RHS) __rhs_reg = (RHS);                                    \
			if (__exbpf_is_signed(typeof(LHS)))                                     \
				__exbpf_assert_jump(LHS, "s" #OP, "r", __rhs_reg, VALUE);       \
			else                                                                    \
				__exbpf_assert_jump(LHS, #OP, "r", __rhs_reg, VALUE);           \
		} else {                                                                        \
			if (__exbpf_is_signed(typeof(LHS)))                                     \
				__exbpf_assert_jump(LHS, "s" #OP, "i", RHS, VALUE);             \
			else                                                                    \
				__exbpf_assert_jump(LHS, #OP, "i", RHS, VALUE);                 \
		}                                                                               \
	} while (0)

#define bpf_assert_range_with(x, beg, end, value)                                               \
	do {                                                                                    \
		_Static_assert((beg) <= (end), "beg must be <= end");                           \
		typeof(x) __x = (x);                                                            \
		barrier_var(__x);                                                               \
		__exbpf_assert_op(__x, >=, beg, value);                                         \
		__exbpf_assert_op(__x, <=, end, value);                                         \
	} while (0)

#define bpf_assert_range(x, beg, end) bpf_assert_range_with(x, beg, end, 0)

#endif
