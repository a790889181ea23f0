#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A NAT between the hosts: R masquerades A's connections towards B with
# random source ports (nftables `masquerade random`). tcpcrypt leaves the
# TCP/IP headers unprotected, so encryption must still work: both ends
# negotiate, agree on the session ID, and B sees R's address as the peer.

load lib

setup() { router_setup; }
teardown() { router_teardown; }

@test "lab: NAT with random ports between the hosts: still encrypted, same session ID" {
	local size a b sid cli_port srv_peer
	size=$(mib 4)
	host_up A
	host_up B
	on_r nft -f - <<-NFT || fail "nft failed"
		table ip tcpinc_lab_nat {
			counter masq { }
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "$R_IF_B" tcp dport $PORT counter name "masq" masquerade random
			}
		}
	NFT
	lab_cap_start
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	lab_cap_stop

	assert_xfer_ok "$size" "$size"
	log "nft counter masq: $(nft_counter ip tcpinc_lab_nat masq) packets"
	[ "$(nft_counter ip tcpinc_lab_nat masq)" -ge 1 ] || fail "the NAT rule never matched"

	# B sees R's address and another port; A sees B's real address.
	cli_port=$(xfer_field cli local | sed 's/.*://')
	srv_peer=$(xfer_field srv peer)
	log "client local $(xfer_field cli local), server peer $srv_peer"
	[ "${srv_peer%:*}" = "$ADDR_RB" ] || fail "server peer $srv_peer is not R"
	[ "${srv_peer##*:}" != "$cli_port" ] || fail "the NAT kept the source port"
	[ "$(xfer_field cli peer)" = "$ADDR_B:$PORT" ] || fail "client peer"

	# The wire: ENO negotiated through the NAT, no plaintext on either side.
	for h in A B; do
		[ "$(cap_eno_on $h syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN at $h"
		[ "$(cap_eno_on $h synack_eno)" -ge 1 ] || fail "no kind 69 in the SYN-ACK at $h"
		[ "$(cap_eno_on $h payload_bytes)" -ge $((2 * size)) ] ||
			fail "$h's capture holds $(cap_eno_on $h payload_bytes) payload bytes"
		[ "$(cap_grep_on $h "$CANARY")" -eq 0 ] || fail "plaintext on $h's link"
	done
	grep -q "^SYN $ADDR_RB:${srv_peer##*:} > $ADDR_B:$PORT " "$(cap_dump_on B)" ||
		fail "no SYN from R's address on B's link"

	# tcpinc: encrypted on both ends, one session ID.
	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	for row in "$a" "$b"; do
		[ "$(field "$row" state)" = encrypted ] || fail "state: $row"
	done
	[ "$(field "$b" remote)" = "$srv_peer" ] || fail "B's remote is not R: $b"
	sid=$(field "$a" session_id)
	[[ $sid =~ ^[0-9a-f]{66}$ ]] || fail "session_id '$sid'"
	[ "$(field "$b" session_id)" = "$sid" ] || fail "session IDs differ: $a $b"
	[ "$(counter A negotiated)" -ge 1 ] || fail "A negotiated counter"
	[ "$(counter B negotiated)" -ge 1 ] || fail "B negotiated counter"
}
