// Non-allocating views over wire lists: a span plus the byte range of the list.

/// A list of 16-bit code points (cipher suites, groups, signature schemes, versions) in place.
public struct CodePointList16<Element: TLSCodePoint>: ~Escapable where Element.RawValue == UInt16 {
    public let bytes: RawSpan
    public let range: Range<Int>

    /// `range` must lie inside `bytes` and have even length (the parsers guarantee both);
    /// otherwise the view is empty.
    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>) {
        self.bytes = bytes
        if bytes.tlsContains(range) && range.count % 2 == 0 {
            self.range = range
        } else {
            self.range = range.lowerBound..<range.lowerBound
        }
    }

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>?) {
        self.init(bytes, range ?? 0..<0)
    }

    @inlinable public var count: Int { range.count / 2 }
    @inlinable public var isEmpty: Bool { range.isEmpty }

    @inlinable public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "index out of range")
        let v = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: range.lowerBound &+ 2 &* i, as: UInt16.self))
        return Element(rawValue: v)
    }

    @inlinable public func rawValue(at i: Int) -> UInt16? {
        guard i >= 0 && i < count else { return nil }
        return UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: range.lowerBound &+ 2 &* i, as: UInt16.self))
    }

    @inlinable public func forEach(_ body: (Element) throws -> Void) rethrows {
        var p = range.lowerBound
        while p < range.upperBound {
            let v = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            try body(Element(rawValue: v))
            p &+= 2
        }
    }

    @inlinable public func contains(_ e: Element) -> Bool {
        var p = range.lowerBound
        while p < range.upperBound {
            if UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self)) == e.rawValue { return true }
            p &+= 2
        }
        return false
    }

    @inlinable public func contains(where predicate: (Element) throws -> Bool) rethrows -> Bool {
        var p = range.lowerBound
        while p < range.upperBound {
            let v = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            if try predicate(Element(rawValue: v)) { return true }
            p &+= 2
        }
        return false
    }

    /// Copies the list out (allocates).
    public var array: [Element] {
        var out = [Element]()
        out.reserveCapacity(count)
        forEach { out.append($0) }
        return out
    }
}

/// A list of 8-bit code points (compression methods, point formats, PSK modes) in place.
public struct CodePointList8<Element: TLSCodePoint>: ~Escapable where Element.RawValue == UInt8 {
    public let bytes: RawSpan
    public let range: Range<Int>

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>?) {
        self.bytes = bytes
        let r = range ?? 0..<0
        self.range = bytes.tlsContains(r) ? r : r.lowerBound..<r.lowerBound
    }

    @inlinable public var count: Int { range.count }
    @inlinable public var isEmpty: Bool { range.isEmpty }
    @inlinable public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "index out of range")
        return Element(rawValue: bytes.unsafeLoad(fromUncheckedByteOffset: range.lowerBound &+ i, as: UInt8.self))
    }
    @inlinable public func forEach(_ body: (Element) throws -> Void) rethrows {
        var p = range.lowerBound
        while p < range.upperBound {
            try body(Element(rawValue: bytes.unsafeLoad(fromUncheckedByteOffset: p, as: UInt8.self)))
            p &+= 1
        }
    }
    @inlinable public func contains(_ e: Element) -> Bool {
        var p = range.lowerBound
        while p < range.upperBound {
            if bytes.unsafeLoad(fromUncheckedByteOffset: p, as: UInt8.self) == e.rawValue { return true }
            p &+= 1
        }
        return false
    }
    public var array: [Element] {
        var out = [Element]()
        out.reserveCapacity(count)
        forEach { out.append($0) }
        return out
    }
}

/// One extension as it appears in a hello: its type and the range of its data.
public struct TLSExtension: Hashable, Sendable {
    public var type: ExtensionType
    /// Range of `extension_data` (after the 4-byte type and length).
    public var data: Range<Int>
    @inlinable public init(type: ExtensionType, data: Range<Int>) { self.type = type; self.data = data }
}

/// The extensions block of a hello, in place:
///
///     struct {
///         ExtensionType extension_type;
///         opaque extension_data<0..2^16-1>;
///     } Extension;
///     Extension extensions<0..2^16-1>;
public struct ExtensionList: ~Escapable {
    public let bytes: RawSpan
    /// The bytes of the list (after its length prefix), already checked to be well framed.
    public let range: Range<Int>

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>?) {
        self.bytes = bytes
        let r = range ?? 0..<0
        self.range = bytes.tlsContains(r) ? r : r.lowerBound..<r.lowerBound
    }

    /// Calls `body` for each extension in order; stops at the first framing error (which the
    /// hello parsers already rule out).
    @inlinable public func forEach(_ body: (TLSExtension) throws -> Void) rethrows {
        var p = range.lowerBound
        while range.upperBound &- p >= 4 {
            let t = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            let n = Int(UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p &+ 2, as: UInt16.self)))
            guard n <= range.upperBound &- p &- 4 else { return }
            try body(TLSExtension(type: ExtensionType(t), data: (p &+ 4)..<(p &+ 4 &+ n)))
            p &+= 4 &+ n
        }
    }

    /// The first extension of `type`.
    @inlinable public func first(_ type: ExtensionType) -> TLSExtension? {
        var found: TLSExtension?
        var p = range.lowerBound
        while found == nil, range.upperBound &- p >= 4 {
            let t = UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p, as: UInt16.self))
            let n = Int(UInt16(bigEndian: bytes.unsafeLoadUnaligned(fromUncheckedByteOffset: p &+ 2, as: UInt16.self)))
            guard n <= range.upperBound &- p &- 4 else { break }
            if t == type.rawValue { found = TLSExtension(type: type, data: (p &+ 4)..<(p &+ 4 &+ n)) }
            p &+= 4 &+ n
        }
        return found
    }

    /// The extension types in order.
    public var types: [ExtensionType] {
        var out = [ExtensionType]()
        forEach { out.append($0.type) }
        return out
    }
}

/// Length-prefixed byte strings in place (ALPN protocol names: `opaque ProtocolName<1..2^8-1>`).
public struct U8PrefixedStrings: ~Escapable {
    public let bytes: RawSpan
    public let range: Range<Int>

    @inlinable @_lifetime(copy bytes)
    public init(_ bytes: RawSpan, _ range: Range<Int>?) {
        self.bytes = bytes
        let r = range ?? 0..<0
        self.range = bytes.tlsContains(r) ? r : r.lowerBound..<r.lowerBound
    }

    /// Calls `body` with the range of each string.
    @inlinable public func forEach(_ body: (Range<Int>) throws -> Void) rethrows {
        var p = range.lowerBound
        while p < range.upperBound {
            let n = Int(bytes.unsafeLoad(fromUncheckedByteOffset: p, as: UInt8.self))
            guard n <= range.upperBound &- p &- 1 else { return }
            try body((p &+ 1)..<(p &+ 1 &+ n))
            p &+= 1 &+ n
        }
    }

    public var count: Int {
        var c = 0
        forEach { _ in c += 1 }
        return c
    }

    /// The strings as text; bytes outside printable ASCII make the whole string `0x…` hex.
    public var strings: [String] {
        var out = [String]()
        forEach { out.append(printableOrHex(bytes, $0)) }
        return out
    }
}

/// Printable ASCII (0x20-0x7e) as text, anything else as `0x` + lowercase hex.
public func printableOrHex(_ bytes: RawSpan, _ range: Range<Int>) -> String {
    let lo = Swift.min(Swift.max(range.lowerBound, 0), bytes.byteCount)
    let hi = Swift.min(Swift.max(range.upperBound, lo), bytes.byteCount)
    guard hi > lo else { return "" }
    return bytes.withUnsafeBytes { raw in
        let b = UnsafeRawBufferPointer(rebasing: raw[lo..<hi])
        for x in b where x < 0x20 || x > 0x7e { return "0x" + TLSHex.string(b) }
        return String(decoding: b, as: UTF8.self)
    }
}
