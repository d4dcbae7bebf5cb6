// Generated from the shared corpus with tshark (see each comment); do not edit by hand.
// Client bytes are `.c`, server bytes `.s`, in the order the capture has them. The ja4/pcap captures
// named here are byte-identical to the same names in arkime/pcap.

extension Traces {
    /// `tshark -r ja4/pcap/socks-https-example.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r ja4/pcap/socks-https-example.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 10, server seq 9 (relative; stream offset = seq - 1).
    static let socksHttpsExample4 = Trace(
        file: "ja4/pcap/socks-https-example.pcap", serverPort: 1080,
        tsharkTLSOffsets: (9, 8),
        segments: [
            .c("040101bb5db8d87700"),
            .s("005a99b40ab49cf9"),
            .c("16030100730100006f0301529cbff829"),
            .s("16030100510200004d0301529cbff584"),
        ])

    /// `tshark -r ja4/pcap/socks-https-example.pcap -q -z follow,tcp,raw,4` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r ja4/pcap/socks-https-example.pcap -Y "tcp.stream==4 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 15, server seq 13 (relative; stream offset = seq - 1).
    static let socksHttpsExample5 = Trace(
        file: "ja4/pcap/socks-https-example.pcap", serverPort: 1080,
        tsharkTLSOffsets: (14, 12),
        segments: [
            .c("05020001"),
            .s("0500"),
            .c("050100015db8d87701bb"),
            .s("050000010ab49cf999b6"),
            .c("16030100730100006f0301529cc0007e"),
            .s("16030100510200004d0301529cbffdb0"),
        ])

    /// `tshark -r zeek/traces/socks-with-ssl.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/socks-with-ssl.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 25, server seq 13 (relative; stream offset = seq - 1).
    static let socksWithSSL = Trace(
        file: "zeek/traces/socks-with-ssl.pcap", serverPort: 1080,
        tsharkTLSOffsets: (24, 12),
        segments: [
            .c("050100"),
            .s("0500"),
            .c("050100030e7777772e676f6f676c652e636f6d01bb"),
            .s("050000010000000001bb"),
            .c("16030100a20100009e03014fe0816ec3"),
            .s("16030100410200003d03014fe0816f8c"),
        ])

    /// `tshark -r ja4/pcap/https-connect.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r ja4/pcap/https-connect.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 85, server seq 135 (relative; stream offset = seq - 1).
    static let httpsConnect = Trace(
        file: "ja4/pcap/https-connect.pcap", serverPort: 8080,
        tsharkTLSOffsets: (84, 134),
        segments: [
            .c(
                "434f4e4e45435420747330312d622e636c6f756473696e6b2e6e65743a34343320485454502f312e300d0a557365722d" +
                "4167656e743a2043726f7764537472696b652046616c636f6e2053656e736f720d0a0d0a"
            ),
            .s(
                "485454502f312e3020323030204f4b0d0a446174653a204d6f6e2c2030322053657020323031392031383a35363a3533" +
                "20474d540d0a5669613a20687474702f312e312070726f786965732e7878787878787878782e78787878782e636f6d20" +
                "2858585858585858585858585858585858585858290d0a5365727665723a205858580d0a0d0a"
            ),
            .c("160301011c010001180303a3073873f4"),
            .s("1603030035020000310303e0e01a62d6"),
        ])

    /// `tshark -r zeek/traces/http/connect-with-header.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r zeek/traces/http/connect-with-header.pcap -Y "tcp.stream==0 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 222, server seq 75 (relative; stream offset = seq - 1).
    static let connectWithHeader = Trace(
        file: "zeek/traces/http/connect-with-header.pcap", serverPort: 80,
        tsharkTLSOffsets: (221, 74),
        segments: [
            .c(
                "434f4e4e454354207365637572652e6e65776567672e636f6d3a34343320485454502f312e310d0a557365722d416765" +
                "6e743a204d6f7a696c6c612f352e3020284d6163696e746f73683b20496e74656c204d6163204f5320582031302e3130" +
                "3b2072763a34312e3029204765636b6f2f32303130303130312046697265666f782f34312e300d0a50726f78792d436f" +
                "6e6e656374696f6e3a206b6565702d616c6976650d0a436f6e6e656374696f6e3a206b6565702d616c6976650d0a486f" +
                "73743a207365637572652e6e65776567672e636f6d3a3434330d0a0d0a"
            ),
            .s(
                "485454502f312e302032303020436f6e6e656374696f6e2045737461626c69736865640d0a50726f78792d6167656e74" +
                "3a204170616368652f322e342e31362028556e6978290d0a0d0a"
            ),
            .c("16030100da010000d60303a43f932faf"),
            .s("16030300510200004d0303560d9df182"),
        ])

    /// `tshark -r arkime/pcap/adb_synthetic.pcap -q -z follow,tcp,raw,4` (chunks in capture order; the first TLS chunk of each side cut to 16 bytes).
    /// First TLS record per `tshark -r arkime/pcap/adb_synthetic.pcap -d tcp.port==5555,tls -Y "tcp.stream==4 && tls.record" -T fields -e frame.number -e tcp.dstport -e tcp.seq -e tcp.segment`
    /// (a record split over segments is dated by its first segment's tcp.seq):
    /// client seq 80, server seq 64 (relative; stream offset = seq - 1).
    static let adbSTLS = Trace(
        file: "arkime/pcap/adb_synthetic.pcap", serverPort: 5555,
        tsharkTLSOffsets: (79, 63),
        segments: [
            .c("434e584e01000001000004000700000032020000bcb1a7b1686f73743a3a00"),
            .s("434e584e01000001000004000f00000068040000bcb1a7b16465766963653a544c533030313a00"),
            .c("53594e4301000000000000000000000000000000aca6b1bc"),
            .c("53544c5300000001000000000000000000000000acabb3ac"),
            .s("53544c5300000001000000000000000000000000acabb3ac"),
            .c("1603030067010000630303aaaaaaaaaa"),
            .s("16030300520200004e0303bbbbbbbbbb"),
        ])

    /// `tshark -r ja4/pcap/socks4-https.pcap -q -z follow,tcp,raw,0` (chunks in capture order; the first TLS chunk cut to 16 bytes).
    /// SOCKS 4A (DSTIP 0.0.0.1, user id "fd7bcf7b5c9e1d", host "login.live.com"), per
    /// `tshark -r ja4/pcap/socks4-https.pcap -d tcp.port==9901,socks -O socks`. The capture lost the client's bytes after the
    /// request (the server ACKs 240 while only 38 were seen: tshark's "ACKed unseen segment"), so tshark dissects no TLS
    /// record here; the server's stream continues at seq 9 (frame 9) with the record header 16 03 03 1a 73 (a ServerHello).
    static let socks4aHttps = Trace(
        file: "ja4/pcap/socks4-https.pcap", serverPort: 9901,
        tsharkTLSOffsets: (nil, nil),
        segments: [
            .c("040101bb000000016664376263663762356339653164006c6f67696e2e6c6976652e636f6d00"),
            .s("005a01bb83fd3d50"),
            .s("1603031a7302000051030354580149b2"),
        ])

    /// `tshark -r arkime/pcap/adb_synthetic.pcap -q -z follow,tcp,raw,0` (the first seven chunks): an ADB session without
    /// TLS (CNXN, AUTH token / signature / public key, the device's CNXN, then OPEN "shell:ls -la").
    static let adbPlain = Trace(
        file: "arkime/pcap/adb_synthetic.pcap", serverPort: 5555,
        tsharkTLSOffsets: (nil, nil),
        segments: [
            .c("434e584e01000001000004000700000032020000bcb1a7b1686f73743a3a00"),
            .s("4155544801000000000000001400000014050000beaaabb74141414141414141414141414141414141414141"),
            .c(
                "41555448020000000000000020000000600a0000beaaabb7535353535353535353535353535353535353535353535353" +
                "5353535353535353"
            ),
            .c("41555448030000000000000017000000c2070000beaaabb77373682d7273612041414141207573657240686f737400"),
            .s(
                "434e584e0100000100000400220000007d0b0000bcb1a7b16465766963653a48564131323334353a6665617475726573" +
                "3d7368656c6c5f763200"
            ),
            .c("4f50454e01000000000000000d0000004b040000b0afbab17368656c6c3a6c73202d6c6100"),
            .s("4f4b415902000000010000000000000000000000b0b4bea6"),
        ])
}
