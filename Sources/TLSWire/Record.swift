// TLS records (RFC 8446 §5.1, RFC 5246 §6.2) and the SSL 2.0 record layer.

/// The five bytes before every TLS record.
///
///     struct {
///         ContentType type;
///         ProtocolVersion legacy_record_version;
///         uint16 length;
///         opaque fragment[TLSPlaintext.length];
///     } TLSPlaintext;
public struct TLSRecordHeader: Hashable, Sendable {
    public static let size = 5
    /// RFC 8446 §5.1 / RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14.
    public static let maxPlaintextLength = 16384
    /// RFC 8446 §5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256.
    public static let maxTLS13CiphertextLength = 16384 + 256
    /// RFC 5246 §6.2.3: TLSCiphertext.length MUST NOT exceed 2^14 + 2048.
    public static let maxCiphertextLength = 16384 + 2048

    public var contentType: ContentType
    public var version: ProtocolVersion
    public var length: Int
    /// Set by `TLSStreamReader` (which knows whether the direction is encrypted): the record is
    /// longer than the protocol allows. A finding to report, not a parse failure.
    public var lengthFinding: RecordLengthFinding

    @inlinable
    public init(contentType: ContentType, version: ProtocolVersion, length: Int,
                lengthFinding: RecordLengthFinding = .none) {
        self.contentType = contentType
        self.version = version
        self.length = length
        self.lengthFinding = lengthFinding
    }

    /// Reads the five header bytes. Only the framing is checked here; `validate()` checks values.
    @inlinable
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        try input.require(5)
        contentType = ContentType(try input.readU8())
        version = ProtocolVersion(try input.readU16())
        length = Int(try input.readU16())
        lengthFinding = .none
    }

    /// The length finding for a record carried plaintext or encrypted.
    @inlinable
    public func lengthFinding(encrypted: Bool) -> RecordLengthFinding {
        if encrypted {
            if length > TLSRecordHeader.maxCiphertextLength { return .exceedsCiphertextLimit }
            if length > TLSRecordHeader.maxTLS13CiphertextLength { return .exceedsTLS13CiphertextLimit }
            return .none
        }
        if length > TLSRecordHeader.maxCiphertextLength { return .exceedsCiphertextLimit }
        if length > TLSRecordHeader.maxTLS13CiphertextLength { return .exceedsTLS13CiphertextLimit }
        if length > TLSRecordHeader.maxPlaintextLength { return .exceedsPlaintextLimit }
        return .none
    }

    /// Throws `.invalidValue` for a content type outside 20...24 or a version whose major byte
    /// is not 3, `.recordTooLong` past 2^14 + 2048. `offset` is the header's offset for errors.
    public func validate(offset: Int = 0) throws(TLSParseError) {
        guard contentType.isKnownTLS else { throw TLSParseError(.invalidValue, offset: offset, "unknown record content type") }
        guard version.major == 3 else { throw TLSParseError(.invalidValue, offset: offset &+ 1, "record version is not 3.x") }
        guard length <= TLSRecordHeader.maxCiphertextLength else {
            throw TLSParseError(.recordTooLong, offset: offset &+ 3, "record longer than 2^14 + 2048")
        }
    }
}

/// A record longer than the limits of RFC 8446 / RFC 5246.
public enum RecordLengthFinding: UInt8, Hashable, Sendable {
    case none
    /// A plaintext record over 2^14 bytes (a peer must answer record_overflow).
    case exceedsPlaintextLimit
    /// Over 2^14 + 256: too long for any TLS 1.3 record.
    case exceedsTLS13CiphertextLimit
    /// Over 2^14 + 2048: too long for any TLS record.
    case exceedsCiphertextLimit
}

// MARK: - Recognising TLS by content

public enum TLSLikelihood: Hashable, Sendable {
    /// A TLS record carrying a ClientHello or ServerHello (or SSL 3.0).
    case tls
    /// An SSL 2.0 CLIENT-HELLO record (also the v2-compatible hello offering SSL 3.0 / TLS),
    /// or an SSL 2.0 SERVER-HELLO.
    case sslv2
    /// Every byte so far fits; more are needed to decide.
    case needMore
    case no
}

/// Content-based TLS detection, for finding TLS on any port.
public enum TLSDetect {
    /// Whether a stream starting with these bytes is TLS: a handshake record (type 22, version
    /// 0x0300-0x0304) whose first message is a ClientHello or ServerHello with plausible
    /// lengths and hello version 3.x; or an SSL 2.0 CLIENT-HELLO whose lengths add up.
    public static func looksLikeTLS(_ firstBytes: RawSpan) -> TLSLikelihood {
        guard let b0 = firstBytes.tlsByte(at: 0) else { return .needMore }
        if b0 == 22 {
            return looksLikeTLSRecord(firstBytes)
        }
        if b0 & 0x80 != 0 {
            return looksLikeSSLv2Hello(firstBytes, headerLength: 2)
        }
        if b0 & 0xc0 == 0 {
            // A 3-byte SSLv2 header (rare for hellos: only with padding).
            return looksLikeSSLv2Hello(firstBytes, headerLength: 3)
        }
        return .no
    }

    public static func looksLikeTLS(_ firstBytes: UnsafeRawBufferPointer) -> TLSLikelihood {
        looksLikeTLS(firstBytes.bytes)
    }

    static func looksLikeTLSRecord(_ s: RawSpan) -> TLSLikelihood {
        // 16 03 0v LL LL | 01/02 LL LL LL | 03 0v
        if let b1 = s.tlsByte(at: 1), b1 != 3 { return .no }
        if let b2 = s.tlsByte(at: 2), b2 > 4 { return .no }
        var recordLength = 0
        if let len = s.tlsU16(at: 3) {
            recordLength = Int(len)
            // A hello fragment needs at least its 4-byte header; no plaintext record exceeds 2^14.
            guard recordLength >= 4, recordLength <= TLSRecordHeader.maxPlaintextLength else { return .no }
        }
        if let t = s.tlsByte(at: 5), t != 1, t != 2 { return .no }
        if let hlen = s.tlsU24(at: 6) {
            let minimum = s.tlsByte(at: 5) == 1 ? 41 : 38
            guard hlen >= UInt32(minimum), hlen <= 0x2_0000 else { return .no }
            // A hello longer than the record must continue in the next one (fine); a short hello
            // must not leave garbage bytes beyond itself only if it is the only message, which
            // we cannot know: accept.
        }
        // The hello's own version (legacy_version): 3.x, or a TLS 1.3 draft in old ServerHellos.
        if let v0 = s.tlsByte(at: 9) {
            guard v0 == 3 || (v0 == 0x7f && s.tlsByte(at: 5) == 2) else { return .no }
        }
        if let v1 = s.tlsByte(at: 10) {
            guard v1 <= 4 || s.tlsByte(at: 9) == 0x7f else { return .no }
            return .tls
        }
        return .needMore
    }

    static func looksLikeSSLv2Hello(_ s: RawSpan, headerLength h: Int) -> TLSLikelihood {
        // [header] 01 | vv vv | cs cs | si si | ch ch | ...          CLIENT-HELLO
        // [header] 04 | hit | ct | vv vv | ce ce | cs cs | ci ci | …  SERVER-HELLO
        guard let b0 = s.tlsByte(at: 0) else { return .needMore }
        if s.tlsByte(at: h) == 4 { return looksLikeSSLv2ServerHello(s, headerLength: h) }
        var recordLength = -1
        if let b1 = s.tlsByte(at: 1) {
            recordLength = Int(h == 2 ? b0 & 0x7f : b0 & 0x3f) << 8 | Int(b1)
            guard recordLength >= 9 + 3 + 16 else { return .no }
        }
        if h == 3, let pad = s.tlsByte(at: 2), pad != 0 { return .no }
        if let t = s.tlsByte(at: h), t != 1 { return .no }
        if let major = s.tlsByte(at: h + 1) {
            guard major == 0 || major == 3 else { return .no }
        }
        if let v = s.tlsU16(at: h + 1) {
            guard v == 0x0002 || (v >= 0x0300 && v <= 0x0304) else { return .no }
        }
        var cs = -1, sid = -1
        if let c = s.tlsU16(at: h + 3) {
            cs = Int(c)
            guard cs > 0, cs % 3 == 0 else { return .no }
        }
        if let v = s.tlsU16(at: h + 5) {
            sid = Int(v)
            guard sid == 0 || sid == 16 || (sid <= 32) else { return .no }
        }
        if let ch = s.tlsU16(at: h + 7) {
            guard ch >= 16, ch <= 32 else { return .no }
            guard 9 + cs + sid + Int(ch) == recordLength else { return .no }
            return .sslv2
        }
        return .needMore
    }
}

extension TLSDetect {
    static func looksLikeSSLv2ServerHello(_ s: RawSpan, headerLength h: Int) -> TLSLikelihood {
        guard let b0 = s.tlsByte(at: 0) else { return .needMore }
        var recordLength = -1
        if let b1 = s.tlsByte(at: 1) {
            recordLength = Int(h == 2 ? b0 & 0x7f : b0 & 0x3f) << 8 | Int(b1)
        }
        if let hit = s.tlsByte(at: h + 1), hit > 1 { return .no }
        if let v = s.tlsU16(at: h + 3), v != 0x0002 { return .no }
        guard let cert = s.tlsU16(at: h + 5), let cs = s.tlsU16(at: h + 7), let cid = s.tlsU16(at: h + 9) else {
            return .needMore
        }
        guard cs % 3 == 0, cid >= 16, cid <= 32, 11 + Int(cert) + Int(cs) + Int(cid) == recordLength else { return .no }
        return .sslv2
    }
}

// MARK: - SSL 2.0

/// An SSL 2.0 record as the stream reader found it (draft-hickman-netscape-ssl-00).
///
///     2-byte header: [1 L14..L8] [L7..L0]                  length = 15 bits, no padding
///     3-byte header: [0 E L13..L8] [L7..L0] [PADDING]      length = 14 bits
public struct SSLv2Record: Hashable, Sendable {
    public var offset: Int
    public var headerLength: Int
    /// Record length as the header states it (message plus padding).
    public var length: Int
    public var padding: Int
    public var message: SSLv2Message
}

public enum SSLv2Message: Hashable, Sendable {
    case clientHello(SSLv2ClientHello)
    case serverHello(SSLv2ServerHello)
    /// MSG-ERROR with its error code (1 NO-CIPHER-ERROR, 2 NO-CERTIFICATE-ERROR,
    /// 4 BAD-CERTIFICATE-ERROR, 6 UNSUPPORTED-CERTIFICATE-TYPE-ERROR).
    case error(code: UInt16)
    /// Another plaintext message (2 CLIENT-MASTER-KEY, 3 CLIENT-FINISHED, 5 SERVER-VERIFY,
    /// 6 SERVER-FINISHED, 7 REQUEST-CERTIFICATE, 8 CLIENT-CERTIFICATE), or a record whose first
    /// byte is no known message type (encrypted data the caller did not mark).
    case other(type: UInt8)
    /// After `markEncrypted()`.
    case encrypted
}

/// SSL 2.0 CLIENT-HELLO; also the "v2-compatible" hello that offers SSL 3.0 or TLS (RFC 5246
/// appendix E.2), whose 3-byte cipher specs 0x00XXYY are TLS cipher suites 0xXXYY.
///
///     char MSG-CLIENT-HELLO                      (1)
///     char CLIENT-VERSION-MSB, -LSB
///     char CIPHER-SPECS-LENGTH-MSB, -LSB
///     char SESSION-ID-LENGTH-MSB, -LSB
///     char CHALLENGE-LENGTH-MSB, -LSB
///     char CIPHER-SPECS-DATA[(MSB<<8)|LSB]
///     char SESSION-ID-DATA[(MSB<<8)|LSB]
///     char CHALLENGE-DATA[(MSB<<8)|LSB]
public struct SSLv2ClientHello: Hashable, Sendable {
    public var version: ProtocolVersion
    public var cipherSpecs: [SSLv2CipherKind]
    public var sessionID: [UInt8]
    public var challenge: [UInt8]

    /// The specs that are SSL 3.0 / TLS suites (first byte zero), in order.
    public var cipherSuites: [CipherSuite] { cipherSpecs.compactMap(\.suite) }
    /// Offers SSL 3.0 or TLS (a v2-compatible hello), not only SSL 2.0.
    public var offersSSL3OrTLS: Bool { version.major == 3 }

    /// Parses from the message type byte on.
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        try input.require(9)
        let type = try input.readU8()
        guard type == 1 else { throw input.error(.invalidValue, "not an SSLv2 CLIENT-HELLO") }
        version = ProtocolVersion(try input.readU16())
        let cs = Int(try input.readU16())
        let sid = Int(try input.readU16())
        let ch = Int(try input.readU16())
        guard cs % 3 == 0 else { throw input.error(.invalidValue, "SSLv2 cipher specs length is not a multiple of 3") }
        guard cs + sid + ch <= input.remaining else {
            throw input.error(.lengthOverflow, "SSLv2 CLIENT-HELLO lengths exceed the record")
        }
        var specs = [SSLv2CipherKind]()
        specs.reserveCapacity(cs / 3)
        for _ in 0..<(cs / 3) {
            let hi = UInt32(try input.readU8())
            let lo = UInt32(try input.readU16())
            specs.append(SSLv2CipherKind(hi << 16 | lo))
        }
        cipherSpecs = specs
        sessionID = input.bytes.tlsBytes(try input.skip(sid))
        challenge = input.bytes.tlsBytes(try input.skip(ch))
    }
}

/// SSL 2.0 SERVER-HELLO.
///
///     char MSG-SERVER-HELLO                      (4)
///     char SESSION-ID-HIT
///     char CERTIFICATE-TYPE
///     char SERVER-VERSION-MSB, -LSB
///     char CERTIFICATE-LENGTH-MSB, -LSB
///     char CIPHER-SPECS-LENGTH-MSB, -LSB
///     char CONNECTION-ID-LENGTH-MSB, -LSB
///     char CERTIFICATE-DATA[...]
///     char CIPHER-SPECS-DATA[...]
///     char CONNECTION-ID-DATA[...]
public struct SSLv2ServerHello: Hashable, Sendable {
    public var sessionIDHit: Bool
    public var certificateType: UInt8
    public var version: ProtocolVersion
    /// The server's X.509 certificate (DER), copied out of the record.
    public var certificate: [UInt8]
    public var cipherSpecs: [SSLv2CipherKind]
    public var connectionIDLength: Int

    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        try input.require(11)
        let type = try input.readU8()
        guard type == 4 else { throw input.error(.invalidValue, "not an SSLv2 SERVER-HELLO") }
        sessionIDHit = try input.readU8() != 0
        certificateType = try input.readU8()
        version = ProtocolVersion(try input.readU16())
        let cert = Int(try input.readU16())
        let cs = Int(try input.readU16())
        let cid = Int(try input.readU16())
        guard cs % 3 == 0 else { throw input.error(.invalidValue, "SSLv2 cipher specs length is not a multiple of 3") }
        guard cert + cs + cid <= input.remaining else {
            throw input.error(.lengthOverflow, "SSLv2 SERVER-HELLO lengths exceed the record")
        }
        certificate = input.bytes.tlsBytes(try input.skip(cert))
        var specs = [SSLv2CipherKind]()
        specs.reserveCapacity(cs / 3)
        for _ in 0..<(cs / 3) {
            let hi = UInt32(try input.readU8())
            let lo = UInt32(try input.readU16())
            specs.append(SSLv2CipherKind(hi << 16 | lo))
        }
        cipherSpecs = specs
        connectionIDLength = cid
        try input.skip(cid)
    }
}
