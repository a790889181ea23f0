#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A forged resumption answer (RFC 8548 §3.5): A offers to resume, B agrees,
# and R inverts the first byte of B's identifier half in the SYN-ACK. The
# identifier no longer names A's secret, so A must ignore that suboption;
# it was B's only one, so A disables TCP-ENO entirely (resume_mismatch):
# no `45 02` after its SYN, no encryption. B, which agreed, then sees A's
# ACK without ENO and falls back too (ack_no_eno). The data gets through
# in plain TCP.

load lib

setup() { router_setup; }
teardown() { router_teardown; }

@test "lab: forged identifier in B's resumption answer: A disables ENO (resume_mismatch), plain both ends" {
	local size cga cgb
	size=$(mib 1)
	host_up A
	host_up B
	make_cgroup cli
	cga=$CG
	make_cgroup srv
	cgb=$CG
	tcpinc_on A attach --resume "$cga" || fail "attach A"
	tcpinc_on B attach --resume "$cgb" || fail "attach B"
	# a fresh connection leaves a secret on both hosts
	xfer_run "cgroup:$cga" "cgroup:$cgb" "$ADDR_B" "$size" "$size" A B
	assert_xfer_ok "$size" "$size"
	assert_conn A remote "$ADDR_B:$PORT" encrypted negotiated

	PORT=$((PORT + 1))
	enobox_start forge-id
	lab_cap_start
	xfer_run "cgroup:$cga" "cgroup:$cgb" "$ADDR_B" "$size" "$size" A B
	lab_cap_stop
	lab_stop box
	assert_xfer_ok "$size" "$size"
	[ "$(lab_count box changed)" -ge 1 ] || fail "the middlebox changed nothing"
	[ "$(lab_count box errors)" -eq 0 ] || fail "middlebox errors"
	assert_conn A remote "$ADDR_B:$PORT" plain resume_mismatch
	assert_conn B local "$ADDR_B:$PORT" plain ack_no_eno
	[ "$(counter A fallback_resume_mismatch)" -eq 1 ] || fail "A counter"
	[ "$(counter B resume_accepted)" -eq 1 ] || fail "B did not agree"
	[ "$(cap_eno_on A other_eno)" -eq 0 ] || fail "A sent kind 69 after its SYN"
	[ "$(cap_grep_on A "$CANARY")" -gt 0 ] || fail "no plaintext on A's link"
}
