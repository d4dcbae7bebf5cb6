import Testing
@testable import Reports
import NetCore
import Handshake

// The fourth round's writers of the JSON line: durations from the integer nanoseconds between two
// times (`JSONCursor.milliseconds(nanoseconds:at:)`, `nanoseconds(from:to:)`), the cursor's bounds
// (`JSONOut.fixed`), and the text of recurring strings remembered by the String's identity
// (`StringMemo`). Each is held to what the code it replaced gives: `NumberText.trimmed` of
// `Timestamp.milliseconds(since:)`, `Timestamp.nanoseconds(since:)`, and `JSONOut.string`.

/// What a JSONOut wrote, as a String.
private func written(_ body: (inout JSONOut) -> Void) -> String {
    var o = JSONOut(capacity: 16)
    body(&o)
    return String(decoding: o.bytes, as: UTF8.self)
}

/// The duration text the report wrote before: the Double of `Timestamp.milliseconds(since:)`
/// through `NumberText`.
private func referenceDuration(_ start: Timestamp, _ end: Timestamp) -> String {
    let v = end.milliseconds(since: start)
    return v.isFinite ? NumberText.trimmed(v, decimals: 3) : "null"
}

private func referenceDuration(nanoseconds d: Int64) -> String {
    let v = Double(d) / 1_000_000
    return v.isFinite ? NumberText.trimmed(v, decimals: 3) : "null"
}

// MARK: - Durations from nanoseconds

@Test(arguments: [Int64(0), 1, -1, 499, 500, 501, -499, -500, -501, 999, 1_000, 1_499, 1_500, 1_501, 2_500, -2_500,
                  10_000, 100_000, 1_000_000, 1_500_000, 1_230_000, 1_234_000, 1_234_500, 1_234_501, -1_234_499,
                  999_999_500, 999_999_499, 999_999_999_999, 1_000_000_000_000, 123_456_789_012_345,
                  899_999_999_999_499, 899_999_999_999_500, 899_999_999_999_999, 900_000_000_000_000, 900_000_000_000_001,
                  -899_999_999_999_999, -900_000_000_000_000, 999_999_999_999_999, 1_000_000_000_000_000,
                  9_007_199_254_740_992, 9_007_199_254_740_993, Int64.max, Int64.min, Int64.min + 1, Int64.max - 500])
func durationsOfEdgeNanosecondsAsTheDoubleWroteThem(d: Int64) {
    #expect(written { $0.milliseconds(nanoseconds: d) } == referenceDuration(nanoseconds: d))
}

@Test func durationsOfRandomNanosecondsAsTheDoubleWroteThem() {
    var rng = SplitMix(state: 41)
    var failures: [String] = []
    for i in 0..<300_000 {
        // Every magnitude from nanoseconds to the limit of the integer path and past it, half of
        // them ending in a tie (…500) or next to one.
        let digits = Int.random(in: 0...18, using: &rng)
        var m = UInt64.random(in: 0...UInt64(Int64.max), using: &rng)
        var p: UInt64 = 1
        for _ in 0..<digits { p = p &* 10 }
        if digits < 18 { m %= p &* 10 }
        if i & 1 == 0 { m = m / 1000 * 1000 + [499, 500, 501, 0, 999][i / 2 % 5] }
        let d = Bool.random(using: &rng) ? Int64(truncatingIfNeeded: m) : -Int64(truncatingIfNeeded: m & UInt64(Int64.max))
        let got = written { $0.milliseconds(nanoseconds: d) }
        let expected = referenceDuration(nanoseconds: d)
        if got != expected && failures.count < 5 { failures.append("\(d): \(got) vs \(expected)") }
    }
    #expect(failures.isEmpty, "\(failures)")
}

@Test func durationsBetweenTimesAsTheDoubleWroteThem() {
    var rng = SplitMix(state: 42)
    var failures: [String] = []
    let seconds: [Int64] = [0, 1, -1, 1_795_484_249, -1_795_484_249, 8_999_999_999, 9_000_000_000, -8_999_999_999, -9_000_000_000,
                            9_223_372_036, 9_223_372_037, Int64.max / 2, Int64.min / 2, Int64.max, Int64.min]
    let nanos: [UInt32] = [0, 1, 499, 500, 501, 999_999_999, 1_000_000_000, UInt32.max]
    var pairs: [(Timestamp, Timestamp)] = []
    for s0 in seconds { for s1 in seconds { for n0 in nanos { for n1 in nanos {
        pairs.append((Timestamp(seconds: s0, nanoseconds: n0), Timestamp(seconds: s1, nanoseconds: n1)))
    } } } }
    for _ in 0..<200_000 {
        // A capture's times: the same second or a few apart, either order.
        let s0 = 1_795_484_249 + Int64.random(in: -100_000...100_000, using: &rng)
        let s1 = s0 + Int64.random(in: -3...3, using: &rng) * Int64.random(in: 0...1_000, using: &rng)
        pairs.append((Timestamp(seconds: s0, nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &rng)),
                      Timestamp(seconds: s1, nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &rng))))
    }
    for (a, b) in pairs {
        #expect(JSONCursor.nanoseconds(from: a, to: b) == b.nanoseconds(since: a))
        let got = written { $0.milliseconds(between: a, and: b) }
        let expected = referenceDuration(a, b)
        if got != expected && failures.count < 5 { failures.append("\(a) → \(b): \(got) vs \(expected)") }
    }
    #expect(failures.isEmpty, "\(failures)")
}

// MARK: - The cursor's bounds

/// The bytes a cursor method writes into a fresh buffer.
private func cursorCount(_ body: (inout JSONCursor, inout TimestampPrefix) -> Void) -> Int {
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    defer { buffer.deallocate() }
    var c = JSONCursor(p: buffer)
    var last = TimestampPrefix()
    body(&c, &last)
    return c.p - buffer
}

@Test func eachCursorMethodWritesAtMostItsBound() {
    for v in [Int64.min, Int64.min + 1, -1, 0, Int64.max] {
        #expect(cursorCount { c, _ in c.decimal(v) } <= JSONCursor.maxDecimal)
    }
    #expect(cursorCount { c, _ in c.decimal(UInt64.max) } <= JSONCursor.maxDecimal)
    #expect(cursorCount { c, _ in c.decimal(nil as UInt64?) } <= JSONCursor.maxDecimal)
    for v in [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 1e300, -1.7976931348623157e308, 9.99e15, -4.35e15,
              1e9, -999_999_999.9996, .nan, .infinity, -.infinity, -.leastNonzeroMagnitude] {
        #expect(cursorCount { c, _ in c.p = JSONCursor.milliseconds(v, at: c.p) } <= JSONCursor.maxMilliseconds, "\(v)")
    }
    for d in [Int64.min, Int64.max, -899_999_999_999_999, 9_007_199_254_740_993] {
        #expect(cursorCount { c, _ in c.p = JSONCursor.milliseconds(nanoseconds: d, at: c.p) } <= JSONCursor.maxMilliseconds)
    }
    for s in [Int64.min, Int64.max, -62_167_219_201, 253_402_300_800, 0] {
        for n in [UInt32(0), 999_999_999, UInt32.max] {
            for fraction in [true, false] {
                let t = Timestamp(seconds: s, nanoseconds: n)
                let count = cursorCount { c, last in c.timestamp(t, fraction: fraction, &last) }
                #expect(count <= JSONCursor.maxTimestamp, "\(t)")
                #expect(count == CivilTime.iso8601(t, fraction: fraction).utf8.count + 2)
            }
        }
    }
    for e in [Endpoint(address: IPAddress(v4: .max), port: .max),
              Endpoint(address: IPAddress(v6High: 0x1111_2222_3333_4444, v6Low: 0x5555_6666_7777_8888), port: .max)] {
        let count = cursorCount { c, _ in c.endpoint(e) }
        #expect(count <= JSONCursor.maxEndpoint)
        #expect(count == e.description.utf8.count + 2)
    }
}

@Test(arguments: [0, 8, 16, 24])
func everyOctetAsTheAddressDescriptionWritesIt(shift: Int) {
    // Each value 0…255 in one octet (the other three 0, 9, 10, 99, 100 or 255 in turn; one, two and
    // three digits), written from the table of octets: through a cursor, and through the memo of
    // address texts (a miss, then a hit), each held to `Endpoint.description`.
    let memo = AddressMemo()
    for other in [UInt32(0), 9, 10, 99, 100, 255] {
        for b in UInt32(0)...255 {
            var v = other | other << 8 | other << 16 | other << 24
            v = v & ~(UInt32(255) << UInt32(shift)) | b << UInt32(shift)
            let e = Endpoint(address: IPAddress(v4: v), port: UInt16(truncatingIfNeeded: b &* 257))
            let expected = "\"" + e.description + "\""
            #expect(written { $0.endpoint(e) } == expected)
            for _ in 0..<2 {
                let viaMemo = written { o in o.fixed(JSONCursor.maxEndpoint) { w, _ in w.endpoint(e, memo) } }
                #expect(viaMemo == expected)
            }
        }
    }
}

@Test func fixedWritesWhatTheCheckedWritesWrite() {
    // The same values through one `fixed` block and through JSONOut's own methods (each its
    // own block), into a buffer small enough to grow on the way.
    var rng = SplitMix(state: 43)
    var a = JSONOut(capacity: 16), b = JSONOut(capacity: 16)
    for _ in 0..<5_000 {
        let v = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
        let t = Timestamp(seconds: 1_795_484_249 + Int64.random(in: -2...2, using: &rng), nanoseconds: UInt32.random(in: 0..<1_000_000_000, using: &rng))
        let e = Endpoint(address: IPAddress(v4: UInt32.random(in: 0...UInt32.max, using: &rng)), port: UInt16.random(in: 0...UInt16.max, using: &rng))
        a.fixed(256) { w, last in
            w.literal(#","n":"#); w.decimal(v)
            w.literal(#","t":"#); w.timestamp(t, &last)
            w.literal(#","e":"#); w.endpoint(e)
            w.literal(#","ms":"#); w.milliseconds(between: Timestamp(seconds: 1_795_484_249, nanoseconds: 0), and: t)
        }
        b.literal(#","n":"#); b.decimal(v)
        b.literal(#","t":"#); b.timestamp(t)
        b.literal(#","e":"#); b.endpoint(e)
        b.literal(#","ms":"#); b.milliseconds(t.milliseconds(since: Timestamp(seconds: 1_795_484_249, nanoseconds: 0)))
    }
    #expect(String(decoding: a.bytes, as: UTF8.self) == String(decoding: b.bytes, as: UTF8.self))
}

// MARK: - Strings remembered by identity

/// Writes `s` with the context's string memo (as a line does) and returns the bytes.
private func memoWritten(_ s: String, _ context: JSONLineContext) -> String {
    var o = JSONOut(context: context)
    o.sharedString(s)
    let text = String(decoding: o.bytes, as: UTF8.self)
    o.finish(into: context)
    return text
}

private func isRemembered(_ s: String, _ context: JSONLineContext) -> Bool {
    guard let (k0, k1) = StringMemo.words(s) else { return false }
    return context.strings.lookup(StringMemo.slot(StringMemo.hash(k0, k1)), k0, k1) != nil
}

@Test func aRecurringStringIsRememberedAndWritesAsEscaped() {
    let context = JSONLineContext()
    for s in ["TLS 1.3 encrypts everything after the ServerHello: completion is inferred from the order and sizes of the encrypted records.",
              String(repeating: "x", count: 40) + "\"quoted\" and \\ and \n and \u{7f}", "short", "", "naïve — ünïcödé ✓"] {
        let expected = written { $0.string(s) }
        #expect(!isRemembered(s, context))
        for _ in 0..<4 { #expect(memoWritten(s, context) == expected) }
        #expect(isRemembered(s, context), "\(s)")
    }
}

@Test func freshStringsOfTheSameLengthNeverReadAsAnother() {
    // Strings made afresh for each line, freed after it: their storage is often the same
    // address with the same length. Each must still be written as itself, whether it was
    // remembered or not.
    let context = JSONLineContext()
    var rng = SplitMix(state: 44)
    var failures: [String] = []
    for i in 0..<20_000 {
        let n = Int.random(in: 0..<1_000_000, using: &rng)
        let s = "ClientHello (up to TLS 1.3, 4 suites, SNI host-\(n % 1000).example)" + (i % 7 == 0 ? "\"" : "")
        let expected = written { $0.string(s) }
        // Once or twice (the second time in a row may store it).
        for _ in 0..<(1 + i % 2) {
            let got = memoWritten(s, context)
            if got != expected && failures.count < 5 { failures.append("\(got) vs \(expected)") }
        }
    }
    #expect(failures.isEmpty, "\(failures)")
}

@Test func aStringChangedAfterItWasRememberedReadsAsItsNewSelf() {
    let context = JSONLineContext()
    var s = String(repeating: "abc", count: 20)
    for _ in 0..<3 { _ = memoWritten(s, context) }
    #expect(isRemembered(s, context))
    s.append("-and more")
    s.withUTF8 { _ in }  // (native, contiguous)
    #expect(memoWritten(s, context) == written { $0.string(s) })
    s.removeLast(9)
    #expect(memoWritten(s, context) == written { $0.string(s) })
    let sub = String(s.dropFirst(3))
    #expect(memoWritten(sub, context) == written { $0.string(sub) })
    #expect(memoWritten(nil as String?, context) == "null")
}

private func memoWritten(_ s: String?, _ context: JSONLineContext) -> String {
    var o = JSONOut(context: context)
    o.sharedString(s)
    let text = String(decoding: o.bytes, as: UTF8.self)
    o.finish(into: context)
    return text
}

@Test func everyNumberOfThousandthsAsTheDoubleWroteIt() {
    // Each entry of the fraction table (`JSONCursor.fractions`), after whole parts of every length,
    // both signs.
    var failures: [String] = []
    for whole in [Int64(0), 7, 42, 123_456, 899_999_999] {
        for k in Int64(0)..<1000 {
            for sign in [Int64(1), -1] {
                let d = sign * ((whole * 1000 + k) * 1000)
                let got = written { $0.milliseconds(nanoseconds: d) }
                let expected = referenceDuration(nanoseconds: d)
                if got != expected && failures.count < 5 { failures.append("\(d): \(got) vs \(expected)") }
            }
        }
    }
    #expect(failures.isEmpty, "\(failures)")
}

@Test func shortDurationsBetweenTimesAsTheDoubleWroteThem() {
    // Durations below 100 ms are written in line (`JSONCursor.milliseconds(between:and:)`): every
    // tie, their neighbours and random ones, across the limit, from times on either side of a
    // second's boundary.
    var rng = SplitMix(state: 45)
    var failures: [String] = []
    var ds: [Int64] = [0, 1, 499, 500, 501, 99_999_499, 99_999_500, 99_999_501, 99_999_999, 100_000_000, -1, -500, -501]
    for k in stride(from: Int64(0), to: 100_001, by: 7) { ds.append(k * 1000 + 500); ds.append(k * 1000 + 499); ds.append(k * 1000 + 501) }
    for _ in 0..<100_000 { ds.append(Int64.random(in: -1_000...100_001_000, using: &rng)) }
    for d in ds {
        let startNanos = UInt32.random(in: 0..<1_000_000_000, using: &rng)
        let start = Timestamp(seconds: 1_795_484_249, nanoseconds: startNanos)
        let total = Int64(startNanos) + d
        let end = Timestamp(seconds: 1_795_484_249 + total.floorDiv(1_000_000_000), nanoseconds: UInt32(total.floorMod(1_000_000_000)))
        let got = written { $0.milliseconds(between: start, and: end) }
        let expected = referenceDuration(start, end)
        if got != expected && failures.count < 5 { failures.append("\(d): \(got) vs \(expected)") }
    }
    #expect(failures.isEmpty, "\(failures)")
}

private extension Int64 {
    func floorDiv(_ m: Int64) -> Int64 { self >= 0 ? self / m : -((-self + m - 1) / m) }
    func floorMod(_ m: Int64) -> Int64 { self - floorDiv(m) * m }
}

@Test func everyNumberBelowAMillionAndSomeAsStringWritesThem() {
    // Below a million the digits come from the table of groups of three (four bytes stored for
    // each group): every number, one after another in one buffer, so that a byte stored past a
    // number's digits and not overwritten by the next would show.
    var o = JSONOut(capacity: 16)
    var expected = ""
    for v in UInt64(0)..<1_001_000 {
        o.decimal(v); o.literal(",")
        expected += String(v); expected += ","
    }
    #expect(String(decoding: o.bytes, as: UTF8.self) == expected)
}

@Test func randomNumbersOfEveryLengthAsStringWritesThem() {
    var rng = SplitMix(state: 46)
    var failures: [String] = []
    for _ in 0..<200_000 {
        let v = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
        let got = written { $0.decimal(v) }
        if got != String(v) && failures.count < 5 { failures.append("\(v): \(got)") }
        let s = Int64(bitPattern: v) | (Bool.random(using: &rng) ? Int64.min : 0)
        let gotSigned = written { $0.decimal(s) }
        if gotSigned != String(s) && failures.count < 5 { failures.append("\(s): \(gotSigned)") }
    }
    #expect(failures.isEmpty, "\(failures)")
}

// MARK: - A teardown step's words through a cursor

/// The step kinds `JSONCursor.describeStep` writes, with lengths at the ends of their range.
private let inPlaceSteps: [TimelineStep.Kind] = [
    .syn, .synAck, .fin, .rst, .clientHello, .serverHello, .helloRetryRequest, .changeCipherSpec,
    .applicationData(length: 0), .applicationData(length: 1_400),
    .encryptedRecord(contentType: 22, length: 0), .encryptedRecord(contentType: 22, length: 53),
    .encryptedRecord(contentType: 23, length: 16_401), .encryptedRecord(contentType: 21, length: Int.max),
    .encryptedRecord(contentType: 22, length: Int.min),
    .encryptedAlert(length: 26), .encryptedAlert(length: Int.min), .encryptedAlert(length: Int.max),
]

@Test(arguments: [Side.client, .server])
func stepWordsThroughACursorAreThoseOfTheSink(side: Side) {
    for kind in inPlaceSteps {
        #expect(JSONCursor.describesInPlace(kind))
        var reference = JSONOut(capacity: 16)
        TeardownSummary.describe(side, kind, into: &reference)
        let expected = String(decoding: reference.bytes, as: UTF8.self)
        let got = written { o in
            o.fixed(JSONCursor.maxStepDescription) { w, _ in w.describeStep(side, kind) }
        }
        #expect(got == expected, "\(kind)")
    }
    // The kinds named from the tables are left to the sink.
    #expect(!JSONCursor.describesInPlace(.handshake(type: 11)))
    #expect(!JSONCursor.describesInPlace(.alert(level: 2, description: 40)))
}
