// RDP connection initiation (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): the client's X.224 Connection
// Request and the server's X.224 Connection Confirm, both inside a TPKT (T.123 §8). When the
// server selects any Enhanced RDP Security protocol (TLS, CredSSP, RDSTLS, …) a TLS handshake
// follows in both directions at the byte after each PDU.

// MARK: - Names and meanings

extension RDPNegotiation {
    /// PROTOCOL_* flag values (MS-RDPBCGR 2.2.1.1.1 requestedProtocols, 2.2.1.2.1 selectedProtocol).
    public static let protocolRDP: UInt32 = 0x0000_0000
    public static let protocolSSL: UInt32 = 0x0000_0001
    public static let protocolHybrid: UInt32 = 0x0000_0002
    public static let protocolRDSTLS: UInt32 = 0x0000_0004
    public static let protocolHybridEx: UInt32 = 0x0000_0008
    public static let protocolRDSAAD: UInt32 = 0x0000_0010

    /// Names of the protocol flags set in `flags` ("PROTOCOL_RDP" for 0); unknown bits as hex.
    public static func protocolNames(_ flags: UInt32) -> [String] {
        if flags == 0 { return ["PROTOCOL_RDP"] }
        let known: [(UInt32, String)] = [
            (protocolSSL, "PROTOCOL_SSL"),
            (protocolHybrid, "PROTOCOL_HYBRID"),
            (protocolRDSTLS, "PROTOCOL_RDSTLS"),
            (protocolHybridEx, "PROTOCOL_HYBRID_EX"),
            (protocolRDSAAD, "PROTOCOL_RDSAAD"),
        ]
        var names: [String] = []
        var rest = flags
        for (bit, name) in known where flags & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append(hex32(rest)) }
        return names
    }

    /// "RDP_NEG_RSP " and the selected protocols' names joined by "|" (`protocolNames`): a
    /// literal for a single known protocol, so that the usual answer is not assembled each time.
    public static func responseText(_ flags: UInt32) -> String {
        switch flags {
        case 0: return "RDP_NEG_RSP PROTOCOL_RDP"
        case protocolSSL: return "RDP_NEG_RSP PROTOCOL_SSL"
        case protocolHybrid: return "RDP_NEG_RSP PROTOCOL_HYBRID"
        case protocolRDSTLS: return "RDP_NEG_RSP PROTOCOL_RDSTLS"
        case protocolHybridEx: return "RDP_NEG_RSP PROTOCOL_HYBRID_EX"
        case protocolRDSAAD: return "RDP_NEG_RSP PROTOCOL_RDSAAD"
        default: return "RDP_NEG_RSP " + protocolNames(flags).joined(separator: "|")
        }
    }

    /// "X.224 Connection Confirm selecting " and the selected protocols' names joined by "|", as
    /// `responseText` (the timeline's words for the server's answer).
    public static func confirmSelectingText(_ flags: UInt32) -> String {
        switch flags {
        case 0: return "X.224 Connection Confirm selecting PROTOCOL_RDP"
        case protocolSSL: return "X.224 Connection Confirm selecting PROTOCOL_SSL"
        case protocolHybrid: return "X.224 Connection Confirm selecting PROTOCOL_HYBRID"
        case protocolRDSTLS: return "X.224 Connection Confirm selecting PROTOCOL_RDSTLS"
        case protocolHybridEx: return "X.224 Connection Confirm selecting PROTOCOL_HYBRID_EX"
        case protocolRDSAAD: return "X.224 Connection Confirm selecting PROTOCOL_RDSAAD"
        default: return "X.224 Connection Confirm selecting " + protocolNames(flags).joined(separator: "|")
        }
    }

    /// "RDP_NEG_FAILURE " and the failure code's name (`failureName`).
    public static func failureText(_ code: UInt32) -> String {
        switch code {
        case 1: return "RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER"
        case 2: return "RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER"
        case 3: return "RDP_NEG_FAILURE SSL_CERT_NOT_ON_SERVER"
        case 4: return "RDP_NEG_FAILURE INCONSISTENT_FLAGS"
        case 5: return "RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER"
        case 6: return "RDP_NEG_FAILURE SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER"
        default: return "RDP_NEG_FAILURE " + failureName(code)
        }
    }

    /// "X.224 Connection Confirm with RDP_NEG_FAILURE " and the failure code's name.
    public static func confirmFailureText(_ code: UInt32) -> String {
        switch code {
        case 1: return "X.224 Connection Confirm with RDP_NEG_FAILURE SSL_REQUIRED_BY_SERVER"
        case 2: return "X.224 Connection Confirm with RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER"
        case 3: return "X.224 Connection Confirm with RDP_NEG_FAILURE SSL_CERT_NOT_ON_SERVER"
        case 4: return "X.224 Connection Confirm with RDP_NEG_FAILURE INCONSISTENT_FLAGS"
        case 5: return "X.224 Connection Confirm with RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER"
        case 6: return "X.224 Connection Confirm with RDP_NEG_FAILURE SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER"
        default: return "X.224 Connection Confirm with RDP_NEG_FAILURE " + failureName(code)
        }
    }

    /// The RDP_NEG_FAILURE failureCode's name (MS-RDPBCGR 2.2.1.2.2), or hex for an unknown code.
    public static func failureName(_ code: UInt32) -> String {
        switch code {
        case 1: return "SSL_REQUIRED_BY_SERVER"
        case 2: return "SSL_NOT_ALLOWED_BY_SERVER"
        case 3: return "SSL_CERT_NOT_ON_SERVER"
        case 4: return "INCONSISTENT_FLAGS"
        case 5: return "HYBRID_REQUIRED_BY_SERVER"
        case 6: return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER"
        default: return hex32(code)
        }
    }

    /// One sentence saying what the failure code tells about the server, for diagnosis hints.
    public static func failureMeaning(_ code: UInt32) -> String {
        switch code {
        case 1:
            return "The server insists on Enhanced RDP Security (TLS or CredSSP), but the client offered only standard RDP security (or only CredSSP to a server that does plain TLS)."
        case 2:
            return "The server is set to standard RDP security only and will not run TLS or CredSSP, which the client asked for."
        case 3:
            return "The server has no usable certificate, so it cannot start TLS or CredSSP at all."
        case 4:
            return "The protocols the client requested contradict the security already in force on this connection (Direct Approach with an external security protocol already running)."
        case 5:
            return "The server requires CredSSP (Network Level Authentication), which the client did not offer."
        case 6:
            return "The server requires TLS with certificate-based client authentication, which the client did not offer."
        default:
            return "The server refused the security negotiation with a failure code the specification does not define."
        }
    }
}

// MARK: - PDUs

/// TPKT header (T.123 §8), 4 bytes, then the X.224 TPDU:
/// ```
///  0        1        2        3
/// +--------+--------+--------+--------+
/// | 0x03   | 0x00   | length (BE, whole packet incl. header) |
/// +--------+--------+--------+--------+
/// ```
/// X.224 Class 0 Connection Request / Confirm (X.224 §13.3, §13.4), 7 bytes:
/// ```
/// +--------+--------+--------+--------+--------+--------+--------+
/// |  LI    |CR 0xE0 |   DST-REF       |   SRC-REF       | class  |
/// |        |CC 0xD0 |                 |                 |        |
/// +--------+--------+--------+--------+--------+--------+--------+
/// ```
/// LI counts the TPDU bytes after itself, so LI = length - 5.
struct TPKTConnectionPDU {
    /// 0xE0 Connection Request or 0xD0 Connection Confirm (upper nibble; the lower is the credit).
    var code: UInt8
    /// Stream range of the variable part after the 7 fixed X.224 bytes.
    var variable: Range<Int>
    /// Stream offset just after the TPKT packet.
    var end: Int

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        guard try input.u8() == 0x03 else { throw .malformed(offset: start, reason: "TPKT version is not 3") }
        guard try input.u8() == 0x00 else { throw .malformed(offset: start + 1, reason: "TPKT reserved byte is not 0") }
        let length = Int(try input.u16be())
        guard length >= 11 else { throw .malformed(offset: start + 2, reason: "TPKT length below the 11 bytes of a connection PDU") }
        // Wait for the whole packet, then read inside it with a hard end.
        _ = try input.take(length - 4)
        var pdu = ByteReader(input.bytes, from: start + 4, to: start + length)
        let li = Int(try pdu.u8())
        guard li == length - 5 else { throw .malformed(offset: start + 4, reason: "X.224 length indicator disagrees with the TPKT length") }
        code = try pdu.u8() & 0xF0
        try pdu.skip(5)  // DST-REF, SRC-REF, class and options
        variable = pdu.offset..<(start + length)
        end = start + length
    }
}

/// What the client's Connection Request says (MS-RDPBCGR 2.2.1.1).
/// ```
/// tpktHeader(4) x224Crq(7) [routingToken | cookie "Cookie: mstshash=NAME\r\n"]
///   [rdpNegReq: type 0x01 | flags | length 0x0008 (LE) | requestedProtocols (u32 LE)]
///   [rdpCorrelationInfo: type 0x06 | flags | length 0x0024 (LE) | correlationId(16) | reserved(16)]
/// ```
struct RDPConnectionRequest {
    var pdu: TPKTConnectionPDU
    var cookie: Range<Int>?
    var requestFlags: UInt8?
    var requestedProtocols: UInt32?
    /// Set when the variable part holds text without its CR LF: the PDU is still taken as a
    /// Connection Request (the server decides what follows), but no negotiation request is read.
    var unterminatedCookieAt: Int?

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        pdu = try TPKTConnectionPDU(parsing: &input)
        guard pdu.code == 0xE0 else { throw .malformed(offset: start + 5, reason: "not an X.224 Connection Request (0xE0)") }
        var rest = ByteReader(input.bytes, from: pdu.variable.lowerBound, to: pdu.variable.upperBound)
        // A routing token or cookie is text ending in CR LF; the negotiation structures are binary
        // and start with type 0x01 (request) or 0x06 (correlation info).
        if let first = rest.peek(), first != 0x01 && first != 0x06 {
            // The first CR LF: the first LF (found a word at a time) with a CR just before it.
            let lower = rest.offset, upper = Swift.min(pdu.variable.upperBound, input.bytes.count)
            var found: Int? = nil
            if lower < upper {
                let area = UnsafeRawBufferPointer(rebasing: input.bytes[lower..<upper])
                var from = 0
                while let j = firstLF(area, from: from) {
                    if j > 0 && area[j - 1] == 0x0D { found = lower + j - 1; break }
                    from = j + 1
                }
            }
            guard let crlf = found else {
                unterminatedCookieAt = rest.offset
                return
            }
            cookie = rest.offset..<crlf
            try rest.skip(crlf + 2 - rest.offset)
        }
        if rest.remaining >= 8, rest.peek() == 0x01 {
            _ = try rest.u8()
            requestFlags = try rest.u8()
            guard try rest.u16le() == 8 else { throw .malformed(offset: rest.offset - 2, reason: "RDP_NEG_REQ length is not 8") }
            requestedProtocols = try rest.u32le()
        }
        // Any rdpCorrelationInfo (36 bytes) needs no reading: the PDU ends at the TPKT length.
    }
}

/// What the server's Connection Confirm says (MS-RDPBCGR 2.2.1.2).
/// ```
/// tpktHeader(4) x224Ccf(7) [rdpNegData (8 bytes):
///   RDP_NEG_RSP     type 0x02 | flags | length 0x0008 (LE) | selectedProtocol (u32 LE)
///   RDP_NEG_FAILURE type 0x03 | flags | length 0x0008 (LE) | failureCode (u32 LE)]
/// ```
struct RDPConnectionConfirm {
    var pdu: TPKTConnectionPDU
    var responseFlags: UInt8?
    var selectedProtocol: UInt32?
    var failureCode: UInt32?

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        pdu = try TPKTConnectionPDU(parsing: &input)
        guard pdu.code == 0xD0 else { throw .malformed(offset: start + 5, reason: "not an X.224 Connection Confirm (0xD0)") }
        var rest = ByteReader(input.bytes, from: pdu.variable.lowerBound, to: pdu.variable.upperBound)
        guard rest.remaining >= 8 else { return }  // no negotiation data: an old server, standard RDP security
        let type = try rest.u8()
        let flags = try rest.u8()
        guard try rest.u16le() == 8 else { throw .malformed(offset: rest.offset - 2, reason: "RDP negotiation data length is not 8") }
        let value = try rest.u32le()
        switch type {
        case 0x02: responseFlags = flags; selectedProtocol = value
        case 0x03: responseFlags = flags; failureCode = value
        default: throw .malformed(offset: pdu.variable.lowerBound, reason: "RDP negotiation data is neither RDP_NEG_RSP nor RDP_NEG_FAILURE")
        }
    }
}

extension PreambleDetector {
    /// RDP: the verdict comes from the client's Connection Request and the server's answer.
    mutating func runRDP(_ client: UnsafeRawBufferPointer, _ server: UnsafeRawBufferPointer) -> PreambleVerdict {
        // The request is read once: it is fixed by its TPKT length, and the prefix only grows (a
        // shrunk prefix starts the detector over, and this with it).
        let request: RDPConnectionRequest
        if let known = rdpRequest {
            request = known
        } else {
            var cr = ByteReader(client)
            do throws(ParseError) { request = try RDPConnectionRequest(parsing: &cr) } catch {
                return fail(error, .client, "RDP X.224 Connection Request")
            }
            rdpRequest = request
        }
        if let at = request.unterminatedCookieAt {
            note(.malformed, .client, at, "RDP routing token or cookie without its CR LF; negotiation request not read")
        }
        // The server's answer is read before anything is made of the request: until it is in
        // (the first call, with the client's bytes only), nothing is built to be thrown away.
        var sr = ByteReader(server)
        // A server that refuses outright answers with an X.224 Disconnect Request (code 0x80).
        let disconnect = server.count >= 6 && server[0] == 0x03 && server[5] & 0xF0 == 0x80
        var confirm: RDPConnectionConfirm?
        if disconnect {
            do throws(ParseError) { _ = try TPKTConnectionPDU(parsing: &sr) } catch {
                return fail(error, .server, "RDP X.224 Disconnect Request")
            }
        } else {
            do throws(ParseError) { confirm = try RDPConnectionConfirm(parsing: &sr) } catch {
                return fail(error, .server, "RDP X.224 Connection Confirm")
            }
        }
        var info = PreambleInfo(kind: .rdp)
        var rdp = RDPNegotiation()
        rdp.requestedProtocols = request.requestedProtocols
        rdp.requestFlags = request.requestFlags
        if let c = request.cookie { rdp.cookie = reportText(client, c) }
        info.command = "X.224 Connection Request"
        info.commandOffset = 0
        guard let confirm else {
            info.rdp = rdp
            info.serverReply = "X.224 Disconnect Request"
            info.replyOffset = 0
            return .refused(info)
        }
        rdp.responseFlags = confirm.responseFlags
        info.replyOffset = 0
        if let failure = confirm.failureCode {
            rdp.failureCode = failure
            info.rdp = rdp
            info.replyCode = Int(failure)
            info.serverReply = RDPNegotiation.failureText(failure)
            return .refused(info)
        }
        guard let selected = confirm.selectedProtocol else {
            rdp.confirmWithoutNegotiation = true
            info.rdp = rdp
            info.serverReply = "X.224 Connection Confirm without negotiation data (standard RDP security)"
            return .plaintext(info)
        }
        rdp.selectedProtocol = selected
        info.rdp = rdp
        info.replyCode = Int(selected)
        info.serverReply = RDPNegotiation.responseText(selected)
        if selected == RDPNegotiation.protocolRDP { return .plaintext(info) }
        return .tls(clientOffset: request.pdu.end, serverOffset: confirm.pdu.end, preamble: info)
    }
}
