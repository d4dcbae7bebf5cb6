#if canImport(Glibc)
import Glibc
#endif
import TLSWire

/// Whether the `count` bytes at `a` and at `b` are equal: up to 16 compared by loads in place
/// (two overlapping words of the size that fits), longer ones by `memcmp`. The pieces the body
/// matchers compare are mostly a few bytes long (a version, a length byte), where a call to
/// `memcmp` costs more than the comparison.
@inline(__always)
func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    if count > 16 { return memcmp(a, b, count) == 0 }
    if count >= 8 {
        return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
            && a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
    }
    if count >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
    }
    if count >= 2 {
        return a.loadUnaligned(as: UInt16.self) == b.loadUnaligned(as: UInt16.self)
            && a.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self) == b.loadUnaligned(fromByteOffset: count &- 2, as: UInt16.self)
    }
    return count <= 0 || a.load(as: UInt8.self) == b.load(as: UInt8.self)
}

/// A ClientHello body with the bytes that differ from connection to connection of one client
/// taken out: what `AdapterMemo.helloBodies` is keyed by, so that a hello seen before (from the
/// same client software to the same server name) is not parsed again.
///
/// Taken out are bytes the parser (`ClientHello(parsing:)`) only ever skips, never interprets:
///
///     struct {
///         ProtocolVersion legacy_version;
///         Random random;                            <- the 32 bytes
///         opaque legacy_session_id<0..32>;          <- its bytes (the length byte stays)
///         CipherSuite cipher_suites<2..2^16-2>;
///         opaque legacy_compression_methods<1..2^8-1>;
///         Extension extensions<8..2^16-1>;
///     } ClientHello;
///
///     key_share (51, and 40 of the TLS 1.3 drafts):
///         struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;   <- key_exchange's bytes
///     pre_shared_key (41):
///         struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;  <- both
///         struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; }  <- binders' bytes
///
/// Every length field stays. Where they sit is found by walking the same framing the parser
/// walks, reading only bytes that stay: so two bodies with equal keys have equal bytes except
/// inside those fields, whose lengths are equal too, and parse to the same facts except the
/// session id's bytes (which are read from each body). Where the framing is not what a
/// well-formed hello has, there is no key (`write` answers nil) and the hello is parsed.
enum HelloBody {
    /// The key is at most the body's length.
    static func capacity(_ b: UnsafeRawBufferPointer) -> Int { b.count }
    /// Longer bodies are not looked up (parsed instead).
    static let maxBytes = 16 * 1024

    /// Writes the key of `b` into `out` (at least `b.count` bytes); its length, or nil.
    static func write(_ b: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var none = NoGaps()
        return write(b, into: out, gaps: &none)
    }

    /// The ranges of `b` that `write` leaves out of its key, as (start, end) pairs in order; nil
    /// when `write` gives no key.
    static func gaps(_ b: UnsafeRawBufferPointer) -> [Int32]? {
        var list = GapList()
        let used = withUnsafeTemporaryAllocation(byteCount: max(capacity(b), 1), alignment: 8) { buf in
            write(b, into: buf, gaps: &list)
        }
        return used == nil ? nil : list.pairs
    }

    /// Where `write` leaves bytes out (the generic parameter is specialised away: `NoGaps` costs nothing).
    protocol GapRecorder {
        mutating func gap(_ from: Int, _ to: Int)
    }
    struct NoGaps: GapRecorder {
        @inline(__always) mutating func gap(_ from: Int, _ to: Int) {}
    }
    struct GapList: GapRecorder {
        var pairs: [Int32] = []
        mutating func gap(_ from: Int, _ to: Int) {
            pairs.append(Int32(truncatingIfNeeded: from))
            pairs.append(Int32(truncatingIfNeeded: to))
        }
    }

    @inline(__always)
    static func write<G: GapRecorder>(_ b: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, gaps: inout G) -> Int? {
        let n = b.count
        guard n >= 35, let src = b.baseAddress, let dst = out.baseAddress, out.count >= n else { return nil }
        var w = 0
        /// The end of what was copied or left out so far (the copies go forward).
        var end = 0
        /// Copies b[from..<to] to the key (what lies between the last copy and `from` is left out).
        func copy(_ from: Int, _ to: Int) {
            if from > end { gaps.gap(end, from) }
            end = to
            let len = to &- from
            if len > 0 {
                (dst + w).copyMemory(from: src + from, byteCount: len)
                w &+= len
            }
        }
        // legacy_version, then the session id's length byte (the random is left out).
        copy(0, 2)
        let sidLength = Int(b[34])
        guard sidLength <= 32, 35 &+ sidLength <= n else { return nil }
        copy(34, 35)
        var kept = 35 &+ sidLength                // the next byte not yet copied or left out
        // cipher_suites, legacy_compression_methods.
        var p = kept
        guard n &- p >= 2 else { return nil }
        let suites = Int(b.load16(p))
        p &+= 2
        guard suites <= n &- p else { return nil }
        p &+= suites
        guard n &- p >= 1 else { return nil }
        let methods = Int(b[p])
        p &+= 1
        guard methods <= n &- p else { return nil }
        p &+= methods
        if p < n {
            // Extension extensions<..>, and whatever follows it (copied as it is).
            guard n &- p >= 2 else { return nil }
            let length = Int(b.load16(p))
            p &+= 2
            guard length <= n &- p else { return nil }
            let end = p &+ length
            while p < end {
                guard end &- p >= 4 else { return nil }
                let type = b.load16(p)
                let dataLength = Int(b.load16(p &+ 2))
                let data = p &+ 4
                guard dataLength <= end &- data else { return nil }
                let dataEnd = data &+ dataLength
                switch type {
                case 51, 40:
                    // KeyShareEntry client_shares<0..2^16-1>, filling the extension exactly.
                    guard dataLength >= 2, Int(b.load16(data)) == dataLength &- 2 else { return nil }
                    var q = data &+ 2
                    while q < dataEnd {
                        guard dataEnd &- q >= 4 else { return nil }
                        let keyLength = Int(b.load16(q &+ 2))
                        let key = q &+ 4
                        guard keyLength <= dataEnd &- key else { return nil }
                        copy(kept, key)
                        kept = key &+ keyLength
                        q = kept
                    }
                case 41:
                    // PskIdentity identities<..>; PskBinderEntry binders<..>; filling the extension.
                    guard dataLength >= 2 else { return nil }
                    let idsLength = Int(b.load16(data))
                    let idsEnd = data &+ 2 &+ idsLength
                    guard idsLength <= dataEnd &- data &- 2 else { return nil }
                    var q = data &+ 2
                    while q < idsEnd {
                        guard idsEnd &- q >= 2 else { return nil }
                        let idLength = Int(b.load16(q))
                        let id = q &+ 2
                        guard idLength <= idsEnd &- id, idsEnd &- id &- idLength >= 4 else { return nil }
                        copy(kept, id)
                        kept = id &+ idLength &+ 4  // the identity and its obfuscated_ticket_age
                        q = kept
                    }
                    guard dataEnd &- idsEnd >= 2 else { return nil }
                    let bindersLength = Int(b.load16(idsEnd))
                    guard bindersLength == dataEnd &- idsEnd &- 2 else { return nil }
                    copy(kept, idsEnd &+ 2)
                    kept = dataEnd
                default:
                    break
                }
                p = dataEnd
            }
        }
        copy(kept, n)
        return w
    }

    /// Whether `b` has the key `key`, given the ranges `gaps` that `write` left out of a body of
    /// `length` bytes with that key: compared in place, range by range, with no key written. Sound
    /// because `write` finds where it leaves bytes out by reading only bytes it keeps: a body of
    /// the same length with the same bytes outside those ranges is walked the same way, leaves out
    /// the same ranges, and so has the same key. (Every range is checked against both lengths.)
    static func matches(_ b: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, gaps: [Int32], length: Int) -> Bool {
        let n = b.count
        guard n == length, let src = b.baseAddress, let k = key.baseAddress else { return false }
        let keyCount = key.count
        return gaps.withUnsafeBufferPointer { g -> Bool in
            var bp = 0, kp = 0, i = 0
            while i &+ 1 < g.count {
                let from = Int(g[i]), to = Int(g[i &+ 1])
                guard from >= bp, to >= from, to <= n else { return false }
                let l = from &- bp
                guard l <= keyCount &- kp else { return false }
                if l > 0 && !sameBytes(src + bp, k + kp, l) { return false }
                kp &+= l
                bp = to
                i &+= 2
            }
            let l = n &- bp
            guard l == keyCount &- kp else { return false }
            return l == 0 || sameBytes(src + bp, k + kp, l)
        }
    }

    /// The slot in `AdapterMemo.helloBodies`' alike index of a body (`BytesMemo.lookupAlike`):
    /// from bytes every hello of one client shape has in the same place (the length, the
    /// legacy version, the session id's length, the first 16 bytes after the session id); nil for
    /// a body too short to have them.
    @inline(__always)  // (a few loads and multiplies: no call for them)
    static func alikeIndex(_ b: UnsafeRawBufferPointer) -> Int? {
        let n = b.count
        guard n >= 35, let p = b.baseAddress else { return nil }
        let sid = Int(b[34])
        let c = 35 &+ sid
        guard c <= n &- 16 else { return nil }
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.load16(0)) << 32 ^ UInt64(sid) << 48
        h = BytesMemo<HelloBodyEntry>.rotl((h ^ p.loadUnaligned(fromByteOffset: c, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD, 29)
        h = (h ^ p.loadUnaligned(fromByteOffset: c &+ 8, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h >> 56) & (BytesMemo<HelloBodyEntry>.quickSlots &- 1)
    }

    /// The session id's bytes of a body `write` gave a key for.
    static func sessionID(_ b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let length = Int(b[34])
        return UnsafeRawBufferPointer(rebasing: b[35 ..< 35 &+ length])
    }
}

/// What `AdapterMemo.serverHellos` keeps for a ServerHello body: the shared facts, and the
/// body's length and key share gap (`ServerHelloBody.keyShareGap`) for finding a body alike in
/// place; `inPlace` false when the gap is not known (never matched in place).
struct ServerHelloEntry: Sendable {
    let box: HandshakeFacts.ServerHelloBox
    let bodyLength: Int
    let keyShareGap: Range<Int>
    let inPlace: Bool
}

/// What `AdapterMemo.helloBodies` keeps for a hello body: all of the hello's facts but the
/// connection's own session id, sizes and segments.
/// (An object: a lookup hands out one reference, not a copy of each field.)
final class HelloBodyEntry: Sendable {
    let shared: ClientHelloInfo.SharedBox
    let sni: String?
    let pskIdentities: Int?
    let hasEarlyData: Bool
    let echOuter: Bool
    /// `TLSAdapter.extensionProblem` of the hello.
    let extensionProblem: String?
    /// The body's length and the ranges its key leaves out (`HelloBody.gaps`), for finding a body
    /// alike in place (`HelloBody.matches`); empty when not known (never looked up in place).
    let bodyLength: Int
    let gaps: [Int32]

    init(shared: ClientHelloInfo.SharedBox, sni: String?, pskIdentities: Int?, hasEarlyData: Bool, echOuter: Bool,
         extensionProblem: String?, bodyLength: Int = -1, gaps: [Int32] = []) {
        self.bodyLength = bodyLength
        self.gaps = gaps
        self.shared = shared
        self.sni = sni
        self.pskIdentities = pskIdentities
        self.hasEarlyData = hasEarlyData
        self.echOuter = echOuter
        self.extensionProblem = extensionProblem
    }
}

/// The same for a ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3), with the record version the
/// observer adds, so that the whole ServerHelloInfo can be kept:
///
///     struct {
///         ProtocolVersion legacy_version;
///         Random random;                            <- its bytes (whether the last 8 are a
///                                                      downgrade sentinel is a byte of the key;
///                                                      whether the random is the HelloRetryRequest
///                                                      one is a flag byte)
///         opaque legacy_session_id_echo<0..32>;     <- its bytes
///         CipherSuite cipher_suite;
///         uint8 legacy_compression_method;
///         Extension extensions<6..2^16-1>;
///     } ServerHello;
///
///     key_share (51, 40), not in a HelloRetryRequest:
///         struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;   <- key_exchange's bytes
///
/// The layout of the TLS 1.3 drafts (legacy_version 7f xx: no session id) has no key.
enum ServerHelloBody {
    static func capacity(_ b: UnsafeRawBufferPointer) -> Int { b.count &+ 3 }
    static let maxBytes = 16 * 1024

    /// Writes the key of `b` (with `recordVersion`) into `out` (at least `capacity` bytes); its
    /// length, or nil.
    static func write(_ b: UnsafeRawBufferPointer, recordVersion: UInt16, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let dst = out.baseAddress, out.count >= b.count &+ 3 else { return nil }
        var sink = CopySink(dst: dst)
        guard walk(b, recordVersion: recordVersion, &sink) else { return nil }
        return sink.w
    }

    /// Whether the body at `src` (38 bytes at least) is a HelloRetryRequest: its random is the
    /// special value RFC 8446, 4.1.3 gives.
    @inline(__always)
    static func isRetryRequest(_ src: UnsafeRawPointer) -> Bool {
        src.loadUnaligned(fromByteOffset: 2, as: UInt64.self) == UInt64(0xCF21_AD74_E59A_6111).bigEndian
            && src.loadUnaligned(fromByteOffset: 10, as: UInt64.self) == UInt64(0xBE1D_8C02_1E65_B891).bigEndian
            && src.loadUnaligned(fromByteOffset: 18, as: UInt64.self) == UInt64(0xC2A2_1116_7ABB_8C5E).bigEndian
            && src.loadUnaligned(fromByteOffset: 26, as: UInt64.self) == UInt64(0x079E_09E2_C8A8_339C).bigEndian
    }

    /// Whether the key's first 7 bytes are the head `write` gives for the body at `src` (38 bytes at
    /// least) with `recordVersion`: the record version (memory order), the HelloRetryRequest flag
    /// (`hrr`), the legacy version, the downgrade sentinel and the session id's length.
    @inline(__always)
    static func headMatches(_ src: UnsafeRawPointer, _ k: UnsafeRawPointer, recordVersion: UInt16, hrr: Bool) -> Bool {
        let tail = UInt64(bigEndian: src.loadUnaligned(fromByteOffset: 26, as: UInt64.self))
        let sentinel: UInt8 = tail == 0x444F_574E_4752_4401 ? 1 : tail == 0x444F_574E_4752_4400 ? 2 : 0
        return k.loadUnaligned(as: UInt16.self) == recordVersion
            && k.load(fromByteOffset: 2, as: UInt8.self) == (hrr ? 1 : 0)
            && k.loadUnaligned(fromByteOffset: 3, as: UInt16.self) == src.loadUnaligned(as: UInt16.self)
            && k.load(fromByteOffset: 5, as: UInt8.self) == sentinel
            && k.load(fromByteOffset: 6, as: UInt8.self) == src.load(fromByteOffset: 34, as: UInt8.self)
    }

    /// Whether `key` is the key `write` gives for `b` with `recordVersion`, compared in place (no
    /// key written): how a ServerHello alike the last kept one of its shape is found
    /// (`AdapterMemo.serverHellos.lookupAlike`). The same walk as `walk`, written out for speed
    /// (a generic sink cost more than writing the key); tests hold the two to the same answers.
    static func matches(_ b: UnsafeRawBufferPointer, recordVersion: UInt16, key: UnsafeRawBufferPointer) -> Bool {
        let n = b.count, kc = key.count
        guard n >= 38, kc >= 7, let src = b.baseAddress, let k = key.baseAddress, b[0] != 0x7f else { return false }
        let hrr = isRetryRequest(src)
        guard headMatches(src, k, recordVersion: recordVersion, hrr: hrr) else { return false }
        var kp = 7
        /// Compares b[from..<to] with the key's next bytes.
        func same(_ from: Int, _ to: Int) -> Bool {
            let len = to &- from
            guard len > 0 else { return true }
            guard len <= kc &- kp, sameBytes(src + from, k + kp, len) else { return false }
            kp &+= len
            return true
        }
        let sidLength = Int(b[34])
        guard sidLength <= 32, n &- 35 &- sidLength >= 3 else { return false }
        var kept = 35 &+ sidLength
        var p = kept &+ 3
        if p < n {
            guard n &- p >= 2 else { return false }
            let length = Int(b.load16(p))
            p &+= 2
            guard length <= n &- p else { return false }
            let end = p &+ length
            while p < end {
                guard end &- p >= 4 else { return false }
                let type = b.load16(p)
                let dataLength = Int(b.load16(p &+ 2))
                let data = p &+ 4
                guard dataLength <= end &- data else { return false }
                if (type == 51 || type == 40) && !hrr {
                    guard dataLength >= 4, Int(b.load16(data &+ 2)) == dataLength &- 4, same(kept, data &+ 4) else { return false }
                    kept = data &+ dataLength
                }
                p = data &+ dataLength
            }
        }
        return n &- kept == kc &- kp && same(kept, n)
    }

    /// Where `walk` hands the key's pieces: written out, or compared with a kept key.
    protocol KeySink {
        /// Takes the next `count` bytes of the key; false to stop (a mismatch).
        mutating func take(_ p: UnsafeRawPointer, _ count: Int) -> Bool
        /// The body's bytes `from..<to` (a key share's key_exchange) are left out of the key.
        mutating func leftOut(_ from: Int, _ to: Int)
    }
    struct CopySink: KeySink {
        let dst: UnsafeMutableRawPointer
        var w = 0
        @inline(__always) mutating func take(_ p: UnsafeRawPointer, _ count: Int) -> Bool {
            (dst + w).copyMemory(from: p, byteCount: count)
            w &+= count
            return true
        }
        @inline(__always) mutating func leftOut(_ from: Int, _ to: Int) {}
    }
    /// Takes nothing; notes the key share bytes left out (`keyShareGap`).
    struct GapSink: KeySink {
        var gaps = 0
        var from = 0, to = 0
        @inline(__always) mutating func take(_ p: UnsafeRawPointer, _ count: Int) -> Bool { true }
        @inline(__always) mutating func leftOut(_ from: Int, _ to: Int) {
            gaps &+= 1
            self.from = from
            self.to = to
        }
    }

    /// The key share bytes `write` leaves out of the key of `b` (besides the random's and the
    /// session id's, which every body leaves out in the same place): the range of the one
    /// key_exchange left out, or an empty range at 0 when none is; nil when `b` has no key or
    /// more than one key_exchange is left out (a body not compared in place then).
    static func keyShareGap(_ b: UnsafeRawBufferPointer, recordVersion: UInt16) -> Range<Int>? {
        var sink = GapSink()
        guard walk(b, recordVersion: recordVersion, &sink), sink.gaps <= 1 else { return nil }
        return sink.gaps == 0 ? 0..<0 : sink.from..<sink.to
    }

    /// `matches(_:recordVersion:key:)` for a key kept with its body's length and key share gap
    /// (`keyShareGap`): the head as there, then the body's bytes on either side of the gap with
    /// the key's, with no walk through the extensions. Sound for the reason `HelloBody.matches`
    /// is: `walk` finds the key share by reading only bytes it keeps, so a body of the same length
    /// and the same head (the session id's length, whether it is a HelloRetryRequest) with the
    /// same bytes outside the random, the session id and the gap is walked the same way, leaves
    /// out the same gap, and so has the same key.
    static func matches(_ b: UnsafeRawBufferPointer, recordVersion: UInt16, key: UnsafeRawBufferPointer,
                        length: Int, keyShareGap gap: Range<Int>) -> Bool {
        let n = b.count, kc = key.count
        guard n == length, n >= 38, kc >= 7, let src = b.baseAddress, let k = key.baseAddress, b[0] != 0x7f else { return false }
        guard headMatches(src, k, recordVersion: recordVersion, hrr: isRetryRequest(src)) else { return false }
        let sidLength = Int(b[34])
        guard sidLength <= 32, n &- 35 &- sidLength >= 3 else { return false }
        let kept = 35 &+ sidLength
        if gap.isEmpty {
            return n &- kept == kc &- 7 && sameBytes(src + kept, k + 7, n &- kept)
        }
        guard kept <= gap.lowerBound, gap.upperBound <= n else { return false }
        let before = gap.lowerBound &- kept, after = n &- gap.upperBound
        return before &+ after == kc &- 7 && sameBytes(src + kept, k + 7, before)
            && sameBytes(src + gap.upperBound, k + (7 &+ before), after)
    }
    /// The key of `b` (with `recordVersion`), piece by piece into `sink`; false when `b` has no
    /// key (or the sink stopped).
    @inline(__always)
    static func walk<S: KeySink>(_ b: UnsafeRawBufferPointer, recordVersion: UInt16, _ sink: inout S) -> Bool {
        let n = b.count
        guard n >= 38, let src = b.baseAddress, b[0] != 0x7f else { return false }
        func copy(_ from: Int, _ to: Int, _ sink: inout S) -> Bool {
            let len = to &- from
            return len <= 0 || sink.take(src + from, len)
        }
        // SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3), as four big-endian words.
        let hrr = src.loadUnaligned(fromByteOffset: 2, as: UInt64.self) == UInt64(0xCF21_AD74_E59A_6111).bigEndian
            && src.loadUnaligned(fromByteOffset: 10, as: UInt64.self) == UInt64(0xBE1D_8C02_1E65_B891).bigEndian
            && src.loadUnaligned(fromByteOffset: 18, as: UInt64.self) == UInt64(0xC2A2_1116_7ABB_8C5E).bigEndian
            && src.loadUnaligned(fromByteOffset: 26, as: UInt64.self) == UInt64(0x079E_09E2_C8A8_339C).bigEndian
        // The record version (in memory order) and the flag, then the body's pieces.
        var head: (UInt16, UInt8) = (recordVersion, hrr ? 1 : 0)
        let headOK = withUnsafeBytes(of: &head) { h in h.baseAddress.map { sink.take($0, 3) } ?? false }
        guard headOK else { return false }
        guard copy(0, 2, &sink) else { return false }
        // Of the random's last 8 bytes, only whether they are a downgrade sentinel (RFC 8446
        // §4.1.3: "DOWNGRD" and 01 or 00; `ServerHello.sentinel`): a TLS 1.2 server's are random.
        let tail = UInt64(bigEndian: src.loadUnaligned(fromByteOffset: 26, as: UInt64.self))
        var sentinel: UInt8 = tail == 0x444F_574E_4752_4401 ? 1 : tail == 0x444F_574E_4752_4400 ? 2 : 0
        guard withUnsafeBytes(of: &sentinel, { s in s.baseAddress.map { sink.take($0, 1) } ?? false }) else { return false }
        guard copy(34, 35, &sink) else { return false }   // the session id's length
        let sidLength = Int(b[34])
        guard sidLength <= 32, n &- 35 &- sidLength >= 3 else { return false }
        var kept = 35 &+ sidLength
        var p = kept &+ 3                            // cipher_suite, legacy_compression_method
        if p < n {
            guard n &- p >= 2 else { return false }
            let length = Int(b.load16(p))
            p &+= 2
            guard length <= n &- p else { return false }
            let end = p &+ length
            while p < end {
                guard end &- p >= 4 else { return false }
                let type = b.load16(p)
                let dataLength = Int(b.load16(p &+ 2))
                let data = p &+ 4
                guard dataLength <= end &- data else { return false }
                if (type == 51 || type == 40) && !hrr {
                    guard dataLength >= 4, Int(b.load16(data &+ 2)) == dataLength &- 4 else { return false }
                    guard copy(kept, data &+ 4, &sink) else { return false }
                    sink.leftOut(data &+ 4, data &+ dataLength)
                    kept = data &+ dataLength
                }
                p = data &+ dataLength
            }
        }
        return copy(kept, n, &sink)
    }

    /// The slot in `AdapterMemo.serverHellos`' alike index of a body (`BytesMemo.lookupAlike`):
    /// from what every ServerHello of one server shape has in the same place (the length, the
    /// record and legacy versions, the session id's length, and the 8 bytes after the session id:
    /// the suite, the compression, the extensions' length and the first extension's type); nil
    /// for a body too short to have them.
    @inline(__always)  // (a few loads and multiplies: no call for them)
    static func alikeIndex(_ b: UnsafeRawBufferPointer, recordVersion: UInt16) -> Int? {
        let n = b.count
        guard n >= 38, let p = b.baseAddress else { return nil }
        let sid = Int(b[34])
        let c = 35 &+ sid
        guard c <= n &- 8 else { return nil }
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.load16(0)) << 32 ^ UInt64(sid) << 48
            ^ UInt64(recordVersion) << 16
        h = (h ^ p.loadUnaligned(fromByteOffset: c, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h >> 56) & (BytesMemo<HandshakeFacts.ServerHelloBox>.quickSlots &- 1)
    }
}
