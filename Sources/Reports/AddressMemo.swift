import NetCore

/// The text of IP addresses (`a.b.c.d`, `[v6]`, as `JSONCursor.address` writes them), remembered by
/// the address: a capture's connections come from and go to a few addresses again and again.
/// Direct-mapped, `slotCount` slots of 80 bytes (the address's two words, a tag, the text's length
/// and up to 48 bytes of text) in one allocation made with the memo; a miss writes the address and
/// puts its text in its slot. One line uses it at a time. Bounded: 64 × 80 bytes.
final class AddressMemo {
    static let slotCount = 64
    static let slotBytes = 80
    private let slots: UnsafeMutableRawPointer
    /// Addresses written from the memo (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    init() {
        let n = AddressMemo.slotCount &* AddressMemo.slotBytes
        slots = .allocate(byteCount: n, alignment: 16)
        // All of it (tag 0: empty): a hit reads its text area in whole words.
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: n)
    }

    deinit { slots.deallocate() }

    /// `a`'s text at `p` (at most 41 bytes, 48 stored: the caller has room for them); the position
    /// after the text.
    @inline(__always)
    func write(_ a: IPAddress, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let tag: UInt64 = a.isV6 ? 3 : 1
        var h = (a.low ^ (a.high &* 0x9E37_79B9_7F4A_7C15)) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h &>> 29
        let s = slots + (Int(truncatingIfNeeded: h &>> 20) & (AddressMemo.slotCount &- 1)) &* AddressMemo.slotBytes
        if s.load(fromByteOffset: 16, as: UInt64.self) == tag && s.load(as: UInt64.self) == a.high
            && s.load(fromByteOffset: 8, as: UInt64.self) == a.low {
            let n = s.load(fromByteOffset: 24, as: Int.self)
            hits &+= 1
            let d = UnsafeMutableRawPointer(p)
            d.storeBytes(of: s.load(fromByteOffset: 32, as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            if n > 16 {
                d.storeBytes(of: s.load(fromByteOffset: 48, as: SIMD16<UInt8>.self), toByteOffset: 16, as: SIMD16<UInt8>.self)
                d.storeBytes(of: s.load(fromByteOffset: 64, as: SIMD16<UInt8>.self), toByteOffset: 32, as: SIMD16<UInt8>.self)
            }
            return p + n
        }
        return miss(a, tag, s, at: p)
    }

    @inline(never)
    private func miss(_ a: IPAddress, _ tag: UInt64, _ s: UnsafeMutableRawPointer, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var c = JSONCursor(p: p)
        c.address(a)
        let n = c.p - p
        guard n <= 48 else { return c.p }
        s.storeBytes(of: a.high, as: UInt64.self)
        s.storeBytes(of: a.low, toByteOffset: 8, as: UInt64.self)
        s.storeBytes(of: tag, toByteOffset: 16, as: UInt64.self)
        s.storeBytes(of: n, toByteOffset: 24, as: Int.self)
        (s + 32).copyMemory(from: p, byteCount: n)
        return c.p
    }
}
