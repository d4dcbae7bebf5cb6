import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Reports

/// How live mode decides when to report, and what.
public struct LiveReportingOptions: Sendable {
    /// A connection whose handshake is not settled is reported as it stands once it has been quiet
    /// this long (an unanswered SYN or ClientHello). It is also the longest wait for a failed
    /// handshake's teardown (who closed after the alert) before the failure is reported anyway.
    public var timeoutSeconds: Double = 5
    /// Report every TCP connection, not only those that carried TLS or tried to.
    public var allConnections = false
    /// Hand over only connections whose handshake did not succeed (successes still teach the
    /// server profiles that explain later failures).
    public var failuresOnly = false
    /// Stop reporting after this many reports were handed over (`-c`).
    public var maxReports: Int? = nil
    /// Servers whose successes are remembered to explain later failures. Past this many, new
    /// servers are not learned (the profiles of those known keep growing by their counts only).
    public var maxKnownServers = 10_000
    /// The `capture` field of each report (the interface name in `tlsdiag live`).
    public var captureName = "live"
    /// The connection table's limits. Live defaults: a settled connection is forgotten after 60 s
    /// without packets, a closed one after 1 s (so a connection that closed before its handshake
    /// settled — refused, reset after the ClientHello — is reported about 1 s after its close).
    public var flow: FlowConfig = LiveReportingOptions.defaultFlow

    public static var defaultFlow: FlowConfig {
        var f = FlowConfig()
        f.idleTimeoutSeconds = 60
        f.closedLingerSeconds = 1
        return f
    }

    public init() {}
}

/// Why a connection was reported when it was.
public enum LiveTrigger: Hashable, Sendable {
    /// The handshake settled: a success, or a failure whose connection was already closed.
    case settled
    /// A failed handshake, reported when its connection closed (RST, or FIN from both sides).
    case teardown
    /// A failed handshake whose connection did not close within the timeout after it failed.
    case graceExpired
    /// A handshake that never settled, reported once the connection was quiet past the timeout
    /// (an unanswered SYN or ClientHello). The connection is still tracked: if its handshake
    /// settles later, it is reported again.
    case silent
    /// The connection left the table before its handshake settled (closed, idle, evicted, port reuse).
    case ended(EndReason)
    /// The run stopped (Ctrl-C, SIGTERM, --duration, an error) with the connection still open.
    case stopped
}

/// One live report: the connection's report and why it was made then.
public struct LiveReport: Sendable {
    public var report: ConnectionReport
    public var trigger: LiveTrigger
    public init(report: ConnectionReport, trigger: LiveTrigger) { self.report = report; self.trigger = trigger }
}

/// Counters of a live run.
public struct LiveCounters: Hashable, Sendable {
    /// Connections reported (diagnosed), whether handed over or held back by `failuresOnly`.
    public var reported = 0
    public var successes = 0
    /// Reported connections whose handshake did not succeed.
    public var failures = 0
    /// Reports handed over (what `-c` counts).
    public var handedOver = 0
    /// Connections reported as quiet (`LiveTrigger.silent`).
    public var silentReports = 0
    /// Connections reported a second time because their handshake settled after a silent report.
    public var reportedAgain = 0
    /// Connections that were not TLS-related (not reported without `allConnections`).
    public var ignored = 0
    /// Connections seen mid-stream: begun before the capture, or forgotten after `idleTimeout`
    /// and heard from again (not reported without `allConnections`).
    public var midStream = 0
    public init() {}
}

/// The live reporting engine: the analysis pipeline plus the rule of when each connection is
/// reported. Feed it packets (`process`) and the passing of time (`tick`); it hands each
/// connection's report to `onReport` once, as soon as its story is told:
///
/// - a successful handshake when it settles (`LiveTrigger.settled`);
/// - a failed one when its connection closes after the failure (`.teardown`), or `timeout` after
///   it failed if it does not close (`.graceExpired`) — the teardown (who closed after the alert)
///   is part of the story;
/// - a handshake that does not settle: when its connection is quiet for `timeout` (`.silent`), or
///   when it leaves the table (`.ended`: closed, then quiet for the linger; idle; evicted);
/// - whatever is still open when the run stops (`finish(reportOpen: true)`, `.stopped`).
///
/// Each connection is diagnosed when reported, with the server profiles learned from the
/// successes reported so far. Nothing is kept per connection once it has left the flow table:
/// the bookkeeping (`bookkeepingCount`) holds only connections still tracked.
public final class LiveTracker {
    public let options: LiveReportingOptions
    public let pipeline: PacketPipeline
    public private(set) var counters = LiveCounters()
    public private(set) var knowledge = ServerKnowledge()
    /// The latest time seen (capture time or wall time, whichever is later), nanoseconds.
    public private(set) var nowNs: Int64 = .min
    /// True once `maxReports` reports were handed over: nothing more is reported.
    public private(set) var reachedLimit = false

    let onReport: (LiveReport) -> Void
    let timeoutNs: Int64
    /// Connections (by first packet number, unique within a run) already reported (true) or judged
    /// not to be (false), still in the table. Removed when the table lets them go.
    var done: [UInt64: Bool] = [:]
    /// Failed handshakes waiting for their teardown: the latest facts and observer.
    var pending: [UInt64: (facts: ConnectionFacts, observer: HandshakeObserver)] = [:]
    /// When each pending failure's wait ends, in order (the timeout is the same for all and time
    /// only moves forward). Entries for failures reported meanwhile are skipped.
    var deadlines: [(id: UInt64, at: Int64)] = []
    var deadlineHead = 0
    var nextQuietScanNs: Int64 = .min

    public init(options: LiveReportingOptions, linkType: Int32, linkTypeName: String,
                onReport: @escaping (LiveReport) -> Void) {
        self.options = options
        self.onReport = onReport
        let t = options.timeoutSeconds.isFinite ? max(0, options.timeoutSeconds) : 5
        self.timeoutNs = Int64(t * 1e9)
        var analysis = AnalysisOptions()
        analysis.flow = options.flow
        pipeline = PacketPipeline(path: options.captureName, linkType: linkType, linkTypeName: linkTypeName,
                                  options: analysis) { _, _ in }
        let table = pipeline.table
        table.onFinished = { [unowned self] facts, observer in self.finished(facts, observer) }
        table.onSettled = { [unowned self] facts, observer in self.settled(facts, observer) }
        table.onSettledEvent = { [unowned self] _, _, facts, observer in self.settledEvent(facts, observer) }
    }

    /// Entries held for connections still in the table (reported, ignored or waiting for their
    /// teardown), plus queued deadlines. Bounded by the table; zero after `finish`.
    public var bookkeepingCount: Int { done.count + pending.count + (deadlines.count - deadlineHead) }

    /// Connections tracked now.
    public var activeConnections: Int { pipeline.table.activeConnections }

    /// One captured packet. `bytes` is valid only during the call.
    @inline(__always)
    public func process(bytes: UnsafeRawBufferPointer, wireLength: Int, stamp: PacketStamp) {
        let t = stamp.time.totalNanoseconds
        if t > nowNs { nowNs = t }
        pipeline.process(bytes: bytes, wireLength: wireLength, stamp: stamp)
    }

    /// Time passes (call it every ~100 ms with the wall clock, and it is fine to call it more
    /// often): connections idle past the table's timeouts leave it, pending failures whose wait
    /// is over are reported, and quiet unsettled handshakes are reported as they stand.
    public func tick(now: Timestamp) {
        let n = now.totalNanoseconds
        if n > nowNs { nowNs = n }
        guard nowNs != .min else { return }
        pipeline.table.expire(now: Timestamp(totalNanoseconds: nowNs))
        expireDeadlines()
        if nowNs >= nextQuietScanNs {
            // The walk visits every open connection quiet past the timeout: a few times a second is enough.
            nextQuietScanNs = nowNs &+ min(max(timeoutNs / 4, 10_000_000), 500_000_000)
            reportQuiet()
        }
    }

    /// Ends the run. `reportOpen`: report every connection still open as it stands (the run was
    /// stopped); otherwise (the report limit was reached) they are dropped unreported.
    public func finish(reportOpen: Bool) {
        if !reportOpen { reachedLimit = true }
        pipeline.finish()
        pending.removeAll()
        done.removeAll()
        deadlines.removeAll()
        deadlineHead = 0
    }

    // MARK: The rule

    func settled(_ facts: ConnectionFacts, _ observer: HandshakeObserver) {
        let id = facts.first.number
        // Reported as quiet before (or judged unrelated): a late settle tells more, so it is judged again.
        let again = done.removeValue(forKey: id) == true
        let hs = observer.finish(facts)
        guard wanted(facts, hs, count: true) else {
            done[id] = false
            return
        }
        if again { counters.reportedAgain += 1 }
        if Diagnoser.succeeded(hs) {
            done[id] = true
            report(facts, hs, .settled)
            return
        }
        if LiveTracker.isClosed(facts) {
            done[id] = true
            report(facts, hs, .settled)
            return
        }
        pending[id] = (facts, observer)
        deadlines.append((id, nowNs &+ timeoutNs))
    }

    func settledEvent(_ facts: ConnectionFacts, _ observer: HandshakeObserver) {
        guard !pending.isEmpty else { return }
        let id = facts.first.number
        guard pending[id] != nil else { return }
        if LiveTracker.isClosed(facts) {
            pending[id] = nil
            done[id] = true
            report(facts, observer.finish(facts), .teardown)
        } else {
            pending[id] = (facts, observer)
        }
    }

    func finished(_ facts: ConnectionFacts, _ observer: HandshakeObserver) {
        let id = facts.first.number
        // Reported: nothing more. Judged unrelated before: judged again with the final facts (a
        // quiet connection may have sent its ClientHello since).
        let judged = done.removeValue(forKey: id)
        if judged == true { return }
        let trigger: LiveTrigger = facts.endReason == .captureEnd ? .stopped : .ended(facts.endReason ?? .closed)
        if pending.removeValue(forKey: id) != nil {
            // A failure still waiting for its teardown (the deadline's entry is skipped later).
            report(facts, observer.finish(facts), trigger != .stopped && LiveTracker.isClosed(facts) ? .teardown : trigger)
            return
        }
        let hs = observer.finish(facts)
        guard wanted(facts, hs, count: judged == nil) else { return }
        report(facts, hs, trigger)
    }

    func expireDeadlines() {
        while deadlineHead < deadlines.count && deadlines[deadlineHead].at <= nowNs {
            let id = deadlines[deadlineHead].id
            deadlineHead += 1
            if let p = pending.removeValue(forKey: id) {
                done[id] = true
                report(p.facts, p.observer.finish(p.facts), .graceExpired)
            }
        }
        if deadlineHead == deadlines.count {
            deadlines.removeAll(keepingCapacity: deadlines.count < 4096)
            deadlineHead = 0
        } else if deadlineHead >= 1024 && deadlineHead * 2 >= deadlines.count {
            deadlines.removeFirst(deadlineHead)
            deadlineHead = 0
        }
    }

    func reportQuiet() {
        let cutoff = Timestamp(totalNanoseconds: nowNs &- timeoutNs)
        var quiet: [(ConnectionFacts, HandshakeObserver)] = []
        pipeline.table.forEachUnsettled(quietSince: cutoff) { facts, observer in
            if done[facts.first.number] == nil { quiet.append((facts, observer)) }
        }
        for (facts, observer) in quiet {
            let id = facts.first.number
            let hs = observer.finish(facts)
            guard wanted(facts, hs, count: true) else {
                done[id] = false
                continue
            }
            done[id] = true
            counters.silentReports += 1
            report(facts, hs, .silent)
        }
    }

    /// Whether a connection is reported: TLS-related, and not one whose beginning was never seen
    /// (`allConnections`: every connection). Live capture starts in the middle of connections
    /// already open, and forgets settled ones quiet past the idle timeout: when such a connection
    /// speaks again it is new to the table, without SYN, hello or preamble. Analyzing a file reports
    /// it (the file is all there is); watching live, it is noise, counted in `midStream`.
    func wanted(_ facts: ConnectionFacts, _ hs: HandshakeFacts, count: Bool) -> Bool {
        if options.allConnections { return true }
        guard Diagnoser.isTLSRelated(facts, hs) else {
            if count { counters.ignored += 1 }
            return false
        }
        if LiveTracker.isMidStream(facts, hs) {
            if count { counters.midStream += 1 }
            return false
        }
        return true
    }

    /// No SYN from either side, no ClientHello (whole or partly lost), no preamble.
    static func isMidStream(_ f: ConnectionFacts, _ h: HandshakeFacts) -> Bool {
        f.clientSide.firstSyn == nil && f.serverSide.firstSyn == nil && h.clientHello == nil
            && h.clientHelloLost == nil && h.preamble == nil
    }

    /// RST from either side, or FIN from both.
    static func isClosed(_ f: ConnectionFacts) -> Bool {
        f.clientSide.firstRst != nil || f.serverSide.firstRst != nil
            || (f.clientSide.firstFin != nil && f.serverSide.firstFin != nil)
    }

    func report(_ facts: ConnectionFacts, _ hs: HandshakeFacts, _ trigger: LiveTrigger) {
        guard !reachedLimit else { return }
        var context = DiagnosisContext(knowledge: knowledge, captureEnd: Timestamp(totalNanoseconds: max(nowNs, facts.last.time.totalNanoseconds)))
        // A quiet connection is reported while the capture goes on: its silence is real.
        context.stillCapturing = trigger == .silent || trigger == .graceExpired
        let d = Diagnoser.diagnose(facts, hs, context: context)
        let success = d.outcome == .success
        if knowledge.servers.count < options.maxKnownServers || knowledge.servers[facts.server] != nil {
            if success { knowledge.addSuccess(server: facts.server, hs) } else { knowledge.addFailure(server: facts.server) }
        }
        counters.reported += 1
        if success { counters.successes += 1 } else { counters.failures += 1 }
        if options.failuresOnly && success { return }
        counters.handedOver += 1
        onReport(LiveReport(report: ConnectionReport(capture: options.captureName, facts: facts, handshake: hs, diagnosis: d),
                            trigger: trigger))
        if let m = options.maxReports, counters.handedOver >= m { reachedLimit = true }
    }
}

extension Timestamp {
    /// From nanoseconds since the epoch (floor division, so negative values stay ordered).
    init(totalNanoseconds ns: Int64) {
        var s = ns / 1_000_000_000
        var r = ns % 1_000_000_000
        if r < 0 { r += 1_000_000_000; s -= 1 }
        self.init(seconds: s, nanoseconds: UInt32(r))
    }
}
