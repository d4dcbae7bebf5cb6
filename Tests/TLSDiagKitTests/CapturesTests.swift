import Foundation
import Testing

/// Every capture in Captures/ (made by real TLS stacks on loopback) is analysed and checked three
/// ways: each JSON line validates against docs/tlsdiag.schema.json; the verdicts equal the
/// independent expectations in Captures/manifest.tsv; the whole report equals the reviewed golden
/// report in Captures/expected/ (regenerate with scripts/update-expected.sh after intended changes).
@Suite struct CapturesTests {
    static let rows = ManifestRow.load()
    static let validator = try! SchemaValidator(path: Repo.root.appendingPathComponent("docs/tlsdiag.schema.json").path)

    @Test func manifestCoversEveryCapture() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }
        #expect(Set(files) == Set(CapturesTests.rows.map(\.file)))
        #expect(files.count >= 50)
    }

    @Test(arguments: CapturesTests.rows)
    func captureReport(row: ManifestRow) throws {
        let run = CLIRun.run(["analyze", "--all-connections", "--format", "jsonl", Repo.capture(row.file)])
        // JSON Lines leaves warnings to stderr; nothing else may appear there for a good capture.
        #expect(run.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("warning: ") }, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("snapshot length") == row.file.contains("snaplen"))
        let lines = run.stdout.split(separator: "\n").map(String.init)
        for line in lines {
            let errors = CapturesTests.validator.validate(jsonText: line)
            #expect(errors.isEmpty, "\(row.file): \(errors.prefix(5))")
        }
        // Verdicts in connection order, against the manifest.
        let objects = run.jsonLines.sorted { ($0["start"] as! String) < ($1["start"] as! String) }
        #expect(objects.map { $0["outcome"] as! String } == row.outcomes)
        #expect(objects.map { $0["category"] as! String } == row.categories)
        #expect(objects.map { (($0["diagnosis"] as! [String: Any])["blame"] as? String) ?? "-" } == row.blames)
        // Exit status: 2 when a handshake did not succeed, else 0.
        #expect(run.status == (row.outcomes.allSatisfy { $0 == "success" } ? 0 : 2))
        // The golden report, line by line, with the capture path made relative.
        let golden = try String(contentsOf: Repo.captures.appendingPathComponent("expected/\(row.file).jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let ours = lines.map { $0.replacingOccurrences(of: Repo.captures.path + "/", with: "Captures/") }
        #expect(ours.count == golden.count)
        for (a, b) in zip(ours, golden) where a != b {
            Issue.record("\(row.file): report differs from Captures/expected (run scripts/update-expected.sh if intended)\n ours:   \(a.prefix(400))\n golden: \(b.prefix(400))")
            break
        }
    }

    /// The same 1.7 KB ClientHello, split over three segments, then reordered, duplicated, overlapped
    /// and partly lost by the capture: the first four read identically; the fifth says what was lost.
    @Test func splitClientHelloReadsTheSameWhateverTheSegmentOrder() throws {
        func hello(_ file: String) -> [String: Any]? {
            CLIRun.run(["analyze", "--format", "jsonl", Repo.capture(file)]).jsonLines.first?["client_hello"] as? [String: Any]
        }
        let base = try #require(hello("39-split-clienthello.pcap"))
        #expect(base["tcp_segments"] as? Int == 3)
        #expect((base["size"] as? Int ?? 0) > 1500)
        for variant in ["40a-derived-clienthello-reordered.pcap", "40b-derived-clienthello-duplicate.pcap", "40c-derived-clienthello-overlap.pcap"] {
            let h = try #require(hello(variant), "\(variant)")
            for key in ["cipher_suites", "extensions", "sni", "alpn", "ja3", "ja4", "key_share_groups", "size"] {
                #expect(String(describing: h[key]) == String(describing: base[key]), "\(variant) \(key)")
            }
        }
        let gap = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("41-derived-clienthello-gap.pcap")]).jsonLines.first
        let tcp = gap?["tcp"] as? [String: Any], client = tcp?["client"] as? [String: Any]
        let gaps = client?["gaps"] as? [[String: Any]]
        #expect(gaps?.first?["offset"] as? Int == 300)
        #expect(gaps?.first?["length"] as? Int == 748)
        #expect(gap?["client_hello"] is NSNull)
    }

    /// The motivating case, in the text report an admin reads.
    @Test func rdpServerResetTextReportNamesTheServer() {
        let run = CLIRun.run(["analyze", Repo.capture("18-rdp-server-reset.pcap")])
        #expect(run.status == 2)
        #expect(run.stdout.contains("RDP → TLS"))
        #expect(run.stdout.contains("server-reset (blame: server)"))
        #expect(run.stdout.contains("first RST by the server"))
        #expect(run.stdout.contains("36874"))
        #expect(run.stdout.contains("requested PROTOCOL_SSL|PROTOCOL_HYBRID, selected PROTOCOL_SSL"))
    }

    /// The motivating pattern: the client hangs up first, but in answer to the server's fatal alert.
    @Test func clientClosingAfterTheServersAlertIsNotBlamed() throws {
        let run = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("51-server-alert-client-closes.pcap")])
        let c = try #require(run.jsonLines.first)
        let teardown = try #require(c["teardown"] as? [String: Any])
        #expect(teardown["first_fin_by"] as? String == "client")
        #expect((teardown["first_fin"] as? [String: Any])?["after"] as? String == "server's fatal handshake_failure alert")
        let d = try #require(c["diagnosis"] as? [String: Any])
        #expect(d["blame"] as? String == "server")
        #expect((d["hints"] as? [String] ?? []).contains { $0.hasPrefix("The client closed the connection (FIN, #8), but") && $0.contains("the cause is on the server's side") })
    }

    /// Cross-connection inference: the server's successes with other clients explain the failure.
    @Test func otherClientsSuccessesExplainTheFailure() {
        let run = CLIRun.run(["analyze", "--format", "jsonl", Repo.capture("47-many-connections-ecdsa-server.pcap")])
        let failure = run.jsonLines.first { $0["outcome"] as? String == "failure" }
        let hints = ((failure?["diagnosis"] as? [String: Any])?["hints"] as? [String]) ?? []
        #expect(hints.contains { $0.contains("completed 5 other handshakes") })
        #expect(hints.contains { $0.contains("no ECDSA suite") })
    }
}
