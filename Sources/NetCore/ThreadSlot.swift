#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A small number for the calling thread, fixed for its life: threads are numbered in the order
/// they first ask (0, 1, 2, …). Process-wide caches of strings use it to keep a table per thread
/// (up to a few), so that threads working side by side (batch workers) do not share the strings
/// they hand out: every copy of a shared string retains and releases it, and two cores doing that to
/// the same object pass its cache line back and forth (docs/performance.md, "batch").
public enum ThreadSlot {
    private static let next = Atomic<Int>(0)
    nonisolated(unsafe) private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// The calling thread's number.
    public static var current: Int {
        if let p = pthread_getspecific(key) { return Int(bitPattern: p) &- 1 }
        let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: n &+ 1))
        return n
    }

    /// The calling thread's shard among `count`.
    @inline(__always)
    public static func shard(of count: Int) -> Int { current % max(1, count) }
}
