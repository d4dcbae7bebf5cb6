@testable import Reports
import Diagnosis

/// JSON lines written through one context of a test's own, so that its memos' hits can be counted
/// (ShapeMemoTests, LineMemoTests).
struct MemoLineWriter {
    let context = JSONLineContext()

    func line(_ r: ConnectionReport) -> String {
        var o = JSONOut(context: context)
        JSONLReport.write(r, &o)
        let s = String(decoding: o.bytes, as: UTF8.self)
        o.finish(into: context)
        return s
    }

    /// The line of `r`'s connection with the completed handshake's verdict `v` (as a report session
    /// writes it, from the verdict's parts).
    func line(_ r: ConnectionReport, completed v: CompletedVerdict) -> String {
        var o = JSONOut(context: context)
        ReportTables.unretained._withUnsafeGuaranteedRef { t in
            JSONLReport.write(capture: r.capture, facts: r.facts, handshake: r.handshake, diagnosis: v, t, &o)
        }
        let s = String(decoding: o.bytes, as: UTF8.self)
        o.finish(into: context)
        return s
    }

    var shapes: ShapeMemo { context.shapes }
}
