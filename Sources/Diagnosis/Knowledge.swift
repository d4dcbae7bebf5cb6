import NetCore
import Handshake

/// What a server was seen to accept in its successful handshakes, so that its failures with other
/// clients can be explained ("this server chose X for 12 other clients; this client offered no ECDSA
/// suite"). Built over one capture by `analyze`, over every capture by `batch`.
public struct ServerProfile: Hashable, Sendable {
    public var successes = 0
    public var failures = 0
    public var versions: [UInt16: Int] = [:]
    public var cipherSuites: [UInt16: Int] = [:]
    public var groups: [UInt16: Int] = [:]
    public var alpn: [String: Int] = [:]
    public var certificateKeyTypes: [String: Int] = [:]
    /// Server names the successful clients asked for.
    public var serverNames: [String: Int] = [:]
    public init() {}

    public mutating func addSuccess(_ h: HandshakeFacts) {
        successes += 1
        guard let sh = h.serverHello else { return }
        versions[sh.version, default: 0] += 1
        cipherSuites[sh.cipherSuite, default: 0] += 1
        if let g = sh.keyShareGroup { groups[g, default: 0] += 1 }
        if let g = h.keyExchange?.group { groups[g, default: 0] += 1 }
        if let a = sh.alpn { alpn[a, default: 0] += 1 }
        if let leaf = h.certificates.first { certificateKeyTypes[leaf.keyType, default: 0] += 1 }
        if let n = h.clientHello?.sni { serverNames[n, default: 0] += 1 }
    }

    public mutating func merge(_ o: ServerProfile) {
        successes += o.successes
        failures += o.failures
        versions.merge(o.versions, uniquingKeysWith: +)
        cipherSuites.merge(o.cipherSuites, uniquingKeysWith: +)
        groups.merge(o.groups, uniquingKeysWith: +)
        alpn.merge(o.alpn, uniquingKeysWith: +)
        certificateKeyTypes.merge(o.certificateKeyTypes, uniquingKeysWith: +)
        serverNames.merge(o.serverNames, uniquingKeysWith: +)
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
    public var servers: [Endpoint: ServerProfile] = [:]
    public init() {}

    public mutating func addSuccess(server: Endpoint, _ h: HandshakeFacts) {
        servers[server, default: ServerProfile()].addSuccess(h)
    }
    public mutating func addFailure(server: Endpoint) {
        servers[server, default: ServerProfile()].failures += 1
    }
    public mutating func merge(_ o: ServerKnowledge) {
        for (k, v) in o.servers { servers[k, default: ServerProfile()].merge(v) }
    }
    public func profile(_ server: Endpoint) -> ServerProfile? { servers[server] }
}
