import Testing
@testable import TLSWire

extension StreamVector: CustomTestStringConvertible {
    var testDescription: String { name }
}

/// Captures whose connections negotiated TLS 1.3 (their CCS is the middlebox-compatibility one).
let tls13Captures: Set<String> = [
    "zeek/traces/tls/hrr.pcap", "zeek/traces/tls/tls13-ech.pcap", "zeek/traces/tls/chrome-1250-tls-x25519-kyber.pcap",
    "arkime/pcap/tls13.pcap", "arkime/pcap/tls-split-client-hello.pcap", "zeek/traces/tls/openjdk-25.0.2-zeek.org.pcap",
    "zeek/traces/tls/tls13_wolfssl.pcap",
]

/// What a caller does: after a ChangeCipherSpec in TLS ≤ 1.2 the direction is encrypted. (In TLS
/// 1.3 every encrypted record is application_data on the wire, and the CCS changes nothing.)
func callerMarks(_ v: StreamVector) -> (TLSStreamEvent, inout TLSStreamReader) -> Void {
    let tls13 = tls13Captures.contains(v.capture) || (v.capture == "ja4/pcap/latest.pcapng" && v.tcpStream == 5)
        || v.capture == "ja4/pcap/tls3.pcapng"
    return { e, r in
        if case .changeCipherSpec = e, !tls13 { r.markEncrypted() }
    }
}

func events(_ v: StreamVector, prefixLengths: [Int]? = nil, bytes: [UInt8]? = nil) -> [TLSStreamEvent] {
    collectEvents(bytes ?? v.bytes, startOffset: v.startOffset, prefixLengths: prefixLengths, encryptAfter: callerMarks(v))
}

@Suite("TLSStreamReader over captured streams")
struct StreamReaderCorpusTests {
    @Test("same events whole, one byte at a time, and in random chunks", arguments: CorpusStreams.all)
    func chunkingDoesNotMatter(_ v: StreamVector) {
        let bytes = v.bytes
        let whole = events(v)
        #expect(!whole.isEmpty)
        #expect(!whole.contains { if case .malformed = $0 { return true } else { return false } }, "\(whole.last!)")
        let oneByOne = events(v, prefixLengths: Array(0..<bytes.count))
        #expect(oneByOne == whole)
        for seed: UInt64 in [1, 2, 3] {
            var rng = SplitMix64(state: seed)
            var lengths = [Int]()
            var n = 0
            while n < bytes.count { n = min(bytes.count, n + rng.next(in: 1...700)); lengths.append(n) }
            #expect(events(v, prefixLengths: lengths) == whole, "seed \(seed)")
        }
    }

    @Test("every record is reported, in order, ending where the stream ends", arguments: CorpusStreams.all)
    func recordsTileTheStream(_ v: StreamVector) {
        let bytes = v.bytes
        var expected = v.startOffset
        for e in events(v) {
            switch e {
            case .record(let h, let offset):
                #expect(offset == expected)
                expected = offset + 5 + h.length
            case .sslv2(let r):
                #expect(r.offset == expected)
                expected = r.offset + r.headerLength + r.length
            default: break
            }
        }
        #expect(expected == bytes.count)
    }

    @Test("a truncated stream gives the events of its complete records, then needMore", arguments: CorpusStreams.all)
    func truncatedPrefixesNeedMore(_ v: StreamVector) {
        let bytes = v.bytes
        let whole = events(v)
        let step = max(1, bytes.count / 300)
        for n in stride(from: 0, to: bytes.count, by: step) {
            let prefix = Array(bytes[0..<n])
            let got = events(v, bytes: prefix)
            #expect(Array(whole.prefix(got.count)) == got, "prefix \(n)")
            #expect(!got.contains { if case .malformed = $0 { return true } else { return false } }, "prefix \(n)")
            var reader = TLSStreamReader(startOffset: v.startOffset)
            var last = TLSStreamEvent.needMore
            prefix.withUnsafeBytes { p in
                for _ in 0..<(got.count + 1) { last = reader.next(in: p) }
            }
            // Without the caller's markEncrypted the reader may read further, but it never fails
            // on a prefix and always ends waiting.
            if case .malformed = last { Issue.record("malformed on prefix \(n)") }
        }
    }
}
