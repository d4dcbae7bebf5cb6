import CZlib
import Glibc

/// What a `FILE*` made by `CookieStream.open` reads: libpcap reads a stream, and these sources
/// (a gzip file through zlib, a small file already in memory) give it one (glibc `fopencookie`).
protocol CookieSource: AnyObject {
    /// Up to `count` bytes into `buffer`: the count, 0 at the end, -1 on failure (errno set).
    func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int
    /// The new position for `offset` from `whence` (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`), or nil
    /// with errno set when the source cannot go there.
    func seek(_ offset: Int64, _ whence: Int32) -> Int64?
    /// Called once, by fclose: 0, or -1 on failure.
    func close() -> Int32
}

enum CookieStream {
    /// The source as stdio's cookie: held strongly until fclose.
    private final class Holder {
        let source: any CookieSource
        init(_ source: any CookieSource) { self.source = source }
    }

    /// A read-only `FILE*` over `source`, or nil (errno set). The stream holds a strong reference
    /// to the source, dropped by fclose after the source's `close`.
    static func open(_ source: any CookieSource) -> UnsafeMutablePointer<FILE>? {
        var io = tlsdiag_cookie_io_functions()
        io.read = cookieRead
        io.write = nil
        io.seek = cookieSeek
        io.close = cookieClose
        let cookie = Unmanaged.passRetained(Holder(source)).toOpaque()
        guard let f = tlsdiag_fopencookie(cookie, "r", io) else {
            Unmanaged<Holder>.fromOpaque(cookie).release()
            return nil
        }
        return f
    }

    private static let cookieRead: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Int = { cookie, buf, size in
        guard let cookie, let buf else { errno = EINVAL; return -1 }
        return Unmanaged<Holder>.fromOpaque(cookie).takeUnretainedValue().source.read(into: buf, count: size)
    }

    private static let cookieSeek: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<off_t>?, Int32) -> Int32 = { cookie, offset, whence in
        guard let cookie, let offset else { errno = EINVAL; return -1 }
        guard let p = Unmanaged<Holder>.fromOpaque(cookie).takeUnretainedValue().source.seek(Int64(offset.pointee), whence) else { return -1 }
        offset.pointee = off_t(p)
        return 0
    }

    private static let cookieClose: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { cookie in
        guard let cookie else { return 0 }
        let u = Unmanaged<Holder>.fromOpaque(cookie)
        let rc = u.takeUnretainedValue().source.close()
        u.release()
        return rc
    }
}
