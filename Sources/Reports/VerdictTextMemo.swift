/// A piece of a verdict's JSON remembered by the identity of the one String in it and a few tags:
/// the head (`,"outcome":` to `"evidence":[`: the outcome, category, summary and blame) by the
/// summary and the outcome's, category's and blame's bytes; the tail (`}],"hints":[],"inference":`
/// to the line's end, for verdicts without hints) by the inference (or none) and whether there was
/// evidence. The diagnosis gives the connections of one kind the very same texts. A String's
/// identity is its two words, as `StringMemo` compares them: equal words are the same text while
/// the memo holds the String it stored (it keeps it, `strings`): its storage can neither be freed
/// and reused nor changed.
///
/// A failure's tail, which has hints, is remembered (in a memo of its own, made with room for
/// longer texts) by the identity of its hint list instead, when it has no inference: the list is
/// kept as the String is (`lists`), so its storage can neither be freed and reused nor changed
/// (a list shared with the memo is copied before it is changed). The diagnosis gives the failures
/// of one kind the very same list (`VerdictTexts`' remembered hints).
///
/// Direct-mapped, `slotCount` slots of a key and up to `maxBytes` of text in one allocation made
/// with the memo (no allocation per store). A head is stored when its slot is empty or when it
/// missed there on the line before too (so one-off strings, as a failure's made for its
/// connection, do not push out the ones that recur). One line uses it at a time. Bounded: 64 ×
/// (`maxBytes` + 32) bytes, 64 Strings and 64 lists.
final class VerdictTextMemo {
    static let slotCount = 64
    /// The longest text remembered: 480 bytes, unless made with another bound.
    let maxBytes: Int
    private struct Key: Equatable {
        var k0: UInt64
        var k1: UInt64
        var tags: UInt64
    }
    private struct Slot {
        var key: Key
        var count: Int  // 0: empty
    }
    private let slotBytes: Int
    private let slots: UnsafeMutableRawPointer
    private let strings: UnsafeMutablePointer<String?>
    /// The hint lists of the texts remembered by a list's identity (`offer(list:)`).
    private let lists: UnsafeMutablePointer<[String]?>
    /// Per slot, the hash of the last head that missed there and was not stored.
    private let seen: UnsafeMutablePointer<UInt64>
    /// Lookups that found their text (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    init(maxBytes: Int = 480) {
        self.maxBytes = maxBytes
        slotBytes = (MemoryLayout<Slot>.stride &+ maxBytes &+ 15) & ~15
        slots = .allocate(byteCount: VerdictTextMemo.slotCount &* slotBytes, alignment: 16)
        // Each slot's key and count (0: empty); its text is written before it is read.
        for i in 0..<VerdictTextMemo.slotCount {
            (slots + i &* slotBytes).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Slot>.stride)
        }
        strings = .allocate(capacity: VerdictTextMemo.slotCount)
        strings.initialize(repeating: nil, count: VerdictTextMemo.slotCount)
        lists = .allocate(capacity: VerdictTextMemo.slotCount)
        lists.initialize(repeating: nil, count: VerdictTextMemo.slotCount)
        seen = .allocate(capacity: VerdictTextMemo.slotCount)
        seen.initialize(repeating: 0, count: VerdictTextMemo.slotCount)
    }

    deinit {
        slots.deallocate()
        strings.deinitialize(count: VerdictTextMemo.slotCount)
        strings.deallocate()
        lists.deinitialize(count: VerdictTextMemo.slotCount)
        lists.deallocate()
        seen.deallocate()
    }

    /// The tags of a head: the outcome's, category's and blame's bytes (nil when a type is not one
    /// byte: then heads are written, not remembered).
    @inline(__always)
    static func tags<O, C, B>(_ outcome: O, _ category: C, _ blame: B) -> UInt64? {
        guard MemoryLayout<O>.size == 1, MemoryLayout<C>.size == 1, MemoryLayout<B>.size == 1 else { return nil }
        return UInt64(unsafeBitCast(outcome, to: UInt8.self)) | UInt64(unsafeBitCast(category, to: UInt8.self)) &<< 8
            | UInt64(unsafeBitCast(blame, to: UInt8.self)) &<< 16
    }

    @inline(__always)
    static func hash(_ k0: UInt64, _ k1: UInt64, _ tags: UInt64) -> UInt64 {
        var h = (k0 ^ (k1 &* 0x9E37_79B9_7F4A_7C15) ^ (tags &* 0xC4CE_B9FE_1A85_EC53)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h &>> 32
        return h | 1  // never 0, the empty mark of `seen`
    }

    @inline(__always)
    private static func index(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> 20) & (slotCount &- 1) }

    /// The text remembered for the String with words `k0`, `k1` (or 0, 0 for none) and these tags.
    @inline(__always)
    func lookup(_ k0: UInt64, _ k1: UInt64, _ tags: UInt64, _ hash: UInt64) -> (UnsafeRawPointer, Int)? {
        let s = slots + VerdictTextMemo.index(hash) &* slotBytes
        let slot = s.load(as: Slot.self)
        guard slot.count > 0, slot.key == Key(k0: k0, k1: k1, tags: tags) else { return nil }
        hits &+= 1
        return (UnsafeRawPointer(s + MemoryLayout<Slot>.stride), slot.count)
    }

    /// After a miss: remembers `n` bytes at `text` for `string` (whose words are `k0`, `k1`) and
    /// these tags, in an empty slot or in place of what is there when it missed there on the line before.
    func offer(_ k0: UInt64, _ k1: UInt64, _ tags: UInt64, _ hash: UInt64, string: String?, text: UnsafePointer<UInt8>, count n: Int) {
        guard let i = store(k0, k1, tags, hash, text: text, count: n) else { return }
        strings[i] = string
        lists[i] = nil
    }

    /// `offer` for a text remembered by the identity of the hint list `list` (its one word is
    /// `k0`; `k1` 0): the list is kept while its text is.
    func offer(_ k0: UInt64, _ tags: UInt64, _ hash: UInt64, list: [String], text: UnsafePointer<UInt8>, count n: Int) {
        guard let i = store(k0, 0, tags, hash, text: text, count: n) else { return }
        strings[i] = nil
        lists[i] = list
    }

    /// Stores the key and text in the slot of `hash` when the rule allows; returns the slot.
    private func store(_ k0: UInt64, _ k1: UInt64, _ tags: UInt64, _ hash: UInt64, text: UnsafePointer<UInt8>, count n: Int) -> Int? {
        guard n > 0 && n <= maxBytes else { return nil }
        let i = VerdictTextMemo.index(hash)
        let s = slots + i &* slotBytes
        guard s.load(as: Slot.self).count == 0 || seen[i] == hash else {
            seen[i] = hash
            return nil
        }
        seen[i] = 0
        s.storeBytes(of: Slot(key: Key(k0: k0, k1: k1, tags: tags), count: n), as: Slot.self)
        (s + MemoryLayout<Slot>.stride).copyMemory(from: text, byteCount: n)
        return i
    }

    /// The one word of a hint list (its storage's identity), nil when a list is not one word.
    @inline(__always)
    static func identity(_ list: [String]) -> UInt64? {
        guard MemoryLayout<[String]>.size == 8 else { return nil }
        return unsafeBitCast(list, to: UInt64.self)
    }
}
