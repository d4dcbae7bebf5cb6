#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Reports

/// A one-line progress bar on stderr, redrawn in place at most ten times a second:
///
///     [##########··········]  120/2000 files  34.5/512.0 MB  12.3 MB/s  ETA 0:39  2 unreadable
///
/// Bytes are the captures' sizes on disk (compressed for .gz), as each is read; the ETA is from the
/// files left at the rate so far (sizes are read by the workers, so the total is not known at start).
final class BatchProgress {
    let sink: OutputSink
    let enabled: Bool
    let files: Int
    let clock: MonotonicClock
    var lastDraw = -1.0
    var drawn = false

    init(sink: OutputSink, mode: BatchProgressMode, files: Int, clock: MonotonicClock) {
        self.sink = sink; self.files = files; self.clock = clock
        enabled = BatchProgress.enabled(mode: mode, sink: sink)
    }

    /// Whether a bar is drawn in this mode on this sink.
    static func enabled(mode: BatchProgressMode, sink: OutputSink) -> Bool {
        switch mode {
        case .always: true
        case .never: false
        case .auto: sink.isTerminal
        }
    }

    var width: Int {
        var ws = winsize()
        if ioctl(sink.fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col >= 40 { return Int(ws.ws_col) }
        return 100
    }

    func update(files done: Int, bytes doneBytes: Int64, problems: Int) {
        guard enabled else { return }
        let now = clock.seconds
        guard now - lastDraw >= 0.1 || done == files else { return }
        lastDraw = now
        sink.write("\r\u{1b}[K" + BatchProgress.line(files: done, of: files, bytes: doneBytes,
                                                   seconds: now, problems: problems, width: width))
        sink.flush()
        drawn = true
    }

    /// Clears the bar.
    func finish() {
        guard enabled, drawn else { return }
        sink.write("\r\u{1b}[K")
        sink.flush()
    }

    static func megabytes(_ b: Int64) -> String { JSONWriter.format(Double(b) / 1_000_000, decimals: 1) }

    static func line(files done: Int, of total: Int, bytes doneBytes: Int64,
                     seconds: Double, problems: Int, width: Int) -> String {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let rate = seconds > 0 ? Double(doneBytes) / seconds : 0
        var eta = "--:--"
        if done > 0 && seconds > 0 {
            let left = Int((Double(total - done) * seconds / Double(done)).rounded())
            eta = left >= 3600 ? "\(left / 3600):\(pad(left / 60 % 60)):\(pad(left % 60))" : "\(left / 60):\(pad(left % 60))"
        }
        var text = "  \(done)/\(total) files  \(megabytes(doneBytes)) MB  "
        text += "\(JSONWriter.format(rate / 1_000_000, decimals: 1)) MB/s  ETA \(eta)"
        if problems > 0 { text += "  \(problems) with errors" }
        let barWidth = max(10, min(40, width - text.count - 3))
        let filled = min(barWidth, Int((fraction * Double(barWidth)).rounded(.down)))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "·", count: barWidth - filled) + "]"
        return String((bar + text).prefix(max(1, width - 1)))
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
