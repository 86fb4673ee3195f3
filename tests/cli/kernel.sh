#!/usr/bin/env bash
# exbpf against the running Linux: every program of $BUILD/progs/*.bpf.o of a type Linux can
# test-run (tc, xdp, socket, cgroup_skb, raw_tp, syscall; not exbpf's raw type) runs in the
# interpreter, on the JIT (where this build has one) and in the kernel (`exbpf run --engine
# kernel`), and the return values must agree. `PASS kernel:obj:prog`, `FAIL ...` on a disagreement, `SKIP ...: why` when Linux
# rejects the program (its error line), when bpf() is unavailable, or when the disagreement is
# listed in tests/kernel-divergences.txt (`obj:prog reason`, see docs/kernel-divergences.md).
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
EXBPF="$BUILD/exbpf"
DIVERGENCES=tests/kernel-divergences.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0
head -c 64 /dev/zero >"$tmp/ctx"

pass() { echo "PASS kernel:$1"; passed=$((passed + 1)); }
fail() { echo "FAIL kernel:$1"; failed=$((failed + 1)); }
skip() { echo "SKIP kernel:$1"; skipped=$((skipped + 1)); }

# The listed reason for obj:prog, or nothing.
divergence() {
	[ -f "$DIVERGENCES" ] || return 0
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$DIVERGENCES"
}

runnable() {
	case "${1#\?}" in
	tc | tc/* | tcx/* | classifier* | action* | xdp | xdp/* | xdp.frags* | socket* | \
		cgroup_skb/* | raw_tp | raw_tp/* | raw_tracepoint* | syscall) return 0 ;;
	*) return 1 ;;
	esac
}

packet_type() {
	case "${1#\?}" in
	raw_tp* | raw_tracepoint* | syscall) return 1 ;;
	*) return 0 ;;
	esac
}

retval_of() { sed -n 's/^retval: //p' <<<"$1" | head -n 1; }

if ! compgen -G "$BUILD/progs/*.bpf.o" >/dev/null; then
	skip "progs: no compiled programs in $BUILD/progs (make progs)"
	echo "kernel: $passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# Is bpf() there at all? One visible reason, and every program is skipped with it.
unavailable=""
avail_out=$("$EXBPF" run --engine kernel "$BUILD/progs/loader_multi.bpf.o" --prog prog_tc 2>&1)
if [ $? -eq 2 ] && grep -q 'unavailable' <<<"$avail_out"; then
	unavailable=${avail_out#exbpf: }
	echo "NOTICE kernel: the Linux backend cannot run here: $unavailable"
fi

# Does this build have a JIT? (x86-64 only.)
jit=""
"$EXBPF" run --engine jit "$BUILD/progs/loader_multi.bpf.o" --prog prog_tc >/dev/null 2>&1 && jit=1
[ -n "$jit" ] || echo "NOTICE kernel: no JIT in this build: the interpreter alone is compared"

for obj in "$BUILD"/progs/*.bpf.o; do
	o=$(basename "$obj" .bpf.o)
	# The verifier tests are checked against Linux by kernel_test.sh (`exbpf test --engine
	# kernel`); some walk a million instructions, too slow for a second run here.
	case "$o" in verifier_*) continue ;; esac
	while read -r prog sec; do
		key="$o:$prog"
		if ! runnable "$sec"; then
			continue
		fi
		if [ -n "$unavailable" ]; then
			skip "$key: $unavailable"
			continue
		fi
		args=(--prog "$prog")
		packet_type "$sec" || args+=(--ctx "$tmp/ctx")
		iout=$("$EXBPF" run --engine interp "$obj" "${args[@]}" 2>"$tmp/ierr")
		irc=$?
		jret="" jrc=0
		if [ -n "$jit" ]; then
			jout=$("$EXBPF" run --engine jit "$obj" "${args[@]}" 2>/dev/null)
			jrc=$?
			jret=$(retval_of "$jout")
		fi
		kout=$("$EXBPF" run --engine kernel "$obj" "${args[@]}" 2>"$tmp/kerr")
		krc=$?
		ierr=$(grep -v 'warning: programs run unverified' "$tmp/ierr" | head -n 1)
		kerr=$(head -n 1 "$tmp/kerr")
		if [ $krc -eq 1 ]; then
			skip "$key: Linux rejects it: ${kerr#*rejected by Linux: }"
			continue
		fi
		if [ $krc -ne 0 ] && [ $irc -ne 0 ]; then
			skip "$key: neither engine runs it: ${ierr#exbpf: }"
			continue
		fi
		if [ $krc -ne 0 ]; then
			why=$(divergence "$key")
			if [ -n "$why" ]; then
				skip "$key: expected divergence: $why"
			else
				skip "$key: the kernel engine cannot run it: ${kerr#exbpf: }"
			fi
			continue
		fi
		iret=$(retval_of "$iout")
		kret=$(retval_of "$kout")
		if [ $irc -eq 0 ] && [ "$iret" = "$kret" ] &&
			{ [ -z "$jit" ] || { [ $jrc -eq 0 ] && [ "$jret" = "$kret" ]; }; }; then
			pass "$key"
			continue
		fi
		why=$(divergence "$key")
		if [ -n "$why" ]; then
			skip "$key: expected divergence: $why"
		elif [ $irc -ne 0 ]; then
			fail "$key: Linux returns $kret, exbpf fails: ${ierr#exbpf: }"
		elif [ -n "$jit" ] && [ "$jret" != "$kret" ]; then
			fail "$key: the JIT returns $jret (exit $jrc), Linux $kret"
		else
			fail "$key: exbpf returns $iret, Linux $kret"
		fi
	done < <("$EXBPF" disasm "$obj" 2>/dev/null |
		sed -n "s/^\([A-Za-z0-9_]*\): sec '\([^']*\)'.*/\1 \2/p")
done

# Exception semantics validated by Linux itself: these exceptions_rt programs load in Linux
# and must return what exbpf's run-time throws give (Linux's exception_tail_call: 24).
rt="$BUILD/progs/exceptions_rt.bpf.o"
if [ -z "$unavailable" ] && [ ! -f "$rt" ]; then
	skip "exceptions: $rt is not built"
elif [ -z "$unavailable" ]; then
	for want in throw_default=17 throw_deep=166 no_throw=5 assert_fails=0 \
		assert_with_fails=77 throw_in_tail_target=24; do
		prog=${want%=*} val=${want#*=}
		got=$(retval_of "$("$EXBPF" run --engine kernel "$rt" --prog "$prog" 2>&1)")
		if [ "$got" = "$val" ]; then
			pass "exceptions:$prog=$val"
		else
			fail "exceptions:$prog: Linux returns '${got}', expected $val"
		fi
	done
	# The CLI contract for the kernel engine: JSON shape, no throw visible.
	out=$("$EXBPF" run --engine kernel "$rt" --prog throw_default --json 2>&1)
	if grep -q '^{"program":"throw_default","retval":17,"thrown":false,"cookie":null,' <<<"$out"; then
		pass "cli:json"
	else
		fail "cli:json: $out"
	fi
	out=$("$EXBPF" run --engine kernel "$BUILD/progs/exceptions_nest.bpf.o" 2>&1)
	if [ $? -eq 2 ] && grep -q "^exbpf: .*raw program type has no Linux equivalent" <<<"$out"; then
		pass "cli:raw-refused"
	else
		fail "cli:raw-refused: $out"
	fi
	out=$("$EXBPF" run --engine kernel "$rt" --prog throw_in_loop 2>&1)
	if [ $? -eq 1 ] && grep -q "^exbpf: .*rejected by Linux: .*cannot be called from callback" <<<"$out"; then
		pass "cli:rejection"
	else
		fail "cli:rejection: $out"
	fi
fi

echo "kernel: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
