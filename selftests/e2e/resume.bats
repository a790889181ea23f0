#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Session resumption (RFC 8548 §3.5) and the unlinkable default.
#
# Resumption is off unless the attachment asks for it (`tcpinc attach
# --resume`): by default every connection makes a fresh key exchange and
# no secret outlives it, so an initiator's connections are not linkable
# through tcpinc. With --resume on both services, the second connection
# between the two hosts resumes: TEP byte 0xa3 (v bit) on both ends, the
# same session ID, and no Init1/Init2 on the link.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

INIT1=hex:15101a0e
INIT2=hex:097105e0
SIZE=$((512 * 1024))

# attach_cg HOST NAME OPTS...: a fresh cgroup attached on HOST, path in CG.
attach_cg() {
	local h=$1 name=$2
	shift 2
	make_cgroup "$name"
	tcpinc_on "$h" attach "$@" "$CG" || fail "attach $* on $h"
}

# resume_setup: both daemons up, resumption on for A's client cgroup
# (CGA) and B's server cgroup (CGB).
resume_setup() {
	host_up A
	host_up B
	attach_cg A cli --resume
	CGA=$CG
	attach_cg B srv --resume
	CGB=$CG
}

# one_xfer: a transfer from CGA to CGB on PORT, checked; the next on PORT+1.
one_xfer() {
	xfer_run "cgroup:$CGA" "cgroup:$CGB" "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
}

# row_of HOST: the connection to B's PORT in HOST's saved show.
row_of() {
	if [ "$1" = A ]; then conn_row A remote "$ADDR_B:$PORT"; else conn_row B local "$ADDR_B:$PORT"; fi
}

# listener_cgb: a service in B's resuming cgroup listening on PORT.
listener_cgb() {
	_start_app sink B "cgroup:$CGB" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4); time.sleep(60)' "$ADDR_B" "$PORT"
	wait_listen B "$PORT"
}

# cache_n HOST DIRECTION: secrets HOST has cached in that direction.
cache_n() {
	tcpinc_on "$1" show -j | jq --arg d "$2" '[.resume_cache[] | select(.direction == $d)] | length'
}

@test "resumption: the second connection resumes (0xa3, same session ID, no Init on the link); a replay is answered fresh" {
	local a b sid syn
	resume_setup
	one_xfer
	a=$(row_of A)
	[ "$(field "$a" tep)" = 0x23 ] || fail "first connection not fresh: $a"
	[ "$(cache_n A out)" -eq 1 ] || fail "A cached no secret for B"
	[ "$(cache_n B in)" -eq 1 ] || fail "B cached no secret for A"

	PORT=$((PORT + 1))
	cap_start A tcp port "$PORT"
	one_xfer
	cap_stop
	a=$(row_of A)
	b=$(row_of B)
	for row in "$a" "$b"; do
		[ "$(field "$row" state)" = encrypted ] || fail "not encrypted: $row"
		[ "$(field "$row" tep)" = 0xa3 ] || fail "not resumed: $row"
	done
	sid=$(field "$a" session_id)
	[ "${sid:0:2}" = a3 ] || fail "session ID does not start with a3: $sid"
	[ "$sid" = "$(field "$b" session_id)" ] || fail "session IDs differ"
	[ "$(cap_grep "$INIT1")" -eq 0 ] || fail "Init1 on the link"
	[ "$(cap_grep "$INIT2")" -eq 0 ] || fail "Init2 on the link"
	# the SYN offered the resumption suboption, the SYN-ACK accepted it
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" >"$T/eno.json"
	log "eno: $(cat "$T/eno.json")"
	jq -e '.eno_options | map(select(startswith("SYN 4514a3"))) | length == 1' "$T/eno.json" >/dev/null ||
		fail "no SYN with 45 14 a3 <9-byte id> <8-byte nonce>"
	jq -e '.eno_options | map(select(startswith("SYNACK 451401a3"))) | length == 1' "$T/eno.json" >/dev/null ||
		fail "no SYN-ACK answering 45 14 01 a3 <id> <7-byte nonce: the room left>"
	[ "$(counter A resumed)" -eq 1 ] || fail "A resumed $(counter A resumed)"
	[ "$(counter B resumed)" -eq 1 ] || fail "B resumed $(counter B resumed)"
	[ "$(counter B resume_accepted)" -eq 1 ] || fail "B accepted $(counter B resume_accepted)"
	# the chain moved on: ss[2] cached on both, ss[1] spent
	[ "$(tcpinc_on A show -j | jq '.resume_cache[0].index')" -eq 2 ] ||
		fail "A's cached index is not 2"
	# a replay of A's resuming SYN names a spent secret: answered fresh
	syn=$(jq -r '.eno_options[] | select(startswith("SYN 4514a3")) | .[4:]' "$T/eno.json")
	PORT=$((PORT + 1))
	listener_cgb
	rst_filter_A
	RS=$(on A python3 "$E2E_REPO/selftests/tools/rawsyn.py" --src "$ADDR_A" \
		--dst "$ADDR_B" --dport "$PORT" --hold 0.3 --opts "$syn") ||
		fail "rawsyn: $RS"
	log "replayed $syn: $RS"
	echo "$RS" | jq -e '.eno == ["45040123"]' >/dev/null ||
		fail "a replayed identifier was not answered fresh: $RS"
	[ "$(counter B resume_accepted)" -eq 1 ] || fail "B accepted the replay"
}

@test "resumption: a third connection resumes again, and the control run sees Init" {
	resume_setup
	cap_start A tcp
	one_xfer
	PORT=$((PORT + 1))
	one_xfer
	PORT=$((PORT + 1))
	one_xfer
	cap_stop
	[ "$(field "$(row_of A)" tep)" = 0xa3 ] || fail "third not resumed"
	[ "$(counter A resumed)" -eq 2 ] || fail "A resumed $(counter A resumed)"
	# only the first connection exchanged Init messages
	[ "$(cap_grep "$INIT1")" -eq 1 ] || fail "Init1 count $(cap_grep "$INIT1")"
	[ "$(cap_grep "$INIT2")" -eq 1 ] || fail "Init2 count $(cap_grep "$INIT2")"
}

@test "resumption: an identifier B does not know gets a fresh exchange" {
	resume_setup
	one_xfer
	# B forgets A's secret: A's offer now names nothing B holds
	run tcpinc_on B flush "$ADDR_A"
	[ "$status" -eq 0 ] || fail "flush: $output"
	[ "$output" = "flushed 1 cached session secret(s)" ] || fail "flush said: $output"
	PORT=$((PORT + 1))
	cap_start A tcp port "$PORT"
	one_xfer
	cap_stop
	[ "$(field "$(row_of A)" tep)" = 0x23 ] || fail "not fresh: $(row_of A)"
	[ "$(field "$(row_of A)" state)" = encrypted ] || fail "not encrypted"
	[ "$(cap_grep "$INIT1")" -eq 1 ] || fail "no fresh Init1"
	[ "$(counter A resume_declined)" -eq 1 ] || fail "resume_declined $(counter A resume_declined)"
	[ "$(counter A resume_offered)" -eq 1 ] || fail "resume_offered $(counter A resume_offered)"
	[ "$(counter B resume_accepted)" -eq 0 ] || fail "B accepted"
}

@test "resumption: a forged identifier in a raw SYN is answered fresh (0x23, v=0)" {
	local id
	resume_setup
	one_xfer
	# a listener in B's resuming cgroup; a SYN naming a random secret
	PORT=$((PORT + 1))
	listener_cgb
	rst_filter_A
	id=$(head -c 17 /dev/urandom | od -An -tx1 | tr -d ' \n')
	RS=$(on A python3 "$E2E_REPO/selftests/tools/rawsyn.py" --src "$ADDR_A" \
		--dst "$ADDR_B" --dport "$PORT" --hold 0.3 --opts "4514a3$id") ||
		fail "rawsyn: $RS"
	log "rawsyn: $RS"
	echo "$RS" | jq -e '.eno == ["45040123"]' >/dev/null ||
		fail "SYN-ACK option is not 45 04 01 23: $RS"
	[ "$(counter B resume_accepted)" -eq 0 ] || fail "B accepted a forged id"
	[ "$(cache_n B in)" -eq 1 ] || fail "B's real secret for A is gone"
}

@test "unlinkable default: without --resume every connection is fresh and nothing is cached" {
	local s1 s2 tep syn
	host_up A
	host_up B
	cap_start A tcp
	xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
	s1=$(field "$(row_of A)" session_id)
	PORT=$((PORT + 1))
	xfer_run tcpinc tcpinc "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
	s2=$(field "$(row_of A)" session_id)
	cap_stop
	# fresh: 0x23, or 0x20 where both kernels have TLS (never resumed)
	tep=$(field "$(row_of A)" tep)
	[ "$tep" = 0x23 ] || [ "$tep" = 0x20 ] || fail "second not fresh: $tep"
	[ "$s1" != "$s2" ] || fail "same session ID twice"
	# both SYNs carry the same bytes as any tcpinc host's: nothing to link
	python3 "$PCAP" eno "$CAP_FILE" >"$T/eno.json"
	syn=$(jq -r '[.eno_options[] | select(startswith("SYN "))] | unique | join(",")' "$T/eno.json")
	[ "$syn" = "SYN 450323" ] || [ "$syn" = "SYN 45042320" ] ||
		fail "SYN options: $(cat "$T/eno.json")"
	[ "$(cap_grep "$INIT1")" -eq 2 ] || fail "Init1 count $(cap_grep "$INIT1")"
	[ "$(cache_n A out)" -eq 0 ] || fail "A cached a secret"
	[ "$(cache_n B in)" -eq 0 ] || fail "B cached a secret"
	[ "$(counter A resume_offered)" -eq 0 ] || fail "A offered resumption"
}

@test "flush: per peer and entirely; tcpinc down wipes the cache" {
	resume_setup
	one_xfer
	run tcpinc_on A flush 10.255.255.1
	[ "$output" = "flushed 0 cached session secret(s)" ] || fail "flush other: $output"
	run tcpinc_on A flush bogus
	[ "$status" -ne 0 ] || fail "flush bogus exited 0"
	[[ "$output" == *"not an IP address"* ]] || fail "flush bogus: $output"
	run tcpinc_on A flush
	[ "$output" = "flushed 1 cached session secret(s)" ] || fail "flush all: $output"
	[ "$(cache_n A out)" -eq 0 ] || fail "A still caches"
	tcpinc_on B down || fail "down B"
	host_up B
	[ "$(cache_n B in)" -eq 0 ] || fail "B's cache survived down/up"
}

@test "resumption: cached secrets expire (--resume-lifetime 2): the next connection is fresh" {
	local life=$((2 * SLOW)) # a transfer outlasts 2 s on an emulated CPU
	tcpinc_on A up -- --resume-lifetime "$life" || fail "up A"
	tcpinc_on B up -- --resume-lifetime "$life" || fail "up B"
	attach_cg A cli --resume
	CGA=$CG
	attach_cg B srv --resume
	CGB=$CG
	one_xfer
	[ "$(cache_n A out)" -eq 1 ] || fail "A cached nothing"
	sleep $((life + 2)) # checked every second
	[ "$(cache_n A out)" -eq 0 ] || fail "A's secret did not expire"
	[ "$(cache_n B in)" -eq 0 ] || fail "B's secret did not expire"
	PORT=$((PORT + 1))
	one_xfer
	[ "$(field "$(row_of A)" tep)" = 0x23 ] || fail "resumed with an expired secret"
	[ "$(counter A resume_offered)" -eq 0 ] || fail "A offered an expired secret"
}
