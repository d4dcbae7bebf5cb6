#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Reports

/// When to draw the progress bar on stderr.
public enum BatchProgressMode: String, Sendable, CaseIterable {
    /// Only when stderr is a terminal.
    case auto
    case always
    case never
}

/// Options of `tlsdiag batch`.
public struct BatchOptions: Sendable {
    /// Files and folders, as given.
    public var paths: [String] = []
    /// Captures analysed at once (worker threads).
    public var jobs: Int = BatchOptions.defaultJobs
    /// The SQLite store (`--db`).
    public var database: String?
    /// Where to write the HTML report (`--html`).
    public var html: String?
    public var report = ReportOptions()
    public var analysis = AnalysisOptions()
    public var progress: BatchProgressMode = .auto
    /// The tool's version, kept with stored results: results of another version are analysed again.
    public var toolVersion = "dev"
    /// Text report: failures listed one per line up to this many.
    public var failureLines = 50
    /// Keep each failure's `HandshakeFacts` in `BatchReport.failuresByCapture`. The reports need only
    /// the TCP facts and the diagnosis once the JSON Lines or CSV are written, so by default the
    /// handshake (timeline, certificates, hellos: most of a connection's memory) is let go.
    public var keepFailureHandshakes = false
    /// Failed connections held in memory for the end-of-batch verdicts (which use every capture's
    /// successes). Past this many, the captures analysed from then on hand their failures over
    /// encoded (SpillCodec, about 1 KB each instead of about 3 KiB), and they wait in an unlinked
    /// temporary file, read back capture by capture for the verdicts: memory no longer grows with
    /// the number of failures in the batch. 0: every capture's failures wait in the file.
    public var failuresInMemory = 50_000
    /// Where the temporary files (successes' lines, failures past `failuresInMemory`) are made;
    /// nil: `$TMPDIR`, else `/tmp`. They are unlinked as soon as they are open.
    public var spillDirectory: String?
    /// The process ends right after the batch (the command line): the run's own tables (the
    /// workers' totals, the per-capture lists) are then kept until the exit instead of being freed
    /// one by one on the one thread still working (the kernel takes the memory back). Library
    /// callers leave it false and the tables are freed as usual.
    public var endsAfterRun = false
    public init() {}

    /// All cores: `sysconf(_SC_NPROCESSORS_ONLN)`.
    public static var defaultJobs: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// What stored results depend on besides the file itself. A stored capture whose options differ
    /// is analysed again.
    public var storeOptions: String {
        let f = analysis.flow
        return "tlsdiag \(toolVersion); stream-bytes \(f.streamBytesPerDirection); out-of-order \(f.outOfOrderBytesPerDirection); "
            + "max-connections \(f.maxConnections); max-buffered \(f.maxBufferedBytes); idle \(f.idleTimeoutSeconds)s; "
            + "linger \(f.closedLingerSeconds)s; all-connections \(report.allConnections)"
    }
}

/// One capture of the batch, as reported.
public struct BatchCapture: Sendable {
    public var input: BatchInput
    public var record: CaptureRecord
    /// Taken from the store rather than analysed in this run.
    public var reused: Bool
    /// Connections reported (TLS or an attempt at it, or every one with --all-connections).
    public var reported: Int
    /// Of those, connections whose handshake did not succeed.
    public var failures: Int
}

/// How a batch ended, for the exit status.
public enum BatchStatus: Int32, Sendable {
    case ok = 0
    /// Some files could not be read (whole or in part), or the store failed.
    case inputError = 1
    /// Everything read; at least one handshake did not succeed.
    case handshakesFailed = 2
}

/// The outcome of a batch: what the text, JSON Lines, CSV and HTML reports are written from.
public struct BatchReport: Sendable {
    /// Every capture, in path order.
    public var captures: [BatchCapture] = []
    public var aggregates = BatchAggregates()
    /// What every capture's successful handshakes showed of each server.
    public var knowledge = ServerKnowledge()
    /// Every connection whose handshake did not succeed, diagnosed: one list per capture, in the
    /// order of `captures`. Their `handshake` is empty unless `BatchOptions.keepFailureHandshakes`.
    public var failuresByCapture: [[ConnectionReport]] = []
    /// The same, flattened in capture order (a copy: prefer `failuresByCapture` for large batches).
    public var failures: [ConnectionReport] { failuresByCapture.flatMap { $0 } }
    public var failureCount: Int { failuresByCapture.reduce(0) { $0 + $1.count } }
    /// Paths given or found that could not be taken.
    public var skipped: [BatchSkip] = []
    public var notes: [String] = []
    public var analysed = 0
    public var reused = 0
    public var database: String?
    /// The store failed during the run (results of this run may not all be kept).
    public var storeError: String?
    public var elapsedSeconds: Double = 0
    public var jobs = 1
    public init() {}

    public var unreadable: [BatchCapture] { captures.filter { $0.record.unreadable } }
    public var partial: [BatchCapture] { captures.filter { $0.record.partial } }
    public var bytes: Int64 { captures.reduce(0) { $0 + $1.input.size } }
    public var packets: UInt64 { captures.reduce(0) { $0 &+ $1.record.packets } }

    public var status: BatchStatus {
        if !skipped.isEmpty || storeError != nil || captures.indices.contains(where: { captures[$0].record.error != nil }) { return .inputError }
        return aggregates.failures > 0 ? .handshakesFailed : .ok
    }
}

/// What a worker hands back for one capture. The counts go into the worker's own `WorkerTotals`
/// instead, so the main thread has little to do per capture. A class: handed from thread to
/// thread by one reference (a struct's copies retained every array and string in it, objects the
/// worker made, whose cache lines then crossed to the merging thread's core).
final class CaptureResult: @unchecked Sendable {
    var index: Int
    /// The file, with its size, time and (with a store) canonical path read by the worker.
    var input: BatchInput
    var record = CaptureRecord()
    var reused = false
    /// Successful connections' JSON Lines or CSV rows, already written.
    var successLines: [UInt8] = []
    var failures: [(ConnectionFacts, HandshakeFacts)] = []
    /// The failures encoded instead (`BatchWork.packFailures`), once the batch holds too many.
    var packedFailures: [UInt8] = []
    /// JSON of every reported connection, for the store (analysed captures only).
    var blobs: [[UInt8]] = []
    var notes: [String] = []
    var storeFailed = false
    var reported = 0

    init(index: Int, input: BatchInput) {
        self.index = index
        self.input = input
    }
}

/// What one worker thread counted over all the captures it took (merged at the end: every count is
/// commutative, so which worker took which capture does not matter).
final class WorkerTotals: @unchecked Sendable {
    // Used by one thread at a time (its worker, then the merge): no dynamic exclusivity checks on
    // every count.
    @exclusivity(unchecked) var aggregates = BatchAggregates()
    @exclusivity(unchecked) var knowledge = ServerKnowledge()
    let traits = SuiteTraits()

    /// The counts the traits still hold (offered suites) moved into `aggregates`: before the totals
    /// are handed over.
    func settle() { traits.flushOffered(into: &aggregates) }
}

/// Collects one capture's connections on a worker thread: counts the offers, diagnoses and writes
/// the successes (their verdicts do not depend on other connections), keeps the rest for the end.
final class CaptureAccumulator {
    let path: String
    let options: BatchOptions
    let storeBlobs: Bool
    let totals: WorkerTotals
    let result: CaptureResult

    init(index: Int, path: String, options: BatchOptions, storeBlobs: Bool, totals: WorkerTotals) {
        self.path = path; self.options = options; self.storeBlobs = storeBlobs
        self.totals = totals
        result = CaptureResult(index: index, input: BatchInput(path: path, key: path, size: -1, mtime: -1))
    }

    var writesSuccesses: Bool { options.report.format != .text && !options.report.failuresOnly }

    func add(_ c: ConnectionFacts, _ h: HandshakeFacts) {
        guard options.report.allConnections || Diagnoser.isTLSRelated(c, h) else { return }
        result.reported += 1
        if storeBlobs {
            if let data = try? StoreJSON.encode(StoredConnection(connection: c, handshake: h)) {
                result.blobs.append(data)
            } else {
                result.storeFailed = true
            }
        }
        totals.aggregates.addOffer(c, h, traits: totals.traits)
        if Diagnoser.succeeded(h) {
            totals.knowledge.addSuccess(server: c.server, h)
            let d = Diagnoser.diagnose(c, h, context: DiagnosisContext())
            guard d.outcome == .success else {
                // Completed, yet judged otherwise (e.g. a refused preamble): a failure like the rest,
                // diagnosed at the end with every capture's successes.
                result.failures.append((c, h))
                return
            }
            totals.aggregates.addVerdict(c, h, d)
            if writesSuccesses {
                let r = ConnectionReport(capture: path, facts: c, handshake: h, diagnosis: d)
                if options.report.format == .jsonl {
                    JSONLReport.write(r, into: &result.successLines)
                } else {
                    var line = CSVReport.row(r)
                    line.withUTF8 { result.successLines.append(contentsOf: $0) }
                }
                result.successLines.append(0x0a)
            }
        } else {
            result.failures.append((c, h))
        }
    }
}

/// The captures to analyse, as the walk finds them (`BatchFiles.stream`): a worker that catches up
/// with the walk waits for the next capture, or for the walk's end.
final class InputFeed: @unchecked Sendable {
    private let condition = ThreadCondition()
    private var items: [BatchInput] = []
    private var finished = false
    /// How many captures there are, once the walk is over; -1 until then.
    let total = Atomic<Int>(-1)

    func append(_ input: BatchInput) {
        condition.lock()
        items.append(input)
        condition.unlock()
        condition.signal()
    }

    func append(contentsOf list: [BatchInput]) {
        condition.lock()
        items.append(contentsOf: list)
        condition.unlock()
        condition.broadcast()
    }

    /// The walk is over: no more captures.
    func finish() {
        condition.lock()
        finished = true
        total.store(items.count, ordering: .relaxed)
        condition.unlock()
        condition.broadcast()
    }

    /// Capture `i`, waiting for the walk to find it; nil if the walk ends with fewer.
    func input(_ i: Int) -> BatchInput? {
        condition.lock(); defer { condition.unlock() }
        while i >= items.count && !finished { condition.wait() }
        return i < items.count ? items[i] : nil
    }
}

/// The shared state of the worker threads: the next capture to take, and results handed back.
final class BatchWork: @unchecked Sendable {
    let feed: InputFeed
    let options: BatchOptions
    let storePath: String?
    /// What the store holds, by canonical path (empty without a store).
    let entries: [String: BatchStore.Entry]
    let storeOptions: String
    let condition = ThreadCondition()
    /// Set by the main thread when it holds `failuresInMemory` failures: workers then encode theirs.
    let packsFailures = Atomic<Bool>(false)
    private var threads: [WorkerThread] = []
    private let next = Atomic<Int>(0)
    private var done: [CaptureResult] = []
    /// Results waiting in `done` (read without the lock by `drainNow`, so that the thread that
    /// merges does not take the lock after each of its own captures for nothing).
    private let queued = Atomic<Int>(0)
    /// Results made so far, by every thread.
    private let delivered = Atomic<Int>(0)
    private var workersLeft = 0
    private(set) var totals: [WorkerTotals] = []
    /// The main thread is waken when this many results wait, or at the last one; otherwise it looks
    /// every `pollInterval` (one wake-up per capture would cost more than the merging).
    static let wakeAfter = 64

    /// The batch's threads, when it keeps them across its phases; nil: threads of its own.
    let helpers: HelperThreads?

    init(feed: InputFeed, options: BatchOptions, storePath: String?, entries: [String: BatchStore.Entry],
         helpers: HelperThreads? = nil) {
        self.feed = feed; self.options = options; self.storePath = storePath; self.entries = entries
        self.helpers = helpers
        storeOptions = options.storeOptions
    }

    /// The next capture in path order (its number by an atomic add), as soon as the walk has found it.
    func take() -> (Int, BatchInput)? {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard let input = feed.input(i) else { return nil }
        return (i, input)
    }

    func deliver(_ r: CaptureResult) {
        condition.lock()
        done.append(r)
        queued.store(done.count, ordering: .relaxed)
        let made = delivered.wrappingAdd(1, ordering: .relaxed).newValue
        if done.count >= BatchWork.wakeAfter || made == feed.total.load(ordering: .relaxed) { condition.signal() }
        condition.unlock()
    }

    func workerExited(_ t: WorkerTotals) {
        condition.lock()
        totals.append(t)
        workersLeft -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Starts up to `count` workers (on the batch's helper threads, else on threads of their own);
    /// returns how many could be started.
    @discardableResult
    func start(workers count: Int) -> Int {
        workersLeft = count
        var started = 0
        for _ in 0..<count {
            if let helpers, started < helpers.count {
                helpers.run { [self] in self.workerLoop() }
                started += 1
            } else if let t = WorkerThread.start({ [self] in self.workerLoop() }) {
                threads.append(t)
                started += 1
            } else {
                condition.withLock { workersLeft -= 1 }
            }
        }
        return started
    }

    /// Counts a result the calling thread made and handled itself, so that `drain` knows when the
    /// last one from the worker threads is in.
    func handledHere() {
        if delivered.wrappingAdd(1, ordering: .relaxed).newValue == feed.total.load(ordering: .relaxed) {
            condition.withLock { condition.signal() }
        }
    }

    /// Results delivered by the worker threads and not taken yet, without waiting.
    func drainNow() -> [CaptureResult] {
        guard queued.load(ordering: .relaxed) > 0 else { return [] }
        condition.lock(); defer { condition.unlock() }
        let out = done
        done.removeAll(keepingCapacity: true)
        queued.store(0, ordering: .relaxed)
        return out
    }

    /// Results delivered since the last call; waits up to `timeout` seconds if there are none.
    func drain(timeout: Double) -> [CaptureResult] {
        condition.lock(); defer { condition.unlock() }
        if done.count < BatchWork.wakeAfter && delivered.load(ordering: .relaxed) < feed.total.load(ordering: .relaxed) {
            condition.wait(seconds: timeout)
        }
        let out = done
        done.removeAll(keepingCapacity: true)
        queued.store(0, ordering: .relaxed)
        return out
    }

    /// Waits until every worker has released what it opened and handed over its totals (and the
    /// threads of their own have ended).
    func waitForWorkers() -> [WorkerTotals] {
        condition.lock()
        while workersLeft > 0 { condition.wait() }
        let t = totals
        condition.unlock()
        for thread in threads { thread.join() }
        threads = []
        return t
    }

    /// A worker's own state across captures: its counts and its read-only connection to the store.
    final class WorkerState {
        let totals = WorkerTotals()
        var reader: BatchStore.Reader?
        var readerFailed = false
    }

    func workerLoop() {
        let state = WorkerState()
        while let (i, input) = take() { deliver(process(i, input, state)) }
        state.reader = nil
        state.totals.settle()
        workerExited(state.totals)
    }

    /// Hands over the calling thread's totals when it took captures itself (`BatchRunner.run` does,
    /// between merging results), as a worker thread does when it exits.
    func addTotals(_ t: WorkerTotals) {
        condition.withLock { totals.append(t) }
    }

    /// One capture: taken from the store when it holds this file unchanged, else analysed.
    func process(_ i: Int, _ taken: BatchInput, _ state: WorkerState) -> CaptureResult {
        // With a store, the file's size, time and canonical path are read here, on the worker,
        // not while walking; without one, its size comes from the reader (one look at the file,
        // not two). A file that cannot be looked at is left to the reader, which reports why.
        var input = taken
        let lookedAt = storePath != nil && input.resolve(canonicalKey: true) == nil
        var notes: [String] = []
        if lookedAt, let storePath, let e = entries[input.key], e.size == input.size, e.mtime == input.mtime,
           e.options == storeOptions {
            if state.reader == nil && !state.readerFailed {
                do { state.reader = try BatchStore.Reader(path: storePath) } catch {
                    state.readerFailed = true
                    notes.append("could not read the store (\(error.description)): captures analysed again")
                }
            }
            if let reader = state.reader, let r = loadStored(i, input, reader, state.totals, &notes) {
                packFailures(r)
                return r
            }
        }
        let r = analyse(i, input, totals: state.totals)
        r.notes = notes + r.notes
        r.input.size = max(0, r.input.size)
        packFailures(r)
        return r
    }

    /// Once the main thread holds enough failures, a capture's failures are handed over encoded.
    func packFailures(_ r: CaptureResult) {
        guard !r.failures.isEmpty, packsFailures.load(ordering: .relaxed) else { return }
        r.packedFailures = FailurePacking.encode(r.failures)
        r.failures = []
    }

    /// A capture's stored connections, run through the same accumulator as a fresh analysis. All are
    /// decoded before any is counted, so a row that cannot be decoded leaves no trace.
    func loadStored(_ i: Int, _ input: BatchInput, _ reader: BatchStore.Reader,
                    _ totals: WorkerTotals, _ notes: inout [String]) -> CaptureResult? {
        let loaded: (CaptureRecord, [[UInt8]])?
        do { loaded = try reader.load(path: input.key) } catch {
            notes.append("\(input.path): could not be read from the store (\(error.description)); analysed again")
            return nil
        }
        guard let (record, blobs) = loaded else { return nil }
        var connections: [StoredConnection] = []
        connections.reserveCapacity(blobs.count)
        for b in blobs {
            guard let s = try? StoreJSON.decode(StoredConnection.self, from: b) else {
                notes.append("\(input.path): its stored connections could not be decoded; analysed again")
                return nil
            }
            connections.append(s)
        }
        let acc = CaptureAccumulator(index: i, path: input.path, options: options, storeBlobs: false,
                                     totals: totals)
        for s in connections { acc.add(s.connection, s.handshake) }
        totals.aggregates.tcpConnections += record.tcpConnections
        let r = acc.result
        r.input = input
        r.record = record
        r.reused = true
        r.notes = notes
        return r
    }

    func analyse(_ i: Int, _ input: BatchInput, totals: WorkerTotals) -> CaptureResult {
        let acc = CaptureAccumulator(index: i, path: input.path, options: options, storeBlobs: storePath != nil,
                                     totals: totals)
        var connections = 0
        let summary = CaptureAnalyzer.analyze(path: input.path, options: options.analysis) { c, h in
            connections += 1
            acc.add(c, h)
        }
        var record = CaptureRecord()
        record.packets = summary.packets
        record.bytes = summary.bytes
        record.tcpConnections = connections
        record.firstTime = summary.firstTime
        record.lastTime = summary.lastTime
        record.error = summary.error?.description
        record.warnings = summary.warnings
        record.analysedAt = CivilTime.iso8601(Timestamp(seconds: Int64(time(nil)), nanoseconds: 0), fraction: false)
        var input = input
        if input.size < 0 {
            // From the reader; a file it could not open is looked at by path (its size is still
            // counted and shown).
            if let size = summary.fileSize { input.size = size } else { _ = input.resolve(canonicalKey: false) }
        }
        totals.aggregates.tcpConnections += connections
        let r = acc.result
        r.input = input
        r.record = record
        return r
    }
}

/// Runs `tlsdiag batch`: finds the captures, analyses them on `jobs` worker threads (or takes them
/// from the store), then diagnoses every failure with what all the captures showed of its server,
/// and writes the report.
///
/// Output does not depend on the number of workers: results are merged as counts, the successes'
/// lines are spooled per capture, and everything is written in path order at the end.
public enum BatchRunner {
    public static func run(_ options: BatchOptions, stdout: OutputSink, stderr: OutputSink) -> BatchReport {
        let clock = MonotonicClock()
        var report = BatchReport()
        report.database = options.database
        let storeOptions = options.storeOptions

        // The store: what it holds (the workers decide what to reuse), and which captures are gone.
        // Opened before the walk, since the workers start on the first captures the walk finds.
        var store: BatchStore?
        var entries: [String: BatchStore.Entry] = [:]
        var storeNotes: [String] = []
        if let path = options.database {
            do {
                let s = try BatchStore(path: path)
                entries = try s.entries()
                let keys = Array(entries.keys)
                let exists = Parallel.map(count: keys.count, jobs: options.jobs) { access(keys[$0], F_OK) == 0 }
                let gone = zip(keys, exists).filter { !$0.1 }.map(\.0).sorted()
                for g in gone { entries[g] = nil }
                if !gone.isEmpty {
                    try s.remove(paths: gone)
                    let shown = gone.prefix(5).joined(separator: ", ")
                    storeNotes.append("\(gone.count) capture\(gone.count == 1 ? "" : "s") in \(path) no longer exist\(gone.count == 1 ? "s" : "") on disk and \(gone.count == 1 ? "was" : "were") dropped from the store and the report: \(shown)\(gone.count > 5 ? ", …" : "")")
                }
                store = s
            } catch {
                report.storeError = "--db \(path): \(error.description)"
            }
        }

        // The workers start first when the batch is one folder: they take captures as the walk finds
        // them (in path order), while this thread walks. Otherwise the walk comes first.
        let feed = InputFeed()
        let drawsProgress = BatchProgress.enabled(mode: options.progress, sink: stderr)
        // The threads for the captures, the verdicts and the text report (this one is the other),
        // kept from one phase to the next; they end once the report is rendered, or, when the
        // process ends after the batch, are left waiting until its exit (a thread's end costs
        // mimalloc a walk of its heap).
        let helpers = HelperThreads(count: report.storeError != nil ? 0 : drawsProgress ? options.jobs : options.jobs - 1)
        var helpersLeft = false
        defer { if !helpersLeft { helpers.join() } }
        let work = BatchWork(feed: feed, options: options, storePath: store == nil ? nil : options.database, entries: entries,
                             helpers: helpers)
        if options.failuresInMemory <= 0 { work.packsFailures.store(true, ordering: .relaxed) }
        var folder = stat()
        let streams = report.storeError == nil && options.paths.count == 1
            && stat(options.paths[0], &folder) == 0 && folder.st_mode & S_IFMT == S_IFDIR
        var started = streams ? work.start(workers: drawsProgress ? options.jobs : options.jobs - 1) : 0
        let selection = streams ? BatchFiles.stream(options.paths[0]) { feed.append($0) }
            : BatchFiles.collect(options.paths, statFiles: false, jobs: options.jobs)
        if !streams { feed.append(contentsOf: selection.files) }
        feed.finish()
        report.skipped = selection.skipped
        report.notes = selection.notes
        let inputs = selection.files
        if inputs.isEmpty && selection.skipped.isEmpty {
            report.notes.append("no capture files (.pcap, .pcapng, .cap, or those followed by .gz) under \(options.paths.joined(separator: ", "))")
        }
        if let e = report.storeError {
            stderr.line("Error: \(e)")
            return report
        }
        report.notes += storeNotes

        let spool = options.report.format != .text && !options.report.failuresOnly ? BatchSpool(directory: options.spillDirectory) : nil
        if spool?.failed == true {
            report.notes.append("could not create a temporary file for the report: successful connections are kept in memory")
        }
        var segments = [(offset: Int, count: Int)](repeating: (0, 0), count: inputs.count)
        var memoryLines = [[UInt8]](repeating: [], count: inputs.count)
        var pending = [[(ConnectionFacts, HandshakeFacts)]](repeating: [], count: inputs.count)
        var failuresHeld = 0
        var failureSpool: BatchSpool?
        var failureSegments = [(offset: Int, count: Int)](repeating: (0, 0), count: inputs.count)
        var packedInMemory = [[UInt8]](repeating: [], count: inputs.count)
        // Filled by each capture's result (every capture has one); moved into the report at the end.
        var captures = inputs.map { BatchCapture(input: $0, record: CaptureRecord(), reused: false, reported: 0, failures: 0) }
        var ends = [Timestamp?](repeating: nil, count: inputs.count)

        let jobs = max(1, min(options.jobs, inputs.count))
        report.jobs = jobs
        let progress = BatchProgress(sink: stderr, mode: options.progress, files: inputs.count, clock: clock)
        var captureNotes = [[String]](repeating: [], count: inputs.count)
        var received = 0, bytesDone: Int64 = 0, problems = 0
        // One capture's result, in whatever order they come: everything kept by index, so the
        // report does not depend on which thread took which capture.
        // The result's arrays and strings are moved out, not copied (a copy retained each: objects
        // the worker thread made, whose cache lines would then cross to this core).
        func handle(_ r: CaptureResult) {
            received += 1
            let i = r.index
            bytesDone += r.input.size
            if r.record.error != nil { problems += 1 }
            if let spool, !r.successLines.isEmpty {
                // Into the spool file; if writing it fails, this and later captures' lines stay
                // in memory (what was spooled before can still be read back).
                let segment = spool.failed ? (offset: 0, count: 0) : spool.append(r.successLines)
                if segment.count == r.successLines.count { segments[i] = segment } else { swap(&memoryLines[i], &r.successLines) }
            }
            if !r.packedFailures.isEmpty {
                // Into the failures' file; if it cannot be made or written, the encoded bytes
                // stay in memory (still a third of the facts' size).
                if failureSpool == nil {
                    let s = BatchSpool(prefix: "tlsdiag-batch-failures", directory: options.spillDirectory)
                    if s.failed { report.notes.append("could not create a temporary file for the failed connections waiting for the end of the batch: they are kept in memory, encoded") }
                    failureSpool = s
                }
                let segment = failureSpool!.failed ? (offset: 0, count: 0) : failureSpool!.append(r.packedFailures)
                if segment.count == r.packedFailures.count { failureSegments[i] = segment } else { swap(&packedInMemory[i], &r.packedFailures) }
            } else if !r.failures.isEmpty {
                failuresHeld += r.failures.count
                swap(&pending[i], &r.failures)
                if failuresHeld >= options.failuresInMemory { work.packsFailures.store(true, ordering: .relaxed) }
            }
            if r.reused { report.reused += 1 } else {
                report.analysed += 1
                if let s = store, report.storeError == nil {
                    if r.storeFailed {
                        report.notes.append("\(inputs[i].path): its connections could not be encoded for the store; it will be analysed again next time")
                    } else {
                        do { try s.save(r.input, options: storeOptions, record: r.record, connections: r.blobs) } catch {
                            report.storeError = "--db \(options.database ?? ""): \(error.description)"
                            report.notes.append("the store failed (\(error.description)); this run's results are reported but not all kept")
                        }
                    }
                }
            }
            swap(&captureNotes[i], &r.notes)
            ends[i] = r.record.lastTime
            captures[i].reused = r.reused
            captures[i].reported = r.reported
            swap(&captures[i].input, &r.input)
            swap(&captures[i].record, &r.record)
        }
        func handle(all list: [CaptureResult]) {
            for r in list { handle(r) }
        }

        // `jobs` threads take captures: this one and `jobs - 1` others, so that `--jobs 1` runs on one
        // thread, as it says. This thread merges the results (its own and the others') between
        // captures. With a progress bar, it only merges and draws, and `jobs` others take captures:
        // the bar would otherwise stand still while this thread reads a large capture.
        if !streams && !inputs.isEmpty { started = work.start(workers: drawsProgress ? jobs : jobs - 1) }
        if !inputs.isEmpty && (!drawsProgress || started == 0) {
            let state = BatchWork.WorkerState()
            while let (i, input) = work.take() {
                handle(work.process(i, input, state))
                work.handledHere()
                handle(all: work.drainNow())
            }
            state.reader = nil
            state.totals.settle()
            work.addTotals(state.totals)
        }
        while received < inputs.count {
            handle(all: work.drain(timeout: 0.05))
            progress.update(files: received, bytes: bytesDone, problems: problems)
        }
        // The first thread's totals moved in whole (merged into the empty ones, every table was
        // copied), the others' merged into them: the servers' knowledge on a helper thread while
        // this one merges the counts (two tables apart, about as long each).
        let workerTotals = work.waitForWorkers()
        if let first = workerTotals.first {
            let rest = Array(workerTotals.dropFirst())
            if !rest.isEmpty && helpers.count > 0 {
                helpers.run { for t in rest { first.knowledge.merge(t.knowledge) } }
                for t in rest { first.aggregates.merge(t.aggregates) }
                helpers.wait()
            } else {
                for t in rest {
                    first.aggregates.merge(t.aggregates)
                    first.knowledge.merge(t.knowledge)
                }
            }
            swap(&report.aggregates, &first.aggregates)
            swap(&report.knowledge, &first.knowledge)
        }
        progress.finish()

        // Every capture's successes are known: diagnose the rest on as many threads (the knowledge
        // is only read now; each thread counts into its own aggregates and frees what it is done
        // with), then merge.
        let scope = inputs.count == 1 ? "in this capture" : "in these \(inputs.count) captures"
        let knowledge = report.knowledge, format = options.report, keepHandshakes = options.keepFailureHandshakes
        let captureEnds = ends
        let packedSegments = failureSegments, packedBytes = packedInMemory, packedFile = failureSpool
        var (verdicts, verdictTotals) = pending.withUnsafeMutableBufferPointer { buffer in
            let waiting = UnsafeMutableBufferPointerBox(buffer)
            // Each thread reads its own copy of the knowledge: no reference counts shared between
            // threads on the hot path.
            return Parallel.mapReduce(count: inputs.count, jobs: jobs, helpers: helpers, perThread: { knowledge.separateCopy() }) { i, totals, knowledge -> Verdicts in
                var v = Verdicts()
                var context = DiagnosisContext(knowledge: knowledge, captureEnd: captureEnds[i])
                context.knowledgeScope = scope
                // Failures handed over encoded: read back (from the file or memory) and decoded.
                if packedSegments[i].count > 0 || !packedBytes[i].isEmpty {
                    let bytes = packedSegments[i].count > 0 ? packedFile?.read(packedSegments[i]) : packedBytes[i]
                    if let bytes, let list = FailurePacking.decode(bytes) {
                        waiting.buffer[i] = list
                    } else {
                        v.notes.append("\(inputs[i].path): its failed connections could not be read back from the temporary file; they are missing from the report")
                    }
                }
                // Taken out of the shared buffer (each index is touched by one thread only), then
                // each failure moved out of the list in turn (reading `list[n].0` copied the whole
                // pair, every reference in both facts retained and released, five times a failure;
                // two threads counting on the same shared hello boxes made that most of this
                // phase's extra time).
                // Reversed by popping from one list into another, each pair moved (`reverse()`
                // swaps through copies: every reference in both facts retained and released).
                var list: [(ConnectionFacts, HandshakeFacts)] = []
                list.reserveCapacity(waiting.buffer[i].count)
                while let pair = waiting.buffer[i].popLast() { list.append(pair) }
                waiting.buffer[i] = []
                v.failures.reserveCapacity(list.count)
                if format.format != .text { v.lines.reserveCapacity(list.count) }
                let path = inputs[i].path
                var n = 0
                while let (c, h) = list.popLast() {
                    let d = Diagnoser.diagnose(c, h, context: context)
                    totals.addVerdict(c, h, d, order: i << 32 | n)
                    n += 1
                    let failed = d.outcome != .success
                    let writesLine = format.format != .text && (!format.failuresOnly || failed)
                    if writesLine || (failed && keepHandshakes) {
                        let cr = ConnectionReport(capture: path, facts: c, handshake: h, diagnosis: d)
                        if writesLine { v.lines.append(format.format == .jsonl ? JSONLReport.line(cr) : CSVReport.row(cr)) }
                        if failed {
                            v.failures.append(keepHandshakes ? cr : ConnectionReport(capture: path, facts: cr.facts, handshake: HandshakeFacts(), diagnosis: d))
                        }
                    } else if failed {
                        v.failures.append(ConnectionReport(capture: path, facts: c, handshake: HandshakeFacts(), diagnosis: d))
                    }
                }
                return v
            }
        }
        // Emptied list by list above; the list itself left to exit with the rest when the process ends.
        if !options.endsAfterRun { pending = [] }
        // The verdicts' counts merged on a helper thread while this one moves each capture's
        // verdicts into the report (which does not read the counts).
        let counts = AggregatesBox()
        swap(&counts.value, &report.aggregates)
        let countsToMerge = verdictTotals
        if helpers.count > 0 {
            helpers.run { for t in countsToMerge { counts.value.merge(t) } }
        } else {
            for t in countsToMerge { counts.value.merge(t) }
        }
        // The captures moved in whole (each record was written by `handle`, long out of the cache),
        // then what the verdicts add to each.
        report.captures = captures
        captures = []
        var failureLines = [[String]](repeating: [], count: format.format == .text ? 0 : inputs.count)
        report.failuresByCapture.reserveCapacity(inputs.count)
        for i in inputs.indices {
            // Each capture's verdicts moved out of the list (not copied: a copy retained, and the
            // list's end released, arrays last touched by the other thread).
            var v = Verdicts()
            swap(&v, &verdicts[i])
            if format.format != .text { failureLines[i] = v.lines }
            if !captureNotes[i].isEmpty { report.notes.append(contentsOf: captureNotes[i]) }
            if !v.notes.isEmpty { report.notes.append(contentsOf: v.notes) }
            report.captures[i].failures = v.failures.count
            report.failuresByCapture.append(v.failures)
        }
        helpers.wait()
        swap(&report.aggregates, &counts.value)
        // Each server's failures, as `addFailure` would count them one by one: the verdicts' tallies
        // per server already hold the count (a failure is a connection whose outcome is not success).
        for (server, t) in report.aggregates.servers where t.failures > 0 {
            report.knowledge.servers[server, default: ServerProfile()].failures += t.failures
        }
        let notesAsFound = report.notes   // left to exit with the rest (when the process ends after the batch)
        report.notes = dedupe(report.notes)
        report.elapsedSeconds = clock.seconds

        // Errors on stderr, in path order; for the machine formats, the notes too (the text report has them).
        if options.report.format != .text { for n in report.notes { stderr.line("note: \(n)") } }
        for s in report.skipped { stderr.line("Error: \(s.path): \(s.reason)") }
        for k in report.captures.indices {
            // The text report carries warnings; the machine formats leave them to stderr (as analyze).
            // (By index: a copy of each capture's record would retain every string in it.)
            if options.report.format != .text && !report.captures[k].record.warnings.isEmpty {
                for w in report.captures[k].record.warnings { stderr.line("warning: \(report.captures[k].input.path): \(w)") }
            }
            if let e = report.captures[k].record.error {
                let packets = report.captures[k].record.packets
                stderr.line("Error: \(e)\(packets > 0 ? " (the \(packets) packet(s) before it were analysed)" : "")")
            }
        }
        if let e = report.storeError, options.database != nil, store != nil { stderr.line("Error: \(e)") }

        // The report.
        switch options.report.format {
        case .text:
            let style = TextStyle(color: options.report.color, verbose: options.report.verbose)
            stdout.write(BatchTextReport.render(report, style: style, failureLines: options.failureLines, helpers: helpers))
        case .jsonl, .csv:
            if options.report.format == .csv { stdout.line(CSVReport.header) }
            for i in inputs.indices {
                if let spool, segments[i].count > 0 { spool.copy(segments[i], to: stdout) }
                if !memoryLines[i].isEmpty { stdout.write(String(decoding: memoryLines[i], as: UTF8.self)) }
                for l in failureLines[i] { stdout.line(l) }
            }
        }
        if options.endsAfterRun { helpersLeft = true } else { helpers.close() }
        stdout.flush()
        if let path = options.html {
            if let sink = OutputSink.file(path) {
                sink.write(BatchHTMLReport.render(report))
                sink.close()
                if sink.failed { report.notes.append("could not write \(path)"); stderr.line("Error: could not write \(path)") }
            } else {
                let reason = String(cString: strerror(errno))
                report.storeError = report.storeError ?? "--html \(path): \(reason)"
                stderr.line("Error: cannot write \(path): \(reason)")
            }
        }
        stderr.flush()
        if options.endsAfterRun {
            BatchRunner.keptUntilExit.append([work, workerTotals, verdictTotals, verdicts, failureLines, memoryLines,
                                              captureNotes, segments, failureSegments, ends, selection, feed, pending, helpers,
                                              packedInMemory, notesAsFound, counts] as [Any])
        }
        return report
    }

    /// What runs with `BatchOptions.endsAfterRun` leave to the process's exit.
    nonisolated(unsafe) static var keptUntilExit: [Any] = []

    /// The verdicts on one capture's connections that waited for the end.
    struct Verdicts: @unchecked Sendable {
        var failures: [ConnectionReport] = []
        var lines: [String] = []
        var notes: [String] = []
    }

    static func dedupe(_ notes: [String]) -> [String] {
        var seen = Set<String>()
        return notes.filter { seen.insert($0).inserted }
    }
}

extension ServerKnowledge {
    /// A copy that shares no storage with this one (dictionaries rebuilt), for another thread to read.
    func separateCopy() -> ServerKnowledge {
        var k = ServerKnowledge()
        k.servers.reserveCapacity(servers.count)
        for (server, p) in servers {
            var q = ServerProfile()
            q.merge(p)
            k.servers[server] = q
        }
        return k
    }
}

/// Work spread over threads: the calling thread and `jobs - 1` others, each taking
/// the next index until none is left. The body may only read shared state, or write what belongs to
/// its own index.
enum Parallel {
    /// `body(i)` for every `i` in `0..<count`; results in index order.
    static func map<T: Sendable>(count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        mapReduce(count: count, jobs: jobs, perThread: { () }) { i, _, _ in body(i) }.0
    }

    /// `body(i, &totals, context)` for every `i`, each thread counting into its own aggregates and
    /// reading its own `perThread()` context; returns the results in index order and each thread's
    /// aggregates.
    static func mapReduce<T: Sendable, C>(count: Int, jobs: Int, helpers: HelperThreads? = nil, perThread: @escaping @Sendable () -> C,
                                          _ body: @escaping @Sendable (Int, inout BatchAggregates, C) -> T) -> ([T], [BatchAggregates]) {
        guard count > 0 else { return ([], []) }
        let threads = max(1, min(jobs, count))
        let out = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        out.initialize(repeating: nil)
        let sums = UnsafeMutableBufferPointer<BatchAggregates>.allocate(capacity: threads)
        sums.initialize(repeating: BatchAggregates())
        defer {
            out.deinitialize(); out.deallocate()
            sums.deinitialize(); sums.deallocate()
        }
        let slots = UnsafeMutableBufferPointerBox(out), totals = UnsafeMutableBufferPointerBox(sums)
        // Runs of up to 16 indices, fewer when there are few per thread (a folder's few entries).
        let cursor = IndexCursor(chunk: min(16, count / (threads * 256)))
        let work: @Sendable (Int) -> Void = { w in
            var mine = BatchAggregates()
            let context = perThread()
            while let run = cursor.take(below: count) {
                for i in run { slots.buffer[i] = body(i, &mine, context) }
            }
            totals.buffer[w] = mine
        }
        run(threads: threads, helpers: helpers, work)
        // The results moved out of their slots (a copy retained each and the slots' release freed
        // nothing: reference counts on objects the other thread last touched).
        let results = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { (buffer.baseAddress! + i).initialize(to: out[i].take()!) }
            initialized = count
        }
        return (results, Array(sums))
    }

    /// `work(w)` for `w` in `0..<threads`: 0 on the calling thread, the others on threads of their
    /// own (or `helpers`' threads, as many as it has); returns when all are done. (Not Dispatch's
    /// concurrentPerform: on Linux its pool may not add a thread while the CPUs look busy, and then
    /// runs everything on the caller.)
    static func run(threads: Int, helpers: HelperThreads? = nil, _ work: @escaping @Sendable (Int) -> Void) {
        guard threads > 1 else { work(0); return }
        var started: [WorkerThread] = []
        var handed = 0
        for w in 1..<threads {
            if let helpers, handed < helpers.count {
                helpers.run { work(w) }
                handed += 1
            } else if let t = WorkerThread.start({ work(w) }) { started.append(t) } else { work(w) }
        }
        work(0)
        for t in started { t.join() }
        if handed > 0 { helpers?.wait() }
    }

    final class Counter: @unchecked Sendable {
        var value: Int
        init(_ v: Int) { value = v }
    }
}

/// Hands out indices in runs of `chunk`: fewer atomic operations on one shared word, and each
/// thread writes runs of neighbouring result slots rather than every other one (which kept a cache
/// line moving between the cores).
final class IndexCursor: @unchecked Sendable {
    private let next = Atomic<Int>(0)
    let chunk: Int
    init(chunk: Int = 1) { self.chunk = max(1, chunk) }
    func take(below limit: Int) -> Range<Int>? {
        let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
        guard start < limit else { return nil }
        return start ..< min(limit, start + chunk)
    }
}

/// A batch's counts handed to a helper thread to merge into (one thread at a time: the helper, then
/// the thread that waited for it).
final class AggregatesBox: @unchecked Sendable {
    var value = BatchAggregates()
}

/// Lets `Parallel`'s threads write disjoint slots of one buffer.
struct UnsafeMutableBufferPointerBox<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ b: UnsafeMutableBufferPointer<T>) { buffer = b }
}

/// Seconds since it was made (CLOCK_MONOTONIC).
struct MonotonicClock: Sendable {
    let start: Double
    init() { start = MonotonicClock.now() }
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    var seconds: Double { MonotonicClock.now() - start }
}

/// Successful connections' lines, kept in an unlinked temporary file until the end of the batch (so
/// a batch of millions of connections does not hold them in memory).
final class BatchSpool: @unchecked Sendable {   // appended on one thread; read with pread from several
    let fd: Int32
    var size = 0
    private(set) var failed = false

    init(prefix: String = "tlsdiag-batch", directory: String? = nil) {
        let dir = directory ?? getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((dir + "/" + prefix + "-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { failed = true; return }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends bytes; returns where they are.
    func append(_ bytes: [UInt8]) -> (offset: Int, count: Int) {
        guard !failed, !bytes.isEmpty else { return (size, 0) }
        let start = size
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = pwrite(fd, raw.baseAddress! + off, raw.count - off, off_t(start + off))
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        if !ok { failed = true; return (start, 0) }
        size += bytes.count
        return (start, bytes.count)
    }

    /// Writes a segment back out, in chunks cut at line ends (so no UTF-8 sequence is split).
    /// The bytes of a segment, or nil if they cannot be read back whole.
    func read(_ segment: (offset: Int, count: Int)) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: segment.count)
        var got = 0
        while got < segment.count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, segment.count - got, off_t(segment.offset + got)) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return nil }
            got += n
        }
        return out
    }

    func copy(_ segment: (offset: Int, count: Int), to sink: OutputSink) {
        var left = segment.count, at = segment.offset
        var carry: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: min(1 << 20, max(1, left)))
        while left > 0 {
            let want = min(left, buffer.count)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(at)) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            left -= n; at += n
            carry.append(contentsOf: buffer[0..<n])
            if let nl = carry.lastIndex(of: 0x0a) {
                sink.write(String(decoding: carry[...nl], as: UTF8.self))
                carry.removeSubrange(...nl)
            }
        }
        if !carry.isEmpty { sink.write(String(decoding: carry, as: UTF8.self)) }
    }
}

/// A capture's failed connections as bytes (FailureSpool's records, capture number 0), for a batch
/// holding more than it keeps in memory.
enum FailurePacking {
    static func encode(_ list: [(ConnectionFacts, HandshakeFacts)]) -> [UInt8] {
        var w = SpillWriter(capacity: 4096)
        for (c, h) in list { FailureSpool.appendRecord(capture: 0, c, h, to: &w) }
        return Array(w.bytes)
    }

    /// The connections, or nil if the bytes are damaged.
    static func decode(_ bytes: [UInt8]) -> [(ConnectionFacts, HandshakeFacts)]? {
        bytes.withUnsafeBytes { raw -> [(ConnectionFacts, HandshakeFacts)]? in
            var out: [(ConnectionFacts, HandshakeFacts)] = []
            var r = SpillReader(raw)
            while r.remaining > 0 {
                guard let len = try? FailureSpool.length(&r), len <= r.remaining, let base = raw.baseAddress else { return nil }
                var rec = SpillReader(UnsafeRawBufferPointer(start: base + r.at, count: len))
                r.at += len
                guard let record = try? FailureSpool.readRecord(&rec), record.capture == 0 else { return nil }
                out.append((record.facts, record.handshake))
            }
            return out
        }
    }
}

