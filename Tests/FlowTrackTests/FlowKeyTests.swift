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
            let s = FlowSeeds.next()
            #expect(seen.insert(s).inserted)
            for b in 0..<64 where s >> UInt64(b) & 1 == 1 { ones[b] += 1 }
        }
        // Each bit is set in about half of them (a counter alone would leave the high bits fixed).
        #expect(ones.allSatisfy { $0 > 4_500 && $0 < 5_500 }, "\(ones)")
        let seeds = Mutex<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let mine = (0..<2_000).map { _ in FlowSeeds.next() }
            seeds.withLock { $0 += mine }
        }
        #expect(seeds.withLock { $0.count == 8_000 && Set($0).count == 8_000 })
    }
}

/// The index from keys to slots: a new entry takes its home bucket (the run after it moves one
/// bucket on), and every entry stays reachable through insertions, growth and removals.
@Suite struct FlowIndexes {
    /// A key whose hash is `hash` (the index looks at the hash and compares keys by their words).
    static func key(_ n: UInt64, hash: UInt64) -> FlowKey {
        FlowKey(aHigh: 0, aLow: n, bHigh: 0, bLow: n &+ 1, portsAndVersion: FlowKey.packedV4, hash64: hash)
    }

    @Test("the newest of colliding entries sits in its home bucket, the older ones after it, all found")
    func newestTakesItsHomeBucket() {
        var index = FlowIndex(initialBuckets: 64)
        defer { index.free() }
        var keys: [FlowKey] = []
        // Ten keys with one home bucket (the tags differ above the mask), then one homed just after
        // them, inside their run.
        for n in 0..<10 {
            let k = Self.key(UInt64(n), hash: UInt64(n) << 20 | 5)
            keys.append(k)
            index.insert(hash: k.hash64, slot: n)
            #expect(index.entries[5] == FlowIndex.tag(k.hash64) << 32 | UInt64(n + 1))
        }
        let inRun = Self.key(100, hash: 7)
        keys.append(inRun)
        index.insert(hash: inRun.hash64, slot: 10)
        #expect(index.entries[7] & 0xFFFF_FFFF == 11)
        for (slot, k) in keys.enumerated() {
            #expect(index.find(k) { keys[$0] } == slot)
        }
        #expect(index.find(Self.key(999, hash: 5)) { keys[$0] } == -1)
        // Removing the newest shifts the run back: the rest are still found.
        index.remove(hash: keys[9].hash64, slot: 9)
        for (slot, k) in keys.enumerated() where slot != 9 {
            #expect(index.find(k) { keys[$0] } == slot)
        }
        #expect(index.find(keys[9]) { keys[$0] } == -1)
    }

    @Test("random inserts and removals, with growth and runs wrapping past the last bucket, agree with a dictionary",
          arguments: [1, 2, 3])
    func agreesWithADictionary(round: Int) {
        var rng = SplitMix(seed: UInt64(round))
        var index = FlowIndex(initialBuckets: 16)
        defer { index.free() }
        var keys: [FlowKey] = []
        var live: [Int: FlowKey] = [:]
        for step in 0..<4_000 {
            if live.isEmpty || rng.next() % 3 != 0 {
                // Few distinct low bits, many near the last buckets: long runs that wrap around.
                let low = [0, 1, 2, UInt64.max][Int(rng.next() % 4)] &+ (rng.next() % 3 == 0 ? rng.next() % 8 : 0)
                let k = Self.key(UInt64(step) &* 2, hash: (rng.next() << 32) | (rng.next() & 0xFFFF_0000) | (low & 0xFFFF))
                keys.append(k)
                index.insert(hash: k.hash64, slot: keys.count - 1)
                live[keys.count - 1] = k
            } else {
                let victim = live.keys.sorted()[Int(rng.next() % UInt64(live.count))]
                index.remove(hash: keys[victim].hash64, slot: victim)
                live[victim] = nil
            }
            if step % 97 == 0 {
                for (slot, k) in live { #expect(index.find(k) { keys[$0] } == slot) }
            }
        }
        #expect(index.count == live.count)
        for (slot, k) in keys.enumerated() {
            #expect(index.find(k) { keys[$0] } == (live[slot] == nil ? -1 : slot))
        }
    }
}

