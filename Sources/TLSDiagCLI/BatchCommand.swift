import Reports
import TLSDiagKit

/// `tlsdiag batch PATH...`: folders of captures → one report (docs/batch.md).
enum BatchCommand {
    static func run(_ p: ParsedArguments, stdout: OutputSink, stderr: OutputSink) throws(UsageError) -> ExitStatus {
        var o = BatchOptions()
        o.paths = p.positionals
        o.report = TLSDiagCLI.reportOptions(p, sink: stdout)
        o.analysis = try TLSDiagCLI.analysisOptions(p)
        if let n = try p.int("jobs", in: 1...1024) { o.jobs = n }
        o.database = p.value("db")
        o.html = p.value("html")
        o.progress = BatchProgressMode(rawValue: p.value("progress") ?? "auto") ?? .auto
        if let n = try p.int("failure-lines", in: 0...Int.max) { o.failureLines = n }
        o.toolVersion = Commands.version
        o.endsAfterRun = TLSDiagCLI.endsAfterRun
        if o.database?.isEmpty == true { throw UsageError("The value '' is invalid for '--db': expected a file name.") }
        if o.html?.isEmpty == true { throw UsageError("The value '' is invalid for '--html': expected a file name.") }
        let report = BatchRunner.run(o, stdout: stdout, stderr: stderr)
        TLSDiagCLI.keepUntilExit(report)
        switch report.status {
        case .ok: return .ok
        case .inputError: return .inputError
        case .handshakesFailed: return .handshakesFailed
        }
    }
}
