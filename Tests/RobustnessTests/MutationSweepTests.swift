import Foundation
import Testing
import NetCore
import PacketDecode

/// Deterministic, seeded mutations of real captures through the real CLI entry, and every prefix
/// of real packets through the decoder under every link type: a small, repeatable slice of what
/// the libFuzzer targets (fuzz/pipeline, fuzz/decode) do at length, run on every `swift test`.
@Suite("Mutation sweeps")
struct MutationSweepTests {
    /// xorshift64*: a fixed sequence per seed, so a failure names its mutant.
    struct Rng {
        var s: UInt64
        init(_ seed: UInt64) { s = seed | 1 }
        mutating func next() -> UInt64 { s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return s &* 0x2545_F491_4F6C_DD1D }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// One mutant of `b`: seeded byte flips, a cut, a duplicated or dropped span, or a record-length
    /// field set to an extreme value.
    static func mutate(_ b: [UInt8], seed: UInt64) -> [UInt8] {
        var r = Rng(seed)
        var m = b
        switch r.below(5) {
        case 0:
            for _ in 0..<(1 + r.below(8)) where !m.isEmpty { m[r.below(m.count)] ^= UInt8(1 + r.below(255)) }
        case 1:
            m = Array(m[0..<r.below(m.count)])
        case 2:
            let a = r.below(m.count), n = min(r.below(512), m.count - a)
            m.insert(contentsOf: m[a..<(a + n)], at: min(m.count, a + r.below(2048)))
        case 3:
            let a = r.below(m.count), n = min(r.below(512), m.count - a)
            m.removeSubrange(a..<(a + n))
        default:
            // A 32-bit little-endian field anywhere past the file header: 0, max, or just past it.
            let values: [UInt32] = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x0004_0001, 65_536, 1]
            if m.count > 32 { m.putLE32(values[r.below(values.count)], at: 24 + r.below(m.count - 28)) }
        }
        return m
    }

    @Test(arguments: ["47-many-connections-ecdsa-server.pcap", "45-ok-tls13.pcapng", "46-ok-tls13.pcap.gz",
                      "18-rdp-server-reset.pcap", "28-starttls-smtp.pcap", "44-ok-tls13-linux-sll2.pcap"])
    func mutatedCapturesThroughTheCLI(_ name: String) throws {
        let dir = try TempDir(); defer { dir.remove() }
        let original = try readBytes(Paths.capture(name).path)
        var statuses: [Int32: Int] = [:]
        for seed in UInt64(1)...150 {
            let path = try dir.write("mutant-\(seed)-\(name)", Self.mutate(original, seed: seed &* 0x9E37_79B9))
            let r = try analyzeJSONL(path, in: dir)
            #expect([0, 1, 2].contains(r.status), "\(name) mutant \(seed): exit \(r.status)")
            statuses[r.status, default: 0] += 1
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.count == r.connections.count, "\(name) mutant \(seed): every output line is a JSON object")
            if r.status == 1 {
                #expect(r.stderr.contains("Error: \(path)"), "\(name) mutant \(seed): the error names the file")
            }
            for line in r.stderr.split(separator: "\n") {
                #expect(line.hasPrefix("Error: \(path)") || line.hasPrefix("warning: \(path): "),
                        "\(name) mutant \(seed): stderr line names the file: \(line)")
            }
        }
        #expect(statuses[1, default: 0] > 0 && statuses[1, default: 0] < 150,
                "the mutants reach both the damaged-input path and a full read: \(statuses)")
    }

    @Test func everyPrefixOfRealPacketsUnderEveryLinkType() throws {
        // Every prefix of the first 40 packets of several captures, decoded as every link type the
        // decoder reads: none traps, and a payload handed out lies inside the bytes given.
        let names = ["01-ok-tls13.pcap", "05-ok-nginx-ipv6.pcap", "44-ok-tls13-linux-sll2.pcap", "39-split-clienthello.pcap"]
        var decoded = 0
        for name in names {
            let pcap = try PcapFile(bytes: readBytes(Paths.capture(name).path))
            for linkType in LinkType.supported.sorted() {
                var decoder = PacketDecoder(linkType: linkType)
                for rec in pcap.records.prefix(40) {
                    rec.data.withUnsafeBytes { all in
                        for n in 0...all.count {
                            let bytes = UnsafeRawBufferPointer(rebasing: all[0..<n])
                            if case .packet(let p, let payload) = decoder.decode(bytes, wireLength: all.count, time: .zero) {
                                decoded += 1
                                if !p.reassembledFromFragments && payload.count > 0 {
                                    let inside = payload.baseAddress! >= bytes.baseAddress!
                                        && payload.baseAddress! + payload.count <= bytes.baseAddress! + bytes.count
                                    #expect(inside, "\(name) link \(linkType) prefix \(n): payload outside the packet")
                                }
                            }
                        }
                    }
                }
                #expect(decoder.counters.packets > 0)
            }
        }
        #expect(decoded > 1000, "the sweep reached TCP/UDP payloads (\(decoded))")
    }
}
