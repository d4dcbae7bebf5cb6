import Testing
@testable import Preambles

private func count(_ s: String) -> Int { s.utf8.count }

/// Byte counts of the client and server texts of a hand-made exchange, up to and including the
/// segment at `index` in each direction.
private func total(_ segments: [Segment], through lastClient: Int, _ lastServer: Int) -> (Int, Int) {
    var c = 0, s = 0, ci = 0, si = 0
    for seg in segments {
        if seg.direction == .client {
            if ci <= lastClient { c += seg.bytes.count }
            ci += 1
        } else {
            if si <= lastServer { s += seg.bytes.count }
            si += 1
        }
    }
    return (c, s)
}

private let tlsHello = "16030100a0010000"

// MARK: - SMTP

@Suite struct SMTPTests {
    /// Multi-line greeting, EHLO and STARTTLS pipelined in one segment, a multi-line 250 reply:
    /// TLS after the STARTTLS line and after the 220 line.
    @Test func pipelinedWithMultilineReplies() throws {
        let greeting = "220-mx.example.org ESMTP\r\n220-no UCE\r\n220 ready\r\n"
        let commands = "EHLO client.example\r\nSTARTTLS\r\n"
        let ehloReply = "250-mx.example.org\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
        let ready = "220 2.0.0 Ready to start TLS\r\n"
        let segments: [Segment] = [.s(text: greeting), .c(text: commands), .s(text: ehloReply), .s(text: ready), .c(tlsHello), .s(tlsHello)]
        let (verdict, _) = detectWhole(segments, port: 25)
        let c = count(commands), s = count(greeting + ehloReply + ready)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        let info = try #require(verdict.info)
        #expect(info.kind == .smtpStarttls)
        #expect(info.command == "STARTTLS")
        #expect(info.commandOffset == count("EHLO client.example\r\n"))
        #expect(info.serverReply == "220 2.0.0 Ready to start TLS")
        #expect(info.replyOffset == count(greeting + ehloReply))
        #expect(info.replyCode == 220)
        expectIncremental(segments, port: 25, decidesAt: c, s, verdict)
    }

    /// 454 (RFC 3207 "TLS not available due to temporary reason") and 5xx answers: refused,
    /// with the reply text and code kept.
    @Test(arguments: ["454 4.7.0 TLS not available due to local problem", "502 5.5.1 Unrecognized command", "501 Syntax error (no parameters allowed)"])
    func refused(reply: String) throws {
        let segments: [Segment] = [
            .s(text: "220 mx ESMTP\r\n"), .c(text: "EHLO a\r\n"), .s(text: "250 mx\r\n"),
            .c(text: "STARTTLS\r\n"), .s(text: reply + "\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        let info = try #require(verdict.info)
        #expect(verdict.isRefused)
        #expect(info.serverReply == reply)
        #expect(info.replyCode == Int(reply.prefix(3)))
        let (c, s) = total(segments, through: 1, 2)
        expectIncremental(segments, decidesAt: c, s, verdict)
    }

    /// A refusal spread over several lines keeps every line.
    @Test func multilineRefusal() {
        let segments: [Segment] = [
            .s(text: "220 mx\r\n"), .c(text: "EHLO a\r\nSTARTTLS\r\n"), .s(text: "250 ok\r\n"),
            .s(text: "454-4.7.0 TLS not available\r\n454 4.7.0 try later\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == "454-4.7.0 TLS not available\n454 4.7.0 try later")
    }

    /// AUTH (with its base64 exchange) and other commands before STARTTLS are paired reply by
    /// reply; lower-case commands and bare LF line ends are accepted.
    @Test func otherCommandsFirst() {
        let segments: [Segment] = [
            .s(text: "220 mx\n"),
            .c(text: "ehlo a\n"), .s(text: "250-mx\n250 AUTH LOGIN\n"),
            .c(text: "NOOP\n"), .s(text: "250 ok\n"),
            .c(text: "AUTH LOGIN\n"), .s(text: "334 VXNlcm5hbWU6\n"),
            .c(text: "dXNlcg==\n"), .s(text: "535 5.7.8 no\n"),
            .c(text: "starttls\n"), .s(text: "220 go ahead\n"),
        ]
        let (c, s) = total(segments, through: 4, 5)
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        #expect(verdict.info?.command == "starttls")
        expectIncremental(segments, decidesAt: c, s, verdict)
    }

    /// A mail transaction in the clear (zeek/traces/smtp.pcap, stream 0: AUTH LOGIN then MAIL
    /// FROM without STARTTLS): plaintext, decided by the MAIL line.
    @Test func plaintextSessionFromTrace() throws {
        let t = Traces.smtpPlain
        let (verdict, _) = detectWhole(t.segments, port: t.serverPort)
        guard case .plaintext(let info) = verdict else { Issue.record("\(verdict)"); return }
        #expect(info.kind == .smtpStarttls)
        #expect(info.command == "MAIL FROM: <gurpartap@patriots.in>")
        #expect(info.commandOffset == 69)
        expectIncremental(t.segments, port: t.serverPort, decidesAt: 69 + 36, 0, verdict)
    }

    /// The reply to STARTTLS is only read once the STARTTLS line itself is complete, even if the
    /// server's bytes were fed first.
    @Test func replyWaitsForItsCommand() {
        var d = PreambleDetector()
        let server = Array("220 mx\r\n250 ok\r\n220 go\r\n".utf8)
        let partial = Array("EHLO a\r\nSTART".utf8)
        let full = Array("EHLO a\r\nSTARTTLS\r\n".utf8)
        let v1 = partial.withUnsafeBytes { c in server.withUnsafeBytes { s in d.feed(client: c, server: s) } }
        #expect(v1 == .undecided)
        let v2 = full.withUnsafeBytes { c in server.withUnsafeBytes { s in d.feed(client: c, server: s) } }
        #expect(v2.offsets?.client == full.count && v2.offsets?.server == server.count)
    }

    /// A greeting alone, the client silent: wait.
    @Test func silentClientWaits() {
        let (verdict, _) = detectWhole(client: [], server: Array("220 mx ESMTP\r\n".utf8))
        #expect(verdict == .undecided)
    }

    /// A reply line without a code is a protocol violation.
    @Test func malformedReply() {
        let (verdict, d) = detectWhole([.s(text: "220 mx\r\n"), .c(text: "EHLO a\r\n"), .s(text: "hello there\r\n")])
        #expect(verdict == .notTLS)
        #expect(d.issue?.code == .malformed)
        #expect(d.issue?.direction == .server)
        #expect(d.issue?.offset == 8)
    }
}

// MARK: - FTP

@Suite struct FTPTests {
    @Test(arguments: ["AUTH TLS", "AUTH SSL", "auth tls", "AUTH TLS-C"])
    func authAccepted(command: String) throws {
        let segments: [Segment] = [
            .s(text: "120 ready in 1 minute\r\n"), .s(text: "220-Welcome\r\n banner text\r\n220 FTP ready\r\n"),
            .c(text: "FEAT\r\n"), .s(text: "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n"),
            .c(text: command + "\r\n"), .s(text: "234 AUTH command ok\r\n"), .c(tlsHello),
        ]
        let (c, s) = total(segments, through: 1, 3)
        let (verdict, _) = detectWhole(segments, port: 21)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        let info = try #require(verdict.info)
        #expect(info.kind == .ftpAuthTLS)
        #expect(info.command == command)
        #expect(info.replyCode == 234)
        expectIncremental(segments, port: 21, decidesAt: c, s, verdict)
    }

    @Test(arguments: ["534 Local policy on server does not allow TLS", "500 AUTH not understood", "431 Unable to accept security mechanism"])
    func authRefused(reply: String) {
        let segments: [Segment] = [.s(text: "220 FTP\r\n"), .c(text: "AUTH TLS\r\n"), .s(text: reply + "\r\n")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.kind == .ftpAuthTLS)
        #expect(verdict.info?.serverReply == reply)
        expectIncremental(segments, decidesAt: 10, count("220 FTP\r\n" + reply + "\r\n"), verdict)
    }

    /// A 1yz preliminary reply does not answer the command: the final reply after it does.
    @Test func preliminaryReplyBeforeFinal() {
        let segments: [Segment] = [.s(text: "220 FTP\r\n"), .c(text: "AUTH TLS\r\n"), .s(text: "150 thinking\r\n"), .s(text: "234 go\r\n")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.server == count("220 FTP\r\n150 thinking\r\n234 go\r\n"))
    }
}

// MARK: - POP3

@Suite struct POP3Tests {
    /// CAPA's dot-terminated body is skipped whole, even lines that look like status lines.
    @Test func capaThenSTLS() throws {
        let greeting = "+OK POP3 ready <1.2@host>\r\n"
        let capa = "+OK Capability list follows\r\nUSER\r\n+OK not a status line\r\n..stuffed\r\nSTLS\r\n.\r\n"
        let segments: [Segment] = [
            .s(text: greeting), .c(text: "CAPA\r\n"), .s(text: capa), .c(text: "STLS\r\n"), .s(text: "+OK Begin TLS\r\n"), .c(tlsHello),
        ]
        let (c, s) = total(segments, through: 1, 2)
        let (verdict, _) = detectWhole(segments, port: 110)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        let info = try #require(verdict.info)
        #expect(info.kind == .pop3Starttls)
        #expect(info.command == "STLS")
        #expect(info.serverReply == "+OK Begin TLS")
        #expect(info.replyOffset == count(greeting + capa))
        expectIncremental(segments, port: 110, decidesAt: c, s, verdict)
    }

    @Test func refused() {
        let segments: [Segment] = [.s(text: "+OK hi\r\n"), .c(text: "STLS\r\n"), .s(text: "-ERR TLS not configured\r\n")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == "-ERR TLS not configured")
        expectIncremental(segments, decidesAt: 6, count("+OK hi\r\n-ERR TLS not configured\r\n"), verdict)
    }

    /// USER / PASS then a TRANSACTION-state command: logged in without TLS.
    @Test func loginInTheClear() {
        let segments: [Segment] = [
            .s(text: "+OK hi\r\n"), .c(text: "USER bob\r\n"), .s(text: "+OK\r\n"), .c(text: "PASS secret\r\n"), .s(text: "+OK maildrop\r\n"),
            .c(text: "STAT\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isPlaintext)
        #expect(verdict.info?.command == "STAT")
        #expect(verdict.info?.commandOffset == count("USER bob\r\nPASS secret\r\n"))
    }

    /// A SASL exchange before STLS: the "+ " challenge answers the AUTH line, the -ERR the response.
    @Test func saslChallengeCounts() {
        let segments: [Segment] = [
            .s(text: "+OK hi\r\n"), .c(text: "AUTH PLAIN\r\n"), .s(text: "+ \r\n"), .c(text: "AGJvYgBzZWNyZXQ=\r\n"),
            .s(text: "-ERR no\r\n"), .c(text: "STLS\r\n"), .s(text: "+OK go\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.server == count("+OK hi\r\n+ \r\n-ERR no\r\n+OK go\r\n"))
    }
}

// MARK: - IMAP

@Suite struct IMAPTests {
    /// Untagged responses before the tagged one are skipped; any tag, lower-case command.
    @Test func untaggedBeforeTagged() throws {
        let greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"
        let reply = "* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK done\r\n"
        let starttlsReply = "* NOTE something first\r\nA002 OK Begin TLS negotiation now\r\n"
        let segments: [Segment] = [
            .s(text: greeting), .c(text: "a001 CAPABILITY\r\n"), .s(text: reply),
            .c(text: "A002 starttls\r\n"), .s(text: starttlsReply), .c(tlsHello),
        ]
        let (c, s) = total(segments, through: 1, 2)
        let (verdict, _) = detectWhole(segments, port: 143)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        let info = try #require(verdict.info)
        #expect(info.kind == .imapStarttls)
        #expect(info.command == "starttls")
        #expect(info.serverReply == "A002 OK Begin TLS negotiation now")
        expectIncremental(segments, port: 143, decidesAt: c, s, verdict)
    }

    @Test(arguments: ["t1 NO TLS unavailable", "t1 BAD command unknown"])
    func refused(reply: String) {
        let segments: [Segment] = [.s(text: "* OK hi\r\n"), .c(text: "t1 STARTTLS\r\n"), .s(text: reply + "\r\n")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == reply)
    }

    /// Literals on both sides are skipped by length: the server's literal holds a line that
    /// would otherwise pass for the tagged answer, the client's a line that would pass for STARTTLS.
    @Test func literalsAreSkipped() {
        let segments: [Segment] = [
            .s(text: "* OK hi\r\n"),
            .c(text: "a1 ID (\"name\" {13}\r\n"), .s(text: "+ go ahead\r\n"), .c(text: "a9 STARTTLS\r\n)\r\n"),
            .s(text: "* ID (\"name\" {9}\r\na2 OK x\r\n)\r\na1 OK ID done\r\n"),
            .c(text: "a2 STARTTLS\r\n"), .s(text: "a2 OK go\r\n"),
        ]
        let (c, s) = total(segments, through: 2, 3)
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        #expect(verdict.info?.serverReply == "a2 OK go")
        expectIncremental(segments, decidesAt: c, s, verdict)
    }

    /// SELECT before any STARTTLS: the session is authenticated in the clear.
    @Test func selectInTheClear() {
        let segments: [Segment] = [
            .s(text: "* OK hi\r\n"), .c(text: "a LOGIN bob secret\r\n"), .s(text: "a OK welcome\r\n"), .c(text: "b SELECT INBOX\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isPlaintext)
        #expect(verdict.info?.command == "b SELECT INBOX")
    }

    /// A SASL response line (no command word) is not a command and gets no tagged answer.
    @Test func saslResponseIsNoCommand() {
        let segments: [Segment] = [
            .s(text: "* OK hi\r\n"), .c(text: "a AUTHENTICATE PLAIN\r\n"), .s(text: "+ \r\n"), .c(text: "AGJvYgBzZWNyZXQ=\r\n"),
            .s(text: "a NO [AUTHENTICATIONFAILED] no\r\n"), .c(text: "b STARTTLS\r\n"), .s(text: "b OK go\r\n"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.server == count("* OK hi\r\n+ \r\na NO [AUTHENTICATIONFAILED] no\r\nb OK go\r\n"))
    }
}

// MARK: - IRC

@Suite struct IRCTests {
    /// CAP, NICK and USER before STARTTLS; NOTICE and CAP lines from the server before 670.
    @Test func afterRegistrationLines() throws {
        let segments: [Segment] = [
            .c(text: "CAP LS 302\r\nNICK alice\r\nUSER alice 0 * :Alice\r\n"),
            .s(text: ":irc.example NOTICE * :*** Looking up your hostname...\r\n"),
            .s(text: ":irc.example CAP * LS :tls multi-prefix\r\n"),
            .c(text: "STARTTLS\r\n"),
            .s(text: ":irc.example 670 alice :STARTTLS successful, proceed with TLS handshake\r\n"),
            .c(tlsHello),
        ]
        let (c, s) = total(segments, through: 1, 2)
        let (verdict, _) = detectWhole(segments, port: 6667)
        #expect(verdict.offsets?.client == c && verdict.offsets?.server == s)
        let info = try #require(verdict.info)
        #expect(info.kind == .ircStarttls)
        #expect(info.replyCode == 670)
        expectIncremental(segments, port: 6667, decidesAt: c, s, verdict)
    }

    @Test(arguments: [":irc.example 691 alice :STARTTLS failed (Internal error)", ":irc.example 421 alice STARTTLS :Unknown command"])
    func refused(reply: String) {
        let segments: [Segment] = [.c(text: "STARTTLS\r\n"), .s(text: reply + "\r\n")]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == reply)
        expectIncremental(segments, decidesAt: 10, reply.utf8.count + 2, verdict)
    }

    /// A 421 about another command is not an answer to STARTTLS.
    @Test func unrelatedUnknownCommand() {
        let (verdict, _) = detectWhole([.c(text: "FOO\r\nSTARTTLS\r\n"), .s(text: ":s 421 * FOO :Unknown command\r\n")])
        #expect(verdict == .undecided)
    }

    /// USER first with the server silent: IRC at once on an IRC port; on FTP's port the detector
    /// waits for the greeting (the port only breaks this tie).
    @Test func portBreaksTheUserTie() {
        var irc = PreambleDetector(serverPort: 6667)
        var ftp = PreambleDetector(serverPort: 21)
        let client = Array("USER alice 0 * :Alice\r\n".utf8)
        let none: [UInt8] = []
        client.withUnsafeBytes { c in none.withUnsafeBytes { s in
            #expect(irc.feed(client: c, server: s) == .undecided)
            #expect(ftp.feed(client: c, server: s) == .undecided)
        } }
        #expect(irc.family == .irc)
        #expect(ftp.family == .unknown)
        // Once the FTP server greets, it is FTP after all.
        let greeting = Array("220 FTP\r\n".utf8)
        _ = client.withUnsafeBytes { c in greeting.withUnsafeBytes { s in ftp.feed(client: c, server: s) } }
        #expect(ftp.family == .replyCode)
    }
}

/// `firstLF` (eight bytes at a time) finds what a byte-by-byte search finds, for every start, in
/// buffers of every length up to 40 with LFs anywhere (bytes 0x0A ± 1 and 0x8A around them, which a
/// word-wide test could mistake for LF); and `LineScanner` resumed after a partial line finds it whole.
@Test func firstLFMatchesAByteSearch() {
    func reference(_ b: [UInt8], _ start: Int) -> Int? {
        var i = start
        while i < b.count { if b[i] == 0x0A { return i }; i += 1 }
        return nil
    }
    var seed: UInt64 = 0xF1F0
    func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
    let alphabet: [UInt8] = [0x0A, 0x09, 0x0B, 0x8A, 0x00, 0xFF, 0x41, 0x41, 0x41, 0x41, 0x0D]
    var checked = 0
    for length in 0...40 {
        for _ in 0..<20 {
            let bytes = (0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            for start in 0...length {
                let got = bytes.withUnsafeBytes { firstLF($0, from: start) }
                #expect(got == reference(bytes, start), "\(bytes) from \(start)")
                checked += 1
            }
        }
    }
    #expect(checked > 15_000)
    // A line arriving in pieces: nothing until its LF is in, then the whole line from its start.
    var scanner = LineScanner()
    let line = Array("250-a line longer than sixteen bytes\r\n".utf8)
    for cut in 1..<line.count {
        let part = Array(line[..<cut])
        #expect(part.withUnsafeBytes { scanner.peek($0) } == nil)
    }
    #expect(line.withUnsafeBytes { scanner.peek($0) } == 0..<line.count)
}
