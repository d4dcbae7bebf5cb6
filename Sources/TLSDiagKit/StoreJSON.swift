// JSON for the batch store's blobs (`--db`): Codable values to and from UTF-8 JSON, without
// Foundation. The text has the shape Foundation's JSONEncoder gives the types stored with its default
// strategies (objects keyed by the coding keys, an absent optional left out, integers in decimal,
// strings escaped as RFC 8259 requires): each reads the other's (tested both ways on every
// connection of Captures/), so stores written by earlier builds read back unchanged.
// Only what synthesized Codable conformances use is needed; a value that does not fit its type is a
// DecodingError, never a trap.

/// A JSON value as a tree, between the coder containers and the text.
enum JSONNode {
    case null
    case bool(Bool)
    /// The number's text, converted when the type asking for it is known.
    case number(String)
    case string(String)
    case array(JSONArrayBox)
    case object(JSONObjectBox)
}

/// Containers are reference types while encoding: nested containers are filled after they are
/// attached to their parent.
final class JSONArrayBox { var items: [JSONNode] = [] }
final class JSONObjectBox {
    var keys: [String] = []
    var values: [String: JSONNode] = [:]
    func set(_ key: String, _ value: JSONNode) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }
}

public enum StoreJSON {
    /// `value` as compact JSON text (UTF-8).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = NodeEncoder(codingPath: [])
        try value.encode(to: encoder)
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(encoder.root ?? .object(JSONObjectBox()), into: &out)
        return out
    }

    /// A `T` read from JSON text.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        var parser = JSONTextParser(bytes: bytes)
        let node = try parser.parseDocument()
        return try T(from: NodeDecoder(node: node, codingPath: []))
    }

    // MARK: Writing text

    static func write(_ node: JSONNode, into out: inout [UInt8]) {
        switch node {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, item) in a.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, key) in o.keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(o.values[key] ?? .null, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5c, 0x5c])
            case UInt8(ascii: "/"): out.append(contentsOf: [0x5c, 0x2f])   // as JSONEncoder does
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5c, UInt8(ascii: "b")])
            case 0x0c: out.append(contentsOf: [0x5c, UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Encoding

/// Holds the value the encoded type produced (one of: a single value, a keyed or an unkeyed container).
final class NodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var root: JSONNode?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing) = root { box = existing } else { box = JSONObjectBox(); root = .object(box) }
        return KeyedEncodingContainer(KeyedNodeEncoder<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing) = root { box = existing } else { box = JSONArrayBox(); root = .array(box) }
        return UnkeyedNodeEncoder(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleNodeEncoder(encoder: self) }

    /// A value's node: the primitive types directly, anything else through its own encode(to:).
    static func node<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONNode {
        switch value {
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .number(String(v))
        case let v as Int8: return .number(String(v))
        case let v as Int16: return .number(String(v))
        case let v as Int32: return .number(String(v))
        case let v as Int64: return .number(String(v))
        case let v as UInt: return .number(String(v))
        case let v as UInt8: return .number(String(v))
        case let v as UInt16: return .number(String(v))
        case let v as UInt32: return .number(String(v))
        case let v as UInt64: return .number(String(v))
        case let v as Double: return try floating(v, codingPath)
        case let v as Float: return try floating(Double(v), codingPath)
        default:
            let e = NodeEncoder(codingPath: codingPath)
            try value.encode(to: e)
            return e.root ?? .object(JSONObjectBox())
        }
    }

    static func floating(_ v: Double, _ codingPath: [any CodingKey]) throws -> JSONNode {
        guard v.isFinite else {
            throw EncodingError.invalidValue(v, .init(codingPath: codingPath, debugDescription: "JSON has no \(v)"))
        }
        var text = v.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

struct KeyedNodeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONObjectBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.set(key.stringValue, try NodeEncoder.node(value, codingPath: codingPath + [key]))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        box.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(KeyedNodeEncoder<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.set(key.stringValue, .array(nested))
        return UnkeyedNodeEncoder(box: nested, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { SlotEncoder(codingPath: codingPath) { [box] in box.set("super", $0) } }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(codingPath: codingPath + [key]) { [box] in box.set(key.stringValue, $0) }
    }
}

struct UnkeyedNodeEncoder: UnkeyedEncodingContainer {
    let box: JSONArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try NodeEncoder.node(value, codingPath: codingPath + [IndexKey(count)]))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        let path = codingPath + [IndexKey(count)]
        box.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedNodeEncoder<NestedKey>(box: nested, codingPath: path))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        let path = codingPath + [IndexKey(count)]
        box.items.append(.array(nested))
        return UnkeyedNodeEncoder(box: nested, codingPath: path)
    }
    mutating func superEncoder() -> any Encoder {
        let index = box.items.count
        box.items.append(.null)
        return SlotEncoder(codingPath: codingPath + [IndexKey(index)]) { [box] in box.items[index] = $0 }
    }
}

struct SingleNodeEncoder: SingleValueEncodingContainer {
    let encoder: NodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    mutating func encodeNil() throws { encoder.root = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.root = try NodeEncoder.node(value, codingPath: codingPath) }
}

/// An encoder whose result is stored by `store` once the value has been written (super encoders).
final class SlotEncoder: Encoder {
    let inner: NodeEncoder
    let store: (JSONNode) -> Void
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    init(codingPath: [any CodingKey], store: @escaping (JSONNode) -> Void) {
        inner = NodeEncoder(codingPath: codingPath); self.store = store
        store(.object(JSONObjectBox()))
    }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let c = inner.container(keyedBy: type); if let r = inner.root { store(r) }; return c
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let c = inner.unkeyedContainer(); if let r = inner.root { store(r) }; return c
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { SlotSingleEncoder(slot: self) }
}

struct SlotSingleEncoder: SingleValueEncodingContainer {
    let slot: SlotEncoder
    var codingPath: [any CodingKey] { slot.codingPath }
    mutating func encodeNil() throws { slot.store(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.store(try NodeEncoder.node(value, codingPath: codingPath)) }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ i: Int) { intValue = i; stringValue = "Index \(i)" }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

// MARK: - Decoding

final class NodeDecoder: Decoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    init(node: JSONNode, codingPath: [any CodingKey]) { self.node = node; self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = node else { throw NodeDecoder.mismatch("an object", node, codingPath) }
        return KeyedDecodingContainer(KeyedNodeDecoder<Key>(box: o, codingPath: codingPath))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = node else { throw NodeDecoder.mismatch("an array", node, codingPath) }
        return UnkeyedNodeDecoder(items: a.items, codingPath: codingPath)
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNodeDecoder(node: node, codingPath: codingPath) }

    static func mismatch(_ expected: String, _ node: JSONNode, _ path: [any CodingKey]) -> DecodingError {
        let found: String
        switch node {
        case .null: found = "null"
        case .bool: found = "a boolean"
        case .number: found = "a number"
        case .string: found = "a string"
        case .array: found = "an array"
        case .object: found = "an object"
        }
        return .typeMismatch(Any.self, .init(codingPath: path, debugDescription: "expected \(expected), found \(found)"))
    }

    /// A `T` from `node`: the primitive types directly, anything else through its own init(from:).
    static func value<T: Decodable>(_ type: T.Type, _ node: JSONNode, _ path: [any CodingKey]) throws -> T {
        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            guard case .number(let text) = node else { throw mismatch("an integer", node, path) }
            if let v = I(text) { return v }
            // JSON writers may print an integral value as 1e3 or 1000.0.
            if let d = Double(text), d.rounded() == d, let v = I(exactly: d) { return v }
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(text) does not fit \(I.self)"))
        }
        func floating() throws -> Double {
            guard case .number(let text) = node, let d = Double(text) else { throw mismatch("a number", node, path) }
            return d
        }
        switch type {
        case is String.Type:
            guard case .string(let s) = node else { throw mismatch("a string", node, path) }
            return s as! T
        case is Bool.Type:
            guard case .bool(let b) = node else { throw mismatch("a boolean", node, path) }
            return b as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Int8.Type: return try integer(Int8.self) as! T
        case is Int16.Type: return try integer(Int16.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is UInt.Type: return try integer(UInt.self) as! T
        case is UInt8.Type: return try integer(UInt8.self) as! T
        case is UInt16.Type: return try integer(UInt16.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        case is Double.Type: return try floating() as! T
        case is Float.Type: return Float(try floating()) as! T
        default: return try T(from: NodeDecoder(node: node, codingPath: path))
        }
    }
}

struct KeyedNodeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let box: JSONObjectBox
    let codingPath: [any CodingKey]
    var allKeys: [Key] { box.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { box.values[key.stringValue] != nil }

    func node(_ key: Key) throws -> JSONNode {
        guard let n = box.values[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no \"\(key.stringValue)\""))
        }
        return n
    }
    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try node(key) { return true }
        return false
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try NodeDecoder.value(type, try node(key), codingPath + [key])
    }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(node: try node(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try NodeDecoder(node: try node(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { NodeDecoder(node: box.values["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { NodeDecoder(node: box.values[key.stringValue] ?? .null, codingPath: codingPath + [key]) }
}

struct UnkeyedNodeDecoder: UnkeyedDecodingContainer {
    let items: [JSONNode]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONNode], codingPath: [any CodingKey]) { self.items = items; self.codingPath = codingPath }

    mutating func next() throws -> (JSONNode, [any CodingKey]) {
        guard currentIndex < items.count else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "the array has no more values"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }
    mutating func decodeNil() throws -> Bool {
        guard currentIndex < items.count else { return false }
        if case .null = items[currentIndex] { currentIndex += 1; return true }
        return false
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (n, path) = try next()
        return try NodeDecoder.value(type, n, path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (n, path) = try next()
        return try NodeDecoder(node: n, codingPath: path).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (n, path) = try next()
        return try NodeDecoder(node: n, codingPath: path).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        let (n, path) = try next()
        return NodeDecoder(node: n, codingPath: path)
    }
}

struct SingleNodeDecoder: SingleValueDecodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    func decodeNil() -> Bool { if case .null = node { return true }; return false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try NodeDecoder.value(type, node, codingPath) }
}

// MARK: - Reading text

/// RFC 8259 text to a node tree. Nesting is limited (a stored blob is a few levels deep), so a
/// hostile file cannot exhaust the stack.
struct JSONTextParser {
    let bytes: [UInt8]
    var at = 0
    static let maxDepth = 64

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "JSON text at byte \(at): \(reason)"))
    }

    mutating func parseDocument() throws -> JSONNode {
        let v = try parseValue(depth: 0)
        skipSpace()
        guard at == bytes.count else { throw fail("text after the value") }
        return v
    }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0a || bytes[at] == 0x0d || bytes[at] == 0x09 { at += 1 }
    }

    mutating func literal(_ word: String, _ value: JSONNode) throws -> JSONNode {
        let w = Array(word.utf8)
        guard bytes.count - at >= w.count, Array(bytes[at..<at + w.count]) == w else { throw fail("expected \(word)") }
        at += w.count
        return value
    }

    mutating func parseValue(depth: Int) throws -> JSONNode {
        guard depth < JSONTextParser.maxDepth else { throw fail("nested too deep") }
        skipSpace()
        guard at < bytes.count else { throw fail("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "["):
            at += 1
            let box = JSONArrayBox()
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(box) }
            while true {
                box.items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end in an array") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(box) }
                throw fail("expected , or ]")
            }
        case UInt8(ascii: "{"):
            at += 1
            let box = JSONObjectBox()
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(box) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try parseString()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected :") }
                at += 1
                box.set(key, try parseValue(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end in an object") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(box) }
                throw fail("expected , or }")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = at
            at += 1
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                     UInt8(ascii: "+"), UInt8(ascii: "-"):
                    at += 1
                default:
                    return .number(String(decoding: bytes[start..<at], as: UTF8.self))
                }
            }
            return .number(String(decoding: bytes[start..<at], as: UTF8.self))
        default:
            throw fail("unexpected character")
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard bytes.count - at >= 4 else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    mutating func parseString() throws -> String {
        at += 1   // the opening quote
        var out: [UInt8] = []
        while at < bytes.count {
            let b = bytes[at]
            at += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard at < bytes.count else { throw fail("unfinished escape") }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xd800 && scalar < 0xdc00, bytes.count - at >= 6,
                       bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                        let save = at
                        at += 2
                        let low = try hex4()
                        if low >= 0xdc00 && low < 0xe000 {
                            scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                        } else {
                            at = save
                        }
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{fffd}"
                    out.append(contentsOf: String(Character(u)).utf8)
                default:
                    throw fail("bad escape")
                }
            default:
                out.append(b)
            }
        }
        throw fail("unfinished string")
    }
}
