#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xfer.py - the "unmodified application" of the tcpinc end-to-end tests.

Plain TCP sockets, Python standard library only, no knowledge of tcpinc.

    xfer.py server --bind ADDR PORT [--count N] [options]
    xfer.py client --connect ADDR PORT [--bind ADDR PORT] [options]

Both sides send --send-bytes bytes while receiving (full duplex) and check
every received byte, as it arrives, against the stream the peer is expected
to send. The data is a deterministic pseudo-random stream: the client sends
stream(seed, "c2s"), the server stream(seed, "s2c"); each 4096-byte block
starts with the ASCII canary CANARY, so cleartext on the wire is easy to find.

Sequence of one connection:
  1. connect / accept; start sending in a thread, receive in the main thread;
  2. once --expect-bytes have arrived and everything is sent, hold the
     connection open (--hold SECONDS, --hold-until FILE) so that a test can
     look at it (e.g. `tcpinc show -j`); --ready-file FILE is created when the
     hold begins;
  3. shutdown(SHUT_WR), read until EOF (bytes beyond the expected count are
     a mismatch), close.
A mismatch or a socket error ends the connection at once (no hold).

--idle SECONDS first keeps the connection idle, sending nothing, until the
time is up or the socket becomes readable (a socket error then ends the
connection as "error"). --keepalive IDLE:INTVL:CNT turns SO_KEEPALIVE on
and sets TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT, in that order, on the
connected socket, or, with --keepalive-early, before connect() (client) or
on the listening socket, for accept() to inherit (server).

One JSON line per connection on stdout:
  {"sent":N,"received":N,"sha256_sent":"..","sha256_received":"..",
   "result":"eof"|"error"|"mismatch"|"short","error":"ECONNRESET"|"",
   "peer":"IP:PORT","local":"IP:PORT","local_at_connect":"IP:PORT",
   "elapsed":SECONDS (from connect/accept to the end), ...}
  ("local" is read after the transfer, before closing; "local_at_connect"
  right after connect()/accept())
Exit status (the worst over all connections): 0 = EOF after exactly the
expected bytes, all correct; 2 = a received byte differed; 3 = a socket error
before EOF, every byte so far correct; 4 = EOF before the expected count;
1 = usage or setup error (bind, listen, connect).
"""

import argparse
import errno
import hashlib
import json
import os
import random
import select
import socket
import sys
import threading
import time

CANARY = b"TCPINC-CANARY-7f3a"
# include/tcpinc.h: draft-ietf-tcpinc-api-06 options at level IPPROTO_TCP.
TCP_ENO_SESSID, TCP_ENO_NEGTEP, TCP_ENO_ROLE = 0x4501, 0x4502, 0x4508
BLOCK = 4096
CHUNK = 1 << 20  # stream generated in 1 MiB chunks
IO_SIZE = 256 * 1024

EXIT_OK, EXIT_SETUP, EXIT_MISMATCH, EXIT_ERROR, EXIT_SHORT = 0, 1, 2, 3, 4
RESULT_RANK = {"eof": 0, "short": 1, "error": 2, "mismatch": 3}
RESULT_EXIT = {"eof": EXIT_OK, "short": EXIT_SHORT, "error": EXIT_ERROR,
               "mismatch": EXIT_MISMATCH}


class Stream:
    """The deterministic byte stream for (seed, direction), read in order."""

    def __init__(self, seed, direction):
        # A str seed is hashed with SHA-512 by random.seed (version 2): the
        # stream does not depend on PYTHONHASHSEED or on the platform.
        self.rng = random.Random("tcpinc-xfer:%s:%s" % (seed, direction))
        self.buf = b""
        self.pos = 0  # read position in buf
        self.offset = 0  # stream offset of buf[0]

    def _refill(self):
        chunk = bytearray(self.rng.randbytes(CHUNK))
        for off in range(0, CHUNK, BLOCK):
            chunk[off:off + len(CANARY)] = CANARY
        self.offset += len(self.buf)
        self.buf = bytes(chunk)
        self.pos = 0

    def read(self, n):
        """Next n bytes of the stream (may return fewer: at most one chunk)."""
        if self.pos == len(self.buf):
            self._refill()
        out = self.buf[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def errname(exc):
    if isinstance(exc, socket.timeout):
        return "ETIMEDOUT"
    if isinstance(exc, OSError) and exc.errno:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    return type(exc).__name__


def fmt_addr(sa):
    if not sa:
        return ""
    host, port = sa[0], sa[1]
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)


class Conn:
    def __init__(self, sock, args, send_dir, recv_dir):
        self.sock = sock
        self.args = args
        self.send_stream = Stream(args.seed, send_dir)
        self.recv_stream = Stream(args.seed, recv_dir)
        self.sent = 0
        self.received = 0
        self.h_sent = hashlib.sha256()
        self.h_recv = hashlib.sha256()
        self.send_error = ""
        self.result = None
        self.error = ""
        self.mismatch_at = -1
        self.start = time.monotonic()

    def _sender(self):
        left = self.args.send_bytes
        try:
            while left > 0:
                data = self.send_stream.read(min(left, IO_SIZE))
                view = memoryview(data)
                while view:
                    n = self.sock.send(view)
                    self.h_sent.update(view[:n])
                    self.sent += n
                    view = view[n:]
                left -= len(data)
        except OSError as exc:
            self.send_error = errname(exc)

    def _check(self, data):
        """Compare received data with the expected stream; False on mismatch."""
        off = 0
        while off < len(data):
            want = self.recv_stream.read(len(data) - off)
            got = data[off:off + len(want)]
            if got != want:
                for i, (a, b) in enumerate(zip(got, want)):
                    if a != b:
                        self.mismatch_at = self.received + off + i
                        break
                return False
            off += len(want)
        return True

    def _recv_some(self, buf, view):
        """Receive once. Returns the byte count, 0 at EOF, -1 on mismatch."""
        n = self.sock.recv_into(buf)
        if n == 0:
            return 0
        data = bytes(view[:n])
        # Bytes beyond --expect-bytes are corruption too.
        keep = max(0, min(n, self.args.expect_bytes - self.received))
        ok = self._check(data[:keep])
        if ok and keep < n:
            ok = False
            self.mismatch_at = self.received + keep
        self.h_recv.update(data)
        self.received += n
        return n if ok else -1

    def _query_api(self):
        """--api: what an ENO-aware application asks (include/tcpinc.h)."""
        api = {}
        for name, opt, size in (("sessid", TCP_ENO_SESSID, 64),
                                ("role", TCP_ENO_ROLE, 4),
                                ("negtep", TCP_ENO_NEGTEP, 4)):
            try:
                v = self.sock.getsockopt(socket.IPPROTO_TCP, opt, size)
                api[name] = v.hex() if name == "sessid" else \
                    int.from_bytes(v, sys.byteorder)
            except OSError as e:
                api[name] = "errno:" + errno.errorcode.get(e.errno, str(e.errno))
        self.api = api

    def _hold(self):
        try:
            self.local_at_hold = self.sock.getsockname()
        except OSError:
            pass
        if self.args.api:
            self._query_api()
        if self.args.ready_file:
            with open(self.args.ready_file, "a", encoding="ascii"):
                pass
        deadline = time.monotonic() + self.args.hold
        if self.args.hold_until:
            deadline = time.monotonic() + self.args.hold_max
        while time.monotonic() < deadline:
            if self.args.hold_until and os.path.exists(self.args.hold_until):
                break
            time.sleep(0.05)

    def _idle(self):
        """--idle: send nothing for a while; a readable socket ends it."""
        deadline = time.monotonic() + self.args.idle
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _w, _x = select.select([self.sock], [], [], left)
            if readable:
                # Raises the socket's error (ECONNRESET...); data or EOF
                # are for the transfer below.
                self.sock.recv(1, socket.MSG_PEEK)
                return

    def run(self):
        self.sock.settimeout(self.args.timeout)
        if self.args.idle > 0:
            try:
                self._idle()
            except OSError as exc:
                self.result, self.error = "error", errname(exc)
                return self.result
        sender = threading.Thread(target=self._sender, daemon=True)
        sender.start()
        buf = bytearray(IO_SIZE)
        view = memoryview(buf)
        eof = False
        try:
            # Phase 1: receive the expected bytes.
            while self.received < self.args.expect_bytes:
                n = self._recv_some(buf, view)
                if n < 0:
                    self.result = "mismatch"
                    break
                if n == 0:
                    eof = True
                    break
            if self.result is None:
                sender.join()
                if self.send_error:
                    self.result, self.error = "error", self.send_error
            if self.result is None and not eof:
                # Phase 2: everything moved; hold the connection open.
                self._hold()
                self.sock.shutdown(socket.SHUT_WR)
                # Phase 3: read to EOF; nothing more should arrive.
                while True:
                    n = self._recv_some(buf, view)
                    if n < 0:
                        self.result = "mismatch"
                        break
                    if n == 0:
                        eof = True
                        break
            if self.result is None:
                self.result = "eof" if self.received == self.args.expect_bytes else "short"
        except OSError as exc:
            self.result, self.error = "error", errname(exc)
        if self.result == "eof" or self.result == "short":
            sender.join(self.args.timeout)
            if self.send_error and self.result == "eof":
                self.result, self.error = "error", self.send_error
        return self.result

    def report(self, peer, local, local_at_connect):
        rec = {
            "sent": self.sent,
            "received": self.received,
            "sha256_sent": self.h_sent.hexdigest(),
            "sha256_received": self.h_recv.hexdigest(),
            "result": self.result,
            "error": self.error,
            "peer": fmt_addr(peer),
            "local": fmt_addr(local),
            "local_at_connect": fmt_addr(local_at_connect),
            "elapsed": round(time.monotonic() - self.start, 3),
        }
        if self.send_error:
            rec["send_error"] = self.send_error
        if self.mismatch_at >= 0:
            rec["mismatch_at"] = self.mismatch_at
        if getattr(self, "api", None) is not None:
            rec["api"] = self.api
        print(json.dumps(rec), flush=True)


def set_keepalive(sock, spec):
    """--keepalive IDLE:INTVL:CNT, SO_KEEPALIVE first."""
    idle, intvl, cnt = (int(v) for v in spec.split(":"))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)


def resolve(host, port, passive=False):
    flags = socket.AI_NUMERICHOST | (socket.AI_PASSIVE if passive else 0)
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC,
                               socket.SOCK_STREAM, 0, flags)
    return infos[0][0], infos[0][4]


def one_conn(sock, args, send_dir, recv_dir):
    try:
        peer = sock.getpeername()
        local = sock.getsockname()
    except OSError:
        peer = local = None
    conn = Conn(sock, args, send_dir, recv_dir)
    if args.keepalive and not args.keepalive_early:
        set_keepalive(sock, args.keepalive)
    result = conn.run()
    # tcpinc shows the real local address once its network-side connect()
    # has been issued, which can be a moment after the application's own
    # connect() returned; "local" is read after the transfer, before close.
    local_at_connect = local
    local = getattr(conn, "local_at_hold", local)
    conn.report(peer, local, local_at_connect)
    try:
        sock.close()
    except OSError:
        pass
    return result


def worst(results):
    if not results:
        return EXIT_SETUP
    return RESULT_EXIT[max(results, key=lambda r: RESULT_RANK[r])]


def do_server(args):
    host, port = args.bind
    family, sa = resolve(host, int(port), passive=True)
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lsock.bind(sa)
    if args.keepalive and args.keepalive_early:
        set_keepalive(lsock, args.keepalive)
    lsock.listen(16)
    lsock.settimeout(args.accept_timeout)
    results = []
    for _ in range(args.count):
        try:
            sock, _addr = lsock.accept()
        except OSError as exc:
            print(json.dumps({"result": "error", "error": errname(exc),
                              "phase": "accept"}), flush=True)
            return EXIT_ERROR
        results.append(one_conn(sock, args, "s2c", "c2s"))
    lsock.close()
    return worst(results)


def do_client(args):
    host, port = args.connect
    family, sa = resolve(host, int(port))
    sock = socket.socket(family, socket.SOCK_STREAM)
    if args.bind:
        _f, bsa = resolve(args.bind[0], int(args.bind[1]), passive=True)
        sock.bind(bsa)
    if args.keepalive and args.keepalive_early:
        set_keepalive(sock, args.keepalive)
    sock.settimeout(args.timeout)
    try:
        sock.connect(sa)
    except OSError as exc:
        print(json.dumps({"result": "error", "error": errname(exc),
                          "phase": "connect"}), flush=True)
        return EXIT_ERROR
    return RESULT_EXIT[one_conn(sock, args, "c2s", "s2c")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("--bind", nargs=2, metavar=("ADDR", "PORT"))
    ap.add_argument("--connect", nargs=2, metavar=("ADDR", "PORT"))
    ap.add_argument("--send-bytes", type=int, default=0)
    ap.add_argument("--expect-bytes", type=int, default=0)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--count", type=int, default=1,
                    help="server: connections to accept, one after another")
    ap.add_argument("--api", action="store_true",
                    help="act ENO-aware: report TCP_ENO_SESSID/ROLE/NEGTEP "
                         "(getsockopt) in the JSON line as \"api\"")
    ap.add_argument("--hold", type=float, default=0.0,
                    help="seconds to keep the connection open after the transfer")
    ap.add_argument("--hold-until", metavar="FILE",
                    help="keep the connection open until FILE exists")
    ap.add_argument("--hold-max", type=float, default=120.0,
                    help="upper bound on --hold-until, seconds")
    ap.add_argument("--ready-file", metavar="FILE",
                    help="create FILE when the transfer is done and the hold begins")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="socket inactivity timeout, seconds")
    ap.add_argument("--accept-timeout", type=float, default=120.0)
    ap.add_argument("--idle", type=float, default=0.0,
                    help="seconds to stay idle before the transfer")
    ap.add_argument("--keepalive", metavar="IDLE:INTVL:CNT",
                    help="SO_KEEPALIVE with these TCP_KEEP* values")
    ap.add_argument("--keepalive-early", action="store_true",
                    help="--keepalive before connect() / on the listener")
    args = ap.parse_args()

    if args.mode == "server" and not args.bind:
        ap.error("server needs --bind ADDR PORT")
    if args.mode == "client" and not args.connect:
        ap.error("client needs --connect ADDR PORT")
    if args.send_bytes < 0 or args.expect_bytes < 0 or args.count < 1:
        ap.error("byte counts must be >= 0 and --count >= 1")
    try:
        if args.mode == "server":
            return do_server(args)
        return do_client(args)
    except OSError as exc:
        print("xfer.py: %s" % exc, file=sys.stderr)
        print(json.dumps({"result": "error", "error": errname(exc),
                          "phase": "setup"}), flush=True)
        return EXIT_SETUP


if __name__ == "__main__":
    sys.exit(main())
