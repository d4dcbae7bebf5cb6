import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Reports

/// Output format of a report.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, jsonl, csv
}

public struct ReportOptions: Sendable {
    public var format: ReportFormat = .text
    public var allConnections = false
    public var failuresOnly = false
    public var verbose = false
    public var color = false
    /// Text: successful connections listed one per line up to this many; past it, grouped per server.
    public var successLinesLimit = 50
    /// Failures kept for the end-of-capture verdict (which uses the server's successes from anywhere in
    /// the capture); past this, failures are diagnosed at once with what is known so far. They wait in
    /// a temporary file (see `spillDirectory`), not in memory.
    public var pendingFailuresLimit = 100_000
    /// Where the failures waiting for the end of the capture are spilled (an unlinked temporary
    /// file); nil: `$TMPDIR`, else `/tmp`. If no file can be made there, they wait in memory.
    public var spillDirectory: String?
    /// Text: blocks written in full (failures, and successes with `verbose`); past this they are
    /// counted in the header and a closing line but not kept, so memory stays bounded whatever the
    /// number of connections (JSON Lines and CSV write every one).
    public var textBlocksLimit = 2_000
    public init() {}
}

/// Totals for the header and the exit status.
public struct ReportTotals: Sendable {
    public var connections = 0
    public var reported = 0
    public var successes = 0
    public var failures = 0
    public var byOutcome: [Outcome: Int] = [:]
    public var byCategory: [Category: Int] = [:]
    public init() {}
}

/// Collects finished connections, decides which to report, diagnoses them and writes the report.
///
/// Successful handshakes are diagnosed and (for JSON Lines and CSV) written as they finish, and they
/// teach the server profile. Every other connection waits for the end of the capture, so that its
/// verdict can use what the same server accepted from other clients anywhere in the capture; then the
/// failures are written. The waiting ones are kept encoded in an unlinked temporary file
/// (`FailureSpool`), so memory does not grow with their number. The text report is written whole at the end: header, failures, then successes.
public final class ReportSession {
    public let options: ReportOptions
    let sink: OutputSink
    /// The totals so far (the per-outcome and per-category counts made into dictionaries here).
    public var totals: ReportTotals {
        var t = counted
        var o = outcomes, c = categories
        if completedOK > 0 {
            t.reported += completedOK
            t.successes += completedOK
            o.add(.success, count: completedOK)
            c.add(.ok, count: completedOK)
        }
        t.byOutcome = o.dictionary
        t.byCategory = c.dictionary
        return t
    }
    // Touched for every connection; a session is used from one thread at a time: no dynamic
    // exclusivity checks (each cost a runtime call).
    /// `totals` without its two dictionaries, which are counted in `outcomes` and `categories`:
    /// a dictionary update hashed the enum's string raw value, twice a connection.
    @exclusivity(unchecked) var counted = ReportTotals()
    @exclusivity(unchecked) var outcomes = Tally<Outcome>()
    @exclusivity(unchecked) var categories = Tally<Category>()
    /// Completed handshakes counted apart from `counted` and the tallies (reported successes of
    /// outcome success and category ok, added in when `totals` is read): an increment instead of
    /// two tally updates for most connections.
    @exclusivity(unchecked) var completedOK = 0
    /// Failure texts that depend on an alert and a server name only, made once for this session.
    let verdictTexts = VerdictTexts()
    /// The evidence lists of earlier completed handshakes, written over by the next ones.
    @exclusivity(unchecked) var successEvidence = EvidenceScratch()
    @exclusivity(unchecked) public private(set) var knowledge = ServerKnowledge()
    /// The failures waiting for the end of the capture (made when the first one comes).
    @exclusivity(unchecked) var spool: FailureSpool?
    /// Bytes of waiting failures gathered in memory before they go to the spill file.
    var spillBatchBytes = 256 * 1024
    /// What the reader should know beside the report (the spill file could not be used; waiting
    /// failures could not be read back). The text report also carries them as notes; the caller
    /// writes them to stderr for the machine formats.
    public private(set) var warnings: [String] = []
    var successLines: [String] = []
    var successGroups: [Endpoint: (count: Int, label: String)] = [:]
    var wroteCSVHeader = false
    /// Text only: failures diagnosed before the end (beyond the pending limit, or judged at once).
    var diagnosedFailures: [ConnectionReport] = []
    var captureNames: [String] = []
    /// Text only: failures and verbose success blocks past `textBlocksLimit`, not written.
    var omittedFailures = 0
    var omittedSuccessBlocks = 0
    /// Diagnosed reports are also handed here (batch keeps them; tests read them).
    @exclusivity(unchecked) public var onReport: ((ConnectionReport) -> Void)?

    public init(options: ReportOptions, sink: OutputSink) {
        self.options = options
        self.sink = sink
    }

    var captureEnds: [String: Timestamp] = [:]

    public func beginCapture(_ name: String) { captureNames.append(name) }
    /// The time of the last packet of a capture: its unfinished handshakes were cut by its end.
    public func endCapture(_ name: String, lastPacket: Timestamp?) { captureEnds[name] = lastPacket }

    /// One finished connection from capture `capture`.
    public func add(capture: String, facts: ConnectionFacts, handshake: consuming HandshakeFacts) {
        counted.connections += 1
        guard options.allConnections || Diagnoser.isTLSRelated(facts, handshake) else { return }
        // A completed handshake (most connections) is known by its verdict, which needs no context
        // (a copy of `knowledge`: three lists retained and released) and does not depend on the
        // server's profile, so it is made before the profile learns from it; its evidence is
        // written over the list of the same count an earlier success had (that verdict is gone).
        if options.format == .jsonl && onReport == nil {
            // JSON Lines with no one taking the reports: a completed handshake's line is written
            // from its verdict's parts (no `Diagnosis` made, filled and destroyed).
            if Diagnoser.completedVerdict(facts, handshake, reusing: &successEvidence) {
                knowledge.addSuccess(server: facts.server, handshake)
                completedOK &+= 1
                if !options.failuresOnly {
                    // (The verdict unretained: `successEvidence` holds it, and nothing changes it while
                    // its line is written. Read as a reference, it was a retain and a release a line.)
                    Unmanaged.passUnretained(successEvidence.completed)._withUnsafeGuaranteedRef { completed in
                        JSONLReport.writeLine(capture: capture, facts: facts, handshake: handshake, completed: completed, to: sink)
                    }
                }
                return
            }
        } else if let d = Diagnoser.completedHandshake(facts, handshake, reusing: &successEvidence) {
            knowledge.addSuccess(server: facts.server, handshake)
            emit(capture: capture, facts: facts, handshake: handshake, completed: d)
            return
        }
        if Diagnoser.succeeded(handshake) {
            knowledge.addSuccess(server: facts.server, handshake)
            let d = Diagnoser.diagnose(facts, handshake, context: DiagnosisContext(knowledge: knowledge, texts: verdictTexts))
            emit(capture: capture, facts: facts, handshake: handshake, diagnosis: d)
        } else if (spool?.count ?? 0) < options.pendingFailuresLimit {
            let waiting: FailureSpool
            if let spool { waiting = spool } else {
                waiting = FailureSpool(directory: options.spillDirectory, batchBytes: spillBatchBytes)
                spool = waiting
            }
            waiting.append(capture: capture, facts: facts, handshake: handshake)
        } else {
            let d = Diagnoser.diagnose(facts, handshake, context: DiagnosisContext(knowledge: knowledge, texts: verdictTexts))
            emit(capture: capture, facts: facts, handshake: handshake, diagnosis: d)
        }
    }

    /// Diagnoses what waited for the end of the capture and writes the rest of the report.
    /// `captureEnd` is the time of the last packet read.
    public func finish(notes: [String] = []) {
        var failures: [ConnectionReport] = []
        var notes = notes
        if let spool {
            if let n = spool.note { warnings.append(n) }
            // The end of the last capture looked up, kept for the next (consecutive failures mostly
            // come from one capture; the lookup hashed the capture's name each time).
            var lastCapture: String?
            // One context for every failure that waited, the session's knowledge moved into it
            // (and back after): a context made for each failure copied the knowledge (its lists
            // retained, then released). The failures are counted in the context's knowledge,
            // which nothing else holds (a copy of it alive across `addFailure` would copy the whole
            // dictionary each time: quadratic).
            var context = DiagnosisContext(knowledge: ServerKnowledge(), captureEnd: nil, texts: verdictTexts)
            swap(&context.knowledge, &knowledge)
            // The evidence list of the last verdict, emptied and cited into by the next (one list
            // allocated for all the failures, not one each).
            var evidence: [Evidence] = []
            // (The context is used where it is, through a pointer: captured by the closure, it
            // was copied for every verdict.)
            let lost = withUnsafeMutablePointer(to: &context) { cx in spool.drain { cap, f, h in
                if lastCapture != cap {
                    cx.pointee.captureEnd = captureEnds[cap]
                    lastCapture = cap
                }
                var d = Diagnoser.diagnose(f, h, contextAt: cx, reusing: &evidence)
                if d.outcome != .success { cx.pointee.knowledge.addFailure(server: f.server) }
                if options.format == .text {
                    let r = ConnectionReport(capture: cap, facts: f, handshake: h, diagnosis: d)
                    if failures.count < options.textBlocksLimit { failures.append(r) } else { omittedFailures += 1 }
                    count(r); onReport?(r)
                } else {
                    emit(capture: cap, facts: f, handshake: h, diagnosis: d)
                }
                // (A list kept by a report is shared: emptying it then makes a new one.)
                swap(&evidence, &d.evidence)
            } }
            swap(&context.knowledge, &knowledge)
            if lost > 0 {
                // Counted as failures (they are: only failures wait), so the exit status stays right.
                counted.reported += lost
                counted.failures += lost
                warnings.append("\(lost) failed connection(s) could not be read back from the temporary file they waited in: they are counted but not reported")
            }
            self.spool = nil
            if options.format == .text { notes += warnings }
        }
        if options.format == .text {
            // The connections that waited (the earlier ones) first; later ones fill what room is left.
            let room = max(0, options.textBlocksLimit - failures.count)
            omittedFailures += max(0, diagnosedFailures.count - room)
            writeText(failures: Array(diagnosedFailures.prefix(room)) + failures, notes: notes)
        }
        diagnosedFailures.removeAll()
        sink.flush()
    }

    func count(_ r: ConnectionReport) { count(r.diagnosis) }

    func count(_ d: Diagnosis) {
        counted.reported += 1
        outcomes.add(d.outcome)
        categories.add(d.category)
        if d.outcome == .success { counted.successes += 1 } else { counted.failures += 1 }
    }

    /// A completed handshake's verdict (`Diagnoser.completedHandshake`: outcome success, category
    /// ok), counted in `completedOK` rather than in the tallies for JSON Lines.
    func emit(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts, completed diagnosis: Diagnosis) {
        guard options.format == .jsonl else {
            emit(ConnectionReport(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis))
            return
        }
        completedOK &+= 1
        if let onReport { onReport(ConnectionReport(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis)) }
        if !options.failuresOnly {
            JSONLReport.writeLine(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis, to: sink)
        }
    }

    /// A diagnosed connection, from its parts: JSON Lines writes its line from them straight into
    /// the sink (a report is put together only for `onReport`); the other formats take a report.
    func emit(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts, diagnosis: Diagnosis) {
        guard options.format == .jsonl else {
            emit(ConnectionReport(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis))
            return
        }
        count(diagnosis)
        if let onReport { onReport(ConnectionReport(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis)) }
        if !options.failuresOnly || diagnosis.outcome != .success {
            JSONLReport.writeLine(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis, to: sink)
        }
    }

    func emit(_ r: ConnectionReport) {
        let failed = r.diagnosis.outcome != .success
        switch options.format {
        case .jsonl:
            count(r); onReport?(r)
            if !options.failuresOnly || failed { sink.line { JSONLReport.write(r, into: &$0) } }
        case .csv:
            count(r); onReport?(r)
            if !wroteCSVHeader { sink.line(CSVReport.header); wroteCSVHeader = true }
            if !options.failuresOnly || failed { sink.line(CSVReport.row(r)) }
        case .text:
            count(r); onReport?(r)
            if failed {                                         // failures are written in finish()
                if diagnosedFailures.count < options.textBlocksLimit { diagnosedFailures.append(r) } else { omittedFailures += 1 }
                return
            }
            guard !options.failuresOnly else { return }
            let style = TextStyle(color: options.color, verbose: options.verbose)
            if options.verbose {
                if successLines.count < options.textBlocksLimit { successLines.append(TextReport.block(r, style: style)) } else { omittedSuccessBlocks += 1 }
            } else if successLines.count < options.successLinesLimit {
                successLines.append(TextReport.successLine(r, style: style))
            }
            var g = successGroups[r.facts.server] ?? (0, "")
            g.count += 1
            if g.label.isEmpty, let sh = r.handshake.serverHello { g.label = "\(Names.version(sh.version)) \(Names.cipherSuite(sh.cipherSuite))" }
            successGroups[r.facts.server] = g
        }
    }

    func writeText(failures: [ConnectionReport], notes: [String]) {
        let totals = self.totals
        let style = TextStyle(color: options.color, verbose: options.verbose)
        let names = captureNames.count <= 3 ? captureNames.joined(separator: ", ") : "\(captureNames.count) captures"
        sink.line(style.bold("tlsdiag: \(names)"))
        var head = "\(totals.connections) TCP connection\(totals.connections == 1 ? "" : "s"), \(totals.reported) reported: "
        head += "\(totals.successes) succeeded, \(totals.failures) did not"
        if totals.failures > 0 {
            let cats = totals.byCategory.filter { $0.key != .ok }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            head += " (" + cats.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ") + ")"
        }
        sink.line(head)
        for n in notes { sink.line(style.yellow("note: ") + n) }
        let sorted = failures.sorted { a, b in
            let ra = rank(a.diagnosis.outcome), rb = rank(b.diagnosis.outcome)
            return ra != rb ? ra < rb : a.facts.first.number < b.facts.first.number
        }
        for r in sorted {
            sink.line("")
            sink.write(TextReport.block(r, style: style))
        }
        if omittedFailures > 0 {
            sink.line("")
            sink.line(style.dim("… and \(omittedFailures) more connection(s) that did not succeed, counted above but not listed: the text report lists \(options.textBlocksLimit) at most (--format jsonl or csv lists every one)"))
        }
        if !successLines.isEmpty && !options.failuresOnly {
            sink.line("")
            if totals.successes > successLines.count && !options.verbose {
                sink.line(style.dim("\(totals.successes) successful handshakes, by server:"))
                for (server, g) in successGroups.sorted(by: { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key.description < $1.key.description }) {
                    sink.line("\(style.green("✓")) \(g.count) × \(server)  \(g.label)")
                }
            } else {
                for l in successLines { sink.write(l.hasSuffix("\n") ? l : l + "\n") }
                if omittedSuccessBlocks > 0 {
                    sink.line(style.dim("… and \(omittedSuccessBlocks) more successful connection(s), counted above but not listed: the text report lists \(options.textBlocksLimit) at most (--format jsonl or csv lists every one)"))
                }
            }
        }
    }

    func rank(_ o: Outcome) -> Int {
        switch o {
        case .failure: return 0
        case .noConnection: return 1
        case .notTLS: return 2
        case .incomplete: return 3
        case .success: return 4
        }
    }
}

/// A count per verdict outcome or category (enums of a few cases, no payloads): counted in a
/// slot per case, found by the case's number (its one byte), where finding the key in a list of
/// those met compared the keys through their generic equality (about 60 instructions a count),
/// and a dictionary update hashed a String-valued enum's raw string. Made into a dictionary when
/// asked.
struct Tally<Key: Hashable & CaseIterable> {
    private var counts = [Int](repeating: 0, count: 256)
    /// Which slots were counted (`add` with a count of 0 still lists its key).
    private var counted = [Bool](repeating: false, count: 256)

    /// The case's number: the enum's single byte.
    @inline(__always)
    private static func slot(_ key: Key) -> Int {
        // (Outcome and Category: one byte, their case's number, whatever their raw values.)
        withUnsafeBytes(of: key) { $0.isEmpty ? 0 : Int($0[0]) }
    }

    mutating func add(_ key: Key, count n: Int = 1) {
        let i = Tally.slot(key)
        counts[i] &+= n
        counted[i] = true
    }

    var dictionary: [Key: Int] {
        var d: [Key: Int] = [:]
        for key in Key.allCases where counted[Tally.slot(key)] { d[key] = counts[Tally.slot(key)] }
        return d
    }
}

// The tallies' keys are one byte, every value of which is a case (checked by the tests).
extension Tally {
    static var keysAreOneByte: Bool { MemoryLayout<Key>.size == 1 && Set(Key.allCases.map { slot($0) }).count == Key.allCases.count }
}
