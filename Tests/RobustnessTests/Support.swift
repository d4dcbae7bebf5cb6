import Foundation
import Testing
import NetCore
import Reports
import TLSDiagCLI
import TLSDiagKit
import FlowTrack
import Handshake

// MARK: paths

/// The repository's folders, from this file's path (repo root = three levels up).
enum Paths {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = root.appendingPathComponent("Captures")
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")

    static func capture(_ name: String) -> URL { captures.appendingPathComponent(name) }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDir {
    let url: URL
    init() throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("tlsdiag-robustness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        url = base
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
    /// Removes the directory, unless TLSDIAG_KEEP_TEMP is set (to look at the files made).
    func remove() {
        if ProcessInfo.processInfo.environment["TLSDIAG_KEEP_TEMP"] != nil { return }
        try? FileManager.default.removeItem(at: url)
    }
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

// MARK: running the real command line

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The JSON Lines report, one object per connection.
    var connections: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }
}

/// Runs `TLSDiagCLI.run(arguments:stdout:stderr:)`, the entry `tlsdiag` itself calls, with both
/// outputs going to files in `dir`, and returns the status and what was written.
func runCLI(_ arguments: [String], in dir: TempDir) throws -> CLIResult {
    let tag = UUID().uuidString
    let outPath = dir.path("stdout-\(tag)"), errPath = dir.path("stderr-\(tag)")
    let out = try #require(OutputSink.file(outPath))
    let err = try #require(OutputSink.file(errPath))
    let status = TLSDiagCLI.run(arguments: arguments, stdout: out, stderr: err)
    out.close(); err.close()
    return CLIResult(status: status,
                     stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                     stderr: try String(contentsOfFile: errPath, encoding: .utf8))
}

/// `tlsdiag analyze --format jsonl [extra…] path`.
func analyzeJSONL(_ path: String, in dir: TempDir, extra: [String] = []) throws -> CLIResult {
    try runCLI(["analyze", "--format", "jsonl"] + extra + [path], in: dir)
}

/// A connection of a JSON Lines report, as "client → server".
func endpoints(_ c: [String: Any]) -> String { "\(c["client"] ?? "?") → \(c["server"] ?? "?")" }

/// Runs the library pipeline (no report writer) and returns the summary and every connection.
func analyzeFacts(_ path: String, options: AnalysisOptions = AnalysisOptions())
    -> (summary: CaptureRunSummary, connections: [(ConnectionFacts, HandshakeFacts)]) {
    var conns: [(ConnectionFacts, HandshakeFacts)] = []
    let s = CaptureAnalyzer.analyze(path: path, options: options) { f, h in conns.append((f, h)) }
    return (s, conns)
}

// MARK: classic pcap, read and written by hand

/// A classic pcap file split into its parts, so that tests can damage precise bytes.
struct PcapFile {
    struct Record {
        var seconds: UInt32
        var fraction: UInt32
        var caplen: UInt32
        var wireLength: UInt32
        var data: [UInt8]
    }
    var header: [UInt8]
    var records: [Record]
    var littleEndian: Bool

    /// Parses a little- or big-endian classic pcap (micro or nano).
    init(bytes b: [UInt8]) throws {
        guard b.count >= 24 else { throw Failure("pcap shorter than its header") }
        let magic = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: littleEndian = true
        case 0xd4c3_b2a1, 0x4d3c_b2a1: littleEndian = false
        default: throw Failure("not a classic pcap")
        }
        header = Array(b[0..<24])
        records = []
        var off = 24
        let le = littleEndian
        func u32(_ o: Int) -> UInt32 {
            let v = UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
            return le ? v : v.byteSwapped
        }
        while off + 16 <= b.count {
            let caplen = u32(off + 8)
            guard off + 16 + Int(caplen) <= b.count else { throw Failure("record cut") }
            records.append(Record(seconds: u32(off), fraction: u32(off + 4), caplen: caplen, wireLength: u32(off + 12),
                                  data: Array(b[(off + 16)..<(off + 16 + Int(caplen))])))
            off += 16 + Int(caplen)
        }
    }

    init(linkType: UInt32 = 1, snapLength: UInt32 = 262_144, records: [Record] = []) {
        littleEndian = true
        var h: [UInt8] = []
        h.le32(0xa1b2_c3d4); h.le16(2); h.le16(4); h.le32(0); h.le32(0); h.le32(snapLength); h.le32(linkType)
        header = h
        self.records = records
    }

    /// Byte offset of record `i` (0-based) in `bytes`.
    func offset(ofRecord i: Int) -> Int {
        24 + records[..<i].reduce(0) { $0 + 16 + $1.data.count }
    }

    func recordHeader(_ r: Record) -> [UInt8] {
        var h: [UInt8] = []
        for v in [r.seconds, r.fraction, r.caplen, r.wireLength] { littleEndian ? h.le32(v) : h.be32(v) }
        return h
    }

    var bytes: [UInt8] {
        var out = header
        out.reserveCapacity(records.reduce(24) { $0 + 16 + $1.data.count })
        for r in records { out += recordHeader(r); out += r.data }
        return out
    }

    mutating func append(_ frame: [UInt8], at t: Timestamp) {
        records.append(Record(seconds: UInt32(truncatingIfNeeded: t.seconds), fraction: t.nanoseconds / 1000,
                              caplen: UInt32(frame.count), wireLength: UInt32(frame.count), data: frame))
    }
}

/// Streams a classic little-endian microsecond pcap to a file without keeping it in memory.
final class PcapStreamWriter {
    let handle: FileHandle
    var buffer: [UInt8] = []
    private(set) var count = 0

    init(path: String, linkType: UInt32 = 1, snapLength: UInt32 = 262_144) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.le32(0xa1b2_c3d4); buffer.le16(2); buffer.le16(4); buffer.le32(0); buffer.le32(0)
        buffer.le32(snapLength); buffer.le32(linkType)
    }

    func append(_ frame: [UInt8], at t: Timestamp) throws {
        buffer.le32(UInt32(truncatingIfNeeded: t.seconds)); buffer.le32(t.nanoseconds / 1000)
        buffer.le32(UInt32(frame.count)); buffer.le32(UInt32(frame.count))
        buffer += frame
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws { try flush(); try handle.close() }
}

// MARK: pcapng, written by hand

/// Minimal pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface
/// Description Block, then Enhanced Packet Blocks; `extraBlock` inserts any raw block.
///
/// ```
/// | Block Type (4) | Block Total Length (4) | Block Body … (padded to 32 bits) | Block Total Length (4) |
/// ```
struct PcapngBuilder {
    var bytes: [UInt8] = []
    /// Byte offset where each Enhanced Packet Block begins, in order.
    var packetOffsets: [Int] = []

    init(linkType: UInt16 = 1) {
        // SHB: byte-order magic, version 1.0, section length -1 (unknown).
        var shb: [UInt8] = []
        shb.le32(0x1a2b_3c4d); shb.le16(1); shb.le16(0); shb.le32(0xffff_ffff); shb.le32(0xffff_ffff)
        block(0x0a0d_0d0a, shb)
        // IDB: link type, reserved, snaplen 0 (no limit).
        var idb: [UInt8] = []
        idb.le16(linkType); idb.le16(0); idb.le32(0)
        block(1, idb)
    }

    mutating func block(_ type: UInt32, _ body: [UInt8]) {
        var padded = body
        while padded.count % 4 != 0 { padded.append(0) }
        let total = UInt32(12 + padded.count)
        bytes.le32(type); bytes.le32(total); bytes += padded; bytes.le32(total)
    }

    /// EPB with microsecond timestamps (the IDB has no if_tsresol: 10^-6).
    mutating func packet(_ frame: [UInt8], at t: Timestamp) {
        let micros = UInt64(t.seconds) &* 1_000_000 &+ UInt64(t.nanoseconds / 1000)
        var body: [UInt8] = []
        body.le32(0); body.le32(UInt32(micros >> 32)); body.le32(UInt32(micros & 0xffff_ffff))
        body.le32(UInt32(frame.count)); body.le32(UInt32(frame.count))
        body += frame
        packetOffsets.append(bytes.count)
        block(6, body)
    }
}

// MARK: packets, built by hand

/// Ethernet / IPv4 / TCP frames with correct lengths (checksums are left zero: nothing checks them).
struct TCPFrame {
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, psh: UInt8 = 0x08, fin: UInt8 = 0x01, rst: UInt8 = 0x04

    static func make(src: (UInt32, UInt16), dst: (UInt32, UInt16), seq: UInt32, ack: UInt32 = 0,
                     flags: UInt8, payload: [UInt8] = []) -> [UInt8] {
        var f: [UInt8] = []
        f.reserveCapacity(54 + payload.count)
        f += [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]    // dst MAC, src MAC, IPv4
        let total = 20 + 20 + payload.count
        f += [0x45, 0x00]; f.be16(UInt16(total)); f.be16(0); f.be16(0x4000); f += [64, 6]; f.be16(0)
        f.be32(src.0); f.be32(dst.0)
        f.be16(src.1); f.be16(dst.1); f.be32(seq); f.be32(ack)
        f += [0x50, flags]; f.be16(65535); f.be16(0); f.be16(0)
        f += payload
        return f
    }
}

/// A TCP connection's packets with sequence numbers kept for the test.
struct Conversation {
    var client: (UInt32, UInt16)
    var server: (UInt32, UInt16)
    var clientSeq: UInt32
    var serverSeq: UInt32

    init(client: (UInt32, UInt16), server: (UInt32, UInt16), clientISN: UInt32 = 1000, serverISN: UInt32 = 5000) {
        self.client = client; self.server = server
        clientSeq = clientISN; serverSeq = serverISN
    }

    /// SYN, SYN-ACK, ACK.
    mutating func handshake() -> [[UInt8]] {
        let a = TCPFrame.make(src: client, dst: server, seq: clientSeq, flags: TCPFrame.syn)
        let b = TCPFrame.make(src: server, dst: client, seq: serverSeq, ack: clientSeq &+ 1, flags: TCPFrame.syn | TCPFrame.ack)
        clientSeq &+= 1; serverSeq &+= 1
        let c = TCPFrame.make(src: client, dst: server, seq: clientSeq, ack: serverSeq, flags: TCPFrame.ack)
        return [a, b, c]
    }

    /// Client data in segments of at most `mss` bytes.
    mutating func clientData(_ bytes: [UInt8], mss: Int = 1460) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(bytes.count, i + mss)])
            out.append(TCPFrame.make(src: client, dst: server, seq: clientSeq, ack: serverSeq,
                                     flags: TCPFrame.ack | TCPFrame.psh, payload: chunk))
            clientSeq &+= UInt32(chunk.count)
            i += mss
        }
        return out
    }

    /// A client segment at stream position `seq` (absolute), not advancing the client's sequence.
    func clientSegment(seq: UInt32, _ payload: [UInt8]) -> [UInt8] {
        TCPFrame.make(src: client, dst: server, seq: seq, ack: serverSeq, flags: TCPFrame.ack | TCPFrame.psh, payload: payload)
    }

    func serverReset() -> [UInt8] {
        TCPFrame.make(src: server, dst: client, seq: serverSeq, ack: clientSeq, flags: TCPFrame.rst | TCPFrame.ack)
    }
}

func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32 {
    UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
}

// MARK: TLS messages, built by hand

enum TLSBuild {
    /// A TLS record: | type (1) | version (2) | length (2) | fragment |.
    static func record(_ fragment: [UInt8], type: UInt8 = 22, version: UInt16 = 0x0301) -> [UInt8] {
        var r: [UInt8] = [type]; r.be16(version); r.be16(UInt16(truncatingIfNeeded: fragment.count)); return r + fragment
    }

    /// A handshake message: | msg_type (1) | length (3) | body |. `claimedLength` overrides the length.
    static func handshake(_ type: UInt8, _ body: [UInt8], claimedLength: Int? = nil) -> [UInt8] {
        let n = claimedLength ?? body.count
        return [type, UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + body
    }

    /// A ClientHello body (RFC 8446 §4.1.2) with the given extensions (type, data).
    static func clientHelloBody(suites: [UInt16] = [0x1301, 0x1302, 0xc02f],
                                extensions: [(UInt16, [UInt8])], extensionsLengthOverride: Int? = nil) -> [UInt8] {
        var b: [UInt8] = []
        b.be16(0x0303)
        b += (0..<32).map { UInt8($0) }
        b.append(0)                                        // session id
        b.be16(UInt16(suites.count * 2)); for s in suites { b.be16(s) }
        b += [1, 0]                                        // compression: null
        var ext: [UInt8] = []
        for (t, d) in extensions { ext.be16(t); ext.be16(UInt16(d.count)); ext += d }
        b.be16(UInt16(truncatingIfNeeded: extensionsLengthOverride ?? ext.count))
        b += ext
        return b
    }

    /// server_name extension data for one host name.
    static func sni(_ name: String) -> [UInt8] {
        let n = Array(name.utf8)
        var d: [UInt8] = []
        d.be16(UInt16(n.count + 3)); d.append(0); d.be16(UInt16(n.count)); d += n
        return d
    }
}

// MARK: byte helpers

extension Array where Element == UInt8 {
    mutating func be16(_ v: UInt16) { append(UInt8(v >> 8)); append(UInt8(v & 0xff)) }
    mutating func be32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { append(UInt8((v >> UInt32(s)) & 0xff)) } }
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xff)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for s in stride(from: 0, through: 24, by: 8) { append(UInt8((v >> UInt32(s)) & 0xff)) } }

    mutating func putLE32(_ v: UInt32, at o: Int) {
        for k in 0..<4 { self[o + k] = UInt8((v >> UInt32(8 * k)) & 0xff) }
    }
    func le32(at o: Int) -> UInt32 {
        UInt32(self[o]) | UInt32(self[o + 1]) << 8 | UInt32(self[o + 2]) << 16 | UInt32(self[o + 3]) << 24
    }
}

/// Hex string (spaces and newlines allowed) to bytes.
func hexBytes(_ s: String) -> [UInt8] {
    let digits = s.filter { $0.isHexDigit }
    var out: [UInt8] = []
    var it = digits.makeIterator()
    while let h = it.next(), let l = it.next() { out.append(UInt8(String([h, l]), radix: 16)!) }
    return out
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}
