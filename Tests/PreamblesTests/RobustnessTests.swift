import Testing
@testable import Preambles

/// SplitMix64: a fixed-seed generator so every run feeds the same inputs.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let allTraces: [Trace] = [
    Traces.rdpToSSL, Traces.rdpNoCookie, Traces.smtpStarttls, Traces.arkimeSmtpStarttls, Traces.imapStarttls,
    Traces.pop3Starttls, Traces.ftpAuthTLS, Traces.xmppStarttls, Traces.xmppDialbackStarttls, Traces.ircStarttls,
    Traces.ldapStarttls, Traces.psqlPreferred, Traces.psqlRequire, Traces.psqlRequire15432, Traces.mysqlEncrypted,
    Traces.mysqlTLS12RDS, Traces.mysqlTLS13RDS, Traces.arkimeMysqlTLS, Traces.httpsInSmtpTrace, Traces.smtpPlain,
    Traces.socksHttpsExample4, Traces.socksHttpsExample5, Traces.socksWithSSL, Traces.socks4aHttps, Traces.httpsConnect,
    Traces.connectWithHeader, Traces.adbSTLS, Traces.adbPlain,
]

/// Checks what must hold for any input: once decided the verdict never changes, a `.notTLS`
/// carries an issue, and TLS offsets lie within the bytes fed when the verdict came.
private func expectSane(_ segments: [Segment], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let inc = detectByteByByte(segments)
    #expect(!inc.changedAfterDeciding, "\(label)", sourceLocation: sourceLocation)
    if inc.firstVerdict != .undecided {
        #expect(inc.detector.verdictAtEnd == inc.firstVerdict, "\(label)", sourceLocation: sourceLocation)
    }
    if inc.firstVerdict == .notTLS {
        #expect(inc.detector.issue != nil, "\(label)", sourceLocation: sourceLocation)
    }
    if let o = inc.firstVerdict.offsets, let c = inc.decidedClient, let s = inc.decidedServer {
        #expect(o.client >= 0 && o.client <= c && o.server >= 0 && o.server <= s, "\(label)", sourceLocation: sourceLocation)
    }
}

@Suite struct RobustnessTests {
    /// Every trace cut at every length of each side, fed whole: no trap, and a cut never yields
    /// a different decided verdict than the full trace (only `.undecided` or the same answer).
    @Test(arguments: allTraces)
    func truncations(trace: Trace) {
        let client = trace.client, server = trace.server
        let full = detectWhole(client: client, server: server, port: trace.serverPort).0
        for n in 0...client.count {
            let v = detectWhole(client: Array(client.prefix(n)), server: server, port: trace.serverPort).0
            #expect(v == .undecided || v == full, "client cut at \(n): \(v)")
        }
        for n in 0...server.count {
            let v = detectWhole(client: client, server: Array(server.prefix(n)), port: trace.serverPort).0
            #expect(v == .undecided || v == full || v == .tls(clientOffset: 0, serverOffset: 0, preamble: nil) && n == 0,
                    "server cut at \(n): \(v)")
        }
    }

    /// Traces with random bytes changed, dropped or inserted, fed one byte at a time.
    @Test func mutatedTraces() {
        var rng = SplitMix64(state: 0x5EED)
        for round in 0..<400 {
            let trace = allTraces[Int(rng.next() % UInt64(allTraces.count))]
            var segments = trace.segments
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(segments.count))
                guard !segments[i].bytes.isEmpty else { continue }
                let at = Int(rng.next() % UInt64(segments[i].bytes.count))
                switch rng.next() % 3 {
                case 0: segments[i].bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: segments[i].bytes.remove(at: at)
                default: segments[i].bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
            }
            expectSane(segments, "round \(round) on \(trace.file)")
        }
    }

    /// Random bytes after each known opening (TPKT, PostgreSQL, BER, XML, greetings, TLS).
    @Test func randomTails() {
        let openings: [(client: [UInt8], server: [UInt8])] = [
            ([0x03, 0x00], []), ([0x03, 0x00, 0x00, 0x13, 0x0E, 0xE0], [0x03, 0x00, 0x00, 0x13, 0x0E, 0xD0]),
            ([0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F], []), ([0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x30], [0x4E]),
            ([0x30], []), ([0x30, 0x84], []), ([0x30, 0x1D, 0x02, 0x01, 0x01, 0x77, 0x18], [0x30]),
            (Array("<stream:stream ".utf8), Array("<stream:stream>".utf8)), (Array("<?xml ".utf8), []),
            ([], Array("220 ".utf8)), ([], Array("+OK ".utf8)), ([], Array("* OK ".utf8)), ([], Array(":irc ".utf8)),
            (Array("STARTTLS\r\n".utf8), []), (Array("a STARTTLS\r\n".utf8), Array("* OK\r\n".utf8)),
            ([], [0x4A, 0x00, 0x00, 0x00, 0x0A]), ([0x20, 0x00, 0x00, 0x01], [0x4A, 0x00, 0x00, 0x00, 0x0A]),
            ([0x16, 0x03], []), ([0x80], []), ([], []),
            ([0x04, 0x01, 0x01, 0xBB], []), ([0x04, 0x01, 0x01, 0xBB, 0, 0, 0, 1, 0x00], [0x00, 0x5A]),
            ([0x05, 0x01, 0x00], [0x05, 0x00]), ([0x05, 0x02, 0x00, 0x02, 0x01], [0x05, 0x02]),
            ([0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03], [0x05, 0x00, 0x05, 0x00, 0x00]),
            (Array("CONNECT a:443 HTTP/1.1\r\n".utf8), Array("HTTP/1.1 ".utf8)),
            (Array("CONNECT a:443 HTTP/1.1\r\n\r\n".utf8), Array("HTTP/1.1 407 x\r\nContent-Length: 3\r\n\r\nabc".utf8)),
            (Array("CONNECT a:443 HTTP/1.1\r\n\r\n".utf8), Array("HTTP/1.1 407 x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)),
            (Array("CNXN".utf8), []), (bytesFromHex("434e584e01000001000004000700000032020000bcb1a7b1686f73743a3a00"), Array("STLS".utf8)),
        ]
        var rng = SplitMix64(state: 42)
        for round in 0..<600 {
            let (c0, s0) = openings[round % openings.count]
            let printable = rng.next() % 2 == 0
            func tail() -> [UInt8] {
                (0..<Int(rng.next() % 200)).map { _ in
                    let r = UInt8(truncatingIfNeeded: rng.next())
                    return printable ? (r % 8 == 0 ? 0x0A : 0x20 + r % 95) : r
                }
            }
            let segments: [Segment] = [.c(bytes: c0 + tail()), .s(bytes: s0 + tail()), .c(bytes: tail()), .s(bytes: tail())]
            expectSane(segments, "round \(round)")
        }
    }

    /// Text that never reaches a verdict stops at the byte limit, exactly one byte past it.
    @Test func byteLimit() {
        let noop = Array("NOOP\r\n".utf8)
        var client: [UInt8] = []
        while client.count <= PreambleDetector.byteLimit { client += noop }
        let segments: [Segment] = [.s(text: "220 mx\r\n"), .c(bytes: client)]
        let inc = detectByteByByte(segments)
        #expect(inc.firstVerdict == .notTLS)
        #expect(inc.decidedClient == PreambleDetector.byteLimit + 1)
        #expect(inc.detector.issue?.code == .limitReached)
        #expect(inc.detector.issue?.direction == .client)
    }

    /// Text that is no known command: decided once the second word is complete (any first word
    /// could be an IMAP tag), or at the end of a one-word first line.
    @Test func notTLSStarts() {
        let cases: [(String, Int)] = [("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 6), ("SSH-2.0-OpenSSH_9.2p1\r\n", 23), ("HELLO WORLD\r\n", 12)]
        for (text, at) in cases {
            let inc = detectByteByByte([.c(text: text)])
            #expect(inc.firstVerdict == .notTLS, "\(text)")
            #expect(inc.decidedClient == at, "\(text)")
            #expect(inc.detector.issue?.code == .unrecognized)
        }
        // Binary garbage with a silent server: decided after four bytes.
        let inc = detectByteByByte([.c("0102030405")])
        #expect(inc.firstVerdict == .notTLS && inc.decidedClient == 4)
        // An SSH server banner first: wait for the client, whose first word then tells.
        let ssh = detectByteByByte([.s(text: "SSH-2.0-OpenSSH_9.2\r\n"), .c(text: "SSH-2.0-PuTTY\r\n")])
        #expect(ssh.firstVerdict == .notTLS && ssh.decidedClient == 14 && ssh.decidedServer == 21)
        // Nothing at all: nothing to say.
        #expect(detectWhole(client: [], server: []).0 == .undecided)
    }

    /// After a verdict the detector answers the same whatever it is fed.
    @Test func verdictSticks() {
        var d = PreambleDetector()
        let ssl = bytesFromHex("0000000804d2162f")
        let s: [UInt8] = [0x53]
        let first = ssl.withUnsafeBytes { c in s.withUnsafeBytes { d.feed(client: c, server: $0) } }
        #expect(first.offsets?.client == 8)
        let junk = Array("GET / HTTP/1.1\r\n".utf8)
        let again = junk.withUnsafeBytes { c in junk.withUnsafeBytes { d.feed(client: c, server: $0) } }
        #expect(again == first)
    }

    /// A prefix shorter than before: the detector starts over on the new bytes and says so.
    @Test func shrinkingPrefixRestarts() {
        var d = PreambleDetector()
        let greeting = Array("220 mx\r\n".utf8)
        let ehlo = Array("EHLO a\r\n".utf8)
        let v1 = ehlo.withUnsafeBytes { c in greeting.withUnsafeBytes { d.feed(client: c, server: $0) } }
        #expect(v1 == .undecided)
        let tls = bytesFromHex("160301020001")
        let empty: [UInt8] = []
        let v2 = tls.withUnsafeBytes { c in empty.withUnsafeBytes { d.feed(client: c, server: $0) } }
        #expect(v2 == .tls(clientOffset: 0, serverOffset: 0, preamble: nil))
        #expect(d.issue?.code == .prefixShrank)
    }
}
