// Hex and text formatting without Foundation.

@usableFromInline
internal let hexDigitsLower: StaticString = "0123456789abcdef"

@usableFromInline
internal let hexDigitsUpper: StaticString = "0123456789ABCDEF"

@inlinable
internal func hexDigit(_ v: UInt8, upper: Bool = false) -> UInt8 {
    let d = v & 0x0f
    if d < 10 { return 0x30 &+ d }
    return (upper ? 0x41 : 0x61) &+ (d &- 10)
}

public enum TLSHex {
    /// `0x` followed by `digits` lowercase hex digits of `value` (e.g. `0x00ff`).
    public static func prefixed(_ value: UInt64, digits: Int) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits + 2)
        bytes.append(0x30); bytes.append(0x78)
        var i = digits - 1
        while i >= 0 {
            bytes.append(hexDigit(UInt8(truncatingIfNeeded: value >> (UInt64(i) * 4))))
            i -= 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lowercase (or uppercase) hex of a byte sequence, no separators.
    public static func string<S: Sequence>(_ bytes: S, uppercase: Bool = false) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(hexDigit(b >> 4, upper: uppercase))
            out.append(hexDigit(b, upper: uppercase))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex of `span[range]` (range clamped to the span).
    public static func string(_ span: RawSpan, _ range: Range<Int>, uppercase: Bool = false) -> String {
        string(span.tlsBytes(range), uppercase: uppercase)
    }
}
