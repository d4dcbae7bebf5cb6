import NetCore

/// TCP header flags, as on the wire (low 8 bits of the flags field; NS is dropped).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    // Computed and inlinable, not `static let`: a stored static is a lazily initialised global
    // that other modules reach through an accessor call (about 5 instructions a use; flow tracking
    // tests four flags a packet). These fold to constants.
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x20) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x40) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x80) }
}

/// The TCP header fields flow tracking needs. Options are decoded; unknown ones are skipped.
public struct TCPInfo: Hashable, Sendable {
    public var seq: UInt32
    public var ack: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// MSS option, if present.
    public var mss: UInt16?
    /// Window scale shift, if present.
    public var windowScale: UInt8?
    public var sackPermitted: Bool

    @inlinable
    public init(seq: UInt32, ack: UInt32, flags: TCPFlags, window: UInt16,
                mss: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false) {
        self.seq = seq; self.ack = ack; self.flags = flags; self.window = window
        self.mss = mss; self.windowScale = windowScale; self.sackPermitted = sackPermitted
    }
}

/// Encapsulations seen on the way in, outermost first as a bit set (a packet may have several).
public struct Encapsulation: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let vlan = Encapsulation(rawValue: 1 << 0)
    public static let qinq = Encapsulation(rawValue: 1 << 1)
    public static let pppoe = Encapsulation(rawValue: 1 << 2)
    public static let vxlan = Encapsulation(rawValue: 1 << 3)
    public static let gre = Encapsulation(rawValue: 1 << 4)
    public static let erspan = Encapsulation(rawValue: 1 << 5)
    public static let geneve = Encapsulation(rawValue: 1 << 6)
    public static let ipInIP = Encapsulation(rawValue: 1 << 7)
    public static let mpls = Encapsulation(rawValue: 1 << 8)
    /// PPP framing (DLT_PPP, PPTP's enhanced GRE).
    public static let ppp = Encapsulation(rawValue: 1 << 9)
    /// GTP-U (mobile networks' user-plane tunnel, UDP 2152).
    public static let gtp = Encapsulation(rawValue: 1 << 10)
}

/// One decoded packet: the inner-most IP header's addresses, the transport header, and where the
/// transport payload is. Holds no bytes itself: `payload` (handed out beside it) points into the
/// buffer libpcap gave us, or into the decoder's fragment buffer, and is valid until the next
/// `decode` call.
public struct DecodedPacket: Sendable {
    public var src: IPAddress
    public var dst: IPAddress
    /// 6 for TCP, 17 for UDP; others are reported as `.otherTransport`.
    public var ipProtocol: UInt8
    public var srcPort: UInt16
    public var dstPort: UInt16
    /// Present for TCP.
    public var tcp: TCPInfo?
    /// Transport payload length the sender sent (from the IP length fields).
    public var payloadWireLength: Int
    /// The capture cut this packet: fewer payload bytes were captured than were sent.
    public var truncated: Bool
    /// The packet came out of IP fragment reassembly.
    public var reassembledFromFragments: Bool
    public var encapsulation: Encapsulation
    /// Outer-most VLAN id, if tagged.
    public var vlanID: UInt16?
    /// TTL (IPv4) or hop limit (IPv6) of the inner-most IP header: a reset with a TTL unlike the
    /// peer's other packets was likely injected by a middlebox.
    public var hopLimit: UInt8 = 0

    @inlinable
    public init(src: IPAddress, dst: IPAddress, ipProtocol: UInt8, srcPort: UInt16, dstPort: UInt16,
                tcp: TCPInfo?, payloadWireLength: Int, truncated: Bool = false,
                reassembledFromFragments: Bool = false, encapsulation: Encapsulation = [], vlanID: UInt16? = nil) {
        self.src = src; self.dst = dst; self.ipProtocol = ipProtocol
        self.srcPort = srcPort; self.dstPort = dstPort; self.tcp = tcp
        self.payloadWireLength = payloadWireLength; self.truncated = truncated
        self.reassembledFromFragments = reassembledFromFragments
        self.encapsulation = encapsulation; self.vlanID = vlanID
    }
}
