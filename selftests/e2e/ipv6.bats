#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The encrypted transfer over IPv6: data, ENO on the wire, no cleartext,
# and show -j with [addr]:port rows, encrypted, on both hosts.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "encrypted transfer over IPv6, 1 MiB each way" {
	local size a b tep
	size=$(mib 1)
	host_up A
	host_up B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR6_B" "$size" "$size" A B
	cap_stop

	assert_xfer_ok "$size" "$size"
	[ "$(cap_eno syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN"
	[ "$(cap_eno synack_eno)" -ge 1 ] || fail "no kind 69 in the SYN-ACK"
	[ "$(cap_eno payload_bytes)" -ge $((2 * size)) ] || fail "capture too small"
	[ "$(cap_grep "$CANARY")" -eq 0 ] || fail "cleartext canary on the wire"

	[ "$(xfer_field cli peer)" = "[$ADDR6_B]:$PORT" ] || fail "client peer"
	[[ $(xfer_field srv peer) == "[$ADDR6_A]:"* ]] || fail "server peer"
	a=$(conn_row A remote "[$ADDR6_B]:$PORT")
	b=$(conn_row B local "[$ADDR6_B]:$PORT")
	[ "$(field "$a" state)" = encrypted ] || fail "A: $a"
	[ "$(field "$b" state)" = encrypted ] || fail "B: $b"
	[ "$(field "$a" local)" = "$(xfer_field cli local)" ] || fail "A local: $a"
	[ "$(field "$b" remote)" = "$(xfer_field srv peer)" ] || fail "B remote: $b"
	[ "$(field "$a" session_id)" = "$(field "$b" session_id)" ] ||
		fail "session ids differ"
	# 0x23 frames, or 0x20 where the kernel has kernel TLS; the session ID
	# begins with the negotiated TEP's byte (RFC 8548)
	tep=$(field "$a" tep)
	[[ $tep =~ ^0x2[03]$ ]] || fail "tep '$tep'"
	[[ $(field "$a" session_id) =~ ^${tep#0x}[0-9a-f]{64}$ ]] || fail "session_id"
}
