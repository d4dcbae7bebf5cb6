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

    /// The events kept whole (text, gaps, numbers past 32 bits), which packed events refer to by index.
    @_spi(Spill) public var wideTimelineEvents: [TimelineEvent] { rare?.value.wideEvents ?? [] }

    /// Sets the timeline from what `withPackedEvents` and `wideTimelineEvents` gave. Returns false,
    /// changing nothing, unless every event is one that appending an event makes (a known tag, the
    /// values its kind does not use zero, the wide events referred to once each, in order).
    @_spi(Spill) public mutating func setPackedEvents(_ bytes: UnsafeRawBufferPointer, wide: [TimelineEvent]) -> Bool {
        let size = MemoryLayout<PackedEvent>.stride
        guard bytes.count % size == 0 else { return false }
        let n = bytes.count / size
        var list: [PackedEvent] = []
        list.reserveCapacity(n)
        var nextWide: UInt32 = 0
        for i in 0..<n {
            let e = bytes.loadUnaligned(fromByteOffset: i &* size, as: PackedEvent.self)
            guard e.unused == 0 else { return false }
            let usesA: Bool, usesB: Bool, usesValue: Bool
            switch e.tag & 0x7f {
            case HandshakeFacts.tagSyn, HandshakeFacts.tagSynAck, HandshakeFacts.tagFin, HandshakeFacts.tagRst,
                 HandshakeFacts.tagClientHello, HandshakeFacts.tagServerHello, HandshakeFacts.tagHelloRetryRequest,
                 HandshakeFacts.tagChangeCipherSpec:
                (usesA, usesB, usesValue) = (false, false, false)
            case HandshakeFacts.tagHandshake: (usesA, usesB, usesValue) = (true, false, false)
            case HandshakeFacts.tagEncryptedRecord: (usesA, usesB, usesValue) = (true, false, true)
            case HandshakeFacts.tagApplicationData, HandshakeFacts.tagEncryptedAlert: (usesA, usesB, usesValue) = (false, false, true)
            case HandshakeFacts.tagAlert: (usesA, usesB, usesValue) = (true, true, false)
            case HandshakeFacts.tagWide:
                // `appendWide`: no side bit, no packet number, the next index.
                guard e.tag == HandshakeFacts.tagWide, e.number == 0, e.value == nextWide, Int(nextWide) < wide.count else { return false }
                nextWide &+= 1
                (usesA, usesB, usesValue) = (false, false, true)
            default: return false
            }
            guard usesA || e.a == 0, usesB || e.b == 0, usesValue || e.value == 0 else { return false }
            list.append(e)
        }
        guard Int(nextWide) == wide.count else { return false }
        events = list
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
