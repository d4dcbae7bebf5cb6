import Foundation
import NetCore
import Testing
@testable import PcapIO

/// Reads all packets, copying them out (the buffer is valid only until the next read).
func readAll(_ r: CaptureReader) throws -> [(bytes: [UInt8], wire: Int, time: Timestamp, offset: Int64?)] {
    var out: [(bytes: [UInt8], wire: Int, time: Timestamp, offset: Int64?)] = []
    while let p = try r.next() { out.append(([UInt8](p.bytes), p.wireLength, p.time, p.fileOffset)) }
    return out
}

@Suite struct CaptureReaderFormats {
    @Test func classicMicrosecondLittleEndian() throws {
        let path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let r = try CaptureReader(path: path)
        #expect(r.format == .pcap(precision: .microseconds, swapped: false))
        #expect(!r.isCompressed)
        #expect(r.linkType == 1)
        #expect(r.linkTypeName == "EN10MB")
        #expect(r.snapshotLength == 65535)
        let packets = try readAll(r)
        // tshark -r openssl-tls1_2.pcap -T fields -e frame.cap_len
        #expect(packets.map(\.bytes.count) == [74, 74, 66, 329, 66, 1484, 1484, 66, 66, 1326, 218, 66, 66, 192, 296, 66, 97, 66, 66, 66])
        // tshark -r openssl-tls1_2.pcap -Y frame.number==4 -T fields -e frame.time_epoch → 1413337896.143257000
        #expect(packets[3].time == Timestamp(seconds: 1_413_337_896, nanoseconds: 143_257_000))
        #expect(r.packetNumber == 20)
        // Offsets: 24-byte file header, then 16 + caplen per record (checked against our own walk).
        let walk = ClassicRecords(try Files.bytes(path))
        #expect(packets.map(\.offset) == walk.records.map { Int64($0.offset) })
        #expect(packets[0].offset == 24 && packets[1].offset == 24 + 16 + 74)
        #expect(r.clampedRecords == 0)
    }

    @Test func pcapngOffsetsMatchTheBlocks() throws {
        let path = try Files.corpus("ja4/pcap/tls3.pcapng")
        let r = try CaptureReader(path: path)
        #expect(r.format == .pcapng(swapped: false))
        #expect(r.linkType == 1)
        let packets = try readAll(r)
        // tshark -r tls3.pcapng -T fields -e frame.cap_len | awk '{s+=$1} END {print NR, s}' → 1189 940273
        #expect(packets.count == 1189)
        #expect(packets.reduce(0) { $0 + $1.bytes.count } == 940_273)
        // tshark … -Y frame.number==1189 -e frame.time_epoch -e frame.cap_len → 1692898405.060223000 60
        #expect(packets[1188].time == Timestamp(seconds: 1_692_898_405, nanoseconds: 60_223_000))
        // The file is SHB, IDB, 1189 EPBs, ISB: every packet block follows the previous one, so
        // each offset must be exactly its EPB's (walked here by hand).
        let epbs = pcapngBlocks(try Files.bytes(path)).filter { $0.type == 6 }.map { Int64($0.offset) }
        #expect(epbs.count == 1189)
        #expect(packets.map(\.offset) == epbs.map { Optional($0) })
    }

    @Test func pcapngOffsetPointsAtAnInterleavedBlock() throws {
        // http2-with-cookies.pcapng is SHB, IDB, DSB (decryption secrets), then EPBs: the first
        // packet's read starts at the DSB, which libpcap skips; the rest are exact.
        let path = try Files.corpus("ja4/pcap/http2-with-cookies.pcapng")
        let blocks = pcapngBlocks(try Files.bytes(path))
        #expect(blocks.prefix(4).map(\.type) == [0x0A0D0D0A, 1, 10, 6])
        let r = try CaptureReader(path: path)
        _ = try #require(try r.next())
        #expect(r.recordOffset == Int64(blocks[2].offset))
        _ = try #require(try r.next())
        #expect(r.recordOffset == Int64(blocks[4].offset))
    }

    @Test func nanosecondCaptureKeepsEveryDigit() throws {
        let r = try CaptureReader(path: try Files.fixture("sll2-tls-loopback.pcap"))
        #expect(r.format == .pcap(precision: .nanoseconds, swapped: false))
        #expect(r.linkType == 276)
        #expect(r.linkTypeName == "LINUX_SLL2")
        let packets = try readAll(r)
        #expect(packets.count == 15)
        // tshark -r sll2-tls-loopback.pcap -T fields -e frame.time_epoch | head -3
        #expect(packets[0].time == Timestamp(seconds: 1_795_486_119, nanoseconds: 409_298_525))
        #expect(packets[1].time == Timestamp(seconds: 1_795_486_119, nanoseconds: 409_313_137))
        #expect(packets[2].time == Timestamp(seconds: 1_795_486_119, nanoseconds: 409_327_999))
    }

    @Test func bigEndianCopyOfARealCaptureReadsTheSame() throws {
        // Rewrite openssl-tls1_2.pcap in big-endian byte order (file header and record headers
        // swapped, packet bytes untouched) and compare packet by packet.
        let path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let le = try Files.bytes(path)
        var be: [UInt8] = []
        be.put32(le.le32(0), bigEndian: true)
        be.put16(UInt16(le[4]) | UInt16(le[5]) << 8, bigEndian: true)
        be.put16(UInt16(le[6]) | UInt16(le[7]) << 8, bigEndian: true)
        for o in stride(from: 8, to: 24, by: 4) { be.put32(le.le32(o), bigEndian: true) }
        for rec in ClassicRecords(le).records {
            for k in 0..<4 { be.put32(le.le32(rec.offset + 4 * k), bigEndian: true) }
            be.append(contentsOf: le[(rec.offset + 16)..<(rec.offset + 16 + rec.caplen)])
        }
        #expect(be.count == le.count)
        #expect(Array(be.prefix(4)) == [0xa1, 0xb2, 0xc3, 0xd4])
        let tmp = try TempDir()
        let bePath = try tmp.write("be.pcap", be)
        let r = try CaptureReader(path: bePath)
        #expect(r.format == .pcap(precision: .microseconds, swapped: true))
        #expect(r.linkType == 1 && r.snapshotLength == 65535)
        let a = try readAll(try CaptureReader(path: path)), b = try readAll(r)
        #expect(a.count == 20 && b.count == 20)
        for (x, y) in zip(a, b) {
            #expect(x.bytes == y.bytes && x.wire == y.wire && x.time == y.time && x.offset == y.offset)
        }
    }

    @Test func handMadeBigEndianNanosecondFile() throws {
        // magic a1 b2 3c 4d (nanoseconds), big-endian, link type 101 (LINKTYPE_RAW), two records.
        var f: [UInt8] = []
        f.put32(0xa1b2_3c4d, bigEndian: true); f.put16(2, bigEndian: true); f.put16(4, bigEndian: true)
        f.put32(0, bigEndian: true); f.put32(0, bigEndian: true); f.put32(1500, bigEndian: true); f.put32(101, bigEndian: true)
        let p1: [UInt8] = [0x45, 0, 0, 20, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        f.put32(1_700_000_000, bigEndian: true); f.put32(999_999_999, bigEndian: true)
        f.put32(UInt32(p1.count), bigEndian: true); f.put32(60, bigEndian: true); f.append(contentsOf: p1)
        f.put32(1_700_000_001, bigEndian: true); f.put32(1, bigEndian: true)
        f.put32(3, bigEndian: true); f.put32(3, bigEndian: true); f.append(contentsOf: [1, 2, 3])
        let tmp = try TempDir()
        let r = try CaptureReader(path: try tmp.write("be-ns.pcap", f))
        #expect(r.format == .pcap(precision: .nanoseconds, swapped: true))
        #expect(r.linkType == 12)           // libpcap maps LINKTYPE_RAW (101) to DLT_RAW (12)
        #expect(r.snapshotLength == 1500)
        let a = try #require(try r.next())
        #expect(a.time == Timestamp(seconds: 1_700_000_000, nanoseconds: 999_999_999))
        #expect(a.capturedLength == 20 && a.wireLength == 60 && [UInt8](a.bytes) == p1 && a.fileOffset == 24)
        let b = try #require(try r.next())
        #expect(b.time == Timestamp(seconds: 1_700_000_001, nanoseconds: 1))
        #expect([UInt8](b.bytes) == [1, 2, 3] && b.number == 2 && b.fileOffset == 24 + 16 + 20)
        #expect(try r.next() == nil)
        #expect(try r.next() == nil)        // stays at the end
    }
}

/// pcapng blocks (little-endian files only), walked by hand: offset, type, length.
func pcapngBlocks(_ b: [UInt8]) -> [(offset: Int, type: UInt32, length: Int)] {
    var out: [(offset: Int, type: UInt32, length: Int)] = []
    var o = 0
    while o + 12 <= b.count {
        let t = b.le32(o), l = Int(b.le32(o + 4))
        guard l >= 12 else { break }
        out.append((o, t, l))
        o += l
    }
    return out
}

@Suite struct CaptureReaderGzip {
    @Test func corpusGzipStreams() throws {
        let r = try CaptureReader(path: try Files.corpus("zeek/traces/tls/tls-fragmented-handshake.pcap.gz"))
        #expect(r.isCompressed)
        #expect(r.format == .pcap(precision: .microseconds, swapped: false))
        let packets = try readAll(r)
        // tshark -r tls-fragmented-handshake.pcap.gz -T fields -e frame.cap_len | awk … → 416 367841
        #expect(packets.count == 416)
        #expect(packets.reduce(0) { $0 + $1.bytes.count } == 367_841)
        // tshark … -Y frame.number==416 -e frame.time_epoch → 1426117218.286833000; last record
        // ends at the decompressed size (zcat … | wc -c → 374521).
        #expect(packets[415].time == Timestamp(seconds: 1_426_117_218, nanoseconds: 286_833_000))
        #expect(packets[415].offset == 374_521 - 16 - Int64(packets[415].bytes.count))
    }

    @Test func gzippedCopyReadsLikeThePlainFile() throws {
        let path = try Files.corpus("ja4/pcap/tls3.pcapng")
        let tmp = try TempDir()
        let gz = tmp.path("copy.anything")   // no .gz name: detection is by magic
        try gzipFile(from: path, to: gz)
        let plain = try readAll(try CaptureReader(path: path))
        let r = try CaptureReader(path: gz)
        #expect(r.isCompressed)
        #expect(r.format == .pcapng(swapped: false))
        let packed = try readAll(r)
        #expect(packed.count == plain.count)
        #expect(packed.count == 1189)
        for (a, b) in zip(plain, packed) {
            #expect(a.bytes == b.bytes && a.time == b.time && a.wire == b.wire && a.offset == b.offset)
        }
    }

    @Test func gzipCutShortIsADecompressionErrorAfterTheIntactPackets() throws {
        let path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let tmp = try TempDir()
        let gz = tmp.path("full.gz")
        try gzipFile(from: path, to: gz, level: 0)     // stored blocks: a cut keeps a known prefix
        var bytes = try Files.bytes(gz)
        bytes.removeLast(bytes.count / 2)
        let cut = try tmp.write("cut.pcap.gz", bytes)
        let plain = try readAll(try CaptureReader(path: path))
        let r = try CaptureReader(path: cut)
        var got: [[UInt8]] = []
        let e = try #require(throws: CaptureError.self) {
            while let p = try r.next() { got.append([UInt8](p.bytes)) }
        }
        #expect(e.code == .decompressionError)
        #expect(e.reason.contains("zlib"))
        #expect(!got.isEmpty && got.count < plain.count)
        #expect(got == plain.prefix(got.count).map(\.bytes))
        #expect(e.packetNumber == UInt64(got.count + 1))
        let walk = ClassicRecords(try Files.bytes(path))
        #expect(e.byteOffset == Int64(walk.records[got.count].offset))
    }

    @Test func corruptGzipDataIsADecompressionError() throws {
        let path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let tmp = try TempDir()
        let gz = tmp.path("full.gz")
        try gzipFile(from: path, to: gz, level: 9)
        var bytes = try Files.bytes(gz)
        for i in (bytes.count / 2)..<(bytes.count / 2 + 64) { bytes[i] ^= 0x5a }
        let bad = try tmp.write("bad.gz", bytes)
        let e = try #require(throws: CaptureError.self) {
            let r = try CaptureReader(path: bad)
            while try r.next() != nil {}
        }
        #expect(e.code == .decompressionError)
        #expect(e.reason.hasPrefix("zlib: "))
    }
}

/// A small regular file is read whole into memory and its descriptor closed before the first
/// packet; a larger one is read as a stream. Both must deliver the same packets, stamps, lengths
/// and offsets.
@Suite struct CaptureReaderWholeFiles {
    static let captures: [String] = {
        let dir = Files.repoRoot.appendingPathComponent("Captures").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted()
            .map { dir + "/" + $0 }
    }()

    @Test func theCapturesAreThere() {
        #expect(Self.captures.count >= 40)
    }

    @Test(arguments: captures + ["ja4/pcap/tls3.pcapng", "arkime/pcap/openssl-tls1_2.pcap"])
    func wholeAndStreamedReadTheSame(_ name: String) throws {
        let path = name.hasPrefix("/") ? name : try Files.corpus(name)
        let whole = try CaptureReader(path: path, readingWholeBelow: CaptureReader.streamBufferSize)
        let streamed = try CaptureReader(path: path, readingWholeBelow: 0)
        #expect(whole.format == streamed.format && whole.isCompressed == streamed.isCompressed)
        #expect(whole.linkType == streamed.linkType && whole.snapshotLength == streamed.snapshotLength)
        #expect(whole.fileSize == streamed.fileSize && whole.fileSize > 0)
        let a = try readAll(whole), b = try readAll(streamed)
        #expect(!a.isEmpty)
        #expect(a.map(\.bytes) == b.map(\.bytes))
        #expect(a.map(\.wire) == b.map(\.wire))
        #expect(a.map(\.time) == b.map(\.time))
        #expect(a.map(\.offset) == b.map(\.offset))
    }

    /// Descriptors this process has open on `path` (tests run in parallel: only this file's count).
    static func descriptors(on path: String) -> Int {
        let dir = "/proc/self/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) == path }.count
    }

    @Test func aSmallFilesDescriptorIsClosedBeforeItsPackets() throws {
        let tmp = try TempDir()
        let path = try tmp.write("small.pcap", try Files.bytes(try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")))
        let whole = try CaptureReader(path: path)
        #expect(Self.descriptors(on: path) == 0)
        let streamed = try CaptureReader(path: path, readingWholeBelow: 0)
        #expect(Self.descriptors(on: path) == 1)
        #expect(try readAll(whole).count == 20)
        #expect(try readAll(streamed).count == 20)
    }
}

@Suite struct MemorySourceTests {
    /// A source over `bytes` in memory of its own, and that memory.
    static func source(_ bytes: [UInt8]) -> (MemorySource, UnsafeMutableRawPointer) {
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return (MemorySource(base: base, count: bytes.count), base)
    }

    @Test func readsInPlaceThenElsewhereThenEnds() {
        let bytes = (0..<100).map { UInt8($0) }
        let (s, base) = Self.source(bytes)
        defer { base.deallocate() }
        // Asked for the bytes where they are: handed over without a copy.
        #expect(s.read(into: base, count: 40) == 40)
        #expect(s.position == 40)
        var out = [UInt8](repeating: 0, count: 100)
        let n = out.withUnsafeMutableBytes { s.read(into: $0.baseAddress!, count: 100) }
        #expect(n == 60)
        #expect(Array(out.prefix(60)) == Array(bytes[40...]))
        #expect(out.withUnsafeMutableBytes { s.read(into: $0.baseAddress!, count: 10) } == 0)
    }

    @Test func seeksWithinTheFileOnly() {
        let (s, base) = Self.source([UInt8](repeating: 7, count: 50))
        defer { base.deallocate() }
        #expect(s.seek(10, SEEK_SET) == 10)
        #expect(s.seek(5, SEEK_CUR) == 15)
        #expect(s.seek(-50, SEEK_END) == 0)
        #expect(s.seek(0, SEEK_END) == 50)
        #expect(s.seek(51, SEEK_SET) == nil)
        #expect(s.seek(-1, SEEK_SET) == nil)
        #expect(s.seek(Int64.max, SEEK_END) == nil)
        #expect(s.position == 50)
    }

    @Test func aReadThatMovesItsOwnBytesForbidsSeekingBack() {
        let bytes = (0..<64).map { UInt8($0) }
        let (s, base) = Self.source(bytes)
        defer { base.deallocate() }
        #expect(s.seek(16, SEEK_SET) == 16)
        // A fill into the start of the same memory (stdio's buffer after a seek): moved down.
        #expect(s.read(into: base, count: 64) == 48)
        #expect(Array(UnsafeRawBufferPointer(start: base, count: 48)) == Array(bytes[16...]))
        #expect(s.seek(0, SEEK_SET) == nil)
        #expect(s.seek(0, SEEK_CUR) == 64)
    }
}
