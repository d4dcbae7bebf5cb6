#if canImport(Glibc)
import Glibc
#endif
import TLSWire
import TLSFingerprint

/// A handshake message as the adapter reads it: its header's numbers and its body's bytes (in the
/// stream, or in the message's own copy when it spanned records), valid for the call that hands
/// it out. Holds no reference: the observer makes one for each message whole in its record
/// straight from the reader's common event, with no `HandshakeMessage` made and destroyed.
struct MessageView {
    var type: UInt8
    /// Body length from the header.
    var length: Int
    /// Stream offset of the 4-byte message header.
    var streamOffset: Int
    /// Stream offset of the record header of the record where the message starts.
    var recordOffset: Int
    /// How many records the message spanned.
    var recordCount: Int
    /// `HandshakeMessage.bodyStreamOffset`.
    var bodyStreamOffset: Int
    /// The body's bytes; nil when the stream does not hold them (`HandshakeMessage.withBody`).
    var body: UnsafeRawBufferPointer?

    /// A message whole in the record at `recordOffset`, its header at `streamOffset` of `stream`.
    @inline(__always)
    init(type: UInt8, length: Int, streamOffset: Int, recordOffset: Int, stream: UnsafeRawBufferPointer) {
        self.type = type
        self.length = length
        self.streamOffset = streamOffset
        self.recordOffset = recordOffset
        recordCount = 1
        let start = streamOffset &+ 4
        bodyStreamOffset = start
        // (As `withBody`: the range checked against the stream.)
        body = start >= 0 && length >= 0 && start <= stream.count && length <= stream.count &- start
            ? UnsafeRawBufferPointer(rebasing: stream[start ..< start &+ length]) : nil
    }

    init(_ msg: HandshakeMessage, body: UnsafeRawBufferPointer?) {
        type = msg.type.rawValue
        length = msg.length
        streamOffset = msg.streamOffset
        recordOffset = msg.recordOffset
        recordCount = msg.recordCount
        bodyStreamOffset = msg.bodyStreamOffset
        self.body = body
    }

    /// `HandshakeMessage.withBody` of the view's bytes, or nil without them.
    @inline(__always)
    func withBody<R>(_ f: (RawSpan) -> R) -> R? {
        guard let b = body else { return nil }
        return f(b.bytes)
    }
}

extension HandshakeMessage {
    /// Calls `f` with the message's view: its body's bytes where they lie (`withBody(in:_:)`).
    func withView<R>(in stream: UnsafeRawBufferPointer, _ f: (MessageView) -> R) -> R {
        let r: R? = withBody(in: stream) { (body: RawSpan) -> R in
            body.withUnsafeBytes { b in f(MessageView(self, body: b)) }
        }
        if let r { return r }
        return f(MessageView(self, body: nil))
    }
}

/// Turns TLSWire's views of handshake messages into the owned facts the reports keep. This is the
/// only place that copies out of a message, once per message, off the per-packet path.
enum TLSAdapter {
    /// The ClientHello's facts. A hello whose body was seen before, but for the bytes that differ
    /// from connection to connection (random, session id, key shares, PSK identities and binders:
    /// `HelloBody`), is not parsed again: its facts come from `AdapterMemo.helloBodies`, and only
    /// the session id and sizes are the connection's own. Otherwise the hello is parsed, and what
    /// repeats from connection to connection of one client (its lists, ALPN names, key share shape,
    /// JA3 and JA4) comes from `AdapterMemo.hellos`, keyed by exactly the bytes those are made of
    /// (`HelloKey`).
    /// The hello's facts, and `extensionProblem` when some of its extensions could not be read
    /// (the facts then lack what they held: a server_name list longer than its extension reads as
    /// no SNI; the problem says why).
    /// `recordVersion` and `tcpSegments` are the connection's, written into its own values as
    /// they are made (not set afterwards, each through a uniqueness check of the box).
    static func clientHello(_ msg: HandshakeMessage, stream: UnsafeRawBufferPointer, recordVersion: UInt16 = 0,
                            tcpSegments: Int = 0) -> (info: ClientHelloInfo, extensionProblem: String?)? {
        msg.withView(in: stream) { clientHello($0, recordVersion: recordVersion, tcpSegments: tcpSegments) }
    }

    /// The same, of a message's view.
    static func clientHello(_ msg: MessageView, recordVersion: UInt16 = 0,
                            tcpSegments: Int = 0) -> (info: ClientHelloInfo, extensionProblem: String?)? {
        // What the closures need of the message, taken out.
        var m = MessageScalars(msg)
        m.recordVersion = recordVersion
        m.tcpSegments = tcpSegments
        let r: (info: ClientHelloInfo, extensionProblem: String?)?? = msg.withBody { (body: RawSpan) -> (info: ClientHelloInfo, extensionProblem: String?)? in
            body.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> (info: ClientHelloInfo, extensionProblem: String?)? in
                guard b.count <= HelloBody.maxBytes else { return parsedHello(m, body, b, bodyKey: nil) }
                // A hello alike the one last seen of its shape (most hellos: a client sends the same
                // one but for its random, session id and keys) is compared with the kept key in
                // place, with no key written or hashed.
                let alike = HelloBody.alikeIndex(b)
                // (The connection's values are made from the entry while the memo holds it: each
                // shared value is retained once, into them, not first into a copy of the entry's.)
                if let slot = alike, let found = AdapterMemo.helloBodies.lookupAlike(slot, { e, key in
                    HelloBody.matches(b, key: key, gaps: e.gaps, length: e.bodyLength)
                }, { remembered($0, m, b) }) {
                    return found
                }
                return withUnsafeTemporaryAllocation(byteCount: max(HelloBody.capacity(b), 1), alignment: 8) { buf in
                    guard let used = HelloBody.write(b, into: buf) else { return parsedHello(m, body, b, bodyKey: nil) }
                    let key = UnsafeRawBufferPointer(rebasing: buf[..<used])
                    guard let found = AdapterMemo.helloBodies.lookup(key, alike: alike ?? -1, { remembered($0, m, b) }) else {
                        return parsedHello(m, body, b, bodyKey: key, alike: alike ?? -1)
                    }
                    return found
                }
            }
        }
        return r ?? nil
    }

    /// The facts of a hello whose body's key is kept (`entry`): the kept shared part, and the
    /// connection's own values written into their box in place.
    @inline(__always)
    static func remembered(_ entry: borrowing HelloBodyEntry, _ m: MessageScalars, _ b: UnsafeRawBufferPointer)
        -> (info: ClientHelloInfo, extensionProblem: String?) {
        // (Made whole: set one by one on an empty box, the server name written over the empty
        // one's released it first.)
        let sid = HelloBody.sessionID(b)
        let own = ClientHelloInfo.OwnBox(ClientHelloInfo.OwnValues(recordVersion: m.recordVersion, sni: entry.sni,
                                                                   pskIdentities: entry.pskIdentities, sessionIDLength: sid.count,
                                                                   sessionID: ClientHelloInfo.SessionIDBytes(sid),
                                                                   hasEarlyData: entry.hasEarlyData, echOuter: entry.echOuter,
                                                                   size: 4 &+ m.length, tcpSegments: m.tcpSegments, records: m.recordCount),
                                         shared: entry.shared)
        return (ClientHelloInfo(ownBox: own), entry.extensionProblem)
    }

    /// A hello read in full; kept under `bodyKey` when there is one.
    static func parsedHello(_ msg: MessageScalars, _ body: RawSpan, _ b: UnsafeRawBufferPointer,
                            bodyKey: UnsafeRawBufferPointer?, alike: Int = -1) -> (info: ClientHelloInfo, extensionProblem: String?)? {
        guard let hello = try? ClientHello(body: body, base: msg.bodyStreamOffset) else { return nil }
        let problem = extensionProblem(hello.malformedExtensionCount, hello.extensionError)
        let (shared, reordered) = helloTemplate(hello, body)
        // The connection's own values, written into their box in place (no copy into it).
        let ownBox = ClientHelloInfo.OwnBox(ClientHelloInfo.OwnValues(), shared: shared)
        ownBox.v.sni = hello.view(body).serverName
        ownBox.v.sessionID = ClientHelloInfo.SessionIDBytes(UnsafeRawBufferPointer(rebasing: b[HelloKey.inside(hello.sessionID, b)]))
        ownBox.v.sessionIDLength = hello.sessionIDLength
        ownBox.v.pskIdentities = hello.pskIdentityCount
        ownBox.v.hasEarlyData = hello.flags.contains(.earlyData)
        ownBox.v.echOuter = hello.ech?.isOuter ?? false
        ownBox.v.size = 4 &+ msg.length
        ownBox.v.records = msg.recordCount
        ownBox.v.recordVersion = msg.recordVersion
        ownBox.v.tcpSegments = msg.tcpSegments
        // A hello whose extensions came in another order than its shape's first (a client that
        // shuffles them on every connection, as Chrome and Firefox do) will not come again byte for
        // byte: not kept, so that such hellos do not push out the ones that repeat.
        if let bodyKey, !reordered {
            let own = ownBox.v
            // With the ranges its key leaves out, for finding bodies alike in place (`HelloBody.matches`).
            let gaps = HelloBody.gaps(b)
            AdapterMemo.helloBodies.insert(bodyKey, alike: gaps == nil ? -1 : alike,
                                           HelloBodyEntry(shared: shared, sni: own.sni, pskIdentities: own.pskIdentities,
                                                          hasEarlyData: own.hasEarlyData, echOuter: own.echOuter,
                                                          extensionProblem: problem, bodyLength: b.count, gaps: gaps ?? []))
        }
        return (ClientHelloInfo(ownBox: ownBox), problem)
    }

    /// "2 malformed extensions, the first: …" (TLSWire counts extensions it cannot read and keeps
    /// the first error, with its offset in the stream), or nil.
    static func extensionProblem(_ count: Int, _ first: TLSParseError?) -> String? {
        guard count > 0 else { return nil }
        let what = count == 1 ? "1 malformed extension" : "\(count) malformed extensions"
        return first.map { "\(what), the first: \($0.description)" } ?? what
    }

    typealias HelloTemplate = ClientHelloInfo.SharedBox

    /// The numbers the adapter reads of a handshake message besides its body.
    struct MessageScalars {
        var length: Int
        var recordCount: Int
        var bodyStreamOffset: Int
        /// The connection's (see `clientHello`).
        var recordVersion: UInt16 = 0
        var tcpSegments = 0
        init(_ msg: HandshakeMessage) {
            length = msg.length
            recordCount = msg.recordCount
            bodyStreamOffset = msg.bodyStreamOffset
        }
        @inline(__always)
        init(_ msg: MessageView) {
            length = msg.length
            recordCount = msg.recordCount
            bodyStreamOffset = msg.bodyStreamOffset
        }
    }

    /// The shared part of a hello's facts (see `clientHello`): from the memo, or made and kept;
    /// `reordered` when it is a copy of the memo's with the extensions in another order.
    static func helloTemplate(_ hello: ClientHello, _ body: RawSpan) -> (template: HelloTemplate, reordered: Bool) {
        body.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> (template: HelloTemplate, reordered: Bool) in
            let size = HelloKey.capacity(hello, bytes)
            guard size <= HelloKey.maxBytes else {
                return (makeTemplate(hello, body), false)
            }
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: HelloKey.maxExtensionTypes(hello, bytes)) { typesBuffer in
                // The extension types in order, read once for the key and for `reordered`.
                let types = UnsafeBufferPointer(rebasing: typesBuffer[..<HelloKey.extensionTypes(hello, bytes, into: typesBuffer)])
                return withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buf in
                    let used = HelloKey.write(hello, bytes, types: types, into: buf)
                    let key = UnsafeRawBufferPointer(rebasing: buf[..<used])
                    if let kept = AdapterMemo.hellos.lookup(key) {
                        let t = reordered(kept, hello, bytes, types: types)
                        return (t, t !== kept)
                    }
                    let made = makeTemplate(hello, body)
                    AdapterMemo.hellos.insert(key, made)
                    return (made, false)
                }
            }
        }
    }

    /// `kept`, the template of a hello with the same key (`HelloKey`: the same everything, the
    /// extension types as a set), for this hello: itself when the extensions came in the same
    /// order, else a copy with this hello's order and its JA3 (the only values the order changes:
    /// JA4 sorts the extensions). JA3's string is "version,ciphers,extensions,groups,formats":
    /// the copy keeps the kept string's other four fields and writes the extension field anew.
    static func reordered(_ kept: HelloTemplate, _ hello: ClientHello, _ b: UnsafeRawBufferPointer) -> HelloTemplate {
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: HelloKey.maxExtensionTypes(hello, b)) { buf in
            let n = HelloKey.extensionTypes(hello, b, into: buf)
            return reordered(kept, hello, b, types: UnsafeBufferPointer(rebasing: buf[..<n]))
        }
    }

    /// The same, given the hello's extension types in order (`HelloKey.extensionTypes`).
    static func reordered(_ kept: HelloTemplate, _ hello: ClientHello, _ b: UnsafeRawBufferPointer,
                          types: UnsafeBufferPointer<UInt16>) -> HelloTemplate {
        let n = types.count
        let same = kept.v.extensions.withUnsafeBufferPointer { k in
            k.count == n && (n == 0 || memcmp(k.baseAddress!, types.baseAddress!, n &* 2) == 0)
        }
        if same { return kept }
        guard let ja3 = kept.v.ja3, let (string, hash) = ja3WithExtensions(ja3, types) else {
            // No JA3 string of the usual shape (never for a hello made by `makeTemplate`):
            // computed in full.
            var v = kept.v
            v.extensions = Array(types)
            var info = ClientHelloInfo(shared: ClientHelloInfo.SharedBox(v), own: ClientHelloInfo.OwnValues())
            fingerprint(&info, alpnFirst: alpnFirst(hello, b))
            return info.shared
        }
        // Made field by field: the kept values shared, this hello's extension list and JA3 new.
        let k = kept.v
        return ClientHelloInfo.SharedBox(ClientHelloInfo.SharedValues(
            legacyVersion: k.legacyVersion, maxVersion: k.maxVersion, supportedVersions: k.supportedVersions,
            cipherSuites: k.cipherSuites, compressionMethods: k.compressionMethods, extensions: Array(types),
            alpn: k.alpn, supportedGroups: k.supportedGroups, keyShares: k.keyShares,
            signatureAlgorithms: k.signatureAlgorithms, signatureAlgorithmsCert: k.signatureAlgorithmsCert,
            ecPointFormats: k.ecPointFormats, pskModes: k.pskModes, sslv2Format: k.sslv2Format,
            ja3: string, ja3Hash: hash, ja4: k.ja4, ja4r: k.ja4r))
    }

    /// `ja3` with its third field (the extension types) replaced by `types` as JA3 writes them
    /// (decimal, '-' between, GREASE left out), and its MD5 as JA3 gives it; nil when `ja3` has
    /// not exactly four commas.
    static func ja3WithExtensions(_ ja3: String, _ types: UnsafeBufferPointer<UInt16>) -> (String, String)? {
        let r: (String, String)?? = ja3.utf8.withContiguousStorageIfAvailable { old -> (String, String)? in
            guard let src = old.baseAddress else { return nil }
            // The commas' offsets (memchr: the string is a few hundred bytes).
            var commas: (Int, Int, Int, Int) = (0, 0, 0, 0)
            var from = 0
            for k in 0..<5 {
                guard from <= old.count, let c = memchr(src + from, Int32(UInt8(ascii: ",")), old.count &- from) else {
                    if k == 4 { break }
                    return nil
                }
                guard k < 4 else { return nil }
                let at = UnsafePointer<UInt8>(c.assumingMemoryBound(to: UInt8.self)) - src
                switch k {
                case 0: commas.0 = at
                case 1: commas.1 = at
                case 2: commas.2 = at
                default: commas.3 = at
                }
                from = at &+ 1
            }
            let second = commas.1, third = commas.2
            // Five bytes at most for a value, one for its '-'.
            let capacity = old.count &+ types.count &* 6
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { out -> (String, String)? in
                guard let dst = out.baseAddress else { return nil }
                dst.initialize(from: src, count: second &+ 1)
                var w = second &+ 1
                var first = true
                for t in types where !GREASE.isGREASE(t) {
                    if !first { dst[w] = UInt8(ascii: "-"); w &+= 1 }
                    first = false
                    w = writeDecimal(t, dst, w)
                }
                (dst + w).initialize(from: src + third, count: old.count &- third)
                w &+= old.count &- third
                let bytes = UnsafeBufferPointer(start: dst, count: w)
                return (String(decoding: bytes, as: UTF8.self), Digest.md5Hex(UnsafeRawBufferPointer(bytes)))
            }
        }
        return r ?? nil
    }

    /// Writes `v` in decimal at `out[at...]` (room for five digits); returns the end.
    @inline(__always)
    static func writeDecimal(_ v: UInt16, _ out: UnsafeMutablePointer<UInt8>, _ at: Int) -> Int {
        let n = v >= 10_000 ? 5 : v >= 1_000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1
        var x = v
        var i = at &+ n
        repeat {
            i &-= 1
            out[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10)
            x /= 10
        } while i > at
        return at &+ n
    }

    /// The first ALPN protocol's bytes as `makeTemplate` hands them to JA4 (nil without ALPN).
    static func alpnFirst(_ hello: ClientHello, _ b: UnsafeRawBufferPointer) -> [UInt8]? {
        guard hello.alpn != nil else { return nil }
        var first: Range<Int>?
        hello.view(b.bytes).alpnProtocols.forEach { r in if first == nil { first = r } }
        return first.map { b.bytes.tlsBytes($0) } ?? []
    }

    /// The shared part of a hello's facts, computed in full.
    static func makeTemplate(_ hello: ClientHello, _ body: RawSpan) -> HelloTemplate {
        let s = ClientHelloSummary(hello, body: body)
        var alpnFirst: [UInt8]?
        if hello.alpn != nil {
            var first: Range<Int>?
            hello.view(body).alpnProtocols.forEach { r in if first == nil { first = r } }
            alpnFirst = first.map { body.tlsBytes($0) } ?? []
        }
        var info = ClientHelloInfo(s)
        fingerprint(&info, alpnFirst: alpnFirst)
        return info.shared
    }

    static func clientHello(sslv2 hello: SSLv2ClientHello) -> ClientHelloInfo {
        let s = ClientHelloSummary(sslv2: hello)
        var info = ClientHelloInfo(s)
        info.sslv2Format = true
        info.records = 1
        fingerprint(&info, alpnFirst: nil)
        return info
    }

    static func fingerprint(_ info: inout ClientHelloInfo, alpnFirst: [UInt8]?) {
        // `info` was made from the summary (ClientHelloInfo.init): its lists are these values
        // already, and sharing them saves six arrays per hello.
        let input = FingerprintInput(
            transport: .tcp, legacyVersion: info.legacyVersion,
            supportedVersions: info.supportedVersions,
            cipherSuites: info.cipherSuites, extensions: info.extensions,
            supportedGroups: info.supportedGroups, ecPointFormats: info.ecPointFormats,
            signatureAlgorithms: info.signatureAlgorithms, hasSNI: info.sni != nil,
            alpnFirst: alpnFirst ?? (info.alpn.first.map { Array($0.utf8) }))
        let ja3 = JA3.stringAndHash(input)
        let ja4 = JA4.fingerprintAndRaw(input)
        info.ja3 = ja3.string
        info.ja3Hash = ja3.hash
        info.ja4 = ja4.fingerprint
        info.ja4r = ja4.raw
    }

    /// The ServerHello's facts with `recordVersion`, in a box shared with every connection whose
    /// ServerHello was the same but for the bytes that differ from connection to connection
    /// (`ServerHelloBody`, `AdapterMemo.serverHellos`).
    static func serverHello(_ msg: HandshakeMessage, stream: UnsafeRawBufferPointer, recordVersion: UInt16) -> HandshakeFacts.ServerHelloBox? {
        msg.withView(in: stream) { serverHello($0, recordVersion: recordVersion) }
    }

    /// The same, of a message's view.
    static func serverHello(_ msg: MessageView, recordVersion: UInt16) -> HandshakeFacts.ServerHelloBox? {
        let length = msg.length
        let r: HandshakeFacts.ServerHelloBox?? = msg.withBody { (body: RawSpan) -> HandshakeFacts.ServerHelloBox? in
            body.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> HandshakeFacts.ServerHelloBox? in
                func parsed() -> HandshakeFacts.ServerHelloBox? {
                    guard let (read, problem) = serverHelloAndProblem(length: length, body) else { return nil }
                    var info = read
                    info.recordVersion = recordVersion
                    return HandshakeFacts.ServerHelloBox(info, extensionProblem: problem)
                }
                guard b.count <= ServerHelloBody.maxBytes else { return parsed() }
                // A ServerHello alike the one last seen of its shape (most: a server answers alike
                // but for its random, session id and key share) is compared with the kept key in
                // place, with no key written or hashed.
                let alike = ServerHelloBody.alikeIndex(b, recordVersion: recordVersion)
                if let slot = alike, let box = AdapterMemo.serverHellos.lookupAlike(slot, { e, key in
                    e.inPlace && ServerHelloBody.matches(b, recordVersion: recordVersion, key: key, length: e.bodyLength,
                                                         keyShareGap: e.keyShareGap)
                }, { $0.box }) {
                    return box
                }
                return withUnsafeTemporaryAllocation(byteCount: ServerHelloBody.capacity(b), alignment: 8) { buf in
                    guard let used = ServerHelloBody.write(b, recordVersion: recordVersion, into: buf) else { return parsed() }
                    let key = UnsafeRawBufferPointer(rebasing: buf[..<used])
                    if let box = AdapterMemo.serverHellos.lookup(key, alike: alike ?? -1, { $0.box }) { return box }
                    guard let box = parsed() else { return nil }
                    let gap = ServerHelloBody.keyShareGap(b, recordVersion: recordVersion)
                    AdapterMemo.serverHellos.insert(key, alike: alike ?? -1,
                                                    ServerHelloEntry(box: box, bodyLength: b.count, keyShareGap: gap ?? 0..<0,
                                                                     inPlace: gap != nil))
                    return box
                }
            }
        }
        return r ?? nil
    }

    static func serverHello(_ msg: HandshakeMessage, _ body: RawSpan) -> ServerHelloInfo? {
        serverHello(length: msg.length, body)
    }

    static func serverHello(length: Int, _ body: RawSpan) -> ServerHelloInfo? {
        serverHelloAndProblem(length: length, body)?.info
    }

    /// The ServerHello's facts and `extensionProblem` (offsets from the start of its body).
    static func serverHelloAndProblem(length: Int, _ body: RawSpan) -> (info: ServerHelloInfo, extensionProblem: String?)? {
            guard let sh = try? ServerHello(body: body, base: 0) else { return nil }
            var info = ServerHelloInfo()
            info.legacyVersion = sh.legacyVersion.rawValue
            info.version = sh.negotiatedVersion.rawValue
            info.cipherSuite = sh.cipherSuite.rawValue
            info.compressionMethod = sh.compressionMethod.rawValue
            info.extensions = extensionTypes(sh.extensions, body)
            info.keyShareGroup = sh.keyShareGroup?.rawValue
            info.alpn = sh.alpnProtocol(body)
            info.sessionIDLength = sh.sessionID.count
            info.isHelloRetryRequest = sh.isHelloRetryRequest
            info.hrrSelectedGroup = sh.selectedGroup?.rawValue
            info.hrrCookie = sh.hasCookie
            switch sh.downgradeSentinel {
            case .tls12: info.downgradeSentinel = 1
            case .tls11OrBelow: info.downgradeSentinel = 0
            default: info.downgradeSentinel = nil
            }
            info.size = 4 + length
            return (info, extensionProblem(sh.malformedExtensionCount, sh.extensionError))
    }

    /// The extension types of an extensions block in order (as `ExtensionList.forEach` finds
    /// them), one shared copy of each distinct list (`AdapterMemo.codeLists16`).
    static func extensionTypes(_ ext: Range<Int>?, _ body: RawSpan) -> [UInt16] {
        body.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> [UInt16] in
            let r = HelloKey.inside(ext, b)
            guard r.count >= 4 else { return [] }
            // Each extension takes at least four bytes, so its type's two fit in half the block.
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: r.count / 4) { types in
                let n = HelloKey.extensionTypes(in: r, b, into: types)
                let list = UnsafeBufferPointer(rebasing: types[..<n])
                return AdapterMemo.codeLists16.value(for: UnsafeRawBufferPointer(list), salt: AdapterMemo.serverExtensionsKind) {
                    Array(list)
                }
            }
        }
    }

    /// TLS ≤ 1.2 resumption: the server echoed the client's session id.
    static func sameSessionID(clientHelloOf f: HandshakeFacts, serverHello msg: HandshakeMessage, stream: UnsafeRawBufferPointer) -> Bool {
        msg.withView(in: stream) { sameSessionID(clientHelloOf: f, serverHello: $0) }
    }

    /// The same, of a message's view.
    static func sameSessionID(clientHelloOf f: HandshakeFacts, serverHello msg: MessageView) -> Bool {
        // The ClientHello's bytes are gone from the reader by now; compare through the summary's
        // session id kept in ClientHelloInfo.
        // Compared in place (no arrays of either id made).
        guard let cid = f.clientHello?.own.v.sessionID, !cid.isEmpty else { return false }
        let same: Bool? = msg.withBody { (body: RawSpan) -> Bool in
            guard let sh = try? ServerHello(body: body, base: 0) else { return false }
            return body.withUnsafeBytes { b in
                // The id's range clamped to the body, as `tlsBytes` reads it.
                let lo = min(max(sh.sessionID.lowerBound, 0), b.count)
                let hi = min(max(sh.sessionID.upperBound, lo), b.count)
                return cid.equals(UnsafeRawBufferPointer(rebasing: b[lo..<hi]))
            }
        }
        return same ?? false
    }

    static func certificates(_ msg: HandshakeMessage, stream: UnsafeRawBufferPointer, tls13: Bool = false) -> [CertificateInfo] {
        msg.withView(in: stream) { certificates($0, tls13: tls13) }
    }

    /// The same, of a message's view.
    static func certificates(_ msg: MessageView, tls13: Bool = false) -> [CertificateInfo] {
        let r: [CertificateInfo]? = msg.withBody { (body: RawSpan) -> [CertificateInfo] in
            // The same chain comes on every connection to a server: read it once (AdapterMemo).
            body.withUnsafeBytes { bytes in
                AdapterMemo.certificates.value(for: bytes, salt: tls13 ? 1 : 0) {
                    guard let m = try? CertificateMessage(body: body, base: 0, tls13: tls13) else { return [] }
                    var out: [CertificateInfo] = []
                    for entry in m.entries.prefix(16) {
                        let der = body.tlsBytes(entry.certificate)
                        out.append(certificate(der: der))
                    }
                    return out
                }
            }
        }
        return r ?? []
    }

    static func certificate(der: [UInt8]) -> CertificateInfo {
        let s = CertificateSummary(der: der)
        var c = CertificateInfo()
        c.subject = s.subject
        c.issuer = s.issuer
        let san = s.subjectAlternativeNames
        c.subjectAltNames = san.dns.map { "DNS:" + $0 } + san.ip.map { "IP:" + $0 } + san.uri.map { "URI:" + $0 } + san.email.map { "email:" + $0 }
        c.notBefore = s.notBefore?.unixSeconds
        c.notAfter = s.notAfter?.unixSeconds
        c.notBeforeText = s.notBefore?.description
        c.notAfterText = s.notAfter?.description
        c.keyType = keyTypeName(s.keyType, algorithm: s.publicKeyAlgorithm)
        c.keyBits = s.keyBits
        c.curve = s.curve
        c.signatureAlgorithm = s.signatureAlgorithm
        c.keyUsage = s.keyUsage ?? []
        c.extendedKeyUsage = s.extendedKeyUsage ?? []
        c.isCA = s.isCA ?? false
        c.selfSigned = s.isSelfSigned
        c.serial = s.serial
        c.sha256 = Digest.sha256Hex(der)
        c.size = der.count
        c.parseError = s.error.map { "\($0)" }
        return c
    }

    static func keyTypeName(_ k: CertificateSummary.KeyType, algorithm: String) -> String {
        switch k {
        case .rsa: return "RSA"
        case .rsaPSS: return "RSA-PSS"
        case .ec: return "EC"
        case .dsa: return "DSA"
        case .dh: return "DH"
        case .ed25519: return "Ed25519"
        case .ed448: return "Ed448"
        case .x25519: return "X25519"
        case .x448: return "X448"
        case .mldsa: return "ML-DSA"
        case .slhdsa: return "SLH-DSA"
        case .gost: return "GOST"
        case .sm2: return "SM2"
        case .unknown: return algorithm.isEmpty ? "unknown" : algorithm
        }
    }

    /// What a ServerKeyExchange message says (`serverKeyExchangeFields`), as plain values: nothing
    /// to make or destroy, and equal keys for equal `KeyExchangeInfo`s (the observer shares one
    /// box among connections whose fields are the same; `info` is what the box holds).
    struct KeyExchangeFields {
        /// nil: the message could not be read.
        var format: ServerKeyExchange.Format?
        var group: UInt16?
        var dhPrimeBits: Int?
        var publicKeyLength: Int?
        var signatureAlgorithm: UInt16?

        /// All of the above in three words, equal exactly when the fields are (compared in place
        /// of them: no call for the optionals and the format).
        var key: (UInt64, UInt64, UInt64) {
            var w: UInt64
            switch format {
            case nil: w = 0
            case .none?: w = 1
            case .dhe?: w = 2
            case .ecdhe?: w = 3
            case .psk?: w = 4
            case .dhePSK?: w = 5
            case .ecdhePSK?: w = 6
            case .srp?: w = 7
            case .rsaExport?: w = 8
            }
            if let group { w |= 1 << 8 | UInt64(group) << 16 }
            if let signatureAlgorithm { w |= 1 << 9 | UInt64(signatureAlgorithm) << 32 }
            if dhPrimeBits != nil { w |= 1 << 10 }
            if publicKeyLength != nil { w |= 1 << 11 }
            return (w, UInt64(bitPattern: Int64(dhPrimeBits ?? 0)), UInt64(bitPattern: Int64(publicKeyLength ?? 0)))
        }

        var info: KeyExchangeInfo {
            guard let format else { return KeyExchangeInfo(kind: "unreadable") }
            var info: KeyExchangeInfo
            switch format {
            case .ecdhe, .ecdhePSK: info = KeyExchangeInfo(kind: "ECDHE")
            case .dhe, .dhePSK: info = KeyExchangeInfo(kind: "DHE")
            default: info = KeyExchangeInfo(kind: format.rawValue)
            }
            info.group = group
            info.dhPrimeBits = dhPrimeBits
            info.publicKeyLength = publicKeyLength
            info.signatureAlgorithm = signatureAlgorithm
            return info
        }
    }

    static func serverKeyExchangeFields(_ msg: MessageView, suite: UInt16?, version: UInt16?) -> KeyExchangeFields? {
        guard let suite, let kx = CipherSuite(rawValue: suite).keyExchange else { return nil }
        return msg.withBody { (body: RawSpan) -> KeyExchangeFields in
            guard let ske = try? ServerKeyExchange(body: body, base: 0, keyExchange: kx, version: ProtocolVersion(version ?? 0x0303)) else {
                return KeyExchangeFields()
            }
            return KeyExchangeFields(format: ske.format, group: ske.namedGroup?.rawValue, dhPrimeBits: ske.dhPrimeBits,
                                     publicKeyLength: ske.publicKeyLength, signatureAlgorithm: ske.signatureScheme?.rawValue)
        }
    }

    /// Reads a two-byte plaintext alert record at stream offset `offset` (record header included).
    static func plaintextAlert(at offset: Int, in stream: UnsafeRawBufferPointer) -> (level: UInt8, description: UInt8)? {
        guard offset >= 0, offset + 7 <= stream.count else { return nil }
        let level = stream[offset + 5], desc = stream[offset + 6]
        guard level == 1 || level == 2 else { return nil }
        return (level, desc)
    }
}

extension ClientHelloInfo {
    init(_ s: ClientHelloSummary) {
        self.init()
        legacyVersion = s.legacyVersion.rawValue
        maxVersion = s.maxVersion.rawValue
        supportedVersions = AdapterMemo.codes(s.supportedVersions, kind: 1)
        cipherSuites = AdapterMemo.codes(s.cipherSuites, kind: 2)
        compressionMethods = AdapterMemo.codes(s.compressionMethods, kind: 3)
        extensions = AdapterMemo.codes(s.extensions, kind: 4)
        sni = s.sni
        alpn = s.alpn
        supportedGroups = AdapterMemo.codes(s.supportedGroups, kind: 5)
        keyShares = s.keyShares.map { KeyShare(group: $0.group.rawValue, keyLength: $0.keyLength) }
        signatureAlgorithms = AdapterMemo.codes(s.signatureAlgorithms, kind: 6)
        signatureAlgorithmsCert = AdapterMemo.codes(s.signatureAlgorithmsCert, kind: 7)
        ecPointFormats = AdapterMemo.codes(s.ecPointFormats, kind: 8)
        pskModes = AdapterMemo.codes(s.pskModes, kind: 9)
        pskIdentities = s.pskIdentityCount
        sessionIDLength = s.sessionIDLength
        hasEarlyData = s.hasEarlyData
        echOuter = s.ech?.isOuter ?? false
        size = s.size
        sslv2Format = s.fromSSLv2
    }
}
