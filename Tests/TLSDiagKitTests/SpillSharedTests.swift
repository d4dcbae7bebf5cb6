import Foundation
import Testing
import NetCore
import FlowTrack
@_spi(Spill) import Handshake
@testable import TLSDiagKit

/// The spill's shortcuts: values that many waiting failures share (a ClientHello's common part, a
/// certificate chain) written as an index into `SpillSharedValues`, the timeline written as its
/// packed events, ConnectionFacts as a fixed block, a hello's own values set in one box. Each must
/// give back every fact exactly, with each optional present and absent, and refuse damaged bytes.
@Suite struct SpillSharedTests {
    // MARK: Helpers

    /// Encodes the connections one after another with `table` (nil: none), as `FailureSpool` does.
    static func encode(_ list: [(ConnectionFacts, HandshakeFacts)], table: SpillSharedValues?) -> [[UInt8]] {
        var w = SpillWriter(capacity: 64)
        w.shared = table
        var out: [[UInt8]] = []
        for (c, h) in list {
            w.removeAll()
            SpillCodec.write(c, &w)
            SpillCodec.write(h, &w)
            out.append(Array(w.bytes))
        }
        return out
    }

    static func decode(_ bytes: [UInt8], table: SpillSharedValues?) throws -> (ConnectionFacts, HandshakeFacts) {
        try bytes.withUnsafeBytes { raw in
            var r = SpillReader(raw)
            r.shared = table
            let c = try SpillCodec.readConnectionFacts(&r)
            var h = HandshakeFacts()
            try SpillCodec.readHandshakeFacts(&r, into: &h)
            guard r.remaining == 0 else { throw SpillError.malformed }
            return (c, h)
        }
    }

    /// The facts come back equal (and equal as JSON bytes) with and without a shared table, and
    /// through a spool whose every record goes through its file.
    static func expectRoundTrips(_ list: [(ConnectionFacts, HandshakeFacts)], _ label: String) throws {
        let table = SpillSharedValues()
        for useTable in [false, true] {
            let encoded = encode(list, table: useTable ? table : nil)
            for (i, ((c, h), bytes)) in zip(list, encoded).enumerated() {
                let (c2, h2) = try decode(bytes, table: useTable ? table : nil)
                #expect(c2 == c, "\(label) #\(i) table \(useTable): ConnectionFacts")
                #expect(h2 == h, "\(label) #\(i) table \(useTable): HandshakeFacts")
                #expect(try SpillTests.json(c2) == SpillTests.json(c), "\(label) #\(i): ConnectionFacts bytes")
                #expect(try SpillTests.json(h2) == SpillTests.json(h), "\(label) #\(i): HandshakeFacts bytes")
            }
        }
        let spool = FailureSpool(directory: nil, batchBytes: 1)
        for (c, h) in list { spool.append(capture: "x", facts: c, handshake: h) }
        var got: [(ConnectionFacts, HandshakeFacts)] = []
        #expect(spool.drain { _, c, h in got.append((c, h)) } == 0)
        #expect(got.count == list.count, "\(label): spool")
        for (i, (a, b)) in zip(got, list).enumerated() {
            #expect(a.0 == b.0 && a.1 == b.1, "\(label) #\(i): through the spool")
        }
    }

    static let stamp = PacketStamp(number: 77, time: Timestamp(seconds: 1_700_000_000, nanoseconds: 5))

    // MARK: Optionals

    /// Starting from everything set, each optional made absent alone; starting from nothing set,
    /// each made present alone.
    @Test func eachOptionalPresentAndAbsentRoundTrips() throws {
        let (full, fullH) = SpillTests.everythingSet()
        let bare = ConnectionFacts(client: Endpoint(address: IPAddress(v4: 0x0a00_0001), port: 50_000),
                                   server: Endpoint(address: IPAddress(v4: 0x0a00_0002), port: 3389),
                                   roleSource: .syn, first: Self.stamp)
        typealias Change = (inout ConnectionFacts, inout HandshakeFacts) -> Void
        let absent: [(String, Change)] = [
            ("client firstSyn", { c, _ in c.clientSide.firstSyn = nil }), ("client firstFin", { c, _ in c.clientSide.firstFin = nil }),
            ("client firstRst", { c, _ in c.clientSide.firstRst = nil }), ("client gaps", { c, _ in c.clientSide.gaps = [] }),
            ("server firstSyn", { c, _ in c.serverSide.firstSyn = nil }), ("endReason", { c, _ in c.endReason = nil }),
            ("preamble", { _, h in h.preamble = nil }), ("preambleResult", { _, h in h.preambleResult = nil }),
            ("clientNotTLS", { _, h in h.clientNotTLS = nil }), ("serverNotTLS", { _, h in h.serverNotTLS = nil }),
            ("clientHello", { _, h in h.clientHello = nil }), ("clientHelloPacket", { _, h in h.clientHelloPacket = nil }),
            ("clientHelloLost", { _, h in h.clientHelloLost = nil }), ("secondClientHello", { _, h in h.secondClientHello = nil }),
            ("helloRetryRequest", { _, h in h.helloRetryRequest = nil }), ("serverHello", { _, h in h.serverHello = nil }),
            ("serverHelloPacket", { _, h in h.serverHelloPacket = nil }), ("serverHelloLost", { _, h in h.serverHelloLost = nil }),
            ("certificates", { _, h in h.certificates = [] }), ("certificatePacket", { _, h in h.certificatePacket = nil }),
            ("clientCertificates", { _, h in h.clientCertificates = nil }), ("keyExchange", { _, h in h.keyExchange = nil }),
            ("alerts", { _, h in h.alerts = [] }), ("clientFinished", { _, h in h.clientFinished = nil }),
            ("serverFinished", { _, h in h.serverFinished = nil }), ("clientAppData", { _, h in h.clientAppData = nil }),
            ("serverAppData", { _, h in h.serverAppData = nil }), ("timeline", { _, h in h.timeline = [] }),
            ("parseErrors", { _, h in h.parseErrors = [] }), ("timelineDropped", { _, h in h.timelineDropped = 0 }),
            ("sni", { _, h in h.clientHello?.sni = nil }), ("pskIdentities", { _, h in h.clientHello?.pskIdentities = nil }),
            ("ja3 and ja4", { _, h in h.clientHello?.ja3 = nil; h.clientHello?.ja4 = nil }),
            ("session id", { _, h in h.clientHello?.sessionID = [] }),
        ]
        var list: [(ConnectionFacts, HandshakeFacts)] = [(full, fullH)]
        for (_, change) in absent {
            var c = full, h = fullH
            change(&c, &h)
            list.append((c, h))
        }
        try Self.expectRoundTrips(list, "absent one by one")

        var hello = ClientHelloInfo()
        hello.cipherSuites = [0x1301, 0x1302]
        let present: [(String, Change)] = [
            ("client firstSyn", { c, _ in c.clientSide.firstSyn = Self.stamp }), ("client firstFin", { c, _ in c.clientSide.firstFin = Self.stamp }),
            ("client firstRst", { c, _ in c.clientSide.firstRst = Self.stamp }), ("server firstSyn", { c, _ in c.serverSide.firstSyn = Self.stamp }),
            ("server firstFin", { c, _ in c.serverSide.firstFin = Self.stamp }), ("server firstRst", { c, _ in c.serverSide.firstRst = Self.stamp }),
            ("server gaps", { c, _ in c.serverSide.gaps = [Gap(offset: 1, length: 2)] }), ("endReason", { c, _ in c.endReason = .captureEnd }),
            ("flags", { c, _ in c.refused = true; c.settled = true }), ("IPv6", { c, _ in c.server.address = IPAddress(v6High: 1, v6Low: 2) }),
            ("clientHello", { _, h in h.clientHello = hello }), ("clientHelloPacket", { _, h in h.clientHelloPacket = Self.stamp }),
            ("secondClientHello", { _, h in h.secondClientHello = hello }), ("serverHello", { _, h in h.serverHello = ServerHelloInfo() }),
            ("certificates", { _, h in h.certificates = [CertificateInfo()] }), ("clientCertificates", { _, h in h.clientCertificates = [CertificateInfo()] }),
            ("keyExchange", { _, h in h.keyExchange = KeyExchangeInfo(kind: "ECDHE") }), ("serverAppData", { _, h in h.serverAppData = Self.stamp }),
            ("one packed event", { _, h in h.timeline = [TimelineEvent(side: .server, packet: Self.stamp, kind: .rst)] }),
            ("one wide event", { _, h in h.timeline = [TimelineEvent(side: .client, packet: Self.stamp, kind: .notTLS(sample: "x"))] }),
            ("parseErrors", { _, h in h.parseErrors = ["e"] }),
        ]
        list = [(bare, HandshakeFacts())]
        for (_, change) in present {
            var c = bare, h = HandshakeFacts()
            change(&c, &h)
            list.append((c, h))
        }
        try Self.expectRoundTrips(list, "present one by one")
    }

    /// legacy_session_id of every length up to 32 is stored in place; a longer one (set by hand)
    /// in an array: both come back.
    @Test(arguments: [0, 1, 7, 8, 31, 32, 33, 64])
    func sessionIDsOfEveryLengthRoundTrip(length: Int) throws {
        var (c, h) = SpillTests.everythingSet()
        h.clientHello?.sessionID = (0..<length).map { UInt8(truncatingIfNeeded: 0xa5 &+ $0) }
        h.clientHello?.sessionIDLength = length
        try Self.expectRoundTrips([(c, h), (c, h)], "session id of \(length)")
        c.clientSide.gaps = []
        let table = SpillSharedValues()
        let (_, back) = try Self.decode(Self.encode([(c, h)], table: table)[0], table: table)
        #expect(back.clientHello?.sessionID == h.clientHello?.sessionID && back.clientHello?.sessionID.count == length)
    }

    // MARK: The shared table

    /// Every connection of captures whose clients and servers repeat, through one table: each
    /// comes back exactly, hellos and chains are kept once per shared value, and what comes back
    /// shares the kept storage (no copy) while the connection's own values are its own.
    @Test func sharedValuesAreKeptOnceAndComeBackExactly() throws {
        // Every connection of the captures, then each again with its own values changed (another
        // connection of the same client to the same server).
        var list: [(ConnectionFacts, HandshakeFacts)] = []
        for f in SpillTests.captureFiles() { list += SpillTests.connections(Repo.capture(f)) }
        list += list.enumerated().map { i, x in (x.0, x.1.clientHello == nil ? x.1 : SpillHelloMemoTests.ownValuesChanged(x.1, i)) }
        let hellos = list.filter { $0.1.clientHello != nil }.count
        let chains = list.filter { !$0.1.certificates.isEmpty }.count
        #expect(hellos > 80 && chains > 10, "\(hellos) hellos, \(chains) chains")
        let table = SpillSharedValues()
        let encoded = Self.encode(list, table: table)
        #expect(table.hellos.count >= 1 && table.hellos.count < hellos)
        #expect(table.chains.count >= 1 && table.chains.count < chains)
        // The first record of a kept value gets the value; the others a copy made when it is met
        // again (not the observer's storage, which a batch's threads share), shared among them.
        var originals = 0, copies: Set<ObjectIdentifier> = [], decodedHellos = 0
        var originalChains = 0, copiedChains: Set<UInt> = [], decodedChains = 0
        for (i, ((c, h), bytes)) in zip(list, encoded).enumerated() {
            let (c2, h2) = try Self.decode(bytes, table: table)
            #expect(c2 == c && h2 == h, "#\(i)")
            for (decoded, original) in [(h2.clientHello, h.clientHello), (h2.secondClientHello, h.secondClientHello)] {
                guard let hello = decoded, let original else { continue }
                decodedHellos += 1
                let id = ObjectIdentifier(hello.sharedIdentity)
                if id == ObjectIdentifier(original.sharedIdentity) { originals += 1 } else { copies.insert(id) }
                #expect(hello.sni == original.sni && hello.sessionID == original.sessionID && hello.size == original.size)
            }
            if !h2.certificates.isEmpty {
                decodedChains += 1
                let a = UInt(bitPattern: h2.certificates.withUnsafeBufferPointer { $0.baseAddress })
                let b = UInt(bitPattern: h.certificates.withUnsafeBufferPointer { $0.baseAddress })
                if a == b { originalChains += 1 } else { copiedChains.insert(a) }
            }
        }
        #expect(originals == table.hellos.count && decodedHellos - originals == table.helloHits)
        #expect(!copies.isEmpty && copies.count <= table.hellos.count)
        #expect(copies == Set(table.hellos.map { ObjectIdentifier($0.sharedIdentity) }).intersection(copies))
        #expect(originalChains == table.chains.count && decodedChains - originalChains == table.chainHits)
        #expect(!copiedChains.isEmpty && copiedChains.count <= table.chains.count)
        #expect(table.helloHits > 0 && table.chainHits > 0)
        // Records are shorter with the table.
        let plain = Self.encode(list, table: nil)
        #expect(encoded.map(\.count).reduce(0, +) < plain.map(\.count).reduce(0, +))
    }

    /// A hello or chain changed after another was kept has storage of its own: a new entry, never
    /// the other's.
    @Test func aChangedValueIsNotTakenForTheKeptOne() throws {
        let list = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
        let (c, h) = try #require(list.first { $0.1.clientHello != nil && !$0.1.certificates.isEmpty })
        var other = h
        other.clientHello?.cipherSuites.append(0x1301)
        other.certificates[0].subject += "x"
        let table = SpillSharedValues()
        let encoded = Self.encode([(c, h), (c, other), (c, h)], table: table)
        #expect(table.hellos.count == 2 && table.chains.count == 2)
        #expect(encoded[0] == encoded[2])
        #expect(try Self.decode(encoded[1], table: table).1 == other)
        #expect(try Self.decode(encoded[0], table: table).1 == h)
    }

    /// Past its entries or bytes, the table keeps no more: values are encoded in their records,
    /// and everything still comes back.
    @Test(arguments: [(1, 1 << 20), (1024, 0), (2, 600)])
    func aFullTableFallsBackToEncoding(maxEntries: Int, maxBytes: Int) throws {
        var list: [(ConnectionFacts, HandshakeFacts)] = []
        for f in SpillTests.captureFiles().prefix(20) { list += SpillTests.connections(Repo.capture(f)) }
        let table = SpillSharedValues(maxEntries: maxEntries, maxBytes: maxBytes)
        let encoded = Self.encode(list, table: table)
        #expect(table.hellos.count <= maxEntries && table.chains.count <= maxEntries)
        if maxBytes == 0 { #expect(table.hellos.isEmpty && table.chains.isEmpty) }
        for (i, ((c, h), bytes)) in zip(list, encoded).enumerated() {
            let (c2, h2) = try Self.decode(bytes, table: table)
            #expect(c2 == c && h2 == h, "#\(i)")
        }
    }

    /// An index past the table, or an index read without the table, is an error.
    @Test func indexesWithoutTheirValueAreRefused() throws {
        let list = SpillTests.connections(Repo.capture("02-ok-tls12-ecdhe-rsa.pcap"))
        let (c, h) = try #require(list.first { $0.1.clientHello != nil && !$0.1.certificates.isEmpty })
        let table = SpillSharedValues()
        let bytes = Self.encode([(c, h)], table: table)[0]
        #expect(throws: SpillError.malformed) { _ = try Self.decode(bytes, table: nil) }
        #expect(throws: SpillError.malformed) { _ = try Self.decode(bytes, table: SpillSharedValues()) }
        #expect(throws: (any Error).self) { _ = try Self.decode(Array(bytes.dropLast()), table: table) }
        #expect(try Self.decode(bytes, table: table).1 == h)
    }

    // MARK: The packed timeline

    /// The packed events as the facts store them, set again: only what appending events makes is
    /// taken; anything else is refused and leaves the timeline as it was.
    @Test func packedEventsAreTakenOnlyAsAppendingMakesThem() throws {
        let (_, h) = SpillTests.everythingSet()
        var bytes: [UInt8] = []
        h.withPackedEvents { bytes = Array($0) }
        let size = HandshakeFacts.packedEventBytes
        #expect(size == 24 && bytes.count == h.timeline.count * size)
        let wide = h.wideTimelineEvents
        #expect(!wide.isEmpty)
        var back = HandshakeFacts()
        #expect(bytes.withUnsafeBytes { back.setPackedEvents($0, wide: wide) })
        #expect(back.timeline == h.timeline)

        let original = HandshakeFacts().timeline
        func refused(_ b: [UInt8], _ w: [TimelineEvent], _ label: String) {
            var x = HandshakeFacts()
            #expect(!b.withUnsafeBytes { x.setPackedEvents($0, wide: w) }, "\(label)")
            #expect(x.timeline == original, "\(label): unchanged")
        }
        // Offsets in an event: 16 tag, 17 a, 18 b, 19 unused, 20 value, 12 number.
        let syn = 0, wideAt = try #require((0..<h.timeline.count).first { bytes[$0 * size + 16] == 127 })
        var b = bytes; b[syn * size + 16] = 13; refused(b, wide, "unknown tag")
        b = bytes; b[syn * size + 16] = 0x80 | 13; refused(b, wide, "unknown tag, server side")
        b = bytes; b[syn * size + 19] = 1; refused(b, wide, "unused byte")
        b = bytes; b[syn * size + 17] = 1; refused(b, wide, "a value a SYN has not")
        b = bytes; b[syn * size + 20] = 1; refused(b, wide, "a length a SYN has not")
        b = bytes; b[wideAt * size + 20] = 99; refused(b, wide, "wide index past the list")
        b = bytes; b[wideAt * size + 16] = 0xff; refused(b, wide, "wide event with a side bit")
        b = bytes; b[wideAt * size + 12] = 1; refused(b, wide, "wide event with a packet number")
        refused(bytes, Array(wide.dropLast()), "fewer wide events than referred to")
        refused(bytes, wide + wide, "more wide events than referred to")
        refused(Array(bytes.dropLast()), wide, "a cut event")
    }

    /// Every kind of event, packed and wide, from every capture, comes back in order.
    @Test func timelinesOfEveryCaptureRoundTrip() throws {
        var events = 0, wide = 0
        for f in SpillTests.captureFiles() {
            for (c, h) in SpillTests.connections(Repo.capture(f)) {
                let (_, h2) = try Self.decode(Self.encode([(c, h)], table: nil)[0], table: nil)
                #expect(h2.timeline == h.timeline, "\(f)")
                events += h.timeline.count
                wide += h.wideTimelineEvents.count
            }
        }
        #expect(events > 500 && wide > 0)
    }
}
