#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor (1 for reports, 2 for errors and progress). Swift 6 rejects
/// Glibc's `stderr` global, and `print` cannot flush per line cheaply: this writes with `write(2)`.
public final class OutputSink: @unchecked Sendable {
    public let fd: Int32
    /// The bytes not written yet: `count` of them, in an allocation of `capacity` bytes and
    /// `JSONOut.slack` past them (JSON lines are written straight into it, see `JSONOut(appendingTo:)`).
    @exclusivity(unchecked) var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var count = 0
    @exclusivity(unchecked) var capacity: Int
    private let limit: Int
    /// What JSON lines written into this sink keep from one line to the next (taken on the first).
    @exclusivity(unchecked) var jsonContext: JSONLineContext?
    /// `jsonContext`, unretained (set with it), for a line to use without a retain and a release.
    @exclusivity(unchecked) var jsonContextRef: Unmanaged<JSONLineContext>?
    /// Flush after every line (live mode, so `| jq` sees each connection at once).
    @exclusivity(unchecked) public var lineBuffered: Bool
    /// Set when a write failed (e.g. EPIPE when `| head` closed the pipe): further writes are dropped.
    /// (Read on every line: no dynamic exclusivity checks, each a call to swift_beginAccess.)
    @exclusivity(unchecked) public private(set) var failed = false

    public init(fd: Int32, bufferSize: Int = 1 << 16, lineBuffered: Bool = false) {
        self.fd = fd; self.limit = max(bufferSize, 1); self.lineBuffered = lineBuffered
        // Room for a full buffer and a line past it before it has to grow.
        capacity = self.limit &+ 8192
        storage = .allocate(capacity: capacity &+ JSONOut.slack)
    }

    public static let standardOutput = OutputSink(fd: 1)
    public static let standardError = OutputSink(fd: 2, lineBuffered: true)

    /// Opens (creates or truncates) a file for writing.
    public static func file(_ path: String) -> OutputSink? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        return fd < 0 ? nil : OutputSink(fd: fd)
    }

    /// Whether the descriptor is a terminal (colour and progress bars only then).
    public var isTerminal: Bool { isatty(fd) == 1 }

    /// Room for `n` more bytes.
    @inline(__always)
    private func room(_ n: Int) {
        if n > capacity &- count { grow(n) }
    }

    @inline(never)
    private func grow(_ n: Int) {
        var c = capacity &* 2
        while c &- count < n { c &*= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c &+ JSONOut.slack)
        fresh.initialize(from: storage, count: count)
        storage.deallocate()
        storage = fresh
        capacity = c
    }

    private func append(_ u: UnsafeBufferPointer<UInt8>) {
        guard let b = u.baseAddress, !u.isEmpty else { return }
        room(u.count)
        (storage + count).initialize(from: b, count: u.count)
        count &+= u.count
    }

    @inline(__always)
    private func appendByte(_ b: UInt8) {
        room(1)
        storage[count] = b
        count &+= 1
    }

    public func write(_ s: String) {
        guard !failed else { return }
        var s = s
        s.withUTF8 { append($0) }
        if count >= limit || (lineBuffered && count > 0 && storage[count &- 1] == 0x0a) { flush() }
    }

    /// `s` and a newline (appended to the buffer as they are: no joined copy of a long line).
    public func line(_ s: String) {
        guard !failed else { return }
        var s = s
        s.withUTF8 { append($0) }
        appendByte(0x0a)
        if count >= limit || lineBuffered { flush() }
    }

    /// A line written by `body` straight into the buffer (e.g. `JSONLReport.write(_:into:)`), and a
    /// newline: no String in between.
    public func line(_ body: (inout [UInt8]) -> Void) {
        guard !failed else { return }
        var bytes: [UInt8] = []
        body(&bytes)
        bytes.withUnsafeBufferPointer { append($0) }
        appendByte(0x0a)
        if count >= limit || lineBuffered { flush() }
    }

    /// Whether writes are dropped (a write failed).
    @inline(__always)
    var accepting: Bool { !failed }

    /// After a line was written into `storage` by `JSONOut(appendingTo:)`: its newline, and a flush
    /// if one is due.
    @inline(__always)
    func endLine() {
        appendByte(0x0a)
        if count >= limit || lineBuffered { flush() }
    }

    public func flush() {
        guard count > 0, !failed else { count = 0; return }
        var off = 0
        while off < count {
            let n = Glibc.write(fd, storage + off, count &- off)
            if n < 0 {
                if errno == EINTR { continue }
                failed = true; break
            }
            off &+= n
        }
        count = 0
    }

    /// Flushes and closes (not for 1 and 2).
    public func close() {
        flush()
        if fd > 2 { _ = Glibc.close(fd) }
    }

    deinit {
        flush()
        storage.deallocate()
    }
}
