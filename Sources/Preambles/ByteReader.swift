// Small zero-copy helpers over the caller's bytes. Every read is bounds-checked here:
// `UnsafeRawBufferPointer`'s own subscript only checks in debug builds, so nothing in this
// module indexes a buffer without going through these helpers or an explicit `i < count` test.

/// Why a parse stopped: the bytes end too early ("need more"), or they break the format.
enum ParseError: Error, Equatable {
    /// The prefix is consistent so far; more bytes are needed to decide.
    case needMore
    /// The bytes cannot be this format: the offset (in the stream) and a reason.
    case malformed(offset: Int, reason: String)
}

/// A cursor over `bytes[offset..<end]`. Reads past `end` throw `needMore` when `end` is the end
/// of the data seen so far, or `malformed` when `end` is the end of a length-delimited unit
/// that is already complete (a read past it means a length field lied).
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    let end: Int
    /// True when `end` closes a complete unit (a read past it is malformed, not short).
    let endIsHard: Bool

    /// Reads `bytes[from..<min(to, bytes.count)]`; `to` beyond the data means "need more" past the data.
    init(_ bytes: UnsafeRawBufferPointer, from: Int = 0, to: Int? = nil) {
        self.bytes = bytes
        let lo = max(0, min(from, bytes.count))
        self.offset = lo
        if let to, to <= bytes.count {
            self.end = max(lo, to)
            self.endIsHard = true
        } else {
            self.end = bytes.count
            self.endIsHard = false
        }
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    private func short(_ what: String) -> ParseError {
        endIsHard ? .malformed(offset: offset, reason: what) : .needMore
    }

    mutating func u8(_ what: String = "truncated field") throws(ParseError) -> UInt8 {
        guard offset < end else { throw short(what) }
        let v = bytes[offset]
        offset += 1
        return v
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        let i = offset &+ ahead
        guard ahead >= 0, i < end else { return nil }
        return bytes[i]
    }

    mutating func u16be(_ what: String = "truncated field") throws(ParseError) -> UInt16 {
        let a = try u8(what), b = try u8(what)
        return UInt16(a) << 8 | UInt16(b)
    }

    mutating func u16le(_ what: String = "truncated field") throws(ParseError) -> UInt16 {
        let a = try u8(what), b = try u8(what)
        return UInt16(b) << 8 | UInt16(a)
    }

    mutating func u24le(_ what: String = "truncated field") throws(ParseError) -> UInt32 {
        let a = try u8(what), b = try u8(what), c = try u8(what)
        return UInt32(c) << 16 | UInt32(b) << 8 | UInt32(a)
    }

    mutating func u32le(_ what: String = "truncated field") throws(ParseError) -> UInt32 {
        let lo = try u16le(what), hi = try u16le(what)
        return UInt32(hi) << 16 | UInt32(lo)
    }

    mutating func u32be(_ what: String = "truncated field") throws(ParseError) -> UInt32 {
        let hi = try u16be(what), lo = try u16be(what)
        return UInt32(hi) << 16 | UInt32(lo)
    }

    /// Takes `n` bytes and returns their stream range.
    mutating func take(_ n: Int, _ what: String = "truncated field") throws(ParseError) -> Range<Int> {
        guard n >= 0 else { throw ParseError.malformed(offset: offset, reason: what) }
        guard n <= end - offset else { throw short(what) }
        let r = offset..<(offset + n)
        offset += n
        return r
    }

    mutating func skip(_ n: Int, _ what: String = "truncated field") throws(ParseError) {
        _ = try take(n, what)
    }
}

// MARK: - Byte helpers

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

@inline(__always) func asciiUpper(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x7A) ? b - 0x20 : b }

/// True when `bytes[range]` equals `literal` ignoring ASCII case.
func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    let n = literal.utf8CodeUnitCount
    guard range.count == n, range.lowerBound >= 0, range.upperBound <= bytes.count else { return false }
    let lit = UnsafeBufferPointer(start: literal.utf8Start, count: n)
    for i in 0..<n where asciiUpper(bytes[range.lowerBound + i]) != asciiUpper(lit[i]) {
        return false
    }
    return true
}

/// True when `bytes[at...]` starts with `literal` ignoring ASCII case (false if too short).
func hasPrefixIgnoringCase(_ bytes: UnsafeRawBufferPointer, at: Int, end: Int? = nil, _ literal: StaticString) -> Bool {
    let n = literal.utf8CodeUnitCount
    let stop = min(end ?? bytes.count, bytes.count)
    guard at >= 0, n <= stop - at else { return false }
    return equalsIgnoringCase(bytes, at..<(at + n), literal)
}

/// How `bytes[at..<end]` relates to the start of `literal` (case-sensitive): a full match,
/// a consistent but shorter prefix, or a mismatch.
enum PrefixMatch { case full, partial, mismatch }

func prefixMatch(_ bytes: UnsafeRawBufferPointer, at: Int, _ literal: StaticString) -> PrefixMatch {
    let n = literal.utf8CodeUnitCount
    let lit = UnsafeBufferPointer(start: literal.utf8Start, count: n)
    let avail = max(0, bytes.count - at)
    let m = min(n, avail)
    for i in 0..<m where bytes[at + i] != lit[i] { return .mismatch }
    return m == n ? .full : .partial
}

/// Finds `literal` (case-sensitive) in `bytes[range]`.
func contains(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    let n = literal.utf8CodeUnitCount
    guard n > 0, range.lowerBound >= 0, range.upperBound <= bytes.count, range.count >= n else { return false }
    let lit = UnsafeBufferPointer(start: literal.utf8Start, count: n)
    var i = range.lowerBound
    while i + n <= range.upperBound {
        var j = 0
        while j < n && bytes[i + j] == lit[j] { j += 1 }
        if j == n { return true }
        i += 1
    }
    return false
}

/// Text for the report: the bytes as UTF-8 (invalid sequences replaced), at most `max` bytes,
/// CR dropped, LF kept between lines (a final line end is dropped) and other control characters
/// shown as spaces. Allocates: call only when a verdict is made.
func reportText(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, max: Int = 512) -> String {
    let lo = Swift.max(0, Swift.min(range.lowerBound, bytes.count))
    var hi = Swift.max(lo, Swift.min(range.upperBound, bytes.count))
    while hi > lo, bytes[hi - 1] == 0x0A || bytes[hi - 1] == 0x0D { hi -= 1 }
    hi = Swift.min(hi, lo + max)
    guard hi > lo else { return "" }
    // Printable ASCII only (the usual reply line or cookie): nothing to rewrite, decoded in place.
    if allPrintableASCII(bytes, lo, hi) { return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lo..<hi]), as: UTF8.self) }
    // The bytes rewritten in a buffer on the stack, then decoded once (no array made and grown).
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: hi - lo) { out -> String in
        var w = 0
        for i in lo..<hi {
            let b = bytes[i]
            switch b {
            case 0x0D: continue
            case 0x0A, 0x09: out[w] = b
            case 0x00..<0x20, 0x7F: out[w] = 0x20
            default: out[w] = b
            }
            w += 1
        }
        return String(decoding: UnsafeBufferPointer(rebasing: out[..<w]), as: UTF8.self)
    }
}

/// Whether `bytes[lo..<hi]` (0 ≤ `lo` ≤ `hi` ≤ `bytes.count`) are all printable ASCII, 0x20 to
/// 0x7E: eight bytes at a time, then byte by byte.
@inline(__always)
func allPrintableASCII(_ bytes: UnsafeRawBufferPointer, _ lo: Int, _ hi: Int) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
    var i = lo
    // Each load reads bytes[i ..< i + 8], inside the range (checked by the loop's condition).
    while hi &- i >= 8 {
        let x = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        // Some byte is below 0x20: `(x - 0x20…) & ~x` has its high bit set (exact for presence,
        // though borrows may mark bytes above it); some byte is 0x7F or above: `(x + 0x01…) | x`
        // has its high bit set (a byte of 0x80 or more has it already, and only 0x7F reaches it
        // by the addition when no byte has it).
        if (((x &- 0x20 &* ones) & ~x) | ((x &+ ones) | x)) & highs != 0 { return false }
        i &+= 8
    }
    while i < hi {
        let b = bytes[i]
        if b < 0x20 || b >= 0x7F { return false }
        i &+= 1
    }
    return true
}

/// "0x0000000B"-style hex without Foundation.
func hex32(_ v: UInt32) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    var s = "0x"
    for shift in stride(from: 28, through: 0, by: -4) {
        s.append(digits[Int((v >> UInt32(shift)) & 0xF)])
    }
    return s
}
