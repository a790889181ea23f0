#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What the tests need from the VM, checked inside it (vm.sh --check runs
# this; also runnable on any host, where the kTLS checks fail without TLS):
# kernel TLS (modprobe tls, the "tls" ULP on an established TCP socket, a
# record round trip with AES-128-GCM and ChaCha20-Poly1305 keys), network
# namespaces and veth, bpffs, cgroup2, bats, a writable repository and the
# repository's built binaries. Prints "ok"/"not ok" lines (TAP-like);
# exit 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 1

n=0 failed=0
check() {
	local what=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

echo "# kernel $(uname -r)"
check "modprobe tls; tls in tcp_available_ulp" \
	bash -c 'modprobe tls && grep -w tls /proc/sys/net/ipv4/tcp_available_ulp'

# TCP_ULP (31) "tls" on an established loopback connection, then one record
# each way through the kernel's TLS with the same keys on both ends.
ktls() {
	python3 - "$1" <<'EOF'
import os, socket, struct, sys
TCP_ULP, SOL_TLS, TLS_TX, TLS_RX = 31, 282, 1, 2
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
c = socket.create_connection(l.getsockname())
s, _ = l.accept()
for x in (c, s):
    x.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
mode = sys.argv[1]
if mode == "ulp":
    sys.exit(0)
if mode == "aes-gcm-128":  # TLS 1.2, tls12_crypto_info_aes_gcm_128
    info = struct.pack("<HH", 0x0303, 51) + os.urandom(8 + 16 + 4) + bytes(8)
else:  # TLS 1.3, tls12_crypto_info_chacha20_poly1305
    info = struct.pack("<HH", 0x0304, 54) + os.urandom(12 + 32) + bytes(8)
for x in (c, s):
    x.setsockopt(SOL_TLS, TLS_TX, info)
    x.setsockopt(SOL_TLS, TLS_RX, info)
msg = os.urandom(10000)
c.sendall(msg)
got = b""
while len(got) < len(msg):
    got += s.recv(65536)
assert got == msg, "data differs"
s.sendall(msg[::-1])
got = b""
while len(got) < len(msg):
    got += c.recv(65536)
assert got == msg[::-1], "data differs"
EOF
}
check "setsockopt TCP_ULP tls on an established TCP socket" ktls ulp
check "kTLS record round trip, TLS 1.2 AES-128-GCM" ktls aes-gcm-128
check "kTLS record round trip, TLS 1.3 ChaCha20-Poly1305" ktls chacha20-poly1305

ns=vmcheck-$$
check "ip netns add; ip -n NS link set lo up" \
	bash -c "ip netns add $ns && ip -n $ns link set lo up && ip -n $ns link show lo | grep -q UP"
ip netns del "$ns" 2>/dev/null
check "veth pair between namespaces" \
	bash -c "ip netns add $ns && ip link add vmchk0 type veth peer name vmchk1 netns $ns && ip link del vmchk0"
ip netns del "$ns" 2>/dev/null
check "bpffs at /sys/fs/bpf" \
	bash -c "awk '\$2 == \"/sys/fs/bpf\" && \$3 == \"bpf\" { f = 1 } END { exit !f }' /proc/self/mounts"
check "cgroup2 at /sys/fs/cgroup" \
	bash -c "awk '\$2 == \"/sys/fs/cgroup\" && \$3 == \"cgroup2\" { f = 1 } END { exit !f }' /proc/self/mounts"
check "bats runs" bats --version
check "repository writable" \
	bash -c 'f=build/.vm-check-$$; mkdir -p build && echo x >"$f" && rm "$f"'
for b in build/tcpincd build/tcpinc; do
	if [ -x "$b" ]; then
		check "$b --help runs" "$b" --help
	else
		echo "# $b not built (make -j2 on the host)"
	fi
done

echo "1..$n"
[ "$failed" -eq 0 ] || {
	echo "# $failed of $n failed"
	exit 1
}
