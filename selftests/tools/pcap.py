#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""pcap.py - exact answers from a tcpdump capture for the tcpinc tests.

    pcap.py eno FILE [--port P]      TCP-ENO (option kind 69) in handshakes
    pcap.py grep FILE STRING         segments whose payload holds STRING
                                     ("hex:0a0b..." for bytes)
    pcap.py dump FILE [--port P]     one line per TCP segment (debugging)
    pcap.py rekeys FILE --port P     empty tcpcrypt rekey frames, each way
    pcap.py records FILE --port P    TEP 0x20 streams: Init, then TLS records

Reads classic pcap (what `tcpdump -w` writes), link types Ethernet, Linux
cooked v1/v2 and raw IP; IPv4 and IPv6 (no extension headers). `--port P`
keeps segments with P as source or destination port.

`eno` prints one JSON object:
  {"tcp":N,"syn":N,"syn_eno":N,"synack":N,"synack_eno":N,
   "other_eno":N,"payload_bytes":N,"eno_options":["SYN 45...", ...]}
where *_eno count segments carrying at least one option of kind 69 and
eno_options lists each kind-69 option seen, as hex with kind and length;
payload_bytes adds up the TCP payload captured (retransmissions included).
(tcpdump 4.99 itself prints such an option as "unknown-69 0x<data hex>".)

`grep` prints the number of TCP segments whose payload contains STRING; it
also counts occurrences in the concatenated payload of each direction of
each connection ("stream" count), which catches a string split by
segmentation.

`rekeys` counts segments whose whole payload is one empty rekey frame (20
bytes: control 01 = rekey, length 00 11, flags and tag), retransmissions
once, sent to port P ("to_port") and from it ("from_port"). For each it
prints {"frames":N,"answered":N,"max_wait":SECONDS}: how many were
followed by such a frame the other way before the next one this way, and
the longest wait for that answer.

`records` reassembles each direction of each connection (by sequence
number from its SYN, retransmissions once) and parses it as TEP 0x20 sends
it: one tcpcrypt Init message (4-byte magic, 4-byte length), then TLS 1.3
records (type, version 03 03, 2-byte length). Per direction ("to_port",
"from_port"), summed over connections: {"streams":N,"init_bytes":N,
"records":N,"record_bytes":N,"types":{"23":N},"bad_versions":N,
"max_len":N,"left_over":N} where left_over counts bytes after the last
whole record (a capture cut short, or bytes that are not records).
"""

import json
import struct
import sys

ENO_KIND = 69


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            raise SystemExit("pcap.py: %s: not a classic pcap file" % path)
        linktype = struct.unpack(endian + "I", hdr[20:24])[0] & 0xFFFF
        rec = struct.Struct(endian + "IIII")
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, usec, caplen, _len = rec.unpack(rh)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield linktype, data, sec + usec / 1e6


def l3(linktype, data):
    """(ethertype, offset of the network header) or None."""
    if linktype == 1:  # Ethernet
        off, etype = 14, struct.unpack("!H", data[12:14])[0]
        while etype in (0x8100, 0x88A8) and len(data) >= off + 4:
            etype = struct.unpack("!H", data[off + 2:off + 4])[0]
            off += 4
        return etype, off
    if linktype == 113:  # Linux cooked v1
        return struct.unpack("!H", data[14:16])[0], 16
    if linktype == 276:  # Linux cooked v2
        return struct.unpack("!H", data[0:2])[0], 20
    if linktype in (12, 101):  # raw IP
        v = data[0] >> 4 if data else 0
        return (0x0800 if v == 4 else 0x86DD), 0
    return None


def tcp_segments(path):
    """Yield dicts for each TCP segment in the capture."""
    for linktype, data, ts in packets(path):
        r = l3(linktype, data)
        if not r:
            continue
        etype, off = r
        if etype == 0x0800 and len(data) >= off + 20:
            ihl = (data[off] & 0x0F) * 4
            if data[off + 9] != 6:
                continue
            total = struct.unpack("!H", data[off + 2:off + 4])[0]
            src = ".".join(str(b) for b in data[off + 12:off + 16])
            dst = ".".join(str(b) for b in data[off + 16:off + 20])
            end = off + total
            off += ihl
        elif etype == 0x86DD and len(data) >= off + 40:
            if data[off + 6] != 6:
                continue
            plen = struct.unpack("!H", data[off + 4:off + 6])[0]
            src = data[off + 8:off + 24].hex()
            dst = data[off + 24:off + 40].hex()
            end = off + 40 + plen
            off += 40
        else:
            continue
        if len(data) < off + 20:
            continue
        sport, dport, seq, _ack, doff, flags = struct.unpack(
            "!HHIIBB", data[off:off + 14])
        thl = (doff >> 4) * 4
        opts = data[off + 20:off + thl]
        # A capture of a GSO/TSO super-packet has an IP length of 0 at times:
        # take the payload up to the captured end in that case.
        if end <= off or end > len(data):
            end = len(data)
        yield {
            "src": src, "dst": dst, "sport": sport, "dport": dport,
            "seq": seq, "flags": flags, "options": parse_options(opts),
            "payload": data[off + thl:end], "ts": ts,
        }


def parse_options(opts):
    out = []
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:  # EOL
            break
        if kind == 1:  # NOP
            i += 1
            continue
        if i + 1 >= len(opts):
            out.append((kind, b""))
            break
        ln = opts[i + 1]
        if ln < 2 or i + ln > len(opts):
            out.append((kind, opts[i:]))
            break
        out.append((kind, opts[i:i + ln]))
        i += ln
    return out


def flagname(flags):
    syn, ack = flags & 0x02, flags & 0x10
    if syn and ack:
        return "SYNACK"
    if syn:
        return "SYN"
    return "ACK" if ack else "OTHER"


def want(seg, port):
    return port is None or port in (seg["sport"], seg["dport"])


def cmd_eno(path, port):
    res = {"tcp": 0, "syn": 0, "syn_eno": 0, "synack": 0, "synack_eno": 0,
           "other_eno": 0, "payload_bytes": 0, "eno_options": []}
    for seg in tcp_segments(path):
        if not want(seg, port):
            continue
        res["tcp"] += 1
        res["payload_bytes"] += len(seg["payload"])
        name = flagname(seg["flags"])
        enos = [o for k, o in seg["options"] if k == ENO_KIND]
        for o in enos:
            res["eno_options"].append("%s %s" % (name, o.hex()))
        if name == "SYN":
            res["syn"] += 1
            res["syn_eno"] += bool(enos)
        elif name == "SYNACK":
            res["synack"] += 1
            res["synack_eno"] += bool(enos)
        elif enos:
            res["other_eno"] += 1
    print(json.dumps(res))


def cmd_grep(path, needle, port):
    # "hex:15101a0e" looks for those bytes
    needle = bytes.fromhex(needle[4:]) if needle.startswith("hex:") else needle.encode()
    segs = 0
    streams = {}
    for seg in tcp_segments(path):
        if not want(seg, port) or not seg["payload"]:
            continue
        if needle in seg["payload"]:
            segs += 1
        key = (seg["src"], seg["sport"], seg["dst"], seg["dport"])
        # Keep only a tail per direction: enough to find a split needle.
        tail = streams.get(key, b"")[-(len(needle) - 1):] if len(needle) > 1 else b""
        streams[key] = tail + seg["payload"]
        if needle in streams[key] and needle not in seg["payload"]:
            segs += 1  # split across two segments
        streams[key] = streams[key][-len(needle):]
    print(segs)


def cmd_dump(path, port):
    for seg in tcp_segments(path):
        if not want(seg, port):
            continue
        opts = ",".join("%d:%s" % (k, o.hex()) for k, o in seg["options"])
        print("%s %s:%d > %s:%d seq=%d len=%d opts=[%s]" % (
            flagname(seg["flags"]), seg["src"], seg["sport"], seg["dst"],
            seg["dport"], seg["seq"], len(seg["payload"]), opts))


REKEY_FRAME_HEAD = bytes([0x01, 0x00, 0x11])


def cmd_rekeys(path, port):
    seen = set()
    times = {"to_port": [], "from_port": []}
    for seg in tcp_segments(path):
        p = seg["payload"]
        if not want(seg, port) or len(p) != 20 or p[:3] != REKEY_FRAME_HEAD:
            continue
        d = "to_port" if seg["dport"] == port else "from_port"
        key = (seg["src"], seg["sport"], seg["dst"], seg["dport"], seg["seq"])
        if key not in seen:
            seen.add(key)
            times[d].append(seg["ts"])
    res = {}
    for d, other in (("to_port", "from_port"), ("from_port", "to_port")):
        own = sorted(times[d])
        waits = []
        for i, t in enumerate(own):
            end = own[i + 1] if i + 1 < len(own) else float("inf")
            ans = [u for u in times[other] if t <= u < end]
            if ans:
                waits.append(min(ans) - t)
        res[d] = {"frames": len(own), "answered": len(waits),
                  "max_wait": round(max(waits, default=0.0), 6)}
    print(json.dumps(res))


def streams_of(path, port):
    """{(src, sport, dst, dport): payload bytes in sequence order}."""
    isn, segs = {}, {}
    for seg in tcp_segments(path):
        if not want(seg, port):
            continue
        key = (seg["src"], seg["sport"], seg["dst"], seg["dport"])
        if seg["flags"] & 0x02:
            isn[key] = (seg["seq"] + 1) & 0xFFFFFFFF
        if seg["payload"]:
            segs.setdefault(key, {})[seg["seq"]] = seg["payload"]
    out = {}
    for key, parts in segs.items():
        if key not in isn:
            continue
        data, nxt = bytearray(), 0
        for seq in sorted(parts, key=lambda q: (q - isn[key]) & 0xFFFFFFFF):
            off = (seq - isn[key]) & 0xFFFFFFFF
            p = parts[seq]
            if off + len(p) <= nxt:
                continue
            if off > nxt:
                break  # a hole: stop at what is contiguous
            data += p[nxt - off:]
            nxt = len(data)
        out[key] = bytes(data)
    return out


def cmd_records(path, port):
    res = {}
    for key, data in streams_of(path, port).items():
        d = "to_port" if key[3] == port else "from_port"
        r = res.setdefault(d, {"streams": 0, "init_bytes": 0, "records": 0,
                               "record_bytes": 0, "types": {},
                               "bad_versions": 0, "max_len": 0,
                               "left_over": 0})
        r["streams"] += 1
        if len(data) < 8:
            r["left_over"] += len(data)
            continue
        ilen = struct.unpack("!I", data[4:8])[0]
        r["init_bytes"] += min(ilen, len(data))
        off = ilen
        while off + 5 <= len(data):
            typ, ver, ln = struct.unpack("!BHH", data[off:off + 5])
            if off + 5 + ln > len(data):
                break
            r["records"] += 1
            r["record_bytes"] += 5 + ln
            r["types"][str(typ)] = r["types"].get(str(typ), 0) + 1
            r["bad_versions"] += ver != 0x0303
            r["max_len"] = max(r["max_len"], ln)
            off += 5 + ln
        r["left_over"] += max(0, len(data) - off)
    print(json.dumps(res, sort_keys=True))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path, rest = argv[1], argv[2], argv[3:]
    port = None
    if "--port" in rest:
        i = rest.index("--port")
        port = int(rest[i + 1])
        del rest[i:i + 2]
    if cmd == "eno" and not rest:
        cmd_eno(path, port)
    elif cmd == "grep" and len(rest) == 1:
        cmd_grep(path, rest[0], port)
    elif cmd == "dump" and not rest:
        cmd_dump(path, port)
    elif cmd == "rekeys" and not rest and port is not None:
        cmd_rekeys(path, port)
    elif cmd == "records" and not rest and port is not None:
        cmd_records(path, port)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
