import Foundation
@testable import TLSWire

/// Every distinct DER certificate in the TCP payloads of the captures in Captures/ and
/// ../shared/corpus, found without the capture pipeline (this target depends on TLSWire only):
/// a small pcap / pcapng reader, link layer to IPv4/IPv6 to TCP, each direction's payload put in
/// sequence order, then every `30 82 LL LL 30 8x` whose outer length fits is taken as a
/// certificate candidate. Compressed captures (.gz) are listed in `skipped`.
enum CorpusCertificates {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    struct Found {
        var certificates: [[UInt8]] = []
        var files = 0
        var skipped: [String] = []
        var missing: [String] = []
    }

    static let found: Found = load()

    static func load() -> Found {
        var out = Found()
        var seen = Set<[UInt8]>()
        let fm = FileManager.default
        for dir in [root.appendingPathComponent("Captures"), shared] {
            guard fm.fileExists(atPath: dir.path), let e = fm.enumerator(atPath: dir.path) else {
                out.missing.append(dir.path)
                continue
            }
            var paths: [String] = []
            while let p = e.nextObject() as? String { paths.append(p) }
            for p in paths.sorted() {
                let lower = p.lowercased()
                if lower.hasSuffix(".gz") { out.skipped.append(p); continue }
                guard lower.hasSuffix(".pcap") || lower.hasSuffix(".pcapng") || lower.hasSuffix(".cap") else { continue }
                guard let data = fm.contents(atPath: dir.appendingPathComponent(p).path) else { continue }
                out.files += 1
                for stream in tcpStreams([UInt8](data)) {
                    for c in candidates(stream) where seen.insert(c).inserted { out.certificates.append(c) }
                }
            }
        }
        return out
    }

    // MARK: Certificate candidates

    static func candidates(_ s: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i + 6 <= s.count {
            if s[i] == 0x30, s[i + 1] == 0x82, s[i + 4] == 0x30, s[i + 5] & 0xfc == 0x80 {
                let total = 4 + (Int(s[i + 2]) << 8 | Int(s[i + 3]))
                if i + total <= s.count { out.append(Array(s[i..<(i + total)])) }
            }
            i += 1
        }
        return out
    }

    // MARK: Captures to TCP payload streams

    /// Link-layer frames of a pcap or pcapng file with their link type.
    static func frames(_ b: [UInt8]) -> [(link: UInt32, bytes: ArraySlice<UInt8>)] {
        guard b.count >= 24 else { return [] }
        func u32(_ at: Int, _ little: Bool) -> UInt32 {
            guard at >= 0, at + 4 <= b.count else { return 0 }
            let v = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
            return little ? v : v.byteSwapped
        }
        func u16(_ at: Int, _ little: Bool) -> UInt32 {
            guard at >= 0, at + 2 <= b.count else { return 0 }
            return little ? UInt32(b[at]) | UInt32(b[at + 1]) << 8 : UInt32(b[at]) << 8 | UInt32(b[at + 1])
        }
        var out: [(UInt32, ArraySlice<UInt8>)] = []
        let magic = u32(0, true)
        if magic == 0xa1b2c3d4 || magic == 0xa1b23c4d || magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1 {
            // pcap: 24-byte file header (link type at 20), 16-byte record headers.
            let little = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d
            let link = u32(20, little) & 0x0fff_ffff
            var at = 24
            while at + 16 <= b.count {
                let incl = Int(u32(at + 8, little))
                let start = at + 16
                guard incl >= 0, start + incl <= b.count else { break }
                out.append((link, b[start..<(start + incl)]))
                at = start + incl
            }
        } else if magic == 0x0a0d0d0a {
            // pcapng: blocks of type, total length, body; byte order from the section header.
            var little = true
            var links: [UInt32] = []
            var at = 0
            while at + 12 <= b.count {
                var type = u32(at, little)
                if type == 0x0a0d0d0a {
                    little = u32(at + 8, true) == 0x1a2b3c4d
                    links = []
                    type = 0x0a0d0d0a
                }
                let len = Int(u32(at + 4, little))
                guard len >= 12, at + len <= b.count else { break }
                switch type {
                case 1: links.append(u16(at + 8, little))
                case 6:
                    let iface = Int(u32(at + 8, little))
                    let cap = Int(u32(at + 20, little))
                    let start = at + 28
                    if iface < links.count, start + cap <= at + len { out.append((links[iface], b[start..<(start + cap)])) }
                case 3:
                    let start = at + 12
                    let cap = min(Int(u32(at + 8, little)), len - 16)
                    if let l = links.first, cap > 0 { out.append((l, b[start..<(start + cap)])) }
                default: break
                }
                at += len
            }
        }
        return out
    }

    /// Each direction's TCP payload, segments in sequence order, overlaps dropped.
    static func tcpStreams(_ file: [UInt8]) -> [[UInt8]] {
        var flows: [String: [(seq: UInt32, payload: ArraySlice<UInt8>)]] = [:]
        var order: [String] = []
        for (link, f) in frames(file) {
            let p = Array(f)
            var ip = -1
            switch link {
            case 1: // Ethernet, VLAN tags skipped
                var off = 12
                while off + 2 <= p.count {
                    let t = Int(p[off]) << 8 | Int(p[off + 1])
                    if t == 0x8100 || t == 0x88a8 { off += 4; continue }
                    if t == 0x0800 || t == 0x86dd { ip = off + 2 }
                    break
                }
            case 113: ip = 16 // Linux cooked
            case 276: ip = 20 // Linux cooked v2
            case 0, 108: ip = 4 // BSD loopback
            case 12, 14, 101, 228, 229: ip = 0 // raw IP
            default: break
            }
            guard ip >= 0, ip < p.count else { continue }
            var proto = 0, tcp = 0, end = p.count
            var src: ArraySlice<UInt8> = [], dst: ArraySlice<UInt8> = []
            switch p[ip] >> 4 {
            case 4:
                guard ip + 20 <= p.count else { continue }
                let ihl = Int(p[ip] & 0x0f) * 4
                proto = Int(p[ip + 9])
                end = min(p.count, ip + (Int(p[ip + 2]) << 8 | Int(p[ip + 3])))
                src = p[(ip + 12)..<(ip + 16)]; dst = p[(ip + 16)..<(ip + 20)]
                tcp = ip + ihl
                if Int(p[ip + 6] & 0x1f) << 8 | Int(p[ip + 7]) != 0 { continue } // not a first fragment
            case 6:
                guard ip + 40 <= p.count else { continue }
                proto = Int(p[ip + 6])
                end = min(p.count, ip + 40 + (Int(p[ip + 4]) << 8 | Int(p[ip + 5])))
                src = p[(ip + 8)..<(ip + 24)]; dst = p[(ip + 24)..<(ip + 40)]
                tcp = ip + 40
            default: continue
            }
            guard proto == 6, tcp + 20 <= end else { continue }
            let dataStart = tcp + Int(p[tcp + 12] >> 4) * 4
            guard dataStart < end else { continue }
            let seq = UInt32(p[tcp + 4]) << 24 | UInt32(p[tcp + 5]) << 16 | UInt32(p[tcp + 6]) << 8 | UInt32(p[tcp + 7])
            let key = "\(Array(src)):\(p[tcp]):\(p[tcp + 1])>\(Array(dst)):\(p[tcp + 2]):\(p[tcp + 3])"
            if flows[key] == nil { order.append(key) }
            flows[key, default: []].append((seq, p[dataStart..<end]))
        }
        var out: [[UInt8]] = []
        for key in order {
            guard let segs = flows[key], let first = segs.first else { continue }
            // Sequence numbers relative to the first segment seen (wrapping).
            let sorted = segs.enumerated().sorted {
                let a = $0.element.seq &- first.seq, b = $1.element.seq &- first.seq
                return a != b ? a < b : $0.offset < $1.offset
            }.map { $0.element }
            var s: [UInt8] = []
            var next: UInt32 = 0
            for seg in sorted {
                let rel = seg.seq &- first.seq
                let skip = Int(next &- rel)
                if rel < next, skip < seg.payload.count {
                    s += seg.payload.dropFirst(skip)
                } else if rel >= next {
                    s += seg.payload
                } else { continue }
                next = rel &+ UInt32(seg.payload.count)
            }
            out.append(s)
        }
        return out
    }
}
