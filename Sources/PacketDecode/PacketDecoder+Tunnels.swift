extension PacketDecoder {
    /// Follows a UDP tunnel if the ports and the tunnel header say so; nil to keep the UDP packet
    /// (so a DNS or QUIC flow that merely uses one of these ports still comes out as UDP).
    ///
    /// VXLAN (RFC 7348 §5), UDP 4789 (and Linux's old default 8472):
    /// ```
    /// |R|R|R|R|I|R|R|R|            Reserved                           |
    /// |                VXLAN Network Identifier (VNI) |   Reserved    |
    /// ```
    /// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe), UDP 4790: the Next Protocol byte (1 IPv4, 2 IPv6,
    /// 3 Ethernet, 5 MPLS) says what follows; 0 (plain VXLAN sent to 4790) means Ethernet. Like
    /// Wireshark we read it even when the P flag is clear, as senders do not all set it.
    /// ```
    /// |R|R|Ver|I|P|B|O|       Reserved                |Next Protocol  |
    /// |                VXLAN Network Identifier (VNI) |   Reserved    |
    /// ```
    /// Geneve (RFC 8926 §3.4), UDP 6081:
    /// ```
    /// |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
    /// |        Virtual Network Identifier (VNI)       |    Reserved   |
    /// |                    Variable-Length Options (Opt Len × 4)      |
    /// ```
    /// GTP-U (3GPP TS 29.281 §5.1), UDP 2152, message type 0xFF (G-PDU) carries an IP packet:
    /// ```
    /// | Version (3) | PT (1) | * (1) | E (1) | S (1) | PN (1) | Message Type (8) | Length (16) |
    /// | TEID (32) |
    /// | Sequence Number (16) | N-PDU Number (8) | Next Extension Type (8) |   (when E, S or PN)
    /// | extension headers: | length in 4-byte units (8) | … | next type (8) |
    /// ```
    /// AWS traffic mirroring is VXLAN on 4789.
    mutating func udpTunnel(_ sport: UInt16, _ dport: UInt16, _ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int,
                            _ wireEnd: Int, _ L: inout Layers) -> Step? {
        @inline(__always) func either(_ p: UInt16) -> Bool { sport == p || dport == p }
        if either(4789) || either(8472) {
            guard off &+ 8 <= end, b.u8(off) & 0x08 != 0 else { return nil }
            guard enterTunnel(&L, .vxlan) else { return skip(.malformed) }
            return ethernet(b, off &+ 8, end, wireEnd, &L)
        }
        if either(4790) {
            guard off &+ 8 <= end else { return nil }
            let flags = b.u8(off)
            guard flags & 0x08 != 0 else { return nil }
            guard enterTunnel(&L, .vxlan) else { return skip(.malformed) }
            switch b.u8(off &+ 3) {
            case 0: return ethernet(b, off &+ 8, end, wireEnd, &L)
            case 1: return ipv4(b, off &+ 8, end, wireEnd, &L)
            case 2: return ipv6(b, off &+ 8, end, wireEnd, &L)
            case 3: return ethernet(b, off &+ 8, end, wireEnd, &L)
            case 5: return mpls(b, off &+ 8, end, wireEnd, &L)
            default: return skip(.notIP)
            }
        }
        if dport == 6081 || sport == 6081 {
            guard off &+ 8 <= end, b.u8(off) >> 6 == 0 else { return nil }
            let hlen = 8 &+ Int(b.u8(off) & 0x3F) &* 4
            guard enterTunnel(&L, .geneve) else { return skip(.malformed) }
            guard off &+ hlen <= wireEnd else { return skip(.malformed) }
            guard off &+ hlen <= end else { return skip(.truncatedHeaders) }
            let proto = b.be16(off &+ 2)
            if proto == 0x6558 { return ethernet(b, off &+ hlen, end, wireEnd, &L) }
            return etherType(proto, b, off &+ hlen, end, wireEnd, &L)
        }
        if either(2152) {
            guard off &+ 8 <= end else { return nil }
            let flags = b.u8(off)
            guard flags >> 5 == 1, flags & 0x10 != 0, b.u8(off &+ 1) == 0xFF else { return nil }
            guard enterTunnel(&L, .gtp) else { return skip(.malformed) }
            let gEnd = off &+ 8 &+ Int(b.be16(off &+ 2))
            guard gEnd <= wireEnd else { return skip(.malformed) }
            let e = min(end, gEnd)
            var o = off &+ 8
            if flags & 0x07 != 0 {
                guard o &+ 4 <= e else { return skip(.truncatedHeaders) }
                var next = b.u8(o &+ 3)
                o &+= 4
                while next != 0 {
                    guard o &+ 1 <= e else { return skip(.truncatedHeaders) }
                    let len = Int(b.u8(o)) &* 4
                    guard len > 0, o &+ len <= gEnd else { return skip(.malformed) }
                    guard o &+ len <= e else { return skip(.truncatedHeaders) }
                    next = b.u8(o &+ len &- 1)
                    o &+= len
                }
            }
            guard o &+ 1 <= e else { return o < gEnd ? skip(.truncatedHeaders) : skip(.notIP) }
            switch b.u8(o) >> 4 {
            case 4: return ipv4(b, o, e, gEnd, &L)
            case 6: return ipv6(b, o, e, gEnd, &L)
            default: return skip(.notIP)
            }
        }
        return nil
    }

    /// GRE (RFC 2784, keys and sequence numbers RFC 2890, routing RFC 1701):
    /// ```
    /// |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
    /// |      Checksum (optional)      |       Offset (optional)       |
    /// |                         Key (optional)                        |
    /// |                 Sequence Number (optional)                    |
    /// |                         Routing (optional)                    |
    /// ```
    /// Version 1 is PPTP's enhanced GRE (RFC 2637 §4.1) carrying PPP:
    /// ```
    /// |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
    /// |    Key (HW) Payload Length    |       Key (LW) Call ID        |
    /// |                  Sequence Number (Optional)                   |
    /// |               Acknowledgment Number (Optional)                |
    /// ```
    /// Payloads: 0x6558 Ethernet, 0x0800 IPv4, 0x86DD IPv6, 0x8847 MPLS, 0x880B PPP,
    /// 0x88BE ERSPAN type II (type I when the S bit is clear: no ERSPAN header), 0x22EB ERSPAN III.
    mutating func gre(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        guard off &+ 4 <= wireEnd else { return skip(.malformed) }
        guard off &+ 4 <= end else { return skip(.truncatedHeaders) }
        let flags = b.be16(off)
        let proto = b.be16(off &+ 2)
        let version = flags & 0x0007
        let c = flags & 0x8000 != 0, r = flags & 0x4000 != 0, k = flags & 0x2000 != 0, s = flags & 0x1000 != 0
        var o = off &+ 4
        var e = end
        var w = wireEnd
        switch version {
        case 0:
            if c || r { o &+= 4 }
            if k { o &+= 4 }
            if s { o &+= 4 }
            if r {
                // Source route entries until the null one: | AF (2) | offset (1) | length (1) | … |
                while true {
                    guard o &+ 4 <= w else { return skip(.malformed) }
                    guard o &+ 4 <= e else { return skip(.truncatedHeaders) }
                    let af = b.be16(o), len = Int(b.u8(o &+ 3))
                    o &+= 4 &+ len
                    if af == 0 && len == 0 { break }
                }
            }
        case 1:
            guard k, off &+ 8 <= e else { return off &+ 8 <= w ? skip(.truncatedHeaders) : skip(.malformed) }
            let payloadLength = Int(b.be16(off &+ 4))
            let a = flags & 0x0080 != 0
            o = off &+ 8 &+ (s ? 4 : 0) &+ (a ? 4 : 0)
            let pEnd = o &+ payloadLength
            guard pEnd <= w else { return skip(.malformed) }
            e = min(e, pEnd)
            w = pEnd
            if payloadLength == 0 { return skip(.notIP) }      // an acknowledgment only
        default:
            return skip(.malformed)
        }
        guard o <= w else { return skip(.malformed) }
        guard o <= e else { return skip(.truncatedHeaders) }
        switch proto {
        case 0x6558:
            return ethernet(b, o, e, w, &L)
        case 0x0800:
            return ipv4(b, o, e, w, &L)
        case 0x86DD:
            return ipv6(b, o, e, w, &L)
        case 0x8847, 0x8848:
            return mpls(b, o, e, w, &L)
        case 0x880B:
            return ppp(b, o, e, w, &L)
        case 0x88BE:
            // ERSPAN type II (when GRE carries a sequence number; type I has no header):
            // | Ver (4) | VLAN (12) | COS (3) | En (2) | T (1) | Session ID (10) |
            // | Reserved (12) | Index (20) |
            L.encapsulation.insert(.erspan)
            if !s { return ethernet(b, o, e, w, &L) }
            guard o &+ 8 <= w else { return skip(.malformed) }
            guard o &+ 8 <= e else { return skip(.truncatedHeaders) }
            guard b.u8(o) >> 4 == 1 else { return skip(.malformed) }
            return ethernet(b, o &+ 8, e, w, &L)
        case 0x22EB:
            // ERSPAN type III:
            // | Ver (4) | VLAN (12) | COS (3) | BSO (2) | T (1) | Session ID (10) |
            // | Timestamp (32) |
            // | SGT (16) | P (1) | FT (5) | Hw ID (6) | D (1) | Gra (2) | O (1) |
            // | optional platform-specific subheader (8 bytes, when O) |
            L.encapsulation.insert(.erspan)
            guard o &+ 12 <= w else { return skip(.malformed) }
            guard o &+ 12 <= e else { return skip(.truncatedHeaders) }
            guard b.u8(o) >> 4 == 2 else { return skip(.malformed) }
            let word = b.be16(o &+ 10)
            let frameType = (word >> 10) & 0x1F
            let hlen = 12 &+ (word & 0x0001 != 0 ? 8 : 0)
            guard o &+ hlen <= w else { return skip(.malformed) }
            guard o &+ hlen <= e else { return skip(.truncatedHeaders) }
            switch frameType {
            case 0: return ethernet(b, o &+ hlen, e, w, &L)
            case 2:
                guard o &+ hlen &+ 1 <= e else { return skip(.truncatedHeaders) }
                switch b.u8(o &+ hlen) >> 4 {
                case 4: return ipv4(b, o &+ hlen, e, w, &L)
                case 6: return ipv6(b, o &+ hlen, e, w, &L)
                default: return skip(.malformed)
                }
            default: return skip(.notIP)
            }
        default:
            return skip(.notIP)
        }
    }
}
