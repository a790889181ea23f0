#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A middlebox flips one bit of an encrypted segment (tcpinc-lab flip on A's
# veth, checksum kept valid). The receiving application must see an error,
# never the altered bytes (exit 2) and never a clean end (exit 0); B counts
# abort_bad_tag. The same flip on plain TCP makes xfer.py exit 2 (see
# "flipper changes bytes on plain TCP" below), so this test can fail.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

start_flipper() {
	bg_start flip A "$TCPINC_LAB" flip --dev "$IFACE" --dport "$PORT"
	wait_until 10 grep -qx ready "$T/flip.out" ||
		fail "flipper not ready: $(cat "$T/flip.err")"
}

# send_4mib MODE_A MODE_B: client on A sends 4 MiB to the server on B.
send_4mib() {
	_start_app srv B "$2" python3 "$XFER" server --bind "$ADDR_B" "$PORT" \
		--expect-bytes "$(mib 4)" --timeout 30 --seed 3
	wait_listen B "$PORT"
	_start_app cli A "$1" python3 "$XFER" client --connect "$ADDR_B" "$PORT" \
		--send-bytes "$(mib 4)" --timeout 30 --seed 3
	bg_wait srv
	bg_wait cli
	log "server: $(tail -n 1 "$T/srv.out")"
	log "client: $(tail -n 1 "$T/cli.out")"
	bg_stop flip TERM
	log "flipper: $(tr '\n' ' ' <"$T/flip.out")"
	[ "${BG_RC[flip]}" -eq 0 ] || fail "tcpinc-lab exit ${BG_RC[flip]}"
	grep -q ' flipped=1 ' "$T/flip.out" || fail "no segment was flipped"
}

@test "flipper changes bytes on plain TCP (control)" {
	start_flipper
	send_4mib plain plain
	[ "${BG_RC[srv]}" -eq 2 ] || fail "server exit ${BG_RC[srv]}, want 2"
	[ "$(xfer_field srv result)" = mismatch ] || fail "server result"
}

@test "a flipped bit aborts the encrypted connection (abort_bad_tag)" {
	host_up A
	host_up B
	start_flipper
	send_4mib tcpinc tcpinc
	[ "${BG_RC[srv]}" -ne 2 ] || fail "the server received altered data"
	[ "${BG_RC[srv]}" -ne 0 ] || fail "the server saw a clean end"
	[ "${BG_RC[srv]}" -eq 3 ] || fail "server exit ${BG_RC[srv]}, want 3 (error)"
	[ "$(xfer_field srv result)" = error ] || fail "server result"
	[ "$(counter B abort_bad_tag)" -ge 1 ] || fail "abort_bad_tag not counted"
}
