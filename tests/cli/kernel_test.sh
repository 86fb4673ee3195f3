#!/usr/bin/env bash
# `exbpf test --engine kernel`: the kernel-checked verifier tests ($BUILD/progs/verifier_*.bpf.o,
# Linux's tags matched against the running kernel's verdict, whole verifier log and
# BPF_PROG_TEST_RUN result) must all pass; and the engine must catch wrong annotations
# ($BUILD/progs_fail/kernel_fail.bpf.o). Skips cleanly, with the reason, when bpf() does not
# answer (not root, not Linux).
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
exbpf=$BUILD/exbpf
fail_obj=$BUILD/progs_fail/kernel_fail.bpf.o
pass=0 fail=0 skip=0

check() {
	local what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		echo "FAIL kernel-test: $what"
		fail=$((fail + 1))
	fi
}

count() { grep -oE "[0-9]+ $1" <<<"$2" | grep -oE '[0-9]+' || echo 0; }

objs=("$BUILD"/progs/verifier_*.bpf.o)
if [ ! -e "${objs[0]}" ]; then
	echo "SKIP kernel-test: no verifier test objects in $BUILD/progs (make progs)"
	echo "kernel-test: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

out=$("$exbpf" test --engine kernel "${objs[@]}" 2>&1)
rc=$?
if ! grep -qv 'bpf() is unavailable' <<<"$(grep -E '^(PASS|FAIL|SKIP) ' <<<"$out")"; then
	echo "SKIP kernel-test: $(sed -n 's/^SKIP [^ ]* \[kernel\]: //p' <<<"$out" | head -n 1)"
	echo "kernel-test: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# Every program of the verifier tests agrees with Linux: one line each, none FAIL or SKIP.
printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) '
last=$(tail -n 1 <<<"$out")
pass=$((pass + $(count passed "$last")))
fail=$((fail + $(count failed "$last")))
skip=$((skip + $(count skipped "$last")))
check "exit status 0 over the verifier tests (got $rc)" test "$rc" -eq 0
check "every result line names the kernel engine" \
	test -z "$(grep -E '^(PASS|FAIL|SKIP) ' <<<"$out" | grep -v ' \[kernel\]')"
check "no program skipped" test "$(count skipped "$last")" -eq 0

# Wrong annotations are caught.
out=$("$exbpf" test --engine kernel "$fail_obj" 2>&1)
rc=$?
check "exit status 1 on failures (got $rc)" test "$rc" -eq 1
check "missing message" grep -q "^FAIL kernel_fail:wrong_kmsg \[kernel\]: message 'this message is never printed' not in Linux's log" <<<"$out"
check "messages in order" grep -q '^PASS kernel_fail:right_kmsg \[kernel\]$' <<<"$out"
check "messages out of order" grep -q "^FAIL kernel_fail:wrong_order \[kernel\]: message '0: (95) exit'" <<<"$out"
check "unexpected acceptance" grep -q '^FAIL kernel_fail:wrong_accepted \[kernel\]: Linux accepts it' <<<"$out"
check "unexpected rejection" grep -q '^FAIL kernel_fail:wrong_rejected \[kernel\]: Linux rejects it: .*R0 !read_ok' <<<"$out"
check "wrong retval" grep -q '^FAIL kernel_fail:wrong_kretval \[kernel\]: Linux returns 2 .*expected 3' <<<"$out"
check "exbpf tags ignored" grep -q '^PASS kernel_fail:exbpf_tags_ignored \[kernel\]$' <<<"$out"
check "totals line" grep -q '^2 passed, 5 failed$' <<<"$out"
out=$("$exbpf" test --engine kernel "$fail_obj" --prog right_kmsg 2>&1)
check "--prog selects one program" grep -q '^1 passed, 0 failed$' <<<"$out"
"$exbpf" test --engine nosuch "$fail_obj" >/dev/null 2>&1
check "unknown engine is bad input" test $? -eq 2

if [ "$skip" -gt 0 ]; then
	echo "kernel-test: $pass passed, $fail failed, $skip skipped"
else
	echo "kernel-test: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
