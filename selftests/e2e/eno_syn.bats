#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ENO in the SYN exchange when the path or the host gets in the way:
# retransmitted SYNs carry byte-identical options; after --eno-syn-retries
# unanswered retransmissions (default 2) the SYN goes without ENO; SYN
# cookies get no ENO answer; an offer too large for the option space loses
# its least preferred TEPs, not ENO.

load lib

# --no-ktls: the option bytes the tests expect name TEP 0x23 alone, also
# on a kernel with TLS (where 0x20 would be offered too).
setup() {
	frames_only
	hosts_setup
}
teardown() { hosts_teardown; }

# cap_list SYN|SYNACK: every kind-69 option of that kind of segment, in order.
cap_list() {
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -r '.eno_options[]' | awk -v k="$1" '$1 == k { print $2 }'
}

nft_B() { on B nft "$@"; }

# _synacks_dropped N: A's enotest chain dropped at least N SYN-ACKs.
_synacks_dropped() {
	[ "$(on A nft list chain inet enotest in |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p')" -ge "$1" ]
}

@test "SYN retransmissions carry byte-identical ENO options" {
	local size a syns synacks
	size=$(mib 1)
	# Every SYN until the sixth carries ENO, whatever the kernel's SYN
	# timeouts (1 s apart since 6.5, tcp_syn_linear_timeouts; doubling
	# before).
	tcpinc_on A up -- --eno-syn-retries 5 || fail "tcpinc up on A"
	host_up B
	# B's SYN-ACKs are dropped on arrival at A, after A's capture saw
	# them, until four were: by then A retransmitted its SYN at least
	# twice (B answers each, and retransmits on its own timer, 1 s after
	# the first), B its SYN-ACK; the next answer gets through.
	on A nft add table inet enotest
	on A nft add chain inet enotest in '{ type filter hook input priority 0; }'
	on A nft add rule inet enotest in tcp sport "$PORT" \
		tcp flags '& (syn | ack) == syn | ack' counter drop
	(
		wait_until 20 _synacks_dropped 4
		on A nft delete table inet enotest
	) &
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	wait
	assert_xfer_ok "$size" "$size"
	syns=$(cap_list SYN)
	synacks=$(cap_list SYNACK)
	log "SYN options: $(echo $syns)"
	log "SYN-ACK options: $(echo $synacks)"
	[ "$(echo "$syns" | wc -l)" -ge 3 ] || fail "fewer than 3 SYNs: $syns"
	[ "$(echo "$syns" | sort -u)" = 450323 ] || fail "SYN options differ: $syns"
	[ "$(echo "$synacks" | wc -l)" -ge 5 ] || fail "fewer than 5 SYN-ACKs: $synacks"
	[ "$(echo "$synacks" | sort -u)" = 45040123 ] || fail "SYN-ACK options differ: $synacks"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = encrypted ] || fail "A: $a"
	[ "$(counter A fallback_syn_retries)" -eq 0 ] || fail "syn_retries counted"
}

# A path that drops SYNs carrying an unknown option: ENO on the SYN and on
# --eno-syn-retries retransmissions, then a plain SYN that gets through.
syn_retries_case() {
	local retries=$1 size a b syns
	shift
	size=$(mib 1)
	tcpinc_on A up -- "$@" || fail "tcpinc up on A"
	host_up B
	nft_B add table inet enotest
	nft_B add chain inet enotest in '{ type filter hook input priority 0; }'
	nft_B add rule inet enotest in tcp dport "$PORT" \
		tcp flags '& (syn | ack) == syn' tcp option 69 exists drop
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	syns=$(python3 "$PCAP" dump "$CAP_FILE" --port "$PORT" | grep -c 'S ' || true)
	log "$(python3 "$PCAP" dump "$CAP_FILE" --port "$PORT" | head -8)"
	[ "$(cap_list SYN | wc -l)" -eq $((retries + 1)) ] ||
		fail "$(cap_list SYN | wc -l) SYNs with ENO, want $((retries + 1))"
	[ "$(cap_eno syn)" -eq $((retries + 2)) ] ||
		fail "$(cap_eno syn) SYNs, want $((retries + 2)) (the last without ENO)"
	[ "$(cap_eno synack_eno)" -eq 0 ] || fail "ENO in a SYN-ACK"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = plain ] || fail "A: $a"
	[ "$(field "$a" reason)" = syn_retries ] || fail "A: $a"
	[ "$(field "$b" reason)" = syn_no_eno ] || fail "B: $b"
	[ "$(counter A fallback_syn_retries)" -eq 1 ] || fail "A's counter"
}

@test "SYNs with ENO dropped on the path: plain after 2 retransmissions (default)" {
	syn_retries_case 2
}

@test "SYNs with ENO dropped on the path: --eno-syn-retries 0 drops ENO at the first retransmission" {
	syn_retries_case 0 --eno-syn-retries 0
}

@test "SYN cookies on B: no ENO in the SYN-ACK, plain, data intact (B syncookie)" {
	local size a b
	size=$(mib 1)
	host_up A
	host_up B
	on B sysctl -qw net.ipv4.tcp_syncookies=2
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	[ "$(cap_eno syn_eno)" -ge 1 ] || fail "A's SYN without ENO"
	[ "$(cap_eno synack)" -ge 1 ] || fail "no SYN-ACK captured"
	[ "$(cap_eno synack_eno)" -eq 0 ] || fail "ENO on a SYN-cookie SYN-ACK"
	[ "$(cap_grep "$CANARY")" -gt 0 ] || fail "plain data not on the wire"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	[ "$(field "$a" reason)" = synack_no_eno ] || fail "A: $a"
	[ "$(field "$b" state)" = plain ] || fail "B: $b"
	[ "$(field "$b" reason)" = syncookie ] || fail "B: $b"
	[ "$(counter B fallback_syncookie)" -ge 1 ] || fail "B's counter"
}

@test "option space: a TEP list too long for the SYN is trimmed, ENO kept (eno_trimmed)" {
	local size a teps syn want
	size=$(mib 1)
	# 19 TEPs, 0x23 most preferred: 21 bytes, 20 fit beside MSS, SACK,
	# timestamps and window scale
	teps=$(printf '0x%02x,' $(seq 48 65))0x23
	tcpinc_on A up -- --eno-offer-raw "$teps" || fail "tcpinc up on A"
	host_up B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"
	syn=$(cap_list SYN | sort -u)
	# the least preferred (0x30) left out
	want=4514$(printf '%02x' $(seq 49 65))23
	[ "$syn" = "$want" ] || fail "SYN option $syn, want $want"
	[ "$(cap_list SYNACK | sort -u)" = 45040123 ] || fail "SYN-ACK"
	[ "$(counter A eno_trimmed)" -eq 1 ] || fail "eno_trimmed"
	[ "$(counter A fallback_no_option_space)" -eq 0 ] || fail "no_option_space"
	a=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$a" state)" = encrypted ] || fail "A: $a"
}
