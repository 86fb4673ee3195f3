#!/usr/bin/env bash
# `make demo`: a BPF program that throws and is caught. examples/demo/validate.bpf.c checks a
# packet; the first problem it finds throws, every frame unwinds, and its exception callback
# decides the return value. Also shows the instruction set on a conformance program.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPF_CLANG=${BPF_CLANG:-clang-19}
EXBPF="$BUILD/exbpf"
src=examples/demo/validate.bpf.c
obj=$BUILD/examples/validate.bpf.o
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$BUILD/examples"
"$BPF_CLANG" -target bpf -mcpu=v4 -g -O2 -Iinclude -I"/usr/include/$(cc -dumpmachine)" \
	-c "$src" -o "$obj"

# An Ethernet + IPv4 header (TTL 64), and a packet whose IP version field says 6.
ipv4='\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x01\x08\x00\x45\x00\x00\x14\x00\x00\x00\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02'
printf "$ipv4" >"$tmp/good.bin"
printf "${ipv4/\\x45/\\x65}" >"$tmp/badversion.bin"
printf '\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x01\x86\xdd' >"$tmp/ipv6.bin"

echo "== $src, linked, with source lines (exbpf disasm)"
"$EXBPF" disasm "$obj" --prog validate
echo
echo "== a valid IPv4 packet: the program returns the TTL"
"$EXBPF" run "$obj" --prog validate --data "$tmp/good.bin" 2>/dev/null
echo
echo "== IP version 6 in an IPv4 header: parse_ipv4 throws BAD_VERSION (3), on_error returns TC_ACT_SHOT (2)"
"$EXBPF" run "$obj" --prog validate --data "$tmp/badversion.bin" 2>/dev/null
echo
echo "== an IPv6 frame: validate throws NOT_IPV4 (2)"
"$EXBPF" run "$obj" --prog validate --data "$tmp/ipv6.bin" --json 2>/dev/null
echo
echo "== the instruction set: examples/demo/checksum.data on the interpreter"
"$EXBPF" conformance --engine interp examples/demo/checksum.data
