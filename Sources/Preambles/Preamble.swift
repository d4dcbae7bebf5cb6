/// What came before TLS on a connection, and where TLS starts in each direction.
///
/// INTERFACE: `PreambleDetector` is fed the in-order prefix of both directions as it grows and
/// answers once it can tell.
public enum PreambleKind: String, Codable, Hashable, Sendable, CaseIterable {
    case rdp
    case smtpStarttls = "smtp-starttls"
    case imapStarttls = "imap-starttls"
    case pop3Starttls = "pop3-starttls"
    case ftpAuthTLS = "ftp-auth-tls"
    case xmppStarttls = "xmpp-starttls"
    case ldapStarttls = "ldap-starttls"
    case ircStarttls = "irc-starttls"
    case postgresSSL = "postgres-ssl"
    case mysqlSSL = "mysql-ssl"
    case httpConnect = "http-connect"
    case socks4
    case socks5
    case adbStls = "adb-stls"
}

/// Facts of an RDP X.224 negotiation (MS-RDPBCGR 2.2.1.1 and 2.2.1.2).
public struct RDPNegotiation: Codable, Hashable, Sendable {
    /// RDP_NEG_REQ requestedProtocols (PROTOCOL_SSL 0x1, PROTOCOL_HYBRID 0x2, RDSTLS 0x4, HYBRID_EX 0x8, …); nil if absent.
    public var requestedProtocols: UInt32?
    /// The routing token or `Cookie: mstshash=` line, if any.
    public var cookie: String?
    /// RDP_NEG_RSP selectedProtocol; nil if no response or a failure.
    public var selectedProtocol: UInt32?
    /// RDP_NEG_FAILURE failureCode; nil if none.
    public var failureCode: UInt32?
    /// The Connection Confirm carried no negotiation structure (old server: standard RDP security).
    public var confirmWithoutNegotiation: Bool = false
    /// RDP_NEG_REQ flags (RESTRICTED_ADMIN_MODE_REQUIRED 0x01, REDIRECTED_AUTHENTICATION_MODE_REQUIRED 0x02,
    /// CORRELATION_INFO_PRESENT 0x08); nil if no RDP_NEG_REQ.
    public var requestFlags: UInt8?
    /// RDP_NEG_RSP flags (EXTENDED_CLIENT_DATA_SUPPORTED 0x01, DYNVC_GFX_PROTOCOL_SUPPORTED 0x02, …) or
    /// RDP_NEG_FAILURE flags; nil if the Connection Confirm carried neither.
    public var responseFlags: UInt8?
    public init() {}
}

/// Details of the preamble, for the report.
public struct PreambleInfo: Codable, Hashable, Sendable {
    public var kind: PreambleKind
    public var rdp: RDPNegotiation?
    /// The upgrade command the client sent ("STARTTLS", "AUTH TLS", "STLS", LDAP OID, …; for a
    /// proxy the tunnel asked for: "CONNECT example.com:443", "SOCKS5 CONNECT example.com:443").
    public var command: String?
    /// The server's answer line or code ("220 2.0.0 Ready to start TLS", "S" / "N" for PostgreSQL, …).
    public var serverReply: String?
    /// Stream offsets in each direction of the byte where the command and the reply begin (for evidence).
    public var commandOffset: Int?
    public var replyOffset: Int?
    /// The reply's numeric code when it has one: SMTP/FTP/IRC reply code, LDAP resultCode, MySQL
    /// error code, RDP selectedProtocol or failureCode, HTTP status, SOCKS4 CD (90–93), SOCKS5
    /// REP (or the chosen METHOD, or the RFC 1929 STATUS, when the refusal came earlier).
    public var replyCode: Int?
    public init(kind: PreambleKind) { self.kind = kind }
}

/// The detector's answer. (Its cases with a preamble are boxed, `indirect`: the answer is one
/// word, so that the `.undecided` of every call that decides nothing is not a 146-byte value
/// set up and copied from step to step; the box is made once, with the verdict.)
public enum PreambleVerdict: Hashable, Sendable {
    /// Not enough bytes yet to tell.
    case undecided
    /// TLS starts at these stream offsets (0, 0 when there is no preamble).
    indirect case tls(clientOffset: Int, serverOffset: Int, preamble: PreambleInfo?)
    /// A known preamble, but the upgrade was refused or failed (RDP_NEG_FAILURE, "454 TLS not
    /// available", PostgreSQL "N", …): no TLS will follow.
    indirect case refused(PreambleInfo)
    /// A known preamble completed without TLS (e.g. RDP standard security selected).
    indirect case plaintext(PreambleInfo)
    /// The client's first bytes are neither TLS nor a known preamble.
    case notTLS
}
