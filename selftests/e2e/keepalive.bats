#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Keep-alive (RFC 8548 §3.9): when an intercepted application turns
# SO_KEEPALIVE on, tcpincd checks the peer with tcpcrypt rekeys after
# TCP_KEEPIDLE seconds without a frame from it; the peer must answer each at
# once with a rekey frame of its own, and after TCP_KEEPCNT unanswered
# probes, TCP_KEEPINTVL seconds apart, the connection is aborted
# (abort_keepalive_timeout) and the application gets an error, never EOF.
# An empty rekey frame is a 20-byte TCP payload starting 01 00 11.
# Applications here use TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3.
# The daemons run with --no-ktls, so that a kernel with TLS negotiates
# frames too; TEP 0x20's keep-alive (the kernel's, on tcpincd's network
# socket) is in ktls.bats.

load lib

IDLE=4 # seconds each end stays idle before the transfer

setup() {
	frames_only
	hosts_setup
}
teardown() {
	# A stopped daemon could not go down.
	[ -z "${STOPPED:-}" ] || kill -CONT "$STOPPED" 2>/dev/null || true
	hosts_teardown
}

# idle_xfer MODE_B "CLIENT OPTS" "SERVER OPTS" [ADDR]: server on B (MODE_B)
# at ADDR (default ADDR_B), client on A under tcpinc; both stay idle IDLE s
# after connecting, then move 100 kB each way; waits for both.
idle_xfer() {
	local addr=${4:-$ADDR_B}
	# shellcheck disable=SC2086 # option lists
	_start_app srv B "$1" python3 "$XFER" server --bind "$addr" "$PORT" \
		--send-bytes 100000 --expect-bytes 100000 --seed 9 \
		--idle "$IDLE" --timeout 30 $3
	wait_listen B "$PORT"
	# shellcheck disable=SC2086
	_start_app cli A tcpinc python3 "$XFER" client --connect "$addr" "$PORT" \
		--send-bytes 100000 --expect-bytes 100000 --seed 9 \
		--idle "$IDLE" --timeout 30 $2
	bg_wait cli
	bg_wait srv
	log "client: $(tail -n 1 "$T/cli.out")"
	log "server: $(tail -n 1 "$T/srv.out")"
}

# rekeys DIR FIELD: from the capture, empty rekey frames sent to_port or
# from_port: frames, answered (followed by one the other way), max_wait.
rekeys() {
	[ -s "$T/rekeys.json" ] ||
		python3 "$PCAP" rekeys "$CAP_FILE" --port "$PORT" >"$T/rekeys.json" ||
		fail "pcap.py rekeys failed"
	jq -er --arg d "$1" --arg f "$2" '.[$d][$f]' "$T/rekeys.json"
}

_counter_ge() { [ "$(counter "$1" "$2")" -ge "$3" ]; }

# counter_ge HOST NAME N: the counter reaches N within 5 s (a connection's
# rekeys are counted when tcpincd closes it).
counter_ge() {
	wait_until 5 _counter_ge "$@" ||
		fail "$1 $2 = $(counter "$1" "$2"), want >= $3"
}

# probes_answered DIR: DIR (to_port: A's, from_port: B's) sent at least two
# probes, and the other end answered each within half a second (but maybe
# the last: when the idle time ends, the answer may share a segment with
# data).
probes_answered() {
	local n
	rekeys "$1" frames >/dev/null || return 1
	log "rekey frames: $(cat "$T/rekeys.json")"
	n=$(rekeys "$1" frames)
	[ "$n" -ge 2 ] || fail "$n rekey frames $1, want >= 2"
	[ "$(rekeys "$1" answered)" -ge $((n - 1)) ] ||
		fail "probes went unanswered"
	awk -v w="$(rekeys "$1" max_wait)" 'BEGIN { exit !(w < 0.5) }' ||
		fail "an answer took $(rekeys "$1" max_wait) s"
}

@test "keep-alive (set before connect) on an idle encrypted connection: B answers A's rekeys at once, data intact" {
	host_up A
	host_up B
	cap_start A
	idle_xfer tcpinc "--keepalive $KEEPALIVE --keepalive-early" ""
	cap_stop
	assert_xfer_ok 100000 100000
	probes_answered to_port
	counter_ge A rekeys 2
	counter_ge B rekeys 2
	[ "$(counter A abort_keepalive_timeout)" -eq 0 ] || fail "A aborted"
	[ "$(counter B abort_keepalive_timeout)" -eq 0 ] || fail "B aborted"
}

@test "keep-alive (set after connect) over IPv6: B answers A's rekeys at once" {
	host_up A
	host_up B
	cap_start A
	idle_xfer tcpinc "--keepalive $KEEPALIVE" "" "$ADDR6_B"
	cap_stop
	assert_xfer_ok 100000 100000
	probes_answered to_port
}

@test "no SO_KEEPALIVE: an idle encrypted connection sends no rekey frame" {
	host_up A
	host_up B
	cap_start A
	idle_xfer tcpinc "" ""
	cap_stop
	assert_xfer_ok 100000 100000
	log "rekey frames: $(rekeys to_port frames) to, $(rekeys from_port frames) from port $PORT"
	[ "$(rekeys to_port frames)" -eq 0 ] || fail "A sent rekey frames"
	[ "$(rekeys from_port frames)" -eq 0 ] || fail "B sent rekey frames"
	[ "$(counter A rekeys)" -eq 0 ] || fail "A rekeys $(counter A rekeys)"
	[ "$(counter B rekeys)" -eq 0 ] || fail "B rekeys $(counter B rekeys)"
}

@test "server keep-alive on the accepted socket: B probes, A answers" {
	host_up A
	host_up B
	cap_start A
	idle_xfer tcpinc "" "--keepalive $KEEPALIVE"
	cap_stop
	assert_xfer_ok 100000 100000
	probes_answered from_port
	counter_ge A rekeys 2
	counter_ge B rekeys 2
}

@test "server keep-alive inherited from the listening socket: B probes, A answers" {
	host_up A
	host_up B
	cap_start A
	idle_xfer tcpinc "" "--keepalive $KEEPALIVE --keepalive-early"
	cap_stop
	assert_xfer_ok 100000 100000
	probes_answered from_port
}

@test "silent peer (B drops everything): A aborts (keepalive_timeout), the client gets ECONNRESET" {
	host_up A
	host_up B
	silent_peer tcpinc encrypted drop
	[ "$(counter A abort_keepalive_timeout)" -eq 1 ] ||
		fail "A abort_keepalive_timeout $(counter A abort_keepalive_timeout)"
}

@test "B's tcpincd stopped (its kernel still ACKs): only the rekeys notice, A aborts" {
	host_up A
	host_up B
	silent_peer tcpinc encrypted stop
	[ "$(counter A abort_keepalive_timeout)" -eq 1 ] ||
		fail "A abort_keepalive_timeout $(counter A abort_keepalive_timeout)"
}

@test "plain fallback: keep-alive goes to tcpincd's network socket, the client gets ECONNRESET" {
	host_up A
	silent_peer plain plain drop
	# The kernel's keep-alive failed the network socket: a network error.
	[ "$(counter A abort_peer_reset)" -eq 1 ] ||
		fail "A abort_peer_reset $(counter A abort_peer_reset)"
	[ "$(counter A abort_keepalive_timeout)" -eq 0 ] ||
		fail "a plain connection counted keepalive_timeout"
}
