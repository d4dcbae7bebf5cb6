// libFuzzer entry for PacketDecode: PacketDecoder.decode over arbitrary bytes. Build with
// fuzz/build.sh decode, run with fuzz/decode/run.sh.
//
// Input layout:
//   byte 0, low 4 bits: the link type, an index into `linkTypes` (16 entries, the last one a link
//                       type the decoder does not read);
//   byte 0, bit 0x40:   several packets: the rest is a sequence of [length (2, big endian)][bytes],
//                       fed to ONE decoder in order (so IP fragment reassembly is reached), at
//                       times 1 s apart every 4th packet (so the fragment timeout is reached);
//   byte 0, bit 0x80:   the wire length claims 1000 bytes more than were captured (snapshot cut);
//   otherwise the rest is one packet.
// Oracles: no trap (bounds, overflow, force unwrap), no AddressSanitizer report; every payload
// handed out is read whole (so a payload range past its buffer is caught); a payload that did not
// come from fragment reassembly lies inside the packet bytes given; counters add up.
import NetCore
import PacketDecode

let linkTypes: [Int32] = [
    LinkType.ethernet, LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.raw,
    LinkType.rawOpenBSD, LinkType.linktypeRaw, LinkType.ipv4, LinkType.ipv6,
    LinkType.null, LinkType.loop, LinkType.ppp, LinkType.pppSerial,
    LinkType.ciscoHDLC, LinkType.pppEther, LinkType.ethernet, 147 /* DLT_USER0: not decoded */,
]

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@inline(never)
func fuzzOne(_ input: UnsafeRawBufferPointer) {
    guard let selector = input.first else { return }
    let linkType = linkTypes[Int(selector & 0x0F)]
    let cutExtra = selector & 0x80 != 0 ? 1000 : 0
    let rest = UnsafeRawBufferPointer(rebasing: input[1...])
    var decoder = PacketDecoder(linkType: linkType)
    var fed: UInt64 = 0
    if selector & 0x40 == 0 {
        check(&decoder, rest, wireLength: rest.count + cutExtra, time: Timestamp(seconds: 1_700_000_000, nanoseconds: 0))
        fed = 1
    } else {
        var off = 0
        var n: Int64 = 0
        while off + 2 <= rest.count && n < 64 {
            let len = Int(rest[off]) << 8 | Int(rest[off + 1])
            let start = off + 2
            let end = min(rest.count, start + len)
            let packet = UnsafeRawBufferPointer(rebasing: rest[start..<end])
            check(&decoder, packet, wireLength: packet.count + cutExtra,
                  time: Timestamp(seconds: 1_700_000_000 + (n / 4) * 31, nanoseconds: UInt32(n % 4)))
            n += 1
            fed += 1
            off = end
        }
    }
    let c = decoder.counters
    if c.packets != fed { fatalError("packets counted \(c.packets), fed \(fed)") }
    let skipped = c.skipped.values.reduce(0, &+)
    if c.tcp &+ c.udp > c.packets &+ c.datagramsReassembled || skipped > c.packets {
        fatalError("counters do not add up: \(c)")
    }
}

@inline(__always)
func check(_ decoder: inout PacketDecoder, _ bytes: UnsafeRawBufferPointer, wireLength: Int, time: Timestamp) {
    switch decoder.decode(bytes, wireLength: wireLength, time: time) {
    case .packet(let p, let payload):
        var sum = 0
        for b in payload { sum &+= Int(b) }
        blackHole(sum)
        if !p.reassembledFromFragments, payload.count > 0 {
            guard let pb = payload.baseAddress, let bb = bytes.baseAddress,
                  pb >= bb, pb + payload.count <= bb + bytes.count else {
                fatalError("payload outside the packet bytes")
            }
        }
        if p.payloadWireLength < 0 { fatalError("negative payload wire length") }
        if p.tcp != nil && p.ipProtocol != 6 { fatalError("TCP info on protocol \(p.ipProtocol)") }
    case .fragmentHeld, .skipped:
        break
    }
}

@inline(never)
func blackHole(_ v: Int) {
    if v == 0x7fff_ffff_ffff_fff1 { print("") }
}
