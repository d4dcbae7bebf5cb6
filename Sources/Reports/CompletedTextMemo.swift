/// A completed handshake's verdict (`CompletedVerdict`) as JSON, from `,"outcome":` to the end of
/// the line, remembered without its numbers: the text between one cited packet's numbers (packet,
/// time, milliseconds) and the next. Everything else in it (the summary, the text each packet
/// cites, the inference) follows from the summary String, the array of the shape's texts, which of
/// them each packet cites and whether it is TLS 1.3: the key. A line whose key is remembered copies
/// the pieces and writes only the numbers between them, with no lookup per text (the head, each
/// text and the tail were a memo lookup each).
///
/// The summary and the texts are known by their identity (a String's two words, an array's
/// storage address, as `StringMemo`): equal words are the same text while the memo holds what it
/// stored (it keeps both): their storage can neither be freed and its address reused, nor changed
/// (a shared array or String is copied before a write).
///
/// Four-way set-associative, `setCount` sets, each way a key, the end of each piece and up to
/// `maxBytes` of text, in one allocation made with the memo (no allocation per store), so that the
/// few kinds of verdict of a capture stay wherever the heap put their texts. A verdict is stored
/// the second time its hash misses in its set while it is one of the set's last four misses (so
/// that two kinds missing in turn are both kept), in an empty way or over the way after the one
/// hit or stored last (the verdicts of a capture are a few shapes; one-offs do not push them out).
/// One line uses it at a time. Bounded: 64 × 1,088 bytes, 64 Strings and 64 arrays.
final class CompletedTextMemo {
    static let ways = 4
    static let setCount = 16
    static let maxBytes = 1024
    /// The most packets a verdict cites that the memo takes (`CompletedVerdict` cites 3 to 5).
    static let maxItems = 5

    struct Key: Equatable {
        var k0: UInt64
        var k1: UInt64
        /// The address of the texts' array storage.
        var texts: UInt64
        /// Whether TLS 1.3 (bit 0), the count (bits 1-3) and the citations (a byte each from bit 8).
        var tags: UInt64

        @inline(__always)
        var hash: UInt64 {
            var h = (k0 ^ (k1 &* 0x9E37_79B9_7F4A_7C15) ^ (texts &* 0xC4CE_B9FE_1A85_EC53) ^ (tags &* 0xD6E8_FEB8_6659_FD93))
                &* 0xFF51_AFD7_ED55_8CCD
            h ^= h &>> 32
            return h | 1  // never 0, the empty mark of `seen`
        }
    }

    /// A way: its key (32 bytes), the byte count of its text (8; 0: empty), the end of each piece
    /// in the text (`maxItems + 1` UInt16s), then the text from `header` on.
    static let header = 64
    static let endsOffset = 40
    static var wayBytes: Int { header &+ maxBytes }
    private let ways: UnsafeMutableRawPointer
    /// Per set, the hashes of the last `ways` verdicts that missed there and were not stored, the
    /// last first.
    private let seen: UnsafeMutablePointer<UInt64>
    /// Per set, the way hit or stored last.
    private let last: UnsafeMutablePointer<UInt8>
    /// The summaries and text arrays stored, kept alive (see above), beside their ways.
    private let summaries: UnsafeMutablePointer<String?>
    private let textLists: UnsafeMutablePointer<[String]?>
    /// Lookups that found their text (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    init() {
        let n = CompletedTextMemo.setCount &* CompletedTextMemo.ways
        ways = .allocate(byteCount: n &* CompletedTextMemo.wayBytes, alignment: 16)
        // Each way's key, count and ends (count 0: empty); its text is written before it is read.
        for i in 0..<n {
            (ways + i &* CompletedTextMemo.wayBytes).initializeMemory(as: UInt8.self, repeating: 0, count: CompletedTextMemo.header)
        }
        seen = .allocate(capacity: n)
        seen.initialize(repeating: 0, count: n)
        last = .allocate(capacity: CompletedTextMemo.setCount)
        last.initialize(repeating: 0, count: CompletedTextMemo.setCount)
        summaries = .allocate(capacity: n)
        summaries.initialize(repeating: nil, count: n)
        textLists = .allocate(capacity: n)
        textLists.initialize(repeating: nil, count: n)
    }

    deinit {
        let n = CompletedTextMemo.setCount &* CompletedTextMemo.ways
        ways.deallocate()
        seen.deallocate()
        last.deallocate()
        summaries.deinitialize(count: n)
        summaries.deallocate()
        textLists.deinitialize(count: n)
        textLists.deallocate()
    }

    /// The tags of a verdict (nil when it cites more packets than the memo takes, or none).
    @inline(__always)
    static func tags(tls13: Bool, _ citations: UnsafeBufferPointer<UInt8>) -> UInt64? {
        let n = citations.count
        guard n > 0 && n <= maxItems, let p = citations.baseAddress else { return nil }
        var t = UInt64(tls13 ? 1 : 0) | UInt64(truncatingIfNeeded: n) &<< 1
        for i in 0..<n { t |= UInt64(p[i]) &<< (8 &* (i &+ 1)) }
        return t
    }

    /// The address of an array's storage (its one word).
    @inline(__always)
    static func identity(_ a: [String]) -> UInt64? {
        guard MemoryLayout<[String]>.size == 8 else { return nil }
        return unsafeBitCast(a, to: UInt64.self)
    }

    @inline(__always)
    private static func set(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> 20) & (setCount &- 1) }

    @inline(__always)
    private func way(_ i: Int) -> UnsafeMutableRawPointer { ways + i &* CompletedTextMemo.wayBytes }

    /// The way remembered for `key`: its text starts `header` bytes on, `count(of:)` long, its
    /// pieces end at `end(_:_:)`.
    @inline(__always)
    func lookup(_ key: Key, _ hash: UInt64) -> UnsafeRawPointer? {
        let s = CompletedTextMemo.set(hash)
        let w = s &* CompletedTextMemo.ways
        for i in 0..<CompletedTextMemo.ways {
            let e = way(w &+ i)
            if e.load(fromByteOffset: 32, as: Int.self) != 0 && e.load(as: Key.self) == key {
                last[s] = UInt8(truncatingIfNeeded: i)
                hits &+= 1
                return UnsafeRawPointer(e)
            }
        }
        return nil
    }

    /// The byte count of a way's text.
    @inline(__always)
    static func count(of e: UnsafeRawPointer) -> Int { e.load(fromByteOffset: 32, as: Int.self) }

    /// Where piece `i` of a way's text ends.
    @inline(__always)
    static func end(_ e: UnsafeRawPointer, _ i: Int) -> Int {
        Int(e.load(fromByteOffset: endsOffset &+ 2 &* i, as: UInt16.self))
    }

    /// After a miss: remembers the verdict's pieces (`pieces` ranges of `base`, one more than it
    /// cites packets) for `summary` and `texts` (whose identities are in `key`), in an empty way or
    /// over the way after the one used last, when it is one of its set's last misses.
    func offer(_ key: Key, _ hash: UInt64, summary: String, texts: [String], base: UnsafePointer<UInt8>,
               _ pieces: UnsafeBufferPointer<(Int, Int)>) {
        var n = 0
        for (a, b) in pieces { n &+= b &- a }
        guard n > 0 && n <= CompletedTextMemo.maxBytes && pieces.count <= CompletedTextMemo.maxItems &+ 1 else { return }
        let s = CompletedTextMemo.set(hash)
        let w = s &* CompletedTextMemo.ways
        let seen = self.seen + w
        guard let missed = seen.recentMiss(hash, ways: CompletedTextMemo.ways) else { return }
        seen[missed] = 0
        var victim = -1
        for i in 0..<CompletedTextMemo.ways where way(w &+ i).load(fromByteOffset: 32, as: Int.self) == 0 { victim = i; break }
        if victim < 0 { victim = (Int(last[s]) &+ 1) % CompletedTextMemo.ways }
        let e = way(w &+ victim)
        e.storeBytes(of: key, as: Key.self)
        e.storeBytes(of: n, toByteOffset: 32, as: Int.self)
        var at = 0
        for (i, (a, b)) in pieces.enumerated() {
            (e + (CompletedTextMemo.header &+ at)).copyMemory(from: base + a, byteCount: b &- a)
            at &+= b &- a
            e.storeBytes(of: UInt16(truncatingIfNeeded: at), toByteOffset: CompletedTextMemo.endsOffset &+ 2 &* i, as: UInt16.self)
        }
        summaries[w &+ victim] = summary
        textLists[w &+ victim] = texts
        last[s] = UInt8(truncatingIfNeeded: victim)
    }
}
