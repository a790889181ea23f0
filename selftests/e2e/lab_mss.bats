#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Resegmentation: R clamps the MSS of both SYNs to 88 bytes (nftables), and
# A and B have segmentation offloads off, so the stream crosses the links in
# tiny segments that cut tcpcrypt frames at arbitrary points. Frames are
# independent of segment boundaries: the connection is encrypted and the
# data arrives intact (SHA-256 both ways).

load lib

setup() { router_setup; }
teardown() { router_teardown; }

MSS=88

@test "lab: MSS clamped to $MSS on the path: still encrypted, data intact" {
	local size a b sid h max segs
	size=$(mib 4)
	for h in A B; do
		on "$h" ethtool -K "$IFACE" tso off gso off gro off >/dev/null ||
			fail "ethtool on $h"
	done
	host_up A
	host_up B
	on_r nft -f - <<-NFT || fail "nft failed"
		table inet tcpinc_lab_mss {
			counter clamp { }
			chain mss {
				type filter hook forward priority mangle; policy accept;
				tcp flags & (syn | rst) == syn counter name "clamp" tcp option maxseg size set $MSS
			}
		}
	NFT
	lab_cap_start
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	lab_cap_stop

	assert_xfer_ok "$size" "$size"
	log "nft counter clamp: $(nft_counter inet tcpinc_lab_mss clamp) packets"
	[ "$(nft_counter inet tcpinc_lab_mss clamp)" -ge 2 ] ||
		fail "the clamp did not see SYN and SYN-ACK"

	for h in A B; do
		# Every segment is at most MSS bytes of payload, and there are
		# as many as that implies.
		max=$(awk '{ sub(/.*len=/, ""); sub(/ .*/, ""); if ($0 + 0 > m) m = $0 + 0 }
			END { print m + 0 }' "$(cap_dump_on "$h")")
		segs=$(grep -c ' len=[1-9]' "$(cap_dump_on "$h")")
		log "$h's link: $segs data segments, largest $max bytes"
		[ "$max" -le "$MSS" ] || fail "a $max-byte segment on $h's link"
		[ "$segs" -ge $((2 * size / MSS)) ] || fail "only $segs data segments on $h's link"
		[ "$(cap_eno_on $h syn_eno)" -ge 1 ] || fail "no kind 69 in the SYN at $h"
		[ "$(cap_eno_on $h synack_eno)" -ge 1 ] || fail "no kind 69 in the SYN-ACK at $h"
		[ "$(cap_grep_on $h "$CANARY")" -eq 0 ] || fail "plaintext on $h's link"
	done
	# The clamp really rewrote the option: B's SYN-ACK reached A with 88.
	grep -q "^SYNACK .*opts=\[.*2:0204$(printf %04x "$MSS")" "$(cap_dump_on A)" ||
		fail "A's SYN-ACK does not carry MSS $MSS"

	a=$(conn_row A remote "$ADDR_B:$PORT")
	b=$(conn_row B local "$ADDR_B:$PORT")
	for row in "$a" "$b"; do
		[ "$(field "$row" state)" = encrypted ] || fail "state: $row"
	done
	sid=$(field "$a" session_id)
	[ -n "$sid" ] && [ "$(field "$b" session_id)" = "$sid" ] ||
		fail "session IDs differ: $a $b"
	[ "$(counter A negotiated)" -ge 1 ] || fail "A negotiated counter"
	[ "$(counter B negotiated)" -ge 1 ] || fail "B negotiated counter"
}
