#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TLSFingerprint

/// Memos for `TLSAdapter`'s pure functions, shared by every connection and every thread (batch
/// reads files in parallel).
///
/// A server sends the same certificate chain and ServerHello on every connection, and a client
/// the same hello but for its random, session id and key shares: reading a chain (X.509 parsing,
/// SHA-256 of each certificate), a hello, or computing JA3/JA4 (MD5, SHA-256) once per distinct
/// input instead of once per connection. Keys are compared whole, never by hash alone, so a hit
/// returns exactly what the function would return (see `HelloBody` for why the hello keys may
/// leave bytes out); the shared results are values whose storage is shared (copy-on-write boxes),
/// which also saves their memory per connection. Bounded: past the limits a memo starts over.
/// (A client that varies its hello on every connection, as Chrome does with its GREASE values and
/// extension order, misses `helloBodies` every time: its hellos are then parsed, but a shuffled
/// order still finds its shape in `hellos`, and only its extension list and JA3 are made anew.)
enum AdapterMemo {
    /// Certificate chains by the exact bytes of the Certificate message body (and its TLS 1.3 flag).
    /// (Hashed by 64 bytes of each end and the length: chains are kilobytes long, their first 64
    /// bytes hold the leaf's serial number, their last the end of the last certificate's
    /// signature. The whole chain is compared on a hit.)
    static let certificates = BytesMemo<[CertificateInfo]>(maxEntries: 512, maxBytes: 4 << 20, sampleBytes: 128)
    /// The shared part of a ClientHello's facts (lists, ALPN names, key share shape, JA3, JA4) by
    /// the bytes it is made of (`HelloKey`), the extension types taken as a set: a hello with them
    /// in another order gets a copy with its own order and JA3 (`TLSAdapter.reordered`).
    static let hellos = BytesMemo<TLSAdapter.HelloTemplate>(maxEntries: 2048, maxBytes: 2 << 20)
    /// All of a ClientHello's facts but the connection's own, by the hello's body without the
    /// bytes that differ from connection to connection (`HelloBody`): a hello seen before is not
    /// parsed again.
    static let helloBodies = BytesMemo<HelloBodyEntry>(maxEntries: 2048, maxBytes: 2 << 20)
    /// ServerHello facts by the ServerHello's body without the bytes that differ from connection
    /// to connection, and the record version (`ServerHelloBody`).
    static let serverHellos = BytesMemo<ServerHelloEntry>(maxEntries: 2048, maxBytes: 1 << 20)
    /// A hello's code point lists (suites, extensions, groups, …) by their bytes: one shared copy
    /// of each distinct list instead of one per connection (a connection keeps its facts until it
    /// is reported, and failures until the end of the capture).
    static let codeLists16 = BytesMemo<[UInt16]>(maxEntries: 4096, maxBytes: 1 << 20)
    static let codeLists8 = BytesMemo<[UInt8]>(maxEntries: 1024, maxBytes: 1 << 18)

    /// The `kind` (salt) of a ServerHello's extension type list in `codeLists16` (the ClientHello's
    /// lists use 1-9).
    static let serverExtensionsKind: UInt64 = 10

    /// `list.map(\.rawValue)`, shared with earlier equal lists. `kind` keeps lists of different
    /// registries apart.
    static func codes<C: RawRepresentable>(_ list: [C], kind: UInt64) -> [UInt16] where C.RawValue == UInt16 {
        guard MemoryLayout<C>.stride == 2, !list.isEmpty else { return list.map(\.rawValue) }
        return list.withUnsafeBytes { raw in codeLists16.value(for: raw, salt: kind) { list.map(\.rawValue) } }
    }

    static func codes<C: RawRepresentable>(_ list: [C], kind: UInt64) -> [UInt8] where C.RawValue == UInt8 {
        guard MemoryLayout<C>.stride == 1, !list.isEmpty else { return list.map(\.rawValue) }
        return list.withUnsafeBytes { raw in codeLists8.value(for: raw, salt: kind) { list.map(\.rawValue) } }
    }
}

/// A bounded map from byte strings to values, behind a lock. A lookup hashes the bytes in place
/// (long keys by their two ends: see `hash`) and compares them whole with the stored copy:
/// nothing is allocated on a hit. Open addressing over a power-of-two table of entry numbers.
final class BytesMemo<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        var hash: UInt64
        var salt: UInt64
        var key: [UInt8]
        var value: Value
    }
    struct State: Sendable {
        /// Entry number + 1 for each slot, 0 for an empty slot.
        var slots: [Int32]
        /// The quick index (`quickIndex`): entry number + 1 of the entry last found or kept at
        /// each quick slot, 0 for none. A hint only: a key is always compared whole.
        var quick: [Int32]
        /// The alike index: entry number + 1 for each slot a caller computes from what it looks up
        /// (`lookupAlike`), 0 for none. A hint only: the caller checks the entry.
        var alike: [Int32]
        var entries: [Entry] = []
        var bytes = 0
    }
    /// Quick slots (a power of two).
    static var quickSlots: Int { 256 }
    private let state: Mutex<State>
    private let maxEntries: Int
    private let maxBytes: Int
    private let mask: Int
    /// Keys longer than this are hashed by their two ends (see `hash`).
    private let sampleBytes: Int

    init(maxEntries: Int, maxBytes: Int, sampleBytes: Int = BytesMemo.sampleBytes) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = maxBytes
        self.sampleBytes = max(16, sampleBytes)
        // At most half full.
        var size = 4
        while size < 2 * self.maxEntries { size *= 2 }
        mask = size - 1
        state = Mutex(State(slots: [Int32](repeating: 0, count: size), quick: [Int32](repeating: 0, count: BytesMemo.quickSlots),
                                 alike: [Int32](repeating: 0, count: BytesMemo.quickSlots)))
    }

    func value(for key: UnsafeRawBufferPointer, salt: UInt64 = 0, _ make: () -> Value) -> Value {
        if let hit = find(key, salt: salt, { copy $0 }) { return hit }
        let v = make()
        insert(key, salt: salt, v)
        return v
    }

    /// The value kept for `key`, if any.
    func lookup(_ key: UnsafeRawBufferPointer, salt: UInt64 = 0) -> Value? {
        find(key, salt: salt) { copy $0 }
    }

    /// What `read` takes of the value kept for `key`, if any, read while the memo holds the value:
    /// a value that is an object, shared by every connection and thread, is then not retained and
    /// released just to be read (only what `read` returns is retained).
    /// With `alike` (a slot of the alike index, see `lookupAlike`, or -1), that slot then points
    /// at the entry found.
    @inline(__always)
    func lookup<R>(_ key: UnsafeRawBufferPointer, alike: Int = -1, _ read: (borrowing Value) -> R) -> R? {
        find(key, salt: 0, alike: alike, read)
    }

    /// What `read` takes of the entry at slot `slot` of the alike index (any number: it is
    /// masked), if `matches` says its value and key are what the caller looks for. For callers
    /// that can tell from their own bytes, without writing a key, whether an entry is theirs (a
    /// hello body compared in place with a kept key: `HelloBody.matches`); the slot is theirs to
    /// compute, and `lookup(_:alike:_:)` and `insert(_:alike:_:)` fill it.
    @inline(__always)
    func lookupAlike<R>(_ slot: Int, _ matches: (borrowing Value, UnsafeRawBufferPointer) -> Bool,
                        _ read: (borrowing Value) -> R) -> R? {
        let q = slot & (BytesMemo.quickSlots &- 1)
        return state.withLock { s -> R? in
            let n = Int(s.alike[q])
            guard n != 0 else { return nil }
            // The kept key's bytes lent to `matches` as they lie: the key is the memo's entry's,
            // not changed or let go of while the lock is held (for this whole closure), so it is
            // not retained and released around the call (an object every thread reads).
            let stored = s.entries[n &- 1].key.withUnsafeBytes { $0 }
            let same = matches(s.entries[n &- 1].value, stored)
            return same ? read(s.entries[n &- 1].value) : nil
        }
    }

    /// The probe: `read` of the value kept for `key` (with `salt`), under the lock. The quick
    /// index first: a key equal to the one last found or kept at its quick slot (most lookups: a
    /// client's hellos and a server's answers repeat) is found without its full hash, a few
    /// words read instead of every byte; otherwise the full hash and the open-addressing probe,
    /// which then points the quick slot at what it found.
    @inline(__always)
    private func find<R>(_ key: UnsafeRawBufferPointer, salt: UInt64, alike: Int = -1, _ read: (borrowing Value) -> R) -> R? {
        let mask = self.mask
        let a = alike & (BytesMemo.quickSlots &- 1)
        let sampleBytes = self.sampleBytes
        let q = BytesMemo.quickIndex(key, salt: salt)
        return state.withLock { s -> R? in
            // (Kept keys are compared as they lie, not retained and released around the
            // comparison: see `lookupAlike`.)
            let kept = Int(s.quick[q])
            if kept != 0, s.entries[kept &- 1].salt == salt {
                let same = BytesMemo.equal(s.entries[kept &- 1].key.withUnsafeBytes { $0 }, key)
                if same {
                    if alike >= 0 { s.alike[a] = Int32(truncatingIfNeeded: kept) }
                    return read(s.entries[kept &- 1].value)
                }
            }
            let h = BytesMemo.hash(key, sampleBytes: sampleBytes) ^ salt
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let n = Int(s.slots[i])
                if n == 0 { return nil }
                if s.entries[n &- 1].hash == h && s.entries[n &- 1].salt == salt {
                    let same = BytesMemo.equal(s.entries[n &- 1].key.withUnsafeBytes { $0 }, key)
                    if same {
                        s.quick[q] = Int32(truncatingIfNeeded: n)
                        if alike >= 0 { s.alike[a] = Int32(truncatingIfNeeded: n) }
                        return read(s.entries[n &- 1].value)
                    }
                }
                i = (i &+ 1) & mask
            }
        }
    }

    /// The quick slot of `key` with `salt`: its length and three words of it (its first, last and
    /// middle eight bytes; keys shorter than eight bytes in full), mixed. Keys that differ only
    /// elsewhere share a slot and take turns in it (each then found by the full probe).
    @inline(__always)
    static func quickIndex(_ key: UnsafeRawBufferPointer, salt: UInt64) -> Int {
        let n = key.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15 ^ salt
        if let p = key.baseAddress {
            if n >= 8 {
                h = rotl((h ^ p.loadUnaligned(as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD, 29)
                h = rotl((h ^ p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD, 29)
                h = (h ^ p.loadUnaligned(fromByteOffset: (n &- 8) >> 1, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
            } else {
                var i = 0
                while i < n {
                    h = (h ^ UInt64(p.load(fromByteOffset: i, as: UInt8.self))) &* 0xFF51_AFD7_ED55_8CCD
                    i &+= 1
                }
            }
        }
        return Int(truncatingIfNeeded: h >> 56) & (quickSlots &- 1)
    }

    /// Keeps `value` for `key` (a key kept already gets a second entry, never looked at).
    /// With `alike` (a slot of the alike index, or -1), that slot then points at the new entry.
    func insert(_ key: UnsafeRawBufferPointer, salt: UInt64 = 0, alike: Int = -1, _ v: Value) {
        let h = BytesMemo.hash(key, sampleBytes: sampleBytes) ^ salt
        let q = BytesMemo.quickIndex(key, salt: salt)
        let mask = self.mask
        let copy = [UInt8](key)
        state.withLock { s in
            if s.entries.count >= maxEntries || s.bytes &+ copy.count > maxBytes {
                for i in s.slots.indices { s.slots[i] = 0 }
                for i in s.quick.indices { s.quick[i] = 0 }
                for i in s.alike.indices { s.alike[i] = 0 }
                s.entries.removeAll(keepingCapacity: true)
                s.bytes = 0
            }
            var i = Int(truncatingIfNeeded: h) & mask
            while s.slots[i] != 0 { i = (i &+ 1) & mask }
            s.entries.append(Entry(hash: h, salt: salt, key: copy, value: v))
            s.slots[i] = Int32(truncatingIfNeeded: s.entries.count)
            s.quick[q] = Int32(truncatingIfNeeded: s.entries.count)
            if alike >= 0 { s.alike[alike & (BytesMemo.quickSlots &- 1)] = Int32(truncatingIfNeeded: s.entries.count) }
            s.bytes &+= copy.count
        }
    }

    /// Whether two byte strings are equal.
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        return memcmp(pa, pb, a.count) == 0
    }

    /// Keys longer than 1024 bytes are hashed by their first and last 512 bytes and their length
    /// (certificate chains are kilobytes long, and differ in their first bytes already: the
    /// leaf's serial number); the comparison is always of the whole key.
    static var sampleBytes: Int { 1024 }

    /// Multiply-rotate over eight bytes at a time in four lanes, then the murmur3 finalizer.
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        hash(b, sampleBytes: sampleBytes)
    }

    static func hash(_ b: UnsafeRawBufferPointer, sampleBytes: Int) -> UInt64 {
        let n = b.count
        let h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        guard let base = b.baseAddress else { return finalize(h) }
        if n > sampleBytes {
            let half = sampleBytes / 2
            return finalize(mix(mix(h, base, half), base + (n &- half), half))
        }
        return finalize(mix(h, base, n))
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 &- r)) }

    @inline(__always)
    static func mix(_ seed: UInt64, _ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        let k: UInt64 = 0xFF51_AFD7_ED55_8CCD
        var i = 0
        var h = seed
        if n >= 32 {
            var l0 = seed, l1 = seed ^ 0x2545_F491_4F6C_DD1D, l2 = seed &+ 0x9E37_79B9_7F4A_7C15, l3 = ~seed
            while i &+ 32 <= n {
                l0 = rotl((l0 ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k, 29)
                l1 = rotl((l1 ^ p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)) &* k, 29)
                l2 = rotl((l2 ^ p.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)) &* k, 29)
                l3 = rotl((l3 ^ p.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)) &* k, 29)
                i &+= 32
            }
            h = (l0 ^ rotl(l1, 16)) &* k
            h = (h ^ rotl(l2, 32)) &* k
            h = (h ^ rotl(l3, 48)) &* k
        }
        while i &+ 8 <= n {
            h = rotl((h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k, 29)
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift &+= 8
            i &+= 1
        }
        return (h ^ tail) &* k
    }

    @inline(__always)
    static func finalize(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

