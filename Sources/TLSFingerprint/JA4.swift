// JA4 (FoxIO, BSD-3-Clause): a ClientHello fingerprint, per FoxIO's technical_details/JA4.md.
//
//     t13d1516h2_8daaf6152771_e5627efa2ab1
//     │││ │ │ │  │            └ c: SHA-256 of "sorted extensions[_signature algorithms]", 12 hex digits
//     │││ │ │ │  └ b: SHA-256 of the sorted cipher list, 12 hex digits
//     │││ │ │ └ first and last character of the first ALPN value ("00" if none)
//     │││ │ └ extension count, 2 digits, GREASE not counted, SNI and ALPN counted, at most 99
//     │││ └ cipher count, 2 digits, GREASE not counted, SCSVs counted, at most 99
//     ││└ "d": a server_name extension is present; "i": it is not
//     │└ version: highest supported_versions value (GREASE ignored), else legacy_version:
//     │    13 12 11 10 s3 (0x0300) s2 (0x0002) d1 (0xfeff) d2 (0xfefd) d3 (0xfefc), else 00
//     └ "t" TLS over TCP, "q" QUIC, "d" DTLS
//
// Rules, from the specification text:
// - GREASE values are ignored everywhere: ciphers, extensions, supported_versions and signature
//   algorithms.
// - Lists are 4-digit lower-case hex joined by ','. Ciphers and extensions are sorted in hex order
//   (SCSVs and reserved values kept); SNI (0000) and ALPN (0010) are left out of the extension list
//   that is hashed, though they are counted in the a section.
// - Signature algorithms follow the sorted extensions after a '_', in the order sent; with none,
//   the string ends without the '_'.
// - An empty cipher list gives b = 000000000000; an empty (sorted, SNI/ALPN-free) extension list
//   gives c = 000000000000, instead of hashing nothing.
// - ALPN: the first and last byte of the first ALPN value; a single byte is both. If either byte is
//   not ASCII alphanumeric (0-9, A-Z, a-z), the first and last digit of the value's hex form instead
//   (0xAB -> "ab", 0x30 0xAB -> "3b"). No ALPN, or an empty first value -> "00".
// JA4_r ("raw") is the same with the two lists written out instead of hashed.

/// JA4 client fingerprints.
public enum JA4 {
    /// The JA4 fingerprint, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`.
    public static func fingerprint(_ input: FingerprintInput) -> String {
        Parts(input).fingerprint
    }

    /// JA4_r: the fingerprint with the sorted cipher list and the extension/signature list written out.
    public static func raw(_ input: FingerprintInput) -> String {
        Parts(input).raw
    }

    /// Both forms, computing the shared parts once.
    public static func fingerprintAndRaw(_ input: FingerprintInput) -> (fingerprint: String, raw: String) {
        let p = Parts(input)
        return (p.fingerprint, p.raw)
    }

    /// The two-character version code for a protocol version value (`13`, `s3`, `d2`, … or `00`).
    public static func versionCode(_ version: UInt16) -> String {
        let (x, y) = versionChars(version)
        return String(decoding: [x, y], as: UTF8.self)
    }

    /// The version JA4 reports: the highest non-GREASE supported_versions entry, else legacy_version.
    /// DTLS versions count down (0xfeff is 1.0, 0xfefc is 1.3), so "highest" compares them as versions.
    public static func effectiveVersion(_ input: FingerprintInput) -> UInt16 {
        var best: UInt16? = nil
        for v in input.supportedVersions where !GREASE.isGREASE(v) {
            if let b = best, versionRank(b) >= versionRank(v) { continue }
            best = v
        }
        return best ?? input.legacyVersion
    }

    /// The first and last characters JA4 shows for the first ALPN value ("00" without one).
    public static func alpnCode(_ first: [UInt8]?) -> String {
        let (x, y) = alpnChars(first)
        return String(decoding: [x, y], as: UTF8.self)
    }

    // MARK: - Pieces

    /// The a section and both lists, as ASCII bytes.
    struct Parts {
        /// "t13d1516h2": ten bytes.
        var a: [UInt8]
        /// Sorted non-GREASE ciphers, "002f,0035,…" (empty when there are none).
        var cipherList: [UInt8]
        /// Sorted extensions without GREASE, SNI and ALPN, then "_" and the signature algorithms if any.
        var extensionList: [UInt8]
        var hasCiphers: Bool
        var hasExtensions: Bool

        init(_ input: FingerprintInput) {
            var ciphers: [UInt16] = []
            ciphers.reserveCapacity(input.cipherSuites.count)
            for c in input.cipherSuites where !GREASE.isGREASE(c) { ciphers.append(c) }

            var extensionCount = 0
            var hasServerName = false
            var hashed: [UInt16] = []
            hashed.reserveCapacity(input.extensions.count)
            for e in input.extensions where !GREASE.isGREASE(e) {
                extensionCount &+= 1
                if e == 0x0000 { hasServerName = true }
                if e != 0x0000 && e != 0x0010 { hashed.append(e) }
            }

            var a: [UInt8] = []
            a.reserveCapacity(10)
            switch input.transport {
            case .tcp: a.append(UInt8(ascii: "t"))
            case .quic: a.append(UInt8(ascii: "q"))
            case .dtls: a.append(UInt8(ascii: "d"))
            }
            let (v0, v1) = versionChars(effectiveVersion(input))
            a.append(v0)
            a.append(v1)
            // The spec: "d" if the SNI extension exists. `hasSNI` agrees for any well-formed hello.
            a.append(hasServerName || input.hasSNI ? UInt8(ascii: "d") : UInt8(ascii: "i"))
            appendCount(ciphers.count, to: &a)
            appendCount(extensionCount, to: &a)
            let (l0, l1) = alpnChars(input.alpnFirst)
            a.append(l0)
            a.append(l1)
            self.a = a

            ciphers.sort()
            var cipherList: [UInt8] = []
            cipherList.reserveCapacity(ciphers.count * 5)
            HexText.appendList(ciphers, to: &cipherList)
            self.cipherList = cipherList
            hasCiphers = !ciphers.isEmpty

            hashed.sort()
            var extensionList: [UInt8] = []
            extensionList.reserveCapacity((hashed.count + input.signatureAlgorithms.count + 1) * 5)
            HexText.appendList(hashed, to: &extensionList)
            var firstSig = true
            for s in input.signatureAlgorithms where !GREASE.isGREASE(s) {
                extensionList.append(firstSig ? UInt8(ascii: "_") : UInt8(ascii: ","))
                firstSig = false
                HexText.append4(s, to: &extensionList)
            }
            self.extensionList = extensionList
            hasExtensions = !hashed.isEmpty
        }

        var fingerprint: String {
            var out = a
            out.reserveCapacity(36)
            out.append(UInt8(ascii: "_"))
            out.append(contentsOf: hasCiphers ? cipherList.withUnsafeBytes { Digest.sha256Hex12($0) }.utf8 : zeros.utf8)
            out.append(UInt8(ascii: "_"))
            out.append(contentsOf: hasExtensions ? extensionList.withUnsafeBytes { Digest.sha256Hex12($0) }.utf8 : zeros.utf8)
            return String(decoding: out, as: UTF8.self)
        }

        var raw: String {
            var out = a
            out.reserveCapacity(a.count + cipherList.count + extensionList.count + 2)
            out.append(UInt8(ascii: "_"))
            out.append(contentsOf: cipherList)
            out.append(UInt8(ascii: "_"))
            out.append(contentsOf: extensionList)
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static let zeros = "000000000000"

    /// Two decimal digits, capped at 99.
    private static func appendCount(_ n: Int, to out: inout [UInt8]) {
        let c = UInt8(truncatingIfNeeded: min(max(n, 0), 99))
        out.append(UInt8(ascii: "0") &+ c / 10)
        out.append(UInt8(ascii: "0") &+ c % 10)
    }

    /// Orders versions: TLS/SSL by value; DTLS (0xFExx, counting down) reversed within its range.
    private static func versionRank(_ v: UInt16) -> UInt16 {
        v >> 8 == 0xFE ? 0xFE00 | (0xFF &- (v & 0xFF)) : v
    }

    private static func versionChars(_ v: UInt16) -> (UInt8, UInt8) {
        switch v {
        case 0x0304: (UInt8(ascii: "1"), UInt8(ascii: "3"))
        case 0x0303: (UInt8(ascii: "1"), UInt8(ascii: "2"))
        case 0x0302: (UInt8(ascii: "1"), UInt8(ascii: "1"))
        case 0x0301: (UInt8(ascii: "1"), UInt8(ascii: "0"))
        case 0x0300: (UInt8(ascii: "s"), UInt8(ascii: "3"))
        case 0x0002: (UInt8(ascii: "s"), UInt8(ascii: "2"))
        case 0xFEFF: (UInt8(ascii: "d"), UInt8(ascii: "1"))
        case 0xFEFD: (UInt8(ascii: "d"), UInt8(ascii: "2"))
        case 0xFEFC: (UInt8(ascii: "d"), UInt8(ascii: "3"))
        default: (UInt8(ascii: "0"), UInt8(ascii: "0"))
        }
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }

    private static func alpnChars(_ value: [UInt8]?) -> (UInt8, UInt8) {
        guard let value, let first = value.first, let last = value.last else {
            return (UInt8(ascii: "0"), UInt8(ascii: "0"))
        }
        if isAlphanumeric(first) && isAlphanumeric(last) { return (first, last) }
        // The first and last digit of the value's hex text: high nibble of the first byte,
        // low nibble of the last.
        return (HexText.digits[Int(first >> 4)], HexText.digits[Int(last & 0xF)])
    }
}
