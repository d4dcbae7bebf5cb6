// Line-based STARTTLS upgrades: SMTP (RFC 3207), FTP (RFC 4217), POP3 (RFC 2595), IMAP
// (RFC 3501 §6.2.1) and IRC (IRCv3 tls extension: 670 RPL_STARTTLS / 691 ERR_STARTTLS).
//
// All of them pair the client's commands with the server's answers in order. The client side is
// read line by line up to the upgrade command; TLS starts at the byte after its line end. The
// server side is read answer by answer up to the one that answers the upgrade; TLS starts at the
// byte after that answer's last line end. A server answer is only read once the client command it
// answers has been seen, so bytes fed in an odd order never pair an answer with the wrong command.

/// Reads one direction line by line, resuming where the last call stopped.
struct LineScanner {
    /// Stream offset of the next unread line.
    private(set) var pos = 0
    /// Bytes after `pos` already searched for LF without finding one.
    private var searched = 0
    /// Bytes to pass over before the next line (an IMAP literal).
    var skip = 0

    /// The next complete line (LF included) without consuming it, or nil if it is not complete.
    /// (Inlined: called once a line and once more a call, it cost a call frame each time.)
    @inline(__always)
    mutating func peek(_ b: UnsafeRawBufferPointer) -> Range<Int>? {
        if skip > 0 {
            guard b.count - pos >= skip else { return nil }
            pos += skip
            skip = 0
            searched = 0
        }
        guard pos <= b.count else { return nil }
        if let at = firstLF(b, from: min(pos + searched, b.count)) { return pos..<(at + 1) }
        searched = b.count - pos
        return nil
    }

    @inline(__always)
    mutating func consume(_ line: Range<Int>) {
        pos = line.upperBound
        searched = 0
    }

    /// Goes on reading at stream offset `offset` (past a body of known length).
    mutating func move(to offset: Int) {
        pos = offset
        searched = 0
        skip = 0
    }
}

/// The offset of the first LF in `b` at or after `start` (0 ≤ `start` ≤ `b.count`), if any: eight
/// bytes at a time (a word with a zero byte where `b` has 0x0A), then byte by byte.
@inline(__always)
func firstLF(_ b: UnsafeRawBufferPointer, from start: Int) -> Int? {
    let end = b.count
    var i = Swift.max(0, start)
    // Each load reads b[i ..< i + 8], inside the buffer (checked by the loop's condition).
    while end &- i >= 8 {
        let x = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ 0x0A0A_0A0A_0A0A_0A0A
        // The lowest high bit set marks the first zero byte of x (higher ones may be false).
        let zero = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
        if zero != 0 { return i &+ zero.trailingZeroBitCount &>> 3 }
        i &+= 8
    }
    while i < end {
        if b[i] == 0x0A { return i }
        i &+= 1
    }
    return nil
}

/// The client's upgrade command, once seen.
struct UpgradeCommand {
    /// 1-based position among the client's commands (lines for SMTP/FTP/POP3, tagged commands for IMAP).
    var ordinal: Int
    /// Stream range of the command line, LF included: TLS starts at `line.upperBound`.
    var line: Range<Int>
    /// The command text for the report (the tag left out for IMAP).
    var text: Range<Int>
    /// IMAP only: the command's tag.
    var tag: Range<Int>?
}

/// State of the line-based protocols (only the fields of the detected protocol are used).
struct TextState {
    var client = LineScanner()
    var server = LineScanner()
    /// Commands the client sent so far (up to and including the upgrade).
    var commands = 0
    var upgrade: UpgradeCommand?
    var kind: PreambleKind?
    var greetingDone = false
    /// Final answers read after the greeting.
    var answers = 0
    /// Start of the multi-line answer being read, and its code (SMTP / FTP).
    var answerStart: Int?
    var answerCode = 0
    /// POP3: bit i set when the i-th command still awaiting its answer gets a dot-terminated body on +OK.
    var pop3Bodies: UInt64 = 0
    var inBody = false
    /// IMAP: the next line continues a command or response after a literal.
    var clientContinues = false
    var serverContinues = false
}

/// The line without its CR LF.
@inline(__always) func trimmed(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Range<Int> {
    var e = min(line.upperBound, b.count)
    while e > line.lowerBound, b[e - 1] == 0x0A || b[e - 1] == 0x0D { e -= 1 }
    return line.lowerBound..<e
}

/// The three-digit code at the start of a reply line, if there is one.
@inline(__always) func replyCode(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Int? {
    guard line.count >= 4, line.upperBound <= b.count else { return nil }
    let a = b[line.lowerBound], c = b[line.lowerBound + 1], d = b[line.lowerBound + 2]
    guard isDigit(a), isDigit(c), isDigit(d) else { return nil }
    return Int(a - 0x30) * 100 + Int(c - 0x30) * 10 + Int(d - 0x30)
}

/// IMAP: the length of the literal announced at the end of a line ("{12}", "{12+}", "~{12}").
func imapLiteralLength(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Int? {
    let t = trimmed(b, line)
    guard t.count >= 3, b[t.upperBound - 1] == UInt8(ascii: "}") else { return nil }
    var i = t.upperBound - 2
    if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i -= 1 }
    var value = 0
    var scale = 1
    var digits = 0
    while i > t.lowerBound, isDigit(b[i]) {
        if digits < 9 { value += Int(b[i] - 0x30) * scale; scale *= 10 } else { value = Int(Int32.max) }
        digits += 1
        i -= 1
    }
    guard digits > 0, b[i] == UInt8(ascii: "{") else { return nil }
    return value
}

extension PreambleDetector {
    private func textInfo(_ kind: PreambleKind, _ c: UnsafeRawBufferPointer, _ up: UpgradeCommand) -> PreambleInfo {
        var info = PreambleInfo(kind: kind)
        info.command = reportText(c, up.text)
        info.commandOffset = up.line.lowerBound
        return info
    }

    /// A plaintext verdict for a command that shows the session went on without TLS.
    private func plainSession(_ kind: PreambleKind, _ c: UnsafeRawBufferPointer, _ line: Range<Int>) -> PreambleVerdict {
        var info = PreambleInfo(kind: kind)
        info.command = reportText(c, trimmed(c, line))
        info.commandOffset = line.lowerBound
        return .plaintext(info)
    }

    // MARK: SMTP and FTP

    /// SMTP (RFC 5321 §4.2) and FTP (RFC 959 §4.2) replies: "ddd text" or a multi-line reply
    /// "ddd-text" … "ddd text" (FTP allows any text on the lines between). Every client line gets
    /// one final (2xx–5xx) reply; FTP may send 1yz preliminary replies first, which do not count.
    ///
    /// SMTP: `STARTTLS` → `220` (TLS) or anything else (454, 501, 5xx: refused).
    /// FTP: `AUTH TLS` / `AUTH SSL` (and the old `TLS-C`, `TLS-P`) → `234` (TLS) or refused.
    /// An SMTP `MAIL` command before any STARTTLS starts a mail transaction in the clear: `.plaintext`.
    mutating func runReplyCode(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while text.upgrade == nil, let line = text.client.peek(c) {
            text.client.consume(line)
            text.commands += 1
            var words = Words(c, line)
            guard let verb = words.next() else { continue }
            if equalsIgnoringCase(c, verb, "STARTTLS") {
                text.kind = .smtpStarttls
            } else if equalsIgnoringCase(c, verb, "AUTH"), let arg = words.next(),
                      equalsIgnoringCase(c, arg, "TLS") || equalsIgnoringCase(c, arg, "SSL")
                        || equalsIgnoringCase(c, arg, "TLS-C") || equalsIgnoringCase(c, arg, "TLS-P") {
                text.kind = .ftpAuthTLS
            } else if equalsIgnoringCase(c, verb, "MAIL") {
                return plainSession(.smtpStarttls, c, line)
            } else {
                continue
            }
            text.upgrade = UpgradeCommand(ordinal: text.commands, line: line, text: trimmed(c, line))
        }

        while let line = text.server.peek(s) {
            let start: Int
            let code: Int
            if let open = text.answerStart {
                // Inside a multi-line reply: it ends at a line "ddd " with the same code.
                text.server.consume(line)
                guard replyCode(s, line) == text.answerCode, s[line.lowerBound + 3] != UInt8(ascii: "-") else { continue }
                start = open
                code = text.answerCode
            } else {
                guard let lineCode = replyCode(s, line) else {
                    note(.malformed, .server, line.lowerBound, "a reply line does not start with a three-digit code")
                    return .notTLS
                }
                // Wait until the client command this reply answers has been seen.
                if text.greetingDone && text.answers >= text.commands { break }
                text.server.consume(line)
                if s[line.lowerBound + 3] == UInt8(ascii: "-") {
                    text.answerStart = line.lowerBound
                    text.answerCode = lineCode
                    continue
                }
                start = line.lowerBound
                code = lineCode
            }
            text.answerStart = nil
            if !text.greetingDone {
                if code >= 200 { text.greetingDone = true }  // "120 ready in n minutes" comes before the real greeting
                continue
            }
            if code < 200 { continue }
            text.answers += 1
            guard let up = text.upgrade, text.answers == up.ordinal, let kind = text.kind else { continue }
            var info = textInfo(kind, c, up)
            info.serverReply = reportText(s, start..<line.upperBound)
            info.replyOffset = start
            info.replyCode = code
            let accepted = kind == .smtpStarttls ? code == 220 : code == 234
            return accepted ? .tls(clientOffset: up.line.upperBound, serverOffset: line.upperBound, preamble: info) : .refused(info)
        }
        return .undecided
    }

    // MARK: POP3

    /// POP3 (RFC 1939, RFC 2595 §4): "+OK …" / "-ERR …" status lines; CAPA, RETR, TOP, and LIST or
    /// UIDL without an argument answer +OK with a body ending in a line holding a single ".".
    /// SASL challenges ("+ …") answer a client line like a status line does.
    /// `STLS` → `+OK` (TLS) or `-ERR` (refused). A TRANSACTION-state command (STAT, LIST, RETR,
    /// DELE, UIDL, TOP) means the client logged in without TLS: `.plaintext`.
    mutating func runPOP3(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while text.upgrade == nil, let line = text.client.peek(c) {
            text.client.consume(line)
            text.commands += 1
            var words = Words(c, line)
            let verb = words.next() ?? line.lowerBound..<line.lowerBound
            let hasArgument = words.next() != nil
            if equalsIgnoringCase(c, verb, "STLS") {
                text.kind = .pop3Starttls
                text.upgrade = UpgradeCommand(ordinal: text.commands, line: line, text: trimmed(c, line))
                break
            }
            for v in Self.pop3TransactionVerbs where equalsIgnoringCase(c, verb, v) {
                return plainSession(.pop3Starttls, c, line)
            }
            let waiting = text.commands - text.answers - 1
            guard waiting < 64 else {
                note(.malformed, .client, line.lowerBound, "more than 64 POP3 commands without an answer")
                return .notTLS
            }
            let body = equalsIgnoringCase(c, verb, "CAPA") || equalsIgnoringCase(c, verb, "RETR") || equalsIgnoringCase(c, verb, "TOP")
                || (!hasArgument && (equalsIgnoringCase(c, verb, "LIST") || equalsIgnoringCase(c, verb, "UIDL") || equalsIgnoringCase(c, verb, "AUTH")))
            if body { text.pop3Bodies |= UInt64(1) << UInt64(waiting) }
        }

        while let line = text.server.peek(s) {
            if text.inBody {
                text.server.consume(line)
                let t = trimmed(s, line)
                if t.count == 1 && s[t.lowerBound] == UInt8(ascii: ".") {
                    text.inBody = false
                    if let verdict = pop3Answered(c, s, text.answerStart ?? line.lowerBound, line) { return verdict }
                }
                continue
            }
            if !text.greetingDone {
                text.server.consume(line)
                text.greetingDone = true
                continue
            }
            if text.answers >= text.commands { break }
            text.server.consume(line)
            let ok = hasPrefixIgnoringCase(s, at: line.lowerBound, end: line.upperBound, "+OK")
            let err = hasPrefixIgnoringCase(s, at: line.lowerBound, end: line.upperBound, "-ERR")
            let challenge = !ok && s[line.lowerBound] == UInt8(ascii: "+")
            guard ok || err || challenge else {
                note(.malformed, .server, line.lowerBound, "a POP3 answer starts with neither +OK nor -ERR")
                return .notTLS
            }
            if ok && text.pop3Bodies & 1 != 0 {
                text.inBody = true
                text.answerStart = line.lowerBound
                continue
            }
            if let verdict = pop3Answered(c, s, line.lowerBound, line) { return verdict }
        }
        return .undecided
    }

    private static let pop3TransactionVerbs: [StaticString] = ["STAT", "LIST", "RETR", "DELE", "UIDL", "TOP"]

    /// One POP3 answer is complete (from `start`, its last line `last`).
    private mutating func pop3Answered(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer, _ start: Int, _ last: Range<Int>) -> PreambleVerdict? {
        text.answers += 1
        text.pop3Bodies >>= 1
        text.answerStart = nil
        guard let up = text.upgrade, text.answers == up.ordinal else { return nil }
        var info = textInfo(.pop3Starttls, c, up)
        info.serverReply = reportText(s, start..<last.upperBound)
        info.replyOffset = start
        if hasPrefixIgnoringCase(s, at: start, end: last.upperBound, "+OK") {
            return .tls(clientOffset: up.line.upperBound, serverOffset: last.upperBound, preamble: info)
        }
        return .refused(info)
    }

    // MARK: IMAP

    /// IMAP (RFC 3501 §2.2, §6.2.1, RFC 9051): client commands "tag COMMAND …"; the server sends
    /// untagged "* …" data and "+ …" continuation requests, and ends each command with a tagged
    /// "tag OK|NO|BAD …". Literals "{n}" / "{n+}" carry n raw bytes on either side.
    /// `tag STARTTLS` → `tag OK` (TLS) or `tag NO` / `tag BAD` (refused). Lines without a command
    /// word after a tag (SASL responses) are not commands. SELECT or EXAMINE (authenticated state)
    /// before any STARTTLS: `.plaintext`.
    mutating func runIMAP(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while text.upgrade == nil, let line = text.client.peek(c) {
            text.client.consume(line)
            let continued = text.clientContinues
            text.clientContinues = false
            if let n = imapLiteralLength(c, line) {
                text.client.skip = n
                text.clientContinues = true
            }
            if continued { continue }
            var words = Words(c, line)
            guard let tag = words.next(), let verb = words.next() else { continue }
            text.commands += 1
            if equalsIgnoringCase(c, verb, "STARTTLS") {
                text.kind = .imapStarttls
                text.upgrade = UpgradeCommand(ordinal: text.commands, line: line, text: verb.lowerBound..<trimmed(c, line).upperBound, tag: tag)
            } else if equalsIgnoringCase(c, verb, "SELECT") || equalsIgnoringCase(c, verb, "EXAMINE") {
                return plainSession(.imapStarttls, c, line)
            }
        }

        while let line = text.server.peek(s) {
            if text.serverContinues || !text.greetingDone || s[line.lowerBound] == UInt8(ascii: "*") || s[line.lowerBound] == UInt8(ascii: "+") {
                text.server.consume(line)
                text.serverContinues = false
                text.greetingDone = true
                if let n = imapLiteralLength(s, line) {
                    text.server.skip = n
                    text.serverContinues = true
                }
                continue
            }
            // A tagged completion: wait until the command it completes has been seen.
            if text.answers >= text.commands { break }
            text.server.consume(line)
            text.answers += 1
            if let n = imapLiteralLength(s, line) {
                text.server.skip = n
                text.serverContinues = true
            }
            guard let up = text.upgrade, let upTag = up.tag, text.answers >= up.ordinal else { continue }
            var words = Words(s, line)
            guard let tag = words.next(), sameBytes(c, upTag, s, tag) else { continue }
            var info = textInfo(.imapStarttls, c, up)
            info.serverReply = reportText(s, line)
            info.replyOffset = line.lowerBound
            if let status = words.next(), equalsIgnoringCase(s, status, "OK") {
                return .tls(clientOffset: up.line.upperBound, serverOffset: line.upperBound, preamble: info)
            }
            return .refused(info)
        }
        return .undecided
    }

    // MARK: IRC

    /// IRC (IRCv3 "tls" extension): the client sends `STARTTLS` (possibly after CAP, NICK, USER);
    /// the server answers numeric 670 RPL_STARTTLS (TLS follows) or 691 ERR_STARTTLS; a server
    /// without the extension answers 421 ERR_UNKNOWNCOMMAND naming STARTTLS. Other server lines
    /// (NOTICE, CAP replies, PING) are passed over. Messages may start with a ":prefix".
    mutating func runIRC(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while text.upgrade == nil, let line = text.client.peek(c) {
            text.client.consume(line)
            var words = Words(c, line)
            guard var verb = words.next() else { continue }
            if c[verb.lowerBound] == UInt8(ascii: ":") {
                guard let next = words.next() else { continue }
                verb = next
            }
            text.commands += 1
            if equalsIgnoringCase(c, verb, "STARTTLS") {
                text.kind = .ircStarttls
                text.upgrade = UpgradeCommand(ordinal: text.commands, line: line, text: trimmed(c, line))
            }
        }
        // The server's answer can only come after the client's STARTTLS.
        guard let up = text.upgrade else { return .undecided }
        while let line = text.server.peek(s) {
            text.server.consume(line)
            var words = Words(s, line)
            guard var command = words.next() else { continue }
            if s[command.lowerBound] == UInt8(ascii: ":") {
                guard let next = words.next() else { continue }
                command = next
            }
            let started = equalsIgnoringCase(s, command, "670")
            var refused = equalsIgnoringCase(s, command, "691")
            if equalsIgnoringCase(s, command, "421") {
                while !refused, let w = words.next() {
                    refused = equalsIgnoringCase(s, w, "STARTTLS")
                }
            }
            guard started || refused else { continue }
            var info = textInfo(.ircStarttls, c, up)
            info.serverReply = reportText(s, line)
            info.replyOffset = line.lowerBound
            info.replyCode = replyCode(s, command.lowerBound..<(command.upperBound + 1))
            return started ? .tls(clientOffset: up.line.upperBound, serverOffset: line.upperBound, preamble: info) : .refused(info)
        }
        return .undecided
    }
}

/// Whether `a[ra]` and `b[rb]` hold the same bytes.
func sameBytes(_ a: UnsafeRawBufferPointer, _ ra: Range<Int>, _ b: UnsafeRawBufferPointer, _ rb: Range<Int>) -> Bool {
    guard ra.count == rb.count, ra.lowerBound >= 0, rb.lowerBound >= 0, ra.upperBound <= a.count, rb.upperBound <= b.count else { return false }
    for i in 0..<ra.count where a[ra.lowerBound + i] != b[rb.lowerBound + i] { return false }
    return true
}
