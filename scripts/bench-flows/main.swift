// Throughput benchmark for FlowTrack.FlowTable (run by build-and-run.sh; not a test).
//
// Generates decoded TCP packets in memory, then times FlowTable.process over them:
//   settled    10k connections: handshake-like exchange (ClientHello 517 B, a server flight of
//              3.6 kB in three segments, a client Finished), the observer settles, then bulk
//              data (1448 B segments and ACKs) until 1M packets, then FIN both ways.
//   unsettled  the same packets, but the observer never settles: every direction is reassembled
//              up to its 64 KiB cap (and the 48 MiB global cap), then only counted.
//   synflood   1M SYNs to distinct ports with maxConnections 10k: creation and eviction.
// Usage: bench-flows [packets] [connections] [scenario…]
import NetCore
import PacketDecode
import FlowTrack
#if canImport(Glibc)
import Glibc
#endif

/// `value` with `digits` decimals (no Foundation).
func fmt(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((value * scale).rounded())
    if digits == 0 { return String(n) }
    let whole = n / Int(scale), frac = String(n % Int(scale))
    return "\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}

nonisolated(unsafe) var observerSettles = true

struct HandshakeLike: ConnectionObserver {
    var clientBytes = 0
    var serverBytes = 0
    var events = 0
    init(connection: ConnectionFacts) {}
    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        if direction == .clientToServer { clientBytes = stream.count } else { serverBytes = stream.count }
        return observerSettles && clientBytes >= 517 && serverBytes >= 3600 ? .settled : .more
    }
    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        events += 1
    }
}

struct Item {
    var packet: DecodedPacket
    var captured: Int
}

func tcpPacket(_ src: IPAddress, _ sp: UInt16, _ dst: IPAddress, _ dp: UInt16, seq: UInt32, ack: UInt32,
               _ flags: TCPFlags, _ length: Int) -> Item {
    Item(packet: DecodedPacket(src: src, dst: dst, ipProtocol: 6, srcPort: sp, dstPort: dp,
                               tcp: TCPInfo(seq: seq, ack: ack, flags: flags, window: 65535),
                               payloadWireLength: length),
         captured: length)
}

func conversations(total: Int, connections n: Int) -> [Item] {
    var items: [Item] = []
    items.reserveCapacity(total)
    let server = IPAddress(v4: 0x0AFF_0001)
    let clients = (0..<n).map { IPAddress(v4: 0x0A00_0000 | UInt32($0 + 1)) }
    let ports = (0..<n).map { UInt16(20000 + $0 % 40000) }
    var cseq = (0..<n).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }
    var sseq = (0..<n).map { UInt32(truncatingIfNeeded: $0 &* 40_503 &+ 7) }
    func c2s(_ i: Int, _ flags: TCPFlags, _ len: Int) {
        items.append(tcpPacket(clients[i], ports[i], server, 443, seq: cseq[i], ack: sseq[i], flags, len))
        cseq[i] &+= UInt32(len) &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
    }
    func s2c(_ i: Int, _ flags: TCPFlags, _ len: Int) {
        items.append(tcpPacket(server, 443, clients[i], ports[i], seq: sseq[i], ack: cseq[i], flags, len))
        sseq[i] &+= UInt32(len) &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
    }
    // The handshakes, in waves of 500 connections interleaved step by step (500 handshakes in
    // flight at once; all 10k connections stay open).
    for wave in stride(from: 0, to: n, by: 500) {
        let w = wave..<min(n, wave + 500)
        for i in w { c2s(i, [.syn], 0) }
        for i in w { s2c(i, [.syn, .ack], 0) }
        for i in w { c2s(i, [.ack], 0) }
        for i in w { c2s(i, [.psh, .ack], 517) }
        for i in w { s2c(i, [.ack], 0) }
        for i in w { s2c(i, [.ack], 1400) }
        for i in w { s2c(i, [.ack], 1400) }
        for i in w { s2c(i, [.psh, .ack], 800) }
        for i in w { c2s(i, [.psh, .ack], 80) }
    }
    // Bulk, round robin: two server segments, then a client ACK.
    var k = 0
    while items.count < total - 2 * n {
        let i = k % n
        switch (k / n) % 3 {
        case 0, 1: s2c(i, [.ack], 1448)
        default: c2s(i, [.ack], 0)
        }
        k += 1
    }
    for i in 0..<n { s2c(i, [.fin, .ack], 0) }
    for i in 0..<n { c2s(i, [.fin, .ack], 0) }
    return items
}

func synFlood(total: Int) -> [Item] {
    let server = IPAddress(v4: 0x0AFF_0001)
    return (0..<total).map { i in
        tcpPacket(IPAddress(v4: 0x0A00_0000 | UInt32(i / 50_000)), UInt16(10_000 + i % 50_000), server, 443,
                  seq: UInt32(truncatingIfNeeded: i), ack: 0, [.syn], 0)
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs the items through a fresh table; returns seconds and the table's counters.
func run(_ items: [Item], config: FlowConfig, payload: UnsafeRawBufferPointer) -> (Double, FlowCounters, Int) {
    var finished = 0
    let table = FlowTable<HandshakeLike>(config: config) { _, _ in finished += 1 }
    let start = now()
    var t = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
    var nextExpire = t.seconds + 1
    items.withUnsafeBufferPointer { all in
        for i in 0..<all.count {
            // 10 µs of capture time per packet; expire once a capture second.
            let ns = t.nanoseconds + 10_000
            t = ns >= 1_000_000_000 ? Timestamp(seconds: t.seconds + 1, nanoseconds: ns - 1_000_000_000)
                                    : Timestamp(seconds: t.seconds, nanoseconds: ns)
            if t.seconds >= nextExpire {
                table.expire(now: t)
                nextExpire = t.seconds + 1
            }
            let item = all[i]
            table.process(item.packet, payload: UnsafeRawBufferPointer(rebasing: payload[0..<item.captured]),
                          stamp: PacketStamp(number: UInt64(i + 1), time: t))
        }
    }
    table.finishAll()
    return (now() - start, table.counters, finished)
}

let args = CommandLine.arguments
let total = args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000
let connections = args.count > 2 ? Int(args[2]) ?? 10_000 : 10_000
let payloadBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 16)
for i in 0..<1500 { payloadBuffer[i] = UInt8(truncatingIfNeeded: i &* 31) }
let payload = UnsafeRawBufferPointer(payloadBuffer)

let conv = conversations(total: total, connections: connections)
let flood = synFlood(total: total)
var floodConfig = FlowConfig()
floodConfig.maxConnections = 10_000

let only = Set(args.dropFirst(3))
for (name, items, config, settles) in [("settled", conv, FlowConfig(), true), ("unsettled", conv, FlowConfig(), false),
                                       ("synflood", flood, floodConfig, true)] where only.isEmpty || only.contains(name) {
    observerSettles = settles
    var best = Double.infinity
    var counters = FlowCounters()
    var finished = 0
    for _ in 0..<3 {
        let (seconds, c, f) = run(items, config: config, payload: payload)
        if seconds < best { best = seconds; counters = c; finished = f }
    }
    let pps = Double(items.count) / best
    let line = "\(name): \(items.count) packets in \(fmt(best, 3)) s = "
        + "\(fmt(pps / 1e6, 2)) M packets/s (\(fmt(best / Double(items.count) * 1e9, 0)) ns/packet); "
        + "connections \(counters.connectionsCreated) created, \(finished) finished, \(counters.connectionsEvicted) evicted, "
        + "peak \(counters.peakConnections); peak buffered \(counters.peakBufferedBytes) B; dropped by caps \(counters.bytesDroppedByCaps) B"
    print(line)
}
