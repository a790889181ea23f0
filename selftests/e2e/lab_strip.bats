#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Middleboxes that strip TCP-ENO (RFC 8547 §1.15 of the digest): A -- R -- B,
# with `tcpinc-lab eno` at tc ingress of both of R's interfaces overwriting
# kind 69 with NOPs (lengths and checksums kept valid).
#
#   strip from the SYN or from the SYN-ACK: a tolerated downgrade, plain TCP
#   on both ends with the matching fallback reasons, data intact;
#   strip from the third ACK only, or from every non-SYN segment: the RFC's
#   harmful case. A has enabled encryption and sends Init1; B has disabled
#   it. Required: the connection aborts on B (abort_eno_mismatch) and the
#   server application never receives a byte of Init1 (xfer.py would exit 2,
#   or 0 with an Init1 prefix counted as data).
#
# Each test checks the applications (xfer.py), the wire on both sides of R
# (pcap.py), tcpinc's verdict (show -j, stats -j) and the middlebox's own
# counters, so that a middlebox that did nothing fails the test.

load lib

setup() { router_setup; }
teardown() { router_teardown; }

INIT1_MAGIC=$'\x15\x10\x1a\x0e'

# plain_case MODE ADDR: a transfer to B at ADDR through box MODE;
# checks the data, the box's counters and plain TCP on the wire.
plain_case() {
	local size
	size=$(mib 4)
	host_up A
	host_up B
	enobox_start "$1"
	lab_cap_start
	xfer_run tcpinc tcpinc "$2" "$size" "$size" A B
	lab_cap_stop
	lab_stop box

	assert_xfer_ok "$size" "$size"
	[ "$(lab_count box changed)" -ge 1 ] || fail "the middlebox changed nothing"
	[ "$(lab_count box errors)" -eq 0 ] || fail "middlebox errors"
	# Plain TCP: the canary crosses both links; nothing encrypted.
	[ "$(cap_grep_on A "$CANARY")" -gt 0 ] || fail "no plaintext on A's link"
	[ "$(cap_grep_on B "$CANARY")" -gt 0 ] || fail "no plaintext on B's link"
	[ "$(counter A negotiated)" -eq 0 ] || fail "A counted negotiated"
	[ "$(counter B negotiated)" -eq 0 ] || fail "B counted negotiated"
}

@test "lab: ENO stripped from the SYN: plain both ends (B syn_no_eno, A synack_no_eno)" {
	plain_case strip-syn "$ADDR_B"

	# A's SYN left A with kind 69 and reached B without it; B answered
	# without ENO; A then sent no ENO either.
	[ "$(cap_eno_on A syn_eno)" -ge 1 ] || fail "A's SYN carried no kind 69"
	[ "$(cap_eno_on B syn)" -ge 1 ] || fail "no SYN on B's link"
	[ "$(cap_eno_on B syn_eno)" -eq 0 ] || fail "kind 69 reached B in a SYN"
	[ "$(cap_eno_on B synack_eno)" -eq 0 ] || fail "B answered with kind 69"
	[ "$(cap_eno_on A synack_eno)" -eq 0 ] || fail "kind 69 in A's SYN-ACK"
	[ "$(cap_eno_on A other_eno)" -eq 0 ] || fail "A kept sending kind 69"

	assert_conn A remote "$ADDR_B:$PORT" plain synack_no_eno
	assert_conn B local "$ADDR_B:$PORT" plain syn_no_eno
	[ "$(counter A fallback_synack_no_eno)" -ge 1 ] || fail "A counter"
	[ "$(counter B fallback_syn_no_eno)" -ge 1 ] || fail "B counter"
}

@test "lab: ENO stripped from the SYN over IPv6: plain both ends" {
	plain_case strip-syn "$ADDR6_B"

	[ "$(cap_eno_on A syn_eno)" -ge 1 ] || fail "A's SYN carried no kind 69"
	[ "$(cap_eno_on B syn)" -ge 1 ] || fail "no SYN on B's link"
	[ "$(cap_eno_on B syn_eno)" -eq 0 ] || fail "kind 69 reached B in a SYN"
	[ "$(cap_eno_on B synack_eno)" -eq 0 ] || fail "B answered with kind 69"

	assert_conn A remote "[$ADDR6_B]:$PORT" plain synack_no_eno
	assert_conn B local "[$ADDR6_B]:$PORT" plain syn_no_eno
	[ "$(counter A fallback_synack_no_eno)" -ge 1 ] || fail "A counter"
	[ "$(counter B fallback_syn_no_eno)" -ge 1 ] || fail "B counter"
}

@test "lab: ENO stripped from the SYN-ACK: plain both ends (A synack_no_eno, B ack_no_eno)" {
	plain_case strip-synack "$ADDR_B"

	# B saw ENO and answered with it; A never saw the answer, so its
	# third segment (and everything after) carried no ENO.
	[ "$(cap_eno_on B syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN at B"
	[ "$(cap_eno_on B synack_eno)" -ge 1 ] || fail "B's SYN-ACK had no kind 69"
	[ "$(cap_eno_on A synack)" -ge 1 ] || fail "no SYN-ACK on A's link"
	[ "$(cap_eno_on A synack_eno)" -eq 0 ] || fail "kind 69 reached A in the SYN-ACK"
	[ "$(cap_eno_on A other_eno)" -eq 0 ] || fail "A sent kind 69 after the SYN"

	assert_conn A remote "$ADDR_B:$PORT" plain synack_no_eno
	assert_conn B local "$ADDR_B:$PORT" plain ack_no_eno
	[ "$(counter A fallback_synack_no_eno)" -ge 1 ] || fail "A counter"
	[ "$(counter B fallback_ack_no_eno)" -ge 1 ] || fail "B counter"
}

# pcap_addr ADDR: an address as pcap.py dump prints it (IPv6: 32 hex digits).
pcap_addr() {
	python3 -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
print(a if a.version == 4 else a.packed.hex())' "$1"
}

# harmful_case MODE [ADDR_A ADDR_B]: A enables encryption, B disables it; the
# connection must abort without the server application receiving Init1.
harmful_case() {
	local size opts src dst
	src=$(pcap_addr "${2:-$ADDR_A}")
	dst=${3:-$ADDR_B}
	size=$(mib 1)
	host_up A
	host_up B
	enobox_start "$1"
	lab_cap_start
	_start_app srv B tcpinc python3 "$XFER" server --bind "$dst" "$PORT" \
		--send-bytes "$size" --expect-bytes "$size" --seed 7 --timeout 20
	wait_listen B "$PORT"
	_start_app cli A tcpinc python3 "$XFER" client --connect "$dst" "$PORT" \
		--send-bytes "$size" --expect-bytes "$size" --seed 7 --timeout 20
	bg_wait srv
	bg_wait cli
	log "server: $(tail -n 1 "$T/srv.out")"
	log "client: $(tail -n 1 "$T/cli.out")"
	lab_cap_stop
	lab_stop box
	log "stats A: $(tcpinc_on A stats -j)"
	log "stats B: $(tcpinc_on B stats -j)"

	# The server application: an error or a short read, never data that
	# differs (2), never a clean transfer (0); nothing of Init1.
	[ "${BG_RC[srv]}" -ne 2 ] || fail "the server received Init1 bytes as data"
	[ "${BG_RC[srv]}" -ne 0 ] || fail "the server saw a clean transfer"
	case ${BG_RC[srv]} in
	1 | 3 | 4) ;;
	*) fail "server exit ${BG_RC[srv]}, want 3 (or 1/4)" ;;
	esac
	if [ "${BG_RC[srv]}" -ne 1 ]; then
		[ "$(xfer_field srv received)" -eq 0 ] ||
			fail "the server received $(xfer_field srv received) bytes"
	fi
	[ "${BG_RC[cli]}" -ne 2 ] || fail "the client received altered data"
	[ "${BG_RC[cli]}" -ne 0 ] || fail "the client saw a clean transfer"
	[ "$(counter B abort_eno_mismatch)" -ge 1 ] || fail "abort_eno_mismatch on B"
	[ "$(counter B negotiated)" -eq 0 ] || fail "B counted negotiated"

	# The middlebox acted: the handshake kept ENO, A's third segment lost it.
	[ "$(lab_count box changed)" -ge 1 ] || fail "the middlebox changed nothing"
	[ "$(lab_count box errors)" -eq 0 ] || fail "middlebox errors"
	[ "$(cap_eno_on B syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN at B"
	[ "$(cap_eno_on A synack_eno)" -ge 1 ] || fail "no kind 69 in the SYN-ACK at A"
	opts=$(cap_first_ack_opts A "$src") || fail "no third segment on A's link"
	[[ $opts == *"69:"* ]] || fail "A's third segment had no kind 69: $opts"
	opts=$(cap_first_ack_opts B "$src") || fail "no third segment on B's link"
	[[ $opts != *"69:"* ]] || fail "kind 69 reached B in the third segment: $opts"
	# A really sent Init1 towards B, so B had Init bytes to mishandle.
	[ "$(cap_grep_on B "$INIT1_MAGIC")" -gt 0 ] || fail "no Init1 reached B"
	[ "$(cap_grep_on A "$CANARY")" -eq 0 ] || fail "plaintext on A's link"

	# Both ends agree that the connection failed: A counted an abort too.
	[ "$(aborts A)" -ge 1 ] || fail "A counted no abort"
}

# aborts HOST: the sum of HOST's abort_* counters.
aborts() {
	tcpinc_on "$1" stats -j |
		jq -er '[.counters | to_entries[] | select(.key | startswith("abort_")) | .value] | add'
}

@test "lab: ENO stripped from the third ACK only: abort on B, no Init1 to the server" {
	harmful_case strip-ack3
	# Only that one segment was changed.
	[ "$(lab_count box changed)" -eq 1 ] || fail "changed $(lab_count box changed)"
}

@test "lab: ENO stripped from the third ACK only, over IPv6: abort on B, no Init1 to the server" {
	harmful_case strip-ack3 "$ADDR6_A" "$ADDR6_B"
	[ "$(lab_count box changed)" -eq 1 ] || fail "changed $(lab_count box changed)"
}

@test "lab: ENO stripped from every non-SYN segment: abort on B, no Init1 to the server" {
	harmful_case strip-nonsyn
	# No kind 69 reached B after the handshake.
	[ "$(cap_eno_on B other_eno)" -eq 0 ] || fail "kind 69 on B's link after the SYNs"
}
