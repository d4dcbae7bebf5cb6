import Synchronization
import TLSFingerprint

/// Memos for `TLSAdapter`'s pure functions, shared by every connection and every thread (batch
/// reads files in parallel).
///
/// A server sends the same certificate chain on every connection, and clients of one make the same
/// hello lists: reading a chain (X.509 parsing, SHA-256 of each certificate) or computing JA3/JA4
/// (MD5, SHA-256, string building) once per distinct input instead of once per connection was
/// 40 % of the per-connection work on a handshake-heavy capture (docs/performance.md). Keys are
/// compared whole, never by hash alone, so a hit returns exactly what the function would return;
/// the shared results are value types whose storage is shared copy-on-write, which also saves
/// their memory per connection. Bounded: past the limits a memo starts over.
enum AdapterMemo {
    /// Certificate chains by the exact bytes of the Certificate message body (and its TLS 1.3 flag).
    static let certificates = BytesMemo<[CertificateInfo]>(maxEntries: 512, maxBytes: 4 << 20)
    /// The shared part of a ClientHello's facts (lists, ALPN names, key share shape, JA3, JA4) by
    /// the bytes it is made of (`HelloKey`).
    static let hellos = BytesMemo<ClientHelloInfo>(maxEntries: 2048, maxBytes: 2 << 20)
    /// A hello's code point lists (suites, extensions, groups, …) by their bytes: one shared copy
    /// of each distinct list instead of one per connection (a connection keeps its facts until it
    /// is reported, and failures until the end of the capture).
    static let codeLists16 = BytesMemo<[UInt16]>(maxEntries: 4096, maxBytes: 1 << 20)
    static let codeLists8 = BytesMemo<[UInt8]>(maxEntries: 1024, maxBytes: 1 << 18)

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
/// and compares them with the stored copy: nothing is allocated on a hit.
final class BytesMemo<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        var key: [UInt8]
        var value: Value
    }
    struct State: Sendable {
        var buckets: [UInt64: [Entry]] = [:]
        var entries = 0
        var bytes = 0
    }
    private let state = Mutex(State())
    private let maxEntries: Int
    private let maxBytes: Int

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func value(for key: UnsafeRawBufferPointer, salt: UInt64 = 0, _ make: () -> Value) -> Value {
        let h = BytesMemo.hash(key) ^ salt
        let hit: Value? = state.withLock { s in
            guard let list = s.buckets[h] else { return nil }
            for e in list where e.key.count == key.count {
                let same = e.key.withUnsafeBytes { stored in
                    key.count == 0 || memcmpEqual(stored.baseAddress!, key.baseAddress!, key.count)
                }
                if same { return e.value }
            }
            return nil
        }
        if let hit { return hit }
        let v = make()
        let copy = [UInt8](key)
        state.withLock { s in
            if s.entries >= maxEntries || s.bytes &+ copy.count > maxBytes {
                s.buckets.removeAll(keepingCapacity: true)
                s.entries = 0
                s.bytes = 0
            }
            s.buckets[h, default: []].append(Entry(key: copy, value: v))
            s.entries += 1
            s.bytes &+= copy.count
        }
        return v
    }

    /// 64-bit multiply-xorshift over eight bytes at a time, then the murmur3 finalizer.
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        var i = 0
        let n = b.count
        while i &+ 8 <= n {
            let w = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(b[i]) << shift
            shift &+= 8
            i &+= 1
        }
        h = (h ^ tail) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    var i = 0
    while i &+ 8 <= n {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i &+= 8
    }
    while i < n {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}
