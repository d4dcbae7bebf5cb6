import CPcap
import Glibc
import NetCore

// The one place libpcap is called. Each C function used by PcapIO is wrapped here once, returns
// Swift values, and reports failure with libpcap's own message; the public types (CaptureReader,
// LiveCapture, DumpWriter, the interface list) add context and turn messages into CaptureError.

/// libpcap's failure: its return code and its error text.
struct PcapFailure: Error {
    var status: Int32
    var message: String
}

/// Runs `body` with a PCAP_ERRBUF_SIZE buffer on the stack, zeroed.
@inline(__always)
func withErrorBuffer<R>(_ body: (UnsafeMutablePointer<CChar>) -> R) -> (R, String) {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(PCAP_ERRBUF_SIZE) + 1) { buf in
        let base = buf.baseAddress!
        base.initialize(repeating: 0, count: buf.count)
        let r = body(base)
        return (r, String(cString: base))
    }
}

/// Owns one `pcap_t` and closes it (and with it any FILE* it reads) exactly once.
final class PcapHandle {
    let raw: OpaquePointer
    /// A stdio buffer given to the handle's FILE; freed after pcap_close has closed the FILE.
    var ownedBuffer: UnsafeMutableRawPointer?

    init(raw: OpaquePointer) { self.raw = raw }
    deinit {
        pcap_close(raw)
        ownedBuffer?.deallocate()
    }

    // MARK: opening

    /// `pcap_fopen_offline_with_tstamp_precision`: takes ownership of `file` on success only.
    static func openOffline(file: UnsafeMutablePointer<FILE>, precision: TimestampPrecision) -> Result<PcapHandle, PcapFailure> {
        let p = precision == .nanoseconds ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO
        let (h, msg) = withErrorBuffer { pcap_fopen_offline_with_tstamp_precision(file, UInt32(p), $0) }
        guard let h else { return .failure(PcapFailure(status: PCAP_ERROR, message: msg)) }
        return .success(PcapHandle(raw: h))
    }

    /// `pcap_open_dead_with_tstamp_precision`: a handle for writing files and compiling filters.
    static func openDead(linkType: Int32, snapshotLength: Int32, precision: TimestampPrecision) -> PcapHandle? {
        let p = precision == .nanoseconds ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO
        guard let h = pcap_open_dead_with_tstamp_precision(linkType, snapshotLength, UInt32(p)) else { return nil }
        return PcapHandle(raw: h)
    }

    /// `pcap_create`: a live handle, not yet activated.
    static func create(device: String) -> Result<PcapHandle, PcapFailure> {
        let (h, msg) = withErrorBuffer { pcap_create(device, $0) }
        guard let h else { return .failure(PcapFailure(status: PCAP_ERROR, message: msg)) }
        return .success(PcapHandle(raw: h))
    }

    // MARK: settings before activation (each returns 0 or a PCAP_ERROR_* code)

    func setSnapshotLength(_ n: Int32) -> Int32 { pcap_set_snaplen(raw, n) }
    func setImmediateMode(_ on: Bool) -> Int32 { pcap_set_immediate_mode(raw, on ? 1 : 0) }
    func setBufferSize(_ n: Int32) -> Int32 { pcap_set_buffer_size(raw, n) }
    func setPromiscuous(_ on: Bool) -> Int32 { pcap_set_promisc(raw, on ? 1 : 0) }
    func setTimeout(milliseconds: Int32) -> Int32 { pcap_set_timeout(raw, milliseconds) }
    func setTimestampPrecision(_ p: TimestampPrecision) -> Int32 {
        pcap_set_tstamp_precision(raw, p == .nanoseconds ? Int32(PCAP_TSTAMP_PRECISION_NANO) : Int32(PCAP_TSTAMP_PRECISION_MICRO))
    }
    /// `pcap_activate`: 0, a positive warning, or a negative error.
    func activate() -> Int32 { pcap_activate(raw) }

    // MARK: facts

    var linkType: Int32 { pcap_datalink(raw) }
    var snapshotLength: Int32 { pcap_snapshot(raw) }
    var isSwapped: Bool { pcap_is_swapped(raw) != 0 }
    var timestampPrecision: TimestampPrecision {
        pcap_get_tstamp_precision(raw) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? .nanoseconds : .microseconds
    }
    /// `pcap_geterr`: the message of the last failure on this handle.
    var lastError: String { pcap_geterr(raw).map { String(cString: $0) } ?? "" }
    /// `pcap_file`: the FILE* of a savefile handle.
    var file: UnsafeMutablePointer<FILE>? { pcap_file(raw) }

    static func linkTypeName(_ linkType: Int32) -> String? {
        pcap_datalink_val_to_name(linkType).map { String(cString: $0) }
    }
    static func linkTypeDescription(_ linkType: Int32) -> String? {
        pcap_datalink_val_to_description(linkType).map { String(cString: $0) }
    }
    static func statusText(_ status: Int32) -> String {
        pcap_statustostr(status).map { String(cString: $0) } ?? "status \(status)"
    }

    // MARK: reading

    /// `pcap_next_ex`: 1 packet, 0 timeout (live), PCAP_ERROR_BREAK end of file / breakloop,
    /// PCAP_ERROR error.
    @inline(__always)
    func nextEx(_ header: inout UnsafeMutablePointer<pcap_pkthdr>?, _ data: inout UnsafePointer<UInt8>?) -> Int32 {
        pcap_next_ex(raw, &header, &data)
    }

    /// `pcap_breakloop`: safe from a signal handler or another thread.
    func breakLoop() { pcap_breakloop(raw) }

    /// `pcap_setnonblock`.
    func setNonBlocking(_ on: Bool) -> Result<Void, PcapFailure> {
        let (rc, msg) = withErrorBuffer { pcap_setnonblock(raw, on ? 1 : 0, $0) }
        return rc == 0 ? .success(()) : .failure(PcapFailure(status: rc, message: msg))
    }

    /// `pcap_get_selectable_fd`: -1 when the handle has none.
    var selectableDescriptor: Int32 { pcap_get_selectable_fd(raw) }

    // MARK: filters

    /// `pcap_compile` + `pcap_setfilter` + `pcap_freecode`.
    func installFilter(_ expression: String, optimize: Bool, install: Bool) -> Result<Void, PcapFailure> {
        var program = bpf_program()
        let rc = pcap_compile(raw, &program, expression, optimize ? 1 : 0, PCAP_NETMASK_UNKNOWN)
        if rc != 0 { return .failure(PcapFailure(status: rc, message: lastError)) }
        defer { pcap_freecode(&program) }
        if install {
            let s = pcap_setfilter(raw, &program)
            if s != 0 { return .failure(PcapFailure(status: s, message: lastError)) }
        }
        return .success(())
    }

    // MARK: statistics

    /// `pcap_stats`.
    func stats() -> Result<pcap_stat, PcapFailure> {
        var st = pcap_stat()
        let rc = pcap_stats(raw, &st)
        if rc != 0 { return .failure(PcapFailure(status: rc, message: lastError)) }
        return .success(st)
    }

    // MARK: dump files

    /// `pcap_dump_open`.
    func dumpOpen(path: String) -> Result<OpaquePointer, PcapFailure> {
        guard let d = pcap_dump_open(raw, path) else { return .failure(PcapFailure(status: PCAP_ERROR, message: lastError)) }
        return .success(d)
    }
}

/// The pcap_dumper_t calls, wrapped once.
enum PcapDump {
    @inline(__always)
    static func write(_ d: OpaquePointer, _ header: inout pcap_pkthdr, _ bytes: UnsafePointer<UInt8>) {
        pcap_dump(UnsafeMutableRawPointer(d).assumingMemoryBound(to: UInt8.self), &header, bytes)
    }
    static func flush(_ d: OpaquePointer) -> Int32 { pcap_dump_flush(d) }
    static func file(_ d: OpaquePointer) -> UnsafeMutablePointer<FILE>? { pcap_dump_file(d) }
    static func close(_ d: OpaquePointer) { pcap_dump_close(d) }
}

/// `pcap_findalldevs` / `pcap_freealldevs`, copied out to Swift values.
enum PcapDevices {
    static func all() -> Result<[CaptureInterface], PcapFailure> {
        var list: UnsafeMutablePointer<pcap_if_t>? = nil
        let (rc, msg) = withErrorBuffer { pcap_findalldevs(&list, $0) }
        if rc != 0 { return .failure(PcapFailure(status: rc, message: msg)) }
        defer { if let list { pcap_freealldevs(list) } }
        var out: [CaptureInterface] = []
        var cur = list
        while let d = cur {
            let i = d.pointee
            var addrs: [IPAddress] = []
            var a = i.addresses
            while let ap = a {
                if let sa = ap.pointee.addr, let ip = IPAddress(sockaddr: sa) { addrs.append(ip) }
                a = ap.pointee.next
            }
            out.append(CaptureInterface(
                name: i.name.map { String(cString: $0) } ?? "",
                description: i.description.map { String(cString: $0) },
                addresses: addrs,
                flags: CaptureInterface.Flags(rawValue: i.flags)))
            cur = i.next
        }
        return .success(out)
    }
}

extension IPAddress {
    /// From a `sockaddr` of family AF_INET or AF_INET6; nil for others (AF_PACKET, …).
    init?(sockaddr sa: UnsafeMutablePointer<sockaddr>) {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            let v = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            self.init(v4: UInt32(bigEndian: v))
        case AF_INET6:
            let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            var h: UInt64 = 0, l: UInt64 = 0
            withUnsafeBytes(of: bytes) { b in
                for k in 0..<8 { h = h << 8 | UInt64(b[k]) }
                for k in 8..<16 { l = l << 8 | UInt64(b[k]) }
            }
            self.init(v6High: h, v6Low: l)
        default:
            return nil
        }
    }
}
