import Testing
@testable import Preambles

private func looks(_ bytes: [UInt8]) -> Bool? {
    bytes.withUnsafeBytes { PreambleDetector.looksLikeTLSStart($0) }
}

/// `looksLikeTLSStart` and connections without a preamble.
@Suite struct TLSStartTests {
    @Test func tlsRecordWithClientHello() {
        // Every legacy record version 0x0300...0x0304 is accepted.
        for minor: UInt8 in 0...4 {
            #expect(looks([0x16, 0x03, minor, 0x02, 0x00, 0x01]) == true)
        }
        #expect(looks([0x16, 0x03, 0x01, 0x48, 0x00, 0x01]) == true)  // 18432, the largest record
    }

    @Test func tlsRecordRejections() {
        #expect(looks([0x16, 0x02]) == false)                          // record major version not 3
        #expect(looks([0x16, 0x03, 0x05]) == false)                    // minor beyond TLS 1.3's 0x04
        #expect(looks([0x16, 0x03, 0x01, 0x00, 0x00]) == false)        // empty record
        #expect(looks([0x16, 0x03, 0x01, 0x48, 0x01]) == false)        // longer than 2^14 + 2048
        #expect(looks([0x16, 0x03, 0x01, 0x00, 0x40, 0x02]) == false)  // a ServerHello, not a ClientHello
        #expect(looks([0x17, 0x03, 0x03, 0x00, 0x40, 0x01]) == false)  // application data record
        #expect(looks(Array("GET / HTTP/1.1\r\n".utf8)) == false)
        #expect(looks([0x03, 0x00, 0x00, 0x13]) == false)              // TPKT
    }

    @Test func needsMoreBytes() {
        #expect(looks([]) == nil)
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]
        for n in 1..<6 { #expect(looks(Array(hello.prefix(n))) == nil, "prefix \(n)") }
        let v2: [UInt8] = [0x80, 0x2E, 0x01, 0x00, 0x02]
        for n in 1..<5 { #expect(looks(Array(v2.prefix(n))) == nil, "prefix \(n)") }
    }

    /// SSL 2.0 CLIENT-HELLO from zeek/traces/tls/ssl-v2.pcap (`tshark -r … -q -z follow,tcp,raw,0`,
    /// first client bytes), and SSLv2-format hellos announcing SSL 3.0 / TLS 1.0–1.2.
    @Test func sslv2ClientHello() {
        #expect(looks(bytesFromHex("802e0100020015000000100700c005008003008001")) == true)
        for minor: UInt8 in 0...3 { #expect(looks([0x80, 0x40, 0x01, 0x03, minor]) == true) }
        #expect(looks([0x80, 0x40, 0x01, 0x03, 0x04]) == false)  // no TLS 1.3 in SSLv2 format
        #expect(looks([0x80, 0x40, 0x01, 0x00, 0x03]) == false)  // SSL 2 must say 0x0002
        #expect(looks([0x80, 0x40, 0x04, 0x00, 0x02]) == false)  // SERVER-HELLO, not CLIENT-HELLO
        #expect(looks([0x80, 0x08]) == false)                    // too short for a CLIENT-HELLO
        #expect(looks([0x80, 0x40, 0x01, 0x01]) == false)        // version major neither 0 nor 3
    }

    /// An HTTPS connection (zeek/traces/smtp.pcap, stream 5): TLS at 0 in both directions, decided
    /// from the client's first six bytes alone, before the server has said anything.
    @Test func noPreambleFromTrace() {
        let t = Traces.httpsInSmtpTrace
        expectIncremental(t.segments, port: t.serverPort, decidesAt: 6, 0, .tls(clientOffset: 0, serverOffset: 0, preamble: nil))
    }

    @Test func sslv2HelloNeedsFiveBytes() {
        let segments: [Segment] = [.c("802e0100020015000000100700c005008003008001")]
        expectIncremental(segments, decidesAt: 5, 0, .tls(clientOffset: 0, serverOffset: 0, preamble: nil))
    }

    /// A client that opens with TLS after a STARTTLS-style greeting (implicit TLS against a
    /// plaintext port): no preamble, TLS at 0 — the server's greeting will show up as non-TLS.
    @Test func clientStartsTLSAfterGreeting() {
        let segments: [Segment] = [
            .s(text: "220 mail.example.net ESMTP\r\n"),
            .c("160303004a0100004603030102030405"),
        ]
        let greeting = 28
        expectIncremental(segments, decidesAt: 6, greeting, .tls(clientOffset: 0, serverOffset: 0, preamble: nil))
    }

    /// PostgreSQL 17 direct SSL: the client's TLS hello comes first, nothing special.
    @Test func postgresDirectSSL() {
        let segments: [Segment] = [.c("160301015c01000158030353fb384b5a")]
        expectIncremental(segments, port: 5432, decidesAt: 6, 0, .tls(clientOffset: 0, serverOffset: 0, preamble: nil))
    }
}
