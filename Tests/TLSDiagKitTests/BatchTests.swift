import Testing
import Foundation
@testable import TLSDiagKit
import TLSDiagCLI
import Reports
import Diagnosis
import Handshake
import TLSWire
import FlowTrack

/// Folders of real captures for `tlsdiag batch`: Captures/ of this repository and a few captures of
/// ../shared/corpus, copied into a fresh temporary folder per test (a nested subfolder, a .gz, a
/// .pcapng, a .cap, and a file that is not a capture).
enum BatchFixture {
    /// The repository root: three levels up from this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = root.appendingPathComponent("Captures")
    static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    /// From the shared corpus: a gzip-compressed capture, a pcapng, a .cap, and two TLS failures.
    static let corpusPicks = [
        "zeek/traces/tls/tls-fragmented-handshake.pcap.gz",
        "zeek/traces/tls/tls-1.2-handshake-failure.pcap",
        "zeek/traces/tls/hrr.pcap",
        "ja4/pcap/browsers-x509.pcapng",
        "ja4/pcap/dtls-udp.notest.cap",
    ]
    static let fm = FileManager.default

    static func requireCorpus() throws {
        var isDir: ObjCBool = false
        try #require(fm.fileExists(atPath: corpus.path, isDirectory: &isDir) && isDir.boolValue,
                     "shared corpus missing at \(corpus.path): clone shared/ beside the repository")
    }

    static func tempDir(_ name: String) throws -> URL {
        let u = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tlsdiag-\(name)-\(UUID().uuidString)")
        try fm.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Captures/* at the top, those whose names begin with "1" in nested/, the .gz and those beginning
    /// with "3" in nested/deeper/, the corpus picks in corpus/; plus a README that is not a capture.
    static func make() throws -> URL {
        try requireCorpus()
        let dir = try tempDir("batch")
        let nested = dir.appendingPathComponent("nested"), deeper = nested.appendingPathComponent("deeper")
        let picks = dir.appendingPathComponent("corpus")
        for d in [deeper, picks] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        for name in try fm.contentsOfDirectory(atPath: captures.path) where BatchFiles.isCaptureName(name) {
            let target: URL
            if name.hasSuffix(".gz") || name.hasPrefix("3") { target = deeper } else if name.hasPrefix("1") { target = nested } else { target = dir }
            try fm.copyItem(at: captures.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
        for p in corpusPicks {
            try fm.copyItem(at: corpus.appendingPathComponent(p), to: picks.appendingPathComponent((p as NSString).lastPathComponent))
        }
        try fm.copyItem(at: captures.appendingPathComponent("README.md"), to: dir.appendingPathComponent("README.md"))
        return dir
    }

    static func read(_ u: URL) -> String { (try? String(contentsOf: u, encoding: .utf8)) ?? "" }

    /// Runs a command line; returns the exit status, stdout and stderr.
    static func cli(_ args: [String]) throws -> (Int32, String, String) {
        let dir = try tempDir("out")
        defer { try? fm.removeItem(at: dir) }
        let o = dir.appendingPathComponent("stdout"), e = dir.appendingPathComponent("stderr")
        let out = try #require(OutputSink.file(o.path)), err = try #require(OutputSink.file(e.path))
        let status = TLSDiagCLI.run(arguments: args, stdout: out, stderr: err)
        out.close(); err.close()
        return (status, read(o), read(e))
    }

    /// Runs a batch through the library; returns the report and what it wrote.
    static func batch(_ paths: [String], format: ReportFormat = .jsonl, jobs: Int = 2, db: String? = nil,
                      html: String? = nil, configure: (inout BatchOptions) -> Void = { _ in }) throws -> (BatchReport, String, String) {
        var opts = BatchOptions()
        opts.paths = paths
        opts.report.format = format
        opts.jobs = jobs
        opts.database = db
        opts.html = html
        opts.progress = .never
        configure(&opts)
        let dir = try tempDir("out")
        defer { try? fm.removeItem(at: dir) }
        let o = dir.appendingPathComponent("stdout"), e = dir.appendingPathComponent("stderr")
        let out = try #require(OutputSink.file(o.path)), err = try #require(OutputSink.file(e.path))
        let report = BatchRunner.run(opts, stdout: out, stderr: err)
        out.close(); err.close()
        return (report, read(o), read(e))
    }

    static func objects(_ jsonl: String) throws -> [[String: Any]] {
        try jsonl.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// What identifies a connection and its verdict.
    struct Key: Hashable, CustomStringConvertible {
        var capture, client, server, start, outcome, category: String
        var description: String { "\(capture) \(client)→\(server) \(start) \(outcome)/\(category)" }
    }

    static func keys(_ objects: [[String: Any]]) -> [Key: Int] {
        var out: [Key: Int] = [:]
        for o in objects {
            let k = Key(capture: o["capture"] as? String ?? "", client: o["client"] as? String ?? "", server: o["server"] as? String ?? "",
                        start: o["start"] as? String ?? "", outcome: o["outcome"] as? String ?? "", category: o["category"] as? String ?? "")
            out[k, default: 0] += 1
        }
        return out
    }

    /// `analyze`'s pipeline and report session on one file, as `tlsdiag analyze` runs them.
    static func analyzeReference(_ path: String) throws -> [Key: Int] {
        var o = ReportOptions()
        o.format = .jsonl
        let sink = try #require(OutputSink.file("/dev/null"))
        let session = ReportSession(options: o, sink: sink)
        var out: [Key: Int] = [:]
        session.onReport = { r in
            let k = Key(capture: r.capture, client: r.facts.client.description, server: r.facts.server.description,
                        start: CivilTime.iso8601(r.facts.first.time), outcome: r.diagnosis.outcome.rawValue, category: r.diagnosis.category.rawValue)
            out[k, default: 0] += 1
        }
        session.beginCapture(path)
        let summary = CaptureAnalyzer.analyze(path: path, options: AnalysisOptions()) { c, h in
            session.add(capture: path, facts: c, handshake: h)
        }
        session.endCapture(path, lastPacket: summary.lastTime)
        session.finish()
        sink.close()
        return out
    }

    static func setModificationTime(_ path: String, secondsAgo: Double) throws {
        try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: path)
    }
}

import NetCore

@Suite("tlsdiag batch")
struct BatchTests {
    typealias F = BatchFixture

    @Test("the batch's connections are those of analyze run on each file: same count, same outcome and category each")
    func batchEqualsAnalyzePerFile() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        let (report, out, _) = try F.batch([dir.path])
        let selection = BatchFiles.collect([dir.path])
        let inRepo = try F.fm.contentsOfDirectory(atPath: F.captures.path).filter(BatchFiles.isCaptureName).count
        #expect(inRepo >= 56)
        #expect(selection.files.count == inRepo + F.corpusPicks.count, "every capture of Captures/, plus the corpus picks")
        #expect(!selection.files.contains { $0.path.hasSuffix("README.md") })
        #expect(selection.files.contains { $0.path.hasSuffix("nested/deeper/46-ok-tls13.pcap.gz") })
        #expect(selection.files.map(\.path) == selection.files.map(\.path).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })

        var expected: [F.Key: Int] = [:]
        for f in selection.files { expected.merge(try F.analyzeReference(f.path), uniquingKeysWith: +) }
        let got = F.keys(try F.objects(out))
        #expect(got.values.reduce(0, +) == expected.values.reduce(0, +))
        #expect(got.values.reduce(0, +) == report.aggregates.reported)
        #expect(got.values.reduce(0, +) > 60)
        let missing = expected.filter { got[$0.key] != $0.value }.map(\.key.description).sorted()
        let extra = got.filter { expected[$0.key] != $0.value }.map(\.key.description).sorted()
        #expect(missing.isEmpty, "in analyze, not in batch: \(missing.prefix(5))")
        #expect(extra.isEmpty, "in batch, not in analyze: \(extra.prefix(5))")
        // The nested .gz and the corpus picks were read.
        #expect(got.keys.contains { $0.capture.hasSuffix("deeper/46-ok-tls13.pcap.gz") && $0.outcome == "success" })
        #expect(got.keys.contains { $0.capture.hasSuffix("tls-1.2-handshake-failure.pcap") && $0.outcome == "failure" })
        #expect(report.captures.count == selection.files.count)
        #expect(report.status == .handshakesFailed)

        // The report's counts agree with the connections written.
        let objects = try F.objects(out)
        var perJA4: [String: (connections: Int, failures: Int)] = [:]
        var byCategory: [String: Int] = [:]
        for o in objects {
            let failed = o["outcome"] as? String != "success"
            if failed { byCategory[o["category"] as? String ?? "", default: 0] += 1 }
            guard let fp = (o["client_hello"] as? [String: Any])?["ja4"] as? String else { continue }
            perJA4[fp, default: (0, 0)].connections += 1
            if failed { perJA4[fp, default: (0, 0)].failures += 1 }
        }
        #expect(report.aggregates.failures == byCategory.values.reduce(0, +))
        #expect(Dictionary(uniqueKeysWithValues: report.aggregates.failureCategories.map { ($0.0.rawValue, $0.1) }) == byCategory)
        #expect(perJA4.values.contains { $0.failures > 0 })
        for (fp, n) in perJA4 {
            #expect(report.aggregates.fingerprints[fp]?.connections == n.connections, "\(fp)")
            #expect(report.aggregates.fingerprints[fp]?.failures == n.failures, "\(fp)")
        }
        #expect(report.aggregates.fingerprints.count == perJA4.count)
        var perServer: [String: (connections: Int, failures: Int)] = [:]
        for o in objects {
            let server = o["server"] as? String ?? ""
            perServer[server, default: (0, 0)].connections += 1
            if o["outcome"] as? String != "success" { perServer[server, default: (0, 0)].failures += 1 }
        }
        let tallies = Dictionary(uniqueKeysWithValues: report.aggregates.servers.map { ($0.key.description, $0.value) })
        #expect(tallies.count == perServer.count)
        for (server, n) in perServer {
            #expect(tallies[server]?.connections == n.connections && tallies[server]?.failures == n.failures, "\(server)")
        }
        // Worst servers first: the first has the most definite failures.
        let worst = try #require(report.aggregates.worstServers.first)
        #expect(report.aggregates.servers.values.allSatisfy { $0.definiteFailures <= worst.1.definiteFailures })
        #expect(report.analysed == selection.files.count && report.reused == 0)
    }

    @Test("an unreadable file and a truncated one are listed with their reasons; the rest is reported; exit 1")
    func unreadableAndPartialFiles() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        let whole = try Data(contentsOf: F.captures.appendingPathComponent("47-many-connections-ecdsa-server.pcap"))
        try whole.prefix(whole.count / 2).write(to: dir.appendingPathComponent("nested/truncated.pcap"))
        try Data("this is a text file, not a capture\n".utf8).write(to: dir.appendingPathComponent("x.pcap"))

        let (status, text, err) = try F.cli(["batch", "--progress", "never", dir.path])
        #expect(status == ExitStatus.inputError.rawValue)
        #expect(text.contains("Captures not read whole"))
        // Long lines wrap with a 4-space indent: join them back.
        let flat = text.replacingOccurrences(of: "\n    ", with: " ")
        let xLine = try #require(flat.split(separator: "\n").first { $0.contains("x.pcap:") })
        #expect(xLine.contains("not a capture file"))
        let tLine = try #require(flat.split(separator: "\n").first { $0.contains("truncated.pcap:") })
        #expect(tLine.contains("truncated record") && tLine.contains("packets before it were analysed"))
        #expect(err.contains("Error: \(dir.path)/x.pcap"))
        #expect(err.contains("Error: \(dir.path)/nested/truncated.pcap"))

        // What was read of the truncated file is reported, and every other capture too.
        let (report, jsonl, _) = try F.batch([dir.path])
        #expect(report.status == .inputError)
        #expect(report.unreadable.map { ($0.input.path as NSString).lastPathComponent } == ["x.pcap"])
        #expect(report.partial.map { ($0.input.path as NSString).lastPathComponent } == ["truncated.pcap"])
        let objs = try F.objects(jsonl)
        let fromTruncated = objs.filter { ($0["capture"] as? String)?.hasSuffix("truncated.pcap") == true }
        #expect(fromTruncated.count >= 2)
        #expect(objs.contains { ($0["capture"] as? String)?.hasSuffix("47-many-connections-ecdsa-server.pcap") == true })

        // A path that does not exist is skipped with its reason too.
        let (status2, _, err2) = try F.cli(["batch", "--progress", "never", "--format", "jsonl", dir.path + "/no-such-folder"])
        #expect(status2 == ExitStatus.inputError.rawValue)
        #expect(err2.contains("no-such-folder: No such file or directory"))
    }

    @Test("exit status: 0 when every handshake succeeded, 2 when one failed")
    func exitStatusWithoutInputErrors() throws {
        let dir = try F.tempDir("ok")
        defer { try? F.fm.removeItem(at: dir) }
        for name in ["01-ok-tls13.pcap", "02-ok-tls12-ecdhe-rsa.pcap"] {
            try F.fm.copyItem(at: F.captures.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        #expect(try F.cli(["batch", "--progress", "never", dir.path]).0 == ExitStatus.ok.rawValue)
        try F.fm.copyItem(at: F.captures.appendingPathComponent("18-rdp-server-reset.pcap"), to: dir.appendingPathComponent("18.pcap"))
        let (status, text, _) = try F.cli(["batch", "--progress", "never", dir.path])
        #expect(status == ExitStatus.handshakesFailed.rawValue)
        #expect(text.contains("server-reset"))
    }

    @Test("--db: a second run analyses nothing and reports the same; a touched file alone is analysed again; a deleted one is dropped")
    func storeReusesUnchangedCaptures() throws {
        let dir = try F.make()
        let dbDir = try F.tempDir("db")
        defer { try? F.fm.removeItem(at: dir); try? F.fm.removeItem(at: dbDir) }
        let db = dbDir.appendingPathComponent("batch.db").path
        let (r1, out1, _) = try F.batch([dir.path], db: db)
        let n = r1.captures.count
        #expect(r1.analysed == n && r1.reused == 0)

        let (r2, out2, _) = try F.batch([dir.path], db: db)
        #expect(r2.analysed == 0)
        #expect(r2.reused == n)
        #expect(out2 == out1)
        #expect(r2.aggregates.failures == r1.aggregates.failures && r2.aggregates.tcpConnections == r1.aggregates.tcpConnections)

        // The text report is the same but for the analysed/reused line.
        let (_, text1, _) = try F.batch([dir.path], format: .text, db: db)
        let (_, text2, _) = try F.batch([dir.path], format: .text, db: db)
        let strip = { (t: String) in t.split(separator: "\n").filter { !$0.hasPrefix("  analysed ") } }
        #expect(strip(text1) == strip(text2))
        #expect(text2.contains("  analysed 0, reused \(n) from \(db)"))

        // Touch one file: only it is analysed again.
        let touched = dir.appendingPathComponent("nested/13-unrecognized-name.pcap").path
        try F.setModificationTime(touched, secondsAgo: 3600)
        let (r3, out3, _) = try F.batch([dir.path], db: db)
        #expect(r3.analysed == 1 && r3.reused == n - 1)
        #expect(r3.captures.first { !$0.reused }?.input.path == touched)
        #expect(out3 == out1)

        // Change a file's content (same name): analysed again, and its new result is reported.
        let changed = dir.appendingPathComponent("21-server-closed-after-clienthello.pcap")
        try F.fm.removeItem(at: changed)
        try F.fm.copyItem(at: F.captures.appendingPathComponent("01-ok-tls13.pcap"), to: changed)
        let (r4, out4, _) = try F.batch([dir.path], db: db)
        #expect(r4.analysed == 1)
        let changedLines = try F.objects(out4).filter { $0["capture"] as? String == changed.path }
        #expect(changedLines.map { $0["outcome"] as? String } == ["success"])

        // Delete a file: it leaves the store and the report, with a note.
        let deleted = dir.appendingPathComponent("nested/deeper/46-ok-tls13.pcap.gz")
        try F.fm.removeItem(at: deleted)
        let (r5, out5, _) = try F.batch([dir.path], db: db)
        #expect(r5.analysed == 0 && r5.captures.count == n - 1)
        #expect(r5.notes.contains { $0.contains("no longer exist") && $0.contains("46-ok-tls13.pcap.gz") })
        #expect(!out5.contains("46-ok-tls13.pcap.gz"))

        // The store itself: schema version, one row per capture, one blob per reported connection.
        let conn = try SQLiteConnection(path: db, readOnly: true)
        let v = try conn.prepare("SELECT version FROM schema_version")
        #expect(try v.step() && v.int64(0) == BatchStore.schemaVersion)
        let c = try conn.prepare("SELECT count(*) FROM captures")
        #expect(try c.step() && c.int64(0) == Int64(n - 1))
        let k = try conn.prepare("SELECT count(*) FROM connections")
        #expect(try k.step() && k.int64(0) == Int64(r5.aggregates.reported))
    }

    @Test("--jobs 1 and --jobs 2 write byte-identical JSON Lines and CSV")
    func jobsDoNotChangeOutput() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        for format in [ReportFormat.jsonl, .csv] {
            let (_, one, _) = try F.batch([dir.path], format: format, jobs: 1)
            let (_, two, _) = try F.batch([dir.path], format: format, jobs: 2)
            let (_, four, _) = try F.batch([dir.path], format: format, jobs: 4)
            #expect(!one.isEmpty)
            #expect(one == two, "\(format)")
            #expect(one == four, "\(format)")
        }
        // CLI too, with the default (all cores).
        let (_, a, _) = try F.cli(["batch", "--progress", "never", "--format", "jsonl", "--jobs", "1", dir.path])
        let (_, b, _) = try F.cli(["batch", "--progress", "never", "--format", "jsonl", dir.path])
        #expect(a == b)
    }

    @Test("the text report rendered in two halves on two threads is the one rendered on one, with every section present")
    func textReportOnTwoThreads() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        let whole = try Data(contentsOf: F.captures.appendingPathComponent("47-many-connections-ecdsa-server.pcap"))
        try whole.prefix(whole.count / 2).write(to: dir.appendingPathComponent("nested/truncated.pcap"))
        try Data("this is a text file, not a capture\n".utf8).write(to: dir.appendingPathComponent("x.pcap"))
        let (report, _, _) = try F.batch([dir.path], format: .text, jobs: 1)
        let helpers = HelperThreads(count: 1)
        defer { helpers.join() }
        #expect(helpers.count == 1)
        for color in [false, true] {
            for lines in [0, 3, 50] {
                let style = TextStyle(color: color, verbose: false)
                let one = BatchTextReport.render(report, style: style, failureLines: lines)
                let two = BatchTextReport.render(report, style: style, failureLines: lines, helpers: helpers)
                #expect(one == two, "color \(color), \(lines) lines")
                for title in ["Captures not read whole", "Failures by server", "Versions", "Worst servers", "warning: "] {
                    #expect(two.contains(title), "\(title)")
                }
                let count = report.failureCount
                #expect(count > 3)
                #expect(two.contains(lines < count ? "Failures (first \(lines) of \(count);" : "Failures"))
            }
        }
        // Through the runner: one thread and two write the same text.
        let (_, one, _) = try F.batch([dir.path], format: .text, jobs: 1)
        let (_, two, _) = try F.batch([dir.path], format: .text, jobs: 2)
        #expect(!one.isEmpty && one == two)
    }

    @Test("text wrapping counts characters: ASCII words by bytes, others by grapheme clusters, as before")
    func wrappingCountsCharacters() {
        // The wrapping as it was, counting every word's characters.
        func reference(_ text: String, first: Int, indent: Int, width: Int) -> String {
            var lines: [String] = [], line = "", column = first
            for word in text.split(separator: " ") {
                if !line.isEmpty && column + 1 + word.count > width { lines.append(line); line = ""; column = indent }
                if !line.isEmpty { line += " "; column += 1 }
                line += word; column += word.count
            }
            if !line.isEmpty || lines.isEmpty { lines.append(line) }
            return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
        }
        let words = ["a", "capture.pcap", "/tmp/é/été.pcap", "naïve", "e\u{301}e\u{301}e\u{301}", "🇫🇷🇫🇷", "👩‍💻", "x",
                     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "", "日本語のファイル名", "\u{7f}", "end."]
        var rng = SplitMix(state: 11)
        for _ in 0..<400 {
            let text = (0..<Int(rng.next() % 40)).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
            for width in [10, 24, 80] {
                let first = Int(rng.next() % 8), indent = Int(rng.next() % 6)
                #expect(BatchTextReport.wrapped(text, first: first, indent: indent, width: width) == reference(text, first: first, indent: indent, width: width), "\(text)")
            }
        }
    }

    @Test("the knowledge counts each server's failures: one per diagnosed failure")
    func knowledgeCountsFailures() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        let (r, _, _) = try F.batch([dir.path], format: .text)
        var expected: [Endpoint: Int] = [:]
        for list in r.failuresByCapture { for f in list { expected[f.facts.server, default: 0] += 1 } }
        #expect(expected.count > 5)
        var counted: [Endpoint: Int] = [:]
        for (server, p) in r.knowledge.servers where p.failures > 0 { counted[server] = p.failures }
        #expect(counted == expected)
    }

    @Test("per-capture notes come in path order whatever the number of threads (stored rows that cannot be decoded)")
    func notesDoNotDependOnThreads() throws {
        let dir = try F.make()
        let dbDir = try F.tempDir("db")
        defer { try? F.fm.removeItem(at: dir); try? F.fm.removeItem(at: dbDir) }
        let db = dbDir.appendingPathComponent("batch.db").path
        let (first, out1, _) = try F.batch([dir.path], db: db)
        #expect(first.analysed == first.captures.count && first.captures.count > 4)
        var outputs: [String] = [], notes: [[String]] = []
        for jobs in [1, 2, 4, 3] {
            // Every stored connection made undecodable: each capture with connections is noted and
            // analysed again (and stored again, so the next run must be spoiled anew).
            let conn = try SQLiteConnection(path: db, readOnly: false)
            try conn.execute("UPDATE connections SET data = x'7b'")
            let (r, out, _) = try F.batch([dir.path], jobs: jobs, db: db)
            let spoiled = r.notes.filter { $0.contains("its stored connections could not be decoded") }
            #expect(spoiled.count > 4, "jobs \(jobs)")
            #expect(spoiled == spoiled.sorted { BatchFiles.precedes($0, $1) }, "jobs \(jobs): in path order")
            notes.append(r.notes)
            outputs.append(out)
        }
        #expect(notes.allSatisfy { $0 == notes[0] })
        #expect(outputs.allSatisfy { $0 == out1 })
    }

    @Test("past failuresInMemory, failures wait encoded in an unlinked file (or in memory if it cannot be made): same report, nothing left behind")
    func failuresPastTheMemoryLimit() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        let spill = try F.tempDir("spill")
        defer { try? F.fm.removeItem(at: spill) }
        for format in [ReportFormat.jsonl, .csv, .text] {
            let (r0, plain, _) = try F.batch([dir.path], format: format)
            for limit in [0, 1, 40] {
                let (r1, spilled, _) = try F.batch([dir.path], format: format) { $0.failuresInMemory = limit; $0.spillDirectory = spill.path }
                #expect(spilled == plain, "\(format), limit \(limit)")
                #expect(r1.aggregates.failures == r0.aggregates.failures)
                #expect(r1.notes == r0.notes)
            }
            // No file can be made there: the encoded failures stay in memory, the report says so
            // (with limit 0 every capture's failures are encoded, so this also shows they were).
            let (r2, unspilled, _) = try F.batch([dir.path], format: format) { $0.failuresInMemory = 0; $0.spillDirectory = spill.path + "/missing" }
            #expect(r2.aggregates.failures == r0.aggregates.failures)
            #expect(r2.notes.contains { $0.contains("could not create a temporary file for the failed connections") })
            if format != .text { #expect(unspilled == plain) }
        }
        #expect(r0Failures(dir) > 1, "the folder has failures to spill")
        #expect(try F.fm.contentsOfDirectory(atPath: spill.path).isEmpty, "temporary files are unlinked")
    }

    func r0Failures(_ dir: URL) -> Int {
        (try? F.batch([dir.path], format: .jsonl).0.aggregates.failures) ?? 0
    }

    @Test("a server's successes in one capture explain its failure in another")
    func crossCaptureKnowledge() throws {
        // Split capture 47 (five successes, then a client offering only RSA suites to an ECDSA-only
        // server) into two files: the failing connection alone, and the rest.
        let dir = try F.tempDir("split")
        defer { try? F.fm.removeItem(at: dir) }
        let source = try [UInt8](Data(contentsOf: F.captures.appendingPathComponent("47-many-connections-ecdsa-server.pcap")))
        let (others, failing) = try PcapSplit.split(source, port: 35152)
        try Data(others).write(to: dir.appendingPathComponent("a-successes.pcap"))
        try Data(failing).write(to: dir.appendingPathComponent("b-failure.pcap"))

        let alone = try #require(try F.batch([dir.appendingPathComponent("b-failure.pcap").path], format: .jsonl).0.failures.first)
        #expect(alone.diagnosis.category == .noCommonCipher)
        #expect(alone.diagnosis.blame == .server)
        #expect(!alone.diagnosis.hints.contains { $0.contains("other handshake") })

        let (report, _, _) = try F.batch([dir.path], format: .jsonl)
        let f = try #require(report.failures.first)
        #expect(report.failures.count == 1)
        #expect(f.diagnosis.category == .noCommonCipher)
        #expect(f.diagnosis.blame == .client, "the others succeeded with ECDSA suites this client lacks")
        #expect(f.diagnosis.hints.contains { $0.contains("completed 5 other handshakes in these 2 captures") })
        #expect(f.diagnosis.hints.contains { $0.contains("it offered no ECDSA suite") })
    }

    @Test("--html: one self-contained page with a chart per section and every failure's diagnosis")
    func htmlReport() throws {
        let dir = try F.make()
        let outDir = try F.tempDir("html")
        defer { try? F.fm.removeItem(at: dir); try? F.fm.removeItem(at: outDir) }
        try Data("not a capture".utf8).write(to: dir.appendingPathComponent("bad <name>.pcap"))
        let html = outDir.appendingPathComponent("report.html").path
        let (status, _, _) = try F.cli(["batch", "--progress", "never", "--html", html, dir.path])
        #expect(status == ExitStatus.inputError.rawValue)
        let page = F.read(URL(fileURLWithPath: html))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.hasSuffix("</html>\n"))
        // Nothing loaded from anywhere: no scripts, style sheets, imports, images or frames; no src
        // attribute at all; links only within the page. ("https://" may appear in a hint's prose.)
        for banned in ["<script", "@import", "<link", "url(", "<img", "<iframe", "<object", "<embed", " src=", "xlink:href"] {
            #expect(!page.contains(banned), "\(banned)")
        }
        let hrefs = page.components(separatedBy: "href=\"").dropFirst()
        #expect(!hrefs.isEmpty)
        #expect(hrefs.allSatisfy { $0.hasPrefix("#") })
        #expect(!page.contains("=\"http://") && !page.contains("=\"https://") && !page.contains("=\"//"))
        #expect(page.components(separatedBy: "<svg").count - 1 >= 4)
        for caption in ["Handshakes over time", "Failures by category", "Versions: highest offered and negotiated", "Cipher suites: offered"] {
            #expect(page.contains(caption))
        }
        // Every failure's summary (escaped), its evidence and hints are on the page.
        let (report, _, _) = try F.batch([dir.path], format: .text)
        #expect(report.failures.count > 20)
        for f in report.failures {
            #expect(page.contains(BatchHTMLReport.escape(f.diagnosis.summary)), "\(f.diagnosis.summary)")
            for h in f.diagnosis.hints { #expect(page.contains(BatchHTMLReport.escape(h))) }
            for e in f.diagnosis.evidence { #expect(page.contains(BatchHTMLReport.escape(e.text))) }
        }
        // A table per server with failures.
        for server in Set(report.failures.map(\.facts.server)) {
            #expect(page.contains("<h3 class=\"mono\">\(BatchHTMLReport.escape(server.description))</h3>"))
        }
        // Names from the disk are escaped.
        #expect(page.contains("bad &lt;name&gt;.pcap"))
        #expect(!page.contains("bad <name>"))
    }

    @Test("file selection: suffixes, nested folders, symbolic-link loops, one read per file, path order")
    func fileSelection() throws {
        for name in ["a.pcap", "A.PCAPNG", "b.cap", "c.pcap.gz", "d.PcapNg.Gz", "e.cap.gz"] { #expect(BatchFiles.isCaptureName(name)) }
        for name in ["a.gz", "pcap", ".pcap", "a.pcap.txt", "a.tar.gz", "notes.md", "a.pcapx"] { #expect(!BatchFiles.isCaptureName(name)) }

        let dir = try F.tempDir("walk")
        defer { try? F.fm.removeItem(at: dir) }
        let sub = dir.appendingPathComponent("z/sub")
        try F.fm.createDirectory(at: sub, withIntermediateDirectories: true)
        let src = F.captures.appendingPathComponent("01-ok-tls13.pcap")
        try F.fm.copyItem(at: src, to: dir.appendingPathComponent("b.pcap"))
        try F.fm.copyItem(at: src, to: sub.appendingPathComponent("a.cap"))
        try F.fm.copyItem(at: src, to: dir.appendingPathComponent("a.txt"))
        try F.fm.createSymbolicLink(atPath: sub.appendingPathComponent("loop").path, withDestinationPath: "../..")
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("c.pcap").path, withDestinationPath: "b.pcap")
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("dangling.pcap").path, withDestinationPath: "nowhere.pcap")

        let s = BatchFiles.collect([dir.path, dir.appendingPathComponent("a.txt").path, dir.path + "/missing"])
        let names = s.files.map { String($0.path.dropFirst(dir.path.count + 1)) }
        // a.txt is taken because it was named; c.pcap is the same file as b.pcap.
        #expect(names == ["a.txt", "b.pcap", "z/sub/a.cap"])
        #expect(s.notes.contains { $0.contains("loop") && $0.contains("not followed") })
        #expect(s.notes.contains { $0.contains("c.pcap is the same file as") })
        #expect(Set(s.skipped.map { ($0.path as NSString).lastPathComponent }) == ["dangling.pcap", "missing"])
        #expect(s.files.allSatisfy { $0.key.hasPrefix("/") && $0.size > 0 && $0.mtime > 0 })
    }

    @Test("the walk on several threads finds what the walk in order finds: plain trees, links, loops, second routes, several arguments")
    func parallelWalkEqualsOrderedWalk() throws {
        let dir = try F.tempDir("pwalk")
        defer { try? F.fm.removeItem(at: dir) }
        let src = F.captures.appendingPathComponent("01-ok-tls13.pcap")
        // A plain tree: nested folders, captures and other files at every level.
        for (i, d) in ["a", "a/x", "a/x/deep", "b", "c/y", "c/z", "d"].enumerated() {
            let u = dir.appendingPathComponent("plain/" + d)
            try F.fm.createDirectory(at: u, withIntermediateDirectories: true)
            try F.fm.copyItem(at: src, to: u.appendingPathComponent("t\(i).pcap"))
            try F.fm.copyItem(at: src, to: u.appendingPathComponent("T\(i).cap.gz"))
            try Data("x".utf8).write(to: u.appendingPathComponent("notes\(i).txt"))
        }
        try F.fm.copyItem(at: src, to: dir.appendingPathComponent("plain/top.pcap"))
        // The same with links: a loop, a second route to a sibling folder, a link to a file, a dangling one.
        try F.fm.copyItem(at: dir.appendingPathComponent("plain"), to: dir.appendingPathComponent("linked"))
        let linked = dir.appendingPathComponent("linked")
        try F.fm.createSymbolicLink(atPath: linked.appendingPathComponent("a/x/loop").path, withDestinationPath: "../..")
        try F.fm.createSymbolicLink(atPath: linked.appendingPathComponent("0-route-to-c").path, withDestinationPath: "c")
        try F.fm.createSymbolicLink(atPath: linked.appendingPathComponent("b/link.pcap").path, withDestinationPath: "t3.pcap")
        try F.fm.createSymbolicLink(atPath: linked.appendingPathComponent("d/gone.pcap").path, withDestinationPath: "nowhere.pcap")
        let cases: [[String]] = [
            [dir.appendingPathComponent("plain").path],
            [linked.path],
            [dir.path],
            [dir.appendingPathComponent("plain/c").path, dir.appendingPathComponent("plain").path],
            [dir.appendingPathComponent("plain").path, dir.appendingPathComponent("plain/c").path, linked.path + "/"],
        ]
        for args in cases {
            let inOrder = BatchFiles.collect(args, statFiles: false, jobs: 1)
            for jobs in [2, 4] {
                let parallel = BatchFiles.collect(args, statFiles: false, jobs: jobs)
                #expect(parallel.files == inOrder.files, "\(args) jobs \(jobs)")
                #expect(parallel.skipped == inOrder.skipped, "\(args) jobs \(jobs)")
                #expect(parallel.notes == inOrder.notes, "\(args) jobs \(jobs)")
            }
            #expect(!inOrder.files.isEmpty)
        }
        // The plain tree: 15 captures; the linked one notes its loop and the file reached twice.
        #expect(BatchFiles.collect([dir.appendingPathComponent("plain").path], jobs: 2).files.count == 15)
        let l = BatchFiles.collect([linked.path], statFiles: false, jobs: 2)
        #expect(l.notes.contains { $0.contains("loop") && $0.contains("not followed") })
        #expect(l.notes.contains { $0.contains("t3.pcap is the same file as") && $0.hasSuffix("link.pcap; read once") })
        #expect(l.skipped.contains { $0.path.hasSuffix("gone.pcap") })
    }

    @Test("legacy offers: old versions, RC4, 3DES, CBC only, RSA key exchange", arguments: [
        // (max version, supported_versions, suites, expected)
        (UInt16(0x0303), [UInt16](), [UInt16(0xc02f), 0x009c], [LegacyOffer.rsaKeyExchange]),
        (0x0304, [0x0304, 0x0303], [0x1301, 0xc02b], []),
        (0x0304, [0x0a0a, 0x0304, 0x0303, 0x0302, 0x0301], [0x1301], [.oldVersions]),
        (0x0301, [], [0x0005, 0x000a, 0x002f], [.oldVersions, .rc4, .tripleDES, .cbcOnly, .rsaKeyExchange]),
        (0x0303, [], [0xc013, 0xc014, 0x00ff], [.cbcOnly]),
        (0x0303, [], [0xc013, 0xc02f], []),
    ] as [(UInt16, [UInt16], [UInt16], [LegacyOffer])])
    func legacyOffers(_ maxVersion: UInt16, _ versions: [UInt16], _ suites: [UInt16], _ expected: [LegacyOffer]) {
        var ch = ClientHelloInfo()
        ch.maxVersion = maxVersion
        ch.legacyVersion = min(maxVersion, 0x0303)
        ch.supportedVersions = versions
        ch.cipherSuites = suites
        #expect(LegacyOffer.offered(by: ch) == expected)
        #expect(SuiteTraits().legacyOffers(ch) == expected)
    }

    @Test("the batch's suite table agrees with CipherSuite's properties on every value, and counts a listed suite once")
    func suiteTraitsAgree() {
        let traits = SuiteTraits()
        for v in 0...0xffff {
            let s = CipherSuite(rawValue: UInt16(v))
            let t = traits.of(UInt16(v))
            #expect((t & SuiteTraits.selectable != 0) == s.isSelectable)
            #expect((t & SuiteTraits.known != 0) == (s.info != nil))
            #expect((t & SuiteTraits.rc4 != 0) == s.isRC4)
            #expect((t & SuiteTraits.tripleDES != 0) == s.is3DES)
            #expect((t & SuiteTraits.aeadOrTLS13 != 0) == (s.isAEAD || s.isTLS13))
            #expect((t & SuiteTraits.cbc != 0) == s.isCBC)
            #expect((t & SuiteTraits.rsaKeyExchange != 0) == (s.keyExchange == .rsa))
        }
        // Random lists (registry values, unknown ones, GREASE, signalling values, duplicates): the
        // legacy offers equal `offered(by:)`, and the suites counted are the distinct selectable ones.
        var rng = SplitMix(state: 7)
        let pool: [UInt16] = [0x0005, 0x000a, 0x002f, 0x009c, 0xc013, 0xc02b, 0xc02f, 0x1301, 0x1303, 0x00ff, 0x5600,
                              0x0a0a, 0xfafa, 0x1234, 0xff85, 0x0004, 0x0016, 0xc009, 0xcca8]
        for _ in 0..<2_000 {
            var ch = ClientHelloInfo()
            ch.maxVersion = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304][Int(rng.next() % 5)]
            ch.supportedVersions = (0..<Int(rng.next() % 4)).map { _ in [0x0301, 0x0302, 0x0303, 0x0304, 0x2a2a, 0x0300][Int(rng.next() % 6)] }
            ch.cipherSuites = (0..<Int(rng.next() % 12)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            #expect(traits.legacyOffers(ch) == LegacyOffer.offered(by: ch), "\(ch.cipherSuites)")
            var a = BatchAggregates()
            var h = HandshakeFacts()
            h.clientHello = ch
            let e = Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 443)
            a.addOffer(ConnectionFacts(client: e, server: e, roleSource: .syn, first: PacketStamp(number: 1, time: Timestamp(seconds: 0, nanoseconds: 0))), h, traits: traits)
            traits.flushOffered(into: &a)
            let distinct = Set(ch.cipherSuites.filter { CipherSuite(rawValue: $0).isSelectable })
            #expect(a.offeredSuites == Dictionary(uniqueKeysWithValues: distinct.map { ($0, 1) }))
        }
    }

    @Test("capture names: .pcap, .pcapng, .cap, any case, optionally .gz; something before the suffix", arguments: [
        ("a.pcap", true), ("A.PCAP", true), ("x.PcapNg", true), ("trace.cap", true), ("t.pcap.gz", true), ("t.PCAPNG.GZ", true),
        ("t.cap.gz", true), ("é.pcap", true), (".pcap", false), (".pcapng", false), (".cap", false), (".pcap.gz", false),
        ("pcap", false), ("a.pcap.gz.gz", false), ("a.gz", false), ("a.pcapx", false), ("a.txt", false), ("", false),
        ("gz", false), (".gz", false), ("a.pcap ", false), ("a_pcap", false),
    ])
    func captureNames(_ name: String, _ taken: Bool) {
        #expect(BatchFiles.isCaptureName(name) == taken)
    }

    @Test("path order is the byte order of the UTF-8 forms", arguments: [
        ("", ""), ("", "a"), ("a", ""), ("a", "a"), ("a", "b"), ("b", "a"), ("a", "ab"), ("ab", "a"),
        ("dir/x", "dir/x.pcap"), ("dir/x/a.pcap", "dir/x.pcap"), ("B.pcap", "a.pcap"), ("é.pcap", "z.pcap"),
        ("e\u{301}", "é"), ("é", "e\u{301}"), ("caf\u{e9}/1", "caf\u{e9}/2"), ("𝄞", "\u{ffff}"), ("a\u{0}b", "a"),
    ])
    func pathOrder(_ a: String, _ b: String) {
        #expect(BatchFiles.precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8))
        // Substrings and bridged forms take the same route.
        #expect(BatchFiles.precedes(String(a[...]), String(b[...])) == a.utf8.lexicographicallyPrecedes(b.utf8))
    }

    @Test("the store refuses a file that is not SQLite, or of another schema version")
    func storeRefusesForeignFiles() throws {
        let dir = try F.tempDir("foreign")
        defer { try? F.fm.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text.db")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: text)
        #expect(throws: SQLiteError.self) { _ = try BatchStore(path: text.path) }

        let other = dir.appendingPathComponent("other.db").path
        do {
            let c = try SQLiteConnection(path: other)
            try c.execute("CREATE TABLE schema_version(version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);")
        }
        do {
            _ = try BatchStore(path: other)
            Issue.record("a schema version 99 file was opened")
        } catch {
            #expect(error.message.contains("schema version 99"))
        }
        // Through the command line: exit 1, the reason on stderr.
        let (status, _, err) = try F.cli(["batch", "--progress", "never", "--db", other, F.captures.appendingPathComponent("01-ok-tls13.pcap").path])
        #expect(status == ExitStatus.inputError.rawValue)
        #expect(err.contains("schema version 99"))
    }

    @Test("time buckets: hours for a short batch, days for a longer one, empty buckets kept")
    func timeBuckets() {
        var a = BatchAggregates()
        a.hours = [100: HourTally(), 103: { var t = HourTally(); t.failures = 2; return t }()]
        let (unit, sparse, buckets) = a.timeBuckets()
        #expect(unit == "hour" && !sparse)
        #expect(buckets.map(\.failures) == [0, 0, 0, 2])
        #expect(buckets.first?.label == "1970-01-05 04:00")
        a.hours[100 + 24 * 30] = { var t = HourTally(); t.successes = 5; return t }()
        let (unit2, sparse2, days) = a.timeBuckets()
        #expect(unit2 == "day" && !sparse2)
        #expect(days.count == 31)
        #expect(days.reduce(0) { $0 + $1.successes } == 5 && days.reduce(0) { $0 + $1.failures } == 2)
        // Years apart: weeks, and only those with connections.
        a.hours[100 + 24 * 365 * 10] = { var t = HourTally(); t.successes = 1; return t }()
        let (unit3, sparse3, weeks) = a.timeBuckets()
        #expect(unit3 == "week" && sparse3)
        #expect(weeks.count == 3 && weeks.allSatisfy { $0.successes + $0.failures > 0 })
    }
}

/// Splits a little-endian classic pcap of Ethernet/IPv4/TCP packets into (other packets, packets of
/// TCP port `port`). Only what the test needs; throws on anything else.
enum PcapSplit {
    struct Unexpected: Error {}
    static func split(_ b: [UInt8], port: UInt16) throws -> ([UInt8], [UInt8]) {
        guard b.count >= 24, b[0..<4] == [0xd4, 0xc3, 0xb2, 0xa1], b[20] == 1 else { throw Unexpected() }
        var others = Array(b[0..<24]), matching = Array(b[0..<24])
        func u32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        func u16be(_ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
        var at = 24
        while at + 16 <= b.count {
            let len = u32(at + 8)
            guard at + 16 + len <= b.count else { throw Unexpected() }
            let p = at + 16
            var hit = false
            if len >= 34, u16be(p + 12) == 0x0800, b[p + 23] == 6 {
                let tcp = p + 14 + Int(b[p + 14] & 0x0f) * 4
                if tcp + 4 <= p + len { hit = u16be(tcp) == port || u16be(tcp + 2) == port }
            }
            if hit { matching += b[at..<(p + len)] } else { others += b[at..<(p + len)] }
            at = p + len
        }
        return (others, matching)
    }
}

/// A JA4 fingerprint's server names, counted on two worker threads and merged, must come out as
/// they do on one: every name counted, whichever thread saw it first.
@Test("a fingerprint's server names merge to the same counts in any order, past dozens of names")
func fingerprintNamesMergeExactly() {
    let client = IPAddress(v4: 0x0A00_0001)
    // One worker saw 40 rare names, the other the common one five times.
    var rare = FingerprintTally(), common = FingerprintTally(), oneThread = FingerprintTally()
    for n in 0..<40 {
        rare.addConnection(client: client, serverName: "rare\(n).example")
        oneThread.addConnection(client: client, serverName: "rare\(n).example")
    }
    for _ in 0..<5 {
        common.addConnection(client: client, serverName: "common.example")
        oneThread.addConnection(client: client, serverName: "common.example")
    }
    var a = rare; a.merge(common)
    var b = common; b.merge(rare)
    #expect(a.serverNames == oneThread.serverNames)
    #expect(b.serverNames == oneThread.serverNames)
    #expect(a.serverNames["common.example"] == 5)
    #expect(a.serverNames.count == 41)
    let top = BatchAggregates.ranked(a.serverNames, by: { $0 }).first
    #expect(top?.0 == "common.example" && top?.1 == 5)
}
