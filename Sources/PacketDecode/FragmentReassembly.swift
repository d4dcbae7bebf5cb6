import NetCore

/// IPv4 and IPv6 fragment reassembly with fixed bounds.
///
/// - At most `maxDatagrams` datagrams in flight, each in a 64 KiB buffer allocated the first time
///   its slot is used and reused after (so memory is bounded by maxDatagrams × 65 KiB, and the
///   steady state allocates nothing). When all slots are busy the oldest datagram is evicted.
/// - A datagram not completed within `timeoutNanoseconds` of capture time after its first
///   fragment is dropped.
/// - Fragment offsets are in 8-byte units (RFC 791, RFC 8200), so the received parts are kept as a
///   bitmap of 8-byte blocks. Overlaps: the first copy wins; an overlap that carries different
///   bytes is a conflict and is counted (RFC 5722 would drop an IPv6 datagram with overlaps; we
///   keep the first copy, as the receivers of the time mostly did, and say so in the counters).
/// - A fragment that is not the last must carry a multiple of 8 bytes; a datagram may not exceed
///   65 535 bytes; the last fragments must agree on the total: otherwise the datagram is dropped.
final class FragmentStore {
    struct Key: Equatable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        /// IPv4: the protocol (part of the key, RFC 791). IPv6: 0.
        var proto: UInt8
        var isV6: Bool
    }

    enum AddResult {
        /// Kept; the datagram is not complete yet.
        case held
        /// The datagram is complete: `bytes` (valid until the next `beginPacket`) holds the
        /// fragmentable part, `proto` is its protocol / next header.
        case complete(bytes: UnsafeRawBufferPointer, proto: UInt8, fragments: Int)
        /// The fragment (and possibly its datagram) was dropped; `fragments` counts all dropped.
        case dropped(fragments: Int)
    }

    static let bufferSize = 65_536
    static let bitmapBytes = bufferSize / 8 / 8

    struct Slot {
        var inUse = false
        var key = Key(src: IPAddress(v4: 0), dst: IPAddress(v4: 0), id: 0, proto: 0, isV6: false)
        var firstSeen: Int64 = 0
        var memory: UnsafeMutableRawPointer? = nil
        var total: Int = -1
        var blocksReceived = 0
        var fragments = 0
        /// IPv6: next header from the fragment at offset 0 (255 until seen).
        var firstProto: UInt8 = 255
    }

    let maxDatagrams: Int
    let timeoutNanoseconds: Int64
    private var slots: [Slot]
    private(set) var inFlight = 0
    /// Slot whose buffer backs the payload handed out last; not reused until the next packet.
    private var pinned = -1
    /// Something to do at the next packet: datagrams in flight or an output to release.
    var needsAttention: Bool { inFlight > 0 || pinned >= 0 }
    private var earliestDeadline: Int64 = .max

    var overlaps: UInt64 = 0
    var conflicts: UInt64 = 0
    var timedOutDatagrams: UInt64 = 0
    var evictedDatagrams: UInt64 = 0

    init(maxDatagrams: Int, timeoutNanoseconds: Int64) {
        self.maxDatagrams = max(1, maxDatagrams)
        self.timeoutNanoseconds = timeoutNanoseconds
        slots = Array(repeating: Slot(), count: self.maxDatagrams)
    }

    deinit {
        for s in slots { s.memory?.deallocate() }
    }

    /// A copy with its own buffers (copy-on-write for PacketDecoder values).
    func copy() -> FragmentStore {
        let c = FragmentStore(maxDatagrams: maxDatagrams, timeoutNanoseconds: timeoutNanoseconds)
        for i in slots.indices {
            var s = slots[i]
            if let m = s.memory {
                let n = UnsafeMutableRawPointer.allocate(byteCount: FragmentStore.bufferSize + FragmentStore.bitmapBytes, alignment: 8)
                n.copyMemory(from: m, byteCount: FragmentStore.bufferSize + FragmentStore.bitmapBytes)
                s.memory = n
            }
            c.slots[i] = s
        }
        c.inFlight = inFlight; c.pinned = pinned; c.earliestDeadline = earliestDeadline
        c.overlaps = overlaps; c.conflicts = conflicts
        c.timedOutDatagrams = timedOutDatagrams; c.evictedDatagrams = evictedDatagrams
        return c
    }

    /// Called at the start of each packet: releases the previous output and expires datagrams
    /// older than the timeout. Returns the number of fragments dropped by expiry.
    @inline(__always)
    func beginPacket(now: Int64) -> Int {
        pinned = -1
        if inFlight == 0 || now < earliestDeadline { return 0 }
        return expire(now: now)
    }

    private func expire(now: Int64) -> Int {
        var dropped = 0
        var next = Int64.max
        for i in slots.indices where slots[i].inUse {
            let deadline = slots[i].firstSeen &+ timeoutNanoseconds
            if now >= deadline {
                dropped += slots[i].fragments
                timedOutDatagrams &+= 1
                release(i)
            } else if deadline < next {
                next = deadline
            }
        }
        earliestDeadline = next
        return dropped
    }

    private func release(_ i: Int) {
        slots[i].inUse = false
        inFlight -= 1
    }

    /// Adds one fragment: `data` is its fragmentable part, `offset` in bytes, `more` the M flag,
    /// `proto` the protocol (IPv4) or the fragment header's next header (IPv6).
    func add(key: Key, offset: Int, more: Bool, proto: UInt8, data: UnsafeRawBufferPointer, now: Int64) -> AddResult {
        let len = data.count
        let end = offset &+ len
        // Shape checks first: these drop only this fragment.
        if (more && (len == 0 || len % 8 != 0)) || end > 65_535 || offset % 8 != 0 {
            return .dropped(fragments: 1)
        }
        var droppedBefore = 0
        var index = -1
        for i in slots.indices where slots[i].inUse && slots[i].key == key { index = i; break }
        if index < 0 {
            index = freeSlot(&droppedBefore)
            if index < 0 { return .dropped(fragments: 1 + droppedBefore) }
            var s = Slot()
            s.inUse = true
            s.key = key
            s.firstSeen = now
            s.memory = slots[index].memory ?? {
                let m = UnsafeMutableRawPointer.allocate(byteCount: FragmentStore.bufferSize + FragmentStore.bitmapBytes, alignment: 8)
                return m
            }()
            s.memory!.advanced(by: FragmentStore.bufferSize).initializeMemory(as: UInt8.self, repeating: 0, count: FragmentStore.bitmapBytes)
            slots[index] = s
            inFlight += 1
            let deadline = now &+ timeoutNanoseconds
            if deadline < earliestDeadline { earliestDeadline = deadline }
        }
        let mem = slots[index].memory!
        let bitmap = mem.advanced(by: FragmentStore.bufferSize).assumingMemoryBound(to: UInt8.self)

        // Consistency with what is known of the total length.
        var s = slots[index]
        if !more {
            if s.total >= 0 && s.total != end { return dropDatagram(index, plus: 1, before: droppedBefore) }
            // No block already received may lie beyond the end.
            let lastBlock = (end + 7) / 8
            var b = lastBlock
            while b & 7 != 0 {
                if bitmap[b >> 3] & (1 << UInt8(b & 7)) != 0 { return dropDatagram(index, plus: 1, before: droppedBefore) }
                b += 1
            }
            var byte = b >> 3
            while byte < FragmentStore.bitmapBytes {
                if bitmap[byte] != 0 { return dropDatagram(index, plus: 1, before: droppedBefore) }
                byte += 1
            }
            s.total = end
        } else if s.total >= 0 && end > s.total {
            return dropDatagram(index, plus: 1, before: droppedBefore)
        }
        if offset == 0 { s.firstProto = proto }

        // Copy block by block; the first copy of a block wins.
        var block = offset / 8
        var pos = 0
        var overlapped = false
        var conflicting = false
        while pos < len {
            let n = min(8, len - pos)
            let bit = UInt8(1) << UInt8(block & 7)
            let dst = mem.advanced(by: offset + pos)
            let src = data.baseAddress!.advanced(by: pos)
            if bitmap[block >> 3] & bit != 0 {
                overlapped = true
                if memcmp8(dst, src, n) == false { conflicting = true }
            } else {
                dst.copyMemory(from: src, byteCount: n)
                bitmap[block >> 3] |= bit
                s.blocksReceived += 1
            }
            pos += n
            block += 1
        }
        if overlapped { overlaps &+= 1 }
        if conflicting { conflicts &+= 1 }
        s.fragments += 1
        slots[index] = s

        if s.total >= 0 && s.blocksReceived == (s.total + 7) / 8 {
            let p: UInt8 = key.isV6 ? s.firstProto : key.proto
            let frags = s.fragments
            release(index)
            pinned = index
            if key.isV6 && p == 255 { return .dropped(fragments: frags + droppedBefore) }
            return .complete(bytes: UnsafeRawBufferPointer(start: mem, count: s.total), proto: p, fragments: frags)
        }
        return droppedBefore > 0 ? .dropped(fragments: droppedBefore) : .held
    }

    private func dropDatagram(_ i: Int, plus: Int, before: Int) -> AddResult {
        let n = slots[i].fragments + plus + before
        release(i)
        return .dropped(fragments: n)
    }

    /// A free slot, evicting the oldest datagram if all are busy (its fragments added to `dropped`).
    private func freeSlot(_ dropped: inout Int) -> Int {
        var oldest = -1
        for i in slots.indices {
            if !slots[i].inUse && i != pinned { return i }
            if slots[i].inUse && (oldest < 0 || slots[i].firstSeen < slots[oldest].firstSeen) { oldest = i }
        }
        // All in use (the pinned one holds this packet's output and is never taken): evict the
        // oldest datagram.
        guard oldest >= 0 else { return -1 }
        dropped += slots[oldest].fragments
        evictedDatagrams &+= 1
        release(oldest)
        return oldest
    }
}

@inline(__always)
private func memcmp8(_ a: UnsafeMutableRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
        return false
    }
    return true
}
