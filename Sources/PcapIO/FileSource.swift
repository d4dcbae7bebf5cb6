import CZlib
import Glibc

/// A regular capture file presented to libpcap as a `FILE*` (glibc `fopencookie`) that reads with
/// pread at an offset of its own.
///
/// stdio's own stream reads with read(2), which in a process with threads (`tlsdiag batch`) costs
/// more than the copy it asks for on small files: the kernel locks the file position for each
/// read (the descriptor's file is then shared with the thread table), and glibc marks each call
/// for asynchronous cancellation on the way in and out. A positional read needs neither
/// (docs/performance.md, "batch"). The cookie functions: read calls `tlsdiag_pread` at the
/// offset and advances it; seek answers `SEEK_SET` and `SEEK_CUR` (so `ftello` gives the position
/// in the file); close closes the descriptor and releases the source.
final class FileSource {
    let fd: Int32
    /// Where the next read starts.
    fileprivate(set) var offset: off_t = 0

    /// Takes ownership of `fd`: it is closed with the stream (or by `deinit` if no stream is made).
    init(fd: Int32) { self.fd = fd }

    private var closed = false

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        while true {
            let n = tlsdiag_pread(fd, buffer, count, offset)
            if n < 0 && errno == EINTR { continue }
            if n > 0 { offset += off_t(n) }
            return n
        }
    }

    fileprivate func close() -> Int32 {
        guard !closed else { return 0 }
        closed = true
        return Glibc.close(fd)
    }

    deinit { _ = close() }

    /// A `FILE*` reading this file. The stream holds a strong reference, dropped by fclose.
    func makeFile() -> UnsafeMutablePointer<FILE>? {
        var io = tlsdiag_cookie_io_functions()
        io.read = fileCookieRead
        io.write = nil
        io.seek = fileCookieSeek
        io.close = fileCookieClose
        let cookie = Unmanaged.passRetained(self).toOpaque()
        guard let f = tlsdiag_fopencookie(cookie, "r", io) else {
            Unmanaged<FileSource>.fromOpaque(cookie).release()
            return nil
        }
        return f
    }
}

private let fileCookieRead: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Int = { cookie, buf, size in
    guard let cookie, let buf else { errno = EINVAL; return -1 }
    return Unmanaged<FileSource>.fromOpaque(cookie).takeUnretainedValue().read(into: buf, count: size)
}

private let fileCookieSeek: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<off_t>?, Int32) -> Int32 = { cookie, offset, whence in
    guard let cookie, let offset else { errno = EINVAL; return -1 }
    let src = Unmanaged<FileSource>.fromOpaque(cookie).takeUnretainedValue()
    let base: off_t
    switch whence {
    case SEEK_SET: base = 0
    case SEEK_CUR: base = src.offset
    default: errno = EINVAL; return -1
    }
    let (target, overflow) = base.addingReportingOverflow(offset.pointee)
    guard !overflow, target >= 0 else { errno = EINVAL; return -1 }
    src.offset = target
    offset.pointee = target
    return 0
}

private let fileCookieClose: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { cookie in
    guard let cookie else { return 0 }
    let u = Unmanaged<FileSource>.fromOpaque(cookie)
    let rc = u.takeUnretainedValue().close()
    u.release()
    return rc
}
