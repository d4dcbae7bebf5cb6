import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

@Suite struct Lifecycle {
    @Test func closedConnectionLingersFromItsLastPacket() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        h.tcp(p.c, p.s, seq: p.cs(0), ack: p.ss(0), finAck)
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(1), finAck)
        h.advance(seconds: 3)
        h.tcp(p.c, p.s, seq: p.cs(1), ack: p.ss(1), ackOnly)  // a late ACK restarts the linger
        h.table.expire(now: h.time(after: 4.999))
        #expect(h.table.activeConnections == 1)
        h.table.expire(now: h.time(after: 5))
        #expect(h.table.activeConnections == 0)
        #expect(h.finished.map(\.facts.endReason) == [.closed])
    }

    @Test func closedConnectionEndsLazilyWhenItsTupleComesBack() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(0), rstAck)
        h.advance(seconds: 6)
        let late = p.clientData(h, at: 0, [1, 2, 3])  // no expire() call in between
        #expect(h.finished.map(\.facts.endReason) == [.closed])
        #expect(h.table.activeConnections == 1)
        #expect(h.table.counters.connectionsCreated == 2 && h.table.counters.portReuses == 0)
        h.table.finishAll()
        let second = try #require(h.finished.last)
        #expect(second.facts.first.number == late && second.facts.roleSource == .ports)
        #expect(second.facts.endReason == .captureEnd)
    }

    @Test func idleTimeoutByExpireAndLazily() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, [1])
        h.table.expire(now: h.time(after: 299.999))
        #expect(h.finished.isEmpty)
        h.table.expire(now: h.time(after: 300))
        #expect(h.finished.map(\.facts.endReason) == [.idleTimeout])
        #expect(h.table.counters.idleTimeouts == 1)

        let q = Pair(c: ep("10.0.0.3", 50001))
        q.handshake(h)
        h.advance(seconds: 301)
        q.clientData(h, at: 0, [1])  // the same tuple after the timeout: a new connection
        #expect(h.finished.count == 2 && h.finished.last?.facts.endReason == .idleTimeout)
        #expect(h.table.counters.idleTimeouts == 2 && h.table.activeConnections == 1)
    }

    /// With an idle timeout shorter than the closed linger, a packet on a tuple quiet for longer
    /// than the idle timeout (closed or not) ends the tracked connection as idle; one quiet for
    /// less goes on with it.
    @Test func lazyEndingsWhenIdleIsShorterThanLinger() throws {
        var config = FlowConfig()
        config.idleTimeoutSeconds = 2
        config.closedLingerSeconds = 5
        let h = Harness(config)
        let p = Pair()
        p.handshake(h)
        h.tcp(p.c, p.s, seq: p.cs(0), ack: p.ss(0), finAck)
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(1), finAck)
        let q = Pair(c: ep("10.0.0.3", 50001))
        q.handshake(h)
        h.advance(seconds: 1.5)
        q.clientData(h, at: 0, [1])           // quiet 1.5 s: the same connection
        #expect(h.finished.isEmpty)
        h.advance(seconds: 1.5)
        p.clientData(h, at: 1, [1])           // closed, quiet 3 s: idle, before its linger
        #expect(h.finished.map(\.facts.endReason) == [.idleTimeout])
        #expect(h.table.activeConnections == 2 && h.table.counters.idleTimeouts == 1)
    }

    @Test func expireFinishesExactlyTheExpiredOldestFirst() {
        var config = FlowConfig()
        config.idleTimeoutSeconds = 30
        let h = Harness(config)
        for i in 0..<20 {
            h.tcp(ep("10.2.0.\(i + 1)", 40000), server, seq: 1, synOnly)
            h.advance(seconds: 1)
        }
        // Touch connection 0 again (within its idle time): it is now the most recent.
        h.tcp(ep("10.2.0.1", 40000), server, seq: 1, synOnly)
        // Packet i went out at 0.001 + 1.001 i s; the touch at 20.021 s. Expiring at 40.521 s ends
        // what was last active at or before 10.521 s: connections 1…10.
        h.table.expire(now: h.time(after: 20.5))
        let finishedHosts = h.finished.map { $0.facts.client.address.description }
        #expect(finishedHosts == (2...11).map { "10.2.0.\($0)" })
        #expect(h.table.activeConnections == 10)
    }

    @Test func newSynOnAClosedTupleIsPortReuse() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, [1, 2])
        h.tcp(p.c, p.s, seq: p.cs(2), ack: p.ss(0), finAck)
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(3), finAck)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)  // same ISN: a stray retransmission, not a new connection
        #expect(h.finished.isEmpty)
        let newSyn = h.tcp(p.c, p.s, seq: 77_777, synOnly)
        #expect(h.finished.map(\.facts.endReason) == [.portReused])
        #expect(h.table.counters.portReuses == 1 && h.table.activeConnections == 1)
        h.table.finishAll()
        let second = try #require(h.finished.last)
        #expect(second.observer.calls == [.event(.syn, .clientToServer, packet: newSyn)])
        #expect(second.facts.first.number == newSyn && second.facts.endReason == .captureEnd)
        #expect(h.finished.first?.facts.clientSide.retransmittedSegments == 1)
    }

    @Test func newSynOnAnOpenTupleIsPortReuseToo() {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, [1, 2])
        h.tcp(p.c, p.s, seq: 4242, synOnly)  // the old one's end was not captured
        #expect(h.finished.map(\.facts.endReason) == [.portReused])
        h.tcp(ep("10.9.9.9", 3000), ep("10.9.9.8", 443), seq: 1, ack: 1, ackOnly)  // mid-stream…
        h.tcp(ep("10.9.9.9", 3000), ep("10.9.9.8", 443), seq: 9, synOnly)       // …then a SYN
        #expect(h.finished.count == 2 && h.table.counters.portReuses == 2)
    }

    @Test func evictionTakesTheLeastRecentlyActive() {
        var config = FlowConfig()
        config.maxConnections = 3
        let h = Harness(config)
        let a = ep("10.3.0.1", 40000), b = ep("10.3.0.2", 40000), c = ep("10.3.0.3", 40000)
        let d = ep("10.3.0.4", 40000), e = ep("10.3.0.5", 40000)
        for x in [a, b, c] { h.tcp(x, server, seq: 1, synOnly) }
        h.tcp(a, server, seq: 2, ack: 1, ackOnly)  // a is active again
        h.tcp(d, server, seq: 1, synOnly)          // evicts b
        #expect(h.table.activeConnections == 3)
        h.tcp(e, server, seq: 1, synOnly)          // evicts c
        #expect(h.table.activeConnections == 3)
        #expect(h.finished.map(\.facts.client) == [b, c])
        #expect(h.finished.allSatisfy { $0.facts.endReason == .evicted })
        #expect(h.table.counters.connectionsEvicted == 2 && h.table.counters.peakConnections == 3)
        h.table.finishAll()
        #expect(h.finished.map(\.facts.client) == [b, c, a, d, e])
    }

    @Test func lingeringClosedConnectionsMakeRoomFirst() {
        var config = FlowConfig()
        config.maxConnections = 2
        let h = Harness(config)
        let a = ep("10.4.0.1", 40000), b = ep("10.4.0.2", 40000), c = ep("10.4.0.3", 40000)
        h.tcp(a, server, seq: 1, synOnly)
        h.tcp(b, server, seq: 1, synOnly)
        h.tcp(server, b, seq: 0, ack: 2, rstAck)  // b is closed (refused), more recent than a
        h.tcp(c, server, seq: 1, synOnly)
        #expect(h.finished.map(\.facts.client) == [b])
        #expect(h.finished.first?.facts.endReason == .closed && h.finished.first?.facts.refused == true)
        #expect(h.table.counters.connectionsEvicted == 0)
    }

    @Test func finishAllEndsEverythingOnce() {
        let h = Harness()
        let a = ep("10.5.0.1", 40000), b = ep("10.5.0.2", 40000), c = ep("10.5.0.3", 40000)
        h.tcp(a, server, seq: 1, synOnly)
        h.tcp(b, server, seq: 1, synOnly)
        h.tcp(server, b, seq: 0, ack: 2, rstAck)
        h.tcp(c, server, seq: 1, synOnly)
        h.table.finishAll()
        #expect(h.finished.map(\.facts.client) == [a, b, c])
        #expect(h.finished.map(\.facts.endReason) == [.captureEnd, .closed, .captureEnd])
        #expect(h.table.activeConnections == 0)
        h.table.finishAll()
        h.table.expire(now: h.time(after: 10_000))
        #expect(h.finished.count == 3 && h.table.counters.connectionsFinished == 3)
    }

    @Test func onFinishedExactlyOncePerConnection() {
        var config = FlowConfig()
        config.maxConnections = 40
        config.idleTimeoutSeconds = 20
        config.closedLingerSeconds = 2
        config.outOfOrderBytesPerDirection = 300
        config.maxBufferedBytes = 64 * 1024
        let h = Harness(config)
        var rng = SplitMix(seed: 42)
        let hosts = (0..<120).map { ep("10.6.\($0 / 200).\($0 % 200 + 1)", UInt16(40000 + $0 % 7)) }
        for step in 0..<20_000 {
            let x = hosts[Int(rng.next() % UInt64(hosts.count))]
            let toServer = rng.next() % 2 == 0
            let (from, to) = toServer ? (x, server) : (server, x)
            let seq = UInt32(truncatingIfNeeded: rng.next() % 4000)
            switch rng.next() % 10 {
            case 0: h.tcp(from, to, seq: UInt32(rng.next() % 3), synOnly)
            case 1: h.tcp(from, to, seq: 7, ack: seq, synAck)
            case 2: h.tcp(from, to, seq: seq, ack: seq, finAck)
            case 3: h.tcp(from, to, seq: seq, ack: seq, rstAck)
            case 4: h.tcp(from, to, seq: seq, ack: seq, pshAck, helloBytes(Int(rng.next() % 300) + 1), wire: 400)
            default: h.tcp(from, to, seq: seq, ack: seq, pshAck, helloBytes(Int(rng.next() % 600)))
            }
            if rng.next() % 50 == 0 { h.advance(seconds: Double(rng.next() % 30)) }
            if step % 100 == 0 { h.table.expire(now: h.clock) }
            #expect(h.table.activeConnections <= 40)
            #expect(h.table.bufferedBytes <= 64 * 1024)
        }
        h.table.finishAll()
        let counters = h.table.counters
        #expect(counters.connectionsCreated == UInt64(h.finished.count))
        #expect(counters.connectionsFinished == UInt64(h.finished.count))
        #expect(h.table.activeConnections == 0 && h.table.bufferedBytes == 0)
        let identities = Set(h.finished.map { "\($0.facts.first.number) \($0.facts.client) \($0.facts.server)" })
        #expect(identities.count == h.finished.count)
        #expect(h.finished.allSatisfy { $0.facts.endReason != nil })
        // Every observer saw its own connection: facts it was created with match the final ones.
        #expect(h.finished.allSatisfy { $0.observer.initial.first == $0.facts.first })
        #expect(counters.connectionsEvicted > 0 && counters.portReuses > 0 && counters.idleTimeouts > 0)
    }

    @Test func aMillionSynsStayWithinMaxConnections() {
        var config = FlowConfig()
        config.maxConnections = 10_000
        let h = Harness(config)
        h.log.countOnly = true
        let dst = ep("10.255.0.1", 443)
        var maxActive = 0
        for i in 0..<1_000_000 {
            let src = Endpoint(address: IPAddress(v4: 0x0A00_0000 | UInt32(i / 50_000)), port: UInt16(10_000 + i % 50_000))
            h.tcp(src, dst, seq: UInt32(i), synOnly)
            maxActive = max(maxActive, h.table.activeConnections)
        }
        #expect(maxActive == 10_000)
        let c = h.table.counters
        #expect(c.connectionsCreated == 1_000_000)
        #expect(c.connectionsEvicted == 990_000)
        #expect(c.peakConnections == 10_000)
        #expect(h.log.finishedCount == 990_000)
        h.table.finishAll()
        #expect(h.log.finishedCount == 1_000_000 && h.table.counters.connectionsFinished == 1_000_000)
    }
}

/// A small deterministic generator for scenario tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct KeyAndIndex {
    @Test func bothDirectionsGiveOneKey() {
        let a = DecodedPacket(src: IPAddress("192.0.2.7")!, dst: IPAddress("198.51.100.1")!, ipProtocol: 6,
                              srcPort: 50000, dstPort: 443, tcp: nil, payloadWireLength: 0)
        var b = a
        swap(&b.src, &b.dst)
        swap(&b.srcPort, &b.dstPort)
        let ka = FlowKey.make(a, seed: 1), kb = FlowKey.make(b, seed: 1)
        #expect(ka.key == kb.key && ka.key.hash64 == kb.key.hash64)
        #expect(ka.senderIsA != kb.senderIsA)
        var c = a
        c.srcPort = 50001
        #expect(FlowKey.make(c, seed: 1).key != ka.key)
        // Same address both ends: the port decides the side.
        let loop = DecodedPacket(src: IPAddress("127.0.0.1")!, dst: IPAddress("127.0.0.1")!, ipProtocol: 6,
                                 srcPort: 9000, dstPort: 80, tcp: nil, payloadWireLength: 0)
        var back = loop
        swap(&back.srcPort, &back.dstPort)
        #expect(FlowKey.make(loop, seed: 3).key == FlowKey.make(back, seed: 3).key)
        #expect(FlowKey.make(loop, seed: 3).senderIsA == false)
    }

    @Test func indexMatchesADictionaryUnderChurn() {
        // Hashes with few distinct low bits force long probe runs and wrapped runs.
        var index = FlowIndex(initialBuckets: 16)
        defer { index.free() }
        var keys: [FlowKey] = []
        for i in 0..<4000 {
            let h = UInt64(i % 37) &* 0x1_0000_0000 | UInt64((i * 13) % 29)  // low 32 bits: 29 values
            keys.append(FlowKey(aHigh: 0, aLow: UInt64(i), bHigh: 0, bLow: 1, portsAndVersion: 1 << 16 | 2, hash64: h))
        }
        var model: [Int: Bool] = [:]  // slot → present
        var rng = SplitMix(seed: 7)
        for _ in 0..<40_000 {
            let slot = Int(rng.next() % 4000)
            if model[slot] == true {
                index.remove(hash: keys[slot].hash64, slot: slot)
                model[slot] = false
            } else {
                index.insert(hash: keys[slot].hash64, slot: slot)
                model[slot] = true
            }
            let probe = Int(rng.next() % 4000)
            let found = index.find(keys[probe]) { keys[$0] }
            #expect(found == (model[probe] == true ? probe : -1))
        }
        #expect(index.count == model.values.filter { $0 }.count)
        for slot in 0..<4000 {
            #expect(index.find(keys[slot]) { keys[$0] } == (model[slot] == true ? slot : -1))
        }
    }
}
