import CZlib
import Glibc

/// A gzip file read through zlib and presented to libpcap as a `FILE*` (`CookieStream`), so
/// `.gz` captures stream without temporary files.
///
/// Read calls `gzread`; seek answers only `SEEK_CUR 0` and `SEEK_SET 0`; close calls `gzclose`.
/// zlib failures are kept here so the reader can report zlib's message
/// instead of libpcap's generic "error reading dump file".
final class GzipSource: CookieSource {
    private var gz: gzFile?
    /// Decompressed bytes handed out so far.
    private(set) var consumed: Int64 = 0
    /// zlib's message for the first failure (corrupt data, stream cut short), if any.
    private(set) var failure: String?
    /// Bytes read ahead by `peek`, handed out again before anything else.
    private var peeked: [UInt8] = []

    private init(gz: gzFile) { self.gz = gz }

    /// Opens `path` with `gzopen`. Nil with errno set when it cannot be opened.
    static func open(path: String) -> GzipSource? {
        guard let g = gzopen(path, "rb") else { return nil }
        _ = gzbuffer(g, 256 * 1024)
        return GzipSource(gz: g)
    }

    /// Reads an open descriptor (a pipe, a device) with `gzdopen`: gzip is decompressed, anything
    /// else handed through as it is. The descriptor is closed with the source. Nil with errno set
    /// when zlib cannot take it.
    static func open(descriptor fd: Int32) -> GzipSource? {
        guard let g = gzdopen(fd, "rb") else { return nil }
        _ = gzbuffer(g, 256 * 1024)
        return GzipSource(gz: g)
    }

    /// Reads up to `count` bytes (fewer only at the end) and keeps them to be read again: the
    /// next reads start with them. Returns the count, -1 on failure.
    func peek(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        var got = 0
        while got < count {
            let n = read(into: buffer + got, count: count - got)
            if n < 0 { return -1 }
            if n == 0 { break }
            got += n
        }
        peeked = Array(UnsafeRawBufferPointer(start: buffer, count: got))
        consumed = 0
        return got
    }

    /// Reads up to `count` decompressed bytes. Returns the count, 0 at a clean end, -1 on failure
    /// (with `failure` set and errno = EIO).
    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if !peeked.isEmpty && count > 0 {
            let n = min(count, peeked.count)
            peeked.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: n) }
            peeked.removeFirst(n)
            consumed &+= Int64(n)
            return n
        }
        guard let gz else { errno = EBADF; return -1 }
        let want = UInt32(clamping: min(count, Int(Int32.max)))
        let n = gzread(gz, buffer, want)
        if n < 0 {
            recordFailure(gz)
            errno = EIO
            return -1
        }
        if n == 0 {
            var code: Int32 = Z_OK
            let msg = gzerror(gz, &code)
            // zlib reports a stream that ends before its trailer as Z_BUF_ERROR
            // ("unexpected end of file") and still returns 0: that is damage, not the end.
            if code != Z_OK {
                if failure == nil { failure = "zlib: " + (msg.map { GzipSource.withoutDescriptor(String(cString: $0)) } ?? "error \(code)") }
                errno = EIO
                return -1
            }
            return 0
        }
        consumed &+= Int64(n)
        return Int(n)
    }

    /// Whether zlib found gzip (false: it hands the bytes through as they are). Known after a read.
    var isCompressed: Bool {
        guard let gz else { return false }
        return gzdirect(gz) == 0
    }

    /// Back to the first decompressed byte.
    func rewind() -> Bool {
        guard let gz, gzrewind(gz) == 0 else { return false }
        consumed = 0
        peeked = []
        return true
    }

    func close() -> Int32 {
        guard let g = gz else { return 0 }
        gz = nil
        return gzclose(g) == Z_OK ? 0 : -1
    }

    private func recordFailure(_ gz: gzFile) {
        var code: Int32 = Z_OK
        let msg = gzerror(gz, &code)
        if failure == nil {
            let text = GzipSource.withoutDescriptor(msg.map { String(cString: $0) } ?? "")
            failure = "zlib: " + (text.isEmpty ? "error \(code)" : text)
        }
    }

    /// zlib names a source opened by descriptor "<fd:N>" in its messages: the path is in the
    /// reader's error already.
    static func withoutDescriptor(_ text: String) -> String {
        guard text.hasPrefix("<fd:"), let end = text.firstIndex(of: ">") else { return text }
        var rest = text[text.index(after: end)...]
        if rest.hasPrefix(": ") { rest = rest.dropFirst(2) }
        return String(rest)
    }

    deinit { _ = close() }

    /// `CookieSource`: only `SEEK_CUR 0` (the count of decompressed bytes handed to stdio, so
    /// `ftello` on the stream gives the position in the decompressed file) and `SEEK_SET 0`
    /// (rewind).
    func seek(_ offset: Int64, _ whence: Int32) -> Int64? {
        if whence == SEEK_CUR && offset == 0 { return consumed }
        if whence == SEEK_SET && offset == 0 {
            if rewind() { return 0 }
            errno = EIO
            return nil
        }
        errno = ESPIPE
        return nil
    }
}
