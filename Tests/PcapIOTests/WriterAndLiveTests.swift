import Foundation
import Glibc
import NetCore
import Testing
@testable import PcapIO

@Suite struct DumpWriterTests {
    @Test func nanosecondRoundTripKeepsBytesAndStamps() throws {
        let source = try Files.corpus("arkime/pcap/openssl-tls1_2.pcap")
        let originals = try readAll(try CaptureReader(path: source))
        let tmp = try TempDir()
        let out = tmp.path("nano.pcap")
        let w = try DumpWriter(path: out, linkType: 1, snapshotLength: 65535, precision: .nanoseconds)
        // Give each packet a stamp with all nine digits.
        let stamps = originals.indices.map { Timestamp(seconds: 1_700_000_000 + Int64($0), nanoseconds: 123_456_789 &+ UInt32($0)) }
        for (p, t) in zip(originals, stamps) {
            p.bytes.withUnsafeBytes { w.write(bytes: $0, wireLength: p.wire, time: t) }
        }
        #expect(w.packetsWritten == 20)
        try w.close()
        let head = try Files.bytes(out).prefix(4)
        #expect(Array(head) == [0x4d, 0x3c, 0xb2, 0xa1])     // nanosecond magic, little-endian
        let r = try CaptureReader(path: out)
        #expect(r.format == .pcap(precision: .nanoseconds, swapped: false))
        let back = try readAll(r)
        #expect(back.map(\.bytes) == originals.map(\.bytes))
        #expect(back.map(\.wire) == originals.map(\.wire))
        #expect(back.map(\.time) == stamps)
    }

    @Test func microsecondFileDropsTheLastThreeDigits() throws {
        let tmp = try TempDir()
        let out = tmp.path("micro.pcap")
        let w = try DumpWriter(path: out, linkType: 12, snapshotLength: 1500, precision: .microseconds)
        let payload: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
        payload.withUnsafeBytes { w.write(bytes: $0, wireLength: 20, time: Timestamp(seconds: 5, nanoseconds: 987_654_321)) }
        try w.close()
        try w.close()   // closing twice is harmless
        let r = try CaptureReader(path: out)
        #expect(r.format == .pcap(precision: .microseconds, swapped: false))
        #expect(r.linkType == 12 && r.snapshotLength == 1500)
        let p = try #require(try r.next())
        #expect(p.time == Timestamp(seconds: 5, nanoseconds: 987_654_000))
        #expect([UInt8](p.bytes) == payload)
    }

    @Test func unwritablePath() throws {
        let e = try #require(throws: CaptureError.self) {
            _ = try DumpWriter(path: "/nonexistent/dir/out.pcap", linkType: 1)
        }
        #expect(e.code == .fileNotFound)
        #expect(e.reason.contains("libpcap"))
    }
}

@Suite struct LiveCaptureTests {
    @Test func interfacesIncludeLoopback() throws {
        let list = try LiveCapture.listInterfaces()
        let lo = try #require(list.first { $0.name == "lo" })
        #expect(lo.isLoopback && lo.isUp && lo.isRunning)
        #expect(lo.addresses.contains(IPAddress("127.0.0.1")!))
        #expect(list.contains { $0.name == "any" })
    }

    @Test func filterValidation() throws {
        try LiveCapture.validateFilter("tcp port 443 or udp port 443")
        let e = try #require(throws: CaptureError.self) { try LiveCapture.validateFilter("tcp prt 443") }
        #expect(e.code == .filterError)
        #expect(e.reason.contains("filter: \"tcp prt 443\""))
        #expect(e.libpcapMessage?.contains("syntax error") == true)
    }

    @Test func unknownInterfaceNamesTheOnesThereAre() throws {
        let e = try #require(throws: CaptureError.self) { _ = try LiveCapture(interface: "nosuchif0") }
        if geteuid() == 0 {
            #expect(e.code == .noSuchDevice)
            #expect(e.reason.contains("interfaces there are: "))
            #expect(e.reason.contains("lo"))
        } else {
            // Without privileges libpcap fails on the socket before looking up the device.
            #expect(e.code == .permissionDenied)
            #expect(e.reason.contains("CAP_NET_RAW"))
        }
        #expect(e.path == "nosuchif0")
    }

    @Test func capturesOwnDatagramOnLoopbackAndBreaksLoop() throws {
        let port: UInt16 = 47_000 + UInt16(getpid() % 1000)
        let live: LiveCapture
        do {
            live = try LiveCapture(interface: "lo", options: .init(timeoutMilliseconds: 50))
        } catch {
            // Unprivileged: the error must say what is needed.
            #expect(geteuid() != 0)
            #expect(error.code == .permissionDenied)
            #expect(error.reason.contains("root or the CAP_NET_RAW capability"))
            return
        }
        #expect(live.linkType == 1)
        #expect(live.snapshotLength == 262_144)
        try live.setFilter("udp and dst port \(port)")
        #expect(live.filter == "udp and dst port \(port)")
        // Nothing sent yet: the read timeout passes and says so (distinct from the end).
        if case .timeout = try live.next() {} else { Issue.record("expected .timeout before anything was sent") }

        // Send a datagram to ourselves.
        let marker = Array("tlsdiag-live-test".utf8)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let sent = marker.withUnsafeBytes { m in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, m.baseAddress, m.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        #expect(sent == marker.count)

        var found: [UInt8]? = nil
        var timeouts = 0
        while found == nil && timeouts < 100 {
            switch try live.next() {
            case .packet(let p):
                #expect(p.fileOffset == nil)
                found = [UInt8](p.bytes)
            case .timeout: timeouts += 1
            case .end: Issue.record("ended before the packet"); return
            }
        }
        let bytes = try #require(found)
        #expect(bytes.suffix(marker.count).elementsEqual(marker))
        #expect(live.packetNumber == 1)
        let st = try live.stats()
        #expect(st.received >= 1)

        // breakLoop from another thread ends the next read with .end.
        let breaker = live.breaker
        let t = Thread { usleep(20_000); breaker.breakLoop() }
        t.start()
        var ended = false
        for _ in 0..<200 {
            if case .end = try live.next() { ended = true; break }
        }
        #expect(ended)

        // A registered signal breaks the loop the same way (the handler only calls pcap_breakloop).
        live.breakOnSignals([SIGUSR1])
        kill(getpid(), SIGUSR1)    // process-directed, like Ctrl-C
        var endedBySignal = false
        for _ in 0..<200 {
            if case .end = try live.next() { endedBySignal = true; break }
        }
        LiveCapture.stopBreakingOnSignals()
        #expect(endedBySignal)

        // The capture's own link type and precision go to a dump file.
        let tmp = try TempDir()
        let w = try DumpWriter(path: tmp.path("live.pcap"), for: live)
        bytes.withUnsafeBytes { w.write(bytes: $0, wireLength: $0.count, time: Timestamp(seconds: 1, nanoseconds: 2)) }
        try w.close()
        let r = try CaptureReader(path: tmp.path("live.pcap"))
        #expect(r.linkType == 1)
        #expect(try r.next().map { [UInt8]($0.bytes) } == bytes)
    }
}
