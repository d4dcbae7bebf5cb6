import NetCore
import FlowTrack
import Preambles

/// Which peer did something.
public enum Side: String, Codable, Hashable, Sendable {
    case client, server
    @inlinable public init(_ d: Direction) { self = d == .clientToServer ? .client : .server }
    public var other: Side { self == .client ? .server : .client }
}

/// What the client offered, owned (copied out of the message once, when the connection is reported).
/// Code points are kept as raw numbers; names come from TLSWire's registries when printed.
public struct ClientHelloInfo: Codable, Hashable, Sendable {
    /// The version in the record header carrying the hello (e.g. 0x0301 for "record TLS 1.0").
    public var recordVersion: UInt16
    public var legacyVersion: UInt16
    /// Highest version offered: the top of supported_versions (GREASE ignored), else legacy_version.
    public var maxVersion: UInt16
    public var supportedVersions: [UInt16]
    public var cipherSuites: [UInt16]
    public var compressionMethods: [UInt8]
    public var extensions: [UInt16]
    public var sni: String?
    public var alpn: [String]
    public var supportedGroups: [UInt16]
    public var keyShares: [KeyShare]
    public var signatureAlgorithms: [UInt16]
    public var signatureAlgorithmsCert: [UInt16]
    public var ecPointFormats: [UInt8]
    public var pskModes: [UInt8]
    public var pskIdentities: Int?
    public var sessionIDLength: Int
    /// The session id bytes (to tell a TLS ≤ 1.2 resumption: the server echoes them).
    public var sessionID: [UInt8]
    public var hasEarlyData: Bool
    public var echOuter: Bool
    /// The whole handshake message, header included.
    public var size: Int
    /// TCP segments that carried its bytes.
    public var tcpSegments: Int
    /// TLS records that carried it.
    public var records: Int
    /// The hello came in SSLv2 format (maybe offering SSL 3.0 / TLS).
    public var sslv2Format: Bool
    public var ja3: String?
    public var ja3Hash: String?
    public var ja4: String?
    public var ja4r: String?

    public struct KeyShare: Codable, Hashable, Sendable {
        public var group: UInt16
        public var keyLength: Int
        public init(group: UInt16, keyLength: Int) { self.group = group; self.keyLength = keyLength }
    }

    public init() {
        recordVersion = 0; legacyVersion = 0; maxVersion = 0; supportedVersions = []; cipherSuites = []
        compressionMethods = []; extensions = []; sni = nil; alpn = []; supportedGroups = []; keyShares = []
        signatureAlgorithms = []; signatureAlgorithmsCert = []; ecPointFormats = []; pskModes = []
        pskIdentities = nil; sessionIDLength = 0; sessionID = []; hasEarlyData = false; echOuter = false; size = 0
        tcpSegments = 0; records = 0; sslv2Format = false
    }
}

/// What the server chose.
public struct ServerHelloInfo: Codable, Hashable, Sendable {
    public var recordVersion: UInt16 = 0
    public var legacyVersion: UInt16 = 0
    /// The negotiated version: supported_versions if present (TLS 1.3), else legacy_version.
    public var version: UInt16 = 0
    public var cipherSuite: UInt16 = 0
    public var compressionMethod: UInt8 = 0
    public var extensions: [UInt16] = []
    public var keyShareGroup: UInt16?
    public var alpn: String?
    public var sessionIDLength: Int = 0
    /// "DOWNGRD" sentinel in the random: 1 = TLS 1.2 downgrade, 0 = TLS 1.1 or below.
    public var downgradeSentinel: UInt8?
    public var isHelloRetryRequest = false
    /// HelloRetryRequest only: the group it asked for and whether it carried a cookie.
    public var hrrSelectedGroup: UInt16?
    public var hrrCookie = false
    public var size: Int = 0
    public init() {}
}

/// One certificate of the server's (or client's) chain, summarised.
public struct CertificateInfo: Codable, Hashable, Sendable {
    public var subject: String = ""
    public var issuer: String = ""
    public var subjectAltNames: [String] = []
    public var notBefore: Int64?
    public var notAfter: Int64?
    public var notBeforeText: String?
    public var notAfterText: String?
    /// "RSA", "EC", "Ed25519", …
    public var keyType: String = ""
    /// Key size in bits (RSA modulus, EC field), if known.
    public var keyBits: Int?
    /// Curve name for EC keys.
    public var curve: String?
    public var signatureAlgorithm: String = ""
    public var keyUsage: [String] = []
    public var extendedKeyUsage: [String] = []
    public var isCA: Bool = false
    public var selfSigned: Bool = false
    public var serial: String = ""
    public var sha256: String = ""
    public var size: Int = 0
    /// The DER could not be read whole; what was read is above.
    public var parseError: String?
    public init() {}
}

/// The server's key exchange parameters (TLS ≤ 1.2 ServerKeyExchange).
public struct KeyExchangeInfo: Codable, Hashable, Sendable {
    /// "ECDHE", "DHE", "other".
    public var kind: String
    public var group: UInt16?
    /// DHE prime size in bits.
    public var dhPrimeBits: Int?
    public var publicKeyLength: Int?
    public var signatureAlgorithm: UInt16?
    public init(kind: String) { self.kind = kind }
}

/// One step of the connection, in capture order.
public struct TimelineEvent: Codable, Hashable, Sendable {
    public enum Kind: Codable, Hashable, Sendable {
        case syn, synAck, fin, rst
        case gap(offset: UInt64, length: UInt64)
        case preambleCommand(String)
        case preambleReply(String)
        case clientHello
        case serverHello
        case helloRetryRequest
        /// Any other plaintext handshake message, by IANA name (e.g. "certificate", "server_hello_done").
        case handshake(type: UInt8)
        case changeCipherSpec
        /// A record after encryption was switched on: the direction's first one after CCS is its Finished
        /// in TLS ≤ 1.2; in TLS 1.3 the meaning is inferred from order and size.
        case encryptedRecord(contentType: UInt8, length: Int)
        case applicationData(length: Int)
        case alert(level: UInt8, description: UInt8)
        /// A record that is, by its size and place, most likely an encrypted alert (TLS 1.3), or an
        /// alert whose content is encrypted (TLS ≤ 1.2 after ChangeCipherSpec).
        case encryptedAlert(length: Int)
        case notTLS(sample: String)
        case malformed(reason: String, offset: Int)
    }
    public var side: Side
    public var packet: PacketStamp
    public var kind: Kind
    public init(side: Side, packet: PacketStamp, kind: Kind) { self.side = side; self.packet = packet; self.kind = kind }
}

/// An alert, plaintext or encrypted.
public struct AlertInfo: Codable, Hashable, Sendable {
    public var by: Side
    public var level: UInt8?
    public var description: UInt8?
    public var encrypted: Bool
    /// For an encrypted alert in TLS 1.3: inferred from its size and place, not read.
    public var inferred: Bool
    public var packet: PacketStamp
    public init(by: Side, level: UInt8?, description: UInt8?, encrypted: Bool, inferred: Bool, packet: PacketStamp) {
        self.by = by; self.level = level; self.description = description
        self.encrypted = encrypted; self.inferred = inferred; self.packet = packet
    }
    public var isFatal: Bool { level == 2 }
}

/// How the preamble went.
public enum PreambleResult: Codable, Hashable, Sendable {
    /// TLS followed the preamble.
    case tls
    /// The upgrade was refused (RDP_NEG_FAILURE, 454, PostgreSQL 'N', …).
    case refused
    /// The preamble finished without TLS (e.g. RDP standard security).
    case plaintext
    /// The capture ended before the preamble finished.
    case unfinished
}

/// A hello whose bytes the capture partly lost.
public struct ClientHelloLoss: Codable, Hashable, Sendable {
    public var packet: PacketStamp
    public var lostBytes: Int
    public var size: Int
    public init(packet: PacketStamp, lostBytes: Int, size: Int) { self.packet = packet; self.lostBytes = lostBytes; self.size = size }
}

/// Everything the handshake state machine learned of one connection.
public struct HandshakeFacts: Codable, Hashable, Sendable {
    public var preamble: PreambleInfo?
    public var preambleResult: PreambleResult?
    /// Some side sent TLS (a record, an SSLv2 hello).
    public var clientSentTLS = false
    public var serverSentTLS = false
    /// The client's / server's first bytes were not TLS (where TLS was expected).
    public var clientNotTLS: String?
    public var serverNotTLS: String?
    public var clientHello: ClientHelloInfo?
    public var clientHelloPacket: PacketStamp?
    /// The ClientHello was seen, but the capture lost some of its bytes: its fields are unknown.
    public var clientHelloLost: ClientHelloLoss?
    /// No SYN and the first bytes were TLS records other than a ClientHello: the capture began mid-connection.
    public var beganMidStream = false
    /// The second ClientHello after a HelloRetryRequest.
    public var secondClientHello: ClientHelloInfo?
    public var helloRetryRequest: ServerHelloInfo?
    public var serverHello: ServerHelloInfo?
    public var serverHelloPacket: PacketStamp?
    /// The ServerHello was seen, but the capture lost some of its bytes: its fields are unknown.
    public var serverHelloLost: ClientHelloLoss?
    public var certificates: [CertificateInfo] = []
    public var certificatePacket: PacketStamp?
    public var clientCertificates: [CertificateInfo]?
    public var keyExchange: KeyExchangeInfo?
    public var certificateRequested = false
    public var alerts: [AlertInfo] = []
    /// Finished seen (TLS ≤ 1.2: the first encrypted handshake record after CCS; TLS 1.3: inferred).
    public var clientFinished: PacketStamp?
    public var serverFinished: PacketStamp?
    public var clientAppData: PacketStamp?
    public var serverAppData: PacketStamp?
    /// TLS 1.3: the session was resumed (PSK accepted) or TLS ≤ 1.2 abbreviated handshake.
    public var resumed = false
    public var timeline: [TimelineEvent] = []
    /// Timeline entries not kept because of the cap (counted).
    public var timelineDropped = 0
    public var parseErrors: [String] = []
    public init() {}

    /// The most recent TLS-level step before `packet` (for "the client closed 0.3 ms after …").
    public func lastMessage(before packet: UInt64) -> TimelineEvent? {
        timeline.last { e in
            guard e.packet.number <= packet else { return false }
            switch e.kind {
            case .syn, .synAck, .fin, .rst, .gap: return false
            default: return true
            }
        }
    }
}
