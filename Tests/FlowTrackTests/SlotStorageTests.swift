import Testing
@testable import FlowTrack

/// The slot arrays grow from a malloc block to mapped pages (Linux, from `SlotStorage.mapFrom`
/// bytes) and then with `mremap`: every slot written before a growth must read back the same after
/// it, whichever kinds of block the growth went between.
@Suite struct SlotStorageGrowth {
    struct Wide: Equatable {
        var a: UInt64
        var b: UInt64
        var c: UInt32
    }

    @Test(arguments: [1, 3, 16, 100])
    func contentsSurviveEveryGrowth(firstCapacity: Int) {
        var p = SlotStorage.allocate(Wide.self, capacity: firstCapacity)
        var capacity = firstCapacity
        var written = 0
        // From a few slots to far past `mapFrom` (several MB): malloc → malloc, malloc → pages, pages → pages.
        while capacity < 200_000 {
            while written < capacity {
                (p + written).initialize(to: Wide(a: UInt64(written) &* 0x9E37_79B9, b: ~UInt64(written), c: UInt32(truncatingIfNeeded: written)))
                written += 1
            }
            let next = capacity * 2 + 1
            p = SlotStorage.grow(p, to: next)
            capacity = next
            var wrong = 0
            for i in 0..<written where p[i] != Wide(a: UInt64(i) &* 0x9E37_79B9, b: ~UInt64(i), c: UInt32(truncatingIfNeeded: i)) {
                wrong += 1
            }
            #expect(wrong == 0, "after growing to \(capacity) slots")
        }
        #expect(capacity * MemoryLayout<Wide>.stride > SlotStorage.mapFrom)
        // The newest slots are writable up to the capacity.
        (p + capacity - 1).initialize(to: Wide(a: 1, b: 2, c: 3))
        #expect(p[capacity - 1] == Wide(a: 1, b: 2, c: 3))
        SlotStorage.release(p)
    }

    /// A growth to a capacity the block already has (a mapped block is whole pages) keeps the block.
    @Test func growingWithinTheMappedPagesKeepsTheBlock() {
        let n = SlotStorage.mapFrom / MemoryLayout<UInt64>.stride + 1
        var p = SlotStorage.allocate(UInt64.self, capacity: n)
        for i in 0..<n { (p + i).initialize(to: UInt64(i)) }
        let before = p
        p = SlotStorage.grow(p, to: n + 1)
        #if os(Linux)
        #expect(p == before)
        #endif
        for i in 0..<n { #expect(p[i] == UInt64(i)) }
        SlotStorage.release(p)
    }
}
