// Open structs for TLS code points: any wire value is representable, known ones have names.

/// A TLS registry value: raw wire number, IANA name when known, `description` as the name or
/// as lowercase hex (`0x00ff` for 16-bit values, `0x1f` for 8-bit ones).
public protocol TLSCodePoint: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue: FixedWidthInteger & UnsignedInteger & Sendable {
    /// Every wire value is representable.
    init(rawValue: RawValue)
    /// The registry name (IANA where it exists), nil for unknown values.
    var name: String? { get }
}

extension TLSCodePoint {
    public var description: String {
        name ?? TLSHex.prefixed(UInt64(rawValue), digits: RawValue.bitWidth / 4)
    }
    /// Lowercase hex of the raw value, `0x` prefixed.
    public var hex: String { TLSHex.prefixed(UInt64(rawValue), digits: RawValue.bitWidth / 4) }
}

/// RFC 8701 GREASE values for 16-bit code points: 0x0a0a, 0x1a1a, … 0xfafa.
@inlinable
public func isGREASE16(_ v: UInt16) -> Bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// Whether IANA marks a registry entry as recommended.
public enum TLSRecommendation: UInt8, Hashable, Sendable {
    case unspecified, yes, no, discouraged
}

// MARK: - ContentType (RFC 8446 §5.1)

/// `enum { invalid(0), change_cipher_spec(20), alert(21), handshake(22), application_data(23), heartbeat(24), (255) } ContentType;`
public struct ContentType: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let invalid = ContentType(0)
    public static let changeCipherSpec = ContentType(20)
    public static let alert = ContentType(21)
    public static let handshake = ContentType(22)
    public static let applicationData = ContentType(23)
    public static let heartbeat = ContentType(24)
    public static let tls12CID = ContentType(25)
    public static let ack = ContentType(26)

    /// Content types a TLS (not DTLS) record may carry: 20...24.
    @inlinable public var isKnownTLS: Bool { rawValue >= 20 && rawValue <= 24 }

    public var name: String? {
        switch rawValue {
        case 0: return "invalid"
        case 20: return "change_cipher_spec"
        case 21: return "alert"
        case 22: return "handshake"
        case 23: return "application_data"
        case 24: return "heartbeat"
        case 25: return "tls12_cid"
        case 26: return "ack"
        default: return nil
        }
    }
}

// MARK: - ProtocolVersion

/// `uint16 ProtocolVersion;` SSL 2.0 (0x0002), SSL 3.0 (0x0300) … TLS 1.3 (0x0304), TLS 1.3
/// drafts (0x7fXX), DTLS (0xfeff, 0xfefd, 0xfefc).
public struct ProtocolVersion: TLSCodePoint, Comparable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(major: UInt8, minor: UInt8) { rawValue = UInt16(major) << 8 | UInt16(minor) }

    public static let sslv2 = ProtocolVersion(0x0002)
    public static let sslv3 = ProtocolVersion(0x0300)
    public static let tls10 = ProtocolVersion(0x0301)
    public static let tls11 = ProtocolVersion(0x0302)
    public static let tls12 = ProtocolVersion(0x0303)
    public static let tls13 = ProtocolVersion(0x0304)

    @inlinable public var major: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    @inlinable public var minor: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
    @inlinable public var isGREASE: Bool { isGREASE16(rawValue) }
    /// A TLS 1.3 draft version (0x7f00 | draft number).
    @inlinable public var isTLS13Draft: Bool { major == 0x7f }
    /// The version TLS 1.3 drafts count as for ordering (draft → 1.3).
    @inlinable public var effective: ProtocolVersion { isTLS13Draft ? .tls13 : self }

    /// Compares by the effective version (drafts rank as TLS 1.3; DTLS values are not ordered sensibly).
    @inlinable public static func < (a: ProtocolVersion, b: ProtocolVersion) -> Bool {
        a.effective.rawValue < b.effective.rawValue
    }

    public var name: String? {
        switch rawValue {
        case 0x0002: return "SSL 2.0"
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        case 0xfeff: return "DTLS 1.0"
        case 0xfefd: return "DTLS 1.2"
        case 0xfefc: return "DTLS 1.3"
        case 0x0100: return "DTLS 1.0 (OpenSSL pre-0.9.8f)"
        default:
            if isTLS13Draft { return "TLS 1.3 (draft \(minor))" }
            return nil
        }
    }

    /// Zeek's spelling (`TLSv12`, `SSLv3`, `TLSv13-draft23`), nil for unknown values.
    public var zeekName: String? {
        switch rawValue {
        case 0x0002: return "SSLv2"
        case 0x0300: return "SSLv3"
        case 0x0301: return "TLSv10"
        case 0x0302: return "TLSv11"
        case 0x0303: return "TLSv12"
        case 0x0304: return "TLSv13"
        case 0xfeff: return "DTLSv10"
        case 0xfefd: return "DTLSv12"
        case 0xfefc: return "DTLSv13"
        default:
            if isTLS13Draft { return "TLSv13-draft\(minor)" }
            return nil
        }
    }
}

// MARK: - HandshakeType (RFC 8446 §4, IANA "TLS HandshakeType")

public struct HandshakeType: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let helloRequest = HandshakeType(0)
    public static let clientHello = HandshakeType(1)
    public static let serverHello = HandshakeType(2)
    public static let helloVerifyRequest = HandshakeType(3)
    public static let newSessionTicket = HandshakeType(4)
    public static let endOfEarlyData = HandshakeType(5)
    public static let helloRetryRequestDraft = HandshakeType(6)
    public static let encryptedExtensions = HandshakeType(8)
    public static let requestConnectionID = HandshakeType(9)
    public static let newConnectionID = HandshakeType(10)
    public static let certificate = HandshakeType(11)
    public static let serverKeyExchange = HandshakeType(12)
    public static let certificateRequest = HandshakeType(13)
    public static let serverHelloDone = HandshakeType(14)
    public static let certificateVerify = HandshakeType(15)
    public static let clientKeyExchange = HandshakeType(16)
    public static let clientCertificateRequest = HandshakeType(17)
    public static let finished = HandshakeType(20)
    public static let certificateURL = HandshakeType(21)
    public static let certificateStatus = HandshakeType(22)
    public static let supplementalData = HandshakeType(23)
    public static let keyUpdate = HandshakeType(24)
    public static let compressedCertificate = HandshakeType(25)
    public static let ekt_key = HandshakeType(26)
    public static let nextProtocol = HandshakeType(67)
    public static let messageHash = HandshakeType(254)

    public var name: String? {
        switch rawValue {
        case 0: return "hello_request"
        case 1: return "client_hello"
        case 2: return "server_hello"
        case 3: return "hello_verify_request"
        case 4: return "new_session_ticket"
        case 5: return "end_of_early_data"
        case 6: return "hello_retry_request"
        case 8: return "encrypted_extensions"
        case 9: return "request_connection_id"
        case 10: return "new_connection_id"
        case 11: return "certificate"
        case 12: return "server_key_exchange"
        case 13: return "certificate_request"
        case 14: return "server_hello_done"
        case 15: return "certificate_verify"
        case 16: return "client_key_exchange"
        case 17: return "client_certificate_request"
        case 20: return "finished"
        case 21: return "certificate_url"
        case 22: return "certificate_status"
        case 23: return "supplemental_data"
        case 24: return "key_update"
        case 25: return "compressed_certificate"
        case 26: return "ekt_key"
        case 67: return "next_protocol"
        case 254: return "message_hash"
        default: return nil
        }
    }
}

// MARK: - Alerts (RFC 8446 §6, IANA "TLS Alerts")

/// `enum { warning(1), fatal(2), (255) } AlertLevel;`
public struct AlertLevel: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let warning = AlertLevel(1)
    public static let fatal = AlertLevel(2)
    public var name: String? {
        switch rawValue {
        case 1: return "warning"
        case 2: return "fatal"
        default: return nil
        }
    }
}

public struct AlertDescription: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let closeNotify = AlertDescription(0)
    public static let unexpectedMessage = AlertDescription(10)
    public static let badRecordMAC = AlertDescription(20)
    public static let decryptionFailed = AlertDescription(21)
    public static let recordOverflow = AlertDescription(22)
    public static let decompressionFailure = AlertDescription(30)
    public static let handshakeFailure = AlertDescription(40)
    public static let noCertificate = AlertDescription(41)
    public static let badCertificate = AlertDescription(42)
    public static let unsupportedCertificate = AlertDescription(43)
    public static let certificateRevoked = AlertDescription(44)
    public static let certificateExpired = AlertDescription(45)
    public static let certificateUnknown = AlertDescription(46)
    public static let illegalParameter = AlertDescription(47)
    public static let unknownCA = AlertDescription(48)
    public static let accessDenied = AlertDescription(49)
    public static let decodeError = AlertDescription(50)
    public static let decryptError = AlertDescription(51)
    public static let tooManyCIDsRequested = AlertDescription(52)
    public static let exportRestriction = AlertDescription(60)
    public static let protocolVersion = AlertDescription(70)
    public static let insufficientSecurity = AlertDescription(71)
    public static let internalError = AlertDescription(80)
    public static let inappropriateFallback = AlertDescription(86)
    public static let userCanceled = AlertDescription(90)
    public static let noRenegotiation = AlertDescription(100)
    public static let missingExtension = AlertDescription(109)
    public static let unsupportedExtension = AlertDescription(110)
    public static let certificateUnobtainable = AlertDescription(111)
    public static let unrecognizedName = AlertDescription(112)
    public static let badCertificateStatusResponse = AlertDescription(113)
    public static let badCertificateHashValue = AlertDescription(114)
    public static let unknownPSKIdentity = AlertDescription(115)
    public static let certificateRequired = AlertDescription(116)
    public static let generalError = AlertDescription(117)
    public static let noApplicationProtocol = AlertDescription(120)
    public static let echRequired = AlertDescription(121)

    public var name: String? {
        switch rawValue {
        case 0: return "close_notify"
        case 10: return "unexpected_message"
        case 20: return "bad_record_mac"
        case 21: return "decryption_failed"
        case 22: return "record_overflow"
        case 30: return "decompression_failure"
        case 40: return "handshake_failure"
        case 41: return "no_certificate"
        case 42: return "bad_certificate"
        case 43: return "unsupported_certificate"
        case 44: return "certificate_revoked"
        case 45: return "certificate_expired"
        case 46: return "certificate_unknown"
        case 47: return "illegal_parameter"
        case 48: return "unknown_ca"
        case 49: return "access_denied"
        case 50: return "decode_error"
        case 51: return "decrypt_error"
        case 52: return "too_many_cids_requested"
        case 60: return "export_restriction"
        case 70: return "protocol_version"
        case 71: return "insufficient_security"
        case 80: return "internal_error"
        case 86: return "inappropriate_fallback"
        case 90: return "user_canceled"
        case 100: return "no_renegotiation"
        case 109: return "missing_extension"
        case 110: return "unsupported_extension"
        case 111: return "certificate_unobtainable"
        case 112: return "unrecognized_name"
        case 113: return "bad_certificate_status_response"
        case 114: return "bad_certificate_hash_value"
        case 115: return "unknown_psk_identity"
        case 116: return "certificate_required"
        case 117: return "general_error"
        case 120: return "no_application_protocol"
        case 121: return "ech_required"
        default: return nil
        }
    }
}

/// One alert: `struct { AlertLevel level; AlertDescription description; } Alert;`
///
/// (Not `CustomStringConvertible`: `description` is the wire field. `text` gives
/// "fatal handshake_failure".)
public struct TLSAlert: Hashable, Sendable {
    public var level: AlertLevel
    public var description: AlertDescription

    @inlinable public init(level: AlertLevel, description: AlertDescription) {
        self.level = level
        self.description = description
    }

    /// Parses the two bytes of an alert.
    @inlinable
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        try input.require(2)
        level = AlertLevel(try input.readU8())
        description = AlertDescription(try input.readU8())
    }

    public var isFatal: Bool { level == .fatal }
    /// "fatal handshake_failure", "warning close_notify", "0x05 0x99".
    public var text: String { "\(level) \(description)" }
}

// MARK: - CompressionMethod (RFC 3749)

public struct CompressionMethod: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let null = CompressionMethod(0)
    public static let deflate = CompressionMethod(1)
    public static let lzs = CompressionMethod(64)
    public var name: String? {
        switch rawValue {
        case 0: return "null"
        case 1: return "DEFLATE"
        case 64: return "LZS"
        default: return nil
        }
    }
}

// MARK: - Smaller registries

/// RFC 8446 §4.2.9 `enum { psk_ke(0), psk_dhe_ke(1), (255) } PskKeyExchangeMode;`
public struct PSKKeyExchangeMode: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let pskKE = PSKKeyExchangeMode(0)
    public static let pskDHEKE = PSKKeyExchangeMode(1)
    public var name: String? {
        switch rawValue {
        case 0: return "psk_ke"
        case 1: return "psk_dhe_ke"
        default: return nil
        }
    }
}

/// RFC 8422 §5.1.2 `enum { uncompressed (0), deprecated (1..2), reserved (248..255) } ECPointFormat;`
public struct ECPointFormat: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public var name: String? {
        switch rawValue {
        case 0: return "uncompressed"
        case 1: return "ansiX962_compressed_prime"
        case 2: return "ansiX962_compressed_char2"
        default: return nil
        }
    }
}

/// RFC 8879 certificate compression algorithms.
public struct CertificateCompressionAlgorithm: TLSCodePoint {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public var isGREASE: Bool { isGREASE16(rawValue) }
    public var name: String? {
        switch rawValue {
        case 1: return "zlib"
        case 2: return "brotli"
        case 3: return "zstd"
        default: return nil
        }
    }
}

/// RFC 5246 §7.4.4 / RFC 8422 `ClientCertificateType` (in TLS ≤ 1.2 CertificateRequest).
public struct ClientCertificateType: TLSCodePoint {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public var name: String? {
        switch rawValue {
        case 1: return "rsa_sign"
        case 2: return "dss_sign"
        case 3: return "rsa_fixed_dh"
        case 4: return "dss_fixed_dh"
        case 5: return "rsa_ephemeral_dh"
        case 6: return "dss_ephemeral_dh"
        case 20: return "fortezza_dms"
        case 64: return "ecdsa_sign"
        case 65: return "rsa_fixed_ecdh"
        case 66: return "ecdsa_fixed_ecdh"
        case 67: return "gost_sign256"
        case 68: return "gost_sign512"
        default: return nil
        }
    }
}
