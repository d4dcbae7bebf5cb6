import Testing
import Foundation
@testable import TLSDiagKit

/// The parallel walk is taken where it cannot differ from the ordered one, and refused elsewhere
/// (BatchTests checks that the results agree either way; this checks which way was taken).
@Suite("parallel walk: when it is taken")
struct ParallelWalkTests {
    static func id(_ path: String) throws -> BatchFiles.FileID {
        var st = stat()
        try #require(stat(path, &st) == 0)
        return BatchFiles.FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
    }

    @Test func takenOnPlainTreesRefusedWithLinks() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tlsdiag-pw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for d in ["plain/a/x", "plain/b", "linked/a", "linked/b"] {
            try fm.createDirectory(at: dir.appendingPathComponent(d), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: dir.appendingPathComponent(d + "/t.pcap"))
        }
        let plain = dir.appendingPathComponent("plain").path, linked = dir.appendingPathComponent("linked").path
        try fm.createSymbolicLink(atPath: linked + "/b/back", withDestinationPath: "../a")

        let p = try #require(BatchFiles.walkInParallel(plain, id: try Self.id(plain), walked: [], jobs: 2))
        #expect(p.found.map(\.path).sorted() == [plain + "/a/x/t.pcap", plain + "/b/t.pcap"])
        #expect(BatchFiles.walkInParallel(linked, id: try Self.id(linked), walked: [], jobs: 2) == nil)
        // A folder walked already (by an earlier argument) is not entered again, as in order.
        let q = try #require(BatchFiles.walkInParallel(plain, id: try Self.id(plain), walked: [try Self.id(plain + "/a")], jobs: 2))
        #expect(q.found.map(\.path) == [plain + "/b/t.pcap"])
    }
}
