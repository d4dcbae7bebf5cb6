// TLSWire microbenchmark: ClientHello records → the fields a report needs.
// Build and run with run.sh (see README.md). Not part of the package build.
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this thread (the machine is shared: wall time would count other processes).
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func wallNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func readAll(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

/// Everything a report or a JA3/JA4 fingerprint reads from a hello, folded into a checksum so
/// the optimizer keeps it.
@inline(never)
func reportFields(_ body: RawSpan) -> Int {
    guard let h = try? ClientHello(body: body) else { return -1 }
    let v = h.view(body)
    var acc = h.cipherSuiteCount &+ Int(h.maxVersion.rawValue) &+ Int(h.legacyVersion.rawValue) &+ h.extensionCount
    v.cipherSuites.forEach { if !$0.isGREASE { acc &+= Int($0.rawValue) } }
    v.extensions.forEach { acc = acc &* 31 &+ Int($0.type.rawValue) }
    v.supportedGroups.forEach { acc &+= Int($0.rawValue) }
    v.ecPointFormats.forEach { acc &+= Int($0.rawValue) }
    v.signatureAlgorithms.forEach { acc &+= Int($0.rawValue) }
    v.supportedVersions.forEach { acc &+= Int($0.rawValue) }
    v.keyShares.forEach { g, r in acc &+= Int(g.rawValue) &+ r.count }
    v.alpnProtocols.forEach { r in acc &+= r.count &+ Int(body.unsafeLoad(fromByteOffset: r.lowerBound, as: UInt8.self)) }
    if let sni = h.sni { acc &+= sni.count &+ Int(body.unsafeLoad(fromByteOffset: sni.lowerBound, as: UInt8.self)) }
    acc &+= h.flags.rawValue.nonzeroBitCount &+ (h.pskIdentityCount ?? 0) &+ (h.paddingLength ?? 0)
    return acc
}

/// The full path from the record bytes: stream reader → handshake message → report fields.
@inline(never)
func fromRecord(_ record: RawSpan) -> Int {
    var reader = TLSStreamReader()
    var acc = 0
    while true {
        switch reader.next(in: record) {
        case .record(let header, _):
            acc &+= header.length
        case .handshake(let m):
            acc &+= m.withBody(in: record) { reportFields($0) } ?? 0
        case .needMore, .malformed:
            return acc
        default:
            break
        }
    }
}

struct Input {
    let name: String
    let record: [UInt8]
    var body: [UInt8] { Array(record[9...]) }
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: bench ITERATIONS RECORD_FILE [RECORD_FILE...]")
    exit(2)
}
let iterations = Int(args[1]) ?? 1_000_000
let inputs = args[2...].map { path in Input(name: String(path.split(separator: "/").last!), record: readAll(path)) }

var sink = 0
for input in inputs {
    let body = input.body
    let record = input.record
    // Warm up and check the parse works.
    let check = body.withUnsafeBytes { reportFields($0.bytes) }
    guard check >= 0 else { fatalError("\(input.name): hello does not parse") }
    for (label, useRecord) in [("hello body → fields", false), ("record → stream reader → fields", true)] {
        let t0 = cpuNow()
        let w0 = wallNow()
        if useRecord {
            record.withUnsafeBytes { p in
                let s = p.bytes
                for _ in 0..<iterations { sink &+= fromRecord(s) }
            }
        } else {
            body.withUnsafeBytes { p in
                let s = p.bytes
                for _ in 0..<iterations { sink &+= reportFields(s) }
            }
        }
        let dt = cpuNow() - t0
        let wall = wallNow() - w0
        let rate = Double(iterations) / dt
        let ns = dt / Double(iterations) * 1e9
        print("\(input.name) (\(record.count) bytes) \(label): \(Int(rate)) hellos/s of CPU time, \(Int(ns)) ns each"
              + " (\(iterations) iterations; wall \(Int(Double(iterations) / wall))/s)")
    }
}
if sink == 42 { print("") }
