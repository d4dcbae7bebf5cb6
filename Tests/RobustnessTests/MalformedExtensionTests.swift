import Foundation
import Testing
import NetCore
@testable import TLSDiagKit

/// A hello whose extensions cannot all be read is reported as such: a server_name list longer than
/// its extension leaves the hello without SNI, and the report says why rather than showing "no SNI"
/// alone. Two connections send the same malformed hello (the second is answered from the hello
/// memo, which must carry the problem too), a third a well-formed one.
@Suite struct MalformedExtensionTests {
    static let server = (ipv4(10, 9, 0, 2), UInt16(443))

    /// server_name whose list claims 200 bytes in an extension of 12.
    static let overflowingSNI: [UInt8] = {
        var d: [UInt8] = []
        d.be16(200); d.append(0); d.be16(7); d += Array("a.b.com".utf8)
        return d
    }()

    static func capture(_ dir: TempDir) throws -> String {
        var frames: [[UInt8]] = []
        let bad = TLSBuild.record(TLSBuild.handshake(1, TLSBuild.clientHelloBody(extensions: [(0, overflowingSNI), (10, [0, 2, 0, 0x1d])])))
        let good = TLSBuild.record(TLSBuild.handshake(1, TLSBuild.clientHelloBody(extensions: [(0, TLSBuild.sni("a.b.com")), (10, [0, 2, 0, 0x1d])])))
        for (port, hello) in [(UInt16(40001), bad), (40002, bad), (40003, good)] {
            var c = Conversation(client: (ipv4(10, 9, 0, 1), port), server: server)
            frames += c.handshake()
            frames += c.clientData(hello)
            frames.append(c.serverReset())
        }
        var pcap = PcapFile()
        for (i, f) in frames.enumerated() { pcap.append(f, at: Timestamp(seconds: 1_700_000_000, nanoseconds: UInt32(i) * 1_000_000)) }
        return try dir.write("malformed-sni.pcap", pcap.bytes)
    }

    @Test func overflowingServerNameIsReportedNotSilentlyDropped() throws {
        let dir = try TempDir(); defer { dir.remove() }
        let path = try Self.capture(dir)
        let r = try analyzeJSONL(path, in: dir)
        let conns = r.connections
        #expect(conns.count == 3)
        for c in conns {
            let port = (c["client"] as? String)?.split(separator: ":").last.map(String.init)
            let hello = try #require(c["client_hello"] as? [String: Any], "\(port ?? "?")")
            if port == "40003" {
                #expect(hello["sni"] as? String == "a.b.com")
                #expect(c["parse_errors"] == nil, "a well-formed hello has no parse_errors field")
            } else {
                #expect(hello["sni"] is NSNull, "the name cannot be read")
                let errors = try #require(c["parse_errors"] as? [String], "\(port ?? "?")")
                #expect(errors.count == 1)
                #expect(errors[0].hasPrefix("client: ClientHello: 1 malformed extension, the first: "), "\(errors[0])")
            }
        }
        // The text report shows it too.
        let text = try runCLI(["analyze", path], in: dir)
        #expect(text.stdout.components(separatedBy: "ClientHello: 1 malformed extension").count == 3, "\(text.stdout)")
    }

    @Test func aServerHelloWithUnreadableExtensionsIsReported() throws {
        // Arkime's synthetic capture: a ServerHello echoing every extension type with empty data.
        let path = Paths.shared.appendingPathComponent("corpus/arkime/pcap/arkime_synthetic.pcap").path
        try #require(FileManager.default.fileExists(atPath: path), "shared corpus missing: \(path)")
        let dir = try TempDir(); defer { dir.remove() }
        let errors = try analyzeJSONL(path, in: dir).connections.compactMap { $0["parse_errors"] as? [String] }.flatMap { $0 }
        #expect(errors.contains { $0.hasPrefix("server: ServerHello: 8 malformed extensions, the first: ") }, "\(errors)")
    }
}
