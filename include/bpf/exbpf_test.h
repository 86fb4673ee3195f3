/* Test annotations for BPF programs, read by `exbpf test`. The Linux forms are the tags of the
 * kernel selftests' bpf_misc.h (same names, same tag strings), so Linux's own selftests run
 * unchanged; the exbpf forms state exbpf's default-mode verdict where it differs from Linux's
 * (e.g. a throw while holding a lock: Linux rejects, exbpf releases the lock and accepts). */
#ifndef EXBPF_BPF_TEST_H
#define EXBPF_BPF_TEST_H

#define __exbpf_str_(x) #x
#define __exbpf_xstr(x) __exbpf_str_(x)
#define __exbpf_tag(s) __attribute__((btf_decl_tag(s)))

/* Linux's verdict (checked as written by `exbpf test --kernel-strict`, and by default mode
 * when a program has no exbpf_* tags). clang merges identical decl tags, hence the counter in
 * message tags: the runner matches them in the order of the number. */
#ifndef __success
#define __success __exbpf_tag("comment:test_expect_success")
#define __failure __exbpf_tag("comment:test_expect_failure")
#define __success_unpriv __exbpf_tag("comment:test_expect_success_unpriv")
#define __failure_unpriv __exbpf_tag("comment:test_expect_failure_unpriv")
#define __msg(msg) __exbpf_tag("comment:test_expect_msg=" __exbpf_xstr(__COUNTER__) "=" msg)
#define __not_msg(msg)                                                                          \
	__exbpf_tag("comment:test_expect_not_msg=" __exbpf_xstr(__COUNTER__) "=" msg)
#define __msg_unpriv(msg)                                                                       \
	__exbpf_tag("comment:test_expect_msg_unpriv=" __exbpf_xstr(__COUNTER__) "=" msg)
#define __not_msg_unpriv(msg)                                                                   \
	__exbpf_tag("comment:test_expect_not_msg_unpriv=" __exbpf_xstr(__COUNTER__) "=" msg)
#define __retval(val) __exbpf_tag("comment:test_retval=" __exbpf_xstr(val))
/* Older bpf_misc.h: the whole message is an extended regex. */
#define __regex(re) __exbpf_tag("comment:test_expect_regex=" re)
#define __retval_unpriv(val) __exbpf_tag("comment:test_retval_unpriv=" __exbpf_xstr(val))
#define __description(desc) __exbpf_tag("comment:test_description=" desc)
#define __log_level(lvl) __exbpf_tag("comment:test_log_level=" __exbpf_xstr(lvl))
#define __auxiliary __exbpf_tag("comment:test_auxiliary")
#define __auxiliary_unpriv __exbpf_tag("comment:test_auxiliary_unpriv")
#endif

/* Inline-assembly tests, as in Linux's selftests: a __naked function whose body is one
 * `asm volatile(... ::: __clobber_all)`, with __imm(helper) / __imm_const / __imm_addr
 * operands. */
#ifndef __naked
#define __naked __attribute__((naked))
#endif
#ifndef __clobber_all
#define __clobber_all "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory"
#define __clobber_common "r0", "r1", "r2", "r3", "r4", "r5", "memory"
#define __imm(name) [name] "i"(name)
#define __imm_const(name, expr) [name] "i"(expr)
#define __imm_addr(name) [name] "i"(&name)
#define __imm_ptr(name) [name] "r"(&name)
#endif

/* exbpf's own verdict in default mode; where present they replace the Linux tags there. */
#define __exbpf_success __exbpf_tag("comment:exbpf_expect_success")
#define __exbpf_failure __exbpf_tag("comment:exbpf_expect_failure")
#define __exbpf_msg(msg) __exbpf_tag("comment:exbpf_expect_msg=" msg)
#define __exbpf_retval(val) __exbpf_tag("comment:exbpf_retval=" __exbpf_xstr(val))
/* ... and for the unprivileged run (`exbpf test --unpriv`), which inherits what they do not
 * state from the privileged ones, as Linux's *_unpriv tags do. */
#define __exbpf_success_unpriv __exbpf_tag("comment:exbpf_expect_success_unpriv")
#define __exbpf_failure_unpriv __exbpf_tag("comment:exbpf_expect_failure_unpriv")
#define __exbpf_msg_unpriv(msg) __exbpf_tag("comment:exbpf_expect_msg_unpriv=" msg)
#define __exbpf_retval_unpriv(val) __exbpf_tag("comment:exbpf_retval_unpriv=" __exbpf_xstr(val))

#endif
