import Foundation
import Glibc
import Testing
import NetCore
import FlowTrack
import Handshake
import Preambles
import Diagnosis
import Reports
@testable import TLSDiagKit

/// The failures that wait for the end of the capture go through `SpillCodec` into `FailureSpool`'s
/// temporary file and back: the encoding must give back every fact exactly, and a session must
/// write the same report whether they waited in the file, in memory, or in memory because the file
/// could not be made or written.
@Suite struct SpillTests {
    // MARK: Helpers

    static func captureFiles() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Repo.captures.path)) ?? []
        return files.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted()
    }

    /// Every capture of the shared corpus (../shared/corpus): the test fails if it is missing.
    static func corpusFiles() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: Repo.corpus.path) else { return [] }
        var out: [String] = []
        for case let p as String in e where p.hasSuffix(".pcap") || p.hasSuffix(".pcapng") || p.hasSuffix(".cap") || p.hasSuffix(".gz") {
            out.append(p)
        }
        return out.sorted()
    }

    /// Every connection of a capture as the pipeline hands it over.
    static func connections(_ path: String) -> [(ConnectionFacts, HandshakeFacts)] {
        var out: [(ConnectionFacts, HandshakeFacts)] = []
        _ = CaptureAnalyzer.analyze(path: path, options: AnalysisOptions()) { c, h in out.append((c, h)) }
        return out
    }

    static func encode(_ c: ConnectionFacts, _ h: HandshakeFacts) -> [UInt8] {
        var w = SpillWriter(capacity: 64)
        SpillCodec.write(c, &w)
        SpillCodec.write(h, &w)
        return Array(w.bytes)
    }

    static func decode(_ bytes: [UInt8]) throws -> (ConnectionFacts, HandshakeFacts) {
        try bytes.withUnsafeBytes { raw in
            var r = SpillReader(raw)
            let c = try SpillCodec.readConnectionFacts(&r)
            var h = HandshakeFacts()
            try SpillCodec.readHandshakeFacts(&r, into: &h)
            guard r.remaining == 0 else { throw SpillError.malformed }
            return (c, h)
        }
    }

    /// JSON with sorted keys: byte for byte, so strings that are equal as Swift Strings but not in
    /// their bytes (é precomposed or not) would still differ.
    static func json<T: Encodable>(_ v: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(v)
    }

    static func expectRoundTrip(_ c: ConnectionFacts, _ h: HandshakeFacts, _ label: String) throws {
        let bytes = encode(c, h)
        let (c2, h2) = try decode(bytes)
        #expect(c2 == c, "\(label): ConnectionFacts")
        #expect(h2 == h, "\(label): HandshakeFacts")
        #expect(try json(c2) == json(c), "\(label): ConnectionFacts bytes")
        #expect(try json(h2) == json(h), "\(label): HandshakeFacts bytes")
        // The same bytes again: nothing in the encoding depends on where or when it was made.
        #expect(encode(c2, h2) == bytes, "\(label): re-encoding")
    }

    // MARK: The encoding

    @Test(arguments: SpillTests.captureFiles())
    func everyConnectionOfACaptureRoundTrips(file: String) throws {
        let conns = SpillTests.connections(Repo.capture(file))
        #expect(!conns.isEmpty, "\(file): no connections")
        for (i, (c, h)) in conns.enumerated() { try SpillTests.expectRoundTrip(c, h, "\(file) #\(i)") }
    }

    @Test func everyConnectionOfTheSharedCorpusRoundTrips() throws {
        let files = SpillTests.corpusFiles()
        #expect(files.count >= 100, "the shared corpus is missing at \(Repo.corpus.path)")
        var connections = 0
        for f in files {
            for (i, (c, h)) in SpillTests.connections(Repo.corpus.appendingPathComponent(f).path).enumerated() {
                try SpillTests.expectRoundTrip(c, h, "\(f) #\(i)")
                connections += 1
            }
        }
        #expect(connections >= files.count)
    }

    static let stampMax = PacketStamp(number: .max, time: Timestamp(seconds: .max, nanoseconds: .max))
    static let stampMin = PacketStamp(number: 0, time: Timestamp(seconds: .min, nanoseconds: 0))

    /// Every optional set, extreme integers, IPv6, every enum case with a payload.
    static func everythingSet() -> (ConnectionFacts, HandshakeFacts) {
        var v6 = IPAddress(v6High: .max, v6Low: 1)
        v6.isV6 = true
        var odd = IPAddress(v4: .max)
        odd.high = 0x8000_0000_0000_0000   // not a value the decoder makes, but the fields are public
        var c = ConnectionFacts(client: Endpoint(address: v6, port: .max), server: Endpoint(address: odd, port: 0),
                                roleSource: .content, first: stampMin)
        c.last = stampMax
        var s = SideFacts()
        s.packets = .max; s.payloadBytes = .max - 1; s.firstSyn = stampMin; s.firstFin = stampMax
        s.firstRst = PacketStamp(number: 1 << 63, time: Timestamp(seconds: -1, nanoseconds: 999_999_999))
        s.streamBytes = 1 << 32; s.truncatedSegments = 127; s.retransmittedSegments = 128; s.conflictingOverlaps = 16_383
        s.droppedByCaps = 16_384
        s.gaps = [Gap(offset: 0, length: .max), Gap(offset: .max, length: 0)]
        c.clientSide = s
        c.serverSide.gaps = [Gap(offset: 300, length: 748)]
        c.refused = true; c.established = true; c.settled = true; c.endReason = .portReused

        var h = HandshakeFacts()
        var p = PreambleInfo(kind: .adbStls)
        var rdp = RDPNegotiation()
        rdp.requestedProtocols = .max; rdp.cookie = "Cookie: mstshash=ÄÖÜ\r\n"; rdp.selectedProtocol = 0; rdp.failureCode = 5
        rdp.confirmWithoutNegotiation = true; rdp.requestFlags = 0xff; rdp.responseFlags = 0
        p.rdp = rdp
        p.command = "STARTTLS"; p.serverReply = "220 2.0.0 Ready to start TLS — ✓"; p.commandOffset = .min
        p.replyOffset = .max; p.replyCode = -1
        h.preamble = p
        h.preambleResult = .unfinished
        h.clientSentTLS = true; h.serverSentTLS = true
        h.clientNotTLS = "GET / HTTP/1.1\u{0}\u{7f}"; h.serverNotTLS = ""
        var ch = ClientHelloInfo()
        ch.recordVersion = 0x0301; ch.legacyVersion = 0x0303; ch.maxVersion = .max
        ch.supportedVersions = [0x0a0a, 0x0304, 0x0303]; ch.cipherSuites = Array(0..<300).map { UInt16($0 * 217 % 65536) }
        ch.compressionMethods = [0, 1, 255]; ch.extensions = [0, 65281, .max]
        ch.sni = "bücher.example — 日本語.test"; ch.alpn = ["h2", "", "http/1.1", "🙂"]
        ch.supportedGroups = [29, 23, 0x11ec]
        ch.keyShares = [.init(group: 29, keyLength: 32), .init(group: 0x11ec, keyLength: 1216), .init(group: 0, keyLength: .min)]
        ch.signatureAlgorithms = [0x0403]; ch.signatureAlgorithmsCert = []; ch.ecPointFormats = [0]; ch.pskModes = [1]
        ch.pskIdentities = .max; ch.sessionIDLength = 32; ch.sessionID = Array(0..<32); ch.hasEarlyData = true; ch.echOuter = true
        ch.size = .max; ch.tcpSegments = 3; ch.records = 2; ch.sslv2Format = true
        ch.ja3 = "771,4865-4866,0-23,29,0"; ch.ja3Hash = String(repeating: "f", count: 32)
        ch.ja4 = "t13d1516h2_8daaf6152771_02713d6af862"; ch.ja4r = String(repeating: "e\u{301}", count: 40)
        h.clientHello = ch
        h.clientHelloPacket = stampMax
        h.clientHelloLost = ClientHelloLoss(packet: stampMin, lostBytes: .max, size: .min)
        h.beganMidStream = true
        var ch2 = ClientHelloInfo()
        ch2.sni = ""          // present but empty, unlike nil
        h.secondClientHello = ch2
        var hrr = ServerHelloInfo()
        hrr.isHelloRetryRequest = true; hrr.hrrSelectedGroup = 0x11ec; hrr.hrrCookie = true; hrr.extensions = [43, 51, 44]
        h.helloRetryRequest = hrr
        var sh = ServerHelloInfo()
        sh.recordVersion = 0x0303; sh.legacyVersion = 0x0303; sh.version = 0x0304; sh.cipherSuite = 0x1302
        sh.compressionMethod = 255; sh.keyShareGroup = 0; sh.alpn = "h2"; sh.sessionIDLength = -5
        sh.downgradeSentinel = 1; sh.size = 90
        h.serverHello = sh
        h.serverHelloPacket = stampMin
        h.serverHelloLost = ClientHelloLoss(packet: stampMax, lostBytes: 0, size: 0)
        var cert = CertificateInfo()
        cert.subject = "CN=Ünïcødé,O=Ex\\,ample"; cert.issuer = ""; cert.subjectAltNames = ["DNS:*.example.com", "IP:::1", ""]
        cert.notBefore = .min; cert.notAfter = .max; cert.notBeforeText = "1950-01-01T00:00:00Z"; cert.notAfterText = nil
        cert.keyType = "EC"; cert.keyBits = 256; cert.curve = "P-256"; cert.signatureAlgorithm = "ecdsa-with-SHA256"
        cert.keyUsage = ["digitalSignature"]; cert.extendedKeyUsage = []; cert.isCA = true; cert.selfSigned = true
        cert.serial = "00"; cert.sha256 = String(repeating: "ab", count: 32); cert.size = 0; cert.parseError = "truncated at 17"
        h.certificates = [cert, CertificateInfo()]
        h.certificatePacket = stampMax
        h.clientCertificates = []     // present but empty, unlike nil
        var kx = KeyExchangeInfo(kind: "DHE")
        kx.group = .max; kx.dhPrimeBits = 1024; kx.publicKeyLength = 0; kx.signatureAlgorithm = 0x0804
        h.keyExchange = kx
        h.certificateRequested = true
        h.alerts = [AlertInfo(by: .server, level: 2, description: 40, encrypted: false, inferred: false, packet: stampMin),
                    AlertInfo(by: .client, level: nil, description: nil, encrypted: true, inferred: true, packet: stampMax)]
        h.clientFinished = stampMin; h.serverFinished = stampMax; h.clientAppData = stampMin; h.serverAppData = stampMax
        h.resumed = true
        let kinds: [TimelineEvent.Kind] = [
            .syn, .synAck, .fin, .rst, .gap(offset: .max, length: 0), .preambleCommand("EHLO ✉"), .preambleReply(""),
            .clientHello, .serverHello, .helloRetryRequest, .handshake(type: 255), .changeCipherSpec,
            .encryptedRecord(contentType: 23, length: .max), .applicationData(length: .min), .alert(level: 1, description: 0),
            .encryptedAlert(length: -1), .notTLS(sample: "SSH-2.0-OpenSSH_9.6\r\n"), .malformed(reason: "bad length ∞", offset: .max),
        ]
        h.timeline = kinds.enumerated().map { i, k in
            TimelineEvent(side: i % 2 == 0 ? .client : .server, packet: PacketStamp(number: UInt64(i), time: Timestamp(seconds: Int64(i), nanoseconds: UInt32(i))), kind: k)
        }
        h.timelineDropped = .max
        h.parseErrors = ["", "record: need more bytes at offset 5", "ünïcødé"]
        return (c, h)
    }

    @Test func handBuiltEdgeValuesRoundTrip() throws {
        let (c, h) = SpillTests.everythingSet()
        try SpillTests.expectRoundTrip(c, h, "everything set")
        // Nothing set: every optional nil, every list empty.
        let bare = ConnectionFacts(client: Endpoint(address: IPAddress(v4: 0), port: 0), server: Endpoint(address: IPAddress(v4: 0), port: 0),
                                   roleSource: .ports, first: PacketStamp(number: 0, time: .zero))
        try SpillTests.expectRoundTrip(bare, HandshakeFacts(), "nothing set")
        // Each preamble kind, each result, each end reason and role source.
        for (i, k) in PreambleKind.allCases.enumerated() {
            var h = HandshakeFacts()
            h.preamble = PreambleInfo(kind: k)
            h.preambleResult = [PreambleResult.tls, .refused, .plaintext, .unfinished][i % 4]
            var c = bare
            c.endReason = [EndReason.closed, .idleTimeout, .evicted, .captureEnd, .portReused][i % 5]
            c.roleSource = [RoleSource.syn, .content, .ports][i % 3]
            try SpillTests.expectRoundTrip(c, h, "preamble \(k)")
        }
        // Strings that are equal as Swift Strings but not in bytes stay apart.
        var a = HandshakeFacts(), b = HandshakeFacts()
        a.clientNotTLS = "caf\u{e9}"
        b.clientNotTLS = "cafe\u{301}"
        let (_, a2) = try SpillTests.decode(SpillTests.encode(bare, a))
        let (_, b2) = try SpillTests.decode(SpillTests.encode(bare, b))
        #expect(Array(a2.clientNotTLS!.utf8) == Array("caf\u{e9}".utf8))
        #expect(Array(b2.clientNotTLS!.utf8) == Array("cafe\u{301}".utf8))
    }

    /// The codec's field lists against the fields each type's Codable form has (with every optional
    /// set): a property added to a fact type fails here until the codec writes it. (Codable rather
    /// than the stored properties: ClientHelloInfo and HandshakeFacts keep theirs in shared boxes.)
    @Test func theCodecWritesEveryStoredProperty() throws {
        let (c, h) = SpillTests.everythingSet()
        // Optionals everythingSet leaves nil on purpose (to test nil), set here.
        var serverHello = h.serverHello!, certificate = h.certificates[0]
        serverHello.hrrSelectedGroup = 0x001d
        certificate.notAfterText = "2050-01-01T00:00:00Z"
        let samples: [(String, any Encodable)] = [
            ("IPAddress", c.client.address), ("Endpoint", c.client), ("Timestamp", c.first.time), ("PacketStamp", c.first),
            ("Gap", c.clientSide.gaps[0]), ("SideFacts", c.clientSide), ("ConnectionFacts", c),
            ("RDPNegotiation", h.preamble!.rdp!), ("PreambleInfo", h.preamble!), ("KeyShare", h.clientHello!.keyShares[0]),
            ("ClientHelloInfo", h.clientHello!), ("ServerHelloInfo", serverHello), ("CertificateInfo", certificate),
            ("KeyExchangeInfo", h.keyExchange!), ("TimelineEvent", h.timeline[0]), ("AlertInfo", h.alerts[0]),
            ("ClientHelloLoss", h.clientHelloLost!), ("HandshakeFacts", h),
        ]
        #expect(Set(samples.map(\.0)) == Set(SpillCodec.fields.keys))
        for (name, value) in samples {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]
            let keys = Set(try #require(object, "\(name) encodes as an object").keys)
            #expect(keys == Set(SpillCodec.fields[name] ?? []), "\(name): Codable fields \(keys.sorted())")
        }
    }

    /// Cut or damaged bytes are an error, never a trap.
    @Test func damagedRecordsThrow() throws {
        let (c, h) = SpillTests.everythingSet()
        let bytes = SpillTests.encode(c, h)
        for cut in stride(from: 0, to: bytes.count, by: 1) {
            #expect(throws: SpillError.self) { _ = try SpillTests.decode(Array(bytes[..<cut])) }
        }
        // Each byte replaced: decoded or refused, whatever the value.
        var refused = 0
        for i in 0..<bytes.count {
            for v: UInt8 in [0x00, 0x02, 0x7f, 0x80, 0xff] where bytes[i] != v {
                var d = bytes
                d[i] = v
                if (try? SpillTests.decode(d)) == nil { refused += 1 }
            }
        }
        #expect(refused > 0)
    }

    // MARK: Sessions

    enum SpillMode: String, CaseIterable, CustomStringConvertible {
        /// Every failure goes through the temporary file (a batch of one byte).
        case file
        /// The file cannot be made (a directory that does not exist): they stay in memory.
        case noDirectory
        /// The file's writes fail (/dev/full): they stay in memory.
        case writesFail
        var description: String { rawValue }
    }

    /// One session over `captures`, as `tlsdiag analyze` runs it; the capture labels are the
    /// relative paths the golden reports use.
    static func session(_ captures: [String], format: ReportFormat, allConnections: Bool = true, mode: SpillMode?,
                        directory: String? = nil, limit: Int? = nil, inspect: ((ReportSession) -> Void)? = nil) throws -> (text: String, warnings: [String], status: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-spill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("out").path
        let sink = try #require(OutputSink.file(outPath))
        var o = ReportOptions()
        o.format = format
        o.allConnections = allConnections
        if let limit { o.pendingFailuresLimit = limit }
        switch mode {
        case .file?: o.spillDirectory = directory ?? dir.path
        case .noDirectory?: o.spillDirectory = dir.appendingPathComponent("missing/deeper").path
        case .writesFail?, nil: break
        }
        let session = ReportSession(options: o, sink: sink)
        if mode != nil { session.spillBatchBytes = 1 }
        if mode == .writesFail {
            let fd = open("/dev/full", O_RDWR)
            #expect(fd >= 0)
            session.spool = FailureSpool(fd: fd, batchBytes: 1)
        }
        for file in captures {
            let label = "Captures/\(file)"
            session.beginCapture(label)
            let summary = CaptureAnalyzer.analyze(path: Repo.capture(file), options: AnalysisOptions()) { c, h in
                session.add(capture: label, facts: c, handshake: h)
            }
            session.endCapture(label, lastPacket: summary.lastTime)
        }
        inspect?(session)
        session.finish()
        sink.close()
        let text = try String(contentsOfFile: outPath, encoding: .utf8)
        return (text, session.warnings, session.totals.failures > 0 ? 2 : 0)
    }

    /// Each capture's report with every waiting failure read back from the file equals its golden
    /// report (Captures/expected, made by `tlsdiag analyze --all-connections --format jsonl`).
    @Test(arguments: SpillTests.captureFiles())
    func fileBackedReportEqualsTheGoldenReport(file: String) throws {
        let golden = try String(contentsOf: Repo.captures.appendingPathComponent("expected/\(file).jsonl"), encoding: .utf8)
        let run = try SpillTests.session([file], format: .jsonl, mode: .file)
        #expect(run.warnings.isEmpty)
        let ours = run.text.split(separator: "\n"), theirs = golden.split(separator: "\n")
        #expect(ours.count == theirs.count, "\(file)")
        for (a, b) in zip(ours, theirs) where a != b {
            Issue.record("\(file): differs from Captures/expected\n ours:   \(a.prefix(300))\n golden: \(b.prefix(300))")
            break
        }
    }

    /// Every capture in one session (so failures of many captures wait together), in each format:
    /// the report is the same whether the failures waited in the file or in memory because the
    /// file could not be made or written; the reason is given as a warning (and, in the text
    /// report, as a note under the header).
    @Test(arguments: ReportFormat.allCases)
    func reportIsTheSameWhereverFailuresWait(format: ReportFormat) throws {
        let files = SpillTests.captureFiles()
        let reference = try SpillTests.session(files, format: format, mode: nil)
        #expect(reference.warnings.isEmpty)
        #expect(reference.status == 2)
        for mode in SpillMode.allCases {
            let run = try SpillTests.session(files, format: format, mode: mode)
            #expect(run.status == reference.status, "\(mode)")
            switch mode {
            case .file:
                #expect(run.warnings.isEmpty)
                #expect(run.text == reference.text, "\(format) \(mode)")
            case .noDirectory, .writesFail:
                #expect(run.warnings.count == 1, "\(mode): \(run.warnings)")
                let w = run.warnings.first ?? ""
                #expect(w.contains(mode == .noDirectory ? "could not create a temporary file" : "could not write the temporary file"), "\(w)")
                #expect(w.contains("kept in memory"))
                if format == .text {
                    // The same report with one more note under the header.
                    var lines = run.text.split(separator: "\n", omittingEmptySubsequences: false)
                    let note = lines.firstIndex { $0.contains("note: ") && $0.contains(w) }
                    #expect(note != nil, "text report without the note")
                    if let note { lines.remove(at: note) }
                    #expect(lines.joined(separator: "\n") == reference.text, "\(mode)")
                } else {
                    #expect(run.text == reference.text, "\(format) \(mode)")
                }
            }
        }
    }

    /// The file is made only when a batch is full, in the directory asked for, and unlinked at once:
    /// while failures wait in it, the directory is empty.
    @Test func spillFileIsAnonymous() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-spill-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var checked = false
        _ = try SpillTests.session(["06-no-common-cipher.pcap", "17-server-reset-after-clienthello.pcap", "47-many-connections-ecdsa-server.pcap"],
                                   format: .jsonl, mode: .file, directory: dir.path) { session in
            guard let spool = session.spool else { return }
            #expect(spool.count >= 3)
            #expect(spool.writes == spool.count)       // a batch of one byte: one write per failure
            #expect(spool.fd >= 0)
            var st = stat()
            #expect(fstat(spool.fd, &st) == 0)
            #expect(st.st_nlink == 0)                    // unlinked
            #expect(Int(st.st_size) == spool.fileBytes)
            #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true)
            checked = true
        }
        #expect(checked)
        // The default batch holds these few failures in memory: no file at all.
        var inMemory = false
        var o = ReportOptions()
        o.format = .jsonl
        o.spillDirectory = dir.appendingPathComponent("missing").path   // would fail if a file were made
        let session = ReportSession(options: o, sink: OutputSink(fd: -1))
        _ = CaptureAnalyzer.analyze(path: Repo.capture("06-no-common-cipher.pcap"), options: AnalysisOptions()) { c, h in
            session.add(capture: "x", facts: c, handshake: h)
        }
        if let spool = session.spool { inMemory = spool.count > 0 && spool.writes == 0 && spool.fd < 0 && spool.note == nil }
        #expect(inMemory)
        session.finish()
        #expect(session.warnings.isEmpty)
    }

    /// `pendingFailuresLimit` still counts the waiting failures: past it they are diagnosed at once.
    @Test func pendingLimitCountsWaitingFailures() throws {
        let files = ["06-no-common-cipher.pcap", "13-unrecognized-name.pcap", "17-server-reset-after-clienthello.pcap", "21-server-closed-after-clienthello.pcap"]
        var waiting = -1
        let limited = try SpillTests.session(files, format: .jsonl, mode: .file, limit: 2) { waiting = $0.spool?.count ?? 0 }
        #expect(waiting == 2)
        let inMemory = try SpillTests.session(files, format: .jsonl, mode: nil, limit: 2)
        #expect(limited.text == inMemory.text)
        // With no room at all, no spool is made.
        var made = true
        _ = try SpillTests.session(files, format: .jsonl, mode: .file, limit: 0) { made = $0.spool != nil }
        #expect(!made)
    }
}
