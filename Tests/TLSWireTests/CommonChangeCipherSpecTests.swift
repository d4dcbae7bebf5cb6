import Testing
@testable import TLSWire

/// `nextCommon(in:)` hands out a change_cipher_spec holding the single byte 1 as a plain
/// `.changeCipherSpec` (the observer's common path), and leaves every other change_cipher_spec
/// record to `next(in:)`, which answers as it always did.
@Suite("TLSStreamReader.nextCommon and change_cipher_spec")
struct CommonChangeCipherSpecTests {
    /// A reader as the observer uses it (no record events).
    static func reader(encrypted: Bool = false) -> TLSStreamReader {
        var r = TLSStreamReader(startOffset: 0)
        r.recordEvents = false
        if encrypted { r.markEncrypted() }
        return r
    }

    @Test("a one-byte CCS of 1 is a common event, plaintext or after markEncrypted", arguments: [false, true])
    func singleByteCCS(encrypted: Bool) {
        // A CCS record, then an application data record of 3 bytes.
        let bytes: [UInt8] = [20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 9, 9, 9]
        var r = Self.reader(encrypted: encrypted)
        bytes.withUnsafeBytes { b in
            let c = r.nextCommon(in: b)
            #expect(c.kind == .changeCipherSpec)
            #expect(c.offset == 0)
            #expect(r.recordsRead == 1)
            let d = r.nextCommon(in: b)
            #expect(d.kind == .encryptedRecord)
            #expect(d.offset == 6 && d.length == 3 && d.type == 23)
            #expect(r.nextCommon(in: b).kind == .needMore)
        }
        #expect(r.recordsRead == 2)
    }

    @Test("a CCS cut short waits for its byte")
    func ccsCutShort() {
        let bytes: [UInt8] = [20, 3, 3, 0, 1, 1]
        var r = Self.reader()
        bytes.withUnsafeBytes { all in
            for n in 0..<bytes.count {
                #expect(r.nextCommon(in: UnsafeRawBufferPointer(rebasing: all[0..<n])).kind == .needMore, "prefix \(n)")
            }
            #expect(r.nextCommon(in: all).kind == .changeCipherSpec)
        }
    }

    @Test("any other CCS record is left to next(in:): malformed in plaintext, encrypted after markEncrypted",
          arguments: [[20, 3, 3, 0, 1, 2] as [UInt8], [20, 3, 3, 0, 2, 1, 1]])
    func otherCCSRecords(bytes: [UInt8]) {
        var plain = Self.reader()
        bytes.withUnsafeBytes { b in
            #expect(plain.nextCommon(in: b).kind == .other)
            guard case .malformed(let e) = plain.next(in: b) else {
                Issue.record("expected a malformed stream")
                return
            }
            #expect(e.offset == 5)
        }
        var encrypted = Self.reader(encrypted: true)
        bytes.withUnsafeBytes { b in
            #expect(encrypted.nextCommon(in: b).kind == .other)
            #expect(encrypted.next(in: b) == .encryptedRecord(.changeCipherSpec, length: bytes.count - 5, offset: 0))
            #expect(encrypted.nextCommon(in: b).kind == .needMore)
        }
    }

    @Test("a CCS in the middle of a fragmented handshake message fails the stream, as through next(in:)")
    func ccsInterruptingAMessage() {
        // A handshake record carrying the first 2 of a 4-byte message header, then a CCS.
        let bytes: [UInt8] = [22, 3, 3, 0, 2, 1, 0, 20, 3, 3, 0, 1, 1]
        let common = commonPathEvents(bytes).events
        #expect(common == contentEvents(bytes))
        guard case .malformed(let e)? = common.last else {
            Issue.record("expected a malformed stream, got \(common)")
            return
        }
        #expect(e.code == .unexpectedMessage)
    }

    @Test("next(in:) still hands out the CCS (record events on or off)", arguments: [false, true])
    func nextStillHandsOutCCS(recordEvents: Bool) {
        let bytes: [UInt8] = [20, 3, 3, 0, 1, 1]
        var r = TLSStreamReader(startOffset: 0)
        r.recordEvents = recordEvents
        bytes.withUnsafeBytes { b in
            if recordEvents {
                guard case .record = r.next(in: b) else {
                    Issue.record("expected the record event first")
                    return
                }
            }
            #expect(r.next(in: b) == .changeCipherSpec(offset: 0))
            #expect(r.next(in: b) == .needMore)
        }
    }
}
