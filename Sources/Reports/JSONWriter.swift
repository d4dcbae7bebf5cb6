import NetCore

/// A streaming JSON writer for one object per line: no intermediate dictionaries, keys in the
/// order written (the order is part of the documented output), strings escaped per RFC 8259.
public struct JSONWriter {
    public private(set) var text: String = ""
    private var needsComma: [Bool] = [false]

    public init(reserving capacity: Int = 1024) { text.reserveCapacity(capacity) }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func key(_ k: String?) {
        separator()
        if let k { JSONWriter.appendString(k, to: &text); text += ":" }
    }

    public mutating func beginObject(_ k: String? = nil) { key(k); text += "{"; needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); text += "}" }
    public mutating func beginArray(_ k: String? = nil) { key(k); text += "["; needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); text += "]" }

    public mutating func string(_ k: String?, _ v: String?) {
        key(k)
        if let v { JSONWriter.appendString(v, to: &text) } else { text += "null" }
    }
    public mutating func int<I: BinaryInteger>(_ k: String?, _ v: I?) {
        key(k); text += v.map { String($0) } ?? "null"
    }
    public mutating func bool(_ k: String?, _ v: Bool?) {
        key(k); text += v.map { $0 ? "true" : "false" } ?? "null"
    }
    /// A number with at most `decimals` places, trailing zeros trimmed (durations in ms).
    public mutating func double(_ k: String?, _ v: Double?, decimals: Int = 3) {
        key(k)
        guard let v, v.isFinite else { text += "null"; return }
        text += JSONWriter.format(v, decimals: decimals)
    }
    public mutating func null(_ k: String?) { key(k); text += "null" }
    public mutating func strings(_ k: String?, _ vs: [String]?) {
        guard let vs else { null(k); return }
        beginArray(k); for v in vs { string(nil, v) }; endArray()
    }
    /// Inserts already-valid JSON (a nested object written by another writer).
    public mutating func raw(_ k: String?, _ json: String) { key(k); text += json }

    public static func format(_ v: Double, decimals: Int) -> String { NumberText.trimmed(v, decimals: decimals) }

    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7f:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
