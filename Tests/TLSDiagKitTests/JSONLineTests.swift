import Foundation
import Testing
@testable import Reports
import TLSDiagKit
import Diagnosis
import Handshake
import FlowTrack
import Preambles
import NetCore

// The JSON Lines report is written as bytes (JSONOut, NameTable, NameListMemo). These tests hold
// every primitive to what the Strings it replaced give (NumberText, CivilTime, Endpoint.description,
// Names, a scalar-by-scalar escaper), and whole lines to the report as the String-building writer
// (JSONWriter) made it before: on the real captures and on made-up reports full of edge cases.

// MARK: - References

/// JSON string escaping scalar by scalar, as RFC 8259 §7 and docs/json-output.md have it: `"` `\`
/// and the control characters (and DEL) escaped, the common ones by letter; everything else as it is.
private func referenceEscape(_ s: String, quoted: Bool = true) -> String {
    var out = quoted ? "\"" : ""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20 || u.value == 0x7f:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return quoted ? out + "\"" : out
}

/// What a JSONOut wrote, as a String.
private func written(_ body: (inout JSONOut) -> Void) -> String {
    var o = JSONOut(capacity: 16)  // small, so that writes also grow the buffer
    body(&o)
    return String(decoding: o.bytes, as: UTF8.self)
}


// MARK: - Strings

@Test func escapingEveryASCIIByteAtEveryPlaceOfEveryLength() {
    // Lengths 1…70 reach every path: 1–3, 4–7 and 8–15 bytes as words, 16 and more as 32- and
    // 16-byte blocks with the last one overlapping, and the slow way from the block with the escape.
    var failures: [String] = []
    for n in 1...70 {
        for pos in Set([0, n / 2, n - 1, max(0, n - 16), min(n - 1, 16), min(n - 1, 31), min(n - 1, 32)]) {
            for b in 0..<128 {
                var scalars = Array(repeating: Unicode.Scalar(UInt8(0x61)), count: n)
                scalars[pos] = Unicode.Scalar(UInt8(b))
                var s = ""
                s.unicodeScalars.append(contentsOf: scalars)
                let got = written { $0.string(s) }
                if got != referenceEscape(s) && failures.count < 5 { failures.append("length \(n), byte \(b) at \(pos): \(got)") }
                let body = written { $0.stringBody(s) }
                if body != referenceEscape(s, quoted: false) && failures.count < 5 { failures.append("body, length \(n), byte \(b) at \(pos)") }
            }
        }
    }
    #expect(failures.isEmpty, "\(failures)")
}

@Test(arguments: [
    "", "\"", "\\", "\"\\\"", "a\"b\\c\nd\re\tf", "\u{0}", "\u{1f}\u{7f}", "\u{8}\u{c}",
    "line separator \u{2028} and paragraph separator \u{2029} stay as they are",
    "é", "naïve café, Größe", "日本語のテキスト", "emoji \u{1F600}\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} flags",
    "CN=\"Evil, Inc.\"\\OU=x\u{0}y", String(repeating: "long plain text ", count: 40),
    String(repeating: "é\"", count: 50), String(repeating: "a", count: 31) + "\u{1}" + String(repeating: "b", count: 40),
])
func escapingQuotesBackslashControlsAndNonASCII(s: String) {
    #expect(written { $0.string(s) } == referenceEscape(s))
    #expect(written { $0.stringBody(s) } == referenceEscape(s, quoted: false))
    #expect(written { $0.string(nil as String?) } == "null")
}

@Test func escapingRandomTextFromAnAlphabetOfTroublemakers() {
    let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1b}", "\u{7f}",
                                      "\u{80}", "é", "\u{2028}", "日", "\u{1F600}", "\u{FEFF}"]
    var rng = SplitMix(state: 1)
    var failures: [String] = []
    for _ in 0..<5000 {
        var s = ""
        for _ in 0..<Int.random(in: 0..<90, using: &rng) {
            s.unicodeScalars.append(Bool.random(using: &rng) ? "x" : alphabet.randomElement(using: &rng)!)
        }
        if written({ $0.string(s) }) != referenceEscape(s) && failures.count < 5 { failures.append(s.debugDescription) }
    }
    #expect(failures.isEmpty, "\(failures)")
}

@Test func stringListsAndNull() {
    #expect(written { $0.strings(nil) } == "null")
    #expect(written { $0.strings([]) } == "[]")
    #expect(written { $0.strings(["h2", "http/1.1", "a\"b"]) } == #"["h2","http/1.1","a\"b"]"#)
}

// MARK: - Numbers

@Test(arguments: [UInt64(0), 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 65536, 999_999, 1_000_000,
                  4_294_967_295, 4_294_967_296, 9_999_999_999_999_999_999, 10_000_000_000_000_000_000, UInt64.max])
func unsignedIntegers(v: UInt64) {
    #expect(written { $0.decimal(v) } == String(v))
    #expect(written { $0.decimal(v == 0 ? nil : v) } == (v == 0 ? "null" : String(v)))
}

@Test(arguments: [Int64.min, Int64.min + 1, -9_223_372_036_854_775_807, -1_000_000, -100, -99, -10, -9, -1, 0, 1, 42, Int64.max])
func signedIntegers(v: Int64) {
    #expect(written { $0.decimal(v) } == String(v))
    #expect(written { $0.decimal(Int(v)) } == String(Int(v)))
}

@Test func everyPowerOfTenAndItsNeighbours() {
    var p: UInt64 = 1
    for _ in 0..<20 {
        for v in [p &- 1, p, p &+ 1] { #expect(written { $0.decimal(v) } == String(v)) }
        p = p &* 10
    }
}

@Test func durationsAsNumberTextWritesThem() {
    // The report's durations: milliseconds with three decimals, trailing zeros trimmed.
    var values: [Double] = [0, -0.0, 0.0004, 0.0005, -0.0005, 0.0015, 0.0025, 1.0005, 2.675, 0.1, 0.3, 1.5, -1.5, 0.269, 1.332,
                            999_999_999.9994, 999_999_999.9996, -999_999_999.9996, 1e9, -1e9, 1e12, 4.35e15, 1e300, -1e-7,
                            .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
    var rng = SplitMix(state: 2)
    for _ in 0..<100_000 {
        let e = Double.random(in: -7...11, using: &rng)
        values.append((Bool.random(using: &rng) ? 1 : -1) * Foundation.pow(10, e))
    }
    for ns in stride(from: Int64(-2_000_000), through: 2_000_000, by: 997) { values.append(Double(ns) / 1_000_000) }
    var failures: [String] = []
    for v in values {
        let expected = v.isFinite ? NumberText.trimmed(v, decimals: 3) : "null"
        let got = written { $0.milliseconds(v) }
        if got != expected && failures.count < 5 { failures.append("\(v): \(got) vs \(expected)") }
    }
    #expect(failures.isEmpty, "\(failures)")
    #expect(written { $0.milliseconds(nil as Double?) } == "null")
}

// MARK: - Times

@Test(arguments: [
    Timestamp(seconds: 0, nanoseconds: 0), Timestamp(seconds: 0, nanoseconds: 999_999_999), Timestamp(seconds: -1, nanoseconds: 999_999),
    Timestamp(seconds: -86_400, nanoseconds: 1_000), Timestamp(seconds: 951_782_400, nanoseconds: 0),   // 2000-02-29
    Timestamp(seconds: -2_203_891_200, nanoseconds: 0),                                               // 1900-03-01
    Timestamp(seconds: 4_107_456_000, nanoseconds: 5),                                                // 2100-02-28
    Timestamp(seconds: 1_795_484_249, nanoseconds: 777_768_000),                                      // 2026-11-24
    Timestamp(seconds: -62_167_219_200, nanoseconds: 0),                                              // 0000-01-01
    Timestamp(seconds: -62_167_219_201, nanoseconds: 0),                                              // year -1
    Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_000),                                    // 9999-12-31T23:59:59
    Timestamp(seconds: 253_402_300_800, nanoseconds: 0),                                              // 10000-01-01
    Timestamp(seconds: 1_000, nanoseconds: 1_000_000_000), Timestamp(seconds: 1_000, nanoseconds: UInt32.max),
    Timestamp(seconds: Int64.max / 2, nanoseconds: 0), Timestamp(seconds: Int64.min / 2, nanoseconds: 0),
])
func timestampsAsCivilTimeWritesThem(t: Timestamp) {
    #expect(written { $0.timestamp(t) } == "\"" + CivilTime.iso8601(t) + "\"")
    #expect(written { $0.timestamp(t, fraction: false) } == "\"" + CivilTime.iso8601(t, fraction: false) + "\"")
}

@Test func timestampsOfOneSecondAndTheNextReuseNothingStale() {
    // The date and time of the last second are kept and reused: every sequence of seconds, with
    // and without fractions, reads as CivilTime writes each.
    var rng = SplitMix(state: 3)
    var o = JSONOut(capacity: 16)
    var expected = ""
    let base: Int64 = 1_795_484_249
    for _ in 0..<20_000 {
        let t = Timestamp(seconds: base + Int64.random(in: -2...2, using: &rng) * (Bool.random(using: &rng) ? 1 : 86_400),
                          nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &rng))
        let fraction = Int.random(in: 0..<4, using: &rng) != 0
        o.timestamp(t, fraction: fraction)
        expected += "\"" + CivilTime.iso8601(t, fraction: fraction) + "\""
    }
    #expect(String(decoding: o.bytes, as: UTF8.self) == expected)
}

// MARK: - Endpoints

@Test func endpointsAsTheirDescription() {
    var endpoints = [Endpoint(address: IPAddress(v4: 0), port: 0), Endpoint(address: IPAddress(v4: .max), port: .max),
                     Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 443), Endpoint(address: IPAddress(v4: 0x0A00_6409), port: 3389)]
    for text in ["::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1", "fe80::1:0:0:0", "1:2:3:4:5:6:7:8",
                 "0:1:0:1:0:1:0:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:10.0.0.1", "1:0:0:2:0:0:0:3"] {
        endpoints.append(Endpoint(address: IPAddress(text)!, port: 8443))
    }
    var rng = SplitMix(state: 4)
    for _ in 0..<5_000 {
        // Groups of 0 often, so that runs of zeros of every length and place occur.
        func group() -> UInt64 { Int.random(in: 0..<3, using: &rng) == 0 ? 0 : UInt64.random(in: 0...0xFFFF, using: &rng) >> UInt64.random(in: 0...15, using: &rng) }
        let high = (0..<4).reduce(UInt64(0)) { a, _ in a << 16 | group() }
        let low = (0..<4).reduce(UInt64(0)) { a, _ in a << 16 | group() }
        endpoints.append(Endpoint(address: IPAddress(v6High: high, v6Low: low), port: UInt16.random(in: 0...UInt16.max, using: &rng)))
        endpoints.append(Endpoint(address: IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)), port: UInt16.random(in: 0...9, using: &rng)))
    }
    var failures: [String] = []
    for e in endpoints where written({ $0.endpoint(e) }) != "\"" + e.description + "\"" && failures.count < 5 {
        failures.append("\(e.description): \(written { $0.endpoint(e) })")
    }
    #expect(failures.isEmpty, "\(failures)")
}

// MARK: - Names

/// Every code point of every registry, from four tasks at once in different orders (the tables
/// fill lazily and without locks): each name is what `Names` gives, quoted and escaped.
@Test func everyCodePointOfEveryRegistryNamedAsNamesNamesIt() async {
    let registries: [(String, NameTable, Int, @Sendable (UInt16) -> String)] = [
        ("version", NameTable.versions, 65536, { Names.version($0) }),
        ("cipher suite", NameTable.cipherSuites, 65536, { Names.cipherSuite($0) }),
        ("group", NameTable.groups, 65536, { Names.group($0) }),
        ("signature scheme", NameTable.signatureSchemes, 65536, { Names.signatureScheme($0) }),
        ("extension", NameTable.extensionTypes, 65536, { Names.extensionType($0) }),
        ("alert", NameTable.alerts, 256, { Names.alert(UInt8($0)) }),
        ("handshake type", NameTable.handshakeTypes, 256, { Names.handshakeType(UInt8($0)) }),
    ]
    for (label, table, count, name) in registries {
        let results = await withTaskGroup(of: [String].self) { group in
            for task in 0..<4 {
                group.addTask {
                    var out: [String] = []
                    for k in 0..<count {
                        // Each task walks the code points from its own starting place, so that
                        // the tasks race to make the same pages and entries.
                        let v = UInt16((k &+ task &* (count / 4 &+ 7)) % count)
                        let got = written { $0.name(v, table) }
                        let body = written { $0.nameBody(v, table) }
                        let expected = referenceEscape(name(v))
                        if (got != expected || body != referenceEscape(name(v), quoted: false)) && out.count < 3 {
                            out.append("\(label) \(v): \(got) vs \(expected)")
                        }
                    }
                    return out
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.isEmpty, "\(results)")
    }
}

@Test(arguments: [UInt16(0x0a0a), 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa])
func greaseCodePointsAreWrittenAsNamesWritesThem(v: UInt16) {
    #expect(written { $0.name(v, NameTable.cipherSuites) } == referenceEscape(Names.cipherSuite(v)))
    #expect(written { $0.name(v, NameTable.extensionTypes) } == referenceEscape(Names.extensionType(v)))
    #expect(written { $0.name(v, NameTable.groups) } == referenceEscape(Names.group(v)))
    #expect(written { $0.name(v, NameTable.versions) } == referenceEscape(Names.version(v)))
    #expect(written { $0.name(nil as UInt16?, NameTable.groups) } == "null")
}

@Test func unknownCodePointsAreLowerCaseHex() {
    #expect(written { $0.name(0xfeed, NameTable.cipherSuites) } == #""0xfeed""#)
    #expect(written { $0.name(0x00ab, NameTable.groups) } == #""0x00ab""#)
    #expect(written { $0.name(0xee, NameTable.alerts) } == #""0xee""#)
    #expect(written { $0.nameBody(0xee, NameTable.handshakeTypes) } == "0xee")
    #expect(written { $0.name(0x1301, NameTable.cipherSuites) } == #""TLS_AES_128_GCM_SHA256""#)
}

/// Name lists remembered whole: the first time, again, with the memo's slots taken by other
/// lists, lists that differ in one code point only, in the middle or at an end, and lists that
/// occur once (which must not push out the ones that recur).
@Test func nameListsRememberedWholeReadAsNameByName() {
    let context = JSONLineContext()
    var rng = SplitMix(state: 5)
    let tables: [(NameTable, (UInt16) -> String)] = [(NameTable.cipherSuites, { Names.cipherSuite($0) }), (NameTable.groups, { Names.group($0) }),
                                                     (NameTable.extensionTypes, { Names.extensionType($0) })]
    var lists: [[UInt16]] = [[], [0x1301], [0x1301, 0x1302], [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0x00ff]]
    for _ in 0..<600 {
        var l = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }
        lists.append(l)
        if !l.isEmpty {
            l[Int.random(in: 0..<l.count, using: &rng)] ^= 1
            lists.append(l)
        }
    }
    var failures: [String] = []
    for round in 0..<3 {
        for (i, values) in lists.enumerated() {
            let (table, name) = tables[i % tables.count]
            var o = JSONOut(context: context)
            o.names(values, table)
            let got = String(decoding: o.bytes, as: UTF8.self)
            o.finish(into: context)
            let expected = "[" + values.map { referenceEscape(name($0)) }.joined(separator: ",") + "]"
            if got != expected && failures.count < 5 { failures.append("round \(round) list \(i): \(got)") }
        }
    }
    #expect(failures.isEmpty, "\(failures)")
}

/// Lists too long to remember (a hostile hello can offer 32,767 suites) are written name by name
/// and not kept, so that a memo stays small whatever the capture.
@Test func longNameListsAreWrittenButNotRemembered() {
    let context = JSONLineContext()
    let known: [UInt16] = [0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
    let lists: [[UInt16]] = [
        Array((0..<129).map { UInt16($0) }),                                  // more code points than kept
        Array((0..<100).map { known[$0 % known.count] }),                     // few enough, but more bytes than kept
        Array((0..<32_767).map { UInt16(truncatingIfNeeded: $0 &* 7919) }),  // the most a hello can carry
    ]
    for values in lists {
        for _ in 0..<2 {
            var o = JSONOut(context: context)
            o.names(values, NameTable.cipherSuites)
            let got = String(decoding: o.bytes, as: UTF8.self)
            o.finish(into: context)
            #expect(got == "[" + values.map { referenceEscape(Names.cipherSuite($0)) }.joined(separator: ",") + "]")
        }
        let remembered = values.withUnsafeBufferPointer { v in
            context.memo.lookup(NameListMemo.hash(v, seed: NameTable.cipherSuites.id), NameTable.cipherSuites.id, v) != nil
        }
        #expect(!remembered, "\(values.count) code points")
    }
    // A list of ordinary length is kept after its second writing in a row (not after its first:
    // lists that never recur cost no allocation).
    let ordinary = Array(known.prefix(8))
    func isKept() -> Bool {
        ordinary.withUnsafeBufferPointer { v in
            context.memo.lookup(NameListMemo.hash(v, seed: NameTable.cipherSuites.id), NameTable.cipherSuites.id, v) != nil
        }
    }
    for round in 0..<2 {
        var o = JSONOut(context: context)
        o.names(ordinary, NameTable.cipherSuites)
        o.finish(into: context)
        #expect(isKept() == (round == 1))
    }
}

@Test func enumRawValuesByTheirTables() {
    let t = ReportTables.shared
    for v in Outcome.allCases { #expect(written { $0.rawValue(v, t.outcomes) } == referenceEscape(v.rawValue)) }
    for v in Category.allCases { #expect(written { $0.rawValue(v, t.categories) } == referenceEscape(v.rawValue)) }
    for v in Blame.allCases { #expect(written { $0.rawValue(v, t.blames) } == referenceEscape(v.rawValue)) }
    for v in PreambleKind.allCases { #expect(written { $0.rawValue(v, t.preambleKinds) } == referenceEscape(v.rawValue)) }
    for v in [RoleSource.syn, .content, .ports] { #expect(written { $0.rawValue(v, t.roleSources) } == referenceEscape(v.rawValue)) }
    for v in [EndReason.closed, .idleTimeout, .evicted, .captureEnd, .portReused] {
        #expect(written { $0.rawValue(v, t.endReasons) } == referenceEscape(v.rawValue))
    }
    #expect(written { $0.rawValue(nil as Blame?, t.blames) } == "null")
}

// MARK: - Whole lines

/// The report line as the String-building writer made it before the byte writer (JSONWriter, the
/// names from `Names`, times from CivilTime, endpoints from their description, the teardown from
/// `describeAsBefore`): an independent reference for every field's bytes.
private func referenceLine(_ r: ConnectionReport) -> String {
    var w = JSONWriter(reserving: 2048)
    let c = r.facts, h = r.handshake, d = r.diagnosis
    w.beginObject()
    w.string("capture", r.capture)
    w.string("client", c.client.description)
    w.string("server", c.server.description)
    w.string("roles", c.roleSource.rawValue)
    w.string("start", CivilTime.iso8601(c.first.time))
    w.double("duration_ms", c.last.time.milliseconds(since: c.first.time))
    w.beginObject("packets"); w.int("client", c.clientSide.packets); w.int("server", c.serverSide.packets); w.endObject()
    w.beginObject("bytes"); w.int("client", c.clientSide.payloadBytes); w.int("server", c.serverSide.payloadBytes); w.endObject()
    w.beginObject("tcp")
    w.bool("syn_seen", c.clientSide.firstSyn != nil)
    w.bool("established", c.established)
    w.bool("refused", c.refused)
    w.string("end", c.endReason?.rawValue)
    for (name, s) in [("client", c.clientSide), ("server", c.serverSide)] {
        w.beginObject(name)
        w.int("stream_bytes", s.streamBytes)
        w.int("retransmitted_segments", s.retransmittedSegments)
        w.int("conflicting_overlaps", s.conflictingOverlaps)
        w.int("truncated_segments", s.truncatedSegments)
        w.beginArray("gaps")
        for g in s.gaps { w.beginObject(); w.int("offset", g.offset); w.int("length", g.length); w.endObject() }
        w.endArray()
        w.endObject()
    }
    w.endObject()
    w.string("preamble", h.preamble?.kind.rawValue)
    if let p = h.preamble {
        w.beginObject("preamble_detail")
        w.string("result", h.preambleResult.map { "\($0)" })
        w.string("command", p.command)
        w.string("server_reply", p.serverReply)
        if let rdp = p.rdp {
            w.beginObject("rdp")
            w.strings("requested_protocols", rdp.requestedProtocols.map { RDPNegotiation.protocolNames($0) })
            w.strings("selected_protocol", rdp.selectedProtocol.map { RDPNegotiation.protocolNames($0) })
            w.string("failure", rdp.failureCode.map { RDPNegotiation.failureName($0) })
            w.int("failure_code", rdp.failureCode)
            w.string("cookie", rdp.cookie)
            w.endObject()
        }
        w.endObject()
    } else { w.null("preamble_detail") }
    func clientHello(_ key: String, _ ch: ClientHelloInfo, packet: PacketStamp?) {
        w.beginObject(key)
        w.int("packet", packet?.number)
        w.string("record_version", Names.version(ch.recordVersion))
        w.string("legacy_version", Names.version(ch.legacyVersion))
        w.string("max_version", Names.version(ch.maxVersion))
        w.strings("supported_versions", ch.supportedVersions.map(Names.version))
        w.strings("cipher_suites", ch.cipherSuites.map(Names.cipherSuite))
        w.string("sni", ch.sni)
        w.strings("alpn", ch.alpn)
        w.strings("supported_groups", ch.supportedGroups.map(Names.group))
        w.strings("key_share_groups", ch.keyShares.map { Names.group($0.group) })
        w.beginArray("key_shares")
        for k in ch.keyShares { w.beginObject(); w.string("group", Names.group(k.group)); w.int("length", k.keyLength); w.endObject() }
        w.endArray()
        w.strings("signature_algorithms", ch.signatureAlgorithms.map(Names.signatureScheme))
        w.strings("extensions", ch.extensions.map(Names.extensionType))
        w.int("size", ch.size)
        w.int("tcp_segments", ch.tcpSegments)
        w.int("records", ch.records)
        w.bool("sslv2_format", ch.sslv2Format)
        w.string("ja3", ch.ja3Hash)
        w.string("ja3_string", ch.ja3)
        w.string("ja4", ch.ja4)
        w.string("ja4_r", ch.ja4r)
        w.endObject()
    }
    func serverHello(_ key: String, _ sh: ServerHelloInfo, packet: PacketStamp? = nil) {
        w.beginObject(key)
        w.int("packet", packet?.number)
        w.string("version", Names.version(sh.version))
        w.string("legacy_version", Names.version(sh.legacyVersion))
        w.string("cipher", Names.cipherSuite(sh.cipherSuite))
        w.int("compression", sh.compressionMethod)
        w.strings("extensions", sh.extensions.map(Names.extensionType))
        w.string("key_share_group", sh.keyShareGroup.map(Names.group))
        w.string("alpn", sh.alpn)
        w.bool("hello_retry_request", sh.isHelloRetryRequest)
        if sh.isHelloRetryRequest { w.string("selected_group", sh.hrrSelectedGroup.map(Names.group)); w.bool("cookie", sh.hrrCookie) }
        w.string("downgrade_sentinel", sh.downgradeSentinel.map { $0 == 1 ? "TLS 1.2" : "TLS 1.1 or below" })
        w.int("size", sh.size)
        w.endObject()
    }
    if let ch = h.clientHello { clientHello("client_hello", ch, packet: h.clientHelloPacket) } else { w.null("client_hello") }
    if let hrr = h.helloRetryRequest { serverHello("hello_retry_request", hrr) }
    if let ch2 = h.secondClientHello { clientHello("second_client_hello", ch2, packet: nil) }
    if let sh = h.serverHello { serverHello("server_hello", sh, packet: h.serverHelloPacket) } else { w.null("server_hello") }
    w.beginArray("certificates")
    for cert in h.certificates {
        w.beginObject()
        w.string("subject", cert.subject)
        w.string("issuer", cert.issuer)
        w.strings("san", cert.subjectAltNames)
        w.string("not_before", cert.notBefore.map { CivilTime.iso8601(Timestamp(seconds: $0, nanoseconds: 0), fraction: false) })
        w.string("not_after", cert.notAfter.map { CivilTime.iso8601(Timestamp(seconds: $0, nanoseconds: 0), fraction: false) })
        w.string("key_type", cert.keyType)
        w.int("key_bits", cert.keyBits)
        w.string("curve", cert.curve)
        w.string("signature_algorithm", cert.signatureAlgorithm)
        w.strings("key_usage", cert.keyUsage)
        w.strings("extended_key_usage", cert.extendedKeyUsage)
        w.bool("ca", cert.isCA)
        w.bool("self_signed", cert.selfSigned)
        w.string("serial", cert.serial)
        w.string("sha256", cert.sha256)
        w.string("parse_error", cert.parseError)
        w.endObject()
    }
    w.endArray()
    if let kx = h.keyExchange {
        w.beginObject("key_exchange")
        w.string("kind", kx.kind)
        w.string("group", kx.group.map(Names.group))
        w.int("dh_prime_bits", kx.dhPrimeBits)
        w.int("public_key_length", kx.publicKeyLength)
        w.endObject()
    } else { w.null("key_exchange") }
    w.bool("client_certificate_requested", h.certificateRequested)
    if let cc = h.clientCertificates { w.int("client_certificates", cc.count) } else { w.null("client_certificates") }
    if let sh = h.serverHello, !sh.isHelloRetryRequest {
        w.beginObject("negotiated")
        w.string("version", Names.version(sh.version))
        w.string("cipher", Names.cipherSuite(sh.cipherSuite))
        w.string("group", (sh.keyShareGroup ?? h.keyExchange?.group).map(Names.group))
        w.string("alpn", sh.alpn)
        w.bool("resumed", h.resumed)
        w.endObject()
    } else { w.null("negotiated") }
    w.beginArray("alerts")
    for a in h.alerts {
        w.beginObject()
        w.string("by", a.by.rawValue)
        w.string("level", a.level.map { $0 == 2 ? "fatal" : ($0 == 1 ? "warning" : String($0)) })
        w.int("description", a.description)
        w.string("name", a.description.map(Names.alert))
        w.bool("encrypted", a.encrypted)
        w.bool("inferred", a.inferred)
        w.int("packet", a.packet.number)
        w.endObject()
    }
    w.endArray()
    w.beginObject("teardown")
    func close(_ a: PacketStamp?, _ aSide: Side, _ b: PacketStamp?, _ bSide: Side) -> (PacketStamp, Side)? {
        var pick: (PacketStamp, Side)?
        if let a { pick = (a, aSide) }
        if let b, pick == nil || b.number < pick!.0.number { pick = (b, bSide) }
        return pick
    }
    let fin = close(c.clientSide.firstFin, .client, c.serverSide.firstFin, .server)
    let rst = close(c.clientSide.firstRst, .client, c.serverSide.firstRst, .server)
    w.string("first_fin_by", fin?.1.rawValue)
    w.string("first_rst_by", rst?.1.rawValue)
    for (key, pick) in [("first_fin", fin), ("first_rst", rst)] {
        if let (p, side) = pick {
            w.beginObject(key)
            w.string("by", side.rawValue)
            w.int("packet", p.number)
            let e = h.lastMessage(before: p.number)
            w.string("after", e.map(describeAsBefore))
            w.int("after_packet", e?.packet.number)
            w.double("ms_after", e.map { p.time.milliseconds(since: $0.packet.time) })
            w.endObject()
        } else { w.null(key) }
    }
    w.string("end", c.endReason?.rawValue)
    w.endObject()
    if !h.parseErrors.isEmpty { w.strings("parse_errors", h.parseErrors) }
    if h.timelineDropped > 0 { w.int("timeline_dropped", h.timelineDropped) }
    w.string("outcome", d.outcome.rawValue)
    w.string("category", d.category.rawValue)
    w.beginObject("diagnosis")
    w.string("summary", d.summary)
    w.string("blame", d.blame?.rawValue)
    w.beginArray("evidence")
    for e in d.evidence {
        w.beginObject()
        w.int("packet", e.packet)
        w.string("time", CivilTime.iso8601(e.time))
        w.double("ms", e.time.milliseconds(since: c.first.time))
        w.string("text", e.text)
        w.endObject()
    }
    w.endArray()
    w.strings("hints", d.hints)
    w.string("inference", d.inference)
    w.endObject()
    w.endObject()
    return w.text
}

/// `TeardownSummary.describe` as it was written with String interpolation.
private func describeAsBefore(_ e: TimelineEvent) -> String {
    let who = e.side.rawValue + "'s"
    switch e.kind {
    case .clientHello: return "ClientHello"
    case .serverHello: return "ServerHello"
    case .helloRetryRequest: return "HelloRetryRequest"
    case .handshake(let t): return "\(who) \(Names.handshakeType(t))"
    case .changeCipherSpec: return "\(who) ChangeCipherSpec"
    case .encryptedRecord(let ct, let len): return "\(who) encrypted \(ct == 22 ? "handshake" : "record") (\(len) bytes)"
    case .applicationData: return "\(who) application data"
    case .alert(let level, let d): return "\(who) \(level == 2 ? "fatal " : "")\(Names.alert(d)) alert"
    case .encryptedAlert(let len): return "\(who) encrypted alert (\(len) bytes)"
    case .notTLS(let s): return "\(who) non-TLS bytes (\(s))"
    case .preambleCommand(let s): return "\(who) \(s)"
    case .preambleReply(let s): return "\(who) \(s)"
    case .malformed(let r, _): return "\(who) malformed data (\(r))"
    case .syn: return "\(who) SYN"
    case .synAck: return "\(who) SYN-ACK"
    case .fin: return "\(who) FIN"
    case .rst: return "\(who) RST"
    case .gap(_, let len): return "\(who) lost bytes (\(len))"
    }
}


@Test func everyCaptureReportsAsTheStringWriterDid() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Repo.captures.path)
        .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted()
    #expect(files.count >= 50)
    var lines = 0
    for file in files {
        for r in try analyzeReports(of: Repo.capture(file)) {
            let line = JSONLReport.line(r)
            #expect(line == referenceLine(r), "\(file)")
            var bytes: [UInt8] = [0x41, 0x0A]  // write(into:) appends after what is there
            JSONLReport.write(r, into: &bytes)
            #expect(bytes == [0x41, 0x0A] + Array(line.utf8), "\(file)")
            lines += 1
        }
    }
    #expect(lines >= files.count)  // every capture has a connection to report
}

/// The JSON Lines a session writes of a capture, into a temporary file: with `takingReports`, a
/// report of every connection is handed to `onReport` too (the verdicts are then made whole, as
/// `Diagnosis` values); without, completed handshakes' lines are written from their verdicts' parts
/// (`CompletedVerdict`).
func sessionLines(of path: String, takingReports: Bool) throws -> (text: String, reports: Int) {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-lines-\(getpid())-\(takingReports).jsonl").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    var options = ReportOptions()
    options.format = .jsonl
    options.allConnections = true
    let sink = try #require(OutputSink.file(out))
    let session = ReportSession(options: options, sink: sink)
    var reports = 0
    if takingReports { session.onReport = { _ in reports += 1 } }
    session.beginCapture(path)
    let summary = CaptureAnalyzer.analyze(path: path, options: AnalysisOptions()) { c, h in session.add(capture: path, facts: c, handshake: h) }
    session.endCapture(path, lastPacket: summary.lastTime)
    session.finish()
    sink.close()
    return (try String(contentsOfFile: out, encoding: .utf8), reports)
}

@Test func completedHandshakesWriteFromTheirVerdictsPartsAsFromTheirReports() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Repo.captures.path)
        .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted()
    #expect(files.count >= 50)
    var successes = 0
    for file in files {
        let path = Repo.capture(file)
        let parts = try sessionLines(of: path, takingReports: false)
        let whole = try sessionLines(of: path, takingReports: true)
        #expect(parts.text == whole.text, "\(file)")
        #expect(whole.reports == whole.text.split(separator: "\n").count, "\(file)")
        successes += parts.text.split(separator: "\n").filter { $0.contains(#""outcome":"success""#) }.count
    }
    #expect(successes >= 30)
    // And the shared corpus (its captures have many more completed handshakes).
    let corpus = SpillTests.corpusFiles()
    #expect(corpus.count >= 100, "the shared corpus is missing at \(Repo.corpus.path)")
    var corpusSuccesses = 0
    for file in corpus {
        let path = Repo.corpus.appendingPathComponent(file).path
        let parts = try sessionLines(of: path, takingReports: false)
        let whole = try sessionLines(of: path, takingReports: true)
        #expect(parts.text == whole.text, "\(file)")
        corpusSuccesses += parts.text.split(separator: "\n").filter { $0.contains(#""outcome":"success""#) }.count
    }
    #expect(corpusSuccesses > 100)
}

/// Made-up reports with every optional part present or absent, hostile strings, unknown and GREASE
/// code points, IPv6 and IPv4 endpoints, times from year 0 to past 9999, durations of every size.
@Test func madeUpReportsWriteAsTheStringWriterDid() {
    var rng = SplitMix(state: 6)
    func chance(_ n: Int) -> Bool { Int.random(in: 0..<n, using: &rng) == 0 }
    let pieces = ["a", "Z9", " ", "\"", "\\", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "\u{2028}", "日本", "\u{1F600}",
                  "CN=example.com", "h2", String(repeating: "x", count: 40)]
    func text() -> String { (0..<Int.random(in: 0..<8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
    func maybe<T>(_ v: @autoclosure () -> T) -> T? { chance(3) ? nil : v() }
    func codePoint() -> UInt16 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return [0x1301, 0x1302, 0xc02b, 0x00ff, 0x0304, 0x0303, 0x001d, 0x0017, 0x0403, 0x0804, 0x0000, 0x002b][Int.random(in: 0..<12, using: &rng)]
        case 1: return UInt16(Int.random(in: 0..<16, using: &rng) << 12 | 0x0a0a | Int.random(in: 0..<16, using: &rng) << 4)  // GREASE-like
        default: return UInt16.random(in: 0...UInt16.max, using: &rng)
        }
    }
    func codePoints() -> [UInt16] { (0..<Int.random(in: 0..<25, using: &rng)).map { _ in codePoint() } }
    func stamp() -> PacketStamp {
        let seconds: Int64 = chance(10) ? Int64.random(in: -70_000_000_000...300_000_000_000, using: &rng) : 1_795_484_249 + Int64.random(in: -3...3, using: &rng)
        return PacketStamp(number: chance(10) ? UInt64.max : UInt64.random(in: 0...100_000, using: &rng),
                           time: Timestamp(seconds: seconds, nanoseconds: chance(50) ? 1_000_000_000 : UInt32.random(in: 0..<1_000_000_000, using: &rng)))
    }
    func endpoint() -> Endpoint {
        chance(2) ? Endpoint(address: IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)), port: UInt16.random(in: 0...UInt16.max, using: &rng))
            : Endpoint(address: IPAddress(v6High: chance(2) ? 0x2001_0db8_0000_0000 : UInt64.random(in: 0...UInt64.max, using: &rng),
                                          v6Low: chance(2) ? 1 : UInt64.random(in: 0...UInt64.max, using: &rng)), port: 443)
    }
    func side() -> SideFacts {
        var s = SideFacts()
        s.packets = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
        s.payloadBytes = UInt64.random(in: 0...1_000_000, using: &rng)
        s.firstSyn = maybe(stamp()); s.firstFin = maybe(stamp()); s.firstRst = maybe(stamp())
        s.streamBytes = UInt64.random(in: 0...70_000, using: &rng)
        s.retransmittedSegments = UInt64.random(in: 0...3, using: &rng)
        s.gaps = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in Gap(offset: UInt64.random(in: 0...UInt64.max, using: &rng), length: UInt64.random(in: 0...9_999, using: &rng)) }
        return s
    }
    func clientHello() -> ClientHelloInfo {
        var ch = ClientHelloInfo()
        ch.recordVersion = codePoint(); ch.legacyVersion = codePoint(); ch.maxVersion = codePoint()
        ch.supportedVersions = codePoints(); ch.cipherSuites = codePoints(); ch.extensions = codePoints()
        ch.supportedGroups = codePoints(); ch.signatureAlgorithms = codePoints()
        ch.keyShares = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in .init(group: codePoint(), keyLength: Int.random(in: -1...1216, using: &rng)) }
        ch.sni = maybe(text()); ch.alpn = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in text() }
        ch.size = Int.random(in: 0...70_000, using: &rng); ch.tcpSegments = Int.random(in: 0...3, using: &rng); ch.records = 1
        ch.sslv2Format = chance(5); ch.ja3 = maybe(text()); ch.ja3Hash = maybe(text()); ch.ja4 = maybe(text()); ch.ja4r = maybe(text())
        return ch
    }
    func serverHello(hrr: Bool) -> ServerHelloInfo {
        var sh = ServerHelloInfo()
        sh.version = codePoint(); sh.legacyVersion = codePoint(); sh.cipherSuite = codePoint()
        sh.compressionMethod = UInt8.random(in: 0...255, using: &rng); sh.extensions = codePoints()
        sh.keyShareGroup = maybe(codePoint()); sh.alpn = maybe(text()); sh.isHelloRetryRequest = hrr
        sh.hrrSelectedGroup = maybe(codePoint()); sh.hrrCookie = chance(2); sh.downgradeSentinel = maybe(UInt8.random(in: 0...1, using: &rng))
        sh.size = Int.random(in: 0...500, using: &rng)
        return sh
    }
    let kinds: [() -> TimelineEvent.Kind] = [
        { .syn }, { .synAck }, { .fin }, { .rst }, { .gap(offset: 5, length: UInt64.random(in: 0...UInt64.max, using: &rng)) },
        { .preambleCommand(text()) }, { .preambleReply(text()) }, { .clientHello }, { .serverHello }, { .helloRetryRequest },
        { .handshake(type: UInt8.random(in: 0...255, using: &rng)) }, { .changeCipherSpec },
        { .encryptedRecord(contentType: chance(2) ? 22 : 23, length: Int.random(in: -5...20_000, using: &rng)) },
        { .applicationData(length: 10) }, { .alert(level: UInt8.random(in: 0...3, using: &rng), description: UInt8.random(in: 0...255, using: &rng)) },
        { .encryptedAlert(length: Int.random(in: 0...40, using: &rng)) }, { .notTLS(sample: text()) }, { .malformed(reason: text(), offset: 3) },
    ]
    var failures: [String] = []
    for i in 0..<3_000 {
        var facts = ConnectionFacts(client: endpoint(), server: endpoint(), roleSource: [.syn, .content, .ports][i % 3], first: stamp())
        facts.last = stamp()
        facts.clientSide = side(); facts.serverSide = side()
        facts.refused = chance(4); facts.established = chance(2)
        facts.endReason = maybe([EndReason.closed, .idleTimeout, .evicted, .captureEnd, .portReused][i % 5])
        var h = HandshakeFacts()
        if chance(4) {
            var p = PreambleInfo(kind: PreambleKind.allCases[i % PreambleKind.allCases.count])
            p.command = maybe(text()); p.serverReply = maybe(text())
            if chance(2) {
                var rdp = RDPNegotiation()
                rdp.requestedProtocols = maybe(UInt32.random(in: 0...0xFF, using: &rng)); rdp.selectedProtocol = maybe(UInt32.random(in: 0...0x1F, using: &rng))
                rdp.failureCode = maybe(UInt32.random(in: 0...9, using: &rng)); rdp.cookie = maybe(text())
                p.rdp = rdp
            }
            h.preamble = p
            h.preambleResult = maybe([PreambleResult.tls, .refused, .plaintext, .unfinished][i % 4])
        }
        h.clientHello = maybe(clientHello()); h.clientHelloPacket = maybe(stamp())
        if chance(4) { h.helloRetryRequest = serverHello(hrr: true); h.secondClientHello = maybe(clientHello()) }
        h.serverHello = maybe(serverHello(hrr: chance(6))); h.serverHelloPacket = maybe(stamp())
        h.certificates = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in
            var c = CertificateInfo()
            c.subject = text(); c.issuer = text(); c.subjectAltNames = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in text() }
            c.notBefore = maybe(Int64.random(in: -70_000_000_000...300_000_000_000, using: &rng)); c.notAfter = maybe(Int64.random(in: 0...4_000_000_000, using: &rng))
            c.keyType = text(); c.keyBits = maybe(Int.random(in: 0...8192, using: &rng)); c.curve = maybe(text())
            c.signatureAlgorithm = text(); c.keyUsage = [text()]; c.isCA = chance(2); c.selfSigned = chance(2)
            c.serial = text(); c.sha256 = text(); c.parseError = maybe(text())
            return c
        }
        if chance(3) {
            var kx = KeyExchangeInfo(kind: text())
            kx.group = maybe(codePoint()); kx.dhPrimeBits = maybe(2048); kx.publicKeyLength = maybe(Int.random(in: 0...600, using: &rng))
            h.keyExchange = kx
        }
        h.certificateRequested = chance(3); h.clientCertificates = chance(3) ? [] : nil; h.resumed = chance(3)
        h.alerts = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in
            AlertInfo(by: chance(2) ? .client : .server, level: maybe(UInt8.random(in: 0...4, using: &rng)), description: maybe(UInt8.random(in: 0...255, using: &rng)),
                      encrypted: chance(2), inferred: chance(2), packet: stamp())
        }
        h.timeline = (0..<Int.random(in: 0..<8, using: &rng)).map { _ in
            TimelineEvent(side: chance(2) ? .client : .server, packet: stamp(), kind: kinds.randomElement(using: &rng)!())
        }
        var d = Diagnosis(outcome: Outcome.allCases[i % Outcome.allCases.count], category: Category.allCases[i % Category.allCases.count],
                          blame: maybe(Blame.allCases[i % Blame.allCases.count]), summary: text())
        d.evidence = (0..<Int.random(in: 0..<5, using: &rng)).map { _ in Evidence(packet: UInt64.random(in: 0...UInt64.max, using: &rng), time: stamp().time, text: text()) }
        d.hints = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in text() }
        d.inference = maybe(text())
        let r = ConnectionReport(capture: text(), facts: facts, handshake: h, diagnosis: d)
        let line = JSONLReport.line(r)
        if line != referenceLine(r) && failures.count < 3 { failures.append("report \(i):\n ours: \(line)\n then: \(referenceLine(r))") }
        var bytes: [UInt8] = []
        JSONLReport.write(r, into: &bytes)
        if bytes != Array(line.utf8) && failures.count < 3 { failures.append("report \(i): write(into:) differs from line") }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
}

/// Lines written from several tasks at once (each takes its own context from the pool, or makes
/// one) read as when written one after the other.
@Test func linesWrittenConcurrentlyReadAsWrittenInTurn() async throws {
    let files = ["01-ok-tls13.pcap", "06-no-common-cipher.pcap", "18-rdp-server-reset.pcap", "05-ok-nginx-ipv6.pcap"]
    var all: [ConnectionReport] = []
    for f in files { all += try analyzeReports(of: Repo.capture(f)) }
    let reportsToWrite = all
    let expected = reportsToWrite.map(referenceLine)
    let results = await withTaskGroup(of: [String].self) { group in
        for _ in 0..<12 {
            group.addTask { (0..<20).flatMap { _ in reportsToWrite.map(JSONLReport.line) } }
        }
        return await group.reduce(into: [[String]]()) { $0.append($1) }
    }
    for lines in results {
        #expect(lines == Array((0..<20).map { _ in expected }.joined()))
    }
}
