import Testing
@testable import Preambles

// Hand-made PDUs laid out as MS-RDPBCGR 2.2.1.1 / 2.2.1.2 describe them.

private func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

private func tpkt(_ tpdu: [UInt8]) -> [UInt8] {
    let length = tpdu.count + 4
    return [0x03, 0x00, UInt8(length >> 8), UInt8(length & 0xFF)] + tpdu
}

/// X.224 Connection Request: LI, 0xE0, DST-REF 0, SRC-REF 0, class 0, then the variable part.
private func connectionRequest(_ variable: [UInt8]) -> [UInt8] {
    tpkt([UInt8(6 + variable.count), 0xE0, 0x00, 0x00, 0x00, 0x00, 0x00] + variable)
}

/// X.224 Connection Confirm: LI, 0xD0, DST-REF 0, SRC-REF 0x1234, class 0, then rdpNegData.
private func connectionConfirm(_ variable: [UInt8]) -> [UInt8] {
    tpkt([UInt8(6 + variable.count), 0xD0, 0x00, 0x00, 0x12, 0x34, 0x00] + variable)
}

private func negReq(flags: UInt8 = 0, _ protocols: UInt32) -> [UInt8] { [0x01, flags, 0x08, 0x00] + le32(protocols) }
private func negRsp(flags: UInt8 = 0, _ selected: UInt32) -> [UInt8] { [0x02, flags, 0x08, 0x00] + le32(selected) }
private func negFailure(_ code: UInt32) -> [UInt8] { [0x03, 0x00, 0x08, 0x00] + le32(code) }
private let correlationInfo: [UInt8] = [0x06, 0x00, 0x24, 0x00] + Array(1...16) + Array(repeating: 0, count: 16)
private let cookie = Array("Cookie: mstshash=admin\r\n".utf8)

@Suite struct RDPTests {
    /// MS-RDPBCGR 4.1.1 (the annotated Connection Request: cookie "eltons", PROTOCOL_RDP) and a
    /// Connection Confirm selecting PROTOCOL_RDP: standard RDP security, no TLS.
    @Test func specExampleStandardSecurity() throws {
        let request = bytesFromHex("0300002c27e00000000000436f6f6b69653a206d737473686173683d656c746f6e730d0a0100080000000000")
        let confirm = bytesFromHex("030000130ed000001234000200080000000000")
        #expect(request.count == 44 && confirm.count == 19)
        let segments: [Segment] = [.c(bytes: request), .s(bytes: confirm)]
        let (verdict, _) = detectWhole(segments)
        guard case .plaintext(let info) = verdict else { Issue.record("\(verdict)"); return }
        let rdp = try #require(info.rdp)
        #expect(rdp.cookie == "Cookie: mstshash=eltons")
        #expect(rdp.requestedProtocols == 0)
        #expect(rdp.selectedProtocol == 0)
        #expect(info.serverReply == "RDP_NEG_RSP PROTOCOL_RDP")
        expectIncremental(segments, decidesAt: 44, 19, verdict)
    }

    /// Every Enhanced RDP Security protocol the server may select means TLS follows; the offsets
    /// are the ends of the two PDUs (a correlation info block included on the client side).
    @Test(arguments: [UInt32(0x1), 0x2, 0x4, 0x8, 0x10])
    func selectedProtocolStartsTLS(selected: UInt32) throws {
        let request = connectionRequest(cookie + negReq(flags: 0x08, 0x1F) + correlationInfo)
        let confirm = connectionConfirm(negRsp(flags: 0x1F, selected))
        let tlsHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x10, 0x01]
        let segments: [Segment] = [.c(bytes: request), .s(bytes: confirm), .c(bytes: tlsHello)]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.offsets?.client == request.count)
        #expect(verdict.offsets?.server == confirm.count)
        let rdp = try #require(verdict.info?.rdp)
        #expect(rdp.requestedProtocols == 0x1F)
        #expect(rdp.requestFlags == 0x08)
        #expect(rdp.selectedProtocol == selected)
        #expect(rdp.responseFlags == 0x1F)
        #expect(rdp.cookie == "Cookie: mstshash=admin")
        #expect(verdict.info?.replyCode == Int(selected))
        expectIncremental(segments, decidesAt: request.count, confirm.count, verdict)
    }

    /// RDP_NEG_FAILURE: refused, with the code kept and named.
    @Test(arguments: [(UInt32(1), "SSL_REQUIRED_BY_SERVER"), (2, "SSL_NOT_ALLOWED_BY_SERVER"), (3, "SSL_CERT_NOT_ON_SERVER"),
                      (4, "INCONSISTENT_FLAGS"), (5, "HYBRID_REQUIRED_BY_SERVER"), (6, "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER")])
    func negotiationFailure(code: UInt32, name: String) throws {
        let request = connectionRequest(negReq(0x3))
        let confirm = connectionConfirm(negFailure(code))
        let segments: [Segment] = [.c(bytes: request), .s(bytes: confirm)]
        let (verdict, _) = detectWhole(segments)
        guard case .refused(let info) = verdict else { Issue.record("\(verdict)"); return }
        let rdp = try #require(info.rdp)
        #expect(rdp.failureCode == code)
        #expect(rdp.selectedProtocol == nil)
        #expect(rdp.requestedProtocols == 3)
        #expect(info.serverReply == "RDP_NEG_FAILURE " + name)
        #expect(RDPNegotiation.failureName(code) == name)
        expectIncremental(segments, decidesAt: request.count, confirm.count, verdict)
    }

    /// An old client (no RDP_NEG_REQ) and an old server (no negotiation data): standard security.
    @Test func noNegotiationAtAll() throws {
        let request = connectionRequest(Array("Cookie: msts=3640205228.15629.0000\r\n".utf8))
        let confirm = connectionConfirm([])
        #expect(confirm.count == 11)
        let segments: [Segment] = [.c(bytes: request), .s(bytes: confirm)]
        let (verdict, _) = detectWhole(segments)
        guard case .plaintext(let info) = verdict else { Issue.record("\(verdict)"); return }
        let rdp = try #require(info.rdp)
        #expect(rdp.confirmWithoutNegotiation)
        #expect(rdp.requestedProtocols == nil)
        #expect(rdp.cookie == "Cookie: msts=3640205228.15629.0000")  // a routing token
        expectIncremental(segments, decidesAt: request.count, confirm.count, verdict)
    }

    /// A server that answers with an X.224 Disconnect Request refuses the connection.
    @Test func disconnectRequest() {
        let request = connectionRequest(negReq(0x3))
        let disconnect = tpkt([0x06, 0x80, 0x00, 0x00, 0x12, 0x34, 0x00])
        let (verdict, _) = detectWhole([.c(bytes: request), .s(bytes: disconnect)])
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == "X.224 Disconnect Request")
    }

    /// Lengths that contradict each other are malformed: not TLS, with the reason and offset.
    @Test func malformedPDUs() {
        // LI says 7 bytes follow but the TPKT holds 14 after it.
        var request = connectionRequest(negReq(0x3))
        request[4] = 0x07
        let (v1, d1) = detectWhole(client: request, server: [])
        #expect(v1 == .notTLS)
        #expect(d1.issue?.code == .malformed)
        #expect(d1.issue?.direction == .client)
        #expect(d1.issue?.offset == 4)
        // TPKT length below the 11 bytes of a connection PDU.
        let (v2, d2) = detectWhole(client: [0x03, 0x00, 0x00, 0x08, 0x03, 0xE0, 0, 0], server: [])
        #expect(v2 == .notTLS)
        #expect(d2.issue?.code == .malformed)
        // A confirm whose negotiation length is not 8.
        var confirm = connectionConfirm(negRsp(0x1))
        confirm[13] = 0x09
        let (v3, d3) = detectWhole(client: connectionRequest(negReq(0x3)), server: confirm)
        #expect(v3 == .notTLS)
        #expect(d3.issue?.direction == .server)
        // TPKT with a nonzero reserved byte is not RDP at all.
        let (v4, d4) = detectWhole(client: [0x03, 0x01, 0x00, 0x13], server: [])
        #expect(v4 == .notTLS)
        #expect(d4.issue?.code == .unrecognized)
    }

    /// A cookie without its CR LF: still a Connection Request (the server's answer decides),
    /// with the oddity recorded.
    @Test func cookieWithoutTerminator() {
        let request = connectionRequest(Array("Cookie: mstshash=x".utf8))
        let confirm = connectionConfirm(negRsp(0x1))
        let (verdict, detector) = detectWhole(client: request, server: confirm)
        #expect(verdict.offsets?.client == request.count)
        #expect(verdict.info?.rdp?.requestedProtocols == nil)
        #expect(detector.issue?.code == .malformed)
    }

    /// A TPKT length far beyond what has arrived: wait, do not guess.
    @Test func waitsForTheWholeRequest() {
        let (verdict, _) = detectWhole(client: [0x03, 0x00, 0xFF, 0xFF, 0xFA, 0xE0, 0, 0, 0, 0, 0], server: [])
        #expect(verdict == .undecided)
    }

    /// The request is read once and kept: fed first alone, then with the server's answer arriving
    /// in pieces (the kept request used for each), the verdict and the issue are those of the whole
    /// exchange fed at once, for a terminated and an unterminated cookie and a failure.
    @Test(arguments: [(cookie + negReq(0x3), negRsp(0x1)),
                      (Array("Cookie: mstshash=x".utf8), negRsp(0x2)),
                      (cookie + negReq(0x1), negFailure(2))])
    func requestKeptAcrossCalls(_ parts: ([UInt8], [UInt8])) {
        let request = connectionRequest(parts.0)
        let confirm = connectionConfirm(parts.1)
        let (whole, wholeDetector) = detectWhole(client: request, server: confirm)
        #expect(whole != .undecided)
        var d = PreambleDetector()
        var verdicts: [PreambleVerdict] = []
        for cut in [0, 3, 9, confirm.count] {
            let server = Array(confirm[..<cut])
            verdicts.append(request.withUnsafeBytes { c in server.withUnsafeBytes { s in d.feed(client: c, server: s) } })
        }
        #expect(verdicts.dropLast().allSatisfy { $0 == .undecided })
        #expect(verdicts.last == whole)
        #expect(d.issue == wholeDetector.issue)
    }

    @Test func protocolNames() {
        #expect(RDPNegotiation.protocolNames(0) == ["PROTOCOL_RDP"])
        #expect(RDPNegotiation.protocolNames(0x3) == ["PROTOCOL_SSL", "PROTOCOL_HYBRID"])
        #expect(RDPNegotiation.protocolNames(0xB) == ["PROTOCOL_SSL", "PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"])
        #expect(RDPNegotiation.protocolNames(0x14) == ["PROTOCOL_RDSTLS", "PROTOCOL_RDSAAD"])
        #expect(RDPNegotiation.protocolNames(0x8000_0001) == ["PROTOCOL_SSL", "0x80000000"])
        #expect(RDPNegotiation.failureName(7) == "0x00000007")
    }

    @Test func failureMeanings() {
        let meanings = (1...6).map { RDPNegotiation.failureMeaning(UInt32($0)) }
        #expect(Set(meanings).count == 6)
        for m in meanings { #expect(m.hasSuffix(".") && m.count > 40) }
        #expect(RDPNegotiation.failureMeaning(5).contains("CredSSP"))
        #expect(RDPNegotiation.failureMeaning(3).contains("certificate"))
        #expect(RDPNegotiation.failureMeaning(99) != RDPNegotiation.failureMeaning(1))
    }
}

/// The RDP answers' texts written as literals are exactly the names joined as before, for every
/// single protocol and failure code and for combinations and unknown values.
@Test(arguments: [UInt32(0), 1, 2, 4, 8, 16, 3, 0x0B, 0x40, 0x8000_0001])
func rdpAnswerTextsAreTheJoinedNames(_ flags: UInt32) {
    let names = RDPNegotiation.protocolNames(flags).joined(separator: "|")
    #expect(RDPNegotiation.responseText(flags) == "RDP_NEG_RSP " + names)
    #expect(RDPNegotiation.confirmSelectingText(flags) == "X.224 Connection Confirm selecting " + names)
    let code = flags % 9
    #expect(RDPNegotiation.failureText(code) == "RDP_NEG_FAILURE " + RDPNegotiation.failureName(code))
    #expect(RDPNegotiation.confirmFailureText(code) == "X.224 Connection Confirm with RDP_NEG_FAILURE " + RDPNegotiation.failureName(code))
}

/// Report texts are the bytes as UTF-8, as the definition says: CR dropped, LF and TAB kept, other
/// controls as spaces, invalid UTF-8 repaired as `String(decoding:as:)` repairs it, at most `max`
/// bytes, trailing line ends dropped.
@Test func reportTextMatchesItsDefinition() {
    func reference(_ bytes: [UInt8], _ range: Range<Int>, max: Int) -> String {
        let lo = Swift.max(0, Swift.min(range.lowerBound, bytes.count))
        var hi = Swift.max(lo, Swift.min(range.upperBound, bytes.count))
        while hi > lo, bytes[hi - 1] == 0x0A || bytes[hi - 1] == 0x0D { hi -= 1 }
        hi = Swift.min(hi, lo + max)
        var out = [UInt8]()
        for b in bytes[lo..<hi] {
            switch b {
            case 0x0D: continue
            case 0x0A, 0x09: out.append(b)
            case 0x00..<0x20, 0x7F: out.append(0x20)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
    var seed: UInt64 = 0x5EED
    func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
    let pieces: [[UInt8]] = [Array("220 2.0.0 Ready".utf8), [0x0D, 0x0A], [0x09], [0x00, 0x1B, 0x7F], [0xC3, 0xA9], [0xE2, 0x82],
                             [0xFF, 0xFE], [0xF0, 0x9F, 0x98, 0x80], Array("Cookie: mstshash=x".utf8), [0x80]]
    var checked = 0
    for _ in 0..<400 {
        var bytes = [UInt8]()
        for _ in 0..<Int(next() % 8) { bytes += pieces[Int(next() % UInt64(pieces.count))] }
        let a = Int(next() % UInt64(bytes.count + 2)), b = Int(next() % UInt64(bytes.count + 3))
        let range = min(a, b)..<max(a, b)
        let max = [512, 4, 17][Int(next() % 3)]
        let got = bytes.withUnsafeBytes { reportText($0, range, max: max) }
        #expect(got == reference(bytes, range, max: max), "\(bytes) \(range) \(max)")
        checked += 1
    }
    #expect(checked == 400)
}

/// The eight-bytes-at-a-time test for printable ASCII (`reportText`'s fast path) agrees with a
/// byte loop: one byte at the edges of the range (0x1F, 0x20, 0x7E, 0x7F, 0x80 …) at every
/// place of ranges of every length up to 30 and several starts, among printable bytes at both
/// edges.
@Test func allPrintableASCIIMatchesAByteLoop() {
    let edges: [UInt8] = [0x00, 0x09, 0x0A, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xA0, 0xC3, 0xFF]
    var checked = 0, rejected = 0
    for fill: UInt8 in [0x20, 0x7E, 0x61] {
        for length in 0...30 {
            for place in -1..<length {
                for edge in edges {
                    var bytes = [UInt8](repeating: fill, count: length)
                    if place >= 0 { bytes[place] = edge }
                    for lo in 0...min(3, length) {
                        for hi in [length, max(lo, length - 1)] {
                            let expected = bytes[lo..<hi].allSatisfy { $0 >= 0x20 && $0 < 0x7F }
                            let got = bytes.withUnsafeBytes { allPrintableASCII($0, lo, hi) }
                            #expect(got == expected, "\(bytes) \(lo)..<\(hi)")
                            checked += 1
                            if !expected { rejected += 1 }
                        }
                    }
                }
            }
        }
    }
    #expect(checked > 50_000 && rejected > 10_000)
}
