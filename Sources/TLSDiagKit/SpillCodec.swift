#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetCore
import FlowTrack
@_spi(Spill) import Handshake
import Preambles

// A compact binary form of a connection's facts (ConnectionFacts + HandshakeFacts), written by hand
// for the failures that wait for the end of the capture (`FailureSpool`). It lives only in one
// process's unlinked temporary file, so it is native-endian and has no version: what one build
// writes, the same build reads back.
//
// Encoding: unsigned integers as LEB128 varints, signed ones zigzagged first; Bool as one byte
// (0 or 1); a PacketStamp at fixed width (number, seconds, nanoseconds: 20 bytes); an optional as a
// presence byte (0 or 1) and then the value; a String as its UTF-8
// byte count and bytes; [UInt16] / [UInt8] as a count and the raw elements; other arrays as a
// count and the elements; enums as a one-byte case number (the switches are exhaustive, so a new
// case does not compile until it is given a number here) and their payloads. Three shortcuts:
// ConnectionFacts is a fixed block (its layout is beside `write(_: ConnectionFacts, _:)`); the
// timeline is its packed events' bytes as `HandshakeFacts` stores them (`@_spi(Spill)`, checked
// event by event when read back) and then its wide events; and a ClientHello's common part or a
// certificate chain that a `SpillSharedValues` table holds is written as its index there.
//
// Every stored property of every fact type is written, in declaration order; `SpillCodec.fields`
// lists them, and a test compares that list with the types' stored properties (by reflection), so
// a property added to a fact type fails that test until it is written here too.

/// Why a spilled record could not be read back.
enum SpillError: Error, Equatable {
    /// The record ends before a field does.
    case truncated
    /// A byte that no encoder writes (a Bool that is not 0 or 1, an unknown case number, a varint
    /// longer than 10 bytes, a count past the record's end).
    case malformed
}

/// A growable byte buffer written without per-call uniqueness or exclusivity checks.
struct SpillWriter: ~Copyable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private(set) var capacity: Int
    /// ClientHello common parts already encoded, by the hello's shared box (nil: each is encoded).
    var helloParts: SpillHelloParts?
    /// Values many records share, written as an index into this table (nil: each is encoded).
    var shared: SpillSharedValues?

    init(capacity: Int = 16 * 1024) {
        self.capacity = max(64, capacity)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity &- count < n { grow(n) }
    }

    @inline(never)
    mutating func grow(_ n: Int) {
        var c = capacity
        while c &- count < n { c = c &* 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 16)
        b.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = b
        capacity = c
    }

    /// Forgets the bytes; with `shrinkingTo`, gives memory back past that capacity.
    mutating func removeAll(shrinkingTo limit: Int? = nil) {
        count = 0
        if let limit, capacity > limit {
            base.deallocate()
            capacity = max(64, limit)
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
    }

    @inline(__always)
    mutating func byte(_ v: UInt8) {
        reserve(1)
        base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always)
    mutating func bool(_ v: Bool) { byte(v ? 1 : 0) }

    @inline(__always)
    mutating func uint(_ v: UInt64) {
        reserve(10)
        var v = v
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: count, as: UInt8.self)
            count &+= 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always)
    mutating func int(_ v: Int64) { uint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    @inline(__always)
    mutating func int(_ v: Int) { int(Int64(v)) }
    @inline(__always)
    mutating func u16(_ v: UInt16) { uint(UInt64(v)) }
    @inline(__always)
    mutating func u32(_ v: UInt32) { uint(UInt64(v)) }

    /// A fixed-width little-endian UInt32 at `offset` (a record's length, filled in afterwards).
    mutating func patchU32(_ v: UInt32, at offset: Int) {
        base.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    mutating func skip(_ n: Int) {
        reserve(n)
        count &+= n
    }

    mutating func raw(_ p: UnsafeRawBufferPointer) {
        guard let src = p.baseAddress, p.count > 0 else { return }
        reserve(p.count)
        (base + count).copyMemory(from: src, byteCount: p.count)
        count &+= p.count
    }

    mutating func string(_ s: String) {
        // A native string's bytes in place (small ones copied to the stack), without the local copy
        // `withUTF8` needs; otherwise `withUTF8`, which makes a bridged one native first in the copy.
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { b in
            uint(UInt64(b.count))
            raw(UnsafeRawBufferPointer(b))
        }
        if done != nil { return }
        var s = s
        s.withUTF8 { b in
            uint(UInt64(b.count))
            raw(UnsafeRawBufferPointer(b))
        }
    }

    mutating func u16s(_ a: [UInt16]) {
        uint(UInt64(a.count))
        a.withUnsafeBytes { raw($0) }
    }

    mutating func u8s(_ a: [UInt8]) {
        uint(UInt64(a.count))
        a.withUnsafeBytes { raw($0) }
    }

    mutating func strings(_ a: [String]) {
        uint(UInt64(a.count))
        for s in a { string(s) }
    }

    // Optionals: a presence byte, then the value.
    mutating func opt(_ v: String?) { if let v { byte(1); string(v) } else { byte(0) } }
    mutating func opt(_ v: UInt8?) { if let v { byte(1); byte(v) } else { byte(0) } }
    mutating func opt(_ v: UInt16?) { if let v { byte(1); u16(v) } else { byte(0) } }
    mutating func opt(_ v: UInt32?) { if let v { byte(1); u32(v) } else { byte(0) } }
    mutating func opt(_ v: Int?) { if let v { byte(1); int(v) } else { byte(0) } }
    mutating func opt(_ v: Int64?) { if let v { byte(1); int(v) } else { byte(0) } }
    mutating func opt(_ v: PacketStamp?) { if let v { byte(1); stamp(v) } else { byte(0) } }

    /// A packet stamp at fixed width (20 bytes): a connection has about twenty, and varints made
    /// them the largest part of the encoding's cost.
    @inline(__always)
    mutating func stamp(_ p: PacketStamp) {
        reserve(20)
        let d = base + count
        d.storeBytes(of: p.number, toByteOffset: 0, as: UInt64.self)
        d.storeBytes(of: p.time.seconds, toByteOffset: 8, as: Int64.self)
        d.storeBytes(of: p.time.nanoseconds, toByteOffset: 16, as: UInt32.self)
        count &+= 20
    }
}

/// Reads what `SpillWriter` wrote, from bytes valid for the reader's life. Every read checks
/// what is left first; nothing traps on bad bytes.
struct SpillReader {
    private(set) var base: UnsafeRawPointer?
    private(set) var end: Int
    var at = 0
    /// ClientHellos' common parts already decoded, to reuse (set by `FailureSpool` for its reads).
    var helloMemo: SpillHelloMemo?
    /// The table the records' indexes refer to (the writer's); nil: a record with one is refused.
    var shared: SpillSharedValues?

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress
        end = bytes.count
    }

    var remaining: Int { end &- at }

    /// Reads `bytes` from their start (the memo and the table kept).
    mutating func reset(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress
        end = bytes.count
        at = 0
    }

    @inline(__always)
    mutating func byte() throws(SpillError) -> UInt8 {
        guard at < end, let base else { throw .truncated }
        let v = base.load(fromByteOffset: at, as: UInt8.self)
        at &+= 1
        return v
    }

    @inline(__always)
    mutating func bool() throws(SpillError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw .malformed
        }
    }

    @inline(__always)
    mutating func uint() throws(SpillError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw .malformed }   // past 64 bits
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift &+= 7
            if shift > 63 { throw .malformed }
        }
    }

    @inline(__always)
    mutating func int64() throws(SpillError) -> Int64 {
        let u = try uint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    @inline(__always)
    mutating func int() throws(SpillError) -> Int {
        let v = try int64()
        guard let i = Int(exactly: v) else { throw .malformed }
        return i
    }

    @inline(__always)
    mutating func u16() throws(SpillError) -> UInt16 {
        guard let v = UInt16(exactly: try uint()) else { throw .malformed }
        return v
    }

    @inline(__always)
    mutating func u32() throws(SpillError) -> UInt32 {
        guard let v = UInt32(exactly: try uint()) else { throw .malformed }
        return v
    }

    /// A count of elements of at least `minBytes` bytes each: never more than what is left could hold.
    @inline(__always)
    mutating func count(minBytes: Int) throws(SpillError) -> Int {
        let n = try uint()
        guard n <= UInt64(remaining / max(1, minBytes)) else { throw .malformed }
        return Int(n)
    }

    mutating func string() throws(SpillError) -> String {
        let n = try count(minBytes: 1)
        guard n > 0 else { return "" }
        guard let base else { throw .truncated }
        let src = base + at
        at &+= n
        return String(unsafeUninitializedCapacity: n) { dst in
            UnsafeMutableRawBufferPointer(dst).copyMemory(from: UnsafeRawBufferPointer(start: src, count: n))
            return n
        }
    }

    // Arrays are made with `reserveCapacity` and filled element by element: the initializers that
    // hand out uninitialized storage go through a generic runtime call (a metadata lookup of a few
    // hundred instructions per array), which `reserveCapacity` does not. (Made zeroed at their size
    // and the bytes copied in cost half as much again.)
    mutating func u16s() throws(SpillError) -> [UInt16] {
        let n = try count(minBytes: 2)
        guard n > 0 else { return [] }
        guard let base else { throw .truncated }
        let src = base + at
        at &+= 2 &* n
        var a: [UInt16] = []
        a.reserveCapacity(n)
        for i in 0..<n { a.append(src.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)) }
        return a
    }

    mutating func u8s() throws(SpillError) -> [UInt8] {
        let n = try count(minBytes: 1)
        guard n > 0 else { return [] }
        guard let base else { throw .truncated }
        let src = base + at
        at &+= n
        var a: [UInt8] = []
        a.reserveCapacity(n)
        for i in 0..<n { a.append(src.load(fromByteOffset: i, as: UInt8.self)) }
        return a
    }

    mutating func strings() throws(SpillError) -> [String] {
        let n = try count(minBytes: 1)
        var a: [String] = []
        a.reserveCapacity(n)
        for _ in 0..<n { a.append(try string()) }
        return a
    }

    @inline(__always)
    mutating func present() throws(SpillError) -> Bool { try bool() }

    mutating func optString() throws(SpillError) -> String? { try present() ? try string() : nil }
    mutating func optU8() throws(SpillError) -> UInt8? { try present() ? try byte() : nil }
    mutating func optU16() throws(SpillError) -> UInt16? { try present() ? try u16() : nil }
    mutating func optU32() throws(SpillError) -> UInt32? { try present() ? try u32() : nil }
    mutating func optInt() throws(SpillError) -> Int? { try present() ? try int() : nil }
    mutating func optInt64() throws(SpillError) -> Int64? { try present() ? try int64() : nil }
    mutating func optStamp() throws(SpillError) -> PacketStamp? { try present() ? try stamp() : nil }

    @inline(__always)
    mutating func stamp() throws(SpillError) -> PacketStamp {
        guard end &- at >= 20, let base else { throw .truncated }
        let s = base + at
        at &+= 20
        return PacketStamp(number: s.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                           time: Timestamp(seconds: s.loadUnaligned(fromByteOffset: 8, as: Int64.self),
                                           nanoseconds: s.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
    }
}

/// The fact types' encoders and decoders.
enum SpillCodec {
    /// The stored properties each encoder writes, in order: compared with the types' own by a test.
    static let fields: [String: [String]] = [
        "IPAddress": ["high", "low", "isV6"],
        "Endpoint": ["address", "port"],
        "Timestamp": ["seconds", "nanoseconds"],
        "PacketStamp": ["number", "time"],
        "Gap": ["offset", "length"],
        "SideFacts": ["packets", "payloadBytes", "firstSyn", "firstFin", "firstRst", "streamBytes", "truncatedSegments",
                      "retransmittedSegments", "conflictingOverlaps", "droppedByCaps", "gaps"],
        "ConnectionFacts": ["client", "server", "roleSource", "first", "last", "clientSide", "serverSide", "refused",
                            "established", "settled", "endReason"],
        "RDPNegotiation": ["requestedProtocols", "cookie", "selectedProtocol", "failureCode", "confirmWithoutNegotiation",
                           "requestFlags", "responseFlags"],
        "PreambleInfo": ["kind", "rdp", "command", "serverReply", "commandOffset", "replyOffset", "replyCode"],
        "KeyShare": ["group", "keyLength"],
        "ClientHelloInfo": ["recordVersion", "legacyVersion", "maxVersion", "supportedVersions", "cipherSuites",
                            "compressionMethods", "extensions", "sni", "alpn", "supportedGroups", "keyShares",
                            "signatureAlgorithms", "signatureAlgorithmsCert", "ecPointFormats", "pskModes", "pskIdentities",
                            "sessionIDLength", "sessionID", "hasEarlyData", "echOuter", "size", "tcpSegments", "records",
                            "sslv2Format", "ja3", "ja3Hash", "ja4", "ja4r"],
        "ServerHelloInfo": ["recordVersion", "legacyVersion", "version", "cipherSuite", "compressionMethod", "extensions",
                            "keyShareGroup", "alpn", "sessionIDLength", "downgradeSentinel", "isHelloRetryRequest",
                            "hrrSelectedGroup", "hrrCookie", "size"],
        "CertificateInfo": ["subject", "issuer", "subjectAltNames", "notBefore", "notAfter", "notBeforeText", "notAfterText",
                            "keyType", "keyBits", "curve", "signatureAlgorithm", "keyUsage", "extendedKeyUsage", "isCA",
                            "selfSigned", "serial", "sha256", "size", "parseError"],
        "KeyExchangeInfo": ["kind", "group", "dhPrimeBits", "publicKeyLength", "signatureAlgorithm"],
        "TimelineEvent": ["side", "packet", "kind"],
        "AlertInfo": ["by", "level", "description", "encrypted", "inferred", "packet"],
        "ClientHelloLoss": ["packet", "lostBytes", "size"],
        "HandshakeFacts": ["preamble", "preambleResult", "clientSentTLS", "serverSentTLS", "clientNotTLS", "serverNotTLS",
                           "clientHello", "clientHelloPacket", "clientHelloLost", "beganMidStream", "secondClientHello",
                           "helloRetryRequest", "serverHello", "serverHelloPacket", "serverHelloLost", "certificates",
                           "certificatePacket", "clientCertificates", "keyExchange", "certificateRequested", "alerts",
                           "clientFinished", "serverFinished", "clientAppData", "serverAppData", "resumed", "timeline",
                           "timelineDropped", "parseErrors"],
    ]

    // MARK: NetCore and FlowTrack

    // ConnectionFacts: a fixed block, then the packet stamps that are present, read with one length
    // check, then each side's gaps if it has any:
    //
    //   0  client.address.high  u64      8  client.address.low  u64
    //  16  server.address.high  u64     24  server.address.low  u64
    //  32  client.port u16   34  server.port u16
    //  36  flags: 0 client.isV6, 1 server.isV6, 2 refused, 3 established, 4 settled
    //  37  roleSource (0 syn, 1 content, 2 ports)   38  endReason (0 none, 1 closed … 5 portReused)
    //  39  stamps present: bits 0-2 the client side's firstSyn, firstFin, firstRst; bits 3-5 the server side's
    //  40  first (stamp, 20)   60  last (stamp, 20)
    //  80  client side: packets, payloadBytes, streamBytes, truncatedSegments, retransmittedSegments,
    //      conflictingOverlaps, droppedByCaps (u64 each, 56)
    // 136  server side, the same (56)
    // 192  client side's gap count u64   200  server side's gap count u64
    // 208  then the present stamps (20 each), in the order of the bits, then each side's gaps (offset
    //      and length varints).
    static let connectionBlockBytes = 208

    @inline(__always)
    static func storeCounters(_ s: SideFacts, _ d: UnsafeMutableRawPointer) {
        d.storeBytes(of: s.packets, toByteOffset: 0, as: UInt64.self)
        d.storeBytes(of: s.payloadBytes, toByteOffset: 8, as: UInt64.self)
        d.storeBytes(of: s.streamBytes, toByteOffset: 16, as: UInt64.self)
        d.storeBytes(of: s.truncatedSegments, toByteOffset: 24, as: UInt64.self)
        d.storeBytes(of: s.retransmittedSegments, toByteOffset: 32, as: UInt64.self)
        d.storeBytes(of: s.conflictingOverlaps, toByteOffset: 40, as: UInt64.self)
        d.storeBytes(of: s.droppedByCaps, toByteOffset: 48, as: UInt64.self)
    }

    @inline(__always)
    static func loadCounters(_ s: inout SideFacts, _ p: UnsafeRawPointer) {
        s.packets = p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        s.payloadBytes = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        s.streamBytes = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        s.truncatedSegments = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        s.retransmittedSegments = p.loadUnaligned(fromByteOffset: 32, as: UInt64.self)
        s.conflictingOverlaps = p.loadUnaligned(fromByteOffset: 40, as: UInt64.self)
        s.droppedByCaps = p.loadUnaligned(fromByteOffset: 48, as: UInt64.self)
    }

    @inline(__always)
    static func stampBits(_ s: SideFacts) -> UInt8 {
        (s.firstSyn != nil ? 1 : 0) | (s.firstFin != nil ? 2 : 0) | (s.firstRst != nil ? 4 : 0)
    }

    @inline(__always)
    static func storeStamp(_ p: PacketStamp, _ d: UnsafeMutableRawPointer) {
        d.storeBytes(of: p.number, toByteOffset: 0, as: UInt64.self)
        d.storeBytes(of: p.time.seconds, toByteOffset: 8, as: Int64.self)
        d.storeBytes(of: p.time.nanoseconds, toByteOffset: 16, as: UInt32.self)
    }

    @inline(__always)
    static func loadStamp(_ s: UnsafeRawPointer) -> PacketStamp {
        PacketStamp(number: s.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    time: Timestamp(seconds: s.loadUnaligned(fromByteOffset: 8, as: Int64.self),
                                    nanoseconds: s.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
    }

    @inline(__always)
    static func writeGaps(_ s: SideFacts, _ w: inout SpillWriter) {
        for g in s.gaps { w.uint(g.offset); w.uint(g.length) }
    }

    @inline(__always)
    static func readGaps(_ r: inout SpillReader, _ n: UInt64, into s: inout SideFacts) throws(SpillError) {
        // Two varints of at least a byte each per gap.
        guard n <= UInt64(r.remaining / 2) else { throw .malformed }
        s.gaps.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            let o = try r.uint()
            s.gaps.append(Gap(offset: o, length: try r.uint()))
        }
    }

    static func write(_ c: ConnectionFacts, _ w: inout SpillWriter) {
        w.reserve(connectionBlockBytes)
        let d = w.base + w.count
        d.storeBytes(of: c.client.address.high, toByteOffset: 0, as: UInt64.self)
        d.storeBytes(of: c.client.address.low, toByteOffset: 8, as: UInt64.self)
        d.storeBytes(of: c.server.address.high, toByteOffset: 16, as: UInt64.self)
        d.storeBytes(of: c.server.address.low, toByteOffset: 24, as: UInt64.self)
        d.storeBytes(of: c.client.port, toByteOffset: 32, as: UInt16.self)
        d.storeBytes(of: c.server.port, toByteOffset: 34, as: UInt16.self)
        var flags: UInt8 = c.client.address.isV6 ? 1 : 0
        if c.server.address.isV6 { flags |= 2 }
        if c.refused { flags |= 4 }
        if c.established { flags |= 8 }
        if c.settled { flags |= 16 }
        d.storeBytes(of: flags, toByteOffset: 36, as: UInt8.self)
        let role: UInt8
        switch c.roleSource {
        case .syn: role = 0
        case .content: role = 1
        case .ports: role = 2
        }
        d.storeBytes(of: role, toByteOffset: 37, as: UInt8.self)
        let end: UInt8
        switch c.endReason {
        case nil: end = 0
        case .closed?: end = 1
        case .idleTimeout?: end = 2
        case .evicted?: end = 3
        case .captureEnd?: end = 4
        case .portReused?: end = 5
        }
        d.storeBytes(of: end, toByteOffset: 38, as: UInt8.self)
        let bits = stampBits(c.clientSide) | stampBits(c.serverSide) << 3
        d.storeBytes(of: bits, toByteOffset: 39, as: UInt8.self)
        storeStamp(c.first, d + 40)
        storeStamp(c.last, d + 60)
        storeCounters(c.clientSide, d + 80)
        storeCounters(c.serverSide, d + 136)
        let clientGaps = c.clientSide.gaps.count, serverGaps = c.serverSide.gaps.count
        d.storeBytes(of: UInt64(clientGaps), toByteOffset: 192, as: UInt64.self)
        d.storeBytes(of: UInt64(serverGaps), toByteOffset: 200, as: UInt64.self)
        w.skip(connectionBlockBytes)
        if bits != 0 {
            w.reserve(bits.nonzeroBitCount &* 20)
            var e = w.base + w.count
            if let p = c.clientSide.firstSyn { storeStamp(p, e); e += 20 }
            if let p = c.clientSide.firstFin { storeStamp(p, e); e += 20 }
            if let p = c.clientSide.firstRst { storeStamp(p, e); e += 20 }
            if let p = c.serverSide.firstSyn { storeStamp(p, e); e += 20 }
            if let p = c.serverSide.firstFin { storeStamp(p, e); e += 20 }
            if let p = c.serverSide.firstRst { storeStamp(p, e) }
            w.skip(bits.nonzeroBitCount &* 20)
        }
        if clientGaps != 0 { writeGaps(c.clientSide, &w) }
        if serverGaps != 0 { writeGaps(c.serverSide, &w) }
    }

    static func readConnectionFacts(_ r: inout SpillReader) throws(SpillError) -> ConnectionFacts {
        guard r.remaining >= connectionBlockBytes, let base = r.base else { throw .truncated }
        let p = base + r.at
        let flags = p.load(fromByteOffset: 36, as: UInt8.self)
        let roleByte = p.load(fromByteOffset: 37, as: UInt8.self)
        let endByte = p.load(fromByteOffset: 38, as: UInt8.self)
        let bits = p.load(fromByteOffset: 39, as: UInt8.self)
        guard flags < 32, bits < 64 else { throw .malformed }
        // The block and the stamps after it, checked at once.
        let stampBytes = bits.nonzeroBitCount &* 20
        guard r.remaining &- connectionBlockBytes >= stampBytes else { throw .truncated }
        r.at &+= connectionBlockBytes &+ stampBytes
        let role: RoleSource
        switch roleByte {
        case 0: role = .syn
        case 1: role = .content
        case 2: role = .ports
        default: throw .malformed
        }
        var client = IPAddress(v4: 0), server = IPAddress(v4: 0)
        client.high = p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        client.low = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        client.isV6 = flags & 1 != 0
        server.high = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        server.low = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        server.isV6 = flags & 2 != 0
        var c = ConnectionFacts(client: Endpoint(address: client, port: p.loadUnaligned(fromByteOffset: 32, as: UInt16.self)),
                                server: Endpoint(address: server, port: p.loadUnaligned(fromByteOffset: 34, as: UInt16.self)),
                                roleSource: role, first: loadStamp(p + 40))
        c.last = loadStamp(p + 60)
        c.refused = flags & 4 != 0
        c.established = flags & 8 != 0
        c.settled = flags & 16 != 0
        switch endByte {
        case 0: c.endReason = nil
        case 1: c.endReason = .closed
        case 2: c.endReason = .idleTimeout
        case 3: c.endReason = .evicted
        case 4: c.endReason = .captureEnd
        case 5: c.endReason = .portReused
        default: throw .malformed
        }
        loadCounters(&c.clientSide, p + 80)
        loadCounters(&c.serverSide, p + 136)
        if bits != 0 {
            var e = p + connectionBlockBytes
            if bits & 1 != 0 { c.clientSide.firstSyn = loadStamp(e); e += 20 }
            if bits & 2 != 0 { c.clientSide.firstFin = loadStamp(e); e += 20 }
            if bits & 4 != 0 { c.clientSide.firstRst = loadStamp(e); e += 20 }
            if bits & 8 != 0 { c.serverSide.firstSyn = loadStamp(e); e += 20 }
            if bits & 16 != 0 { c.serverSide.firstFin = loadStamp(e); e += 20 }
            if bits & 32 != 0 { c.serverSide.firstRst = loadStamp(e) }
        }
        let clientGaps = p.loadUnaligned(fromByteOffset: 192, as: UInt64.self)
        let serverGaps = p.loadUnaligned(fromByteOffset: 200, as: UInt64.self)
        if clientGaps != 0 { try readGaps(&r, clientGaps, into: &c.clientSide) }
        if serverGaps != 0 { try readGaps(&r, serverGaps, into: &c.serverSide) }
        return c
    }

    // MARK: Preambles

    static func kindNumber(_ k: PreambleKind) -> UInt8 {
        switch k {
        case .rdp: return 0
        case .smtpStarttls: return 1
        case .imapStarttls: return 2
        case .pop3Starttls: return 3
        case .ftpAuthTLS: return 4
        case .xmppStarttls: return 5
        case .ldapStarttls: return 6
        case .ircStarttls: return 7
        case .postgresSSL: return 8
        case .mysqlSSL: return 9
        case .httpConnect: return 10
        case .socks4: return 11
        case .socks5: return 12
        case .adbStls: return 13
        }
    }
    static func kind(_ n: UInt8) throws(SpillError) -> PreambleKind {
        switch n {
        case 0: return .rdp
        case 1: return .smtpStarttls
        case 2: return .imapStarttls
        case 3: return .pop3Starttls
        case 4: return .ftpAuthTLS
        case 5: return .xmppStarttls
        case 6: return .ldapStarttls
        case 7: return .ircStarttls
        case 8: return .postgresSSL
        case 9: return .mysqlSSL
        case 10: return .httpConnect
        case 11: return .socks4
        case 12: return .socks5
        case 13: return .adbStls
        default: throw .malformed
        }
    }

    static func write(_ p: PreambleInfo, _ w: inout SpillWriter) {
        w.byte(kindNumber(p.kind))
        if let rdp = p.rdp {
            w.byte(1)
            w.opt(rdp.requestedProtocols); w.opt(rdp.cookie); w.opt(rdp.selectedProtocol); w.opt(rdp.failureCode)
            w.bool(rdp.confirmWithoutNegotiation); w.opt(rdp.requestFlags); w.opt(rdp.responseFlags)
        } else { w.byte(0) }
        w.opt(p.command); w.opt(p.serverReply); w.opt(p.commandOffset); w.opt(p.replyOffset); w.opt(p.replyCode)
    }
    static func readPreambleInfo(_ r: inout SpillReader) throws(SpillError) -> PreambleInfo {
        var p = PreambleInfo(kind: try kind(try r.byte()))
        if try r.present() {
            var rdp = RDPNegotiation()
            rdp.requestedProtocols = try r.optU32(); rdp.cookie = try r.optString()
            rdp.selectedProtocol = try r.optU32(); rdp.failureCode = try r.optU32()
            rdp.confirmWithoutNegotiation = try r.bool(); rdp.requestFlags = try r.optU8(); rdp.responseFlags = try r.optU8()
            p.rdp = rdp
        }
        p.command = try r.optString(); p.serverReply = try r.optString()
        p.commandOffset = try r.optInt(); p.replyOffset = try r.optInt(); p.replyCode = try r.optInt()
        return p
    }

    // MARK: Handshake

    // A ClientHello is written in two parts: first what is the connection's own (record version,
    // SNI, PSK identities, session id, early data, ECH, size, segments, records), then, behind a
    // 4-byte length, what clients of one configuration send alike (versions, suites, extensions,
    // groups, key shares, signature algorithms, formats, fingerprints). A reader with a memo
    // decodes each distinct common part once and hands out copies of it (which share their
    // storage, as the hellos did when they were first parsed): a capture's many failed
    // connections mostly come from a few client configurations.
    // The connection's own values: a fixed block read with one length check, then the session
    // id's bytes and the SNI (if present, as a string):
    //
    //   0  recordVersion u16   2  flags: 0 sni present, 1 pskIdentities present, 2 hasEarlyData, 3 echOuter
    //   3  (0)   4  session id's byte count u32
    //   8  pskIdentities (0 when absent)   16  sessionIDLength   24  size   32  tcpSegments   40  records (i64 each)
    static let helloOwnBlockBytes = 48

    static func write(_ c: ClientHelloInfo, _ w: inout SpillWriter) {
        let sni = c.sni, psk = c.pskIdentities
        var flags: UInt8 = sni != nil ? 1 : 0
        if psk != nil { flags |= 2 }
        if c.hasEarlyData { flags |= 4 }
        if c.echOuter { flags |= 8 }
        w.reserve(helloOwnBlockBytes)
        let d = w.base + w.count
        d.storeBytes(of: c.recordVersion, toByteOffset: 0, as: UInt16.self)
        d.storeBytes(of: flags, toByteOffset: 2, as: UInt8.self)
        d.storeBytes(of: 0, toByteOffset: 3, as: UInt8.self)
        d.storeBytes(of: Int64(psk ?? 0), toByteOffset: 8, as: Int64.self)
        d.storeBytes(of: Int64(c.sessionIDLength), toByteOffset: 16, as: Int64.self)
        d.storeBytes(of: Int64(c.size), toByteOffset: 24, as: Int64.self)
        d.storeBytes(of: Int64(c.tcpSegments), toByteOffset: 32, as: Int64.self)
        d.storeBytes(of: Int64(c.records), toByteOffset: 40, as: Int64.self)
        let countAt = w.count &+ 4
        w.skip(helloOwnBlockBytes)
        // A session id is at most 32 bytes when parsed (longer only when set by hand).
        let idBytes = c.sessionIDByteCount
        w.patchU32(UInt32(truncatingIfNeeded: idBytes), at: countAt)
        if idBytes > 0 {
            w.reserve(idBytes)
            c.copySessionID(to: w.base + w.count)
            w.skip(idBytes)
        }
        if let sni { w.string(sni) }
        // The common part: 1 and an index in the shared table, or 0 and the part itself.
        if let table = w.shared, let i = table.index(ofHello: c) {
            w.byte(1)
            w.uint(UInt64(i))
            return
        }
        w.byte(0)
        let start = w.count
        w.skip(4)
        // Every field of the common part is one of the values the hello shares with the other
        // hellos of its shape (`sharedIdentity`): the same box, the same bytes.
        let box = c.sharedIdentity
        var copied = false
        if let parts = w.helloParts { copied = parts.copy(of: box, to: &w) }
        if !copied {
            writeClientHelloCommon(c, &w)
            if let parts = w.helloParts {
                parts.keep(box, UnsafeRawBufferPointer(start: w.base + (start &+ 4), count: w.count &- start &- 4))
            }
        }
        // A hello's common part is far below 4 GiB (bounded by the stream cap).
        w.patchU32(UInt32(truncatingIfNeeded: w.count &- start &- 4), at: start)
    }
    static func writeClientHelloCommon(_ c: ClientHelloInfo, _ w: inout SpillWriter) {
        w.u16(c.legacyVersion); w.u16(c.maxVersion)
        w.u16s(c.supportedVersions); w.u16s(c.cipherSuites); w.u8s(c.compressionMethods); w.u16s(c.extensions)
        w.strings(c.alpn); w.u16s(c.supportedGroups)
        w.uint(UInt64(c.keyShares.count))
        for k in c.keyShares { w.u16(k.group); w.int(k.keyLength) }
        w.u16s(c.signatureAlgorithms); w.u16s(c.signatureAlgorithmsCert); w.u8s(c.ecPointFormats); w.u8s(c.pskModes)
        w.bool(c.sslv2Format)
        w.opt(c.ja3); w.opt(c.ja3Hash); w.opt(c.ja4); w.opt(c.ja4r)
    }
    static func readClientHello(_ r: inout SpillReader) throws(SpillError) -> ClientHelloInfo {
        // A hello encoded in the same bytes as one read back lately (the same client retrying: its
        // own values and its common part the same) is that hello, shared.
        if let memo = r.helloMemo, memo.wholeWorthLooking, let base = r.base {
            let start = r.at
            let end = try helloEnd(base, start, r.end)
            let bytes = UnsafeRawBufferPointer(start: base + start, count: end &- start)
            if let known = memo.wholeHello(bytes) {
                r.at = end
                return known
            }
            let c = try readClientHelloParts(&r)
            guard r.at == end else { throw .malformed }
            memo.keepWholeHello(bytes, c)
            return c
        }
        return try readClientHelloParts(&r)
    }

    /// Where the ClientHello encoded at `at` ends (its fields not decoded: its lengths checked only).
    static func helloEnd(_ base: UnsafeRawPointer, _ at: Int, _ end: Int) throws(SpillError) -> Int {
        guard end &- at >= helloOwnBlockBytes else { throw .truncated }
        let flags = base.load(fromByteOffset: at &+ 2, as: UInt8.self)
        let idCount = Int(base.loadUnaligned(fromByteOffset: at &+ 4, as: UInt32.self))
        var r = SpillReader(UnsafeRawBufferPointer(start: base, count: end))
        r.at = at &+ helloOwnBlockBytes
        guard idCount <= r.remaining else { throw .truncated }
        r.at &+= idCount
        if flags & 1 != 0 {
            let n = try r.count(minBytes: 1)
            r.at &+= n
        }
        switch try r.byte() {
        case 1: _ = try r.uint()
        case 0:
            let n = try FailureSpool.length(&r)
            guard n <= r.remaining else { throw .truncated }
            r.at &+= n
        default: throw .malformed
        }
        return r.at
    }

    static func readClientHelloParts(_ r: inout SpillReader) throws(SpillError) -> ClientHelloInfo {
        guard r.remaining >= helloOwnBlockBytes, let base = r.base else { throw .truncated }
        let p = base + r.at
        r.at &+= helloOwnBlockBytes
        let recordVersion = p.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        let flags = p.load(fromByteOffset: 2, as: UInt8.self)
        let idCount = Int(p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard flags < 16, p.load(fromByteOffset: 3, as: UInt8.self) == 0, idCount <= r.remaining else { throw .malformed }
        let pskIdentities: Int? = flags & 2 != 0 ? Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 8, as: Int64.self)) : nil
        let sessionIDLength = Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 16, as: Int64.self))
        let size = Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 24, as: Int64.self))
        let tcpSegments = Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 32, as: Int64.self))
        let records = Int(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 40, as: Int64.self))
        let hasEarlyData = flags & 4 != 0, echOuter = flags & 8 != 0
        let sessionID = UnsafeRawBufferPointer(start: base + r.at, count: idCount)
        r.at &+= idCount
        var sni: String?
        if flags & 1 != 0 {
            if let memo = r.helloMemo {
                let n = try r.count(minBytes: 1)
                sni = memo.name(UnsafeRawBufferPointer(start: base + r.at, count: n))
                r.at &+= n
            } else {
                sni = try r.string()
            }
        }
        let common: ClientHelloInfo
        switch try r.byte() {
        case 1:
            let i = try r.uint()
            guard let table = r.shared, let known = table.hello(at: i) else { throw .malformed }
            common = known
        case 0:
            var length: UInt32 = 0
            for i in 0..<4 { length |= UInt32(try r.byte()) << (8 * UInt32(i)) }
            let n = Int(length)
            guard n <= r.remaining else { throw .truncated }
            let bytes = UnsafeRawBufferPointer(start: base + r.at, count: n)
            r.at &+= n
            if let memo = r.helloMemo, memo.worthLooking, let known = memo.hello(bytes) {
                common = known
            } else {
                var c = ClientHelloInfo()
                var part = SpillReader(bytes)
                try readClientHelloCommon(&part, into: &c)
                guard part.remaining == 0 else { throw .malformed }
                if let memo = r.helloMemo, memo.worthLooking { memo.keep(bytes, c) }
                common = c
            }
        default: throw .malformed
        }
        // The common part shared (as the hellos shared it when they were first parsed), the
        // connection's own values in a box of their own.
        return ClientHelloInfo(commonPartOf: common, recordVersion: recordVersion, sni: sni, pskIdentities: pskIdentities,
                               sessionIDLength: sessionIDLength, sessionID: sessionID, hasEarlyData: hasEarlyData,
                               echOuter: echOuter, size: size, tcpSegments: tcpSegments, records: records)
    }
    static func readClientHelloCommon(_ r: inout SpillReader, into c: inout ClientHelloInfo) throws(SpillError) {
        c.legacyVersion = try r.u16(); c.maxVersion = try r.u16()
        c.supportedVersions = try r.u16s(); c.cipherSuites = try r.u16s(); c.compressionMethods = try r.u8s()
        c.extensions = try r.u16s()
        c.alpn = try r.strings(); c.supportedGroups = try r.u16s()
        let n = try r.count(minBytes: 2)
        if n > 0 {
            c.keyShares.reserveCapacity(n)
            for _ in 0..<n {
                let g = try r.u16()
                c.keyShares.append(ClientHelloInfo.KeyShare(group: g, keyLength: try r.int()))
            }
        }
        c.signatureAlgorithms = try r.u16s(); c.signatureAlgorithmsCert = try r.u16s()
        c.ecPointFormats = try r.u8s(); c.pskModes = try r.u8s()
        c.sslv2Format = try r.bool()
        c.ja3 = try r.optString(); c.ja3Hash = try r.optString(); c.ja4 = try r.optString(); c.ja4r = try r.optString()
    }

    static func write(_ s: ServerHelloInfo, _ w: inout SpillWriter) {
        w.u16(s.recordVersion); w.u16(s.legacyVersion); w.u16(s.version); w.u16(s.cipherSuite)
        w.byte(s.compressionMethod); w.u16s(s.extensions); w.opt(s.keyShareGroup); w.opt(s.alpn)
        w.int(s.sessionIDLength); w.opt(s.downgradeSentinel); w.bool(s.isHelloRetryRequest)
        w.opt(s.hrrSelectedGroup); w.bool(s.hrrCookie); w.int(s.size)
    }
    static func readServerHello(_ r: inout SpillReader) throws(SpillError) -> ServerHelloInfo {
        var s = ServerHelloInfo()
        s.recordVersion = try r.u16(); s.legacyVersion = try r.u16(); s.version = try r.u16(); s.cipherSuite = try r.u16()
        s.compressionMethod = try r.byte(); s.extensions = try r.u16s(); s.keyShareGroup = try r.optU16()
        s.alpn = try r.optString()
        s.sessionIDLength = try r.int(); s.downgradeSentinel = try r.optU8(); s.isHelloRetryRequest = try r.bool()
        s.hrrSelectedGroup = try r.optU16(); s.hrrCookie = try r.bool(); s.size = try r.int()
        return s
    }

    static func write(_ c: CertificateInfo, _ w: inout SpillWriter) {
        w.string(c.subject); w.string(c.issuer); w.strings(c.subjectAltNames)
        w.opt(c.notBefore); w.opt(c.notAfter); w.opt(c.notBeforeText); w.opt(c.notAfterText)
        w.string(c.keyType); w.opt(c.keyBits); w.opt(c.curve); w.string(c.signatureAlgorithm)
        w.strings(c.keyUsage); w.strings(c.extendedKeyUsage); w.bool(c.isCA); w.bool(c.selfSigned)
        w.string(c.serial); w.string(c.sha256); w.int(c.size); w.opt(c.parseError)
    }
    static func readCertificate(_ r: inout SpillReader) throws(SpillError) -> CertificateInfo {
        var c = CertificateInfo()
        c.subject = try r.string(); c.issuer = try r.string(); c.subjectAltNames = try r.strings()
        c.notBefore = try r.optInt64(); c.notAfter = try r.optInt64()
        c.notBeforeText = try r.optString(); c.notAfterText = try r.optString()
        c.keyType = try r.string(); c.keyBits = try r.optInt(); c.curve = try r.optString()
        c.signatureAlgorithm = try r.string()
        c.keyUsage = try r.strings(); c.extendedKeyUsage = try r.strings(); c.isCA = try r.bool(); c.selfSigned = try r.bool()
        c.serial = try r.string(); c.sha256 = try r.string(); c.size = try r.int(); c.parseError = try r.optString()
        return c
    }

    static func write(_ a: [CertificateInfo], _ w: inout SpillWriter) {
        w.uint(UInt64(a.count))
        for c in a { write(c, &w) }
    }
    static func readCertificates(_ r: inout SpillReader) throws(SpillError) -> [CertificateInfo] {
        let n = try r.count(minBytes: 12)
        var a: [CertificateInfo] = []
        a.reserveCapacity(n)
        for _ in 0..<n { a.append(try readCertificate(&r)) }
        return a
    }

    /// The server's chain: 1 and an index in the shared table, or 0 and the certificates.
    static func writeChain(_ a: [CertificateInfo], _ w: inout SpillWriter) {
        if !a.isEmpty, let table = w.shared, let i = table.index(ofChain: a) {
            w.byte(1)
            w.uint(UInt64(i))
            return
        }
        w.byte(0)
        write(a, &w)
    }
    static func readChain(_ r: inout SpillReader) throws(SpillError) -> [CertificateInfo] {
        switch try r.byte() {
        case 0: return try readCertificates(&r)
        case 1:
            let i = try r.uint()
            guard let table = r.shared, let chain = table.chain(at: i) else { throw .malformed }
            return chain
        default: throw .malformed
        }
    }

    static func write(_ s: Side, _ w: inout SpillWriter) { w.byte(s == .client ? 0 : 1) }
    static func readSide(_ r: inout SpillReader) throws(SpillError) -> Side {
        switch try r.byte() {
        case 0: return .client
        case 1: return .server
        default: throw .malformed
        }
    }

    static func write(_ e: TimelineEvent, _ w: inout SpillWriter) {
        write(e.side, &w)
        w.stamp(e.packet)
        switch e.kind {
        case .syn: w.byte(0)
        case .synAck: w.byte(1)
        case .fin: w.byte(2)
        case .rst: w.byte(3)
        case .gap(let offset, let length): w.byte(4); w.uint(offset); w.uint(length)
        case .preambleCommand(let s): w.byte(5); w.string(s)
        case .preambleReply(let s): w.byte(6); w.string(s)
        case .clientHello: w.byte(7)
        case .serverHello: w.byte(8)
        case .helloRetryRequest: w.byte(9)
        case .handshake(let t): w.byte(10); w.byte(t)
        case .changeCipherSpec: w.byte(11)
        case .encryptedRecord(let t, let n): w.byte(12); w.byte(t); w.int(n)
        case .applicationData(let n): w.byte(13); w.int(n)
        case .alert(let level, let d): w.byte(14); w.byte(level); w.byte(d)
        case .encryptedAlert(let n): w.byte(15); w.int(n)
        case .notTLS(let s): w.byte(16); w.string(s)
        case .malformed(let reason, let offset): w.byte(17); w.string(reason); w.int(offset)
        }
    }
    static func readTimelineEvent(_ r: inout SpillReader) throws(SpillError) -> TimelineEvent {
        let side = try readSide(&r)
        let packet = try r.stamp()
        let kind: TimelineEvent.Kind
        switch try r.byte() {
        case 0: kind = .syn
        case 1: kind = .synAck
        case 2: kind = .fin
        case 3: kind = .rst
        case 4:
            let o = try r.uint()
            kind = .gap(offset: o, length: try r.uint())
        case 5: kind = .preambleCommand(try r.string())
        case 6: kind = .preambleReply(try r.string())
        case 7: kind = .clientHello
        case 8: kind = .serverHello
        case 9: kind = .helloRetryRequest
        case 10: kind = .handshake(type: try r.byte())
        case 11: kind = .changeCipherSpec
        case 12:
            let t = try r.byte()
            kind = .encryptedRecord(contentType: t, length: try r.int())
        case 13: kind = .applicationData(length: try r.int())
        case 14:
            let level = try r.byte()
            kind = .alert(level: level, description: try r.byte())
        case 15: kind = .encryptedAlert(length: try r.int())
        case 16: kind = .notTLS(sample: try r.string())
        case 17:
            let reason = try r.string()
            kind = .malformed(reason: reason, offset: try r.int())
        default: throw .malformed
        }
        return TimelineEvent(side: side, packet: packet, kind: kind)
    }

    // An alert: a block of `alertBytes`, written and read at once (byte by byte, with a bounds
    // check each, reading one cost about 150 instructions):
    //
    //   0  side (0 client, 1 server)   1  level present (0/1)   2  level (0 when absent)
    //   3  description present (0/1)   4  description (0 when absent)
    //   5  encrypted (0/1)   6  inferred (0/1)   7  the packet's stamp (20 bytes: `SpillWriter.stamp`)
    static let alertBytes = 27

    static func write(_ a: AlertInfo, _ w: inout SpillWriter) {
        w.reserve(alertBytes)
        let d = w.base + w.count
        d.storeBytes(of: a.by == .client ? 0 : 1, toByteOffset: 0, as: UInt8.self)
        d.storeBytes(of: a.level == nil ? 0 : 1, toByteOffset: 1, as: UInt8.self)
        d.storeBytes(of: a.level ?? 0, toByteOffset: 2, as: UInt8.self)
        d.storeBytes(of: a.description == nil ? 0 : 1, toByteOffset: 3, as: UInt8.self)
        d.storeBytes(of: a.description ?? 0, toByteOffset: 4, as: UInt8.self)
        d.storeBytes(of: a.encrypted ? 1 : 0, toByteOffset: 5, as: UInt8.self)
        d.storeBytes(of: a.inferred ? 1 : 0, toByteOffset: 6, as: UInt8.self)
        storeStamp(a.packet, d + 7)
        w.skip(alertBytes)
    }
    static func readAlert(_ r: inout SpillReader) throws(SpillError) -> AlertInfo {
        guard r.remaining >= alertBytes, let base = r.base else { throw .truncated }
        let p = base + r.at
        let side = p.load(fromByteOffset: 0, as: UInt8.self)
        let hasLevel = p.load(fromByteOffset: 1, as: UInt8.self), level = p.load(fromByteOffset: 2, as: UInt8.self)
        let hasDescription = p.load(fromByteOffset: 3, as: UInt8.self), description = p.load(fromByteOffset: 4, as: UInt8.self)
        let encrypted = p.load(fromByteOffset: 5, as: UInt8.self), inferred = p.load(fromByteOffset: 6, as: UInt8.self)
        // Every flag 0 or 1, an absent value 0 (as `write` makes them).
        guard (side | hasLevel | hasDescription | encrypted | inferred) < 2,
              hasLevel == 1 || level == 0, hasDescription == 1 || description == 0 else { throw .malformed }
        r.at &+= alertBytes
        return AlertInfo(by: side == 0 ? .client : .server, level: hasLevel == 1 ? level : nil,
                         description: hasDescription == 1 ? description : nil,
                         encrypted: encrypted == 1, inferred: inferred == 1, packet: loadStamp(p + 7))
    }

    static func write(_ l: ClientHelloLoss?, _ w: inout SpillWriter) {
        guard let l else { w.byte(0); return }
        w.byte(1); w.stamp(l.packet); w.int(l.lostBytes); w.int(l.size)
    }
    static func readLoss(_ r: inout SpillReader) throws(SpillError) -> ClientHelloLoss? {
        guard try r.present() else { return nil }
        let p = try r.stamp()
        let lost = try r.int()
        return ClientHelloLoss(packet: p, lostBytes: lost, size: try r.int())
    }

    // HandshakeFacts: a header of three bytes and a 32-bit mask of what is present (an optional
    // set, a list not empty, a number not zero), then each value present in the order of the
    // mask's bits; absent ones take no bytes (most connections have few of them):
    //
    //   0  flags: 0 clientSentTLS, 1 serverSentTLS, 2 beganMidStream, 3 certificateRequested, 4 resumed
    //   1  preambleResult (0 none, 1 tls, 2 refused, 3 plaintext, 4 unfinished)
    //   2  (0)
    //   3  present (u32): the `Present` bits
    struct Present: OptionSet {
        let rawValue: UInt32
        static let preamble = Present(rawValue: 1 << 0)
        static let clientNotTLS = Present(rawValue: 1 << 1)
        static let serverNotTLS = Present(rawValue: 1 << 2)
        static let clientHello = Present(rawValue: 1 << 3)
        static let clientHelloPacket = Present(rawValue: 1 << 4)
        static let clientHelloLost = Present(rawValue: 1 << 5)
        static let secondClientHello = Present(rawValue: 1 << 6)
        static let helloRetryRequest = Present(rawValue: 1 << 7)
        static let serverHello = Present(rawValue: 1 << 8)
        static let serverHelloPacket = Present(rawValue: 1 << 9)
        static let serverHelloLost = Present(rawValue: 1 << 10)
        static let certificates = Present(rawValue: 1 << 11)
        static let certificatePacket = Present(rawValue: 1 << 12)
        static let clientCertificates = Present(rawValue: 1 << 13)
        static let keyExchange = Present(rawValue: 1 << 14)
        static let alerts = Present(rawValue: 1 << 15)
        static let clientFinished = Present(rawValue: 1 << 16)
        static let serverFinished = Present(rawValue: 1 << 17)
        static let clientAppData = Present(rawValue: 1 << 18)
        static let serverAppData = Present(rawValue: 1 << 19)
        static let timeline = Present(rawValue: 1 << 20)
        static let timelineDropped = Present(rawValue: 1 << 21)
        static let parseErrors = Present(rawValue: 1 << 22)
        static let all = Present(rawValue: (1 << 23) - 1)
    }
    static let handshakeHeaderBytes = 7

    static func write(_ h: HandshakeFacts, _ w: inout SpillWriter) {
        var flags: UInt8 = h.clientSentTLS ? 1 : 0
        if h.serverSentTLS { flags |= 2 }
        if h.beganMidStream { flags |= 4 }
        if h.certificateRequested { flags |= 8 }
        if h.resumed { flags |= 16 }
        let result: UInt8
        switch h.preambleResult {
        case nil: result = 0
        case .tls?: result = 1
        case .refused?: result = 2
        case .plaintext?: result = 3
        case .unfinished?: result = 4
        }
        let clientHello = h.clientHello
        let keyExchange = h.keyExchange
        let certificates = h.certificates, alerts = h.alerts
        var present: Present = []
        if clientHello != nil { present.insert(.clientHello) }
        if h.clientHelloPacket != nil { present.insert(.clientHelloPacket) }
        if h.serverHelloChoice != nil { present.insert(.serverHello) }   // (without copying it out of its box)
        if h.serverHelloPacket != nil { present.insert(.serverHelloPacket) }
        if !certificates.isEmpty { present.insert(.certificates) }
        if h.certificatePacket != nil { present.insert(.certificatePacket) }
        if keyExchange != nil { present.insert(.keyExchange) }
        if !alerts.isEmpty { present.insert(.alerts) }
        if h.clientFinished != nil { present.insert(.clientFinished) }
        if h.serverFinished != nil { present.insert(.serverFinished) }
        if h.clientAppData != nil { present.insert(.clientAppData) }
        if h.serverAppData != nil { present.insert(.serverAppData) }
        if h.packedEventCount > 0 { present.insert(.timeline) }
        // The rarely set values (most connections have none: no box to look in).
        let rare = h.mayHaveRareValues
        if rare {
            if h.hasPreamble { present.insert(.preamble) }
            if h.clientNotTLS != nil { present.insert(.clientNotTLS) }
            if h.serverNotTLS != nil { present.insert(.serverNotTLS) }
            if h.clientHelloLost != nil { present.insert(.clientHelloLost) }
            if h.hasSecondClientHello { present.insert(.secondClientHello) }
            if h.hasHelloRetryRequest { present.insert(.helloRetryRequest) }
            if h.serverHelloLost != nil { present.insert(.serverHelloLost) }
            if h.clientCertificateCount != nil { present.insert(.clientCertificates) }
            if h.timelineDropped != 0 { present.insert(.timelineDropped) }
            if !h.parseErrors.isEmpty { present.insert(.parseErrors) }
        }
        w.reserve(handshakeHeaderBytes)
        let d = w.base + w.count
        d.storeBytes(of: flags, toByteOffset: 0, as: UInt8.self)
        d.storeBytes(of: result, toByteOffset: 1, as: UInt8.self)
        d.storeBytes(of: 0, toByteOffset: 2, as: UInt8.self)
        d.storeBytes(of: present.rawValue, toByteOffset: 3, as: UInt32.self)
        w.skip(handshakeHeaderBytes)

        if present.contains(.preamble), let p = h.preamble { write(p, &w) }
        if present.contains(.clientNotTLS), let t = h.clientNotTLS { w.string(t) }
        if present.contains(.serverNotTLS), let t = h.serverNotTLS { w.string(t) }
        if let c = clientHello { write(c, &w) }
        if let p = h.clientHelloPacket { w.stamp(p) }
        if present.contains(.clientHelloLost) { write(h.clientHelloLost, &w) }
        if present.contains(.secondClientHello), let c = h.secondClientHello { write(c, &w) }
        if present.contains(.helloRetryRequest), let s = h.helloRetryRequest { write(s, &w) }
        if present.contains(.serverHello), let s = h.serverHello {
            // Behind its length (a 4-byte little-endian count), so that a reader can know it by its bytes.
            let start = w.count
            w.skip(4)
            write(s, &w)
            w.patchU32(UInt32(truncatingIfNeeded: w.count &- start &- 4), at: start)
        }
        if let p = h.serverHelloPacket { w.stamp(p) }
        if present.contains(.serverHelloLost) { write(h.serverHelloLost, &w) }
        if !certificates.isEmpty { writeChain(certificates, &w) }
        if let p = h.certificatePacket { w.stamp(p) }
        if present.contains(.clientCertificates), let c = h.clientCertificates { write(c, &w) }
        if let k = keyExchange {
            w.string(k.kind); w.opt(k.group); w.opt(k.dhPrimeBits); w.opt(k.publicKeyLength); w.opt(k.signatureAlgorithm)
        }
        if !alerts.isEmpty {
            w.uint(UInt64(alerts.count))
            for a in alerts { write(a, &w) }
        }
        if let p = h.clientFinished { w.stamp(p) }
        if let p = h.serverFinished { w.stamp(p) }
        if let p = h.clientAppData { w.stamp(p) }
        if let p = h.serverAppData { w.stamp(p) }
        if present.contains(.timeline) {
            // The timeline as it is stored: its packed events' bytes, then the events kept whole.
            let packed = h.packedEventCount
            w.uint(UInt64(packed))
            let bytes = packed &* HandshakeFacts.packedEventBytes
            w.reserve(bytes)
            h.copyPackedEvents(to: w.base + w.count)
            w.skip(bytes)
            let wide = rare ? h.wideTimelineEvents : []
            w.uint(UInt64(wide.count))
            for e in wide { write(e, &w) }
        }
        if present.contains(.timelineDropped) { w.int(h.timelineDropped) }
        if present.contains(.parseErrors) { w.strings(h.parseErrors) }
    }

    /// Reads into `h`, a fresh `HandshakeFacts()` (returning a new value made the optimizer copy
    /// the whole struct once more).
    static func readHandshakeFacts(_ r: inout SpillReader, into h: inout HandshakeFacts) throws(SpillError) {
        guard r.remaining >= handshakeHeaderBytes, let base = r.base else { throw .truncated }
        let head = base + r.at
        r.at &+= handshakeHeaderBytes
        let flags = head.load(fromByteOffset: 0, as: UInt8.self)
        let result = head.load(fromByteOffset: 1, as: UInt8.self)
        let present = Present(rawValue: head.loadUnaligned(fromByteOffset: 3, as: UInt32.self))
        guard flags < 32, head.load(fromByteOffset: 2, as: UInt8.self) == 0, Present.all.isSuperset(of: present) else { throw .malformed }
        switch result {
        case 0: h.preambleResult = nil
        case 1: h.preambleResult = .tls
        case 2: h.preambleResult = .refused
        case 3: h.preambleResult = .plaintext
        case 4: h.preambleResult = .unfinished
        default: throw .malformed
        }
        h.clientSentTLS = flags & 1 != 0; h.serverSentTLS = flags & 2 != 0; h.beganMidStream = flags & 4 != 0
        h.certificateRequested = flags & 8 != 0; h.resumed = flags & 16 != 0

        if present.contains(.preamble) { h.preamble = try readPreambleInfo(&r) }
        if present.contains(.clientNotTLS) { h.clientNotTLS = try r.string() }
        if present.contains(.serverNotTLS) { h.serverNotTLS = try r.string() }
        if present.contains(.clientHello) { h.clientHello = try readClientHello(&r) }
        if present.contains(.clientHelloPacket) { h.clientHelloPacket = try r.stamp() }
        if present.contains(.clientHelloLost) {
            guard let l = try readLoss(&r) else { throw .malformed }
            h.clientHelloLost = l
        }
        if present.contains(.secondClientHello) { h.secondClientHello = try readClientHello(&r) }
        if present.contains(.helloRetryRequest) { h.helloRetryRequest = try readServerHello(&r) }
        if present.contains(.serverHello) {
            let n = try FailureSpool.length(&r)
            guard n <= r.remaining else { throw .truncated }
            let bytes = UnsafeRawBufferPointer(start: base + r.at, count: n)
            r.at &+= n
            if let memo = r.helloMemo, let known = memo.serverHello(bytes) {
                h.serverHello = known
            } else {
                var part = SpillReader(bytes)
                let s = try readServerHello(&part)
                guard part.remaining == 0 else { throw .malformed }
                r.helloMemo?.keepServerHello(bytes, s)
                h.serverHello = s
            }
        }
        if present.contains(.serverHelloPacket) { h.serverHelloPacket = try r.stamp() }
        if present.contains(.serverHelloLost) {
            guard let l = try readLoss(&r) else { throw .malformed }
            h.serverHelloLost = l
        }
        if present.contains(.certificates) {
            let chain = try readChain(&r)
            guard !chain.isEmpty else { throw .malformed }
            h.certificates = chain
        }
        if present.contains(.certificatePacket) { h.certificatePacket = try r.stamp() }
        if present.contains(.clientCertificates) { h.clientCertificates = try readCertificates(&r) }
        if present.contains(.keyExchange) {
            var k = KeyExchangeInfo(kind: try r.string())
            k.group = try r.optU16(); k.dhPrimeBits = try r.optInt(); k.publicKeyLength = try r.optInt()
            k.signatureAlgorithm = try r.optU16()
            h.keyExchange = k
        }
        if present.contains(.alerts) {
            let alerts = try r.count(minBytes: alertBytes)
            guard alerts > 0 else { throw .malformed }
            var list: [AlertInfo] = []
            list.reserveCapacity(alerts)
            for _ in 0..<alerts { list.append(try readAlert(&r)) }
            h.alerts = list
        }
        if present.contains(.clientFinished) { h.clientFinished = try r.stamp() }
        if present.contains(.serverFinished) { h.serverFinished = try r.stamp() }
        if present.contains(.clientAppData) { h.clientAppData = try r.stamp() }
        if present.contains(.serverAppData) { h.serverAppData = try r.stamp() }
        if present.contains(.timeline) {
            let packed = try r.count(minBytes: HandshakeFacts.packedEventBytes)
            let bytes = UnsafeRawBufferPointer(start: base + r.at, count: packed &* HandshakeFacts.packedEventBytes)
            r.at &+= bytes.count
            let wideCount = try r.count(minBytes: 22)
            var wide: [TimelineEvent] = []
            if wideCount > 0 {
                wide.reserveCapacity(wideCount)
                for _ in 0..<wideCount { wide.append(try readTimelineEvent(&r)) }
            }
            guard packed > 0, h.setPackedEvents(bytes, wide: wide) else { throw .malformed }
        }
        if present.contains(.timelineDropped) {
            let n = try r.int()
            guard n != 0 else { throw .malformed }
            h.timelineDropped = n
        }
        if present.contains(.parseErrors) {
            let list = try r.strings()
            guard !list.isEmpty else { throw .malformed }
            h.parseErrors = list
        }
    }
}

/// ClientHello common parts already decoded, by their encoded bytes (`SpillCodec.readClientHello`).
/// Bounded: at most `maxBytes` of encodings are kept (with their decoded hellos), and once more
/// than 64 are kept, new ones only while they have been found again at least as often as kept
/// (hellos that do not repeat, such as those with shuffled extensions, are then not kept).
final class SpillHelloMemo {
    private struct Entry {
        var bytes: [UInt8]
        var hello: ClientHelloInfo
        /// The next entry whose bytes have the same key, or -1.
        var next: Int
    }
    private var entries: [Entry] = []
    /// The first entry of each key.
    private var first: [Int: Int] = [:]
    private var keptBytes = 0
    let maxBytes: Int
    /// Lookups that found a common part, and all lookups.
    private(set) var hits = 0
    private(set) var lookups = 0
    /// Whether looking is worth its hashing: after 256 lookups, only while one in eight finds a
    /// part (hellos that do not repeat, such as those with shuffled extensions, then skip it).
    var worthLooking: Bool { lookups < 256 || hits &* 8 >= lookups }
    /// Distinct common parts kept.
    var count: Int { entries.count }

    /// Replaces `key` (tests: a constant one, so that every entry collides).
    private let keyFunction: ((UnsafeRawBufferPointer) -> Int)?

    init(maxBytes: Int = 256 * 1024, key: ((UnsafeRawBufferPointer) -> Int)? = nil) {
        self.maxBytes = maxBytes
        self.keyFunction = key
    }

    private func key(_ bytes: UnsafeRawBufferPointer) -> Int {
        if let keyFunction { return keyFunction(bytes) }
        return Self.key(bytes)
    }

    private static func key(_ bytes: UnsafeRawBufferPointer) -> Int {
        Int(truncatingIfNeeded: quickHash(bytes))
    }

    /// A quick hash of the bytes, 8 at a time (Hasher's SipHash cost about 10 instructions a byte
    /// here); equal keys are confirmed by comparing the bytes, so collisions cost time only.
    @inline(__always)
    private static func quickHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        let n = bytes.count
        while i &+ 8 <= n {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h &>> 29
            i &+= 8
        }
        while i < n {
            h = (h ^ UInt64(bytes[i])) &* 0x9E37_79B9_7F4A_7C15
            i &+= 1
        }
        return h ^ (h &>> 32)
    }

    /// Server names and ServerHellos read back lately, by their encoded bytes: a capture's failures
    /// mostly name a few servers, which answer alike (a copy shares the string and the lists).
    @exclusivity(unchecked) private var names = Recent<String>()
    @exclusivity(unchecked) private var serverHellos = Recent<ServerHelloInfo>()

    /// A string of these UTF-8 bytes (the one read back before from the same bytes, if kept).
    func name(_ bytes: UnsafeRawBufferPointer) -> String {
        if let s = names.value(bytes) { return s }
        let s = bytes.isEmpty ? "" : String(unsafeUninitializedCapacity: bytes.count) { dst in
            UnsafeMutableRawBufferPointer(dst).copyMemory(from: bytes)
            return bytes.count
        }
        names.keep(bytes, s)
        return s
    }

    @exclusivity(unchecked) private var wholeHellos = Recent<ClientHelloInfo>()
    private var wholeLookups = 0
    private(set) var wholeHits = 0
    /// Whether looking for whole hellos is worth it: after 256 lookups, only while one in eight
    /// finds one (hellos with a new session id each time never do).
    var wholeWorthLooking: Bool { wholeLookups < 256 || wholeHits &* 8 >= wholeLookups }

    /// The hello read back before from the same bytes (own values and common part), if kept.
    func wholeHello(_ bytes: UnsafeRawBufferPointer) -> ClientHelloInfo? {
        wholeLookups &+= 1
        guard let c = wholeHellos.value(bytes) else { return nil }
        wholeHits &+= 1
        return c
    }
    func keepWholeHello(_ bytes: UnsafeRawBufferPointer, _ c: ClientHelloInfo) { wholeHellos.keep(bytes, c) }

    /// The ServerHello read back before from the same bytes, if kept.
    func serverHello(_ bytes: UnsafeRawBufferPointer) -> ServerHelloInfo? { serverHellos.value(bytes) }
    func keepServerHello(_ bytes: UnsafeRawBufferPointer, _ s: ServerHelloInfo) { serverHellos.keep(bytes, s) }

    /// Values by their encoded bytes: 64 slots, direct-mapped (a new value takes its slot), keys of
    /// up to 128 bytes copied into one buffer (keeping one allocates nothing).
    struct Recent<Value> {
        static var slotCount: Int { 64 }
        static var keyBytes: Int { 128 }
        private var keys = [UInt8](repeating: 0, count: 64 * 128)
        private var lengths = [Int](repeating: -1, count: 64)
        private var values: [Value?] = Array(repeating: nil, count: 64)

        /// The slot of these bytes, from the memo's quick hash of all of them.
        @inline(__always)
        private static func slot(_ bytes: UnsafeRawBufferPointer) -> Int {
            Int(truncatingIfNeeded: SpillHelloMemo.quickHash(bytes) &>> 7) & (slotCount &- 1)
        }

        // (Mutating, though it changes nothing: called in place on the memo's field, where a
        // non-mutating call copied the struct first, retaining and releasing its three arrays.)
        mutating func value(_ bytes: UnsafeRawBufferPointer) -> Value? {
            let i = Self.slot(bytes)
            guard lengths[i] == bytes.count, let v = values[i] else { return nil }
            let same = keys.withUnsafeBytes { kept -> Bool in
                guard let a = kept.baseAddress, let b = bytes.baseAddress else { return true }   // both empty
                return memcmp(a + i &* Self.keyBytes, b, bytes.count) == 0
            }
            return same ? v : nil
        }

        mutating func keep(_ bytes: UnsafeRawBufferPointer, _ v: Value) {
            guard bytes.count <= Self.keyBytes else { return }
            let i = Self.slot(bytes)
            keys.withUnsafeMutableBytes { kept in
                guard let a = kept.baseAddress, let b = bytes.baseAddress else { return }
                (a + i &* Self.keyBytes).copyMemory(from: b, byteCount: bytes.count)
            }
            lengths[i] = bytes.count
            values[i] = v
        }
    }

    /// The hello decoded from the same bytes before, if kept.
    func hello(_ bytes: UnsafeRawBufferPointer) -> ClientHelloInfo? {
        lookups &+= 1
        guard !entries.isEmpty, var i = first[key(bytes)] else { return nil }
        while i >= 0 {
            let same = entries[i].bytes.count == bytes.count && entries[i].bytes.withUnsafeBytes { kept -> Bool in
                guard let a = kept.baseAddress, let b = bytes.baseAddress else { return true }   // both empty
                return memcmp(a, b, bytes.count) == 0
            }
            if same { hits &+= 1; return entries[i].hello }
            i = entries[i].next
        }
        return nil
    }

    func keep(_ bytes: UnsafeRawBufferPointer, _ hello: ClientHelloInfo) {
        guard keptBytes &+ bytes.count <= maxBytes, count < 64 || hits >= count else { return }
        keptBytes &+= bytes.count
        let k = key(bytes)
        entries.append(Entry(bytes: [UInt8](bytes), hello: hello, next: first[k] ?? -1))
        first[k] = entries.count &- 1
    }
}

/// ClientHello common parts as `SpillCodec.write` encoded them, by the identity of the hello's
/// shared box (`ClientHelloInfo.sharedIdentity`): the hellos of one client shape share one box, so
/// a failure from a known client copies the bytes instead of encoding its lists again.
///
/// Sound because a slot keeps its box alive (no other object can have its address while it is
/// there) and a box's values do not change while another holds it. Direct-mapped, 64 slots; a
/// new box takes its slot; parts over `maxBytes` are not kept.
final class SpillHelloParts {
    static let slotCount = 64
    static let maxBytes = 8 * 1024
    private var addresses = [UInt](repeating: 0, count: SpillHelloParts.slotCount)
    private var boxes = [AnyObject?](repeating: nil, count: SpillHelloParts.slotCount)
    private var encoded = [[UInt8]](repeating: [], count: SpillHelloParts.slotCount)
    /// Common parts copied rather than encoded (for the tests), and parts kept.
    private(set) var hits = 0
    private(set) var keeps = 0

    @inline(__always)
    private static func address(_ box: AnyObject) -> UInt { UInt(bitPattern: ObjectIdentifier(box)) }

    /// The slot `box` takes (one per slot: a later box in the same slot replaces it).
    static func slot(of box: AnyObject) -> Int { slot(address(box)) }

    @inline(__always)
    private static func slot(_ a: UInt) -> Int {
        var h = UInt64(a) &* 0x9E37_79B9_7F4A_7C15
        h ^= h &>> 29
        return Int(truncatingIfNeeded: h) & (slotCount &- 1)
    }

    /// Appends the bytes kept for `box` to `w`; false if none are kept.
    @inline(__always)
    func copy(of box: AnyObject, to w: inout SpillWriter) -> Bool {
        let a = Self.address(box)
        let s = Self.slot(a)
        guard addresses[s] == a else { return false }
        hits &+= 1
        encoded[s].withUnsafeBytes { w.raw($0) }
        return true
    }

    /// Keeps the bytes encoded for `box`; after 64, only while one in eight kept parts is copied
    /// again (hellos that do not repeat are then not copied into a slot each).
    func keep(_ box: AnyObject, _ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.maxBytes, keeps < 64 || hits &* 8 >= keeps else { return }
        keeps &+= 1
        let a = Self.address(box)
        let s = Self.slot(a)
        boxes[s] = box
        encoded[s] = [UInt8](bytes)
        addresses[s] = a
    }
}

/// Values that many waiting failures share, kept once and written into their records as an index:
/// a ClientHello's common part (the box the hellos of one client shape share,
/// `ClientHelloInfo.sharedIdentity`) and a certificate chain (the array the observer's memo hands
/// to every connection that received the same certificate bytes). Found by the identity of that
/// box or array storage: sound because the table keeps each value alive (no other object can have
/// its address while it is here) and a value held by two owners is never changed in place
/// (changing it copies it first).
///
/// The first record that refers to a value gets the value itself; the records after it get a copy
/// made when the value is met again (encoded and decoded once): the observer's values come from
/// process-wide memos (`AdapterMemo`, shared by every thread that analyses captures), and the
/// failures read back from the copy retain and release only this session's objects. (A value met
/// once, as the hellos of clients that vary theirs are, is not copied.)
///
/// Lives as long as the records that refer to it (`FailureSpool` makes a new one when it is
/// drained). Bounded: at most `maxEntries` hellos and as many chains, and about `maxBytes` of
/// each's contents (values and copies); past that, values are encoded in their records (and a
/// value whose copy does not fit is handed out itself).
final class SpillSharedValues {
    let maxEntries: Int
    let maxBytes: Int
    @exclusivity(unchecked) private var helloTable: Kept<ClientHelloInfo>
    @exclusivity(unchecked) private var chainTable: Kept<[CertificateInfo]>

    /// What is read back (the value, then its copy once met again).
    var hellos: [ClientHelloInfo] { helloTable.values }
    var chains: [[CertificateInfo]] { chainTable.values }
    /// Hellos and chains read back from the table after the first record that kept them (met again).
    var helloHits: Int { helloTable.hits }
    var chainHits: Int { chainTable.hits }

    init(maxEntries: Int = 512, maxBytes: Int = 512 << 10) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = maxBytes
        helloTable = Kept(maxEntries: self.maxEntries, maxBytes: maxBytes)
        chainTable = Kept(maxEntries: self.maxEntries, maxBytes: maxBytes)
    }

    /// The index of the hello's common part, kept now if it is new and there is room; nil: no room.
    func index(ofHello c: ClientHelloInfo) -> Int? {
        helloTable.index(of: c, address: UInt(bitPattern: ObjectIdentifier(c.sharedIdentity)), estimate: Self.estimate)
    }

    /// The index of the chain, kept now if it is new and there is room; nil: no room, or empty.
    func index(ofChain a: [CertificateInfo]) -> Int? {
        guard let base = a.withUnsafeBufferPointer({ $0.baseAddress }) else { return nil }
        return chainTable.index(of: a, address: UInt(bitPattern: base), estimate: Self.estimate)
    }

    func hello(at i: UInt64) -> ClientHelloInfo? { helloTable.value(at: i, copy: Self.copy) }

    func chain(at i: UInt64) -> [CertificateInfo]? { chainTable.value(at: i, copy: Self.copy) }

    /// The values of one kind, by index, and their identities (the address of a hello's shared box
    /// or of a chain's storage) to indexes.
    struct Kept<Value> {
        let maxEntries: Int
        let maxBytes: Int
        /// What is read back: the value, then its copy once met again.
        private(set) var values: [Value] = []
        /// The values as kept, which keep their identities' objects alive.
        private var originals: [Value] = []
        private var addresses: AddressTable
        private var bytes = 0
        private(set) var hits = 0
        private var read: [Bool] = []
        private var copied: [Bool] = []
        /// Each value's estimated bytes (its copy counts as much again).
        private var sizes: [Int] = []

        init(maxEntries: Int, maxBytes: Int) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
            addresses = AddressTable(capacity: maxEntries)
        }

        @inline(__always)
        mutating func index(of value: Value, address: UInt, estimate: (Value) -> Int) -> Int? {
            if let i = addresses.find(address) { return i }
            guard values.count < maxEntries else { return nil }
            let size = estimate(value)
            guard bytes &+ size <= maxBytes else { return nil }
            bytes &+= size
            sizes.append(size)
            values.append(value)
            originals.append(value)
            read.append(false)
            copied.append(false)
            addresses.insert(address, values.count &- 1)
            return values.count &- 1
        }

        @inline(__always)
        mutating func value(at i: UInt64, copy: (Value) -> Value?) -> Value? {
            guard i < UInt64(values.count) else { return nil }
            let i = Int(i)
            if !read[i] {
                read[i] = true
            } else {
                // Copied once, if the copy fits too (else the value itself is handed out).
                if !copied[i] && bytes &+ sizes[i] <= maxBytes, let c = copy(values[i]) {
                    values[i] = c
                    bytes &+= sizes[i]
                }
                copied[i] = true
                hits &+= 1
            }
            return values[i]
        }
    }

    /// A hello with the same common part in storage of its own (its own values are not used).
    static func copy(_ c: ClientHelloInfo) -> ClientHelloInfo? {
        var w = SpillWriter(capacity: 1024)
        SpillCodec.writeClientHelloCommon(c, &w)
        var copy = ClientHelloInfo()
        var r = SpillReader(w.bytes)
        guard (try? SpillCodec.readClientHelloCommon(&r, into: &copy)) != nil, r.remaining == 0 else { return nil }
        return copy
    }

    /// The chain in storage of its own.
    static func copy(_ a: [CertificateInfo]) -> [CertificateInfo]? {
        var w = SpillWriter(capacity: 4096)
        SpillCodec.write(a, &w)
        var r = SpillReader(w.bytes)
        guard let copy = try? SpillCodec.readCertificates(&r), r.remaining == 0 else { return nil }
        return copy
    }

    /// About the bytes a hello's common part holds.
    static func estimate(_ c: ClientHelloInfo) -> Int {
        var n = 256 &+ 2 &* (c.supportedVersions.count &+ c.cipherSuites.count &+ c.extensions.count &+ c.supportedGroups.count
                            &+ c.signatureAlgorithms.count &+ c.signatureAlgorithmsCert.count)
        n &+= c.compressionMethods.count &+ c.ecPointFormats.count &+ c.pskModes.count &+ 16 &* c.keyShares.count
        for s in c.alpn { n &+= 16 &+ s.utf8.count }
        n &+= (c.ja3?.utf8.count ?? 0) &+ (c.ja3Hash?.utf8.count ?? 0) &+ (c.ja4?.utf8.count ?? 0) &+ (c.ja4r?.utf8.count ?? 0)
        return n
    }

    /// About the bytes a chain holds.
    static func estimate(_ a: [CertificateInfo]) -> Int {
        var n = 64
        for c in a {
            n &+= 320 &+ c.subject.utf8.count &+ c.issuer.utf8.count &+ c.serial.utf8.count &+ c.sha256.utf8.count
            for s in c.subjectAltNames { n &+= 16 &+ s.utf8.count }
            for s in c.keyUsage { n &+= 16 &+ s.utf8.count }
            for s in c.extendedKeyUsage { n &+= 16 &+ s.utf8.count }
        }
        return n
    }

    /// Addresses to indexes, open addressing with linear probing, at most half full.
    struct AddressTable {
        private var keys: [UInt]
        private var values: [Int]
        private let mask: Int

        init(capacity: Int) {
            var size = 16
            while size < 2 &* capacity { size &*= 2 }
            keys = [UInt](repeating: 0, count: size)
            values = [Int](repeating: 0, count: size)
            mask = size &- 1
        }

        @inline(__always)
        private func slot(_ a: UInt) -> Int {
            var h = UInt64(a) &* 0x9E37_79B9_7F4A_7C15
            h ^= h &>> 29
            return Int(truncatingIfNeeded: h) & mask
        }

        func find(_ a: UInt) -> Int? {
            var s = slot(a)
            while true {
                let k = keys[s]
                if k == a { return values[s] }
                if k == 0 { return nil }
                s = (s &+ 1) & mask
            }
        }

        /// `a` must not be in the table yet (nor 0), and the table must have room (the owner keeps
        /// at most half its slots).
        mutating func insert(_ a: UInt, _ v: Int) {
            var s = slot(a)
            while keys[s] != 0 { s = (s &+ 1) & mask }
            keys[s] = a
            values[s] = v
        }
    }
}
