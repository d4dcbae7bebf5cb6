import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

@Suite struct HandshakeAndRoles {
    @Test func threeWayHandshakeDataAndFinBothWays() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)                                                         // #1 #2 #3
        let hello = Array("hello".utf8), world = Array("world!".utf8)
        p.clientData(h, at: 0, hello)                                          // #4
        p.serverData(h, at: 0, world, ackClient: 5)                            // #5
        h.tcp(p.c, p.s, seq: p.cs(5), ack: p.ss(6), finAck)                    // #6
        h.tcp(p.s, p.c, seq: p.ss(6), ack: p.cs(6), finAck)                    // #7
        h.tcp(p.c, p.s, seq: p.cs(6), ack: p.ss(7), ackOnly)                   // #8
        #expect(h.table.activeConnections == 1)
        #expect(h.finished.isEmpty)

        // Closed: it lingers for closedLingerSeconds (5) of capture time after its last packet.
        h.table.expire(now: h.time(after: 4.9))
        #expect(h.finished.isEmpty)
        h.table.expire(now: h.time(after: 5.0))
        #expect(h.table.activeConnections == 0)
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))

        #expect(observer.calls == [
            .event(.syn, .clientToServer, packet: 1),
            .event(.synAck, .serverToClient, packet: 2),
            .stream(.clientToServer, bytes: hello, newBytes: 5, packet: 4),
            .stream(.serverToClient, bytes: world, newBytes: 6, packet: 5),
            .event(.fin, .clientToServer, packet: 6),
            .event(.fin, .serverToClient, packet: 7),
        ])
        #expect(facts.client == p.c && facts.server == p.s)
        #expect(facts.roleSource == .syn)
        #expect(facts.established && !facts.refused && !facts.settled)
        #expect(facts.endReason == .closed)
        #expect(facts.first.number == 1 && facts.last.number == 8)
        #expect(facts.clientSide.packets == 5 && facts.serverSide.packets == 3)
        #expect(facts.clientSide.payloadBytes == 5 && facts.serverSide.payloadBytes == 6)
        #expect(facts.clientSide.streamBytes == 5 && facts.serverSide.streamBytes == 6)
        #expect(facts.clientSide.firstSyn?.number == 1 && facts.serverSide.firstSyn?.number == 2)
        #expect(facts.clientSide.firstFin?.number == 6 && facts.serverSide.firstFin?.number == 7)
        #expect(facts.clientSide.firstRst == nil && facts.serverSide.firstRst == nil)
        #expect(facts.clientSide.retransmittedSegments == 0 && facts.clientSide.gaps.isEmpty)
        #expect(observer.initial.roleSource == .syn && observer.initial.first.number == 1)
        let c = h.table.counters
        #expect(c.connectionsCreated == 1 && c.connectionsFinished == 1 && c.peakConnections == 1)
        #expect(h.table.bufferedBytes == 0)
    }

    @Test func finAndRstComeAfterThePayloadOfTheirPacket() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        let last = p.clientData(h, at: 0, Array("bye".utf8), flags: [.fin, .psh, .ack])
        let rst = p.serverData(h, at: 0, Array("x".utf8), flags: [.rst, .ack], ackClient: 4)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(Array(observer.calls.suffix(4)) == [
            .stream(.clientToServer, bytes: Array("bye".utf8), newBytes: 3, packet: last),
            .event(.fin, .clientToServer, packet: last),
            .stream(.serverToClient, bytes: Array("x".utf8), newBytes: 1, packet: rst),
            .event(.rst, .serverToClient, packet: rst),
        ])
        #expect(facts.endReason == .closed)  // an RST closes it; finishAll keeps that reason
        #expect(!facts.refused)              // the server had accepted
    }

    @Test func rolesFromPortsWhenNoSynWasCaptured() throws {
        let h = Harness()
        let high = ep("10.0.0.9", 51000), low = ep("10.0.0.5", 40000)
        // The first packet goes from the low port to the high one; the lower port is still the server.
        h.tcp(low, high, seq: 7000, ack: 9000, pshAck, Array("ok".utf8))
        h.tcp(high, low, seq: 9000, ack: 7002, pshAck, Array("hi".utf8))
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: high))
        #expect(facts.server == low)
        #expect(facts.roleSource == .ports)
        #expect(facts.established)  // data both ways, no handshake seen
        #expect(facts.endReason == .captureEnd)
        #expect(observer.streams(.serverToClient).map(\.bytes) == [Array("ok".utf8)])
        #expect(observer.streams(.clientToServer).map(\.bytes) == [Array("hi".utf8)])
    }

    @Test func dataOneWayOnlyIsNotEstablished() throws {
        let h = Harness()
        h.tcp(client, server, seq: 1, ack: 1, pshAck, [1, 2, 3])
        h.table.finishAll()
        let (facts, _) = try #require(h.finishedConnection(client: client))
        #expect(!facts.established && facts.roleSource == .ports)
    }

    @Test(arguments: [
        // (first packet's source port, destination port, whether the destination is the server)
        (UInt16(50000), UInt16(443), true),
        (UInt16(443), UInt16(50000), false),
        (UInt16(1025), UInt16(3389), true),   // well-known beats lower
        (UInt16(3389), UInt16(1025), false),
        (UInt16(2000), UInt16(1500), true),   // neither well-known: the lower port
        (UInt16(1500), UInt16(2000), false),
        (UInt16(443), UInt16(993), false),    // both well-known: the lower port (the source)
        (UInt16(7000), UInt16(7000), true),   // equal: the first packet's receiver
    ])
    func portRule(src: UInt16, dst: UInt16, dstIsServer: Bool) {
        #expect(PortRoles.receiverIsServer(srcPort: src, dstPort: dst) == dstIsServer)
        let h = Harness()
        let a = ep("192.0.2.1", src), b = ep("192.0.2.2", dst)
        h.tcp(a, b, seq: 1, ack: 1, ackOnly)
        h.table.finishAll()
        #expect(h.finished.count == 1)
        #expect(h.finished.first?.facts.server == (dstIsServer ? b : a))
    }

    @Test func contentSwapsPortGuessedRoles() throws {
        // 10.0.0.5:40000 is the server by the port rule, but it sends a ClientHello.
        let realClient = ep("10.0.0.5", 40000), realServer = ep("10.0.0.9", 51000)
        let hello = helloBytes(20)
        let policy: Policy = { dir, bytes, facts in
            // The side sending a handshake record first is the client.
            if bytes.first == 0x16 && dir == .serverToClient && facts.roleSource == .ports { return .swapRoles }
            return .more
        }
        try Recorder.$policy.withValue(policy) {
            let h = Harness()
            let n1 = h.tcp(realClient, realServer, seq: 100, ack: 200, pshAck, hello)
            let n2 = h.tcp(realServer, realClient, seq: 200, ack: 120, pshAck, Array("srv".utf8))
            let n3 = h.tcp(realClient, realServer, seq: 120, ack: 203, [.fin, .ack], Array("more".utf8))
            h.table.finishAll()
            let (facts, observer) = try #require(h.finishedConnection(client: realClient))
            #expect(facts.server == realServer)
            #expect(facts.roleSource == .content)
            #expect(observer.initial.roleSource == .ports && observer.initial.client == realServer)
            #expect(observer.calls == [
                .stream(.serverToClient, bytes: hello, newBytes: 20, packet: n1),  // before the swap
                .stream(.serverToClient, bytes: Array("srv".utf8), newBytes: 3, packet: n2),
                .stream(.clientToServer, bytes: hello + Array("more".utf8), newBytes: 4, packet: n3),
                .event(.fin, .clientToServer, packet: n3),
            ])
            // Side facts moved with the roles.
            #expect(facts.clientSide.payloadBytes == 24 && facts.clientSide.packets == 2)
            #expect(facts.serverSide.payloadBytes == 3 && facts.serverSide.streamBytes == 3)
            #expect(facts.clientSide.firstFin?.number == n3)
        }
    }

    @Test func swapRolesIsIgnoredWhenASynDecided() throws {
        try Recorder.$policy.withValue({ _, _, _ in .swapRoles }) {
            let h = Harness()
            let p = Pair()
            p.handshake(h)
            p.clientData(h, at: 0, [1, 2, 3])
            p.serverData(h, at: 0, [4, 5], ackClient: 3)
            h.table.finishAll()
            let (facts, observer) = try #require(h.finishedConnection(client: p.c))
            #expect(facts.roleSource == .syn && facts.server == p.s)
            #expect(observer.streams(.clientToServer).map(\.bytes) == [[1, 2, 3]])
            #expect(observer.streams(.serverToClient).map(\.bytes) == [[4, 5]])
        }
    }

    @Test func synAckWithoutSynGivesRoles() throws {
        let h = Harness()
        let p = Pair()
        // Capture starts at the SYN-ACK: its sender is the server; it acknowledges the client's ISN + 1.
        let n1 = h.tcp(p.s, p.c, seq: p.sISN, ack: p.cs(0), synAck)
        let n2 = p.clientData(h, at: 0, [9, 8, 7])
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.roleSource == .syn && facts.established)
        #expect(facts.clientSide.firstSyn == nil && facts.serverSide.firstSyn?.number == n1)
        #expect(observer.calls == [
            .event(.synAck, .serverToClient, packet: n1),
            .stream(.clientToServer, bytes: [9, 8, 7], newBytes: 3, packet: n2),
        ])
    }

    @Test func lateSynAckCorrectsAPortGuess() throws {
        let h = Harness()
        // The real server listens on 2000; the client's port 1500 is lower, so the ports guess wrong.
        let srv = ep("10.1.0.1", 2000), cli = ep("10.1.0.2", 1500)
        h.tcp(cli, srv, seq: 301, ack: 801, ackOnly)            // third packet of the handshake
        #expect(h.table.activeConnections == 1)
        let n2 = h.tcp(srv, cli, seq: 800, ack: 301, synAck)    // a retransmitted SYN-ACK
        let n3 = h.tcp(cli, srv, seq: 301, ack: 801, pshAck, [1, 2])
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: cli))
        #expect(facts.server == srv && facts.roleSource == .syn)
        #expect(facts.clientSide.packets == 2 && facts.serverSide.packets == 1)
        #expect(observer.calls == [
            .event(.synAck, .serverToClient, packet: n2),
            .stream(.clientToServer, bytes: [1, 2], newBytes: 2, packet: n3),
        ])
    }

    @Test func missedSynArrivingAfterItsSynAckCompletesTheConnection() throws {
        let h = Harness()
        let p = Pair()
        h.tcp(p.s, p.c, seq: p.sISN, ack: p.cs(0), synAck)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)   // reordered capture: not a new connection
        h.table.finishAll()
        #expect(h.finished.count == 1)
        #expect(h.table.counters.portReuses == 0)
        let facts = try #require(h.finished.first?.facts)
        #expect(facts.clientSide.firstSyn?.number == 2 && facts.serverSide.firstSyn?.number == 1)
    }

    @Test func retransmittedSynIsOneConnection() throws {
        let h = Harness()
        let p = Pair()
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.advance(seconds: 1)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.advance(seconds: 2)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.tcp(p.s, p.c, seq: p.sISN, ack: p.cs(0), synAck)
        h.tcp(p.s, p.c, seq: p.sISN, ack: p.cs(0), synAck)  // and a retransmitted SYN-ACK
        h.table.finishAll()
        #expect(h.table.counters.connectionsCreated == 1)
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.clientSide.packets == 3 && facts.clientSide.retransmittedSegments == 2)
        #expect(facts.serverSide.retransmittedSegments == 1)
        #expect(facts.clientSide.firstSyn?.number == 1)
        #expect(observer.events() == [.event(.syn, .clientToServer, packet: 1),
                                      .event(.synAck, .serverToClient, packet: 4)])
    }

    @Test func refusedIsSynAnsweredByRst() throws {
        let h = Harness()
        let p = Pair()
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.tcp(p.s, p.c, seq: 0, ack: p.cs(0), rstAck)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.refused && !facts.established)
        #expect(facts.serverSide.firstRst?.number == 2)
        #expect(facts.endReason == .closed)
        #expect(observer.events() == [.event(.syn, .clientToServer, packet: 1),
                                      .event(.rst, .serverToClient, packet: 2)])
    }

    @Test func rstAfterSynAckIsNotRefused() throws {
        let h = Harness()
        let p = Pair()
        p.handshake(h)
        h.tcp(p.s, p.c, seq: p.ss(0), ack: p.cs(0), rstAck)
        h.table.finishAll()
        let facts = try #require(h.finishedConnection(client: p.c)?.facts)
        #expect(!facts.refused && facts.established && facts.serverSide.firstRst != nil)
    }

    @Test func rstFromTheClientIsNotRefused() throws {
        let h = Harness()
        let p = Pair()
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.tcp(p.c, p.s, seq: p.cs(0), rstAck)
        h.table.finishAll()
        let facts = try #require(h.finishedConnection(client: p.c)?.facts)
        #expect(!facts.refused && facts.clientSide.firstRst?.number == 2)
    }

    @Test func synNeverAnsweredTimesOut() throws {
        let h = Harness()
        let p = Pair()
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.advance(seconds: 1)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.advance(seconds: 2)
        h.tcp(p.c, p.s, seq: p.cISN, synOnly)
        h.table.expire(now: h.time(after: 299))
        #expect(h.finished.isEmpty)
        h.table.expire(now: h.time(after: 300))
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.endReason == .idleTimeout)
        #expect(!facts.established && !facts.refused)
        #expect(facts.serverSide.packets == 0 && facts.clientSide.packets == 3)
        #expect(observer.calls == [.event(.syn, .clientToServer, packet: 1)])
        #expect(h.table.counters.idleTimeouts == 1)
    }

    @Test func udpIsCountedAndNotTracked() {
        let h = Harness()
        h.udp(ep("10.0.0.1", 5353), ep("10.0.0.2", 443), [1, 2, 3])
        h.udp(ep("10.0.0.1", 5353), ep("10.0.0.2", 443), [1, 2, 3])
        #expect(h.table.counters.nonTCPPackets == 2)
        #expect(h.table.activeConnections == 0 && h.table.counters.connectionsCreated == 0)
    }

    @Test func ipv4AndIpv6AreDistinctConnections() {
        let h = Harness()
        let v4 = ep("0.0.0.1", 50000), v4s = ep("0.0.0.2", 443)
        let v6 = ep("::1", 50000), v6s = ep("::2", 443)  // same address words, other version
        h.tcp(v4, v4s, seq: 1, synOnly)
        h.tcp(v6, v6s, seq: 1, synOnly)
        #expect(h.table.activeConnections == 2)
    }

    @Test func simultaneousOpenIsOneConnection() throws {
        let h = Harness()
        let a = ep("10.7.0.1", 6000), b = ep("10.7.0.2", 7000)
        h.tcp(a, b, seq: 100, synOnly)
        h.tcp(b, a, seq: 300, synOnly)
        h.tcp(a, b, seq: 100, ack: 301, synAck)
        h.tcp(b, a, seq: 300, ack: 101, synAck)
        h.tcp(a, b, seq: 101, ack: 301, pshAck, [1, 2])
        h.table.finishAll()
        #expect(h.table.counters.connectionsCreated == 1 && h.table.counters.portReuses == 0)
        let (facts, observer) = try #require(h.finishedConnection(client: a))
        #expect(facts.established && facts.clientSide.retransmittedSegments == 0)
        #expect(observer.calls == [
            .event(.syn, .clientToServer, packet: 1),
            .event(.syn, .serverToClient, packet: 2),
            .event(.synAck, .clientToServer, packet: 3),
            .event(.synAck, .serverToClient, packet: 4),
            .stream(.clientToServer, bytes: [1, 2], newBytes: 2, packet: 5),
        ])
    }

    @Test func ipv6ConnectionEndToEnd() throws {
        let h = Harness()
        let p = Pair(c: ep("2001:db8::10", 50000), s: ep("2001:db8::1", 443))
        p.handshake(h)
        p.clientData(h, at: 0, helloBytes(100))
        p.serverData(h, at: 0, helloBytes(50, seed: 1), ackClient: 100)
        h.table.finishAll()
        let (facts, observer) = try #require(h.finishedConnection(client: p.c))
        #expect(facts.server == p.s && facts.established)
        #expect(observer.stream(.clientToServer) == helloBytes(100))
        #expect(observer.stream(.serverToClient) == helloBytes(50, seed: 1))
    }
}
