import Synchronization
import NetCore
import Handshake

/// The texts of a success verdict that depend only on the negotiated version and suite ("ServerHello:
/// TLS 1.3, TLS_AES_128_GCM_SHA256", "handshake completed: …"), and the certificate citation by
/// subject and of the ClientHello by version, suite count and server name, made once and shared: most connections of a capture end the same few ways, and making
/// each text anew was most of a success's verdict. Small direct-mapped tables behind a lock (batch
/// diagnoses on several threads); a slot taken by another key is overwritten, so they stay bounded
/// (64 entries each) and an entry is always the text made from its own key (compared whole).
final class SuccessTexts: Sendable {
    let key: UInt32
    let serverHello: String
    let summary: String
    let summaryResumed: String

    init(key: UInt32, serverHello: String, summary: String, summaryResumed: String) {
        self.key = key
        self.serverHello = serverHello
        self.summary = summary
        self.summaryResumed = summaryResumed
    }

    static let slots = 64
    /// The tables, one set per thread shard (`ThreadSlot`): a text handed to two threads' verdicts
    /// would have its reference count updated from both cores.
    static let shards = 4
    private final class Tables: Sendable {
        let table = Mutex<[SuccessTexts?]>([SuccessTexts?](repeating: nil, count: slots))
        let certificates = Mutex<[(subject: String, text: String)?]>([(subject: String, text: String)?](repeating: nil, count: slots))
        let hellos = Mutex<[HelloEntry?]>([HelloEntry?](repeating: nil, count: slots))
    }
    private static let tables: [Tables] = (0..<shards).map { _ in Tables() }
    private static var mine: Tables { tables[ThreadSlot.shard(of: shards)] }

    /// The texts for a ServerHello of `version` and `suite`.
    static func `for`(version: UInt16, suite: UInt16) -> SuccessTexts {
        let key = UInt32(version) << 16 | UInt32(suite)
        let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B1) >> 26) & (slots &- 1)
        let tables = mine
        if let hit = tables.table.withLock({ t -> SuccessTexts? in
            if let e = t[slot], e.key == key { return e }
            return nil
        }) { return hit }
        let made = make(version: version, suite: suite)
        tables.table.withLock { $0[slot] = made }
        return made
    }

    static func make(version: UInt16, suite: UInt16) -> SuccessTexts {
        let v = Names.version(version), s = Names.cipherSuite(suite)
        return SuccessTexts(key: UInt32(version) << 16 | UInt32(suite),
                            serverHello: Diagnoser.joined("ServerHello: ", v, ", ", s),
                            summary: Diagnoser.joined("handshake completed: ", v, ", ", s, ""),
                            summaryResumed: Diagnoser.joined("handshake completed: ", v, ", ", s, ", resumed"))
    }

    fileprivate struct HelloEntry: Sendable {
        var maxVersion: UInt16
        var suites: Int
        var sni: String?
        var text: String
    }

    /// `Diagnoser.helloText`, shared by the connections of one client shape to one name.
    static func hello(maxVersion: UInt16, suites: Int, sni: String?) -> String {
        var h = UInt32(maxVersion) &* 31 &+ UInt32(truncatingIfNeeded: suites)
        if let sni { h = h &* 31 &+ stringHash(sni) }
        let slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B1) >> 26) & (slots &- 1)
        let tables = mine
        if let hit = tables.hellos.withLock({ t -> String? in
            if let e = t[slot], e.maxVersion == maxVersion, e.suites == suites, e.sni == sni { return e.text }
            return nil
        }) { return hit }
        let made = Diagnoser.helloText(maxVersion: maxVersion, suites: suites, sni: sni)
        tables.hellos.withLock { $0[slot] = HelloEntry(maxVersion: maxVersion, suites: suites, sni: sni, text: made) }
        return made
    }

    /// A cheap spread of a string over the slots (its length and end bytes; the length alone for a
    /// string without contiguous UTF-8). (`utf8.last` cost about 75 instructions.)
    static func stringHash(_ s: String) -> UInt32 {
        var h = UInt32(truncatingIfNeeded: s.utf8.count)
        if let ends = s.utf8.withContiguousStorageIfAvailable({ b -> UInt32? in
            guard let first = b.first, let last = b.last else { return nil }
            return UInt32(first) &* 7 &+ UInt32(last)
        }), let ends { h = h &* 31 &+ ends }
        return h
    }

    /// "server certificate: SUBJECT".
    static func certificate(_ subject: String) -> String {
        let h = stringHash(subject)
        let slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B1) >> 26) & (slots &- 1)
        let tables = mine
        if let hit = tables.certificates.withLock({ t -> String? in
            if let e = t[slot], e.subject == subject { return e.text }
            return nil
        }) { return hit }
        let made = Diagnoser.joined("server certificate: ", subject)
        tables.certificates.withLock { $0[slot] = (subject, made) }
        return made
    }
}

/// Every text of a completed handshake's verdict that does not depend on the connection's own
/// packets, for one shape of connection: the hello's highest version, its suites (the text counts
/// them, GREASE left out) and server name, the negotiated version and suite, and the cited
/// certificate's subject.
/// Most connections of a capture repeat a handful of shapes, so the verdict's texts are found with
/// one lookup instead of one table each.
///
/// The key is made of values, not of the identities of the observer's shared boxes: a hello whose
/// random parts vary per connection (as Chrome's do) has a box of its own, and an entry holding
/// boxes would keep them alive and free them when displaced. The suite list is compared whole
/// (the same storage, as the observer's memo hands it to every hello of a shape, is equal at once). A small two-way set-associative table
/// per thread shard (`ThreadSlot`, like `SuccessTexts`); an entry is used only when its whole key is
/// equal (every value compared, the strings in full); the one it displaces is dropped: 128 entries
/// at most.
final class SuccessShape: Sendable {
    let maxVersion: UInt16
    let suites: [UInt16]
    let sni: String?
    let version: UInt16
    let suite: UInt16
    let subject: String?
    /// "ClientHello (up to …)", "ServerHello: …", "server certificate: …" (nil without a subject).
    let helloText: String
    let serverHelloText: String
    let certificateText: String?
    let summary: String
    let summaryResumed: String
    /// Every text a completed handshake's verdict may cite, by `CompletedVerdict.Citation`'s number
    /// (the certificate's empty without a subject; it is not cited then).
    let citationTexts: [String]

    init(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?) {
        self.maxVersion = maxVersion; self.suites = suites; self.sni = sni
        self.version = version; self.suite = suite; self.subject = subject
        let texts = SuccessTexts.for(version: version, suite: suite)
        var count = 0
        for s in suites where !Names.isGREASE(s) { count &+= 1 }
        helloText = SuccessTexts.hello(maxVersion: maxVersion, suites: count, sni: sni)
        serverHelloText = texts.serverHello
        certificateText = subject.map(SuccessTexts.certificate)
        summary = texts.summary
        summaryResumed = texts.summaryResumed
        citationTexts = [helloText, serverHelloText, certificateText ?? "",
                         Diagnoser.clientFinishedText, Diagnoser.clientFinishedText13,
                         Diagnoser.serverFinishedText, Diagnoser.serverFinishedText13]
    }

    /// Sets of two ways each.
    static let slots = 64
    private final class Table: Sendable {
        let entries = Mutex<[SuccessShape?]>([SuccessShape?](repeating: nil, count: slots &* 2))
    }
    private static let tables: [Table] = (0..<SuccessTexts.shards).map { _ in Table() }

    /// The first way of the key's set (lengths stand for the strings: cheap, and enough to spread
    /// the few shapes of a capture).
    @inline(__always)
    static func set(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?) -> Int {
        var h = UInt32(maxVersion) &* 31 &+ UInt32(truncatingIfNeeded: suites.count)
        h = h &* 31 &+ (UInt32(version) << 16 | UInt32(suite))
        h = h &* 31 &+ UInt32(truncatingIfNeeded: sni?.utf8.count ?? -1)
        h = h &* 31 &+ UInt32(truncatingIfNeeded: subject?.utf8.count ?? -1)
        return (Int(truncatingIfNeeded: (h &* 0x9E37_79B1) >> 26) & (slots &- 1)) &<< 1
    }

    /// `set` of a hello's suites and server name read where they lie (`ClientHelloInfo.withSuitesAndName`).
    @inline(__always)
    static func set(maxVersion: UInt16, suites: UnsafePointer<[UInt16]>, sni: UnsafePointer<String?>, version: UInt16, suite: UInt16, subject: String?) -> Int {
        set(maxVersion: maxVersion, suites: suites.pointee, sni: sni.pointee, version: version, suite: suite, subject: subject)
    }

    /// `matches` of a hello's suites and server name read where they lie (`ClientHelloInfo.withSuitesAndName`).
    @inline(__always)
    func matches(maxVersion: UInt16, suites: UnsafePointer<[UInt16]>, sni: UnsafePointer<String?>, version: UInt16, suite: UInt16, subject: String?) -> Bool {
        matches(maxVersion: maxVersion, suites: suites.pointee, sni: sni.pointee, version: version, suite: suite, subject: subject)
    }

    /// Whether this shape is the one of these values (every value compared, the strings in full).
    @inline(__always)
    func matches(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?) -> Bool {
        self.maxVersion == maxVersion && self.version == version && self.suite == suite
            && self.sni == sni && self.subject == subject && self.suites == suites
    }

    /// `lookup` through a caller's own small table first (`ShapeCache`: one per report session, so
    /// one thread's), which needs no lock: the shared table is asked only on a miss.
    static func lookup(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?,
                       cache: inout ShapeCache) -> SuccessShape {
        let set = set(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject)
        let slot = (set &>> 1) & (ShapeCache.slots &- 1)
        return cache.entries.withUnsafeMutableBufferPointer { entries -> SuccessShape in
            if let e = entries[slot], e.matches(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject) {
                return e
            }
            let found = lookup(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject, set: set)
            entries[slot] = found
            return found
        }
    }

    /// The shape of a completed handshake, remembered or made.
    static func lookup(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?) -> SuccessShape {
        let set = set(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject)
        return lookup(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject, set: set)
    }

    /// `lookup` in the shared table, at the set of `set`.
    private static func lookup(maxVersion: UInt16, suites: [UInt16], sni: String?, version: UInt16, suite: UInt16, subject: String?,
                               set: Int) -> SuccessShape {
        let table = tables[ThreadSlot.shard(of: SuccessTexts.shards)]
        if let hit = table.entries.withLock({ t -> SuccessShape? in
            for way in set..<(set &+ 2) {
                guard let e = t[way], e.matches(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject) else { continue }
                return e
            }
            return nil
        }) { return hit }
        let made = SuccessShape(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject)
        // The newest first in its set; the one it displaces moves to the second way.
        table.entries.withLock { t in
            t[set &+ 1] = t[set]
            t[set] = made
        }
        return made
    }
}

/// A report session's own table of the success shapes it met lately (`SuccessShape.lookup(…cache:)`):
/// direct-mapped, 64 entries (one for each set of the shared table); an entry is used only when its whole key is equal, and a slot taken by
/// another shape is overwritten. Its shapes are the shared table's (the thread's shard), so they are
/// not shared with another thread either.
public struct ShapeCache {
    static let slots = SuccessShape.slots
    var entries = [SuccessShape?](repeating: nil, count: ShapeCache.slots)
    public init() {}
}
