import NetCore

/// Why a packet produced nothing for the flow table. Each is counted; none is silent.
public enum SkipReason: Hashable, Sendable {
    /// The capture's link type is not one we decode (named once in a warning by the caller).
    case unsupportedLinkType
    /// Link-layer payload that is not IP (ARP, LLDP, STP, …).
    case notIP
    /// IP carrying something other than TCP or UDP (ICMP, ESP, …).
    case otherTransport
    /// Headers cut by the snapshot length before the transport header was complete.
    case truncatedHeaders
    /// A header whose fields are impossible (bad IHL, length shorter than header, …).
    case malformed
    /// An IP fragment was dropped (reassembly limits, overlap conflict, timeout).
    case fragmentDropped
}

/// What `PacketDecoder.decode` found.
public enum DecodeResult {
    /// A TCP or UDP packet. `payload` is valid until the next call to `decode`.
    case packet(DecodedPacket, payload: UnsafeRawBufferPointer)
    /// An IP fragment, kept until its datagram is complete.
    case fragmentHeld
    case skipped(SkipReason)
}

/// What `PacketDecoder.decode(_:wireLength:time:into:payload:)` found; for `.packet` the packet and
/// its payload are in the caller's storage.
public enum DecodeStatus: Hashable, Sendable {
    case packet
    case fragmentHeld
    case skipped(SkipReason)
}

extension DecodedPacket {
    /// A packet with every field zero: storage for `PacketDecoder.decode(_:wireLength:time:into:payload:)`.
    @inlinable
    public static var empty: DecodedPacket {
        DecodedPacket(src: IPAddress(v4: 0), dst: IPAddress(v4: 0), ipProtocol: 0, srcPort: 0, dstPort: 0,
                      tcp: nil, payloadWireLength: 0)
    }
}

/// Counters the decoder keeps for the end-of-run summary.
public struct DecodeCounters: Hashable, Sendable {
    public var packets: UInt64 = 0
    public var tcp: UInt64 = 0
    public var udp: UInt64 = 0
    public var truncated: UInt64 = 0
    public var skipped: [SkipReason: UInt64] = [:]
    public var fragmentsHeld: UInt64 = 0
    public var datagramsReassembled: UInt64 = 0
    public var fragmentsDropped: UInt64 = 0
    /// Fragments that overlapped data already held (the first copy is kept).
    public var fragmentOverlaps: UInt64 = 0
    /// Overlapping fragments whose bytes differed from the copy already held.
    public var fragmentConflicts: UInt64 = 0
    /// Datagrams dropped because their fragments did not all arrive within the timeout.
    public var fragmentTimeouts: UInt64 = 0
    /// Datagrams evicted because too many were in flight.
    public var fragmentEvictions: UInt64 = 0
    /// Packets dropped (as `.malformed`) for nesting more tunnels than the depth limit.
    public var tunnelDepthExceeded: UInt64 = 0
    /// IP datagrams claiming more bytes than the enclosing frame or tunnel carries (PPPoE length,
    /// 802.3 length, UDP length of a tunnel, …): cut to the enclosing length, as Wireshark does.
    public var ipLengthBeyondLink: UInt64 = 0
    /// IPv4 headers with total length 0 (TCP segmentation offload on the capturing host) whose
    /// length was taken from the frame instead.
    public var ipLengthFromFrame: UInt64 = 0
    public init() {}
}

/// Link-layer header types (DLT_ values as `pcap_datalink` returns them) the decoder reads.
public enum LinkType {
    public static let null: Int32 = 0          // BSD loopback: 4-byte address family, host order
    public static let ethernet: Int32 = 1      // DLT_EN10MB
    public static let ppp: Int32 = 9           // DLT_PPP
    public static let raw: Int32 = 12          // DLT_RAW (most systems)
    public static let rawOpenBSD: Int32 = 14   // DLT_RAW on OpenBSD
    public static let pppSerial: Int32 = 50    // DLT_PPP_SERIAL (RFC 1662 HDLC-like, or Cisco HDLC)
    public static let pppEther: Int32 = 51     // DLT_PPP_ETHER (PPPoE header, no Ethernet)
    public static let linktypeRaw: Int32 = 101 // LINKTYPE_RAW as stored in files
    public static let ciscoHDLC: Int32 = 104   // DLT_C_HDLC
    public static let loop: Int32 = 108        // DLT_LOOP (OpenBSD): address family, network order
    public static let linuxSLL: Int32 = 113    // DLT_LINUX_SLL, Linux cooked v1
    public static let ipv4: Int32 = 228        // DLT_IPV4
    public static let ipv6: Int32 = 229        // DLT_IPV6
    public static let linuxSLL2: Int32 = 276   // DLT_LINUX_SLL2, Linux cooked v2

    /// The link types `PacketDecoder` understands.
    public static let supported: Set<Int32> = [null, ethernet, ppp, raw, rawOpenBSD, pppSerial, pppEther, linktypeRaw,
                                               ciscoHDLC, loop, linuxSLL, ipv4, ipv6, linuxSLL2]
}

/// Decodes captured packets down to the inner-most TCP or UDP header: link layer (Ethernet with
/// 802.1Q/802.1ad/QinQ tags, PPPoE, MPLS; Linux cooked v1/v2; raw IP; BSD loopback; PPP),
/// tunnels (VXLAN, VXLAN-GPE, Geneve, GRE with ERSPAN II/III and PPTP, IP-in-IP), IPv4 with
/// options and IPv6 with extension headers, both with fragment reassembly.
///
/// Zero-copy: `payload` in the result points into the bytes given, or into the decoder's
/// reassembly buffer for a datagram rebuilt from fragments, and is valid until the next call.
/// The decode path allocates nothing; reassembly buffers are allocated once per slot and reused.
///
/// A copy of a decoder shares nothing observable: the reassembly state is copied on write.
public struct PacketDecoder {
    public struct Configuration: Hashable, Sendable {
        /// Tunnels (VXLAN, Geneve, GRE, IP-in-IP, …) entered before giving up with `.malformed`.
        public var maxTunnelDepth: Int = 8
        /// IP datagrams reassembled at once; past this the oldest is evicted.
        public var maxFragmentedDatagrams: Int = 64
        /// Capture time a datagram may wait for its missing fragments (Linux uses 30 s).
        public var fragmentTimeoutNanoseconds: Int64 = 30_000_000_000
        /// Decode the common case (untagged Ethernet, Linux cooked or raw IP; IPv4 without options
        /// or fragments, or IPv6 straight to TCP; a whole TCP header) in one short pass. The result
        /// is the same either way; off lets tests compare the two paths.
        public var fastPath = true
        /// Read the TCP options that `TCPInfo` keeps (MSS, window scale, SACK permitted). Off, they
        /// stay nil and false and the options are not walked (nothing else changes: an option never
        /// makes a packet malformed). The analysis pipeline turns it off: nothing after the decoder
        /// reads them, and walking a SYN's options cost about 30 instructions a packet on average
        /// (about 500 a connection) on a handshake-heavy capture.
        public var tcpOptions = true
        public init() {}
    }

    public let linkType: Int32
    public let configuration: Configuration
    public var counters = DecodeCounters()
    var fragments: FragmentStore
    @usableFromInline let fastLink: FastLink
    /// `configuration.tcpOptions`, for the inlined fast path.
    @usableFromInline let readsTCPOptions: Bool
    /// `fastLink` and `readsTCPOptions` as `fastKey` makes them.
    @usableFromInline let fastKey: UInt8

    public init(linkType: Int32) {
        self.init(linkType: linkType, configuration: Configuration())
    }

    public init(linkType: Int32, configuration: Configuration) {
        self.linkType = linkType
        self.configuration = configuration
        self.fastLink = FastLink(linkType: linkType, enabled: configuration.fastPath)
        self.readsTCPOptions = configuration.tcpOptions
        self.fastKey = Self.fastKey(fastLink, configuration.tcpOptions)
        self.fragments = FragmentStore(maxDatagrams: configuration.maxFragmentedDatagrams,
                                       timeoutNanoseconds: configuration.fragmentTimeoutNanoseconds)
    }

    /// Whether `linkType` is one this decoder reads (otherwise every packet is
    /// `.skipped(.unsupportedLinkType)`).
    public var supportsLinkType: Bool { LinkType.supported.contains(linkType) }

    /// Decodes one packet. `wireLength` is the length on the wire (from the capture record);
    /// `time` drives the fragment timeout.
    /// (The storage-taking `decode` below, with fresh storage: one decoder behind both.)
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp) -> DecodeResult {
        var packet = DecodedPacket.empty
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        switch decode(bytes, wireLength: wireLength, time: time, into: &packet, payload: &payload) {
        case .packet: return .packet(packet, payload: payload)
        case .fragmentHeld: return .fragmentHeld
        case .skipped(let r): return .skipped(r)
        }
    }

    /// Decodes one packet into the caller's storage: the same answer as `decode(_:wireLength:time:)`
    /// (same packet, payload and counters), with nothing built and copied through the result enum.
    /// `packet` and `payload` are overwritten whole for `.packet` and are not meaningful otherwise;
    /// `payload` is valid until the next call.
    /// Inlinable: in a read loop (`PacketPipeline.readAll`) the common case needs no call.
    @inlinable @inline(__always)
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp,
                                into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer) -> DecodeStatus {
        counters.packets &+= 1
        // The time matters only to fragment reassembly, which the fast path never enters.
        if fragmentsInFlight {
            packetTime = time
            beginPacketWithFragments()
        }
        if decodeCommon(bytes, into: &packet, payload: &payload) { return .packet }
        return decodeLayers(bytes, wireLength: wireLength, time: time, into: &packet, payload: &payload)
    }

    /// `decode(_:wireLength:time:into:payload:)` for a read loop that has fixed the decoder's
    /// fast path once for its run: `link` is `commonLink` and `tcpOptions` is
    /// `configuration.tcpOptions`, both read before the loop. The same answer, with the
    /// common-case path compiled for that framing and options alone where both are constants at
    /// the call. Other values than the decoder's send every packet to the full decoder (the same
    /// answer again). `shape` is what the caller's storage holds (see `StorageShape`): kept by
    /// the caller with the storage, `.unknown` at first and whenever anything else writes it.
    @inlinable @inline(__always)
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp,
                                into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer,
                                link: FastLink, tcpOptions: Bool, shape: inout StorageShape) -> DecodeStatus {
        counters.packets &+= 1
        if fragmentsInFlight {
            packetTime = time
            beginPacketWithFragments()
        }
        if Self.fastKey(link, tcpOptions) == fastKey
            && decodeCommon(bytes, link: link, tcpOptions: tcpOptions, into: &packet, payload: &payload, shape: &shape) {
            return .packet
        }
        shape = .unknown
        return decodeLayers(bytes, wireLength: wireLength, time: time, into: &packet, payload: &payload)
    }

    /// `decode(_:wireLength:time:into:payload:link:tcpOptions:shape:)` with nothing known of the
    /// storage (every field set).
    @inlinable @inline(__always)
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp,
                                into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer,
                                link: FastLink, tcpOptions: Bool) -> DecodeStatus {
        var shape = StorageShape.unknown
        return decode(bytes, wireLength: wireLength, time: time, into: &packet, payload: &payload,
                      link: link, tcpOptions: tcpOptions, shape: &shape)
    }

    /// The framing the common-case path reads for this decoder (`.none` when it has none).
    @inlinable public var commonLink: FastLink { fastLink }

    /// `fastLink` and `readsTCPOptions` in one byte, for one comparison a packet.
    @usableFromInline @inline(__always)
    static func fastKey(_ link: FastLink, _ tcpOptions: Bool) -> UInt8 { link.rawValue | (tcpOptions ? 0x80 : 0) }

    /// Expires fragments that waited too long (only while some are held).
    @usableFromInline @inline(never)
    mutating func beginPacketWithFragments() {
        let expired = uniqueFragments().beginPacket(now: now)
        if expired > 0 { counters.fragmentsDropped &+= UInt64(expired) }
        syncFragmentCounters()
    }

    /// The full decoder, layer by layer, into the caller's storage. Kept out of line so that
    /// `decode` stays a short function for the common case (its frame and register saves cost 30
    /// instructions a packet inlined).
    @usableFromInline @inline(never)
    mutating func decodeLayers(_ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp,
                               into packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer) -> DecodeStatus {
        // A frame with one VLAN tag, in one pass (tried here, off the untagged path: no cost to
        // untagged traffic, and none to the read loop's registers).
        if fastLink == .ethernet && decodeCommonTagged(bytes, tcpOptions: readsTCPOptions, into: &packet, payload: &payload) {
            return .packet
        }
        packetTime = time
        var L = Layers(wireLength: wireLength)
        switch linkLayer(bytes, &L) {
        case .packet:
            packet = L.packet
            payload = L.payload
            return .packet
        case .held: return .fragmentHeld
        case .skipped(let r): return .skipped(r)
        }
    }

    mutating func linkLayer(_ bytes: UnsafeRawBufferPointer, _ L: inout Layers) -> Step {
        let end = bytes.count
        switch linkType {
        case LinkType.ethernet:
            return ethernet(bytes, 0, end, &L)
        case LinkType.linuxSLL:
            return linuxCooked(bytes, end, v2: false, &L)
        case LinkType.linuxSLL2:
            return linuxCooked(bytes, end, v2: true, &L)
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.linktypeRaw:
            guard end >= 1 else { return skip(.truncatedHeaders) }
            switch bytes.u8(0) >> 4 {
            case 4: return ipv4(bytes, 0, end, Int.max, &L)
            case 6: return ipv6(bytes, 0, end, Int.max, &L)
            default: return skip(.malformed)
            }
        case LinkType.ipv4:
            return ipv4(bytes, 0, end, Int.max, &L)
        case LinkType.ipv6:
            return ipv6(bytes, 0, end, Int.max, &L)
        case LinkType.null, LinkType.loop:
            return bsdLoopback(bytes, end, &L)
        case LinkType.ppp, LinkType.pppSerial:
            return ppp(bytes, 0, end, Int.max, &L)
        case LinkType.ciscoHDLC:
            guard end >= 4 else { return skip(.truncatedHeaders) }
            return etherType(bytes.be16(2), bytes, 4, end, Int.max, &L)
        case LinkType.pppEther:
            return pppoe(bytes, 0, end, Int.max, &L)
        default:
            return skip(.unsupportedLinkType)
        }
    }

    // MARK: state and small helpers

    /// What the layer functions return; the decoded packet itself is left in `Layers.packet`
    /// (returning the large result through every layer cost a third of the decode time).
    enum Step {
        case packet
        case held
        case skipped(SkipReason)
    }

    /// Per-packet facts gathered on the way in, and the result on the way out.
    struct Layers {
        var packet = DecodedPacket(src: IPAddress(v4: 0), dst: IPAddress(v4: 0), ipProtocol: 0, srcPort: 0, dstPort: 0,
                                   tcp: nil, payloadWireLength: 0)
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        var wireLength: Int
        var encapsulation: Encapsulation = []
        var vlanID: UInt16? = nil
        var tunnels = 0
        var sawIP = false
        var reassembled = false
    }

    /// The time of the packet being decoded (kept as given: the nanosecond count, which only
    /// fragment reassembly needs, is worked out there).
    @usableFromInline var packetTime = Timestamp.zero
    var now: Int64 { packetTime.totalNanoseconds }
    @usableFromInline var fragmentsInFlight = false

    @inline(__always)
    mutating func skip(_ r: SkipReason) -> Step {
        counters.skipped[r, default: 0] &+= 1
        return .skipped(r)
    }

    mutating func uniqueFragments() -> FragmentStore {
        if !isKnownUniquelyReferenced(&fragments) { fragments = fragments.copy() }
        return fragments
    }

    mutating func syncFragmentCounters() {
        counters.fragmentOverlaps = fragments.overlaps
        counters.fragmentConflicts = fragments.conflicts
        counters.fragmentTimeouts = fragments.timedOutDatagrams
        counters.fragmentEvictions = fragments.evictedDatagrams
        fragmentsInFlight = fragments.needsAttention
    }

    /// Enters one more tunnel; false (and counted) past the depth limit.
    @inline(__always)
    mutating func enterTunnel(_ L: inout Layers, _ kind: Encapsulation) -> Bool {
        L.tunnels += 1
        L.encapsulation.insert(kind)
        if L.tunnels > configuration.maxTunnelDepth {
            counters.tunnelDepthExceeded &+= 1
            return false
        }
        return true
    }

    // MARK: link layers

    /// Ethernet II / IEEE 802.3 (RFC 894, IEEE 802.3 clause 3):
    /// ```
    /// | destination (6) | source (6) | EtherType or length (2) | payload … | (padding) |
    /// ```
    /// A length (≤ 1500) means 802.3 with LLC; only SNAP (AA AA 03, OUI 0) carries an EtherType.
    mutating func ethernet(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        guard off &+ 14 <= end else { return skip(.truncatedHeaders) }
        let type = b.be16(off &+ 12)
        if type >= 0x0600 { return etherType(type, b, off &+ 14, end, wireEnd, &L) }
        if type > 1500 { return skip(.notIP) }
        // 802.3 length: bounds the frame (the rest is padding).
        let lengthEnd = off &+ 14 &+ Int(type)
        let e = min(end, lengthEnd)
        guard off &+ 22 <= e else { return off &+ 17 <= e ? skip(.notIP) : skip(.truncatedHeaders) }
        if b.u8(off &+ 14) == 0xAA, b.u8(off &+ 15) == 0xAA, b.u8(off &+ 16) == 0x03,
           b.u8(off &+ 17) == 0, b.u8(off &+ 18) == 0, b.u8(off &+ 19) == 0 {
            return etherType(b.be16(off &+ 20), b, off &+ 22, e, min(wireEnd, lengthEnd), &L)
        }
        return skip(.notIP)
    }

    mutating func ethernet(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ L: inout Layers) -> Step {
        ethernet(b, off, end, Int.max, &L)
    }

    /// Dispatch on an EtherType, peeling 802.1Q / 802.1ad / QinQ tags, PPPoE sessions and MPLS.
    ///
    /// 802.1Q tag (IEEE 802.1Q 9.6), after TPID 0x8100 / 0x88A8 / 0x9100:
    /// ```
    /// | PCP (3) | DEI (1) | VID (12) | EtherType (16) |
    /// ```
    mutating func etherType(_ type: UInt16, _ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int,
                            _ L: inout Layers) -> Step {
        var type = type
        var off = off
        var tags = 0
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 || type == 0x9200 {
            guard off &+ 4 <= end else { return skip(.truncatedHeaders) }
            if L.vlanID == nil { L.vlanID = b.be16(off) & 0x0FFF }
            tags += 1
            L.encapsulation.insert(tags == 1 ? .vlan : .qinq)
            type = b.be16(off &+ 2)
            off &+= 4
        }
        switch type {
        case 0x0800: return ipv4(b, off, end, wireEnd, &L)
        case 0x86DD: return ipv6(b, off, end, wireEnd, &L)
        case 0x8864: return pppoe(b, off, end, wireEnd, &L)
        case 0x8847, 0x8848: return mpls(b, off, end, wireEnd, &L)
        default: return skip(.notIP)
        }
    }

    /// PPPoE session stage (RFC 2516 §4):
    /// ```
    /// | VER (4) | TYPE (4) | CODE (8) | SESSION_ID (16) |
    /// | LENGTH (16)                   | PPP protocol (16) … payload
    /// ```
    /// LENGTH (PPP protocol field plus payload) bounds the frame. Where the IP header inside
    /// claims more, LENGTH wins (see `ipLengthBeyondLink`): in Zeek's pppoe-over-qinq trace six
    /// pure ACKs carry IPv4 total length 46 in a 42-byte PPPoE payload, the 6 extra bytes being
    /// zero padding, and the next packet carries real data at the same sequence number (Wireshark
    /// decodes them the same way: no TCP payload).
    mutating func pppoe(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        guard off &+ 8 <= end else { return skip(.truncatedHeaders) }
        guard b.u8(off) == 0x11, b.u8(off &+ 1) == 0x00 else { return skip(.notIP) }   // v1 type 1, session data
        L.encapsulation.insert(.pppoe)
        let lengthEnd = off &+ 6 &+ Int(b.be16(off &+ 4))
        guard lengthEnd >= off &+ 8 else { return skip(.malformed) }
        let e = min(end, lengthEnd)
        let w = min(wireEnd, lengthEnd)
        switch b.be16(off &+ 6) {
        case 0x0021: return ipv4(b, off &+ 8, e, w, &L)
        case 0x0057: return ipv6(b, off &+ 8, e, w, &L)
        default: return skip(.notIP)
        }
    }

    /// PPP (RFC 1661) in HDLC-like framing (RFC 1662: address 0xFF, control 0x03, optional), with
    /// a 1- or 2-byte protocol (protocol-field compression: an odd first byte is the whole field).
    /// Cisco HDLC (address 0x0F / 0x8F, control 0, EtherType) is accepted too (DLT_PPP_SERIAL).
    mutating func ppp(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        var o = off
        guard o &+ 2 <= end else { return skip(.truncatedHeaders) }
        let first = b.u8(o)
        if (first == 0x0F || first == 0x8F) && b.u8(o &+ 1) == 0x00 {
            guard o &+ 4 <= end else { return skip(.truncatedHeaders) }
            return etherType(b.be16(o &+ 2), b, o &+ 4, end, wireEnd, &L)
        }
        L.encapsulation.insert(.ppp)
        if first == 0xFF && b.u8(o &+ 1) == 0x03 { o &+= 2 }
        guard o &+ 1 <= end else { return skip(.truncatedHeaders) }
        var proto = UInt16(b.u8(o))
        if proto & 1 == 1 {
            o &+= 1
        } else {
            guard o &+ 2 <= end else { return skip(.truncatedHeaders) }
            proto = b.be16(o)
            o &+= 2
        }
        switch proto {
        case 0x0021: return ipv4(b, o, end, wireEnd, &L)
        case 0x0057: return ipv6(b, o, end, wireEnd, &L)
        case 0x0281, 0x0283: return mpls(b, o, end, wireEnd, &L)
        default: return skip(.notIP)
        }
    }

    /// MPLS label stack (RFC 3032 §2.1), 4 bytes an entry until the bottom-of-stack bit:
    /// ```
    /// | Label (20) | TC (3) | S (1) | TTL (8) |
    /// ```
    /// The payload type is not signalled; the first nibble tells: 4 IPv4, 6 IPv6, 0 a pseudowire
    /// control word (RFC 4385) followed by an Ethernet frame.
    mutating func mpls(_ b: UnsafeRawBufferPointer, _ off: Int, _ end: Int, _ wireEnd: Int, _ L: inout Layers) -> Step {
        L.encapsulation.insert(.mpls)
        var o = off
        while true {
            guard o &+ 4 <= end else { return skip(.truncatedHeaders) }
            let bottom = b.u8(o &+ 2) & 0x01 != 0
            o &+= 4
            if bottom { break }
        }
        guard o &+ 1 <= end else { return skip(.truncatedHeaders) }
        switch b.u8(o) >> 4 {
        case 4: return ipv4(b, o, end, wireEnd, &L)
        case 6: return ipv6(b, o, end, wireEnd, &L)
        case 0:
            guard enterTunnel(&L, .mpls) else { return skip(.malformed) }
            return ethernet(b, o &+ 4, end, wireEnd, &L)
        default: return skip(.notIP)
        }
    }

    /// Linux "cooked" headers.
    /// v1 (DLT_LINUX_SLL, 16 bytes):
    /// ```
    /// | packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2) |
    /// ```
    /// v2 (DLT_LINUX_SLL2, 20 bytes):
    /// ```
    /// | protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) | packet type (1) |
    /// | address length (1) | address (8) |
    /// ```
    /// The protocol is an EtherType (for ARPHRD_IPGRE the GRE protocol type, also an EtherType);
    /// values below 0x0600 name 802.2/802.3 framings that do not carry IP here.
    mutating func linuxCooked(_ b: UnsafeRawBufferPointer, _ end: Int, v2: Bool, _ L: inout Layers) -> Step {
        let hlen = v2 ? 20 : 16
        guard hlen <= end else { return skip(.truncatedHeaders) }
        let proto = v2 ? b.be16(0) : b.be16(14)
        let arphrd = v2 ? b.be16(8) : b.be16(2)
        if arphrd == 824 { return skip(.notIP) }           // ARPHRD_NETLINK: protocol is a netlink family
        if proto < 0x0600 { return skip(.notIP) }
        return etherType(proto, b, hlen, end, Int.max, &L)
    }

    /// BSD loopback (DLT_NULL: the capturing host's byte order; DLT_LOOP: network order), a
    /// 4-byte address family: 2 IPv4; 24, 28 or 30 IPv6 (NetBSD/OpenBSD, FreeBSD, Darwin).
    /// Both byte orders are accepted for both, as files travel between machines.
    mutating func bsdLoopback(_ b: UnsafeRawBufferPointer, _ end: Int, _ L: inout Layers) -> Step {
        guard end >= 4 else { return skip(.truncatedHeaders) }
        var af = b.le32(0)
        if af > 0xFFFF { af = af.byteSwapped }
        switch af {
        case 2: return ipv4(b, 4, end, Int.max, &L)
        case 24, 28, 30: return ipv6(b, 4, end, Int.max, &L)
        default: return skip(.notIP)
        }
    }
}
