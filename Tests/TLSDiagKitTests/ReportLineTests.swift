import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
import Diagnosis
@testable import Reports
@testable import TLSDiagKit

// Three shortcuts of the report stage, each held to the long way on every connection of Captures/
// and of the shared corpus: the JSON line written from a connection's parts straight into the
// sink's buffer (`JSONLReport.writeLine`), the ClientHello memos keyed by the identity of the
// hello's shared box (`HelloBoxTable`, `SpillHelloParts`), and the fields those memos rely on
// being in the shared part.


private func allFiles() -> [String] {
    SpillTests.captureFiles().map { Repo.capture($0) } + SpillTests.corpusFiles().map { Repo.corpus.appendingPathComponent($0).path }
}

/// The lines `writeLine` puts into a sink (with a small buffer, so that it flushes between lines
/// and grows for long ones) are the lines `line(_:)` makes, each with its newline.
@Test func linesWrittenIntoTheSinkAreTheReportsLines() throws {
    let files = allFiles()
    #expect(files.count > 150, "the shared corpus is missing at \(Repo.corpus.path)")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-writeline-\(getpid()).jsonl").path
    defer { unlink(path) }
    var expected: [UInt8] = []
    var lines = 0
    for bufferSize in [1, 700, 1 << 16] {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        let sink = OutputSink(fd: fd, bufferSize: bufferSize)
        expected = []
        lines = 0
        for file in files {
            for r in try analyzeReports(of: file) {
                JSONLReport.writeLine(capture: r.capture, facts: r.facts, handshake: r.handshake, diagnosis: r.diagnosis, to: sink)
                expected += Array(JSONLReport.line(r, shapes: false).utf8)
                expected.append(0x0a)
                // Interleaved with the sink's other writes.
                if lines % 50 == 0 {
                    sink.line("-- \(lines)")
                    expected += Array("-- \(lines)\n".utf8)
                }
                lines += 1
            }
        }
        sink.close()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written.count == expected.count, "buffer \(bufferSize)")
        if let i = (0..<min(written.count, expected.count)).first(where: { written[$0] != expected[$0] }) ?? (written.count == expected.count ? nil : min(written.count, expected.count)) {
            let from = max(0, i - 200)
            Issue.record("buffer \(bufferSize): first difference at byte \(i): written …\(String(decoding: written[from..<min(written.count, i + 100)], as: UTF8.self)) expected …\(String(decoding: expected[from..<min(expected.count, i + 100)], as: UTF8.self))")
        }
    }
    #expect(lines > 500)
}

/// A session writing JSON Lines from the connections' parts writes what the reports it hands out
/// give, line by line (successes as they end, failures at the end).
@Test(arguments: ["02-ok-tls12-ecdhe-rsa.pcap", "06-no-common-cipher.pcap", "18-rdp-server-reset.pcap"])
func aSessionsLinesAreItsReportsLines(_ name: String) throws {
    let file = Repo.capture(name)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-session-\(getpid())-\(name).jsonl").path
    defer { unlink(path) }
    let sink = try #require(OutputSink.file(path))
    var options = ReportOptions()
    options.format = .jsonl
    options.allConnections = true
    let session = ReportSession(options: options, sink: sink)
    var out: [ConnectionReport] = []
    session.onReport = { out.append($0) }
    session.beginCapture(file)
    let summary = CaptureAnalyzer.analyze(path: file, options: AnalysisOptions()) { c, h in session.add(capture: file, facts: c, handshake: h) }
    session.endCapture(file, lastPacket: summary.lastTime)
    session.finish()
    sink.close()
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(!out.isEmpty)
    #expect(written == out.map { JSONLReport.line($0, shapes: false) + "\n" }.joined())
    #expect(session.totals.reported == out.count)
}

/// Every field the JSON hello memo and the spill's common part take from a hello's shared box is
/// in that box: changing it gives the hello a box of its own (while the old one is held), and a
/// change to a field of the connection's own keeps the box.
@Test func theHelloMemosKeyOnlyOnSharedFields() throws {
    let r = try #require(try analyzeReports(of: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")).first { $0.handshake.clientHello != nil })
    let base = try #require(r.handshake.clientHello)
    let changes: [(inout ClientHelloInfo) -> Void] = [
        { $0.legacyVersion ^= 1 }, { $0.maxVersion ^= 1 }, { $0.sslv2Format.toggle() },
        { $0.supportedVersions.append(0x7f1c) }, { $0.cipherSuites.append(0x00ff) }, { $0.compressionMethods.append(1) },
        { $0.extensions.append(0x0017) }, { $0.alpn.append("h2") }, { $0.supportedGroups.append(0x001d) },
        { $0.keyShares.append(.init(group: 0x001d, keyLength: 32)) }, { $0.signatureAlgorithms.append(0x0804) },
        { $0.signatureAlgorithmsCert.append(0x0804) }, { $0.ecPointFormats.append(2) }, { $0.pskModes.append(1) },
        { $0.ja3 = "x" }, { $0.ja3Hash = "y" }, { $0.ja4 = "z" }, { $0.ja4r = "w" },
    ]
    for (i, change) in changes.enumerated() {
        var ch = base
        change(&ch)
        #expect(ObjectIdentifier(ch.sharedIdentity) != ObjectIdentifier(base.sharedIdentity), "shared change \(i)")
    }
    let own: [(inout ClientHelloInfo) -> Void] = [
        { $0.recordVersion ^= 1 }, { $0.sni = "other.example" }, { $0.size += 1 }, { $0.tcpSegments += 1 }, { $0.records += 1 },
        { $0.sessionID = [1, 2, 3] }, { $0.sessionIDLength = 3 }, { $0.pskIdentities = 2 }, { $0.hasEarlyData.toggle() }, { $0.echOuter.toggle() },
    ]
    for (i, change) in own.enumerated() {
        var ch = base
        change(&ch)
        #expect(ObjectIdentifier(ch.sharedIdentity) == ObjectIdentifier(base.sharedIdentity), "own change \(i)")
    }
}

/// The spill's copies of encoded ClientHello common parts give the bytes encoding gives, on
/// every connection (each written twice, so the second copies), and are used.
@Test func spillHelloPartsWriteTheSameBytes() throws {
    let files = allFiles()
    #expect(files.count > 150, "the shared corpus is missing at \(Repo.corpus.path)")
    var w = SpillWriter(capacity: 64)
    w.helloParts = SpillHelloParts()
    var connections = 0
    for file in files {
        for (c, h) in SpillTests.connections(file) {
            let plain = SpillTests.encode(c, h)
            for round in 0..<2 {
                w.removeAll()
                SpillCodec.write(c, &w)
                SpillCodec.write(h, &w)
                #expect(Array(w.bytes) == plain, "\(file) round \(round)")
            }
            connections += 1
        }
    }
    #expect(connections > 500)
    #expect((w.helloParts?.hits ?? 0) > connections / 2)
}

/// A hello changed after its box's part was kept (so it has a box of its own) is encoded as it is.
@Test func aChangedHelloIsNotCopiedFromTheKeptPart() throws {
    let r = try #require(try analyzeReports(of: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")).first { $0.handshake.clientHello != nil })
    var w = SpillWriter(capacity: 64)
    w.helloParts = SpillHelloParts()
    SpillCodec.write(r.handshake, &w)
    var h = r.handshake
    h.clientHello?.cipherSuites.append(0x1301)
    h.clientHello?.ja4 = "changed"
    w.removeAll()
    SpillCodec.write(h, &w)
    var changedPlain = SpillWriter(capacity: 64)
    SpillCodec.write(h, &changedPlain)
    #expect(Array(w.bytes) == Array(changedPlain.bytes))
    let (_, back) = try SpillTests.decode(SpillTests.encode(r.facts, h))
    #expect(back.clientHello?.ja4 == "changed")
    // And the original again: copied, and what encoding gives.
    w.removeAll()
    SpillCodec.write(r.handshake, &w)
    var plain = SpillWriter(capacity: 64)
    SpillCodec.write(r.handshake, &plain)
    #expect(Array(w.bytes) == Array(plain.bytes))
    // The table has one box a slot: the original's part is copied unless the changed hello's box
    // took its slot (about one run in 64, by where the allocator put the new box).
    let original = try #require(r.handshake.clientHello?.sharedIdentity)
    let changed = try #require(h.clientHello?.sharedIdentity)
    #expect(ObjectIdentifier(original) != ObjectIdentifier(changed))
    if SpillHelloParts.slot(of: original) != SpillHelloParts.slot(of: changed) {
        #expect((w.helloParts?.hits ?? 0) >= 1)
    } else {
        #expect((w.helloParts?.hits ?? 0) == 0)
    }
}
