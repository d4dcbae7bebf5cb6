// HTTP CONNECT through a proxy (RFC 9110 §9.3.6; message syntax RFC 9112 §2–§7). The client asks
// for a tunnel with a request whose line is `CONNECT host:port HTTP/1.x`, then header lines and an
// empty line; the proxy answers with a status line, header lines and an empty line:
// ```
// CONNECT example.com:443 HTTP/1.1 CR LF      HTTP/1.1 200 Connection established CR LF
// Host: example.com:443 CR LF                 Proxy-agent: … CR LF
// CR LF                    ← TLS after        CR LF                  ← TLS after
// ```
// A 2xx answer makes the connection a tunnel right after its empty line (a 2xx answer to CONNECT
// has no body, RFC 9110 §9.3.6), and the client's bytes after its own empty line are the tunnel's.
// Any other final status refuses the tunnel; 1xx interim answers are passed over.
//
// A 407 (Proxy Authentication Required) on a connection that stays open (RFC 9112 §9.3) may be
// followed by a new CONNECT carrying Proxy-Authorization on the same connection. So a 407 is not
// final at once: its body (Content-Length or chunked, RFC 9112 §6.3, §7.1) is passed over, and if
// the client's next bytes start another CONNECT, that request and its answer decide; anything else
// makes the 407 the answer. A 407 that closes the connection, or whose body only ends with it,
// refuses at once.
//
// Requests and answers are paired in order: an answer is read only once the request it answers is
// complete, and a new request only once the 407 before it (body included) is complete.

/// State of an HTTP CONNECT exchange, resumed from call to call.
struct HTTPConnectState {
    enum Stage { case request, response, body }
    enum ChunkPhase { case size, dataEnd, trailer }

    var stage = Stage.request
    var client = LineScanner()
    var server = LineScanner()

    /// The request being read: its request line (CR LF excluded) once read, the target
    /// ("host:port"), and the end of its empty line once read.
    var requestLine: Range<Int>?
    var target = 0..<0
    var requestEnd = 0

    /// The answer being read: its status line, code and what its header fields say.
    var statusLine: Range<Int>?
    var status = 0
    var version11 = false
    var contentLength: Int?
    var lengthInvalid = false
    var chunked = false
    var close = false
    var keepAlive = false

    /// A 407's body: where a Content-Length body ends, or the chunked reader's place.
    var bodyEnd = 0
    var chunk = ChunkPhase.size

    /// The 407 that stands unless the client asks again on this connection.
    var pending: PreambleInfo?

    /// Starts reading an answer at its status line.
    mutating func beginResponse(_ line: Range<Int>, status: Int, version11: Bool) {
        statusLine = line
        self.status = status
        self.version11 = version11
        contentLength = nil
        lengthInvalid = false
        chunked = false
        close = false
        keepAlive = false
    }

    /// Notes what one header field line (CR LF excluded) of an answer says about the connection
    /// and the body. Lines without a colon (an obsolete folded continuation) are passed over.
    mutating func header(_ s: UnsafeRawBufferPointer, _ line: Range<Int>) {
        var colon = line.lowerBound
        while colon < line.upperBound && s[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < line.upperBound else { return }
        let name = line.lowerBound..<colon
        var lo = colon + 1
        var hi = line.upperBound
        while lo < hi, s[lo] == 0x20 || s[lo] == 0x09 { lo += 1 }
        while hi > lo, s[hi - 1] == 0x20 || s[hi - 1] == 0x09 { hi -= 1 }
        let value = lo..<hi
        if equalsIgnoringCase(s, name, "Content-Length") {
            // 1*DIGIT; anything else (a list, a sign) leaves the length unknown.
            var n = 0
            for i in value {
                guard isDigit(s[i]), n <= 100_000_000 else { lengthInvalid = true; return }
                n = n * 10 + Int(s[i] - 0x30)
            }
            if value.isEmpty || (contentLength != nil && contentLength != n) { lengthInvalid = true }
            contentLength = n
        } else if equalsIgnoringCase(s, name, "Transfer-Encoding") {
            if hasToken(s, value, "chunked") { chunked = true }
        } else if equalsIgnoringCase(s, name, "Connection") || equalsIgnoringCase(s, name, "Proxy-Connection") {
            if hasToken(s, value, "close") { close = true }
            if hasToken(s, value, "keep-alive") { keepAlive = true }
        }
    }

    /// Whether the connection stays open after the answer (RFC 9112 §9.3): not when it says
    /// "close"; HTTP/1.1 by default; HTTP/1.0 only with "keep-alive".
    var persistent: Bool { !close && (version11 || keepAlive) }
}

/// `HTTP/d.d` → 10 × major + minor.
func httpVersion(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
    guard r.count == 8, r.lowerBound >= 0, r.upperBound <= b.count, prefixMatch(b, at: r.lowerBound, "HTTP/") == .full,
          isDigit(b[r.lowerBound + 5]), b[r.lowerBound + 6] == UInt8(ascii: "."), isDigit(b[r.lowerBound + 7]) else { return nil }
    return Int(b[r.lowerBound + 5] - 0x30) * 10 + Int(b[r.lowerBound + 7] - 0x30)
}

/// Whether a comma-separated header value holds `token` (ASCII case ignored).
func hasToken(_ b: UnsafeRawBufferPointer, _ value: Range<Int>, _ token: StaticString) -> Bool {
    var i = value.lowerBound
    while i < value.upperBound {
        while i < value.upperBound, b[i] == 0x20 || b[i] == 0x09 || b[i] == UInt8(ascii: ",") { i += 1 }
        let start = i
        while i < value.upperBound, b[i] != UInt8(ascii: ",") { i += 1 }
        var end = i
        while end > start, b[end - 1] == 0x20 || b[end - 1] == 0x09 { end -= 1 }
        if equalsIgnoringCase(b, start..<end, token) { return true }
    }
    return false
}

/// A chunk-size line (RFC 9112 §7.1): hex digits, then optional whitespace and `;extensions`.
/// Sizes of more than seven hex digits are refused (nil), as are lines without a digit.
func chunkSize(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Int? {
    var n = 0
    var digits = 0
    var i = line.lowerBound
    while i < line.upperBound {
        let ch = b[i]
        let v: Int
        switch ch {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = Int(ch - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = Int(ch - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = Int(ch - UInt8(ascii: "A")) + 10
        default: v = -1
        }
        if v < 0 { break }
        digits += 1
        guard digits <= 7 else { return nil }
        n = n << 4 | v
        i += 1
    }
    guard digits > 0 else { return nil }
    if i < line.upperBound, b[i] != UInt8(ascii: ";"), b[i] != 0x20, b[i] != 0x09 { return nil }
    return n
}

extension PreambleDetector {
    mutating func runHTTPConnect(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while true {
            switch http.stage {
            case .request:
                if http.requestLine == nil, let pending = http.pending {
                    // After a 407 the client's next bytes must start another CONNECT; anything else
                    // (TLS sent regardless, another method) leaves the 407 as the answer.
                    let at = http.client.pos
                    let blank = at < c.count && (c[at] == 0x0D || c[at] == 0x0A)
                    if !blank && prefixMatch(c, at: at, "CONNECT ") == .mismatch { return .refused(pending) }
                }
                guard let line = http.client.peek(c) else { return .undecided }
                http.client.consume(line)
                let t = trimmed(c, line)
                if http.requestLine == nil {
                    if t.isEmpty { continue }  // empty lines before a request line are ignored (RFC 9112 §2.2)
                    var words = Words(c, t)
                    guard let method = words.next(), method.count == 7, prefixMatch(c, at: method.lowerBound, "CONNECT") == .full,
                          let target = words.next(), let version = words.next(), httpVersion(c, version) != nil, words.next() == nil else {
                        note(.malformed, .client, line.lowerBound, "an HTTP CONNECT request line is not `CONNECT host:port HTTP/1.x`")
                        return .notTLS
                    }
                    http.requestLine = t
                    http.target = target
                } else if t.isEmpty {
                    http.requestEnd = line.upperBound
                    http.stage = .response
                }

            case .response:
                if http.statusLine == nil, prefixMatch(s, at: http.server.pos, "HTTP/") == .mismatch {
                    note(.malformed, .server, http.server.pos, "the proxy's answer to CONNECT does not start with `HTTP/`")
                    return .notTLS
                }
                guard let line = http.server.peek(s) else { return .undecided }
                http.server.consume(line)
                let t = trimmed(s, line)
                guard let statusLine = http.statusLine else {
                    // status-line = HTTP-version SP status-code SP [ reason-phrase ]
                    var words = Words(s, t)
                    guard let version = words.next(), let v = httpVersion(s, version), let code = words.next(), code.count == 3,
                          isDigit(s[code.lowerBound]), isDigit(s[code.lowerBound + 1]), isDigit(s[code.lowerBound + 2]) else {
                        note(.malformed, .server, line.lowerBound, "the proxy's status line is not `HTTP/1.x ddd reason`")
                        return .notTLS
                    }
                    let status = Int(s[code.lowerBound] - 0x30) * 100 + Int(s[code.lowerBound + 1] - 0x30) * 10 + Int(s[code.lowerBound + 2] - 0x30)
                    http.beginResponse(t, status: status, version11: v >= 11)
                    continue
                }
                if !t.isEmpty {
                    http.header(s, t)
                    continue
                }
                // The empty line ends the answer's header section.
                if http.status < 200 {
                    http.statusLine = nil  // an interim answer: the final one follows
                    continue
                }
                var info = PreambleInfo(kind: .httpConnect)
                let request = http.requestLine ?? 0..<0
                info.command = "CONNECT " + reportText(c, http.target, max: 300)
                info.commandOffset = request.lowerBound
                info.serverReply = reportText(s, statusLine)
                info.replyOffset = statusLine.lowerBound
                info.replyCode = http.status
                if http.status < 300 {
                    return .tls(clientOffset: http.requestEnd, serverOffset: line.upperBound, preamble: info)
                }
                let delimited = http.chunked || (!http.lengthInvalid && (http.contentLength ?? Int.max) <= Self.byteLimit)
                guard http.status == 407, http.persistent, delimited else { return .refused(info) }
                http.pending = info
                http.stage = .body
                http.chunk = .size
                http.bodyEnd = line.upperBound + (http.chunked ? 0 : http.contentLength ?? 0)

            case .body:
                if http.chunked {
                    guard let line = http.server.peek(s) else { return .undecided }
                    http.server.consume(line)
                    let t = trimmed(s, line)
                    switch http.chunk {
                    case .size:
                        guard let size = chunkSize(s, t) else {
                            note(.malformed, .server, line.lowerBound, "a chunk-size line in the proxy's 407 body is not a hex size")
                            return .notTLS
                        }
                        if size == 0 {
                            http.chunk = .trailer
                        } else {
                            http.server.skip = size
                            http.chunk = .dataEnd
                        }
                        continue
                    case .dataEnd:
                        guard t.isEmpty else {
                            note(.malformed, .server, line.lowerBound, "chunk data in the proxy's 407 body is not followed by CR LF")
                            return .notTLS
                        }
                        http.chunk = .size
                        continue
                    case .trailer:
                        guard t.isEmpty else { continue }
                    }
                } else {
                    guard s.count >= http.bodyEnd else { return .undecided }
                    http.server.move(to: http.bodyEnd)
                }
                // The 407 is complete: the next request, if the client makes one, comes now.
                http.requestLine = nil
                http.statusLine = nil
                http.stage = .request
            }
        }
    }
}
