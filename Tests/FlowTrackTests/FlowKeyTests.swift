import Testing
import Dispatch
import Synchronization
import NetCore
import PacketDecode
@testable import FlowTrack

/// The connection key: both directions of a connection give one key, and any change of an
/// address, a port or the IP version gives another (the ports and the version share one word).
@Suite struct FlowKeys {
    static func packet(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16) -> DecodedPacket {
        DecodedPacket(src: s, dst: d, ipProtocol: 6, srcPort: sp, dstPort: dp,
                      tcp: TCPInfo(seq: 0, ack: 0, flags: [.ack], window: 0), payloadWireLength: 0)
    }

    @Test func eachFieldTellsConnectionsApart() {
        let seed: UInt64 = 0x1234_5678_9ABC_DEF0
        let a = IPAddress(v4: 0x0A00_0001), b = IPAddress(v4: 0x0A00_0002)
        let a6 = IPAddress(v6High: 0, v6Low: 0x0A00_0001)  // same low word as `a`
        let base = FlowKey.make(Self.packet(a, 50000, b, 443), seed: seed)
        let back = FlowKey.make(Self.packet(b, 443, a, 50000), seed: seed)
        #expect(base.key == back.key && base.senderIsA != back.senderIsA)
        let others = [
            Self.packet(a, 50001, b, 443), Self.packet(a, 50000, b, 444), Self.packet(a, 443, b, 50000),
            Self.packet(a6, 50000, IPAddress(v6High: 0, v6Low: 0x0A00_0002), 443),
            Self.packet(a, 50000, IPAddress(v4: 0x0A00_0003), 443),
            Self.packet(IPAddress(v6High: 1, v6Low: 0x0A00_0001), 50000, IPAddress(v6High: 1, v6Low: 0x0A00_0002), 443),
        ]
        for p in others {
            let k = FlowKey.make(p, seed: seed).key
            #expect(k != base.key, "\(p.src):\(p.srcPort) → \(p.dst):\(p.dstPort)")
            // Same key words but the hash: still different (the comparison does not trust the hash).
            var forged = k
            forged.hash64 = base.key.hash64
            #expect(forged != base.key)
        }
    }

    @Test("each table gets its own seed: 10,000 in a row all differ, on several threads too, and are spread over every bit")
    func tablesHaveTheirOwnSeeds() {
        var seen = Set<UInt64>()
        var ones = [Int](repeating: 0, count: 64)
        for _ in 0..<10_000 {
            let s = FlowCore.nextSeed()
            #expect(seen.insert(s).inserted)
            for b in 0..<64 where s >> UInt64(b) & 1 == 1 { ones[b] += 1 }
        }
        // Each bit is set in about half of them (a counter alone would leave the high bits fixed).
        #expect(ones.allSatisfy { $0 > 4_500 && $0 < 5_500 }, "\(ones)")
        let seeds = Mutex<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let mine = (0..<2_000).map { _ in FlowCore.nextSeed() }
            seeds.withLock { $0 += mine }
        }
        #expect(seeds.withLock { $0.count == 8_000 && Set($0).count == 8_000 })
    }
}
