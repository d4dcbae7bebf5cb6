#!/usr/bin/env python3
"""Seed corpus for the packet-decoder fuzz target: individual packets cut out of real captures.

Usage: make_seeds.py OUT_DIR CAPTURE_OR_DIR...

Reads classic pcap (either byte order, micro/nano), pcapng (EPB/SPB/OPB with their interface's
link type) and either gzip-compressed, walking directories. Each packet becomes one seed:
[selector][packet bytes], the selector being the index of its link type in fuzz/decode/main.swift's
`linkTypes` table. Besides, the first 16 packets of each capture make one multi-packet seed
(selector | 0x40, then [length (2, big endian)][bytes] per packet), which reaches IP fragment
reassembly when the capture has fragments. Identical seeds are written once; at most
PER_FILE single-packet seeds per capture, so that one large trace does not crowd out the rest.
"""
import gzip
import hashlib
import os
import struct
import sys

PER_FILE = 200

# File LINKTYPE_ value -> index in main.swift's linkTypes table.
INDEX = {
    1: 0,      # Ethernet
    113: 1,    # Linux cooked v1
    276: 2,    # Linux cooked v2
    101: 3,    # LINKTYPE_RAW (libpcap gives DLT_RAW = 12)
    12: 3, 14: 4,
    228: 6, 229: 7,
    0: 8, 108: 9,
    9: 10, 50: 11, 104: 12, 51: 13,
}


def packets(data):
    """Yields (linktype, bytes) for every packet of a pcap or pcapng byte string."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:
            return
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xd4, 0x4d) else ">"
        linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
        off = 24
        while off + 16 <= len(data):
            caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            if off + 16 + caplen > len(data):
                return
            yield linktype, data[off + 16:off + 16 + caplen]
            off += 16 + caplen
    elif magic == b"\x0a\x0d\x0d\x0a":
        off = 0
        e = "<"
        links = []
        while off + 12 <= len(data):
            btype = struct.unpack(e + "I", data[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                links = []
            blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
            if blen < 12 or off + blen > len(data):
                return
            body = data[off + 8:off + blen - 4]
            if btype == 1 and len(body) >= 2:
                links.append(struct.unpack(e + "H", body[:2])[0])
            elif btype in (6, 2) and len(body) >= 20:
                iface = struct.unpack(e + "I", body[:4])[0] if btype == 6 else struct.unpack(e + "H", body[:2])[0]
                caplen = struct.unpack(e + "I", body[12:16])[0]
                if iface < len(links):
                    yield links[iface], body[20:20 + caplen]
            elif btype == 3 and len(body) >= 4 and links:
                yield links[0], body[4:]
            off += blen


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in sorted(files):
                    if any(f.endswith(s) for s in (".pcap", ".pcapng", ".cap", ".gz")):
                        yield os.path.join(root, f)
        elif os.path.isfile(p):
            yield p


def main(out, paths):
    os.makedirs(out, exist_ok=True)
    seen = set()
    count = 0

    def put(blob):
        nonlocal count
        h = hashlib.sha1(blob).hexdigest()
        if h in seen:
            return False
        seen.add(h)
        with open(os.path.join(out, h[:16]), "wb") as f:
            f.write(blob)
        count += 1
        return True

    for path in captures(paths):
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        n = 0
        multi = []
        try:
            for lt, pkt in packets(data):
                if lt not in INDEX:
                    continue
                sel = INDEX[lt]
                if len(multi) < 16 and (not multi or multi[0][0] == sel):
                    multi.append((sel, pkt))
                if n < PER_FILE and put(bytes([sel]) + pkt):
                    n += 1
        except (struct.error, IndexError):
            pass
        if len(multi) > 1:
            blob = bytes([multi[0][0] | 0x40]) + b"".join(struct.pack(">H", min(len(p), 0xFFFF)) + p[:0xFFFF] for _, p in multi)
            put(blob)
    print("decode seeds: %d written to %s" % (count, out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
