import Foundation
import Testing
import TLSDiagCLI
import Reports

/// The command line, as a person meets it: help, usage errors, formats, filters and exit codes.
@Suite struct CLITests {
    @Test func mainHelpListsTheSubcommands() {
        let run = CLIRun.run(["--help"])
        #expect(run.status == 0)
        for word in ["OVERVIEW:", "USAGE: tlsdiag <subcommand>", "SUBCOMMANDS:", "analyze", "live", "batch", "tlsdiag help <subcommand>"] {
            #expect(run.stdout.contains(word), "\(word)")
        }
    }

    @Test(arguments: ["analyze", "live", "batch"])
    func everyOptionIsExplained(command: String) throws {
        let viaFlag = CLIRun.run([command, "--help"]), viaHelp = CLIRun.run(["help", command])
        #expect(viaFlag.status == 0 && viaHelp.status == 0)
        #expect(viaFlag.stdout == viaHelp.stdout)
        let spec = try #require(Commands.all.first { $0.name == command })
        for option in spec.options {
            #expect(viaFlag.stdout.contains("--\(option.long)"), "--\(option.long)")
            #expect(viaFlag.stdout.contains(String(option.help.prefix(30))), "help text of --\(option.long)")
        }
        #expect(viaFlag.stdout.contains("USAGE: tlsdiag \(command)"))
    }

    @Test func analyzeHelpDocumentsTheExitStatus() {
        let help = CLIRun.run(["help", "analyze"]).stdout
        #expect(help.contains("0 every handshake succeeded"))
        #expect(help.contains("2 at least one handshake"))
        #expect(help.contains("1 an input could not be read"))
        #expect(help.contains("64 the command line was wrong"))
    }

    @Test(arguments: [
        (["analyze"], "Missing expected argument '<file>'"),
        (["analyze", "--format", "xml", "x.pcap"], "The value 'xml' is invalid for '--format'"),
        (["analyze", "--bogus", "x.pcap"], "Unknown option '--bogus'"),
        (["analyse", "x.pcap"], "Unknown subcommand 'analyse'"),
        (["analyze", "--stream-bytes", "ten", "x.pcap"], "The value 'ten' is invalid for '--stream-bytes'"),
        (["analyze", "--idle-timeout", "soon", "x.pcap"], "The value 'soon' is invalid for '--idle-timeout'"),
    ])
    func usageErrorsExit64(args: [String], message: String) {
        let run = CLIRun.run(args)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: "))
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func missingFileIsAnInputErrorNamingTheFile() {
        let run = CLIRun.run(["analyze", "/nonexistent/capture.pcap"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/nonexistent/capture.pcap"))
    }

    @Test func failuresFlagHidesSuccesses() {
        let all = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        let failures = CLIRun.run(["analyze", "--format", "jsonl", "--failures", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        #expect(all.jsonLines.count == 6)
        #expect(failures.jsonLines.count == 1)
        #expect(failures.jsonLines.first?["category"] as? String == "no-common-cipher")
        #expect(failures.status == 2)
        let text = CLIRun.run(["analyze", "--failures", Repo.capture("47-many-connections-ecdsa-server.pcap")]).stdout
        #expect(text.contains("✗") && !text.contains("✓"))
    }

    @Test func verboseShowsEveryFieldAndTheTimeline() {
        let plain = CLIRun.run(["analyze", Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")]).stdout
        let verbose = CLIRun.run(["analyze", "--verbose", Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")]).stdout
        #expect(!plain.contains("timeline"))
        for word in ["timeline", "suites", "extensions", "JA3", "JA4", "SHA-256", "ServerHello", "ChangeCipherSpec"] {
            #expect(verbose.contains(word), "\(word)")
        }
    }

    @Test func textReportPutsFailuresFirstAndCountsThem() {
        let run = CLIRun.run(["analyze", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("6 TCP connections, 6 reported: 5 succeeded, 1 did not (1 no-common-cipher)"))
        let firstMark = lines.first { $0.hasPrefix("✗") || $0.hasPrefix("✓") }
        #expect(firstMark?.hasPrefix("✗") == true)
        #expect(lines.filter { $0.hasPrefix("✓") }.count == 5)
        #expect(!run.stdout.contains("\u{1b}["), "no colour when not a terminal")
        let colour = CLIRun.run(["analyze", "--color", "always", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        #expect(colour.stdout.contains("\u{1b}[31m✗"))
    }

    @Test func csvHasAHeaderAndOneQuotedRowPerConnection() throws {
        let run = CLIRun.run(["analyze", "--format", "csv", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == CSVReport.columns.joined(separator: ","))
        #expect(lines.first?.hasPrefix("capture,client,server,start,duration_ms,preamble,outcome,category,blame,summary,") == true)
        #expect(lines.count == 7)
        // Summaries contain commas: those fields are quoted, so every row splits into the header's columns.
        for row in lines.dropFirst() { #expect(CSVColumns.split(row).count == CSVReport.columns.count, "\(row)") }
        let failure = try #require(lines.first { $0.contains("no-common-cipher") })
        #expect(failure.contains("\"the server refused the client's offer (handshake_failure): no cipher suite in common, most likely\""))
    }

    @Test func allConnectionsAddsPlaintextTCP() {
        let plain = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("26-plaintext-client-to-tls.pcap")])
        let all = CLIRun.run(["analyze", "--format", "jsonl", "--all-connections", Repo.capture("26-plaintext-client-to-tls.pcap")])
        #expect(plain.jsonLines.isEmpty)
        #expect(all.jsonLines.count == 1)
        #expect(all.jsonLines.first?["outcome"] as? String == "not-tls")
    }

    @Test func severalCapturesInOneRun() {
        let run = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("01-ok-tls13.pcap"), Repo.capture("06-no-common-cipher.pcap")])
        #expect(Set(run.jsonLines.compactMap { ($0["capture"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } })
                == ["01-ok-tls13.pcap", "06-no-common-cipher.pcap"])
        #expect(run.status == 2)
    }

    @Test func gzipAndPcapngReadLikeThePlainPcap() {
        func verdicts(_ f: String) -> [String] {
            CLIRun.run(["analyze", "--format", "jsonl", Repo.capture(f)]).jsonLines.map { "\($0["client"]!) \($0["category"]!) \(($0["client_hello"] as? [String: Any])?["ja4"] ?? "")" }
        }
        #expect(verdicts("46-ok-tls13.pcap.gz") == verdicts("01-ok-tls13.pcap"))
        #expect(verdicts("45-ok-tls13.pcapng") == verdicts("45-ok-tls13-nano.pcap"))
        #expect(!verdicts("01-ok-tls13.pcap").isEmpty)
    }
}

/// CSV helpers for the tests (RFC 4180 splitting).
enum CSVColumns {
    static func split(_ row: String) -> [String] {
        var out: [String] = [], field = "", quoted = false
        var chars = Array(row)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } }
                else { field.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { out.append(field); field = "" }
            else { field.append(ch) }
        }
        out.append(field)
        return out
    }
}

/// `tlsdiag analyze -` and `/dev/stdin`: a capture piped in, plain or gzip-compressed, reads as the
/// file does (the reader cannot seek back on a pipe). Runs the built binary with the capture on its
/// standard input.
@Suite struct StandardInputTests {
    static func analyzeFromStdin(_ file: String, argument: String) throws -> (status: Int32, out: String) {
        let binary = try #require(LiveTests.binary(), "the tlsdiag executable is built beside the tests")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["analyze", "--format", "jsonl", argument]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        // Through a pipe, not the file itself: cat writes it.
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/cat")
        cat.arguments = [Repo.capture(file)]
        let link = Pipe()
        cat.standardOutput = link
        p.standardInput = link
        try cat.run()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        cat.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [("01-ok-tls13.pcap", "-"), ("46-ok-tls13.pcap.gz", "/dev/stdin"), ("45-ok-tls13.pcapng", "-")])
    func pipedCaptureReadsLikeTheFile(_ file: String, _ argument: String) throws {
        let (status, out) = try Self.analyzeFromStdin(file, argument: argument)
        let fromFile = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture(file)])
        #expect(status == fromFile.status)
        #expect(!out.isEmpty)
        // The same lines but for the capture's name.
        let piped = out.replacingOccurrences(of: "\"capture\":\"/dev/stdin\"", with: "\"capture\":\"X\"")
        let direct = fromFile.stdout.replacingOccurrences(of: "\"capture\":\"\(Repo.capture(file))\"", with: "\"capture\":\"X\"")
        #expect(piped == direct)
    }
}
