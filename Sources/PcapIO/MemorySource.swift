import Glibc

/// A small capture, read whole into the reader's stdio buffer, handed to libpcap as a `FILE*`
/// (`CookieStream`) that reads it from there.
///
/// The stream is given the same memory as its buffer (`setvbuf`), so stdio's first fill asks for
/// the bytes where they already are: nothing is copied, and the end is known without a read call.
/// A read into other memory (a large record read past the buffer, or a fill after a seek) copies
/// with `memmove`; once that has overwritten bytes before the position, seeking back to them fails.
final class MemorySource: CookieSource {
    private let base: UnsafeMutableRawPointer
    private let count: Int
    /// Bytes handed to stdio so far (the next read starts here).
    private(set) var position = 0
    /// The file's bytes before `position` may have been overwritten.
    private var overwritten = false

    init(base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    func read(into buffer: UnsafeMutableRawPointer, count want: Int) -> Int {
        let n = min(max(0, want), count - position)
        guard n > 0 else { return 0 }
        let from = base + position
        if buffer != from {
            // Into our own bytes (stdio's buffer is this memory) or elsewhere: either way the
            // source is intact until copied, and memmove allows the overlap.
            memmove(buffer, from, n)
            if buffer < base + count && buffer + n > base { overwritten = true }
        }
        position += n
        return n
    }

    /// Moves to `offset` from `whence`; the new position, or nil (errno set) outside the file or
    /// back over overwritten bytes.
    func seek(_ offset: Int64, _ whence: Int32) -> Int64? {
        let origin: Int64
        switch whence {
        case SEEK_SET: origin = 0
        case SEEK_CUR: origin = Int64(position)
        case SEEK_END: origin = Int64(count)
        default: errno = EINVAL; return nil
        }
        let (target, overflow) = origin.addingReportingOverflow(offset)
        guard !overflow, target >= 0, target <= Int64(count) else { errno = EINVAL; return nil }
        if overwritten && target < Int64(position) { errno = ESPIPE; return nil }
        position = Int(target)
        return target
    }

    func close() -> Int32 { 0 }
}
