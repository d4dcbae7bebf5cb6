import CPcap
import Glibc
import NetCore

/// Reads a capture file: classic pcap (either byte order, micro- or nanosecond stamps), pcapng,
/// and either of them gzip-compressed (recognised by the magic bytes 1f 8b, not by the name,
/// and decompressed while reading, without temporary files).
///
/// Timestamps always come out in nanoseconds (libpcap scales microsecond files up).
///
/// ```swift
/// let reader = try CaptureReader(path: "capture.pcap.gz")
/// while let packet = try reader.next() { … packet.bytes is valid until the next call … }
/// ```
///
/// `dispatch(user:_:)` reads every packet through `pcap_dispatch` instead, to a C callback that
/// calls `taken` (libpcap's savefile `pcap_next_ex` is itself a one-packet dispatch: its call,
/// its callback into libpcap's own buffer and its return cost about 75 instructions a packet,
/// where `pcap_dispatch`'s loop costs about 20; `PacketPipeline.readAll` reads this way).
public final class CaptureReader {
    /// The container format found in the (decompressed) file.
    public enum Format: Hashable, Sendable {
        /// Classic pcap. `swapped`: written in the other byte order than this machine's.
        case pcap(precision: TimestampPrecision, swapped: Bool)
        /// pcapng. `swapped` describes the first section.
        case pcapng(swapped: Bool)
        /// A format libpcap read but whose magic we did not recognise.
        case other
    }

    public let path: String
    public let format: Format
    /// The file is gzip-compressed; offsets are in the decompressed stream.
    public let isCompressed: Bool
    /// `pcap_datalink`: the DLT_ value (libpcap maps the file's LINKTYPE_ value to it).
    public let linkType: Int32
    /// `pcap_datalink_val_to_name`, e.g. "EN10MB", "LINUX_SLL2"; "DLT 1234" when libpcap has no name.
    public let linkTypeName: String
    /// `pcap_snapshot`.
    public let snapshotLength: Int
    /// The file's size on disk (compressed, for `.gz`), from `fstat` of the opened file; -1 if unknown.
    public let fileSize: Int64

    /// Number of the packet last returned (1-based; 0 before the first).
    public var packetNumber: UInt64 { packetCount }
    /// Byte offset in the (decompressed) file where the record of the packet last returned began.
    ///
    /// Classic pcap: exact (24-byte file header plus, per record, its 16-byte header and captured
    /// bytes; when libpcap clamped a record to the snapshot length the true end is taken from the
    /// stream position). pcapng: the stream position where libpcap started reading for this packet,
    /// which is the packet block itself unless non-packet blocks (interface description, name
    /// resolution, statistics, a new section) stand between it and the previous packet, in which
    /// case it is the first of those blocks.
    public var recordOffset: Int64 { recordStart }
    /// Records whose captured length exceeded the file's snapshot length: libpcap keeps the first
    /// `snapshotLength` bytes and discards the rest. Counted so that it is not silent.
    @exclusivity(unchecked) public private(set) var clampedRecords: UInt64 = 0

    private let handle: PcapHandle
    /// `handle.raw`, for the inlined `next()`; valid as long as `handle` (the reader's life).
    @usableFromInline let pcap: OpaquePointer
    private let file: UnsafeMutablePointer<FILE>
    private let gzip: GzipSource?
    @usableFromInline let recordHeaderSize: Int64
    @usableFromInline let isClassic: Bool
    // Updated on every packet: no dynamic exclusivity checks (a reader is used from one thread).
    // Internal storage behind `packetNumber` and `recordOffset`, so that the inlined `next()` can
    // update them.
    @usableFromInline @exclusivity(unchecked) var packetCount: UInt64 = 0
    @usableFromInline @exclusivity(unchecked) var recordStart: Int64 = 0
    @usableFromInline @exclusivity(unchecked) var nextOffset: Int64
    @usableFromInline @exclusivity(unchecked) var finished = false

    /// Opens `path`. Checks first that it exists and is readable, so that a missing file or a
    /// permission problem is reported as such rather than as libpcap's generic message.
    public convenience init(path: String) throws(CaptureError) {
        try self.init(path: path, readingWholeBelow: CaptureReader.streamBufferSize)
    }

    /// `readingWholeBelow`: a regular file smaller than this many bytes (at most
    /// `streamBufferSize`) is read whole into memory first; a larger one is read as a stream. The
    /// tests read the same files both ways.
    init(path: String, readingWholeBelow wholeLimit: Int) throws(CaptureError) {
        self.path = path
        // Open first, then look at what was opened (one path lookup, not two): a missing file or a
        // permission problem is reported as such rather than as libpcap's generic message.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw CaptureError(code: .forOpen(errno: e), path: path, reason: String(cString: strerror(e)))
        }
        var st = stat()
        let statted = fstat(fd, &st) == 0
        if statted && (st.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(fd)
            throw CaptureError(code: .readError, path: path, reason: "is a directory")
        }
        // A regular file can be looked at twice; a pipe or a device (`tcpdump -w - | tlsdiag analyze
        // /dev/stdin`) cannot.
        let regular = statted && (st.st_mode & S_IFMT) == S_IFREG
        let size = regular ? Int64(st.st_size) : -1
        // The stream's buffer (256 KiB: a small capture is read by one read call).
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: CaptureReader.streamBufferSize, alignment: 16)

        // Peek at the first bytes: gzip or not, and which capture format. A small regular file is
        // read whole (below); a larger one is peeked at with pread, leaving the descriptor where it
        // is (a read, then a seek back to the start, cost three lseek calls a file: a batch opens
        // thousands).
        var head = [UInt8](repeating: 0, count: 24)
        var headCount = 0
        var readFailed = false
        var gz: GzipSource? = nil
        var opened: UnsafeMutablePointer<FILE>? = nil
        var peeked = false
        let small = regular && size > 0 && size < Int64(min(wholeLimit, CaptureReader.streamBufferSize))
        if small, let got = CaptureReader.readWhole(fd, into: buffer, expected: Int(size)) {
            // A small file (most of a batch's) is read whole by one read call into the stream's
            // buffer, and its descriptor closed at once; stdio then finds the bytes already in its
            // buffer (`MemorySource`). No peek with pread, no read that finds the end, no stdio
            // stream on the descriptor: open, fstat, read and close instead of open, fstat, pread,
            // two reads and close. What `fstat` gave is what is read: bytes appended after it are
            // not (a file being written is read as it was when opened).
            head.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: buffer, count: min(24, got))) }
            headCount = min(24, got)
            peeked = true
            if headCount >= 2 && head[0] == 0x1f && head[1] == 0x8b {
                // gzip: read through zlib below, from the path.
            } else if let memory = CookieStream.open(MemorySource(base: buffer, count: got)) {
                _ = Glibc.close(fd)
                setvbuf(memory, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, CaptureReader.streamBufferSize)
                opened = memory
            } else {
                peeked = false
            }
        }
        if peeked {
            // (Read whole above.)
        } else if regular {
            // (Back to the start if a small file's whole read was tried and given up.)
            if small { _ = lseek(fd, 0, SEEK_SET) }
            headCount = head.withUnsafeMutableBytes { CaptureReader.preadFully(fd, $0) }
            readFailed = headCount < 0
            headCount = max(0, headCount)
        } else {
            // Through zlib, which decompresses gzip and hands anything else through as it is, with
            // the first bytes kept to be read again: nothing is read twice from the pipe. (The
            // source closes the descriptor.)
            guard let g = GzipSource.open(descriptor: fd) else {
                let e = errno
                _ = Glibc.close(fd)
                buffer.deallocate()
                throw CaptureError(code: .readError, path: path, reason: "cannot read: " + String(cString: strerror(e)))
            }
            headCount = head.withUnsafeMutableBytes { g.peek(into: $0.baseAddress!, count: 24) }
            guard headCount >= 0, let f = CookieStream.open(g) else {
                buffer.deallocate()
                throw CaptureError(code: .readError, path: path, byteOffset: 0,
                                   reason: g.failure ?? "cannot read: " + String(cString: strerror(errno)))
            }
            gz = g
            opened = f
            setvbuf(f, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, CaptureReader.streamBufferSize)
        }
        // (Through the pipe's source, the bytes peeked are decompressed already: zlib tells.)
        let compressed = regular ? headCount >= 2 && head[0] == 0x1f && head[1] == 0x8b : gz?.isCompressed == true
        if regular && compressed {
            _ = Glibc.close(fd)
            guard let g = GzipSource.open(path: path) else {
                let e = errno
                buffer.deallocate()
                throw CaptureError(code: e == EACCES ? .permissionDenied : .readError, path: path,
                                   reason: "zlib: cannot open: " + String(cString: strerror(e)))
            }
            headCount = head.withUnsafeMutableBytes { b in g.read(into: b.baseAddress!, count: 24) }
            if headCount < 0 || !g.rewind() {
                buffer.deallocate()
                throw CaptureError(code: .decompressionError, path: path, byteOffset: 0,
                                   reason: g.failure ?? "zlib: cannot read the compressed stream")
            }
            guard let f = CookieStream.open(g) else {
                buffer.deallocate()
                throw CaptureError(code: .readError, path: path, reason: "fopencookie failed: " + String(cString: strerror(errno)))
            }
            gz = g
            opened = f
            // A larger stdio buffer than the 4 KiB default: fewer read calls (measured, see README).
            setvbuf(f, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, CaptureReader.streamBufferSize)
        } else if readFailed {
            let e = errno
            _ = Glibc.close(fd); buffer.deallocate()
            throw CaptureError(code: .readError, path: path, byteOffset: 0, reason: String(cString: strerror(e)))
        }
        if opened == nil {
            // A larger regular file (the only case left with `fd` open and no stream): stdio on its
            // descriptor, with the large buffer before the first read.
            guard let plain = fdopen(fd, "rb") else {
                let e = errno
                _ = Glibc.close(fd); buffer.deallocate()
                throw CaptureError(code: .readError, path: path, reason: "cannot read: " + String(cString: strerror(e)))
            }
            setvbuf(plain, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, CaptureReader.streamBufferSize)
            opened = plain
        }
        let stream = opened!

        // The stream is this reader's alone, read from one thread (a `CaptureReader` is not
        // `Sendable`): stdio need not lock it around each of libpcap's two `fread` calls a packet.
        _ = __fsetlocking(stream, Int32(FSETLOCKING_BYCALLER))

        let handle: PcapHandle
        switch PcapHandle.openOffline(file: stream, precision: .nanoseconds) {
        case .success(let h):
            handle = h
            h.ownedBuffer = buffer
        case .failure(let f):
            fclose(stream)
            buffer.deallocate()
            if let gz, let z = gz.failure {
                throw CaptureError(code: .decompressionError, path: path, byteOffset: 0,
                                   reason: z + "; libpcap: " + f.message, libpcapMessage: f.message)
            }
            var code = CaptureError.Code.classify(libpcapMessage: f.message, opening: true)
            var reason = "libpcap: " + f.message
            if code == .notACapture {
                let shown = head.prefix(max(0, min(headCount, 4))).map { b in
                    let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h
                }.joined(separator: " ")
                reason += "; first bytes: " + (shown.isEmpty ? "none" : shown)
                    + "; expected pcap (a1 b2 c3 d4 or d4 c3 b2 a1), pcapng (0a 0d 0d 0a) or gzip (1f 8b)"
            }
            if headCount == 0 { code = .truncatedHeader; reason += "; the file is empty" }
            throw CaptureError(code: code, path: path, byteOffset: 0, reason: reason, libpcapMessage: f.message)
        }
        self.handle = handle
        self.pcap = handle.raw
        self.file = stream
        self.gzip = gz
        self.isCompressed = compressed
        self.linkType = handle.linkType
        self.linkTypeName = PcapHandle.linkTypeName(handle.linkType) ?? "DLT \(handle.linkType)"
        self.snapshotLength = Int(handle.snapshotLength)
        self.fileSize = size

        let magicLE = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
        let magicBE = magicLE.byteSwapped
        let hostLE = UInt32(1).littleEndian == 1
        var classic = true
        var headerSize: Int64 = 16
        switch (magicLE, magicBE) {
        case (0xa1b2_c3d4, _), (_, 0xa1b2_c3d4):
            format = .pcap(precision: .microseconds, swapped: (magicLE == 0xa1b2_c3d4) != hostLE)
        case (0xa1b2_3c4d, _), (_, 0xa1b2_3c4d):
            format = .pcap(precision: .nanoseconds, swapped: (magicLE == 0xa1b2_3c4d) != hostLE)
        case (0xa1b2_cd34, _), (_, 0xa1b2_cd34):
            // Alexey Kuznetzov's patched libpcap: 24-byte record headers.
            format = .pcap(precision: .microseconds, swapped: (magicLE == 0xa1b2_cd34) != hostLE)
            headerSize = 24
        case (0x0a0d_0d0a, _):
            let bom = UInt32(head[8]) | UInt32(head[9]) << 8 | UInt32(head[10]) << 16 | UInt32(head[11]) << 24
            format = .pcapng(swapped: (bom == 0x1a2b_3c4d) != hostLE)
            classic = false
        default:
            format = .other
            classic = false
        }
        self.isClassic = classic
        self.recordHeaderSize = headerSize
        if gz == nil && !classic {
            // glibc's ftello asks the kernel (lseek) each time unless the stream's offset is
            // cached; one seek to where we are caches it, and reads keep it current. That made
            // pcapng reading 2.5× faster (4.1 → 10 Mpkt/s on a 1 M packet file, bench-decode).
            // (A classic file asks only for a record clamped to the snapshot length.)
            _ = fseeko(stream, 0, SEEK_CUR)
        }
        self.nextOffset = classic ? 24 : Int64(ftello(stream))
    }

    /// The whole of a regular file of `expected` bytes (its `fstat` size), read from the start of
    /// `fd` into `buffer` (`streamBufferSize` bytes): the count read, or nil when it is not all there
    /// (a failed read, or more bytes than the buffer holds: the file grew), and the caller reads
    /// it as a stream instead. It stops at `expected` bytes without reading on to find the end.
    static func readWhole(_ fd: Int32, into buffer: UnsafeMutableRawPointer, expected: Int) -> Int? {
        var got = 0
        while got < expected {
            let n = read(fd, buffer + got, streamBufferSize - got)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }   // shorter than fstat said: it was cut while being opened
            got += n
            if got == streamBufferSize { return nil }
        }
        return got > 0 ? got : nil
    }

    /// Up to `buffer.count` bytes from the start of `fd` (fewer only at its end); -1 on failure.
    static func preadFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var got = 0
        while got < buffer.count {
            let n = pread(fd, base + got, buffer.count - got, off_t(got))
            if n < 0 { if errno == EINTR { continue }; return -1 }
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// Stdio buffer size for the capture stream.
    static let streamBufferSize = 256 * 1024

    /// The next packet, or nil at the end of the file. After an error or the end, returns nil.
    ///
    /// libpcap's own checks apply: a record longer than the snapshot length but within the
    /// link type's maximum is clamped (counted in `clampedRecords`); one beyond the maximum is
    /// `.badRecordLength`; a record with caplen 0 is delivered with no bytes (libpcap accepts it).
    ///
    /// Inlinable: in a read loop the call, the optional `RawPacket` and the bookkeeping fold into
    /// the caller (with `PacketPipeline`'s own per-packet work, what tlsdiag adds to the plain
    /// `pcap_next_ex` loop fell from 166 to 102 instructions a packet on the generated handshake
    /// capture). The rare cases (end, errors, a record as long as the snapshot length, pcapng)
    /// are out of line.
    @inlinable @inline(__always)
    public func next() throws(CaptureError) -> RawPacket? {
        if finished { return nil }
        var hdr: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        let start = nextOffset
        let rc = pcap_next_ex(pcap, &hdr, &data)
        guard rc == 1, let hdr else { return try ended(rc, at: start) }
        return taken(hdr, data)
    }

    /// The packet libpcap just read (its record header and bytes), with the reader's count and
    /// offsets moved past it: `next`'s bookkeeping, for a `dispatch` callback (once per packet).
    @inlinable @inline(__always)
    public func taken(_ hdr: UnsafePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>?) -> RawPacket {
        let start = nextOffset
        let caplen = hdr.pointee.caplen
        let wireLength = hdr.pointee.len
        let ts = hdr.pointee.ts
        packetCount &+= 1
        recordStart = start
        if isClassic && Int(caplen) != snapshotLength {
            // Classic pcap, not clamped: the record is its header and the captured bytes.
            nextOffset = start &+ recordHeaderSize &+ Int64(caplen)
        } else {
            advanceOffset(start: start, capturedLength: caplen)
        }
        let count = Int(caplen)
        let bytes = data.map { UnsafeRawBufferPointer(start: $0, count: count) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        return RawPacket(number: packetCount, fileOffset: start, time: CaptureReader.timestamp(ts),
                         capturedLength: bytes.count, wireLength: Int(wireLength), bytes: bytes)
    }

    /// Every packet left, in order, to `callback` (with `user`), then the end as `next` reports
    /// it: returns at a clean end, throws what `next` throws. The callback must call `taken` once
    /// for its packet (the reader's count and offsets), and must not call the reader otherwise.
    /// The same packets, numbers, offsets and errors as a loop over `next`, read through
    /// `pcap_dispatch`: libpcap's loop calls back for each packet, where `pcap_next_ex` made a
    /// one-packet dispatch, a callback into its own buffer and a return per packet.
    public func dispatch(user: UnsafeMutableRawPointer, _ callback: pcap_handler) throws(CaptureError) {
        if finished { return }
        while true {
            // (A count of -1: every packet to the end or the first error; libpcap returns how
            // many it read, 0 at the end, a negative code on an error.)
            let rc = pcap_dispatch(pcap, -1, callback, user.assumingMemoryBound(to: UInt8.self))
            if rc > 0 { continue }
            // As `next` at its end: at the offset the next record would have begun at.
            _ = try ended(rc == 0 ? PCAP_ERROR_BREAK : rc, at: nextOffset)
            return
        }
    }

    /// `pcap_next_ex` gave no packet: the end of the file, or an error.
    @usableFromInline @inline(never)
    func ended(_ rc: Int32, at start: Int64) throws(CaptureError) -> RawPacket? {
        finished = true
        if rc == PCAP_ERROR_BREAK { return try checkCleanEnd(start) }
        throw readError(at: start)
    }

    /// Where the next record starts, when the stream must be asked: a classic record whose
    /// captured length is the snapshot length (libpcap may have clamped it), or pcapng.
    @usableFromInline @inline(never)
    func advanceOffset(start: Int64, capturedLength: UInt32) {
        let expected = start &+ recordHeaderSize &+ Int64(capturedLength)
        if isClassic {
            // Possibly clamped: libpcap read more than it reports. Ask the stream.
            let pos = Int64(ftello(file))
            if pos > expected { clampedRecords &+= 1 }
            nextOffset = pos >= expected ? pos : expected
        } else {
            let pos = Int64(ftello(file))
            nextOffset = pos >= 0 ? pos : expected
        }
    }

    /// At libpcap's end of file: a gzip stream that failed is damage, not the end.
    private func checkCleanEnd(_ start: Int64) throws(CaptureError) -> RawPacket? {
        if let z = gzip?.failure {
            throw CaptureError(code: .decompressionError, path: path, packetNumber: packetCount &+ 1,
                               byteOffset: start, reason: z)
        }
        return nil
    }

    private func readError(at start: Int64) -> CaptureError {
        let msg = handle.lastError
        let failing = packetCount &+ 1
        if let z = gzip?.failure {
            return CaptureError(code: .decompressionError, path: path, packetNumber: failing, byteOffset: start,
                                reason: z + "; libpcap: " + msg, libpcapMessage: msg)
        }
        return CaptureError(code: CaptureError.Code.classify(libpcapMessage: msg, opening: false), path: path,
                            packetNumber: failing, byteOffset: start, reason: "libpcap: " + msg, libpcapMessage: msg)
    }

    @inlinable @inline(__always)
    static func timestamp(_ tv: timeval) -> Timestamp {
        // With nanosecond precision libpcap puts nanoseconds in tv_usec. Normalise anything out
        // of range (damaged files) instead of trapping.
        var sec = Int64(tv.tv_sec)
        var ns = Int64(tv.tv_usec)
        if ns < 0 || ns >= 1_000_000_000 {
            sec = sec &+ ns / 1_000_000_000
            ns %= 1_000_000_000
            if ns < 0 { ns += 1_000_000_000; sec = sec &- 1 }
        }
        return Timestamp(seconds: sec, nanoseconds: UInt32(truncatingIfNeeded: ns))
    }
}
