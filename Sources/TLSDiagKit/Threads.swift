#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The batch's threads, lock and condition, on POSIX threads directly (each call wrapped once), so
// that TLSDiagKit does not link Foundation: Foundation and its ICU data cost every tlsdiag process
// about 3 MiB of resident memory and 10 M instructions of start-up (measured on `tlsdiag`).

/// A mutex with a condition variable (what NSCondition was): `lock`, `wait`, `signal`.
final class ThreadCondition: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        // Timed waits measure the monotonic clock: a change of the wall clock does not cut them short.
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func signal() { pthread_cond_signal(cond) }
    func broadcast() { pthread_cond_broadcast(cond) }
    /// Waits for a signal (the lock held).
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits for a signal or `seconds`, whichever comes first (the lock held).
    func wait(seconds: Double) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let whole = Int(max(0, seconds))
        let nanos = Int((max(0, seconds) - Double(whole)) * 1e9)
        ts.tv_sec += whole
        ts.tv_nsec += nanos
        if ts.tv_nsec >= 1_000_000_000 { ts.tv_sec += 1; ts.tv_nsec -= 1_000_000_000 }
        _ = pthread_cond_timedwait(cond, mutex, &ts)
    }

    /// `body` with the lock held.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock(); defer { unlock() }
        return try body()
    }
}

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// A thread running one closure; `join()` waits for it to end.
struct WorkerThread: @unchecked Sendable {
    private let handle: pthread_t

    /// Starts `body` on a new thread with a stack of `stackSize` bytes; nil if the system refuses
    /// (the caller then runs the work itself).
    static func start(stackSize: Int = 8 << 20, _ body: @escaping @Sendable () -> Void) -> WorkerThread? {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, stackSize)
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, &attr, { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return nil
        }
        return WorkerThread(handle: handle)
    }

    func join() { pthread_join(handle, nil) }
}
