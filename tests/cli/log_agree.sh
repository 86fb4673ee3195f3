#!/usr/bin/env bash
# exbpf's verifier log against the running Linux's: for every program of
# $BUILD/progs/verifier_*.bpf.o, the instruction lines (`N: (op) text`) of the level-1 logs
# (the failing path) when both reject it, of the level-2 logs (every path) when both accept
# it: every instruction both print must have the same text, exactly, up to what exbpf cannot
# know (kernel addresses in a lddw of a map, which exbpf prints as 0x0; kfuncs' BTF ids). The
# rest is counted, not failed: the register state after an instruction (`; R1=...`) may
# legitimately differ (exbpf tracks some values more precisely), and so may the paths (exbpf
# prunes at its own checkpoints). At level 2 the block of live registers must be identical.
# Skipped: programs the two disagree on, and those whose walk
# takes more than 100000 instructions. Skips, with the reason, when bpf() does not answer.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
exbpf=$BUILD/exbpf
pass=0 fail=0 skip=0 lines=0 same_state=0 paths=0 live_blocks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

probe=$("$exbpf" verify --against-kernel "$BUILD/progs/exc_cb_ok.bpf.o" 2>&1)
if ! grep -qE '^  kernel: (accepted|rejected)' <<<"$probe"; then
	echo "SKIP log-agree: Linux cannot be asked: $(head -n 1 <<<"$probe")"
	echo "log-agree: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
# Level 2's block of registers live before each instruction (with loop numbers), lddw
# constants and kfunc BTF ids masked: identical in both, line for line.
live_regs() {
	awk '/^Live regs before insn:/ { f = 1; next } f && /^ *([0-9]+ +)?[0-9]+: [0-9.][0-9.][0-9.][0-9.][0-9.][0-9.][0-9.][0-9.][0-9.][0-9.] \(/ { print; next } f { exit }' |
		sed -E 's/(\(18\) r[0-9]+ = )0x[0-9a-f]+/\1ADDR/; s/(call [A-Za-z_0-9]+#)[0-9]+/\1ID/'
}
# Instruction lines, the lddw constant (a kernel address in Linux's log) masked.
insns() { grep -E '^[0-9]+: \(' | sed -E 's/^([0-9]+: \(18\) r[0-9]+ = )0x[0-9a-f]+/\10xADDR/'; }
for obj in "$BUILD"/progs/verifier_*.bpf.o; do
	base=$(basename "$obj" .bpf.o)
	for prog in $("$exbpf" verify "$obj" 2>/dev/null | grep -E '^[A-Za-z_0-9]+: (accepted|rejected)' | cut -d: -f1); do
		verdict=$("$exbpf" verify "$obj" --prog "$prog" --against-kernel 2>&1)
		if grep -q DISAGREES <<<"$verdict" || ! grep -qE '^  kernel: (accepted|rejected)' <<<"$verdict"; then
			skip=$((skip + 1))
			continue
		fi
		level=1
		grep -q '^  kernel: accepted' <<<"$verdict" && level=2
		"$exbpf" verify "$obj" --prog "$prog" --log-level $level --kernel-log >"$tmp/k" 2>&1
		"$exbpf" verify "$obj" --prog "$prog" --log-level $level >"$tmp/e" 2>&1
		processed=$(sed -nE 's/^processed ([0-9]+) insns.*/\1/p' "$tmp/k" "$tmp/e" | sort -n | tail -n 1)
		# (a log without its statistics line was cut off at the end of the buffer)
		if [ "$(grep -c '^processed [0-9]* insns' "$tmp/k")" = 0 ] || [ "${processed:-0}" -gt 100000 ]; then
			skip=$((skip + 1))	# up to a million lines each, cut off at the buffer's end
			continue
		fi
		if [ $level = 2 ]; then
			live_regs <"$tmp/k" >"$tmp/kl"
			live_regs <"$tmp/e" >"$tmp/el"
			if ! [ -s "$tmp/kl" ] || ! cmp -s "$tmp/kl" "$tmp/el"; then
				fail=$((fail + 1))
				echo "FAIL log-agree:$base:$prog (live registers): $(diff "$tmp/kl" "$tmp/el" | grep -m 2 '^[<>]' | tr '\n' ' ')"
				continue
			fi
			live_blocks=$((live_blocks + 1))
		fi
		insns <"$tmp/k" >"$tmp/ki"
		insns <"$tmp/e" >"$tmp/ei"
		# kfuncs: Linux numbers them by kernel BTF id, exbpf by its own registry.
		for kf in $(grep -oE 'call [A-Za-z_0-9]+#[0-9]{4,}' "$tmp/ki" | sed 's/#.*//' | sort -u); do
			sed -i -E "s/($kf#)[0-9]+/\1ID/" "$tmp/ki" "$tmp/ei"
		done
		# The state: after ';', or after a resumed path's " N:" joined to a jump (level 1).
		sed -E 's/( +;| [0-9]+:).*//' "$tmp/ki" >"$tmp/kd"
		sed -E 's/( +;| [0-9]+:).*//' "$tmp/ei" >"$tmp/ed"
		# The notation: every instruction both logs print has the same text in both.
		bad=$(awk 'NR == FNR { split($0, a, ":"); k[a[1]] = $0; next }
			   { split($0, a, ":"); if ((a[1] in k) && k[a[1]] != $0) { print "< " k[a[1]] " > " $0; exit } }' \
			  "$tmp/kd" "$tmp/ed")
		if [ -z "$bad" ]; then
			echo "PASS log-agree:$base:$prog (level $level)"
			pass=$((pass + 1))
			cmp -s "$tmp/kd" "$tmp/ed" || paths=$((paths + 1))
			s=$(grep -cxFf "$tmp/ki" "$tmp/ei")
			lines=$((lines + $(wc -l <"$tmp/ei")))
			same_state=$((same_state + s))
		else
			fail=$((fail + 1))
			echo "FAIL log-agree:$base:$prog (level $level): $bad"
		fi
	done
done
diff_state=$((lines - same_state))
echo "log-agree: $lines instruction lines of exbpf, $same_state also in Linux's log with the same state, $diff_state not; $paths programs took other paths"
echo "log-agree: $live_blocks level-2 logs open with the same live registers and loops as Linux's"
echo "log-agree: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
