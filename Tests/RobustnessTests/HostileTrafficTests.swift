import Foundation
import Testing
import NetCore
import PacketDecode
import FlowTrack
import Handshake
import TLSDiagKit

/// Deliberately hostile traffic, built packet by packet in the test and run through the pipeline
/// (the library, for exact counters, and the real CLI entry, for what the user sees). Each must
/// finish, stay within the configured limits, and say what it dropped.
@Suite("Hostile traffic")
struct HostileTrafficTests {
    static let client = (ipv4(10, 0, 0, 1), UInt16(40000))
    static let server = (ipv4(10, 0, 0, 2), UInt16(443))
    static let t0 = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)

    static func at(_ ms: Int) -> Timestamp {
        Timestamp(seconds: t0.seconds + Int64(ms / 1000), nanoseconds: UInt32((ms % 1000) * 1_000_000))
    }

    /// The first ClientHello record of a real capture (OpenSSL 3 client, TLS 1.3, SNI localhost).
    static func realClientHello() throws -> [UInt8] {
        let pcap = try PcapFile(bytes: readBytes(Paths.capture("01-ok-tls13.pcap").path))
        var decoder = PacketDecoder(linkType: LinkType.ethernet)
        for r in pcap.records {
            let found: [UInt8]? = r.data.withUnsafeBytes { raw in
                guard case .packet(_, let payload) = decoder.decode(raw, wireLength: raw.count, time: t0),
                      payload.count > 9, payload[0] == 22, payload[5] == 1 else { return nil }
                let len = Int(payload[3]) << 8 | Int(payload[4])
                return payload.count >= 5 + len ? Array(payload[0..<(5 + len)]) : nil
            }
            if let found { return found }
        }
        throw Failure("no ClientHello in 01-ok-tls13.pcap")
    }

    /// Writes frames (1 ms apart from `start`) to a pcap in `dir`.
    static func write(_ frames: [[UInt8]], in dir: TempDir, name: String, startMs: Int = 0) throws -> String {
        var pcap = PcapFile()
        for (i, f) in frames.enumerated() { pcap.append(f, at: at(startMs + i)) }
        return try dir.write(name, pcap.bytes)
    }

    // MARK: SYN flood

    @Test func millionSYNsToDifferentPorts() throws {
        // One million SYNs from one host to 1M different (address, port) pairs, 1 µs apart, through
        // the pipeline in memory: the table holds at most --max-connections, evicts the least
        // recently active, and every connection is still handed on, once.
        var options = AnalysisOptions()
        options.flow.maxConnections = 20_000
        var finished = 0
        var ends: [EndReason: Int] = [:]
        let pipeline = PacketPipeline(path: "syn-flood", linkType: LinkType.ethernet, linkTypeName: "EN10MB",
                                      options: options) { facts, _ in
            finished += 1
            ends[facts.endReason ?? .captureEnd, default: 0] += 1
        }
        let total = 1_000_000
        var frame = TCPFrame.make(src: Self.client, dst: (ipv4(10, 1, 0, 0), 1), seq: 7, flags: TCPFrame.syn)
        for i in 0..<total {
            // Patch destination address (bytes 30-33) and port (36-37) in place: no allocation a packet.
            let host = ipv4(10, 1, 0, 0) | UInt32(i / 60_000)
            frame[30] = UInt8(host >> 24); frame[31] = UInt8((host >> 16) & 0xff)
            frame[32] = UInt8((host >> 8) & 0xff); frame[33] = UInt8(host & 0xff)
            let port = UInt16(1024 + i % 60_000)
            frame[36] = UInt8(port >> 8); frame[37] = UInt8(port & 0xff)
            let t = Timestamp(seconds: Self.t0.seconds, nanoseconds: UInt32(i * 1000 % 1_000_000_000))
            frame.withUnsafeBytes { pipeline.process(bytes: $0, wireLength: $0.count, stamp: PacketStamp(number: UInt64(i + 1), time: t)) }
            if i % 100_000 == 0 { #expect(pipeline.table.activeConnections <= 20_000) }
        }
        pipeline.finish()
        let f = pipeline.summary.flows
        #expect(f.connectionsCreated == UInt64(total))
        #expect(f.peakConnections == 20_000, "the table never held more than the cap")
        #expect(f.connectionsEvicted == UInt64(total - 20_000))
        #expect(finished == total, "every connection is handed on exactly once")
        #expect(ends[.evicted] == total - 20_000 && ends[.captureEnd] == 20_000)
        #expect(f.bytesDroppedByCaps == 0)
        #expect(pipeline.summary.warnings.contains(
            "\(total - 20_000) connection(s) were finished early because more than 20000 were open at once (--max-connections)"))
    }

    @Test func synFloodThroughTheCLI() throws {
        // The same through `tlsdiag analyze`: the warning on stderr and as a note in the text report.
        let dir = try TempDir(); defer { dir.remove() }
        let path = dir.path("syn-flood.pcap")
        let w = try PcapStreamWriter(path: path)
        for i in 0..<5_000 {
            let f = TCPFrame.make(src: (ipv4(10, 0, 0, 1), UInt16(1024 + i % 60_000)), dst: (ipv4(10, 2, UInt8(i >> 8 & 0xff), UInt8(i & 0xff)), 443),
                                  seq: UInt32(i), flags: TCPFrame.syn)
            try w.append(f, at: Timestamp(seconds: Self.t0.seconds, nanoseconds: UInt32(i * 10_000)))
        }
        try w.close()
        let r = try analyzeJSONL(path, in: dir, extra: ["--max-connections", "100"])
        #expect(r.status == 2, "unanswered SYNs are failed connections")
        #expect(r.stderr.contains("warning: \(path): 4900 connection(s) were finished early because more than 100 were open at once (--max-connections)"))
        #expect(r.connections.count == 5_000)
        let text = try runCLI(["analyze", "--max-connections", "100", path], in: dir)
        #expect(text.stdout.contains("note: \(path): 4900 connection(s) were finished early"))
        #expect(text.stdout.contains("5000 TCP connections"))
    }

    @Test func textReportKeepsAtMostItsBlockLimit() throws {
        // 2,500 unanswered SYNs: the text report counts all 2,500 failures in its header, lists
        // 2,000 in full and says how many it left out (memory stays bounded: a million failures
        // took 5 GB before the limit; see docs/robustness.md).
        let dir = try TempDir(); defer { dir.remove() }
        let path = dir.path("2500-syns.pcap")
        let w = try PcapStreamWriter(path: path)
        for i in 0..<2_500 {
            try w.append(TCPFrame.make(src: (ipv4(10, 0, 0, 1), UInt16(2000 + i)), dst: (ipv4(10, 4, UInt8(i >> 8), UInt8(i & 0xff)), 443),
                                       seq: UInt32(i), flags: TCPFrame.syn),
                         at: Timestamp(seconds: Self.t0.seconds, nanoseconds: UInt32(i * 1000)))
        }
        try w.close()
        let r = try runCLI(["analyze", path], in: dir)
        #expect(r.status == 2)
        #expect(r.stdout.contains("2500 TCP connections, 2500 reported: 0 succeeded, 2500 did not"))
        let blocks = r.stdout.components(separatedBy: "\n  summary ").count - 1
        #expect(blocks == 2_000)
        #expect(r.stdout.contains("… and 500 more connection(s) that did not succeed, counted above but not listed"))
        // JSON Lines writes every one.
        #expect(try analyzeJSONL(path, in: dir).connections.count == 2_500)
    }

    @Test func unfinishedIPFragmentFlood() throws {
        // 10,000 first fragments (MF set, offset 0) of datagrams whose rest never comes, then one
        // whole connection: the decoder holds at most 64 datagrams, evicts the oldest, counts them,
        // and the run says so; the real connection is still analysed.
        let dir = try TempDir(); defer { dir.remove() }
        var frames: [[UInt8]] = []
        for i in 0..<10_000 {
            var f = TCPFrame.make(src: Self.client, dst: (ipv4(10, 3, 0, 1), 443), seq: UInt32(i), flags: TCPFrame.syn,
                                  payload: Array(repeating: 0x55, count: 44))   // 64 bytes: a multiple of 8
            f[18] = UInt8((i >> 8) & 0xff); f[19] = UInt8(i & 0xff)   // IP identification
            f[20] = 0x20; f[21] = 0x00                                // MF, offset 0
            frames.append(f)
        }
        var c = Conversation(client: Self.client, server: Self.server)
        frames += c.handshake()
        frames += c.clientData(try Self.realClientHello())
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "fragment-flood.pcap")
        let (summary, conns) = analyzeFacts(path)
        let d = summary.decode
        #expect(d.fragmentsDropped >= 10_000 - 64, "every evicted datagram's fragment is counted")
        #expect(d.fragmentEvictions == 10_000 - 64, "\(d)")
        #expect(d.datagramsReassembled == 0)
        #expect(summary.warnings.contains { $0.hasPrefix("\(d.fragmentsDropped) IP fragment(s) were dropped") && $0.contains("\(10_000 - 64) evicted") },
                "\(summary.warnings)")
        #expect(conns.count == 1)
        #expect(conns.first?.1.clientHello?.sni == "localhost")
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.stderr.contains("IP fragment(s) were dropped"))
    }

    // MARK: reassembly abuse

    @Test func endlessOutOfOrderAndOverlappingRetransmissionsOfAClientHello() throws {
        // The ClientHello arrives in order, then 20,000 copies of its first segment with other
        // bytes (overlapping retransmissions: the first copy wins, each conflict is counted), then
        // 20,000 out-of-order 10-byte segments scattered over 2,000 slots 30 bytes apart past the
        // hello (more holes than may be held: the oldest holes are given up as gaps, up to the
        // per-direction gap limit of 256, after which the kept prefix ends there and the rest is
        // dropped and counted), then the server resets.
        let dir = try TempDir(); defer { dir.remove() }
        let hello = try Self.realClientHello()
        var c = Conversation(client: Self.client, server: Self.server)
        var frames = c.handshake()
        let firstSeq = c.clientSeq
        frames += c.clientData(hello, mss: 100)
        var junk = Array(hello[0..<100])
        junk[50] = hello[50] ^ 0xFF                            // every copy differs from the first
        for i in 0..<20_000 {
            junk[51] = UInt8(truncatingIfNeeded: i)
            frames.append(c.clientSegment(seq: firstSeq, junk))
        }
        for i in 0..<20_000 {
            let seq = c.clientSeq &+ 1000 &+ UInt32((i * 7919) % 2000) * 30
            frames.append(c.clientSegment(seq: seq, Array(repeating: 0x17, count: 10)))
        }
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "ooo-flood.pcap")

        let (summary, conns) = analyzeFacts(path)
        #expect(summary.error == nil)
        #expect(conns.count == 1)
        let (facts, hs) = try #require(conns.first)
        let ch = try #require(hs.clientHello, "the ClientHello is parsed from its first copies")
        #expect(ch.sni == "localhost")
        let side = facts.clientSide
        // Every junk copy conflicts; so do later out-of-order segments landing on holes already
        // given up (zero-filled).
        #expect(side.conflictingOverlaps >= 20_000)
        #expect(side.gaps.count == 256, "gaps per direction stop at the limit")
        #expect(side.droppedByCaps > 0, "bytes past the end of the kept prefix are counted")
        #expect(summary.flows.bytesDroppedByCaps == side.droppedByCaps)
        #expect(summary.warnings.contains { $0.contains("payload byte(s) were not kept because of the per-connection or total buffer caps") })
        #expect(hs.timeline.count <= 64, "the timeline is capped (\(hs.timeline.count), \(hs.timelineDropped) dropped)")
        #expect(facts.serverSide.firstRst != nil)
        #expect(summary.flows.peakBufferedBytes <= UInt64(4 * 64 * 1024), "one connection's buffers at most")

        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2)
        let c0 = try #require(r.connections.first)
        #expect((c0["client_hello"] as? [String: Any])?["sni"] as? String == "localhost")
        // The events past the timeline's limit are counted in the report, not dropped silently.
        #expect(hs.timelineDropped > 0)
        #expect(c0["timeline_dropped"] as? Int == hs.timelineDropped)
    }

    @Test func outOfOrderFloodBeforeTheHoleFills() throws {
        // The ClientHello's first segment is missing while more and more is held behind it: past
        // the hold budget the hole is given up as lost (a gap, zero-filled and reported), and the
        // run still ends with the connection reported and the loss said.
        let dir = try TempDir(); defer { dir.remove() }
        let hello = try Self.realClientHello()
        var c = Conversation(client: Self.client, server: Self.server)
        var frames = c.handshake()
        let segs = c.clientData(hello, mss: 100)
        frames += segs.dropFirst()
        for i in 0..<5_000 {
            frames.append(c.clientSegment(seq: c.clientSeq &+ UInt32(i) * 1000, Array(repeating: 0x41, count: 900)))
        }
        frames.append(segs[0])                                 // too late: the hole was given up
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "ooo-hole.pcap")
        let (summary, conns) = analyzeFacts(path)
        let (facts, hs) = try #require(conns.first)
        #expect(!facts.clientSide.gaps.isEmpty, "the lost bytes are a recorded gap")
        #expect(facts.clientSide.gaps.count <= 256, "gaps per direction are bounded")
        #expect(facts.clientSide.gaps.first == Gap(offset: 0, length: 100), "the missing first segment is the first gap")
        #expect(hs.clientHello == nil)
        #expect(summary.flows.bytesDroppedByCaps > 0)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.connections.count == 1)
        #expect(r.status == 2)
        let gaps = ((r.connections.first?["tcp"] as? [String: Any])?["client"] as? [String: Any])?["gaps"] as? [Any]
        #expect(gaps?.isEmpty == false, "the report lists the gaps")
        // A gap at stream offset 0 is the capture's loss of the hello, not the client's bytes.
        #expect(hs.clientNotTLS == nil)
        #expect(hs.clientHelloLost?.lostBytes == 100)
        #expect(r.connections.first?["category"] as? String == "capture-incomplete")
    }

    // MARK: lengths

    @Test func handshakeMessageClaiming16MB() throws {
        // A ClientHello whose handshake header claims 16,777,215 bytes, then 1 MiB more of
        // handshake records: nothing waits for 16 MB; the stream cap drops and counts the rest.
        let dir = try TempDir(); defer { dir.remove() }
        var c = Conversation(client: Self.client, server: Self.server)
        var frames = c.handshake()
        var stream = TLSBuild.record(TLSBuild.handshake(1, Array(repeating: 0x42, count: 16_000), claimedLength: 0xFF_FFFF))
        for _ in 0..<64 { stream += TLSBuild.record(Array(repeating: 0x43, count: 16_384)) }
        frames += c.clientData(stream)
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "claims-16mb.pcap")
        let (summary, conns) = analyzeFacts(path)
        let (facts, hs) = try #require(conns.first)
        #expect(hs.clientHello == nil)
        #expect(facts.clientSide.streamBytes == 65_536, "the first --stream-bytes are kept")
        #expect(facts.clientSide.droppedByCaps == UInt64(stream.count - 65_536), "the rest is counted, not kept")
        #expect(summary.flows.peakBufferedBytes <= 2 * 64 * 1024)
        #expect(summary.warnings.contains("\(stream.count - 65_536) payload byte(s) were not kept because of the per-connection or total buffer caps (--stream-bytes)"))
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.connections.count == 1 && r.status == 2)
    }

    @Test func recordLongerThanTLSAllows() throws {
        // A handshake record of length 0xFFFF (TLS allows 2^14 + 2048 at most): malformed, said.
        let dir = try TempDir(); defer { dir.remove() }
        var c = Conversation(client: Self.client, server: Self.server)
        var frames = c.handshake()
        let body = TLSBuild.handshake(1, TLSBuild.clientHelloBody(extensions: [(0, TLSBuild.sni("a.example"))]))
        var rec: [UInt8] = [22, 3, 1, 0xFF, 0xFF]
        rec += body + Array(repeating: 0, count: 0xFFFF - body.count)
        frames += c.clientData(rec)
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "record-64k.pcap")
        let (_, conns) = analyzeFacts(path)
        let (_, hs) = try #require(conns.first)
        #expect(hs.clientHello == nil, "an over-long record is not taken as a valid hello")
        #expect(hs.clientNotTLS != nil || !hs.parseErrors.isEmpty, "and what the client sent is said")
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.connections.count == 1)
    }

    /// A ClientHello record carrying `body`, in one connection that the server resets.
    static func helloConnection(_ body: [UInt8], in dir: TempDir, name: String) throws -> (String, [(ConnectionFacts, HandshakeFacts)]) {
        var c = Conversation(client: client, server: server)
        var frames = c.handshake()
        var stream: [UInt8] = []
        let hs = TLSBuild.handshake(1, body)
        var i = 0
        while i < hs.count {                                  // records of at most 2^14 bytes
            stream += TLSBuild.record(Array(hs[i..<min(hs.count, i + 16_384)]))
            i += 16_384
        }
        frames += c.clientData(stream)
        frames.append(c.serverReset())
        let path = try write(frames, in: dir, name: name)
        let (summary, conns) = analyzeFacts(path)
        #expect(summary.error == nil)
        return (path, conns)
    }

    @Test(arguments: [
        ("extensions length beyond the body", 0),
        ("server_name list beyond its extension", 1),
        ("cipher suites beyond the body", 2),
        ("extension length beyond the list", 3),
    ])
    func nestedLengthsOverflowingTheirParent(_ label: String, _ kind: Int) throws {
        let dir = try TempDir(); defer { dir.remove() }
        var body: [UInt8]
        switch kind {
        case 0:
            body = TLSBuild.clientHelloBody(extensions: [(0, TLSBuild.sni("a.example"))], extensionsLengthOverride: 0xFFF0)
        case 1:
            var sni = TLSBuild.sni("a.example")
            sni[0] = 0x7F; sni[1] = 0xFF                       // list length 32767 in a 14-byte extension
            body = TLSBuild.clientHelloBody(extensions: [(0, sni), (10, [0, 2, 0, 29])])
        case 2:
            body = TLSBuild.clientHelloBody(extensions: [(0, TLSBuild.sni("a.example"))])
            body[35] = 0xFF; body[36] = 0xF0                   // cipher_suites length (after version, random, sid)
        default:
            body = TLSBuild.clientHelloBody(extensions: [(0, TLSBuild.sni("a.example")), (10, [0, 2, 0, 29])])
            let extStart = body.count - (4 + 14) - (4 + 4)
            body[extStart + 4 + 14 + 2] = 0x40                 // the 2nd extension's length: 16384
        }
        let (path, conns) = try Self.helloConnection(body, in: dir, name: "nested-\(kind).pcap")
        let (_, hs) = try #require(conns.first, "\(label)")
        let malformedSaid = !hs.parseErrors.isEmpty || hs.timeline.contains {
            if case .malformed = $0.kind { return true } else { return false }
        }
        if kind == 1 {
            // TLSWire reads the hello and skips the server_name it cannot read: the name is not
            // invented from the bytes past the extension, and the report says the extension could
            // not be read (strict peers answer decode_error; docs/robustness.md, findings).
            let ch = try #require(hs.clientHello)
            #expect(ch.sni == nil)
            #expect(ch.extensions.contains(0) && ch.supportedGroups == [29])
            #expect(malformedSaid, "\(label): the unreadable server_name is said")
        } else {
            #expect(hs.clientHello == nil, "\(label): a hello whose lengths do not fit is not read as if they did")
            #expect(malformedSaid, "\(label): the malformed hello is said")
        }
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.connections.count == 1)
        #expect(r.status == 2)
    }

    @Test func clientHelloWithTenThousandExtensions() throws {
        // 10,000 distinct extensions (40 KB, so the hello spans three records), the server_name
        // last: the whole list is walked, fingerprints included.
        let dir = try TempDir(); defer { dir.remove() }
        var exts: [(UInt16, [UInt8])] = (0..<9_999).map { (UInt16(0x4000 + $0), []) }
        exts.append((0, TLSBuild.sni("last.example")))
        let (path, conns) = try Self.helloConnection(TLSBuild.clientHelloBody(extensions: exts), in: dir, name: "10k-extensions.pcap")
        let (_, hs) = try #require(conns.first)
        let ch = try #require(hs.clientHello, "parse errors: \(hs.parseErrors)")
        #expect(ch.extensions.count == 10_000)
        #expect(ch.sni == "last.example")
        #expect(ch.records == 3)
        #expect(ch.ja4 != nil)
        let r = try analyzeJSONL(path, in: dir)
        let c0 = try #require(r.connections.first)
        #expect((c0["client_hello"] as? [String: Any])?["sni"] as? String == "last.example")
    }

    @Test func sequenceNumbersWrapInsideTheClientHello() throws {
        // The client's ISN is 128 bytes short of 2^32: the hello's bytes cross the wrap, in
        // 60-byte segments, one of them out of order across it.
        let dir = try TempDir(); defer { dir.remove() }
        let hello = try Self.realClientHello()
        #expect(hello.count > 200)
        var c = Conversation(client: Self.client, server: Self.server, clientISN: 0xFFFF_FF7F, serverISN: 0xFFFF_FFF0)
        var frames = c.handshake()
        #expect(c.clientSeq == 0xFFFF_FF80)
        var segs = c.clientData(hello, mss: 60)
        segs.swapAt(2, 3)                                      // 0xFFFFFFF8.. arrives before 0xFFFFFFBC..
        frames += segs
        frames.append(c.serverReset())
        let path = try Self.write(frames, in: dir, name: "seq-wrap.pcap")
        let (_, conns) = analyzeFacts(path)
        #expect(conns.count == 1)
        let (facts, hs) = try #require(conns.first)
        #expect(facts.clientSide.gaps.isEmpty)
        let ch = try #require(hs.clientHello, "parse errors: \(hs.parseErrors)")
        #expect(ch.sni == "localhost")
        #expect(facts.serverSide.firstRst != nil)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2)
        #expect(r.connections.count == 1)
        #expect(r.connections.first?["category"] as? String == "server-reset", "the server's reset after a readable hello")
    }
}
