import NetCore
import PacketDecode

/// The addresses and ports of a TCP connection in a canonical order, so that both directions of a
/// connection give the same key: side A is the lower (address, port) pair, compared as
/// (high word, low word, port). The IP version is part of the key (an IPv4 address and the IPv6
/// address with the same low word differ). The VLAN id is not: one connection seen on two VLANs
/// (a router on a stick) stays one connection.
///
/// The hash is computed once when the key is built (each address word and the ports times an odd
/// constant, the per-table seed mixed into the low address words, folded with a multiply and two
/// xor-shifts) and carried in the key, so that probing and `hash(into:)` feed one precomputed word.
struct FlowKey: Hashable {
    var aHigh: UInt64
    var aLow: UInt64
    var bHigh: UInt64
    var bLow: UInt64
    /// Side A's port (bits 16–31), side B's (bits 0–15) and the IP version (bit 32: IPv6), in the
    /// one word the hash takes them from, so that a comparison tests them at once.
    var portsAndVersion: UInt64
    var hash64: UInt64

    /// The addresses, ports and version; not `hash64`, a function of them (the index compares its
    /// low half before it compares keys at all). Two keys of the packed form (`make`) with the same
    /// `portsAndVersion` have their high words 0 both: those are compared only for the general form.
    @inline(__always)
    static func == (l: FlowKey, r: FlowKey) -> Bool {
        l.aLow == r.aLow && l.bLow == r.bLow && l.portsAndVersion == r.portsAndVersion
            && (l.portsAndVersion == packedV4 || (l.aHigh == r.aHigh && l.bHigh == r.bHigh))
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash64) }

    /// `portsAndVersion` of an IPv4 key made by the packed form of `make`: bit 33, which the general
    /// form never sets (its ports take bits 0–31 and the version bit 32), so that the two forms
    /// cannot give equal keys.
    static var packedV4: UInt64 { 1 << 33 }

    /// The key of a packet, and whether the packet's sender is side A.
    ///
    /// IPv4, as the decoder gives it (the high words 0, the address in the low 32 bits), takes a
    /// shorter road: each endpoint is one word, its address above its port, so that the order of
    /// the two endpoints is one comparison (the same order as the general form's: address, then
    /// port) and the hash takes two words. Its key holds the two words as `aLow` and `bLow`, the
    /// high words 0 and `portsAndVersion` = `packedV4`. Anything else (IPv6, or an IPv4 address
    /// with bits set where the decoder sets none) takes the general form.
    @inline(__always)
    static func make(_ p: DecodedPacket, seed: UInt64) -> (key: FlowKey, senderIsA: Bool) {
        let s = p.src, d = p.dst
        if !(s.isV6 || d.isV6) && (s.high | d.high | (s.low | d.low) >> 32) == 0 {
            // (Both addresses below 2^32: shifted by 16 they stay below 2^48, clear of the port.)
            let es = s.low << 16 | UInt64(p.srcPort), ed = d.low << 16 | UInt64(p.dstPort)
            let senderIsA = es <= ed
            let a = senderIsA ? es : ed, b = senderIsA ? ed : es
            // Each word times its own odd constant, the seed mixed into both, then folded so that
            // every input bit reaches the low 32 bits (the tag), as in the general form.
            var h = (a ^ seed) &* 0x9E37_79B9_7F4A_7C15
            h ^= (b ^ (seed >> 32 | seed << 32)) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= h >> 32
            h &*= 0xD6E8_FEB8_6659_FD93
            h ^= h >> 29
            return (FlowKey(aHigh: 0, aLow: a, bHigh: 0, bLow: b, portsAndVersion: packedV4, hash64: h), senderIsA)
        }
        let senderIsA: Bool
        if s.high != d.high {
            senderIsA = s.high < d.high
        } else if s.low != d.low {
            senderIsA = s.low < d.low
        } else {
            senderIsA = p.srcPort <= p.dstPort
        }
        let a = senderIsA ? s : d, b = senderIsA ? d : s
        let aPort = senderIsA ? p.srcPort : p.dstPort, bPort = senderIsA ? p.dstPort : p.srcPort
        let v6 = s.isV6 || d.isV6
        // Each word times its own odd constant (independent products), the seed mixed into both
        // address words, then folded so that every input bit reaches the low 32 bits (the tag).
        let ports = UInt64(aPort) << 16 | UInt64(bPort) | (v6 ? 1 << 32 : 0)
        var h = (a.low ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= (b.low ^ (seed >> 32 | seed << 32)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= (a.high &+ ports) &* 0x1656_67B1_9E37_79F9
        h ^= b.high &* 0x85EB_CA77_C2B2_AE63
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 29
        return (FlowKey(aHigh: a.high, aLow: a.low, bHigh: b.high, bLow: b.low,
                        portsAndVersion: ports, hash64: h), senderIsA)
    }
}

/// An open-addressing hash index from `FlowKey` to a connection slot: linear probing, load at most
/// one half (at one quarter, fewer buckets are looked at per lookup, but the larger table costs
/// about 1 MiB more peak memory on a 100 MB handshake capture), backward-shift deletion (no tombstones). Each entry is one word: the low 32 bits of
/// the key's hash (to find the entry's home bucket and to reject most mismatches without touching
/// the connection) above `slot + 1` (0 marks an empty bucket). Keys live in the connection slots.
///
/// A new entry takes its home bucket, and the entries from there to the run's first empty bucket
/// move one bucket on ("last come, first served"): each stays reachable (the buckets from its home
/// to its place are still all taken), and the newest connections, which get nearly all the packets
/// (the older ones mostly linger closed), are found in their home bucket. On the 100 MB handshake
/// capture that is 1.01 buckets looked at per lookup instead of about 1.8 when a new entry went to
/// the run's end, with the same table.
struct FlowIndex {
    private(set) var entries: UnsafeMutablePointer<UInt64>
    private(set) var mask: Int
    private(set) var count = 0

    /// 64 buckets to begin with (32 connections before the first growth): a batch makes a table
    /// per capture, and most captures hold a few connections.
    init(initialBuckets: Int = 64) {
        var n = 16
        while n < initialBuckets { n <<= 1 }
        entries = .allocate(capacity: n)
        entries.initialize(repeating: 0, count: n)
        mask = n - 1
    }

    func free() { entries.deallocate() }

    @inline(__always) static func tag(_ hash: UInt64) -> UInt64 { hash & 0xFFFF_FFFF }

    /// The slot holding `key`, or -1. `keyAt` reads the key stored in a slot.
    @inline(__always)
    func find(_ key: FlowKey, keyAt: (Int) -> FlowKey) -> Int {
        let tag = FlowIndex.tag(key.hash64)
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let e = entries[i]
            if e == 0 { return -1 }
            if e >> 32 == tag {
                let slot = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) - 1
                if keyAt(slot) == key { return slot }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds `slot` under `hash`. The key must not be present.
    mutating func insert(hash: UInt64, slot: Int) {
        if (count + 1) * 2 > mask + 1 { grow() }
        placeFirst(FlowIndex.tag(hash) << 32 | UInt64(slot + 1))
        count += 1
    }

    /// Puts `entry` in its home bucket, moving the entries after it in the run one bucket on.
    @inline(__always)
    private func placeFirst(_ entry: UInt64) {
        var i = Int(truncatingIfNeeded: entry >> 32) & mask
        var carried = entry
        while true {
            let e = entries[i]
            entries[i] = carried
            if e == 0 { return }
            carried = e
            i = (i &+ 1) & mask
        }
    }

    @inline(__always)
    private func place(_ entry: UInt64) {
        var i = Int(truncatingIfNeeded: entry >> 32) & mask
        while entries[i] != 0 { i = (i + 1) & mask }
        entries[i] = entry
    }

    private mutating func grow() {
        let oldEntries = entries, oldBuckets = mask + 1
        let n = oldBuckets * 2
        entries = .allocate(capacity: n)
        entries.initialize(repeating: 0, count: n)
        mask = n - 1
        for i in 0..<oldBuckets where oldEntries[i] != 0 { place(oldEntries[i]) }
        oldEntries.deallocate()
    }

    /// Removes the entry for `slot` (whose key hashes to `hash`), shifting later entries of the
    /// probe run back so that no lookup is cut short.
    mutating func remove(hash: UInt64, slot: Int) {
        let want = UInt64(slot + 1)
        var i = Int(truncatingIfNeeded: FlowIndex.tag(hash)) & mask
        while true {
            let e = entries[i]
            if e == 0 { return }  // not present (never happens for a tracked slot)
            if e & 0xFFFF_FFFF == want { break }
            i = (i + 1) & mask
        }
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            let e = entries[j]
            if e == 0 { break }
            let home = Int(truncatingIfNeeded: e >> 32) & mask
            // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if stays { continue }
            entries[hole] = e
            hole = j
        }
        entries[hole] = 0
        count -= 1
    }
}
