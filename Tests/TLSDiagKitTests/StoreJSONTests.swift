import Testing
import Foundation
import TLSDiagKit
import FlowTrack
import Handshake

/// The batch store's JSON coder (no Foundation in TLSDiagKit): every connection of every capture in
/// Captures/ goes through it unchanged, and its text is interchangeable with Foundation's
/// JSONEncoder/JSONDecoder (stores written by earlier builds, which used those, still read).
@Suite("store JSON")
struct StoreJSONTests {
    static func connections(_ file: String) -> [StoredConnection] {
        var out: [StoredConnection] = []
        let path = Repo.capture(file)
        _ = CaptureAnalyzer.analyze(path: path, options: AnalysisOptions()) { c, h in
            out.append(StoredConnection(connection: c, handshake: h))
        }
        return out
    }

    static var captureFiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: Repo.captures.path))?
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted() ?? []
    }

    @Test("Captures/ holds the captures this suite reads")
    func capturesPresent() {
        #expect(StoreJSONTests.captureFiles.count >= 50)
    }

    @Test("every connection of a capture: ours → ours, Foundation → ours, ours → Foundation, all equal", arguments: StoreJSONTests.captureFiles)
    func roundTrip(_ file: String) throws {
        let list = StoreJSONTests.connections(file)
        #expect(!list.isEmpty, "\(file): no connections")
        for s in list {
            let ours = try StoreJSON.encode(s)
            let back = try StoreJSON.decode(StoredConnection.self, from: ours)
            #expect(back.connection == s.connection && back.handshake == s.handshake, "\(file) \(s.connection.client)")
            let theirs = try JSONEncoder().encode(s)
            let fromTheirs = try StoreJSON.decode(StoredConnection.self, from: Array(theirs))
            #expect(fromTheirs.connection == s.connection && fromTheirs.handshake == s.handshake)
            let byFoundation = try JSONDecoder().decode(StoredConnection.self, from: Data(ours))
            #expect(byFoundation.connection == s.connection && byFoundation.handshake == s.handshake)
        }
    }

    struct Edge: Codable, Equatable {
        var text: String
        var optional: String?
        var list: [Int64]
        var nested: [[UInt8]]
        var big: UInt64
        var small: Int64
        var flag: Bool
        var kind: Kind
        enum Kind: Codable, Equatable { case plain, gap(offset: UInt64, length: UInt64), note(String) }
    }

    @Test("strings, integers at their limits, optionals, nested arrays, enums with payloads", arguments: [
        Edge(text: "", optional: nil, list: [], nested: [], big: 0, small: 0, flag: false, kind: .plain),
        Edge(text: "quote \" backslash \\ slash / tab \t nl \n cr \r nul \u{0} bell \u{7} del \u{7f}", optional: "",
             list: [Int64.min, -1, 0, 1, Int64.max], nested: [[], [0, 255]], big: UInt64.max, small: Int64.min, flag: true,
             kind: .gap(offset: UInt64.max, length: 0)),
        Edge(text: "é ü 中文 𝄞 \u{2028} \u{fffd} e\u{301}", optional: "x", list: [42], nested: [[1]], big: 1, small: -1, flag: true,
             kind: .note("ünïcödé \"q\"")),
    ])
    func edgeValues(_ e: Edge) throws {
        let ours = try StoreJSON.encode(e)
        #expect(try StoreJSON.decode(Edge.self, from: ours) == e)
        #expect(try JSONDecoder().decode(Edge.self, from: Data(ours)) == e)
        #expect(try StoreJSON.decode(Edge.self, from: Array(JSONEncoder().encode(e))) == e)
    }

    @Test("escapes as JSON writers may write them: \\u with surrogate pairs, upper-case hex, white space, 1e2 integers")
    func readsOtherSpellings() throws {
        let text = #" { "text" : "\u00e9\uD834\uDD1E\u002F\/" , "list" : [ 1e2 , -0 ] , "nested" : [ ] , "big" : 18446744073709551615 , "small" : -9223372036854775808 , "flag" : false , "kind" : { "plain" : { } } } "#
        let e = try StoreJSON.decode(Edge.self, from: Array(text.utf8))
        #expect(e.text == "é𝄞//")
        #expect(e.list == [100, 0])
        #expect(e.optional == nil)
        #expect(e.big == UInt64.max && e.small == Int64.min)
        #expect(e.kind == .plain)
    }

    @Test("bad text and values that do not fit are errors, not traps", arguments: [
        "", "{", "[", "{\"text\":", "{\"text\":\"abc", "{\"text\":\"\\x\"}", "{\"text\":\"\\u12\"}", "nul", "tru", "{} x",
        String(repeating: "[", count: 10_000), "{\"text\":\"a\",\"list\":[1.5]}", "{\"text\":\"a\",\"list\":[99999999999999999999]}",
        "{\"text\":1}", "{\"text\":\"a\",\"list\":{}}",
    ])
    func badText(_ text: String) {
        #expect(throws: DecodingError.self) { try StoreJSON.decode(Edge.self, from: Array(text.utf8)) }
    }

    @Test("a missing key names the key")
    func missingKey() {
        do {
            _ = try StoreJSON.decode(Edge.self, from: Array(#"{"text":"a"}"#.utf8))
            Issue.record("decoded without its keys")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "list")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
