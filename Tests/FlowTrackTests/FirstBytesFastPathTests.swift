import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// A direction's first bytes in order take `ingestInOrder` too when the first buffer can be had
/// whole (a spare 2 KiB buffer, or a fresh one within the global budget); otherwise they go to
/// `ingest`. Each case below is checked against what the stream must hold, the counters and the
/// buffer accounting, so that both paths are seen to give the same results.
@Suite struct FirstBytesFastPath {
    private let all = helloBytes(5000, seed: 9)

    /// First segments of every size around the first buffer's 2 KiB: within it (fast), exactly it
    /// (fast), one byte past it (slow: the buffer is made larger at once).
    @Test(arguments: [1, 100, 2047, 2048, 2049, 3000])
    func firstSegmentOfEachSize(size: Int) throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<size]))
        p.clientData(h, at: size, Array(all[size..<(size + 500)]))
        #expect(h.table.bufferedBytes == (size + 500 <= 2048 ? 2048 : 4096))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<(size + 500)]))
        #expect(observer.streams(.clientToServer).map(\.newBytes) == [size, 500])
        #expect(facts.clientSide.streamBytes == UInt64(size + 500))
        #expect(facts.clientSide.retransmittedSegments == 0)
        #expect(facts.clientSide.droppedByCaps == 0)
        #expect(h.table.bufferedBytes == 0)
    }

    /// The global budget leaves no room for a first buffer: the first bytes go to `ingest`, which
    /// keeps none of them and counts them as dropped, exactly as before.
    @Test func noRoomInTheGlobalBudget() throws {
        var config = FlowConfig()
        config.maxBufferedBytes = 200
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<300]))
        p.clientData(h, at: 300, Array(all[300..<400]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.streams(.clientToServer).isEmpty)
        #expect(facts.clientSide.streamBytes == 0)
        #expect(facts.clientSide.droppedByCaps == 400)
        #expect(h.table.counters.bytesDroppedByCaps == 400)
        #expect(h.table.counters.peakBufferedBytes == 0)
    }

    /// The global budget has room for the bytes but not for a whole first buffer: `ingest` makes
    /// buffers of just the size needed, and every byte is kept.
    @Test func roomForTheBytesOnly() throws {
        var config = FlowConfig()
        config.maxBufferedBytes = 1000
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<300]))
        #expect(h.table.bufferedBytes == 300)
        p.clientData(h, at: 300, Array(all[300..<400]))
        #expect(h.table.bufferedBytes == 400)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<400]))
        #expect(observer.streams(.clientToServer).map(\.newBytes) == [300, 100])
        #expect(facts.clientSide.droppedByCaps == 0)
        #expect(h.table.counters.peakBufferedBytes == 400)
    }

    /// A keep limit below the first buffer's size: the first bytes go to `ingest`, which makes a
    /// buffer of the limit's size and drops what lies past it.
    @Test func keepLimitBelowTheFirstBuffer() throws {
        var config = FlowConfig()
        config.streamBytesPerDirection = 1000
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(all[0..<600]))
        #expect(h.table.bufferedBytes == 1000)
        p.clientData(h, at: 600, Array(all[600..<1200]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<1000]))
        #expect(facts.clientSide.streamBytes == 1000)
        #expect(facts.clientSide.droppedByCaps == 200)
    }

    /// A first segment out of order (beyond a hole), then the hole: held, then joined, as before;
    /// then a second connection's first bytes reuse the first one's buffer (a spare).
    @Test func firstSegmentBeyondAHoleThenASpareBuffer() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 500, Array(all[500..<900]))
        p.clientData(h, at: 0, Array(all[0..<500]))
        p.clientData(h, at: 0, Array(all[0..<500]), flags: finAck)
        p.serverData(h, at: 0, [], flags: finAck)
        #expect(h.table.bufferedBytes == 2048)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(all[0..<900]))
        #expect(facts.clientSide.retransmittedSegments == 1)
        #expect(h.table.bufferedBytes == 0)
        let spares = h.table.core.spareBufferCount
        #expect(spares >= 1)

        var q = Pair()
        q.c = ep("10.0.0.3", 40000)
        q.handshake(h)
        q.clientData(h, at: 0, Array(all[0..<700]))
        #expect(h.table.core.spareBufferCount == spares - 1)
        #expect(h.table.bufferedBytes == 2048)
        h.table.finishAll()
        let (_, second) = try #require(h.finishedConnection(client: q.c))
        #expect(second.stream(.clientToServer) == Array(all[0..<700]))
    }
}
