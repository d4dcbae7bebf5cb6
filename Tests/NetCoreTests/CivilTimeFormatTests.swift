import Testing
import NetCore

/// The fields of `iso8601`, formatted one by one with `String` (how the text was made before the
/// fixed-width writer): the fixed-width output must match it for every kind of timestamp.
private func referenceISO8601(_ t: Timestamp, fraction: Bool) -> String {
    func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    var secs = t.seconds
    var days = secs / 86400
    secs -= days * 86400
    if secs < 0 { secs += 86400; days -= 1 }
    let (y, m, d) = CivilTime.civil(fromDays: days)
    var s = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
    if fraction { s += "." + pad(Int64(t.nanoseconds / 1000), 6) }
    return s + "Z"
}

@Test(arguments: [
    Timestamp(seconds: 0, nanoseconds: 0),
    Timestamp(seconds: -1, nanoseconds: 999_999_999),
    Timestamp(seconds: 951_782_400, nanoseconds: 1_000),                // 2000-02-29
    Timestamp(seconds: 1_767_225_599, nanoseconds: 999_999_000),        // last microsecond of 2025
    Timestamp(seconds: 253_402_300_799, nanoseconds: 5_000),            // 9999-12-31T23:59:59
    Timestamp(seconds: 253_402_300_800, nanoseconds: 0),                // year 10000: other path
    Timestamp(seconds: -62_167_219_200, nanoseconds: 0),                // 0000-01-01
    Timestamp(seconds: -62_167_219_201, nanoseconds: 0),                // year -1: other path
    Timestamp(seconds: 1_700_000_000, nanoseconds: 4_000_000_000),      // nanoseconds out of range
])
func iso8601MatchesFieldByFieldFormatting(t: Timestamp) {
    #expect(CivilTime.iso8601(t) == referenceISO8601(t, fraction: true))
    #expect(CivilTime.iso8601(t, fraction: false) == referenceISO8601(t, fraction: false))
}

@Test func iso8601MatchesOverManyDays() {
    // Every 7919 s + 1 µs over about 60 years: all months, leap days, hours and fractions.
    var mismatches = 0
    var t = Timestamp(seconds: 0, nanoseconds: 0)
    for _ in 0..<240_000 {
        if CivilTime.iso8601(t) != referenceISO8601(t, fraction: true) { mismatches += 1 }
        t.seconds += 7919
        t.nanoseconds = (t.nanoseconds + 1_000) % 1_000_000_000
    }
    #expect(mismatches == 0)
}

/// IPv4 addresses and endpoints are written digit by digit: the same text as interpolating the
/// four octets and the port.
@Test func dottedQuadsMatchInterpolation() {
    var rng = SystemRandomNumberGenerator()
    var values: [UInt32] = [0, 1, 9, 10, 99, 100, 255, 256, 0x0a00_0001, 0xffff_ffff, 0x7f00_0001, 0xc0a8_0064]
    for _ in 0..<20_000 { values.append(UInt32.random(in: 0...UInt32.max, using: &rng)) }
    let ports: [UInt16] = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535, 443, 3389]
    var differ = 0
    for (i, v) in values.enumerated() {
        let a = IPAddress(v4: v)
        let text = "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        if a.description != text { differ += 1 }
        let port = i < ports.count ? ports[i] : UInt16.random(in: 0...UInt16.max, using: &rng)
        if Endpoint(address: a, port: port).description != "\(text):\(port)" { differ += 1 }
    }
    #expect(differ == 0)
    #expect(Endpoint(address: IPAddress("2001:db8::9")!, port: 443).description == "[2001:db8::9]:443")
}
