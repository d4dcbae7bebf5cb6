import NetCore
import Handshake
import Diagnosis
import Reports

/// The terminal summary of a batch: totals, what could not be read, failures by category, server
/// and client, versions and suites, legacy offers, JA4 fingerprints, the worst servers and why, then
/// one line per failure (up to a limit).
public enum BatchTextReport {
    /// Rows shown in each ranked table.
    public static let tableRows = 15

    public static func render(_ r: BatchReport, style s: TextStyle, failureLines: Int = 50) -> String {
        let (a, c, e) = parts(r, style: s, half: 0, failureLines: failureLines)
        let (b, d, _) = parts(r, style: s, half: 1, failureLines: failureLines)
        return a + b + c + d + e
    }

    /// The same text as `render`, its second half (the versions, suites, legacy offers and
    /// fingerprints, then the failures' lines) rendered on one of `helpers` while this thread
    /// renders the first (the totals and the failures' tables, the worst servers, the notes and
    /// warnings).
    static func render(_ r: BatchReport, style s: TextStyle, failureLines: Int, helpers: HelperThreads) -> String {
        guard helpers.count > 0 else { return render(r, style: s, failureLines: failureLines) }
        let other = RenderedParts()
        let report = r
        helpers.run { other.value = parts(report, style: s, half: 1, failureLines: failureLines) }
        let (a, c, e) = parts(r, style: s, half: 0, failureLines: failureLines)
        helpers.wait()
        let (b, d, _) = other.value
        var out = a
        out.reserveCapacity(a.utf8.count + b.utf8.count + c.utf8.count + d.utf8.count + e.utf8.count)
        out += b
        out += c
        out += d
        out += e
        return out
    }

    /// Two parts rendered on another thread.
    private final class RenderedParts: @unchecked Sendable {
        var value = ("", "", "")
    }

    /// The report in five parts, in order A, B, C, D, E; half 0 renders (A, C, E), half 1 (B, D, ""),
    /// each from the report alone. A: the totals, captures not read whole, failures by category,
    /// server and client. B: versions, suites, legacy offers, JA4 fingerprints. C: the worst
    /// servers. D: the failures' lines. E: the notes and warnings.
    static func parts(_ r: BatchReport, style s: TextStyle, half: Int, failureLines: Int) -> (String, String, String) {
        var out = ""
        func line(_ t: String = "") { out += t + "\n" }
        func section(_ title: String) { line(); line(s.bold(title)) }
        let a = r.aggregates

        if half == 1 {
            // B.
            if a.withClientHello > 0 {
                section("Versions")
                let versions = BatchAggregates.sortedVersions(Set(a.offeredVersions.keys).union(a.negotiatedVersions.keys))
                let names = versions.map(Names.version)
                let w = max(8, names.map(\.count).max() ?? 0)
                line(s.dim("  \(padded("", w))  \(padded("offered (highest)", 18, right: true))  \(padded("negotiated", 11, right: true))"))
                for (v, name) in zip(versions, names) {
                    line("  \(padded(name, w))  \(padded(String(a.offeredVersions[v] ?? 0), 18, right: true))  \(padded(String(a.negotiatedVersions[v] ?? 0), 11, right: true))")
                }

                section("Cipher suites offered (connections offering each, of \(a.withClientHello) with a ClientHello)")
                suites(BatchAggregates.ranked(a.offeredSuites, by: Names.cipherSuite), &out)
                if !a.negotiatedSuites.isEmpty {
                    section("Cipher suites negotiated")
                    suites(BatchAggregates.ranked(a.negotiatedSuites, by: Names.cipherSuite), &out)
                }

                section("Clients still offering")
                for o in LegacyOffer.allCases {
                    let clients = a.legacyClients(o)
                    let conns = clients.reduce(0) { $0 + $1.1 }
                    let head = "  \(padded(o.rawValue, 17)) "
                    if clients.isEmpty { line(head + s.dim("none")); continue }
                    var t = "\(clients.count) client\(plural(clients.count)), \(conns) connection\(plural(conns)): "
                    t += clients.prefix(8).map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
                    if clients.count > 8 { t += ", …" }
                    line(head + wrapped(t, first: head.count, indent: head.count))
                }

                let fps = a.topFingerprints
                if !fps.isEmpty {
                    section("Most common JA4 fingerprints")
                    let w = fps.prefix(10).map(\.0.count).max() ?? 0
                    for (fp, t) in fps.prefix(10) {
                        let head = "  \(padded(fp, w))  "
                        var l = "\(t.connections) connection\(plural(t.connections))"
                        if t.failures > 0 { l += " (\(t.failures) failed)" }
                        l += ", \(t.clients.count) client\(plural(t.clients.count))"
                        let names = BatchAggregates.ranked(t.serverNames, by: { $0 }).prefix(3).map(\.0)
                        if !names.isEmpty { l += ", SNI \(names.joined(separator: ", "))" }
                        line(head + wrapped(l, first: head.count, indent: head.count))
                    }
                    if fps.count > 10 { line(s.dim("  … \(fps.count - 10) more")) }
                }
            }
            let b = out
            out = ""

            // D.
            let failureCount = r.failureCount
            if failureCount > 0 {
                let shown = min(failureLines, failureCount)
                section(shown < failureCount ? "Failures (first \(shown) of \(failureCount); --format jsonl or --html for all)" : "Failures")
                for f in r.failuresByCapture.lazy.joined().prefix(shown) {
                    line("  \(TextReport.mark(f.diagnosis, s)) \(f.capture)  \(f.facts.client) → \(f.facts.server)")
                    line("      " + wrapped("\(f.diagnosis.category.rawValue): \(f.diagnosis.summary)", first: 6, indent: 6))
                }
            }
            return (b, out, "")
        }

        // A.
        let worst = a.worstServers   // two sections list them
        // One pass over the captures, by index (no copy of any capture's record).
        var unreadable = 0, partial = 0
        var withErrors: [Int] = []
        var bytes: Int64 = 0, packets: UInt64 = 0
        for k in r.captures.indices {
            bytes += r.captures[k].input.size
            packets &+= r.captures[k].record.packets
            if r.captures[k].record.error != nil {
                withErrors.append(k)
                if r.captures[k].record.packets == 0 { unreadable += 1 } else { partial += 1 }
            }
        }

        line(s.bold("tlsdiag batch: \(header(captures: r.captures.count, bytes: bytes, packets: packets))"))
        if let db = r.database {
            line("  analysed \(r.analysed), reused \(r.reused) from \(db)")
        }
        let bad = unreadable + r.skipped.count
        if bad + partial > 0 {
            line(s.yellow("  \(bad) could not be read, \(partial) read only in part"))
        }
        var totals = "\(a.tcpConnections) TCP connection\(plural(a.tcpConnections)), \(a.reported) reported: \(a.successes) succeeded, \(a.failures) did not"
        if a.failures > 0 {
            totals += " (" + a.failureCategories.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ") + ")"
        }
        line(wrapped(totals, first: 0, indent: 2))

        if bad + partial > 0 {
            section("Captures not read whole")
            for k in r.skipped { line("  \(s.red("✗")) " + wrapped("\(k.path): \(k.reason)", first: 4, indent: 4)) }
            for k in withErrors {
                let c = r.captures[k]
                let mark = c.record.partial ? s.yellow("~") : s.red("✗")
                var t = "\(c.input.path): \(errorReason(c))"
                if c.record.partial { t += " (the \(c.record.packets) packet\(plural(Int(c.record.packets))) before it were analysed)" }
                line("  \(mark) " + wrapped(t, first: 4, indent: 4))
            }
        }

        if a.failures > 0 {
            section("Failures by category")
            let cats = a.failureCategories
            let maxCount = cats.first?.1 ?? 1
            let w = cats.map { $0.0.rawValue.count }.max() ?? 0
            for (cat, n) in cats {
                line("  \(padded(cat.rawValue, w))  \(padded(String(n), 6, right: true))  \(bar(n, of: maxCount))")
            }

            section("Failures by server")
            table(worst.map { ($0.0.description, $0.1) }, &out)
            section("Failures by client")
            table(a.worstClients.map { ($0.0.description, $0.1) }, &out)
        }

        let first = out
        out = ""

        // C.
        if !worst.isEmpty {
            section("Worst servers")
            for (server, t) in worst.prefix(10) {
                line("  \(s.red("✗")) " + wrapped(worstLine(server, t, r.knowledge), first: 4, indent: 6))
            }
        }

        let c = out
        out = ""

        // E.
        let warned = r.captures.indices.filter { !r.captures[$0].record.warnings.isEmpty }
        if !r.notes.isEmpty || !warned.isEmpty {
            line()
            for n in r.notes { line(s.yellow("note: ") + wrapped(n, first: 6, indent: 2)) }
            for k in warned {
                for w in r.captures[k].record.warnings { line(s.yellow("warning: ") + wrapped("\(r.captures[k].input.path): \(w)", first: 9, indent: 2)) }
            }
        }
        return (first, c, out)
    }

    /// "57 captures, 1.2 MB, 4321 packets, 2 jobs, 0.8 s".
    static func header(_ r: BatchReport) -> String {
        header(captures: r.captures.count, bytes: r.bytes, packets: r.packets)
    }

    static func header(captures n: Int, bytes: Int64, packets: UInt64) -> String {
        "\(n) capture\(plural(n)), \(size(bytes)), \(packets) packet\(plural(Int(packets)))"
    }

    /// "812 bytes", "12.3 KB", "4.5 MB", "1.2 GB" (powers of 1000).
    public static func size(_ b: Int64) -> String {
        if b < 1000 { return "\(b) byte\(b == 1 ? "" : "s")" }
        for (unit, scale) in [("KB", 1e3), ("MB", 1e6), ("GB", 1e9)] where Double(b) < scale * 1000 || unit == "GB" {
            return "\(JSONWriter.format(Double(b) / scale, decimals: 1)) \(unit)"
        }
        return "\(b) bytes"
    }

    /// A capture's error without the path its description begins with.
    static func errorReason(_ c: BatchCapture) -> String {
        guard let e = c.record.error else { return "" }
        let prefix = c.input.path + ": "
        return e.hasPrefix(prefix) ? String(e.dropFirst(prefix.count)) : e
    }

    /// "127.0.0.1:3389  12 of 12 failed, mostly server-reset (10): the server reset …"
    public static func worstLine(_ server: Endpoint, _ t: EndpointTally, _ k: ServerKnowledge) -> String {
        var l = "\(server)  \(t.failures) of \(t.connections) failed"
        if let (cat, n) = t.topCategory {
            l += n == t.failures ? ", all \(cat.rawValue)" : ", mostly \(cat.rawValue) (\(n))"
            if let summary = t.firstSummary[cat] { l += ": \(summary)" }
        }
        if let p = k.profile(server), p.successes > 0, let (suite, _) = p.rankedSuites.first {
            l += " [succeeded \(p.successes)× elsewhere, mostly \(Names.cipherSuite(suite))]"
        }
        return l
    }

    static func table(_ rows: [(String, EndpointTally)], _ out: inout String) {
        let shown = rows.prefix(tableRows)
        let w = shown.map(\.0.count).max() ?? 0
        for (name, t) in shown {
            let ranked = t.byCategory.filter { $0.key != .ok }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            var cats = ranked.prefix(4).map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            if ranked.count > 4 { cats += ", … \(ranked.count - 4) more categor\(ranked.count == 5 ? "y" : "ies")" }
            let head = "  \(padded(name, w))  \(padded("\(t.failures) of \(t.connections)", 12))  "
            out += head + wrapped(cats, first: head.count, indent: min(head.count, 40)) + "\n"
        }
        if rows.count > tableRows { out += "  … \(rows.count - tableRows) more\n" }
    }

    static func suites(_ ranked: [(UInt16, Int)], _ out: inout String) {
        let shown = ranked.prefix(tableRows)
        let names = shown.map { Names.cipherSuite($0.0) }
        let w = names.map(\.count).max() ?? 0
        for ((_, n), name) in zip(shown, names) { out += "  \(padded(name, w))  \(padded(String(n), 7, right: true))\n" }
        if ranked.count > tableRows { out += "  … \(ranked.count - tableRows) more\n" }
    }

    static func bar(_ n: Int, of maxCount: Int, width: Int = 30) -> String {
        let w = maxCount > 0 ? max(n > 0 ? 1 : 0, n * width / maxCount) : 0
        return String(repeating: "█", count: w)
    }

    static func padded(_ s: String, _ w: Int, right: Bool = false) -> String {
        let p = String(repeating: " ", count: max(0, w - s.count))
        return right ? p + s : s + p
    }

    static func plural(_ n: Int) -> String { n == 1 ? "" : "s" }

    /// Reports wrap at this many columns (as analyze's text report).
    public static let width = 100

    /// `text` wrapped on spaces at `width` columns: its first line starts at column `first` (what is
    /// already printed), the next ones are indented by `indent` spaces.
    static func wrapped(_ text: String, first: Int, indent: Int, width: Int = BatchTextReport.width) -> String {
        var text = text
        if let ascii = text.withUTF8({ u in u.contains(where: { $0 >= 0x80 }) ? nil : wrappedASCII(u, first: first, indent: indent, width: width) }) {
            return ascii
        }
        var lines: [String] = [], line = "", column = first
        for word in text.split(separator: " ") {
            if !line.isEmpty && column + 1 + word.count > width {
                lines.append(line); line = ""; column = indent
            }
            if !line.isEmpty { line += " "; column += 1 }
            line += word; column += word.count
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }

    /// `wrapped` of ASCII text, over its bytes: a word is a run of bytes other than the space, a
    /// character is a byte. (Splitting and counting by grapheme cluster cost about 90,000
    /// instructions a note or warning line, most of the batch report's time.)
    static func wrappedASCII(_ u: UnsafeBufferPointer<UInt8>, first: Int, indent: Int, width: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(u.count + 16)
        var column = first, lineEmpty = true
        var i = 0
        while i < u.count {
            if u[i] == 0x20 { i += 1; continue }
            var j = i
            while j < u.count && u[j] != 0x20 { j += 1 }
            let length = j - i
            if !lineEmpty && column + 1 + length > width {
                out.append(0x0a)
                for _ in 0..<indent { out.append(0x20) }
                column = indent; lineEmpty = true
            }
            if !lineEmpty { out.append(0x20); column += 1 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[i..<j]))
            column += length; lineEmpty = false
            i = j
        }
        return String(decoding: out, as: UTF8.self)
    }
}
