import NetCore
import PcapIO

/// What `tlsdiag live` would have reported, and when, had it watched the traffic of a capture
/// file: the packets go through a `LiveTracker` in order, and time passes in ticks of capture
/// time between them (as the live loop's wall-clock ticks would). Used by the tests, and handy to
/// check the live reporting rule on a recorded case.
public enum LiveReplay {
    /// Replays `path`. `tickMilliseconds`: the live loop's tick. `drainSeconds`: how long the
    /// "capture" keeps running after the last packet (ticks go on, no packets), before it is
    /// stopped like Ctrl-C stops it. `beforeStop` sees the tracker after the drain, before the
    /// connections still open are reported.
    public static func run(path: String, options: LiveReportingOptions, tickMilliseconds: Int64 = 100,
                           drainSeconds: Double = 0, beforeStop: ((LiveTracker) -> Void)? = nil,
                           onReport: @escaping (LiveReport) -> Void) throws(CaptureError) -> LiveCounters {
        let reader = try CaptureReader(path: path)
        let tracker = LiveTracker(options: options, linkType: reader.linkType, linkTypeName: reader.linkTypeName,
                                  onReport: onReport)
        let tick = max(1, tickMilliseconds) &* 1_000_000
        var nextTick: Int64?
        var last: Int64?
        while let p = try reader.next() {
            let t = p.time.totalNanoseconds
            if let n = nextTick {
                var k = n
                while k <= t {
                    tracker.tick(now: Timestamp(totalNanoseconds: k))
                    k &+= tick
                }
                nextTick = k
            } else {
                nextTick = t &+ tick
            }
            tracker.process(bytes: p.bytes, wireLength: p.wireLength, stamp: p.stamp)
            last = max(last ?? t, t)
        }
        if let l = last, var k = nextTick {
            let end = l &+ Int64(max(0, drainSeconds) * 1e9)
            while k <= end {
                tracker.tick(now: Timestamp(totalNanoseconds: k))
                k &+= tick
            }
            tracker.tick(now: Timestamp(totalNanoseconds: end))
        }
        beforeStop?(tracker)
        tracker.finish(reportOpen: true)
        return tracker.counters
    }
}
