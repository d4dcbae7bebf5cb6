// Android Debug Bridge over TCP (AOSP adb protocol, with the A_STLS message of Android 11's
// wireless debugging). The host (the TCP client) opens with a CNXN message; a device that wants
// TLS answers STLS, the host answers STLS too, and once both have sent STLS a TLS handshake starts
// right after that message in each direction (the host is the TLS client). A device that does not
// want TLS answers CNXN or AUTH, and the host goes on to OPEN streams in the clear.
//
// Each side's messages are read up to its STLS; either side may send its STLS first. A client OPEN
// before any STLS means the session runs without TLS (`.plaintext`, once the device's first
// message, its answer to CNXN, is in too). The messages are read again
// from the start on each call: only their 24-byte headers are looked at, payloads are stepped over.

/// ADB message header, six little-endian 32-bit words, then `data_length` payload bytes:
/// ```
/// +---------+---------+---------+-------------+------------+----------------------+
/// | command |  arg0   |  arg1   | data_length | data_check |        magic         |
/// | (4, LE) | (4, LE) | (4, LE) |   (4, LE)   |  (4, LE)   | command ^ 0xFFFFFFFF |
/// +---------+---------+---------+-------------+------------+----------------------+
/// ```
/// A command is four ASCII letters read as a little-endian word ("CNXN" = 0x4E584E43).
/// STLS carries the TLS upgrade version in arg0 (0x01000000).
struct ADBMessage {
    var command: UInt32
    var arg0: UInt32
    var start: Int
    var payload: Range<Int>
    var end: Int { payload.upperBound }

    init(parsing input: inout ByteReader) throws(ParseError) {
        start = input.offset
        command = try input.u32le()
        guard ADB.known.contains(command) else { throw .malformed(offset: start, reason: "not a known ADB command") }
        arg0 = try input.u32le()
        _ = try input.u32le()  // arg1
        let length = try input.u32le()
        _ = try input.u32le()  // data_check
        guard try input.u32le() == command ^ 0xFFFF_FFFF else {
            throw .malformed(offset: start + 20, reason: "ADB magic is not the command's complement")
        }
        guard length <= ADB.maxPayload else { throw .malformed(offset: start + 12, reason: "ADB payload longer than 1 MiB") }
        payload = try input.take(Int(length))
    }
}

enum ADB {
    static let cnxn: UInt32 = 0x4E58_4E43
    static let auth: UInt32 = 0x4854_5541
    static let open: UInt32 = 0x4E45_504F
    static let okay: UInt32 = 0x5941_4B4F
    static let clse: UInt32 = 0x4553_4C43
    static let wrte: UInt32 = 0x4554_5257
    static let sync: UInt32 = 0x434E_5953
    static let stls: UInt32 = 0x534C_5453
    static let known: [UInt32] = [cnxn, auth, open, okay, clse, wrte, sync, stls]
    /// MAX_PAYLOAD of current adb versions.
    static let maxPayload: UInt32 = 1 << 20

    /// The command's four letters, and the payload's text for CNXN and OPEN (a system identity,
    /// a service name). Allocates: call only when a verdict is made.
    static func text(_ m: ADBMessage, _ b: UnsafeRawBufferPointer) -> String {
        let name = String(decoding: [UInt8(m.command & 0xFF), UInt8(m.command >> 8 & 0xFF), UInt8(m.command >> 16 & 0xFF), UInt8(m.command >> 24)],
                          as: UTF8.self)
        if m.command == stls { return name + " version " + hex32(m.arg0) }
        guard m.command == cnxn || m.command == open, !m.payload.isEmpty else { return name }
        var end = m.payload.upperBound
        while end > m.payload.lowerBound && b[end - 1] == 0 { end -= 1 }
        return name + " " + reportText(b, m.payload.lowerBound..<end, max: 200)
    }
}

extension PreambleDetector {
    mutating func runADB(_ c: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer) -> PreambleVerdict {
        var info = PreambleInfo(kind: .adbStls)
        var clientSTLS: ADBMessage? = nil
        var cr = ByteReader(c)
        client: while true {
            let m: ADBMessage
            do throws(ParseError) { m = try ADBMessage(parsing: &cr) } catch {
                if error == .needMore { break client }
                return fail(error, .client, "ADB message")
            }
            switch m.command {
            case ADB.stls:
                clientSTLS = m
                break client
            case ADB.open:
                // A stream opened before any STLS: the session goes on in the clear. The device
                // answered the CNXN before that (CNXN or AUTH): its first message is the reply.
                var sr = ByteReader(s)
                let first: ADBMessage
                do throws(ParseError) { first = try ADBMessage(parsing: &sr) } catch {
                    return fail(error, .server, "ADB message")
                }
                info.command = ADB.text(m, c)
                info.commandOffset = m.start
                info.serverReply = ADB.text(first, s)
                info.replyOffset = 0
                return .plaintext(info)
            default:
                continue
            }
        }
        var sr = ByteReader(s)
        while true {
            let m: ADBMessage
            do throws(ParseError) { m = try ADBMessage(parsing: &sr) } catch {
                return fail(error, .server, "ADB message")
            }
            guard m.command == ADB.stls else { continue }
            guard let up = clientSTLS else { return .undecided }
            info.command = ADB.text(up, c)
            info.commandOffset = up.start
            info.serverReply = ADB.text(m, s)
            info.replyOffset = m.start
            return .tls(clientOffset: up.end, serverOffset: m.end, preamble: info)
        }
    }
}
