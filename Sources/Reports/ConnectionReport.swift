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
        func close(_ a: PacketStamp?, _ aSide: Side, _ b: PacketStamp?, _ bSide: Side) -> Close? {
            var pick: (PacketStamp, Side)?
            if let a { pick = (a, aSide) }
            if let b, pick == nil || b.number < pick!.0.number { pick = (b, bSide) }
            guard let (p, side) = pick else { return nil }
            var out = Close(by: side, packet: p)
            if let e = h.lastMessage(before: p.number) {
                out.after = TeardownSummary.describe(e)
                out.afterPacket = e.packet.number
                out.millisecondsAfter = p.time.milliseconds(since: e.packet.time)
            }
            return out
        }
        firstFin = close(c.clientSide.firstFin, .client, c.serverSide.firstFin, .server)
        firstRst = close(c.clientSide.firstRst, .client, c.serverSide.firstRst, .server)
    }

    /// "server's handshake_failure alert", "client's ClientHello", …
    public static func describe(_ e: TimelineEvent) -> String {
        let who = e.side.rawValue + "'s"
        switch e.kind {
        case .clientHello: return "ClientHello"
        case .serverHello: return "ServerHello"
        case .helloRetryRequest: return "HelloRetryRequest"
        case .handshake(let t): return "\(who) \(Names.handshakeType(t))"
        case .changeCipherSpec: return "\(who) ChangeCipherSpec"
        case .encryptedRecord(let ct, let len): return "\(who) encrypted \(ct == 22 ? "handshake" : "record") (\(len) bytes)"
        case .applicationData: return "\(who) application data"
        case .alert(let level, let d): return "\(who) \(level == 2 ? "fatal " : "")\(Names.alert(d)) alert"
        case .encryptedAlert(let len): return "\(who) encrypted alert (\(len) bytes)"
        case .notTLS(let s): return "\(who) non-TLS bytes (\(s))"
        case .preambleCommand(let s): return "\(who) \(s)"
        case .preambleReply(let s): return "\(who) \(s)"
        case .malformed(let r, _): return "\(who) malformed data (\(r))"
        case .syn: return "\(who) SYN"
        case .synAck: return "\(who) SYN-ACK"
        case .fin: return "\(who) FIN"
        case .rst: return "\(who) RST"
        case .gap(_, let len): return "\(who) lost bytes (\(len))"
        }
    }
}
