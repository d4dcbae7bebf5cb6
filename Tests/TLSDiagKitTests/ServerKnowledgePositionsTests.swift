import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
@testable import Diagnosis

/// `ServerKnowledge.addSuccess` finds a profile by the positions of the servers seen lately
/// (`recent`), and `Diagnosis`'s public initializer goes through the memberwise one: neither may
/// change what is counted, compared or encoded.
@Suite struct ServerKnowledgePositionsTests {
    static func endpoint(_ i: Int) -> Endpoint {
        Endpoint(address: IPAddress(v4: 0x0a00_0000 | UInt32(i)), port: UInt16(443 &+ i % 3))
    }

    /// More servers than the positions hold, taken in an order that keeps displacing them, with
    /// servers added by failures, failures of servers seen lately and long ago (a copy held),
    /// servers removed and replaced from outside, and a merge in between: every success and
    /// failure lands in its own server's profile.
    @Test func successesLandInTheirServersProfile() throws {
        let (_, h) = try SuccessShapeTests.completed()
        var k = ServerKnowledge()
        var expected: [Endpoint: (successes: Int, failures: Int)] = [:]
        let servers = (0..<(ServerKnowledge.recentLimit * 2 + 7)).map(ServerKnowledgePositionsTests.endpoint)
        var step = 0
        var held = ServerKnowledge()
        for round in 0..<4 {
            for (i, s) in servers.enumerated() where (i &+ round) % 3 != 0 {
                k.addSuccess(server: s, h)
                expected[s, default: (0, 0)].successes += 1
                step += 1
                if step % 5 == 0 {
                    // A failure of a server seen lately, and (with a copy of the knowledge held
                    // meanwhile) of one seen long ago or removed: found by position or by key.
                    k.addFailure(server: s)
                    expected[s, default: (0, 0)].failures += 1
                    held = k
                    let old = servers[(i &+ 40) % servers.count]
                    k.addFailure(server: old)
                    expected[old, default: (0, 0)].failures += 1
                }
                if step % 17 == 0 {
                    // A new server by a failure (an insertion: positions may move).
                    let f = ServerKnowledgePositionsTests.endpoint(1000 &+ step)
                    k.addFailure(server: f)
                    expected[f, default: (0, 0)].failures += 1
                }
                if step % 29 == 0 {
                    // A server removed from outside, then one set whole.
                    let gone = servers[(i &+ 5) % servers.count]
                    k.servers[gone] = nil
                    expected[gone] = nil
                    var p = ServerProfile()
                    p.failures = 2
                    let set = ServerKnowledgePositionsTests.endpoint(2000 &+ step)
                    k.servers[set] = p
                    expected[set] = (0, 2)
                }
            }
            if round == 1 {
                var other = ServerKnowledge()
                other.addSuccess(server: servers[1], h)
                k.merge(other)
                expected[servers[1], default: (0, 0)].successes += 1
            }
            if round == 2 {
                // The whole table replaced by a copy of itself (its positions are not the old ones).
                let copy = k.servers
                k.servers = [:]
                k.servers = copy
            }
        }
        #expect(held.servers.count <= k.servers.count)
        #expect(k.servers.count == expected.count)
        for (s, e) in expected {
            let p = try #require(k.profile(s), "\(s)")
            #expect(p.successes == e.successes, "\(s)")
            #expect(p.failures == e.failures, "\(s)")
            if e.successes > 0 { #expect(p.versions.values.reduce(0, +) == e.successes, "\(s)") }
        }
    }

    /// A verdict made by the public initializer equals one made field by field, hashes the same,
    /// and encodes exactly its seven fields (nothing of how it is stored).
    @Test func diagnosisFieldsAndCoding() throws {
        let ev = [Evidence(packet: 3, time: Timestamp(seconds: 10, nanoseconds: 5), text: "ClientHello (up to TLS 1.3, 3 suites, no SNI)")]
        let a = Diagnosis(outcome: .failure, category: .serverReset, blame: .server, summary: "the server reset the connection",
                          evidence: ev, hints: ["one", "two"], inference: nil)
        var b = Diagnosis(outcome: .success, category: .ok, blame: nil, summary: "")
        b.outcome = .failure; b.category = .serverReset; b.blame = .server; b.summary = "the server reset the connection"
        b.evidence = ev; b.hints = ["one", "two"]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        b.inference = "x"
        #expect(a != b)

        let data = try JSONEncoder().encode(a)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["outcome", "category", "blame", "summary", "evidence", "hints"])
        #expect(try JSONDecoder().decode(Diagnosis.self, from: data) == a)
        let withInference = Diagnosis(outcome: .success, category: .ok, blame: nil, summary: "s", inference: "why")
        let object2 = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(withInference)) as? [String: Any])
        #expect(Set(object2.keys) == ["outcome", "category", "summary", "evidence", "hints", "inference"])
    }
}
