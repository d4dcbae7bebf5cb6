#if canImport(Glibc)
import Glibc
#endif
import NetCore
import FlowTrack
import Preambles
import TLSWire

/// The per-connection handshake state machine. The flow table feeds it both directions' in-order
/// bytes in capture order; it finds where TLS starts (after any preamble), reads the records and
/// handshake messages of each direction, and records what each side offered, chose and said, with
/// the packets that carried it. It answers `.settled` once the handshake's story is told, so the
/// flow table stops keeping payload.
public struct HandshakeObserver: ConnectionObserver {
    public private(set) var facts = HandshakeFacts()

    enum Phase: UInt8 { case detecting, tls, clientNotTLS, done }
    var phase = Phase.detecting
    let serverPort: UInt16
    /// What is kept only to read the bytes (readers, copies, the delivery log, the preamble
    /// detector): allocated with the first bytes, let go once settled (`releaseWorkingState`), so
    /// that a connection waiting out its close holds little more than its facts. A box copied on
    /// write, so an observer stays a value.
    var work: Work?
    /// The working state was let go: no more bytes will be read.
    var released = false

    // TLS version facts (kept after settling: the TLS 1.3 inferences at the end read them).
    var tls13 = false
    /// TLS 1.3: the client's encrypted records after the server's flight, and the server's after the client's.
    var clientAfterFlight = FlightNote()
    var serverAfterClientFlight = FlightNote()

    static let preambleCopyLimit = 16 * 1024
    static let timelineLimit = 64
    static let deliveryLogLimit = 64
    /// Room for the timeline from the start (a typical connection has about 15 events by the time
    /// it settles): one allocation instead of one per doubling. (17: the 440 bytes fill the
    /// allocator's 448-byte size class, as an array asked for 16 did, given the room it had.)
    static let timelineInitialCapacity = 17
    /// TLS 1.3 encrypted alert: 2 bytes + content type + 16-byte AEAD tag = 19 (11 with CCM_8);
    /// anything this small in answer to a flight is alert-sized. An empty Certificate is 25.
    static let alertSizedRange = 11...24

    /// The first of a side's encrypted records answering the other's flight, and how many came
    /// (counted up to 4).
    struct FlightNote: Sendable {
        var count = 0
        var firstLength = 0
        var firstPacket = PacketStamp(number: 0, time: .zero)

        var isEmpty: Bool { count == 0 }
        mutating func add(length: Int, packet: PacketStamp) {
            guard count < 4 else { return }
            if count == 0 { firstLength = length; firstPacket = packet }
            count += 1
        }
    }

    struct Delivery {
        var end: Int
        var packet: PacketStamp
    }

    /// A direction's deliveries in order: the first four in place (most handshakes take no
    /// more), the rest in the working state's `Extra` (`Work.appendDelivery`). Holds no
    /// reference, so that the working state costs nothing to let go of. (Six in place saved the
    /// `Extra` box of a server flight in five or six segments, 65 instructions a connection, but
    /// every connection not yet settled held 96 bytes more: +0.5 MiB at peak on 1 GB.)
    struct DeliveryLog {
        static let inlineCount = 4
        var count = 0
        // (A literal: stored directly, where `init(repeating:)` looped.)
        var inline: InlineArray<4, Delivery> = [DeliveryLog.none, DeliveryLog.none, DeliveryLog.none,
                                                DeliveryLog.none]
        static var none: Delivery { Delivery(end: 0, packet: PacketStamp(number: 0, time: .zero)) }
    }

    /// The reading state of both directions (index 0: client to server, 1: server to client).
    final class Work {
        // One observer's, used by one thread at a time, never reentrantly: no dynamic checks.
        /// The record readers (from `startTLS` on).
        @exclusivity(unchecked) var readers: InlineArray<2, TLSStreamReader> = [Work.reader(startOffset: 0), Work.reader(startOffset: 0)]
        @exclusivity(unchecked) var stopped: InlineArray<2, Bool> = [false, false]
        /// Where each direction's deliveries ended, with the packet: maps stream offsets to packets
        /// (the first four of each; the rest in `extra`).
        @exclusivity(unchecked) var deliveries: InlineArray<2, DeliveryLog> = [DeliveryLog(), DeliveryLog()]
        @exclusivity(unchecked) var lastStream: InlineArray<2, Int> = [0, 0]
        @exclusivity(unchecked) var serverEncryptedRecords = 0
        @exclusivity(unchecked) var clientEncryptAfterHello = false
        /// An SSL 2.0 ClientHello came before the client's first TLS record.
        @exclusivity(unchecked) var clientHelloBeforeTLSRecord = false
        @exclusivity(unchecked) var clientCCS = false
        @exclusivity(unchecked) var serverCCS = false
        /// What most connections never need (a preamble's copies and detector, capture gaps,
        /// deliveries past four): made when first needed, so that the working state of a plain
        /// TLS connection holds no array and is made and let go of cheaply.
        @exclusivity(unchecked) var extra: Extra?

        final class Extra {
            /// The preamble detector (950 bytes) in a box of its own, made when first fed.
            @exclusivity(unchecked) var detector: DetectorBox?
            /// Copies of each direction's prefix, kept only while the preamble is undecided.
            @exclusivity(unchecked) var pendingCopy: InlineArray<2, [UInt8]> = [[], []]
            /// Stream ranges the capture lost (zero-filled by the flow table), per direction.
            @exclusivity(unchecked) var gaps: InlineArray<2, [Range<Int>]> = [[], []]
            /// Each direction's deliveries past the first four.
            @exclusivity(unchecked) var moreDeliveries: InlineArray<2, [Delivery]> = [[], []]

            init() {}

            init(copying o: Extra) {
                detector = o.detector.map { $0.copy() }
                pendingCopy = o.pendingCopy
                gaps = o.gaps
                moreDeliveries = o.moreDeliveries
            }
        }

        init() {}

        /// A box for a connection that starts reading: one of the thread's spare boxes
        /// (`WorkPool`), else a new one.
        @inline(__always)
        static func make() -> Work {
            WorkPool.mine()._withUnsafeGuaranteedRef { $0.pop() } ?? Work()
        }

        /// The next spare box after this one, while it is one of a thread's (`WorkPool`).
        @exclusivity(unchecked) var nextSpare: Work?

        /// Back to the state of a new box (`init()`), and what it held let go of. (The deliveries
        /// past each direction's count are not cleared: none is read at or past the count.)
        func reset() {
            readers[0].reset(recordEvents: false)
            readers[1].reset(recordEvents: false)
            stopped[0] = false
            stopped[1] = false
            deliveries[0].count = 0
            deliveries[1].count = 0
            lastStream[0] = 0
            lastStream[1] = 0
            serverEncryptedRecords = 0
            clientEncryptAfterHello = false
            clientHelloBeforeTLSRecord = false
            clientCCS = false
            serverCCS = false
            extra = nil
        }

        /// A record reader as the observer reads with it: no `.record` events (see `readTLS`).
        static func reader(startOffset: Int) -> TLSStreamReader {
            var r = TLSStreamReader(startOffset: startOffset)
            r.recordEvents = false
            return r
        }

        /// A copy (for a copy of the observer that goes on reading).
        init(copying o: Work) {
            readers = o.readers
            stopped = o.stopped
            deliveries = o.deliveries
            lastStream = o.lastStream
            serverEncryptedRecords = o.serverEncryptedRecords
            clientEncryptAfterHello = o.clientEncryptAfterHello
            clientHelloBeforeTLSRecord = o.clientHelloBeforeTLSRecord
            clientCCS = o.clientCCS
            serverCCS = o.serverCCS
            extra = o.extra.map { Extra(copying: $0) }
        }

        /// The rarely needed state, made if needed.
        @inline(__always)
        func makeExtra() -> Extra {
            if let e = extra { return e }
            return makeExtraSlow()
        }

        @inline(never)
        func makeExtraSlow() -> Extra {
            let e = Extra()
            extra = e
            return e
        }

        // MARK: The rarely needed state, read without making it

        @inline(__always)
        var detector: DetectorBox? { extra?.detector }
        /// Whether either direction's prefix is kept for the preamble detector.
        @inline(__always)
        var hasPendingCopy: Bool {
            guard let e = extra else { return false }
            return !e.pendingCopy[0].isEmpty || !e.pendingCopy[1].isEmpty
        }
        /// Direction `d`'s copy for the preamble detector (empty when none).
        func pendingCopy(_ d: Int) -> [UInt8] { extra?.pendingCopy[d] ?? [] }
        /// Lets go of both directions' copies.
        func clearPendingCopies() {
            guard let e = extra else { return }
            e.pendingCopy = [[], []]
        }
        /// Direction `d`'s gaps (empty when none).
        func gaps(_ d: Int) -> [Range<Int>] { extra?.gaps[d] ?? [] }

        // MARK: Deliveries

        @inline(__always)
        func deliveryCount(_ d: Int) -> Int { deliveries[d].count }

        @inline(__always)
        func appendDelivery(_ d: Int, _ x: Delivery) {
            let n = deliveries[d].count
            if n < DeliveryLog.inlineCount { deliveries[d].inline[n] = x } else { makeExtra().moreDeliveries[d].append(x) }
            deliveries[d].count = n &+ 1
        }

        /// Direction `d`'s delivery `i` (`i` < `deliveryCount(d)`).
        @inline(__always)
        func delivery(_ d: Int, _ i: Int) -> Delivery {
            if i < DeliveryLog.inlineCount { return deliveries[d].inline[i] }
            // Past the first four, the rest are in `extra` (made by `appendDelivery`; checked all
            // the same, never a trap).
            let j = i &- DeliveryLog.inlineCount
            guard let e = extra, j < e.moreDeliveries[d].count else { return deliveries[d].inline[DeliveryLog.inlineCount &- 1] }
            return e.moreDeliveries[d][j]
        }

        @inline(__always)
        func firstDelivery(_ d: Int) -> Delivery? { deliveries[d].count > 0 ? deliveries[d].inline[0] : nil }
        @inline(__always)
        func lastDelivery(_ d: Int) -> Delivery? { deliveries[d].count > 0 ? delivery(d, deliveries[d].count &- 1) : nil }

        /// The first delivery of direction `d` that ended past `offset`.
        func firstDelivery(_ d: Int, endingPast offset: Int) -> Delivery? {
            var i = 0
            let n = deliveries[d].count
            while i < n {
                let x = delivery(d, i)
                if x.end > offset { return x }
                i &+= 1
            }
            return nil
        }

        /// The directions trade places (the roles were guessed wrong).
        func swapDirections() {
            deliveries.swapAt(0, 1)
            lastStream.swapAt(0, 1)
            if let e = extra {
                e.moreDeliveries.swapAt(0, 1)
                e.pendingCopy.swapAt(0, 1)
            }
        }
    }

    /// The calling thread's spare working boxes: a settled connection's box, reset, is the next
    /// new connection's, instead of one freed and one made (an allocation, its initialization,
    /// the deinitialization of the readers and a free, about 330 instructions, against a reset
    /// of the fields that change). Per thread (a `batch` worker's boxes stay its own), at most
    /// `limit` of them; let go of when the thread ends.
    final class WorkPool {
        static let limit = 32
        // The calling thread's only: no dynamic checks. The spare boxes are a list through their
        // `nextSpare` (moved in and out, never copied: no reference counting).
        @exclusivity(unchecked) var first: Work?
        @exclusivity(unchecked) var count = 0
        /// The key exchange boxes this thread made last (`keyExchangeBox(_:)`) and the key of the
        /// fields each was made of (a box's slot never matches while it has none); the oldest
        /// replaced first.
        @exclusivity(unchecked) var keyExchanges: InlineArray<4, HandshakeFacts.KeyExchangeBox?> = [nil, nil, nil, nil]
        @exclusivity(unchecked) var keyExchangeKeys: InlineArray<4, (UInt64, UInt64, UInt64)> = .init(repeating: (0, 0, 0))
        @exclusivity(unchecked) var nextKeyExchange = 0

        init() {}

        /// A box of the key exchange facts made of `fields`: one of the last four made on this
        /// thread when made of the same (a server, or servers alike, send the same parameters on
        /// every connection: the connections share one box, as they share a ServerHello's), else
        /// a new one, kept.
        func keyExchangeBox(_ fields: TLSAdapter.KeyExchangeFields) -> HandshakeFacts.KeyExchangeBox {
            let k = fields.key
            for i in 0..<4 {
                let e = keyExchangeKeys[i]
                if e.0 == k.0 && e.1 == k.1 && e.2 == k.2, let b = keyExchanges[i] { return b }
            }
            let b = HandshakeFacts.KeyExchangeBox(fields.info)
            keyExchanges[nextKeyExchange] = b
            keyExchangeKeys[nextKeyExchange] = k
            nextKeyExchange = (nextKeyExchange &+ 1) & 3
            return b
        }

        deinit {
            // Unlinked one by one (a long chain released from its head would recurse).
            var next = first.take()
            while let w = next.take() { next = w.nextSpare.take() }
        }

        @inline(__always)
        func pop() -> Work? {
            guard let w = first.take() else { return nil }
            first = w.nextSpare.take()
            count &-= 1
            return w
        }

        @inline(__always)
        func push(_ w: consuming Work) {
            w.nextSpare = first.take()
            first = consume w
            count &+= 1
        }

        nonisolated(unsafe) static let key: pthread_key_t = {
            var k = pthread_key_t()
            pthread_key_create(&k) { p in
                if let p { Unmanaged<WorkPool>.fromOpaque(p).release() }
            }
            return k
        }()

        /// The calling thread's pool (made on first use; the thread's key holds it).
        @inline(__always)
        static func mine() -> Unmanaged<WorkPool> {
            if let p = pthread_getspecific(key) { return Unmanaged.fromOpaque(p) }
            return makeMine()
        }

        @inline(never)
        static func makeMine() -> Unmanaged<WorkPool> {
            let pool = Unmanaged.passRetained(WorkPool())
            pthread_setspecific(key, pool.toOpaque())
            return pool
        }

        /// Takes the box out of `w` (held by no one else), reset, if there is room; else leaves it.
        @inline(__always)
        static func recycle(_ w: inout Work?) {
            mine()._withUnsafeGuaranteedRef { pool in
                guard pool.count < WorkPool.limit, let x = w.take() else { return }
                x.reset()
                pool.push(x)
            }
        }
    }

    /// Lets go of the working state: into the thread's spare boxes when no copy of the observer
    /// holds it too.
    @inline(__always)
    mutating func recycleWork() {
        guard work != nil else { return }
        if isKnownUniquelyReferenced(&work) { WorkPool.recycle(&work) }
        work = nil
    }

    final class DetectorBox {
        // One observer's, used by one thread at a time, never reentrantly: no dynamic checks.
        @exclusivity(unchecked) var detector: PreambleDetector
        init(_ d: PreambleDetector) { detector = d }
        /// A new detector made in the box (not made aside and copied in).
        init(serverPort: UInt16) { detector = PreambleDetector(serverPort: serverPort) }
        func copy() -> DetectorBox { DetectorBox(detector) }
    }

    /// Makes the working state if needed, and unshared (a copy of the observer may hold it too).
    @inline(__always)
    mutating func makeWorkUnique() {
        if work == nil {
            work = Work.make()
        } else if !isKnownUniquelyReferenced(&work) {
            work = Work(copying: work.unsafelyUnwrapped)
        }
    }

    /// The working state, made if needed and unshared (a copy of the observer may hold it too).
    mutating func uniqueWork() -> Work {
        if work == nil {
            let w = Work()
            work = w
            return w
        }
        if !isKnownUniquelyReferenced(&work) { work = Work(copying: work!) }
        return work!
    }

    public init(connection: ConnectionFacts) {
        self.init(serverPort: connection.server.port)
    }

    /// An observer knows of its connection only the server's port (the rest comes with the calls).
    @inline(__always)
    init(serverPort: UInt16) {
        self.serverPort = serverPort
    }

    /// What the flow table calls: made in its slot, with only the server's port read of the facts
    /// (no `ConnectionFacts` made for it, and no copy of the observer into the slot).
    public static func initialize(_ slot: UnsafeMutablePointer<HandshakeObserver>, connectionAt conn: UnsafePointer<ConnectionFacts>) {
        slot.initialize(to: HandshakeObserver(serverPort: conn.pointee.server.port))
    }

    // MARK: ConnectionObserver

    public mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                        packet: PacketStamp, facts conn: ConnectionFacts) -> Interest {
        withUnsafePointer(to: conn) { streamAdvanced(direction, stream: stream, newBytes: newBytes, packet: packet, factsAt: $0) }
    }

    /// What the flow table calls: the facts by address, not copied per call (only the role source
    /// is read of them).
    public mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                        packet: PacketStamp, factsAt conn: UnsafePointer<ConnectionFacts>) -> Interest {
        if released { return .settled }
        // The box stays in `work` for the whole call (only `releaseWorkingState`, after it, lets it
        // go): lent to the reading without a retain and release of it for the call.
        makeWorkUnique()
        let roleSource = conn.pointee.roleSource
        let answer = Unmanaged.passUnretained(work.unsafelyUnwrapped)._withUnsafeGuaranteedRef { w in
            advance(w, direction, stream: stream, newBytes: newBytes, packet: packet, roleSource: roleSource)
        }
        if answer == .settled { releaseWorkingState() }
        return answer
    }

    mutating func advance(_ w: Work, _ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                          packet: PacketStamp, roleSource: RoleSource) -> Interest {
        let d = Int(direction.rawValue)
        if w.deliveries[d].count < HandshakeObserver.deliveryLogLimit {
            w.appendDelivery(d, Delivery(end: stream.count, packet: packet))
        }
        w.lastStream[d] = stream.count
        switch phase {
        case .detecting:
            return detect(w, direction, stream: stream, newBytes: newBytes, packet: packet, roleSource: roleSource)
        case .tls:
            readTLS(w, direction, stream: stream, packet: packet)
            return interest(w)
        case .clientNotTLS:
            // The client spoke something else; see whether the server answers in TLS (an alert).
            if direction == .serverToClient {
                checkServerAnswerToPlaintext(stream: stream, packet: packet)
                return .settled
            }
            return .more
        case .done:
            return .settled
        }
    }

    public mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts conn: ConnectionFacts) {
        tcpEvent(event, direction: direction, packet: packet)
    }

    /// What the flow table calls: the facts by address (not read: the events need only the packet).
    public mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp,
                                  factsAt conn: UnsafePointer<ConnectionFacts>) {
        tcpEvent(event, direction: direction, packet: packet)
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp) {
        let side = Side(direction)
        switch event {
        case .syn: note(side, packet, tag: HandshakeFacts.tagSyn)
        case .synAck: note(side, packet, tag: HandshakeFacts.tagSynAck)
        case .fin: note(side, packet, tag: HandshakeFacts.tagFin)
        case .rst: note(side, packet, tag: HandshakeFacts.tagRst)
        case .gap(let o, let l):
            note(side, packet, .gap(offset: o, length: l))
            // Kept for reading; once settled nothing more is read.
            if !released {
                let w = uniqueWork()
                let d = Int(direction.rawValue)
                let e = w.makeExtra()
                if e.gaps[d].count < 16 { e.gaps[d].append(Int(o)..<Int(o &+ l)) }
            }
        }
    }

    /// `finish(_:)` of an observer that is let go of: its facts are moved out, not copied (a
    /// copy retains every object the facts hold, and letting go of the observer then releases
    /// them again). For a caller that owns the observer (the flow table's end of a connection).
    public consuming func finishing(_ conn: ConnectionFacts) -> HandshakeFacts {
        takeFinished(conn)
    }

    /// `finishing(_:)` of the observer at `slot`, taken where it lies (the flow table's
    /// `onFinishedTaking`): the facts are moved out of it (no empty facts made in their place and
    /// destroyed with it), the rest is deinitialized; `slot` is uninitialized memory on return.
    public static func finishing(at slot: UnsafeMutablePointer<HandshakeObserver>, _ conn: ConnectionFacts) -> HandshakeFacts {
        // (The facts' address from a stored property's key path, which folds to a constant
        // offset: no lazily made global to check on each call.)
        guard slot.pointee.phase != .detecting, let factsAt = slot.pointer(to: \HandshakeObserver.facts) else {
            let f = slot.pointee.takeFinished(conn)
            slot.deinitialize(count: 1)
            return f
        }
        // (Read in place: `slot.pointee` copied into a local would retain all it holds.)
        let alert = slot.pointee.tls13 ? slot.pointee.inferredAlertAtEnd(conn) : nil
        // Of the observer's stored properties only `facts` and `work` hold references (the test
        // `onlyFactsAndWorkHoldReferences` checks it): with `work` let go of and `facts` moved out,
        // what is left in the slot needs no deinitializing.
        slot.pointee.recycleWork()
        var f = factsAt.move()
        if let alert { f.alerts.append(alert) }
        return f
    }

    /// The TLS 1.3 alert inferred at the end, if any (of an observer past detecting). Mutating
    /// (it changes nothing) so that a call through a pointer reaches the observer in place: a
    /// non-mutating one was handed a copy of it.
    mutating func inferredAlertAtEnd(_ conn: ConnectionFacts) -> AlertInfo? {
        HandshakeObserver.inferredTLS13Alert(facts, clientAfterFlight: clientAfterFlight,
                                             serverAfterClientFlight: serverAfterClientFlight, conn: conn)
    }


    /// `finishing(_:)` of an observer left where it is: the facts are swapped out of it (it keeps
    /// empty ones), not copied, and the observer is not moved. For a caller that lets go of the
    /// observer next.
    public mutating func takeFinished(_ conn: ConnectionFacts) -> HandshakeFacts {
        if phase == .detecting { return finish(conn) }
        let alert = tls13 ? HandshakeObserver.inferredTLS13Alert(facts, clientAfterFlight: clientAfterFlight,
                                                                serverAfterClientFlight: serverAfterClientFlight, conn: conn) : nil
        // Swapped out (a bitwise move), not copied.
        var f = HandshakeFacts()
        swap(&f, &facts)
        if let alert { f.alerts.append(alert) }
        return f
    }

    /// The facts, with what can only be decided once the connection is over (TLS 1.3 inferences).
    public func finish(_ conn: ConnectionFacts) -> HandshakeFacts {
        // Most connections: the facts as they are, or with one alert inferred (one copy of the facts).
        if phase != .detecting {
            guard tls13, let alert = HandshakeObserver.inferredTLS13Alert(facts, clientAfterFlight: clientAfterFlight,
                                                                         serverAfterClientFlight: serverAfterClientFlight, conn: conn) else { return facts }
            var f = facts
            f.alerts.append(alert)
            return f
        }
        var f = facts
        if phase == .detecting {
            // What the undecided preamble amounts to now that the connection is over (e.g. a proxy's
            // 407 that the client never answered with a new CONNECT).
            let detector = work?.detector?.detector ?? PreambleDetector(serverPort: serverPort)
            switch detector.verdictAtEnd {
            case .refused(let info): f.preamble = info; f.preambleResult = .refused
            case .plaintext(let info): f.preamble = info; f.preambleResult = .plaintext
            default: break
            }
        }
        if phase == .detecting && f.preamble == nil {
            // Undecided: say what the client began with, if anything.
            if let s = HandshakeObserver.sample(work?.pendingCopy(0) ?? []) { f.clientNotTLS = s }
        }
        if tls13 { HandshakeObserver.inferTLS13(&f, clientAfterFlight: clientAfterFlight,
                                                serverAfterClientFlight: serverAfterClientFlight, conn: conn) }
        return f
    }

    // MARK: Preamble detection

    mutating func detect(_ w: Work, _ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                         packet: PacketStamp, roleSource: RoleSource) -> Interest {
        // Roles guessed from ports, but the "server" is the one sending a ClientHello: swap. The
        // flow table does not deliver these bytes again, so they are read here as the client's.
        if roleSource == .ports, direction == .serverToClient, w.lastStream[0] == 0,
           PreambleDetector.looksLikeTLSStart(stream) == true {
            w.swapDirections()
            _ = detect(w, .clientToServer, stream: stream, newBytes: newBytes, packet: packet, roleSource: roleSource)
            return .swapRoles
        }
        let d = Int(direction.rawValue)
        // The capture lost the first bytes of this direction (the flow table zero-filled them): they
        // are not content. The client's loss is its hello's; the server's is its first answer's.
        if let e = w.extra, let lost = e.gaps[d].first, lost.lowerBound == 0 {
            let loss = ClientHelloLoss(packet: packet, lostBytes: lost.count, size: 0)
            if direction == .clientToServer {
                // Nothing of the client's can be framed; the server's side is still read as TLS.
                facts.clientHelloLost = facts.clientHelloLost ?? loss
                startTLS(w, clientOffset: 0, serverOffset: 0, afterPreamble: false)
                w.stopped[0] = true
                let copy = w.pendingCopy(1)
                if !copy.isEmpty {
                    copy.withUnsafeBytes { readTLS(w, .serverToClient, stream: $0, packet: packet) }
                }
                w.clearPendingCopies()
                return interest(w)
            }
            facts.serverHelloLost = facts.serverHelloLost ?? loss
            return .more
        }
        // No SYN captured and this side's first bytes are TLS records but no ClientHello: the capture
        // began mid-connection. Read both directions as TLS from their first captured byte.
        if roleSource != .syn, HandshakeObserver.looksLikeTLSRecord(stream),
           PreambleDetector.looksLikeTLSStart(stream) != true {
            facts.beganMidStream = true
            startTLS(w, clientOffset: 0, serverOffset: 0, afterPreamble: false)
            readTLS(w, direction, stream: stream, packet: packet)
            let other = 1 - d
            let copy = w.pendingCopy(other)
            if !copy.isEmpty {
                copy.withUnsafeBytes { readTLS(w, other == 0 ? .clientToServer : .serverToClient, stream: $0, packet: packet) }
            }
            w.clearPendingCopies()
            return interest(w)
        }
        // Plain TLS from the first byte: no copies needed.
        if direction == .clientToServer && !w.hasPendingCopy {
            if let looks = PreambleDetector.looksLikeTLSStart(stream), looks {
                startTLS(w, clientOffset: 0, serverOffset: 0, afterPreamble: false)
                readTLS(w, .clientToServer, stream: stream, packet: packet)
                return interest(w)
            }
        }
        // The detector reads this direction's bytes where they lie (the stream holds all of them
        // from offset 0) and the other direction's from their copy; this direction's are copied
        // only while undecided (`keepCopy`), for the calls from the other direction: a call that
        // decides (a server's answer, mostly) copies nothing.
        let e = w.makeExtra()
        let box: DetectorBox
        if let b = e.detector { box = b } else {
            box = DetectorBox(serverPort: serverPort)
            e.detector = box
        }
        // (What the copy of these bytes would hold: the first `preambleCopyLimit` of them.)
        let here = UnsafeRawBufferPointer(rebasing: stream[0..<min(stream.count, HandshakeObserver.preambleCopyLimit)])
        let verdict = d == 0
            ? e.pendingCopy[1].withUnsafeBytes { s in box.detector.feed(client: here, server: s) }
            : e.pendingCopy[0].withUnsafeBytes { c in box.detector.feed(client: c, server: here) }
        // (Consumed: the preamble it carries is moved into the facts, not copied and destroyed.)
        switch consume verdict {
        case .undecided:
            keepCopy(e, d, stream: stream, newBytes: newBytes)
            if e.pendingCopy[0].count >= HandshakeObserver.preambleCopyLimit || e.pendingCopy[1].count >= HandshakeObserver.preambleCopyLimit {
                return clientNotTLS(w, packet)
            }
            return .more
        case .tls(let co, let so, let info):
            let afterPreamble = notePreamble(w, info)
            startTLS(w, clientOffset: co, serverOffset: so, afterPreamble: afterPreamble)
            // Bytes already delivered in either direction past the preamble are read now.
            for dir in [Direction.clientToServer, .serverToClient] {
                let i = Int(dir.rawValue)
                if dir == direction {
                    readTLS(w, dir, stream: stream, packet: packet)
                } else if e.pendingCopy[i].count > (dir == .clientToServer ? co : so) {
                    let copy = e.pendingCopy[i]
                    copy.withUnsafeBytes { readTLS(w, dir, stream: $0, packet: packet) }
                }
            }
            w.clearPendingCopies()
            return interest(w)
        case .refused(let info):
            notePreamble(w, info)
            facts.preambleResult = .refused
            phase = .done
            return .settled
        case .plaintext(let info):
            notePreamble(w, info)
            facts.preambleResult = .plaintext
            phase = .done
            return .settled
        case .notTLS:
            keepCopy(e, d, stream: stream, newBytes: newBytes)
            return clientNotTLS(w, packet)
        }
    }

    /// Keeps direction `d`'s new bytes in its copy for the preamble detector (bounded): the copy
    /// then holds the direction's first bytes, up to `preambleCopyLimit`, as delivered so far.
    func keepCopy(_ e: Work.Extra, _ d: Int, stream: UnsafeRawBufferPointer, newBytes: Int) {
        guard e.pendingCopy[d].count < HandshakeObserver.preambleCopyLimit else { return }
        let start = max(0, stream.count - newBytes)
        let take = min(stream.count, start + HandshakeObserver.preambleCopyLimit - e.pendingCopy[d].count)
        if take > start {
            // Room for a preamble's few messages from the first (not grown at each), and the
            // bytes copied from a raw buffer (one copy, not the generic path of a slice).
            if e.pendingCopy[d].capacity == 0 { e.pendingCopy[d].reserveCapacity(max(1024, take &- start)) }
            e.pendingCopy[d].append(contentsOf: UnsafeRawBufferPointer(rebasing: stream[start..<take]))
        }
    }

    mutating func clientNotTLS(_ w: Work, _ packet: PacketStamp) -> Interest {
        if let s = HandshakeObserver.sample(w.pendingCopy(0)) {
            facts.clientNotTLS = s
            note(.client, packetFor(w, .clientToServer, offset: 0) ?? packet, .notTLS(sample: s))
        }
        let copy = w.pendingCopy(1)
        if !copy.isEmpty {
            let p = packetFor(w, .serverToClient, offset: 0) ?? packet
            copy.withUnsafeBytes { checkServerAnswerToPlaintext(stream: $0, packet: p) }
            w.clearPendingCopies()
            phase = .done
            return .settled
        }
        w.clearPendingCopies()
        phase = .clientNotTLS
        return .more
    }

    mutating func checkServerAnswerToPlaintext(stream: UnsafeRawBufferPointer, packet: PacketStamp) {
        phase = .done
        var r = TLSStreamReader(startOffset: 0)
        var sawRecord = false
        loop: for _ in 0..<8 {
            switch r.next(in: stream) {
            case .record: sawRecord = true; facts.serverSentTLS = true
            case .alert(let a, _):
                facts.alerts.append(AlertInfo(by: .server, level: a.level.rawValue, description: a.description.rawValue,
                                              encrypted: false, inferred: false, packet: packet))
                note(.server, packet, .alert(level: a.level.rawValue, description: a.description.rawValue))
            case .needMore, .malformed: break loop
            default: continue
            }
        }
        if !sawRecord, let s = HandshakeObserver.sample(stream) {
            facts.serverNotTLS = s
            note(.server, packet, .notTLS(sample: s))
        }
    }

    /// The preamble into the facts (moved: taken by the call) and its command and reply into the
    /// timeline; whether there was one. (Answered here: testing the optional preamble before the
    /// call copied it several times.)
    @discardableResult
    mutating func notePreamble(_ w: Work, _ preamble: consuming PreambleInfo?) -> Bool {
        guard let info = consume preamble else { return false }
        let command = info.command ?? (info.kind == .rdp ? "X.224 Connection Request" : nil)
        let commandOffset = info.commandOffset ?? 0
        let reply = info.serverReply ?? (info.kind == .rdp ? rdpReplyText(info.rdp) : nil)
        let replyOffset = info.replyOffset ?? 0
        facts.preamble = consume info
        if let command {
            note(.client, packetFor(w, .clientToServer, offset: commandOffset) ?? w.firstDelivery(0)?.packet ?? PacketStamp(number: 0, time: .zero),
                 .preambleCommand(command))
        }
        if let reply {
            if let p = packetFor(w, .serverToClient, offset: replyOffset) ?? w.lastDelivery(1)?.packet {
                note(.server, p, .preambleReply(reply))
            }
        }
        return true
    }

    func rdpReplyText(_ rdp: RDPNegotiation?) -> String {
        guard let rdp else { return "X.224 Connection Confirm" }
        if let f = rdp.failureCode { return RDPNegotiation.confirmFailureText(f) }
        if let s = rdp.selectedProtocol { return RDPNegotiation.confirmSelectingText(s) }
        return "X.224 Connection Confirm"
    }

    /// TLS starts at the given stream offsets; `afterPreamble` when a preamble came before it.
    /// (A flag, not the preamble: a `PreambleInfo?` made, tested and destroyed here cost about
    /// 120 instructions a connection.)
    mutating func startTLS(_ w: Work, clientOffset: Int, serverOffset: Int, afterPreamble: Bool) {
        phase = .tls
        facts.preambleResult = afterPreamble ? .tls : nil
        // The readers are unused before TLS starts (made by `Work.init` with no record events):
        // made again only to start past a preamble.
        if clientOffset != 0 { w.readers[0] = Work.reader(startOffset: clientOffset) }
        if serverOffset != 0 { w.readers[1] = Work.reader(startOffset: serverOffset) }
    }

    // MARK: TLS

    /// The packet whose delivery made stream offset `offset` available.
    func packetFor(_ w: Work, _ direction: Direction, offset: Int) -> PacketStamp? {
        w.firstDelivery(Int(direction.rawValue), endingPast: offset)?.packet
    }

    /// How many deliveries carried bytes of `range`.
    @inline(__always)
    func segmentCount(_ w: Work, _ direction: Direction, _ range: Range<Int>) -> Int {
        var n = 0, prevEnd = 0
        let d = Int(direction.rawValue)
        let count = w.deliveryCount(d)
        var i = 0
        while i < count {
            let dl = w.delivery(d, i)
            if dl.end > range.lowerBound && prevEnd < range.upperBound { n += 1 }
            prevEnd = dl.end
            i &+= 1
        }
        return max(n, 1)
    }

    mutating func readTLS(_ w: Work, _ direction: Direction, stream: UnsafeRawBufferPointer, packet: PacketStamp) {
        let d = Int(direction.rawValue)
        guard phase == .tls, !w.stopped[d] else { return }
        let side = Side(direction)
        var events = 0
        // The readers hand out no `.record` events (see startTLS): a side sent TLS once its reader
        // has read a record (TLS or SSL 2.0). Noted once as the call ends, for the common events
        // (their handling reads no such flag), and before any other event, whose handling may.
        defer {
            if w.readers[d].recordsRead > 0 {
                if side == .client { if !facts.clientSentTLS { facts.clientSentTLS = true } }
                else if !facts.serverSentTLS { facts.serverSentTLS = true }
            }
        }
        loop: while events < 256 {
            events += 1
            // Once this call has read all of the stream, the reader would only say it needs more.
            if events > 1 && w.readers[d].isCaughtUp(withStreamOf: stream.count) { break loop }
            // The common events first, as plain values; anything else as a TLSStreamEvent.
            let common = w.readers[d].nextCommon(in: stream)
            switch common.kind {
            case .needMore:
                break loop
            case .handshake:
                // (Its view, not a `HandshakeMessage`: nothing to destroy after the call.)
                handshakeMessage(w, MessageView(type: common.type, length: common.length, streamOffset: common.offset,
                                                recordOffset: common.recordOffset, stream: stream),
                                 side: side, stream: stream, packet: packet)
                continue loop
            case .encryptedRecord:
                encrypted(w, type: common.type, length: common.length, offset: common.offset, side: side, stream: stream, packet: packet)
                continue loop
            case .changeCipherSpec:
                changeCipherSpec(w, d, side: side, packet: packet)
                continue loop
            case .other:
                break
            }
            // Anything else, out of line (its event values kept out of this loop's frame).
            if !readUncommon(w, d, side: side, stream: stream, packet: packet) { break loop }
        }
    }

    /// `readTLS`'s events other than the common ones (`TLSStreamReader.nextCommon`): the next
    /// event read as a `TLSStreamEvent` and handled; false when reading stops for this call.
    @inline(never)
    mutating func readUncommon(_ w: Work, _ d: Int, side: Side, stream: UnsafeRawBufferPointer, packet: PacketStamp) -> Bool {
        let ev = w.readers[d].next(in: stream)
        if w.readers[d].recordsRead > 0 {
            if side == .client { if !facts.clientSentTLS { facts.clientSentTLS = true } }
            else if !facts.serverSentTLS { facts.serverSentTLS = true }
        }
        switch ev {
        case .needMore:
            return false
        case .record:
            break  // not handed out
        case .handshake(let msg):
            msg.withView(in: stream) { handshakeMessage(w, $0, side: side, stream: stream, packet: packet) }
        case .changeCipherSpec:
            changeCipherSpec(w, d, side: side, packet: packet)
        case .alert(let a, _):
            facts.alerts.append(AlertInfo(by: side, level: a.level.rawValue, description: a.description.rawValue,
                                          encrypted: false, inferred: false, packet: packet))
            note(side, packet, .alert(level: a.level.rawValue, description: a.description.rawValue))
        case .encryptedRecord(let type, let length, let offset):
            encrypted(w, type: type.rawValue, length: length, offset: offset, side: side, stream: stream, packet: packet)
        case .heartbeat:
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: 24)
        case .sslv2(let rec):
            if side == .client && facts.clientHello == nil && w.readers[d].firstRecordVersion == nil {
                // An SSL 2.0 hello before any TLS record: the ClientHello's record version
                // stays unknown, as the first TLS record comes after it.
                sslv2(w, rec, side: side, packet: packet)
                if facts.clientHello != nil { w.clientHelloBeforeTLSRecord = true }
            } else {
                sslv2(w, rec, side: side, packet: packet)
            }
        case .malformed(let err):
            w.stopped[d] = true
            let cursor = w.readers[d].cursor
            if let lost = w.gaps(d).first(where: { $0.contains(err.offset) || $0.contains(cursor) }) {
                // Zero-filled bytes the capture lost, not the peer's: a loss, never "not TLS".
                let loss = ClientHelloLoss(packet: packet, lostBytes: lost.count, size: 0)
                if side == .client && facts.clientHello == nil { facts.clientHelloLost = facts.clientHelloLost ?? loss }
                if side == .server && facts.serverHelloBox == nil { facts.serverHelloLost = facts.serverHelloLost ?? loss }
                facts.parseErrors.append("\(side.rawValue): \(lost.count) bytes lost in the capture at stream offset \(lost.lowerBound)")
                note(side, packet, .malformed(reason: "\(lost.count) bytes lost in the capture", offset: lost.lowerBound))
                return false
            }
            let sentTLS = side == .client ? facts.clientSentTLS : facts.serverSentTLS
            if !sentTLS {
                let start = side == .client ? 0 : cursor
                if let s = HandshakeObserver.sample(UnsafeRawBufferPointer(rebasing: stream[min(start, stream.count)...])) {
                    if side == .server { facts.serverNotTLS = s } else { facts.clientNotTLS = s }
                    note(side, packet, .notTLS(sample: s))
                    return false
                }
            }
            facts.parseErrors.append("\(side.rawValue): \(err)")
            note(side, packet, .malformed(reason: "\(err.reason)", offset: err.offset))
            return false
        }
        return true
    }

    /// A ChangeCipherSpec read from `side`'s stream (direction index `d`).
    @inline(__always)
    mutating func changeCipherSpec(_ w: Work, _ d: Int, side: Side, packet: PacketStamp) {
        note(side, packet, tag: HandshakeFacts.tagChangeCipherSpec)
        // TLS ≤ 1.2 switches to encryption at ChangeCipherSpec, which comes only after the
        // ServerHello. A CCS before it is TLS 1.3's middlebox-compatibility CCS (e.g. around
        // a HelloRetryRequest) and changes nothing.
        if !tls13, let sh = facts.serverHelloBox, !sh.value.isHelloRetryRequest {
            w.readers[d].markEncrypted()
            if side == .client { w.clientCCS = true } else { w.serverCCS = true }
        }
    }

    /// A handshake message read from `side`'s stream.
    mutating func handshakeMessage(_ w: Work, _ msg: MessageView, side: Side, stream: UnsafeRawBufferPointer, packet: PacketStamp) {
        handshake(w, msg, side: side, stream: stream, packet: packet)
        if side == .client && msg.type == 1 && w.clientEncryptAfterHello {
            w.clientEncryptAfterHello = false
            w.readers[0].markEncrypted()
        }
    }

    mutating func handshake(_ w: Work, _ msg: MessageView, side: Side, stream: UnsafeRawBufferPointer, packet: PacketStamp) {
        let type = msg.type
        // A message the capture lost bytes of (a gap, zero-filled by the flow table, or cut by the
        // snapshot length) is never parsed: its fields would be zeros. It is reported as lost.
        let span = msg.streamOffset..<(msg.streamOffset + 4 + msg.length)
        if let e = w.extra, !e.gaps[side == .client ? 0 : 1].isEmpty {
            let gaps = e.gaps[side == .client ? 0 : 1]
            let lostBytes = gaps.reduce(0) { $0 + ($1.overlaps(span) ? $1.clamped(to: span).count : 0) }
            if lostBytes > 0 {
                let loss = ClientHelloLoss(packet: packet, lostBytes: lostBytes, size: span.count)
                if side == .client && type == 1 && facts.clientHelloLost == nil { facts.clientHelloLost = loss }
                if side == .server && type == 2 && facts.serverHelloLost == nil { facts.serverHelloLost = loss }
                facts.parseErrors.append("\(side.rawValue): \(Names.handshakeType(type)) with \(lostBytes) of \(span.count) bytes lost in the capture")
                note(side, packet, .malformed(reason: "\(Names.handshakeType(type)) with \(lostBytes) bytes lost in the capture", offset: span.lowerBound))
                return
            }
        }
        switch (side, type) {
        case (.client, 1):
            // The version of the client's first TLS record (the one carrying the hello's start),
            // and the segments that carried the hello.
            let recordVersion = w.clientHelloBeforeTLSRecord ? 0 : w.readers[0].firstRecordVersion?.rawValue ?? 0
            let segments = segmentCount(w, .clientToServer, msg.recordOffset..<(msg.streamOffset + 4 + msg.length))
            guard let (info, problem) = TLSAdapter.clientHello(msg, recordVersion: recordVersion, tcpSegments: segments) else {
                facts.parseErrors.append("client: unreadable ClientHello")
                note(side, packet, .malformed(reason: "unreadable ClientHello", offset: msg.streamOffset))
                return
            }
            if let problem { facts.parseErrors.append("client: ClientHello: \(problem)") }
            // Noted first, so that the hello is moved into the facts as its last use (kept after
            // the note, it was retained into them and released after).
            note(side, packet, tag: HandshakeFacts.tagClientHello)
            if facts.clientHello == nil {
                facts.clientHelloPacket = packet
                facts.clientHello = consume info
            } else if facts.secondClientHello == nil {
                facts.secondClientHello = consume info
            }
        case (.server, 2):
            guard let box = TLSAdapter.serverHello(msg, recordVersion: w.readers[1].firstRecordVersion?.rawValue ?? 0) else {
                facts.parseErrors.append("server: unreadable ServerHello")
                note(side, packet, .malformed(reason: "unreadable ServerHello", offset: msg.streamOffset))
                return
            }
            if let problem = box.extensionProblem { facts.parseErrors.append("server: ServerHello: \(problem)") }
            if box.value.isHelloRetryRequest && facts.helloRetryRequest == nil {
                facts.helloRetryRequest = box.value
                note(side, packet, tag: HandshakeFacts.tagHelloRetryRequest)
                return
            }
            let version = box.value.version
            let resumed12 = !HandshakeObserver.isTLS13Family(version) && box.value.sessionIDLength > 0
                && (facts.clientHello?.sessionIDLength ?? 0) > 0
                && TLSAdapter.sameSessionID(clientHelloOf: facts, serverHello: msg)
            let pskAccepted = box.value.extensions.contains(41)  // pre_shared_key accepted
            // Moved into the facts (its last use): the box is the memo's, shared by every
            // connection and thread, and was retained into the facts and released after.
            facts.serverHelloBox = consume box
            facts.serverHelloPacket = packet
            note(side, packet, tag: HandshakeFacts.tagServerHello)
            if HandshakeObserver.isTLS13Family(version) {
                tls13 = true
                w.readers[1].markEncrypted()
                // The client's records are encrypted after its ClientHello; if the capture delivers
                // the server's answer first (reordering, a late-filled hole), wait for the hello.
                if facts.clientHello != nil || facts.clientHelloLost != nil { w.readers[0].markEncrypted() }
                else { w.clientEncryptAfterHello = true }
                facts.resumed = pskAccepted
            } else if resumed12 {
                facts.resumed = true
            }
        case (.server, 11):
            facts.certificates = TLSAdapter.certificates(msg)
            facts.certificatePacket = packet
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        case (.client, 11):
            facts.clientCertificates = TLSAdapter.certificates(msg)
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        case (.server, 12):
            // The suite and version read in the box (the ServerHello's values copied out retained
            // and released each of its lists and strings).
            let suite = facts.serverHelloBox?.value.cipherSuite, version = facts.serverHelloBox?.value.version
            let fields = TLSAdapter.serverKeyExchangeFields(msg, suite: suite, version: version)
            facts.keyExchangeBox = fields.map { f in WorkPool.mine()._withUnsafeGuaranteedRef { $0.keyExchangeBox(f) } }
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        case (.server, 13):
            facts.certificateRequested = true
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        case (_, 20):
            // A plaintext Finished (only without encryption: broken or test traffic).
            if side == .client { facts.clientFinished = facts.clientFinished ?? packet } else { facts.serverFinished = facts.serverFinished ?? packet }
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        default:
            note(side, packet, tag: HandshakeFacts.tagHandshake, a: type)
        }
    }

    mutating func encrypted(_ w: Work, type: UInt8, length: Int, offset: Int, side: Side, stream: UnsafeRawBufferPointer, packet: PacketStamp) {
        if !tls13 {
            // TLS ≤ 1.2: the content type is visible.
            switch type {
            case 22:
                // The first encrypted handshake record after a side's CCS is its Finished.
                if side == .client, facts.clientFinished == nil, w.clientCCS { facts.clientFinished = packet }
                if side == .server, facts.serverFinished == nil, w.serverCCS { facts.serverFinished = packet }
                note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
            case 21:
                note(side, packet, tag: HandshakeFacts.tagEncryptedAlert, length: length)
                if !handshakeComplete {
                    facts.alerts.append(AlertInfo(by: side, level: nil, description: nil, encrypted: true, inferred: false, packet: packet))
                }
            case 23:
                if side == .client { facts.clientAppData = facts.clientAppData ?? packet } else { facts.serverAppData = facts.serverAppData ?? packet }
                note(side, packet, tag: HandshakeFacts.tagApplicationData, length: length)
            default:
                note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
            }
            return
        }
        // TLS 1.3: everything after the ServerHello looks like application data (RFC 8446 §5.2).
        if type == 21 && length == 2, let a = TLSAdapter.plaintextAlert(at: offset, in: stream) {
            // A plaintext alert (sent before the sender had keys, e.g. rejecting the ServerHello itself).
            facts.alerts.append(AlertInfo(by: side, level: a.level, description: a.description, encrypted: false, inferred: false, packet: packet))
            note(side, packet, .alert(level: a.level, description: a.description))
            return
        }
        if facts.serverHelloBox == nil {
            // Client early data (0-RTT) before the ServerHello.
            note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
            return
        }
        switch side {
        case .server:
            if clientAfterFlight.isEmpty {
                w.serverEncryptedRecords += 1
                facts.serverFinished = packet
                note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
            } else {
                serverAfterClientFlight.add(length: length, packet: packet)
                if HandshakeObserver.alertSizedRange.contains(length) && serverAfterClientFlight.count == 1 {
                    note(side, packet, tag: HandshakeFacts.tagEncryptedAlert, length: length)
                } else {
                    facts.serverAppData = facts.serverAppData ?? packet
                    note(side, packet, tag: HandshakeFacts.tagApplicationData, length: length)
                }
            }
        case .client:
            guard w.serverEncryptedRecords > 0 else {
                note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
                return
            }
            clientAfterFlight.add(length: length, packet: packet)
            if clientAfterFlight.count == 1 && HandshakeObserver.alertSizedRange.contains(length) {
                note(side, packet, tag: HandshakeFacts.tagEncryptedAlert, length: length)
            } else if facts.clientFinished == nil {
                facts.clientFinished = packet
                note(side, packet, tag: HandshakeFacts.tagEncryptedRecord, a: type, length: length)
            } else {
                facts.clientAppData = facts.clientAppData ?? packet
                note(side, packet, tag: HandshakeFacts.tagApplicationData, length: length)
            }
        }
    }

    mutating func sslv2(_ w: Work, _ rec: SSLv2Record, side: Side, packet: PacketStamp) {
        switch rec.message {
        case .clientHello(let hello):
            if facts.clientHello == nil {
                var info = TLSAdapter.clientHello(sslv2: hello)
                info.size = rec.length
                info.tcpSegments = segmentCount(w, .clientToServer, rec.offset..<(rec.offset + rec.headerLength + rec.length))
                facts.clientHello = info
                facts.clientHelloPacket = packet
                note(side, packet, tag: HandshakeFacts.tagClientHello)
            }
        case .serverHello(let hello):
            var info = ServerHelloInfo()
            info.version = hello.version.rawValue
            info.legacyVersion = hello.version.rawValue
            info.size = rec.length
            facts.serverHello = info
            facts.serverHelloPacket = packet
            note(side, packet, tag: HandshakeFacts.tagServerHello)
            // SSL 2.0 encrypts everything after the hellos: the handshake is settled as far as we can read it.
            facts.clientFinished = packet
            facts.serverFinished = packet
        case .error(let code):
            facts.alerts.append(AlertInfo(by: side, level: 2, description: code == 1 ? 40 : 42, encrypted: false, inferred: false, packet: packet))
            note(side, packet, .alert(level: 2, description: code == 1 ? 40 : 42))
        default:
            break
        }
    }

    var handshakeComplete: Bool { facts.clientFinished != nil && facts.serverFinished != nil }

    /// Whether to keep reading.
    @inline(__always)
    func interest(_ w: Work) -> Interest {
        if w.stopped[0] && w.stopped[1] { return .settled }
        if facts.alerts.contains(where: { $0.isFatal }) { return .settled }
        if tls13 {
            return facts.clientFinished != nil && facts.serverAppData != nil ? .settled : .more
        }
        return handshakeComplete ? .settled : .more
    }

    /// Once settled, no more bytes come (the flow table stops delivering them): what was kept to
    /// read them is let go, so that a connection waiting out its close (5 s of capture time by
    /// default, thousands of connections on a busy link) holds little more than its facts, and the
    /// timeline keeps room for the closing events (two: a FIN each way, or an RST): made again
    /// when it has less, or more than 8 to spare (a failure's few events). (Not for a few spare:
    /// the new timeline costs about 200 instructions, for a few dozen bytes.)
    mutating func releaseWorkingState() {
        recycleWork()
        released = true
        let n = facts.events.count
        let room = facts.events.capacity &- n
        if room < 2 || room > 8 {
            // Room for a FIN each way, or an RST; the events copied at once.
            facts.events = HandshakeFacts.PackedEvents(copying: facts.events, capacity: n &+ 2)
        }
    }

    // MARK: Timeline

    /// (Inlined: where the kind is known, its packing folds, and no event value is made and destroyed.)
    @inline(__always)
    mutating func note(_ side: Side, _ packet: PacketStamp, _ kind: TimelineEvent.Kind) {
        let n = facts.events.count
        if n < HandshakeObserver.timelineLimit {
            if n == 0 && facts.events.capacity == 0 { reserveTimeline() }
            facts.append(side, packet, kind)
        } else {
            facts.timelineDropped += 1
        }
    }

    /// A timeline event of a kind that packs (`HandshakeFacts.append`), given as its packed tag and
    /// values: written straight into the timeline, with no `TimelineEvent.Kind` made, switched on
    /// and destroyed. Packs exactly as `note(_:_:_:)` would (the same event when a value does not
    /// fit, through it).
    @inline(__always)
    mutating func note(_ side: Side, _ packet: PacketStamp, tag: UInt8, a: UInt8 = 0, b: UInt8 = 0, length: Int = 0) {
        let n = facts.events.count
        guard n < HandshakeObserver.timelineLimit else {
            facts.timelineDropped += 1
            return
        }
        guard let number = UInt32(exactly: packet.number), let value = UInt32(exactly: length) else {
            return noteUnpacked(side, packet, tag: tag, a: a, b: b, length: length)
        }
        if n == 0 && facts.events.capacity == 0 { reserveTimeline() }
        facts.events.append(HandshakeFacts.PackedEvent(seconds: packet.time.seconds, nanoseconds: packet.time.nanoseconds, number: number,
                                                       tag: side == .server ? tag | 0x80 : tag, a: a, b: b, value: value))
    }

    /// The same event as a `TimelineEvent.Kind`, noted the usual way (a packet number or length
    /// past 32 bits).
    @inline(never)
    mutating func noteUnpacked(_ side: Side, _ packet: PacketStamp, tag: UInt8, a: UInt8, b: UInt8, length: Int) {
        note(side, packet, HandshakeFacts.kind(tag: tag, a: a, b: b, length: length))
    }

    @inline(never)
    mutating func reserveTimeline() {
        facts.events = HandshakeFacts.PackedEvents(capacity: HandshakeObserver.timelineInitialCapacity)
    }

    /// TLS 1.3 and its pre-standard forms, all of which encrypt after the ServerHello: IETF drafts
    /// (0x7fXX), Chrome's 2017 experiment variants (0x7e01, 0x7e02) and Facebook's drafts (0xfbXX).
    static func isTLS13Family(_ v: UInt16) -> Bool {
        v == 0x0304 || v & 0xff00 == 0x7f00 || v == 0x7e01 || v == 0x7e02 || v & 0xff00 == 0xfb00
    }

    /// A TLS record header with a content type of 20-23, version 3.0-3.4 and a plausible length.
    static func looksLikeTLSRecord(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 5 else { return false }
        let len = Int(b[3]) << 8 | Int(b[4])
        return (20...23).contains(b[0]) && b[1] == 3 && b[2] <= 4 && len > 0 && len <= 16384 + 2048
    }

    /// Up to 40 printable characters of the first bytes (non-printables as ".", CR and LF as
    /// spaces, trailing spaces dropped), quoted, for evidence; mostly binary bytes as the hex of the
    /// first 16 ("0x…"). Written into the string's own storage at once (appending the characters
    /// one by one cost about 15,000 instructions a sample).
    static func sample(_ bytes: some Collection<UInt8>) -> String? {
        guard !bytes.isEmpty else { return nil }
        let head = bytes.prefix(40)
        var printable = 0
        for b in head where b >= 0x20 && b < 0x7f { printable += 1 }
        if printable < min(bytes.count, 40) / 2 {
            // Mostly binary: hex of the first bytes instead.
            let first = bytes.prefix(16)
            return String(unsafeUninitializedCapacity: 2 + 2 * 16) { out in
                out[0] = UInt8(ascii: "0"); out[1] = UInt8(ascii: "x")
                var i = 2
                for b in first {
                    out[i] = hexDigit(b >> 4); out[i + 1] = hexDigit(b & 0x0f)
                    i += 2
                }
                return i
            }
        }
        return String(unsafeUninitializedCapacity: 2 + 40) { out in
            out[0] = UInt8(ascii: "'")
            var i = 1
            for b in head {
                out[i] = b >= 0x20 && b < 0x7f ? b : (b == 0x0d || b == 0x0a ? UInt8(ascii: " ") : UInt8(ascii: "."))
                i += 1
            }
            while i > 1 && out[i - 1] == UInt8(ascii: " ") { i -= 1 }
            out[i] = UInt8(ascii: "'")
            return i + 1
        }
    }

    @inline(__always) private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 &+ v : 0x57 &+ v }

    // MARK: TLS 1.3 inference at the end

    static func inferTLS13(_ f: inout HandshakeFacts, clientAfterFlight: FlightNote,
                           serverAfterClientFlight: FlightNote, conn: ConnectionFacts) {
        if let alert = inferredTLS13Alert(f, clientAfterFlight: clientAfterFlight, serverAfterClientFlight: serverAfterClientFlight, conn: conn) {
            f.alerts.append(alert)
        }
    }

    /// The alert `inferTLS13` adds to `f`, if any.
    static func inferredTLS13Alert(_ f: HandshakeFacts, clientAfterFlight: FlightNote,
                                   serverAfterClientFlight: FlightNote, conn: ConnectionFacts) -> AlertInfo? {
        guard f.serverHelloBox != nil, !f.alerts.contains(where: { $0.isFatal }) else { return nil }
        // A small record sent after the peer had already closed is the close_notify answering it.
        func beforeClose(of side: SideFacts, _ p: PacketStamp) -> Bool {
            let closes = [side.firstFin, side.firstRst].compactMap { $0?.number }
            return closes.allSatisfy { p.number < $0 }
        }
        // The client answered the server's flight with only an alert-sized record, then closed.
        if f.clientFinished == nil, !clientAfterFlight.isEmpty, alertSizedRange.contains(clientAfterFlight.firstLength),
           clientAfterFlight.count == 1, beforeClose(of: conn.serverSide, clientAfterFlight.firstPacket) {
            return AlertInfo(by: .client, level: 2, description: nil, encrypted: true, inferred: true, packet: clientAfterFlight.firstPacket)
        }
        // The server answered the client's Finished with only an alert-sized record, then closed.
        if f.clientFinished != nil, !serverAfterClientFlight.isEmpty, alertSizedRange.contains(serverAfterClientFlight.firstLength),
           serverAfterClientFlight.count == 1, f.serverAppData == nil,
           conn.serverSide.firstFin != nil || conn.serverSide.firstRst != nil,
           beforeClose(of: conn.clientSide, serverAfterClientFlight.firstPacket) {
            return AlertInfo(by: .server, level: 2, description: nil, encrypted: true, inferred: true, packet: serverAfterClientFlight.firstPacket)
        }
        return nil
    }
}
