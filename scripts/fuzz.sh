#!/usr/bin/env bash
# Runs one libFuzzer binary: replays its corpus (fuzz/corpus/NAME, seeds committed there),
# then fuzzes for SECONDS. SEED=1 (smoke) uses a fixed seed and keeps new inputs out of the
# committed corpus. Prints `fuzz:NAME: 1 passed, 0 failed` or the crash and `0 passed, 1 failed`.
set -u
bin=$1 seconds=$2 smoke=${3:-1}
name=$(basename "$bin")
cd "$(dirname "$0")/.."
corpus=fuzz/corpus/$name
# Objects are larger than raw programs; the loader target also runs at least a minute in
# smoke mode (issue #3: 60 s under ASan on every test run).
max_len=4096
case "$name" in
fuzz_loader)
	max_len=65536
	[ "$seconds" -lt 60 ] && seconds=60
	;;
fuzz_runtime)
	max_len=65536
	;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$corpus"
if [ "$smoke" = 1 ]; then
	dirs=("$work" "$corpus")
	seed=(-seed=1)
else
	dirs=("$corpus")
	seed=()
fi
if "$bin" "${seed[@]}" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
	-artifact_prefix="$work/" "${dirs[@]}" >"$work/log" 2>&1; then
	runs=$(grep -oE 'Done [0-9]+ runs' "$work/log" | grep -oE '[0-9]+' || echo '?')
	echo "fuzz:$name: $runs runs in ${seconds}s, no finding"
	echo "fuzz:$name: 1 passed, 0 failed"
else
	tail -n 30 "$work/log"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -e "$a" ] && cp "$a" "build/" && echo "reproducer saved: build/$(basename "$a")"
	done
	echo "fuzz:$name: 0 passed, 1 failed"
	exit 1
fi
