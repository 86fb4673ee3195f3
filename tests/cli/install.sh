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

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
