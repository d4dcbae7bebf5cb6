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
