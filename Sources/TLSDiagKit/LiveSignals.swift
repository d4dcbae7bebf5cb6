import Glibc
import Synchronization

/// SIGINT and SIGTERM for `tlsdiag live`: the handler (installed with `sigaction`) only sets the
/// stopper's atomic flag and breaks the capture's read (an atomic store and one write(2) to a
/// pipe), all async-signal-safe; the capture loop sees the flag (or the broken read) and ends
/// cleanly, reporting what is still open.
public enum LiveSignals {
    /// Routes `signals` to `stopper` until `uninstall()`. One stopper at a time.
    public static func install(_ stopper: LiveStopper, signals: [Int32] = [SIGINT, SIGTERM]) {
        // The stopper stays retained for the life of the process: a handler running on another
        // thread at the moment of a switch must never see a freed object (it is one small object
        // per run).
        let new = UInt(bitPattern: Unmanaged.passRetained(stopper).toOpaque())
        liveSignalTarget.store(new, ordering: .sequentiallyConsistent)
        for s in signals {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = liveSignalHandler
            sigemptyset(&sa.sa_mask)
            // SA_RESTART: a write to stdout interrupted by Ctrl-C is resumed, not failed.
            sa.sa_flags = SA_RESTART
            sigaction(s, &sa, nil)
            _ = liveInstalledSignals.withLock { $0.insert(s) }
        }
        // A parent may have started us with these signals blocked (the mask is inherited across
        // exec): unblock them on this thread, or Ctrl-C and SIGTERM would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Restores the default actions, so a second Ctrl-C during the final report ends the process.
    public static func uninstall() {
        let sigs = liveInstalledSignals.withLock { s -> Set<Int32> in let c = s; s.removeAll(); return c }
        for s in sigs {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = SIG_DFL
            sigemptyset(&sa.sa_mask)
            sigaction(s, &sa, nil)
        }
        liveSignalTarget.store(0, ordering: .sequentiallyConsistent)
    }
}

/// The stopper a signal goes to (a retained `LiveStopper`'s address, or 0).
private let liveSignalTarget = Atomic<UInt>(0)
private let liveInstalledSignals = Mutex<Set<Int32>>([])

private let liveSignalHandler: @convention(c) (Int32) -> Void = { sig in
    let raw = liveSignalTarget.load(ordering: .sequentiallyConsistent)
    guard raw != 0, let p = UnsafeMutableRawPointer(bitPattern: raw) else { return }
    // No retain or release here: `install` keeps the stopper alive.
    Unmanaged<LiveStopper>.fromOpaque(p)._withUnsafeGuaranteedRef { $0.signalled(sig) }
}
