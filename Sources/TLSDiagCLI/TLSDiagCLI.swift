#if canImport(Glibc)
import Glibc
#endif
import NetCore
import Reports
import TLSDiagKit

/// Exit statuses (documented in `tlsdiag analyze --help`, README and docs/cli.md).
public enum ExitStatus: Int32, Sendable {
    /// Everything read; no handshake failed.
    case ok = 0
    /// An input could not be read (whole or in part), or an I/O error.
    case inputError = 1
    /// Everything read; at least one handshake did not succeed.
    case handshakesFailed = 2
    /// The command line was wrong.
    case usage = 64
}

public enum TLSDiagCLI {
    /// The process entry point.
    public static func main() -> Never {
        signal(SIGPIPE, SIG_IGN)
        endsAfterRun = true
        let status = run(arguments: Array(CommandLine.arguments.dropFirst()),
                         stdout: OutputSink.standardOutput, stderr: OutputSink.standardError)
        OutputSink.standardOutput.flush()
        OutputSink.standardError.flush()
        // Then straight to the kernel, C streams flushed first: the atexit handlers (libcrypto's
        // cleanup, the allocator's) only free memory the kernel takes back anyway, about 0.8 ms of
        // a batch's serial end (docs/performance.md, "batch").
        fflush(nil)
        _exit(status)
    }

    /// Set by `main()`: the process ends right after the command, so a command's large results need
    /// not be freed object by object (a batch's report of thousands of captures took about 10 ms of its
    /// 0.3 s to free); the kernel takes the memory back at exit. Library callers free as usual.
    nonisolated(unsafe) static var endsAfterRun = false
    nonisolated(unsafe) private static var keptUntilExit: [Any] = []

    /// Keeps `value` alive until the process exits, when run from `main()`; otherwise does nothing.
    static func keepUntilExit(_ value: Any) {
        if endsAfterRun { keptUntilExit.append(value) }
    }

    /// Runs a command line (without the program name) and returns the exit status.
    public static func run(arguments: [String], stdout: OutputSink, stderr: OutputSink) -> Int32 {
        guard let first = arguments.first else {
            stderr.write(Commands.mainHelp())
            return ExitStatus.usage.rawValue
        }
        switch first {
        case "-h", "--help":
            stdout.write(Commands.mainHelp()); return ExitStatus.ok.rawValue
        case "--version":
            stdout.line(Commands.version); return ExitStatus.ok.rawValue
        case "help":
            if arguments.count == 1 { stdout.write(Commands.mainHelp()); return ExitStatus.ok.rawValue }
            guard let spec = Commands.all.first(where: { $0.name == arguments[1] }) else {
                return usageError(UsageError("Unknown subcommand '\(arguments[1])'."), spec: nil, stderr: stderr)
            }
            stdout.write(spec.help(tool: Commands.tool)); return ExitStatus.ok.rawValue
        default:
            break
        }
        guard let spec = Commands.all.first(where: { $0.name == first }) else {
            return usageError(UsageError("Unknown subcommand '\(first)'."), spec: nil, stderr: stderr)
        }
        let parsed: ParsedArguments
        do {
            parsed = try spec.parse(Array(arguments.dropFirst()))
        } catch {
            return usageError(error, spec: spec, stderr: stderr)
        }
        if parsed.helpRequested { stdout.write(spec.help(tool: Commands.tool)); return ExitStatus.ok.rawValue }
        do {
            switch spec.name {
            case "analyze": return try AnalyzeCommand.run(parsed, stdout: stdout, stderr: stderr).rawValue
            case "live": return try LiveCommand.run(parsed, stdout: stdout, stderr: stderr).rawValue
            case "batch": return try BatchCommand.run(parsed, stdout: stdout, stderr: stderr).rawValue
            default: return ExitStatus.usage.rawValue
            }
        } catch {
            return usageError(error, spec: spec, stderr: stderr)
        }
    }

    static func usageError(_ e: UsageError, spec: CommandSpec?, stderr: OutputSink) -> Int32 {
        stderr.line("Error: \(e.message)")
        if let spec {
            stderr.line("Usage: \(spec.usage(tool: Commands.tool))")
            stderr.line("  See '\(Commands.tool) \(spec.name) --help' for more information.")
        } else {
            stderr.line("Usage: \(Commands.tool) <subcommand>")
            stderr.line("  See '\(Commands.tool) --help' for more information.")
        }
        return ExitStatus.usage.rawValue
    }

    /// Colour when asked, or on a terminal with NO_COLOR unset.
    static func useColor(_ choice: String?, sink: OutputSink) -> Bool {
        switch choice ?? "auto" {
        case "always": return true
        case "never": return false
        default: return sink.isTerminal && getenv("NO_COLOR") == nil
        }
    }

    static func reportOptions(_ p: ParsedArguments, sink: OutputSink) -> ReportOptions {
        var o = ReportOptions()
        o.format = ReportFormat(rawValue: p.value("format") ?? "text") ?? .text
        o.allConnections = p.flag("all-connections")
        o.failuresOnly = p.flag("failures")
        o.verbose = p.flag("verbose")
        o.color = o.format == .text && useColor(p.value("color"), sink: sink)
        return o
    }

    static func analysisOptions(_ p: ParsedArguments) throws(UsageError) -> AnalysisOptions {
        var a = AnalysisOptions()
        if let n = try p.int("stream-bytes", in: 1024...(64 << 20)) {
            a.flow.streamBytesPerDirection = n
            a.flow.outOfOrderBytesPerDirection = max(a.flow.outOfOrderBytesPerDirection, n)
        }
        if let n = try p.int("max-connections", in: 1...50_000_000) { a.flow.maxConnections = n }
        if let s = try p.seconds("idle-timeout") { a.flow.idleTimeoutSeconds = max(1, Int64(s.rounded(.up))) }
        return a
    }
}

/// `tlsdiag analyze FILE...`
enum AnalyzeCommand {
    static func run(_ p: ParsedArguments, stdout: OutputSink, stderr: OutputSink) throws(UsageError) -> ExitStatus {
        let options = TLSDiagCLI.reportOptions(p, sink: stdout)
        let analysis = try TLSDiagCLI.analysisOptions(p)
        let session = ReportSession(options: options, sink: stdout)
        var inputError = false
        var notes: [String] = []
        // "-" is standard input, as for tcpdump -r: `tcpdump -w - | tlsdiag analyze -`.
        for path in p.positionals.map({ $0 == "-" ? "/dev/stdin" : $0 }) {
            session.beginCapture(path)
            let summary = CaptureAnalyzer.analyze(path: path, options: analysis) { facts, hs in
                session.add(capture: path, facts: facts, handshake: hs)
            }
            session.endCapture(path, lastPacket: summary.lastTime)
            for w in summary.warnings {
                // The text report carries warnings as notes; the machine formats leave them to stderr.
                if options.format == .text { notes.append("\(path): \(w)") } else { stderr.line("warning: \(path): \(w)") }
            }
            if let e = summary.error {
                inputError = true
                stderr.line("Error: \(e.description)")
                notes.append(summary.packets > 0
                    ? "\(e.description) — the report covers the \(summary.packets) packet(s) read before it"
                    : e.description)
            }
        }
        session.finish(notes: notes)
        // The text report carries these as notes.
        if options.format != .text { for w in session.warnings { stderr.line("warning: \(w)") } }
        if stdout.failed && !options.failuresOnly { /* a closed pipe (| head) is not an error of ours */ }
        if inputError { return .inputError }
        return session.totals.failures > 0 ? .handshakesFailed : .ok
    }
}

