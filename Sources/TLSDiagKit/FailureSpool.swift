#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetCore
import FlowTrack
import Handshake

/// The failed connections waiting for the end of the capture, kept in an anonymous temporary file
/// rather than in memory (each is a connection's facts, 1–3 KB encoded; a large capture has tens
/// of thousands), and read back in the order they came.
///
/// Each connection is encoded (`SpillCodec`) into an in-memory batch; when the batch reaches
/// `batchBytes` it is appended to the file. The file is made in `$TMPDIR` (or `/tmp`, or the
/// directory given) when the first batch is written, and unlinked at once: nothing is left behind,
/// even if the process dies. A capture whose failures fit in one batch never makes a file. If the
/// file cannot be made or written, the batches stay in memory from then on (what was written can
/// still be read back) and `note` says so.
///
/// Record: a 4-byte little-endian length, then the capture's number (varint), the ConnectionFacts
/// and the HandshakeFacts.
final class FailureSpool {
    /// Where the file is made; nil: `$TMPDIR`, else `/tmp`.
    let directory: String?
    /// Bytes gathered in memory before they are appended to the file.
    let batchBytes: Int
    /// Connections waiting (in the file and in the batch).
    private(set) var count = 0
    /// Why the file is not used, when it is not; once set, everything stays in memory.
    private(set) var note: String?
    private(set) var fd: Int32 = -1
    /// Bytes in the file: whole batches only.
    private(set) var fileBytes = 0
    /// Batches written to the file, and the connections in them.
    private(set) var writes = 0
    private(set) var fileRecords = 0
    /// The batch not yet in the file (everything since the file failed, if it did). (Used from one
    /// thread at a time: no dynamic exclusivity checks.)
    /// (Made with the room a full batch is kept with after it is written, `flush`: made smaller, it
    /// grew three times while the first batch filled, each time copying what it held.)
    @exclusivity(unchecked) private var batch: SpillWriter
    private var captures: [String] = []
    private var lastCapture = ""
    private var lastCaptureIndex = -1
    /// ClientHellos' common parts decoded while draining (the connections that waited share them).
    private var helloMemo: SpillHelloMemo?
    /// ClientHellos whose common part the last `drain` took from the memo or the shared table
    /// rather than decoding (or the whole hello, read back before from the same bytes).
    private(set) var helloMemoHits = 0
    /// Certificate chains the last `drain` took from the shared table.
    private(set) var chainHits = 0

    init(directory: String? = nil, batchBytes: Int = 256 * 1024) {
        self.directory = directory
        self.batchBytes = max(1, batchBytes)
        batch = SpillWriter(capacity: FailureSpool.keptCapacity(self.batchBytes))
        batch.helloParts = SpillHelloParts()
        batch.shared = SpillSharedValues()
    }

    /// ClientHello common parts the appends copied rather than encoded.
    var helloPartHits: Int { batch.helloParts?.hits ?? 0 }

    /// Uses an already open file (tests: a file whose writes fail).
    init(fd: Int32, batchBytes: Int) {
        self.directory = nil
        self.batchBytes = max(1, batchBytes)
        batch = SpillWriter(capacity: FailureSpool.keptCapacity(self.batchBytes))
        self.fd = fd
        batch.helloParts = SpillHelloParts()
        batch.shared = SpillSharedValues()
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The batch's room between writes: a batch is written once it holds `batchBytes`, so it holds
    /// up to that and one record more.
    static func keptCapacity(_ batchBytes: Int) -> Int { max(64 * 1024, 2 &* min(batchBytes, 1 << 30)) }

    /// Appends one connection.
    func append(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts) {
        FailureSpool.appendRecord(capture: captureIndex(capture), facts, handshake, to: &batch)
        count += 1
        if batch.count >= batchBytes && note == nil { flush() }
    }

    /// One record: its length (4 bytes, little-endian), the capture's number, the facts.
    static func appendRecord(capture: Int, _ facts: ConnectionFacts, _ handshake: HandshakeFacts, to w: inout SpillWriter) {
        let start = w.count
        w.skip(4)
        w.uint(UInt64(capture))
        SpillCodec.write(facts, &w)
        SpillCodec.write(handshake, &w)
        // Facts are bounded by the 64 MiB per-direction stream cap, far below 4 GiB.
        w.patchU32(UInt32(truncatingIfNeeded: w.count - start - 4), at: start)
    }

    /// A record's content (after its length), which must be read whole.
    static func readRecord(_ rec: inout SpillReader) throws(SpillError) -> (capture: UInt64, facts: ConnectionFacts, handshake: HandshakeFacts) {
        let ci = try rec.uint()
        let facts = try SpillCodec.readConnectionFacts(&rec)
        var handshake = HandshakeFacts()
        try SpillCodec.readHandshakeFacts(&rec, into: &handshake)
        guard rec.remaining == 0 else { throw SpillError.malformed }
        return (ci, facts, handshake)
    }

    private func captureIndex(_ capture: String) -> Int {
        if lastCaptureIndex >= 0 && capture == lastCapture { return lastCaptureIndex }
        let i = captures.firstIndex(of: capture) ?? { captures.append(capture); return captures.count - 1 }()
        lastCapture = capture
        lastCaptureIndex = i
        return i
    }

    /// Appends the batch to the file (making it first); on failure the batch stays in memory.
    private func flush() {
        if fd < 0 {
            let dir = directory ?? Self.defaultDirectory()
            var template = Array((dir + "/tlsdiag-failures-XXXXXX").utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if made < 0 {
                note = "could not create a temporary file in \(dir) for the failed connections waiting for the end of the capture (\(Self.errorText(errno))): they are kept in memory"
                return
            }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            _ = fcntl(made, F_SETFD, FD_CLOEXEC)
            fd = made
        }
        let bytes = batch.bytes
        var off = 0
        while off < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + off, bytes.count - off, off_t(fileBytes + off))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                note = "could not write the temporary file for the failed connections waiting for the end of the capture (\(Self.errorText(n < 0 ? errno : ENOSPC))): they are kept in memory from then on"
                return
            }
            off += n
        }
        fileBytes += bytes.count
        fileRecords = count
        writes += 1
        batch.removeAll(shrinkingTo: FailureSpool.keptCapacity(batchBytes))
    }

    static func defaultDirectory() -> String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    static func errorText(_ e: Int32) -> String {
        guard let s = strerror(e) else { return "error \(e)" }
        return String(cString: s)
    }

    /// Hands every waiting connection to `body` in the order they were appended, then empties the
    /// spool (a later `append` starts a new file). Returns how many could not be read back (a read
    /// error or damaged bytes: the rest is given up), 0 normally.
    func drain(_ body: (String, ConnectionFacts, consuming HandshakeFacts) -> Void) -> Int {
        var delivered = 0
        helloMemo = SpillHelloMemo()
        let shared = batch.shared
        defer {
            helloMemoHits = (helloMemo?.hits ?? 0) &+ (helloMemo?.wholeHits ?? 0) &+ (shared?.helloHits ?? 0)
            chainHits = shared?.chainHits ?? 0
            helloMemo = nil
            // The records that referred to the table are read: a new one for the next appends.
            batch.shared = SpillSharedValues()
        }
        if fileBytes > 0 { delivered = readFile(body) }
        if delivered == fileRecords { delivered += readRecords(batch.bytes, body).records }
        let lost = count - delivered
        if fd >= 0 { close(fd); fd = -1 }
        fileBytes = 0
        fileRecords = 0
        count = 0
        batch.removeAll(shrinkingTo: 64 * 1024)
        return lost
    }

    /// Reads the file's records in 1 MiB chunks (a record longer than that gets a larger buffer).
    private func readFile(_ body: (String, ConnectionFacts, consuming HandshakeFacts) -> Void) -> Int {
        var capacity = 1 << 20
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var have = 0          // bytes in the buffer
        var fileAt = 0        // next file offset to read
        var delivered = 0
        while true {
            // Fill what room is left.
            while have < capacity && fileAt < fileBytes {
                let want = min(capacity - have, fileBytes - fileAt)
                let n = pread(fd, buffer + have, want, off_t(fileAt))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return delivered }
                have += n
                fileAt += n
            }
            let (records, used, needed) = readRecords(UnsafeRawBufferPointer(start: buffer, count: have), body)
            delivered += records
            if used < 0 { return delivered }                      // damaged
            // Keep the unread tail at the front.
            if used < have { (buffer).copyMemory(from: buffer + used, byteCount: have - used) }
            have -= used
            if fileAt >= fileBytes { return delivered }
            if needed > capacity {
                let b = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
                b.copyMemory(from: buffer, byteCount: have)
                buffer.deallocate()
                buffer = b
                capacity = needed
            }
        }
    }

    static func length(_ r: inout SpillReader) throws(SpillError) -> Int {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(try r.byte()) << (8 * UInt32(i)) }
        return Int(v)
    }

    /// Decodes the whole records at the start of `bytes`. Returns how many were handed to `body`,
    /// the bytes they took (-1 if a record is damaged) and, when a record is cut at the end, the
    /// bytes it needs whole (header included).
    private func readRecords(_ bytes: UnsafeRawBufferPointer, _ body: (String, ConnectionFacts, consuming HandshakeFacts) -> Void)
        -> (records: Int, used: Int, needed: Int) {
        var r = SpillReader(bytes)
        var records = 0
        // One reader for the records, moved from one to the next (a new one for each retained and
        // released the memo and the table).
        var rec = SpillReader(UnsafeRawBufferPointer(start: nil, count: 0))
        rec.helloMemo = helloMemo
        rec.shared = batch.shared
        while r.remaining > 0 {
            let start = r.at
            guard r.remaining >= 4, let len = try? Self.length(&r) else { return (records, start, 4) }
            guard len <= r.remaining else { return (records, start, len + 4) }
            guard let base = bytes.baseAddress else { return (records, -1, 0) }
            rec.reset(UnsafeRawBufferPointer(start: base + r.at, count: len))
            r.at += len
            do {
                let (ci, facts, handshake) = try Self.readRecord(&rec)
                guard ci < UInt64(captures.count) else { return (records, -1, 0) }
                body(captures[Int(ci)], facts, handshake)
                records += 1
            } catch {
                return (records, -1, 0)
            }
        }
        return (records, r.at, 0)
    }
}
