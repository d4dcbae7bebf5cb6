import Synchronization

/// What writing JSON lines keeps from one line to the next: the output buffer and the memo of
/// name lists. Lines take one from a small shared pool and give it back, so that a run reuses a
/// few of them (one per thread writing at once) instead of allocating per line.
final class JSONLineContext {
    // One line uses a context at a time: no dynamic exclusivity checks (each was a call to
    // swift_beginAccess, about 60 instructions, twice a line).
    @exclusivity(unchecked) var buffer: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) var capacity = 0
    let memo = NameListMemo()
    let shapes = ShapeMemo()
    let strings = StringMemo()
    @exclusivity(unchecked) var lastSecond = TimestampPrefix()
    /// `ReportTables.unretained`, read once (each read of the static goes through swift_once).
    let tables = ReportTables.unretained

    deinit { buffer?.deallocate() }

    /// Buffers grown past this by a long line are not kept.
    static let keptCapacity = 1 << 16

    /// Up to `poolSize` contexts not in use, each slot holding a retained reference or 0.
    /// (Shared between threads through the atomics only.)
    nonisolated(unsafe) private static let pool: UnsafeMutablePointer<Atomic<UInt>> = {
        let p = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: poolSize)
        for i in 0..<poolSize { (p + i).initialize(to: Atomic(0)) }
        return p
    }()
    static let poolSize = 8

    /// A context from the pool, or a new one.
    static func take() -> JSONLineContext {
        let pool = JSONLineContext.pool
        for i in 0..<poolSize where pool[i].load(ordering: .relaxed) != 0 {
            let p = pool[i].exchange(0, ordering: .acquiring)
            if p != 0 { return Unmanaged<JSONLineContext>.fromOpaque(UnsafeRawPointer(bitPattern: p).unsafelyUnwrapped).takeRetainedValue() }
        }
        return JSONLineContext()
    }

    /// Puts `c` back in the pool (or lets it go if the pool is full).
    static func give(_ c: JSONLineContext) {
        let pool = JSONLineContext.pool
        let p = UInt(bitPattern: Unmanaged.passRetained(c).toOpaque())
        for i in 0..<poolSize where pool[i].load(ordering: .relaxed) == 0 {
            if pool[i].compareExchange(expected: 0, desired: p, ordering: .releasing).exchanged { return }
        }
        Unmanaged<JSONLineContext>.fromOpaque(UnsafeRawPointer(bitPattern: p).unsafelyUnwrapped).release()
    }
}

/// Whole name lists (a ClientHello's cipher suites, groups, signature algorithms, extensions) as
/// the JSON bytes written for them, remembered by their code points: the clients of one kind
/// offer the same lists on every connection. Direct-mapped by a hash of the list; an entry is
/// used only if its table and every code point are equal (the hash only picks the slot). One
/// context uses it at a time.
///
/// An entry is one allocation: hash (8 bytes), table id (2), used mark (2), code point count (4),
/// the byte count (8), the code points (2 each, padded to 8), then the bytes.
final class NameListMemo {
    static let slotCount = 256
    /// Longer lists (a hostile hello can carry 32,767 cipher suites) are written name by name
    /// and not kept: a memo holds at most about 256 × 3.3 KB.
    static let maxCodePoints = 128
    static let maxBytes = 3072
    private let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// Per slot, the hash of the last list that missed there and was not stored.
    private let seen: UnsafeMutablePointer<UInt64>

    init() {
        slots = .allocate(capacity: NameListMemo.slotCount)
        slots.initialize(repeating: nil, count: NameListMemo.slotCount)
        seen = .allocate(capacity: NameListMemo.slotCount)
        seen.initialize(repeating: 0, count: NameListMemo.slotCount)
    }

    deinit {
        for i in 0..<NameListMemo.slotCount { slots[i]?.deallocate() }
        slots.deallocate()
        seen.deallocate()
    }

    /// A hash of the table, the number of code points and three words of them (the first, the
    /// middle and the last four): enough to tell the lists of a capture apart, and constant time.
    @inline(__always)
    static func hash(_ v: UnsafeBufferPointer<UInt16>, seed: UInt8) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        let n = v.count
        var h = (UInt64(seed) &<< 32 | UInt64(truncatingIfNeeded: n)) &* k
        guard let p = v.baseAddress else { return h }
        @inline(__always) func mix(_ w: UInt64) { h = (h ^ w) &* k; h ^= h &>> 29 }
        if n >= 4 {
            let raw = UnsafeRawPointer(p)
            mix(raw.loadUnaligned(as: UInt64.self))
            mix(raw.loadUnaligned(fromByteOffset: ((n &- 4) &>> 1) &* 2, as: UInt64.self))
            mix(raw.loadUnaligned(fromByteOffset: (n &- 4) &* 2, as: UInt64.self))
        } else {
            for i in 0..<n { mix(UInt64(p[i])) }
        }
        // Finished as MurmurHash3's fmix64, so that every bit of the words reaches the slot bits.
        h ^= h &>> 33; h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h &>> 33; h = h &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h &>> 33)
    }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & (NameListMemo.slotCount &- 1) }

    @inline(__always)
    private static func valuesSize(_ n: Int) -> Int { (n &* 2 &+ 7) & ~7 }

    /// The bytes remembered for exactly these code points of this table.
    @inline(__always)
    func lookup(_ hash: UInt64, _ table: UInt8, _ v: UnsafeBufferPointer<UInt16>) -> (UnsafeRawPointer, Int)? {
        guard let e = slots[slot(hash)] else { return nil }
        guard e.load(as: UInt64.self) == hash, e.load(fromByteOffset: 8, as: UInt16.self) == UInt16(table),
              e.load(fromByteOffset: 12, as: UInt32.self) == UInt32(truncatingIfNeeded: v.count),
              let p = v.baseAddress, NameListMemo.equal(UnsafeRawPointer(e + 24), UnsafeRawPointer(p), v.count &* 2)
        else { return nil }
        e.storeBytes(of: 1, toByteOffset: 10, as: UInt16.self)  // used since stored or spared
        return (UnsafeRawPointer(e + (24 &+ NameListMemo.valuesSize(v.count))), e.load(fromByteOffset: 16, as: Int.self))
    }

    /// Whether the `n` bytes at `a` and `b` are equal, a word at a time.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        if n < 8 {
            for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            return true
        }
        var i = 0
        while n &- i > 8 {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        // The last word, overlapping the one before.
        return a.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }

    /// Remembers `bytes` for these code points of this table, the second time in a row its hash
    /// misses in its slot (lists seen once, as when a client shuffles its extensions on every
    /// connection, cost no allocation). A list whose slot holds one that was used since it was
    /// stored (or last spared) is not kept, and the other loses that mark: lists seen once do not
    /// push out the ones that recur.
    func store(_ hash: UInt64, _ table: UInt8, _ v: UnsafeBufferPointer<UInt16>, bytes: UnsafePointer<UInt8>, count n: Int) {
        guard let p = v.baseAddress, v.count <= NameListMemo.maxCodePoints, n <= NameListMemo.maxBytes else { return }
        let s = slot(hash)
        guard seen[s] == hash else { seen[s] = hash; return }
        seen[s] = 0
        if let old = slots[s], old.load(fromByteOffset: 10, as: UInt16.self) != 0 {
            old.storeBytes(of: 0, toByteOffset: 10, as: UInt16.self)
            return
        }
        let vs = NameListMemo.valuesSize(v.count)
        let e = UnsafeMutableRawPointer.allocate(byteCount: 24 &+ vs &+ n, alignment: 8)
        e.storeBytes(of: hash, as: UInt64.self)
        e.storeBytes(of: UInt16(table), toByteOffset: 8, as: UInt16.self)
        e.storeBytes(of: 0, toByteOffset: 10, as: UInt16.self)
        e.storeBytes(of: UInt32(truncatingIfNeeded: v.count), toByteOffset: 12, as: UInt32.self)
        e.storeBytes(of: n, toByteOffset: 16, as: Int.self)
        (e + 24).copyMemory(from: p, byteCount: v.count &* 2)
        (e + (24 &+ vs)).copyMemory(from: bytes, byteCount: n)
        slots[s]?.deallocate()
        slots[s] = e
    }
}

/// The JSON text of strings a line writes again and again (a verdict's summary, evidence and
/// inference: the diagnosis makes most of them once and shares them), remembered by the identity
/// of the String: its two words, which hold the text itself (small strings), or the address of
/// its storage (or of a literal's bytes) and its length and flags. Equal words mean equal text
/// while the memo holds the String it stored: the storage cannot be freed and its address reused,
/// nor changed (it is not uniquely referenced, so a write copies). A hit copies the escaped text
/// with its quotes instead of scanning the string for characters to escape.
///
/// Four-way set-associative, 64 sets of four entries of at most 1 KiB, so that the recurring
/// strings (about 70 in a capture of generated handshakes) stay wherever the heap put their
/// storage: a direct-mapped table let the ones that met in a slot push each other out in some
/// runs and not in others. A string is stored the second time its words miss in its set while
/// they are one of the set's last four misses, in an empty way or over an entry not used since it
/// was stored or last spared (as in `ShapeTable`), so strings made afresh for each line cost no
/// allocation; a hit moves nothing. One line uses it at a time.
final class StringMemo {
    static let ways = 4
    static let slotCount = 256
    static let setCount = slotCount / ways
    static let maxBytes = 1024

    private struct Entry {
        var k0: UInt64 = 0
        var k1: UInt64 = 0
        var text: UnsafeMutableRawPointer?
        var count = 0
        var used = false
    }
    /// `ways` per set.
    private let entries: UnsafeMutablePointer<Entry>
    /// `ways` per set: hashes of the words of the last strings that missed there and were not
    /// stored, the last first.
    private let seen: UnsafeMutablePointer<UInt64>
    /// The strings stored, kept alive (see above), beside their entries.
    private let strings: UnsafeMutablePointer<String?>

    init() {
        entries = .allocate(capacity: StringMemo.slotCount)
        entries.initialize(repeating: Entry(), count: StringMemo.slotCount)
        seen = .allocate(capacity: StringMemo.slotCount)
        seen.initialize(repeating: 0, count: StringMemo.slotCount)
        strings = .allocate(capacity: StringMemo.slotCount)
        strings.initialize(repeating: nil, count: StringMemo.slotCount)
    }

    deinit {
        for i in 0..<StringMemo.slotCount { entries[i].text?.deallocate() }
        entries.deallocate()
        seen.deallocate()
        strings.deinitialize(count: StringMemo.slotCount)
        strings.deallocate()
    }

    /// The two words of `s` (nil where a String is not two words).
    @inline(__always)
    static func words(_ s: String) -> (UInt64, UInt64)? {
        guard MemoryLayout<String>.size == 16 else { return nil }
        return unsafeBitCast(s, to: (UInt64, UInt64).self)
    }

    @inline(__always)
    static func hash(_ k0: UInt64, _ k1: UInt64) -> UInt64 {
        var h = (k0 ^ (k1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h &>> 32
        return h | 1  // never 0, the empty mark of `seen`
    }

    /// The set of a hash (its first way's index is `ways` times this).
    @inline(__always)
    static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> 20) & (setCount &- 1) }

    /// The text remembered for the string with these words (`slot` is their set).
    @inline(__always)
    func lookup(_ slot: Int, _ k0: UInt64, _ k1: UInt64) -> (UnsafeRawPointer, Int)? {
        let e = entries + slot &* StringMemo.ways
        if let t = e.pointee.text, e.pointee.k0 == k0, e.pointee.k1 == k1 {
            e.pointee.used = true
            return (UnsafeRawPointer(t), e.pointee.count)
        }
        return lookupLater(e, k0, k1)
    }

    /// The ways after the first (a call, not inlined into every writer of a shared string).
    @inline(never)
    private func lookupLater(_ e: UnsafeMutablePointer<Entry>, _ k0: UInt64, _ k1: UInt64) -> (UnsafeRawPointer, Int)? {
        for i in 1..<StringMemo.ways {
            if let t = e[i].text, e[i].k0 == k0, e[i].k1 == k1 {
                e[i].used = true
                return (UnsafeRawPointer(t), e[i].count)
            }
        }
        return nil
    }

    /// After a miss: remembers `s`'s text (`n` bytes at `text`) if its words are one of this
    /// set's last misses, in an empty way or else the last way not used since it was stored or
    /// spared (letting that one go). When every way was used, all of them are spared instead (they
    /// lose the mark), and the string waits for its next miss.
    func offer(_ slot: Int, _ hash: UInt64, _ k0: UInt64, _ k1: UInt64, _ s: String, text: UnsafePointer<UInt8>, count n: Int) {
        let w = slot &* StringMemo.ways
        let seen = self.seen + w
        guard let at = seen.recentMiss(hash, ways: StringMemo.ways) else { return }
        guard n <= StringMemo.maxBytes else { return }
        let e = entries + w
        // The first empty way (the first is the one a lookup tries inline), else the last not used.
        var victim = -1
        for i in 0..<StringMemo.ways {
            if e[i].text == nil { victim = i; break }
            if !e[i].used { victim = i }
        }
        guard victim >= 0 else {
            for i in 0..<StringMemo.ways { e[i].used = false }
            return
        }
        let t = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1), alignment: 16)
        t.copyMemory(from: text, byteCount: n)
        e[victim].text?.deallocate()
        e[victim] = Entry(k0: k0, k1: k1, text: t, count: n, used: false)
        strings[w &+ victim] = s
        seen[at] = 0
    }
}

extension UnsafeMutablePointer where Pointee == UInt64 {
    /// For a memo set's last misses (`ways` hashes here, the latest first): the place of `hash`
    /// among them, or nil after putting it first (the oldest let go). A memo keeps a value on its
    /// second miss, so that values seen once do not push out those seen again.
    @inline(__always)
    func recentMiss(_ hash: UInt64, ways: Int) -> Int? {
        for i in 0..<ways where self[i] == hash { return i }
        var j = ways &- 1
        while j > 0 { self[j] = self[j &- 1]; j &-= 1 }
        self[0] = hash
        return nil
    }
}
