import NetCore
import PacketDecode
import PcapIO

/// Hand-made packets for deliberate vectors (checksums are left zero: the decoder ignores them).
enum Build {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func ethernet(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01] + be16(type) + payload
    }

    static func vlanTag(_ tpid: UInt16, vid: UInt16, then type: UInt16) -> [UInt8] {
        be16(tpid) + be16(vid) + be16(type)
    }

    /// IPv4 header (+ options) + payload. `more`/`fragOffset` (bytes, multiple of 8) for fragments.
    static func ipv4(src: UInt32 = 0x0a00_0001, dst: UInt32 = 0x0a00_0002, proto: UInt8, _ payload: [UInt8],
                     id: UInt16 = 0x1234, more: Bool = false, fragOffset: Int = 0, options: [UInt8] = [],
                     totalLength: Int? = nil, ttl: UInt8 = 64) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let ihl = 5 + options.count / 4
        let total = totalLength ?? (ihl * 4 + payload.count)
        var h: [UInt8] = [UInt8(0x40 | ihl), 0] + be16(UInt16(total)) + be16(id)
        h += be16((more ? 0x2000 : 0) | UInt16(fragOffset / 8))
        h += [ttl, proto, 0, 0] + be32(src) + be32(dst) + options
        return h + payload
    }

    static func v6(_ words: UInt16...) -> [UInt8] { words.flatMap { be16($0) } }
    static let v6a = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)
    static let v6b = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)

    static func ipv6(src: [UInt8] = v6a, dst: [UInt8] = v6b, next: UInt8, _ payload: [UInt8],
                     payloadLength: Int? = nil, hop: UInt8 = 64) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(UInt16(payloadLength ?? payload.count)) + [next, hop] + src + dst + payload
    }

    /// A hop-by-hop / routing / destination-options header of `8 * (len + 1)` bytes.
    static func v6Options(next: UInt8, len: UInt8 = 0) -> [UInt8] {
        [next, len] + [UInt8](repeating: 0, count: Int(len) * 8 + 6)
    }

    static func v6Fragment(next: UInt8, offset: Int, more: Bool, id: UInt32) -> [UInt8] {
        [next, 0] + be16(UInt16(offset) | (more ? 1 : 0)) + be32(id)
    }

    static func tcp(sport: UInt16 = 40000, dport: UInt16 = 443, seq: UInt32 = 1000, ack: UInt32 = 0,
                    flags: UInt8 = 0x18, window: UInt16 = 512, options: [UInt8] = [], _ payload: [UInt8] = [],
                    dataOffset: Int? = nil) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let off = dataOffset ?? (5 + options.count / 4)
        return be16(sport) + be16(dport) + be32(seq) + be32(ack) + [UInt8(off << 4), flags] + be16(window)
            + [0, 0, 0, 0] + options + payload
    }

    static func udp(sport: UInt16 = 50000, dport: UInt16 = 53, _ payload: [UInt8], length: Int? = nil) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(length ?? 8 + payload.count)) + [0, 0] + payload
    }

    static func bytes(_ n: Int, seed: UInt8 = 1) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) } }
}

/// One decode result with its bytes copied out (the payload is valid only until the next call).
struct Outcome {
    var packet: DecodedPacket?
    var payload: [UInt8] = []
    var held = false
    var skipped: SkipReason?
}

extension PacketDecoder {
    mutating func run(_ bytes: [UInt8], wireLength: Int? = nil, time: Timestamp = Timestamp(seconds: 100, nanoseconds: 0)) -> Outcome {
        bytes.withUnsafeBytes { b in
            switch decode(b, wireLength: wireLength ?? b.count, time: time) {
            case .packet(let p, let payload): return Outcome(packet: p, payload: [UInt8](payload))
            case .fragmentHeld: return Outcome(held: true)
            case .skipped(let r): return Outcome(skipped: r)
            }
        }
    }
}

/// Decodes every packet of a capture, keeping each outcome (by packet number, from 1).
func decodeCapture(_ path: String) throws -> (outcomes: [Outcome], counters: DecodeCounters, linkType: Int32) {
    let r = try CaptureReader(path: path)
    var d = PacketDecoder(linkType: r.linkType)
    var out: [Outcome] = []
    while let p = try r.next() {
        switch d.decode(p.bytes, wireLength: p.wireLength, time: p.time) {
        case .packet(let pk, let payload): out.append(Outcome(packet: pk, payload: [UInt8](payload)))
        case .fragmentHeld: out.append(Outcome(held: true))
        case .skipped(let s): out.append(Outcome(skipped: s))
        }
    }
    return (out, d.counters, r.linkType)
}

func ip(_ s: String) -> IPAddress { IPAddress(s)! }
