import Foundation
import Testing

/// Paths to the shared corpus and this repository's fixtures, from this file's location:
/// repo root = three levels up from Tests/PacketDecodeTests/Support.swift; shared = root/../shared.
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
        url = FileManager.default.temporaryDirectory.appendingPathComponent("packetdecode-\(UUID().uuidString)")
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

