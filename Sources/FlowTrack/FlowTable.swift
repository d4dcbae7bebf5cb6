import NetCore
import PacketDecode

/// The TCP connection table. Feed it decoded packets in capture order; it creates connections,
/// decides client and server, reassembles the first bytes of each direction and drives one
/// `Observer` per connection. Finished connections are handed to `onFinished` exactly once.
///
/// **Connections** are keyed by addresses and ports irrespective of direction (`FlowKey`). Packets
/// without a TCP header (UDP) are only counted in `FlowCounters.nonTCPPackets`.
///
/// **Roles.** The client is the sender of a SYN without ACK (`roleSource == .syn`). A SYN-ACK seen
/// without its SYN names its sender the server (also `.syn`; when the connection was already
/// tracked on a port guess, the roles are corrected). With no SYN at all, the port rule of
/// `PortRoles` decides (`.ports`): a well-known server port (443, 3389, 993, …) facing one that is
/// not, else the lower port, is the server; equal ports make the first packet's receiver the server.
/// The observer may answer `.swapRoles` when the content shows the opposite; the table then swaps
/// client and server (endpoints, side facts, directions) and sets `roleSource = .content`. Only a
/// port guess can be overturned: with `.syn` or `.content` the answer is ignored.
///
/// **Reassembly.** Per direction, stream offset 0 is the byte after the SYN (or, without a SYN, the
/// first data byte seen; for a client whose SYN was missed, the offset the SYN-ACK acknowledges).
/// The first `streamBytesPerDirection` bytes are kept in one buffer that starts at 2 KiB and doubles,
/// within the global `maxBufferedBytes`. Out-of-order segments are held in place, up to
/// `outOfOrderBytesPerDirection` bytes beyond the prefix. Overlaps: the FIRST copy wins (as in Zeek
/// and Linux): bytes already kept stay, and a segment bringing different bytes for them counts in
/// `conflictingOverlaps`. A segment with nothing new counts in `retransmittedSegments`. Bytes past
/// the caps count in `droppedByCaps` (side) and `bytesDroppedByCaps` (table); once a direction's
/// prefix reaches its limit it is not shown again and its buffer is freed.
///
/// **Gaps.** A hole is given up as lost when the other side acknowledges past it into held bytes
/// (the receiver had them: the capture missed them), when holding more would overflow the hold
/// budget (the oldest hole goes first; a segment that still does not fit is dropped and counted in
/// `outOfOrderSegmentsDropped`), when the snapshot length cut the segment (its missing tail is lost
/// for good), or when the connection ends. The gap is recorded in `SideFacts.gaps`, reported as
/// `TCPEvent.gap(offset:length:)` before any byte after it is shown, and ZERO-FILLED in the kept
/// buffer so that stream offsets stay truthful; `newBytes` of the next `streamAdvanced` includes the
/// zero bytes, `SideFacts.streamBytes` does not.
///
/// **Calls to the observer**, in capture order: `.syn` / `.synAck` first, then (for an ACK proving
/// a gap in the other direction) that direction's gap and bytes, then the packet's own new bytes,
/// then `.fin` / `.rst`. Each control event is reported once per side (repeats are counted as
/// retransmissions or ignored); in a simultaneous open the server side's own SYN is a `.syn`
/// with direction `.serverToClient`, and each side's SYN-ACK a `.synAck`. `serverSide.firstSyn`
/// is the SYN-ACK's stamp. When a SYN-ACK corrects a port guess, later calls simply carry the
/// corrected directions and `facts.roleSource == .syn`. `established` becomes true with a SYN-ACK, or with payload seen in
/// both directions when no handshake was captured. `refused` is a client SYN answered by an RST
/// from the server with no SYN-ACK. When the observer answers `.settled`, both directions' buffers
/// are freed, `onSettled` is called once, and later packets only update counters and FIN/RST.
///
/// **Lifecycle.** A connection ends (`onFinished`, once) when: it is closed (FIN both ways, or an
/// RST) and `closedLingerSeconds` of capture time pass without packets (`.closed`); it is idle
/// `idleTimeoutSeconds` (`.idleTimeout`); room is needed past `maxConnections` (a closed connection
/// still lingering goes first, as `.closed`; otherwise the least recently active open one,
/// `.evicted`); a SYN starts a new connection on its addresses and ports (`.portReused`: any SYN
/// that is not the tracked client SYN again with the same ISN, the missed SYN of a tracked SYN-ACK,
/// or the other side's SYN of a simultaneous open); or `finishAll()` (`.captureEnd`, `.closed` for
/// those already closed). Timeouts are checked by `expire(now:)` (cheap: it looks only at the tails
/// of two activity-ordered lists) and, for one connection, when its next packet arrives.
///
/// The observer's calls and the `onFinished` / `onSettled` callbacks happen inside `process`,
/// `expire` and `finishAll`; they must not call back into the table.
public final class FlowTable<Observer: ConnectionObserver> {
    public var counters: FlowCounters { core.counters }
    public let config: FlowConfig
    /// Called once per connection when it leaves the table (closed, idle, evicted, capture end, port reuse).
    /// Setting it clears `onFinishedTaking` (the one set last is called).
    public var onFinished: (ConnectionFacts, consuming Observer) -> Void {
        get { core.onFinished }
        set {
            core.onFinished = newValue
            core.onFinishedTaking = nil
            core.takingReplaced = true
        }
    }
    /// When set, called instead of `onFinished` as a connection leaves the table, with its observer
    /// handed over where it lies (not moved out and passed by value): the callee TAKES it and must
    /// leave that memory deinitialized (`move()` it, or take out what it needs and deinitialize the
    /// rest) before returning; the table does not touch it again. Setting `onFinished` afterwards
    /// clears it.
    public var onFinishedTaking: ((ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void)? {
        get { core.takingReplaced ? core.onFinishedTaking : core.initialTaking }
        set {
            core.onFinishedTaking = newValue
            core.takingReplaced = true
        }
    }
    /// Called once per connection when its observer first answers `.settled` (live mode reports here).
    public var onSettled: ((ConnectionFacts, Observer) -> Void)? {
        get { core.onSettled }
        set { core.onSettled = newValue }
    }
    /// Called after the observer for each TCP event (FIN, RST) of a connection already settled, with
    /// the facts as they are then (live mode: a failure's teardown is reported as soon as it is seen).
    public var onSettledEvent: ((TCPEvent, Direction, ConnectionFacts, Observer) -> Void)? {
        get { core.onSettledEvent }
        set { core.onSettledEvent = newValue }
    }

    @usableFromInline let core: ObservedCore<Observer>

    /// (Inlinable: the observer calls are then compiled for the caller's observer type.)
    @inlinable
    public init(config: FlowConfig = FlowConfig(), onFinished: @escaping (ConnectionFacts, consuming Observer) -> Void) {
        self.config = config
        self.core = ObservedCore(config: config, onFinished: onFinished, taking: { _, observer in observer.deinitialize(count: 1) },
                                 takingGiven: false)
    }

    /// A table whose connections go to `onFinishedTaking` as they leave (see that property), from
    /// the start: the same as setting it after `init(config:onFinished:)`, but kept as a constant,
    /// so that calling it needs no retain and release of its context per connection. (`onFinished`
    /// is then a closure that lets the observer go; setting either property replaces it.) The
    /// callback comes first and `config` has no default, so that `FlowTable(config:) { … }` and
    /// `FlowTable { … }` still name the other initializer.
    @inlinable
    public init(onFinishedTaking: @escaping (ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void,
                config: FlowConfig) {
        self.config = config
        self.core = ObservedCore(config: config, onFinished: { _, _ in }, taking: onFinishedTaking, takingGiven: true)
    }

    /// One packet. `payload` is valid only during the call; what reassembly must keep is copied.
    @inlinable
    public func process(_ packet: DecodedPacket, payload: UnsafeRawBufferPointer, stamp: PacketStamp) {
        core.process(packet, payload: payload, stamp: stamp)
    }

    /// `process` of the packet at `packet`, read in place (a read loop that decodes into one
    /// `DecodedPacket` of its own hands it over without a copy). The same in every other respect.
    @inlinable
    public func process(_ packet: UnsafePointer<DecodedPacket>, payload: UnsafeRawBufferPointer, stamp: PacketStamp) {
        core.process(packet, payload: payload, stamp: stamp)
    }

    /// Finishes connections idle past the timeouts, measured in capture time up to `now`.
    public func expire(now: Timestamp) {
        core.expire(now: now.totalNanoseconds)
    }

    /// Finishes every connection still open (end of capture or of a live run), reason `.captureEnd`.
    public func finishAll() {
        core.finishAll()
    }

    /// Connections tracked now.
    public var activeConnections: Int { core.active }

    /// Calls `body` for each open (not closed) connection whose handshake is not settled and whose
    /// last packet is older than `cutoff`, least recently active first. Live mode reports such a
    /// connection as it stands (an unanswered SYN or ClientHello) without ending it. The walk covers
    /// the open connections quiet since before `cutoff`, settled or not. `body` must not call back
    /// into the table.
    public func forEachUnsettled(quietSince cutoff: Timestamp, _ body: (ConnectionFacts, Observer) -> Void) {
        let limit = cutoff.totalNanoseconds
        core.applyActivity()
        var slot = core.openTail
        while slot >= 0 {
            let c = core.conns + Int(slot)
            guard c.pointee.lastNs < limit else { break }
            let s = Int(slot)
            if !c.pointee.settled && s < core.observerCapacity && core.present[s] {
                body(core.cells[s].facts, core.observers[s])
            }
            slot = c.pointee.prev
        }
    }

    /// Payload bytes held in stream buffers now (within `config.maxBufferedBytes`).
    public var bufferedBytes: Int { core.buffered }
}

/// The core with the observers: one per connection slot, called by the core's five observer calls
/// (`FlowCore.connectionCreated` and the rest), which reach the methods below directly.
///
/// The facts reach the observer as `cell.facts` of a `borrowing FactsCell` (the helpers below take
/// `cell.pointee`): that is a bitwise copy into the argument's memory, with no retain and release.
/// `cell.pointee.facts` in place would be a full copy (retains, then a destroy).
@usableFromInline
final class ObservedCore<Observer: ConnectionObserver>: FlowCore<Observer> {
    @usableFromInline @exclusivity(unchecked) var onFinished: (ConnectionFacts, consuming Observer) -> Void
    @usableFromInline @exclusivity(unchecked) var onFinishedTaking: ((ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void)?
    /// `onFinishedTaking` given at `init`, in force until either callback property is set
    /// (`takingReplaced`; true from the start when none was given). A constant, not optional:
    /// calling it borrows the closure (a `var` read, or an optional unwrapped into a binding, is a
    /// copy: a retain and a release of its context per connection).
    @usableFromInline let initialTaking: (ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void
    @usableFromInline @exclusivity(unchecked) var takingReplaced: Bool
    @usableFromInline @exclusivity(unchecked) var onSettled: ((ConnectionFacts, Observer) -> Void)?
    @usableFromInline @exclusivity(unchecked) var onSettledEvent: ((TCPEvent, Direction, ConnectionFacts, Observer) -> Void)?

    /// One observer per connection slot, initialized where `present` says so. Kept in raw storage
    /// rather than `[Observer?]` so that the generic code does not look up the metadata of
    /// `Optional<Observer>` and its array on every call.
    @usableFromInline @exclusivity(unchecked) var observers: UnsafeMutablePointer<Observer> = SlotStorage.allocate(Observer.self, capacity: 0)
    @usableFromInline @exclusivity(unchecked) var present: UnsafeMutablePointer<Bool> = SlotStorage.allocate(Bool.self, capacity: 0)
    @usableFromInline @exclusivity(unchecked) var observerCapacity = 0

    @usableFromInline
    init(config: FlowConfig, onFinished: @escaping (ConnectionFacts, consuming Observer) -> Void,
         taking: @escaping (ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void, takingGiven: Bool) {
        // (`taking` not optional: an optional closure passed here would be stored through two
        // reabstraction thunks, each copying the facts, on every call.)
        self.onFinished = onFinished
        self.initialTaking = taking
        self.takingReplaced = !takingGiven
        super.init(config: config)
    }

    deinit {
        // The core's own deinit runs after this one: it must find no connection left to hand over.
        for i in 0..<observerCapacity where present[i] { (observers + i).deinitialize(count: 1) }
        SlotStorage.release(observers)
        SlotStorage.release(present)
    }

    /// Room for the observer of `slot` (rare: the storage doubles).
    @usableFromInline
    func growObservers(for slot: Int) {
        let newCapacity = max(16, observerCapacity * 2, slot + 1)
        observers = SlotStorage.grow(observers, to: newCapacity)  // moves the present ones in place
        present = SlotStorage.grow(present, to: newCapacity)
        (present + observerCapacity).initialize(repeating: false, count: newCapacity - observerCapacity)
        observerCapacity = newCapacity
    }

    @inlinable @inline(__always)
    func created(slot: Int) {
        if slot >= observerCapacity { growObservers(for: slot) }
        if present[slot] { (observers + slot).deinitialize(count: 1) }  // never: finished first
        // Made in its slot, the facts lent by address (not made again for it, nor copied).
        Observer.initialize(observers + slot, connectionAt: factsPointer(slot))
        present[slot] = true
    }

    @inlinable @inline(__always)
    func advanced(slot: Int, _ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                  packet: PacketStamp) -> Interest {
        guard slot < observerCapacity, present[slot] else { return .more }
        return (observers + slot).pointee.streamAdvanced(direction, stream: stream, newBytes: newBytes, packet: packet,
                                                         factsAt: factsPointer(slot))
    }

    @inlinable @inline(__always)
    func event(slot: Int, _ event: TCPEvent, direction: Direction, packet: PacketStamp) {
        guard slot < observerCapacity, present[slot] else { return }
        // The facts by address (lent as a value, they were copied on every event).
        // Without `onSettledEvent` (all but live mode), the observer's call is the last thing
        // done; with it, out of line (this call is made about four times a connection).
        if onSettledEvent != nil {
            eventThenSettledEvent(slot: slot, event, direction: direction, packet: packet)
            return
        }
        (observers + slot).pointee.tcpEvent(event, direction: direction, packet: packet, factsAt: factsPointer(slot))
    }

    /// `event` with `onSettledEvent` set: the observer's call, then `onSettledEvent` when the
    /// connection is settled.
    @inlinable @inline(never)
    func eventThenSettledEvent(slot: Int, _ event: TCPEvent, direction: Direction, packet: PacketStamp) {
        (observers + slot).pointee.tcpEvent(event, direction: direction, packet: packet, factsAt: factsPointer(slot))
        if let onSettledEvent, factsPointer(slot).pointee.settled {
            ObservedCore.settledEvent(onSettledEvent, observers + slot, event, direction, cells[slot])
        }
    }

    @inlinable @inline(__always)
    static func settledEvent(_ f: (TCPEvent, Direction, ConnectionFacts, Observer) -> Void, _ o: UnsafeMutablePointer<Observer>,
                             _ event: TCPEvent, _ direction: Direction, _ cell: borrowing FactsCell) {
        f(event, direction, cell.facts, o.pointee)
    }

    @inlinable @inline(__always)
    func settled(slot: Int) {
        guard let onSettled, slot < observerCapacity, present[slot] else { return }
        ObservedCore.settled(onSettled, observers + slot, cells[slot])
    }

    @inlinable @inline(__always)
    static func settled(_ onSettled: (ConnectionFacts, Observer) -> Void, _ o: UnsafeMutablePointer<Observer>,
                        _ cell: borrowing FactsCell) {
        onSettled(cell.facts, o.pointee)
    }

    @inlinable @inline(__always)
    func finished(slot: Int) {
        guard slot < observerCapacity, present[slot] else { return }
        present[slot] = false
        if !takingReplaced {
            ObservedCore.finishedTaking(initialTaking, observers + slot, cells[slot])
        } else if let onFinishedTaking {
            // The observer handed over where it is (no copies of it); the callee deinitializes it.
            ObservedCore.finishedTaking(onFinishedTaking, observers + slot, cells[slot])
        } else {
            finishedMoving(slot: slot)
        }
    }

    /// `onFinished` with the observer of `slot` moved out (out of line: its copies of the observer
    /// need a large frame, which the path above then does without).
    @inlinable @inline(never)
    func finishedMoving(slot: Int) {
        finished((observers + slot).move(), cells[slot])
    }

    @inlinable @inline(__always)
    static func finishedTaking(_ f: (ConnectionFacts, UnsafeMutablePointer<Observer>) -> Void, _ o: UnsafeMutablePointer<Observer>,
                               _ cell: borrowing FactsCell) {
        f(cell.facts, o)
    }

    @inlinable @inline(__always)
    func finished(_ observer: consuming Observer, _ cell: borrowing FactsCell) {
        onFinished(cell.facts, observer)
    }
}
