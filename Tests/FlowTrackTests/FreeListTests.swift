import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// The table's free slots, free side pairs and spare stream buffers are stacks linked through the
/// free pieces themselves. Checked against a model of the live connections over random steps:
/// slots and pairs are reused before new ones are made (the table holds exactly as many as were
/// ever needed at once), every connection keeps its own facts, and nothing leaks.
@Suite struct FreeListTests {
    /// Connections from an odd client port settle once the client has sent 5 bytes (their pair
    /// goes back to the pool); those from an even port never settle (they keep their pair).
    static let oddPortsSettle: Policy = { dir, bytes, facts in
        dir == .clientToServer && facts.client.port % 2 == 1 && bytes.count >= 5 ? .settled : .more
    }

    struct Live {
        var pair: Pair
        var sent: [UInt8] = []
        var clientBytes: Int { sent.count }
        var clientPackets = 0
        var serverPackets = 0
        var closed = false
        var holdsPair: Bool { !(pair.c.port % 2 == 1 && clientBytes >= 5) }
    }

    /// One of `keys`, picked by `rng`, or nil.
    static func pick(_ keys: [UInt16], _ rng: inout SplitMix) -> UInt16? {
        keys.isEmpty ? nil : keys.sorted()[Int(rng.next() % UInt64(keys.count))]
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func freeListsFollowAModelUnderChurn(seed: UInt64) throws {
        try Recorder.$policy.withValue(FreeListTests.oddPortsSettle) {
            var config = FlowConfig()
            config.idleTimeoutSeconds = 1_000_000  // only closed connections end while it runs
            let h = Harness(config)
            var rng = SplitMix(seed: seed)
            var live: [UInt16: Live] = [:]
            var expected: [UInt16: Live] = [:]  // every connection made, as it was when it ended
            var nextPort: UInt16 = 20000
            var peakLive = 0, peakPairs = 0
            for _ in 0..<3000 {
                switch rng.next() % 8 {
                case 0, 1, 2:  // a new connection
                    var p = Pair()
                    p.c = ep("10.20.\(nextPort / 250 % 250).\(nextPort % 250 + 1)", nextPort)
                    nextPort &+= 1
                    p.handshake(h)
                    live[p.c.port] = Live(pair: p, clientPackets: 2, serverPackets: 1)
                case 3, 4, 5:  // client bytes on an open connection
                    guard let port = FreeListTests.pick(Array(live.filter { !$0.value.closed }.keys), &rng) else { continue }
                    var l = live[port]!
                    let bytes = (0..<Int(rng.next() % 4) + 1).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    l.pair.clientData(h, at: l.clientBytes, bytes)
                    l.sent += bytes
                    l.clientPackets += 1
                    live[port] = l
                case 6:  // the server resets one
                    guard let port = FreeListTests.pick(Array(live.filter { !$0.value.closed }.keys), &rng) else { continue }
                    var l = live[port]!
                    h.tcp(l.pair.s, l.pair.c, seq: l.pair.ss(0), ack: l.pair.cs(l.clientBytes), rstAck)
                    l.serverPackets += 1
                    l.closed = true
                    live[port] = l
                default:  // time passes: the closed ones finish
                    h.advance(seconds: 6)
                    h.table.expire(now: h.clock)
                    for (port, l) in live where l.closed {
                        expected[port] = l
                        live[port] = nil
                    }
                }
                peakLive = max(peakLive, live.count)
                let holding = live.values.filter(\.holdsPair).count
                peakPairs = max(peakPairs, holding)
                #expect(h.table.activeConnections == live.count)
                #expect(h.table.core.used == peakLive)
                #expect(h.table.core.pairsUsed == peakPairs)
                #expect(h.table.core.freePairCount == peakPairs - holding)
                #expect(h.table.core.spareBufferCount <= h.table.core.spareBufferLimit)
            }
            for (port, l) in live { expected[port] = l }
            h.table.finishAll()
            #expect(h.table.activeConnections == 0)
            #expect(h.table.bufferedBytes == 0)
            #expect(h.finished.count == expected.count)
            #expect(h.table.core.freePairCount == h.table.core.pairsUsed)
            for f in h.finished {
                let l = try #require(expected[f.facts.client.port])
                #expect(f.facts.client == l.pair.c)
                #expect(f.facts.clientSide.packets == UInt64(l.clientPackets))
                #expect(f.facts.serverSide.packets == UInt64(l.serverPackets))
                #expect(f.facts.clientSide.payloadBytes == UInt64(l.clientBytes))
                #expect(f.facts.settled == !l.holdsPair)
                #expect(f.facts.endReason == (l.closed ? .closed : .captureEnd))
                // What the observer was shown is this connection's own bytes: all of them, or (once
                // settled) those up to where it settled, at least the 5 that settled it.
                let shown = f.observer.stream(.clientToServer)
                if l.holdsPair {
                    #expect(shown == l.sent)
                } else {
                    #expect(shown.count >= 5 && shown == Array(l.sent.prefix(shown.count)))
                }
            }
        }
    }
}
