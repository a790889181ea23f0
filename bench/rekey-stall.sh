#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Does a rekey stall the application? Two hosts in network namespaces
# (veth, 10.201.0.0/24), tcpinc on both; a client writes MiB-sized
# transfers in 64 KiB send() calls and records how long each call blocks.
# Run once with a rekey every 1 MiB on both hosts and once without, in the
# same run, and print p50/p99/max per send() and the ratios. Not a test:
# figures only (timings drift on a shared machine).
#
#   bash bench/rekey-stall.sh [MIB]      (default 256 MiB per run; root)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TCPINC=$REPO/build/tcpinc
MIB=${1:-256}
A=tci-bench-a-$$ B=tci-bench-b-$$
[ "$(id -u)" -eq 0 ] || { echo "rekey-stall: run as root" >&2; exit 1; }
[ -x "$TCPINC" ] || make -C "$REPO" -s

cleanup() {
	set +e
	for ns in $A $B; do
		ip netns exec "$ns" "$TCPINC" down >/dev/null 2>&1
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add veth0 type veth peer name veth0 netns "$B"
ip -n "$A" addr add 10.201.0.1/24 dev veth0
ip -n "$B" addr add 10.201.0.2/24 dev veth0
for ns in $A $B; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done

SERVER='
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.201.0.2", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept()
while c.recv(1 << 20):
    pass
'
CLIENT='
import socket, sys, time
n = int(sys.argv[2]) * 16
buf = b"x" * 65536
c = socket.create_connection(("10.201.0.2", int(sys.argv[1])))
lat = []
for _ in range(n):
    t = time.perf_counter_ns()
    c.sendall(buf)
    lat.append(time.perf_counter_ns() - t)
c.close()
lat.sort()
print(lat[len(lat) // 2], lat[len(lat) * 99 // 100], lat[-1])
'

# run PORT [TCPINCD OPTIONS]: p50 p99 max (ns) of one transfer's send()s
run() {
	local port=$1 out
	shift
	for ns in $A $B; do
		ip netns exec "$ns" "$TCPINC" down >/dev/null
		ip netns exec "$ns" "$TCPINC" up -- "$@" >/dev/null
	done
	ip netns exec "$B" "$TCPINC" run -- python3 -c "$SERVER" "$port" &
	sleep 0.5
	out=$(ip netns exec "$A" "$TCPINC" run -- python3 -c "$CLIENT" "$port" "$MIB")
	wait
	echo "$out"
}

read -r b50 b99 bmax <<<"$(run 7001 --rekey-bytes 0)"
read -r r50 r99 rmax <<<"$(run 7002 --rekey-bytes 1048576)"
rekeys=$(ip netns exec "$A" "$TCPINC" stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["rekeys"])')
us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%s MiB in 64 KiB send() calls; rekeys by A in the rekey run: %s\n' "$MIB" "$rekeys"
printf '%-22s %10s %10s %10s\n' "" "p50 us" "p99 us" "max us"
printf '%-22s %10s %10s %10s\n' "no rekey" "$(us "$b50")" "$(us "$b99")" "$(us "$bmax")"
printf '%-22s %10s %10s %10s\n' "rekey every 1 MiB" "$(us "$r50")" "$(us "$r99")" "$(us "$rmax")"
printf '%-22s %10s %10s %10s\n' "ratio" "$(ratio "$r50" "$b50")" "$(ratio "$r99" "$b99")" "$(ratio "$rmax" "$bmax")"
