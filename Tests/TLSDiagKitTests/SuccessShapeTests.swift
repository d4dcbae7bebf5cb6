import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
@testable import Diagnosis

/// The success memos: `SuccessShape` (a completed handshake's texts per hello version and suites,
/// name, negotiated version and suite, and certificate subject) and `ServerProfile`'s pending
/// shapes must never change a verdict or a tally.
@Suite struct SuccessShapeTests {
    static func completed() throws -> (ConnectionFacts, HandshakeFacts) {
        let conns = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
        return try #require(conns.first { Diagnoser.succeeded($0.1) && $0.1.certificatePacket != nil })
    }

    /// The same hello (one shared box) with other names, and the same names with other chains:
    /// each verdict is the rules' own (a memo keyed on the hello alone would repeat the first name
    /// or subject).
    @Test func sharedHelloBoxWithOtherNamesAndChains() throws {
        let (c, h0) = try SuccessShapeTests.completed()
        var subjects = h0.certificates
        for round in 0..<3 {
            for name in ["a.example", "a-much-longer-name.example.com", "b.example", "a.example"] as [String?] + [nil] {
                var h = h0
                h.clientHello?.sni = name
                if round > 0 {
                    subjects[0].subject = "CN=round\(round)"
                    h.certificates = subjects
                }
                #expect(h.clientHello.map { $0.sharedIdentity === h0.clientHello!.sharedIdentity } == true)
                let rules = Builder.verdict(c, h, context: DiagnosisContext())
                let quick = try #require(Diagnoser.completedHandshake(c, h))
                #expect(quick == rules, "\(round) \(name ?? "nil")")
                #expect(Diagnoser.diagnose(c, h, context: DiagnosisContext()) == rules)
            }
        }
    }

    /// More shapes than the table holds, looked up again after being displaced.
    @Test func manyShapesOverflowTheTable() throws {
        let (c, h0) = try SuccessShapeTests.completed()
        var made: [(HandshakeFacts, Diagnosis)] = []
        for i in 0..<(SuccessShape.slots * 3) {
            var h = h0
            h.clientHello?.sni = "host\(i).example"
            if i % 3 == 0 { h.serverHello?.cipherSuite = UInt16(0xc02f &+ i % 5) }
            made.append((h, Builder.verdict(c, h, context: DiagnosisContext())))
        }
        for _ in 0..<2 {
            for (h, rules) in made { #expect(Diagnoser.completedHandshake(c, h) == rules) }
        }
    }

    /// Tallies with successes pending are the tallies of every success counted one by one, before
    /// and after the pending ones are counted in, and through every reader.
    @Test func pendingShapesCountLikeTheTallies() throws {
        let conns = SpillTests.connections(Repo.capture("47-many-connections-ecdsa-server.pcap"))
            + SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
        let successes = conns.filter { Diagnoser.succeeded($0.1) }
        #expect(successes.count >= 2)
        var expected: [Endpoint: (versions: [UInt16: Int], suites: [UInt16: Int], names: [String: Int], n: Int)] = [:]
        var k = ServerKnowledge()
        // Twenty names so that one server's shapes overflow the pending list.
        for round in 0..<3 {
            for (i, (c, h0)) in successes.enumerated() {
                var h = h0
                h.clientHello?.sni = "n\((i &+ round) % 20).example"
                k.addSuccess(server: c.server, h)
                var e = expected[c.server] ?? ([:], [:], [:], 0)
                if let sh = h.serverHelloChoice {
                    e.versions[sh.version, default: 0] += 1
                    e.suites[sh.cipherSuite, default: 0] += 1
                    e.names[h.clientHello!.sni!, default: 0] += 1
                }
                e.n += 1
                expected[c.server] = e
            }
        }
        func check(_ k: ServerKnowledge) {
            for (server, e) in expected {
                let p = k.profile(server)
                #expect(p?.successes == e.n)
                #expect(p?.versions == e.versions)
                #expect(p?.cipherSuites == e.suites)
                #expect(p?.serverNames == e.names)
                #expect(k.servers[server]?.serverNames == e.names)
                #expect(k.servers[server]?.rankedSuites.map(\.1).reduce(0, +) == e.n)
            }
        }
        check(k)
        var merged = ServerKnowledge()
        merged.merge(k)
        check(merged)
        for (server, p) in merged.servers { #expect(k.servers[server] == p) }
        let (someServer, _) = try #require(expected.first)
        k.addFailure(server: someServer)
        #expect(k.profile(someServer)?.failures == 1)
        check(k)
        // A tally set from outside keeps the pending successes.
        var p = try #require(k.servers[someServer])
        k.addSuccess(server: someServer, successes.first { $0.0.server == someServer }!.1)
        p = try #require(k.servers[someServer])
        let before = p.versions.values.reduce(0, +)
        p.alpn["h9"] = 7
        #expect(p.versions.values.reduce(0, +) == before)
        #expect(p.alpn["h9"] == 7)
    }
}

/// `CrossConnectionHints` remembers the cross-connection hints per offer and profile: whatever it
/// hands back must be what the hints are for that very key, made fresh.
@Suite struct CrossConnectionHintsTests {
    @Test func rememberedLinesAreTheLinesOfTheirKey() throws {
        let conns = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
            + SpillTests.connections(Repo.capture("01-ok-tls13.pcap"))
        let hellos = conns.compactMap { $0.1.clientHello }
        #expect(hellos.count >= 2)
        var profiles: [ServerProfile] = []
        var p = ServerProfile()
        for (_, h) in conns where Diagnoser.succeeded(h) {
            p.addSuccess(h)
            profiles.append(p)
        }
        #expect(profiles.count >= 2)
        // Profiles that differ only in a count, offers that differ in suites, version or name.
        var q = try #require(profiles.last)
        q.cipherSuites[0x1301, default: 0] += 5
        profiles.append(q)
        q.versions[0x0301] = 1
        profiles.append(q)
        var offers: [ClientHelloInfo] = hellos
        for var ch in hellos.prefix(2) {
            ch.sni = "other.example"; offers.append(ch)
            ch.cipherSuites = [0x0005]; offers.append(ch)
            ch.maxVersion = 0x0302; offers.append(ch)
            ch.sni = nil; offers.append(ch)
        }
        var seen = Set<[String]>()
        for _ in 0..<2 {
            for profile in profiles {
                for ch in offers {
                    for scope in ["in this capture", "in these captures"] {
                        let fresh = CrossConnectionHints.make(successes: profile.successes, suites: profile.cipherSuites,
                                                              versions: profile.versions, offered: ch.cipherSuites,
                                                              maxVersion: ch.maxVersion, sni: ch.sni, scope: scope)
                        let got = CrossConnectionHints.lookup(profile, ch, scope: scope)
                        #expect(got.lines == fresh.lines)
                        #expect(got.blame == fresh.blame)
                        seen.insert(got.lines)
                    }
                }
            }
        }
        // The keys above make many different texts (the memo is not handing out one for all).
        #expect(seen.count > 10)
    }
}

/// `CertificateNames.matches` checks ASCII names byte by byte: it must agree with the rules over
/// Strings (`generalMatches`) on every host and name list, and leave the others to them.
@Suite struct CertificateNamesTests {
    @Test func bytewiseAgreesWithTheStringRules() {
        let hosts = ["example.com", "EXAMPLE.com", "www.example.com", "a.b.example.com", ".example.com", "example.com.",
                     "", "x", "*.example.com", "192.0.2.1", "FE80::1", "fe80::1", "www.Example.COM", "wwwexample.com",
                     "straße.example", "ｅxample.com", "e\u{301}.example.com", String(repeating: "a", count: 300),
                     // The Kelvin sign lowercases to an ASCII "k": a host byte-wise unlike "key…" that matches it.
                     "\u{212A}ey.example.com"]
        let lists: [[String]] = [
            ["DNS:example.com"], ["DNS:*.example.com"], ["DNS:*.EXAMPLE.com", "DNS:other.org"], ["DNS:WWW.example.com"],
            ["IP:192.0.2.1"], ["IP:FE80::1"], ["IP:fe80::1"], ["URI:https://example.com", "email:a@example.com"],
            ["DNS:*."], ["DNS:*"], ["DNS:"], ["DNS:*.b.example.com"], ["dns:example.com"], ["DNS:straße.example"],
            ["DNS:e\u{301}.example.com"], ["DNS:example.com", "DNS:ｅxample.com"], [], ["DNS:key.example.com"],
        ]
        let subjects = ["CN=example.com", "CN=www.example.com, O=Example", "O=No Name", ""]
        var checked = 0, bytewise = 0
        for host in hosts {
            for sans in lists {
                for subject in subjects {
                    var cert = CertificateInfo()
                    cert.subjectAltNames = sans
                    cert.subject = subject
                    let general = CertificateNames.generalMatches(host, cert)
                    #expect(CertificateNames.matches(host, cert) == general, "\(host) \(sans) \(subject)")
                    if let fast = CertificateNames.asciiMatches(host, cert) {
                        #expect(fast == general, "\(host) \(sans) \(subject)")
                        bytewise += 1
                    }
                    checked += 1
                }
            }
        }
        #expect(bytewise > checked / 3)
        // Matches and mismatches both come out of the byte-wise way.
        var cert = CertificateInfo()
        cert.subjectAltNames = ["DNS:*.Example.com", "IP:10.0.0.1"]
        #expect(CertificateNames.asciiMatches("WWW.example.COM", cert) == true)
        #expect(CertificateNames.asciiMatches("example.com", cert) == false)
        #expect(CertificateNames.asciiMatches("10.0.0.1", cert) == true)
    }
}
