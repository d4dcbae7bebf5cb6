import Testing
import NetCore
import FlowTrack
import PacketDecode
import PcapIO
@testable import Handshake

// The flow table lends a connection's facts to its observer by address
// (`streamAdvanced(_:stream:newBytes:packet:factsAt:)`, `tcpEvent(_:direction:packet:factsAt:)`);
// observers written against the by-value requirements reach them through the protocol's default
// implementations. These tests hold both paths to the same results on every capture of Captures/
// and of the shared corpus.

/// The handshake observer driven through its by-value entry points only: the table's by-address
/// calls reach it through `ConnectionObserver`'s default implementations.
struct ByValueHandshakeObserver: ConnectionObserver {
    var inner: HandshakeObserver

    init(connection: ConnectionFacts) { inner = HandshakeObserver(connection: connection) }

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        inner.streamAdvanced(direction, stream: stream, newBytes: newBytes, packet: packet, facts: facts)
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        inner.tcpEvent(event, direction: direction, packet: packet, facts: facts)
    }
}

/// What an observer saw of the facts on one call.
struct SeenCall: Hashable {
    var stream: Bool
    var direction: Direction
    var packet: UInt64
    var facts: ConnectionFacts
}

/// An observer with only the by-value requirements, recording the facts of every call.
struct ByValueRecorder: ConnectionObserver {
    var seen: [SeenCall] = []
    init(connection: ConnectionFacts) {}

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        seen.append(SeenCall(stream: true, direction: direction, packet: packet.number, facts: facts))
        return .more
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        seen.append(SeenCall(stream: false, direction: direction, packet: packet.number, facts: facts))
    }
}

/// The same with the by-address requirements too, recording the facts they point at, and how many
/// calls came by value.
struct ByAddressRecorder: ConnectionObserver {
    var seen: [SeenCall] = []
    var streamCallsByValue = 0
    init(connection: ConnectionFacts) {}

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        streamCallsByValue += 1
        seen.append(SeenCall(stream: true, direction: direction, packet: packet.number, facts: facts))
        return .more
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        seen.append(SeenCall(stream: false, direction: direction, packet: packet.number, facts: facts))
    }

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, factsAt facts: UnsafePointer<ConnectionFacts>) -> Interest {
        seen.append(SeenCall(stream: true, direction: direction, packet: packet.number, facts: facts.pointee))
        return .more
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp,
                           factsAt facts: UnsafePointer<ConnectionFacts>) {
        seen.append(SeenCall(stream: false, direction: direction, packet: packet.number, facts: facts.pointee))
    }
}

/// Every connection of a capture as the table finished it, with what `result` made of its observer.
/// (`numberOffset` is added to every packet number.)
func finishedConnections<O: ConnectionObserver, R>(path: String, _ type: O.Type, numberOffset: UInt64 = 0,
                                                   _ result: @escaping (ConnectionFacts, O) -> R) -> [(ConnectionFacts, R)] {
    var out: [(ConnectionFacts, R)] = []
    guard let reader = try? CaptureReader(path: path) else { return [] }
    var decoder = PacketDecoder(linkType: reader.linkType)
    let table = FlowTable<O> { facts, observer in out.append((facts, result(facts, observer))) }
    while let p = try? reader.next() {
        if case .packet(let d, let payload) = decoder.decode(p.bytes, wireLength: p.wireLength, time: p.stamp.time) {
            var stamp = p.stamp
            stamp.number &+= numberOffset
            table.process(d, payload: payload, stamp: stamp)
        }
    }
    table.finishAll()
    return out
}

@Suite("Observer facts by address")
struct ObserverFactsPathTests {
    @Test func handshakeFactsAreTheSameByAddressAndByValueOnEveryCapture() throws {
        let paths = try allCapturePaths()
        #expect(paths.count > 50)
        var connections = 0, withHello = 0
        for path in paths {
            let byAddress = finishedConnections(path: path, HandshakeObserver.self) { $1.finish($0) }
            let byValue = finishedConnections(path: path, ByValueHandshakeObserver.self) { $1.inner.finish($0) }
            #expect(byAddress.count == byValue.count, "\(path)")
            for (a, b) in zip(byAddress, byValue) {
                #expect(a.0 == b.0, "\(path): connection facts")
                #expect(a.1 == b.1, "\(path): handshake facts of \(a.0.client) → \(a.0.server)")
                if a.1.clientHello != nil { withHello += 1 }
            }
            connections += byAddress.count
        }
        #expect(connections > 500)
        #expect(withHello > 300)
    }

    /// Events are packed with 32-bit packet numbers; past that they are kept whole (the observer's
    /// by-tag notes fall back to `TimelineEvent.Kind`). The same capture numbered from 2^32 must give
    /// the same timelines but for the numbers.
    @Test func timelinesPastThirtyTwoBitPacketNumbersKeepEveryEvent() throws {
        let offset: UInt64 = 1 << 32
        var events = 0
        var kinds = Set<String>()
        for path in try allCapturePaths().prefix(40) {
            let small = finishedConnections(path: path, HandshakeObserver.self) { $1.finish($0) }
            let large = finishedConnections(path: path, HandshakeObserver.self, numberOffset: offset) { $1.finish($0) }
            #expect(small.count == large.count, "\(path)")
            for (s, l) in zip(small, large) {
                let moved = s.1.timeline.map { e -> TimelineEvent in
                    var e = e
                    e.packet.number &+= offset
                    return e
                }
                #expect(l.1.timeline == moved, "\(path)")
                #expect(l.1.timelineDropped == s.1.timelineDropped, "\(path)")
                events += moved.count
                for e in moved { kinds.insert("\(e.kind)".prefix { $0 != "(" }.description) }
            }
        }
        #expect(events > 200)
        // The kinds noted by tag, each seen at least once.
        for k in ["syn", "synAck", "fin", "clientHello", "serverHello", "changeCipherSpec", "handshake", "encryptedRecord", "applicationData"] {
            #expect(kinds.contains(k), "no \(k) event")
        }
    }

    /// `finishing` (the facts moved out of an observer that is let go of) gives what `finish`
    /// gives, on every connection of every capture (TLS 1.3 alerts inferred at the end, undecided
    /// preambles, connections that never spoke TLS), and leaves the observer it was called on a
    /// copy of alone.
    @Test func finishingGivesWhatFinishGivesOnEveryCapture() throws {
        var connections = 0, inferred = 0, detecting = 0
        for path in try allCapturePaths() {
            let both = finishedConnections(path: path, HandshakeObserver.self) { conn, observer -> (HandshakeFacts, HandshakeFacts, HandshakeFacts) in
                let kept = observer
                let finished = observer.finish(conn)
                let moved = observer.finishing(conn)
                return (finished, moved, kept.finish(conn))
            }
            for (conn, r) in both {
                #expect(r.0 == r.1, "\(path): \(conn.client) → \(conn.server)")
                #expect(r.2 == r.0, "\(path): the copy changed")
                if r.0.alerts.contains(where: { $0.inferred }) { inferred += 1 }
                if r.0.clientHello == nil && r.0.preambleResult == nil { detecting += 1 }
            }
            connections += both.count
        }
        #expect(connections > 500)
        #expect(inferred > 0)
        #expect(detecting > 0)
    }

    @Test func theTableLendsTheSameFactsToBothKindsOfObserver() throws {
        var calls = 0
        for path in try allCapturePaths() {
            let byValue = finishedConnections(path: path, ByValueRecorder.self) { $1.seen }
            let byAddress = finishedConnections(path: path, ByAddressRecorder.self) { ($1.seen, $1.streamCallsByValue) }
            #expect(byValue.count == byAddress.count, "\(path)")
            for (v, a) in zip(byValue, byAddress) {
                #expect(v.1 == a.1.0, "\(path): facts seen on each call")
                // The table's stream calls come by address: none reached the by-value requirement.
                #expect(a.1.1 == 0, "\(path)")
                calls += v.1.count
            }
        }
        #expect(calls > 5_000)
    }
}
