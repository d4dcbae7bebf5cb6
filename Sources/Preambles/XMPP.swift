// XMPP STARTTLS (RFC 6120 §5.4.2): after the stream headers and the server's features, the client
// sends <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> and the server answers
// <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (TLS starts right after its closing '>')
// or <failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/> (and closes the stream).
//
// Only the tags are read, not the XML at large: a tag is "<" … ">" with quoted attribute values
// (which may hold '>'), and comments, processing instructions and declarations are passed over.
// Depth tells the stream's children (depth 1) from the features' children (depth 2): the
// <starttls/> advertised inside <stream:features> is not the client's command.

struct XMLTag {
    enum Kind { case open, close, empty, other }
    var range: Range<Int>
    var kind: Kind
    /// The qualified name ("stream:stream", "starttls").
    var name: Range<Int>
}

/// Reads tags one by one, resuming inside a tag that was cut by the end of the data.
struct XMLTagScanner {
    private var pos = 0
    private var tagStart: Int?
    private var scan = 0
    private var quote: UInt8 = 0
    /// Element nesting after the tags read so far.
    var depth = 0

    mutating func next(_ b: UnsafeRawBufferPointer) -> XMLTag? {
        if tagStart == nil {
            while pos < b.count && b[pos] != UInt8(ascii: "<") { pos += 1 }
            guard pos < b.count else { return nil }
            tagStart = pos
            scan = pos + 1
            quote = 0
        }
        guard let start = tagStart, start + 1 < b.count else { return nil }
        let second = b[start + 1]
        var end: Int? = nil
        if second == UInt8(ascii: "!") {
            guard start + 4 <= b.count else { return nil }
            if b[start + 2] == UInt8(ascii: "-") && b[start + 3] == UInt8(ascii: "-") {
                end = find(b, from: max(scan, start + 4), "-->")
            } else {
                end = find(b, from: scan, ">")
            }
        } else if second == UInt8(ascii: "?") {
            end = find(b, from: max(scan, start + 2), "?>")
        } else {
            var i = scan
            while i < b.count {
                let ch = b[i]
                if quote != 0 {
                    if ch == quote { quote = 0 }
                } else if ch == UInt8(ascii: "'") || ch == UInt8(ascii: "\"") {
                    quote = ch
                } else if ch == UInt8(ascii: ">") {
                    end = i + 1
                    break
                }
                i += 1
            }
            if end == nil { scan = i }
        }
        guard let tagEnd = end else { return nil }
        tagStart = nil
        pos = tagEnd
        let kind: XMLTag.Kind
        var nameStart = start + 1
        if second == UInt8(ascii: "!") || second == UInt8(ascii: "?") {
            kind = .other
        } else if second == UInt8(ascii: "/") {
            kind = .close
            nameStart += 1
        } else if tagEnd - start >= 3 && b[tagEnd - 2] == UInt8(ascii: "/") {
            kind = .empty
        } else {
            kind = .open
        }
        var nameEnd = nameStart
        while nameEnd < tagEnd - 1 {
            let ch = b[nameEnd]
            if ch == 0x20 || ch == 0x09 || ch == 0x0D || ch == 0x0A || ch == UInt8(ascii: "/") || ch == UInt8(ascii: ">") { break }
            nameEnd += 1
        }
        return XMLTag(range: start..<tagEnd, kind: kind, name: nameStart..<nameEnd)
    }

    /// Offset just past the first `literal` at or after `from`; remembers where to resume if absent.
    private mutating func find(_ b: UnsafeRawBufferPointer, from: Int, _ literal: StaticString) -> Int? {
        let n = literal.utf8CodeUnitCount
        let lit = UnsafeBufferPointer(start: literal.utf8Start, count: n)
        var i = from
        while i + n <= b.count {
            var j = 0
            while j < n && b[i + j] == lit[j] { j += 1 }
            if j == n { return i + n }
            i += 1
        }
        scan = max(from, b.count - n + 1)
        return nil
    }
}

struct XMPPState {
    var client = XMLTagScanner()
    var server = XMLTagScanner()
    /// Start of an element of interest opened with a start tag, awaiting its end tag.
    var clientOpen: Int?
    var serverOpen: (start: Int, proceed: Bool, tag: Range<Int>)?
    /// The client's starttls element.
    var starttls: Range<Int>?
}

/// Whether the local part of a qualified name (after any "prefix:") is `local`.
func localNameIs(_ b: UnsafeRawBufferPointer, _ name: Range<Int>, _ local: StaticString) -> Bool {
    var i = name.upperBound
    while i > name.lowerBound && b[i - 1] != UInt8(ascii: ":") { i -= 1 }
    let n = local.utf8CodeUnitCount
    guard name.upperBound - i == n else { return false }
    return prefixMatch(b, at: i, local) == .full
}

extension PreambleDetector {
    static let xmppTLSNamespace: StaticString = "urn:ietf:params:xml:ns:xmpp-tls"

    mutating func runXMPP(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        while xmpp.starttls == nil, let tag = xmpp.client.next(c) {
            let depth = xmpp.client.depth
            switch tag.kind {
            case .open:
                if depth == 1 && localNameIs(c, tag.name, "starttls") { xmpp.clientOpen = tag.range.lowerBound }
                xmpp.client.depth += 1
            case .close:
                xmpp.client.depth -= 1
                if let open = xmpp.clientOpen, depth == 2, localNameIs(c, tag.name, "starttls") {
                    xmpp.starttls = open..<tag.range.upperBound
                }
                if xmpp.client.depth < 0 {
                    note(.malformed, .client, tag.range.lowerBound, "an XMPP end tag without its start tag")
                    return .notTLS
                }
            case .empty:
                if depth == 1 && localNameIs(c, tag.name, "starttls") { xmpp.starttls = tag.range }
            case .other:
                break
            }
        }
        // The server's answer can only follow the client's request.
        guard let request = xmpp.starttls else { return .undecided }

        while let tag = xmpp.server.next(s) {
            let depth = xmpp.server.depth
            var answer: (range: Range<Int>, proceed: Bool)? = nil
            switch tag.kind {
            case .open:
                xmpp.server.depth += 1
                if depth == 1, let proceed = tlsAnswer(s, tag) { xmpp.serverOpen = (tag.range.lowerBound, proceed, tag.range) }
            case .close:
                xmpp.server.depth -= 1
                if let open = xmpp.serverOpen, depth == 2 {
                    answer = (open.start..<tag.range.upperBound, open.proceed)
                }
            case .empty:
                if depth == 1, let proceed = tlsAnswer(s, tag) { answer = (tag.range, proceed) }
            case .other:
                break
            }
            if let (range, proceed) = answer {
                var info = PreambleInfo(kind: .xmppStarttls)
                info.command = reportText(c, request)
                info.commandOffset = request.lowerBound
                info.serverReply = reportText(s, range)
                info.replyOffset = range.lowerBound
                return proceed ? .tls(clientOffset: request.upperBound, serverOffset: range.upperBound, preamble: info) : .refused(info)
            }
        }
        return .undecided
    }

    /// For a stream child: true for <proceed/>, false for <failure/> in the TLS namespace or a
    /// <stream:error>; nil for anything else (SASL's <failure/> included).
    private func tlsAnswer(_ s: UnsafeRawBufferPointer, _ tag: XMLTag) -> Bool? {
        if localNameIs(s, tag.name, "error"), prefixMatch(s, at: tag.name.lowerBound, "stream:") == .full { return false }
        let tls = contains(s, tag.range, Self.xmppTLSNamespace)
        if tls && localNameIs(s, tag.name, "proceed") { return true }
        if tls && localNameIs(s, tag.name, "failure") { return false }
        return nil
    }
}
