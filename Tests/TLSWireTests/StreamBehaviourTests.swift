import Testing
@testable import TLSWire

/// Plaintext handshake messages (header + body bytes) of a stream, in order, as the reader saw them.
func handshakeBytes(_ v: StreamVector) -> [[UInt8]] {
    let stream = v.bytes
    return handshakes(events(v)).map { m in
        [m.type.rawValue, UInt8(m.length >> 16), UInt8((m.length >> 8) & 0xff), UInt8(m.length & 0xff)] + body(m, stream)
    }
}

/// `handshake` bytes cut into handshake records of `size` bytes (the last one shorter).
func reRecord(_ handshake: [UInt8], size: Int, version: [UInt8] = [3, 3]) -> [UInt8] {
    var out = [UInt8]()
    var i = 0
    while i < handshake.count {
        let n = min(size, handshake.count - i)
        out += [22] + version + [UInt8(n >> 8), UInt8(n & 0xff)] + handshake[i..<(i + n)]
        i += n
    }
    return out
}

@Suite("TLSStreamReader behaviour")
struct StreamBehaviourTests {
    @Test("messages spanning records are reassembled, whatever the record size",
          arguments: [1, 2, 3, 4, 5, 7, 100, 1000, 1905, 4096, 16384])
    func spanningRecords(_ size: Int) throws {
        let messages = handshakeBytes(CorpusStreams.opensslTLS12Server)
        #expect(messages.map { $0[0] } == [2, 11, 12, 14, 4])
        let flat = messages.flatMap { $0 }
        let stream = reRecord(flat, size: size)
        let whole = wholeEvents(stream)
        #expect(byteAtATimeEvents(stream) == whole)
        let got = handshakes(whole)
        #expect(got.count == messages.count)
        var headerOffset = 0
        for (m, original) in zip(got, messages) {
            #expect(body(m, stream) == Array(original[4...]))
            #expect(m.length == original.count - 4)
            // Where the header lies in the stream: 5 record-header bytes per started record.
            #expect(m.streamOffset == headerOffset + 5 * (headerOffset / size + 1))
            let first = headerOffset / size
            let last = (headerOffset + original.count - 1) / size
            #expect(m.recordCount == last - first + 1)
            switch m.body {
            case .stream: #expect(first == last)
            case .owned: #expect(first != last)
            }
            headerOffset += original.count
        }
    }

    @Test("markEncrypted: after the CCS the Finished and alert are encrypted records")
    func encryptedAfterCCS() {
        let stream = CorpusStreams.opensslTLS12Client.bytes
        let got = collectEvents(stream, encryptAfter: { e, r in if case .changeCipherSpec = e { r.markEncrypted() } })
        let tail = got.filter { if case .record = $0 { return false } else { return true } }
        #expect(tail.count == 5)
        #expect(tail[2] == .changeCipherSpec(offset: 338))
        #expect(tail[3] == .encryptedRecord(.handshake, length: 40, offset: 344))
        #expect(tail[4] == .encryptedRecord(.alert, length: 26, offset: 389))
    }

    @Test("an encrypted alert is recognised even without markEncrypted; application data always")
    func encryptedAlertHeuristic() {
        let appData: [UInt8] = [23, 3, 3, 0, 3, 0xaa, 0xbb, 0xcc]
        #expect(wholeEvents(appData).last == .encryptedRecord(.applicationData, length: 3, offset: 0))
        let alertRecord: [UInt8] = [21, 3, 3, 0, 26] + [UInt8](repeating: 0x9c, count: 26)
        #expect(wholeEvents(alertRecord).last == .encryptedRecord(.alert, length: 26, offset: 0))
        // Without the caller's markEncrypted an encrypted Finished (type 22) cannot be told from
        // a handshake fragment: the reader waits for its continuation, and the application data
        // record that follows makes the stream malformed at that record.
        let got = wholeEvents(CorpusStreams.sslv3CompatClient.bytes)
        #expect(got.last == .malformed(TLSParseError(.unexpectedMessage, offset: 269, "record interrupts a fragmented handshake message")))
        #expect(events(CorpusStreams.sslv3CompatClient).contains(.encryptedRecord(.applicationData, length: 441, offset: 269)))
    }

    @Test("TLS 1.3: middlebox CCS stays a CCS after markEncrypted; the second ClientHello after HRR is plaintext")
    func tls13CCS() {
        let stream = CorpusStreams.hrrClient.bytes
        // The caller knows TLS 1.3 was negotiated: it does not mark on the CCS.
        let got = wholeEvents(stream)
        #expect(got.contains(.changeCipherSpec(offset: 236)))
        #expect(handshakes(got).map(\.type) == [.clientHello, .clientHello])
        var r = TLSStreamReader()
        r.markEncrypted()
        let ccs: [UInt8] = [20, 3, 3, 0, 1, 1]
        ccs.withUnsafeBytes { p in
            #expect(r.next(in: p) == .record(TLSRecordHeader(contentType: .changeCipherSpec, version: .tls12, length: 1), offset: 0))
            #expect(r.next(in: p) == .changeCipherSpec(offset: 0))
            #expect(r.next(in: p) == .needMore)
        }
    }

    @Test("SSL 2.0: CLIENT-HELLO, CLIENT-MASTER-KEY, SERVER-HELLO")
    func sslv2() throws {
        let c = wholeEvents(CorpusStreams.sslv2Client.bytes)
        guard case .sslv2(let r0) = c[0], case .clientHello(let hello) = r0.message else {
            Issue.record("\(c)"); return
        }
        #expect(r0.headerLength == 2 && r0.length == 46)
        #expect(hello.version == .sslv2)
        #expect(hello.cipherSpecs.map(\.rawValue) == [0x0700c0, 0x050080, 0x030080, 0x010080, 0x060040, 0x040080, 0x020080])
        #expect(hello.cipherSpecs.first?.name == "SSL2_DES_192_EDE3_CBC_WITH_MD5")
        #expect(hello.challenge.count == 16 && hello.sessionID.isEmpty)
        #expect(!hello.offersSSL3OrTLS)
        guard case .sslv2(let r1) = c[1] else { Issue.record("\(c)"); return }
        #expect(r1.message == .other(type: 2))
        let s = wholeEvents(CorpusStreams.sslv2Server.bytes)
        guard case .sslv2(let sr) = s[0], case .serverHello(let sh) = sr.message else { Issue.record("\(s)"); return }
        #expect(sh.certificate.count == 903)
        #expect(sh.cipherSpecs.count == 6)
        #expect(sh.connectionIDLength == 16)
        #expect(!sh.sessionIDHit)
    }

    @Test("SSLv2-format hello offering TLS 1.0, then TLS records (zeek ssl.v3.pcap)")
    func v2Compatible() throws {
        let got = wholeEvents(CorpusStreams.sslv3CompatClient.bytes)
        guard case .sslv2(let r) = got[0], case .clientHello(let hello) = r.message else { Issue.record("\(got)"); return }
        #expect(hello.version == .tls10 && hello.offersSSL3OrTLS)
        #expect(hello.cipherSpecs.count == 20)
        let s = ClientHelloSummary(sslv2: hello)
        #expect(s.fromSSLv2)
        #expect(s.cipherSuites.first == CipherSuite(0x0039))
        #expect(s.cipherSuites.contains(CipherSuite(0xfeff)))
        #expect(CipherSuite(0x0064).name == nil) // RSA_EXPORT1024: "reserved" in IANA's registry
        #expect(s.cipherSuites.contains { $0.isExport })
        #expect(got[1] == .record(TLSRecordHeader(contentType: .handshake, version: .tls10, length: 134), offset: 87))
        #expect(handshakes(got).first?.type == .clientKeyExchange)
    }

    @Test("a corrupted content type or version is malformed at that byte, and stays malformed")
    func corruptedHeader() {
        var stream = CorpusStreams.opensslTLS12Client.bytes
        stream[263] = 0x63
        var got = wholeEvents(stream)
        #expect(got.last == .malformed(TLSParseError(.invalidValue, offset: 263, "unknown record content type")))
        #expect(byteAtATimeEvents(stream) == got)
        stream = CorpusStreams.opensslTLS12Client.bytes
        stream[264] = 0x02
        got = wholeEvents(stream)
        #expect(got.last == .malformed(TLSParseError(.invalidValue, offset: 264, "record version is not 3.x")))
        var r = TLSStreamReader()
        stream.withUnsafeBytes { p in
            var last = TLSStreamEvent.needMore
            for _ in 0..<20 { last = r.next(in: p) }
            #expect(last == got.last)
        }
    }

    @Test("a record length one too long makes the next header land mid-record: malformed there")
    func corruptedRecordLength() {
        var stream = CorpusStreams.opensslTLS12Client.bytes
        // ClientHello record: 16 0301 0102 → 16 0301 0103; the next "header" starts at 264 (0x03).
        stream[4] = 0x03
        let got = wholeEvents(stream)
        #expect(handshakes(got).first?.type == .clientHello)
        #expect(got.last == .malformed(TLSParseError(.invalidValue, offset: 264, "unknown record content type")))
    }

    @Test("a handshake length running into a CCS record is unexpectedMessage at the CCS")
    func corruptedHandshakeLength() {
        var stream = CorpusStreams.opensslTLS12Client.bytes
        // ClientKeyExchange header at 268: 10 000042 → 10 000142 (longer than its record).
        stream[270] = 0x01
        let got = wholeEvents(stream)
        #expect(got.last == .malformed(TLSParseError(.unexpectedMessage, offset: 338, "record interrupts a fragmented handshake message")))
        #expect(byteAtATimeEvents(stream) == got)
        #expect(randomChunkEvents(stream, seed: 7, maxChunk: 50) == got)
    }

    @Test("a stream that is not TLS fails at its first byte; a 3-byte SSLv2 start waits")
    func notTLS() {
        let http = Array("GET / HTTP/1.1\r\n".utf8)
        #expect(wholeEvents(http) == [.malformed(TLSParseError(.invalidValue, offset: 0, "stream does not start with a TLS or SSL 2.0 record"))])
        let rdpPreamble = Array(CorpusStreams.rdpClient.bytes[0..<47])
        #expect(wholeEvents(rdpPreamble, startOffset: 47) == [])
        #expect(wholeEvents([0x01, 0x00], startOffset: 0) == [])
    }

    @Test("SSLv2 ERROR shorter than its code (fuzzer finding) is malformed, the same however split")
    func fuzzRegressionSSLv2Error() {
        let input: [UInt8] = [0x80, 0x01, 0x00, 0x40, 0x04]
        let whole = wholeEvents(input)
        #expect(whole == [.malformed(TLSParseError(.invalidValue, offset: 3, "SSLv2 ERROR message shorter than its code"))])
        #expect(collectEvents(input, prefixLengths: [3]) == whole)
        let ok: [UInt8] = [0x80, 0x03, 0x00, 0x00, 0x01]
        guard case .sslv2(let r)? = wholeEvents(ok).first else { Issue.record("no record"); return }
        #expect(r.message == .error(code: 1))
    }

    @Test("heartbeat in plaintext: claimed payload larger than the record (Heartbleed shape)")
    func heartbeat() {
        let bleed: [UInt8] = [24, 3, 2, 0, 3, 1, 0x40, 0x00]
        #expect(wholeEvents(bleed).last == .heartbeat(TLSHeartbeat(offset: 0, recordLength: 3, messageType: 1, payloadLength: 16384)))
        let hb = TLSHeartbeat(offset: 0, recordLength: 3, messageType: 1, payloadLength: 16384)
        #expect(hb.claimsMoreThanRecord)
        let honest: [UInt8] = [24, 3, 3, 0, 0x16, 1, 0, 3, 0x61, 0x62, 0x63] + [UInt8](repeating: 0, count: 16)
        guard case .heartbeat(let h)? = wholeEvents(honest).last else { Issue.record("no heartbeat"); return }
        #expect(!h.claimsMoreThanRecord)
    }

    @Test("record length findings: over 2^14 plaintext, over 2^14+256 and 2^14+2048 ciphertext")
    func lengthFindings() {
        func header(_ type: UInt8, _ length: Int) -> [UInt8] { [type, 3, 3, UInt8(length >> 8), UInt8(length & 0xff)] }
        let big = header(23, 16384 + 300) + [UInt8](repeating: 0xab, count: 16384 + 300)
        guard case .record(let h, _)? = wholeEvents(big).first else { Issue.record("no record"); return }
        #expect(h.lengthFinding == .exceedsTLS13CiphertextLimit)
        let huge = header(23, 16384 + 2049) + [UInt8](repeating: 0xab, count: 16384 + 2049)
        guard case .record(let h2, _)? = wholeEvents(huge).first else { Issue.record("no record"); return }
        #expect(h2.lengthFinding == .exceedsCiphertextLimit)
        #expect(parseError { try h2.validate() }?.code == .recordTooLong)
        let plain = header(22, 16385) + [1, 0, 0x3f, 0xfd] + [UInt8](repeating: 0, count: 16381)
        let got = wholeEvents(plain)
        guard case .record(let h3, _)? = got.first else { Issue.record("no record"); return }
        #expect(h3.lengthFinding == .exceedsPlaintextLimit)
        #expect(handshakes(got).first?.length == 16381)
    }

    @Test("interleaving: an alert inside a fragmented message is unexpectedMessage")
    func interleaving() {
        let part: [UInt8] = [22, 3, 3, 0, 6, 1, 0, 0, 10, 3, 3]
        let alert: [UInt8] = [21, 3, 3, 0, 2, 2, 40]
        let got = wholeEvents(part + alert)
        #expect(got.last == .malformed(TLSParseError(.unexpectedMessage, offset: 11, "record interrupts a fragmented handshake message")))
        // The header itself split: 2 bytes, then an application_data record.
        let split: [UInt8] = [22, 3, 3, 0, 2, 1, 0] + [23, 3, 3, 0, 1, 0]
        #expect(wholeEvents(split).last == .malformed(TLSParseError(.unexpectedMessage, offset: 7, "record interrupts a handshake message header")))
    }

    @Test("pendingRecord reports a cut-short hello")
    func pending() {
        let full = CorpusStreams.opensslTLS12Client.bytes
        let cut = Array(full[0..<100])
        var r = TLSStreamReader()
        cut.withUnsafeBytes { p in
            #expect(r.next(in: p) == .needMore)
            let pend = r.pendingRecord(in: p.bytes)
            #expect(pend?.header.contentType == .handshake)
            #expect(pend?.header.length == 258)
            #expect(pend?.available == 95)
        }
        #expect(r.cursor == 0)
    }

    @Test("startOffset: TLS after a preamble (RDP X.224) reports stream offsets")
    func startOffset() {
        let got = events(CorpusStreams.rdpServer)
        #expect(got.first == .record(TLSRecordHeader(contentType: .handshake, version: .tls10, length: 854), offset: 19))
        #expect(handshakes(got).map(\.type) == [.serverHello, .certificate, .serverHelloDone])
        #expect(handshakes(got).first?.streamOffset == 24)
    }

    @Test("a caller passing a shorter stream gets needMore, and a body outside the stream is nil")
    func shorterStream() {
        let stream = CorpusStreams.opensslTLS12Client.bytes
        var r = TLSStreamReader()
        stream.withUnsafeBytes { p in
            guard case .record = r.next(in: p) else { Issue.record("no record"); return }
            let short = UnsafeRawBufferPointer(rebasing: p[0..<10])
            #expect(r.next(in: short) == .needMore)
            guard case .handshake(let m) = r.next(in: p) else { Issue.record("no hello"); return }
            #expect(m.withBody(in: short) { $0.byteCount } == nil)
            #expect(m.withBody(in: p) { $0.byteCount } == 254)
            #expect(m.withBodyReader(in: p) { $0.absoluteOffset } == 9)
        }
    }

    @Test("several alerts in one plaintext record come out one by one")
    func alertRun() {
        let rec: [UInt8] = [21, 3, 1, 0, 4, 1, 0, 2, 10]
        let got = wholeEvents(rec)
        #expect(got.dropFirst().map { $0 } == [.alert(TLSAlert(level: .warning, description: .closeNotify), offset: 0),
                                               .alert(TLSAlert(level: .fatal, description: .unexpectedMessage), offset: 0)])
    }
}

@Suite("looksLikeTLS")
struct DetectTests {
    func detect(_ b: [UInt8]) -> TLSLikelihood { b.withUnsafeBytes { TLSStreamReader.looksLikeTLS($0) } }

    @Test("every captured stream's first bytes are recognised", arguments: CorpusStreams.all)
    func corpus(_ v: StreamVector) {
        let b = Array(v.bytes[v.startOffset...])
        let kind = detect(b)
        if b[0] & 0x80 != 0 {
            #expect(kind == .sslv2)  // CLIENT-HELLO and SERVER-HELLO
        } else if b[0] == 22 && (b[5] == 1 || b[5] == 2) {
            #expect(kind == .tls)
        } else {
            #expect(kind == .no)
        }
        // Prefixes never say "no" for a stream that is TLS.
        if kind != .no {
            for n in 0..<min(12, b.count) { #expect(detect(Array(b[0..<n])) != .no, "prefix \(n)") }
        }
    }

    @Test("non-TLS starts")
    func negatives() {
        #expect(detect(Array("GET / HTTP/1.1\r\n".utf8)) == .no)
        #expect(detect(Array("SSH-2.0-OpenSSH_9.6\r\n".utf8)) == .no)
        #expect(detect([0x16, 0x03, 0x05]) == .no)                         // record version 3.5
        #expect(detect([0x16, 0x03, 0x01, 0x00, 0x02]) == .no)             // too short for a hello
        #expect(detect([0x16, 0x03, 0x01, 0x02, 0x00, 0x0b]) == .no)       // a Certificate first
        #expect(detect([0x17, 0x03, 0x03, 0x00, 0x20]) == .no)             // application data
        #expect(detect(CorpusStreams.rdpClient.bytes) == .no)              // X.224 before TLS
        #expect(detect([]) == .needMore)
        #expect(detect([0x16, 0x03]) == .needMore)
    }
}
