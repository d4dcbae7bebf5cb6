import NetCore
import PacketDecode
import Testing

/// Deliberate hand-made vectors: headers, padding, truncation and every skip reason.
@Suite struct HeaderVectors {
    let tcpPayload = Build.bytes(10, seed: 9)

    @Test func ipv4OptionsAreSkippedByIHL() {
        // IHL 7: 8 bytes of options (NOP, NOP, timestamp-ish filler, EOL).
        let pkt = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(tcpPayload), options: [1, 1, 0x44, 4, 5, 0, 0, 0]))
        var d = PacketDecoder(linkType: 1)
        let o = d.run(pkt)
        #expect(o.payload == tcpPayload)
        #expect(o.packet?.payloadWireLength == 10)
        #expect(o.packet?.dstPort == 443)
    }

    @Test func trailingEthernetPaddingIsNotPayload() {
        // A bare ACK: 14 + 20 + 20 = 54 bytes, padded to the 60-byte minimum with 0xEE.
        let ack = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(flags: 0x10)))
        let padded = ack + [UInt8](repeating: 0xEE, count: 6)
        var d = PacketDecoder(linkType: 1)
        let o = d.run(padded)
        #expect(o.packet?.tcp?.flags == [.ack])
        #expect(o.payload.isEmpty && o.packet?.payloadWireLength == 0 && o.packet?.truncated == false)
        // Same for UDP with 3 bytes of data.
        let u = Build.ethernet(0x0800, Build.ipv4(proto: 17, Build.udp([1, 2, 3]))) + [UInt8](repeating: 0, count: 15)
        let ou = d.run(u)
        #expect(ou.payload == [1, 2, 3] && ou.packet?.payloadWireLength == 3)
        #expect(d.counters.truncated == 0)
    }

    @Test func snapshotCutPayloadIsMarkedTruncated() {
        let payload = Build.bytes(100)
        let full = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(payload)))
        let cut = Array(full.prefix(14 + 20 + 20 + 30))
        var d = PacketDecoder(linkType: 1)
        let o = d.run(cut, wireLength: full.count)
        #expect(o.packet?.truncated == true)
        #expect(o.payload == Array(payload.prefix(30)))
        #expect(o.packet?.payloadWireLength == 100)
        #expect(d.counters.truncated == 1 && d.counters.tcp == 1)
        // UDP likewise.
        let ufull = Build.ethernet(0x0800, Build.ipv4(proto: 17, Build.udp(payload)))
        let uo = d.run(Array(ufull.prefix(14 + 20 + 8 + 5)), wireLength: ufull.count)
        #expect(uo.packet?.truncated == true && uo.payload == Array(payload.prefix(5)) && uo.packet?.payloadWireLength == 100)
    }

    @Test(arguments: [10, 14 + 10, 14 + 20 + 10, 14 + 20 + 19])
    func headersCutBeforeTheTransportIsComplete(_ length: Int) {
        let full = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(50))))
        var d = PacketDecoder(linkType: 1)
        #expect(d.run(Array(full.prefix(length)), wireLength: full.count).skipped == .truncatedHeaders)
        #expect(d.counters.skipped[.truncatedHeaders] == 1)
    }

    @Test func optionsCutAreTruncatedHeaders() {
        let v4 = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(), options: [1, 1, 1, 0, 0, 0, 0, 0]))
        var d = PacketDecoder(linkType: 1)
        #expect(d.run(Array(v4.prefix(14 + 24))).skipped == .truncatedHeaders)
        let tcpOpts = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(options: [2, 4, 5, 0xb4, 1, 1, 4, 2])))
        #expect(d.run(Array(tcpOpts.prefix(14 + 20 + 24))).skipped == .truncatedHeaders)
        let v6 = Build.ethernet(0x86DD, Build.ipv6(next: 0, Build.v6Options(next: 6, len: 1) + Build.tcp()))
        #expect(d.run(Array(v6.prefix(14 + 40 + 10))).skipped == .truncatedHeaders)
    }

    @Test func tcpOptionsParsedAndBadOnesStopTheWalk() {
        // NOP, MSS 1380, NOP, WS 8, SACK-permitted, timestamps (10 bytes), EOL padding.
        let opts: [UInt8] = [1, 2, 4, 0x05, 0x64, 1, 3, 3, 8, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]
        var d = PacketDecoder(linkType: 228)
        let o = d.run(Build.ipv4(proto: 6, Build.tcp(flags: 0x02, options: opts)))
        let t = o.packet?.tcp
        #expect(t?.mss == 1380 && t?.windowScale == 8 && t?.sackPermitted == true && t?.flags == [.syn])
        // An option with length 1 is impossible: the walk stops, the packet still decodes.
        let bad = d.run(Build.ipv4(proto: 6, Build.tcp(flags: 0x02, options: [3, 1, 2, 4, 5, 0xb4, 0, 0], [7])))
        #expect(bad.packet?.tcp?.mss == nil && bad.packet?.tcp?.windowScale == nil && bad.payload == [7])
    }

    /// With `tcpOptions` off the options are not read (MSS, window scale and SACK permitted stay
    /// nil and false) and nothing else changes, on the fast path and the full decoder alike, for
    /// IPv4 and IPv6 and for options the walk would have stopped at.
    @Test(arguments: [true, false])
    func tcpOptionsOffLeavesTheRestAlone(_ fastPath: Bool) {
        let opts: [UInt8] = [1, 2, 4, 0x05, 0x64, 1, 3, 3, 8, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]
        let packets: [[UInt8]] = [
            Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(flags: 0x02, options: opts))),
            Build.ethernet(0x86DD, Build.ipv6(next: 6, Build.tcp(ack: 77, flags: 0x12, options: opts, [1, 2, 3]))),
            Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(flags: 0x02, options: [3, 1, 2, 4, 5, 0xb4, 0, 0], [7]))),
            Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], [9, 9]))),
        ]
        var on = PacketDecoder.Configuration()
        on.fastPath = fastPath
        var off = on
        off.tcpOptions = false
        var withOptions = PacketDecoder(linkType: 1, configuration: on)
        var without = PacketDecoder(linkType: 1, configuration: off)
        for (i, bytes) in packets.enumerated() {
            let a = withOptions.run(bytes), b = without.run(bytes)
            guard var expected = a.packet, let got = b.packet else {
                Issue.record("packet \(i) did not decode"); continue
            }
            expected.tcp?.mss = nil
            expected.tcp?.windowScale = nil
            expected.tcp?.sackPermitted = false
            #expect(got.tcp?.mss == nil && got.tcp?.windowScale == nil && got.tcp?.sackPermitted == false, "packet \(i)")
            #expect(got.src == expected.src && got.dst == expected.dst && got.srcPort == expected.srcPort
                    && got.dstPort == expected.dstPort && got.tcp == expected.tcp
                    && got.payloadWireLength == expected.payloadWireLength && got.truncated == expected.truncated
                    && got.hopLimit == expected.hopLimit, "packet \(i)")
            #expect(a.payload == b.payload, "packet \(i)")
        }
        #expect(withOptions.counters == without.counters)
        // The first packet's options were there to read (the test proves something).
        #expect(withOptions.run(packets[0]).packet?.tcp?.mss == 1380)
    }

    @Test func udpLengthBoundsThePayload() {
        // UDP says 8 + 4 bytes; the IP datagram carries 8 + 10.
        var d = PacketDecoder(linkType: 228)
        let o = d.run(Build.ipv4(proto: 17, Build.udp(Build.bytes(10), length: 12)))
        #expect(o.payload == Array(Build.bytes(10).prefix(4)) && o.packet?.payloadWireLength == 4)
    }

    @Test func segmentationOffloadZeroLength() {
        // Captured on the sending host before the NIC filled in the IPv4 total length.
        let payload = Build.bytes(3000)
        let pkt = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(payload), totalLength: 0))
        var d = PacketDecoder(linkType: 1)
        let o = d.run(pkt)
        #expect(o.payload == payload && o.packet?.payloadWireLength == 3000)
        #expect(d.counters.ipLengthFromFrame == 1)
    }

    @Test func ipv6ExtensionHeaderChain() {
        // hop-by-hop (16 bytes) → routing (8) → destination options (8) → TCP
        let chain = Build.v6Options(next: 43, len: 1) + Build.v6Options(next: 60) + Build.v6Options(next: 6)
        var d = PacketDecoder(linkType: 1)
        let o = d.run(Build.ethernet(0x86DD, Build.ipv6(next: 0, chain + Build.tcp(tcpPayload), hop: 33)))
        #expect(o.payload == tcpPayload)
        #expect(o.packet?.src == IPAddress("2001:db8::1") && o.packet?.dst == IPAddress("2001:db8::2"))
        #expect(o.packet?.hopLimit == 33)
        // AH (RFC 4302: (len + 2) * 4 bytes; len 4 → 24 bytes) then UDP.
        let ah: [UInt8] = [17, 4, 0, 0] + [UInt8](repeating: 0xAA, count: 20)
        var raw = PacketDecoder(linkType: 229)
        let r = raw.run(Build.ipv6(next: 51, ah + Build.udp([5, 6])))
        #expect(r.payload == [5, 6] && r.packet?.ipProtocol == 17)
    }

    @Test func ipv6AtomicFragmentIsTheWholeDatagram() {
        var d = PacketDecoder(linkType: 229)
        let o = d.run(Build.ipv6(next: 44, Build.v6Fragment(next: 6, offset: 0, more: false, id: 7) + Build.tcp(tcpPayload)))
        #expect(o.payload == tcpPayload && o.packet?.reassembledFromFragments == false)
        #expect(d.counters.fragmentsHeld == 0)
    }
}

@Suite struct SkipReasons {
    @Test func unsupportedLinkType() {
        var d = PacketDecoder(linkType: 105)      // IEEE 802.11
        #expect(!d.supportsLinkType)
        #expect(d.run([1, 2, 3]).skipped == .unsupportedLinkType)
        #expect(d.counters.skipped[.unsupportedLinkType] == 1)
    }

    @Test func notIP() {
        var d = PacketDecoder(linkType: 1)
        #expect(d.run(Build.ethernet(0x0806, [UInt8](repeating: 0, count: 28))).skipped == .notIP)     // ARP
        // 802.3 length field with an LLC header that is not SNAP (STP: 42 42 03).
        #expect(d.run([UInt8](repeating: 1, count: 12) + [0, 38, 0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35)).skipped == .notIP)
        // 802.3 + SNAP carrying IPv4 is IP.
        let snap: [UInt8] = [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00] + Build.ipv4(proto: 17, Build.udp([9]))
        let o = d.run([UInt8](repeating: 1, count: 12) + Build.be16(UInt16(snap.count)) + snap)
        #expect(o.payload == [9])
        var sll = PacketDecoder(linkType: 113)
        // SLL v1 with ARPHRD_NETLINK (824): a netlink message, not IP.
        #expect(sll.run([0, 0, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00] + Build.ipv4(proto: 17, Build.udp([1]))).skipped == .notIP)
        #expect(d.counters.skipped[.notIP] == 2)
    }

    @Test(arguments: [(UInt8(1), false), (58, true), (50, true), (59, true), (132, false)])
    func otherTransport(proto: UInt8, v6: Bool) {
        var d = PacketDecoder(linkType: v6 ? 229 : 228)
        let body = [UInt8](repeating: 0, count: 16)
        let pkt = v6 ? Build.ipv6(next: proto, body) : Build.ipv4(proto: proto, body)
        #expect(d.run(pkt).skipped == .otherTransport)
    }

    @Test func malformedHeaders() {
        var d = PacketDecoder(linkType: 228)
        var ihl4 = Build.ipv4(proto: 6, Build.tcp()); ihl4[0] = 0x44
        #expect(d.run(ihl4).skipped == .malformed)
        #expect(d.run(Build.ipv4(proto: 6, Build.tcp(), totalLength: 19)).skipped == .malformed)
        var v6in4 = Build.ipv4(proto: 6, Build.tcp()); v6in4[0] = 0x65
        #expect(d.run(v6in4).skipped == .malformed)
        #expect(d.run(Build.ipv4(proto: 6, Build.tcp(dataOffset: 4))).skipped == .malformed)
        #expect(d.run(Build.ipv4(proto: 6, Build.tcp(dataOffset: 15))).skipped == .malformed)   // 60 > 40 in the datagram
        #expect(d.run(Build.ipv4(proto: 17, Build.udp([1, 2], length: 4))).skipped == .malformed)
        #expect(d.run(Build.ipv4(proto: 17, Build.udp([1, 2], length: 200))).skipped == .malformed)
        var v6 = PacketDecoder(linkType: 229)
        #expect(v6.run(Build.ipv6(next: 6, Build.tcp(), payloadLength: 0)).skipped == .malformed)  // jumbogram
        var raw = PacketDecoder(linkType: 12)
        #expect(raw.run([0x50] + [UInt8](repeating: 0, count: 30)).skipped == .malformed)
        #expect(d.counters.skipped[.malformed] == 7)
    }

    @Test func fragmentDropped() {
        var d = PacketDecoder(linkType: 228)
        // A fragment the snapshot cut cannot be reassembled.
        let frag = Build.ipv4(proto: 17, Build.bytes(64), more: true)
        #expect(frag.withUnsafeBytes { b in
            if case .skipped(.fragmentDropped) = d.decode(UnsafeRawBufferPointer(rebasing: b[0..<40]), wireLength: frag.count, time: .zero) { return true }
            return false
        })
        // A fragment that is not the last must hold a multiple of 8 bytes.
        #expect(d.run(Build.ipv4(proto: 17, Build.bytes(13), more: true)).skipped == .fragmentDropped)
        // Beyond 65535 bytes (the "ping of death").
        #expect(d.run(Build.ipv4(proto: 17, Build.bytes(64), fragOffset: 65_528)).skipped == .fragmentDropped)
        #expect(d.counters.fragmentsDropped == 3)
        #expect(d.counters.skipped[.fragmentDropped] == 3)
    }
}

@Suite struct LinkLayerVectors {
    let inner = Build.ipv4(proto: 17, Build.udp(sport: 1111, dport: 2222, [0xAB, 0xCD]))

    @Test func vlanQinQAnd9100() {
        var d = PacketDecoder(linkType: 1)
        let one = d.run(Build.ethernet(0x8100, Build.be16(0x2064) + Build.be16(0x0800) + inner))
        #expect(one.packet?.vlanID == 100 && one.packet?.encapsulation == [.vlan] && one.payload == [0xAB, 0xCD])
        let two = d.run(Build.ethernet(0x88A8, Build.be16(200) + Build.be16(0x8100) + Build.be16(300) + Build.be16(0x0800) + inner))
        #expect(two.packet?.vlanID == 200 && two.packet?.encapsulation == [.vlan, .qinq])
        let old = d.run(Build.ethernet(0x9100, Build.be16(7) + Build.be16(0x8100) + Build.be16(8) + Build.be16(0x86DD)
            + Build.ipv6(next: 17, Build.udp([1]))))
        #expect(old.packet?.vlanID == 7 && old.packet?.src.isV6 == true)
    }

    @Test func pppoeSessionWithIPv6() {
        var d = PacketDecoder(linkType: 1)
        let v6 = Build.ipv6(next: 6, Build.tcp([1, 2, 3]))
        let pppoe: [UInt8] = [0x11, 0x00, 0x12, 0x34] + Build.be16(UInt16(v6.count + 2)) + [0x00, 0x57] + v6
        let o = d.run(Build.ethernet(0x8864, pppoe) + [0, 0, 0])
        #expect(o.payload == [1, 2, 3] && o.packet?.encapsulation == [.pppoe])
        // PPPoE discovery (code != 0) is not data.
        #expect(d.run(Build.ethernet(0x8864, [0x11, 0x09, 0, 0, 0, 0, 0, 0])).skipped == .notIP)
    }

    @Test func mplsStackAndPseudowire() {
        var d = PacketDecoder(linkType: 1)
        // Two labels (the second with S set), then IPv4.
        let labels: [UInt8] = [0x00, 0x06, 0x40, 0x40, 0x00, 0x06, 0x51, 0x40]
        let o = d.run(Build.ethernet(0x8847, labels + inner))
        #expect(o.payload == [0xAB, 0xCD] && o.packet?.encapsulation == [.mpls])
        // Ethernet pseudowire: label (S), control word 0, then an Ethernet frame.
        let pw = d.run(Build.ethernet(0x8847, [0x00, 0x01, 0x01, 0x40, 0, 0, 0, 0] + Build.ethernet(0x0800, inner)))
        #expect(pw.payload == [0xAB, 0xCD])
    }

    @Test(arguments: [(Int32(0), false), (0, true), (108, false), (108, true)])
    func bsdLoopbackBothByteOrders(linkType: Int32, bigEndian: Bool) {
        var d = PacketDecoder(linkType: linkType)
        func af(_ v: UInt32) -> [UInt8] { bigEndian ? Build.be32(v) : Build.be32(v).reversed() }
        #expect(d.run(af(2) + inner).payload == [0xAB, 0xCD])
        for v6 in [UInt32(24), 28, 30] {
            let o = d.run(af(v6) + Build.ipv6(next: 17, Build.udp([4])))
            #expect(o.payload == [4] && o.packet?.src.isV6 == true)
        }
        #expect(d.run(af(7) + inner).skipped == .notIP)       // AF_OSI
    }

    @Test(arguments: [Int32(12), 14, 101, 228])
    func rawIPv4(linkType: Int32) {
        var d = PacketDecoder(linkType: linkType)
        #expect(d.run(inner).payload == [0xAB, 0xCD])
    }

    @Test func rawIPv6LinkTypes() {
        var d = PacketDecoder(linkType: 229)
        #expect(d.run(Build.ipv6(next: 17, Build.udp([3]))).payload == [3])
        var r = PacketDecoder(linkType: 12)
        #expect(r.run(Build.ipv6(next: 17, Build.udp([3]))).payload == [3])
    }

    @Test func linuxCookedWithVLAN() {
        // SLL v1: packet type 0, ARPHRD_ETHER, address length 6, address, protocol 0x8100 (tag kept).
        var d = PacketDecoder(linkType: 113)
        let hdr: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0] + Build.be16(0x8100)
        let o = d.run(hdr + Build.be16(42) + Build.be16(0x0800) + inner)
        #expect(o.payload == [0xAB, 0xCD] && o.packet?.vlanID == 42)
        // SLL2: protocol first.
        var d2 = PacketDecoder(linkType: 276)
        let h2: [UInt8] = Build.be16(0x0800) + [0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]
        #expect(d2.run(h2 + inner).payload == [0xAB, 0xCD])
    }

    @Test func pppFramings() {
        var d = PacketDecoder(linkType: 9)
        #expect(d.run([0xFF, 0x03, 0x00, 0x21] + inner).payload == [0xAB, 0xCD])   // RFC 1662 framing
        #expect(d.run([0x00, 0x21] + inner).payload == [0xAB, 0xCD])               // no framing
        #expect(d.run([0x21] + inner).payload == [0xAB, 0xCD])                     // protocol-field compression
        #expect(d.run([0xC0, 0x21, 1, 2, 3, 4]).skipped == .notIP)                 // LCP
        var c = PacketDecoder(linkType: 104)
        #expect(c.run([0x0F, 0x00, 0x08, 0x00] + inner).payload == [0xAB, 0xCD])   // Cisco HDLC
        var s = PacketDecoder(linkType: 50)
        #expect(s.run([0x8F, 0x00, 0x08, 0x00] + inner).payload == [0xAB, 0xCD])
    }
}

@Suite struct TunnelVectors {
    let inner = Build.ipv4(src: 0xC0A8_0001, dst: 0xC0A8_0002, proto: 6, Build.tcp(sport: 5555, dport: 3389, [0x03, 0x00]))

    func udpOuter(_ sport: UInt16, _ dport: UInt16, _ body: [UInt8]) -> [UInt8] {
        Build.ethernet(0x0800, Build.ipv4(proto: 17, Build.udp(sport: sport, dport: dport, body)))
    }

    @Test func vxlanAndWhatIsNotVXLAN() {
        var d = PacketDecoder(linkType: 1)
        let vx: [UInt8] = [0x08, 0, 0, 0, 0, 0, 0x2A, 0]
        let o = d.run(udpOuter(33333, 4789, vx + Build.ethernet(0x0800, inner)))
        #expect(o.packet?.encapsulation == [.vxlan] && o.packet?.dstPort == 3389 && o.payload == [0x03, 0x00])
        #expect(o.packet?.src == IPAddress("192.168.0.1"))
        // Linux's old port 8472 too.
        #expect(d.run(udpOuter(33333, 8472, vx + Build.ethernet(0x0800, inner))).packet?.dstPort == 3389)
        // Port 4789 without the I flag: an ordinary UDP datagram.
        let plain = d.run(udpOuter(33333, 4789, [0, 1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(plain.packet?.dstPort == 4789 && plain.packet?.encapsulation == [] && plain.payload.count == 9)
    }

    @Test func geneveWithOptions() {
        var d = PacketDecoder(linkType: 1)
        // Ver 0, Opt Len 2 (8 bytes of options), protocol 0x6558 (Ethernet).
        let gen: [UInt8] = [0x02, 0x00, 0x65, 0x58, 0, 0, 1, 0] + [UInt8](repeating: 0x11, count: 8)
        let o = d.run(udpOuter(40000, 6081, gen + Build.ethernet(0x0800, inner)))
        #expect(o.packet?.encapsulation == [.geneve] && o.payload == [0x03, 0x00])
        // Protocol 0x0800 directly.
        let gip: [UInt8] = [0x00, 0x00, 0x08, 0x00, 0, 0, 1, 0]
        #expect(d.run(udpOuter(40000, 6081, gip + inner)).packet?.dstPort == 3389)
    }

    @Test func greVariants() {
        var d = PacketDecoder(linkType: 1)
        func gre(_ body: [UInt8]) -> [UInt8] { Build.ethernet(0x0800, Build.ipv4(proto: 47, body)) }
        // Key and sequence number present.
        let ks = d.run(gre([0x30, 0x00, 0x08, 0x00] + Build.be32(99) + Build.be32(1) + inner))
        #expect(ks.packet?.encapsulation == [.gre] && ks.packet?.dstPort == 3389)
        // Checksum present, carrying IPv6.
        let v6 = Build.ipv6(next: 17, Build.udp([1]))
        #expect(d.run(gre([0x80, 0x00, 0x86, 0xDD, 0, 0, 0, 0] + v6)).payload == [1])
        // Transparent Ethernet bridging.
        #expect(d.run(gre([0x00, 0x00, 0x65, 0x58] + Build.ethernet(0x0800, inner))).packet?.dstPort == 3389)
        // PPTP enhanced GRE (version 1, key, sequence) carrying PPP with address/control.
        let ppp: [UInt8] = [0xFF, 0x03, 0x00, 0x21] + inner
        let pptp = d.run(gre([0x30, 0x01, 0x88, 0x0B] + Build.be16(UInt16(ppp.count)) + Build.be16(7) + Build.be32(1) + ppp))
        #expect(pptp.packet?.encapsulation == [.gre, .ppp] && pptp.payload == [0x03, 0x00])
        // ERSPAN type III with the optional 8-byte platform subheader (O bit).
        let e3: [UInt8] = [0x20, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0x01] + [UInt8](repeating: 0, count: 8)
        let er = d.run(gre([0x10, 0x00, 0x22, 0xEB] + Build.be32(5) + e3 + Build.ethernet(0x0800, inner)))
        #expect(er.packet?.encapsulation == [.gre, .erspan] && er.packet?.dstPort == 3389)
        // ERSPAN type I: no sequence number, no ERSPAN header.
        #expect(d.run(gre([0x00, 0x00, 0x88, 0xBE] + Build.ethernet(0x0800, inner))).packet?.encapsulation == [.gre, .erspan])
        // Unknown GRE version.
        #expect(d.run(gre([0x00, 0x05, 0x08, 0x00] + inner)).skipped == .malformed)
    }

    @Test func ipInIPBothWays() {
        var d = PacketDecoder(linkType: 228)
        #expect(d.run(Build.ipv4(proto: 4, inner)).packet?.encapsulation == [.ipInIP])
        #expect(d.run(Build.ipv4(proto: 41, Build.ipv6(next: 17, Build.udp([1])))).payload == [1])
        var v6 = PacketDecoder(linkType: 229)
        #expect(v6.run(Build.ipv6(next: 4, inner)).packet?.dstPort == 3389)
    }

    @Test func tunnelDepthLimit() {
        var wrapped = inner
        for _ in 0..<10 { wrapped = Build.ipv4(proto: 4, wrapped) }
        var d = PacketDecoder(linkType: 228)          // limit 8
        #expect(d.run(wrapped).skipped == .malformed)
        #expect(d.counters.tunnelDepthExceeded == 1)
        var shallow = inner
        for _ in 0..<8 { shallow = Build.ipv4(proto: 4, shallow) }
        #expect(d.run(shallow).packet?.dstPort == 3389)
    }

    @Test func innerDatagramLongerThanTheTunnelIsCut() {
        // The inner IPv4 header claims 100 bytes more than the VXLAN datagram carries.
        var d = PacketDecoder(linkType: 1)
        let liar = Build.ipv4(src: 0xC0A8_0001, dst: 0xC0A8_0002, proto: 17, Build.udp(sport: 7, dport: 8, [1, 2], length: 10),
                              totalLength: 20 + 10 + 100)
        let vx: [UInt8] = [0x08, 0, 0, 0, 0, 0, 1, 0]
        let o = d.run(udpOuter(33333, 4789, vx + Build.ethernet(0x0800, liar)))
        #expect(o.payload == [1, 2] && o.packet?.truncated == false)
        #expect(d.counters.ipLengthBeyondLink == 1)
    }
}
