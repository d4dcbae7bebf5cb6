import CZlib
import Glibc

/// A gzip file read through zlib and presented to libpcap as a `FILE*` (glibc `fopencookie`), so
/// `.gz` captures stream without temporary files.
///
/// The cookie functions are `@convention(c)`: read calls `gzread`; seek answers only
/// `SEEK_CUR 0` (with the count of decompressed bytes handed to stdio, so `ftello` on the stream
/// gives the position in the decompressed file) and `SEEK_SET 0` (rewind); close calls `gzclose`
/// and releases the source. zlib failures are kept here so the reader can report zlib's message
/// instead of libpcap's generic "error reading dump file".
final class GzipSource {
    private var gz: gzFile?
    /// Decompressed bytes handed out so far.
    private(set) var consumed: Int64 = 0
    /// zlib's message for the first failure (corrupt data, stream cut short), if any.
    private(set) var failure: String?

    private init(gz: gzFile) { self.gz = gz }

    /// Opens `path` with `gzopen`. Nil with errno set when it cannot be opened.
    static func open(path: String) -> GzipSource? {
        guard let g = gzopen(path, "rb") else { return nil }
        _ = gzbuffer(g, 256 * 1024)
        return GzipSource(gz: g)
    }

    /// Reads up to `count` decompressed bytes. Returns the count, 0 at a clean end, -1 on failure
    /// (with `failure` set and errno = EIO).
    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
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
                if failure == nil { failure = "zlib: " + (msg.map { String(cString: $0) } ?? "error \(code)") }
                errno = EIO
                return -1
            }
            return 0
        }
        consumed &+= Int64(n)
        return Int(n)
    }

    /// Back to the first decompressed byte.
    func rewind() -> Bool {
        guard let gz, gzrewind(gz) == 0 else { return false }
        consumed = 0
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
            let text = msg.map { String(cString: $0) } ?? ""
            failure = "zlib: " + (text.isEmpty ? "error \(code)" : text)
        }
    }

    deinit { _ = close() }

    /// A `FILE*` reading this source. The stream holds a strong reference, dropped by fclose.
    func makeFile() -> UnsafeMutablePointer<FILE>? {
        var io = tlsdiag_cookie_io_functions()
        io.read = gzipCookieRead
        io.write = nil
        io.seek = gzipCookieSeek
        io.close = gzipCookieClose
        let cookie = Unmanaged.passRetained(self).toOpaque()
        guard let f = tlsdiag_fopencookie(cookie, "r", io) else {
            Unmanaged<GzipSource>.fromOpaque(cookie).release()
            return nil
        }
        return f
    }
}

private let gzipCookieRead: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Int = { cookie, buf, size in
    guard let cookie, let buf else { errno = EINVAL; return -1 }
    return Unmanaged<GzipSource>.fromOpaque(cookie).takeUnretainedValue().read(into: buf, count: size)
}

private let gzipCookieSeek: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<off_t>?, Int32) -> Int32 = { cookie, offset, whence in
    guard let cookie, let offset else { errno = EINVAL; return -1 }
    let src = Unmanaged<GzipSource>.fromOpaque(cookie).takeUnretainedValue()
    if whence == SEEK_CUR && offset.pointee == 0 {
        offset.pointee = off_t(src.consumed)
        return 0
    }
    if whence == SEEK_SET && offset.pointee == 0 {
        if src.rewind() { offset.pointee = 0; return 0 }
        errno = EIO
        return -1
    }
    errno = ESPIPE
    return -1
}

private let gzipCookieClose: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { cookie in
    guard let cookie else { return 0 }
    let u = Unmanaged<GzipSource>.fromOpaque(cookie)
    let rc = u.takeUnretainedValue().close()
    u.release()
    return rc
}
