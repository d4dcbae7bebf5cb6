import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// The table reuses what a finished or settled connection leaves: its slot (facts and observer
/// storage), its pair of reassembly sides and its first stream buffer (kept as a spare instead
/// of freed). A reused piece must carry nothing over from the connection that had it.
@Suite struct SlotReuseTests {
    static let settleAfter2000: Policy = { dir, bytes, _ in dir == .clientToServer && bytes.count >= 2000 ? .settled : .more }

    /// A buffer full of one connection's bytes, reused by the next: the next one's stream shows
    /// its own bytes and, for a hole given up at its end, zeros, never the old bytes.
    @Test func aRecycledBufferShowsOnlyItsOwnBytes() throws {
        try Recorder.$policy.withValue(SlotReuseTests.settleAfter2000) {
            let h = Harness()
            var first = Pair()
            first.c = ep("10.9.0.1", 40000)
            first.handshake(h)
            first.clientData(h, at: 0, [UInt8](repeating: 0xAA, count: 2000))
            #expect(h.log.settled.count == 1)
            #expect(h.table.core.spareBufferCount >= 1)

            var second = Pair()
            second.c = ep("10.9.0.2", 40001)
            second.handshake(h)
            second.clientData(h, at: 0, Array("abc".utf8))
            second.clientData(h, at: 100, Array("xyz".utf8))  // held: bytes 3..<100 missing
            h.table.finishAll()
            let conn = try #require(h.finishedConnection(client: second.c))
            let stream = conn.observer.stream(.clientToServer)
            #expect(stream == Array("abc".utf8) + [UInt8](repeating: 0, count: 97) + Array("xyz".utf8))
            #expect(conn.facts.clientSide.gaps == [Gap(offset: 3, length: 97)])
            #expect(conn.facts.clientSide.streamBytes == 6)
        }
    }

    /// Connections one after another, each reset and then expired: the slots go round, and each
    /// finished connection has its own facts and its own observer's calls.
    @Test func finishedSlotsAreReusedWithFreshFacts() throws {
        let h = Harness()
        for i in 0..<200 {
            var p = Pair()
            p.c = ep("10.10.\(i / 200).\(i % 200 + 1)", UInt16(30000 + i))
            p.handshake(h)
            p.clientData(h, at: 0, helloBytes(10 + i % 7, seed: UInt8(i % 251)))
            h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(0), rstAck)
            h.advance(seconds: 6)  // past the closed linger
            h.table.expire(now: h.clock)
        }
        #expect(h.finished.count == 200)
        #expect(h.table.activeConnections == 0)
        #expect(h.table.core.used <= 2)
        for (i, f) in h.finished.enumerated() {
            let port = UInt16(30000 + i)
            #expect(f.facts.client.port == port)
            #expect(f.facts.endReason == .closed)
            #expect(f.facts.clientSide.packets == 3)
            #expect(f.facts.serverSide.packets == 2)
            #expect(f.facts.clientSide.payloadBytes == UInt64(10 + i % 7))
            #expect(f.facts.serverSide.firstRst != nil && f.facts.clientSide.firstRst == nil)
            #expect(f.observer.initial.client.port == port)
            #expect(f.observer.stream(.clientToServer) == helloBytes(10 + i % 7, seed: UInt8(i % 251)))
            #expect(f.observer.events().count == 3)  // SYN, SYN-ACK, RST
        }
        #expect(h.table.bufferedBytes == 0)
    }

    /// The spares are bounded and not counted as buffered payload.
    @Test func sparesAreBounded() throws {
        try Recorder.$policy.withValue(SlotReuseTests.settleAfter2000) {
            let h = Harness()
            // 600 connections with a first buffer each at once, then all settled.
            var pairs: [Pair] = []
            for i in 0..<600 {
                var p = Pair()
                p.c = ep("10.11.\(i / 250).\(i % 250 + 1)", 40000)
                p.handshake(h)
                p.clientData(h, at: 0, [UInt8](repeating: 1, count: 10))
                pairs.append(p)
            }
            #expect(h.table.bufferedBytes == 600 * 2048)
            for p in pairs { p.clientData(h, at: 10, [UInt8](repeating: 2, count: 1990)) }
            #expect(h.log.settled.count == 600)
            #expect(h.table.bufferedBytes == 0)
            #expect(h.table.core.spareBufferCount == h.table.core.spareBufferLimit)
        }
    }
}
