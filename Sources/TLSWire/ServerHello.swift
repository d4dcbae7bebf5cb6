// ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3), also HelloRetryRequest, which is a
// ServerHello with a fixed random. Scalars and ranges only; no allocation.
//
//     struct {
//         ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
//         Random random;
//         opaque legacy_session_id_echo<0..32>;
//         CipherSuite cipher_suite;
//         uint8 legacy_compression_method = 0;
//         Extension extensions<6..2^16-1>;            /* optional before TLS 1.3 */
//     } ServerHello;
//
// TLS 1.3 drafts up to 21 (legacy_version 0x7fXX) used a shorter layout, also read here:
//
//     struct {
//         ProtocolVersion version;
//         Random random;
//         CipherSuite cipher_suite;
//         Extension extensions<0..2^16-1>;
//     } ServerHello;

public struct ServerHello: Hashable, Sendable {
    /// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.
    public static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// The last 8 bytes of the server random (RFC 8446 §4.1.3): a TLS 1.3 server negotiating a
    /// lower version writes "DOWNGRD" followed by 01 (TLS 1.2) or 00 (TLS 1.1 and below).
    public enum DowngradeSentinel: UInt8, Hashable, Sendable {
        case none, tls12, tls11OrBelow
    }

    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt32
        @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let extendedMasterSecret = Flags(rawValue: 1 << 0)
        public static let encryptThenMAC = Flags(rawValue: 1 << 1)
        public static let renegotiationInfo = Flags(rawValue: 1 << 2)
        public static let sessionTicket = Flags(rawValue: 1 << 3)
        public static let statusRequest = Flags(rawValue: 1 << 4)
        public static let signedCertificateTimestamp = Flags(rawValue: 1 << 5)
        public static let heartbeat = Flags(rawValue: 1 << 6)
        public static let nextProtocolNegotiation = Flags(rawValue: 1 << 7)
        public static let cookie = Flags(rawValue: 1 << 8)
        public static let serverName = Flags(rawValue: 1 << 9)
        public static let earlyData = Flags(rawValue: 1 << 10)
        public static let encryptedClientHello = Flags(rawValue: 1 << 11)
        public static let duplicateExtension = Flags(rawValue: 1 << 12)
        /// The TLS 1.3 draft layout (no session id, no compression).
        public static let draftLayout = Flags(rawValue: 1 << 13)
    }

    public var legacyVersion: ProtocolVersion
    public var random: Range<Int>
    public var sessionID: Range<Int>
    public var cipherSuite: CipherSuite
    public var compressionMethod: CompressionMethod
    public var extensions: Range<Int>?
    public var extensionCount: Int = 0
    public var trailingBytes: Int = 0

    /// supported_versions: `ProtocolVersion selected_version;`
    public var selectedVersion: ProtocolVersion?
    /// key_share (ServerHello): `KeyShareEntry server_share;`
    public var keyShareGroup: NamedGroup?
    public var keyShareLength: Int?
    /// key_share (HelloRetryRequest): `NamedGroup selected_group;`
    public var selectedGroup: NamedGroup?
    /// application_layer_protocol_negotiation: the one protocol the server chose.
    public var alpn: Range<Int>?
    public var ecPointFormats: Range<Int>?
    public var renegotiationInfo: Range<Int>?
    /// pre_shared_key: `uint16 selected_identity;`
    public var pskSelectedIdentity: UInt16?
    public var recordSizeLimit: UInt16?
    public var maxFragmentLength: UInt8?
    public var flags: Flags = []
    public var isHelloRetryRequest: Bool = false
    public var downgradeSentinel: DowngradeSentinel = .none
    public var malformedExtensionCount: Int = 0
    public var extensionError: TLSParseError?

    /// The version in force: supported_versions when present, else legacy_version.
    @inlinable public var negotiatedVersion: ProtocolVersion { selectedVersion ?? legacyVersion }
    public var hasCookie: Bool { flags.contains(.cookie) }

    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        try input.require(34)
        legacyVersion = ProtocolVersion(try input.readU16())
        random = try input.skip(32)
        if legacyVersion.isTLS13Draft {
            sessionID = random.upperBound..<random.upperBound
            cipherSuite = CipherSuite(try input.readU16())
            compressionMethod = .null
            flags.insert(.draftLayout)
        } else {
            sessionID = try input.readU8Prefixed()
            guard sessionID.count <= 32 else {
                throw TLSParseError(.invalidValue, offset: input.base &+ sessionID.lowerBound &- 1, "session id longer than 32 bytes")
            }
            cipherSuite = CipherSuite(try input.readU16())
            compressionMethod = CompressionMethod(try input.readU8())
        }
        let bytes = input.bytes
        isHelloRetryRequest = ServerHello.matches(bytes, random, ServerHello.helloRetryRequestRandom)
        downgradeSentinel = ServerHello.sentinel(bytes, random)
        guard !input.isAtEnd else { return }
        let ext = try input.readU16Prefixed()
        extensions = ext
        trailingBytes = input.remaining
        try parseExtensions(bytes, ext, base: input.base)
    }

    public init(body: RawSpan, base: Int = 0) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r)
    }

    static func matches(_ bytes: RawSpan, _ r: Range<Int>, _ pattern: [UInt8]) -> Bool {
        guard r.count == pattern.count, bytes.tlsContains(r) else { return false }
        var i = 0
        while i < pattern.count {
            if bytes.unsafeLoad(fromUncheckedByteOffset: r.lowerBound &+ i, as: UInt8.self) != pattern[i] { return false }
            i &+= 1
        }
        return true
    }

    static func sentinel(_ bytes: RawSpan, _ r: Range<Int>) -> DowngradeSentinel {
        // The last eight bytes of the random: 44 4F 57 4E 47 52 44 ("DOWNGRD") and 01 or 00.
        guard r.count == 32, bytes.tlsContains(r) else { return .none }
        let tail = UInt64(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: r.upperBound &- 8, as: UInt64.self))
        switch tail {
        case 0x444F_574E_4752_4401: return .tls12
        case 0x444F_574E_4752_4400: return .tls11OrBelow
        default: return .none
        }
    }

    mutating func parseExtensions(_ bytes: RawSpan, _ ext: Range<Int>, base: Int) throws(TLSParseError) {
        var r = TLSReader(bytes, range: ext, base: base)
        var seen: UInt64 = 0
        while !r.isAtEnd {
            guard r.remaining >= 4 else {
                throw r.error(.lengthOverflow, "extension header runs past the extensions block")
            }
            let type = try r.readU16()
            let data = try r.readU16Prefixed()
            extensionCount &+= 1
            if type < 64 {
                let bit: UInt64 = 1 << UInt64(type)
                if seen & bit != 0 { flags.insert(.duplicateExtension) }
                seen |= bit
            }
            do {
                try decodeExtension(type, data, bytes, base: base)
            } catch {
                malformedExtensionCount &+= 1
                if extensionError == nil { extensionError = error }
            }
        }
    }

    mutating func decodeExtension(_ type: UInt16, _ data: Range<Int>, _ bytes: RawSpan, base: Int) throws(TLSParseError) {
        var r = TLSReader(bytes, range: data, base: base)
        switch type {
        case 43:
            selectedVersion = ProtocolVersion(try r.readU16())
            try r.expectEnd("bytes after selected_version")
        case 51, 40:
            // (40: key_share in TLS 1.3 drafts up to 22.)
            if isHelloRetryRequest {
                selectedGroup = NamedGroup(try r.readU16())
            } else {
                keyShareGroup = NamedGroup(try r.readU16())
                keyShareLength = try r.readU16Prefixed().count
            }
            try r.expectEnd("bytes after key_share")
        case 16:
            // ProtocolNameList with exactly one name (RFC 7301 §3.1).
            var list = try r.readU16PrefixedReader()
            try r.expectEnd("bytes after protocol_name_list")
            alpn = try list.readU8Prefixed()
            try list.expectEnd("server ALPN list holds more than one protocol")
        case 11:
            ecPointFormats = try r.readU8Prefixed()
            try r.expectEnd("bytes after ec_point_format_list")
        case 0xff01:
            flags.insert(.renegotiationInfo)
            renegotiationInfo = try r.readU8Prefixed()
            try r.expectEnd("bytes after renegotiated_connection")
        case 41:
            pskSelectedIdentity = try r.readU16()
        case 28:
            recordSizeLimit = try r.readU16()
        case 1:
            maxFragmentLength = try r.readU8()
        case 23: flags.insert(.extendedMasterSecret)
        case 22: flags.insert(.encryptThenMAC)
        case 35: flags.insert(.sessionTicket)
        case 5: flags.insert(.statusRequest)
        case 18: flags.insert(.signedCertificateTimestamp)
        case 15: flags.insert(.heartbeat)
        case 13172: flags.insert(.nextProtocolNegotiation)
        case 44: flags.insert(.cookie)
        case 0: flags.insert(.serverName)
        case 42: flags.insert(.earlyData)
        case 0xfe0d: flags.insert(.encryptedClientHello)
        default: break
        }
    }

    /// The extension list in place.
    @_lifetime(copy body)
    public func extensionList(_ body: RawSpan) -> ExtensionList { ExtensionList(body, extensions) }

    /// The chosen ALPN protocol as text (allocates).
    public func alpnProtocol(_ body: RawSpan) -> String? {
        guard let r = alpn else { return nil }
        return printableOrHex(body, r)
    }
}
