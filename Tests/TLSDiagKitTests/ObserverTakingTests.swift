import Testing
import NetCore
import FlowTrack
import PacketDecode
import PcapIO
@testable import Handshake

/// `HandshakeObserver.finishing(at:_:)`, what the analyzer's `FlowTable.onFinishedTaking` calls: the
/// facts moved out of the observer where it lies, the rest let go of.
@Suite("Observer taken where it lies")
struct ObserverTakingTests {
    /// `finishing(at:_:)` deinitializes nothing but `facts` (moved out) and `work` (set to nil): any
    /// other stored property holding a reference would leak. This holds it to that: the stored
    /// properties are exactly these, and all but those two hold no reference.
    @Test func onlyFactsAndWorkHoldReferences() {
        let o = HandshakeObserver(serverPort: 443)
        let labels = Mirror(reflecting: o).children.compactMap(\.label)
        #expect(labels.sorted() == ["clientAfterFlight", "facts", "phase", "released", "serverAfterClientFlight",
                                    "serverPort", "tls13", "work"])
        #expect(_isPOD(HandshakeObserver.Phase.self))
        #expect(_isPOD(UInt16.self) && _isPOD(Bool.self))
        #expect(_isPOD(HandshakeObserver.FlightNote.self))
        #expect(type(of: o.clientAfterFlight) == HandshakeObserver.FlightNote.self)
        #expect(type(of: o.serverAfterClientFlight) == HandshakeObserver.FlightNote.self)
        #expect(type(of: o.phase) == HandshakeObserver.Phase.self)
        #expect(type(of: o.serverPort) == UInt16.self)
        #expect(type(of: o.released) == Bool.self && type(of: o.tls13) == Bool.self)
        #expect(!_isPOD(HandshakeFacts.self))
    }

    /// The same facts as `finishing(_:)` of a copy, for every connection of every capture.
    @Test func takingGivesWhatFinishingGivesOnEveryCapture() throws {
        let paths = try allCapturePaths()
        #expect(paths.count > 50)
        var connections = 0, tls13 = 0
        for path in paths {
            guard let reader = try? CaptureReader(path: path) else { Issue.record("\(path) unreadable"); continue }
            var decoder = PacketDecoder(linkType: reader.linkType)
            var pairs: [(HandshakeFacts, HandshakeFacts)] = []
            let table = FlowTable<HandshakeObserver> { _, _ in Issue.record("onFinished called") }
            table.onFinishedTaking = { facts, slot in
                let copy = slot.pointee
                if copy.tls13 { tls13 += 1 }
                pairs.append((copy.finishing(facts), HandshakeObserver.finishing(at: slot, facts)))
            }
            while let p = try? reader.next() {
                if case .packet(let d, let payload) = decoder.decode(p.bytes, wireLength: p.wireLength, time: p.stamp.time) {
                    table.process(d, payload: payload, stamp: p.stamp)
                }
            }
            table.finishAll()
            for (a, b) in pairs {
                #expect(a == b, "\(path)")
            }
            connections += pairs.count
        }
        #expect(connections > 500)
        #expect(tls13 > 50)
    }
}
