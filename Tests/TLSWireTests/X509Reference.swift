// The summary's implementation before it wrote text as bytes (TLSWire at 9c77b83), kept here,
// renamed, as the reference the new one must equal field for field: per-scalar String building,
// String-keyed OID tables, array-based time parsing. Not used by the library.

import Testing
@testable import TLSWire

/// The old parse, as a function producing a CertificateSummary.
func referenceSummary(_ der: [UInt8]) -> CertificateSummary {
    var s = CertificateSummary(der: [])
    s.error = nil // CertificateSummary(der: []) only set the error: now every field is at its default
    der.withUnsafeBytes { raw in
        do throws(TLSParseError) { try s.refParse(raw.bytes, base: 0) } catch { if s.error == nil { s.error = error } }
    }
    return s
}

/// The old X509Time parser.
func referenceTime(_ bytes: RawSpan, _ r: Range<Int>, generalized: Bool) -> X509Time? {
    RefTime(bytes, r, generalized: generalized).map {
        X509Time(year: $0.year, month: $0.month, day: $0.day, hour: $0.hour, minute: $0.minute, second: $0.second,
                 isGeneralizedTime: $0.isGeneralizedTime)
    }
}

/// The old X509Time text.
func referenceDescription(_ t: X509Time) -> String {
    RefTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second).description
}

struct RefTime {
    var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
    var isGeneralizedTime = false
    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
    }

    var description: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }

    init?(_ bytes: RawSpan, _ r: Range<Int>, generalized: Bool) {
        let raw = bytes.tlsBytes(r)
        var digits = [Int]()
        var i = 0
        while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39 {
            digits.append(Int(raw[i] - 0x30))
            i += 1
        }
        // Skip fractional seconds.
        if i < raw.count, raw[i] == 0x2e {
            i += 1
            while i < raw.count, raw[i] >= 0x30, raw[i] <= 0x39 { i += 1 }
        }
        guard i == raw.count - 1, raw[i] == 0x5a else { return nil }
        func num(_ from: Int, _ n: Int) -> Int {
            var v = 0
            for k in from..<(from + n) { v = v * 10 + digits[k] }
            return v
        }
        var p = 0
        if generalized {
            guard digits.count == 14 || digits.count == 12 else { return nil }
            year = num(0, 4); p = 4
        } else {
            guard digits.count == 12 || digits.count == 10 else { return nil }
            let yy = num(0, 2)
            year = yy < 50 ? 2000 + yy : 1900 + yy
            p = 2
        }
        month = num(p, 2); day = num(p + 2, 2); hour = num(p + 4, 2); minute = num(p + 6, 2)
        second = digits.count - p >= 10 ? num(p + 8, 2) : 0
        isGeneralizedTime = generalized
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
    }
}

extension CertificateSummary {
    mutating func refNote(_ e: TLSParseError) {
        if error == nil { error = e }
    }

    mutating func refParse(_ bytes: RawSpan, base: Int) throws(TLSParseError) {
        var top = TLSReader(bytes, base: base)
        let cert = try top.readDER(expecting: DERElement.sequence, "certificate is not a SEQUENCE")
        if !top.isAtEnd { refNote(top.error(.invalidValue, "bytes after the certificate")) }
        var c = top.subReader(cert.value)
        let tbs = try c.readDER(expecting: DERElement.sequence, "tbsCertificate is not a SEQUENCE")
        // Outer signature algorithm (read first so it is known even if the TBS is damaged).
        var outer = c
        if let alg = try? outer.readDER(expecting: DERElement.sequence, "signatureAlgorithm is not a SEQUENCE") {
            var a = outer.subReader(alg.value)
            if let oid = try? a.readDER(expecting: DERElement.oid, "algorithm is not an OID"), let s = refOIDString(bytes, oid.value) {
                signatureAlgorithmOID = s
                signatureAlgorithm = RefOIDNames.signature(s) ?? s
            }
        }

        var t = c.subReader(tbs.value)
        if t.peekDERIdentifier() == 0xa0 {
            let v = try t.readDER()
            var vr = t.subReader(v.value)
            let i = try vr.readDER(expecting: DERElement.integer, "version is not an INTEGER")
            version = Int(truncatingIfNeeded: Swift.min(smallValue(bytes, i.value) ?? 0, 255)) + 1
        }
        let serialEl = try t.readDER(expecting: DERElement.integer, "serialNumber is not an INTEGER")
        let sb = bytes.tlsBytes(serialEl.value)
        let firstSignificant = sb.firstIndex { $0 != 0 } ?? Swift.max(sb.count - 1, 0)
        serial = TLSHex.string(sb[firstSignificant...], uppercase: true)

        let sig = try t.readDER(expecting: DERElement.sequence, "signature is not a SEQUENCE")
        var sr = t.subReader(sig.value)
        if let oid = try? sr.readDER(expecting: DERElement.oid, "algorithm is not an OID") {
            tbsSignatureAlgorithmOID = refOIDString(bytes, oid.value) ?? ""
        }

        let issuerEl = try t.readDER(expecting: DERElement.sequence, "issuer is not a SEQUENCE")
        do { issuer = try RefDistinguishedName.render(bytes, issuerEl.value, base: base).text } catch { refNote(error) }

        let validity = try t.readDER(expecting: DERElement.sequence, "validity is not a SEQUENCE")
        do {
            var vr = t.subReader(validity.value)
            notBefore = try refReadTime(&vr, bytes)
            notAfter = try refReadTime(&vr, bytes)
        } catch { refNote(error) }

        let subjectEl = try t.readDER(expecting: DERElement.sequence, "subject is not a SEQUENCE")
        do {
            let rendered = try RefDistinguishedName.render(bytes, subjectEl.value, base: base)
            subject = rendered.text
            subjectCommonName = rendered.commonName
        } catch { refNote(error) }
        isSelfIssued = bytes.tlsBytesEqual(issuerEl.value, subjectEl.value)

        let spki = try t.readDER(expecting: DERElement.sequence, "subjectPublicKeyInfo is not a SEQUENCE")
        do { try refReadPublicKey(bytes, t.subReader(spki.value)) } catch { refNote(error) }

        while !t.isAtEnd {
            let e = try t.readDER()
            if e.isContext(3) {
                do { try refReadExtensions(bytes, t.subReader(e.value)) } catch { refNote(error) }
            }
        }
    }

    func refReadTime(_ r: inout TLSReader, _ bytes: RawSpan) throws(TLSParseError) -> X509Time {
        let at = r.absoluteOffset
        let e = try r.readDER()
        switch e.identifier {
        case DERElement.utcTime:
            guard let t = referenceTime(bytes, e.value, generalized: false) else { throw TLSParseError(.invalidValue, offset: at, "bad UTCTime") }
            return t
        case DERElement.generalizedTime:
            guard let t = referenceTime(bytes, e.value, generalized: true) else { throw TLSParseError(.invalidValue, offset: at, "bad GeneralizedTime") }
            return t
        default:
            throw TLSParseError(.invalidValue, offset: at, "time is neither UTCTime nor GeneralizedTime")
        }
    }

    mutating func refReadPublicKey(_ bytes: RawSpan, _ spki: TLSReader) throws(TLSParseError) {
        var r = spki
        let alg = try r.readDER(expecting: DERElement.sequence, "SPKI algorithm is not a SEQUENCE")
        let key = try r.readDER(expecting: DERElement.bitString, "subjectPublicKey is not a BIT STRING")
        var a = r.subReader(alg.value)
        let oidEl = try a.readDER(expecting: DERElement.oid, "SPKI algorithm is not an OID")
        let oid = refOIDString(bytes, oidEl.value) ?? ""
        publicKeyAlgorithmOID = oid
        publicKeyAlgorithm = RefOIDNames.publicKey(oid) ?? oid
        keyType = RefOIDNames.keyType(oid)
        // BIT STRING contents: one octet of unused bits, then the key.
        let keyBytes = key.value.isEmpty ? key.value : (key.value.lowerBound + 1)..<key.value.upperBound
        switch keyType {
        case .rsa, .rsaPSS:
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            var k = r.subReader(keyBytes)
            let seq = try k.readDER(expecting: DERElement.sequence, "RSAPublicKey is not a SEQUENCE")
            var s = k.subReader(seq.value)
            let n = try s.readDER(expecting: DERElement.integer, "modulus is not an INTEGER")
            let e = try s.readDER(expecting: DERElement.integer, "publicExponent is not an INTEGER")
            keyBits = bitLength(bytes, n.value)
            rsaExponent = smallValue(bytes, e.value)
        case .ec, .sm2:
            // ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }
            if a.peekDERIdentifier() == DERElement.oid {
                let p = try a.readDER()
                if let c = refOIDString(bytes, p.value) {
                    curveOID = c
                    curve = RefOIDNames.curve(c)?.name ?? c
                    keyBits = RefOIDNames.curve(c)?.bits
                }
            }
            if keyBits == nil, keyBytes.count > 1 {
                // Uncompressed point 04 || X || Y.
                keyBits = (keyBytes.count - 1) / 2 * 8
            }
        case .dsa, .dh:
            // Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER }
            if a.peekDERIdentifier() == DERElement.sequence {
                let p = try a.readDER()
                var pr = a.subReader(p.value)
                let prime = try pr.readDER(expecting: DERElement.integer, "p is not an INTEGER")
                keyBits = bitLength(bytes, prime.value)
            }
        case .ed25519, .x25519: keyBits = 256
        case .ed448: keyBits = 456
        case .x448: keyBits = 448
        case .mldsa, .slhdsa, .gost, .unknown:
            keyBits = keyBytes.isEmpty ? nil : keyBytes.count * 8
        }
    }

    mutating func refReadExtensions(_ bytes: RawSpan, _ outer: TLSReader) throws(TLSParseError) {
        var o = outer
        let seq = try o.readDER(expecting: DERElement.sequence, "Extensions is not a SEQUENCE")
        var list = o.subReader(seq.value)
        while !list.isAtEnd {
            let ext = try list.readDER(expecting: DERElement.sequence, "Extension is not a SEQUENCE")
            var e = list.subReader(ext.value)
            let oidEl = try e.readDER(expecting: DERElement.oid, "extnID is not an OID")
            let oid = refOIDString(bytes, oidEl.value) ?? "?"
            extensionOIDs.append(oid)
            if e.peekDERIdentifier() == DERElement.boolean { _ = try e.readDER() }
            let value = try e.readDER(expecting: DERElement.octetString, "extnValue is not an OCTET STRING")
            let v = e.subReader(value.value)
            do {
                switch oid {
                case "2.5.29.17": try refReadSAN(bytes, v)
                case "2.5.29.15": try refReadKeyUsage(bytes, v)
                case "2.5.29.37": try refReadEKU(bytes, v)
                case "2.5.29.19": try refReadBasicConstraints(bytes, v)
                case "2.5.29.14":
                    var r = v
                    let k = try r.readDER(expecting: DERElement.octetString, "subjectKeyIdentifier is not an OCTET STRING")
                    subjectKeyIdentifier = TLSHex.string(bytes, k.value)
                case "2.5.29.35":
                    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, ... }
                    var r = v
                    let s = try r.readDER(expecting: DERElement.sequence, "authorityKeyIdentifier is not a SEQUENCE")
                    var sr = r.subReader(s.value)
                    while !sr.isAtEnd {
                        let item = try sr.readDER()
                        if item.identifier == 0x80 { authorityKeyIdentifier = TLSHex.string(bytes, item.value) }
                    }
                case "1.3.6.1.4.1.11129.2.4.2": hasSCTList = true
                default: break
                }
            } catch { refNote(error) }
        }
    }

    mutating func refReadSAN(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
        // GeneralName ::= CHOICE { otherName [0], rfc822Name [1] IA5String, dNSName [2] IA5String,
        //   x400Address [3], directoryName [4], ediPartyName [5], uniformResourceIdentifier [6] IA5String,
        //   iPAddress [7] OCTET STRING, registeredID [8] OBJECT IDENTIFIER }
        var r = v
        let seq = try r.readDER(expecting: DERElement.sequence, "GeneralNames is not a SEQUENCE")
        var s = r.subReader(seq.value)
        var san = SubjectAlternativeNames()
        while !s.isAtEnd {
            let n = try s.readDER()
            guard n.tagClass == 2 else { san.otherCount += 1; continue }
            switch n.tagNumber {
            case 1: san.email.append(RefDistinguishedName.latin1(bytes, n.value))
            case 2: san.dns.append(RefDistinguishedName.latin1(bytes, n.value))
            case 6: san.uri.append(RefDistinguishedName.latin1(bytes, n.value))
            case 7: san.ip.append(IPText.format(bytes.tlsBytes(n.value)))
            default: san.otherCount += 1
            }
        }
        subjectAlternativeNames = san
    }

    mutating func refReadKeyUsage(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // KeyUsage ::= BIT STRING { digitalSignature (0), nonRepudiation (1), keyEncipherment (2),
        //   dataEncipherment (3), keyAgreement (4), keyCertSign (5), cRLSign (6), encipherOnly (7), decipherOnly (8) }
        var r = v
        let b = try r.readDER(expecting: DERElement.bitString, "keyUsage is not a BIT STRING")
        let raw = bytes.tlsBytes(b.value)
        var bits: UInt16 = 0
        if raw.count >= 2 {
            // Bit 0 is the most significant bit of the first content octet.
            for i in 0..<9 {
                let octet = 1 + i / 8
                guard octet < raw.count else { break }
                if raw[octet] & (0x80 >> UInt8(i % 8)) != 0 { bits |= 1 << UInt16(i) }
            }
        }
        keyUsageBits = bits
        let names = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
                     "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"]
        keyUsage = (0..<9).filter { bits & (1 << UInt16($0)) != 0 }.map { names[$0] }
    }

    mutating func refReadEKU(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
        var r = v
        let seq = try r.readDER(expecting: DERElement.sequence, "extKeyUsage is not a SEQUENCE")
        var s = r.subReader(seq.value)
        var out = [String]()
        while !s.isAtEnd {
            let o = try s.readDER(expecting: DERElement.oid, "KeyPurposeId is not an OID")
            let d = refOIDString(bytes, o.value) ?? "?"
            out.append(RefOIDNames.extendedKeyUsage(d) ?? d)
        }
        extendedKeyUsage = out
    }

    mutating func refReadBasicConstraints(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }
        var r = v
        let seq = try r.readDER(expecting: DERElement.sequence, "basicConstraints is not a SEQUENCE")
        var s = r.subReader(seq.value)
        var ca = false
        if s.peekDERIdentifier() == DERElement.boolean {
            let b = try s.readDER()
            ca = bytes.tlsByte(at: b.value.lowerBound).map { $0 != 0 } ?? false
        }
        if s.peekDERIdentifier() == DERElement.integer {
            let i = try s.readDER()
            pathLengthConstraint = smallValue(bytes, i.value).map { Int(truncatingIfNeeded: $0) }
        }
        isCA = ca
    }
}

enum RefDistinguishedName {
    /// `value`: the contents of the Name SEQUENCE.
    static func render(_ bytes: RawSpan, _ value: Range<Int>, base: Int = 0) throws(TLSParseError) -> (text: String, commonName: String?) {
        var rdns = [String]()
        var cn: String?
        var r = TLSReader(bytes, range: value, base: base)
        while !r.isAtEnd {
            let set = try r.readDER(expecting: DERElement.set, "RDN is not a SET")
            var s = r.subReader(set.value)
            var parts = [String]()
            while !s.isAtEnd {
                let atv = try s.readDER(expecting: DERElement.sequence, "AttributeTypeAndValue is not a SEQUENCE")
                var a = s.subReader(atv.value)
                let oidEl = try a.readDER(expecting: DERElement.oid, "attribute type is not an OID")
                let oid = refOIDString(bytes, oidEl.value) ?? "?"
                let v = try a.readDER()
                let text: String
                if let decoded = decodeString(bytes, v) {
                    text = escape(decoded)
                    if oid == "2.5.4.3" && cn == nil { cn = decoded }
                } else {
                    text = "#" + TLSHex.string(bytes, v.whole)
                }
                parts.append((RefOIDNames.attribute(oid) ?? oid) + "=" + text)
            }
            rdns.append(RefDistinguishedName.join(parts, "+", reversed: false))
        }
        return (RefDistinguishedName.join(rdns, ",", reversed: true), cn)
    }

    /// The strings joined by `separator`, last first when `reversed` (what `joined(separator:)`
    /// gives, without the generic machinery a first call of it instantiates at run time).
    static func join(_ parts: [String], _ separator: String, reversed: Bool) -> String {
        if parts.count == 1 { return parts[0] }
        var out = ""
        for i in parts.indices {
            if i > 0 { out += separator }
            out += parts[reversed ? parts.count - 1 - i : i]
        }
        return out
    }

    /// Text of a directory string; nil for types rendered as hex.
    static func decodeString(_ bytes: RawSpan, _ e: DERElement) -> String? {
        switch e.identifier {
        case DERElement.utf8String:
            return String(decoding: bytes.tlsBytes(e.value), as: UTF8.self)
        case DERElement.printableString, DERElement.ia5String, 0x1a /* VisibleString */, 0x12 /* NumericString */:
            return latin1(bytes, e.value)
        case DERElement.t61String:
            return latin1(bytes, e.value)
        case 0x1e: // BMPString: UCS-2 big-endian
            let raw = bytes.tlsBytes(e.value)
            var units = [UInt16]()
            var i = 0
            while i + 1 < raw.count { units.append(UInt16(raw[i]) << 8 | UInt16(raw[i + 1])); i += 2 }
            return String(decoding: units, as: UTF16.self)
        case 0x1c: // UniversalString: UCS-4 big-endian
            let raw = bytes.tlsBytes(e.value)
            var s = ""
            var i = 0
            while i + 3 < raw.count {
                let v = UInt32(raw[i]) << 24 | UInt32(raw[i + 1]) << 16 | UInt32(raw[i + 2]) << 8 | UInt32(raw[i + 3])
                s.unicodeScalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                i += 4
            }
            return s
        default:
            return nil
        }
    }

    /// Bytes as Latin-1 (one byte, one code point).
    static func latin1(_ bytes: RawSpan, _ r: Range<Int>) -> String {
        var s = ""
        for b in bytes.tlsBytes(r) { s.unicodeScalars.append(Unicode.Scalar(b)) }
        return s
    }

    /// RFC 4514 §2.4: escape `"+,;<>\`, a leading `#` or space, a trailing space, and controls.
    static func escape(_ s: String) -> String {
        var out = ""
        let scalars = Array(s.unicodeScalars)
        for (i, c) in scalars.enumerated() {
            switch c {
            case "\"", "+", ",", ";", "<", ">", "\\":
                out += "\\"; out.unicodeScalars.append(c)
            case "#" where i == 0, " " where i == 0 || i == scalars.count - 1:
                out += "\\"; out.unicodeScalars.append(c)
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    out += "\\" + TLSHex.string([UInt8(c.value)], uppercase: true)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }
}

enum RefOIDNames {
    /// Name attribute types (RFC 4519, PKCS #9, CA/B EV).
    static func attribute(_ oid: String) -> String? {
        switch oid {
        case "2.5.4.3": return "CN"
        case "2.5.4.4": return "SN"
        case "2.5.4.5": return "serialNumber"
        case "2.5.4.6": return "C"
        case "2.5.4.7": return "L"
        case "2.5.4.8": return "ST"
        case "2.5.4.9": return "street"
        case "2.5.4.10": return "O"
        case "2.5.4.11": return "OU"
        case "2.5.4.12": return "title"
        case "2.5.4.13": return "description"
        case "2.5.4.15": return "businessCategory"
        case "2.5.4.17": return "postalCode"
        case "2.5.4.41": return "name"
        case "2.5.4.42": return "GN"
        case "2.5.4.43": return "initials"
        case "2.5.4.44": return "generationQualifier"
        case "2.5.4.46": return "dnQualifier"
        case "2.5.4.65": return "pseudonym"
        case "2.5.4.97": return "organizationIdentifier"
        case "1.2.840.113549.1.9.1": return "emailAddress"
        case "1.2.840.113549.1.9.2": return "unstructuredName"
        case "0.9.2342.19200300.100.1.1": return "UID"
        case "0.9.2342.19200300.100.1.25": return "DC"
        case "1.3.6.1.4.1.311.60.2.1.1": return "jurisdictionL"
        case "1.3.6.1.4.1.311.60.2.1.2": return "jurisdictionST"
        case "1.3.6.1.4.1.311.60.2.1.3": return "jurisdictionC"
        default: return nil
        }
    }

    static func signature(_ oid: String) -> String? {
        switch oid {
        case "1.2.840.113549.1.1.2": return "md2WithRSAEncryption"
        case "1.2.840.113549.1.1.4": return "md5WithRSAEncryption"
        case "1.2.840.113549.1.1.5": return "sha1WithRSAEncryption"
        case "1.2.840.113549.1.1.10": return "rsassaPss"
        case "1.2.840.113549.1.1.11": return "sha256WithRSAEncryption"
        case "1.2.840.113549.1.1.12": return "sha384WithRSAEncryption"
        case "1.2.840.113549.1.1.13": return "sha512WithRSAEncryption"
        case "1.2.840.113549.1.1.14": return "sha224WithRSAEncryption"
        case "1.3.14.3.2.29": return "sha1WithRSA"
        case "1.2.840.10045.4.1": return "ecdsa-with-SHA1"
        case "1.2.840.10045.4.3.1": return "ecdsa-with-SHA224"
        case "1.2.840.10045.4.3.2": return "ecdsa-with-SHA256"
        case "1.2.840.10045.4.3.3": return "ecdsa-with-SHA384"
        case "1.2.840.10045.4.3.4": return "ecdsa-with-SHA512"
        case "1.2.840.10040.4.3": return "dsaWithSHA1"
        case "2.16.840.1.101.3.4.3.1": return "dsa_with_SHA224"
        case "2.16.840.1.101.3.4.3.2": return "dsa_with_SHA256"
        case "1.3.101.112": return "ED25519"
        case "1.3.101.113": return "ED448"
        case "2.16.840.1.101.3.4.3.17": return "ML-DSA-44"
        case "2.16.840.1.101.3.4.3.18": return "ML-DSA-65"
        case "2.16.840.1.101.3.4.3.19": return "ML-DSA-87"
        case "1.2.156.10197.1.501": return "SM2-with-SM3"
        case "1.2.643.7.1.1.3.2": return "id-tc26-signwithdigest-gost3410-2012-256"
        case "1.2.643.7.1.1.3.3": return "id-tc26-signwithdigest-gost3410-2012-512"
        default:
            if let s = slhdsa(oid) { return s }
            return nil
        }
    }

    static func slhdsa(_ oid: String) -> String? {
        let names = ["SLH-DSA-SHA2-128s", "SLH-DSA-SHA2-128f", "SLH-DSA-SHA2-192s", "SLH-DSA-SHA2-192f",
                     "SLH-DSA-SHA2-256s", "SLH-DSA-SHA2-256f", "SLH-DSA-SHAKE-128s", "SLH-DSA-SHAKE-128f",
                     "SLH-DSA-SHAKE-192s", "SLH-DSA-SHAKE-192f", "SLH-DSA-SHAKE-256s", "SLH-DSA-SHAKE-256f"]
        let prefix = "2.16.840.1.101.3.4.3."
        guard oid.hasPrefix(prefix), let n = Int(oid.dropFirst(prefix.count)), n >= 20, n <= 31 else { return nil }
        return names[n - 20]
    }

    static func publicKey(_ oid: String) -> String? {
        switch oid {
        case "1.2.840.113549.1.1.1": return "rsaEncryption"
        case "1.2.840.113549.1.1.10": return "rsassaPss"
        case "1.2.840.10045.2.1": return "id-ecPublicKey"
        case "1.2.840.10040.4.1": return "dsaEncryption"
        case "1.2.840.113549.1.3.1": return "dhKeyAgreement"
        case "1.2.840.10046.2.1": return "dhpublicnumber"
        case "1.3.101.110": return "X25519"
        case "1.3.101.111": return "X448"
        case "1.3.101.112": return "ED25519"
        case "1.3.101.113": return "ED448"
        case "2.16.840.1.101.3.4.3.17": return "ML-DSA-44"
        case "2.16.840.1.101.3.4.3.18": return "ML-DSA-65"
        case "2.16.840.1.101.3.4.3.19": return "ML-DSA-87"
        case "1.2.156.10197.1.301": return "SM2"
        case "1.2.643.7.1.1.1.1": return "gost2012_256"
        case "1.2.643.7.1.1.1.2": return "gost2012_512"
        default: return slhdsa(oid)
        }
    }

    static func keyType(_ oid: String) -> CertificateSummary.KeyType {
        switch oid {
        case "1.2.840.113549.1.1.1": return .rsa
        case "1.2.840.113549.1.1.10": return .rsaPSS
        case "1.2.840.10045.2.1": return .ec
        case "1.2.840.10040.4.1": return .dsa
        case "1.2.840.113549.1.3.1", "1.2.840.10046.2.1": return .dh
        case "1.3.101.110": return .x25519
        case "1.3.101.111": return .x448
        case "1.3.101.112": return .ed25519
        case "1.3.101.113": return .ed448
        case "2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.18", "2.16.840.1.101.3.4.3.19": return .mldsa
        case "1.2.156.10197.1.301": return .sm2
        case "1.2.643.7.1.1.1.1", "1.2.643.7.1.1.1.2": return .gost
        default: return slhdsa(oid) != nil ? .slhdsa : .unknown
        }
    }

    /// Named curves: SEC 2 / RFC 5639 name and field size in bits.
    static func curve(_ oid: String) -> (name: String, bits: Int)? {
        switch oid {
        case "1.2.840.10045.3.1.7": return ("secp256r1", 256)
        case "1.3.132.0.34": return ("secp384r1", 384)
        case "1.3.132.0.35": return ("secp521r1", 521)
        case "1.3.132.0.10": return ("secp256k1", 256)
        case "1.3.132.0.33": return ("secp224r1", 224)
        case "1.2.840.10045.3.1.1": return ("secp192r1", 192)
        case "1.3.36.3.3.2.8.1.1.7": return ("brainpoolP256r1", 256)
        case "1.3.36.3.3.2.8.1.1.11": return ("brainpoolP384r1", 384)
        case "1.3.36.3.3.2.8.1.1.13": return ("brainpoolP512r1", 512)
        case "1.2.156.10197.1.301": return ("SM2", 256)
        default: return nil
        }
    }

    /// OpenSSL's name for a curve where it differs from the SEC name (prime256v1, prime192v1).
    static func openSSLCurveName(_ name: String) -> String {
        switch name {
        case "secp256r1": return "prime256v1"
        case "secp192r1": return "prime192v1"
        default: return name
        }
    }

    static func extendedKeyUsage(_ oid: String) -> String? {
        switch oid {
        case "1.3.6.1.5.5.7.3.1": return "serverAuth"
        case "1.3.6.1.5.5.7.3.2": return "clientAuth"
        case "1.3.6.1.5.5.7.3.3": return "codeSigning"
        case "1.3.6.1.5.5.7.3.4": return "emailProtection"
        case "1.3.6.1.5.5.7.3.5": return "ipsecEndSystem"
        case "1.3.6.1.5.5.7.3.6": return "ipsecTunnel"
        case "1.3.6.1.5.5.7.3.7": return "ipsecUser"
        case "1.3.6.1.5.5.7.3.8": return "timeStamping"
        case "1.3.6.1.5.5.7.3.9": return "OCSPSigning"
        case "1.3.6.1.5.5.7.3.17": return "ipsecIKE"
        case "2.5.29.37.0": return "anyExtendedKeyUsage"
        case "1.3.6.1.4.1.311.10.3.3": return "msSGC"
        case "2.16.840.1.113730.4.1": return "nsSGC"
        case "1.3.6.1.4.1.311.20.2.2": return "msSmartcardLogin"
        case "1.3.6.1.4.1.311.10.3.4": return "msEFS"
        case "1.3.6.1.5.2.3.5": return "pkInitKDC"
        case "1.3.6.1.4.1.311.54.1.2": return "remoteDesktopAuthentication"
        default: return nil
        }
    }
}

func refOIDString(_ bytes: RawSpan, _ r: Range<Int>) -> String? {
    guard !r.isEmpty, bytes.tlsContains(r) else { return nil }
    var parts = [UInt64]()
    var v: UInt64 = 0
    var octets = 0
    var i = r.lowerBound
    while i < r.upperBound {
        let b = bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self)
        if octets == 0 && b == 0x80 { return nil } // non-minimal encoding
        v = v << 7 | UInt64(b & 0x7f)
        octets += 1
        if octets > 9 { return nil } // more than 63 bits
        if b & 0x80 == 0 {
            if parts.isEmpty {
                if v < 40 { parts.append(0); parts.append(v) }
                else if v < 80 { parts.append(1); parts.append(v - 40) }
                else { parts.append(2); parts.append(v - 80) }
            } else {
                parts.append(v)
            }
            v = 0
            octets = 0
        }
        i += 1
    }
    guard octets == 0 else { return nil } // last arc unterminated
    var s = ""
    for (k, p) in parts.enumerated() {
        if k > 0 { s += "." }
        s += String(p)
    }
    return s
}
