import FlowTrack

/// The counts a line writes from `,"packets":` to the end of its `"tcp"` object (packets and
/// payload bytes each way, whether a SYN was seen, established, refused, the end, and each
/// side's stream bytes, retransmitted, conflicting and truncated segments), packed into nine
/// words: the connections of one kind (a client and a server doing the same thing) have the same
/// counts, so `TrafficMemo` remembers the text written for them. Only for connections without
/// gaps (their offsets and lengths are not in the key) and with small segment counts (packed).
struct TrafficKey: Equatable {
    var packets: (UInt64, UInt64)
    var bytes: (UInt64, UInt64)
    var stream: (UInt64, UInt64)
    /// Each side's retransmitted, conflicting and truncated segments, 21 bits each.
    var segments: (UInt64, UInt64)
    /// SYN seen (1), established (2), refused (4); the end's byte from bit 8.
    var flags: UInt64

    /// The key of `c`'s counts, or nil when they cannot be packed (gaps, huge segment counts, an
    /// end reason that is not one byte).
    @inline(__always)
    init?(_ c: ConnectionFacts) {
        guard MemoryLayout<EndReason?>.size == 1, c.clientSide.gaps.isEmpty, c.serverSide.gaps.isEmpty,
              let client = TrafficKey.segments(c.clientSide), let server = TrafficKey.segments(c.serverSide)
        else { return nil }
        packets = (c.clientSide.packets, c.serverSide.packets)
        bytes = (c.clientSide.payloadBytes, c.serverSide.payloadBytes)
        stream = (c.clientSide.streamBytes, c.serverSide.streamBytes)
        segments = (client, server)
        let end = UInt64(unsafeBitCast(c.endReason, to: UInt8.self))
        flags = (c.clientSide.firstSyn != nil ? 1 : 0) | (c.established ? 2 : 0) | (c.refused ? 4 : 0) | end &<< 8
    }

    @inline(__always)
    static func segments(_ s: SideFacts) -> UInt64? {
        let limit: UInt64 = 1 << 21
        guard s.retransmittedSegments < limit, s.conflictingOverlaps < limit, s.truncatedSegments < limit else { return nil }
        return s.retransmittedSegments | s.conflictingOverlaps &<< 21 | s.truncatedSegments &<< 42
    }

    static func == (a: TrafficKey, b: TrafficKey) -> Bool {
        a.packets.0 == b.packets.0 && a.packets.1 == b.packets.1 && a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1
            && a.stream.0 == b.stream.0 && a.stream.1 == b.stream.1 && a.segments.0 == b.segments.0
            && a.segments.1 == b.segments.1 && a.flags == b.flags
    }

    /// From the counts that tell connections apart most (the key is compared whole: a collision
    /// only costs a miss), a multiply each; the slot is taken from the top bits.
    @inline(__always)
    var hash: UInt64 {
        (bytes.0 &* 0x9E37_79B9_7F4A_7C15) ^ (bytes.1 &* 0xC4CE_B9FE_1A85_EC53)
            ^ ((packets.0 | packets.1 &<< 32 | flags &<< 48) &* 0xFF51_AFD7_ED55_8CCD)
    }
}

/// The text of the counts part of a line (`TrafficKey`), remembered by the counts: a direct-mapped
/// table of `slotCount` slots, each a key and up to `maxBytes` of text, in one allocation made
/// with the memo (no allocation per store). A miss writes the counts and puts them in their slot
/// (a key seen once costs a copy of a few hundred bytes, not an allocation). One line uses it at a
/// time. Bounded: 128 × 512 bytes.
final class TrafficMemo {
    static let slotCount = 128  // (`slot` takes 7 bits of the hash)
    /// The text of a slot: the counts' text of an ordinary connection is about 330 bytes; longer
    /// ones (huge counts) are written and not kept.
    static let maxBytes = 448
    private struct Slot {
        var key: TrafficKey
        var count: Int
    }
    private static var slotBytes: Int { (MemoryLayout<Slot>.stride &+ maxBytes &+ 15) & ~15 }
    private let slots: UnsafeMutableRawPointer
    /// Lookups that found their text (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    init() {
        slots = .allocate(byteCount: TrafficMemo.slotCount &* TrafficMemo.slotBytes, alignment: 16)
        // Each slot's key and count (0: empty); its text is written before it is read.
        for i in 0..<TrafficMemo.slotCount {
            (slots + i &* TrafficMemo.slotBytes).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Slot>.stride)
        }
    }

    deinit { slots.deallocate() }

    @inline(__always)
    private func slot(_ hash: UInt64) -> UnsafeMutableRawPointer {
        slots + Int(truncatingIfNeeded: hash &>> 57) &* TrafficMemo.slotBytes  // (128 slots: 7 bits)
    }

    /// The text remembered for `key`.
    @inline(__always)
    func lookup(_ key: TrafficKey, _ hash: UInt64) -> (UnsafeRawPointer, Int)? {
        let s = slot(hash)
        let entry = s.load(as: Slot.self)
        guard entry.count > 0, entry.key == key else { return nil }
        hits &+= 1
        return (UnsafeRawPointer(s + MemoryLayout<Slot>.stride), entry.count)
    }

    /// Remembers `n` bytes at `text` for `key` in its slot (in place of what was there), when
    /// they fit.
    func store(_ key: TrafficKey, _ hash: UInt64, text: UnsafePointer<UInt8>, count n: Int) {
        guard n > 0 && n <= TrafficMemo.maxBytes else { return }
        let s = slot(hash)
        s.storeBytes(of: Slot(key: key, count: n), as: Slot.self)
        (s + MemoryLayout<Slot>.stride).copyMemory(from: text, byteCount: n)
    }
}
