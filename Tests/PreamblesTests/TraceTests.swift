import Testing
@testable import Preambles

/// The captures of the shared corpus (Zeek and Arkime test traces), one connection each; the
/// bytes are in Traces.swift with the tshark commands that extracted them.
@Suite struct TraceTests {
    /// Every upgrade trace: the verdict is TLS of the right kind, its offsets are where tshark
    /// finds the first TLS record of each side, the bytes there are a TLS record header, and
    /// feeding the capture one byte at a time answers `.undecided` until exactly those bytes are in.
    @Test(arguments: [
        (Traces.rdpToSSL, PreambleKind.rdp), (Traces.rdpNoCookie, .rdp),
        (Traces.smtpStarttls, .smtpStarttls), (Traces.arkimeSmtpStarttls, .smtpStarttls),
        (Traces.imapStarttls, .imapStarttls), (Traces.pop3Starttls, .pop3Starttls),
        (Traces.ftpAuthTLS, .ftpAuthTLS), (Traces.xmppStarttls, .xmppStarttls),
        (Traces.xmppDialbackStarttls, .xmppStarttls), (Traces.ircStarttls, .ircStarttls),
        (Traces.ldapStarttls, .ldapStarttls), (Traces.psqlPreferred, .postgresSSL),
        (Traces.psqlRequire, .postgresSSL), (Traces.psqlRequire15432, .postgresSSL),
        (Traces.mysqlEncrypted, .mysqlSSL), (Traces.mysqlTLS12RDS, .mysqlSSL),
        (Traces.mysqlTLS13RDS, .mysqlSSL), (Traces.arkimeMysqlTLS, .mysqlSSL),
        (Traces.socksHttpsExample4, .socks4), (Traces.socksHttpsExample5, .socks5), (Traces.socksWithSSL, .socks5),
        (Traces.httpsConnect, .httpConnect), (Traces.connectWithHeader, .httpConnect), (Traces.adbSTLS, .adbStls),
    ])
    func upgradesToTLS(trace: Trace, kind: PreambleKind) throws {
        let (verdict, detector) = detectWhole(trace.segments, port: trace.serverPort)
        let offsets = try #require(verdict.offsets, "verdict \(verdict), issue \(String(describing: detector.issue))")
        #expect(verdict.info?.kind == kind)
        if let c = trace.tsharkClient { #expect(offsets.client == c) }
        if let s = trace.tsharkServer { #expect(offsets.server == s) }
        let client = trace.client, server = trace.server
        try #require(offsets.client + 2 <= client.count && offsets.server + 2 <= server.count)
        #expect(Array(client[offsets.client..<(offsets.client + 2)]) == [0x16, 0x03])
        #expect(Array(server[offsets.server..<(offsets.server + 2)]) == [0x16, 0x03])
        expectIncremental(trace.segments, port: trace.serverPort, decidesAt: offsets.client, offsets.server, verdict)
    }
}
