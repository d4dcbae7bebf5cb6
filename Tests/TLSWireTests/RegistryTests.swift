import Testing
@testable import TLSWire

@Suite("Code point registries")
struct RegistryTests {
    @Test("descriptions: IANA name, else lowercase hex of the right width")
    func descriptions() {
        #expect(CipherSuite(0x1301).description == "TLS_AES_128_GCM_SHA256")
        #expect(CipherSuite(0x0a0a).description == "0x0a0a")
        #expect(CipherSuite(0xfffe).description == "0xfffe")
        #expect(NamedGroup(0x11ec).description == "X25519MLKEM768")
        #expect(NamedGroup(0x6399).description == "X25519Kyber768Draft00")
        #expect(NamedGroup(0x6399).info?.isObsolete == true)
        #expect(SignatureScheme(0x0804).description == "rsa_pss_rsae_sha256")
        #expect(SignatureScheme(0x0402).description == "0x0402")
        #expect(SignatureScheme(0x0402).legacyName == "dsa_sha256")
        #expect(SignatureScheme(0x0303).legacyName == "ecdsa_sha224")
        #expect(SignatureScheme(0x0403).legacyName == nil)
        #expect(ExtensionType(0xfe0d).description == "encrypted_client_hello")
        #expect(ExtensionType(17613).description == "application_settings")
        #expect(ExtensionType(17613).isIANARegistered == false)
        #expect(ExtensionType(0x00ff).description == "0x00ff")
        #expect(AlertDescription(116).description == "certificate_required")
        #expect(AlertDescription(121).description == "ech_required")
        #expect(AlertDescription(120).description == "no_application_protocol")
        #expect(AlertDescription(0xfe).description == "0xfe")
        #expect(AlertLevel(2).description == "fatal")
        #expect(HandshakeType(1).description == "client_hello")
        #expect(HandshakeType(0x30).description == "0x30")
        #expect(ContentType(23).description == "application_data")
        #expect(CompressionMethod(1).description == "DEFLATE")
        #expect(CompressionMethod(0x7f).hex == "0x7f")
    }

    @Test("protocol versions: names, Zeek names, drafts, ordering")
    func versions() {
        #expect(ProtocolVersion(0x0300).name == "SSL 3.0")
        #expect(ProtocolVersion(0x0303).name == "TLS 1.2")
        #expect(ProtocolVersion(0x0303).zeekName == "TLSv12")
        #expect(ProtocolVersion(0x0300).zeekName == "SSLv3")
        #expect(ProtocolVersion(0x7f17).name == "TLS 1.3 (draft 23)")
        #expect(ProtocolVersion(0x7f17).zeekName == "TLSv13-draft23")
        #expect(ProtocolVersion(0xfefd).name == "DTLS 1.2")
        #expect(ProtocolVersion(0x1a1a).isGREASE && ProtocolVersion(0x1a1a).name == nil)
        #expect(ProtocolVersion.tls12 < .tls13)
        #expect(!(ProtocolVersion(0x7f12) < .tls13) && !(ProtocolVersion.tls13 < ProtocolVersion(0x7f12)))
    }

    @Test("GREASE: all sixteen values and nothing else", arguments: Array(0..<16))
    func grease(_ i: Int) {
        let v = UInt16(i) << 12 | 0x0a00 | UInt16(i) << 4 | 0x0a
        #expect(isGREASE16(v))
        #expect(CipherSuite(v).isGREASE && NamedGroup(v).isGREASE && ExtensionType(v).isGREASE)
        #expect(!isGREASE16(v ^ 0x0100))
        #expect(!isGREASE16(v ^ 0x0001))
    }

    @Test("cipher suite facts derived from the IANA names")
    func suiteFacts() {
        let gcm = CipherSuite(0xc02b)
        #expect(gcm.keyExchange == .ecdheECDSA && gcm.authentication == .ecdsa && gcm.cipher == .aes)
        #expect(gcm.cipherMode == .gcm && gcm.isAEAD && gcm.isForwardSecret && !gcm.isCBC)
        #expect(gcm.info?.keyBits == 128 && gcm.info?.mac == .aead && gcm.info?.recommended == .yes)
        let rsa = CipherSuite(0x002f)
        #expect(rsa.keyExchange == .rsa && rsa.isRSAKeyExchange && !rsa.isForwardSecret && rsa.isCBC && rsa.needsRSACertificate)
        #expect(rsa.info?.mac == .sha1)
        #expect(CipherSuite(0x000a).is3DES && CipherSuite(0x000a).info?.keyBits == 168)
        #expect(CipherSuite(0x0005).isRC4 && CipherSuite(0xc011).isRC4)
        #expect(CipherSuite(0x0003).isExport && CipherSuite(0x0003).info?.keyBits == 40)
        #expect(CipherSuite(0x0014).isExport && CipherSuite(0x0014).keyExchange == .dheRSA)
        #expect(CipherSuite(0x0001).isNULL && CipherSuite(0xc010).isNULL && CipherSuite(0x0000).isNULL)
        #expect(!CipherSuite(0x00ff).isNULL && CipherSuite(0x00ff).isSCSV && CipherSuite(0x5600).isSCSV)
        #expect(CipherSuite(0x00ff).keyExchange == .scsv)
        #expect(CipherSuite(0x0018).isAnon && CipherSuite(0xc018).isAnon)
        #expect(CipherSuite(0x1303).isTLS13 && CipherSuite(0x1303).cipher == .chacha20 && CipherSuite(0x1303).isForwardSecret)
        #expect(CipherSuite(0xc0b4).isTLS13 && CipherSuite(0xc0b4).isNULL)
        #expect(CipherSuite(0xcca9).cipherMode == .poly1305 && CipherSuite(0xcca9).keyExchange == .ecdheECDSA)
        #expect(CipherSuite(0x00aa).keyExchange == .dhePSK && CipherSuite(0xc0a8).keyExchange == .psk)
        #expect(CipherSuite(0xc0aa).keyExchange == .dhePSK) // TLS_PSK_DHE_WITH_AES_128_CCM_8
        #expect(CipherSuite(0xc0ac).cipherMode == .ccm && CipherSuite(0xc0ae).cipherMode == .ccm8)
        #expect(CipherSuite(0xc103).isTLS13)
        #expect(CipherSuite(0x0a0a).info == nil && !CipherSuite(0x0a0a).isCBC)
        #expect(CipherSuite.KeyExchange.dhAnon.serverKeyExchangeFormat == .dhe)
        #expect(CipherSuite.KeyExchange.ecdhRSA.serverKeyExchangeFormat == .none)
    }

    @Test("the generated tables agree with IANA's CSV files (../shared/registry)")
    func generatedMatchesCSV() throws {
        let dir = sharedDirectory + "/registry"
        let suites = try #require(readFile(dir + "/tls-parameters-4.csv"), "missing \(dir)/tls-parameters-4.csv")
        var checked = 0
        for row in csvRows(suites).dropFirst() where row.count >= 2 {
            let value = row[0].filter { !$0.isWhitespace }
            let name = row[1]
            guard name.hasPrefix("TLS_"), value.count == 9, !value.contains("-") else { continue }
            let parts = value.split(separator: ",")
            guard parts.count == 2, let hi = UInt16(parts[0].dropFirst(2), radix: 16), let lo = UInt16(parts[1].dropFirst(2), radix: 16) else { continue }
            let suite = CipherSuite(hi << 8 | lo)
            #expect(suite.name == name, "\(value)")
            #expect(suite.info?.isIANARegistered == true)
            checked += 1
        }
        #expect(checked > 300)
        let groupsCSV = try #require(readFile(dir + "/tls-parameters-8.csv"))
        var groupCount = 0
        for row in csvRows(groupsCSV).dropFirst() where row.count >= 2 {
            guard let v = UInt16(row[0]), !row[1].hasPrefix("Reserved"), !row[1].hasPrefix("Unassigned") else { continue }
            let expected = row[1].replacingOccurrences(of: " (OBSOLETE)", with: "")
            #expect(NamedGroup(v).name == expected)
            groupCount += 1
        }
        #expect(groupCount > 50)
        let sigCSV = try #require(readFile(dir + "/tls-signaturescheme.csv"))
        var sigCount = 0
        for row in csvRows(sigCSV).dropFirst() where row.count >= 2 {
            guard row[0].count == 6, !row[0].contains("-"), let v = UInt16(row[0].dropFirst(2), radix: 16) else { continue }
            guard !row[1].hasPrefix("Reserved"), !row[1].hasPrefix("Unassigned") else { continue }
            #expect(SignatureScheme(v).name == row[1])
            sigCount += 1
        }
        #expect(sigCount > 30)
    }
}

/// A small CSV reader (quoted fields, doubled quotes, newlines inside quotes).
func csvRows(_ bytes: [UInt8]) -> [[String]] {
    var rows = [[String]]()
    var row = [String]()
    var field = [UInt8]()
    var quoted = false
    var i = 0
    while i < bytes.count {
        let c = bytes[i]
        if quoted {
            if c == 0x22 {
                if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
            } else { field.append(c) }
        } else if c == 0x22 {
            quoted = true
        } else if c == 0x2c {
            row.append(String(decoding: field, as: UTF8.self)); field = []
        } else if c == 0x0a {
            row.append(String(decoding: field, as: UTF8.self)); field = []
            rows.append(row); row = []
        } else if c != 0x0d {
            field.append(c)
        }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(String(decoding: field, as: UTF8.self)); rows.append(row) }
    return rows
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[rest.startIndex..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
