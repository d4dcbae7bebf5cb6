import NetCore
import Handshake
import Diagnosis

/// `--format csv`: one flat row per connection (RFC 4180 quoting), for spreadsheets.
public enum CSVReport {
    public static let columns = [
        "capture", "client", "server", "start", "duration_ms", "preamble", "outcome", "category", "blame", "summary",
        "client_max_version", "client_cipher_suites", "sni", "alpn", "supported_groups", "key_share_groups",
        "ja3", "ja4", "negotiated_version", "negotiated_cipher", "negotiated_alpn", "resumed",
        "certificate_subject", "certificate_issuer", "certificate_not_after",
        "first_alert_by", "first_alert", "first_fin_by", "first_rst_by",
        "client_packets", "server_packets", "client_bytes", "server_bytes",
    ]

    public static var header: String { columns.joined(separator: ",") }

    public static func row(_ r: ConnectionReport) -> String {
        let c = r.facts, h = r.handshake, d = r.diagnosis
        let ch = h.clientHello
        let sh = h.serverHello.flatMap { $0.isHelloRetryRequest ? nil : $0 }
        let leaf = h.certificates.first
        let alert = h.alerts.first { $0.isFatal || $0.inferred } ?? h.alerts.first
        let t = TeardownSummary(facts: c, handshake: h)
        let fields: [String] = [
            r.capture, c.client.description, c.server.description, CivilTime.iso8601(c.first.time),
            JSONWriter.format(c.last.time.milliseconds(since: c.first.time), decimals: 3),
            h.preamble?.kind.rawValue ?? "", d.outcome.rawValue, d.category.rawValue, d.blame?.rawValue ?? "", d.summary,
            ch.map { Names.version($0.maxVersion) } ?? "",
            ch.map { $0.cipherSuites.map(Names.cipherSuite).joined(separator: " ") } ?? "",
            ch?.sni ?? "", ch?.alpn.joined(separator: " ") ?? "",
            ch.map { $0.supportedGroups.map(Names.group).joined(separator: " ") } ?? "",
            ch.map { $0.keyShares.map { Names.group($0.group) }.joined(separator: " ") } ?? "",
            ch?.ja3Hash ?? "", ch?.ja4 ?? "",
            sh.map { Names.version($0.version) } ?? "", sh.map { Names.cipherSuite($0.cipherSuite) } ?? "",
            sh?.alpn ?? "", sh == nil ? "" : (h.resumed ? "true" : "false"),
            leaf?.subject ?? "", leaf?.issuer ?? "",
            leaf?.notAfter.map { CivilTime.iso8601(Timestamp(seconds: $0, nanoseconds: 0), fraction: false) } ?? "",
            alert?.by.rawValue ?? "", alert.map { $0.description.map(Names.alert) ?? "encrypted" } ?? "",
            t.firstFin?.by.rawValue ?? "", t.firstRst?.by.rawValue ?? "",
            String(c.clientSide.packets), String(c.serverSide.packets),
            String(c.clientSide.payloadBytes), String(c.serverSide.payloadBytes),
        ]
        return fields.map(quote).joined(separator: ",")
    }

    public static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var out = "\""
        for ch in s { if ch == "\"" { out += "\"\"" } else { out.append(ch) } }
        return out + "\""
    }
}
