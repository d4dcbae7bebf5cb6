#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The table's slot arrays (connections, reassembly sides, observers), grown with `realloc`.
///
/// Growing by allocate + move + deallocate has the old and the new block resident at once: at
/// 10,000 connections that was 20 MB more peak memory for the observers alone, for an instant.
/// glibc grows a large block with `mremap`, which moves no bytes and never holds both. Swift
/// values are bitwise movable, so `realloc` moving them is what `moveInitialize` does; slots past
/// the old capacity are uninitialized, as with `allocate`.
enum SlotStorage {
    static func allocate<T: ~Copyable>(_ type: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        grow(nil, to: capacity)
    }

    static func grow<T: ~Copyable>(_ p: UnsafeMutablePointer<T>?, to capacity: Int) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.alignment <= 16, "malloc aligns to 16 bytes")
        let (bytes, overflow) = max(1, capacity).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, let raw = realloc(p.map { UnsafeMutableRawPointer($0) }, max(1, bytes)) else {
            fatalError("out of memory growing the connection table to \(capacity) slots")
        }
        return raw.bindMemory(to: T.self, capacity: max(1, capacity))
    }

    static func release<T: ~Copyable>(_ p: UnsafeMutablePointer<T>) {
        free(UnsafeMutableRawPointer(p))
    }
}
