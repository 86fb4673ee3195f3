#!/usr/bin/env bash
# Runs every test suite against the build in $BUILD and prints one closing line with the totals.
# Each suite prints its own `... N passed, N failed[, N skipped]` as its last line.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."

total_pass=0 total_fail=0 total_skip=0 broken=0

run_suite() {
	local name=$1
	shift
	echo "== $name"
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^PASS ' || true
	local last
	last=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$last" ]; then
		echo "FAIL $name: no result line (exit $rc)"
		total_fail=$((total_fail + 1))
		broken=1
		return
	fi
	local p f s
	p=$(printf '%s' "$last" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(printf '%s' "$last" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
	s=$(printf '%s' "$last" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exit status $rc"
		total_fail=$((total_fail + 1))
	fi
}

run_suite unit "$BUILD/tests/unit" --conformance tests/conformance --progs "$BUILD/progs"
run_suite conformance-interp "$BUILD/exbpf" conformance --engine interp tests/conformance/*.data
run_suite conformance-jit "$BUILD/exbpf" conformance --engine jit tests/conformance/*.data
# Every BPF program under tests/progs carries its expectation as annotations.
# ... on both engines: the interpreter's fast loop and the JIT (a line per program and engine).
run_suite progs "$BUILD/exbpf" test --engine all "$BUILD"/progs/*.bpf.o
# The same programs in kernel-strict mode: Linux's own tags, Linux's verdicts and messages.
run_suite progs-strict "$BUILD/exbpf" test --kernel-strict "$BUILD"/progs/*.bpf.o
# Their unprivileged runs (programs with *_unpriv tags; the others are skipped, as Linux's
# test loader does), with exbpf's tags and with Linux's.
run_suite progs-unpriv "$BUILD/exbpf" test --unpriv "$BUILD"/progs/*.bpf.o
run_suite progs-unpriv-strict "$BUILD/exbpf" test --unpriv --kernel-strict "$BUILD"/progs/*.bpf.o
for t in tests/cli/*.sh; do
	[ -e "$t" ] || continue
	run_suite "cli:$(basename "$t" .sh)" env BUILD="$BUILD" bash "$t"
done

for f in ${FUZZ_BINS:-}; do
	run_suite "fuzz:$(basename "$f")" scripts/fuzz.sh "$f" "${FUZZ_SMOKE_SECONDS:-15}" 1
done

if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ] && [ "$broken" -eq 0 ]
