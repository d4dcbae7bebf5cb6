import NetCore
import FlowTrack
import Handshake
import Diagnosis
import Preambles

/// `--format jsonl`: one object per connection. The field names are a contract, documented in
/// docs/json-output.md and docs/tlsdiag.schema.json.
public enum JSONLReport {
    public static func line(_ r: ConnectionReport) -> String {
        var w = JSONWriter(reserving: 2048)
        let c = r.facts, h = r.handshake, d = r.diagnosis
        w.beginObject()
        w.string("capture", r.capture)
        w.string("client", c.client.description)
        w.string("server", c.server.description)
        w.string("roles", c.roleSource.rawValue)
        w.string("start", CivilTime.iso8601(c.first.time))
        w.double("duration_ms", c.last.time.milliseconds(since: c.first.time))
        w.beginObject("packets"); w.int("client", c.clientSide.packets); w.int("server", c.serverSide.packets); w.endObject()
        w.beginObject("bytes"); w.int("client", c.clientSide.payloadBytes); w.int("server", c.serverSide.payloadBytes); w.endObject()
        writeTCP(&w, c)
        w.string("preamble", h.preamble?.kind.rawValue)
        if let p = h.preamble { writePreamble(&w, p, h.preambleResult) } else { w.null("preamble_detail") }
        if let ch = h.clientHello { writeClientHello(&w, "client_hello", ch, packet: h.clientHelloPacket) } else { w.null("client_hello") }
        if let hrr = h.helloRetryRequest { writeServerHello(&w, "hello_retry_request", hrr) }
        if let ch2 = h.secondClientHello { writeClientHello(&w, "second_client_hello", ch2, packet: nil) }
        if let sh = h.serverHello { writeServerHello(&w, "server_hello", sh, packet: h.serverHelloPacket) } else { w.null("server_hello") }
        w.beginArray("certificates")
        for cert in h.certificates { writeCertificate(&w, cert) }
        w.endArray()
        if let kx = h.keyExchange {
            w.beginObject("key_exchange")
            w.string("kind", kx.kind)
            w.string("group", kx.group.map(Names.group))
            w.int("dh_prime_bits", kx.dhPrimeBits)
            w.int("public_key_length", kx.publicKeyLength)
            w.endObject()
        } else { w.null("key_exchange") }
        w.bool("client_certificate_requested", h.certificateRequested)
        if let cc = h.clientCertificates { w.int("client_certificates", cc.count) } else { w.null("client_certificates") }
        if let sh = h.serverHello, !sh.isHelloRetryRequest {
            w.beginObject("negotiated")
            w.string("version", Names.version(sh.version))
            w.string("cipher", Names.cipherSuite(sh.cipherSuite))
            w.string("group", (sh.keyShareGroup ?? h.keyExchange?.group).map(Names.group))
            w.string("alpn", sh.alpn)
            w.bool("resumed", h.resumed)
            w.endObject()
        } else { w.null("negotiated") }
        w.beginArray("alerts")
        for a in h.alerts {
            w.beginObject()
            w.string("by", a.by.rawValue)
            w.string("level", a.level.map { $0 == 2 ? "fatal" : ($0 == 1 ? "warning" : String($0)) })
            w.int("description", a.description)
            w.string("name", a.description.map(Names.alert))
            w.bool("encrypted", a.encrypted)
            w.bool("inferred", a.inferred)
            w.int("packet", a.packet.number)
            w.endObject()
        }
        w.endArray()
        writeTeardown(&w, TeardownSummary(facts: c, handshake: h), c)
        w.string("outcome", d.outcome.rawValue)
        w.string("category", d.category.rawValue)
        w.beginObject("diagnosis")
        w.string("summary", d.summary)
        w.string("blame", d.blame?.rawValue)
        w.beginArray("evidence")
        for e in d.evidence {
            w.beginObject()
            w.int("packet", e.packet)
            w.string("time", CivilTime.iso8601(e.time))
            w.double("ms", e.time.milliseconds(since: c.first.time))
            w.string("text", e.text)
            w.endObject()
        }
        w.endArray()
        w.strings("hints", d.hints)
        w.string("inference", d.inference)
        w.endObject()
        w.endObject()
        return w.text
    }

    static func writeTCP(_ w: inout JSONWriter, _ c: ConnectionFacts) {
        w.beginObject("tcp")
        w.bool("syn_seen", c.clientSide.firstSyn != nil)
        w.bool("established", c.established)
        w.bool("refused", c.refused)
        w.string("end", c.endReason?.rawValue)
        for (name, s) in [("client", c.clientSide), ("server", c.serverSide)] {
            w.beginObject(name)
            w.int("stream_bytes", s.streamBytes)
            w.int("retransmitted_segments", s.retransmittedSegments)
            w.int("conflicting_overlaps", s.conflictingOverlaps)
            w.int("truncated_segments", s.truncatedSegments)
            w.beginArray("gaps")
            for g in s.gaps { w.beginObject(); w.int("offset", g.offset); w.int("length", g.length); w.endObject() }
            w.endArray()
            w.endObject()
        }
        w.endObject()
    }

    static func writePreamble(_ w: inout JSONWriter, _ p: PreambleInfo, _ result: PreambleResult?) {
        w.beginObject("preamble_detail")
        w.string("result", result.map { "\($0)" })
        w.string("command", p.command)
        w.string("server_reply", p.serverReply)
        if let rdp = p.rdp {
            w.beginObject("rdp")
            w.strings("requested_protocols", rdp.requestedProtocols.map { RDPNegotiation.protocolNames($0) })
            w.strings("selected_protocol", rdp.selectedProtocol.map { RDPNegotiation.protocolNames($0) })
            w.string("failure", rdp.failureCode.map { RDPNegotiation.failureName($0) })
            w.int("failure_code", rdp.failureCode)
            w.string("cookie", rdp.cookie)
            w.endObject()
        }
        w.endObject()
    }

    static func writeClientHello(_ w: inout JSONWriter, _ key: String, _ ch: ClientHelloInfo, packet: PacketStamp?) {
        w.beginObject(key)
        w.int("packet", packet?.number)
        w.string("record_version", Names.version(ch.recordVersion))
        w.string("legacy_version", Names.version(ch.legacyVersion))
        w.string("max_version", Names.version(ch.maxVersion))
        w.names("supported_versions", ch.supportedVersions, .version)
        w.names("cipher_suites", ch.cipherSuites, .cipherSuite)
        w.string("sni", ch.sni)
        w.strings("alpn", ch.alpn)
        w.names("supported_groups", ch.supportedGroups, .group)
        w.strings("key_share_groups", ch.keyShares.map { Names.group($0.group) })
        w.beginArray("key_shares")
        for k in ch.keyShares { w.beginObject(); w.string("group", Names.group(k.group)); w.int("length", k.keyLength); w.endObject() }
        w.endArray()
        w.names("signature_algorithms", ch.signatureAlgorithms, .signatureScheme)
        w.names("extensions", ch.extensions, .extensionType)
        w.int("size", ch.size)
        w.int("tcp_segments", ch.tcpSegments)
        w.int("records", ch.records)
        w.bool("sslv2_format", ch.sslv2Format)
        w.string("ja3", ch.ja3Hash)
        w.string("ja3_string", ch.ja3)
        w.string("ja4", ch.ja4)
        w.string("ja4_r", ch.ja4r)
        w.endObject()
    }

    static func writeServerHello(_ w: inout JSONWriter, _ key: String, _ sh: ServerHelloInfo, packet: PacketStamp? = nil) {
        w.beginObject(key)
        w.int("packet", packet?.number)
        w.string("version", Names.version(sh.version))
        w.string("legacy_version", Names.version(sh.legacyVersion))
        w.string("cipher", Names.cipherSuite(sh.cipherSuite))
        w.int("compression", sh.compressionMethod)
        w.names("extensions", sh.extensions, .extensionType)
        w.string("key_share_group", sh.keyShareGroup.map(Names.group))
        w.string("alpn", sh.alpn)
        w.bool("hello_retry_request", sh.isHelloRetryRequest)
        if sh.isHelloRetryRequest { w.string("selected_group", sh.hrrSelectedGroup.map(Names.group)); w.bool("cookie", sh.hrrCookie) }
        w.string("downgrade_sentinel", sh.downgradeSentinel.map { $0 == 1 ? "TLS 1.2" : "TLS 1.1 or below" })
        w.int("size", sh.size)
        w.endObject()
    }

    static func writeCertificate(_ w: inout JSONWriter, _ c: CertificateInfo) {
        w.beginObject()
        w.string("subject", c.subject)
        w.string("issuer", c.issuer)
        w.strings("san", c.subjectAltNames)
        w.string("not_before", c.notBefore.map { CivilTime.iso8601(Timestamp(seconds: $0, nanoseconds: 0), fraction: false) })
        w.string("not_after", c.notAfter.map { CivilTime.iso8601(Timestamp(seconds: $0, nanoseconds: 0), fraction: false) })
        w.string("key_type", c.keyType)
        w.int("key_bits", c.keyBits)
        w.string("curve", c.curve)
        w.string("signature_algorithm", c.signatureAlgorithm)
        w.strings("key_usage", c.keyUsage)
        w.strings("extended_key_usage", c.extendedKeyUsage)
        w.bool("ca", c.isCA)
        w.bool("self_signed", c.selfSigned)
        w.string("serial", c.serial)
        w.string("sha256", c.sha256)
        w.string("parse_error", c.parseError)
        w.endObject()
    }

    static func writeTeardown(_ w: inout JSONWriter, _ t: TeardownSummary, _ c: ConnectionFacts) {
        w.beginObject("teardown")
        w.string("first_fin_by", t.firstFin?.by.rawValue)
        w.string("first_rst_by", t.firstRst?.by.rawValue)
        for (key, close) in [("first_fin", t.firstFin), ("first_rst", t.firstRst)] {
            if let cl = close {
                w.beginObject(key)
                w.string("by", cl.by.rawValue)
                w.int("packet", cl.packet.number)
                w.string("after", cl.after)
                w.int("after_packet", cl.afterPacket)
                w.double("ms_after", cl.millisecondsAfter)
                w.endObject()
            } else { w.null(key) }
        }
        w.string("end", c.endReason?.rawValue)
        w.endObject()
    }
}
