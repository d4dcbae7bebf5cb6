import Foundation
import Testing
import NetCore
import Preambles
@testable import Handshake

// HandshakeFacts and ClientHelloInfo keep their values compactly (boxes, a packed timeline, a
// session id in place), behind the same public properties. These tests hold them to the values
// they were given, to the Codable form the structs had when they stored every property
// (batch stores them as JSON), and to value semantics.

/// ClientHelloInfo as it was: every property stored (the Codable form it must keep).
struct StoredClientHelloInfo: Codable, Equatable {
    var recordVersion: UInt16
    var legacyVersion: UInt16
    var maxVersion: UInt16
    var supportedVersions: [UInt16]
    var cipherSuites: [UInt16]
    var compressionMethods: [UInt8]
    var extensions: [UInt16]
    var sni: String?
    var alpn: [String]
    var supportedGroups: [UInt16]
    var keyShares: [ClientHelloInfo.KeyShare]
    var signatureAlgorithms: [UInt16]
    var signatureAlgorithmsCert: [UInt16]
    var ecPointFormats: [UInt8]
    var pskModes: [UInt8]
    var pskIdentities: Int?
    var sessionIDLength: Int
    var sessionID: [UInt8]
    var hasEarlyData: Bool
    var echOuter: Bool
    var size: Int
    var tcpSegments: Int
    var records: Int
    var sslv2Format: Bool
    var ja3: String?
    var ja3Hash: String?
    var ja4: String?
    var ja4r: String?
}

/// HandshakeFacts as it was: every property stored.
struct StoredHandshakeFacts: Codable, Equatable {
    var preamble: PreambleInfo?
    var preambleResult: PreambleResult?
    var clientSentTLS = false
    var serverSentTLS = false
    var clientNotTLS: String?
    var serverNotTLS: String?
    var clientHello: StoredClientHelloInfo?
    var clientHelloPacket: PacketStamp?
    var clientHelloLost: ClientHelloLoss?
    var beganMidStream = false
    var secondClientHello: StoredClientHelloInfo?
    var helloRetryRequest: ServerHelloInfo?
    var serverHello: ServerHelloInfo?
    var serverHelloPacket: PacketStamp?
    var serverHelloLost: ClientHelloLoss?
    var certificates: [CertificateInfo] = []
    var certificatePacket: PacketStamp?
    var clientCertificates: [CertificateInfo]?
    var keyExchange: KeyExchangeInfo?
    var certificateRequested = false
    var alerts: [AlertInfo] = []
    var clientFinished: PacketStamp?
    var serverFinished: PacketStamp?
    var clientAppData: PacketStamp?
    var serverAppData: PacketStamp?
    var resumed = false
    var timeline: [TimelineEvent] = []
    var timelineDropped = 0
    var parseErrors: [String] = []
}

func stamp(_ n: UInt64, _ s: Int64 = 1_700_000_000, _ ns: UInt32 = 123_456_789) -> PacketStamp {
    PacketStamp(number: n, time: Timestamp(seconds: s, nanoseconds: ns))
}

/// Every kind of timeline event, with values that fit a packed event and values that do not.
let everyTimelineEvent: [TimelineEvent] = [
    TimelineEvent(side: .client, packet: stamp(1), kind: .syn),
    TimelineEvent(side: .server, packet: stamp(2), kind: .synAck),
    TimelineEvent(side: .client, packet: stamp(3), kind: .preambleCommand("STARTTLS")),
    TimelineEvent(side: .server, packet: stamp(4), kind: .preambleReply("220 2.0.0 Ready to start TLS")),
    TimelineEvent(side: .client, packet: stamp(5), kind: .clientHello),
    TimelineEvent(side: .server, packet: stamp(6), kind: .helloRetryRequest),
    TimelineEvent(side: .server, packet: stamp(7), kind: .serverHello),
    TimelineEvent(side: .server, packet: stamp(7), kind: .handshake(type: 11)),
    TimelineEvent(side: .client, packet: stamp(8), kind: .changeCipherSpec),
    TimelineEvent(side: .client, packet: stamp(8), kind: .encryptedRecord(contentType: 22, length: 40)),
    TimelineEvent(side: .server, packet: stamp(9), kind: .applicationData(length: 16_401)),
    TimelineEvent(side: .server, packet: stamp(10), kind: .alert(level: 2, description: 40)),
    TimelineEvent(side: .client, packet: stamp(11), kind: .encryptedAlert(length: 19)),
    TimelineEvent(side: .client, packet: stamp(12), kind: .gap(offset: 1 << 40, length: 7)),
    TimelineEvent(side: .server, packet: stamp(13), kind: .notTLS(sample: "'HTTP/1.1 400 Bad Request'")),
    TimelineEvent(side: .client, packet: stamp(14), kind: .malformed(reason: "unreadable ClientHello", offset: 5)),
    TimelineEvent(side: .server, packet: stamp(15), kind: .fin),
    TimelineEvent(side: .client, packet: stamp(16), kind: .rst),
    // Past 32 bits: kept whole beside the packed events.
    TimelineEvent(side: .client, packet: stamp(1 << 33), kind: .clientHello),
    TimelineEvent(side: .server, packet: stamp(17), kind: .applicationData(length: Int(UInt32.max) + 1)),
    TimelineEvent(side: .server, packet: stamp(18), kind: .encryptedAlert(length: -1)),
    TimelineEvent(side: .client, packet: stamp(19, -5, 0), kind: .encryptedRecord(contentType: 23, length: 0)),
]

func sampleClientHello(sessionID: [UInt8]) -> ClientHelloInfo {
    var ch = ClientHelloInfo()
    ch.recordVersion = 0x0301
    ch.legacyVersion = 0x0303
    ch.maxVersion = 0x0304
    ch.supportedVersions = [0x0a0a, 0x0304, 0x0303]
    ch.cipherSuites = [0x1301, 0x1302, 0xc02b]
    ch.compressionMethods = [0]
    ch.extensions = [0, 10, 13, 43, 51]
    ch.sni = "a.very.long.server.name.example.org"
    ch.alpn = ["h2", "http/1.1"]
    ch.supportedGroups = [29, 23]
    ch.keyShares = [ClientHelloInfo.KeyShare(group: 29, keyLength: 32)]
    ch.signatureAlgorithms = [0x0403, 0x0804]
    ch.signatureAlgorithmsCert = [0x0403]
    ch.ecPointFormats = [0]
    ch.pskModes = [1]
    ch.pskIdentities = 1
    ch.sessionIDLength = sessionID.count
    ch.sessionID = sessionID
    ch.hasEarlyData = true
    ch.echOuter = true
    ch.size = 512
    ch.tcpSegments = 2
    ch.records = 1
    ch.ja3 = "771,4865-4866-49195,0-10-13-43-51,29-23,0"
    ch.ja3Hash = "0123456789abcdef0123456789abcdef"
    ch.ja4 = "t13d0305h2_aaaaaaaaaaaa_bbbbbbbbbbbb"
    ch.ja4r = "t13d0305h2_1301,1302,c02b_000a,000d,002b,0033_0403,0804"
    return ch
}

func sampleFacts() -> HandshakeFacts {
    var f = HandshakeFacts()
    var preamble = PreambleInfo(kind: .smtpStarttls)
    preamble.command = "STARTTLS"
    preamble.serverReply = "220 Ready"
    f.preamble = preamble
    f.preambleResult = .tls
    f.clientSentTLS = true
    f.serverSentTLS = true
    f.clientNotTLS = "'GET / HTTP/1.1'"
    f.serverNotTLS = nil
    f.clientHello = sampleClientHello(sessionID: Array(0..<32))
    f.clientHelloPacket = stamp(5)
    f.clientHelloLost = ClientHelloLoss(packet: stamp(5), lostBytes: 3, size: 300)
    f.beganMidStream = true
    f.secondClientHello = sampleClientHello(sessionID: Array(0..<40))  // longer than a real one
    var hrr = ServerHelloInfo()
    hrr.isHelloRetryRequest = true
    hrr.hrrSelectedGroup = 23
    f.helloRetryRequest = hrr
    var sh = ServerHelloInfo()
    sh.version = 0x0304
    sh.cipherSuite = 0x1301
    sh.extensions = [43, 51]
    sh.alpn = "h2"
    f.serverHello = sh
    f.serverHelloPacket = stamp(7)
    var cert = CertificateInfo()
    cert.subject = "CN=example"
    cert.subjectAltNames = ["DNS:example.org"]
    f.certificates = [cert]
    f.certificatePacket = stamp(7)
    f.clientCertificates = [cert]
    var kx = KeyExchangeInfo(kind: "ECDHE")
    kx.group = 29
    f.keyExchange = kx
    f.certificateRequested = true
    f.alerts = [AlertInfo(by: .server, level: 2, description: 40, encrypted: false, inferred: false, packet: stamp(10))]
    f.clientFinished = stamp(8)
    f.serverFinished = stamp(9)
    f.clientAppData = stamp(11)
    f.serverAppData = stamp(12)
    f.resumed = true
    f.timeline = everyTimelineEvent
    f.timelineDropped = 3
    f.parseErrors = ["client: unreadable ClientHello"]
    return f
}

@Suite("Handshake facts storage")
struct HandshakeFactsStorageTests {
    @Test func propertiesGiveBackWhatWasSet() {
        let f = sampleFacts()
        #expect(f.preamble?.command == "STARTTLS")
        #expect(f.clientNotTLS == "'GET / HTTP/1.1'" && f.serverNotTLS == nil)
        #expect(f.clientHello?.sessionID == Array(0..<32))
        #expect(f.secondClientHello?.sessionID == Array(0..<40))
        #expect(f.clientHello?.sni == "a.very.long.server.name.example.org")
        #expect(f.helloRetryRequest?.hrrSelectedGroup == 23)
        #expect(f.serverHello?.alpn == "h2")
        #expect(f.keyExchange?.group == 29)
        #expect(f.clientCertificates?.first?.subject == "CN=example")
        #expect(f.timeline == everyTimelineEvent)
        #expect(f.timelineDropped == 3)
        #expect(f.parseErrors == ["client: unreadable ClientHello"])
        // Rare values set back to nothing: the facts equal fresh ones again.
        var g = HandshakeFacts()
        g.preamble = PreambleInfo(kind: .rdp)
        g.parseErrors = ["x"]
        g.timeline = everyTimelineEvent
        g.preamble = nil
        g.parseErrors = []
        g.timeline = []
        #expect(g == HandshakeFacts())
        #expect(HandshakeFacts().timeline.isEmpty && HandshakeFacts().parseErrors.isEmpty)
    }

    /// The cheap checks answer what the getters they stand for would.
    func expectChecksAgree(_ f: HandshakeFacts, _ note: String) {
        #expect(f.hasPreamble == (f.preamble != nil), "\(note)")
        #expect(f.hasHelloRetryRequest == (f.helloRetryRequest != nil), "\(note)")
        #expect(f.hasSecondClientHello == (f.secondClientHello != nil), "\(note)")
        #expect(f.clientCertificateCount == f.clientCertificates?.count, "\(note)")
        if !f.mayHaveRareValues {
            #expect(f.preamble == nil && f.clientNotTLS == nil && f.serverNotTLS == nil && f.clientHelloLost == nil
                    && f.serverHelloLost == nil && f.secondClientHello == nil && f.helloRetryRequest == nil
                    && f.clientCertificates == nil && f.timelineDropped == 0 && f.parseErrors.isEmpty, "\(note)")
        }
    }

    @Test func cheapChecksAgreeWithTheGetters() {
        let fresh = HandshakeFacts()
        expectChecksAgree(fresh, "fresh")
        #expect(!fresh.mayHaveRareValues && !fresh.hasPreamble && fresh.clientCertificateCount == nil)
        let full = sampleFacts()
        expectChecksAgree(full, "sample")
        #expect(full.hasPreamble && full.hasHelloRetryRequest && full.hasSecondClientHello && full.mayHaveRareValues)
        #expect(full.clientCertificateCount == 1)
        // Setting nothing to nothing allocates no rare values.
        var g = HandshakeFacts()
        g.preamble = nil
        g.clientNotTLS = nil
        g.serverNotTLS = nil
        g.clientHelloLost = nil
        g.serverHelloLost = nil
        g.secondClientHello = nil
        g.helloRetryRequest = nil
        g.clientCertificates = nil
        g.timelineDropped = 0
        g.parseErrors = []
        #expect(!g.mayHaveRareValues)
        expectChecksAgree(g, "set to nothing")
        // Each value alone.
        var h = HandshakeFacts()
        h.clientCertificates = []
        expectChecksAgree(h, "no client certificates sent")
        #expect(h.clientCertificateCount == 0 && !h.hasPreamble)
        h.preamble = PreambleInfo(kind: .rdp)
        expectChecksAgree(h, "a preamble")
        h.preamble = nil
        expectChecksAgree(h, "the preamble taken back")
        #expect(!h.hasPreamble)
        var k = HandshakeFacts()
        k.helloRetryRequest = ServerHelloInfo()
        expectChecksAgree(k, "a HelloRetryRequest")
        k.secondClientHello = ClientHelloInfo()
        expectChecksAgree(k, "a second hello")
        // Wide timeline events (text) alone: the rare values exist, the getters still answer nil.
        var w = HandshakeFacts()
        w.timeline = everyTimelineEvent
        expectChecksAgree(w, "wide timeline events")
        #expect(w.timeline == everyTimelineEvent)
    }

    @Test func codableFormIsTheStoredOne() throws {
        let f = sampleFacts()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(f)
        let stored = try JSONDecoder().decode(StoredHandshakeFacts.self, from: json)
        #expect(try encoder.encode(stored) == json)
        #expect(stored.timeline == everyTimelineEvent)
        #expect(stored.clientHello?.sessionID == Array(0..<32))
        // And back: JSON written by the stored form reads into the same facts.
        #expect(try JSONDecoder().decode(HandshakeFacts.self, from: try encoder.encode(stored)) == f)
        #expect(try JSONDecoder().decode(HandshakeFacts.self, from: json) == f)
        // Fresh facts too (optional keys left out exactly as before).
        let empty = try encoder.encode(HandshakeFacts())
        #expect(try encoder.encode(try JSONDecoder().decode(StoredHandshakeFacts.self, from: empty)) == empty)
    }

    @Test func lastMessageIsTheLastTLSStepBeforeAPacket() {
        var f = HandshakeFacts()
        f.timeline = everyTimelineEvent
        for n: UInt64 in [0, 1, 2, 4, 5, 8, 12, 13, 16, 17, 1 << 33, .max] {
            let expected = everyTimelineEvent.last { e in
                guard e.packet.number <= n else { return false }
                switch e.kind {
                case .syn, .synAck, .fin, .rst, .gap: return false
                default: return true
                }
            }
            #expect(f.lastMessage(before: n) == expected, "before #\(n)")
        }
    }

    @Test func lastStepIsLastMessageAsPlainValues() {
        var f = HandshakeFacts()
        f.timeline = everyTimelineEvent
        var withText = 0, plain = 0
        for n: UInt64 in [0, 1, 2, 4, 5, 8, 12, 13, 16, 17, 1 << 33, .max] + (0...40).map(UInt64.init) {
            let message = f.lastMessage(before: n)
            let step = f.lastStep(before: n)
            #expect((message == nil) == (step == nil), "before #\(n)")
            guard let message, let step else { continue }
            #expect(step.side == message.side && step.packet == message.packet, "before #\(n)")
            switch message.kind {
            case .notTLS, .preambleCommand, .preambleReply, .malformed, .gap:
                #expect(step.kind == nil, "before #\(n)"); withText += 1
            default:
                #expect(step.kind == TimelineStep.Kind(message.kind) && step.kind != nil, "before #\(n)"); plain += 1
            }
        }
        #expect(withText > 0 && plain > 0)
    }

    /// A timeline with no wide event (no text, no gap) is searched in place by `lastStep`; it must
    /// find what `lastMessage` finds, before every packet.
    @Test func lastStepWithoutWideEventsIsLastMessage() {
        var f = HandshakeFacts()
        f.timeline = everyTimelineEvent.filter { TimelineStep.Kind($0.kind) != nil }
        #expect(f.timeline.count > 4)
        var found = 0
        for n: UInt64 in [0, 1, 2, 4, 5, 8, 12, 13, 16, 17, 1 << 33, .max] + (0...40).map(UInt64.init) {
            let message = f.lastMessage(before: n)
            let step = f.lastStep(before: n)
            #expect((message == nil) == (step == nil), "before #\(n)")
            guard let message, let step else { continue }
            #expect(step.side == message.side && step.packet == message.packet, "before #\(n)")
            #expect(step.kind == TimelineStep.Kind(message.kind) && step.kind != nil, "before #\(n)")
            found += 1
        }
        #expect(found > 0)
    }

    @Test func copiesAreIndependent() {
        let a = sampleClientHello(sessionID: [1, 2, 3])
        var b = a
        b.cipherSuites.append(0x00ff)
        b.sessionID = [9]
        b.sni = nil
        #expect(a.cipherSuites == [0x1301, 0x1302, 0xc02b] && a.sessionID == [1, 2, 3] && a.sni != nil)
        #expect(b.cipherSuites.last == 0x00ff && b.sessionID == [9] && b.sni == nil)
        #expect(a != b)

        let f = sampleFacts()
        var g = f
        g.parseErrors.append("more")
        g.timeline = Array(everyTimelineEvent.prefix(2))
        g.clientHello?.ja3 = nil
        #expect(f.parseErrors.count == 1 && f.timeline == everyTimelineEvent && f.clientHello?.ja3 != nil)
        #expect(g.parseErrors.count == 2 && g.timeline.count == 2 && g.clientHello?.ja3 == nil)
    }

    @Test func packedTimelineGrowsAndIsCopiedOnWrite() {
        var f = HandshakeFacts()
        f.events = HandshakeFacts.PackedEvents(capacity: 2)
        for n in 1...3 { f.append(.client, stamp(UInt64(n)), .applicationData(length: n)) }  // past its room
        let g = f
        f.append(.server, stamp(4), .fin)
        #expect(g.timeline.count == 3 && f.timeline.count == 4)
        #expect(Array(f.timeline.prefix(3)) == g.timeline)
        #expect(g.timeline.map(\.packet.number) == [1, 2, 3])
        #expect(f.timeline.last == TimelineEvent(side: .server, packet: stamp(4), kind: .fin))
        // Made from the events' bytes (as a spilled failure's are read back): the same events.
        var h = HandshakeFacts()
        f.events.withUnsafeBytes { h.events = HandshakeFacts.PackedEvents(bytes: $0, count: f.events.count) }
        #expect(h.timeline == f.timeline)
        #expect(h.events.capacity == 4)
    }

    @Test func memoisedHellosAreNotChangedThroughTheirCopies() throws {
        // A ClientHello (TLS 1.2 style, SNI, no extensions past it).
        let sni = Array("example.org".utf8)
        let serverName: [UInt8] = [0, 0, 0, UInt8(sni.count + 5), 0, UInt8(sni.count + 3), 0, 0, UInt8(sni.count)] + sni
        let body: [UInt8] = [3, 3] + [UInt8](repeating: 7, count: 32) + [0] + [0, 2, 0xc0, 0x2f] + [1, 0]
            + [0, UInt8(serverName.count)] + serverName
        let first = try #require(adapterClientHello(body))
        var copy = try #require(adapterClientHello(body))
        copy.cipherSuites = []
        copy.ja3 = "changed"
        let again = try #require(adapterClientHello(body))
        #expect(again == first)
        #expect(again.cipherSuites == [0xc02f] && again.sni == "example.org")
        #expect(copy.cipherSuites.isEmpty && copy.ja3 == "changed")
    }
}
