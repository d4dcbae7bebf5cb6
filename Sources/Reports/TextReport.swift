import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Preambles

/// The default report: a header, one block per failed connection (failures first), then the
/// successful ones, one line each (grouped per server when there are many). Colour only on a terminal.
public struct TextStyle: Sendable {
    public var color: Bool
    public var verbose: Bool
    public init(color: Bool, verbose: Bool) { self.color = color; self.verbose = verbose }

    public func red(_ s: String) -> String { color ? "\u{1b}[31m\(s)\u{1b}[0m" : s }
    public func green(_ s: String) -> String { color ? "\u{1b}[32m\(s)\u{1b}[0m" : s }
    public func yellow(_ s: String) -> String { color ? "\u{1b}[33m\(s)\u{1b}[0m" : s }
    public func bold(_ s: String) -> String { color ? "\u{1b}[1m\(s)\u{1b}[0m" : s }
    public func dim(_ s: String) -> String { color ? "\u{1b}[2m\(s)\u{1b}[0m" : s }
}

public enum TextReport {
    static let labelWidth = 16

    static let width = 100

    /// A labelled row; long text wraps at `width` columns under the value column.
    static func row(_ label: String, _ text: String) -> String {
        let indent = String(repeating: " ", count: 2 + labelWidth)
        let room = width - indent.count
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > room {
                lines.append(line); line = String(word)
            } else {
                line = line.isEmpty ? String(word) : line + " " + word
            }
        }
        lines.append(line)
        return "  " + label + String(repeating: " ", count: max(1, labelWidth - label.count))
            + lines.joined(separator: "\n" + indent) + "\n"
    }

    static func rows(_ label: String, _ lines: [String]) -> String {
        var out = ""
        for (i, l) in lines.enumerated() { out += row(i == 0 ? label : "", l) }
        return out
    }

    public static func mark(_ d: Diagnosis, _ s: TextStyle) -> String {
        switch d.outcome {
        case .success: return s.green("✓")
        case .failure, .noConnection: return s.red("✗")
        case .incomplete, .notTLS: return s.yellow("?")
        }
    }

    /// "failed: server reset after ClientHello" style headline.
    static func headline(_ r: ConnectionReport) -> String {
        let d = r.diagnosis
        let word: String
        switch d.outcome {
        case .success: word = "ok"
        case .failure: word = "failed"
        case .incomplete: word = "incomplete"
        case .notTLS: word = "not TLS"
        case .noConnection: word = "no connection"
        }
        return "\(word): \(d.category.rawValue)\(d.blame.map { " (blame: \($0.rawValue))" } ?? "")"
    }

    /// The full block for one connection.
    public static func block(_ r: ConnectionReport, style s: TextStyle) -> String {
        let c = r.facts, h = r.handshake, d = r.diagnosis
        var out = "\(mark(d, s)) \(s.bold("\(c.client) → \(c.server)"))  \(r.protocolLabel)  \(headline(r))\n"
        out += row("summary", d.summary)
        if c.roleSource != .syn {
            out += row("roles", c.roleSource == .content ? "guessed from content (no SYN captured)" : "guessed from ports (no SYN captured)")
        }
        if let p = h.preamble { out += row("preamble", preambleText(p, h.preambleResult)) }
        if let ch = h.clientHello {
            out += row("client offered", offerText(ch))
            if s.verbose { out += verboseHello(ch) }
        }
        if let hrr = h.helloRetryRequest {
            out += row("retry", "HelloRetryRequest asking for \(hrr.hrrSelectedGroup.map(Names.group) ?? "?")\(hrr.hrrCookie ? " (with cookie)" : "")")
        }
        out += row("server", serverText(h, c))
        if let leaf = h.certificates.first {
            out += row("certificate", certificateText(leaf, chain: h.certificates.count))
            if s.verbose {
                for (i, cert) in h.certificates.enumerated() {
                    out += row("", "[\(i)] \(cert.subject) ← \(cert.issuer); \(cert.keyType)\(cert.keyBits.map { " \($0)" } ?? "")\(cert.curve.map { " \($0)" } ?? ""); \(cert.signatureAlgorithm); valid \(cert.notBeforeText ?? "?") – \(cert.notAfterText ?? "?")")
                    if !cert.subjectAltNames.isEmpty { out += row("", "    SAN \(cert.subjectAltNames.joined(separator: " "))") }
                    if !cert.sha256.isEmpty { out += row("", "    SHA-256 \(cert.sha256)") }
                }
            }
        }
        if !h.alerts.isEmpty {
            out += rows("alerts", h.alerts.map { a in
                let what = a.description.map { "\(a.level == 2 ? "fatal " : (a.level == 1 ? "warning " : ""))\(Names.alert($0))" } ?? "encrypted alert\(a.inferred ? " (inferred from size)" : "")"
                return "\(a.by.rawValue) \(what) (#\(a.packet.number))"
            })
        }
        out += row("teardown", teardownText(TeardownSummary(facts: c, handshake: h), c))
        let gaps = c.clientSide.gaps.map { ("client", $0) } + c.serverSide.gaps.map { ("server", $0) }
        if !gaps.isEmpty {
            out += row("capture", "missing bytes: " + gaps.map { "\($0.0) \($0.1.length) bytes at stream offset \($0.1.offset)" }.joined(separator: "; "))
        }
        if c.clientSide.truncatedSegments + c.serverSide.truncatedSegments > 0 {
            out += row("capture", "the capture cut \(c.clientSide.truncatedSegments + c.serverSide.truncatedSegments) packet(s) short (snapshot length)")
        }
        if h.mayHaveRareValues && !h.parseErrors.isEmpty { out += rows("unreadable", h.parseErrors) }
        if h.mayHaveRareValues && h.timelineDropped > 0 {
            out += row("timeline", "\(h.timelineDropped) event(s) past the timeline's limit not kept")
        }
        if !d.evidence.isEmpty && (d.outcome != .success || s.verbose) {
            out += rows("evidence", d.evidence.map { e in
                "#\(e.packet)  +\(JSONWriter.format(e.time.milliseconds(since: c.first.time), decimals: 3)) ms  \(e.text)"
            })
        }
        if let inf = d.inference { out += row("inferred", inf) }
        if !d.hints.isEmpty { out += rows("why", d.hints) }
        if s.verbose && !h.timeline.isEmpty {
            out += rows("timeline", h.timeline.map { e in
                "#\(e.packet.number)  +\(JSONWriter.format(e.packet.time.milliseconds(since: c.first.time), decimals: 3)) ms  \(TeardownSummary.describe(e))"
            })
        }
        return out
    }

    /// One line for a successful connection.
    public static func successLine(_ r: ConnectionReport, style s: TextStyle) -> String {
        let h = r.handshake
        var parts = ["\(mark(r.diagnosis, s)) \(r.facts.client) → \(r.facts.server)", r.protocolLabel]
        if let sh = h.serverHello { parts.append("\(Names.version(sh.version)) \(Names.cipherSuite(sh.cipherSuite))") }
        if let a = h.serverHello?.alpn { parts.append("ALPN \(a)") }
        if let sni = h.clientHello?.sni { parts.append("SNI \(sni)") }
        if h.resumed { parts.append("resumed") }
        return parts.joined(separator: "  ")
    }

    static func preambleText(_ p: PreambleInfo, _ result: PreambleResult?) -> String {
        var t = p.kind.rawValue
        if let rdp = p.rdp {
            if let req = rdp.requestedProtocols { t += ", requested \(RDPNegotiation.protocolNames(req).joined(separator: "|"))" }
            if let sel = rdp.selectedProtocol { t += ", selected \(RDPNegotiation.protocolNames(sel).joined(separator: "|"))" }
            if let f = rdp.failureCode { t += ", failure \(RDPNegotiation.failureName(f))" }
            if let cookie = rdp.cookie { t += ", cookie \(cookie)" }
        } else {
            if let cmd = p.command { t += ", \(cmd)" }
            if let reply = p.serverReply { t += " → \(reply)" }
        }
        switch result {
        case .refused?: t += " (refused)"
        case .plaintext?: t += " (no TLS)"
        case .unfinished?: t += " (unfinished)"
        default: break
        }
        return t
    }

    static func offerText(_ ch: ClientHelloInfo) -> String {
        var parts: [String] = []
        var v = Names.version(ch.maxVersion)
        if ch.recordVersion != 0 && ch.recordVersion != ch.maxVersion { v += " (record \(Names.version(ch.recordVersion)))" }
        if ch.sslv2Format { v += " in an SSLv2 hello" }
        parts.append(v)
        let suites = ch.cipherSuites.filter { !Names.isGREASE($0) }
        parts.append("\(suites.count) suites")
        parts.append(ch.sni.map { "SNI \($0)" } ?? "no SNI")
        if !ch.alpn.isEmpty { parts.append("ALPN \(ch.alpn.joined(separator: " "))") }
        let groups = ch.supportedGroups.filter { !Names.isGREASE($0) }
        if !groups.isEmpty { parts.append("groups \(groups.map(Names.group).joined(separator: " "))") }
        let shares = ch.keyShares.filter { !Names.isGREASE($0.group) }
        if !shares.isEmpty { parts.append("key shares \(shares.map { Names.group($0.group) }.joined(separator: " "))") }
        parts.append("\(ch.size) bytes in \(ch.tcpSegments) segment\(ch.tcpSegments == 1 ? "" : "s")")
        return parts.joined(separator: ", ")
    }

    static func verboseHello(_ ch: ClientHelloInfo) -> String {
        var out = ""
        out += rows("  suites", wrap(ch.cipherSuites.map(Names.cipherSuite)))
        out += rows("  extensions", wrap(ch.extensions.map(Names.extensionType)))
        if !ch.signatureAlgorithms.isEmpty { out += rows("  sig. algs", wrap(ch.signatureAlgorithms.map(Names.signatureScheme))) }
        if !ch.keyShares.isEmpty { out += row("  key shares", ch.keyShares.map { "\(Names.group($0.group)) (\($0.keyLength) bytes)" }.joined(separator: ", ")) }
        if let ja3 = ch.ja3Hash { out += row("  JA3", ja3) }
        if let ja4 = ch.ja4 { out += row("  JA4", ja4) }
        return out
    }

    static func wrap(_ items: [String], width: Int = 90) -> [String] {
        var lines: [String] = [], line = ""
        for i in items {
            if !line.isEmpty && line.count + 1 + i.count > width { lines.append(line); line = i }
            else { line = line.isEmpty ? i : line + " " + i }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.isEmpty ? ["(none)"] : lines
    }

    static func serverText(_ h: HandshakeFacts, _ c: ConnectionFacts) -> String {
        guard let sh = h.serverHello, !sh.isHelloRetryRequest else {
            var t = "no ServerHello"
            if let s = h.serverNotTLS { t += "; answered with non-TLS bytes: \(s)" }
            else if let a = h.alerts.first(where: { $0.by == .server }) { t += "; alert \(a.description.map(Names.alert) ?? "encrypted") (#\(a.packet.number))" }
            else if let r = c.serverSide.firstRst, let chp = h.clientHelloPacket {
                t += "; RST \(JSONWriter.format(r.time.milliseconds(since: chp.time), decimals: 3)) ms after the ClientHello (#\(r.number))"
            } else if let f = c.serverSide.firstFin, let chp = h.clientHelloPacket {
                t += "; FIN \(JSONWriter.format(f.time.milliseconds(since: chp.time), decimals: 3)) ms after the ClientHello (#\(f.number))"
            } else if c.serverSide.payloadBytes == 0 { t += "; the server sent nothing" }
            return t
        }
        var parts = ["\(Names.version(sh.version)) \(Names.cipherSuite(sh.cipherSuite))"]
        if let g = sh.keyShareGroup ?? h.keyExchange?.group { parts.append("group \(Names.group(g))") }
        if let bits = h.keyExchange?.dhPrimeBits { parts.append("DH \(bits) bits") }
        if let a = sh.alpn { parts.append("ALPN \(a)") }
        if h.resumed { parts.append("resumed") }
        if h.certificateRequested { parts.append("asked for a client certificate") }
        if let s = sh.downgradeSentinel { parts.append("downgrade sentinel (\(s == 1 ? "TLS 1.2" : "TLS 1.1 or below"))") }
        return parts.joined(separator: ", ")
    }

    static func certificateText(_ leaf: CertificateInfo, chain: Int) -> String {
        var t = leaf.subject
        if leaf.selfSigned { t += " (self-signed)" } else { t += " ← \(leaf.issuer)" }
        t += "; \(leaf.keyType)\(leaf.keyBits.map { " \($0)" } ?? "")\(leaf.curve.map { " \($0)" } ?? "")"
        if let na = leaf.notAfterText { t += "; until \(na)" }
        t += "; chain of \(chain)"
        return t
    }

    static func teardownText(_ t: TeardownSummary, _ c: ConnectionFacts) -> String {
        var parts: [String] = []
        for (kind, close) in [("FIN", t.firstFin), ("RST", t.firstRst)] {
            guard let cl = close else { continue }
            var s = "first \(kind) by the \(cl.by.rawValue) (#\(cl.packet.number))"
            if let a = cl.after, let ms = cl.millisecondsAfter { s += ", \(JSONWriter.format(ms, decimals: 3)) ms after the \(a)" }
            parts.append(s)
        }
        if parts.isEmpty { return c.endReason == .captureEnd ? "still open when the capture ended" : "no FIN or RST seen (\(c.endReason?.rawValue ?? "open"))" }
        return parts.joined(separator: "; ")
    }
}
