/// UTC calendar conversion without Foundation (Howard Hinnant's days-from-civil algorithms).
public enum CivilTime {
    /// Days since 1970-01-01 for a proleptic Gregorian date.
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date for days since 1970-01-01.
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `2026-11-24T01:37:14.123456Z` (microseconds), or whole seconds with `fraction: false`.
    public static func iso8601(_ t: Timestamp, fraction: Bool = true) -> String {
        var secs = t.seconds
        var days = secs / 86400
        secs -= days * 86400
        if secs < 0 { secs += 86400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        if y >= 0 && y <= 9999 && t.nanoseconds < 1_000_000_000 {
            // Fixed width: written digit by digit into the string's own storage.
            let us = Int64(t.nanoseconds / 1000)
            return String(unsafeUninitializedCapacity: fraction ? 27 : 20) { b in
                func put(_ v: Int64, _ width: Int, at o: Int) {
                    var v = v
                    var i = o + width
                    while i > o { i -= 1; b[i] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10); v /= 10 }
                }
                put(y, 4, at: 0); b[4] = 0x2D; put(m, 2, at: 5); b[7] = 0x2D; put(d, 2, at: 8); b[10] = 0x54
                put(secs / 3600, 2, at: 11); b[13] = 0x3A; put(secs / 60 % 60, 2, at: 14); b[16] = 0x3A
                put(secs % 60, 2, at: 17)
                if !fraction { b[19] = 0x5A; return 20 }
                b[19] = 0x2E; put(us, 6, at: 20); b[26] = 0x5A
                return 27
            }
        }
        var s = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
        if fraction { s += "." + pad(Int64(t.nanoseconds / 1000), 6) }
        return s + "Z"
    }

    /// `2026-11-24 01:37:14 UTC` for certificate validity and text reports.
    public static func dateTime(unixSeconds: Int64) -> String {
        let t = iso8601(Timestamp(seconds: unixSeconds, nanoseconds: 0), fraction: false)
        return t.replacingFirst("T", with: " ").dropLast().description + " UTC"
    }
}

extension String {
    fileprivate func replacingFirst(_ a: Character, with b: String) -> String {
        guard let i = firstIndex(of: a) else { return self }
        return String(self[..<i]) + b + String(self[index(after: i)...])
    }
}
