#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Every tcpcrypt TEP (0x21 P-256, 0x22 P-521, 0x23 X25519, 0x24 X448) with
# every AEAD (0x0001 AES-128-GCM, 0x0002 AES-256-GCM, 0x0010
# ChaCha20-Poly1305), chosen per host with tcpincd --eno-teps, --aeads and
# --aead-prefs: a short transfer each way, intact, and both hosts' `tcpinc
# show -j` naming that TEP and AEAD with the same session ID. Then B's TEP
# preference against A's offer, and an AEAD offer B does not accept.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

SIZE=$((200 * 1024))
AEADS="0x0001 0x0002 0x0010"

# SYN-form ENO options of one kind (SYN, SYNACK) in the capture, hex.
cap_list() {
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -r '.eno_options[]' | awk -v k="$1" '$1 == k { print $2 }'
}

# up_on HOST TEPS AEADS PREFS: tcpinc up with that policy.
up_on() {
	tcpinc_on "$1" up -- --eno-teps "$2" --aeads "$3" --aead-prefs "$4" ||
		fail "tcpinc up on $1 ($2 $3 $4)"
}

# down_both: both daemons stopped; the next transfer uses the next port
# (the last one's server side may sit in TIME_WAIT).
down_both() {
	tcpinc_on A down || fail "tcpinc down on A"
	tcpinc_on B down || fail "tcpinc down on B"
	PORT=$((PORT + 1))
}

# tep_with_all_aeads TEP: the three AEADs in turn under TEP, same hosts.
tep_with_all_aeads() {
	local tep=$1 aead
	for aead in $AEADS; do
		log "TEP $tep, AEAD $aead"
		up_on A "$tep" "$aead" "$aead"
		up_on B "$tep" "$aead" "$aead"
		xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
		assert_xfer_ok "$SIZE" "$SIZE"
		assert_encrypted "$tep" "$aead"
		down_both
	done
}

@test "TEP 0x21 (P-256) with each AEAD: data intact, show agrees" {
	tep_with_all_aeads 0x21
}

@test "TEP 0x22 (P-521) with each AEAD: data intact, show agrees" {
	tep_with_all_aeads 0x22
}

@test "TEP 0x23 (X25519) with each AEAD: data intact, show agrees" {
	tep_with_all_aeads 0x23
}

@test "TEP 0x24 (X448) with each AEAD: data intact, show agrees" {
	tep_with_all_aeads 0x24
}

@test "B's preference picks the TEP: A offers 0x21,0x23,0x24" {
	local a b
	# B prefers 0x24 most: 0x24, whatever A's order
	up_on A 0x21,0x23,0x24 0x0001,0x0010 0x0001
	up_on B 0x21,0x23,0x24 0x0002 0x0001,0x0010
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
	cap_stop
	assert_xfer_ok "$SIZE" "$SIZE"
	[ "$(cap_list SYN | sort -u)" = 4505212324 ] || fail "A's SYN option"
	[ "$(cap_list SYNACK | sort -u)" = 45040124 ] || fail "B's SYN-ACK option"
	# B's most preferred AEAD that A offered
	assert_encrypted 0x24 0x0010
	down_both

	# B prefers 0x21 most, then 0x24; 0x22 A did not offer
	up_on A 0x21,0x23,0x24 0x0010,0x0001 0x0001
	up_on B 0x22,0x24,0x21 0x0002 0x0010,0x0001
	xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
	assert_encrypted 0x21 0x0001
	down_both

	# nothing in common: B answers the vacuous `45 03 01`, plain TCP
	up_on A 0x21,0x23 0x0001 0x0001
	up_on B 0x22,0x24 0x0001 0x0001
	xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = plain ] || fail "A: $a"
	[ "$(field "$a" reason)" = vacuous ] || fail "A: $a"
	[ "$(field "$b" state)" = plain ] || fail "B: $b"
	[ "$(field "$b" reason)" = no_common_tep ] || fail "B: $b"
}

@test "no common AEAD: A offers 0x0001, B accepts only 0x0002 (abort_unknown_cipher)" {
	up_on A 0x23 0x0001 0x0001
	up_on B 0x23 0x0002 0x0002
	_start_app srv B tcpinc python3 "$XFER" server --bind "$ADDR_B" "$PORT" \
		--send-bytes "$SIZE" --expect-bytes "$SIZE" \
		--seed "$BATS_TEST_NUMBER" --timeout 20
	wait_listen B "$PORT"
	_start_app cli A tcpinc python3 "$XFER" client --connect "$ADDR_B" \
		"$PORT" --send-bytes "$SIZE" --expect-bytes "$SIZE" \
		--seed "$BATS_TEST_NUMBER" --timeout 20
	bg_wait cli
	log "client: $(tail -n 1 "$T/cli.out") $(tail -c 300 "$T/cli.err")"
	[ "${BG_RC[cli]}" -eq 3 ] || fail "client exit ${BG_RC[cli]}, want 3"
	[ "$(xfer_field cli result)" = error ] || fail "client result"
	[ "$(counter B abort_unknown_cipher)" -ge 1 ] ||
		fail "abort_unknown_cipher not counted on B"
	bg_stop srv
}

@test "tcpincd refuses TEPs it cannot run and unknown or repeated AEADs" {
	local d bad
	d=$(dirname "$TCPINC")
	for bad in "--eno-teps 0x30" "--eno-teps 0x23,0x25" \
		"--eno-teps 0x21,0x21" "--aeads 0x0003" \
		"--aead-prefs 0x0001,0x0001" "--aeads 0x0001,"; do
		# shellcheck disable=SC2086 # option and value
		run "$d/tcpincd" $bad --version
		[ "$status" -eq 2 ] || fail "$bad: exit $status ($output)"
	done
	run "$d/tcpincd" --eno-teps 0x24,0x21,0x22,0x23 --aeads 0x0010,0x0001 \
		--aead-prefs 0x0002 --version
	[ "$status" -eq 0 ] || fail "a valid policy refused: $output"
}
