import Foundation
import Testing
import PcapIO
import TLSDiagKit

/// Damaged capture files, each made from a real capture copied to a temp dir, run through the
/// real command-line entry (`TLSDiagCLI.run`, `analyze --format jsonl`).
///
/// Input errors: exit 1, a message on stderr naming the file (and the packet and byte offset when
/// the damage is inside the packets), and every connection that ended before the damage still
/// reported as in the undamaged file. Not errors (exit 0 or 2, a warning naming the file):
/// timestamps going backwards, a record of 0 captured bytes, records longer than the snapshot
/// length but within libpcap's per-link-type maximum (cut to the snapshot length), pcapng blocks
/// of an unknown type (skipped by libpcap, as the pcapng spec requires).
@Suite("Corrupt captures")
struct CorruptCaptureTests {
    /// Six TLS connections on loopback (five succeed, one fails), 100 packets, classic pcap LE.
    static let source = "47-many-connections-ecdsa-server.pcap"
    /// The 1-based packet number the damaged cases break at: inside the capture, after some
    /// connections have ended and before others do.
    static let damagedPacket = 61

    /// The undamaged capture: its JSONL report, keyed by "client → server", and the number of the
    /// last packet of each connection.
    struct Reference {
        var outcomes: [String: (outcome: String, category: String)] = [:]
        var lastPacket: [String: UInt64] = [:]
    }

    static func reference(in dir: TempDir) throws -> Reference {
        let path = Paths.capture(source).path
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2, "the undamaged capture has one failed handshake")
        var ref = Reference()
        for c in r.connections {
            ref.outcomes[endpoints(c)] = (c["outcome"] as? String ?? "", c["category"] as? String ?? "")
        }
        let (summary, conns) = analyzeFacts(path)
        #expect(summary.error == nil)
        for (f, _) in conns { ref.lastPacket["\(f.client) → \(f.server)"] = f.last.number }
        #expect(ref.outcomes.count == 6 && ref.lastPacket.count == 6)
        return ref
    }

    /// Every connection of the reference whose packets all came before `packet` is in `result`
    /// with the same outcome and category; returns how many there were.
    @discardableResult
    static func expectConnectionsBefore(_ packet: UInt64, _ result: CLIResult, _ ref: Reference,
                                        sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        var got: [String: (String, String)] = [:]
        for c in result.connections { got[endpoints(c)] = (c["outcome"] as? String ?? "", c["category"] as? String ?? "") }
        var n = 0
        for (key, last) in ref.lastPacket where last < packet {
            n += 1
            let want = ref.outcomes[key]
            let have = got[key]
            #expect(have?.0 == want?.outcome && have?.1 == want?.category,
                    "\(key) ended at packet \(last), before the damage at \(packet): want \(String(describing: want)), got \(String(describing: have))",
                    sourceLocation: sourceLocation)
        }
        return n
    }

    static func original() throws -> PcapFile { try PcapFile(bytes: readBytes(Paths.capture(source).path)) }

    // MARK: cases that stop the read (exit 1)

    @Test func wrongMagic() throws {
        let dir = try TempDir(); defer { dir.remove() }
        var b = try readBytes(Paths.capture(Self.source).path)
        b.replaceSubrange(0..<4, with: [0x00, 0x01, 0x02, 0x03])
        let path = try dir.write("wrong-magic.pcap", b)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): at byte 0: not a capture file"))
        #expect(r.stderr.contains("00 01 02 03"), "the bytes found are shown")
        #expect(r.connections.isEmpty)
    }

    @Test func truncatedGlobalHeader() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let b = try readBytes(Paths.capture(Self.source).path)
        let path = try dir.write("short-header.pcap", Array(b[0..<10]))
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): at byte 0: truncated file header"))
        #expect(r.connections.isEmpty)
    }

    @Test func recordHeaderCut() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let pcap = try Self.original()
        let at = pcap.offset(ofRecord: Self.damagedPacket - 1)
        let path = try dir.write("record-cut.pcap", Array(pcap.bytes[0..<(at + 7)]))
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(Self.damagedPacket) at byte \(at): truncated record"))
        #expect(r.stderr.contains("16 header bytes, only got 7"), "libpcap's own account is kept")
        let before = Self.expectConnectionsBefore(UInt64(Self.damagedPacket), r, ref)
        #expect(before >= 3, "the test must cut after some connections ended (\(before))")
        #expect(r.connections.count < 6 || r.connections.count == 6)
    }

    @Test func caplenBeyondAnySnapshotLength() throws {
        // caplen beyond the link type's maximum (262144 for Ethernet): libpcap refuses the record.
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        var pcap = try Self.original()
        pcap.records[Self.damagedPacket - 1].caplen = 0x7fff_ffff
        let at = pcap.offset(ofRecord: Self.damagedPacket - 1)
        let path = try dir.write("caplen-huge.pcap", pcap.bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(Self.damagedPacket) at byte \(at): bad record length"))
        #expect(r.stderr.contains("2147483647"))
        #expect(Self.expectConnectionsBefore(UInt64(Self.damagedPacket), r, ref) >= 3)
    }

    @Test func caplenLargerThanSnapshotLength() throws {
        // The file says snaplen 100; records carry up to 1500 bytes. libpcap keeps the first 100
        // bytes of each (and skips the rest): not an error, but the payload is cut, which the
        // report says (warning, exit 2 since handshakes can no longer be read whole).
        let dir = try TempDir(); defer { dir.remove() }
        var pcap = try Self.original()
        pcap.header.putLE32(100, at: 16)
        let longer = pcap.records.filter { $0.caplen > 100 }.count
        #expect(longer > 10)
        let path = try dir.write("small-snaplen.pcap", pcap.bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("warning: \(path): \(longer) packet(s) were cut short by the capture's snapshot length"))
        #expect(!r.stderr.contains("Error:"))
        #expect(r.connections.count == 6, "every connection is still reported")
        let (summary, _) = analyzeFacts(path)
        #expect(summary.packets == 100)
    }

    @Test func caplenLargerThanTheFile() throws {
        // The last record claims 5000 bytes; the file ends after its real 66.
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        var pcap = try Self.original()
        let last = pcap.records.count - 1
        pcap.records[last].caplen = 5000
        let at = pcap.offset(ofRecord: last)
        let path = try dir.write("caplen-beyond-file.pcap", pcap.bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(last + 1) at byte \(at): truncated record"))
        #expect(r.stderr.contains("tried to read 5000 captured bytes"))
        // Only the last packet (a final ACK) is lost: every connection is still reported.
        #expect(Self.expectConnectionsBefore(UInt64(last + 1), r, ref) >= 5)
        #expect(r.connections.count == 6)
    }

    @Test func gzipCutShort() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let whole = dir.path("whole.pcap")
        try FileManager.default.copyItem(atPath: Paths.capture(Self.source).path, toPath: whole)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = ["-9", "-n", whole]
        try gz.run(); gz.waitUntilExit()
        #expect(gz.terminationStatus == 0)
        let compressed = try readBytes(whole + ".gz")
        // The undamaged .gz reads like the pcap.
        let full = try analyzeJSONL(whole + ".gz", in: dir)
        #expect(full.status == 2 && full.connections.count == 6 && full.stderr.isEmpty)

        let path = try dir.write("cut.pcap.gz", Array(compressed[0..<(compressed.count * 3 / 5)]))
        let (summary, _) = analyzeFacts(path)
        let e = try #require(summary.error)
        #expect(e.code == .decompressionError)
        let p = try #require(e.packetNumber)
        let off = try #require(e.byteOffset)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(p) at byte \(off): decompression error (zlib: "))
        #expect(Self.expectConnectionsBefore(p, r, ref) >= 1)
    }

    @Test func emptyFile() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let path = try dir.write("empty.pcap", [])
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): at byte 0: truncated file header"))
        #expect(r.stderr.contains("the file is empty"))
        #expect(r.stdout.isEmpty)
    }

    @Test func directoryGivenAsFile() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let r = try analyzeJSONL(dir.url.path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(dir.url.path): read error (is a directory)"))
        #expect(r.stdout.isEmpty)
    }

    @Test func missingFile() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let path = dir.path("no-such.pcap")
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): file not found"))
    }

    @Test func oneBadFileAmongGoodOnes() throws {
        // Several files: the bad one is named, the good ones are reported whole, exit 1.
        let dir = try TempDir(); defer { dir.remove() }
        let missing = dir.path("missing.pcap")
        let good = Paths.capture(Self.source).path
        let r = try runCLI(["analyze", "--format", "jsonl", missing, good], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(missing): file not found"))
        #expect(r.connections.count == 6)
    }

    // MARK: pcapng

    /// The source capture rewritten as pcapng (SHB, IDB, one EPB per packet).
    static func pcapng() throws -> PcapngBuilder {
        let pcap = try original()
        var ng = PcapngBuilder(linkType: 1)
        for r in pcap.records {
            ng.packet(r.data, at: .init(seconds: Int64(r.seconds), nanoseconds: r.fraction * 1000))
        }
        return ng
    }

    @Test func pcapngRewriteReadsLikeThePcap() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let path = try dir.write("whole.pcapng", try Self.pcapng().bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2 && r.stderr.isEmpty)
        #expect(Self.expectConnectionsBefore(.max, r, ref) == 6)
    }

    @Test func pcapngUnknownBlockTypeIsSkipped() throws {
        // Block type 0x0BAD_F00D is not assigned: the pcapng spec says skip it, and libpcap does.
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let ng = try Self.pcapng()
        let at = ng.packetOffsets[Self.damagedPacket - 1]
        var unknown = PcapngBuilder(); unknown.bytes = []
        unknown.block(0x0BAD_F00D, Array(repeating: 0xEE, count: 37))
        var b = ng.bytes
        b.insert(contentsOf: unknown.bytes, at: at)
        let path = try dir.write("unknown-block.pcapng", b)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2)
        #expect(!r.stderr.contains("Error:"))
        #expect(Self.expectConnectionsBefore(.max, r, ref) == 6, "nothing is lost")
        let (summary, _) = analyzeFacts(path)
        #expect(summary.packets == 100)
    }

    @Test func pcapngBadBlockTotalLength() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let ng = try Self.pcapng()
        let at = ng.packetOffsets[Self.damagedPacket - 1]
        var b = ng.bytes
        b.putLE32(7, at: at + 4)              // shorter than a block header, not a multiple of 4
        let path = try dir.write("bad-length.pcapng", b)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(Self.damagedPacket) at byte \(at): bad record length"),
                "stderr: \(r.stderr)")
        #expect(Self.expectConnectionsBefore(UInt64(Self.damagedPacket), r, ref) >= 3)
    }

    @Test func pcapngBlockLengthBeyondTheFile() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        let ng = try Self.pcapng()
        let at = ng.packetOffsets[Self.damagedPacket - 1]
        var b = ng.bytes
        b.putLE32(0x0010_0000, at: at + 4)    // 1 MiB: longer than what is left of the file
        let path = try dir.write("long-block.pcapng", b)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: \(path): packet \(Self.damagedPacket) at byte \(at):"), "stderr: \(r.stderr)")
        #expect(Self.expectConnectionsBefore(UInt64(Self.damagedPacket), r, ref) >= 3)
    }

    // MARK: not errors

    @Test func timestampsGoingBackwards() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        var pcap = try Self.original()
        pcap.records[Self.damagedPacket - 1].seconds -= 100
        let path = try dir.write("backwards.pcap", pcap.bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 2, "not an input error: the handshakes are judged as usual")
        #expect(r.stderr.contains("warning: \(path): timestamps went backwards 1 time(s)"))
        #expect(r.stderr.contains("packet \(Self.damagedPacket)"), "the first such packet is named: \(r.stderr)")
        #expect(!r.stderr.contains("Error:"))
        #expect(Self.expectConnectionsBefore(.max, r, ref) == 6)

        // The text report carries the same warning as a note.
        let text = try runCLI(["analyze", path], in: dir)
        #expect(text.stdout.contains("note: \(path): timestamps went backwards"))
    }

    @Test func recordWithZeroCapturedBytes() throws {
        // A record of caplen 0 (its bytes removed too, so the file stays aligned): libpcap hands
        // it over empty; the decoder counts it; the run warns, naming the packet; exit 0/2.
        let dir = try TempDir(); defer { dir.remove() }
        let ref = try Self.reference(in: dir)
        var pcap = try Self.original()
        pcap.records[Self.damagedPacket - 1].caplen = 0
        pcap.records[Self.damagedPacket - 1].data = []
        let path = try dir.write("caplen-zero.pcap", pcap.bytes)
        let r = try analyzeJSONL(path, in: dir)
        #expect(r.status == 0 || r.status == 2)
        #expect(!r.stderr.contains("Error:"))
        #expect(r.stderr.contains("warning: \(path): 1 packet(s) were too short for their headers"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("packet \(Self.damagedPacket)"))
        #expect(Self.expectConnectionsBefore(UInt64(Self.damagedPacket), r, ref) >= 3)
        #expect(r.connections.count == 6)
    }
}
