import Testing
@testable import TLSWire

/// The events of a stream read the way the handshake observer reads it: no `.record` events,
/// `nextCommon(in:)` first and `next(in:)` whenever it answers `.other`; its plain events turned
/// into `TLSStreamEvent`s to compare.
func commonPathEvents(_ bytes: [UInt8], startOffset: Int = 0, prefixLengths: [Int]? = nil,
                      encryptAfter: (TLSStreamEvent, inout TLSStreamReader) -> Void = { _, _ in })
    -> (events: [TLSStreamEvent], reader: TLSStreamReader) {
    var reader = TLSStreamReader(startOffset: startOffset)
    reader.recordEvents = false
    var events = [TLSStreamEvent]()
    let lengths = (prefixLengths ?? []) + [bytes.count]
    bytes.withUnsafeBytes { all in
        outer: for n in lengths {
            let visible = UnsafeRawBufferPointer(rebasing: all[0..<n])
            var guardCount = 0
            while true {
                guardCount += 1
                precondition(guardCount < 100_000, "reader does not make progress")
                let c = reader.nextCommon(in: visible)
                let e: TLSStreamEvent
                switch c.kind {
                case .needMore: e = .needMore
                case .handshake: e = .handshake(c.handshakeMessage)
                case .encryptedRecord: e = .encryptedRecord(ContentType(c.type), length: c.length, offset: c.offset)
                case .changeCipherSpec: e = .changeCipherSpec(offset: c.offset)
                case .other:
                    e = reader.next(in: visible)
                    // `.other` is never an event `nextCommon` could have handed out, nor `.record`.
                    if case .record = e { Issue.record("a .record event with record events off") }
                }
                if e == .needMore { break }
                events.append(e)
                encryptAfter(e, &reader)
                if case .malformed = e { break outer }
            }
        }
    }
    return (events, reader)
}

/// `next(in:)` alone, with record events on, without the `.record` events.
func contentEvents(_ bytes: [UInt8], startOffset: Int = 0, prefixLengths: [Int]? = nil,
                   encryptAfter: (TLSStreamEvent, inout TLSStreamReader) -> Void = { _, _ in }) -> [TLSStreamEvent] {
    collectEvents(bytes, startOffset: startOffset, prefixLengths: prefixLengths, encryptAfter: encryptAfter)
        .filter { if case .record = $0 { return false } else { return true } }
}

func randomPrefixLengths(_ count: Int, seed: UInt64, maxChunk: Int) -> [Int] {
    var rng = SplitMix64(state: seed)
    var lengths = [Int]()
    var n = 0
    while n < count {
        n = min(count, n + rng.next(in: 1...maxChunk))
        lengths.append(n)
    }
    return lengths
}

@Suite("TLSStreamReader without record events, through nextCommon")
struct CommonEventTests {
    @Test("the same events as next(in:) alone, whole, one byte at a time and in random chunks",
          arguments: CorpusStreams.all)
    func sameEventsAsNext(_ v: StreamVector) {
        let bytes = v.bytes
        let marks = callerMarks(v)
        let expected = contentEvents(bytes, startOffset: v.startOffset, encryptAfter: marks)
        #expect(!expected.isEmpty)
        #expect(commonPathEvents(bytes, startOffset: v.startOffset, encryptAfter: marks).events == expected)
        #expect(commonPathEvents(bytes, startOffset: v.startOffset, prefixLengths: Array(0..<bytes.count),
                                 encryptAfter: marks).events == expected)
        for seed: UInt64 in [7, 8] {
            let lengths = randomPrefixLengths(bytes.count, seed: seed, maxChunk: 300)
            #expect(commonPathEvents(bytes, startOffset: v.startOffset, prefixLengths: lengths, encryptAfter: marks).events
                    == contentEvents(bytes, startOffset: v.startOffset, prefixLengths: lengths, encryptAfter: marks),
                    "seed \(seed)")
        }
    }

    @Test("the same events as next(in:) on damaged streams (bytes overwritten, stream cut)",
          arguments: CorpusStreams.all)
    func sameEventsOnDamagedStreams(_ v: StreamVector) {
        let original = v.bytes
        var rng = SplitMix64(state: 0xDA_3A6E ^ UInt64(original.count))
        for round in 0..<12 {
            var bytes = original
            // A few bytes overwritten near the start (where the framing is), or anywhere.
            for _ in 0..<rng.next(in: 1...3) {
                guard !bytes.isEmpty else { break }
                let limit = round % 2 == 0 ? min(bytes.count, v.startOffset + 64) : bytes.count
                let at = rng.next(in: 0...(max(limit, 1) - 1))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 3 == 0 { bytes = Array(bytes.prefix(rng.next(in: 0...bytes.count))) }
            let lengths = randomPrefixLengths(bytes.count, seed: UInt64(round), maxChunk: 200)
            #expect(commonPathEvents(bytes, startOffset: v.startOffset, prefixLengths: lengths).events
                    == contentEvents(bytes, startOffset: v.startOffset, prefixLengths: lengths), "round \(round)")
        }
    }

    @Test("records are counted, and the first record's version kept, without record events",
          arguments: CorpusStreams.all)
    func recordsCountedWithoutEvents(_ v: StreamVector) {
        let bytes = v.bytes
        let all = collectEvents(bytes, startOffset: v.startOffset, encryptAfter: callerMarks(v))
        let reader = commonPathEvents(bytes, startOffset: v.startOffset, encryptAfter: callerMarks(v)).reader
        var records = 0
        var firstVersion: ProtocolVersion?
        for e in all {
            switch e {
            case .record(let h, _):
                records += 1
                if firstVersion == nil { firstVersion = h.version }
            case .sslv2: records += 1
            default: break
            }
        }
        #expect(records > 0)
        #expect(reader.recordsRead == records)
        #expect(reader.firstRecordVersion == firstVersion)
    }

    @Test("a reader caught up with its stream answers .needMore, whole, in chunks and damaged",
          arguments: CorpusStreams.all)
    func caughtUpMeansNeedMore(_ v: StreamVector) {
        var caughtUp = 0
        var rng = SplitMix64(state: 0xC0_06E5 ^ UInt64(v.bytes.count))
        for round in 0..<6 {
            var bytes = v.bytes
            if round >= 3, !bytes.isEmpty {
                // Damaged: a byte overwritten, and the stream cut.
                bytes[rng.next(in: 0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: rng.next())
                bytes = Array(bytes.prefix(rng.next(in: 0...bytes.count)))
            }
            let lengths = round == 0 ? [bytes.count] : randomPrefixLengths(bytes.count, seed: UInt64(round), maxChunk: 250)
            var reader = TLSStreamReader(startOffset: v.startOffset)
            reader.recordEvents = false
            let marks = callerMarks(v)
            bytes.withUnsafeBytes { all in
                outer: for n in lengths {
                    let visible = UnsafeRawBufferPointer(rebasing: all[0..<n])
                    for _ in 0..<100_000 {
                        if reader.isCaughtUp(withStreamOf: visible.count) {
                            caughtUp += 1
                            var a = reader, b = reader
                            #expect(a.nextCommon(in: visible).kind == .needMore, "round \(round)")
                            #expect(b.next(in: visible) == .needMore, "round \(round)")
                        }
                        let c = reader.nextCommon(in: visible)
                        if c.kind == .needMore { continue outer }
                        if c.kind == .other {
                            let e = reader.next(in: visible)
                            if e == .needMore { continue outer }
                            if case .malformed = e {
                                #expect(!reader.isCaughtUp(withStreamOf: visible.count))
                                break outer
                            }
                            marks(e, &reader)
                        } else if c.kind == .changeCipherSpec {
                            marks(.changeCipherSpec(offset: c.offset), &reader)
                        }
                    }
                }
            }
        }
        #expect(caughtUp > 0)
        // Record events on: never caught up (nextCommon then answers .other).
        var withEvents = TLSStreamReader(startOffset: v.startOffset)
        #expect(!withEvents.isCaughtUp(withStreamOf: v.startOffset))
        _ = v.bytes.withUnsafeBytes { withEvents.next(in: $0) }
    }

    @Test("records handed out as read leave the reader as next(in:) leaves it, whole or cut anywhere")
    func recordsHandedOutAsReadLeaveTheSameReader() {
        // A handshake message filling its record, a record of two messages (read the long way),
        // a CCS, then (encrypted from here) a Finished and two application data records.
        let bytes: [UInt8] = [22, 3, 3, 0, 8, 2, 0, 0, 4, 3, 3, 0, 0,
                              22, 3, 3, 0, 9, 11, 0, 0, 1, 7, 14, 0, 0, 0,
                              20, 3, 3, 0, 1, 1,
                              22, 3, 3, 0, 3, 7, 7, 7,
                              23, 3, 3, 0, 2, 5, 5,
                              23, 3, 3, 0, 0]
        let marks: (TLSStreamEvent, inout TLSStreamReader) -> Void = { e, r in
            if case .changeCipherSpec = e { r.markEncrypted() }
        }
        let expected = contentEvents(bytes, encryptAfter: marks)
        #expect(expected.filter { if case .encryptedRecord = $0 { return true } else { return false } }.count == 3)
        #expect(expected.filter { if case .handshake = $0 { return true } else { return false } }.count == 3)
        // `next(in:)` alone, record events off: the reader the common path must leave.
        var plain = TLSStreamReader(startOffset: 0)
        plain.recordEvents = false
        bytes.withUnsafeBytes { b in
            while true {
                let e = plain.next(in: b)
                if e == .needMore { break }
                marks(e, &plain)
            }
        }
        for lengths in [nil, Array(0..<bytes.count), randomPrefixLengths(bytes.count, seed: 3, maxChunk: 7)] {
            let (events, reader) = commonPathEvents(bytes, prefixLengths: lengths, encryptAfter: marks)
            #expect(events == expected)
            #expect(reader == plain)
            #expect(reader.recordsRead == 6 && reader.firstRecordVersion == ProtocolVersion(0x0303))
        }
    }

    @Test("an application data record inside a fragmented handshake message fails the stream, as through next(in:)")
    func applicationDataInterruptingAMessage() {
        // A handshake record carrying 5 bytes of a 10-byte message, then application data.
        let bytes: [UInt8] = [22, 3, 3, 0, 5, 11, 0, 0, 6, 1, 23, 3, 3, 0, 2, 9, 9]
        let common = commonPathEvents(bytes).events
        #expect(common == contentEvents(bytes))
        guard case .malformed(let e)? = common.last else {
            Issue.record("expected a malformed stream, got \(common)")
            return
        }
        #expect(e.code == .unexpectedMessage)
    }

    @Test func nextCommonIsOtherWithRecordEventsOn() {
        // A record carrying a whole ClientHello header-only message (type 1, length 0).
        let bytes: [UInt8] = [22, 3, 1, 0, 4, 1, 0, 0, 0]
        var reader = TLSStreamReader()
        bytes.withUnsafeBytes { b in
            #expect(reader.nextCommon(in: b).kind == .other)
            guard case .record = reader.next(in: b) else { Issue.record("expected the record event"); return }
            reader.recordEvents = false
            let c = reader.nextCommon(in: b)
            #expect(c.kind == .handshake && c.type == 1 && c.length == 0 && c.offset == 5 && c.recordOffset == 0)
            #expect(reader.nextCommon(in: b).kind == .needMore)
        }
    }
}
