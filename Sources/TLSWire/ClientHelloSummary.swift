// Owned copies of what a report needs from a ClientHello (allocates; not for the hot path).

public struct ClientHelloSummary: Hashable, Sendable {
    public struct KeyShare: Hashable, Sendable {
        public var group: NamedGroup
        public var keyLength: Int
    }

    public var legacyVersion: ProtocolVersion
    /// Highest non-GREASE supported_versions entry, else legacy_version.
    public var maxVersion: ProtocolVersion
    public var cipherSuites: [CipherSuite]
    public var compressionMethods: [CompressionMethod]
    /// Extension types in order (GREASE and unknown ones kept by number).
    public var extensions: [ExtensionType]
    public var sni: String?
    /// ALPN protocols; names with bytes outside printable ASCII as `0x` + hex.
    public var alpn: [String]
    public var supportedVersions: [ProtocolVersion]
    public var supportedGroups: [NamedGroup]
    public var keyShares: [KeyShare]
    public var signatureAlgorithms: [SignatureScheme]
    public var signatureAlgorithmsCert: [SignatureScheme]
    public var ecPointFormats: [ECPointFormat]
    public var pskModes: [PSKKeyExchangeMode]
    public var pskIdentityCount: Int?
    public var compressCertificateAlgorithms: [CertificateCompressionAlgorithm]
    public var alps: [String]
    public var alpsType: ExtensionType?
    public var flags: ClientHello.Flags
    public var statusRequestType: UInt8?
    public var renegotiationInfoLength: Int?
    public var sessionTicketLength: Int?
    public var paddingLength: Int?
    public var recordSizeLimit: UInt16?
    public var ech: ClientHello.ECH?
    public var sessionIDLength: Int
    /// Body length of the hello.
    public var size: Int
    public var malformedExtensionCount: Int
    /// True when built from an SSL 2.0 (v2-compatible) hello.
    public var fromSSLv2: Bool = false

    public var keyShareGroups: [NamedGroup] { keyShares.map(\.group) }
    public var hasEarlyData: Bool { flags.contains(.earlyData) }
    public var hasExtendedMasterSecret: Bool { flags.contains(.extendedMasterSecret) }
    public var hasEncryptThenMAC: Bool { flags.contains(.encryptThenMAC) }
    public var hasSCT: Bool { flags.contains(.signedCertificateTimestamp) }
    public var hasPostHandshakeAuth: Bool { flags.contains(.postHandshakeAuth) }
    public var hasQUICTransportParameters: Bool { flags.contains(.quicTransportParameters) }
    public var hasStatusRequest: Bool { flags.contains(.statusRequest) }
    public var hasSessionTicket: Bool { flags.contains(.sessionTicket) }
    public var hasRenegotiationInfo: Bool { flags.contains(.renegotiationInfo) }
    public var hasFallbackSCSV: Bool { flags.contains(.fallbackSCSV) }
    public var hasEmptyRenegotiationInfoSCSV: Bool { flags.contains(.emptyRenegotiationInfoSCSV) }

    /// Offered suites that are real choices (no GREASE, no SCSV).
    public var selectableCipherSuites: [CipherSuite] { cipherSuites.filter(\.isSelectable) }
    /// Offers TLS 1.3 (supported_versions lists 0x0304 or a draft).
    public var offersTLS13: Bool { supportedVersions.contains { $0.effective == .tls13 } }

    public init(_ hello: ClientHello, body: RawSpan) {
        let v = hello.view(body)
        legacyVersion = hello.legacyVersion
        maxVersion = hello.maxVersion
        cipherSuites = v.cipherSuites.array
        compressionMethods = v.compressionMethods.array
        extensions = v.extensions.types
        sni = v.serverName
        alpn = v.alpnProtocols.strings
        supportedVersions = v.supportedVersions.array
        supportedGroups = v.supportedGroups.array
        var shares = [KeyShare]()
        v.keyShares.forEach { g, r in shares.append(KeyShare(group: g, keyLength: r.count)) }
        keyShares = shares
        signatureAlgorithms = v.signatureAlgorithms.array
        signatureAlgorithmsCert = v.signatureAlgorithmsCert.array
        ecPointFormats = v.ecPointFormats.array
        pskModes = v.pskKeyExchangeModes.array
        pskIdentityCount = hello.pskIdentityCount
        compressCertificateAlgorithms = v.compressCertificateAlgorithms.array
        alps = v.alpsProtocols.strings
        alpsType = hello.alpsType
        flags = hello.flags
        statusRequestType = hello.statusRequestType
        renegotiationInfoLength = hello.renegotiationInfo?.count
        sessionTicketLength = hello.sessionTicket?.count
        paddingLength = hello.paddingLength
        recordSizeLimit = hello.recordSizeLimit
        ech = hello.ech
        sessionIDLength = hello.sessionIDLength
        size = body.byteCount
        malformedExtensionCount = hello.malformedExtensionCount
    }

    /// Parses a ClientHello body and summarises it.
    public init(body: RawSpan, base: Int = 0) throws(TLSParseError) {
        let hello = try ClientHello(body: body, base: base)
        self.init(hello, body: body)
    }

    /// The TLS view of an SSL 2.0 / v2-compatible hello: its TLS suites, no extensions.
    public init(sslv2 hello: SSLv2ClientHello) {
        legacyVersion = hello.version
        maxVersion = hello.version
        cipherSuites = hello.cipherSuites
        compressionMethods = [.null]
        extensions = []
        sni = nil
        alpn = []
        supportedVersions = []
        supportedGroups = []
        keyShares = []
        signatureAlgorithms = []
        signatureAlgorithmsCert = []
        ecPointFormats = []
        pskModes = []
        pskIdentityCount = nil
        compressCertificateAlgorithms = []
        alps = []
        alpsType = nil
        var f: ClientHello.Flags = []
        for s in hello.cipherSuites {
            if s.rawValue == 0x00ff { f.insert(.emptyRenegotiationInfoSCSV) }
            if s.rawValue == 0x5600 { f.insert(.fallbackSCSV) }
        }
        flags = f
        statusRequestType = nil
        renegotiationInfoLength = nil
        sessionTicketLength = nil
        paddingLength = nil
        recordSizeLimit = nil
        ech = nil
        sessionIDLength = hello.sessionID.count
        size = 9 + hello.cipherSpecs.count * 3 + hello.sessionID.count + hello.challenge.count
        malformedExtensionCount = 0
        fromSSLv2 = true
    }
}
