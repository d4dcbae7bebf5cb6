import Foundation
import Testing
import NetCore
import FlowTrack
import Handshake
@testable import TLSDiagKit

/// Waiting failures whose ClientHellos share their common part (one client configuration) are read
/// back through `SpillHelloMemo`: each connection must still get exactly its own values.
@Suite struct SpillHelloMemoTests {
    /// Connections with a ClientHello from the repository's captures.
    static func helloConnections() -> [(ConnectionFacts, HandshakeFacts)] {
        var out: [(ConnectionFacts, HandshakeFacts)] = []
        for f in SpillTests.captureFiles() {
            for (c, h) in SpillTests.connections(Repo.capture(f)) where h.clientHello != nil { out.append((c, h)) }
        }
        return out
    }

    /// The same hello with the connection's own values changed (what differs between two
    /// connections of one client).
    static func ownValuesChanged(_ h: HandshakeFacts, _ i: Int) -> HandshakeFacts {
        var h = h
        var c = h.clientHello!
        c.recordVersion = UInt16(truncatingIfNeeded: 0x0300 &+ i)
        c.sni = i % 3 == 0 ? nil : "host\(i).example"
        c.pskIdentities = i % 2 == 0 ? nil : i
        c.sessionID = (0..<(i % 33)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
        c.sessionIDLength = c.sessionID.count
        c.hasEarlyData = i % 2 == 1
        c.echOuter = i % 4 == 1
        c.size = 500 + i; c.tcpSegments = 1 + i % 3; c.records = 1 + i % 2
        h.clientHello = c
        return h
    }

    @Test func sharedHellosComeBackWithTheirOwnValues() throws {
        let base = Self.helloConnections()
        #expect(base.count >= 40)
        var expected: [(ConnectionFacts, HandshakeFacts)] = []
        // Each connection, then variants of it: the common part repeats, the own values do not.
        for (i, (c, h)) in base.enumerated() {
            expected.append((c, h))
            for k in 1...3 { expected.append((c, Self.ownValuesChanged(h, i * 4 + k))) }
        }
        for batchBytes in [1, 1 << 20] {                     // through the file, and in memory
            let spool = FailureSpool(directory: nil, batchBytes: batchBytes)
            for (c, h) in expected { spool.append(capture: "x", facts: c, handshake: h) }
            var got: [(ConnectionFacts, HandshakeFacts)] = []
            let lost = spool.drain { _, c, h in got.append((c, h)) }
            #expect(lost == 0)
            #expect(got.count == expected.count)
            for (i, (a, b)) in zip(got, expected).enumerated() {
                #expect(a.0 == b.0, "#\(i): ConnectionFacts")
                #expect(a.1 == b.1, "#\(i): HandshakeFacts")
                #expect(a.1.clientHello?.sni == b.1.clientHello?.sni && a.1.clientHello?.sessionID == b.1.clientHello?.sessionID,
                        "#\(i): own values")
            }
            // The memo was used: every variant's common part was met before.
            #expect(spool.helloMemoHits >= 3 * base.count, "batch \(batchBytes): \(spool.helloMemoHits) hits")
        }
    }

    /// Failures repeated exactly (a client retrying) are read back as the hello and ServerHello
    /// read before from the same bytes; ones that differ only in one byte of their session id, the
    /// server name or the ServerHello's suite come back with their own values.
    @Test func repeatedFailuresShareWhatTheyRepeatAndKeepWhatDiffers() throws {
        let withServerHello = Self.helloConnections().filter { $0.1.serverHello != nil }
        let (c, h0) = try #require(withServerHello.first)
        var h = h0
        var hello = h.clientHello!
        hello.sessionID = Array(repeating: 7, count: 32); hello.sessionIDLength = 32; hello.sni = "a.example"
        h.clientHello = hello
        var otherID = h
        var hello2 = hello
        hello2.sessionID[31] = 8
        otherID.clientHello = hello2
        var otherName = h
        var hello3 = hello
        hello3.sni = "b.example"
        otherName.clientHello = hello3
        var otherSuite = h
        var server = h.serverHello!
        server.cipherSuite ^= 1
        otherSuite.serverHello = server
        let order = [h, h, otherID, h, otherName, otherSuite, h, otherSuite, otherID]
        for batchBytes in [1, 1 << 20] {
            let spool = FailureSpool(directory: nil, batchBytes: batchBytes)
            for x in order { spool.append(capture: "x", facts: c, handshake: x) }
            var got: [HandshakeFacts] = []
            #expect(spool.drain { _, _, x in got.append(x) } == 0)
            #expect(got.count == order.count)
            for (i, (a, b)) in zip(got, order).enumerated() {
                #expect(a == b, "#\(i)")
                #expect(a.clientHello?.sessionID == b.clientHello?.sessionID && a.clientHello?.sni == b.clientHello?.sni, "#\(i)")
                #expect(a.serverHello?.cipherSuite == b.serverHello?.cipherSuite, "#\(i)")
            }
            // h three times more, otherID once more: taken whole (the other hellos' common part from the table).
            #expect(spool.helloMemoHits >= 4, "batch \(batchBytes): \(spool.helloMemoHits) hits")
        }
    }

    @Test func aHelloChangedInItsCommonPartIsNotTakenFromTheMemo() throws {
        let (c, h) = try #require(Self.helloConnections().first)
        var other = h
        var hello = other.clientHello!
        hello.cipherSuites = hello.cipherSuites.reversed() + [0x1301]
        other.clientHello = hello
        var third = h
        var hello3 = third.clientHello!
        hello3.ja4 = (hello3.ja4 ?? "") + "x"
        third.clientHello = hello3
        let spool = FailureSpool(directory: nil, batchBytes: 1 << 20)
        for x in [h, other, third, h] { spool.append(capture: "x", facts: c, handshake: x) }
        var got: [HandshakeFacts] = []
        _ = spool.drain { _, _, x in got.append(x) }
        #expect(got.count == 4)
        #expect(got.count == 4 && got[0] == h && got[1] == other && got[2] == third && got[3] == h)
        #expect(spool.helloMemoHits == 1)
    }

    /// Entries whose keys collide are told apart by their bytes.
    @Test func collidingKeysFindTheirOwnHello() {
        let memo = SpillHelloMemo(key: { _ in 7 })
        var hellos: [ClientHelloInfo] = []
        for i in 0..<10 {
            var h = ClientHelloInfo()
            h.cipherSuites = [UInt16(i)]
            hellos.append(h)
            let bytes: [UInt8] = [UInt8(i), 9, 9]
            bytes.withUnsafeBytes { memo.keep($0, h) }
        }
        #expect(memo.count == 10)
        for i in (0..<10).reversed() {
            let bytes: [UInt8] = [UInt8(i), 9, 9]
            #expect(bytes.withUnsafeBytes { memo.hello($0) }?.cipherSuites == [UInt16(i)])
        }
        let longer: [UInt8] = [1, 9, 9, 9]
        #expect(longer.withUnsafeBytes { memo.hello($0) } == nil)
        let empty: [UInt8] = []
        #expect(empty.withUnsafeBytes { memo.hello($0) } == nil)
        #expect(memo.hits == 10)
    }

    @Test func theMemoStopsKeepingHellosThatDoNotRepeat() {
        let memo = SpillHelloMemo(maxBytes: 1 << 20)
        let hello = ClientHelloInfo()
        for i in 0..<200 {
            let bytes: [UInt8] = [UInt8(i & 0xff), UInt8(i >> 8), 1, 2, 3]
            bytes.withUnsafeBytes { b in
                #expect(memo.hello(b) == nil)
                memo.keep(b, hello)
            }
        }
        // 64 kept, then no more: none of them was met again.
        #expect(memo.count == 64 && memo.hits == 0)
        let first: [UInt8] = [0, 0, 1, 2, 3]
        #expect(first.withUnsafeBytes { memo.hello($0) } != nil)
        let notKept: [UInt8] = [100, 0, 1, 2, 3]
        #expect(notKept.withUnsafeBytes { memo.hello($0) } == nil)
    }
}
