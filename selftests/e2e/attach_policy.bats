#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Per-attachment policy (`tcpinc attach --teps/--aeads/--resume`): two
# cgroups on one host, each with its own TEPs, AEADs and resumption
# switch, get what their own attachment says.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

SIZE=$((256 * 1024))

# xfer_cg CGA CGB: a checked transfer from cgroup CGA on A to CGB on B.
xfer_cg() {
	xfer_run "cgroup:$1" "cgroup:$2" "$ADDR_B" "$SIZE" "$SIZE" A B
	assert_xfer_ok "$SIZE" "$SIZE"
}

@test "attach --teps/--aeads: each cgroup offers its own TEPs and AEADs" {
	local x y srv row
	host_up A
	tcpinc_on B up -- --eno-teps 0x23,0x24 --aead-prefs 0x0002,0x0010 ||
		fail "up B"
	make_cgroup x
	x=$CG
	make_cgroup y
	y=$CG
	make_cgroup srv
	srv=$CG
	tcpinc_on A attach --teps 0x24 --aeads 0x0010 "$x" || fail "attach x"
	tcpinc_on A attach --aeads 0x0002 "$y" || fail "attach y"
	tcpinc_on B attach "$srv" || fail "attach srv"
	tcpinc_on A show >"$T/show.txt"
	grep -q "cgroup: .*tci-.*-x (no-resume teps=0x24 aeads=0x0010)" "$T/show.txt" ||
		fail "show header: $(cat "$T/show.txt")"
	cap_start A tcp
	xfer_cg "$x" "$srv"
	row=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$row" tep)" = 0x24 ] || fail "x: $row"
	[ "$(field "$row" aead)" = 0x0010 ] || fail "x: $row"
	PORT=$((PORT + 1))
	xfer_cg "$y" "$srv"
	row=$(conn_row A remote "$ADDR_B:$PORT")
	[ "$(field "$row" tep)" = 0x23 ] || fail "y: $row"
	[ "$(field "$row" aead)" = 0x0002 ] || fail "y: $row"
	cap_stop
	python3 "$PCAP" eno "$CAP_FILE" >"$T/eno.json"
	jq -e '[.eno_options[] | select(startswith("SYN "))] | sort == ["SYN 450323", "SYN 450324"]' "$T/eno.json" >/dev/null ||
		fail "SYN options: $(cat "$T/eno.json")"
}

@test "attach --resume is per cgroup: the other cgroup on the same host never resumes" {
	local r n srv
	host_up A
	host_up B
	make_cgroup r
	r=$CG
	make_cgroup n
	n=$CG
	make_cgroup srv
	srv=$CG
	tcpinc_on A attach --resume "$r" || fail "attach r"
	tcpinc_on A attach "$n" || fail "attach n"
	tcpinc_on B attach --resume "$srv" || fail "attach srv"
	xfer_cg "$r" "$srv" # fresh; leaves a secret for A -> B
	PORT=$((PORT + 1))
	xfer_cg "$n" "$srv" # not allowed to use it
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" tep)" = 0x23 ] ||
		fail "the cgroup without --resume resumed"
	[ "$(counter A resume_offered)" -eq 0 ] || fail "n offered resumption"
	PORT=$((PORT + 1))
	xfer_cg "$r" "$srv" # this one may
	[ "$(field "$(conn_row A remote "$ADDR_B:$PORT")" tep)" = 0xa3 ] ||
		fail "the cgroup with --resume did not resume"
}

@test "attach: bad options are refused with a message, nothing attached" {
	host_up A
	make_cgroup x
	run tcpinc_on A attach --teps 0x99 "$CG"
	[ "$status" -eq 1 ] || fail "status $status: $output"
	[[ "$output" == *"0x99"* ]] || fail "message: $output"
	run tcpinc_on A attach --bogus "$CG"
	[ "$status" -eq 2 ] || fail "status $status: $output"
	[[ "$output" == *"unknown option '--bogus'"* ]] || fail "message: $output"
	run tcpinc_on A attach --teps
	[ "$status" -eq 2 ] || fail "status $status: $output"
	[ "$(tcpinc_on A show | grep -c 'cgroup: ')" -eq 0 ] || fail "something attached"
}
