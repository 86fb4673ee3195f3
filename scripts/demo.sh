#!/usr/bin/env bash
# `make demo`: runs what exists of exbpf on an example. Grows with the project: from the
# exceptions issue on, it runs a program that throws and is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EXBPF="$BUILD/exbpf"
prog=examples/demo/checksum.data

echo "== the program (bpf_conformance assembler syntax): $prog"
sed -n '/^-- asm/,/^--/p' "$prog" | sed '1d;$d'
echo
echo "== exbpf disasm $prog"
"$EXBPF" disasm "$prog"
echo
echo "== exbpf conformance --engine interp $prog"
"$EXBPF" conformance --engine interp "$prog"
