/// A piece of a verdict's JSON remembered by the identity of the one String in it and a few tags:
/// the head (`,"outcome":` to `"evidence":[`: the outcome, category, summary and blame) by the
/// summary and the outcome's, category's and blame's bytes; the tail (`}],"hints":[],"inference":`
/// to the line's end, for verdicts without hints) by the inference (or none) and whether there was
/// evidence. The diagnosis gives the connections of one kind the very same texts. A String's
/// identity is its two words, as `StringMemo` compares them: equal words are the same text while
/// the memo holds the String it stored (it keeps it, `strings`): its storage can neither be freed
/// and reused nor changed.
///
/// Direct-mapped, `slotCount` slots of a key and up to `maxBytes` of text in one allocation made
/// with the memo (no allocation per store). A head is stored when its slot is empty or when it
/// missed there on the line before too (so one-off strings, as a failure's made for its
/// connection, do not push out the ones that recur). One line uses it at a time. Bounded: 64 ×
/// 512 bytes and 64 Strings.
final class VerdictTextMemo {
    static let slotCount = 64
    static let maxBytes = 480
    private struct Key: Equatable {
        var k0: UInt64
        var k1: UInt64
        var tags: UInt64
    }
    private struct Slot {
        var key: Key
        var count: Int  // 0: empty
    }
    private static var slotBytes: Int { (MemoryLayout<Slot>.stride &+ maxBytes &+ 15) & ~15 }
    private let slots: UnsafeMutableRawPointer
    private let strings: UnsafeMutablePointer<String?>
    /// Per slot, the hash of the last head that missed there and was not stored.
    private let seen: UnsafeMutablePointer<UInt64>
    /// Lookups that found their text (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    init() {
        slots = .allocate(byteCount: VerdictTextMemo.slotCount &* VerdictTextMemo.slotBytes, alignment: 16)
        // Each slot's key and count (0: empty); its text is written before it is read.
        for i in 0..<VerdictTextMemo.slotCount {
            (slots + i &* VerdictTextMemo.slotBytes).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Slot>.stride)
        }
        strings = .allocate(capacity: VerdictTextMemo.slotCount)
        strings.initialize(repeating: nil, count: VerdictTextMemo.slotCount)
        seen = .allocate(capacity: VerdictTextMemo.slotCount)
        seen.initialize(repeating: 0, count: VerdictTextMemo.slotCount)
    }

    deinit {
        slots.deallocate()
        strings.deinitialize(count: VerdictTextMemo.slotCount)
        strings.deallocate()
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
        let s = slots + VerdictTextMemo.index(hash) &* VerdictTextMemo.slotBytes
        let slot = s.load(as: Slot.self)
        guard slot.count > 0, slot.key == Key(k0: k0, k1: k1, tags: tags) else { return nil }
        hits &+= 1
        return (UnsafeRawPointer(s + MemoryLayout<Slot>.stride), slot.count)
    }

    /// After a miss: remembers `n` bytes at `text` for `string` (whose words are `k0`, `k1`) and
    /// these tags, in an empty slot or in place of what is there when it missed there on the line before.
    func offer(_ k0: UInt64, _ k1: UInt64, _ tags: UInt64, _ hash: UInt64, string: String?, text: UnsafePointer<UInt8>, count n: Int) {
        guard n > 0 && n <= VerdictTextMemo.maxBytes else { return }
        let i = VerdictTextMemo.index(hash)
        let s = slots + i &* VerdictTextMemo.slotBytes
        guard s.load(as: Slot.self).count == 0 || seen[i] == hash else {
            seen[i] = hash
            return
        }
        seen[i] = 0
        s.storeBytes(of: Slot(key: Key(k0: k0, k1: k1, tags: tags), count: n), as: Slot.self)
        (s + MemoryLayout<Slot>.stride).copyMemory(from: text, byteCount: n)
        strings[i] = string
    }
}
