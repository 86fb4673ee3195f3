#!/usr/bin/env bash
# Hex bytes travel as space-separated words; splitting them is the point.
# shellcheck disable=SC2046,SC2048,SC2059,SC2086
# Writes the packets of examples/parser/README.md into DIR (default: the current directory):
# two good packets, a telnet packet the parser refuses, and five that make it throw.
set -euo pipefail
dir=${1:-.}
mkdir -p "$dir"

write() { # write NAME HEX... (hex pairs, in any number of space-separated words)
	local name=$1
	shift
	printf "$(printf '\\x%s' $*)" >"$dir/$name.bin"
}

eth='02 00 00 00 00 02 02 00 00 00 00 01 08 00'  # dst, src, ethertype IPv4
addrs='0a 00 00 01 0a 00 00 02'                   # 10.0.0.1 -> 10.0.0.2
# IPv4: version/ihl, tos, total length, id, flags/fragment offset, ttl, protocol, checksum.
ip() { echo "$1 00 00 $2 00 01 $3 40 $4 00 00 $addrs"; }
nops='01 01 01 00'                                  # options: NOP NOP NOP EOL (4 bytes)
# TCP: ports, seq, ack, data offset, flags (SYN), window, checksum, urgent pointer.
tcp() { echo "$1 $2 00 00 00 01 00 00 00 00 $3 02 ff ff 00 00 00 00"; }

# ihl 6 (24 bytes: one word of options), TCP 40000 -> 80.
write tcp-options $eth $(ip 46 2c '00 00' 06) $nops $(tcp '9c 40' '00 50' 50)
# ihl 5, UDP 5353 -> 53 with 4 bytes of payload (UDP length 12).
write udp $eth $(ip 45 20 '00 00' 11) '14 e9 00 35 00 0c 00 00' 'de ad be ef'
# TCP to port 23: parsed fine, refused by policy (TC_ACT_SHOT without a throw).
write telnet $eth $(ip 45 28 '00 00' 06) $(tcp '9c 40' '00 17' 50)
# ihl 4: a 16-byte IPv4 header cannot exist.
write bad-ihl $eth $(ip 44 28 '00 00' 06) $(tcp '9c 40' '00 50' 50)
# TCP data offset 3: a 12-byte TCP header cannot exist.
write bad-doff $eth $(ip 45 28 '00 00' 06) $(tcp '9c 40' '00 50' 30)
# ihl 15 promises 40 bytes of options; the packet ends after 4.
write truncated $eth $(ip 4f 28 '00 00' 06) $nops
# Fragment offset 185 (1480 bytes): no TCP header in this fragment.
write fragment $eth $(ip 45 28 '00 b9' 06) 'de ad be ef'
echo "7 packets written to $dir"
