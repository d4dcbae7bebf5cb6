import NetCore
import PacketDecode

/// A range of stream offsets held beyond the in-order prefix, waiting for the hole before it.
struct HeldRange: Hashable {
    var start: UInt64
    var end: UInt64
}

/// One direction's control state, kept with the connection for its whole life (a settled
/// connection has no `Side`): the SYN, FIN and RST seen, and a copy of the stream's base taken when
/// the reassembly state is let go (`startsNewConnection` still compares a late SYN with it).
struct SideControl {
    var isn: UInt32 = 0
    /// `Side.base` and `Side.seqKnown` as they were when the connection's sides were released.
    var base: UInt32 = 0
    var seqKnown = false
    var synSeen = false
    var synAckSeen = false
    var finSeen = false
    var rstSeen = false
}

/// One direction's reassembly state. Lives in `FlowCore.sides` while the connection is not settled.
///
/// Stream offsets are 64-bit and start at 0 with the first data byte (the byte after the SYN).
/// A 32-bit sequence number is placed by serial-number arithmetic (RFC 1982 style): its signed
/// 32-bit distance (`Int32(bitPattern: seq &- ref)`) from the sequence number of `hw`, the highest
/// offset seen so far, which follows the stream, so wrap-around of the sequence space and long
/// connections are both safe as long as consecutive segments are within 2 GiB of each other.
///
/// One buffer holds the kept prefix `[0, next)` and, beyond it, the held out-of-order ranges
/// (`held`, sorted, disjoint and not touching, all starting after `next`). It starts small
/// (`FlowCore.initialBuffer`), doubles as needed, and never grows past `limit`
/// (`streamBytesPerDirection`, or less once the global `maxBufferedBytes` refused to grow it).
struct Side {
    /// `base` is known: from the SYN (ISN + 1), the SYN-ACK's acknowledgment (for the client), or
    /// the first data segment seen in this direction.
    var seqKnown = false
    /// The sequence number of stream offset 0.
    var base: UInt32 = 0
    /// The highest stream offset (end of a segment, as sent) seen in this direction.
    var hw: UInt64 = 0
    /// End of the in-order prefix: kept bytes and the gaps declared in it.
    var next: UInt64 = 0
    /// How much of the prefix the observer has been shown.
    var delivered: UInt64 = 0
    var limit: UInt64
    var buf: UnsafeMutableRawPointer? = nil
    var cap = 0
    var held: [HeldRange] = []
    /// The other side acknowledged this raw sequence number, past a hole before held bytes. The hole
    /// is declared a gap only if the sender's next segment does not fill it: captures taken on
    /// several queues (`-i any`, multi-queue NICs) can record an ACK before the data it covers.
    var pendingAck: UInt32? = nil
    var heldBytes: UInt64 = 0
    /// Gap events delivered (an index into this side's `SideFacts.gaps`) and their bytes.
    var gapsDelivered = 0
    var gapBytesDelivered: UInt64 = 0
    /// The prefix reached `limit` and was delivered: nothing more is kept, the buffer is freed.
    var done = false
    /// While the pair is in the pool (first side of the pair only): the next free pair, or -1.
    var poolNext: Int32 = -1

    init(limit: UInt64) { self.limit = limit }

    /// Back to `Side(limit:)` in place (a pooled side: its buffer already released, `held` empty,
    /// so nothing is released by assigning a whole new value).
    @inline(__always)
    mutating func reset(limit: UInt64) {
        seqKnown = false
        base = 0
        hw = 0
        next = 0
        delivered = 0
        self.limit = limit
        buf = nil
        cap = 0
        if !held.isEmpty { held = [] }
        pendingAck = nil
        heldBytes = 0
        gapsDelivered = 0
        gapBytesDelivered = 0
        done = false
    }

    @inline(__always)
    mutating func setBase(_ seq: UInt32) {
        base = seq
        seqKnown = true
        hw = 0
    }

    /// The sequence number of a stream offset.
    @inline(__always)
    func streamSeq(_ offset: UInt64) -> UInt32 { base &+ UInt32(truncatingIfNeeded: offset) }

    /// The stream offset of a sequence number, by its serial distance from `hw` (may be negative:
    /// before the stream's start).
    @inline(__always)
    func offset(of seq: UInt32) -> Int64 {
        Int64(hw) &+ Int64(Int32(bitPattern: seq &- streamSeq(hw)))
    }
}

@inline(__always)
private func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

extension FlowCore {
    /// Takes one segment's payload into a direction.
    ///
    /// Overlaps: the FIRST copy wins (as in Zeek and the Linux stack): bytes already kept, in the
    /// prefix or in held ranges, stay as they are; a segment that brings different bytes for them
    /// counts once in `conflictingOverlaps`. A segment that brings nothing new (every byte already
    /// kept, held or seen) counts in `retransmittedSegments`. Bytes past the keep limit are counted
    /// once (by the highest offset seen) in `bytesDroppedByCaps` and `SideFacts.droppedByCaps`.
    func ingest(_ slot: Int, si: Int, seq: UInt32, wire: Int, bytes: UnsafeRawPointer?, captured: Int) {
        let s = sides + si
        if !s.pointee.seqKnown { s.pointee.setBase(seq) }
        let ws = s.pointee.offset(of: seq)
        let we = ws &+ Int64(wire)
        let ce = ws &+ Int64(captured)
        let hwBefore = Int64(s.pointee.hw)
        if we > hwBefore { s.pointee.hw = UInt64(we) }
        var fresh: UInt64 = 0
        var conflict = false
        var lostDeclared = false
        if !s.pointee.done {
            let a = max(ws, 0), b = min(ce, Int64(s.pointee.limit))
            if a < b, let bytes {
                (fresh, conflict) = place(slot, si: si, from: UInt64(a), to: UInt64(b),
                                          bytes: bytes + Int(a - ws))
            }
            // Bytes the snapshot length cut off never come back (a retransmission is cut the
            // same way): when the kept prefix reaches them they are a gap at once.
            let limit = Int64(s.pointee.limit)
            if ce < we && we > 0 && ce < limit && max(ce, 0) <= Int64(s.pointee.next) {
                let lostEnd = UInt64(min(we, limit))
                if lostEnd > s.pointee.next {
                    declareGap(slot, si: si, upTo: lostEnd)
                    lostDeclared = true
                }
            }
        }
        let dir = direction(slot: slot, sideB: si & 1 == 1)
        let beyond = max(ws, Int64(s.pointee.limit), hwBefore)
        let sf = senderFacts(slot, dir)
        if we > beyond {
            let n = UInt64(we - beyond)
            counters.bytesDroppedByCaps &+= n
            sf.pointee.droppedByCaps &+= n
        }
        if conflict { sf.pointee.conflictingOverlaps &+= 1 }
        if fresh == 0 && !lostDeclared && we <= hwBefore {
            sf.pointee.retransmittedSegments &+= 1
        }
    }

    /// `ingest` of the most common segment, without its call: the next bytes in order (at the
    /// prefix's end, which is the highest offset seen), all captured, nothing held, and room for them
    /// in the buffer within the keep limit (or, for a direction's first bytes, a first buffer that
    /// `growBuffer` gives whole: about half the segments that went to `ingest` before). Its effects are exactly `ingest`'s for such a segment
    /// (the bytes copied, the prefix and the highest offset moved to their end; no counter changes:
    /// nothing dropped, retransmitted or conflicting). Returns false, having done nothing, for any
    /// other segment, which goes to `ingest`.
    @inline(__always)
    func ingestInOrder(si: Int, seq: UInt32, wire: Int, bytes: UnsafeRawPointer?, captured: Int) -> Bool {
        let s = sides + si
        let next = s.pointee.next
        guard captured == wire, let bytes, s.pointee.seqKnown, s.pointee.hw == next,
              seq == s.pointee.streamSeq(next), !s.pointee.done, s.pointee.held.isEmpty else { return false }
        // (`wire` > 0 and at most a packet's length; the sum is checked anyway.)
        let (end, o) = next.addingReportingOverflow(UInt64(wire))
        guard !o, end <= s.pointee.limit else { return false }
        let buf: UnsafeMutableRawPointer
        if let b = s.pointee.buf, end <= UInt64(s.pointee.cap) {
            buf = b
        } else if s.pointee.cap == 0 && end <= UInt64(initialBuffer) && s.pointee.limit >= UInt64(initialBuffer)
                    && buffered + initialBuffer <= maxBuffered {
            // The direction's first bytes (no buffer yet): `growBuffer` gives the first buffer
            // whole in this case (a spare, or a fresh one within the global budget), as `ingest`'s
            // `place` would have had it do. A spare is taken here, as `growBuffer` takes it,
            // without its call.
            if let spare = popSpareBuffer() {
                s.pointee.buf = spare
                s.pointee.cap = initialBuffer
                buffered += initialBuffer
                if UInt64(buffered) > counters.peakBufferedBytes { counters.peakBufferedBytes = UInt64(buffered) }
                buf = spare
            } else {
                _ = growBuffer(si: si, to: end)
                guard let b = s.pointee.buf, end <= UInt64(s.pointee.cap) else { return false }  // (never)
                buf = b
            }
        } else {
            return false
        }
        (buf + Int(next)).copyMemory(from: bytes, byteCount: wire)
        s.pointee.next = end
        s.pointee.hw = end
        return true
    }

    /// Puts the bytes for stream offsets `[a0, b0)` (`bytes` points at offset `a0`'s byte) into
    /// the buffer: compared where something is already kept (first copy wins), copied elsewhere.
    /// Returns the number of bytes newly kept and whether any kept byte differed.
    @inline(__always)
    private func place(_ slot: Int, si: Int, from a0: UInt64, to b0: UInt64,
                       bytes: UnsafeRawPointer) -> (UInt64, Bool) {
        let s = sides + si
        // The common case, without a call: in order, nothing held.
        if a0 == s.pointee.next && s.pointee.held.isEmpty {
            let b = min(b0, ensureCapacity(si: si, to: b0))
            guard b > a0, let buf = s.pointee.buf else { return (0, false) }
            (buf + Int(a0)).copyMemory(from: bytes, byteCount: Int(b - a0))
            s.pointee.next = b
            return (b - a0, false)
        }
        return placeOutOfOrder(slot, si: si, from: a0, to: b0, bytes: bytes)
    }

    /// `place` for bytes that overlap what is kept or held, or land beyond a hole.
    @inline(never)
    private func placeOutOfOrder(_ slot: Int, si: Int, from a0: UInt64, to b0: UInt64,
                                 bytes: UnsafeRawPointer) -> (UInt64, Bool) {
        let s = sides + si

        var conflict = false
        var a = a0
        while true {
            a = a0
            // Bytes already in the prefix: compare only.
            if a < s.pointee.next {
                let e = min(b0, s.pointee.next)
                if let buf = s.pointee.buf, !sameBytes(buf + Int(a), bytes + Int(a - a0), Int(e - a)) {
                    conflict = true
                }
                a = e
                if a >= b0 { return (0, conflict) }
            }
            guard a > s.pointee.next else { break }
            // Out of order: held, within the hold budget.
            let newBytes = uncovered(s.pointee.held, a, b0)
            if newBytes == 0 { break }
            if s.pointee.heldBytes &+ newBytes <= outOfOrderLimit && s.pointee.held.count < maxHeldRanges { break }
            // Over budget: give up the oldest hole as a gap (the bytes after it become in order),
            // then try again; with nothing held to give up, the segment is dropped.
            guard let first = s.pointee.held.first else {
                counters.outOfOrderSegmentsDropped &+= 1
                return (0, conflict)
            }
            let before = s.pointee.next
            declareGap(slot, si: si, upTo: first.start)
            if s.pointee.next == before {
                counters.outOfOrderSegmentsDropped &+= 1
                return (0, conflict)
            }
        }

        let b = min(b0, ensureCapacity(si: si, to: b0))
        guard b > a, let buf = s.pointee.buf else { return (0, conflict) }
        var pos = a
        var fresh: UInt64 = 0
        for h in s.pointee.held where h.end > pos && h.start < b {
            if h.start > pos {
                (buf + Int(pos)).copyMemory(from: bytes + Int(pos - a0), byteCount: Int(h.start - pos))
                fresh += h.start - pos
                pos = h.start
            }
            let e = min(h.end, b)
            if !sameBytes(buf + Int(pos), bytes + Int(pos - a0), Int(e - pos)) { conflict = true }
            pos = e
            if pos >= b { break }
        }
        if pos < b {
            (buf + Int(pos)).copyMemory(from: bytes + Int(pos - a0), byteCount: Int(b - pos))
            fresh += b - pos
        }
        if fresh > 0 {
            insertHeld(&s.pointee.held, HeldRange(start: a, end: b))
            s.pointee.heldBytes &+= fresh
            absorbHeld(si: si)
        }
        return (fresh, conflict)
    }

    /// Bytes of `[a, b)` not covered by held ranges.
    private func uncovered(_ held: [HeldRange], _ a: UInt64, _ b: UInt64) -> UInt64 {
        var n = b - a
        for h in held where h.end > a && h.start < b {
            n -= min(h.end, b) - max(h.start, a)
        }
        return n
    }

    private func insertHeld(_ held: inout [HeldRange], _ r: HeldRange) {
        var i = 0
        while i < held.count && held[i].end < r.start { i += 1 }
        var j = i
        var start = r.start, end = r.end
        while j < held.count && held[j].start <= end {
            start = min(start, held[j].start)
            end = max(end, held[j].end)
            j += 1
        }
        held.replaceSubrange(i..<j, with: CollectionOfOne(HeldRange(start: start, end: end)))
    }

    /// Moves held ranges that now touch the prefix into it.
    private func absorbHeld(si: Int) {
        let s = sides + si
        while let first = s.pointee.held.first, first.start <= s.pointee.next {
            if first.end > s.pointee.next { s.pointee.next = first.end }
            s.pointee.heldBytes &-= first.end - first.start
            s.pointee.held.removeFirst()
        }
    }

    /// Declares the bytes from the prefix's end up to `end` (at most to the first held range and
    /// the keep limit) lost: recorded in `SideFacts.gaps`, zero-filled in the buffer so that
    /// offsets stay truthful, and reported to the observer (by `deliver`) before any byte after it.
    func declareGap(_ slot: Int, si: Int, upTo end0: UInt64) {
        let s = sides + si
        let start = s.pointee.next
        var end = min(end0, s.pointee.limit)
        if let first = s.pointee.held.first { end = min(end, first.start) }
        guard end > start else { return }
        end = min(end, ensureCapacity(si: si, to: end))
        guard end > start, let buf = s.pointee.buf else { return }
        let dir = direction(slot: slot, sideB: si & 1 == 1)
        let sf = senderFacts(slot, dir)
        if sf.pointee.gaps.count >= maxGapsPerDirection {
            // Too many holes: the kept prefix ends here; held bytes are dropped and counted.
            let dropped = s.pointee.heldBytes
            counters.bytesDroppedByCaps &+= dropped
            sf.pointee.droppedByCaps &+= dropped
            s.pointee.held.removeAll()
            s.pointee.heldBytes = 0
            s.pointee.limit = start
            return
        }
        (buf + Int(start)).initializeMemory(as: UInt8.self, repeating: 0, count: Int(end - start))
        s.pointee.next = end
        sf.pointee.gaps.append(Gap(offset: start, length: end - start))
        absorbHeld(si: si)
    }

    /// An acknowledgment from the other side for offsets past a hole that has bytes held after it
    /// proves the receiver got bytes the capture missed: the hole (up to the acknowledged offset)
    /// is a gap. Returns whether a gap was declared.
    func ackProvesGaps(_ slot: Int, si: Int, ack: UInt32) -> Bool {
        let s = sides + si
        guard s.pointee.seqKnown, !s.pointee.done else { return false }
        let acked = s.pointee.offset(of: ack)
        var any = false
        while let first = s.pointee.held.first, acked > Int64(s.pointee.next) {
            let before = s.pointee.next
            declareGap(slot, si: si, upTo: min(UInt64(acked), first.start))
            if s.pointee.next == before { break }
            any = true
        }
        return any
    }

    /// Gives up every hole before held bytes (the connection is ending).
    func giveUpHoles(_ slot: Int, si: Int) {
        let s = sides + si
        while let first = s.pointee.held.first {
            let before = s.pointee.next
            declareGap(slot, si: si, upTo: first.start)
            if s.pointee.next == before { break }
        }
    }

    /// Grows a side's buffer to hold offsets below `end` (geometrically, never past the side's
    /// limit, within the global `maxBufferedBytes`). Returns how far the buffer now reaches: less
    /// than `end` when the global cap refused, in which case the side's limit drops to what it has.
    @inline(__always)
    func ensureCapacity(si: Int, to end0: UInt64) -> UInt64 {
        let s = sides + si
        let end = min(end0, s.pointee.limit)
        if end <= UInt64(s.pointee.cap) { return end }  // the common case, without a call
        return growBuffer(si: si, to: end)
    }

    /// `ensureCapacity` when the buffer must be made or grown (`end` is within the side's limit
    /// and past its capacity).
    @inline(never)
    func growBuffer(si: Int, to end: UInt64) -> UInt64 {
        let s = sides + si
        let cap = UInt64(s.pointee.cap)
        // A side's first buffer, taken from the spares: what the steps below do in that case.
        let first = UInt64(initialBuffer)
        if cap == 0 && end <= first && s.pointee.limit >= first && buffered + initialBuffer <= maxBuffered,
           let spare = popSpareBuffer() {
            s.pointee.buf = spare
            s.pointee.cap = initialBuffer
            buffered += initialBuffer
            if UInt64(buffered) > counters.peakBufferedBytes { counters.peakBufferedBytes = UInt64(buffered) }
            return end
        }
        var want = max(UInt64(initialBuffer), cap * 2)
        while want < end { want *= 2 }
        want = min(want, s.pointee.limit)
        if buffered + Int(want - cap) > maxBuffered {
            want = end
            if buffered + Int(want - cap) > maxBuffered {
                s.pointee.limit = cap
                return cap
            }
        }
        let fresh: UnsafeMutableRawPointer
        if want == UInt64(initialBuffer), let spare = popSpareBuffer() {
            fresh = spare
        } else {
            fresh = UnsafeMutableRawPointer.allocate(byteCount: Int(want), alignment: 16)
        }
        if let old = s.pointee.buf {
            fresh.copyMemory(from: old, byteCount: s.pointee.cap)
            if s.pointee.cap == initialBuffer && spareBufferCount < spareBufferLimit {
                pushSpareBuffer(old)
            } else {
                old.deallocate()
            }
        }
        s.pointee.buf = fresh
        s.pointee.cap = Int(want)
        buffered += Int(want - cap)
        if UInt64(buffered) > counters.peakBufferedBytes { counters.peakBufferedBytes = UInt64(buffered) }
        return end
    }

    /// A spare stream buffer keeps the address of the next spare in its first word (it is our
    /// own `initialBuffer`-byte allocation, holding nothing else while spare).
    @inline(__always)
    func pushSpareBuffer(_ b: UnsafeMutableRawPointer) {
        b.storeBytes(of: spareBufferHead, as: UnsafeMutableRawPointer?.self)
        spareBufferHead = b
        spareBufferCount &+= 1
    }

    @inline(__always)
    func popSpareBuffer() -> UnsafeMutableRawPointer? {
        guard let b = spareBufferHead else { return nil }
        spareBufferHead = b.load(as: UnsafeMutableRawPointer?.self)
        spareBufferCount &-= 1
        return b
    }

    func releaseBuffer(si: Int) {
        let s = sides + si
        if let b = s.pointee.buf {
            if s.pointee.cap == initialBuffer && spareBufferCount < spareBufferLimit {
                pushSpareBuffer(b)
            } else {
                b.deallocate()
            }
            buffered -= s.pointee.cap
        }
        s.pointee.buf = nil
        s.pointee.cap = 0
        if s.pointee.held.capacity > 0 { s.pointee.held = [] }
        s.pointee.heldBytes = 0
    }

    /// Shows the observer what is new in a direction: for each gap not yet reported, the bytes
    /// before it, then the gap event; then the rest of the prefix. Stops once the observer settles.
    /// `newBytes` counts everything past what was shown before, zero-filled gap bytes included
    /// (the observer was told of them); `SideFacts.streamBytes` counts real bytes only.
    @inline(__always)
    func deliver(_ slot: Int, si: Int, stamp: PacketStamp) {
        let s = sides + si
        while !conns[slot].settled {
            let dir = direction(slot: slot, sideB: si & 1 == 1)
            let sf = senderFacts(slot, dir)
            if s.pointee.gapsDelivered < sf.pointee.gaps.count {
                let g = sf.pointee.gaps[s.pointee.gapsDelivered]
                if g.offset > s.pointee.delivered {
                    showStream(slot, si: si, upTo: g.offset, direction: dir, stamp: stamp)
                    continue
                }
                s.pointee.gapsDelivered += 1
                s.pointee.gapBytesDelivered &+= g.length
                emit(slot, .gap(offset: g.offset, length: g.length), direction: dir, stamp: stamp)
                continue
            }
            if s.pointee.next > s.pointee.delivered {
                // The rest of the prefix: once shown, nothing is left to show (the observer cannot
                // add bytes or gaps; a role swap moves this side's facts and gaps along with it).
                showStream(slot, si: si, upTo: s.pointee.next, direction: dir, stamp: stamp)
            }
            break
        }
        if !conns[slot].settled && !s.pointee.done && s.pointee.next >= s.pointee.limit {
            // Nothing more will be kept or shown in this direction.
            s.pointee.done = true
            releaseBuffer(si: si)
        }
    }

    private func showStream(_ slot: Int, si: Int, upTo end: UInt64, direction dir: Direction, stamp: PacketStamp) {
        let s = sides + si
        let newBytes = Int(end - s.pointee.delivered)
        s.pointee.delivered = end
        senderFacts(slot, dir).pointee.streamBytes = end - s.pointee.gapBytesDelivered
        let stream = UnsafeRawBufferPointer(start: s.pointee.buf, count: Int(end))
        let answer = streamAdvanced(slot: slot, dir, stream: stream, newBytes: newBytes, packet: stamp)
        if answer != .more { apply(answer, slot: slot) }
    }
}
