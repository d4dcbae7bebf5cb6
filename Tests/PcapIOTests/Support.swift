import Foundation
import Testing

/// Paths to the shared corpus and this repository's fixtures, from this file's location:
/// repo root = three levels up from Tests/PcapIOTests/Support.swift; shared = root/../shared.
enum Files {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// A corpus capture; fails the test loudly when the shared corpus is not beside the repository.
    static func corpus(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = shared.appendingPathComponent("corpus").appendingPathComponent(relative).path
        try #require(FileManager.default.fileExists(atPath: p),
                     "shared corpus file missing: \(p) (the corpus must sit at ../shared beside the repository)",
                     sourceLocation: sourceLocation)
        return p
    }

    static func fixture(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = repoRoot.appendingPathComponent("Tests/Fixtures/capture").appendingPathComponent(name).path
        try #require(FileManager.default.fileExists(atPath: p), "fixture missing: \(p)", sourceLocation: sourceLocation)
        return p
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A fresh temporary directory, removed by `cleanup()`.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pcapio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Little-endian / big-endian integer writers for hand-made capture headers.
extension Array where Element == UInt8 {
    mutating func put32(_ v: UInt32, bigEndian: Bool) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        Swift.withUnsafeBytes(of: x) { append(contentsOf: $0) }
    }
    mutating func put16(_ v: UInt16, bigEndian: Bool) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        Swift.withUnsafeBytes(of: x) { append(contentsOf: $0) }
    }
    func le32(_ o: Int) -> UInt32 {
        UInt32(self[o]) | UInt32(self[o + 1]) << 8 | UInt32(self[o + 2]) << 16 | UInt32(self[o + 3]) << 24
    }
    mutating func setLE32(_ o: Int, _ v: UInt32) {
        self[o] = UInt8(v & 0xff); self[o + 1] = UInt8(v >> 8 & 0xff)
        self[o + 2] = UInt8(v >> 16 & 0xff); self[o + 3] = UInt8(v >> 24)
    }
}

/// The records of a little-endian classic pcap, parsed independently of libpcap.
struct ClassicRecords {
    struct Record { var offset: Int; var sec: UInt32; var frac: UInt32; var caplen: Int; var len: Int }
    var records: [Record] = []
    init(_ b: [UInt8]) {
        var o = 24
        while o + 16 <= b.count {
            let cap = Int(b.le32(o + 8))
            records.append(Record(offset: o, sec: b.le32(o), frac: b.le32(o + 4), caplen: cap, len: Int(b.le32(o + 12))))
            o += 16 + cap
        }
    }
}
