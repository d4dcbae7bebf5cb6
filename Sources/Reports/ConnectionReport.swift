import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Preambles

/// One connection, ready to report: where it came from, what TCP and TLS showed, and the verdict.
public struct ConnectionReport: Sendable {
    public var capture: String
    public var facts: ConnectionFacts
    public var handshake: HandshakeFacts
    public var diagnosis: Diagnosis
    public init(capture: String, facts: ConnectionFacts, handshake: HandshakeFacts, diagnosis: Diagnosis) {
        self.capture = capture; self.facts = facts; self.handshake = handshake; self.diagnosis = diagnosis
    }

    public var isFailure: Bool { diagnosis.outcome != .success }

    /// "RDP → TLS", "SMTP STARTTLS → TLS", "TLS", "TCP".
    public var protocolLabel: String {
        if let p = handshake.preamble {
            let name: String
            switch p.kind {
            case .rdp: name = "RDP"
            case .smtpStarttls: name = "SMTP STARTTLS"
            case .imapStarttls: name = "IMAP STARTTLS"
            case .pop3Starttls: name = "POP3 STLS"
            case .ftpAuthTLS: name = "FTP AUTH TLS"
            case .xmppStarttls: name = "XMPP STARTTLS"
            case .ldapStarttls: name = "LDAP StartTLS"
            case .ircStarttls: name = "IRC STARTTLS"
            case .postgresSSL: name = "PostgreSQL SSLRequest"
            case .mysqlSSL: name = "MySQL SSL"
            case .httpConnect: name = "HTTP CONNECT"
            case .socks4: name = "SOCKS4"
            case .socks5: name = "SOCKS5"
            case .adbStls: name = "ADB STLS"
            }
            return handshake.preambleResult == .tls ? "\(name) → TLS" : name
        }
        if handshake.clientSentTLS || handshake.serverSentTLS { return handshake.clientHello?.sslv2Format == true ? "SSLv2 hello" : "TLS" }
        return "TCP"
    }
}

/// Who sent the first FIN / RST, and what it came after.
public struct TeardownSummary: Hashable, Sendable {
    public struct Close: Hashable, Sendable {
        public var by: Side
        public var packet: PacketStamp
        /// The TLS step just before it ("the server's handshake_failure alert"), if any.
        public var after: String?
        public var afterPacket: UInt64?
        public var millisecondsAfter: Double?
    }
    public var firstFin: Close?
    public var firstRst: Close?

    public init(facts c: ConnectionFacts, handshake h: HandshakeFacts) {
        func close(_ first: (packet: PacketStamp, by: Side)?) -> Close? {
            guard let (p, side) = first else { return nil }
            var out = Close(by: side, packet: p)
            if let e = h.lastMessage(before: p.number) {
                out.after = TeardownSummary.describe(e)
                out.afterPacket = e.packet.number
                out.millisecondsAfter = p.time.milliseconds(since: e.packet.time)
            }
            return out
        }
        firstFin = close(TeardownSummary.first(c.clientSide.firstFin, c.serverSide.firstFin))
        firstRst = close(TeardownSummary.first(c.clientSide.firstRst, c.serverSide.firstRst))
    }

    /// The earlier of the client's and the server's packet (the client's on a tie), and whose.
    @inline(__always)
    static func first(_ client: PacketStamp?, _ server: PacketStamp?) -> (packet: PacketStamp, by: Side)? {
        if let client {
            if let server, server.number < client.number { return (server, .server) }
            return (client, .client)
        }
        if let server { return (server, .server) }
        return nil
    }

    /// "server's handshake_failure alert", "client's ClientHello", …
    public static func describe(_ e: TimelineEvent) -> String {
        var s = DescriptionText()
        describe(e, into: &s)
        return s.text
    }

    /// `describe(e)`, written part by part into `s` (a String, or a JSON line's bytes).
    static func describe<S: DescriptionSink & ~Copyable>(_ e: TimelineEvent, into s: inout S) {
        // (The kinds without text are worded in one place, `describe(_:_:into:)`.)
        if let k = TimelineStep.Kind(e.kind) { describe(e.side, k, into: &s); return }
        switch e.side {
        case .client: s.appendLiteral("client's")
        case .server: s.appendLiteral("server's")
        }
        switch e.kind {
        case .notTLS(let x): s.appendLiteral(" non-TLS bytes ("); s.appendText(x); s.appendLiteral(")")
        case .preambleCommand(let x): s.appendLiteral(" "); s.appendText(x)
        case .preambleReply(let x): s.appendLiteral(" "); s.appendText(x)
        case .malformed(let r, _): s.appendLiteral(" malformed data ("); s.appendText(r); s.appendLiteral(")")
        case .gap(_, let len): s.appendLiteral(" lost bytes ("); s.appendDecimal(len); s.appendLiteral(")")
        case .syn, .synAck, .fin, .rst, .clientHello, .serverHello, .helloRetryRequest, .handshake, .changeCipherSpec,
             .encryptedRecord, .applicationData, .alert, .encryptedAlert:
            break  // (described above)
        }
    }

    /// A step without text, described as `describe(_:into:)` describes its event.
    static func describe<S: DescriptionSink & ~Copyable>(_ side: Side, _ kind: TimelineStep.Kind, into s: inout S) {
        switch kind {
        case .clientHello: s.appendLiteral("ClientHello"); return
        case .serverHello: s.appendLiteral("ServerHello"); return
        case .helloRetryRequest: s.appendLiteral("HelloRetryRequest"); return
        default: break
        }
        switch side {
        case .client: s.appendLiteral("client's")
        case .server: s.appendLiteral("server's")
        }
        switch kind {
        case .clientHello, .serverHello, .helloRetryRequest: break
        case .handshake(let t): s.appendLiteral(" "); s.appendHandshakeTypeName(t)
        case .changeCipherSpec: s.appendLiteral(" ChangeCipherSpec")
        case .encryptedRecord(let ct, let len):
            s.appendLiteral(ct == 22 ? " encrypted handshake (" : " encrypted record (")
            s.appendDecimal(Int64(len)); s.appendLiteral(" bytes)")
        case .applicationData: s.appendLiteral(" application data")
        case .alert(let level, let d):
            s.appendLiteral(level == 2 ? " fatal " : " "); s.appendAlertName(d); s.appendLiteral(" alert")
        case .encryptedAlert(let len): s.appendLiteral(" encrypted alert ("); s.appendDecimal(Int64(len)); s.appendLiteral(" bytes)")
        case .syn: s.appendLiteral(" SYN")
        case .synAck: s.appendLiteral(" SYN-ACK")
        case .fin: s.appendLiteral(" FIN")
        case .rst: s.appendLiteral(" RST")
        }
    }
}

/// `TeardownSummary.describe(_:_:into:)` of the steps whose words need no name table, written
/// through a cursor (each side's words one literal): a teardown's usual closes are then one write.
extension JSONCursor {
    /// The most `describeStep` writes: "client's encrypted handshake (", a length, " bytes)".
    static let maxStepDescription = 30 + 21 + 7

    /// Whether `describeStep` writes `kind` (all but a handshake message's and an alert's, whose
    /// names come from the tables).
    @inline(__always)
    static func describesInPlace(_ kind: TimelineStep.Kind) -> Bool {
        switch kind {
        case .handshake, .alert: false
        default: true
        }
    }

    /// The words `TeardownSummary.describe(side, kind, into:)` writes, for a kind
    /// `describesInPlace` (at most `maxStepDescription` bytes; nothing for the others).
    @inline(__always)
    mutating func describeStep(_ side: Side, _ kind: TimelineStep.Kind) {
        let client = side == .client
        switch kind {
        case .clientHello: literal("ClientHello")
        case .serverHello: literal("ServerHello")
        case .helloRetryRequest: literal("HelloRetryRequest")
        case .applicationData: literal(client ? "client's application data" : "server's application data")
        case .changeCipherSpec: literal(client ? "client's ChangeCipherSpec" : "server's ChangeCipherSpec")
        case .encryptedRecord(let ct, let len):
            if ct == 22 {
                literal(client ? "client's encrypted handshake (" : "server's encrypted handshake (")
            } else {
                literal(client ? "client's encrypted record (" : "server's encrypted record (")
            }
            decimal(Int64(len)); literal(" bytes)")
        case .encryptedAlert(let len):
            literal(client ? "client's encrypted alert (" : "server's encrypted alert ("); decimal(Int64(len)); literal(" bytes)")
        case .syn: literal(client ? "client's SYN" : "server's SYN")
        case .synAck: literal(client ? "client's SYN-ACK" : "server's SYN-ACK")
        case .fin: literal(client ? "client's FIN" : "server's FIN")
        case .rst: literal(client ? "client's RST" : "server's RST")
        case .handshake, .alert: break  // (not `describesInPlace`)
        }
    }
}

/// Where `TeardownSummary.describe` writes its parts.
protocol DescriptionSink: ~Copyable {
    mutating func appendLiteral(_ t: StaticString)
    mutating func appendText(_ t: String)
    mutating func appendDecimal(_ v: Int64)
    mutating func appendDecimal(_ v: UInt64)
    mutating func appendHandshakeTypeName(_ t: UInt8)
    mutating func appendAlertName(_ d: UInt8)
}

/// A description as a String.
struct DescriptionText: DescriptionSink {
    var text = ""
    mutating func appendLiteral(_ t: StaticString) { t.withUTF8Buffer { text += String(decoding: $0, as: UTF8.self) } }
    mutating func appendText(_ t: String) { text += t }
    mutating func appendDecimal(_ v: Int64) { text += String(v) }
    mutating func appendDecimal(_ v: UInt64) { text += String(v) }
    mutating func appendHandshakeTypeName(_ t: UInt8) { text += Names.handshakeType(t) }
    mutating func appendAlertName(_ d: UInt8) { text += Names.alert(d) }
}

/// A description as the escaped inside of a JSON string.
extension JSONOut: DescriptionSink {
    @inline(__always) mutating func appendLiteral(_ t: StaticString) { literal(t) }
    mutating func appendText(_ t: String) { stringBody(t) }
    mutating func appendDecimal(_ v: Int64) { decimal(v) }
    mutating func appendDecimal(_ v: UInt64) { decimal(v) }
    mutating func appendHandshakeTypeName(_ t: UInt8) { nameBody(UInt16(t), NameTable.handshakeTypes) }
    mutating func appendAlertName(_ d: UInt8) { nameBody(UInt16(d), NameTable.alerts) }
}
