import Foundation
import NetCore
@testable import PacketDecode
import PcapIO
import Testing

/// The common-case fast path (`PacketDecoder.decodeCommon`) against the full layer-by-layer
/// decoder: same packets, same payloads, same counters, over every packet of the repository's
/// captures and of the shared corpus, and over mutated and re-framed packets.
@Suite struct FastPath {
    /// Field by field (DecodedPacket is not Equatable); nil when they agree, else what differs.
    static func difference(_ a: DecodeResult, _ b: DecodeResult) -> String? {
        switch (a, b) {
        case (.fragmentHeld, .fragmentHeld): return nil
        case (.skipped(let x), .skipped(let y)): return x == y ? nil : "skipped \(x) vs \(y)"
        case (.packet(let p, let pa), .packet(let q, let qa)):
            var d: [String] = []
            if p.src != q.src { d.append("src") }
            if p.dst != q.dst { d.append("dst") }
            if p.ipProtocol != q.ipProtocol { d.append("ipProtocol") }
            if p.srcPort != q.srcPort { d.append("srcPort") }
            if p.dstPort != q.dstPort { d.append("dstPort") }
            if p.tcp != q.tcp { d.append("tcp \(String(describing: p.tcp)) vs \(String(describing: q.tcp))") }
            if p.payloadWireLength != q.payloadWireLength { d.append("payloadWireLength \(p.payloadWireLength) vs \(q.payloadWireLength)") }
            if p.truncated != q.truncated { d.append("truncated") }
            if p.reassembledFromFragments != q.reassembledFromFragments { d.append("reassembled") }
            if p.encapsulation != q.encapsulation { d.append("encapsulation") }
            if p.vlanID != q.vlanID { d.append("vlanID") }
            if p.hopLimit != q.hopLimit { d.append("hopLimit") }
            if pa.count != qa.count { d.append("payload count \(pa.count) vs \(qa.count)") }
            // Outside reassembly both point into the same bytes: the very same range.
            if !p.reassembledFromFragments && pa.baseAddress != qa.baseAddress && pa.count > 0 { d.append("payload start") }
            if !pa.elementsEqual(qa) { d.append("payload bytes") }
            return d.isEmpty ? nil : d.joined(separator: ", ")
        default:
            return "\(a) vs \(b)"
        }
    }

    /// Two decoders of one link type, fast path on and off, fed the same packets; a third asks the
    /// fast path alone, to count the packets it answered (nil: handed to the full decoder).
    struct Pair {
        var fast: PacketDecoder
        var full: PacketDecoder
        var probe: PacketDecoder
        /// A fourth decoder (fast path on) answering into storage kept across packets, as the read
        /// loop does: a field left over from an earlier packet (a VLAN id, TCP options, the
        /// fragment flag) would show as a difference.
        var into: PacketDecoder
        var stored = DecodedPacket.empty
        var storedPayload = UnsafeRawBufferPointer(start: nil, count: 0)
        /// A fifth and sixth as the analyzer's read loop calls them, with the framing and options
        /// given (`decode(_:wireLength:time:into:payload:link:tcpOptions:)`): the decoder's own,
        /// and wrong ones (every packet then to the full decoder), into storage kept across packets.
        var linked: PacketDecoder
        var mislinked: PacketDecoder
        var linkedStored = DecodedPacket.empty
        /// What `linkedStored` holds, kept across packets as the read loop keeps it.
        var linkedShape = PacketDecoder.StorageShape.unknown
        var linkedPayload = UnsafeRawBufferPointer(start: nil, count: 0)
        var mislinkedStored = DecodedPacket.empty
        var mislinkedPayload = UnsafeRawBufferPointer(start: nil, count: 0)
        var answered = 0
        var packets = 0
        var mismatches: [String] = []

        init(linkType: Int32) {
            fast = PacketDecoder(linkType: linkType)
            var c = PacketDecoder.Configuration()
            c.fastPath = false
            full = PacketDecoder(linkType: linkType, configuration: c)
            probe = PacketDecoder(linkType: linkType)
            into = PacketDecoder(linkType: linkType)
            linked = PacketDecoder(linkType: linkType)
            mislinked = PacketDecoder(linkType: linkType)
        }

        /// `linked`'s answer, the framing passed as a constant (as the read loop's callbacks do).
        mutating func decodeLinked(_ b: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp) -> DecodeResult {
            let options = linked.configuration.tcpOptions
            let status: DecodeStatus
            switch linked.commonLink {
            case .ethernet:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: .ethernet, tcpOptions: options, shape: &linkedShape)
            case .linuxSLL:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: .linuxSLL, tcpOptions: options, shape: &linkedShape)
            case .linuxSLL2:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: .linuxSLL2, tcpOptions: options, shape: &linkedShape)
            case .raw:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: .raw, tcpOptions: options, shape: &linkedShape)
            case .loopback:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: .loopback, tcpOptions: options, shape: &linkedShape)
            case let other:
                status = linked.decode(b, wireLength: wireLength, time: time, into: &linkedStored,
                                       payload: &linkedPayload, link: other, tcpOptions: options, shape: &linkedShape)
            }
            switch status {
            case .packet: return .packet(linkedStored, payload: linkedPayload)
            case .fragmentHeld: return .fragmentHeld
            case .skipped(let r): return .skipped(r)
            }
        }

        /// `mislinked`'s answer: a framing other than its own, or its own with the options' flag
        /// flipped, in turn (the full decoder answers every packet).
        mutating func decodeMislinked(_ b: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp) -> DecodeResult {
            let own = mislinked.commonLink
            let wrong: PacketDecoder.FastLink = own == .ethernet ? .linuxSLL : .ethernet
            let status = packets % 2 == 0
                ? mislinked.decode(b, wireLength: wireLength, time: time, into: &mislinkedStored, payload: &mislinkedPayload,
                                   link: wrong, tcpOptions: mislinked.configuration.tcpOptions)
                : mislinked.decode(b, wireLength: wireLength, time: time, into: &mislinkedStored, payload: &mislinkedPayload,
                                   link: own, tcpOptions: !mislinked.configuration.tcpOptions)
            switch status {
            case .packet: return .packet(mislinkedStored, payload: mislinkedPayload)
            case .fragmentHeld: return .fragmentHeld
            case .skipped(let r): return .skipped(r)
            }
        }

        mutating func feed(_ b: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp, label: @autoclosure () -> String) {
            packets += 1
            if probe.decodeCommon(b) != nil { answered += 1 }
            let x = fast.decode(b, wireLength: wireLength, time: time)
            let y = full.decode(b, wireLength: wireLength, time: time)
            if let d = FastPath.difference(x, y), mismatches.count < 20 { mismatches.append("\(label()): \(d)") }
            let z: DecodeResult
            switch into.decode(b, wireLength: wireLength, time: time, into: &stored, payload: &storedPayload) {
            case .packet: z = .packet(stored, payload: storedPayload)
            case .fragmentHeld: z = .fragmentHeld
            case .skipped(let r): z = .skipped(r)
            }
            if let d = FastPath.difference(z, y), mismatches.count < 20 { mismatches.append("\(label()) (into storage): \(d)") }
            let l = decodeLinked(b, wireLength: wireLength, time: time)
            if let d = FastPath.difference(l, y), mismatches.count < 20 { mismatches.append("\(label()) (framing given): \(d)") }
            let m = decodeMislinked(b, wireLength: wireLength, time: time)
            if let d = FastPath.difference(m, y), mismatches.count < 20 { mismatches.append("\(label()) (wrong framing given): \(d)") }
        }

        mutating func feed(_ bytes: [UInt8], label: @autoclosure () -> String) {
            bytes.withUnsafeBytes { feed($0, wireLength: $0.count, time: Timestamp(seconds: 100, nanoseconds: 0), label: label()) }
        }

        /// The counters too must agree (tcp, truncated, skips, fragments…).
        var countersAgree: Bool {
            fast.counters == full.counters && into.counters == full.counters && linked.counters == full.counters
                && mislinked.counters == full.counters
        }
    }

    /// Every capture file under `dir`, recursively.
    static func captures(under dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        var out: [String] = []
        for case let u as URL in e {
            let n = u.lastPathComponent
            if n.hasSuffix(".pcap") || n.hasSuffix(".pcapng") || n.hasSuffix(".pcap.gz") || n.hasSuffix(".pcapng.gz") || n.hasSuffix(".cap") {
                out.append(u.path)
            }
        }
        return out.sorted()
    }

    /// Runs both decoders over one capture; nil if libpcap cannot open it (a few corpus files are
    /// deliberately not captures). Read errors part way stop the file, as the analyzer does.
    static func compare(file: String) -> Pair? {
        guard let r = try? CaptureReader(path: file) else { return nil }
        var pair = Pair(linkType: r.linkType)
        while true {
            guard let p = try? r.next() else { break }
            pair.feed(p.bytes, wireLength: p.wireLength, time: p.time, label: "\(file) packet \(p.number)")
        }
        return pair
    }

    @Test func repositoryCapturesDecodeTheSameBothWays() throws {
        let files = Self.captures(under: Files.repoRoot.appendingPathComponent("Captures"))
        #expect(files.count >= 50, "Captures/ not found under \(Files.repoRoot.path)")
        var answered = 0, packets = 0
        for f in files {
            let pair = try #require(Self.compare(file: f), "cannot open \(f)")
            #expect(pair.mismatches.isEmpty, "\(pair.mismatches)")
            #expect(pair.countersAgree, "\(f): \(pair.fast.counters) vs \(pair.full.counters)")
            answered += pair.answered
            packets += pair.packets
        }
        // The repository's captures are plain Ethernet/IPv4/IPv6 TCP: the fast path takes most.
        #expect(packets > 1000)
        #expect(answered * 10 >= packets * 8, "fast path answered \(answered) of \(packets)")
    }

    @Test func corpusCapturesDecodeTheSameBothWays() throws {
        let corpus = Files.shared.appendingPathComponent("corpus")
        try #require(FileManager.default.fileExists(atPath: corpus.path),
                     "shared corpus missing at \(corpus.path) (it must sit at ../shared beside the repository)")
        let files = Self.captures(under: corpus)
        #expect(files.count >= 100)
        var opened = 0, answered = 0, packets = 0
        var linkTypesAnswered = Set<Int32>()
        for f in files {
            guard let pair = Self.compare(file: f) else { continue }
            opened += 1
            #expect(pair.mismatches.isEmpty, "\(pair.mismatches)")
            #expect(pair.countersAgree, "\(f): \(pair.fast.counters) vs \(pair.full.counters)")
            answered += pair.answered
            packets += pair.packets
            if pair.answered > 0 { linkTypesAnswered.insert(pair.fast.linkType) }
        }
        #expect(opened >= 100)
        // Both paths were exercised: the fast one answered many, the full one the rest (tunnels,
        // VLANs, UDP, fragments, …).
        #expect(answered > 1000 && packets - answered > 1000, "fast path answered \(answered) of \(packets)")
        #expect(linkTypesAnswered.contains(LinkType.ethernet))
    }

    /// TCP packets of a few captures, unwrapped to their IP datagram (Ethernet II, no tags), to be
    /// mutated and re-framed.
    static func ipDatagrams(files: [String], limit: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for path in files {
            let r = try CaptureReader(path: path)
            guard r.linkType == LinkType.ethernet else { continue }
            var n = 0
            while let p = try r.next(), n < limit {
                let b = [UInt8](p.bytes)
                guard b.count > 14, b[12] == 0x08 && b[13] == 0x00 || b[12] == 0x86 && b[13] == 0xDD else { continue }
                out.append(Array(b[14...]))
                n += 1
            }
        }
        return out
    }

    static func repositoryCapture(_ name: String) -> String {
        Files.repoRoot.appendingPathComponent("Captures/" + name).path
    }

    /// The same datagram under every link header the fast path reads, with one VLAN tag of each
    /// kind the full decoder takes (the tagged fast path's), and two (which it leaves to the full
    /// decoder).
    static func framings(_ ip: [UInt8]) -> [(Int32, [UInt8])] {
        let v6 = ip.first.map { $0 >> 4 == 6 } ?? false
        let type: [UInt8] = v6 ? [0x86, 0xDD] : [0x08, 0x00]
        let mac: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
        return [
            (LinkType.ethernet, mac + type + ip),
            (LinkType.ethernet, mac + [0x81, 0x00, 0x00, 0x07] + type + ip),
            (LinkType.ethernet, mac + [0x88, 0xA8, 0xE0, 0x64] + type + ip),
            (LinkType.ethernet, mac + [0x91, 0x00, 0x0F, 0xFF] + type + ip),
            (LinkType.ethernet, mac + [0x92, 0x00, 0x10, 0x00] + type + ip),
            (LinkType.ethernet, mac + [0x88, 0xA8, 0x00, 0x0A, 0x81, 0x00, 0x00, 0x14] + type + ip),
            (LinkType.linuxSLL, [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + type + ip),
            (LinkType.linuxSLL2, type + [0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 6, 2, 0, 0, 0, 0, 1, 0]),
            (LinkType.raw, ip),
            (LinkType.linktypeRaw, ip),
            (v6 ? LinkType.ipv6 : LinkType.ipv4, ip),
            // BSD loopback: the family in the capturing host's order (little-endian here, big
            // below), IPv6 as macOS and FreeBSD number it.
            (LinkType.null, (v6 ? [30, 0, 0, 0] : [2, 0, 0, 0]) + ip),
            (LinkType.loop, (v6 ? [0, 0, 0, 28] : [0, 0, 0, 2]) + ip),
        ].map { lt, b in lt == LinkType.linuxSLL2 ? (lt, b + ip) : (lt, b) }
    }

    @Test func reframedPacketsDecodeTheSameBothWays() throws {
        let datagrams = try Self.ipDatagrams(files: Self.captures(under: Files.repoRoot.appendingPathComponent("Captures")), limit: 20)
        #expect(datagrams.count >= 300)
        var pairs: [Int32: Pair] = [:]
        var answered = 0
        for (i, ip) in datagrams.enumerated() {
            for (lt, frame) in Self.framings(ip) {
                var pair = pairs[lt] ?? Pair(linkType: lt)
                let before = pair.answered
                pair.feed(frame, label: "datagram \(i) link \(lt)")
                answered += pair.answered - before
                pairs[lt] = pair
            }
        }
        for (lt, pair) in pairs.sorted(by: { $0.key < $1.key }) {
            #expect(pair.mismatches.isEmpty, "link \(lt): \(pair.mismatches)")
            #expect(pair.countersAgree, "link \(lt)")
            #expect(pair.answered > 0, "link \(lt): the fast path took none")
        }
        #expect(answered > datagrams.count * 4)
    }

    /// Every byte of the headers set to values that cross each check (0, 0xFF, each bit flipped,
    /// the lengths' edges), and every truncation: the fast path either agrees or steps aside.
    @Test func mutatedPacketsDecodeTheSameBothWays() throws {
        let names = ["01-ok-tls13.pcap", "05-ok-nginx-ipv6.pcap", "06-no-common-cipher.pcap"]
        let datagrams = try Self.ipDatagrams(files: names.map(Self.repositoryCapture), limit: 6)
        #expect(datagrams.count == 18)
        var pairs: [Int32: Pair] = [:]
        var cases = 0
        for (i, ip) in datagrams.enumerated() {
            for (lt, frame) in Self.framings(ip) where lt != LinkType.linktypeRaw {
                var pair = pairs[lt] ?? Pair(linkType: lt)
                let headerEnd = min(frame.count, 100)
                for at in 0..<headerEnd {
                    let o = frame[at]
                    var values: Set<UInt8> = [0, 0xFF, 0x01, 0x45, 0x50, 0x60, 0x06, 0x11, 0x14, 0x28]
                    for bit in 0..<8 { values.insert(o ^ UInt8(1 << bit)) }
                    values.insert(o &+ 1); values.insert(o &- 1)
                    for v in values where v != o {
                        var m = frame
                        m[at] = v
                        pair.feed(m, label: "datagram \(i) link \(lt) byte \(at) = \(v)")
                        cases += 1
                    }
                }
                for cut in 0...min(frame.count, 110) {
                    pair.feed(Array(frame.prefix(cut)), label: "datagram \(i) link \(lt) cut at \(cut)")
                    cases += 1
                }
                // Cut by a snapshot length: wire length beyond the bytes.
                frame.withUnsafeBytes { b in
                    let cut = UnsafeRawBufferPointer(rebasing: b.prefix(min(b.count, 74)))
                    pair.feed(cut, wireLength: b.count, time: Timestamp(seconds: 100, nanoseconds: 0),
                              label: "datagram \(i) link \(lt) snap 74")
                }
                pairs[lt] = pair
            }
        }
        #expect(cases > 20_000)
        for (lt, pair) in pairs.sorted(by: { $0.key < $1.key }) {
            #expect(pair.mismatches.isEmpty, "link \(lt): \(pair.mismatches)")
            #expect(pair.countersAgree, "link \(lt): \(pair.fast.counters) vs \(pair.full.counters)")
            // Mutations both kept packets on the fast path and sent others to the full decoder.
            #expect(pair.answered > 0 && pair.answered < pair.packets, "link \(lt): \(pair.answered) of \(pair.packets)")
        }
    }

    /// Hand-made packets at the edges of each check the fast path makes.
    @Test(arguments: [
        // (name, frame, fast path expected to answer)
        ("plain IPv4 TCP", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(10)))), true),
        ("IPv4 with options", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(10)), options: [1, 1, 1, 0])), false),
        ("IPv4 total length 0 (offload)", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(10)), totalLength: 0)), false),
        ("IPv4 first fragment", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(16)), more: true)), false),
        ("IPv4 later fragment", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.bytes(16), fragOffset: 8)), false),
        ("IPv4 UDP", Build.ethernet(0x0800, Build.ipv4(proto: 17, Build.udp(Build.bytes(4)))), false),
        ("IPv4 total length short of TCP header", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(), totalLength: 30)), false),
        ("IPv4 total length beyond the bytes (snap)", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(10)), totalLength: 1500)), true),
        ("Ethernet padding after datagram", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp()) + [0, 0, 0, 0, 0, 0]), true),
        ("TCP data offset 4", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(dataOffset: 4))), false),
        ("TCP data offset past the datagram", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(dataOffset: 15))), false),
        ("TCP NOP NOP timestamps", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(options: [1, 1, 8, 10] + [UInt8](repeating: 7, count: 8)))), true),
        ("TCP SYN options", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(flags: 0x02, options: [2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 0, 0]))), true),
        ("TCP option length past header", Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(options: [2, 9, 5, 0xB4]))), true),
        ("IPv6 TCP", Build.ethernet(0x86DD, Build.ipv6(next: 6, Build.tcp(Build.bytes(5)))), true),
        ("IPv6 payload length 0", Build.ethernet(0x86DD, Build.ipv6(next: 6, Build.tcp(), payloadLength: 0)), false),
        ("IPv6 hop-by-hop then TCP", Build.ethernet(0x86DD, Build.ipv6(next: 0, Build.v6Options(next: 6) + Build.tcp())), false),
        ("VLAN", Build.ethernet(0x8100, Build.be16(5) + Build.be16(0x0800) + Build.ipv4(proto: 6, Build.tcp())), false),
        ("802.3 length", Build.ethernet(60, Build.bytes(60)), false),
        ("ARP", Build.ethernet(0x0806, Build.bytes(28)), false),
        ("IPv4 version 6 in 0x0800", Build.ethernet(0x0800, Build.ipv6(next: 6, Build.tcp())), false),
    ])
    func edgeCases(_ name: String, _ frame: [UInt8], _ fast: Bool) {
        var pair = Pair(linkType: LinkType.ethernet)
        pair.feed(frame, label: name)
        #expect(pair.mismatches.isEmpty, "\(pair.mismatches)")
        #expect(pair.countersAgree)
        #expect((pair.answered == 1) == fast, "\(name): fast path \(pair.answered == 1 ? "answered" : "stepped aside")")
    }

    @Test func fragmentsInFlightDoNotDisturbTheFastPath() {
        // A held fragment makes the decoder check timeouts on each packet; plain packets between
        // the fragments still go the fast way and agree.
        var pair = Pair(linkType: LinkType.ethernet)
        let data = Build.tcp(Build.bytes(40))
        let first = Build.ethernet(0x0800, Build.ipv4(proto: 6, Array(data.prefix(32)), id: 9, more: true))
        let second = Build.ethernet(0x0800, Build.ipv4(proto: 6, Array(data.suffix(from: 32)), id: 9, fragOffset: 32))
        let plain = Build.ethernet(0x0800, Build.ipv4(proto: 6, Build.tcp(Build.bytes(3))))
        pair.feed(first, label: "first fragment")
        pair.feed(plain, label: "plain between")
        pair.feed(second, label: "second fragment")
        pair.feed(plain, label: "plain after")
        #expect(pair.mismatches.isEmpty, "\(pair.mismatches)")
        #expect(pair.countersAgree)
        #expect(pair.fast.counters.datagramsReassembled == 1 && pair.fast.counters.tcp == 3)
        #expect(pair.answered == 2)
    }
}
