/// An IPv4 or IPv6 address as a small value: no allocation, cheap to hash.
///
/// IPv4 addresses are stored in `low` (network order read as a big-endian integer) with
/// `high == 0` and `isV6 == false`.
public struct IPAddress: Codable, Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public var isV6: Bool

    @inlinable
    public init(v4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isV6 = false
    }

    @inlinable
    public init(v6High: UInt64, v6Low: UInt64) {
        high = v6High
        low = v6Low
        isV6 = true
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::`, and an embedded IPv4 tail).
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let (h, l) = IPAddress.parseV6(Substring(text)) else { return nil }
            self.init(v6High: h, v6Low: l)
        } else {
            guard let v = IPAddress.parseV4(Substring(text)) else { return nil }
            self.init(v4: v)
        }
    }

    public var v4Value: UInt32? { isV6 ? nil : UInt32(truncatingIfNeeded: low) }

    static func parseV4(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    static func parseV6(_ s: Substring) -> (UInt64, UInt64)? {
        var groups: [UInt16] = []
        var tailV4: UInt32? = nil
        let halves = s.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func parseSide(_ side: Substring, allowV4: Bool) -> [UInt16]? {
            if side.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = side.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if allowV4 && i == parts.count - 1 && p.contains(".") {
                    guard let v = parseV4(p) else { return nil }
                    tailV4 = v
                    out.append(UInt16(v >> 16)); out.append(UInt16(v & 0xffff))
                    continue
                }
                guard !p.isEmpty, p.count <= 4, let n = UInt16(p, radix: 16) else { return nil }
                out.append(n)
            }
            return out
        }
        if halves.count == 2 {
            guard let a = parseSide(halves[0], allowV4: false), let b = parseSide(halves[1], allowV4: true),
                  a.count + b.count <= 7 else { return nil }
            groups = a + Array(repeating: 0, count: 8 - a.count - b.count) + b
        } else {
            guard let a = parseSide(halves[0], allowV4: true), a.count == 8 else { return nil }
            groups = a
        }
        _ = tailV4
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        return (h, l)
    }
}

extension Substring {
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var out: [Substring] = []
        var start = startIndex
        var i = startIndex
        while i < endIndex {
            let next = index(after: i)
            if self[i] == ":", next < endIndex, self[next] == ":" {
                out.append(self[start..<i])
                start = index(after: next)
                i = start
                continue
            }
            i = next
        }
        out.append(self[start..<endIndex])
        return out
    }
}

extension IPAddress {
    /// `a.b.c.d`, or `a.b.c.d:port`, written digit by digit (reports print two a connection).
    static func dottedQuad(_ v: UInt32, port: UInt16?) -> String {
        String(unsafeUninitializedCapacity: 21) { b in
            var n = 0
            func put(_ x: UInt32) {
                if x >= 10000 { b[n] = 0x30 &+ UInt8(x / 10000); n &+= 1 }
                if x >= 1000 { b[n] = 0x30 &+ UInt8(x / 1000 % 10); n &+= 1 }
                if x >= 100 { b[n] = 0x30 &+ UInt8(x / 100 % 10); n &+= 1 }
                if x >= 10 { b[n] = 0x30 &+ UInt8(x / 10 % 10); n &+= 1 }
                b[n] = 0x30 &+ UInt8(x % 10); n &+= 1
            }
            put(v >> 24); b[n] = 0x2E; n &+= 1
            put((v >> 16) & 0xff); b[n] = 0x2E; n &+= 1
            put((v >> 8) & 0xff); b[n] = 0x2E; n &+= 1
            put(v & 0xff)
            if let port { b[n] = 0x3A; n &+= 1; put(UInt32(port)) }
            return n
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4; RFC 5952 text for IPv6 (lower case, longest zero run as `::`).
    public var description: String {
        if !isV6 { return IPAddress.dottedQuad(UInt32(truncatingIfNeeded: low), port: nil) }
        var g = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 { g[i] = UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * i)) }
        for i in 0..<4 { g[4 + i] = UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * i)) }
        // Longest run of zero groups (length >= 2), first one on ties.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
    }
}

/// An address and a port. Printed `ip:port`, or `[v6]:port` for IPv6.
public struct Endpoint: Codable, Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    @inlinable
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        address.isV6 ? "[\(address)]:\(port)" : IPAddress.dottedQuad(UInt32(truncatingIfNeeded: address.low), port: port)
    }
}
