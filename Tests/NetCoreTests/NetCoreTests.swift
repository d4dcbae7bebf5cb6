import Testing
import NetCore

@Test(arguments: [
    ("10.0.0.7", "10.0.0.7"),
    ("2001:db8::1", "2001:db8::1"),
    ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("::1", "::1"),
    ("::", "::"),
    ("fe80::1:0:0:0:2", "fe80:0:0:1::2"),
    ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ("::ffff:192.0.2.1", "::ffff:c000:201"),
])
func addressRoundTrip(input: String, printed: String) {
    #expect(IPAddress(input)?.description == printed)
}

@Test(arguments: ["1.2.3", "256.1.1.1", "1::2::3", "12345::", "a.b.c.d", ""])
func badAddressesAreRejected(input: String) {
    #expect(IPAddress(input) == nil)
}

@Test func endpointsPrintLikeZeekAndTshark() {
    #expect(Endpoint(address: IPAddress("10.0.0.9")!, port: 3389).description == "10.0.0.9:3389")
    #expect(Endpoint(address: IPAddress("2001:db8::9")!, port: 443).description == "[2001:db8::9]:443")
}

@Test func timestampDifferences() {
    let a = Timestamp(seconds: 10, nanoseconds: 999_999_900)
    let b = Timestamp(seconds: 11, nanoseconds: 300)
    #expect(b.nanoseconds(since: a) == 400)
    #expect(a < b)
    #expect(b.milliseconds(since: a) == 0.0004)
}

@Test(arguments: [
    (Int64(0), "1970-01-01T00:00:00Z"),
    (Int64(951_782_400), "2000-02-29T00:00:00Z"),
    (Int64(1_795_311_434), "2026-11-22T01:37:14Z"),
    (Int64(-1), "1969-12-31T23:59:59Z"),
    (Int64(4_102_444_800), "2100-01-01T00:00:00Z"),
])
func iso8601Dates(seconds: Int64, text: String) {
    #expect(CivilTime.iso8601(Timestamp(seconds: seconds, nanoseconds: 0), fraction: false) == text)
}

@Test func iso8601KeepsMicroseconds() {
    #expect(CivilTime.iso8601(Timestamp(seconds: 0, nanoseconds: 123_456_789)) == "1970-01-01T00:00:00.123456Z")
}

@Test func civilRoundTrip() {
    for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
        let (y, m, d) = CivilTime.civil(fromDays: days)
        #expect(CivilTime.daysFromCivil(year: y, month: m, day: d) == days)
    }
}
