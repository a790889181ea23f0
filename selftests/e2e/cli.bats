#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The CLI's error paths and idempotence: one line on stderr and a non-zero
# exit for errors, 2 for usage errors, root required.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

# Exactly one non-empty line of output, containing $1.
one_line_with() {
	[ "${#lines[@]}" -eq 1 ] || fail "want one line, got: $output"
	[[ ${lines[0]} == *"$1"* ]] || fail "want '$1' in: $output"
}

@test "show before up fails with a message" {
	run tcpinc_on A show
	log "status $status: $output"
	[ "$status" -ne 0 ] || fail "show succeeded with no daemon"
	[ -n "$output" ] || fail "no message"
	run tcpinc_on A show -j
	[ "$status" -ne 0 ] || fail "show -j succeeded with no daemon"
	run tcpinc_on A stats -j
	[ "$status" -ne 0 ] || fail "stats -j succeeded with no daemon"
}

@test "up twice and down twice are fine" {
	tcpinc_on A up || fail "first up"
	tcpinc_on A up || fail "second up"
	[ "$(pid_of_comm A tcpincd | wc -l)" -eq 1 ] || fail "not one tcpincd"
	run tcpinc_on A show -j
	[ "$status" -eq 0 ] || fail "show -j after up: $output"
	echo "$output" | jq -e '.connections | type == "array"' >/dev/null ||
		fail "show -j is not {\"connections\":[...]}: $output"
	run tcpinc_on A stats -j
	[ "$status" -eq 0 ] || fail "stats -j after up: $output"
	echo "$output" | jq -e '.counters.negotiated == 0' >/dev/null ||
		fail "stats -j: $output"
	tcpinc_on A down || fail "first down"
	[ -z "$(pid_of_comm A tcpincd)" ] || fail "tcpincd still runs after down"
	tcpinc_on A down || fail "second down"
	run tcpinc_on A show
	[ "$status" -ne 0 ] || fail "show succeeded after down"
}

@test "attach of a nonexistent path fails with a message" {
	host_up A
	run tcpinc_on A attach /nonexistent
	log "status $status: $output"
	[ "$status" -ne 0 ] || fail "attach /nonexistent succeeded"
	one_line_with "/nonexistent"
}

@test "attach of a directory that is not a cgroup fails" {
	host_up A
	mkdir "$T/notacgroup"
	run tcpinc_on A attach "$T/notacgroup"
	log "status $status: $output"
	[ "$status" -ne 0 ] || fail "attach of a plain directory succeeded"
	one_line_with "notacgroup"
}

@test "unknown command exits 2" {
	run tcpinc_on A frobnicate
	log "status $status: $output"
	[ "$status" -eq 2 ] || fail "status $status"
	[[ ${lines[0]} == *frobnicate* ]] || fail "message: $output"
}

@test "run exits with the command's status" {
	host_up A
	run tcpinc_on A run -- sh -c 'exit 7'
	[ "$status" -eq 7 ] || fail "status $status: $output"
	run tcpinc_on A run -- true
	[ "$status" -eq 0 ] || fail "status $status: $output"
}

@test "non-root is refused" {
	local dir
	# A copy of the CLI that user nobody can reach and execute.
	dir=$(mktemp -d /tmp/tci-cli-XXXXXX)
	TEST_DIRS+=("$dir")
	chmod 755 "$dir"
	cp "$TCPINC" "$dir/tcpinc"
	chmod 755 "$dir/tcpinc"
	for cmd in show up "attach $CG_ROOT" stats; do
		# shellcheck disable=SC2086
		run on A setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$dir/tcpinc" $cmd
		log "$cmd as nobody: status $status: $output"
		[ "$status" -ne 0 ] || fail "'$cmd' succeeded as nobody"
		one_line_with "must be run as root"
	done
	[ -z "$(pid_of_comm A tcpincd)" ] || fail "a daemon was started"
}
