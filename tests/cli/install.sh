#!/usr/bin/env bash
# `make install PREFIX=DIR`, then an embedder builds against the installed library with
# pkg-config, statically and dynamically, and runs.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else echo "FAIL install:$2"; failed=$((failed + 1)); fi
}

make --no-print-directory -s install PREFIX="$tmp/prefix" BUILD="$BUILD" >"$tmp/log" 2>&1
check $? "make install ($(tail -n 3 "$tmp/log"))"
for f in lib/libexbpf.a lib/libexbpf.so.0 bin/exbpf include/exbpf/exbpf.h \
	include/exbpf/bpf/bpf_exceptions.h lib/pkgconfig/exbpf.pc; do
	[ -e "$tmp/prefix/$f" ]
	check $? "installed $f"
done

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs exbpf)
check $? "pkg-config --cflags --libs exbpf"
# Sanitized builds need the sanitizer runtime at link time too.
extra=""
case "$BUILD" in *san*) extra="-fsanitize=address,undefined" ;; esac
cc -std=c11 -Wall -Wextra -Werror $extra examples/embed_raw/main.c $flags -o "$tmp/embed_dyn" 2>"$tmp/cc.log"
check $? "build against libexbpf.so: $(head -n 3 "$tmp/cc.log")"
out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/embed_dyn")
[ "$out" = "r0 = 42" ]
check $? "dynamic embed_raw printed '$out'"
cc -std=c11 -Wall -Wextra -Werror $extra examples/embed_raw/main.c -I"$tmp/prefix/include" \
	"$tmp/prefix/lib/libexbpf.a" $(pkg-config --static --libs-only-l exbpf | sed 's/-lexbpf//') -o "$tmp/embed_static" 2>"$tmp/cc.log"
check $? "build against libexbpf.a: $(head -n 3 "$tmp/cc.log")"
out=$("$tmp/embed_static")
[ "$out" = "r0 = 42" ]
check $? "static embed_raw printed '$out'"

# The examples with BPF programs: compiled with clang against the installed headers
# (<bpf/bpf_exceptions.h> is under include/exbpf), hosts linked with pkg-config.
BPF_CLANG=${BPF_CLANG:-clang-19}
bpf_cc() { # bpf_cc SRC OUT
	"$BPF_CLANG" -target bpf -mcpu=v4 -g -O2 -Wall -Werror -I"$tmp/prefix/include/exbpf" \
		-I"/usr/include/$(gcc -dumpmachine)" -c "$1" -o "$2" 2>"$tmp/bpf.log"
	check $? "$BPF_CLANG $1: $(head -n 3 "$tmp/bpf.log")"
}
host_cc() { # host_cc SRC OUT
	cc -std=c11 -Wall -Wextra -Werror $extra "$1" $flags -o "$2" 2>"$tmp/cc.log"
	check $? "build $1 against libexbpf.so: $(head -n 3 "$tmp/cc.log")"
}
# Compares a program's output with the expected text, showing both on a mismatch.
same() { # same NAME EXPECTED ACTUAL
	[ "$2" = "$3" ]
	local rc=$?
	[ $rc -eq 0 ] || printf 'expected:\n%s\nactual:\n%s\n' "$2" "$3"
	check $rc "$1"
}
export LD_LIBRARY_PATH="$tmp/prefix/lib"

# examples/counters: 10 packets (host.c): IPv4 TCP 54, 54, 60 bytes, UDP 42, 50, ICMP 42;
# IPv6; ARP; LLDP (other); an IPv4 frame cut inside its IP header (throws, counted apart).
bpf_cc examples/counters/counters.bpf.c "$tmp/counters.bpf.o"
host_cc examples/counters/host.c "$tmp/counters"
out=$("$tmp/counters" "$tmp/counters.bpf.o" 2>&1)
check $? "examples/counters/host.c exit status: $out"
same "examples/counters output" "ran 10 packets, 1 threw
ipv4: 6
ipv6: 1
arp: 1
other: 1
truncated ipv4: 1
ipv4 protocol 1 (icmp): 1 packets, 42 bytes
ipv4 protocol 6 (tcp): 3 packets, 168 bytes
ipv4 protocol 17 (udp): 2 packets, 92 bytes" "$out"

# examples/embed: six requests against uids 1000 (clearance 3) and 1001 (clearance 1); the
# unknown uid throws UNKNOWN_USER (2) in clearance_of, level 7 throws BAD_LEVEL (1) before
# the helper is called, so the helper runs 5 times. Instruction numbers depend on the
# compiler; source lines are taken from the program.
bpf_cc examples/embed/policy.bpf.c "$tmp/policy.bpf.o"
host_cc examples/embed/main.c "$tmp/embed"
out=$("$tmp/embed" "$tmp/policy.bpf.o" 2>&1)
check $? "examples/embed/main.c exit status: $out"
src=examples/embed/policy.bpf.c
l_throw=$(grep -n 'bpf_throw(UNKNOWN_USER);' $src | cut -d: -f1)
l_call=$(grep -n 'clearance = clearance_of(ctx->uid);' $src | cut -d: -f1)
l_range=$(grep -n 'bpf_assert_range_with(level, 0, 3, BAD_LEVEL);' $src | cut -d: -f1)
same "examples/embed output" "uid 1000 read level 2: ALLOW (ok)
uid 1001 read level 1: ALLOW (ok)
uid 1001 write level 1: DENY (read-only access)
uid 1001 read level 3: DENY (clearance too low)
uid 4242 read level 0: ERROR (cookie 2: unknown user)
  #0 clearance_of insn N (policy.bpf.c:$l_throw)
        bpf_throw(UNKNOWN_USER);
  #1 check_access insn N (policy.bpf.c:$l_call)
        clearance = clearance_of(ctx->uid);
uid 1000 read level 7: ERROR (cookie 1: bad resource level)
  #0 check_access insn N (policy.bpf.c:$l_range)
        bpf_assert_range_with(level, 0, 3, BAD_LEVEL);
helper calls: 5" "$(printf '%s\n' "$out" | sed -E 's/ insn [0-9]+ / insn N /')"

# examples/parser with the installed CLI: each packet's TC action, and the cookie of a throw
# (TC_ACT_OK 0, TC_ACT_SHOT 2; cookies from enum parse_error).
bpf_cc examples/parser/parser.bpf.c "$tmp/parser.bpf.o"
bash examples/parser/packets.sh "$tmp/pkts" >/dev/null
check $? "examples/parser/packets.sh"
for want in "tcp-options 0 -" "udp 0 -" "telnet 2 -" "bad-ihl 2 3" "bad-doff 2 0" \
	"truncated 2 1" "fragment 0 5"; do
	set -- $want
	out=$("$tmp/prefix/bin/exbpf" run "$tmp/parser.bpf.o" --prog parse --data "$tmp/pkts/$1.bin" 2>/dev/null)
	got="$(printf '%s\n' "$out" | sed -n 's/^retval: //p') $(printf '%s\n' "$out" | sed -n 's/^exception: cookie=\([0-9]*\) .*/\1/p')"
	[ "$got" = "$2 ${3#-}" ]
	check $? "examples/parser $1.bin: expected retval $2 cookie $3, got: $out"
done

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
