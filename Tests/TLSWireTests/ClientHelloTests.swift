import Testing
@testable import TLSWire

/// The first ClientHello of a client stream vector: the parsed value and its body bytes.
func clientHello(_ v: StreamVector) throws -> (ClientHello, [UInt8]) {
    let stream = v.bytes
    let found = try #require(firstMessage(stream, .clientHello, startOffset: v.startOffset))
    let hello = try found.1.withUnsafeBytes { try ClientHello(body: $0.bytes, base: found.0.bodyStreamOffset) }
    return (hello, found.1)
}

func summary(_ v: StreamVector) throws -> ClientHelloSummary {
    let (hello, body) = try clientHello(v)
    return body.withUnsafeBytes { ClientHelloSummary(hello, body: $0.bytes) }
}

func suites(_ raw: [UInt16]) -> [CipherSuite] { raw.map { CipherSuite($0) } }
func groups(_ raw: [UInt16]) -> [NamedGroup] { raw.map { NamedGroup($0) } }
func exts(_ raw: [UInt16]) -> [ExtensionType] { raw.map { ExtensionType($0) } }
func sigs(_ raw: [UInt16]) -> [SignatureScheme] { raw.map { SignatureScheme($0) } }

// Expected values below were read with TShark 4.0.17 from the same packets, e.g.
//   tshark -r <capture> -Y 'tcp.stream==N && tls.handshake.type==1' -T fields -E occurrence=a -E aggregator=, \
//     -e tls.handshake.ciphersuite -e tls.handshake.extensions_server_name -e tls.handshake.extension.type ...
@Suite("ClientHello from real clients")
struct ClientHelloTests {
    @Test("OpenSSL 1.0.1 TLS 1.2 hello (arkime openssl-tls1_2.pcap)")
    func openssl() throws {
        let s = try summary(CorpusStreams.opensslTLS12Client)
        #expect(s.legacyVersion == .tls12)
        #expect(s.maxVersion == .tls12)
        #expect(s.size == 254)
        #expect(s.sessionIDLength == 0)
        #expect(s.cipherSuites.count == 74)
        #expect(Array(s.cipherSuites.prefix(6)) == suites([0xc030, 0xc02c, 0xc028, 0xc024, 0xc014, 0xc00a]))
        #expect(s.cipherSuites.last == .emptyRenegotiationInfoSCSV)
        #expect(s.hasEmptyRenegotiationInfoSCSV)
        #expect(s.compressionMethods == [.null])
        #expect(s.extensions == exts([11, 10, 35, 13, 15]))
        #expect(s.supportedGroups == groups([0x0018, 0x0017]))
        #expect(s.ecPointFormats.map(\.rawValue) == [0, 1, 2])
        #expect(s.signatureAlgorithms == sigs([0x0601, 0x0602, 0x0603, 0x0501, 0x0502, 0x0503, 0x0401, 0x0402, 0x0403,
                                               0x0301, 0x0302, 0x0303, 0x0201, 0x0202, 0x0203, 0x0101]))
        #expect(s.sni == nil)
        #expect(s.alpn.isEmpty)
        #expect(s.supportedVersions.isEmpty)
        #expect(s.keyShares.isEmpty)
        #expect(s.hasSessionTicket && s.sessionTicketLength == 0)
        #expect(s.flags.contains(.heartbeat))
        #expect(s.malformedExtensionCount == 0)
        // Batch-report questions.
        #expect(s.cipherSuites.contains { $0.isRC4 })
        #expect(s.cipherSuites.contains { $0.is3DES })
        #expect(s.cipherSuites.contains { $0.isExport })
        #expect(s.cipherSuites.contains { $0.needsECDSACertificate })
    }

    @Test("OpenSSL SSL 3.0 hello without an extensions block (arkime openssl-ssl3.pcap)")
    func sslv3() throws {
        let (hello, _) = try clientHello(CorpusStreams.opensslSSL3Client)
        #expect(hello.legacyVersion == .sslv3)
        #expect(hello.maxVersion == .sslv3)
        #expect(hello.extensions == nil)
        #expect(hello.extensionCount == 0)
        #expect(hello.cipherSuiteCount == 46)
        let s = try summary(CorpusStreams.opensslSSL3Client)
        #expect(s.size == 131)
        #expect(s.cipherSuites.first == CipherSuite(0xc014))
        #expect(s.cipherSuites.last == .emptyRenegotiationInfoSCSV)
        #expect(s.extensions.isEmpty)
    }

    @Test("Chrome with X25519Kyber768: GREASE, ALPS, ECH, a 1216-byte key share (zeek chrome-1250)")
    func chromeKyber() throws {
        let s = try summary(CorpusStreams.chromeKyberClient)
        #expect(s.size == 1747)
        #expect(s.sni == "lh3.google.com")
        #expect(s.alpn == ["h2", "http/1.1"])
        #expect(s.cipherSuites.count == 16)
        #expect(s.cipherSuites.first == CipherSuite(0xeaea))
        #expect(s.cipherSuites.first!.isGREASE)
        #expect(s.selectableCipherSuites.count == 15)
        #expect(Array(s.cipherSuites.dropFirst().prefix(4)) == suites([0x1301, 0x1302, 0x1303, 0xc02b]))
        #expect(s.supportedVersions.map(\.rawValue) == [0x8a8a, 0x0304, 0x0303])
        #expect(s.maxVersion == .tls13)
        #expect(s.offersTLS13)
        #expect(s.supportedGroups == groups([0xcaca, 0x6399, 0x001d, 0x0017, 0x0018]))
        #expect(s.keyShares.map(\.group) == groups([51914, 25497, 29]))
        #expect(s.keyShares.map(\.keyLength) == [1, 1216, 32])
        #expect(s.keyShares[1].group == .x25519Kyber768Draft00)
        #expect(s.keyShares[1].group.isPostQuantum)
        #expect(s.extensions == exts([27242, 35, 13, 11, 10, 27, 17513, 51, 16, 43, 23, 65281, 5, 45, 65037, 18, 0, 19018]))
        #expect(s.extensions.first!.isGREASE && s.extensions.last!.isGREASE)
        #expect(s.signatureAlgorithms == sigs([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]))
        #expect(s.pskModes == [.pskDHEKE])
        #expect(s.alps == ["h2"])
        #expect(s.alpsType == .applicationSettingsOld)
        #expect(s.compressCertificateAlgorithms.map(\.name) == ["brotli"])
        #expect(s.statusRequestType == 1)
        #expect(s.renegotiationInfoLength == 0)
        #expect(s.hasExtendedMasterSecret && s.hasSCT)
        #expect(s.ech?.isOuter == true)
        #expect(s.flags.contains(.greaseCipherSuite) && s.flags.contains(.greaseExtension))
    }

    @Test("Chrome 2024 with X25519MLKEM768 (0x11ec), hello over two TCP segments (arkime)")
    func chromeMLKEM() throws {
        let s = try summary(CorpusStreams.splitHelloClient)
        #expect(s.size == 1720)
        #expect(s.sni == "clients2.google.com")
        #expect(s.supportedGroups == groups([0x3a3a, 0x11ec, 0x001d, 0x0017, 0x0018]))
        #expect(s.keyShares.map(\.group) == [NamedGroup(14906), .x25519MLKEM768, .x25519])
        #expect(s.keyShares.map(\.keyLength) == [1, 1216, 32])
        #expect(NamedGroup.x25519MLKEM768.name == "X25519MLKEM768")
        #expect(s.extensions == exts([6682, 13, 18, 45, 27, 65037, 43, 51, 0, 11, 35, 5, 23, 16, 10, 65281, 17513, 47802]))
    }

    @Test("Chrome 65-era draft-18 hello: key_share in old code point 40, channel_id (arkime tls13.pcap)")
    func chromeDraft() throws {
        let s = try summary(CorpusStreams.arkimeTLS13Client)
        #expect(s.sni == "blog.cloudflare.com")
        #expect(s.size == 508)
        #expect(s.supportedVersions.map(\.rawValue) == [0xcaca, 0x7f12, 0x0303, 0x0302, 0x0301])
        #expect(s.maxVersion == ProtocolVersion(0x7f12))
        #expect(s.maxVersion.name == "TLS 1.3 (draft 18)")
        #expect(s.cipherSuites.count == 19)
        #expect(s.cipherSuites.contains(CipherSuite(0xcc14)))
        #expect(CipherSuite(0xcc14).info?.isIANARegistered == false)
        #expect(s.keyShares.map(\.group) == groups([23130, 29]))
        #expect(s.extensions == exts([56026, 65281, 0, 23, 35, 13, 5, 18, 16, 30032, 11, 40, 45, 43, 10, 2570, 21]))
        #expect(s.flags.contains(.channelID))
        #expect(s.paddingLength == 228)
        #expect(s.signatureAlgorithms.last == SignatureScheme(0x0201))
    }

    @Test("Chrome with encrypted_client_hello outer (zeek tls13-ech.pcap)")
    func ech() throws {
        let s = try summary(CorpusStreams.echClient)
        #expect(s.sni == "cloudflare-ech.com")
        // TShark 4.0 does not decode ECH; its extension data starts 00 0001 0001 d1 0020: outer,
        // HKDF-SHA256, AES-128-GCM, config 0xd1, a 32-byte enc; the 186-byte extension leaves 144.
        let ech = try #require(s.ech)
        #expect(ech.type == 0 && ech.kdfID == 1 && ech.aeadID == 1 && ech.configID == 0xd1)
        #expect(ech.encLength == 32 && ech.payloadLength == 144)
        #expect(s.paddingLength == 7)
        #expect(s.extensions.contains(.encryptedClientHello))
    }

    @Test("browsers: Slack (psk), Edge, rsms.me")
    func browsers() throws {
        let slack = try summary(CorpusStreams.ja4SlackClient)
        #expect(slack.sni == "app.slack.com")
        #expect(slack.size == 541)
        #expect(slack.pskIdentityCount == 1)
        #expect(slack.extensions.last == .preSharedKey)
        #expect(slack.keyShares.map(\.group) == groups([47802, 29]))
        let edge = try summary(CorpusStreams.edgeX509Client)
        #expect(edge.sni == "edge.microsoft.com")
        #expect(edge.extensions == exts([27242, 13, 0, 10, 5, 11, 43, 27, 65281, 51, 17513, 45, 35, 23, 18, 16, 2570, 21]))
        let rsms = try summary(CorpusStreams.ja4RsmsClient)
        #expect(rsms.sni == "rsms.me")
        #expect(rsms.size == 535)
        #expect(rsms.supportedVersions.map(\.rawValue) == [0x1a1a, 0x0304, 0x0303])
        #expect(rsms.pskIdentityCount == 1)
    }

    @Test("TLS 1.2-only client with status_request (ja4 latest.pcapng stream 3)")
    func tls12Client() throws {
        let s = try summary(CorpusStreams.ja4Latest3Client)
        #expect(s.sni == "discovery.cem.cloud.us")
        #expect(s.cipherSuites == suites([0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009,
                                          0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a]))
        #expect(s.extensions == exts([0, 5, 10, 11, 13, 35, 23, 65281]))
        #expect(s.maxVersion == .tls12)
        #expect(!s.offersTLS13)
    }

    @Test("OpenJDK 25: signature_algorithms_cert, status_request_v2, FFDHE groups")
    func openjdk() throws {
        let s = try summary(CorpusStreams.openjdkClient)
        #expect(s.sni == "zeek.org")
        #expect(s.cipherSuites.count == 31)
        #expect(s.cipherSuites.prefix(3) == suites([0x1302, 0x1301, 0x1303])[...])
        #expect(s.supportedGroups == groups([0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104]))
        #expect(s.supportedGroups.filter { $0.isFFDHE }.count == 5)
        #expect(s.keyShares.map(\.group) == [.x25519, .secp256r1])
        #expect(s.keyShares.map(\.keyLength) == [32, 65])
        #expect(s.extensions == exts([0, 5, 10, 11, 16, 17, 23, 35, 13, 43, 45, 50, 51]))
        #expect(!s.signatureAlgorithmsCert.isEmpty)
        #expect(s.signatureAlgorithms.first == SignatureScheme(0x0403))
    }

    @Test("wolfSSL: one suite, key share on secp256r1")
    func wolfssl() throws {
        let s = try summary(CorpusStreams.wolfsslClient)
        #expect(s.cipherSuites == [CipherSuite(0x1302)])
        #expect(s.supportedVersions == [.tls13, .tls12, .tls11])
        #expect(s.keyShares.map(\.group) == [.secp256r1])
        #expect(s.keyShares.map(\.keyLength) == [65])
        #expect(s.extensions == exts([51, 43, 13, 11, 10, 23]))
        #expect(s.sni == nil)
    }

    @Test("Firefox with record_size_limit and delegated_credentials (zeek client-certificate.pcap)")
    func firefox() throws {
        let s = try summary(CorpusStreams.clientCertClient)
        #expect(s.sni == "certauth.idrix.fr")
        #expect(s.recordSizeLimit == 16385)
        #expect(s.flags.contains(.delegatedCredential))
        #expect(s.extensions == exts([0, 23, 65281, 10, 11, 35, 16, 5, 34, 51, 43, 13, 45, 28, 21]))
    }

    @Test("a client offering only NULL ciphers (zeek tls-1.2-handshake-failure.pcap)")
    func nullOnly() throws {
        let s = try summary(CorpusStreams.handshakeFailureClient)
        #expect(s.cipherSuites == suites([0xc010, 0xc006, 0xc015, 0xc00b, 0xc001, 0x003b, 0x0002, 0x0001, 0x00ff]))
        #expect(s.selectableCipherSuites.allSatisfy { $0.isNULL })
        #expect(s.compressionMethods == [.deflate, .null])
        #expect(s.supportedGroups.count == 25)
    }

    @Test("HelloRetryRequest client: first and second hello (zeek hrr.pcap)")
    func hrrClient() throws {
        let stream = CorpusStreams.hrrClient.bytes
        let hellos = handshakes(wholeEvents(stream)).filter { $0.type == .clientHello }
        #expect(hellos.count == 2)
        #expect(hellos.map(\.length) == [227, 235])
        let parsed = try hellos.map { m in try body(m, stream).withUnsafeBytes { try ClientHelloSummary(body: $0.bytes) } }
        #expect(parsed[0].keyShares.map(\.group) == [NamedGroup(21)])
        #expect(parsed[0].keyShares.map(\.keyLength) == [57])
        #expect(parsed[1].keyShares.map(\.group) == [.secp256r1])
        #expect(parsed[1].keyShares.map(\.keyLength) == [65])
        #expect(parsed[0].cipherSuites == suites([0x1302, 0x1303, 0x1301, 0x00ff]))
        #expect(parsed[1].supportedVersions == [.tls13])
    }

    @Test("Windows RDP client (Schannel, TLS 1.0) after the X.224 preamble (zeek rdp-to-ssl.pcap)")
    func rdp() throws {
        // TShark does not dissect TLS inside this RDP capture; the values were read from the
        // follow,tcp,raw hex: 16 0301 0074 | 01 000070 | 0301 | random | 00 | 0018 | suites …
        let s = try summary(CorpusStreams.rdpClient)
        #expect(s.legacyVersion == .tls10)
        #expect(s.cipherSuites == suites([0x002f, 0x0035, 0x0005, 0x000a, 0xc013, 0xc014, 0xc009, 0xc00a,
                                          0x0032, 0x0038, 0x0013, 0x0004]))
        #expect(s.cipherSuites.filter { $0.needsECDSACertificate } == suites([0xc009, 0xc00a]))
        #expect(s.size == 112)
    }

    @Test("every hello in the corpus parses without extension errors", arguments: CorpusStreams.all.filter { $0.direction == .client })
    func allParse(_ v: StreamVector) throws {
        let stream = v.bytes
        for m in handshakes(wholeEvents(stream, startOffset: v.startOffset)) where m.type == .clientHello {
            let hello = try body(m, stream).withUnsafeBytes { try ClientHello(body: $0.bytes) }
            #expect(hello.malformedExtensionCount == 0)
            #expect(hello.trailingBytes == 0)
            #expect(!hello.flags.contains(.duplicateExtension))
        }
    }
}

@Suite("ClientHello parsing rules")
struct ClientHelloRuleTests {
    /// A minimal TLS 1.2 hello with the given extensions block contents.
    static func hello(suites: [UInt8] = [0x13, 0x01, 0x0a, 0x0a], extensions: [UInt8]?) -> [UInt8] {
        var b: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 7, count: 32) + [0]
        b += [UInt8(suites.count >> 8), UInt8(suites.count & 0xff)] + suites
        b += [1, 0]
        if let e = extensions { b += [UInt8(e.count >> 8), UInt8(e.count & 0xff)] + e }
        return b
    }

    @Test("cipher suite list length past the body → lengthOverflow at the list")
    func suitesOverflow() {
        var b = Self.hello(extensions: nil)
        b[35] = 0x10 // length 0x1004
        #expect(throws: TLSParseError(.lengthOverflow, offset: 1000 + 37, "length exceeds the enclosing structure")) {
            try b.withUnsafeBytes { _ = try ClientHello(body: $0.bytes, base: 1000) }
        }
    }

    @Test("odd cipher suite list → invalidValue; short body → truncated")
    func oddAndShort() {
        let odd = Self.hello(suites: [0x13, 0x01, 0x00], extensions: nil)
        let e1 = parseError { try odd.withUnsafeBytes { _ = try ClientHello(body: $0.bytes) } }
        #expect(e1?.code == .invalidValue)
        #expect(e1?.offset == 35)
        let short: [UInt8] = [0x03, 0x03, 1, 2]
        let e2 = parseError { try short.withUnsafeBytes { _ = try ClientHello(body: $0.bytes) } }
        #expect(e2?.code == .truncated)
    }

    @Test("a malformed extension is counted, the hello still parses; duplicates are flagged")
    func malformedExtension() throws {
        // server_name with a list length (0x0010) longer than its data, then ALPN twice.
        let ext: [UInt8] = [0x00, 0x00, 0x00, 0x05, 0x00, 0x10, 0x00, 0x00, 0x01]
            + [0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32]
            + [0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32]
        let b = Self.hello(extensions: ext)
        let h = try b.withUnsafeBytes { try ClientHello(body: $0.bytes) }
        #expect(h.extensionCount == 3)
        #expect(h.malformedExtensionCount == 1)
        #expect(h.extensionError?.code == .lengthOverflow)
        #expect(h.sni == nil)
        #expect(h.flags.contains(.duplicateExtension))
        #expect(h.flags.contains(.greaseCipherSuite))
        b.withUnsafeBytes { #expect(h.view($0.bytes).alpnProtocols.strings == ["h2"]) }
    }

    @Test("extension header cut by the block end → lengthOverflow; trailing bytes counted")
    func extensionFraming() throws {
        let cut = Self.hello(extensions: [0x00, 0x17, 0x00])
        let e = parseError { try cut.withUnsafeBytes { _ = try ClientHello(body: $0.bytes) } }
        #expect(e?.code == .lengthOverflow)
        #expect(e?.offset == 45)
        var trailing = Self.hello(extensions: [0x00, 0x17, 0x00, 0x00])
        trailing += [0xde, 0xad]
        let h = try trailing.withUnsafeBytes { try ClientHello(body: $0.bytes) }
        #expect(h.trailingBytes == 2)
        #expect(h.flags.contains(.extendedMasterSecret))
    }

    @Test("non-printable ALPN bytes come out as hex")
    func alpnHex() throws {
        let ext: [UInt8] = [0x00, 0x10, 0x00, 0x09, 0x00, 0x07, 0x02, 0x68, 0x32, 0x03, 0x00, 0xff, 0x41]
        let b = Self.hello(extensions: ext)
        let s = try b.withUnsafeBytes { try ClientHelloSummary(body: $0.bytes) }
        #expect(s.alpn == ["h2", "0x00ff41"])
    }

    @Test("maxVersion ignores GREASE and falls back to legacy_version")
    func maxVersion() throws {
        let ext: [UInt8] = [0x00, 0x2b, 0x00, 0x05, 0x04, 0x3a, 0x3a, 0x03, 0x03]
        let b = Self.hello(extensions: ext)
        let h = try b.withUnsafeBytes { try ClientHello(body: $0.bytes) }
        #expect(h.maxVersion == .tls12)
        let none = Self.hello(extensions: [])
        let h2 = try none.withUnsafeBytes { try ClientHello(body: $0.bytes) }
        #expect(h2.maxVersion == .tls12)
        #expect(h2.extensions == 45..<45)
    }
}
