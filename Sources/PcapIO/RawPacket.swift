import NetCore

/// One packet as libpcap handed it over. `bytes` points into libpcap's buffer and is valid only
/// until the next read on the same reader: copy out what must be kept.
public struct RawPacket {
    /// 1-based number of the packet in the capture (the number Wireshark shows).
    public var number: UInt64
    /// For files: where this packet's record began in the (decompressed) file; see
    /// `CaptureReader.recordOffset` for how exact it is. Nil for live capture.
    public var fileOffset: Int64?
    public var time: Timestamp
    /// Bytes captured (`bytes.count`).
    public var capturedLength: Int
    /// Length of the packet on the wire (may exceed `capturedLength` when the snapshot cut it).
    public var wireLength: Int
    public var bytes: UnsafeRawBufferPointer

    @inlinable
    public init(number: UInt64, fileOffset: Int64?, time: Timestamp, capturedLength: Int, wireLength: Int,
                bytes: UnsafeRawBufferPointer) {
        self.number = number; self.fileOffset = fileOffset; self.time = time
        self.capturedLength = capturedLength; self.wireLength = wireLength; self.bytes = bytes
    }

    /// The packet's number and time, as later stages cite it.
    @inlinable public var stamp: PacketStamp { PacketStamp(number: number, time: time) }
}

/// Timestamp resolution of a capture file or handle.
public enum TimestampPrecision: Hashable, Sendable {
    case microseconds
    case nanoseconds
}
