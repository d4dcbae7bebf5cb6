// JA3 against Salesforce's README examples and rules; the libcrypto digests against known answers.

import Testing
import TLSFingerprint

@Suite("JA3")
struct JA3Tests {
    /// README: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0 --> ada70206e40642a3e4461f35503241d5"
    @Test("Salesforce README example with extensions")
    func readmeExample() {
        let i = FingerprintInput(
            legacyVersion: 769,
            cipherSuites: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            extensions: [0, 10, 11],
            supportedGroups: [23, 24, 25],
            ecPointFormats: [0])
        #expect(JA3.string(i) == "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0")
        #expect(JA3.hash(i) == "ada70206e40642a3e4461f35503241d5")
    }

    /// README: "769,4-5-10-9-100-98-3-6-19-18-99,,, --> de350869b8c85de67a350c8d186f11e6"
    @Test("Salesforce README example without extensions: empty fields")
    func readmeNoExtensions() {
        let i = FingerprintInput(legacyVersion: 769, cipherSuites: [4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99])
        #expect(JA3.string(i) == "769,4-5-10-9-100-98-3-6-19-18-99,,,")
        #expect(JA3.hash(i) == "de350869b8c85de67a350c8d186f11e6")
    }

    @Test("GREASE is removed from ciphers, extensions and groups; order is kept")
    func grease() {
        let i = FingerprintInput(
            legacyVersion: 0x0303,
            supportedVersions: [0x0a0a, 0x0304],
            cipherSuites: [0x1a1a, 4865, 4866, 0xfafa],
            extensions: [0x2a2a, 0, 23, 0xcaca, 65281],
            supportedGroups: [0x3a3a, 29, 23],
            ecPointFormats: [0, 1, 2],
            signatureAlgorithms: [0x0403])
        #expect(JA3.string(i) == "771,4865-4866,0-23-65281,29-23,0-1-2")
    }

    @Test("SSLVersion is legacy_version even when supported_versions offers TLS 1.3")
    func versionIsLegacy() {
        let i = FingerprintInput(legacyVersion: 0x0303, supportedVersions: [0x0304], cipherSuites: [4865])
        #expect(JA3.string(i).hasPrefix("771,"))
    }

    @Test("decimal rendering at the edges")
    func decimals() {
        let i = FingerprintInput(legacyVersion: 0, cipherSuites: [0, 9, 10, 65535], extensions: [65535],
                                 supportedGroups: [1], ecPointFormats: [255])
        #expect(JA3.string(i) == "0,0-9-10-65535,65535,1,255")
        #expect(JA3.hash(i) == Digest.md5Hex(JA3.string(i).utf8))
    }
}

@Suite("Digest (libcrypto EVP)")
struct DigestTests {
    @Test("MD5 known answers (RFC 1321 appendix A.5)", arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
    ])
    func md5(_ text: String, _ hex: String) {
        #expect(Digest.md5Hex(text.utf8) == hex)
        #expect(Array(text.utf8).withUnsafeBytes { Digest.md5Hex($0) } == hex)
    }

    @Test("SHA-256 known answers (FIPS 180-2)", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256(_ text: String, _ hex: String) {
        #expect(Digest.sha256Hex(text.utf8) == hex)
        #expect(Array(text.utf8).withUnsafeBytes { Digest.sha256Hex($0) } == hex)
    }

    @Test("SHA-1 known answer (FIPS 180-2)")
    func sha1() {
        #expect(Digest.sha1Hex("abc".utf8) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("a collection without contiguous storage: SHA-256 of one million 'a'")
    func nonContiguous() {
        let million = repeatElement(UInt8(ascii: "a"), count: 1_000_000)
        #expect(million.withContiguousStorageIfAvailable { _ in true } == nil)
        #expect(Digest.sha256Hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("raw digest bytes agree with the hex form and have the algorithm's length")
    func bytes() throws {
        for algorithm in [Digest.Algorithm.md5, .sha1, .sha256] {
            let out = try Digest.bytes(algorithm, of: "abc".utf8)
            #expect(out.count == algorithm.byteCount)
            let hex = out.map { b in
                let d = Array("0123456789abcdef")
                return String([d[Int(b >> 4)], d[Int(b & 0xF)]])
            }.joined()
            #expect(hex == Digest.hex(algorithm, of: "abc".utf8))
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(Digest.md5Hex(empty) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(try Digest.bytes(.sha256, of: empty).count == 32)
    }

    // Digest keeps one libcrypto context per algorithm between digests: a digest must not carry
    // anything over from the one before it (another input, another length, another algorithm),
    // and threads digesting at once must each get the right answer.
    @Test("digests one after another, algorithms interleaved: each the known answer")
    func reusedContexts() {
        let cases: [(Digest.Algorithm, String, String)] = [
            (.md5, "abc", "900150983cd24fb0d6963f7d28e17f72"),
            (.sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (.md5, "", "d41d8cd98f00b204e9800998ecf8427e"),
            (.sha1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (.md5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (.sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (.md5, "a", "0cc175b9c0f1b6a831c399e269772661"),
        ]
        for round in 0..<3 {
            for (algorithm, text, hex) in cases {
                #expect(Digest.hex(algorithm, of: text.utf8) == hex, "round \(round): \(algorithm) of '\(text)'")
            }
        }
    }

    @Test("digests on many threads at once agree with the same digests on one thread")
    func concurrentDigests() async {
        // Inputs of many lengths (block boundaries included), each digested by each algorithm.
        let inputs: [[UInt8]] = (0..<200).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) } }
        let algorithms: [Digest.Algorithm] = [.md5, .sha1, .sha256]
        let serial = inputs.map { input in algorithms.map { Digest.hex($0, of: input) } }
        let parallel = await withTaskGroup(of: (Int, [String]).self) { group in
            for (i, input) in inputs.enumerated() {
                group.addTask { (i, algorithms.map { Digest.hex($0, of: input) }) }
            }
            var out = [[String]](repeating: [], count: inputs.count)
            for await (i, r) in group { out[i] = r }
            return out
        }
        #expect(parallel == serial)
        #expect(serial[3][0] == Digest.md5Hex(inputs[3]))
        #expect(Set(serial.map { $0[0] }).count == inputs.count)
    }
}
