import NetCore
import FlowTrack
import Handshake
import Diagnosis
import TLSWire

/// Old or weak things a client still offers, counted per client address.
public enum LegacyOffer: String, CaseIterable, Hashable, Sendable, Comparable {
    /// TLS 1.1 or older: supported_versions lists TLS 1.1, TLS 1.0 or SSL 3.0, or (without that
    /// extension) the hello's version is TLS 1.1 or older. A TLS 1.2 hello without supported_versions
    /// does not say how low the client would go, so it is not counted.
    case oldVersions = "TLS 1.0/1.1"
    /// A suite with RC4.
    case rc4 = "RC4"
    /// A suite with 3DES (TLS_*_WITH_3DES_EDE_CBC_*).
    case tripleDES = "3DES"
    /// No AEAD suite (GCM, CCM, ChaCha20-Poly1305, TLS 1.3) at all: CBC (or worse) only.
    case cbcOnly = "CBC only"
    /// A suite with RSA key transport (TLS_RSA_WITH_*: no forward secrecy).
    case rsaKeyExchange = "RSA key exchange"

    public static func < (a: LegacyOffer, b: LegacyOffer) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Which of these a ClientHello offers.
    public static func offered(by ch: ClientHelloInfo) -> [LegacyOffer] {
        var out: [LegacyOffer] = []
        let versions = ch.supportedVersions.filter { !isGREASE16($0) }
        if versions.isEmpty {
            if ch.maxVersion != 0 && ch.maxVersion <= 0x0302 { out.append(.oldVersions) }
        } else if versions.contains(where: { $0 >= 0x0300 && $0 <= 0x0302 }) {
            out.append(.oldVersions)
        }
        let suites = ch.cipherSuites.map { CipherSuite(rawValue: $0) }.filter { $0.isSelectable && $0.info != nil }
        if suites.contains(where: { $0.isRC4 }) { out.append(.rc4) }
        if suites.contains(where: { $0.is3DES }) { out.append(.tripleDES) }
        if !suites.isEmpty && !suites.contains(where: { $0.isAEAD || $0.isTLS13 }) && suites.contains(where: { $0.isCBC }) {
            out.append(.cbcOnly)
        }
        if suites.contains(where: { $0.keyExchange == .rsa }) { out.append(.rsaKeyExchange) }
        return out
    }
}

/// What the batch's offer counts need to know of each cipher suite value, one bit each, looked up
/// in the registry the first time a value is met (a worker's own table of 64 Ki entries, no lock).
/// `LegacyOffer.offered(by:)` says the same from `CipherSuite`'s properties; a test checks they agree.
final class SuiteTraits {
    static let selectable: UInt8 = 1 << 0   // neither GREASE nor a signalling value
    static let known: UInt8 = 1 << 1        // in the registry
    static let rc4: UInt8 = 1 << 2
    static let tripleDES: UInt8 = 1 << 3
    static let aeadOrTLS13: UInt8 = 1 << 4
    static let cbc: UInt8 = 1 << 5
    static let rsaKeyExchange: UInt8 = 1 << 6
    static let unset: UInt8 = 1 << 7

    // Fixed-size tables of their own (not arrays: every read and write of an array stored in a class
    // was an exclusivity check and a uniqueness check, 23 a hello); a SuiteTraits belongs to one
    // worker thread.
    private let table: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 65_536)
        p.initialize(repeating: SuiteTraits.unset, count: 65_536)
        return p
    }()
    /// For each value, the last round (one per ClientHello) it was met in: duplicates in a list are
    /// counted once.
    private let seen: UnsafeMutablePointer<UInt32> = {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: 65_536)
        p.initialize(repeating: 0, count: 65_536)
        return p
    }()
    @exclusivity(unchecked) private var round: UInt32 = 0
    /// Offered suites counted by value (`countOffered`) until `flushOffered` adds them to an
    /// aggregate's dictionary: a dictionary increment hashed every suite of every hello.
    private let offered: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: 65_536)
        p.initialize(repeating: 0, count: 65_536)
        return p
    }()
    /// The values whose `offered` count is not zero, in the order first counted.
    @exclusivity(unchecked) private var offeredValues: [UInt16] = []

    deinit {
        table.deallocate()
        seen.deallocate()
        offered.deallocate()
    }

    @inline(__always) func countOffered(_ value: UInt16) {
        if offered[Int(value)] == 0 { offeredValues.append(value) }
        offered[Int(value)] &+= 1
    }

    /// Adds the suites counted since the last flush to `a.offeredSuites`, and starts over.
    func flushOffered(into a: inout BatchAggregates) {
        for v in offeredValues {
            a.offeredSuites[v, default: 0] += offered[Int(v)]
            offered[Int(v)] = 0
        }
        offeredValues.removeAll(keepingCapacity: true)
    }

    func of(_ value: UInt16) -> UInt8 {
        let t = table[Int(value)]
        if t & SuiteTraits.unset == 0 { return t }
        let n = SuiteTraits.compute(CipherSuite(rawValue: value))
        table[Int(value)] = n
        return n
    }

    static func compute(_ s: CipherSuite) -> UInt8 {
        var t: UInt8 = 0
        if s.isSelectable { t |= selectable }
        guard let info = s.info else { return t }
        t |= known
        if info.cipher == .rc4 { t |= rc4 }
        if info.cipher == .tripleDES { t |= tripleDES }
        if info.mode.isAEAD || info.keyExchange == .tls13 { t |= aeadOrTLS13 }
        if info.mode == .cbc { t |= cbc }
        if info.keyExchange == .rsa { t |= rsaKeyExchange }
        return t
    }

    /// Starts a new list (see `firstInRound`).
    func nextRound() -> UInt32 {
        round &+= 1
        if round == 0 {   // wrapped (after 4 billion lists): start the marks over
            seen.update(repeating: 0, count: 65_536)
            round = 1
        }
        return round
    }

    /// Whether `value` is met for the first time in this round.
    func firstInRound(_ value: UInt16, _ round: UInt32) -> Bool {
        if seen[Int(value)] == round { return false }
        seen[Int(value)] = round
        return true
    }

    /// `LegacyOffer.offered(by:)`, from the table.
    func legacyOffers(_ ch: ClientHelloInfo) -> [LegacyOffer] {
        var out: [LegacyOffer] = []
        var versions = false, old = false
        for v in ch.supportedVersions where !isGREASE16(v) {
            versions = true
            if v >= 0x0300 && v <= 0x0302 { old = true }
        }
        if versions ? old : (ch.maxVersion != 0 && ch.maxVersion <= 0x0302) { out.append(.oldVersions) }
        // Over the selectable suites the registry knows, as `offered(by:)` filters them.
        var any: UInt8 = 0, count = 0
        for s in ch.cipherSuites {
            let t = of(s)
            guard t & (SuiteTraits.selectable | SuiteTraits.known) == SuiteTraits.selectable | SuiteTraits.known else { continue }
            any |= t
            count += 1
        }
        if any & SuiteTraits.rc4 != 0 { out.append(.rc4) }
        if any & SuiteTraits.tripleDES != 0 { out.append(.tripleDES) }
        if count > 0 && any & SuiteTraits.aeadOrTLS13 == 0 && any & SuiteTraits.cbc != 0 { out.append(.cbcOnly) }
        if any & SuiteTraits.rsaKeyExchange != 0 { out.append(.rsaKeyExchange) }
        return out
    }
}

/// Connections and failures of one server (or one client address).
public struct EndpointTally: Hashable, Sendable {
    public var connections = 0
    /// Connections whose handshake did not succeed (any outcome but success).
    public var failures = 0
    /// Of those, the definite ones: refused or broken off, or TCP never established (not the
    /// captures that ended or began mid-handshake, nor the connections that were not TLS).
    public var definiteFailures = 0
    public var byCategory: [Category: Int] = [:]
    /// The first failure of each category: the smallest `order` (capture, then connection) wins, so
    /// the result does not depend on which thread counted what.
    public var firstFailure: [Category: FirstFailure] = [:]
    public init() {}

    /// The summary of the first failure of each category.
    public var firstSummary: [Category: String] { firstFailure.mapValues(\.summary) }

    /// The category with the most failures (ties: by name).
    public var topCategory: (Category, Int)? {
        byCategory.filter { $0.key != .ok }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }.first
            .map { ($0.key, $0.value) }
    }

    mutating func merge(_ o: EndpointTally) {
        connections += o.connections
        failures += o.failures
        definiteFailures += o.definiteFailures
        byCategory.merge(o.byCategory, uniquingKeysWith: +)
        firstFailure.merge(o.firstFailure) { a, b in a.order <= b.order ? a : b }
    }
}

/// Where a failure stands in the batch (capture index, then connection) and its summary.
public struct FirstFailure: Hashable, Sendable {
    public var order: Int
    public var summary: String
    public init(order: Int, summary: String) { self.order = order; self.summary = summary }
}

/// One JA4 fingerprint: how often, from how many client addresses, for which names.
public struct FingerprintTally: Hashable, Sendable {
    public var connections = 0
    public var failures = 0
    public var clients: Set<IPAddress> = []
    /// Server names asked for with it, every one (as `clients`): a cap on distinct names made the
    /// names kept depend on which captures each worker thread took, and could drop the most common.
    public var serverNames: [String: Int] = [:]
    public init() {}

    mutating func addConnection(client: IPAddress, serverName: String?) {
        connections += 1
        clients.insert(client)
        if let n = serverName { serverNames[n, default: 0] += 1 }
    }

    mutating func merge(_ o: FingerprintTally) {
        connections += o.connections
        failures += o.failures
        clients.formUnion(o.clients)
        serverNames.merge(o.serverNames, uniquingKeysWith: +)
    }
}

/// Successful and failed connections that started in one hour.
public struct HourTally: Hashable, Sendable {
    public var successes = 0
    public var failures = 0
    public init() {}
}

/// Everything the batch report counts, merged over captures.
///
/// Every field is a count or a set, so merging is commutative: the order in which the workers finish
/// does not change the report. The offer side (versions, suites, fingerprints, legacy offers) is
/// counted for every reported connection as it is read; the verdict side (categories, per server and
/// per client failures, time) when its diagnosis is known: at once for successes, at the end for the
/// rest (their verdicts use every capture's successes).
public struct BatchAggregates: Sendable {
    /// Every TCP connection seen, reported or not.
    public var tcpConnections = 0
    public var reported = 0
    public var successes = 0
    public var failures = 0
    public var byOutcome: [Outcome: Int] = [:]
    public var byCategory: [Category: Int] = [:]
    public var byBlame: [String: Int] = [:]
    /// Connections by the highest version their ClientHello offered.
    public var offeredVersions: [UInt16: Int] = [:]
    /// Connections by the version their ServerHello chose.
    public var negotiatedVersions: [UInt16: Int] = [:]
    /// Connections offering each suite (GREASE and the signalling values left out).
    public var offeredSuites: [UInt16: Int] = [:]
    public var negotiatedSuites: [UInt16: Int] = [:]
    public var fingerprints: [String: FingerprintTally] = [:]
    /// Per legacy offer: client address → connections.
    public var legacy: [LegacyOffer: [IPAddress: Int]] = [:]
    public var servers: [Endpoint: EndpointTally] = [:]
    public var clients: [IPAddress: EndpointTally] = [:]
    /// Hours since the epoch (floor) → connections started in it.
    public var hours: [Int64: HourTally] = [:]
    /// Connections with a ClientHello.
    public var withClientHello = 0
    public init() {}

    /// Counts what the client offered and the server chose (no verdict needed).
    /// `traits` is the worker's own table of suite traits (each suite value looked up in the registry
    /// once, not once per connection and property); it also holds the offered suites' counts until
    /// `traits.flushOffered(into:)` adds them to `offeredSuites`.
    mutating func addOffer(_ c: ConnectionFacts, _ h: HandshakeFacts, traits: SuiteTraits) {
        reported += 1
        if let ch = h.clientHello {
            withClientHello += 1
            offeredVersions[ch.maxVersion, default: 0] += 1
            let suites = ch.cipherSuites
            let round = traits.nextRound()
            // Counted in `traits` (per worker thread) and added to `offeredSuites` by
            // `traits.flushOffered(into:)`, which the reader of `offeredSuites` calls first.
            for s in suites where traits.of(s) & SuiteTraits.selectable != 0 && traits.firstInRound(s, round) {
                traits.countOffered(s)
            }
            if let fp = ch.ja4 {
                // In place: a copy of the tally would copy its set of clients on every connection.
                fingerprints[fp, default: FingerprintTally()].addConnection(client: c.client.address, serverName: ch.sni)
            }
            for o in traits.legacyOffers(ch) { legacy[o, default: [:]][c.client.address, default: 0] += 1 }
        }
        if let sh = h.serverHello, !sh.isHelloRetryRequest {
            negotiatedVersions[sh.version, default: 0] += 1
            negotiatedSuites[sh.cipherSuite, default: 0] += 1
        }
    }

    /// Counts a verdict. `order` places the connection in the batch (see `FirstFailure`).
    public mutating func addVerdict(_ c: ConnectionFacts, _ h: HandshakeFacts, _ d: Diagnosis, order: Int = 0) {
        byOutcome[d.outcome, default: 0] += 1
        byCategory[d.category, default: 0] += 1
        let failed = d.outcome != .success
        if failed {
            failures += 1
            byBlame[d.blame?.rawValue ?? "none", default: 0] += 1
            if let fp = h.clientHello?.ja4 { fingerprints[fp, default: FingerprintTally()].failures += 1 }
        } else { successes += 1 }
        func tally(_ t: inout EndpointTally) {
            t.connections += 1
            if failed {
                t.failures += 1
                if d.outcome == .failure || d.outcome == .noConnection { t.definiteFailures += 1 }
                t.byCategory[d.category, default: 0] += 1
                if let f = t.firstFailure[d.category], f.order <= order {} else {
                    t.firstFailure[d.category] = FirstFailure(order: order, summary: d.summary)
                }
            }
        }
        tally(&servers[c.server, default: EndpointTally()])
        tally(&clients[c.client.address, default: EndpointTally()])
        let hour = BatchAggregates.hour(c.first.time)
        if failed { hours[hour, default: HourTally()].failures += 1 } else { hours[hour, default: HourTally()].successes += 1 }
    }

    static func hour(_ t: Timestamp) -> Int64 {
        t.seconds >= 0 ? t.seconds / 3600 : (t.seconds - 3599) / 3600
    }

    public mutating func merge(_ o: BatchAggregates) {
        tcpConnections += o.tcpConnections
        reported += o.reported
        successes += o.successes
        failures += o.failures
        withClientHello += o.withClientHello
        byOutcome.merge(o.byOutcome, uniquingKeysWith: +)
        byCategory.merge(o.byCategory, uniquingKeysWith: +)
        byBlame.merge(o.byBlame, uniquingKeysWith: +)
        offeredVersions.merge(o.offeredVersions, uniquingKeysWith: +)
        negotiatedVersions.merge(o.negotiatedVersions, uniquingKeysWith: +)
        offeredSuites.merge(o.offeredSuites, uniquingKeysWith: +)
        negotiatedSuites.merge(o.negotiatedSuites, uniquingKeysWith: +)
        for (k, v) in o.fingerprints { fingerprints[k, default: FingerprintTally()].merge(v) }
        for (k, v) in o.legacy { legacy[k, default: [:]].merge(v, uniquingKeysWith: +) }
        for (k, v) in o.servers { servers[k, default: EndpointTally()].merge(v) }
        for (k, v) in o.clients { clients[k, default: EndpointTally()].merge(v) }
        for (k, v) in o.hours {
            var t = hours[k] ?? HourTally()
            t.successes += v.successes; t.failures += v.failures
            hours[k] = t
        }
    }

    // MARK: - Ranked views (ties broken by key, so the report is stable)

    public static func ranked<K>(_ d: [K: Int], by key: (K) -> String) -> [(K, Int)] {
        d.map { ($0.key, $0.value, key($0.key)) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2.utf8.lexicographicallyPrecedes($1.2.utf8) }
            .map { ($0.0, $0.1) }
    }

    /// Newest first: TLS 1.3, its drafts, TLS 1.2 … SSL 2.0, then anything else (DTLS, unknown values).
    public static func versionOrder(_ v: UInt16) -> Int {
        switch v {
        case 0x0002, 0x0300...0x0304: return Int(v) << 8
        case 0x7f00...0x7fff: return 0x0303 << 8 | Int(v & 0xff)
        default: return -Int(v)
        }
    }

    /// Versions newest first (see `versionOrder`).
    public static func sortedVersions<S: Sequence>(_ versions: S) -> [UInt16] where S.Element == UInt16 {
        versions.sorted { versionOrder($0) > versionOrder($1) }
    }

    /// Failure categories, most first.
    public var failureCategories: [(Category, Int)] {
        BatchAggregates.ranked(byCategory.filter { $0.key != .ok }, by: { $0.rawValue })
    }

    /// Servers with failures, worst first: most definite failures (refused or broken off, TCP never
    /// established), then most failures of any kind, then highest share, then by address.
    public var worstServers: [(Endpoint, EndpointTally)] { BatchAggregates.worst(servers, byShare: true) }

    /// Client addresses with failures, most first.
    public var worstClients: [(IPAddress, EndpointTally)] { BatchAggregates.worst(clients, byShare: false) }

    /// The entries with failures: most definite failures first, then most failures, then (`byShare`)
    /// the highest share of failures, then by the key's text. Each key's text is made once and
    /// indices are sorted (a comparison formatted both keys, and moving the rows copied their tables).
    static func worst<K: CustomStringConvertible>(_ tallies: [K: EndpointTally], byShare: Bool) -> [(K, EndpointTally)] {
        var rows: [(K, EndpointTally)] = []
        for (k, v) in tallies where v.failures > 0 { rows.append((k, v)) }
        let texts = rows.map { $0.0.description }
        // The counts compared, not the tallies (a copy of a tally retains its tables).
        let counts = rows.map { (definite: $0.1.definiteFailures, failures: $0.1.failures, connections: $0.1.connections) }
        let order = rows.indices.sorted { i, j in
            let a = counts[i], b = counts[j]
            if a.definite != b.definite { return a.definite > b.definite }
            if a.failures != b.failures { return a.failures > b.failures }
            if byShare {
                let ra = Double(a.failures) / Double(max(1, a.connections))
                let rb = Double(b.failures) / Double(max(1, b.connections))
                if ra != rb { return ra > rb }
            }
            return texts[i].utf8.lexicographicallyPrecedes(texts[j].utf8)
        }
        return order.map { rows[$0] }
    }

    /// JA4 fingerprints, most connections first.
    public var topFingerprints: [(String, FingerprintTally)] {
        fingerprints.sorted { a, b in
            a.value.connections != b.value.connections ? a.value.connections > b.value.connections
                : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }.map { ($0.key, $0.value) }
    }

    /// Per legacy offer: the clients offering it, most connections first.
    public func legacyClients(_ o: LegacyOffer) -> [(IPAddress, Int)] {
        BatchAggregates.ranked(legacy[o] ?? [:], by: { $0.description })
    }
}

/// A time bucket of the "failures over time" chart.
public struct TimeBucket: Hashable, Sendable {
    public var start: Int64
    public var label: String
    public var successes: Int
    public var failures: Int
}

extension BatchAggregates {
    /// The hours folded into at most about `maxBuckets` buckets of an hour or a day (a week past
    /// that), from the first connection's bucket to the last one's, empty buckets included (unless
    /// `sparse`).
    /// `sparse`: the span would need too many buckets, so only those holding connections are listed.
    public func timeBuckets(maxBuckets: Int = 96) -> (unit: String, sparse: Bool, buckets: [TimeBucket]) {
        guard let lo = hours.keys.min(), let hi = hours.keys.max() else { return ("hour", false, []) }
        let spanHours = hi - lo + 1
        let (unit, width): (String, Int64) = spanHours <= Int64(maxBuckets) ? ("hour", 1)
            : (spanHours <= Int64(maxBuckets) * 24 ? ("day", 24) : ("week", 24 * 7))
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
        let first = floorDiv(lo, width), last = floorDiv(hi, width)
        // A batch of captures years apart: list the buckets that hold connections only.
        let sparse = last - first + 1 > Int64(maxBuckets) * 2
        var byBucket: [Int64: HourTally] = [:]
        for (h, t) in hours {
            var b = byBucket[floorDiv(h, width)] ?? HourTally()
            b.successes += t.successes; b.failures += t.failures
            byBucket[floorDiv(h, width)] = b
        }
        let keys: [Int64] = sparse ? byBucket.keys.sorted() : Array(first...last)
        let buckets = keys.map { k -> TimeBucket in
            let t = byBucket[k] ?? HourTally()
            let start = k * width * 3600
            let iso = CivilTime.iso8601(Timestamp(seconds: start, nanoseconds: 0), fraction: false)
            let label = unit == "hour" ? String(iso.prefix(13)).replacingT() + ":00" : String(iso.prefix(10))
            return TimeBucket(start: start, label: label, successes: t.successes, failures: t.failures)
        }
        return (unit, sparse, buckets)
    }
}

extension String {
    fileprivate func replacingT() -> String {
        String(map { $0 == "T" ? " " : $0 })
    }
}
