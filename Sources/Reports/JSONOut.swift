import NetCore

/// A second of time and the first 20 bytes `JSONOut.timestamp` writes for it (`"` and
/// `YYYY-MM-DDTHH:MM:SS`).
struct TimestampPrefix {
    var valid = false
    var seconds: Int64 = 0
    var bytes: (UInt64, UInt64, UInt32) = (0, 0, 0)
}

/// The bytes of one JSON line, written straight from the facts: no Strings, no arrays, no
/// per-field allocation. JSONLReport writes its keys as literal fragments (`,"packet":`), names
/// from `NameTable`, and values with the methods below.
///
/// Every method first makes room for what it writes (`room`), then stores without further
/// checks. The allocation has `slack` bytes past `capacity`, so a copy may store whole 16-byte
/// words past the end of what it means to write (the next write overwrites them).
struct JSONOut: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// The last second `timestamp` wrote, and its first 20 bytes (a line's times, and the lines
    /// of one second of capture, mostly fall in one second).
    var lastSecond = TimestampPrefix()

    /// Whole name lists remembered across lines (see `names`), when writing for a context.
    let memoRef: Unmanaged<NameListMemo>?
    /// Whole hellos, ServerHellos and certificate chains remembered across lines (see `ShapeMemo`),
    /// when writing for a context.
    let shapesRef: Unmanaged<ShapeMemo>?
    /// The text of strings written again and again (see `sharedString`), with the shapes.
    let stringsRef: Unmanaged<StringMemo>?

    @inline(__always) static var slack: Int { 64 }

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity &+ JSONOut.slack)
        memoRef = nil
        shapesRef = nil
        stringsRef = nil
    }

    /// Writes into `context`'s buffer (taken from it until `finish(into:)`), with its memos
    /// (`shapes: false` leaves out the memo of whole hellos, chains and capture names).
    init(context: JSONLineContext, shapes: Bool = true) {
        if let b = context.buffer {
            base = b
            capacity = context.capacity
            context.buffer = nil
        } else {
            capacity = 8192
            base = .allocate(capacity: capacity &+ JSONOut.slack)
        }
        memoRef = Unmanaged.passUnretained(context.memo)
        shapesRef = shapes ? Unmanaged.passUnretained(context.shapes) : nil
        stringsRef = shapes ? Unmanaged.passUnretained(context.strings) : nil
        lastSecond = context.lastSecond
    }

    deinit { base.deallocate() }

    /// Writes on after the bytes waiting in `sink` (its allocation is taken until
    /// `finish(into:context:)`, which gives it back, grown if a line needed it), with `context`'s memos.
    init(appendingTo sink: OutputSink, context: JSONLineContext) {
        base = sink.storage
        count = sink.count
        capacity = sink.capacity
        memoRef = Unmanaged.passUnretained(context.memo)
        shapesRef = Unmanaged.passUnretained(context.shapes)
        stringsRef = Unmanaged.passUnretained(context.strings)
        lastSecond = context.lastSecond
    }

    /// Gives the allocation, with what was written, back to `sink`.
    consuming func finish(into sink: OutputSink, context: JSONLineContext) {
        context.lastSecond = lastSecond
        sink.storage = base
        sink.count = count
        sink.capacity = capacity
        discard self
    }


    /// Gives the buffer back to `context` (unless a long line grew it past what is kept).
    consuming func finish(into context: JSONLineContext) {
        context.lastSecond = lastSecond
        if capacity <= JSONLineContext.keptCapacity {
            context.buffer?.deallocate()
            context.buffer = base
            context.capacity = capacity
        } else {
            base.deallocate()
        }
        discard self
    }

    /// What was written.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Room for `n` more bytes (and the slack past them).
    @inline(__always)
    mutating func room(_ n: Int) {
        if n > capacity &- count { grow(n) }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        var c = capacity &* 2
        while c &- count < n { c &*= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c &+ JSONOut.slack)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = c
    }

    // MARK: Raw bytes

    /// Counts `n` bytes stored past `count` by the caller (after making room for them).
    @inline(__always)
    mutating func advance(_ n: Int) { count &+= n }

    /// One byte (room made by the caller).
    @inline(__always)
    mutating func put(_ b: UInt8) {
        base[count] = b
        count &+= 1
    }

    /// `n` bytes from `src` (room made by the caller). Short copies are done as two overlapping
    /// loads and stores; when `n` is a constant (literals) the branches fold away.
    @inline(__always)
    mutating func copy(_ src: UnsafeRawPointer, _ n: Int) {
        let dst = UnsafeMutableRawPointer(base + count)
        copyBytes(dst, src, n)
        count &+= n
    }

    /// `n` bytes from `src`, making room for them.
    @inline(__always)
    mutating func bytes(_ src: UnsafeRawPointer, _ n: Int) {
        room(n)
        copy(src, n)
    }

    /// `n` bytes written before, from `offset` on, written again (room made first: growing moves
    /// the buffer). `offset + n` must not be past `count`.
    @inline(__always)
    mutating func repeatBytes(at offset: Int, _ n: Int) {
        precondition(offset >= 0 && n >= 0 && offset &+ n <= count, "JSONOut.repeatBytes: not written yet")
        room(n)
        copy(base + offset, n)
    }

    /// A literal fragment of JSON (keys with their quotes, colon and comma; brackets; `null`).
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        room(n)
        copy(s.utf8Start, n)
    }

    // MARK: Strings

    /// `s` as a JSON string with its quotes: `"` `\` control characters and DEL escaped (the
    /// common ones as `\"` `\\` `\n` `\r` `\t`, the others as `\u00xx`), everything else copied.
    @inline(__always)
    mutating func string(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { u in
            quoted(u.baseAddress, u.count)
        }
        if done == nil {
            var s = s
            s.withUTF8 { u in quoted(u.baseAddress, u.count) }
        }
    }

    /// `s`, or `null`.
    @inline(__always)
    mutating func string(_ s: String?) {
        if let s { string(s) } else { literal("null") }
    }

    /// `s` as `string(s)` writes it, for strings that recur from line to line as the very same
    /// String (the diagnosis's texts): their text is remembered by the String's identity
    /// (`StringMemo`) and copied.
    @inline(__always)
    mutating func sharedString(_ s: String) {
        guard let stringsRef, let (k0, k1) = StringMemo.words(s) else { string(s); return }
        stringsRef._withUnsafeGuaranteedRef { m in
            let hash = StringMemo.hash(k0, k1)
            let slot = StringMemo.slot(hash)
            if let (t, n) = m.lookup(slot, k0, k1) {
                bytes(t, n)
                return
            }
            let start = count
            string(s)
            m.offer(slot, hash, k0, k1, s, text: base + start, count: count &- start)
        }
    }

    /// The String at `s` as `sharedString` writes it, its words read in place: a hit copies the
    /// text without taking a reference to the String (a retain and a release of its storage).
    @inline(__always)
    mutating func sharedString(at s: UnsafePointer<String>) {
        guard let stringsRef, MemoryLayout<String>.size == 16 else { string(s.pointee); return }
        let k0 = UnsafeRawPointer(s).load(as: UInt64.self), k1 = UnsafeRawPointer(s).load(fromByteOffset: 8, as: UInt64.self)
        stringsRef._withUnsafeGuaranteedRef { m in
            let hash = StringMemo.hash(k0, k1)
            let slot = StringMemo.slot(hash)
            if let (t, n) = m.lookup(slot, k0, k1) {
                bytes(t, n)
                return
            }
            let start = count
            string(s.pointee)
            m.offer(slot, hash, k0, k1, s.pointee, text: base + start, count: count &- start)
        }
    }

    /// `s` (as `sharedString`), or `null`.
    @inline(__always)
    mutating func sharedString(_ s: String?) {
        if let s { sharedString(s) } else { literal("null") }
    }

    /// `s` escaped, without quotes (a part of a longer JSON string).
    mutating func stringBody(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { u in
            escaped(u.baseAddress, u.count)
        }
        if done == nil {
            var s = s
            s.withUTF8 { u in escaped(u.baseAddress, u.count) }
        }
    }

    /// `[s1,s2,…]`, or `null`.
    mutating func strings(_ list: [String]?) {
        guard let list else { literal("null"); return }
        room(1)
        put(0x5B)
        var first = true
        for s in list {
            if !first { room(1); put(0x2C) }
            first = false
            string(s)
        }
        room(1)
        put(0x5D)
    }

    mutating func quoted(_ src: UnsafePointer<UInt8>?, _ n: Int) {
        // One check of room for both quotes and the text as it is; only a text that needed
        // escaping (and so may have grown the buffer) checks again for the closing quote.
        room(n &+ 2)
        put(0x22)
        if !escapedInRoom(src, n) { room(1) }
        put(0x22)
    }

    /// The bytes of `src` escaped for a JSON string, without quotes. Most strings need no
    /// escaping: they are checked and copied 32 or 16 bytes at a time, the last block overlapping
    /// the one before (or, below 16 bytes, as two overlapping words); the first block with
    /// something to escape sends the rest of the string the slower way.
    mutating func escaped(_ src: UnsafePointer<UInt8>?, _ n: Int) {
        room(n)
        escapedInRoom(src, n)
    }

    /// `escaped` after room was made for `n` bytes: true when the text was copied as it is
    /// (exactly `n` bytes written), false when some of it needed escaping.
    @discardableResult
    mutating func escapedInRoom(_ src: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        guard let src, n > 0 else { return true }
        let raw = UnsafeRawPointer(src)
        let o = UnsafeMutableRawPointer(base + count)
        if n >= 16 {
            var i = 0
            while n &- i > 32 {
                let a = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let b = raw.loadUnaligned(fromByteOffset: i &+ 16, as: SIMD16<UInt8>.self)
                if JSONOut.needsEscape(a, b) { escapedFrom(src, i, n); return false }
                o.storeBytes(of: a, toByteOffset: i, as: SIMD16<UInt8>.self)
                o.storeBytes(of: b, toByteOffset: i &+ 16, as: SIMD16<UInt8>.self)
                i &+= 32
            }
            if n &- i > 16 {
                let a = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                if JSONOut.needsEscape(a) { escapedFrom(src, i, n); return false }
                o.storeBytes(of: a, toByteOffset: i, as: SIMD16<UInt8>.self)
                i &+= 16
            }
            // The last 1…16 bytes, as the block ending at the end.
            let z = raw.loadUnaligned(fromByteOffset: n &- 16, as: SIMD16<UInt8>.self)
            if JSONOut.needsEscape(z) { escapedFrom(src, i, n); return false }
            o.storeBytes(of: z, toByteOffset: n &- 16, as: SIMD16<UInt8>.self)
            count &+= n
            return true
        }
        // 1…15 bytes: as two overlapping words (checked together, stored as they are), padded
        // with 'A's where they do not fill the vector.
        if n >= 8 {
            let a = raw.loadUnaligned(as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            if !JSONOut.needsEscape(unsafeBitCast(SIMD2<UInt64>(a, b), to: SIMD16<UInt8>.self)) {
                o.storeBytes(of: a, as: UInt64.self)
                o.storeBytes(of: b, toByteOffset: n &- 8, as: UInt64.self)
                count &+= n
                return true
            }
        } else if n >= 4 {
            let a = raw.loadUnaligned(as: UInt32.self)
            let b = raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            let word = UInt64(a) | UInt64(b) &<< 32
            if !JSONOut.needsEscape(unsafeBitCast(SIMD2<UInt64>(word, 0x4141_4141_4141_4141), to: SIMD16<UInt8>.self)) {
                o.storeBytes(of: a, as: UInt32.self)
                o.storeBytes(of: b, toByteOffset: n &- 4, as: UInt32.self)
                count &+= n
                return true
            }
        } else {
            // 1…3 bytes: the first, the middle one and the last (some the same byte).
            let a = UInt64(src[0]), b = UInt64(src[n &>> 1]), c = UInt64(src[n &- 1])
            let word = 0x4141_4141_4100_0000 | a | b &<< 8 | c &<< 16
            if !JSONOut.needsEscape(unsafeBitCast(SIMD2<UInt64>(word, 0x4141_4141_4141_4141), to: SIMD16<UInt8>.self)) {
                o.storeBytes(of: UInt8(truncatingIfNeeded: a), as: UInt8.self)
                o.storeBytes(of: UInt8(truncatingIfNeeded: b), toByteOffset: n &>> 1, as: UInt8.self)
                o.storeBytes(of: UInt8(truncatingIfNeeded: c), toByteOffset: n &- 1, as: UInt8.self)
                count &+= n
                return true
            }
        }
        escapedSlowly(src, n)
        return false
    }

    /// `src[i..<n]` escaped, after `src[..<i]` was copied as it is (uncounted): 16 bytes at a time
    /// while none needs escaping, byte by byte through a block that does.
    @inline(never)
    private mutating func escapedFrom(_ src: UnsafePointer<UInt8>, _ start: Int, _ n: Int) {
        count &+= start
        let raw = UnsafeRawPointer(src)
        var i = start
        while n &- i >= 16 {
            let a = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            if JSONOut.needsEscape(a) {
                escapedSlowly(src + i, 16)
            } else {
                room(16)
                UnsafeMutableRawPointer(base + count).storeBytes(of: a, as: SIMD16<UInt8>.self)
                count &+= 16
            }
            i &+= 16
        }
        if i < n { escapedSlowly(src + i, n &- i) }
    }

    /// Byte by byte, escaping what must be.
    private mutating func escapedSlowly(_ src: UnsafePointer<UInt8>, _ n: Int) {
        room(n &* 6)
        var o = base + count
        for i in 0..<n {
            let b = src[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F {
                o.pointee = b
                o += 1
                continue
            }
            o[0] = 0x5C
            switch b {
            case 0x22: o[1] = 0x22; o += 2
            case 0x5C: o[1] = 0x5C; o += 2
            case 0x0A: o[1] = 0x6E; o += 2
            case 0x0D: o[1] = 0x72; o += 2
            case 0x09: o[1] = 0x74; o += 2
            default:
                // \u00XX, lower-case hex.
                o[1] = 0x75; o[2] = 0x30; o[3] = 0x30
                o[4] = JSONOut.hexDigit(b >> 4); o[5] = JSONOut.hexDigit(b & 15)
                o += 6
            }
        }
        count = o - base
    }

    /// Whether any of the sixteen bytes is below 0x20 or is 0x22, 0x5C or 0x7F. Per byte,
    /// `(a - 1) & ~a` has its top bit set exactly when `a` is zero (no carries between the lanes).
    @inline(__always)
    static func needsEscape(_ v: SIMD16<UInt8>) -> Bool {
        @inline(__always) func zero(_ a: SIMD16<UInt8>) -> SIMD16<UInt8> { (a &- SIMD16(repeating: 1)) & ~a }
        let m = zero(v & SIMD16(repeating: 0xE0)) | zero(v ^ SIMD16(repeating: 0x22))
            | zero(v ^ SIMD16(repeating: 0x5C)) | zero(v ^ SIMD16(repeating: 0x7F))
        let w = unsafeBitCast(m & SIMD16(repeating: 0x80), to: SIMD2<UInt64>.self)
        return (w[0] | w[1]) != 0
    }

    /// `needsEscape(a) || needsEscape(b)`, with one test.
    @inline(__always)
    static func needsEscape(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> Bool {
        @inline(__always) func zero(_ a: SIMD16<UInt8>) -> SIMD16<UInt8> { (a &- SIMD16(repeating: 1)) & ~a }
        @inline(__always) func marks(_ v: SIMD16<UInt8>) -> SIMD16<UInt8> {
            zero(v & SIMD16(repeating: 0xE0)) | zero(v ^ SIMD16(repeating: 0x22))
                | zero(v ^ SIMD16(repeating: 0x5C)) | zero(v ^ SIMD16(repeating: 0x7F))
        }
        let w = unsafeBitCast((marks(a) | marks(b)) & SIMD16(repeating: 0x80), to: SIMD2<UInt64>.self)
        return (w[0] | w[1]) != 0
    }

    @inline(__always)
    static func hexDigit(_ d: UInt8) -> UInt8 { d < 10 ? 0x30 &+ d : 0x57 &+ d }

    // MARK: Fixed-size parts

    /// Writes what `body` writes through a cursor, after making room for `bound` bytes once: the
    /// parts of a line whose size has a small fixed bound (keys, numbers, times, endpoints,
    /// booleans) go through a pointer held in a register, with no check of room and no update
    /// of `count` per write. `body` must write at most `bound` bytes (each `JSONCursor` method
    /// says its most; the check after it stops the process rather than go on past a mistake).
    @inline(__always)
    mutating func fixed(_ bound: Int, _ body: (inout JSONCursor, inout TimestampPrefix) -> Void) {
        room(bound)
        let start = base + count
        var c = JSONCursor(p: start)
        body(&c, &lastSecond)
        let n = c.p - start
        precondition(n >= 0 && n <= bound, "JSONOut.fixed: wrote past its bound")
        count &+= n
    }

    // MARK: Numbers

    /// `v` in decimal digits.
    @inline(__always)
    mutating func decimal(_ v: UInt64) { fixed(JSONCursor.maxDecimal) { c, _ in c.decimal(v) } }

    /// `v` in decimal digits, with a minus sign when negative (Int64.min included).
    @inline(__always)
    mutating func decimal(_ v: Int64) { fixed(JSONCursor.maxDecimal) { c, _ in c.decimal(v) } }

    @inline(__always) mutating func decimal(_ v: Int) { decimal(Int64(v)) }
    @inline(__always) mutating func decimal(_ v: UInt8) { decimal(UInt64(v)) }
    @inline(__always) mutating func decimal(_ v: UInt32) { decimal(UInt64(v)) }

    /// `v`, or `null`.
    @inline(__always) mutating func decimal(_ v: UInt64?) { if let v { decimal(v) } else { literal("null") } }
    @inline(__always) mutating func decimal(_ v: Int?) { if let v { decimal(Int64(v)) } else { literal("null") } }
    @inline(__always) mutating func decimal(_ v: UInt8?) { if let v { decimal(UInt64(v)) } else { literal("null") } }
    @inline(__always) mutating func decimal(_ v: UInt32?) { if let v { decimal(UInt64(v)) } else { literal("null") } }

    @inline(__always)
    mutating func bool(_ v: Bool) { if v { literal("true") } else { literal("false") } }

    /// `v` (milliseconds) with at most three decimal places, trailing zeros trimmed, as
    /// `NumberText.trimmed(v, decimals: 3)` writes it; `null` when not finite.
    mutating func milliseconds(_ v: Double) {
        fixed(JSONCursor.maxMilliseconds) { c, _ in c.p = JSONCursor.milliseconds(v, at: c.p) }
    }

    /// `v`, or `null`.
    @inline(__always)
    mutating func milliseconds(_ v: Double?) { if let v { milliseconds(v) } else { literal("null") } }

    /// The milliseconds from `start` to `end` as `milliseconds(end.milliseconds(since: start))`
    /// writes them, from the integer nanoseconds (`JSONCursor.milliseconds(nanoseconds:at:)`).
    @inline(__always)
    mutating func milliseconds(between start: Timestamp, and end: Timestamp) {
        fixed(JSONCursor.maxMilliseconds) { c, _ in c.milliseconds(between: start, and: end) }
    }

    /// `milliseconds(Double(d) / 1_000_000)` for `d` nanoseconds.
    mutating func milliseconds(nanoseconds d: Int64) {
        fixed(JSONCursor.maxMilliseconds) { c, _ in c.p = JSONCursor.milliseconds(nanoseconds: d, at: c.p) }
    }

    // MARK: Times and endpoints

    /// `"2026-11-24T01:37:14.123456Z"` (or whole seconds without `fraction`), as
    /// `CivilTime.iso8601` writes it, with its quotes.
    mutating func timestamp(_ t: Timestamp, fraction: Bool = true) {
        fixed(JSONCursor.maxTimestamp) { c, last in c.timestamp(t, fraction: fraction, &last) }
    }

    /// `"a.b.c.d:port"` or `"[v6]:port"`, as `Endpoint.description` writes it, with its quotes.
    mutating func endpoint(_ e: Endpoint) {
        fixed(JSONCursor.maxEndpoint) { c, _ in c.endpoint(e) }
    }

    /// "00" "01" … "99".
    @inline(__always)
    static var twoDigits: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// Two digits of `v` (0…99) at `p`.
    @inline(__always)
    static func putTwo(_ v: Int, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(
            of: UnsafeRawPointer(twoDigits.utf8Start).loadUnaligned(fromByteOffset: v &* 2, as: UInt16.self), as: UInt16.self)
    }
}

/// A write position in a `JSONOut` with room made for what is written through it (see
/// `JSONOut.fixed`). Each method writes at most the bytes its `max…` constant says; the heavier
/// ones are static functions from a position to the next, so that the position stays in a
/// register across their calls.
struct JSONCursor {
    var p: UnsafeMutablePointer<UInt8>

    /// The most bytes each method writes.
    static let maxDecimal = 21              // a minus and 20 digits (or "null")
    static let maxMilliseconds = 32         // NumberText's text of a huge duration: at most 25
    static let maxTimestamp = 48            // 29, or CivilTime's text of an odd time: at most 39 with quotes
    static let maxEndpoint = 49             // `"[` 39 `]:` 5 `"`

    @inline(__always)
    mutating func put(_ b: UInt8) {
        p.pointee = b
        p += 1
    }

    /// `n` bytes from `src`: short copies as two overlapping loads and stores; when `n` is a
    /// constant (literals) the branches fold away.
    @inline(__always)
    mutating func copy(_ src: UnsafeRawPointer, _ n: Int) {
        let dst = UnsafeMutableRawPointer(p)
        copyBytes(dst, src, n)
        p += n
    }

    /// A literal fragment (its length is the most it writes).
    @inline(__always)
    mutating func literal(_ s: StaticString) { copy(s.utf8Start, s.utf8CodeUnitCount) }

    /// `true` or `false` (5).
    @inline(__always)
    mutating func bool(_ v: Bool) { if v { literal("true") } else { literal("false") } }

    /// `v` in decimal digits (`maxDecimal`).
    @inline(__always)
    mutating func decimal(_ v: UInt64) {
        if v < 10 {
            put(0x30 &+ UInt8(truncatingIfNeeded: v))
        } else if v < 100 {
            JSONOut.putTwo(Int(truncatingIfNeeded: v), at: p)
            p += 2
        } else {
            p = JSONCursor.digits(v, at: p)
        }
    }

    /// `v` with a minus sign when negative (Int64.min included) (`maxDecimal`).
    @inline(__always)
    mutating func decimal(_ v: Int64) {
        if v < 0 { put(0x2D) }
        decimal(v.magnitude)
    }

    @inline(__always) mutating func decimal(_ v: Int) { decimal(Int64(v)) }
    @inline(__always) mutating func decimal(_ v: UInt32) { decimal(UInt64(v)) }
    @inline(__always) mutating func decimal(_ v: UInt64?) { if let v { decimal(v) } else { literal("null") } }
    @inline(__always) mutating func decimal(_ v: Int?) { if let v { decimal(Int64(v)) } else { literal("null") } }

    /// `v` (100 or more) in decimal digits at `p`; the position after them. Below a million
    /// (packet numbers, ports, byte counts): the thousands (one to three digits), then three
    /// digits from the table of groups of three (four bytes stored: at most one past the digits);
    /// from a million, by groups of four from the last (`manyDigits`).
    @inline(__always)
    static func digits(_ v: UInt64, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard v < 1_000_000 else { return manyDigits(v, at: p) }
        let x = UInt32(truncatingIfNeeded: v)
        let table = UnsafeRawPointer(JSONCursor.threeDigits.utf8Start)
        @inline(__always) func three(_ g: UInt32, at q: UnsafeMutablePointer<UInt8>) {
            // (g is below 1000: x is below a million (checked above), and g is x below 1000, its
            // quotient by 1000, or its remainder.)
            UnsafeMutableRawPointer(q).storeBytes(of: table.loadUnaligned(fromByteOffset: Int(g) &* 4, as: UInt32.self),
                                                  as: UInt32.self)
        }
        if x < 1_000 { three(x, at: p); return p + 3 }
        let hi = x / 1_000, lo = x &- hi &* 1_000
        var q = p
        if hi < 10 {
            q.pointee = 0x30 &+ UInt8(truncatingIfNeeded: hi); q += 1
        } else if hi < 100 {
            JSONOut.putTwo(Int(hi), at: q); q += 2
        } else {
            three(hi, at: q); q += 3
        }
        three(lo, at: q)
        return q + 3
    }

    /// `v` (a million or more) in decimal digits at `p` (out of line, so that the usual numbers'
    /// function stays a leaf).
    @inline(never)
    static func manyDigits(_ v: UInt64, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if v < 100_000_000 {
            let hi = v / 10_000
            let q = upToFour(Int(truncatingIfNeeded: hi), at: p)
            four(Int(truncatingIfNeeded: v &- hi &* 10_000), at: q)
            return q + 4
        }
        // Eight digits at a time from the last: at most 20 digits in all.
        let hi = v / 100_000_000
        let lo = Int(truncatingIfNeeded: v &- hi &* 100_000_000)
        let q = hi < 10_000 ? upToFour(Int(truncatingIfNeeded: hi), at: p) : digits(hi, at: p)
        let top = lo / 10_000
        four(top, at: q)
        four(lo &- top &* 10_000, at: q + 4)
        return q + 8
    }

    /// `x` (0…9999) in one to four digits at `p`; the position after them.
    @inline(__always)
    static func upToFour(_ x: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if x < 100 {
            if x < 10 { p.pointee = 0x30 &+ UInt8(truncatingIfNeeded: x); return p + 1 }
            JSONOut.putTwo(x, at: p)
            return p + 2
        }
        let u = UInt32(truncatingIfNeeded: x)
        let hi = Int(u / 100), lo = x &- hi &* 100
        if x < 1_000 {
            p.pointee = 0x30 &+ UInt8(truncatingIfNeeded: hi)
            JSONOut.putTwo(lo, at: p + 1)
            return p + 3
        }
        JSONOut.putTwo(hi, at: p)
        JSONOut.putTwo(lo, at: p + 2)
        return p + 4
    }

    /// `x` (0…9999) as exactly four digits at `p`.
    @inline(__always)
    static func four(_ x: Int, at p: UnsafeMutablePointer<UInt8>) {
        // (Unsigned: a signed division by 100 corrects for negatives, four instructions more.)
        let u = UInt32(truncatingIfNeeded: x)
        let hi = u / 100
        JSONOut.putTwo(Int(hi), at: p)
        JSONOut.putTwo(Int(u &- hi &* 100), at: p + 2)
    }

    /// The bytes of `s`, known to be at most `max` and to need no escaping (numbers and times
    /// written by NumberText and CivilTime).
    static func ascii(_ s: String, max: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var s = s
        return s.withUTF8 { u in
            precondition(u.count <= max, "JSONCursor.ascii: longer than its bound")
            if let b = u.baseAddress { p.initialize(from: b, count: u.count) }
            return p + u.count
        }
    }

    /// `v` (milliseconds) with at most three decimal places, trailing zeros trimmed, as
    /// `NumberText.trimmed(v, decimals: 3)` writes it; `null` when not finite (`maxMilliseconds`).
    static func milliseconds(_ v: Double, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var c = JSONCursor(p: p)
        guard v.isFinite else { c.literal("null"); return c.p }
        guard v.magnitude < 1e9 else { return ascii(NumberText.trimmed(v, decimals: 3), max: maxMilliseconds, at: p) }
        // What `trimmed` gives, without making a String: v rounded to a whole number n of
        // thousandths. Below 1e9 the doubles are closer together than 1e-6, so n / 1000 is
        // integral exactly when n is a multiple of 1000, and the shortest decimal that reads back
        // as that double is n / 1000 itself, trailing zeros trimmed.
        let x = v * 1000
        // x.rounded() (to nearest, ties away from zero) without a call to libm's round(): below
        // 2^52 the fraction x - trunc(x) is exact.
        var n = Int64(x)
        let f = x - Double(n)
        if f >= 0.5 { n &+= 1 } else if f <= -0.5 { n &-= 1 }
        // A negative n is written as a minus and its magnitude (n / 1000 truncates toward zero, so
        // the whole part and the thousandths are those of the magnitude; "-0.5" included).
        c.thousandths(n.magnitude, negative: n < 0)
        return c.p
    }

    /// The milliseconds from `start` to `end`, as `milliseconds(end.milliseconds(since: start))`.
    @inline(__always)
    mutating func milliseconds(between start: Timestamp, and end: Timestamp) {
        let d = JSONCursor.nanoseconds(from: start, to: end)
        // The usual duration, from 0 to 99.999 ms and not a tie, in line (what the call writes
        // for it, see there); the others by the call.
        if d >= 0 && d < 99_999_500 {
            let q = d / 1000, r = d &- q &* 1000
            if r != 500 {
                thousandths(UInt64(r > 500 ? q &+ 1 : q), negative: false)
                return
            }
        }
        p = JSONCursor.milliseconds(nanoseconds: d, at: p)
    }

    /// `end.nanoseconds(since: start)`, in place: within ±9e9 seconds of the epoch the products
    /// and the sum are exact (no saturation), as they are there; further out, that function.
    /// (Both wrap alike on the difference.)
    @inline(__always)
    static func nanoseconds(from start: Timestamp, to end: Timestamp) -> Int64 {
        let limit: UInt64 = 9_000_000_000
        guard UInt64(bitPattern: start.seconds &+ Int64(limit)) < 2 &* limit,
              UInt64(bitPattern: end.seconds &+ Int64(limit)) < 2 &* limit
        else { return end.nanoseconds(since: start) }
        return (end.seconds &- start.seconds) &* 1_000_000_000 &+ (Int64(end.nanoseconds) &- Int64(start.nanoseconds))
    }

    /// What `milliseconds(Double(d) / 1_000_000, at:)` writes for `d` nanoseconds (as
    /// `Timestamp.milliseconds(since:)` makes the Double), from the integer. The Double is d / 1000
    /// microseconds within a relative error of 2.3e-16 (two roundings of an exact value: d is
    /// below 2^53), so below 9e14 ns it is within 2.1e-4 of d / 1000, whose distance from the
    /// nearest half is at least 0.001 unless d ends in 500 (a tie, left to the Double): rounding
    /// either gives the same whole number of microseconds.
    static func milliseconds(nanoseconds d: Int64, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let m = d.magnitude
        let q = m / 1000
        let r = m &- q &* 1000
        guard m < 900_000_000_000_000, r != 500 else { return milliseconds(Double(d) / 1_000_000, at: p) }
        let n = r > 500 ? q &+ 1 : q
        var c = JSONCursor(p: p)
        c.thousandths(n, negative: d < 0 && n != 0)
        return c.p
    }

    /// `m` thousandths as a decimal with at most three places, trailing zeros trimmed, after a
    /// minus when `negative`.
    @inline(__always)
    private mutating func thousandths(_ m: UInt64, negative: Bool) {
        if negative { put(0x2D) }
        let whole = m / 1000
        let frac = Int(truncatingIfNeeded: m &- whole &* 1000)
        decimal(whole)
        // The fraction's text from the table: four bytes stored, as many counted as are not 0.
        let word = UnsafeRawPointer(JSONCursor.fractions.utf8Start).loadUnaligned(fromByteOffset: frac &* 4, as: UInt32.self)
        UnsafeMutableRawPointer(p).storeBytes(of: word, as: UInt32.self)
        p += (32 &- word.leadingZeroBitCount &+ 7) &>> 3
    }

    /// For each number of thousandths 0…999, four bytes: its text after the whole part, nothing
    /// for 0, else `.` and the digits without trailing zeros (`.5`, `.25`, `.125`), padded with
    /// zero bytes. (A literal: no lazy global, no `swift_once` per read.)
    @inline(__always)
    static var fractions: StaticString {
        """
        \0\0\0\0.001.002.003.004.005.006.007.008.009\
        .01\0.011.012.013.014.015.016.017.018.019\
        .02\0.021.022.023.024.025.026.027.028.029\
        .03\0.031.032.033.034.035.036.037.038.039\
        .04\0.041.042.043.044.045.046.047.048.049\
        .05\0.051.052.053.054.055.056.057.058.059\
        .06\0.061.062.063.064.065.066.067.068.069\
        .07\0.071.072.073.074.075.076.077.078.079\
        .08\0.081.082.083.084.085.086.087.088.089\
        .09\0.091.092.093.094.095.096.097.098.099\
        .1\0\0.101.102.103.104.105.106.107.108.109\
        .11\0.111.112.113.114.115.116.117.118.119\
        .12\0.121.122.123.124.125.126.127.128.129\
        .13\0.131.132.133.134.135.136.137.138.139\
        .14\0.141.142.143.144.145.146.147.148.149\
        .15\0.151.152.153.154.155.156.157.158.159\
        .16\0.161.162.163.164.165.166.167.168.169\
        .17\0.171.172.173.174.175.176.177.178.179\
        .18\0.181.182.183.184.185.186.187.188.189\
        .19\0.191.192.193.194.195.196.197.198.199\
        .2\0\0.201.202.203.204.205.206.207.208.209\
        .21\0.211.212.213.214.215.216.217.218.219\
        .22\0.221.222.223.224.225.226.227.228.229\
        .23\0.231.232.233.234.235.236.237.238.239\
        .24\0.241.242.243.244.245.246.247.248.249\
        .25\0.251.252.253.254.255.256.257.258.259\
        .26\0.261.262.263.264.265.266.267.268.269\
        .27\0.271.272.273.274.275.276.277.278.279\
        .28\0.281.282.283.284.285.286.287.288.289\
        .29\0.291.292.293.294.295.296.297.298.299\
        .3\0\0.301.302.303.304.305.306.307.308.309\
        .31\0.311.312.313.314.315.316.317.318.319\
        .32\0.321.322.323.324.325.326.327.328.329\
        .33\0.331.332.333.334.335.336.337.338.339\
        .34\0.341.342.343.344.345.346.347.348.349\
        .35\0.351.352.353.354.355.356.357.358.359\
        .36\0.361.362.363.364.365.366.367.368.369\
        .37\0.371.372.373.374.375.376.377.378.379\
        .38\0.381.382.383.384.385.386.387.388.389\
        .39\0.391.392.393.394.395.396.397.398.399\
        .4\0\0.401.402.403.404.405.406.407.408.409\
        .41\0.411.412.413.414.415.416.417.418.419\
        .42\0.421.422.423.424.425.426.427.428.429\
        .43\0.431.432.433.434.435.436.437.438.439\
        .44\0.441.442.443.444.445.446.447.448.449\
        .45\0.451.452.453.454.455.456.457.458.459\
        .46\0.461.462.463.464.465.466.467.468.469\
        .47\0.471.472.473.474.475.476.477.478.479\
        .48\0.481.482.483.484.485.486.487.488.489\
        .49\0.491.492.493.494.495.496.497.498.499\
        .5\0\0.501.502.503.504.505.506.507.508.509\
        .51\0.511.512.513.514.515.516.517.518.519\
        .52\0.521.522.523.524.525.526.527.528.529\
        .53\0.531.532.533.534.535.536.537.538.539\
        .54\0.541.542.543.544.545.546.547.548.549\
        .55\0.551.552.553.554.555.556.557.558.559\
        .56\0.561.562.563.564.565.566.567.568.569\
        .57\0.571.572.573.574.575.576.577.578.579\
        .58\0.581.582.583.584.585.586.587.588.589\
        .59\0.591.592.593.594.595.596.597.598.599\
        .6\0\0.601.602.603.604.605.606.607.608.609\
        .61\0.611.612.613.614.615.616.617.618.619\
        .62\0.621.622.623.624.625.626.627.628.629\
        .63\0.631.632.633.634.635.636.637.638.639\
        .64\0.641.642.643.644.645.646.647.648.649\
        .65\0.651.652.653.654.655.656.657.658.659\
        .66\0.661.662.663.664.665.666.667.668.669\
        .67\0.671.672.673.674.675.676.677.678.679\
        .68\0.681.682.683.684.685.686.687.688.689\
        .69\0.691.692.693.694.695.696.697.698.699\
        .7\0\0.701.702.703.704.705.706.707.708.709\
        .71\0.711.712.713.714.715.716.717.718.719\
        .72\0.721.722.723.724.725.726.727.728.729\
        .73\0.731.732.733.734.735.736.737.738.739\
        .74\0.741.742.743.744.745.746.747.748.749\
        .75\0.751.752.753.754.755.756.757.758.759\
        .76\0.761.762.763.764.765.766.767.768.769\
        .77\0.771.772.773.774.775.776.777.778.779\
        .78\0.781.782.783.784.785.786.787.788.789\
        .79\0.791.792.793.794.795.796.797.798.799\
        .8\0\0.801.802.803.804.805.806.807.808.809\
        .81\0.811.812.813.814.815.816.817.818.819\
        .82\0.821.822.823.824.825.826.827.828.829\
        .83\0.831.832.833.834.835.836.837.838.839\
        .84\0.841.842.843.844.845.846.847.848.849\
        .85\0.851.852.853.854.855.856.857.858.859\
        .86\0.861.862.863.864.865.866.867.868.869\
        .87\0.871.872.873.874.875.876.877.878.879\
        .88\0.881.882.883.884.885.886.887.888.889\
        .89\0.891.892.893.894.895.896.897.898.899\
        .9\0\0.901.902.903.904.905.906.907.908.909\
        .91\0.911.912.913.914.915.916.917.918.919\
        .92\0.921.922.923.924.925.926.927.928.929\
        .93\0.931.932.933.934.935.936.937.938.939\
        .94\0.941.942.943.944.945.946.947.948.949\
        .95\0.951.952.953.954.955.956.957.958.959\
        .96\0.961.962.963.964.965.966.967.968.969\
        .97\0.971.972.973.974.975.976.977.978.979\
        .98\0.981.982.983.984.985.986.987.988.989\
        .99\0.991.992.993.994.995.996.997.998.999
        """
    }

    /// `"2026-11-24T01:37:14.123456Z"` (or whole seconds without `fraction`), as
    /// `CivilTime.iso8601` writes it, with its quotes; `last` is the last second written and its
    /// first 20 bytes (`maxTimestamp`).
    @inline(__always)
    mutating func timestamp(_ t: Timestamp, fraction: Bool = true, _ last: inout TimestampPrefix) {
        // The usual time, of the second written last, in line; the others by the call.
        guard fraction, t.nanoseconds < 1_000_000_000, t.seconds == last.seconds, last.valid else {
            p = JSONCursor.timestamp(t, fraction: fraction, &last, at: p)
            return
        }
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: last.bytes.0, as: UInt64.self)
        r.storeBytes(of: last.bytes.1, toByteOffset: 8, as: UInt64.self)
        r.storeBytes(of: last.bytes.2, toByteOffset: 16, as: UInt32.self)
        p = JSONCursor.microseconds(t.nanoseconds, at: p)
    }

    /// For each of 0…999, four bytes: its three digits (leading zeros kept) and a zero byte.
    /// (A literal: no lazy global, no `swift_once` per read.)
    @inline(__always)
    static var threeDigits: StaticString {
        """
        000\0001\0002\0003\0004\0005\0006\0007\0008\0009\0010\0011\0012\0013\0014\0015\0016\0017\0018\0019\0\
        020\0021\0022\0023\0024\0025\0026\0027\0028\0029\0030\0031\0032\0033\0034\0035\0036\0037\0038\0039\0\
        040\0041\0042\0043\0044\0045\0046\0047\0048\0049\0050\0051\0052\0053\0054\0055\0056\0057\0058\0059\0\
        060\0061\0062\0063\0064\0065\0066\0067\0068\0069\0070\0071\0072\0073\0074\0075\0076\0077\0078\0079\0\
        080\0081\0082\0083\0084\0085\0086\0087\0088\0089\0090\0091\0092\0093\0094\0095\0096\0097\0098\0099\0\
        100\0101\0102\0103\0104\0105\0106\0107\0108\0109\0110\0111\0112\0113\0114\0115\0116\0117\0118\0119\0\
        120\0121\0122\0123\0124\0125\0126\0127\0128\0129\0130\0131\0132\0133\0134\0135\0136\0137\0138\0139\0\
        140\0141\0142\0143\0144\0145\0146\0147\0148\0149\0150\0151\0152\0153\0154\0155\0156\0157\0158\0159\0\
        160\0161\0162\0163\0164\0165\0166\0167\0168\0169\0170\0171\0172\0173\0174\0175\0176\0177\0178\0179\0\
        180\0181\0182\0183\0184\0185\0186\0187\0188\0189\0190\0191\0192\0193\0194\0195\0196\0197\0198\0199\0\
        200\0201\0202\0203\0204\0205\0206\0207\0208\0209\0210\0211\0212\0213\0214\0215\0216\0217\0218\0219\0\
        220\0221\0222\0223\0224\0225\0226\0227\0228\0229\0230\0231\0232\0233\0234\0235\0236\0237\0238\0239\0\
        240\0241\0242\0243\0244\0245\0246\0247\0248\0249\0250\0251\0252\0253\0254\0255\0256\0257\0258\0259\0\
        260\0261\0262\0263\0264\0265\0266\0267\0268\0269\0270\0271\0272\0273\0274\0275\0276\0277\0278\0279\0\
        280\0281\0282\0283\0284\0285\0286\0287\0288\0289\0290\0291\0292\0293\0294\0295\0296\0297\0298\0299\0\
        300\0301\0302\0303\0304\0305\0306\0307\0308\0309\0310\0311\0312\0313\0314\0315\0316\0317\0318\0319\0\
        320\0321\0322\0323\0324\0325\0326\0327\0328\0329\0330\0331\0332\0333\0334\0335\0336\0337\0338\0339\0\
        340\0341\0342\0343\0344\0345\0346\0347\0348\0349\0350\0351\0352\0353\0354\0355\0356\0357\0358\0359\0\
        360\0361\0362\0363\0364\0365\0366\0367\0368\0369\0370\0371\0372\0373\0374\0375\0376\0377\0378\0379\0\
        380\0381\0382\0383\0384\0385\0386\0387\0388\0389\0390\0391\0392\0393\0394\0395\0396\0397\0398\0399\0\
        400\0401\0402\0403\0404\0405\0406\0407\0408\0409\0410\0411\0412\0413\0414\0415\0416\0417\0418\0419\0\
        420\0421\0422\0423\0424\0425\0426\0427\0428\0429\0430\0431\0432\0433\0434\0435\0436\0437\0438\0439\0\
        440\0441\0442\0443\0444\0445\0446\0447\0448\0449\0450\0451\0452\0453\0454\0455\0456\0457\0458\0459\0\
        460\0461\0462\0463\0464\0465\0466\0467\0468\0469\0470\0471\0472\0473\0474\0475\0476\0477\0478\0479\0\
        480\0481\0482\0483\0484\0485\0486\0487\0488\0489\0490\0491\0492\0493\0494\0495\0496\0497\0498\0499\0\
        500\0501\0502\0503\0504\0505\0506\0507\0508\0509\0510\0511\0512\0513\0514\0515\0516\0517\0518\0519\0\
        520\0521\0522\0523\0524\0525\0526\0527\0528\0529\0530\0531\0532\0533\0534\0535\0536\0537\0538\0539\0\
        540\0541\0542\0543\0544\0545\0546\0547\0548\0549\0550\0551\0552\0553\0554\0555\0556\0557\0558\0559\0\
        560\0561\0562\0563\0564\0565\0566\0567\0568\0569\0570\0571\0572\0573\0574\0575\0576\0577\0578\0579\0\
        580\0581\0582\0583\0584\0585\0586\0587\0588\0589\0590\0591\0592\0593\0594\0595\0596\0597\0598\0599\0\
        600\0601\0602\0603\0604\0605\0606\0607\0608\0609\0610\0611\0612\0613\0614\0615\0616\0617\0618\0619\0\
        620\0621\0622\0623\0624\0625\0626\0627\0628\0629\0630\0631\0632\0633\0634\0635\0636\0637\0638\0639\0\
        640\0641\0642\0643\0644\0645\0646\0647\0648\0649\0650\0651\0652\0653\0654\0655\0656\0657\0658\0659\0\
        660\0661\0662\0663\0664\0665\0666\0667\0668\0669\0670\0671\0672\0673\0674\0675\0676\0677\0678\0679\0\
        680\0681\0682\0683\0684\0685\0686\0687\0688\0689\0690\0691\0692\0693\0694\0695\0696\0697\0698\0699\0\
        700\0701\0702\0703\0704\0705\0706\0707\0708\0709\0710\0711\0712\0713\0714\0715\0716\0717\0718\0719\0\
        720\0721\0722\0723\0724\0725\0726\0727\0728\0729\0730\0731\0732\0733\0734\0735\0736\0737\0738\0739\0\
        740\0741\0742\0743\0744\0745\0746\0747\0748\0749\0750\0751\0752\0753\0754\0755\0756\0757\0758\0759\0\
        760\0761\0762\0763\0764\0765\0766\0767\0768\0769\0770\0771\0772\0773\0774\0775\0776\0777\0778\0779\0\
        780\0781\0782\0783\0784\0785\0786\0787\0788\0789\0790\0791\0792\0793\0794\0795\0796\0797\0798\0799\0\
        800\0801\0802\0803\0804\0805\0806\0807\0808\0809\0810\0811\0812\0813\0814\0815\0816\0817\0818\0819\0\
        820\0821\0822\0823\0824\0825\0826\0827\0828\0829\0830\0831\0832\0833\0834\0835\0836\0837\0838\0839\0\
        840\0841\0842\0843\0844\0845\0846\0847\0848\0849\0850\0851\0852\0853\0854\0855\0856\0857\0858\0859\0\
        860\0861\0862\0863\0864\0865\0866\0867\0868\0869\0870\0871\0872\0873\0874\0875\0876\0877\0878\0879\0\
        880\0881\0882\0883\0884\0885\0886\0887\0888\0889\0890\0891\0892\0893\0894\0895\0896\0897\0898\0899\0\
        900\0901\0902\0903\0904\0905\0906\0907\0908\0909\0910\0911\0912\0913\0914\0915\0916\0917\0918\0919\0\
        920\0921\0922\0923\0924\0925\0926\0927\0928\0929\0930\0931\0932\0933\0934\0935\0936\0937\0938\0939\0\
        940\0941\0942\0943\0944\0945\0946\0947\0948\0949\0950\0951\0952\0953\0954\0955\0956\0957\0958\0959\0\
        960\0961\0962\0963\0964\0965\0966\0967\0968\0969\0970\0971\0972\0973\0974\0975\0976\0977\0978\0979\0\
        980\0981\0982\0983\0984\0985\0986\0987\0988\0989\0990\0991\0992\0993\0994\0995\0996\0997\0998\0999\0
        """
    }

    /// `.uuuuuuZ"` for the microseconds of `nanoseconds` (below 1e9), 20 bytes after `p`; the
    /// position after them.
    @inline(__always)
    static func microseconds(_ nanoseconds: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        // Two groups of three digits from the table, four bytes stored for each: the second's
        // first byte overwrites the first's fourth, and `Z` the second's.
        // (Both callers check that nanoseconds is below 1e9: hi and lo are below 1000.)
        precondition(nanoseconds < 1_000_000_000, "JSONCursor.microseconds: nanoseconds not below 1e9")
        let us = nanoseconds / 1000
        let hi = us / 1000, lo = us &- hi &* 1000
        let table = UnsafeRawPointer(JSONCursor.threeDigits.utf8Start)
        let b = UnsafeMutableRawPointer(p)
        b.storeBytes(of: 0x2E, toByteOffset: 20, as: UInt8.self)
        b.storeBytes(of: table.loadUnaligned(fromByteOffset: Int(hi) &* 4, as: UInt32.self), toByteOffset: 21, as: UInt32.self)
        b.storeBytes(of: table.loadUnaligned(fromByteOffset: Int(lo) &* 4, as: UInt32.self), toByteOffset: 24, as: UInt32.self)
        b.storeBytes(of: 0x5A, toByteOffset: 27, as: UInt8.self)
        b.storeBytes(of: 0x22, toByteOffset: 28, as: UInt8.self)
        return p + 29
    }

    static func timestamp(_ t: Timestamp, fraction: Bool, _ last: inout TimestampPrefix,
                          at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        @inline(__always) func quoted(_ s: String) -> UnsafeMutablePointer<UInt8> {
            p.pointee = 0x22
            let q = ascii(s, max: maxTimestamp &- 2, at: p + 1)
            q.pointee = 0x22
            return q + 1
        }
        guard t.nanoseconds < 1_000_000_000 else { return quoted(CivilTime.iso8601(t, fraction: fraction)) }
        let r = UnsafeMutableRawPointer(p)
        if t.seconds == last.seconds && last.valid {
            r.storeBytes(of: last.bytes.0, as: UInt64.self)
            r.storeBytes(of: last.bytes.1, toByteOffset: 8, as: UInt64.self)
            r.storeBytes(of: last.bytes.2, toByteOffset: 16, as: UInt32.self)
        } else {
            var secs = t.seconds
            var days = secs / 86400
            secs -= days &* 86400
            if secs < 0 { secs &+= 86400; days &-= 1 }
            let (y, m, d) = CivilTime.civil(fromDays: days)
            guard y >= 0 && y <= 9999 else { return quoted(CivilTime.iso8601(t, fraction: fraction)) }
            let b = p
            b[0] = 0x22
            JSONOut.putTwo(Int(y / 100), at: b + 1); JSONOut.putTwo(Int(y % 100), at: b + 3)
            b[5] = 0x2D; JSONOut.putTwo(Int(m), at: b + 6); b[8] = 0x2D; JSONOut.putTwo(Int(d), at: b + 9)
            b[11] = 0x54
            let s = Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: secs))  // 0..<86400
            JSONOut.putTwo(s / 3600, at: b + 12); b[14] = 0x3A
            JSONOut.putTwo(s / 60 % 60, at: b + 15); b[17] = 0x3A
            JSONOut.putTwo(s % 60, at: b + 18)
            last = TimestampPrefix(valid: true, seconds: t.seconds, bytes: (r.loadUnaligned(as: UInt64.self), r.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                                                                   r.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        }
        let b = p
        if !fraction {
            b[20] = 0x5A; b[21] = 0x22
            return p + 22
        }
        return microseconds(t.nanoseconds, at: p)
    }

    /// `"a.b.c.d:port"` or `"[v6]:port"`, as `Endpoint.description` writes it, with its quotes
    /// (`maxEndpoint`).
    @inline(__always)
    mutating func endpoint(_ e: Endpoint) { p = JSONCursor.endpoint(e, at: p) }

    /// `endpoint(e)`, its address's text from `memo` when it has it (and put there when not).
    @inline(__always)
    mutating func endpoint(_ e: Endpoint, _ memo: AddressMemo) {
        put(0x22)
        p = memo.write(e.address, at: p)
        put(0x3A)
        decimal(UInt64(e.port))
        put(0x22)
    }

    static func endpoint(_ e: Endpoint, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var c = JSONCursor(p: p)
        c.put(0x22)
        c.address(e.address)
        c.put(0x3A)
        c.decimal(UInt64(e.port))
        c.put(0x22)
        return c.p
    }

    /// `a.b.c.d` or `[v6]` (at most 41 bytes).
    @inline(__always)
    mutating func address(_ a: IPAddress) {
        if a.isV6 {
            put(0x5B)
            ipv6(a)
            put(0x5D)
        } else {
            let v = UInt32(truncatingIfNeeded: a.low)
            octet(UInt8(truncatingIfNeeded: v >> 24), dot: true)
            octet(UInt8(truncatingIfNeeded: v >> 16), dot: true)
            octet(UInt8(truncatingIfNeeded: v >> 8), dot: true)
            octet(UInt8(truncatingIfNeeded: v), dot: false)
        }
    }

    /// RFC 5952 text, as `IPAddress.description` writes it: lower-case hex groups without leading
    /// zeros, the longest run of two or more zero groups (the first on a tie) as `::` (at most 39).
    private mutating func ipv6(_ a: IPAddress) {
        @inline(__always) func group(_ i: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (i < 4 ? a.high : a.low) &>> UInt64(48 &- 16 &* (i & 3)))
        }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if group(i) == 0 {
                var j = i
                while j < 8 && group(j) == 0 { j &+= 1 }
                if j &- i > bestLen && j &- i >= 2 { bestStart = i; bestLen = j &- i }
                i = j
            } else { i &+= 1 }
        }
        var first = true
        i = 0
        while i < 8 {
            if i == bestStart {
                put(0x3A); put(0x3A)
                i &+= bestLen
                first = true
                continue
            }
            if !first { put(0x3A) }
            first = false
            let g = group(i)
            var shift: UInt16 = g >= 0x1000 ? 12 : g >= 0x100 ? 8 : g >= 0x10 ? 4 : 0
            while true {
                put(JSONOut.hexDigit(UInt8(truncatingIfNeeded: g &>> shift) & 15))
                if shift == 0 { break }
                shift &-= 4
            }
            i &+= 1
        }
    }

    /// `b` in decimal, and `.` after it when `dot`: four bytes from the table stored (at most one
    /// past what is counted), as many counted as are not 0, less the dot when not `dot`.
    @inline(__always)
    private mutating func octet(_ b: UInt8, dot: Bool) {
        let word = UnsafeRawPointer(JSONCursor.octets.utf8Start).loadUnaligned(fromByteOffset: Int(b) &* 4, as: UInt32.self)
        UnsafeMutableRawPointer(p).storeBytes(of: word, as: UInt32.self)
        p += ((32 &- word.leadingZeroBitCount &+ 7) &>> 3) &- (dot ? 0 : 1)
    }

    /// For each byte value 0…255, four bytes: its decimal digits and `.`, padded with zero bytes
    /// (an IPv4 address's octet and the dot after it). (A literal: no lazy global, no `swift_once`
    /// per read.)
    @inline(__always)
    static var octets: StaticString {
        """
        0.\0\01.\0\02.\0\03.\0\04.\0\05.\0\06.\0\07.\0\08.\0\09.\0\010.\011.\012.\013.\014.\015.\0\
        16.\017.\018.\019.\020.\021.\022.\023.\024.\025.\026.\027.\028.\029.\030.\031.\0\
        32.\033.\034.\035.\036.\037.\038.\039.\040.\041.\042.\043.\044.\045.\046.\047.\0\
        48.\049.\050.\051.\052.\053.\054.\055.\056.\057.\058.\059.\060.\061.\062.\063.\0\
        64.\065.\066.\067.\068.\069.\070.\071.\072.\073.\074.\075.\076.\077.\078.\079.\0\
        80.\081.\082.\083.\084.\085.\086.\087.\088.\089.\090.\091.\092.\093.\094.\095.\0\
        96.\097.\098.\099.\0100.101.102.103.104.105.106.107.108.109.110.111.\
        112.113.114.115.116.117.118.119.120.121.122.123.124.125.126.127.\
        128.129.130.131.132.133.134.135.136.137.138.139.140.141.142.143.\
        144.145.146.147.148.149.150.151.152.153.154.155.156.157.158.159.\
        160.161.162.163.164.165.166.167.168.169.170.171.172.173.174.175.\
        176.177.178.179.180.181.182.183.184.185.186.187.188.189.190.191.\
        192.193.194.195.196.197.198.199.200.201.202.203.204.205.206.207.\
        208.209.210.211.212.213.214.215.216.217.218.219.220.221.222.223.\
        224.225.226.227.228.229.230.231.232.233.234.235.236.237.238.239.\
        240.241.242.243.244.245.246.247.248.249.250.251.252.253.254.255.
        """
    }
}

/// `n` bytes from `src` to `dst`: short copies as two overlapping loads and stores; when `n` is a
/// constant (literals) the branches fold away. (For `JSONOut.copy` and `JSONCursor.copy`.)
@inline(__always)
func copyBytes(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ n: Int) {
        if n <= 16 {
            if n >= 8 {
                dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self), toByteOffset: n &- 8, as: UInt64.self)
            } else if n >= 4 {
                dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self), toByteOffset: n &- 4, as: UInt32.self)
            } else if n > 0 {
                dst.storeBytes(of: src.load(as: UInt8.self), as: UInt8.self)
                dst.storeBytes(of: src.load(fromByteOffset: n &- 1, as: UInt8.self), toByteOffset: n &- 1, as: UInt8.self)
                if n == 3 { dst.storeBytes(of: src.load(fromByteOffset: 1, as: UInt8.self), toByteOffset: 1, as: UInt8.self) }
            }
        } else if n <= 32 {
            dst.storeBytes(of: src.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n &- 16, as: SIMD16<UInt8>.self),
                           toByteOffset: n &- 16, as: SIMD16<UInt8>.self)
        } else {
            dst.copyMemory(from: src, byteCount: n)
        }
}
