#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tcpinc demo: two hosts (network namespaces on a veth), an unmodified web
# server and an unmodified client, encrypted by tcpinc without either knowing.
# Run as root on Debian 12:
#
#   bash demo/demo.sh
#
# It installs the dependencies, builds, runs `python3 -m http.server` under
# `tcpinc run` on host B and `curl` under `tcpinc run` on host A, captures the
# link, and prints the proof: the SYN and SYN-ACK with TCP option 69
# (TCP-ENO), whether the page's secret appears on the wire (it must not),
# and both hosts' `tcpinc show` while the download is running. Everything
# it creates is removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: must be run as root" >&2
	exit 1
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing dependencies (Debian 12)"
bash selftests/install-deps.sh

step "Building"
make -j2 >/dev/null
TCPINC=$REPO/build/tcpinc

A=tcpinc-demo-a
B=tcpinc-demo-b
ADDR_A=10.77.99.1
ADDR_B=10.77.99.2
PORT=8080
SECRET="TCPINC-DEMO-SECRET-1c9e"
TMP=

cleanup() {
	set +e
	for ns in "$A" "$B"; do
		ip netns list | grep -qw "$ns" || continue
		ip netns exec "$ns" "$TCPINC" down >/dev/null 2>&1
		pids=$(ip netns pids "$ns")
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null && sleep 0.5
		pids=$(ip netns pids "$ns")
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null && sleep 0.2
		ip netns del "$ns"
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
cleanup # a previous run interrupted hard
TMP=$(mktemp -d /tmp/tcpinc-demo.XXXXXX)
chmod 755 "$TMP"

step "Two hosts: $A ($ADDR_A) and $B ($ADDR_B) on a veth pair"
ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add veth0 type veth peer name veth0 netns "$B"
for ns in "$A" "$B"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set veth0 up
done
ip -n "$A" addr add "$ADDR_A/24" dev veth0
ip -n "$B" addr add "$ADDR_B/24" dev veth0

step "tcpinc up on both hosts"
for ns in "$A" "$B"; do
	if ! ip netns exec "$ns" "$TCPINC" up ||
		! ip netns exec "$ns" "$TCPINC" show >/dev/null; then
		echo "demo: tcpinc up failed in $ns" >&2
		exit 1
	fi
done
echo "ok"

# A page holding a secret string many times, large enough that a slow
# download keeps the connection open while we look at it.
mkdir "$TMP/www"
python3 - "$TMP/www/secret.bin" "$SECRET" <<'EOF'
import random, sys
rnd = random.Random(1)
with open(sys.argv[1], "wb") as f:
    for _ in range(256):
        f.write(sys.argv[2].encode() + b"\n" + rnd.randbytes(4096 - len(sys.argv[2]) - 1))
EOF

step "Capturing on $A's veth0"
ip netns exec "$A" tcpdump -i veth0 -n -U --immediate-mode -s 0 \
	-w "$TMP/demo.pcap" >"$TMP/tcpdump.log" 2>&1 &
tcpdump_pid=$!
for _ in $(seq 50); do
	grep -q 'listening on' "$TMP/tcpdump.log" && break
	sleep 0.1
done

step "Server on $B: tcpinc run -- python3 -m http.server $PORT"
ip netns exec "$B" "$TCPINC" run -- python3 -m http.server "$PORT" \
	--protocol HTTP/1.1 --bind "$ADDR_B" --directory "$TMP/www" \
	>"$TMP/server.log" 2>&1 &
for _ in $(seq 100); do
	ip netns exec "$B" ss -Hltn "sport = :$PORT" | grep -q . && break
	sleep 0.1
done

# Four downloads, one per second, on one kept-alive connection: it stays
# open for about three seconds, long enough to look at it.
URL=http://$ADDR_B:$PORT/secret.bin
step "Client on $A: tcpinc run -- curl --rate 1/s $URL (4 times)"
ip netns exec "$A" "$TCPINC" run -- curl -sS --rate 1/s \
	-o "$TMP/got1.bin" "$URL" -o "$TMP/got2.bin" "$URL" \
	-o "$TMP/got3.bin" "$URL" -o "$TMP/got.bin" "$URL" &
curl_pid=$!
sleep 1.2

step "tcpinc show on $A (client side) while the download runs"
ip netns exec "$A" "$TCPINC" show || true
step "tcpinc show on $B (server side)"
ip netns exec "$B" "$TCPINC" show || true

curl_rc=0
wait "$curl_pid" || curl_rc=$?
sleep 0.3
kill -INT "$tcpdump_pid" 2>/dev/null || true
wait "$tcpdump_pid" 2>/dev/null || true

step "Proof"
ok=1
if [ "$curl_rc" -eq 0 ] && cmp -s "$TMP/got.bin" "$TMP/www/secret.bin"; then
	echo "download: $(stat -c %s "$TMP/got.bin") bytes, identical to the server's file"
else
	echo "download: FAILED (curl exit $curl_rc)"
	ok=0
fi
echo
echo "SYN and SYN-ACK on the wire (TCP option 69 = TCP-ENO, printed by tcpdump as unknown-69 <hex>):"
tcpdump -r "$TMP/demo.pcap" -n -vv "tcp port $PORT and tcp[tcpflags] & tcp-syn != 0" \
	2>/dev/null | grep -o '[0-9.]* > [0-9.]*: Flags \[S\.\{0,1\}\].*' |
	sed -e 's/cksum 0x[0-9a-f]* ([^)]*), //' -e 's/^/  /' | cut -c1-220
syn69=$(tcpdump -r "$TMP/demo.pcap" -n -vv \
	"tcp port $PORT and tcp[tcpflags] & tcp-syn != 0" 2>/dev/null |
	grep -c 'unknown-69' || true)
echo "  -> $syn69 of the SYN/SYN-ACK segments carry option 69"
[ "$syn69" -ge 2 ] || ok=0
echo
found=$(grep -a -c -F "$SECRET" "$TMP/demo.pcap" || true)
echo "The page contains \"$SECRET\" 256 times (1 MiB file, downloaded 4 times)."
echo "Occurrences of it in the capture of the link: $found"
if [ "$found" -ne 0 ]; then
	echo "  -> CLEARTEXT ON THE WIRE"
	ok=0
else
	echo "  -> none: the payload crossed the link encrypted"
fi
echo
if [ "$ok" -eq 1 ]; then
	echo "demo: OK"
else
	echo "demo: FAILED"
	exit 1
fi
