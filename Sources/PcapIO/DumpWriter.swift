import CPcap
import Glibc
import NetCore

/// Writes packets to a classic pcap file (`pcap_dump_open` / `pcap_dump`), for `-w FILE`.
/// Close it (or let it go) to flush; `close()` reports a failed write, deinit cannot.
public final class DumpWriter {
    public let path: String
    public let linkType: Int32
    public let precision: TimestampPrecision
    /// Packets written so far.
    public private(set) var packetsWritten: UInt64 = 0

    private let handle: PcapHandle
    private var dumper: OpaquePointer?

    /// A new file for packets of `linkType`; `precision` picks the magic (nanosecond files keep
    /// every digit of the stamps). "-" writes to standard output.
    public convenience init(path: String, linkType: Int32, snapshotLength: Int = 262_144,
                precision: TimestampPrecision = .nanoseconds) throws(CaptureError) {
        guard let h = PcapHandle.openDead(linkType: linkType, snapshotLength: Int32(clamping: snapshotLength), precision: precision) else {
            throw CaptureError(code: .writeError, path: path, reason: "pcap_open_dead failed for link type \(linkType)")
        }
        try self.init(path: path, handle: h)
    }

    /// A new file with the link type, snapshot length and precision of a live capture.
    public convenience init(path: String, for capture: LiveCapture) throws(CaptureError) {
        try self.init(path: path, handle: capture.rawHandle)
    }

    private init(path: String, handle: PcapHandle) throws(CaptureError) {
        self.path = path
        self.handle = handle
        self.linkType = handle.linkType
        self.precision = handle.timestampPrecision
        switch handle.dumpOpen(path: path) {
        case .success(let d): dumper = d
        case .failure(let f):
            let m = f.message.lowercased()
            throw CaptureError(code: m.contains("permission denied") ? .permissionDenied : (m.contains("no such file") ? .fileNotFound : .writeError),
                               path: path, reason: "libpcap: " + f.message, libpcapMessage: f.message)
        }
    }

    /// Appends one packet. Lengths are clamped to what the buffer holds.
    public func write(bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp) {
        guard let d = dumper else { return }
        var h = pcap_pkthdr()
        h.ts.tv_sec = Int(truncatingIfNeeded: time.seconds)
        h.ts.tv_usec = precision == .nanoseconds ? Int(time.nanoseconds) : Int(time.nanoseconds / 1000)
        h.caplen = UInt32(clamping: bytes.count)
        h.len = UInt32(clamping: max(wireLength, bytes.count))
        if let base = bytes.baseAddress {
            PcapDump.write(d, &h, base.assumingMemoryBound(to: UInt8.self))
        } else {
            var none: UInt8 = 0
            h.caplen = 0
            PcapDump.write(d, &h, &none)
        }
        packetsWritten &+= 1
    }

    /// Appends a packet as read.
    public func write(_ packet: RawPacket) {
        write(bytes: packet.bytes, wireLength: packet.wireLength, time: packet.time)
    }

    /// `pcap_dump_flush`; reports a failed write.
    public func flush() throws(CaptureError) {
        guard let d = dumper else { return }
        if PcapDump.flush(d) != 0 || (PcapDump.file(d).map { ferror($0) != 0 } ?? false) {
            throw CaptureError(code: .writeError, path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Flushes and closes. Further writes are ignored.
    public func close() throws(CaptureError) {
        guard let d = dumper else { return }
        defer { PcapDump.close(d); dumper = nil }
        try flush()
    }

    deinit {
        if let d = dumper { PcapDump.close(d) }
    }
}
