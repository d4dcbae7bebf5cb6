import Testing
import Reports
import Handshake

/// JSON string escaping scalar by scalar (RFC 8259 §7, as the writer did before it worked on bytes).
private func referenceEscape(_ s: String) -> String {
    var out = "\""
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
    return out + "\""
}

private func written(_ s: String) -> String {
    var w = JSONWriter()
    w.string(nil, s)
    return w.text
}

@Test func everyASCIICharacterAtEveryPlaceInAWord() {
    // Each byte 0...127 at each position of a 19-byte string, so that it falls in every lane of the
    // eight-byte scan and in the byte-by-byte tail.
    for b in 0..<128 {
        for pos in 0..<19 {
            var scalars = Array(repeating: Unicode.Scalar(UInt8(0x61)), count: 19)
            scalars[pos] = Unicode.Scalar(UInt8(b))
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars)
            #expect(written(s) == referenceEscape(s), "byte \(b) at \(pos)")
        }
    }
}

@Test(arguments: ["", "a", "é", "日本語のテキスト", "mixed \u{1F600} emoji\t and \"quotes\" \\ and \u{7f}",
                  "\u{0}\u{1}\u{1f} \u{80}\u{ff} after", String(repeating: "long plain text ", count: 40)])
func stringsEscapeLikeTheScalarReference(s: String) {
    #expect(written(s) == referenceEscape(s))
}

@Test func keysCommasAndNesting() {
    var w = JSONWriter()
    w.beginObject()
    w.string("a\"b", "x")
    w.int("n", -12345678901 as Int64)
    w.int("u", UInt64.max)
    w.int("none", nil as Int?)
    w.bool("t", true)
    w.beginArray("list")
    w.beginObject(); w.int("k", 0); w.endObject()
    w.beginObject(); w.endObject()
    w.strings(nil, ["p", "q"])
    w.endArray()
    w.double("ms", 1.5)
    w.endObject()
    #expect(w.text == #"{"a\"b":"x","n":-12345678901,"u":18446744073709551615,"none":null,"t":true,"list":[{"k":0},{},["p","q"]],"ms":1.5}"#)
}

@Test func nestingDeeperThanTheBitStack() {
    var w = JSONWriter()
    for _ in 0..<70 { w.beginArray(); w.int(nil, 1) }
    for _ in 0..<70 { w.endArray() }
    let expected = String(repeating: "[1,", count: 69) + "[1" + String(repeating: "]", count: 70)
    #expect(w.text == expected)
}

@Test func everyLengthWithAnEscapeAtEachEnd() {
    // Short strings take a padded word, longer ones whole words and an overlapping last word.
    for n in 0..<34 {
        for special in ["\"", "\\", "\n", "\u{1}", "é"] {
            let plain = String(repeating: "k", count: n)
            for s in [plain, special + plain, plain + special] {
                #expect(written(s) == referenceEscape(s), "\(n) \(special.unicodeScalars.first!.value)")
            }
        }
    }
}

@Test func aCopiedWriterIsIndependent() {
    var a = JSONWriter(reserving: 8)
    a.beginArray()
    a.string(nil, "shared")
    var b = a
    b.string(nil, "only in b, long enough to make the buffer grow past its first size")
    a.int(nil, 1)
    a.endArray()
    b.endArray()
    #expect(a.text == #"["shared",1]"#)
    #expect(b.text == #"["shared","only in b, long enough to make the buffer grow past its first size"]"#)
}

/// `double` writes what `JSONWriter.format` (NetCore.NumberText) gives, for durations of every size.
@Test func doublesAsFormatWritesThem() {
    var rng = SystemRandomNumberGenerator()
    var differ: [String] = []
    var values: [Double] = [0, -0.0, 0.0004, -0.0004, 0.0005, 0.00005, 0.0001, 0.00009999, 1e-7, 0.1, 0.3, 1.5, -1.5,
                            2.675, 1.0005, 999_999_999.9994, -999_999_999.9996, 123_456.7, 1e9, 1e12, 4.35e15]
    for _ in 0..<200_000 {
        let magnitude = Double.random(in: -7...10, using: &rng)
        values.append((Bool.random(using: &rng) ? 1 : -1) * Double.random(in: 1...10, using: &rng) * pow10(magnitude))
    }
    for i in 0..<20_000 { values.append(Double(i) * 0.001); values.append(Double(i) / 7) }
    for v in values {
        for decimals in 0...7 {
            var w = JSONWriter()
            w.double(nil, v, decimals: decimals)
            let expected = JSONWriter.format(v, decimals: decimals)
            if w.text != expected && differ.count < 5 { differ.append("\(v) \(decimals): \(w.text) vs \(expected)") }
        }
    }
    #expect(differ.isEmpty, "\(differ)")
}

private func pow10(_ e: Double) -> Double {
    var r = 1.0
    let whole = Int(e.rounded(.down))
    for _ in 0..<abs(whole) { r = whole < 0 ? r / 10 : r * 10 }
    return r * (1 + (e - e.rounded(.down)) * 9)
}

/// `names` (remembered per list) writes what `strings` of the names writes, first time and again.
@Test(arguments: [NameList.version, .cipherSuite, .group, .signatureScheme, .extensionType])
func nameListsAsStringsWritesThem(list: NameList) {
    var rng = SystemRandomNumberGenerator()
    let name: (UInt16) -> String = {
        switch list {
        case .version: return Names.version
        case .cipherSuite: return Names.cipherSuite
        case .group: return Names.group
        case .signatureScheme: return Names.signatureScheme
        case .extensionType: return Names.extensionType
        }
    }()
    var lists: [[UInt16]] = [[], [0x0a0a], [0x1301, 0x1302, 0x1303, 0xc02b, 0x00ff], [0x0304, 0x0303], [0, 10, 11, 13, 43, 51]]
    for _ in 0..<200 { lists.append((0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }) }
    for round in 0..<2 {
        for values in lists {
            var a = JSONWriter(), b = JSONWriter()
            a.beginObject(); a.names("k", values, list); a.int("n", round); a.endObject()
            b.beginObject(); b.strings("k", values.map(name)); b.int("n", round); b.endObject()
            #expect(a.text == b.text)
        }
    }
}
