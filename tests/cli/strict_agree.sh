#!/usr/bin/env bash
# Kernel-strict mode against the running Linux: every program of $BUILD/progs/*.bpf.o that
# Linux can load gets the same verdict from `exbpf verify --kernel-strict` as from Linux
# (`--against-kernel`). One PASS/FAIL line per object; skips, with the reason, when bpf()
# does not answer (not root, not Linux).
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
exbpf=$BUILD/exbpf
pass=0 fail=0

probe=$("$exbpf" verify --against-kernel --kernel-strict "$BUILD/progs/exc_cb_ok.bpf.o" 2>&1)
if ! grep -qE '^  kernel: (accepted|rejected)' <<<"$probe"; then
	echo "SKIP strict-agree: Linux cannot be asked: $(head -n 1 <<<"$probe")"
	echo "strict-agree: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
for obj in "$BUILD"/progs/*.bpf.o; do
	name=$(basename "$obj" .bpf.o)
	out=$("$exbpf" verify --against-kernel --kernel-strict "$obj" 2>&1)
	asked=$(grep -cE '^  kernel: (accepted|rejected)' <<<"$out")
	if grep -q DISAGREES <<<"$out"; then
		echo "FAIL strict-agree:$name: $(grep -B3 DISAGREES <<<"$out" | grep -E '^[A-Za-z_0-9]+: ' | cut -d: -f1 | paste -sd, -)"
		fail=$((fail + 1))
	else
		echo "PASS strict-agree:$name ($asked programs)"
		pass=$((pass + 1))
	fi
done
echo "strict-agree: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
