import Foundation
import Testing
import NetCore
import FlowTrack
import PacketDecode
import PcapIO
import TLSWire
import TLSFingerprint
@testable import Handshake

// The handshake observer reads a hello once per distinct shape: a ClientHello or ServerHello whose
// body equals one seen before but for the bytes that differ from connection to connection
// (random, session id, key shares, PSK identities and binders) gets the facts kept for that body.
// These tests hold the memoised facts against facts computed independently, from TLSWire's and
// TLSFingerprint's public API as the adapter computed them before it had memos, for every hello
// of the repository's captures and of the shared corpus, and for variants of them with the
// per-connection bytes changed.

// MARK: - Hellos out of captures

/// A HandshakeObserver that also keeps the first 64 KiB of each direction's stream.
struct RecordingObserver: ConnectionObserver {
    var inner: HandshakeObserver
    var streams: [[UInt8]] = [[], []]

    init(connection: ConnectionFacts) { inner = HandshakeObserver(connection: connection) }

    mutating func streamAdvanced(_ direction: Direction, stream: UnsafeRawBufferPointer, newBytes: Int,
                                 packet: PacketStamp, facts: ConnectionFacts) -> Interest {
        streams[Int(direction.rawValue)] = Array(stream.prefix(64 * 1024))
        let answer = inner.streamAdvanced(direction, stream: stream, newBytes: newBytes, packet: packet, facts: facts)
        if answer == .swapRoles { streams.swapAt(0, 1) }
        return answer
    }

    mutating func tcpEvent(_ event: TCPEvent, direction: Direction, packet: PacketStamp, facts: ConnectionFacts) {
        inner.tcpEvent(event, direction: direction, packet: packet, facts: facts)
    }
}

/// The handshake message bodies of one type in a stream read as TLS from its first byte.
func handshakeBodies(_ stream: [UInt8], type: UInt8) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var reader = TLSStreamReader()
    stream.withUnsafeBytes { s in
        for _ in 0..<64 {
            switch reader.next(in: s) {
            case .handshake(let m) where m.type.rawValue == type:
                if let b = m.bodyBytes(in: s.bytes) { out.append(b) }
            case .changeCipherSpec:
                return  // what follows may be encrypted
            case .needMore, .malformed:
                return
            default:
                continue
            }
        }
    }
    return out
}

/// Every capture of Captures/ and of the shared corpus.
func allCapturePaths() throws -> [String] {
    let fm = FileManager.default
    var paths = try fm.contentsOfDirectory(atPath: Repo.captures.path).filter { $0.contains(".pcap") }
        .sorted().map { Repo.captures.appendingPathComponent($0).path }
    // The shared corpus must be there (CI has it beside the clone): its absence is a failure.
    try #require(fm.fileExists(atPath: Repo.corpus.path), "the shared corpus is missing at \(Repo.corpus.path)")
    let e = try #require(fm.enumerator(atPath: Repo.corpus.path))
    for case let f as String in e where f.hasSuffix(".pcap") || f.hasSuffix(".pcapng") || f.hasSuffix(".cap") {
        paths.append(Repo.corpus.appendingPathComponent(f).path)
    }
    return paths
}

/// The ClientHello and ServerHello bodies of every TCP connection of a capture.
func helloBodies(path: String) -> (client: [[UInt8]], server: [[UInt8]]) {
    var client: [[UInt8]] = [], server: [[UInt8]] = []
    guard let reader = try? CaptureReader(path: path) else { return ([], []) }
    var decoder = PacketDecoder(linkType: reader.linkType)
    let table = FlowTable<RecordingObserver> { _, observer in
        client += handshakeBodies(observer.streams[0], type: 1)
        server += handshakeBodies(observer.streams[1], type: 2)
    }
    while let p = try? reader.next() {
        if case .packet(let d, let payload) = decoder.decode(p.bytes, wireLength: p.wireLength, time: p.stamp.time) {
            table.process(d, payload: payload, stamp: p.stamp)
        }
    }
    table.finishAll()
    return (client, server)
}

// MARK: - Independent facts

/// A ClientHello's facts as the adapter made them before the memos, from public API only (the
/// values the observer adds, record version and TCP segments, left at 0).
func referenceClientHello(_ body: [UInt8]) -> ClientHelloInfo? {
    body.withUnsafeBytes { raw -> ClientHelloInfo? in
        let span = raw.bytes
        guard let hello = try? ClientHello(body: span) else { return nil }
        let s = ClientHelloSummary(hello, body: span)
        var info = ClientHelloInfo()
        info.legacyVersion = s.legacyVersion.rawValue
        info.maxVersion = s.maxVersion.rawValue
        info.supportedVersions = s.supportedVersions.map(\.rawValue)
        info.cipherSuites = s.cipherSuites.map(\.rawValue)
        info.compressionMethods = s.compressionMethods.map(\.rawValue)
        info.extensions = s.extensions.map(\.rawValue)
        info.sni = s.sni
        info.alpn = s.alpn
        info.supportedGroups = s.supportedGroups.map(\.rawValue)
        info.keyShares = s.keyShares.map { ClientHelloInfo.KeyShare(group: $0.group.rawValue, keyLength: $0.keyLength) }
        info.signatureAlgorithms = s.signatureAlgorithms.map(\.rawValue)
        info.signatureAlgorithmsCert = s.signatureAlgorithmsCert.map(\.rawValue)
        info.ecPointFormats = s.ecPointFormats.map(\.rawValue)
        info.pskModes = s.pskModes.map(\.rawValue)
        info.pskIdentities = s.pskIdentityCount
        info.sessionIDLength = s.sessionIDLength
        info.sessionID = span.tlsBytes(hello.sessionID)
        info.hasEarlyData = s.hasEarlyData
        info.echOuter = s.ech?.isOuter ?? false
        info.size = 4 + body.count
        info.records = 1
        var alpnFirst: [UInt8]?
        if hello.alpn != nil {
            var first: Range<Int>?
            hello.view(span).alpnProtocols.forEach { r in if first == nil { first = r } }
            alpnFirst = first.map { span.tlsBytes($0) } ?? []
        }
        let input = FingerprintInput(transport: .tcp, legacyVersion: info.legacyVersion, supportedVersions: info.supportedVersions,
                                     cipherSuites: info.cipherSuites, extensions: info.extensions,
                                     supportedGroups: info.supportedGroups, ecPointFormats: info.ecPointFormats,
                                     signatureAlgorithms: info.signatureAlgorithms, hasSNI: info.sni != nil, alpnFirst: alpnFirst)
        let ja3 = JA3.stringAndHash(input)
        let ja4 = JA4.fingerprintAndRaw(input)
        info.ja3 = ja3.string
        info.ja3Hash = ja3.hash
        info.ja4 = ja4.fingerprint
        info.ja4r = ja4.raw
        return info
    }
}

/// A ServerHello's facts as the adapter made them before the memos.
func referenceServerHello(_ body: [UInt8], recordVersion: UInt16) -> ServerHelloInfo? {
    body.withUnsafeBytes { raw -> ServerHelloInfo? in
        let span = raw.bytes
        guard let sh = try? ServerHello(body: span) else { return nil }
        var info = ServerHelloInfo()
        info.recordVersion = recordVersion
        info.legacyVersion = sh.legacyVersion.rawValue
        info.version = sh.negotiatedVersion.rawValue
        info.cipherSuite = sh.cipherSuite.rawValue
        info.compressionMethod = sh.compressionMethod.rawValue
        info.extensions = sh.extensionList(span).types.map(\.rawValue)
        info.keyShareGroup = sh.keyShareGroup?.rawValue
        info.alpn = sh.alpnProtocol(span)
        info.sessionIDLength = sh.sessionID.count
        info.isHelloRetryRequest = sh.isHelloRetryRequest
        info.hrrSelectedGroup = sh.selectedGroup?.rawValue
        info.hrrCookie = sh.hasCookie
        switch sh.downgradeSentinel {
        case .tls12: info.downgradeSentinel = 1
        case .tls11OrBelow: info.downgradeSentinel = 0
        default: info.downgradeSentinel = nil
        }
        info.size = 4 + body.count
        return info
    }
}

func message(_ type: UInt8, _ body: [UInt8]) -> HandshakeMessage {
    HandshakeMessage(type: HandshakeType(type), length: body.count, streamOffset: 0, recordOffset: 0, recordCount: 1, body: .owned(body))
}

func adapterClientHello(_ body: [UInt8]) -> ClientHelloInfo? {
    TLSAdapter.clientHello(message(1, body), stream: UnsafeRawBufferPointer(start: nil, count: 0))?.info
}

func adapterServerHello(_ body: [UInt8], recordVersion: UInt16) -> ServerHelloInfo? {
    TLSAdapter.serverHello(message(2, body), stream: UnsafeRawBufferPointer(start: nil, count: 0), recordVersion: recordVersion)?.value
}

// MARK: - Per-connection bytes

/// The ranges of a ClientHello body that `HelloBody` leaves out, found with TLSWire's parser.
func clientHelloVariableRanges(_ body: [UInt8]) -> [Range<Int>] {
    body.withUnsafeBytes { raw -> [Range<Int>] in
        let span = raw.bytes
        guard let hello = try? ClientHello(body: span) else { return [] }
        var out = [hello.random, hello.sessionID]
        hello.view(span).keyShares.forEach { _, key in out.append(key) }
        if let ext = hello.extensions {
            ExtensionList(span, ext).forEach { e in
                guard e.type.rawValue == 41 else { return }
                // identities: identity bytes and obfuscated_ticket_age; then the binders' bytes.
                var r = TLSReader(span, range: e.data)
                do {
                    var ids = try r.readU16PrefixedReader()
                    while !ids.isAtEnd {
                        out.append(try ids.readU16Prefixed())
                        out.append(try ids.skip(4))
                    }
                    out.append(try r.readU16Prefixed())
                } catch {}
            }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// A copy with every byte of `ranges` replaced by generated ones.
func scrambled(_ body: [UInt8], _ ranges: [Range<Int>], seed: UInt64) -> [UInt8] {
    var out = body
    var x = seed | 1
    for r in ranges {
        for i in r {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x)
        }
    }
    return out
}

/// A copy with the extensions in another order (pre_shared_key kept last, as RFC 8446 requires
/// and Chrome does), found with TLSWire's parser; nil when there are fewer than two to move.
func shuffledExtensions(_ body: [UInt8], seed: UInt64) -> [UInt8]? {
    body.withUnsafeBytes { raw -> [UInt8]? in
        let span = raw.bytes
        guard let hello = try? ClientHello(body: span), let ext = hello.extensions else { return nil }
        var blocks: [Range<Int>] = []
        ExtensionList(span, ext).forEach { e in blocks.append((e.data.lowerBound - 4)..<e.data.upperBound) }
        guard blocks.last?.upperBound == ext.upperBound else { return nil }
        var movable = blocks.count
        if let last = blocks.last, body[last.lowerBound] == 0, body[last.lowerBound + 1] == 41 { movable -= 1 }
        guard movable >= 2 else { return nil }
        var order = Array(0..<movable)
        var x = seed | 1
        for i in stride(from: movable - 1, to: 0, by: -1) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            order.swapAt(i, Int(x % UInt64(i + 1)))
        }
        if order == Array(0..<movable) { order.swapAt(0, 1) }
        var out = Array(body[..<ext.lowerBound])
        for i in order { out += body[blocks[i]] }
        for i in movable..<blocks.count { out += body[blocks[i]] }
        out += body[ext.upperBound...]
        return out
    }
}

func helloKey(_ body: [UInt8]) -> [UInt8]? {
    body.withUnsafeBytes { b -> [UInt8]? in
        withUnsafeTemporaryAllocation(byteCount: max(HelloBody.capacity(b), 1), alignment: 8) { buf -> [UInt8]? in
            HelloBody.write(b, into: buf).map { [UInt8](UnsafeRawBufferPointer(rebasing: buf[..<$0])) }
        }
    }
}

/// The shape memo's key (`HelloKey`) of a ClientHello body.
func shapeKey(_ body: [UInt8]) -> [UInt8]? {
    body.withUnsafeBytes { b -> [UInt8]? in
        guard let hello = try? ClientHello(body: b.bytes) else { return nil }
        return withUnsafeTemporaryAllocation(byteCount: HelloKey.capacity(hello, b), alignment: 8) { buf -> [UInt8] in
            let n = HelloKey.write(hello, b, into: buf)
            return [UInt8](UnsafeRawBufferPointer(rebasing: buf[..<n]))
        }
    }
}

/// A copy with one more (empty, unassigned) extension at the front of the list.
func withExtraExtension(_ body: [UInt8]) -> [UInt8]? {
    body.withUnsafeBytes { raw -> [UInt8]? in
        guard let hello = try? ClientHello(body: raw.bytes), let ext = hello.extensions else { return nil }
        let length = ext.count + 4
        guard length <= 0xffff else { return nil }
        var out = Array(body[..<(ext.lowerBound - 2)])
        out += [UInt8(length >> 8), UInt8(length & 0xff), 0xfe, 0x77, 0, 0]
        out += body[ext.lowerBound...]
        return out
    }
}

func serverHelloKey(_ body: [UInt8], recordVersion: UInt16 = 0x0303) -> [UInt8]? {
    body.withUnsafeBytes { b -> [UInt8]? in
        withUnsafeTemporaryAllocation(byteCount: ServerHelloBody.capacity(b), alignment: 8) { buf -> [UInt8]? in
            ServerHelloBody.write(b, recordVersion: recordVersion, into: buf).map { [UInt8](UnsafeRawBufferPointer(rebasing: buf[..<$0])) }
        }
    }
}

// MARK: - Tests

@Suite("Handshake memos", .serialized)
struct HandshakeMemoTests {
    /// All hellos of the repository's captures and the shared corpus (distinct bodies).
    static let hellos: (client: [[UInt8]], server: [[UInt8]]) = {
        var client = Set<[UInt8]>(), server = Set<[UInt8]>()
        for path in (try? allCapturePaths()) ?? [] {
            let h = helloBodies(path: path)
            client.formUnion(h.client)
            server.formUnion(h.server)
        }
        return (client.sorted { $0.lexicographicallyPrecedes($1) }, server.sorted { $0.lexicographicallyPrecedes($1) })
    }()

    @Test func capturesHaveHellos() throws {
        _ = try allCapturePaths()
        #expect(Self.hellos.client.count >= 100, "ClientHellos found: \(Self.hellos.client.count)")
        #expect(Self.hellos.server.count >= 50, "ServerHellos found: \(Self.hellos.server.count)")
    }

    @Test func clientHellosFromTheMemoEqualTheirIndependentFacts() {
        var hits = 0
        for body in Self.hellos.client {
            let reference = referenceClientHello(body)
            // First (maybe a miss, kept), then again (a hit when the body has a key).
            #expect(adapterClientHello(body) == reference)
            #expect(adapterClientHello(body) == reference)
            // The same hello with other per-connection bytes: the kept facts but for the session id.
            let ranges = clientHelloVariableRanges(body)
            for seed: UInt64 in [1, 2] {
                let variant = scrambled(body, ranges, seed: seed)
                if helloKey(variant) != nil { hits += 1 }
                #expect(adapterClientHello(variant) == referenceClientHello(variant))
            }
        }
        #expect(hits > 100)
    }

    /// Hellos with their extensions shuffled (as Chrome and Firefox send them): the shape memo
    /// gives them the kept template with their own extension order and JA3, which must be exactly
    /// what the hello computed in full has. Each variant comes after its original (a hit in the
    /// shape memo), and again (shuffled hellos are not kept by body: parsed again).
    @Test func clientHellosWithShuffledExtensionsEqualTheirIndependentFacts() {
        var shuffled = 0, reordered = 0
        for body in Self.hellos.client {
            _ = adapterClientHello(body)
            for seed: UInt64 in [3, 4, 5] {
                guard let variant = shuffledExtensions(body, seed: seed) else { continue }
                shuffled += 1
                let reference = referenceClientHello(variant)
                let a = adapterClientHello(variant)
                #expect(a == reference)
                #expect(adapterClientHello(variant) == reference)
                // With new per-connection bytes as well.
                #expect(adapterClientHello(scrambled(variant, clientHelloVariableRanges(variant), seed: seed)) ==
                        referenceClientHello(scrambled(variant, clientHelloVariableRanges(variant), seed: seed)))
                if let a, let r = referenceClientHello(body), a.extensions != r.extensions { reordered += 1 }
            }
        }
        #expect(shuffled > 200, "shuffled hellos: \(shuffled)")
        #expect(reordered > 200, "hellos whose order differed from the kept one: \(reordered)")
    }

    @Test func shapeKeysIgnoreTheOrderOfExtensionsOnly() throws {
        var checked = 0
        for body in Self.hellos.client.prefix(80) {
            guard let variant = shuffledExtensions(body, seed: 7) else { continue }
            let k = try #require(shapeKey(body)), kv = try #require(shapeKey(variant))
            #expect(k == kv)
            // A suite more or less, or another extension, is another shape.
            if let more = withExtraExtension(body) { #expect(shapeKey(more) != k) }
            checked += 1
        }
        #expect(checked > 20)
    }

    @Test func ja3SplicedEqualsJA3Computed() {
        var checked = 0
        for body in Self.hellos.client {
            guard let a = referenceClientHello(body), let ja3 = a.ja3, let variant = shuffledExtensions(body, seed: 11),
                  let b = referenceClientHello(variant) else { continue }
            let spliced = b.extensions.withUnsafeBufferPointer { TLSAdapter.ja3WithExtensions(ja3, $0) }
            #expect(spliced?.0 == b.ja3)
            #expect(spliced?.1 == b.ja3Hash)
            checked += 1
        }
        #expect(checked > 100)
        // Not JA3's shape: no splice.
        #expect([UInt16(1)].withUnsafeBufferPointer { TLSAdapter.ja3WithExtensions("771,1-2,3", $0) } == nil)
        #expect([UInt16(1)].withUnsafeBufferPointer { TLSAdapter.ja3WithExtensions("771,1,2,3,4,5", $0) } == nil)
        #expect([UInt16(0x0a0a), 65535, 0, 10].withUnsafeBufferPointer { TLSAdapter.ja3WithExtensions("771,4865,,29,0", $0)?.0 } == "771,4865,65535-0-10,29,0")
    }

    @Test func helloKeySortsTheExtensionTypesAsASortWould() {
        // The key's insertion sort against the standard library's, on lists of many lengths.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for n in [0, 1, 2, 3, 7, 16, 17, 40, 100] {
            for _ in 0..<20 {
                var values: [UInt16] = []
                for _ in 0..<n {
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    // Few distinct values now and then, so that equal types occur.
                    values.append(UInt16(truncatingIfNeeded: seed >> (n % 3 == 0 ? 61 : 48)))
                }
                var sorted = values
                sorted.withUnsafeMutableBufferPointer { HelloKey.insertionSort($0.baseAddress!, n) }
                #expect(sorted == values.sorted(), "\(values)")
            }
        }
        // The key given the types read beforehand is the key.
        var checked = 0
        for body in Self.hellos.client.prefix(80) {
            guard let variant = shuffledExtensions(body, seed: 13) else { continue }
            let direct = shapeKey(variant)
            let viaTypes: [UInt8]? = variant.withUnsafeBytes { b in
                guard let hello = try? ClientHello(body: b.bytes) else { return nil }
                return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: HelloKey.maxExtensionTypes(hello, b)) { t in
                    let n = HelloKey.extensionTypes(hello, b, into: t)
                    return withUnsafeTemporaryAllocation(byteCount: HelloKey.capacity(hello, b), alignment: 8) { buf in
                        let used = HelloKey.write(hello, b, types: UnsafeBufferPointer(rebasing: t[..<n]), into: buf)
                        return [UInt8](UnsafeRawBufferPointer(rebasing: buf[..<used]))
                    }
                }
            }
            #expect(direct != nil && viaTypes == direct)
            checked += 1
        }
        #expect(checked > 20)
    }

    @Test func clientHelloKeysLeaveOutOnlyPerConnectionBytes() {
        var checked = 0
        for body in Self.hellos.client.prefix(60) {
            guard let key = helloKey(body) else { continue }
            let ranges = clientHelloVariableRanges(body)
            #expect(helloKey(scrambled(body, ranges, seed: 99)) == key, "per-connection bytes changed the key")
            // Any other byte changed: another key, or none (the hello is then parsed).
            let variable = Set(ranges.flatMap { Array($0) })
            for i in body.indices where !variable.contains(i) {
                var changed = body
                changed[i] ^= 0x01
                #expect(helloKey(changed) != key, "byte \(i) of \(body.count)")
            }
            checked += 1
        }
        #expect(checked > 20)
    }

    @Test func serverHellosFromTheMemoEqualTheirIndependentFacts() {
        for body in Self.hellos.server {
            for recordVersion: UInt16 in [0x0303, 0x0301] {
                let reference = referenceServerHello(body, recordVersion: recordVersion)
                #expect(adapterServerHello(body, recordVersion: recordVersion) == reference)
                #expect(adapterServerHello(body, recordVersion: recordVersion) == reference)
            }
            // Random (all but the last 8 bytes, unless it is the HelloRetryRequest one), session id
            // and key share bytes changed.
            let variant = body.withUnsafeBytes { raw -> [UInt8] in
                guard let sh = try? ServerHello(body: raw.bytes) else { return body }
                var ranges = [sh.sessionID]
                if !sh.isHelloRetryRequest {
                    ranges.append(sh.random.lowerBound ..< sh.random.upperBound - 8)
                    if let ext = sh.extensions {
                        ExtensionList(raw.bytes, ext).forEach { e in
                            if e.type.rawValue == 51 || e.type.rawValue == 40, e.data.count > 4 { ranges.append(e.data.lowerBound + 4 ..< e.data.upperBound) }
                        }
                    }
                }
                return scrambled(body, ranges, seed: 5)
            }
            if let k = serverHelloKey(body) { #expect(serverHelloKey(variant) == k) }
            #expect(adapterServerHello(variant, recordVersion: 0x0303) == referenceServerHello(variant, recordVersion: 0x0303))
        }
    }

    @Test func serverHelloKeysTellHelloRetryRequestsAndRecordVersionsApart() throws {
        // A minimal ServerHello: version, random, empty session id, suite, compression, no extensions.
        var body: [UInt8] = [3, 3] + [UInt8](repeating: 0x11, count: 32) + [0, 0x13, 0x01, 0]
        let k = try #require(serverHelloKey(body))
        #expect(serverHelloKey(body, recordVersion: 0x0301) != k)
        body.replaceSubrange(2..<34, with: ServerHello.helloRetryRequestRandom)
        #expect(serverHelloKey(body) != k)
        #expect(adapterServerHello(body, recordVersion: 0x0303)?.isHelloRetryRequest == true)
        // The TLS 1.3 drafts' layout has no key.
        #expect(serverHelloKey([0x7f, 0x12] + [UInt8](repeating: 0, count: 36)) == nil)
    }
}

// MARK: - Hellos found in place

extension HandshakeMemoTests {
    /// `HelloBody.matches` (a body compared in place with a kept key over the ranges the key left
    /// out of another body) says yes exactly when the body's own key is that key: for every hello
    /// of the captures, with other per-connection bytes, with any one byte changed, shuffled, and
    /// with an extension more.
    @Test func helloBodiesMatchInPlaceExactlyWhenTheirKeysAreEqual() throws {
        var matched = 0, refused = 0
        for body in Self.hellos.client.prefix(120) {
            guard let key = helloKey(body) else {
                #expect(body.withUnsafeBytes { HelloBody.gaps($0) } == nil)
                continue
            }
            let gaps = try #require(body.withUnsafeBytes { HelloBody.gaps($0) })
            // The gaps are what the key left out: the body's length is the key's and theirs.
            var left = 0
            for i in stride(from: 0, to: gaps.count, by: 2) { left += Int(gaps[i + 1] - gaps[i]) }
            #expect(body.count - left == key.count)
            func check(_ v: [UInt8]) {
                let inPlace = v.withUnsafeBytes { b in key.withUnsafeBytes { HelloBody.matches(b, key: $0, gaps: gaps, length: body.count) } }
                let expected = v.count == body.count && helloKey(v) == key
                #expect(inPlace == expected)
                if inPlace { matched += 1 } else { refused += 1 }
            }
            check(body)
            for seed: UInt64 in [21, 22] { check(scrambled(body, clientHelloVariableRanges(body), seed: seed)) }
            for i in stride(from: 0, to: body.count, by: max(1, body.count / 24)) {
                var v = body
                v[i] ^= 0x5a
                check(v)
            }
            if let v = shuffledExtensions(body, seed: 23) { check(v) }
            if let v = withExtraExtension(body) { check(v) }
        }
        #expect(matched > 300, "matched: \(matched)")
        #expect(refused > 300, "refused: \(refused)")
    }

    /// A memo's alike index hands out the entry a lookup or insert pointed its slot at, only when
    /// the caller's check says it is theirs, and forgets it when the memo starts over.
    @Test func bytesMemoAlikeIndexHandsOutCheckedEntriesOnly() {
        let memo = BytesMemo<Int>(maxEntries: 4, maxBytes: 1 << 20)
        let a: [UInt8] = Array(0..<40), b: [UInt8] = Array(1..<41)
        a.withUnsafeBytes { memo.insert($0, alike: 7, 100) }
        #expect(memo.lookupAlike(7, { v, key in v == 100 && Array(key) == a }, { copy $0 }) == 100)
        #expect(memo.lookupAlike(7, { _, _ in false }, { copy $0 }) == nil)
        #expect(memo.lookupAlike(8, { _, _ in true }, { copy $0 }) == nil)
        // A lookup that finds another entry points the slot at it.
        b.withUnsafeBytes { memo.insert($0, 200) }
        #expect(b.withUnsafeBytes { memo.lookup($0, alike: 7) { copy $0 } } == 200)
        #expect(memo.lookupAlike(7, { _, key in Array(key) == b }, { copy $0 }) == 200)
        // Past its limits the memo starts over: the slot points at nothing kept.
        for i in 0..<8 { [UInt8(i), 9, 9].withUnsafeBytes { memo.insert($0, i) } }
        #expect(memo.lookupAlike(7, { _, key in Array(key) == b }, { copy $0 }) == nil)
    }
}

// MARK: - ServerHellos found in place

extension HandshakeMemoTests {
    /// The per-connection ranges of a ServerHello body: the session id, and unless it is a
    /// HelloRetryRequest the whole random and the key share's key bytes.
    static func serverHelloVariableRanges(_ body: [UInt8]) -> [Range<Int>] {
        body.withUnsafeBytes { raw -> [Range<Int>] in
            guard let sh = try? ServerHello(body: raw.bytes) else { return [] }
            var ranges = [sh.sessionID]
            if !sh.isHelloRetryRequest {
                ranges.append(sh.random)
                if let ext = sh.extensions {
                    ExtensionList(raw.bytes, ext).forEach { e in
                        if e.type.rawValue == 51 || e.type.rawValue == 40, e.data.count > 4 { ranges.append(e.data.lowerBound + 4 ..< e.data.upperBound) }
                    }
                }
            }
            return ranges
        }
    }

    /// `ServerHelloBody.matches` (a body compared in place with a kept key) says yes exactly when
    /// the body's own key (`ServerHelloBody.write`) is that key: for every ServerHello of the
    /// captures, with other per-connection bytes, with any one byte changed, with another record
    /// version, and cut short.
    @Test func serverHellosMatchInPlaceExactlyWhenTheirKeysAreEqual() throws {
        var matched = 0, refused = 0, gapMatched = 0
        for body in Self.hellos.server {
            guard let key = serverHelloKey(body) else { continue }
            // The kept body's length and key share gap, as the memo keeps them.
            let gap = body.withUnsafeBytes { ServerHelloBody.keyShareGap($0, recordVersion: 0x0303) }
            func check(_ v: [UInt8], recordVersion: UInt16 = 0x0303) {
                let inPlace = v.withUnsafeBytes { b in key.withUnsafeBytes { ServerHelloBody.matches(b, recordVersion: recordVersion, key: $0) } }
                let expected = serverHelloKey(v, recordVersion: recordVersion) == key
                #expect(inPlace == expected)
                if let gap {
                    let withGap = v.withUnsafeBytes { b in
                        key.withUnsafeBytes { ServerHelloBody.matches(b, recordVersion: recordVersion, key: $0, length: body.count, keyShareGap: gap) }
                    }
                    #expect(withGap == expected)
                    if withGap { gapMatched += 1 }
                }
                if inPlace { matched += 1 } else { refused += 1 }
            }
            check(body)
            check(body, recordVersion: 0x0301)
            for seed: UInt64 in [31, 32] { check(scrambled(body, Self.serverHelloVariableRanges(body), seed: seed)) }
            for i in stride(from: 0, to: body.count, by: max(1, body.count / 24)) {
                var v = body
                v[i] ^= 0x5a
                check(v)
            }
            check(Array(body.dropLast()))
            check(Array(body.dropLast(body.count / 2)))
        }
        #expect(matched > 100, "matched: \(matched)")
        #expect(refused > 300, "refused: \(refused)")
        #expect(gapMatched > 100, "matched with the gap: \(gapMatched)")
    }

    /// A ServerHello's key keeps of the random's last 8 bytes only whether they are a downgrade
    /// sentinel (RFC 8446 §4.1.3): other last bytes give the same key, the two sentinels and
    /// none give three keys, and the facts from the memo say which sentinel each body has.
    @Test func serverHelloKeysKeepOnlyTheDowngradeSentinelOfTheRandom() throws {
        // A minimal TLS 1.2 ServerHello: version, random, empty session id, suite, compression, no extensions.
        func body(tail: [UInt8]) -> [UInt8] { [3, 3] + [UInt8](repeating: 0x21, count: 24) + tail + [0, 0xc0, 0x2f, 0] }
        let plain = try #require(serverHelloKey(body(tail: [1, 2, 3, 4, 5, 6, 7, 8])))
        #expect(serverHelloKey(body(tail: [9, 9, 9, 9, 9, 9, 9, 9])) == plain)
        let downgrd: [UInt8] = Array("DOWNGRD".utf8)
        let tls12 = try #require(serverHelloKey(body(tail: downgrd + [1])))
        let tls11 = try #require(serverHelloKey(body(tail: downgrd + [0])))
        #expect(Set([plain, tls12, tls11]).count == 3)
        // "DOWNGRD" with another last byte is no sentinel.
        #expect(serverHelloKey(body(tail: downgrd + [2])) == plain)
        for (tail, sentinel) in [([UInt8](repeating: 7, count: 8), nil), (downgrd + [1], 1), (downgrd + [0], 0)] as [([UInt8], Int?)] {
            let b = body(tail: tail)
            #expect(adapterServerHello(b, recordVersion: 0x0303)?.downgradeSentinel == sentinel.map { UInt8($0) })
            #expect(adapterServerHello(b, recordVersion: 0x0303) == referenceServerHello(b, recordVersion: 0x0303))
        }
    }
}
