import Testing
import NetCore
import FlowTrack
@testable import Handshake

// The observer's working state keeps what few connections need (capture gaps, a preamble's
// copies, deliveries past the first four of a direction) in a part of its own, made when first
// needed. These tests drive the observer by hand through those paths: a ClientHello carried by
// more segments than are kept in place, a copy of an observer taken while that part exists, and a
// hello whose first bytes the capture lost.

@Suite("HandshakeObserver working state")
struct ObserverWorkStateTests {
    static let connection = ConnectionFacts(client: Endpoint(address: IPAddress(v4: 0x0a00_0001), port: 50_000),
                                            server: Endpoint(address: IPAddress(v4: 0x0a00_0002), port: 443),
                                            roleSource: .syn, first: stamp(1))

    static func stamp(_ n: UInt64) -> PacketStamp {
        PacketStamp(number: n, time: Timestamp(seconds: 1_700_000_000 + Int64(n), nanoseconds: 0))
    }

    /// A real ClientHello (from a capture of the repository), in one TLS 1.0 record.
    static func helloRecord() throws -> [UInt8] {
        let body = try #require(helloBodies(path: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")).client.first)
        let message = [1, UInt8(body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
        return [22, 3, 1, UInt8(message.count >> 8), UInt8(truncatingIfNeeded: message.count)] + message
    }

    /// The cut points splitting `n` bytes into `parts` nearly equal segments.
    static func cuts(_ n: Int, parts: Int) -> [Int] { (1...parts).map { $0 * n / parts } }

    /// Delivers the client's `bytes` up to each of `ends` (one segment each, packets numbered
    /// from `firstPacket`).
    static func deliver(_ o: inout HandshakeObserver, _ bytes: [UInt8], ends: some Sequence<Int>, from start: Int, firstPacket: UInt64) {
        var previous = start
        var number = firstPacket
        for end in ends {
            bytes.withUnsafeBytes { all in
                _ = o.streamAdvanced(.clientToServer, stream: UnsafeRawBufferPointer(rebasing: all[0..<end]),
                                     newBytes: end - previous, packet: stamp(number), facts: connection)
            }
            previous = end
            number += 1
        }
    }

    @Test("a hello in 7 segments: all counted, the last one's packet, the same facts as in one", arguments: [1, 4, 5, 7, 12])
    func helloInManySegments(parts: Int) throws {
        let record = try Self.helloRecord()
        var whole = HandshakeObserver(connection: Self.connection)
        Self.deliver(&whole, record, ends: [record.count], from: 0, firstPacket: 2)
        var split = HandshakeObserver(connection: Self.connection)
        Self.deliver(&split, record, ends: Self.cuts(record.count, parts: parts), from: 0, firstPacket: 2)

        let one = try #require(whole.facts.clientHello)
        let many = try #require(split.facts.clientHello)
        #expect(one.tcpSegments == 1)
        #expect(many.tcpSegments == parts)
        #expect(split.facts.clientHelloPacket?.number == UInt64(1 + parts))
        #expect(many.sni == one.sni && many.cipherSuites == one.cipherSuites && many.ja4 == one.ja4)
        #expect(many.recordVersion == 0x0301 && one.recordVersion == 0x0301)
        #expect(many.size == one.size && many.records == 1)
    }

    @Test("a copy taken past the deliveries kept in place reads on its own, as the original does")
    func copiedObserverReadsOnItsOwn() throws {
        let record = try Self.helloRecord()
        // Past the four deliveries kept in place: the copy is taken with four in the rare part.
        let ends = Self.cuts(record.count, parts: 10)
        var original = HandshakeObserver(connection: Self.connection)
        Self.deliver(&original, record, ends: ends.prefix(8), from: 0, firstPacket: 2)
        var copy = original
        Self.deliver(&copy, record, ends: ends.dropFirst(8), from: ends[7], firstPacket: 10)
        #expect(copy.facts.clientHello?.tcpSegments == 10)
        #expect(copy.facts.clientHelloPacket?.number == 11)
        // The original has not seen the last segments: no hello yet, and its deliveries are its own.
        #expect(original.facts.clientHello == nil)
        Self.deliver(&original, record, ends: [record.count], from: ends[7], firstPacket: 20)
        #expect(original.facts.clientHello?.tcpSegments == 9)
        #expect(original.facts.clientHelloPacket?.number == 20)
        #expect(copy.facts.clientHello?.tcpSegments == 10)
        // Stream offsets map to the packets that delivered them, past the fourth delivery too,
        // each observer by its own deliveries.
        let o = try #require(original.work), c = try #require(copy.work)
        #expect(o !== c)
        #expect(original.packetFor(o, .clientToServer, offset: ends[6])?.number == 9)
        #expect(copy.packetFor(c, .clientToServer, offset: ends[6])?.number == 9)
        #expect(original.packetFor(o, .clientToServer, offset: ends[7])?.number == 20)
        #expect(copy.packetFor(c, .clientToServer, offset: ends[7])?.number == 10)
        #expect(copy.packetFor(c, .clientToServer, offset: ends[8])?.number == 11)
        #expect(original.packetFor(o, .clientToServer, offset: record.count) == nil)
    }

    @Test("a hello whose first bytes the capture lost is reported lost, not read")
    func lostStartIsALoss() throws {
        var record = try Self.helloRecord()
        var o = HandshakeObserver(connection: Self.connection)
        o.tcpEvent(.gap(offset: 0, length: 40), direction: .clientToServer, packet: Self.stamp(2), facts: Self.connection)
        for i in 0..<40 { record[i] = 0 }  // zero-filled by the flow table
        Self.deliver(&o, record, ends: [record.count], from: 0, firstPacket: 3)
        #expect(o.facts.clientHello == nil)
        let loss = try #require(o.facts.clientHelloLost)
        #expect(loss.lostBytes == 40)
        #expect(loss.packet.number == 3)
    }

    @Test("a gap inside the hello: the hello is reported with the bytes lost of it")
    func gapInsideTheHello() throws {
        var record = try Self.helloRecord()
        let ends = Self.cuts(record.count, parts: 6)
        var o = HandshakeObserver(connection: Self.connection)
        Self.deliver(&o, record, ends: ends.prefix(2), from: 0, firstPacket: 2)
        o.tcpEvent(.gap(offset: UInt64(ends[2]), length: UInt64(ends[3] - ends[2])), direction: .clientToServer,
                   packet: Self.stamp(4), facts: Self.connection)
        for i in ends[2]..<ends[3] { record[i] = 0 }
        Self.deliver(&o, record, ends: ends.dropFirst(2), from: ends[1], firstPacket: 5)
        #expect(o.facts.clientHello == nil)
        let loss = try #require(o.facts.clientHelloLost)
        #expect(loss.lostBytes == ends[3] - ends[2])
        #expect(loss.size == record.count - 5)
    }

    @Test("a settled connection's box, reset, is the next connection's, which reads as with a new one")
    func recycledBoxReadsAsNew() throws {
        let record = try Self.helloRecord()
        // This thread's spare boxes emptied (earlier tests on it may have filled them).
        HandshakeObserver.WorkPool.mine()._withUnsafeGuaranteedRef { pool in while pool.pop() != nil {} }
        // What a new box reads.
        var reference = HandshakeObserver(connection: Self.connection)
        Self.deliver(&reference, record, ends: Self.cuts(record.count, parts: 2), from: 0, firstPacket: 2)
        let expected = try #require(reference.facts.clientHello)

        // A connection with deliveries past the four kept in place (its box has the rare part)
        // and the hello not yet whole, let go of as when settled: its box goes to the spare ones.
        var first = HandshakeObserver(connection: Self.connection)
        let ends = Self.cuts(record.count, parts: 10)
        Self.deliver(&first, record, ends: ends.prefix(7), from: 0, firstPacket: 2)
        let boxID: ObjectIdentifier
        do {
            // (Let go of before the observer lets go of it: a box held elsewhere is not kept.)
            let box = try #require(first.work)
            #expect(box.extra != nil && box.deliveryCount(0) == 7 && box.lastStream[0] == ends[6])
            boxID = ObjectIdentifier(box)
        }
        first.releaseWorkingState()
        #expect(first.work == nil)
        do {
            // Kept as a spare, reset: as `Work()` makes it.
            let box = try #require(HandshakeObserver.WorkPool.mine()._withUnsafeGuaranteedRef { $0.first })
            #expect(ObjectIdentifier(box) == boxID)
            #expect(box.extra == nil && box.deliveryCount(0) == 0 && box.deliveryCount(1) == 0)
            #expect(box.readers[0] == HandshakeObserver.Work.reader(startOffset: 0) && box.readers[1] == HandshakeObserver.Work.reader(startOffset: 0))
            #expect(!box.stopped[0] && !box.stopped[1] && box.lastStream[0] == 0 && box.lastStream[1] == 0)
        }

        // The next connection on this thread takes that box and reads as the reference did.
        var next = HandshakeObserver(connection: Self.connection)
        Self.deliver(&next, record, ends: Self.cuts(record.count, parts: 2), from: 0, firstPacket: 2)
        let reused = try #require(next.work)
        #expect(ObjectIdentifier(reused) == boxID)
        let hello = try #require(next.facts.clientHello)
        #expect(hello == expected)
        #expect(hello.tcpSegments == 2 && next.facts.clientHelloPacket?.number == 3)
        #expect(next.facts == reference.facts)
        #expect(next.packetFor(reused, .clientToServer, offset: 0)?.number == 2)
    }

    @Test("a box a copy of the observer shares is not kept as a spare")
    func sharedBoxIsNotRecycled() throws {
        let record = try Self.helloRecord()
        var original = HandshakeObserver(connection: Self.connection)
        Self.deliver(&original, record, ends: [10], from: 0, firstPacket: 2)
        HandshakeObserver.WorkPool.mine()._withUnsafeGuaranteedRef { pool in while pool.pop() != nil {} }
        let copy = original
        let box = try #require(copy.work)
        original.releaseWorkingState()
        // Not kept as a spare: the copy still reads with it, unchanged.
        #expect(HandshakeObserver.WorkPool.mine()._withUnsafeGuaranteedRef { $0.count } == 0)
        #expect(box.deliveryCount(0) == 1 && box.lastStream[0] == 10)
        #expect(copy.work === box)
    }
}
