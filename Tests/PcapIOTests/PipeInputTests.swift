import Foundation
import NetCore
import Testing
@testable import PcapIO

/// A capture read from a pipe (`tcpdump -w - | tlsdiag analyze /dev/stdin`): nothing can be read
/// twice, so the first bytes the reader looks at must be handed to libpcap again. Each capture is
/// written into a FIFO by another thread and must read exactly as the file does.
@Suite struct PipeInputTests {
    /// Writes `bytes` into a new FIFO from another thread; returns its path.
    static func fifo(_ tmp: TempDir, _ name: String, _ bytes: [UInt8]) throws -> String {
        let path = tmp.path(name)
        try #require(mkfifo(path, 0o600) == 0)
        let box = UncheckedBox(bytes)
        Thread.detachNewThread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            box.value.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n <= 0 { break }
                    off += n
                }
            }
            close(fd)
        }
        return path
    }

    @Test("pcap, pcapng and gzip through a pipe read as the files do", arguments: [
        "arkime/pcap/openssl-tls1_2.pcap", "ja4/pcap/tls3.pcapng",
    ])
    func pipeReadsLikeTheFile(_ relative: String) throws {
        let path = try Files.corpus(relative)
        let tmp = try TempDir()
        let gz = tmp.path("copy.gz")
        try gzipFile(from: path, to: gz)
        let plain = try readAll(try CaptureReader(path: path))
        #expect(plain.count >= 20)
        for (name, bytes) in [("plain", try Files.bytes(path)), ("gzip", try Files.bytes(gz))] {
            let r = try CaptureReader(path: try Self.fifo(tmp, name, bytes))
            #expect(r.isCompressed == (name == "gzip"))
            #expect(r.fileSize == -1, "a pipe has no size")
            let got = try readAll(r)
            #expect(got.count == plain.count, "\(name)")
            for (a, b) in zip(plain, got) {
                #expect(a.bytes == b.bytes && a.time == b.time && a.wire == b.wire && a.offset == b.offset, "\(name)")
            }
        }
    }

    @Test("a pipe that is empty, cut short, or not a capture says so as a file would")
    func damagedPipes() throws {
        let path = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let bytes = try Files.bytes(path)
        let tmp = try TempDir()
        // Empty.
        let empty = try #require(throws: CaptureError.self) { _ = try CaptureReader(path: try Self.fifo(tmp, "empty", [])) }
        #expect(empty.code == .truncatedHeader)
        // Not a capture: the first bytes are named, as for a file.
        let text = try #require(throws: CaptureError.self) {
            _ = try CaptureReader(path: try Self.fifo(tmp, "text", Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        }
        #expect(text.code == .notACapture)
        #expect(text.reason.contains("first bytes: 47 45 54 20"))
        // Cut inside the third record: the first packets, then the error at the right place.
        let walk = ClassicRecords(bytes)
        let cut = Array(bytes.prefix(walk.records[2].offset + 20))
        let r = try CaptureReader(path: try Self.fifo(tmp, "cut", cut))
        var n = 0
        let e = try #require(throws: CaptureError.self) { while try r.next() != nil { n += 1 } }
        #expect(n == 2)
        #expect(e.packetNumber == 3)
        #expect(e.byteOffset == Int64(walk.records[2].offset))
        // gzip cut short: a decompression error whose message names no descriptor.
        let gz = tmp.path("whole.gz")
        try gzipFile(from: path, to: gz, level: 0)
        var g = try Files.bytes(gz)
        g.removeLast(g.count / 2)
        let rz = try CaptureReader(path: try Self.fifo(tmp, "gzcut", g))
        let ez = try #require(throws: CaptureError.self) { while try rz.next() != nil {} }
        #expect(ez.code == .decompressionError)
        #expect(ez.reason.contains("zlib: unexpected end of file"), "\(ez.reason)")
    }
}

/// Hands a value to another thread in a test.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
