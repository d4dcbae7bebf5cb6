import NetCore

/// How a connection's TLS story ended.
public enum Outcome: String, Codable, Hashable, Sendable, CaseIterable {
    /// The handshake completed (both Finished seen, or application data flowed both ways).
    case success
    /// The handshake was refused or broken off.
    case failure
    /// The capture ended, or began, mid-handshake: there is not enough to judge.
    case incomplete
    /// A peer answered with something that is not TLS.
    case notTLS = "not-tls"
    /// TCP was never established.
    case noConnection = "no-connection"
}

/// The most specific cause the packets support. Documented one by one in docs/diagnoses.md.
public enum Category: String, Codable, Hashable, Sendable, CaseIterable {
    case ok
    case noCommonCipher = "no-common-cipher"
    case versionMismatch = "version-mismatch"
    case certificateRejected = "certificate-rejected"
    case clientCertRequired = "client-cert-required"
    case unrecognizedName = "unrecognized-name"
    case noApplicationProtocol = "no-application-protocol"
    case inappropriateFallback = "inappropriate-fallback"
    case weakKeyExchange = "weak-key-exchange"
    case serverReset = "server-reset"
    case serverClosed = "server-closed"
    case serverSilent = "server-silent"
    case clientReset = "client-reset"
    case clientClosed = "client-closed"
    case notTLS = "not-tls"
    case connectionRefused = "connection-refused"
    case rdpNegotiationFailure = "rdp-negotiation-failure"
    case captureIncomplete = "capture-incomplete"
    case other
}

/// Which side the evidence points at.
public enum Blame: String, Codable, Hashable, Sendable, CaseIterable {
    case client, server, network, unknown
}

/// One piece of evidence: a packet and what it shows.
public struct Evidence: Codable, Hashable, Sendable {
    public var packet: UInt64
    public var time: Timestamp
    public var text: String
    public init(packet: UInt64, time: Timestamp, text: String) {
        self.packet = packet; self.time = time; self.text = text
    }
}

/// The verdict on one connection: a result value with its evidence, not a thrown error.
public struct Diagnosis: Codable, Hashable, Sendable {
    public var outcome: Outcome
    public var category: Category
    public var blame: Blame?
    /// Holds nothing (always false; not encoded, equal in every value): it is here so that the
    /// memberwise initializer exists beside the public one, which calls it. An initializer that
    /// stores the fields one by one made the value on the stack and then copied it once more and
    /// destroyed the first (a retain and a release of each of its strings and lists, about 240
    /// instructions for every verdict); the memberwise one makes it in place.
    /// (Declared here, it takes a byte of the padding before `summary`: the value stays 56 bytes.)
    private var memberwise = false
    /// One sentence a person can act on.
    public var summary: String
    public var evidence: [Evidence]
    /// Likely causes and next steps, most likely first.
    public var hints: [String]
    /// Set when part of the verdict is inferred (e.g. from the sizes of encrypted records); says from what.
    public var inference: String?

    enum CodingKeys: String, CodingKey { case outcome, category, blame, summary, evidence, hints, inference }
}

extension Diagnosis {
    public init(outcome: Outcome, category: Category, blame: Blame?, summary: String,
                evidence: [Evidence] = [], hints: [String] = [], inference: String? = nil) {
        self.init(outcome: outcome, category: category, blame: blame, memberwise: false, summary: summary, evidence: evidence,
                  hints: hints, inference: inference)
    }
}

// Hashing by case, not by raw value: with a String raw value the standard library's default hashes
// the text (a switch to get it, then SipHash over it), and the batch's tallies hash these for every
// connection. Equality is by case either way. (Hash values are not kept or shown anywhere.)
extension Outcome {
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(withUnsafeBytes(of: self) { $0[0] }) }
    public var hashValue: Int { var h = Hasher(); hash(into: &h); return h.finalize() }
}
extension Category {
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(withUnsafeBytes(of: self) { $0[0] }) }
    public var hashValue: Int { var h = Hasher(); hash(into: &h); return h.finalize() }
}
extension Blame {
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(withUnsafeBytes(of: self) { $0[0] }) }
    public var hashValue: Int { var h = Hasher(); hash(into: &h); return h.finalize() }
}
