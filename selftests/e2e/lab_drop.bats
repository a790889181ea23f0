#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A middlebox that drops every SYN carrying option 69. RFC 8547 lets the
# active opener drop ENO from a SYN retransmission to recover from this;
# tcpinc does so after 2 retransmissions (reason syn_retries). The
# connection then succeeds in plain TCP, a few seconds late.

load lib

setup() { router_setup; }
teardown() { router_teardown; }

# xfer_within SECS SIZE: xfer_run tcpinc tcpinc to ADDR_B with SIZE bytes each
# way, show saved on A and B, but failing unless the transfer is done within
# SECS seconds (xfer_run would wait 120 s for a connection that never comes).
xfer_within() {
	local secs=$1 size=$2 role
	rm -f "$T/release" "$T/srv.ready" "$T/cli.ready"
	_start_app srv B tcpinc python3 "$XFER" server --bind "$ADDR_B" "$PORT" \
		--send-bytes "$size" --expect-bytes "$size" --seed "$BATS_TEST_NUMBER" \
		--hold-until "$T/release" --ready-file "$T/srv.ready" --timeout 60
	wait_listen B "$PORT"
	_start_app cli A tcpinc python3 "$XFER" client --connect "$ADDR_B" "$PORT" \
		--send-bytes "$size" --expect-bytes "$size" --seed "$BATS_TEST_NUMBER" \
		--hold-until "$T/release" --ready-file "$T/cli.ready" --timeout 60
	for role in cli srv; do
		wait_ready "$role" "$T/$role.ready" "$secs" || return 1
	done
	save_show A
	save_show B
	touch "$T/release"
	bg_wait cli
	bg_wait srv
	log "client: $(tail -n 1 "$T/cli.out")"
	log "server: $(tail -n 1 "$T/srv.out")"
}

@test "lab: SYNs with ENO dropped: A retries without ENO, plain both ends (A syn_retries)" {
	local size start took
	size=$(mib 1)
	host_up A
	host_up B
	enobox_start drop-syn
	lab_cap_start
	start=$SECONDS
	xfer_within 20 "$size"
	took=$((SECONDS - start))
	lab_cap_stop
	lab_stop box
	log "transfer done after $took s"

	assert_xfer_ok "$size" "$size"
	[ "$(lab_count box dropped)" -ge 1 ] || fail "the middlebox dropped nothing"
	[ "$(lab_count box errors)" -eq 0 ] || fail "middlebox errors"
	[ "$took" -le 20 ] || fail "the connection took $took s"

	# A sent SYNs with ENO (dropped: none reached B), then one without.
	[ "$(cap_eno_on A syn_eno)" -ge 1 ] || fail "A's SYN carried no kind 69"
	[ "$(cap_eno_on A syn)" -gt "$(cap_eno_on A syn_eno)" ] ||
		fail "A never sent a SYN without kind 69"
	[ "$(cap_eno_on B syn_eno)" -eq 0 ] || fail "a SYN with kind 69 reached B"
	[ "$(cap_eno_on B syn)" -ge 1 ] || fail "no SYN reached B"
	[ "$(cap_eno_on B synack_eno)" -eq 0 ] || fail "B answered with kind 69"
	[ "$(cap_grep_on B "$CANARY")" -gt 0 ] || fail "no plaintext on B's link"

	assert_conn A remote "$ADDR_B:$PORT" plain syn_retries
	assert_conn B local "$ADDR_B:$PORT" plain syn_no_eno
	[ "$(counter A fallback_syn_retries)" -ge 1 ] || fail "A counter"
	[ "$(counter B fallback_syn_no_eno)" -ge 1 ] || fail "B counter"
}
