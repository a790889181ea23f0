#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A middlebox ends the TCP stream mid-transfer (tcpinc-lab finrst on A's
# veth): it sets FIN, or RST, on one data segment towards B. RFC 8548: only a
# FINp frame ends a tcpcrypt stream, so under tcpinc the receiving
# application must get an error (xfer.py exit 3), never EOF (0, or 4 for an
# early one) and never altered bytes (2); B counts abort_fin_without_finp or
# abort_peer_reset. The control tests show what plain TCP makes of the same
# injection (an early EOF for the FIN), so these tests can fail.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

# start_box MODE: the middlebox on A's egress, towards B's PORT.
start_box() {
	bg_start box A "$TCPINC_LAB" finrst --dev "$IFACE" --dport "$PORT" \
		--mode "$1" --nth 10
	wait_until 10 grep -qx ready "$T/box.out" ||
		fail "middlebox not ready: $(cat "$T/box.err")"
}

# send_4mib MODE_A MODE_B: client on A sends 4 MiB to the server on B; the
# middlebox must have acted exactly once.
send_4mib() {
	_start_app srv B "$2" python3 "$XFER" server --bind "$ADDR_B" "$PORT" \
		--expect-bytes "$(mib 4)" --timeout 30 --seed 5
	wait_listen B "$PORT"
	_start_app cli A "$1" python3 "$XFER" client --connect "$ADDR_B" "$PORT" \
		--send-bytes "$(mib 4)" --timeout 30 --seed 5
	bg_wait srv
	bg_wait cli
	log "server: $(tail -n 1 "$T/srv.out")"
	log "client: $(tail -n 1 "$T/cli.out")"
	bg_stop box TERM
	log "middlebox: $(tr '\n' ' ' <"$T/box.out")"
	[ "${BG_RC[box]}" -eq 0 ] || fail "tcpinc-lab exit ${BG_RC[box]}"
	grep -q ' injected=1 ' "$T/box.out" || fail "nothing was injected"
	grep -q ' csum_errors=0$' "$T/box.out" || fail "checksum not patched"
}

# assert_error: the server got an error, not an end of stream nor bad data.
assert_error() {
	[ "${BG_RC[srv]}" -ne 2 ] || fail "the server received altered data"
	[ "${BG_RC[srv]}" -ne 0 ] || fail "the server saw a clean end"
	[ "${BG_RC[srv]}" -ne 4 ] || fail "the server saw an (early) EOF"
	[ "${BG_RC[srv]}" -eq 3 ] || fail "server exit ${BG_RC[srv]}, want 3 (error)"
	[ "$(xfer_field srv result)" = error ] || fail "server result"
}

@test "an injected FIN is an early EOF on plain TCP (control)" {
	start_box fin
	send_4mib plain plain
	[ "${BG_RC[srv]}" -eq 4 ] || fail "server exit ${BG_RC[srv]}, want 4 (early EOF)"
}

@test "an injected RST resets plain TCP (control)" {
	start_box rst
	send_4mib plain plain
	[ "${BG_RC[srv]}" -eq 3 ] || fail "server exit ${BG_RC[srv]}, want 3 (reset)"
	[ "$(xfer_field srv result)" = error ] || fail "server result"
}

@test "a bare TCP FIN aborts the encrypted connection (abort_fin_without_finp)" {
	host_up A
	host_up B
	start_box fin
	send_4mib tcpinc tcpinc
	assert_error
	[ "$(counter B abort_fin_without_finp)" -ge 1 ] ||
		fail "abort_fin_without_finp not counted on B"
}

@test "an RST aborts the encrypted connection (abort_peer_reset)" {
	host_up A
	host_up B
	start_box rst
	send_4mib tcpinc tcpinc
	assert_error
	[ "$(counter B abort_peer_reset)" -ge 1 ] ||
		fail "abort_peer_reset not counted on B"
}
