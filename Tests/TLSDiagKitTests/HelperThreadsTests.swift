import Testing
import Synchronization
import Glibc
@testable import TLSDiagKit

/// The batch's kept threads: tasks run on them (not on the caller), `wait` returns only when every
/// task handed over has finished, and the same threads serve one phase after another.
@Suite struct HelperThreadsTests {
    final class Seen: @unchecked Sendable {
        let lock = Mutex<[UInt]>([])
        func add(_ t: UInt) { lock.withLock { $0.append(t) } }
        var all: [UInt] { lock.withLock { $0 } }
    }

    @Test func tasksRunOnTheKeptThreadsAndWaitWaitsForAll() {
        let helpers = HelperThreads(count: 2)
        defer { helpers.join() }
        #expect(helpers.count == 2)
        let me = UInt(pthread_self())
        let done = Atomic<Int>(0)
        let seen = Seen()
        for _ in 0..<50 {
            helpers.run {
                usleep(200)
                seen.add(UInt(pthread_self()))
                done.wrappingAdd(1, ordering: .relaxed)
            }
        }
        helpers.wait()
        #expect(done.load(ordering: .relaxed) == 50)
        let first = Set(seen.all)
        #expect(!first.contains(me))
        #expect(first.count <= 2)
        // A second phase on the same threads.
        for _ in 0..<20 { helpers.run { seen.add(UInt(pthread_self())) } }
        helpers.wait()
        #expect(seen.all.count == 70)
        #expect(Set(seen.all).count <= 2)
    }

    @Test(arguments: [1, 2, 3, 5])
    func parallelRunCoversEveryWorkerWithOrWithoutHelpers(threads: Int) {
        for helpers in [nil, HelperThreads(count: 1), HelperThreads(count: 4)] {
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
            hits.initialize(repeating: 0)
            let box = UnsafeMutableBufferPointerBox(hits)
            Parallel.run(threads: threads, helpers: helpers) { w in box.buffer[w] += 1 }
            #expect(Array(hits) == [Int](repeating: 1, count: threads))
            hits.deallocate()
            helpers?.join()
        }
    }

    @Test func mapReduceGivesTheSameWithHelpers() {
        let helpers = HelperThreads(count: 1)
        defer { helpers.join() }
        let plain = Parallel.map(count: 1000, jobs: 2) { $0 &* 7 }
        let (kept, _) = Parallel.mapReduce(count: 1000, jobs: 2, helpers: helpers, perThread: { () }) { i, _, _ in i &* 7 }
        #expect(plain == kept)
        #expect(kept == (0..<1000).map { $0 &* 7 })
    }
}
