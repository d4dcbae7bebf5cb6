import Testing
@testable import Preambles

// Hand-made exchanges for the proxy preambles, laid out as RFC 9110/9112 (HTTP CONNECT), the
// SOCKS 4 / 4A documents, RFC 1928 / 1929 (SOCKS5) and the AOSP adb protocol describe them.
// The captures of the shared corpus are in ProxyTraces.swift and checked by TraceTests too.

private func lines(_ l: [String]) -> String { l.map { $0 + "\r\n" }.joined() }

private let connect = lines(["CONNECT example.com:443 HTTP/1.1", "Host: example.com:443", "User-Agent: curl/8.5.0", ""])
private let connectWithAuth = lines(["CONNECT example.com:443 HTTP/1.1", "Host: example.com:443",
                                     "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0", ""])
private let established = lines(["HTTP/1.1 200 Connection established", ""])
private let challengeHead = lines(["HTTP/1.1 407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"proxy\"",
                                   "Content-Type: text/plain", "Content-Length: 10", ""])
private let challenge = challengeHead + "0123456789"
private let tlsHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x10, 0x01]
private let tlsServer: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x10, 0x02]

private func n(_ s: String) -> Int { s.utf8.count }

@Suite struct HTTPConnectTests {
    @Test func established200() throws {
        let segments: [Segment] = [.c(text: connect), .s(text: established), .c(bytes: tlsHello), .s(bytes: tlsServer)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == n(connect) && verdict.offsets?.server == n(established))
        let info = try #require(verdict.info)
        #expect(info.kind == .httpConnect)
        #expect(info.command == "CONNECT example.com:443")
        #expect(info.serverReply == "HTTP/1.1 200 Connection established")
        #expect(info.replyCode == 200)
        #expect(info.commandOffset == 0 && info.replyOffset == 0)
        expectIncremental(segments, decidesAt: n(connect), n(established), verdict)
    }

    /// Final statuses other than 2xx (and a 407 that closes the connection) refuse at once, with
    /// the status line kept; the decision comes with the empty line that ends the answer's header.
    @Test(arguments: [
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.0 503 Service Unavailable\r\n\r\n",
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nConnection: close\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Connection: close\r\nContent-Length: 5\r\n\r\n",
        // HTTP/1.0 without keep-alive closes after the answer.
        "HTTP/1.0 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\n",
        // No Content-Length and not chunked: the body ends when the connection does.
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n",
    ])
    func refusedAtOnce(head: String) throws {
        let segments: [Segment] = [.c(text: connect), .s(text: head + "abcde")]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        let statusLine = String(decoding: head.utf8.prefix { $0 != 0x0D }, as: UTF8.self)
        #expect(info.kind == .httpConnect)
        #expect(info.serverReply == statusLine)
        #expect(info.replyCode == Int(statusLine.split(separator: " ")[1]))
        #expect(info.command == "CONNECT example.com:443")
        expectIncremental(segments, decidesAt: n(connect), n(head), verdict)
    }

    /// A 407 on a connection that stays open, its body passed over, a second CONNECT with
    /// Proxy-Authorization, then 200: TLS after the second request and the 200.
    @Test func challengeThenRetry() throws {
        let segments: [Segment] = [.c(text: connect), .s(text: challenge), .c(text: connectWithAuth), .s(text: established),
                                   .c(bytes: tlsHello), .s(bytes: tlsServer)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == n(connect) + n(connectWithAuth))
        #expect(verdict.offsets?.server == n(challenge) + n(established))
        let info = try #require(verdict.info)
        #expect(info.command == "CONNECT example.com:443")
        #expect(info.serverReply == "HTTP/1.1 200 Connection established")
        #expect(info.commandOffset == n(connect) && info.replyOffset == n(challenge))
        expectIncremental(segments, decidesAt: n(connect) + n(connectWithAuth), n(challenge) + n(established), verdict)
    }

    /// The same with a chunked 407 body (chunk extensions and a trailer field), and with an
    /// HTTP/1.0 proxy that keeps the connection alive; a 100 interim answer is passed over.
    @Test(arguments: [
        "HTTP/1.1 407 Proxy Authentication Required\r\nTransfer-Encoding: chunked\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n"
            + "5\r\nhello\r\n3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
        "HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Connection: Keep-Alive\r\nContent-Length: 4\r\n\r\nnope",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
    ])
    func otherChallengeBodies(challenge: String) throws {
        let segments: [Segment] = [.c(text: connect), .s(text: challenge), .c(text: connectWithAuth), .s(text: established),
                                   .c(bytes: tlsHello)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == n(connect) + n(connectWithAuth))
        #expect(verdict.offsets?.server == n(challenge) + n(established))
        expectIncremental(segments, decidesAt: n(connect) + n(connectWithAuth), n(challenge) + n(established), verdict)
    }

    /// A 407 the client does not follow with another CONNECT: undecided while nothing more comes
    /// (the verdict at the end is the refusal), refused at the first client byte that cannot
    /// start a CONNECT.
    @Test func challengeNotRetried() throws {
        var d = PreambleDetector()
        let c = Array(connect.utf8), s = Array(challenge.utf8)
        let v = c.withUnsafeBytes { cb in s.withUnsafeBytes { d.feed(client: cb, server: $0) } }
        #expect(v == .undecided)
        guard case .refused(let pending) = d.verdictAtEnd else { Issue.record("\(d.verdictAtEnd)"); return }
        #expect(pending.serverReply == "HTTP/1.1 407 Proxy Authentication Required")
        #expect(pending.replyCode == 407)
        #expect(pending.command == "CONNECT example.com:443")

        // The body not complete yet: the end still means the 407 stood.
        var partial = PreambleDetector()
        let s2 = Array(challengeHead.utf8) + [0x30]
        _ = c.withUnsafeBytes { cb in s2.withUnsafeBytes { partial.feed(client: cb, server: $0) } }
        #expect(partial.verdictAtEnd.isRefused)

        // The client sends TLS regardless: refused with its first byte.
        let segments: [Segment] = [.c(text: connect), .s(text: challenge), .c(bytes: tlsHello)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict == .refused(pending))
        expectIncremental(segments, decidesAt: n(connect) + 1, n(challenge), verdict)

        // Another method on the kept-alive connection: refused once "CONNECT " cannot match.
        let get: [Segment] = [.c(text: connect), .s(text: challenge), .c(text: "GET / HTTP/1.1\r\n\r\n")]
        expectIncremental(get, decidesAt: n(connect) + 1, n(challenge), .refused(pending))

        // A retry whose request line is in, but no answer yet: nothing can be said at the end.
        var retried = PreambleDetector()
        let c3 = c + Array("CONNECT example.com:443 HTTP/1.1\r\n".utf8)
        _ = c3.withUnsafeBytes { cb in s.withUnsafeBytes { retried.feed(client: cb, server: $0) } }
        #expect(retried.verdictAtEnd == .undecided)
    }

    /// The client may send its hello before the proxy answers; bare LF line ends are accepted.
    @Test func pipelinedHelloAndBareLF() {
        let segments: [Segment] = [.c(text: connect), .c(bytes: tlsHello), .s(text: established)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == n(connect) && verdict.offsets?.server == n(established))
        expectIncremental(segments, decidesAt: n(connect), n(established), verdict)

        let request = "CONNECT [2001:db8::1]:443 HTTP/1.1\nHost: [2001:db8::1]:443\n\n"
        let lf: [Segment] = [.c(text: request), .s(text: "HTTP/1.0 200 OK\n\n")]
        let (v2, _) = detectWhole(lf)
        #expect(n(request) == 60)
        #expect(v2.offsets?.client == 60 && v2.offsets?.server == 17)
        #expect(v2.info?.command == "CONNECT [2001:db8::1]:443")
        expectIncremental(lf, decidesAt: 60, 17, v2)
    }

    /// Requests other than CONNECT are plain HTTP, as before: not TLS.
    @Test(arguments: ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
                      "connect example.com:443 HTTP/1.1\r\n\r\n", "POST /CONNECT HTTP/1.1\r\n\r\n"])
    func plainHTTPIsNotTLS(request: String) {
        let inc = detectByteByByte([.c(text: request), .s(text: "HTTP/1.1 200 OK\r\n\r\n")])
        #expect(inc.firstVerdict == .notTLS)
        #expect(inc.detector.issue?.code == .unrecognized)
    }

    @Test func malformed() {
        // No HTTP version on the request line.
        let (v1, d1) = detectWhole([.c(text: "CONNECT example.com:443\r\n\r\n")])
        #expect(v1 == .notTLS && d1.issue?.code == .malformed && d1.issue?.direction == .client)
        // Not an HTTP answer: decided with its first byte.
        let ssh: [Segment] = [.c(text: connect), .s(text: "SSH-2.0-OpenSSH_9.2\r\n")]
        let inc = detectByteByByte(ssh)
        #expect(inc.firstVerdict == .notTLS && inc.decidedClient == n(connect) && inc.decidedServer == 1)
        #expect(inc.detector.issue?.direction == .server)
        // A status line without a three-digit code.
        let (v3, d3) = detectWhole([.c(text: connect), .s(text: "HTTP/1.1 OK\r\n\r\n")])
        #expect(v3 == .notTLS && d3.issue?.code == .malformed)
        // A chunked 407 body with a bad size line.
        let bad = "HTTP/1.1 407 Proxy Authentication Required\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        let (v4, d4) = detectWhole([.c(text: connect), .s(text: bad)])
        #expect(v4 == .notTLS && d4.issue?.offset == n(bad) - 4)
        // The answer is not read before the request is complete.
        let (v5, _) = detectWhole([.c(text: "CONNECT example.com:443 HTTP/1.1\r\n"), .s(text: established)])
        #expect(v5 == .undecided)
    }
}

// MARK: - SOCKS4 / 4A

private let socks4Connect = "040101bb5db8d87700"  // CONNECT 93.184.216.119:443, empty user id

private func socks4Reply(_ code: UInt8, version: UInt8 = 0) -> [UInt8] { [version, code, 0x01, 0xBB, 0x5D, 0xB8, 0xD8, 0x77] }

@Suite struct SOCKS4Tests {
    @Test(arguments: [(UInt8(91), "request rejected or failed"),
                      (92, "request rejected because SOCKS server cannot connect to identd on the client"),
                      (93, "request rejected because the client program and identd report different user-ids")])
    func refused(code: UInt8, name: String) throws {
        let segments: [Segment] = [.c(socks4Connect), .s(bytes: socks4Reply(code))]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.kind == .socks4)
        #expect(info.command == "SOCKS4 CONNECT 93.184.216.119:443")
        #expect(info.serverReply == "\(code) \(name)")
        #expect(info.replyCode == Int(code))
        expectIncremental(segments, decidesAt: 9, 8, verdict)
    }

    /// SOCKS 4A with a user id and a host name; a reply with VN 4 (sent by some servers) counts.
    @Test func socks4aGranted() throws {
        let request: [UInt8] = [0x04, 0x01, 0x01, 0xBB, 0, 0, 0, 0x2A] + Array("alice".utf8) + [0] + Array("example.com".utf8) + [0]
        let segments: [Segment] = [.c(bytes: request), .s(bytes: socks4Reply(90, version: 4)), .c(bytes: tlsHello)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == request.count && verdict.offsets?.server == 8)
        #expect(verdict.info?.command == "SOCKS4A CONNECT example.com:443")
        #expect(verdict.info?.serverReply == "90 request granted")
        expectIncremental(segments, decidesAt: request.count, 8, verdict)
    }

    /// BIND: the tunnel starts after the second reply (sent when the peer connects).
    @Test func bind() {
        let request = bytesFromHex("040201bb5db8d877626f6200")
        let segments: [Segment] = [.c(bytes: request), .s(bytes: socks4Reply(90)), .s(bytes: socks4Reply(90)), .c(bytes: tlsHello)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == 12 && verdict.offsets?.server == 16)
        #expect(verdict.info?.command == "SOCKS4 BIND 93.184.216.119:443")
        expectIncremental(segments, decidesAt: 12, 16, verdict)
        let refused: [Segment] = [.c(bytes: request), .s(bytes: socks4Reply(90)), .s(bytes: socks4Reply(91))]
        let (v2, _) = detectWhole(refused)
        #expect(v2.isRefused && v2.info?.replyOffset == 8)
    }

    /// The real SOCKS 4A connection whose ClientHello the capture lost: TLS offsets from the
    /// request's and the reply's lengths, the server's TLS record right at its offset.
    @Test func socks4aCaptureWithoutClientHello() throws {
        let trace = Traces.socks4aHttps
        let (verdict, _) = detectWhole(trace.segments, port: trace.serverPort)
        let offsets = try #require(verdict.offsets)
        #expect(offsets.client == 38 && offsets.server == 8)
        #expect(verdict.info?.command == "SOCKS4A CONNECT login.live.com:443")
        #expect(Array(trace.server[8..<11]) == [0x16, 0x03, 0x03])
        expectIncremental(trace.segments, decidesAt: 38, 8, verdict)
    }

    @Test func malformed() {
        let (v1, d1) = detectWhole(client: [0x04, 0x03], server: [])
        #expect(v1 == .notTLS && d1.issue?.code == .unrecognized)
        let (v2, d2) = detectWhole([.c(socks4Connect), .s("0020")])
        #expect(v2 == .notTLS && d2.issue?.direction == .server)
        let longUser = [0x04, 0x01, 0x01, 0xBB, 1, 2, 3, 4] + [UInt8](repeating: 0x61, count: 1025)
        let (v3, d3) = detectWhole(client: longUser, server: [])
        #expect(v3 == .notTLS && d3.issue?.code == .malformed)
        // Still collecting a long user id: no verdict yet.
        #expect(detectWhole(client: Array(longUser.prefix(500)), server: []).0 == .undecided)
    }
}

// MARK: - SOCKS5

@Suite struct SOCKS5Tests {
    @Test func noAcceptableMethods() throws {
        let segments: [Segment] = [.c("050100"), .s("05ff")]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.kind == .socks5)
        #expect(info.command == "SOCKS5 greeting offering NO AUTHENTICATION REQUIRED")
        #expect(info.serverReply == "X'FF' NO ACCEPTABLE METHODS")
        #expect(info.replyCode == 255)
        expectIncremental(segments, decidesAt: 3, 2, verdict)
    }

    private let greeting = "05020002"  // no authentication, username/password
    private let credentials = "0105" + "616c696365" + "06" + "736563726574"  // alice / secret
    private let request = "050100030b" + "6578616d706c652e636f6d" + "01bb"  // CONNECT example.com:443
    private let reply = "050000010a0000011f90"

    /// Username/password (RFC 1929) accepted, then CONNECT by name: TLS after both; the
    /// password appears nowhere in what is reported.
    @Test func usernamePassword() throws {
        let segments: [Segment] = [.c(greeting), .s("0502"), .c(credentials), .s("0100"), .c(request), .s(reply),
                                   .c(bytes: tlsHello), .s(bytes: tlsServer)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == 36 && verdict.offsets?.server == 14)
        let info = try #require(verdict.info)
        #expect(info.command == "SOCKS5 CONNECT example.com:443")
        #expect(info.serverReply == "X'00' succeeded")
        #expect(info.replyCode == 0)
        #expect(info.commandOffset == 18 && info.replyOffset == 4)
        #expect(!(info.command ?? "").contains("secret") && !(info.serverReply ?? "").contains("secret"))
        expectIncremental(segments, decidesAt: 36, 14, verdict)
    }

    @Test(arguments: ["0101", "05ff"])
    func authenticationFailed(status: String) throws {
        let segments: [Segment] = [.c(greeting), .s("0502"), .c(credentials), .s(status)]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.command == "SOCKS5 username/password authentication")
        #expect(info.serverReply == (status == "0101" ? "STATUS X'01' authentication failed" : "STATUS X'FF' authentication failed"))
        #expect(info.commandOffset == 4 && info.replyOffset == 2)
        expectIncremental(segments, decidesAt: 18, 4, verdict)
    }

    /// Every REP other than X'00' refuses, named as RFC 1928 §6 names it.
    @Test(arguments: [(UInt8(1), "general SOCKS server failure"), (2, "connection not allowed by ruleset"), (3, "Network unreachable"),
                      (4, "Host unreachable"), (5, "Connection refused"), (6, "TTL expired"), (7, "Command not supported"),
                      (8, "Address type not supported"), (0x2A, "unassigned")])
    func replyRefused(rep: UInt8, name: String) throws {
        let r = [0x05, rep, 0x00, 0x01, 0, 0, 0, 0, 0, 0]
        let segments: [Segment] = [.c("050100"), .s("0500"), .c(request), .s(bytes: r)]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.serverReply == SOCKS.octet(rep) + " " + name)
        #expect(info.replyCode == Int(rep))
        #expect(info.command == "SOCKS5 CONNECT example.com:443")
        expectIncremental(segments, decidesAt: 21, 12, verdict)
    }

    /// IPv4 and IPv6 targets, and a bound address given as a name in the reply.
    @Test func addressTypes() {
        let v6 = "05010004" + "20010db8000000000000000000000001" + "01bb"
        let (v1, _) = detectWhole([.c("050100"), .s("0500"), .c(v6), .s("0500000304686f737401bb")])
        #expect(v1.info?.command == "SOCKS5 CONNECT [2001:db8::1]:443")
        #expect(v1.offsets?.client == 25 && v1.offsets?.server == 13)
        let (v2, _) = detectWhole([.c("050100"), .s("0500"), .c("05010001c0000201" + "0050"), .s(reply)])
        #expect(v2.info?.command == "SOCKS5 CONNECT 192.0.2.1:80")
    }

    /// BIND needs a second reply; UDP ASSOCIATE relays datagrams elsewhere: no TLS here.
    @Test func bindAndUDP() {
        let bind: [Segment] = [.c("050100"), .s("0500"), .c("05020001c000020101bb"), .s(reply), .s(reply), .c(bytes: tlsHello)]
        let (v1, _) = detectWhole(bind)
        #expect(v1.offsets?.client == 13 && v1.offsets?.server == 22)
        #expect(v1.info?.command == "SOCKS5 BIND 192.0.2.1:443")
        expectIncremental(bind, decidesAt: 13, 22, v1)
        let udp: [Segment] = [.c("050100"), .s("0500"), .c("0503000100000000" + "0000"), .s(reply)]
        let (v2, _) = detectWhole(udp)
        #expect(v2.isPlaintext)
        #expect(v2.info?.command == "SOCKS5 UDP ASSOCIATE 0.0.0.0:0")
        expectIncremental(udp, decidesAt: 13, 12, v2)
    }

    /// A client that sends greeting, request and hello at once (it offers no authentication only).
    @Test func pipelined() {
        let segments: [Segment] = [.c(bytes: bytesFromHex("050100" + request) + tlsHello), .s("0500" + reply)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == 21 && verdict.offsets?.server == 12)
        expectIncremental(segments, decidesAt: 21, 12, verdict)
    }

    @Test func notFollowedOrMalformed() {
        // GSSAPI chosen: not followed, and said so.
        let gssapi = detectByteByByte([.c("05020001"), .s("0501")])
        #expect(gssapi.firstVerdict == .notTLS && gssapi.decidedServer == 2)
        #expect(gssapi.detector.issue?.code == .unsupported && gssapi.detector.issue?.direction == .server)
        // Fed at once, "05 01" could still open a MySQL greeting of 261 bytes (whose client may
        // answer with a packet starting 05): nothing is said until a third server byte rules it out.
        #expect(detectWhole([.c("05020001"), .s("0501")]).0 == .undecided)
        #expect(detectWhole([.c("05020001"), .s("050101")]).1.issue?.code == .unsupported)
        // A method the client did not offer.
        let (v2, d2) = detectWhole([.c("050100"), .s("0502"), .s("0100")])
        #expect(v2 == .notTLS && d2.issue?.code == .malformed)
        // Zero methods.
        let (v3, d3) = detectWhole(client: [0x05, 0x00], server: [])
        #expect(v3 == .notTLS && d3.issue?.code == .unrecognized)
        // Unknown address type, unknown command, empty domain name.
        for bad in ["0501000500", "0504000100000000", "0501000300"] {
            let (v, d) = detectWhole([.c("050100"), .s("0500"), .c(bad + "01bb")])
            #expect(v == .notTLS && d.issue?.direction == .client, "\(bad)")
        }
        // The reply is not read before the request is complete.
        #expect(detectWhole([.c("050100"), .s("0500"), .c("05010003"), .s(reply)]).0 == .undecided)
    }

    @Test func ipv6Text() {
        let cases: [(String, String)] = [
            ("20010db8000000000000000000000001", "2001:db8::1"), ("00000000000000000000000000000001", "::1"),
            ("00000000000000000000000000000000", "::"), ("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"),
            ("20010db8000000000001000000000001", "2001:db8::1:0:0:1"), ("fe800000000000000000000000000000", "fe80::"),
        ]
        for (hex, text) in cases {
            let b = bytesFromHex(hex)
            #expect(b.withUnsafeBytes { Preambles.ipv6Text($0, 0..<16) } == text)
        }
    }
}

// MARK: - ADB

/// An ADB message: the header's six little-endian words (magic = command ^ 0xFFFFFFFF), then the payload.
private func adb(_ command: String, _ arg0: UInt32 = 0, _ arg1: UInt32 = 0, _ payload: [UInt8] = [], magic: UInt32? = nil) -> [UInt8] {
    func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
    let c = Array(command.utf8)
    let word = UInt32(c[0]) | UInt32(c[1]) << 8 | UInt32(c[2]) << 16 | UInt32(c[3]) << 24
    let check = payload.reduce(UInt32(0)) { $0 &+ UInt32($1) }
    return le(word) + le(arg0) + le(arg1) + le(UInt32(payload.count)) + le(check) + le(magic ?? ~word) + payload
}

@Suite struct ADBTests {
    /// The order AOSP's adbd uses: host CNXN, device STLS, host STLS, then TLS.
    @Test func deviceAsksForTLS() throws {
        let cnxn = adb("CNXN", 0x0100_0001, 0x0010_0000, Array("host::features=shell_v2\0".utf8))
        let stls = adb("STLS", 0x0100_0000)
        let segments: [Segment] = [.c(bytes: cnxn), .s(bytes: stls), .c(bytes: stls), .c(bytes: tlsHello), .s(bytes: tlsServer)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == cnxn.count + 24 && verdict.offsets?.server == 24)
        let info = try #require(verdict.info)
        #expect(info.kind == .adbStls)
        #expect(info.command == "STLS version 0x01000000" && info.serverReply == "STLS version 0x01000000")
        #expect(info.commandOffset == cnxn.count && info.replyOffset == 0)
        expectIncremental(segments, decidesAt: cnxn.count + 24, 24, verdict)
    }

    /// A session in the clear (the corpus' AUTH then OPEN): `.plaintext` once the OPEN is in.
    @Test func plainSession() throws {
        let trace = Traces.adbPlain
        let (verdict, _) = detectWhole(trace.segments)
        guard case .plaintext(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.command == "OPEN shell:ls -la")
        #expect(info.serverReply == "AUTH")
        #expect(info.commandOffset == 134)  // after CNXN (31 bytes) and two AUTH messages (56, 47)
        expectIncremental(trace.segments, decidesAt: trace.client.count, 0, verdict)
    }

    @Test func malformed() {
        let cnxn = adb("CNXN", 0x0100_0001, 0x0010_0000, Array("host::\0".utf8))
        let (v1, d1) = detectWhole(client: adb("CNXN", magic: 0x1234_5678), server: [])
        #expect(v1 == .notTLS && d1.issue?.code == .malformed && d1.issue?.offset == 20)
        let (v2, d2) = detectWhole(client: cnxn, server: adb("XXXX"))
        #expect(v2 == .notTLS && d2.issue?.direction == .server)
        // A payload longer than adb's 1 MiB.
        var huge = adb("CNXN")
        huge[12..<16] = [0x01, 0x00, 0x20, 0x00]
        let (v3, _) = detectWhole(client: huge, server: [])
        #expect(v3 == .notTLS)
        // The letters "CNXN" then text: not ADB, and not a trap either.
        let (v4, _) = detectWhole(client: Array("CNXNONSENSE WORDS HERE\r\n".utf8), server: [])
        #expect(v4 == .notTLS)
    }
}
