// TLSWire: the byte reader every parser in this module is written against.
//
// `TLSReader` is a `~Escapable` cursor over a `RawSpan`: it can never outlive the bytes it
// reads, costs nothing to create, and every read is bounds checked before an unchecked load.
// Reads never trap: a short input throws `TLSParseError(.truncated)`, a nested length that
// runs past its parent throws `.lengthOverflow`.

/// Why parsing stopped: a code, the byte offset where it happened, and a fixed reason.
///
/// `offset` is an absolute offset in whatever the reader's `base` refers to (for the stream
/// reader: the stream offset), so a report can cite the byte. `reason` is a `StaticString`, so
/// the error (and every value holding one) is a plain bit-copyable value: creating, copying or
/// storing it never allocates or retains.
public struct TLSParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: UInt8, Hashable, Sendable {
        /// The input ended before the structure did: more bytes may complete it.
        case truncated
        /// A nested length prefix claims more bytes than its enclosing structure holds.
        case lengthOverflow
        /// A field holds a value the format does not allow.
        case invalidValue
        /// A record is longer than the protocol allows.
        case recordTooLong
        /// A message or record arrived where the protocol does not allow it.
        case unexpectedMessage
    }

    public var code: Code
    public var offset: Int
    /// A fixed phrase.
    public var reason: StaticString

    @inlinable
    public init(_ code: Code, offset: Int, _ reason: StaticString) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var reasonText: String { reason.description }
    public var description: String { "\(code) at offset \(offset): \(reason)" }

    public static func == (a: TLSParseError, b: TLSParseError) -> Bool {
        a.code == b.code && a.offset == b.offset && a.reason.description == b.reason.description
    }

    public func hash(into h: inout Hasher) {
        h.combine(code)
        h.combine(offset)
        h.combine(reason.description)
    }
}

/// A bounds-checked big-endian cursor over borrowed bytes.
///
/// Positions (`position`, `end`, the ranges parsers record) are offsets into `bytes`;
/// `base` is added only to error offsets, so errors cite absolute (e.g. stream) offsets.
public struct TLSReader: ~Escapable {
    public let bytes: RawSpan
    /// Offset in `bytes` of the next byte to read.
    public var position: Int
    /// Offset in `bytes` one past the last byte this reader may read.
    public let end: Int
    /// Added to positions in thrown errors.
    public let base: Int

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, base: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.byteCount
        self.base = base
    }

    /// A reader over `bytes[range]` (positions stay offsets into `bytes`). The range is clamped.
    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, range: Range<Int>, base: Int = 0) {
        self.bytes = bytes
        let n = bytes.byteCount
        let lo = Swift.min(Swift.max(range.lowerBound, 0), n)
        let hi = Swift.min(Swift.max(range.upperBound, lo), n)
        self.position = lo
        self.end = hi
        self.base = base
    }

    @inlinable @_lifetime(copy bytes)
    internal init(bytes: RawSpan, position: Int, end: Int, base: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
        self.base = base
    }

    @inlinable public var remaining: Int { end &- position }
    @inlinable public var isAtEnd: Bool { position >= end }
    /// The byte range not read yet.
    @inlinable public var remainingRange: Range<Int> { position..<end }
    /// Absolute offset (base + position) of the next byte, for error reports.
    @inlinable public var absoluteOffset: Int { base &+ position }

    @inlinable
    public func error(_ code: TLSParseError.Code, _ reason: StaticString) -> TLSParseError {
        TLSParseError(code, offset: base &+ position, reason)
    }

    @inlinable @inline(__always)
    public func require(_ count: Int) throws(TLSParseError) {
        guard count >= 0, end &- position >= count else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
    }

    // MARK: Fixed-size reads

    @inlinable @inline(__always)
    public mutating func readU8() throws(TLSParseError) -> UInt8 {
        guard position < end else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
        let v = bytes.unsafeLoad(fromUncheckedByteOffset: position, as: UInt8.self)
        position &+= 1
        return v
    }

    @inlinable @inline(__always)
    public mutating func readU16() throws(TLSParseError) -> UInt16 {
        guard end &- position >= 2 else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
        let v = bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: position, as: UInt16.self)
        position &+= 2
        return UInt16(bigEndian: v)
    }

    @inlinable @inline(__always)
    public mutating func readU24() throws(TLSParseError) -> UInt32 {
        guard end &- position >= 3 else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
        let hi = UInt32(bytes.unsafeLoad(fromUncheckedByteOffset: position, as: UInt8.self))
        let lo = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: position &+ 1, as: UInt16.self))
        position &+= 3
        return hi << 16 | UInt32(lo)
    }

    @inlinable @inline(__always)
    public mutating func readU32() throws(TLSParseError) -> UInt32 {
        guard end &- position >= 4 else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
        let v = bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: position, as: UInt32.self)
        position &+= 4
        return UInt32(bigEndian: v)
    }

    /// Skips `count` bytes and returns their range.
    @inlinable @inline(__always) @discardableResult
    public mutating func skip(_ count: Int) throws(TLSParseError) -> Range<Int> {
        guard count >= 0, end &- position >= count else {
            throw TLSParseError(.truncated, offset: base &+ position, "input ends inside a field")
        }
        let start = position
        position &+= count
        return start..<position
    }

    /// Reads a byte without consuming it.
    @inlinable
    public func peekU8(at offset: Int = 0) -> UInt8? {
        let p = position &+ offset
        guard offset >= 0, p < end else { return nil }
        return bytes.unsafeLoad(fromUncheckedByteOffset: p, as: UInt8.self)
    }

    // MARK: Length-prefixed vectors

    /// Reads an `opaque x<..2^8-1>` length and returns the range of its contents.
    /// A length longer than what remains throws `.lengthOverflow` (the parent ends first).
    @inlinable @inline(__always)
    public mutating func readU8Prefixed() throws(TLSParseError) -> Range<Int> {
        let n = Int(try readU8())
        return try takeNested(n)
    }

    @inlinable @inline(__always)
    public mutating func readU16Prefixed() throws(TLSParseError) -> Range<Int> {
        let n = Int(try readU16())
        return try takeNested(n)
    }

    @inlinable @inline(__always)
    public mutating func readU24Prefixed() throws(TLSParseError) -> Range<Int> {
        let n = Int(try readU24())
        return try takeNested(n)
    }

    @inlinable @inline(__always)
    internal mutating func takeNested(_ n: Int) throws(TLSParseError) -> Range<Int> {
        guard n <= end &- position else {
            throw TLSParseError(.lengthOverflow, offset: base &+ position, "length exceeds the enclosing structure")
        }
        let start = position
        position &+= n
        return start..<position
    }

    /// A reader limited to `range` (which must lie inside this reader's bytes).
    @inlinable @_lifetime(copy self)
    public func subReader(_ range: Range<Int>) -> TLSReader {
        TLSReader(bytes: bytes, position: range.lowerBound, end: range.upperBound, base: base)
    }

    /// Sub-readers over length-prefixed vectors.
    @inlinable @_lifetime(copy self)
    public mutating func readU8PrefixedReader() throws(TLSParseError) -> TLSReader {
        let r = try readU8Prefixed()
        return TLSReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, base: base)
    }

    @inlinable @_lifetime(copy self)
    public mutating func readU16PrefixedReader() throws(TLSParseError) -> TLSReader {
        let r = try readU16Prefixed()
        return TLSReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, base: base)
    }

    @inlinable @_lifetime(copy self)
    public mutating func readU24PrefixedReader() throws(TLSParseError) -> TLSReader {
        let r = try readU24Prefixed()
        return TLSReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, base: base)
    }

    /// Takes the next `count` bytes as a sub-reader (`.truncated` if fewer remain).
    @inlinable @_lifetime(copy self)
    public mutating func readReader(count: Int) throws(TLSParseError) -> TLSReader {
        let r = try skip(count)
        return TLSReader(bytes: bytes, position: r.lowerBound, end: r.upperBound, base: base)
    }

    /// Throws `.invalidValue` unless every byte was read.
    @inlinable
    public func expectEnd(_ reason: StaticString = "trailing bytes after the structure") throws(TLSParseError) {
        guard position == end else { throw TLSParseError(.invalidValue, offset: base &+ position, reason) }
    }
}

// MARK: - Helpers over RawSpan

extension RawSpan {
    /// Byte at `offset`, or nil outside the span.
    @inlinable
    public func tlsByte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < byteCount else { return nil }
        return unsafeLoad(fromUncheckedByteOffset: offset, as: UInt8.self)
    }

    /// Big-endian u16 at `offset`, or nil when it does not fit.
    @inlinable
    public func tlsU16(at offset: Int) -> UInt16? {
        guard offset >= 0, byteCount &- offset >= 2 else { return nil }
        return UInt16(bigEndian: unsafeLoadUnaligned(fromUncheckedByteOffset: offset, as: UInt16.self))
    }

    /// Big-endian u24 at `offset`, or nil when it does not fit.
    @inlinable
    public func tlsU24(at offset: Int) -> UInt32? {
        guard offset >= 0, byteCount &- offset >= 3 else { return nil }
        let hi = UInt32(unsafeLoad(fromUncheckedByteOffset: offset, as: UInt8.self))
        let lo = UInt16(bigEndian: unsafeLoadUnaligned(fromUncheckedByteOffset: offset &+ 1, as: UInt16.self))
        return hi << 16 | UInt32(lo)
    }

    /// Whether `range` lies inside the span.
    @inlinable
    public func tlsContains(_ range: Range<Int>) -> Bool {
        range.lowerBound >= 0 && range.upperBound <= byteCount
    }

    /// Copies `range` (clamped to the span) into a new array. Allocates: not for hot paths.
    public func tlsBytes(_ range: Range<Int>) -> [UInt8] {
        let lo = Swift.min(Swift.max(range.lowerBound, 0), byteCount)
        let hi = Swift.min(Swift.max(range.upperBound, lo), byteCount)
        guard hi > lo else { return [] }
        return withUnsafeBytes { raw in [UInt8](UnsafeRawBufferPointer(rebasing: raw[lo..<hi])) }
    }

    /// Whether the bytes in `a` equal the bytes in `b` (both ranges of this span).
    public func tlsBytesEqual(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard tlsContains(a), tlsContains(b), a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if unsafeLoad(fromUncheckedByteOffset: a.lowerBound &+ i, as: UInt8.self)
                != unsafeLoad(fromUncheckedByteOffset: b.lowerBound &+ i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }
}
