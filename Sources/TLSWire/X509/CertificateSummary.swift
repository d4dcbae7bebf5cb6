// A summary of an X.509 certificate (RFC 5280) read by a pure-Swift DER walker. Garbage never
// traps: whatever could be read is kept, and the first error is reported in `error`.
//
//     Certificate ::= SEQUENCE {
//          tbsCertificate       TBSCertificate,
//          signatureAlgorithm   AlgorithmIdentifier,
//          signatureValue       BIT STRING }
//
//     TBSCertificate ::= SEQUENCE {
//          version         [0]  EXPLICIT Version DEFAULT v1,
//          serialNumber         CertificateSerialNumber,
//          signature            AlgorithmIdentifier,
//          issuer               Name,
//          validity             Validity,
//          subject              Name,
//          subjectPublicKeyInfo SubjectPublicKeyInfo,
//          issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
//          subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
//          extensions      [3]  EXPLICIT Extensions OPTIONAL }
//
//     Validity ::= SEQUENCE { notBefore Time, notAfter Time }
//     Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
//     SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
//     AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
//     Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }

/// A certificate time (UTCTime or GeneralizedTime), with seconds since 1970 computed here.
public struct X509Time: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var isGeneralizedTime: Bool

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, isGeneralizedTime: Bool = false) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.isGeneralizedTime = isGeneralizedTime
    }

    /// Seconds since 1970-01-01T00:00:00Z (proleptic Gregorian calendar, no leap seconds).
    public var unixSeconds: Int64 {
        Int64(X509Time.daysFromCivil(year, month, day)) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 of a Gregorian date. Years are counted in 400-year eras of 146097
    /// days; within an era, a year starting on March 1 puts the leap day last.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                   // 0...399
        let monthFromMarch = m > 2 ? m - 3 : m + 9                      // 0...11
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + d - 1          // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468                         // 719468: 0000-03-01 → 1970-01-01
    }

    public static func < (a: X509Time, b: X509Time) -> Bool { a.unixSeconds < b.unixSeconds }

    /// ISO 8601, e.g. `2013-11-12T10:17:31Z`: each field zero-padded to 4 or 2 digits.
    public var description: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day),
              (0...99).contains(hour), (0...99).contains(minute), (0...99).contains(second) else {
            return paddedDescription
        }
        // Every field fits its width: 20 ASCII characters, written in place.
        return String(unsafeUninitializedCapacity: 20) { out in
            guard out.count >= 20 else { return 0 }
            @inline(__always) func put(_ v: Int, _ width: Int, _ at: Int) {
                var x = v
                var k = at &+ width &- 1
                while k >= at {
                    out[k] = 0x30 &+ UInt8(truncatingIfNeeded: x % 10)
                    x /= 10
                    k &-= 1
                }
            }
            put(year, 4, 0); out[4] = 0x2d
            put(month, 2, 5); out[7] = 0x2d
            put(day, 2, 8); out[10] = 0x54
            put(hour, 2, 11); out[13] = 0x3a
            put(minute, 2, 14); out[16] = 0x3a
            put(second, 2, 17); out[19] = 0x5a
            return 20
        }
    }

    /// The general form (negative or wide fields: `String(v)` left-padded with zeros).
    var paddedDescription: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }

    /// Parses UTCTime `YYMMDDHHMM[SS]Z` (YY < 50 → 20YY) or GeneralizedTime
    /// `YYYYMMDDHHMMSS[.fff]Z`. Offsets (+hhmm) are applied only as "Z" is required by RFC 5280;
    /// other forms return nil.
    public init?(_ bytes: RawSpan, _ r: Range<Int>, generalized: Bool) {
        // The range clamped to the span, read in place.
        let lo = Swift.min(Swift.max(r.lowerBound, 0), bytes.byteCount)
        let hi = Swift.min(Swift.max(r.upperBound, lo), bytes.byteCount)
        @inline(__always) func at(_ k: Int) -> UInt8 { bytes.unsafeLoad(fromUncheckedByteOffset: lo &+ k, as: UInt8.self) }
        let count = hi &- lo
        var digits = 0
        while digits < count, at(digits) >= 0x30, at(digits) <= 0x39 { digits &+= 1 }
        var i = digits
        // Skip fractional seconds.
        if i < count, at(i) == 0x2e {
            i &+= 1
            while i < count, at(i) >= 0x30, at(i) <= 0x39 { i &+= 1 }
        }
        guard i == count &- 1, at(i) == 0x5a else { return nil }
        // Digits k ..< k+n of the leading run (all below `digits`, checked by the counts below).
        @inline(__always) func num(_ from: Int, _ n: Int) -> Int {
            var v = 0
            var k = from
            while k < from &+ n { v = v &* 10 &+ Int(at(k) &- 0x30); k &+= 1 }
            return v
        }
        var p = 0
        if generalized {
            guard digits == 14 || digits == 12 else { return nil }
            year = num(0, 4); p = 4
        } else {
            guard digits == 12 || digits == 10 else { return nil }
            let yy = num(0, 2)
            year = yy < 50 ? 2000 + yy : 1900 + yy
            p = 2
        }
        month = num(p, 2); day = num(p + 2, 2); hour = num(p + 4, 2); minute = num(p + 6, 2)
        second = digits - p >= 10 ? num(p + 8, 2) : 0
        isGeneralizedTime = generalized
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
    }
}

public struct SubjectAlternativeNames: Hashable, Sendable {
    public var dns: [String] = []
    /// IP addresses as text (dotted IPv4, RFC 5952 IPv6).
    public var ip: [String] = []
    public var uri: [String] = []
    public var email: [String] = []
    /// otherName, x400Address, directoryName, ediPartyName, registeredID entries.
    public var otherCount: Int = 0
    public init() {}
    public var isEmpty: Bool { dns.isEmpty && ip.isEmpty && uri.isEmpty && email.isEmpty && otherCount == 0 }
}

public struct CertificateSummary: Hashable, Sendable {
    public enum KeyType: String, Hashable, Sendable {
        case rsa, rsaPSS, ec, dsa, dh, ed25519, ed448, x25519, x448, mldsa, slhdsa, gost, sm2, unknown
    }

    /// 1, 2 or 3.
    public var version: Int = 1
    /// Serial number as uppercase hex, leading zero octets dropped (OpenSSL's spelling).
    public var serial: String = ""
    /// outer signatureAlgorithm.
    public var signatureAlgorithmOID: String = ""
    public var signatureAlgorithm: String = ""
    /// tbsCertificate.signature (must equal the outer one).
    public var tbsSignatureAlgorithmOID: String = ""
    /// RFC 4514-style: RDNs last-to-first, `CN=…,O=…,C=…`, OpenSSL attribute short names.
    public var subject: String = ""
    public var issuer: String = ""
    public var subjectCommonName: String?
    public var notBefore: X509Time?
    public var notAfter: X509Time?
    public var publicKeyAlgorithmOID: String = ""
    /// OpenSSL-style name: rsaEncryption, id-ecPublicKey, ED25519, ML-DSA-44, …
    public var publicKeyAlgorithm: String = ""
    public var keyType: KeyType = .unknown
    /// RSA / DSA / DH modulus (prime) bits, EC curve bits, Ed25519 256, …
    public var keyBits: Int?
    /// EC named curve: SEC / RFC name (secp256r1, secp384r1, brainpoolP256r1, …).
    public var curve: String?
    public var curveOID: String?
    public var rsaExponent: UInt64?
    public var subjectAlternativeNames = SubjectAlternativeNames()
    /// keyUsage bits (bit 0 = digitalSignature) and their names.
    public var keyUsageBits: UInt16?
    public var keyUsage: [String]?
    /// extKeyUsage purposes by name (serverAuth, clientAuth, …; unknown as dotted OIDs).
    public var extendedKeyUsage: [String]?
    /// basicConstraints: nil when absent.
    public var isCA: Bool?
    public var pathLengthConstraint: Int?
    public var subjectKeyIdentifier: String?
    public var authorityKeyIdentifier: String?
    /// The embedded SCT list extension (1.3.6.1.4.1.11129.2.4.2) is present.
    public var hasSCTList: Bool = false
    /// Extension OIDs in order.
    public var extensionOIDs: [String] = []
    /// Issuer and subject are the same name (byte for byte).
    public var isSelfIssued: Bool = false
    /// The first problem met; the fields above hold what was read before and around it.
    public var error: TLSParseError?

    /// Self-signed in the usual sense: issuer == subject.
    public var isSelfSigned: Bool { isSelfIssued }

    public init(parsing der: RawSpan, base: Int = 0) {
        do {
            try parse(der, base: base)
        } catch {
            if self.error == nil { self.error = error }
        }
    }

    public init(der: [UInt8]) {
        self.init(parsing: der.span.bytes)
    }

    // MARK: Parsing

    mutating func note(_ e: TLSParseError) {
        if error == nil { error = e }
    }

    mutating func parse(_ bytes: RawSpan, base: Int) throws(TLSParseError) {
        var top = TLSReader(bytes, base: base)
        let cert = try top.readDER(expecting: DERElement.sequence, "certificate is not a SEQUENCE")
        if !top.isAtEnd { note(top.error(.invalidValue, "bytes after the certificate")) }
        var c = top.subReader(cert.value)
        let tbs = try c.readDER(expecting: DERElement.sequence, "tbsCertificate is not a SEQUENCE")
        // Outer signature algorithm (read first so it is known even if the TBS is damaged).
        var outer = c
        if let alg = try? outer.readDER(expecting: DERElement.sequence, "signatureAlgorithm is not a SEQUENCE") {
            var a = outer.subReader(alg.value)
            if let oid = try? a.readDER(expecting: DERElement.oid, "algorithm is not an OID") {
                if let k = KnownOID(der: bytes, oid.value) {
                    signatureAlgorithmOID = k.dotted
                    signatureAlgorithm = k.signatureName ?? k.dotted
                } else if let s = unknownOIDString(bytes, oid.value) {
                    // Every named OID is a KnownOID: an unknown one is shown as its number.
                    signatureAlgorithmOID = s
                    signatureAlgorithm = s
                }
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
        // Leading zero octets dropped, but "00" for zero.
        var firstSignificant = serialEl.value.lowerBound
        while firstSignificant < serialEl.value.upperBound &- 1,
              bytes.tlsByte(at: firstSignificant) == 0 { firstSignificant &+= 1 }
        serial = CertificateSummary.hex(bytes, firstSignificant..<serialEl.value.upperBound, uppercase: true)

        let sig = try t.readDER(expecting: DERElement.sequence, "signature is not a SEQUENCE")
        var sr = t.subReader(sig.value)
        if let oid = try? sr.readDER(expecting: DERElement.oid, "algorithm is not an OID") {
            tbsSignatureAlgorithmOID = oidString(bytes, oid.value) ?? ""
        }

        // One text buffer for both names.
        var scratch = TextBuffer(capacity: 256)
        let issuerEl = try t.readDER(expecting: DERElement.sequence, "issuer is not a SEQUENCE")
        do {
            issuer = try DistinguishedName.render(bytes, issuerEl.value, base: base, commonName: false, scratch: &scratch).text
        } catch { note(error) }

        let validity = try t.readDER(expecting: DERElement.sequence, "validity is not a SEQUENCE")
        do {
            var vr = t.subReader(validity.value)
            notBefore = try readTime(&vr, bytes)
            notAfter = try readTime(&vr, bytes)
        } catch { note(error) }

        let subjectEl = try t.readDER(expecting: DERElement.sequence, "subject is not a SEQUENCE")
        do {
            let rendered = try DistinguishedName.render(bytes, subjectEl.value, base: base, commonName: true, scratch: &scratch)
            subject = rendered.text
            subjectCommonName = rendered.commonName
        } catch { note(error) }
        isSelfIssued = bytes.tlsBytesEqual(issuerEl.value, subjectEl.value)

        let spki = try t.readDER(expecting: DERElement.sequence, "subjectPublicKeyInfo is not a SEQUENCE")
        do { try readPublicKey(bytes, t.subReader(spki.value)) } catch { note(error) }

        while !t.isAtEnd {
            let e = try t.readDER()
            if e.isContext(3) {
                do { try readExtensions(bytes, t.subReader(e.value)) } catch { note(error) }
            }
        }
    }

    func readTime(_ r: inout TLSReader, _ bytes: RawSpan) throws(TLSParseError) -> X509Time {
        let at = r.absoluteOffset
        let e = try r.readDER()
        switch e.identifier {
        case DERElement.utcTime:
            guard let t = X509Time(bytes, e.value, generalized: false) else { throw TLSParseError(.invalidValue, offset: at, "bad UTCTime") }
            return t
        case DERElement.generalizedTime:
            guard let t = X509Time(bytes, e.value, generalized: true) else { throw TLSParseError(.invalidValue, offset: at, "bad GeneralizedTime") }
            return t
        default:
            throw TLSParseError(.invalidValue, offset: at, "time is neither UTCTime nor GeneralizedTime")
        }
    }

    mutating func readPublicKey(_ bytes: RawSpan, _ spki: TLSReader) throws(TLSParseError) {
        var r = spki
        let alg = try r.readDER(expecting: DERElement.sequence, "SPKI algorithm is not a SEQUENCE")
        let key = try r.readDER(expecting: DERElement.bitString, "subjectPublicKey is not a BIT STRING")
        var a = r.subReader(alg.value)
        let oidEl = try a.readDER(expecting: DERElement.oid, "SPKI algorithm is not an OID")
        // Every named OID is a KnownOID: an unknown one is shown as its number, of key type unknown.
        let known = KnownOID(der: bytes, oidEl.value)
        let oid = known?.dotted ?? unknownOIDString(bytes, oidEl.value) ?? ""
        publicKeyAlgorithmOID = oid
        publicKeyAlgorithm = known?.publicKeyName ?? oid
        keyType = known?.keyType ?? .unknown
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
                if let k = KnownOID(der: bytes, p.value) {
                    curveOID = k.dotted
                    curve = k.curve?.name ?? k.dotted
                    keyBits = k.curve?.bits
                } else if let c = unknownOIDString(bytes, p.value) {
                    curveOID = c
                    curve = c
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

    mutating func readExtensions(_ bytes: RawSpan, _ outer: TLSReader) throws(TLSParseError) {
        var o = outer
        let seq = try o.readDER(expecting: DERElement.sequence, "Extensions is not a SEQUENCE")
        var list = o.subReader(seq.value)
        if extensionOIDs.isEmpty { extensionOIDs.reserveCapacity(12) }
        while !list.isAtEnd {
            let ext = try list.readDER(expecting: DERElement.sequence, "Extension is not a SEQUENCE")
            var e = list.subReader(ext.value)
            let oidEl = try e.readDER(expecting: DERElement.oid, "extnID is not an OID")
            let known = KnownOID(der: bytes, oidEl.value)
            extensionOIDs.append(known?.dotted ?? unknownOIDString(bytes, oidEl.value) ?? "?")
            if e.peekDERIdentifier() == DERElement.boolean { _ = try e.readDER() }
            let value = try e.readDER(expecting: DERElement.octetString, "extnValue is not an OCTET STRING")
            let v = e.subReader(value.value)
            do {
                switch known {
                case .subjectAltName?: try readSAN(bytes, v)
                case .keyUsage?: try readKeyUsage(bytes, v)
                case .extKeyUsage?: try readEKU(bytes, v)
                case .basicConstraints?: try readBasicConstraints(bytes, v)
                case .subjectKeyIdentifier?:
                    var r = v
                    let k = try r.readDER(expecting: DERElement.octetString, "subjectKeyIdentifier is not an OCTET STRING")
                    subjectKeyIdentifier = CertificateSummary.hex(bytes, k.value, uppercase: false)
                case .authorityKeyIdentifier?:
                    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, ... }
                    var r = v
                    let s = try r.readDER(expecting: DERElement.sequence, "authorityKeyIdentifier is not a SEQUENCE")
                    var sr = r.subReader(s.value)
                    while !sr.isAtEnd {
                        let item = try sr.readDER()
                        if item.identifier == 0x80 { authorityKeyIdentifier = CertificateSummary.hex(bytes, item.value, uppercase: false) }
                    }
                case .sctList?: hasSCTList = true
                default: break
                }
            } catch { note(error) }
        }
    }

    mutating func readSAN(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
        // GeneralName ::= CHOICE { otherName [0], rfc822Name [1] IA5String, dNSName [2] IA5String,
        //   x400Address [3], directoryName [4], ediPartyName [5], uniformResourceIdentifier [6] IA5String,
        //   iPAddress [7] OCTET STRING, registeredID [8] OBJECT IDENTIFIER }
        var r = v
        let seq = try r.readDER(expecting: DERElement.sequence, "GeneralNames is not a SEQUENCE")
        var s = r.subReader(seq.value)
        var san = SubjectAlternativeNames()
        // Room for the dNSNames at once (counted by a walk that stops where the real one throws).
        var dnsCount = 0
        var probe = s
        while !probe.isAtEnd, let n = try? probe.readDER() { if n.identifier == 0x82 { dnsCount &+= 1 } }
        san.dns.reserveCapacity(dnsCount)
        while !s.isAtEnd {
            let n = try s.readDER()
            guard n.tagClass == 2 else { san.otherCount += 1; continue }
            switch n.tagNumber {
            case 1: san.email.append(DistinguishedName.latin1(bytes, n.value))
            case 2: san.dns.append(DistinguishedName.latin1(bytes, n.value))
            case 6: san.uri.append(DistinguishedName.latin1(bytes, n.value))
            case 7: san.ip.append(IPText.format(bytes.tlsBytes(n.value)))
            default: san.otherCount += 1
            }
        }
        subjectAlternativeNames = san
    }

    mutating func readKeyUsage(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // KeyUsage ::= BIT STRING { digitalSignature (0), nonRepudiation (1), keyEncipherment (2),
        //   dataEncipherment (3), keyAgreement (4), keyCertSign (5), cRLSign (6), encipherOnly (7), decipherOnly (8) }
        var r = v
        let b = try r.readDER(expecting: DERElement.bitString, "keyUsage is not a BIT STRING")
        var bits: UInt16 = 0
        if b.value.count >= 2 {
            // Bit 0 is the most significant bit of the first content octet (after the unused-bits octet).
            let first = bytes.tlsByte(at: b.value.lowerBound &+ 1) ?? 0
            var i: UInt16 = 0
            while i < 8 {
                if first & (0x80 >> UInt8(truncatingIfNeeded: i)) != 0 { bits |= 1 << i }
                i &+= 1
            }
            if b.value.count >= 3, let second = bytes.tlsByte(at: b.value.lowerBound &+ 2), second & 0x80 != 0 {
                bits |= 1 << 8
            }
        }
        keyUsageBits = bits
        var names = [String]()
        names.reserveCapacity(bits.nonzeroBitCount)
        var i: UInt16 = 0
        while i < 9 {
            if bits & (1 << i) != 0 { names.append(CertificateSummary.keyUsageName(i)) }
            i &+= 1
        }
        keyUsage = names
    }

    static func keyUsageName(_ bit: UInt16) -> String {
        switch bit {
        case 0: return "digitalSignature"
        case 1: return "nonRepudiation"
        case 2: return "keyEncipherment"
        case 3: return "dataEncipherment"
        case 4: return "keyAgreement"
        case 5: return "keyCertSign"
        case 6: return "cRLSign"
        case 7: return "encipherOnly"
        default: return "decipherOnly"
        }
    }

    mutating func readEKU(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
        // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
        var r = v
        let seq = try r.readDER(expecting: DERElement.sequence, "extKeyUsage is not a SEQUENCE")
        var s = r.subReader(seq.value)
        var out = [String]()
        while !s.isAtEnd {
            let o = try s.readDER(expecting: DERElement.oid, "KeyPurposeId is not an OID")
            if let k = KnownOID(der: bytes, o.value) {
                out.append(k.extendedKeyUsageName ?? k.dotted)
            } else {
                out.append(unknownOIDString(bytes, o.value) ?? "?")
            }
        }
        extendedKeyUsage = out
    }

    mutating func readBasicConstraints(_ bytes: RawSpan, _ v: TLSReader) throws(TLSParseError) {
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

extension CertificateSummary {
    /// Hex text of `bytes[r]` (range clamped to the span), written in place.
    static func hex(_ bytes: RawSpan, _ r: Range<Int>, uppercase: Bool) -> String {
        let lo = Swift.min(Swift.max(r.lowerBound, 0), bytes.byteCount)
        let hi = Swift.min(Swift.max(r.upperBound, lo), bytes.byteCount)
        let n = hi &- lo
        guard n > 0 else { return "" }
        return String(unsafeUninitializedCapacity: n &* 2) { out in
            guard out.count >= n &* 2 else { return 0 }
            var w = 0
            var i = lo
            while i < hi {
                let b = bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self)
                out[w] = hexDigit(b >> 4, upper: uppercase)
                out[w &+ 1] = hexDigit(b, upper: uppercase)
                w &+= 2
                i &+= 1
            }
            return w
        }
    }
}

// MARK: - Names

/// RFC 4514-style rendering of a DER Name.
///
///     Name ::= SEQUENCE OF RelativeDistinguishedName
///     RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
///     AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
///
/// The text is written as UTF-8 into one byte buffer and made a String once. RDNs are written
/// first to last, each after a 0xFF octet (never part of UTF-8 text), and the String is made
/// from the pieces last to first with "," between them.
public enum DistinguishedName {
    /// `value`: the contents of the Name SEQUENCE.
    public static func render(_ bytes: RawSpan, _ value: Range<Int>, base: Int = 0) throws(TLSParseError) -> (text: String, commonName: String?) {
        var scratch = TextBuffer(capacity: 256)
        return try render(bytes, value, base: base, commonName: true, scratch: &scratch)
    }

    /// `render` with a caller's buffer (emptied first); the common name only if `commonName`.
    static func render(_ bytes: RawSpan, _ value: Range<Int>, base: Int, commonName wantCN: Bool,
                       scratch out: inout TextBuffer) throws(TLSParseError) -> (text: String, commonName: String?) {
        out.removeAll()
        var cn: String?
        var rdns = 0
        // Where the text of each of the first 16 RDNs starts (after its 0xFF).
        var starts = InlineArray<16, Int>(repeating: 0)
        var r = TLSReader(bytes, range: value, base: base)
        while !r.isAtEnd {
            let set = try r.readDER(expecting: DERElement.set, "RDN is not a SET")
            if rdns > 0 { out.append(0xff) }
            if rdns < 16 { starts[rdns] = out.count }
            rdns &+= 1
            var s = r.subReader(set.value)
            var first = true
            while !s.isAtEnd {
                let atv = try s.readDER(expecting: DERElement.sequence, "AttributeTypeAndValue is not a SEQUENCE")
                var a = s.subReader(atv.value)
                let oidEl = try a.readDER(expecting: DERElement.oid, "attribute type is not an OID")
                let v = try a.readDER()
                if !first { out.append(0x2b) } // "+"
                first = false
                // Type: short name, else dotted number, else "?" when the OID is malformed.
                let known = KnownOID(der: bytes, oidEl.value)
                if let name = known?.attributeName {
                    appendUTF8(name, to: &out)
                } else if let k = known {
                    appendUTF8(k.dotted, to: &out)
                } else if !OIDText.append(bytes, oidEl.value, to: &out) {
                    out.append(0x3f)
                }
                out.append(0x3d) // "="
                let isCN = wantCN && cn == nil && known == .commonName
                if !appendValue(bytes, v, to: &out, keepText: isCN, text: &cn) {
                    // Not a string type: "#" and the hex of the whole element (RFC 4514 §2.4).
                    out.append(0x23)
                    appendHex(bytes, v.whole, to: &out)
                }
            }
        }
        if rdns <= 1 { return (out.makeString(), cn) }
        let src = out.bytes
        // As many bytes as the buffer: each 0xFF becomes a ",".
        let text = String(unsafeUninitializedCapacity: src.count) { dst in
            guard dst.count >= src.count, let to = dst.baseAddress, let from = src.baseAddress else { return 0 }
            var w = 0
            var end = src.count
            var k = rdns
            while true {
                // Start of the last RDN not yet copied: recorded for the first 16, else found.
                k &-= 1
                var start = end
                if k < 16 && k >= 0 {
                    start = starts[k]
                } else {
                    while start > 0 && src[start &- 1] != 0xff { start &-= 1 }
                }
                (to + w).initialize(from: from + start, count: end &- start)
                w &+= end &- start
                if start == 0 { break }
                to[w] = 0x2c
                w &+= 1
                end = start &- 1
            }
            return w
        }
        return (text, cn)
    }

    @inline(__always)
    static func appendUTF8(_ s: String, to out: inout TextBuffer) {
        var s = s
        s.withUTF8 { out.append(UnsafeRawBufferPointer($0)) }
    }

    static func appendHex(_ bytes: RawSpan, _ r: Range<Int>, to out: inout TextBuffer) {
        let lo = Swift.min(Swift.max(r.lowerBound, 0), bytes.byteCount)
        let hi = Swift.min(Swift.max(r.upperBound, lo), bytes.byteCount)
        var i = lo
        while i < hi {
            let b = bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self)
            out.append(hexDigit(b >> 4))
            out.append(hexDigit(b))
            i &+= 1
        }
    }

    /// Appends the escaped text of a directory string and returns true; false (nothing
    /// appended) for types rendered as hex. Sets `text` to the unescaped text when `keepText`.
    static func appendValue(_ bytes: RawSpan, _ e: DERElement, to out: inout TextBuffer,
                            keepText: Bool, text: inout String?) -> Bool {
        switch e.identifier {
        case DERElement.utf8String, DERElement.printableString, DERElement.ia5String, 0x1a, 0x12, DERElement.t61String:
            // UTF-8 or one byte a character: all-ASCII text is its own UTF-8.
            guard bytes.tlsContains(e.value) else { break }
            let ascii: Bool = bytes.withUnsafeBytes { raw in
                let p = UnsafeRawBufferPointer(rebasing: raw[e.value])
                var any: UInt8 = 0
                for b in p { any |= b }
                guard any < 0x80 else { return false }
                appendEscaped(p, to: &out)
                if keepText { text = String(decoding: p, as: UTF8.self) }
                return true
            }
            if ascii { return true }
        default:
            break
        }
        guard var decoded = decodeString(bytes, e) else { return false }
        decoded.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        if keepText { text = decoded }
        return true
    }

    /// RFC 4514 §2.4 over UTF-8 text: escape `"+,;<>\`, a leading `#` or space, a trailing
    /// space, and controls (U+0000-U+001F, U+007F as `\XX`). Every character escaped is ASCII,
    /// and an ASCII byte is a whole character, so the first and last bytes are the first and
    /// last characters where it matters.
    static func appendEscaped(_ p: UnsafeRawBufferPointer, to out: inout TextBuffer) {
        // Bit b set: byte b may need a backslash. 0x00-0x3F: controls, space, '"', '#', '+',
        // ',', ';', '<', '>'; 0x40-0x7F: '\\' and DEL.
        let low: UInt64 = 0x5800_180D_FFFF_FFFF
        let high: UInt64 = 0x8000_0000_1000_0000
        let n = p.count
        var run = 0 // start of the bytes not yet appended, all plain
        var i = 0
        while i < n {
            let b = p[i]
            let flagged = b < 0x40 ? (low >> UInt64(b)) & 1 != 0 : (b < 0x80 && (high >> UInt64(b &- 0x40)) & 1 != 0)
            if flagged && !((b == 0x20 && i != 0 && i != n &- 1) || (b == 0x23 && i != 0)) {
                if run < i { out.append(UnsafeRawBufferPointer(rebasing: p[run..<i])) }
                out.append(0x5c)
                if b < 0x20 || b == 0x7f {
                    out.append(hexDigit(b >> 4, upper: true)); out.append(hexDigit(b, upper: true))
                } else {
                    out.append(b)
                }
                run = i &+ 1
            }
            i &+= 1
        }
        if run < n { out.append(UnsafeRawBufferPointer(rebasing: p[run..<n])) }
    }

    /// Text of a directory string; nil for types rendered as hex.
    public static func decodeString(_ bytes: RawSpan, _ e: DERElement) -> String? {
        switch e.identifier {
        case DERElement.utf8String:
            // Invalid UTF-8 is repaired (each maximal invalid subsequence becomes U+FFFD).
            let lo = Swift.min(Swift.max(e.value.lowerBound, 0), bytes.byteCount)
            let hi = Swift.min(Swift.max(e.value.upperBound, lo), bytes.byteCount)
            return bytes.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[lo..<hi]), as: UTF8.self) }
        case DERElement.printableString, DERElement.ia5String, 0x1a /* VisibleString */, 0x12 /* NumericString */:
            return latin1(bytes, e.value)
        case DERElement.t61String:
            return latin1(bytes, e.value)
        case 0x1e: // BMPString: UCS-2 big-endian
            let raw = bytes.tlsBytes(e.value)
            var units = [UInt16]()
            units.reserveCapacity(raw.count / 2)
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

    /// Bytes as Latin-1 (one byte, one code point; range clamped to the span).
    public static func latin1(_ bytes: RawSpan, _ r: Range<Int>) -> String {
        let lo = Swift.min(Swift.max(r.lowerBound, 0), bytes.byteCount)
        let hi = Swift.min(Swift.max(r.upperBound, lo), bytes.byteCount)
        return bytes.withUnsafeBytes { raw -> String in
            let p = UnsafeRawBufferPointer(rebasing: raw[lo..<hi])
            var any: UInt8 = 0
            for b in p { any |= b }
            if any < 0x80 { return String(decoding: p, as: UTF8.self) }
            // U+0080-U+00FF are two UTF-8 octets: 110000xx 10xxxxxx.
            var utf8 = [UInt8]()
            utf8.reserveCapacity(p.count &* 2)
            for b in p {
                if b < 0x80 { utf8.append(b) } else { utf8.append(0xc0 | b >> 6); utf8.append(0x80 | b & 0x3f) }
            }
            return String(decoding: utf8, as: UTF8.self)
        }
    }

    /// RFC 4514 §2.4: escape `"+,;<>\`, a leading `#` or space, a trailing space, and controls.
    public static func escape(_ s: String) -> String {
        var s = s
        var out = TextBuffer(capacity: s.utf8.count &+ 8)
        s.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        return out.makeString()
    }
}

/// IP addresses from SAN octets.
public enum IPText {
    /// 4 octets → dotted quad; 16 → RFC 5952 text; anything else → hex.
    public static func format(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map { String($0) }.joined(separator: ".") }
        guard b.count == 16 else { return "0x" + TLSHex.string(b) }
        var groups = [UInt16]()
        for i in 0..<8 { groups.append(UInt16(b[2 * i]) << 8 | UInt16(b[2 * i + 1])) }
        // Longest run of two or more zero groups (first one on ties) becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ g: UInt16) -> String {
            let s = TLSHex.string([UInt8(g >> 8), UInt8(g & 0xff)])
            let trimmed = s.drop(while: { $0 == "0" })
            return trimmed.isEmpty ? "0" : String(trimmed)
        }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[0..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }
}
