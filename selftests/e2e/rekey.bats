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
