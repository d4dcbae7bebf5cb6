// libFuzzer entry for the whole pipeline over a fuzzed capture FILE: the input is written to a
// file in /dev/shm (tmpfs) and given to the real command-line entry,
//
//     TLSDiagCLI.run(arguments: ["analyze", "--format", <jsonl|text|csv>, path], …)
//
// which runs CaptureReader (libpcap, pcapng, gzip through zlib) → PacketDecoder → FlowTable →
// HandshakeObserver (preambles, TLSWire) → Diagnoser → the report writer, stdout and stderr to
// /dev/null. The format is picked from the input length (so a given input always takes the same
// path). Build with fuzz/build.sh pipeline, run with fuzz/pipeline/run.sh.
//
// Oracles: no trap, no AddressSanitizer report, no hang (libFuzzer's -timeout), memory within
// -rss_limit_mb; the exit status is one the CLI documents (0, 1 or 2; never 64 for a valid command
// line).
#if canImport(Glibc)
import Glibc
#endif
import Reports
import TLSDiagCLI

nonisolated(unsafe) var inputPath = ""
nonisolated(unsafe) var devNull: Int32 = -1

@_cdecl("LLVMFuzzerInitialize")
public func LLVMFuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    inputPath = "\(dir)/tlsdiag-pipeline-fuzz-\(getpid()).pcap"
    devNull = open("/dev/null", O_WRONLY)
    atexit { unlink(inputPath) }                   // libFuzzer ends with exit(): leave no file behind
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd < 0 { fatalError("cannot write \(inputPath)") }
    var off = 0
    while off < size {
        let n = write(fd, data + off, size - off)
        if n <= 0 { fatalError("short write to \(inputPath)") }
        off += n
    }
    close(fd)

    let formats = ["jsonl", "text", "csv"]
    let format = formats[size % formats.count]
    let out = OutputSink(fd: devNull)
    let err = OutputSink(fd: devNull)
    let status = TLSDiagCLI.run(arguments: ["analyze", "--format", format, "--all-connections", inputPath],
                                stdout: out, stderr: err)
    out.flush(); err.flush()
    if status != 0 && status != 1 && status != 2 { fatalError("analyze exited \(status)") }
    return 0
}
