#!/usr/bin/env bash
# Installs the Debian packages exbpf needs to build and test; does nothing when all are present.
set -euo pipefail

PACKAGES=(gcc make clang-19 llvm-19 lld-19 libclang-rt-19-dev libelf-dev libbpf-dev zlib1g-dev
          pkg-config bpftool jq)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "exbpf setup: missing packages: ${missing[*]}" >&2
	echo "exbpf setup: run as root:  sudo scripts/setup.sh" >&2
	echo "exbpf setup: (or: sudo apt-get install -y ${missing[*]})" >&2
	exit 1
fi

echo "exbpf setup: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "exbpf setup: done"
