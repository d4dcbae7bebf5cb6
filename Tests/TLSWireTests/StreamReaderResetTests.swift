import Testing
@testable import TLSWire

// `TLSStreamReader.reset(recordEvents:)` puts a reader that has read (a record open, a message
// kept across records, a failure) back to the state of a new one, field by field: these tests
// compare it with a new reader and read a second stream with both.

@Suite("TLSStreamReader reset")
struct StreamReaderResetTests {
    /// A handshake record of `count` body bytes holding the start of a message claiming `claimed`.
    static func handshakeRecord(messageType: UInt8, claimed: Int, count: Int) -> [UInt8] {
        let head: [UInt8] = [messageType, UInt8(claimed >> 16), UInt8(truncatingIfNeeded: claimed >> 8), UInt8(truncatingIfNeeded: claimed)]
        let body = head + [UInt8](repeating: 0xab, count: count - 4)
        return [22, 3, 3, UInt8(body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }

    static func fresh(recordEvents: Bool) -> TLSStreamReader {
        var r = TLSStreamReader(startOffset: 0)
        r.recordEvents = recordEvents
        return r
    }

    /// Reads `stream` to its end; the events.
    static func readAll(_ r: inout TLSStreamReader, _ stream: [UInt8]) -> [TLSStreamEvent] {
        var out: [TLSStreamEvent] = []
        stream.withUnsafeBytes { b in
            for _ in 0..<64 {
                let e = r.next(in: b)
                if case .needMore = e { break }
                out.append(e)
                if case .malformed = e { break }
            }
        }
        return out
    }

    @Test("after a message kept across records, a reset reader is a new one", arguments: [false, true])
    func resetAfterPartialMessage(recordEvents: Bool) {
        // A Certificate message of 100 bytes of which the first record carries 40: kept.
        let first = Self.handshakeRecord(messageType: 11, claimed: 100, count: 44)
        var r = Self.fresh(recordEvents: true)
        _ = Self.readAll(&r, first)
        #expect(r.hasPartialMessage)
        #expect(r.recordsRead == 1 && r.firstRecordVersion != nil)
        r.reset(recordEvents: recordEvents)
        #expect(!r.hasPartialMessage)
        #expect(r == Self.fresh(recordEvents: recordEvents))
        #expect(r.hashValue == Self.fresh(recordEvents: recordEvents).hashValue)
        // The next stream reads as with a new reader.
        let hello = Self.handshakeRecord(messageType: 1, claimed: 36, count: 40)
        var new = Self.fresh(recordEvents: recordEvents)
        #expect(Self.readAll(&r, hello) == Self.readAll(&new, hello))
        #expect(r == new)
    }

    @Test("after a failure and after encryption, a reset reader is a new one")
    func resetAfterFailureAndEncryption() {
        var r = Self.fresh(recordEvents: false)
        // A handshake record, then a ChangeCipherSpec that is not the single byte 1.
        let bad = Self.handshakeRecord(messageType: 1, claimed: 36, count: 40) + [20, 3, 3, 0, 1, 7]
        let events = Self.readAll(&r, bad)
        #expect(events.contains { if case .malformed = $0 { return true } else { return false } })
        #expect(r.failure != nil)
        r.markEncrypted()
        r.reset(recordEvents: false)
        #expect(r.failure == nil && !r.isEncrypted && r.cursor == 0 && r.recordsRead == 0)
        #expect(r == Self.fresh(recordEvents: false))
        let hello = Self.handshakeRecord(messageType: 1, claimed: 36, count: 40)
        var new = Self.fresh(recordEvents: false)
        #expect(Self.readAll(&r, hello) == Self.readAll(&new, hello))
    }
}
