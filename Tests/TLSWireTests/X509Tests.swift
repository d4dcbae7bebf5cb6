import Testing
@testable import TLSWire

/// The DER certificates of the first Certificate message in a stream vector.
func certificates(_ v: StreamVector) throws -> [[UInt8]] {
    let (_, b) = try #require(firstMessage(v.bytes, .certificate, startOffset: v.startOffset))
    let msg = try b.withUnsafeBytes { try CertificateMessage(body: $0.bytes) }
    return msg.certificates.map { Array(b[$0]) }
}

// Expected values: Zeek's x509.log baselines (zeek/expected/x509.jsonl) where the capture has
// one, otherwise `openssl x509 -inform DER -noout -subject -issuer -dates -serial -nameopt RFC2253
// -text` on the same DER bytes.
@Suite("X.509 certificate summary")
struct X509Tests {
    @Test("Google leaf and chain from the OpenSSL capture")
    func google() throws {
        let certs = try certificates(CorpusStreams.opensslTLS12Server)
        #expect(certs.count == 3)
        let leaf = CertificateSummary(der: certs[0])
        #expect(leaf.error == nil)
        #expect(leaf.version == 3)
        #expect(leaf.serial == "7A5B0BD895632F87")
        #expect(leaf.subject == "CN=*.google.com,O=Google Inc,L=Mountain View,ST=California,C=US")
        #expect(leaf.issuer == "CN=Google Internet Authority G2,O=Google Inc,C=US")
        #expect(leaf.subjectCommonName == "*.google.com")
        #expect(leaf.notBefore?.unixSeconds == 1_411_553_285)   // 2014-09-24 10:08:05Z
        #expect(leaf.notAfter?.unixSeconds == 1_419_292_800)    // 2014-12-23 00:00:00Z
        #expect(leaf.notBefore?.description == "2014-09-24T10:08:05Z")
        #expect(leaf.signatureAlgorithm == "sha1WithRSAEncryption")
        #expect(leaf.publicKeyAlgorithm == "rsaEncryption")
        #expect(leaf.keyType == .rsa && leaf.keyBits == 2048 && leaf.rsaExponent == 65537)
        #expect(leaf.subjectAlternativeNames.dns.count == 49)
        #expect(leaf.subjectAlternativeNames.dns.first == "*.google.com")
        #expect(leaf.extendedKeyUsage == ["serverAuth", "clientAuth"])
        #expect(leaf.isCA == false)
        #expect(!leaf.isSelfSigned)
        let ca = CertificateSummary(der: certs[1])
        #expect(ca.serial == "023A76")
        #expect(ca.isCA == true && ca.pathLengthConstraint == 0)
        #expect(ca.issuer == "CN=GeoTrust Global CA,O=GeoTrust Inc.,C=US")
        let root = CertificateSummary(der: certs[2])
        #expect(root.issuer == "OU=Equifax Secure Certificate Authority,O=Equifax,C=US")
        #expect(root.notBefore?.unixSeconds == 1_021_953_600)
        #expect(root.isCA == true && root.pathLengthConstraint == nil)
        // The chain links: each issuer is the next subject.
        #expect(leaf.issuer == ca.subject)
        #expect(ca.issuer == root.subject)
        #expect(leaf.authorityKeyIdentifier == ca.subjectKeyIdentifier)
    }

    @Test("ECDSA chain matches Zeek's x509.log (zeek ecdsa-cert.pcap)")
    func ecdsa() throws {
        let certs = try certificates(CorpusStreams.ecdsaCertServer)
        let leaf = CertificateSummary(der: certs[0])
        #expect(leaf.serial == "F0AFBBF558BF4D1B71FED9CB33793EE4")
        #expect(leaf.subject == "CN=pantz.org,OU=PositiveSSL,OU=Domain Control Validated")
        #expect(leaf.issuer == "CN=COMODO ECC Domain Validation Secure Server CA,O=COMODO CA Limited,L=Salford,ST=Greater Manchester,C=GB")
        #expect(leaf.notBefore?.unixSeconds == 1_415_404_800)
        #expect(leaf.notAfter?.unixSeconds == 1_573_171_199)
        #expect(leaf.publicKeyAlgorithm == "id-ecPublicKey")
        #expect(leaf.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(leaf.keyType == .ec && leaf.keyBits == 384 && leaf.curve == "secp384r1")
        #expect(leaf.subjectAlternativeNames.dns == ["pantz.org", "www.pantz.org"])
        #expect(leaf.isCA == false)
        let ca = CertificateSummary(der: certs[1])
        #expect(ca.serial == "510601E63B50673C55EE4E19DA304CA8")
        #expect(ca.signatureAlgorithm == "ecdsa-with-SHA384")
        #expect(ca.curve == "secp256r1" && OIDNames.openSSLCurveName(ca.curve!) == "prime256v1" && ca.keyBits == 256)
        #expect(ca.notAfter?.unixSeconds == 1_868_054_399)
        #expect(ca.isCA == true && ca.pathLengthConstraint == 0)
        #expect(ca.subjectAlternativeNames.isEmpty)
    }

    @Test("ML-DSA-44 self-signed certificate matches Zeek's x509.log")
    func mldsa() throws {
        let certs = try certificates(CorpusStreams.mldsaServer)
        let c = CertificateSummary(der: certs[0])
        #expect(c.error == nil)
        #expect(c.serial == "6CC93D07602EC79CFD5201B425D1A93C7023197F")
        #expect(c.subject == "CN=ml-dsa.example.com,O=PQC-Test,C=US")
        #expect(c.isSelfSigned)
        #expect(c.publicKeyAlgorithm == "ML-DSA-44" && c.signatureAlgorithm == "ML-DSA-44")
        #expect(c.keyType == .mldsa && c.keyBits == 10496)
        #expect(c.notBefore?.unixSeconds == 1_775_199_968 && c.notAfter?.unixSeconds == 1_806_735_968)
        #expect(c.isCA == true)
    }

    @Test("GeneralizedTime validity (zeek x509-generalizedtime.pcap)")
    func generalizedTime() throws {
        let certs = try certificates(CorpusStreams.generalizedTimeServer)
        let c = CertificateSummary(der: certs[0])
        #expect(c.serial == "03E8")
        #expect(c.subject == "CN=bro-generalizedtime-test,O=Bro,C=NL")
        #expect(c.isSelfSigned)
        #expect(c.notBefore?.isGeneralizedTime == true)
        #expect(c.notBefore?.unixSeconds == 1_441_114_417)  // 2015-09-01 13:33:37Z
        #expect(c.notAfter?.unixSeconds == 1_756_733_617)   // 2025-09-01 13:33:37Z
        #expect(c.keyBits == 1024)
    }

    @Test("client certificate: email-like CN, key usage, EKU, key identifiers")
    func clientCertificate() throws {
        let stream = CorpusStreams.clientCertClient.bytes
        let ms = handshakes(events(CorpusStreams.clientCertClient))
        let certMsg = try #require(ms.first { $0.type == .certificate })
        let b = body(certMsg, stream)
        let msg = try b.withUnsafeBytes { try CertificateMessage(body: $0.bytes) }
        let c = CertificateSummary(der: Array(b[msg.certificates[0]]))
        #expect(c.subject == "CN=johanna@corelight.com")
        #expect(c.serial == "075DA21171A41241766CC01CA59852B1")
        #expect(c.keyUsage == ["digitalSignature", "keyEncipherment"])
        #expect(c.keyUsageBits == 0b101)
        #expect(c.extendedKeyUsage == ["clientAuth", "emailProtection"])
        #expect(c.subjectKeyIdentifier == "b04f9751e4894a9794a5feb5e5fd489b9c5499fa")
        #expect(c.authorityKeyIdentifier == "be97a9aa84bf80bf10537d0932f9e12e321bcf77")
        #expect(c.notBefore?.unixSeconds == 1_677_599_967)  // 2023-02-28 15:59:27Z
    }

    @Test("RFC 4514 escaping, nsSGC, 1990s UTCTime (zeek ssl.v3.pcap)")
    func escaping() throws {
        let certs = try certificates(CorpusStreams.sslv3CompatServer)
        let leaf = CertificateSummary(der: certs[0])
        #expect(leaf.issuer == "OU=www.verisign.com/CPS Incorp.by Ref. LIABILITY LTD.(c)97 VeriSign,OU=VeriSign International Server CA - Class 3,OU=VeriSign\\, Inc.,O=VeriSign Trust Network")
        #expect(leaf.serial == "04A78116F003283BDA2B8462049F9ECB")
        #expect(leaf.extendedKeyUsage == ["nsSGC", "serverAuth", "clientAuth"])
        let ca = CertificateSummary(der: certs[1])
        #expect(ca.notBefore?.year == 1997)
        #expect(ca.issuer == "OU=Class 3 Public Primary Certification Authority,O=VeriSign\\, Inc.,C=US")
    }

    @Test("SSL 2.0 server certificate (zeek ssl-v2.pcap)")
    func sslv2Certificate() throws {
        let e = wholeEvents(CorpusStreams.sslv2Server.bytes)
        guard case .sslv2(let r)? = e.first, case .serverHello(let sh) = r.message else {
            Issue.record("no SSLv2 SERVER-HELLO: \(e)")
            return
        }
        let c = CertificateSummary(der: sh.certificate)
        #expect(c.serial == "4EB6F269")
        #expect(c.subject == "emailAddress=info@plesk.com,CN=plesk,OU=Plesk,O=Parallels,L=Herndon,ST=Virginia,C=US")
        #expect(c.notBefore?.description == "2011-11-06T20:47:37Z")
        #expect(c.keyBits == 2048)
        #expect(c.version == 1)
    }

    @Test("Edge leaf: 19-byte serial, sha384WithRSAEncryption, 4096-bit intermediate")
    func edge() throws {
        let certs = try certificates(CorpusStreams.edgeX509Server)
        let leaf = CertificateSummary(der: certs[0])
        #expect(leaf.serial == "3300BCC83AC4ADDD3C5471EB4E000000BCC83A")
        #expect(leaf.subject == "CN=edge.microsoft.com,O=Microsoft Corporation,L=Redmond,ST=WA,C=US")
        #expect(leaf.signatureAlgorithm == "sha384WithRSAEncryption")
        #expect(leaf.hasSCTList)
        let ca = CertificateSummary(der: certs[1])
        #expect(ca.keyBits == 4096)
        #expect(ca.issuer == "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US")
    }

    @Test("every prefix and every single-byte corruption of a certificate is survived", arguments: [0, 1])
    func garbage(_ which: Int) throws {
        let der = try certificates(CorpusStreams.ecdsaCertServer)[which]
        let full = CertificateSummary(der: der)
        for n in stride(from: 0, to: der.count, by: 3) {
            let c = CertificateSummary(der: Array(der[0..<n]))
            #expect(c.error != nil, "prefix \(n) accepted")
        }
        var rng = SplitMix64(state: 99)
        for _ in 0..<400 {
            var bad = der
            let i = rng.next(in: 0...(der.count - 1))
            bad[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            let c = CertificateSummary(der: bad)
            _ = c.subject
        }
        #expect(full.error == nil)
    }

    @Test("an absurd version INTEGER (8 bytes of ff) does not trap")
    func hugeVersion() {
        let der: [UInt8] = [0x30, 0x0e, 0x30, 0x0c, 0xa0, 0x0a, 0x02, 0x08] + [UInt8](repeating: 0xff, count: 8)
        let c = CertificateSummary(der: der)
        #expect(c.version == 256)
        #expect(c.error?.code == .truncated)
    }

    @Test("times: UTCTime century rule, leap day, before 1970, bad text")
    func times() {
        func t(_ s: String, _ g: Bool) -> X509Time? {
            let b = Array(s.utf8)
            return b.withUnsafeBytes { X509Time($0.bytes, 0..<b.count, generalized: g) }
        }
        #expect(t("491231235959Z", false)?.year == 2049)
        #expect(t("500101000000Z", false)?.unixSeconds == -631_152_000)
        #expect(t("20000229120000Z", true)?.unixSeconds == 951_825_600)
        #expect(t("19691231235959Z", true)?.unixSeconds == -1)
        #expect(t("20500101000000.123Z", true)?.unixSeconds == 2_524_608_000)
        #expect(t("2050010100000Z", true) == nil)
        #expect(t("20501301000000Z", true) == nil)
        #expect(t("500101000000+0100", false) == nil)
    }

    @Test("IPv6 text (RFC 5952) and IPv4")
    func ipText() {
        #expect(IPText.format([192, 0, 2, 1]) == "192.0.2.1")
        #expect(IPText.format([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == "2001:db8::1")
        #expect(IPText.format([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]) == "2001:db8:0:1::1:0")
        #expect(IPText.format([UInt8](repeating: 0, count: 16)) == "::")
        #expect(IPText.format([1, 2, 3]) == "0x010203")
    }
}
