#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The application-aware bit (RFC 8547 §4.5): tcpincd --eno-aa sends a=1 in
# its global suboption, --eno-aa-mandatory (which implies it) disables ENO
# unless the peer sent a=1 too.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

# cap_opts SYN|SYNACK: the distinct kind-69 options of that kind of segment.
cap_opts() {
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -r '.eno_options[]' | awk -v k="$1" '$1 == k { print $2 }' |
		sort -u | tr '\n' ' ' | sed 's/ $//'
}

# The option bytes below name TEP 0x23 alone: no 0x20 beside it where the
# kernel has kernel TLS (the a bit does not depend on the TEP).
up_with() {
	local h=$1
	shift
	tcpinc_on "$h" up -- --no-ktls "$@" ||
		fail "tcpinc up -- --no-ktls $* on $h failed"
}

@test "aa: A mandatory, B without a=1: plain (A aa_mandatory, B ack_no_eno)" {
	local size a b
	size=$(mib 1)
	up_with A --eno-aa-mandatory
	up_with B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	[ "$(cap_opts SYN)" = 45040223 ] || fail "A's SYN: $(cap_opts SYN)"
	[ "$(cap_opts SYNACK)" = 45040123 ] || fail "B's SYN-ACK: $(cap_opts SYNACK)"
	[ "$(cap_eno other_eno)" -eq 0 ] || fail "A kept sending ENO after disabling"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = plain ] || fail "A: $a"
	[ "$(field "$a" reason)" = aa_mandatory ] || fail "A: $a"
	[ "$(field "$b" state)" = plain ] || fail "B: $b"
	[ "$(field "$b" reason)" = ack_no_eno ] || fail "B: $b"
	[ "$(counter A fallback_aa_mandatory)" -eq 1 ] || fail "A's counter"
	[ "$(counter B eno_late)" -eq 0 ] || fail "B saw late ENO"
}

@test "aa: B mandatory, A without a=1: vacuous a=1 answer, plain (B aa_mandatory, A vacuous)" {
	local size a b
	size=$(mib 1)
	up_with A
	up_with B --eno-aa-mandatory
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	[ "$(cap_opts SYN)" = 450323 ] || fail "A's SYN: $(cap_opts SYN)"
	[ "$(cap_opts SYNACK)" = 450303 ] || fail "B's SYN-ACK: $(cap_opts SYNACK)"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" reason)" = vacuous ] || fail "A: $a"
	[ "$(field "$b" reason)" = aa_mandatory ] || fail "B: $b"
	[ "$(counter B fallback_aa_mandatory)" -eq 1 ] || fail "B's counter"
}

aa_both() {
	local mode=$1 size a b
	size=$(mib 1)
	up_with A "$mode"
	up_with B "$mode"
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	[ "$(cap_opts SYN)" = 45040223 ] || fail "A's SYN: $(cap_opts SYN)"
	[ "$(cap_opts SYNACK)" = 45040323 ] || fail "B's SYN-ACK: $(cap_opts SYNACK)"
	[ "$(cap_grep "$CANARY")" -eq 0 ] || fail "cleartext on the wire"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = encrypted ] || fail "A: $a"
	[ "$(field "$b" state)" = encrypted ] || fail "B: $b"
}

@test "aa: both --eno-aa: encrypted with a=1 both ways" {
	aa_both --eno-aa
}

@test "aa: both --eno-aa-mandatory: encrypted with a=1 both ways" {
	aa_both --eno-aa-mandatory
}
