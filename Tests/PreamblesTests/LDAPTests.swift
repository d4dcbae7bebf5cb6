import Testing
@testable import Preambles

// Hand-built BER (X.690) for the LDAP messages of RFC 4511.

private func tlv(_ tag: UInt8, _ content: [UInt8], longForm: Bool = false) -> [UInt8] {
    if !longForm && content.count < 0x80 { return [tag, UInt8(content.count)] + content }
    var length: [UInt8] = []
    var n = content.count
    repeat {
        length.insert(UInt8(n & 0xFF), at: 0)
        n >>= 8
    } while n > 0
    return [tag, 0x80 | UInt8(length.count)] + length + content
}

private func text(_ s: String) -> [UInt8] { Array(s.utf8) }
private let startTLSOID = text("1.3.6.1.4.1.1466.20037")

private func message(_ id: UInt8, _ op: [UInt8], longForm: Bool = false) -> [UInt8] {
    tlv(0x30, tlv(0x02, [id]) + op, longForm: longForm)
}

private func startTLSRequest(_ id: UInt8, longForm: Bool = false) -> [UInt8] {
    message(id, tlv(0x77, tlv(0x80, startTLSOID)), longForm: longForm)
}

private func extendedResponse(_ id: UInt8, code: UInt8, diagnostic: String = "", name: [UInt8]? = nil) -> [UInt8] {
    var op = tlv(0x0A, [code]) + tlv(0x04, []) + tlv(0x04, text(diagnostic))
    if let name { op += tlv(0x8A, name) }
    return message(id, tlv(0x78, op))
}

/// SearchRequest for the rootDSE's supportedExtension, with a long filter value to force long-form lengths.
private func rootDSESearch(_ id: UInt8) -> [UInt8] {
    let filter = tlv(0x87, text("objectClass" + String(repeating: "x", count: 150)))
    let op = tlv(0x04, []) + tlv(0x0A, [0]) + tlv(0x0A, [0]) + tlv(0x02, [0]) + tlv(0x02, [0]) + tlv(0x01, [0]) + filter
        + tlv(0x30, tlv(0x04, text("supportedExtension")))
    return message(id, tlv(0x63, op))
}

/// A SearchResultEntry that itself holds the StartTLS OID as a value.
private func rootDSEEntry(_ id: UInt8) -> [UInt8] {
    let attr = tlv(0x30, tlv(0x04, text("supportedExtension")) + tlv(0x31, tlv(0x04, startTLSOID)))
    return message(id, tlv(0x64, tlv(0x04, []) + tlv(0x30, attr)))
}

private func searchDone(_ id: UInt8) -> [UInt8] { message(id, tlv(0x65, tlv(0x0A, [0]) + tlv(0x04, []) + tlv(0x04, []))) }

@Suite struct LDAPTests {
    /// The exact bytes RFC 4511 §4.14.1 implies for messageID 1, and a success answer.
    @Test func minimalExchange() throws {
        let request = startTLSRequest(1)
        let response = extendedResponse(1, code: 0)
        #expect(request == bytesFromHex("301d02010177188016312e332e362e312e342e312e313436362e3230303337"))
        #expect(response == bytesFromHex("300c02010178070a010004000400"))
        let segments: [Segment] = [.c(bytes: request), .s(bytes: response), .c("1603010001"), .s("1603030001")]
        let (verdict, _) = detectWhole(segments, port: 389)
        #expect(verdict.offsets?.client == 31 && verdict.offsets?.server == 14)
        let info = try #require(verdict.info)
        #expect(info.kind == .ldapStarttls)
        #expect(info.command == "StartTLS 1.3.6.1.4.1.1466.20037")
        #expect(info.serverReply == "success (0)")
        #expect(info.replyCode == 0)
        expectIncremental(segments, port: 389, decidesAt: 31, 14, verdict)
    }

    /// Non-zero resultCodes refuse, named, with the diagnosticMessage.
    @Test(arguments: [(UInt8(2), "protocolError"), (52, "unavailable"), (53, "unwillingToPerform"), (1, "operationsError")])
    func refused(code: UInt8, name: String) {
        let request = startTLSRequest(1)
        let response = extendedResponse(1, code: code, diagnostic: "no TLS here", name: startTLSOID)
        let segments: [Segment] = [.c(bytes: request), .s(bytes: response)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == "\(name) (\(code)): no TLS here")
        #expect(verdict.info?.replyCode == Int(code))
        expectIncremental(segments, decidesAt: request.count, response.count, verdict)
    }

    /// A rootDSE search first (long-form lengths, an entry that holds the OID), then StartTLS with
    /// messageID 2 in a long-form SEQUENCE: the answer is the ExtendedResponse with messageID 2.
    @Test func searchBeforeStartTLS() {
        let search = rootDSESearch(1)
        #expect(search[1] == 0x81)  // long-form length
        let request = startTLSRequest(2, longForm: true)
        let answers = rootDSEEntry(1) + searchDone(1)
        let response = extendedResponse(2, code: 0)
        let segments: [Segment] = [.c(bytes: search), .s(bytes: answers), .c(bytes: request), .s(bytes: response)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == search.count + request.count)
        #expect(verdict.offsets?.server == answers.count + response.count)
        #expect(verdict.info?.commandOffset == search.count)
        #expect(verdict.info?.replyOffset == answers.count)
        expectIncremental(segments, decidesAt: search.count + request.count, answers.count + response.count, verdict)
    }

    /// A Notice of Disconnection (messageID 0) instead of the answer: refused.
    @Test func noticeOfDisconnection() {
        let notice = extendedResponse(0, code: 52, diagnostic: "shutting down", name: text("1.3.6.1.4.1.1466.20036"))
        let (verdict, _) = detectWhole([.c(bytes: startTLSRequest(5)), .s(bytes: notice)])
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == "Notice of Disconnection: unavailable (52): shutting down")
    }

    @Test func malformedBER() {
        // Indefinite length.
        let (v1, d1) = detectWhole(client: [0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00], server: [])
        #expect(v1 == .notTLS)
        #expect(d1.issue?.code == .malformed)
        #expect(d1.issue?.offset == 1)
        // Five length octets.
        let (v2, _) = detectWhole(client: [0x30, 0x85, 0, 0, 0, 0, 1, 0x02], server: [])
        #expect(v2 == .notTLS)
        // messageID not an INTEGER.
        let (v3, d3) = detectWhole(client: [0x30, 0x03, 0x04, 0x01, 0x01], server: [])
        #expect(v3 == .notTLS)
        #expect(d3.issue?.offset == 2)
        // protocolOp longer than its message.
        let (v4, _) = detectWhole(client: [0x30, 0x05, 0x02, 0x01, 0x01, 0x77, 0x20], server: [])
        #expect(v4 == .notTLS)
        // A server answer with a broken resultCode.
        let bad = message(1, tlv(0x78, tlv(0x04, [0])))
        let (v5, d5) = detectWhole(client: startTLSRequest(1), server: bad)
        #expect(v5 == .notTLS)
        #expect(d5.issue?.direction == .server)
    }

    /// A length that announces more than has arrived: wait; past the byte limit: give up.
    @Test func hugeLengthWaitsThenGivesUp() {
        var client: [UInt8] = [0x30, 0x84, 0x00, 0x10, 0x00, 0x00, 0x02, 0x01, 0x01]
        #expect(detectWhole(client: client, server: []).0 == .undecided)
        client += Array(repeating: 0x41, count: PreambleDetector.byteLimit - client.count)
        #expect(detectWhole(client: client, server: []).0 == .undecided)
        client.append(0x41)
        let (verdict, detector) = detectWhole(client: client, server: [])
        #expect(verdict == .notTLS)
        #expect(detector.issue?.code == .limitReached)
    }

    @Test func resultNames() {
        #expect(PreambleDetector.ldapResultName(0) == "success")
        #expect(PreambleDetector.ldapResultName(2) == "protocolError")
        #expect(PreambleDetector.ldapResultName(13) == "confidentialityRequired")
        #expect(PreambleDetector.ldapResultName(52) == "unavailable")
        #expect(PreambleDetector.ldapResultName(9) == "resultCode 9")
    }
}
