import NetCore
import Synchronization
import PacketDecode

/// The flag bits as on the wire (RFC 9293, 3.1), tested without the option set's static
/// members (which live in another module and are reached through an accessor call each).
extension TCPFlags {
    @inline(__always) var hasFin: Bool { rawValue & 0x01 != 0 }
    @inline(__always) var hasSyn: Bool { rawValue & 0x02 != 0 }
    @inline(__always) var hasRst: Bool { rawValue & 0x04 != 0 }
    @inline(__always) var hasAck: Bool { rawValue & 0x10 != 0 }
    @inline(__always) var hasFinOrRst: Bool { rawValue & 0x05 != 0 }
}

/// A connection's facts, in `FlowCore.cells` beside its `Conn`. Noncopyable so that `cells[slot]`
/// can be lent as a borrow: a copyable value read through a pointer for a call the compiler cannot
/// see into is copied first (a retain of each gap list, then a release and a destroy), since
/// nothing proves the callee leaves the memory alone. The observer's by-value parameter still gets
/// a bitwise copy of the struct (it is passed in memory), but no retain.
@usableFromInline
struct FactsCell: ~Copyable {
    @usableFromInline var facts: ConnectionFacts
}

/// One tracked connection. Lives in `FlowCore.conns`, its facts at the same index of
/// `FlowCore.cells` (initialized only while the slot is in use). Until its handshake is settled, its two
/// reassembly sides live in `FlowCore.sides` at `2 * pair` (side A of the key) and `2 * pair + 1`
/// (side B); a settled connection (most of those lingering after their close) keeps only
/// `ctl`, and its pair goes back to the pool.
struct Conn {
    var key: FlowKey
    /// The client is the key's side A.
    var clientIsA: Bool
    /// Running number (`FlowCore.noteRun`) of the connection's latest activity not yet applied to
    /// the lists, or -1 when it has none (then it is not in `FlowCore.pending`, or only as a stale
    /// entry of a finished connection). (Declared here, it takes the padding after `clientIsA`: a
    /// `Conn` stays 112 bytes.)
    var notedAt: Int32 = -1
    /// Latest packet time (ns), never moving backwards.
    var lastNs: Int64
    /// Links of the activity list the connection is on (or of the free list).
    var prev: Int32 = -1
    var next: Int32 = -1
    /// 0: not listed (free), 1: open list, 2: closed list.
    var list: UInt8 = 0
    /// FIN from both sides, or an RST.
    var closed = false
    var settled = false
    /// The connection's pair of `Side`s in `FlowCore.sides`, or -1 once they are released.
    var pair: Int32 = -1
    /// Side A's and side B's control state.
    var ctlA = SideControl()
    var ctlB = SideControl()
}

/// The connection table's machinery, generic over the observer type so that where a table is
/// made for a known observer (`FlowTable<HandshakeObserver>` in the pipeline) its code is
/// specialized for that type (FlowTrack is built with cross-module optimization, Package.swift) and
/// the five calls below go straight to `ObservedCore`'s inlinable methods: no indirect call through
/// a closure, no context, no spill around an opaque call. Elsewhere (tests) it is the same code,
/// generic. The calls happen synchronously and must not call back into the core. The connection's
/// facts are at `cells[slot]` meanwhile. (`ObservedCore` is the only subclass: every core is one.)
@usableFromInline
class FlowCore<Observer: ConnectionObserver> {
    let config: FlowConfig
    @exclusivity(unchecked) var counters = FlowCounters()

    /// The core as what it always is (`ObservedCore` is the one subclass, and every core is made as one).
    @inline(__always) final var observed: ObservedCore<Observer> { unsafeDowncast(self, to: ObservedCore<Observer>.self) }

    @inline(__always) final func connectionCreated(slot: Int) { observed.created(slot: slot) }
    @inline(__always) final func streamAdvanced(slot: Int, _ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                                packet: PacketStamp) -> Interest {
        observed.advanced(slot: slot, direction, stream: stream, newBytes: newBytes, packet: packet)
    }
    @inline(__always) final func tcpEvent(slot: Int, _ event: TCPEvent, direction: Direction, packet: PacketStamp) {
        observed.event(slot: slot, event, direction: direction, packet: packet)
    }
    @inline(__always) final func connectionSettled(slot: Int) { observed.settled(slot: slot) }
    @inline(__always) final func connectionFinished(slot: Int) { observed.finished(slot: slot) }

    // Limits, sanitized.
    let streamLimit: UInt64
    let outOfOrderLimit: UInt64
    let maxConnections: Int
    let maxBuffered: Int
    let idleNs: Int64
    let lingerNs: Int64
    /// The smaller of `idleNs` and `lingerNs`: a connection quiet for less ends neither way.
    let quietLimit: Int64
    /// Held (out-of-order) ranges per direction before the oldest hole is given up as a gap.
    let maxHeldRanges = 64
    /// Gaps recorded per direction before the direction stops being kept (bounds `SideFacts.gaps`
    /// whatever the capture; a stream that broken is not worth reading further).
    let maxGapsPerDirection = 256
    /// A stream buffer's first size.
    let initialBuffer = 2048

    let seed: UInt64

    // Connection storage: of the first `used` slots, those of tracked connections are
    // initialized (each is on the open or the closed list); the others are uninitialized and
    // chained from `freeSlotHead` through their `Conn.next` (a `Conn` is plain data: writing its
    // link into a free slot needs no initialization). The sides are a pool of pairs for the
    // connections not settled: `pairsUsed` pairs are initialized, the free ones (their buffers
    // released) chained from `freePairHead` through their first side's `poolNext`, `freePairCount`
    // of them. (Two linked stacks rather than arrays: no uniqueness check or call per push and pop.)
    @exclusivity(unchecked) var conns: UnsafeMutablePointer<Conn>
    @usableFromInline @exclusivity(unchecked) var cells: UnsafeMutablePointer<FactsCell>
    @exclusivity(unchecked) var sides: UnsafeMutablePointer<Side>
    @exclusivity(unchecked) var capacity = 0
    @exclusivity(unchecked) var used = 0
    @exclusivity(unchecked) var pairCapacity = 0
    @exclusivity(unchecked) var pairsUsed = 0
    @exclusivity(unchecked) var freePairHead: Int32 = -1
    @exclusivity(unchecked) var freePairCount = 0
    @exclusivity(unchecked) var freeSlotHead: Int32 = -1
    /// Stream buffers of `initialBuffer` bytes let go of, kept for the next connection instead of
    /// a `free` and a `malloc` (at most `spareBufferLimit`; not counted in `buffered`): a stack
    /// linked through the buffers themselves (`pushSpareBuffer`, `popSpareBuffer`).
    @exclusivity(unchecked) var spareBufferHead: UnsafeMutableRawPointer? = nil
    @exclusivity(unchecked) var spareBufferCount = 0
    let spareBufferLimit = 256
    @exclusivity(unchecked) var active = 0
    @exclusivity(unchecked) var index = FlowIndex()

    // Activity lists, most recent at the head. Open connections expire after `idleNs`, closed ones
    // after `lingerNs`; each list is in activity order so `expire` looks only at its tails.
    //
    // A packet does not move its connection in the lists: it gives the connection the next running
    // number (`noteRun`, kept in `Conn.notedAt`) and, if the connection had no activity noted since
    // the last application, appends its slot to `pending` (one entry a connection, not a packet).
    // `applyActivity` moves the connections later, in one pass in the order of their running
    // numbers, before anything looks at the lists (`expire`, `evictOne`, `finishAll`,
    // `FlowTable.forEachUnsettled`, `deinit`) or when `pending` or the running numbers are used up.
    // The lists then come out exactly as moving each connection to the front of its list at each of
    // its packets would leave them (see `applyActivity`); a new connection joins its list the same way.
    @exclusivity(unchecked) var openHead: Int32 = -1
    @exclusivity(unchecked) var openTail: Int32 = -1
    @exclusivity(unchecked) var closedHead: Int32 = -1
    @exclusivity(unchecked) var closedTail: Int32 = -1
    /// Slots with activity not yet applied to the lists, each once in the order its connection was
    /// first noted since the last application (a finished connection's slot may stay as a stale
    /// entry, its `notedAt` -1, and be there again for the slot's next connection). Holds
    /// `pendingCapacity` entries of 8 bytes: `applyActivity` turns the slots in place into sort keys
    /// (running number and slot), and sorts them with `sortScratch`.
    @exclusivity(unchecked) var pending: UnsafeMutablePointer<UInt64>
    /// The radix sort's second buffer (`pendingCapacity` keys) and its 256 counts after them.
    @exclusivity(unchecked) var sortScratch: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) var pendingCount = 0
    /// Entries `pending` takes before the activity is applied and it starts again: at most
    /// `pendingCapacity`; smaller only in tests, which make the notes fill up with a few connections.
    @exclusivity(unchecked) var pendingLimit = FlowCore.pendingCapacity
    /// 4,096 connections: 32 KiB of keys and 32 KiB to sort them with (8,192 cost 64 KiB more
    /// and 4 instructions a connection more on the 100 MB handshake capture).
    static var pendingCapacity: Int { 4096 }
    /// The running number the next activity gets (from 0 after each application).
    @exclusivity(unchecked) var noteRun: Int32 = 0
    /// When `noteRun` reaches this, the activity is applied first (few connections with many
    /// packets never fill `pending`). At most `1 << 24`, so that the keys sort in three radix
    /// passes of a byte at most; smaller only in tests.
    @exclusivity(unchecked) var noteRunLimit: Int32 = 1 << 24

    /// Bytes allocated for stream buffers across connections.
    @exclusivity(unchecked) var buffered = 0

    init(config: FlowConfig, seed fixedSeed: UInt64? = nil) {
        self.config = config
        streamLimit = UInt64(max(0, config.streamBytesPerDirection))
        outOfOrderLimit = UInt64(max(0, config.outOfOrderBytesPerDirection))
        // Slots and side pairs are linked by `Int32` indices (and the index's entries hold
        // `slot + 1` in 32 bits): capped well below, the links convert without a check.
        maxConnections = min(max(1, config.maxConnections), Int(Int32.max) / 2)
        maxBuffered = max(0, config.maxBufferedBytes)
        idleNs = FlowCore.nanoseconds(config.idleTimeoutSeconds)
        lingerNs = FlowCore.nanoseconds(config.closedLingerSeconds)
        quietLimit = min(idleNs, lingerNs)
        seed = fixedSeed ?? FlowSeeds.next()
        conns = SlotStorage.allocate(Conn.self, capacity: 0)
        cells = SlotStorage.allocate(FactsCell.self, capacity: 0)
        precondition(MemoryLayout<FactsCell>.size == MemoryLayout<ConnectionFacts>.size
                     && MemoryLayout<FactsCell>.stride == MemoryLayout<ConnectionFacts>.stride)
        sides = SlotStorage.allocate(Side.self, capacity: 0)
        pending = .allocate(capacity: FlowCore.pendingCapacity)
        sortScratch = .allocate(capacity: FlowCore.pendingCapacity + 128)
    }

    deinit {
        applyActivity()
        pending.deallocate()
        sortScratch.deallocate()
        for i in 0..<(2 * pairsUsed) {
            if let b = sides[i].buf { b.deallocate() }
        }
        while let b = popSpareBuffer() { b.deallocate() }
        for head in [openHead, closedHead] {
            var slot = head
            while slot >= 0 {
                (cells + Int(slot)).deinitialize(count: 1)
                slot = conns[Int(slot)].next
            }
        }
        sides.deinitialize(count: 2 * pairsUsed)
        SlotStorage.release(conns)
        SlotStorage.release(cells)
        SlotStorage.release(sides)
        index.free()
    }

    static func nanoseconds(_ seconds: Int64) -> Int64 {
        let s = max(0, seconds)
        let (v, o) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return o ? .max : v
    }

    /// Offsets of the two sides inside `ConnectionFacts`.
    let clientSideOffset = MemoryLayout<ConnectionFacts>.offset(of: \ConnectionFacts.clientSide) ?? 0
    let serverSideOffset = MemoryLayout<ConnectionFacts>.offset(of: \ConnectionFacts.serverSide) ?? 0

    let ctlAOffset = MemoryLayout<Conn>.offset(of: \Conn.ctlA) ?? 0
    let ctlBOffset = MemoryLayout<Conn>.offset(of: \Conn.ctlB) ?? 0

    /// One side's control state, in place.
    @inline(__always)
    func control(_ slot: Int, _ sideB: Bool) -> UnsafeMutablePointer<SideControl> {
        (UnsafeMutableRawPointer(conns + slot) + (sideB ? ctlBOffset : ctlAOffset)).assumingMemoryBound(to: SideControl.self)
    }

    /// A connection's facts, in place (a `FactsCell` is laid out as its one stored property).
    @usableFromInline @inline(__always)
    final func factsPointer(_ slot: Int) -> UnsafeMutablePointer<ConnectionFacts> {
        UnsafeMutableRawPointer(cells + slot).assumingMemoryBound(to: ConnectionFacts.self)
    }

    /// The facts of one direction's sender, in place (reading them through `ConnectionFacts.side`
    /// or a getter would copy the struct and retain its gap list).
    @inline(__always)
    func senderFacts(_ slot: Int, _ dir: Direction) -> UnsafeMutablePointer<SideFacts> {
        (UnsafeMutableRawPointer(cells + slot) + (dir == .clientToServer ? clientSideOffset : serverSideOffset))
            .assumingMemoryBound(to: SideFacts.self)
    }

    // MARK: Slots

    private func growStorage() {
        let newCapacity = min(max(16, capacity * 2), max(maxConnections, capacity + 1))
        conns = SlotStorage.grow(conns, to: newCapacity)
        cells = SlotStorage.grow(cells, to: newCapacity)
        capacity = newCapacity
    }

    /// A pair of sides for a new connection, both fresh.
    private func allocatePair() -> Int32 {
        let p: Int
        if freePairHead >= 0 {
            p = Int(freePairHead)
            freePairHead = sides[2 &* p].poolNext
            freePairCount &-= 1
        } else {
            if pairsUsed == pairCapacity {
                pairCapacity = max(16, pairCapacity * 2)
                sides = SlotStorage.grow(sides, to: 2 * pairCapacity)
            }
            p = pairsUsed
            (sides + 2 * p).initialize(to: Side(limit: 0))
            (sides + 2 * p + 1).initialize(to: Side(limit: 0))
            pairsUsed += 1
        }
        sides[2 * p].reset(limit: streamLimit)
        sides[2 * p + 1].reset(limit: streamLimit)
        return Int32(p)
    }

    /// Lets go of a connection's sides (settled, or finishing): buffers freed, the stream bases
    /// kept in its control state, the pair back in the pool.
    func releaseSides(_ slot: Int) {
        let c = conns + slot
        let p = Int(c.pointee.pair)
        guard p >= 0 else { return }
        for b in 0..<2 {
            let s = sides + (2 * p + b)
            // (Settled: `settle` has released the buffers already.)
            if s.pointee.buf != nil || s.pointee.held.capacity > 0 || s.pointee.heldBytes != 0 { releaseBuffer(si: 2 * p + b) }
            control(slot, b == 1).pointee.base = s.pointee.base
            control(slot, b == 1).pointee.seqKnown = s.pointee.seqKnown
        }
        c.pointee.pair = -1
        sides[2 &* p].poolNext = freePairHead
        freePairHead = Int32(p)
        freePairCount &+= 1
    }

    /// The index in `sides` of a connection's side (its pair must be held).
    @inline(__always)
    func sideIndex(_ slot: Int, sideB: Bool) -> Int {
        2 &* Int(conns[slot].pair) &+ (sideB ? 1 : 0)
    }

    /// An uninitialized slot for a new connection.
    private func allocateSlot() -> Int {
        if freeSlotHead >= 0 {
            let slot = Int(freeSlotHead)
            freeSlotHead = conns[slot].next
            return slot
        }
        if used == capacity { growStorage() }
        let slot = used
        used += 1
        return slot
    }

    // MARK: Activity lists

    @inline(__always)
    private func unlink(_ slot: Int) {
        let c = conns + slot
        let p = c.pointee.prev, n = c.pointee.next
        if p >= 0 { conns[Int(p)].next = n } else if c.pointee.list == 1 { openHead = n } else { closedHead = n }
        if n >= 0 { conns[Int(n)].prev = p } else if c.pointee.list == 1 { openTail = p } else { closedTail = p }
        c.pointee.prev = -1
        c.pointee.next = -1
        c.pointee.list = 0
    }

    @inline(__always)
    private func pushFront(_ slot: Int, list: UInt8) {
        let c = conns + slot
        let s = Int32(truncatingIfNeeded: slot)
        c.pointee.list = list
        c.pointee.prev = -1
        if list == 1 {
            c.pointee.next = openHead
            if openHead >= 0 { conns[Int(openHead)].prev = s } else { openTail = s }
            openHead = s
        } else {
            c.pointee.next = closedHead
            if closedHead >= 0 { conns[Int(closedHead)].prev = s } else { closedTail = s }
            closedHead = s
        }
    }

    /// Notes activity of a connection (a packet, its creation, its close), to be applied to the
    /// lists by `applyActivity`: the connection takes the next running number, and its slot goes
    /// into `pending` if it has none yet.
    @inline(__always)
    private func noteActivity(_ slot: Int) {
        var r = noteRun
        if r == noteRunLimit { applyActivity(); r = 0 }
        let c = conns + slot
        if c.pointee.notedAt < 0 {
            if pendingCount == pendingLimit { applyActivity(); r = 0 }
            pending[pendingCount] = UInt64(truncatingIfNeeded: slot)
            pendingCount &+= 1
        }
        c.pointee.notedAt = r
        noteRun = r &+ 1
    }

    /// Applies the noted activity to the lists: the connections in `pending` in the order of their
    /// running numbers (`notedAt`, the order of their latest activity), each moving to the front of
    /// the list it belongs to now (closed or open). The connections with activity end up in front
    /// of those without, among themselves in the order of their latest activity, and those
    /// without keep their order: just as moving each connection to the front at each of its
    /// packets leaves them. (A finished connection's entry is stale: `finish` sets its `notedAt`
    /// to -1; a slot taken again and noted is there a second time, and only its first entry,
    /// which clears `notedAt`, counts.)
    @inline(never)
    final func applyActivity() {
        let n = pendingCount
        pendingCount = 0
        let runs = noteRun
        noteRun = 0
        guard n > 0 else { return }
        // (Neither moves while the lists are worked on: read once.)
        let cs = conns
        var keys = pending, other = sortScratch
        // The slots become keys in place: running number above, slot below (m ≤ i: no entry is
        // overwritten before it is read).
        var m = 0
        for i in 0..<n {
            let slot = Int(truncatingIfNeeded: keys[i])
            let c = cs + slot
            let r = c.pointee.notedAt
            if r >= 0 {
                c.pointee.notedAt = -1
                keys[m] = UInt64(truncatingIfNeeded: r) << 32 | UInt64(truncatingIfNeeded: slot)
                m &+= 1
            }
        }
        if m <= 24 {
            // Few: an insertion sort.
            var i = 1
            while i < m {
                let k = keys[i]
                var j = i
                while j > 0 && keys[j &- 1] > k {
                    keys[j] = keys[j &- 1]
                    j &-= 1
                }
                keys[j] = k
                i &+= 1
            }
        } else {
            // A radix sort of the running numbers (unique, below `runs`), a byte a pass from the
            // lowest; a pass whose byte is the same in every key moves nothing.
            let counts = UnsafeMutableRawPointer(sortScratch + FlowCore.pendingCapacity).bindMemory(to: Int32.self, capacity: 256)
            var shift: UInt64 = 32
            while true {
                counts.update(repeating: 0, count: 256)
                for i in 0..<m { counts[Int(truncatingIfNeeded: (keys[i] >> shift) & 0xFF)] &+= 1 }
                let first = Int(truncatingIfNeeded: (keys[0] >> shift) & 0xFF)
                if Int(counts[first]) != m {
                    var sum: Int32 = 0
                    for d in 0..<256 {
                        let k = counts[d]
                        counts[d] = sum
                        sum &+= k
                    }
                    for i in 0..<m {
                        let k = keys[i]
                        let d = Int(truncatingIfNeeded: (k >> shift) & 0xFF)
                        let at = Int(counts[d])
                        counts[d] = Int32(truncatingIfNeeded: at &+ 1)
                        other[at] = k
                    }
                    swap(&keys, &other)
                }
                shift &+= 8
                if UInt64(truncatingIfNeeded: runs &- 1) >> (shift &- 32) == 0 { break }
            }
        }
        for i in 0..<m { touch(Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: keys[i]))) }
    }

    /// Moves the connection to the head of its list (or to the closed list; a connection on no
    /// list yet, a new one, joins its list at the head).
    ///
    /// The common case, a connection already on the list it belongs to, is a move to the front
    /// within that list. On a list, no predecessor means the head (nothing to do); with one, the
    /// list's head is some other listed slot, so only the successor and the tail need a test.
    /// The links come out as `unlink` then `pushFront` leave them.
    @inline(__always)
    private func touch(_ slot: Int) {
        let c = conns + slot
        let want: UInt8 = c.pointee.closed ? 2 : 1
        if c.pointee.list == want {
            let p = c.pointee.prev
            if p < 0 { return }
            if want == 1 {
                moveToFront(c, Int32(truncatingIfNeeded: slot), p, head: &openHead, tail: &openTail)
            } else {
                moveToFront(c, Int32(truncatingIfNeeded: slot), p, head: &closedHead, tail: &closedTail)
            }
            return
        }
        if c.pointee.list != 0 { unlink(slot) }
        pushFront(slot, list: want)
    }

    /// Moves `c` (slot `s`, whose predecessor is `p` ≥ 0 on the list of `head` and `tail`) to the front.
    @inline(__always)
    private func moveToFront(_ c: UnsafeMutablePointer<Conn>, _ s: Int32, _ p: Int32, head: inout Int32, tail: inout Int32) {
        let n = c.pointee.next
        let cs = conns
        let h = head
        guard h >= 0 else { return }        // never: the list holds `p` and `c`
        cs[Int(p)].next = n
        if n >= 0 { cs[Int(n)].prev = p } else { tail = p }
        c.pointee.prev = -1
        c.pointee.next = h
        cs[Int(h)].prev = s
        head = s
    }

    // MARK: Packets

    @inline(__always)
    func direction(slot: Int, sideB: Bool) -> Direction {
        (!sideB) == conns[slot].clientIsA ? .clientToServer : .serverToClient
    }

    @usableFromInline
    final func process(_ p: DecodedPacket, payload: UnsafeRawBufferPointer, stamp: PacketStamp) {
        withUnsafePointer(to: p) { process($0, payload: payload, stamp: stamp) }
    }

    /// `process` of the packet at `packet` (read in place: a packet passed by value is copied
    /// into the call's argument first, 96 bytes a packet).
    @usableFromInline
    final func process(_ packet: UnsafePointer<DecodedPacket>, payload: UnsafeRawBufferPointer, stamp: PacketStamp) {
        guard let tcp = packet.pointee.tcp else {
            counters.nonTCPPackets &+= 1
            return
        }
        let (key, senderIsA) = FlowKey.make(packet.pointee, seed: seed)
        let now = stamp.time.totalNanoseconds
        let flags = tcp.flags

        // (`create` may move the storage: no local copy of `conns` lives past it.)
        var slot = index.find(key) { [conns] in conns[$0].key }
        if slot >= 0 {
            let c = conns + slot
            let quiet = now &- c.pointee.lastNs
            // One test for the usual packet (quiet for less than both limits, not a bare SYN): none
            // of the three endings below can apply to it.
            if quiet >= quietLimit || flags.rawValue & 0x12 == 0x02 {
                if c.pointee.closed && quiet >= lingerNs {
                    finish(slot, .closed)
                    slot = -1
                } else if quiet >= idleNs {
                    finish(slot, .idleTimeout)
                    slot = -1
                } else if flags.hasSyn && !flags.hasAck
                            && startsNewConnection(slot, senderIsA: senderIsA, seq: tcp.seq) {
                    finish(slot, .portReused)
                    slot = -1
                }
            }
        }
        if slot < 0 {
            slot = create(key, senderIsA: senderIsA, packet.pointee, flags: flags, stamp: stamp, now: now)
        }

        // (Nothing below moves the storage, the observer's calls included: `c` holds to the end.)
        let c = self.conns + slot
        let dir: Direction = senderIsA == c.pointee.clientIsA ? .clientToServer : .serverToClient
        let wire = max(0, packet.pointee.payloadWireLength)
        factsPointer(slot).pointee.last = stamp
        if now > c.pointee.lastNs { c.pointee.lastNs = now }
        let sf = senderFacts(slot, dir)
        sf.pointee.packets &+= 1
        sf.pointee.payloadBytes &+= UInt64(wire)
        if packet.pointee.truncated { sf.pointee.truncatedSegments &+= 1 }
        noteActivity(slot)

        if c.pointee.settled {
            // The cheap path: the observer has what it needs; only FIN and RST still matter.
            if flags.hasFinOrRst { finAndReset(slot, sideB: !senderIsA, flags: flags, stamp: stamp) }
            return
        }
        let si = sideIndex(slot, sideB: !senderIsA)
        let wireOrSynFinRst = wire | Int(flags.rawValue & 0x07)
        if wireOrSynFinRst == 0 {
            // A bare segment (an ACK: no payload, SYN, FIN or RST) while neither the receiver's
            // direction holds bytes out of order nor this one waits on an ACK past its hole: none of
            // the steps below applies (no ACK-past-hole note, nothing to take in or deliver, no
            // pending ACK to prove, no payload to establish with, no observer call to settle it).
            if sides[si ^ 1].held.isEmpty && sides[si].pendingAck == nil { return }
        }

        if flags.hasSyn { handleSyn(slot, sideB: !senderIsA, tcp: tcp, stamp: stamp) }

        // An ACK that passes a hole in the other direction shows the receiver got bytes the capture
        // has not (yet) recorded. Noted here; proven by the sender's next segment (below).
        let ri = si ^ 1
        if flags.hasAck && !sides[ri].held.isEmpty && !c.pointee.settled {
            let r = sides + ri
            if r.pointee.seqKnown && r.pointee.offset(of: tcp.ack) > Int64(r.pointee.next) {
                if let old = r.pointee.pendingAck, Int32(bitPattern: tcp.ack &- old) <= 0 {} else { r.pointee.pendingAck = tcp.ack }
            }
        }

        let captured = min(payload.count, wire)
        if wire > 0 && !c.pointee.settled {
            let dataSeq = flags.hasSyn ? tcp.seq &+ 1 : tcp.seq
            let payloadBase = captured > 0 ? payload.baseAddress : nil
            if !ingestInOrder(si: si, seq: dataSeq, wire: wire, bytes: payloadBase, captured: captured) {
                ingest(slot, si: si, seq: dataSeq, wire: wire, bytes: payloadBase, captured: captured)
            }
            deliver(slot, si: si, stamp: stamp)
        }
        // The sender's segment after an ACK past its hole did not fill it: the capture missed those bytes.
        if !c.pointee.settled, let ack = sides[si].pendingAck {
            sides[si].pendingAck = nil
            if !sides[si].held.isEmpty && ackProvesGaps(slot, si: si, ack: ack) { deliver(slot, si: si, stamp: stamp) }
        }

        // (A packet without payload moves neither payload count: the test after the previous
        // packet of this connection stands.)
        let f = factsPointer(slot)
        if wire > 0 && !f.pointee.established && f.pointee.clientSide.payloadBytes > 0
            && f.pointee.serverSide.payloadBytes > 0 {
            f.pointee.established = true
        }
        if flags.hasFinOrRst { finAndReset(slot, sideB: !senderIsA, flags: flags, stamp: stamp) }
        // Settled during this packet: its sides are no longer needed (released only now, with no
        // reassembly code left on the stack).
        if c.pointee.settled { releaseSides(slot) }
    }

    /// Whether a SYN without ACK on a tracked connection starts a new connection (port reuse)
    /// rather than repeating or completing the tracked one. It repeats the tracked one when it is
    /// the client's SYN again with the same ISN; it completes it when it is the SYN we had missed
    /// (its ISN + 1 is what the server's SYN-ACK acknowledged) or the other side's SYN of a
    /// simultaneous open. Any other SYN, whatever the state of the tracked connection, is a new
    /// connection on the same addresses and ports.
    private func startsNewConnection(_ slot: Int, senderIsA: Bool, seq: UInt32) -> Bool {
        let c = conns + slot
        let ctl = control(slot, !senderIsA).pointee
        let dir: Direction = senderIsA == c.pointee.clientIsA ? .clientToServer : .serverToClient
        let facts = factsPointer(slot)
        if senderFacts(slot, dir).pointee.firstSyn != nil {
            return !(ctl.synSeen && ctl.isn == seq)
        }
        if dir == .clientToServer {
            // The stream's base: live in the side, or as it was when the sides were released.
            let (known, base): (Bool, UInt32)
            if c.pointee.pair >= 0 {
                let s = sides + sideIndex(slot, sideB: !senderIsA)
                (known, base) = (s.pointee.seqKnown, s.pointee.base)
            } else {
                (known, base) = (ctl.seqKnown, ctl.base)
            }
            // The SYN missed so far, arriving after the SYN-ACK (capture reordering).
            if facts.pointee.serverSide.firstSyn != nil && known && base == seq &+ 1
                && !c.pointee.closed {
                return false
            }
            return true
        }
        // Simultaneous open: the server side's own SYN while only the client's SYN is known.
        return !(facts.pointee.clientSide.firstSyn != nil && !facts.pointee.established && !c.pointee.closed
                 && facts.pointee.serverSide.payloadBytes == 0)
    }

    private func create(_ key: FlowKey, senderIsA: Bool, _ p: DecodedPacket, flags: TCPFlags,
                        stamp: PacketStamp, now: Int64) -> Int {
        while active >= maxConnections { evictOne() }
        let slot = allocateSlot()
        let senderIsClient: Bool
        let source: RoleSource
        if flags.hasSyn {
            senderIsClient = !flags.hasAck
            source = .syn
        } else {
            senderIsClient = PortRoles.receiverIsServer(srcPort: p.srcPort, dstPort: p.dstPort)
            source = .ports
        }
        let src = Endpoint(address: p.src, port: p.srcPort), dst = Endpoint(address: p.dst, port: p.dstPort)
        let facts = ConnectionFacts(client: senderIsClient ? src : dst, server: senderIsClient ? dst : src,
                                    roleSource: source, first: stamp)
        (conns + slot).initialize(to: Conn(key: key, clientIsA: senderIsClient == senderIsA, lastNs: now))
        (cells + slot).initialize(to: FactsCell(facts: facts))
        conns[slot].pair = allocatePair()
        index.insert(hash: key.hash64, slot: slot)
        // (On no list yet: `process` notes its activity once it returns.)
        active += 1
        counters.connectionsCreated &+= 1
        if UInt64(active) > counters.peakConnections { counters.peakConnections = UInt64(active) }
        connectionCreated(slot: slot)
        return slot
    }

    /// Makes room for one connection: a closed connection still lingering goes first (it has
    /// nothing more to say; it finishes as `.closed` and is not counted as evicted), otherwise the
    /// least recently active open connection is evicted.
    private func evictOne() {
        applyActivity()
        if closedTail >= 0 {
            finish(Int(closedTail), .closed)
        } else if openTail >= 0 {
            finish(Int(openTail), .evicted)
        } else {
            active = 0  // unreachable: active > 0 means a list is non-empty
        }
    }

    @inline(__always)
    private func handleSyn(_ slot: Int, sideB: Bool, tcp: TCPInfo, stamp: PacketStamp) {
        // (Pointers taken once: nothing below moves the storage; the observer's calls cannot.)
        var dir = direction(slot: slot, sideB: sideB)
        let isSynAck = tcp.flags.hasAck
        let f = factsPointer(slot)
        if isSynAck && f.pointee.roleSource == .ports {
            if dir == .clientToServer {
                // A SYN-ACK names its sender the server: the port guess was wrong.
                swapRoles(slot, source: .syn)
                dir = .serverToClient
            } else {
                f.pointee.roleSource = .syn
            }
        }
        let ctl = control(slot, sideB)
        let sf = senderFacts(slot, dir)
        if sf.pointee.firstSyn != nil {
            if isSynAck && !ctl.pointee.synAckSeen {
                // Simultaneous open: this side's SYN-ACK after its own SYN.
                ctl.pointee.synAckSeen = true
                f.pointee.established = true
                emit(slot, .synAck, direction: dir, stamp: stamp)
            } else if ctl.pointee.synSeen && ctl.pointee.isn == tcp.seq {
                sf.pointee.retransmittedSegments &+= 1
            }
            return
        }
        sf.pointee.firstSyn = stamp
        ctl.pointee.synSeen = true
        ctl.pointee.synAckSeen = isSynAck
        ctl.pointee.isn = tcp.seq
        let si = sideIndex(slot, sideB: sideB)
        let s = sides + si
        if !s.pointee.seqKnown { s.pointee.setBase(tcp.seq &+ 1) }
        if isSynAck {
            f.pointee.established = true
            // The SYN-ACK acknowledges the client's ISN + 1: the client's stream offset 0.
            let peer = sides + (si ^ 1)
            if !peer.pointee.seqKnown { peer.pointee.setBase(tcp.ack) }
        }
        emit(slot, isSynAck ? .synAck : .syn, direction: dir, stamp: stamp)
    }

    private func finAndReset(_ slot: Int, sideB: Bool, flags: TCPFlags, stamp: PacketStamp) {
        let dir = direction(slot: slot, sideB: sideB)
        let ctl = control(slot, sideB)
        if flags.hasFin && !ctl.pointee.finSeen {
            ctl.pointee.finSeen = true
            senderFacts(slot, dir).pointee.firstFin = stamp
            if control(slot, !sideB).pointee.finSeen { markClosed(slot) }
            emit(slot, .fin, direction: dir, stamp: stamp)
        }
        if flags.hasRst && !ctl.pointee.rstSeen {
            ctl.pointee.rstSeen = true
            let f = factsPointer(slot)
            senderFacts(slot, dir).pointee.firstRst = stamp
            if dir == .serverToClient && f.pointee.clientSide.firstSyn != nil
                && f.pointee.serverSide.firstSyn == nil && !f.pointee.established {
                f.pointee.refused = true
            }
            markClosed(slot)
            emit(slot, .rst, direction: dir, stamp: stamp)
        }
    }

    private func markClosed(_ slot: Int) {
        if conns[slot].closed { return }
        conns[slot].closed = true
        // Its list changes: noted as activity, unless its latest activity is the last one noted
        // (the packet's own, noted by `process` just before this): applied later, that running
        // number moves it to the front of the closed list just as a later one would, with nothing
        // noted between the two, so the lists come out the same.
        let r = conns[slot].notedAt
        if r < 0 || r != noteRun &- 1 { noteActivity(slot) }
    }

    // MARK: Roles and observer calls

    func swapRoles(_ slot: Int, source: RoleSource) {
        let f = factsPointer(slot)
        swap(&f.pointee.client, &f.pointee.server)
        swap(&f.pointee.clientSide, &f.pointee.serverSide)
        conns[slot].clientIsA.toggle()
        f.pointee.roleSource = source
    }

    @inline(__always)
    func emit(_ slot: Int, _ event: TCPEvent, direction: Direction, stamp: PacketStamp) {
        tcpEvent(slot: slot, event, direction: direction, packet: stamp)
    }

    /// Applies the observer's answer to new bytes.
    func apply(_ interest: Interest, slot: Int) {
        switch interest {
        case .more:
            break  // (callers test for it first)
        case .settled:
            settle(slot)
        case .swapRoles:
            // Only a port guess can be overturned by content; a SYN or an earlier swap stands.
            if factsPointer(slot).pointee.roleSource == .ports { swapRoles(slot, source: .content) }
        }
    }

    private func settle(_ slot: Int) {
        let c = conns + slot
        if c.pointee.settled { return }
        c.pointee.settled = true
        factsPointer(slot).pointee.settled = true
        // The buffers go now (as they always did: the global buffer budget counts them); the rest
        // of the sides when the packet is done (`process`) or the connection finishes.
        if c.pointee.pair >= 0 {
            releaseBuffer(si: sideIndex(slot, sideB: false))
            releaseBuffer(si: sideIndex(slot, sideB: true))
        }
        connectionSettled(slot: slot)
    }

    // MARK: Ending

    /// Ends a connection: held bytes are given up (gaps reported, the bytes after them delivered),
    /// then the observer goes to `onFinished`.
    func finish(_ slot: Int, _ reason: EndReason) {
        if !conns[slot].settled {
            let last = factsPointer(slot).pointee.last
            let clientSi = sideIndex(slot, sideB: !conns[slot].clientIsA)
            for k in 0..<2 {  // the client's side first
                let si = clientSi ^ k
                if !sides[si].held.isEmpty && !conns[slot].settled {
                    giveUpHoles(slot, si: si)
                    deliver(slot, si: si, stamp: last)
                }
            }
        }
        let c = conns + slot
        factsPointer(slot).pointee.endReason = reason
        counters.connectionsFinished &+= 1
        switch reason {
        case .evicted: counters.connectionsEvicted &+= 1
        case .idleTimeout: counters.idleTimeouts &+= 1
        case .portReused: counters.portReuses &+= 1
        case .closed, .captureEnd: break
        }
        if c.pointee.pair >= 0 { releaseSides(slot) }  // (a settled connection let go of them already)
        index.remove(hash: c.pointee.key.hash64, slot: slot)
        if c.pointee.list != 0 { unlink(slot) }
        c.pointee.notedAt = -1
        active -= 1
        connectionFinished(slot: slot)
        // The facts' only references are their two gap lists (see `ConnectionFacts`): when neither
        // has storage of its own (capacity 0: the shared empty array, which a release leaves as it
        // is), the cell holds nothing to release and is simply left to be overwritten.
        let f = factsPointer(slot)
        if f.pointee.clientSide.gaps.capacity != 0 || f.pointee.serverSide.gaps.capacity != 0 {
            (cells + slot).deinitialize(count: 1)
        }
        conns[slot].next = freeSlotHead
        freeSlotHead = Int32(slot)
    }

    func expire(now: Int64) {
        applyActivity()
        while closedTail >= 0 && now &- conns[Int(closedTail)].lastNs >= lingerNs {
            finish(Int(closedTail), .closed)
        }
        while openTail >= 0 && now &- conns[Int(openTail)].lastNs >= idleNs {
            finish(Int(openTail), .idleTimeout)
        }
    }

    /// Ends every connection, least recently active first: closed ones as `.closed`, the others
    /// as `.captureEnd`.
    func finishAll() {
        applyActivity()
        while openTail >= 0 || closedTail >= 0 {
            let takeClosed: Bool
            if openTail < 0 {
                takeClosed = true
            } else if closedTail < 0 {
                takeClosed = false
            } else {
                takeClosed = conns[Int(closedTail)].lastNs <= conns[Int(openTail)].lastNs
            }
            if takeClosed { finish(Int(closedTail), .closed) } else { finish(Int(openTail), .captureEnd) }
        }
    }
}

/// The tables' key-hash seeds (static stored properties cannot live in the generic `FlowCore`).
enum FlowSeeds {
    /// One random word per process (a `getrandom` call), and a count of the tables made.
    private static let seedBase: UInt64 = { var rng = SystemRandomNumberGenerator(); return rng.next() }()
    private static let tablesMade = Atomic<UInt64>(0)

    /// A table's key-hash seed: the process's random word and the table's number, mixed (SplitMix64's
    /// finaliser), so that every table has its own seed that cannot be guessed from the capture,
    /// without a system call per table (a batch makes one table per capture).
    static func next() -> UInt64 {
        var z = seedBase &+ tablesMade.wrappingAdd(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
