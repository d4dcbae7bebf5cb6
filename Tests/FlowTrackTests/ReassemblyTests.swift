import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// A 300-byte ClientHello-like payload in three segments.
private let hello = helloBytes(300)
private let cuts = [0..<100, 100..<180, 180..<300]

@Suite struct Reassembly {
    @Test(arguments: [
        // (segment order, stream calls expected, retransmissions expected)
        ([0, 1, 2], 3, 0),
        ([2, 1, 0], 1, 0),
        ([1, 0, 2], 2, 0),
        ([0, 0, 1, 1, 2, 2], 3, 3),
        ([2, 0, 1, 1, 0, 2], 2, 3),
        ([2, 2, 1, 1, 0], 1, 2),
    ])
    func splitHelloInAnyOrder(order: [Int], calls: Int, retransmissions: Int) throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        for i in order { p.clientData(h, at: cuts[i].lowerBound, Array(hello[cuts[i]])) }
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let streams = observer.streams(.clientToServer)
        #expect(streams.count == calls)
        #expect(streams.last?.bytes == hello)
        #expect(streams.reduce(0) { $0 + $1.newBytes } == 300)
        for s in streams { #expect(Array(hello.prefix(s.bytes.count)) == s.bytes) }
        #expect(facts.clientSide.streamBytes == 300)
        #expect(facts.clientSide.retransmittedSegments == UInt64(retransmissions))
        #expect(facts.clientSide.conflictingOverlaps == 0)
        #expect(facts.clientSide.gaps.isEmpty)
        #expect(observer.events().count == 2)  // SYN and SYN-ACK; no gap
    }

    @Test func overlapInThePrefixKeepsTheFirstCopy() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(hello[0..<100]))
        // Bytes 50..<100 again, but different; 100..<150 new.
        var second = Array(hello[50..<150])
        for i in 0..<50 { second[i] = 0xEE }
        p.clientData(h, at: 50, second)
        // All old, all different: nothing new, first copy still kept.
        p.clientData(h, at: 0, [UInt8](repeating: 0xAB, count: 100))
        // An identical retransmission is not a conflict.
        p.clientData(h, at: 0, Array(hello[0..<50]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == Array(hello[0..<150]))
        #expect(observer.streams(.clientToServer).map(\.newBytes) == [100, 50])
        #expect(facts.clientSide.conflictingOverlaps == 2)
        #expect(facts.clientSide.retransmittedSegments == 2)
        #expect(facts.clientSide.streamBytes == 150)
    }

    @Test func overlapInHeldBytesKeepsTheFirstCopy() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 100, Array(hello[100..<200]))  // held
        var changed = Array(hello[120..<220])
        for i in 0..<80 { changed[i] ^= 0xFF }              // 120..<200 differ, 200..<220 new
        p.clientData(h, at: 120, changed)
        p.clientData(h, at: 100, Array(hello[100..<200]))  // identical duplicate of held bytes
        let fill = p.clientData(h, at: 0, Array(hello[0..<100]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.streams(.clientToServer).map(\.packet) == [fill])
        #expect(observer.stream(.clientToServer) == Array(hello[0..<220]))
        #expect(facts.clientSide.conflictingOverlaps == 1)
        #expect(facts.clientSide.retransmittedSegments == 1)
    }

    @Test func holeLaterFilledDeliversEverythingOnce() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        let a = p.clientData(h, at: 0, Array(hello[0..<100]))
        p.clientData(h, at: 200, Array(hello[200..<300]))
        let c = p.clientData(h, at: 100, Array(hello[100..<200]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.calls.suffix(2) == [
            .stream(.clientToServer, bytes: Array(hello[0..<100]), newBytes: 100, packet: a),
            .stream(.clientToServer, bytes: hello, newBytes: 200, packet: c),
        ])
        #expect(facts.clientSide.gaps.isEmpty && facts.clientSide.retransmittedSegments == 0)
    }

    @Test func gapThatNeverFillsIsReportedAtTheEnd() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        let a = p.clientData(h, at: 0, Array(hello[0..<100]))
        let b = p.clientData(h, at: 150, Array(hello[150..<250]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let expected = Array(hello[0..<100]) + [UInt8](repeating: 0, count: 50) + Array(hello[150..<250])
        #expect(observer.calls.suffix(3) == [
            .stream(.clientToServer, bytes: Array(hello[0..<100]), newBytes: 100, packet: a),
            .event(.gap(offset: 100, length: 50), .clientToServer, packet: b),  // stamped with the last packet
            .stream(.clientToServer, bytes: expected, newBytes: 150, packet: b),
        ])
        #expect(facts.clientSide.gaps == [Gap(offset: 100, length: 50)])
        #expect(facts.clientSide.streamBytes == 200)
        #expect(facts.endReason == .captureEnd)
    }

    /// An ACK past a hole is proof only once the sender's next segment fails to fill it: the gap is
    /// declared up to the latest such ACK, stamped with that segment.
    @Test func ackPastTheHoleThenAnotherSegmentProvesTheGap() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(hello[0..<100]))
        p.clientData(h, at: 150, Array(hello[150..<250]))
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(120), ackOnly)   // acknowledges into the hole
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(250), ackOnly)   // acknowledges past it
        let after = p.clientData(h, at: 250, Array(hello[250..<300]))
        #expect(h.finished.isEmpty)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let zeros = [UInt8](repeating: 0, count: 50)
        let upTo250 = Array(hello[0..<100]) + zeros + Array(hello[150..<250])
        #expect(observer.calls.suffix(2) == [
            .event(.gap(offset: 100, length: 50), .clientToServer, packet: after),
            .stream(.clientToServer, bytes: upTo250 + Array(hello[250..<300]), newBytes: 200, packet: after),
        ])
        #expect(facts.clientSide.gaps == [Gap(offset: 100, length: 50)])
        #expect(facts.clientSide.streamBytes == 250)
    }

    /// Captures taken on several queues can record the receiver's ACK before the data it covers.
    /// When the sender's next segment is that data, there is no gap and no conflicting overlap.
    @Test func ackCapturedBeforeTheDataItCoversIsNotAGap() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(hello[0..<100]))
        p.clientData(h, at: 150, Array(hello[150..<250]))
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(250), ackOnly)   // the ACK, captured early
        let late = p.clientData(h, at: 100, Array(hello[100..<150]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.clientSide.gaps.isEmpty)
        #expect(facts.clientSide.conflictingOverlaps == 0)
        #expect(observer.calls.last == .stream(.clientToServer, bytes: Array(hello[0..<250]), newBytes: 150, packet: late))
    }

    @Test func ackOfAFinIsNotAGap() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, [1, 2, 3], flags: [.fin, .psh, .ack])
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(4), ackOnly)  // acknowledges the data and the FIN
        h.table.finishAll()
        let facts = try #require(h.finishedConnection(client: p.c)?.facts)
        #expect(facts.clientSide.gaps.isEmpty)
    }

    @Test func holdBudgetOverflowGivesUpTheOldestHole() throws {
        var config = FlowConfig()
        config.outOfOrderBytesPerDirection = 100
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(hello[0..<100]))
        p.clientData(h, at: 150, Array(hello[150..<230]))        // 80 held
        let tail = hello[0..<100].map { $0 ^ 0x5A }
        let over = p.clientData(h, at: 300, tail)                // 100 more: over budget
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let streams = observer.streams(.clientToServer)
        #expect(streams.count == 3)
        #expect(observer.calls.contains(.event(.gap(offset: 100, length: 50), .clientToServer, packet: over)))
        #expect(streams[1].packet == over && streams[1].bytes.count == 230 && streams[1].newBytes == 130)
        #expect(facts.clientSide.gaps == [Gap(offset: 100, length: 50), Gap(offset: 230, length: 70)])
        #expect(streams[2].bytes.count == 400)
        #expect(Array(streams[2].bytes[300..<400]) == tail)
        #expect(h.table.counters.outOfOrderSegmentsDropped == 0)
    }

    @Test func segmentLargerThanTheHoldBudgetIsDroppedAndCounted() throws {
        var config = FlowConfig()
        config.outOfOrderBytesPerDirection = 50
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, Array(hello[0..<100]))
        p.clientData(h, at: 200, Array(hello[200..<300]))  // 100 > 50 with nothing held: dropped
        #expect(h.table.counters.outOfOrderSegmentsDropped == 1)
        p.clientData(h, at: 100, Array(hello[100..<200]))
        p.clientData(h, at: 200, Array(hello[200..<300]))  // its retransmission is taken, in order
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == hello)
        #expect(facts.clientSide.gaps.isEmpty)
        #expect(facts.clientSide.retransmittedSegments == 0)  // it brought kept bytes
    }

    @Test func truncatedSegmentLeavesAGapAtOnce() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        let cut = p.clientData(h, at: 0, Array(hello[0..<60]), wire: 100)
        let next = p.clientData(h, at: 100, Array(hello[100..<150]))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let withZeros = Array(hello[0..<60]) + [UInt8](repeating: 0, count: 40)
        #expect(observer.calls.suffix(4) == [
            .stream(.clientToServer, bytes: Array(hello[0..<60]), newBytes: 60, packet: cut),
            .event(.gap(offset: 60, length: 40), .clientToServer, packet: cut),
            .stream(.clientToServer, bytes: withZeros, newBytes: 40, packet: cut),
            .stream(.clientToServer, bytes: withZeros + Array(hello[100..<150]), newBytes: 50, packet: next),
        ])
        #expect(facts.clientSide.truncatedSegments == 1)
        #expect(facts.clientSide.payloadBytes == 150)
        #expect(facts.clientSide.streamBytes == 110)
    }

    @Test func sequenceNumbersWrapAround() throws {
        let h = Harness()
        var p = Pair()
        p.cISN = 0xFFFF_FFF0
        p.sISN = 0xFFFF_FFFA
        p.handshake(h)
        let data = helloBytes(60, seed: 9)
        #expect(p.cs(10) == 0xFFFF_FFFB && p.cs(30) == 0x0000_000F)  // the second segment crosses 0
        p.clientData(h, at: 0, Array(data[0..<10]))
        p.clientData(h, at: 30, Array(data[30..<60]))   // after the wrap, held
        p.clientData(h, at: 10, Array(data[10..<30]))   // across the wrap, fills the hole
        p.clientData(h, at: 10, Array(data[10..<30]))   // retransmitted across the wrap
        let reply = helloBytes(40, seed: 3)
        p.serverData(h, at: 0, reply, ackClient: 60)    // server data crosses 0 too
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(observer.stream(.clientToServer) == data)
        #expect(observer.stream(.serverToClient) == reply)
        #expect(facts.clientSide.gaps.isEmpty && facts.serverSide.gaps.isEmpty)
        #expect(facts.clientSide.retransmittedSegments == 1)
        #expect(facts.clientSide.streamBytes == 60 && facts.serverSide.streamBytes == 40)
    }

    @Test func settledConnectionsOnlyCountButStillReportFinAndRst() throws {
        let policy: Policy = { dir, bytes, _ in dir == .clientToServer && bytes.count >= 5 ? .settled : .more }
        try Recorder.$policy.withValue(policy) {
            let h = Harness()
            let p = Pair()
            p.handshake(h)
            p.serverData(h, at: 100, [1, 2, 3])                  // held server bytes, freed on settle
            let hello5 = p.clientData(h, at: 0, Array("hello".utf8))
            #expect(h.log.settled.count == 1)
            #expect(h.log.settled.first?.facts.settled == true)
            #expect(h.log.settled.first?.observer.calls.count == 3)
            #expect(h.table.bufferedBytes == 0)
            p.serverData(h, at: 0, Array("world".utf8), ackClient: 5)
            p.clientData(h, at: 5, Array("more".utf8))
            let fin = h.tcp(p.s, p.c, seq: p.ss(5), ack: p.cs(9), finAck)
            let rst = h.tcp(p.c, p.s, seq: p.cs(9), rstAck)
            #expect(h.table.bufferedBytes == 0)
            h.table.finishAll()
            #expect(h.log.settled.count == 1)
            let (facts, observer) = try #require(h.finishedConnection(client: p.c))
            #expect(observer.calls == [
                .event(.syn, .clientToServer, packet: 1),
                .event(.synAck, .serverToClient, packet: 2),
                .stream(.clientToServer, bytes: Array("hello".utf8), newBytes: 5, packet: hello5),
                .event(.fin, .serverToClient, packet: fin),
                .event(.rst, .clientToServer, packet: rst),
            ])
            #expect(facts.settled)
            #expect(facts.clientSide.packets == 5 && facts.serverSide.packets == 4)
            #expect(facts.clientSide.payloadBytes == 9 && facts.serverSide.payloadBytes == 8)
            #expect(facts.clientSide.streamBytes == 5 && facts.serverSide.streamBytes == 0)
            #expect(facts.serverSide.gaps.isEmpty)  // held bytes were dropped silently only because settled
            #expect(facts.endReason == .closed)
        }
    }

    @Test func perDirectionCapKeepsTheFirst64KiB() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        let chunk = 1000
        var all: [UInt8] = []
        for i in 0..<70 {
            let bytes = helloBytes(chunk, seed: UInt8(i))
            all += bytes
            p.clientData(h, at: i * chunk, bytes)
        }
        #expect(h.table.bufferedBytes == 0)  // full: nothing more is kept, the buffer is freed
        p.clientData(h, at: 69 * chunk, helloBytes(chunk, seed: 69))  // retransmission beyond the cap
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        let streams = observer.streams(.clientToServer)
        #expect(streams.last?.bytes == Array(all.prefix(65536)))
        #expect(streams.reduce(0) { $0 + $1.newBytes } == 65536)
        #expect(streams.count == 66)  // 65 whole chunks, then the one that reaches the cap
        #expect(facts.clientSide.streamBytes == 65536)
        #expect(facts.clientSide.droppedByCaps == 70_000 - 65536)
        #expect(h.table.counters.bytesDroppedByCaps == 70_000 - 65536)
        #expect(facts.clientSide.retransmittedSegments == 1)
        #expect(facts.clientSide.payloadBytes == 71_000)
        #expect(h.table.counters.peakBufferedBytes == 65536)
    }

    @Test func buffersGrowGeometricallyUpToTheCap() {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        var sizes: [Int] = []
        var offset = 0
        for n in [100, 2000, 3000, 9000, 20000, 30000] {
            p.clientData(h, at: offset, helloBytes(n))
            offset += n
            sizes.append(h.table.bufferedBytes)
        }
        // 100 → 2 KiB; 2100 → 4 KiB; 5100 → 8 KiB; 14100 → 16 KiB; 34100 → 64 KiB (the cap);
        // 64100 → still 64 KiB. Reaching the cap frees the buffer (nothing more will be shown).
        #expect(sizes == [2048, 4096, 8192, 16384, 65536, 65536])
        p.clientData(h, at: offset, helloBytes(2000))
        #expect(h.table.bufferedBytes == 0)
    }

    @Test func globalCapDropsWhatDoesNotFit() throws {
        var config = FlowConfig()
        config.maxBufferedBytes = 4096
        let h = Harness(config)
        let c1 = ep("10.0.1.1", 40001), c2 = ep("10.0.1.2", 40002), c3 = ep("10.0.1.3", 40003), c4 = ep("10.0.1.4", 40004)
        h.tcp(c1, server, seq: 1, ack: 1, pshAck, helloBytes(2000))
        h.tcp(c2, server, seq: 1, ack: 1, pshAck, helloBytes(2000))
        #expect(h.table.bufferedBytes == 4096)
        h.tcp(c3, server, seq: 1, ack: 1, pshAck, helloBytes(100))   // no room
        #expect(h.table.counters.bytesDroppedByCaps == 100)
        h.tcp(c1, server, seq: 2001, ack: 1, [.rst, .ack])
        h.table.expire(now: h.time(after: 5))                       // c1 finishes; its 2 KiB are freed
        #expect(h.table.bufferedBytes == 2048)
        h.tcp(c4, server, seq: 1, ack: 1, pshAck, helloBytes(100))   // fits now
        h.tcp(c3, server, seq: 101, ack: 1, pshAck, helloBytes(100)) // c3 stays cut
        h.table.finishAll()
        #expect(h.table.counters.peakBufferedBytes == 4096)
        #expect(h.table.counters.bytesDroppedByCaps == 200)
        let three = try #require(h.finishedConnection(client: c3))
        #expect(three.facts.clientSide.droppedByCaps == 200 && three.observer.calls.isEmpty)
        #expect(three.facts.clientSide.payloadBytes == 200)
        let four = try #require(h.finishedConnection(client: c4))
        #expect(four.observer.stream(.clientToServer) == helloBytes(100))
        #expect(h.table.bufferedBytes == 0)
    }

    @Test func gapsPerDirectionAreBounded() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        // Every segment keeps 1 byte of 10: one gap each. After 256 gaps the direction stops.
        for i in 0..<300 { p.clientData(h, at: i * 10, [UInt8(i & 0xFF)], wire: 10) }
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.clientSide.gaps.count == 256)
        #expect(facts.clientSide.gaps.last == Gap(offset: 2551, length: 9))
        let streams = observer.streams(.clientToServer)
        #expect(streams.last?.bytes.count == 2561)
        #expect(streams.last?.bytes[2550] == 255 && streams.last?.bytes[2560] == 0)
        #expect(facts.clientSide.streamBytes == 257)
        // The 257th segment's byte was kept but its gap was refused: the prefix ends at 2561, and the
        // 43 segments after it (430 bytes) are dropped.
        #expect(facts.clientSide.droppedByCaps == 430 + 9)
        #expect(h.table.bufferedBytes == 0)
    }
}
