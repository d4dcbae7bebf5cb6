#if canImport(Glibc)
import Glibc
#endif
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
///
/// Two copy-on-write boxes: what a client's hellos have in common (`Shared`: the lists, ALPN, key
/// share shape and fingerprints, one box per distinct hello shared by every connection that sent
/// it, see `AdapterMemo.hellos`) and what is this connection's own (`Own`: server name, session
/// id, sizes), the own box holding the shared one. Copying a ClientHelloInfo, as every stage after
/// the observer does, costs one reference count. Equality, hashing and Codable are those of the values, with the same keys
/// as ever.
public struct ClientHelloInfo: Codable, Hashable, Sendable {
    /// The version in the record header carrying the hello (e.g. 0x0301 for "record TLS 1.0").
    public var recordVersion: UInt16 { @inlinable get { own.v.recordVersion } set { ownValues.recordVersion = newValue } }
    public var legacyVersion: UInt16 { @inlinable get { shared.v.legacyVersion } set { sharedValues.legacyVersion = newValue } }
    /// Highest version offered: the top of supported_versions (GREASE ignored), else legacy_version.
    public var maxVersion: UInt16 { @inlinable get { shared.v.maxVersion } set { sharedValues.maxVersion = newValue } }
    public var supportedVersions: [UInt16] { @inlinable get { shared.v.supportedVersions } set { sharedValues.supportedVersions = newValue } }
    public var cipherSuites: [UInt16] { @inlinable get { shared.v.cipherSuites } set { sharedValues.cipherSuites = newValue } }
    public var compressionMethods: [UInt8] { @inlinable get { shared.v.compressionMethods } set { sharedValues.compressionMethods = newValue } }
    public var extensions: [UInt16] { @inlinable get { shared.v.extensions } set { sharedValues.extensions = newValue } }
    public var sni: String? { @inlinable get { own.v.sni } set { ownValues.sni = newValue } }
    public var alpn: [String] { @inlinable get { shared.v.alpn } set { sharedValues.alpn = newValue } }
    public var supportedGroups: [UInt16] { @inlinable get { shared.v.supportedGroups } set { sharedValues.supportedGroups = newValue } }
    public var keyShares: [KeyShare] { @inlinable get { shared.v.keyShares } set { sharedValues.keyShares = newValue } }
    public var signatureAlgorithms: [UInt16] { @inlinable get { shared.v.signatureAlgorithms } set { sharedValues.signatureAlgorithms = newValue } }
    public var signatureAlgorithmsCert: [UInt16] { @inlinable get { shared.v.signatureAlgorithmsCert } set { sharedValues.signatureAlgorithmsCert = newValue } }
    public var ecPointFormats: [UInt8] { @inlinable get { shared.v.ecPointFormats } set { sharedValues.ecPointFormats = newValue } }
    public var pskModes: [UInt8] { @inlinable get { shared.v.pskModes } set { sharedValues.pskModes = newValue } }
    public var pskIdentities: Int? { @inlinable get { own.v.pskIdentities } set { ownValues.pskIdentities = newValue } }
    public var sessionIDLength: Int { @inlinable get { own.v.sessionIDLength } set { ownValues.sessionIDLength = newValue } }
    /// The session id bytes (to tell a TLS ≤ 1.2 resumption: the server echoes them).
    public var sessionID: [UInt8] { get { own.v.sessionID.bytes } set { ownValues.sessionID = SessionIDBytes(newValue) } }
    public var hasEarlyData: Bool { @inlinable get { own.v.hasEarlyData } set { ownValues.hasEarlyData = newValue } }
    public var echOuter: Bool { @inlinable get { own.v.echOuter } set { ownValues.echOuter = newValue } }
    /// The whole handshake message, header included.
    public var size: Int { @inlinable get { own.v.size } set { ownValues.size = newValue } }
    /// TCP segments that carried its bytes.
    public var tcpSegments: Int { @inlinable get { own.v.tcpSegments } set { ownValues.tcpSegments = newValue } }
    /// TLS records that carried it.
    public var records: Int { @inlinable get { own.v.records } set { ownValues.records = newValue } }
    /// The hello came in SSLv2 format (maybe offering SSL 3.0 / TLS).
    public var sslv2Format: Bool { @inlinable get { shared.v.sslv2Format } set { sharedValues.sslv2Format = newValue } }
    public var ja3: String? { @inlinable get { shared.v.ja3 } set { sharedValues.ja3 = newValue } }
    public var ja3Hash: String? { @inlinable get { shared.v.ja3Hash } set { sharedValues.ja3Hash = newValue } }
    public var ja4: String? { @inlinable get { shared.v.ja4 } set { sharedValues.ja4 = newValue } }
    public var ja4r: String? { @inlinable get { shared.v.ja4r } set { sharedValues.ja4r = newValue } }
    /// The box of the part this hello shares with the other hellos of its shape (the same object
    /// for all of them). Its values never change while anyone else holds it (a hello changing
    /// them copies the box first), so a holder may key on its identity.
    public var sharedIdentity: AnyObject { @inlinable get { shared } }

    /// `body` with this hello's cipher suites and server name where they lie, for comparing them
    /// with kept values: the getters hand out copies, retained and released. The pointers are
    /// valid only during `body`, which must not change this hello.
    @inlinable @inline(__always)
    public func withSuitesAndName<R>(_ body: (UnsafePointer<[UInt16]>, UnsafePointer<String?>) -> R) -> R {
        Unmanaged.passUnretained(own)._withUnsafeGuaranteedRef { o in
            Unmanaged.passUnretained(o.shared)._withUnsafeGuaranteedRef { s in
                withUnsafeMutablePointer(to: &s.v.cipherSuites) { suites in
                    withUnsafeMutablePointer(to: &o.v.sni) { sni in body(UnsafePointer(suites), UnsafePointer(sni)) }
                }
            }
        }
    }

    public struct KeyShare: Codable, Hashable, Sendable {
        public var group: UInt16
        public var keyLength: Int
        public init(group: UInt16, keyLength: Int) { self.group = group; self.keyLength = keyLength }
    }

    /// What the hellos of one client shape have in common.
    @usableFromInline struct SharedValues: Hashable, Sendable {
        @usableFromInline var legacyVersion: UInt16 = 0
        @usableFromInline var maxVersion: UInt16 = 0
        @usableFromInline var supportedVersions: [UInt16] = []
        @usableFromInline var cipherSuites: [UInt16] = []
        @usableFromInline var compressionMethods: [UInt8] = []
        @usableFromInline var extensions: [UInt16] = []
        @usableFromInline var alpn: [String] = []
        @usableFromInline var supportedGroups: [UInt16] = []
        @usableFromInline var keyShares: [KeyShare] = []
        @usableFromInline var signatureAlgorithms: [UInt16] = []
        @usableFromInline var signatureAlgorithmsCert: [UInt16] = []
        @usableFromInline var ecPointFormats: [UInt8] = []
        @usableFromInline var pskModes: [UInt8] = []
        @usableFromInline var sslv2Format: Bool = false
        @usableFromInline var ja3: String?
        @usableFromInline var ja3Hash: String?
        @usableFromInline var ja4: String?
        @usableFromInline var ja4r: String?
    }

    /// What is this hello's own.
    @usableFromInline struct OwnValues: Hashable, Sendable {
        @usableFromInline var recordVersion: UInt16 = 0
        @usableFromInline var sni: String?
        @usableFromInline var pskIdentities: Int?
        @usableFromInline var sessionIDLength: Int = 0
        @usableFromInline var sessionID = SessionIDBytes()
        @usableFromInline var hasEarlyData: Bool = false
        @usableFromInline var echOuter: Bool = false
        @usableFromInline var size: Int = 0
        @usableFromInline var tcpSegments: Int = 0
        @usableFromInline var records: Int = 0
    }

    // (Two plain classes rather than one generic box: a generic class's metadata is looked up at
    // run time on every allocation.)
    @usableFromInline final class SharedBox: @unchecked Sendable {
        // Only changed through `sharedValues`, which copies a shared box first.
        @usableFromInline @exclusivity(unchecked) var v: SharedValues
        init(_ v: consuming SharedValues) { self.v = v }
    }

    /// The connection's own values and the shared box: a hello is one reference (its copies,
    /// made by every stage after the observer, retain and release one object, not two).
    @usableFromInline final class OwnBox: @unchecked Sendable {
        // Only changed through `ownValues` and `sharedValues`, which copy a shared box first.
        @usableFromInline @exclusivity(unchecked) var v: OwnValues
        @usableFromInline @exclusivity(unchecked) var shared: SharedBox
        init(_ v: consuming OwnValues, shared: SharedBox) { self.v = v; self.shared = shared }
    }

    @usableFromInline var own: OwnBox
    /// What the hellos of this one's shape have in common (shared, not copied).
    @inlinable var shared: SharedBox { own.shared }

    var sharedValues: SharedValues {
        _read { yield own.shared.v }
        _modify {
            if !isKnownUniquelyReferenced(&own) { own = OwnBox(own.v, shared: own.shared) }
            if !isKnownUniquelyReferenced(&own.shared) { own.shared = SharedBox(own.shared.v) }
            yield &own.shared.v
        }
    }

    var ownValues: OwnValues {
        _read { yield own.v }
        _modify {
            if !isKnownUniquelyReferenced(&own) { own = OwnBox(own.v, shared: own.shared) }
            yield &own.v
        }
    }

    /// A session id in place: legacy_session_id is at most 32 bytes (RFC 8446 §4.1.2), so no
    /// array per connection; anything longer (only set by hand) is kept in an array.
    @usableFromInline struct SessionIDBytes: Hashable, Sendable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var count: UInt8 = 0
        var longer: [UInt8]?

        init() {}

        init(_ bytes: [UInt8]) {
            self = bytes.withUnsafeBytes { SessionIDBytes($0) }
        }

        init(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count <= 32 else { longer = [UInt8](bytes); return }
            count = UInt8(bytes.count)
            if bytes.count == 32, let base = bytes.baseAddress {
                // The common length (TLS 1.3 clients send a 32-byte id): four words read as they
                // lie, in memory order as the copy below would place them.
                w0 = base.loadUnaligned(as: UInt64.self)
                w1 = base.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                w2 = base.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                w3 = base.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                return
            }
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { w in
                if let base = bytes.baseAddress, !bytes.isEmpty { w.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
            }
            (w0, w1, w2, w3) = words
        }

        /// Whether there are no bytes.
        var isEmpty: Bool { longer.map { $0.isEmpty } ?? (count == 0) }

        /// Whether `other` holds these bytes (`bytes == Array(other)`, without making either array).
        func equals(_ other: UnsafeRawBufferPointer) -> Bool {
            if let longer { return longer.withUnsafeBytes { $0.elementsEqual(other) } }
            guard other.count == Int(count) else { return false }
            let words = (w0, w1, w2, w3)
            return withUnsafeBytes(of: words) { w in
                guard let a = w.baseAddress, let b = other.baseAddress, other.count > 0 else { return true }
                return memcmp(a, b, other.count) == 0
            }
        }

        var bytes: [UInt8] {
            if let longer { return longer }
            let words = (w0, w1, w2, w3)
            return withUnsafeBytes(of: words) { [UInt8]($0.prefix(Int(count))) }
        }
    }

    public init() {
        own = OwnBox(OwnValues(), shared: SharedBox(SharedValues()))
    }

    /// A hello with the given common part (shared, not copied) and own values.
    init(shared: SharedBox, own: consuming OwnValues) {
        self.own = OwnBox(own, shared: shared)
    }

    /// A hello with the given box (filled in by the caller, its shared box set, not shared yet).
    init(ownBox: OwnBox) {
        self.own = ownBox
    }


    /// The values in the order (and with the Codable keys) the struct always had.
    struct Fields: Codable, Hashable, Sendable {
        var recordVersion: UInt16 = 0
        var legacyVersion: UInt16 = 0
        var maxVersion: UInt16 = 0
        var supportedVersions: [UInt16] = []
        var cipherSuites: [UInt16] = []
        var compressionMethods: [UInt8] = []
        var extensions: [UInt16] = []
        var sni: String?
        var alpn: [String] = []
        var supportedGroups: [UInt16] = []
        var keyShares: [KeyShare] = []
        var signatureAlgorithms: [UInt16] = []
        var signatureAlgorithmsCert: [UInt16] = []
        var ecPointFormats: [UInt8] = []
        var pskModes: [UInt8] = []
        var pskIdentities: Int?
        var sessionIDLength: Int = 0
        var sessionID: [UInt8] = []
        var hasEarlyData: Bool = false
        var echOuter: Bool = false
        var size: Int = 0
        var tcpSegments: Int = 0
        var records: Int = 0
        var sslv2Format: Bool = false
        var ja3: String?
        var ja3Hash: String?
        var ja4: String?
        var ja4r: String?
    }

    var fields: Fields {
        let s = shared.v, o = own.v
        return Fields(recordVersion: o.recordVersion, legacyVersion: s.legacyVersion, maxVersion: s.maxVersion, supportedVersions: s.supportedVersions, cipherSuites: s.cipherSuites, compressionMethods: s.compressionMethods, extensions: s.extensions, sni: o.sni, alpn: s.alpn, supportedGroups: s.supportedGroups, keyShares: s.keyShares, signatureAlgorithms: s.signatureAlgorithms, signatureAlgorithmsCert: s.signatureAlgorithmsCert, ecPointFormats: s.ecPointFormats, pskModes: s.pskModes, pskIdentities: o.pskIdentities, sessionIDLength: o.sessionIDLength, sessionID: o.sessionID.bytes, hasEarlyData: o.hasEarlyData, echOuter: o.echOuter, size: o.size, tcpSegments: o.tcpSegments, records: o.records, sslv2Format: s.sslv2Format, ja3: s.ja3, ja3Hash: s.ja3Hash, ja4: s.ja4, ja4r: s.ja4r)
    }

    init(fields f: Fields) {
        let shared = SharedBox(SharedValues(legacyVersion: f.legacyVersion, maxVersion: f.maxVersion, supportedVersions: f.supportedVersions, cipherSuites: f.cipherSuites, compressionMethods: f.compressionMethods, extensions: f.extensions, alpn: f.alpn, supportedGroups: f.supportedGroups, keyShares: f.keyShares, signatureAlgorithms: f.signatureAlgorithms, signatureAlgorithmsCert: f.signatureAlgorithmsCert, ecPointFormats: f.ecPointFormats, pskModes: f.pskModes, sslv2Format: f.sslv2Format, ja3: f.ja3, ja3Hash: f.ja3Hash, ja4: f.ja4, ja4r: f.ja4r))
        own = OwnBox(OwnValues(recordVersion: f.recordVersion, sni: f.sni, pskIdentities: f.pskIdentities, sessionIDLength: f.sessionIDLength, sessionID: SessionIDBytes(f.sessionID), hasEarlyData: f.hasEarlyData, echOuter: f.echOuter, size: f.size, tcpSegments: f.tcpSegments, records: f.records), shared: shared)
    }

    public init(from decoder: any Decoder) throws { self.init(fields: try Fields(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
    public static func == (a: ClientHelloInfo, b: ClientHelloInfo) -> Bool {
        (a.shared === b.shared || a.shared.v == b.shared.v) && (a.own === b.own || a.own.v == b.own.v)
    }
    public func hash(into hasher: inout Hasher) { fields.hash(into: &hasher) }
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

/// A timeline event without text: its side, packet and kind as plain values, copied and dropped
/// without a call (`HandshakeFacts.lastStep(before:)`).
public struct TimelineStep: Hashable, Sendable {
    /// `TimelineEvent.Kind`'s cases that carry no text and no gap, with the same values.
    public enum Kind: Hashable, Sendable {
        case syn, synAck, fin, rst
        case clientHello, serverHello, helloRetryRequest
        case handshake(type: UInt8)
        case changeCipherSpec
        case encryptedRecord(contentType: UInt8, length: Int)
        case applicationData(length: Int)
        case alert(level: UInt8, description: UInt8)
        case encryptedAlert(length: Int)

        /// The plain kind of `k`, or nil for one with text or a gap.
        public init?(_ k: TimelineEvent.Kind) {
            switch k {
            case .syn: self = .syn
            case .synAck: self = .synAck
            case .fin: self = .fin
            case .rst: self = .rst
            case .clientHello: self = .clientHello
            case .serverHello: self = .serverHello
            case .helloRetryRequest: self = .helloRetryRequest
            case .handshake(let t): self = .handshake(type: t)
            case .changeCipherSpec: self = .changeCipherSpec
            case .encryptedRecord(let t, let length): self = .encryptedRecord(contentType: t, length: length)
            case .applicationData(let length): self = .applicationData(length: length)
            case .alert(let level, let description): self = .alert(level: level, description: description)
            case .encryptedAlert(let length): self = .encryptedAlert(length: length)
            case .gap, .preambleCommand, .preambleReply, .notTLS, .malformed: return nil
            }
        }
    }
    public var side: Side
    public var packet: PacketStamp
    /// nil for an event with text or a gap.
    public var kind: Kind?
    public init(side: Side, packet: PacketStamp, kind: Kind?) { self.side = side; self.packet = packet; self.kind = kind }
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
///
/// Thousands of these are alive at once (a closed connection lingers in the flow table, failures
/// wait for the end of the capture), so the storage is compact: what most connections have is
/// stored inline (the ClientHello is a box of its own), the ServerHello and key exchange are
/// boxed, what few connections have (a preamble, losses, a second hello, parse errors …) shares
/// one box allocated only when needed, and the timeline is packed 24 bytes an event
/// (`PackedEvent`). The public properties, equality, hashing and Codable are as they always were.
public struct HandshakeFacts: Codable, Hashable, Sendable {
    public var preamble: PreambleInfo? {
        @inlinable get { rare?.value.preamble }
        set { if rare == nil, case .none = newValue { return }; rareFields.preamble = newValue }
    }
    public var preambleResult: PreambleResult?
    /// Some side sent TLS (a record, an SSLv2 hello).
    public var clientSentTLS = false
    public var serverSentTLS = false
    /// No SYN and the first bytes were TLS records other than a ClientHello: the capture began mid-connection.
    public var beganMidStream = false
    public var certificateRequested = false
    /// TLS 1.3: the session was resumed (PSK accepted) or TLS ≤ 1.2 abbreviated handshake.
    public var resumed = false
    /// The client's / server's first bytes were not TLS (where TLS was expected).
    public var clientNotTLS: String? {
        @inlinable get { rare?.value.clientNotTLS }
        set { if rare == nil, case .none = newValue { return }; rareFields.clientNotTLS = newValue }
    }
    public var serverNotTLS: String? {
        @inlinable get { rare?.value.serverNotTLS }
        set { if rare == nil, case .none = newValue { return }; rareFields.serverNotTLS = newValue }
    }
    public var clientHello: ClientHelloInfo?
    public var clientHelloPacket: PacketStamp?
    /// The ClientHello was seen, but the capture lost some of its bytes: its fields are unknown.
    public var clientHelloLost: ClientHelloLoss? {
        @inlinable get { rare?.value.clientHelloLost }
        set { if rare == nil, case .none = newValue { return }; rareFields.clientHelloLost = newValue }
    }
    /// The second ClientHello after a HelloRetryRequest.
    public var secondClientHello: ClientHelloInfo? {
        @inlinable get { rare?.value.secondClientHello }
        set { if rare == nil, case .none = newValue { return }; rareFields.secondClientHello = newValue }
    }
    public var helloRetryRequest: ServerHelloInfo? {
        @inlinable get { rare?.value.helloRetryRequest }
        set { if rare == nil, case .none = newValue { return }; rareFields.helloRetryRequest = newValue }
    }
    public var serverHello: ServerHelloInfo? {
        @inlinable get { serverHelloBox?.value }
        set { serverHelloBox = newValue.map { ServerHelloBox($0) } }
    }
    /// The ServerHello's negotiated version and suite, and whether it is a HelloRetryRequest, read
    /// in place (`serverHello` hands out a copy of the whole ServerHelloInfo).
    @inlinable public var serverHelloChoice: (version: UInt16, cipherSuite: UInt16, isHelloRetryRequest: Bool)? {
        guard let box = serverHelloBox else { return nil }
        return (box.value.version, box.value.cipherSuite, box.value.isHelloRetryRequest)
    }
    public var serverHelloPacket: PacketStamp?
    /// The ServerHello was seen, but the capture lost some of its bytes: its fields are unknown.
    public var serverHelloLost: ClientHelloLoss? {
        @inlinable get { rare?.value.serverHelloLost }
        set { if rare == nil, case .none = newValue { return }; rareFields.serverHelloLost = newValue }
    }
    public var certificates: [CertificateInfo] = []
    public var certificatePacket: PacketStamp?
    public var clientCertificates: [CertificateInfo]? {
        @inlinable get { rare?.value.clientCertificates }
        set { if rare == nil, case .none = newValue { return }; rareFields.clientCertificates = newValue }
    }
    public var keyExchange: KeyExchangeInfo? {
        @inlinable get { keyExchangeBox?.value }
        set { keyExchangeBox = newValue.map(KeyExchangeBox.init) }
    }
    public var alerts: [AlertInfo] = []
    /// Finished seen (TLS ≤ 1.2: the first encrypted handshake record after CCS; TLS 1.3: inferred).
    public var clientFinished: PacketStamp?
    public var serverFinished: PacketStamp?
    public var clientAppData: PacketStamp?
    public var serverAppData: PacketStamp?
    /// The steps of the connection in capture order (decoded from the packed events).
    public var timeline: [TimelineEvent] {
        get {
            var out: [TimelineEvent] = []
            out.reserveCapacity(events.count)
            events.withUnsafeBufferPointer { for e in $0 { out.append(event(e)) } }
            return out
        }
        set {
            events = PackedEvents()
            if rare != nil { rareFields.wideEvents = [] }
            events.reserveCapacity(newValue.count)
            for e in newValue { append(e.side, e.packet, e.kind) }
        }
    }
    /// Timeline entries not kept because of the cap (counted).
    public var timelineDropped: Int {
        @inlinable get { rare?.value.timelineDropped ?? 0 }
        set { if newValue != 0 || rare != nil { rareFields.timelineDropped = newValue } }
    }
    public var parseErrors: [String] {
        @inlinable get { rare?.value.parseErrors ?? [] }
        set { if !newValue.isEmpty || rare != nil { rareFields.parseErrors = newValue } }
    }

    // MARK: Cheap checks (no copy of the value: most connections have none of these)

    /// Whether `preamble` is set.
    @inlinable public var hasPreamble: Bool { rare.map { $0.value.preamble != nil } ?? false }
    /// Whether `helloRetryRequest` is set.
    @inlinable public var hasHelloRetryRequest: Bool { rare.map { $0.value.helloRetryRequest != nil } ?? false }
    /// Whether `secondClientHello` is set.
    @inlinable public var hasSecondClientHello: Bool { rare.map { $0.value.secondClientHello != nil } ?? false }
    /// `clientCertificates?.count`, without copying the list.
    @inlinable public var clientCertificateCount: Int? { rare.flatMap { $0.value.clientCertificates?.count } }
    /// Whether any of the rarely set values (`preamble`, `clientNotTLS`, `serverNotTLS`,
    /// `clientHelloLost`, `serverHelloLost`, `secondClientHello`, `helloRetryRequest`,
    /// `clientCertificates`, `timelineDropped`, `parseErrors`) may be set: when false, all are
    /// nil, zero or empty.
    @inlinable public var mayHaveRareValues: Bool { rare != nil }

    // MARK: Storage

    // Plain classes rather than one generic box: a generic class's metadata is looked up at run
    // time on every allocation. Each is replaced, never changed in place, except through
    // `rareFields` on a box it copied first.
    @usableFromInline final class ServerHelloBox: @unchecked Sendable {
        @usableFromInline let value: ServerHelloInfo
        /// `TLSAdapter.extensionProblem` of the hello read (noted in `parseErrors` by the observer).
        let extensionProblem: String?
        init(_ value: ServerHelloInfo, extensionProblem: String? = nil) { self.value = value; self.extensionProblem = extensionProblem }
    }
    /// (The observer shares one box among the connections whose key exchanges read the same:
    /// `HandshakeObserver.WorkPool.keyExchangeBox(_:)`.)
    @usableFromInline final class KeyExchangeBox: @unchecked Sendable {
        @usableFromInline let value: KeyExchangeInfo
        init(_ value: KeyExchangeInfo) { self.value = value }
    }
    @usableFromInline final class RareBox: @unchecked Sendable {
        @usableFromInline @exclusivity(unchecked) var value: Rare
        init(_ value: Rare) { self.value = value }
    }

    /// What few connections have.
    @usableFromInline struct Rare: Sendable {
        @usableFromInline var preamble: PreambleInfo?
        @usableFromInline var clientNotTLS: String?
        @usableFromInline var serverNotTLS: String?
        @usableFromInline var clientHelloLost: ClientHelloLoss?
        @usableFromInline var serverHelloLost: ClientHelloLoss?
        @usableFromInline var secondClientHello: ClientHelloInfo?
        @usableFromInline var helloRetryRequest: ServerHelloInfo?
        @usableFromInline var clientCertificates: [CertificateInfo]?
        @usableFromInline var timelineDropped = 0
        @usableFromInline var parseErrors: [String] = []
        /// Timeline events that do not fit a packed event (text, gaps, numbers past 32 bits).
        @usableFromInline var wideEvents: [TimelineEvent] = []
    }

    @usableFromInline var serverHelloBox: ServerHelloBox?
    @usableFromInline var keyExchangeBox: KeyExchangeBox?
    @usableFromInline var rare: RareBox?
    /// The timeline, packed.
    var events = PackedEvents()

    /// The rare values, for changing them (allocated on first use, copied first when shared).
    var rareFields: Rare {
        _read { yield rare?.value ?? Rare() }
        _modify {
            if rare == nil {
                rare = RareBox(Rare())
            } else if !isKnownUniquelyReferenced(&rare!) {
                rare = RareBox(rare!.value)
            }
            yield &rare!.value
        }
    }

    public init() {}

    // MARK: Timeline

    /// One timeline event in 24 bytes: the packet, the kind and its small values. An event with
    /// text, a gap, or a number that does not fit (a packet number or length past 32 bits) is kept
    /// whole in `Rare.wideEvents`, and its packed event holds the index there (`tagWide`).
    struct PackedEvent: Hashable, Sendable {
        var seconds: Int64
        var nanoseconds: UInt32
        var number: UInt32
        /// The kind (low 7 bits) and the side (bit 7: server).
        var tag: UInt8
        /// Content type, alert level or handshake type.
        var a: UInt8
        /// Alert description.
        var b: UInt8
        var unused: UInt8 = 0
        /// A length, or the index in `wideEvents`.
        var value: UInt32
    }

    /// The packed events' storage: their count and capacity, then the events, in one allocation
    /// of the size asked. (An array's storage cost more: made through its growth path, which also
    /// asks the allocator what size it gave, and freed through its element type's metadata.)
    /// A value, copied on write like an array (so sendable as an array is: the storage is only
    /// changed when held once).
    struct PackedEvents: @unchecked Sendable {
        struct Header {
            var count: Int
            var capacity: Int
        }
        // (Its header read and written through pointers only: `header`, a class's variable, is
        // checked for exclusive access at run time on every use.)
        final class Storage: ManagedBuffer<Header, PackedEvent> {}

        /// nil while empty with no room.
        var storage: Storage?

        init() {}

        /// Empty, with room for `capacity` events.
        init(capacity: Int) {
            if capacity > 0 { storage = PackedEvents.make(capacity, count: 0) }
        }

        /// `other`'s events, with room for `capacity` (at least their count).
        init(copying other: PackedEvents, capacity: Int) {
            let n = other.count
            let room = Swift.max(capacity, n)
            guard room > 0 else { return }
            let s = PackedEvents.make(room, count: n)
            if n > 0 {
                other.withUnsafeBufferPointer { src in
                    s.withUnsafeMutablePointerToElements { $0.initialize(from: src.baseAddress!, count: n) }
                }
            }
            storage = s
        }

        /// The `count` events whose bytes are `bytes` (as `withUnsafeBytes` gives them, at any
        /// alignment), with room for them only.
        init(bytes: UnsafeRawBufferPointer, count n: Int) {
            guard n > 0, let base = bytes.baseAddress else { return }
            precondition(bytes.count >= n &* MemoryLayout<PackedEvent>.stride, "too few bytes for the events")
            let s = PackedEvents.make(n, count: n)
            s.withUnsafeMutablePointerToElements {
                UnsafeMutableRawPointer($0).copyMemory(from: base, byteCount: n &* MemoryLayout<PackedEvent>.stride)
            }
            storage = s
        }

        /// Storage with room for `capacity`, its first `count` events to be written by the caller.
        static func make(_ capacity: Int, count: Int) -> Storage {
            unsafeDowncast(Storage.create(minimumCapacity: capacity) { _ in Header(count: count, capacity: capacity) }, to: Storage.self)
        }

        var count: Int {
            @inline(__always) get {
                guard let s = storage else { return 0 }
                return s.withUnsafeMutablePointerToHeader { $0.pointee.count }
            }
        }

        var capacity: Int {
            @inline(__always) get {
                guard let s = storage else { return 0 }
                return s.withUnsafeMutablePointerToHeader { $0.pointee.capacity }
            }
        }

        subscript(i: Int) -> PackedEvent {
            @inline(__always) get {
                precondition(i >= 0 && i < count, "timeline index out of range")
                return storage.unsafelyUnwrapped.withUnsafeMutablePointerToElements { $0[i] }
            }
        }

        /// The event at `i`, which the caller knows is in 0..<count.
        subscript(unchecked i: Int) -> PackedEvent {
            @inline(__always) get { storage.unsafelyUnwrapped.withUnsafeMutablePointerToElements { $0[i] } }
        }

        @inline(__always)
        func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<PackedEvent>) throws -> R) rethrows -> R {
            guard let s = storage else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try s.withUnsafeMutablePointers { h, e in try body(UnsafeBufferPointer(start: e, count: h.pointee.count)) }
        }

        @inline(__always)
        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        }

        @inline(__always)
        mutating func append(_ e: PackedEvent) {
            // (Unwrapped for the check: the optional's version of it costs a few more.)
            if storage == nil || !isKnownUniquelyReferenced(&storage!) { grow() }
            let full = storage.unsafelyUnwrapped.withUnsafeMutablePointers { h, p -> Bool in
                let n = h.pointee.count
                guard n < h.pointee.capacity else { return true }
                (p + n).initialize(to: e)
                h.pointee.count = n &+ 1
                return false
            }
            if full { appendGrowing(e) }
        }

        /// `append` when the storage is full: twice the room first.
        @inline(never)
        mutating func appendGrowing(_ e: PackedEvent) {
            grow()
            append(e)
        }

        /// Unshared, with room for one more event at least (twice the room when full).
        @inline(never)
        mutating func grow() {
            let n = count, room = capacity
            self = PackedEvents(copying: self, capacity: n < room ? room : Swift.max(2 &* room, 1))
        }

        mutating func reserveCapacity(_ minimum: Int) {
            guard minimum > capacity || (storage != nil && !isKnownUniquelyReferenced(&storage!)) else { return }
            self = PackedEvents(copying: self, capacity: Swift.max(minimum, capacity))
        }
    }

    static let tagSyn: UInt8 = 0, tagSynAck: UInt8 = 1, tagFin: UInt8 = 2, tagRst: UInt8 = 3
    static let tagClientHello: UInt8 = 4, tagServerHello: UInt8 = 5, tagHelloRetryRequest: UInt8 = 6
    static let tagHandshake: UInt8 = 7, tagChangeCipherSpec: UInt8 = 8, tagEncryptedRecord: UInt8 = 9
    static let tagApplicationData: UInt8 = 10, tagAlert: UInt8 = 11, tagEncryptedAlert: UInt8 = 12
    static let tagWide: UInt8 = 127

    /// Appends an event to the timeline. (Inlined: where the kind is known, the packing folds.)
    @inline(__always)
    mutating func append(_ side: Side, _ packet: PacketStamp, _ kind: TimelineEvent.Kind) {
        var tag: UInt8
        var a: UInt8 = 0, b: UInt8 = 0
        var value: UInt32 = 0
        switch kind {
        case .syn: tag = HandshakeFacts.tagSyn
        case .synAck: tag = HandshakeFacts.tagSynAck
        case .fin: tag = HandshakeFacts.tagFin
        case .rst: tag = HandshakeFacts.tagRst
        case .clientHello: tag = HandshakeFacts.tagClientHello
        case .serverHello: tag = HandshakeFacts.tagServerHello
        case .helloRetryRequest: tag = HandshakeFacts.tagHelloRetryRequest
        case .handshake(let t): tag = HandshakeFacts.tagHandshake; a = t
        case .changeCipherSpec: tag = HandshakeFacts.tagChangeCipherSpec
        case .encryptedRecord(let t, let length):
            guard let v = UInt32(exactly: length) else { return appendWide(side, packet, kind) }
            tag = HandshakeFacts.tagEncryptedRecord; a = t; value = v
        case .applicationData(let length):
            guard let v = UInt32(exactly: length) else { return appendWide(side, packet, kind) }
            tag = HandshakeFacts.tagApplicationData; value = v
        case .alert(let level, let description): tag = HandshakeFacts.tagAlert; a = level; b = description
        case .encryptedAlert(let length):
            guard let v = UInt32(exactly: length) else { return appendWide(side, packet, kind) }
            tag = HandshakeFacts.tagEncryptedAlert; value = v
        case .gap, .preambleCommand, .preambleReply, .notTLS, .malformed:
            return appendWide(side, packet, kind)
        }
        guard let number = UInt32(exactly: packet.number) else { return appendWide(side, packet, kind) }
        if side == .server { tag |= 0x80 }
        events.append(PackedEvent(seconds: packet.time.seconds, nanoseconds: packet.time.nanoseconds, number: number,
                                  tag: tag, a: a, b: b, value: value))
    }

    @inline(never)
    mutating func appendWide(_ side: Side, _ packet: PacketStamp, _ kind: TimelineEvent.Kind) {
        // One change of the rare values (reading them through `rareFields` would copy them all);
        // room for a few from the first (a preamble's command and reply, a gap or two).
        let index: Int = HandshakeFacts.appendWideEvent(&rareFields, TimelineEvent(side: side, packet: packet, kind: kind))
        events.append(PackedEvent(seconds: packet.time.seconds, nanoseconds: packet.time.nanoseconds, number: 0,
                                  tag: HandshakeFacts.tagWide, a: 0, b: 0, value: UInt32(truncatingIfNeeded: index)))
    }

    static func appendWideEvent(_ r: inout Rare, _ e: TimelineEvent) -> Int {
        if r.wideEvents.capacity == 0 { r.wideEvents.reserveCapacity(4) }
        r.wideEvents.append(e)
        return r.wideEvents.count &- 1
    }

    /// The packet number of a packed event.
    func packetNumber(_ e: PackedEvent) -> UInt64 {
        e.tag == HandshakeFacts.tagWide ? wide(e).packet.number : UInt64(e.number)
    }

    func wide(_ e: PackedEvent) -> TimelineEvent {
        let list = rare?.value.wideEvents ?? []
        let i = Int(e.value)
        guard i < list.count else { return TimelineEvent(side: .client, packet: PacketStamp(number: 0, time: .zero), kind: .malformed(reason: "lost timeline event", offset: 0)) }
        return list[i]
    }

    /// A packed event, unpacked.
    func event(_ e: PackedEvent) -> TimelineEvent {
        if e.tag == HandshakeFacts.tagWide { return wide(e) }
        let side: Side = e.tag & 0x80 != 0 ? .server : .client
        let packet = PacketStamp(number: UInt64(e.number), time: Timestamp(seconds: e.seconds, nanoseconds: e.nanoseconds))
        let kind = HandshakeFacts.kind(tag: e.tag & 0x7f, a: e.a, b: e.b, length: Int(e.value))
        return TimelineEvent(side: side, packet: packet, kind: kind)
    }

    /// The event kind a packed tag (without its side bit) and its values stand for.
    static func kind(tag: UInt8, a: UInt8, b: UInt8, length: Int) -> TimelineEvent.Kind {
        switch tag {
        case tagSyn: .syn
        case tagSynAck: .synAck
        case tagFin: .fin
        case tagRst: .rst
        case tagClientHello: .clientHello
        case tagServerHello: .serverHello
        case tagHelloRetryRequest: .helloRetryRequest
        case tagHandshake: .handshake(type: a)
        case tagChangeCipherSpec: .changeCipherSpec
        case tagEncryptedRecord: .encryptedRecord(contentType: a, length: length)
        case tagApplicationData: .applicationData(length: length)
        case tagAlert: .alert(level: a, description: b)
        default: .encryptedAlert(length: length)  // tagEncryptedAlert, the last that packs
        }
    }

    /// The number of timeline events.
    var timelineCount: Int { events.count }

    /// The most recent TLS-level step before `packet` (for "the client closed 0.3 ms after …").
    public func lastMessage(before packet: UInt64) -> TimelineEvent? {
        guard let i = lastMessageIndex(before: packet) else { return nil }
        return event(events[i])
    }

    /// `lastMessage(before:)`'s side, packet and kind as plain values, with nothing to destroy (a
    /// report's "after" of a close). Its `kind` is nil when the event has text (a preamble's
    /// command or reply, non-TLS bytes, malformed data): `lastMessage(before:)` has it then.
    public func lastStep(before packet: UInt64) -> TimelineStep? {
        // The packed events are read in place from the end (the index stays in 0..<count); the
        // first wide one met (rare: a gap, a preamble's text) hands the search to `lastStepWide`,
        // which reads wide events, so this path keeps no text and needs no cleanup.
        var i = events.count
        while i > 0 {
            i &-= 1
            let e = events[unchecked: i]
            guard e.tag != HandshakeFacts.tagWide else { return lastStepWide(before: packet) }
            // Tags 0...3 are SYN, SYN-ACK, FIN and RST (either side).
            guard UInt64(e.number) <= packet, e.tag & 0x7f > HandshakeFacts.tagRst else { continue }
            let side: Side = e.tag & 0x80 != 0 ? .server : .client
            let stamp = PacketStamp(number: UInt64(e.number), time: Timestamp(seconds: e.seconds, nanoseconds: e.nanoseconds))
            return TimelineStep(side: side, packet: stamp,
                                kind: HandshakeFacts.stepKind(tag: e.tag & 0x7f, a: e.a, b: e.b, length: Int(e.value)))
        }
        return nil
    }

    /// `lastStep(before:)` over a timeline with wide events (the general search).
    @inline(never)
    func lastStepWide(before packet: UInt64) -> TimelineStep? {
        guard let i = lastMessageIndex(before: packet) else { return nil }
        let e = events[i]
        if e.tag == HandshakeFacts.tagWide {
            let w = wide(e)
            return TimelineStep(side: w.side, packet: w.packet, kind: TimelineStep.Kind(w.kind))
        }
        let side: Side = e.tag & 0x80 != 0 ? .server : .client
        let packet = PacketStamp(number: UInt64(e.number), time: Timestamp(seconds: e.seconds, nanoseconds: e.nanoseconds))
        return TimelineStep(side: side, packet: packet, kind: HandshakeFacts.stepKind(tag: e.tag & 0x7f, a: e.a, b: e.b, length: Int(e.value)))
    }

    /// Where in the timeline `lastMessage(before:)` is: the last event at or before `packet` that is
    /// not a SYN, SYN-ACK, FIN, RST or gap. (A packed event's number and tag are read in place; only a
    /// wide one is looked up.)
    @inline(__always)
    func lastMessageIndex(before packet: UInt64) -> Int? {
        var i = events.count
        while i > 0 {
            i &-= 1
            let e = events[i]
            if e.tag != HandshakeFacts.tagWide {
                // Tags 0...3 are SYN, SYN-ACK, FIN and RST (either side).
                guard UInt64(e.number) <= packet, e.tag & 0x7f > HandshakeFacts.tagRst else { continue }
                return i
            }
            let w = wide(e)
            guard w.packet.number <= packet else { continue }
            if case .gap = w.kind { continue }
            return i
        }
        return nil
    }

    /// The step kind a packed tag (without its side bit) and its values stand for (as `kind(tag:a:b:length:)`).
    static func stepKind(tag: UInt8, a: UInt8, b: UInt8, length: Int) -> TimelineStep.Kind {
        switch tag {
        case tagSyn: .syn
        case tagSynAck: .synAck
        case tagFin: .fin
        case tagRst: .rst
        case tagClientHello: .clientHello
        case tagServerHello: .serverHello
        case tagHelloRetryRequest: .helloRetryRequest
        case tagHandshake: .handshake(type: a)
        case tagChangeCipherSpec: .changeCipherSpec
        case tagEncryptedRecord: .encryptedRecord(contentType: a, length: length)
        case tagApplicationData: .applicationData(length: length)
        case tagAlert: .alert(level: a, description: b)
        default: .encryptedAlert(length: length)  // tagEncryptedAlert, the last that packs
        }
    }

    // MARK: Equality, hashing, Codable: those of the values as the struct always stored them

    struct Snapshot: Codable, Hashable, Sendable {
        var preamble: PreambleInfo?
        var preambleResult: PreambleResult?
        var clientSentTLS = false
        var serverSentTLS = false
        var clientNotTLS: String?
        var serverNotTLS: String?
        var clientHello: ClientHelloInfo?
        var clientHelloPacket: PacketStamp?
        var clientHelloLost: ClientHelloLoss?
        var beganMidStream = false
        var secondClientHello: ClientHelloInfo?
        var helloRetryRequest: ServerHelloInfo?
        var serverHello: ServerHelloInfo?
        var serverHelloPacket: PacketStamp?
        var serverHelloLost: ClientHelloLoss?
        var certificates: [CertificateInfo] = []
        var certificatePacket: PacketStamp?
        var clientCertificates: [CertificateInfo]?
        var keyExchange: KeyExchangeInfo?
        var certificateRequested = false
        var alerts: [AlertInfo] = []
        var clientFinished: PacketStamp?
        var serverFinished: PacketStamp?
        var clientAppData: PacketStamp?
        var serverAppData: PacketStamp?
        var resumed = false
        var timeline: [TimelineEvent] = []
        var timelineDropped = 0
        var parseErrors: [String] = []
    }

    var snapshot: Snapshot {
        Snapshot(preamble: preamble, preambleResult: preambleResult, clientSentTLS: clientSentTLS, serverSentTLS: serverSentTLS,
                 clientNotTLS: clientNotTLS, serverNotTLS: serverNotTLS, clientHello: clientHello,
                 clientHelloPacket: clientHelloPacket, clientHelloLost: clientHelloLost, beganMidStream: beganMidStream,
                 secondClientHello: secondClientHello, helloRetryRequest: helloRetryRequest, serverHello: serverHello,
                 serverHelloPacket: serverHelloPacket, serverHelloLost: serverHelloLost, certificates: certificates,
                 certificatePacket: certificatePacket, clientCertificates: clientCertificates, keyExchange: keyExchange,
                 certificateRequested: certificateRequested, alerts: alerts, clientFinished: clientFinished,
                 serverFinished: serverFinished, clientAppData: clientAppData, serverAppData: serverAppData,
                 resumed: resumed, timeline: timeline, timelineDropped: timelineDropped, parseErrors: parseErrors)
    }

    init(_ s: Snapshot) {
        preamble = s.preamble
        preambleResult = s.preambleResult
        clientSentTLS = s.clientSentTLS
        serverSentTLS = s.serverSentTLS
        clientNotTLS = s.clientNotTLS
        serverNotTLS = s.serverNotTLS
        clientHello = s.clientHello
        clientHelloPacket = s.clientHelloPacket
        clientHelloLost = s.clientHelloLost
        beganMidStream = s.beganMidStream
        secondClientHello = s.secondClientHello
        helloRetryRequest = s.helloRetryRequest
        serverHello = s.serverHello
        serverHelloPacket = s.serverHelloPacket
        serverHelloLost = s.serverHelloLost
        certificates = s.certificates
        certificatePacket = s.certificatePacket
        clientCertificates = s.clientCertificates
        keyExchange = s.keyExchange
        certificateRequested = s.certificateRequested
        alerts = s.alerts
        clientFinished = s.clientFinished
        serverFinished = s.serverFinished
        clientAppData = s.clientAppData
        serverAppData = s.serverAppData
        resumed = s.resumed
        timeline = s.timeline
        timelineDropped = s.timelineDropped
        parseErrors = s.parseErrors
    }

    public init(from decoder: any Decoder) throws { self.init(try Snapshot(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try snapshot.encode(to: encoder) }
    public static func == (a: HandshakeFacts, b: HandshakeFacts) -> Bool { a.snapshot == b.snapshot }
    public func hash(into hasher: inout Hasher) { snapshot.hash(into: &hasher) }
}
