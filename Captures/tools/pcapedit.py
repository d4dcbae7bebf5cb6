#!/usr/bin/env python3
"""Make the "derived" captures from real ones, by editing pcap records.

Only classic pcap files (microsecond or nanosecond) with link type 1
(Ethernet, as tcpdump writes for the loopback interface) carrying IPv4 or
IPv6 TCP are handled.  The packets themselves are the captured ones; an edit
only drops, reorders or copies whole records, except `overlap`, which
rebuilds one TCP segment from bytes of the same connection (so its IP length,
IP checksum and TCP checksum are recomputed).  Timestamps stay in order.

    pcapedit.py list FILE
    pcapedit.py reorder IN OUT                 ClientHello segments 2 and 3 swapped
    pcapedit.py duplicate IN OUT               ClientHello segment 2 seen again after segment 3
    pcapedit.py overlap IN OUT                 segment 3 re-cut to start 100 bytes inside segment 2
    pcapedit.py gap IN OUT                     ClientHello segment 2 missing
    pcapedit.py cut-after-clienthello IN OUT   capture ends right after the ClientHello
    pcapedit.py start-at-serverhello IN OUT    capture starts at the ServerHello
    pcapedit.py lose-first-segment IN OUT      the client's first data segment missing (the
                                               capture lost the start of the ClientHello)
    pcapedit.py snaplen-96 IN OUT              every packet cut to its first 96 bytes, as
                                               `tcpdump -s 96` would have captured it

"The ClientHello segments" are the client's data segments sent before the
server's first data segment (the client is the sender of the first SYN).
"""

import signal
import struct
import sys

# pcap file header (libpcap format):
#   magic u32 | version_major u16 | version_minor u16 | thiszone i32 |
#   sigfigs u32 | snaplen u32 | linktype u32
# record header: ts_sec u32 | ts_frac u32 | incl_len u32 | orig_len u32
MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D


class Packet:
    def __init__(self, sec, frac, data, orig_len):
        self.sec, self.frac, self.data, self.orig_len = sec, frac, bytearray(data), orig_len
        self.parse()

    def parse(self):
        d = self.data
        self.tcp = None
        if len(d) < 14:
            return
        ethertype = struct.unpack("!H", d[12:14])[0]
        off = 14
        if ethertype == 0x0800:
            ihl = (d[off] & 0x0F) * 4
            if d[off + 9] != 6:
                return
            self.ip_off, self.ip_ver = off, 4
            self.src, self.dst = bytes(d[off + 12:off + 16]), bytes(d[off + 16:off + 20])
            total = struct.unpack("!H", d[off + 2:off + 4])[0]
            tcp_off, ip_end = off + ihl, off + total
        elif ethertype == 0x86DD:
            if d[off + 6] != 6:
                return
            self.ip_off, self.ip_ver = off, 6
            self.src, self.dst = bytes(d[off + 8:off + 24]), bytes(d[off + 24:off + 40])
            plen = struct.unpack("!H", d[off + 4:off + 6])[0]
            tcp_off, ip_end = off + 40, off + 40 + plen
        else:
            return
        self.tcp = tcp_off
        self.sport, self.dport, self.seq, self.ack = struct.unpack("!HHII", d[tcp_off:tcp_off + 12])
        self.doff = (d[tcp_off + 12] >> 4) * 4
        self.flags = d[tcp_off + 13]
        self.payload_off = tcp_off + self.doff
        self.payload = bytes(d[self.payload_off:ip_end])

    @property
    def time(self):
        return (self.sec, self.frac)

    def flag_names(self):
        names = "FSRPAU"
        return "".join(n for i, n in enumerate(names) if self.flags & (1 << i))


def read_pcap(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack("<I", raw[:4])[0]
    if magic not in (MAGIC_US, MAGIC_NS):
        sys.exit("%s: not a little-endian classic pcap" % path)
    header = raw[:24]
    linktype = struct.unpack("<I", raw[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, only Ethernet (1) handled" % (path, linktype))
    packets, off = [], 24
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack("<IIII", raw[off:off + 16])
        packets.append(Packet(sec, frac, raw[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    units = 1_000_000_000 if magic == MAGIC_NS else 1_000_000
    return header, units, packets


def write_pcap(path, header, packets):
    with open(path, "wb") as f:
        f.write(header)
        for p in packets:
            f.write(struct.pack("<IIII", p.sec, p.frac, len(p.data), len(p.data)))
            f.write(p.data)
    print("wrote %s: %d packets" % (path, len(packets)))


def between(a, b, units):
    """A timestamp halfway between packets a and b."""
    ta = a.sec * units + a.frac
    tb = b.sec * units + b.frac
    t = (ta + tb) // 2
    return divmod(t, units)


def client_endpoint(packets):
    for p in packets:
        if p.tcp is not None and p.flags & 0x02 and not p.flags & 0x10:  # SYN without ACK
            return (p.src, p.sport)
    sys.exit("no SYN in capture")


def clienthello_segments(packets):
    """Indexes of the client's data segments before the server's first data."""
    client = client_endpoint(packets)
    idx = []
    for i, p in enumerate(packets):
        if p.tcp is None or not p.payload:
            continue
        if (p.src, p.sport) == client:
            idx.append(i)
        else:
            break
    return idx


def handshake_types(payload):
    """Handshake message types at the start of TLS records in this payload
    (only records that begin inside it; enough to find ClientHello/ServerHello)."""
    types, off = [], 0
    while off + 6 <= len(payload):
        ctype, _v, length = struct.unpack("!BHH", payload[off:off + 5])
        if ctype == 22:
            types.append(payload[off + 5])
        off += 5 + length
    return types


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def rebuild_segment(template, seq, payload):
    """A copy of TCP packet `template` with another sequence number and payload;
    IP length, IPv4 header checksum and TCP checksum recomputed."""
    t = template
    d = bytearray(t.data[:t.payload_off]) + payload
    tcp, ip = t.tcp, t.ip_off
    struct.pack_into("!I", d, tcp + 4, seq)
    tcp_len = len(d) - tcp
    if t.ip_ver == 4:
        struct.pack_into("!H", d, ip + 2, len(d) - ip)
        struct.pack_into("!H", d, ip + 10, 0)
        ihl = (d[ip] & 0x0F) * 4
        struct.pack_into("!H", d, ip + 10, checksum(bytes(d[ip:ip + ihl])))
        pseudo = t.src + t.dst + struct.pack("!BBH", 0, 6, tcp_len)
    else:
        struct.pack_into("!H", d, ip + 4, tcp_len)
        pseudo = t.src + t.dst + struct.pack("!IxxxB", tcp_len, 6)
    struct.pack_into("!H", d, tcp + 16, 0)
    struct.pack_into("!H", d, tcp + 16, checksum(pseudo + bytes(d[tcp:])))
    p = Packet(t.sec, t.frac, bytes(d), len(d))
    return p


def need_segments(packets, n=3):
    segs = clienthello_segments(packets)
    if len(segs) < n:
        sys.exit("expected at least %d ClientHello segments, found %d" % (n, len(segs)))
    return segs


def op_list(path):
    _h, _u, packets = read_pcap(path)
    for i, p in enumerate(packets, 1):
        if p.tcp is None:
            print(i, "non-TCP")
            continue
        print(i, "%d.%06d" % (p.sec, p.frac), p.sport, "->", p.dport, p.flag_names(),
              "seq=%d" % p.seq, "len=%d" % len(p.payload), handshake_types(p.payload))


def op_reorder(src, dst):
    header, units, packets = read_pcap(src)
    s1, s2, s3 = need_segments(packets)[:3]
    # segment 3 is captured where segment 2 was, and segment 2 where 3 was;
    # each keeps the timestamp slot of the position it moves to
    p2, p3 = packets[s2], packets[s3]
    (p2.sec, p2.frac), (p3.sec, p3.frac) = (p3.sec, p3.frac), (p2.sec, p2.frac)
    packets[s2], packets[s3] = p3, p2
    write_pcap(dst, header, packets)


def op_duplicate(src, dst):
    header, units, packets = read_pcap(src)
    s1, s2, s3 = need_segments(packets)[:3]
    dup = Packet(0, 0, bytes(packets[s2].data), packets[s2].orig_len)
    nxt = packets[s3 + 1] if s3 + 1 < len(packets) else packets[s3]
    dup.sec, dup.frac = between(packets[s3], nxt, units)
    packets.insert(s3 + 1, dup)
    write_pcap(dst, header, packets)


def op_overlap(src, dst, back=100):
    header, units, packets = read_pcap(src)
    s1, s2, s3 = need_segments(packets)[:3]
    p2, p3 = packets[s2], packets[s3]
    back = min(back, len(p2.payload))
    # the new segment 3 starts `back` bytes before its original start and
    # repeats those bytes of segment 2 (same bytes: a consistent overlap)
    new = rebuild_segment(p3, (p3.seq - back) & 0xFFFFFFFF, p2.payload[-back:] + p3.payload)
    new.sec, new.frac = p3.sec, p3.frac
    packets[s3] = new
    write_pcap(dst, header, packets)


def op_gap(src, dst):
    header, units, packets = read_pcap(src)
    s1, s2, s3 = need_segments(packets)[:3]
    del packets[s2]
    write_pcap(dst, header, packets)


def op_cut_after_clienthello(src, dst):
    header, units, packets = read_pcap(src)
    segs = clienthello_segments(packets)
    if not segs or 1 not in handshake_types(packets[segs[0]].payload):
        sys.exit("no ClientHello found")
    write_pcap(dst, header, packets[:segs[-1] + 1])


def op_start_at_serverhello(src, dst):
    header, units, packets = read_pcap(src)
    for i, p in enumerate(packets):
        if p.tcp is not None and 2 in handshake_types(p.payload):
            write_pcap(dst, header, packets[i:])
            return
    sys.exit("no ServerHello found")


def op_snaplen_96(src, dst):
    header, units, packets = read_pcap(src)
    header = header[:16] + struct.pack("<I", 96) + header[20:]
    with open(dst, "wb") as f:
        f.write(header)
        for p in packets:
            cut = bytes(p.data[:96])
            f.write(struct.pack("<IIII", p.sec, p.frac, len(cut), len(p.data)))
            f.write(cut)
    print("wrote %s: %d packets, cut to 96 bytes" % (dst, len(packets)))


def op_lose_first_segment(src, dst):
    header, units, packets = read_pcap(src)
    s1 = need_segments(packets)[0]
    del packets[s1]
    write_pcap(dst, header, packets)


OPS = {
    "lose-first-segment": op_lose_first_segment,
    "snaplen-96": op_snaplen_96,
    "reorder": op_reorder,
    "duplicate": op_duplicate,
    "overlap": op_overlap,
    "gap": op_gap,
    "cut-after-clienthello": op_cut_after_clienthello,
    "start-at-serverhello": op_start_at_serverhello,
}

if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    if len(sys.argv) == 3 and sys.argv[1] == "list":
        op_list(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] in OPS:
        OPS[sys.argv[1]](sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
