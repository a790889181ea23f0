#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Rekeying (RFC 8548 §3.8): with a new key generation every 1 MiB on both
# hosts, a long transfer each way stays intact, and both daemons count the
# generations they moved to (their own rekeys and their answers to the
# peer's). Without the knob, a short transfer never rekeys.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "rekey every 1 MiB: 32 MiB each way intact, rekeys counted on both hosts" {
	local size want
	size=$(mib 32)
	# A host may not start a rekey while its previous one is unanswered
	# (RFC 8548 §3.8: one outstanding), and generations started by both
	# ends at once merge: expect at least half of the MiB boundaries.
	want=$((size / 1048576 / 2))
	tcpinc_on A up -- --rekey-bytes 1048576 || fail "up A"
	tcpinc_on B up -- --rekey-bytes 1048576 || fail "up B"
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	assert_xfer_ok "$size" "$size"
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" state)" = encrypted ] ||
		fail "not encrypted"
	[ "$(counter A rekeys)" -ge "$want" ] || fail "A rekeys $(counter A rekeys) < $want"
	[ "$(counter B rekeys)" -ge "$want" ] || fail "B rekeys $(counter B rekeys) < $want"
}

@test "no rekey knob: a short transfer keeps generation 0" {
	host_up A
	host_up B
	xfer_run tcpinc tcpinc "$ADDR_B" 1000000 1000000 A B
	assert_xfer_ok 1000000 1000000
	[ "$(counter A rekeys)" -eq 0 ] || fail "A rekeys $(counter A rekeys)"
	[ "$(counter B rekeys)" -eq 0 ] || fail "B rekeys $(counter B rekeys)"
}

# lossy HOST: drop 3% of the TCP segments HOST receives on its link, at
# random (this kernel has no netem); the table goes with the namespace.
lossy() {
	on "$1" nft add table inet loss
	on "$1" nft add chain inet loss in '{ type filter hook input priority 0; }'
	on "$1" nft add rule inet loss in iifname "$IFACE" meta l4proto tcp \
		numgen random mod 100 '<' 3 counter drop
}

@test "3% loss both ways with a rekey every 256 KiB: retransmitted ciphertext stays valid, 8 MiB each way intact" {
	local size retrans dropped
	size=$(mib 8)
	tcpinc_on A up -- --rekey-bytes 262144 || fail "up A"
	tcpinc_on B up -- --rekey-bytes 262144 || fail "up B"
	lossy A
	lossy B
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	assert_xfer_ok "$size" "$size"
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" state)" = encrypted ] ||
		fail "not encrypted"
	# TCP retransmitted (the kernel resends the bytes tcpincd sealed once)
	retrans=$(on A nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
	dropped=$(on B nft list table inet loss |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
	log "A retransmitted $retrans segments; B's link dropped $dropped packets"
	[ "${retrans:-0}" -ge 1 ] || fail "no retransmission on A"
	[ "${dropped:-0}" -ge 1 ] || fail "the loss rule dropped nothing"
	# A new rekey waits for the answer to the last one, which queues
	# behind B's own data and its retransmissions (one run had only 7).
	[ "$(counter A rekeys)" -ge 4 ] || fail "A rekeys $(counter A rekeys)"
	[ "$(counter A abort_bad_tag)" -eq 0 ] || fail "A saw a bad tag"
	[ "$(counter B abort_bad_tag)" -eq 0 ] || fail "B saw a bad tag"
}
