import Testing
import NetCore
@testable import FlowTrack

/// `FlowCore.finish` leaves a finished connection's facts undestroyed when neither gap list has
/// storage: that is right only while the gap lists are the facts' only references.
@Suite struct FactsReferences {
    private static func isTrivial<T>(_ value: T) -> Bool { _isPOD(T.self) }

    /// Whether the dynamic type of `value` is trivial (no references, nothing to destroy).
    private static func trivial(_ value: Any) -> Bool {
        func open<T>(_ v: T) -> Bool { isTrivial(v) }
        return _openExistential(value, do: open)
    }

    @Test("every stored property of the facts but the two gap lists is plain data")
    func factsHoldNoOtherReferences() {
        var facts = ConnectionFacts(client: Endpoint(address: IPAddress(v4: 0x0A00_0001), port: 50000),
                                    server: Endpoint(address: IPAddress(v4: 0x0A00_0002), port: 443),
                                    roleSource: .syn, first: PacketStamp(number: 1, time: .zero))
        facts.clientSide.gaps = [Gap(offset: 1, length: 2)]
        facts.endReason = .closed
        var holdingReferences: [String] = []
        for child in Mirror(reflecting: facts).children {
            let label = child.label ?? "?"
            if label == "clientSide" || label == "serverSide" {
                for c in Mirror(reflecting: child.value).children {
                    let name = "\(label).\(c.label ?? "?")"
                    if !Self.trivial(c.value) { holdingReferences.append(name) }
                }
            } else if !Self.trivial(child.value) {
                holdingReferences.append(label)
            }
        }
        #expect(holdingReferences == ["clientSide.gaps", "serverSide.gaps"])
        // The check can tell: the gap list itself, and so the facts, are not plain data.
        #expect(!Self.trivial(facts.clientSide.gaps) && !_isPOD(ConnectionFacts.self))
        #expect(Self.trivial(facts.first) && Self.trivial(facts.clientSide.firstSyn as Any))
    }
}
