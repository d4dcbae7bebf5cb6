// The ClientHello values that JA3 and JA4 read, as plain numbers.
//
// This module does not parse TLS: the caller (TLSWire / Handshake) lifts these values out of a
// ClientHello and hands them over unchanged, in wire order, GREASE included. Each fingerprint
// applies its own rules (GREASE removal, sorting, counting) to these lists.
//
// RFC 8446 §4.1.2, the fields named here:
//
//     struct {
//         ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */   -> legacyVersion
//         Random random;
//         opaque legacy_session_id<0..32>;
//         CipherSuite cipher_suites<2..2^16-2>;                        -> cipherSuites
//         opaque legacy_compression_methods<1..2^8-1>;
//         Extension extensions<8..2^16-1>;                             -> extensions (types only)
//     } ClientHello;
//
// and from the extensions: supported_versions (43), supported_groups (10), ec_point_formats (11),
// signature_algorithms (13), server_name (0), application_layer_protocol_negotiation (16).

/// The parts of one ClientHello that the JA3 and JA4 fingerprints are computed from.
public struct FingerprintInput: Hashable, Sendable {
    /// What carried the hello: JA4's first character (`t`, `q` or `d`).
    public enum Transport: Hashable, Sendable {
        /// TLS over TCP.
        case tcp
        /// TLS inside QUIC CRYPTO frames (RFC 9001).
        case quic
        /// DTLS over UDP or SCTP.
        case dtls
    }

    public var transport: Transport
    /// `ClientHello.legacy_version` (JA3's SSLVersion; JA4's version when there is no supported_versions).
    /// For an SSL 2.0 CLIENT-HELLO this is its version field (0x0002 for SSL 2.0 itself).
    public var legacyVersion: UInt16
    /// The supported_versions extension's list in wire order, GREASE included; empty if the extension is absent.
    public var supportedVersions: [UInt16]
    /// Cipher suites in wire order, GREASE values and SCSVs included as sent.
    public var cipherSuites: [UInt16]
    /// Extension types in wire order, GREASE included.
    public var extensions: [UInt16]
    /// The supported_groups (formerly elliptic_curves) list in wire order, GREASE included.
    public var supportedGroups: [UInt16]
    /// The ec_point_formats list in wire order.
    public var ecPointFormats: [UInt8]
    /// The signature_algorithms list in wire order (not signature_algorithms_cert, not delegated_credentials).
    public var signatureAlgorithms: [UInt16]
    /// The hello carries a server_name extension with a host name in it.
    public var hasSNI: Bool
    /// The raw bytes of the first protocol in the ALPN extension; nil if there is no ALPN extension.
    public var alpnFirst: [UInt8]?

    public init(
        transport: Transport = .tcp,
        legacyVersion: UInt16,
        supportedVersions: [UInt16] = [],
        cipherSuites: [UInt16],
        extensions: [UInt16] = [],
        supportedGroups: [UInt16] = [],
        ecPointFormats: [UInt8] = [],
        signatureAlgorithms: [UInt16] = [],
        hasSNI: Bool = false,
        alpnFirst: [UInt8]? = nil
    ) {
        self.transport = transport
        self.legacyVersion = legacyVersion
        self.supportedVersions = supportedVersions
        self.cipherSuites = cipherSuites
        self.extensions = extensions
        self.supportedGroups = supportedGroups
        self.ecPointFormats = ecPointFormats
        self.signatureAlgorithms = signatureAlgorithms
        self.hasSNI = hasSNI
        self.alpnFirst = alpnFirst
    }
}

/// GREASE code points (RFC 8701 §2): the sixteen values 0x0A0A, 0x1A1A, …, 0xFAFA, which clients put
/// among cipher suites, extension types, named groups, signature algorithms and versions alike.
public enum GREASE {
    /// True for the sixteen reserved values: both bytes equal, with low nibble 0xA.
    @inlinable
    public static func isGREASE(_ value: UInt16) -> Bool {
        (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF)
    }
}
