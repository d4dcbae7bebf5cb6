import Handshake
import Synchronization

/// Registries whose code point lists the JSON report writes as arrays of names.
public enum NameList: UInt8, Sendable {
    case version, cipherSuite, group, signatureScheme, extensionType

    var table: NameTable {
        switch self {
        case .version: return NameTable.versions
        case .cipherSuite: return NameTable.cipherSuites
        case .group: return NameTable.groups
        case .signatureScheme: return NameTable.signatureSchemes
        case .extensionType: return NameTable.extensionTypes
        }
    }
}

extension JSONWriter {
    /// `strings(k, values.map(Names.cipherSuite))` (or the list's other registry), each name
    /// copied from the registry's `NameTable`.
    public mutating func names(_ k: String?, _ values: [UInt16], _ list: NameList) {
        var o = JSONOut(capacity: 16 &+ values.count &* 24)
        o.names(values, list.table)
        raw(k, o.bytes)
    }
}

/// One registry's names (`Names.cipherSuite` …) as the bytes of JSON strings, quotes included,
/// made once per code point the first time it is written and kept for the life of the process,
/// so that writing a name is a table lookup and a copy.
///
/// Filled lazily, not from a list of known code points, so that every name written is exactly
/// what `Names` gives for it (the registries name ranges, drafts and GREASE in their own ways).
/// Two levels of 256: a page of entries is allocated when a code point in it is first seen.
/// Readers take no lock: a page or an entry is published once with a compare-and-exchange and
/// never changes after; a thread that loses the race frees its copy and uses the winner's.
///
/// An entry is 0 (not made yet), 1 (the name is the code point in hex, `0x%04x` or `0x%02x`,
/// written on the fly without keeping anything), or the address of `[Int length][bytes]` with
/// the bytes padded to whole 16-byte words, so that they can be copied a word at a time. Only
/// named code points keep memory: at most the size of the registries (a few hundred names).
final class NameTable: @unchecked Sendable {
    private let pages: UnsafeMutablePointer<Atomic<UInt>>
    private let name: @Sendable (UInt16) -> String
    /// Hex digits of an unnamed code point: 4 (16-bit registries) or 2 (8-bit ones); 0 for
    /// tables without hex names (enum raw values).
    let hexDigits: Int
    /// Tells the tables apart in `NameListMemo`.
    let id: UInt8

    init(id: UInt8, hexDigits: Int, _ name: @escaping @Sendable (UInt16) -> String) {
        self.id = id
        self.hexDigits = hexDigits
        self.name = name
        pages = .allocate(capacity: 256)
        for i in 0..<256 { (pages + i).initialize(to: Atomic(0)) }
    }

    // Never freed: the shared tables live as long as the process.

    static let versions = NameTable(id: 1, hexDigits: 4) { Names.version($0) }
    static let cipherSuites = NameTable(id: 2, hexDigits: 4) { Names.cipherSuite($0) }
    static let groups = NameTable(id: 3, hexDigits: 4) { Names.group($0) }
    static let signatureSchemes = NameTable(id: 4, hexDigits: 4) { Names.signatureScheme($0) }
    static let extensionTypes = NameTable(id: 5, hexDigits: 4) { Names.extensionType($0) }
    static let alerts = NameTable(id: 6, hexDigits: 2) { Names.alert(UInt8(truncatingIfNeeded: $0)) }
    static let handshakeTypes = NameTable(id: 7, hexDigits: 2) { Names.handshakeType(UInt8(truncatingIfNeeded: $0)) }

    /// The raw values of a String-backed enum without payloads, by the byte that holds a value
    /// (see `JSONOut.rawValue`). `make` is only ever asked for bytes read from real values.
    static func rawValues<E: RawRepresentable & Sendable>(of _: E.Type) -> NameTable where E.RawValue == String {
        NameTable(id: 0, hexDigits: 0) { unsafeBitCast(UInt8(truncatingIfNeeded: $0), to: E.self).rawValue }
    }

    static let hexEntry: UInt = 1

    /// The entry for `v`, made if need be.
    @inline(__always)
    func entry(_ v: UInt16) -> UInt {
        let page = pages[Int(v &>> 8)].load(ordering: .acquiring)
        if page != 0 {
            let e = UnsafeMutablePointer<Atomic<UInt>>(bitPattern: page).unsafelyUnwrapped[Int(v & 0xFF)].load(ordering: .acquiring)
            if e != 0 { return e }
        }
        return make(v)
    }

    @inline(never)
    private func make(_ v: UInt16) -> UInt {
        let text = name(v)
        var made = NameTable.hexEntry
        if hexDigits == 0 || text != NameTable.hex(v, digits: hexDigits) {
            var o = JSONOut(capacity: 64)
            o.string(text)
            let n = o.count
            let words = (n &+ 15) / 16
            // 16 bytes more than the words, for the copy without the quotes (one byte further on).
            let raw = UnsafeMutableRawPointer.allocate(byteCount: 8 &+ (words &+ 1) &* 16, alignment: 16)
            raw.storeBytes(of: n, as: Int.self)
            (raw + 8).initializeMemory(as: UInt8.self, repeating: 0x20, count: (words &+ 1) &* 16)
            (raw + 8).copyMemory(from: o.base, byteCount: n)
            made = UInt(bitPattern: raw)
        }
        // The page, published once.
        var page = pages[Int(v &>> 8)].load(ordering: .acquiring)
        if page == 0 {
            let fresh = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: 256)
            for i in 0..<256 { (fresh + i).initialize(to: Atomic(0)) }
            let (won, current) = pages[Int(v &>> 8)].compareExchange(
                expected: 0, desired: UInt(bitPattern: fresh), ordering: .acquiringAndReleasing)
            if won { page = UInt(bitPattern: fresh) } else { fresh.deallocate(); page = current }
        }
        let slot = UnsafeMutablePointer<Atomic<UInt>>(bitPattern: page).unsafelyUnwrapped + Int(v & 0xFF)
        let (won, current) = slot.pointee.compareExchange(expected: 0, desired: made, ordering: .acquiringAndReleasing)
        if won { return made }
        if made != NameTable.hexEntry { UnsafeMutableRawPointer(bitPattern: made)?.deallocate() }
        return current
    }

    /// `0x` and `digits` lower-case hex digits, as `Names.hex16` / `Names.hex8` write them.
    static func hex(_ v: UInt16, digits: Int) -> String {
        var s = "0x"
        var i = digits &- 1
        while i >= 0 {
            s.unicodeScalars.append(Unicode.Scalar(JSONOut.hexDigit(UInt8(truncatingIfNeeded: v &>> UInt16(i &* 4)) & 15)))
            i &-= 1
        }
        return s
    }
}

extension JSONOut {
    /// The name of `v` in `table`, as a JSON string with its quotes.
    @inline(__always)
    mutating func name(_ v: UInt16, _ table: NameTable) {
        let e = table.entry(v)
        if e == NameTable.hexEntry { hexName(v, digits: table.hexDigits, quoted: true); return }
        nameBytes(e, quoted: true)
    }

    /// The name of `v` in `table`, escaped, without quotes (part of a longer string).
    mutating func nameBody(_ v: UInt16, _ table: NameTable) {
        let e = table.entry(v)
        if e == NameTable.hexEntry { hexName(v, digits: table.hexDigits, quoted: false); return }
        nameBytes(e, quoted: false)
    }

    /// `v`'s name, or `null`.
    @inline(__always)
    mutating func name(_ v: UInt16?, _ table: NameTable) {
        if let v { name(v, table) } else { literal("null") }
    }

    /// The raw value of `v`, a String-backed enum without payloads, as a JSON string: looked up by
    /// the byte that holds the value (one byte for 2 to 256 cases), so that its bytes are made once.
    @inline(__always)
    mutating func rawValue<E: RawRepresentable>(_ v: E, _ table: NameTable) where E.RawValue == String {
        if MemoryLayout<E>.size == 1 {
            name(UInt16(unsafeBitCast(v, to: UInt8.self)), table)
        } else {
            string(v.rawValue)
        }
    }

    /// `v`'s raw value, or `null`.
    @inline(__always)
    mutating func rawValue<E: RawRepresentable>(_ v: E?, _ table: NameTable) where E.RawValue == String {
        if let v { rawValue(v, table) } else { literal("null") }
    }

    /// `[name,name,…]`, remembered whole in `memo` when there is one.
    mutating func names(_ values: [UInt16], _ table: NameTable) {
        guard let memoRef, values.count > 1, values.count <= NameListMemo.maxCodePoints else { namesOneByOne(values, table); return }
        memoRef._withUnsafeGuaranteedRef { memo in
          values.withUnsafeBufferPointer { v in
            let hash = NameListMemo.hash(v, seed: table.id)
            if let (bytes, n) = memo.lookup(hash, table.id, v) {
                room(n)
                copy(bytes, n)
                return
            }
            let start = count
            namesOneByOne(values, table)
            memo.store(hash, table.id, v, bytes: base + start, count: count &- start)
          }
        }
    }

    /// `[name,name,…]`, name by name.
    mutating func namesOneByOne(_ values: [UInt16], _ table: NameTable) {
        room(1)
        put(0x5B)
        var first = true
        for v in values {
            if !first { room(1); put(0x2C) }
            first = false
            name(v, table)
        }
        room(1)
        put(0x5D)
    }

    @inline(__always)
    private mutating func nameBytes(_ e: UInt, quoted: Bool) {
        let p = UnsafeRawPointer(bitPattern: e).unsafelyUnwrapped
        let total = p.load(as: Int.self)
        let src = p + (quoted ? 8 : 9)
        let n = quoted ? total : total &- 2
        room(n &+ 16)
        let dst = UnsafeMutableRawPointer(base + count)
        var i = 0
        repeat {
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self), toByteOffset: i, as: SIMD16<UInt8>.self)
            i &+= 16
        } while i < n
        advance(n)
    }

    private mutating func hexName(_ v: UInt16, digits: Int, quoted: Bool) {
        room(8)
        if quoted { put(0x22) }
        put(0x30); put(0x78)
        var i = digits &- 1
        while i >= 0 {
            put(JSONOut.hexDigit(UInt8(truncatingIfNeeded: v &>> UInt16(i &* 4)) & 15))
            i &-= 1
        }
        if quoted { put(0x22) }
    }
}
