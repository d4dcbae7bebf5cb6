// The packed timeline as it is stored, for the spill of the failures that wait for the end of the
// capture (TLSDiagKit's `FailureSpool`): it copies the 24-byte events as they are instead of
// unpacking them into `[TimelineEvent]` to encode and packing them again when it reads them back.
// Not API for anyone else (`@_spi(Spill)`); the public properties are unchanged.

extension HandshakeFacts {
    /// Bytes of one packed event.
    @_spi(Spill) public static var packedEventBytes: Int { MemoryLayout<PackedEvent>.stride }

    /// The number of packed events (= `timeline.count`).
    @_spi(Spill) public var packedEventCount: Int { events.count }

    /// The packed events' bytes (`packedEventCount` × `packedEventBytes`), native byte order, for
    /// this process only.
    @_spi(Spill) public func withPackedEvents(_ body: (UnsafeRawBufferPointer) -> Void) {
        events.withUnsafeBytes { body($0) }
    }

    /// Copies the packed events' bytes (`packedEventCount` × `packedEventBytes`, as `withPackedEvents`
    /// gives them) to `target`, which has room for them.
    @_spi(Spill) public func copyPackedEvents(to target: UnsafeMutableRawPointer) {
        events.withUnsafeBytes { b in
            if let source = b.baseAddress { target.copyMemory(from: source, byteCount: b.count) }
        }
    }

    /// The events kept whole (text, gaps, numbers past 32 bits), which packed events refer to by index.
    @_spi(Spill) public var wideTimelineEvents: [TimelineEvent] { rare?.value.wideEvents ?? [] }

    /// Sets the timeline from what `withPackedEvents` and `wideTimelineEvents` gave. Returns false,
    /// changing nothing, unless every event is one that appending an event makes (a known tag, the
    /// values its kind does not use zero, the wide events referred to once each, in order).
    @_spi(Spill) public mutating func setPackedEvents(_ bytes: UnsafeRawBufferPointer, wide: [TimelineEvent]) -> Bool {
        let size = MemoryLayout<PackedEvent>.stride
        guard bytes.count % size == 0 else { return false }
        let n = bytes.count / size
        var nextWide: UInt32 = 0
        // Each event's last 8 bytes (tag, a, b, unused, value: `tailOffset`) checked as one word
        // against the bits its kind may set.
        let tailOffset = 16
        assert(MemoryLayout<PackedEvent>.offset(of: \PackedEvent.tag) == tailOffset
               && MemoryLayout<PackedEvent>.offset(of: \PackedEvent.a) == tailOffset + 1
               && MemoryLayout<PackedEvent>.offset(of: \PackedEvent.b) == tailOffset + 2
               && MemoryLayout<PackedEvent>.offset(of: \PackedEvent.unused) == tailOffset + 3
               && MemoryLayout<PackedEvent>.offset(of: \PackedEvent.value) == tailOffset + 4 && size == tailOffset + 8)
        let tagBits: UInt64 = 0xff, aBits: UInt64 = 0xff00, bBits: UInt64 = 0xff_0000, valueBits: UInt64 = 0xffff_ffff_0000_0000
        for i in 0..<n {
            let at = i &* size
            let tail = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at &+ tailOffset, as: UInt64.self))
            let allowed: UInt64
            switch UInt8(truncatingIfNeeded: tail) & 0x7f {
            case HandshakeFacts.tagSyn, HandshakeFacts.tagSynAck, HandshakeFacts.tagFin, HandshakeFacts.tagRst,
                 HandshakeFacts.tagClientHello, HandshakeFacts.tagServerHello, HandshakeFacts.tagHelloRetryRequest,
                 HandshakeFacts.tagChangeCipherSpec:
                allowed = tagBits
            case HandshakeFacts.tagHandshake: allowed = tagBits | aBits
            case HandshakeFacts.tagEncryptedRecord: allowed = tagBits | aBits | valueBits
            case HandshakeFacts.tagApplicationData, HandshakeFacts.tagEncryptedAlert: allowed = tagBits | valueBits
            case HandshakeFacts.tagAlert: allowed = tagBits | aBits | bBits
            case HandshakeFacts.tagWide:
                // `appendWide`: no side bit, no packet number, the next index.
                let e = bytes.loadUnaligned(fromByteOffset: at, as: PackedEvent.self)
                guard e.tag == HandshakeFacts.tagWide, e.number == 0, e.value == nextWide, Int(nextWide) < wide.count else { return false }
                nextWide &+= 1
                allowed = tagBits | valueBits
            default: return false
            }
            guard tail & ~allowed == 0 else { return false }
        }
        guard Int(nextWide) == wide.count else { return false }
        // Checked: copied as they are, at once.
        events = PackedEvents(bytes: bytes, count: n)
        if rare != nil || !wide.isEmpty { rareFields.wideEvents = wide }
        return true
    }
}

extension ClientHelloInfo {
    /// The session id's bytes, without making an array of them (`sessionID`).
    @_spi(Spill) public func withSessionID(_ body: (UnsafeRawBufferPointer) -> Void) {
        let id = own.v.sessionID
        if let longer = id.longer { return longer.withUnsafeBytes { body($0) } }
        withUnsafeBytes(of: (id.w0, id.w1, id.w2, id.w3)) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(id.count)))) }
    }

    /// The session id's byte count (what `withSessionID` gives).
    @_spi(Spill) public var sessionIDByteCount: Int {
        let id = own.v.sessionID
        return id.longer?.count ?? min(Int(id.count), 32)
    }

    /// Copies the session id's bytes to `target`, which has room for `sessionIDByteCount` of them.
    @_spi(Spill) public func copySessionID(to target: UnsafeMutableRawPointer) {
        let id = own.v.sessionID
        if let longer = id.longer {
            longer.withUnsafeBytes { b in if let source = b.baseAddress { target.copyMemory(from: source, byteCount: b.count) } }
            return
        }
        // At most 32 bytes, kept in four words.
        let n = min(Int(id.count), 32)
        withUnsafeBytes(of: (id.w0, id.w1, id.w2, id.w3)) { b in
            if let source = b.baseAddress { target.copyMemory(from: source, byteCount: n) }
        }
    }

    /// A hello with the common part of `common` (shared, not copied) and these values of its own
    /// (one allocation, where setting them one by one on a copy copied the own values first).
    @_spi(Spill) public init(commonPartOf common: ClientHelloInfo, recordVersion: UInt16, sni: String?, pskIdentities: Int?,
                             sessionIDLength: Int, sessionID: UnsafeRawBufferPointer, hasEarlyData: Bool, echOuter: Bool,
                             size: Int, tcpSegments: Int, records: Int) {
        self.init(shared: common.shared,
                  own: OwnValues(recordVersion: recordVersion, sni: sni, pskIdentities: pskIdentities, sessionIDLength: sessionIDLength,
                                 sessionID: SessionIDBytes(sessionID), hasEarlyData: hasEarlyData, echOuter: echOuter,
                                 size: size, tcpSegments: tcpSegments, records: records))
    }
}
