import TLSWire

/// The bytes that decide the shared part of a ClientHello's facts (`TLSAdapter.makeTemplate`):
/// the lists it offers, ALPN, the key share groups and lengths, and the scalars JA3/JA4 read.
/// Two hellos with equal keys get equal templates but for the order of the extensions (below), so
/// the key is what `AdapterMemo.hellos` is looked up by. What varies per connection (random, session id, key share values, server name,
/// PSK identities, padding) is left out.
///
/// The order of the extensions is left out too (their types are in the key sorted): Chrome and
/// Firefox shuffle their extensions on every connection, and everything in the template but the
/// extension list itself and JA3 (its string and hash) is the same whatever the order. A hello
/// whose order differs from the kept template's gets a copy of it with its own list and JA3
/// (`TLSAdapter.reordered`); JA4 sorts the extensions and is shared.
///
/// Layout: legacy_version (2), the highest version (2), a flag byte (bit 0: a host name in
/// server_name; bit 1: an ALPN list), then eleven parts, each a 4-byte length and its bytes:
/// cipher_suites, compression_methods, the extension types sorted (2 bytes each),
/// supported_versions, supported_groups, the key shares as (group, key length) pairs (2 + 2),
/// signature_algorithms, signature_algorithms_cert, ec_point_formats, psk_key_exchange_modes and
/// the ALPN protocol_name_list. Each part is read from the hello's ranges the way TLSWire's list
/// views read them (a range outside the body is an empty list).
enum HelloKey {
    /// Keys longer than this are not looked up (the hello is read in full instead).
    static let maxBytes = 16 * 1024
    static let parts = 11

    /// An upper bound of the key's length: the parts are disjoint ranges of the body (those from
    /// extensions lie in the extensions block), except the extension types (2 bytes for each
    /// extension of at least 4) and the key share pairs (4 bytes for each entry of at least 4).
    static func capacity(_ h: ClientHello, _ b: UnsafeRawBufferPointer) -> Int {
        5 &+ parts &* 4 &+ b.count &+ b.count / 2
    }

    /// `r` if it lies inside `b`, else an empty range.
    @inline(__always)
    static func inside(_ r: Range<Int>?, _ b: UnsafeRawBufferPointer) -> Range<Int> {
        guard let r, r.lowerBound >= 0, r.upperBound <= b.count else { return 0..<0 }
        return r
    }

    /// Room for the extension types of `h` (each extension takes at least four bytes).
    static func maxExtensionTypes(_ h: ClientHello, _ b: UnsafeRawBufferPointer) -> Int {
        max(inside(h.extensions, b).count / 4, 1)
    }

    /// The extension types of `h` in order, as `ExtensionList.forEach` finds them, written into
    /// `out` (at least `maxExtensionTypes` long); returns how many.
    static func extensionTypes(_ h: ClientHello, _ b: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt16>) -> Int {
        extensionTypes(in: inside(h.extensions, b), b, into: out)
    }

    /// The extension types of the extensions block `ext` of `b` in order, into `out`; returns how
    /// many (a length running past the block ends the walk, as `ExtensionList.forEach` does).
    static func extensionTypes(in ext: Range<Int>, _ b: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt16>) -> Int {
        var count = 0
        var p = ext.lowerBound
        while ext.upperBound &- p >= 4 && count < out.count {
            let n = Int(b.load16(p &+ 2))
            guard n <= ext.upperBound &- p &- 4 else { break }
            out[count] = b.load16(p)
            count &+= 1
            p &+= 4 &+ n
        }
        return count
    }

    /// Writes the key into `out` (at least `capacity` bytes); returns its length.
    static func write(_ h: ClientHello, _ b: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: maxExtensionTypes(h, b)) { types in
            let n = extensionTypes(h, b, into: types)
            return write(h, b, types: UnsafeBufferPointer(rebasing: types[..<n]), into: out)
        }
    }

    /// The same, given the hello's extension types in order (`extensionTypes`).
    static func write(_ h: ClientHello, _ b: UnsafeRawBufferPointer, types: UnsafeBufferPointer<UInt16>,
                      into out: UnsafeMutableRawBufferPointer) -> Int {
        var w = Writer(base: out.baseAddress!, count: 0)
        w.u16(h.legacyVersion.rawValue)
        w.u16(h.maxVersion.rawValue)
        w.u8((h.sni != nil ? 1 : 0) | (h.alpn != nil ? 2 : 0))
        w.copy(b, inside(h.cipherSuites, b))
        w.copy(b, inside(h.compressionMethods, b))
        // Extension types, as ExtensionList.forEach finds them, sorted: the order is not part of
        // the key (the caller compares it with the kept template's, see `TLSAdapter.helloTemplate`).
        let extLength = w.beginPart()
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: max(types.count, 1)) { sorted in
            guard let list = sorted.baseAddress, let src = types.baseAddress else { return }
            let n = types.count
            list.initialize(from: src, count: n)
            insertionSort(list, n)
            var i = 0
            while i < n { w.u16(list[i]); i &+= 1 }
        }
        w.endPart(extLength)
        w.copy(b, inside(h.supportedVersions, b))
        w.copy(b, inside(h.supportedGroups, b))
        // Key shares: group and key length, as KeyShareList.forEach finds them.
        let ks = inside(h.keyShares, b)
        let ksLength = w.beginPart()
        var p = ks.lowerBound
        while ks.upperBound &- p >= 4 {
            let n = Int(b.load16(p &+ 2))
            guard n <= ks.upperBound &- p &- 4 else { break }
            w.u16(b.load16(p))
            w.u16(UInt16(truncatingIfNeeded: n))
            p &+= 4 &+ n
        }
        w.endPart(ksLength)
        w.copy(b, inside(h.signatureAlgorithms, b))
        w.copy(b, inside(h.signatureAlgorithmsCert, b))
        w.copy(b, inside(h.ecPointFormats, b))
        w.copy(b, inside(h.pskKeyExchangeModes, b))
        w.copy(b, inside(h.alpn, b))
        return w.count
    }

    /// Sorts `n` values in place (a hello has a few dozen extensions at most: insertion sort, no
    /// call or closure).
    @inline(__always)
    static func insertionSort(_ a: UnsafeMutablePointer<UInt16>, _ n: Int) {
        var i = 1
        while i < n {
            let v = a[i]
            var j = i
            while j > 0 && a[j &- 1] > v {
                a[j] = a[j &- 1]
                j &-= 1
            }
            a[j] = v
            i &+= 1
        }
    }

    struct Writer {
        let base: UnsafeMutableRawPointer
        var count: Int

        @inline(__always) mutating func u8(_ v: UInt8) {
            base.storeBytes(of: v, toByteOffset: count, as: UInt8.self)
            count &+= 1
        }
        @inline(__always) mutating func u16(_ v: UInt16) {
            base.storeBytes(of: v.bigEndian, toByteOffset: count, as: UInt16.self)
            count &+= 2
        }
        @inline(__always) mutating func beginPart() -> Int {
            let at = count
            count &+= 4
            return at
        }
        @inline(__always) mutating func endPart(_ at: Int) {
            base.storeBytes(of: UInt32(truncatingIfNeeded: count &- at &- 4), toByteOffset: at, as: UInt32.self)
        }
        @inline(__always) mutating func copy(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) {
            let n = r.count
            base.storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: count, as: UInt32.self)
            count &+= 4
            guard n > 0, let from = b.baseAddress else { return }
            let src = from + r.lowerBound, dst = base + count
            if n > 64 {
                dst.copyMemory(from: src, byteCount: n)
            } else {
                // Lists are short: word by word, without a call.
                var i = 0
                while i &+ 8 <= n {
                    dst.storeBytes(of: src.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                    i &+= 8
                }
                while i < n {
                    dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
                    i &+= 1
                }
            }
            count &+= n
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Big-endian u16 at `offset` (the caller has checked that two bytes are there).
    @inline(__always)
    func load16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
