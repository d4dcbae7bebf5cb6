import Testing
@testable import TLSWire

func serverHello(_ v: StreamVector) throws -> (ServerHello, [UInt8]) {
    let found = try #require(firstMessage(v.bytes, .serverHello, startOffset: v.startOffset))
    let hello = try found.1.withUnsafeBytes { try ServerHello(body: $0.bytes, base: found.0.bodyStreamOffset) }
    return (hello, found.1)
}

func message(_ v: StreamVector, _ type: HandshakeType) throws -> (HandshakeMessage, [UInt8]) {
    try #require(firstMessage(v.bytes, type, startOffset: v.startOffset))
}

// Expected values from TShark 4.0.17 (`-T fields` / `-V`) on the same packets.
@Suite("ServerHello")
struct ServerHelloTests {
    @Test("OpenSSL server, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256")
    func openssl() throws {
        let (sh, body) = try serverHello(CorpusStreams.opensslTLS12Server)
        #expect(sh.legacyVersion == .tls12 && sh.negotiatedVersion == .tls12 && sh.selectedVersion == nil)
        #expect(sh.cipherSuite == CipherSuite(0xc02f))
        #expect(sh.cipherSuite.name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(sh.compressionMethod == .null)
        #expect(sh.sessionID.isEmpty)
        #expect(!sh.isHelloRetryRequest)
        #expect(sh.downgradeSentinel == .none)
        #expect(body.count == 57)
        body.withUnsafeBytes { #expect(sh.extensionList($0.bytes).types == [ExtensionType(65281), .ecPointFormats, .sessionTicket]) }
        #expect(sh.flags.contains(.renegotiationInfo) && sh.renegotiationInfo?.count == 0)
        #expect(sh.flags.contains(.sessionTicket))
    }

    @Test("TLS 1.3 ServerHellos: supported_versions and key_share")
    func tls13() throws {
        let (ech, _) = try serverHello(CorpusStreams.echServer)
        #expect(ech.legacyVersion == .tls12 && ech.negotiatedVersion == .tls13)
        #expect(ech.cipherSuite == CipherSuite(0x1301))
        #expect(ech.keyShareGroup == .x25519 && ech.keyShareLength == 32)
        #expect(ech.sessionID.count == 32)
        let (kyber, kb) = try serverHello(CorpusStreams.chromeKyberServer)
        #expect(kb.count == 1206)
        #expect(kyber.keyShareGroup == .x25519Kyber768Draft00 && kyber.keyShareLength == 1120)
        let (wolf, _) = try serverHello(CorpusStreams.wolfsslServer)
        #expect(wolf.cipherSuite == CipherSuite(0x1302) && wolf.keyShareGroup == .secp256r1 && wolf.keyShareLength == 65)
        let (jdk, _) = try serverHello(CorpusStreams.openjdkServer)
        #expect(jdk.negotiatedVersion == .tls13 && jdk.cipherSuite == CipherSuite(0x1302))
    }

    @Test("TLS 1.3 draft-18 ServerHello layout (no session id, no compression)")
    func draft() throws {
        let (sh, body) = try serverHello(CorpusStreams.arkimeTLS13Server)
        #expect(body.count == 78)
        #expect(sh.legacyVersion == ProtocolVersion(0x7f12))
        #expect(sh.negotiatedVersion.effective == .tls13)
        #expect(sh.flags.contains(.draftLayout))
        #expect(sh.cipherSuite == CipherSuite(0x1301))
        #expect(sh.keyShareGroup == .x25519 && sh.keyShareLength == 32)
    }

    @Test("HelloRetryRequest: special random, selected_group, then the real ServerHello")
    func hrr() throws {
        let stream = CorpusStreams.hrrServer.bytes
        let sh = handshakes(wholeEvents(stream)).filter { $0.type == .serverHello }
        #expect(sh.count == 2)
        let first = try body(sh[0], stream).withUnsafeBytes { try ServerHello(body: $0.bytes) }
        #expect(first.isHelloRetryRequest)
        #expect(first.selectedGroup == .secp256r1)
        #expect(first.keyShareGroup == nil)
        #expect(first.negotiatedVersion == .tls13)
        #expect(sh[0].length == 84)
        let second = try body(sh[1], stream).withUnsafeBytes { try ServerHello(body: $0.bytes) }
        #expect(!second.isHelloRetryRequest)
        #expect(second.keyShareGroup == .secp256r1)
    }

    @Test("downgrade sentinels in the last 8 bytes of the random")
    func sentinel() throws {
        for (last, expected) in [(UInt8(1), ServerHello.DowngradeSentinel.tls12), (0, .tls11OrBelow), (2, .none)] {
            var b: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0x55, count: 24) + [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, last]
            b += [0x00, 0xc0, 0x2f, 0x00]
            let sh = try b.withUnsafeBytes { try ServerHello(body: $0.bytes) }
            #expect(sh.downgradeSentinel == expected)
            #expect(sh.extensions == nil)
        }
    }

    @Test("SSL 3.0 ServerHello")
    func ssl3() throws {
        let (sh, _) = try serverHello(CorpusStreams.opensslSSL3Server)
        #expect(sh.legacyVersion == .sslv3)
        #expect(sh.cipherSuite == CipherSuite(0xc011))
        #expect(sh.cipherSuite.isRC4)
        #expect(sh.sessionID.count == 32)
    }
}

@Suite("Other handshake messages")
struct MessageTests {
    @Test("Certificate (TLS 1.2): three DER certificates from the OpenSSL server")
    func certificate() throws {
        let (m, b) = try message(CorpusStreams.opensslTLS12Server, .certificate)
        #expect(m.recordCount == 1)
        let c = try b.withUnsafeBytes { try CertificateMessage(body: $0.bytes) }
        #expect(c.certificates.map(\.count) == [1905, 1012, 897])
        #expect(!c.isTLS13)
    }

    @Test("Certificate in TLS 1.3 layout (context + per-entry extensions)")
    func certificate13() throws {
        // context 00, one 3-byte certificate 30 01 00 with an empty extension block.
        let b: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00, 0x00, 0x00]
        let c = try b.withUnsafeBytes { try CertificateMessage(body: $0.bytes, tls13: true) }
        #expect(c.count == 1)
        #expect(c.entries[0].certificate == 7..<10)
        #expect(c.entries[0].extensions == 12..<12)
        #expect(c.requestContext == 1..<1)
        // Read in the TLS 1.2 layout the first three bytes are an empty list, then junk follows.
        let e = parseError { try b.withUnsafeBytes { _ = try CertificateMessage(body: $0.bytes, tls13: false) } }
        #expect(e?.code == .invalidValue)
        #expect(e?.offset == 3)
    }

    @Test("ServerKeyExchange ECDHE: secp256r1, 65-byte point, rsa_pkcs1_sha512, 256-byte signature")
    func skeECDHE() throws {
        let (m, b) = try message(CorpusStreams.opensslTLS12Server, .serverKeyExchange)
        #expect(m.length == 329)
        let kx = try #require(CipherSuite(0xc02f).keyExchange)
        #expect(kx == .ecdheRSA)
        let ske = try b.withUnsafeBytes { try ServerKeyExchange(body: $0.bytes, keyExchange: kx, version: .tls12) }
        #expect(ske.format == .ecdhe)
        #expect(ske.curveType == 3 && ske.namedGroup == .secp256r1 && ske.publicKeyLength == 65)
        #expect(ske.signatureScheme == SignatureScheme(0x0601))
        #expect(ske.signatureScheme?.name == "rsa_pkcs1_sha512")
        #expect(ske.signatureLength == 256)
    }

    @Test("ServerKeyExchange ECDHE-ECDSA: secp384r1, 97-byte point, ecdsa_secp521r1_sha512")
    func skeECDSA() throws {
        let (_, b) = try message(CorpusStreams.ecdsaCertServer, .serverKeyExchange)
        let ske = try b.withUnsafeBytes { try ServerKeyExchange(body: $0.bytes, keyExchange: .ecdheECDSA, version: .tls12) }
        #expect(ske.namedGroup == .secp384r1 && ske.publicKeyLength == 97)
        #expect(ske.signatureScheme == SignatureScheme(0x0603) && ske.signatureLength == 102)
    }

    @Test("ServerKeyExchange DHE: 1024-bit p, g = 2, 128-byte Ys")
    func skeDHE() throws {
        let (_, b) = try message(CorpusStreams.dheServer, .serverKeyExchange)
        let suite = CipherSuite(0x0088)
        #expect(suite.keyExchange == .dheRSA)
        #expect(suite.name == "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA")
        let ske = try b.withUnsafeBytes { try ServerKeyExchange(body: $0.bytes, keyExchange: .dheRSA, version: .tls12) }
        #expect(ske.format == .dhe)
        #expect(ske.dhPrimeBits == 1024)
        #expect(ske.dhGenerator == 2 && ske.dhGeneratorLength == 1)
        #expect(ske.publicKeyLength == 128)
        #expect(ske.signatureScheme == SignatureScheme(0x0601) && ske.signatureLength == 256)
    }

    @Test("ServerKeyExchange in SSL 3.0: no signature algorithm field")
    func skeSSL3() throws {
        let (_, b) = try message(CorpusStreams.opensslSSL3Server, .serverKeyExchange)
        let ske = try b.withUnsafeBytes { try ServerKeyExchange(body: $0.bytes, keyExchange: .ecdheRSA, version: .sslv3) }
        #expect(ske.signatureScheme == nil && ske.signatureLength == 256 && ske.publicKeyLength == 65)
        // Read as TLS 1.2 the same bytes do not fit.
        let e = parseError { try b.withUnsafeBytes { _ = try ServerKeyExchange(body: $0.bytes, keyExchange: .ecdheRSA, version: .tls12) } }
        #expect(e != nil)
    }

    @Test("CertificateStatus (OCSP) and CertificateRequest")
    func statusAndRequest() throws {
        let (m, b) = try message(CorpusStreams.ja4Latest3Server, .certificateStatus)
        let st = try b.withUnsafeBytes { try CertificateStatus(body: $0.bytes) }
        #expect(st.statusType == 1)
        #expect(st.responseLength == m.length - 4)
        let (_, rb) = try message(CorpusStreams.clientCertServer, .certificateRequest)
        let cr = try rb.withUnsafeBytes { try CertificateRequest(body: $0.bytes, version: .tls12) }
        rb.withUnsafeBytes { p in
            #expect(cr.certificateTypes.map { CodePointList8<ClientCertificateType>(p.bytes, $0).array } == [ClientCertificateType(1), ClientCertificateType(2), ClientCertificateType(64)])
        }
        #expect(cr.signatureAlgorithms?.count ?? 0 > 0)
        #expect(cr.certificateAuthorityCount == 0)
    }

    @Test("client Certificate, ClientKeyExchange and CertificateVerify (zeek client-certificate.pcap)")
    func clientSide() throws {
        let stream = CorpusStreams.clientCertClient.bytes
        // With the caller marking the direction encrypted after its ChangeCipherSpec, the
        // encrypted Finished is not read as a message.
        let ms = handshakes(events(CorpusStreams.clientCertClient))
        #expect(ms.map(\.type) == [.clientHello, .certificate, .clientKeyExchange, .certificateVerify])
        let cert = try body(ms[1], stream).withUnsafeBytes { try CertificateMessage(body: $0.bytes) }
        #expect(cert.count >= 1)
        let cke = try body(ms[2], stream).withUnsafeBytes { try ClientKeyExchange(body: $0.bytes, keyExchange: .ecdheRSA, version: .tls12) }
        #expect(cke.publicValueLength == 32 || cke.publicValueLength == 65)
        var r = body(ms[3], stream)
        let cv = try r.withUnsafeMutableBytes { p in
            var reader = TLSReader(UnsafeRawBufferPointer(p).bytes)
            return try CertificateVerify(parsing: &reader, version: .tls12)
        }
        #expect(cv.signatureScheme != nil)
        _ = r.count
    }

    @Test("NewSessionTicket, TLS 1.2 and 1.3 layouts")
    func ticket() throws {
        let (m, b) = try message(CorpusStreams.opensslTLS12Server, .newSessionTicket)
        let t = try b.withUnsafeBytes { try NewSessionTicket(body: $0.bytes) }
        #expect(t.lifetimeHint == 100_800)
        #expect(t.ticketLength == m.length - 6)
        let t13: [UInt8] = [0, 0, 0x0e, 0x10, 1, 2, 3, 4, 1, 9, 0, 2, 0xaa, 0xbb, 0, 0]
        let n = try t13.withUnsafeBytes { try NewSessionTicket(body: $0.bytes, tls13: true) }
        #expect(n.lifetimeHint == 3600 && n.ageAdd == 0x01020304 && n.nonce == 9..<10 && n.ticketLength == 2)
    }

    @Test("ServerHelloDone must be empty; a plain alert record")
    func emptyAndAlert() throws {
        let (m, _) = try message(CorpusStreams.opensslTLS12Server, .serverHelloDone)
        #expect(m.length == 0)
        let events = wholeEvents(CorpusStreams.handshakeFailureServer.bytes)
        #expect(events == [.record(TLSRecordHeader(contentType: .alert, version: .tls12, length: 2), offset: 0),
                           .alert(TLSAlert(level: .fatal, description: .handshakeFailure), offset: 0)])
        #expect(TLSAlert(level: .fatal, description: .handshakeFailure).text == "fatal handshake_failure")
    }
}
