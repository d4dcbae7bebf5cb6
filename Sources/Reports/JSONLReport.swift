import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Preambles

/// The tables a line's names come from, fetched once a line (each static is a lazily
/// initialised global: every read of one goes through swift_once).
final class ReportTables: Sendable {
    static let shared = ReportTables()
    /// `shared`, to be used without a retain and a release per line: every thread writing lines
    /// reads it, and reference counting a shared object makes the cores fight over its cache line.
    static let unretained = Unmanaged.passUnretained(shared)
    let versions = NameTable.versions
    let cipherSuites = NameTable.cipherSuites
    let groups = NameTable.groups
    let signatureSchemes = NameTable.signatureSchemes
    let extensionTypes = NameTable.extensionTypes
    let alerts = NameTable.alerts
    let roleSources = NameTable.rawValues(of: RoleSource.self)
    let endReasons = NameTable.rawValues(of: EndReason.self)
    let preambleKinds = NameTable.rawValues(of: PreambleKind.self)
    let outcomes = NameTable.rawValues(of: Outcome.self)
    let categories = NameTable.rawValues(of: Category.self)
    let blames = NameTable.rawValues(of: Blame.self)
}

/// `--format jsonl`: one object per connection. The field names are a contract, documented in
/// docs/json-output.md and docs/tlsdiag.schema.json.
///
/// Written as bytes straight from the facts (`JSONOut`): the keys as literal fragments with their
/// quotes, colon and comma, registry names copied from `NameTable`, numbers, times and endpoints
/// formatted in place. Only strings that came from elsewhere (the wire, the diagnosis) are
/// scanned for characters to escape.
public enum JSONLReport {
    /// The report's line, without its newline.
    public static func line(_ r: ConnectionReport) -> String {
        line(r, shapes: true)
    }

    /// The line, with or without the memo of whole hellos, chains and capture names (`ShapeMemo`;
    /// without it for the tests that hold the memo to what it saves writing).
    static func line(_ r: ConnectionReport, shapes: Bool) -> String {
        let context = JSONLineContext.take()
        var o = JSONOut(context: context, shapes: shapes)
        write(r, &o)
        let line = String(decoding: o.bytes, as: UTF8.self)
        o.finish(into: context)
        JSONLineContext.give(context)
        return line
    }

    /// Appends the report's line (the bytes `line(r)` would give, without a newline) to `out`:
    /// no String is made.
    public static func write(_ r: ConnectionReport, into out: inout [UInt8]) {
        let context = JSONLineContext.take()
        var o = JSONOut(context: context)
        write(r, &o)
        out.append(contentsOf: o.bytes)
        o.finish(into: context)
        JSONLineContext.give(context)
    }

    /// The line of a connection (the bytes `line(_:)` gives for its report) and a newline, written
    /// from its parts straight into `sink`'s buffer: no report is put together, no copy made.
    public static func writeLine(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts, diagnosis: Diagnosis,
                                 to sink: OutputSink) {
        guard sink.accepting else { return }
        withLine(into: sink) { o, t in write(capture: capture, facts: facts, handshake: handshake, diagnosis: diagnosis, t, &o) }
    }

    /// A line written by `body` straight into `sink`'s buffer through the sink's line context
    /// (made at its first line), and its newline.
    @inline(__always)
    static func withLine(into sink: OutputSink, _ body: (inout JSONOut, ReportTables) -> Void) {
        if sink.jsonContextRef == nil {
            let context = JSONLineContext()
            sink.jsonContext = context
            sink.jsonContextRef = Unmanaged.passUnretained(context)
        }
        // Unretained: the sink holds its context, and nothing replaces it during the line.
        sink.jsonContextRef.unsafelyUnwrapped._withUnsafeGuaranteedRef { context in
            var o = JSONOut(appendingTo: sink, context: context)
            context.tables._withUnsafeGuaranteedRef { t in body(&o, t) }
            o.finish(into: sink, context: context)
        }
        sink.endLine()
    }

    /// `writeLine(capture:facts:handshake:diagnosis:to:)` for a completed handshake's verdict given
    /// as its parts (`CompletedVerdict`): the same bytes as for its `diagnosis`, with no `Diagnosis`
    /// made.
    public static func writeLine(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts, completed: CompletedVerdict,
                                 to sink: OutputSink) {
        guard sink.accepting else { return }
        withLine(into: sink) { o, t in write(capture: capture, facts: facts, handshake: handshake, diagnosis: completed, t, &o) }
    }

    static func write(_ r: ConnectionReport, _ o: inout JSONOut) {
        write(capture: r.capture, facts: r.facts, handshake: r.handshake, diagnosis: r.diagnosis, &o)
    }

    static func write(capture: String, facts c: ConnectionFacts, handshake: HandshakeFacts, diagnosis: Diagnosis, _ o: inout JSONOut) {
        ReportTables.unretained._withUnsafeGuaranteedRef { t in
            write(capture: capture, facts: c, handshake: handshake, diagnosis: diagnosis, t, &o)
        }
    }

    @inline(__always)
    static func write<V: LineVerdict>(capture: String, facts c: ConnectionFacts, handshake: HandshakeFacts, diagnosis: V, _ t: ReportTables,
                                      _ o: inout JSONOut) {
        writeCapture(&o, capture)
        // (The sums beside each `fixed` are the most its parts write: keys, then `JSONCursor`'s.)
        if let shapes = o.shapesRef {
            // (The server's address's text from the memo: a capture's servers recur. Clients'
            // addresses vary more: looked up, they missed more often than not.)
            shapes._withUnsafeGuaranteedRef { m in
                let addresses = m.addresses
                o.fixed(256) { w, _ in  // 10 + 49 + 10 + 49 + 9
                    w.literal(#","client":"#); w.endpoint(c.client)
                    w.literal(#","server":"#); w.endpoint(c.server, addresses)
                    w.literal(#","roles":"#)
                }
            }
        } else {
            o.fixed(256) { w, _ in  // 10 + 49 + 10 + 49 + 9
                w.literal(#","client":"#); w.endpoint(c.client)
                w.literal(#","server":"#); w.endpoint(c.server)
                w.literal(#","roles":"#)
            }
        }
        o.rawValue(c.roleSource, t.roleSources)
        o.fixed(128) { w, last in  // 9 + 48 + 15 + 32
            w.literal(#","start":"#); w.timestamp(c.first.time, &last)
            w.literal(#","duration_ms":"#); w.milliseconds(between: c.first.time, and: c.last.time)
        }
        writeTraffic(&o, c, t)
        writeHandshake(&o, handshake, c, t)
        writeTeardown(&o, handshake, c, t)
        writeProblems(&o, handshake)
        diagnosis.write(&o, c, t)  // (which closes the line's object)
    }

    /// From `,"packets":` to the end of the `"tcp"` object: remembered by the counts when there is
    /// a memo (`TrafficMemo`).
    @inline(__always)
    static func writeTraffic(_ o: inout JSONOut, _ c: ConnectionFacts, _ t: ReportTables) {
        guard let shapes = o.shapesRef, let key = TrafficKey(c) else { writeTrafficFields(&o, c, t); return }
        shapes._withUnsafeGuaranteedRef { m in
            let hash = key.hash
            if let (text, n) = m.traffic.lookup(key, hash) {
                o.bytes(text, n)
                return
            }
            let start = o.count
            writeTrafficFields(&o, c, t)
            m.traffic.store(key, hash, text: o.base + start, count: o.count &- start)
        }
    }

    static func writeTrafficFields(_ o: inout JSONOut, _ c: ConnectionFacts, _ t: ReportTables) {
        o.fixed(512) { w, _ in  // 21 + 21 + 10 + 21 + 21 + 21 + 10 + 21 + 29 + 21 + 17 + 7
            w.literal(#","packets":{"client":"#); w.decimal(c.clientSide.packets)
            w.literal(#","server":"#); w.decimal(c.serverSide.packets)
            w.literal(#"},"bytes":{"client":"#); w.decimal(c.clientSide.payloadBytes)
            w.literal(#","server":"#); w.decimal(c.serverSide.payloadBytes)
            w.literal(c.clientSide.firstSyn != nil ? #"},"tcp":{"syn_seen":true"# : #"},"tcp":{"syn_seen":false"#)
            w.literal(c.established ? #","established":true"# : #","established":false"#)
            w.literal(c.refused ? #","refused":true"# : #","refused":false"#)
            w.literal(#","end":"#)
        }
        o.rawValue(c.endReason, t.endReasons)
        o.literal(#","client":"#); writeSide(&o, c.clientSide)
        o.literal(#","server":"#); writeSide(&o, c.serverSide)
        o.literal("}")
    }

    /// What could not be read, only when something could not: `parse_errors` (a record or message
    /// that is not TLS, a hello with bytes lost in the capture, extensions that cannot be read) and
    /// `timeline_dropped` (events past the timeline's limit).
    @inline(__always)
    static func writeProblems(_ o: inout JSONOut, _ h: HandshakeFacts) {
        guard h.mayHaveRareValues else { return }
        writeRareProblems(&o, h)
    }

    @inline(never)
    static func writeRareProblems(_ o: inout JSONOut, _ h: HandshakeFacts) {
        let errors = h.parseErrors
        if !errors.isEmpty { o.literal(#","parse_errors":"#); o.strings(errors) }
        let dropped = h.timelineDropped
        if dropped > 0 { o.literal(#","timeline_dropped":"#); o.decimal(Int64(dropped)) }
    }

    /// `{"capture":` and the capture's name as a JSON string: the same on every line of a capture,
    /// so their text is kept from the line before.
    @inline(__always)
    static func writeCapture(_ o: inout JSONOut, _ capture: String) {
        guard let shapes = o.shapesRef else { o.literal(#"{"capture":"#); o.string(capture); return }
        shapes._withUnsafeGuaranteedRef { m in
            if let last = m.capture, last == capture, let b = m.captureText.bytes {
                o.bytes(b, m.captureText.count)
                return
            }
            let start = o.count
            o.literal(#"{"capture":"#)
            o.string(capture)
            if o.count &- start <= ShapeMemo.maxBytes {
                m.captureText.replace(copying: o.base, start, o.count)
                m.capture = capture
            }
        }
    }

    @inline(__always)  // (passed to a call, each side's facts were copied whole)
    static func writeSide(_ o: inout JSONOut, _ s: SideFacts) {
        o.fixed(256) { w, _ in  // 16 + 21 + 26 + 21 + 24 + 21 + 22 + 21 + 10
            w.literal(#"{"stream_bytes":"#); w.decimal(s.streamBytes)
            w.literal(#","retransmitted_segments":"#); w.decimal(s.retransmittedSegments)
            w.literal(#","conflicting_overlaps":"#); w.decimal(s.conflictingOverlaps)
            w.literal(#","truncated_segments":"#); w.decimal(s.truncatedSegments)
            w.literal(#","gaps":["#)
        }
        var first = true
        for g in s.gaps {
            o.fixed(128) { w, _ in  // 12 + 21 + 10 + 21 + 1
                w.literal(first ? #"{"offset":"# : #",{"offset":"#); w.decimal(g.offset)
                w.literal(#","length":"#); w.decimal(g.length)
                w.literal("}")
            }
            first = false
        }
        o.literal("]}")
    }

    static func writeHandshake(_ o: inout JSONOut, _ h: HandshakeFacts, _ c: ConnectionFacts, _ t: ReportTables) {
        // The rarely set values are asked for only when the cheap checks say they may be there:
        // reading one makes an optional copy whose destroy goes through its type's value
        // witnesses (about 100 instructions), even when it is nil.
        // (Without a preamble, its keys are written with the hello's first fields.)
        var noPreamble = true
        if h.mayHaveRareValues, let p = h.preamble {
            noPreamble = false
            o.literal(#","preamble":"#)
            o.rawValue(p.kind, t.preambleKinds)
            o.literal(#","preamble_detail":"#)
            writePreamble(&o, p, h.preambleResult)
            o.literal(#","client_hello":"#)
        }
        // (Passed as the facts hold it: bound to a name first, it was copied, two retains and releases.)
        var hello: Unmanaged<HelloEntry>? = nil
        if h.clientHello != nil {
            hello = writeClientHello(&o, h.clientHello.unsafelyUnwrapped, packet: h.clientHelloPacket, t, afterNoPreamble: noPreamble)
        } else if noPreamble {
            o.literal(#","preamble":null,"preamble_detail":null,"client_hello":null"#)
        } else {
            o.literal("null")
        }
        if h.mayHaveRareValues {
            if let hrr = h.helloRetryRequest {
                o.literal(#","hello_retry_request":"#)
                writeServerHello(&o, hrr, packet: nil, t)
            }
            if let ch2 = h.secondClientHello {
                o.literal(#","second_client_hello":"#)
                writeClientHello(&o, ch2, packet: nil, t)
            }
        }
        // The ServerHello is read once (each read copies it out of its box), and used for both of
        // its parts.
        if let sh = h.serverHello {
            writeServerPart(&o, sh, h, t, after: hello)
        } else {
            o.literal(#","server_hello":null"#)
            writeCertificatesAndKeyExchange(&o, h, t)
            o.literal(#","negotiated":null"#)
        }
        if h.alerts.isEmpty {
            o.literal(#","alerts":[]"#)
            return
        }
        o.literal(#","alerts":["#)
        var first = true
        for a in h.alerts {
            o.literal(first ? #"{"by":"# : #",{"by":"#)
            first = false
            o.literal(a.by == .client ? #""client""# : #""server""#)
            o.literal(#","level":"#)
            switch a.level {
            case nil: o.literal("null")
            case 2?: o.literal(#""fatal""#)
            case 1?: o.literal(#""warning""#)
            case let l?: o.literal("\""); o.decimal(l); o.literal("\"")
            }
            o.literal(#","description":"#); o.decimal(a.description)
            o.literal(#","name":"#); o.name(a.description.map { UInt16($0) }, t.alerts)
            o.literal(#","encrypted":"#); o.bool(a.encrypted)
            o.literal(#","inferred":"#); o.bool(a.inferred)
            o.literal(#","packet":"#); o.decimal(a.packet.number)
            o.literal("}")
        }
        o.literal("]")
    }

    /// From `,"server_hello":` to the end of `"negotiated"`. With a memo, a ServerHello of a
    /// remembered shape whose certificates, key exchange, client certificates and resumption are
    /// those remembered with it (`ServerWhole`) copies one piece after its packet.
    /// `hello` is the memo's entry of the connection's ClientHello: the ServerHello entry that
    /// answered its shape last is tried first (`HelloEntry.server`), before the ServerHello's hash.
    static func writeServerPart(_ o: inout JSONOut, _ sh: ServerHelloInfo, _ h: HandshakeFacts, _ t: ReportTables,
                                after hello: Unmanaged<HelloEntry>?) {
        let packet = h.serverHelloPacket
        o.fixed(64) { w, _ in  // 16 + 10 + 21
            w.literal(#","server_hello":{"packet":"#); w.decimal(packet?.number)
        }
        guard let shapes = o.shapesRef else {
            writeServerHelloRest(&o, sh, t)
            writeServerRest(&o, sh, h, h.certificates, h.keyExchange, t)
            return
        }
        shapes._withUnsafeGuaranteedRef { m in
            var found: Unmanaged<ServerHelloEntry>? = nil
            if let link = hello?._withUnsafeGuaranteedRef({ $0.serverLink }),
               link._withUnsafeGuaranteedRef({ $0.key.sameShape(sh) }) {
                link._withUnsafeGuaranteedRef { m.serverHellos.noteHit($0) }
                found = link
            }
            let hash = found == nil ? sh.shapeHash : 0
            if found == nil {
                found = m.serverHellos.lookup(hash, ServerHelloEntry.self, matching: { $0.key.sameShape(sh) })
                if let found, let hello { hello._withUnsafeGuaranteedRef { $0.link(found) } }
            }
            if let u = found {
                u._withUnsafeGuaranteedRef { e in
                    let whole = ServerWhole(h)
                    if let w = e.whole.bytes, e.wholeKey == whole {
                        o.bytes(w, e.whole.count)
                        m.serverWholes &+= 1
                        return
                    }
                    let chain = h.certificates, kx = h.keyExchange
                    let start = o.count
                    let (a, n) = e.segment(0)
                    o.bytes(a, n)
                    writeServerRest(&o, sh, h, chain, kx, t)
                    let signature = whole.signature
                    if e.pending == signature && o.count &- start <= ShapeMemo.maxBytes {
                        e.whole.replace(copying: o.base, start, o.count)
                        e.wholeKey = whole
                        e.wholeKept = (chain, kx?.kind)
                        e.pending = 0
                    } else {
                        e.pending = signature
                    }
                }
                return
            }
            let a0 = o.count
            writeServerHelloRest(&o, sh, t)
            if o.count &- a0 <= ShapeMemo.maxBytes && m.serverHellos.wantsStore(hash) {
                m.serverHellos.store(ServerHelloEntry(key: sh, hash: hash, copying: o.base, [(a0, o.count)]))
            }
            writeServerRest(&o, sh, h, h.certificates, h.keyExchange, t)
        }
    }

    /// After a ServerHello's object: the certificates, the key exchange, the client certificates
    /// and `"negotiated"`.
    @inline(__always)
    static func writeServerRest(_ o: inout JSONOut, _ sh: ServerHelloInfo, _ h: HandshakeFacts, _ chain: [CertificateInfo],
                                _ kx: KeyExchangeInfo?, _ t: ReportTables) {
        writeCertificatesAndKeyExchange(&o, h, chain, kx, t)
        o.literal(#","negotiated":"#)
        if !sh.isHelloRetryRequest {
            o.literal(#"{"version":"#); o.name(sh.version, t.versions)
            o.literal(#","cipher":"#); o.name(sh.cipherSuite, t.cipherSuites)
            o.literal(#","group":"#)
            if let g = sh.keyShareGroup { o.name(g, t.groups) } else { o.name(kx?.group, t.groups) }
            o.literal(#","alpn":"#); o.string(sh.alpn)
            o.literal(#","resumed":"#); o.bool(h.resumed)
            o.literal("}")
        } else {
            o.literal("null")
        }
    }

    /// From `,"certificates":` to the client certificates' count.
    @inline(__always)
    static func writeCertificatesAndKeyExchange(_ o: inout JSONOut, _ h: HandshakeFacts, _ t: ReportTables) {
        writeCertificatesAndKeyExchange(&o, h, h.certificates, h.keyExchange, t)
    }

    @inline(__always)
    static func writeCertificatesAndKeyExchange(_ o: inout JSONOut, _ h: HandshakeFacts, _ chain: [CertificateInfo],
                                                _ kx: KeyExchangeInfo?, _ t: ReportTables) {
        o.literal(#","certificates":["#)
        writeCertificates(&o, chain)
        let requested = h.certificateRequested, clientCertificates = h.clientCertificateCount
        if let kx {
            o.literal(#"],"key_exchange":{"kind":"#); o.string(kx.kind)
            o.literal(#","group":"#); o.name(kx.group, t.groups)
            let bits = kx.dhPrimeBits, length = kx.publicKeyLength
            o.fixed(128) { w, _ in  // 17 + 21 + 21 + 21 + 1
                w.literal(#","dh_prime_bits":"#); w.decimal(bits)
                w.literal(#","public_key_length":"#); w.decimal(length)
                w.literal("}")
            }
        } else {
            o.literal(#"],"key_exchange":null"#)
        }
        o.fixed(128) { w, _ in  // 32 + 5 + 23 + 21
            w.literal(#","client_certificate_requested":"#); w.bool(requested)
            w.literal(#","client_certificates":"#); w.decimal(clientCertificates)
        }
    }

    static func writePreamble(_ o: inout JSONOut, _ p: PreambleInfo, _ result: PreambleResult?) {
        o.literal(#"{"result":"#)
        switch result {
        case nil: o.literal("null")
        case .tls?: o.literal(#""tls""#)
        case .refused?: o.literal(#""refused""#)
        case .plaintext?: o.literal(#""plaintext""#)
        case .unfinished?: o.literal(#""unfinished""#)
        }
        o.literal(#","command":"#); o.string(p.command)
        o.literal(#","server_reply":"#); o.string(p.serverReply)
        if let rdp = p.rdp {
            o.literal(#","rdp":{"requested_protocols":"#); writeProtocolNames(&o, rdp.requestedProtocols, selected: false)
            o.literal(#","selected_protocol":"#); writeProtocolNames(&o, rdp.selectedProtocol, selected: true)
            o.literal(#","failure":"#); o.string(rdp.failureCode.map { RDPNegotiation.failureName($0) })
            o.literal(#","failure_code":"#); o.decimal(rdp.failureCode)
            o.literal(#","cookie":"#); o.string(rdp.cookie)
            o.literal("}")
        }
        o.literal("}")
    }

    /// RDP protocol flags as the list of their names, or null: with a memo, the text of the last
    /// flags of their kind copied when they are the same (the names are made as an array of Strings).
    static func writeProtocolNames(_ o: inout JSONOut, _ flags: UInt32?, selected: Bool) {
        guard let flags else { o.literal("null"); return }
        guard let shapes = o.shapesRef else { o.strings(RDPNegotiation.protocolNames(flags)); return }
        shapes._withUnsafeGuaranteedRef { m in
            let last = selected ? m.rdpFlags.1 : m.rdpFlags.0
            let text = selected ? m.rdpSelectedText.bytes : m.rdpRequestedText.bytes
            if last == flags, let text {
                o.bytes(text, selected ? m.rdpSelectedText.count : m.rdpRequestedText.count)
                return
            }
            let start = o.count
            o.strings(RDPNegotiation.protocolNames(flags))
            guard o.count &- start <= ShapeMemo.maxBytes else { return }
            if selected {
                m.rdpSelectedText.replace(copying: o.base, start, o.count)
                m.rdpFlags.1 = flags
            } else {
                m.rdpRequestedText.replace(copying: o.base, start, o.count)
                m.rdpFlags.0 = flags
            }
        }
    }

    /// A ClientHello: the connection's own fields written on every line, the rest (three
    /// segments) remembered by the hello's shape when there is a memo.
    /// Returns the memo's entry of the hello's shape, if it has one (unretained: valid until the
    /// memo stores another hello).
    @discardableResult
    /// With `afterNoPreamble`, the keys of an absent preamble and `"client_hello"` first.
    static func writeClientHello(_ o: inout JSONOut, _ ch: ClientHelloInfo, packet: PacketStamp?, _ t: ReportTables,
                                 afterNoPreamble: Bool = false) -> Unmanaged<HelloEntry>? {
        o.fixed(128) { w, _ in  // 55 + 10 + 21 + 18
            if afterNoPreamble { w.literal(#","preamble":null,"preamble_detail":null,"client_hello":"#) }
            w.literal(#"{"packet":"#); w.decimal(packet?.number)
            w.literal(#","record_version":"#)
        }
        guard let shapes = o.shapesRef else {
            o.name(ch.recordVersion, t.versions)
            let shape = HelloShape(ch)
            writeHelloA(&o, shape, t)
            o.string(ch.sni)
            writeHelloB(&o, shape, t)
            writeHelloOwn(&o, ch)
            writeHelloC(&o, shape)
            return nil
        }
        // (Unretained: the context holds its memo, and the memo its tables.)
        return shapes._withUnsafeGuaranteedRef { m in writeClientHello(&o, ch, t, m) }
    }

    @inline(__always)
    static func writeClientHello(_ o: inout JSONOut, _ ch: ClientHelloInfo, _ t: ReportTables, _ m: ShapeMemo) -> Unmanaged<HelloEntry>? {
        // By the identity of the hello's shared box first (the usual line), then by its fields.
        // (The entry is unretained: the tables hold it, and nothing is stored before its text is
        // copied.)
        // (Only the box's address is kept across the lookup: the box itself, bound to a name for the
        // whole function, was a retain and a release a line. The rare misses read it again.)
        var found = m.helloBoxes.lookup(HelloBoxTable.address(ch.sharedIdentity))
        if let e = found {
            e._withUnsafeGuaranteedRef { m.hellos.noteHit($0) }
        } else {
            let suites = ch.cipherSuites, exts = ch.extensions, groups = ch.supportedGroups
            let hash = HelloShape.hash(legacyVersion: ch.legacyVersion, maxVersion: ch.maxVersion, cipherSuites: suites, extensions: exts,
                                       supportedGroups: groups)
            found = m.hellos.lookup(hash, HelloEntry.self, matching: { $0.key.matches(ch, cipherSuites: suites, extensions: exts, supportedGroups: groups) })
            if let e = found { m.helloBoxes.remember(ch.sharedIdentity, e) } else {
                // Not its exact shape: its shape but for the extensions' order, unless the exact
                // shape is to be stored now (which writes it by field).
                let storeExact = m.hellos.wantsStore(hash)
                let looseHash = LooseHelloEntry.hash(legacyVersion: ch.legacyVersion, maxVersion: ch.maxVersion, cipherSuites: suites,
                                                     supportedGroups: groups, ja4: ch.ja4)
                let loose = m.looseHellos.lookup(looseHash, LooseHelloEntry.self,
                                                 matching: { $0.looselyMatches(ch, cipherSuites: suites, supportedGroups: groups) })
                o.name(ch.recordVersion, t.versions)
                if let loose {
                    let ranges = loose._withUnsafeGuaranteedRef { writeLooseHello(&o, ch, exts, $0, t) }
                    // (Its exact shape, when stored, from the same text.)
                    guard storeExact, (ranges.a1 &- ranges.a0) &+ (ranges.b1 &- ranges.b0) &+ (ranges.c1 &- ranges.c0) <= ShapeMemo.maxBytes
                    else { return nil }
                    let e = HelloEntry(key: HelloShape(ch), hash: hash, copying: o.base,
                                       [(ranges.a0, ranges.a1), (ranges.b0, ranges.b1), (ranges.c0, ranges.c1)])
                    m.hellos.store(e)
                    m.helloBoxes.remember(ch.sharedIdentity, Unmanaged.passUnretained(e))
                    return nil
                }
                let storeLoose = m.looseHellos.wantsStore(looseHash)
                writeHelloAndRemember(&o, ch, box: ch.sharedIdentity, hash: hash, storeExact: storeExact, looseHash: storeLoose ? looseHash : nil, m, t)
                return nil
            }
        }
        if let e = found {
            e._withUnsafeGuaranteedRef { e in writeRememberedHello(&o, ch, e, m, t) }
        }
        return found
    }

    /// A hello of a remembered shape: the whole text when its own values are those remembered
    /// with it (`HelloEntry.whole`), else the three pieces with its own values between them.
    @inline(__always)
    static func writeRememberedHello(_ o: inout JSONOut, _ ch: ClientHelloInfo, _ e: HelloEntry, _ m: ShapeMemo, _ t: ReportTables) {
        var own = HelloOwn(recordVersion: ch.recordVersion, sniCount: -1, size: ch.size, segments: ch.tcpSegments, records: ch.records)
        // The name of the whole text by its words first (no reference to it taken): the same words
        // as the name kept with the whole text are the same name, of the same length.
        if let kept = e.wholeSNIWords, let words = JSONLReport.sniWords(ch), kept == words, let w = e.whole.bytes {
            own.sniCount = e.wholeOwn.sniCount
            if own == e.wholeOwn {
                o.bytes(w, e.whole.count)
                m.helloWholes &+= 1
                return
            }
            own.sniCount = -1
        }
        let sni = ch.sni
        if var name = sni {
            name.withUTF8 { u in
                own.sniCount = u.count
                if own == e.wholeOwn && e.wholeSNI.equals(u.baseAddress, u.count), let w = e.whole.bytes {
                    o.bytes(w, e.whole.count)
                    m.helloWholes &+= 1
                    return
                }
                writeHelloPieces(&o, ch, own, UnsafeRawBufferPointer(u), e, t)
            }
        } else {
            if own == e.wholeOwn, let w = e.whole.bytes {
                o.bytes(w, e.whole.count)
                m.helloWholes &+= 1
                return
            }
            writeHelloPieces(&o, ch, own, UnsafeRawBufferPointer(start: nil, count: 0), e, t)
        }
    }

    /// The two words of a hello's server name as it holds it (nil without a name, or where a
    /// String is not two words).
    @inline(__always)
    static func sniWords(_ ch: ClientHelloInfo) -> (UInt64, UInt64)? {
        guard MemoryLayout<String>.size == 16, let name = ch.sni else { return nil }
        return unsafeBitCast(name, to: (UInt64, UInt64).self)
    }

    /// The remembered hello's pieces with the connection's own values between them; the whole
    /// text is kept when the line before wrote the same own values.
    static func writeHelloPieces(_ o: inout JSONOut, _ ch: ClientHelloInfo, _ own: HelloOwn, _ sni: UnsafeRawBufferPointer,
                                 _ e: HelloEntry, _ t: ReportTables) {
        let start = o.count
        o.name(own.recordVersion, t.versions)
        let (a, na) = e.segment(0), (b, nb) = e.segment(1), (c, nc) = e.segment(2)
        o.bytes(a, na)
        if own.sniCount >= 0 { o.quoted(sni.baseAddress?.assumingMemoryBound(to: UInt8.self), sni.count) } else { o.literal("null") }
        o.bytes(b, nb)
        writeHelloOwn(&o, ch)
        o.bytes(c, nc)
        let signature = own.signature(sni)
        if e.pending == signature && o.count &- start <= ShapeMemo.maxBytes {
            e.whole.replace(copying: o.base, start, o.count)
            e.wholeOwn = own
            e.wholeSNI = ShapeText(copying: sni.baseAddress, count: sni.count)
            e.wholeSNIKept = ch.sni
            e.wholeSNIWords = JSONLReport.sniWords(ch)
            e.pending = 0
        } else {
            e.pending = signature
        }
    }

    /// A hello not in the memo, written field by field; stored (and remembered by its box) when
    /// its shape is seen the second time in a row (`storeExact`), and its pieces but for the
    /// extensions' order when `looseHash` is given.
    static func writeHelloAndRemember(_ o: inout JSONOut, _ ch: ClientHelloInfo, box: AnyObject, hash: UInt64, storeExact: Bool,
                                      looseHash: UInt64?, _ m: ShapeMemo, _ t: ReportTables) {
        // Written from the hello's fields (a shape, a copy of them all, is made only to be stored).
        let a0 = o.count
        writeHelloA(&o, ch, t)
        let a1 = o.count
        o.string(ch.sni)
        let b0 = o.count
        writeHelloB1(&o, ch, t)
        let x0 = o.count
        o.names(ch.extensions, t.extensionTypes)
        let x1 = o.count
        o.literal(#","size":"#)
        let b1 = o.count
        writeHelloOwn(&o, ch)
        let c0 = o.count
        writeHelloC1(&o, ch)
        let j0 = o.count
        writeHelloJA3(&o, ch)
        let j1 = o.count
        writeHelloC2(&o, ch)
        let c1 = o.count
        if storeExact && (a1 &- a0) &+ (b1 &- b0) &+ (c1 &- c0) <= ShapeMemo.maxBytes {
            let e = HelloEntry(key: HelloShape(ch), hash: hash, copying: o.base, [(a0, a1), (b0, b1), (c0, c1)])
            m.hellos.store(e)
            m.helloBoxes.remember(box, Unmanaged.passUnretained(e))
        }
        if let looseHash, (a1 &- a0) &+ (b1 &- b0) &+ (c1 &- c0) <= ShapeMemo.maxBytes {
            m.looseHellos.store(LooseHelloEntry(key: HelloShape(ch), hash: looseHash, copying: o.base,
                                                [(a0, a1), (b0, x0), (x1, b1), (c0, j0), (j1, c1)]))
        }
    }

    /// A hello of a remembered shape but for its extensions' order (after its record version): the
    /// pieces with its server name, extensions, own values and JA3 between them. Returns where the
    /// three segments of a `HelloEntry` of its exact shape are.
    @inline(__always)
    static func writeLooseHello(_ o: inout JSONOut, _ ch: ClientHelloInfo, _ exts: [UInt16], _ e: LooseHelloEntry, _ t: ReportTables)
        -> (a0: Int, a1: Int, b0: Int, b1: Int, c0: Int, c1: Int) {
        let (a, na) = e.piece(0), (b, nb) = e.piece(1), (c, nc) = e.piece(2), (d, nd) = e.piece(3), (f, nf) = e.piece(4)
        let a0 = o.count
        o.bytes(a, na)
        let a1 = o.count
        o.string(ch.sni)
        let b0 = o.count
        o.bytes(b, nb)
        o.names(exts, t.extensionTypes)
        o.bytes(c, nc)
        let b1 = o.count
        writeHelloOwn(&o, ch)
        let c0 = o.count
        o.bytes(d, nd)
        writeHelloJA3(&o, ch)
        o.bytes(f, nf)
        return (a0, a1, b0, b1, c0, o.count)
    }

    /// From `,"legacy_version":` to `,"sni":`.
    static func writeHelloA<H: HelloFields>(_ o: inout JSONOut, _ ch: H, _ t: ReportTables) {
        o.literal(#","legacy_version":"#); o.name(ch.legacyVersion, t.versions)
        o.literal(#","max_version":"#); o.name(ch.maxVersion, t.versions)
        o.literal(#","supported_versions":"#); o.names(ch.supportedVersions, t.versions)
        o.literal(#","cipher_suites":"#); o.names(ch.cipherSuites, t.cipherSuites)
        o.literal(#","sni":"#)
    }

    /// From `,"alpn":` to `,"size":`.
    static func writeHelloB<H: HelloFields>(_ o: inout JSONOut, _ ch: H, _ t: ReportTables) {
        writeHelloB1(&o, ch, t)
        o.names(ch.extensions, t.extensionTypes)
        o.literal(#","size":"#)
    }

    /// From `,"alpn":` to `,"extensions":`.
    static func writeHelloB1<H: HelloFields>(_ o: inout JSONOut, _ ch: H, _ t: ReportTables) {
        o.literal(#","alpn":"#); o.strings(ch.alpn)
        o.literal(#","supported_groups":"#); o.names(ch.supportedGroups, t.groups)
        o.literal(#","key_share_groups":["#)
        let keyShares = ch.keyShares
        var first = true
        for k in keyShares {
            if !first { o.literal(",") }
            first = false
            o.name(k.group, t.groups)
        }
        o.literal(#"],"key_shares":["#)
        first = true
        for k in keyShares {
            o.literal(first ? #"{"group":"# : #",{"group":"#)
            first = false
            o.name(k.group, t.groups)
            o.literal(#","length":"#); o.decimal(k.keyLength)
            o.literal("}")
        }
        o.literal(#"],"signature_algorithms":"#); o.names(ch.signatureAlgorithms, t.signatureSchemes)
        o.literal(#","extensions":"#)
    }

    /// The size's value to the records' value.
    @inline(__always)
    static func writeHelloOwn(_ o: inout JSONOut, _ ch: ClientHelloInfo) {
        let size = ch.size, segments = ch.tcpSegments, records = ch.records
        o.fixed(128) { w, _ in  // 21 + 16 + 21 + 11 + 21
            w.decimal(size)
            w.literal(#","tcp_segments":"#); w.decimal(segments)
            w.literal(#","records":"#); w.decimal(records)
        }
    }

    /// From `,"sslv2_format":` to the closing brace.
    static func writeHelloC<H: HelloFields>(_ o: inout JSONOut, _ ch: H) {
        writeHelloC1(&o, ch)
        writeHelloJA3(&o, ch)
        writeHelloC2(&o, ch)
    }

    /// From `,"sslv2_format":` to `,"ja3":`.
    @inline(__always)
    static func writeHelloC1<H: HelloFields>(_ o: inout JSONOut, _ ch: H) {
        o.literal(#","sslv2_format":"#); o.bool(ch.sslv2Format)
        o.literal(#","ja3":"#)
    }

    /// The JA3 hash and string (the hello's own: they follow its extensions' order).
    @inline(__always)
    static func writeHelloJA3<H: HelloFields>(_ o: inout JSONOut, _ ch: H) {
        o.string(ch.ja3Hash)
        o.literal(#","ja3_string":"#); o.string(ch.ja3)
    }

    /// From `,"ja4":` to the closing brace.
    @inline(__always)
    static func writeHelloC2<H: HelloFields>(_ o: inout JSONOut, _ ch: H) {
        // (JA4 is shared by the hellos of a shape, whatever their extension order: remembered by
        // its String.)
        o.literal(#","ja4":"#); o.sharedString(ch.ja4)
        o.literal(#","ja4_r":"#); o.sharedString(ch.ja4r)
        o.literal("}")
    }

    /// A ServerHello (or HelloRetryRequest): all but the packet remembered by its fields when
    /// there is a memo (compared in place, `sameShape`).
    static func writeServerHello(_ o: inout JSONOut, _ sh: ServerHelloInfo, packet: PacketStamp?, key: Bool = false, _ t: ReportTables) {
        o.fixed(64) { w, _ in  // 16 + 10 + 21
            if key { w.literal(#","server_hello":"#) }
            w.literal(#"{"packet":"#); w.decimal(packet?.number)
        }
        guard let shapes = o.shapesRef else { writeServerHelloRest(&o, sh, t); return }
        shapes._withUnsafeGuaranteedRef { m in writeServerHello(&o, sh, t, m) }
    }

    @inline(__always)
    static func writeServerHello(_ o: inout JSONOut, _ sh: ServerHelloInfo, _ t: ReportTables, _ m: ShapeMemo) {
        let hash = sh.shapeHash
        if let e = m.serverHellos.lookup(hash, ServerHelloEntry.self, matching: { $0.key.sameShape(sh) }) {
            let (a, n) = e._withUnsafeGuaranteedRef { $0.segment(0) }
            o.bytes(a, n)
            return
        }
        let a0 = o.count
        writeServerHelloRest(&o, sh, t)
        if o.count &- a0 <= ShapeMemo.maxBytes && m.serverHellos.wantsStore(hash) {
            m.serverHellos.store(ServerHelloEntry(key: sh, hash: hash, copying: o.base, [(a0, o.count)]))
        }
    }

    /// From `,"version":` to the closing brace.
    static func writeServerHelloRest(_ o: inout JSONOut, _ sh: ServerHelloInfo, _ t: ReportTables) {
        o.literal(#","version":"#); o.name(sh.version, t.versions)
        o.literal(#","legacy_version":"#); o.name(sh.legacyVersion, t.versions)
        o.literal(#","cipher":"#); o.name(sh.cipherSuite, t.cipherSuites)
        o.literal(#","compression":"#); o.decimal(sh.compressionMethod)
        o.literal(#","extensions":"#); o.names(sh.extensions, t.extensionTypes)
        o.literal(#","key_share_group":"#); o.name(sh.keyShareGroup, t.groups)
        o.literal(#","alpn":"#); o.string(sh.alpn)
        o.literal(#","hello_retry_request":"#); o.bool(sh.isHelloRetryRequest)
        if sh.isHelloRetryRequest {
            o.literal(#","selected_group":"#); o.name(sh.hrrSelectedGroup, t.groups)
            o.literal(#","cookie":"#); o.bool(sh.hrrCookie)
        }
        o.literal(#","downgrade_sentinel":"#)
        switch sh.downgradeSentinel {
        case nil: o.literal("null")
        case 1?: o.literal(#""TLS 1.2""#)
        case _?: o.literal(#""TLS 1.1 or below""#)
        }
        o.literal(#","size":"#); o.decimal(sh.size)
        o.literal("}")
    }

    /// The certificates between the brackets: remembered by the identity of the chain's array
    /// when there is a memo (`ChainIdentity`).
    static func writeCertificates(_ o: inout JSONOut, _ list: [CertificateInfo]) {
        guard !list.isEmpty else { return }
        guard let shapes = o.shapesRef else { writeCertificateList(&o, list); return }
        shapes._withUnsafeGuaranteedRef { m in
            let key = ChainIdentity(list: list)
            let hash = key.hash
            if let e = m.chains.lookup(hash, ChainEntry.self, matching: { $0.key.same(key) }) {
                let (a, n) = e._withUnsafeGuaranteedRef { $0.segment(0) }
                o.bytes(a, n)
                return
            }
            let a0 = o.count
            writeCertificateList(&o, list)
            if o.count &- a0 <= ShapeMemo.maxBytes && m.chains.wantsStore(hash) {
                m.chains.store(ChainEntry(key: key, hash: hash, copying: o.base, [(a0, o.count)]))
            }
        }
    }

    static func writeCertificateList(_ o: inout JSONOut, _ list: [CertificateInfo]) {
        var first = true
        for cert in list {
            if !first { o.literal(",") }
            first = false
            writeCertificate(&o, cert)
        }
    }

    static func writeCertificate(_ o: inout JSONOut, _ c: CertificateInfo) {
        o.literal(#"{"subject":"#); o.string(c.subject)
        o.literal(#","issuer":"#); o.string(c.issuer)
        o.literal(#","san":"#); o.strings(c.subjectAltNames)
        o.literal(#","not_before":"#)
        if let t = c.notBefore { o.timestamp(Timestamp(seconds: t, nanoseconds: 0), fraction: false) } else { o.literal("null") }
        o.literal(#","not_after":"#)
        if let t = c.notAfter { o.timestamp(Timestamp(seconds: t, nanoseconds: 0), fraction: false) } else { o.literal("null") }
        o.literal(#","key_type":"#); o.string(c.keyType)
        o.literal(#","key_bits":"#); o.decimal(c.keyBits)
        o.literal(#","curve":"#); o.string(c.curve)
        o.literal(#","signature_algorithm":"#); o.string(c.signatureAlgorithm)
        o.literal(#","key_usage":"#); o.strings(c.keyUsage)
        o.literal(#","extended_key_usage":"#); o.strings(c.extendedKeyUsage)
        o.literal(#","ca":"#); o.bool(c.isCA)
        o.literal(#","self_signed":"#); o.bool(c.selfSigned)
        o.literal(#","serial":"#); o.string(c.serial)
        o.literal(#","sha256":"#); o.string(c.sha256)
        o.literal(#","parse_error":"#); o.string(c.parseError)
        o.literal("}")
    }

    /// As `TeardownSummary` has it, without making its Strings.
    static func writeTeardown(_ o: inout JSONOut, _ h: HandshakeFacts, _ c: ConnectionFacts, _ t: ReportTables) {
        let fin = TeardownSummary.first(c.clientSide.firstFin, c.serverSide.firstFin)
        let rst = TeardownSummary.first(c.clientSide.firstRst, c.serverSide.firstRst)
        // (No search for a close that did not happen: most connections have no RST.) With both, the
        // step before the later is found first: when it is not after the earlier close, it is the
        // earlier's step too (every event after it in the timeline is after the later close, or
        // not a step), and the timeline is not searched again.
        var finStep: TimelineStep? = nil, rstStep: TimelineStep? = nil
        var rstFound = false
        if let fin {
            var found: TimelineStep?? = nil
            if let rst, rst.packet.number > fin.packet.number {
                let later = h.lastStep(before: rst.packet.number)
                rstStep = later; rstFound = true
                if let s = later, s.packet.number <= fin.packet.number { found = .some(later) }
            }
            finStep = found ?? h.lastStep(before: fin.packet.number)
        }
        if let rst, !rstFound { rstStep = h.lastStep(before: rst.packet.number) }
        // The usual teardown, whose steps need no name table and have no text: one write up to its
        // end reason.
        if closesInPlace(fin != nil, finStep) && closesInPlace(rst != nil, rstStep) {
            o.fixed(512) { w, _ in  // 29 + 8 + 16 + 8 + 13, a close, 24, a close (`maxClose`)
                w.literal(#","teardown":{"first_fin_by":"#); side(&w, fin?.by)
                w.literal(#","first_rst_by":"#); side(&w, rst?.by)
                w.literal(#","first_fin":"#)
                if let fin { writeClose(&w, fin, finStep) } else { w.literal("null") }
                if let rst {
                    w.literal(#","first_rst":"#); writeClose(&w, rst, rstStep)
                    w.literal(#","end":"#)
                } else {
                    w.literal(#","first_rst":null,"end":"#)
                }
            }
            o.rawValue(c.endReason, t.endReasons)
            o.literal("}")
            return
        }
        o.fixed(128) { w, _ in  // 29 + 8 + 16 + 8 + 13
            w.literal(#","teardown":{"first_fin_by":"#); side(&w, fin?.by)
            w.literal(#","first_rst_by":"#); side(&w, rst?.by)
            w.literal(#","first_fin":"#)
        }
        if let fin { writeClose(&o, fin, finStep, h) } else { o.literal("null") }
        if let rst {
            o.literal(#","first_rst":"#); writeClose(&o, rst, rstStep, h)
            o.literal(#","end":"#)
        } else {
            o.literal(#","first_rst":null,"end":"#)
        }
        o.rawValue(c.endReason, t.endReasons)
        o.literal("}")
    }

    /// Whether a close (when there is one) and the step before it are written in place
    /// (`writeClose(_:_:_:)`): no step, or one whose words need no name table and no text.
    @inline(__always)
    static func closesInPlace(_ closed: Bool, _ step: TimelineStep?) -> Bool {
        guard closed, let step else { return true }
        guard let kind = step.kind else { return false }
        return JSONCursor.describesInPlace(kind)
    }

    /// The most `writeClose(_:_:_:)` writes: 6 + 8 + 10 + 21, then 50, or 10 + a step's words +
    /// 17 + 21 + 12 + 32 + 1.
    static let maxClose = 6 + 8 + 10 + 21 + (10 + JSONCursor.maxStepDescription + 17 + 21 + 12 + 32 + 1)

    /// A close and the step before it, for a step `closesInPlace`, through a cursor (`maxClose`).
    @inline(__always)
    static func writeClose(_ w: inout JSONCursor, _ close: (packet: PacketStamp, by: Side), _ found: TimelineStep?) {
        let (p, by) = close
        w.literal(#"{"by":"#)
        w.literal(by == .client ? #""client""# : #""server""#)
        w.literal(#","packet":"#); w.decimal(p.number)
        guard let step = found, let kind = step.kind else {
            w.literal(#","after":null,"after_packet":null,"ms_after":null}"#)
            return
        }
        w.literal(#","after":""#)
        w.describeStep(step.side, kind)
        w.literal(#"","after_packet":"#); w.decimal(step.packet.number)
        w.literal(#","ms_after":"#); w.milliseconds(between: step.packet.time, and: p.time)
        w.literal("}")
    }

    /// A close and the step before it (`found`: `h.lastStep(before:)` of its packet).
    @inline(__always)
    static func writeClose(_ o: inout JSONOut, _ close: (packet: PacketStamp, by: Side), _ found: TimelineStep?, _ h: HandshakeFacts) {
        let (p, by) = close
        // (The step as plain values, with nothing to destroy; only a step with text is read whole,
        // as a TimelineEvent, whose destruction goes through its kind's value witnesses. Found
        // first, so that the close's fields up to the step's text are one write.)
        o.fixed(96) { w, _ in  // 6 + 8 + 10 + 21 + 50
            w.literal(#"{"by":"#)
            w.literal(by == .client ? #""client""# : #""server""#)
            w.literal(#","packet":"#); w.decimal(p.number)
            if found == nil { w.literal(#","after":null,"after_packet":null,"ms_after":null}"#) } else { w.literal(#","after":""#) }
        }
        guard let step = found else { return }
        if let kind = step.kind {
            TeardownSummary.describe(step.side, kind, into: &o)
        } else {
            writeStepWithText(&o, h, before: p.number)
        }
        writeAfterPacket(&o, step.packet, closedAt: p.time)
    }

    /// The description of the step before `packet` when it has text (kept out of line, with the
    /// TimelineEvent it reads).
    @inline(never)
    static func writeStepWithText(_ o: inout JSONOut, _ h: HandshakeFacts, before packet: UInt64) {
        // (The same search as `lastStep(before:)`: it finds the same event.)
        if let e = h.lastMessage(before: packet) { TeardownSummary.describe(e, into: &o) }
    }

    /// The rest of the step before a close, and the close's `}`.
    @inline(__always)
    static func writeAfterPacket(_ o: inout JSONOut, _ packet: PacketStamp, closedAt time: Timestamp) {
        o.fixed(128) { w, _ in  // 17 + 21 + 12 + 32 + 1
            w.literal(#"","after_packet":"#); w.decimal(packet.number)
            w.literal(#","ms_after":"#); w.milliseconds(between: packet.time, and: time)
            w.literal("}")
        }
    }

    @inline(__always)
    static func side(_ o: inout JSONCursor, _ s: Side?) {
        switch s {
        case .client?: o.literal(#""client""#)
        case .server?: o.literal(#""server""#)
        case nil: o.literal("null")
        }
    }

    @inline(__always)
    static func side(_ o: inout JSONOut, _ s: Side?) {
        switch s {
        case .client?: o.literal(#""client""#)
        case .server?: o.literal(#""server""#)
        case nil: o.literal("null")
        }
    }

    /// From `,"outcome":` to `"evidence":[`: remembered by the outcome, category, blame and the
    /// identity of the summary when there is a memo (`VerdictTextMemo`).
    @inline(__always)
    static func writeVerdictHead(_ o: inout JSONOut, _ d: Diagnosis, _ t: ReportTables) {
        writeVerdictHead(&o, d.outcome, d.category, d.blame, d.summary, t)
    }

    @inline(__always)
    static func writeVerdictHead(_ o: inout JSONOut, _ outcome: Outcome, _ category: Category, _ blame: Blame?, _ summary: String,
                                 _ t: ReportTables) {
        guard let shapes = o.shapesRef, let tags = VerdictTextMemo.tags(outcome, category, blame),
              let (k0, k1) = StringMemo.words(summary)
        else { writeVerdictHeadFields(&o, outcome, category, blame, summary, t); return }
        shapes._withUnsafeGuaranteedRef { m in
            let hash = VerdictTextMemo.hash(k0, k1, tags)
            if let (text, n) = m.verdictHeads.lookup(k0, k1, tags, hash) {
                o.bytes(text, n)
                return
            }
            let start = o.count
            writeVerdictHeadFields(&o, outcome, category, blame, summary, t)
            m.verdictHeads.offer(k0, k1, tags, hash, string: summary, text: o.base + start, count: o.count &- start)
        }
    }

    static func writeVerdictHeadFields(_ o: inout JSONOut, _ outcome: Outcome, _ category: Category, _ blame: Blame?, _ summary: String,
                                       _ t: ReportTables) {
        o.literal(#","outcome":"#); o.rawValue(outcome, t.outcomes)
        o.literal(#","category":"#); o.rawValue(category, t.categories)
        o.literal(#","diagnosis":{"summary":"#); o.sharedString(summary)
        if let blame {
            o.literal(#","blame":"#); o.rawValue(blame, t.blames)
            o.literal(#","evidence":["#)
        } else {
            o.literal(#","blame":null,"evidence":["#)
        }
    }

    /// Where an evidence item keeps its text.
    @inline(__always) static var evidenceTextOffset: Int? { MemoryLayout<Evidence>.offset(of: \Evidence.text) }

    static func writeDiagnosis(_ o: inout JSONOut, _ d: Diagnosis, _ c: ConnectionFacts, _ t: ReportTables) {
        writeVerdictHead(&o, d, t)
        // Read in place (a copy of each item was a retain and a release of its text; so was
        // reading its text where it is not needed, when the memo has it).
        let start = c.first.time
        let textOffset = JSONLReport.evidenceTextOffset
        d.evidence.withUnsafeBufferPointer { list in
            // Where the numbers of the last item written by field were (from its packet to its
            // `"text":`): an item of the same packet and time as the one before (a ServerHello and
            // the flight or certificate in its packet) copies them.
            var numbers = 0, numbersEnd = 0
            for i in list.indices {
                let packet = list[i].packet, time = list[i].time
                let same = i > 0 && packet == list[i &- 1].packet && time == list[i &- 1].time
                writeEvidenceHead(&o, first: i == 0, same: same, packet, time, start, &numbers, &numbersEnd)
                if let textOffset, let item = list.baseAddress {
                    o.sharedString(at: (UnsafeRawPointer(item + i) + textOffset).assumingMemoryBound(to: String.self))
                } else {
                    o.sharedString(list[i].text)
                }
            }
            writeVerdictTail(&o, d, evidence: !list.isEmpty)
        }
    }

    /// An evidence item up to its `"text":` (the item before closed by the same literal). An item
    /// of the same packet and time as the one before (a ServerHello and the flight or certificate
    /// in its packet) copies that one's numbers, found at `numbers ..< numbersEnd`, which an item
    /// written by field sets.
    @inline(__always)
    static func writeEvidenceHead(_ o: inout JSONOut, first isFirst: Bool, same: Bool, _ packet: UInt64, _ time: Timestamp,
                                  _ start: Timestamp, _ numbers: inout Int, _ numbersEnd: inout Int) {
        if same {
            o.literal(#"},{"packet":"#)
            o.repeatBytes(at: numbers, numbersEnd &- numbers)
            return
        }
        numbers = o.count &+ (isFirst ? 10 : 12)
        o.fixed(193) { w, last in  // 12 + 21 + 8 + 48 + 6 + 32 + 8
            w.literal(isFirst ? #"{"packet":"# : #"},{"packet":"#)
            w.decimal(packet)
            w.literal(#","time":"#); w.timestamp(time, &last)
            w.literal(#","ms":"#); w.milliseconds(between: start, and: time)
            w.literal(#","text":"#)
        }
        numbersEnd = o.count
    }

    /// A completed handshake's verdict from its parts, as `writeDiagnosis` writes its `diagnosis`
    /// (outcome success, category ok, no blame, no hints): with a memo, the text between its
    /// numbers copied from `CompletedTextMemo` when its key is remembered there, else its texts read
    /// where its shape keeps them, with no evidence list made.
    static func writeCompleted(_ o: inout JSONOut, _ v: CompletedVerdict, _ c: ConnectionFacts, _ t: ReportTables) {
        // (Read in place: the stamps and citations are not copied out of the verdict.)
        let stamps = v.stamps, citations = v.citations
        let start = c.first.time
        guard let shapes = o.shapesRef, stamps.count == citations.count,
              let tags = CompletedTextMemo.tags(tls13: v.tls13, citations) else {
            writeCompletedFields(&o, v, stamps, citations, start, t, pieces: nil)
            return
        }
        // (The summary and texts are read for their words only, and read again to be stored: kept
        // across the lookup, each was a retain and a release a line.)
        guard let (k0, k1) = StringMemo.words(v.summary), let id = CompletedTextMemo.identity(v.texts) else {
            writeCompletedFields(&o, v, stamps, citations, start, t, pieces: nil)
            return
        }
        let key = CompletedTextMemo.Key(k0: k0, k1: k1, texts: id, tags: tags)
        let hash = key.hash
        shapes._withUnsafeGuaranteedRef { m in
            if let e = m.completedTexts.lookup(key, hash) {
                writeCompletedNumbers(&o, e, stamps, start)
                return
            }
            withUnsafeTemporaryAllocation(of: (Int, Int).self, capacity: CompletedTextMemo.maxItems &+ 1) { pieces in
                guard let p = pieces.baseAddress else { return }
                writeCompletedFields(&o, v, stamps, citations, start, t, pieces: p)
                // (The verdict is not changed while its line is written: these are the texts of `key`.)
                m.completedTexts.offer(key, hash, summary: v.summary, texts: v.texts, base: o.base,
                                       UnsafeBufferPointer(start: p, count: stamps.count &+ 1))
            }
        }
    }

    /// The most an evidence item's numbers take: its packet, `,"time":`, its time, `,"ms":`, its
    /// milliseconds.
    static let evidenceNumbersBound = 21 + 8 + 48 + 6 + 32

    /// A remembered verdict (`e`, a way of `CompletedTextMemo`): its pieces with each cited packet's
    /// numbers between them (an item of the packet and time of the one before copies its numbers),
    /// in one block.
    @inline(__always)
    static func writeCompletedNumbers(_ o: inout JSONOut, _ e: UnsafeRawPointer, _ stamps: UnsafeBufferPointer<PacketStamp>,
                                      _ start: Timestamp) {
        let n = stamps.count
        let text = e + CompletedTextMemo.header
        o.fixed(CompletedTextMemo.count(of: e) &+ n &* evidenceNumbersBound) { w, last in
            var from = CompletedTextMemo.end(e, 0)
            w.copy(text, from)
            var numbers = w.p, numbersEnd = w.p
            for i in 0..<n {
                let packet = stamps[i].number, time = stamps[i].time
                if i > 0 && packet == stamps[i &- 1].number && time == stamps[i &- 1].time {
                    w.copy(numbers, numbersEnd - numbers)
                } else {
                    numbers = w.p
                    w.decimal(packet)
                    w.literal(#","time":"#); w.timestamp(time, &last)
                    w.literal(#","ms":"#); w.milliseconds(between: start, and: time)
                    numbersEnd = w.p
                }
                let to = CompletedTextMemo.end(e, i &+ 1)
                w.copy(text + from, to &- from)
                from = to
            }
        }
    }

    /// A completed verdict written from its parts; with `pieces`, where each piece of text between
    /// the numbers of its items is (one more than it has items).
    static func writeCompletedFields(_ o: inout JSONOut, _ v: CompletedVerdict, _ stamps: UnsafeBufferPointer<PacketStamp>,
                                     _ citations: UnsafeBufferPointer<UInt8>, _ start: Timestamp, _ t: ReportTables,
                                     pieces: UnsafeMutablePointer<(Int, Int)>?) {
        var from = o.count
        writeVerdictHead(&o, .success, .ok, nil, v.summary, t)
        let count = min(v.count, stamps.count, citations.count)
        v.texts.withUnsafeBufferPointer { texts in
            var numbers = 0, numbersEnd = 0
            for i in 0..<count {
                let packet = stamps[i].number, time = stamps[i].time
                o.literal(i == 0 ? #"{"packet":"# : #"},{"packet":"#)
                pieces?[i] = (from, o.count)
                if i > 0 && packet == stamps[i &- 1].number && time == stamps[i &- 1].time {
                    o.repeatBytes(at: numbers, numbersEnd &- numbers)
                } else {
                    numbers = o.count
                    o.fixed(evidenceNumbersBound) { w, last in
                        w.decimal(packet)
                        w.literal(#","time":"#); w.timestamp(time, &last)
                        w.literal(#","ms":"#); w.milliseconds(between: start, and: time)
                    }
                    numbersEnd = o.count
                }
                from = o.count
                o.literal(#","text":"#)
                let j = Int(citations[i])
                if j < texts.count, let base = texts.baseAddress { o.sharedString(at: base + j) } else { o.string("") }
            }
        }
        writeVerdictTail(&o, hintsEmpty: true, hints: [], inference: v.inference, evidence: count > 0)
        pieces?[count] = (from, o.count)
    }

    /// From the last evidence item's `}` to the end of the line: without hints, remembered by the
    /// identity of the inference when there is a memo (`VerdictTextMemo`); with hints and no
    /// inference, by the identity of the hint list (`writeHintedTail`).
    @inline(__always)
    static func writeVerdictTail(_ o: inout JSONOut, _ d: Diagnosis, evidence: Bool) {
        writeVerdictTail(&o, hintsEmpty: d.hints.isEmpty, hints: d.hints, inference: d.inference, evidence: evidence)
    }

    @inline(__always)
    static func writeVerdictTail(_ o: inout JSONOut, hintsEmpty: Bool, hints: [String], inference: String?, evidence: Bool) {
        guard let shapes = o.shapesRef else {
            writeVerdictTailFields(&o, hints: hints, inference: inference, evidence: evidence)
            return
        }
        guard hintsEmpty else {
            writeHintedTail(&o, shapes, hints: hints, inference: inference, evidence: evidence)
            return
        }
        let (k0, k1) = inference.flatMap { StringMemo.words($0) } ?? (0, 0)
        let tags: UInt64 = (evidence ? 1 : 0) | (inference == nil ? 2 : 0)
        shapes._withUnsafeGuaranteedRef { m in
            let hash = VerdictTextMemo.hash(k0, k1, tags)
            if let (text, n) = m.verdictTails.lookup(k0, k1, tags, hash) {
                o.bytes(text, n)
                return
            }
            let start = o.count
            writeVerdictTailFields(&o, hints: hints, inference: inference, evidence: evidence)
            m.verdictTails.offer(k0, k1, tags, hash, string: inference, text: o.base + start, count: o.count &- start)
        }
    }

    /// A tail with hints (a failure's), remembered in `ShapeMemo.hintedTails` by the identity of
    /// its hint list when it has no inference (the diagnosis gives the failures of one kind the
    /// very same list); written by field otherwise.
    static func writeHintedTail(_ o: inout JSONOut, _ shapes: Unmanaged<ShapeMemo>, hints: [String], inference: String?, evidence: Bool) {
        guard inference == nil, let id = VerdictTextMemo.identity(hints) else {
            writeVerdictTailFields(&o, hints: hints, inference: inference, evidence: evidence)
            return
        }
        let tags: UInt64 = evidence ? 1 : 0
        shapes._withUnsafeGuaranteedRef { m in
            let hash = VerdictTextMemo.hash(id, 0, tags)
            if let (text, n) = m.hintedTails.lookup(id, 0, tags, hash) {
                o.bytes(text, n)
                return
            }
            let start = o.count
            writeVerdictTailFields(&o, hints: hints, inference: nil, evidence: evidence)
            m.hintedTails.offer(id, tags, hash, list: hints, text: o.base + start, count: o.count &- start)
        }
    }

    static func writeVerdictTailFields(_ o: inout JSONOut, hints: [String], inference: String?, evidence: Bool) {
        if evidence { o.literal(#"}],"hints":["#) } else { o.literal(#"],"hints":["#) }
        // (Each hint read where the list keeps it: a copy of it was a retain and a release of its
        // text, which the memo's hit does not need.)
        hints.withUnsafeBufferPointer { hints in
            guard let first = hints.baseAddress else { return }
            for i in hints.indices {
                if i > 0 { o.literal(",") }
                o.sharedString(at: first + i)
            }
        }
        o.literal(#"],"inference":"#); o.sharedString(inference)
        o.literal("}}")  // (and the line's)
    }
}

/// A verdict a line can end with: a `Diagnosis`, or a completed handshake's parts.
protocol LineVerdict {
    /// From `,"outcome":` to the end of the line's object.
    func write(_ o: inout JSONOut, _ c: ConnectionFacts, _ t: ReportTables)
}

extension Diagnosis: LineVerdict {
    @inline(__always)
    func write(_ o: inout JSONOut, _ c: ConnectionFacts, _ t: ReportTables) { JSONLReport.writeDiagnosis(&o, self, c, t) }
}

extension CompletedVerdict: LineVerdict {
    @inline(__always)
    func write(_ o: inout JSONOut, _ c: ConnectionFacts, _ t: ReportTables) { JSONLReport.writeCompleted(&o, self, c, t) }
}
