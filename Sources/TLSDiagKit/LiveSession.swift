import Glibc
import Synchronization
import NetCore
import PcapIO
import FlowTrack

/// Options of a live capture run.
public struct LiveOptions: Sendable {
    /// The interface (`any`: all of them, on Linux).
    public var interface: String = "any"
    /// BPF filter as tcpdump takes it; nil or empty: every packet.
    public var filter: String? = nil
    /// libpcap settings: snapshot length (default 262144, whole handshakes), buffer size,
    /// promiscuous mode, immediate mode and the 100 ms read timeout that wakes the loop.
    public var capture = LiveCapture.Options()
    public var reporting = LiveReportingOptions()
    /// Stop after this many seconds of wall time.
    public var durationSeconds: Double? = nil
    /// Also save every captured packet to this pcap file.
    public var writePath: String? = nil
    /// How often the saved file is flushed, and how often time is checked without packets.
    public var writeFlushSeconds: Double = 1
    public var tickMilliseconds: Int64 = 100
    public init() {}
}

/// Why a live run ended.
public enum LiveStopReason: Hashable, Sendable {
    /// A signal (SIGINT, SIGTERM) arrived.
    case signal(Int32)
    /// `LiveStopper.stop()` was called.
    case requested
    /// `maxReports` connections were reported.
    case count
    /// `durationSeconds` passed.
    case duration
    /// Reading failed (the interface went away, …).
    case error(CaptureError)
}

/// What a live run came to.
public struct LiveRunSummary: Sendable {
    public var stopReason: LiveStopReason
    public var counters: LiveCounters
    /// Decode and flow counters, warnings (as for a file).
    public var capture: CaptureRunSummary
    /// libpcap's counters at the end (nil if `pcap_stats` failed; see `statisticsError`).
    public var statistics: LiveCapture.Statistics?
    public var statisticsError: CaptureError?
    /// `-w`: packets written, and the write error if any.
    public var packetsWritten: UInt64 = 0
    public var writeError: CaptureError?
}

/// Stops a live run from any thread or from a signal handler: sets a flag the loop checks and
/// breaks the capture's read (`LiveCapture.Breaker`: an atomic store and one byte written to the
/// pipe its poll watches). Both are async-signal-safe.
public final class LiveStopper: Sendable {
    /// 0: running; a positive value: the signal that stopped it; -1: `stop()`.
    let state = Atomic<Int32>(0)
    let breaker: LiveCapture.Breaker

    init(breaker: LiveCapture.Breaker) { self.breaker = breaker }

    /// Asks the run to stop: it reports the connections still open and returns its summary.
    public func stop() {
        _ = state.compareExchange(expected: 0, desired: -1, ordering: .sequentiallyConsistent)
        breaker.breakLoop()
    }

    /// From the signal handler: atomic stores and one write(2), nothing else.
    func signalled(_ signal: Int32) {
        _ = state.compareExchange(expected: 0, desired: signal, ordering: .sequentiallyConsistent)
        breaker.breakLoop()
    }

    public var isStopping: Bool { state.load(ordering: .sequentiallyConsistent) != 0 }
}

/// A live capture: opens the interface (immediate mode, the filter installed), then `run()` reads
/// packets and hands each connection's report to `onReport` as soon as it is settled (see
/// `LiveTracker` for the rule), until stopped. `run` blocks; call it on one thread and `stopper`
/// from any other (or a signal handler, see `LiveSignals`).
public final class LiveSession {
    public let options: LiveOptions
    public let capture: LiveCapture
    public let stopper: LiveStopper
    public let tracker: LiveTracker
    let dump: DumpWriter?
    /// Called once reading has stopped, before the connections still open are reported (the CLI
    /// restores the default signal actions here, so a second Ctrl-C ends the process at once).
    public var onLoopEnd: ((LiveStopReason) -> Void)?

    /// Opens the capture and the `-w` file. Errors: permission denied, no such interface, a
    /// filter that does not compile (with libpcap's message and the filter), a file that cannot
    /// be written.
    public init(options: LiveOptions, onReport: @escaping (LiveReport) -> Void) throws(CaptureError) {
        self.options = options
        let cap = try LiveCapture(interface: options.interface, options: options.capture)
        if let f = options.filter, !f.allSatisfy({ $0 == " " }) {
            try cap.setFilter(f)
        }
        capture = cap
        dump = try options.writePath.map { path throws(CaptureError) in try DumpWriter(path: path, for: cap) }
        stopper = LiveStopper(breaker: cap.breaker)
        var reporting = options.reporting
        if reporting.captureName == "live" { reporting.captureName = options.interface }
        tracker = LiveTracker(options: reporting, linkType: cap.linkType, linkTypeName: cap.linkTypeName, onReport: onReport)
    }

    /// Reads until stopped (signal, `stopper.stop()`, the report count, the duration, or a read
    /// error); then reports what is still open (not after the count was reached) and returns the
    /// summary. Call once.
    public func run() -> LiveRunSummary {
        let tickNs = max(1, options.tickMilliseconds) &* 1_000_000
        let flushNs = Int64(max(0.01, options.writeFlushSeconds) * 1e9)
        let start = LiveSession.wallClock()
        let end: Int64? = options.durationSeconds.map { start &+ Int64(max(0, $0) * 1e9) }
        var nextTick = start &+ tickNs
        var nextFlush = start &+ flushNs
        var reason: LiveStopReason?
        var writeError: CaptureError?

        while reason == nil {
            let s = stopper.state.load(ordering: .sequentiallyConsistent)
            if s != 0 { reason = s > 0 ? .signal(s) : .requested; break }
            let result: LiveCapture.ReadResult
            do { result = try capture.next() } catch { reason = .error(error); break }
            switch result {
            case .packet(let p):
                dump?.write(p)
                tracker.process(bytes: p.bytes, wireLength: p.wireLength, stamp: p.stamp)
            case .timeout:
                // `next()` waited the capture's read timeout (100 ms) in poll(2) with nothing to
                // deliver; `stop()` and signals end that wait at once (`.end`).
                break
            case .end:
                // The read was broken: by the stopper (the flag is set) or by someone else.
                let s2 = stopper.state.load(ordering: .sequentiallyConsistent)
                reason = s2 > 0 ? .signal(s2) : .requested
                continue
            }
            if tracker.reachedLimit { reason = .count; break }
            let wall = LiveSession.wallClock()
            if wall >= nextTick {
                nextTick = wall &+ tickNs
                tracker.tick(now: Timestamp(totalNanoseconds: wall))
                if tracker.reachedLimit { reason = .count; break }
                if wall >= nextFlush, let d = dump, writeError == nil {
                    nextFlush = wall &+ flushNs
                    do { try d.flush() } catch { writeError = error }
                }
                if let end, wall >= end { reason = .duration }
            }
        }
        let why = reason ?? .requested
        onLoopEnd?(why)
        if why != .count { tracker.tick(now: Timestamp(totalNanoseconds: LiveSession.wallClock())) }
        tracker.finish(reportOpen: why != .count)

        var statistics: LiveCapture.Statistics?
        var statisticsError: CaptureError?
        do { statistics = try capture.stats() } catch { statisticsError = error }
        if let d = dump, writeError == nil {
            do { try d.close() } catch { writeError = error }
        }
        return LiveRunSummary(stopReason: why, counters: tracker.counters, capture: tracker.pipeline.summary,
                              statistics: statistics, statisticsError: statisticsError,
                              packetsWritten: dump?.packetsWritten ?? 0, writeError: writeError)
    }

    /// CLOCK_REALTIME in nanoseconds: the clock libpcap stamps packets with, so silence can be
    /// measured against the latest packet even when no packet comes.
    public static func wallClock() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

/// Runs a `LiveSession` on a thread of its own (for tests and embedding): `stop()` it, then
/// `wait()` for its summary.
public final class LiveBackgroundRun: @unchecked Sendable {
    let session: LiveSession
    let done = Mutex<LiveRunSummary?>(nil)
    let joined = Mutex<Bool>(false)
    var thread = pthread_t()

    /// Starts `session.run()` on a new thread.
    public init(_ session: LiveSession) {
        self.session = session
        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let me = Unmanaged<LiveBackgroundRun>.fromOpaque(raw).takeRetainedValue()
            let summary = me.session.run()
            me.done.withLock { $0 = summary }
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    public var stopper: LiveStopper { session.stopper }

    /// Stops the run (the open connections are reported) and waits for it.
    @discardableResult
    public func stopAndWait() -> LiveRunSummary {
        session.stopper.stop()
        return wait()
    }

    /// Waits for the run to end by itself (count, duration) or after `stop()`.
    public func wait() -> LiveRunSummary {
        joined.withLock { j in
            if !j { pthread_join(thread, nil); j = true }
        }
        return done.withLock { $0! }
    }
}
