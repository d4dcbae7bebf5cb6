import NetCore

extension PacketDecoder {
    /// How the common-case path finds the IP header for the decoder's link type. Public so that a
    /// read loop can fix it once for a run (`decode(_:wireLength:time:into:payload:link:)`) and
    /// have the fast path compiled for that one framing.
    public enum FastLink: UInt8, Sendable {
        /// No fast path (link type not covered, or turned off in the configuration).
        case none
        /// Ethernet II: EtherType at 12, IP at 14.
        case ethernet
        /// Linux cooked v1: ARPHRD type at 2, protocol at 14, IP at 16.
        case linuxSLL
        /// Linux cooked v2: protocol at 0, ARPHRD type at 8, IP at 20.
        case linuxSLL2
        /// Raw IP: the version nibble says which.
        case raw
        case ipv4
        case ipv6
        /// BSD loopback (DLT_NULL, DLT_LOOP): a 4-byte address family in either byte order, IP at 4.
        case loopback

        @usableFromInline
        init(linkType: Int32, enabled: Bool) {
            guard enabled else { self = .none; return }
            switch linkType {
            case LinkType.ethernet: self = .ethernet
            case LinkType.linuxSLL: self = .linuxSLL
            case LinkType.linuxSLL2: self = .linuxSLL2
            case LinkType.raw, LinkType.rawOpenBSD, LinkType.linktypeRaw: self = .raw
            case LinkType.ipv4: self = .ipv4
            case LinkType.ipv6: self = .ipv6
            case LinkType.null, LinkType.loop: self = .loopback
            default: self = .none
            }
        }
    }

    /// The common case in one pass: an untagged link header (Ethernet II, Linux cooked v1/v2, raw
    /// IP), then IPv4 without options or fragmentation, or IPv6 whose next header is TCP, then a
    /// TCP header that lies whole within the captured bytes and the IP length. Returns nil for
    /// anything else, and then nothing has been read into the decoder's state or counters: the
    /// full decoder (`linkLayer`) takes the packet from the start. Where it answers, the answer
    /// is the one the full decoder gives (same packet, same payload, same counters): that is
    /// tested over every packet of the repository's and the shared corpus's captures and over
    /// mutated packets (Tests/PacketDecodeTests/FastPathTests.swift).
    ///
    /// The layers it stands for, with the checks that send a packet back to the full decoder:
    /// - Ethernet (RFC 894) `| dst (6) | src (6) | EtherType (2) |`: EtherType 0x0800 or 0x86DD
    ///   (PPPoE, MPLS, 802.3 lengths go back; a frame with one VLAN tag is tried next by
    ///   `decodeCommonTagged`, two or more go back).
    /// - BSD loopback `| address family (4, host order) |`: 2 (IPv4), or 24, 28, 30 (IPv6 on the
    ///   BSDs and macOS).
    /// - Linux cooked v1 `| pkttype (2) | ARPHRD (2) | addrlen (2) | addr (8) | protocol (2) |`,
    ///   v2 `| protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | pkttype (1) | addrlen (1) | addr (8) |`:
    ///   protocol 0x0800 or 0x86DD, ARPHRD not netlink (824).
    /// - IPv4 (RFC 791 §3.1): first byte 0x45 (version 4, IHL 5: no options), Total Length ≥ 20
    ///   (0, left by segmentation offload, goes back: it is counted there), MF clear and fragment
    ///   offset 0, protocol 6.
    /// - IPv6 (RFC 8200 §3): version 6, Payload Length > 0, Next Header 6 (any extension header
    ///   goes back).
    /// - TCP (RFC 9293 §3.1): the 20-byte fixed header and Data Offset × 4 ≥ 20 bytes within both
    ///   the captured bytes and the IP length; options read as the full decoder reads them.
    /// The link layers here give no length of their own, so the IP length alone bounds the
    /// datagram (bytes past it are padding), and a capture cut inside the payload is `truncated`.
    @inline(__always)
    mutating func decodeCommon(_ b: UnsafeRawBufferPointer) -> DecodeResult? {
        var p = DecodedPacket.empty
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        guard decodeCommon(b, into: &p, payload: &payload) else { return nil }
        return .packet(p, payload: payload)
    }

    /// `decodeCommon` into the caller's storage: true when it answered (then `packet` and `payload`
    /// are overwritten whole); false leaves both untouched.
    @inlinable @inline(__always)
    mutating func decodeCommon(_ b: UnsafeRawBufferPointer, into packet: inout DecodedPacket,
                               payload: inout UnsafeRawBufferPointer) -> Bool {
        var shape = StorageShape.unknown
        return decodeCommon(b, link: fastLink, tcpOptions: readsTCPOptions, into: &packet, payload: &payload,
                            shape: &shape)
    }

    /// What a caller's packet storage is known to hold, kept by the caller beside the storage
    /// across `decode(_:wireLength:time:into:payload:link:tcpOptions:shape:)` calls: after a fast
    /// path answer, the fields that answer sets to the same values for every packet of its IP
    /// version (the addresses' upper halves and families for IPv4, the IP protocol, no fragments,
    /// no encapsulation, no VLAN id); the next fast path answer of that version sets only the
    /// rest. Anything else (the full decoder, a packet not answered) leaves it `.unknown`.
    public enum StorageShape: UInt8, Sendable {
        case unknown
        case fastIPv4
        case fastIPv6
    }

    /// `decodeCommon` for the framing `link` with TCP options read or not, which must be the
    /// decoder's `fastLink` and `readsTCPOptions` (the callers check them, or pass them). With
    /// both constants at the call the framing's switch and the options' test fold away: one
    /// framing's checks, straight through. Every check comes before the first field is kept, and
    /// each IP version keeps its fields in a branch of its own (no values carried across a join).
    @inlinable @inline(__always)
    mutating func decodeCommon(_ b: UnsafeRawBufferPointer, link: FastLink, tcpOptions: Bool,
                               into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer,
                               shape: inout StorageShape) -> Bool {
        // Every read below is at an offset checked against `end` first; the base is unwrapped
        // once here (an empty buffer may have none: then no framing's length check passes).
        guard let p = b.baseAddress else { return false }
        let end = b.count
        let off: Int
        let type: UInt16
        switch link {
        case .ethernet:
            guard end >= 14 else { return false }
            type = p.be16(12); off = 14
        case .linuxSLL:
            guard end >= 16, p.be16(2) != 824 else { return false }
            type = p.be16(14); off = 16
        case .linuxSLL2:
            guard end >= 20, p.be16(8) != 824 else { return false }
            type = p.be16(0); off = 20
        case .raw:
            guard end >= 1 else { return false }
            switch p.u8(0) >> 4 {
            case 4: type = 0x0800
            case 6: type = 0x86DD
            default: return false
            }
            off = 0
        case .ipv4: type = 0x0800; off = 0
        case .ipv6: type = 0x86DD; off = 0
        case .loopback:
            // The family as the full decoder reads it: host order of the capturing machine, so
            // little-endian unless that reads above 16 bits.
            guard end >= 4 else { return false }
            var af = p.le32(0)
            if af > 0xFFFF { af = af.byteSwapped }
            switch af {
            case 2: type = 0x0800
            case 24, 28, 30: type = 0x86DD
            default: return false
            }
            off = 4
        case .none: return false
        }
        return commonIP(b, p, end: end, type: type, off: off, tcpOptions: tcpOptions, into: &packet, payload: &payload,
                        shape: &shape)
    }

    /// The IP and TCP part of the fast path, for the datagram at `off` (≤ 20, ≤ `end`) of
    /// EtherType `type`; see `decodeCommon`.
    @inlinable @inline(__always)
    mutating func commonIP(_ b: UnsafeRawBufferPointer, _ p: UnsafeRawPointer, end: Int, type: UInt16, off: Int,
                           tcpOptions: Bool, into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer,
                           shape: inout StorageShape) -> Bool {
        if type == 0x0800 {
            // `off` ≤ 20 and `end` ≥ `off` here, so `end &- off` cannot wrap.
            guard end &- off >= 20, p.u8(off) == 0x45 else { return false }
            let total = Int(p.be16(off &+ 2))
            guard total >= 20, p.be16(off &+ 6) & 0x3FFF == 0, p.u8(off &+ 9) == 6 else { return false }
            let t = off &+ 20
            let claimedEnd = off &+ total       // both small: no overflow
            let e = min(end, claimedEnd)
            guard let hEnd = Self.commonTCPHeaderEnd(p, t, e) else { return false }
            commonTCP(b, p, ip: off, v6: false, t: t, hEnd: hEnd, e: e, claimedEnd: claimedEnd, tcpOptions: tcpOptions,
                      into: &packet, payload: &payload, shape: &shape)
            return true
        } else if type == 0x86DD {
            guard end &- off >= 40, p.u8(off) >> 4 == 6, p.u8(off &+ 6) == 6 else { return false }
            let plen = Int(p.be16(off &+ 4))
            guard plen > 0 else { return false }
            let t = off &+ 40
            let claimedEnd = t &+ plen          // both small: no overflow
            let e = min(end, claimedEnd)
            guard let hEnd = Self.commonTCPHeaderEnd(p, t, e) else { return false }
            commonTCP(b, p, ip: off, v6: true, t: t, hEnd: hEnd, e: e, claimedEnd: claimedEnd, tcpOptions: tcpOptions,
                      into: &packet, payload: &payload, shape: &shape)
            return true
        }
        return false
    }

    /// The fast path for an Ethernet frame with one 802.1Q tag (IEEE 802.1Q 9.6; TPID 0x8100, or
    /// 0x88A8, 0x9100, 0x9200 as the full decoder takes them), tried only for frames the untagged
    /// path did not take (no cost to untagged traffic):
    /// ```
    /// | dst (6) | src (6) | TPID (2) | PCP (3) | DEI (1) | VID (12) | EtherType (2) | IP …
    /// ```
    /// The IP and TCP checks are the untagged path's; the answer also names the tag, as the full
    /// decoder does (`encapsulation` [.vlan], `vlanID` the VID). A second tag goes back. Called
    /// by `decodeLayers` first (which the fast path's callers reach with the storage's shape
    /// unknown: every field is set).
    @inline(__always)
    mutating func decodeCommonTagged(_ b: UnsafeRawBufferPointer, tcpOptions: Bool, into packet: inout DecodedPacket,
                                     payload: inout UnsafeRawBufferPointer) -> Bool {
        guard fastLink == .ethernet, let p = b.baseAddress else { return false }
        let end = b.count
        guard end >= 18 else { return false }
        let tpid = p.be16(12)
        guard tpid == 0x8100 || tpid == 0x88A8 || tpid == 0x9100 || tpid == 0x9200 else { return false }
        var fresh = StorageShape.unknown
        guard commonIP(b, p, end: end, type: p.be16(16), off: 18, tcpOptions: tcpOptions, into: &packet,
                       payload: &payload, shape: &fresh) else { return false }
        packet.encapsulation = .vlan
        packet.vlanID = p.be16(14) & 0x0FFF
        return true
    }

    /// Where the TCP header at `t` ends, when its fixed part and Data Offset × 4 ≥ 20 bytes lie
    /// within `e` (the captured bytes and the IP length both); nil otherwise.
    @inlinable @inline(__always)
    static func commonTCPHeaderEnd(_ p: UnsafeRawPointer, _ t: Int, _ e: Int) -> Int? {
        guard t &+ 20 <= e else { return nil }
        let thl = Int(p.u8(t &+ 12) >> 4) &* 4
        let hEnd = t &+ thl
        guard thl >= 20, hEnd <= e else { return nil }
        return hEnd
    }

    /// The fast path's answer, once every check has passed: the IP header at `ip` (version 6 or
    /// 4 as `v6` says, a constant at each call), the TCP header at `t` (to `hEnd`), the payload
    /// to `e`, the IP length's end `claimedEnd` (beyond the bytes: truncated).
    ///
    /// Every field of `packet` is set, one after another as its bytes are read (the compiler
    /// cannot move a read of the packet bytes past a store into `packet`, which might overlap
    /// them: values built whole first were all held in registers, and spilled, before the
    /// first store), but those `shape` says the storage holds already (see `StorageShape`). A
    /// field added to `DecodedPacket` must be set here too; the fast path tests decode into
    /// storage kept across packets, with and without a shape, and compare every field with the
    /// full decoder's.
    @inlinable @inline(__always)
    mutating func commonTCP(_ b: UnsafeRawBufferPointer, _ p: UnsafeRawPointer, ip: Int, v6: Bool, t: Int, hEnd: Int,
                            e: Int, claimedEnd: Int, tcpOptions: Bool,
                            into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer,
                            shape: inout StorageShape) {
        let want: StorageShape = v6 ? .fastIPv6 : .fastIPv4
        if shape != want {
            // The fields every answer of this IP version sets alike (the addresses' families, and
            // for IPv4 their upper halves; the rest of them is set below).
            packet.src = v6 ? IPAddress(v6High: 0, v6Low: 0) : IPAddress(v4: 0)
            packet.dst = v6 ? IPAddress(v6High: 0, v6Low: 0) : IPAddress(v4: 0)
            packet.ipProtocol = 6
            packet.reassembledFromFragments = false
            packet.encapsulation = []
            packet.vlanID = nil
            shape = want
        }
        if v6 {
            packet.src.high = p.be64(ip &+ 8)
            packet.src.low = p.be64(ip &+ 16)
            packet.dst.high = p.be64(ip &+ 24)
            packet.dst.low = p.be64(ip &+ 32)
            packet.hopLimit = p.u8(ip &+ 7)
        } else {
            packet.src.low = UInt64(p.be32(ip &+ 12))
            packet.dst.low = UInt64(p.be32(ip &+ 16))
            packet.hopLimit = p.u8(ip &+ 8)
        }
        packet.srcPort = p.be16(t)
        packet.dstPort = p.be16(t &+ 2)
        var info = TCPInfo(seq: p.be32(t &+ 4), ack: p.be32(t &+ 8), flags: TCPFlags(rawValue: p.u8(t &+ 13)),
                           window: p.be16(t &+ 14))
        // Options: none, or just NOP NOP Timestamps (kind 8, length 10), the usual shape after the
        // SYN, carry nothing kept; anything else is walked (when they are read at all).
        let thl = hEnd &- t
        if tcpOptions && thl > 20 && !(thl == 32 && p.be32(t &+ 20) == 0x0101_080A) {
            Self.readTCPOptions(b, t &+ 20, hEnd, &info)
        }
        packet.tcp = info
        let truncated = claimedEnd > b.count
        packet.payloadWireLength = claimedEnd &- hEnd
        packet.truncated = truncated
        // The payload `hEnd..<e` (both within the bytes), empty when there is none.
        payload = e > hEnd ? UnsafeRawBufferPointer(start: p + hEnd, count: e &- hEnd)
                           : UnsafeRawBufferPointer(start: nil, count: 0)
        counters.tcp &+= 1
        if truncated { counters.truncated &+= 1 }
    }

    /// TCP options from `i` to `hEnd` (both within the bytes): 0 end, 1 no-op, then kind, length,
    /// data: MSS (2, 4), window scale (3, 3), SACK permitted (4, 2); others are stepped over. A
    /// length that does not fit ends the walk. Shared by both paths (neither calls it when
    /// `Configuration.tcpOptions` is off).
    @inlinable @inline(__always)
    static func readTCPOptions(_ b: UnsafeRawBufferPointer, _ start: Int, _ hEnd: Int, _ info: inout TCPInfo) {
        var i = start
        while i < hEnd {
            let kind = b.u8(i)
            if kind == 0 { break }
            if kind == 1 { i &+= 1; continue }
            guard i &+ 2 <= hEnd else { break }
            let len = Int(b.u8(i &+ 1))
            guard len >= 2, i &+ len <= hEnd else { break }
            switch (kind, len) {
            case (2, 4): info.mss = b.be16(i &+ 2)
            case (3, 3): info.windowScale = b.u8(i &+ 2)
            case (4, 2): info.sackPermitted = true
            default: break
            }
            i &+= len
        }
    }
}
