import Handshake

/// The JSON text of the parts of a line that repeat from connection to connection, remembered
/// whole: a client of one kind sends the same hello shape every time, a server the same
/// ServerHello and certificate chain. Most of a 4 kB line is those parts; a line that meets one
/// again copies its text instead of writing it name by name and string by string.
///
/// What is remembered is only what depends on the remembered key and nothing else: the fields
/// of a connection's own (the packet numbers, the hello's record version, server name, size,
/// segments and records) are written around the remembered pieces on every line. A key is
/// compared whole, field by field (never by hash alone; the hash only picks the slot): arrays and
/// strings compare their storage first, so the usual hit, the very lists of the shared hello box,
/// costs a few loads, and equal contents in other storage also hit. The certificate chain is the
/// exception: it is keyed by the identity of its array's storage (the observer shares one array
/// per distinct chain), which is sound because the entry keeps that array alive: while it does,
/// no other array can have the same storage, and the storage cannot change (it is not uniquely
/// referenced, so a write copies).
///
/// A hello's and a ServerHello's entry also keep one whole text with the connection's own values
/// in it (`HelloEntry.whole`, `ServerHelloEntry.whole`: the clients and servers of one kind mostly
/// send the same), and the memo holds the smaller memos of a line's other parts by their values
/// (`TrafficMemo`, `AddressMemo`, `VerdictTextMemo`).
///
/// Bounded: two-way set-associative tables of 64 or 128 entries of at most 16 KB each, twice that
/// with a whole text (a hello's is about 2.5 KB), a hello entry keeping at most one ServerHello
/// entry besides (`HelloEntry.link`), and the smaller memos' fixed tables (about 140 KB), one memo
/// per `JSONLineContext` (so per thread writing lines at once). A key
/// is stored only when it misses the second time while it is one of the last two misses of its
/// set (shapes that never repeat, as when a client shuffles its extensions, cost no allocation),
/// and not over an entry that was used since it was stored or last spared (so one-off keys do not
/// push out the ones that recur).
final class ShapeMemo {
    let hellos = ShapeTable(slots: 128)
    /// The hello entries of shapes but for their extensions' order (`LooseHelloEntry`), tried when
    /// a hello's exact shape is not remembered (clients that shuffle their extensions).
    let looseHellos = ShapeTable(slots: 128)
    /// The hello entries by the identity of the hello's shared box (`ClientHelloInfo.sharedIdentity`),
    /// tried before the hello's fields are read and compared.
    let helloBoxes = HelloBoxTable(slots: 128)
    let serverHellos = ShapeTable(slots: 64)
    let chains = ShapeTable(slots: 64)
    /// The counts part of lines, by the counts (`TrafficMemo`).
    let traffic = TrafficMemo()
    /// The text of addresses, by address (`AddressMemo`).
    let addresses = AddressMemo()
    /// The heads of verdicts by their summary, and their tails by their inference (`VerdictTextMemo`).
    let verdictHeads = VerdictTextMemo()
    let verdictTails = VerdictTextMemo()
    /// The tails of verdicts with hints and no inference (failures'), by their hint list.
    let hintedTails = VerdictTextMemo(maxBytes: 1_008)
    /// Completed handshakes' verdicts between their numbers (`CompletedTextMemo`).
    let completedTexts = CompletedTextMemo()
    /// The JSON text of the RDP protocol flags last written (`[requested, selected]`: each kind's
    /// value and text), as a capture's RDP connections mostly ask for and get the same.
    @exclusivity(unchecked) var rdpFlags: (UInt32, UInt32) = (0, 0)
    @exclusivity(unchecked) var rdpRequestedText = ShapeText()
    @exclusivity(unchecked) var rdpSelectedText = ShapeText()
    /// The last capture name written and its JSON text (every line of a capture starts with it).
    /// (One line uses a memo at a time: no dynamic exclusivity checks.)
    @exclusivity(unchecked) var capture: String?
    @exclusivity(unchecked) var captureText = ShapeText()
    /// Lines that copied a hello's whole text (`HelloEntry.whole`) and a ServerHello's following
    /// text (`ServerHelloEntry.whole`) (for the tests).
    @exclusivity(unchecked) var helloWholes = 0
    @exclusivity(unchecked) var serverWholes = 0

    /// Pieces longer than this are not kept (a hostile hello can carry thousands of suites).
    static let maxBytes = 16 << 10
}

/// Bytes owned by one memo entry: the text of one or more segments, one after the other.
struct ShapeText: ~Copyable {
    private(set) var bytes: UnsafeMutableRawPointer?
    private(set) var count = 0

    init() {}

    /// Copies `ranges` of `base` (each start..<end), one after the other.
    init(copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        var n = 0
        for (a, b) in ranges { n &+= b &- a }
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1), alignment: 16)
        var at = 0
        for (a, b) in ranges {
            (p + at).copyMemory(from: base + a, byteCount: b &- a)
            at &+= b &- a
        }
        bytes = p
        count = n
    }

    /// A copy of the `n` bytes at `p`.
    init(copying p: UnsafeRawPointer?, count n: Int) {
        let b = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1), alignment: 16)
        if let p, n > 0 { b.copyMemory(from: p, byteCount: n) }
        bytes = b
        count = n
    }

    mutating func replace(copying base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
        self = ShapeText(copying: base, [(start, end)])
    }

    /// Whether these are exactly the `n` bytes at `p`.
    @inline(__always)
    func equals(_ p: UnsafeRawPointer?, _ n: Int) -> Bool {
        guard n == count else { return false }
        guard n > 0 else { return true }
        guard let p, let bytes else { return false }
        return NameListMemo.equal(UnsafeRawPointer(bytes), p, n)
    }

    deinit { bytes?.deallocate() }
}

/// One remembered piece of text, cut into segments (`cut1` and `cut2` are the ends of all but
/// the last); the subclasses add the key it was made for. (Plain classes, not one generic class:
/// a generic class's metadata is made at run time from its mangled name, half a million
/// instructions for the first line.)
class ShapeEntry {
    final let hash: UInt64
    final let text: ShapeText
    final let cut1: Int
    final let cut2: Int
    /// Hit since it was stored (or last spared by a store into its slot).
    @exclusivity(unchecked) final var used = false

    init(hash: UInt64, copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        self.hash = hash
        text = ShapeText(copying: base, ranges)
        let n0 = ranges.count > 0 ? ranges[0].1 &- ranges[0].0 : 0
        let n1 = ranges.count > 1 ? ranges[1].1 &- ranges[1].0 : 0
        cut1 = n0
        cut2 = n0 &+ n1
    }

    /// Segment `i`'s bytes (0, 1 or 2).
    @inline(__always)
    final func segment(_ i: Int) -> (UnsafeRawPointer, Int) {
        let base = UnsafeRawPointer(text.bytes.unsafelyUnwrapped)
        switch i {
        case 0: return (base, cut1)
        case 1: return (base + cut1, cut2 &- cut1)
        default: return (base + cut2, text.count &- cut2)
        }
    }
}

final class HelloEntry: ShapeEntry {
    let key: HelloShape
    /// The whole hello's text from the record version's name to its closing brace, for the
    /// connection's own values in `wholeOwn` and the server name in `wholeSNI` (its bytes as
    /// sent): the clients of a shape mostly send the same name, size, segments and records too,
    /// and a line with those copies one piece instead of three with its own values between them.
    /// Made the second line in a row with the same own values (`pending`), so hellos whose own
    /// values change every time cost no copy per line.
    @exclusivity(unchecked) var whole = ShapeText()
    @exclusivity(unchecked) var wholeOwn = HelloOwn()
    @exclusivity(unchecked) var wholeSNI = ShapeText()
    /// The server name of `whole` as the line that made it had it (kept: while it is, a name with
    /// the same two words is the same text), and those words (`sniWords`), for a line of the same
    /// name to be told without a reference to its name taken.
    @exclusivity(unchecked) var wholeSNIKept: String?
    @exclusivity(unchecked) var wholeSNIWords: (UInt64, UInt64)?
    /// The signature (`HelloOwn.signature`) of the own values the last line wrote without a whole text.
    @exclusivity(unchecked) var pending: UInt64 = 0
    /// The ServerHello entry found on the last line of this shape that had one (a client's hello
    /// is mostly answered alike), read without a reference taken; `serverKept` holds it alive
    /// (also when its table lets it go: its text stays that of its key).
    @exclusivity(unchecked) private(set) var serverLink: Unmanaged<ServerHelloEntry>?
    @exclusivity(unchecked) private var serverKept: ServerHelloEntry?

    /// Makes `e` the ServerHello entry tried first for this shape.
    @inline(__always)
    func link(_ e: Unmanaged<ServerHelloEntry>) {
        guard serverLink?.toOpaque() != e.toOpaque() else { return }
        serverKept = e.takeUnretainedValue()
        serverLink = e
    }

    init(key: HelloShape, hash: UInt64, copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        self.key = key
        super.init(hash: hash, copying: base, ranges)
    }
}

/// A ClientHello's text but for what its extensions' order changes: five pieces, from
/// `,"legacy_version":` to `,"sni":`, from `,"alpn":` to `,"extensions":`, `,"size":`, from
/// `,"sslv2_format":` to `,"ja3":`, and from `,"ja4":` to the closing brace. A hello of these
/// values whose extensions come in another order (as from clients that shuffle them on every
/// connection, so that its exact shape is never seen twice) writes its record version, server
/// name, extensions, own values and JA3 between them. The key is the shape the entry was made
/// from; its extensions and JA3 are not compared (`looselyMatches`).
final class LooseHelloEntry: ShapeEntry {
    let key: HelloShape
    /// Where the first four pieces end in the text.
    let ends: (Int, Int, Int, Int)

    init(key: HelloShape, hash: UInt64, copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        self.key = key
        var e = (0, 0, 0, 0), n = 0
        for (i, (a, b)) in ranges.enumerated() {
            n &+= b &- a
            switch i {
            case 0: e.0 = n
            case 1: e.1 = n
            case 2: e.2 = n
            case 3: e.3 = n
            default: break
            }
        }
        ends = e
        super.init(hash: hash, copying: base, ranges)
    }

    /// Piece `i`'s bytes (0 to 4).
    @inline(__always)
    func piece(_ i: Int) -> (UnsafeRawPointer, Int) {
        let base = UnsafeRawPointer(text.bytes.unsafelyUnwrapped)
        switch i {
        case 0: return (base, ends.0)
        case 1: return (base + ends.0, ends.1 &- ends.0)
        case 2: return (base + ends.1, ends.2 &- ends.1)
        case 3: return (base + ends.2, ends.3 &- ends.2)
        default: return (base + ends.3, text.count &- ends.3)
        }
    }

    /// The hash of a hello's loose key: its versions, suites and groups (`HelloShape.hash` without
    /// extensions), and the first and last eight bytes of its JA4 (which tell apart hellos of one
    /// client with and without a server name or ALPN, or with other extensions).
    @inline(__always)
    static func hash(legacyVersion: UInt16, maxVersion: UInt16, cipherSuites: [UInt16], supportedGroups: [UInt16], ja4: String?) -> UInt64 {
        var h = HelloShape.hash(legacyVersion: legacyVersion, maxVersion: maxVersion, cipherSuites: cipherSuites, extensions: [],
                                supportedGroups: supportedGroups)
        if var j = ja4 {
            j.withUTF8 { u in
                guard u.count >= 8, let p = u.baseAddress else { shapeMix(&h, UInt64(u.count)); return }
                let raw = UnsafeRawPointer(p)
                shapeMix(&h, raw.loadUnaligned(as: UInt64.self))
                shapeMix(&h, raw.loadUnaligned(fromByteOffset: u.count &- 8, as: UInt64.self))
            }
        }
        return shapeFinish(h)
    }

    /// Whether `ch` writes these pieces: equal in every value they are written from (all but the
    /// extensions and JA3, which the pieces leave out).
    @inline(__always)
    func looselyMatches(_ ch: ClientHelloInfo, cipherSuites suites: [UInt16], supportedGroups groups: [UInt16]) -> Bool {
        key.cipherSuites == suites && key.supportedGroups == groups
            && key.legacyVersion == ch.legacyVersion && key.maxVersion == ch.maxVersion && key.sslv2Format == ch.sslv2Format
            && key.supportedVersions == ch.supportedVersions && key.signatureAlgorithms == ch.signatureAlgorithms
            && key.keyShares == ch.keyShares && key.alpn == ch.alpn && key.ja4 == ch.ja4 && key.ja4r == ch.ja4r
    }
}

/// A ClientHello's own values that its JSON writes (but the packet): the record version, size,
/// segments, records, and whether there is a server name and its length (its bytes are compared
/// apart).
struct HelloOwn: Equatable {
    var recordVersion: UInt16 = 0
    var sniCount = -2  // -1: no server name; -2: nothing remembered
    var size = 0
    var segments = 0
    var records = 0

    /// A hash of these values and the server name's bytes (never 0, the empty mark).
    func signature(_ sni: UnsafeRawBufferPointer) -> UInt64 {
        var h = UInt64(recordVersion) | UInt64(UInt32(truncatingIfNeeded: sniCount)) &<< 16
        shapeMix(&h, UInt64(truncatingIfNeeded: size))
        shapeMix(&h, UInt64(truncatingIfNeeded: segments) | UInt64(truncatingIfNeeded: records) &<< 32)
        for b in sni { shapeMix(&h, UInt64(b)) }
        return shapeFinish(h) | 1
    }
}

final class ServerHelloEntry: ShapeEntry {
    let key: ServerHelloInfo
    /// The text after the ServerHello's packet to the end of `"negotiated"`, for the certificates,
    /// key exchange, client certificates and resumption in `wholeKey` (which keeps the chain and
    /// the key exchange's kind alive, so their identities stay theirs); made the second line in a
    /// row with the same ones (`pending`), as `HelloEntry.whole`.
    @exclusivity(unchecked) var whole = ShapeText()
    @exclusivity(unchecked) var wholeKey: ServerWhole?
    /// What `wholeKey`'s identities are of, kept alive.
    @exclusivity(unchecked) var wholeKept: ([CertificateInfo], String?) = ([], nil)
    @exclusivity(unchecked) var pending: UInt64 = 0

    init(key: ServerHelloInfo, hash: UInt64, copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        self.key = key
        super.init(hash: hash, copying: base, ranges)
    }
}

final class ChainEntry: ShapeEntry {
    let key: ChainIdentity
    init(key: ChainIdentity, hash: UInt64, copying base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) {
        self.key = key
        super.init(hash: hash, copying: base, ranges)
    }
}

/// A two-way set-associative table of entries by the hash of their key (each table holds
/// entries of one class; a lookup checks the class all the same, at the cost of one compare).
/// Each set has two ways, the one used last first: a hit in the second way swaps the two, and a
/// store goes into the first and moves the first to the second, letting the second go. Two keys
/// that recur and fall in one set (as two chains whose storage addresses hash alike) both stay.
///
/// The slots hold their entries' references by hand (retained when stored, released when
/// replaced or when the table goes), and a lookup hands out the entry unretained: it stays alive
/// while its slot holds it, that is until the next `store` into this table, so a line that found
/// an entry copies its text before it stores anything. (A strong load and its release were two
/// reference count operations per piece per line.)
final class ShapeTable {
    /// Two per set: the way used last, then the other.
    private let slots: UnsafeMutablePointer<Unmanaged<ShapeEntry>?>
    /// Two per set: the hashes of the last two keys that missed there and were not stored.
    private let seen: UnsafeMutablePointer<UInt64>
    private let mask: Int
    /// Lookups that found their entry (for the tests).
    @exclusivity(unchecked) private(set) var hits = 0

    /// `n` entries in all (`n / 2` sets of two).
    init(slots n: Int) {
        precondition(n >= 2 && n & (n &- 1) == 0)
        slots = .allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
        seen = .allocate(capacity: n)
        seen.initialize(repeating: 0, count: n)
        mask = n / 2 &- 1
    }

    deinit {
        for i in 0...(mask &* 2 &+ 1) { slots[i]?.release() }
        slots.deallocate()
        seen.deallocate()
    }

    /// The set of `hash` (its first way's index is twice this).
    @inline(__always)
    func set(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> 7) & mask }

    /// The entry of class `E` in `hash`'s set whose key `matches`, unretained (valid until the
    /// next `store` into this table).
    @inline(__always)
    func lookup<E: ShapeEntry>(_ hash: UInt64, _ type: E.Type, matching matches: (E) -> Bool) -> Unmanaged<E>? {
        let w = set(hash) &<< 1
        if let u = slots[w], let e = ShapeTable.check(u, hash, type, matches) {
            hits &+= 1
            return e
        }
        if let u = slots[w &+ 1], let e = ShapeTable.check(u, hash, type, matches) {
            // The second way was used last now: the two swap (no reference changes hands).
            slots[w &+ 1] = slots[w]
            slots[w] = u
            hits &+= 1
            return e
        }
        return nil
    }

    @inline(__always)
    private static func check<E: ShapeEntry>(_ u: Unmanaged<ShapeEntry>, _ hash: UInt64, _: E.Type, _ matches: (E) -> Bool) -> Unmanaged<E>? {
        u._withUnsafeGuaranteedRef { any -> Unmanaged<E>? in
            guard any.hash == hash, ObjectIdentifier(type(of: any)) == ObjectIdentifier(E.self) else { return nil }
            let e = unsafeDowncast(any, to: E.self)
            guard matches(e) else { return nil }
            e.used = true
            return Unmanaged.passUnretained(e)
        }
    }

    /// Whether a key that missed should be stored now: the second time its hash misses in its
    /// set while it is one of the set's last two misses, and not over an entry (the set's second
    /// way, the one a store lets go) used since it was stored or last spared (which loses that
    /// mark instead).
    func wantsStore(_ hash: UInt64) -> Bool {
        let w = set(hash) &<< 1
        guard seen[w] == hash || seen[w &+ 1] == hash else {
            seen[w &+ 1] = seen[w]
            seen[w] = hash
            return false
        }
        if let u = slots[w &+ 1] {
            let spared = u._withUnsafeGuaranteedRef { e -> Bool in
                guard e.used else { return false }
                e.used = false
                return true
            }
            if spared { return false }
        }
        return true
    }

    /// Stores `e` in its set's first way; the first moves to the second, and the second's entry
    /// is let go.
    func store(_ e: ShapeEntry) {
        let w = set(e.hash) &<< 1
        let old = slots[w &+ 1]
        slots[w &+ 1] = slots[w]
        slots[w] = Unmanaged.passRetained(e)
        old?.release()
        if seen[w] == e.hash { seen[w] = 0 }
        if seen[w &+ 1] == e.hash { seen[w &+ 1] = 0 }
    }

    /// Whether an entry for `hash` of class `E` whose key `matches` is held (for the tests; no
    /// hit counted, no way moved).
    func holds<E: ShapeEntry>(_ hash: UInt64, _ type: E.Type, matching matches: (E) -> Bool) -> Bool {
        let w = set(hash) &<< 1
        for i in w...(w &+ 1) {
            if let u = slots[i], u._withUnsafeGuaranteedRef({ any in
                any.hash == hash && ObjectIdentifier(Swift.type(of: any)) == ObjectIdentifier(E.self) && matches(unsafeDowncast(any, to: E.self))
            }) { return true }
        }
        return false
    }

    /// `e` (of this table) found another way (`HelloBoxTable`): counted and marked as a lookup's hit.
    @inline(__always)
    func noteHit(_ e: ShapeEntry) {
        e.used = true
        hits &+= 1
    }
}

/// Hello entries by the identity of the box a ClientHello shares with the other hellos of its
/// shape: the observer hands one box to every hello of a shape, so the usual line finds its entry
/// by one compare of an address, without reading or hashing the hello's lists.
///
/// Sound because a slot keeps its box alive (so no other object can have its address while it is
/// there) and a box is never changed while another holds it (`ClientHelloInfo.sharedIdentity`):
/// the box's values are still those the entry was made from (it was made from them, or a
/// field-by-field compare found them equal to its key).
///
/// Four-way set-associative, so that where the heap puts the boxes that recur cannot make them
/// push each other out (a direct-mapped table of 128 did, in some runs thousands of times: each
/// time a fresh hash of the hello's lists and a field-by-field compare; two ways still let three
/// of a capture's 15 or so boxes meet in one set in some runs). The ways of a set are kept in the
/// order they were remembered, the last first: a new box takes the front, the others move back,
/// and the last way's box and entry are let go (a hit moves nothing). References held by hand, as in
/// `ShapeTable`: a lookup's entry is valid until the next `remember`.
final class HelloBoxTable {
    static let ways = 4
    /// `ways` per set (the one remembered last first): the box's address (0: empty), the box, the entry.
    private let addresses: UnsafeMutablePointer<UInt>
    private let boxes: UnsafeMutablePointer<Unmanaged<AnyObject>?>
    private let entries: UnsafeMutablePointer<Unmanaged<HelloEntry>?>
    private let mask: Int
    /// Boxes remembered (for the tests).
    @exclusivity(unchecked) private(set) var remembered = 0

    /// `n` entries in all (`n / ways` sets).
    init(slots n: Int) {
        precondition(n >= HelloBoxTable.ways && n & (n &- 1) == 0)
        addresses = .allocate(capacity: n)
        addresses.initialize(repeating: 0, count: n)
        boxes = .allocate(capacity: n)
        boxes.initialize(repeating: nil, count: n)
        entries = .allocate(capacity: n)
        entries.initialize(repeating: nil, count: n)
        mask = n / HelloBoxTable.ways &- 1
    }

    deinit {
        for i in 0..<((mask &+ 1) &* HelloBoxTable.ways) {
            entries[i]?.release()
            boxes[i]?.release()
        }
        addresses.deallocate()
        boxes.deallocate()
        entries.deallocate()
    }

    @inline(__always)
    static func address(_ box: AnyObject) -> UInt { UInt(bitPattern: ObjectIdentifier(box)) }

    /// The set of the box at `address` (its first way's index is `ways` times this).
    @inline(__always)
    func set(_ address: UInt) -> Int { Int(truncatingIfNeeded: shapeFinish(UInt64(address))) & mask }

    /// The entry remembered for the box at `address`, unretained (valid until the next `remember`).
    @inline(__always)
    func lookup(_ address: UInt) -> Unmanaged<HelloEntry>? {
        let w = set(address) &* HelloBoxTable.ways
        if addresses[w] == address { return entries[w] }
        return lookupLater(w, address)
    }

    /// The ways after the first (a hit stays where it is: moving it would cost more than the
    /// compares it saves when two boxes of a set take turns).
    private func lookupLater(_ w: Int, _ address: UInt) -> Unmanaged<HelloEntry>? {
        for i in 1..<HelloBoxTable.ways where addresses[w &+ i] == address { return entries[w &+ i] }
        return nil
    }

    /// Remembers `entry` for `box` (whose values are the entry's key) in the front way of its
    /// set; the others move back, and the last way's box and entry are let go.
    func remember(_ box: AnyObject, _ entry: Unmanaged<HelloEntry>) {
        let a = HelloBoxTable.address(box)
        let w = set(a) &* HelloBoxTable.ways
        let last = w &+ HelloBoxTable.ways &- 1
        let oldBox = boxes[last], oldEntry = entries[last]
        var j = HelloBoxTable.ways &- 1
        while j > 0 {
            addresses[w &+ j] = addresses[w &+ j &- 1]; boxes[w &+ j] = boxes[w &+ j &- 1]; entries[w &+ j] = entries[w &+ j &- 1]
            j &-= 1
        }
        addresses[w] = a
        boxes[w] = Unmanaged.passRetained(box)
        entries[w] = entry.retain()
        oldEntry?.release()
        oldBox?.release()
        remembered &+= 1
    }
}

@inline(__always)
func shapeMix(_ h: inout UInt64, _ w: UInt64) {
    h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
    h ^= h &>> 29
}

/// Three words of a code point list (its first, middle and last four) and its length.
@inline(__always)
func shapeMix(_ h: inout UInt64, _ list: [UInt16]) {
    shapeMix(&h, UInt64(truncatingIfNeeded: list.count))
    list.withUnsafeBufferPointer { v in
        guard let p = v.baseAddress else { return }
        let n = v.count
        if n >= 4 {
            let raw = UnsafeRawPointer(p)
            shapeMix(&h, raw.loadUnaligned(as: UInt64.self))
            shapeMix(&h, raw.loadUnaligned(fromByteOffset: ((n &- 4) &>> 1) &* 2, as: UInt64.self))
            shapeMix(&h, raw.loadUnaligned(fromByteOffset: (n &- 4) &* 2, as: UInt64.self))
        } else {
            for i in 0..<n { shapeMix(&h, UInt64(p[i])) }
        }
    }
}

@inline(__always)
func shapeFinish(_ x: UInt64) -> UInt64 {
    var h = x
    h ^= h &>> 33; h = h &* 0xFF51_AFD7_ED55_8CCD
    h ^= h &>> 33; h = h &* 0xC4CE_B9FE_1A85_EC53
    return h ^ (h &>> 33)
}

/// The fields of a ClientHello the JSON writes from its shared part: read from the hello itself
/// when its text is written field by field, from a remembered shape when it is stored.
protocol HelloFields {
    var legacyVersion: UInt16 { get }
    var maxVersion: UInt16 { get }
    var sslv2Format: Bool { get }
    var supportedVersions: [UInt16] { get }
    var cipherSuites: [UInt16] { get }
    var alpn: [String] { get }
    var supportedGroups: [UInt16] { get }
    var keyShares: [ClientHelloInfo.KeyShare] { get }
    var signatureAlgorithms: [UInt16] { get }
    var extensions: [UInt16] { get }
    var ja3Hash: String? { get }
    var ja3: String? { get }
    var ja4: String? { get }
    var ja4r: String? { get }
}

extension ClientHelloInfo: HelloFields {}

/// What the JSON of a ClientHello writes from its shared part (everything but the packet, the
/// record version, the server name, the size, the segments and the records).
struct HelloShape: HelloFields {
    var legacyVersion: UInt16
    var maxVersion: UInt16
    var sslv2Format: Bool
    var supportedVersions: [UInt16]
    var cipherSuites: [UInt16]
    var alpn: [String]
    var supportedGroups: [UInt16]
    var keyShares: [ClientHelloInfo.KeyShare]
    var signatureAlgorithms: [UInt16]
    var extensions: [UInt16]
    var ja3Hash: String?
    var ja3: String?
    var ja4: String?
    var ja4r: String?

    @inline(__always)
    init(_ ch: ClientHelloInfo) {
        legacyVersion = ch.legacyVersion; maxVersion = ch.maxVersion; sslv2Format = ch.sslv2Format
        supportedVersions = ch.supportedVersions; cipherSuites = ch.cipherSuites; alpn = ch.alpn
        supportedGroups = ch.supportedGroups; keyShares = ch.keyShares
        signatureAlgorithms = ch.signatureAlgorithms; extensions = ch.extensions
        ja3Hash = ch.ja3Hash; ja3 = ch.ja3; ja4 = ch.ja4; ja4r = ch.ja4r
    }

    /// From the versions and three of the lists (the ones clients vary most).
    @inline(__always)
    static func hash(legacyVersion: UInt16, maxVersion: UInt16, cipherSuites: [UInt16], extensions: [UInt16], supportedGroups: [UInt16]) -> UInt64 {
        var h = UInt64(legacyVersion) | UInt64(maxVersion) &<< 16
        shapeMix(&h, cipherSuites)
        shapeMix(&h, extensions)
        shapeMix(&h, supportedGroups)
        return shapeFinish(h)
    }

    var hash: UInt64 {
        HelloShape.hash(legacyVersion: legacyVersion, maxVersion: maxVersion, cipherSuites: cipherSuites, extensions: extensions,
                        supportedGroups: supportedGroups)
    }

    /// Whether `ch`'s shared part equals this (`HelloShape(ch) == self`), field by field: each of
    /// the hello's values is read, compared and let go, without making a shape (the suites and
    /// extensions and groups, read for the hash, are passed in).
    @inline(__always)
    func matches(_ ch: ClientHelloInfo, cipherSuites suites: [UInt16], extensions exts: [UInt16], supportedGroups groups: [UInt16]) -> Bool {
        cipherSuites == suites && extensions == exts && supportedGroups == groups
            && legacyVersion == ch.legacyVersion && maxVersion == ch.maxVersion && sslv2Format == ch.sslv2Format
            && supportedVersions == ch.supportedVersions
            && signatureAlgorithms == ch.signatureAlgorithms && keyShares == ch.keyShares && alpn == ch.alpn
            && ja3Hash == ch.ja3Hash && ja3 == ch.ja3 && ja4 == ch.ja4 && ja4r == ch.ja4r
    }
}

/// A ServerHello's key: the ServerHello itself, compared on the fields its JSON writes (all but
/// the record version and the session id length), field by field in place (no copy).
extension ServerHelloInfo {
    @inline(__always)
    var shapeHash: UInt64 {
        var h = UInt64(version) | UInt64(cipherSuite) &<< 16 | UInt64(truncatingIfNeeded: size) &<< 32
        shapeMix(&h, (keyShareGroup.map { UInt64($0) } ?? 0x1_0000) | UInt64(legacyVersion) &<< 20 | (isHelloRetryRequest ? 1 &<< 40 : 0))
        shapeMix(&h, extensions)
        return shapeFinish(h)
    }

    /// Whether `other` writes the same JSON but for its packet: equal in every field but the
    /// record version and the session id length.
    @inline(__always)
    func sameShape(_ o: ServerHelloInfo) -> Bool {
        version == o.version && cipherSuite == o.cipherSuite && legacyVersion == o.legacyVersion
            && compressionMethod == o.compressionMethod && keyShareGroup == o.keyShareGroup && size == o.size
            && isHelloRetryRequest == o.isHelloRetryRequest && hrrSelectedGroup == o.hrrSelectedGroup && hrrCookie == o.hrrCookie
            && downgradeSentinel == o.downgradeSentinel && extensions == o.extensions && alpn == o.alpn
    }
}

/// A certificate chain by the identity of its array's storage (see `ShapeMemo`): the entry keeps
/// the array, so the storage stays alive and unchanged while it is remembered.
struct ChainIdentity {
    let list: [CertificateInfo]

    @inline(__always)
    var address: UInt {
        list.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    /// The same storage (and so the same certificates).
    @inline(__always)
    func same(_ b: ChainIdentity) -> Bool {
        list.count == b.list.count && address == b.address
    }

    var hash: UInt64 {
        var h = UInt64(address)
        shapeMix(&h, UInt64(truncatingIfNeeded: list.count))
        return shapeFinish(h)
    }
}

/// What a line writes after a ServerHello besides the ServerHello itself (`ServerHelloEntry.whole`):
/// the certificate chain, by the identity of its array's storage (as `ChainIdentity`), the key
/// exchange (its kind by the identity of its String, as `StringMemo`, its numbers), whether a
/// client certificate was asked for, the client certificates' count and resumption. Plain
/// values, compared without a reference taken; the entry that stores one keeps the chain and the
/// kind alive (`ServerHelloEntry.wholeKept`), so that while it does their identities are theirs.
struct ServerWhole: Equatable {
    var chainAddress: UInt
    var chainCount: Int
    var kind: (UInt64, UInt64)
    /// Bits 0-15: the group; then flags (`init`).
    var flags: UInt64
    var dhPrimeBits: Int
    var publicKeyLength: Int
    var clientCertificates: Int

    /// The facts' values, the chain and the key exchange read where the facts keep them (bound to
    /// names, each was a reference taken and let go a line).
    @inline(__always)
    init(_ h: HandshakeFacts) {
        chainAddress = h.certificates.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        chainCount = h.certificates.count
        var f: UInt64 = 0
        if h.certificateRequested { f |= 1 &<< 16 }
        if h.resumed { f |= 1 &<< 17 }
        if let c = h.clientCertificateCount { clientCertificates = c } else { clientCertificates = 0; f |= 1 &<< 18 }
        if let k = h.keyExchange.map({ unsafeBitCast($0.kind, to: (UInt64, UInt64).self) }) {
            f |= 1 &<< 19
            kind = k
            if let g = h.keyExchange?.group { f |= UInt64(g) } else { f |= 1 &<< 20 }
            if let d = h.keyExchange?.dhPrimeBits { dhPrimeBits = d } else { dhPrimeBits = 0; f |= 1 &<< 21 }
            if let p = h.keyExchange?.publicKeyLength { publicKeyLength = p } else { publicKeyLength = 0; f |= 1 &<< 22 }
        } else {
            kind = (0, 0)
            dhPrimeBits = 0
            publicKeyLength = 0
        }
        flags = f
    }

    static func == (a: ServerWhole, b: ServerWhole) -> Bool {
        a.chainAddress == b.chainAddress && a.chainCount == b.chainCount && a.kind.0 == b.kind.0 && a.kind.1 == b.kind.1
            && a.flags == b.flags && a.dhPrimeBits == b.dhPrimeBits && a.publicKeyLength == b.publicKeyLength
            && a.clientCertificates == b.clientCertificates
    }

    /// A hash of all of it (never 0).
    var signature: UInt64 {
        var h = flags
        shapeMix(&h, UInt64(chainAddress) ^ UInt64(truncatingIfNeeded: chainCount) &<< 56)
        shapeMix(&h, kind.0)
        shapeMix(&h, kind.1)
        shapeMix(&h, UInt64(truncatingIfNeeded: dhPrimeBits) ^ UInt64(truncatingIfNeeded: publicKeyLength) &<< 32)
        shapeMix(&h, UInt64(truncatingIfNeeded: clientCertificates))
        return shapeFinish(h) | 1
    }
}
