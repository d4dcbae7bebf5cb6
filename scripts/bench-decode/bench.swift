// Throughput harness for PcapIO and PacketDecode (not part of the package; see run.sh).
//
//   bench make OUT.pcap COPIES FILE...   write FILEs' packets COPIES times into one capture
//   bench read FILE                      read with next()
//   bench decode FILE [ROUNDS [HOT]]     decode packets held in memory, ROUNDS times; with HOT,
//                                        only the first HOT packets, repeated to the same total
//                                        (they stay in cache, as a packet libpcap just read does)
//   bench pipeline FILE                  read + decode, end to end
import Glibc
import NetCore
import PcapIO
import PacketDecode

/// BENCH_CLOCK=cpu measures process CPU time instead of wall time (less noise on a shared machine).
let useCPUTime = getenv("BENCH_CLOCK").map { String(cString: $0) == "cpu" } ?? false

func now() -> Double {
    var ts = timespec()
    clock_gettime(useCPUTime ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func fmt(_ x: Double) -> String {
    let v = (x * 10).rounded() / 10
    return String(v)
}

let args = Array(CommandLine.arguments.dropFirst())
guard let mode = args.first else { print("usage: bench make|read|decode|pipeline …"); exit(2) }

switch mode {
case "make":
    let out = args[1], copies = Int(args[2])!
    let w = try DumpWriter(path: out, linkType: 1, snapshotLength: 262_144, precision: .microseconds)
    var t = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
    for _ in 0..<copies {
        for f in args[3...] {
            let r = try CaptureReader(path: f)
            guard r.linkType == 1 else { continue }
            while let p = try r.next() {
                t.nanoseconds += 1000
                if t.nanoseconds >= 1_000_000_000 { t.seconds += 1; t.nanoseconds = 0 }
                w.write(bytes: p.bytes, wireLength: p.wireLength, time: t)
            }
        }
    }
    try w.close()
    print("wrote \(w.packetsWritten) packets to \(out)")

case "read":
    let f = args[1]
    for round in 0..<3 {
        let r = try CaptureReader(path: f)
        var n = 0, bytes = 0
        let t0 = now()
        while let p = try r.next() { n += 1; bytes += p.capturedLength }
        let dt = now() - t0
        print("round \(round) next(): \(n) packets, \(fmt(Double(n) / dt / 1e6)) Mpkt/s, \(fmt(Double(bytes) / dt / 1e6)) MB/s")
    }

case "decode":
    let f = args[1], rounds = args.count > 2 ? Int(args[2])! : 5
    let hot = args.count > 3 ? Int(args[3])! : 0
    let r = try CaptureReader(path: f)
    var store: [UInt8] = []
    var index: [(Int, Int, Int, Timestamp)] = []
    while let p = try r.next() {
        if hot > 0 && index.count >= hot { continue }
        index.append((store.count, p.capturedLength, p.wireLength, p.time))
        store.append(contentsOf: p.bytes)
    }
    if hot > 0 {
        let base = index
        let total = Int(r.packetNumber)
        var k = 0
        index.removeAll(keepingCapacity: true)
        while index.count < total { index.append(base[k % base.count]); k += 1 }
    }
    var sink = 0
    store.withUnsafeBytes { all in
        for round in 0..<rounds {
            var d = PacketDecoder(linkType: r.linkType)
            let t0 = now()
            for (o, c, w, t) in index {
                switch d.decode(UnsafeRawBufferPointer(rebasing: all[o..<(o + c)]), wireLength: w, time: t) {
                case .packet(let pk, let payload): sink &+= payload.count &+ Int(pk.srcPort)
                case .fragmentHeld: sink &+= 1
                case .skipped: sink &+= 2
                }
            }
            let dt = now() - t0
            print("round \(round) decode: \(index.count) packets in \(fmt(dt * 1000)) ms, \(fmt(Double(index.count) / dt / 1e6)) Mpkt/s, \(fmt(dt / Double(index.count) * 1e9)) ns/pkt (tcp \(d.counters.tcp), udp \(d.counters.udp))")
        }
    }
    print("sink \(sink)")

case "pipeline":
    let f = args[1]
    for round in 0..<3 {
        let r = try CaptureReader(path: f)
        var d = PacketDecoder(linkType: r.linkType)
        var sink = 0
        let t0 = now()
        while let p = try r.next() {
            if case .packet(_, let payload) = d.decode(p.bytes, wireLength: p.wireLength, time: p.time) { sink &+= payload.count }
        }
        let dt = now() - t0
        print("round \(round) read+decode: \(r.packetNumber) packets, \(fmt(Double(r.packetNumber) / dt / 1e6)) Mpkt/s (sink \(sink))")
    }

default:
    print("unknown mode \(mode)"); exit(2)
}
