#!/usr/bin/env bash
# The CLI contract (../shared/spec/cli.md): exit codes, one-line `exbpf: ` errors, outputs.
set -u
BUILD=${BUILD:-build}
EXBPF="$BUILD/exbpf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect NAME WANT_STATUS WANT_PATTERN CMD... : runs CMD, checks status and that the combined
# output matches the extended regex.
expect() {
	local name=$1 want_status=$2 pattern=$3
	shift 3
	local out status
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" -ne "$want_status" ]; then
		echo "FAIL cli:$name: exit $status, expected $want_status; output: $out"
		failed=$((failed + 1))
	elif ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		echo "FAIL cli:$name: output does not match /$pattern/: $out"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

expect no-args 2 'usage: exbpf' "$EXBPF"

# --prog with --tail: the tail-call target is loaded with the program (Linux: 24).
expect run-tail-target 0 '^retval: 24' "$EXBPF" run "$BUILD/progs/runtime_tail_host.bpf.o" \
	--prog tail_caller --tail host_table:0:tail_thrower
expect run-tail-unknown 2 "program 'nope' is not loaded \(no such program\)" \
	"$EXBPF" run "$BUILD/progs/runtime_tail_host.bpf.o" --prog tail_caller --tail host_table:0:nope
expect help 0 'conformance' "$EXBPF" --help
expect unknown-command 2 "^exbpf: unknown command 'frobnicate'" "$EXBPF" frobnicate
expect conformance-no-files 2 '^exbpf: conformance: no .data files' "$EXBPF" conformance
expect conformance-bad-flag 2 "^exbpf: conformance: unknown flag '--fast'" \
	"$EXBPF" conformance --fast x.data
expect conformance-bad-engine 2 "^exbpf: conformance: unknown engine 'turbo'" \
	"$EXBPF" conformance --engine turbo x.data
expect conformance-missing-file 2 '^exbpf: /nonexistent/x.data: No such file' \
	"$EXBPF" conformance /nonexistent/x.data

# A file whose expected result is wrong must be reported as a failure, exit 1.
cat >"$tmp/wrong.data" <<'DATA'
-- asm
mov %r0, 7
exit
-- result
0x8
DATA
expect conformance-wrong-result 1 '^0 passed, 1 failed$' "$EXBPF" conformance "$tmp/wrong.data"
expect conformance-wrong-result-line 1 'FAIL .*wrong.data: r0 = 0x7, expected 0x8' \
	"$EXBPF" conformance "$tmp/wrong.data"
expect conformance-demo 0 '^1 passed, 0 failed$' \
	"$EXBPF" conformance --engine interp examples/demo/checksum.data

# Plugin protocol: `mov r0, 0x2a; exit` as hex on stdin -> r0 in hex.
expect plugin-runs 0 '^2a$' sh -c "printf 'b7000000%s9500000000000000' 2a000000 | $EXBPF conformance-plugin"
# r0 = *(u8 *)(r1 + 1) on memory 11 22 33 -> 22.
expect plugin-memory 0 '^22$' sh -c "printf '7110010000000000 9500000000000000' | $EXBPF conformance-plugin 112233"
expect plugin-bad-hex 2 '^exbpf: conformance-plugin: program on stdin is not hex' \
	sh -c "echo zz | $EXBPF conformance-plugin"
expect plugin-out-of-bounds 1 'insn 0' sh -c "printf '7110080000000000 9500000000000000' | $EXBPF conformance-plugin 112233"

# disasm
expect disasm-data 0 '^ +8: call pc\+5$' "$EXBPF" disasm examples/demo/checksum.data
expect disasm-data-ldx 0 '^ +7: r1 = \*\(u8 \*\)\(r1 \+ 0\)$' "$EXBPF" disasm examples/demo/checksum.data
printf 'abcdefg' >"$tmp/seven.bin"
expect disasm-partial 2 '^exbpf: .*seven.bin: 7 bytes is not a whole number' "$EXBPF" disasm "$tmp/seven.bin"
printf '\xb7\x00\x00\x00\x01\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00' >"$tmp/prog.bin"
expect disasm-raw 0 '^ +0: r0 = 1$' "$EXBPF" disasm "$tmp/prog.bin"

# disasm of an object: the linked program with its source lines
P=$BUILD/progs
expect disasm-object 0 '^; .*bpf_throw\(x\); @ exc_cb_ok.bpf.c:26$' \
	"$EXBPF" disasm "$P/exc_cb_ok.bpf.o" --prog main_a
expect disasm-unknown-prog 2 "^exbpf: .*no program named 'nosuch'" \
	"$EXBPF" disasm "$P/exc_cb_ok.bpf.o" --prog nosuch

# run: results, the exception report, and bad input (exit 2, one line)
expect run-retval 0 '^retval: 328$' "$EXBPF" run "$P/exc_cb_ok.bpf.o" --prog main_a
expect run-exception 0 '^exception: cookie=64 at insn 6 \(exc_cb_ok.bpf.c:26\)$' \
	"$EXBPF" run "$P/exc_cb_ok.bpf.o" --prog main_a
expect run-json 0 '"cookie":3,"cookie_hex":"0x3"' \
	"$EXBPF" run "$P/exc_cb_ok.bpf.o" --prog main_b --json
expect run-no-object 2 '^exbpf: run: no object given' "$EXBPF" run
expect run-bad-flag 2 "^exbpf: run: unknown flag '--fast'" "$EXBPF" run "$P/exc_cb_ok.bpf.o" --fast
expect run-repeat-zero 2 '^exbpf: run: --repeat must be at least 1' \
	"$EXBPF" run "$P/exc_cb_ok.bpf.o" --repeat 0
expect run-unknown-prog 2 "no program named 'nosuch'" "$EXBPF" run "$P/exc_cb_ok.bpf.o" --prog nosuch
expect run-jit 0 '^retval: 64$' "$EXBPF" run "$P/runtime_ctx.bpf.o" --prog tc_packet_span --engine jit
expect run-bad-engine 2 "^exbpf: run: unknown engine 'turbo'" \
	"$EXBPF" run "$P/exc_cb_ok.bpf.o" --engine turbo
expect test-engine-all 0 'PASS runtime_ctx:tc_packet_span \[jit\]' \
	"$EXBPF" test "$P/runtime_ctx.bpf.o" --engine all
printf 'short' >"$tmp/short.bin"
expect run-short-packet 2 'sched_cls programs take 14 to .* bytes of packet data, not 5' \
	"$EXBPF" run "$P/exc_cb_ok.bpf.o" --prog main_a --data "$tmp/short.bin"
expect run-link-error 2 "cannot find exception callback 'no_such_cb'" \
	"$EXBPF" run "$P/exc_cb_missing.bpf.o"
expect test-bad-flag 2 "^exbpf: test: unknown flag '--fast'" "$EXBPF" test "$P/exc_cb_ok.bpf.o" --fast

# test --unpriv: the *_unpriv expectations (inherited from the privileged ones where absent);
# a program without *_unpriv tags has no unprivileged run (Linux's test loader) and is SKIPped.
expect test-unpriv-pass 0 '^PASS verifier_unpriv:ret_pointer$' \
	"$EXBPF" test --unpriv "$P/verifier_unpriv.bpf.o" --prog ret_pointer
expect test-unpriv-priv-run 0 '^PASS verifier_unpriv:ret_pointer$' \
	"$EXBPF" test "$P/verifier_unpriv.bpf.o" --prog ret_pointer
expect test-unpriv-skip 0 '^SKIP exc_cb_ok:main_a: no unprivileged run: the program has no \*_unpriv tag$' \
	"$EXBPF" test --unpriv "$P/exc_cb_ok.bpf.o" --prog main_a
expect test-unpriv-count 0 '^0 passed, 0 failed, 1 skipped$' \
	"$EXBPF" test --unpriv "$P/exc_cb_ok.bpf.o" --prog main_a
expect test-unpriv-strict 0 '^PASS verifier_unpriv:tc_needs_cap_bpf$' \
	"$EXBPF" test --unpriv --kernel-strict "$P/verifier_unpriv.bpf.o" --prog tc_needs_cap_bpf
expect test-unpriv-help 0 'unprivileged runs' "$EXBPF" test --help
expect verify-unpriv 1 '^ret_pointer: rejected: R0 leaks addr as return value' \
	"$EXBPF" verify --unpriv "$P/verifier_unpriv.bpf.o" --prog ret_pointer

# exbpf verify: verdicts (0 accepted, 1 rejected), the message with its source line, bad input.
expect verify-accepted 0 '^throw_plain: accepted$' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog throw_plain
expect verify-rejected 1 '^cgroup_throw_2: rejected: At program exit the register R1 has smin=2 smax=2 should have been in \[0, 1\]' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog cgroup_throw_2
expect verify-source-line 1 'at insn [0-9]+ \(.*verifier_throw\.bpf\.c:[0-9]+\)' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog cgroup_throw_2
expect verify-json 1 '^\{"program":"cgroup_throw_2","accepted":false,"error":"At program exit.*","error_insn":[0-9]+,"error_line":".*verifier_throw.bpf.c:[0-9]+","insns_processed":[0-9]+,"verify_ns":[0-9]+,"log":null,"kernel":null\}$' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog cgroup_throw_2 --json
expect verify-log-level 0 '[0-9]+: \(b4\) w0 = 1 +; R0=1' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog throw_plain --log-level 2
expect verify-log-level-1-accepted 0 '^processed [0-9]+ insns \(limit 1000000\) max_states_per_insn' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog throw_plain --log-level 1
expect verify-strict 1 '^throw_holding_sample: rejected: bpf_throw would lead to reference leak' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog throw_holding_sample --kernel-strict
expect verify-default-extension 0 '^throw_holding_sample: accepted' \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog throw_holding_sample
# run takes the same modes: in kernel-strict mode a program Linux rejects is not run.
expect run-default-extension 0 '^exception: cookie=' \
	"$EXBPF" run "$P/verifier_throw.bpf.o" --prog throw_holding_sample
expect run-strict 1 'throw_holding_sample: .*rejected by the verifier at insn [0-9]+: bpf_throw would lead to reference leak' \
	"$EXBPF" run "$P/verifier_throw.bpf.o" --prog throw_holding_sample --kernel-strict
expect verify-bad-level 2 "^exbpf: verify: --log-level takes 0, 1 or 2, not '7'" \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --log-level 7
expect verify-unknown-prog 2 "^exbpf: .*: no program 'nosuch'" \
	"$EXBPF" verify "$P/verifier_throw.bpf.o" --prog nosuch
expect verify-missing-file 2 '^exbpf: /nonexistent.o' "$EXBPF" verify /nonexistent.o
expect run-rejected 1 'rejected by the verifier at insn [0-9]+: At program exit the register R1' \
	"$EXBPF" run "$P/verifier_throw.bpf.o" --prog cgroup_throw_2

# A syscall program's context is the caller's buffer: a run must give as many bytes as the
# program reads (Linux: EINVAL otherwise); the program reads the word at 8.
printf '\001\000\000\000\002\000\000\000\007\000\000\000' >"$tmp/ctx12"
printf '\001\000\000\000' >"$tmp/ctx4"
for engine in interp jit; do
	expect "run-syscall-ctx-$engine" 0 '^retval: 7' "$EXBPF" run "$P/verifier_ctx.bpf.o" \
		--prog syscall_ctx_reads_12 --engine "$engine" --ctx "$tmp/ctx12"
	expect "run-syscall-ctx-short-$engine" 2 'reads 12 bytes of its context, the run gives 4' \
		"$EXBPF" run "$P/verifier_ctx.bpf.o" --prog syscall_ctx_reads_12 --engine "$engine" \
		--ctx "$tmp/ctx4"
done

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
