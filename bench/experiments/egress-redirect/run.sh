#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Experiment, not part of tcpinc (docs/performance.md, "fallback"): one
# stream A->B over a veth pair, (1) plain TCP, (2) through a splice relay
# at A reached over loopback (tcpincd's plain relay, the first fallback
# connection), (3) the same with the application's sends redirected by
# egress.bpf.c to the relay's network socket. Prints Gbit/s per run and
# the median ratios to plain, then checks order: SHA-256 of 64 MiB sent in
# writes of 1 byte to 300 KB, ten times through (2) and through (3), and
# whether a blocking recv() on the application's socket (which has a psock
# in (3)) fails.
# As root, from the repository after `make`: bash bench/experiments/egress-redirect/run.sh [REPS]
set -eu
REPS=${1:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
TCPBENCH=$TOP/build/bench/tcpbench
[ -x "$TCPBENCH" ] || { echo "run make first ($TCPBENCH)" >&2; exit 1; }
T=$(mktemp -d /tmp/egressXXXXXX) # no dot: libbpf pin paths turn it into _
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
CG=$CGROOT/egress-exp.$$
PIN=$T/bpffs/egress
A=egrA.$$
B=egrB.$$

cleanup() {
	set +e
	for ns in $A $B; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.3
	bpftool cgroup detach "$CG" sock_ops pinned "$PIN/egress_ops" 2>/dev/null
	rm -rf "$PIN"
	umount "$T/bpffs" 2>/dev/null
	for c in "$CG" "${CG}0"; do
		[ -d "$c" ] && { cat "$c/cgroup.procs" | xargs -r kill -9; sleep 0.1; rmdir "$c"; }
	done
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

clang -O2 -g -Wall -Wextra -Werror -target bpf -I"$TOP/vmlinux" \
	-c "$HERE/egress.bpf.c" -o "$T/egress.bpf.o"
cc -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$T/relay" \
	"$HERE/relay.c" -lbpf

ip netns add $A
ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 10.99.0.1/24 dev va
ip -n $B addr add 10.99.0.2/24 dev vb
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set va up
ip -n $B link set vb up
mkdir -p "$CG" "${CG}0" "$T/bpffs"
mount -t bpf bpf "$T/bpffs"
mkdir -p "$PIN"
bpftool prog loadall "$T/egress.bpf.o" "$PIN" pinmaps "$PIN" 2>"$T/err" ||
	{ cat "$T/err"; exit 1; }
bpftool cgroup attach "$CG" sock_ops pinned "$PIN/egress_ops"
bpftool prog attach pinned "$PIN/egress_msg" msg_verdict pinned "$PIN/app"

# in_cg CGROUP NS CMD...: CMD in network namespace NS and cgroup CGROUP
in_cg() {
	local cg=$1 ns=$2
	shift 2
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		ip netns exec "$ns" "$@"
}
relay_start() {
	ip netns exec $A "$T/relay" 10.99.0.2 "$1" "$PIN" &
	RELAY=$!
	sleep 0.3
}
relay_stop() {
	kill $RELAY
	wait $RELAY 2>/dev/null || true
}
gbps() {
	in_cg "$1" $A "$TCPBENCH" client --connect "$2" --port "$3" \
		--mode send --seconds 2 --warmup 0.25 | jq -r .gbps
}

ip netns exec $B "$TCPBENCH" server --port 5001 >/dev/null &
SERVER=$!
sleep 0.3
: >"$T/runs"
for rep in $(seq "$REPS"); do
	p=$(gbps "${CG}0" 10.99.0.2 5001)
	relay_start splice
	s=$(gbps "${CG}0" 127.0.0.1 5000)
	relay_stop
	relay_start redirect
	r=$(gbps "$CG" 127.0.0.1 5000)
	relay_stop
	echo "rep $rep: plain $p, splice relay $s, redirect $r Gbit/s"
	echo "$p $s $r" >>"$T/runs"
done
python3 - "$T/runs" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = [statistics.median(c) for c in zip(*rows)]
print("median Gbit/s: plain %.2f, splice relay %.2f (%.2fx plain), "
      "redirect %.2f (%.2fx plain)" % (med[0], med[1], med[1] / med[0],
                                        med[2], med[2] / med[0]))
PY
kill $SERVER; wait $SERVER 2>/dev/null || true

cat >"$T/srv.py" <<'PY'
import hashlib, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 5001))
s.listen(8)
while True:
    c, _ = s.accept()
    h, n = hashlib.sha256(), 0
    while b := c.recv(1 << 20):
        h.update(b)
        n += len(b)
    print(n, h.hexdigest(), flush=True)
    c.close()
PY
cat >"$T/cli.py" <<'PY'
import hashlib, random, socket, sys
random.seed(int(sys.argv[1]))
data = random.randbytes(64 << 20)
c = socket.create_connection(("127.0.0.1", 5000))
i = 0
while i < len(data):
    k = random.choice([1, 7, 100, 1500, 65536, 300000])
    c.sendall(data[i:i + k])
    i += k
c.shutdown(socket.SHUT_WR)
try:
    c.recv(1)
    err = "-"
except OSError as e:
    err = e.__class__.__name__
print(len(data), hashlib.sha256(data).hexdigest(), err, flush=True)
PY
# transfers MODE CGROUP: 10 checked transfers through the relay in MODE
transfers() {
	local same=0 failed=0 n h err n2 h2 srv
	ip netns exec $B python3 "$T/srv.py" >"$T/srv.$1" &
	srv=$!
	sleep 0.3
	relay_start "$1"
	for i in $(seq 10); do
		in_cg "$2" $A python3 "$T/cli.py" "$i" >>"$T/cli.$1"
	done
	relay_stop
	kill $srv
	wait $srv 2>/dev/null || true
	while read -r n h err && read -r n2 h2 <&3; do
		[ "$n $h" = "$n2 $h2" ] && same=$((same + 1))
		[ "$err" = - ] || failed=$((failed + 1))
	done <"$T/cli.$1" 3<"$T/srv.$1"
	echo "$1: $same of 10 transfers intact; the application's blocking" \
		"recv() at the end failed in $failed" \
		"$(awk '$3 != "-" { print "(" $3 ")"; exit }' "$T/cli.$1")"
}
transfers splice "${CG}0"
transfers redirect "$CG"
bpftool map dump name egress.bss 2>/dev/null |
	jq -c '.[0].value[".bss"] // .' 2>/dev/null || true
