import Testing
@testable import Preambles

private let sslRequest = "0000000804d2162f"
private let gssencRequest = "0000000804d21630"

@Suite struct PostgresTests {
    @Test func refusedWithN() throws {
        let segments: [Segment] = [.c(sslRequest), .s(text: "N")]
        let (verdict, _) = detectWhole(segments, port: 5432)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.kind == .postgresSSL)
        #expect(info.command == "SSLRequest")
        #expect(info.serverReply == "N (the server does not accept SSL)")
        expectIncremental(segments, decidesAt: 8, 1, verdict)
    }

    /// GSSENCRequest refused with 'N', then an SSLRequest accepted: TLS after 16 and 2 bytes.
    @Test func gssencRefusedThenSSL() throws {
        let segments: [Segment] = [.c(gssencRequest), .s(text: "N"), .c(sslRequest), .s(text: "S"), .c("1603010001"), .s("160303")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == 16 && verdict.offsets?.server == 2)
        let info = try #require(verdict.info)
        #expect(info.command == "GSSENCRequest refused, then SSLRequest")
        #expect(info.commandOffset == 8 && info.replyOffset == 1)
        expectIncremental(segments, decidesAt: 16, 2, verdict)
    }

    @Test func gssencAccepted() {
        let segments: [Segment] = [.c(gssencRequest), .s(text: "G")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isPlaintext)
        #expect(verdict.info?.command == "GSSENCRequest")
        expectIncremental(segments, decidesAt: 8, 1, verdict)
    }

    /// A StartupMessage (protocol 3.0) or a CancelRequest first: no TLS asked for.
    @Test func noSSLRequest() {
        let startup = "0000002900030000" + "75736572" + "00" + "706f737467726573" + "00" + "6461746162617365" + "00" + "706f737467726573" + "0000"
        let (v1, _) = detectWhole([.c(startup)])
        #expect(v1.isPlaintext)
        #expect(v1.info?.command == "StartupMessage")
        expectIncremental([.c(startup)], decidesAt: 8, 0, v1)
        let (v2, _) = detectWhole([.c("0000001004d2162e0000303900001234")])
        #expect(v2.info?.command == "CancelRequest")
    }

    @Test func oldServerError() {
        let (verdict, _) = detectWhole([.c(sslRequest), .s(text: "EFATAL")])
        #expect(verdict.isRefused)
    }

    @Test func oddAnswers() {
        let (v1, d1) = detectWhole([.c(sslRequest), .s(text: "X")])
        #expect(v1 == .notTLS)
        #expect(d1.issue?.direction == .server)
        let (v2, d2) = detectWhole(client: [0x00, 0x01], server: [])
        #expect(v2 == .notTLS)
        #expect(d2.issue?.code == .unrecognized)
        let (v3, _) = detectWhole([.c("0000000812345678")])
        #expect(v3 == .notTLS)
        let (v4, _) = detectWhole([.c("0000000804d216")])
        #expect(v4 == .undecided)
    }
}

/// The greeting of arkime/pcap/mysql-tls.pcap (`tshark -r … -q -z follow,tcp,raw,0`, first server
/// chunk): MySQL 5.7.16, capability flags 0xc1ff_ffff (CLIENT_SSL set).
private let greeting = bytesFromHex(
    "4a0000000a352e372e3136004d6820000937522b2f25462900ffff080200ffc115000000000000000000006964784463" +
    "7e236654082b1b006d7973716c5f6e61746976655f70617373776f726400")

@Suite struct MySQLTests {
    @Test func greetingIsTheTraceOne() {
        #expect(greeting == Traces.arkimeMysqlTLS.segments[0].bytes)
    }

    /// The server does not offer CLIENT_SSL (bit 0x0800 cleared) and the client sends its
    /// HandshakeResponse: plaintext, and the report says CLIENT_SSL was not offered.
    @Test func noSSLOffered() throws {
        var plain = greeting
        plain[26] &= ~0x08  // capability flags, lower two bytes (LE) at 25...26
        let response = bytesFromHex("3e0000018da2bf0900000001210000000000000000000000000000000000000000000000726f6f7400" + "14" + String(repeating: "ab", count: 20))
        let segments: [Segment] = [.s(bytes: plain), .c(bytes: response)]
        let (verdict, _) = detectWhole(segments, port: 3306)
        guard case .plaintext(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.kind == .mysqlSSL)
        #expect(info.serverReply == "HandshakeV10 from server 5.7.16, CLIENT_SSL not offered")
        expectIncremental(segments, port: 3306, decidesAt: 5, greeting.count, verdict)
    }

    /// The server refuses the connection with an ERR packet (1130: host not allowed).
    @Test func errorGreeting() {
        let message = Array("Host '10.0.0.1' is not allowed to connect to this MySQL server".utf8)
        let payload: [UInt8] = [0xFF, 0x6A, 0x04] + message
        let packet = [UInt8(payload.count), 0x00, 0x00, 0x00] + payload
        let (verdict, _) = detectWhole(client: [], server: packet)
        #expect(verdict.isRefused)
        #expect(verdict.info?.replyCode == 1130)
        #expect(verdict.info?.serverReply == "ERR 1130: Host '10.0.0.1' is not allowed to connect to this MySQL server")
    }

    @Test func badClientPackets() {
        // Sequence number 2 instead of 1.
        let (v1, d1) = detectWhole(client: [0x20, 0x00, 0x00, 0x02], server: greeting)
        #expect(v1 == .notTLS)
        #expect(d1.issue?.direction == .client)
        // 32 bytes without CLIENT_SSL.
        let (v2, _) = detectWhole(client: [0x20, 0x00, 0x00, 0x01] + Array(repeating: 0, count: 32), server: greeting)
        #expect(v2 == .notTLS)
        // Greeting cut short: wait.
        let (v3, _) = detectWhole(client: [], server: Array(greeting.prefix(40)))
        #expect(v3 == .undecided)
    }
}
