import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
@testable import Diagnosis

/// `Diagnoser.completedHandshake` gives a completed handshake its verdict without running the
/// rules: it must give exactly the rules' verdict (`Builder.run`) whenever it answers, whatever the
/// context, and answer for the completed handshakes.
@Suite struct CompletedHandshakeTests {
    static func json(_ d: Diagnosis) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(d)
    }

    /// Contexts a verdict may be given in: none, this capture's knowledge (with servers that had
    /// successes and failures), a capture end, a live capture still running.
    static func contexts(_ conns: [(ConnectionFacts, HandshakeFacts)]) -> [DiagnosisContext] {
        var k = ServerKnowledge()
        for (c, h) in conns { if Diagnoser.succeeded(h) { k.addSuccess(server: c.server, h) } else { k.addFailure(server: c.server) } }
        var live = DiagnosisContext(knowledge: k, captureEnd: conns.last?.0.last.time)
        live.stillCapturing = true
        live.knowledgeScope = "in these captures"
        return [DiagnosisContext(), DiagnosisContext(knowledge: k, captureEnd: conns.map(\.0.last.time).max()), live]
    }

    /// Returns (connections answered by the fast path, successes by the rules).
    static func compare(_ path: String) throws -> (fast: Int, successes: Int) {
        let conns = SpillTests.connections(path)
        var fast = 0, successes = 0
        // The reusing form with one scratch over every connection (as a report session keeps it),
        // every other verdict still held when the next is made (its lists must not change then).
        var scratch = EvidenceScratch()
        var held: [(Diagnosis, Diagnosis)] = []
        for ctx in contexts(conns) {
            for (i, (c, h)) in conns.enumerated() {
                let rules = Builder.verdict(c, h, context: ctx)
                if rules.outcome == .success { successes += 1 }
                let reused = Diagnoser.completedHandshake(c, h, reusing: &scratch)
                // The verdict as its parts (written over the last one the scratch holds).
                let before = scratch.completed.count > 0 ? scratch.completed.diagnosis : nil
                let madeParts = Diagnoser.completedVerdict(c, h, reusing: &scratch)
                guard let quick = Diagnoser.completedHandshake(c, h) else {
                    #expect(reused == nil, "\(path) #\(i)")
                    #expect(!madeParts, "\(path) #\(i)")
                    if let before { #expect(scratch.completed.diagnosis == before, "\(path) #\(i): parts left as they were") }
                    continue
                }
                #expect(madeParts, "\(path) #\(i)")
                #expect(scratch.completed.diagnosis == rules, "\(path) #\(i)")
                #expect(scratch.completed.summary == rules.summary && scratch.completed.inference == rules.inference)
                fast += 1
                #expect(quick == rules, "\(path) #\(i)")
                #expect(try json(quick) == json(rules), "\(path) #\(i)")
                #expect(reused == rules, "\(path) #\(i)")
                #expect(Diagnoser.diagnose(c, h, context: ctx) == rules)
                if let reused, i % 2 == 0 { held.append((reused, rules)) }
            }
        }
        for (kept, rules) in held { #expect(kept == rules, "\(path): a held verdict changed") }
        return (fast, successes)
    }

    @Test func sameVerdictOnEveryCapture() throws {
        var fast = 0, successes = 0
        for f in SpillTests.captureFiles() {
            let r = try CompletedHandshakeTests.compare(Repo.capture(f))
            fast += r.fast
            successes += r.successes
        }
        // Nearly every success goes the fast way (not those whose ClientHello the capture lost).
        #expect(fast > 0)
        #expect(fast * 10 >= successes * 9, "fast \(fast) of \(successes) successes")
    }

    @Test func sameVerdictOnTheSharedCorpus() throws {
        let files = SpillTests.corpusFiles()
        #expect(files.count >= 100, "the shared corpus is missing at \(Repo.corpus.path)")
        var fast = 0
        for f in files { fast += try CompletedHandshakeTests.compare(Repo.corpus.appendingPathComponent(f).path).fast }
        #expect(fast > 100)
    }

    /// Evidence out of packet order, and several at one packet: the rules' stable sort by packet.
    @Test func evidenceOrderAsTheRulesSortIt() throws {
        let conns = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
        let (c, h0) = try #require(conns.first { Diagnoser.succeeded($0.1) })
        func stamp(_ n: UInt64) -> PacketStamp { PacketStamp(number: n, time: Timestamp(seconds: 1_700_000_000, nanoseconds: UInt32(n))) }
        let orders: [[UInt64]] = [[5, 5, 5, 5, 5], [9, 1, 2, 3, 4], [1, 2, 2, 1, 1], [4, 3, 2, 1, 0], [3, 3, 1, 9, 1]]
        var h = h0
        for o in orders {
            h.clientHelloPacket = stamp(o[0]); h.serverHelloPacket = stamp(o[1]); h.certificatePacket = stamp(o[2])
            h.clientFinished = stamp(o[3]); h.serverFinished = stamp(o[4])
            h.alerts = []
            let rules = Builder.verdict(c, h, context: DiagnosisContext())
            let quick = try #require(Diagnoser.completedHandshake(c, h), "\(o)")
            #expect(quick == rules, "\(o)")
            #expect(quick.evidence.map(\.packet) == quick.evidence.map(\.packet).sorted())
        }
        // No certificate packet, no ServerHello packet, resumed, TLS 1.3, no SNI, GREASE suites, unknown names.
        h = h0
        h.certificatePacket = nil; h.serverHelloPacket = nil; h.resumed = true
        h.serverHello?.version = 0x0304; h.serverHello?.cipherSuite = 0x1a1a
        h.clientHello?.sni = nil; h.clientHello?.maxVersion = 0x7f1c
        h.clientHello?.cipherSuites = [0x0a0a, 0x1301, 0xfafa, 0x00ff, 0xabcd]
        let rules = Builder.verdict(c, h, context: DiagnosisContext())
        #expect(Diagnoser.completedHandshake(c, h) == rules)
        #expect(rules.outcome == .success)
        // Not completed, or a rule before 7 applies: no answer.
        var refused = h0
        refused.preambleResult = .refused
        #expect(Diagnoser.completedHandshake(c, refused) == nil)
        var unfinished = h0
        unfinished.serverFinished = nil
        #expect(Diagnoser.completedHandshake(c, unfinished) == nil)
        var noHello = h0
        noHello.clientHello = nil
        #expect(Diagnoser.completedHandshake(c, noHello) == nil)
    }
}

/// A report session's `VerdictTexts` hands verdicts texts made for earlier ones (alert summaries,
/// unrecognized_name texts, hint lists, durations, certificate checks): every verdict given with
/// one shared over all the captures' and the corpus's connections, in every context, must be the
/// verdict made without it.
@Suite struct VerdictTextsTests {
    static func compare(_ paths: [String], texts: VerdictTexts) throws -> (verdicts: Int, failures: Int) {
        var verdicts = 0, failures = 0
        for path in paths {
            let conns = SpillTests.connections(path)
            // Also a knowledge of the same generation as the contexts' (as many successes) but
            // other tallies (the last success over and over): remembered hints of the one must
            // not be handed to the other.
            var contexts = CompletedHandshakeTests.contexts(conns)
            let successes = conns.filter { Diagnoser.succeeded($0.1) }
            if let last = successes.last, successes.count > 1 {
                var other = ServerKnowledge()
                for _ in successes { other.addSuccess(server: last.0.server, last.1) }
                contexts.append(DiagnosisContext(knowledge: other, captureEnd: conns.map(\.0.last.time).max()))
            }
            for ctx in contexts {
                var remembering = ctx
                remembering.texts = texts
                // Twice over: made, then remembered.
                for _ in 0..<2 {
                    for (i, (c, h)) in conns.enumerated() {
                        let plain = Builder.verdict(c, h, context: ctx)
                        let shared = Builder.verdict(c, h, context: remembering)
                        #expect(shared == plain, "\(path) #\(i)")
                        #expect(try CompletedHandshakeTests.json(shared) == CompletedHandshakeTests.json(plain), "\(path) #\(i)")
                        verdicts += 1
                        if plain.outcome == .failure { failures += 1 }
                    }
                }
            }
        }
        return (verdicts, failures)
    }

    /// Texts around a duration, remembered by their wording's tag and the duration's key: always
    /// the text made from that tag and the duration's own text, whatever was remembered before
    /// (durations that round alike share an entry; other tags and slots taken by others do not).
    @Test func timedTextsAreTheTextsOfTheirTagAndDuration() {
        let texts = VerdictTexts()
        var durations: [Int64] = Array(stride(from: Int64(0), through: 25_000_000, by: 7_919))
        durations += [-1, -999, -1_000_000, 999, 1_000, 999_999, 1_000_000, 999_999_999, 1_000_000_000, 86_400_000_000_000, .max, .min]
        let tags: [UInt64] = [1, 1 | 0x100 | 40 << 16, 2 | 0x100, 2 | 0x300, 3, 5]
        var made = 0, asked = 0
        for _ in 0..<2 {
            for ns in durations {
                for tag in tags {
                    asked += 1
                    let t = texts.timed(tag, ns) { made += 1; return "\(tag): \($0)" }
                    #expect(t == "\(tag): \(Builder.formatDuration(ns))", "\(tag) \(ns)")
                }
            }
        }
        #expect(made < asked / 2, "made \(made) of \(asked)")
    }

    /// Events whose descriptions' bits are equal have the same description; an event whose
    /// description has text of its own has none.
    @Test func describeBitsStandForTheDescription() {
        var events: [TimelineEvent] = []
        let stamp = PacketStamp(number: 7, time: Timestamp(seconds: 1, nanoseconds: 0))
        var kinds: [TimelineEvent.Kind] = [.syn, .synAck, .fin, .rst, .clientHello, .serverHello, .helloRetryRequest, .changeCipherSpec,
                                           .applicationData(length: 5), .applicationData(length: 900), .encryptedAlert(length: 2),
                                           .encryptedAlert(length: 26), .notTLS(sample: "GET"), .notTLS(sample: "SSH-2.0"),
                                           .malformed(reason: "bad", offset: 1), .malformed(reason: "worse", offset: 9),
                                           .gap(offset: 0, length: 3), .preambleCommand("STARTTLS"), .preambleReply("220 ready"),
                                           .encryptedRecord(contentType: 23, length: Int(UInt32.max) + 1), .encryptedRecord(contentType: 23, length: -1)]
        for t: UInt8 in [0, 1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24, 255] { kinds.append(.handshake(type: t)) }
        for d: UInt8 in [0, 10, 40, 42, 48, 70, 112, 200] { kinds.append(.alert(level: 2, description: d)); kinds.append(.alert(level: 1, description: d)) }
        for len in [0, 1, 22, 53, 255, 256, 16_401, Int(UInt32.max)] {
            kinds.append(.encryptedRecord(contentType: 22, length: len)); kinds.append(.encryptedRecord(contentType: 23, length: len))
        }
        for k in kinds { for side in [Side.client, .server] { events.append(TimelineEvent(side: side, packet: stamp, kind: k)) } }
        var byBits: [UInt64: String] = [:]
        var none = 0
        for e in events {
            let text = Builder.describe(e)
            guard let bits = Builder.describeBits(e) else {
                switch e.kind {
                case .preambleCommand, .preambleReply, .encryptedRecord: none += 1
                default: Issue.record("no bits for \(e.kind)")
                }
                continue
            }
            #expect(bits >> 40 == 0, "\(e.kind)")
            if let seen = byBits[bits] { #expect(seen == text, "\(e.side) \(e.kind)") } else { byBits[bits] = text }
        }
        #expect(none == 8)  // the preamble's texts, and lengths beyond 32 bits, on both sides
        #expect(byBits.count > 40)
    }

    @Test func sameVerdictsOnEveryCaptureAndTheCorpus() throws {
        let texts = VerdictTexts()
        let captures = try CompletedHandshakeTests.compareInputs()
        let r = try VerdictTextsTests.compare(captures, texts: texts)
        #expect(r.verdicts > 1_000)
        #expect(r.failures > 100)
    }
}

extension CompletedHandshakeTests {
    /// Every capture of Captures/ and of the shared corpus, by path.
    static func compareInputs() throws -> [String] {
        let corpus = SpillTests.corpusFiles()
        #expect(corpus.count >= 100, "the shared corpus is missing at \(Repo.corpus.path)")
        return SpillTests.captureFiles().map { Repo.capture($0) } + corpus.map { Repo.corpus.appendingPathComponent($0).path }
    }
}

/// Two knowledge values that went apart (a copy, then each given a success) never look alike to the
/// cross-connection memo: equal lineage and generation only for values with the same successes.
@Test("a copied ServerKnowledge changed apart from its original gets a lineage of its own")
func knowledgeLineagesSplitOnChange() throws {
    let conns = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
    let (c, h) = try #require(conns.first { Diagnoser.succeeded($0.1) })
    var a = ServerKnowledge()
    #expect(a.lineage == nil && a.generation == 0)
    a.addSuccess(server: c.server, h)
    // (Its identifier only: holding the lineage would make it shared.)
    let first = ObjectIdentifier(try #require(a.lineage))
    a.addSuccess(server: c.server, h)
    #expect(a.lineage.map(ObjectIdentifier.init) == first && a.generation == 2)   // not copied: the same lineage goes on
    var b = a                                                // a copy: the same values so far
    #expect(b.lineage === a.lineage && b.generation == a.generation)
    a.addSuccess(server: c.server, h)
    var other = c.server
    other.port &+= 1
    b.addSuccess(server: other, h)
    // Both at generation 3, with different successes: their lineages differ.
    #expect(a.generation == b.generation)
    #expect(a.lineage !== b.lineage)
    // A failure does not change the success tallies: nor the lineage or generation.
    let (g, l) = (b.generation, b.lineage)
    b.addFailure(server: other)
    #expect(b.generation == g && b.lineage === l)
}
