import Testing
@testable import TLSWire

// The certificate summary writes its text as UTF-8 bytes and recognises OIDs by their DER
// octets. These tests hold it to the implementation it replaced (X509Reference.swift) over every
// certificate of the corpus and corruptions of them, and to hand-written RFC 4514 vectors.

/// DER TLV with a definite length (short or long form).
func der(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
    let n = content.count
    if n < 0x80 { return [tag, UInt8(n)] + content }
    if n < 0x100 { return [tag, 0x81, UInt8(n)] + content }
    return [tag, 0x82, UInt8(n >> 8), UInt8(n & 0xff)] + content
}

/// DER contents octets of a dotted OID (X.690 §8.19), written independently of the library.
func oidContents(_ dotted: String) -> [UInt8] {
    let arcs = dotted.split(separator: ".").map { UInt64($0)! }
    var out: [UInt8] = []
    for v in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
        var groups: [UInt8] = [UInt8(v & 0x7f)]
        var x = v >> 7
        while x != 0 { groups.append(UInt8(x & 0x7f) | 0x80); x >>= 7 }
        out += groups.reversed()
    }
    return out
}

/// AttributeTypeAndValue with a raw type OID and a value of the given tag.
func atv(_ oid: [UInt8], _ tag: UInt8, _ value: [UInt8]) -> [UInt8] {
    der(0x30, der(0x06, oid) + der(tag, value))
}

let cnOID: [UInt8] = [0x55, 0x04, 0x03]
let oOID: [UInt8] = [0x55, 0x04, 0x0a]
let cOID: [UInt8] = [0x55, 0x04, 0x06]

/// Renders a Name (SEQUENCE OF SET OF AttributeTypeAndValue) both ways.
func renderBoth(_ rdns: [[[UInt8]]]) -> (new: Result<(String, String?), TLSParseError>, old: Result<(String, String?), TLSParseError>) {
    let name = der(0x30, rdns.flatMap { der(0x31, $0.flatMap { $0 }) })
    return name.withUnsafeBytes { raw in
        var r = TLSReader(raw.bytes)
        guard let e = try? r.readDER() else { fatalError("test Name does not parse") }
        let new: Result<(String, String?), TLSParseError>
        do throws(TLSParseError) { let x = try DistinguishedName.render(raw.bytes, e.value); new = .success((x.text, x.commonName)) }
        catch { new = .failure(error) }
        let old: Result<(String, String?), TLSParseError>
        do throws(TLSParseError) { let x = try RefDistinguishedName.render(raw.bytes, e.value); old = .success((x.text, x.commonName)) }
        catch { old = .failure(error) }
        return (new, old)
    }
}

func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Field-by-field differences, for a readable failure.
func differences(_ a: CertificateSummary, _ b: CertificateSummary) -> String {
    var out: [String] = []
    let ma = Mirror(reflecting: a).children.map { ($0.label ?? "?", "\($0.value)") }
    let mb = Mirror(reflecting: b).children.map { "\($0.value)" }
    for (i, (label, va)) in ma.enumerated() where i < mb.count && va != mb[i] {
        out.append("\(label): \(va) != \(mb[i])")
    }
    return out.joined(separator: "; ")
}

@Suite("X.509 summary against the reference implementation")
struct X509ReferenceTests {
    @Test("every certificate in Captures/ and ../shared/corpus gives the reference summary")
    func corpus() throws {
        let found = CorpusCertificates.found
        #expect(found.missing.isEmpty, "corpus directories missing: \(found.missing)")
        #expect(found.files > 200, "only \(found.files) capture files read")
        // The captures hold a few hundred certificates in clear (TLS ≤ 1.2, SSL 2.0).
        #expect(found.certificates.count >= 150, "only \(found.certificates.count) certificates found")
        var clean = 0
        for c in found.certificates {
            let new = CertificateSummary(der: c)
            let old = referenceSummary(c)
            #expect(new == old, "\(differences(new, old))")
            if new.error == nil && !new.subject.isEmpty { clean += 1 }
        }
        #expect(clean >= 150, "only \(clean) certificates parsed cleanly")
        print("X509ReferenceTests: \(found.certificates.count) certificates (\(clean) clean) from \(found.files) captures; compressed, not read: \(found.skipped)")
    }

    @Test("corrupted and truncated corpus certificates give the reference summary (errors, offsets, odd text)")
    func corruptions() throws {
        let certs = CorpusCertificates.found.certificates
        #expect(certs.count >= 150)
        var rng = SplitMix64(state: 0x5eed_0509)
        var errors = 0
        for c in certs where c.count > 8 {
            var variants: [[UInt8]] = []
            for _ in 0..<6 {
                var bad = c
                let i = rng.next(in: 0...(c.count - 1))
                bad[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                variants.append(bad)
            }
            // Bytes set to what the renderer treats specially, inside the names most likely.
            for _ in 0..<4 {
                var bad = c
                let i = rng.next(in: 0...min(c.count - 1, 400))
                bad[i] = [0x00, 0x20, 0x22, 0x23, 0x2b, 0x2c, 0x5c, 0x7f, 0x80, 0xc3, 0xff, 0x1e, 0x1c, 0x0c, 0x14][rng.next(in: 0...14)]
                variants.append(bad)
            }
            variants.append(Array(c[0..<rng.next(in: 0...(c.count - 1))]))
            for v in variants {
                let new = CertificateSummary(der: v)
                let old = referenceSummary(v)
                #expect(new == old, "\(differences(new, old))")
                if new.error != nil { errors += 1 }
            }
        }
        #expect(errors > 100, "the corruptions should produce errors to compare: \(errors)")
    }

    @Test("RFC 4514 escaping and string types, by hand", arguments: [
        // RFC 4514 §2.4 specials, each escaped with a backslash
        ([atv(cnOID, 0x0c, utf8("a\"b+c,d;e<f>g\\h"))], "CN=a\\\"b\\+c\\,d\\;e\\<f\\>g\\\\h", "a\"b+c,d;e<f>g\\h"),
        // leading and trailing space escaped, inner ones not
        ([atv(cnOID, 0x13, utf8(" lead  trail "))], "CN=\\ lead  trail\\ ", " lead  trail "),
        ([atv(cnOID, 0x13, utf8(" "))], "CN=\\ ", " "),
        ([atv(cnOID, 0x13, utf8(""))], "CN=", ""),
        // '#' only at the start
        ([atv(cnOID, 0x16, utf8("#a#b"))], "CN=\\#a#b", "#a#b"),
        // controls as \XX (uppercase hex)
        ([atv(cnOID, 0x0c, [0x61, 0x00, 0x62, 0x1f, 0x63, 0x7f, 0x0a])], "CN=a\\00b\\1Fc\\7F\\0A", "a\u{0}b\u{1F}c\u{7F}\n"),
        // non-ASCII UTF-8 verbatim
        ([atv(cnOID, 0x0c, utf8("Zürich 東京, 😀"))], "CN=Zürich 東京\\, 😀", "Zürich 東京, 😀"),
        // invalid UTF-8: each maximal invalid subsequence becomes U+FFFD
        ([atv(cnOID, 0x0c, [0x61, 0xc3, 0x28, 0xff, 0xe2, 0x82, 0x41, 0xc0, 0xaf])],
         "CN=a\u{FFFD}(\u{FFFD}\u{FFFD}A\u{FFFD}\u{FFFD}", "a\u{FFFD}(\u{FFFD}\u{FFFD}A\u{FFFD}\u{FFFD}"),
        // T61String and PrintableString bytes read as Latin-1; U+0080 (a C1 control) is not escaped
        ([atv(cnOID, 0x14, [0x63, 0x61, 0x66, 0xe9])], "CN=café", "café"),
        ([atv(cnOID, 0x13, [0x80, 0x20])], "CN=\u{80}\\ ", "\u{80} "),
        // BMPString: Ä, a surrogate pair, a lone surrogate, a space (now last), an odd byte dropped
        ([atv(cnOID, 0x1e, [0x00, 0xc4, 0xd8, 0x3d, 0xde, 0x00, 0xd8, 0x00, 0x00, 0x20, 0x41])],
         "CN=Ä😀\u{FFFD}\\ ", "Ä😀\u{FFFD} "),
        // UniversalString: U+1F600, beyond U+10FFFF, a surrogate, ',', two bytes dropped
        ([atv(cnOID, 0x1c, [0x00, 0x01, 0xf6, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00])],
         "CN=😀\u{FFFD}\u{FFFD}\\,", "😀\u{FFFD}\u{FFFD},"),
        // not a string type: '#' and the hex of the whole element; no common name
        ([atv(cnOID, 0x04, [0x01, 0xab])], "CN=#040201ab", nil),
        // unknown type: dotted; known OID that is not an attribute: dotted; malformed OID: '?'
        ([atv([0x2a, 0x03, 0x04], 0x0c, utf8("x"))], "1.2.3.4=x", nil),
        ([atv([0x55, 0x1d, 0x11], 0x0c, utf8("x"))], "2.5.29.17=x", nil),
        ([atv([0x80, 0x01], 0x0c, utf8("x"))], "?=x", nil),
        ([atv([0x88, 0x37, 0x81, 0x80, 0x80, 0x80, 0x00], 0x0c, utf8("x"))], "2.999.268435456=x", nil),
    ] as [([[UInt8]], String, String?)])
    func escaping(_ atvs: [[UInt8]], _ text: String, _ cn: String?) throws {
        let (new, old) = renderBoth([atvs])
        let n = try new.get()
        #expect(n.0 == text)
        #expect(n.1 == cn)
        let o = try old.get()
        #expect(n.0 == o.0 && n.1 == o.1)
    }

    @Test("RDN order, multi-valued RDNs, empty RDNs, first CN kept unescaped")
    func structure() throws {
        func check(_ rdns: [[[UInt8]]], _ text: String, _ cn: String?) throws {
            let (new, old) = renderBoth(rdns)
            let n = try new.get(), o = try old.get()
            #expect(n.0 == text)
            #expect(n.1 == cn)
            #expect(n.0 == o.0 && n.1 == o.1)
        }
        try check([], "", nil)
        try check([[]], "", nil)
        try check([[], [atv(cnOID, 0x13, utf8("x"))]], "CN=x,", "x")
        try check([[atv(cnOID, 0x13, utf8("x"))], [], []], ",,CN=x", "x")
        try check([[atv(cOID, 0x13, utf8("US"))], [atv(oOID, 0x13, utf8("a,b"))], [atv(cnOID, 0x0c, utf8("one")), atv(oOID, 0x13, utf8("two"))]],
                  "CN=one+O=two,O=a\\,b,C=US", "one")
        try check([[atv(cnOID, 0x0c, utf8("a+b"))], [atv(cnOID, 0x0c, utf8("second"))]], "CN=second,CN=a\\+b", "a+b")
        // More RDNs than the renderer records the starts of (16): the rest are found by scanning.
        for count in [15, 16, 17, 40] {
            let rdns: [[[UInt8]]] = (0..<count).map { i in i % 7 == 3 ? [] : [atv(i % 2 == 0 ? oOID : cnOID, 0x0c, utf8("v\(i),x"))] }
            let expected = (0..<count).reversed().map { i in i % 7 == 3 ? "" : (i % 2 == 0 ? "O" : "CN") + "=v\(i)\\,x" }.joined(separator: ",")
            try check(rdns, expected, "v1,x")
        }
        // A CN that is not a string does not count; the next one does.
        try check([[atv(cnOID, 0x04, [1])], [atv(cnOID, 0x13, utf8("later"))]], "CN=later,CN=#040101", "later")
    }

    @Test("malformed Names throw the reference's error at the reference's offset")
    func malformedNames() {
        let cases: [[UInt8]] = [
            der(0x30, [0x30, 0x00]),                                          // RDN not a SET
            der(0x30, der(0x31, [0x31, 0x00])),                               // ATV not a SEQUENCE
            der(0x30, der(0x31, der(0x30, der(0x04, [0x55, 0x04, 0x03])))),   // type not an OID
            der(0x30, der(0x31, der(0x30, der(0x06, cnOID)))),                // value missing
            der(0x30, der(0x31, der(0x30, der(0x06, cnOID) + [0x0c, 0x05, 0x41]))), // value too long
            der(0x30, der(0x31, atv(cnOID, 0x0c, utf8("ok"))) + [0x31, 0x85]), // bad length octets
        ]
        for name in cases {
            name.withUnsafeBytes { raw in
                var r = TLSReader(raw.bytes)
                guard let e = try? r.readDER() else { Issue.record("test Name does not parse"); return }
                var newError: TLSParseError?
                do throws(TLSParseError) { _ = try DistinguishedName.render(raw.bytes, e.value, base: 100) } catch { newError = error }
                var oldError: TLSParseError?
                do throws(TLSParseError) { _ = try RefDistinguishedName.render(raw.bytes, e.value, base: 100) } catch { oldError = error }
                #expect(newError != nil)
                #expect(newError == oldError)
            }
        }
    }

    @Test("every KnownOID: DER octets recognised, dotted text and names as the String tables give")
    func knownOIDs() {
        var seen = Set<[UInt8]>()
        for k in KnownOID.allCases {
            let octets = oidContents(k.dotted)
            #expect(seen.insert(octets).inserted, "\(k) duplicated")
            octets.withUnsafeBytes { raw in
                #expect(KnownOID(der: raw.bytes, 0..<octets.count) == k, "\(k.dotted)")
                #expect(refOIDString(raw.bytes, 0..<octets.count) == k.dotted)
                #expect(oidString(raw.bytes, 0..<octets.count) == k.dotted)
                // One octet more or less is another OID.
                #expect(KnownOID(der: raw.bytes, 0..<(octets.count - 1)) != k)
            }
            #expect(KnownOID(dotted: k.dotted) == k)
            #expect(k.attributeName == RefOIDNames.attribute(k.dotted))
            #expect(k.signatureName == RefOIDNames.signature(k.dotted))
            #expect(k.publicKeyName == RefOIDNames.publicKey(k.dotted))
            #expect((k.keyType ?? .unknown) == RefOIDNames.keyType(k.dotted))
            #expect(k.curve?.name == RefOIDNames.curve(k.dotted)?.name && k.curve?.bits == RefOIDNames.curve(k.dotted)?.bits)
            #expect(k.extendedKeyUsageName == RefOIDNames.extendedKeyUsage(k.dotted))
        }
        // The String-keyed API, including strings that are not OIDs oidString would write.
        let extra = ["", "?", "2.5.4.3 ", "2.16.840.1.101.3.4.3.+20", "2.16.840.1.101.3.4.3.020", "2.16.840.1.101.3.4.3.32",
                     "2.16.840.1.101.3.4.3.20", "1.2.3"]
        for s in KnownOID.allCases.map(\.dotted) + extra {
            #expect(OIDNames.attribute(s) == RefOIDNames.attribute(s))
            #expect(OIDNames.signature(s) == RefOIDNames.signature(s))
            #expect(OIDNames.publicKey(s) == RefOIDNames.publicKey(s))
            #expect(OIDNames.keyType(s) == RefOIDNames.keyType(s))
            #expect(OIDNames.curve(s)?.name == RefOIDNames.curve(s)?.name)
            #expect(OIDNames.extendedKeyUsage(s) == RefOIDNames.extendedKeyUsage(s))
        }
    }

    @Test("oidString equals the reference on random and edge-case contents")
    func oidStrings() {
        var cases: [[UInt8]] = [[], [0x00], [0x27], [0x28], [0x4f], [0x50], [0x7f], [0x80], [0x81], [0x81, 0x00], [0x2a, 0x80, 0x01],
                                [0x2a, 0x86], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
                                [0x2a] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
                                [0x2a] + [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
                                [0x88, 0x37, 0x03], oidContents("2.5.4.3") + [0x00]]
        var rng = SplitMix64(state: 7)
        for _ in 0..<3000 {
            let n = rng.next(in: 0...24)
            cases.append((0..<n).map { _ in
                let b = UInt8(truncatingIfNeeded: rng.next())
                return rng.next(in: 0...2) == 0 ? b | 0x80 : b & 0x7f
            })
        }
        for c in cases {
            c.withUnsafeBytes { raw in
                #expect(oidString(raw.bytes, 0..<c.count) == refOIDString(raw.bytes, 0..<c.count), "\(c)")
                // Ranges outside the span are nil, as before.
                #expect(oidString(raw.bytes, 0..<(c.count + 1)) == refOIDString(raw.bytes, 0..<(c.count + 1)))
            }
        }
    }

    @Test("escape() of arbitrary text equals the reference")
    func escapeStrings() {
        var rng = SplitMix64(state: 11)
        let alphabet: [Unicode.Scalar] = [" ", "#", "\"", "+", ",", ";", "<", ">", "\\", "a", "Z", "0", "\u{0}", "\u{1F}", "\u{7F}",
                                          "\u{80}", "é", "東", "😀", "\u{FFFD}", "="]
        var strings = ["", " ", "  ", "#", "##", " # ", "a b", "\\", "東 "]
        for _ in 0..<2000 {
            var s = ""
            for _ in 0..<rng.next(in: 0...8) { s.unicodeScalars.append(alphabet[rng.next(in: 0...(alphabet.count - 1))]) }
            strings.append(s)
        }
        for s in strings {
            #expect(DistinguishedName.escape(s) == RefDistinguishedName.escape(s), "\(Array(s.unicodeScalars))")
        }
    }

    @Test("directory strings of every type and random bytes render as the reference")
    func randomValues() {
        var rng = SplitMix64(state: 23)
        let tags: [UInt8] = [0x0c, 0x13, 0x16, 0x1a, 0x12, 0x14, 0x1e, 0x1c, 0x04, 0x02, 0x30]
        let interesting: [UInt8] = [0x00, 0x1f, 0x20, 0x22, 0x23, 0x2b, 0x2c, 0x3b, 0x3c, 0x3e, 0x5c, 0x7f, 0x80, 0xbf, 0xc3, 0xa9,
                                    0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xd8, 0xdc, 0xff, 0x41, 0x61]
        for _ in 0..<1500 {
            let tag = tags[rng.next(in: 0...(tags.count - 1))]
            let value = (0..<rng.next(in: 0...12)).map { _ in interesting[rng.next(in: 0...(interesting.count - 1))] }
            let (new, old) = renderBoth([[atv(cnOID, tag, value)], [atv(oOID, 0x0c, value)]])
            switch (new, old) {
            case let (.success(n), .success(o)): #expect(n.0 == o.0 && n.1 == o.1, "tag \(tag) \(value)")
            default: Issue.record("render failed: tag \(tag) \(value)")
            }
        }
    }

    @Test("X509Time: parsing and text equal the reference")
    func times() {
        var texts = ["491231235959Z", "500101000000Z", "20000229120000Z", "19691231235959Z", "20500101000000.123Z",
                     "2050010100000Z", "20501301000000Z", "500101000000+0100", "", "Z", "0101010000Z", "000101000000Z",
                     "99123123595960Z", "991231235960Z", "9912312359Z", "20240230000000Z", "202402290000Z", "2024.Z", "20240229000000.Z"]
        var rng = SplitMix64(state: 5)
        for _ in 0..<2000 {
            var t = ""
            for _ in 0..<rng.next(in: 8...18) {
                let k = rng.next(in: 0...12)
                let others: [Character] = ["Z", ".", "+"]
                t.append(k < 11 ? Character(String(rng.next(in: 0...9))) : others[k - 11 == 0 ? 0 : rng.next(in: 1...2)])
            }
            if rng.next(in: 0...3) != 0 { t.append("Z") }
            texts.append(t)
        }
        for t in texts {
            let b = Array(t.utf8)
            for g in [false, true] {
                b.withUnsafeBytes { raw in
                    let new = X509Time(raw.bytes, 0..<b.count, generalized: g)
                    let old = referenceTime(raw.bytes, 0..<b.count, generalized: g)
                    #expect(new == old, "\(t) \(g)")
                    // Out-of-span ranges are clamped, as before.
                    #expect(X509Time(raw.bytes, -2..<(b.count + 3), generalized: g) == referenceTime(raw.bytes, -2..<(b.count + 3), generalized: g))
                    if let new { #expect(new.description == referenceDescription(new)) }
                }
            }
        }
        for v in [X509Time(year: -5, month: 1, day: 2, hour: 3, minute: 4, second: 5),
                  X509Time(year: 12345, month: 123, day: 0, hour: -1, minute: 100, second: 99),
                  X509Time(year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0),
                  X509Time(year: 9999, month: 99, day: 99, hour: 99, minute: 99, second: 99),
                  X509Time(year: 7, month: 7, day: 7, hour: 7, minute: 7, second: 7)] {
            #expect(v.description == referenceDescription(v))
        }
        #expect(X509Time(year: 7, month: 7, day: 7, hour: 7, minute: 7, second: 7).description == "0007-07-07T07:07:07Z")
    }

    @Test("serial, key identifiers and SAN text equal the reference on hand-made certificates")
    func smallCertificates() {
        // A minimal certificate with a chosen serial and extensions, wrapped by the test.
        func certificate(serial: [UInt8], extensions: [[UInt8]]) -> [UInt8] {
            let alg = der(0x30, der(0x06, oidContents("1.2.840.113549.1.1.11")) + [0x05, 0x00])
            let name = der(0x30, der(0x31, atv(cnOID, 0x0c, utf8("t"))))
            let validity = der(0x30, der(0x17, utf8("250101000000Z")) + der(0x18, utf8("20351231235959Z")))
            let spki = der(0x30, der(0x30, der(0x06, oidContents("1.3.101.112"))) + der(0x03, [0x00] + [UInt8](repeating: 7, count: 32)))
            let exts = der(0xa3, der(0x30, extensions.flatMap { $0 }))
            let tbs = der(0x30, der(0xa0, der(0x02, [2])) + der(0x02, serial) + alg + name + validity + name + spki + exts)
            return der(0x30, tbs + alg + der(0x03, [0x00, 0x01]))
        }
        func ext(_ oid: String, _ value: [UInt8], critical: Bool = false) -> [UInt8] {
            der(0x30, der(0x06, oidContents(oid)) + (critical ? [0x01, 0x01, 0xff] : []) + der(0x04, value))
        }
        let san = ext("2.5.29.17", der(0x30, der(0x82, utf8("example.com")) + der(0x82, [0x61, 0xe9, 0x62]) + der(0x81, utf8("a@b.c"))
                                          + der(0x86, utf8("https://x/")) + der(0x87, [192, 0, 2, 1]) + der(0x87, [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
                                          + der(0xa0, [0x06, 0x01, 0x2a]) + der(0x88, [0x2a])))
        let ski = ext("2.5.29.14", der(0x04, [0xde, 0xad, 0xbe, 0xef]))
        let aki = ext("2.5.29.35", der(0x30, der(0x80, [0x01, 0x02]) + der(0x82, [0x05])))
        let ku = ext("2.5.29.15", der(0x03, [0x07, 0x86, 0x80]), critical: true)
        let eku = ext("2.5.29.37", der(0x30, der(0x06, oidContents("1.3.6.1.5.5.7.3.1")) + der(0x06, oidContents("1.2.3.4.5")) + der(0x06, [0x80])))
        let bc = ext("2.5.29.19", der(0x30, [0x01, 0x01, 0xff, 0x02, 0x01, 0x03]))
        let unknown = ext("1.3.6.1.4.1.99999.1", [0x05, 0x00])
        for serial: [UInt8] in [[0x00], [0x00, 0x00], [0x00, 0x01], [0x7f], [0x00, 0x80, 0x00], [UInt8](repeating: 0xab, count: 20), []] {
            let c = certificate(serial: serial, extensions: [san, ski, aki, ku, eku, bc, unknown])
            let new = CertificateSummary(der: c)
            #expect(new == referenceSummary(c), "\(differences(new, referenceSummary(c)))")
            #expect(new.subjectAlternativeNames.dns == ["example.com", "aéb"])
            #expect(new.subjectKeyIdentifier == "deadbeef" && new.authorityKeyIdentifier == "0102")
            #expect(new.keyUsage == ["digitalSignature", "keyCertSign", "cRLSign", "decipherOnly"])
            #expect(new.extendedKeyUsage == ["serverAuth", "1.2.3.4.5", "?"])
            #expect(new.extensionOIDs.last == "1.3.6.1.4.1.99999.1")
        }
        #expect(CertificateSummary(der: certificate(serial: [0x00, 0x00], extensions: [])).serial == "00")
        #expect(CertificateSummary(der: certificate(serial: [0x00, 0x80, 0x0f], extensions: [])).serial == "800F")
    }
}
