// One direction of a TLS connection, read incrementally.
//
// The caller keeps the reassembled bytes of the direction (contiguous, growing) and calls
// `next(in:)` until it answers `.needMore`. The reader keeps only its cursor, the state of the
// record being taken apart, and — only when a handshake message spans records — a small owned
// buffer for that message. A record is handled once all of it is present, so the events are the
// same however the bytes arrive (whole, one byte at a time, or in any chunks).

/// A complete handshake message.
///
///     struct {
///         HandshakeType msg_type;    /* handshake type */
///         uint24 length;             /* remaining bytes in message */
///         select (Handshake.msg_type) { ... };
///     } Handshake;
public struct HandshakeMessage: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        /// The body lies in one record: its range in the stream (no copy).
        case stream(Range<Int>)
        /// The message spanned records: its body, copied together.
        case owned([UInt8])
    }

    public var type: HandshakeType
    /// Body length from the header.
    public var length: Int
    /// Stream offset of the 4-byte message header.
    public var streamOffset: Int
    /// Stream offset of the record header of the record where the message starts.
    public var recordOffset: Int
    /// How many records the message spanned (1 when it fit in one).
    public var recordCount: Int
    public var body: Body

    public init(type: HandshakeType, length: Int, streamOffset: Int, recordOffset: Int, recordCount: Int, body: Body) {
        self.type = type
        self.length = length
        self.streamOffset = streamOffset
        self.recordOffset = recordOffset
        self.recordCount = recordCount
        self.body = body
    }

    /// Stream offset where the body starts (exact when the header and body share a record).
    public var bodyStreamOffset: Int {
        if case .stream(let r) = body { return r.lowerBound }
        return streamOffset &+ 4
    }

    /// Calls `f` with the body bytes (offset 0 = first body byte). `stream` must be the stream
    /// the reader read (for a body kept in the stream); nil when it does not hold the body.
    @inlinable
    public func withBody<R, E: Error>(in stream: RawSpan, _ f: (RawSpan) throws(E) -> R) throws(E) -> R? {
        switch body {
        case .stream(let r):
            guard stream.tlsContains(r) else { return nil }
            return try f(stream.extracting(r))
        case .owned(let bytes):
            return try f(bytes.span.bytes)
        }
    }

    @inlinable
    public func withBody<R, E: Error>(in stream: UnsafeRawBufferPointer, _ f: (RawSpan) throws(E) -> R) throws(E) -> R? {
        try withBody(in: stream.bytes, f)
    }

    /// Calls `f` with a reader over the body whose errors cite stream offsets.
    public func withBodyReader<R, E: Error>(in stream: RawSpan, _ f: (inout TLSReader) throws(E) -> R) throws(E) -> R? {
        let base = bodyStreamOffset
        return try withBody(in: stream) { (span: RawSpan) throws(E) -> R in
            var reader = TLSReader(span, base: base)
            return try f(&reader)
        }
    }

    public func withBodyReader<R, E: Error>(in stream: UnsafeRawBufferPointer, _ f: (inout TLSReader) throws(E) -> R) throws(E) -> R? {
        try withBodyReader(in: stream.bytes, f)
    }

    /// A copy of the body (allocates).
    public func bodyBytes(in stream: RawSpan) -> [UInt8]? {
        withBody(in: stream) { $0.tlsBytes(0..<$0.byteCount) }
    }
}

/// A heartbeat record read in plaintext (RFC 6520):
///
///     struct {
///         HeartbeatMessageType type;       /* 1 request, 2 response */
///         uint16 payload_length;
///         opaque payload[HeartbeatMessage.payload_length];
///         opaque padding[padding_length];  /* at least 16 bytes */
///     } HeartbeatMessage;
public struct TLSHeartbeat: Hashable, Sendable {
    public var offset: Int
    public var recordLength: Int
    public var messageType: UInt8?
    /// The payload length the message claims.
    public var payloadLength: Int?
    /// The claimed payload (plus type, length and the 16 bytes of minimum padding) does not fit
    /// in the record: the Heartbleed (CVE-2014-0160) request shape.
    public var claimsMoreThanRecord: Bool {
        guard let p = payloadLength else { return false }
        return p &+ 3 &+ 16 > recordLength
    }
}

public enum TLSStreamEvent: Hashable, Sendable {
    /// Every TLS record, before whatever it carries. (SSL 2.0 records come as `.sslv2`.)
    case record(TLSRecordHeader, offset: Int)
    /// A complete plaintext handshake message.
    case handshake(HandshakeMessage)
    /// A change_cipher_spec record holding the single byte 1 (also after `markEncrypted()`: the
    /// TLS 1.3 middlebox-compatibility CCS is never encrypted). `offset` is the record's.
    case changeCipherSpec(offset: Int)
    /// A plaintext alert; `offset` is the record's.
    case alert(TLSAlert, offset: Int)
    /// A record whose content is encrypted: application data always; handshake, alert and
    /// heartbeat records after `markEncrypted()`; an alert record that cannot be a plaintext
    /// alert (length other than a run of two-byte alerts).
    case encryptedRecord(ContentType, length: Int, offset: Int)
    /// A plaintext heartbeat record.
    case heartbeat(TLSHeartbeat)
    /// An SSL 2.0 record.
    case sslv2(SSLv2Record)
    /// The stream cannot be TLS from here on; every later call returns the same error.
    case malformed(TLSParseError)
    /// Nothing more can be said until the stream grows.
    case needMore
}

/// The common events of `TLSStreamReader.nextCommon(in:)`, as plain values: a handshake message
/// whole in one record (`.handshake`: `type` is the HandshakeType, `length` the body's, `offset`
/// the stream offset of the message header, `recordOffset` its record's; the body follows the
/// 4-byte header), an encrypted record (`.encryptedRecord`: `type` is the ContentType, `length`
/// the record's, `offset` its header's), a change_cipher_spec record holding the single byte 1
/// (`.changeCipherSpec`: `offset` is the record's), `.needMore`, or `.other`: anything else, which
/// `next(in:)` hands out as a `TLSStreamEvent`.
public struct TLSCommonEvent: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable { case needMore, handshake, encryptedRecord, changeCipherSpec, other }
    public var kind: Kind
    public var type: UInt8
    public var length: Int
    public var offset: Int
    public var recordOffset: Int

    @inlinable
    public init(_ kind: Kind, type: UInt8 = 0, length: Int = 0, offset: Int = 0, recordOffset: Int = 0) {
        self.kind = kind
        self.type = type
        self.length = length
        self.offset = offset
        self.recordOffset = recordOffset
    }

    /// The `.handshake` event's message.
    @inlinable
    public var handshakeMessage: HandshakeMessage {
        HandshakeMessage(type: HandshakeType(type), length: length, streamOffset: offset, recordOffset: recordOffset,
                         recordCount: 1, body: .stream((offset &+ 4)..<(offset &+ 4 &+ length)))
    }
}

/// Reads one direction of a TLS connection.
///
/// `next(in:)` and the record framing are `@inlinable`: the caller's switch over the event then
/// sees the event being made, and the common records (a handshake message, an encrypted record)
/// cost no call and no event copy. The rare paths (SSL 2.0, messages spanning records, failures)
/// stay out of line.
public struct TLSStreamReader: Hashable, Sendable {
    /// Stream offset of the next record header not yet read.
    public var cursor: Int { _cursor }
    public var isEncrypted: Bool { _isEncrypted }
    /// TLS and SSL 2.0 records read so far.
    public var recordsRead: Int { _recordsRead }
    /// The legacy_record_version of the first TLS record read (nil before one; SSL 2.0 records
    /// have none).
    public var firstRecordVersion: ProtocolVersion? { _firstRecordVersion }
    /// Whether `next` hands out a `.record` event before each TLS record's contents (the
    /// default). A caller that needs only the contents turns it off and reads `recordsRead` and
    /// `firstRecordVersion` instead: every other event is the same, and each record costs one
    /// call less.
    public var recordEvents = true
    public var failure: TLSParseError? { _failure }
    /// Whether `nextCommon(in:)` (and `next(in:)`) would answer `.needMore` for a stream of
    /// `count` bytes because all of it has been read: no record open, the cursor at its end, the
    /// stream not failed, no record events wanted. A test a caller can make instead of the call
    /// that would say so.
    @inlinable public func isCaughtUp(withStreamOf count: Int) -> Bool {
        !failed && !recordEvents && !inRecord && _cursor == count
    }

    @usableFromInline var _cursor: Int
    @usableFromInline var _isEncrypted = false
    @usableFromInline var _recordsRead = 0
    @usableFromInline var _firstRecordVersion: ProtocolVersion?
    @usableFromInline var _failure: TLSParseError?
    /// Set once the stream failed: every later call returns the same error.
    @usableFromInline var failed = false

    @usableFromInline enum Mode: UInt8, Hashable, Sendable { case undecided, tls, sslv2 }
    @usableFromInline var mode: Mode = .undecided
    /// In SSL 2.0 mode: a later TLS record header switches to TLS (after a v2-compatible hello).
    @usableFromInline var sslv2MaySwitch = false

    /// The record whose contents are being handed out (valid while `inRecord`).
    @usableFromInline struct Current: Hashable, Sendable {
        @usableFromInline var header: TLSRecordHeader
        @usableFromInline var offset: Int
        @usableFromInline var position: Int
        @usableFromInline var end: Int
        @inlinable init(header: TLSRecordHeader, offset: Int, position: Int, end: Int) {
            self.header = header
            self.offset = offset
            self.position = position
            self.end = end
        }
    }
    @usableFromInline var current = Current(header: TLSRecordHeader(contentType: ContentType(0), version: ProtocolVersion(0), length: 0),
                                            offset: 0, position: 0, end: 0)
    @usableFromInline var inRecord = false

    /// A handshake message that started in an earlier record.
    @usableFromInline struct Partial: Hashable, Sendable {
        var bytes: [UInt8]
        /// Header plus body, known once 4 bytes are in.
        var total: Int?
        var streamOffset: Int
        var recordOffset: Int
        var recordCount: Int
    }
    @usableFromInline var partial: Partial?
    @usableFromInline var hasPartial = false

    /// `startOffset`: the stream offset of the first TLS byte (after any preamble).
    @inlinable
    public init(startOffset: Int = 0) {
        _cursor = startOffset
    }

    /// Back to the state of a new reader (`init(startOffset: 0)`), with `recordEvents` as given:
    /// for a caller that keeps its readers' storage from stream to stream. A message kept across
    /// records is let go of.
    /// (Field by field: `current` is not read while no record is open, and `partial` is set
    /// exactly while `hasPartial` is.)
    @inlinable
    public mutating func reset(recordEvents: Bool) {
        if hasPartial {
            partial = nil
            hasPartial = false
        }
        _cursor = 0
        _isEncrypted = false
        _recordsRead = 0
        _firstRecordVersion = nil
        _failure = nil
        failed = false
        mode = .undecided
        sslv2MaySwitch = false
        inRecord = false
        self.recordEvents = recordEvents
    }

    // Equal readers are in the same state: the record being read counts only while one is.
    public static func == (a: TLSStreamReader, b: TLSStreamReader) -> Bool {
        a._cursor == b._cursor && a._isEncrypted == b._isEncrypted && a._recordsRead == b._recordsRead
            && a._firstRecordVersion == b._firstRecordVersion && a.recordEvents == b.recordEvents
            && a._failure == b._failure && a.mode == b.mode && a.sslv2MaySwitch == b.sslv2MaySwitch
            && a.inRecord == b.inRecord && (!a.inRecord || a.current == b.current) && a.partial == b.partial
    }

    public func hash(into h: inout Hasher) {
        h.combine(_cursor)
        h.combine(_isEncrypted)
        h.combine(_recordsRead)
        h.combine(_firstRecordVersion)
        h.combine(recordEvents)
        h.combine(_failure)
        h.combine(mode)
        h.combine(sslv2MaySwitch)
        h.combine(inRecord)
        if inRecord { h.combine(current) }
        h.combine(partial)
    }

    /// Whether a stream starting with `firstBytes` is TLS or SSL 2.0.
    public static func looksLikeTLS(_ firstBytes: RawSpan) -> TLSLikelihood { TLSDetect.looksLikeTLS(firstBytes) }
    public static func looksLikeTLS(_ firstBytes: UnsafeRawBufferPointer) -> TLSLikelihood { TLSDetect.looksLikeTLS(firstBytes) }

    /// From the next record on, content is encrypted: after a ChangeCipherSpec in TLS ≤ 1.2,
    /// after the ServerHello in TLS 1.3 (both directions).
    @inlinable public mutating func markEncrypted() { _isEncrypted = true }

    /// Whether a handshake message is waiting for the next record(s).
    public var hasPartialMessage: Bool { hasPartial }
    /// The direction speaks the SSL 2.0 record format (so far).
    public var isSSLv2: Bool { mode == .sslv2 }

    /// The header of the record the reader waits for, with the bytes of it present so far
    /// (for "the ClientHello was cut short" reports). Nil when no header is complete.
    public func pendingRecord(in stream: RawSpan) -> (header: TLSRecordHeader, offset: Int, available: Int)? {
        guard !failed, !inRecord, mode != .sslv2 else { return nil }
        guard let t = stream.tlsByte(at: cursor), let v = stream.tlsU16(at: cursor &+ 1),
              let l = stream.tlsU16(at: cursor &+ 3) else { return nil }
        let h = TLSRecordHeader(contentType: ContentType(t), version: ProtocolVersion(v), length: Int(l))
        return (h, cursor, stream.byteCount &- cursor &- 5)
    }

    @inlinable
    public mutating func next(in stream: UnsafeRawBufferPointer) -> TLSStreamEvent {
        next(in: stream.bytes)
    }

    @inlinable
    public mutating func next(in stream: RawSpan) -> TLSStreamEvent {
        if failed { return failedEvent() }
        // A stream shorter than what was already read (the caller's mistake) is not read past.
        if inRecord && current.end > stream.byteCount { return .needMore }
        if _cursor > stream.byteCount { return .needMore }
        while true {
            if inRecord {
                if let e = nextInRecord(stream) { return e }
                continue
            }
            // nil: a record was opened and its `.record` event is not wanted; go on to its contents.
            if let e = nextRecord(stream) { return e }
        }
    }

    @usableFromInline
    func failedEvent() -> TLSStreamEvent {
        .malformed(_failure ?? TLSParseError(.invalidValue, offset: _cursor, "stream failed"))
    }

    @usableFromInline
    mutating func fail(_ code: TLSParseError.Code, _ offset: Int, _ reason: StaticString) -> TLSStreamEvent {
        let e = TLSParseError(code, offset: offset, reason)
        _failure = e
        failed = true
        inRecord = false
        partial = nil
        hasPartial = false
        return .malformed(e)
    }

    // MARK: Record framing

    /// The next record's header: its `.record` event, or nil when record events are off.
    @inlinable @inline(__always)
    mutating func nextRecord(_ s: RawSpan) -> TLSStreamEvent? {
        switch openRecord(s) {
        case .needMore: return .needMore
        case .opened: return recordEvents ? .record(current.header, offset: current.offset) : nil
        case .other: return nextRecordNotTLS(s)
        }
    }

    @usableFromInline enum OpenStep { case needMore, opened, other }

    /// Opens the next TLS record when all of it is there (`.opened`), answers `.needMore` while
    /// it is not, and `.other` (nothing changed) when the stream is not (yet) in TLS mode or the
    /// header is not a valid one: `nextRecordNotTLS` handles those.
    @inlinable @inline(__always)
    mutating func openRecord(_ s: RawSpan) -> OpenStep {
        let avail = s.byteCount &- _cursor
        guard avail > 0 else { return .needMore }
        let b0 = s.unsafeLoad(fromUncheckedByteOffset: _cursor, as: UInt8.self)
        // TLS record header, checked byte by byte so garbage is rejected as early as it shows.
        guard b0 >= 20 && b0 <= 24 else { return .other }
        // A stream whose first byte is a TLS content type is TLS (`nextRecordNotTLS`).
        if mode != .tls {
            guard mode == .undecided else { return .other }
            mode = .tls
        }
        if avail >= 2, s.unsafeLoad(fromUncheckedByteOffset: _cursor &+ 1, as: UInt8.self) != 3 { return .other }
        guard avail >= 5 else { return .needMore }
        let version = ProtocolVersion(UInt16(bigEndian: s.unsafeLoadUnaligned(fromUncheckedByteOffset: _cursor &+ 1, as: UInt16.self)))
        let length = Int(UInt16(bigEndian: s.unsafeLoadUnaligned(fromUncheckedByteOffset: _cursor &+ 3, as: UInt16.self)))
        guard avail &- 5 >= length else { return .needMore }
        var header = TLSRecordHeader(contentType: ContentType(b0), version: version, length: length)
        header.lengthFinding = header.lengthFinding(encrypted: _isEncrypted || b0 == 23)
        let offset = _cursor
        current = Current(header: header, offset: offset, position: offset &+ 5, end: offset &+ 5 &+ length)
        inRecord = true
        _cursor = offset &+ 5 &+ length
        _recordsRead &+= 1
        if _firstRecordVersion == nil { _firstRecordVersion = version }
        return .opened
    }

    /// `nextRecord` before the stream is known to be TLS, once it is SSL 2.0, or for a header
    /// that is not a TLS record's.
    @usableFromInline
    mutating func nextRecordNotTLS(_ s: RawSpan) -> TLSStreamEvent? {
        let avail = s.byteCount &- _cursor
        let b0 = (s.tlsByte(at: _cursor) ?? 0)
        if mode == .tls {
            guard b0 >= 20 && b0 <= 24 else { return fail(.invalidValue, _cursor, "unknown record content type") }
            return fail(.invalidValue, _cursor &+ 1, "record version is not 3.x")
        }
        switch mode {
        case .undecided:
            if b0 >= 20 && b0 <= 24 {
                mode = .tls
            } else if b0 & 0x80 != 0 || TLSDetect.looksLikeTLS(s.extracting(_cursor..<s.byteCount)) == .sslv2 {
                mode = .sslv2
            } else if b0 & 0xc0 == 0, avail < 11 {
                return .needMore  // may still become a 3-byte SSLv2 CLIENT-HELLO
            } else {
                return fail(.invalidValue, _cursor, "stream does not start with a TLS or SSL 2.0 record")
            }
        case .sslv2:
            if sslv2MaySwitch, b0 >= 20 && b0 <= 24 { mode = .tls }
        case .tls:
            break
        }
        if mode == .sslv2 { return nextSSLv2Record(s) }
        return nextRecord(s)
    }

    /// Hands out what the current record carries; nil when it is used up without an event.
    @inlinable @inline(__always)
    mutating func nextInRecord(_ s: RawSpan) -> TLSStreamEvent? {
        let e = commonInRecord(s)
        switch e.kind {
        case .handshake:
            return .handshake(HandshakeMessage(type: HandshakeType(e.type), length: e.length, streamOffset: e.offset,
                                               recordOffset: e.recordOffset, recordCount: 1,
                                               body: .stream((e.offset &+ 4)..<(e.offset &+ 4 &+ e.length))))
        case .encryptedRecord:
            return .encryptedRecord(ContentType(e.type), length: e.length, offset: e.offset)
        case .changeCipherSpec:
            return .changeCipherSpec(offset: e.offset)
        default:
            return nextInRecordSlow(s)
        }
    }

    /// The common contents of the current record: a handshake message whole in it, an
    /// encrypted record, or a change_cipher_spec. `.other` (nothing changed) for anything else.
    @inlinable @inline(__always)
    mutating func commonInRecord(_ s: RawSpan) -> TLSCommonEvent {
        let type = current.header.contentType.rawValue
        if hasPartial { return TLSCommonEvent(.other) }
        if type == 22 && !_isEncrypted {
            // A handshake message whole in this record (not the start of one spanning records).
            let start = current.position
            let left = current.end &- start
            if left >= 4 {
                let word = UInt32(bigEndian: s.unsafeLoadUnaligned(fromUncheckedByteOffset: start, as: UInt32.self))
                let len = Int(word & 0xFF_FFFF)
                if len <= left &- 4 {
                    current.position = start &+ 4 &+ len
                    if current.position >= current.end { inRecord = false }
                    return TLSCommonEvent(.handshake, type: UInt8(truncatingIfNeeded: word >> 24), length: len,
                                          offset: start, recordOffset: current.offset)
                }
            }
            return TLSCommonEvent(.other)
        }
        if type == 23 || type == 22 {
            inRecord = false
            return TLSCommonEvent(.encryptedRecord, type: type, length: current.header.length,
                                  offset: current.offset, recordOffset: current.offset)
        }
        if type == 20 && current.header.length == 1 && s.tlsByte(at: current.position) == 1 {
            // change_cipher_spec holding the single byte 1, encrypted or not (see
            // `nextInRecordSlow`, which handles any other change_cipher_spec record).
            inRecord = false
            return TLSCommonEvent(.changeCipherSpec, type: type, length: 1, offset: current.offset, recordOffset: current.offset)
        }
        return TLSCommonEvent(.other)
    }

    /// The next event if it is one of the common ones (`TLSCommonEvent`), without making a
    /// `TLSStreamEvent`; `.other` when it is not, and then nothing was read: `next(in:)` gives
    /// it. Only with `recordEvents` off (else always `.other`).
    @inlinable
    public mutating func nextCommon(in stream: RawSpan) -> TLSCommonEvent {
        if failed || recordEvents { return TLSCommonEvent(.other) }
        if inRecord && current.end > stream.byteCount { return TLSCommonEvent(.needMore) }
        if _cursor > stream.byteCount { return TLSCommonEvent(.needMore) }
        // A record whole in the stream that carries one common event and nothing else (an
        // encrypted record, a handshake message filling its record, a change_cipher_spec of the
        // single byte 1: most records) is handed out as it is read, without being opened as the
        // current record first: what `openRecord` then `commonInRecord` would do for it, but the
        // header's copy and its length finding (read only for `.record` events, off here), which
        // nothing reads once the record is used up. Any other record takes the path below. The
        // stream's first record too: its header decides TLS mode here as `openRecord` would.
        if !inRecord && !hasPartial && mode != .sslv2 {
            let avail = stream.byteCount &- _cursor
            if avail >= 5 {
                let b0 = stream.unsafeLoad(fromUncheckedByteOffset: _cursor, as: UInt8.self)
                if b0 >= 20 && b0 <= 23 && stream.unsafeLoad(fromUncheckedByteOffset: _cursor &+ 1, as: UInt8.self) == 3 {
                    // (`openRecord`: a stream whose first byte is a TLS content type is TLS.)
                    mode = .tls
                    let length = Int(UInt16(bigEndian: stream.unsafeLoadUnaligned(fromUncheckedByteOffset: _cursor &+ 3, as: UInt16.self)))
                    // (As `openRecord`: a valid header's record not all in yet.)
                    guard avail &- 5 >= length else { return TLSCommonEvent(.needMore) }
                    let offset = _cursor
                    let body = offset &+ 5
                    var event: TLSCommonEvent?
                    if b0 == 23 || (b0 == 22 && _isEncrypted) {
                        event = TLSCommonEvent(.encryptedRecord, type: b0, length: length, offset: offset, recordOffset: offset)
                    } else if b0 == 22 && length >= 4 {
                        let word = UInt32(bigEndian: stream.unsafeLoadUnaligned(fromUncheckedByteOffset: body, as: UInt32.self))
                        let len = Int(word & 0xFF_FFFF)
                        if len == length &- 4 {
                            event = TLSCommonEvent(.handshake, type: UInt8(truncatingIfNeeded: word >> 24), length: len,
                                                   offset: body, recordOffset: offset)
                        }
                    } else if b0 == 20 && length == 1 && stream.unsafeLoad(fromUncheckedByteOffset: body, as: UInt8.self) == 1 {
                        event = TLSCommonEvent(.changeCipherSpec, type: 20, length: 1, offset: offset, recordOffset: offset)
                    }
                    if let event {
                        _cursor = body &+ length
                        _recordsRead &+= 1
                        if _firstRecordVersion == nil {
                            _firstRecordVersion = ProtocolVersion(UInt16(bigEndian: stream.unsafeLoadUnaligned(fromUncheckedByteOffset: offset &+ 1, as: UInt16.self)))
                        }
                        return event
                    }
                }
            }
        }
        while true {
            if inRecord { return commonInRecord(stream) }
            switch openRecord(stream) {
            case .needMore: return TLSCommonEvent(.needMore)
            case .opened: continue
            case .other: return TLSCommonEvent(.other)
            }
        }
    }

    @inlinable
    public mutating func nextCommon(in stream: UnsafeRawBufferPointer) -> TLSCommonEvent {
        nextCommon(in: stream.bytes)
    }

    /// `nextInRecord` for the rare records: messages spanning records, change_cipher_spec,
    /// alerts, heartbeats, unknown content types.
    @usableFromInline
    mutating func nextInRecordSlow(_ s: RawSpan) -> TLSStreamEvent? {
        var c = current
        let type = c.header.contentType
        let length = c.header.length

        if type == .handshake && !_isEncrypted {
            let e = nextHandshake(s, &c)
            if !failed {
                current = c
                if c.position >= c.end { inRecord = false }
            }
            return e
        }
        // Any other record: one event (or a run of alerts), and no handshake message may be
        // waiting for its continuation (RFC 8446 §5.1: no interleaving).
        if let p = partial {
            return fail(.unexpectedMessage, c.offset,
                        p.total == nil ? "record interrupts a handshake message header" : "record interrupts a fragmented handshake message")
        }
        switch type {
        case .changeCipherSpec:
            inRecord = false
            if length == 1, s.tlsByte(at: c.position) == 1 { return .changeCipherSpec(offset: c.offset) }
            if _isEncrypted { return .encryptedRecord(type, length: length, offset: c.offset) }
            return fail(.invalidValue, c.position, "change_cipher_spec is not the single byte 1")
        case .alert:
            if _isEncrypted || !isPlaintextAlertRun(s, c) {
                inRecord = false
                return .encryptedRecord(type, length: length, offset: c.offset)
            }
            let alert = TLSAlert(level: AlertLevel((s.tlsByte(at: c.position) ?? 0)),
                                 description: AlertDescription((s.tlsByte(at: c.position &+ 1) ?? 0)))
            c.position &+= 2
            current = c
            if c.position >= c.end { inRecord = false }
            return .alert(alert, offset: c.offset)
        case .heartbeat:
            inRecord = false
            if _isEncrypted { return .encryptedRecord(type, length: length, offset: c.offset) }
            var hb = TLSHeartbeat(offset: c.offset, recordLength: length, messageType: nil, payloadLength: nil)
            hb.messageType = length >= 1 ? s.tlsByte(at: c.position) : nil
            hb.payloadLength = length >= 3 ? s.tlsU16(at: c.position &+ 1).map { Int($0) } : nil
            return .heartbeat(hb)
        case .handshake, .applicationData:
            inRecord = false
            return .encryptedRecord(type, length: length, offset: c.offset)
        default:
            inRecord = false
            return fail(.invalidValue, c.offset, "unknown record content type")
        }
    }

    /// A plaintext alert record is a run of two-byte alerts with level 1 or 2.
    @usableFromInline
    func isPlaintextAlertRun(_ s: RawSpan, _ c: Current) -> Bool {
        let n = c.end &- c.position
        guard n >= 2, n % 2 == 0, n <= 16 else { return false }
        var p = c.position
        while p < c.end {
            let level = (s.tlsByte(at: p) ?? 0)
            if level != 1 && level != 2 { return false }
            p &+= 2
        }
        return true
    }

    // MARK: Handshake messages

    @usableFromInline
    mutating func nextHandshake(_ s: RawSpan, _ c: inout Current) -> TLSStreamEvent? {
        if c.position >= c.end { return nil }
        if var p = partial {
            // Continue a message that began in an earlier record.
            p.recordCount &+= 1
            while c.position < c.end {
                if p.total == nil {
                    p.bytes.append((s.tlsByte(at: c.position) ?? 0))
                    c.position &+= 1
                    if p.bytes.count == 4 {
                        let len = Int(p.bytes[1]) << 16 | Int(p.bytes[2]) << 8 | Int(p.bytes[3])
                        p.total = 4 &+ len
                        p.bytes.reserveCapacity(Swift.min(4 &+ len, 1 << 16))
                    }
                    continue
                }
                guard let total = p.total else { break }
                let need = total &- p.bytes.count
                let take = Swift.min(need, c.end &- c.position)
                if take > 0 {
                    appendRange(&p.bytes, s, c.position..<(c.position &+ take))
                    c.position &+= take
                }
                break
            }
            if let total = p.total, p.bytes.count == total {
                partial = nil
                hasPartial = false
                let body = Array(p.bytes[4...])
                return .handshake(HandshakeMessage(type: HandshakeType(p.bytes[0]), length: total &- 4,
                                                   streamOffset: p.streamOffset, recordOffset: p.recordOffset,
                                                   recordCount: p.recordCount, body: .owned(body)))
            }
            partial = p
            hasPartial = true
            return nil
        }
        let start = c.position
        let left = c.end &- start
        if left >= 4 {
            let type = HandshakeType((s.tlsByte(at: start) ?? 0))
            let len = Int((s.tlsU24(at: start &+ 1) ?? 0))
            if len <= left &- 4 {
                c.position = start &+ 4 &+ len
                return .handshake(HandshakeMessage(type: type, length: len, streamOffset: start, recordOffset: c.offset,
                                                   recordCount: 1, body: .stream((start &+ 4)..<(start &+ 4 &+ len))))
            }
            var bytes = [UInt8]()
            bytes.reserveCapacity(Swift.min(4 &+ len, 1 << 16))
            appendRange(&bytes, s, start..<c.end)
            partial = Partial(bytes: bytes, total: 4 &+ len, streamOffset: start, recordOffset: c.offset, recordCount: 1)
            hasPartial = true
        } else {
            var bytes = [UInt8]()
            appendRange(&bytes, s, start..<c.end)
            partial = Partial(bytes: bytes, total: nil, streamOffset: start, recordOffset: c.offset, recordCount: 1)
            hasPartial = true
        }
        c.position = c.end
        return nil
    }

    func appendRange(_ out: inout [UInt8], _ s: RawSpan, _ r: Range<Int>) {
        var i = r.lowerBound
        while i < r.upperBound {
            out.append(s.unsafeLoad(fromUncheckedByteOffset: i, as: UInt8.self))
            i &+= 1
        }
    }

    // MARK: SSL 2.0 records

    @usableFromInline
    mutating func nextSSLv2Record(_ s: RawSpan) -> TLSStreamEvent {
        let avail = s.byteCount &- cursor
        let b0 = (s.tlsByte(at: cursor) ?? 0)
        let headerLength = b0 & 0x80 != 0 ? 2 : 3
        guard avail >= headerLength else { return .needMore }
        let b1 = Int((s.tlsByte(at: cursor &+ 1) ?? 0))
        let length = headerLength == 2 ? Int(b0 & 0x7f) << 8 | b1 : Int(b0 & 0x3f) << 8 | b1
        let padding = headerLength == 3 ? Int((s.tlsByte(at: cursor &+ 2) ?? 0)) : 0
        guard avail &- headerLength >= length else { return .needMore }
        let offset = cursor
        let bodyStart = offset &+ headerLength
        _cursor = bodyStart &+ length
        _recordsRead &+= 1
        guard padding <= length else {
            return fail(.lengthOverflow, offset &+ 2, "SSLv2 padding exceeds the record")
        }
        var record = SSLv2Record(offset: offset, headerLength: headerLength, length: length, padding: padding, message: .encrypted)
        if isEncrypted { return .sslv2(record) }
        guard length >= 1 else {
            return fail(.invalidValue, bodyStart, "empty SSLv2 record")
        }
        let msgType = (s.tlsByte(at: bodyStart) ?? 0)
        var reader = TLSReader(s, range: bodyStart..<(bodyStart &+ length &- padding))
        switch msgType {
        case 1:
            do {
                let hello = try SSLv2ClientHello(parsing: &reader)
                record.message = .clientHello(hello)
                sslv2MaySwitch = hello.offersSSL3OrTLS
            } catch { return fail(error.code, error.offset, error.reason) }
        case 4:
            do {
                record.message = .serverHello(try SSLv2ServerHello(parsing: &reader))
                sslv2MaySwitch = false
            } catch { return fail(error.code, error.offset, error.reason) }
        case 0:
            // MSG-ERROR: char ERROR-CODE-MSB, ERROR-CODE-LSB (read only inside this record).
            do {
                _ = try reader.readU8()
                record.message = .error(code: try reader.readU16())
            } catch { return fail(.invalidValue, error.offset, "SSLv2 ERROR message shorter than its code") }
        default:
            record.message = .other(type: msgType)
        }
        return .sslv2(record)
    }
}
