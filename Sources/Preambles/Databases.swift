// Database protocols that negotiate TLS in-band: PostgreSQL and MySQL / MariaDB.

// MARK: - PostgreSQL

/// PostgreSQL (protocol docs, "Message Flow: SSL Session Encryption" and "GSSAPI Session
/// Encryption"; "Message Formats"). The client's first message has no type byte:
/// ```
/// +--------+--------+--------+--------+--------+--------+--------+--------+
/// |        length (int32 BE, incl.)   |       request code (int32 BE)     |
/// +--------+--------+--------+--------+--------+--------+--------+--------+
///   SSLRequest     length 8,  code 80877103 (0x04D2162F)
///   GSSENCRequest  length 8,  code 80877104 (0x04D21630)
///   CancelRequest  length 16, code 80877102 (0x04D2162E)
///   StartupMessage length n,  code 0x0003xxxx (protocol 3.x), then parameters
/// ```
/// The server answers an SSLRequest or a GSSENCRequest with one byte: 'S' (TLS follows),
/// 'G' (GSSAPI encryption follows), 'N' (refused: the client may go on in the clear or try the
/// other request), or 'E' from servers too old to know the request (an error message follows).
enum PostgresRequest {
    static let ssl: UInt32 = 80_877_103
    static let gssenc: UInt32 = 80_877_104
    static let cancel: UInt32 = 80_877_102
}

extension PreambleDetector {
    mutating func runPostgres(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        // Before 8 bytes: the first length is 8 or 16 for the requests and well under 64 KiB for a
        // StartupMessage, so its first two bytes are zero.
        if c.count < 8 {
            if (c.count >= 2 && c[1] != 0) {
                return unrecognized(.client, 1, "a zero byte first, but no PostgreSQL request length")
            }
            return .undecided
        }
        var clientPos = 0
        var serverPos = 0
        var sawGSS = false
        while true {
            var r = ByteReader(c, from: clientPos)
            let length: UInt32
            let code: UInt32
            do throws(ParseError) {
                length = try r.u32be()
                code = try r.u32be()
            } catch {
                return .undecided  // a second request still arriving after a GSSENCRequest refusal
            }
            // (The request alone decides nothing: its answer is waited for before anything is built.)
            if length == 8 && (code == PostgresRequest.ssl || code == PostgresRequest.gssenc) && serverPos >= s.count {
                return .undecided
            }
            var info = PreambleInfo(kind: .postgresSSL)
            info.commandOffset = clientPos
            switch (length, code) {
            case (8, PostgresRequest.ssl), (8, PostgresRequest.gssenc):
                let ssl = code == PostgresRequest.ssl
                info.command = ssl ? (sawGSS ? "GSSENCRequest refused, then SSLRequest" : "SSLRequest") : "GSSENCRequest"
                let reply = s[serverPos]
                info.replyOffset = serverPos
                // (The usual answer as a literal: the same text, not made from its scalar.)
                info.serverReply = reply == UInt8(ascii: "S") ? "S" : String(UnicodeScalar(reply))
                switch reply {
                case UInt8(ascii: "S") where ssl:
                    return .tls(clientOffset: clientPos + 8, serverOffset: serverPos + 1, preamble: info)
                case UInt8(ascii: "N") where ssl:
                    info.serverReply = "N (the server does not accept SSL)"
                    return .refused(info)
                case UInt8(ascii: "N"):
                    // GSSAPI encryption refused: the client may try SSL next.
                    sawGSS = true
                    clientPos += 8
                    serverPos += 1
                    continue
                case UInt8(ascii: "G") where !ssl:
                    info.serverReply = "G (GSSAPI encryption follows, not TLS)"
                    return .plaintext(info)
                case UInt8(ascii: "E"):
                    info.serverReply = "E (an error message: the server does not know the request)"
                    return .refused(info)
                default:
                    note(.malformed, .server, serverPos, "PostgreSQL answered the request with neither S, G, N nor E")
                    return .notTLS
                }
            case (16, PostgresRequest.cancel):
                info.command = "CancelRequest"
                return .plaintext(info)
            case (8...10_000, _) where code >> 16 == 3:
                info.command = sawGSS ? "StartupMessage after a refused GSSENCRequest" : "StartupMessage"
                return .plaintext(info)
            default:
                if clientPos == 0 {
                    return unrecognized(.client, 0, "a zero byte first, but no PostgreSQL request")
                }
                note(.malformed, .client, clientPos, "an unknown PostgreSQL request after a GSSENCRequest")
                return .notTLS
            }
        }
    }
}

// MARK: - MySQL / MariaDB

/// MySQL client/server protocol: every packet has a 4-byte header
/// ```
/// +--------+--------+--------+--------+---------------
/// |  payload length (3 bytes LE)      |  seq   | payload …
/// +--------+--------+--------+--------+---------------
/// ```
/// The server speaks first (seq 0) with Protocol::HandshakeV10:
/// ```
/// 0x0a | server version (NUL-terminated) | thread id (4) | auth-plugin-data-part-1 (8) | filler (1)
///      | capability flags, lower 2 bytes | [character set (1) | status flags (2)
///      | capability flags, upper 2 bytes | auth data length (1) | reserved (10) | …]
/// ```
/// or an ERR packet (0xff, error code (2 LE), ["#" SQL state (5)], message). A client that wants
/// TLS answers (seq 1) with Protocol::SSLRequest: a 32-byte payload starting with its capability
/// flags (4 LE) carrying CLIENT_SSL (0x0800); TLS follows at once on both sides. Otherwise its
/// HandshakeResponse (longer: it carries the user name) goes out in the clear.
enum MySQL {
    static let clientSSL: UInt32 = 0x0800
}

extension PreambleDetector {
    /// Whether the server's bytes open a MySQL handshake (or ERR) packet.
    func mysqlGreetingStart(_ s: UnsafeRawBufferPointer) -> PrefixMatch {
        guard s.count >= 4 else { return .partial }
        guard s[3] == 0 else { return .mismatch }
        let length = Int(s[0]) | Int(s[1]) << 8 | Int(s[2]) << 16
        guard length >= 1 && length <= 4096 else { return .mismatch }
        guard s.count >= 5 else { return .partial }
        return s[4] == 0x0A || s[4] == 0xFF ? .full : .mismatch
    }

    mutating func runMySQL(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        var info = PreambleInfo(kind: .mysqlSSL)
        info.replyOffset = 0
        var r = ByteReader(s)
        let serverEnd: Int
        let sslOffered: Bool
        do throws(ParseError) {
            let length = Int(try r.u24le())
            _ = try r.u8()  // seq 0, checked by mysqlGreetingStart
            let payload = try r.take(length)
            serverEnd = payload.upperBound
            var p = ByteReader(s, from: payload.lowerBound, to: payload.upperBound)
            let first = try p.u8()
            if first == 0xFF {
                let code = try p.u16le("truncated ERR packet")
                if p.peek() == UInt8(ascii: "#") { try p.skip(6, "truncated SQL state") }
                info.replyCode = Int(code)
                info.serverReply = "ERR \(code): " + reportText(s, p.offset..<payload.upperBound)
                return .refused(info)
            }
            var nul = p.offset
            while nul < payload.upperBound && s[nul] != 0 { nul += 1 }
            guard nul < payload.upperBound else { throw ParseError.malformed(offset: p.offset, reason: "server version without its NUL") }
            let version = reportText(s, p.offset..<nul, max: 64)
            try p.skip(nul + 1 - p.offset)
            try p.skip(4 + 8 + 1, "HandshakeV10 shorter than its fixed fields")
            var caps = UInt32(try p.u16le("HandshakeV10 without capability flags"))
            if p.remaining >= 5 {
                try p.skip(3)  // character set, status flags
                caps |= UInt32(try p.u16le()) << 16
            }
            sslOffered = caps & MySQL.clientSSL != 0
            info.serverReply = "HandshakeV10 from server " + version + (sslOffered ? ", CLIENT_SSL offered" : ", CLIENT_SSL not offered")
        } catch {
            return fail(error, .server, "MySQL server handshake")
        }

        var cr = ByteReader(c)
        do throws(ParseError) {
            let length = Int(try cr.u24le())
            let seq = try cr.u8()
            guard seq == 1 else { throw ParseError.malformed(offset: 3, reason: "the client's first packet does not have sequence number 1") }
            info.commandOffset = 0
            if length == 32 {
                let payload = try cr.take(32)
                var p = ByteReader(c, from: payload.lowerBound, to: payload.upperBound)
                let caps = try p.u32le()
                guard caps & MySQL.clientSSL != 0 else {
                    throw ParseError.malformed(offset: 4, reason: "a 32-byte client packet without CLIENT_SSL (too short for a HandshakeResponse)")
                }
                info.command = "SSLRequest"
                return .tls(clientOffset: payload.upperBound, serverOffset: serverEnd, preamble: info)
            }
            // Any other length: the HandshakeResponse itself, user name and all, in the clear.
            _ = try cr.u8()  // at least one byte of it, so the verdict follows the packet's start
            info.command = "HandshakeResponse (no SSLRequest)"
            return .plaintext(info)
        } catch {
            return fail(error, .client, "MySQL client packet")
        }
    }
}
