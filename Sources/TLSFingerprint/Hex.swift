// Lower-case hexadecimal and decimal text by table, written into byte buffers: fingerprints are
// built as ASCII bytes and become a String once, at the end.

@usableFromInline
enum HexText {
    /// "0123456789abcdef" as ASCII.
    @usableFromInline
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as exactly four lower-case hex digits.
    @inlinable
    static func append4(_ value: UInt16, to out: inout [UInt8]) {
        digits.withUnsafeBufferPointer { d in
            out.append(d[Int(value >> 12)])
            out.append(d[Int((value >> 8) & 0xF)])
            out.append(d[Int((value >> 4) & 0xF)])
            out.append(d[Int(value & 0xF)])
        }
    }

    /// Appends each value as four hex digits, separated by commas.
    @inlinable
    static func appendList(_ values: some Sequence<UInt16>, to out: inout [UInt8]) {
        var first = true
        for v in values {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            append4(v, to: &out)
        }
    }

    /// Appends an unsigned value in decimal, without leading zeros.
    @inlinable
    static func appendDecimal(_ value: UInt16, to out: inout [UInt8]) {
        // At most five digits (65535); written backwards into a small tuple, then copied forwards.
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tmp) { t in
            var v = value
            var n = 0
            repeat {
                t[n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                n &+= 1
            } while v != 0
            while n > 0 {
                n &-= 1
                out.append(t[n])
            }
        }
    }

    /// The lower-case hex digit of `n` (0-15).
    @inlinable @inline(__always)
    static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? n &+ 48 : n &+ 87 }

    /// The bytes as lower-case hex text, two digits a byte.
    @inlinable
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: bytes.count &* 2) { buf in
            // (By arithmetic rather than the table: no lazy global to reach per call.)
            var i = 0
            for b in bytes {
                buf[i] = hexDigit(b >> 4)
                buf[i &+ 1] = hexDigit(b & 0xF)
                i &+= 2
            }
            return bytes.count &* 2
        }
    }
}
