import Testing
import Foundation
import Synchronization
import NetCore
import Handshake
@testable import Diagnosis

/// The texts of verdicts made faster than by interpolation must be exactly the interpolated ones.
@Suite struct DiagnosisTextTests {
    /// Values around every rounding and trimming boundary, and a spread of others.
    static let values: [Double] = {
        var out: [Double] = [0, -0.0, 0.004, 0.005, 0.0049, 0.05, 0.1, 0.15, 0.95, 0.995, 0.999, 1, 1.05, 9.995, 10.5,
                             99.95, 99.995, 100.1, 999.95, 999.999, 1e6 + 0.5, 123_456_789.125, 999_999_999_999.99]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let mantissa = Double(x % 1_000_000_007) / 1_000
            let exponent = Double(Int(x >> 40) % 12 - 4)
            out.append(mantissa * pow10(exponent))
        }
        // Every hundredth from -20 to 20.
        for i in -2000...2000 { out.append(Double(i) / 100) }
        return out + out.map { -$0 }
    }()

    static func pow10(_ e: Double) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<Int(e) { r *= 10 } } else { for _ in 0..<Int(-e) { r /= 10 } }
        return r
    }

    @Test(arguments: [0, 1, 2])
    func trimmedEqualsNumberText(decimals: Int) {
        var checked = 0
        for v in Self.values where abs(v) < 1e12 {
            #expect(Builder.trimmed(v, decimals: decimals) == NumberText.trimmed(v, decimals: decimals), "\(v)")
            checked += 1
        }
        #expect(checked > 40_000)
        // Out of its range it is NumberText.
        #expect(Builder.trimmed(3e15 + 0.5, decimals: 1) == NumberText.trimmed(3e15 + 0.5, decimals: 1))
        #expect(Builder.trimmed(.infinity, decimals: 1) == NumberText.trimmed(.infinity, decimals: 1))
        #expect(Builder.trimmed(1.25, decimals: 3) == NumberText.trimmed(1.25, decimals: 3))
    }

    @Test func durationsAsTheyWereWritten() {
        func old(_ ns: Int64) -> String {
            let v = Double(ns)
            if abs(v) < 1_000_000 { return "\(NumberText.trimmed(v / 1000, decimals: 0)) µs" }
            if abs(v) < 1_000_000_000 { return "\(NumberText.trimmed(v / 1_000_000, decimals: 1)) ms" }
            return "\(NumberText.trimmed(v / 1_000_000_000, decimals: 2)) s"
        }
        var x: UInt64 = 12345
        var checked = 0
        for shift in 0..<63 {
            for _ in 0..<50 {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                let ns = Int64(truncatingIfNeeded: x >> UInt64(shift))
                #expect(Builder.formatDuration(ns) == old(ns), "\(ns)")
                #expect(Builder.formatDuration(-ns) == old(-ns), "\(-ns)")
                checked += 1
            }
        }
        for ns: Int64 in [0, 499, 500, 999_499, 999_500, 999_999, 1_000_000, 1_049_999, 1_050_000, 999_949_999, 999_950_000,
                          999_999_999, 1_000_000_000, 1_004_999_999, 1_005_000_000, .max, .min + 1] {
            #expect(Builder.formatDuration(ns) == old(ns), "\(ns)")
        }
        #expect(checked > 3000)
    }

    /// A session's remembered durations are the written ones: every value near a rounding boundary
    /// and a spread of others, each asked twice (made, then remembered), with slots taken over by
    /// other keys in between.
    @Test func rememberedDurationsAreTheWrittenOnes() {
        let texts = VerdictTexts()
        var all: [Int64] = [0, 1, -1, 499, 500, 501, 999_499, 999_500, 999_999, 1_000_000, 1_049_999, 1_050_000, 999_949_999,
                            999_950_000, 999_999_999, 1_000_000_000, 1_004_999_999, 1_005_000_000, .max, .min, .min + 1]
        var x: UInt64 = 0xDEAD_BEEF
        for shift in 0..<63 {
            for _ in 0..<40 {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                all.append(Int64(truncatingIfNeeded: x >> UInt64(shift)))
            }
        }
        // Neighbours of the same text (same key): 1,250,000 to 1,349,999 ns are all "1.3 ms".
        for ns in stride(from: Int64(1_249_000), through: 1_351_000, by: 997) { all.append(ns) }
        var remembered = 0
        for ns in all + all + all.reversed() {
            let made = Builder.formatDuration(ns)
            if let key = Builder.durationKey(ns) {
                #expect(key == Builder.durationKey(ns))
                remembered += 1
            }
            #expect(texts.duration(ns) == made, "\(ns)")
        }
        #expect(remembered == 3 * all.count)
    }

    @Test func successTextsAreTheirKeysTexts() {
        // More keys than slots: entries are overwritten, and every answer is still its own key's.
        for round in 0..<2 {
            for version: UInt16 in [0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f17, 0xfefd] {
                for suite: UInt16 in [0x0005, 0x002f, 0x0035, 0x009c, 0xc02b, 0xc02f, 0xc030, 0xcca8, 0x1301, 0x1302, 0x1303, 0xabcd] {
                    let t = SuccessTexts.for(version: version, suite: suite)
                    let v = Names.version(version), s = Names.cipherSuite(suite)
                    #expect(t.serverHello == "ServerHello: \(v), \(s)", "round \(round)")
                    #expect(t.summary == "handshake completed: \(v), \(s)")
                    #expect(t.summaryResumed == "handshake completed: \(v), \(s), resumed")
                }
            }
        }
        for i in 0..<300 {
            let subject = "CN=host\(i % 150).example, O=Example \(i % 7)"
            #expect(SuccessTexts.certificate(subject) == "server certificate: \(subject)")
            let sni: String? = i % 5 == 0 ? nil : "h\(i % 97).example.org"
            let text = SuccessTexts.hello(maxVersion: i % 2 == 0 ? 0x0304 : 0x0303, suites: i % 40, sni: sni)
            let expected = "ClientHello (up to \(Names.version(i % 2 == 0 ? 0x0304 : 0x0303)), \(i % 40) suites, \(sni.map { "SNI \($0)" } ?? "no SNI"))"
            #expect(text == expected)
        }
        for n in [0, 9, 10, 99, 100, 12345, 99_999, 100_000, -1, Int.max] { #expect(Diagnoser.decimal(n) == String(n)) }
    }
}

@Test("a plaintext answer complains of TLS exactly when its upper-cased text contains HTTPS, SSL, TLS or 400")
func complaintSearchEqualsUppercasedContains() {
    let reference = { (s: String) in ["HTTPS", "SSL", "TLS", "400"].contains { s.uppercased().contains($0) } }
    var samples = ["HTTP/1.1 400 Bad Request", "http/1.1 200 OK", "This port speaks https only", "ssl required", "tls", "tl s",
                   "40 0", "", "4", "HTTPS", "xhttpsx", "Use TlS\r\n", "ß l", "ßl", "straße", "e\u{301}ssl", "SS\u{301}L",
                   "TL\u{301}S", "😀TLS", "tls😀", "\r\n400\r\n", "h\u{0}ttps", "SMTP 220 ready", "-ERR", "* OK IMAP4 ready"]
    // Deterministic pseudo-random strings over pieces that make and break the words.
    var x: UInt64 = 0x2545_F491_4F6C_DD1D
    func next(_ n: Int) -> Int { x = x &* 6364136223846793005 &+ 1442695040888963407; return Int((x >> 33) % UInt64(n)) }
    let pieces = ["h", "t", "p", "s", "S", "L", "T", "l", "4", "0", " ", "\r\n", "ß", "é", "e\u{301}", "x"]
    for _ in 0..<3_000 { samples.append((0..<next(9)).map { _ in pieces[next(pieces.count)] }.joined()) }
    for s in samples {
        #expect(Diagnoser.complainsOfTLS(s) == reference(s), "\(s.debugDescription)")
    }
}

@Test("each thread reads the shared texts from its own tables, and every thread gets the same texts")
func successTextsPerThread() throws {
    let expected = (Diagnoser.helloText(maxVersion: 0x0304, suites: 17, sni: "example.com"),
                    SuccessTexts.make(version: 0x0303, suite: 0xc02f).summary)
    let results = Mutex<[(slot: Int, hello: String, summary: String)]>([])
    let done = DispatchSemaphore(value: 0)
    for _ in 0..<4 {
        Thread.detachNewThread {
            let hello = SuccessTexts.hello(maxVersion: 0x0304, suites: 17, sni: "example.com")
            let summary = SuccessTexts.for(version: 0x0303, suite: 0xc02f).summary
            results.withLock { $0.append((ThreadSlot.current, hello, summary)) }
            done.signal()
        }
    }
    for _ in 0..<4 { done.wait() }
    let got = results.withLock { $0 }
    #expect(got.count == 4)
    #expect(Set(got.map(\.slot)).count == 4, "each thread has its own number")
    #expect(got.allSatisfy { $0.hello == expected.0 && $0.summary == expected.1 })
}
