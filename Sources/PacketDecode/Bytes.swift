// Big-endian loads over the packet bytes. Callers check bounds first (once per header, at its
// entry); these only read.
extension UnsafeRawBufferPointer {
    @inlinable @inline(__always)
    func u8(_ o: Int) -> UInt8 { load(fromByteOffset: o, as: UInt8.self) }

    @inlinable @inline(__always)
    func be16(_ o: Int) -> UInt16 { UInt16(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self)) }

    @inlinable @inline(__always)
    func be32(_ o: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }

    @inlinable @inline(__always)
    func le32(_ o: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }

    @inlinable @inline(__always)
    func be64(_ o: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)) }

    /// Bytes `start..<end` as a buffer of their own (empty when the range is empty).
    @inlinable @inline(__always)
    func slice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        guard end > start, let base = baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + start, count: end &- start)
    }
}

// The same over a base pointer unwrapped once (the fast path), for offsets the caller has checked.
extension UnsafeRawPointer {
    @inlinable @inline(__always)
    func u8(_ o: Int) -> UInt8 { load(fromByteOffset: o, as: UInt8.self) }

    @inlinable @inline(__always)
    func be16(_ o: Int) -> UInt16 { UInt16(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self)) }

    @inlinable @inline(__always)
    func be32(_ o: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }

    @inlinable @inline(__always)
    func be64(_ o: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)) }

    @inlinable @inline(__always)
    func le32(_ o: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
}
