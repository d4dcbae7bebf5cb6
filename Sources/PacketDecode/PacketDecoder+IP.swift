import NetCore

extension PacketDecoder {
    // Conventions: `b` holds the bytes, `off` is where this header starts, `end` is how far bytes
    // may be read (captured and within every enclosing length), `wireEnd` is where the enclosing
    // headers say the data ends (Int.max when none says), which may lie beyond `end` when the
    // capture cut the packet. An IP datagram claiming to reach past `wireEnd` is cut to it
    // (counted in `ipLengthBeyondLink`): the enclosing length is the one the link delivered.

    /// IPv4 (RFC 791 §3.1):
    /// ```
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |Version|  IHL  |Type of Service|          Total Length         |
    /// |         Identification        |Flags|      Fragment Offset    |
    /// |  Time to Live |    Protocol   |         Header Checksum       |
    /// |                       Source Address                          |
    /// |                    Destination Address                        |
    /// |                    Options                    |    Padding    |
    /// ```
    /// Total Length bounds the datagram: bytes after it (Ethernet padding) are not payload.
    mutating func ipv4(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        guard off &+ 20 <= end else { return skip(.truncatedHeaders) }
        let vihl = b.u8(off)
        guard vihl >> 4 == 4 else { return skip(.malformed) }
        let ihl = Int(vihl & 0x0F) &* 4
        guard ihl >= 20 else { return skip(.malformed) }
        var total = Int(b.be16(off &+ 2))
        if total == 0 && !L.sawIP && L.tunnels == 0 {
            // TCP segmentation offload: the capturing host saw the segment before the NIC filled
            // in the length. Take it from the frame.
            total = max(0, min(L.wireLength, wireEnd) &- off)
            counters.ipLengthFromFrame &+= 1
        }
        guard total >= ihl else { return skip(.malformed) }
        var claimedEnd = off &+ total
        if claimedEnd > wireEnd {
            guard wireEnd >= off &+ ihl else { return skip(.malformed) }
            claimedEnd = wireEnd
            counters.ipLengthBeyondLink &+= 1
        }
        guard off &+ ihl <= end else { return skip(.truncatedHeaders) }
        L.sawIP = true
        let frag = b.be16(off &+ 6)
        let more = frag & 0x2000 != 0
        let fragOffset = Int(frag & 0x1FFF) &* 8
        let proto = b.u8(off &+ 9)
        let src = IPAddress(v4: b.be32(off &+ 12))
        let dst = IPAddress(v4: b.be32(off &+ 16))
        let ttl = b.u8(off &+ 8)
        let e = min(end, claimedEnd)
        if more || fragOffset != 0 {
            guard claimedEnd <= end else { return fragmentTruncated() }
            let key = FragmentStore.Key(src: src, dst: dst, id: UInt32(b.be16(off &+ 4)), proto: proto, isV6: false)
            return fragment(key: key, offset: fragOffset, more: more, proto: proto,
                            data: b.slice(off &+ ihl, claimedEnd), src: src, dst: dst, ttl: ttl, &L)
        }
        return ipPayload(proto, b, off &+ ihl, e, claimedEnd, src: src, dst: dst, ttl: ttl, &L)
    }

    /// IPv6 (RFC 8200 §3), then its extension headers (§4):
    /// ```
    /// |Version| Traffic Class |           Flow Label                  |
    /// |         Payload Length        |  Next Header  |   Hop Limit   |
    /// |                   Source Address (128 bits)                   |
    /// |                Destination Address (128 bits)                 |
    /// ```
    /// Hop-by-hop (0), routing (43) and destination options (60): `| Next | Hdr Ext Len | … |`,
    /// (len + 1) × 8 bytes. AH (51, RFC 4302): (len + 2) × 4 bytes. Fragment (44):
    /// ```
    /// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
    /// |                         Identification                        |
    /// ```
    /// ESP (50) and No Next Header (59) end the walk. Payload Length 0 (a jumbogram, RFC 2675)
    /// is reported as malformed.
    mutating func ipv6(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        guard off &+ 40 <= end else { return skip(.truncatedHeaders) }
        guard b.u8(off) >> 4 == 6 else { return skip(.malformed) }
        let plen = Int(b.be16(off &+ 4))
        guard plen > 0 else { return skip(.malformed) }
        var claimedEnd = off &+ 40 &+ plen
        if claimedEnd > wireEnd {
            guard wireEnd >= off &+ 40 else { return skip(.malformed) }
            claimedEnd = wireEnd
            counters.ipLengthBeyondLink &+= 1
        }
        L.sawIP = true
        let nh = b.u8(off &+ 6)
        let hop = b.u8(off &+ 7)
        let src = IPAddress(v6High: b.be64(off &+ 8), v6Low: b.be64(off &+ 16))
        let dst = IPAddress(v6High: b.be64(off &+ 24), v6Low: b.be64(off &+ 32))
        return ipv6Chain(nh, b, off &+ 40, min(end, claimedEnd), claimedEnd, src: src, dst: dst, hop: hop, &L)
    }

    /// Walks IPv6 extension headers from `o` (next header `nh`) to the upper layer. Also used for
    /// the fragmentable part of a reassembled datagram, which may begin with more of them.
    mutating func ipv6Chain(_ nh: UInt8, _ b: UnsafeRawBufferPointer, _ o: Int, _ e: Int, _ claimedEnd: Int,
                            src: IPAddress, dst: IPAddress, hop: UInt8, _ L: inout Layers) -> Step {
        var nh = nh
        var o = o
        // Each extension header is at least 8 bytes, so the walk ends.
        while true {
            switch nh {
            case 0, 43, 60:
                guard o &+ 8 <= e else { return o &+ 8 <= claimedEnd ? skip(.truncatedHeaders) : skip(.malformed) }
                let len = (Int(b.u8(o &+ 1)) &+ 1) &* 8
                guard o &+ len <= claimedEnd else { return skip(.malformed) }
                guard o &+ len <= e else { return skip(.truncatedHeaders) }
                nh = b.u8(o)
                o &+= len
            case 51:
                guard o &+ 8 <= e else { return o &+ 8 <= claimedEnd ? skip(.truncatedHeaders) : skip(.malformed) }
                let len = (Int(b.u8(o &+ 1)) &+ 2) &* 4
                guard o &+ len <= claimedEnd else { return skip(.malformed) }
                guard o &+ len <= e else { return skip(.truncatedHeaders) }
                nh = b.u8(o)
                o &+= len
            case 44:
                guard o &+ 8 <= e else { return o &+ 8 <= claimedEnd ? skip(.truncatedHeaders) : skip(.malformed) }
                let next = b.u8(o)
                let fo = b.be16(o &+ 2)
                let fragOffset = Int(fo & 0xFFF8)
                let more = fo & 0x0001 != 0
                let id = b.be32(o &+ 4)
                o &+= 8
                if fragOffset == 0 && !more {
                    // An atomic fragment (RFC 6946): the whole datagram; just go on.
                    nh = next
                    continue
                }
                guard claimedEnd <= e else { return fragmentTruncated() }
                let key = FragmentStore.Key(src: src, dst: dst, id: id, proto: 0, isV6: true)
                return fragment(key: key, offset: fragOffset, more: more, proto: next,
                                data: b.slice(o, claimedEnd), src: src, dst: dst, ttl: hop, &L)
            default:
                return ipPayload(nh, b, o, e, claimedEnd, src: src, dst: dst, ttl: hop, &L)
            }
        }
    }

    /// What follows an IP header (or a reassembled datagram): TCP, UDP, or a tunnel.
    mutating func ipPayload(_ proto: UInt8, _ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ claimedEnd: Int,
                            src: IPAddress, dst: IPAddress, ttl: UInt8, _ L: inout Layers) -> Step {
        switch proto {
        case 6: return tcp(b, off, end, claimedEnd, src: src, dst: dst, ttl: ttl, &L)
        case 17: return udp(b, off, end, claimedEnd, src: src, dst: dst, ttl: ttl, &L)
        case 4:
            guard enterTunnel(&L, .ipInIP) else { return skip(.malformed) }
            return ipv4(b, off, end, claimedEnd, &L)
        case 41:
            guard enterTunnel(&L, .ipInIP) else { return skip(.malformed) }
            return ipv6(b, off, end, claimedEnd, &L)
        case 47:
            guard enterTunnel(&L, .gre) else { return skip(.malformed) }
            return gre(b, off, end, claimedEnd, &L)
        default:
            return skip(.otherTransport)
        }
    }

    // MARK: fragments

    mutating func fragmentTruncated() -> Step {
        // A fragment the capture cut cannot be put back together.
        counters.fragmentsDropped &+= 1
        return skip(.fragmentDropped)
    }

    mutating func fragment(key: FragmentStore.Key, offset: Int, more: Bool, proto: UInt8, data: UnsafeRawBufferPointer,
                           src: IPAddress, dst: IPAddress, ttl: UInt8, _ L: inout Layers) -> Step {
        let store = uniqueFragments()
        let r = store.add(key: key, offset: offset, more: more, proto: proto, data: data, now: now)
        defer { syncFragmentCounters() }
        switch r {
        case .held:
            counters.fragmentsHeld &+= 1
            return .held
        case .dropped(let n):
            counters.fragmentsDropped &+= UInt64(n)
            return skip(.fragmentDropped)
        case .complete(let bytes, let p, _):
            counters.datagramsReassembled &+= 1
            L.reassembled = true
            if key.isV6 { return ipv6Chain(p, bytes, 0, bytes.count, bytes.count, src: src, dst: dst, hop: ttl, &L) }
            return ipPayload(p, bytes, 0, bytes.count, bytes.count, src: src, dst: dst, ttl: ttl, &L)
        }
    }

    // MARK: transports

    /// TCP (RFC 9293 §3.1):
    /// ```
    /// |          Source Port          |       Destination Port        |
    /// |                        Sequence Number                        |
    /// |                    Acknowledgment Number                      |
    /// |  Data |       |C|E|U|A|P|R|S|F|                               |
    /// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
    /// |           Checksum            |         Urgent Pointer        |
    /// |                    Options                    |    Padding    |
    /// ```
    /// Options: 0 end, 1 no-op, then kind, length, data: MSS (2, 4), window scale (3, 3),
    /// SACK permitted (4, 2); others (timestamps, SACK blocks, …) are stepped over; none are read
    /// when `Configuration.tcpOptions` is off.
    mutating func tcp(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ claimedEnd: Int,
                      src: IPAddress, dst: IPAddress, ttl: UInt8, _ L: inout Layers) -> Step {
        guard off &+ 20 <= claimedEnd else { return skip(.malformed) }
        guard off &+ 20 <= end else { return skip(.truncatedHeaders) }
        let thl = Int(b.u8(off &+ 12) >> 4) &* 4
        guard thl >= 20, off &+ thl <= claimedEnd else { return skip(.malformed) }
        guard off &+ thl <= end else { return skip(.truncatedHeaders) }
        var info = TCPInfo(seq: b.be32(off &+ 4), ack: b.be32(off &+ 8), flags: TCPFlags(rawValue: b.u8(off &+ 13)),
                           window: b.be16(off &+ 14))
        let hEnd = off &+ thl
        if readsTCPOptions { Self.readTCPOptions(b, off &+ 20, hEnd, &info) }
        let truncated = claimedEnd > end
        L.packet = DecodedPacket(src: src, dst: dst, ipProtocol: 6, srcPort: b.be16(off), dstPort: b.be16(off &+ 2),
                                 tcp: info, payloadWireLength: claimedEnd &- hEnd, truncated: truncated,
                                 reassembledFromFragments: L.reassembled, encapsulation: L.encapsulation, vlanID: L.vlanID)
        L.packet.hopLimit = ttl
        L.payload = b.slice(hEnd, end)
        counters.tcp &+= 1
        if truncated { counters.truncated &+= 1 }
        return .packet
    }

    /// UDP (RFC 768):
    /// ```
    /// |     Source Port     |   Destination Port  |
    /// |       Length        |      Checksum       |
    /// ```
    /// Length (header included) bounds the payload. VXLAN (4789, 8472), VXLAN-GPE (4790) and
    /// Geneve (6081) on either port are followed into, when their header checks out.
    mutating func udp(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ claimedEnd: Int,
                      src: IPAddress, dst: IPAddress, ttl: UInt8, _ L: inout Layers) -> Step {
        guard off &+ 8 <= claimedEnd else { return skip(.malformed) }
        guard off &+ 8 <= end else { return skip(.truncatedHeaders) }
        let sport = b.be16(off)
        let dport = b.be16(off &+ 2)
        let ulen = Int(b.be16(off &+ 4))
        guard ulen >= 8, off &+ ulen <= claimedEnd else { return skip(.malformed) }
        let uEnd = off &+ ulen
        let e = min(end, uEnd)
        let pStart = off &+ 8
        if let r = udpTunnel(sport, dport, b, pStart, e, uEnd, &L) { return r }
        let truncated = uEnd > end
        L.packet = DecodedPacket(src: src, dst: dst, ipProtocol: 17, srcPort: sport, dstPort: dport, tcp: nil,
                                 payloadWireLength: ulen &- 8, truncated: truncated,
                                 reassembledFromFragments: L.reassembled, encapsulation: L.encapsulation, vlanID: L.vlanID)
        L.packet.hopLimit = ttl
        L.payload = b.slice(pStart, e)
        counters.udp &+= 1
        if truncated { counters.truncated &+= 1 }
        return .packet
    }
}
