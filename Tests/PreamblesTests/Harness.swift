import Testing
@testable import Preambles

/// One chunk of one direction, in the order a capture (or a hand-made exchange) has it.
struct Segment: Sendable {
    enum Direction: Sendable { case client, server }
    var direction: Direction
    var bytes: [UInt8]

    static func c(_ hex: String) -> Segment { Segment(direction: .client, bytes: bytesFromHex(hex)) }
    static func s(_ hex: String) -> Segment { Segment(direction: .server, bytes: bytesFromHex(hex)) }
    static func c(text: String) -> Segment { Segment(direction: .client, bytes: Array(text.utf8)) }
    static func s(text: String) -> Segment { Segment(direction: .server, bytes: Array(text.utf8)) }
    static func c(bytes: [UInt8]) -> Segment { Segment(direction: .client, bytes: bytes) }
    static func s(bytes: [UInt8]) -> Segment { Segment(direction: .server, bytes: bytes) }
}

/// A connection's opening bytes taken from a capture of the shared corpus.
struct Trace: Sendable, CustomTestStringConvertible {
    var file: String
    var serverPort: UInt16
    /// Where tshark's TLS dissector puts the first TLS record of each side (nil: not dissected).
    var tsharkClient: Int?
    var tsharkServer: Int?
    var segments: [Segment]

    init(file: String, serverPort: UInt16, tsharkTLSOffsets: (Int?, Int?), segments: [Segment]) {
        self.file = file
        self.serverPort = serverPort
        self.tsharkClient = tsharkTLSOffsets.0
        self.tsharkServer = tsharkTLSOffsets.1
        self.segments = segments
    }

    var testDescription: String { file }
    var client: [UInt8] { segments.filter { $0.direction == .client }.flatMap(\.bytes) }
    var server: [UInt8] { segments.filter { $0.direction == .server }.flatMap(\.bytes) }
}

func bytesFromHex(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8? = nil
    for ch in hex.utf8 {
        let v: UInt8
        switch ch {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = ch - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = ch - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = ch - UInt8(ascii: "A") + 10
        default: continue
        }
        if let h = high {
            out.append(h << 4 | v)
            high = nil
        } else {
            high = v
        }
    }
    return out
}

/// Feeds both directions whole, once.
func detectWhole(client: [UInt8], server: [UInt8], port: UInt16 = 0) -> (PreambleVerdict, PreambleDetector) {
    var d = PreambleDetector(serverPort: port)
    let v = client.withUnsafeBytes { c in server.withUnsafeBytes { s in d.feed(client: c, server: s) } }
    return (v, d)
}

func detectWhole(_ segments: [Segment], port: UInt16 = 0) -> (PreambleVerdict, PreambleDetector) {
    detectWhole(client: segments.filter { $0.direction == .client }.flatMap(\.bytes),
                server: segments.filter { $0.direction == .server }.flatMap(\.bytes), port: port)
}

/// The outcome of feeding the segments one byte at a time, in order.
struct Incremental {
    /// Bytes of each direction fed when the first verdict other than `.undecided` came.
    var decidedClient: Int?
    var decidedServer: Int?
    var firstVerdict: PreambleVerdict = .undecided
    var finalVerdict: PreambleVerdict = .undecided
    /// A later call answered something else than the first verdict.
    var changedAfterDeciding = false
    var detector: PreambleDetector
}

func detectByteByByte(_ segments: [Segment], port: UInt16 = 0) -> Incremental {
    var d = PreambleDetector(serverPort: port)
    var client: [UInt8] = []
    var server: [UInt8] = []
    var result = Incremental(detector: d)
    for segment in segments {
        for byte in segment.bytes {
            if segment.direction == .client { client.append(byte) } else { server.append(byte) }
            let v = client.withUnsafeBytes { c in server.withUnsafeBytes { s in d.feed(client: c, server: s) } }
            if result.decidedClient == nil {
                if v != .undecided {
                    result.decidedClient = client.count
                    result.decidedServer = server.count
                    result.firstVerdict = v
                }
            } else if v != result.firstVerdict {
                result.changedAfterDeciding = true
            }
            result.finalVerdict = v
        }
    }
    result.detector = d
    return result
}

/// The first point of the byte-by-byte feed where at least `client` and `server` bytes are in.
func firstPoint(_ segments: [Segment], client: Int, server: Int) -> (client: Int, server: Int)? {
    var c = 0, s = 0
    for segment in segments {
        for _ in segment.bytes {
            if segment.direction == .client { c += 1 } else { s += 1 }
            if c >= client && s >= server { return (c, s) }
        }
    }
    return nil
}

/// Checks the byte-by-byte feed: `.undecided` until exactly the point where `client` and
/// `server` bytes are in, then `expected`, unchanged to the end, and the same as the whole feed.
func expectIncremental(_ segments: [Segment], port: UInt16 = 0, decidesAt client: Int, _ server: Int,
                       _ expected: PreambleVerdict, sourceLocation: SourceLocation = #_sourceLocation) {
    let inc = detectByteByByte(segments, port: port)
    let point = firstPoint(segments, client: client, server: server)
    #expect(point != nil, "the segments never reach the decision point", sourceLocation: sourceLocation)
    #expect(inc.decidedClient == point?.client && inc.decidedServer == point?.server,
            "decided at \(String(describing: inc.decidedClient))/\(String(describing: inc.decidedServer)), expected \(String(describing: point))",
            sourceLocation: sourceLocation)
    #expect(inc.firstVerdict == expected, sourceLocation: sourceLocation)
    #expect(!inc.changedAfterDeciding, sourceLocation: sourceLocation)
    #expect(inc.finalVerdict == expected, sourceLocation: sourceLocation)
    #expect(detectWhole(segments, port: port).0 == expected, sourceLocation: sourceLocation)
}

extension PreambleVerdict {
    var info: PreambleInfo? {
        switch self {
        case .tls(_, _, let p): return p
        case .refused(let p), .plaintext(let p): return p
        case .undecided, .notTLS: return nil
        }
    }

    var offsets: (client: Int, server: Int)? {
        if case .tls(let c, let s, _) = self { return (c, s) }
        return nil
    }

    var isRefused: Bool {
        if case .refused = self { return true }
        return false
    }

    var isPlaintext: Bool {
        if case .plaintext = self { return true }
        return false
    }
}
