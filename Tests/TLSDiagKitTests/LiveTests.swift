import Foundation
import Glibc
import Synchronization
import Testing
import PcapIO
import Diagnosis
import Reports
import TLSDiagCLI
@testable import TLSDiagKit

/// `tlsdiag live` against real traffic: captures on the loopback interface while `openssl s_server`
/// and `s_client` make handshakes on a free high port, all bounded by timeouts. Capturing needs
/// root or CAP_NET_RAW; CI runs as root. Only when pcap_activate answers PERM_DENIED are the
/// capture tests skipped, and the skip says so.
@Suite(.serialized) struct LiveTests {
    /// Whether this process may capture: the only reason to skip the capture tests.
    static let mayCapture: Bool = {
        do {
            _ = try LiveCapture(interface: "lo")
            return true
        } catch let e as CaptureError {
            // Any other error (no "lo", …) lets the tests run and fail with the real message.
            return e.code != .permissionDenied
        } catch {
            return true
        }
    }()

    // MARK: Live reports over real handshakes

    /// One handshake that completes and one that fails (no shared cipher: the server's
    /// handshake_failure alert), each reported while the capture goes on: the success when it
    /// settles, the failure with its teardown. Then stop: libpcap's counters and ours.
    @Test(.enabled(if: LiveTests.mayCapture, "capturing on lo needs root or CAP_NET_RAW (pcap_activate said PERM_DENIED)"),
          .timeLimit(.minutes(1)))
    func successAndFailureAreReportedAsTheyHappen() throws {
        let tls = try TLSFixture()
        let port = try freePort()
        let server = try tls.server(port: port, extra: ["-cipher", "AES256-SHA", "-tls1_2", "-naccept", "2"])
        defer { server.stop() }

        let collected = Collector()
        var o = LiveOptions()
        o.interface = "lo"
        o.filter = "tcp port \(port)"
        let session = try LiveSession(options: o) { r in collected.add(r) }
        let run = LiveBackgroundRun(session)
        defer { run.stopAndWait() }

        let ok = try tls.client(port: port, extra: ["-tls1_2"])
        #expect(ok == 0, "s_client (default suites) should complete its handshake")
        let first = try #require(waitFor(count: 1, in: collected).first, "no report for the successful handshake")
        #expect(first.report.diagnosis.outcome == .success)
        #expect(first.report.diagnosis.category == .ok)
        #expect(first.trigger == .settled)
        #expect(first.report.handshake.serverHello?.cipherSuite == 0x0035)  // TLS_RSA_WITH_AES_256_CBC_SHA
        #expect(first.report.facts.server.port == port)

        let bad = try tls.client(port: port, extra: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        #expect(bad != 0, "s_client with no suite in common should fail")
        let reports = waitFor(count: 2, in: collected)
        try #require(reports.count == 2, "no report for the failed handshake")
        let second = reports[1]
        #expect(second.report.diagnosis.outcome == .failure)
        #expect(second.report.diagnosis.category == .noCommonCipher)
        #expect(second.report.handshake.alerts.contains { $0.by == .server && $0.description == AlertCode.handshakeFailure && $0.isFatal })
        #expect(second.report.handshake.serverHello == nil)
        #expect(second.trigger == .teardown || second.trigger == .settled)
        #expect(second.report.facts.serverSide.firstFin != nil || second.report.facts.serverSide.firstRst != nil,
                "the failure is reported with the server's close")

        let summary = run.stopAndWait()
        #expect(summary.stopReason == .requested)
        #expect(summary.counters.reported == 2)
        #expect(summary.counters.successes == 1 && summary.counters.failures == 1)
        #expect(collected.reports.count == 2, "stopping reports nothing twice")
        let stats = try #require(summary.statistics)
        #expect(stats.received >= UInt64(summary.capture.packets))
        #expect(summary.capture.packets >= 15)
        #expect(summary.capture.flows.connectionsCreated == 2)
    }

    /// `-w` saves every captured packet; `analyze` reads the file back and finds the same
    /// connections with the same verdicts. Runs the CLI in-process with `-c 2` so that it ends by
    /// itself, in JSON Lines.
    @Test(.enabled(if: LiveTests.mayCapture, "capturing on lo needs root or CAP_NET_RAW (pcap_activate said PERM_DENIED)"),
          .timeLimit(.minutes(1)))
    func writtenFileReadsBackWithTheSameConnections() throws {
        let tls = try TLSFixture()
        let port = try freePort()
        let server = try tls.server(port: port, extra: ["-cipher", "AES256-SHA", "-tls1_2", "-naccept", "2"])
        defer { server.stop() }
        let file = tls.dir.appendingPathComponent("live.pcap").path

        let cli = BackgroundCLI(["live", "-i", "lo", "-c", "2", "--duration", "40s", "-w", file, "--format", "jsonl", "tcp", "port", "\(port)"])
        // The capture is open once the CLI said so on stderr; packets before that would be missed.
        try #require(cli.waitForStderr(containing: "listening on lo"), "the CLI did not start: \(cli.stderrSoFar)")
        _ = try tls.client(port: port, extra: ["-tls1_2"])
        _ = try tls.client(port: port, extra: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        let result = try #require(cli.wait(seconds: 30), "live -c 2 did not end")

        #expect(result.status == ExitStatus.handshakesFailed.rawValue, "a failure was reported: exit 2 (stderr: \(result.stderr))")
        let lines = result.jsonLines
        #expect(lines.count == 2)
        #expect(result.stderr.contains("2 connections reported (-c)"))
        #expect(result.stderr.contains("saved to \(file)"))
        let live = Set(lines.map { "\($0["client"] as? String ?? "")>\($0["server"] as? String ?? "") \($0["outcome"] as? String ?? "") \($0["category"] as? String ?? "")" })
        #expect(live.count == 2)

        var fromFile: Set<String> = []
        let session = ReportSession(options: ReportOptions(), sink: OutputSink(fd: -1))
        session.onReport = { r in
            fromFile.insert("\(r.facts.client)>\(r.facts.server) \(r.diagnosis.outcome.rawValue) \(r.diagnosis.category.rawValue)")
        }
        let summary = CaptureAnalyzer.analyze(path: file, options: AnalysisOptions()) { f, h in
            session.add(capture: file, facts: f, handshake: h)
        }
        session.endCapture(file, lastPacket: summary.lastTime)
        session.finish()
        #expect(summary.error == nil)
        #expect(summary.packets > 0)
        #expect(fromFile == live, "analyze of the -w file: \(fromFile); live: \(live)")
    }

    /// The real binary: SIGINT ends the run cleanly; a connection still waiting for the server's
    /// answer is reported as it stands (incomplete), then the summary with libpcap's counters.
    @Test(.enabled(if: LiveTests.mayCapture, "capturing on lo needs root or CAP_NET_RAW (pcap_activate said PERM_DENIED)"),
          .timeLimit(.minutes(1)))
    func interruptReportsOpenConnectionsAndSummary() throws {
        let binary = try #require(LiveTests.binary(), "the tlsdiag executable is not built (swift build)")
        let tls = try TLSFixture()
        let port = try freePort()
        // A listener that never accepts: the kernel completes TCP, nobody answers the ClientHello.
        let silent = try SilentListener(port: port)
        defer { silent.close() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["live", "-i", "lo", "--timeout", "60s", "--format", "jsonl", "tcp", "port", "\(port)"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        let errReader = PipeReader(err)
        let outReader = PipeReader(out)
        try #require(errReader.wait(containing: "listening on lo", seconds: 15), "live did not start: \(errReader.text)")

        // s_client sends its ClientHello and waits for an answer that never comes.
        let client = try tls.startClient(port: port, extra: ["-tls1_2"])
        defer { client.stop() }
        try #require(waitUntil(seconds: 10) { isConnected(port: port) }, "s_client did not connect")
        Thread.sleep(forTimeInterval: 0.5)  // its ClientHello follows at once
        #expect(outReader.text.isEmpty, "nothing reported before the interrupt (timeout 60 s)")

        p.interrupt()  // SIGINT
        try #require(waitUntil(seconds: 15) { !p.isRunning }, "live did not end after SIGINT")
        let stdout = outReader.finish(), stderr = errReader.finish()
        #expect(p.terminationStatus == 2, "an incomplete handshake counts as not succeeded (stderr: \(stderr))")
        #expect(stderr.contains("interrupted (SIGINT)"))
        #expect(stderr.contains("packets received") && stderr.contains("dropped by kernel") && stderr.contains("dropped by interface"))
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 1, "the open connection is reported once: \(stdout)")
        let obj = try #require(lines.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(obj["outcome"] as? String == "incomplete")
        #expect(obj["category"] as? String == "capture-incomplete")
        #expect((obj["server"] as? String)?.hasSuffix(":\(port)") == true)
    }

    // MARK: CLI errors and -D

    @Test func listInterfacesShowsLoopback() {
        let r = CLIRun.run(["live", "-D"])
        #expect(r.status == 0)
        let lo = r.stdout.split(separator: "\n").first { $0.contains(". lo ") || $0.hasSuffix(". lo") }
        #expect(lo != nil, "no 'lo' in: \(r.stdout)")
        #expect(lo?.contains("loopback") == true)
        #expect(lo?.contains("up") == true)
        #expect(lo?.contains("127.0.0.1") == true)
        // Numbered like tcpdump -D.
        #expect(r.stdout.hasPrefix("1. "))
    }

    @Test(.enabled(if: LiveTests.mayCapture, "capturing needs root or CAP_NET_RAW (pcap_activate said PERM_DENIED)"))
    func unknownInterfaceListsTheInterfaces() {
        let r = CLIRun.run(["live", "-i", "nosuch0"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: "))
        #expect(r.stderr.contains("'nosuch0'"))
        #expect(r.stderr.contains("Interfaces: "))
        #expect(r.stderr.contains(" lo"), "the interfaces there are, lo among them: \(r.stderr)")
        #expect(r.stderr.contains("live -D"))
        #expect(r.stdout.isEmpty)
    }

    @Test(.enabled(if: LiveTests.mayCapture, "capturing needs root or CAP_NET_RAW (pcap_activate said PERM_DENIED)"))
    func badFilterGivesLibpcapsMessage() {
        let r = CLIRun.run(["live", "-i", "lo", "tcp", "prot", "443"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: the capture filter does not compile"))
        #expect(r.stderr.contains("syntax error"), "libpcap's own message: \(r.stderr)")
        #expect(r.stderr.contains("\"tcp prot 443\""), "the filter as given")
    }

    /// Without CAP_NET_RAW (dropped from the bounding set with setpriv, so even root lacks it; or
    /// simply run as it is when this process may not capture), the error says what is needed and
    /// how to grant it.
    @Test func permissionDeniedSaysHowToFixIt() throws {
        let binary = try #require(LiveTests.binary(), "the tlsdiag executable is not built (swift build)")
        let p = Process()
        if LiveTests.mayCapture {
            let setpriv = try #require(["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                       "setpriv (util-linux) is needed to drop CAP_NET_RAW")
            p.executableURL = URL(fileURLWithPath: setpriv)
            p.arguments = ["--bounding-set", "-net_raw,-net_admin", "--inh-caps", "-all", "--", binary, "live", "-i", "lo"]
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["live", "-i", "lo"]
        }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let reader = PipeReader(err)
        try #require(waitUntil(seconds: 15) { !p.isRunning })
        let text = reader.finish()
        #expect(p.terminationStatus == 1)
        #expect(text.hasPrefix("Error: cannot capture on 'lo': permission denied"))
        #expect(text.contains("CAP_NET_RAW"))
        #expect(text.contains("sudo setcap cap_net_raw,cap_net_admin=eip $(which tlsdiag)"))
    }

    @Test func usageErrorsExit64() {
        #expect(CLIRun.run(["live", "-c", "0"]).status == 64)
        #expect(CLIRun.run(["live", "--timeout", "0"]).status == 64)
        #expect(CLIRun.run(["live", "--snaplen", "300000"]).status == 64)
    }

    // MARK: Helpers

    /// The built `tlsdiag` beside the test bundle, or in .build/debug.
    static func binary() -> String? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("tlsdiag").path,
                          here.deletingLastPathComponent().appendingPathComponent("tlsdiag").path,
                          Repo.root.appendingPathComponent(".build/debug/tlsdiag").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

// MARK: - Fixtures

/// A throwaway certificate in a temporary folder, and openssl s_server / s_client on 127.0.0.1.
final class TLSFixture {
    let dir: URL
    var cert: String { dir.appendingPathComponent("cert.pem").path }
    var key: String { dir.appendingPathComponent("key.pem").path }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rc = try runProcess("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                                            "-days", "1", "-keyout", key, "-out", cert], seconds: 30)
        guard rc == 0 else { throw FixtureError("openssl req failed (\(rc))") }
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// `openssl s_server` on 127.0.0.1:port, returned once it listens.
    func server(port: UInt16, extra: [String]) throws -> Child {
        let c = try Child("openssl", ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-quiet"] + extra)
        guard waitUntil(seconds: 10, { isListening(port: port) }) else {
            c.stop()
            throw FixtureError("s_server did not listen on \(port)")
        }
        return c
    }

    /// `openssl s_client` with stdin at EOF: handshake, then close. Its exit status.
    func client(port: UInt16, extra: [String]) throws -> Int32 {
        try runProcess("openssl", ["s_client", "-connect", "127.0.0.1:\(port)"] + extra, seconds: 15)
    }

    /// `openssl s_client` left running (stdin kept open).
    func startClient(port: UInt16, extra: [String]) throws -> Child {
        try Child("openssl", ["s_client", "-connect", "127.0.0.1:\(port)"] + extra)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A child process with stdin held open, killed on `stop()` (SIGKILL: the test runner may start
/// children with SIGTERM blocked, and these throwaway openssl processes keep no state).
final class Child {
    let process = Process()
    let stdin = Pipe()

    init(_ tool: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + args
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Runs a tool with stdin at EOF, killed past `seconds`; its exit status.
@discardableResult
func runProcess(_ tool: String, _ args: [String], seconds: Double) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool] + args
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    if !waitUntil(seconds: seconds, { !p.isRunning }) {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        throw FixtureError("\(tool) \(args.first ?? "") did not end within \(seconds) s")
    }
    p.waitUntilExit()
    return p.terminationStatus
}

/// Polls `condition` every 20 ms for up to `seconds`.
@discardableResult
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

/// Reports handed over by a live session (on its thread), read by the test.
final class Collector: Sendable {
    let list = Mutex<[LiveReport]>([])
    func add(_ r: LiveReport) { list.withLock { $0.append(r) } }
    var reports: [LiveReport] { list.withLock { $0 } }
}

/// The reports collected so far once there are `count` of them, or after 15 s.
func waitFor(count: Int, in collected: Collector) -> [LiveReport] {
    _ = waitUntil(seconds: 15) { collected.reports.count >= count }
    return collected.reports
}

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket failed") }
    defer { Glibc.close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Int32 in
            guard bind(fd, sa, len) == 0 else { return -1 }
            return getsockname(fd, sa, &len)
        }
    }
    guard rc == 0 else { throw FixtureError("bind/getsockname failed") }
    return UInt16(bigEndian: addr.sin_port)
}

/// Whether something listens on 127.0.0.1:port (or any address), from /proc/net/tcp{,6}.
func isListening(port: UInt16) -> Bool {
    let hex = String(format: ":%04X ", port)
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count > 3, (f[1] + " ").hasSuffix(hex), f[3] == "0A" { return true }
        }
    }
    return false
}

/// Whether an established connection to `port` exists (the client's ClientHello is on its way).
func isConnected(port: UInt16) -> Bool {
    let hex = String(format: ":%04X", port)
    guard let text = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
    return text.split(separator: "\n").contains { line in
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        return f.count > 3 && f[2].hasSuffix(hex) && f[3] == "01"
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete in the kernel's backlog
/// and nobody ever reads or answers.
final class SilentListener {
    let fd: Int32
    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        addr.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(fd, 8) == 0 else { Glibc.close(fd); throw FixtureError("bind/listen on \(port) failed") }
    }
    func close() { Glibc.close(fd) }
}

/// Collects what a pipe delivers, on a background thread.
final class PipeReader: @unchecked Sendable {
    let data = Mutex<Data>(Data())
    let finished = Mutex<Bool>(false)

    init(_ pipe: Pipe) {
        let h = pipe.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = h.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
            }
            finished.withLock { $0 = true }
        }.start()
    }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }

    func wait(containing s: String, seconds: Double) -> Bool {
        waitUntil(seconds: seconds) { self.text.contains(s) }
    }

    /// Waits for EOF (the writer ended), then returns everything.
    func finish() -> String {
        _ = waitUntil(seconds: 10) { self.finished.withLock { $0 } }
        return text
    }
}

final class UnsafeSendableBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}

/// The CLI run in-process on a thread of its own (it blocks until `-c` or `--duration` ends it).
final class BackgroundCLI: @unchecked Sendable {
    let dir: URL
    let outPath: String, errPath: String
    let result = Mutex<(status: Int32, stdout: String, stderr: String)?>(nil)

    init(_ args: [String]) {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        outPath = dir.appendingPathComponent("out").path
        errPath = dir.appendingPathComponent("err").path
        let out = OutputSink.file(outPath)!, err = OutputSink.file(errPath)!
        err.lineBuffered = true
        let me = UnsafeSendableBox(self)
        Thread {
            let status = TLSDiagCLI.run(arguments: args, stdout: out, stderr: err)
            out.close(); err.close()
            let o = (try? String(contentsOfFile: me.value.outPath, encoding: .utf8)) ?? ""
            let e = (try? String(contentsOfFile: me.value.errPath, encoding: .utf8)) ?? ""
            me.value.result.withLock { $0 = (status, o, e) }
        }.start()
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func waitForStderr(containing s: String) -> Bool {
        waitUntil(seconds: 15) { self.stderrSoFar.contains(s) || self.result.withLock { $0 != nil } } && stderrSoFar.contains(s)
    }

    func wait(seconds: Double) -> CLIRun? {
        guard waitUntil(seconds: seconds, { self.result.withLock { $0 != nil } }) else { return nil }
        return result.withLock { r in r.map { CLIRun(status: $0.status, stdout: $0.stdout, stderr: $0.stderr) } }
    }
}
