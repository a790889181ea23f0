#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Both hosts run tcpinc: an unmodified client and server move 64 MiB each
# way over an encrypted connection. Checked: the data (SHA-256 both ways),
# the wire (kind 69 in SYN and SYN-ACK, no cleartext canary), what both
# hosts' `tcpinc show -j` says while the connection is open, the addresses
# the applications see, and the negotiated counter.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "encrypted transfer, 64 MiB each way, over IPv4" {
	local size a b sid
	size=$(mib 64)
	host_up A
	host_up B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop

	# The data: exact and complete in both directions.
	assert_xfer_ok "$size" "$size"

	# The wire: TCP-ENO in the SYN and in the SYN-ACK, no cleartext, and the
	# capture did see the transfer (so "no canary" means something).
	[ "$(cap_eno syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN"
	[ "$(cap_eno synack_eno)" -ge 1 ] || fail "no kind 69 in the SYN-ACK"
	[ "$(cap_eno payload_bytes)" -ge $((2 * size)) ] ||
		fail "capture holds only $(cap_eno payload_bytes) payload bytes"
	[ "$(cap_grep "$CANARY")" -eq 0 ] || fail "cleartext canary on the wire"

	# The applications see the real addresses, not tcpincd's loopback.
	[ "$(xfer_field cli peer)" = "$ADDR_B:$PORT" ] || fail "client peer"
	[ "$(xfer_field cli local | sed 's/:[0-9]*$//')" = "$ADDR_A" ] ||
		fail "client local $(xfer_field cli local)"
	[ "$(xfer_field srv peer | sed 's/:[0-9]*$//')" = "$ADDR_A" ] ||
		fail "server peer $(xfer_field srv peer)"
	[ "$(xfer_field srv local)" = "$ADDR_B:$PORT" ] || fail "server local"

	# tcpinc show on both hosts, taken while the connection was open.
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	for row in "$a" "$b"; do
		[ "$(field "$row" state)" = encrypted ] || fail "state: $row"
		[ "$(field "$row" tep)" = 0x23 ] || fail "tep: $row"
		[ "$(field "$row" aead)" = 0x0001 ] || fail "aead: $row"
	done
	[ "$(field "$a" role)" = A ] || fail "client side is not host A: $a"
	[ "$(field "$b" role)" = B ] || fail "server side is not host B: $b"
	sid=$(field "$a" session_id)
	[[ $sid =~ ^23[0-9a-f]{64}$ ]] || fail "session_id '$sid'"
	[ "$(field "$b" session_id)" = "$sid" ] || fail "session ids differ"
	[ "$(field "$a" local)" = "$(xfer_field cli local)" ] ||
		fail "A's row local is not what the client sees"
	[ "$(field "$b" remote)" = "$(xfer_field srv peer)" ] ||
		fail "B's row remote is not what the server sees"
	[ "$(field "$a" bytes_out)" -ge "$size" ] || fail "A bytes_out: $a"
	[ "$(field "$a" bytes_in)" -ge "$size" ] || fail "A bytes_in: $a"
	[ "$(field "$b" bytes_out)" -ge "$size" ] || fail "B bytes_out: $b"
	[ "$(field "$b" bytes_in)" -ge "$size" ] || fail "B bytes_in: $b"

	[ "$(counter A negotiated)" -ge 1 ] || fail "A negotiated counter"
	[ "$(counter B negotiated)" -ge 1 ] || fail "B negotiated counter"

	# Transparency end to end: the client's own address is the server's peer.
	[ "$(xfer_field cli local)" = "$(xfer_field srv peer)" ] ||
		fail "client local $(xfer_field cli local) != server peer $(xfer_field srv peer)"
}
