import Foundation
import Testing
@testable import Reports
@testable import Diagnosis
import Handshake
import FlowTrack
import NetCore
import Preambles

// The memos of a line's parts by their values (`TrafficMemo`, `AddressMemo`, `VerdictTextMemo`) and
// the whole texts kept with a hello's and a ServerHello's shape (`HelloEntry.whole`,
// `ServerHelloEntry.whole`, the link between them): each line written with them must be the line
// written without any memo, whatever changed from the line before, and the memos must be used
// when nothing did.

/// A completed TLS 1.2 connection with a certificate chain and a key exchange.
private func sampleReport() throws -> ConnectionReport {
    let reports = try analyzeReports(of: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
    return try #require(reports.first {
        $0.handshake.clientHello != nil && $0.handshake.serverHello != nil && !$0.handshake.certificates.isEmpty
            && $0.handshake.keyExchange != nil
    })
}

/// Each variant written three times in a row (the memos of values store on the second and hit on
/// the third; so do the whole texts of a remembered shape), then the base again; every line against
/// the line without memos.
private func expectSameLines(_ w: MemoLineWriter, _ base: ConnectionReport, _ variants: [ConnectionReport], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    for (i, r) in variants.enumerated() {
        let plain = JSONLReport.line(r, shapes: false)
        for round in 0..<3 {
            #expect(w.line(r) == plain, "\(what) \(i), round \(round)", sourceLocation: sourceLocation)
        }
        #expect(w.line(base) == JSONLReport.line(base, shapes: false), "\(what): the base after \(i)", sourceLocation: sourceLocation)
    }
}

@Test func aHelloKeepsItsWholeTextOnlyForItsOwnValues() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    // The shape is stored on the second line; its whole text on the fourth (the second line with
    // these own values after the shape was stored); the fifth copies it.
    for _ in 0..<4 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    let before = w.shapes.helloWholes
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    #expect(w.shapes.helloWholes == before + 1, "the fifth line of one hello copied its whole text")
    // Own values each changed in turn, server names of one length but other bytes included.
    let changes: [(inout ClientHelloInfo) -> Void] = [
        { $0.sni = nil }, { $0.sni = "" }, { $0.sni = "aaaa" }, { $0.sni = "aaab" }, { $0.sni = "quote\"d" },
        { $0.sni = String(repeating: "long.", count: 40) }, { $0.size += 1 }, { $0.tcpSegments += 1 }, { $0.records += 1 },
        { $0.recordVersion ^= 0x0002 },
    ]
    let variants = try changes.map { change -> ConnectionReport in
        var r = base
        var ch = try #require(r.handshake.clientHello)
        change(&ch)
        r.handshake.clientHello = ch
        return r
    }
    let wholes = w.shapes.helloWholes
    expectSameLines(w, base, variants, "own value")
    #expect(w.shapes.helloWholes >= wholes + variants.count, "each variant's third line copied its whole text")
    // The packet is written on every line, whole text or not.
    var moved = base
    moved.handshake.clientHelloPacket = PacketStamp(number: 987_654_321, time: base.facts.first.time)
    for _ in 0..<3 {
        let line = w.line(moved)
        #expect(line == JSONLReport.line(moved, shapes: false))
        #expect(line.contains(#""client_hello":{"packet":987654321,"#))
    }
}

@Test func aServerHelloKeepsItsFollowingTextOnlyForItsChainKeyExchangeAndResumption() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for _ in 0..<4 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    let before = w.shapes.serverWholes
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    #expect(w.shapes.serverWholes == before + 1, "the fifth line of one ServerHello copied its following text")
    let changes: [(inout HandshakeFacts) -> Void] = [
        { $0.certificates = [] },
        { $0.certificates[0].subject = "CN=changed" },  // copied on write: other storage
        { $0.certificates = $0.certificates.map { $0 } },  // equal, in other storage
        { let first = $0.certificates[0]; $0.certificates.append(first) },
        { $0.keyExchange = nil },
        { $0.keyExchange?.group = 0x0017 },
        { $0.keyExchange?.group = nil },
        { $0.keyExchange?.kind = "DHE" },
        { $0.keyExchange?.kind = String(repeating: "a long kind ", count: 3) },
        { $0.keyExchange?.dhPrimeBits = 2048 },
        { let n = $0.keyExchange?.publicKeyLength ?? 0; $0.keyExchange?.publicKeyLength = n + 1 },
        { $0.keyExchange?.publicKeyLength = nil },
        { $0.certificateRequested.toggle() },
        { $0.clientCertificates = [] },
        { let chain = $0.certificates; $0.clientCertificates = chain },
        { $0.resumed.toggle() },
        { $0.serverHello?.keyShareGroup = 0x001d },  // another ServerHello shape
        { $0.serverHello?.alpn = "h2" },
        { $0.serverHelloPacket = PacketStamp(number: 123_456_789, time: Timestamp(seconds: 1, nanoseconds: 0)) },
    ]
    let variants = changes.map { change -> ConnectionReport in
        var r = base
        change(&r.handshake)
        return r
    }
    let wholes = w.shapes.serverWholes
    expectSameLines(w, base, variants, "server change")
    #expect(w.shapes.serverWholes >= wholes + variants.count - 2, "each variant's third line copied its following text")
}

@Test func countsAreRememberedByEveryCount() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for _ in 0..<3 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    let hits = w.shapes.traffic.hits
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    #expect(w.shapes.traffic.hits == hits + 1)
    let changes: [(inout ConnectionFacts) -> Void] = [
        { $0.clientSide.packets += 1 }, { $0.serverSide.packets += 1 },
        { $0.clientSide.payloadBytes += 1 }, { $0.serverSide.payloadBytes += 1_000_000_007 },
        { $0.clientSide.streamBytes += 1 }, { $0.serverSide.streamBytes += 1 },
        { $0.clientSide.retransmittedSegments += 1 }, { $0.serverSide.retransmittedSegments += 1 },
        { $0.clientSide.conflictingOverlaps += 1 }, { $0.serverSide.conflictingOverlaps += 1 },
        { $0.clientSide.truncatedSegments += 1 }, { $0.serverSide.truncatedSegments += 1 },
        { $0.clientSide.retransmittedSegments = 1 << 21 }, { $0.serverSide.truncatedSegments = UInt64.max },
        { $0.clientSide.firstSyn = nil }, { $0.established.toggle() }, { $0.refused.toggle() },
        { $0.endReason = .idleTimeout }, { $0.endReason = nil },
        { $0.clientSide.gaps = [Gap(offset: 10, length: 20)] }, { $0.serverSide.gaps = [Gap(offset: 0, length: 1)] },
        { $0.clientSide.packets = UInt64.max; $0.serverSide.payloadBytes = UInt64.max },
    ]
    let variants = changes.map { change -> ConnectionReport in
        var r = base
        change(&r.facts)
        return r
    }
    expectSameLines(w, base, variants, "count change")
}

@Test func serverAddressesAreRememberedByAddress() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    let addresses: [IPAddress] = [
        IPAddress(v4: 0x0A00_0001), IPAddress(v4: 0xC0A8_0101), IPAddress(v4: 0), IPAddress(v4: 0xFFFF_FFFF),
        IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 1), IPAddress(v6High: 0, v6Low: 1), IPAddress(v6High: 0, v6Low: 0x0A00_0001),
        IPAddress(v6High: 0xfe80_0000_0000_0000, v6Low: 0x0211_22ff_fe33_4455),
        IPAddress(v6High: 0x2001_0db8_1234_5678, v6Low: 0x9abc_def0_1234_5678),
    ]
    var variants: [ConnectionReport] = []
    for a in addresses {
        for port: UInt16 in [443, 0, 65535] {
            var r = base
            r.facts.server = Endpoint(address: a, port: port)
            variants.append(r)
        }
    }
    expectSameLines(w, base, variants, "server address")
    #expect(w.shapes.addresses.hits > variants.count)
}

@Test func verdictHeadsAndTailsFollowTheirTexts() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    for _ in 0..<3 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    let heads = w.shapes.verdictHeads.hits, tails = w.shapes.verdictTails.hits
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    #expect(w.shapes.verdictHeads.hits == heads + 1)
    #expect(w.shapes.verdictTails.hits == tails + 1)
    let changes: [(inout Diagnosis) -> Void] = [
        { $0.outcome = .failure }, { $0.category = .serverReset }, { $0.blame = .server }, { $0.blame = nil },
        { $0.summary = "other \"summary\"" }, { $0.summary = $0.summary + "" }, { $0.summary = String(repeating: "s", count: 600) },
        { $0.inference = nil }, { $0.inference = "an inference" }, { $0.inference = String(repeating: "i", count: 700) },
        { $0.hints = ["a hint"] }, { $0.hints = ["one", "two \"quoted\""] },
        { $0.evidence = [] }, { $0.evidence.removeLast() },
    ]
    let variants = changes.map { change -> ConnectionReport in
        var r = base
        change(&r.diagnosis)
        return r
    }
    expectSameLines(w, base, variants, "verdict change")
}

/// A failure's tail, with hints and no inference, is remembered by the identity of its hint list:
/// a list of the same identity must hit, and any other list (changed in place after it was
/// remembered, equal but made apart, longer than the memo keeps), an inference or no evidence must
/// give the line written without memos.
@Test func hintedTailsFollowTheirHintLists() throws {
    var base = try sampleReport()
    base.diagnosis.outcome = .failure
    base.diagnosis.category = .serverReset
    base.diagnosis.inference = nil
    base.diagnosis.hints = ["The server reset the connection.", "Check its \"log\"."]
    let w = MemoLineWriter()
    for _ in 0..<3 { #expect(w.line(base) == JSONLReport.line(base, shapes: false)) }
    let hits = w.shapes.hintedTails.hits
    #expect(w.line(base) == JSONLReport.line(base, shapes: false))
    #expect(w.shapes.hintedTails.hits == hits + 1, "the same list's tail is copied")
    var changedInPlace = base
    changedInPlace.diagnosis.hints[1] = "Check something else."
    var appended = base
    appended.diagnosis.hints.append("A third hint.")
    var equalApart = base
    equalApart.diagnosis.hints = base.diagnosis.hints.map { String($0.utf8.map { Character(UnicodeScalar($0)) }) }
    var long = base
    long.diagnosis.hints = [String(repeating: "h", count: 1_200)]
    var inferred = base
    inferred.diagnosis.inference = "an inference"
    var noEvidence = base
    noEvidence.diagnosis.evidence = []
    expectSameLines(w, base, [changedInPlace, appended, equalApart, long, inferred, noEvidence], "hint list change")
}

/// An evidence item of the packet and time of the one before copies that one's numbers: each item
/// must still have its own packet, time and milliseconds, read back from the line.
@Test func evidenceItemsKeepTheirOwnNumbers() throws {
    let base = try sampleReport()
    let start = base.facts.first.time
    func at(_ ns: Int64) -> Timestamp { Timestamp(seconds: start.seconds + (Int64(start.nanoseconds) + ns) / 1_000_000_000,
                                                  nanoseconds: UInt32((Int64(start.nanoseconds) + ns) % 1_000_000_000)) }
    let items: [(UInt64, Int64)] = [(7, 1_000), (7, 1_000), (7, 2_000), (8, 2_000), (8, 2_000), (8, 2_000), (123_456, 3_500_000_000), (123_456, 3_500_000_000)]
    var r = base
    r.diagnosis.evidence = items.enumerated().map { i, item in Evidence(packet: item.0, time: at(item.1), text: "item \(i)") }
    let w = MemoLineWriter()
    for memo in [false, true, true, true] {
        let line = memo ? w.line(r) : JSONLReport.line(r, shapes: false)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let diagnosis = try #require(json["diagnosis"] as? [String: Any])
        let evidence = try #require(diagnosis["evidence"] as? [[String: Any]])
        #expect(evidence.count == items.count)
        for (i, e) in evidence.enumerated() where i < items.count {
            #expect((e["packet"] as? NSNumber)?.uint64Value == items[i].0, "item \(i)")
            #expect((e["ms"] as? NSNumber)?.doubleValue == Double(items[i].1) / 1_000_000, "item \(i)")
            #expect(e["time"] as? String == CivilTime.iso8601(at(items[i].1), fraction: true), "item \(i)")
            #expect(e["text"] as? String == "item \(i)")
        }
    }
}

/// A hello shape links the ServerHello entry that answered it: another ServerHello after the same
/// hello is written as itself, and the link follows it.
@Test func aHellosServerLinkIsCheckedEveryTime() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    var other = base
    other.handshake.serverHello?.cipherSuite ^= 0x0001
    other.handshake.serverHello?.size += 1
    for i in 0..<12 {
        let r = i % 3 == 2 ? other : base
        #expect(w.line(r) == JSONLReport.line(r, shapes: false), "line \(i)")
    }
    #expect(w.shapes.serverHellos.hits >= 6)
}

/// A completed handshake's verdict remembered between its numbers (`CompletedTextMemo`): every line
/// must be the line of the verdict made whole (`CompletedVerdict.diagnosis`) written without memos,
/// whatever its packets and times (items of one packet and time included), and a change of its
/// texts, citations, summary or TLS 1.3 flag must not reuse what was remembered for another.
@Test func completedVerdictsKeepTheirTextsBetweenTheirNumbers() throws {
    let base = try sampleReport()
    var scratch = EvidenceScratch()
    #expect(Diagnoser.completedVerdict(base.facts, base.handshake, reusing: &scratch))
    let v = scratch.completed
    #expect(v.count == 5)
    let w = MemoLineWriter()
    func expectSame(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var r = base
        r.diagnosis = v.diagnosis
        let plain = JSONLReport.line(r, shapes: false)
        for round in 0..<3 {
            #expect(w.line(base, completed: v) == plain, "\(what), round \(round)", sourceLocation: sourceLocation)
        }
    }
    expectSame("as made")
    let hits = w.shapes.completedTexts.hits
    expectSame("again")
    #expect(w.shapes.completedTexts.hits == hits + 3, "a verdict of a remembered key copies its texts")
    let start = base.facts.first.time
    func at(_ ns: Int64) -> Timestamp {
        let total = Int64(start.nanoseconds) + ns
        return Timestamp(seconds: start.seconds + total / 1_000_000_000, nanoseconds: UInt32(total % 1_000_000_000))
    }
    // Packets and times: each its own, all one, pairs alike, across seconds, large numbers.
    let stampSets: [[(UInt64, Int64)]] = [
        [(1, 0), (2, 1_000), (3, 2_000), (4, 3_000), (5, 4_000)],
        [(7, 5), (7, 5), (7, 5), (7, 5), (7, 5)],
        [(7, 5), (7, 5), (8, 5), (8, 5), (8, 6)],
        [(9, 999_999_000), (10, 1_000_000_000), (10, 1_000_000_000), (11, 2_500_000_001), (12, 86_400_000_000_000)],
        [(UInt64.max - 1, 1), (UInt64.max, 2), (UInt64.max, 2), (UInt64.max, 3), (UInt64.max, 3)],
    ]
    for (k, set) in stampSets.enumerated() {
        for (i, (packet, ns)) in set.enumerated() { v.stampStorage[i] = PacketStamp(number: packet, time: at(ns)) }
        expectSame("stamps \(k)")
    }
    // Citations reordered or out of the texts' range, fewer packets cited, TLS 1.3's inference.
    let citationSets: [[UInt8]] = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [0, 0, 0, 0, 0], [0, 1, 2, 200, 5], [6, 5, 4, 3, 2]]
    for (k, set) in citationSets.enumerated() {
        for (i, c) in set.enumerated() { v.citationStorage[i] = c }
        expectSame("citations \(k)")
    }
    v.citedCount = 3
    expectSame("three cited")
    v.isTLS13 = true
    expectSame("TLS 1.3")
    // Other texts of the same count (a new array), then the same texts in another array; another
    // summary of other text, then of the same text.
    let texts = v.citationTexts
    v.citationTexts = texts.map { "other \"" + $0 + "\"\n" }
    expectSame("other texts")
    v.citationTexts = texts.map { $0 + "" }
    expectSame("the same texts in another array")
    v.citationTexts = Array(repeating: String(repeating: "long text ", count: 30), count: texts.count)
    expectSame("texts longer than the memo keeps")
    v.citationTexts = texts
    v.summaryText = "another summary"
    expectSame("another summary")
    v.summaryText = String(repeating: "a summary ", count: 3)
    expectSame("a summary of its own storage")
    v.citedCount = 5
    v.isTLS13 = false
    expectSame("back to five")
}

/// A hello whose extensions come in another order than every remembered shape's is written from
/// the pieces of its shape but for the order (`LooseHelloEntry`): every line must be the line
/// written without memos, with its own extensions, JA3, server name and own values; a hello that
/// differs in anything else the pieces hold must not take them.
@Test func shuffledExtensionsTakeTheirShapesPiecesOnlyForTheirOwnValues() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    let exts = try #require(base.handshake.clientHello?.extensions)
    #expect(exts.count >= 4)
    var rng = SplitMix(state: 9)
    func shuffled(_ i: Int, _ change: (inout ClientHelloInfo) -> Void = { _ in }) throws -> ConnectionReport {
        var r = base
        var ch = try #require(r.handshake.clientHello)
        ch.extensions = exts.shuffled(using: &rng)
        ch.ja3 = "771,\(i),\(ch.extensions.map(String.init).joined(separator: "-")),29-23,0"
        ch.ja3Hash = String(repeating: "\(i % 10)", count: 32)
        change(&ch)
        r.handshake.clientHello = ch
        return r
    }
    for i in 0..<40 {
        let r = try shuffled(i)
        #expect(w.line(r) == JSONLReport.line(r, shapes: false), "shuffle \(i)")
    }
    #expect(w.shapes.looseHellos.hits >= 30, "shuffled hellos of one shape took its pieces")
    // Each value the pieces hold changed in turn (and the hello's own values, which they leave out).
    let changes: [(inout ClientHelloInfo) -> Void] = [
        { $0.alpn = ["h2"] }, { $0.alpn = ["http/1.1", "h2"] }, { $0.ja4 = ($0.ja4 ?? "") + "x" }, { $0.ja4r = nil },
        { $0.signatureAlgorithms = [0x0403] }, { $0.supportedVersions = [0x0304] }, { $0.sslv2Format.toggle() },
        { $0.keyShares = [ClientHelloInfo.KeyShare(group: 29, keyLength: 32)] }, { $0.legacyVersion = 0x0301 }, { $0.maxVersion = 0x0301 },
        { $0.cipherSuites.append(0x1301) }, { $0.supportedGroups = [23] }, { $0.sni = nil }, { $0.sni = "other \"name\"" },
        { $0.size += 3 }, { $0.tcpSegments += 1 }, { $0.records += 1 }, { $0.recordVersion = 0x0303 }, { $0.extensions.removeLast() },
        { $0.ja3 = nil }, { $0.ja3Hash = nil },
    ]
    for (k, change) in changes.enumerated() {
        for round in 0..<4 {
            let r = try shuffled(100 + k * 4 + round, change)
            #expect(w.line(r) == JSONLReport.line(r, shapes: false), "change \(k), round \(round)")
        }
        let r = try shuffled(1000 + k)
        #expect(w.line(r) == JSONLReport.line(r, shapes: false), "the base shape after change \(k)")
    }
}

/// RDP's protocol flags are written from the text of the last flags of their kind when they are
/// the same: every line must be the line without memos, whatever the flags (none, zero, each,
/// several, unknown bits) and in whichever order they change.
@Test func rdpProtocolFlagsAreWrittenAsTheirNames() throws {
    let base = try sampleReport()
    let w = MemoLineWriter()
    let values: [UInt32?] = [nil, 0, 1, 2, 3, 8, 0x0B, 0x8000_0000, 0xFFFF_FFFF, 1, 1, nil, 3, 3]
    for (i, requested) in values.enumerated() {
        for selected in [values[(i &+ 3) % values.count], requested] {
            var r = base
            var p = PreambleInfo(kind: .rdp)
            var rdp = RDPNegotiation()
            rdp.requestedProtocols = requested
            rdp.selectedProtocol = selected
            rdp.cookie = "Cookie: mstshash=u\(i)"
            p.rdp = rdp
            r.handshake.preamble = p
            r.handshake.preambleResult = .tls
            #expect(w.line(r) == JSONLReport.line(r, shapes: false), "requested \(String(describing: requested)), selected \(String(describing: selected))")
        }
    }
}
