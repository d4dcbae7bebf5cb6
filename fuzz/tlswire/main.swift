// libFuzzer entry for TLSWire: every parser over arbitrary bytes. Build and run with run.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buf = UnsafeRawBufferPointer(start: data, count: size)
    fuzzOne(buf)
    return 0
}

@inline(never)
func fuzzOne(_ buf: UnsafeRawBufferPointer) {
    let span = buf.bytes
    _ = TLSDetect.looksLikeTLS(span)

    // The stream reader over the whole input, and over a prefix then the whole (split chosen by
    // the first byte): both must give the same events.
    let whole = drain(buf, split: nil)
    if let first = buf.first, buf.count > 1 {
        let split = Int(first) % buf.count
        let twoStep = drain(buf, split: split)
        if whole != twoStep { fatalError("stream events differ when split at \(split)") }
    }

    // The handshake observer's path (record events off, `nextCommon` first and `next` when it
    // answers `.other`) gives the same events as `next` alone, but for the `.record` events.
    let common = drainCommon(buf)
    let content = whole.filter { if case .record = $0 { return false } else { return true } }
    if common != content { fatalError("nextCommon's path gives other events") }

    // Hello and message parsers over the raw input and over every handshake body found.
    parseAll(span, base: 0)
    var reader = TLSStreamReader()
    var budget = 10_000
    while budget > 0 {
        budget -= 1
        let e = reader.next(in: span)
        switch e {
        case .handshake(let m):
            _ = m.withBody(in: span) { body in parseAll(body, base: m.bodyStreamOffset) }
        case .needMore, .malformed: budget = 0
        default: break
        }
    }
}

func drain(_ buf: UnsafeRawBufferPointer, split: Int?) -> [TLSStreamEvent] {
    var reader = TLSStreamReader()
    var events = [TLSStreamEvent]()
    if let s = split {
        let prefix = UnsafeRawBufferPointer(rebasing: buf[0..<s])
        while events.count < 5000 {
            let e = reader.next(in: prefix)
            if e == .needMore { break }
            events.append(e)
            if case .malformed = e { return events }
        }
    }
    while events.count < 5000 {
        let e = reader.next(in: buf)
        if e == .needMore { break }
        events.append(e)
        if case .malformed = e {
            // A failed reader keeps answering the same failure.
            if reader.next(in: buf) != e { fatalError("malformed is not sticky") }
            break
        }
    }
    return events
}

func parseAll(_ body: RawSpan, base: Int) {
    if let h = try? ClientHello(body: body, base: base) {
        let v = h.view(body)
        var n = 0
        v.cipherSuites.forEach { n &+= Int($0.rawValue) }
        v.extensions.forEach { n &+= $0.data.count }
        v.keyShares.forEach { _, r in n &+= r.count }
        _ = v.alpnProtocols.strings
        _ = v.serverName
        _ = ClientHelloSummary(h, body: body)
        blackHole(n)
    }
    if let s = try? ServerHello(body: body, base: base) {
        _ = s.alpnProtocol(body)
        _ = s.extensionList(body).types
    }
    for tls13 in [false, true] {
        if let c = try? CertificateMessage(body: body, base: base, tls13: tls13) {
            for e in c.entries.prefix(4) {
                let cert = CertificateSummary(parsing: body.extracting(e.certificate))
                blackHole(cert.subject.count)
            }
        }
    }
    _ = CertificateSummary(parsing: body)
    for kx in [CipherSuite.KeyExchange.ecdheRSA, .dheRSA, .rsa, .psk, .ecdhePSK, .srpRSA] {
        _ = try? ServerKeyExchange(body: body, base: base, keyExchange: kx, version: .tls12)
        _ = try? ServerKeyExchange(body: body, base: base, keyExchange: kx, version: .tls10)
        _ = try? ClientKeyExchange(body: body, base: base, keyExchange: kx, version: .tls12)
    }
    for v in [ProtocolVersion.tls12, .tls13] {
        if let cr = try? CertificateRequest(body: body, base: base, version: v) {
            _ = cr.certificateAuthorityNames(body)
        }
    }
    _ = try? CertificateStatus(body: body, base: base)
    _ = try? NewSessionTicket(body: body, base: base, tls13: false)
    _ = try? NewSessionTicket(body: body, base: base, tls13: true)
    var r = TLSReader(body, base: base)
    _ = try? SSLv2ClientHello(parsing: &r)
    var r2 = TLSReader(body, base: base)
    _ = try? SSLv2ServerHello(parsing: &r2)
}

@inline(never)
func blackHole(_ v: Int) {
    if v == 0x7fff_ffff_ffff_fff1 { print("") }
}

func drainCommon(_ buf: UnsafeRawBufferPointer) -> [TLSStreamEvent] {
    var reader = TLSStreamReader()
    reader.recordEvents = false
    var events = [TLSStreamEvent]()
    while events.count < 5000 {
        let c = reader.nextCommon(in: buf)
        let e: TLSStreamEvent
        switch c.kind {
        case .needMore: e = .needMore
        case .handshake: e = .handshake(c.handshakeMessage)
        case .encryptedRecord: e = .encryptedRecord(ContentType(c.type), length: c.length, offset: c.offset)
        case .changeCipherSpec: e = .changeCipherSpec(offset: c.offset)
        case .other:
            e = reader.next(in: buf)
            if case .record = e { fatalError("a .record event with record events off") }
        }
        if e == .needMore { break }
        events.append(e)
        if case .malformed = e { break }
    }
    return events
}
