import Testing
import Foundation
@testable import TLSDiagKit

/// `BatchFiles.stream` hands captures to the batch's workers as the walk finds them: it must find
/// what `collect` finds, in the same order (byte order of the paths), with the same notes and skips,
/// and hand them out in that order, on trees whose names sort differently as names and as paths.
@Suite("streamed walk")
struct StreamWalkTests {
    typealias F = BatchFixture

    /// Names around "/" (0x2f) in byte order: "a-b" and "a.pcap" sort before "a/…", "a0" after.
    static let tricky = ["a", "a-b", "a.b", "a b", "a!", "a0", "ab", "a-", "A", "é", "a.pcap.d"]

    @Test("stream finds what collect finds, in the same order, and hands each out once in that order")
    func streamEqualsCollect() throws {
        let dir = try F.tempDir("stream")
        defer { try? F.fm.removeItem(at: dir) }
        let bytes = Data("not read".utf8)
        // Folders and captures with the tricky names at two levels.
        for d in Self.tricky {
            let u = dir.appendingPathComponent(d)
            try F.fm.createDirectory(at: u, withIntermediateDirectories: true)
            for f in Self.tricky {
                try bytes.write(to: u.appendingPathComponent(f + ".pcap"))
                if f.count <= 2 { try F.fm.createDirectory(at: u.appendingPathComponent(f), withIntermediateDirectories: true) }
                if f.count <= 2 { try bytes.write(to: u.appendingPathComponent(f + "/in.cap")) }
            }
            try bytes.write(to: dir.appendingPathComponent(d + ".pcap"))
            try bytes.write(to: dir.appendingPathComponent(d + "-x.pcapng"))
        }
        // Links: to a folder (its name sorts as a folder's), to a file (read once), back up (a loop),
        // dangling; and a hard link (the same file by another name).
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("a-link").path, withDestinationPath: "ab")
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("a.link.pcap").path, withDestinationPath: "a.pcap")
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("ab/up").path, withDestinationPath: "..")
        try F.fm.createSymbolicLink(atPath: dir.appendingPathComponent("a0/gone.pcap").path, withDestinationPath: "nowhere.pcap")
        try F.fm.linkItem(at: dir.appendingPathComponent("a!.pcap"), to: dir.appendingPathComponent("a/hard.pcap"))

        for arg in [dir.path, dir.path + "/", dir.appendingPathComponent("a").path] {
            var handed: [BatchInput] = []
            let streamed = BatchFiles.stream(arg) { handed.append($0) }
            let collected = BatchFiles.collect([arg], statFiles: false, jobs: 1)
            #expect(streamed.files == collected.files, "\(arg)")
            #expect(streamed.skipped == collected.skipped, "\(arg)")
            #expect(streamed.notes == collected.notes, "\(arg)")
            #expect(handed == streamed.files, "handed out in the report's order: \(arg)")
            #expect(streamed.files.map(\.path) == streamed.files.map(\.path).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(streamed.files.count > 15)
        }
        let whole = BatchFiles.stream(dir.path) { _ in }
        #expect(whole.notes.contains { $0.contains("same file as") })
        #expect(whole.notes.contains { $0.contains("not followed") })
        #expect(whole.skipped.contains { $0.path.hasSuffix("gone.pcap") })
        // "a-b.pcap" (a file) comes before the folder "a" (its paths go on with "/"), "a0" after.
        let names = whole.files.map { String($0.path.dropFirst(dir.path.count + 1)) }
        let firstInA = try #require(names.firstIndex { $0.hasPrefix("a/") })
        #expect(try #require(names.firstIndex(of: "a-b.pcap")) < firstInA)
        #expect(try #require(names.firstIndex(of: "a0.pcap")) > firstInA)
    }

    @Test("a batch over one folder (streamed) reports what it reports over the same folder named twice (walked first)")
    func streamedBatchEqualsWalkedBatch() throws {
        let dir = try F.make()
        defer { try? F.fm.removeItem(at: dir) }
        for jobs in [1, 2, 3] {
            let (one, outOne, _) = try F.batch([dir.path], jobs: jobs)
            let (two, outTwo, _) = try F.batch([dir.path, dir.path], jobs: jobs)
            #expect(outOne == outTwo, "jobs \(jobs)")
            #expect(one.captures.map(\.input.path) == two.captures.map(\.input.path))
            #expect(one.notes == two.notes)
        }
    }
}
