// A small DER (ITU-T X.690) walker over the same reader: tag, length, value range.

/// One DER element: its identifier octet(s), where it starts, and its value range.
public struct DERElement: Hashable, Sendable {
    /// The first identifier octet: class (bits 8-7), constructed (bit 6), tag number (bits 5-1;
    /// 31 = high tag number form, see `tagNumber`).
    public var identifier: UInt8
    public var tagNumber: UInt32
    /// Offset of the identifier octet.
    public var start: Int
    public var value: Range<Int>

    @inlinable public var tagClass: UInt8 { identifier >> 6 }
    @inlinable public var isConstructed: Bool { identifier & 0x20 != 0 }
    /// Whole element (identifier, length and value).
    @inlinable public var whole: Range<Int> { start..<value.upperBound }
    /// Context-specific tag `[n]`.
    @inlinable public func isContext(_ n: UInt32) -> Bool { tagClass == 2 && tagNumber == n }

    // Universal tags (X.680 §8.4).
    public static let boolean: UInt8 = 0x01
    public static let integer: UInt8 = 0x02
    public static let bitString: UInt8 = 0x03
    public static let octetString: UInt8 = 0x04
    public static let null: UInt8 = 0x05
    public static let oid: UInt8 = 0x06
    public static let utf8String: UInt8 = 0x0c
    public static let printableString: UInt8 = 0x13
    public static let t61String: UInt8 = 0x14
    public static let ia5String: UInt8 = 0x16
    public static let utcTime: UInt8 = 0x17
    public static let generalizedTime: UInt8 = 0x18
    public static let sequence: UInt8 = 0x30
    public static let set: UInt8 = 0x31
}

extension TLSReader {
    /// Reads one DER element (definite lengths only, up to 4 length octets) and moves past it.
    public mutating func readDER() throws(TLSParseError) -> DERElement {
        let start = position
        let id = try readU8()
        var number = UInt32(id & 0x1f)
        if number == 0x1f {
            // High tag number form: base-128, at most 4 octets.
            number = 0
            var n = 0
            while true {
                let b = try readU8()
                n &+= 1
                guard n <= 4 else { throw TLSParseError(.invalidValue, offset: base &+ start, "DER tag number too long") }
                number = number << 7 | UInt32(b & 0x7f)
                if b & 0x80 == 0 { break }
            }
        }
        let first = try readU8()
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count != 0 else { throw TLSParseError(.invalidValue, offset: base &+ position &- 1, "indefinite length is not DER") }
            guard count <= 4 else { throw TLSParseError(.invalidValue, offset: base &+ position &- 1, "DER length longer than 4 octets") }
            for _ in 0..<count { length = length << 8 | Int(try readU8()) }
        }
        guard length <= remaining else {
            throw TLSParseError(.lengthOverflow, offset: base &+ start, "DER length exceeds the enclosing element")
        }
        let v = position..<(position &+ length)
        position &+= length
        return DERElement(identifier: id, tagNumber: number, start: start, value: v)
    }

    /// Reads an element and checks its identifier octet.
    public mutating func readDER(expecting identifier: UInt8, _ reason: StaticString) throws(TLSParseError) -> DERElement {
        let at = position
        let e = try readDER()
        guard e.identifier == identifier else { throw TLSParseError(.invalidValue, offset: base &+ at, reason) }
        return e
    }

    /// The identifier octet of the next element, if any.
    public func peekDERIdentifier() -> UInt8? { peekU8() }
}

/// Dotted text of an OBJECT IDENTIFIER's contents ("1.2.840.113549.1.1.11"); nil if malformed
/// (empty, an arc starting with 0x80, an arc over 9 octets, or the last arc unterminated).
/// Known OIDs (`KnownOID`) give their literal; others are written digit by digit.
public func oidString(_ bytes: RawSpan, _ r: Range<Int>) -> String? {
    if let k = KnownOID(der: bytes, r) { return k.dotted }
    return unknownOIDString(bytes, r)
}

/// `oidString` without the known-OID lookup (for callers that made it already).
func unknownOIDString(_ bytes: RawSpan, _ r: Range<Int>) -> String? {
    guard !r.isEmpty, bytes.tlsContains(r) else { return nil }
    // At most 4 characters an octet, plus "x." for the first arc (see OIDText.append).
    var out = TextBuffer(capacity: r.count &* 4 &+ 2)
    guard OIDText.append(bytes, r, to: &out) else { return nil }
    return out.makeString()
}

/// A growable byte buffer for building UTF-8 text: plain stores, no per-append uniqueness
/// check, one allocation reused for several texts. Noncopyable: one owner, freed in `deinit`.
struct TextBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    mutating func removeAll() { count = 0 }

    /// Forgets the bytes from `n` on (`n` at most `count`).
    mutating func truncate(to n: Int) { count = Swift.min(Swift.max(n, 0), count) }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { grow(1) }
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        guard n > 0, let from = p.baseAddress else { return }
        if n > capacity &- count { grow(n) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: from, byteCount: n)
        count &+= n
    }

    /// Room for `extra` more bytes (at least doubling). `count`, `capacity` and `extra` all
    /// measure memory that exists, so their sums cannot overflow.
    mutating func grow(_ extra: Int) {
        let newCapacity = Swift.max(count &+ extra, capacity &* 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    /// Appends `v` in decimal (no sign, no leading zeros).
    mutating func appendDecimal(_ v: UInt64) {
        var digits = 1
        var t = v
        while t >= 10 { t /= 10; digits &+= 1 }
        if digits > capacity &- count { grow(digits) }
        var x = v
        var k = count &+ digits
        repeat {
            k &-= 1
            base[k] = 0x30 &+ UInt8(truncatingIfNeeded: x % 10)
            x /= 10
        } while k > count
        count &+= digits
    }

    /// The bytes so far (valid until the next append).
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The bytes as a String (invalid UTF-8, which the writers here never produce, would be repaired).
    func makeString() -> String { String(decoding: bytes, as: UTF8.self) }
}

/// Writing numbers and OIDs as ASCII into a byte buffer.
enum OIDText {
    /// Appends the dotted text of the OID contents `bytes[r]` to `out` and returns true; when the
    /// contents are malformed (see `oidString`), leaves `out` as it was and returns false.
    ///
    /// X.690 §8.19: each subidentifier is base 128, high bit set on all but its last octet, no
    /// leading 0x80; the first one is X*40+Y (X = 0, 1 or 2; Y may exceed 39 only when X = 2).
    /// An arc of j octets is below 2^(7j), so at most 2j+1 digits: the text is at most
    /// 4 characters an octet plus 2.
    static func append(_ bytes: RawSpan, _ r: Range<Int>, to out: inout TextBuffer) -> Bool {
        guard !r.isEmpty, bytes.tlsContains(r) else { return false }
        let start = out.count
        var v: UInt64 = 0
        var octets = 0
        var first = true
        var i = r.lowerBound
        while i < r.upperBound {
            let b = bytes.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self)
            if octets == 0 && b == 0x80 { out.truncate(to: start); return false } // non-minimal
            v = v << 7 | UInt64(b & 0x7f)
            octets &+= 1
            if octets > 9 { out.truncate(to: start); return false } // more than 63 bits
            if b & 0x80 == 0 {
                if first {
                    first = false
                    if v < 40 { out.append(0x30); out.append(0x2e); out.appendDecimal(v) }
                    else if v < 80 { out.append(0x31); out.append(0x2e); out.appendDecimal(v &- 40) }
                    else { out.append(0x32); out.append(0x2e); out.appendDecimal(v &- 80) }
                } else {
                    out.append(0x2e)
                    out.appendDecimal(v)
                }
                v = 0
                octets = 0
            }
            i &+= 1
        }
        guard octets == 0 else { out.truncate(to: start); return false } // last arc unterminated
        return true
    }
}
