#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor (1 for reports, 2 for errors and progress). Swift 6 rejects
/// Glibc's `stderr` global, and `print` cannot flush per line cheaply: this writes with `write(2)`.
public final class OutputSink: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private let limit: Int
    /// Flush after every line (live mode, so `| jq` sees each connection at once).
    public var lineBuffered: Bool
    /// Set when a write failed (e.g. EPIPE when `| head` closed the pipe): further writes are dropped.
    public private(set) var failed = false

    public init(fd: Int32, bufferSize: Int = 1 << 16, lineBuffered: Bool = false) {
        self.fd = fd; self.limit = bufferSize; self.lineBuffered = lineBuffered
        buffer.reserveCapacity(bufferSize)
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

    public func write(_ s: String) {
        guard !failed else { return }
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= limit || (lineBuffered && buffer.last == 0x0a) { flush() }
    }

    /// `s` and a newline (appended to the buffer as they are: no joined copy of a long line).
    public func line(_ s: String) {
        guard !failed else { return }
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        buffer.append(0x0a)
        if buffer.count >= limit || lineBuffered { flush() }
    }

    /// A line written by `body` straight into the buffer (e.g. `JSONLReport.write(_:into:)`), and a
    /// newline: no String in between.
    public func line(_ body: (inout [UInt8]) -> Void) {
        guard !failed else { return }
        body(&buffer)
        buffer.append(0x0a)
        if buffer.count >= limit || lineBuffered { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty, !failed else { buffer.removeAll(keepingCapacity: true); return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true; return
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes (not for 1 and 2).
    public func close() {
        flush()
        if fd > 2 { _ = Glibc.close(fd) }
    }

    deinit { flush() }
}
