import CPcap
import Glibc
import NetCore
import Synchronization

/// A network interface libpcap can capture on (`pcap_findalldevs`).
public struct CaptureInterface: Hashable, Sendable {
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let loopback = Flags(rawValue: UInt32(PCAP_IF_LOOPBACK))
        public static let up = Flags(rawValue: UInt32(PCAP_IF_UP))
        public static let running = Flags(rawValue: UInt32(PCAP_IF_RUNNING))
        public static let wireless = Flags(rawValue: UInt32(PCAP_IF_WIRELESS))
    }
    public var name: String
    public var description: String?
    /// IPv4 and IPv6 addresses of the interface (other families are left out).
    public var addresses: [IPAddress]
    public var flags: Flags

    public init(name: String, description: String?, addresses: [IPAddress], flags: Flags) {
        self.name = name; self.description = description; self.addresses = addresses; self.flags = flags
    }
    public var isUp: Bool { flags.contains(.up) }
    public var isRunning: Bool { flags.contains(.running) }
    public var isLoopback: Bool { flags.contains(.loopback) }
}

/// Captures packets from a network interface (`pcap_create` … `pcap_activate`), for `tlsdiag live`.
///
/// Reading returns `.packet`, `.timeout` (the read timeout passed with nothing to deliver; call
/// again) or `.end` (someone called `breakLoop`), so a caller can tell a quiet network from the end.
/// The handle is non-blocking and `next()` waits with poll(2) itself, because libpcap 1.10 on
/// Linux keeps polling past the read timeout inside `pcap_next_ex` (so it would never report a
/// timeout). For the same reason breaking the loop is ours rather than `pcap_breakloop`: a flag
/// and a byte written to a pipe the poll watches, both safe in a signal handler.
/// Read from one thread; `breakLoop`, `breaker` and the signal handlers may be used from any.
public final class LiveCapture {
    public struct Options: Hashable, Sendable {
        /// Bytes kept of each packet.
        public var snapshotLength: Int = 262_144
        /// Kernel buffer; a larger one loses fewer packets in bursts.
        public var bufferSize: Int = 32 * 1024 * 1024
        /// Promiscuous mode (needs CAP_NET_ADMIN besides CAP_NET_RAW).
        public var promiscuous: Bool = false
        /// Read timeout: `next()` returns `.timeout` after this long without packets.
        public var timeoutMilliseconds: Int = 100
        /// Deliver each packet as it arrives rather than when the buffer fills.
        public var immediateMode: Bool = true
        /// Ask for nanosecond stamps; falls back to microseconds (with a warning) if unsupported.
        public var precision: TimestampPrecision = .nanoseconds

        public init(snapshotLength: Int = 262_144, bufferSize: Int = 32 * 1024 * 1024, promiscuous: Bool = false,
                    timeoutMilliseconds: Int = 100, immediateMode: Bool = true, precision: TimestampPrecision = .nanoseconds) {
            self.snapshotLength = snapshotLength; self.bufferSize = bufferSize; self.promiscuous = promiscuous
            self.timeoutMilliseconds = timeoutMilliseconds; self.immediateMode = immediateMode; self.precision = precision
        }
    }

    public enum ReadResult {
        case packet(RawPacket)
        /// The read timeout passed and nothing arrived.
        case timeout
        /// The loop was broken (`breakLoop`, a registered signal): no more packets.
        case end
    }

    /// `pcap_stats`. libpcap's counters are 32-bit and wrap on long captures.
    public struct Statistics: Hashable, Sendable {
        /// Packets that passed the filter (Linux: seen by the socket).
        public var received: UInt64
        /// Dropped because the kernel buffer was full.
        public var droppedByKernel: UInt64
        /// Dropped by the interface or its driver (when the OS reports it).
        public var droppedByInterface: UInt64
    }

    /// Breaks a capture loop from any thread. Keeps what it touches alive, so it is safe to use
    /// even while the capture is being torn down.
    public struct Breaker: Sendable {
        fileprivate let waker: Waker
        /// The reading thread's current or next `next()` returns `.end`.
        public func breakLoop() { waker.fire() }
    }

    public let interface: String
    public let options: Options
    public let linkType: Int32
    public let linkTypeName: String
    public let snapshotLength: Int
    public let precision: TimestampPrecision
    /// Warnings from activation (promiscuous mode not supported, precision fallback, …).
    public private(set) var warnings: [String] = []
    /// Packets delivered so far; the last one's number.
    public private(set) var packetNumber: UInt64 = 0
    /// The filter installed, if any.
    public private(set) var filter: String?

    private let handle: PcapHandle
    private let waker: Waker
    private let descriptor: Int32

    public init(interface: String, options: Options = Options()) throws(CaptureError) {
        self.interface = interface
        self.options = options
        let h: PcapHandle
        switch PcapHandle.create(device: interface) {
        case .success(let x): h = x
        case .failure(let f):
            throw CaptureError(code: .captureFailed, path: interface, reason: "libpcap: " + f.message, libpcapMessage: f.message)
        }
        var warnings: [String] = []
        func check(_ rc: Int32, _ what: String) throws(CaptureError) {
            if rc != 0 {
                throw CaptureError(code: .captureFailed, path: interface,
                                   reason: "\(what): " + PcapHandle.statusText(rc))
            }
        }
        try check(h.setSnapshotLength(Int32(clamping: options.snapshotLength)), "pcap_set_snaplen")
        try check(h.setImmediateMode(options.immediateMode), "pcap_set_immediate_mode")
        try check(h.setBufferSize(Int32(clamping: options.bufferSize)), "pcap_set_buffer_size")
        try check(h.setPromiscuous(options.promiscuous), "pcap_set_promisc")
        try check(h.setTimeout(milliseconds: Int32(clamping: options.timeoutMilliseconds)), "pcap_set_timeout")
        if h.setTimestampPrecision(options.precision) != 0 {
            warnings.append("\(interface): \(options.precision == .nanoseconds ? "nanosecond" : "microsecond") timestamps not supported; using the default")
        }
        let rc = h.activate()
        if rc < 0 {
            throw LiveCapture.activationError(rc, interface: interface, message: h.lastError, promiscuous: options.promiscuous)
        }
        if rc > 0 {
            let m = h.lastError
            warnings.append("\(interface): " + PcapHandle.statusText(rc) + (m.isEmpty ? "" : " (libpcap: \(m))"))
        }
        // libpcap 1.10 on Linux does not return from pcap_next_ex when the read timeout passes
        // (it polls again), so reading is non-blocking and the waiting is ours: poll(2) on the
        // capture descriptor and on a pipe that breakLoop writes to.
        if case .failure(let f) = h.setNonBlocking(true) {
            throw CaptureError(code: .captureFailed, path: interface, reason: "pcap_setnonblock: libpcap: " + f.message,
                               libpcapMessage: f.message)
        }
        let fd = h.selectableDescriptor
        guard fd >= 0 else {
            throw CaptureError(code: .captureFailed, path: interface, reason: "no selectable descriptor for this interface")
        }
        guard let w = Waker() else {
            throw CaptureError(code: .captureFailed, path: interface, reason: "pipe: " + String(cString: strerror(errno)))
        }
        self.handle = h
        self.waker = w
        self.descriptor = fd
        self.warnings = warnings
        self.linkType = h.linkType
        self.linkTypeName = PcapHandle.linkTypeName(h.linkType) ?? "DLT \(h.linkType)"
        self.snapshotLength = Int(h.snapshotLength)
        self.precision = h.timestampPrecision
    }

    static func activationError(_ rc: Int32, interface: String, message m: String, promiscuous: Bool) -> CaptureError {
        let lib = m.isEmpty ? PcapHandle.statusText(rc) : m
        switch rc {
        case PCAP_ERROR_PERM_DENIED:
            return CaptureError(code: .permissionDenied, path: interface,
                                reason: "capturing needs root or the CAP_NET_RAW capability"
                                    + " (and CAP_NET_ADMIN for promiscuous mode); libpcap: " + lib, libpcapMessage: m)
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return CaptureError(code: .permissionDenied, path: interface,
                                reason: "promiscuous mode needs CAP_NET_ADMIN (or root); try without it; libpcap: " + lib,
                                libpcapMessage: m)
        case PCAP_ERROR_NO_SUCH_DEVICE:
            let names: String
            switch PcapDevices.all() {
            case .success(let list): names = list.isEmpty ? "none" : list.map(\.name).joined(separator: ", ")
            case .failure(let f): names = "unknown (\(f.message))"
            }
            return CaptureError(code: .noSuchDevice, path: interface,
                                reason: "interfaces there are: " + names + "; libpcap: " + lib, libpcapMessage: m)
        case PCAP_ERROR_IFACE_NOT_UP:
            return CaptureError(code: .interfaceNotUp, path: interface, reason: "libpcap: " + lib, libpcapMessage: m)
        default:
            return CaptureError(code: .captureFailed, path: interface,
                                reason: PcapHandle.statusText(rc) + "; libpcap: " + lib, libpcapMessage: m)
        }
    }

    /// Compiles `expression` (BPF, tcpdump syntax) and installs it. The error carries libpcap's
    /// message and the filter text.
    public func setFilter(_ expression: String, optimize: Bool = true) throws(CaptureError) {
        if case .failure(let f) = handle.installFilter(expression, optimize: optimize, install: true) {
            throw CaptureError(code: .filterError, path: interface,
                               reason: "libpcap: \(f.message); filter: \"\(expression)\"", libpcapMessage: f.message)
        }
        filter = expression
    }

    /// Checks that `expression` compiles for `linkType` without opening any device (a dead handle).
    public static func validateFilter(_ expression: String, linkType: Int32 = 1, snapshotLength: Int = 262_144) throws(CaptureError) {
        guard let h = PcapHandle.openDead(linkType: linkType, snapshotLength: Int32(clamping: snapshotLength), precision: .microseconds) else {
            throw CaptureError(code: .filterError, path: "filter", reason: "pcap_open_dead failed for link type \(linkType)")
        }
        if case .failure(let f) = h.installFilter(expression, optimize: true, install: false) {
            throw CaptureError(code: .filterError, path: "filter",
                               reason: "libpcap: \(f.message); filter: \"\(expression)\"", libpcapMessage: f.message)
        }
    }

    /// The next packet, `.timeout` when `timeoutMilliseconds` pass without one, or `.end` once
    /// `breakLoop` was called (from any thread or a signal handler).
    public func next() throws(CaptureError) -> ReadResult {
        var deadline: Int64 = -1
        while true {
            if waker.consume() { return .end }
            var hdr: UnsafeMutablePointer<pcap_pkthdr>? = nil
            var data: UnsafePointer<UInt8>? = nil
            let rc = handle.nextEx(&hdr, &data)
            if rc == 1, let hdr {
                let h = hdr.pointee
                packetNumber &+= 1
                let caplen = Int(h.caplen)
                let bytes = data.map { UnsafeRawBufferPointer(start: $0, count: caplen) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
                var ts = h.ts
                if precision == .microseconds { ts.tv_usec = ts.tv_usec &* 1000 }
                return .packet(RawPacket(number: packetNumber, fileOffset: nil, time: CaptureReader.timestamp(ts),
                                         capturedLength: bytes.count, wireLength: Int(h.len), bytes: bytes))
            }
            if rc == PCAP_ERROR_BREAK { _ = waker.consume(); return .end }
            if rc < 0 {
                let m = handle.lastError
                throw CaptureError(code: .captureFailed, path: interface, packetNumber: packetNumber &+ 1,
                                   reason: "libpcap: " + (m.isEmpty ? PcapHandle.statusText(rc) : m), libpcapMessage: m)
            }
            // Nothing ready: wait for the descriptor, the waker, or the timeout.
            let now = LiveCapture.monotonicMilliseconds()
            if deadline < 0 { deadline = now &+ Int64(max(0, options.timeoutMilliseconds)) }
            let left = deadline &- now
            if left <= 0 { return .timeout }
            var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: waker.readDescriptor, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, Int32(clamping: left))
            if n == 0 { return .timeout }
            if n < 0 && errno != EINTR {
                throw CaptureError(code: .captureFailed, path: interface, reason: "poll: " + String(cString: strerror(errno)))
            }
        }
    }

    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1000 &+ Int64(ts.tv_nsec) / 1_000_000
    }

    /// Makes the current or next `next()` return `.end`. Callable from another thread.
    public func breakLoop() { waker.fire() }

    /// A Sendable token for breaking the loop from elsewhere.
    public var breaker: Breaker { Breaker(waker: waker) }

    /// `pcap_stats`.
    public func stats() throws(CaptureError) -> Statistics {
        switch handle.stats() {
        case .success(let s):
            return Statistics(received: UInt64(s.ps_recv), droppedByKernel: UInt64(s.ps_drop), droppedByInterface: UInt64(s.ps_ifdrop))
        case .failure(let f):
            throw CaptureError(code: .captureFailed, path: interface, reason: "pcap_stats: libpcap: " + f.message, libpcapMessage: f.message)
        }
    }

    /// The interfaces libpcap can capture on.
    public static func listInterfaces() throws(CaptureError) -> [CaptureInterface] {
        switch PcapDevices.all() {
        case .success(let l): return l
        case .failure(let f):
            throw CaptureError(code: .captureFailed, path: "interfaces", reason: "pcap_findalldevs: libpcap: " + f.message,
                               libpcapMessage: f.message)
        }
    }

    /// Installs handlers for `signals` (e.g. SIGINT, SIGTERM) that break this capture's loop, so
    /// Ctrl-C ends `next()` with `.end` and the caller can print its summary. The handler only
    /// stores a flag and writes one byte to a pipe (both async-signal-safe). Only one capture is
    /// the target at a time; `stopBreakingOnSignals` restores the default action.
    public func breakOnSignals(_ signals: [Int32]) {
        let new = Unmanaged.passRetained(waker).toOpaque()
        let old = signalTarget.exchange(UInt(bitPattern: new), ordering: .sequentiallyConsistent)
        if old != 0, let p = UnsafeMutableRawPointer(bitPattern: old) { Unmanaged<Waker>.fromOpaque(p).release() }
        for s in signals {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = breakLoopSignalHandler
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = 0
            sigaction(s, &sa, nil)
            _ = installedSignals.withLock { $0.insert(s) }
        }
    }

    /// Restores the default action for the signals `breakOnSignals` took over.
    public static func stopBreakingOnSignals() {
        let sigs = installedSignals.withLock { s -> Set<Int32> in let c = s; s.removeAll(); return c }
        for s in sigs { signal(s, SIG_DFL) }
        let old = signalTarget.exchange(0, ordering: .sequentiallyConsistent)
        if old != 0, let p = UnsafeMutableRawPointer(bitPattern: old) { Unmanaged<Waker>.fromOpaque(p).release() }
    }

    var rawHandle: PcapHandle { handle }
}

/// A flag plus a non-blocking pipe: `fire` (from any thread or a signal handler) makes the
/// reader's poll return and its next check see the request.
final class Waker: Sendable {
    let readDescriptor: Int32
    let writeDescriptor: Int32
    private let requested = Atomic<Bool>(false)

    init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Async-signal-safe: an atomic store and one write(2).
    func fire() {
        requested.store(true, ordering: .sequentiallyConsistent)
        var one: UInt8 = 1
        _ = write(writeDescriptor, &one, 1)
    }

    /// True (once) if `fire` was called; drains the pipe.
    func consume() -> Bool {
        guard requested.exchange(false, ordering: .sequentiallyConsistent) else { return false }
        var buf: (UInt64, UInt64) = (0, 0)
        while withUnsafeMutableBytes(of: &buf, { read(readDescriptor, $0.baseAddress, $0.count) }) > 0 {}
        return true
    }
}

/// The waker a signal should fire (a retained Waker's address, or 0).
private let signalTarget = Atomic<UInt>(0)
private let installedSignals = Mutex<Set<Int32>>([])

private let breakLoopSignalHandler: @convention(c) (Int32) -> Void = { _ in
    let raw = signalTarget.load(ordering: .sequentiallyConsistent)
    guard raw != 0, let p = UnsafeMutableRawPointer(bitPattern: raw) else { return }
    Unmanaged<Waker>.fromOpaque(p).takeUnretainedValue().fire()
}
