import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// A settled connection gives its reassembly sides back to the pool (a closed connection lingers
/// 5 s of capture time, and most lingering ones are settled), keeping only its control state:
/// what it then still needs (FIN and RST, a late SYN compared with its ISN or its stream base)
/// must work as before.
@Suite struct SidePoolTests {
    static let settleAfterHello: Policy = { dir, bytes, _ in dir == .clientToServer && bytes.count >= 5 ? .settled : .more }
    static let never: Policy = { _, _, _ in .more }

    @Test func settledConnectionsGiveTheirSidesBack() throws {
        try Recorder.$policy.withValue(SidePoolTests.settleAfterHello) {
            let h = Harness()
            for i in 0..<1000 {
                var p = Pair()
                p.c = ep("10.7.\(i / 250).\(i % 250 + 1)", 40000)
                p.handshake(h)
                p.clientData(h, at: 0, Array("hello".utf8))
                h.tcp(p.c, p.s, seq: p.cs(5), ack: p.ss(0), finAck)
                h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(6), finAck)
            }
            // All 1000 closed and lingering, all settled: one pair of sides served them in turn.
            #expect(h.table.activeConnections == 1000)
            #expect(h.log.settled.count == 1000)
            #expect(h.table.core.pairsUsed == 1)
            #expect(h.table.core.freePairCount == 1)
            // Not settled: each keeps its sides until it finishes.
            for i in 0..<10 {
                var p = Pair()
                p.c = ep("10.8.0.\(i + 1)", 40000)
                p.handshake(h)
                p.clientData(h, at: 0, Array("hi".utf8))
            }
            #expect(h.table.core.pairsUsed == 10)
            h.table.finishAll()
            #expect(h.finished.count == 1010)
            #expect(h.table.core.freePairCount == 10)
            #expect(h.table.bufferedBytes == 0)
        }
    }

    /// A late SYN on a settled, closed connection: the same ISN is a retransmission, another ISN
    /// a new connection, as for a connection that is not settled.
    @Test(arguments: [false, true])
    func lateSynOnASettledConnection(settle: Bool) throws {
        let policy = settle ? SidePoolTests.settleAfterHello : SidePoolTests.never
        try Recorder.$policy.withValue(policy) {
            let h = Harness()
            let p = Pair()
            p.handshake(h)
            p.clientData(h, at: 0, Array("hello".utf8))
            #expect(h.log.settled.count == (settle ? 1 : 0))
            h.tcp(p.c, p.s, seq: p.cs(5), ack: p.ss(0), finAck)
            h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(6), finAck)
            h.tcp(p.c, p.s, seq: p.cISN, synOnly)
            #expect(h.finished.isEmpty)
            h.tcp(p.c, p.s, seq: 77_777, synOnly)
            #expect(h.finished.map(\.facts.endReason) == [.portReused])
            // Settled connections only count packets after settling (retransmissions are not
            // looked at); the others count the repeated SYN.
            #expect(h.finished.first?.facts.clientSide.retransmittedSegments == (settle ? 0 : 1))
        }
    }

    /// The client's SYN captured after the server's SYN-ACK and after the connection settled: it
    /// completes the tracked connection (its ISN + 1 is the stream base the SYN-ACK gave), and
    /// another ISN starts a new one; the base kept when the sides were released decides.
    @Test(arguments: [false, true])
    func missedSynArrivingAfterSettling(settle: Bool) throws {
        let policy = settle ? SidePoolTests.settleAfterHello : SidePoolTests.never
        try Recorder.$policy.withValue(policy) {
            let h = Harness()
            let p = Pair()
            h.tcp(p.s, p.c, seq: p.sISN, ack: p.cs(0), synAck)
            p.clientData(h, at: 0, Array("hello".utf8))
            #expect(h.log.settled.count == (settle ? 1 : 0))
            #expect(settle == (h.table.core.freePairCount == 1))
            h.tcp(p.c, p.s, seq: p.cISN, synOnly)           // the missed SYN: same connection
            #expect(h.finished.isEmpty)
            h.tcp(p.c, p.s, seq: p.cISN &+ 100, synOnly)    // another ISN: a new connection
            #expect(h.finished.map(\.facts.endReason) == [.portReused])
        }
    }

    /// A pair handed to a new connection starts fresh, whatever the previous one left in it.
    @Test func reusedSidesStartFresh() throws {
        try Recorder.$policy.withValue(SidePoolTests.settleAfterHello) {
            let h = Harness()
            let p = Pair()
            p.handshake(h)
            p.serverData(h, at: 100, [9, 9, 9])                // held out of order
            p.clientData(h, at: 0, Array("hello".utf8))        // settles: the pair goes back
            var q = Pair()
            q.c = ep("10.9.0.1", 41000)
            q.cISN = 9_000
            q.sISN = 90_000
            q.handshake(h)
            q.serverData(h, at: 0, [1, 2, 3])
            q.clientData(h, at: 0, [0x16, 0x03])
            #expect(h.table.core.pairsUsed == 1)
            h.table.finishAll()
            let (facts, observer) = try #require(h.finishedConnection(client: q.c))
            #expect(observer.stream(.serverToClient) == [1, 2, 3])
            #expect(observer.stream(.clientToServer) == [0x16, 0x03])
            #expect(facts.serverSide.gaps.isEmpty && facts.clientSide.gaps.isEmpty)
            #expect(facts.serverSide.streamBytes == 3)
        }
    }
}
