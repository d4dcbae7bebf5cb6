// JA3 (Salesforce): a ClientHello fingerprint.
//
// The JA3 string is five comma-separated fields, each a '-'-joined list of decimal values in the
// order the hello sent them:
//
//     SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat
//     769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
//
// SSLVersion is ClientHello.legacy_version (not supported_versions). GREASE values (RFC 8701) are
// dropped from every list. A list the hello does not carry is an empty field ("769,4-5,,,").
// The JA3 hash is the MD5 of that string, as 32 lower-case hex digits.

/// JA3 client fingerprints.
public enum JA3 {
    /// The JA3 string, e.g. `771,4865-4866-4867,0-23-65281,29-23-24,0`.
    public static func string(_ input: FingerprintInput) -> String {
        let bytes = stringBytes(input)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// MD5 of the JA3 string, 32 lower-case hex digits (empty only if libcrypto refuses MD5).
    public static func hash(_ input: FingerprintInput) -> String {
        stringBytes(input).withUnsafeBytes { Digest.md5Hex($0) }
    }

    /// The JA3 string and its MD5 together, building the string once.
    public static func stringAndHash(_ input: FingerprintInput) -> (string: String, hash: String) {
        let bytes = stringBytes(input)
        return (String(decoding: bytes, as: UTF8.self), bytes.withUnsafeBytes { Digest.md5Hex($0) })
    }

    static func stringBytes(_ input: FingerprintInput) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(
            8 + 6 * (input.cipherSuites.count + input.extensions.count + input.supportedGroups.count)
                + 4 * input.ecPointFormats.count)
        HexText.appendDecimal(input.legacyVersion, to: &out)
        out.append(UInt8(ascii: ","))
        appendDecimalList(input.cipherSuites, to: &out)
        out.append(UInt8(ascii: ","))
        appendDecimalList(input.extensions, to: &out)
        out.append(UInt8(ascii: ","))
        appendDecimalList(input.supportedGroups, to: &out)
        out.append(UInt8(ascii: ","))
        var first = true
        for f in input.ecPointFormats {
            if !first { out.append(UInt8(ascii: "-")) }
            first = false
            HexText.appendDecimal(UInt16(f), to: &out)
        }
        return out
    }

    /// Appends the non-GREASE values in decimal, joined by '-'.
    private static func appendDecimalList(_ values: [UInt16], to out: inout [UInt8]) {
        var first = true
        for v in values where !GREASE.isGREASE(v) {
            if !first { out.append(UInt8(ascii: "-")) }
            first = false
            HexText.appendDecimal(v, to: &out)
        }
    }
}
