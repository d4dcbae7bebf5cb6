import Foundation
import Testing
import FlowTrack
import Diagnosis
import Reports
@testable import TLSDiagKit

/// The live reporting rule, checked without capturing: the repository's captures are replayed
/// through `LiveTracker` with ticks of capture time between packets (`LiveReplay`), as the live
/// loop would see the same traffic.
@Suite struct LiveReplayTests {
    static let manifest = ManifestRow.load()
    static func path(_ file: String) -> String { Repo.capture(file) }

    /// Replays one capture and returns the reports in the order they were made.
    static func replay(_ file: String, drain: Double = 10, options: LiveReportingOptions = LiveReportingOptions(),
                       tickMilliseconds: Int64 = 100,
                       beforeStop: ((LiveTracker) -> Void)? = nil) throws -> (reports: [LiveReport], counters: LiveCounters) {
        var reports: [LiveReport] = []
        let counters = try LiveReplay.run(path: path(file), options: options, tickMilliseconds: tickMilliseconds,
                                          drainSeconds: drain, beforeStop: beforeStop) { reports.append($0) }
        return (reports, counters)
    }

    @Test func manifestIsThere() {
        #expect(LiveReplayTests.manifest.count >= 50, "Captures/manifest.tsv missing or short at \(Repo.captures.path)")
    }

    static var everyConnection: LiveReportingOptions {
        var o = LiveReportingOptions()
        o.allConnections = true  // as the manifest lists them (analyze --all-connections)
        return o
    }

    /// Every capture: each connection reported exactly once, with the outcome and category the
    /// manifest expects, whether the run goes on after the traffic (drain) or stops at once.
    /// One expected difference: a capture cut after the ClientHello, left running 10 s, shows a
    /// server silent past the timeout rather than a capture that ended.
    @Test(arguments: LiveReplayTests.manifest)
    func replayMatchesManifest(_ row: ManifestRow) throws {
        for drain in [10.0, 0] {
            let (reports, counters) = try LiveReplayTests.replay(row.file, drain: drain, options: LiveReplayTests.everyConnection)
            var outcomes = row.outcomes, categories = row.categories
            if row.file == "42-derived-cut-after-clienthello.pcap" && drain > 5 {
                outcomes = ["failure"]; categories = ["server-silent"]
            }
            let ids = reports.map { "\($0.report.facts.client)-\($0.report.facts.server)-\($0.report.facts.first.number)" }
            #expect(Set(ids).count == ids.count, "\(row.file): a connection was reported twice: \(ids)")
            #expect(counters.reportedAgain == 0)
            // Connections in the order they began, as the manifest lists them.
            let sorted = reports.sorted { $0.report.facts.first.number < $1.report.facts.first.number }
            #expect(sorted.map(\.report.diagnosis.outcome.rawValue) == outcomes, "\(row.file) drain \(drain)")
            #expect(sorted.map(\.report.diagnosis.category.rawValue) == categories, "\(row.file) drain \(drain)")
        }
    }

    /// Live stopped at the last packet reports the same connections, with the same verdicts, as
    /// `analyze` over the file (default selection: TLS-related connections only).
    @Test(arguments: LiveReplayTests.manifest)
    func replayAgreesWithAnalyze(_ row: ManifestRow) throws {
        var batch: [String: (Outcome, Category)] = [:]
        let session = ReportSession(options: ReportOptions(), sink: OutputSink(fd: -1))
        session.onReport = { r in
            // Connections whose beginning the capture missed are left out of live reports by design.
            guard !LiveTracker.isMidStream(r.facts, r.handshake) else { return }
            batch["\(r.facts.client)-\(r.facts.server)-\(r.facts.first.number)"] = (r.diagnosis.outcome, r.diagnosis.category)
        }
        let summary = CaptureAnalyzer.analyze(path: LiveReplayTests.path(row.file), options: AnalysisOptions()) { f, h in
            session.add(capture: row.file, facts: f, handshake: h)
        }
        session.endCapture(row.file, lastPacket: summary.lastTime)
        session.finish()
        let (reports, _) = try LiveReplayTests.replay(row.file, drain: 0)
        var live: [String: (Outcome, Category)] = [:]
        for r in reports {
            live["\(r.report.facts.client)-\(r.report.facts.server)-\(r.report.facts.first.number)"] = (r.report.diagnosis.outcome, r.report.diagnosis.category)
        }
        #expect(Set(live.keys) == Set(batch.keys), "\(row.file): live and analyze report different connections")
        for (k, v) in batch {
            #expect(live[k]?.0 == v.0 && live[k]?.1 == v.1, "\(row.file) \(k): analyze \(v), live \(String(describing: live[k]))")
        }
    }

    /// A successful handshake is reported when it settles, before its connection ends.
    @Test func successIsReportedWhenSettled() throws {
        let (reports, _) = try LiveReplayTests.replay("01-ok-tls13.pcap")
        let r = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(r.trigger == .settled)
        #expect(r.report.diagnosis.outcome == .success)
        // Still open when reported: no end reason, no FIN yet (the FINs are packets 17-18).
        #expect(r.report.facts.endReason == nil)
        #expect(r.report.facts.clientSide.firstFin == nil && r.report.facts.serverSide.firstFin == nil)
        #expect(r.report.facts.last.number < 17)
    }

    /// A failure waits for its teardown: the server's alert (pkt 6), then its FIN (pkt 8) and the
    /// client's close; the report comes with the connection's close and tells who closed.
    @Test func failureIsReportedWithItsTeardown() throws {
        let (reports, _) = try LiveReplayTests.replay("06-no-common-cipher.pcap")
        let r = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(r.trigger == .teardown)
        #expect(r.report.diagnosis.category == .noCommonCipher)
        #expect(r.report.handshake.alerts.contains { $0.by == .server && $0.description == 40 })
        #expect(r.report.facts.serverSide.firstFin?.number == 8)
        #expect(r.report.facts.endReason == nil, "reported at the close, not when the table let it go")
    }

    /// A failure whose connection does not close within the timeout is reported when the wait
    /// ends: the RDP server refuses in packet 6 and closes 50 ms later (packet 8); with a 10 ms
    /// timeout and 1 ms ticks the report comes before the FIN.
    @Test func failureWithoutCloseIsReportedAfterTheTimeout() throws {
        var o = LiveReportingOptions()
        o.timeoutSeconds = 0.01
        let (reports, _) = try LiveReplayTests.replay("20-rdp-negotiation-failure.pcap", options: o, tickMilliseconds: 1)
        let r = try #require(reports.first)
        #expect(r.trigger == .graceExpired)
        #expect(r.report.diagnosis.category == .rdpNegotiationFailure)
        #expect(r.report.facts.serverSide.firstFin == nil, "reported before the FIN was seen")
        // With the default 5 s the report waits for the close and tells who closed.
        let (patient, _) = try LiveReplayTests.replay("20-rdp-negotiation-failure.pcap", tickMilliseconds: 1)
        #expect(patient.first?.trigger == .teardown)
        #expect(patient.first?.report.facts.serverSide.firstFin?.number == 8)
    }

    /// An unanswered ClientHello is reported once the connection is quiet past the timeout, as it
    /// stands: the server has been silent, the connection is still open.
    @Test func quietClientHelloIsReportedAsItStands() throws {
        let (reports, counters) = try LiveReplayTests.replay("42-derived-cut-after-clienthello.pcap", drain: 10)
        let r = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(r.trigger == .silent)
        #expect(counters.silentReports == 1)
        #expect(r.report.diagnosis.outcome == .failure)
        #expect(r.report.diagnosis.category == .serverSilent)
        #expect(r.report.diagnosis.summary.contains("still open"))
        #expect(r.report.facts.endReason == nil)
        // Stopped before the timeout: reported at the stop, as the capture's end.
        let (early, _) = try LiveReplayTests.replay("42-derived-cut-after-clienthello.pcap", drain: 1)
        #expect(early.first?.trigger == .stopped)
        #expect(early.first?.report.diagnosis.outcome == .incomplete)
    }

    /// A connection that closes before its handshake settles (the motivating RDP case: the server
    /// resets after the ClientHello) is reported when the table lets it go after the close.
    @Test func resetAfterClientHelloIsReportedAfterTheClose() throws {
        let (reports, _) = try LiveReplayTests.replay("18-rdp-server-reset.pcap")
        let r = try #require(reports.first)
        #expect(r.trigger == .ended(.closed))
        #expect(r.report.diagnosis.category == .serverReset)
        #expect(r.report.diagnosis.blame == .server)
    }

    /// A connection whose beginning was never seen (no SYN, no hello: begun before the capture,
    /// or forgotten after its idle timeout and heard from again) is counted, not reported; with
    /// `allConnections` it is reported as analyze reports it.
    @Test func midStreamConnectionsAreCountedNotReported() throws {
        let (none, counters) = try LiveReplayTests.replay("43-derived-starts-at-serverhello.pcap")
        #expect(none.isEmpty)
        #expect(counters.midStream == 1)
        let (all, _) = try LiveReplayTests.replay("43-derived-starts-at-serverhello.pcap", options: LiveReplayTests.everyConnection)
        #expect(all.count == 1)
        #expect(all.first?.report.diagnosis.category == .captureIncomplete)
    }

    /// Nothing is kept per connection once the table has let it go: after the traffic and the
    /// linger, the table is empty and so is the tracker's bookkeeping.
    @Test func bookkeepingEmptiesWhenConnectionsLeave() throws {
        var active = -1, kept = -1
        let (reports, counters) = try LiveReplayTests.replay("47-many-connections-ecdsa-server.pcap", drain: 5) { t in
            active = t.activeConnections
            kept = t.bookkeepingCount
        }
        #expect(reports.count == 6)
        #expect(counters.successes == 5 && counters.failures == 1)
        #expect(active == 0)
        #expect(kept == 0)
        #expect(reports.allSatisfy { $0.trigger != .stopped })
    }

    /// Successes reported so far explain a later failure (the server's profile).
    @Test func laterFailureUsesEarlierSuccesses() throws {
        let (reports, _) = try LiveReplayTests.replay("47-many-connections-ecdsa-server.pcap")
        let failure = try #require(reports.first { $0.report.diagnosis.outcome == .failure })
        #expect(failure.report.diagnosis.category == .noCommonCipher)
        #expect(failure.report.diagnosis.hints.contains { $0.contains("other handshake") })
    }

    /// `-c N` stops after N reports; `--failures` hands over failures only.
    @Test func countAndFailuresOnly() throws {
        var o = LiveReportingOptions()
        o.maxReports = 2
        let (two, c2) = try LiveReplayTests.replay("47-many-connections-ecdsa-server.pcap", options: o)
        #expect(two.count == 2)
        #expect(c2.handedOver == 2)
        var f = LiveReportingOptions()
        f.failuresOnly = true
        let (fails, cf) = try LiveReplayTests.replay("47-many-connections-ecdsa-server.pcap", options: f)
        #expect(fails.count == 1)
        #expect(fails.first?.report.diagnosis.outcome == .failure)
        #expect(cf.successes == 5, "successes are still diagnosed (and teach the server profile)")
    }
}
