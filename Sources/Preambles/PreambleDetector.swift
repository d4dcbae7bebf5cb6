/// Something the detector could not take at face value: a code, the direction and stream offset
/// where it was seen, and a reason. A `.notTLS` verdict always comes with one; a few oddities that
/// do not stop detection (an RDP cookie without CR LF) are recorded too.
public struct PreambleIssue: Hashable, Sendable {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The client's first bytes are neither TLS nor the start of a known preamble.
        public static let unrecognized = Code(rawValue: "unrecognized")
        /// A known preamble broke its own format (bad length, bad reply line, …).
        public static let malformed = Code(rawValue: "malformed")
        /// `PreambleDetector.byteLimit` bytes in one direction without a verdict.
        public static let limitReached = Code(rawValue: "limit-reached")
        /// A prefix shorter than one fed before: the detector started over on the new bytes.
        public static let prefixShrank = Code(rawValue: "prefix-shrank")
        /// A known preamble took a branch the detector does not follow (SOCKS5 GSSAPI authentication).
        public static let unsupported = Code(rawValue: "unsupported")
    }

    public enum Direction: String, Hashable, Sendable {
        case client, server
    }

    public var code: Code
    public var direction: Direction
    public var offset: Int
    public var reason: String

    public init(code: Code, direction: Direction, offset: Int, reason: String) {
        self.code = code
        self.direction = direction
        self.offset = offset
        self.reason = reason
    }
}

/// Finds what comes before TLS on a TCP connection and where TLS starts in each direction.
///
/// Feed it the whole in-order prefix of each direction seen so far, again and again as the
/// prefixes grow, until it answers something other than `.undecided`; the answer then stays.
/// Detection goes by content: the client's first bytes (TLS, TPKT, PostgreSQL request, LDAP
/// message, XMPP stream header, SOCKS4/5 version byte, ADB `CNXN`, `CONNECT `, a text command) or
/// the server's greeting (MySQL handshake, SMTP/FTP `220`, POP3 `+OK`, IMAP `* OK`, IRC). The
/// server port only breaks ties that content leaves open (see `init(serverPort:)`).
///
/// Work is bounded: each call resumes where the previous one stopped (text lines, XML tags and
/// LDAP messages are not scanned twice), and after `byteLimit` bytes in either direction without
/// a verdict the answer is `.notTLS` with an issue `limit-reached`.
///
/// What each protocol answers (offsets are stream offsets of the byte after the last preamble
/// byte; a verdict comes exactly when the bytes it rests on are in, not before):
///
/// | protocol | `.tls` | `.refused` | `.plaintext` |
/// |---|---|---|---|
/// | none | client opens with a TLS record or SSL 2.0 CLIENT-HELLO: (0, 0), whatever the server said | | |
/// | RDP | RDP_NEG_RSP selecting anything but PROTOCOL_RDP | RDP_NEG_FAILURE, X.224 Disconnect | PROTOCOL_RDP selected, or a Confirm without negotiation data |
/// | SMTP | `STARTTLS` answered 220 | any other reply (454, 5xx), text kept | `MAIL` before any STARTTLS |
/// | FTP | `AUTH TLS`/`SSL`/`TLS-C`/`TLS-P` answered 234 | any other final reply | |
/// | POP3 | `STLS` answered +OK | -ERR | STAT, LIST, RETR, DELE, UIDL or TOP (logged in without TLS) |
/// | IMAP | `tag STARTTLS` answered `tag OK` | `tag NO` / `tag BAD` | SELECT or EXAMINE before STARTTLS |
/// | IRC | 670 RPL_STARTTLS | 691 ERR_STARTTLS, 421 naming STARTTLS | |
/// | XMPP | `<proceed/>` (TLS namespace) | `<failure/>` (TLS namespace), `<stream:error>` | |
/// | LDAP | ExtendedResponse resultCode 0 | non-zero resultCode, Notice of Disconnection | |
/// | PostgreSQL | SSLRequest answered 'S' | 'N' to SSLRequest, 'E' | StartupMessage / CancelRequest without SSLRequest, 'G' to GSSENCRequest |
/// | MySQL | SSLRequest (32-byte packet with CLIENT_SSL) | ERR packet instead of the greeting | any other client packet (HandshakeResponse in the clear) |
/// | HTTP CONNECT | 2xx to `CONNECT host:port` (after any 1xx) | any other final status; a 407 that keeps the connection open only once the client's next bytes are not another CONNECT | |
/// | SOCKS4 / 4A | reply 90 to CONNECT (to BIND: two replies 90) | 91, 92, 93 | |
/// | SOCKS5 | REP X'00' to CONNECT (to BIND: two replies) | METHOD X'FF', username/password STATUS ≠ 0, REP ≠ X'00' | UDP ASSOCIATE granted |
/// | ADB | STLS from both sides | | OPEN before any STLS |
///
/// Choices worth knowing:
/// - Answers are paired with commands in order, and an answer is read only once its command has
///   been seen (SMTP/FTP/POP3 count lines, IMAP counts tagged commands and checks the tag, IRC
///   waits for STARTTLS), so fed in any interleaving the pairing cannot slip.
/// - The `.plaintext` rules for SMTP, POP3 and IMAP are inferences from the protocol's state
///   machine (a command only valid after login or within a mail transaction); other sessions that
///   never upgrade stay `.undecided` until the byte limit.
/// - A MySQL client that asks for TLS although the server did not offer CLIENT_SSL still gets
///   `.tls` (it is what the client did); the reply text says whether CLIENT_SSL was offered.
/// - A `.notTLS` for text needs enough words: the first word may be an IMAP tag, so a line like
///   "GET / HTTP/1.1" is judged once its second word is complete.
/// - GSSAPI encryption ('G') is reported as `.plaintext` because no TLS follows, though the
///   session is encrypted.
/// - A 407 (Proxy Authentication Required) that keeps the connection open may be followed by a new
///   CONNECT with credentials on the same connection, so it is final only once the client's next
///   bytes are something else; if the connection ends first, `verdictAtEnd` says `.refused`.
/// - SOCKS5 GSSAPI authentication (and other methods than none and username/password) is not
///   followed: `.notTLS` with an issue `unsupported`. Passwords are never put in a report.
/// - SOCKS and MySQL clients may both start with 04 or 05. The proxy never speaks first, so fed in
///   order the client's first byte decides; fed both at once, server bytes that may still open a
///   MySQL greeting are waited for (see `mayOpenMySQLGreeting`).
public struct PreambleDetector: Sendable {
    /// Bytes per direction after which detection gives up with `.notTLS`.
    public static let byteLimit = 16 * 1024

    /// The responder's TCP port, a hint only.
    public let serverPort: UInt16

    /// Why the last `.notTLS` was given, or an oddity met on the way (nil when all was well).
    public private(set) var issue: PreambleIssue?

    enum Family: Equatable {
        case unknown, rdp, postgres, mysql, ldap, xmpp
        /// Three-digit reply protocols: SMTP or FTP (the upgrade command tells which).
        case replyCode
        case pop3, imap, irc
        case httpConnect, socks4, socks5, adb
    }

    private var decided: PreambleVerdict?
    /// Whether `decided` is set: tested first, so that an undecided call does not copy the
    /// (large) optional verdict out only to find it empty.
    private var isDecided = false
    var family: Family = .unknown
    var text = TextState()
    /// XMPP's, LDAP's and HTTP CONNECT's states (531 bytes), in a box made when one of them is
    /// first changed and copied before a change while shared: the detector is then 365 bytes,
    /// made quicker for every other family (and SMTP, PostgreSQL, RDP are the usual ones).
    private var rarer: RarerStates?
    var xmpp: XMPPState {
        _read { if let r = rarer { yield r.xmpp } else { yield XMPPState() } }
        _modify { let r = rarerForChange(); yield &r.xmpp }
    }
    var ldap: LDAPState {
        _read { if let r = rarer { yield r.ldap } else { yield LDAPState() } }
        _modify { let r = rarerForChange(); yield &r.ldap }
    }
    var http: HTTPConnectState {
        _read { if let r = rarer { yield r.http } else { yield HTTPConnectState() } }
        _modify { let r = rarerForChange(); yield &r.http }
    }
    /// RDP: the client's Connection Request once read whole (see `runRDP`).
    var rdpRequest: RDPConnectionRequest?
    private var seenClient = 0
    /// The client's first bytes were found not to be a TLS hello.
    private var clientChecked = false
    private var seenServer = 0

    /// `serverPort` breaks ties only: a client whose first line is `USER` or `PASS` (IRC, but also
    /// FTP and POP3, which wait for a greeting) before the server has said anything is taken for
    /// IRC at once on the IRC ports (194, 994, 6660–6669, 6697, 7000); elsewhere the detector
    /// waits for the server's first line. Content decides everything else.
    public init(serverPort: UInt16 = 0) {
        self.serverPort = serverPort
    }

    /// Feeds the in-order prefixes seen so far (each may be empty) and returns the verdict.
    public mutating func feed(client: UnsafeRawBufferPointer, server: UnsafeRawBufferPointer) -> PreambleVerdict {
        if isDecided, let decided { return decided }
        if client.count < seenClient || server.count < seenServer {
            let shrank: PreambleIssue.Direction = client.count < seenClient ? .client : .server
            self = PreambleDetector(serverPort: serverPort)
            note(.prefixShrank, shrank, 0, "a prefix shorter than one fed before: detection restarted")
        }
        seenClient = client.count
        seenServer = server.count

        let limit = Self.byteLimit
        let c = client.count > limit ? UnsafeRawBufferPointer(rebasing: client[0..<limit]) : client
        let s = server.count > limit ? UnsafeRawBufferPointer(rebasing: server[0..<limit]) : server

        // A verdict is returned as soon as it is made (kept in `decided`); an undecided call
        // holds no verdict of its own, only tests what each step answered.
        if !clientChecked && !c.isEmpty {
            // Whatever the server said first, a client that opens with a TLS hello has no preamble.
            switch Self.looksLikeTLSStart(c) {
            case .some(true): return decide(.tls(clientOffset: 0, serverOffset: 0, preamble: nil))
            case .some(false): clientChecked = true
            case .none: break  // only a TLS or SSL 2.0 hello starts with these bytes: wait
            }
        }
        if clientChecked || c.isEmpty {
            if family == .unknown {
                let v = identify(c, s)
                if !v.isUndecided { return decide(v) }
            }
            if family != .unknown {
                let v = run(c, s)
                if !v.isUndecided { return decide(v) }
            }
        }
        if client.count > limit || server.count > limit {
            let dir: PreambleIssue.Direction = client.count > limit ? .client : .server
            note(.limitReached, dir, limit, "no verdict within the first \(limit) bytes")
            return decide(.notTLS)
        }
        return .undecided
    }

    /// The box of the rarer families' states, made if needed and this detector's own (copied
    /// first when a copy of the detector shares it).
    private mutating func rarerForChange() -> RarerStates {
        if rarer != nil && isKnownUniquelyReferenced(&rarer!) { return rarer.unsafelyUnwrapped }
        let r = rarer.map { RarerStates(copying: $0) } ?? RarerStates()
        rarer = r
        return r
    }

    /// Keeps `verdict` (not `.undecided`) as the answer from now on, and returns it.
    private mutating func decide(_ verdict: PreambleVerdict) -> PreambleVerdict {
        decided = verdict
        isDecided = true
        return verdict
    }

    /// What to make of the connection if it ends now without a verdict: a proxy's 407 (Proxy
    /// Authentication Required) that the client never followed with another CONNECT is
    /// `.refused`; anything else is the verdict already given, or `.undecided`.
    public var verdictAtEnd: PreambleVerdict {
        if let decided { return decided }
        if family == .httpConnect, let pending = http.pending,
           http.stage == .body || (http.stage == .request && http.requestLine == nil) {
            return .refused(pending)
        }
        return .undecided
    }

    // MARK: - Shared helpers for the protocol files

    mutating func note(_ code: PreambleIssue.Code, _ direction: PreambleIssue.Direction, _ offset: Int, _ reason: String) {
        issue = PreambleIssue(code: code, direction: direction, offset: offset, reason: reason)
    }

    /// Turns a parse error into a verdict: `.undecided` for "need more", `.notTLS` with an issue
    /// for malformed bytes.
    mutating func fail(_ error: ParseError, _ direction: PreambleIssue.Direction, _ what: String) -> PreambleVerdict {
        switch error {
        case .needMore:
            return .undecided
        case .malformed(let offset, let reason):
            note(.malformed, direction, offset, what + ": " + reason)
            return .notTLS
        }
    }

    mutating func unrecognized(_ direction: PreambleIssue.Direction, _ offset: Int, _ reason: String) -> PreambleVerdict {
        note(.unrecognized, direction, offset, reason)
        return .notTLS
    }

    // MARK: - Identification

    // (Inlined into `feed`: the verdict is returned into its caller's slot once, not copied up a level.)
    @inline(__always)
    private mutating func run(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        switch family {
        case .unknown: return .undecided
        case .rdp: return runRDP(c, s)
        case .postgres: return runPostgres(c, s)
        case .mysql: return runMySQL(c, s)
        case .ldap: return runLDAP(c, s)
        case .xmpp: return runXMPP(c, s)
        case .replyCode: return runReplyCode(c, s)
        case .pop3: return runPOP3(c, s)
        case .imap: return runIMAP(c, s)
        case .irc: return runIRC(c, s)
        case .httpConnect: return runHTTPConnect(c, s)
        case .socks4: return runSOCKS4(c, s)
        case .socks5: return runSOCKS5(c, s)
        case .adb: return runADB(c, s)
        }
    }

    /// Names the family from the first bytes, or answers outright (TLS at once, not TLS).
    private mutating func identify(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        // MySQL's server speaks first with a binary handshake packet.
        let mysql = mysqlGreetingStart(s)
        if mysql == .full {
            family = .mysql
            return .undecided
        }
        guard !c.isEmpty else {
            // The server spoke first (or nobody did): note a text greeting, wait for the client.
            if let line = firstLine(s), let greeted = Self.classifyGreeting(s, line) { family = greeted }
            return .undecided
        }
        switch c[0] {
        case 0x03:
            // TPKT version 3, reserved 0.
            if c.count >= 2 && c[1] != 0x00 { return unrecognized(.client, 1, "TPKT-like start with a nonzero reserved byte") }
            family = .rdp
        case 0x00:
            family = .postgres
        case 0x30:
            family = .ldap
        case 0x04, 0x05:
            // SOCKS4 (VN 4, CD 1 or 2) or SOCKS5 (VER 5, NMETHODS ≥ 1). The proxy never speaks
            // first, so fed in order the client's first byte decides; fed both at once, server
            // bytes that may still open a MySQL greeting (a MySQL client's packet may start with
            // 4 or 5 too) are waited for.
            if mysql == .partial && Self.mayOpenMySQLGreeting(s) { return .undecided }
            if c.count >= 2 && (c[0] == 0x04 ? c[1] != 1 && c[1] != 2 : c[1] == 0) {
                return unrecognized(.client, 1, "a SOCKS-like first byte, but no SOCKS command or method count")
            }
            family = c[0] == 0x04 ? .socks4 : .socks5
        case UInt8(ascii: "<"):
            switch (prefixMatch(c, at: 0, "<?xml"), prefixMatch(c, at: 0, "<stream:stream")) {
            case (.mismatch, .mismatch): return unrecognized(.client, 0, "XML-like start that is not an XMPP stream")
            case (.full, _), (_, .full): family = .xmpp
            default: return .undecided
            }
        default:
            // An ADB host opens with a binary CNXN message, whose first four bytes are letters;
            // an HTTP proxy client asks for a tunnel (the method is case-sensitive, RFC 9110 §9.1).
            // Both are told by their first bytes alone, whatever follows on the line.
            if prefixMatch(c, at: 0, "CNXN") == .full {
                family = .adb
                return .undecided
            }
            if prefixMatch(c, at: 0, "CONNECT ") == .full {
                family = .httpConnect
                return .undecided
            }
            if isPrintableStart(c) { return identifyText(c, s) }
            // A MySQL client answers the greeting with sequence number 1: if the greeting is not
            // (all) in yet, wait for it.
            if mysql == .partial && (!s.isEmpty || (c.count >= 4 && c[3] == 1) || c.count < 4) { return .undecided }
            return unrecognized(.client, 0, "the client's first bytes are neither TLS nor a known preamble")
        }
        return .undecided
    }

    /// Whether server bytes too few for `mysqlGreetingStart` to judge may still open a MySQL
    /// greeting: a payload length (3 bytes LE) of 8 to 4096. A HandshakeV10 needs at least 17
    /// bytes; an ERR packet has a 3-byte header and then its message, which servers never leave
    /// (nearly) empty. The common SOCKS answers ("05 00", "00 5A", "05 FF") are thus ruled out;
    /// "05 01" and "05 02" are not, until a third byte.
    static func mayOpenMySQLGreeting(_ s: UnsafeRawBufferPointer) -> Bool {
        guard !s.isEmpty else { return false }
        if s.count >= 2 {
            let low = Int(s[0]) | Int(s[1]) << 8
            guard low >= 8 && low <= 4096 else { return false }
        }
        if s.count >= 3 && s[2] != 0 { return false }
        return true
    }

    /// The client's first bytes are text up to the first line end (or all of them so far).
    private func isPrintableStart(_ c: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < c.count {
            let b = c[i]
            if b == 0x0A { return i > 0 }
            if !(b >= 0x20 && b < 0x7F) && b != 0x0D && b != 0x09 { return false }
            i += 1
        }
        return true
    }

    private static let maxGreetingLine = 2048

    /// Range of the first complete line of `s` (LF included), if any.
    func firstLine(_ s: UnsafeRawBufferPointer) -> Range<Int>? {
        let stop = min(s.count, Self.maxGreetingLine)
        guard let at = firstLF(UnsafeRawBufferPointer(rebasing: s[0..<stop]), from: 0) else { return nil }
        return 0..<(at + 1)
    }

    /// The family a server's first line announces, if it is a known greeting.
    static func classifyGreeting(_ s: UnsafeRawBufferPointer, _ line: Range<Int>) -> Family? {
        if line.count >= 4, isDigit(s[0]), isDigit(s[1]), isDigit(s[2]), s[0] >= UInt8(ascii: "1"), s[0] <= UInt8(ascii: "5"),
           s[3] == UInt8(ascii: " ") || s[3] == UInt8(ascii: "-") || s[3] == 0x0D || s[3] == 0x0A {
            return .replyCode
        }
        if hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, "+OK") || hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, "-ERR") {
            return .pop3
        }
        if hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, "* OK") || hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, "* PREAUTH")
            || hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, "* BYE") {
            return .imap
        }
        if line.count >= 1 && s[0] == UInt8(ascii: ":") { return .irc }
        for verb in ircServerStarts where hasPrefixIgnoringCase(s, at: 0, end: line.upperBound, verb) {
            return .irc
        }
        return nil
    }

    private static let ircServerStarts: [StaticString] = ["NOTICE ", "PING ", "ERROR ", "CAP "]
    /// First commands only an IRC client sends.
    private static let ircOnly: [StaticString] = ["CAP", "NICK", "STARTTLS", "WEBIRC", "PING"]
    /// First commands of an IRC client that FTP and POP3 clients send too (after a greeting).
    private static let ircShared: [StaticString] = ["USER", "PASS"]
    /// Commands of protocols whose server speaks first: wait for the greeting.
    private static let serverFirstVerbs: [StaticString] = [
        "EHLO", "HELO", "LHLO", "MAIL", "RSET", "NOOP", "QUIT", "HELP", "AUTH",  // SMTP (and some FTP)
        "FEAT", "SYST", "OPTS", "PBSZ", "PROT", "CLNT", "HOST", "ACCT", "SITE", "PWD", "CWD", "TYPE", "PASV", "EPSV",  // FTP
        "CAPA", "STLS", "APOP",  // POP3
    ]
    /// Commands an IMAP client sends before or instead of STARTTLS (after its tag).
    private static let imapFirstVerbs: [StaticString] = ["CAPABILITY", "STARTTLS", "LOGIN", "AUTHENTICATE", "ID", "NOOP", "LOGOUT", "ENABLE", "COMPRESS"]

    private static let ircPorts: Set<UInt16> = [194, 994, 6660, 6661, 6662, 6663, 6664, 6665, 6666, 6667, 6668, 6669, 6697, 7000]

    /// A client that talks text first: decide with the server's greeting, or with the client's verb.
    private mutating func identifyText(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        let serverLine = firstLine(s)
        if let line = serverLine, let greeted = Self.classifyGreeting(s, line) {
            family = greeted
            return .undecided
        }
        // The client's first word (and second, for IMAP's "tag COMMAND").
        var words = Words(c, 0..<c.count)
        guard let first = words.next(), first.upperBound < c.count else {
            // Nothing but blanks so far, or the first word is still growing.
            if c.count > 64 || firstLine(c) != nil {
                return unrecognized(.client, 0, "no recognisable command at the start of the client's bytes")
            }
            return .undecided
        }
        let verb = first
        if Self.ircOnly.contains(where: { equalsIgnoringCase(c, verb, $0) }) {
            family = .irc
            return .undecided
        }
        if Self.ircShared.contains(where: { equalsIgnoringCase(c, verb, $0) }) {
            if serverLine != nil || Self.ircPorts.contains(serverPort) {
                family = .irc  // the server's first line is not a greeting of FTP / POP3, or an IRC port
                return .undecided
            }
            return .undecided
        }
        if serverLine != nil {
            return unrecognized(.server, 0, "the server's first line is no known greeting and the client's first command is not IRC")
        }
        if !s.isEmpty {
            return s.count >= Self.maxGreetingLine ? unrecognized(.server, 0, "the server's first line is too long for a greeting") : .undecided
        }
        // Nobody named the protocol yet: commands of server-first protocols wait for the greeting.
        if Self.serverFirstVerbs.contains(where: { equalsIgnoringCase(c, verb, $0) }) { return .undecided }
        // IMAP: "tag COMMAND".
        guard let second = words.next(), second.upperBound < c.count else {
            if c.count > 64 { return unrecognized(.client, 0, "no recognisable command in the client's first 64 bytes") }
            // Wait for the second word only if the first one could be an IMAP tag (no line end yet).
            return firstLine(c) != nil ? unrecognized(.client, 0, "the client's first line is no known command") : .undecided
        }
        if Self.imapFirstVerbs.contains(where: { equalsIgnoringCase(c, second, $0) }) { return .undecided }
        return unrecognized(.client, 0, "the client's first line is no known command")
    }
}

/// The states of the rarer families (`PreambleDetector.rarer`). Changed only through a detector
/// that holds it alone (copy on write).
final class RarerStates: @unchecked Sendable {
    @exclusivity(unchecked) var xmpp = XMPPState()
    @exclusivity(unchecked) var ldap = LDAPState()
    @exclusivity(unchecked) var http = HTTPConnectState()

    init() {}

    init(copying o: RarerStates) {
        xmpp = o.xmpp
        ldap = o.ldap
        http = o.http
    }
}

/// Space-separated words of one line (stops at CR or LF).
struct Words {
    let bytes: UnsafeRawBufferPointer
    var i: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.bytes = bytes
        self.i = max(0, range.lowerBound)
        self.end = min(range.upperBound, bytes.count)
    }

    /// The next word's range; a word ends at a space, a tab, CR, LF or the end of the range.
    mutating func next() -> Range<Int>? {
        while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard i < end, bytes[i] != 0x0D, bytes[i] != 0x0A else { return nil }
        let start = i
        while i < end, bytes[i] != 0x20, bytes[i] != 0x09, bytes[i] != 0x0D, bytes[i] != 0x0A { i += 1 }
        return start..<i
    }

    /// The rest of the line after the current position (spaces skipped), without CR LF.
    mutating func rest() -> Range<Int> {
        while i < end, bytes[i] == 0x20 { i += 1 }
        var e = end
        while e > i, bytes[e - 1] == 0x0A || bytes[e - 1] == 0x0D { e -= 1 }
        return i..<e
    }
}

extension PreambleVerdict {
    /// Whether this is `.undecided`, by its case alone (`==` compared whole verdicts, copying
    /// their preamble values, on every call of `feed`).
    @inline(__always)
    var isUndecided: Bool {
        if case .undecided = self { return true }
        return false
    }
}
