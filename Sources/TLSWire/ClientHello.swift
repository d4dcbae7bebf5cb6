// ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): scalars and byte ranges only — parsing one
// allocates nothing. Ranges are offsets into the bytes the parser read (the message body when
// parsed with `init(body:)`); `view(_:)` pairs them with those bytes again.
//
//     struct {
//         ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
//         Random random;                              /* 32 bytes */
//         opaque legacy_session_id<0..32>;
//         CipherSuite cipher_suites<2..2^16-2>;
//         opaque legacy_compression_methods<1..2^8-1>;
//         Extension extensions<8..2^16-1>;            /* absent in SSL 3.0-era hellos */
//     } ClientHello;

public struct ClientHello: Hashable, Sendable {
    /// Presence-only and small facts, one bit each.
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt32
        @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let earlyData = Flags(rawValue: 1 << 0)
        public static let signedCertificateTimestamp = Flags(rawValue: 1 << 1)
        public static let extendedMasterSecret = Flags(rawValue: 1 << 2)
        public static let encryptThenMAC = Flags(rawValue: 1 << 3)
        public static let postHandshakeAuth = Flags(rawValue: 1 << 4)
        public static let quicTransportParameters = Flags(rawValue: 1 << 5)
        public static let statusRequest = Flags(rawValue: 1 << 6)
        public static let sessionTicket = Flags(rawValue: 1 << 7)
        public static let renegotiationInfo = Flags(rawValue: 1 << 8)
        public static let heartbeat = Flags(rawValue: 1 << 9)
        public static let delegatedCredential = Flags(rawValue: 1 << 10)
        public static let nextProtocolNegotiation = Flags(rawValue: 1 << 11)
        public static let channelID = Flags(rawValue: 1 << 12)
        public static let certificateAuthorities = Flags(rawValue: 1 << 13)
        /// The same extension type appears twice (RFC 8446 §4.2 forbids it).
        public static let duplicateExtension = Flags(rawValue: 1 << 14)
        /// pre_shared_key is not the last extension (RFC 8446 §4.2.11 requires it last).
        public static let preSharedKeyNotLast = Flags(rawValue: 1 << 15)
        /// An extension that must be empty (e.g. extended_master_secret) carries data.
        public static let nonEmptyPresenceExtension = Flags(rawValue: 1 << 16)
        /// The cipher suite list has a GREASE value.
        public static let greaseCipherSuite = Flags(rawValue: 1 << 17)
        /// The extension list has a GREASE type.
        public static let greaseExtension = Flags(rawValue: 1 << 18)
        public static let emptyRenegotiationInfoSCSV = Flags(rawValue: 1 << 19)
        public static let fallbackSCSV = Flags(rawValue: 1 << 20)
    }

    /// encrypted_client_hello as the client sent it (draft-ietf-tls-esni §5):
    ///
    ///     enum { outer(0), inner(1) } ECHClientHelloType;
    ///     struct {
    ///        ECHClientHelloType type;
    ///        select (ECHClientHello.type) {
    ///            case outer:
    ///                HpkeSymmetricCipherSuite cipher_suite;   /* uint16 kdf_id, uint16 aead_id */
    ///                uint8 config_id;
    ///                opaque enc<0..2^16-1>;
    ///                opaque payload<1..2^16-1>;
    ///            case inner:
    ///                Empty;
    ///        };
    ///     } ECHClientHello;
    public struct ECH: Hashable, Sendable {
        public var type: UInt8
        public var kdfID: UInt16
        public var aeadID: UInt16
        public var configID: UInt8
        public var encLength: Int
        public var payloadLength: Int
        public var isOuter: Bool { type == 0 }
    }

    public var legacyVersion: ProtocolVersion
    public var random: Range<Int>
    public var sessionID: Range<Int>
    /// The cipher_suites bytes (after the length prefix).
    public var cipherSuites: Range<Int>
    public var compressionMethods: Range<Int>
    /// The extensions bytes (after the length prefix); nil when the hello has no extensions block.
    public var extensions: Range<Int>?
    public var extensionCount: Int = 0
    /// Bytes after the extensions block (none in a well-formed hello).
    public var trailingBytes: Int = 0

    // Decoded extensions (ranges of the list contents, after their own length prefixes).
    /// The first host_name of server_name.
    public var sni: Range<Int>?
    /// server_name entries of any name type.
    public var serverNameCount: Int = 0
    /// application_layer_protocol_negotiation: the protocol_name_list bytes.
    public var alpn: Range<Int>?
    /// supported_versions: the client's version list.
    public var supportedVersions: Range<Int>?
    public var supportedGroups: Range<Int>?
    public var ecPointFormats: Range<Int>?
    public var signatureAlgorithms: Range<Int>?
    public var signatureAlgorithmsCert: Range<Int>?
    /// key_share: the client_shares bytes.
    public var keyShares: Range<Int>?
    public var keyShareCount: Int = 0
    public var pskKeyExchangeModes: Range<Int>?
    /// pre_shared_key: number of offered identities (nil when absent).
    public var pskIdentityCount: Int?
    /// status_request: the CertificateStatusType (1 = ocsp).
    public var statusRequestType: UInt8?
    /// renegotiation_info: renegotiated_connection (empty on an initial handshake).
    public var renegotiationInfo: Range<Int>?
    /// session_ticket: the ticket (empty when asking for a new one).
    public var sessionTicket: Range<Int>?
    public var paddingLength: Int?
    public var recordSizeLimit: UInt16?
    public var maxFragmentLength: UInt8?
    /// compress_certificate: the algorithm list bytes.
    public var compressCertificate: Range<Int>?
    public var ech: ECH?
    /// application_settings (ALPS): the supported_protocols list, and which code point carried it.
    public var alps: Range<Int>?
    public var alpsType: ExtensionType?
    /// cookie (a second ClientHello after a HelloRetryRequest).
    public var cookie: Range<Int>?
    public var flags: Flags = []
    /// The highest non-GREASE supported_versions entry, else legacy_version.
    public var maxVersion: ProtocolVersion
    /// Extensions whose contents did not parse (the hello itself still did).
    public var malformedExtensionCount: Int = 0
    /// The first such error.
    public var extensionError: TLSParseError?

    @inlinable public var cipherSuiteCount: Int { cipherSuites.count / 2 }
    @inlinable public var sessionIDLength: Int { sessionID.count }

    /// Parses a ClientHello body (from legacy_version on). Errors: `.truncated` when the bytes end
    /// inside a fixed field, `.lengthOverflow` when a vector runs past the body, `.invalidValue`
    /// for an odd cipher suite list or a session id over 32 bytes. Malformed extension contents
    /// are counted (`malformedExtensionCount`), not thrown.
    public init(parsing input: inout TLSReader) throws(TLSParseError) {
        // Fixed part: version (2) + random (32) + session id length (1).
        try input.require(35)
        legacyVersion = ProtocolVersion(try input.readU16())
        random = try input.skip(32)
        sessionID = try input.readU8Prefixed()
        guard sessionID.count <= 32 else {
            throw TLSParseError(.invalidValue, offset: input.base &+ sessionID.lowerBound &- 1, "session id longer than 32 bytes")
        }
        cipherSuites = try input.readU16Prefixed()
        guard cipherSuites.count % 2 == 0 else {
            throw TLSParseError(.invalidValue, offset: input.base &+ cipherSuites.lowerBound &- 2, "cipher suite list has odd length")
        }
        compressionMethods = try input.readU8Prefixed()
        maxVersion = legacyVersion
        scanCipherSuites(input.bytes)
        guard !input.isAtEnd else { return }
        let ext = try input.readU16Prefixed()
        extensions = ext
        trailingBytes = input.remaining
        try parseExtensions(input.bytes, ext, base: input.base)
    }

    /// Parses a ClientHello message body; `base` is added to error offsets (e.g. the body's
    /// stream offset).
    public init(body: RawSpan, base: Int = 0) throws(TLSParseError) {
        var r = TLSReader(body, base: base)
        try self.init(parsing: &r)
    }

    @inlinable
    mutating func scanCipherSuites(_ bytes: RawSpan) {
        var p = cipherSuites.lowerBound
        while p < cipherSuites.upperBound {
            let v = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            if isGREASE16(v) { flags.insert(.greaseCipherSuite) }
            else if v == 0x00ff { flags.insert(.emptyRenegotiationInfoSCSV) }
            else if v == 0x5600 { flags.insert(.fallbackSCSV) }
            p &+= 2
        }
    }

    mutating func parseExtensions(_ bytes: RawSpan, _ ext: Range<Int>, base: Int) throws(TLSParseError) {
        var r = TLSReader(bytes, range: ext, base: base)
        var seen: UInt64 = 0
        var lastType: UInt16 = 0
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
            if lastType == 41 { flags.insert(.preSharedKeyNotLast) }
            lastType = type
            do {
                try decodeExtension(type, data, bytes, base: base)
            } catch {
                malformedExtensionCount &+= 1
                if extensionError == nil { extensionError = error }
            }
        }
    }

    @inline(__always)
    mutating func presence(_ flag: Flags, _ data: Range<Int>) {
        if flags.contains(flag) { flags.insert(.duplicateExtension) }
        flags.insert(flag)
        if !data.isEmpty { flags.insert(.nonEmptyPresenceExtension) }
    }

    @inline(__always)
    mutating func noteDuplicate(_ present: Bool) {
        if present { flags.insert(.duplicateExtension) }
    }

    mutating func decodeExtension(_ type: UInt16, _ data: Range<Int>, _ bytes: RawSpan, base: Int) throws(TLSParseError) {
        var r = TLSReader(bytes, range: data, base: base)
        switch type {
        case 0:
            // struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
            // opaque HostName<1..2^16-1>;  struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
            // (An empty server_name is what a server sends back; a client's has a list.)
            guard !data.isEmpty else { return }
            var list = try r.readU16PrefixedReader()
            try r.expectEnd("bytes after server_name_list")
            while !list.isAtEnd {
                let nameType = try list.readU8()
                let name = try list.readU16Prefixed()
                serverNameCount &+= 1
                if nameType == 0 && sni == nil { sni = name }
            }
        case 16:
            // opaque ProtocolName<1..2^8-1>;  struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
            noteDuplicate(alpn != nil)
            var list = try r.readU16PrefixedReader()
            try r.expectEnd("bytes after protocol_name_list")
            let whole = list.remainingRange
            while !list.isAtEnd { _ = try list.readU8Prefixed() }
            alpn = whole
        case 43:
            // struct { select (Handshake.msg_type) { case client_hello: ProtocolVersion versions<2..254>; ... }; } SupportedVersions;
            noteDuplicate(supportedVersions != nil)
            let list = try r.readU8Prefixed()
            try r.expectEnd("bytes after versions")
            guard list.count % 2 == 0 else { throw TLSParseError(.invalidValue, offset: base &+ list.lowerBound, "supported_versions list has odd length") }
            supportedVersions = list
            var best: ProtocolVersion?
            var p = list.lowerBound
            while p < list.upperBound {
                let v = ProtocolVersion(UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self)))
                if !v.isGREASE, best.map({ $0 < v }) ?? true { best = v }
                p &+= 2
            }
            if let b = best { maxVersion = b }
        case 10:
            // struct { NamedGroup named_group_list<2..2^16-1>; } NamedGroupList;
            noteDuplicate(supportedGroups != nil)
            supportedGroups = try readU16List(&r, "supported_groups list has odd length")
        case 11:
            // struct { ECPointFormat ec_point_format_list<1..2^8-1> } ECPointFormatList;
            noteDuplicate(ecPointFormats != nil)
            ecPointFormats = try r.readU8Prefixed()
            try r.expectEnd("bytes after ec_point_format_list")
        case 13:
            // struct { SignatureScheme supported_signature_algorithms<2..2^16-2>; } SignatureSchemeList;
            noteDuplicate(signatureAlgorithms != nil)
            signatureAlgorithms = try readU16List(&r, "signature_algorithms list has odd length")
        case 50:
            noteDuplicate(signatureAlgorithmsCert != nil)
            signatureAlgorithmsCert = try readU16List(&r, "signature_algorithms_cert list has odd length")
        case 51, 40:
            // struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
            // (TLS 1.3 drafts up to 22 sent key_share as extension 40, same layout.)
            if type == 40 && keyShares != nil { return }
            // struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
            noteDuplicate(keyShares != nil)
            var list = try r.readU16PrefixedReader()
            try r.expectEnd("bytes after client_shares")
            let whole = list.remainingRange
            var n = 0
            while !list.isAtEnd {
                _ = try list.readU16()
                _ = try list.readU16Prefixed()
                n &+= 1
            }
            keyShares = whole
            keyShareCount = n
        case 45:
            // struct { PskKeyExchangeMode ke_modes<1..255>; } PskKeyExchangeModes;
            noteDuplicate(pskKeyExchangeModes != nil)
            pskKeyExchangeModes = try r.readU8Prefixed()
            try r.expectEnd("bytes after ke_modes")
        case 41:
            // struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
            // opaque PskBinderEntry<32..255>;
            // struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
            noteDuplicate(pskIdentityCount != nil)
            var ids = try r.readU16PrefixedReader()
            var n = 0
            while !ids.isAtEnd {
                _ = try ids.readU16Prefixed()
                _ = try ids.readU32()
                n &+= 1
            }
            _ = try r.readU16Prefixed()
            try r.expectEnd("bytes after binders")
            pskIdentityCount = n
        case 42: presence(.earlyData, data)
        case 18: presence(.signedCertificateTimestamp, data)
        case 23: presence(.extendedMasterSecret, data)
        case 22: presence(.encryptThenMAC, data)
        case 49: presence(.postHandshakeAuth, data)
        case 57, 0xffa5:
            if flags.contains(.quicTransportParameters) { flags.insert(.duplicateExtension) }
            flags.insert(.quicTransportParameters)
        case 34:
            flags.insert(.delegatedCredential)
        case 47:
            flags.insert(.certificateAuthorities)
        case 13172:
            presence(.nextProtocolNegotiation, data)
        case 30032, 30031:
            flags.insert(.channelID)
        case 15:
            // struct { HeartbeatMode mode; } HeartbeatExtension;
            flags.insert(.heartbeat)
        case 5:
            // struct { CertificateStatusType status_type; select (status_type) { case ocsp: OCSPStatusRequest; } request; } CertificateStatusRequest;
            noteDuplicate(statusRequestType != nil)
            flags.insert(.statusRequest)
            statusRequestType = try r.readU8()
        case 0xff01:
            // struct { opaque renegotiated_connection<0..255>; } RenegotiationInfo;
            noteDuplicate(renegotiationInfo != nil)
            flags.insert(.renegotiationInfo)
            renegotiationInfo = try r.readU8Prefixed()
            try r.expectEnd("bytes after renegotiated_connection")
        case 35:
            // The whole extension_data is the ticket (RFC 5077 §3.2).
            noteDuplicate(sessionTicket != nil)
            flags.insert(.sessionTicket)
            sessionTicket = data
        case 21:
            // struct { opaque zeros[extension_data.length]; } PaddingExtension;  (RFC 7685)
            noteDuplicate(paddingLength != nil)
            paddingLength = data.count
        case 28:
            // uint16 RecordSizeLimit;  (RFC 8449)
            noteDuplicate(recordSizeLimit != nil)
            recordSizeLimit = try r.readU16()
            try r.expectEnd("bytes after record_size_limit")
        case 1:
            // enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength;  (RFC 6066 §4)
            maxFragmentLength = try r.readU8()
        case 27:
            // struct { CertificateCompressionAlgorithm algorithms<2..2^8-2>; } CertificateCompressionAlgorithms;
            noteDuplicate(compressCertificate != nil)
            let list = try r.readU8Prefixed()
            try r.expectEnd("bytes after compress_certificate algorithms")
            guard list.count % 2 == 0 else { throw TLSParseError(.invalidValue, offset: base &+ list.lowerBound, "compress_certificate list has odd length") }
            compressCertificate = list
        case 0xfe0d:
            noteDuplicate(ech != nil)
            let t = try r.readU8()
            if t == 0 {
                let kdf = try r.readU16()
                let aead = try r.readU16()
                let config = try r.readU8()
                let enc = try r.readU16Prefixed()
                let payload = try r.readU16Prefixed()
                ech = ECH(type: t, kdfID: kdf, aeadID: aead, configID: config, encLength: enc.count, payloadLength: payload.count)
            } else {
                ech = ECH(type: t, kdfID: 0, aeadID: 0, configID: 0, encLength: 0, payloadLength: 0)
            }
        case 17513, 17613:
            // ALPS: struct { ProtocolName supported_protocols<2..2^16-1>; } ApplicationSettingsSupport;
            noteDuplicate(alps != nil)
            var list = try r.readU16PrefixedReader()
            let whole = list.remainingRange
            while !list.isAtEnd { _ = try list.readU8Prefixed() }
            alps = whole
            alpsType = ExtensionType(type)
        case 44:
            // struct { opaque cookie<1..2^16-1>; } Cookie;
            cookie = try r.readU16Prefixed()
        default:
            if isGREASE16(type) { flags.insert(.greaseExtension) }
        }
    }

    @inline(__always)
    func readU16List(_ r: inout TLSReader, _ oddReason: StaticString) throws(TLSParseError) -> Range<Int> {
        let list = try r.readU16Prefixed()
        try r.expectEnd("bytes after the list")
        guard list.count % 2 == 0 else { throw TLSParseError(.invalidValue, offset: r.base &+ list.lowerBound, oddReason) }
        return list
    }
}

// MARK: - In-place view

extension ClientHello {
    /// The hello's ranges paired with the bytes they index. Nothing here allocates except the
    /// members documented as copies.
    public struct View: ~Escapable {
        public let body: RawSpan
        public let hello: ClientHello

        @inlinable @_lifetime(copy body)
        public init(body: RawSpan, hello: ClientHello) {
            self.body = body
            self.hello = hello
        }

        public var cipherSuites: CodePointList16<CipherSuite> {
            @_lifetime(copy self) get { CodePointList16(body, hello.cipherSuites) }
        }
        public var compressionMethods: CodePointList8<CompressionMethod> {
            @_lifetime(copy self) get { CodePointList8(body, hello.compressionMethods) }
        }
        public var extensions: ExtensionList {
            @_lifetime(copy self) get { ExtensionList(body, hello.extensions) }
        }
        public var supportedVersions: CodePointList16<ProtocolVersion> {
            @_lifetime(copy self) get { CodePointList16(body, hello.supportedVersions) }
        }
        public var supportedGroups: CodePointList16<NamedGroup> {
            @_lifetime(copy self) get { CodePointList16(body, hello.supportedGroups) }
        }
        public var signatureAlgorithms: CodePointList16<SignatureScheme> {
            @_lifetime(copy self) get { CodePointList16(body, hello.signatureAlgorithms) }
        }
        public var signatureAlgorithmsCert: CodePointList16<SignatureScheme> {
            @_lifetime(copy self) get { CodePointList16(body, hello.signatureAlgorithmsCert) }
        }
        public var ecPointFormats: CodePointList8<ECPointFormat> {
            @_lifetime(copy self) get { CodePointList8(body, hello.ecPointFormats) }
        }
        public var pskKeyExchangeModes: CodePointList8<PSKKeyExchangeMode> {
            @_lifetime(copy self) get { CodePointList8(body, hello.pskKeyExchangeModes) }
        }
        public var compressCertificateAlgorithms: CodePointList16<CertificateCompressionAlgorithm> {
            @_lifetime(copy self) get { CodePointList16(body, hello.compressCertificate) }
        }
        public var alpnProtocols: U8PrefixedStrings {
            @_lifetime(copy self) get { U8PrefixedStrings(body, hello.alpn) }
        }
        public var alpsProtocols: U8PrefixedStrings {
            @_lifetime(copy self) get { U8PrefixedStrings(body, hello.alps) }
        }
        public var keyShares: KeyShareList {
            @_lifetime(copy self) get { KeyShareList(body, hello.keyShares) }
        }
        /// The SNI host name bytes in place.
        public var sniBytes: RawSpan? {
            @_lifetime(copy self) get {
                guard let r = hello.sni, body.tlsContains(r) else { return nil }
                return body.extracting(r)
            }
        }
        /// The SNI host name as text (allocates; non-printable bytes as `0x` hex).
        public var serverName: String? {
            guard let r = hello.sni else { return nil }
            return printableOrHex(body, r)
        }
    }

    @_lifetime(copy body)
    public func view(_ body: RawSpan) -> View { View(body: body, hello: self) }
}

/// `KeyShareEntry client_shares<0..2^16-1>` in place.
public struct KeyShareList: ~Escapable {
    public let bytes: RawSpan
    public let range: Range<Int>

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>?) {
        self.bytes = bytes
        let r = range ?? 0..<0
        self.range = bytes.tlsContains(r) ? r : r.lowerBound..<r.lowerBound
    }

    /// Calls `body` with each entry's group and the range of its key_exchange bytes.
    @inlinable public func forEach(_ body: (NamedGroup, Range<Int>) throws -> Void) rethrows {
        var p = range.lowerBound
        while range.upperBound &- p >= 4 {
            let g = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            let n = Int(UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p &+ 2, as: UInt16.self)))
            guard n <= range.upperBound &- p &- 4 else { return }
            try body(NamedGroup(g), (p &+ 4)..<(p &+ 4 &+ n))
            p &+= 4 &+ n
        }
    }

    public var groups: [NamedGroup] {
        var out = [NamedGroup]()
        forEach { g, _ in out.append(g) }
        return out
    }
}
