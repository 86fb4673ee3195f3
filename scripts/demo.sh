#!/usr/bin/env bash
# `make demo`: BPF exceptions at work. examples/parser/parser.bpf.c is a tc packet parser whose
# every check is an assertion: the verifier accepts its packet accesses because of them, a
# failed one throws a cookie, every frame unwinds, and the exception callback turns the cookie
# into a TC action. The parser runs on a good packet and on malformed ones, on the interpreter
# and on the JIT. Then the instruction set on a conformance program.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPF_CLANG=${BPF_CLANG:-clang-19}
EXBPF="$BUILD/exbpf"
src=examples/parser/parser.bpf.c
obj=$BUILD/examples/parser.bpf.o
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$BUILD/examples"
"$BPF_CLANG" -target bpf -mcpu=v4 -g -O2 -Iinclude -I"/usr/include/$(cc -dumpmachine)" \
	-c "$src" -o "$obj"
examples/parser/packets.sh "$tmp" >/dev/null

# The JIT where this build has one (x86-64), the interpreter always.
engines="interp"
"$EXBPF" run "$obj" --prog parse --data "$tmp/udp.bin" --engine jit >/dev/null 2>&1 &&
	engines="interp jit"

echo "== $src: the verifier accepts it, thanks to its assertions (exbpf verify)"
"$EXBPF" verify "$obj"
echo
echo "== the assertions, linked, with source lines (exbpf disasm, first lines)"
"$EXBPF" disasm "$obj" --prog parse | head -n 24
echo "   ..."
for engine in $engines; do
	echo
	echo "== engine: $engine"
	echo "-- a UDP packet that parses: TC_ACT_OK (0); the parser logs each header"
	"$EXBPF" run "$obj" --prog parse --data "$tmp/udp.bin" --engine "$engine"
	echo "-- an IPv4 header length of 16 bytes: bpf_assert_range_with throws PARSE_BAD_IHL (3),"
	echo "   to_tc_action turns it into TC_ACT_SHOT (2)"
	"$EXBPF" run "$obj" --prog parse --data "$tmp/bad-ihl.bin" --engine "$engine"
	echo "-- a TCP data offset of 12 bytes, thrown two frames deep (parse_l4): PARSE_MALFORMED (0)"
	"$EXBPF" run "$obj" --prog parse --data "$tmp/bad-doff.bin" --engine "$engine"
	echo "-- a non-first fragment: PARSE_FRAGMENT (5), which the callback passes: TC_ACT_OK (0)"
	"$EXBPF" run "$obj" --prog parse --data "$tmp/fragment.bin" --engine "$engine" --json
done
echo
echo "== the instruction set: examples/demo/checksum.data on the interpreter and the JIT"
"$EXBPF" conformance --engine interp examples/demo/checksum.data
if [[ $engines == *jit* ]]; then
	"$EXBPF" conformance --engine jit examples/demo/checksum.data
fi
