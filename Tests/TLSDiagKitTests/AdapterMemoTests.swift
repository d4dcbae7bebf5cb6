import Testing
@testable import Handshake

/// The memos behind TLSAdapter give back exactly what was made for equal bytes, never for
/// different ones, keep salts apart, and start over past their limits.
@Test func bytesMemoReturnsWhatWasMadeForTheSameBytesOnly() {
    let memo = BytesMemo<Int>(maxEntries: 1000, maxBytes: 1 << 20)
    var made = 0
    func value(_ bytes: [UInt8], salt: UInt64 = 0) -> Int {
        bytes.withUnsafeBytes { b in memo.value(for: b, salt: salt) { made += 1; return made } }
    }
    var rng = SystemRandomNumberGenerator()
    var keys: [[UInt8]] = [[], [0], [0, 0], [1], Array(repeating: 7, count: 8), Array(repeating: 7, count: 9)]
    for n in 0..<200 { keys.append((0..<(n % 40)).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
    var first: [[UInt8]: Int] = [:]
    for k in keys where first[k] == nil { first[k] = value(k) }
    let distinct = first.count
    #expect(made == distinct)
    for k in keys { #expect(value(k) == first[k]) }         // hits: nothing new made
    #expect(made == distinct)
    #expect(value([1, 2, 3], salt: 1) != value([1, 2, 3], salt: 0))
}

@Test func bytesMemoStartsOverPastItsLimits() {
    let memo = BytesMemo<Int>(maxEntries: 4, maxBytes: 1 << 20)
    var made = 0
    for round in 0..<3 {
        for i in 0..<10 {
            _ = [UInt8(i)].withUnsafeBytes { b in memo.value(for: b) { made += 1; return i } }
        }
        _ = round
    }
    // Ten keys through a memo of four: most are made again each round, and every answer is right.
    #expect(made > 10)
    for i in 0..<10 {
        let v = [UInt8(i)].withUnsafeBytes { b in memo.value(for: b) { i } }
        #expect(v == i)
    }
}

@Test func codeListsAreTheRawValues() {
    let suites: [UInt16] = [0x1301, 0x1302, 0xc02b, 0x0a0a, 0x00ff]
    let a: [UInt16] = AdapterMemo.codes(suites.map { TLSWireSuite(rawValue: $0) }, kind: 99)
    let b: [UInt16] = AdapterMemo.codes(suites.map { TLSWireSuite(rawValue: $0) }, kind: 99)
    #expect(a == suites && b == suites)
    let formats: [UInt8] = AdapterMemo.codes([Byte(rawValue: 0), Byte(rawValue: 1)], kind: 98)
    #expect(formats == [0, 1])
    let none: [UInt16] = AdapterMemo.codes([TLSWireSuite](), kind: 99)
    #expect(none.isEmpty)
}

private struct TLSWireSuite: RawRepresentable { var rawValue: UInt16 }
private struct Byte: RawRepresentable { var rawValue: UInt8 }

/// A session id kept in place compares with bytes exactly as its array would (inline up to 32
/// bytes, longer ones in an array).
@Test func sessionIDBytesEqualTheirArray() {
    var seed: UInt64 = 0x51D
    func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
    var equal = 0
    for _ in 0..<600 {
        let a = (0..<Int(next() % 40)).map { _ in UInt8(truncatingIfNeeded: next() % 3) }
        var b = next() % 2 == 0 ? a : (0..<Int(next() % 40)).map { _ in UInt8(truncatingIfNeeded: next() % 3) }
        if next() % 4 == 0, !b.isEmpty { b[Int(next() % UInt64(b.count))] ^= 1 }
        let kept = ClientHelloInfo.SessionIDBytes(a)
        #expect(kept.bytes == a)
        #expect(kept.isEmpty == a.isEmpty)
        let same = b.withUnsafeBytes { kept.equals($0) }
        #expect(same == (a == b), "\(a) \(b)")
        if same { equal += 1 }
    }
    #expect(equal > 100)
}
