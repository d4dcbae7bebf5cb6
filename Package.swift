// swift-tools-version:6.0
//
// tlsdiag: reads packet captures and explains TLS handshakes.
//
// The pipeline, one module a stage, data flowing one way:
//   PcapIO (libpcap) → PacketDecode → FlowTrack → Preambles → TLSWire → Handshake → Diagnosis → Reports
// TLSDiagKit joins the stages; TLSDiagCLI is the command line; `tlsdiag` is a thin main.swift.
import PackageDescription
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let lifetimes: [SwiftSetting] = [.enableExperimentalFeature("Lifetimes")]

/// The release executable's C++ library (the Swift runtime's) from its static archive, when Debian's
/// GCC 12 one is there: `scripts/link/static-libstdc++` holds only a link to `libstdc++.a`, searched
/// before the folder that also has `libstdc++.so` (swiftc's `-lstdc++` cannot be made static
/// otherwise). libstdc++.so's 1,665 symbol bindings at every start were half the dynamic loader's
/// (docs/performance.md, "batch").
let staticCxx: [LinkerSetting] = {
    let folder = Context.packageDirectory + "/scripts/link/static-libstdc++"
    guard access(folder + "/libstdc++.a", R_OK) == 0 else { return [] }
    return [.unsafeFlags(["-L", folder], .when(platforms: [.linux], configuration: .release))]
}()

/// A C library linked from its shared object in debug builds (the tests) and from its static
/// archive in release builds: the dynamic linker resolved about 5,000 symbols of libcrypto and
/// SQLite at every start, 0.4 ms of each `tlsdiag` run (docs/performance.md, "batch").
func staticInRelease(_ name: String) -> [LinkerSetting] {
    [.linkedLibrary(name, .when(configuration: .debug)),
     .unsafeFlags(["-Xlinker", "-Bstatic", "-Xlinker", "-l\(name)", "-Xlinker", "-Bdynamic"], .when(configuration: .release))]
}

let package = Package(
    name: "tlsdiag",
    products: [
        .executable(name: "tlsdiag", targets: ["tlsdiag"]),
        .library(name: "TLSWire", targets: ["TLSWire"]),
        .library(name: "TLSDiagKit", targets: ["TLSDiagKit"]),
    ],
    targets: [
        // C libraries from Debian -dev packages, each wrapped once in Swift.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libcrypto and SQLite: linked by the targets that use them (below), into the release
        // executable from their static archives (Debian's -dev packages ship them).
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // mimalloc, the executable's allocator (not the libraries' or the tests'): faster than
        // glibc's malloc on one thread, and it stays fast on several (batch). docs/performance.md.
        .systemLibrary(name: "CMimalloc", providers: [.apt(["libmimalloc-dev"])]),
        // Linux's mremap(2) for FlowTrack's slot arrays (header only, nothing linked).
        .systemLibrary(name: "CSysMem"),

        // Small value types every stage shares: timestamps, addresses, endpoints.
        .target(name: "NetCore"),
        // libpcap: files (pcap, pcapng, .gz streamed through zlib), live capture, dump files.
        .target(name: "PcapIO", dependencies: ["NetCore", "CPcap", "CZlib"]),
        // Link layer → tunnels → IPv4/IPv6 → TCP/UDP, zero-copy over the packet bytes.
        .target(name: "PacketDecode", dependencies: ["NetCore"]),
        // TCP connections: roles, per-direction reassembly, SYN/FIN/RST, limits and eviction.
        // Cross-module optimization: the generic `FlowCore` is specialized where a table is made
        // (TLSDiagKit, for the handshake observer), its observer calls then direct (docs/performance.md).
        .target(name: "FlowTrack", dependencies: ["NetCore", "PacketDecode", .target(name: "CSysMem", condition: .when(platforms: [.linux]))],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // TLS wire format: records, handshake messages, hellos, certificates. No Foundation, no C.
        .target(name: "TLSWire", swiftSettings: lifetimes),
        // JA3 / JA4 fingerprints and certificate hashes (libcrypto for MD5 / SHA-256).
        .target(name: "TLSFingerprint", dependencies: ["TLSWire", "CCrypto"], linkerSettings: staticInRelease("crypto")),
        // What comes before TLS on a connection: RDP X.224, STARTTLS, PostgreSQL, MySQL.
        .target(name: "Preambles"),
        // Per-connection handshake state machine over the two reassembled streams.
        .target(name: "Handshake", dependencies: ["NetCore", "FlowTrack", "Preambles", "TLSWire", "TLSFingerprint"]),
        // Outcome, category, blame, evidence and hints for each connection.
        .target(name: "Diagnosis", dependencies: ["NetCore", "FlowTrack", "Handshake", "Preambles", "TLSWire"]),
        // Text, JSON Lines, CSV and HTML reports.
        .target(name: "Reports", dependencies: ["NetCore", "FlowTrack", "Handshake", "Diagnosis", "Preambles", "TLSWire"]),
        // The pipeline: capture → decode → flows → handshakes → diagnoses, for analyze, live and batch.
        .target(name: "TLSDiagKit", dependencies: ["NetCore", "PcapIO", "PacketDecode", "FlowTrack", "Preambles", "Handshake", "Diagnosis", "Reports", "TLSWire", "CSQLite"],
                linkerSettings: staticInRelease("sqlite3")),
        // Command-line parsing and the subcommands; a library so it can be tested.
        .target(name: "TLSDiagCLI", dependencies: ["TLSDiagKit", "Reports", "PcapIO"]),
        // The Swift runtime linked in: start-up is a third of the instructions (no symbol binding
        // for the Swift libraries), which counts for batch and for scripts calling analyze per file.
        // The release executable is not position-independent: a PIE's 25,600 relative relocations
        // (the static runtime's and our metadata's pointers) were applied at every start, each
        // written page copied (docs/performance.md, "batch").
        .executableTarget(name: "tlsdiag", dependencies: ["TLSDiagCLI", "CMimalloc"],
                          linkerSettings: [.unsafeFlags(["-static-stdlib"]),
                                           .unsafeFlags(["-Xclang-linker", "-no-pie"], .when(configuration: .release))] + staticCxx),

        .testTarget(name: "NetCoreTests", dependencies: ["NetCore"]),
        .testTarget(name: "PcapIOTests", dependencies: ["PcapIO", "NetCore"]),
        .testTarget(name: "PacketDecodeTests", dependencies: ["PacketDecode", "PcapIO", "NetCore"]),
        .testTarget(name: "FlowTrackTests", dependencies: ["FlowTrack", "PacketDecode", "NetCore"]),
        .testTarget(name: "TLSWireTests", dependencies: ["TLSWire"], swiftSettings: lifetimes),
        .testTarget(name: "TLSFingerprintTests", dependencies: ["TLSFingerprint"]),
        .testTarget(name: "PreamblesTests", dependencies: ["Preambles"]),
        .testTarget(name: "RobustnessTests", dependencies: ["TLSDiagKit", "TLSDiagCLI", "PcapIO", "PacketDecode", "FlowTrack", "TLSWire", "Handshake", "NetCore"]),
        .testTarget(name: "TLSDiagKitTests", dependencies: ["TLSDiagKit", "TLSDiagCLI", "Reports", "Diagnosis", "Handshake", "FlowTrack", "NetCore", "PcapIO", "Preambles", "TLSWire"]),
    ]
)
