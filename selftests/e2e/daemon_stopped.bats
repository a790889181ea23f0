#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tcpincd dies (kill -9) while a cgroup is attached: applications in that
# cgroup must still reach a plain server, with their data intact and no ENO
# on the wire, and `tcpinc down` must then clean up (teardown checks that no
# cgroup or process is left).

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

@test "attached client still connects after tcpincd is killed" {
	local size pids
	size=$(mib 2)
	host_up A
	make_cgroup app
	tcpinc_on A attach "$CG" || fail "attach $CG"

	pids=$(pid_of_comm A tcpincd)
	[ -n "$pids" ] || fail "no tcpincd process in A"
	log "killing tcpincd $pids"
	# shellcheck disable=SC2086
	kill -KILL $pids
	wait_until 5 test -z "$(pid_of_comm A tcpincd)" || fail "tcpincd survives"

	cap_start A
	# The client enters the cgroup by hand: `tcpinc run` would start a daemon.
	xfer_run "cgroup:$CG" plain "$ADDR_B" "$size" "$size"
	cap_stop

	assert_xfer_ok "$size" "$size"
	[ "$(cap_eno syn)" -ge 1 ] || fail "no SYN captured"
	[ "$(cap_eno syn_eno)" -eq 0 ] || fail "kind 69 in the SYN with no daemon"
	[ "$(cap_eno synack_eno)" -eq 0 ] || fail "kind 69 in the SYN-ACK"
	[ "$(cap_eno other_eno)" -eq 0 ] || fail "kind 69 later on"
	[ "$(xfer_field cli peer)" = "$ADDR_B:$PORT" ] || fail "client peer"
	[ "$(xfer_field srv peer)" = "$(xfer_field cli local)" ] || fail "server peer"

	tcpinc_on A down || fail "tcpinc down after the daemon died"
	[ -z "$(pid_of_comm A tcpincd)" ] || fail "tcpincd running after down"
	# A second down is still fine.
	tcpinc_on A down || fail "second tcpinc down"
}
