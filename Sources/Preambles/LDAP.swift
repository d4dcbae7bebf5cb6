// LDAP StartTLS (RFC 4511 §4.14): the client sends an ExtendedRequest naming
// 1.3.6.1.4.1.1466.20037; the server answers an ExtendedResponse with the same messageID.
// resultCode success (0) means TLS starts in both directions right after these two messages.

/// A BER identifier and length (X.690 §8.1.2, §8.1.3). LDAP uses single-octet tags and definite
/// lengths only (RFC 4511 §5.1):
/// ```
/// +------+---------------------------------------------+----------------
/// | tag  | length: 0x00-0x7F            (short form)   | content …
/// |      |      or 0x81-0x84 + 1-4 octets (long form)  |
/// +------+---------------------------------------------+----------------
/// ```
struct BERHeader {
    var tag: UInt8
    var contentStart: Int
    var length: Int
    var end: Int { contentStart + length }

    init(parsing input: inout ByteReader) throws(ParseError) {
        let at = input.offset
        tag = try input.u8("truncated BER tag")
        guard tag & 0x1F != 0x1F else { throw .malformed(offset: at, reason: "multi-octet BER tag (not used by LDAP)") }
        let first = try input.u8("truncated BER length")
        if first < 0x80 {
            length = Int(first)
        } else {
            let n = Int(first & 0x7F)
            guard n != 0 else { throw .malformed(offset: at + 1, reason: "indefinite BER length (not allowed in LDAP)") }
            guard n <= 4 else { throw .malformed(offset: at + 1, reason: "BER length of more than 4 octets") }
            var v = 0
            for _ in 0..<n { v = v << 8 | Int(try input.u8("truncated BER length")) }
            length = v
        }
        contentStart = input.offset
    }
}

/// An LDAPMessage (RFC 4511 §4.2.1) read far enough to route it:
/// ```
/// LDAPMessage ::= SEQUENCE {            -- 0x30
///      messageID       MessageID,       -- INTEGER 0x02, 0 .. 2^31-1
///      protocolOp      CHOICE { … },    -- [APPLICATION n]: 0x77 ExtendedRequest, 0x78 ExtendedResponse
///      controls        [0] Controls OPTIONAL }
/// ```
struct LDAPMessage {
    var messageID: Int
    var opTag: UInt8
    /// Content of the protocolOp.
    var op: Range<Int>
    /// The whole message in the stream.
    var range: Range<Int>

    init(parsing input: inout ByteReader) throws(ParseError) {
        let start = input.offset
        let seq = try BERHeader(parsing: &input)
        guard seq.tag == 0x30 else { throw .malformed(offset: start, reason: "an LDAPMessage is not a SEQUENCE") }
        _ = try input.take(seq.length)  // wait for the whole message
        var body = ByteReader(input.bytes, from: seq.contentStart, to: seq.end)
        let id = try BERHeader(parsing: &body)
        guard id.tag == 0x02, id.length >= 1, id.length <= 4 else {
            throw .malformed(offset: seq.contentStart, reason: "messageID is not an INTEGER of 1 to 4 octets")
        }
        var value = 0
        for _ in 0..<id.length { value = value << 8 | Int(try body.u8()) }
        messageID = value
        let opStart = body.offset
        let op = try BERHeader(parsing: &body)
        guard op.end <= seq.end else { throw .malformed(offset: opStart, reason: "protocolOp runs past its LDAPMessage") }
        opTag = op.tag
        self.op = op.contentStart..<op.end
        range = start..<seq.end
    }
}

struct LDAPState {
    var clientPos = 0
    var serverPos = 0
    var request: LDAPMessage?
}

extension PreambleDetector {
    static let ldapStartTLSOID: StaticString = "1.3.6.1.4.1.1466.20037"

    /// Whether an ExtendedRequest's requestName ([0] LDAPOID, tag 0x80) is the StartTLS OID.
    ///
    /// ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, requestValue [1] OCTET STRING OPTIONAL }
    private static func isStartTLSRequest(_ b: UnsafeRawBufferPointer, _ m: LDAPMessage) throws(ParseError) -> Bool {
        guard m.opTag == 0x77 else { return false }
        var r = ByteReader(b, from: m.op.lowerBound, to: m.op.upperBound)
        let name = try BERHeader(parsing: &r)
        guard name.tag == 0x80, name.end <= m.op.upperBound else { return false }
        return equalsIgnoringCase(b, name.contentStart..<name.end, ldapStartTLSOID)
    }

    /// LDAP: find the client's StartTLS request, then the server's ExtendedResponse to it.
    mutating func runLDAP(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        // Client messages before StartTLS (a rootDSE search, say) are passed over.
        while ldap.request == nil && ldap.clientPos < c.count {
            var r = ByteReader(c, from: ldap.clientPos)
            do throws(ParseError) {
                let m = try LDAPMessage(parsing: &r)
                ldap.clientPos = m.range.upperBound
                if try Self.isStartTLSRequest(c, m) { ldap.request = m }
            } catch {
                return fail(error, .client, "LDAP message")
            }
        }
        guard let request = ldap.request else { return .undecided }

        while ldap.serverPos < s.count {
            var r = ByteReader(s, from: ldap.serverPos)
            let m: LDAPMessage
            do throws(ParseError) { m = try LDAPMessage(parsing: &r) } catch { return fail(error, .server, "LDAP message") }
            ldap.serverPos = m.range.upperBound
            // The answer carries the request's messageID; messageID 0 is an unsolicited
            // notification, such as a Notice of Disconnection (RFC 4511 §4.4.1).
            guard m.opTag == 0x78, m.messageID == request.messageID || m.messageID == 0 else { continue }
            // ExtendedResponse ::= [APPLICATION 24] SEQUENCE {
            //      COMPONENTS OF LDAPResult,  -- resultCode ENUMERATED (0x0A), matchedDN (0x04), diagnosticMessage (0x04), referral [3]
            //      responseName [10] LDAPOID OPTIONAL, responseValue [11] OCTET STRING OPTIONAL }
            var body = ByteReader(s, from: m.op.lowerBound, to: m.op.upperBound)
            let code: Int
            var diagnostic: Range<Int>? = nil
            do throws(ParseError) {
                let rc = try BERHeader(parsing: &body)
                guard rc.tag == 0x0A, rc.length >= 1, rc.length <= 4 else {
                    throw ParseError.malformed(offset: rc.contentStart, reason: "resultCode is not an ENUMERATED of 1 to 4 octets")
                }
                var v = 0
                for _ in 0..<rc.length { v = v << 8 | Int(try body.u8()) }
                code = v
                let dn = try BERHeader(parsing: &body)
                try body.skip(dn.length)
                let msg = try BERHeader(parsing: &body)
                if msg.tag == 0x04 { diagnostic = try body.take(msg.length) }
            } catch {
                return fail(error, .server, "LDAP ExtendedResponse")
            }
            var info = PreambleInfo(kind: .ldapStarttls)
            info.command = "StartTLS " + String(describing: Self.ldapStartTLSOID)
            info.commandOffset = request.range.lowerBound
            info.replyOffset = m.range.lowerBound
            info.replyCode = code
            var reply = Self.ldapResultName(code) + " (\(code))"
            if m.messageID == 0 { reply = "Notice of Disconnection: " + reply }
            if let d = diagnostic, !d.isEmpty { reply += ": " + reportText(s, d) }
            info.serverReply = reply
            if code == 0 && m.messageID != 0 {
                return .tls(clientOffset: request.range.upperBound, serverOffset: m.range.upperBound, preamble: info)
            }
            return .refused(info)
        }
        return .undecided
    }

    /// The name of an LDAP resultCode (RFC 4511 §4.1.9 and Appendix A), or "resultCode N".
    public static func ldapResultName(_ code: Int) -> String {
        switch code {
        case 0: return "success"
        case 1: return "operationsError"
        case 2: return "protocolError"
        case 3: return "timeLimitExceeded"
        case 4: return "sizeLimitExceeded"
        case 5: return "compareFalse"
        case 6: return "compareTrue"
        case 7: return "authMethodNotSupported"
        case 8: return "strongerAuthRequired"
        case 10: return "referral"
        case 11: return "adminLimitExceeded"
        case 12: return "unavailableCriticalExtension"
        case 13: return "confidentialityRequired"
        case 14: return "saslBindInProgress"
        case 16: return "noSuchAttribute"
        case 17: return "undefinedAttributeType"
        case 18: return "inappropriateMatching"
        case 19: return "constraintViolation"
        case 20: return "attributeOrValueExists"
        case 21: return "invalidAttributeSyntax"
        case 32: return "noSuchObject"
        case 33: return "aliasProblem"
        case 34: return "invalidDNSyntax"
        case 36: return "aliasDereferencingProblem"
        case 48: return "inappropriateAuthentication"
        case 49: return "invalidCredentials"
        case 50: return "insufficientAccessRights"
        case 51: return "busy"
        case 52: return "unavailable"
        case 53: return "unwillingToPerform"
        case 54: return "loopDetect"
        case 64: return "namingViolation"
        case 65: return "objectClassViolation"
        case 66: return "notAllowedOnNonLeaf"
        case 67: return "notAllowedOnRDN"
        case 68: return "entryAlreadyExists"
        case 69: return "objectClassModsProhibited"
        case 71: return "affectsMultipleDSAs"
        case 80: return "other"
        default: return "resultCode \(code)"
        }
    }
}
