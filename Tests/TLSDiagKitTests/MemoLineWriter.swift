@testable import Reports

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

    var shapes: ShapeMemo { context.shapes }
}
