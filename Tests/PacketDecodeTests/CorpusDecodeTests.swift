import NetCore
import PacketDecode
import Testing

/// The decoder over real captures. Expected numbers come from tshark 4.0 (Debian 12); each
/// figure names the command that gave it.
@Suite struct CorpusDecode {
    // (capture, packets, TCP, UDP) where TCP is
    //   tshark -r FILE -Y "tcp && !icmp && !icmpv6" | wc -l
    // and UDP is
    //   tshark -r FILE -Y "udp && !tcp && !icmp && !icmpv6" | wc -l
    // (ICMP errors quote a TCP/UDP header; the decoder reports them as other transport).
    static let counts: [(String, Int, UInt64, UInt64)] = [
        ("arkime/pcap/openssl-tls1_2.pcap", 20, 20, 0),
        ("arkime/pcap/mysql-tls.pcap", 10, 10, 0),
        ("arkime/pcap/pppoe.pcap", 10, 10, 0),
        ("arkime/pcap/ssl-selfsign.pcap", 20, 20, 0),
        // tshark counts 141 UDP: packet 818 has UDP length 0 ("bogus, must be >= 8"), malformed here.
        ("arkime/pcap/arkime_synthetic.pcap", 918, 733, 140),
        ("arkime/pcap/wireshark-dtls12.pcap", 17, 0, 17),
        ("ja4/pcap/gre-erspan-vxlan.pcap", 7, 7, 0),
        ("ja4/pcap/gre-sample.pcap", 40, 22, 8),
        ("ja4/pcap/tcpdump-geneve.pcap", 39, 33, 0),
        ("ja4/pcap/ipv6.pcapng", 9, 9, 0),
        ("ja4/pcap/v6.pcap", 161, 62, 50),
        ("ja4/pcap/tls3.pcapng", 1189, 386, 794),
        ("ja4/pcap/ssh2.pcapng", 1391, 708, 643),
        ("ja4/pcap/latest.pcapng", 209, 137, 65),
        ("ja4/pcap/dhcpv6.pcap", 12, 0, 6),
        ("ja4/pcap/http1-with-cookies.pcapng", 12, 12, 0),
        ("zeek/traces/pppoe-over-qinq.pcap", 86, 86, 0),
        ("zeek/traces/tls/irc-starttls.pcap", 20, 20, 0),
        ("zeek/traces/tls/openjdk-25.0.2-zeek.org.pcap", 6, 6, 0),
        ("zeek/traces/tls/ml-dsa-44-cert.pcap", 5, 5, 0),
        ("zeek/traces/tls/pop3-starttls.pcap", 33, 33, 0),
        ("zeek/traces/tunnels/geneve-47101.pcap", 24, 24, 0),
        ("zeek/traces/tunnels/gtp/gtp6_gtp_0x32.pcap", 31, 31, 0),
        ("zeek/traces/ppp/quic-interop-retry.pcap", 26, 0, 22),
        ("zeek/traces/quic/interop/quic-go_quic-go/zerortt.pcap", 104, 0, 100),
        ("zeek/traces/tls/tls-fragmented-handshake.pcap.gz", 416, 416, 0),
        ("zeek/traces/smtp.pcap", 125, 118, 3),
        ("zeek/traces/rdp/rdp-to-ssl.pcap", 658, 658, 0),
    ]

    @Test(arguments: counts)
    func tcpAndUDPCountsMatchTshark(_ entry: (String, Int, UInt64, UInt64)) throws {
        let (file, packets, tcp, udp) = entry
        let (outcomes, c, _) = try decodeCapture(try Files.corpus(file))
        #expect(outcomes.count == packets)
        #expect(c.packets == UInt64(packets))
        #expect(c.tcp == tcp, "\(file)")
        #expect(c.udp == udp, "\(file)")
        // Nothing vanishes: every packet is a packet, a held fragment or a counted skip.
        let skipped = c.skipped.values.reduce(0, +)
        #expect(c.tcp + c.udp + c.fragmentsHeld + skipped == c.packets)
        #expect(c.unsupportedLinkTypeCount == 0)
    }

    @Test func ethernetTCPFieldsAndOptions() throws {
        let (o, c, link) = try decodeCapture(try Files.corpus("arkime/pcap/openssl-tls1_2.pcap"))
        #expect(link == 1)
        #expect(c.truncated == 0)
        // tshark -r openssl-tls1_2.pcap -Y frame.number==4 -T fields -e ip.src -e ip.dst -e tcp.srcport
        //   -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.window_size_value -e tcp.len -e ip.ttl
        //   → 10.0.0.1 74.125.228.37 57413 443 3133962775 891704975 0x0018 115 263 64
        let p = try #require(o[3].packet)
        #expect(p.src == ip("10.0.0.1") && p.dst == ip("74.125.228.37"))
        #expect(p.srcPort == 57413 && p.dstPort == 443 && p.ipProtocol == 6)
        let t = try #require(p.tcp)
        #expect(t.seq == 3_133_962_775 && t.ack == 891_704_975)
        #expect(t.flags == [.psh, .ack] && t.window == 115)
        #expect(p.payloadWireLength == 263 && o[3].payload.count == 263)
        #expect(o[3].payload.prefix(3) == [0x16, 0x03, 0x01])     // a TLS handshake record
        #expect(p.hopLimit == 64 && p.encapsulation.isEmpty && p.vlanID == nil && !p.truncated)
        // … -Y frame.number==1 -e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm → 1460 7 (present)
        let syn = try #require(o[0].packet?.tcp)
        #expect(syn.flags == [.syn] && syn.mss == 1460 && syn.windowScale == 7 && syn.sackPermitted)
    }

    @Test func vlanTag() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("arkime/pcap/mysql-tls.pcap"))
        // tshark -r mysql-tls.pcap -Y frame.number==1 -T fields -e vlan.id -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   → 50 10.10.10.10 10.10.10.11 41324 3306
        let p = try #require(o[0].packet)
        #expect(p.vlanID == 50 && p.encapsulation == [.vlan])
        #expect(p.src == ip("10.10.10.10") && p.dst == ip("10.10.10.11") && p.srcPort == 41324 && p.dstPort == 3306)
        #expect(o.allSatisfy { $0.packet?.vlanID == 50 })
    }

    @Test func qinqAndPPPoE() throws {
        let (o, c, _) = try decodeCapture(try Files.corpus("zeek/traces/pppoe-over-qinq.pcap"))
        // tshark -r pppoe-over-qinq.pcap -Y frame.number==4 -T fields -e vlan.id -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.len
        //   → 3704,2474 1.1.1.1 2.2.2.2 20394 443 517
        let p = try #require(o[3].packet)
        #expect(p.vlanID == 3704)
        #expect(p.encapsulation == [.vlan, .qinq, .pppoe])
        #expect(p.src == ip("1.1.1.1") && p.dst == ip("2.2.2.2") && p.srcPort == 20394 && p.dstPort == 443)
        #expect(o[3].payload.count == 517)
        // Packets 19, 33, 41, 47, 63, 81: IPv4 total length 46 inside a PPPoE payload of 42
        // (tshark … -e ip.len -e pppoe.payload_length → 46 42, tcp.len 0): the PPPoE length wins.
        for n in [19, 33, 41, 47, 63, 81] {
            let q = try #require(o[n - 1].packet)
            #expect(q.payloadWireLength == 0 && o[n - 1].payload.isEmpty && !q.truncated)
        }
        #expect(c.ipLengthBeyondLink == 6)
    }

    @Test func pppoeSession() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("arkime/pcap/pppoe.pcap"))
        // tshark -r pppoe.pcap -Y frame.number==1 -T fields -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   → 172.202.246.57 64.12.189.217 1063 443
        let p = try #require(o[0].packet)
        #expect(p.encapsulation == [.pppoe] && p.vlanID == nil)
        #expect(p.src == ip("172.202.246.57") && p.dst == ip("64.12.189.217") && p.srcPort == 1063 && p.dstPort == 443)
    }

    @Test func linuxCookedV1() throws {
        let (o, _, link) = try decodeCapture(try Files.corpus("zeek/traces/tls/irc-starttls.pcap"))
        #expect(link == 113)
        // tshark -r irc-starttls.pcap -Y frame.number==1 -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   → 203.143.168.47 185.18.76.170 55123 6667;  tshark … -e tcp.len | paste -sd+ | bc → 2816
        let p = try #require(o[0].packet)
        #expect(p.src == ip("203.143.168.47") && p.dst == ip("185.18.76.170") && p.srcPort == 55123 && p.dstPort == 6667)
        #expect(o.reduce(0) { $0 + $1.payload.count } == 2816)
    }

    @Test func linuxCookedV2() throws {
        let (o, _, link) = try decodeCapture(try Files.corpus("zeek/traces/tls/openjdk-25.0.2-zeek.org.pcap"))
        #expect(link == 276)
        // tshark -r openjdk-25.0.2-zeek.org.pcap -T fields -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.len
        //   packet 4: 192.168.64.6 192.0.78.150 55058 443 457; packet 6: … 443 55058 2920
        #expect(o[3].packet?.src == ip("192.168.64.6") && o[3].packet?.dstPort == 443 && o[3].payload.count == 457)
        #expect(o[5].packet?.src == ip("192.0.78.150") && o[5].packet?.srcPort == 443 && o[5].payload.count == 2920)
    }

    @Test func linuxCookedV2OwnLoopbackCapture() throws {
        let (o, c, link) = try decodeCapture(try Files.fixture("sll2-tls-loopback.pcap"))
        #expect(link == 276)
        #expect(c.tcp == 15)
        // tshark -r sll2-tls-loopback.pcap: 1 SYN 40204 → 4433, 4 Client Hello (len 315), 6 Server Hello … (len 758)
        #expect(o[0].packet?.tcp?.flags == [.syn] && o[0].packet?.srcPort == 40204 && o[0].packet?.dstPort == 4433)
        #expect(o[0].packet?.src == ip("127.0.0.1"))
        #expect(o[3].payload.count == 315 && o[3].payload.first == 0x16)
        #expect(o[5].payload.count == 758 && o[5].packet?.srcPort == 4433)
    }

    @Test func rawIP() throws {
        let (o, _, link) = try decodeCapture(try Files.corpus("zeek/traces/tls/ml-dsa-44-cert.pcap"))
        #expect(link == 12)
        // tshark -r ml-dsa-44-cert.pcap -T fields -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.len
        //   packet 5 → 10.0.0.2 10.0.0.1 443 55001 4125
        let p = try #require(o[4].packet)
        #expect(p.src == ip("10.0.0.2") && p.dst == ip("10.0.0.1") && p.srcPort == 443 && p.dstPort == 55001)
        #expect(o[4].payload.count == 4125)
    }

    @Test func bsdLoopbackIPv4AndIPv6() throws {
        let (o4, _, l4) = try decodeCapture(try Files.corpus("arkime/pcap/ssl-selfsign.pcap"))
        #expect(l4 == 0)
        // tshark -r ssl-selfsign.pcap -Y frame.number==1 -e null.family -e ip.src -e tcp.srcport -e tcp.dstport
        //   → 2 10.180.152.137 60101 4443
        #expect(o4[0].packet?.src == ip("10.180.152.137") && o4[0].packet?.srcPort == 60101 && o4[0].packet?.dstPort == 4443)
        let (o6, _, l6) = try decodeCapture(try Files.corpus("ja4/pcap/ipv6.pcapng"))
        #expect(l6 == 0)
        // tshark -r ipv6.pcapng -Y frame.number==1 -e null.family -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport
        //   → 30 2001:4998:ef83:14:8000::100d 2606:4700::6811:d209 64034 443
        let p = try #require(o6[0].packet)
        #expect(p.src == ip("2001:4998:ef83:14:8000::100d") && p.dst == ip("2606:4700::6811:d209"))
        #expect(p.srcPort == 64034 && p.dstPort == 443 && p.src.isV6)
    }

    @Test func ipv6OverEthernet() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("ja4/pcap/v6.pcap"))
        // tshark -r v6.pcap -Y "ipv6 && tcp" -e frame.number -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport
        //   first → 16 3ffe:507:0:1:200:86ff:fe05:80da 3ffe:501:410:0:2c0:dfff:fe47:33e 1022 22
        let p = try #require(o[15].packet)
        #expect(p.src == ip("3ffe:507:0:1:200:86ff:fe05:80da") && p.dst == ip("3ffe:501:410:0:2c0:dfff:fe47:33e"))
        #expect(p.srcPort == 1022 && p.dstPort == 22)
    }

    @Test func greErspanVxlan() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("ja4/pcap/gre-erspan-vxlan.pcap"))
        // tshark -r gre-erspan-vxlan.pcap -Y frame.number==4 -E occurrence=l -e ip.src -e ip.dst -e tcp.srcport
        //   -e tcp.dstport -e tcp.len -e frame.protocols
        //   → 10.16.27.12 10.16.27.131 65174 80 30 eth:ethertype:ip:gre:erspan:eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp:http
        let p = try #require(o[3].packet)
        #expect(p.encapsulation == [.gre, .erspan, .vxlan])
        #expect(p.src == ip("10.16.27.12") && p.dst == ip("10.16.27.131") && p.srcPort == 65174 && p.dstPort == 80)
        #expect(o[3].payload.count == 30 && Array(o[3].payload.prefix(4)) == Array("GET ".utf8))
    }

    @Test func greCarryingIPv4() throws {
        let (o, c, _) = try decodeCapture(try Files.corpus("ja4/pcap/gre-sample.pcap"))
        // tshark -r gre-sample.pcap -Y tcp -E occurrence=l -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   packet 11 → 66.59.111.190 172.28.2.3 40264 22;  frame.protocols: 10 with ICMP inside
        let p = try #require(o[10].packet)
        #expect(p.encapsulation == [.gre])
        #expect(p.src == ip("66.59.111.190") && p.dst == ip("172.28.2.3") && p.srcPort == 40264 && p.dstPort == 22)
        #expect(c.skipped[.otherTransport] == 10)
    }

    @Test func geneve() throws {
        let (o, c, _) = try decodeCapture(try Files.corpus("ja4/pcap/tcpdump-geneve.pcap"))
        // tshark -r tcpdump-geneve.pcap -Y tcp -E occurrence=l -e frame.number -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   → 3 30.0.0.2 30.0.0.1 51225 22; 6 packets carry ICMP
        let p = try #require(o[2].packet)
        #expect(p.encapsulation == [.geneve])
        #expect(p.src == ip("30.0.0.2") && p.dst == ip("30.0.0.1") && p.srcPort == 51225 && p.dstPort == 22)
        #expect(c.skipped[.otherTransport] == 6)

        let (z, _, _) = try decodeCapture(try Files.corpus("zeek/traces/tunnels/geneve-47101.pcap"))
        // tshark -r geneve-47101.pcap -Y tcp -E occurrence=l -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   packet 1 → 192.168.0.107 145.40.68.75 45474 443 (outer UDP 47101 → 6081)
        let q = try #require(z[0].packet)
        #expect(q.encapsulation == [.geneve])
        #expect(q.src == ip("192.168.0.107") && q.dst == ip("145.40.68.75") && q.srcPort == 45474 && q.dstPort == 443)
    }

    @Test func gtpU() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("zeek/traces/tunnels/gtp/gtp6_gtp_0x32.pcap"))
        // tshark -r gtp6_gtp_0x32.pcap -Y frame.number==1 -E occurrence=l -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport
        //   → 10.222.10.10 173.194.69.188 44960 5228 (frame.protocols eth:ethertype:ip:udp:gtp:ip:tcp)
        let p = try #require(o[0].packet)
        #expect(p.encapsulation == [.gtp])
        #expect(p.src == ip("10.222.10.10") && p.dst == ip("173.194.69.188") && p.srcPort == 44960 && p.dstPort == 5228)
    }

    @Test func pppLinkType() throws {
        let (o, _, link) = try decodeCapture(try Files.corpus("zeek/traces/ppp/quic-interop-retry.pcap"))
        #expect(link == 9)
        // tshark -r quic-interop-retry.pcap -Y frame.number==5 -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.length
        //   → 193.167.0.100 193.167.100.100 42834 443 1260
        let p = try #require(o[4].packet)
        #expect(p.ipProtocol == 17 && p.encapsulation == [.ppp])
        #expect(p.src == ip("193.167.0.100") && p.dst == ip("193.167.100.100") && p.srcPort == 42834 && p.dstPort == 443)
        #expect(o[4].payload.count == 1252)
    }

    @Test func arkimeSyntheticEncapsulations() throws {
        let (o, _, _) = try decodeCapture(try Files.corpus("arkime/pcap/arkime_synthetic.pcap"))
        // tshark -r arkime_synthetic.pcap -Y "frame.number==N" -T fields -E occurrence=l -e frame.protocols …
        // 512: eth:vlan:ip:icmp (vlan 100) — ICMP, other transport
        #expect(o[511].skipped == .otherTransport)
        // 618: eth:ip:udp(40000 → 4790):vxlan-gpe(next protocol IPv4):ip:udp 192.0.2.10:12345 → 192.0.2.20:53
        let g = try #require(o[617].packet)
        #expect(g.encapsulation == [.vxlan] && g.src == ip("192.0.2.10") && g.dstPort == 53 && g.srcPort == 12345)
        // 622: geneve with UDP inside: 10.111.111.10:5353 → 10.111.111.20:53
        #expect(o[621].packet?.encapsulation == [.geneve] && o[621].packet?.srcPort == 5353)
        // 914: IPv6 with destination options, then IPv4 in IPv6, then UDP 10.9.10.1:40200 → 10.9.10.2:40201, length 16
        let v = try #require(o[913].packet)
        #expect(v.encapsulation == [.ipInIP] && v.src == ip("10.9.10.1") && v.srcPort == 40200 && o[913].payload.count == 8)
        // 818: UDP length 0 ("bogus, must be >= 8")
        #expect(o[817].skipped == .malformed)
        // 528: eth:ip:gre:erspan:eth:llc — not IP inside
        #expect(o[527].skipped == .notIP)
        // 313: eth:mpls:ip:icmp (label 100, bottom of stack)
        #expect(o[312].skipped == .otherTransport)
    }

    @Test func arkimeSyntheticOuterVLANOfQinQ() throws {
        // tshark -r arkime_synthetic.pcap -Y frame.number==513 -e ieee8021ad.id -e vlan.id → 200 300
        // It carries ICMP, which the decoder skips; keep its link header (Ethernet 14 + 802.1ad 4 +
        // 802.1Q 4 = 22 bytes) and put a UDP datagram behind it to see the tags come out.
        let r = try CaptureReaderBytes.packet(file: try Files.corpus("arkime/pcap/arkime_synthetic.pcap"), number: 513)
        #expect(Array(r[12..<14]) == [0x88, 0xa8] && Array(r[16..<18]) == [0x81, 0x00] && Array(r[20..<22]) == [0x08, 0x00])
        let b = Array(r[0..<22]) + Build.ipv4(proto: 17, Build.udp([1, 2, 3]))
        var d = PacketDecoder(linkType: 1)
        let o = d.run(b)
        let p = try #require(o.packet)
        #expect(p.vlanID == 200)
        #expect(p.encapsulation == [.vlan, .qinq])
    }
}

extension DecodeCounters {
    var unsupportedLinkTypeCount: UInt64 { skipped[.unsupportedLinkType] ?? 0 }
}

import PcapIO
enum CaptureReaderBytes {
    static func packet(file: String, number: UInt64) throws -> [UInt8] {
        let r = try CaptureReader(path: file)
        while let p = try r.next() {
            if p.number == number { return [UInt8](p.bytes) }
        }
        throw CaptureError(code: .readError, path: file, reason: "no packet \(number)")
    }
}
