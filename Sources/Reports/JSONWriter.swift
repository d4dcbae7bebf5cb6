import NetCore

/// A streaming JSON writer for one object per line: no intermediate dictionaries, keys in the
/// order written (the order is part of the documented output), strings escaped per RFC 8259.
///
/// Writes UTF-8 bytes into one growing buffer; `text` makes the String once at the end. The buffer
/// is copied on write, so a copy of a writer is independent of the original.
public struct JSONWriter {
    private var out: JSONBytes
    /// The UTF-8 bytes written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: out.base, count: out.count)) }
    /// What was written, as a String.
    public var text: String { String(decoding: UnsafeBufferPointer(start: out.base, count: out.count), as: UTF8.self) }
    /// Bit d: the container open at depth d already has a member (so the next one needs a comma).
    private var commaBits: UInt64 = 0
    private var depth = 0
    /// The same for containers nested deeper than 63 (never in tlsdiag's reports).
    private var deepCommas: [Bool] = []

    public init(reserving capacity: Int = 1024) { out = JSONBytes(capacity: max(capacity, 64)) }

    /// Makes the buffer this writer's own, with room for `extra` more bytes.
    @inline(__always)
    private mutating func room(_ extra: Int) {
        if !isKnownUniquelyReferenced(&out) { out = out.copy() }
        out.reserve(extra)
    }

    @inline(__always)
    private mutating func separator() {
        if depth < 64 {
            let bit: UInt64 = 1 << UInt64(depth)
            if commaBits & bit != 0 { out.put(0x2C) } else { commaBits |= bit }
        } else {
            let i = depth - 64
            if deepCommas[i] { out.put(0x2C) } else { deepCommas[i] = true }
        }
    }

    private mutating func open(_ bracket: UInt8) {
        out.put(bracket)
        depth += 1
        if depth < 64 { commaBits &= ~(1 << UInt64(depth)) } else { deepCommas.append(false) }
    }

    private mutating func close(_ bracket: UInt8) {
        room(1)
        if depth >= 64 { deepCommas.removeLast() }
        if depth > 0 { depth -= 1 }
        out.put(bracket)
    }

    /// The separator and the key with its colon, after making room for them and `extra` bytes.
    @inline(__always)
    private mutating func key(_ k: String?, extra: Int) {
        if var k {
            k.withUTF8 { u in
                room(JSONBytes.escapedBound(u.count) &+ 2 &+ extra)
                separator()
                out.putEscaped(u)
                out.put(0x3A)
            }
        } else {
            room(1 &+ extra)
            separator()
        }
    }

    @inline(__always)
    private mutating func put(_ s: StaticString) {
        out.put(s.utf8Start, s.utf8CodeUnitCount)
    }

    public mutating func beginObject(_ k: String? = nil) { key(k, extra: 1); open(0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray(_ k: String? = nil) { key(k, extra: 1); open(0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func string(_ k: String?, _ v: String?) {
        guard var v else { null(k); return }
        v.withUTF8 { u in
            key(k, extra: JSONBytes.escapedBound(u.count))
            out.putEscaped(u)
        }
    }
    public mutating func int<I: BinaryInteger>(_ k: String?, _ v: I?) {
        guard let v else { null(k); return }
        if let n = Int64(exactly: v) {
            key(k, extra: 20)
            out.putDecimal(n)
        } else {
            raw(k, String(v))
        }
    }
    public mutating func bool(_ k: String?, _ v: Bool?) {
        key(k, extra: 5)
        switch v {
        case .some(true): put("true")
        case .some(false): put("false")
        case .none: put("null")
        }
    }
    /// A number with at most `decimals` places, trailing zeros trimmed (durations in ms).
    public mutating func double(_ k: String?, _ v: Double?, decimals: Int = 3) {
        guard let v, v.isFinite else { null(k); return }
        if decimals >= 0 && decimals <= 6 && v.magnitude < 1e9 {
            // What `format` gives, without making a String: v rounded to a whole number n of
            // 10^-decimals. Below 1e9 the doubles are closer together than 1e-6, so n / 10^decimals
            // is integral exactly when n is a multiple of 10^decimals, and the shortest decimal
            // that reads back as that double is n / 10^decimals itself, trailing zeros trimmed.
            // (Below 1e-4 Swift writes an exponent: left to `format`.)
            var scale: Int64 = 1
            for _ in 0..<decimals { scale &*= 10 }
            let n = Int64((v * Double(scale)).rounded())
            if n % scale == 0 || n.magnitude >= UInt64(scale / 10_000) {  // integral, or ≥ 1e-4
                key(k, extra: 40)
                out.putFixed(n, scale: scale)
                return
            }
        }
        raw(k, JSONWriter.format(v, decimals: decimals))
    }
    public mutating func null(_ k: String?) { key(k, extra: 4); put("null") }
    public mutating func strings(_ k: String?, _ vs: [String]?) {
        guard let vs else { null(k); return }
        beginArray(k); for v in vs { string(nil, v) }; endArray()
    }
    /// Inserts already-valid JSON (a nested object written by another writer).
    public mutating func raw(_ k: String?, _ json: String) {
        var json = json
        json.withUTF8 { u in
            key(k, extra: u.count)
            if let b = u.baseAddress { out.put(b, u.count) }
        }
    }

    /// Inserts already-valid JSON bytes.
    mutating func raw(_ k: String?, _ json: UnsafeBufferPointer<UInt8>) {
        key(k, extra: json.count)
        if let b = json.baseAddress { out.put(b, json.count) }
    }

    public static func format(_ v: Double, decimals: Int) -> String { NumberText.trimmed(v, decimals: decimals) }

    /// `s` as a JSON string, quotes included: `"` `\` and control characters (and DEL) escaped,
    /// everything else copied as UTF-8.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var w = JSONWriter(reserving: s.utf8.count &+ 2)
        w.string(nil, s)
        out.append(contentsOf: UnsafeBufferPointer(start: w.out.base, count: w.out.count))
    }

    /// `s` as a JSON string, appended to a String.
    public static func appendString(_ s: String, to out: inout String) {
        var w = JSONWriter(reserving: s.utf8.count &+ 2)
        w.string(nil, s)
        out += w.text
    }
}

/// The writer's buffer: raw bytes, grown by doubling. Callers make room first (`reserve`), then
/// put bytes without further checks.
final class JSONBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    func copy() -> JSONBytes {
        let c = JSONBytes(capacity: capacity)
        c.base.initialize(from: base, count: count)
        c.count = count
        return c
    }

    /// Room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count &+ extra) }
    }

    private func grow(_ needed: Int) {
        var c = capacity &* 2
        while c < needed { c &*= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = c
    }

    /// The most bytes `n` bytes of text can take escaped, with their quotes, plus the 8 bytes of
    /// slack `putEscaped` may write past the end.
    @inline(__always)
    static func escapedBound(_ n: Int) -> Int { n &* 6 &+ 10 }

    @inline(__always)
    func put(_ b: UInt8) {
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).update(from: p, count: n)
        count &+= n
    }

    /// `u` as a JSON string with its quotes (room for `escapedBound(u.count)` must have been made).
    func putEscaped(_ u: UnsafeBufferPointer<UInt8>) {
        put(0x22)
        if let src = u.baseAddress {
            let n = u.count
            let o = base + count
            // Fast path, eight bytes at a time while none needs escaping; the output has 8 bytes of
            // slack, so the last word may be written whole.
            var i = 0
            if n >= 8 {
                while i &+ 8 <= n {
                    let x = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                    if JSONWriter.needsEscape(UInt64(littleEndian: x)) { break }
                    UnsafeMutableRawPointer(o + i).storeBytes(of: x, as: UInt64.self)
                    i &+= 8
                }
                if i < n && i &+ 8 > n {
                    // The last bytes, as the word ending at the end (overlapping what was copied).
                    let x = UnsafeRawPointer(src + (n &- 8)).loadUnaligned(as: UInt64.self)
                    if !JSONWriter.needsEscape(UInt64(littleEndian: x)) {
                        UnsafeMutableRawPointer(o + (n &- 8)).storeBytes(of: x, as: UInt64.self)
                        i = n
                    }
                }
            } else {
                // Fewer than eight: assembled into a word padded with 'A's.
                var x: UInt64 = 0x4141_4141_4141_4141
                var k = 0
                while k < n {
                    let shift = UInt64(k &* 8)
                    x = (x & ~(0xFF << shift)) | (UInt64(src[k]) << shift)
                    k &+= 1
                }
                if !JSONWriter.needsEscape(x) {
                    UnsafeMutableRawPointer(o).storeBytes(of: x.littleEndian, as: UInt64.self)
                    i = n
                }
            }
            count &+= i
            if i < n { putEscapedSlowly(src + i, n &- i) }
        }
        put(0x22)
    }

    /// Byte by byte, escaping what must be.
    private func putEscapedSlowly(_ src: UnsafePointer<UInt8>, _ n: Int) {
        var o = base + count
        for i in 0..<n {
            let b = src[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F {
                o.pointee = b
                o += 1
                continue
            }
            o[0] = 0x5C
            switch b {
            case 0x22: o[1] = 0x22; o += 2
            case 0x5C: o[1] = 0x5C; o += 2
            case 0x0A: o[1] = 0x6E; o += 2
            case 0x0D: o[1] = 0x72; o += 2
            case 0x09: o[1] = 0x74; o += 2
            default:
                // \u00XX, lower-case hex.
                let hex: StaticString = "0123456789abcdef"
                o[1] = 0x75; o[2] = 0x30; o[3] = 0x30
                o[4] = hex.utf8Start[Int(b >> 4)]; o[5] = hex.utf8Start[Int(b & 15)]
                o += 6
            }
        }
        count = o - base
    }

    /// `n / scale` (scale a power of ten) in decimal digits, trailing zeros of the fraction trimmed
    /// (room for 40 bytes must have been made).
    func putFixed(_ n: Int64, scale: Int64) {
        let whole = n / scale, frac = (n % scale).magnitude
        if n < 0 && whole == 0 && frac != 0 { put(0x2D) }
        putDecimal(whole)
        guard frac != 0 else { return }
        put(0x2E)
        var digits = 0
        var s = scale
        while s > 1 { digits &+= 1; s /= 10 }
        var f = frac
        while f % 10 == 0 { f /= 10; digits &-= 1 }
        // f has at most `digits` digits: write them with leading zeros.
        var i = count &+ digits
        count = i
        while i > count &- digits { i &-= 1; base[i] = 0x30 &+ UInt8(f % 10); f /= 10 }
    }

    /// `n` in decimal digits (room for 20 bytes must have been made).
    func putDecimal(_ n: Int64) {
        if n < 0 { put(0x2D) }
        var m = n.magnitude
        if m < 10 { put(0x30 &+ UInt8(m)); return }
        var digits = 0
        var t = m
        while t > 0 { digits &+= 1; t /= 10 }
        var i = count &+ digits
        count = i
        while m > 0 { i &-= 1; base[i] = 0x30 &+ UInt8(m % 10); m /= 10 }
    }
}

extension JSONWriter {
    /// Whether any of the eight bytes of `x` is below 0x20 or is 0x22, 0x5C or 0x7F (exact: the
    /// borrows of the subtractions only ever carry into bytes above one that matched).
    @inline(__always)
    static func needsEscape(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let below20 = (x &- ones &* 0x20) & ~x & highs
        return (below20 | hasZero(x ^ (ones &* 0x22)) | hasZero(x ^ (ones &* 0x5C)) | hasZero(x ^ (ones &* 0x7F))) != 0
    }

}
