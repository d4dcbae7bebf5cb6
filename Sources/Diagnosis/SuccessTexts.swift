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

    /// A cheap spread of a string over the slots (its length and end bytes).
    static func stringHash(_ s: String) -> UInt32 {
        var h = UInt32(truncatingIfNeeded: s.utf8.count)
        if let first = s.utf8.first, let last = s.utf8.last { h = h &* 31 &+ UInt32(first) &* 7 &+ UInt32(last) }
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
/// packets, for one shape of connection: the same ClientHello box (its shared part gives the version
/// and suite count cited), the same server name, the same negotiated version and suite, and the same
/// certificate chain storage (its leaf's subject is cited). Most connections of a capture repeat a
/// handful of shapes (the observer's memos hand them the same hello box and chain storage), so the
/// verdict's texts are found with one lookup keyed by identities, without counting the hello's
/// suites or hashing any text.
///
/// A small two-way set-associative table per thread shard (`ThreadSlot`, like `SuccessTexts`). An entry holds
/// the hello box and the chain it was made for, so neither identity can be taken by another object
/// while the entry lives (and a box's or chain storage's values never change while another holder
/// has it: a change copies first); it is used only when its whole key is equal (both identities,
/// name, version and suite compared). A slot taken by another key is displaced (two ways a set, the newer first): 128 entries at most.
final class SuccessShape: @unchecked Sendable {
    // (@unchecked: `hello` is a ClientHelloInfo box, whose values never change while shared.)
    let hello: AnyObject
    let chain: [CertificateInfo]
    let sni: String?
    let version: UInt16
    let suite: UInt16
    /// "ClientHello (up to …)", "ServerHello: …", "server certificate: …" (nil without a chain).
    let helloText: String
    let serverHelloText: String
    let certificateText: String?
    let summary: String
    let summaryResumed: String

    init(hello: AnyObject, chain: [CertificateInfo], sni: String?, version: UInt16, suite: UInt16,
         helloText: String, texts: SuccessTexts, certificateText: String?) {
        self.hello = hello; self.chain = chain; self.sni = sni; self.version = version; self.suite = suite
        self.helloText = helloText; self.serverHelloText = texts.serverHello; self.certificateText = certificateText
        self.summary = texts.summary; self.summaryResumed = texts.summaryResumed
    }

    /// The identity of a chain's storage (nil for an empty chain).
    @inline(__always)
    static func identity(_ chain: [CertificateInfo]) -> UnsafeRawPointer? {
        chain.withUnsafeBufferPointer { $0.isEmpty ? nil : UnsafeRawPointer($0.baseAddress) }
    }

    /// Sets of two ways each.
    static let slots = 64
    private final class Table: Sendable {
        let entries = Mutex<[SuccessShape?]>([SuccessShape?](repeating: nil, count: slots &* 2))
    }
    private static let tables: [Table] = (0..<SuccessTexts.shards).map { _ in Table() }

    @inline(__always)
    static func slot(hello: AnyObject, chain: UnsafeRawPointer?, sni: String?, version: UInt16, suite: UInt16) -> Int {
        var h = UInt(bitPattern: ObjectIdentifier(hello)) >> 4
        h = h &* 31 &+ (chain.map { UInt(bitPattern: $0) >> 4 } ?? 0)
        h = h &* 31 &+ UInt(UInt32(version) << 16 | UInt32(suite))
        h = h &* 31 &+ UInt(bitPattern: sni?.utf8.count ?? -1)
        return Int(truncatingIfNeeded: (UInt32(truncatingIfNeeded: h ^ (h >> 32)) &* 0x9E37_79B1) >> 26) & (slots &- 1)
    }

    /// The shape remembered for this key, if any.
    static func find(hello: AnyObject, chain: UnsafeRawPointer?, sni: String?, version: UInt16, suite: UInt16) -> SuccessShape? {
        let set = slot(hello: hello, chain: chain, sni: sni, version: version, suite: suite) &<< 1
        return tables[ThreadSlot.shard(of: SuccessTexts.shards)].entries.withLock { t -> SuccessShape? in
            for way in set..<(set &+ 2) {
                guard let e = t[way], e.hello === hello, e.version == version, e.suite == suite,
                      identity(e.chain) == chain, e.sni == sni else { continue }
                return e
            }
            return nil
        }
    }

    /// Makes and remembers the shape of a completed handshake (`chain` empty when no certificate
    /// is cited); `helloText` is the hello's citation.
    static func make(hello: AnyObject, chain: [CertificateInfo], sni: String?, version: UInt16, suite: UInt16,
                     helloText: String) -> SuccessShape {
        let subject: String? = chain.withUnsafeBufferPointer { $0.isEmpty ? nil : $0[0].subject }
        let made = SuccessShape(hello: hello, chain: chain, sni: sni, version: version, suite: suite,
                                helloText: helloText, texts: SuccessTexts.for(version: version, suite: suite),
                                certificateText: subject.map(SuccessTexts.certificate))
        let set = slot(hello: hello, chain: identity(chain), sni: sni, version: version, suite: suite) &<< 1
        // The newest first in its set; the one it displaces moves to the second way.
        tables[ThreadSlot.shard(of: SuccessTexts.shards)].entries.withLock { t in
            t[set &+ 1] = t[set]
            t[set] = made
        }
        return made
    }
}
