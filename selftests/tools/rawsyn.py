#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rawsyn.py - a hand-made TCP client for the TCP-ENO rule tests.

    rawsyn.py --src ADDR --dst ADDR --dport P [--sport P] --opts HEX
              [--payload HEX] [--ack [--ack-opts HEX]]
              [--data HEX [--data-opts HEX]] [--hold S] [--timeout S]

Sends one SYN with exactly the TCP options --opts (hex; padded with EOL to
a multiple of 4) and optional SYN payload, from a raw socket (IPv4 or
IPv6, by the address family), and waits for the SYN-ACK. With --ack it
completes the handshake with an ACK carrying --ack-opts; with --data it
then sends one data segment carrying --data-opts. It watches the peer for
--hold seconds more and ends with a RST so the peer's state goes away.

The kernel of the host it runs in answers the SYN-ACK with a RST (it knows
no such connection): drop outgoing RSTs from --sport there first (nft),
except those marked RAWSYN_MARK (0x7a), which are this tool's own.

Prints one JSON object:
  {"sport":P, "synack":bool, "synack_opts":"hex of all options",
   "eno":["45040123", ...] (kind-69 options of the SYN-ACK),
   "ack_off": SYN-ACK ack number - our ISN (1 = only the ISN acknowledged),
   "rst":bool (the peer reset), "acked": highest ack - ISN seen later,
   "peer_data_len":N, "peer_eno_late":["4502", ...] (kind 69 on non-SYN)}
Exit 0 when a SYN-ACK came, 1 otherwise.
"""

import argparse
import json
import os
import random
import socket
import struct
import time

SYN, RST, PSH, ACK = 0x02, 0x04, 0x08, 0x10
RAWSYN_MARK = 0x7A


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(fam, src, dst, length):
    s = socket.inet_pton(fam, src)
    d = socket.inet_pton(fam, dst)
    if fam == socket.AF_INET:
        return s + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, length)
    return s + d + struct.pack("!IxxxB", length, socket.IPPROTO_TCP)


def segment(a, sport, seq, ack, flags, opts, payload):
    opts = bytes(opts)
    opts += b"\0" * (-len(opts) % 4)
    if len(opts) > 40:
        raise SystemExit("rawsyn.py: more than 40 bytes of options")
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, a.dport, seq, ack, off << 4,
                      flags, 64240, 0, 0)
    seg = hdr + opts + payload
    c = csum(pseudo(a.fam, a.src, a.dst, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def options(raw):
    """[(kind, bytes of the whole option)] of a TCP option area."""
    out, i = [], 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            break
        out.append((k, raw[i:i + raw[i + 1]]))
        i += raw[i + 1]
    return out


def parse(a, pkt):
    """(tcp fields) of a packet from the peer to us, or None."""
    if a.fam == socket.AF_INET:
        if len(pkt) < 20 or pkt[9] != socket.IPPROTO_TCP:
            return None
        if socket.inet_ntop(socket.AF_INET, pkt[12:16]) != a.dst:
            return None
        pkt = pkt[(pkt[0] & 0xF) * 4:]
    if len(pkt) < 20:
        return None
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", pkt[:14])
    if sport != a.dport or dport != a.sport:
        return None
    hl = (off >> 4) * 4
    return {"seq": seq, "ack": ack, "flags": flags,
            "opts": pkt[20:hl], "payload": pkt[hl:]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--opts", default="")
    p.add_argument("--payload", default="")
    p.add_argument("--ack", action="store_true")
    p.add_argument("--ack-opts", default="")
    p.add_argument("--data", default="")
    p.add_argument("--data-opts", default="")
    p.add_argument("--hold", type=float, default=0.5)
    p.add_argument("--timeout", type=float, default=5)
    a = p.parse_args()
    a.fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    a.sport = a.sport or random.randint(40000, 49999)
    hx = lambda s: bytes.fromhex(s.replace(" ", ""))

    s = socket.socket(a.fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, RAWSYN_MARK)
    s.bind((a.src, 0))
    isn = struct.unpack("!I", os.urandom(4))[0]
    syn_payload = hx(a.payload)
    s.sendto(segment(a, a.sport, isn, 0, SYN, hx(a.opts), syn_payload),
             (a.dst, 0))

    res = {"sport": a.sport, "synack": False, "synack_opts": "", "eno": [],
           "ack_off": None, "rst": False, "acked": None, "peer_data_len": 0,
           "peer_eno_late": []}
    peer_isn = None
    deadline = time.time() + a.timeout
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            t = parse(a, s.recv(65535))
        except socket.timeout:
            break
        if not t:
            continue
        if t["flags"] & RST:
            res["rst"] = True
            break
        if t["flags"] & (SYN | ACK) == SYN | ACK:
            peer_isn = t["seq"]
            res["synack"] = True
            res["synack_opts"] = t["opts"].hex()
            res["eno"] = [o.hex() for k, o in options(t["opts"]) if k == 69]
            res["ack_off"] = (t["ack"] - isn) & 0xFFFFFFFF
            break

    seq = (isn + 1) & 0xFFFFFFFF
    rcv = (peer_isn + 1) & 0xFFFFFFFF if peer_isn is not None else 0
    if res["synack"] and a.ack:
        s.sendto(segment(a, a.sport, seq, rcv, ACK, hx(a.ack_opts), b""),
                 (a.dst, 0))
        data = hx(a.data)
        if data:
            s.sendto(segment(a, a.sport, seq, rcv, PSH | ACK,
                             hx(a.data_opts), data), (a.dst, 0))
            seq = (seq + len(data)) & 0xFFFFFFFF
    if res["synack"]:
        deadline = time.time() + a.hold
        while time.time() < deadline:
            s.settimeout(max(0.01, deadline - time.time()))
            try:
                t = parse(a, s.recv(65535))
            except socket.timeout:
                break
            if not t:
                continue
            if t["flags"] & RST:
                res["rst"] = True
                break
            if t["flags"] & SYN:
                continue  # a retransmitted SYN-ACK
            if t["flags"] & ACK:
                off = (t["ack"] - isn) & 0xFFFFFFFF
                res["acked"] = max(res["acked"] or 0, off)
            res["peer_data_len"] += len(t["payload"])
            res["peer_eno_late"] += [o.hex() for k, o in options(t["opts"])
                                     if k == 69]
        if not res["rst"]:
            s.sendto(segment(a, a.sport, seq, 0, RST, b"", b""), (a.dst, 0))
    print(json.dumps(res))
    return 0 if res["synack"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
