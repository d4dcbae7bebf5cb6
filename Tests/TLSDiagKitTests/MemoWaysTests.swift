import Testing
import Handshake
@testable import Reports

// The memos keyed by an object's address (`HelloBoxTable`, `StringMemo`) and the shape tables are
// set-associative: keys that fall in one set, wherever the heap put them, stay together up to the
// set's ways; one more lets one go (the tables stay bounded).

private final class Box {}

@Test func aHelloBoxTableKeepsFourBoxesOfOneSet() throws {
    let r = try #require(try analyzeReports(of: Repo.capture("02-ok-tls12-ecdhe-rsa.pcap")).first { $0.handshake.clientHello != nil })
    let ch = try #require(r.handshake.clientHello)
    let text: [UInt8] = Array("abc".utf8)
    let entry = text.withUnsafeBufferPointer { HelloEntry(key: HelloShape(ch), hash: 1, copying: $0.baseAddress!, [(0, 3)]) }
    let table = HelloBoxTable(slots: 8)  // two sets of four
    // Boxes until five fall in one set (all kept alive, so their addresses differ).
    var all: [Box] = []
    var bySet: [Int: [Box]] = [:]
    var same: [Box] = []
    while same.count < HelloBoxTable.ways + 1 {
        let b = Box()
        all.append(b)
        let s = table.set(HelloBoxTable.address(b))
        bySet[s, default: []].append(b)
        if bySet[s]!.count > same.count { same = bySet[s]! }
    }
    for b in same.prefix(HelloBoxTable.ways) { table.remember(b, Unmanaged.passUnretained(entry)) }
    for b in same.prefix(HelloBoxTable.ways) {
        #expect(table.lookup(HelloBoxTable.address(b))?.takeUnretainedValue() === entry)
    }
    // Hits (in any order) move nothing: all four are still there.
    for b in same.prefix(HelloBoxTable.ways).reversed() { _ = table.lookup(HelloBoxTable.address(b)) }
    for b in same.prefix(HelloBoxTable.ways) { #expect(table.lookup(HelloBoxTable.address(b)) != nil) }
    // A fifth lets the first remembered go, and keeps the other three.
    table.remember(same[HelloBoxTable.ways], Unmanaged.passUnretained(entry))
    #expect(table.lookup(HelloBoxTable.address(same[0])) == nil)
    for b in same.dropFirst() { #expect(table.lookup(HelloBoxTable.address(b)) != nil) }
    #expect(table.remembered == HelloBoxTable.ways + 1)
    _ = all
}

@Test func aShapeTableKeepsTwoKeysOfOneSet() {
    let table = ShapeTable(slots: 4)  // two sets of two
    let bytes: [UInt8] = Array("0123456789".utf8)
    // Three hashes of set 1 ((hash >> 7) & 1).
    let hashes: [UInt64] = [0x80, 0x180, 0x280]
    #expect(Set(hashes.map { table.set($0) }).count == 1)
    let entries = hashes.map { h in bytes.withUnsafeBufferPointer { ChainEntry(key: ChainIdentity(list: []), hash: h, copying: $0.baseAddress!, [(0, 10)]) } }
    for (h, e) in zip(hashes, entries).prefix(2) {
        #expect(!table.wantsStore(h))  // the first miss only marks it
        #expect(table.wantsStore(h))
        table.store(e)
    }
    for (h, e) in zip(hashes, entries).prefix(2) {
        #expect(table.lookup(h, ChainEntry.self, matching: { $0 === e }) != nil)
    }
    // Both were used since stored: a third key spares them instead of pushing one out.
    #expect(!table.wantsStore(hashes[2]))
    #expect(!table.wantsStore(hashes[2]))
    #expect(table.holds(hashes[0], ChainEntry.self, matching: { $0 === entries[0] }))
    #expect(table.holds(hashes[1], ChainEntry.self, matching: { $0 === entries[1] }))
    // Once spared and not used again, the older way goes to the third key.
    #expect(table.wantsStore(hashes[2]))
    table.store(entries[2])
    #expect(table.holds(hashes[2], ChainEntry.self, matching: { $0 === entries[2] }))
    #expect(table.hits == 2)
    #expect(table.holds(hashes[0], ChainEntry.self, matching: { $0 === entries[0] }) != table.holds(hashes[1], ChainEntry.self, matching: { $0 === entries[1] }))
}

private func escaped(_ s: String, _ context: JSONLineContext, memo: Bool) -> String {
    var o = JSONOut(context: context)
    if memo { o.sharedString(s) } else { o.string(s) }
    let text = String(decoding: o.bytes, as: UTF8.self)
    o.finish(into: context)
    return text
}

@Test func aStringMemoKeepsFourStringsOfOneSetTakingTurns() throws {
    let context = JSONLineContext()
    // Heap strings (longer than 15 bytes) until four fall in one set; all kept alive.
    var all: [String] = []
    var bySet: [Int: [String]] = [:]
    var same: [String] = []
    var i = 0
    while same.count < StringMemo.ways {
        let s = "a recurring verdict text \"\(i)\" of the diagnosis"
        i += 1
        all.append(s)
        let (k0, k1) = try #require(StringMemo.words(s))
        let set = StringMemo.slot(StringMemo.hash(k0, k1))
        bySet[set, default: []].append(s)
        if bySet[set]!.count > same.count { same = bySet[set]! }
    }
    // Taking turns, as the texts of lines do: each is stored on its second miss and then stays.
    for _ in 0..<4 {
        for s in same { #expect(escaped(s, context, memo: true) == escaped(s, context, memo: false)) }
    }
    for s in same {
        let (k0, k1) = try #require(StringMemo.words(s))
        #expect(context.strings.lookup(StringMemo.slot(StringMemo.hash(k0, k1)), k0, k1) != nil, "\(s)")
    }
    _ = all
}
