import NetCore
import Handshake
import Diagnosis
import Reports

/// `batch --html FILE`: one self-contained page. No scripts, fonts, style sheets or images from
/// anywhere: the CSS is inline and the charts are inline SVG. Every text from a capture (names,
/// summaries, evidence, hints, paths) is HTML-escaped.
///
/// Sections: totals; charts (failures over time, failure categories, versions offered and
/// negotiated, cipher suites offered and negotiated); captures not read whole; clients still
/// offering old versions and weak suites; JA4 fingerprints; worst servers; one table per server with
/// its failures, each with its diagnosis (summary, evidence, hints); notes.
public enum BatchHTMLReport {
    /// Failures listed per server; past this the table says how many more there are.
    public static let failuresPerServer = 200

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static let css = """
        :root { --ok: #3b8f5a; --fail: #c8412f; --warn: #b7791f; --muted: #667085; --line: #e4e7ec; --bg: #f8f9fb; --alt: #5470c6; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2939; margin: 0; background: #fff; }
        header { background: #1d2939; color: #fff; padding: 20px 32px; }
        header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
        header p { margin: 0; color: #d0d5dd; }
        main { padding: 8px 32px 40px; max-width: 1320px; }
        h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 15px; margin: 18px 0 6px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 4px; }
        .card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 118px; }
        .card b { display: block; font-size: 22px; }
        .card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .card.fail b { color: var(--fail); } .card.ok b { color: var(--ok); } .card.warn b { color: var(--warn); }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(600px, 1fr)); gap: 18px 28px; }
        figure { margin: 0; } figcaption { font-weight: 600; margin: 6px 0; }
        svg { max-width: 100%; height: auto; } svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #344054; }
        table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--bg); font-weight: 600; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
        .cat { display: inline-block; padding: 0 6px; border-radius: 4px; background: #fde8e5; color: var(--fail); font-size: 12px; white-space: nowrap; }
        .cat.incomplete, .cat.not-tls { background: #fdf1dc; color: var(--warn); }
        details { margin: 2px 0; } summary { cursor: pointer; }
        details ul { margin: 4px 0 6px 18px; padding: 0; } details li { margin: 1px 0; }
        .muted { color: var(--muted); } .small { font-size: 12px; } .nowrap { white-space: nowrap; }
        td.diag { width: 52%; } td.cap { max-width: 300px; overflow-wrap: anywhere; }
        .legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
        .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
        .server { border: 1px solid var(--line); border-radius: 8px; padding: 6px 14px 4px; margin: 12px 0; }
        .server h3 { margin-top: 8px; }
        """

    public static func render(_ r: BatchReport) -> String {
        let a = r.aggregates
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>tlsdiag batch: \(r.captures.count) captures, \(a.failures) failed handshakes</title>\n"
        h += "<style>\n\(css)\n</style>\n</head>\n<body>\n"
        h += "<header><h1>TLS handshakes in \(r.captures.count) capture\(plural(r.captures.count))</h1>"
        h += "<p>\(escape(BatchTextReport.header(r)))"
        if let db = r.database { h += " · analysed \(r.analysed), reused \(r.reused) from <code>\(escape(db))</code>" }
        h += "</p></header>\n<main>\n"

        // Totals.
        let bad = r.unreadable.count + r.skipped.count
        h += "<div class=\"cards\">"
        h += card("captures", r.captures.count)
        h += card("TCP connections", a.tcpConnections)
        h += card("reported", a.reported)
        h += card("succeeded", a.successes, "ok")
        h += card("did not", a.failures, a.failures > 0 ? "fail" : "")
        h += card("unreadable", bad, bad > 0 ? "fail" : "")
        h += card("read in part", r.partial.count, r.partial.isEmpty ? "" : "warn")
        h += card("servers", a.servers.count)
        h += card("client addresses", a.clients.count)
        h += "</div>\n"

        // Charts.
        h += "<h2>Overview</h2>\n<div class=\"charts\">\n"
        let (unit, sparse, buckets) = a.timeBuckets()
        h += "<figure><figcaption>Handshakes over time, per \(unit) of connection start\(sparse ? " (only the \(unit)s with connections)" : "")</figcaption>"
        h += legend([("succeeded", okColor), ("did not", failColor)])
        h += timeChart(buckets) + "</figure>\n"
        h += "<figure><figcaption>Failures by category</figcaption>"
        h += barChart(a.failureCategories.map { ($0.0.rawValue, [$0.1]) }, series: [failColor]) + "</figure>\n"
        let versions = BatchAggregates.sortedVersions(Set(a.offeredVersions.keys).union(a.negotiatedVersions.keys))
        h += "<figure><figcaption>Versions: highest offered and negotiated</figcaption>"
        h += legend([("offered", altColor), ("negotiated", okColor)])
        h += barChart(versions.map { (Names.version($0), [a.offeredVersions[$0] ?? 0, a.negotiatedVersions[$0] ?? 0]) },
                      series: [altColor, okColor]) + "</figure>\n"
        let suiteKeys = Array(BatchAggregates.ranked(a.offeredSuites, by: Names.cipherSuite).prefix(15).map(\.0))
        let negotiatedOnly = BatchAggregates.ranked(a.negotiatedSuites, by: Names.cipherSuite).map(\.0).filter { !suiteKeys.contains($0) }
        h += "<figure><figcaption>Cipher suites: offered (top 15) and negotiated</figcaption>"
        h += legend([("connections offering", altColor), ("negotiated", okColor)])
        h += barChart((suiteKeys + negotiatedOnly.prefix(10)).map { (Names.cipherSuite($0), [a.offeredSuites[$0] ?? 0, a.negotiatedSuites[$0] ?? 0]) },
                      series: [altColor, okColor]) + "</figure>\n"
        h += "</div>\n"

        // Captures not read whole.
        if bad + r.partial.count > 0 {
            h += "<h2>Captures not read whole</h2>\n<table><tr><th>capture</th><th>problem</th><th class=\"n\">packets read</th></tr>\n"
            for k in r.skipped { h += "<tr><td class=\"mono\">\(escape(k.path))</td><td>\(escape(k.reason))</td><td class=\"n\">0</td></tr>\n" }
            for c in r.captures where c.record.error != nil {
                h += "<tr><td class=\"mono\">\(escape(c.input.path))</td><td>\(c.record.partial ? "read in part: " : "")\(escape(BatchTextReport.errorReason(c)))</td><td class=\"n\">\(c.record.packets)</td></tr>\n"
            }
            h += "</table>\n"
        }

        // Worst servers.
        let worst = a.worstServers
        if !worst.isEmpty {
            h += "<h2>Worst servers</h2>\n<table><tr><th>server</th><th class=\"n\">failed</th><th>mostly</th><th>why (first such failure)</th></tr>\n"
            for (server, t) in worst.prefix(15) {
                let top = t.topCategory
                h += "<tr><td class=\"mono\"><a href=\"#\(anchor(server))\">\(escape(server.description))</a></td>"
                h += "<td class=\"n\">\(t.failures) of \(t.connections)</td>"
                h += "<td class=\"nowrap\">\(top.map { category($0.0) + " \($0.1)" } ?? "")</td>"
                h += "<td>\(escape(top.flatMap { t.firstSummary[$0.0] } ?? ""))</td></tr>\n"
            }
            h += "</table>\n"
        }

        // Clients.
        if a.withClientHello > 0 {
            h += "<h2>Clients still offering old versions or weak suites</h2>\n"
            h += "<table><tr><th>offer</th><th class=\"n\">clients</th><th class=\"n\">connections</th><th>client addresses (connections)</th></tr>\n"
            for o in LegacyOffer.allCases {
                let cl = a.legacyClients(o)
                let conns = cl.reduce(0) { $0 + $1.1 }
                let list = cl.prefix(12).map { "\(escape($0.0.description)) (\($0.1))" }.joined(separator: ", ") + (cl.count > 12 ? ", …" : "")
                h += "<tr><td>\(escape(o.rawValue))</td><td class=\"n\">\(cl.count)</td><td class=\"n\">\(conns)</td><td class=\"mono\">\(cl.isEmpty ? "<span class=\"muted\">none</span>" : list)</td></tr>\n"
            }
            h += "</table>\n"
            let fps = a.topFingerprints
            if !fps.isEmpty {
                h += "<h2>Most common JA4 fingerprints</h2>\n<table><tr><th>JA4</th><th class=\"n\">connections</th><th class=\"n\">failed</th><th class=\"n\">clients</th><th>server names</th></tr>\n"
                for (fp, t) in fps.prefix(20) {
                    let names = BatchAggregates.ranked(t.serverNames, by: { $0 }).prefix(4).map { escape($0.0) }.joined(separator: ", ")
                    h += "<tr><td class=\"mono\">\(escape(fp))</td><td class=\"n\">\(t.connections)</td><td class=\"n\">\(t.failures)</td><td class=\"n\">\(t.clients.count)</td><td>\(names)</td></tr>\n"
                }
                h += "</table>\n"
                if fps.count > 20 { h += "<p class=\"muted small\">… and \(fps.count - 20) more fingerprints.</p>\n" }
            }
        }

        // Failures per server.
        if r.failureCount > 0 {
            h += "<h2>Failures by server</h2>\n"
            var byServer: [Endpoint: [ConnectionReport]] = [:]
            for list in r.failuresByCapture { for f in list { byServer[f.facts.server, default: []].append(f) } }
            for (server, t) in worst {
                guard let list = byServer[server] else { continue }
                h += "<section class=\"server\" id=\"\(anchor(server))\"><h3 class=\"mono\">\(escape(server.description))</h3>"
                h += "<p class=\"small\">\(t.failures) of \(t.connections) connection\(plural(t.connections)) did not succeed"
                if let p = r.knowledge.profile(server), p.successes > 0 {
                    let chosen = p.rankedSuites.prefix(3).map { "\(escape(Names.cipherSuite($0.0))) (\($0.1))" }.joined(separator: ", ")
                    h += "; \(p.successes) succeeded, choosing \(chosen)"
                }
                h += ".</p>\n<table><tr><th>start (UTC)</th><th>client</th><th>category</th><th>diagnosis</th><th>capture</th></tr>\n"
                // The first failure of each category is shown open: its evidence and hints in full.
                var shownOpen = Set<Category>()
                for f in list.prefix(failuresPerServer) {
                    h += failureRow(f, open: shownOpen.insert(f.diagnosis.category).inserted)
                }
                h += "</table>\n"
                if list.count > failuresPerServer {
                    h += "<p class=\"muted small\">… and \(list.count - failuresPerServer) more: see <code>--format jsonl</code>.</p>\n"
                }
                h += "</section>\n"
            }
        }

        let warned = r.captures.filter { !$0.record.warnings.isEmpty }
        if !r.notes.isEmpty || !warned.isEmpty {
            h += "<h2>Notes</h2>\n<ul>\n"
            for n in r.notes { h += "<li>\(escape(n))</li>\n" }
            for c in warned { for w in c.record.warnings { h += "<li><span class=\"mono\">\(escape(c.input.path))</span>: \(escape(w))</li>\n" } }
            h += "</ul>\n"
        }
        h += "<p class=\"muted small\">Made by tlsdiag batch in \(JSONWriter.format(r.elapsedSeconds, decimals: 1)) s.</p>\n"
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    static func failureRow(_ f: ConnectionReport, open: Bool) -> String {
        let d = f.diagnosis
        let start = CivilTime.iso8601(f.facts.first.time, fraction: false).dropLast().replacingOccurrencesOfT()
        var h = "<tr><td class=\"mono nowrap\">\(escape(start))</td>"
        h += "<td class=\"mono\">\(escape(f.facts.client.description))</td>"
        h += "<td class=\"nowrap\">\(category(d.category, outcome: d.outcome))\(d.blame.map { "<br><span class=\"small muted\">blame: \(escape($0.rawValue))</span>" } ?? "")</td>"
        h += "<td class=\"diag\"><details\(open ? " open" : "")><summary>\(escape(d.summary))</summary>"
        if !d.evidence.isEmpty {
            h += "<div class=\"small\"><b>Evidence</b><ul>"
            for e in d.evidence {
                let ms = JSONWriter.format(e.time.milliseconds(since: f.facts.first.time), decimals: 3)
                h += "<li><span class=\"mono\">#\(e.packet) +\(ms) ms</span> \(escape(e.text))</li>"
            }
            h += "</ul></div>"
        }
        if let inf = d.inference { h += "<div class=\"small\"><b>Inferred:</b> \(escape(inf))</div>" }
        if !d.hints.isEmpty {
            h += "<div class=\"small\"><b>Why, and what to check</b><ul>"
            for hint in d.hints { h += "<li>\(escape(hint))</li>" }
            h += "</ul></div>"
        }
        h += "</details></td><td class=\"mono small cap\">\(breakable(f.capture))</td></tr>\n"
        return h
    }

    /// A path that may wrap after each slash.
    static func breakable(_ path: String) -> String {
        escape(path).split(separator: "/", omittingEmptySubsequences: false).joined(separator: "/<wbr>")
    }

    static func category(_ c: Category, outcome: Outcome = .failure) -> String {
        let cls = outcome == .incomplete ? "cat incomplete" : (outcome == .notTLS ? "cat not-tls" : "cat")
        return "<span class=\"\(cls)\">\(escape(c.rawValue))</span>"
    }

    static func anchor(_ e: Endpoint) -> String {
        "server-" + String(e.description.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    static func card(_ label: String, _ n: Int, _ cls: String = "") -> String {
        "<div class=\"card\(cls.isEmpty ? "" : " " + cls)\"><b>\(n)</b><span>\(escape(label))</span></div>"
    }

    static func legend(_ items: [(String, String)]) -> String {
        "<div class=\"legend\">" + items.map { "<span><i style=\"background:\($0.1)\"></i>\(escape($0.0))</span>" }.joined() + "</div>"
    }

    static let okColor = "#3b8f5a", failColor = "#c8412f", altColor = "#5470c6"

    static func plural(_ n: Int) -> String { n == 1 ? "" : "s" }

    // MARK: - Charts (inline SVG)

    /// Horizontal bars, one group per row, one bar per series.
    static func barChart(_ rows: [(String, [Int])], series colors: [String]) -> String {
        guard !rows.isEmpty else {
            return "<svg width=\"640\" height=\"40\" role=\"img\"><text x=\"0\" y=\"24\">none</text></svg>"
        }
        let labelWidth = min(340, max(80, (rows.map { $0.0.count }.max() ?? 0) * 7 + 10))
        let width = 640, plot = width - labelWidth - 60
        let barH = colors.count > 1 ? 12 : 15, groupH = barH * colors.count + 8
        let height = rows.count * groupH + 8
        let maxV = max(1, rows.flatMap { $0.1 }.max() ?? 1)
        var s = "<svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        for (i, (label, values)) in rows.enumerated() {
            let y0 = 4 + i * groupH
            s += "<text x=\"\(labelWidth - 8)\" y=\"\(y0 + groupH / 2 + 1)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escape(label))</text>"
            for (j, v) in values.enumerated() {
                let w = v == 0 ? 0 : max(2, v * plot / maxV)
                let y = y0 + j * barH + 2
                s += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(w)\" height=\"\(barH - 1)\" fill=\"\(colors[j % colors.count])\" rx=\"2\"><title>\(escape(label)): \(v)</title></rect>"
                if v > 0 || values.count == 1 {
                    s += "<text x=\"\(labelWidth + w + 4)\" y=\"\(y + barH / 2)\" dominant-baseline=\"middle\">\(v)</text>"
                }
            }
        }
        s += "<line x1=\"\(labelWidth)\" y1=\"0\" x2=\"\(labelWidth)\" y2=\"\(height)\" stroke=\"#98a2b3\"/>"
        return s + "</svg>"
    }

    /// Vertical stacked bars: successes below, failures on top, one per time bucket.
    static func timeChart(_ buckets: [TimeBucket]) -> String {
        let width = 640, height = 230, left = 44, bottom = 46, top = 10
        guard !buckets.isEmpty else {
            return "<svg width=\"\(width)\" height=\"40\" role=\"img\"><text x=\"0\" y=\"24\">no connections</text></svg>"
        }
        let plotW = width - left - 10, plotH = height - top - bottom
        let maxV = max(1, buckets.map { $0.successes + $0.failures }.max() ?? 1)
        let slot = Double(plotW) / Double(buckets.count)
        let barW = min(48, max(1.0, slot * 0.8))
        var s = "<svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        // Axis and grid: 0, half, max.
        for (frac, v) in [(0.0, 0), (0.5, maxV / 2), (1.0, maxV)] where frac == 0 || v > 0 {
            let y = Double(top + plotH) - frac * Double(plotH)
            s += "<line x1=\"\(left)\" y1=\"\(fmt(y))\" x2=\"\(width - 10)\" y2=\"\(fmt(y))\" stroke=\"#e4e7ec\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(fmt(y))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(v)</text>"
        }
        let labelEvery = max(1, Int((Double(buckets.count) / 6).rounded(.up)))
        for (i, b) in buckets.enumerated() {
            let x = Double(left) + Double(i) * slot + (slot - barW) / 2
            let hOK = Double(b.successes) / Double(maxV) * Double(plotH)
            let hFail = Double(b.failures) / Double(maxV) * Double(plotH)
            let base = Double(top + plotH)
            let tip = "\(escape(b.label)): \(b.successes) succeeded, \(b.failures) did not"
            if b.successes > 0 {
                s += "<rect x=\"\(fmt(x))\" y=\"\(fmt(base - hOK))\" width=\"\(fmt(barW))\" height=\"\(fmt(max(1, hOK)))\" fill=\"\(okColor)\"><title>\(tip)</title></rect>"
            }
            if b.failures > 0 {
                s += "<rect x=\"\(fmt(x))\" y=\"\(fmt(base - hOK - hFail))\" width=\"\(fmt(barW))\" height=\"\(fmt(max(1, hFail)))\" fill=\"\(failColor)\"><title>\(tip)</title></rect>"
            }
            if i % labelEvery == 0 {
                let lx = x + barW / 2
                s += "<text x=\"\(fmt(lx))\" y=\"\(top + plotH + 14)\" text-anchor=\"middle\">\(escape(b.label))</text>"
            }
        }
        s += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - 10)\" y2=\"\(top + plotH)\" stroke=\"#98a2b3\"/>"
        return s + "</svg>"
    }

    static func fmt(_ v: Double) -> String { JSONWriter.format(v, decimals: 1) }
}

extension Substring {
    fileprivate func replacingOccurrencesOfT() -> String { String(map { $0 == "T" ? " " : $0 }) }
}
