import Testing
@testable import Preambles

private let clientHeader = "<?xml version='1.0'?>\n<stream:stream to='ex>ample.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
private let serverHeader = "<?xml version='1.0'?><stream:stream from='example.com' id='x1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
private let features = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"

@Suite struct XMPPTests {
    /// Whitespace keepalives, a comment holding '>', a quoted '>' in an attribute, and elements
    /// written with start and end tags: TLS starts right after each closing '>'.
    @Test func startAndEndTagsAndWhitespace() throws {
        let request = "<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"></starttls>"
        let proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>"
        let clientText = clientHeader + " \n<!-- a > b -->\t" + request
        let serverText = serverHeader + "\n" + features + " " + proceed
        let segments: [Segment] = [
            .c(text: clientHeader), .s(text: serverHeader), .s(text: "\n" + features), .c(text: " \n<!-- a > b -->\t"),
            .c(text: request), .s(text: " " + proceed), .c("160303"), .s("160303"),
        ]
        let (verdict, _) = detectWhole(segments, port: 5222)
        #expect(verdict.offsets?.client == clientText.utf8.count)
        #expect(verdict.offsets?.server == serverText.utf8.count)
        let info = try #require(verdict.info)
        #expect(info.kind == .xmppStarttls)
        #expect(info.command == request)
        #expect(info.serverReply == proceed)
        #expect(info.commandOffset == clientText.utf8.count - request.utf8.count)
        expectIncremental(segments, port: 5222, decidesAt: clientText.utf8.count, serverText.utf8.count, verdict)
    }

    @Test func failureRefuses() {
        let failure = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
        let segments: [Segment] = [
            .c(text: clientHeader), .s(text: serverHeader + features),
            .c(text: "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), .s(text: failure + "</stream:stream>"),
        ]
        let (verdict, _) = detectWhole(segments)
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == failure)
    }

    @Test func streamErrorRefuses() {
        let error = "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
        let (verdict, _) = detectWhole([
            .c(text: clientHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), .s(text: serverHeader + error),
        ])
        #expect(verdict.isRefused)
        #expect(verdict.info?.serverReply == error)
    }

    /// A <failure/> in another namespace (SASL) is not the answer to STARTTLS.
    @Test func saslFailureIsNotTheAnswer() {
        let sasl = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"
        let proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
        let (verdict, _) = detectWhole([
            .c(text: clientHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), .s(text: serverHeader + sasl + proceed),
        ])
        #expect(verdict.offsets?.server == (serverHeader + sasl + proceed).utf8.count)
    }

    /// A <starttls/> that is not a direct child of the stream (inside another element) is no request.
    @Test func nestedStarttlsIsNoRequest() {
        let (verdict, _) = detectWhole([
            .c(text: clientHeader + "<iq type='set'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></iq>"),
            .s(text: serverHeader + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        ])
        #expect(verdict == .undecided)
    }

    @Test func notAnXMPPStream() {
        let (v1, d1) = detectWhole(client: Array("<html><body>".utf8), server: [])
        #expect(v1 == .notTLS)
        #expect(d1.issue?.code == .unrecognized)
        let (v2, _) = detectWhole(client: Array("<?x".utf8), server: [])
        #expect(v2 == .undecided)
        let (v3, _) = detectWhole(client: Array("<stream:str".utf8), server: [])
        #expect(v3 == .undecided)
    }
}
