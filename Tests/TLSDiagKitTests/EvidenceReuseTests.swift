import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
@testable import Diagnosis
@testable import TLSDiagKit

/// `Diagnoser.diagnose(_:_:contextAt:reusing:)` (the failures that waited for the end of the
/// capture) cites into the list the caller hands back from the verdict before: every verdict must
/// be the one `diagnose(_:_:context:)` gives, and a list a kept verdict still holds must not be
/// written over.
@Suite struct EvidenceReuseTests {
    @Test func reusedListGivesTheVerdictsOfFreshOnes() throws {
        var verdicts = 0, failures = 0, reused = 0
        for path in try CompletedHandshakeTests.compareInputs() {
            let conns = SpillTests.connections(path)
            for var ctx in CompletedHandshakeTests.contexts(conns) {
                ctx.texts = VerdictTexts()
                var list: [Evidence] = []
                var kept: [(Diagnosis, Diagnosis)] = []
                for (i, (c, h)) in conns.enumerated() {
                    let plain = Diagnoser.diagnose(c, h, context: ctx)
                    let storage = list.withUnsafeBufferPointer { $0.baseAddress }
                    let hadRoom = list.capacity >= 4
                    var d = withUnsafePointer(to: &ctx) { Diagnoser.diagnose(c, h, contextAt: $0, reusing: &list) }
                    #expect(d == plain, "\(path) #\(i)")
                    #expect(try CompletedHandshakeTests.json(d) == CompletedHandshakeTests.json(plain), "\(path) #\(i)")
                    verdicts += 1
                    if plain.outcome != .success {
                        failures += 1
                        // The rules took the list (left empty) and cited into it: its storage when
                        // it had room and nothing else held it.
                        #expect(list.isEmpty, "\(path) #\(i)")
                        if hadRoom, d.evidence.count <= 4, storage != nil, d.evidence.withUnsafeBufferPointer({ $0.baseAddress }) == storage {
                            reused += 1
                        }
                    }
                    // Every third verdict is kept (its list shared); the others hand theirs back.
                    if i % 3 == 0 { kept.append((d, plain)) }
                    swap(&list, &d.evidence)
                }
                for (i, (d, plain)) in kept.enumerated() { #expect(d == plain, "\(path) kept #\(i)") }
            }
        }
        #expect(verdicts > 1_000)
        #expect(failures > 100)
        #expect(reused > failures / 4, "reused \(reused) of \(failures)")
    }
}

/// The session's ClientHello citations (`VerdictTexts.hello`) are the shared table's texts,
/// whatever was remembered before in the same slot (other versions, suite counts and names).
@Suite struct SessionHelloTextTests {
    @Test func sessionHelloTextsAreTheSharedOnes() {
        let texts = VerdictTexts()
        let names: [String?] = [nil, "", "a", "example.com", "example.org", "éxample.com", "a.example.com", "b.example.com", "moc.elpmaxe"]
        var asked = 0
        for _ in 0..<2 {
            for v: UInt16 in [0x0300, 0x0301, 0x0303, 0x0304, 0x7f1c] {
                for suites in [0, 1, 2, 17, 31, 32, 255] {
                    for sni in names {
                        asked += 1
                        #expect(texts.hello(maxVersion: v, suites: suites, sni: sni) == Diagnoser.helloText(maxVersion: v, suites: suites, sni: sni),
                                "\(v) \(suites) \(sni ?? "nil")")
                    }
                }
            }
        }
        #expect(asked > 600)
    }
}

/// The unrecognized_name hint naming what the server accepted from other clients, remembered by
/// the session (`VerdictTexts.acceptedNames`) for the knowledge's successes: the rules' own hint
/// while they stay, the new one once another success is added.
@Suite struct AcceptedNamesHintTests {
    @Test func rememberedHintFollowsTheServersSuccesses() throws {
        let failed = SpillTests.connections(Repo.capture("13-unrecognized-name.pcap")).filter { !Diagnoser.succeeded($0.1) && $0.1.clientHello != nil }
        let succeeded = SpillTests.captureFiles().prefix(6).flatMap { SpillTests.connections(Repo.capture($0)) }
            .filter { Diagnoser.succeeded($0.1) && $0.1.clientHello?.sni != nil }
        let (c, h) = try #require(failed.first)
        #expect(succeeded.count >= 2)
        let texts = VerdictTexts()
        var knowledge = ServerKnowledge()
        var names: Set<String> = []
        var hinted = 0
        for (_, s) in succeeded {
            // The failure's server learns a success (its name) each round: the hint must follow.
            knowledge.addSuccess(server: c.server, s)
            if let sni = s.clientHello?.sni { names.insert(sni) }
            let plain = Diagnoser.diagnose(c, h, context: DiagnosisContext(knowledge: knowledge))
            for _ in 0..<2 {
                let remembered = Diagnoser.diagnose(c, h, context: DiagnosisContext(knowledge: knowledge, texts: texts))
                #expect(remembered == plain)
            }
            #expect(plain.category == .unrecognizedName)
            if let line = plain.hints.first(where: { $0.hasPrefix("Names this server accepted from other clients: ") }) {
                hinted += 1
                // (Up to five names are listed: while there are that few, every one.)
                if names.count <= 5 { for n in names { #expect(line.contains("\(n)")) } }
            }
            // Another server's verdict (no successes there) has no such hint, remembered or not.
            var other = c
            other.server = Endpoint(address: IPAddress(v4: 0x0a00_0001), port: c.server.port &+ 1)
            let otherPlain = Diagnoser.diagnose(other, h, context: DiagnosisContext(knowledge: knowledge))
            #expect(Diagnoser.diagnose(other, h, context: DiagnosisContext(knowledge: knowledge, texts: texts)) == otherPlain)
            #expect(!otherPlain.hints.contains { $0.hasPrefix("Names this server accepted") })
        }
        #expect(hinted == succeeded.count)
    }
}

/// A report session's tallies count outcomes and categories by their case's byte: each case has
/// a byte of its own, and the tally gives back what was counted, by key.
@Suite struct TallyTests {
    @Test func tallyKeysAreOneByteEach() {
        #expect(Tally<Outcome>.keysAreOneByte)
        #expect(Tally<Category>.keysAreOneByte)
    }

    @Test func tallyGivesBackWhatWasCounted() {
        var t = Tally<Category>()
        var expected: [Category: Int] = [:]
        for (i, c) in (Category.allCases + Category.allCases.reversed() + [.ok, .ok, .other]).enumerated() {
            t.add(c, count: i % 4)
            expected[c, default: 0] += i % 4
        }
        #expect(t.dictionary == expected)
        var o = Tally<Outcome>()
        #expect(o.dictionary.isEmpty)
        o.add(.failure); o.add(.failure); o.add(.success, count: 0)
        #expect(o.dictionary == [.failure: 2, .success: 0])
    }
}
