#if canImport(Glibc)
import Glibc
#endif
import NetCore
import PcapIO
import Reports
import TLSDiagKit

/// `tlsdiag live -i IFACE [filter ...]`: reports each connection as soon as its handshake is
/// settled (see docs/live.md for the rule), until Ctrl-C, SIGTERM, `-c` or `--duration`.
enum LiveCommand {
    static func run(_ p: ParsedArguments, stdout: OutputSink, stderr: OutputSink) throws(UsageError) -> ExitStatus {
        if p.flag("list-interfaces") { return listInterfaces(stdout: stdout, stderr: stderr) }
        let (options, report) = try liveOptions(p, sink: stdout)
        let format = report.format

        stdout.lineBuffered = true
        let style = TextStyle(color: report.color, verbose: report.verbose)
        var stopper: LiveStopper?
        let session: LiveSession
        do {
            session = try LiveSession(options: options) { live in
                let r = live.report
                switch format {
                case .jsonl: stdout.line { JSONLReport.write(r, into: &$0) }
                case .csv: stdout.line(CSVReport.row(r))
                case .text:
                    if r.isFailure || report.verbose {
                        stdout.write(TextReport.block(r, style: style))
                        stdout.line("")
                    } else {
                        stdout.line(TextReport.successLine(r, style: style))
                    }
                }
                // `| head` closed the pipe: nobody reads any more, so stop like tcpdump does.
                if stdout.failed { stopper?.stop() }
            }
        } catch {
            stderr.line("Error: " + explain(error, options: options))
            return .inputError
        }
        stopper = session.stopper

        let filterText = options.filter.map { "filter: \($0)" } ?? "no filter"
        stderr.line("tlsdiag: listening on \(options.interface) (\(filterText)), link-type \(session.capture.linkTypeName), snaplen \(session.capture.snapshotLength) bytes")
        for w in session.capture.warnings { stderr.line("warning: \(w)") }
        if format == .csv { stdout.line(CSVReport.header) }

        LiveSignals.install(session.stopper)
        session.onLoopEnd = { _ in LiveSignals.uninstall() }
        let summary = session.run()
        stdout.flush()

        var status: ExitStatus = summary.counters.failures > 0 ? .handshakesFailed : .ok
        for w in summary.capture.warnings {
            // The pipeline words its warnings for files; here the packets came from the interface.
            stderr.line("warning: " + w.replacing("were taken in file order", with: "were taken in the order libpcap delivered them"))
        }
        if case .error(let e) = summary.stopReason {
            stderr.line("Error: capture stopped: \(e.description)")
            status = .inputError
        }
        if let e = summary.writeError {
            stderr.line("Error: writing the capture file failed: \(e.description)")
            status = .inputError
        }
        for line in summaryLines(summary, options: options, outputClosed: stdout.failed) { stderr.line(line) }
        return status
    }

    // MARK: Options

    static func liveOptions(_ p: ParsedArguments, sink: OutputSink) throws(UsageError) -> (LiveOptions, ReportOptions) {
        let report = TLSDiagCLI.reportOptions(p, sink: sink)
        var o = LiveOptions()
        o.interface = p.value("interface") ?? "any"
        let filter = p.positionals.joined(separator: " ")
        o.filter = filter.allSatisfy({ $0 == " " }) ? nil : filter
        if let n = try p.int("snaplen", in: 1...262_144) { o.capture.snapshotLength = n }
        if let n = try p.int("buffer-size", in: 65_536...Int(Int32.max)) { o.capture.bufferSize = n }
        o.capture.promiscuous = p.flag("promisc")
        o.reporting.allConnections = report.allConnections
        o.reporting.failuresOnly = report.failuresOnly
        o.reporting.maxReports = try p.int("count", in: 1...Int.max)
        if let d = try p.seconds("duration") {
            guard d > 0 else { throw UsageError("The value '\(p.value("duration") ?? "")' is invalid for '--duration': expected a duration above zero.") }
            o.durationSeconds = d
        }
        if let t = try p.seconds("timeout") {
            guard t >= 0.1 else { throw UsageError("The value '\(p.value("timeout") ?? "")' is invalid for '--timeout': expected at least 100ms.") }
            o.reporting.timeoutSeconds = t
        }
        if let s = try p.seconds("idle-timeout") {
            guard s >= 1 else { throw UsageError("The value '\(p.value("idle-timeout") ?? "")' is invalid for '--idle-timeout': expected at least 1s.") }
            o.reporting.flow.idleTimeoutSeconds = Int64(s.rounded(.up))
        }
        if let n = try p.int("max-connections", in: 1...50_000_000) { o.reporting.flow.maxConnections = n }
        o.writePath = p.value("write")
        return (o, report)
    }

    // MARK: Errors a person will hit

    static func explain(_ e: CaptureError, options: LiveOptions) -> String {
        let lib = e.libpcapMessage.map { $0.isEmpty ? "" : " (libpcap: \($0))" } ?? ""
        if let w = options.writePath, e.path == w {
            return "cannot write the capture file '\(w)': \(e.code.phrase)\(lib). Check the folder exists and is writable."
        }
        let iface = options.interface
        switch e.code {
        case .permissionDenied:
            if options.capture.promiscuous && e.reason.contains("promiscuous") {
                return "cannot put '\(iface)' into promiscuous mode\(lib): it needs the CAP_NET_ADMIN capability (or root). Run without --promisc, or grant it once with: sudo setcap cap_net_raw,cap_net_admin=eip $(which tlsdiag)"
            }
            return "cannot capture on '\(iface)': permission denied\(lib). Capturing needs root or the CAP_NET_RAW capability: run it with sudo, or grant the capabilities once with: sudo setcap cap_net_raw,cap_net_admin=eip $(which tlsdiag)"
        case .noSuchDevice:
            return "there is no interface '\(iface)' to capture on\(lib). Interfaces: \(interfaceNames()) ('\(Commands.tool) live -D' lists them with their addresses)."
        case .interfaceNotUp:
            return "the interface '\(iface)' is down\(lib): bring it up (ip link set \(iface) up) or pick another ('\(Commands.tool) live -D')."
        case .filterError:
            let msg = e.libpcapMessage ?? e.reason
            return "the capture filter does not compile: \(msg). Filter: \"\(options.filter ?? "")\". Write it as tcpdump takes it, e.g. 'tcp port 443' or 'host 10.0.0.5 and tcp port 3389'."
        default:
            return "cannot capture on '\(iface)': \(e.description)"
        }
    }

    static func interfaceNames() -> String {
        guard let list = try? LiveCapture.listInterfaces() else { return "unknown (libpcap could not list them)" }
        return list.isEmpty ? "none" : list.map(\.name).joined(separator: ", ")
    }

    // MARK: -D

    static func listInterfaces(stdout: OutputSink, stderr: OutputSink) -> ExitStatus {
        let list: [CaptureInterface]
        do {
            list = try LiveCapture.listInterfaces()
        } catch {
            stderr.line("Error: cannot list the interfaces: \(error.description)")
            return .inputError
        }
        if list.isEmpty {
            stderr.line("Error: libpcap sees no interface to capture on. Capturing needs root or the CAP_NET_RAW capability: run it with sudo, or sudo setcap cap_net_raw,cap_net_admin=eip $(which tlsdiag)")
            return .inputError
        }
        for (i, d) in list.enumerated() { stdout.line(interfaceLine(i + 1, d)) }
        stdout.flush()
        return .ok
    }

    /// `3. lo [up, running, loopback] 127.0.0.1, ::1` (tcpdump -D style, with the addresses).
    static func interfaceLine(_ n: Int, _ d: CaptureInterface) -> String {
        var flags = [d.isUp ? "up" : "down"]
        if d.isRunning { flags.append("running") }
        if d.isLoopback { flags.append("loopback") }
        if d.flags.contains(.wireless) { flags.append("wireless") }
        var line = "\(n). \(d.name)"
        if let desc = d.description, !desc.isEmpty { line += " (\(desc))" }
        line += " [" + flags.joined(separator: ", ") + "]"
        if !d.addresses.isEmpty { line += " " + d.addresses.map(\.description).joined(separator: ", ") }
        return line
    }

    // MARK: Summary

    static func summaryLines(_ s: LiveRunSummary, options: LiveOptions, outputClosed: Bool = false) -> [String] {
        let c = s.counters
        let why: String
        switch s.stopReason {
        case .signal(let n): why = n == SIGINT ? "interrupted (SIGINT)" : (n == SIGTERM ? "terminated (SIGTERM)" : "signal \(n)")
        case .requested: why = outputClosed ? "stopped (the output was closed)" : "stopped"
        case .count: why = "\(c.handedOver) connection\(c.handedOver == 1 ? "" : "s") reported (-c)"
        case .duration: why = "--duration reached"
        case .error: why = "capture error"
        }
        let f = s.capture.flows
        var lines = ["tlsdiag: \(why): \(c.reported) connection\(c.reported == 1 ? "" : "s") reported (\(c.successes) succeeded, \(c.failures) did not), \(f.connectionsCreated) TCP connection\(f.connectionsCreated == 1 ? "" : "s") tracked, \(f.connectionsEvicted) evicted, \(s.capture.packets) packets analysed"]
        if c.midStream > 0 {
            lines.append("tlsdiag: \(c.midStream) connection\(c.midStream == 1 ? "" : "s") seen mid-stream (begun before the capture, or quiet past --idle-timeout and heard from again) not reported")
        }
        if let st = s.statistics {
            lines.append("libpcap: \(st.received) packets received, \(st.droppedByKernel) dropped by kernel, \(st.droppedByInterface) dropped by interface")
            if st.droppedByKernel > 0 {
                lines.append("note: packets were dropped: handshakes may be reported as incomplete; try a larger --buffer-size or a narrower filter")
            }
        } else if let e = s.statisticsError {
            lines.append("libpcap: counters unavailable (\(e.description))")
        }
        if let w = options.writePath, s.writeError == nil {
            lines.append("tlsdiag: \(s.packetsWritten) packet\(s.packetsWritten == 1 ? "" : "s") saved to \(w)")
        }
        return lines
    }
}
