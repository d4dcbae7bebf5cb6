import Foundation
import Testing

/// tlsdiag against Zeek's own expected logs for the TCP traces of ../shared/corpus/zeek: for every
/// ssl.log row, version, cipher, server name, established (= success), last alert and resumed agree;
/// for every conn.log row, the side that sent the first FIN and the first RST agree. Each known
/// difference is listed with the reason Zeek's value differs, and the test checks that it still does
/// (so the list cannot go stale). docs/corpus-agreement.md says the same in prose.
@Suite struct ZeekAgreementTests {
    struct Row: @unchecked Sendable, CustomStringConvertible {
        var trace: String
        var test: String
        var fields: [String: Any]
        var description: String { "\(trace) \(fields["id.orig_p"] ?? "")" }
    }

    static func rows(_ log: String) -> [Row] {
        let url = Repo.corpus.appendingPathComponent("zeek/expected/\(log).jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing \(url.path): ../shared/corpus must sit beside the repository")
            return []
        }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["ambiguous_trace"] as? Bool == false, let f = o["fields"] as? [String: Any],
                  f["id.orig_h"] != nil, f["id.orig_p"] != nil else { return nil }
            let trace = o["trace"] as! String
            // UDP (QUIC, DTLS) is outside these checks.
            if trace.hasPrefix("quic/") || trace.contains("dtls") || trace.contains("webrtc") || trace.hasPrefix("ppp/") { return nil }
            if let proto = f["proto"] as? String, proto != "tcp" { return nil }
            return Row(trace: trace, test: o["test"] as! String, fields: f)
        }
    }

    final class Cache: @unchecked Sendable {
        var reports: [String: [[String: Any]]] = [:]
        let lock = NSLock()
        func connections(_ trace: String) -> [[String: Any]] {
            lock.lock(); defer { lock.unlock() }
            if let r = reports[trace] { return r }
            let run = CLIRun.run(["analyze", "--all-connections", "--format", "jsonl",
                                  Repo.corpus.appendingPathComponent("zeek/traces/\(trace)").path])
            reports[trace] = run.jsonLines
            return run.jsonLines
        }
    }
    static let cache = Cache()

    static func endpoint(_ h: Any?, _ p: Any?) -> String {
        let host = "\(h!)", port = "\(p!)"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Finds our connection for a Zeek row (either role order); `sameRoles` says whether our client is Zeek's originator.
    static func match(_ r: Row) -> (conn: [String: Any], sameRoles: Bool)? {
        let o = endpoint(r.fields["id.orig_h"], r.fields["id.orig_p"]), s = endpoint(r.fields["id.resp_h"], r.fields["id.resp_p"])
        for c in cache.connections(r.trace) {
            let client = c["client"] as! String, server = c["server"] as! String
            if client == o && server == s { return (c, true) }
            if client == s && server == o { return (c, false) }
        }
        return nil
    }

    /// Zeek's version names in ours: TLSv12 → "TLS 1.2", TLSv13-draft23 → "TLS 1.3 (draft 23)", unknown-32257 → "0x7e01".
    static func zeekVersion(_ v: String) -> String {
        switch v {
        case "SSLv2": return "SSL 2.0"
        case "SSLv3": return "SSL 3.0"
        case "TLSv10": return "TLS 1.0"
        case "TLSv11": return "TLS 1.1"
        case "TLSv12": return "TLS 1.2"
        case "TLSv13": return "TLS 1.3"
        default:
            if v.hasPrefix("TLSv13-draft") { return "TLS 1.3 (draft \(v.dropFirst(12)))" }
            if v.hasPrefix("unknown-"), let n = Int(v.dropFirst(8)) {
                let h = String(n, radix: 16); return "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h
            }
            return v
        }
    }

    /// (trace, originator port, field) → why Zeek's value differs from the packets or from our reading.
    static let sslExceptions: [String: String] = [
        "globus-url-copy.pcap 60108 *": "GridFTP's control channel carries TLS base64-encoded inside FTP ADAT commands (GSSAPI); Zeek has a GridFTP analyzer that decodes it, tlsdiag reports the control connection as not TLS.",
        "mysql/tls-13-amazon-rds.pcap 58132 *": "The baseline row names client port 58132, but the stored trace holds one connection, from port 57902: the baseline came from another capture.",
        "tls/chrome-63.0.3211.0-canary-tls_experiment.pcap 62873 resumed": "Chrome's 0x7e01 TLS 1.3 experiment echoes the client's session id, which Zeek takes for TLS ≤ 1.2 resumption; the ServerHello carries a key_share and no pre_shared_key, so it was a full handshake.",
    ]

    @Test(arguments: ZeekAgreementTests.rows("ssl"))
    func sslLogAgrees(row: Row) throws {
        let port = "\(row.fields["id.orig_p"]!)"
        if let reason = ZeekAgreementTests.sslExceptions["\(row.trace) \(port) *"] {
            // Whole-row exceptions: the row must still disagree (no TLS seen, or no connection at all).
            let m = ZeekAgreementTests.match(row)
            #expect(m == nil || (m!.conn["negotiated"] is NSNull), "exception no longer holds: \(reason)")
            return
        }
        let (conn, _) = try #require(ZeekAgreementTests.match(row), "no connection for \(row)")
        let negotiated = conn["negotiated"] as? [String: Any]
        let hello = conn["client_hello"] as? [String: Any]
        let alerts = (conn["alerts"] as? [[String: Any]] ?? []).filter { $0["encrypted"] as? Bool == false }
        var checks: [(String, String?, String?)] = []
        if let v = row.fields["version"] as? String { checks.append(("version", ZeekAgreementTests.zeekVersion(v), negotiated?["version"] as? String)) }
        if let c = row.fields["cipher"] as? String { checks.append(("cipher", c, negotiated?["cipher"] as? String)) }
        checks.append(("server_name", row.fields["server_name"] as? String, hello?["sni"] as? String))
        if let e = row.fields["established"] as? Bool { checks.append(("established", String(e), String(conn["outcome"] as? String == "success"))) }
        if row.fields.keys.contains("last_alert") { checks.append(("last_alert", row.fields["last_alert"] as? String, alerts.last?["name"] as? String)) }
        if let r = row.fields["resumed"] as? Bool { checks.append(("resumed", String(r), String(negotiated?["resumed"] as? Bool ?? false))) }
        for (field, zeek, ours) in checks {
            if let reason = ZeekAgreementTests.sslExceptions["\(row.trace) \(port) \(field)"] {
                #expect(zeek != ours, "exception no longer holds: \(reason)")
            } else {
                #expect(zeek == ours, "\(row.trace) \(port) \(field): Zeek \(zeek ?? "null"), tlsdiag \(ours ?? "null") (\(conn["category"] ?? ""))")
            }
        }
    }

    static let connExceptions: [String: String] = [
        "smtp.pcap 1470": "Zeek's netcontrol/packetfilter test installs a filter that drops the connection's later packets, so its history stops at 'Sh'; the trace has the client's FIN (frame 55) before the server's (57).",
        "globus-url-copy.pcap 35391": "Zeek's gridftp test stops analysing the GridFTP data channel once it is identified, so its history has no FIN; the trace has the server's FIN (frame 54) first.",
        "modbus/modbus-and-non-modbus-p502.pcap 60293 Dr": "Zeek ends the connection at the client's RST (frame 64) and starts a second one ('Dr') for the data and the server's RST after it; tlsdiag keeps one connection through the close linger, whose first RST is the client's, as Zeek's first row 'ShR' says.",
        "mysql/tls-13-amazon-rds.pcap 58132": "As in ssl.log: client port 58132 is not in the stored trace.",
    ]

    @Test(arguments: ZeekAgreementTests.rows("conn"))
    func connLogHistoryAgrees(row: Row) throws {
        let port = "\(row.fields["id.orig_p"]!)"
        // Some baselines come from tests that log other columns; without history there is nothing to compare.
        guard let history = row.fields["history"] as? String else { return }
        let reason = ZeekAgreementTests.connExceptions["\(row.trace) \(port) \(history)"] ?? ZeekAgreementTests.connExceptions["\(row.trace) \(port)"]
        guard let (conn, sameRoles) = ZeekAgreementTests.match(row) else {
            #expect(reason != nil, "no connection for \(row)")
            return
        }
        // History letters: upper case for the originator. The first F/f and R/r say who sent the first FIN and RST.
        func first(_ letters: Set<Character>) -> String? {
            history.first(where: { letters.contains($0) }).map { $0.isUppercase ? "orig" : "resp" }
        }
        func ours(_ key: String) -> String? {
            guard let by = (conn["teardown"] as? [String: Any])?[key] as? String else { return nil }
            return (by == "client") == sameRoles ? "orig" : "resp"
        }
        let agree = first(["F", "f"]) == ours("first_fin_by") && first(["R", "r"]) == ours("first_rst_by")
        if let reason {
            #expect(!agree, "exception no longer holds: \(reason)")
        } else {
            #expect(agree, "\(row.trace) \(port) history \(history): Zeek FIN \(first(["F", "f"]) ?? "-") RST \(first(["R", "r"]) ?? "-"), tlsdiag FIN \(ours("first_fin_by") ?? "-") RST \(ours("first_rst_by") ?? "-")")
        }
    }
}
