import Foundation
import Testing
@testable import Reports
import TLSDiagKit
import Diagnosis
import Handshake
import FlowTrack
import NetCore

// The JSON line remembers the text of whole ClientHellos (by their shared part), certificate
// chains (by their array's identity) and the capture name (`ShapeMemo`). These tests hold every
// line written with the memo to the line written without it: on every connection of Captures/
// and of the shared corpus, and on reports made to trip a memo that keys on too little.


/// Every report of `files`, each written three times with the memo (the first sight of a shape is
/// not stored, the second is, the third hits) and once without.
private func compareWithAndWithoutMemo(_ files: [String]) throws -> (lines: Int, helloHits: Int, chainHits: Int) {
    let w = MemoLineWriter()
    var lines = 0
    for path in files {
        for r in try analyzeReports(of: path) {
            let plain = JSONLReport.line(r, shapes: false)
            for round in 0..<3 {
                let memo = w.line(r)
                #expect(memo == plain, "\(path) round \(round)")
                if memo != plain { return (lines, 0, 0) }
            }
            // And as the CLI writes it (a pooled context, appended to a buffer).
            var bytes: [UInt8] = []
            JSONLReport.write(r, into: &bytes)
            #expect(bytes == Array(plain.utf8), "\(path)")
            lines += 1
        }
    }
    return (lines, w.context.shapes.hellos.hits, w.context.shapes.chains.hits)
}

@Test func everyCaptureWritesTheSameLinesWithTheMemo() throws {
    let files = SpillTests.captureFiles().map { Repo.capture($0) }
    #expect(files.count >= 50)
    let r = try compareWithAndWithoutMemo(files)
    #expect(r.lines >= files.count)
    #expect(r.helloHits > r.lines / 2, "the hello memo was used: \(r.helloHits) hits of \(r.lines) lines")
    #expect(r.chainHits > 0, "the chain memo was used")
}

@Test func everyCorpusCaptureWritesTheSameLinesWithTheMemo() throws {
    let files = SpillTests.corpusFiles().map { Repo.corpus.appendingPathComponent($0).path }
    #expect(files.count >= 100, "the shared corpus is missing at \(Repo.corpus.path)")
    let r = try compareWithAndWithoutMemo(files)
    #expect(r.lines > 100)
    #expect(r.helloHits > 0)
    #expect(r.chainHits > 0)
}

/// One completed connection of a real capture, to vary.
private func sampleReport() throws -> ConnectionReport {
    let reports = try analyzeReports(of: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
    return try #require(reports.first { $0.handshake.clientHello != nil && !$0.handshake.certificates.isEmpty })
}

/// The hello's own fields (packet, record version, server name, size, segments, records) change
/// from line to line while its shape stays: each line must have its own, never the remembered
/// line's; and a change to any shared field must miss.
@Test func aHelloShapeKeepsEachConnectionsOwnFields() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    let snis: [String?] = [nil, "a", "example.com", "quote\"back\\slash", "\u{1}ctl", "日本.example", String(repeating: "x", count: 300)]
    for i in 0..<40 {
        var r = base
        var ch = try #require(r.handshake.clientHello)
        ch.sni = snis[i % snis.count]
        ch.size = i * 37
        ch.tcpSegments = i % 3 + 1
        ch.records = i % 2 + 1
        ch.recordVersion = i % 2 == 0 ? 0x0301 : 0x0303
        r.handshake.clientHello = ch
        r.handshake.clientHelloPacket = PacketStamp(number: UInt64(i) * 1_000_003, time: Timestamp(seconds: 1_700_000_000, nanoseconds: 0))
        #expect(w.line(r) == JSONLReport.line(r, shapes: false), "line \(i)")
    }
    #expect(w.context.shapes.hellos.hits > 30)
    // Each shared field changed in turn: a different hello, written as such.
    let changes: [(inout ClientHelloInfo) -> Void] = [
        { $0.legacyVersion ^= 1 }, { $0.maxVersion ^= 1 }, { $0.sslv2Format.toggle() },
        { $0.supportedVersions.append(0x7f1c) }, { $0.cipherSuites.append(0x00ff) }, { $0.alpn.append("h2") },
        { $0.supportedGroups.append(0x001d) }, { $0.keyShares.append(.init(group: 0x001d, keyLength: 32)) },
        { if !$0.keyShares.isEmpty { $0.keyShares[0].keyLength += 1 } else { $0.keyShares = [.init(group: 23, keyLength: 65)] } },
        { $0.signatureAlgorithms.append(0x0804) }, { $0.extensions.append(0x0017) },
        { $0.ja3Hash = ($0.ja3Hash ?? "") + "0" }, { $0.ja3 = ($0.ja3 ?? "") + ",1" }, { $0.ja4 = nil }, { $0.ja4r = "t13" },
    ]
    for (i, change) in changes.enumerated() {
        for _ in 0..<3 {
            var r = base
            var ch = try #require(r.handshake.clientHello)
            change(&ch)
            r.handshake.clientHello = ch
            #expect(w.line(r) == JSONLReport.line(r, shapes: false), "change \(i)")
            #expect(w.line(base) == JSONLReport.line(base, shapes: false), "base after change \(i)")
        }
    }
}

/// A chain is remembered by its array's storage: a changed copy of a remembered chain (the array
/// copied on write) and an equal chain in other storage are written as they are.
@Test func aCertificateChainIsRememberedByItsStorageOnly() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for _ in 0..<3 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    #expect(w.context.shapes.chains.hits >= 1)
    var changed = base
    changed.handshake.certificates[0].subject = "CN=changed \"in place\""
    changed.handshake.certificates[0].sha256 = "00"
    for _ in 0..<3 {
        let line = w.line(changed)
        #expect(line == JSONLReport.line(changed, shapes: false))
        #expect(line.contains(#"CN=changed \"in place\""#))
    }
    var copied = base
    copied.handshake.certificates = base.handshake.certificates.map { $0 }  // equal content, new storage
    copied.handshake.certificates.reserveCapacity(10)
    for _ in 0..<3 { #expect(w.line(copied) == JSONLReport.line(copied, shapes: false)) }
    var none = base
    none.handshake.certificates = []
    #expect(w.line(none) == JSONLReport.line(none, shapes: false))
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
}

/// The capture name is kept from the line before: a line of another capture has its own.
@Test func theCaptureNameChangesWithTheCapture() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for name in ["a.pcap", "a.pcap", "b \"quoted\".pcap", "b \"quoted\".pcap", "", String(repeating: "dir/", count: 50) + "x.pcap", "a.pcap"] {
        var r = base
        r.capture = name
        let line = w.line(r)
        #expect(line == JSONLReport.line(r, shapes: false))
        #expect(line.hasPrefix(#"{"capture":""# + name.replacingOccurrences(of: "\"", with: "\\\"") + "\""))
    }
}

/// Shapes seen once are not stored (a client that shuffles its extensions costs no allocation),
/// and remembered entries that are used are not pushed out by them.
@Test func shapesSeenOnceAreNotStored() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for _ in 0..<3 { _ = w.line(base) }
    let hits = w.context.shapes.hellos.hits
    #expect(hits >= 1)
    for i in 0..<500 {
        var r = base
        var ch = try #require(r.handshake.clientHello)
        ch.extensions = [UInt16(truncatingIfNeeded: i), UInt16(truncatingIfNeeded: i &* 7), 0, 10, UInt16(truncatingIfNeeded: i &* 13)]
        r.handshake.clientHello = ch
        #expect(w.line(r) == JSONLReport.line(r, shapes: false))
        #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    }
    #expect(w.context.shapes.hellos.hits == hits + 500, "the recurring shape hit every time")
}
