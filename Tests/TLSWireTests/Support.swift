import Testing
@testable import TLSWire

/// Which side of the connection a vector's bytes came from.
enum Side: String, Sendable { case client, server }

/// One direction of a captured connection (see Vectors/CorpusStreams.swift).
struct StreamVector: Sendable {
    let capture: String
    let tcpStream: Int
    let direction: Side
    let startOffset: Int
    let hex: String
    var bytes: [UInt8] { Hex.decode(hex) }
    var name: String { "\(capture)#\(tcpStream) \(direction)" }
}

enum Hex {
    /// Hex digits to bytes; whitespace ignored. Any other character is a test-authoring error.
    static func decode(_ s: String) -> [UInt8] {
        var out = [UInt8]()
        var pending: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            case 0x20, 0x0a, 0x0d, 0x09: continue
            default: fatalError("not hex: \(c)")
            }
            if let p = pending { out.append(p << 4 | v); pending = nil } else { pending = v }
        }
        precondition(pending == nil, "odd number of hex digits")
        return out
    }
}

/// A small deterministic generator (SplitMix64) for chunk sizes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// Runs a stream reader over `bytes`, revealing the stream `chunks` at a time (each element is
/// the new length of the visible prefix), collecting events until `.needMore` on the full
/// stream or a `.malformed`. `encryptAfter` decides, after each event, whether to call
/// `markEncrypted()` (mimicking the caller).
func collectEvents(_ bytes: [UInt8], startOffset: Int = 0, prefixLengths: [Int]? = nil,
                   encryptAfter: (TLSStreamEvent, inout TLSStreamReader) -> Void = { _, _ in }) -> [TLSStreamEvent] {
    var reader = TLSStreamReader(startOffset: startOffset)
    var events = [TLSStreamEvent]()
    let lengths = (prefixLengths ?? []) + [bytes.count]
    bytes.withUnsafeBytes { all in
        outer: for n in lengths {
            let visible = UnsafeRawBufferPointer(rebasing: all[0..<n])
            var guardCount = 0
            while true {
                guardCount += 1
                precondition(guardCount < 100_000, "reader does not make progress")
                let e = reader.next(in: visible)
                if e == .needMore { break }
                events.append(e)
                encryptAfter(e, &reader)
                if case .malformed = e { break outer }
            }
        }
    }
    return events
}

/// The events of the whole stream at once — after checking that feeding it one byte at a time
/// and in random chunks (fixed seed) gives exactly the same events. Every stream test goes
/// through here.
func wholeEvents(_ bytes: [UInt8], startOffset: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) -> [TLSStreamEvent] {
    let whole = collectEvents(bytes, startOffset: startOffset)
    #expect(collectEvents(bytes, startOffset: startOffset, prefixLengths: Array(0..<bytes.count)) == whole,
            "one byte at a time", sourceLocation: sourceLocation)
    #expect(randomChunkEvents(bytes, startOffset: startOffset, seed: 0x5eed, maxChunk: 97) == whole,
            "random chunks", sourceLocation: sourceLocation)
    return whole
}

func byteAtATimeEvents(_ bytes: [UInt8], startOffset: Int = 0) -> [TLSStreamEvent] {
    collectEvents(bytes, startOffset: startOffset, prefixLengths: Array(0..<bytes.count))
}

func randomChunkEvents(_ bytes: [UInt8], startOffset: Int = 0, seed: UInt64, maxChunk: Int = 700) -> [TLSStreamEvent] {
    var rng = SplitMix64(state: seed)
    var lengths = [Int]()
    var n = 0
    while n < bytes.count {
        n = min(bytes.count, n + rng.next(in: 1...maxChunk))
        lengths.append(n)
    }
    return collectEvents(bytes, startOffset: startOffset, prefixLengths: lengths)
}

/// The TLSParseError `body` throws (nil when it does not throw; other errors fail the test).
func parseError(_ body: () throws -> Void) -> TLSParseError? {
    do {
        try body()
        return nil
    } catch let e as TLSParseError {
        return e
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// The handshake messages among `events`.
func handshakes(_ events: [TLSStreamEvent]) -> [HandshakeMessage] {
    events.compactMap { if case .handshake(let m) = $0 { return m } else { return nil } }
}

/// The body of a handshake message as an array.
func body(_ m: HandshakeMessage, _ stream: [UInt8]) -> [UInt8] {
    stream.withUnsafeBytes { m.withBody(in: $0) { $0.tlsBytes(0..<$0.byteCount) } } ?? []
}

/// Parses the first handshake message of `type` in a stream with `parse`.
func firstMessage(_ stream: [UInt8], _ type: HandshakeType, startOffset: Int = 0) -> (HandshakeMessage, [UInt8])? {
    for m in handshakes(wholeEvents(stream, startOffset: startOffset)) where m.type == type {
        return (m, body(m, stream))
    }
    return nil
}

/// The repository's shared directory (…/shared beside the clone); tests that need it fail when
/// it is missing.
let sharedDirectory: String = {
    // #filePath = <root>/Tests/TLSWireTests/Support.swift
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/../shared"
}()

/// Reads a whole file without Foundation (tests only).
func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

#if canImport(Glibc)
import Glibc
#endif
