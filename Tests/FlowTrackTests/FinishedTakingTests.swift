import Testing
import NetCore
import PacketDecode
@testable import FlowTrack

/// `FlowTable.onFinishedTaking`: when set, it replaces `onFinished`, once per connection, with the
/// same facts and the same observer (handed over where it lies, taken by the callee).
@Suite struct FinishedTaking {
    /// Two connections: one closed by FINs with data both ways, one reset; then the capture ends.
    func drive(_ h: Harness) {
        let p = Pair()
        p.handshake(h)
        p.clientData(h, at: 0, helloBytes(300))
        p.serverData(h, at: 0, helloBytes(120, seed: 9), ackClient: 300)
        h.tcp(p.c, p.s, seq: p.cs(300), ack: p.ss(120), finAck)
        h.tcp(p.s, p.c, seq: p.ss(120), ack: p.cs(301), finAck)
        let q = Pair(c: ep("10.0.0.3", 40000), s: ep("10.0.0.4", 3389), cISN: 77, sISN: 99)
        q.handshake(h)
        q.clientData(h, at: 0, [3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0])
        h.tcp(q.s, q.c, seq: q.ss(0), ack: q.cs(11), rstAck)
        h.table.finishAll()
    }

    @Test func replacesOnFinishedWithTheSameFactsAndObserver() throws {
        let byValue = Harness()
        drive(byValue)

        let inPlace = Harness()
        var lent: [(facts: ConnectionFacts, calls: [Call])] = []
        inPlace.table.onFinishedTaking = { facts, slot in
            let observer = slot.move()  // the callee takes it
            lent.append((facts, observer.calls))
        }
        drive(inPlace)

        #expect(inPlace.log.finishedCount == 0)  // onFinished not called
        #expect(byValue.log.finishedCount == 2)
        #expect(lent.count == byValue.finished.count)
        for (a, b) in zip(lent, byValue.finished) {
            #expect(a.facts == b.facts)
            #expect(a.calls == b.observer.calls)
            #expect(!a.calls.isEmpty)
        }
        #expect(lent.map(\.facts.endReason) == [.closed, .closed])
        #expect(inPlace.table.activeConnections == 0)
    }

    @Test func givenAtInitItIsTheSameAsSetAfterwards() {
        let byValue = Harness()
        drive(byValue)

        var lent: [(facts: ConnectionFacts, calls: [Call])] = []
        let atInit = Harness(taking: { facts, slot in
            let observer = slot.move()
            lent.append((facts, observer.calls))
        })
        #expect(atInit.table.onFinishedTaking != nil)
        drive(atInit)

        #expect(atInit.log.finishedCount == 0)
        #expect(lent.count == 2 && lent.count == byValue.finished.count)
        for (a, b) in zip(lent, byValue.finished) {
            #expect(a.facts == b.facts)
            #expect(a.calls == b.observer.calls)
        }
        #expect(atInit.table.activeConnections == 0)
    }

    @Test("given at init, it is replaced by setting onFinished or onFinishedTaking", arguments: [false, true])
    func givenAtInitItIsReplaced(byTaking: Bool) {
        var initCalls = 0, laterCalls = 0
        let h = Harness(taking: { _, slot in initCalls += 1; slot.deinitialize(count: 1) })
        if byTaking {
            h.table.onFinishedTaking = { _, slot in laterCalls += 1; slot.deinitialize(count: 1) }
            #expect(h.table.onFinishedTaking != nil)
        } else {
            h.table.onFinished = { _, _ in laterCalls += 1 }
            #expect(h.table.onFinishedTaking == nil)
        }
        drive(h)
        #expect(initCalls == 0)
        #expect(laterCalls == 2)
    }

    @Test func settingOnFinishedAfterwardsClearsIt() {
        let h = Harness()
        var inPlaceCalls = 0
        h.table.onFinishedTaking = { _, slot in inPlaceCalls += 1; slot.deinitialize(count: 1) }
        let log = h.log
        h.table.onFinished = { _, _ in log.finishedCount += 1 }
        #expect(h.table.onFinishedTaking == nil)
        drive(h)
        #expect(inPlaceCalls == 0)
        #expect(h.log.finishedCount == 2)
    }
}
