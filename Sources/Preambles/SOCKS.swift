// SOCKS proxies: SOCKS 4 and its 4A extension (the "SOCKS: A protocol for TCP proxy across
// firewalls" and "SOCKS 4A" documents), SOCKS 5 (RFC 1928) with username/password authentication
// (RFC 1929). The client asks the proxy for a connection; once the proxy grants it, both
// directions carry the tunnel's bytes right after the request and the reply: TLS, here.
//
// The messages are small and binary, so each call reads them again from the start (names and
// user ids are bounded to a few hundred bytes). A reply is read only once the request it answers
// is complete, so bytes fed in an odd order never pair them wrongly.

// MARK: - Names

enum SOCKS {
    /// Names of SOCKS4 reply codes (CD in the reply).
    static func socks4ReplyName(_ code: UInt8) -> String {
        switch code {
        case 90: return "request granted"
        case 91: return "request rejected or failed"
        case 92: return "request rejected because SOCKS server cannot connect to identd on the client"
        case 93: return "request rejected because the client program and identd report different user-ids"
        default: return "unknown reply code"
        }
    }

    /// RFC 1928 §3 METHOD values.
    static func methodName(_ method: UInt8) -> String {
        switch method {
        case 0x00: return "NO AUTHENTICATION REQUIRED"
        case 0x01: return "GSSAPI"
        case 0x02: return "USERNAME/PASSWORD"
        case 0x03...0x7F: return "IANA ASSIGNED"
        case 0xFF: return "NO ACCEPTABLE METHODS"
        default: return "RESERVED FOR PRIVATE METHODS"
        }
    }

    /// RFC 1928 §6 REP values.
    static func replyName(_ rep: UInt8) -> String {
        switch rep {
        case 0x00: return "succeeded"
        case 0x01: return "general SOCKS server failure"
        case 0x02: return "connection not allowed by ruleset"
        case 0x03: return "Network unreachable"
        case 0x04: return "Host unreachable"
        case 0x05: return "Connection refused"
        case 0x06: return "TTL expired"
        case 0x07: return "Command not supported"
        case 0x08: return "Address type not supported"
        default: return "unassigned"
        }
    }

    /// RFC 1928 §4 CMD values (SOCKS4 uses 1 and 2 alike).
    static func commandName(_ cmd: UInt8) -> String {
        switch cmd {
        case 1: return "CONNECT"
        case 2: return "BIND"
        case 3: return "UDP ASSOCIATE"
        default: return "command " + String(cmd)
        }
    }

    /// RFC 1928's notation for an octet: X'05'.
    static func octet(_ v: UInt8) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
        return "X'" + String(digits[Int(v >> 4)]) + String(digits[Int(v & 0xF)]) + "'"
    }
}

// MARK: - Addresses

/// A destination or bound address as SOCKS carries it.
enum SOCKSAddress {
    case ipv4(UInt32)
    /// A host name: its bytes in the stream.
    case domain(Range<Int>)
    /// 16 bytes in the stream.
    case ipv6(Range<Int>)

    /// "host:port" for the report, IPv6 in brackets (RFC 5952 text). Allocates.
    func text(_ b: UnsafeRawBufferPointer, port: UInt16) -> String {
        let host: String
        switch self {
        case .ipv4(let v):
            host = "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        case .domain(let r):
            host = reportText(b, r, max: 255)
        case .ipv6(let r):
            host = "[" + ipv6Text(b, r) + "]"
        }
        return host + ":" + String(port)
    }
}

/// RFC 5952 text of 16 bytes: lower-case hex groups without leading zeros, the longest run of two
/// or more zero groups (the first of equal runs) as "::".
func ipv6Text(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> String {
    guard r.count == 16, r.lowerBound >= 0, r.upperBound <= b.count else { return "?" }
    var groups = [Int](repeating: 0, count: 8)
    for i in 0..<8 { groups[i] = Int(b[r.lowerBound + 2 * i]) << 8 | Int(b[r.lowerBound + 2 * i + 1]) }
    var bestStart = -1, bestLength = 0
    var i = 0
    while i < 8 {
        if groups[i] == 0 {
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
            i = j
        } else {
            i += 1
        }
    }
    var out = ""
    i = 0
    while i < 8 {
        if i == bestStart {
            out += "::"
            i += bestLength
            continue
        }
        if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
        out += String(groups[i], radix: 16)
        i += 1
    }
    return out
}

/// Takes the bytes before a NUL and the NUL itself; the range returned leaves the NUL out.
/// More than `max` bytes without a NUL is malformed.
func takeNulTerminated(_ input: inout ByteReader, max: Int, _ what: String) throws(ParseError) -> Range<Int> {
    var n = 0
    while true {
        guard let b = input.peek(n) else {
            _ = try input.take(n + 1, what)  // throws: "need more", or malformed at a hard end
            throw ParseError.needMore
        }
        if b == 0 {
            let r = try input.take(n, what)
            try input.skip(1, what)
            return r
        }
        n += 1
        if n > max { throw ParseError.malformed(offset: input.offset, reason: what + " longer than \(max) bytes without its NUL") }
    }
}

// MARK: - SOCKS 4 / 4A

/// SOCKS4 request; SOCKS 4A marks DSTIP 0.0.0.x (x ≠ 0) and adds the host name:
/// ```
/// +----+----+----+----+----+----+----+----+----+----+....+----+....+----+
/// | VN | CD | DSTPORT |      DSTIP        | USERID       |NULL| HOST |NULL|  (HOST: 4A only)
/// +----+----+----+----+----+----+----+----+----+----+....+----+....+----+
///    1    1      2              4           variable       1
/// ```
/// VN 4; CD 1 CONNECT, 2 BIND; port and address in network order.
struct SOCKS4Request {
    var command: UInt8
    var port: UInt16
    var address: SOCKSAddress
    var socks4a: Bool
    var end: Int

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 4 else { throw .malformed(offset: start, reason: "SOCKS version is not 4") }
        command = try input.u8()
        guard command == 1 || command == 2 else { throw .malformed(offset: start + 1, reason: "SOCKS4 command is neither CONNECT (1) nor BIND (2)") }
        port = try input.u16be()
        let ip = try input.u32be()
        _ = try takeNulTerminated(&input, max: 1024, "SOCKS4 USERID")
        socks4a = ip != 0 && ip <= 0xFF
        if socks4a {
            let host = try takeNulTerminated(&input, max: 255, "SOCKS4A host name")
            guard !host.isEmpty else { throw .malformed(offset: host.lowerBound, reason: "SOCKS4A host name is empty") }
            address = .domain(host)
        } else {
            address = .ipv4(ip)
        }
        end = input.offset
    }
}

/// SOCKS4 reply, 8 bytes:
/// ```
/// +----+----+----+----+----+----+----+----+
/// | VN | CD | DSTPORT |      DSTIP        |
/// +----+----+----+----+----+----+----+----+
///    1    1      2              4
/// ```
/// VN 0 (some servers send 4); CD 90 granted, 91 rejected or failed, 92 and 93 rejected over identd.
struct SOCKS4Reply {
    var code: UInt8
    var end: Int

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        let version = try input.u8()
        guard version == 0 || version == 4 else { throw .malformed(offset: start, reason: "SOCKS4 reply version is not 0") }
        code = try input.u8()
        guard code >= 90 && code <= 93 else { throw .malformed(offset: start + 1, reason: "SOCKS4 reply code is not 90–93") }
        try input.skip(6)
        end = input.offset
    }
}

// MARK: - SOCKS 5

/// Version identifier / method selection message (RFC 1928 §3):
/// ```
/// +----+----------+----------+
/// |VER | NMETHODS | METHODS  |
/// +----+----------+----------+
/// | 1  |    1     | 1 to 255 |
/// +----+----------+----------+
/// ```
struct SOCKS5Greeting {
    var methods: Range<Int>

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 5 else { throw .malformed(offset: start, reason: "SOCKS version is not 5") }
        let n = Int(try input.u8())
        guard n >= 1 else { throw .malformed(offset: start + 1, reason: "SOCKS5 greeting offers no method") }
        methods = try input.take(n)
    }

    func offers(_ method: UInt8, in b: UnsafeRawBufferPointer) -> Bool {
        methods.contains { b[$0] == method }
    }

    func names(in b: UnsafeRawBufferPointer) -> String {
        methods.map { SOCKS.methodName(b[$0]) }.joined(separator: ", ")
    }
}

/// The server's choice (RFC 1928 §3):
/// ```
/// +----+--------+
/// |VER | METHOD |
/// +----+--------+
/// | 1  |   1    |
/// +----+--------+
/// ```
struct SOCKS5MethodSelection {
    var method: UInt8

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 5 else { throw .malformed(offset: start, reason: "SOCKS5 method selection version is not 5") }
        method = try input.u8()
    }
}

/// Username/password request (RFC 1929 §2); the password is passed over, never kept:
/// ```
/// +----+------+----------+------+----------+
/// |VER | ULEN |  UNAME   | PLEN |  PASSWD  |
/// +----+------+----------+------+----------+
/// | 1  |  1   | 1 to 255 |  1   | 1 to 255 |
/// +----+------+----------+------+----------+
/// ```
/// and its answer, STATUS X'00' for success:
/// ```
/// +----+--------+
/// |VER | STATUS |
/// +----+--------+
/// | 1  |   1    |
/// +----+--------+
/// ```
/// VER is X'01' (some servers answer X'05').
struct SOCKS5PasswordRequest {
    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 1 else { throw .malformed(offset: start, reason: "username/password request version is not 1") }
        try input.skip(Int(try input.u8()))
        try input.skip(Int(try input.u8()))
    }
}

struct SOCKS5PasswordStatus {
    var status: UInt8

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        let version = try input.u8()
        guard version == 1 || version == 5 else { throw .malformed(offset: start, reason: "username/password status version is not 1") }
        status = try input.u8()
    }
}

/// Request (RFC 1928 §4) and reply (§6) share one layout; CMD is X'01' CONNECT, X'02' BIND,
/// X'03' UDP ASSOCIATE in a request, REP the outcome in a reply:
/// ```
/// +----+---------+-------+------+----------+----------+
/// |VER | CMD/REP |  RSV  | ATYP | DST.ADDR | DST.PORT |
/// +----+---------+-------+------+----------+----------+
/// | 1  |    1    | X'00' |  1   | Variable |    2     |
/// +----+---------+-------+------+----------+----------+
/// ```
/// ATYP X'01' IPv4 (4 bytes), X'03' domain name (a length byte, then the name), X'04' IPv6 (16).
struct SOCKS5Message {
    var code: UInt8
    var address: SOCKSAddress
    var port: UInt16
    var end: Int

    init(parsing input: inout ByteReader, request: Bool) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 5 else { throw .malformed(offset: start, reason: "SOCKS5 \(request ? "request" : "reply") version is not 5") }
        code = try input.u8()
        if request && !(1...3).contains(code) {
            throw .malformed(offset: start + 1, reason: "SOCKS5 request command is not CONNECT, BIND or UDP ASSOCIATE")
        }
        _ = try input.u8()  // RSV
        let atyp = try input.u8()
        switch atyp {
        case 0x01:
            address = .ipv4(try input.u32be())
        case 0x03:
            let n = Int(try input.u8())
            guard n >= 1 else { throw .malformed(offset: input.offset - 1, reason: "SOCKS5 domain name is empty") }
            address = .domain(try input.take(n))
        case 0x04:
            address = .ipv6(try input.take(16))
        default:
            throw .malformed(offset: start + 3, reason: "SOCKS5 address type is not IPv4, domain name or IPv6")
        }
        port = try input.u16be()
        end = input.offset
    }
}

extension PreambleDetector {
    /// SOCKS4 / 4A: CONNECT granted (90) → TLS after the request and the 8-byte reply; BIND
    /// needs a second reply (sent when the peer connects) before the tunnel starts.
    mutating func runSOCKS4(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        var cr = ByteReader(c)
        let request: SOCKS4Request
        do throws(ParseError) { request = try SOCKS4Request(parsing: &cr) } catch {
            return fail(error, .client, "SOCKS4 request")
        }
        var info = PreambleInfo(kind: .socks4)
        info.command = (request.socks4a ? "SOCKS4A " : "SOCKS4 ") + SOCKS.commandName(request.command) + " "
            + request.address.text(c, port: request.port)
        info.commandOffset = 0
        var sr = ByteReader(s)
        var replies = 0
        while true {
            let at = sr.offset
            let reply: SOCKS4Reply
            do throws(ParseError) { reply = try SOCKS4Reply(parsing: &sr) } catch {
                return fail(error, .server, "SOCKS4 reply")
            }
            replies += 1
            info.replyOffset = at
            info.replyCode = Int(reply.code)
            info.serverReply = String(reply.code) + " " + SOCKS.socks4ReplyName(reply.code)
            if reply.code != 90 { return .refused(info) }
            if request.command == 1 || replies == 2 {
                return .tls(clientOffset: request.end, serverOffset: reply.end, preamble: info)
            }
        }
    }

    /// SOCKS5: greeting and method choice (X'FF' refuses), username/password when chosen (a
    /// non-zero STATUS refuses), then the request and its reply: REP X'00' to CONNECT → TLS after
    /// both; BIND needs a second reply; UDP ASSOCIATE relays datagrams elsewhere (`.plaintext`:
    /// no TLS on this connection); any other REP refuses. GSSAPI and other methods are not followed.
    mutating func runSOCKS5(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        var cr = ByteReader(c)
        var sr = ByteReader(s)
        var info = PreambleInfo(kind: .socks5)
        let greeting: SOCKS5Greeting
        do throws(ParseError) { greeting = try SOCKS5Greeting(parsing: &cr) } catch {
            return fail(error, .client, "SOCKS5 greeting")
        }
        let choice: SOCKS5MethodSelection
        do throws(ParseError) { choice = try SOCKS5MethodSelection(parsing: &sr) } catch {
            return fail(error, .server, "SOCKS5 method selection")
        }
        info.command = "SOCKS5 greeting offering " + greeting.names(in: c)
        info.commandOffset = 0
        info.replyOffset = 0
        info.replyCode = Int(choice.method)
        let chosen = SOCKS.octet(choice.method) + " " + SOCKS.methodName(choice.method)
        info.serverReply = chosen
        if choice.method == 0xFF { return .refused(info) }
        guard greeting.offers(choice.method, in: c) else {
            note(.malformed, .server, 1, "the SOCKS5 server chose a method the client did not offer")
            return .notTLS
        }
        switch choice.method {
        case 0x00:
            break
        case 0x02:
            let requestAt = cr.offset, statusAt = sr.offset
            let status: SOCKS5PasswordStatus
            do throws(ParseError) { _ = try SOCKS5PasswordRequest(parsing: &cr) } catch {
                return fail(error, .client, "SOCKS5 username/password request")
            }
            do throws(ParseError) { status = try SOCKS5PasswordStatus(parsing: &sr) } catch {
                return fail(error, .server, "SOCKS5 username/password status")
            }
            if status.status != 0 {
                info.command = "SOCKS5 username/password authentication"
                info.commandOffset = requestAt
                info.replyOffset = statusAt
                info.replyCode = Int(status.status)
                info.serverReply = "STATUS " + SOCKS.octet(status.status) + " authentication failed"
                return .refused(info)
            }
        default:
            note(.unsupported, .server, 1, "the SOCKS5 server chose method " + chosen + ", which the detector does not follow")
            return .notTLS
        }

        let requestAt = cr.offset
        let request: SOCKS5Message
        do throws(ParseError) { request = try SOCKS5Message(parsing: &cr, request: true) } catch {
            return fail(error, .client, "SOCKS5 request")
        }
        info.command = "SOCKS5 " + SOCKS.commandName(request.code) + " " + request.address.text(c, port: request.port)
        info.commandOffset = requestAt
        var replies = 0
        while true {
            let replyAt = sr.offset
            let reply: SOCKS5Message
            do throws(ParseError) { reply = try SOCKS5Message(parsing: &sr, request: false) } catch {
                return fail(error, .server, "SOCKS5 reply")
            }
            replies += 1
            info.replyOffset = replyAt
            info.replyCode = Int(reply.code)
            info.serverReply = SOCKS.octet(reply.code) + " " + SOCKS.replyName(reply.code)
            if reply.code != 0 { return .refused(info) }
            switch request.code {
            case 1: return .tls(clientOffset: request.end, serverOffset: reply.end, preamble: info)
            case 2: if replies == 2 { return .tls(clientOffset: request.end, serverOffset: reply.end, preamble: info) }
            default: return .plaintext(info)
            }
        }
    }
}
