#!/usr/bin/env bash
# Programs written the way Linux's selftests are, against vmlinux.h (bpftool's dump of the
# running kernel's BTF) instead of the UAPI headers: exbpf's <bpf/bpf_exceptions.h> must build
# with it, and the result load and run. Skips, with the reason, without bpftool or kernel BTF.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

if ! command -v bpftool >/dev/null 2>&1 || [ ! -r /sys/kernel/btf/vmlinux ] ||
	! bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$tmp/vmlinux.h" 2>/dev/null; then
	echo "SKIP vmlinux: no bpftool or no /sys/kernel/btf/vmlinux to dump vmlinux.h from"
	echo "vmlinux: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
cat >"$tmp/prog.bpf.c" <<'PROG'
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int plus_cb(u64 cookie)
{
	return cookie + 1;
}

SEC("tc") __exception_cb(plus_cb) __success __retval(65)
int assert_len(struct __sk_buff *skb)
{
	u64 len = skb->len;

	bpf_assert_range_with(len, 0, 10, len);
	return 0;
}
PROG
if clang-19 -target bpf -mcpu=v4 -g -O2 -D__TARGET_ARCH_x86 -I"$tmp" -Iinclude \
	-c "$tmp/prog.bpf.c" -o "$tmp/prog.bpf.o" 2>"$tmp/cc.log"; then
	echo "PASS vmlinux:build"
	pass=$((pass + 1))
	out=$("$BUILD/exbpf" test "$tmp/prog.bpf.o" 2>&1)
	if grep -q '^PASS prog:assert_len' <<<"$out"; then
		echo "PASS vmlinux:run"
		pass=$((pass + 1))
	else
		echo "FAIL vmlinux:run: $out"
		fail=$((fail + 1))
	fi
else
	echo "FAIL vmlinux:build: $(head -n 3 "$tmp/cc.log")"
	fail=$((fail + 1))
fi
echo "vmlinux: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
