import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// One call the table made to an observer.
enum Call: Equatable, CustomStringConvertible {
    /// `bytes` is a copy of the whole stream handed over.
    case stream(Direction, bytes: [UInt8], newBytes: Int, packet: UInt64)
    case event(TCPEvent, Direction, packet: UInt64)

    var description: String {
        switch self {
        case let .stream(d, bytes, n, p): "stream(\(d), \(bytes.count) bytes, new \(n), #\(p))"
        case let .event(e, d, p): "event(\(e), \(d), #\(p))"
        }
    }
}

/// How a test's observers answer new bytes: given the direction, the whole stream and the facts.
typealias Policy = @Sendable (Direction, [UInt8], ConnectionFacts) -> Interest

/// An observer that records every call, in order, and answers by the test's policy.
struct Recorder: ConnectionObserver {
    @TaskLocal static var policy: Policy = { _, _, _ in .more }

    let initial: ConnectionFacts
    var calls: [Call] = []
    /// Facts as handed with the latest call.
    var lastFacts: ConnectionFacts
    let policy: Policy

    init(connection: ConnectionFacts) {
        initial = connection
        lastFacts = connection
        policy = Recorder.policy
    }

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        let bytes = Array(stream)
        calls.append(.stream(direction, bytes: bytes, newBytes: newBytes, packet: packet.number))
        lastFacts = facts
        return policy(direction, bytes, facts)
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        calls.append(.event(event, direction, packet: packet.number))
        lastFacts = facts
    }

    /// The stream calls of one direction.
    func streams(_ d: Direction) -> [(bytes: [UInt8], newBytes: Int, packet: UInt64)] {
        calls.compactMap {
            if case let .stream(dir, bytes, n, p) = $0, dir == d { return (bytes, n, p) }
            return nil
        }
    }

    func events() -> [Call] {
        calls.filter { if case .event = $0 { return true } else { return false } }
    }

    /// The last stream shown in a direction (empty if none).
    func stream(_ d: Direction) -> [UInt8] { streams(d).last?.bytes ?? [] }
}

/// Collects what the table hands back.
final class Log {
    var finished: [(facts: ConnectionFacts, observer: Recorder)] = []
    var settled: [(facts: ConnectionFacts, observer: Recorder)] = []
    var finishedCount = 0
    /// Keep only counts (for runs with very many connections).
    var countOnly = false
}

/// Drives a `FlowTable<Recorder>` with hand-made packets, numbering them and advancing a clock
/// (1 ms a packet unless told otherwise).
final class Harness {
    let table: FlowTable<Recorder>
    let log = Log()
    private(set) var number: UInt64 = 0
    var clock = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)

    /// With `taking`, the table is made with `init(onFinishedTaking:config:)` (`onFinished` is then
    /// not the recording one).
    init(_ config: FlowConfig = FlowConfig(),
         taking: ((ConnectionFacts, UnsafeMutablePointer<Recorder>) -> Void)? = nil) {
        let log = self.log
        if let taking {
            table = FlowTable<Recorder>(onFinishedTaking: taking, config: config)
        } else {
            table = FlowTable<Recorder>(config: config) { facts, observer in
                log.finishedCount += 1
                if !log.countOnly { log.finished.append((facts, observer)) }
            }
        }
        table.onSettled = { facts, observer in log.settled.append((facts, observer)) }
    }

    var finished: [(facts: ConnectionFacts, observer: Recorder)] { log.finished }

    func advance(seconds: Double) {
        let ns = clock.totalNanoseconds + Int64(seconds * 1e9)
        clock = Timestamp(seconds: ns / 1_000_000_000, nanoseconds: UInt32(ns % 1_000_000_000))
    }

    func time(after seconds: Double) -> Timestamp {
        let ns = clock.totalNanoseconds + Int64(seconds * 1e9)
        return Timestamp(seconds: ns / 1_000_000_000, nanoseconds: UInt32(ns % 1_000_000_000))
    }

    /// Sends one TCP packet; returns its number. `wire` (default: the payload's length) larger
    /// than the payload marks the packet truncated.
    @discardableResult
    func tcp(_ from: Endpoint, _ to: Endpoint, seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags,
             _ payload: [UInt8] = [], wire: Int? = nil) -> UInt64 {
        let wireLength = wire ?? payload.count
        let p = DecodedPacket(src: from.address, dst: to.address, ipProtocol: 6, srcPort: from.port, dstPort: to.port,
                              tcp: TCPInfo(seq: seq, ack: ack, flags: flags, window: 65535),
                              payloadWireLength: wireLength, truncated: wireLength > payload.count)
        return send(p, payload)
    }

    @discardableResult
    func udp(_ from: Endpoint, _ to: Endpoint, _ payload: [UInt8]) -> UInt64 {
        let p = DecodedPacket(src: from.address, dst: to.address, ipProtocol: 17, srcPort: from.port, dstPort: to.port,
                              tcp: nil, payloadWireLength: payload.count)
        return send(p, payload)
    }

    private func send(_ p: DecodedPacket, _ payload: [UInt8]) -> UInt64 {
        number += 1
        advance(seconds: 0.001)
        let stamp = PacketStamp(number: number, time: clock)
        payload.withUnsafeBytes { table.process(p, payload: $0, stamp: stamp) }
        return number
    }

    /// The finished connection whose client is `client` (the only one, checked).
    func finishedConnection(client: Endpoint, sourceLocation: SourceLocation = #_sourceLocation)
        -> (facts: ConnectionFacts, observer: Recorder)? {
        let found = log.finished.filter { $0.facts.client == client }
        #expect(found.count == 1, "finished connections with client \(client): \(found.count)",
                sourceLocation: sourceLocation)
        return found.first
    }
}

func ep(_ address: String, _ port: UInt16) -> Endpoint {
    Endpoint(address: IPAddress(address)!, port: port)
}

let client = ep("10.0.0.1", 50123)
let server = ep("10.0.0.2", 443)

/// Bytes that look like a TLS ClientHello record, `count` long, each position distinct mod 251.
func helloBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    var b = [UInt8](repeating: 0, count: count)
    for i in 0..<count { b[i] = UInt8((i &* 7 &+ Int(seed)) % 251) }
    if count >= 3 { b[0] = 0x16; b[1] = 0x03; b[2] = 0x01 }
    return b
}

let synOnly: TCPFlags = [.syn]
let synAck: TCPFlags = [.syn, .ack]
let ackOnly: TCPFlags = [.ack]
let pshAck: TCPFlags = [.psh, .ack]
let finAck: TCPFlags = [.fin, .ack]
let rstAck: TCPFlags = [.rst, .ack]

/// A client and server with ISNs, for writing handshakes quickly.
struct Pair {
    var c: Endpoint = client
    var s: Endpoint = server
    var cISN: UInt32 = 1000
    var sISN: UInt32 = 5000

    /// Client sequence number of client stream offset `o`.
    func cs(_ o: Int) -> UInt32 { cISN &+ 1 &+ UInt32(truncatingIfNeeded: o) }
    /// Server sequence number of server stream offset `o`.
    func ss(_ o: Int) -> UInt32 { sISN &+ 1 &+ UInt32(truncatingIfNeeded: o) }

    /// SYN, SYN-ACK, ACK. Returns the packet numbers.
    @discardableResult
    func handshake(_ h: Harness) -> [UInt64] {
        [h.tcp(c, s, seq: cISN, synOnly),
         h.tcp(s, c, seq: sISN, ack: cs(0), synAck),
         h.tcp(c, s, seq: cs(0), ack: ss(0), ackOnly)]
    }

    @discardableResult
    func clientData(_ h: Harness, at o: Int, _ bytes: [UInt8], flags: TCPFlags = pshAck, wire: Int? = nil) -> UInt64 {
        h.tcp(c, s, seq: cs(o), ack: ss(0), flags, bytes, wire: wire)
    }

    @discardableResult
    func serverData(_ h: Harness, at o: Int, _ bytes: [UInt8], flags: TCPFlags = pshAck, ackClient: Int = 0) -> UInt64 {
        h.tcp(s, c, seq: ss(o), ack: cs(ackClient), flags, bytes)
    }
}
