import Handshake
import Synchronization

/// Registries whose code point lists the JSON report writes as arrays of names.
public enum NameList: UInt8, Sendable {
    case version, cipherSuite, group, signatureScheme, extensionType

    func name(_ v: UInt16) -> String {
        switch self {
        case .version: return Names.version(v)
        case .cipherSuite: return Names.cipherSuite(v)
        case .group: return Names.group(v)
        case .signatureScheme: return Names.signatureScheme(v)
        case .extensionType: return Names.extensionType(v)
        }
    }
}

extension JSONWriter {
    /// `strings(k, values.map(list.name))`, with the array's JSON remembered per distinct list: the
    /// clients of one kind offer the same suites, groups, algorithms and extensions on every
    /// connection, and naming each of them was a sixth of the work of a report line.
    public mutating func names(_ k: String?, _ values: [UInt16], _ list: NameList) {
        let key = NameListKey(list: list, values: values)
        let json = NameListMemo.shared.value(for: key) {
            var w = JSONWriter(reserving: 16 &+ values.count &* 24)
            w.strings(nil, values.map(list.name))
            return w.text
        }
        raw(k, json)
    }
}

struct NameListKey: Hashable, Sendable {
    var list: NameList
    var values: [UInt16]
}

/// Bounded, behind a lock (batch writes reports from several threads); keys compared whole.
final class NameListMemo: Sendable {
    static let shared = NameListMemo(maxEntries: 4096)
    private let table = Mutex<[NameListKey: String]>([:])
    private let maxEntries: Int

    init(maxEntries: Int) { self.maxEntries = maxEntries }

    func value(for key: NameListKey, _ make: () -> String) -> String {
        if let v = table.withLock({ $0[key] }) { return v }
        let v = make()
        table.withLock { t in
            if t.count >= maxEntries { t.removeAll(keepingCapacity: true) }
            t[key] = v
        }
        return v
    }
}
