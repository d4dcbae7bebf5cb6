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
    public init() {}
}
