import Foundation
import Glibc
import NetCore
import Testing
@testable import PcapIO

/// Damaged copies of a real capture (arkime openssl-tls1_2.pcap: 20 records, the first at byte
/// 24; record 6 starts at byte 713 with 1484 captured bytes, record 7 at 2213).
@Suite struct CorruptInputs {
    let original: [UInt8]
    let walk: ClassicRecords
    let path: String

    init() throws {
        path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        original = try Files.bytes(path)
        walk = ClassicRecords(original)
    }

    /// Reads until the error; returns the packets delivered before it and the error. The file is
    /// read both ways the reader has (whole into memory first, as a small file is, and as a stream,
    /// as a large one is), which must agree on every packet and on the error.
    func readUntilError(_ bytes: [UInt8], name: String = "damaged.pcap",
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (packets: [[UInt8]], error: CaptureError?) {
        let tmp = try TempDir()
        let p = try tmp.write(name, bytes)
        func read(wholeBelow limit: Int) -> (packets: [[UInt8]], offsets: [Int64], error: CaptureError?) {
            var got: [[UInt8]] = [], offsets: [Int64] = []
            do {
                let r = try CaptureReader(path: p, readingWholeBelow: limit)
                while let pk = try r.next() { got.append([UInt8](pk.bytes)); offsets.append(r.recordOffset) }
                return (got, offsets, nil)
            } catch {
                return (got, offsets, error)
            }
        }
        let whole = read(wholeBelow: CaptureReader.streamBufferSize)
        let streamed = read(wholeBelow: 0)
        #expect(whole.packets == streamed.packets, sourceLocation: sourceLocation)
        #expect(whole.offsets == streamed.offsets, sourceLocation: sourceLocation)
        #expect(whole.error == streamed.error, sourceLocation: sourceLocation)
        return (whole.packets, whole.error)
    }

    func originalPackets(_ n: Int) -> [[UInt8]] {
        walk.records.prefix(n).map { Array(original[($0.offset + 16)..<($0.offset + 16 + $0.caplen)]) }
    }

    @Test func wrongMagic() throws {
        var b = original
        b[0] = 0x50; b[1] = 0x4b; b[2] = 0x03; b[3] = 0x04
        let (packets, e) = try readUntilError(b)
        let err = try #require(e)
        #expect(packets.isEmpty)
        #expect(err.code == .notACapture)
        #expect(err.packetNumber == nil && err.byteOffset == 0)
        #expect(err.libpcapMessage == "unknown file format")
        #expect(err.reason.contains("first bytes: 50 4b 03 04"))
    }

    @Test func truncatedFileHeader() throws {
        let (_, e) = try readUntilError(Array(original.prefix(10)))
        let err = try #require(e)
        #expect(err.code == .truncatedHeader)
        #expect(err.packetNumber == nil)
        #expect(err.reason.contains("file header bytes"))
    }

    @Test func emptyFile() throws {
        let (_, e) = try readUntilError([])
        let err = try #require(e)
        #expect(err.code == .truncatedHeader)
        #expect(err.reason.contains("the file is empty"))
    }

    @Test func headerOnlyIsAnEmptyCapture() throws {
        let (packets, e) = try readUntilError(Array(original.prefix(24)))
        #expect(e == nil)
        #expect(packets.isEmpty)
    }

    @Test(arguments: [1, 7, 15])
    func recordHeaderCut(at cut: Int) throws {
        // The file ends `cut` bytes into record 7's 16-byte header.
        let rec = walk.records[6]
        let (packets, e) = try readUntilError(Array(original.prefix(rec.offset + cut)))
        let err = try #require(e)
        #expect(err.code == .truncatedRecord)
        #expect(err.packetNumber == 7)
        #expect(err.byteOffset == 2213)
        #expect(err.libpcapMessage == "truncated dump file; tried to read 16 header bytes, only got \(cut)")
        #expect(packets == originalPackets(6))
    }

    @Test func fileCutMidRecord() throws {
        // Record 6 (1484 captured bytes at 713) keeps 812 of them.
        let rec = walk.records[5]
        let (packets, e) = try readUntilError(Array(original.prefix(rec.offset + 16 + 812)), name: "capture.pcap")
        let err = try #require(e)
        #expect(err.code == .truncatedRecord)
        #expect(err.packetNumber == 6)
        #expect(err.byteOffset == 713)
        #expect(packets == originalPackets(5))
        let name = try #require(err.path.split(separator: "/").last)
        #expect(name == "capture.pcap")
        #expect(err.description == err.path + ": packet 6 at byte 713: truncated record (libpcap: truncated dump file; tried to read 1484 captured bytes, only got 812)")
    }

    @Test func caplenBeyondAnySnapshotLength() throws {
        // 0x00100000 (1 MiB) is above libpcap's 262144 maximum for Ethernet.
        var b = original
        b.setLE32(walk.records[3].offset + 8, 0x0010_0000)
        let (packets, e) = try readUntilError(b)
        let err = try #require(e)
        #expect(err.code == .badRecordLength)
        #expect(err.packetNumber == 4 && err.byteOffset == 286)
        #expect(err.reason.contains("invalid packet capture length 1048576"))
        #expect(packets == originalPackets(3))
    }

    @Test func caplenLargerThanTheFile() throws {
        // The last record claims 100 bytes more than the file holds (within the snapshot length).
        var b = original
        let last = walk.records[19]
        b.setLE32(last.offset + 8, UInt32(last.caplen + 100))
        let (packets, e) = try readUntilError(b)
        let err = try #require(e)
        #expect(err.code == .truncatedRecord)
        #expect(err.packetNumber == 20 && err.byteOffset == 6496)
        #expect(err.libpcapMessage == "truncated dump file; tried to read 166 captured bytes, only got 66")
        #expect(packets == originalPackets(19))
    }

    @Test func caplenLargerThanTheSnapshotIsClampedAndCounted() throws {
        // Snapshot length lowered to 200 in the file header: libpcap delivers the first 200 bytes
        // of longer records and skips the rest; offsets must still be exact.
        var b = original
        b.setLE32(16, 200)
        let tmp = try TempDir()
        let r = try CaptureReader(path: try tmp.write("snap200.pcap", b))
        #expect(r.snapshotLength == 200)
        var sizes: [Int] = [], offsets: [Int64?] = [], wires: [Int] = []
        while let p = try r.next() { sizes.append(p.capturedLength); offsets.append(p.fileOffset); wires.append(p.wireLength) }
        #expect(sizes == walk.records.map { min($0.caplen, 200) })
        #expect(wires == walk.records.map(\.len))
        #expect(offsets == walk.records.map { Int64($0.offset) })
        // Records longer than 200: 4 (329), 6 and 7 (1484), 10 (1326), 11 (218), 15 (296).
        #expect(r.clampedRecords == 6)
    }

    @Test func caplenZeroIsDeliveredEmpty() throws {
        // libpcap accepts a record with caplen 0 and hands out an empty packet; the reader does
        // the same (the decoder then reports it as truncated headers). Record 3 is rewritten
        // with caplen 0 and its bytes removed.
        let rec = walk.records[2]
        var b = Array(original[0..<rec.offset])
        var hdr = Array(original[rec.offset..<(rec.offset + 16)])
        hdr.setLE32(8, 0)
        b += hdr
        b += original[(rec.offset + 16 + rec.caplen)...]
        let tmp = try TempDir()
        let r = try CaptureReader(path: try tmp.write("caplen0.pcap", b))
        var all: [RawPacket] = []
        var copies: [[UInt8]] = []
        while let p = try r.next() { all.append(p); copies.append([UInt8](p.bytes)) }
        #expect(all.count == 20)
        #expect(all[2].capturedLength == 0 && all[2].wireLength == rec.len)
        #expect(copies[3] == originalPackets(4)[3])
        #expect(all[3].fileOffset == Int64(rec.offset + 16))
    }

    @Test func pcapngCutMidBlock() throws {
        let path = try Files.corpus("ja4/pcap/tls3.pcapng")
        let bytes = try Files.bytes(path)
        let blocks = pcapngBlocks(bytes)
        // Packet 100 is the EPB at blocks[101] (after SHB and IDB); cut it in half.
        let b = blocks[101]
        let (packets, e) = try readUntilError(Array(bytes.prefix(b.offset + b.length / 2)), name: "cut.pcapng")
        let err = try #require(e)
        #expect(err.code == .truncatedRecord)
        #expect(err.packetNumber == 100)
        #expect(err.byteOffset == Int64(b.offset))
        #expect(err.reason.contains("truncated pcapng dump file"))
        #expect(packets.count == 99)
    }

    @Test func pcapngBlockLengthNotAMultipleOfFour() throws {
        let path = try Files.corpus("ja4/pcap/tls3.pcapng")
        var bytes = try Files.bytes(path)
        let b = pcapngBlocks(bytes)[11]         // packet 10's EPB
        bytes.setLE32(b.offset + 4, UInt32(b.length + 1))
        let (packets, e) = try readUntilError(bytes, name: "badlen.pcapng")
        let err = try #require(e)
        #expect(err.code == .badRecordLength)
        #expect(err.packetNumber == 10)
        #expect(err.reason.contains("not a multiple of 4"))
        #expect(packets.count == 9)
    }

    @Test func missingFile() throws {
        let e = try #require(throws: CaptureError.self) { _ = try CaptureReader(path: "/nonexistent/dir/capture.pcap") }
        #expect(e.code == .fileNotFound)
        #expect(e.description == "/nonexistent/dir/capture.pcap: file not found (No such file or directory)")
    }

    @Test func directory() throws {
        let tmp = try TempDir()
        let e = try #require(throws: CaptureError.self) { _ = try CaptureReader(path: tmp.url.path) }
        #expect(e.code == .readError)
        #expect(e.reason == "is a directory")
    }

    @Test func unreadableFile() throws {
        let tmp = try TempDir()
        let p = try tmp.write("secret.pcap", original)
        chmod(p, 0)
        if geteuid() != 0 {
            let e = try #require(throws: CaptureError.self) { _ = try CaptureReader(path: p) }
            #expect(e.code == .permissionDenied)
        } else {
            // root reads anything: the file opens; the mapping of EACCES is checked directly.
            #expect(throws: Never.self) { _ = try CaptureReader(path: p) }
            #expect(CaptureError.Code.forOpen(errno: EACCES) == .permissionDenied)
            #expect(CaptureError.Code.forOpen(errno: ENOENT) == .fileNotFound)
            #expect(CaptureError.Code.forOpen(errno: EIO) == .readError)
        }
    }

    @Test(arguments: [
        ("truncated dump file; tried to read 24 file header bytes, only got 10", true, CaptureError.Code.truncatedHeader),
        ("truncated dump file; tried to read 16 header bytes, only got 3", false, .truncatedRecord),
        ("truncated dump file; tried to read 1500 captured bytes, only got 812", false, .truncatedRecord),
        ("truncated pcapng dump file; tried to read 28 bytes, only got 4", false, .truncatedRecord),
        ("invalid packet capture length 1048576, bigger than maximum of 262144", false, .badRecordLength),
        ("invalid packet capture length 300000, bigger than snaplen of 65535", false, .badRecordLength),
        ("block in pcapng dump file has a length of 8 < 12", false, .badRecordLength),
        ("pcapng block size 20000000 > maximum 16777216", false, .badRecordLength),
        ("a packet arrived on interface 3, but there's no Interface Description Block for that interface", false, .malformedBlock),
        ("unknown file format", true, .notACapture),
        ("unsupported pcap savefile version 3.0", true, .unsupportedVersion),
        ("archaic pcap savefile format", true, .unsupportedVersion),
        ("error reading dump file: Input/output error", false, .readError),
        ("something libpcap never said", false, .readError),
    ])
    func libpcapMessagesMapToCodes(message: String, opening: Bool, code: CaptureError.Code) {
        #expect(CaptureError.Code.classify(libpcapMessage: message, opening: opening) == code)
    }
}
