// The other handshake messages a TLS ≤ 1.2 handshake shows in plaintext (and the TLS 1.3 ones
// that show only in broken or test captures). Each is a parser initializer over the message
// body; ranges index the reader's bytes.

// MARK: - Certificate

/// Certificate (RFC 5246 §7.4.2 and RFC 8446 §4.4.2).
///
/// TLS ≤ 1.2:
///
///     opaque ASN.1Cert<1..2^24-1>;
///     struct {
///         ASN.1Cert certificate_list<0..2^24-1>;
///     } Certificate;
///
/// TLS 1.3:
///
///     struct {
///         select (certificate_type) {
///             case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
///             case X509: opaque cert_data<1..2^24-1>;
///         };
///         Extension extensions<0..2^16-1>;
///     } CertificateEntry;
///     struct {
///         opaque certificate_request_context<0..2^8-1>;
///         CertificateEntry certificate_list<0..2^24-1>;
///     } Certificate;
public struct CertificateMessage: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        /// The DER certificate (or SubjectPublicKeyInfo for raw public keys).
        public var certificate: Range<Int>
        /// TLS 1.3 per-entry extensions (after the length prefix); nil in TLS ≤ 1.2.
        public var extensions: Range<Int>?
    }
    public var isTLS13: Bool
    /// TLS 1.3 certificate_request_context.
    public var requestContext: Range<Int>?
    public var entries: [Entry]

    public var count: Int { entries.count }
    public var certificates: [Range<Int>] { entries.map(\.certificate) }
    public var isEmpty: Bool { entries.isEmpty }

    /// `tls13`: the TLS 1.3 layout (negotiated version 1.3).
    public init(parsing input: inout TLSReader, tls13: Bool = false) throws(TLSParseError) {
        isTLS13 = tls13
        if tls13 {
            requestContext = try input.readU8Prefixed()
        }
        var list = try input.readU24PrefixedReader()
        try input.expectEnd("bytes after certificate_list")
        var out = [Entry]()
        while !list.isAtEnd {
            let cert = try list.readU24Prefixed()
            guard !cert.isEmpty else { throw list.error(.invalidValue, "empty certificate") }
            var ext: Range<Int>?
            if tls13 { ext = try list.readU16Prefixed() }
            out.append(Entry(certificate: cert, extensions: ext))
        }
        entries = out
    }

    public init(body: RawSpan, base: Int = 0, tls13: Bool = false) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r, tls13: tls13)
    }
}

// MARK: - ServerKeyExchange

/// ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2-4, RFC 5054 §2.8.1).
///
///     struct {
///         opaque dh_p<1..2^16-1>;
///         opaque dh_g<1..2^16-1>;
///         opaque dh_Ys<1..2^16-1>;
///     } ServerDHParams;
///
///     enum { explicit_prime (1), explicit_char2 (2), named_curve (3), reserved(248..255) } ECCurveType;
///     struct {
///         ECCurveType curve_type;
///         select (curve_type) { case named_curve: NamedCurve namedcurve; };
///     } ECParameters;
///     struct { opaque point <1..2^8-1>; } ECPoint;
///     struct { ECParameters curve_params; ECPoint public; } ServerECDHParams;
///
///     struct {
///         select (KeyExchangeAlgorithm) {
///             case dh_anon:  ServerDHParams params;
///             case dhe_dss, dhe_rsa:
///                 ServerDHParams params;
///                 digitally-signed struct { ... } signed_params;
///             case ec_diffie_hellman:
///                 ServerECDHParams params;
///                 Signature signed_params;       /* absent for ECDH_anon */
///             case psk: opaque psk_identity_hint<0..2^16-1>;
///             case dhe_psk: opaque psk_identity_hint<0..2^16-1>; ServerDHParams params;
///             case ecdhe_psk: opaque psk_identity_hint<0..2^16-1>; ServerECDHParams params;
///             case rsa (export): struct { opaque rsa_modulus<1..2^16-1>; opaque rsa_exponent<1..2^16-1>; } params; signed_params;
///             case srp: opaque srp_N<1..2^16-1>; opaque srp_g<1..2^16-1>; opaque srp_s<1..2^8-1>; opaque srp_B<1..2^16-1>; signed_params (SRP_SHA_RSA/DSS);
///         };
///     } ServerKeyExchange;
///
///     digitally-signed (TLS 1.2): struct { SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>; }
///     digitally-signed (SSL 3.0 - TLS 1.1): opaque signature<0..2^16-1>;
public struct ServerKeyExchange: Hashable, Sendable {
    public enum Format: String, Hashable, Sendable {
        case none, dhe, ecdhe, psk, dhePSK, ecdhePSK, srp, rsaExport
    }

    public var format: Format
    public var pskIdentityHintLength: Int?
    /// ECDHE: the curve type (3 = named_curve).
    public var curveType: UInt8?
    public var namedGroup: NamedGroup?
    /// The server's ephemeral public value: the EC point, the DH Ys, or the SRP B.
    public var publicKeyLength: Int?
    /// DHE: bits of p (leading zero bytes and bits not counted).
    public var dhPrimeBits: Int?
    /// DHE: g as a number when it fits in 64 bits.
    public var dhGenerator: UInt64?
    public var dhGeneratorLength: Int?
    /// RSA export: bits of the temporary modulus.
    public var rsaModulusBits: Int?
    /// TLS 1.2 signature algorithm.
    public var signatureScheme: SignatureScheme?
    public var signatureLength: Int?
    /// Range of the parameters (what the signature covers with the randoms).
    public var params: Range<Int>

    public init(parsing input: inout TLSReader, keyExchange: CipherSuite.KeyExchange, version: ProtocolVersion) throws(TLSParseError) {
        format = keyExchange.serverKeyExchangeFormat
        let start = input.position
        params = start..<start
        switch format {
        case .none:
            throw input.error(.unexpectedMessage, "this key exchange has no ServerKeyExchange")
        case .psk:
            pskIdentityHintLength = try input.readU16Prefixed().count
        case .dhePSK:
            pskIdentityHintLength = try input.readU16Prefixed().count
            try readDH(&input)
        case .ecdhePSK:
            pskIdentityHintLength = try input.readU16Prefixed().count
            try readEC(&input)
        case .dhe:
            try readDH(&input)
        case .ecdhe:
            try readEC(&input)
        case .rsaExport:
            let n = try input.readU16Prefixed()
            rsaModulusBits = bitLength(input.bytes, n)
            _ = try input.readU16Prefixed()
        case .srp:
            _ = try input.readU16Prefixed()
            _ = try input.readU16Prefixed()
            _ = try input.readU8Prefixed()
            publicKeyLength = try input.readU16Prefixed().count
        }
        params = start..<input.position
        let signed: Bool
        switch keyExchange {
        case .dheDSS, .dheRSA, .ecdheECDSA, .ecdheRSA, .rsa, .srpRSA, .srpDSS: signed = true
        default: signed = false
        }
        if signed {
            if version.effective >= .tls12 {
                signatureScheme = SignatureScheme(try input.readU16())
            }
            signatureLength = try input.readU16Prefixed().count
        }
        try input.expectEnd("bytes after ServerKeyExchange")
    }

    public init(body: RawSpan, base: Int = 0, keyExchange: CipherSuite.KeyExchange, version: ProtocolVersion) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r, keyExchange: keyExchange, version: version)
    }

    mutating func readDH(_ input: inout TLSReader) throws(TLSParseError) {
        let p = try input.readU16Prefixed()
        let g = try input.readU16Prefixed()
        let ys = try input.readU16Prefixed()
        guard !p.isEmpty, !g.isEmpty, !ys.isEmpty else { throw input.error(.invalidValue, "empty DH parameter") }
        dhPrimeBits = bitLength(input.bytes, p)
        dhGeneratorLength = g.count
        dhGenerator = smallValue(input.bytes, g)
        publicKeyLength = ys.count
    }

    mutating func readEC(_ input: inout TLSReader) throws(TLSParseError) {
        let t = try input.readU8()
        curveType = t
        guard t == 3 else { throw input.error(.invalidValue, "explicit curve parameters (deprecated) are not read") }
        namedGroup = NamedGroup(try input.readU16())
        let point = try input.readU8Prefixed()
        guard !point.isEmpty else { throw input.error(.invalidValue, "empty EC point") }
        publicKeyLength = point.count
    }
}

/// Bits in a big-endian unsigned number (leading zero bytes and bits not counted).
func bitLength(_ bytes: RawSpan, _ r: Range<Int>) -> Int {
    var i = r.lowerBound
    while i < r.upperBound, bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self) == 0 { i &+= 1 }
    guard i < r.upperBound else { return 0 }
    let first = bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self)
    return (r.upperBound &- i &- 1) &* 8 &+ (8 &- first.leadingZeroBitCount)
}

/// A big-endian number of at most 8 significant bytes, else nil.
func smallValue(_ bytes: RawSpan, _ r: Range<Int>) -> UInt64? {
    var i = r.lowerBound
    while i < r.upperBound, bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self) == 0 { i &+= 1 }
    guard r.upperBound &- i <= 8 else { return nil }
    var v: UInt64 = 0
    while i < r.upperBound {
        v = v << 8 | UInt64(bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self))
        i &+= 1
    }
    return v
}

// MARK: - CertificateRequest

/// CertificateRequest.
///
/// TLS ≤ 1.2 (RFC 5246 §7.4.4):
///
///     struct {
///         ClientCertificateType certificate_types<1..2^8-1>;
///         SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;  /* TLS 1.2 only */
///         DistinguishedName certificate_authorities<0..2^16-1>;
///     } CertificateRequest;
///     opaque DistinguishedName<1..2^16-1>;
///
/// TLS 1.3 (RFC 8446 §4.3.2):
///
///     struct {
///         opaque certificate_request_context<0..2^8-1>;
///         Extension extensions<2..2^16-1>;
///     } CertificateRequest;
public struct CertificateRequest: Hashable, Sendable {
    public var certificateTypes: Range<Int>?
    public var signatureAlgorithms: Range<Int>?
    /// The certificate_authorities list bytes (each a DER Name with a u16 length).
    public var certificateAuthorities: Range<Int>?
    public var certificateAuthorityCount: Int = 0
    /// TLS 1.3.
    public var requestContext: Range<Int>?
    public var extensions: Range<Int>?

    public init(parsing input: inout TLSReader, version: ProtocolVersion) throws(TLSParseError) {
        if version.effective >= .tls13 {
            requestContext = try input.readU8Prefixed()
            let ext = try input.readU16Prefixed()
            extensions = ext
            // signature_algorithms inside, for the same questions as in TLS 1.2.
            var r = input.subReader(ext)
            while !r.isAtEnd {
                let t = try r.readU16()
                let d = try r.readU16Prefixed()
                if t == 13 {
                    var s = r.subReader(d)
                    signatureAlgorithms = try s.readU16Prefixed()
                }
            }
        } else {
            certificateTypes = try input.readU8Prefixed()
            if version.effective >= .tls12 {
                let s = try input.readU16Prefixed()
                guard s.count % 2 == 0 else { throw input.error(.invalidValue, "signature algorithm list has odd length") }
                signatureAlgorithms = s
            }
            var cas = try input.readU16PrefixedReader()
            certificateAuthorities = cas.remainingRange
            while !cas.isAtEnd {
                _ = try cas.readU16Prefixed()
                certificateAuthorityCount &+= 1
            }
        }
        try input.expectEnd("bytes after CertificateRequest")
    }

    public init(body: RawSpan, base: Int = 0, version: ProtocolVersion) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r, version: version)
    }

    /// The DER distinguished names in place, as ranges.
    public func certificateAuthorityNames(_ body: RawSpan) -> [Range<Int>] {
        guard let r = certificateAuthorities else { return [] }
        var reader = TLSReader(body, range: r)
        var out = [Range<Int>]()
        while !reader.isAtEnd {
            guard let n = try? reader.readU16Prefixed() else { break }
            out.append(n)
        }
        return out
    }
}

// MARK: - CertificateStatus

/// CertificateStatus (RFC 6066 §8):
///
///     struct {
///         CertificateStatusType status_type;     /* ocsp(1) */
///         select (status_type) { case ocsp: OCSPResponse response; } response;
///     } CertificateStatus;
///     opaque OCSPResponse<1..2^24-1>;
public struct CertificateStatus: Hashable, Sendable {
    public var statusType: UInt8
    public var response: Range<Int>
    public var responseLength: Int { response.count }

    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        statusType = try input.readU8()
        response = try input.readU24Prefixed()
        try input.expectEnd("bytes after OCSPResponse")
    }

    public init(body: RawSpan, base: Int = 0) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r)
    }
}

// MARK: - NewSessionTicket

/// NewSessionTicket.
///
/// RFC 5077 §3.3:
///
///     struct {
///         uint32 ticket_lifetime_hint;
///         opaque ticket<0..2^16-1>;
///     } NewSessionTicket;
///
/// RFC 8446 §4.6.1:
///
///     struct {
///         uint32 ticket_lifetime;
///         uint32 ticket_age_add;
///         opaque ticket_nonce<0..255>;
///         opaque ticket<1..2^16-1>;
///         Extension extensions<0..2^16-2>;
///     } NewSessionTicket;
public struct NewSessionTicket: Hashable, Sendable {
    public var lifetimeHint: UInt32
    public var ticket: Range<Int>
    public var ticketLength: Int { ticket.count }
    public var ageAdd: UInt32?
    public var nonce: Range<Int>?
    public var extensions: Range<Int>?

    public init(parsing input: inout TLSReader, tls13: Bool = false) throws(TLSParseError) {
        lifetimeHint = try input.readU32()
        if tls13 {
            ageAdd = try input.readU32()
            nonce = try input.readU8Prefixed()
            ticket = try input.readU16Prefixed()
            extensions = try input.readU16Prefixed()
        } else {
            ticket = try input.readU16Prefixed()
        }
        try input.expectEnd("bytes after NewSessionTicket")
    }

    public init(body: RawSpan, base: Int = 0, tls13: Bool = false) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r, tls13: tls13)
    }
}

// MARK: - ClientKeyExchange

/// ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7, RFC 4279):
///
///     struct {
///         select (KeyExchangeAlgorithm) {
///             case rsa:  EncryptedPreMasterSecret;   /* opaque <0..2^16-1>; bare in SSL 3.0 */
///             case dhe_dss, dhe_rsa, dh_dss, dh_rsa, dh_anon:
///                 ClientDiffieHellmanPublic;         /* opaque dh_Yc<1..2^16-1>, or empty (implicit) */
///             case ec_diffie_hellman:
///                 ClientECDiffieHellmanPublic;       /* opaque point <1..2^8-1> */
///             case psk: opaque psk_identity<0..2^16-1>;
///             case dhe_psk: psk_identity; ClientDiffieHellmanPublic;
///             case ecdhe_psk: psk_identity; ClientECDiffieHellmanPublic;
///             case rsa_psk: psk_identity; EncryptedPreMasterSecret;
///         } exchange_keys;
///     } ClientKeyExchange;
public struct ClientKeyExchange: Hashable, Sendable {
    public var length: Int
    /// The public value / encrypted premaster length, when the layout could be read.
    public var publicValueLength: Int?
    public var pskIdentityLength: Int?

    public init(parsing input: inout TLSReader, keyExchange: CipherSuite.KeyExchange, version: ProtocolVersion) throws(TLSParseError) {
        length = input.remaining
        switch keyExchange {
        case .rsa:
            if version == .sslv3 {
                publicValueLength = input.remaining
                try input.skip(input.remaining)
            } else {
                publicValueLength = try input.readU16Prefixed().count
            }
        case .dheDSS, .dheRSA, .dhDSS, .dhRSA, .dhAnon:
            publicValueLength = input.isAtEnd ? 0 : try input.readU16Prefixed().count
        case .ecdheECDSA, .ecdheRSA, .ecdhECDSA, .ecdhRSA, .ecdhAnon:
            publicValueLength = input.isAtEnd ? 0 : try input.readU8Prefixed().count
        case .psk:
            pskIdentityLength = try input.readU16Prefixed().count
        case .dhePSK:
            pskIdentityLength = try input.readU16Prefixed().count
            publicValueLength = try input.readU16Prefixed().count
        case .ecdhePSK:
            pskIdentityLength = try input.readU16Prefixed().count
            publicValueLength = try input.readU8Prefixed().count
        case .rsaPSK:
            pskIdentityLength = try input.readU16Prefixed().count
            publicValueLength = try input.readU16Prefixed().count
        default:
            try input.skip(input.remaining)
            return
        }
        try input.expectEnd("bytes after ClientKeyExchange")
    }

    public init(body: RawSpan, base: Int = 0, keyExchange: CipherSuite.KeyExchange, version: ProtocolVersion) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r, keyExchange: keyExchange, version: version)
    }
}

// MARK: - Small messages

/// CertificateVerify: `struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; }` (TLS 1.2,
/// 1.3); `opaque signature<0..2^16-1>` before TLS 1.2 (RFC 5246 §7.4.8, RFC 8446 §4.4.3).
public struct CertificateVerify: Hashable, Sendable {
    public var signatureScheme: SignatureScheme?
    public var signatureLength: Int

    public init(parsing input: inout TLSReader, version: ProtocolVersion) throws(TLSParseError) {
        if version.effective >= .tls12 { signatureScheme = SignatureScheme(try input.readU16()) }
        signatureLength = try input.readU16Prefixed().count
        try input.expectEnd("bytes after CertificateVerify")
    }
}

/// Finished: `struct { opaque verify_data[Hash.length]; } Finished;` (12 bytes in TLS 1.0-1.2,
/// 36 in SSL 3.0, the hash length in TLS 1.3). Only seen in plaintext when something is wrong.
public struct Finished: Hashable, Sendable {
    public var verifyDataLength: Int
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        verifyDataLength = input.remaining
        try input.skip(input.remaining)
    }
}

/// EncryptedExtensions: `struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;`
/// (RFC 8446 §4.3.1; in plaintext only in broken or test captures).
public struct EncryptedExtensions: Hashable, Sendable {
    public var extensions: Range<Int>
    public var alpn: Range<Int>?
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        extensions = try input.readU16Prefixed()
        try input.expectEnd("bytes after extensions")
        var r = input.subReader(extensions)
        while !r.isAtEnd {
            let t = try r.readU16()
            let d = try r.readU16Prefixed()
            if t == 16 {
                var s = r.subReader(d)
                var l = try s.readU16PrefixedReader()
                alpn = try l.readU8Prefixed()
            }
        }
    }
}

/// HelloRequest and ServerHelloDone: `struct {} HelloRequest;` `struct {} ServerHelloDone;`
public enum EmptyMessage {
    /// Throws `.invalidValue` unless the body is empty.
    public static func check(_ input: inout TLSReader) throws(TLSParseError) {
        try input.expectEnd("message must be empty")
    }
}
