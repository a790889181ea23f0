#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# TEP 0x20 (docs/tep-0x20.md): tcpcrypt's X25519 exchange, then TLS 1.3
# records sealed and opened by kernel TLS. Needs a kernel with the TLS ULP:
# this machine's own kernel has none, so these run in a Debian kernel under
# qemu (selftests/vm/vm.sh, the "vm" section of selftests/run.sh) and are
# skipped elsewhere, except the first, which holds everywhere.
#
# Checked: the data (SHA-256 both ways), the wire (after the Init message
# every byte each way is a whole TLS record of outer type 23, no cleartext
# canary), `tcpinc show -j` (TEP 0x20, one session ID), the counters, each
# AEAD, a peer without kernel TLS (TEP 0x23), keep-alive, a rekey policy
# keeping to frames, and a --no-resume attachment under tcpincd --resume
# offering 0x20 again. In the VM, tamper.bats, finrst.bats and urgent.bats run
# over TEP 0x20 as well (run.sh).

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "TEP 0x20 is refused without kernel TLS, or with --no-ktls" {
	local out rc
	out=$(on A "$E2E_REPO/build/tcpincd" --no-ktls --eno-teps 0x20 2>&1) && rc=0 || rc=$?
	[ "$rc" -eq 2 ] || fail "tcpincd --no-ktls --eno-teps 0x20: exit $rc, want 2"
	[[ $out == *"0x20 needs kernel TLS (--no-ktls given)"* ]] || fail "$out"
	if ! grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp &&
		! modprobe tls 2>/dev/null; then
		out=$(on A "$E2E_REPO/build/tcpincd" --eno-teps 0x23,0x20 2>&1) && rc=0 || rc=$?
		[ "$rc" -eq 2 ] || fail "--eno-teps 0x20 without kTLS: exit $rc"
		[[ $out == *"no TLS ULP in this kernel"* ]] || fail "$out"
		# nor can an attachment ask for it
		host_up A
		make_cgroup x
		out=$(tcpinc_on A attach --teps 0x20 "$CG" 2>&1) && rc=0 || rc=$?
		[ "$rc" -ne 0 ] || fail "attach --teps 0x20 without kTLS succeeded"
		[[ $out == *"0x20 with kernel TLS"* ]] || fail "$out"
	fi
}

@test "TEP 0x20: 4 MiB each way through kernel TLS records" {
	local size rec
	ktls_or_skip
	size=$(mib 4)
	host_up A
	host_up B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" "$size" "$size" A B
	cap_stop
	assert_xfer_ok "$size" "$size"

	[ "$(cap_grep "$CANARY")" -eq 0 ] || fail "cleartext canary on the wire"
	# A offers 0x23 then 0x20 (preferred); B answers b = 1, 0x20
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" | jq -e \
		'.eno_options | index("SYN 45042320") and index("SYNACK 45040120")' \
		>/dev/null || fail "ENO options: $(python3 "$PCAP" eno "$CAP_FILE" --port "$PORT")"
	rec=$(python3 "$PCAP" records "$CAP_FILE" --port "$PORT")
	log "records: $rec"
	for d in to_port from_port; do
		echo "$rec" | jq -e --arg d "$d" --argjson n "$((size / 16400))" '
			.[$d] | .streams == 1 and .init_bytes > 0 and
			.left_over == 0 and .bad_versions == 0 and
			(.types | keys) == ["23"] and .records >= $n and
			.max_len <= 16640' >/dev/null ||
			fail "$d is not Init + TLS records: $rec"
	done

	assert_encrypted 0x20 0x0001
	[ "$(counter A ktls_sessions)" -eq 1 ] || fail "A ktls_sessions"
	[ "$(counter B ktls_sessions)" -eq 1 ] || fail "B ktls_sessions"
	[ "$(counter A handshakes)" -eq 1 ] || fail "A handshakes"
}

@test "TEP 0x20 with each AEAD kernel TLS has" {
	local aead
	ktls_or_skip
	for aead in 0x0002 0x0010; do
		tcpinc_on A up -- --aeads "$aead" || fail "up A"
		tcpinc_on B up -- --aead-prefs "$aead" || fail "up B"
		xfer_run tcpinc tcpinc "$ADDR_B" 300000 200000 A
		assert_xfer_ok 300000 200000
		[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" aead)" = "$aead" ] ||
			fail "aead $aead not used: $(cat "$T/show_A.json")"
		tcpinc_on A down || fail "down A"
		tcpinc_on B down || fail "down B"
		PORT=$((PORT + 1)) # the last server's port may not be free yet
	done
}

@test "a peer with --no-ktls gets TEP 0x23 frames" {
	ktls_or_skip
	host_up A
	tcpinc_on B up -- --no-ktls || fail "up B"
	xfer_run tcpinc tcpinc "$ADDR_B" 500000 500000 A
	assert_xfer_ok 500000 500000
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" tep)" = 0x23 ] ||
		fail "not 0x23: $(cat "$T/show_A.json")"
	[ "$(counter A ktls_sessions)" -eq 0 ] || fail "A keyed kernel TLS"
}

@test "TEP 0x20 keep-alive: the kernel's, on tcpincd's network socket; a silent peer resets the client" {
	ktls_or_skip
	host_up A
	host_up B
	# A TLS record cannot ask the peer for an answer as a tcpcrypt rekey
	# does: the application's settings go to the network socket, whose
	# failure is a network error (peer_reset), not keepalive_timeout.
	silent_peer tcpinc encrypted drop
	[ "$(counter A ktls_sessions)" -eq 1 ] || fail "not a kernel TLS connection"
	[ "$(counter A abort_peer_reset)" -eq 1 ] ||
		fail "A abort_peer_reset $(counter A abort_peer_reset)"
	[ "$(counter A abort_keepalive_timeout)" -eq 0 ] ||
		fail "A counted keepalive_timeout"
}

@test "--rekey-bytes keeps 0x20 out of the default offer: frames, rekeyed" {
	ktls_or_skip
	tcpinc_on A up -- --rekey-bytes 262144 || fail "up A"
	host_up B
	cap_start A
	xfer_run tcpinc tcpinc "$ADDR_B" 2000000 2000000 A
	cap_stop
	assert_xfer_ok 2000000 2000000
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -e '.eno_options | index("SYN 450323")' >/dev/null ||
		fail "A's SYN does not offer 0x23 alone"
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" tep)" = 0x23 ] ||
		fail "not 0x23: $(cat "$T/show_A.json")"
	[ "$(counter A ktls_sessions)" -eq 0 ] || fail "A keyed kernel TLS"
	[ "$(counter A rekeys)" -ge 2 ] || fail "A rekeys $(counter A rekeys)"
}

@test "attach --no-resume under tcpincd --resume: 0x20 offered again and negotiated" {
	local n srv row
	ktls_or_skip
	tcpinc_on A up -- --resume || fail "up A"
	host_up B
	make_cgroup n
	n=$CG
	make_cgroup srv
	srv=$CG
	tcpinc_on A attach --no-resume "$n" || fail "attach n"
	tcpinc_on B attach "$srv" || fail "attach srv"
	tcpinc_on A show >"$T/show.txt"
	grep -q "cgroup: .*tci-.*-n (no-resume teps=0x23,0x20)" "$T/show.txt" ||
		fail "show header: $(cat "$T/show.txt")"
	cap_start A
	xfer_run "cgroup:$n" "cgroup:$srv" "$ADDR_B" 262144 262144 A B
	cap_stop
	assert_xfer_ok 262144 262144
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" |
		jq -e '.eno_options | index("SYN 45042320")' >/dev/null ||
		fail "the --no-resume cgroup's SYN does not offer 0x20"
	row=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$row" tep)" = 0x20 ] || fail "not 0x20: $row"
	[ "$(counter A ktls_sessions)" -ge 1 ] || fail "A keyed no kernel TLS"
}
