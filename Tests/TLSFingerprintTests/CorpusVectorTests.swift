// The corpus vectors (Vectors.swift): each real ClientHello must give exactly the fingerprints the
// corpora's tools recorded for it, and the copied expectations must still be what the files say.

import Foundation
import Testing
import TLSFingerprint

@Suite("Corpus vectors")
struct CorpusVectorTests {
    @Test("JA4 matches the recorded value", arguments: Vectors.all.filter { $0.ja4 != nil })
    func ja4(_ v: Vector) {
        #expect(JA4.fingerprint(v.input) == v.ja4)
    }

    @Test("JA4_r matches the recorded value", arguments: Vectors.all.filter { $0.ja4r != nil })
    func ja4Raw(_ v: Vector) {
        #expect(JA4.raw(v.input) == v.ja4r)
    }

    @Test("JA3 string matches Arkime's ja3string", arguments: Vectors.all.filter { $0.ja3String != nil })
    func ja3String(_ v: Vector) {
        #expect(JA3.string(v.input) == v.ja3String)
    }

    @Test("JA3 hash matches Arkime's ja3", arguments: Vectors.all.filter { $0.ja3 != nil })
    func ja3Hash(_ v: Vector) {
        #expect(JA3.hash(v.input) == v.ja3)
        let both = JA3.stringAndHash(v.input)
        #expect(both.string == JA3.string(v.input) && both.hash == v.ja3)
    }

    /// The hashed sections of JA4 are the truncated SHA-256 of JA4_r's sections (or twelve zeros
    /// when a list is empty), for every vector, whatever its source recorded.
    @Test("JA4's hashes are the SHA-256 of JA4_r's lists", arguments: Vectors.all)
    func hashedMatchesRaw(_ v: Vector) throws {
        let (fp, raw) = JA4.fingerprintAndRaw(v.input)
        #expect(fp == JA4.fingerprint(v.input) && raw == JA4.raw(v.input))
        let f = fp.split(separator: "_", omittingEmptySubsequences: false)
        try #require(f.count == 3)
        // JA4_r: a _ ciphers _ extensions [_ signature algorithms]
        let r = raw.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        try #require(r.count == 3)
        #expect(f[0] == r[0])
        let ciphers = String(r[1]), rest = String(r[2])
        #expect(f[1] == (ciphers.isEmpty ? "000000000000" : Substring(Digest.sha256Hex(ciphers.utf8).prefix(12))))
        let extensionsOnly = rest.split(separator: "_", omittingEmptySubsequences: false)[0]
        #expect(f[2] == (extensionsOnly.isEmpty ? "000000000000" : Substring(Digest.sha256Hex(rest.utf8).prefix(12))))
    }

    @Test("the vectors cover at least 12 hellos, every transport and several stacks")
    func coverage() {
        let all = Vectors.all
        #expect(all.count >= 12)
        #expect(Set(all.map(\.input)).count >= 12)
        #expect(all.contains { $0.input.transport == .quic })
        #expect(all.contains { $0.input.transport == .dtls })
        #expect(all.contains { $0.input.transport == .tcp })
        #expect(Set(all.compactMap(\.ja4)).count >= 12)
        #expect(all.filter { $0.ja3 != nil }.count >= 8)
    }
}

/// Re-reads the expected files in shared/corpus and checks that every value copied into
/// Vectors.swift is the one recorded there for that capture and stream or session.
@Suite("Corpus files agree with the copied expectations")
struct CorpusCrossCheckTests {
    /// shared/corpus, beside the repository root (three levels up from this file).
    static let corpus: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")

    static func loadFoxIO() throws -> [String: Any] {
        let url = corpus.appendingPathComponent("ja4/expected/by_pcap.json")
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(url.path) is not a JSON object")
    }

    static func loadArkime() throws -> [[String: Any]] {
        let url = corpus.appendingPathComponent("arkime/expected/sessions_tls.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("shared/corpus is present (tests must not pass without it)")
    func corpusPresent() {
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: Self.corpus.appendingPathComponent("ja4/expected/by_pcap.json").path),
                "shared corpus missing at \(Self.corpus.path): clone shared/ beside the repository")
        #expect(fm.fileExists(atPath: Self.corpus.appendingPathComponent("arkime/expected/sessions_tls.jsonl").path),
                "shared corpus missing at \(Self.corpus.path)")
    }

    @Test("each vector's capture exists", arguments: Vectors.all)
    func captureExists(_ v: Vector) {
        let path: String
        switch v.expectedFrom {
        case .foxio(let capture, _, _): path = capture
        case .arkime(let capture, _): path = "arkime/pcap/" + capture
        }
        #expect(FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent(path).path), "\(path)")
    }

    @Test("FoxIO values are as recorded in by_pcap.json",
          arguments: Vectors.all.filter { if case .foxio = $0.expectedFrom { true } else { false } })
    func foxio(_ v: Vector) throws {
        guard case .foxio(let capture, let implementation, let stream) = v.expectedFrom else { return }
        let file = try Self.loadFoxIO()
        let key = "pcap/" + (capture.split(separator: "/").last.map(String.init) ?? capture)
        let byImpl = try #require(file[key] as? [String: Any], "\(key) not in by_pcap.json")
        let records = try #require(byImpl[implementation] as? [[String: Any]], "no \(implementation) records for \(key)")
        let transport = v.input.transport == .tcp ? "tcp" : "udp"
        let record = try #require(records.first { r in
            (r["stream"] as? Int) == stream && (r["transport"] == nil || (r["transport"] as? String) == transport)
        }, "no stream \(stream) in \(key) / \(implementation)")
        let (ja4Key, ja4rKey) = implementation == "python" ? ("JA4.1", "JA4_r.1") : ("ja4", "ja4_r")
        let fileJA4 = record[ja4Key] as? String
        let fileJA4r = record[ja4rKey] as? String
        if let o = v.specOverride {
            #expect(fileJA4 == o.ja4InFile)
            #expect(fileJA4r == o.ja4rInFile)
            #expect(fileJA4 != v.ja4)
        } else {
            #expect(fileJA4 == v.ja4)
            #expect(fileJA4r == v.ja4r)
        }
    }

    @Test("Arkime values are as recorded in sessions_tls.jsonl",
          arguments: Vectors.all.filter { if case .arkime = $0.expectedFrom { true } else { false } })
    func arkime(_ v: Vector) throws {
        guard case .arkime(let capture, let source) = v.expectedFrom else { return }
        let sessions = try Self.loadArkime()
        let session = try #require(sessions.first { ($0["pcap"] as? String) == capture && ($0["src"] as? String) == source },
                                   "no session \(source) in \(capture)")
        let tls = try #require(session["tls"] as? [String: Any])
        func first(_ k: String) -> String? { (tls[k] as? [String])?.first }
        #expect(first("ja4") == v.ja4)
        #expect(first("ja4_r") == v.ja4r)
        #expect(first("ja3string") == v.ja3String)
        #expect(first("ja3") == v.ja3)
        #expect(v.specOverride == nil)
    }
}
