import NetCore
import Handshake

/// What a server was seen to accept in its successful handshakes, so that its failures with other
/// clients can be explained ("this server chose X for 12 other clients; this client offered no ECDSA
/// suite"). Built over one capture by `analyze`, over every capture by `batch`.
public struct ServerProfile: Hashable, Sendable {
    public var successes = 0
    public var failures = 0
    // The tallies, with the successes still waiting in `pending` counted in (see below).
    public var versions: [UInt16: Int] {
        get { tally(\.versions) }
        set { setTally(\.versions, newValue) }
    }
    public var cipherSuites: [UInt16: Int] {
        get { tally(\.cipherSuites) }
        set { setTally(\.cipherSuites, newValue) }
    }
    public var groups: [UInt16: Int] {
        get { tally(\.groups) }
        set { setTally(\.groups, newValue) }
    }
    public var alpn: [String: Int] {
        get { tally(\.alpn) }
        set { setTally(\.alpn, newValue) }
    }
    public var certificateKeyTypes: [String: Int] {
        get { tally(\.certificateKeyTypes) }
        set { setTally(\.certificateKeyTypes, newValue) }
    }
    /// Server names the successful clients asked for.
    public var serverNames: [String: Int] {
        get { tally(\.serverNames) }
        set { setTally(\.serverNames, newValue) }
    }
    public init() {}

    /// One tally, the pending successes counted in.
    @inline(__always) private func tally<V>(_ field: KeyPath<Tallies, V>) -> V {
        pending.isEmpty ? tallied[keyPath: field] : withPending.tallied[keyPath: field]
    }

    @inline(__always) private mutating func setTally<V>(_ field: WritableKeyPath<Tallies, V>, _ value: V) {
        foldPending()
        tallied[keyPath: field] = value
    }

    struct Tallies: Hashable, Sendable {
        var versions: [UInt16: Int] = [:]
        var cipherSuites: [UInt16: Int] = [:]
        var groups: [UInt16: Int] = [:]
        var alpn: [String: Int] = [:]
        var certificateKeyTypes: [String: Int] = [:]
        var serverNames: [String: Int] = [:]
    }

    /// What one success adds to the tallies, and how many successes added it.
    struct Shape: Sendable {
        var version: UInt16
        var suite: UInt16
        var keyShareGroup: UInt16?
        var keyExchangeGroup: UInt16?
        var alpn: String?
        var keyType: String?
        var serverName: String?
        var count = 1
    }

    var tallied = Tallies()
    /// Successes not yet counted into `tallied`, by shape: a server's successes repeat a few
    /// shapes, and a count here costs a few compares where the six tallies cost a dictionary
    /// update each (the value hashed). At most `pendingLimit` shapes; all are counted in when it
    /// is full and whenever a tally is changed.
    var pending: [Shape] = []
    static let pendingLimit = 8

    /// This profile with the pending successes counted in.
    var withPending: ServerProfile {
        var p = self
        p.foldPending()
        return p
    }

    mutating func foldPending() {
        guard !pending.isEmpty else { return }
        for s in pending {
            tallied.versions[s.version, default: 0] += s.count
            tallied.cipherSuites[s.suite, default: 0] += s.count
            if let g = s.keyShareGroup { tallied.groups[g, default: 0] += s.count }
            if let g = s.keyExchangeGroup { tallied.groups[g, default: 0] += s.count }
            if let a = s.alpn { tallied.alpn[a, default: 0] += s.count }
            if let k = s.keyType { tallied.certificateKeyTypes[k, default: 0] += s.count }
            if let n = s.serverName { tallied.serverNames[n, default: 0] += s.count }
        }
        pending = []
    }

    public mutating func addSuccess(_ h: HandshakeFacts) {
        _ = addSuccessNoting(h)
    }

    /// `addSuccess(h)`; true when the profile had no pending successes before.
    mutating func addSuccessNoting(_ h: HandshakeFacts) -> Bool {
        successes += 1
        // (Each value is read where it is: binding the ServerHello, the leaf certificate or the
        // key exchange to a name copied it, every list and string in it retained and released.)
        guard let sh = h.serverHelloChoice else { return false }
        // (The values compared as they are read, a `Shape` made only when a new one is kept: one
        // made to be compared was destroyed again, an outlined call releasing its strings.)
        let version = sh.version, suite = sh.cipherSuite
        let keyShareGroup = h.serverHello?.keyShareGroup, keyExchangeGroup = h.keyExchange?.group
        let alpn = h.serverHello?.alpn
        let keyType = h.certificates.withUnsafeBufferPointer { $0.isEmpty ? nil : $0[0].keyType }
        let serverName = h.clientHello?.sni
        for i in pending.indices where pending[i].version == version && pending[i].suite == suite
            && pending[i].keyShareGroup == keyShareGroup && pending[i].keyExchangeGroup == keyExchangeGroup
            && pending[i].alpn == alpn && pending[i].keyType == keyType && pending[i].serverName == serverName {
            pending[i].count += 1
            return false
        }
        let shape = Shape(version: version, suite: suite, keyShareGroup: keyShareGroup, keyExchangeGroup: keyExchangeGroup,
                          alpn: alpn, keyType: keyType, serverName: serverName)
        let first = pending.isEmpty
        if pending.count >= ServerProfile.pendingLimit { foldPending() }
        pending.append(shape)
        return first
    }

    public mutating func merge(_ o: ServerProfile) {
        foldPending()
        let t = o.withPending.tallied
        successes += o.successes
        failures += o.failures
        tallied.versions.merge(t.versions, uniquingKeysWith: +)
        tallied.cipherSuites.merge(t.cipherSuites, uniquingKeysWith: +)
        tallied.groups.merge(t.groups, uniquingKeysWith: +)
        tallied.alpn.merge(t.alpn, uniquingKeysWith: +)
        tallied.certificateKeyTypes.merge(t.certificateKeyTypes, uniquingKeysWith: +)
        tallied.serverNames.merge(t.serverNames, uniquingKeysWith: +)
    }

    // Equality and hashing of what the profile counts (pending successes counted in).
    public static func == (a: ServerProfile, b: ServerProfile) -> Bool {
        a.successes == b.successes && a.failures == b.failures && a.withPending.tallied == b.withPending.tallied
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(successes)
        hasher.combine(failures)
        hasher.combine(withPending.tallied)
    }

    /// Keys by count, most first; ties by key for stable output.
    static func ranked<K: Comparable>(_ d: [K: Int]) -> [(K, Int)] {
        d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }
    public var rankedSuites: [(UInt16, Int)] { ServerProfile.ranked(cipherSuites) }
    public var rankedVersions: [(UInt16, Int)] { ServerProfile.ranked(versions) }
}

/// Profiles of every server seen, keyed by `ip:port` of the server.
public struct ServerKnowledge: Sendable {
    public var servers: [Endpoint: ServerProfile] {
        get { profiles }
        set { profiles = newValue; recent.removeAll(); advance() }
        _modify { recent.removeAll(); advance(); yield &profiles }
    }

    /// An identity for a line of knowledge values: a value that is changed while a copy of it
    /// exists gets a new one (`advance`), so two values with the same lineage object and the same
    /// `generation` have had the same successes added since they were one value.
    final class Lineage: Sendable {}
    /// nil until the first success (no profile has any then).
    private(set) var lineage: Lineage?
    /// Counts the changes that may change a profile's successes (a success added, profiles merged
    /// or replaced; not a failure counted) within `lineage`. Equal lineage objects and generations:
    /// equal success tallies (`VerdictTexts` remembers cross-connection hints by them).
    private(set) var generation: UInt64 = 0

    /// Marks a change of the success tallies.
    @inline(__always)
    private mutating func advance() {
        if !isKnownUniquelyReferenced(&lineage) { lineage = Lineage() }
        generation &+= 1
    }
    /// The profiles (`servers`).
    var profiles: [Endpoint: ServerProfile] = [:]
    /// Where the profiles of the servers seen lately are in `profiles`: `recentWays` slots a set,
    /// the set of a server by a cheap mix of its address and port (`recentSet`), `recentLimit`
    /// slots once one is set, the one noted last first in its set. A success finds its server's by
    /// comparing a few endpoints, not by hashing one for the dictionary (about 325 instructions)
    /// nor by comparing a list of all of them in turn (a capture's dozen or so servers took about
    /// 80). (One slot a server let the servers that met in a slot push each other out: 15,000
    /// dictionary lookups in 24,000 successes of 17 servers.) A position holds while no server is
    /// added or removed: emptied whenever `profiles` may change other than in a profile's place.
    var recent: [(server: Endpoint, at: Dictionary<Endpoint, ServerProfile>.Index)?] = []
    static let recentWays = 4
    static let recentLimit = 64

    /// The first slot of `server`'s set in `recent`.
    @inline(__always)
    static func recentSet(_ server: Endpoint) -> Int {
        let a = server.address
        // (Fibonacci hashing: the top bits of the product by 2^64 / φ spread addresses that differ in
        // their last bits, as a capture's servers mostly do, over all the sets.)
        let h = (a.low ^ (a.high &* 0xFF51_AFD7_ED55_8CCD) ^ UInt64(server.port) &<< 40) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h &>> 60) &* recentWays & (recentLimit &- 1)
    }

    /// The position of `server`'s profile when `recent` has it in the set from `first`.
    @inline(__always)
    func recentPosition(_ server: Endpoint, _ first: Int) -> Dictionary<Endpoint, ServerProfile>.Index? {
        guard recent.count == ServerKnowledge.recentLimit else { return nil }
        for i in first..<(first &+ ServerKnowledge.recentWays) {
            if let e = recent[i], e.server == server { return e.at }
        }
        return nil
    }

    /// Notes `server`'s profile at `at` first in the set from `first` (the others move back, the
    /// last is let go; the slots made first when emptied).
    mutating func remember(_ server: Endpoint, at: Dictionary<Endpoint, ServerProfile>.Index, _ first: Int) {
        if recent.count != ServerKnowledge.recentLimit {
            recent.removeAll(keepingCapacity: true)
            recent.append(contentsOf: repeatElement(nil, count: ServerKnowledge.recentLimit))
        }
        var i = first &+ ServerKnowledge.recentWays &- 1
        while i > first { recent[i] = recent[i &- 1]; i &-= 1 }
        recent[first] = (server, at)
    }

    /// Servers whose profiles may hold pending successes (`ServerProfile.pending`), counted in
    /// at the next failure: failures are what read the profiles.
    var pendingServers: [Endpoint] = []
    public init() {}

    public mutating func addSuccess(server: Endpoint, _ h: HandshakeFacts) {
        advance()
        let at: Dictionary<Endpoint, ServerProfile>.Index
        let slot = ServerKnowledge.recentSet(server)
        if let known = recentPosition(server, slot) {
            at = known
        } else {
            if let found = profiles.index(forKey: server) {
                at = found
            } else {
                profiles[server] = ServerProfile()
                recent.removeAll(keepingCapacity: true)
                guard let added = profiles.index(forKey: server) else { return }
                at = added
            }
            remember(server, at: at, slot)
        }
        if profiles.values[at].addSuccessNoting(h) { pendingServers.append(server) }
    }
    public mutating func addFailure(server: Endpoint) {
        foldPending()
        // (The failures that waited are counted one after the other, mostly of a few servers: a
        // known server's profile is found as a success finds it, by comparing endpoints, not by
        // hashing one. Counting a failure adds no server unless it is new.)
        let slot = ServerKnowledge.recentSet(server)
        if let known = recentPosition(server, slot) {
            profiles.values[known].failures += 1
            return
        }
        if let found = profiles.index(forKey: server) {
            profiles.values[found].failures += 1
            remember(server, at: found, slot)
            return
        }
        var p = ServerProfile()
        p.failures = 1
        profiles[server] = p
        recent.removeAll(keepingCapacity: true)
    }
    public mutating func merge(_ o: ServerKnowledge) {
        advance()
        recent.removeAll(keepingCapacity: true)
        for (k, v) in o.profiles { profiles[k, default: ServerProfile()].merge(v) }
    }
    /// The server's profile, its pending successes counted in.
    public func profile(_ server: Endpoint) -> ServerProfile? {
        guard let p = profiles[server] else { return nil }
        return p.pending.isEmpty ? p : p.withPending
    }
    /// Counts every profile's pending successes into its tallies.
    mutating func foldPending() {
        guard !pendingServers.isEmpty else { return }
        for server in pendingServers { profiles[server]?.foldPending() }
        pendingServers = []
    }
}
