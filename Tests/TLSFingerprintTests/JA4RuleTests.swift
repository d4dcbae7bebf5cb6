// JA4's rules one by one, on made-up hellos, against FoxIO's technical_details/JA4.md.

import Testing
import TLSFingerprint

/// The hello of the specification's worked example (JA4.md "Example" and "Raw Output").
let specExample = FingerprintInput(
    transport: .tcp,
    legacyVersion: 0x0303,
    supportedVersions: [0x0304, 0x0303],
    cipherSuites: [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                   0x009c, 0x009d, 0x002f, 0x0035],
    extensions: [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
                 0x002b, 0xff01, 0x000b, 0x000a, 0x0015],
    supportedGroups: [0x001d, 0x0017, 0x0018],
    ecPointFormats: [0],
    signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
    hasSNI: true,
    alpnFirst: Array("h2".utf8)
)

/// Section n of a JA4 or JA4_r string: 0 = a, 1 = b, 2 = c (with any signature algorithms).
func section(_ s: String, _ n: Int) -> String {
    let parts = s.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
    return n < parts.count ? String(parts[n]) : "<missing>"
}

func with(_ base: FingerprintInput = specExample, _ change: (inout FingerprintInput) -> Void) -> FingerprintInput {
    var i = base
    change(&i)
    return i
}

@Suite("JA4 rules")
struct JA4RuleTests {
    @Test("the specification's worked example")
    func specWorkedExample() {
        #expect(JA4.fingerprint(specExample) == "t13d1516h2_8daaf6152771_e5627efa2ab1")
        #expect(JA4.raw(specExample) == "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601")
    }

    @Test("without signature algorithms the list ends without '_' and is hashed as is (spec: 6d807ffa2a79)")
    func noSignatureAlgorithms() {
        let i = with { $0.signatureAlgorithms = [] }
        #expect(JA4.raw(i).hasSuffix("_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"))
        #expect(!JA4.raw(i).hasSuffix("_"))
        #expect(section(JA4.fingerprint(i), 2) == "6d807ffa2a79")
    }

    @Test("GREASE is ignored in ciphers, extensions, versions and signature algorithms")
    func greaseEverywhere() {
        let greased = with {
            $0.cipherSuites.insert(0x5a5a, at: 0)
            $0.cipherSuites.append(0xfafa)
            $0.extensions.insert(0x0a0a, at: 0)
            $0.extensions.append(0xdada)
            $0.supportedVersions.insert(0x7a7a, at: 0)
            $0.supportedGroups.insert(0x2a2a, at: 0)
            $0.signatureAlgorithms.insert(0x1a1a, at: 2)
        }
        #expect(JA4.fingerprint(greased) == JA4.fingerprint(specExample))
        #expect(JA4.raw(greased) == JA4.raw(specExample))
        // Only GREASE in supported_versions: fall back to legacy_version.
        let onlyGrease = with { $0.supportedVersions = [0x3a3a]; $0.legacyVersion = 0x0303 }
        #expect(JA4.fingerprint(onlyGrease).hasPrefix("t12"))
    }

    @Test("values that merely look like GREASE are kept (0xeeee, 0xefef, 0x0a0b)")
    func nearGrease() {
        let i = with { $0.signatureAlgorithms = [0xeeee, 0x0403, 0xefef]; $0.cipherSuites = [0x0a0b, 0x1301] }
        #expect(section(JA4.raw(i), 1) == "0a0b,1301")
        #expect(JA4.raw(i).hasSuffix("_eeee,0403,efef"))
    }

    @Test("all sixteen RFC 8701 values, and no others, are GREASE")
    func greaseSet() {
        let expected: Set<UInt16> = [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
                                     0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa]
        let found = Set((0...0xFFFF).map { UInt16($0) }.filter(GREASE.isGREASE))
        #expect(found == expected)
    }

    @Test("no SNI gives 'i'; a server_name extension gives 'd'")
    func sni() {
        let noSNI = with { $0.extensions.removeAll { $0 == 0x0000 }; $0.hasSNI = false }
        #expect(section(JA4.fingerprint(noSNI), 0) == "t13i1515h2")
        // SNI is not part of the hashed list, so only the a section changes.
        #expect(section(JA4.fingerprint(noSNI), 2) == section(JA4.fingerprint(specExample), 2))
        // The spec keys on the extension's presence.
        let extOnly = with { $0.hasSNI = false }
        #expect(section(JA4.fingerprint(extOnly), 0) == "t13d1516h2")
    }

    @Test("no ALPN, or an empty first value, gives 00")
    func noALPN() {
        let none = with { $0.alpnFirst = nil; $0.extensions.removeAll { $0 == 0x0010 } }
        #expect(section(JA4.fingerprint(none), 0) == "t13d151500")
        let empty = with { $0.alpnFirst = [] }
        #expect(section(JA4.fingerprint(empty), 0) == "t13d151600")
        // ALPN is not part of the hashed list either.
        #expect(section(JA4.fingerprint(none), 2) == section(JA4.fingerprint(specExample), 2))
    }

    @Test("ALPN characters, including the spec's non-alphanumeric examples", arguments: [
        (Array("h2".utf8), "h2"),
        (Array("http/1.1".utf8), "h1"),
        (Array("h3".utf8), "h3"),
        (Array("H2".utf8), "H2"),
        (Array("h".utf8), "hh"),
        (Array("spdy/3.1".utf8), "s1"),
        ([0xAB], "ab"),
        ([0xAB, 0xCD], "ad"),
        ([0x30, 0xAB], "3b"),
        ([0x30, 0x31, 0xAB, 0xCD], "3d"),
        ([0x30, 0xAB, 0xCD, 0x31], "01"),
        ([0xBA, 0xAD], "bd"),
        (Array("h2-".utf8), "6d"),   // '-' is not alphanumeric: hex "68322d" -> "6d"
    ] as [([UInt8], String)])
    func alpn(_ value: [UInt8], _ code: String) {
        #expect(JA4.alpnCode(value) == code)
        let i = with { $0.alpnFirst = value }
        #expect(section(JA4.fingerprint(i), 0) == "t13d1516" + code)
    }

    @Test("more than 99 ciphers or extensions are shown as 99; GREASE is not counted")
    func countsCapped() {
        let many = with {
            $0.cipherSuites = (0..<150).map { UInt16(0x0100 + $0) }
            $0.extensions = [0x0000, 0x0010] + (0..<120).map { UInt16(0x2000 + $0) }
        }
        #expect(section(JA4.fingerprint(many), 0) == "t13d9999h2")
        // The raw list still holds every cipher.
        #expect(section(JA4.raw(many), 1).split(separator: ",").count == 150)
        let exactly99 = with { $0.cipherSuites = (0..<99).map { UInt16(0x0100 + $0) } + [0x0a0a, 0x1a1a] }
        #expect(section(JA4.fingerprint(exactly99), 0).hasPrefix("t13d99"))
        let ninetyEight = with { $0.cipherSuites = (0..<98).map { UInt16(0x0100 + $0) } + [0x0a0a, 0x1a1a] }
        #expect(section(JA4.fingerprint(ninetyEight), 0).hasPrefix("t13d98"))
        let few = with { $0.cipherSuites = [0x1301] }
        #expect(section(JA4.fingerprint(few), 0).hasPrefix("t13d01"))
    }

    @Test("SCSVs and reserved values are counted and hashed")
    func scsv() {
        let i = with { $0.cipherSuites = [0x1301, 0x00ff, 0x5600, 0xfe10] }
        #expect(section(JA4.fingerprint(i), 0) == "t13d0416h2")
        #expect(section(JA4.raw(i), 1) == "00ff,1301,5600,fe10")
    }

    @Test("no ciphers, and no extensions besides SNI and ALPN, give twelve zeros")
    func emptyLists() {
        let i = FingerprintInput(legacyVersion: 0x0303, cipherSuites: [], extensions: [0x0000, 0x0010],
                                 hasSNI: true, alpnFirst: Array("h2".utf8))
        #expect(JA4.fingerprint(i) == "t12d0002h2_000000000000_000000000000")
        #expect(JA4.raw(i) == "t12d0002h2__")
        let bare = FingerprintInput(legacyVersion: 0x0303, cipherSuites: [0x002f])
        #expect(JA4.fingerprint(bare) == "t12i010000_ba72b8082249_000000000000")
        #expect(JA4.raw(bare) == "t12i010000_002f_")
    }

    @Test("TLS 1.3 comes from supported_versions, not legacy_version")
    func tls13ViaSupportedVersions() {
        let i = with { $0.legacyVersion = 0x0303; $0.supportedVersions = [0xbaba, 0x0303, 0x0304, 0x0302] }
        #expect(JA4.fingerprint(i).hasPrefix("t13"))
        #expect(JA4.effectiveVersion(i) == 0x0304)
        let noExt = with { $0.supportedVersions = [] }
        #expect(JA4.fingerprint(noExt).hasPrefix("t12"))
        // A draft value is the highest number, and unknown: "00" (Arkime's tls13.pcap agrees).
        let draft = with { $0.supportedVersions = [0x7f12, 0x0303] }
        #expect(JA4.fingerprint(draft).hasPrefix("t00"))
    }

    @Test("version codes", arguments: [
        (UInt16(0x0304), "13"), (0x0303, "12"), (0x0302, "11"), (0x0301, "10"),
        (0x0300, "s3"), (0x0002, "s2"), (0xfeff, "d1"), (0xfefd, "d2"), (0xfefc, "d3"),
        (0x0100, "00"), (0x7f1c, "00"), (0x0000, "00"), (0x0305, "00"),
    ] as [(UInt16, String)])
    func versionCodes(_ v: UInt16, _ code: String) {
        #expect(JA4.versionCode(v) == code)
        let i = FingerprintInput(legacyVersion: v, cipherSuites: [0x002f])
        #expect(JA4.fingerprint(i).hasPrefix("t" + code))
    }

    @Test("SSL 3.0 and SSL 2.0 hellos")
    func oldVersions() {
        let ssl3 = FingerprintInput(legacyVersion: 0x0300, cipherSuites: [0x0004, 0x0005, 0x000a, 0x00ff])
        #expect(JA4.fingerprint(ssl3).hasPrefix("ts3i040000_"))
        #expect(JA4.raw(ssl3) == "ts3i040000_0004,0005,000a,00ff_")
        let ssl2 = FingerprintInput(legacyVersion: 0x0002, cipherSuites: [0x0001, 0x0002])
        #expect(JA4.fingerprint(ssl2).hasPrefix("ts2i020000_"))
    }

    @Test("DTLS: 'd' prefix and DTLS versions, the highest by version order")
    func dtls() {
        let d12 = FingerprintInput(transport: .dtls, legacyVersion: 0xfefd, cipherSuites: [0xc02f])
        #expect(JA4.fingerprint(d12).hasPrefix("dd2i01"))
        // DTLS 1.3 offers (0xfefc, 0xfefd): 0xfefc is the higher version, though the lower number.
        let d13 = FingerprintInput(transport: .dtls, legacyVersion: 0xfefd, supportedVersions: [0xfefd, 0xfefc],
                                   cipherSuites: [0x1301], extensions: [0x002b])
        #expect(JA4.effectiveVersion(d13) == 0xfefc)
        #expect(JA4.fingerprint(d13).hasPrefix("dd3i0101"))
    }

    @Test("transport letters")
    func transports() {
        #expect(JA4.fingerprint(with { $0.transport = .quic }).hasPrefix("q13"))
        #expect(JA4.fingerprint(with { $0.transport = .dtls }).hasPrefix("d13"))
        #expect(JA4.fingerprint(with { $0.transport = .tcp }).hasPrefix("t13"))
    }

    @Test("extensions and ciphers are sorted; signature algorithms keep their order")
    func ordering() {
        let shuffled = with {
            $0.cipherSuites.reverse()
            $0.extensions.reverse()
        }
        #expect(JA4.fingerprint(shuffled) == JA4.fingerprint(specExample))
        let sigsReordered = with { $0.signatureAlgorithms.reverse() }
        #expect(section(JA4.fingerprint(sigsReordered), 2) != section(JA4.fingerprint(specExample), 2))
        #expect(JA4.raw(sigsReordered).hasSuffix("_0601,0806,0501,0805,0503,0401,0804,0403"))
    }
}
