#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# One side without tcpinc: the connection falls back to plain TCP, the data
# is intact, and the fallback is visible (show -j state/reason, counters,
# no ENO where the peer does not speak it). The canary being on the wire
# here also proves that the capture check of encrypt_basic can fail.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "tcpinc client, plain server: plain TCP, reason synack_no_eno" {
	local size a
	size=$(mib 4)
	host_up A
	cap_start A
	xfer_run tcpinc plain "$ADDR_B" "$size" "$size" A
	cap_stop

	assert_xfer_ok "$size" "$size"
	[ "$(cap_eno syn_eno)" -ge 1 ] || fail "A's SYN carries no kind 69"
	[ "$(cap_eno synack)" -ge 1 ] || fail "no SYN-ACK captured"
	[ "$(cap_eno synack_eno)" -eq 0 ] || fail "kind 69 in a plain server's SYN-ACK"
	[ "$(cap_grep "$CANARY")" -gt 0 ] || fail "plain data not seen on the wire"

	a=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = plain ] || fail "state: $a"
	[ "$(field "$a" reason)" = synack_no_eno ] || fail "reason: $a"
	[ "$(field "$a" session_id)" = "" ] || fail "session_id on a plain row: $a"
	[ "$(field "$a" tep)" = "" ] || fail "tep on a plain row: $a"
	[ "$(xfer_field cli peer)" = "$ADDR_B:$PORT" ] || fail "client peer"
	[ "$(counter A fallback_synack_no_eno)" -ge 1 ] || fail "counter"
	[ "$(counter A negotiated)" -eq 0 ] || fail "negotiated counted"
}

@test "plain client, tcpinc server: plain TCP, reason syn_no_eno" {
	local size b before
	size=$(mib 4)
	host_up B
	before=$(counter B fallback_syn_no_eno)
	cap_start A
	xfer_run plain tcpinc "$ADDR_B" "$size" "$size" B
	cap_stop

	assert_xfer_ok "$size" "$size"
	[ "$(cap_eno syn)" -ge 1 ] || fail "no SYN captured"
	[ "$(cap_eno syn_eno)" -eq 0 ] || fail "kind 69 in a plain client's SYN"
	[ "$(cap_eno synack_eno)" -eq 0 ] || fail "B answered a plain SYN with kind 69"
	[ "$(cap_eno other_eno)" -eq 0 ] || fail "kind 69 after the handshake"
	[ "$(cap_grep "$CANARY")" -gt 0 ] || fail "plain data not seen on the wire"

	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$b" state)" = plain ] || fail "state: $b"
	[ "$(field "$b" reason)" = syn_no_eno ] || fail "reason: $b"
	[ "$(field "$b" session_id)" = "" ] || fail "session_id on a plain row: $b"
	# The server sees the client's real address.
	[ "$(xfer_field srv peer)" = "$(xfer_field cli local)" ] ||
		fail "server peer $(xfer_field srv peer) != client $(xfer_field cli local)"
	[ "$(counter B fallback_syn_no_eno)" -gt "$before" ] ||
		fail "fallback_syn_no_eno not incremented"
}

@test "a peer without tcpinc: later connections to it go direct (plain_bypass), no ENO in their SYNs" {
	local size
	size=$(mib 1)
	host_up A
	xfer_run tcpinc plain "$ADDR_B" "$size" "$size" A
	assert_xfer_ok "$size" "$size"
	[ "$(counter A fallback_synack_no_eno)" -eq 1 ] || fail "first: no fallback"
	# the same service again (peers are known by address and port)
	cap_start A tcp port "$PORT"
	xfer_run tcpinc plain "$ADDR_B" "$size" "$size" A
	cap_stop
	assert_xfer_ok "$size" "$size"
	[ "$(counter A plain_bypass)" -eq 1 ] || fail "plain_bypass $(counter A plain_bypass)"
	[ "$(counter A conn_out)" -eq 1 ] || fail "the second went through tcpincd"
	[ "$(cap_eno syn_eno)" -eq 0 ] || fail "the direct connection's SYN carries ENO"
	[ "$(jq '.connections | length' "$T/show_A.json")" -eq 0 ] ||
		fail "tcpincd relayed it: $(cat "$T/show_A.json")"
	[ "$(xfer_field cli peer)" = "$ADDR_B:$PORT" ] || fail "client peer"
}

@test "--plain-peer-ttl 0: every connection to a plain peer is offered ENO again" {
	local size
	size=$(mib 1)
	tcpinc_on A up -- --plain-peer-ttl 0 || fail "up A"
	xfer_run tcpinc plain "$ADDR_B" "$size" "$size" A
	xfer_run tcpinc plain "$ADDR_B" "$size" "$size" A
	assert_xfer_ok "$size" "$size"
	[ "$(counter A plain_bypass)" -eq 0 ] || fail "bypassed"
	[ "$(counter A fallback_synack_no_eno)" -eq 2 ] || fail "not offered twice"
}
