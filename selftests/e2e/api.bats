#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The application API (include/tcpinc.h, draft-ietf-tcpinc-api-06 names):
# an ENO-aware application reads the session ID, its role and the
# negotiated TEP with getsockopt(IPPROTO_TCP, TCP_ENO_*) on its own socket.
# The answers must match `tcpinc show` on both hosts; a plain connection
# must answer EINVAL (never an empty session ID), and a socket tcpinc does
# not handle keeps the kernel's ENOPROTOOPT.

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

api_field() { xfer_field "$1" api | jq -er --arg f "$2" '.[$f] | tostring'; }

@test "getsockopt TCP_ENO_SESSID/ROLE/NEGTEP on an encrypted connection" {
	local a sid tep
	host_up A
	host_up B
	XFER_OPTS=--api xfer_run tcpinc tcpinc "$ADDR_B" 100000 100000 A B
	assert_xfer_ok 100000 100000
	a=$(conn_row A remote "$ADDR_B:$PORT")
	# 0x23 frames, or 0x20 where the kernel has kernel TLS
	tep=$(field "$a" tep)
	[[ $tep =~ ^0x2[03]$ ]] || fail "show tep '$tep'"
	assert_encrypted "$tep" "$(field "$a" aead)"
	sid=$(field "$a" session_id)
	[ "$(api_field cli sessid)" = "$sid" ] || fail "client sessid $(api_field cli sessid) != $sid"
	[ "$(api_field srv sessid)" = "$sid" ] || fail "server sessid $(api_field srv sessid) != $sid"
	[ "$(api_field cli role)" = 0 ] || fail "client role $(api_field cli role)"
	[ "$(api_field srv role)" = 1 ] || fail "server role $(api_field srv role)"
	[ "$(api_field cli negtep)" = $((tep)) ] || fail "client negtep $(api_field cli negtep)"
	[ "$(api_field srv negtep)" = $((tep)) ] || fail "server negtep $(api_field srv negtep)"
}

@test "getsockopt on a plain (fallback) connection is EINVAL, not an empty ID" {
	host_up A
	XFER_OPTS=--api xfer_run tcpinc plain "$ADDR_B" 100000 100000 A
	assert_xfer_ok 100000 100000
	[ "$(api_field cli sessid)" = errno:EINVAL ] || fail "client sessid $(api_field cli sessid)"
	[ "$(api_field cli role)" = errno:EINVAL ] || fail "client role $(api_field cli role)"
	# The server is not under tcpinc: the kernel's own answer.
	[ "$(api_field srv sessid)" = errno:ENOPROTOOPT ] || fail "server sessid $(api_field srv sessid)"
}
