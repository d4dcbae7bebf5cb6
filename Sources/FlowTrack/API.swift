import NetCore
import PacketDecode

/// Which way bytes flow on a connection.
public enum Direction: UInt8, Hashable, Sendable {
    case clientToServer = 0
    case serverToClient = 1
    @inlinable public var reversed: Direction { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// How the client and server roles were decided.
public enum RoleSource: String, Codable, Hashable, Sendable {
    /// The client sent the SYN we saw (or, with the SYN missed, the server's SYN-ACK named the roles).
    case syn
    /// No SYN was captured; the content decided (e.g. the side that sent a ClientHello).
    case content
    /// No SYN and no telling content yet: the well-known / lower port is taken as the server
    /// (the rule is `PortRoles.receiverIsServer`).
    case ports
}

/// A TCP event other than payload, delivered to the observer in packet order.
public enum TCPEvent: Hashable, Sendable {
    case syn
    case synAck
    case fin
    case rst
    /// Bytes missing from the stream: the capture lost them (or the cap on kept bytes was hit).
    case gap(offset: UInt64, length: UInt64)
}

/// What the observer wants after seeing new bytes.
public enum Interest: Hashable, Sendable {
    /// Keep reassembling and delivering bytes.
    case more
    /// The handshake is settled: stop keeping payload; from now on count packets and bytes and
    /// deliver only TCP events (FIN, RST).
    case settled
    /// No SYN was seen and the content shows the roles are the other way round: swap client and
    /// server (the table sets `roleSource = .content`), then keep delivering.
    case swapRoles
}

/// The per-connection analysis the flow table drives. One value lives inside each connection.
///
/// Calls arrive in capture order across both directions, so an observer can tell that the
/// server's alert (packet 5) came before the client's FIN (packet 6).
public protocol ConnectionObserver {
    init(connection: ConnectionFacts)
    /// New in-order bytes are available in `direction`. `stream` is the whole in-order prefix kept
    /// for that direction so far (stream offset 0 is the first byte after the SYN), valid only
    /// during the call; `newBytes` is how many of its bytes at the end are new.
    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest
    /// A SYN, SYN-ACK, FIN, RST or gap, in capture order with the stream data.
    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts)
    /// The same as `streamAdvanced(_:stream:newBytes:packet:facts:)`, with the connection's facts
    /// lent by address (valid only during the call, not changed by it): the flow table calls this
    /// one, so that the facts are not copied on every call. The default implementation hands
    /// `facts.pointee` to `streamAdvanced(_:stream:newBytes:packet:facts:)`; an observer that
    /// implements this must answer as that one would.
    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, factsAt facts: UnsafePointer<ConnectionFacts>) -> Interest
    /// The same as `tcpEvent(_:direction:packet:facts:)`, with the facts lent by address (as for
    /// `streamAdvanced(_:stream:newBytes:packet:factsAt:)`). The default implementation hands
    /// `facts.pointee` to `tcpEvent(_:direction:packet:facts:)`.
    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp,
                           factsAt facts: UnsafePointer<ConnectionFacts>)
    /// Makes the observer of a new connection in `slot` (uninitialized memory, initialized on
    /// return), the facts lent by address: the flow table calls this one, so that the observer is
    /// made where it lives and the facts are not made again for it. The default implementation
    /// initializes `slot` with `init(connection:)` of the facts' values; an observer that implements
    /// this must come out as that one would.
    static func initialize(_ slot: UnsafeMutablePointer<Self>, connectionAt facts: UnsafePointer<ConnectionFacts>)
}

extension ConnectionObserver {
    @inlinable
    public mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                        packet: PacketStamp, factsAt facts: UnsafePointer<ConnectionFacts>) -> Interest {
        streamAdvanced(direction, stream: stream, newBytes: newBytes, packet: packet, facts: facts.pointee)
    }

    @inlinable
    public mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp,
                                  factsAt facts: UnsafePointer<ConnectionFacts>) {
        tcpEvent(event, direction: direction, packet: packet, facts: facts.pointee)
    }

    /// (The facts of a new connection are those the table's `create` made: made again here from
    /// their values rather than copied out of the slot, which would retain what they hold.)
    @inlinable
    public static func initialize(_ slot: UnsafeMutablePointer<Self>, connectionAt f: UnsafePointer<ConnectionFacts>) {
        slot.initialize(to: Self(connection: ConnectionFacts(
            client: f.pointee.client, server: f.pointee.server, roleSource: f.pointee.roleSource, first: f.pointee.first)))
    }
}

/// Limits that keep memory bounded whatever the capture.
public struct FlowConfig: Hashable, Sendable {
    /// Bytes kept per direction from the start of the stream (enough for any handshake).
    public var streamBytesPerDirection: Int = 64 * 1024
    /// Out-of-order bytes held per direction waiting for a hole to fill.
    public var outOfOrderBytesPerDirection: Int = 64 * 1024
    /// Connections tracked at once; the least recently active is evicted past this.
    public var maxConnections: Int = 200_000
    /// Payload bytes buffered over all connections; past this, new payload is dropped and counted.
    public var maxBufferedBytes: Int = 48 * 1024 * 1024
    /// A connection idle this long is finished (capture time, not wall time).
    public var idleTimeoutSeconds: Int64 = 300
    /// After a FIN from both sides or an RST, the connection is finished once this much capture
    /// time has passed without packets (late retransmissions still count toward it).
    public var closedLingerSeconds: Int64 = 5
    public init() {}
}

/// Why a connection left the table.
public enum EndReason: String, Codable, Hashable, Sendable {
    case closed          // FIN both ways or RST, then the linger passed
    case idleTimeout     // no packets for idleTimeoutSeconds
    case evicted         // pushed out by maxConnections
    case captureEnd      // still open when the capture (or live run) ended
    case portReused      // a new SYN on the same addresses and ports after a close
}

/// One side's TCP control facts. Packet stamps are of the first occurrence.
public struct SideFacts: Codable, Hashable, Sendable {
    public var packets: UInt64 = 0
    /// Payload bytes on the wire (from IP lengths), retransmissions included.
    public var payloadBytes: UInt64 = 0
    public var firstSyn: PacketStamp?
    public var firstFin: PacketStamp?
    public var firstRst: PacketStamp?
    /// Stream bytes delivered in order (within the kept prefix).
    public var streamBytes: UInt64 = 0
    /// Segments whose payload was cut by the snapshot length.
    public var truncatedSegments: UInt64 = 0
    public var retransmittedSegments: UInt64 = 0
    /// Overlapping segments whose bytes differed from what was already kept (first copy wins).
    public var conflictingOverlaps: UInt64 = 0
    /// Payload bytes of this direction not kept because the per-direction `streamBytesPerDirection`
    /// or the global `maxBufferedBytes` cap was reached (also summed in `FlowCounters`).
    public var droppedByCaps: UInt64 = 0
    /// Gaps in the kept prefix: (stream offset, length).
    public var gaps: [Gap] = []
    public init() {}
}

public struct Gap: Codable, Hashable, Sendable {
    public var offset: UInt64
    public var length: UInt64
    public init(offset: UInt64, length: UInt64) { self.offset = offset; self.length = length }
}

/// What the flow table knows of a connection, beside the observer's own state.
///
/// Its only references are the two sides' `gaps`: the table leaves a finished connection's facts
/// undestroyed when neither list has storage (`FlowCore.finish`). A stored property holding a
/// reference (a string, an array, a class) added here must be released there too
/// (the test `FactsReferences.factsHoldNoOtherReferences` fails until it is).
public struct ConnectionFacts: Codable, Hashable, Sendable {
    public var client: Endpoint
    public var server: Endpoint
    public var roleSource: RoleSource
    public var first: PacketStamp
    public var last: PacketStamp
    public var clientSide = SideFacts()
    public var serverSide = SideFacts()
    /// SYN from the client answered by RST from the server.
    public var refused: Bool = false
    /// SYN-ACK seen (the server accepted).
    public var established: Bool = false
    public var settled: Bool = false
    public var endReason: EndReason? = nil
    public init(client: Endpoint, server: Endpoint, roleSource: RoleSource, first: PacketStamp) {
        self.client = client; self.server = server; self.roleSource = roleSource
        self.first = first; self.last = first
    }

    @inlinable
    public func side(_ d: Direction) -> SideFacts { d == .clientToServer ? clientSide : serverSide }
}

/// Counters for everything evicted, dropped or cut, reported at the end of a run.
public struct FlowCounters: Hashable, Sendable {
    public var connectionsCreated: UInt64 = 0
    public var connectionsFinished: UInt64 = 0
    public var connectionsEvicted: UInt64 = 0
    public var idleTimeouts: UInt64 = 0
    public var portReuses: UInt64 = 0
    /// Payload bytes not kept because a per-direction or global cap was reached.
    public var bytesDroppedByCaps: UInt64 = 0
    /// Out-of-order segments dropped because the hold buffer was full.
    public var outOfOrderSegmentsDropped: UInt64 = 0
    /// Packets without TCP (UDP) passed through uncounted by connections.
    public var nonTCPPackets: UInt64 = 0
    /// Peak of connections tracked at once.
    public var peakConnections: UInt64 = 0
    /// Peak of payload bytes buffered at once.
    public var peakBufferedBytes: UInt64 = 0
    public init() {}
}
