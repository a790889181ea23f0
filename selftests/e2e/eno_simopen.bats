#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Simultaneous open (RFC 8547 §4.6): roles come from the b bits only.
# tcpincd's proxy never makes one, so two test processes placed in each
# host's tcpincd cgroup (where the ENO program runs) connect to each other
# from fixed ports, and their SYNs are made to cross (see simopen()). The ENO program's result is read from its eno_conns
# map (pinned by tcpincd) and its counters.

load lib

# both ends bind this port; cap_eno reads it
PORT=6000

# --no-ktls: the option bytes and eno_conns entries the tests expect name
# TEP 0x23 alone, also on a kernel with TLS (where 0x20 would be offered
# too).
setup() {
	frames_only
	hosts_setup
}
teardown() { hosts_teardown; }

SIMOPEN='
import json, socket, sys, time
local, peer, port, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
timeout = float(sys.argv[5])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((local, port))
while time.time() < start:
    time.sleep(0.001)
s.settimeout(timeout)
s.connect((peer, port))
s.sendall(b"from " + local.encode())
got = b""
while len(got) < len(b"from " + peer.encode()):
    d = s.recv(100)
    if not d:
        break
    got += d
time.sleep(0.5)
print(json.dumps({"got": got.decode()}))
s.close()
'

# eno_entry HOST: the eno_conns entries of HOST's ENO program (attached to
# its tcpincd's cgroup) as "state role tep reason", one per line.
eno_entry() {
	local ino prog map
	ino=$([ "$1" = A ] && echo "$NS_INO_A" || echo "$NS_INO_B")
	prog=$(bpftool -j cgroup show "$CG_ROOT/tcpinc.daemon.$ino" |
		jq -r '.[] | select(.name == "tcpinc_eno_sockops") | .id')
	[ -n "$prog" ] || fail "no ENO program on $1's tcpincd cgroup"
	for map in $(bpftool -j prog show id "$prog" | jq -r '.map_ids[]'); do
		[ "$(bpftool -j map show id "$map" | jq -r .name)" = eno_conns ] &&
			break
	done
	bpftool -j map dump id "$map" |
		jq -r '.[] | .value[0:4] | join(" ")'
}

SYNHOLD=$E2E_REPO/selftests/tools/synhold.py

# No delay qdisc here (no netem): each host's first SYN, then its first
# SYN-ACK, is dropped at the peer and kept by synhold.py; once both hosts
# sent theirs, both are replayed at once, so that the SYNs cross and then
# the SYN-ACKs cross, as on a long link (segments without SYN are held back
# until both SYN-ACKs are in). (If one host instead completed on
# the peer's ACK, it would never see a SYN-form option it can read: the
# kernel gives sock_ops no look at a SYN received in SYN-SENT.)
drop_syns() {
	local h
	for h in A B; do
		on "$h" nft add table inet simopen
		on "$h" nft add chain inet simopen in '{ type filter hook input priority 0; }'
		on "$h" nft add rule inet simopen in tcp dport 6000 \
			tcp flags '& (syn | ack) == syn' drop comment synonly
		on "$h" nft add rule inet simopen in tcp dport 6000 \
			tcp flags '& (syn | ack) == syn | ack' drop comment synack
		# no ACK or data may overtake the other replayed SYN-ACK
		on "$h" nft add rule inet simopen in tcp dport 6000 \
			tcp flags '& syn == 0' drop comment nonsyn
	done
}

delete_rule() {
	local h=$1 c=$2 handle
	handle=$(on "$h" nft -a list chain inet simopen in |
		awk -v c="\"$c\"" '$0 ~ c { print $NF }')
	on "$h" nft delete rule inet simopen in handle "$handle"
}

simopen() {
	local start h k timeout=$((10 * SLOW))
	drop_syns
	for k in syn synack; do
		bg_start "a$k" A python3 "$SYNHOLD" "$IFACE" 6000 "$k" "$T/a$k.ready" "$T/go$k"
		bg_start "b$k" B python3 "$SYNHOLD" "$IFACE" 6000 "$k" "$T/b$k.ready" "$T/go$k"
	done
	sleep 0.3
	start=$(python3 -c 'import time; print(time.time() + 0.2)')
	bg_start_in_cgroup sa A "$CG_ROOT/tcpinc.daemon.$NS_INO_A" \
		python3 -c "$SIMOPEN" "$ADDR_A" "$ADDR_B" 6000 "$start" "$timeout"
	bg_start_in_cgroup sb B "$CG_ROOT/tcpinc.daemon.$NS_INO_B" \
		python3 -c "$SIMOPEN" "$ADDR_B" "$ADDR_A" 6000 "$start" "$timeout"
	for k in syn synack; do
		wait_until 5 test -e "$T/a$k.ready" -a -e "$T/b$k.ready" ||
			fail "${k}s not captured"
		for h in A B; do
			delete_rule "$h" "$([ "$k" = syn ] && echo synonly || echo synack)"
		done
		touch "$T/go$k"
		bg_wait "a$k"
		bg_wait "b$k"
	done
	sleep 0.2
	for h in A B; do delete_rule "$h" nonsyn; done
	bg_wait sa
	bg_wait sb
	[ "${BG_RC[sa]}" -eq 0 ] || fail "A: $(cat "$T/sa.err")"
	[ "${BG_RC[sb]}" -eq 0 ] || fail "B: $(cat "$T/sb.err")"
	[ "$(jq -r .got "$T/sa.out")" = "from $ADDR_B" ] || fail "A got $(cat "$T/sa.out")"
	[ "$(jq -r .got "$T/sb.out")" = "from $ADDR_A" ] || fail "B got $(cat "$T/sb.out")"
}

# cap_list SYN|SYNACK: every kind-69 option of that kind of segment.
cap_list() {
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -r '.eno_options[]' | awk -v k="$1" '$1 == k { print $2 }'
}

@test "simultaneous open, b=1 on one side (--eno-active-b): negotiated, roles A and B" {
	local ea eb
	host_up A
	tcpinc_on B up -- --eno-active-b || fail "up B"
	cap_start A port "$PORT"
	simopen
	cap_stop
	log "SYN: $(cap_list SYN | tr '\n' ' ') SYN-ACK: $(cap_list SYNACK | tr '\n' ' ')"
	[ "$(cap_eno syn)" -ge 2 ] || fail "not a simultaneous open: $(cap_eno syn) SYN-only"
	[ "$(cap_eno synack)" -ge 2 ] || fail "not a simultaneous open: $(cap_eno synack) SYN-ACKs"
	# each SYN-ACK repeats its sender's SYN option byte for byte
	[ "$(cap_list SYN | sort -u | tr '\n' ' ')" = "450323 45040123 " ] ||
		fail "SYN options: $(cap_list SYN)"
	[ "$(cap_list SYNACK | sort -u | tr '\n' ' ')" = "450323 45040123 " ] ||
		fail "SYN-ACK options: $(cap_list SYNACK)"
	ea=$(eno_entry A)
	eb=$(eno_entry B)
	log "eno_conns A: $ea, B: $eb"
	# state 1 = enabled, role 0/1, TEP 0x23, reason 1 = negotiated
	[ "$ea" = "0x01 0x00 0x23 0x01" ] || fail "A's entry: $ea"
	[ "$eb" = "0x01 0x01 0x23 0x01" ] || fail "B's entry: $eb"
	[ "$(counter A negotiated)" -eq 1 ] || fail "A's counter"
	[ "$(counter B negotiated)" -eq 1 ] || fail "B's counter"
}

@test "simultaneous open, default b=0 on both sides: role_conflict on both" {
	local ea eb
	host_up A
	host_up B
	simopen
	ea=$(eno_entry A)
	eb=$(eno_entry B)
	log "eno_conns A: $ea, B: $eb"
	# state 2 = disabled, reason 9 = role_conflict
	[ "$(echo "$ea" | awk '{ print $1, $4 }')" = "0x02 0x09" ] || fail "A's entry: $ea"
	[ "$(echo "$eb" | awk '{ print $1, $4 }')" = "0x02 0x09" ] || fail "B's entry: $eb"
	[ "$(counter A fallback_role_conflict)" -eq 1 ] || fail "A's counter"
	[ "$(counter B fallback_role_conflict)" -eq 1 ] || fail "B's counter"
}
