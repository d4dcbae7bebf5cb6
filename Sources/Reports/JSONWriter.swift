import NetCore

/// A streaming JSON writer for one object per line: no intermediate dictionaries, keys in the
/// order written (the order is part of the documented output), strings escaped per RFC 8259.
///
/// Writes UTF-8 bytes into one growing buffer (`bytes`); `text` makes the String once at the end.
public struct JSONWriter {
    /// The UTF-8 bytes written so far.
    public private(set) var bytes: [UInt8] = []
    /// What was written, as a String.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// Bit d: the container open at depth d already has a member (so the next one needs a comma).
    private var commaBits: UInt64 = 0
    private var depth = 0
    /// The same for containers nested deeper than 63 (never in tlsdiag's reports).
    private var deepCommas: [Bool] = []

    public init(reserving capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    private mutating func separator() {
        if depth < 64 {
            let bit: UInt64 = 1 << UInt64(depth)
            if commaBits & bit != 0 { bytes.append(0x2C) } else { commaBits |= bit }
        } else {
            let i = depth - 64
            if deepCommas[i] { bytes.append(0x2C) } else { deepCommas[i] = true }
        }
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        if depth < 64 { commaBits &= ~(1 << UInt64(depth)) } else { deepCommas.append(false) }
    }

    private mutating func close(_ bracket: UInt8) {
        if depth >= 64 { deepCommas.removeLast() }
        if depth > 0 { depth -= 1 }
        bytes.append(bracket)
    }

    @inline(__always)
    private mutating func key(_ k: String?) {
        separator()
        if let k { JSONWriter.appendString(k, to: &bytes); bytes.append(0x3A) }
    }

    @inline(__always)
    private mutating func append(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    private mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func beginObject(_ k: String? = nil) { key(k); open(0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray(_ k: String? = nil) { key(k); open(0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func string(_ k: String?, _ v: String?) {
        key(k)
        if let v { JSONWriter.appendString(v, to: &bytes) } else { append("null") }
    }
    public mutating func int<I: BinaryInteger>(_ k: String?, _ v: I?) {
        key(k)
        guard let v else { append("null"); return }
        if let n = Int64(exactly: v) { JSONWriter.appendDecimal(n, to: &bytes) } else { append(String(v)) }
    }
    public mutating func bool(_ k: String?, _ v: Bool?) {
        key(k)
        switch v {
        case .some(true): append("true")
        case .some(false): append("false")
        case .none: append("null")
        }
    }
    /// A number with at most `decimals` places, trailing zeros trimmed (durations in ms).
    public mutating func double(_ k: String?, _ v: Double?, decimals: Int = 3) {
        key(k)
        guard let v, v.isFinite else { append("null"); return }
        append(JSONWriter.format(v, decimals: decimals))
    }
    public mutating func null(_ k: String?) { key(k); append("null") }
    public mutating func strings(_ k: String?, _ vs: [String]?) {
        guard let vs else { null(k); return }
        beginArray(k); for v in vs { string(nil, v) }; endArray()
    }
    /// Inserts already-valid JSON (a nested object written by another writer).
    public mutating func raw(_ k: String?, _ json: String) { key(k); append(json) }

    public static func format(_ v: Double, decimals: Int) -> String { NumberText.trimmed(v, decimals: decimals) }

    /// `n` in decimal digits.
    static func appendDecimal(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var m = n.magnitude
        if m < 10 { out.append(0x30 &+ UInt8(m)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, last first
        let count = withUnsafeMutableBytes(of: &digits) { buf -> Int in
            var i = 0
            while m > 0 { buf[i] = 0x30 &+ UInt8(m % 10); m /= 10; i += 1 }
            return i
        }
        withUnsafeBytes(of: &digits) { buf in
            var i = count
            while i > 0 { i -= 1; out.append(buf[i]) }
        }
    }

    /// `s` as a JSON string, quotes included: `"` `\` and control characters (and DEL) escaped,
    /// everything else copied as UTF-8.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { u in
            guard let base = u.baseAddress else { return }
            let n = u.count
            var start = 0
            var i = 0
            while i < n {
                // Eight bytes at a time while none needs escaping (SWAR: a byte below 0x20, or equal
                // to 0x22, 0x5C or 0x7F, sets its high bit in `flag`).
                while i &+ 8 <= n {
                    let x = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                    if JSONWriter.needsEscape(x) { break }
                    i &+= 8
                }
                if i >= n { break }
                let b = base[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { i &+= 1; continue }
                if i > start { out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i &- start)) }
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                default:
                    // \u00XX, lower-case hex.
                    let hex: StaticString = "0123456789abcdef"
                    out.append(0x5C); out.append(0x75); out.append(0x30); out.append(0x30)
                    out.append(hex.utf8Start[Int(b >> 4)]); out.append(hex.utf8Start[Int(b & 15)])
                }
                i &+= 1
                start = i
            }
            if n > start { out.append(contentsOf: UnsafeBufferPointer(start: base + start, count: n &- start)) }
        }
        out.append(0x22)
    }

    /// Whether any of the eight bytes of `x` is below 0x20 or is 0x22, 0x5C or 0x7F (exact: the
    /// borrows of the subtractions only ever carry into bytes above one that matched).
    @inline(__always)
    static func needsEscape(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let below20 = (x &- ones &* 0x20) & ~x & highs
        return (below20 | hasZero(x ^ (ones &* 0x22)) | hasZero(x ^ (ones &* 0x5C)) | hasZero(x ^ (ones &* 0x7F))) != 0
    }

    /// `s` as a JSON string, appended to a String.
    public static func appendString(_ s: String, to out: inout String) {
        var b: [UInt8] = []
        b.reserveCapacity(s.utf8.count + 2)
        appendString(s, to: &b)
        out += String(decoding: b, as: UTF8.self)
    }
}
