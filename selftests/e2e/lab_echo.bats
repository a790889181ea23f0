#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# An echoing load balancer (RFC 8547 §1.15 of the digest): R remembers the
# ENO option of A's SYN and writes it over B's ENO option in the SYN-ACK.
# A then receives its own option back, b=0 on both sides: role negotiation
# fails, A falls back (role_conflict) and sends no ENO, B falls back
# (ack_no_eno); the connection works in plain TCP.

load lib

setup() { router_setup; }
teardown() { router_teardown; }

@test "lab: echoed ENO option in the SYN-ACK: plain both ends (A role_conflict, B ack_no_eno)" {
	local size syn synack_a synack_b
	size=$(mib 4)
	host_up A
	host_up B
	enobox_start echo
	lab_cap_start
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	lab_cap_stop
	lab_stop box

	assert_xfer_ok "$size" "$size"
	[ "$(lab_count box changed)" -ge 1 ] || fail "the middlebox changed nothing"
	[ "$(lab_count box nofit)" -eq 0 ] || fail "A's option did not fit over B's"
	[ "$(lab_count box errors)" -eq 0 ] || fail "middlebox errors"

	# The wire: B answered with its own option; A received its own.
	syn=$(cap_eno_on A eno_options | jq -r '.[]' | sed -n 's/^SYN //p' | head -n 1)
	synack_a=$(cap_eno_on A eno_options | jq -r '.[]' | sed -n 's/^SYNACK //p' | head -n 1)
	synack_b=$(cap_eno_on B eno_options | jq -r '.[]' | sed -n 's/^SYNACK //p' | head -n 1)
	log "A's SYN option $syn; SYN-ACK option at B $synack_b, at A $synack_a"
	[ -n "$syn" ] || fail "A's SYN carried no kind 69"
	[ -n "$synack_b" ] || fail "B's SYN-ACK carried no kind 69"
	[ "$synack_b" != "$syn" ] || fail "B itself echoed A's option"
	[ "$synack_a" = "$syn" ] || fail "A did not receive its own option back"
	[ "$(cap_eno_on A other_eno)" -eq 0 ] || fail "A sent kind 69 after the SYN"
	[ "$(cap_grep_on A "$CANARY")" -gt 0 ] || fail "no plaintext on A's link"
	[ "$(cap_grep_on B "$CANARY")" -gt 0 ] || fail "no plaintext on B's link"

	assert_conn A remote "$ADDR_B:$PORT" plain role_conflict
	assert_conn B local "$ADDR_B:$PORT" plain ack_no_eno
	[ "$(counter A fallback_role_conflict)" -ge 1 ] || fail "A counter"
	[ "$(counter B fallback_ack_no_eno)" -ge 1 ] || fail "B counter"
	[ "$(counter A negotiated)" -eq 0 ] || fail "A counted negotiated"
	[ "$(counter B negotiated)" -eq 0 ] || fail "B counted negotiated"
}
