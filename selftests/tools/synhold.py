#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""synhold.py - replay this host's first SYN on demand, to make SYNs cross.

    synhold.py IFACE PORT syn|synack READY_FILE GO_FILE

Captures the first SYN-only (or SYN-ACK) segment this host sends from TCP
port PORT on IFACE (AF_PACKET), writes READY_FILE, waits for GO_FILE, then
sends that frame out of IFACE again. With the originals dropped at the
peer (nft), the two hosts' replays cross as on a long link: a simultaneous
open without a delay qdisc.
"""

import os
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def fix_tcp_csum(ip):
    ihl = (ip[0] & 0xF) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    tcp[16:18] = b"\0\0"
    data = bytes(ip[12:20]) + struct.pack("!BBH", 0, 6, len(tcp)) + bytes(tcp)
    if len(data) % 2:
        data += b"\0"
    c = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while c >> 16:
        c = (c & 0xFFFF) + (c >> 16)
    tcp[16:18] = struct.pack("!H", ~c & 0xFFFF)
    return bytes(ip[:ihl]) + bytes(tcp)


def main():
    iface, port, kind, ready, go = sys.argv[1:6]
    port = int(port)
    want = 0x12 if kind == "synack" else 0x02
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(30)
    while True:
        frame, addr = s.recvfrom(65535)
        if addr[2] != PACKET_OUTGOING or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        if ip[9] != socket.IPPROTO_TCP:
            continue
        tcp = ip[(ip[0] & 0xF) * 4:]
        sport = struct.unpack("!H", tcp[:2])[0]
        if sport == port and tcp[13] & 0x12 == want:
            break
    # captured on the way out, the TCP checksum is left to the device
    frame = frame[:14] + fix_tcp_csum(bytearray(frame[14:]))
    open(ready, "w").close()
    deadline = time.time() + 30
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.005)
    s.send(frame)
    print("replayed")


if __name__ == "__main__":
    main()
