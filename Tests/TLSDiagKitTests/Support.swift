import Foundation
import Handshake
import FlowTrack
import TLSDiagKit
import Testing
import Reports
import TLSDiagCLI

/// Paths and helpers shared by the tests.
enum Repo {
    /// The repository root: three levels up from this file (Tests/TLSDiagKitTests/Support.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var captures: URL { root.appendingPathComponent("Captures") }
    /// ../shared beside the repository (CI clones with shared/ beside it).
    static var shared: URL { root.deletingLastPathComponent().appendingPathComponent("shared") }
    static var corpus: URL { shared.appendingPathComponent("corpus") }
    static func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }
}

/// Runs the CLI in-process, with stdout and stderr captured in temporary files.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    static func run(_ args: [String]) -> CLIRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("out").path, errPath = dir.appendingPathComponent("err").path
        let out = OutputSink.file(outPath)!, err = OutputSink.file(errPath)!
        let status = TLSDiagCLI.run(arguments: args, stdout: out, stderr: err)
        out.close(); err.close()
        return CLIRun(status: status,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// A row of Captures/manifest.tsv: what the capture's maker expected on the wire.
struct ManifestRow: Sendable, CustomStringConvertible {
    var file: String
    var outcomes: [String]
    var categories: [String]
    var blames: [String]
    var description: String { file }

    static func load() -> [ManifestRow] {
        let text = try! String(contentsOf: Repo.captures.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        var rows: [ManifestRow] = []
        let lines = text.split(separator: "\n")
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        func col(_ name: String) -> Int { header.firstIndex(of: name)! }
        for line in lines.dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            rows.append(ManifestRow(file: f[col("file")],
                                    outcomes: f[col("expected_outcome")].split(separator: ",").map(String.init),
                                    categories: f[col("expected_category")].split(separator: ",").map(String.init),
                                    blames: f[col("expected_blame")].split(separator: ",").map(String.init)))
        }
        return rows
    }
}

/// Every report `analyze --all-connections` makes of a capture.
func analyzeReports(of path: String) throws -> [ConnectionReport] {
    var options = ReportOptions()
    options.format = .jsonl
    options.allConnections = true
    let sink = try #require(OutputSink.file("/dev/null"))
    let session = ReportSession(options: options, sink: sink)
    var out: [ConnectionReport] = []
    session.onReport = { out.append($0) }
    session.beginCapture(path)
    let summary = CaptureAnalyzer.analyze(path: path, options: AnalysisOptions()) { c, h in session.add(capture: path, facts: c, handshake: h) }
    session.endCapture(path, lastPacket: summary.lastTime)
    session.finish()
    sink.close()
    return out
}

/// Deterministic pseudo-random numbers (SplitMix64), so that a failure can be repeated.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
