#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if os(Linux)
import CSysMem
#endif

/// The table's slot arrays (connections, facts, reassembly sides, observers), grown without
/// copying their bytes where the system allows.
///
/// Growing by allocate + move + deallocate has the old and the new block resident at once (at
/// 10,000 connections 20 MB more peak memory for the observers alone, for an instant) and copies
/// every slot at each doubling. glibc's `realloc` grows a large block with `mremap`, which moves
/// no bytes; mimalloc's (the executable's allocator) allocates and copies. So on Linux a block
/// from `mapFrom` bytes on is mapped pages of its own, grown with `mremap` (pages moved or
/// extended, never copied); smaller blocks use `malloc`/`realloc`. Swift values are bitwise
/// movable, so moving them with the pages is what `moveInitialize` does; slots past the old
/// capacity are uninitialized, as with `allocate`.
///
/// A block starts with a 16-byte header (the elements follow it, 16-byte aligned): the mapped
/// length in bytes (0 for a malloc block) and the block's length, header included.
enum SlotStorage {
    static let headerBytes = 16
    /// Blocks this large or larger are mapped (Linux). 1 MiB: below it, a doubling's copy costs
    /// little, and a batch's many small captures make no mapping (each mmap/munmap pair in a
    /// process with threads also flushes the other cores' TLBs); above it, the one copy from a
    /// malloc block to pages is at most this much.
    static let mapFrom = 1 << 20

    static func allocate<T: ~Copyable>(_ type: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        grow(nil, to: capacity)
    }

    static func grow<T: ~Copyable>(_ p: UnsafeMutablePointer<T>?, to capacity: Int) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.alignment <= 16, "malloc aligns to 16 bytes")
        let (bytes, overflow) = max(1, capacity).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        let (total, overflow2) = bytes.addingReportingOverflow(headerBytes)
        guard !overflow, !overflow2 else { outOfMemory(capacity) }
        let old = p.map { UnsafeMutableRawPointer($0) - headerBytes }
        let oldMapped = old?.load(as: Int.self) ?? 0
        let oldTotal = old?.load(fromByteOffset: 8, as: Int.self) ?? 0
        let base = growBlock(old, mapped: oldMapped, total: oldTotal, to: total, capacity: capacity)
        return (base + headerBytes).bindMemory(to: T.self, capacity: max(1, capacity))
    }

    /// The block `old` (nil for none) grown to `total` bytes, its header written.
    private static func growBlock(_ old: UnsafeMutableRawPointer?, mapped: Int, total oldTotal: Int, to total: Int,
                                  capacity: Int) -> UnsafeMutableRawPointer {
        #if os(Linux)
        if total >= mapFrom {
            let page = 4096
            let (rounded, o) = total.addingReportingOverflow(page - 1)
            guard !o else { outOfMemory(capacity) }
            let size = rounded & ~(page - 1)
            if let old, mapped > 0 {
                if size <= mapped { return old }
                guard let m = tlsdiag_mremap_maymove(old, mapped, size), m != MAP_FAILED else { outOfMemory(capacity) }
                m.storeBytes(of: size, as: Int.self)
                m.storeBytes(of: size, toByteOffset: 8, as: Int.self)
                return m
            }
            guard let m = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED else {
                outOfMemory(capacity)
            }
            if let old {
                // From a malloc block to pages: its bytes are copied once, at most `mapFrom` of them.
                m.copyMemory(from: old, byteCount: min(oldTotal, size))
                free(old)
            }
            m.storeBytes(of: size, as: Int.self)
            m.storeBytes(of: size, toByteOffset: 8, as: Int.self)
            return m
        }
        #endif
        // A malloc block (a mapped one never shrinks back: `total` above `mapped` only grows it).
        if let old, mapped > 0 { return old }
        guard let m = realloc(old, total) else { outOfMemory(capacity) }
        m.storeBytes(of: 0, as: Int.self)
        m.storeBytes(of: total, toByteOffset: 8, as: Int.self)
        return m
    }

    private static func outOfMemory(_ capacity: Int) -> Never {
        fatalError("out of memory growing the connection table to \(capacity) slots")
    }

    static func release<T: ~Copyable>(_ p: UnsafeMutablePointer<T>) {
        let base = UnsafeMutableRawPointer(p) - headerBytes
        let mapped = base.load(as: Int.self)
        #if os(Linux)
        if mapped > 0 {
            munmap(base, mapped)
            return
        }
        #endif
        free(base)
    }
}
