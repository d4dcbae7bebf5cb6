import Foundation
import Testing

/// The whole pipeline (capture → decode → reassembly → TLSWire → JA4) against the fingerprints the
/// corpora's own tools recorded: FoxIO's JA4/JA4_r for every TCP ClientHello in ../shared/corpus/ja4
/// (the Python reference implementation's values), and Arkime's JA3/JA4/JA4_r for every TCP session
/// in ../shared/corpus/arkime. Each known difference is listed with its reason and checked to hold.
@Suite struct FingerprintCorpusTests {
    static func report(_ path: String) -> [[String: Any]] {
        CLIRun.run(["analyze", "--all-connections", "--format", "jsonl", path]).jsonLines
    }

    /// Every (ja4, ja4_r) of every ClientHello we read, first and second (after a HelloRetryRequest).
    static func hellos(_ conns: [[String: Any]]) -> [[String: Any]] {
        conns.flatMap { c in ["client_hello", "second_client_hello"].compactMap { c[$0] as? [String: Any] } }
    }

    /// ClientHellos FoxIO's tools saw that tlsdiag does not read, or reads differently, and why.
    static let ja4Exceptions: [String: String] = [
        "t13d151699_8daaf6152771_e5627efa2ab1": "tls-non-ascii-alpn: the first ALPN value is the bytes 0xba 0xad; FoxIO's JA4.md says a non-alphanumeric first or last character gives the first and last hex digits ('bd'); the Python and Rust implementations print '99'. tlsdiag follows the spec.",
    ]
    static let arkimeExceptions: [String: String] = [
        "openvpn_synthetic.pcap": "TLS carried inside OpenVPN's control-channel packets, not as a TLS stream: not decoded by tlsdiag.",
    ]

    @Test func foxioJA4ForEveryTCPClientHello() throws {
        let url = Repo.corpus.appendingPathComponent("ja4/expected/by_pcap.json")
        let data = try Data(contentsOf: url)
        let byPcap = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        var compared = 0
        for (pcap, impls) in byPcap.sorted(by: { $0.key < $1.key }) {
            guard let streams = impls["python"] as? [[String: Any]] else { continue }
            var expected: [(String, String?)] = []
            for s in streams {
                for (k, v) in s where k.hasPrefix("JA4.") {
                    guard let fp = v as? String, fp.hasPrefix("t") else { continue }   // TCP only
                    expected.append((fp, s["JA4_r" + k.dropFirst(3)] as? String))
                }
            }
            if expected.isEmpty { continue }
            let ours = FingerprintCorpusTests.hellos(FingerprintCorpusTests.report(Repo.corpus.appendingPathComponent("ja4/\(pcap)").path))
            let ja4s = Set(ours.compactMap { $0["ja4"] as? String }), raws = Set(ours.compactMap { $0["ja4_r"] as? String })
            for (fp, raw) in expected {
                compared += 1
                if let reason = FingerprintCorpusTests.ja4Exceptions[fp] {
                    #expect(!ja4s.contains(fp), "exception no longer holds: \(reason)")
                    continue
                }
                #expect(ja4s.contains(fp), "\(pcap): JA4 \(fp) not found; ours: \(ja4s.sorted())")
                if let raw { #expect(raws.contains(raw), "\(pcap): JA4_r \(raw) not found") }
            }
        }
        #expect(compared >= 25)
    }

    @Test func arkimeJA3AndJA4ForEveryTCPSession() throws {
        let text = try String(contentsOf: Repo.corpus.appendingPathComponent("arkime/expected/sessions_tls.jsonl"), encoding: .utf8)
        var compared = 0
        var cache: [String: [[String: Any]]] = [:]
        func endpoint(_ s: String) -> String {
            guard let i = s.lastIndex(of: ":") else { return s }
            let host = s[..<i]
            return host.contains(":") ? "[\(host)]\(s[i...])" : s
        }
        for line in text.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard o["ipProtocol"] as? Int == 6, let tls = o["tls"] as? [String: Any],
                  let ja4 = (tls["ja4"] as? [String])?.first else { continue }
            let pcap = o["pcap"] as! String
            if cache[pcap] == nil { cache[pcap] = FingerprintCorpusTests.report(Repo.corpus.appendingPathComponent("arkime/pcap/\(pcap)").path) }
            let src = endpoint(o["src"] as! String), dst = endpoint(o["dst"] as! String)
            let conn = cache[pcap]!.first { ($0["client"] as? String == src && $0["server"] as? String == dst) }
            let hello = conn?["client_hello"] as? [String: Any]
            compared += 1
            if let reason = FingerprintCorpusTests.arkimeExceptions[pcap] {
                #expect(hello == nil, "exception no longer holds: \(reason)")
                continue
            }
            #expect(hello?["ja4"] as? String == ja4, "\(pcap) \(src): JA4")
            if let r = (tls["ja4_r"] as? [String])?.first { #expect(hello?["ja4_r"] as? String == r, "\(pcap) \(src): JA4_r") }
            if let j = (tls["ja3"] as? [String])?.first { #expect(hello?["ja3"] as? String == j, "\(pcap) \(src): JA3") }
            if let s = (tls["ja3string"] as? [String])?.first { #expect(hello?["ja3_string"] as? String == s, "\(pcap) \(src): JA3 string") }
        }
        #expect(compared >= 30)
    }
}
