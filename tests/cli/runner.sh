#!/usr/bin/env bash
# `exbpf test` on deliberately wrong annotations (tests/progs_fail): each wrong expectation is
# a FAIL line, a right one a PASS line, the totals line counts them, and the exit status is 1.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
exbpf=$BUILD/exbpf
obj=$BUILD/progs_fail/runner_fail.bpf.o
obj_msg=$BUILD/progs_fail/runner_fail_msg.bpf.o
pass=0 fail=0

check() {
	local what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		echo "FAIL runner: $what"
		fail=$((fail + 1))
	fi
}

out=$("$exbpf" test "$obj" "$obj_msg" 2>/dev/null)
rc=$?
check "exit status 1 on failures (got $rc)" test "$rc" -eq 1
check "wrong __retval reported" grep -q '^FAIL runner_fail:wrong_retval: retval 7 .*expected 8' <<<"$out"
check "wrong __msg reported" grep -q "^FAIL runner_fail_msg:wrong_msg: message 'this message is never printed'" <<<"$out"
check "exbpf tags replace Linux tags" grep -q '^PASS runner_fail:own_tags$' <<<"$out"
check "totals line" grep -q '^1 passed, 2 failed$' <<<"$out"
out=$("$exbpf" test "$obj" --kernel-strict 2>/dev/null)
check "--kernel-strict reads the Linux tags" grep -q '^FAIL runner_fail:own_tags: retval 2 .*expected 1' <<<"$out"
out=$("$exbpf" test "$BUILD/progs_fail/runner_fail_regex.bpf.o" 2>/dev/null)
check "__regex matched as a regex" grep -q '^PASS runner_fail_regex:regex_matches$' <<<"$out"
check "wrong __regex reported" grep -q "^FAIL runner_fail_regex:regex_wrong: message '\\^R\\[0-9\\]+ is not a pointer\\$' not in the log" <<<"$out"
"$exbpf" test "$obj" --prog nosuch >/dev/null 2>&1
check "unknown program is bad input" test $? -eq 2
"$exbpf" test "$obj" --frobnicate >/dev/null 2>&1
check "unknown flag is bad input" test $? -eq 2
echo "runner: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
