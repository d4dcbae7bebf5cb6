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

/// Threads kept for all of a batch's phases (the captures, the end-of-batch verdicts, the text report), each
/// running the tasks handed to it in turn: a thread's start and its end are paid once, and its
/// heap's pages serve the next phase. (A thread's end costs mimalloc a walk of every page of its
/// heap: about 2 M instructions a thread on the benchmark folder, which a new thread a phase paid
/// twice, while the other thread waited in `join`.)
final class HelperThreads: @unchecked Sendable {
    private let condition = ThreadCondition()
    private var tasks: [@Sendable () -> Void] = []
    /// Tasks handed over and not finished.
    private var unfinished = 0
    private var closing = false
    private var threads: [WorkerThread] = []

    /// Starts up to `count` threads (fewer if the system refuses some).
    init(count: Int) {
        for _ in 0..<max(0, count) {
            guard let t = WorkerThread.start({ [self] in self.loop() }) else { break }
            threads.append(t)
        }
    }

    /// The threads running.
    var count: Int { threads.count }

    private func loop() {
        condition.lock()
        while true {
            while tasks.isEmpty && !closing { condition.wait() }
            if tasks.isEmpty { break }
            let task = tasks.removeFirst()
            condition.unlock()
            task()
            condition.lock()
            unfinished -= 1
            if unfinished == 0 { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Hands `task` to the next free thread.
    func run(_ task: @escaping @Sendable () -> Void) {
        condition.lock()
        tasks.append(task)
        unfinished += 1
        condition.unlock()
        condition.broadcast()
    }

    /// Waits until every task handed over has finished.
    func wait() {
        condition.lock()
        while unfinished > 0 { condition.wait() }
        condition.unlock()
    }

    /// Lets the threads end once their tasks are done, without waiting for them (`join` waits).
    func close() {
        condition.lock()
        closing = true
        condition.unlock()
        condition.broadcast()
    }

    /// Closes and waits for every thread to end.
    func join() {
        close()
        for t in threads { t.join() }
        threads = []
    }
}
