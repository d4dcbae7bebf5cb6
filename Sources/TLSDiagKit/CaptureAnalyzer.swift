import NetCore
import PcapIO
import CPcap
import PacketDecode
import FlowTrack
import Handshake

/// Options of one analysis run.
public struct AnalysisOptions: Sendable {
    public var flow = FlowConfig()
    public init() {}
}

/// What reading one capture came to, beside its connections.
public struct CaptureRunSummary: Sendable {
    public var path: String
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    public var linkType: Int32 = -1
    public var linkTypeName: String = ""
    public var decode = DecodeCounters()
    public var flows = FlowCounters()
    /// The input error that stopped reading, if any: everything before it was analysed.
    public var error: CaptureError?
    /// Things the reader should know (unsupported link type, timestamps going backwards, limits hit).
    public var warnings: [String] = []
    public var timestampsBackwards: UInt64 = 0
    /// The file's size on disk, when it could be opened (`CaptureReader.fileSize`).
    public var fileSize: Int64?
    public init(path: String) { self.path = path }
}

/// Runs the pipeline over one source of packets.
///
/// Per packet: decode (zero-copy) → flow table (reassembly of the first bytes of each direction,
/// SYN/FIN/RST) → the connection's `HandshakeObserver`. After a connection's handshake is settled
/// its packets cost header decoding and a table lookup only.
public final class PacketPipeline {
    public let table: FlowTable<HandshakeObserver>
    // Touched on every packet: no dynamic exclusivity checks (nothing here is reentrant; `process`
    // and `finish` are called from one thread, and the table's callbacks do not call back in).
    @exclusivity(unchecked) var decoder: PacketDecoder
    /// The summary but for the per-packet figures, which are kept apart below (one increment or
    /// compare each, rather than updates of optionals inside a large struct).
    @exclusivity(unchecked) var base: CaptureRunSummary
    /// Packets taken: the decoder's count (one `decode` a packet), not counted again here.
    var packets: UInt64 { decoder.counters.packets }
    @exclusivity(unchecked) var bytes: UInt64 = 0
    @exclusivity(unchecked) var backwards: UInt64 = 0
    /// Valid once `packets` > 0. Both start above every normalised time (nanoseconds below 10^9),
    /// so that the first packet goes the way of one whose time went backwards, where it is taken
    /// as the first: the per-packet test is the order test alone. (A first time equal to the
    /// start value takes the in-order way and leaves both equal to it: the same figures.)
    @exclusivity(unchecked) var firstTime = PacketPipeline.beforeAll
    @exclusivity(unchecked) var lastTime = PacketPipeline.beforeAll
    @usableFromInline static var beforeAll: Timestamp { Timestamp(seconds: .max, nanoseconds: .max) }
    @exclusivity(unchecked) var nextExpiry: Int64 = .min
    @exclusivity(unchecked) var warnedLinkType = false
    /// First packet whose time went backwards, and first packet too short for its headers or
    /// with impossible header fields: named in the warnings.
    var firstBackwards: UInt64?
    var firstShort: UInt64?
    var firstMalformed: UInt64?

    /// `onConnection` is called once per connection as it leaves the table.
    public init(path: String, linkType: Int32, linkTypeName: String, options: AnalysisOptions,
                onConnection: @escaping (ConnectionFacts, consuming HandshakeFacts) -> Void) {
        // The observer taken where it lies (not moved out of its slot and copied twice, nor emptied
        // and destroyed): its facts moved out, the rest let go of. (Given at `init`, the callback is
        // a constant of the table: no retain and release of its context per connection.)
        table = FlowTable<HandshakeObserver>(onFinishedTaking: { facts, observer in
            onConnection(facts, HandshakeObserver.finishing(at: observer, facts))
        }, config: options.flow)
        // The TCP options are not read: nothing after the decoder looks at them (`process` tells
        // the decoder so as a constant, for the fast path's options test to fold away).
        var decoding = PacketDecoder.Configuration()
        decoding.tcpOptions = false
        decoder = PacketDecoder(linkType: linkType, configuration: decoding)
        base = CaptureRunSummary(path: path)
        base.linkType = linkType
        base.linkTypeName = linkTypeName
    }

    /// What the run came to so far (after `finish`, the whole of it).
    public var summary: CaptureRunSummary {
        var s = base
        s.packets = packets
        s.bytes = bytes
        s.timestampsBackwards = backwards
        if packets > 0 { s.firstTime = firstTime; s.lastTime = lastTime }  // (set by the first packet)
        return s
    }

    /// One packet, in capture order. `bytes` is valid only during the call.
    @inline(__always)
    public func process(bytes: UnsafeRawBufferPointer, wireLength: Int, stamp: PacketStamp) {
        var packet = DecodedPacket.empty
        var payload = UnsafeRawBufferPointer(start: nil, count: 0)
        process(bytes: bytes, wireLength: wireLength, stamp: stamp, packet: &packet, payload: &payload)
    }

    /// `process` with the decoded packet's storage given by the caller (the read loop keeps one
    /// for the whole run): the decoder writes the packet there and the flow table reads it there.
    @inline(__always)
    func process(bytes: UnsafeRawBufferPointer, wireLength: Int, stamp: PacketStamp,
                 packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer) {
        var shape = PacketDecoder.StorageShape.unknown
        process(bytes: bytes, wireLength: wireLength, stamp: stamp, packet: &packet, payload: &payload,
                link: decoder.commonLink, shape: &shape)
    }

    /// `process` with the decoder's framing given (`decoder.commonLink`): a constant in the read
    /// loop's callbacks, so that each holds the fast path of its framing alone. `shape` is what
    /// `packet` holds (`PacketDecoder.StorageShape`), kept with it across packets.
    @inline(__always)
    func process(bytes: UnsafeRawBufferPointer, wireLength: Int, stamp: PacketStamp,
                 packet: inout DecodedPacket, payload: inout UnsafeRawBufferPointer, link: PacketDecoder.FastLink,
                 shape: inout PacketDecoder.StorageShape) {
        let t = stamp.time
        let last = lastTime
        if t.seconds > last.seconds || (t.seconds == last.seconds && t.nanoseconds >= last.nanoseconds) {
            lastTime = t
        } else {
            firstOrBackwards(t, packet: stamp.number)
        }
        self.bytes &+= UInt64(bytes.count)
        let status = decoder.decode(bytes, wireLength: wireLength, time: t, into: &packet, payload: &payload,
                                    link: link, tcpOptions: false, shape: &shape)
        if case .packet = status {
            withUnsafePointer(to: &packet) { table.process($0, payload: payload, stamp: stamp) }
        } else {
            noteNotAnalysed(status, packet: stamp.number)
        }
        if t.seconds >= nextExpiry {
            if nextExpiry != .min { table.expire(now: t) }
            nextExpiry = t.seconds &+ 1
        }
    }

    /// The first packet (its time starts the run), or one whose time went backwards (counted, the
    /// first named in the warnings; the last time stays). Out of line; called before the packet
    /// is decoded, so before the decoder counts it.
    @inline(never)
    func firstOrBackwards(_ t: Timestamp, packet number: UInt64) {
        if decoder.counters.packets == 0 {
            firstTime = t
            lastTime = t
        } else {
            backwards &+= 1
            if firstBackwards == nil { firstBackwards = number }
        }
    }

    /// A packet the decoder held (a fragment) or skipped: the first of each kind of skip is
    /// remembered for the warnings. Out of line, away from the per-packet path.
    @inline(never)
    func noteNotAnalysed(_ status: DecodeStatus, packet number: UInt64) {
        guard case .skipped(let reason) = status else { return }
        if reason == .truncatedHeaders && firstShort == nil { firstShort = number }
        if reason == .malformed && firstMalformed == nil { firstMalformed = number }
        if reason == .unsupportedLinkType && !warnedLinkType {
            warnedLinkType = true
            base.warnings.append("link type \(base.linkTypeName) (\(base.linkType)) is not decoded: its packets are counted but not analysed")
        }
    }

    /// Every packet `reader` has left, in order, through the reader's `dispatch`: libpcap's own
    /// loop calls back for each packet (the callback below: the reader's bookkeeping, then
    /// `process`, both inlined into it), where a loop over `next` made a `pcap_next_ex` call a
    /// packet, itself a one-packet dispatch (about 50 instructions a packet fewer in all, libpcap
    /// included, on the generated handshake capture). The errors and the end are the reader's, as
    /// with `next`.
    func readAll(_ reader: CaptureReader) throws(CaptureError) {
        // The callback finds the reader and the pipeline here, unretained (both outlive the loop).
        var context = ReadContext(reader: Unmanaged.passUnretained(reader), pipeline: Unmanaged.passUnretained(self))
        // One callback a framing, each with the decoder's fast path for that framing alone.
        let callback: pcap_handler
        switch decoder.commonLink {
        case .ethernet: callback = readEthernetCallback
        case .linuxSLL: callback = readLinuxSLLCallback
        case .linuxSLL2: callback = readLinuxSLL2Callback
        case .raw: callback = readRawCallback
        case .loopback: callback = readLoopbackCallback
        default: callback = readAllCallback
        }
        try withUnsafeMutablePointer(to: &context) { ctx throws(CaptureError) in
            try reader.dispatch(user: UnsafeMutableRawPointer(ctx), callback)
        }
    }

    /// What `readAll`'s callback is handed by libpcap (as its `user` pointer).
    struct ReadContext {
        var reader: Unmanaged<CaptureReader>
        var pipeline: Unmanaged<PacketPipeline>
    }

    /// One packet of `readAll`, decoded into `current`; `link` is `decoder.commonLink`.
    @inline(__always)
    func take(_ pkt: RawPacket, link: PacketDecoder.FastLink) {
        process(bytes: pkt.bytes, wireLength: pkt.wireLength, stamp: pkt.stamp, packet: &current, payload: &currentPayload,
                link: link, shape: &currentShape)
    }

    /// Storage of the packet being decoded, for `take` (one for the whole run).
    @exclusivity(unchecked) var current = DecodedPacket.empty
    @exclusivity(unchecked) var currentPayload = UnsafeRawBufferPointer(start: nil, count: 0)
    /// What `current` holds from the last packet (only the decoder writes it).
    @exclusivity(unchecked) var currentShape = PacketDecoder.StorageShape.unknown

    /// Ends the run: every connection still open is finished and reported.
    public func finish() {
        table.finishAll()
        base.decode = decoder.counters
        base.flows = table.counters
        if backwards > 0 {
            base.warnings.append("timestamps went backwards \(backwards) time(s) (first at packet \(firstBackwards ?? 0)); packets were taken in file order")
        }
        let f = base.flows
        if f.connectionsEvicted > 0 {
            base.warnings.append("\(f.connectionsEvicted) connection(s) were finished early because more than \(table.config.maxConnections) were open at once (--max-connections)")
        }
        if f.bytesDroppedByCaps > 0 {
            base.warnings.append("\(f.bytesDroppedByCaps) payload byte(s) were not kept because of the per-connection or total buffer caps (--stream-bytes)")
        }
        if f.outOfOrderSegmentsDropped > 0 {
            base.warnings.append("\(f.outOfOrderSegmentsDropped) out-of-order segment(s) were dropped because the hold buffer was full")
        }
        if let n = decoder.counters.skipped[.truncatedHeaders], n > 0 {
            base.warnings.append("\(n) packet(s) were too short for their headers (first: packet \(firstShort ?? 0)): cut by the snapshot length or damaged; they were counted and skipped")
        }
        if let n = decoder.counters.skipped[.malformed], n > 0 {
            base.warnings.append("\(n) packet(s) had impossible header fields (first: packet \(firstMalformed ?? 0)); they were counted and skipped")
        }
        if decoder.counters.fragmentsDropped > 0 {
            let c = decoder.counters
            base.warnings.append("\(c.fragmentsDropped) IP fragment(s) were dropped (\(c.fragmentTimeouts) datagram(s) incomplete at the reassembly timeout, \(c.fragmentEvictions) evicted because too many were in reassembly at once, \(c.fragmentConflicts) overlap conflict(s))")
        }
        if decoder.counters.truncated > 0 {
            base.warnings.append("\(decoder.counters.truncated) packet(s) were cut short by the capture's snapshot length")
        }
    }
}

/// libpcap's callback for `readAll`: the reader's bookkeeping, then `take`. Functions always
/// inlined, so that the C entry point libpcap calls holds the whole of it (a closure literal
/// became a Swift function of its own called from a C thunk: a second call, frame and register
/// saves a packet).
@inline(__always)
private func readPacket(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                        _ data: UnsafePointer<UInt8>?, link: PacketDecoder.FastLink?) {
    // libpcap hands a packet's header and the `user` pointer `readAll` gave, never nil (its
    // pcap_handler contract): not tested again a packet.
    let user = user.unsafelyUnwrapped, hdr = hdr.unsafelyUnwrapped
    // Its bytes are never nil either, but that is tested: with the bytes known to be there, the
    // captured length is the buffer's and the decoder's test of the buffer's base folds away.
    guard let data else {
        readPacketWithoutBytes(user, hdr)
        return
    }
    let ctx = UnsafeMutableRawPointer(user).assumingMemoryBound(to: PacketPipeline.ReadContext.self)
    ctx.pointee.reader._withUnsafeGuaranteedRef { reader in
        ctx.pointee.pipeline._withUnsafeGuaranteedRef { pipeline in
            pipeline.take(reader.taken(hdr, data), link: link ?? pipeline.decoder.commonLink)
        }
    }
}

/// A packet libpcap handed without its bytes (it does not): counted and decoded as empty, as
/// before. Out of line.
@inline(never)
private func readPacketWithoutBytes(_ user: UnsafeMutablePointer<UInt8>, _ hdr: UnsafePointer<pcap_pkthdr>) {
    let ctx = UnsafeMutableRawPointer(user).assumingMemoryBound(to: PacketPipeline.ReadContext.self)
    ctx.pointee.reader._withUnsafeGuaranteedRef { reader in
        ctx.pointee.pipeline._withUnsafeGuaranteedRef { pipeline in
            pipeline.take(reader.taken(hdr, nil), link: pipeline.decoder.commonLink)
        }
    }
}

/// The callback for a framing without one of its own (the decoder's framing read each packet).
@inline(__always)
private func readAllCallback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                             _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: nil)
}

// The callbacks of the framings the decoder's fast path reads (`readAll` picks the decoder's).
@inline(__always)
private func readEthernetCallback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                                  _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: .ethernet)
}

@inline(__always)
private func readLinuxSLLCallback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                                  _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: .linuxSLL)
}

@inline(__always)
private func readLinuxSLL2Callback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                                   _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: .linuxSLL2)
}

@inline(__always)
private func readLoopbackCallback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                                  _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: .loopback)
}

@inline(__always)
private func readRawCallback(_ user: UnsafeMutablePointer<UInt8>?, _ hdr: UnsafePointer<pcap_pkthdr>?,
                             _ data: UnsafePointer<UInt8>?) {
    readPacket(user, hdr, data, link: .raw)
}

/// Reads a whole capture file through the pipeline.
public enum CaptureAnalyzer {
    /// Analyses `path`; connections go to `onConnection` as they finish. Input errors end the read
    /// but not the analysis: what was read before is reported, and the error is in the summary.
    public static func analyze(path: String, options: AnalysisOptions,
                               onConnection: @escaping (ConnectionFacts, consuming HandshakeFacts) -> Void) -> CaptureRunSummary {
        let reader: CaptureReader
        do {
            reader = try CaptureReader(path: path)
        } catch {
            var s = CaptureRunSummary(path: path)
            s.error = error
            return s
        }
        let pipeline = PacketPipeline(path: path, linkType: reader.linkType, linkTypeName: reader.linkTypeName,
                                      options: options, onConnection: onConnection)
        var failure: CaptureError?
        do {
            try pipeline.readAll(reader)
        } catch {
            failure = error
        }
        pipeline.finish()
        var s = pipeline.summary
        s.error = failure
        s.fileSize = reader.fileSize >= 0 ? reader.fileSize : nil
        return s
    }
}
