import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// The activity lists (open and closed connections, most recent first) against a model that keeps
/// each connection's last packet: after every step of a long random run (packets both ways, FINs,
/// RSTs, idle gaps, `expire`, evictions past `maxConnections`), both lists must hold exactly the
/// model's connections in the model's order with consistent links both ways, and the connections
/// finished so far must be the model's, in its order and with its reasons. The order decides which
/// connection is evicted, expired and reported first, so any change to how the lists are kept
/// must leave these unchanged.
@Suite struct ActivityOrder {
    /// A small deterministic generator (SplitMix64).
    struct Mix {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }

    /// What the model knows of one tracked connection.
    struct Tracked {
        var last: UInt64        // number of its latest packet
        var ns: Int64           // time of its latest packet
        var finFromClient = false
        var finFromServer = false
        var closed = false
    }

    static let server = ep("10.7.1.1", 443)
    static func clientEndpoint(_ i: Int) -> Endpoint { ep("10.7.0.\(i + 1)", 40000) }

    /// The model's tuple of a table slot (the endpoint that is not the server).
    static func tuple(_ core: FlowCore<Recorder>, _ slot: Int) -> Int {
        let f = core.factsPointer(slot)
        let other = f.pointee.client == server ? f.pointee.server : f.pointee.client
        return Int(other.address.low & 0xFF) - 1
    }

    /// One list walked from the head by `next`, checking `prev` and the tail on the way.
    static func walk(_ core: FlowCore<Recorder>, head: Int32, tail: Int32, list: UInt8) -> [Int]? {
        var out: [Int] = []
        var slot = head, prev: Int32 = -1
        while slot >= 0 {
            let c = core.conns[Int(slot)]
            guard c.prev == prev, c.list == list, out.count <= core.used else { return nil }
            out.append(tuple(core, Int(slot)))
            prev = slot
            slot = c.next
        }
        return prev == tail ? out : nil
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func listsFollowTheLatestPacketExactly(seed: UInt64) throws {
        var config = FlowConfig()
        config.maxConnections = 6
        config.idleTimeoutSeconds = 3
        config.closedLingerSeconds = 1
        let h = Harness(config)
        let core = h.table.core
        let idle: Int64 = 3_000_000_000, linger: Int64 = 1_000_000_000
        var rng = Mix(state: seed)
        var live: [Int: Tracked] = [:]
        var expected: [(Int, EndReason)] = []

        func finish(_ i: Int, _ r: EndReason) {
            live[i] = nil
            expected.append((i, r))
        }
        /// Ascending by last packet: the lists' tails first.
        func oldest(closed: Bool) -> [Int] {
            live.filter { $0.value.closed == closed }.sorted { $0.value.last < $1.value.last }.map(\.key)
        }

        for step in 0..<3000 {
            let op = rng.next(100)
            if op < 82 {
                let i = rng.next(10)
                let fromClient = rng.next(2) == 0
                let flags: TCPFlags = op < 70 ? ackOnly : op < 79 ? finAck : rstAck
                let who = Self.clientEndpoint(i)
                let n = fromClient ? h.tcp(who, Self.server, seq: 1, ack: 1, flags) : h.tcp(Self.server, who, seq: 1, ack: 1, flags)
                let t = h.clock.totalNanoseconds
                if let c = live[i] {
                    if c.closed && t - c.ns >= linger { finish(i, .closed) } else if t - c.ns >= idle { finish(i, .idleTimeout) }
                }
                if live[i] == nil {
                    while live.count >= config.maxConnections {
                        if let j = oldest(closed: true).first { finish(j, .closed) } else { finish(oldest(closed: false)[0], .evicted) }
                    }
                    live[i] = Tracked(last: n, ns: t)
                }
                var c = live[i]!
                c.last = n
                c.ns = t
                if flags.contains(.fin) {
                    if fromClient { c.finFromClient = true } else { c.finFromServer = true }
                    if c.finFromClient && c.finFromServer { c.closed = true }
                }
                if flags.contains(.rst) { c.closed = true }
                live[i] = c
            } else if op < 92 {
                h.advance(seconds: 1.1)
            } else {
                h.table.expire(now: h.clock)
                let t = h.clock.totalNanoseconds
                for j in oldest(closed: true) where t - live[j]!.ns >= linger { finish(j, .closed) }
                for j in oldest(closed: false) where t - live[j]!.ns >= idle { finish(j, .idleTimeout) }
            }
            // (The lists take the packets' activity when something looks at them: here, now. With
            // seeds past 4 only every seventh step, so that notes pile up across packets, among them
            // those of connections finished in between and of their slots taken again.)
            if seed <= 4 || step % 7 == 0 {
                core.applyActivity()
                let open = try #require(Self.walk(core, head: core.openHead, tail: core.openTail, list: 1), "open list links")
                let closed = try #require(Self.walk(core, head: core.closedHead, tail: core.closedTail, list: 2), "closed list links")
                #expect(open == oldest(closed: false).reversed())
                #expect(closed == oldest(closed: true).reversed())
            }
            let got = h.finished.map { (Int(($0.facts.client == Self.server ? $0.facts.server : $0.facts.client).address.low & 0xFF) - 1, $0.facts.endReason) }
            try #require(got.count == expected.count && zip(got, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
                         "finished \(got) vs model \(expected)")
        }
        // The end: least recently active first, a closed one before an open one of the same time.
        var rest = live.sorted { $0.value.last < $1.value.last }
        h.table.finishAll()
        while let (i, c) = rest.first {
            finish(i, c.closed ? .closed : .captureEnd)
            rest.removeFirst()
        }
        let got = h.finished.map { (Int(($0.facts.client == Self.server ? $0.facts.server : $0.facts.client).address.low & 0xFF) - 1, $0.facts.endReason) }
        #expect(got.count == expected.count && zip(got, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
        #expect(h.table.counters.connectionsEvicted > 0 && h.table.counters.idleTimeouts > 0)
    }

    /// Packets note their connections' activity and the lists take it later, all at once (when
    /// something looks at them, or when the notes fill up: `FlowCore.pendingLimit` connections, or
    /// `FlowCore.noteRunLimit` running numbers). The limits are set small here so that a run of
    /// 3,000 packets over 40 connections, with FINs closing some on the way and no
    /// `expire` to apply the notes, fills them many times (the test sees each fill as the count
    /// dropping); the lists must still come out exactly in the order of each connection's last
    /// packet. With the log's own limits (4,096 connections) the same run fills nothing.
    @Test(arguments: [(16, 1 << 24), (39, 1 << 24), (4096, 97), (30, 50), (4096, 1 << 24)] as [(Int, Int32)])
    func listsStayExactWhenTheNotesFillUp(limits: (connections: Int, runs: Int32)) throws {
        let h = Harness(FlowConfig())
        let core = h.table.core
        core.pendingLimit = limits.connections
        core.noteRunLimit = limits.runs
        var rng = Mix(state: 11)
        var last: [Int: UInt64] = [:]
        var finFrom: [Int: (client: Bool, server: Bool)] = [:]
        var connectionFills = 0, runFills = 0
        for _ in 0..<3000 {
            let i = rng.next(40)
            let fromClient = rng.next(2) == 0
            // One packet in 25 a FIN: some connections close (and move to the closed list).
            let flags: TCPFlags = rng.next(25) == 0 ? finAck : ackOnly
            let who = Self.clientEndpoint(i)
            let (countBefore, runBefore) = (core.pendingCount, core.noteRun)
            last[i] = fromClient ? h.tcp(who, Self.server, seq: 1, ack: 1, flags) : h.tcp(Self.server, who, seq: 1, ack: 1, flags)
            #expect(core.pendingCount <= limits.connections && core.noteRun <= limits.runs)
            // The running number restarts only when the notes were applied.
            if core.noteRun <= runBefore {
                if countBefore == limits.connections && core.pendingCount < countBefore { connectionFills += 1 } else { runFills += 1 }
            }
            if flags.contains(.fin) {
                var f = finFrom[i] ?? (false, false)
                if fromClient { f.client = true } else { f.server = true }
                finFrom[i] = f
            }
        }
        #expect(h.finished.isEmpty)
        switch (limits.connections < 40, limits.runs < 3000) {
        case (true, false): #expect(connectionFills > 10 && runFills == 0)
        case (false, true): #expect(runFills > 10 && connectionFills == 0)
        case (true, true): #expect(connectionFills > 0 && runFills > 0 && connectionFills + runFills > 10)
        case (false, false): #expect(connectionFills + runFills == 0)
        }
        core.applyActivity()
        let closedSet = Set(finFrom.filter { $0.value.client && $0.value.server }.map(\.key))
        let newestFirst = last.sorted { $0.value > $1.value }.map(\.key)
        let open = try #require(Self.walk(core, head: core.openHead, tail: core.openTail, list: 1), "open list links")
        let closed = try #require(Self.walk(core, head: core.closedHead, tail: core.closedTail, list: 2), "closed list links")
        #expect(!closedSet.isEmpty && open.count + closed.count == 40)
        #expect(open == newestFirst.filter { !closedSet.contains($0) })
        #expect(closed == newestFirst.filter { closedSet.contains($0) })
    }
}
