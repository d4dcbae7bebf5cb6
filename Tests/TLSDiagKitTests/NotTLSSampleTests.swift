import Testing
@testable import Handshake

/// The "not TLS" evidence sample (`HandshakeObserver.sample`), written straight into the string's
/// storage, against the character-by-character reference it replaced.
@Suite("not-TLS sample")
struct NotTLSSampleTests {
    /// The former implementation, kept as the reference.
    static func reference(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return nil }
        var s = ""
        var printable = 0
        for b in bytes.prefix(40) {
            if b >= 0x20 && b < 0x7f { s.unicodeScalars.append(Unicode.Scalar(b)); printable += 1 }
            else if b == 0x0d || b == 0x0a { s += " " }
            else { s += "." }
        }
        if printable < min(bytes.count, 40) / 2 {
            return "0x" + bytes.prefix(16).map { b -> String in let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h }.joined()
        }
        while s.hasSuffix(" ") { s.removeLast() }
        return "'" + s + "'"
    }

    @Test(arguments: [
        Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8),
        Array("SSH-2.0-OpenSSH_9.6\r\n".utf8),
        Array("   ".utf8),
        Array("a".utf8),
        [0x00],
        [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03],
        Array("EHLO mail.example.org\r\n".utf8) + [0xff, 0xfe, 0x80],
        Array(repeating: 0x41, count: 100),
        Array(repeating: 0x0a, count: 41),
        (0..<64).map { UInt8($0 * 4) },
    ])
    func matchesTheReference(_ bytes: [UInt8]) {
        #expect(HandshakeObserver.sample(bytes) == Self.reference(bytes))
    }

    @Test func matchesTheReferenceOnRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let n = Int.random(in: 0...70, using: &rng)
            // Mostly printable, mostly binary, and everything between.
            let printableShare = Int.random(in: 0...10, using: &rng)
            let bytes = (0..<n).map { _ -> UInt8 in
                Int.random(in: 0..<10, using: &rng) < printableShare ? UInt8.random(in: 0x20...0x7e, using: &rng)
                    : [0x0d, 0x0a, 0x00, 0x7f, 0xff, 0x16][Int.random(in: 0..<6, using: &rng)]
            }
            #expect(HandshakeObserver.sample(bytes) == Self.reference(bytes), "\(bytes)")
        }
    }

    @Test func emptyHasNoSample() {
        #expect(HandshakeObserver.sample([UInt8]()) == nil)
    }
}
