#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Urgent data (tcpinc's documented choice, tcpinc(7)):
# tcpinc keeps the urgent byte in the stream, at its place, and does not
# convey urgency. A client sends "abc", one byte with MSG_OOB, then "def";
# the server, reading plainly, receives all seven bytes in order, both
# encrypted and in a fallback. (Relayed without SO_OOBINLINE, the urgent
# byte would be skipped by tcpincd's recv() and lost: "abcdef".)

load lib

setup() { hosts_setup; }
teardown() { hosts_teardown; }

SERVER='
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
c.settimeout(20)
got = b""
while True:
    d = c.recv(100)
    if not d:
        break
    got += d
print(got.decode(errors="replace"))
'

CLIENT='
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
c.sendall(b"abc")
time.sleep(0.2)
c.send(b"X", socket.MSG_OOB)
time.sleep(0.2)
c.sendall(b"def")
time.sleep(0.2)
c.close()
'

# urgent_case MODE_A MODE_B STATE: the server prints abcXdef; A's row STATE.
urgent_case() {
	_start_app srv B "$2" python3 -c "$SERVER" "$ADDR_B" "$PORT"
	wait_listen B "$PORT"
	_start_app cli A "$1" python3 -c "$CLIENT" "$ADDR_B" "$PORT"
	bg_wait cli
	bg_wait srv
	[ "${BG_RC[srv]}" -eq 0 ] || fail "server exited ${BG_RC[srv]}"
	[ "$(cat "$T/srv.out")" = abcXdef ] ||
		fail "server received '$(cat "$T/srv.out")', want abcXdef"
}

@test "urgent byte delivered inline, in order, on an encrypted connection" {
	host_up A
	host_up B
	urgent_case tcpinc tcpinc
	[ "$(counter A handshakes)" -eq 1 ] || fail "not encrypted"
}

@test "urgent byte delivered inline in a fallback to plain TCP" {
	host_up A
	urgent_case tcpinc plain
	[ "$(counter A fallback_synack_no_eno)" -eq 1 ] || fail "no fallback"
}
