import TLSWire

/// Names for wire code points in summaries and reports, from TLSWire's IANA registries; unknown
/// values print as `0x%04x` (`0x%02x` for 8-bit ones). (Each is what the code point's
/// `description` gives, through the concrete `name`: the protocol's generic `description` costs a
/// few hundred instructions a call, and reports name every suite, group and extension offered.)
public enum Names {
    public static func hex16(_ v: UInt16) -> String { TLSHex.prefixed(UInt64(v), digits: 4) }
    public static func hex8(_ v: UInt8) -> String { TLSHex.prefixed(UInt64(v), digits: 2) }
    public static func version(_ v: UInt16) -> String { ProtocolVersion(v).name ?? hex16(v) }
    public static func cipherSuite(_ v: UInt16) -> String { CipherSuite(rawValue: v).name ?? hex16(v) }
    public static func group(_ v: UInt16) -> String { NamedGroup(rawValue: v).name ?? hex16(v) }
    public static func signatureScheme(_ v: UInt16) -> String { SignatureScheme(rawValue: v).name ?? hex16(v) }
    public static func extensionType(_ v: UInt16) -> String { ExtensionType(rawValue: v).name ?? hex16(v) }
    public static func handshakeType(_ v: UInt8) -> String { HandshakeType(rawValue: v).name ?? hex8(v) }
    public static func alert(_ v: UInt8) -> String { AlertDescription(rawValue: v).name ?? hex8(v) }
    public static func isGREASE(_ v: UInt16) -> Bool { isGREASE16(v) }
    /// The authentication of a suite ("RSA", "ECDSA", "TLS13" …), from its IANA name.
    public static func suiteAuthentication(_ v: UInt16) -> String? { CipherSuite(rawValue: v).authentication?.rawValue }
    /// The key exchange of a suite ("ECDHE_RSA", "RSA", "TLS13" …).
    public static func suiteKeyExchange(_ v: UInt16) -> String? { CipherSuite(rawValue: v).keyExchange?.rawValue }
}
