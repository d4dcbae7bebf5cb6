// Real ClientHellos from the shared corpora, with the fingerprints those projects' tools expect.
//
// How each input was taken (captures under shared/corpus/, i.e. /work/shared/corpus):
//
//     tshark -r CAPTURE -Y 'tls.handshake.type==1 || dtls.handshake.type==1' \
//            -T json --no-duplicate-keys -x
//
// then the ClientHello message bytes (`tls.handshake_raw`, or `dtls.handshake_raw`; tshark decrypts
// QUIC Initial packets and reassembles their CRYPTO frames, and reassembles a hello split over TCP
// segments) were decoded by hand: RFC 8446 §4.1.2 for TLS (DTLS, RFC 6347 §4.2.2: 12-byte handshake
// header and a cookie after the session id). Lists are kept in wire order with GREASE as sent;
// signatureAlgorithms is the signature_algorithms extension only. Every field was cross-checked with
//
//     tshark -r CAPTURE -Y 'tls.handshake.type==1 && frame.number==N' -T fields \
//            -e tls.handshake.version -e tls.handshake.ciphersuite -e tls.handshake.extension.type \
//            -e tls.handshake.extensions_supported_group -e tls.handshake.extensions_ec_point_format \
//            -e tls.handshake.sig_hash_alg -e tls.handshake.extensions.supported_version \
//            -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str
//
// (dtls.* for DTLS). Two known differences from that field dump, both expected: in tls12.pcap
// tls.handshake.sig_hash_alg also lists delegated_credentials' algorithms (Firefox), which JA4 does not
// read; in tls-non-ascii-alpn.pcapng tshark prints the ALPN bytes 0xba 0xad as replacement characters.
//
// Expected values are copied verbatim from the corpora's expected files, named on each vector:
// - ja4/expected/by_pcap.json: capture -> implementation ("python" gives JA4.1 and JA4_r.1, "rust"
//   gives ja4 only) -> per-stream records;
// - arkime/expected/sessions_tls.jsonl: one session per line, by pcap and src: tls.ja4, tls.ja4_r,
//   tls.ja3string, tls.ja3 (Arkime computes no JA3 for DTLS).
// One vector departs from its file, where the specification says otherwise: see `specOverride`.
// CorpusCrossCheckTests re-reads the files to prove every copied value is still what they say.

import TLSFingerprint

/// Where a vector's expected values come from.
enum ExpectedSource: Sendable, Hashable {
    /// ja4/expected/by_pcap.json ["pcap/<capture>"][implementation], the record with this stream.
    case foxio(capture: String, implementation: String, stream: Int)
    /// arkime/expected/sessions_tls.jsonl, the line with this pcap and src.
    case arkime(capture: String, source: String)
}

/// Where the specification and the corpus file disagree, what the file says and why we differ.
struct SpecOverride: Sendable, Hashable {
    var ja4InFile: String
    var ja4rInFile: String?
    var reason: String
}

struct Vector: Sendable, CustomStringConvertible {
    var name: String
    var expectedFrom: ExpectedSource
    /// The capture's frame number holding (or completing) the ClientHello.
    var frame: Int
    var input: FingerprintInput
    var ja4: String?
    var ja4r: String?
    var ja3String: String?
    var ja3: String?
    var specOverride: SpecOverride? = nil

    var description: String { name }
}

enum Vectors {
    static let all: [Vector] = [
    // ja4/pcap/tls3.pcapng, frame 63 (tcp stream 7, SNI darksail.ai): Chrome 120-era, GREASE in ciphers, extensions, groups, versions.
    // Expected: ja4/expected/by_pcap.json ["pcap/tls3.pcapng"]["python"] stream 7, JA4.1 / JA4_r.1.
    Vector(
        name: "tls3.pcapng stream 7",
        expectedFrom: .foxio(capture: "ja4/pcap/tls3.pcapng", implementation: "python", stream: 7),
        frame: 63,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x1a1a, 0x0304, 0x0303],
            cipherSuites: [0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x8a8a, 0x0023, 0x0033, 0xff01, 0x000a, 0x0012, 0x0005, 0x0017, 0x4469, 0x0000, 0x001b, 0x000d, 0x002d, 0x000b, 0x002b, 0x0010, 0x1a1a, 0x0015],
            supportedGroups: [0x5a5a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1",
        ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/tls3.pcapng, frame 281 (tcp stream 9, SNI darksail.ai): Chrome with a different extension set (9b887d9acb53).
    // Expected: ja4/expected/by_pcap.json ["pcap/tls3.pcapng"]["python"] stream 9, JA4.1 / JA4_r.1.
    Vector(
        name: "tls3.pcapng stream 9",
        expectedFrom: .foxio(capture: "ja4/pcap/tls3.pcapng", implementation: "python", stream: 9),
        frame: 281,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x2a2a, 0x0304, 0x0303],
            cipherSuites: [0x9a9a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x9a9a, 0x0033, 0x000a, 0x0005, 0x000d, 0x0012, 0x0000, 0x0010, 0x002b, 0x0023, 0x001b, 0x0017, 0x002d, 0xff01, 0x4469, 0x000b, 0x2a2a, 0x0029],
            supportedGroups: [0x7a7a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1516h2_8daaf6152771_9b887d9acb53",
        ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,0029,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/latest.pcapng, frame 75 (tcp stream 3, SNI discovery.cem.cloud.us): Windows TLS 1.2 client, no ALPN.
    // Expected: ja4/expected/by_pcap.json ["pcap/latest.pcapng"]["python"] stream 3, JA4.1 / JA4_r.1.
    Vector(
        name: "latest.pcapng stream 3",
        expectedFrom: .foxio(capture: "ja4/pcap/latest.pcapng", implementation: "python", stream: 3),
        frame: 75,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a],
            extensions: [0x0000, 0x0005, 0x000a, 0x000b, 0x000d, 0x0023, 0x0017, 0xff01],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603],
            hasSNI: true,
            alpnFirst: nil
        ),
        ja4: "t12d190800_d83cc789557e_7af1ed941c26",
        ja4r: "t12d190800_000a,002f,0035,003c,003d,009c,009d,c009,c00a,c013,c014,c023,c024,c027,c028,c02b,c02c,c02f,c030_0005,000a,000b,000d,0017,0023,ff01_0804,0805,0806,0401,0501,0201,0403,0503,0203,0202,0601,0603",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/browsers-x509.pcapng, frame 4 (tcp stream 0, SNI edge.microsoft.com): Microsoft Edge.
    // Expected: ja4/expected/by_pcap.json ["pcap/browsers-x509.pcapng"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "browsers-x509.pcapng stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/browsers-x509.pcapng", implementation: "python", stream: 0),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x9a9a, 0x0304, 0x0303],
            cipherSuites: [0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x6a6a, 0x000d, 0x0000, 0x000a, 0x0005, 0x000b, 0x002b, 0x001b, 0xff01, 0x0033, 0x4469, 0x002d, 0x0023, 0x0017, 0x0012, 0x0010, 0x0a0a, 0x0015],
            supportedGroups: [0x4a4a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1",
        ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/tls12.pcap, frame 1 (tcp stream 0, SNI contile.services.mozilla.com): Firefox (17 ciphers, delegated_credentials, record_size_limit).
    // Expected: ja4/expected/by_pcap.json ["pcap/tls12.pcap"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "tls12.pcap stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/tls12.pcap", implementation: "python", stream: 0),
        frame: 1,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304, 0x0303],
            cipherSuites: [0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x0022, 0x0033, 0x002b, 0x000d, 0x002d, 0x001c, 0x0015],
            supportedGroups: [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1715h2_5b57614c22b0_3d5424432f57",
        ja4r: "t13d1715h2_002f,0035,009c,009d,1301,1302,1303,c009,c00a,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0015,0017,001c,0022,0023,002b,002d,0033,ff01_0403,0503,0603,0804,0805,0806,0401,0501,0601,0203,0201",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/macos_tcp_flags.pcap, frame 4 (tcp stream 0, SNI venarisecurity.com): macOS client, 26 ciphers.
    // Expected: ja4/expected/by_pcap.json ["pcap/macos_tcp_flags.pcap"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "macos_tcp_flags.pcap stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/macos_tcp_flags.pcap", implementation: "python", stream: 0),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304, 0x0303, 0x0302, 0x0301],
            cipherSuites: [0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xc024, 0xc023, 0xc00a, 0xc009, 0xcca9, 0xc030, 0xc02f, 0xc028, 0xc027, 0xc014, 0xc013, 0xcca8, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a],
            extensions: [0xff01, 0x0000, 0x0017, 0x000d, 0x0005, 0x0012, 0x0010, 0x000b, 0x0033, 0x002d, 0x002b, 0x000a, 0x0015],
            supportedGroups: [0x001d, 0x0017, 0x0018, 0x0019],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d2613h2_2802a3db6c62_845d286b0d67",
        ja4r: "t13d2613h2_000a,002f,0035,003c,003d,009c,009d,1301,1302,1303,c008,c009,c00a,c012,c013,c014,c023,c024,c027,c028,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,002b,002d,0033,ff01_0403,0804,0401,0503,0203,0805,0805,0501,0806,0601,0201",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/tls-handshake.pcapng, frame 24 (tcp stream 6, SNI mtalk.google.com): Chrome without ALPN (mtalk.google.com).
    // Expected: ja4/expected/by_pcap.json ["pcap/tls-handshake.pcapng"]["python"] stream 6, JA4.1 / JA4_r.1.
    Vector(
        name: "tls-handshake.pcapng stream 6",
        expectedFrom: .foxio(capture: "ja4/pcap/tls-handshake.pcapng", implementation: "python", stream: 6),
        frame: 24,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x9a9a, 0x0304, 0x0303],
            cipherSuites: [0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x1a1a, 0x0033, 0x002b, 0x001b, 0x0000, 0x0012, 0x002d, 0x000d, 0x000a, 0x0005, 0x0023, 0x0017, 0xff01, 0x000b, 0xcaca, 0x0015],
            supportedGroups: [0x1a1a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: nil
        ),
        ja4: "t13d151400_8daaf6152771_de4a06bb82e3",
        ja4r: "t13d151400_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/tls-handshake.pcapng, frame 99 (tcp stream 31, SNI edge-chat.facebook.com): Chrome with ALPN http/1.1 and 17 extensions.
    // Expected: ja4/expected/by_pcap.json ["pcap/tls-handshake.pcapng"]["python"] stream 31, JA4.1 / JA4_r.1.
    Vector(
        name: "tls-handshake.pcapng stream 31",
        expectedFrom: .foxio(capture: "ja4/pcap/tls-handshake.pcapng", implementation: "python", stream: 31),
        frame: 99,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0xeaea, 0x0304, 0x0303],
            cipherSuites: [0xbaba, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0xeaea, 0x0000, 0x0017, 0x0005, 0x002b, 0x0012, 0x0023, 0x000a, 0x0033, 0x0010, 0x002d, 0x001b, 0x4469, 0x000b, 0x000d, 0xff01, 0xfafa, 0x0015, 0x0029],
            supportedGroups: [0xeaea, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: Array("http/1.1".utf8)
        ),
        ja4: "t13d1517h1_8daaf6152771_6cdcb247c39b",
        ja4r: "t13d1517h1_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,0029,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/ipv6.pcapng, frame 4 (tcp stream 0, SNI www.cloudflare.com): curl/OpenSSL 1.0 era over IPv6, 46 ciphers.
    // Expected: ja4/expected/by_pcap.json ["pcap/ipv6.pcapng"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "ipv6.pcapng stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/ipv6.pcapng", implementation: "python", stream: 0),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xc030, 0xc02c, 0xc028, 0xc024, 0xc014, 0xc00a, 0x009f, 0x006b, 0x0039, 0xcca9, 0xcca8, 0xccaa, 0xff85, 0x00c4, 0x0088, 0x0081, 0x009d, 0x003d, 0x0035, 0x00c0, 0x0084, 0xc02f, 0xc02b, 0xc027, 0xc023, 0xc013, 0xc009, 0x009e, 0x0067, 0x0033, 0x00be, 0x0045, 0x009c, 0x003c, 0x002f, 0x00ba, 0x0041, 0xc011, 0xc007, 0x0005, 0x0004, 0xc012, 0xc008, 0x0016, 0x000a, 0x00ff],
            extensions: [0x0000, 0x000b, 0x000a, 0x000d, 0x0010],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0601, 0x0603, 0xefef, 0x0501, 0x0503, 0x0401, 0x0403, 0xeeee, 0xeded, 0x0301, 0x0303, 0x0201, 0x0203],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t12d4605h2_85626a9a5f7f_aaf95bb78ec9",
        ja4r: "t12d4605h2_0004,0005,000a,0016,002f,0033,0035,0039,003c,003d,0041,0045,0067,006b,0081,0084,0088,009c,009d,009e,009f,00ba,00be,00c0,00c4,00ff,c007,c008,c009,c00a,c011,c012,c013,c014,c023,c024,c027,c028,c02b,c02c,c02f,c030,cca8,cca9,ccaa,ff85_000a,000b,000d_0601,0603,efef,0501,0503,0401,0403,eeee,eded,0301,0303,0201,0203",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/https3-301-get.pcap, frame 4 (tcp stream 0, SNI www.github.com): TLS 1.0 client, SNI only: c = 000000000000.
    // Expected: ja4/expected/by_pcap.json ["pcap/https3-301-get.pcap"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "https3-301-get.pcap stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/https3-301-get.pcap", implementation: "python", stream: 0),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0301,
            supportedVersions: [],
            cipherSuites: [0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000a, 0x0033, 0x0032, 0x002f, 0x009a, 0x0099, 0x0096, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff],
            extensions: [0x0000],
            supportedGroups: [],
            ecPointFormats: [],
            signatureAlgorithms: [],
            hasSNI: true,
            alpnFirst: nil
        ),
        ja4: "t10d230100_6a57a6f57151_000000000000",
        ja4r: "t10d230100_0003,0004,0005,0006,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0096,0099,009a,00ff_",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/badcurveball.pcap, frame 4 (tcp stream 0, SNI bad.curveballtest.com): Chrome with 3DES and a GREASE mix.
    // Expected: ja4/expected/by_pcap.json ["pcap/badcurveball.pcap"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "badcurveball.pcap stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/badcurveball.pcap", implementation: "python", stream: 0),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x2a2a, 0x0304, 0x0303, 0x0302, 0x0301],
            cipherSuites: [0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a],
            extensions: [0x4a4a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x7a7a, 0x0015],
            supportedGroups: [0xcaca, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1615h2_46e7e9700bed_45f260be83e2",
        ja4r: "t13d1615h2_000a,002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,ff01_0403,0804,0401,0503,0805,0501,0806,0601,0201",
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/tls-non-ascii-alpn.pcapng, frame 1 (tcp stream 0, SNI clientservices.googleapis.com): first ALPN value is 0xba 0xad.
    // Expected: ja4/expected/by_pcap.json ["pcap/tls-non-ascii-alpn.pcapng"]["python"] stream 0, JA4.1 / JA4_r.1.
    Vector(
        name: "tls-non-ascii-alpn.pcapng stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/tls-non-ascii-alpn.pcapng", implementation: "python", stream: 0),
        frame: 1,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x0a0a, 0x0304, 0x0303],
            cipherSuites: [0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x9a9a, 0xff01, 0x0033, 0x002d, 0x0005, 0x4469, 0x000d, 0x0010, 0x0023, 0x001b, 0x002b, 0x0000, 0x0012, 0x000a, 0x0017, 0x000b, 0x6a6a, 0x0015],
            supportedGroups: [0x0a0a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: [0xba, 0xad]
        ),
        // The spec's ALPN rule: 0xba and 0xad are not alphanumeric, so the first and last digit of the
        // hex "baad" -> "bd". The file's implementations (FoxIO Python and Rust) print "99" instead.
        ja4: "t13d1516bd_8daaf6152771_e5627efa2ab1",
        ja4r: "t13d1516bd_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: nil,
        ja3: nil,
        specOverride: SpecOverride(
            ja4InFile: "t13d151699_8daaf6152771_e5627efa2ab1",
            ja4rInFile: "t13d151699_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
            reason: "JA4.md: if the first or last byte of the first ALPN value is not 0-9/A-Z/a-z, print the first and last characters of its hex form; the Python and Rust implementations print 99 for non-ASCII"
        )
    ),
    // ja4/pcap/quic-tls-handshake.pcapng, frame 1 (quic stream 0, SNI www.google.com): Chrome over QUIC.
    // Expected: ja4/expected/by_pcap.json ["pcap/quic-tls-handshake.pcapng"]["rust"] stream 0, ja4.
    Vector(
        name: "quic-tls-handshake.pcapng stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/quic-tls-handshake.pcapng", implementation: "rust", stream: 0),
        frame: 1,
        input: FingerprintInput(
            transport: .quic,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304],
            cipherSuites: [0x1301, 0x1302, 0x1303],
            extensions: [0x002d, 0x001b, 0x4469, 0x000d, 0x002b, 0x0000, 0x000a, 0x0039, 0x0010, 0x0033],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h3".utf8)
        ),
        ja4: "q13d0310h3_55b375c5d22e_cd85d2d88918",
        ja4r: nil,
        ja3String: nil,
        ja3: nil
    ),
    // ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng, frame 47 (quic stream 0, SNI cloudflare-quic.com): Chrome over QUIC to Cloudflare.
    // Expected: ja4/expected/by_pcap.json ["pcap/chrome-cloudflare-quic-with-secrets.pcapng"]["rust"] stream 0, ja4.
    Vector(
        name: "chrome-cloudflare-quic-with-secrets.pcapng stream 0",
        expectedFrom: .foxio(capture: "ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng", implementation: "rust", stream: 0),
        frame: 47,
        input: FingerprintInput(
            transport: .quic,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304],
            cipherSuites: [0x1301, 0x1302, 0x1303],
            extensions: [0x0010, 0x0000, 0x002d, 0x001b, 0x000a, 0x0033, 0x002b, 0x0039, 0x4469, 0x000d],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h3".utf8)
        ),
        ja4: "q13d0310h3_55b375c5d22e_cd85d2d88918",
        ja4r: nil,
        ja3String: nil,
        ja3: nil
    ),
    // arkime/pcap/openssl-ssl3.pcap, frame 4 (tcp, from 10.0.0.1:45680): OpenSSL s_client -ssl3: SSL 3.0, no extensions.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap openssl-ssl3.pcap, src 10.0.0.1:45680: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "openssl-ssl3.pcap 10.0.0.1:45680",
        expectedFrom: .arkime(capture: "openssl-ssl3.pcap", source: "10.0.0.1:45680"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0300,
            supportedVersions: [],
            cipherSuites: [0xc014, 0xc00a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012, 0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0x0033, 0x0032, 0x009a, 0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007, 0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff],
            extensions: [],
            supportedGroups: [],
            ecPointFormats: [],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "ts3i460000_234845559c90_000000000000",
        ja4r: "ts3i460000_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0041,0044,0045,0084,0087,0088,0096,0099,009a,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014_",
        ja3String: "768,49172-49162-57-56-136-135-49167-49157-53-132-49170-49160-22-19-49165-49155-10-49171-49161-51-50-154-153-69-68-49166-49156-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,,,",
        ja3: "f917ae2520ef9784557b0a3c02489c2c"
    ),
    // arkime/pcap/openssl-tls1.pcap, frame 4 (tcp, from 10.0.0.1:40111): OpenSSL s_client -tls1.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap openssl-tls1.pcap, src 10.0.0.1:40111: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "openssl-tls1.pcap 10.0.0.1:40111",
        expectedFrom: .arkime(capture: "openssl-tls1.pcap", source: "10.0.0.1:40111"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0301,
            supportedVersions: [],
            cipherSuites: [0xc014, 0xc00a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012, 0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0x0033, 0x0032, 0x009a, 0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007, 0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff],
            extensions: [0x000b, 0x000a, 0x0023, 0x000f],
            supportedGroups: [0x0018, 0x0017],
            ecPointFormats: [0x00, 0x01, 0x02],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "t10i460400_234845559c90_282f11336259",
        ja4r: "t10i460400_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0041,0044,0045,0084,0087,0088,0096,0099,009a,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014_000a,000b,000f,0023",
        ja3String: "769,49172-49162-57-56-136-135-49167-49157-53-132-49170-49160-22-19-49165-49155-10-49171-49161-51-50-154-153-69-68-49166-49156-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,11-10-35-15,24-23,0-1-2",
        ja3: "503053a0c5b2bd9b9334bf7f3d3b8852"
    ),
    // arkime/pcap/openssl-tls1_1.pcap, frame 4 (tcp, from 10.0.0.1:43868): OpenSSL s_client -tls1_1.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap openssl-tls1_1.pcap, src 10.0.0.1:43868: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "openssl-tls1_1.pcap 10.0.0.1:43868",
        expectedFrom: .arkime(capture: "openssl-tls1_1.pcap", source: "10.0.0.1:43868"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0302,
            supportedVersions: [],
            cipherSuites: [0xc014, 0xc00a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012, 0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0x0033, 0x0032, 0x009a, 0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007, 0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff],
            extensions: [0x000b, 0x000a, 0x0023, 0x000f],
            supportedGroups: [0x0018, 0x0017],
            ecPointFormats: [0x00, 0x01, 0x02],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "t11i460400_234845559c90_282f11336259",
        ja4r: "t11i460400_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0041,0044,0045,0084,0087,0088,0096,0099,009a,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014_000a,000b,000f,0023",
        ja3String: "770,49172-49162-57-56-136-135-49167-49157-53-132-49170-49160-22-19-49165-49155-10-49171-49161-51-50-154-153-69-68-49166-49156-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,11-10-35-15,24-23,0-1-2",
        ja3: "a314eb64cee6cb832aaaa372c8295bab"
    ),
    // arkime/pcap/openssl-tls1_2.pcap, frame 4 (tcp, from 10.0.0.1:57413): OpenSSL s_client -tls1_2, no SNI.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap openssl-tls1_2.pcap, src 10.0.0.1:57413: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "openssl-tls1_2.pcap 10.0.0.1:57413",
        expectedFrom: .arkime(capture: "openssl-tls1_2.pcap", source: "10.0.0.1:57413"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xc030, 0xc02c, 0xc028, 0xc024, 0xc014, 0xc00a, 0x00a3, 0x009f, 0x006b, 0x006a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc032, 0xc02e, 0xc02a, 0xc026, 0xc00f, 0xc005, 0x009d, 0x003d, 0x0035, 0x0084, 0xc012, 0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc02f, 0xc02b, 0xc027, 0xc023, 0xc013, 0xc009, 0x00a2, 0x009e, 0x0067, 0x0040, 0x0033, 0x0032, 0x009a, 0x0099, 0x0045, 0x0044, 0xc031, 0xc02d, 0xc029, 0xc025, 0xc00e, 0xc004, 0x009c, 0x003c, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007, 0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003, 0x00ff],
            extensions: [0x000b, 0x000a, 0x0023, 0x000d, 0x000f],
            supportedGroups: [0x0018, 0x0017],
            ecPointFormats: [0x00, 0x01, 0x02],
            signatureAlgorithms: [0x0601, 0x0602, 0x0603, 0x0501, 0x0502, 0x0503, 0x0401, 0x0402, 0x0403, 0x0301, 0x0302, 0x0303, 0x0201, 0x0202, 0x0203, 0x0101],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "t12i740500_c43983326036_3eafcbe19126",
        ja4r: "t12i740500_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,003c,003d,0040,0041,0044,0045,0067,006a,006b,0084,0087,0088,0096,0099,009a,009c,009d,009e,009f,00a2,00a3,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014,c023,c024,c025,c026,c027,c028,c029,c02a,c02b,c02c,c02d,c02e,c02f,c030,c031,c032_000a,000b,000d,000f,0023_0601,0602,0603,0501,0502,0503,0401,0402,0403,0301,0302,0303,0201,0202,0203,0101",
        ja3String: "771,49200-49196-49192-49188-49172-49162-163-159-107-106-57-56-136-135-49202-49198-49194-49190-49167-49157-157-61-53-132-49170-49160-22-19-49165-49155-10-49199-49195-49191-49187-49171-49161-162-158-103-64-51-50-154-153-69-68-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,11-10-35-13-15,24-23,0-1-2",
        ja3: "c1a36e1a870786cc75edddc0009eaf3a"
    ),
    // arkime/pcap/curl-enabled-tls13.pcap, frame 8 (tcp, from 192.168.65.3:46638, SNI enabled.tls13.com): curl with TLS 1.3, SCSV 0x00ff.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap curl-enabled-tls13.pcap, src 192.168.65.3:46638: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "curl-enabled-tls13.pcap 192.168.65.3:46638",
        expectedFrom: .arkime(capture: "curl-enabled-tls13.pcap", source: "192.168.65.3:46638"),
        frame: 8,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304],
            cipherSuites: [0x1302, 0x1303, 0x1301, 0x00ff],
            extensions: [0x0000, 0x000b, 0x000a, 0x3374, 0x0010, 0x0016, 0x0017, 0x0031, 0x000d, 0x002b, 0x002d, 0x0033, 0x0015],
            supportedGroups: [0x001d, 0x0017, 0x001e, 0x0019, 0x0018],
            ecPointFormats: [0x00, 0x01, 0x02],
            signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d0413h2_16476d049b0b_ffceb19bae65",
        ja4r: "t13d0413h2_00ff,1301,1302,1303_000a,000b,000d,0015,0016,0017,002b,002d,0031,0033,3374_0403,0503,0603,0807,0808,0809,080a,080b,0804,0805,0806,0401,0501,0601",
        ja3String: "771,4866-4867-4865-255,0-11-10-13172-16-22-23-49-13-43-45-51-21,29-23-30-25-24,0-1-2",
        ja3: "eeadfd2f446a45ded96f804720a0c75b"
    ),
    // arkime/pcap/tls-split-client-hello.pcap, frame 5 (tcp, from 10.1.17.215:49927, SNI clients2.google.com): Chrome post-quantum hello (X25519MLKEM768 0x11ec, ECH), split over two segments.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap tls-split-client-hello.pcap, src 10.1.17.215:49927: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "tls-split-client-hello.pcap 10.1.17.215:49927",
        expectedFrom: .arkime(capture: "tls-split-client-hello.pcap", source: "10.1.17.215:49927"),
        frame: 5,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x9a9a, 0x0304, 0x0303],
            cipherSuites: [0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
            extensions: [0x1a1a, 0x000d, 0x0012, 0x002d, 0x001b, 0xfe0d, 0x002b, 0x0033, 0x0000, 0x000b, 0x0023, 0x0005, 0x0017, 0x0010, 0x000a, 0xff01, 0x4469, 0xbaba],
            supportedGroups: [0x3a3a, 0x11ec, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t13d1516h2_8daaf6152771_02713d6af862",
        ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,4469,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
        ja3String: "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,13-18-45-27-65037-43-51-0-11-35-5-23-16-10-65281-17513,4588-29-23-24,0",
        ja3: "35708a08e7be9f7aa5bce7f2d5c1cecb"
    ),
    // arkime/pcap/tls13.pcap, frame 4 (tcp, from 2001:16d8:ffce:10:aca8:353c:291d:a9b3:62510, SNI blog.cloudflare.com): draft TLS 1.3 (0x7f12) in supported_versions: version 00.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap tls13.pcap, src 2001:16d8:ffce:10:aca8:353c:291d:a9b3:62510: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "tls13.pcap 2001:16d8:ffce:10:aca8:353c:291d:a9b3:62510",
        expectedFrom: .arkime(capture: "tls13.pcap", source: "2001:16d8:ffce:10:aca8:353c:291d:a9b3:62510"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0xcaca, 0x7f12, 0x0303, 0x0302, 0x0301],
            cipherSuites: [0x4a4a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xcc14, 0xcc13, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a],
            extensions: [0xdada, 0xff01, 0x0000, 0x0017, 0x0023, 0x000d, 0x0005, 0x0012, 0x0010, 0x7550, 0x000b, 0x0028, 0x002d, 0x002b, 0x000a, 0x0a0a, 0x0015],
            supportedGroups: [0x5a5a, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t00d1815h2_a30347de7a75_2a77702ff8e0",
        ja4r: "t00d1815h2_000a,002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cc13,cc14,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,0023,0028,002b,002d,7550,ff01_0403,0804,0401,0503,0805,0501,0806,0601,0201",
        ja3String: "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-52244-52243-49171-49172-156-157-47-53-10,65281-0-23-35-13-5-18-16-30032-11-40-45-43-10-21,29-23-24,0",
        ja3: "4826a90ec2daf4f7b4b64cc1c8bd343b"
    ),
    // arkime/pcap/tls-alpn-h2.pcap, frame 4 (tcp, from 2001:4998:ef83:14:8000::100d:64034, SNI www.cloudflare.com): unregistered signature algorithms 0xefef 0xeeee 0xeded (not GREASE).
    // Expected: arkime/expected/sessions_tls.jsonl, pcap tls-alpn-h2.pcap, src 2001:4998:ef83:14:8000::100d:64034: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "tls-alpn-h2.pcap 2001:4998:ef83:14:8000::100d:64034",
        expectedFrom: .arkime(capture: "tls-alpn-h2.pcap", source: "2001:4998:ef83:14:8000::100d:64034"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xc030, 0xc02c, 0xc028, 0xc024, 0xc014, 0xc00a, 0x009f, 0x006b, 0x0039, 0xcca9, 0xcca8, 0xccaa, 0xff85, 0x00c4, 0x0088, 0x0081, 0x009d, 0x003d, 0x0035, 0x00c0, 0x0084, 0xc02f, 0xc02b, 0xc027, 0xc023, 0xc013, 0xc009, 0x009e, 0x0067, 0x0033, 0x00be, 0x0045, 0x009c, 0x003c, 0x002f, 0x00ba, 0x0041, 0xc011, 0xc007, 0x0005, 0x0004, 0xc012, 0xc008, 0x0016, 0x000a, 0x00ff],
            extensions: [0x0000, 0x000b, 0x000a, 0x000d, 0x0010],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0601, 0x0603, 0xefef, 0x0501, 0x0503, 0x0401, 0x0403, 0xeeee, 0xeded, 0x0301, 0x0303, 0x0201, 0x0203],
            hasSNI: true,
            alpnFirst: Array("h2".utf8)
        ),
        ja4: "t12d4605h2_85626a9a5f7f_aaf95bb78ec9",
        ja4r: "t12d4605h2_0004,0005,000a,0016,002f,0033,0035,0039,003c,003d,0041,0045,0067,006b,0081,0084,0088,009c,009d,009e,009f,00ba,00be,00c0,00c4,00ff,c007,c008,c009,c00a,c011,c012,c013,c014,c023,c024,c027,c028,c02b,c02c,c02f,c030,cca8,cca9,ccaa,ff85_000a,000b,000d_0601,0603,efef,0501,0503,0401,0403,eeee,eded,0301,0303,0201,0203",
        ja3String: "771,49200-49196-49192-49188-49172-49162-159-107-57-52393-52392-52394-65413-196-136-129-157-61-53-192-132-49199-49195-49191-49187-49171-49161-158-103-51-190-69-156-60-47-186-65-49169-49159-5-4-49170-49160-22-10-255,0-11-10-13-16,29-23-24,0",
        ja3: "3faa4ad39f690c4ef1c3160caa375465"
    ),
    // arkime/pcap/quicietf.pcap, frame 1 (quic, from 2001:4998:ef5e:2b::12a0:57349, SNI ssl.gstatic.com): Chrome IETF QUIC.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap quicietf.pcap, src 2001:4998:ef5e:2b::12a0:57349: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "quicietf.pcap 2001:4998:ef5e:2b::12a0:57349",
        expectedFrom: .arkime(capture: "quicietf.pcap", source: "2001:4998:ef5e:2b::12a0:57349"),
        frame: 1,
        input: FingerprintInput(
            transport: .quic,
            legacyVersion: 0x0303,
            supportedVersions: [0x0304],
            cipherSuites: [0x1301, 0x1302, 0x1303],
            extensions: [0x0000, 0x000a, 0x0010, 0x000d, 0x0033, 0x002d, 0x002b, 0x0039, 0x001b, 0x4469, 0x0029],
            supportedGroups: [0x001d, 0x0017, 0x0018],
            ecPointFormats: [],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("h3".utf8)
        ),
        ja4: "q13d0311h3_55b375c5d22e_3512bcbbc9ec",
        ja4r: "q13d0311h3_1301,1302,1303_000a,000d,001b,0029,002b,002d,0033,0039,4469_0403,0804,0401,0503,0805,0501,0806,0601,0201",
        ja3String: "771,4865-4866-4867,0-10-16-13-51-45-43-57-27-17513-41,29-23-24,",
        ja3: "ddfef2ad23ab6dd55307813c2d0b7d58"
    ),
    // arkime/pcap/https-connect.pcap, frame 8 (tcp, from 10.11.12.13:54723): 86 ciphers, no SNI.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap https-connect.pcap, src 10.11.12.13:54723: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "https-connect.pcap 10.11.12.13:54723",
        expectedFrom: .arkime(capture: "https-connect.pcap", source: "10.11.12.13:54723"),
        frame: 8,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xc030, 0xc02c, 0xc028, 0xc024, 0xc014, 0xc00a, 0x00a5, 0x00a3, 0x00a1, 0x009f, 0x006b, 0x006a, 0x0069, 0x0068, 0x0039, 0x0038, 0x0037, 0x0036, 0x0088, 0x0087, 0x0086, 0x0085, 0xc032, 0xc02e, 0xc02a, 0xc026, 0xc00f, 0xc005, 0x009d, 0x003d, 0x0035, 0x0084, 0xc02f, 0xc02b, 0xc027, 0xc023, 0xc013, 0xc009, 0x00a4, 0x00a2, 0x00a0, 0x009e, 0x0067, 0x0040, 0x003f, 0x003e, 0x0033, 0x0032, 0x0031, 0x0030, 0x009a, 0x0099, 0x0098, 0x0097, 0x0045, 0x0044, 0x0043, 0x0042, 0xc031, 0xc02d, 0xc029, 0xc025, 0xc00e, 0xc004, 0x009c, 0x003c, 0x002f, 0x0096, 0x0041, 0xc012, 0xc008, 0x0016, 0x0013, 0x0010, 0x000d, 0xc00d, 0xc003, 0x000a, 0x0007, 0xc011, 0xc007, 0xc00c, 0xc002, 0x0005, 0x0004, 0x00ff],
            extensions: [0x000b, 0x000a, 0x0023, 0x000d, 0x000f],
            supportedGroups: [0x0017, 0x0019, 0x0018, 0x0016],
            ecPointFormats: [0x00, 0x01, 0x02],
            signatureAlgorithms: [0x0601, 0x0602, 0x0603, 0x0501, 0x0502, 0x0503, 0x0401, 0x0402, 0x0403, 0x0301, 0x0302, 0x0303, 0x0201, 0x0202, 0x0203],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "t12i860500_e18388e7f3a3_a1e935682795",
        ja4r: "t12i860500_0004,0005,0007,000a,000d,0010,0013,0016,002f,0030,0031,0032,0033,0035,0036,0037,0038,0039,003c,003d,003e,003f,0040,0041,0042,0043,0044,0045,0067,0068,0069,006a,006b,0084,0085,0086,0087,0088,0096,0097,0098,0099,009a,009c,009d,009e,009f,00a0,00a1,00a2,00a3,00a4,00a5,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014,c023,c024,c025,c026,c027,c028,c029,c02a,c02b,c02c,c02d,c02e,c02f,c030,c031,c032_000a,000b,000d,000f,0023_0601,0602,0603,0501,0502,0503,0401,0402,0403,0301,0302,0303,0201,0202,0203",
        ja3String: "771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-49170-49160-22-19-16-13-49165-49155-10-7-49169-49159-49164-49154-5-4-255,11-10-35-13-15,23-25-24-22,0-1-2",
        ja3: "b288289af2999820648eb3ca4d8304c5"
    ),
    // arkime/pcap/badcurveball.pcap, frame 4 (tcp, from 172.130.128.76:55318, SNI bad.curveballtest.com): ALPN "H2": case kept.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap badcurveball.pcap, src 172.130.128.76:55318: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "badcurveball.pcap 172.130.128.76:55318",
        expectedFrom: .arkime(capture: "badcurveball.pcap", source: "172.130.128.76:55318"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [0x2a2a, 0x0304, 0x0303, 0x0302, 0x0301],
            cipherSuites: [0xaaaa, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a],
            extensions: [0x4a4a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x7a7a, 0x0015],
            supportedGroups: [0xcaca, 0x001d, 0x0017, 0x0018],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201],
            hasSNI: true,
            alpnFirst: Array("H2".utf8)
        ),
        ja4: "t13d1615H2_46e7e9700bed_45f260be83e2",
        ja4r: "t13d1615H2_000a,002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,ff01_0403,0804,0401,0503,0805,0501,0806,0601,0201",
        ja3String: "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53-10,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0",
        ja3: "66918128f1b9b03303d77c6f2eefd128"
    ),
    // arkime/pcap/mysql-tls.pcap, frame 8 (tcp, from 10.10.10.10:41324): MySQL client, TLS 1.1, 24 groups.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap mysql-tls.pcap, src 10.10.10.10:41324: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "mysql-tls.pcap 10.10.10.10:41324",
        expectedFrom: .arkime(capture: "mysql-tls.pcap", source: "10.10.10.10:41324"),
        frame: 8,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0302,
            supportedVersions: [],
            cipherSuites: [0xc00a, 0xc014, 0x0035, 0xc005, 0xc00f, 0xc009, 0xc013, 0x002f, 0xc004, 0xc00e, 0xc008, 0xc012, 0x000a, 0xc003, 0xc00d, 0xc007, 0xc011, 0x0005, 0xc002, 0xc00c, 0x0004, 0x00ff],
            extensions: [0x000a, 0x000b],
            supportedGroups: [0x0017, 0x0001, 0x0003, 0x0013, 0x0015, 0x0006, 0x0007, 0x0009, 0x000a, 0x0018, 0x000b, 0x000c, 0x0019, 0x000d, 0x000e, 0x000f, 0x0010, 0x0011, 0x0002, 0x0012, 0x0004, 0x0005, 0x0014, 0x0008, 0x0016],
            ecPointFormats: [0x00],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "t11i220200_fd01a07dbaa1_33a13ba74d1c",
        ja4r: "t11i220200_0004,0005,000a,002f,0035,00ff,c002,c003,c004,c005,c007,c008,c009,c00a,c00c,c00d,c00e,c00f,c011,c012,c013,c014_000a,000b",
        ja3String: "770,49162-49172-53-49157-49167-49161-49171-47-49156-49166-49160-49170-10-49155-49165-49159-49169-5-49154-49164-4-255,10-11,23-1-3-19-21-6-7-9-10-24-11-12-25-13-14-15-16-17-2-18-4-5-20-8-22,0",
        ja3: "3509fd9d38bde48d8abc69cd321c0ba0"
    ),
    // arkime/pcap/https-generalizedtime.pcap, frame 4 (tcp, from 10.0.0.1:3627, SNI mail.yandex.com): first ALPN spdy/3.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap https-generalizedtime.pcap, src 10.0.0.1:3627: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "https-generalizedtime.pcap 10.0.0.1:3627",
        expectedFrom: .arkime(capture: "https-generalizedtime.pcap", source: "10.0.0.1:3627"),
        frame: 4,
        input: FingerprintInput(
            transport: .tcp,
            legacyVersion: 0x0303,
            supportedVersions: [],
            cipherSuites: [0xcc13, 0xc02f, 0x009e, 0xc013, 0xc014, 0xc011, 0x0033, 0x0032, 0x0039, 0x009c, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004],
            extensions: [0x0000, 0xff01, 0x000a, 0x000b, 0x0023, 0x3374, 0x0010, 0x0005, 0x0012, 0x000d, 0x0015],
            supportedGroups: [0x0017, 0x0018, 0x0019],
            ecPointFormats: [0x00],
            signatureAlgorithms: [0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0402, 0x0202],
            hasSNI: true,
            alpnFirst: Array("spdy/3".utf8)
        ),
        ja4: "t12d1511s3_23c751c1cee3_f2efb249ca37",
        ja4r: "t12d1511s3_0004,0005,000a,002f,0032,0033,0035,0039,009c,009e,c011,c013,c014,c02f,cc13_0005,000a,000b,000d,0012,0015,0023,3374,ff01_0401,0501,0201,0403,0503,0203,0402,0202",
        ja3String: "771,52243-49199-158-49171-49172-49169-51-50-57-156-47-53-10-5-4,0-65281-10-11-35-13172-16-5-18-13-21,23-24-25,0",
        ja3: "8ca01c116f7fa9e77c6e1800eac1bec2"
    ),
    // arkime/pcap/wireshark-dtls12.pcap, frame 1 (dtls, from 2a03:39a0:1f:1000:38b6:67b7:3eea:fe28:48809): DTLS 1.2.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap wireshark-dtls12.pcap, src 2a03:39a0:1f:1000:38b6:67b7:3eea:fe28:48809: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "wireshark-dtls12.pcap 2a03:39a0:1f:1000:38b6:67b7:3eea:fe28:48809",
        expectedFrom: .arkime(capture: "wireshark-dtls12.pcap", source: "2a03:39a0:1f:1000:38b6:67b7:3eea:fe28:48809"),
        frame: 1,
        input: FingerprintInput(
            transport: .dtls,
            legacyVersion: 0xfefd,
            supportedVersions: [],
            cipherSuites: [0xc0ff, 0xc0a8, 0xc037],
            extensions: [0x000a, 0x000b, 0x0100],
            supportedGroups: [0x0017],
            ecPointFormats: [0x00],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "dd2i030300_f7e428980f70_6c817ce3d217",
        ja4r: "dd2i030300_c037,c0a8,c0ff_000a,000b,0100",
        ja3String: nil,
        ja3: nil
    ),
    // arkime/pcap/cloudshark-dtls1.pcap, frame 1 (dtls, from 192.168.178.20:6000): DTLS 1.0, 44 ciphers.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap cloudshark-dtls1.pcap, src 192.168.178.20:6000: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "cloudshark-dtls1.pcap 192.168.178.20:6000",
        expectedFrom: .arkime(capture: "cloudshark-dtls1.pcap", source: "192.168.178.20:6000"),
        frame: 1,
        input: FingerprintInput(
            transport: .dtls,
            legacyVersion: 0xfeff,
            supportedVersions: [],
            cipherSuites: [0xc014, 0xc00a, 0xc022, 0xc021, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012, 0xc008, 0xc01c, 0xc01b, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0xc01f, 0xc01e, 0x0033, 0x0032, 0x009a, 0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0015, 0x0012, 0x0009, 0x0014, 0x0011, 0x0008, 0x0006, 0x00ff],
            extensions: [0x0023, 0x000f],
            supportedGroups: [],
            ecPointFormats: [],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "dd1i440200_49bcda3e7ebf_18d1e47e0978",
        ja4r: "dd1i440200_0006,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0041,0044,0045,0084,0087,0088,0096,0099,009a,00ff,c003,c004,c005,c008,c009,c00a,c00d,c00e,c00f,c012,c013,c014,c01b,c01c,c01e,c01f,c021,c022_000f,0023",
        ja3String: nil,
        ja3: nil
    ),
    // arkime/pcap/wireshark-dtls0.pcap, frame 1 (dtls, from 127.0.0.1:33192): OpenSSL pre-RFC DTLS (0x0100): version 00.
    // Expected: arkime/expected/sessions_tls.jsonl, pcap wireshark-dtls0.pcap, src 127.0.0.1:33192: tls.ja4, tls.ja4_r, tls.ja3string, tls.ja3.
    Vector(
        name: "wireshark-dtls0.pcap 127.0.0.1:33192",
        expectedFrom: .arkime(capture: "wireshark-dtls0.pcap", source: "127.0.0.1:33192"),
        frame: 1,
        input: FingerprintInput(
            transport: .dtls,
            legacyVersion: 0x0100,
            supportedVersions: [],
            cipherSuites: [0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000a, 0x0033, 0x0032, 0x002f, 0x0007, 0x0066, 0x0005, 0x0004, 0x0063, 0x0062, 0x0061, 0x0015, 0x0012, 0x0009, 0x0065, 0x0064, 0x0060, 0x0014, 0x0011, 0x0008, 0x0006, 0x0003],
            extensions: [],
            supportedGroups: [],
            ecPointFormats: [],
            signatureAlgorithms: [],
            hasSNI: false,
            alpnFirst: nil
        ),
        ja4: "d00i270000_fd1a708466c1_000000000000",
        ja4r: "d00i270000_0003,0004,0005,0006,0007,0008,0009,000a,0011,0012,0013,0014,0015,0016,002f,0032,0033,0035,0038,0039,0060,0061,0062,0063,0064,0065,0066_",
        ja3String: nil,
        ja3: nil
    ),
    ]
}
