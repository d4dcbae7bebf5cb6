/// A capture timestamp: seconds and nanoseconds since the Unix epoch.
///
/// libpcap hands out microsecond or nanosecond stamps depending on the file; we keep nanoseconds
/// so that nothing is lost either way.
public struct Timestamp: Codable, Hashable, Comparable, Sendable {
    public var seconds: Int64
    public var nanoseconds: UInt32

    @inlinable
    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static let zero = Timestamp(seconds: 0, nanoseconds: 0)

    /// Nanoseconds since the epoch (saturating; captures are far from Int64's range).
    @inlinable
    public var totalNanoseconds: Int64 {
        let (m, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return seconds < 0 ? .min : .max }
        let (s, o2) = m.addingReportingOverflow(Int64(nanoseconds))
        return o2 ? .max : s
    }

    /// Signed difference `self - other` in nanoseconds.
    @inlinable
    public func nanoseconds(since other: Timestamp) -> Int64 {
        totalNanoseconds &- other.totalNanoseconds
    }

    /// Signed difference `self - other` in milliseconds, as a Double for reports.
    @inlinable
    public func milliseconds(since other: Timestamp) -> Double {
        Double(nanoseconds(since: other)) / 1_000_000
    }

    @inlinable
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanoseconds < b.nanoseconds
    }

    /// Seconds as a Double (for reports and charts only).
    public var doubleSeconds: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}

/// Where a fact was seen: the packet's 1-based number in the capture and its timestamp.
public struct PacketStamp: Codable, Hashable, Sendable {
    public var number: UInt64
    public var time: Timestamp

    @inlinable
    public init(number: UInt64, time: Timestamp) {
        self.number = number
        self.time = time
    }
}
