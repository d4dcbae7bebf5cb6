import Synchronization
import NetCore
import FlowTrack
import Handshake
import Preambles

/// Capture-wide facts a verdict may lean on.
public struct DiagnosisContext: Sendable {
    public var knowledge: ServerKnowledge
    /// Time of the capture's last packet: a connection still mid-handshake near it was cut by the
    /// capture's end, not abandoned.
    public var captureEnd: Timestamp?
    /// Where `knowledge` was gathered, as hints say it ("in this capture"; batch: "in these captures").
    public var knowledgeScope = "in this capture"
    /// Live capture still running at `captureEnd` with this connection open: silence up to then is
    /// the peers' silence, not the capture's end (`tlsdiag live` reporting a quiet connection).
    public var stillCapturing = false
    /// Texts earlier verdicts made that depend on a few values only (`VerdictTexts`), kept by the
    /// caller from one verdict to the next; nil: every text is made anew.
    public var texts: VerdictTexts?
}

extension DiagnosisContext {
    // (Declared in an extension so that the memberwise initializer exists: storing the fields one
    // by one made the value and then copied it once more, both destroyed, for every failure.)
    public init(knowledge: ServerKnowledge = ServerKnowledge(), captureEnd: Timestamp? = nil, texts: VerdictTexts? = nil) {
        self.init(knowledge: knowledge, captureEnd: captureEnd, knowledgeScope: "in this capture", stillCapturing: false, texts: texts)
    }
}

/// Texts of failure verdicts that depend only on an alert and a server name, made once and handed
/// to every verdict that needs them: the many failures of a capture repeat a few alerts and names,
/// and joining each text anew cost about 800 instructions. One per report session (`ReportSession`
/// keeps one): it is used from one thread at a time and its strings are not shared with another
/// thread's verdicts (their reference counts would be updated from two cores). Bounded: one
/// summary per alert description, the texts of the last 16 server names, 16 certificate checks and
/// 16 cross-connection hints, 256 durations. (Used
/// from one thread at a time: no dynamic exclusivity checks, each a runtime call.)
public final class VerdictTexts: @unchecked Sendable {
    /// "the server refused the client's offer (NAME): …", by alert description.
    @exclusivity(unchecked) private var refused = [String?](repeating: nil, count: 256)
    /// unrecognized_name's hints and summary, by the server name the client asked for.
    @exclusivity(unchecked) private var unrecognized: [(sni: String?, hints: [String], summary: String)] = []
    @exclusivity(unchecked) private var nextUnrecognized = 0
    static let unrecognizedLimit = 16

    /// Durations as `Builder.formatDuration` writes them, by `Builder.durationKey` (the text is a
    /// function of the key): most are a few characters, held inline (no reference counted).
    @exclusivity(unchecked) private var durationKeys = [Int64](repeating: -1, count: VerdictTexts.durationSlots)
    @exclusivity(unchecked) private var durationTexts = [String](repeating: "", count: VerdictTexts.durationSlots)
    static let durationSlots = 256

    /// Texts of fixed words around one duration (`timed`), by a tag for the words and the
    /// duration's key (`Builder.durationKey`): a failure's citations ("server FIN 3.3 ms after the
    /// alert") recur across the failures of a capture.
    /// (Direct-mapped; one per report session, about 64 KiB. A slot taken by another key is
    /// written over.)
    @exclusivity(unchecked) private var timedTags = [UInt64](repeating: 0, count: VerdictTexts.timedSlots)
    @exclusivity(unchecked) private var timedKeys = [Int64](repeating: -1, count: VerdictTexts.timedSlots)
    @exclusivity(unchecked) private var timedTexts = [String](repeating: "", count: VerdictTexts.timedSlots)
    /// A capture's failures cite a few hundred to a few thousand such texts (a duration to the
    /// tenth of a millisecond): 256 slots kept less than half of them.
    static let timedSlots = 2048

    public init() {}

    /// `make(Builder.formatDuration(ns))`, where `make` puts the duration between words that
    /// `tag` stands for (a different tag for every other wording: the text must be a function of
    /// the tag and the duration's text).
    @inline(__always)
    func timed(_ tag: UInt64, _ ns: Int64, _ make: (String) -> String) -> String {
        guard let key = Builder.durationKey(ns) else { return make(Builder.formatDuration(ns)) }
        let slot = Int(truncatingIfNeeded: ((UInt64(bitPattern: key) &+ tag &* 0x2545_F491_4F6C_DD1D) &* 0x9E37_79B9_7F4A_7C15) >> 53)
            & (VerdictTexts.timedSlots &- 1)  // (the top 11 bits: 2,048 slots)
        // (Keys are k * 4 + unit with unit 0 to 2: -1 is no key.)
        if timedKeys[slot] == key && timedTags[slot] == tag { return timedTexts[slot] }
        let text = make(duration(ns))
        timedTags[slot] = tag
        timedKeys[slot] = key
        timedTexts[slot] = text
        return text
    }

    /// `Builder.formatDuration(ns)`.
    func duration(_ ns: Int64) -> String {
        guard let key = Builder.durationKey(ns) else { return Builder.formatDuration(ns) }
        let slot = Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 56) & (VerdictTexts.durationSlots &- 1)
        // (Keys are k * 4 + unit with unit 0 to 2: -1 is no key.)
        if durationKeys[slot] == key { return durationTexts[slot] }
        let text = Builder.formatDuration(ns)
        durationKeys[slot] = key
        durationTexts[slot] = text
        return text
    }

    /// What the certificate checks' hints (`Builder.addCertificateChecks`) depend on.
    struct CertificateChecksKey {
        var sha256: String
        var sni: String?
        var count: Int
        var expired: Bool
        var notYetValid: Bool
    }
    /// The certificate checks met lately: their hints and whether they found a defect.
    @exclusivity(unchecked) private var certificateChecksMet: [(key: CertificateChecksKey, hints: [String], found: Bool)] = []
    @exclusivity(unchecked) private var nextCertificateChecks = 0
    static let certificateChecksLimit = 16

    func certificateChecks(_ key: CertificateChecksKey) -> (hints: [String], found: Bool)? {
        for i in certificateChecksMet.indices {
            let k = certificateChecksMet[i].key
            if k.count == key.count && k.expired == key.expired && k.notYetValid == key.notYetValid && k.sni == key.sni && k.sha256 == key.sha256 {
                return (certificateChecksMet[i].hints, certificateChecksMet[i].found)
            }
        }
        return nil
    }

    func keepCertificateChecks(_ key: CertificateChecksKey, hints: [String], found: Bool) {
        if certificateChecksMet.count < VerdictTexts.certificateChecksLimit {
            certificateChecksMet.append((key, hints, found))
        } else {
            certificateChecksMet[nextCertificateChecks] = (key, hints, found)
            nextCertificateChecks = (nextCertificateChecks &+ 1) % VerdictTexts.certificateChecksLimit
        }
    }

    /// The hints of a client's close after the ServerHello's messages (`Builder.setClientEndedHints`)
    /// met lately, by the certificate checks' key and whether the handshake is TLS 1.3.
    @exclusivity(unchecked) private var clientEndedMet: [(key: CertificateChecksKey, tls13: Bool, hints: [String])] = []
    @exclusivity(unchecked) private var nextClientEnded = 0

    func clientEndedHints(_ key: CertificateChecksKey, tls13: Bool) -> [String]? {
        // (Compared where they are kept: a copy of each entry's key retained and released its texts.)
        clientEndedMet.withUnsafeBufferPointer { met -> [String]? in
            guard let first = met.baseAddress else { return nil }
            for i in 0..<met.count {
                let e = first + i
                if e.pointee.tls13 == tls13 && e.pointee.key.count == key.count && e.pointee.key.expired == key.expired
                    && e.pointee.key.notYetValid == key.notYetValid && e.pointee.key.sni == key.sni && e.pointee.key.sha256 == key.sha256 {
                    return e.pointee.hints
                }
            }
            return nil
        }
    }

    func keepClientEndedHints(_ key: CertificateChecksKey, tls13: Bool, _ hints: [String]) {
        if clientEndedMet.count < VerdictTexts.certificateChecksLimit {
            clientEndedMet.append((key, tls13, hints))
        } else {
            clientEndedMet[nextClientEnded] = (key, tls13, hints)
            nextClientEnded = (nextClientEnded &+ 1) % VerdictTexts.certificateChecksLimit
        }
    }

    /// Cross-connection hints met lately (`Builder.addCrossConnectionHints`), by what they depend
    /// on: the server's success tallies (the knowledge's lineage and generation, and the server), the offer's
    /// suites, highest version and server name, and the scope's words; nil hints: the server had
    /// no successes.
    private struct CrossConnectionEntry {
        // (The lineage held, not its identifier: its address cannot be taken by another while here.)
        var lineage: ServerKnowledge.Lineage?
        var generation: UInt64
        var server: Endpoint
        var offered: [UInt16]
        var maxVersion: UInt16
        var sni: String?
        var scope: String
        var hints: CrossConnectionHints?
        /// `hints(which) + hints.lines` by `Hints`, made when first needed (`joinedHints`).
        var joined: [[String]?] = []
    }
    @exclusivity(unchecked) private var crossConnections: [CrossConnectionEntry] = []
    @exclusivity(unchecked) private var nextCrossConnection = 0
    static let crossConnectionLimit = 16

    /// The remembered hints (`hints` nil: none apply) for these values, nil when not remembered.
    func crossConnection(lineage: ServerKnowledge.Lineage?, generation: UInt64, server: Endpoint, offered: [UInt16], maxVersion: UInt16,
                         sni: String?, scope: String) -> (hints: CrossConnectionHints?, entry: Int)? {
        // (Compared where they are kept: a copy of each entry retained and released every
        // reference in it.)
        crossConnections.withUnsafeBufferPointer { entries -> (hints: CrossConnectionHints?, entry: Int)? in
            guard let first = entries.baseAddress else { return nil }
            for i in 0..<entries.count {
                let e = first + i
                if e.pointee.lineage === lineage && e.pointee.generation == generation && e.pointee.maxVersion == maxVersion
                    && e.pointee.server == server && e.pointee.sni == sni && e.pointee.offered == offered && e.pointee.scope == scope {
                    return (e.pointee.hints, i)
                }
            }
            return nil
        }
    }

    /// Keeps the hints for these values; returns the entry they are kept in (for `joinedHints`).
    @discardableResult
    func keepCrossConnection(lineage: ServerKnowledge.Lineage?, generation: UInt64, server: Endpoint, offered: [UInt16],
                             maxVersion: UInt16, sni: String?, scope: String, hints: CrossConnectionHints?) -> Int {
        let e = CrossConnectionEntry(lineage: lineage, generation: generation, server: server, offered: offered, maxVersion: maxVersion, sni: sni,
                                     scope: scope, hints: hints)
        if crossConnections.count < VerdictTexts.crossConnectionLimit {
            crossConnections.append(e)
            return crossConnections.count &- 1
        }
        let i = nextCrossConnection
        crossConnections[i] = e
        nextCrossConnection = (nextCrossConnection &+ 1) % VerdictTexts.crossConnectionLimit
        return i
    }

    /// The hint list `which` followed by the lines of the cross-connection hints kept in `entry`
    /// (as `crossConnection` or `keepCrossConnection` gave it, with no entry kept since), made
    /// once for the entry: a failure with both (a reset or a refusal after the ClientHello) made
    /// the joined list anew, an allocation and a retain of every line. Nil if the entry has no hints.
    func joinedHints(_ which: Hints, entry: Int) -> [String]? {
        guard crossConnections.indices.contains(entry), let lines = crossConnections[entry].hints?.lines else { return nil }
        if crossConnections[entry].joined.isEmpty {
            crossConnections[entry].joined = [[String]?](repeating: nil, count: Hints.allCases.count)
        } else if let list = crossConnections[entry].joined[which.rawValue] {
            return list
        }
        let list = hints(which) + lines
        crossConnections[entry].joined[which.rawValue] = list
        return list
    }

    /// Hint lists made of literals only, handed out whole (a verdict that adds to one copies it).
    enum Hints: Int, CaseIterable {
        case noCommonCipher, serverReset, serverResetRDP
    }
    @exclusivity(unchecked) private var hintLists = [[String]?](repeating: nil, count: Hints.allCases.count)

    /// The hint list `which`, made once.
    func hints(_ which: Hints) -> [String] {
        if let list = hintLists[which.rawValue] { return list }
        let list = VerdictTexts.make(which)
        hintLists[which.rawValue] = list
        return list
    }

    static func make(_ which: Hints) -> [String] {
        switch which {
        case .noCommonCipher:
            return ["The server found nothing it accepts in the client's offer: most often no cipher suite in common; also possible: no common group for the key exchange, no common signature algorithm for its certificate, or a client certificate it requires up front."]
        case .serverReset:
            return ["The server reset the connection right after the ClientHello, without an alert. Windows Schannel does this when it has no cipher suite in common with the client (event 36874) or cannot use its certificate's private key; other servers, load balancers and IPS devices do it when they reject the hello by policy."]
        case .serverResetRDP:
            return ["Windows Schannel refuses a TLS handshake it cannot serve by resetting the connection without an alert. On the server, the System log will show Schannel event 36874 (\"none of the cipher suites supported by the client are supported by the server\") or 36888 with alert 40.",
                    "Common causes: no cipher suite in common between the client's list and the server's suite policy (Group Policy 'SSL Cipher Suite Order' or IIS Crypto); TLS 1.2 disabled on one side; or the RDP certificate's private key is not usable by Schannel (wrong key type for the offered suites, a CNG key the RDP service cannot read, or a missing key): check the certificate in the 'Remote Desktop' store and its private key permissions for NETWORK SERVICE."]
        }
    }

    /// The ClientHello citations (`SuccessTexts.hello`) met lately, by the values their text
    /// depends on: looked up here, with no lock and no thread's table to find, before the shared
    /// table. Direct-mapped, 64 slots (a new text takes its slot).
    private struct HelloText {
        var maxVersion: UInt16
        var suites: Int
        var sni: String?
        var text: String
    }
    @exclusivity(unchecked) private var helloTexts = [HelloText?](repeating: nil, count: VerdictTexts.helloSlots)
    static let helloSlots = 64

    /// `SuccessTexts.hello(maxVersion:suites:sni:)`.
    func hello(maxVersion: UInt16, suites: Int, sni: String?) -> String {
        var h = UInt32(maxVersion) &* 31 &+ UInt32(truncatingIfNeeded: suites)
        if let sni { h = h &* 31 &+ SuccessTexts.stringHash(sni) }
        let slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B1) >> 26) & (VerdictTexts.helloSlots &- 1)
        // (Compared where it is kept: a copy of the entry retained and released its strings.)
        let known = helloTexts.withUnsafeBufferPointer { t -> String? in
            guard let e = t.baseAddress.map({ $0 + slot }), e.pointee != nil,
                  e.pointee!.maxVersion == maxVersion, e.pointee!.suites == suites, e.pointee!.sni == sni else { return nil }
            return e.pointee!.text
        }
        if let known { return known }
        let made = SuccessTexts.hello(maxVersion: maxVersion, suites: suites, sni: sni)
        helloTexts[slot] = HelloText(maxVersion: maxVersion, suites: suites, sni: sni, text: made)
        return made
    }

    /// The unrecognized_name hint naming what a server accepted from other clients
    /// (`Builder.acceptedNamesHint`), by what it depends on: the server's success tallies (the
    /// knowledge's lineage and generation, and the server); nil hint: the server has no names.
    private struct AcceptedNames {
        // (The lineage held, not its identifier: its address cannot be taken by another while here.)
        var lineage: ServerKnowledge.Lineage?
        var generation: UInt64
        var server: Endpoint
        var hint: String?
    }
    @exclusivity(unchecked) private var acceptedNames: [AcceptedNames] = []
    @exclusivity(unchecked) private var nextAcceptedNames = 0
    static let acceptedNamesLimit = 16

    /// The remembered hint (nil inside: none applies) for these values, nil when not remembered.
    func acceptedNames(lineage: ServerKnowledge.Lineage?, generation: UInt64, server: Endpoint) -> String?? {
        acceptedNames.withUnsafeBufferPointer { entries -> String?? in
            guard let first = entries.baseAddress else { return nil }
            for i in 0..<entries.count {
                let e = first + i
                if e.pointee.lineage === lineage && e.pointee.generation == generation && e.pointee.server == server {
                    return .some(e.pointee.hint)
                }
            }
            return nil
        }
    }

    func keepAcceptedNames(lineage: ServerKnowledge.Lineage?, generation: UInt64, server: Endpoint, hint: String?) {
        let e = AcceptedNames(lineage: lineage, generation: generation, server: server, hint: hint)
        if acceptedNames.count < VerdictTexts.acceptedNamesLimit {
            acceptedNames.append(e)
        } else {
            acceptedNames[nextAcceptedNames] = e
            nextAcceptedNames = (nextAcceptedNames &+ 1) % VerdictTexts.acceptedNamesLimit
        }
    }

    /// The summary of a server's handshake_failure-like refusal with alert `description`.
    func refusedSummary(_ description: UInt8) -> String {
        if let s = refused[Int(description)] { return s }
        let s = Builder.refusedSummary(Names.alert(description))
        refused[Int(description)] = s
        return s
    }

    /// The hints and summary of an unrecognized_name alert for a ClientHello naming `sni`.
    func unrecognizedName(_ sni: String?) -> (hints: [String], summary: String) {
        for i in unrecognized.indices where unrecognized[i].sni == sni { return (unrecognized[i].hints, unrecognized[i].summary) }
        let made = Builder.unrecognizedNameTexts(sni)
        if unrecognized.count < VerdictTexts.unrecognizedLimit {
            unrecognized.append((sni, made.hints, made.summary))
        } else {
            unrecognized[nextUnrecognized] = (sni, made.hints, made.summary)
            nextUnrecognized = (nextUnrecognized &+ 1) % VerdictTexts.unrecognizedLimit
        }
        return made
    }
}

/// A completed handshake's verdict (`Diagnoser.completedVerdict`) as the parts it is made of: its
/// summary, the packets it cites (3 to 5, in the verdict's order) and the text each cites, and
/// whether it is TLS 1.3 (its inference). Its outcome is success, its category ok, it blames no
/// one and has no hints. Nothing in it is built for one connection but the packets.
///
/// One object a report session keeps (in its `EvidenceScratch`) and writes each verdict over:
/// the verdict is read where it is, not moved or copied (as a struct of five stamps it was copied
/// field by field from the session to the writer, and its stamps again in the writer).
public final class CompletedVerdict {
    /// The texts a verdict cites, numbered as in `texts`.
    public enum Citation: UInt8 {
        case hello, serverHello, certificate, clientFinished, clientFinished13, serverFinished, serverFinished13
    }
    /// The most packets a verdict cites.
    static let capacity = 5
    // (Used from one thread at a time, the session's: no dynamic exclusivity checks, each a
    // runtime call.)
    @usableFromInline @exclusivity(unchecked) var summaryText = ""
    @usableFromInline @exclusivity(unchecked) var isTLS13 = false
    /// How many packets are cited.
    @usableFromInline @exclusivity(unchecked) var citedCount = 0
    /// The texts of the connection's shape, by `Citation` (shared by every verdict of the shape).
    @usableFromInline @exclusivity(unchecked) var citationTexts: [String] = []
    /// Whether `summary` is its shape's resumed one. (The shape whose `texts` these are is told by
    /// `citationTexts`' storage, not kept: a reference more to retain and release per change.)
    @exclusivity(unchecked) private var resumed = false
    /// `capacity` stamps and citations, owned by this object (allocated with it, freed with it).
    @usableFromInline let stampStorage: UnsafeMutablePointer<PacketStamp>
    @usableFromInline let citationStorage: UnsafeMutablePointer<UInt8>

    /// The verdict's summary.
    @inlinable public var summary: String { summaryText }
    /// The texts of the connection's shape, by `Citation` (shared by every verdict of the shape).
    @inlinable public var texts: [String] { citationTexts }
    /// Whether the verdict is on TLS 1.3 (and carries `inference`).
    @inlinable public var tls13: Bool { isTLS13 }
    /// How many packets are cited.
    @inlinable public var count: Int { citedCount }

    public init() {
        stampStorage = .allocate(capacity: CompletedVerdict.capacity)
        stampStorage.initialize(repeating: PacketStamp(number: 0, time: .zero), count: CompletedVerdict.capacity)
        citationStorage = .allocate(capacity: CompletedVerdict.capacity)
        citationStorage.initialize(repeating: 0, count: CompletedVerdict.capacity)
    }

    deinit {
        stampStorage.deallocate()
        citationStorage.deallocate()
    }

    /// The cited packets in the verdict's order (valid while this verdict is not written over).
    @inlinable public var stamps: UnsafeBufferPointer<PacketStamp> { UnsafeBufferPointer(start: stampStorage, count: citedCount) }
    /// Each cited packet's text: an index into `texts` (a `Citation`'s raw value).
    @inlinable public var citations: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: citationStorage, count: citedCount) }

    /// The inference a TLS 1.3 verdict carries.
    public var inference: String? { isTLS13 ? Diagnoser.tls13Inference : nil }

    /// The verdict (`Diagnoser.completedHandshake` gives the same).
    public var diagnosis: Diagnosis {
        var evidence: [Evidence] = []
        evidence.reserveCapacity(count)
        for i in 0..<count {
            let j = Int(citationStorage[i])
            evidence.append(Evidence(packet: stampStorage[i].number, time: stampStorage[i].time, text: j < texts.count ? texts[j] : ""))
        }
        return Diagnoser.success(summary: summary, evidence: evidence, tls13: tls13)
    }

    /// This verdict made the one of `k` (`Diagnoser.completedKey`), in place.
    @inline(__always)
    func fill(_ k: (shape: SuccessShape, tls13: Bool, hello: PacketStamp, clientFinished: PacketStamp, serverFinished: PacketStamp, certificatePacket: PacketStamp?),
              serverHello: PacketStamp?, resumed: Bool) {
        let stamps = stampStorage, citations = citationStorage
        stamps[0] = k.hello; citations[0] = Citation.hello.rawValue
        var n = 1
        if let p = serverHello { stamps[n] = p; citations[n] = Citation.serverHello.rawValue; n &+= 1 }
        if let q = k.certificatePacket, k.shape.certificateText != nil {
            stamps[n] = q; citations[n] = Citation.certificate.rawValue; n &+= 1
        }
        stamps[n] = k.clientFinished
        citations[n] = (k.tls13 ? Citation.clientFinished13 : .clientFinished).rawValue; n &+= 1
        stamps[n] = k.serverFinished
        citations[n] = (k.tls13 ? Citation.serverFinished13 : .serverFinished).rawValue; n &+= 1
        // (n is at most 5: `capacity`.)
        // The rules' stable sort by packet (an insertion sort, as `completedHandshake`'s).
        for j in 1..<n where stamps[j].number < stamps[j &- 1].number {
            var m = j
            while m > 0 && stamps[m].number < stamps[m &- 1].number {
                swap(&stamps[m], &stamps[m &- 1])
                swap(&citations[m], &citations[m &- 1])
                m &-= 1
            }
        }
        citedCount = n
        isTLS13 = k.tls13
        // The texts change with the shape only (consecutive connections mostly share theirs).
        // A shape's texts are one array it made for itself, and this verdict holds the storage of
        // the last one it took: the same storage is the same shape (it cannot be another's while
        // held), so the same summary too.
        if self.resumed != resumed || !CompletedVerdict.sameStorage(citationTexts, k.shape.citationTexts) {
            summaryText = resumed ? k.shape.summaryResumed : k.shape.summary
            citationTexts = k.shape.citationTexts
            self.resumed = resumed
        }
    }

    /// Whether two arrays share their storage (compared by address, no element read).
    @inline(__always)
    static func sameStorage(_ a: [String], _ b: [String]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count } }
    }
}

/// Evidence lists kept by a caller of `Diagnoser.completedHandshake(_:_:reusing:)` between
/// connections, one for each count a completed handshake cites (three to five packets).
public struct EvidenceScratch {
    var three: [Evidence] = []
    var four: [Evidence] = []
    var five: [Evidence] = []
    /// The success shapes met lately (their texts), looked up here before the shared table.
    var shapes = ShapeCache()
    /// The last verdict `Diagnoser.completedVerdict` made (written over by the next).
    public let completed = CompletedVerdict()
    public init() {}
}

/// Alert descriptions (RFC 8446 §6.2 and the IANA registry) the verdicts reason about.
public enum AlertCode {
    public static let closeNotify: UInt8 = 0
    public static let unexpectedMessage: UInt8 = 10
    public static let badRecordMAC: UInt8 = 20
    public static let handshakeFailure: UInt8 = 40
    public static let noCertificate: UInt8 = 41
    public static let badCertificate: UInt8 = 42
    public static let unsupportedCertificate: UInt8 = 43
    public static let certificateRevoked: UInt8 = 44
    public static let certificateExpired: UInt8 = 45
    public static let certificateUnknown: UInt8 = 46
    public static let illegalParameter: UInt8 = 47
    public static let unknownCA: UInt8 = 48
    public static let accessDenied: UInt8 = 49
    public static let decodeError: UInt8 = 50
    public static let decryptError: UInt8 = 51
    public static let protocolVersion: UInt8 = 70
    public static let insufficientSecurity: UInt8 = 71
    public static let internalError: UInt8 = 80
    public static let inappropriateFallback: UInt8 = 86
    public static let userCanceled: UInt8 = 90
    public static let missingExtension: UInt8 = 109
    public static let unsupportedExtension: UInt8 = 110
    public static let unrecognizedName: UInt8 = 112
    public static let badCertificateStatusResponse: UInt8 = 113
    public static let unknownPSKIdentity: UInt8 = 115
    public static let certificateRequired: UInt8 = 116
    public static let noApplicationProtocol: UInt8 = 120
    public static let echRequired: UInt8 = 121

    static let certificateProblems: Set<UInt8> = [badCertificate, unsupportedCertificate, certificateRevoked,
                                                  certificateExpired, certificateUnknown, unknownCA, accessDenied]
}

/// Decides outcome, category, blame, evidence and hints for one connection.
///
/// The rules, in order (docs/diagnoses.md has them in prose):
/// 1. TCP never established → `no-connection` (refused by RST, or SYN unanswered).
/// 2. A preamble refused or ending in plaintext → `rdp-negotiation-failure` / `other` / `not-tls`.
/// 3. The client sent no TLS → `not-tls` (it spoke something else) or nothing at all.
/// 4. No ClientHello in the capture (began mid-stream, or bytes lost) → `capture-incomplete`.
/// 5. A ServerHello never came → the server's alert, non-TLS answer, RST, FIN or silence decides.
/// 6. After the ServerHello → the first fatal alert (plaintext, or inferred from TLS 1.3 record sizes),
///    then who reset or closed, then whether the capture simply ended.
/// 7. Both Finished (TLS ≤ 1.2) or the TLS 1.3 flights completed with no alert → `success`.
public enum Diagnoser {
    /// A client that closes this long after its ClientHello with no answer gave up on a silent
    /// server; sooner than this, it closed on its own.
    public static let silentServerThresholdNanoseconds: Int64 = 1_000_000_000
    /// Well-known ports where a TCP-level failure is reported even without any TLS bytes.
    public static let tlsPorts: Set<UInt16> = [443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 3269, 3389,
                                              4433, 5061, 5223, 5986, 8443, 8883, 9443]

    /// Whether this connection belongs in the default report (TLS, or an attempt at it).
    public static func isTLSRelated(_ c: ConnectionFacts, _ h: HandshakeFacts) -> Bool {
        h.clientSentTLS || h.serverSentTLS || h.preamble != nil || h.clientHelloLost != nil
            || tlsPorts.contains(c.server.port) || failedToConnect(c)
    }

    /// TCP never got going: the SYN was refused, or never answered. Reported by default whatever the
    /// port, since it may be the very connection the capture was taken for.
    public static func failedToConnect(_ c: ConnectionFacts) -> Bool {
        !c.established && c.clientSide.firstSyn != nil && c.serverSide.payloadBytes == 0 && c.clientSide.payloadBytes == 0
    }

    public static func diagnose(_ c: ConnectionFacts, _ h: HandshakeFacts, context: DiagnosisContext) -> Diagnosis {
        // The fast verdict's parts come back and the verdict is made here (a placeholder filled in
        // place was copied once more). The rules read the facts where they are (a copy retained and released every list, string
        // and box in them: about a hundred reference counts a failure, on objects the memos share
        // between connections and, in batch, between threads).
        guard let (summary, evidence, tls13) = completedHandshakeParts(c, h) else { return Builder.verdict(c, h, context: context) }
        return success(summary: summary, evidence: evidence, tls13: tls13)
    }

    /// `diagnose(c, h, context: context.pointee)` with the rules' evidence cited into `evidence`'s storage (the
    /// list is taken, emptied, and left empty): a caller that hands each verdict's list back
    /// (`swap(&evidence, &diagnosis.evidence)` once the verdict is written) gives every failure a
    /// list of the right size already made, instead of one allocated and freed per failure.
    /// (The context is read where it is, `context.pointee`: a caller that keeps one context for
    /// many verdicts, in a variable a closure captures, copied it for each call, its knowledge's
    /// lists retained and released.)
    public static func diagnose(_ c: ConnectionFacts, _ h: HandshakeFacts, contextAt context: UnsafePointer<DiagnosisContext>,
                                reusing evidence: inout [Evidence]) -> Diagnosis {
        guard let (summary, ev, tls13) = completedHandshakeParts(c, h) else {
            return Builder.verdict(c, h, contextAt: context, evidence: &evidence)
        }
        return success(summary: summary, evidence: ev, tls13: tls13)
    }

    /// A completed handshake's verdict from its parts.
    @inline(__always)
    static func success(summary: String, evidence: [Evidence], tls13: Bool) -> Diagnosis {
        Diagnosis(outcome: .success, category: .ok, blame: nil, summary: summary, evidence: evidence, hints: [],
                  inference: tls13 ? "TLS 1.3 encrypts everything after the ServerHello: completion is inferred from the order and sizes of the encrypted records, with no alert-sized record in reply." : nil)
    }

    /// A TLS 1.3 success's inference (the one `success` gives).
    public static let tls13Inference = "TLS 1.3 encrypts everything after the ServerHello: completion is inferred from the order and sizes of the encrypted records, with no alert-sized record in reply."


    /// The verdict on a completed handshake (most connections), the very one the rules give: when
    /// no rule before 7 can apply, rule 7 cites the ClientHello, the ServerHello, the certificate
    /// and both Finished and names the version and suite, whatever the context. Made here without
    /// the rules' working state (a copy of the facts) and with each text joined in one allocation.
    /// nil when an earlier rule could apply: the rules decide then. (A test compares the two on
    /// every connection of the captures and the corpus.) Needs no context: a caller that has a
    /// completed handshake calls this first and makes a `DiagnosisContext` (a copy of the
    /// knowledge, retained and released) only for `diagnose` when it gives nil.
    public static func completedHandshake(_ c: ConnectionFacts, _ h: HandshakeFacts) -> Diagnosis? {
        guard let (summary, evidence, tls13) = completedHandshakeParts(c, h) else { return nil }
        return success(summary: summary, evidence: evidence, tls13: tls13)
    }

    /// The rules before a completed handshake's verdict; when none applies, `body` with what the
    /// verdict depends on (the hello's suites and server name it reads from the facts): the values
    /// its shape (`SuccessShape`: the texts) is looked up by (the highest version offered, the
    /// version and suite chosen, the cited certificate's subject), the packets it cites and whether
    /// it is TLS 1.3. Nil when an earlier rule could apply. (`completedKey` and `completedVerdict`
    /// look the shape up in two ways; the values are handed on, not returned: a returned tuple of
    /// them cost about 80 instructions a success.)
    @inline(__always)
    static func whenCompleted<R>(_ c: ConnectionFacts, _ h: HandshakeFacts,
                                 _ body: (_ maxVersion: UInt16, _ version: UInt16, _ suite: UInt16, _ subject: String?, _ tls13: Bool,
                                          _ hello: PacketStamp, _ clientFinished: PacketStamp, _ serverFinished: PacketStamp,
                                          _ certificatePacket: PacketStamp?) -> R) -> R? {
        // (Scalars are read through optional chaining: binding a hello or a preamble to a name
        // copied it, every one of its lists and strings retained and released. The ServerHello is
        // read once.)
        guard let sh = h.serverHelloChoice, succeeded(h, isHelloRetryRequest: sh.isHelloRetryRequest),
              let cf = h.clientFinished, let sf = h.serverFinished, let chPacket = h.clientHelloPacket else { return nil }
        let shVersion = sh.version, shSuite = sh.cipherSuite
        // Rule 1: neither side sent TLS and the server sent nothing.
        if !c.established && !h.clientSentTLS && !h.serverSentTLS && c.serverSide.payloadBytes == 0 { return nil }
        // Rule 2: a preamble that did not lead to TLS (its result is enough to tell).
        switch h.preambleResult {
        case .refused?, .plaintext?, .unfinished?: return nil
        case .tls?, nil: break
        }
        // Rule 3: the client sent no TLS.
        if !h.clientSentTLS && h.clientHelloLost == nil { return nil }
        // Rule 4: no ClientHello (rule 5 needs a missing ServerHello, rule 6 an unsuccessful handshake).
        guard let maxVersion = h.clientHello?.maxVersion else { return nil }

        // The texts come from the connection's shape (`SuccessShape`): what the hello citation
        // counts on (highest version, suites, server name), the version and suite, and
        // the certificate's subject when it is cited.
        let certificatePacket = h.certificatePacket
        let subject: String? = certificatePacket == nil ? nil
            : h.certificates.withUnsafeBufferPointer { $0.isEmpty ? nil : $0[0].subject }
        let tls13 = shVersion >= 0x0304 && shVersion != 0xffff
        return body(maxVersion, shVersion, shSuite, subject, tls13, chPacket, cf, sf, certificatePacket)
    }

    /// What a completed handshake's verdict depends on: its shape (`SuccessShape`: the texts), the
    /// packets it cites and whether it is TLS 1.3; nil when an earlier rule could apply.
    @inline(__always)
    static func completedKey(_ c: ConnectionFacts, _ h: HandshakeFacts, cache: UnsafeMutablePointer<ShapeCache>? = nil)
        -> (shape: SuccessShape, tls13: Bool, hello: PacketStamp, clientFinished: PacketStamp, serverFinished: PacketStamp, certificatePacket: PacketStamp?)? {
        whenCompleted(c, h) { maxVersion, version, suite, subject, tls13, hello, cf, sf, certificatePacket in
            let shape = cache.map {
                SuccessShape.lookup(maxVersion: maxVersion, suites: h.clientHello?.cipherSuites ?? [], sni: h.clientHello?.sni,
                                    version: version, suite: suite, subject: subject, cache: &$0.pointee)
            } ?? SuccessShape.lookup(maxVersion: maxVersion, suites: h.clientHello?.cipherSuites ?? [], sni: h.clientHello?.sni,
                                     version: version, suite: suite, subject: subject)
            return (shape, tls13, hello, cf, sf, certificatePacket)
        }
    }

    /// `completedHandshake(c, h)` with its evidence written over one of `scratch`'s lists (the one
    /// of its count): a caller that keeps `scratch` from one connection to the next and lets each
    /// verdict go before the next (`ReportSession`) gives every success storage of the right size
    /// already made, instead of a list allocated and freed per connection. (One list for all
    /// counts did not pay: consecutive connections often cite four and five packets in turn.)
    public static func completedHandshake(_ c: ConnectionFacts, _ h: HandshakeFacts, reusing scratch: inout EvidenceScratch) -> Diagnosis? {
        guard let k = withUnsafeMutablePointer(to: &scratch.shapes, { completedKey(c, h, cache: $0) }) else { return nil }
        let certificateText = k.certificatePacket == nil ? nil : k.shape.certificateText
        let serverHelloPacket = h.serverHelloPacket
        let count = 3 &+ (serverHelloPacket == nil ? 0 : 1) &+ (certificateText == nil ? 0 : 1)
        @inline(__always)
        func fill(_ list: inout [Evidence]) -> [Evidence] {
            if list.count != count { list = [Evidence](repeating: Evidence(packet: 0, time: k.hello.time, text: ""), count: count) }
            list.withUnsafeMutableBufferPointer { buf in
                guard let e = buf.baseAddress else { return }
                var i = 0
                set(e + i, k.hello, k.shape.helloText); i &+= 1
                if let p = serverHelloPacket { set(e + i, p, k.shape.serverHelloText); i &+= 1 }
                if let q = k.certificatePacket, let text = certificateText { set(e + i, q, text); i &+= 1 }
                set(e + i, k.clientFinished, k.tls13 ? "client Finished (encrypted, inferred from record order)" : "client Finished (encrypted)"); i &+= 1
                set(e + i, k.serverFinished, k.tls13 ? "server flight through Finished (encrypted)" : "server Finished (encrypted)")
                for j in 1..<buf.count where buf[j].packet < buf[j &- 1].packet {
                    var m = j
                    while m > 0 && buf[m].packet < buf[m &- 1].packet { buf.swapAt(m, m &- 1); m &-= 1 }
                }
            }
            return list
        }
        let evidence: [Evidence]
        switch count {
        case 3: evidence = fill(&scratch.three)
        case 4: evidence = fill(&scratch.four)
        default: evidence = fill(&scratch.five)
        }
        return success(summary: h.resumed ? k.shape.summaryResumed : k.shape.summary, evidence: evidence, tls13: k.tls13)
    }

    /// The texts citing a completed handshake's Finished messages (as `completedHandshake` words them).
    static let clientFinishedText = "client Finished (encrypted)"
    static let clientFinishedText13 = "client Finished (encrypted, inferred from record order)"
    static let serverFinishedText = "server Finished (encrypted)"
    static let serverFinishedText13 = "server flight through Finished (encrypted)"

    /// `completedHandshake(c, h, reusing: &scratch)` as its parts, written over `scratch.completed`
    /// (`CompletedVerdict`), with no `Diagnosis` made: the packets it cites in its order, which text
    /// each cites, its summary. A JSON line is written from these (the texts read where the shape
    /// keeps them); the verdict itself is `scratch.completed.diagnosis`. False (and
    /// `scratch.completed` left as it was) exactly when `completedHandshake` gives nil.
    public static func completedVerdict(_ c: ConnectionFacts, _ h: HandshakeFacts, reusing scratch: inout EvidenceScratch) -> Bool {
        // The rules as `completedKey` applies them (`whenCompleted`); the shape is looked up in the
        // session's cache without a reference taken (`cachedShape`).
        let done: Void? = whenCompleted(c, h) { maxVersion, version, suite, subject, tls13, hello, cf, sf, certificatePacket in
            // (The hello's suites and name are compared where they lie, not copied out.)
            let shape = h.clientHello.unsafelyUnwrapped.withSuitesAndName { suites, sni in
                cachedShape(maxVersion: maxVersion, suites: suites, sni: sni,
                            version: version, suite: suite, subject: subject, cache: &scratch.shapes)
            }
            // (Written in place: the verdict is read where it is, not returned and moved. The
            // cache's slot keeps the shape alive: nothing between the lookup and here changes the cache.)
            shape._withUnsafeGuaranteedRef { shape in
                scratch.completed.fill((shape, tls13, hello, cf, sf, certificatePacket), serverHello: h.serverHelloPacket, resumed: h.resumed)
            }
        }
        guard done != nil else { return false }
        return true
    }

    /// `SuccessShape.lookup(…cache:)` with no reference taken: the shape is the one the cache's slot
    /// holds (a hit, or the shared table's answer put there), alive while the cache keeps it, so
    /// the caller must use it before the cache changes. A cached shape is read through a borrow
    /// (its key is `let`s), not retained to be compared.
    /// The hello's suites and server name are read where they lie (`ClientHelloInfo.withSuitesAndName`),
    /// copied only for the shared table on a miss.
    @inline(__always)
    static func cachedShape(maxVersion: UInt16, suites: UnsafePointer<[UInt16]>, sni: UnsafePointer<String?>, version: UInt16, suite: UInt16, subject: String?,
                            cache: inout ShapeCache) -> Unmanaged<SuccessShape> {
        let set = SuccessShape.set(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject)
        let slot = (set &>> 1) & (ShapeCache.slots &- 1)
        // (A hit reads the cache without asking whether its storage is uniquely referenced.)
        if let hit = cache.entries.withUnsafeBufferPointer({ entries -> Unmanaged<SuccessShape>? in
            if let e = entries[slot].map({ Unmanaged.passUnretained($0) }),
               e._withUnsafeGuaranteedRef({ $0.matches(maxVersion: maxVersion, suites: suites, sni: sni, version: version, suite: suite, subject: subject) }) {
                return e
            }
            return nil
        }) { return hit }
        let found = SuccessShape.lookup(maxVersion: maxVersion, suites: suites.pointee, sni: sni.pointee, version: version, suite: suite, subject: subject)
        cache.entries[slot] = found
        return Unmanaged.passUnretained(found)
    }

    /// One citation written over the one at `e`.
    @inline(__always)
    static func set(_ e: UnsafeMutablePointer<Evidence>, _ p: PacketStamp, _ text: String) {
        e.pointee.packet = p.number
        e.pointee.time = p.time
        e.pointee.text = text
    }

    /// What a completed handshake's verdict is made of besides its constants (`success`); nil
    /// when an earlier rule could apply.
    static func completedHandshakeParts(_ c: ConnectionFacts, _ h: HandshakeFacts) -> (summary: String, evidence: [Evidence], tls13: Bool)? {
        guard let k = completedKey(c, h) else { return nil }
        let shape = k.shape, tls13 = k.tls13, chPacket = k.hello, cf = k.clientFinished, sf = k.serverFinished
        let certificatePacket = k.certificatePacket
        // The rule's citations in its order (hello, ServerHello, certificate, both Finished; an
        // array literal is the cheapest array to make), then its stable sort by packet (an
        // insertion sort: five at most, mostly in order already).
        let first = Evidence(packet: chPacket.number, time: chPacket.time, text: shape.helloText)
        let clientDone = Evidence(packet: cf.number, time: cf.time,
                                  text: tls13 ? "client Finished (encrypted, inferred from record order)" : "client Finished (encrypted)")
        let serverDone = Evidence(packet: sf.number, time: sf.time,
                                  text: tls13 ? "server flight through Finished (encrypted)" : "server Finished (encrypted)")
        var evidence: [Evidence]
        switch (h.serverHelloPacket, shape.certificateText == nil ? nil : certificatePacket) {
        case let (p?, q?):
            evidence = [first, Evidence(packet: p.number, time: p.time, text: shape.serverHelloText),
                        Evidence(packet: q.number, time: q.time, text: shape.certificateText ?? ""), clientDone, serverDone]
        case let (p?, nil):
            evidence = [first, Evidence(packet: p.number, time: p.time, text: shape.serverHelloText), clientDone, serverDone]
        case let (nil, q?):
            evidence = [first, Evidence(packet: q.number, time: q.time, text: shape.certificateText ?? ""), clientDone, serverDone]
        case (nil, nil):
            evidence = [first, clientDone, serverDone]
        }
        var inOrder = true
        for i in 1..<evidence.count where evidence[i].packet < evidence[i &- 1].packet { inOrder = false }
        if !inOrder {
            evidence.withUnsafeMutableBufferPointer { buf in
                for x in 1..<buf.count {
                    var j = x
                    while j > 0 && buf[j].packet < buf[j &- 1].packet { buf.swapAt(j, j &- 1); j &-= 1 }
                }
            }
        }
        return (h.resumed ? shape.summaryResumed : shape.summary, evidence, tls13)
    }

    static let complaintWords: [[UInt8]] = [Array("HTTPS".utf8), Array("SSL".utf8), Array("TLS".utf8), Array("400".utf8)]

    /// Whether a server's plaintext answer mentions HTTPS, SSL, TLS or 400 in any case: `s.uppercased()`
    /// contains one of them. An ASCII answer is searched byte by byte (the general search cost about
    /// 20,000 instructions a failure); others go through `uppercased()` (e.g. "ß" is "SS" there).
    static func complainsOfTLS(_ s: String) -> Bool {
        let words = Diagnoser.complaintWords
        var u = Array(s.utf8)
        guard !u.contains(where: { $0 >= 0x80 }) else {
            let upper = s.uppercased()
            return ["HTTPS", "SSL", "TLS", "400"].contains { upper.contains($0) }
        }
        for i in u.indices where u[i] >= 0x61 && u[i] <= 0x7a { u[i] -= 0x20 }
        for w in words where u.count >= w.count {
            for start in 0...(u.count - w.count) where u[start] == w[0] {
                if u[start..<start + w.count].elementsEqual(w) { return true }
            }
        }
        return false
    }

    /// "ClientHello (up to V, N suites, SNI name)" or "…, no SNI)".
    static func helloText(maxVersion: UInt16, suites: Int, sni: String?) -> String {
        if let sni {
            return joined("ClientHello (up to ", Names.version(maxVersion), ", ", decimal(suites), " suites, SNI ", sni, ")")
        }
        return joined("ClientHello (up to ", Names.version(maxVersion), ", ", decimal(suites), " suites, no SNI)")
    }

    /// `String(n)` for the small counts of the texts (a literal-sized string, no allocation).
    static func decimal(_ n: Int) -> String {
        guard n >= 0 && n < 100_000 else { return String(n) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { d in
            let count = n >= 10_000 ? 5 : n >= 1_000 ? 4 : n >= 100 ? 3 : n >= 10 ? 2 : 1
            var x = n
            var i = count
            repeat {
                i &-= 1
                d[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10)
                x /= 10
            } while i > 0
            return String(decoding: UnsafeRawBufferPointer(rebasing: d[..<count]), as: UTF8.self)
        }
    }

    /// The parts one after the other in one string (for texts of more parts than `joined` takes;
    /// an interpolation appends part by part, a few hundred instructions each).
    static func text(_ parts: String...) -> String {
        var total = 0
        for p in parts { total &+= p.utf8.count }
        return String(unsafeUninitializedCapacity: total) { buf in
            var n = 0
            for p in parts { put(p, buf, &n) }
            return n
        }
    }

    /// The parts one after the other, written once into a string of the right size (`String.append`
    /// costs a few hundred instructions a call).
    static func joined(_ a: String, _ b: String, _ c: String = "", _ d: String = "", _ e: String = "",
                       _ f: String = "", _ g: String = "") -> String {
        let total = a.utf8.count &+ b.utf8.count &+ c.utf8.count &+ d.utf8.count &+ e.utf8.count &+ f.utf8.count &+ g.utf8.count
        return String(unsafeUninitializedCapacity: total) { buf in
            var n = 0
            put(a, buf, &n); put(b, buf, &n); put(c, buf, &n); put(d, buf, &n)
            put(e, buf, &n); put(f, buf, &n); put(g, buf, &n)
            return n
        }
    }

    @inline(__always)
    static func put(_ s: String, _ buf: UnsafeMutableBufferPointer<UInt8>, _ n: inout Int) {
        // (Most calls of `joined` leave some of its parts empty.)
        if s.isEmpty { return }
        let room = buf.count &- n
        guard room > 0, let dst = buf.baseAddress else { return }
        let done: Int? = s.utf8.withContiguousStorageIfAvailable { src in
            let k = min(src.count, room)
            if k > 0, let from = src.baseAddress { (dst + n).initialize(from: from, count: k) }
            return k
        }
        if let done { n &+= done; return }
        for b in s.utf8 where n < buf.count { buf[n] = b; n &+= 1 }
    }

    /// True when the handshake completed: a ServerHello (not a HelloRetryRequest), both Finished
    /// (TLS 1.3: inferred from record order), no alert inferred from TLS 1.3 record sizes, and no
    /// fatal alert before the later Finished. An alert after the handshake completed (Zeek's
    /// "established, then an alert") does not undo it.
    public static func succeeded(_ h: HandshakeFacts) -> Bool {
        guard let sh = h.serverHelloChoice else { return false }
        return succeeded(h, isHelloRetryRequest: sh.isHelloRetryRequest)
    }

    /// `succeeded(h)` with the ServerHello's HelloRetryRequest flag read by the caller.
    static func succeeded(_ h: HandshakeFacts, isHelloRetryRequest: Bool) -> Bool {
        guard !isHelloRetryRequest, let cf = h.clientFinished, let sf = h.serverFinished else { return false }
        let done = max(cf.number, sf.number)
        return !h.alerts.contains { a in
            a.inferred || ((a.isFatal || (a.encrypted && a.level == nil)) && a.packet.number <= done)
        }
    }
}

/// The working state of one verdict.
struct Builder {
    // Borrowed for the length of `Diagnoser.diagnose`, which makes the builder and drops it.
    private let cp: UnsafePointer<ConnectionFacts>
    private let hp: UnsafePointer<HandshakeFacts>
    private let xp: UnsafePointer<DiagnosisContext>
    var c: ConnectionFacts { unsafeAddress { cp } }
    var h: HandshakeFacts { unsafeAddress { hp } }
    var context: DiagnosisContext { unsafeAddress { xp } }
    var evidence: [Evidence] = []
    var hints: [String] = []
    var inference: String?
    /// Hints that follow whatever the rule says (kept apart because rules assign `hints` whole).
    var trailingHints: [String] = []

    private init(c: UnsafePointer<ConnectionFacts>, h: UnsafePointer<HandshakeFacts>, context: UnsafePointer<DiagnosisContext>) {
        cp = c; hp = h; xp = context
        // Most verdicts cite two to four packets: one allocation instead of two or three.
        evidence.reserveCapacity(4)
    }

    /// A builder citing into `evidence`'s storage (taken from the caller, emptied first).
    private init(c: UnsafePointer<ConnectionFacts>, h: UnsafePointer<HandshakeFacts>, context: UnsafePointer<DiagnosisContext>,
                 evidence list: inout [Evidence]) {
        cp = c; hp = h; xp = context
        swap(&evidence, &list)
        // (Emptied one by one from the end: `removeAll(keepingCapacity:)` replaced the whole range
        // through the generic path, about 230 instructions; a verdict cites two to five packets.)
        while !evidence.isEmpty { evidence.removeLast() }
        if evidence.capacity < 4 { evidence.reserveCapacity(4) }
    }

    /// The rules' verdict (`run`), without `Diagnoser.completedHandshake`'s shortcut.
    static func verdict(_ c: ConnectionFacts, _ h: HandshakeFacts, context: DiagnosisContext) -> Diagnosis {
        withUnsafePointer(to: c) { cp in
            withUnsafePointer(to: h) { hp in
                withUnsafePointer(to: context) { xp in
                    var b = Builder(c: cp, h: hp, context: xp)
                    return b.run()
                }
            }
        }
    }

    /// `verdict(c, h, context:)` citing into `evidence`'s storage (left empty).
    static func verdict(_ c: ConnectionFacts, _ h: HandshakeFacts, contextAt xp: UnsafePointer<DiagnosisContext>, evidence: inout [Evidence]) -> Diagnosis {
        withUnsafePointer(to: c) { cp in
            withUnsafePointer(to: h) { hp in
                var b = Builder(c: cp, h: hp, context: xp, evidence: &evidence)
                return b.run()
            }
        }
    }

    mutating func cite(_ p: PacketStamp?, _ text: String) {
        guard let p else { return }
        evidence.append(Evidence(packet: p.number, time: p.time, text: text))
    }

    func verdict(_ o: Outcome, _ cat: Category, _ blame: Blame?, _ summary: String) -> Diagnosis {
        // The evidence by packet (a stable sort; usually cited in order already, then kept as it
        // is), the trailing hints after the rule's (the rule's list itself when there are none).
        var inOrder = true
        for i in evidence.indices.dropFirst() where evidence[i].packet < evidence[i &- 1].packet { inOrder = false; break }
        let ev = inOrder ? evidence : evidence.sorted { $0.packet < $1.packet }
        return Diagnosis(outcome: o, category: cat, blame: blame, summary: summary, evidence: ev,
                         hints: trailingHints.isEmpty ? hints : hints + trailingHints, inference: inference)
    }

    // MARK: - Helpers over the facts

    var clientFin: PacketStamp? { c.clientSide.firstFin }
    var serverFin: PacketStamp? { c.serverSide.firstFin }
    var clientRst: PacketStamp? { c.clientSide.firstRst }
    var serverRst: PacketStamp? { c.serverSide.firstRst }

    /// The first close (FIN or RST) by either side after `after` (or at all).
    func firstClose(after: UInt64 = 0) -> (side: Side, rst: Bool, at: PacketStamp)? {
        var best: (Side, Bool, PacketStamp)?
        for (side, rst, p) in [(Side.client, false, clientFin), (.client, true, clientRst),
                               (.server, false, serverFin), (.server, true, serverRst)] {
            guard let p, p.number >= after else { continue }
            if best == nil || p.number < best!.2.number { best = (side, rst, p) }
        }
        return best.map { (side: $0.0, rst: $0.1, at: $0.2) }
    }

    func ms(_ a: PacketStamp, after b: PacketStamp) -> String {
        let ns = a.time.nanoseconds(since: b.time)
        return context.texts?.duration(ns) ?? Builder.formatDuration(ns)
    }

    /// `make(ms(a, after: b))`, remembered by the session's texts (`VerdictTexts.timed`) by `tag`
    /// and the duration. Tags of `timed` texts (the low byte the wording, the rest its variable
    /// parts): 1 an alert before the ServerHello, 2 a close after it, 3 a close after the
    /// ClientHello, 4 a server's close and 5 its reset with no alert (summaries), 6 a close after
    /// the ServerHello's messages, 7 and 8 the client's and the server's summary of it.
    @inline(__always)
    func timed(_ tag: UInt64, _ a: PacketStamp, after b: PacketStamp, _ make: (String) -> String) -> String {
        let ns = a.time.nanoseconds(since: b.time)
        guard let texts = context.texts else { return make(Builder.formatDuration(ns)) }
        return texts.timed(tag, ns, make)
    }

    /// A close's side and kind in a `timed` tag.
    @inline(__always)
    static func closeBits(_ side: Side, rst: Bool) -> UInt64 { (side == .client ? 0 : 0x100) | (rst ? 0x200 : 0) }

    static func formatDuration(_ ns: Int64) -> String {
        let v = Double(ns)
        if abs(v) < 1_000_000 { return written(v / 1000, decimals: 0, unit: " µs") }
        if abs(v) < 1_000_000_000 { return written(v / 1_000_000, decimals: 1, unit: " ms") }
        return written(v / 1_000_000_000, decimals: 2, unit: " s")
    }

    /// What `formatDuration(ns)` writes depends on: its unit (0 µs, 1 ms, 2 s) and the number
    /// rounded to the unit's places, times 10^places (`written`'s k), packed as k * 4 + unit; nil
    /// when `written` would not take its digit-by-digit way (never for an Int64 of nanoseconds).
    static func durationKey(_ ns: Int64) -> Int64? {
        let v = Double(ns)
        let unit: Int64, x: Double, scale: Double
        if abs(v) < 1_000_000 { unit = 0; x = v / 1000; scale = 1 }
        else if abs(v) < 1_000_000_000 { unit = 1; x = v / 1_000_000; scale = 10 }
        else { unit = 2; x = v / 1_000_000_000; scale = 100 }
        guard x.isFinite, abs(x) < 1e12 else { return nil }
        // |k| < 10^14: k * 4 + unit cannot overflow.
        return Int64((x * scale).rounded()) &* 4 &+ unit
    }

    /// `trimmed(v, decimals:)` followed by `unit`, written digit by digit into one small buffer and
    /// made a string once (a duration fits a small string: no allocation). The same number as
    /// `trimmed`: k = v rounded to `decimals` places, times 10^decimals; its whole part (with a
    /// minus sign when k < 0, also for "-0.5"), then the fraction without trailing zeros.
    static func written(_ v: Double, decimals: Int, unit: StaticString) -> String {
        guard decimals >= 0 && decimals <= 2, v.isFinite, abs(v) < 1e12, unit.utf8CodeUnitCount <= 8 else {
            return Diagnoser.joined(trimmed(v, decimals: decimals), unit.description)
        }
        let scale = decimals == 0 ? 1.0 : decimals == 1 ? 10.0 : 100.0
        let k = Int64((v * scale).rounded())
        let unitValue = Int64(scale)
        let whole = (k / unitValue).magnitude
        var frac = (k % unitValue).magnitude, places = decimals
        if frac != 0 { while frac % 10 == 0 { frac /= 10; places -= 1 } }
        // Sign 1, whole part at most 13 digits (|v| < 10^12), point 1, fraction 2, unit 8: 25 bytes.
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &bytes) { b in
            var n = 0
            if k < 0 { b[n] = UInt8(ascii: "-"); n &+= 1 }
            var digits = 1, x = whole
            while x >= 10 { x /= 10; digits &+= 1 }
            x = whole
            var i = n &+ digits
            repeat { i &-= 1; b[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10); x /= 10 } while i > n
            n &+= digits
            if frac != 0 {
                b[n] = UInt8(ascii: "."); n &+= 1
                if places == 2 {
                    b[n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: frac / 10); n &+= 1
                }
                b[n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: frac % 10); n &+= 1
            }
            unit.withUTF8Buffer { u in for c in u { b[n] = c; n &+= 1 } }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[..<n]), as: UTF8.self)
        }
    }

    /// `NumberText.trimmed(v, decimals:)` for 0 to 2 decimals and values under 10^12 (every
    /// duration `formatDuration` writes): the number rounded to `decimals` places is k / 10^d for
    /// an integer k, and a decimal of at most 15 significant digits is exactly what String(Double)
    /// writes for the double nearest it (no shorter decimal reaches that double), so k is written
    /// digit by digit, trailing zeros trimmed. Other values go to NumberText. (A test holds the two
    /// equal over many values.)
    static func trimmed(_ v: Double, decimals: Int) -> String {
        guard decimals >= 0 && decimals <= 2, v.isFinite, abs(v) < 1e12 else { return NumberText.trimmed(v, decimals: decimals) }
        let scale = decimals == 0 ? 1.0 : decimals == 1 ? 10.0 : 100.0
        let k = Int64((v * scale).rounded())
        let unit = Int64(scale)
        let whole = k / unit, fraction = abs(k % unit)
        if fraction == 0 { return String(whole) }
        var frac = Int(fraction), places = decimals
        while frac % 10 == 0 { frac /= 10; places -= 1 }
        let sign = k < 0 && whole == 0 ? "-" : ""
        let padded = places == 2 && frac < 10 ? "0" + String(frac) : String(frac)
        return Diagnoser.joined(sign, String(whole), ".", padded)
    }

    func alertName(_ a: AlertInfo) -> String {
        guard let d = a.description else { return "encrypted alert" }
        return Names.alert(d)
    }

    func firstFatalAlert() -> AlertInfo? {
        h.alerts.first { $0.isFatal || ($0.encrypted && $0.level == nil) }
    }

    /// True if the capture ended within a second of this stamp with the connection not closed.
    func cutByCaptureEnd(_ p: PacketStamp) -> Bool {
        guard firstClose(after: 0) == nil else { return false }
        guard let end = context.captureEnd else { return true }
        return end.nanoseconds(since: c.last.time) < 2_000_000_000 || c.endReason == .captureEnd
    }


    // MARK: - The rules

    mutating func run() -> Diagnosis {
        // 1. TCP never established.
        if !c.established && !h.clientSentTLS && !h.serverSentTLS && c.serverSide.payloadBytes == 0 {
            if c.refused, let rst = serverRst {
                cite(c.clientSide.firstSyn, "client SYN")
                cite(rst, "server RST answering the SYN")
                hints = ["Nothing is listening on port \(c.server.port) at \(c.server.address), or a firewall on the way rejects the connection with a reset.",
                         "Check that the service runs and listens on that address (ss -ltnp), and any host firewall."]
                return verdict(.noConnection, .connectionRefused, .server,
                               "connection refused: \(c.server) answered the SYN with a reset")
            }
            if let syn = c.clientSide.firstSyn, c.clientSide.payloadBytes == 0 {
                cite(syn, "client SYN, never answered")
                let tries = c.clientSide.packets
                hints = ["Nothing answered at \(c.server.address): the host is down, the address is wrong, or a firewall silently drops the SYNs.",
                         "A capture taken on the server side tells whether the SYNs arrive."]
                return verdict(.noConnection, .serverSilent, .network,
                               "SYN never answered (\(tries) packet\(tries == 1 ? "" : "s") from the client, no reply)")
            }
        }

        // 2. Preamble.
        if let p = h.preamble {
            switch h.preambleResult {
            case .refused?: return preambleRefused(p)
            case .plaintext?:
                if p.kind == .rdp {
                    hints = ["The server selected standard RDP security (no TLS). Windows allows this only when the security layer is set to 'RDP'; require SSL or Negotiate on the server."]
                    return verdict(.notTLS, .notTLS, .server, "the RDP server chose standard RDP security: no TLS was used")
                }
                return verdict(.notTLS, .notTLS, .unknown, "the \(p.kind.rawValue) upgrade ended without TLS")
            case .unfinished?:
                return incompleteOrClosedDuringPreamble(p)
            default: break
            }
        }

        // 3. The client sent no TLS (and did not merely lose its first bytes in the capture).
        if !h.clientSentTLS && h.clientHelloLost == nil {
            if let sample = h.clientNotTLS {
                let first = h.timeline.first { if case .notTLS = $0.kind { return $0.side == .client } else { return false } }
                cite(first?.packet, "client sent: \(sample)")
                if h.serverSentTLS {
                    hints = ["The client spoke plaintext to a port where the server expects TLS: the client is configured for the wrong protocol or port (e.g. http:// to an https port)."]
                    return verdict(.notTLS, .notTLS, .client, "the client sent plaintext (\(sample)) to a TLS server")
                }
                // Plaintext to a server that expected TLS: it answers with a complaint about HTTPS/TLS,
                // or closes without answering at all. An ordinary plaintext exchange blames nobody.
                let complaint = h.serverNotTLS.map(Diagnoser.complainsOfTLS) ?? false
                let silentClose = c.serverSide.payloadBytes == 0 && firstClose()?.side == .server
                if complaint || silentClose {
                    if let s = h.serverNotTLS { hints = ["The server answered \(s): it expected TLS on this port. The client is configured for the wrong protocol or port (e.g. http:// to an https port)."] }
                    else { hints = ["The server closed without answering the client's plaintext: it most likely expected TLS on this port (e.g. http:// to an https port)."] }
                    return verdict(.notTLS, .notTLS, .client, "the client sent plaintext (\(sample)) to a server that expects TLS")
                }
                return verdict(.notTLS, .notTLS, nil, "not TLS: the client began with \(sample)")
            }
            if let s = h.serverNotTLS {
                return verdict(.notTLS, .notTLS, nil, "not TLS: the server began with \(s)")
            }
            if h.serverSentTLS {
                // Server TLS records without any client bytes: the capture began mid-connection.
                hints = ["The capture holds the server's side of a TLS connection but not the client's hello: it began after the handshake started or missed those packets."]
                return verdict(.incomplete, .captureIncomplete, .unknown, "no ClientHello in the capture: it began mid-handshake")
            }
            // Connected, then nothing from the client.
            if let close = firstClose() {
                cite(close.at, "\(close.side.rawValue) \(close.rst ? "RST" : "FIN")")
                if close.side == .client {
                    hints = ["The client opened the connection and closed it without sending anything: a port check, a health probe, or a client that gave up before starting TLS."]
                    return verdict(.failure, close.rst ? .clientReset : .clientClosed, .client,
                                   "the client connected and \(close.rst ? "reset" : "closed") without sending a ClientHello")
                }
                hints = ["The server closed the connection before the client said anything: it may accept connections only from some addresses, or be overloaded."]
                return verdict(.failure, close.rst ? .serverReset : .serverClosed, .server,
                               "the server \(close.rst ? "reset" : "closed") the connection before the client sent anything")
            }
            if c.roleSource != .syn || c.clientSide.firstSyn == nil {
                return verdict(.incomplete, .captureIncomplete, .unknown, "no TLS seen: the capture holds too little of this connection")
            }
            return verdict(.incomplete, .captureIncomplete, .unknown, "connected, but the capture ended before the client sent anything")
        }

        // 4. No ClientHello.
        if h.clientHello == nil, let lost = h.clientHelloLost {
            cite(lost.packet, lost.size > 0 ? "ClientHello of \(lost.size) bytes, \(lost.lostBytes) of them missing from the capture"
                                             : "the first \(lost.lostBytes) bytes the client sent are missing from the capture")
            hints = ["The capture lost \(lost.lostBytes) bytes of the ClientHello (\(gapText(c.clientSide.gaps))); \(c.clientSide.truncatedSegments > 0 ? "the snapshot length cut them off" : "the peers got them (the server acknowledged them)"), so this is the capture's loss, not the network's. The hello's fields are not reported. " + captureLossAdvice]
            if Diagnoser.succeeded(h), let sh = h.serverHello {
                cite(h.serverHelloPacket, "ServerHello: \(Names.version(sh.version)), \(Names.cipherSuite(sh.cipherSuite))")
                return verdict(.success, .ok, nil, "handshake completed: \(Names.version(sh.version)), \(Names.cipherSuite(sh.cipherSuite)) (the capture lost part of the ClientHello)")
            }
            return verdict(.incomplete, .captureIncomplete, .unknown, "the capture lost \(lost.lostBytes) bytes of the ClientHello")
        }
        guard let ch = h.clientHello, let chPacket = h.clientHelloPacket else {
            if !h.parseErrors.isEmpty {
                if !c.clientSide.gaps.isEmpty {
                    hints = ["Bytes of the client's stream are missing from the capture (\(gapText(c.clientSide.gaps))), so the ClientHello could not be read. Capture with a larger buffer (-B) or on the host itself."]
                    return verdict(.incomplete, .captureIncomplete, .unknown, "the ClientHello could not be read: the capture lost bytes of it")
                }
                hints = ["The client's first TLS bytes are not a valid ClientHello (\(h.parseErrors[0])). A middlebox may be altering the traffic, or the client is not a TLS client."]
                return verdict(.failure, .other, .client, "the client's hello is malformed: \(h.parseErrors[0])")
            }
            if !c.clientSide.gaps.isEmpty {
                hints = ["Bytes of the client's stream are missing from the capture (\(gapText(c.clientSide.gaps)))."]
                return verdict(.incomplete, .captureIncomplete, .unknown, "the ClientHello could not be read: the capture lost bytes of it")
            }
            if c.clientSide.firstSyn == nil {
                hints = ["The capture began after this connection's handshake started; capture from before the client connects."]
                return verdict(.incomplete, .captureIncomplete, .unknown, "no ClientHello in the capture: it began mid-connection")
            }
            return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended before the ClientHello was complete")
        }
        var suites = 0
        for s in ch.cipherSuites where !Names.isGREASE(s) { suites &+= 1 }
        cite(chPacket, context.texts?.hello(maxVersion: ch.maxVersion, suites: suites, sni: ch.sni)
                        ?? SuccessTexts.hello(maxVersion: ch.maxVersion, suites: suites, sni: ch.sni))

        // 5. No ServerHello.
        if h.serverHello == nil, let lost = h.serverHelloLost {
            cite(lost.packet, lost.size > 0 ? "ServerHello of \(lost.size) bytes, \(lost.lostBytes) of them missing from the capture"
                                             : "\(lost.lostBytes) bytes of the server's first answer are missing from the capture")
            hints = ["The capture lost \(lost.lostBytes) bytes of the ServerHello, so what the server chose is unknown. " + captureLossAdvice]
            return verdict(.incomplete, .captureIncomplete, .unknown, "the capture lost \(lost.lostBytes) bytes of the ServerHello")
        }
        guard let sh = h.serverHello, !sh.isHelloRetryRequest else {
            return noServerHello(ch, chPacket)
        }
        // (The text shared with the successes of this version and suite: an interpolation cost
        // about 1,600 instructions.)
        cite(h.serverHelloPacket, SuccessTexts.for(version: sh.version, suite: sh.cipherSuite).serverHello)

        // 6/7. After the ServerHello.
        return afterServerHello(ch, sh)
    }

    /// What to do about bytes the capture lost: a snapshot length that cut packets, or drops.
    var captureLossAdvice: String {
        let cut = c.clientSide.truncatedSegments + c.serverSide.truncatedSegments
        if cut > 0 {
            return "The capture's snapshot length cut \(cut) packet(s) of this connection: capture whole packets (tcpdump -s 0, or at least -s 1600)."
        }
        return "Capture with a larger buffer (tcpdump -B 16384) or on the endpoint itself."
    }

    func gapText(_ gaps: [Gap]) -> String {
        gaps.prefix(3).map { "\($0.length) bytes at offset \($0.offset)" }.joined(separator: ", ")
    }

    // MARK: Preamble outcomes

    mutating func preambleRefused(_ p: PreambleInfo) -> Diagnosis {
        if p.kind == .rdp, let rdp = p.rdp, let code = rdp.failureCode {
            let name = RDPNegotiation.failureName(code)
            let requested = rdp.requestedProtocols.map { RDPNegotiation.protocolNames($0).joined(separator: "|") } ?? "none"
            let confirm = h.timeline.first { if case .preambleReply = $0.kind { return true } else { return false } }
            cite(confirm?.packet, "X.224 Connection Confirm with RDP_NEG_FAILURE \(name)")
            hints = [RDPNegotiation.failureMeaning(code), "The client requested \(requested)."]
            // The server needs something the client did not request → the client's settings; the
            // server cannot do what was asked, or refuses what the client did request → the server's.
            let req = rdp.requestedProtocols ?? 0
            let blame: Blame
            switch code {
            case 1: blame = req & RDPNegotiation.protocolSSL == 0 ? .client : .server
            case 5, 6: blame = req & (RDPNegotiation.protocolHybrid | RDPNegotiation.protocolHybridEx) == 0 ? .client : .server
            case 4: blame = .client
            default: blame = .server
            }
            switch code {
            case 5: hints.append("The server requires Network Level Authentication (CredSSP); enable NLA in the client (mstsc: 'enablecredsspsupport:i:1'), or relax 'Require user authentication … Network Level Authentication' on the server.")
            case 2: hints.append("The server's Security Layer is set to 'RDP' (no TLS): set it to 'Negotiate' or 'SSL' (gpedit: Remote Desktop Session Host › Security).")
            case 3: hints.append("The server has no usable certificate for RDP: check the Remote Desktop certificate in the 'Remote Desktop' store, and that NETWORK SERVICE can read its private key.")
            default: break
            }
            return verdict(.failure, .rdpNegotiationFailure, blame, "RDP negotiation failed: the server answered \(name)")
        }
        let reply = p.serverReply ?? "a refusal"
        let reply1 = h.timeline.first { if case .preambleReply = $0.kind { return true } else { return false } }
        cite(reply1?.packet, "server refused the upgrade: \(reply)")
        hints = ["The server does not offer TLS on this connection (\(p.kind.rawValue)): enable TLS in the server's configuration, or make the client connect to the implicit-TLS port."]
        return verdict(.failure, .other, .server, "the server refused \(p.command ?? "the TLS upgrade"): \(reply)")
    }

    mutating func incompleteOrClosedDuringPreamble(_ p: PreambleInfo) -> Diagnosis {
        if let close = firstClose() {
            cite(close.at, "\(close.side.rawValue) \(close.rst ? "RST" : "FIN")")
            let cat: Category = close.side == .server ? (close.rst ? .serverReset : .serverClosed) : (close.rst ? .clientReset : .clientClosed)
            return verdict(.failure, cat, close.side == .server ? .server : .client,
                           "the \(close.side.rawValue) \(close.rst ? "reset" : "closed") the connection during the \(p.kind.rawValue) preamble, before TLS")
        }
        return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended during the \(p.kind.rawValue) preamble")
    }

    // MARK: No ServerHello

    mutating func noServerHello(_ ch: ClientHelloInfo, _ chPacket: PacketStamp) -> Diagnosis {
        if let hrr = h.helloRetryRequest {
            return afterHelloRetry(ch, hrr)
        }
        // The first reaction after the ClientHello decides: the server's alert, its non-TLS answer,
        // its FIN or RST, or the client's own alert or close.
        enum Reaction { case serverAlert(AlertInfo), serverNotTLS(PacketStamp?), clientAlert(AlertInfo), close }
        // (The earliest kept as they come, the first of equals: a list of them cost a growing
        // array a failure.)
        var first: (at: UInt64, reaction: Reaction)?
        func consider(_ at: UInt64, _ r: Reaction) {
            if let f = first, f.at <= at { return }
            first = (at, r)
        }
        if let a = h.alerts.first(where: { $0.by == .server }) { consider(a.packet.number, .serverAlert(a)) }
        if h.serverNotTLS != nil {
            let ev = h.timeline.first { if case .notTLS = $0.kind { return $0.side == .server } else { return false } }
            consider(ev?.packet.number ?? .max - 1, .serverNotTLS(ev?.packet))
        }
        if let a = h.alerts.first(where: { $0.by == .client }) { consider(a.packet.number, .clientAlert(a)) }
        let close = firstClose(after: chPacket.number)
        if let close { consider(close.at.number, .close) }
        switch first?.reaction {
        case .serverAlert(let alert)?:
            return serverAlertBeforeHello(ch, chPacket, alert)
        case .serverNotTLS(let p)?:
            let s = h.serverNotTLS ?? ""
            cite(p, "server answered: \(s)")
            hints = ["The server on port \(c.server.port) does not speak TLS there: the client is pointed at a plaintext service (e.g. https:// to an http port), or a proxy answered instead."]
            return verdict(.notTLS, .notTLS, .client, "the server answered the ClientHello with something that is not TLS: \(s)")
        case .clientAlert(let a)?:
            cite(a.packet, "client alert \(alertName(a))")
            hints = ["The client aborted its own handshake before the server answered."]
            return verdict(.failure, .clientClosed, .client, "the client sent \(alertName(a)) before the server answered")
        case .close?, nil:
            break
        }
        guard let close else {
            if !c.clientSide.gaps.isEmpty || !c.serverSide.gaps.isEmpty {
                hints = ["The capture lost bytes of this connection (\(gapText(c.clientSide.gaps + c.serverSide.gaps)))."]
                return verdict(.incomplete, .captureIncomplete, .unknown, "the capture lost part of the handshake")
            }
            if c.serverSide.payloadBytes == 0 {
                // Silence: did the capture just end?
                let waited = (context.captureEnd ?? c.last.time).nanoseconds(since: chPacket.time)
                let longEnough = context.stillCapturing ? Diagnoser.silentServerThresholdNanoseconds : 10 * Diagnoser.silentServerThresholdNanoseconds
                if waited >= longEnough && c.endReason != .captureEnd {
                    return serverSilent(chPacket, waitedNs: waited, gaveUp: nil)
                }
                hints = ["The capture ended \(Builder.formatDuration(waited)) after the ClientHello with no answer from the server and no close: capture for longer to see what the server does."]
                return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended before the server answered the ClientHello")
            }
            return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended before the ServerHello")
        }
        cite(close.at, timed(3 | Builder.closeBits(close.side, rst: close.rst), close.at, after: chPacket) {
            Diagnoser.joined(close.side.rawValue, " ", close.rst ? "RST" : "FIN", " ", $0, " after the ClientHello")
        })
        if close.side == .server {
            if close.rst { return serverReset(ch, chPacket, close.at) }
            addCrossConnectionHints(ch)
            hints.append("The server closed without an alert: some servers do this when they cannot agree on a version or cipher suite, or when the SNI name is unknown. Check the server's log for this time.")
            return verdict(.failure, .serverClosed, .server, timed(4, close.at, after: chPacket) {
                Diagnoser.joined("the server closed the connection ", $0, " after the ClientHello, without an alert")
            })
        }
        let after = ms(close.at, after: chPacket)
        // The client closed first with no answer from the server.
        let waited = close.at.time.nanoseconds(since: chPacket.time)
        if c.serverSide.payloadBytes == 0 && waited >= Diagnoser.silentServerThresholdNanoseconds {
            return serverSilent(chPacket, waitedNs: waited, gaveUp: close)
        }
        if close.rst {
            hints = ["The client reset the connection \(after) after its own ClientHello, before any answer: the client application gave up or was cancelled."]
            return verdict(.failure, .clientReset, .client, "the client reset the connection \(after) after its ClientHello, before the server answered")
        }
        hints = ["The client closed \(after) after its own ClientHello, before any answer: the client application gave up or was cancelled."]
        return verdict(.failure, .clientClosed, .client, "the client closed the connection \(after) after its ClientHello, before the server answered")
    }

    mutating func serverSilent(_ chPacket: PacketStamp, waitedNs: Int64, gaveUp: (side: Side, rst: Bool, at: PacketStamp)?) -> Diagnosis {
        let waited = Builder.formatDuration(waitedNs)
        hints = ["The server accepted the TCP connection but never answered the ClientHello. Look for a server stuck or overloaded, a TLS-terminating proxy waiting on its backend, or a middlebox that drops the ClientHello (e.g. an IPS, or an MTU problem: the ClientHello is \(h.clientHello?.size ?? 0) bytes in \(h.clientHello?.tcpSegments ?? 1) segment(s))."]
        if let g = gaveUp {
            return verdict(.failure, .serverSilent, .server,
                           "the server never answered the ClientHello; the client gave up (\(g.rst ? "RST" : "FIN")) after \(waited)")
        }
        if context.stillCapturing {
            return verdict(.failure, .serverSilent, .server, "the server has not answered the ClientHello (\(waited) of silence so far; the connection is still open)")
        }
        return verdict(.failure, .serverSilent, .server, "the server never answered the ClientHello (\(waited) of silence until the capture ended)")
    }

    mutating func serverReset(_ ch: ClientHelloInfo, _ chPacket: PacketStamp, _ rst: PacketStamp) -> Diagnosis {
        let rdp = h.preamble?.kind == .rdp || c.server.port == 3389
        let which: VerdictTexts.Hints = rdp ? .serverResetRDP : .serverReset
        let list = context.texts?.hints(which) ?? VerdictTexts.make(which)
        let alone = hints.isEmpty
        if alone { hints = list } else { hints.append(contentsOf: list) }
        addCrossConnectionHints(ch, after: alone ? which : nil)
        return verdict(.failure, .serverReset, .server, timed(5, rst, after: chPacket) {
            Diagnoser.joined("the server reset the connection ", $0, " after the ClientHello, without an alert")
        })
    }

    mutating func serverAlertBeforeHello(_ ch: ClientHelloInfo, _ chPacket: PacketStamp, _ alert: AlertInfo) -> Diagnosis {
        let name = alertName(alert)
        // (The alert's words are its fatality and its name, a function of its description: nil is
        // an encrypted alert.)
        let alertBits = (alert.isFatal ? 0x100 : 0) | UInt64(alert.description.map { UInt16($0) } ?? 0x100) << 16
        cite(alert.packet, timed(1 | alertBits, alert.packet, after: chPacket) {
            Diagnoser.joined("server alert ", alert.isFatal ? "fatal " : "", name, " ", $0, " after the ClientHello")
        })
        if let close = firstClose(after: alert.packet.number) {
            cite(close.at, timed(2 | Builder.closeBits(close.side, rst: close.rst), close.at, after: alert.packet) {
                Diagnoser.joined(close.side.rawValue, " ", close.rst ? "RST" : "FIN", " ", $0, " after the alert")
            })
        }
        addReactionHint(alert)
        let d = alert.description ?? 255
        switch d {
        case AlertCode.protocolVersion:
            let offered = ch.supportedVersions.isEmpty ? [ch.legacyVersion] : ch.supportedVersions.filter { !Names.isGREASE($0) }
            hints = ["The client offered \(offered.map(Names.version).joined(separator: ", ")); the server supports none of them."]
            let blame: Blame = ch.maxVersion < 0x0303 ? .client : .server
            if blame == .client { hints.append("The client offers nothing newer than \(Names.version(ch.maxVersion)); enable TLS 1.2 or 1.3 in the client (on Windows: the SChannel Protocols registry keys, or .NET's SystemDefaultTlsVersions).") }
            else { hints.append("The server does not accept \(Names.version(ch.maxVersion)): it may allow only newer versions (e.g. TLS 1.3 only), or have TLS 1.2 disabled.") }
            return verdict(.failure, .versionMismatch, blame, "the server rejected the client's TLS versions (\(name))")
        case AlertCode.unrecognizedName:
            let sni = ch.sni
            let blame: Blame = sni == nil ? .client : .server
            let texts = context.texts?.unrecognizedName(sni) ?? Builder.unrecognizedNameTexts(sni)
            hints = texts.hints
            if let line = acceptedNamesHint() { hints.append(line) }
            return verdict(.failure, .unrecognizedName, blame, texts.summary)
        case AlertCode.noApplicationProtocol:
            hints = ["The client offered ALPN \(ch.alpn.isEmpty ? "(none)" : ch.alpn.joined(separator: ", ")); the server supports none of them (e.g. an h2-only server and an http/1.1-only client)."]
            if let p = context.knowledge.profile(c.server), !p.alpn.isEmpty {
                hints.append("This server selected \(ServerProfile.ranked(p.alpn).map { $0.0 }.joined(separator: ", ")) for other clients.")
            }
            return verdict(.failure, .noApplicationProtocol, .server, "no application protocol in common (\(name)): the client offered \(ch.alpn.isEmpty ? "none" : ch.alpn.joined(separator: ", "))")
        case AlertCode.inappropriateFallback:
            hints = ["The client retried with a lower version (\(Names.version(ch.maxVersion))) and marked it as a fallback (TLS_FALLBACK_SCSV); the server supports a higher version, so it refused (RFC 7507).",
                     "Look for the client's earlier attempt in the capture: something broke it (a middlebox, a timeout), and that is the real failure."]
            return verdict(.failure, .inappropriateFallback, .client, "the server refused a version fallback (\(name))")
        case AlertCode.handshakeFailure, AlertCode.insufficientSecurity:
            hints = context.texts?.hints(.noCommonCipher) ?? VerdictTexts.make(.noCommonCipher)
            // (The hints' lookup gives the blame too: a second lookup cost about 1,200 instructions.)
            let blame: Blame = addCrossConnectionHints(ch, after: .noCommonCipher) ?? .server
            // (`name` is the alert's own name here: its description is known.)
            return verdict(.failure, .noCommonCipher, blame, context.texts?.refusedSummary(d) ?? Builder.refusedSummary(name))
        case AlertCode.decodeError, AlertCode.illegalParameter, AlertCode.unexpectedMessage, AlertCode.missingExtension, AlertCode.unsupportedExtension:
            hints = ["The server could not accept the ClientHello as sent (\(name)): a client bug, a middlebox altering the hello, or a server that does not understand one of its extensions (a large post-quantum key share, ECH, …)."]
            return verdict(.failure, .other, .client, "the server rejected the ClientHello as malformed (\(name))")
        case AlertCode.accessDenied:
            hints = ["The server refused this client by policy (access_denied)."]
            return verdict(.failure, .other, .server, "the server denied access (\(name))")
        default:
            hints = ["The server ended the handshake with \(name) before its ServerHello."]
            return verdict(.failure, .other, .server, "the server sent \(name) before its ServerHello")
        }
    }

    /// The names this server accepted from other clients (an unrecognized_name hint), nil when it
    /// accepted none; remembered by the session (`VerdictTexts.acceptedNames`) for the knowledge's
    /// generation and the server: the server's profile is then neither looked up nor copied.
    func acceptedNamesHint() -> String? {
        let memo = context.texts
        let lineage = context.knowledge.lineage, generation = context.knowledge.generation, server = c.server
        if let memo, let known = memo.acceptedNames(lineage: lineage, generation: generation, server: server) { return known }
        var made: String?
        if let p = context.knowledge.profile(server), !p.serverNames.isEmpty {
            made = "Names this server accepted from other clients: \(ServerProfile.ranked(p.serverNames).prefix(5).map { $0.0 }.joined(separator: ", "))."
        }
        memo?.keepAcceptedNames(lineage: lineage, generation: generation, server: server, hint: made)
        return made
    }

    /// The summary of a server's refusal of the offer with the alert named `name`.
    static func refusedSummary(_ name: String) -> String {
        Diagnoser.joined("the server refused the client's offer (", name, "): no cipher suite in common, most likely")
    }

    /// The hints (before the names the server accepted from others) and summary of an
    /// unrecognized_name alert for a ClientHello naming `sni`.
    static func unrecognizedNameTexts(_ sni: String?) -> (hints: [String], summary: String) {
        let hints = [sni.map { Diagnoser.joined("The server has no certificate or virtual host for the name '", $0, "'. Check the name the client connects with against the server's configured names.") }
                     ?? "The client sent no server name (SNI) and the server requires one: connect by host name, not by address."]
        let summary = Diagnoser.joined("the server does not serve the requested name ", sni.map { Diagnoser.joined("'", $0, "'") } ?? "(no SNI sent)",
                                       " (", Names.alert(AlertCode.unrecognizedName), ")")
        return (hints, summary)
    }

    mutating func afterHelloRetry(_ ch: ClientHelloInfo, _ hrr: ServerHelloInfo) -> Diagnosis {
        let group = hrr.hrrSelectedGroup.map(Names.group) ?? "another group"
        let hrrEvent = h.timeline.first { $0.kind == .helloRetryRequest }
        cite(hrrEvent?.packet, "HelloRetryRequest asking for \(group)")
        if let a = h.alerts.first(where: { $0.isFatal }) {
            cite(a.packet, "\(a.by.rawValue) alert \(alertName(a))")
            hints = ["The server asked the client to retry with a key share for \(group); the handshake ended with \(alertName(a)) instead."]
            return verdict(.failure, .other, a.by == .client ? .client : .server, "the handshake failed after a HelloRetryRequest for \(group) (\(alertName(a)))")
        }
        if let close = firstClose(after: hrrEvent?.packet.number ?? 0) {
            cite(close.at, "\(close.side.rawValue) \(close.rst ? "RST" : "FIN")")
            hints = ["The server asked for a key share in \(group) and the client did not retry: it may not support that group, or considered the request invalid."]
            return verdict(.failure, close.side == .client ? (close.rst ? .clientReset : .clientClosed) : (close.rst ? .serverReset : .serverClosed),
                           close.side == .client ? .client : .server, "the \(close.side.rawValue) \(close.rst ? "reset" : "closed") the connection after a HelloRetryRequest for \(group)")
        }
        return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended after a HelloRetryRequest for \(group)")
    }

    // MARK: After the ServerHello

    mutating func afterServerHello(_ ch: ClientHelloInfo, _ sh: ServerHelloInfo) -> Diagnosis {
        let tls13 = sh.version >= 0x0304 && sh.version != 0xffff
        // (The leaf's subject read where it is: binding the leaf copied it, every string and list
        // in it retained and released.)
        if let subject = h.certificates.withUnsafeBufferPointer({ $0.first?.subject }) {
            cite(h.certificatePacket, SuccessTexts.certificate(subject))
        }
        if !Diagnoser.succeeded(h), let alert = firstFatalAlert() {
            return alertAfterHello(ch, sh, alert, tls13: tls13)
        }
        if Diagnoser.succeeded(h) {
            if let cf = h.clientFinished { cite(cf, tls13 ? "client Finished (encrypted, inferred from record order)" : "client Finished (encrypted)") }
            if let sf = h.serverFinished { cite(sf, tls13 ? "server flight through Finished (encrypted)" : "server Finished (encrypted)") }
            if tls13 { inference = "TLS 1.3 encrypts everything after the ServerHello: completion is inferred from the order and sizes of the encrypted records, with no alert-sized record in reply." }
            return verdict(.success, .ok, nil, "handshake completed: \(Names.version(sh.version)), \(Names.cipherSuite(sh.cipherSuite))\(h.resumed ? ", resumed" : "")")
        }
        // No alert and not finished: who hung up?
        if let close = firstClose(after: h.serverHelloPacket?.number ?? 0) {
            let prior = h.lastMessage(before: close.at.number)
            // The texts around the time since the prior message are remembered by what its
            // description depends on (`describeBits`), when it has no text of its own.
            if let prior, let bits = Builder.describeBits(prior) {
                let base = Builder.closeBits(close.side, rst: close.rst) | bits << 16
                cite(close.at, timed(6 | base, close.at, after: prior.packet) {
                    Diagnoser.joined(close.side.rawValue, " ", close.rst ? "RST" : "FIN", " ", $0, " after ", Builder.describe(prior))
                })
                if close.side == .client {
                    setClientEndedHints(ch, tls13: tls13)
                    return verdict(.failure, close.rst ? .clientReset : .clientClosed, .client, timed(7 | base, close.at, after: prior.packet) {
                        Diagnoser.joined("the client ", close.rst ? "reset" : "closed", " the connection ", $0, " after ", Builder.describe(prior),
                                         ", before finishing the handshake")
                    })
                }
                hints = ["The server ended the handshake after \(Builder.describe(prior)) without an alert."]
                if h.certificateRequested { hints.append("The server had asked for a client certificate: it may have rejected the client's (or its absence) without an alert.") }
                return verdict(.failure, close.rst ? .serverReset : .serverClosed, .server, timed(8 | base, close.at, after: prior.packet) {
                    Diagnoser.joined("the server ", close.rst ? "reset" : "closed", " the connection ", $0, " after ", Builder.describe(prior),
                                     ", before finishing the handshake")
                })
            }
            let priorText = prior.map { Builder.describe($0) } ?? "the ServerHello"
            let after = prior.map { ms(close.at, after: $0.packet) } ?? ""
            cite(close.at, Diagnoser.joined(close.side.rawValue, " ", close.rst ? "RST" : "FIN", " ", after, " after ", priorText))
            if close.side == .client {
                setClientEndedHints(ch, tls13: tls13)
                return verdict(.failure, close.rst ? .clientReset : .clientClosed, .client,
                               Diagnoser.joined("the client ", close.rst ? "reset" : "closed", " the connection ", after, " after ", priorText,
                                              ", before finishing the handshake"))
            }
            hints = ["The server ended the handshake after \(priorText) without an alert."]
            if h.certificateRequested { hints.append("The server had asked for a client certificate: it may have rejected the client's (or its absence) without an alert.") }
            return verdict(.failure, close.rst ? .serverReset : .serverClosed, .server,
                           Diagnoser.joined("the server ", close.rst ? "reset" : "closed", " the connection ", after, " after ", priorText,
                                          ", before finishing the handshake"))
        }
        if !c.clientSide.gaps.isEmpty || !c.serverSide.gaps.isEmpty {
            return verdict(.incomplete, .captureIncomplete, .unknown, "the capture lost part of the handshake (\(gapText(c.clientSide.gaps + c.serverSide.gaps)))")
        }
        return verdict(.incomplete, .captureIncomplete, .unknown, "the capture ended before the handshake finished")
    }

    /// The hint of a client that ended the handshake after the server's flight (TLS 1.3) or hello
    /// and certificate, without an alert.
    static let clientEndedHint13 = "The client ended the handshake after the server's flight without an alert. Clients do this when they reject the server's certificate or parameters silently (e.g. some Java and .NET clients, or a user clicking away a certificate warning)."
    static let clientEndedHint = "The client ended the handshake after the server's hello and certificate without an alert. Clients do this when they reject the server's certificate or parameters silently (e.g. some Java and .NET clients, or a user clicking away a certificate warning)."

    /// What `describe(e)` depends on, as bits of a `timed` tag (40 at most: the side, the kind,
    /// its handshake type, alert or length); nil when the description has text of its own (a
    /// preamble's) or a length beyond 32 bits.
    static func describeBits(_ e: TimelineEvent) -> UInt64? {
        let code: UInt64, value: UInt64
        switch e.kind {
        case .clientHello: code = 1; value = 0
        case .serverHello: code = 2; value = 0
        case .helloRetryRequest: code = 3; value = 0
        case .handshake(let t): code = 4; value = UInt64(t)
        case .changeCipherSpec: code = 5; value = 0
        case .encryptedRecord(_, let len):
            guard len >= 0, len <= Int(UInt32.max) else { return nil }
            code = 6; value = UInt64(len)
        case .applicationData: code = 7; value = 0
        case .alert(_, let d): code = 8; value = UInt64(d)
        case .encryptedAlert: code = 9; value = 0
        case .notTLS: code = 10; value = 0
        case .malformed: code = 11; value = 0
        case .preambleCommand, .preambleReply: return nil
        case .syn, .synAck, .fin, .rst, .gap: code = 12; value = 0
        }
        return (e.side == .client ? 0 : 1) | code << 1 | value << 8
    }

    /// (Each text joined in one allocation: an interpolation cost about 1,000 instructions.)
    static func describe(_ e: TimelineEvent) -> String {
        let who = e.side.rawValue
        switch e.kind {
        case .clientHello: return "the ClientHello"
        case .serverHello: return "the ServerHello"
        case .helloRetryRequest: return "the HelloRetryRequest"
        case .handshake(let t): return Diagnoser.joined("the ", who, "'s ", Names.handshakeType(t))
        case .changeCipherSpec: return Diagnoser.joined("the ", who, "'s ChangeCipherSpec")
        case .encryptedRecord(_, let len): return Diagnoser.joined("the ", who, "'s encrypted record (", String(len), " bytes)")
        case .applicationData: return Diagnoser.joined("the ", who, "'s application data")
        case .alert(_, let d): return Diagnoser.joined("the ", who, "'s ", Names.alert(d), " alert")
        case .encryptedAlert: return Diagnoser.joined("the ", who, "'s encrypted alert")
        case .notTLS: return Diagnoser.joined("the ", who, "'s non-TLS bytes")
        case .preambleCommand(let s), .preambleReply(let s): return Diagnoser.joined("the ", who, "'s ", s)
        case .malformed: return Diagnoser.joined("the ", who, "'s malformed record")
        default: return Diagnoser.joined("the ", who, "'s packet")
        }
    }

    mutating func alertAfterHello(_ ch: ClientHelloInfo, _ sh: ServerHelloInfo, _ alert: AlertInfo, tls13: Bool) -> Diagnosis {
        let name = alertName(alert)
        let prior = h.lastMessage(before: alert.packet.number - 1)
        cite(alert.packet, "\(alert.by.rawValue) \(alert.inferred ? "encrypted record of alert size" : (alert.isFatal ? "fatal alert " + name : "alert " + name))")
        if let close = firstClose(after: alert.packet.number) {
            cite(close.at, "\(close.side.rawValue) \(close.rst ? "RST" : "FIN") \(ms(close.at, after: alert.packet)) after the alert")
        }
        addReactionHint(alert)
        if alert.inferred {
            if alert.by == .client {
                inference = "TLS 1.3 encrypts alerts: a \(inferredLength(alert)) byte encrypted record from the client in answer to the server's flight, followed by the client closing, is an alert; its content cannot be read."
                hints = ["The client rejected something in the server's encrypted flight; most often the certificate (untrusted issuer, expired, or a name that does not match '\(ch.sni ?? "the server name")')."]
                addCertificateUnknownHint()
                return verdict(.failure, .certificateRejected, .unknown, "the client aborted the TLS 1.3 handshake after the server's flight (inferred: an encrypted alert); most likely it rejected the certificate")
            }
            inference = "TLS 1.3 encrypts alerts: a \(inferredLength(alert)) byte encrypted record from the server in answer to the client's Finished flight, followed by the server closing, is an alert; its content cannot be read."
            hints = ["The server rejected the client's final flight: most often it required a client certificate that the client did not send, or rejected the one it sent (TLS 1.3 alert certificate_required or bad_certificate)."]
            return verdict(.failure, .clientCertRequired, .client, "the server aborted the TLS 1.3 handshake after the client's Finished (inferred: an encrypted alert); it likely required or rejected a client certificate")
        }
        if alert.encrypted && alert.description == nil {
            hints = ["The \(alert.by.rawValue) sent an encrypted alert after the ChangeCipherSpec; its content cannot be read without the keys."]
            return verdict(.failure, .other, alert.by == .client ? .client : .server, "the \(alert.by.rawValue) sent an encrypted alert during the handshake")
        }
        let d = alert.description ?? 255
        let priorText = prior.map { Builder.describe($0) } ?? "the ServerHello"
        if alert.by == .client {
            if AlertCode.certificateProblems.contains(d) || d == AlertCode.badCertificateStatusResponse {
                hints = ["The client rejected the server's certificate (\(name))."]
                let defect = addCertificateChecks(ch)
                if !defect && d == AlertCode.unknownCA {
                    hints.append("The certificate looks sound; the client does not trust its issuer: install the issuing CA in the client's trust store, or use a certificate from a CA the client trusts.")
                }
                return verdict(.failure, .certificateRejected, defect || d != AlertCode.unknownCA ? .server : .client, "the client rejected the server's certificate (\(name))")
            }
            if d == AlertCode.handshakeFailure || d == AlertCode.insufficientSecurity || d == AlertCode.illegalParameter {
                if let kx = h.keyExchange, let bits = kx.dhPrimeBits, bits < 2048 {
                    hints = ["The server offered a \(bits)-bit Diffie-Hellman group; current clients refuse groups under 2048 bits (OpenSSL's security level, Chrome, Java's jdk.tls.ephemeralDHKeySize).",
                             "Configure the server with a 2048-bit or larger DH group (RFC 7919 ffdhe2048), or prefer ECDHE suites."]
                    return verdict(.failure, .weakKeyExchange, .server, "the client refused the server's \(bits)-bit Diffie-Hellman key exchange (\(name))")
                }
                if let leaf = h.certificates.first, leaf.keyType == "RSA", let b = leaf.keyBits, b < 2048 {
                    hints = ["The server's certificate has a \(b)-bit RSA key; clients refuse keys under 2048 bits."]
                    return verdict(.failure, .weakKeyExchange, .server, "the client refused the server's \(b)-bit RSA key (\(name))")
                }
            }
            if d == AlertCode.protocolVersion {
                hints = ["The client refused the version the server chose (\(Names.version(sh.version))): a downgrade the client does not allow."]
                return verdict(.failure, .versionMismatch, .server, "the client refused the server's choice of \(Names.version(sh.version)) (\(name))")
            }
            if d == AlertCode.decryptError || d == AlertCode.badRecordMAC {
                hints = ["Key agreement failed: the Finished or signature did not verify. A middlebox altering the handshake, a bug, or a server key that does not match its certificate."]
                return verdict(.failure, .other, .unknown, "the client could not verify the handshake (\(name))")
            }
            if d == AlertCode.userCanceled || d == AlertCode.closeNotify {
                hints = ["The client application cancelled the handshake (\(name)) after \(priorText)."]
                return verdict(.failure, .clientClosed, .client, "the client cancelled the handshake (\(name))")
            }
            hints = ["The client ended the handshake with \(name) after \(priorText)."]
            return verdict(.failure, .other, .client, "the client aborted the handshake with \(name) after \(priorText)")
        }
        // The server's alert after its hello.
        if d == AlertCode.certificateRequired || ((d == AlertCode.handshakeFailure || AlertCode.certificateProblems.contains(d) || d == AlertCode.noCertificate) && h.certificateRequested) {
            let sent = h.clientCertificates?.count ?? 0
            if sent > 0 && d != AlertCode.certificateRequired && d != AlertCode.handshakeFailure {
                hints = ["The server asked for a client certificate and rejected the one the client sent (\(name)): check that it is issued by a CA the server trusts, valid, and has the clientAuth extended key usage."]
                return verdict(.failure, .certificateRejected, .client, "the server rejected the client's certificate (\(name))")
            }
            hints = ["The server requires a client certificate and the client sent \(sent == 0 ? "none" : "one it did not accept"). Configure the client with a certificate issued by a CA the server trusts (mutual TLS), or relax the server's client-certificate requirement."]
            return verdict(.failure, .clientCertRequired, .client, "the server required a client certificate (\(name))")
        }
        if d == AlertCode.decryptError || d == AlertCode.badRecordMAC {
            hints = ["The server could not verify the client's Finished or key exchange: a middlebox altering the handshake, a client bug, or a wrong pre-shared key."]
            return verdict(.failure, .other, .unknown, "the server could not verify the handshake (\(name))")
        }
        hints = ["The server ended the handshake with \(name) after \(priorText)."]
        return verdict(.failure, .other, .server, "the server aborted the handshake with \(name) after \(priorText)")
    }

    /// When the other side closed first after an alert, it was reacting to it: say so, since the
    /// closing side is the one people blame when they only see who hung up.
    mutating func addReactionHint(_ alert: AlertInfo) {
        guard let close = firstClose(after: alert.packet.number), close.side != alert.by else { return }
        let what = alert.inferred ? "encrypted alert" : (alert.description.map { Diagnoser.joined(alert.isFatal ? "fatal " : "", Names.alert($0), " alert") } ?? "encrypted alert")
        trailingHints.append(Diagnoser.text("The ", close.side.rawValue, " closed the connection (", close.rst ? "RST" : "FIN", ", #", String(close.at.number),
                                            "), but ", ms(close.at, after: alert.packet), " after the ", alert.by.rawValue, "'s ", what,
                                            " (#", String(alert.packet.number), "): it was answering that alert, and the cause is on the ",
                                            alert.by.rawValue, "'s side of it."))
    }

    func inferredLength(_ a: AlertInfo) -> String {
        for e in h.timeline where e.packet == a.packet && e.side == a.by {
            if case .encryptedAlert(let len) = e.kind { return String(len) }
        }
        return "small"
    }

    // MARK: Context from other connections and from the certificate

    /// Hints comparing this client's offer with what the server accepted from others; returns
    /// the blame they imply (`crossConnectionBlame`).
    @discardableResult
    /// `base`: `hints` is the session's list `base` (`VerdictTexts.hints`) and nothing else; the
    /// list with the cross-connection lines after it is then the one the session keeps.
    mutating func addCrossConnectionHints(_ ch: ClientHelloInfo, after base: VerdictTexts.Hints? = nil) -> Blame? {
        // (Remembered by the session (`VerdictTexts`) for the knowledge's generation, the server and
        // the offer: the server's profile is then neither looked up nor copied.)
        let memo = context.texts
        let lineage = context.knowledge.lineage, generation = context.knowledge.generation, server = c.server
        let offered = ch.cipherSuites, maxVersion = ch.maxVersion, sni = ch.sni
        let found: CrossConnectionHints?
        var entry = -1
        if let memo, let known = memo.crossConnection(lineage: lineage, generation: generation, server: server, offered: offered, maxVersion: maxVersion,
                                                      sni: sni, scope: context.knowledgeScope) {
            found = known.hints
            entry = known.entry
        } else {
            if let p = context.knowledge.profile(server), p.successes > 0 {
                found = CrossConnectionHints.lookup(p, ch, scope: context.knowledgeScope)
            } else {
                found = nil
            }
            if let memo {
                entry = memo.keepCrossConnection(lineage: lineage, generation: generation, server: server, offered: offered, maxVersion: maxVersion,
                                                 sni: sni, scope: context.knowledgeScope, hints: found)
            }
        }
        guard let found else { return nil }
        if let base, let memo, let joined = memo.joinedHints(base, entry: entry) {
            hints = joined
        } else {
            hints.append(contentsOf: found.lines)
        }
        return found.blame
    }

    /// Blame from the capture's other handshakes: if others succeed with suites this client lacks, the client is the odd one out.
    func crossConnectionBlame(_ ch: ClientHelloInfo) -> Blame? {
        guard let p = context.knowledge.profile(c.server), p.successes > 0 else { return nil }
        return CrossConnectionHints.lookup(p, ch, scope: context.knowledgeScope).blame
    }

    mutating func addCertificateUnknownHint() {
        if let leaf = h.certificates.first { hints.append(Diagnoser.joined("The server's certificate: ", leaf.subject, ", issued by ", leaf.issuer, ".")) }
    }

    /// `hints` for a client that closed after the ServerHello's messages: the hint that says so,
    /// then the certificate checks' (`addCertificateChecks`). The list depends on what the checks'
    /// do and on `tls13` only: remembered by them (`VerdictTexts.clientEndedHints`), it is handed
    /// out whole rather than made anew (an allocation, and a retain of each hint).
    mutating func setClientEndedHints(_ ch: ClientHelloInfo, tls13: Bool) {
        let memo = context.texts
        let key = memo == nil ? nil : certificateChecksKey(ch)
        if let memo, let key, let list = memo.clientEndedHints(key, tls13: tls13) {
            hints = list
            return
        }
        // (Room for the certificate checks' hints made at once: appended one by one, the list was
        // made anew twice; the hint is one of two literals, not interpolated.)
        hints = []
        hints.reserveCapacity(4)
        hints.append(tls13 ? Builder.clientEndedHint13 : Builder.clientEndedHint)
        addCertificateChecks(ch)
        if let memo, let key { memo.keepClientEndedHints(key, tls13: tls13, hints) }
    }

    /// What the certificate checks' hints depend on (`VerdictTexts.CertificateChecksKey`); nil
    /// when there is no leaf or it has no digest (its hints are then not remembered).
    func certificateChecksKey(_ ch: ClientHelloInfo) -> VerdictTexts.CertificateChecksKey? {
        h.certificates.withUnsafeBufferPointer { certificates in
            guard let leafAt = certificates.baseAddress, !certificates.isEmpty, !leafAt.pointee.sha256.isEmpty else { return nil }
            let now = c.first.time.seconds
            return VerdictTexts.CertificateChecksKey(
                sha256: leafAt.pointee.sha256, sni: ch.sni, count: certificates.count,
                expired: leafAt.pointee.notAfter.map { $0 < now } ?? false,
                notYetValid: leafAt.pointee.notBefore.map { $0 > now } ?? false)
        }
    }

    /// Adds a hint for each defect found in the server's certificate; true if any was found.
    /// (The leaf is read where it is, and each hint joined in one allocation: a copy of the leaf
    /// and interpolated hints cost about 5,500 instructions a call.)
    @discardableResult
    mutating func addCertificateChecks(_ ch: ClientHelloInfo) -> Bool {
        h.certificates.withUnsafeBufferPointer { certificates in
            guard let leafAt = certificates.baseAddress, !certificates.isEmpty else { return false }
            // The checks' hints depend on the leaf (its fields are its DER's, whose digest is
            // `sha256`), the chain's length, the server name and whether the connection's time is
            // outside the leaf's validity: remembered by those (`VerdictTexts`), made once.
            guard let memo = context.texts, !leafAt.pointee.sha256.isEmpty else {
                return addCertificateChecks(ch, leafAt, count: certificates.count)
            }
            let now = c.first.time.seconds
            let key = VerdictTexts.CertificateChecksKey(
                sha256: leafAt.pointee.sha256, sni: ch.sni, count: certificates.count,
                expired: leafAt.pointee.notAfter.map { $0 < now } ?? false,
                notYetValid: leafAt.pointee.notBefore.map { $0 > now } ?? false)
            if let known = memo.certificateChecks(key) {
                hints.append(contentsOf: known.hints)
                return known.found
            }
            let before = hints.count
            let found = addCertificateChecks(ch, leafAt, count: certificates.count)
            memo.keepCertificateChecks(key, hints: Array(hints[before...]), found: found)
            return found
        }
    }

    private mutating func addCertificateChecks(_ ch: ClientHelloInfo, _ leaf: UnsafePointer<CertificateInfo>, count: Int) -> Bool {
        var found = false
        let now = c.first.time.seconds
        if let na = leaf.pointee.notAfter, na < now {
            hints.append(Diagnoser.joined("The server's certificate expired on ", leaf.pointee.notAfterText ?? String(na), "."))
            found = true
        }
        if let nb = leaf.pointee.notBefore, nb > now {
            hints.append(Diagnoser.joined("The server's certificate is not valid before ", leaf.pointee.notBeforeText ?? String(nb), " (check the clocks)."))
            found = true
        }
        if let sni = ch.sni, !CertificateNames.matches(sni, leaf.pointee) {
            let names = (leaf.pointee.subjectAltNames.isEmpty ? [leaf.pointee.subject] : leaf.pointee.subjectAltNames).prefix(6).joined(separator: ", ")
            hints.append(Diagnoser.joined("The certificate does not name '", sni, "' (names: ", names, ")."))
            found = true
        }
        if leaf.pointee.selfSigned {
            hints.append(Diagnoser.joined("The server's certificate is self-signed (", leaf.pointee.subject,
                                          "): clients trust it only if it is installed in their trust store."))
            found = true
        } else if count == 1 {
            // Not counted as a defect: the issuer may be a root the client has.
            hints.append(Diagnoser.joined("The server sent only its own certificate: if its issuer (", leaf.pointee.issuer,
                                          ") is an intermediate CA, a client that does not already have it cannot build the chain; configure the server to send the full chain."))
        }
        if leaf.pointee.keyType == "RSA", let b = leaf.pointee.keyBits, b < 2048 {
            hints.append(Diagnoser.joined("The certificate's RSA key is only ", String(b), " bits."))
            found = true
        }
        return found
    }
}

/// Host name matching against a certificate (RFC 6125: SAN dNSName, one left-most wildcard label).
public enum CertificateNames {
    public static func matches(_ host: String, _ cert: CertificateInfo) -> Bool {
        asciiMatches(host, cert) ?? generalMatches(host, cert)
    }

    /// `generalMatches` over ASCII bytes, without making any string (a failure's certificate
    /// check made a lowercased copy of the host and of every name, and searched them by
    /// Character); nil, for the general way, when the host or a name is not ASCII (Unicode case
    /// folding and canonical equivalence then apply), the host is longer than a DNS name can be,
    /// or no subjectAltName gives a name (the subject's CN is used then).
    static func asciiMatches(_ host: String, _ cert: CertificateInfo) -> Bool? {
        @inline(__always) func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5a ? b | 0x20 : b }
        let result: Bool?? = host.utf8.withContiguousStorageIfAvailable { h -> Bool? in
            guard h.count <= 255, !h.contains(where: { $0 >= 0x80 }) else { return nil }
            // The host's first dot (a wildcard stands for the one label before it).
            let dot = h.firstIndex(of: UInt8(ascii: "."))
            var named = false
            let found: Bool?? = cert.subjectAltNames.withUnsafeBufferPointer { names -> Bool? in
                for entry in names {
                    let one: Bool?? = entry.utf8.withContiguousStorageIfAvailable { n -> Bool? in
                        guard !n.contains(where: { $0 >= 0x80 }) else { return nil }
                        // "DNS:name" (compared lowercased) or "IP:address" (compared as written).
                        let start: Int, fold: Bool
                        if n.count >= 4, n[0] == 0x44, n[1] == 0x4e, n[2] == 0x53, n[3] == 0x3a { start = 4; fold = true }
                        else if n.count >= 3, n[0] == 0x49, n[1] == 0x50, n[2] == 0x3a { start = 3; fold = false }
                        else { return false }
                        named = true
                        let len = n.count &- start
                        @inline(__always) func at(_ i: Int) -> UInt8 { fold ? lower(n[start &+ i]) : n[start &+ i] }
                        // The name whole.
                        if len == h.count {
                            var same = true
                            for i in 0..<len where at(i) != lower(h[i]) { same = false; break }
                            if same { return true }
                        }
                        // "*.rest": the host's part after its first dot is "rest", and that dot is not its first byte.
                        if len >= 2, at(0) == UInt8(ascii: "*"), at(1) == UInt8(ascii: "."), let dot, dot > 0 {
                            let tail = h.count &- dot &- 1
                            if tail == len &- 2 {
                                var same = true
                                for i in 0..<tail where at(2 &+ i) != lower(h[dot &+ 1 &+ i]) { same = false; break }
                                if same { return true }
                            }
                        }
                        return false
                    }
                    guard let one, let matched = one else { return nil }
                    if matched { return true }
                }
                return false
            }
            guard let found, let matched = found else { return nil }
            if matched { return true }
            return named ? false : nil
        }
        return result ?? nil
    }

    /// The names' rules over Strings (any text).
    static func generalMatches(_ host: String, _ cert: CertificateInfo) -> Bool {
        let h = host.lowercased()
        var names = cert.subjectAltNames.compactMap { n -> String? in
            if n.hasPrefix("DNS:") { return String(n.dropFirst(4)).lowercased() }
            if n.hasPrefix("IP:") { return String(n.dropFirst(3)) }
            return nil
        }
        if names.isEmpty, let cn = commonName(cert.subject) { names = [cn.lowercased()] }
        for n in names {
            if n == h { return true }
            if n.hasPrefix("*."), let dot = h.firstIndex(of: ".") {
                if h[h.index(after: dot)...] == n.dropFirst(2) && !h[..<dot].isEmpty { return true }
            }
        }
        return false
    }

    static func commonName(_ dn: String) -> String? {
        for part in dn.split(separator: ",") {
            let t = part.trimmingCharacters(in: " ")
            if t.hasPrefix("CN=") { return String(t.dropFirst(3)) }
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in c: Character) -> Substring {
        var s = self
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return s
    }
}

/// The hints comparing a client's offer with what its server accepted from others
/// (`Builder.addCrossConnectionHints`) and the blame they imply (`crossConnectionBlame`), made once
/// for each offer and profile: the failures of a capture are diagnosed after its successes are
/// counted, and the same clients fail against the same servers again and again. The lines depend on
/// nothing else than the key: the server's success count, the suites and versions it chose for
/// others, the offer (suites, highest version, server name) and the knowledge's scope.
///
/// A small direct-mapped table per thread shard (`ThreadSlot`, like `SuccessTexts`): an entry is
/// used only when its whole key is equal (every value compared); a slot taken by another key is
/// overwritten, so it stays at 32 entries.
final class CrossConnectionHints: Sendable {
    let successes: Int
    let suites: [UInt16: Int]
    let versions: [UInt16: Int]
    let offered: [UInt16]
    let maxVersion: UInt16
    let sni: String?
    let scope: String
    let lines: [String]
    let blame: Blame?

    init(successes: Int, suites: [UInt16: Int], versions: [UInt16: Int], offered: [UInt16], maxVersion: UInt16,
         sni: String?, scope: String) {
        self.successes = successes; self.suites = suites; self.versions = versions; self.offered = offered
        self.maxVersion = maxVersion; self.sni = sni; self.scope = scope
        (lines, blame) = CrossConnectionHints.make(successes: successes, suites: suites, versions: versions,
                                                   offered: offered, maxVersion: maxVersion, sni: sni, scope: scope)
    }

    static let slots = 32
    private final class Table: Sendable {
        let entries = Mutex<[CrossConnectionHints?]>([CrossConnectionHints?](repeating: nil, count: slots))
    }
    private static let tables: [Table] = (0..<SuccessTexts.shards).map { _ in Table() }

    static func lookup(_ p: ServerProfile, _ ch: ClientHelloInfo, scope: String) -> CrossConnectionHints {
        let suites = p.cipherSuites, versions = p.versions, offered = ch.cipherSuites, maxVersion = ch.maxVersion, sni = ch.sni
        var h = UInt32(truncatingIfNeeded: p.successes) &* 31 &+ UInt32(truncatingIfNeeded: offered.count)
        h = h &* 31 &+ UInt32(maxVersion)
        h = h &* 31 &+ UInt32(truncatingIfNeeded: suites.count)
        h = h &* 31 &+ UInt32(truncatingIfNeeded: sni?.utf8.count ?? -1)
        let slot = Int(truncatingIfNeeded: (h &* 0x9E37_79B1) >> 27) & (slots &- 1)
        let table = tables[ThreadSlot.shard(of: SuccessTexts.shards)]
        if let hit = table.entries.withLock({ t -> CrossConnectionHints? in
            guard let e = t[slot], e.successes == p.successes, e.maxVersion == maxVersion, e.sni == sni, e.scope == scope,
                  e.offered == offered, e.suites == suites, e.versions == versions else { return nil }
            return e
        }) { return hit }
        let made = CrossConnectionHints(successes: p.successes, suites: suites, versions: versions, offered: offered,
                                        maxVersion: maxVersion, sni: sni, scope: scope)
        table.entries.withLock { $0[slot] = made }
        return made
    }

    static func make(successes: Int, suites: [UInt16: Int], versions: [UInt16: Int], offered: [UInt16], maxVersion: UInt16,
                     sni: String?, scope: String) -> (lines: [String], blame: Blame?) {
        // (The offer is searched in place: a hello offers a few dozen suites, the server chose a
        // few, and a Set of the offer cost more than every search.)
        let blame: Blame? = suites.keys.contains(where: { offered.contains($0) }) ? nil : .client
        let top = ServerProfile.ranked(suites).prefix(3)
        guard let (_, n) = top.first else { return ([], blame) }
        var lines: [String] = []
        let others = successes
        let chosenText = top.map { Diagnoser.joined(Names.cipherSuite($0.0), " (", String($0.1), ")") }.joined(separator: ", ")
        lines.append(Diagnoser.text("This server completed ", String(others), " other handshake", others == 1 ? "" : "s", " ",
                                    scope, ", choosing ", chosenText, "."))
        let common = suites.keys.filter { offered.contains($0) }
        if common.isEmpty {
            var line = "This client offered none of the suites the server chose for others"
            // TLS 1.3 suites name no key type; the TLS ≤ 1.2 ones the server chose show its certificate's.
            let auths = Set(suites.keys.compactMap(Names.suiteAuthentication).filter { $0 != "TLS13" })
            if auths.count == 1, let a = auths.first, !offered.contains(where: { Names.suiteAuthentication($0) == a }) {
                line += ": it offered no \(a) suite, and every TLS 1.2 handshake this server completed used \(a) (its certificate's key type)"
            }
            if versions.keys.contains(0x0304) && maxVersion < 0x0304 {
                line += "; the others also used TLS 1.3, which this client does not offer"
            }
            lines.append(line + ".")
        } else if n > 0 {
            let versionList = ServerProfile.ranked(versions).map { Names.version($0.0) }.joined(separator: ", ")
            lines.append(Diagnoser.text("This client did offer ", common.prefix(3).map(Names.cipherSuite).joined(separator: ", "),
                                        ", which the server accepted from others (versions ", versionList,
                                        "); compare the rest of the offer (versions up to ", Names.version(maxVersion),
                                        ", SNI ", sni ?? "none", ", groups) with theirs."))
        }
        return (lines, blame)
    }
}
