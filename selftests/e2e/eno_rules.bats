#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# RFC 8547 rules for a SYN-form option received by tcpinc as passive opener,
# on real packets: rawsyn.py on A sends a hand-made SYN to a service under
# `tcpinc run` on B and reports the SYN-ACK's kind-69 option bytes; it then
# completes the handshake so that B's decision shows in its counters. Also
# SYN data (never acknowledged) and the stripped-third-ACK case.

load lib

RAWSYN=$E2E_REPO/selftests/tools/rawsyn.py
SINK_PORT_FILE=

setup() { hosts_setup; }
teardown() { hosts_teardown; }

# sink HOST MODE ADDR: a service on ADDR:PORT that appends what each
# connection sends to $T/sink.data (MODE as for xfer_run: tcpinc, plain).
sink() {
	: >"$T/sink.data"
	_start_app sink "$1" "$2" python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, int(sys.argv[2])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.settimeout(10)
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            with open(sys.argv[3], "ab") as f:
                f.write(d)
    except OSError:
        pass
    c.close()
' "$3" "$PORT" "$T/sink.data"
	wait_listen "$1" "$PORT"
}

# tcpinc on B with a sink under it, RST filter on A. Extra args: tcpincd's.
rules_setup() {
	local addr=$1
	shift
	tcpinc_on B up -- "$@" || fail "tcpinc up on B failed"
	rst_filter_A
	sink B tcpinc "$addr"
}

# rawsyn SRC DST ARGS...: run rawsyn.py on A; its JSON in RS.
rawsyn() {
	local src=$1 dst=$2
	shift 2
	RS=$(on A python3 "$RAWSYN" --src "$src" --dst "$dst" --dport "$PORT" \
		--hold 0.3 "$@") || fail "rawsyn $*: $RS"
	log "rawsyn $*: $RS"
}

rs() { echo "$RS" | jq -c --arg f "$1" '.[$f]'; }

_counter_gt() { [ "$(counter "$1" "$2")" -gt "$3" ]; }

# syn_case SRC DST OPTS WANT_ENO COUNTER: a SYN with TCP options OPTS gets
# a SYN-ACK whose kind-69 options are WANT_ENO (JSON list of hex); the
# handshake then completes (ACK with `45 02` when B answered with a TEP,
# without ENO otherwise) and B counts COUNTER once. eno_synack_sent counts
# exactly the answers that carry ENO.
syn_case() {
	local src=$1 dst=$2 opts=$3 want=$4 ctr=$5 before sent ack_opts=
	before=$(counter B "$ctr")
	sent=$(counter B eno_synack_sent)
	[ "$ctr" = negotiated ] && ack_opts=4502
	rawsyn "$src" "$dst" --opts "$opts" --ack --ack-opts "$ack_opts"
	[ "$(rs eno)" = "$want" ] ||
		fail "SYN with $opts: SYN-ACK ENO $(rs eno), want $want"
	[ "$(rs ack_off)" -eq 1 ] || fail "SYN-ACK acks $(rs ack_off)"
	wait_until 5 _counter_gt B "$ctr" "$before" ||
		fail "B's counter $ctr stays at $before after $opts"
	[ "$(counter B "$ctr")" -eq $((before + 1)) ] ||
		fail "B's counter $ctr moved by more than one"
	if [ "$want" = "[]" ]; then
		[ "$(counter B eno_synack_sent)" -eq "$sent" ] ||
			fail "eno_synack_sent counted an answer without ENO"
	else
		[ "$(counter B eno_synack_sent)" -eq $((sent + 1)) ] ||
			fail "eno_synack_sent did not count the answer"
	fi
}

# Kernel MSS option in front, as a real SYN would have.
MSS=020405b4

@test "ENO rules: several TEPs, length bytes, data to the end: B answers 45 04 01 23" {
	rules_setup "$ADDR_B"
	# several TEPs, B picks the one it has
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45052123 24" '["45040123"]' negotiated
	# a length byte with one data byte for a v=1 TEP (tcpcrypt: < 9
	# bytes means v=0), then another TEP
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45072180 a3aa24" '["45040123"]' negotiated
	# a v=1 TEP without length byte: its data runs to the option's end
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 450621a3 0102" '["45040123"]' negotiated
	# a TEP we do not have, only: vacuous answer
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45042124" '["450301"]' fallback_no_common_tep
	[ "$(counter B bpf_errors)" -eq 0 ] || fail "bpf_errors"
}

@test "ENO rules: ill-formed length bytes: no ENO in the SYN-ACK, syn_malformed" {
	rules_setup "$ADDR_B"
	# length byte says 6 data bytes, none follow (overrun)
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45052385 a3" '[]' fallback_syn_malformed
	# length byte followed by a byte below 0xa0
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45068123 0000" '[]' fallback_syn_malformed
	# length byte last
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45042380" '[]' fallback_syn_malformed
}

@test "ENO rules: two ENO options in one SYN: treated as none, syn_multiple" {
	rules_setup "$ADDR_B"
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 450323 450323" '[]' fallback_syn_multiple
}

@test "ENO rules: vacuous option from A: vacuous answer 45 03 01" {
	rules_setup "$ADDR_B"
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 4502" '["450301"]' fallback_vacuous
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 450300" '["450301"]' fallback_vacuous
}

@test "ENO rules: b=1 from an active opener: vacuous answer, role_conflict" {
	rules_setup "$ADDR_B"
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45040123" '["450301"]' fallback_role_conflict
}

@test "ENO rules: reserved global bits ignored, a bit carried" {
	rules_setup "$ADDR_B"
	# z1 z2 z3 set: ignored
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45041c23" '["45040123"]' negotiated
	# a=1 from A does not change B's answer (B's a=0) ...
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45040223" '["45040123"]' negotiated
	# ... the global suboption counts once: the second (b=1) is ignored
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 4505020123" '["45040123"]' negotiated
}

@test "ENO rules: B with --eno-aa answers a=1" {
	rules_setup "$ADDR_B" --eno-aa
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 45040223" '["45040323"]' negotiated
	syn_case "$ADDR_A" "$ADDR_B" "$MSS 450323" '["45040323"]' negotiated
}

@test "ENO rules over IPv6: several TEPs, ill-formed, two options, vacuous" {
	rules_setup "$ADDR6_B"
	syn_case "$ADDR6_A" "$ADDR6_B" "$MSS 45052123 24" '["45040123"]' negotiated
	syn_case "$ADDR6_A" "$ADDR6_B" "$MSS 45052385 a3" '[]' fallback_syn_malformed
	syn_case "$ADDR6_A" "$ADDR6_B" "$MSS 450323 450323" '[]' fallback_syn_multiple
	syn_case "$ADDR6_A" "$ADDR6_B" "$MSS 4502" '["450301"]' fallback_vacuous
	syn_case "$ADDR6_A" "$ADDR6_B" "$MSS 45040123" '["450301"]' fallback_role_conflict
}

# SYN data on a SYN carrying ENO: tcpcrypt defines none, so it is discarded
# and never acknowledged (RFC 8547 §4.7), with or without ENO on the host.
# tcpincd never sends any (it does not use TCP Fast Open).
syn_data_case() {
	local src=$1 dst=$2
	rawsyn "$src" "$dst" --opts "$MSS 450323" --payload 53594e2d44415441 \
		--ack --data 6869 --hold 1
	[ "$(rs ack_off)" -eq 1 ] || fail "SYN-ACK acknowledges $(rs ack_off) (SYN data taken)"
	[ "$(rs acked)" -eq 3 ] || fail "after 'hi', acked $(rs acked), want 3"
	wait_until 5 grep -q hi "$T/sink.data" || fail "the data after the handshake did not arrive"
	[ "$(cat "$T/sink.data")" = hi ] || fail "service got '$(cat "$T/sink.data")'"
}

@test "ENO rules: SYN data on SYN+ENO is never acknowledged (tcpinc host, plain host)" {
	local before
	[ "$(on B sysctl -n net.ipv4.tcp_fastopen)" -eq 1 ] ||
		skip "TCP Fast Open server enabled by sysctl: not the default"
	rules_setup "$ADDR_B"
	before=$(counter B fallback_ack_no_eno)
	# completed without ENO on the ACK: plain, data relayed
	syn_data_case "$ADDR_A" "$ADDR_B"
	[ "$(counter B fallback_ack_no_eno)" -eq $((before + 1)) ] || fail "B's reason"

	# the same against a host without tcpinc
	tcpinc_on B down
	bg_stop sink
	sink B plain "$ADDR_B"
	syn_data_case "$ADDR_A" "$ADDR_B"
	[ "$(rs eno)" = "[]" ] || fail "a host without tcpinc answered ENO"
}

# A middlebox strips ENO from A's third ACK only (RFC 8547 §8, harmful): B
# falls back, A encrypts. B's ENO program keeps watching A's segments and
# flags the first that carries ENO; tcpincd then aborts (eno_mismatch)
# instead of relaying A's bytes to the service.
@test "ENO rules: stripped third ACK, ENO on A's data: B flags it and aborts" {
	rules_setup "$ADDR_B"
	rawsyn "$ADDR_A" "$ADDR_B" --opts "$MSS 450323" --ack --ack-opts "" \
		--data 0102030405 --data-opts 4502 --hold 2
	[ "$(rs eno)" = '["45040123"]' ] || fail "answer"
	[ "$(rs rst)" = true ] || fail "B did not reset the connection"
	[ "$(counter B fallback_ack_no_eno)" -eq 1 ] || fail "ack_no_eno"
	[ "$(counter B eno_late)" -eq 1 ] || fail "eno_late not counted"
	[ "$(counter B abort_eno_mismatch)" -eq 1 ] || fail "no eno_mismatch abort"
	[ ! -s "$T/sink.data" ] || fail "A's bytes reached the service: $(od -An -tx1 "$T/sink.data")"
}

@test "ENO rules: ACK and data without ENO after our answer: plain, nothing flagged" {
	rules_setup "$ADDR_B"
	rawsyn "$ADDR_A" "$ADDR_B" --opts "$MSS 450323" --ack --ack-opts "" \
		--data 68656c6c6f --hold 1
	[ "$(rs rst)" = false ] || fail "B reset a plain connection"
	[ "$(rs acked)" -eq 6 ] || fail "data not acknowledged"
	wait_until 5 grep -q hello "$T/sink.data" || fail "data not relayed"
	[ "$(counter B fallback_ack_no_eno)" -eq 1 ] || fail "ack_no_eno"
	[ "$(counter B eno_late)" -eq 0 ] || fail "eno_late counted"
	[ "$(counter B abort_eno_mismatch)" -eq 0 ] || fail "aborted"
}
