import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// `ingestInOrder` (the next bytes in order, all captured, nothing held, room in the buffer) next
/// to the segments it must leave to `ingest`: each run mixes both kinds and is checked against what
/// the stream must hold and every counter, so that a fast-path segment and a slow-path one are
/// indistinguishable in the results.
@Suite struct InOrderFastPath {
    private let all = helloBytes(6000, seed: 3)

    /// A segment that fits the first buffer, one that does not (the buffer grows), a retransmission
    /// of bytes already kept (different and identical), a hole filled later, then in order again.
    @Test func fastAndSlowSegmentsInterleaved() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<1000]))        // first bytes: no buffer yet (fast: a first buffer)
        p.clientData(h, at: 1000, Array(all[1000..<2000]))  // in order, fits the 2 KiB buffer (fast)
        p.clientData(h, at: 2000, Array(all[2000..<3000]))  // in order, past the buffer: grows (slow)
        var changed = Array(all[2500..<3000])
        changed[7] ^= 0x5A
        p.clientData(h, at: 2500, changed)                   // a retransmission that differs (slow)
        p.clientData(h, at: 1000, Array(all[1000..<2000]))  // an identical retransmission (slow)
        p.clientData(h, at: 3500, Array(all[3500..<4000]))  // beyond a hole: held (slow)
        p.clientData(h, at: 3000, Array(all[3000..<3500]))  // fills it (slow: something is held)
        p.clientData(h, at: 4000, Array(all[4000..<4500]))  // in order again, room left (fast)
        p.clientData(h, at: 4500, Array(all[4500..<4600]), wire: 200)  // truncated: a gap at once (slow)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let streams = observer.streams(.clientToServer)
        var expected = Array(all[0..<4600])
        expected += [UInt8](repeating: 0, count: 100)
        #expect(streams.last?.bytes == expected)
        // (The truncated segment: its bytes, then the gap event, then the zero-filled bytes.)
        #expect(streams.map(\.newBytes) == [1000, 1000, 1000, 1000, 500, 100, 100])
        for s in streams { #expect(s.bytes == Array(expected.prefix(s.bytes.count))) }
        #expect(facts.clientSide.streamBytes == 4600)
        #expect(facts.clientSide.retransmittedSegments == 2)
        #expect(facts.clientSide.conflictingOverlaps == 1)
        #expect(facts.clientSide.truncatedSegments == 1)
        #expect(facts.clientSide.gaps == [Gap(offset: 4600, length: 100)])
        #expect(facts.clientSide.droppedByCaps == 0)
        #expect(facts.clientSide.payloadBytes == 6200)
    }

    /// A retransmission of a segment read in order, sent again right after it (the prefix's end is
    /// past it): compared with what was kept, never taken as new bytes.
    @Test func retransmissionOfTheLastInOrderSegment() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<300]))
        p.clientData(h, at: 300, Array(all[300..<600]))      // fast
        p.clientData(h, at: 300, Array(all[300..<600]))      // the same again
        var changed = Array(all[300..<600])
        changed[299] ^= 1
        p.clientData(h, at: 300, changed)                     // again, last byte different
        p.clientData(h, at: 600, Array(all[600..<700]))      // fast again
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<700]))
        #expect(observer.streams(.clientToServer).map(\.newBytes) == [300, 300, 100])
        #expect(facts.clientSide.retransmittedSegments == 2)
        #expect(facts.clientSide.conflictingOverlaps == 1)
    }

    /// Segments that end exactly at the per-direction keep limit, and one past it: the bytes past
    /// the limit are dropped and counted, and the direction stops being shown.
    @Test func segmentsReachingTheKeepLimit() throws {
        var config = FlowConfig()
        config.streamBytesPerDirection = 4096
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<2048]))        // fills the first buffer exactly
        p.clientData(h, at: 2048, Array(all[2048..<3000]))  // grows
        p.clientData(h, at: 3000, Array(all[3000..<4000]))  // fast: room up to the limit
        p.clientData(h, at: 4000, Array(all[4000..<4200]))  // crosses the limit (slow)
        p.clientData(h, at: 4200, Array(all[4200..<4300]))  // past it
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<4096]))
        #expect(observer.streams(.clientToServer).map(\.newBytes) == [2048, 952, 1000, 96])
        #expect(facts.clientSide.streamBytes == 4096)
        #expect(facts.clientSide.droppedByCaps == 4300 - 4096)
        #expect(h.table.counters.bytesDroppedByCaps == 4300 - 4096)
        #expect(facts.clientSide.retransmittedSegments == 0)
    }

    /// The server's side by the same path, after a SYN-ACK set its base: in order from its first byte.
    @Test func bothDirectionsInOrder() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<200]))
        p.serverData(h, at: 0, Array(all[0..<1500]), ackClient: 200)
        p.serverData(h, at: 1500, Array(all[1500..<1800]), ackClient: 200)
        p.clientData(h, at: 200, Array(all[200..<260]))
        p.serverData(h, at: 1800, Array(all[1800..<1900]), ackClient: 260)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<260]))
        #expect(observer.stream(.serverToClient) == Array(all[0..<1900]))
        #expect(observer.streams(.serverToClient).map(\.newBytes) == [1500, 300, 100])
        #expect(facts.serverSide.streamBytes == 1900)
        #expect(facts.clientSide.streamBytes == 260)
        #expect(facts.serverSide.retransmittedSegments == 0)
    }
}
