import NetCore
import PacketDecode
import Testing

/// IPv4 and IPv6 fragment reassembly: order, overlaps, timeouts, limits.
@Suite struct IPv4Fragments {
    // The datagram: a UDP header and 40 bytes of data (48 bytes), cut into 8-byte-aligned pieces.
    let data = Build.bytes(40, seed: 3)
    var datagram: [UInt8] { Build.udp(sport: 1000, dport: 2000, data) }

    func piece(_ from: Int, _ to: Int, more: Bool, id: UInt16 = 0x77, bytes: [UInt8]? = nil) -> [UInt8] {
        Build.ipv4(proto: 17, Array((bytes ?? datagram)[from..<to]), id: id, more: more, fragOffset: from)
    }

    func t(_ s: Int64) -> Timestamp { Timestamp(seconds: s, nanoseconds: 0) }

    @Test func inOrder() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(0, 24, more: true)).held)
        let o = d.run(piece(24, 48, more: false))
        #expect(o.payload == data)
        #expect(o.packet?.reassembledFromFragments == true && o.packet?.dstPort == 2000 && o.packet?.payloadWireLength == 40)
        #expect(d.counters.fragmentsHeld == 1 && d.counters.datagramsReassembled == 1 && d.counters.udp == 1)
    }

    @Test func reversedAndMiddleLast() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(24, 48, more: false)).held)
        #expect(d.run(piece(0, 24, more: true)).payload == data)
        // Three pieces, the middle one last.
        #expect(d.run(piece(0, 16, more: true, id: 2)).held)
        #expect(d.run(piece(32, 48, more: false, id: 2)).held)
        #expect(d.run(piece(16, 32, more: true, id: 2)).payload == data)
        #expect(d.counters.datagramsReassembled == 2 && d.counters.fragmentsHeld == 3)
    }

    @Test func tcpHeaderInTheFirstFragment() {
        let payload = Build.bytes(64, seed: 5)
        let seg = Build.tcp(sport: 3389, dport: 50000, seq: 42, flags: 0x18, payload)    // 84 bytes
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(Build.ipv4(proto: 6, Array(seg[0..<40]), id: 9, more: true)).held)
        let o = d.run(Build.ipv4(proto: 6, Array(seg[40...]), id: 9, fragOffset: 40))
        #expect(o.packet?.tcp?.seq == 42 && o.packet?.srcPort == 3389 && o.payload == payload)
    }

    @Test func identicalOverlapIsCountedNotConflicting() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(0, 24, more: true)).held)
        #expect(d.run(piece(16, 40, more: true)).held)        // bytes 16..<24 again, the same
        #expect(d.run(piece(40, 48, more: false)).payload == data)
        #expect(d.counters.fragmentOverlaps == 1 && d.counters.fragmentConflicts == 0)
    }

    @Test func conflictingOverlapKeepsTheFirstCopy() {
        var other = datagram
        for i in 16..<24 { other[i] ^= 0xFF }
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(0, 24, more: true)).held)
        #expect(d.run(piece(16, 40, more: true, bytes: other)).held)
        let o = d.run(piece(40, 48, more: false))
        #expect(o.payload == data)              // the first copy of 16..<24 won
        #expect(d.counters.fragmentOverlaps == 1 && d.counters.fragmentConflicts == 1)
    }

    @Test func missingPieceTimesOut() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(0, 16, more: true), time: t(100)).held)
        #expect(d.run(piece(32, 48, more: false), time: t(101)).held)
        // 30 s of capture time after the first fragment, any packet expires the datagram.
        #expect(d.run(Build.ipv4(proto: 17, Build.udp([1])), time: t(129)).payload == [1])
        #expect(d.counters.fragmentTimeouts == 0)
        #expect(d.run(Build.ipv4(proto: 17, Build.udp([1])), time: t(130)).payload == [1])
        #expect(d.counters.fragmentTimeouts == 1 && d.counters.fragmentsDropped == 2)
        // The late middle piece starts a new datagram and completes nothing.
        #expect(d.run(piece(16, 32, more: true), time: t(131)).held)
        #expect(d.counters.datagramsReassembled == 0)
    }

    @Test func disagreeingLastFragmentsDropTheDatagram() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(24, 48, more: false)).held)
        #expect(d.run(Build.ipv4(proto: 17, Build.bytes(8), id: 0x77, fragOffset: 48)).skipped == .fragmentDropped)
        #expect(d.counters.fragmentsDropped == 2)
        // A non-last piece past a known end does the same.
        #expect(d.run(piece(24, 48, more: false, id: 5)).held)
        #expect(d.run(Build.ipv4(proto: 17, Build.bytes(16), id: 5, more: true, fragOffset: 40)).skipped == .fragmentDropped)
    }

    @Test func protocolIsPartOfTheKey() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(piece(0, 24, more: true)).held)
        // Same id, addresses, but protocol 6: another datagram, so no completion.
        #expect(d.run(Build.ipv4(proto: 6, Array(datagram[24..<48]), id: 0x77, fragOffset: 24)).held)
        #expect(d.counters.datagramsReassembled == 0)
    }

    @Test func tooManyInFlightEvictsTheOldest() {
        var cfg = PacketDecoder.Configuration()
        cfg.maxFragmentedDatagrams = 2
        var d = PacketDecoder(linkType: 228, configuration: cfg)
        #expect(d.run(piece(0, 24, more: true, id: 1), time: t(1)).held)
        #expect(d.run(piece(0, 24, more: true, id: 2), time: t(2)).held)
        #expect(d.run(piece(0, 24, more: true, id: 3), time: t(3)).skipped == .fragmentDropped)   // held, but id 1 went
        #expect(d.counters.fragmentEvictions == 1 && d.counters.fragmentsDropped == 1)
        #expect(d.run(piece(24, 48, more: false, id: 3), time: t(4)).payload == data)
        #expect(d.run(piece(24, 48, more: false, id: 2), time: t(4)).payload == data)
        #expect(d.run(piece(24, 48, more: false, id: 1), time: t(4)).held)                       // starts over
    }

    @Test func copiesReassembleIndependently() {
        var a = PacketDecoder(linkType: 228)
        #expect(a.run(piece(0, 24, more: true)).held)
        var b = a                                     // copy mid-reassembly
        var other = datagram
        for i in 24..<48 { other[i] = 0x5A }
        #expect(a.run(piece(24, 48, more: false)).payload == data)
        let ob = b.run(piece(24, 48, more: false, bytes: other))
        #expect(ob.payload == Array(other[8...]))
        #expect(a.counters.datagramsReassembled == 1 && b.counters.datagramsReassembled == 1)
    }

    @Test func reassembledPayloadStaysValidUntilTheNextDecode() {
        // The payload points into the decoder's buffer: check it before the next call.
        var d = PacketDecoder(linkType: 228)
        _ = d.run(piece(0, 24, more: true))
        let p2 = piece(24, 48, more: false)
        let ok = p2.withUnsafeBytes { b -> Bool in
            guard case .packet(_, let payload) = d.decode(b, wireLength: b.count, time: .zero) else { return false }
            return [UInt8](payload) == data
        }
        #expect(ok)
    }
}

@Suite struct IPv6Fragments {
    let data = Build.bytes(40, seed: 11)
    var datagram: [UInt8] { Build.udp(sport: 5353, dport: 443, data) }      // 48 bytes

    /// IPv6 + hop-by-hop (unfragmentable) + fragment header + a piece of the datagram.
    func piece(_ from: Int, _ to: Int, more: Bool, id: UInt32 = 0xABCD, bytes: [UInt8]? = nil) -> [UInt8] {
        Build.ipv6(next: 0, Build.v6Options(next: 44) + Build.v6Fragment(next: 17, offset: from, more: more, id: id)
            + Array((bytes ?? datagram)[from..<to]))
    }

    @Test func inOrderAndReversed() {
        var d = PacketDecoder(linkType: 229)
        #expect(d.run(piece(0, 24, more: true)).held)
        let o = d.run(piece(24, 48, more: false))
        #expect(o.payload == data && o.packet?.reassembledFromFragments == true && o.packet?.src == IPAddress("2001:db8::1"))
        #expect(d.run(piece(24, 48, more: false, id: 2)).held)
        #expect(d.run(piece(0, 24, more: true, id: 2)).payload == data)
        #expect(d.counters.datagramsReassembled == 2)
    }

    @Test func overlapsAndConflicts() {
        var other = datagram
        for i in 8..<16 { other[i] = 0 }
        var d = PacketDecoder(linkType: 229)
        #expect(d.run(piece(0, 16, more: true)).held)
        #expect(d.run(piece(8, 32, more: true, bytes: other)).held)
        #expect(d.run(piece(32, 48, more: false)).payload == data)
        #expect(d.counters.fragmentOverlaps == 1 && d.counters.fragmentConflicts == 1)
    }

    @Test func missingPieceTimesOut() {
        var d = PacketDecoder(linkType: 229)
        #expect(d.run(piece(0, 16, more: true), time: Timestamp(seconds: 10, nanoseconds: 0)).held)
        #expect(d.run(piece(32, 48, more: false), time: Timestamp(seconds: 11, nanoseconds: 0)).held)
        _ = d.run(Build.ipv6(next: 17, Build.udp([1])), time: Timestamp(seconds: 40, nanoseconds: 1))
        #expect(d.counters.fragmentTimeouts == 1 && d.counters.fragmentsDropped == 2)
    }

    @Test func extensionHeaderAfterTheFragmentHeader() {
        // The fragmentable part starts with a destination-options header, then UDP.
        let part = Build.v6Options(next: 17) + datagram            // 56 bytes
        var d = PacketDecoder(linkType: 229)
        func frag(_ a: Int, _ b: Int, _ more: Bool, _ next: UInt8) -> [UInt8] {
            Build.ipv6(next: 44, Build.v6Fragment(next: next, offset: a, more: more, id: 3) + Array(part[a..<b]))
        }
        #expect(d.run(frag(32, 56, false, 60)).held)
        #expect(d.run(frag(0, 32, true, 60)).payload == data)
    }
}
